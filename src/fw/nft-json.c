/* The reader of `nft -j list ruleset` output (mr_fw_parse_nft_json). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "fw-internal.h"

static char *json_value_text(struct json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_int:
        return mr_xasprintf("%lld", (long long)json_object_get_int64(v));
    case json_type_string:
        return mr_xstrdup(json_object_get_string(v));
    case json_type_object: {
        struct json_object *x, *a, *l;
        if (json_object_object_get_ex(v, "prefix", &x) &&
            json_object_object_get_ex(x, "addr", &a) &&
            json_object_object_get_ex(x, "len", &l))
            return mr_xasprintf("%s/%d", json_object_get_string(a), json_object_get_int(l));
        if (json_object_object_get_ex(v, "range", &x) &&
            json_object_get_type(x) == json_type_array && json_object_array_length(x) == 2) {
            char *lo = json_value_text(json_object_array_get_idx(x, 0));
            char *hi = json_value_text(json_object_array_get_idx(x, 1));
            char *s = lo && hi ? mr_xasprintf("%s-%s", lo, hi) : NULL;
            free(lo);
            free(hi);
            return s;
        }
        if (json_object_object_get_ex(v, "elem", &x) && json_object_object_get_ex(x, "val", &a))
            return json_value_text(a);
        return NULL;
    }
    default:
        return NULL;
    }
}

/* Appends the text of value O to *V; false when it cannot be read. */
static bool push_value_text(char ***v, struct json_object *o)
{
    char *t = json_value_text(o);
    if (!t)
        return false;
    mr_strv_push(v, t);
    free(t);
    return true;
}

/* The values of a right-hand side: a value, a list, {"set": [...]}. NULL
 * when one cannot be read; *ret_setref for "@name". */
static char **json_values(struct json_object *right, char **ret_setref)
{
    *ret_setref = NULL;
    struct json_object *list = NULL;
    if (json_object_get_type(right) == json_type_string &&
        json_object_get_string(right)[0] == '@') {
        *ret_setref = mr_xstrdup(json_object_get_string(right));
        return mr_xcalloc(1, sizeof(char *));
    }
    if (json_object_get_type(right) == json_type_array)
        list = right;
    else if (json_object_get_type(right) == json_type_object)
        json_object_object_get_ex(right, "set", &list);
    char **v = mr_xcalloc(1, sizeof(char *));
    bool ok = true;
    if (list && json_object_get_type(list) == json_type_array) {
        for (size_t i = 0; ok && i < json_object_array_length(list); i++)
            ok = push_value_text(&v, json_object_array_get_idx(list, i));
    } else {
        ok = push_value_text(&v, right);
    }
    if (!ok) {
        mr_strv_free(v);
        return NULL;
    }
    return v;
}

static const char *jstr(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || json_object_get_type(v) != json_type_string)
        return NULL;
    return json_object_get_string(v);
}

/* Which condition a "left" of a match is; false when this reader does not know it. */
static bool json_selector(struct json_object *left, enum cond_kind *kind, enum nft_sel *sel,
                          int *family, const char **proto_implied, char **label)
{
    struct json_object *x;
    *family = 0;
    *proto_implied = NULL;
    if (json_object_object_get_ex(left, "payload", &x)) {
        const char *p = jstr(x, "protocol"), *f = jstr(x, "field");
        if (!p || !f)
            return false;
        *label = mr_xasprintf("%s %s", p, f);
        if ((!strcmp(p, "tcp") || !strcmp(p, "udp") || !strcmp(p, "th")) &&
            (!strcmp(f, "dport") || !strcmp(f, "sport"))) {
            *kind = f[0] == 'd' ? C_DPORT : C_SPORT;
            *sel = SEL_PORT;
            *proto_implied = strcmp(p, "th") ? p : NULL;
            return true;
        }
        if ((!strcmp(p, "ip") || !strcmp(p, "ip6")) &&
            (!strcmp(f, "saddr") || !strcmp(f, "daddr"))) {
            *kind = f[0] == 's' ? C_SRC : C_DST;
            *sel = SEL_ADDR;
            *family = p[2] ? AF_INET6 : AF_INET;
            return true;
        }
        if ((!strcmp(p, "ip") && !strcmp(f, "protocol")) ||
            (!strcmp(p, "ip6") && !strcmp(f, "nexthdr"))) {
            *kind = C_PROTO;
            *sel = SEL_PROTO;
            *family = p[2] ? AF_INET6 : AF_INET;
            return true;
        }
        return false;
    }
    if (json_object_object_get_ex(left, "meta", &x)) {
        const char *k = jstr(x, "key");
        if (!k)
            return false;
        *label = mr_xasprintf("meta %s", k);
        if (!strcmp(k, "l4proto")) {
            *kind = C_PROTO;
            *sel = SEL_PROTO;
            return true;
        }
        if (!strcmp(k, "iifname") || !strcmp(k, "iif")) {
            *kind = C_IIF;
            *sel = SEL_IFACE;
            return true;
        }
        if (!strcmp(k, "nfproto")) {
            *kind = C_FAMILY;
            *sel = SEL_FAMILY;
            return true;
        }
        return false;
    }
    if (json_object_object_get_ex(left, "ct", &x)) {
        const char *k = jstr(x, "key");
        *label = mr_xasprintf("ct %s", k ? k : "?");
        if (k && !strcmp(k, "state")) {
            *kind = C_STATE;
            *sel = SEL_STATE;
            return true;
        }
        return false;
    }
    if (json_object_get_type(left) == json_type_object && json_object_object_length(left) > 0) {
        struct json_object_iterator it = json_object_iter_begin(left);
        *label = mr_xstrdup(json_object_iter_peek_name(&it));
    } else {
        *label = mr_xstrdup("an expression");
    }
    return false;
}

static void json_implied_family(struct mr_fw_rule *r, int family)
{
    if (family)
        fw_add_cond(r, C_FAMILY, false)->family = family;
}

static void json_match(struct mr_fw_rule *r, struct json_object *m)
{
    struct json_object *left, *right;
    const char *op = jstr(m, "op");
    if (!op || !json_object_object_get_ex(m, "left", &left) ||
        !json_object_object_get_ex(m, "right", &right)) {
        fw_add_opaque(r, "a match it cannot read");
        return;
    }
    enum cond_kind kind;
    enum nft_sel sel;
    int family;
    const char *proto = NULL;
    char *label = NULL;
    if (!json_selector(left, &kind, &sel, &family, &proto, &label)) {
        fw_add_opaque(r, "a match on %s", label);
        free(label);
        return;
    }
    bool neg;
    if (!strcmp(op, "==") || !strcmp(op, "in"))
        neg = false;
    else if (!strcmp(op, "!="))
        neg = true;
    else {
        fw_add_opaque(r, "%s %s", label, op);
        free(label);
        return;
    }
    char *setref = NULL;
    char **vals = json_values(right, &setref);
    if (!vals) {
        fw_add_opaque(r, "%s with a value it cannot read", label);
        free(label);
        return;
    }
    if (proto) {
        unsigned p = 0;
        fw_parse_proto(proto, &p);
        fw_push_range(fw_add_cond(r, C_PROTO, false), p, p);
    }
    if (kind != C_SRC && kind != C_DST)
        json_implied_family(r, family);
    fw_nft_cond(r, kind, sel, family, neg, vals, setref, label);
    mr_strv_free(vals);
    free(setref);
    free(label);
}

static const char *const nft_continue_stmts[] = {
    "counter", "log", "mangle", "meta", "ct", "notrack", "quota", "set", "comment",
    "secmark", "synproxy", "flow", "xt",
};

static void json_rule(struct mr_fw_ruleset *rs, struct json_object *o)
{
    const char *family = jstr(o, "family"), *table = jstr(o, "table"), *chain = jstr(o, "chain");
    struct json_object *expr, *h;
    if (!family || !table || !chain)
        return;
    struct mr_fw_chain *ch = fw_get_chain(rs, family, table, chain);
    long handle = json_object_object_get_ex(o, "handle", &h) ? (long)json_object_get_int64(h) : -1;
    char *text = mr_xasprintf("rule handle %ld in chain %s of table %s %s", handle, chain, family,
                              table);
    struct mr_fw_rule *r = fw_rule_new(NULL, 0, text);
    free(text);
    r->handle = handle;
    fw_chain_add_rule(ch, r, -1);
    if (!json_object_object_get_ex(o, "expr", &expr) ||
        json_object_get_type(expr) != json_type_array) {
        r->target = T_UNKNOWN;
        r->target_arg = mr_xstrdup("(no expressions)");
        return;
    }
    size_t n = json_object_array_length(expr);
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(expr, i), *x;
        if (json_object_get_type(e) != json_type_object || json_object_object_length(e) != 1) {
            fw_add_opaque(r, "an expression it cannot read");
            continue;
        }
        struct json_object_iterator it = json_object_iter_begin(e);
        const char *key = json_object_iter_peek_name(&it);
        x = json_object_iter_peek_value(&it);
        if (!strcmp(key, "match")) {
            json_match(r, x);
        } else if (!strcmp(key, "accept")) {
            r->target = T_ACCEPT;
        } else if (!strcmp(key, "drop")) {
            r->target = T_DROP;
        } else if (!strcmp(key, "reject")) {
            r->target = T_REJECT;
        } else if (!strcmp(key, "return")) {
            r->target = T_RETURN;
        } else if (!strcmp(key, "continue")) {
            r->target = T_CONTINUE;
        } else if (!strcmp(key, "jump") || !strcmp(key, "goto")) {
            const char *t = jstr(x, "target");
            r->target = key[0] == 'j' ? T_JUMP : T_GOTO;
            free(r->target_arg);
            r->target_arg = mr_xstrdup(t ? t : "");
        } else if (!strcmp(key, "xt")) {
            const char *type = jstr(x, "type"), *name = jstr(x, "name");
            bool target = type && !strcmp(type, "target");
            bool cont = target && name && fw_ipt_continue_target(name);
            if (target && !cont) {
                r->target = T_UNKNOWN;
                free(r->target_arg); /* a second xt target */
                r->target_arg = mr_xasprintf("xt target %s", name ? name : "?");
            } else if (!target) {
                fw_add_opaque(r, "the iptables-nft match %s (read it with iptables-save)",
                           name ? name : "?");
            }
        } else if (!strcmp(key, "limit")) {
            fw_add_opaque(r, "limit");
        } else {
            bool cont = false;
            for (size_t k = 0; k < MR_ARRAY_SIZE(nft_continue_stmts); k++)
                cont = cont || !strcmp(key, nft_continue_stmts[k]);
            if (!cont && i + 1 == n) {
                r->target = T_UNKNOWN;
                free(r->target_arg);
                r->target_arg = mr_xstrdup(key);
            } else if (!cont) {
                fw_add_opaque(r, "the statement %s", key);
            }
        }
    }
}

static int hook_prio(struct json_object *o)
{
    struct json_object *p;
    if (!json_object_object_get_ex(o, "prio", &p))
        return 0;
    return json_object_get_int(p);
}

int mr_fw_parse_nft_json(const char *text, const char *origin, struct mr_fw_ruleset **ret,
                         char **ret_msg)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *root = json_tokener_parse_ex(tok, text, (int)strlen(text));
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t off = tok->char_offset;
    json_tokener_free(tok);
    struct json_object *list = NULL;
    if (!root || jerr != json_tokener_success) {
        int line = 1;
        for (size_t i = 0; i < off && text[i]; i++)
            line += text[i] == '\n';
        *ret_msg = mr_xasprintf("%s: not nft JSON (%s at line %d)", origin,
                                jerr != json_tokener_success ? json_tokener_error_desc(jerr)
                                                             : "empty",
                                line);
        json_object_put(root);
        return -EINVAL;
    }
    if (json_object_get_type(root) != json_type_object ||
        !json_object_object_get_ex(root, "nftables", &list) ||
        json_object_get_type(list) != json_type_array) {
        *ret_msg = mr_xasprintf("%s: not nft JSON (no \"nftables\" list)", origin);
        json_object_put(root);
        return -EINVAL;
    }
    struct mr_fw_ruleset *rs = fw_ruleset_new(MR_FW_NFT, origin);
    size_t n = json_object_array_length(list);
    /* Chains and sets first: rules may name either before it is listed. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            struct json_object *e = json_object_array_get_idx(list, i), *o;
            if (pass == 0 && json_object_object_get_ex(e, "chain", &o)) {
                const char *f = jstr(o, "family"), *t = jstr(o, "table"), *nm = jstr(o, "name");
                if (!f || !t || !nm)
                    continue;
                struct mr_fw_chain *ch = fw_get_chain(rs, f, t, nm);
                const char *hook = jstr(o, "hook"), *pol = jstr(o, "policy");
                const char *type = jstr(o, "type");
                if (hook) {
                    ch->base = !strcmp(hook, "input") && type && !strcmp(type, "filter");
                    ch->other_hook = !ch->base;
                    ch->prio = hook_prio(o);
                    ch->policy = pol && !strcmp(pol, "drop") ? T_DROP : T_ACCEPT;
                }
            } else if (pass == 0 && json_object_object_get_ex(e, "set", &o)) {
                const char *f = jstr(o, "family"), *t = jstr(o, "table"), *nm = jstr(o, "name");
                struct json_object *el;
                if (!f || !t || !nm)
                    continue;
                char **elems = mr_xcalloc(1, sizeof(char *));
                if (json_object_object_get_ex(o, "elem", &el)) {
                    char *ref = NULL;
                    char **v = json_values(el, &ref);
                    free(ref);
                    if (!v) {
                        mr_strv_push(&elems, "(an element it cannot read)");
                    } else {
                        for (size_t k = 0; v[k]; k++)
                            mr_strv_push(&elems, v[k]);
                        mr_strv_free(v);
                    }
                }
                fw_add_set(rs, f, t, nm, elems);
            } else if (pass == 1 && json_object_object_get_ex(e, "rule", &o)) {
                json_rule(rs, o);
            }
        }
    json_object_put(root);
    fw_resolve_sets(rs);
    fw_resolve_jumps(rs);
    *ret = rs;
    return 0;
}
