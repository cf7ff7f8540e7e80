/* Firewall rule sets and their evaluator; see fwrules.h. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "fwrules.h"
#include "migready.h"

/* Linux's default ip_local_port_range: the source port of a peer's connection. */
#define EPHEMERAL_LO 32768u
#define EPHEMERAL_HI 60999u
/* Rules visited per verdict; a rule set that needs more is undecided. */
#define WALK_BUDGET 200000
#define MAX_DEPTH 64
#define MAX_INCLUDE_DEPTH 16

/* ---- the model ---- */

struct range {
    unsigned lo, hi;
};

struct net {
    int family; /* AF_INET, AF_INET6 */
    unsigned char lo[16], hi[16];
};

enum cond_kind {
    C_PROTO,  /* ranges of protocol numbers */
    C_SRC,    /* nets */
    C_DST,    /* nets */
    C_DPORT,  /* ranges */
    C_SPORT,  /* ranges */
    C_PORTS,  /* multiport --ports: either port */
    C_STATE,  /* state_new */
    C_IIF,    /* names, with + or * as a trailing wildcard */
    C_FAMILY, /* family */
    C_SYN,
    C_OPAQUE, /* cannot be read: what */
};

struct cond {
    enum cond_kind kind;
    bool neg;
    struct range *ranges;
    size_t n_ranges;
    struct net *nets;
    size_t n_nets;
    char **names;
    bool state_new;
    int family;   /* C_FAMILY; for C_SRC/C_DST the family the match implies (0: any) */
    char *what;   /* C_OPAQUE */
    char *setref; /* an nft named set still to resolve (C_SRC, C_DST, C_DPORT, ...) */
};

enum target {
    T_CONTINUE,
    T_ACCEPT,
    T_DROP,
    T_REJECT,
    T_RETURN,
    T_JUMP,
    T_GOTO,
    T_UNKNOWN,
};

struct mr_fw_rule {
    struct mr_fw_chain *chain;
    char *file;
    int line;
    int index;
    long handle;
    char *text;
    struct cond *conds;
    size_t n_conds;
    enum target target;
    char *target_arg; /* chain of a jump/goto, name of an unknown target */
};

struct mr_fw_chain {
    char *family; /* "ip", "inet", ... ("ip" for iptables) */
    char *table;
    char *name;
    char *file;
    int line;
    bool base; /* hooked at input */
    bool other_hook;
    int prio;
    int policy; /* T_ACCEPT, T_DROP, or T_CONTINUE for none */
    struct mr_fw_rule **rules;
    size_t n_rules;
    char *table_label;
};

struct fw_set {
    char *family, *table, *name;
    char **elems;
};

struct mr_fw_ruleset {
    enum mr_fw_syntax syntax;
    char *origin;
    struct mr_fw_chain **chains;
    size_t n_chains;
    struct fw_set *sets;
    size_t n_sets;
    char *problem;
    char *problem_file;
    int problem_line;
};

static void cond_clear(struct cond *c)
{
    free(c->ranges);
    free(c->nets);
    mr_strv_free(c->names);
    free(c->what);
    free(c->setref);
}

static void rule_free(struct mr_fw_rule *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_conds; i++)
        cond_clear(&r->conds[i]);
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
        rule_free(c->rules[i]);
    free(c->rules);
    free(c->family);
    free(c->table);
    free(c->name);
    free(c->file);
    free(c->table_label);
    free(c);
}

static void ruleset_clear(struct mr_fw_ruleset *rs)
{
    for (size_t i = 0; i < rs->n_chains; i++)
        chain_free(rs->chains[i]);
    free(rs->chains);
    rs->chains = NULL;
    rs->n_chains = 0;
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
    ruleset_clear(rs);
    free(rs->origin);
    free(rs->problem);
    free(rs->problem_file);
    free(rs);
}

static struct mr_fw_ruleset *ruleset_new(enum mr_fw_syntax syntax, const char *origin)
{
    struct mr_fw_ruleset *rs = mr_xcalloc(1, sizeof(*rs));
    rs->syntax = syntax;
    rs->origin = mr_xstrdup(origin ? origin : "");
    return rs;
}

static void set_problem(struct mr_fw_ruleset *rs, const char *file, int line, const char *fmt,
                        ...) MR_PRINTF(4, 5);
static void set_problem(struct mr_fw_ruleset *rs, const char *file, int line, const char *fmt,
                        ...)
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

static struct mr_fw_chain *find_chain(const struct mr_fw_ruleset *rs, const char *family,
                                      const char *table, const char *name)
{
    for (size_t i = 0; i < rs->n_chains; i++) {
        struct mr_fw_chain *c = rs->chains[i];
        if (strcmp(c->family, family) == 0 && strcmp(c->table, table) == 0 &&
            strcmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

static struct mr_fw_chain *get_chain(struct mr_fw_ruleset *rs, const char *family,
                                     const char *table, const char *name)
{
    struct mr_fw_chain *c = find_chain(rs, family, table, name);
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
    rs->chains = mr_xrealloc(rs->chains, (rs->n_chains + 1) * sizeof(*rs->chains));
    rs->chains[rs->n_chains++] = c;
    return c;
}

static void chain_add_rule(struct mr_fw_chain *c, struct mr_fw_rule *r, int pos)
{
    c->rules = mr_xrealloc(c->rules, (c->n_rules + 1) * sizeof(*c->rules));
    if (pos < 0 || (size_t)pos > c->n_rules)
        pos = (int)c->n_rules;
    memmove(c->rules + pos + 1, c->rules + pos, (c->n_rules - (size_t)pos) * sizeof(*c->rules));
    c->rules[pos] = r;
    c->n_rules++;
    r->chain = c;
    for (size_t i = 0; i < c->n_rules; i++)
        c->rules[i]->index = (int)i + 1;
}

static struct mr_fw_rule *rule_new(const char *file, int line, const char *text)
{
    struct mr_fw_rule *r = mr_xcalloc(1, sizeof(*r));
    r->file = file ? mr_xstrdup(file) : NULL;
    r->line = line;
    r->handle = -1;
    r->text = mr_xstrdup(text ? text : "");
    r->target = T_CONTINUE;
    return r;
}

static struct cond *add_cond(struct mr_fw_rule *r, enum cond_kind kind, bool neg)
{
    r->conds = mr_xrealloc(r->conds, (r->n_conds + 1) * sizeof(*r->conds));
    struct cond *c = &r->conds[r->n_conds++];
    *c = (struct cond){.kind = kind, .neg = neg};
    return c;
}

static void add_opaque(struct mr_fw_rule *r, const char *fmt, ...) MR_PRINTF(2, 3);
static void add_opaque(struct mr_fw_rule *r, const char *fmt, ...)
{
    struct cond *c = add_cond(r, C_OPAQUE, false);
    va_list ap;
    va_start(ap, fmt);
    c->what = mr_xvasprintf(fmt, ap);
    va_end(ap);
}

static void push_range(struct cond *c, unsigned lo, unsigned hi)
{
    c->ranges = mr_xrealloc(c->ranges, (c->n_ranges + 1) * sizeof(*c->ranges));
    c->ranges[c->n_ranges++] = (struct range){lo < hi ? lo : hi, lo < hi ? hi : lo};
}

static void push_net(struct cond *c, const struct net *n)
{
    c->nets = mr_xrealloc(c->nets, (c->n_nets + 1) * sizeof(*c->nets));
    c->nets[c->n_nets++] = *n;
}

/* ---- values ---- */

static bool parse_uint(const char *s, unsigned max, unsigned *ret)
{
    if (!s || !*s || !isdigit((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *ret = (unsigned)v;
    return true;
}

/* A number up to MAX, or a name of TABLE (service or protocol names). */
struct named_num {
    const char *name;
    unsigned num;
};

static bool parse_named(const char *s, unsigned max, const struct named_num *table, size_t n,
                        unsigned *ret)
{
    if (parse_uint(s, max, ret))
        return true;
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(s, table[i].name) == 0) {
            *ret = table[i].num;
            return true;
        }
    return false;
}

static const struct named_num services[] = {
    {"ssh", 22}, {"http", 80}, {"https", 443}, {"domain", 53}, {"ntp", 123},
    {"libvirt", 16509}, {"libvirt-tls", 16514},
};

static bool parse_port(const char *s, unsigned *ret)
{
    return parse_named(s, 65535, services, MR_ARRAY_SIZE(services), ret);
}

/* "22", "ssh", "49152:49215" (iptables) or "49152-49215" (nft). */
static bool parse_port_range(const char *s, char sep, struct range *ret)
{
    const char *p = strchr(s, sep);
    unsigned lo, hi;
    if (!p)
        return parse_port(s, &ret->lo) && (ret->hi = ret->lo, true);
    char *a = mr_xstrndup(s, (size_t)(p - s));
    bool ok = (*a ? parse_port(a, &lo) : (lo = 0, true)) &&
              (p[1] ? parse_port(p + 1, &hi) : (hi = 65535, true));
    free(a);
    if (!ok)
        return false;
    *ret = (struct range){lo < hi ? lo : hi, lo < hi ? hi : lo};
    return true;
}

static const struct named_num protocols[] = {
    {"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"ipv6-icmp", 58}, {"icmpv6", 58}, {"sctp", 132},
    {"udplite", 136}, {"esp", 50}, {"ah", 51}, {"gre", 47}, {"igmp", 2}, {"dccp", 33},
};

static bool parse_proto(const char *s, unsigned *ret)
{
    return parse_named(s, 255, protocols, MR_ARRAY_SIZE(protocols), ret);
}

static int family_bytes(int family)
{
    return family == AF_INET ? 4 : 16;
}

/* "192.0.2.0/24", "192.0.2.1", "255.255.255.0"-style masks, "2001:db8::/32",
 * "192.0.2.1-192.0.2.9". */
static bool parse_net(const char *s, struct net *ret)
{
    char buf[128];
    if (strlen(s) >= sizeof(buf))
        return false;
    strcpy(buf, s);
    char *dash = strchr(buf, '-');
    if (dash && !strchr(buf, '/')) {
        *dash = '\0';
        struct net a, b;
        if (!parse_net(buf, &a) || !parse_net(dash + 1, &b) || a.family != b.family)
            return false;
        *ret = (struct net){.family = a.family};
        memcpy(ret->lo, a.lo, 16);
        memcpy(ret->hi, b.hi, 16);
        return true;
    }
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    struct net n = {0};
    if (inet_pton(AF_INET, buf, n.lo) == 1)
        n.family = AF_INET;
    else if (inet_pton(AF_INET6, buf, n.lo) == 1)
        n.family = AF_INET6;
    else
        return false;
    int bits = family_bytes(n.family) * 8;
    unsigned len = (unsigned)bits;
    if (slash) {
        unsigned char mask[16];
        if (!parse_uint(slash + 1, (unsigned)bits, &len)) {
            /* A dotted mask, as iptables accepts: only contiguous ones. */
            if (n.family != AF_INET || inet_pton(AF_INET, slash + 1, mask) != 1)
                return false;
            uint32_t m = ntohl(*(uint32_t *)(void *)mask);
            len = 0;
            while (len < 32 && (m & (0x80000000u >> len)))
                len++;
            if (len < 32 && (m << len) != 0)
                return false;
        }
    }
    memcpy(n.hi, n.lo, 16);
    for (int i = 0; i < bits; i++) {
        if ((unsigned)i < len)
            continue;
        n.lo[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
        n.hi[i / 8] |= (unsigned char)(0x80u >> (i % 8));
    }
    *ret = n;
    return true;
}

static bool net_is_any(const struct net *n)
{
    int b = family_bytes(n->family);
    for (int i = 0; i < b; i++)
        if (n->lo[i] != 0 || n->hi[i] != 0xff)
            return false;
    return true;
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
    bool src_dep;
};

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
            if (net_is_any(n))
                any = true;
            int b = family_bytes(n->family);
            if (n->family == k->family && memcmp(k->src, n->lo, (size_t)b) >= 0 &&
                memcmp(k->src, n->hi, (size_t)b) <= 0)
                hit = true;
        }
        if (c->kind == C_SRC && k->src_any) {
            if (!any) {
                snprintf(why, n_why, "matches on the source address");
                return MAYBE;
            }
            t = YES;
        } else if (c->kind == C_SRC) {
            t = hit ? YES : NO;
        } else if (any) {
            t = YES;
        } else {
            snprintf(why, n_why, "matches on the destination address");
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
            char *r = ranges_text(c, ':');
            snprintf(why, n_why, "matches the source port %s, which a peer may pick", r);
            free(r);
            t = SOMETIMES;
        }
        break;
    case C_STATE:
        t = c->state_new ? YES : NO;
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
            snprintf(why, n_why,
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
        t = YES;
        break;
    case C_OPAQUE:
        snprintf(why, n_why, "uses %s", c->what);
        return MAYBE;
    }
    return c->neg ? tri_not(t) : t;
}

static enum tri rule_match(struct walk *w, const struct mr_fw_rule *r, char *why, size_t n_why)
{
    enum tri all = YES;
    bool src = false, src_no = false, other_no = false;
    why[0] = '\0';
    for (size_t i = 0; i < r->n_conds && !other_no; i++) {
        char buf[256] = "";
        const struct cond *c = &r->conds[i];
        enum tri t = cond_eval(w, c, buf, sizeof(buf));
        bool any = c->kind != C_SRC;
        for (size_t j = 0; !any && j < c->n_nets; j++)
            any = net_is_any(&c->nets[j]);
        if (!any) {
            src = true;
            src_no = src_no || t == NO;
        } else if (t == NO) {
            other_no = true;
        }
        if ((t == MAYBE && all != MAYBE) || (t == SOMETIMES && all == YES)) {
            all = t;
            snprintf(why, n_why, "%s", buf);
        }
    }
    if (other_no)
        return NO;
    /* Only a rule whose other matches hold depends on the address. */
    if (src)
        w->src_dep = true;
    return src_no ? NO : all;
}

struct frame {
    const struct mr_fw_chain *chain;
    size_t next;
};

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

static struct outcome run_from(struct walk *w, struct frame *stack, int depth,
                               const struct mr_fw_chain *chain, size_t idx);

static const struct mr_fw_chain *lookup_target(const struct walk *w,
                                               const struct mr_fw_chain *from, const char *name)
{
    return find_chain(w->rs, from->family, from->table, name);
}

/* The effect of rule R of CHAIN (at IDX) once it matched. */
static struct outcome apply(struct walk *w, struct frame *stack, int depth,
                            const struct mr_fw_chain *chain, size_t idx)
{
    const struct mr_fw_rule *r = chain->rules[idx];
    switch (r->target) {
    case T_ACCEPT:
        return (struct outcome){.o = MR_FW_ACCEPTED, .rule = r};
    case T_DROP:
        return (struct outcome){.o = MR_FW_DROPPED, .rule = r};
    case T_REJECT:
        return (struct outcome){.o = MR_FW_REJECTED, .rule = r};
    case T_CONTINUE:
        return run_from(w, stack, depth, chain, idx + 1);
    case T_RETURN:
        return run_from(w, stack, depth, chain, chain->n_rules);
    case T_JUMP:
    case T_GOTO: {
        const struct mr_fw_chain *to = lookup_target(w, chain, r->target_arg);
        if (!to)
            return undecided(r, "jumps to the chain %s, which is not defined", r->target_arg);
        if (depth + 1 >= MAX_DEPTH)
            return undecided(r, "jumps more than %d chains deep", MAX_DEPTH);
        if (r->target == T_GOTO)
            return run_from(w, stack, depth, to, 0);
        stack[depth] = (struct frame){chain, idx + 1};
        return run_from(w, stack, depth + 1, to, 0);
    }
    case T_UNKNOWN:
        break;
    }
    return undecided(r, "has the target %s", r->target_arg ? r->target_arg : "(unknown)");
}

/* Walks CHAIN from rule IDX; STACK[0..DEPTH) are the callers to return to.
 * A rule that may or may not match is followed both ways: when both lead
 * to the same answer it did not matter, otherwise the answer is undecided. */
static struct outcome run_from(struct walk *w, struct frame *stack, int depth,
                               const struct mr_fw_chain *chain, size_t idx)
{
    for (; idx < chain->n_rules; idx++) {
        if (--w->budget < 0)
            return undecided(NULL, "needs too many steps to evaluate");
        const struct mr_fw_rule *r = chain->rules[idx];
        char why[256];
        enum tri m = rule_match(w, r, why, sizeof(why));
        if (m == NO)
            continue;
        if (m == YES)
            return apply(w, stack, depth, chain, idx);
        struct frame *copy = mr_xmalloc(sizeof(struct frame) * MAX_DEPTH);
        memcpy(copy, stack, sizeof(struct frame) * MAX_DEPTH);
        struct outcome taken = apply(w, copy, depth, chain, idx);
        free(copy);
        struct outcome skipped = run_from(w, stack, depth, chain, idx + 1);
        if (same(&taken, &skipped))
            return skipped.rule || skipped.chain ? skipped : taken;
        if (m == SOMETIMES && taken.o != MR_FW_UNDECIDED && skipped.o != MR_FW_UNDECIDED)
            return taken.o == MR_FW_ACCEPTED ? skipped : taken;
        if (taken.o == MR_FW_UNDECIDED && taken.rule != r)
            return taken;
        if (skipped.o == MR_FW_UNDECIDED && skipped.rule != r && skipped.rule)
            return skipped;
        return undecided(r, "%s", why);
    }
    if (depth > 0) {
        depth--;
        return run_from(w, stack, depth, stack[depth].chain, stack[depth].next);
    }
    /* The end of a base chain: its policy. */
    struct outcome o = {.o = chain->policy == T_DROP ? MR_FW_DROPPED : MR_FW_ACCEPTED,
                        .chain = chain};
    return o;
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

void mr_fw_evaluate(const struct mr_fw_ruleset *rs, const struct mr_fw_conn *conn,
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
    struct frame *stack = mr_xcalloc(MAX_DEPTH, sizeof(*stack));
    for (size_t i = 0; i < n; i++) {
        struct outcome o = run_from(&w, stack, 0, chains[i], 0);
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
    free(stack);
    free(chains);
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

/* ---- text helpers ---- */

/* A line holds only text: no NUL, no control characters but tab and CR. */
static bool is_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\t' && c != '\r' && c != '\n')
            return false;
        if (c == 0x7f)
            return false;
    }
    return true;
}

/* ---- iptables-save ---- */

/* Splits LINE into words as iptables-restore does: blanks separate, double
 * quotes group, a backslash escapes. -EINVAL on an unterminated quote. */
static int split_words(const char *line, char ***ret)
{
    char **v = mr_xcalloc(1, sizeof(char *));
    const char *p = line;
    size_t n = strlen(line);
    char *buf = mr_xmalloc(n + 1);
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (!*p)
            break;
        size_t len = 0;
        char quote = 0;
        for (; *p; p++) {
            if (quote) {
                if (*p == quote)
                    quote = 0;
                else if (*p == '\\' && p[1] == quote)
                    buf[len++] = *++p;
                else
                    buf[len++] = *p;
            } else if (*p == '"' || *p == '\'') {
                quote = *p;
            } else if (*p == '\\' && p[1]) {
                buf[len++] = *++p;
            } else if (*p == ' ' || *p == '\t' || *p == '\r') {
                break;
            } else {
                buf[len++] = *p;
            }
        }
        if (quote) {
            free(buf);
            mr_strv_free(v);
            return -EINVAL;
        }
        buf[len] = '\0';
        mr_strv_push(&v, buf);
    }
    free(buf);
    *ret = v;
    return 0;
}

struct ipt_ctx {
    const char *origin;
    int line;
    char *err;
};

static int ipt_err(struct ipt_ctx *c, const char *fmt, ...) MR_PRINTF(2, 3);
static int ipt_err(struct ipt_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = mr_xvasprintf(fmt, ap);
    va_end(ap);
    free(c->err);
    c->err = mr_xasprintf("%s:%d: %s", c->origin, c->line, m);
    free(m);
    return -EINVAL;
}

static bool add_nets(struct cond *c, const char *list)
{
    char **v = mr_split_list(list);
    bool ok = v[0] != NULL;
    for (size_t i = 0; ok && v[i]; i++) {
        struct net n;
        ok = parse_net(v[i], &n);
        if (ok)
            push_net(c, &n);
    }
    mr_strv_free(v);
    return ok;
}

static bool add_port_list(struct cond *c, const char *list, char sep)
{
    char **v = mr_split_list(list);
    bool ok = v[0] != NULL;
    for (size_t i = 0; ok && v[i]; i++) {
        struct range r;
        ok = parse_port_range(v[i], sep, &r);
        if (ok)
            push_range(c, r.lo, r.hi);
    }
    mr_strv_free(v);
    return ok;
}

static bool states_have_new(const char *list)
{
    char **v = mr_split_list(list);
    bool hit = false;
    for (size_t i = 0; v[i]; i++)
        hit = hit || strcasecmp(v[i], "NEW") == 0;
    mr_strv_free(v);
    return hit;
}

static const char *const ipt_continue_targets[] = {
    "LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "AUDIT", "TRACE", "NOTRACK", "CLASSIFY",
    "TCPMSS", "DSCP", "TOS", "SET", "CT", "SECMARK", "CONNSECMARK", "TTL", "HL", "IDLETIMER",
    "LED", "RATEEST", "CHECKSUM",
};

/* Matches whose options this evaluator reads. */
static const char *const ipt_known_modules[] = {
    "tcp", "udp", "multiport", "state", "conntrack", "comment", "icmp", "icmp6",
};

/* One option of -A's rule; I is advanced past what it consumed. */
static int ipt_option(struct ipt_ctx *c, struct mr_fw_rule *r, char **w, size_t *i, bool neg,
                      char ***modules, bool *tcp_proto, bool *unknown_module, bool *after_target)
{
    const char *o = w[*i];
    const char *arg = w[*i + 1];
#define NEED_ARG()                                                                          \
    do {                                                                                    \
        if (!arg || (arg[0] == '-' && arg[1] == '-') || strcmp(arg, "!") == 0)              \
            return ipt_err(c, "%s needs a value (a truncated line?)", o);                   \
        (*i)++;                                                                             \
    } while (0)
    /* iptables' old syntax put the "!" after the option: -s ! 10.0.0.0/8. */
    if (arg && strcmp(arg, "!") == 0 &&
        (!strcmp(o, "-s") || !strcmp(o, "-d") || !strcmp(o, "-p") || !strcmp(o, "-i"))) {
        neg = !neg;
        (*i)++;
        arg = w[*i + 1];
    }
    if (!strcmp(o, "-s") || !strcmp(o, "--source") || !strcmp(o, "--src") || !strcmp(o, "-d") ||
        !strcmp(o, "--destination") || !strcmp(o, "--dst")) {
        NEED_ARG();
        struct cond *k = add_cond(r, o[1] == 's' || !strcmp(o, "--source") || !strcmp(o, "--src")
                                         ? C_SRC : C_DST, neg);
        k->family = AF_INET;
        if (!add_nets(k, arg))
            return ipt_err(c, "'%s' is not an address", arg);
    } else if (!strcmp(o, "-p") || !strcmp(o, "--protocol")) {
        NEED_ARG();
        unsigned p;
        if (!strcasecmp(arg, "all") || !strcmp(arg, "0")) {
            if (neg)
                add_cond(r, C_PROTO, false); /* ! -p all: matches nothing */
        } else {
            if (!parse_proto(arg, &p))
                return ipt_err(c, "unknown protocol '%s'", arg);
            push_range(add_cond(r, C_PROTO, neg), p, p);
            if (!neg && (p == 6 || p == 17))
                *tcp_proto = true;
        }
    } else if (!strcmp(o, "-i") || !strcmp(o, "--in-interface")) {
        NEED_ARG();
        struct cond *k = add_cond(r, C_IIF, neg);
        k->names = mr_xcalloc(1, sizeof(char *));
        mr_strv_push(&k->names, arg);
    } else if (!strcmp(o, "-o") || !strcmp(o, "--out-interface")) {
        NEED_ARG();
        add_opaque(r, "-o %s", arg);
    } else if (!strcmp(o, "-f") || !strcmp(o, "--fragment")) {
        /* Only later fragments match; a SYN is a first fragment. */
        if (!neg)
            add_cond(r, C_PROTO, false);
    } else if (!strcmp(o, "-m") || !strcmp(o, "--match")) {
        NEED_ARG();
        bool known = false;
        for (size_t k = 0; k < MR_ARRAY_SIZE(ipt_known_modules); k++)
            known = known || !strcmp(arg, ipt_known_modules[k]);
        if (!known) {
            add_opaque(r, "-m %s", arg);
            *unknown_module = true;
        }
        mr_strv_push(modules, arg);
    } else if (!strcmp(o, "-j") || !strcmp(o, "--jump") || !strcmp(o, "-g") ||
               !strcmp(o, "--goto")) {
        NEED_ARG();
        bool go = o[1] == 'g' || !strcmp(o, "--goto");
        *after_target = true;
        free(r->target_arg);
        r->target_arg = NULL;
        if (!strcmp(arg, "ACCEPT"))
            r->target = T_ACCEPT;
        else if (!strcmp(arg, "DROP"))
            r->target = T_DROP;
        else if (!strcmp(arg, "REJECT"))
            r->target = T_REJECT;
        else if (!strcmp(arg, "RETURN"))
            r->target = T_RETURN;
        else {
            bool cont = false;
            for (size_t k = 0; k < MR_ARRAY_SIZE(ipt_continue_targets); k++)
                cont = cont || !strcmp(arg, ipt_continue_targets[k]);
            r->target = cont ? T_CONTINUE : go ? T_GOTO : T_JUMP;
            /* Upper-case names that are not chains are targets we do not know;
             * resolved once every chain is known. */
            r->target_arg = mr_xstrdup(arg);
            if (cont) {
                free(r->target_arg);
                r->target_arg = NULL;
            }
        }
    } else if (!strcmp(o, "--dport") || !strcmp(o, "--destination-port") ||
               !strcmp(o, "--sport") || !strcmp(o, "--source-port")) {
        NEED_ARG();
        if (!*tcp_proto && !mr_strv_contains(*modules, "tcp") &&
            !mr_strv_contains(*modules, "udp"))
            return ipt_err(c, "%s needs -p tcp or -p udp", o);
        bool d = !strcmp(o, "--dport") || !strcmp(o, "--destination-port");
        struct cond *k = add_cond(r, d ? C_DPORT : C_SPORT, neg);
        struct range rg;
        if (!parse_port_range(arg, ':', &rg))
            return ipt_err(c, "'%s' is not a port", arg);
        push_range(k, rg.lo, rg.hi);
    } else if (!strcmp(o, "--dports") || !strcmp(o, "--destination-ports") ||
               !strcmp(o, "--sports") || !strcmp(o, "--source-ports") || !strcmp(o, "--ports")) {
        NEED_ARG();
        if (!mr_strv_contains(*modules, "multiport"))
            return ipt_err(c, "%s needs -m multiport", o);
        enum cond_kind kind = !strcmp(o, "--ports")                                    ? C_PORTS
                              : (!strcmp(o, "--dports") || !strcmp(o, "--destination-ports"))
                                  ? C_DPORT
                                  : C_SPORT;
        if (!add_port_list(add_cond(r, kind, neg), arg, ':'))
            return ipt_err(c, "'%s' is not a list of ports", arg);
    } else if (!strcmp(o, "--state") || !strcmp(o, "--ctstate")) {
        NEED_ARG();
        if (!mr_strv_contains(*modules, o[2] == 's' ? "state" : "conntrack"))
            return ipt_err(c, "%s needs -m %s", o, o[2] == 's' ? "state" : "conntrack");
        add_cond(r, C_STATE, neg)->state_new = states_have_new(arg);
    } else if (!strcmp(o, "--syn")) {
        add_cond(r, C_SYN, neg);
    } else if (!strcmp(o, "--comment")) {
        NEED_ARG();
    } else if (!strcmp(o, "--icmp-type") || !strcmp(o, "--icmpv6-type")) {
        NEED_ARG();
    } else if (o[0] == '-' && o[1] == '-' && (*unknown_module || *after_target ||
                                                mr_strv_len(*modules) > 0)) {
        /* An option of a target or of a match we do not read: its value, if any. */
        if (!*after_target && !*unknown_module)
            add_opaque(r, "%s", o);
        while (w[*i + 1] && w[*i + 1][0] != '-' && strcmp(w[*i + 1], "!") != 0)
            (*i)++;
    } else {
        return ipt_err(c, "unknown option '%s'", o);
    }
#undef NEED_ARG
    return 0;
}

static int ipt_rule(struct ipt_ctx *c, struct mr_fw_ruleset *rs, const char *table, char **w,
                    const char *text, bool has_lines)
{
    size_t i = 0;
    if (w[i] && w[i][0] == '[')
        i++; /* iptables-save -c counters */
    const char *cmd = w[i];
    if (!w[i + 1])
        return ipt_err(c, "%s needs a chain", cmd);
    const char *chain_name = w[i + 1];
    i += 2;
    int pos = -1;
    if (!strcmp(cmd, "-I") || !strcmp(cmd, "--insert")) {
        unsigned n;
        pos = 0;
        if (w[i] && parse_uint(w[i], INT_MAX, &n)) {
            pos = n > 0 ? (int)n - 1 : 0;
            i++;
        }
    }
    struct mr_fw_rule *r = rule_new(has_lines ? c->origin : NULL, has_lines ? c->line : 0, text);
    char **modules = mr_xcalloc(1, sizeof(char *));
    bool tcp_proto = false, unknown_module = false, after_target = false, neg = false;
    int ret = 0;
    for (; w[i]; i++) {
        if (!strcmp(w[i], "!")) {
            neg = !neg;
            continue;
        }
        if (w[i][0] != '-') {
            ret = ipt_err(c, "unexpected '%s'", w[i]);
            break;
        }
        ret = ipt_option(c, r, w, &i, neg, &modules, &tcp_proto, &unknown_module, &after_target);
        if (ret < 0)
            break;
        neg = false;
    }
    mr_strv_free(modules);
    if (ret < 0) {
        rule_free(r);
        return ret;
    }
    if (strcmp(table, "filter") != 0) {
        rule_free(r);
        return 0;
    }
    chain_add_rule(get_chain(rs, "ip", "filter", chain_name), r, pos);
    return 0;
}

int mr_fw_parse_iptables(const char *text, const char *origin, bool has_lines,
                         struct mr_fw_ruleset **ret, char **ret_msg)
{
    struct mr_fw_ruleset *rs = ruleset_new(MR_FW_IPTABLES, origin);
    struct ipt_ctx c = {.origin = origin};
    char *table = NULL;
    int r = 0;
    const char *p = text;
    while (*p) {
        c.line++;
        size_t n = strcspn(p, "\n");
        char *line = mr_xstrndup(p, n);
        p += n + (p[n] == '\n');
        if (!is_text(line, n)) {
            r = ipt_err(&c, "not iptables-save text (binary data)");
            free(line);
            break;
        }
        char *s = mr_strip(line);
        if (!*s || *s == '#') {
            free(line);
            continue;
        }
        if (*s == '*') {
            if (table) {
                r = ipt_err(&c, "table %s starts before COMMIT of table %s", s + 1, table);
                free(line);
                break;
            }
            table = mr_xstrdup(mr_strip(s + 1));
        } else if (!strcmp(s, "COMMIT")) {
            if (!table) {
                r = ipt_err(&c, "COMMIT outside a table");
                free(line);
                break;
            }
            free(table);
            table = NULL;
        } else if (!table) {
            r = ipt_err(&c, "'%.40s' outside a table (no *filter line before it)", s);
            free(line);
            break;
        } else if (*s == ':') {
            char **w = NULL;
            if (split_words(s + 1, &w) < 0 || !w[0] || !w[1]) {
                mr_strv_free(w);
                r = ipt_err(&c, "a chain line needs a name and a policy");
                free(line);
                break;
            }
            if (!strcmp(table, "filter")) {
                struct mr_fw_chain *ch = get_chain(rs, "ip", "filter", w[0]);
                free(ch->file);
                ch->file = has_lines ? mr_xstrdup(origin) : NULL;
                ch->line = has_lines ? c.line : 0;
                if (!strcmp(w[1], "ACCEPT"))
                    ch->policy = T_ACCEPT;
                else if (!strcmp(w[1], "DROP"))
                    ch->policy = T_DROP;
                else if (strcmp(w[1], "-") != 0) {
                    mr_strv_free(w);
                    r = ipt_err(&c, "unknown policy '%s'", w[1]);
                    free(line);
                    break;
                }
                ch->base = !strcmp(w[0], "INPUT");
            }
            mr_strv_free(w);
        } else if (*s == '-' || *s == '[') {
            char **w = NULL;
            if (split_words(s, &w) < 0) {
                r = ipt_err(&c, "unterminated quote");
                free(line);
                break;
            }
            size_t k = w[0] && w[0][0] == '[' ? 1 : 0;
            const char *cmd = w[k] ? w[k] : "";
            if (!strcmp(cmd, "-A") || !strcmp(cmd, "--append") || !strcmp(cmd, "-I") ||
                !strcmp(cmd, "--insert")) {
                r = ipt_rule(&c, rs, table, w, s, has_lines);
            } else if ((!strcmp(cmd, "-N") || !strcmp(cmd, "--new-chain")) && w[k + 1]) {
                if (!strcmp(table, "filter"))
                    get_chain(rs, "ip", "filter", w[k + 1]);
            } else if ((!strcmp(cmd, "-P") || !strcmp(cmd, "--policy")) && w[k + 1] &&
                       w[k + 2]) {
                if (!strcmp(table, "filter")) {
                    struct mr_fw_chain *ch = get_chain(rs, "ip", "filter", w[k + 1]);
                    ch->policy = !strcmp(w[k + 2], "DROP") ? T_DROP : T_ACCEPT;
                    ch->base = !strcmp(w[k + 1], "INPUT");
                    ch->file = has_lines && !ch->file ? mr_xstrdup(origin) : ch->file;
                    ch->line = has_lines ? c.line : 0;
                }
            } else if (!strcmp(cmd, "-F") || !strcmp(cmd, "--flush") || !strcmp(cmd, "-X") ||
                       !strcmp(cmd, "-Z")) {
                /* iptables-restore flushes the table anyway. */
            } else {
                r = ipt_err(&c, "unknown command '%s'", cmd);
            }
            mr_strv_free(w);
            if (r < 0) {
                free(line);
                break;
            }
        } else {
            r = ipt_err(&c, "'%.40s' is not iptables-save syntax", s);
            free(line);
            break;
        }
        free(line);
    }
    if (r == 0 && table) {
        c.line++;
        r = ipt_err(&c, "table %s has no COMMIT (a truncated file?)", table);
    }
    free(table);
    /* A jump to a name that is no chain is a target this evaluator does not know. */
    for (size_t i = 0; r == 0 && i < rs->n_chains; i++)
        for (size_t j = 0; j < rs->chains[i]->n_rules; j++) {
            struct mr_fw_rule *ru = rs->chains[i]->rules[j];
            if ((ru->target == T_JUMP || ru->target == T_GOTO) &&
                !find_chain(rs, "ip", "filter", ru->target_arg))
                ru->target = T_UNKNOWN;
        }
    if (r < 0) {
        *ret_msg = c.err;
        mr_fw_ruleset_free(rs);
        return r;
    }
    free(c.err);
    *ret = rs;
    return 0;
}

/* ---- nft: values as text, shared by the JSON and text readers ---- */

enum nft_sel {
    SEL_ADDR,  /* addresses */
    SEL_PORT,  /* ports */
    SEL_PROTO, /* protocol names or numbers */
    SEL_STATE,
    SEL_IFACE,
    SEL_FAMILY,
};

/* Fills C from value texts; false when one cannot be read. */
static bool fill_values(struct cond *c, enum nft_sel sel, char *const *vals, char **ret_bad)
{
    for (size_t i = 0; vals && vals[i]; i++) {
        const char *v = vals[i];
        bool ok = true;
        switch (sel) {
        case SEL_ADDR: {
            struct net n;
            ok = parse_net(v, &n);
            if (ok)
                push_net(c, &n);
            break;
        }
        case SEL_PORT: {
            struct range r;
            ok = parse_port_range(v, '-', &r);
            if (ok)
                push_range(c, r.lo, r.hi);
            break;
        }
        case SEL_PROTO: {
            unsigned p;
            ok = parse_proto(v, &p);
            if (ok)
                push_range(c, p, p);
            break;
        }
        case SEL_STATE:
            c->state_new = c->state_new || strcasecmp(v, "new") == 0;
            break;
        case SEL_IFACE:
            if (!c->names)
                c->names = mr_xcalloc(1, sizeof(char *));
            mr_strv_push(&c->names, v);
            break;
        case SEL_FAMILY:
            if (!strcmp(v, "ipv4"))
                c->family = AF_INET;
            else if (!strcmp(v, "ipv6"))
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
static void nft_cond(struct mr_fw_rule *r, enum cond_kind kind, enum nft_sel sel, int family,
                     bool neg, char *const *vals, const char *setref, const char *label)
{
    struct cond *c = add_cond(r, kind, neg);
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
        cond_clear(c);
        *c = (struct cond){.kind = C_OPAQUE};
        c->what = mr_xasprintf("%s %s, which it cannot read", label, bad);
        free(bad);
    }
}

static void add_set(struct mr_fw_ruleset *rs, const char *family, const char *table,
                    const char *name, char **elems)
{
    rs->sets = mr_xrealloc(rs->sets, (rs->n_sets + 1) * sizeof(*rs->sets));
    rs->sets[rs->n_sets++] = (struct fw_set){mr_xstrdup(family), mr_xstrdup(table),
                                             mr_xstrdup(name), elems};
}

/* Replaces set references by the named sets' elements. */
static void resolve_sets(struct mr_fw_ruleset *rs)
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
                cond_clear(c);
                *c = (struct cond){.kind = C_OPAQUE, .what = what};
            }
    }
}

static void resolve_jumps(struct mr_fw_ruleset *rs)
{
    for (size_t i = 0; i < rs->n_chains; i++) {
        struct mr_fw_chain *ch = rs->chains[i];
        for (size_t j = 0; j < ch->n_rules; j++) {
            struct mr_fw_rule *r = ch->rules[j];
            if ((r->target == T_JUMP || r->target == T_GOTO) &&
                !find_chain(rs, ch->family, ch->table, r->target_arg)) {
                char *t = mr_xasprintf("%s to the undefined chain %s",
                                       r->target == T_GOTO ? "goto" : "jump", r->target_arg);
                r->target = T_UNKNOWN;
                free(r->target_arg);
                r->target_arg = t;
            }
        }
    }
}

/* ---- nft JSON ---- */

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
    if (list && json_object_get_type(list) == json_type_array) {
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            char *t = json_value_text(json_object_array_get_idx(list, i));
            if (!t) {
                mr_strv_free(v);
                return NULL;
            }
            mr_strv_push(&v, t);
            free(t);
        }
        return v;
    }
    char *t = json_value_text(right);
    if (!t) {
        mr_strv_free(v);
        return NULL;
    }
    mr_strv_push(&v, t);
    free(t);
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
        add_cond(r, C_FAMILY, false)->family = family;
}

static void json_match(struct mr_fw_rule *r, struct json_object *m)
{
    struct json_object *left, *right;
    const char *op = jstr(m, "op");
    if (!op || !json_object_object_get_ex(m, "left", &left) ||
        !json_object_object_get_ex(m, "right", &right)) {
        add_opaque(r, "a match it cannot read");
        return;
    }
    enum cond_kind kind;
    enum nft_sel sel;
    int family;
    const char *proto = NULL;
    char *label = NULL;
    if (!json_selector(left, &kind, &sel, &family, &proto, &label)) {
        add_opaque(r, "a match on %s", label);
        free(label);
        return;
    }
    bool neg;
    if (!strcmp(op, "==") || !strcmp(op, "in"))
        neg = false;
    else if (!strcmp(op, "!="))
        neg = true;
    else {
        add_opaque(r, "%s %s", label, op);
        free(label);
        return;
    }
    char *setref = NULL;
    char **vals = json_values(right, &setref);
    if (!vals) {
        add_opaque(r, "%s with a value it cannot read", label);
        free(label);
        return;
    }
    if (proto) {
        unsigned p = 0;
        parse_proto(proto, &p);
        push_range(add_cond(r, C_PROTO, false), p, p);
    }
    if (kind != C_SRC && kind != C_DST)
        json_implied_family(r, family);
    nft_cond(r, kind, sel, family, neg, vals, setref, label);
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
    struct mr_fw_chain *ch = get_chain(rs, family, table, chain);
    long handle = json_object_object_get_ex(o, "handle", &h) ? (long)json_object_get_int64(h) : -1;
    char *text = mr_xasprintf("rule handle %ld in chain %s of table %s %s", handle, chain, family,
                              table);
    struct mr_fw_rule *r = rule_new(NULL, 0, text);
    free(text);
    r->handle = handle;
    chain_add_rule(ch, r, -1);
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
            add_opaque(r, "an expression it cannot read");
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
            bool cont = false;
            for (size_t k = 0; target && name && k < MR_ARRAY_SIZE(ipt_continue_targets); k++)
                cont = cont || !strcmp(name, ipt_continue_targets[k]);
            if (target && !cont) {
                r->target = T_UNKNOWN;
                r->target_arg = mr_xasprintf("xt target %s", name ? name : "?");
            } else if (!target) {
                add_opaque(r, "the iptables-nft match %s (read it with iptables-save)",
                           name ? name : "?");
            }
        } else if (!strcmp(key, "limit")) {
            add_opaque(r, "limit");
        } else {
            bool cont = false;
            for (size_t k = 0; k < MR_ARRAY_SIZE(nft_continue_stmts); k++)
                cont = cont || !strcmp(key, nft_continue_stmts[k]);
            if (!cont && i + 1 == n) {
                r->target = T_UNKNOWN;
                free(r->target_arg);
                r->target_arg = mr_xstrdup(key);
            } else if (!cont) {
                add_opaque(r, "the statement %s", key);
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
    struct mr_fw_ruleset *rs = ruleset_new(MR_FW_NFT, origin);
    size_t n = json_object_array_length(list);
    /* Chains and sets first: rules may name either before it is listed. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            struct json_object *e = json_object_array_get_idx(list, i), *o;
            if (pass == 0 && json_object_object_get_ex(e, "chain", &o)) {
                const char *f = jstr(o, "family"), *t = jstr(o, "table"), *nm = jstr(o, "name");
                if (!f || !t || !nm)
                    continue;
                struct mr_fw_chain *ch = get_chain(rs, f, t, nm);
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
                add_set(rs, f, t, nm, elems);
            } else if (pass == 1 && json_object_object_get_ex(e, "rule", &o)) {
                json_rule(rs, o);
            }
        }
    json_object_put(root);
    resolve_sets(rs);
    resolve_jumps(rs);
    *ret = rs;
    return 0;
}

/* ---- nft text (nft -f) ---- */

struct tok {
    char *s;
    int line;
    bool quoted;
};

struct nft_file {
    const char *file;
    struct tok *t;
    size_t n;
};

struct nft_parser {
    struct mr_fw_ruleset *rs;
    mr_fw_include_fn include;
    void *userdata;
    char **define_names;
    char **define_values; /* joined by spaces */
    int depth;
    char *err;
};

static void toks_free(struct tok *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(t[i].s);
    free(t);
}

static void tok_push(struct tok **t, size_t *n, const char *s, size_t len, int line, bool q)
{
    *t = mr_xrealloc(*t, (*n + 1) * sizeof(**t));
    (*t)[(*n)++] = (struct tok){mr_xstrndup(s, len), line, q};
}

/* Words, quoted strings, and { } ; , and newlines (as "\n") as tokens. */
static int nft_tokenize(const char *text, const char *file, struct tok **ret, size_t *ret_n,
                        char **ret_msg)
{
    struct tok *t = NULL;
    size_t n = 0;
    int line = 1;
    const char *p = text;
    while (*p) {
        if (*p == '\n') {
            tok_push(&t, &n, "\n", 1, line, false);
            line++;
            p++;
        } else if (*p == '\\' && p[1] == '\n') {
            line++;
            p += 2;
        } else if (*p == ' ' || *p == '\t' || *p == '\r') {
            p++;
        } else if (*p == '#') {
            p += strcspn(p, "\n");
        } else if (strchr("{};,", *p)) {
            tok_push(&t, &n, p, 1, line, false);
            p++;
        } else if (*p == '"') {
            const char *e = strchr(p + 1, '"');
            const char *nl = strchr(p + 1, '\n');
            if (!e || (nl && nl < e)) {
                toks_free(t, n);
                *ret_msg = mr_xasprintf("%s:%d: unterminated string", file, line);
                return -EINVAL;
            }
            tok_push(&t, &n, p + 1, (size_t)(e - p - 1), line, true);
            p = e + 1;
        } else if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            toks_free(t, n);
            *ret_msg = mr_xasprintf("%s:%d: not nft syntax (binary data)", file, line);
            return -EINVAL;
        } else {
            size_t len = strcspn(p, " \t\r\n{};,#\"");
            tok_push(&t, &n, p, len, line, false);
            p += len;
        }
    }
    *ret = t;
    *ret_n = n;
    return 0;
}

/* A statement: tokens up to a newline or ";" outside braces, or up to the
 * "{" that opens a block. */
struct stmt {
    struct tok *t; /* borrowed */
    size_t n;
    bool opens_block;
};

static int nft_err(struct nft_parser *np, const char *file, int line, const char *fmt, ...)
    MR_PRINTF(4, 5);
static int nft_err(struct nft_parser *np, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = mr_xvasprintf(fmt, ap);
    va_end(ap);
    if (!np->err)
        np->err = mr_xasprintf("%s:%d: %s", file, line, m);
    free(m);
    return -EINVAL;
}

/* Reads the next statement from F at *I. BLOCK_OPENERS: a "{" after these
 * words opens a block rather than an anonymous set. */
static bool next_stmt(const struct nft_file *f, size_t *i, struct stmt *s, bool allow_block)
{
    while (*i < f->n && (!strcmp(f->t[*i].s, "\n") || !strcmp(f->t[*i].s, ";")) &&
           !f->t[*i].quoted)
        (*i)++;
    if (*i >= f->n)
        return false;
    size_t start = *i;
    int depth = 0;
    s->opens_block = false;
    for (; *i < f->n; (*i)++) {
        const struct tok *k = &f->t[*i];
        if (k->quoted)
            continue;
        if (!strcmp(k->s, "{")) {
            /* "table x {", "chain y {", "set z {": a block, not a set of values. */
            if (allow_block && depth == 0 && *i > start) {
                const char *w0 = f->t[start].s;
                if (!strcmp(w0, "table") || !strcmp(w0, "chain") || !strcmp(w0, "set") ||
                    !strcmp(w0, "map") || !strcmp(w0, "flowtable") || !strcmp(w0, "counter") ||
                    !strcmp(w0, "quota") || !strcmp(w0, "ct") || !strcmp(w0, "limit") ||
                    !strcmp(w0, "secmark") || !strcmp(w0, "synproxy") ||
                    ((!strcmp(w0, "add") || !strcmp(w0, "create")) && *i > start + 1 &&
                     (!strcmp(f->t[start + 1].s, "table") || !strcmp(f->t[start + 1].s, "chain") ||
                      !strcmp(f->t[start + 1].s, "set")))) {
                    s->opens_block = true;
                    s->t = &f->t[start];
                    s->n = *i - start;
                    (*i)++;
                    return true;
                }
            }
            depth++;
        } else if (!strcmp(k->s, "}")) {
            if (depth == 0)
                break;
            depth--;
        } else if (depth == 0 && (!strcmp(k->s, "\n") || !strcmp(k->s, ";"))) {
            break;
        }
    }
    s->t = &f->t[start];
    s->n = *i - start;
    return true;
}

/* Skips to the "}" that closes a block opened before *I. */
static bool skip_block(const struct nft_file *f, size_t *i)
{
    int depth = 1;
    for (; *i < f->n; (*i)++) {
        if (f->t[*i].quoted)
            continue;
        if (!strcmp(f->t[*i].s, "{"))
            depth++;
        else if (!strcmp(f->t[*i].s, "}") && --depth == 0) {
            (*i)++;
            return true;
        }
    }
    return false;
}

static char *stmt_text(const struct stmt *s)
{
    char *out = mr_xstrdup("");
    for (size_t i = 0; i < s->n; i++) {
        if (!strcmp(s->t[i].s, "\n"))
            continue;
        char *n = mr_xasprintf("%s%s%s%s%s", out, *out && strcmp(s->t[i].s, ",") ? " " : "",
                               s->t[i].quoted ? "\"" : "", s->t[i].s, s->t[i].quoted ? "\"" : "");
        free(out);
        out = n;
    }
    return out;
}

static bool is_family(const char *s)
{
    return !strcmp(s, "ip") || !strcmp(s, "ip6") || !strcmp(s, "inet") || !strcmp(s, "arp") ||
           !strcmp(s, "bridge") || !strcmp(s, "netdev");
}

/* A value of a rule at W[*I]: one word, a comma list, or a { } set. */
static char **nft_values(struct nft_parser *np, const struct tok *w, size_t n, size_t *i,
                         bool *ret_bad)
{
    char **v = mr_xcalloc(1, sizeof(char *));
    *ret_bad = false;
    if (*i >= n) {
        *ret_bad = true;
        return v;
    }
    if (!w[*i].quoted && !strcmp(w[*i].s, "{")) {
        (*i)++;
        for (; *i < n && (w[*i].quoted || strcmp(w[*i].s, "}")); (*i)++) {
            if (!w[*i].quoted && (!strcmp(w[*i].s, ",") || !strcmp(w[*i].s, "\n")))
                continue;
            if (!w[*i].quoted && !strcmp(w[*i].s, "{")) {
                *ret_bad = true; /* concatenations and nested sets */
                continue;
            }
            mr_strv_push(&v, w[*i].s);
        }
        if (*i >= n)
            *ret_bad = true;
        else
            (*i)++;
        return v;
    }
    for (;;) {
        const char *s = w[*i].s;
        if (!w[*i].quoted && s[0] == '$') {
            bool found = false;
            for (size_t d = 0; np->define_names && np->define_names[d]; d++)
                if (!strcmp(np->define_names[d], s + 1)) {
                    char **parts = mr_split_list(np->define_values[d]);
                    for (size_t k = 0; parts[k]; k++)
                        if (strcmp(parts[k], "{") && strcmp(parts[k], "}"))
                            mr_strv_push(&v, parts[k]);
                    mr_strv_free(parts);
                    found = true;
                }
            if (!found)
                *ret_bad = true;
        } else {
            mr_strv_push(&v, s);
        }
        (*i)++;
        if (*i + 1 < n && !w[*i].quoted && !strcmp(w[*i].s, ",")) {
            (*i)++;
            continue;
        }
        break;
    }
    return v;
}

static bool is_verdict_word(const char *s)
{
    return !strcmp(s, "accept") || !strcmp(s, "drop") || !strcmp(s, "reject") ||
           !strcmp(s, "return") || !strcmp(s, "jump") || !strcmp(s, "goto") ||
           !strcmp(s, "continue") || !strcmp(s, "queue");
}

/* Reads "SELECTOR [op] VALUE" at *I into R. */
static void nft_text_match(struct nft_parser *np, struct mr_fw_rule *r, const struct tok *w,
                           size_t n, size_t *i, enum cond_kind kind, enum nft_sel sel, int family,
                           const char *proto, const char *label)
{
    bool neg = false;
    if (*i < n && (!strcmp(w[*i].s, "!=") || !strcmp(w[*i].s, "ne"))) {
        neg = true;
        (*i)++;
    } else if (*i < n && (!strcmp(w[*i].s, "==") || !strcmp(w[*i].s, "eq"))) {
        (*i)++;
    } else if (*i < n && !w[*i].quoted &&
               (!strcmp(w[*i].s, "<") || !strcmp(w[*i].s, ">") || !strcmp(w[*i].s, "<=") ||
                !strcmp(w[*i].s, ">=") || !strcmp(w[*i].s, "lt") || !strcmp(w[*i].s, "gt") ||
                !strcmp(w[*i].s, "le") || !strcmp(w[*i].s, "ge"))) {
        add_opaque(r, "%s %s", label, w[*i].s);
        (*i)++;
        bool bad;
        mr_strv_free(nft_values(np, w, n, i, &bad));
        return;
    }
    if (*i < n && !strcmp(w[*i].s, "vmap")) {
        r->target = T_UNKNOWN;
        free(r->target_arg);
        r->target_arg = mr_xasprintf("a verdict map on %s", label);
        (*i)++;
        bool bad;
        mr_strv_free(nft_values(np, w, n, i, &bad));
        return;
    }
    bool bad;
    char **vals = nft_values(np, w, n, i, &bad);
    if (bad || !vals[0]) {
        add_opaque(r, "%s with a value it cannot read", label);
        mr_strv_free(vals);
        return;
    }
    if (proto) {
        unsigned p = 0;
        parse_proto(proto, &p);
        push_range(add_cond(r, C_PROTO, false), p, p);
    }
    if (family && kind != C_SRC && kind != C_DST)
        add_cond(r, C_FAMILY, false)->family = family;
    const char *ref = vals[0][0] == '@' && !vals[1] ? vals[0] : NULL;
    nft_cond(r, kind, sel, family, neg, vals, ref, label);
    mr_strv_free(vals);
}

/* Skips the arguments of a non-terminal statement (counter, log, ...). */
static void skip_args(const struct tok *w, size_t n, size_t *i, const char *const *args)
{
    while (*i < n) {
        bool hit = false;
        for (size_t k = 0; args[k] && !hit; k++)
            hit = !strcmp(w[*i].s, args[k]);
        if (!hit)
            return;
        (*i)++;
        if (*i < n)
            (*i)++; /* its value */
    }
}

static struct mr_fw_rule *nft_text_rule(struct nft_parser *np, const char *file,
                                        const struct stmt *s, size_t from)
{
    char *text = stmt_text(&(struct stmt){s->t + from, s->n - from, false});
    struct mr_fw_rule *r = rule_new(file, s->t[from].line, text);
    free(text);
    const struct tok *w = s->t;
    size_t n = s->n;
    for (size_t i = from; i < n;) {
        const char *k = w[i].s;
        const char *k1 = i + 1 < n ? w[i + 1].s : "";
        if (!strcmp(k, "\n") || !strcmp(k, ",")) {
            i++;
        } else if ((!strcmp(k, "tcp") || !strcmp(k, "udp") || !strcmp(k, "th") ||
                    !strcmp(k, "sctp")) &&
                   (!strcmp(k1, "dport") || !strcmp(k1, "sport"))) {
            char *label = mr_xasprintf("%s %s", k, k1);
            i += 2;
            nft_text_match(np, r, w, n, &i, k1[0] == 'd' ? C_DPORT : C_SPORT, SEL_PORT, 0,
                           strcmp(k, "th") ? k : NULL, label);
            free(label);
        } else if ((!strcmp(k, "ip") || !strcmp(k, "ip6")) &&
                   (!strcmp(k1, "saddr") || !strcmp(k1, "daddr"))) {
            char *label = mr_xasprintf("%s %s", k, k1);
            i += 2;
            nft_text_match(np, r, w, n, &i, k1[0] == 's' ? C_SRC : C_DST, SEL_ADDR,
                           k[2] ? AF_INET6 : AF_INET, NULL, label);
            free(label);
        } else if ((!strcmp(k, "ip") && !strcmp(k1, "protocol")) ||
                   (!strcmp(k, "ip6") && !strcmp(k1, "nexthdr"))) {
            char *label = mr_xasprintf("%s %s", k, k1);
            i += 2;
            nft_text_match(np, r, w, n, &i, C_PROTO, SEL_PROTO, k[2] ? AF_INET6 : AF_INET, NULL,
                           label);
            free(label);
        } else if (!strcmp(k, "meta") && (!strcmp(k1, "l4proto") || !strcmp(k1, "iifname") ||
                                         !strcmp(k1, "iif") || !strcmp(k1, "nfproto"))) {
            char *label = mr_xasprintf("meta %s", k1);
            i += 2;
            bool proto = !strcmp(k1, "l4proto"), fam = !strcmp(k1, "nfproto");
            nft_text_match(np, r, w, n, &i, proto ? C_PROTO : fam ? C_FAMILY : C_IIF,
                           proto ? SEL_PROTO : fam ? SEL_FAMILY : SEL_IFACE, 0, NULL, label);
            free(label);
        } else if (!strcmp(k, "iifname") || !strcmp(k, "iif")) {
            i++;
            nft_text_match(np, r, w, n, &i, C_IIF, SEL_IFACE, 0, NULL, k);
        } else if (!strcmp(k, "l4proto")) {
            i++;
            nft_text_match(np, r, w, n, &i, C_PROTO, SEL_PROTO, 0, NULL, k);
        } else if (!strcmp(k, "ct") && !strcmp(k1, "state")) {
            i += 2;
            nft_text_match(np, r, w, n, &i, C_STATE, SEL_STATE, 0, NULL, "ct state");
        } else if ((!strcmp(k, "icmp") || !strcmp(k, "icmpv6") || !strcmp(k, "udp") ||
                    !strcmp(k, "igmp")) && i + 1 < n) {
            /* A header match of another protocol: never a TCP SYN. */
            push_range(add_cond(r, C_PROTO, false), 0, 0);
            i += 2;
            bool bad;
            if (i < n && (!strcmp(w[i].s, "!=") || !strcmp(w[i].s, "==")))
                i++;
            mr_strv_free(nft_values(np, w, n, &i, &bad));
        } else if (!strcmp(k, "counter")) {
            i++;
            static const char *const a[] = {"packets", "bytes", "name", NULL};
            skip_args(w, n, &i, a);
        } else if (!strcmp(k, "log")) {
            i++;
            static const char *const a[] = {"prefix", "level", "flags", "group", "snaplen",
                                            "queue-threshold", NULL};
            skip_args(w, n, &i, a);
        } else if (!strcmp(k, "comment")) {
            i += 2;
        } else if (!strcmp(k, "notrack")) {
            i++;
        } else if (!strcmp(k, "accept") || !strcmp(k, "drop") || !strcmp(k, "return") ||
                   !strcmp(k, "continue")) {
            r->target = k[0] == 'a' ? T_ACCEPT : k[0] == 'd' ? T_DROP
                        : k[0] == 'r' ? T_RETURN : T_CONTINUE;
            i++;
        } else if (!strcmp(k, "reject")) {
            r->target = T_REJECT;
            i++;
            if (i < n && !strcmp(w[i].s, "with")) {
                /* with tcp reset | with icmp[x|v6] [type] X */
                i++;
                while (i < n && strcmp(w[i].s, "comment") && strcmp(w[i].s, "\n"))
                    i++;
            }
        } else if ((!strcmp(k, "jump") || !strcmp(k, "goto")) && i + 1 < n) {
            r->target = k[0] == 'j' ? T_JUMP : T_GOTO;
            free(r->target_arg);
            r->target_arg = mr_xstrdup(k1);
            i += 2;
        } else {
            /* Something this reader does not know: if a verdict follows, it is
             * a match or a statement before it; if not, it may be the verdict. */
            size_t j = i + 1;
            while (j < n && !is_verdict_word(w[j].s))
                j++;
            if (j < n) {
                add_opaque(r, "'%s %s'", k, i + 1 < j ? k1 : "");
                i = j;
            } else {
                r->target = T_UNKNOWN;
                free(r->target_arg);
                r->target_arg = mr_xasprintf("'%s'", k);
                i = n;
            }
        }
    }
    return r;
}

static int parse_prio(const struct tok *w, size_t n, size_t *i, int *ret)
{
    static const struct {
        const char *name;
        int v;
    } names[] = {{"raw", -300}, {"mangle", -150}, {"dstnat", -100},
                 {"filter", 0}, {"security", 50},  {"srcnat", 100}};
    if (*i >= n)
        return -EINVAL;
    const char *s = w[*i].s;
    int v = 0;
    bool ok = false;
    for (size_t k = 0; k < MR_ARRAY_SIZE(names); k++)
        if (!strcmp(s, names[k].name)) {
            v = names[k].v;
            ok = true;
        }
    if (!ok) {
        long l;
        if (mr_parse_long(s, &l) < 0)
            return -EINVAL;
        v = (int)l;
    }
    (*i)++;
    if (*i + 1 < n && (!strcmp(w[*i].s, "+") || !strcmp(w[*i].s, "-"))) {
        long l;
        if (mr_parse_long(w[*i + 1].s, &l) == 0) {
            v += w[*i].s[0] == '+' ? (int)l : -(int)l;
            *i += 2;
        }
    }
    *ret = v;
    return 0;
}

/* "type filter hook input priority 0" and "policy drop" of a chain. */
static bool chain_setting(struct mr_fw_chain *ch, const struct stmt *s, const char *file)
{
    const struct tok *w = s->t;
    if (!strcmp(w[0].s, "type")) {
        const char *type = s->n > 1 ? w[1].s : "";
        const char *hook = NULL;
        int prio = 0;
        for (size_t i = 2; i < s->n;) {
            if (!strcmp(w[i].s, "hook") && i + 1 < s->n) {
                hook = w[i + 1].s;
                i += 2;
            } else if (!strcmp(w[i].s, "priority")) {
                i++;
                if (parse_prio(w, s->n, &i, &prio) < 0)
                    i++;
            } else {
                i++; /* device ... */
            }
        }
        if (hook) {
            ch->base = !strcmp(hook, "input") && !strcmp(type, "filter");
            ch->other_hook = !ch->base;
            ch->prio = prio;
            if (ch->policy == T_CONTINUE)
                ch->policy = T_ACCEPT;
            if (!ch->file) {
                ch->file = mr_xstrdup(file);
                ch->line = w[0].line;
            }
        }
        return true;
    }
    if (!strcmp(w[0].s, "policy") && s->n > 1) {
        ch->policy = !strcmp(w[1].s, "drop") ? T_DROP : T_ACCEPT;
        free(ch->file);
        ch->file = mr_xstrdup(file);
        ch->line = w[0].line;
        return true;
    }
    return !strcmp(w[0].s, "comment") || !strcmp(w[0].s, "devices") || !strcmp(w[0].s, "flags");
}

static int parse_nft_file(struct nft_parser *np, const char *file, const char *text);

static void chain_body(struct nft_parser *np, const struct nft_file *f, size_t *i,
                       struct mr_fw_chain *ch)
{
    struct stmt s;
    while (*i < f->n) {
        if (!next_stmt(f, i, &s, false))
            break;
        if (s.n == 0) {
            if (*i < f->n && !strcmp(f->t[*i].s, "}"))
                (*i)++;
            return;
        }
        if (chain_setting(ch, &s, f->file))
            continue;
        chain_add_rule(ch, nft_text_rule(np, f->file, &s, 0), -1);
    }
}

/* "elements = { ... }" of a named set. */
static void set_body(const struct nft_file *f, size_t *i, char ***elems)
{
    int depth = 1;
    bool in_elems = false;
    for (; *i < f->n; (*i)++) {
        const struct tok *k = &f->t[*i];
        if (!k->quoted && !strcmp(k->s, "{")) {
            depth++;
            continue;
        }
        if (!k->quoted && !strcmp(k->s, "}")) {
            if (--depth == 0) {
                (*i)++;
                return;
            }
            in_elems = false;
            continue;
        }
        if (!strcmp(k->s, "elements")) {
            in_elems = true;
            continue;
        }
        if (in_elems && depth == 2 && strcmp(k->s, ",") && strcmp(k->s, "\n") &&
            strcmp(k->s, "="))
            mr_strv_push(elems, k->s);
    }
}

static void table_body(struct nft_parser *np, const struct nft_file *f, size_t *i,
                       const char *family, const char *table)
{
    struct stmt s;
    while (*i < f->n) {
        if (!next_stmt(f, i, &s, true))
            break;
        if (s.n == 0) {
            if (*i < f->n && !strcmp(f->t[*i].s, "}"))
                (*i)++;
            return;
        }
        const char *w0 = s.t[0].s;
        if (!strcmp(w0, "chain") && s.n >= 2 && s.opens_block) {
            struct mr_fw_chain *ch = get_chain(np->rs, family, table, s.t[1].s);
            chain_body(np, f, i, ch);
        } else if (!strcmp(w0, "set") && s.n >= 2 && s.opens_block) {
            char **elems = mr_xcalloc(1, sizeof(char *));
            set_body(f, i, &elems);
            add_set(np->rs, family, table, s.t[1].s, elems);
        } else if (s.opens_block) {
            skip_block(f, i); /* maps, flowtables, named objects */
        } else if (!strcmp(w0, "flags") || !strcmp(w0, "comment")) {
            /* table flags (dormant is rare enough to leave to the reader) */
        } else {
            set_problem(np->rs, f->file, s.t[0].line, "'%s' in table %s %s", w0, family, table);
        }
    }
}

/* FAMILY TABLE at W[*K] (the family optional, "ip" by default). */
static bool family_table(const struct stmt *s, size_t *k, const char **family, const char **table)
{
    *family = "ip";
    if (*k < s->n && is_family(s->t[*k].s)) {
        *family = s->t[*k].s;
        (*k)++;
    }
    if (*k >= s->n)
        return false;
    *table = s->t[*k].s;
    (*k)++;
    return true;
}

static void do_include(struct nft_parser *np, const char *file, int line, const char *pattern)
{
    if (!np->include) {
        set_problem(np->rs, file, line, "include \"%s\"", pattern);
        return;
    }
    if (np->depth >= MAX_INCLUDE_DEPTH) {
        set_problem(np->rs, file, line, "includes nested more than %d deep", MAX_INCLUDE_DEPTH);
        return;
    }
    char *pat;
    if (pattern[0] == '/') {
        pat = mr_xstrdup(pattern);
    } else {
        /* nft looks in its include path, /etc by default, relative to nothing else. */
        pat = mr_xasprintf("/etc/%s", pattern);
    }
    char **paths = NULL, **texts = NULL;
    int r = np->include(np->userdata, pat, &paths, &texts);
    if (r < 0) {
        if (!strpbrk(pat, "*?[")) /* a glob that matches nothing is fine for nft */
            set_problem(np->rs, file, line, "include \"%s\", which cannot be read (%s)", pattern,
                        strerror(-r));
        free(pat);
        return;
    }
    np->depth++;
    for (size_t k = 0; paths[k] && !np->err; k++)
        parse_nft_file(np, paths[k], texts[k]);
    np->depth--;
    mr_strv_free(paths);
    mr_strv_free(texts);
    free(pat);
}

static int parse_nft_file(struct nft_parser *np, const char *file, const char *text)
{
    struct nft_file f = {.file = file};
    char *msg = NULL;
    if (nft_tokenize(text, file, &f.t, &f.n, &msg) < 0) {
        if (!np->err)
            np->err = msg;
        else
            free(msg);
        return -EINVAL;
    }
    size_t i = 0;
    struct stmt s;
    while (!np->err && next_stmt(&f, &i, &s, true)) {
        if (s.n == 0) {
            nft_err(np, file, f.t[i].line, "unexpected '}'");
            break;
        }
        const char *w0 = s.t[0].s;
        int line = s.t[0].line;
        size_t k = 1;
        const char *family, *table;
        if (!strcmp(w0, "table") || ((!strcmp(w0, "add") || !strcmp(w0, "create")) && s.n > 1 &&
                                     !strcmp(s.t[1].s, "table"))) {
            k = !strcmp(w0, "table") ? 1 : 2;
            if (!family_table(&s, &k, &family, &table)) {
                nft_err(np, file, line, "a table needs a name");
                break;
            }
            if (s.opens_block)
                table_body(np, &f, &i, family, table);
        } else if ((!strcmp(w0, "add") || !strcmp(w0, "create")) && s.n > 1 &&
                   !strcmp(s.t[1].s, "chain")) {
            k = 2;
            if (!family_table(&s, &k, &family, &table) || k >= s.n) {
                nft_err(np, file, line, "a chain needs a table and a name");
                break;
            }
            struct mr_fw_chain *ch = get_chain(np->rs, family, table, s.t[k].s);
            if (s.opens_block)
                chain_body(np, &f, &i, ch);
        } else if ((!strcmp(w0, "add") || !strcmp(w0, "insert")) && s.n > 1 &&
                   !strcmp(s.t[1].s, "rule")) {
            k = 2;
            if (!family_table(&s, &k, &family, &table) || k + 1 >= s.n) {
                nft_err(np, file, line, "a rule needs a table, a chain and an expression");
                break;
            }
            struct mr_fw_chain *ch = get_chain(np->rs, family, table, s.t[k].s);
            k++;
            if (k + 1 < s.n && (!strcmp(s.t[k].s, "position") || !strcmp(s.t[k].s, "handle") ||
                                !strcmp(s.t[k].s, "index"))) {
                set_problem(np->rs, file, line, "a rule placed by %s", s.t[k].s);
                k += 2;
            }
            chain_add_rule(ch, nft_text_rule(np, file, &s, k), w0[0] == 'i' ? 0 : -1);
        } else if (!strcmp(w0, "flush") && s.n > 1 && !strcmp(s.t[1].s, "ruleset")) {
            ruleset_clear(np->rs);
        } else if (!strcmp(w0, "flush") || !strcmp(w0, "delete") || !strcmp(w0, "destroy")) {
            /* Flushing or deleting a table before redefining it: what follows defines it. */
            if (s.n > 1 && strcmp(s.t[1].s, "table") != 0)
                set_problem(np->rs, file, line, "'%s %s'", w0, s.t[1].s);
        } else if (!strcmp(w0, "define") || !strcmp(w0, "redefine")) {
            if (s.n < 4 || strcmp(s.t[2].s, "=") != 0) {
                nft_err(np, file, line, "define needs NAME = VALUE");
                break;
            }
            char *val = mr_xstrdup("");
            for (size_t j = 3; j < s.n; j++) {
                char *nv = mr_xasprintf("%s %s", val, s.t[j].s);
                free(val);
                val = nv;
            }
            if (!np->define_names) {
                np->define_names = mr_xcalloc(1, sizeof(char *));
                np->define_values = mr_xcalloc(1, sizeof(char *));
            }
            mr_strv_push(&np->define_names, s.t[1].s);
            mr_strv_push(&np->define_values, val);
            free(val);
        } else if (!strcmp(w0, "include") && s.n >= 2) {
            do_include(np, file, line, s.t[1].s);
        } else if (s.opens_block) {
            set_problem(np->rs, file, line, "'%s'", w0);
            skip_block(&f, &i);
        } else {
            char *t = stmt_text(&s);
            nft_err(np, file, line, "'%.60s' is not a command nft -f knows", t);
            free(t);
        }
    }
    toks_free(f.t, f.n);
    return np->err ? -EINVAL : 0;
}

int mr_fw_parse_nft_text(const char *text, const char *file, mr_fw_include_fn include,
                         void *userdata, struct mr_fw_ruleset **ret, char **ret_msg)
{
    struct nft_parser np = {.rs = ruleset_new(MR_FW_NFT, file), .include = include,
                            .userdata = userdata};
    int r = parse_nft_file(&np, file, text);
    mr_strv_free(np.define_names);
    mr_strv_free(np.define_values);
    if (r < 0) {
        *ret_msg = np.err ? np.err : mr_xasprintf("%s: cannot be read", file);
        mr_fw_ruleset_free(np.rs);
        return r;
    }
    free(np.err);
    resolve_sets(np.rs);
    resolve_jumps(np.rs);
    *ret = np.rs;
    return 0;
}
