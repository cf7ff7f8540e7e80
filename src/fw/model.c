/* The firewall rule set model and its evaluator; see fwrules.h. The readers
 * that build it are iptables.c, nft-json.c and nft-text.c. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw-internal.h"

/* Linux's default ip_local_port_range: the source port of a peer's connection. */
#define EPHEMERAL_LO 32768u
#define EPHEMERAL_HI 60999u
/* Rules visited per verdict; a rule set that needs more is undecided. */
#define WALK_BUDGET 200000
/* Chains on one path, by jumps and gotos. */
#define MAX_DEPTH 64
/* Rules that may or may not match, each leading to another chain, nested. */
#define MAX_NEST 32

/* ---- the model ---- */

void fw_cond_clear(struct cond *c)
{
    free(c->ranges);
    free(c->nets);
    mr_strv_free(c->names);
    free(c->what);
    free(c->setref);
}

void fw_vmap_free(struct fw_vmap *m)
{
    if (!m)
        return;
    free(m->proto);
    free(m->label);
    mr_strv_free(m->keys);
    mr_strv_free(m->verdicts);
    free(m);
}

void fw_rule_free(struct mr_fw_rule *r)
{
    if (!r)
        return;
    fw_vmap_free(r->vmap);
    for (size_t i = 0; i < r->n_conds; i++)
        fw_cond_clear(&r->conds[i]);
    free(r->conds);
    free(r->file);
    free(r->text);
    free(r->target_arg);
    free(r);
}

static void chain_free(struct mr_fw_chain *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_rules; i++)
        fw_rule_free(c->rules[i]);
    free(c->rules);
    free(c->family);
    free(c->table);
    free(c->name);
    free(c->file);
    free(c->table_label);
    free(c);
}

void fw_ruleset_clear(struct mr_fw_ruleset *rs)
{
    for (size_t i = 0; i < rs->n_chains; i++)
        chain_free(rs->chains[i]);
    free(rs->chains);
    rs->chains = NULL;
    rs->n_chains = rs->cap_chains = 0;
    free(rs->index);
    rs->index = NULL;
    rs->index_cap = 0;
    for (size_t i = 0; i < rs->n_sets; i++) {
        free(rs->sets[i].family);
        free(rs->sets[i].table);
        free(rs->sets[i].name);
        mr_strv_free(rs->sets[i].elems);
    }
    free(rs->sets);
    rs->sets = NULL;
    rs->n_sets = 0;
}

void mr_fw_ruleset_free(struct mr_fw_ruleset *rs)
{
    if (!rs)
        return;
    fw_ruleset_clear(rs);
    free(rs->origin);
    free(rs->problem);
    free(rs->problem_file);
    free(rs);
}

struct mr_fw_ruleset *fw_ruleset_new(enum mr_fw_syntax syntax, const char *origin)
{
    struct mr_fw_ruleset *rs = mr_xcalloc(1, sizeof(*rs));
    rs->syntax = syntax;
    rs->origin = mr_xstrdup(origin ? origin : "");
    return rs;
}

void fw_set_problem(struct mr_fw_ruleset *rs, const char *file, int line, const char *fmt, ...)
{
    if (rs->problem)
        return; /* the first one is the one to fix first */
    va_list ap;
    va_start(ap, fmt);
    rs->problem = mr_xvasprintf(fmt, ap);
    va_end(ap);
    rs->problem_file = file ? mr_xstrdup(file) : NULL;
    rs->problem_line = line;
}

static size_t chain_hash(const char *family, const char *table, const char *name)
{
    size_t h = 14695981039346656037u; /* FNV-1a */
    const char *parts[] = {family, table, name};
    for (size_t i = 0; i < MR_ARRAY_SIZE(parts); i++) {
        for (const char *p = parts[i]; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211u;
        h = (h ^ 0xff) * 1099511628211u;
    }
    return h;
}

static bool chain_is(const struct mr_fw_chain *c, const char *family, const char *table,
                     const char *name)
{
    return strcmp(c->name, name) == 0 && strcmp(c->table, table) == 0 &&
           strcmp(c->family, family) == 0;
}

static void index_insert(struct mr_fw_ruleset *rs, struct mr_fw_chain *c)
{
    size_t mask = rs->index_cap - 1;
    size_t i = chain_hash(c->family, c->table, c->name) & mask;
    while (rs->index[i])
        i = (i + 1) & mask;
    rs->index[i] = c;
}

/* Rebuilds the index for the chains RS holds, at least twice their number. */
static void index_rebuild(struct mr_fw_ruleset *rs)
{
    size_t cap = 64;
    while (cap < 2 * (rs->n_chains + 1))
        cap *= 2;
    free(rs->index);
    rs->index = mr_xcalloc(cap, sizeof(*rs->index));
    rs->index_cap = cap;
    for (size_t i = 0; i < rs->n_chains; i++)
        index_insert(rs, rs->chains[i]);
}

struct mr_fw_chain *fw_find_chain(const struct mr_fw_ruleset *rs, const char *family,
                                  const char *table, const char *name)
{
    if (!rs->index_cap)
        return NULL;
    size_t mask = rs->index_cap - 1;
    for (size_t i = chain_hash(family, table, name) & mask; rs->index[i]; i = (i + 1) & mask)
        if (chain_is(rs->index[i], family, table, name))
            return rs->index[i];
    return NULL;
}

struct mr_fw_chain *fw_get_chain(struct mr_fw_ruleset *rs, const char *family, const char *table,
                                 const char *name)
{
    struct mr_fw_chain *c = fw_find_chain(rs, family, table, name);
    if (c)
        return c;
    c = mr_xcalloc(1, sizeof(*c));
    c->family = mr_xstrdup(family);
    c->table = mr_xstrdup(table);
    c->name = mr_xstrdup(name);
    c->policy = T_CONTINUE;
    if (rs->syntax == MR_FW_IPTABLES && !strcmp(table, "filter") && !strcmp(name, "INPUT")) {
        c->base = true;
        c->policy = T_ACCEPT; /* a built-in chain's default */
    }
    c->table_label = rs->syntax == MR_FW_NFT ? mr_xasprintf("%s %s", family, table)
                                             : mr_xstrdup(table);
    if (rs->n_chains == rs->cap_chains) {
        rs->cap_chains = rs->cap_chains ? 2 * rs->cap_chains : 16;
        rs->chains = mr_xrealloc(rs->chains, rs->cap_chains * sizeof(*rs->chains));
    }
    rs->chains[rs->n_chains++] = c;
    if (2 * (rs->n_chains + 1) > rs->index_cap)
        index_rebuild(rs);
    else
        index_insert(rs, c);
    return c;
}

void fw_chain_add_rule(struct mr_fw_chain *c, struct mr_fw_rule *r, int pos)
{
    if (c->n_rules == c->cap_rules) {
        c->cap_rules = c->cap_rules ? 2 * c->cap_rules : 16;
        c->rules = mr_xrealloc(c->rules, c->cap_rules * sizeof(*c->rules));
    }
    if (pos < 0 || (size_t)pos > c->n_rules)
        pos = (int)c->n_rules;
    memmove(c->rules + pos + 1, c->rules + pos, (c->n_rules - (size_t)pos) * sizeof(*c->rules));
    c->rules[pos] = r;
    c->n_rules++;
    r->chain = c;
    /* Only the rules from POS on move: appending stays linear. */
    for (size_t i = (size_t)pos; i < c->n_rules; i++)
        c->rules[i]->index = (int)i + 1;
}

struct mr_fw_rule *fw_rule_new(const char *file, int line, const char *text)
{
    struct mr_fw_rule *r = mr_xcalloc(1, sizeof(*r));
    r->file = file ? mr_xstrdup(file) : NULL;
    r->line = line;
    r->handle = -1;
    r->text = mr_xstrdup(text ? text : "");
    r->target = T_CONTINUE;
    return r;
}

struct cond *fw_add_cond(struct mr_fw_rule *r, enum cond_kind kind, bool neg)
{
    r->conds = mr_xrealloc(r->conds, (r->n_conds + 1) * sizeof(*r->conds));
    struct cond *c = &r->conds[r->n_conds++];
    *c = (struct cond){.kind = kind, .neg = neg};
    return c;
}

void fw_add_opaque(struct mr_fw_rule *r, const char *fmt, ...)
{
    struct cond *c = fw_add_cond(r, C_OPAQUE, false);
    va_list ap;
    va_start(ap, fmt);
    c->what = mr_xvasprintf(fmt, ap);
    va_end(ap);
}

void fw_push_range(struct cond *c, unsigned lo, unsigned hi)
{
    c->ranges = mr_xrealloc(c->ranges, (c->n_ranges + 1) * sizeof(*c->ranges));
    c->ranges[c->n_ranges++] = (struct range){lo < hi ? lo : hi, lo < hi ? hi : lo};
}

void fw_push_net(struct cond *c, const struct net *n)
{
    c->nets = mr_xrealloc(c->nets, (c->n_nets + 1) * sizeof(*c->nets));
    c->nets[c->n_nets++] = *n;
}

/* ---- evaluation ---- */

/* SOMETIMES: matches for some of the peer's connections and not others (its
 * ephemeral source port); a connection is accepted only when it always is. */
enum tri { NO, MAYBE, SOMETIMES, YES };

static enum tri tri_not(enum tri t)
{
    return t == YES ? NO : t == NO ? YES : t;
}

static bool iface_match(const char *pattern, const char *iface)
{
    size_t n = strlen(pattern);
    if (n && (pattern[n - 1] == '+' || pattern[n - 1] == '*'))
        return strncmp(pattern, iface, n - 1) == 0;
    return strcmp(pattern, iface) == 0;
}

static bool in_ranges(const struct cond *c, unsigned v)
{
    for (size_t i = 0; i < c->n_ranges; i++)
        if (v >= c->ranges[i].lo && v <= c->ranges[i].hi)
            return true;
    return false;
}

/* Whether the peer's ephemeral source port falls in C's ranges. */
static enum tri sport_in(const struct cond *c)
{
    unsigned covered = 0;
    bool any = false;
    for (size_t i = 0; i < c->n_ranges; i++) {
        unsigned lo = c->ranges[i].lo > EPHEMERAL_LO ? c->ranges[i].lo : EPHEMERAL_LO;
        unsigned hi = c->ranges[i].hi < EPHEMERAL_HI ? c->ranges[i].hi : EPHEMERAL_HI;
        if (lo <= hi) {
            any = true;
            covered += hi - lo + 1;
        }
    }
    if (!any)
        return NO;
    return covered >= EPHEMERAL_HI - EPHEMERAL_LO + 1 ? YES : MAYBE;
}

static char *ranges_text(const struct cond *c, char sep)
{
    char *s = mr_xstrdup("");
    for (size_t i = 0; i < c->n_ranges; i++) {
        char *n = c->ranges[i].lo == c->ranges[i].hi
                      ? mr_xasprintf("%s%s%u", s, i ? "," : "", c->ranges[i].lo)
                      : mr_xasprintf("%s%s%u%c%u", s, i ? "," : "", c->ranges[i].lo, sep,
                                     c->ranges[i].hi);
        free(s);
        s = n;
    }
    return s;
}

struct walk {
    const struct mr_fw_ruleset *rs;
    const struct mr_fw_conn *conn;
    long budget;
    int nest; /* ways taken being walked apart */
    bool src_dep;
};

/* Says why a condition is undecided, when WHY is asked for. */
static void note(char *why, size_t n_why, const char *fmt, ...) MR_PRINTF(3, 4);
static void note(char *why, size_t n_why, const char *fmt, ...)
{
    if (!why)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n_why, fmt, ap);
    va_end(ap);
}

/* WHY may be NULL when only the answer is wanted. */
static enum tri cond_eval(const struct walk *w, const struct cond *c, char *why, size_t n_why)
{
    const struct mr_fw_conn *k = w->conn;
    enum tri t = NO;
    switch (c->kind) {
    case C_PROTO:
        t = in_ranges(c, 6) ? YES : NO;
        break;
    case C_SRC:
    case C_DST: {
        if (c->family && c->family != k->family)
            return NO; /* an ip payload match never matches an IPv6 packet, negated or not */
        bool any = false, hit = false;
        for (size_t i = 0; i < c->n_nets; i++) {
            const struct net *n = &c->nets[i];
            if (fw_net_is_any(n))
                any = true;
            if (n->family == k->family && fw_net_contains(n, k->src))
                hit = true;
        }
        if (c->kind == C_SRC && k->src_any) {
            if (!any) {
                note(why, n_why, "matches on the source address");
                return MAYBE;
            }
            t = YES;
        } else if (c->kind == C_SRC) {
            t = hit ? YES : NO;
        } else if (any) {
            t = YES;
        } else {
            note(why, n_why, "matches on the destination address");
            t = MAYBE;
        }
        break;
    }
    case C_DPORT:
        t = in_ranges(c, k->dport) ? YES : NO;
        break;
    case C_SPORT:
    case C_PORTS:
        if (c->kind == C_PORTS && in_ranges(c, k->dport)) {
            t = YES;
            break;
        }
        t = sport_in(c);
        if (t == MAYBE) {
            if (why) {
                char *r = ranges_text(c, ':');
                note(why, n_why, "matches the source port %s, which a peer may pick", r);
                free(r);
            }
            t = SOMETIMES;
        }
        break;
    case C_STATE:
        t = (k->established ? c->state_est : c->state_new) ? YES : NO;
        break;
    case C_IIF: {
        bool all_lo = true, hit = false;
        for (size_t i = 0; c->names && c->names[i]; i++) {
            if (strcmp(c->names[i], "lo") != 0)
                all_lo = false;
            if (k->iface && iface_match(c->names[i], k->iface))
                hit = true;
        }
        if (all_lo)
            t = NO; /* a peer's traffic never arrives on loopback */
        else if (k->iface)
            t = hit ? YES : NO;
        else {
            note(why, n_why,
                     "matches the input interface %s and the peers' interface is unknown "
                     "(set interface = in the site configuration)",
                     c->names && c->names[0] ? c->names[0] : "?");
            t = MAYBE;
        }
        break;
    }
    case C_FAMILY:
        t = c->family == k->family ? YES : NO;
        break;
    case C_SYN:
        t = k->established ? NO : YES; /* the following packets carry ACK, not SYN */
        break;
    case C_FLAGS: {
        unsigned flags = k->established ? FW_TCP_ACK : FW_TCP_SYN;
        t = (flags & c->flags_mask) == c->flags_want ? YES : NO;
        break;
    }
    case C_OPAQUE:
        note(why, n_why, "uses %s", c->what);
        return MAYBE;
    }
    return c->neg ? tri_not(t) : t;
}

static enum tri rule_match(struct walk *w, const struct mr_fw_rule *r, char *why, size_t n_why)
{
    enum tri all = YES;
    bool src = false, src_no = false, other_no = false;
    why[0] = '\0';
    /* Most rules of a large rule set fail on a port or a protocol: find
     * that first, without the texts. */
    for (size_t i = 0; i < r->n_conds; i++) {
        const struct cond *c = &r->conds[i];
        if ((c->kind == C_PROTO || c->kind == C_DPORT || c->kind == C_STATE ||
             c->kind == C_FAMILY) && cond_eval(w, c, NULL, 0) == NO)
            return NO;
    }
    for (size_t i = 0; i < r->n_conds && !other_no; i++) {
        char buf[256];
        buf[0] = '\0';
        const struct cond *c = &r->conds[i];
        enum tri t = cond_eval(w, c, buf, sizeof(buf));
        bool any = c->kind != C_SRC;
        for (size_t j = 0; !any && j < c->n_nets; j++)
            any = fw_net_is_any(&c->nets[j]);
        if (!any) {
            src = true;
            src_no = src_no || t == NO;
        } else if (t == NO) {
            other_no = true;
        }
        if ((t == MAYBE && all != MAYBE) || (t == SOMETIMES && all == YES)) {
            all = t;
            note(why, n_why, "%s", buf);
        }
    }
    if (other_no)
        return NO;
    /* Only a rule whose other matches hold depends on the address. */
    if (src)
        w->src_dep = true;
    return src_no ? NO : all;
}

struct outcome {
    enum mr_fw_outcome o;
    const struct mr_fw_rule *rule;
    const struct mr_fw_chain *chain;
    char reason[256];
};

static bool same(const struct outcome *a, const struct outcome *b)
{
    if (a->o == MR_FW_UNDECIDED || b->o == MR_FW_UNDECIDED)
        return false;
    return (a->o == MR_FW_ACCEPTED) == (b->o == MR_FW_ACCEPTED);
}

static struct outcome undecided(const struct mr_fw_rule *r, const char *fmt, ...)
    MR_PRINTF(2, 3);
static struct outcome undecided(const struct mr_fw_rule *r, const char *fmt, ...)
{
    struct outcome o = {.o = MR_FW_UNDECIDED, .rule = r};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o.reason, sizeof(o.reason), fmt, ap);
    va_end(ap);
    return o;
}

/* Where a walk is: the base chain it started from (whose policy applies when
 * the walk runs out of rules with no caller left), the rule it is at, the
 * callers a jump pushed, and the chains entered by jumps and gotos since the
 * base chain. The kernel refuses a rule set in which a chain reachable from
 * a base chain leads back to itself ("Too many links"), so a chain met twice
 * on one path is such a loop. */
struct frame {
    const struct mr_fw_chain *chain;
    size_t next;
    int trail; /* the trail's length to go back to */
};

struct pos {
    const struct mr_fw_chain *base;
    const struct mr_fw_chain *chain;
    size_t idx;
    int depth;
    int n_trail;
    struct frame stack[MAX_DEPTH];
    const struct mr_fw_chain *trail[MAX_DEPTH];
};

static struct outcome policy_of(const struct mr_fw_chain *base)
{
    return (struct outcome){.o = base->policy == T_DROP ? MR_FW_DROPPED : MR_FW_ACCEPTED,
                            .chain = base};
}

/* Leaves the current chain (its end or a RETURN): back to the caller a jump
 * pushed, or, with none left, the base chain's policy. A chain entered by a
 * goto returns to the caller of the chain that went there, as in the kernel. */
static bool leave_chain(struct pos *p, struct outcome *ret)
{
    if (p->depth == 0) {
        *ret = policy_of(p->base);
        return true;
    }
    const struct frame *f = &p->stack[--p->depth];
    p->chain = f->chain;
    p->idx = f->next;
    p->n_trail = f->trail;
    return false;
}

/* The effect of the matched rule R at P: moves P on and returns false, or
 * returns true with the verdict in *RET. */
static bool apply(const struct walk *w, struct pos *p, const struct mr_fw_rule *r,
                  struct outcome *ret)
{
    switch (r->target) {
    case T_ACCEPT:
        *ret = (struct outcome){.o = MR_FW_ACCEPTED, .rule = r};
        return true;
    case T_DROP:
        *ret = (struct outcome){.o = MR_FW_DROPPED, .rule = r};
        return true;
    case T_REJECT:
        *ret = (struct outcome){.o = MR_FW_REJECTED, .rule = r};
        return true;
    case T_CONTINUE:
        p->idx++;
        return false;
    case T_RETURN:
        return leave_chain(p, ret);
    case T_JUMP:
    case T_GOTO: {
        const struct mr_fw_chain *to = fw_find_chain(w->rs, p->chain->family, p->chain->table,
                                                     r->target_arg);
        if (!to) {
            *ret = undecided(r, "jumps to the chain %s, which is not defined", r->target_arg);
            return true;
        }
        for (int i = 0; i < p->n_trail; i++)
            if (p->trail[i] == to) {
                *ret = undecided(r, "%s the chain %s, which leads back to itself: the kernel "
                                 "refuses to load a loop (\"Too many links\")",
                                 r->target == T_GOTO ? "goes to" : "jumps to", to->name);
                return true;
            }
        if (p->n_trail >= MAX_DEPTH) {
            *ret = undecided(r, "jumps more than %d chains deep", MAX_DEPTH);
            return true;
        }
        if (r->target == T_JUMP)
            p->stack[p->depth++] = (struct frame){p->chain, p->idx + 1, p->n_trail};
        p->trail[p->n_trail++] = to;
        p->chain = to;
        p->idx = 0;
        return false;
    }
    case T_UNKNOWN:
        break;
    }
    *ret = undecided(r, "has the target %s", r->target_arg ? r->target_arg : "(unknown)");
    return true;
}

/* A rule that may or may not match, passed on the walk: where taking it led. */
struct pending {
    const struct mr_fw_rule *rule;
    enum tri m;
    enum mr_fw_outcome o;
    const struct mr_fw_rule *o_rule;
    const struct mr_fw_chain *o_chain;
    char *reason; /* NULL when empty */
};

static struct outcome walk_from(struct walk *w, struct pos *p);

/* Where taking R (which may or may not match) at P leads. */
static struct pending take(struct walk *w, const struct pos *p, const struct mr_fw_rule *r,
                           enum tri m)
{
    struct outcome o;
    struct pos *copy = mr_xmalloc(sizeof(*copy));
    *copy = *p;
    if (!apply(w, copy, r, &o)) {
        if (w->nest >= MAX_NEST) {
            o = undecided(r, "is one of more than %d rules in a row that may or may not match",
                          MAX_NEST);
        } else {
            w->nest++;
            o = walk_from(w, copy);
            w->nest--;
        }
    }
    free(copy);
    return (struct pending){r, m, o.o, o.rule, o.chain, o.reason[0] ? mr_xstrdup(o.reason) : NULL};
}

/* Both ways of a rule that may or may not match: when both lead to the same
 * answer it did not matter, otherwise the answer is undecided. */
static struct outcome combine(struct walk *w, const struct pending *pd,
                              const struct outcome *skipped)
{
    struct outcome taken = {.o = pd->o, .rule = pd->o_rule, .chain = pd->o_chain};
    snprintf(taken.reason, sizeof(taken.reason), "%s", pd->reason ? pd->reason : "");
    const struct mr_fw_rule *r = pd->rule;
    if (same(&taken, skipped))
        return skipped->rule || skipped->chain ? *skipped : taken;
    if (pd->m == SOMETIMES && taken.o != MR_FW_UNDECIDED && skipped->o != MR_FW_UNDECIDED)
        return taken.o == MR_FW_ACCEPTED ? *skipped : taken;
    if (taken.o == MR_FW_UNDECIDED && taken.rule != r)
        return taken;
    if (skipped->o == MR_FW_UNDECIDED && skipped->rule != r && skipped->rule)
        return *skipped;
    char why[256];
    rule_match(w, r, why, sizeof(why));
    return undecided(r, "%s", why);
}

/* Walks from P to a verdict, one rule after the other (no recursion per
 * rule or per chain: a blocklist of any length costs no stack). A rule that
 * may or may not match is followed both ways; the way it is taken is walked
 * apart (nested at most MAX_NEST deep), the way it is skipped goes on here,
 * and the two are combined from the last such rule back. */
static struct outcome walk_from(struct walk *w, struct pos *p)
{
    struct pending *pend = NULL;
    size_t n_pend = 0, cap_pend = 0;
    struct outcome res;
    for (;;) {
        if (p->idx >= p->chain->n_rules) {
            if (leave_chain(p, &res))
                break;
            continue;
        }
        if (--w->budget < 0) {
            res = undecided(NULL, "needs too many steps to evaluate");
            break;
        }
        const struct mr_fw_rule *r = p->chain->rules[p->idx];
        char why[256];
        enum tri m = rule_match(w, r, why, sizeof(why));
        if (m == NO) {
            p->idx++;
            continue;
        }
        if (m == YES || r->target == T_CONTINUE) {
            /* A rule that only logs or counts leads on either way. */
            if (apply(w, p, r, &res))
                break;
            continue;
        }
        if (n_pend == cap_pend) {
            cap_pend = cap_pend ? 2 * cap_pend : 16;
            pend = mr_xrealloc(pend, cap_pend * sizeof(*pend));
        }
        pend[n_pend++] = take(w, p, r, m);
        p->idx++;
    }
    while (n_pend > 0) {
        n_pend--;
        res = combine(w, &pend[n_pend], &res);
        free(pend[n_pend].reason);
    }
    free(pend);
    return res;
}

static int cmp_prio(const void *a, const void *b)
{
    const struct mr_fw_chain *x = *(const struct mr_fw_chain *const *)a;
    const struct mr_fw_chain *y = *(const struct mr_fw_chain *const *)b;
    return (x->prio > y->prio) - (x->prio < y->prio);
}

/* The base chains a packet of FAMILY traverses at the input hook, by priority
 * (qsort is not stable; equal priorities keep their order through the index). */
static size_t input_chains(const struct mr_fw_ruleset *rs, int family,
                           const struct mr_fw_chain ***ret)
{
    const struct mr_fw_chain **v = mr_xcalloc(rs->n_chains + 1, sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; i < rs->n_chains; i++) {
        const struct mr_fw_chain *c = rs->chains[i];
        if (!c->base)
            continue;
        if (strcmp(c->family, "inet") == 0 ||
            strcmp(c->family, family == AF_INET ? "ip" : "ip6") == 0)
            v[n++] = c;
    }
    for (size_t i = 1; i < n; i++) /* insertion sort: stable */
        for (size_t j = i; j > 0 && cmp_prio(&v[j - 1], &v[j]) > 0; j--) {
            const struct mr_fw_chain *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    *ret = v;
    return n;
}

static void evaluate_packet(const struct mr_fw_ruleset *rs, const struct mr_fw_conn *conn,
                            struct mr_fw_verdict *ret)
{
    struct walk w = {.rs = rs, .conn = conn, .budget = WALK_BUDGET};
    *ret = (struct mr_fw_verdict){.outcome = MR_FW_ACCEPTED};
    if (rs->problem) {
        ret->outcome = MR_FW_UNDECIDED;
        snprintf(ret->reason, sizeof(ret->reason), "%s", rs->problem);
        return;
    }
    if (rs->syntax == MR_FW_IPTABLES && conn->family != AF_INET)
        return; /* iptables (IPv4) rules do not see IPv6 traffic */
    const struct mr_fw_chain **chains;
    size_t n = input_chains(rs, conn->family, &chains);
    struct pos *p = mr_xmalloc(sizeof(*p));
    for (size_t i = 0; i < n; i++) {
        *p = (struct pos){.base = chains[i], .chain = chains[i], .n_trail = 1};
        p->trail[0] = chains[i];
        struct outcome o = walk_from(&w, p);
        /* An accept ends one base chain; the next hooked chain still sees the packet. */
        if (o.o == MR_FW_ACCEPTED && i + 1 < n) {
            if (!ret->rule && !ret->chain) {
                ret->rule = o.rule;
                ret->chain = o.rule ? NULL : o.chain;
            }
            continue;
        }
        ret->outcome = o.o;
        if (o.o != MR_FW_ACCEPTED || (!ret->rule && !ret->chain)) {
            ret->rule = o.rule;
            ret->chain = o.rule ? NULL : o.chain;
        }
        snprintf(ret->reason, sizeof(ret->reason), "%s", o.reason);
        break;
    }
    ret->source_dependent = w.src_dep;
    free(p);
    free(chains);
}

/* A connection, not a packet: the SYN (conntrack NEW) must pass, and so
 * must the peer's following packets (ESTABLISHED, ACK without SYN). A rule
 * set that accepts only NEW, or drops what is not a SYN, lets the SYN
 * through and still closes the port. */
void mr_fw_evaluate(const struct mr_fw_ruleset *rs, const struct mr_fw_conn *conn,
                    struct mr_fw_verdict *ret)
{
    evaluate_packet(rs, conn, ret);
    if (ret->outcome != MR_FW_ACCEPTED || conn->established)
        return;
    struct mr_fw_conn next = *conn;
    next.established = true;
    struct mr_fw_verdict v;
    evaluate_packet(rs, &next, &v);
    if (v.outcome == MR_FW_ACCEPTED) {
        ret->source_dependent = ret->source_dependent || v.source_dependent;
        return;
    }
    v.source_dependent = ret->source_dependent || v.source_dependent;
    if (v.outcome == MR_FW_UNDECIDED && v.reason[0]) {
        char r[sizeof(v.reason)];
        snprintf(r, sizeof(r), "%.200s (for the connection's packets after the SYN)", v.reason);
        memcpy(v.reason, r, sizeof(r));
    }
    *ret = v;
}

int mr_fw_conn_init(struct mr_fw_conn *conn, const char *addr, const char *iface, unsigned dport)
{
    *conn = (struct mr_fw_conn){.iface = iface, .dport = dport};
    char buf[INET6_ADDRSTRLEN + 1];
    snprintf(buf, sizeof(buf), "%s", addr);
    buf[strcspn(buf, "%")] = '\0';
    if (inet_pton(AF_INET, buf, conn->src) == 1)
        conn->family = AF_INET;
    else if (inet_pton(AF_INET6, buf, conn->src) == 1) {
        conn->family = AF_INET6;
        if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)(void *)conn->src)) {
            memmove(conn->src, conn->src + 12, 4);
            memset(conn->src + 4, 0, 12);
            conn->family = AF_INET;
        }
    } else
        return -EINVAL;
    return 0;
}

/* ---- accessors ---- */

enum mr_fw_syntax mr_fw_ruleset_syntax(const struct mr_fw_ruleset *rs)
{
    return rs->syntax;
}

const char *mr_fw_ruleset_origin(const struct mr_fw_ruleset *rs)
{
    return rs->origin;
}

bool mr_fw_ruleset_open(const struct mr_fw_ruleset *rs)
{
    if (rs->problem)
        return false;
    for (size_t i = 0; i < rs->n_chains; i++) {
        const struct mr_fw_chain *c = rs->chains[i];
        if (c->base && (c->n_rules > 0 || c->policy == T_DROP))
            return false;
    }
    return true;
}

const char *mr_fw_ruleset_problem(const struct mr_fw_ruleset *rs, const char **ret_file,
                                  int *ret_line)
{
    if (ret_file)
        *ret_file = rs->problem_file;
    if (ret_line)
        *ret_line = rs->problem_line;
    return rs->problem;
}

void mr_fw_ruleset_drop_iptables_nft(struct mr_fw_ruleset *rs)
{
    static const char *const names[] = {"filter", "mangle", "raw", "nat", "security"};
    size_t k = 0;
    for (size_t i = 0; i < rs->n_chains; i++) {
        struct mr_fw_chain *c = rs->chains[i];
        bool ours = false;
        if (strcmp(c->family, "ip") == 0 || strcmp(c->family, "ip6") == 0)
            for (size_t j = 0; j < MR_ARRAY_SIZE(names); j++)
                ours = ours || strcmp(c->table, names[j]) == 0;
        if (ours) {
            chain_free(c);
            continue;
        }
        rs->chains[k++] = c;
    }
    rs->n_chains = k;
    index_rebuild(rs);
}

const char *mr_fw_rule_file(const struct mr_fw_rule *r)
{
    return r->file;
}

int mr_fw_rule_line(const struct mr_fw_rule *r)
{
    return r->line;
}

const char *mr_fw_rule_text(const struct mr_fw_rule *r)
{
    return r->text;
}

const struct mr_fw_chain *mr_fw_rule_chain(const struct mr_fw_rule *r)
{
    return r->chain;
}

int mr_fw_rule_index(const struct mr_fw_rule *r)
{
    return r->index;
}

long mr_fw_rule_handle(const struct mr_fw_rule *r)
{
    return r->handle;
}

const char *mr_fw_chain_name(const struct mr_fw_chain *c)
{
    return c->name;
}

const char *mr_fw_chain_table(const struct mr_fw_chain *c)
{
    return c->table_label;
}

const char *mr_fw_chain_family(const struct mr_fw_chain *c)
{
    return c->family;
}

const char *mr_fw_chain_file(const struct mr_fw_chain *c)
{
    return c->file;
}

int mr_fw_chain_line(const struct mr_fw_chain *c)
{
    return c->line;
}

const char *mr_fw_chain_policy(const struct mr_fw_chain *c)
{
    bool upper = c->name[0] && isupper((unsigned char)c->name[0]);
    if (c->policy == T_ACCEPT)
        return upper ? "ACCEPT" : "accept";
    if (c->policy == T_DROP)
        return upper ? "DROP" : "drop";
    return NULL;
}
