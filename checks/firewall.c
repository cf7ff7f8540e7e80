/* firewall.ports: do the saved and the loaded firewall rules let a peer open
 * new TCP connections to libvirt's port, QEMU's migration range and SSH? The
 * rules are evaluated by src/fw/model.c as the kernel walks them; a rule it
 * cannot read makes the answer a warn, never a guess. */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "checks.h"
#include "ctx.h"
#include "fwrules.h"
#include "hostsfile.h"
#include "libvirtconf.h"
#include "netaddr.h"
#include "ops.h"
#include "firewall-targets.h"

/* A neutron host with 5,000 ports saves 14 MB; nothing real comes near 64 MiB. */
#define MAX_RULES_FILE (64u << 20)
#define RUN_TIMEOUT_MS 10000
#define REPRESENTATIVE_ADDR MR_FW_ANY_ADDR

struct target {
    char *label; /* "libvirt's port 16509 (tcp transport)" */
    const char *what; /* "libvirt", "migration", "ssh": the fixer's name for it */
    unsigned lo, hi;
};

/* Who asks: the peers' addresses, and for the fixer each peer as named with
 * its addresses ("" when it does not resolve, so that the fixer can look it
 * up in the /etc/hosts that hosts.resolution's fix plans). */
struct askers {
    char **addrs;
    bool known; /* ADDRS are the peers', not MR_FW_ANY_ADDR */
    char **each; /* aligned with ctx->peers: "ADDR,ADDR" or "" */
};

struct source {
    char *name; /* a file as seen in the root, or the command that listed the rules */
    bool live;
    struct mr_fw_ruleset *rs;
};

/* ---- inputs ---- */

static size_t targets_for(const struct mr_ctx *ctx, struct target *t)
{
    struct mr_fw_targets ft;
    mr_fw_targets_for(ctx, &ft);
    bool ssh = !strcmp(ft.transport, "ssh");
    for (size_t k = 0; k < ft.n; k++) {
        unsigned lo = ft.v[k].lo, hi = ft.v[k].hi;
        char *label = NULL;
        switch (ft.v[k].kind) {
        case MR_FW_PORT_LIBVIRT:
            label = mr_xasprintf("libvirt's port %u (%s transport)", lo, ft.transport);
            break;
        case MR_FW_PORT_MIGRATION:
            label = mr_xasprintf("the migration ports %u-%u", lo, hi);
            break;
        case MR_FW_PORT_SSH:
            label = mr_xstrdup(ssh ? "SSH port 22 (ssh transport, resize)"
                                   : "SSH port 22 (resize, copying disks)");
            break;
        }
        t[k] = (struct target){label, mr_fw_port_kind_name(ft.v[k].kind), lo, hi};
    }
    return ft.n;
}

/* The peers' addresses; notes the names that do not resolve. */
static char **peer_addresses(const struct mr_ctx *ctx, struct mr_result *notes, char ***ret_each)
{
    char **out = mr_xcalloc(1, sizeof(char *));
    char **each = mr_xcalloc(1, sizeof(char *));
    struct mr_hosts *hosts = NULL;
    bool hosts_read = false;
    for (size_t i = 0; ctx->peers && ctx->peers[i]; i++) {
        const char *p = ctx->peers[i];
        size_t before = mr_strv_len(out);
        if (mr_addr_is_literal(p)) {
            if (!mr_strv_contains(out, p))
                mr_strv_push(&out, p);
        } else {
            if (!hosts_read && mr_hosts_read(ctx->root, &hosts, NULL) < 0)
                hosts = NULL;
            hosts_read = true;
            mr_fw_peer_lookup(ctx, p, hosts, &out);
        }
        char *mine = mr_strv_join(out + before, ",");
        mr_strv_push(&each, mine);
        free(mine);
        if (mr_strv_len(out) == before)
            mr_report(notes, MR_PASS,
                      "peer %s does not resolve%s, so its address is not checked (see "
                      "hosts.resolution)",
                      p, ctx->live ? "" : " in /etc/hosts");
    }
    mr_hosts_free(hosts);
    *ret_each = each;
    return out;
}

/* ---- reading the rules ---- */

/* "FILE:LINE: message" from a parser: the line, 0 when there is none. */
static int msg_line(const char *msg, const char *origin)
{
    size_t n = strlen(origin);
    if (strncmp(msg, origin, n) != 0 || msg[n] != ':')
        return 0;
    return atoi(msg + n + 1);
}

static struct mr_finding *report_parse_error(struct mr_result *res, const char *file,
                                             const char *msg)
{
    /* Parsers name the file that failed, which may be an include. */
    const char *colon = strchr(msg, ':');
    char *where = colon ? mr_xstrndup(msg, (size_t)(colon - msg)) : mr_xstrdup(file);
    struct mr_finding *f = mr_report(res, MR_ERROR, "cannot read the firewall rules: %s", msg);
    if (where[0] == '/')
        mr_finding_at(f, where, msg_line(msg, where));
    free(where);
    return f;
}

struct include_ud {
    const struct mr_ctx *ctx;
};

static int read_text(const struct mr_ctx *ctx, const char *path, char **ret)
{
    char *buf = NULL;
    size_t len = 0;
    int r = mr_root_read(ctx->root, path, MAX_RULES_FILE, &buf, &len);
    if (r < 0)
        return r;
    if (memchr(buf, '\0', len)) {
        /* Keep the text up to the NUL and a control byte, so the parser names the line. */
        buf[strlen(buf)] = '\0';
        size_t k = strlen(buf);
        buf = mr_xrealloc(buf, k + 2);
        buf[k] = '\x01';
        buf[k + 1] = '\0';
    }
    *ret = buf;
    return 0;
}

static int include_files(void *userdata, const char *pattern, char ***ret_paths,
                         char ***ret_texts)
{
    const struct include_ud *ud = userdata;
    char **paths = mr_xcalloc(1, sizeof(char *)), **texts = mr_xcalloc(1, sizeof(char *));
    const char *slash = strrchr(pattern, '/');
    char *dir = mr_xstrndup(pattern, slash && slash != pattern ? (size_t)(slash - pattern) : 1);
    const char *base = slash ? slash + 1 : pattern;
    int r = 0;
    if (strpbrk(base, "*?[")) {
        char **names = NULL;
        r = mr_root_list(ud->ctx->root, dir, NULL, &names);
        for (size_t i = 0; r == 0 && names && names[i]; i++)
            if (fnmatch(base, names[i], 0) == 0) {
                char *p = mr_xasprintf("%s/%s", strcmp(dir, "/") ? dir : "", names[i]);
                char *t = NULL;
                if (read_text(ud->ctx, p, &t) == 0) {
                    mr_strv_push(&paths, p);
                    mr_strv_push(&texts, t);
                }
                free(t);
                free(p);
            }
        mr_strv_free(names);
    } else {
        char *t = NULL;
        r = read_text(ud->ctx, pattern, &t);
        if (r == 0) {
            mr_strv_push(&paths, pattern);
            mr_strv_push(&texts, t);
        }
        free(t);
    }
    free(dir);
    if (r < 0) {
        mr_strv_free(paths);
        mr_strv_free(texts);
        return r;
    }
    *ret_paths = paths;
    *ret_texts = texts;
    return 0;
}

static void add_source(struct source **v, size_t *n, const char *name, bool live,
                       struct mr_fw_ruleset *rs)
{
    *v = mr_xrealloc(*v, (*n + 1) * sizeof(**v));
    (*v)[(*n)++] = (struct source){mr_xstrdup(name), live, rs};
}

/* Whether firewalld starts at boot: installed is not enough (Debian hosts
 * that run nftables.conf may carry the package). A masked unit never
 * starts; an enabled one has its multi-user.target.wants link (systemctl
 * enable, or the distribution's preset at install). One started by hand
 * shows in the loaded rules, which a live check reads anyway. */
static bool firewalld_starts(const struct mr_ctx *ctx, struct mr_result *res)
{
    static const char *const masks[] = {"/etc/systemd/system/firewalld.service",
                                        "/run/systemd/system/firewalld.service"};
    static const char *const wants[] = {
        "/etc/systemd/system/multi-user.target.wants/firewalld.service",
        "/usr/lib/systemd/system/multi-user.target.wants/firewalld.service",
        "/lib/systemd/system/multi-user.target.wants/firewalld.service"};
    struct stat st;
    /* A mask is a link to /dev/null, which (resolved inside the root) is
     * the character device or, in a copied tree, nothing at all. */
    for (size_t i = 0; i < MR_ARRAY_SIZE(masks); i++) {
        if (mr_root_stat(ctx->root, masks[i], &st, true) < 0 || !S_ISLNK(st.st_mode))
            continue;
        if (mr_root_stat(ctx->root, masks[i], &st, false) < 0 || S_ISCHR(st.st_mode)) {
            mr_report(res, MR_PASS, "firewalld is masked (%s): its zones are not judged",
                      masks[i]);
            return false;
        }
    }
    for (size_t i = 0; i < MR_ARRAY_SIZE(wants); i++)
        if (mr_root_stat(ctx->root, wants[i], &st, true) == 0)
            return true;
    mr_report(res, MR_PASS,
              "firewalld is installed but not enabled (no multi-user.target.wants link): its "
              "zones in %s are not judged%s",
              MR_FW_FIREWALLD_DIR, ctx->live ? "; the loaded rules are" : "");
    return false;
}

static void load_saved(const struct mr_ctx *ctx, struct mr_result *res, struct source **v,
                       size_t *n)
{
    for (size_t i = 0; i < mr_fw_n_saved_files; i++) {
        const char *path = mr_fw_saved_files[i].path;
        char *text = NULL, *msg = NULL;
        int r = read_text(ctx, path, &text);
        if (r == -ENOENT)
            continue;
        if (r < 0) {
            struct mr_finding *f = mr_report(res, MR_ERROR, "cannot read %s: %s", path,
                                             r == -EFBIG ? "too large (limit 64 MiB)"
                                                         : strerror(-r));
            mr_finding_at(f, path, 0);
            continue;
        }
        struct mr_fw_ruleset *rs = NULL;
        struct include_ud ud = {ctx};
        r = mr_fw_saved_files[i].nft
                ? mr_fw_parse_nft_text(text, path, include_files, &ud, &rs, &msg)
                : mr_fw_parse_iptables(text, path, true, &rs, &msg);
        free(text);
        if (r < 0) {
            struct mr_finding *f = report_parse_error(res, path, msg);
            mr_finding_remedy(f, "correct %s (%s would refuse it and load no rules at boot)",
                              path, mr_fw_saved_files[i].nft ? "nft -f" : "iptables-restore");
            free(msg);
            continue;
        }
        add_source(v, n, path, false, rs);
    }
    /* firewalld, the default on RHEL-family hosts: its zones, not a rule file. */
    struct stat st;
    if (mr_root_stat(ctx->root, MR_FW_FIREWALLD_DIR, &st, false) == 0 && S_ISDIR(st.st_mode) &&
        firewalld_starts(ctx, res)) {
        struct mr_fw_ruleset *rs = NULL;
        char *msg = NULL;
        if (mr_fw_parse_firewalld(ctx->root, &rs, &msg) < 0) {
            struct mr_finding *f = report_parse_error(res, MR_FW_FIREWALLD_DIR, msg);
            mr_finding_remedy(f, "correct it (firewalld refuses a zone it cannot read, and "
                              "firewall-offline-cmd --check-config names the problem)");
            free(msg);
        } else {
            add_source(v, n, MR_FW_FIREWALLD_DIR, false, rs);
        }
    }
}

static void load_live(const struct mr_ctx *ctx, struct mr_result *res, struct source **v,
                      size_t *n)
{
    static const char *const ipt[] = {"iptables-save", NULL};
    static const char *const nft[] = {"nft", "-j", "list", "ruleset", NULL};
    bool ipt_nft = false;
    char *out = NULL, *msg = NULL;
    struct mr_fw_ruleset *rs = NULL;
    int r = ctx->ops->run(ipt, RUN_TIMEOUT_MS, &out);
    if (r == 0) {
        ipt_nft = strstr(out, "(nf_tables)") != NULL;
        if (mr_fw_parse_iptables(out, "iptables-save", false, &rs, &msg) < 0) {
            mr_report(res, MR_ERROR, "cannot read the loaded iptables rules: %s", msg);
            free(msg);
        } else {
            add_source(v, n, "iptables-save", true, rs);
        }
    } else if (r != -ENOENT) {
        struct mr_finding *f = mr_report(res, MR_WARN,
                                         "cannot list the loaded iptables rules: iptables-save %s",
                                         r < 0 ? strerror(-r) : "failed");
        mr_finding_remedy(f, "run migready as root, or check the rules with iptables-save");
    }
    free(out);
    out = NULL;
    r = ctx->ops->run(nft, RUN_TIMEOUT_MS, &out);
    if (r == 0) {
        rs = NULL;
        if (mr_fw_parse_nft_json(out, "nft -j list ruleset", &rs, &msg) < 0) {
            mr_report(res, MR_ERROR, "cannot read the loaded nftables rules: %s", msg);
            free(msg);
        } else {
            if (ipt_nft)
                mr_fw_ruleset_drop_iptables_nft(rs);
            add_source(v, n, "nft list ruleset", true, rs);
        }
    } else if (r != -ENOENT) {
        struct mr_finding *f = mr_report(res, MR_WARN,
                                         "cannot list the loaded nftables rules: nft %s",
                                         r < 0 ? strerror(-r) : "failed");
        mr_finding_remedy(f, "run migready as root, or check the rules with nft list ruleset");
    }
    free(out);
}

/* ---- grouping verdicts ---- */

struct group {
    struct mr_fw_verdict v;
    char **addrs;
    unsigned (*ranges)[2];
    size_t n_ranges;
};

static bool same_key(const struct mr_fw_verdict *a, const struct mr_fw_verdict *b)
{
    bool acc_a = a->outcome == MR_FW_ACCEPTED, acc_b = b->outcome == MR_FW_ACCEPTED;
    if (acc_a && acc_b)
        return true; /* which rule accepted does not matter to the operator */
    return a->outcome == b->outcome && a->rule == b->rule && a->chain == b->chain &&
           strcmp(a->reason, b->reason) == 0;
}

static void group_add(struct group **g, size_t *n, const struct mr_fw_verdict *v,
                      const char *addr, unsigned port)
{
    struct group *x = NULL;
    for (size_t i = 0; i < *n && !x; i++)
        if (same_key(&(*g)[i].v, v))
            x = &(*g)[i];
    if (!x) {
        *g = mr_xrealloc(*g, (*n + 1) * sizeof(**g));
        x = &(*g)[(*n)++];
        *x = (struct group){.v = *v, .addrs = mr_xcalloc(1, sizeof(char *))};
    }
    x->v.source_dependent = x->v.source_dependent || v->source_dependent;
    if (!mr_strv_contains(x->addrs, addr))
        mr_strv_push(&x->addrs, addr);
    for (size_t i = 0; i < x->n_ranges; i++) {
        if (port >= x->ranges[i][0] && port <= x->ranges[i][1])
            return;
        if (port == x->ranges[i][1] + 1) {
            x->ranges[i][1] = port;
            return;
        }
    }
    x->ranges = mr_xrealloc(x->ranges, (x->n_ranges + 1) * sizeof(*x->ranges));
    x->ranges[x->n_ranges][0] = port;
    x->ranges[x->n_ranges][1] = port;
    x->n_ranges++;
}

static void groups_free(struct group *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mr_strv_free(g[i].addrs);
        free(g[i].ranges);
    }
    free(g);
}

/* "16509", "49152-49199, 49210-49215" (SEP "-"), or iptables' "49152:49199,..." */
static char *ranges_text(const struct group *g, const char *rsep, const char *lsep)
{
    char *s = mr_xstrdup("");
    for (size_t i = 0; i < g->n_ranges; i++) {
        char *n = g->ranges[i][0] == g->ranges[i][1]
                      ? mr_xasprintf("%s%s%u", s, i ? lsep : "", g->ranges[i][0])
                      : mr_xasprintf("%s%s%u%s%u", s, i ? lsep : "", g->ranges[i][0], rsep,
                                     g->ranges[i][1]);
        free(s);
        s = n;
    }
    return s;
}

static unsigned group_ports(const struct group *g)
{
    unsigned n = 0;
    for (size_t i = 0; i < g->n_ranges; i++)
        n += g->ranges[i][1] - g->ranges[i][0] + 1;
    return n;
}

/* ---- remedies ---- */

/* The rule to add, in the syntax of RS: limited to the peers when known. */
static char *accept_rule(const struct source *s, const struct group *g, bool peers_known,
                         const char *chain)
{
    bool multi = g->n_ranges > 1 || g->ranges[0][0] != g->ranges[0][1];
    if (mr_fw_ruleset_syntax(s->rs) == MR_FW_IPTABLES) {
        char *ports = ranges_text(g, ":", ",");
        char *src = NULL;
        if (peers_known) {
            char **v4 = mr_xcalloc(1, sizeof(char *));
            for (size_t i = 0; g->addrs[i]; i++)
                if (!strchr(g->addrs[i], ':')) {
                    char *a = mr_xasprintf("%s/32", g->addrs[i]);
                    mr_strv_push(&v4, a);
                    free(a);
                }
            char *j = mr_strv_join(v4, ",");
            src = v4[0] ? mr_xasprintf("-s %s ", j) : NULL;
            free(j);
            mr_strv_free(v4);
        }
        char *r = mr_xasprintf("-A %s %s-p tcp -m %s %s %s -j ACCEPT", chain, src ? src : "",
                               multi ? "multiport" : "tcp", multi ? "--dports" : "--dport",
                               ports);
        free(ports);
        free(src);
        return r;
    }
    char *ports = ranges_text(g, "-", ", ");
    char *src = mr_xstrdup("");
    if (peers_known) {
        char **v4 = mr_xcalloc(1, sizeof(char *)), **v6 = mr_xcalloc(1, sizeof(char *));
        for (size_t i = 0; g->addrs[i]; i++)
            mr_strv_push(strchr(g->addrs[i], ':') ? &v6 : &v4, g->addrs[i]);
        char *j4 = mr_strv_join(v4, ", "), *j6 = mr_strv_join(v6, ", ");
        free(src);
        src = v4[0]   ? (v4[1] ? mr_xasprintf("ip saddr { %s } ", j4)
                                 : mr_xasprintf("ip saddr %s ", j4))
              : v6[0] ? (v6[1] ? mr_xasprintf("ip6 saddr { %s } ", j6)
                               : mr_xasprintf("ip6 saddr %s ", j6))
                      : mr_xstrdup("");
        free(j4);
        free(j6);
        mr_strv_free(v4);
        mr_strv_free(v6);
    }
    char *r = g->n_ranges > 1 ? mr_xasprintf("%stcp dport { %s } accept", src, ports)
                              : mr_xasprintf("%stcp dport %s accept", src, ports);
    free(ports);
    free(src);
    return r;
}

/* firewall-cmd's way: a port in the zone, or a rich rule per peer address. */
static void firewalld_remedy(struct mr_finding *f, const struct group *g, bool peers_known,
                             const char *zone)
{
    char *cmds = mr_xstrdup("");
    for (size_t i = 0; i < g->n_ranges; i++) {
        char *port = g->ranges[i][0] == g->ranges[i][1]
                         ? mr_xasprintf("%u", g->ranges[i][0])
                         : mr_xasprintf("%u-%u", g->ranges[i][0], g->ranges[i][1]);
        for (size_t a = 0; peers_known && g->addrs[a]; a++) {
            char *n = mr_xasprintf("%s firewall-cmd --permanent --zone=%s --add-rich-rule='rule "
                                   "family=\"%s\" source address=\"%s\" port port=\"%s\" "
                                   "protocol=\"tcp\" accept';", cmds, zone,
                                   strchr(g->addrs[a], ':') ? "ipv6" : "ipv4", g->addrs[a], port);
            free(cmds);
            cmds = n;
        }
        if (!peers_known) {
            char *n = mr_xasprintf("%s firewall-cmd --permanent --zone=%s --add-port=%s/tcp;",
                                   cmds, zone, port);
            free(cmds);
            cmds = n;
        }
        free(port);
    }
    mr_finding_remedy(f, "run%s then firewall-cmd --reload%s", cmds,
                      peers_known ? "" : " (or limit it to the compute hosts with rich rules)");
    free(cmds);
}

static void remedy(struct mr_finding *f, const struct source *s, const struct group *g,
                   bool peers_known)
{
    const struct mr_fw_rule *rule = g->v.rule;
    const struct mr_fw_chain *chain = rule ? mr_fw_rule_chain(rule) : g->v.chain;
    const char *cname = chain ? mr_fw_chain_name(chain) : "INPUT";
    char *add = accept_rule(s, g, peers_known, cname);
    bool ipt = mr_fw_ruleset_syntax(s->rs) == MR_FW_IPTABLES;
    const char *limit = peers_known ? "" : " (limit it to the compute hosts' addresses)";
    if (mr_fw_ruleset_syntax(s->rs) == MR_FW_FIREWALLD) {
        firewalld_remedy(f, g, peers_known, cname);
        free(add);
        return;
    }
    if (!s->live && ipt) {
        if (rule)
            mr_finding_remedy(f, "add %s to %s before line %d%s, then load it: "
                              "iptables-restore < %s",
                              add, s->name, mr_fw_rule_line(rule), limit, s->name);
        else
            mr_finding_remedy(f, "add %s to %s after the last -A %s line%s, then load it: "
                              "iptables-restore < %s", add, s->name, cname, limit, s->name);
    } else if (!s->live) {
        const char *file = rule ? mr_fw_rule_file(rule) : s->name;
        if (rule)
            mr_finding_remedy(f, "add \"%s\" to chain %s of table %s in %s before line %d%s, then "
                              "load it: nft -f %s", add, cname, mr_fw_chain_table(chain), file,
                              mr_fw_rule_line(rule), limit, s->name);
        else
            mr_finding_remedy(f, "add \"%s\" at the end of chain %s of table %s in %s%s, then "
                              "load it: nft -f %s", add, cname,
                              chain ? mr_fw_chain_table(chain) : "inet filter", s->name, limit,
                              s->name);
    } else if (ipt) {
        /* "-A INPUT ..." becomes "iptables -I INPUT N ..." */
        const char *rest = add + 3 + strlen(cname);
        if (rule)
            mr_finding_remedy(f, "iptables -I %s %d%s%s, and save it where the host loads its "
                              "rules at boot", cname, mr_fw_rule_index(rule), rest, limit);
        else
            mr_finding_remedy(f, "iptables -A %s%s%s, and save it where the host loads its rules "
                              "at boot", cname, rest, limit);
    } else {
        const char *fam = chain ? mr_fw_chain_table(chain) : "inet filter";
        if (rule && mr_fw_rule_handle(rule) >= 0)
            mr_finding_remedy(f, "nft insert rule %s %s position %ld %s%s, and add it to "
                              "/etc/nftables.conf", fam, cname, mr_fw_rule_handle(rule), add,
                              limit);
        else
            mr_finding_remedy(f, "nft add rule %s %s %s%s, and add it to /etc/nftables.conf", fam,
                              cname, add, limit);
    }
    free(add);
}

/* "line 9 of /etc/iptables/rules.v4: -A INPUT ..." / "the policy DROP of chain INPUT". */
static char *decider(const struct source *s, const struct mr_fw_verdict *v)
{
    if (v->rule) {
        const struct mr_fw_rule *r = v->rule;
        if (mr_fw_rule_file(r))
            return mr_xasprintf("%s:%d (%s)", mr_fw_rule_file(r), mr_fw_rule_line(r),
                                mr_fw_rule_text(r));
        if (mr_fw_ruleset_syntax(s->rs) == MR_FW_IPTABLES)
            return mr_xasprintf("rule %d of chain %s (%s)", mr_fw_rule_index(r),
                                mr_fw_chain_name(mr_fw_rule_chain(r)), mr_fw_rule_text(r));
        return mr_xstrdup(mr_fw_rule_text(r));
    }
    if (v->chain) {
        const struct mr_fw_chain *c = v->chain;
        const char *pol = mr_fw_chain_policy(c);
        char *place = mr_fw_chain_file(c) ? mr_xasprintf(" (%s:%d)", mr_fw_chain_file(c),
                                                         mr_fw_chain_line(c))
                                          : mr_xstrdup("");
        char *d = mr_xasprintf("the policy %s of chain %s in table %s%s", pol ? pol : "accept",
                               mr_fw_chain_name(c), mr_fw_chain_table(c), place);
        free(place);
        return d;
    }
    return mr_xstrdup("no rule");
}

static void at_decider(struct mr_finding *f, const struct mr_fw_verdict *v)
{
    if (v->rule && mr_fw_rule_file(v->rule))
        mr_finding_at(f, mr_fw_rule_file(v->rule), mr_fw_rule_line(v->rule));
    else if (!v->rule && v->chain && mr_fw_chain_file(v->chain))
        mr_finding_at(f, mr_fw_chain_file(v->chain), mr_fw_chain_line(v->chain));
}

static const char *source_label(const struct source *s)
{
    if (mr_fw_ruleset_syntax(s->rs) == MR_FW_FIREWALLD)
        return "firewalld (" MR_FW_FIREWALLD_DIR ")";
    if (!s->live)
        return s->name;
    return mr_fw_ruleset_syntax(s->rs) == MR_FW_IPTABLES ? "the loaded iptables rules"
                                                        : "the loaded nftables rules";
}

/* Whom the rules were checked for when no peer address is known: peers given
 * that do not resolve are not "no peers". */
static const char *any_who_text(const struct mr_ctx *ctx)
{
    return ctx->peers && ctx->peers[0]
               ? "any address (no peer resolves; checked as " REPRESENTATIVE_ADDR ")"
               : "any address (no peers configured; checked as " REPRESENTATIVE_ADDR ")";
}

/* firewalld: the fixer adds ports (or rich rules) to a zone, which its
 * allow chain judges before the zone's target. That helps only when what
 * refused T's connections is the target of one zone, never a rich rule
 * that rejects or drops them (deny is judged before allow). */
static bool firewalld_fix_spot(const struct group *g, size_t n, int *ret_line,
                               const struct mr_fw_chain **ret_chain)
{
    const struct mr_fw_chain *zone = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct mr_fw_verdict *v = &g[i].v;
        if (v->outcome == MR_FW_ACCEPTED)
            continue;
        if (v->outcome == MR_FW_UNDECIDED || !v->rule)
            return false;
        const struct mr_fw_chain *c = mr_fw_rule_chain(v->rule);
        if (!mr_fw_chain_file(c) || !mr_fw_firewalld_is_target(v->rule) || (zone && zone != c))
            return false;
        zone = c;
    }
    if (!zone)
        return false;
    *ret_line = 0;
    *ret_chain = zone;
    return true;
}

/* Where the fixer puts the accept rule for T in a saved file: before the
 * first line of it that rejects or drops one of T's connections (so never
 * after a final REJECT), else at the end of the chain whose policy drops
 * them. False when it has no place there: a verdict undecided, or decided in
 * a file the rule set includes. */
static bool fix_spot(const struct source *s, const struct group *g, size_t n, int *ret_line,
                     const struct mr_fw_chain **ret_chain)
{
    if (mr_fw_ruleset_syntax(s->rs) == MR_FW_FIREWALLD)
        return firewalld_fix_spot(g, n, ret_line, ret_chain);
    int line = 0;
    const struct mr_fw_chain *chain = NULL, *policy = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct mr_fw_verdict *v = &g[i].v;
        if (v->outcome == MR_FW_UNDECIDED)
            return false;
        if (v->outcome == MR_FW_ACCEPTED)
            continue;
        if (!v->rule) {
            policy = policy ? policy : v->chain;
            continue;
        }
        if (!mr_fw_rule_file(v->rule) || strcmp(mr_fw_rule_file(v->rule), s->name) != 0)
            return false;
        if (!line || mr_fw_rule_line(v->rule) < line) {
            line = mr_fw_rule_line(v->rule);
            chain = mr_fw_rule_chain(v->rule);
        }
    }
    if (!chain)
        chain = policy;
    if (!chain)
        return false;
    *ret_line = line;
    *ret_chain = chain;
    return true;
}

/* The data of firewall.ports' fixer (fixers/firewall-ports.c) on F, the
 * first finding about T in saved file S: code "closed", key CHAIN/WHAT,
 * want "LO-HI", and in S: syntax, line (0: the end of the chain),
 * chain-line and family (nft), one "peer" edit per peer named. */
static void fix_data(struct mr_finding *f, const struct mr_ctx *ctx, const struct source *s,
                     const struct target *t, const struct askers *who, int line,
                     const struct mr_fw_chain *chain)
{
    bool nft = mr_fw_ruleset_syntax(s->rs) == MR_FW_NFT;
    char *ports = t->lo == t->hi ? mr_xasprintf("%u", t->lo)
                                 : mr_xasprintf("%u-%u", t->lo, t->hi);
    mr_finding_code(f, "closed");
    mr_finding_key(f, mr_fw_chain_name(chain), t->what);
    mr_finding_want(f, ports);
    free(ports);
    if (mr_fw_ruleset_syntax(s->rs) == MR_FW_FIREWALLD) {
        /* The zone's file in /etc (written), and the one it was read from
         * (a shipped zone in /usr/lib is copied to /etc, as firewalld does). */
        char *path = mr_xasprintf(MR_FW_FIREWALLD_DIR "/zones/%s.xml", mr_fw_chain_name(chain));
        mr_finding_also_in(f, path, NULL, "syntax", "firewalld");
        mr_finding_also_in(f, path, NULL, "read-from", mr_fw_chain_file(chain));
        for (size_t i = 0; ctx->peers && ctx->peers[i] && who->each[i]; i++)
            mr_finding_also_in(f, path, "peer", ctx->peers[i], who->each[i]);
        free(path);
        return;
    }
    mr_finding_also_in(f, s->name, NULL, "syntax", nft ? "nft" : "iptables");
    char *n = mr_xasprintf("%d", line);
    mr_finding_also_in(f, s->name, NULL, "line", n);
    free(n);
    if (nft) {
        n = mr_xasprintf("%d", mr_fw_chain_line(chain));
        mr_finding_also_in(f, s->name, NULL, "chain-line", n);
        free(n);
        const char *fam = mr_fw_chain_family(chain);
        mr_finding_also_in(f, s->name, NULL, "family", fam ? fam : "inet");
    }
    for (size_t i = 0; ctx->peers && ctx->peers[i] && who->each[i]; i++)
        mr_finding_also_in(f, s->name, "peer", ctx->peers[i], who->each[i]);
}

/* Evaluates one target against one source and reports what is not accepted.
 * Returns true when every address and port is accepted. */
static bool judge(struct mr_result *res, const struct mr_ctx *ctx, const struct source *s,
                  const struct target *t, const struct askers *who_asks, const char *iface)
{
    char *const *addrs = who_asks->addrs;
    bool peers_known = who_asks->known;
    const char *any_who = any_who_text(ctx);
    struct group *g = NULL;
    size_t n = 0;
    for (size_t a = 0; addrs[a]; a++)
        for (unsigned p = t->lo; p <= t->hi; p++) {
            struct mr_fw_conn conn;
            if (mr_fw_conn_init(&conn, addrs[a], iface, p) < 0)
                break;
            struct mr_fw_verdict v;
            if (!peers_known) {
                /* Any address first: when the rules agree for all of them, the
                 * answer does not depend on which peer asks. */
                conn.src_any = true;
                mr_fw_evaluate(s->rs, &conn, &v);
                if (v.outcome == MR_FW_UNDECIDED) {
                    struct mr_fw_verdict any = v;
                    conn.src_any = false;
                    mr_fw_evaluate(s->rs, &conn, &v);
                    if (v.outcome == MR_FW_UNDECIDED)
                        v = any;
                    else
                        v.source_dependent = true;
                } else {
                    v.source_dependent = false;
                }
            } else {
                mr_fw_evaluate(s->rs, &conn, &v);
            }
            group_add(&g, &n, &v, addrs[a], p);
        }
    const struct group *acc = NULL;
    for (size_t i = 0; i < n; i++)
        if (g[i].v.outcome == MR_FW_ACCEPTED)
            acc = &g[i];
    int fix_line = 0;
    const struct mr_fw_chain *fix_chain = NULL;
    bool fixable = !s->live && fix_spot(s, g, n, &fix_line, &fix_chain);
    char *who_all = peers_known ? mr_strv_join(addrs, ", ") : NULL;
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        const struct group *x = &g[i];
        if (x->v.outcome == MR_FW_ACCEPTED)
            continue;
        ok = false;
        char *ports = ranges_text(x, "-", ", ");
        char *who = peers_known ? mr_strv_join(x->addrs, ", ") : mr_xstrdup(any_who);
        char *d = decider(s, &x->v);
        char *partial = acc && t->lo != t->hi
                            ? mr_xasprintf("; only %u of the %u ports are accepted",
                                           (t->hi - t->lo + 1) - group_ports(x), t->hi - t->lo + 1)
                            : mr_xstrdup("");
        struct mr_finding *f;
        if (x->v.outcome == MR_FW_UNDECIDED) {
            f = mr_report(res, MR_WARN,
                          "cannot decide whether %s accept%s %s%s%s%s from %s: %s%s%s",
                          source_label(s), s->live ? "" : "s", t->label,
                          t->lo != t->hi && group_ports(x) != t->hi - t->lo + 1 ? " (ports " : "",
                          t->lo != t->hi && group_ports(x) != t->hi - t->lo + 1 ? ports : "",
                          t->lo != t->hi && group_ports(x) != t->hi - t->lo + 1 ? ")" : "",
                          who, x->v.rule ? d : x->v.reason, x->v.rule ? " " : "",
                          x->v.rule ? x->v.reason : "");
            at_decider(f, &x->v);
            mr_finding_remedy(f, "check by hand that this rule lets new TCP connections from "
                              "the compute hosts through, or write it with matches migready "
                              "reads (-s, -p tcp, --dport, multiport, state/conntrack; nft tcp "
                              "dport, ip saddr, ct state)");
        } else {
            bool soft = !peers_known && x->v.source_dependent;
            const char *verb = x->v.outcome == MR_FW_REJECTED ? "reject" : "drop";
            char *what = t->lo == t->hi || group_ports(x) == t->hi - t->lo + 1
                             ? mr_xstrdup(t->label)
                             : mr_xasprintf("%s (ports %s)", t->label, ports);
            f = mr_report(res, soft ? MR_WARN : MR_FAIL,
                          "%s %s%s new connections to %s from %s: %s%s%s", source_label(s), verb,
                          s->live ? "" : "s", what, who, d, partial,
                          soft ? " (the answer depends on the source address: name the "
                                 "compute hosts in peers = of the site configuration)"
                               : "");
            free(what);
            at_decider(f, &x->v);
            remedy(f, s, x, peers_known);
            if (fixable)
                fix_data(f, ctx, s, t, who_asks, fix_line, fix_chain);
            fixable = false; /* one accept rule for all of T's ports */
        }
        free(partial);
        free(d);
        free(who);
        free(ports);
    }
    if (ok) {
        char *who = peers_known ? mr_xstrdup(who_all) : mr_xstrdup(any_who);
        struct mr_finding *f = mr_report(res, MR_PASS, "%s accept%s %s from %s", source_label(s),
                                         s->live ? "" : "s", t->label, who);
        if (n == 1 && g[0].v.rule)
            at_decider(f, &g[0].v);
        free(who);
    }
    free(who_all);
    groups_free(g, n);
    return ok;
}

static int run_ports(const struct mr_ctx *ctx, struct mr_result *res)
{
    struct target t[3];
    size_t n_t = targets_for(ctx, t);
    struct source *src = NULL;
    size_t n_src = 0;
    /* Details gathered apart, so that the summary comes first when all pass. */
    struct mr_result detail = {.check = res->check};

    load_saved(ctx, &detail, &src, &n_src);
    if (ctx->live && ctx->ops && ctx->ops->run)
        load_live(ctx, &detail, &src, &n_src);

    struct askers asking = {0};
    asking.addrs = peer_addresses(ctx, &detail, &asking.each);
    bool peers_known = asking.known = asking.addrs[0] != NULL;
    if (!peers_known)
        mr_strv_push(&asking.addrs, REPRESENTATIVE_ADDR);
    char **addrs = asking.addrs;
    const char *iface = mr_ctx_site(ctx, "interface");

    size_t judged = 0;
    bool all_ok = true;
    char **names = mr_xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < n_src; i++) {
        const struct source *s = &src[i];
        const char *pfile = NULL;
        int pline = 0;
        const char *problem = mr_fw_ruleset_problem(s->rs, &pfile, &pline);
        if (problem) {
            struct mr_finding *f = mr_report(&detail, MR_WARN,
                                             "cannot decide what %s accept%s: %s%s%d uses %s",
                                             source_label(s), s->live ? "" : "s",
                                             pfile ? pfile : "", pfile ? ":" : "line ", pline,
                                             problem);
            if (pfile)
                mr_finding_at(f, pfile, pline);
            mr_finding_remedy(f, "check by hand that %s accepts new TCP connections to the "
                              "migration ports from the compute hosts", s->name);
            all_ok = false;
            continue;
        }
        if (mr_fw_ruleset_open(s->rs)) {
            mr_report(&detail, MR_PASS, "%s hold%s no rules for incoming traffic: everything is "
                      "accepted", source_label(s), s->live ? "" : "s");
            continue;
        }
        judged++;
        mr_strv_push(&names, source_label(s));
        for (size_t k = 0; k < n_t; k++)
            all_ok = judge(&detail, ctx, s, &t[k], &asking, iface) && all_ok;
    }

    bool clean = true;
    for (size_t i = 0; i < detail.n_findings; i++)
        clean = clean && detail.findings[i].status == MR_PASS;
    if (clean) {
        char *srcs = mr_strv_join(names, ", ");
        char *who = peers_known ? mr_strv_join(addrs, ", ") : NULL;
        if (judged == 0)
            mr_report(res, MR_PASS, "no firewall rules%s: everything is accepted",
                      ctx->live ? "" : " saved (offline --root: loaded rules not read)");
        else
            mr_report(res, MR_PASS, "%s accept%s new connections to %s, %s%s%s from %s",
                      srcs, judged == 1 && !src[0].live ? "s" : "", t[0].label,
                      n_t > 2 ? t[1].label : "and ", n_t > 2 ? " and " : t[1].label,
                      n_t > 2 ? t[2].label : "",
                      who ? who : any_who_text(ctx));
        free(srcs);
        free(who);
    }
    for (size_t i = 0; i < detail.n_findings; i++) {
        const struct mr_finding *d = &detail.findings[i];
        struct mr_finding *f = mr_report(res, d->status, "%s", d->message);
        if (d->file)
            mr_finding_at(f, d->file, d->line);
        if (d->remedy)
            mr_finding_remedy(f, "%s", d->remedy);
        mr_finding_code(f, d->code);
        mr_finding_key(f, d->section, d->key);
        mr_finding_want(f, d->want);
        for (size_t k = 0; k < d->n_also; k++)
            mr_finding_also_in(f, d->also[k].file, d->also[k].section, d->also[k].key,
                               d->also[k].want);
    }
    (void)all_ok;
    mr_result_clear(&detail);
    mr_strv_free(names);
    mr_strv_free(asking.addrs);
    mr_strv_free(asking.each);
    for (size_t i = 0; i < n_src; i++) {
        free(src[i].name);
        mr_fw_ruleset_free(src[i].rs);
    }
    free(src);
    for (size_t k = 0; k < n_t; k++)
        free(t[k].label);
    return 0;
}

const struct mr_check mr_check_firewall_ports = {
    .id = "firewall.ports",
    .title = "the firewall accepts libvirt, migration and SSH connections from the peers",
    .run = run_ports,
};
