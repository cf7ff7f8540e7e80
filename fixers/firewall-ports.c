/* firewall.ports: the saved rule files (/etc/iptables/rules.v4,
 * /etc/sysconfig/iptables, /etc/nftables.conf, /etc/sysconfig/nftables.conf)
 * get rules accepting new TCP connections to libvirt's port, the migration
 * range and SSH, from the peers' addresses when they are known.
 * src/fw/model.c evaluates each file as the check does; a port that is not
 * accepted gets an accept rule right before the rule that rejects or drops
 * it (so never after a final REJECT), or at the end of the chain whose policy
 * drops it. A port whose verdict cannot be decided is left alone.
 * iptables files are edited with Augeas's Iptables lens, nftables files with
 * ours (fixers/lenses/nftables.aug): rule lines are inserted, nothing else
 * moves. The loaded rules change when the firewall service reloads its file
 * (netfilter-persistent, iptables, nftables): fix names it. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixers.h"
#include "fwrules.h"
#include "hostsfile.h"
#include "libvirtconf.h"
#include "ops.h"
#include "firewall-targets.h"

struct target {
    const char *what;
    unsigned lo, hi;
};

static size_t targets_for(const struct mr_ctx *ctx, struct target *t)
{
    static const char *const what[] = {
        [MR_FW_PORT_LIBVIRT] = "libvirt",
        [MR_FW_PORT_MIGRATION] = "migration",
        [MR_FW_PORT_SSH] = "ssh",
    };
    struct mr_fw_targets ft;
    mr_fw_targets_for(ctx, &ft);
    for (size_t k = 0; k < ft.n; k++)
        t[k] = (struct target){what[ft.v[k].kind], ft.v[k].lo, ft.v[k].hi};
    return ft.n;
}

/* The peers' addresses as the check finds them: literals, the live
 * resolver, else /etc/hosts (as planned by hosts.resolution's fixer). */
static char **peer_addresses(const struct mr_ctx *ctx, struct mr_change_set *cs)
{
    char **out = mr_xcalloc(1, sizeof(char *));
    const char *text = NULL;
    struct mr_hosts *hosts = NULL;
    if (mr_change_text(cs, MR_HOSTS_PATH, &text) < 0 || !text ||
        mr_hosts_parse(text, strlen(text), &hosts, NULL) < 0)
        hosts = NULL;
    for (size_t i = 0; ctx->peers && ctx->peers[i]; i++) {
        const char *p = ctx->peers[i];
        if (mr_addr_is_literal(p)) {
            if (!mr_strv_contains(out, p))
                mr_strv_push(&out, p);
        } else {
            mr_fw_peer_lookup(ctx, p, hosts, &out);
        }
    }
    mr_hosts_free(hosts);
    return out;
}

/* Where a target's accept rule goes in one rule set. */
struct spot {
    bool needed;
    bool undecided;
    int line;                        /* before this line of FILE; 0: end of CHAIN */
    const struct mr_fw_chain *chain; /* the chain of the rule, or whose policy decided */
};

static void find_spot(const struct mr_fw_ruleset *rs, const char *file, const struct target *t,
                      char *const *addrs, bool peers_known, const char *iface, struct spot *s)
{
    *s = (struct spot){.line = INT_MAX};
    for (size_t a = 0; addrs[a] && !s->undecided; a++)
        for (unsigned p = t->lo; p <= t->hi && !s->undecided; p++) {
            struct mr_fw_conn conn;
            if (mr_fw_conn_init(&conn, addrs[a], iface, p) < 0)
                break;
            struct mr_fw_verdict v;
            conn.src_any = !peers_known;
            mr_fw_evaluate(rs, &conn, &v);
            if (v.outcome == MR_FW_UNDECIDED && !peers_known) {
                conn.src_any = false;
                mr_fw_evaluate(rs, &conn, &v);
            }
            if (v.outcome == MR_FW_ACCEPTED)
                continue;
            if (v.outcome == MR_FW_UNDECIDED) {
                s->undecided = true;
                break;
            }
            s->needed = true;
            if (v.rule && mr_fw_rule_file(v.rule) && strcmp(mr_fw_rule_file(v.rule), file) == 0) {
                if (mr_fw_rule_line(v.rule) < s->line) {
                    s->line = mr_fw_rule_line(v.rule);
                    s->chain = mr_fw_rule_chain(v.rule);
                }
            } else if (v.rule) {
                s->undecided = true; /* decided in an included file: not ours to edit */
            } else if (!s->chain) {
                s->chain = v.chain;
            }
        }
    if (s->line == INT_MAX)
        s->line = 0;
    if (s->needed && !s->chain)
        s->undecided = true;
}

static char *ports_text(const struct target *t, char sep)
{
    return t->lo == t->hi ? mr_xasprintf("%u", t->lo) : mr_xasprintf("%u%c%u", t->lo, sep, t->hi);
}

/* ---- iptables ---- */

static void ipt_set(augeas *aug, const char *node, const char *child, const char *value)
{
    char *p = mr_xasprintf("%s/%s", node, child);
    aug_set(aug, p, value);
    free(p);
}

static int ipt_insert(struct mr_aug_edit *e, const char *text, const struct spot *s,
                      const struct target *t, char *const *v4, bool peers_known)
{
    augeas *aug = mr_aug_edit_aug(e);
    const char *top = mr_aug_edit_top(e);
    const char *chain = mr_fw_chain_name(s->chain);
    char *table = mr_xasprintf("%s/table[. = 'filter']", top);
    char *anchor = NULL;
    int before = 1;
    if (s->line > 0) {
        char *pat = mr_xasprintf("%s/*", table);
        anchor = fx_node_at_line(e, pat, text, s->line);
        free(pat);
    } else {
        char *pat = mr_xasprintf("%s/append[. = '%s'][last()]", table, chain);
        char **m = NULL;
        int n = aug_match(aug, pat, &m);
        if (n <= 0) {
            free(pat);
            pat = mr_xasprintf("%s/chain[last()]", table);
            n = aug_match(aug, pat, &m);
        }
        if (n > 0)
            anchor = mr_xstrdup(m[n - 1]);
        for (int i = 0; i < n; i++)
            free(m[i]);
        free(m);
        free(pat);
        before = 0;
    }
    free(table);
    if (!anchor)
        return -ENOENT;
    int r = aug_insert(aug, anchor, "migready-new", before) < 0 ? -EINVAL : 0;
    free(anchor);
    if (r < 0)
        return r;
    char *node = mr_xasprintf("%s/table[. = 'filter']/migready-new", top);
    aug_set(aug, node, chain);
    if (peers_known) {
        char **cidr = mr_xcalloc(1, sizeof(char *));
        for (size_t i = 0; v4[i]; i++) {
            char *c = mr_xasprintf("%s/32", v4[i]);
            mr_strv_push(&cidr, c);
            free(c);
        }
        char *src = mr_strv_join(cidr, ",");
        ipt_set(aug, node, "source", src);
        free(src);
        mr_strv_free(cidr);
    }
    char *ports = ports_text(t, ':');
    ipt_set(aug, node, "protocol", "tcp");
    ipt_set(aug, node, "match", "tcp");
    ipt_set(aug, node, "dport", ports);
    ipt_set(aug, node, "jump", "ACCEPT");
    free(ports);
    r = aug_rename(aug, node, "append") < 0 ? -EINVAL : 0;
    free(node);
    return r;
}

/* ---- nftables ---- */

static char *nft_rule(const struct target *t, const char *fam, char *const *addrs)
{
    char *ports = ports_text(t, '-');
    char *src = NULL;
    if (addrs && addrs[0]) {
        char *j = mr_strv_join(addrs, ", ");
        src = addrs[1] ? mr_xasprintf("%s saddr { %s } ", fam, j)
                       : mr_xasprintf("%s saddr %s ", fam, j);
        free(j);
    }
    char *r = mr_xasprintf("%stcp dport %s accept comment \"migready: %s\"", src ? src : "",
                           ports, t->what);
    free(src);
    free(ports);
    return r;
}

static int nft_insert(struct mr_aug_edit *e, const char *text, const struct spot *s,
                      const char *rule)
{
    augeas *aug = mr_aug_edit_aug(e);
    char *pat = NULL, *anchor = NULL;
    int r = 0;
    if (s->line > 0) {
        pat = mr_xasprintf("%s//rule", mr_aug_edit_top(e));
        anchor = fx_node_at_line(e, pat, text, s->line);
        if (anchor && aug_insert(aug, anchor, "migready-new", 1) == 0) {
            char *node = mr_xasprintf("%.*s/migready-new", (int)(strrchr(anchor, '/') - anchor),
                                      anchor);
            r = aug_set(aug, node, rule) < 0 || aug_rename(aug, node, "rule") < 0 ? -EINVAL : 0;
            free(node);
        } else {
            r = -ENOENT;
        }
    } else {
        pat = mr_xasprintf("%s//block", mr_aug_edit_top(e));
        anchor = fx_node_at_line(e, pat, text, mr_fw_chain_line(s->chain));
        if (anchor) {
            char *p = mr_xasprintf("%s/rule[last() + 1]", anchor);
            r = aug_set(aug, p, rule) < 0 ? -EINVAL : 0;
            free(p);
        } else {
            r = -ENOENT;
        }
    }
    free(pat);
    free(anchor);
    return r;
}

/* ---- the fixer ---- */

static int fix_file(const struct mr_ctx *ctx, struct mr_change_set *cs, size_t which,
                    char *const *addrs, bool peers_known)
{
    const char *path = mr_fw_saved_files[which].path;
    bool nft = mr_fw_saved_files[which].nft;
    const char *text = NULL;
    if (mr_change_text(cs, path, &text) < 0)
        return 0;
    char *orig = mr_xstrdup(text);
    struct mr_fw_ruleset *rs = NULL;
    char *msg = NULL;
    int r = nft ? mr_fw_parse_nft_text(orig, path, NULL, NULL, &rs, &msg)
                : mr_fw_parse_iptables(orig, path, true, &rs, &msg);
    if (r < 0) {
        free(msg);
        free(orig);
        return 0; /* the check reports it as an error; nothing to fix blindly */
    }
    struct mr_aug_edit *e = NULL;
    if (mr_fw_ruleset_problem(rs, NULL, NULL) || mr_fw_ruleset_open(rs))
        goto done;
    struct target t[3];
    size_t n_t = targets_for(ctx, t);
    const char *iface = mr_ctx_site(ctx, "interface");
    char **v4 = mr_xcalloc(1, sizeof(char *)), **v6 = mr_xcalloc(1, sizeof(char *));
    for (size_t i = 0; peers_known && addrs[i]; i++)
        mr_strv_push(strchr(addrs[i], ':') ? &v6 : &v4, addrs[i]);
    for (size_t k = 0; k < n_t && r == 0; k++) {
        struct spot s;
        find_spot(rs, path, &t[k], addrs, peers_known, iface, &s);
        if (!s.needed || s.undecided)
            continue;
        if (!e) {
            r = fx_open(cs, nft ? "Nftables.lns" : "Iptables.lns", path, &e);
            if (r < 0)
                break;
        }
        char *where = s.line > 0 ? mr_xasprintf("before line %d", s.line)
                                 : mr_xasprintf("at the end of chain %s",
                                                mr_fw_chain_name(s.chain));
        if (!nft) {
            if (peers_known && !v4[0]) {
                free(where);
                continue; /* an IPv4 rule file and IPv6 peers only */
            }
            r = ipt_insert(e, orig, &s, &t[k], v4, peers_known);
        } else {
            const char *fam = mr_fw_chain_family(s.chain);
            bool inet = !fam || strcmp(fam, "inet") == 0;
            if (!peers_known) {
                char *rule = nft_rule(&t[k], "ip", NULL);
                r = nft_insert(e, orig, &s, rule);
                free(rule);
            }
            if (peers_known && v4[0] && (inet || strcmp(fam, "ip") == 0)) {
                char *rule = nft_rule(&t[k], "ip", v4);
                r = nft_insert(e, orig, &s, rule);
                free(rule);
            }
            if (r == 0 && peers_known && v6[0] && (inet || strcmp(fam, "ip6") == 0)) {
                char *rule = nft_rule(&t[k], "ip6", v6);
                r = nft_insert(e, orig, &s, rule);
                free(rule);
            }
        }
        if (r < 0) {
            mr_change_error(cs, "%s: cannot place the accept rule for port %u %s", path,
                            t[k].lo, where);
            free(where);
            break;
        }
        char *ports = ports_text(&t[k], '-');
        mr_change_describe(cs, "accepted %s port%s %s in %s (%s)", t[k].what,
                           t[k].lo == t[k].hi ? "" : "s", ports, path, where);
        free(ports);
        free(where);
    }
    mr_strv_free(v4);
    mr_strv_free(v6);
    if (e && r == 0) {
        r = fx_commit(cs, e, path, 0644);
        e = NULL;
        if (r == 0)
            mr_change_restart(cs, mr_fw_saved_files[which].unit);
    }
done:
    mr_aug_edit_free(e);
    mr_fw_ruleset_free(rs);
    free(orig);
    return r;
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    (void)res;
    char **addrs = peer_addresses(ctx, cs);
    bool peers_known = addrs[0] != NULL;
    if (!peers_known)
        mr_strv_push(&addrs, MR_FW_ANY_ADDR);
    int r = 0;
    for (size_t i = 0; i < mr_fw_n_saved_files && r == 0; i++)
        r = fix_file(ctx, cs, i, addrs, peers_known);
    mr_strv_free(addrs);
    return r;
}

const struct mr_fixer mr_fixer_firewall_ports = {
    .check_id = "firewall.ports",
    .run = run,
};
