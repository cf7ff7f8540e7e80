/* firewall.ports: the saved rule files (/etc/iptables/rules.v4,
 * /etc/sysconfig/iptables, /etc/nftables.conf, /etc/sysconfig/nftables.conf)
 * get rules accepting new TCP connections to libvirt's port, the migration
 * range and SSH, from the peers' addresses when they are known.
 * The check (checks/firewall.c) names, on the first finding about each
 * port or range that a saved file rejects or drops, where its accept rule
 * goes: right before the first rule that rejects or drops it (so never
 * after a final REJECT), or at the end of the chain whose policy drops it;
 * and the peers. This fixer places exactly those rules; a port whose verdict
 * the check could not decide has no such finding and is left alone.
 * iptables files are edited with Augeas's Iptables lens, nftables files with
 * ours (fixers/lenses/nftables.aug): rule lines are inserted, nothing else
 * moves. The loaded rules change when the firewall service reloads its file
 * (netfilter-persistent, iptables, nftables): fix names it.
 * firewalld's zone (/etc/firewalld/zones/ZONE.xml, copied from the shipped
 * one in /usr/lib/firewalld/zones when /etc has none, as firewalld does)
 * gets <port> elements, or rich rules limited to the peers' addresses,
 * through libxml2: the rest of the file keeps its bytes where libxml2
 * allows (comments, indentation). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "fixers.h"
#include "hostsfile.h"
#include "firewall-targets.h"

/* What one finding of the check asks for (see fix_data in checks/firewall.c). */
struct target {
    const char *path;
    size_t file;       /* its index in mr_fw_saved_files */
    const char *chain; /* where the accept rule goes */
    const char *what;  /* "libvirt", "migration", "ssh" */
    unsigned lo, hi;
    int line;          /* before this line of PATH; 0: at the end of CHAIN */
    int chain_line;    /* nft: the line that opens CHAIN */
    const char *family; /* nft: the chain's table family */
};

static const char *data_of(const struct mr_finding *f, const char *key)
{
    for (size_t i = 0; i < f->n_also; i++)
        if (!f->also[i].section && f->also[i].key && strcmp(f->also[i].key, key) == 0)
            return f->also[i].want;
    return NULL;
}

static bool to_int(const char *s, long lo, long hi, long *ret)
{
    return s && mr_parse_long(s, ret) == 0 && *ret >= lo && *ret <= hi;
}

/* F's data, when it is a finding this fixer acts on ("closed": connections
 * to a target are rejected or dropped). A soft warn (no peers named, and the
 * answer depends on the source) is closed too: it is fixed along with the
 * fails, as the check's remedy says. */
static bool target_of(const struct mr_finding *f, struct target *t)
{
    if (!f->code || strcmp(f->code, "closed") != 0 ||
        (f->status != MR_FAIL && f->status != MR_WARN) || !f->n_also || !f->also[0].file ||
        !f->section || !f->key || !f->want)
        return false;
    *t = (struct target){.path = f->also[0].file, .chain = f->section, .what = f->key};
    t->file = mr_fw_n_saved_files;
    for (size_t i = 0; i < mr_fw_n_saved_files; i++)
        if (strcmp(mr_fw_saved_files[i].path, t->path) == 0)
            t->file = i;
    const char *syntax = data_of(f, "syntax");
    long lo, hi, line, cline = 0;
    char *dash = strchr(f->want, '-');
    char *first = dash ? mr_xstrndup(f->want, (size_t)(dash - f->want)) : mr_xstrdup(f->want);
    bool ok = to_int(first, 1, 65535, &lo) && to_int(dash ? dash + 1 : first, lo, 65535, &hi);
    free(first);
    if (!ok || t->file == mr_fw_n_saved_files || !syntax ||
        strcmp(syntax, mr_fw_saved_files[t->file].nft ? "nft" : "iptables") != 0 ||
        !to_int(data_of(f, "line"), 0, INT_MAX, &line) ||
        (mr_fw_saved_files[t->file].nft && !to_int(data_of(f, "chain-line"), 1, INT_MAX, &cline)))
        return false;
    t->lo = (unsigned)lo;
    t->hi = (unsigned)hi;
    t->line = (int)line;
    t->chain_line = (int)cline;
    t->family = data_of(f, "family");
    return true;
}

/* The peers' addresses as the check found them; a peer that did not resolve
 * is looked up in the /etc/hosts that hosts.resolution's fixer plans (or by
 * the live resolver). */
static char **peer_addresses(const struct mr_ctx *ctx, const struct mr_finding *f,
                             struct mr_change_set *cs)
{
    char **out = mr_xcalloc(1, sizeof(char *));
    const char *text = NULL;
    struct mr_hosts *hosts = NULL;
    bool hosts_read = false;
    for (size_t i = 0; i < f->n_also; i++) {
        const struct mr_edit *ed = &f->also[i];
        if (!ed->section || strcmp(ed->section, "peer") != 0 || !ed->key)
            continue;
        if (ed->want && *ed->want) {
            char **v = mr_split_fields(ed->want, ',');
            for (size_t k = 0; v[k]; k++)
                if (*v[k] && !mr_strv_contains(out, v[k]))
                    mr_strv_push(&out, v[k]);
            mr_strv_free(v);
            continue;
        }
        if (!hosts_read && (mr_change_text(cs, MR_HOSTS_PATH, &text) < 0 || !text ||
                            mr_hosts_parse(text, strlen(text), &hosts, NULL) < 0))
            hosts = NULL;
        hosts_read = true;
        mr_fw_peer_lookup(ctx, ed->key, hosts, &out);
    }
    mr_hosts_free(hosts);
    return out;
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

static int ipt_insert(struct mr_aug_edit *e, const char *text, const struct target *t,
                      char *const *v4, bool peers_known)
{
    augeas *aug = mr_aug_edit_aug(e);
    const char *top = mr_aug_edit_top(e);
    const char *chain = t->chain;
    char *table = mr_xasprintf("%s/table[. = 'filter']", top);
    char *anchor = NULL;
    int before = 1;
    if (t->line > 0) {
        char *pat = mr_xasprintf("%s/*", table);
        anchor = fx_node_at_line(e, pat, text, t->line);
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

static int nft_insert(struct mr_aug_edit *e, const char *text, const struct target *t,
                      const char *rule)
{
    augeas *aug = mr_aug_edit_aug(e);
    char *pat = NULL, *anchor = NULL;
    int r = 0;
    if (t->line > 0) {
        pat = mr_xasprintf("%s//rule", mr_aug_edit_top(e));
        anchor = fx_node_at_line(e, pat, text, t->line);
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
        anchor = fx_node_at_line(e, pat, text, t->chain_line);
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

/* Places the accept rule for T in E (the file's ORIG text), for the peers'
 * ADDRS (none known: from any address). 1 when there is nothing to place. */
static int place(struct mr_aug_edit *e, const char *orig, const struct target *t,
                 char *const *addrs)
{
    bool peers_known = addrs[0] != NULL;
    char **v4 = mr_xcalloc(1, sizeof(char *)), **v6 = mr_xcalloc(1, sizeof(char *));
    for (size_t i = 0; addrs[i]; i++)
        mr_strv_push(strchr(addrs[i], ':') ? &v6 : &v4, addrs[i]);
    int r = 0;
    if (!mr_fw_saved_files[t->file].nft) {
        /* An IPv4 rule file and IPv6 peers only: nothing of ours to add. */
        r = peers_known && !v4[0] ? 1 : ipt_insert(e, orig, t, v4, peers_known);
    } else {
        bool inet = !t->family || strcmp(t->family, "inet") == 0;
        if (!peers_known) {
            char *rule = nft_rule(t, "ip", NULL);
            r = nft_insert(e, orig, t, rule);
            free(rule);
        }
        if (peers_known && v4[0] && (inet || strcmp(t->family, "ip") == 0)) {
            char *rule = nft_rule(t, "ip", v4);
            r = nft_insert(e, orig, t, rule);
            free(rule);
        }
        if (r == 0 && peers_known && v6[0] && (inet || strcmp(t->family, "ip6") == 0)) {
            char *rule = nft_rule(t, "ip6", v6);
            r = nft_insert(e, orig, t, rule);
            free(rule);
        }
    }
    mr_strv_free(v4);
    mr_strv_free(v6);
    return r;
}

static int fix_file(const struct mr_ctx *ctx, const struct mr_result *res,
                    struct mr_change_set *cs, size_t which)
{
    const char *path = mr_fw_saved_files[which].path;
    bool nft = mr_fw_saved_files[which].nft;
    const char *text = NULL;
    struct mr_aug_edit *e = NULL;
    char *orig = NULL;
    int r = 0;
    for (size_t i = 0; i < res->n_findings && r == 0; i++) {
        struct target t;
        if (!target_of(&res->findings[i], &t) || t.file != which)
            continue;
        if (!orig) {
            if (mr_change_text(cs, path, &text) < 0 || !text)
                return 0;
            orig = mr_xstrdup(text);
        }
        if (!e) {
            r = fx_open(cs, nft ? "Nftables.lns" : "Iptables.lns", path, &e);
            if (r < 0)
                break;
        }
        char **addrs = peer_addresses(ctx, &res->findings[i], cs);
        char *where = t.line > 0 ? mr_xasprintf("before line %d", t.line)
                                 : mr_xasprintf("at the end of chain %s", t.chain);
        r = place(e, orig, &t, addrs);
        mr_strv_free(addrs);
        if (r < 0) {
            mr_change_error(cs, "%s: cannot place the accept rule for port %u %s", path, t.lo,
                            where);
        } else if (r == 0) {
            char *ports = ports_text(&t, '-');
            mr_change_describe(cs, "accepted %s port%s %s in %s (%s)", t.what,
                               t.lo == t.hi ? "" : "s", ports, path, where);
            free(ports);
        }
        r = r < 0 ? r : 0;
        free(where);
    }
    if (e && r == 0) {
        r = fx_commit(cs, e, path, 0644);
        e = NULL;
        if (r == 0)
            mr_change_restart(cs, mr_fw_saved_files[which].unit);
    }
    mr_aug_edit_free(e);
    free(orig);
    return r;
}

/* ---- firewalld ---- */

static bool is_elem(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && (!name || !xmlStrcmp(n->name, (const xmlChar *)name));
}

static bool has_attrs(const xmlNode *n, const char *a, const char *av, const char *b,
                      const char *bv)
{
    xmlChar *x = xmlGetProp(n, (const xmlChar *)a), *y = xmlGetProp(n, (const xmlChar *)b);
    bool ok = x && y && !xmlStrcmp(x, (const xmlChar *)av) && !xmlStrcmp(y, (const xmlChar *)bv);
    xmlFree(x);
    xmlFree(y);
    return ok;
}

/* The indentation of TOP's children: the white space before the first
 * element child, "\n  " when there is none. */
static char *zone_indent(const xmlNode *top)
{
    for (const xmlNode *n = top->children; n; n = n->next)
        if (is_elem(n, NULL)) {
            const xmlNode *p = n->prev;
            if (p && p->type == XML_TEXT_NODE && p->content) {
                const char *t = (const char *)p->content;
                const char *nl = strrchr(t, '\n');
                return mr_xasprintf("\n%s", nl ? nl + 1 : t);
            }
            break;
        }
    return mr_xstrdup("\n  ");
}

/* Puts NODE into TOP after AFTER (NULL: after the last element child),
 * on a line of its own with TOP's indentation. */
static void zone_insert(xmlNode *top, xmlNode *after, xmlNode *node, const char *indent)
{
    if (!after)
        for (xmlNode *n = top->children; n; n = n->next)
            if (is_elem(n, NULL))
                after = n;
    xmlNode *ws = xmlNewText((const xmlChar *)indent);
    if (after) {
        xmlAddNextSibling(after, ws);
        xmlAddNextSibling(ws, node);
        return;
    }
    /* An empty zone: the closing tag goes on a line of its own. */
    xmlAddChild(top, ws);
    xmlAddChild(top, node);
    xmlAddChild(top, xmlNewText((const xmlChar *)"\n"));
}

static void add_child_line(xmlNode *parent, xmlNode *c, const char *indent)
{
    xmlAddChild(parent, xmlNewText((const xmlChar *)indent));
    xmlAddChild(parent, c);
}

/* <port protocol="tcp" port="P"/> in TOP, after its last port or service. */
static bool zone_add_port(xmlNode *top, const char *port, const char *indent)
{
    xmlNode *after = NULL, *last_svc = NULL;
    for (xmlNode *n = top->children; n; n = n->next) {
        if (is_elem(n, "port")) {
            if (has_attrs(n, "protocol", "tcp", "port", port))
                return false;
            after = n;
        } else if (is_elem(n, "service")) {
            last_svc = n;
        }
    }
    xmlNode *p = xmlNewNode(NULL, (const xmlChar *)"port");
    xmlNewProp(p, (const xmlChar *)"protocol", (const xmlChar *)"tcp");
    xmlNewProp(p, (const xmlChar *)"port", (const xmlChar *)port);
    zone_insert(top, after ? after : last_svc, p, indent);
    return true;
}

/* A rich rule accepting tcp PORT from ADDR, at the end of TOP. */
static bool zone_add_rich(xmlNode *top, const char *addr, const char *port, const char *indent)
{
    const char *fam = strchr(addr, ':') ? "ipv6" : "ipv4";
    for (xmlNode *n = top->children; n; n = n->next) {
        if (!is_elem(n, "rule"))
            continue;
        const xmlNode *src = NULL, *prt = NULL, *acc = NULL;
        for (xmlNode *c = n->children; c; c = c->next) {
            if (is_elem(c, "source"))
                src = c;
            else if (is_elem(c, "port"))
                prt = c;
            else if (is_elem(c, "accept"))
                acc = c;
        }
        xmlChar *a = src ? xmlGetProp(src, (const xmlChar *)"address") : NULL;
        bool same = a && !xmlStrcmp(a, (const xmlChar *)addr) && prt && acc &&
                    has_attrs(prt, "protocol", "tcp", "port", port);
        xmlFree(a);
        if (same)
            return false;
    }
    char *inner = mr_xasprintf("%s  ", indent);
    xmlNode *rule = xmlNewNode(NULL, (const xmlChar *)"rule");
    xmlNewProp(rule, (const xmlChar *)"family", (const xmlChar *)fam);
    xmlNode *src = xmlNewNode(NULL, (const xmlChar *)"source");
    xmlNewProp(src, (const xmlChar *)"address", (const xmlChar *)addr);
    add_child_line(rule, src, inner);
    xmlNode *p = xmlNewNode(NULL, (const xmlChar *)"port");
    xmlNewProp(p, (const xmlChar *)"port", (const xmlChar *)port);
    xmlNewProp(p, (const xmlChar *)"protocol", (const xmlChar *)"tcp");
    add_child_line(rule, p, inner);
    add_child_line(rule, xmlNewNode(NULL, (const xmlChar *)"accept"), inner);
    xmlAddChild(rule, xmlNewText((const xmlChar *)indent));
    zone_insert(top, NULL, rule, indent);
    free(inner);
    return true;
}

/* The findings about firewalld zone PATH (see fix_data in checks/firewall.c):
 * its ports or rich rules added, the zone written back. */
static int fix_zone(const struct mr_ctx *ctx, const struct mr_result *res,
                    struct mr_change_set *cs, const char *path)
{
    xmlDoc *doc = NULL;
    xmlNode *top = NULL;
    char *indent = NULL, *zone = NULL;
    bool changed = false;
    int r = 0;
    for (size_t i = 0; i < res->n_findings && r == 0; i++) {
        const struct mr_finding *f = &res->findings[i];
        const char *syntax = data_of(f, "syntax");
        if (!f->code || strcmp(f->code, "closed") != 0 || !syntax ||
            strcmp(syntax, "firewalld") != 0 || strcmp(f->also[0].file, path) != 0 ||
            !f->section || !f->key || !f->want)
            continue;
        if (!doc) {
            const char *text = NULL, *from = data_of(f, "read-from");
            if (mr_change_text(cs, path, &text) < 0 &&
                (!from || mr_change_text(cs, from, &text) < 0))
                text = NULL;
            if (!text) {
                mr_change_error(cs, "%s: cannot read the zone", path);
                r = -ENOENT;
                break;
            }
            doc = xmlReadMemory(text, (int)strlen(text), path, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
            top = doc ? xmlDocGetRootElement(doc) : NULL;
            if (!top || !is_elem(top, "zone")) {
                mr_change_error(cs, "%s: not a firewalld zone libxml2 can read", path);
                r = -EINVAL;
                break;
            }
            indent = zone_indent(top);
            zone = mr_xstrdup(f->section);
        }
        char **addrs = peer_addresses(ctx, f, cs);
        bool added = false;
        if (addrs[0])
            for (size_t a = 0; addrs[a]; a++)
                added = zone_add_rich(top, addrs[a], f->want, indent) || added;
        else
            added = zone_add_port(top, f->want, indent);
        if (added)
            mr_change_describe(cs, "accepted %s port%s %s%s in zone %s (%s)", f->key,
                               strchr(f->want, '-') ? "s" : "", f->want,
                               addrs[0] ? " from the peers" : "", zone, path);
        changed = changed || added;
        mr_strv_free(addrs);
    }
    if (r == 0 && changed) {
        xmlChar *out = NULL;
        int len = 0;
        xmlDocDumpFormatMemoryEnc(doc, &out, &len, "utf-8", 0);
        char *dir = mr_xstrndup(path, (size_t)(strrchr(path, '/') - path));
        mr_change_mkdir(cs, dir, 0750, 0, 0);
        free(dir);
        mr_change_write(cs, path, (const char *)out, 0644);
        mr_change_restart(cs, "firewalld");
        xmlFree(out);
    }
    xmlFreeDoc(doc);
    free(indent);
    free(zone);
    return r;
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    int r = 0;
    for (size_t i = 0; i < mr_fw_n_saved_files && r == 0; i++)
        r = fix_file(ctx, res, cs, i);
    /* Each firewalld zone once, in the order of its first finding. */
    char **zones = mr_xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < res->n_findings && r == 0; i++) {
        const struct mr_finding *f = &res->findings[i];
        const char *syntax = data_of(f, "syntax");
        if (!syntax || strcmp(syntax, "firewalld") != 0 || !f->also[0].file ||
            mr_strv_contains(zones, f->also[0].file))
            continue;
        mr_strv_push(&zones, f->also[0].file);
        r = fix_zone(ctx, res, cs, f->also[0].file);
    }
    mr_strv_free(zones);
    return r;
}

const struct mr_fixer mr_fixer_firewall_ports = {
    .check_id = "firewall.ports",
    .run = run,
};
