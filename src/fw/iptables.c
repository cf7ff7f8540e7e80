/* The iptables-save reader (mr_fw_parse_iptables); the filter table is kept. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "fw-internal.h"

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
    bool has_lines; /* rules and chains carry ORIGIN and their line */
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
        ok = fw_parse_net(v[i], &n);
        if (ok)
            fw_push_net(c, &n);
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
        ok = fw_parse_port_range(v[i], sep, &r);
        if (ok)
            fw_push_range(c, r.lo, r.hi);
    }
    mr_strv_free(v);
    return ok;
}

static bool states_have(const char *list, const char *state)
{
    char **v = mr_split_list(list);
    bool hit = false;
    for (size_t i = 0; v[i]; i++)
        hit = hit || strcasecmp(v[i], state) == 0;
    mr_strv_free(v);
    return hit;
}

static const char *const ipt_continue_targets[] = {
    "LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "AUDIT", "TRACE", "NOTRACK", "CLASSIFY",
    "TCPMSS", "DSCP", "TOS", "SET", "CT", "SECMARK", "CONNSECMARK", "TTL", "HL", "IDLETIMER",
    "LED", "RATEEST", "CHECKSUM",
};

bool fw_ipt_continue_target(const char *name)
{
    for (size_t k = 0; k < MR_ARRAY_SIZE(ipt_continue_targets); k++)
        if (!strcmp(name, ipt_continue_targets[k]))
            return true;
    return false;
}

/* Matches whose options this evaluator reads. */
static const char *const ipt_known_modules[] = {
    "tcp", "udp", "multiport", "state", "conntrack", "comment", "icmp", "icmp6", "addrtype",
    "physdev",
};

/* A rule being read, and what its options so far said. */
struct ipt_rule_rd {
    struct ipt_ctx *c;
    struct mr_fw_rule *r;
    char **modules;      /* the -m names so far */
    bool tcp_proto;      /* -p tcp or -p udp */
    bool tcp;            /* -p tcp, which loads the tcp match by itself (--tcp-flags) */
    bool unknown_module; /* a -m whose options this evaluator does not read */
    bool after_target;   /* -j or -g: what follows are the target's options */
};

/* Reads option O (as written) with its value ARG (NULL when it takes none). */
typedef int ipt_option_fn(struct ipt_rule_rd *rd, const char *o, const char *arg, bool neg);

static int ipt_address(struct ipt_rule_rd *rd, const char *o, const char *arg, bool neg)
{
    bool src = o[1] == 's' || !strcmp(o, "--source") || !strcmp(o, "--src");
    struct cond *k = fw_add_cond(rd->r, src ? C_SRC : C_DST, neg);
    k->family = AF_INET;
    if (!add_nets(k, arg))
        return ipt_err(rd->c, "'%s' is not an address", arg);
    return 0;
}

static int ipt_protocol(struct ipt_rule_rd *rd, const char *o, const char *arg, bool neg)
{
    unsigned p;
    if (!strcasecmp(arg, "all") || !strcmp(arg, "0")) {
        if (neg)
            fw_add_cond(rd->r, C_PROTO, false); /* ! -p all: matches nothing */
        return 0;
    }
    if (!fw_parse_proto(arg, &p))
        return ipt_err(rd->c, "unknown protocol '%s'", arg);
    fw_push_range(fw_add_cond(rd->r, C_PROTO, neg), p, p);
    if (!neg && (p == 6 || p == 17))
        rd->tcp_proto = true;
    if (!neg && p == 6)
        rd->tcp = true;
    return 0;
}

static int ipt_in_iface(struct ipt_rule_rd *rd, const char *o, const char *arg, bool neg)
{
    struct cond *k = fw_add_cond(rd->r, C_IIF, neg);
    k->names = mr_xcalloc(1, sizeof(char *));
    mr_strv_push(&k->names, arg);
    return 0;
}

static int ipt_out_iface(struct ipt_rule_rd *rd, const char *o, const char *arg, bool neg)
{
    fw_add_opaque(rd->r, "-o %s", arg);
    return 0;
}

static int ipt_fragment(struct ipt_rule_rd *rd, const char *o, const char *arg, bool neg)
{
    /* Only later fragments match; a SYN is a first fragment. */
    if (!neg)
        fw_add_cond(rd->r, C_PROTO, false);
    return 0;
}

static int ipt_match(struct ipt_rule_rd *rd, const char *o, const char *arg, bool neg)
{
    bool known = false;
    for (size_t k = 0; k < MR_ARRAY_SIZE(ipt_known_modules); k++)
        known = known || !strcmp(arg, ipt_known_modules[k]);
    if (!known) {
        fw_add_opaque(rd->r, "-m %s", arg);
        rd->unknown_module = true;
    }
    mr_strv_push(&rd->modules, arg);
    return 0;
}

static int ipt_target(struct ipt_rule_rd *rd, const char *o, const char *arg, bool neg)
{
    struct mr_fw_rule *r = rd->r;
    bool go = o[1] == 'g' || !strcmp(o, "--goto");
    rd->after_target = true;
    free(r->target_arg);
    r->target_arg = NULL;
    if (!strcmp(arg, "ACCEPT")) {
        r->target = T_ACCEPT;
    } else if (!strcmp(arg, "DROP")) {
        r->target = T_DROP;
    } else if (!strcmp(arg, "REJECT")) {
        r->target = T_REJECT;
    } else if (!strcmp(arg, "RETURN")) {
        r->target = T_RETURN;
    } else {
        bool cont = fw_ipt_continue_target(arg);
        r->target = cont ? T_CONTINUE : go ? T_GOTO : T_JUMP;
        /* Upper-case names that are not chains are targets we do not know;
         * resolved once every chain is known. */
        r->target_arg = cont ? NULL : mr_xstrdup(arg);
    }
    return 0;
}

/* --dport, --sport of -p tcp/udp or -m tcp/udp. */
static int ipt_port(struct ipt_rule_rd *rd, const char *o, const char *arg, bool neg)
{
    if (!rd->tcp_proto && !mr_strv_contains(rd->modules, "tcp") &&
        !mr_strv_contains(rd->modules, "udp"))
        return ipt_err(rd->c, "%s needs -p tcp or -p udp", o);
    bool d = !strcmp(o, "--dport") || !strcmp(o, "--destination-port");
    struct cond *k = fw_add_cond(rd->r, d ? C_DPORT : C_SPORT, neg);
    struct range rg;
    if (!fw_parse_port_range(arg, ':', &rg))
        return ipt_err(rd->c, "'%s' is not a port", arg);
    fw_push_range(k, rg.lo, rg.hi);
    return 0;
}

/* --dports, --sports, --ports of -m multiport. */
static int ipt_ports(struct ipt_rule_rd *rd, const char *o, const char *arg, bool neg)
{
    if (!mr_strv_contains(rd->modules, "multiport"))
        return ipt_err(rd->c, "%s needs -m multiport", o);
    enum cond_kind kind = !strcmp(o, "--ports")                                    ? C_PORTS
                          : (!strcmp(o, "--dports") || !strcmp(o, "--destination-ports"))
                              ? C_DPORT
                              : C_SPORT;
    if (!add_port_list(fw_add_cond(rd->r, kind, neg), arg, ':'))
        return ipt_err(rd->c, "'%s' is not a list of ports", arg);
    return 0;
}

static int ipt_state(struct ipt_rule_rd *rd, const char *o, const char *arg, bool neg)
{
    const char *module = o[2] == 's' ? "state" : "conntrack";
    if (!mr_strv_contains(rd->modules, module))
        return ipt_err(rd->c, "%s needs -m %s", o, module);
    struct cond *c = fw_add_cond(rd->r, C_STATE, neg);
    c->state_new = states_have(arg, "NEW");
    c->state_est = states_have(arg, "ESTABLISHED");
    return 0;
}

static int ipt_syn(struct ipt_rule_rd *rd, const char *o, const char *arg, bool neg)
{
    fw_add_cond(rd->r, C_SYN, neg);
    return 0;
}

/* The condition that never holds (an empty protocol set), for a match that
 * is known to fail on a peer's connection. */
static void ipt_never(struct ipt_rule_rd *rd)
{
    fw_add_cond(rd->r, C_PROTO, false);
}

/* -m addrtype --src-type/--dst-type: a peer's SYN comes from a unicast
 * address to a unicast address local to this host; never multicast,
 * broadcast or anything else. */
static int ipt_addrtype(struct ipt_rule_rd *rd, const char *o, const char *arg, bool neg)
{
    static const char *const types[] = {"UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST",
                                        "MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT",
                                        "THROW", "NAT", "XRESOLVE"};
    if (!mr_strv_contains(rd->modules, "addrtype"))
        return ipt_err(rd->c, "%s needs -m addrtype", o);
    bool dst = !strcmp(o, "--dst-type");
    char **v = mr_split_list(arg);
    bool hit = false;
    int r = 0;
    for (size_t i = 0; v[i] && r == 0; i++) {
        bool known = false;
        for (size_t k = 0; k < MR_ARRAY_SIZE(types); k++)
            known = known || !strcasecmp(v[i], types[k]);
        if (!known)
            r = ipt_err(rd->c, "unknown address type '%s'", v[i]);
        hit = hit || !strcasecmp(v[i], "UNICAST") || (dst && !strcasecmp(v[i], "LOCAL"));
    }
    mr_strv_free(v);
    if (r == 0 && hit == neg)
        ipt_never(rd);
    return r;
}

/* -m physdev: a peer's connection to the host is not bridged, and for such
 * a packet each option matches only when negated (xt_physdev). */
static int ipt_physdev(struct ipt_rule_rd *rd, const char *o, const char *arg, bool neg)
{
    if (!mr_strv_contains(rd->modules, "physdev"))
        return ipt_err(rd->c, "%s needs -m physdev", o);
    if (!neg)
        ipt_never(rd);
    return 0;
}

/* --tcp-flags MASK COMP on a SYN: of the flags in MASK, only SYN is set. */
static int ipt_tcp_flags(struct ipt_rule_rd *rd, const char *o, const char *mask,
                         const char *comp, bool neg)
{
    char **m = mr_split_list(mask), **c = mr_split_list(comp);
    unsigned bits[2] = {0, 0};
    bool bad = false;
    for (int pass = 0; pass < 2; pass++)
        for (char **p = pass ? c : m; *p; p++) {
            unsigned b = 0;
            bad = bad || !fw_tcp_flag(*p, &b) || !strcasecmp(*p, "ece") || !strcasecmp(*p, "cwr") ||
                  !strcasecmp(*p, "ecn");
            bits[pass] |= b;
        }
    mr_strv_free(m);
    mr_strv_free(c);
    if (bad)
        return ipt_err(rd->c, "'%s %s' are not TCP flags", mask, comp);
    (void)o;
    /* Judged per packet: the SYN and the packets after it differ. */
    struct cond *f = fw_add_cond(rd->r, C_FLAGS, neg);
    f->flags_mask = bits[0];
    f->flags_want = bits[1];
    return 0;
}

/* One row per option, so that which options take a value is said once. */
static const struct ipt_option {
    const char *names[6];
    bool has_arg;
    ipt_option_fn *read; /* NULL: the value does not matter here */
} ipt_options[] = {
    {{"-s", "--source", "--src", "-d", "--destination", "--dst"}, true, ipt_address},
    {{"-p", "--protocol"}, true, ipt_protocol},
    {{"-i", "--in-interface"}, true, ipt_in_iface},
    {{"-o", "--out-interface"}, true, ipt_out_iface},
    {{"-f", "--fragment"}, false, ipt_fragment},
    {{"-m", "--match"}, true, ipt_match},
    {{"-j", "--jump", "-g", "--goto"}, true, ipt_target},
    {{"--dport", "--destination-port", "--sport", "--source-port"}, true, ipt_port},
    {{"--dports", "--destination-ports", "--sports", "--source-ports", "--ports"}, true, ipt_ports},
    {{"--state", "--ctstate"}, true, ipt_state},
    {{"--syn"}, false, ipt_syn},
    {{"--src-type", "--dst-type"}, true, ipt_addrtype},
    {{"--limit-iface-in", "--limit-iface-out"}, false, NULL},
    {{"--physdev-in", "--physdev-out"}, true, ipt_physdev},
    {{"--physdev-is-in", "--physdev-is-out", "--physdev-is-bridged"}, false, ipt_physdev},
    {{"--comment", "--icmp-type", "--icmpv6-type"}, true, NULL},
};

static const struct ipt_option *ipt_find_option(const char *o)
{
    for (size_t i = 0; i < MR_ARRAY_SIZE(ipt_options); i++)
        for (size_t k = 0; k < MR_ARRAY_SIZE(ipt_options[i].names) && ipt_options[i].names[k];
             k++)
            if (!strcmp(o, ipt_options[i].names[k]))
                return &ipt_options[i];
    return NULL;
}

/* One option of -A's rule; I is advanced past what it consumed. */
static int ipt_option(struct ipt_rule_rd *rd, char **w, size_t *i, bool neg)
{
    const char *o = w[*i];
    const char *arg = w[*i + 1];
    /* iptables' old syntax put the "!" after the option: -s ! 10.0.0.0/8. */
    if (arg && strcmp(arg, "!") == 0 &&
        (!strcmp(o, "-s") || !strcmp(o, "-d") || !strcmp(o, "-p") || !strcmp(o, "-i"))) {
        neg = !neg;
        (*i)++;
        arg = w[*i + 1];
    }
    if (!strcmp(o, "--tcp-flags")) {
        if (!rd->tcp && !mr_strv_contains(rd->modules, "tcp"))
            return ipt_err(rd->c, "%s needs -p tcp", o);
        if (!arg || !w[*i + 2] || w[*i + 2][0] == '-')
            return ipt_err(rd->c, "%s needs a mask and the flags set", o);
        *i += 2;
        return ipt_tcp_flags(rd, o, arg, w[*i], neg);
    }
    const struct ipt_option *opt = ipt_find_option(o);
    if (opt) {
        if (!opt->has_arg) {
            arg = NULL;
        } else {
            if (!arg || (arg[0] == '-' && arg[1] == '-') || strcmp(arg, "!") == 0)
                return ipt_err(rd->c, "%s needs a value (a truncated line?)", o);
            (*i)++;
        }
        return opt->read ? opt->read(rd, o, arg, neg) : 0;
    }
    if (o[0] == '-' && o[1] == '-' &&
        (rd->unknown_module || rd->after_target || mr_strv_len(rd->modules) > 0)) {
        /* An option of a target or of a match we do not read: its value, if any. */
        if (!rd->after_target && !rd->unknown_module)
            fw_add_opaque(rd->r, "%s", o);
        while (w[*i + 1] && w[*i + 1][0] != '-' && strcmp(w[*i + 1], "!") != 0)
            (*i)++;
        return 0;
    }
    return ipt_err(rd->c, "unknown option '%s'", o);
}

static int ipt_rule(struct ipt_ctx *c, struct mr_fw_ruleset *rs, const char *table, char **w,
                    const char *text)
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
        if (w[i] && fw_parse_uint(w[i], INT_MAX, &n)) {
            pos = n > 0 ? (int)n - 1 : 0;
            i++;
        }
    }
    struct ipt_rule_rd rd = {
        .c = c,
        .r = fw_rule_new(c->has_lines ? c->origin : NULL, c->has_lines ? c->line : 0, text),
        .modules = mr_xcalloc(1, sizeof(char *)),
    };
    bool neg = false;
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
        ret = ipt_option(&rd, w, &i, neg);
        if (ret < 0)
            break;
        neg = false;
    }
    mr_strv_free(rd.modules);
    if (ret < 0) {
        fw_rule_free(rd.r);
        return ret;
    }
    if (strcmp(table, "filter") != 0) {
        fw_rule_free(rd.r);
        return 0;
    }
    fw_chain_add_rule(fw_get_chain(rs, "ip", "filter", chain_name), rd.r, pos);
    return 0;
}

/* ":NAME POLICY [packets:bytes]" (S is what follows the colon). */
static int ipt_chain_line(struct ipt_ctx *c, struct mr_fw_ruleset *rs, const char *table,
                          const char *s)
{
    char **w = NULL;
    if (split_words(s, &w) < 0 || !w[0] || !w[1]) {
        mr_strv_free(w);
        return ipt_err(c, "a chain line needs a name and a policy");
    }
    if (!strcmp(table, "filter")) {
        struct mr_fw_chain *ch = fw_get_chain(rs, "ip", "filter", w[0]);
        free(ch->file);
        ch->file = c->has_lines ? mr_xstrdup(c->origin) : NULL;
        ch->line = c->has_lines ? c->line : 0;
        if (!strcmp(w[1], "ACCEPT")) {
            ch->policy = T_ACCEPT;
        } else if (!strcmp(w[1], "DROP")) {
            ch->policy = T_DROP;
        } else if (strcmp(w[1], "-") != 0) {
            int r = ipt_err(c, "unknown policy '%s'", w[1]);
            mr_strv_free(w);
            return r;
        }
        ch->base = !strcmp(w[0], "INPUT");
    }
    mr_strv_free(w);
    return 0;
}

/* A line of iptables commands: -A, -I, -N, -P, -F, -X, -Z. */
static int ipt_command(struct ipt_ctx *c, struct mr_fw_ruleset *rs, const char *table,
                       const char *s)
{
    char **w = NULL;
    if (split_words(s, &w) < 0)
        return ipt_err(c, "unterminated quote");
    int r = 0;
    size_t k = w[0] && w[0][0] == '[' ? 1 : 0;
    const char *cmd = w[k] ? w[k] : "";
    if (!strcmp(cmd, "-A") || !strcmp(cmd, "--append") || !strcmp(cmd, "-I") ||
        !strcmp(cmd, "--insert")) {
        r = ipt_rule(c, rs, table, w, s);
    } else if ((!strcmp(cmd, "-N") || !strcmp(cmd, "--new-chain")) && w[k + 1]) {
        if (!strcmp(table, "filter"))
            fw_get_chain(rs, "ip", "filter", w[k + 1]);
    } else if ((!strcmp(cmd, "-P") || !strcmp(cmd, "--policy")) && w[k + 1] && w[k + 2]) {
        if (!strcmp(table, "filter")) {
            struct mr_fw_chain *ch = fw_get_chain(rs, "ip", "filter", w[k + 1]);
            ch->policy = !strcmp(w[k + 2], "DROP") ? T_DROP : T_ACCEPT;
            ch->base = !strcmp(w[k + 1], "INPUT");
            ch->file = c->has_lines && !ch->file ? mr_xstrdup(c->origin) : ch->file;
            ch->line = c->has_lines ? c->line : 0;
        }
    } else if (!strcmp(cmd, "-F") || !strcmp(cmd, "--flush") || !strcmp(cmd, "-X") ||
               !strcmp(cmd, "-Z")) {
        /* iptables-restore flushes the table anyway. */
    } else {
        r = ipt_err(c, "unknown command '%s'", cmd);
    }
    mr_strv_free(w);
    return r;
}

/* One line, S, stripped; *TABLE is the table it is in (NULL: between tables). */
static int ipt_line(struct ipt_ctx *c, struct mr_fw_ruleset *rs, char **table, char *s)
{
    if (!*s || *s == '#')
        return 0;
    if (*s == '*') {
        if (*table)
            return ipt_err(c, "table %s starts before COMMIT of table %s", s + 1, *table);
        *table = mr_xstrdup(mr_strip(s + 1));
        return 0;
    }
    if (!strcmp(s, "COMMIT")) {
        if (!*table)
            return ipt_err(c, "COMMIT outside a table");
        free(*table);
        *table = NULL;
        return 0;
    }
    if (!*table)
        return ipt_err(c, "'%.40s' outside a table (no *filter line before it)", s);
    if (*s == ':')
        return ipt_chain_line(c, rs, *table, s + 1);
    if (*s == '-' || *s == '[')
        return ipt_command(c, rs, *table, s);
    return ipt_err(c, "'%.40s' is not iptables-save syntax", s);
}

/* A jump to a name that is no chain is a target this evaluator does not know. */
static void ipt_unknown_targets(struct mr_fw_ruleset *rs)
{
    for (size_t i = 0; i < rs->n_chains; i++)
        for (size_t j = 0; j < rs->chains[i]->n_rules; j++) {
            struct mr_fw_rule *ru = rs->chains[i]->rules[j];
            if ((ru->target == T_JUMP || ru->target == T_GOTO) &&
                !fw_find_chain(rs, "ip", "filter", ru->target_arg))
                ru->target = T_UNKNOWN;
        }
}

int mr_fw_parse_iptables(const char *text, const char *origin, bool has_lines,
                         struct mr_fw_ruleset **ret, char **ret_msg)
{
    struct mr_fw_ruleset *rs = fw_ruleset_new(MR_FW_IPTABLES, origin);
    struct ipt_ctx c = {.origin = origin, .has_lines = has_lines};
    char *table = NULL;
    int r = 0;
    const char *p = text;
    while (r == 0 && *p) {
        c.line++;
        size_t n = strcspn(p, "\n");
        char *line = mr_xstrndup(p, n);
        p += n + (p[n] == '\n');
        if (!is_text(line, n))
            r = ipt_err(&c, "not iptables-save text (binary data)");
        else
            r = ipt_line(&c, rs, &table, mr_strip(line));
        free(line);
    }
    if (r == 0 && table) {
        c.line++;
        r = ipt_err(&c, "table %s has no COMMIT (a truncated file?)", table);
    }
    free(table);
    if (r < 0) {
        *ret_msg = c.err;
        mr_fw_ruleset_free(rs);
        return r;
    }
    ipt_unknown_targets(rs);
    free(c.err);
    *ret = rs;
    return 0;
}
