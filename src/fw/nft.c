/* What the nft JSON and text readers share: values as text, named sets, jumps. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "fw-internal.h"

/* Fills C from value texts; false when one cannot be read. */
static bool fill_values(struct cond *c, enum nft_sel sel, char *const *vals, char **ret_bad)
{
    for (size_t i = 0; vals && vals[i]; i++) {
        const char *v = vals[i];
        bool ok = true;
        switch (sel) {
        case SEL_ADDR: {
            struct net n;
            ok = fw_parse_net(v, &n);
            if (ok)
                fw_push_net(c, &n);
            break;
        }
        case SEL_PORT: {
            struct range r;
            ok = fw_parse_port_range(v, '-', &r);
            if (ok)
                fw_push_range(c, r.lo, r.hi);
            break;
        }
        case SEL_PROTO: {
            unsigned p;
            ok = fw_parse_proto(v, &p);
            if (ok)
                fw_push_range(c, p, p);
            break;
        }
        case SEL_STATE:
            c->state_new = c->state_new || strcasecmp(v, "new") == 0;
            c->state_est = c->state_est || strcasecmp(v, "established") == 0;
            break;
        case SEL_IFACE:
            if (!c->names)
                c->names = mr_xcalloc(1, sizeof(char *));
            mr_strv_push(&c->names, v);
            break;
        case SEL_FAMILY:
            /* meta nfproto says ipv4, meta protocol (the ethertype) says ip */
            if (!strcmp(v, "ipv4") || !strcmp(v, "ip"))
                c->family = AF_INET;
            else if (!strcmp(v, "ipv6") || !strcmp(v, "ip6"))
                c->family = AF_INET6;
            else
                ok = false;
            break;
        }
        if (!ok) {
            *ret_bad = mr_xstrdup(v);
            return false;
        }
    }
    return true;
}

/* The condition for "SELECTOR OP VALUES" (payload or meta), or an opaque one.
 * KIND/SEL/FAMILY say what the selector is; SETREF is "@name" or NULL. */
void fw_nft_cond(struct mr_fw_rule *r, enum cond_kind kind, enum nft_sel sel, int family,
                 bool neg, char *const *vals, const char *setref, const char *label)
{
    struct cond *c = fw_add_cond(r, kind, neg);
    if (kind == C_SRC || kind == C_DST)
        c->family = family;
    if (setref) {
        c->setref = mr_xstrdup(setref + 1);
        /* The selector, so that the set's elements are read the same way. */
        c->what = mr_xasprintf("%d", (int)sel);
        return;
    }
    char *bad = NULL;
    if (!fill_values(c, sel, vals, &bad)) {
        fw_cond_clear(c);
        *c = (struct cond){.kind = C_OPAQUE};
        c->what = mr_xasprintf("%s %s, which it cannot read", label, bad);
        free(bad);
    }
}

void fw_add_set(struct mr_fw_ruleset *rs, const char *family, const char *table,
                const char *name, char **elems)
{
    rs->sets = mr_xrealloc(rs->sets, (rs->n_sets + 1) * sizeof(*rs->sets));
    rs->sets[rs->n_sets++] = (struct fw_set){mr_xstrdup(family), mr_xstrdup(table),
                                             mr_xstrdup(name), elems};
}

/* Replaces set references by the named sets' elements. */
void fw_resolve_sets(struct mr_fw_ruleset *rs)
{
    for (size_t i = 0; i < rs->n_chains; i++) {
        struct mr_fw_chain *ch = rs->chains[i];
        for (size_t j = 0; j < ch->n_rules; j++)
            for (size_t k = 0; k < ch->rules[j]->n_conds; k++) {
                struct cond *c = &ch->rules[j]->conds[k];
                if (!c->setref)
                    continue;
                const struct fw_set *set = NULL;
                for (size_t s = 0; s < rs->n_sets && !set; s++)
                    if (!strcmp(rs->sets[s].family, ch->family) &&
                        !strcmp(rs->sets[s].table, ch->table) &&
                        !strcmp(rs->sets[s].name, c->setref))
                        set = &rs->sets[s];
                char *bad = NULL;
                enum nft_sel sel = (enum nft_sel)atoi(c->what);
                free(c->what);
                c->what = NULL;
                if (set && fill_values(c, sel, set->elems, &bad)) {
                    free(c->setref);
                    c->setref = NULL;
                    continue;
                }
                char *what = set ? mr_xasprintf("the set @%s, whose element %s it cannot read",
                                                c->setref, bad)
                                 : mr_xasprintf("the set @%s, which is not defined", c->setref);
                free(bad);
                fw_cond_clear(c);
                *c = (struct cond){.kind = C_OPAQUE, .what = what};
            }
    }
}

static void cond_copy(struct cond *to, const struct cond *from)
{
    *to = *from;
    to->ranges = from->n_ranges ? mr_xmalloc(from->n_ranges * sizeof(*to->ranges)) : NULL;
    if (from->n_ranges)
        memcpy(to->ranges, from->ranges, from->n_ranges * sizeof(*to->ranges));
    to->nets = from->n_nets ? mr_xmalloc(from->n_nets * sizeof(*to->nets)) : NULL;
    if (from->n_nets)
        memcpy(to->nets, from->nets, from->n_nets * sizeof(*to->nets));
    to->names = NULL;
    if (from->names) {
        to->names = mr_xcalloc(1, sizeof(char *));
        for (size_t i = 0; from->names[i]; i++)
            mr_strv_push(&to->names, from->names[i]);
    }
    to->what = from->what ? mr_xstrdup(from->what) : NULL;
    to->setref = from->setref ? mr_xstrdup(from->setref) : NULL;
}

/* "accept", "jump CHAIN", ... as a target of R. */
static void set_verdict(struct mr_fw_rule *r, const char *v)
{
    static const struct {
        const char *word;
        enum target t;
    } words[] = {{"accept", T_ACCEPT}, {"drop", T_DROP},     {"reject", T_REJECT},
                 {"return", T_RETURN}, {"continue", T_CONTINUE}};
    for (size_t i = 0; i < MR_ARRAY_SIZE(words); i++)
        if (!strcmp(v, words[i].word)) {
            r->target = words[i].t;
            return;
        }
    if (!strncmp(v, "jump ", 5) || !strncmp(v, "goto ", 5)) {
        r->target = v[0] == 'j' ? T_JUMP : T_GOTO;
        r->target_arg = mr_xstrdup(v + 5);
        return;
    }
    r->target = T_UNKNOWN;
    r->target_arg = mr_xasprintf("'%s' in a verdict map", v);
}

void fw_add_nft_rule(struct mr_fw_chain *c, struct mr_fw_rule *r, int pos)
{
    struct fw_vmap *m = r->vmap;
    if (!m) {
        fw_chain_add_rule(c, r, pos);
        return;
    }
    r->vmap = NULL;
    for (size_t i = 0; m->keys[i]; i++) {
        struct mr_fw_rule *e = fw_rule_new(r->file, r->line, r->text);
        e->handle = r->handle;
        e->conds = mr_xcalloc(r->n_conds + 3, sizeof(*e->conds));
        for (size_t k = 0; k < r->n_conds; k++)
            cond_copy(&e->conds[e->n_conds++], &r->conds[k]);
        if (m->proto) {
            unsigned p = 0;
            fw_parse_proto(m->proto, &p);
            fw_push_range(fw_add_cond(e, C_PROTO, false), p, p);
        }
        if (m->family && m->kind != C_SRC && m->kind != C_DST)
            fw_add_cond(e, C_FAMILY, false)->family = m->family;
        char *const key[] = {m->keys[i], NULL};
        fw_nft_cond(e, m->kind, (enum nft_sel)m->sel, m->family, false, key, NULL, m->label);
        set_verdict(e, m->verdicts[i]);
        fw_chain_add_rule(c, e, pos < 0 ? -1 : pos + (int)i);
    }
    fw_vmap_free(m);
    fw_rule_free(r);
}

void fw_resolve_jumps(struct mr_fw_ruleset *rs)
{
    for (size_t i = 0; i < rs->n_chains; i++) {
        struct mr_fw_chain *ch = rs->chains[i];
        for (size_t j = 0; j < ch->n_rules; j++) {
            struct mr_fw_rule *r = ch->rules[j];
            if ((r->target == T_JUMP || r->target == T_GOTO) &&
                !fw_find_chain(rs, ch->family, ch->table, r->target_arg)) {
                char *t = mr_xasprintf("%s to the undefined chain %s",
                                       r->target == T_GOTO ? "goto" : "jump", r->target_arg);
                r->target = T_UNKNOWN;
                free(r->target_arg);
                r->target_arg = t;
            }
        }
    }
}
