/* The reader of nftables.conf (`nft -f` syntax) and its includes
 * (mr_fw_parse_nft_text). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "fw-internal.h"

/* nft's own limit: deeper, `nft -f` refuses the file ("Include nested too deeply"). */
#define MAX_INCLUDE_DEPTH 16
/* Files read in all, counting a file each time it is included: globs that
 * include each other fan out (3 files 16 deep are 3^16 reads). */
#define MAX_INCLUDE_FILES 1000

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
    const char *open[MAX_INCLUDE_DEPTH + 1]; /* the files being read, outermost first */
    size_t n_files;
    bool too_many; /* MAX_INCLUDE_FILES was reached: no more are read */
    char *err;
};

static void toks_free(struct tok *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(t[i].s);
    free(t);
}

/* Grows by doubling: a large file has millions of tokens. */
static void tok_push(struct tok **t, size_t *n, const char *s, size_t len, int line, bool q)
{
    if ((*n & (*n - 1)) == 0) /* 0, 1, 2, 4, ...: full */
        *t = mr_xrealloc(*t, (*n ? 2 * *n : 1) * sizeof(**t));
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

/* The elements of "{ KEY : VERDICT, ... }" at *I, or NULL (and *I past
 * what was read) when it is not such a map: a named map, a concatenation. */
static struct fw_vmap *nft_vmap(const struct tok *w, size_t n, size_t *i)
{
    if (*i >= n || w[*i].quoted || strcmp(w[*i].s, "{") != 0) {
        if (*i < n)
            (*i)++;
        return NULL;
    }
    struct fw_vmap *m = mr_xcalloc(1, sizeof(*m));
    m->keys = mr_xcalloc(1, sizeof(char *));
    m->verdicts = mr_xcalloc(1, sizeof(char *));
    bool ok = true;
    (*i)++;
    while (*i < n && (w[*i].quoted || strcmp(w[*i].s, "}") != 0)) {
        if (!strcmp(w[*i].s, "\n") || !strcmp(w[*i].s, ",")) {
            (*i)++;
            continue;
        }
        /* KEY : VERB [CHAIN] */
        if (*i + 2 >= n || strcmp(w[*i + 1].s, ":") != 0 || !is_verdict_word(w[*i + 2].s)) {
            ok = false;
            (*i)++;
            continue;
        }
        const char *verb = w[*i + 2].s;
        bool to_chain = !strcmp(verb, "jump") || !strcmp(verb, "goto");
        if (to_chain && *i + 3 >= n) {
            ok = false;
            break;
        }
        char *v = to_chain ? mr_xasprintf("%s %s", verb, w[*i + 3].s) : mr_xstrdup(verb);
        mr_strv_push(&m->keys, w[*i].s);
        mr_strv_push(&m->verdicts, v);
        free(v);
        *i += to_chain ? 4 : 3;
    }
    if (*i < n)
        (*i)++;
    if (!ok) {
        fw_vmap_free(m);
        return NULL;
    }
    return m;
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
        fw_add_opaque(r, "%s %s", label, w[*i].s);
        (*i)++;
        bool bad;
        mr_strv_free(nft_values(np, w, n, i, &bad));
        return;
    }
    if (*i < n && !strcmp(w[*i].s, "vmap")) {
        (*i)++;
        struct fw_vmap *m = nft_vmap(w, n, i);
        if (!m) {
            r->target = T_UNKNOWN;
            free(r->target_arg);
            r->target_arg = mr_xasprintf("a verdict map on %s it cannot read", label);
            return;
        }
        *m = (struct fw_vmap){.kind = kind, .sel = (int)sel, .family = family,
                              .proto = proto ? mr_xstrdup(proto) : NULL,
                              .label = mr_xstrdup(label), .keys = m->keys,
                              .verdicts = m->verdicts};
        fw_vmap_free(r->vmap);
        r->vmap = m;
        return;
    }
    bool bad;
    char **vals = nft_values(np, w, n, i, &bad);
    if (bad || !vals[0]) {
        fw_add_opaque(r, "%s with a value it cannot read", label);
        mr_strv_free(vals);
        return;
    }
    if (proto) {
        unsigned p = 0;
        fw_parse_proto(proto, &p);
        fw_push_range(fw_add_cond(r, C_PROTO, false), p, p);
    }
    if (family && kind != C_SRC && kind != C_DST)
        fw_add_cond(r, C_FAMILY, false)->family = family;
    const char *ref = vals[0][0] == '@' && !vals[1] ? vals[0] : NULL;
    fw_nft_cond(r, kind, sel, family, neg, vals, ref, label);
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

/* A selector of a rule, as json_selector() reads it from JSON. */
struct nft_selector {
    enum cond_kind kind;
    enum nft_sel sel;
    int family;        /* the family a payload match implies; 0: any */
    const char *proto; /* the protocol a port match implies; NULL: none */
    char *label;       /* the selector as written, for messages */
};

/* How many words of K K1 are a selector this reader knows (0: none), and *RET. */
static size_t nft_text_selector(const char *k, const char *k1, struct nft_selector *ret)
{
    *ret = (struct nft_selector){.label = NULL};
    if ((!strcmp(k, "tcp") || !strcmp(k, "udp") || !strcmp(k, "th") || !strcmp(k, "sctp")) &&
        (!strcmp(k1, "dport") || !strcmp(k1, "sport"))) {
        ret->kind = k1[0] == 'd' ? C_DPORT : C_SPORT;
        ret->sel = SEL_PORT;
        ret->proto = strcmp(k, "th") ? k : NULL;
    } else if ((!strcmp(k, "ip") || !strcmp(k, "ip6")) &&
               (!strcmp(k1, "saddr") || !strcmp(k1, "daddr"))) {
        ret->kind = k1[0] == 's' ? C_SRC : C_DST;
        ret->sel = SEL_ADDR;
        ret->family = k[2] ? AF_INET6 : AF_INET;
    } else if ((!strcmp(k, "ip") && !strcmp(k1, "protocol")) ||
               (!strcmp(k, "ip6") && !strcmp(k1, "nexthdr"))) {
        ret->kind = C_PROTO;
        ret->sel = SEL_PROTO;
        ret->family = k[2] ? AF_INET6 : AF_INET;
    } else if (!strcmp(k, "meta") &&
               (!strcmp(k1, "l4proto") || !strcmp(k1, "iifname") || !strcmp(k1, "iif") ||
                !strcmp(k1, "nfproto") || !strcmp(k1, "protocol"))) {
        bool proto = !strcmp(k1, "l4proto");
        bool fam = !strcmp(k1, "nfproto") || !strcmp(k1, "protocol");
        ret->kind = proto ? C_PROTO : fam ? C_FAMILY : C_IIF;
        ret->sel = proto ? SEL_PROTO : fam ? SEL_FAMILY : SEL_IFACE;
    } else if (!strcmp(k, "iifname") || !strcmp(k, "iif") || !strcmp(k, "l4proto")) {
        bool proto = !strcmp(k, "l4proto");
        ret->kind = proto ? C_PROTO : C_IIF;
        ret->sel = proto ? SEL_PROTO : SEL_IFACE;
        ret->label = mr_xstrdup(k);
        return 1;
    } else if (!strcmp(k, "ct") && !strcmp(k1, "state")) {
        ret->kind = C_STATE;
        ret->sel = SEL_STATE;
    } else {
        return 0;
    }
    ret->label = mr_xasprintf("%s %s", k, k1);
    return 2;
}

/* Flags joined by "|" ("(fin|syn|rst|ack)", "syn"), into bits. */
static bool flag_bits(const char *s, unsigned *ret)
{
    char *copy = mr_xstrdup(s);
    unsigned bits = 0;
    bool ok = true;
    for (char *p = copy, *save = NULL, *f; ok && (f = strtok_r(p, "()|", &save)); p = NULL) {
        unsigned b = 0;
        ok = fw_tcp_flag(f, &b) && strcasecmp(f, "all") && strcasecmp(f, "none");
        bits |= b;
    }
    free(copy);
    *ret = bits;
    return ok && bits;
}

/* tcp flags & (MASK) == VALUE, or != VALUE, from W[FROM] (after "tcp
 * flags"), *I then past it; the words are joined first, for "(syn | ack)"
 * is three words. False, *I unmoved, when the expression has another shape. */
static bool nft_tcp_flags(struct mr_fw_rule *r, const struct tok *w, size_t n, size_t from,
                          size_t *i)
{
    char *e = mr_xstrdup("");
    size_t j = from;
    for (; j < n && !w[j].quoted && strspn(w[j].s, "()|&!=abcdefghijklmnopqrstuvwxyz") ==
                                        strlen(w[j].s) && strcmp(w[j].s, "ct") &&
                                        strcmp(w[j].s, "counter") && !is_verdict_word(w[j].s) &&
                                        strcmp(w[j].s, "log") && strcmp(w[j].s, "comment") &&
                                        strcmp(w[j].s, "limit") && strcmp(w[j].s, "meta");
         j++) {
        char *x = mr_xasprintf("%s%s", e, w[j].s);
        free(e);
        e = x;
    }
    unsigned mask = 0xff, want = 0;
    bool ok = false, ne = false;
    char *op = strstr(e, "!=") ? strstr(e, "!=") : strstr(e, "==");
    if (op && e[0] == '&') {
        ne = op[0] == '!';
        *op = '\0';
        ok = flag_bits(e + 1, &mask) && flag_bits(op + 2, &want);
    } else if (op && op == e) {
        ne = op[0] == '!';
        ok = flag_bits(op + 2, &want);
    }
    free(e);
    if (!ok)
        return false;
    struct cond *c = fw_add_cond(r, C_FLAGS, ne);
    c->flags_mask = mask;
    c->flags_want = want;
    *i = j;
    return true;
}

/* fib daddr [. iif] type [!=] TYPES, from W[FROM]: a peer's connection is
 * to an address local to this host, so only "local" matches it (never
 * unicast, multicast or broadcast, as fib reports them). False, *I unmoved,
 * for another shape. */
static bool nft_fib_type(struct nft_parser *np, struct mr_fw_rule *r, const struct tok *w,
                         size_t n, size_t from, size_t *i)
{
    size_t j = from;
    if (j + 1 < n && !strcmp(w[j].s, ".") && (!strcmp(w[j + 1].s, "iif") ||
                                               !strcmp(w[j + 1].s, "oif")))
        j += 2;
    if (j >= n || strcmp(w[j].s, "type") != 0)
        return false;
    j++;
    bool neg = false, bad = false;
    if (j < n && (!strcmp(w[j].s, "!=") || !strcmp(w[j].s, "==")))
        neg = w[j++].s[0] == '!';
    char **v = nft_values(np, w, n, &j, &bad);
    bool hit = false;
    for (size_t k = 0; v && v[k]; k++)
        hit = hit || !strcmp(v[k], "local");
    mr_strv_free(v);
    if (bad)
        return false;
    if (hit == neg)
        fw_add_cond(r, C_PROTO, false); /* never holds */
    *i = j;
    return true;
}

static struct mr_fw_rule *nft_text_rule(struct nft_parser *np, const char *file,
                                        const struct stmt *s, size_t from)
{
    char *text = stmt_text(&(struct stmt){s->t + from, s->n - from, false});
    struct mr_fw_rule *r = fw_rule_new(file, s->t[from].line, text);
    free(text);
    const struct tok *w = s->t;
    size_t n = s->n;
    for (size_t i = from; i < n;) {
        const char *k = w[i].s;
        const char *k1 = i + 1 < n ? w[i + 1].s : "";
        struct nft_selector sel;
        size_t words;
        if (!strcmp(k, "\n") || !strcmp(k, ",")) {
            i++;
        } else if ((words = nft_text_selector(k, k1, &sel)) > 0) {
            i += words;
            nft_text_match(np, r, w, n, &i, sel.kind, sel.sel, sel.family, sel.proto, sel.label);
            free(sel.label);
        } else if (!strcmp(k, "fib") && !strcmp(k1, "daddr") && nft_fib_type(np, r, w, n, i + 2,
                                                                                &i)) {
            /* read */
        } else if (!strcmp(k, "tcp") && !strcmp(k1, "flags") &&
                   nft_tcp_flags(r, w, n, i + 2, &i)) {
            /* judged per packet: the SYN and the packets after it differ */
            fw_push_range(fw_add_cond(r, C_PROTO, false), 6, 6);
        } else if ((!strcmp(k, "icmp") || !strcmp(k, "icmpv6") || !strcmp(k, "udp") ||
                    !strcmp(k, "igmp")) && i + 1 < n) {
            /* A header match of another protocol: never a TCP SYN. */
            fw_push_range(fw_add_cond(r, C_PROTO, false), 0, 0);
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
        } else if (!strcmp(k, "limit") && !strcmp(k1, "rate")) {
            /* limit rate [over] N[/UNIT] [BYTES/UNIT] [burst N [UNIT]]: a rate,
             * never known offline; a statement, not a verdict. */
            i += 2;
            if (i < n && !strcmp(w[i].s, "over"))
                i++;
            if (i < n)
                i++;
            if (i < n && strchr(w[i].s, '/'))
                i++;
            if (i + 1 < n && !strcmp(w[i].s, "burst")) {
                i += 2;
                if (i < n && (!strcmp(w[i].s, "packets") || strstr(w[i].s, "bytes")))
                    i++;
            }
            fw_add_opaque(r, "a rate limit");
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
                fw_add_opaque(r, "'%s %s'", k, i + 1 < j ? k1 : "");
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
        fw_add_nft_rule(ch, nft_text_rule(np, f->file, &s, 0), -1);
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
            struct mr_fw_chain *ch = fw_get_chain(np->rs, family, table, s.t[1].s);
            chain_body(np, f, i, ch);
        } else if (!strcmp(w0, "set") && s.n >= 2 && s.opens_block) {
            char **elems = mr_xcalloc(1, sizeof(char *));
            set_body(f, i, &elems);
            fw_add_set(np->rs, family, table, s.t[1].s, elems);
        } else if (s.opens_block) {
            skip_block(f, i); /* maps, flowtables, named objects */
        } else if (!strcmp(w0, "flags") || !strcmp(w0, "comment")) {
            /* table flags (dormant is rare enough to leave to the reader) */
        } else {
            fw_set_problem(np->rs, f->file, s.t[0].line, "'%s' in table %s %s", w0, family, table);
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
        fw_set_problem(np->rs, file, line, "include \"%s\"", pattern);
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
            fw_set_problem(np->rs, file, line, "include \"%s\", which cannot be read (%s)", pattern,
                        strerror(-r));
        free(pat);
        return;
    }
    for (size_t k = 0; paths[k] && !np->err && !np->too_many; k++) {
        /* A file that includes itself, directly or not, nests without end:
         * nft -f gives up at 16 levels and loads nothing. */
        for (int d = 0; d <= np->depth && !np->err; d++)
            if (!strcmp(np->open[d], paths[k]))
                nft_err(np, file, line,
                        "include \"%s\" reads %s again, which includes itself: nft -f refuses "
                        "it (include nested more than %d deep)",
                        pattern, paths[k], MAX_INCLUDE_DEPTH);
        if (!np->err && np->depth >= MAX_INCLUDE_DEPTH)
            nft_err(np, file, line, "include \"%s\" nests includes more than %d deep: nft -f "
                    "refuses it", pattern, MAX_INCLUDE_DEPTH);
        if (!np->err && ++np->n_files > MAX_INCLUDE_FILES) {
            fw_set_problem(np->rs, file, line, "include \"%s\", which reads more than %d files "
                           "in all", pattern, MAX_INCLUDE_FILES);
            np->too_many = true;
        }
        if (np->err || np->too_many)
            break;
        np->depth++;
        np->open[np->depth] = paths[k];
        parse_nft_file(np, paths[k], texts[k]);
        np->depth--;
    }
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
            struct mr_fw_chain *ch = fw_get_chain(np->rs, family, table, s.t[k].s);
            if (s.opens_block)
                chain_body(np, &f, &i, ch);
        } else if ((!strcmp(w0, "add") || !strcmp(w0, "insert")) && s.n > 1 &&
                   !strcmp(s.t[1].s, "rule")) {
            k = 2;
            if (!family_table(&s, &k, &family, &table) || k + 1 >= s.n) {
                nft_err(np, file, line, "a rule needs a table, a chain and an expression");
                break;
            }
            struct mr_fw_chain *ch = fw_get_chain(np->rs, family, table, s.t[k].s);
            k++;
            if (k + 1 < s.n && (!strcmp(s.t[k].s, "position") || !strcmp(s.t[k].s, "handle") ||
                                !strcmp(s.t[k].s, "index"))) {
                fw_set_problem(np->rs, file, line, "a rule placed by %s", s.t[k].s);
                k += 2;
            }
            fw_add_nft_rule(ch, nft_text_rule(np, file, &s, k), w0[0] == 'i' ? 0 : -1);
        } else if (!strcmp(w0, "flush") && s.n > 1 && !strcmp(s.t[1].s, "ruleset")) {
            fw_ruleset_clear(np->rs);
        } else if (!strcmp(w0, "flush") || !strcmp(w0, "delete") || !strcmp(w0, "destroy")) {
            /* Flushing or deleting a table before redefining it: what follows defines it. */
            if (s.n > 1 && strcmp(s.t[1].s, "table") != 0)
                fw_set_problem(np->rs, file, line, "'%s %s'", w0, s.t[1].s);
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
            fw_set_problem(np->rs, file, line, "'%s'", w0);
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
    struct nft_parser np = {.rs = fw_ruleset_new(MR_FW_NFT, file), .include = include,
                            .userdata = userdata};
    np.open[0] = file;
    int r = parse_nft_file(&np, file, text);
    mr_strv_free(np.define_names);
    mr_strv_free(np.define_values);
    if (r < 0) {
        *ret_msg = np.err ? np.err : mr_xasprintf("%s: cannot be read", file);
        mr_fw_ruleset_free(np.rs);
        return r;
    }
    free(np.err);
    fw_resolve_sets(np.rs);
    fw_resolve_jumps(np.rs);
    *ret = np.rs;
    return 0;
}
