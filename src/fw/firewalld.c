/* firewalld's permanent configuration as a rule set: the zones
 * (/etc/firewalld/zones/NAME.xml over /usr/lib/firewalld/zones/NAME.xml),
 * the services they name (the same two folders), and DefaultZone from
 * firewalld.conf. The model follows what firewalld (1.x, either backend)
 * loads for the input hook:
 *
 *   chain "input" (base): established/related accept, lo accept, then
 *     a packet goes to the zone whose sources hold its source address,
 *     else to the zone bound to its input interface, else to the default;
 *   chain ZONE: rich rules with a negative priority (lowest first), rich
 *     rules that reject or drop, what the zone accepts (services, ports,
 *     protocols, source ports, rich rules that accept), rich rules with a
 *     positive priority, and last the zone's target ("default" and
 *     %%REJECT%% reject, DROP drops, ACCEPT accepts).
 *
 * Rules carry the zone file and the line of the element they come from, so
 * that a verdict names the zone file. What cannot be known offline (ipset
 * and MAC sources, rate limits, a service's destination) is opaque, and a
 * verdict that depends on it is undecided. Direct rules (direct.xml) are
 * not read: when they hold any, every verdict is undecided. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "fw-internal.h"
#include "rootfs.h"

#define FWD_TABLE "firewalld"
#define FWD_INPUT "input hook" /* a zone name never holds a space */
#define MAX_XML (4u << 20)
#define MAX_INCLUDE_DEPTH 8

struct fwd {
    const struct mr_root *root;
    struct mr_fw_ruleset *rs;
    char *msg; /* the first error that makes the configuration unreadable */
};

static const char *const etc_dir = "/etc/firewalld";
static const char *const lib_dir = "/usr/lib/firewalld";

static void fwd_error(struct fwd *d, const char *fmt, ...) MR_PRINTF(2, 3);
static void fwd_error(struct fwd *d, const char *fmt, ...)
{
    if (d->msg)
        return;
    va_list ap;
    va_start(ap, fmt);
    d->msg = mr_xvasprintf(fmt, ap);
    va_end(ap);
}

/* ---- files ---- */

/* KIND ("zones", "services") NAME.xml: the one in /etc, else the shipped one.
 * *RET_PATH names it; NULL when neither exists. */
static xmlDoc *read_xml(struct fwd *d, const char *kind, const char *name, char **ret_path)
{
    *ret_path = NULL;
    const char *dirs[] = {etc_dir, lib_dir};
    for (size_t i = 0; i < 2; i++) {
        char *path = mr_xasprintf("%s/%s/%s.xml", dirs[i], kind, name);
        char *buf = NULL;
        size_t len = 0;
        int r = mr_root_read(d->root, path, MAX_XML, &buf, &len);
        if (r == -ENOENT) {
            free(path);
            continue;
        }
        if (r < 0) {
            fwd_error(d, "%s: %s", path, strerror(-r));
            free(path);
            return NULL;
        }
        xmlDoc *doc = xmlReadMemory(buf, (int)len, path, NULL,
                                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        free(buf);
        if (!doc) {
            const xmlError *e = xmlGetLastError();
            const char *m = e && e->message ? e->message : "unknown error";
            fwd_error(d, "%s:%d: not well-formed XML (%.*s)", path, e ? e->line : 0,
                      (int)strcspn(m, "\n"), m);
            free(path);
            return NULL;
        }
        *ret_path = path;
        return doc;
    }
    return NULL;
}

static char *attr(const xmlNode *n, const char *name)
{
    return (char *)xmlGetProp(n, (const xmlChar *)name);
}

static bool is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (is(c, name))
            return c;
    return NULL;
}

/* DefaultZone= of firewalld.conf; "public" (firewalld's own default) when unset. */
static char *default_zone(struct fwd *d, int *ret_line)
{
    char *buf = NULL;
    size_t len = 0;
    char *zone = NULL;
    *ret_line = 0;
    if (mr_root_read(d->root, "/etc/firewalld/firewalld.conf", MAX_XML, &buf, &len) == 0) {
        int line = 0;
        for (char *s = buf, *e; s && *s; s = e ? e + 1 : NULL) {
            e = strchr(s, '\n');
            if (e)
                *e = '\0';
            line++;
            s += strspn(s, " \t");
            if (strncmp(s, "DefaultZone=", 12) != 0)
                continue;
            char *v = s + 12;
            v[strcspn(v, " \t\r")] = '\0';
            free(zone);
            zone = *v ? mr_xstrdup(v) : NULL;
            *ret_line = line;
        }
    }
    free(buf);
    return zone ? zone : mr_xstrdup("public");
}

/* ---- rules ---- */

/* A rule from element N of FILE (its line), with TEXT as a description. */
static struct mr_fw_rule *new_rule(const char *file, const xmlNode *n, const char *fmt, ...)
    MR_PRINTF(3, 4);
static struct mr_fw_rule *new_rule(const char *file, const xmlNode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = mr_xvasprintf(fmt, ap);
    va_end(ap);
    struct mr_fw_rule *r = fw_rule_new(file, n ? (int)xmlGetLineNo(n) : 0, text);
    free(text);
    return r;
}

/* Adds to R what a <port port="P" protocol="tcp"/> (or <source-port>) matches.
 * False when the element is not one firewalld would load. */
static bool add_port(struct mr_fw_rule *r, const xmlNode *n, enum cond_kind kind)
{
    char *port = attr(n, "port"), *proto = attr(n, "protocol");
    struct range rg;
    unsigned p;
    bool ok = port && proto && fw_parse_port_range(port, '-', &rg) && fw_parse_proto(proto, &p);
    if (ok) {
        fw_push_range(fw_add_cond(r, C_PROTO, false), p, p);
        fw_push_range(fw_add_cond(r, kind, false), rg.lo, rg.hi);
    }
    xmlFree(port);
    xmlFree(proto);
    return ok;
}

static bool add_protocol(struct mr_fw_rule *r, const xmlNode *n)
{
    char *v = attr(n, "value");
    unsigned p;
    bool ok = v && fw_parse_proto(v, &p);
    if (ok)
        fw_push_range(fw_add_cond(r, C_PROTO, false), p, p);
    xmlFree(v);
    return ok;
}

/* A source (zone binding or rich rule): address="NET" is read, ipset= and
 * mac= are opaque. INVERT negates it. */
static void add_source(struct mr_fw_rule *r, const xmlNode *n, bool invert)
{
    char *addr = attr(n, "address"), *ipset = attr(n, "ipset"), *mac = attr(n, "mac");
    struct net net;
    if (addr && fw_parse_net(addr, &net)) {
        struct cond *c = fw_add_cond(r, C_SRC, invert);
        c->family = net.family;
        fw_push_net(c, &net);
    } else if (ipset) {
        fw_add_opaque(r, "the ipset %s (its contents are known only live)", ipset);
    } else if (mac) {
        fw_add_opaque(r, "the source MAC address %s", mac);
    } else {
        fw_add_opaque(r, "a source address firewalld would refuse (%s)", addr ? addr : "none");
    }
    xmlFree(addr);
    xmlFree(ipset);
    xmlFree(mac);
}

/* Adds to C one rule per port or protocol of service NAME (its includes
 * followed), each with the conditions of BASE copied in front; TARGET is
 * the rules' verdict. Reports a service firewalld does not know. */
static void add_service(struct fwd *d, struct mr_fw_chain *c, const char *file,
                        const xmlNode *at, const char *name, const struct mr_fw_rule *base,
                        enum target target, int depth);

static struct mr_fw_rule *copy_rule(const struct mr_fw_rule *base, const char *file,
                                    const xmlNode *at, const char *text)
{
    struct mr_fw_rule *r = new_rule(file, at, "%s", text);
    for (size_t i = 0; base && i < base->n_conds; i++) {
        const struct cond *b = &base->conds[i];
        struct cond *c = fw_add_cond(r, b->kind, b->neg);
        c->family = b->family;
        for (size_t k = 0; k < b->n_ranges; k++)
            fw_push_range(c, b->ranges[k].lo, b->ranges[k].hi);
        for (size_t k = 0; k < b->n_nets; k++)
            fw_push_net(c, &b->nets[k]);
        c->state_new = b->state_new;
        c->state_est = b->state_est;
        c->what = b->what ? mr_xstrdup(b->what) : NULL;
        if (b->names) {
            c->names = mr_xcalloc(1, sizeof(char *));
            for (size_t k = 0; b->names[k]; k++)
                mr_strv_push(&c->names, b->names[k]);
        }
    }
    return r;
}

static void add_service(struct fwd *d, struct mr_fw_chain *c, const char *file,
                        const xmlNode *at, const char *name, const struct mr_fw_rule *base,
                        enum target target, int depth)
{
    char *spath = NULL;
    xmlDoc *doc = depth > MAX_INCLUDE_DEPTH ? NULL : read_xml(d, "services", name, &spath);
    if (!doc) {
        struct mr_fw_rule *r = copy_rule(base, file, at, "");
        free(r->text);
        r->text = mr_xasprintf("service \"%s\"", name);
        fw_add_opaque(r, depth > MAX_INCLUDE_DEPTH
                             ? "service includes more than 8 deep"
                             : "a service that is in neither /etc/firewalld/services nor "
                               "/usr/lib/firewalld/services (firewalld refuses the zone)");
        r->target = target;
        fw_chain_add_rule(c, r, -1);
        return;
    }
    const xmlNode *top = xmlDocGetRootElement(doc);
    for (const xmlNode *n = top ? top->children : NULL; n; n = n->next) {
        bool port = is(n, "port"), proto = is(n, "protocol"), sport = is(n, "source-port");
        if (port || proto || sport) {
            char *p = attr(n, proto ? "value" : "port"), *pr = attr(n, "protocol");
            char *text = proto ? mr_xasprintf("service \"%s\" (%s): protocol %s", name, spath,
                                              p ? p : "?")
                               : mr_xasprintf("service \"%s\" (%s): %sport %s/%s", name, spath,
                                              sport ? "source " : "", p ? p : "?",
                                              pr ? pr : "?");
            struct mr_fw_rule *r = copy_rule(base, file, at, text);
            free(text);
            xmlFree(p);
            xmlFree(pr);
            bool ok = proto ? add_protocol(r, n) : add_port(r, n, sport ? C_SPORT : C_DPORT);
            if (!ok)
                fw_add_opaque(r, "a port or protocol firewalld would refuse");
            const xmlNode *dst = child(top, "destination");
            if (dst)
                fw_add_opaque(r, "the service's destination (an address of this host)");
            r->target = target;
            fw_chain_add_rule(c, r, -1);
        } else if (is(n, "include")) {
            char *inc = attr(n, "service");
            if (inc)
                add_service(d, c, file, at, inc, base, target, depth + 1);
            xmlFree(inc);
        }
    }
    xmlFreeDoc(doc);
    free(spath);
}

/* ---- rich rules ---- */

struct rich {
    const xmlNode *node;
    long priority;
    int order; /* the zone's order: deny before allow at the same priority */
};

static int rich_action(const xmlNode *rule, enum target *ret, const xmlNode **ret_node)
{
    for (const xmlNode *n = rule->children; n; n = n->next) {
        if (is(n, "accept"))
            *ret = T_ACCEPT;
        else if (is(n, "reject"))
            *ret = T_REJECT;
        else if (is(n, "drop"))
            *ret = T_DROP;
        else
            continue;
        *ret_node = n;
        return 0;
    }
    *ret = T_CONTINUE; /* log, audit, mark: the packet goes on */
    *ret_node = NULL;
    return 0;
}

static int cmp_rich(const void *a, const void *b)
{
    const struct rich *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    if (x->order != y->order)
        return x->order - y->order;
    return (int)(xmlGetLineNo(x->node) - xmlGetLineNo(y->node));
}

static void add_rich(struct fwd *d, struct mr_fw_chain *c, const char *file, const xmlNode *n)
{
    enum target target;
    const xmlNode *act;
    rich_action(n, &target, &act);
    struct mr_fw_rule *base = new_rule(file, n, "rich rule");
    char *fam = attr(n, "family");
    if (fam && !strcmp(fam, "ipv4"))
        fw_add_cond(base, C_FAMILY, false)->family = AF_INET;
    else if (fam && !strcmp(fam, "ipv6"))
        fw_add_cond(base, C_FAMILY, false)->family = AF_INET6;
    xmlFree(fam);
    const xmlNode *svc = NULL, *elem = NULL;
    bool other = false;
    for (const xmlNode *e = n->children; e; e = e->next) {
        if (e->type != XML_ELEMENT_NODE)
            continue;
        if (is(e, "source")) {
            char *inv = attr(e, "invert");
            add_source(base, e, inv && !strcasecmp(inv, "true"));
            xmlFree(inv);
        } else if (is(e, "destination")) {
            fw_add_opaque(base, "a destination address (an address of this host)");
        } else if (is(e, "service")) {
            svc = e;
        } else if (is(e, "port") || is(e, "protocol") || is(e, "source-port")) {
            elem = e;
        } else if (is(e, "icmp-block") || is(e, "icmp-type") || is(e, "masquerade") ||
                   is(e, "forward-port") || is(e, "tcp-mss-clamp")) {
            other = true; /* never a TCP connection to this host's ports */
        } else if (e == act && child(e, "limit")) {
            fw_add_opaque(base, "a rate limit (rates are never known)");
        }
    }
    if (other || (target == T_CONTINUE && !act)) {
        fw_rule_free(base);
        return;
    }
    if (svc) {
        char *name = attr(svc, "name");
        if (name)
            add_service(d, c, file, n, name, base, target, 0);
        xmlFree(name);
        fw_rule_free(base);
        return;
    }
    if (elem) {
        bool ok = is(elem, "protocol") ? add_protocol(base, elem)
                                       : add_port(base, elem, is(elem, "port") ? C_DPORT : C_SPORT);
        if (!ok)
            fw_add_opaque(base, "a port or protocol firewalld would refuse");
    }
    base->target = target;
    fw_chain_add_rule(c, base, -1);
}

/* ---- zones ---- */

static void zone_target(struct mr_fw_chain *c, const char *file, const xmlNode *top)
{
    char *t = attr(top, "target");
    const char *name = t ? t : "default";
    struct mr_fw_rule *r = new_rule(file, top, "zone %s, target \"%s\": %s", c->name, name,
                                    !strcmp(name, "ACCEPT") ? "accepts what the zone does not"
                                    : !strcmp(name, "DROP") ? "drops what the zone does not accept"
                                                            : "rejects what the zone does not "
                                                              "accept");
    r->target = !strcmp(name, "ACCEPT") ? T_ACCEPT : !strcmp(name, "DROP") ? T_DROP : T_REJECT;
    fw_chain_add_rule(c, r, -1);
    xmlFree(t);
}

/* Zone NAME's chain, built from its file; NULL when there is no such zone. */
static struct mr_fw_chain *zone_chain(struct fwd *d, const char *name)
{
    struct mr_fw_chain *c = fw_find_chain(d->rs, "inet", FWD_TABLE, name);
    if (c)
        return c;
    char *file = NULL;
    xmlDoc *doc = read_xml(d, "zones", name, &file);
    if (!doc)
        return NULL;
    const xmlNode *top = xmlDocGetRootElement(doc);
    if (!top || !is(top, "zone")) {
        fwd_error(d, "%s:1: not a firewalld zone (no <zone> element)", file);
        xmlFreeDoc(doc);
        free(file);
        return NULL;
    }
    c = fw_get_chain(d->rs, "inet", FWD_TABLE, name);
    c->file = mr_xstrdup(file);
    c->line = (int)xmlGetLineNo(top);

    struct rich *rich = NULL;
    size_t n_rich = 0;
    for (const xmlNode *n = top->children; n; n = n->next) {
        if (!is(n, "rule"))
            continue;
        char *prio = attr(n, "priority");
        long p = 0;
        if (prio && mr_parse_long(prio, &p) < 0)
            p = 0;
        xmlFree(prio);
        enum target t;
        const xmlNode *act;
        rich_action(n, &t, &act);
        rich = mr_xrealloc(rich, (n_rich + 1) * sizeof(*rich));
        rich[n_rich++] = (struct rich){n, p, t == T_ACCEPT ? 2 : t == T_CONTINUE ? 0 : 1};
    }
    if (n_rich)
        qsort(rich, n_rich, sizeof(*rich), cmp_rich);
    /* firewalld's pre chain (negative priorities), then its deny chain. */
    for (size_t i = 0; i < n_rich; i++)
        if (rich[i].priority < 0 || (rich[i].priority == 0 && rich[i].order < 2))
            add_rich(d, c, file, rich[i].node);
    /* What the zone accepts, in firewalld's allow chain. */
    for (const xmlNode *n = top->children; n; n = n->next) {
        if (is(n, "service")) {
            char *s = attr(n, "name");
            if (s)
                add_service(d, c, file, n, s, NULL, T_ACCEPT, 0);
            xmlFree(s);
        } else if (is(n, "port") || is(n, "source-port") || is(n, "protocol")) {
            char *p = attr(n, is(n, "protocol") ? "value" : "port"), *pr = attr(n, "protocol");
            struct mr_fw_rule *r = new_rule(file, n, "zone %s: %s %s%s%s", name,
                                            is(n, "protocol") ? "protocol"
                                            : is(n, "port")   ? "port"
                                                              : "source port",
                                            p ? p : "?", pr ? "/" : "", pr ? pr : "");
            xmlFree(p);
            xmlFree(pr);
            bool ok = is(n, "protocol") ? add_protocol(r, n)
                                        : add_port(r, n, is(n, "port") ? C_DPORT : C_SPORT);
            if (!ok)
                fw_add_opaque(r, "a port or protocol firewalld would refuse");
            r->target = T_ACCEPT;
            fw_chain_add_rule(c, r, -1);
        }
    }
    for (size_t i = 0; i < n_rich; i++)
        if (rich[i].priority == 0 && rich[i].order == 2)
            add_rich(d, c, file, rich[i].node);
    for (size_t i = 0; i < n_rich; i++) /* the post chain */
        if (rich[i].priority > 0)
            add_rich(d, c, file, rich[i].node);
    free(rich);
    zone_target(c, file, top);
    xmlFreeDoc(doc);
    free(file);
    return c;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The zone names: /etc's and the shipped ones, once each, sorted. */
static char **zone_names(struct fwd *d)
{
    char **out = mr_xcalloc(1, sizeof(char *));
    const char *dirs[] = {"/etc/firewalld/zones", "/usr/lib/firewalld/zones"};
    for (size_t i = 0; i < 2; i++) {
        char **names = NULL;
        if (mr_root_list(d->root, dirs[i], ".xml", &names) < 0)
            continue;
        for (size_t k = 0; names[k]; k++) {
            names[k][strlen(names[k]) - 4] = '\0';
            if (*names[k] && !mr_strv_contains(out, names[k]))
                mr_strv_push(&out, names[k]);
        }
        mr_strv_free(names);
    }
    qsort(out, mr_strv_len(out), sizeof(char *), cmp_str);
    return out;
}

/* The bindings of zone NAME (its <source> and <interface> elements) as
 * dispatch rules of INPUT: sources in SRC_RULES, interfaces in IF_RULES. */
static void zone_bindings(struct fwd *d, const char *name, struct mr_fw_rule ***src_rules,
                          struct mr_fw_rule ***if_rules, size_t *n_src, size_t *n_if)
{
    char *file = NULL;
    xmlDoc *doc = read_xml(d, "zones", name, &file);
    if (!doc)
        return;
    const xmlNode *top = xmlDocGetRootElement(doc);
    for (const xmlNode *n = top ? top->children : NULL; n; n = n->next) {
        bool src = is(n, "source"), ifc = is(n, "interface");
        if (!src && !ifc)
            continue;
        char *v = attr(n, src ? "address" : "name");
        char *ipset = attr(n, "ipset"), *mac = attr(n, "mac");
        struct mr_fw_rule *r = new_rule(file, n, "zone %s: %s %s", name,
                                        src ? "source" : "interface",
                                        v ? v : ipset ? ipset : mac ? mac : "?");
        xmlFree(v);
        xmlFree(ipset);
        xmlFree(mac);
        if (src) {
            add_source(r, n, false);
        } else {
            char *ifname = attr(n, "name");
            struct cond *c = fw_add_cond(r, C_IIF, false);
            c->names = mr_xcalloc(1, sizeof(char *));
            mr_strv_push(&c->names, ifname ? ifname : "");
            xmlFree(ifname);
        }
        r->target = T_GOTO;
        r->target_arg = mr_xstrdup(name);
        struct mr_fw_rule ***v_rules = src ? src_rules : if_rules;
        size_t *cnt = src ? n_src : n_if;
        *v_rules = mr_xrealloc(*v_rules, (*cnt + 1) * sizeof(**v_rules));
        (*v_rules)[(*cnt)++] = r;
    }
    xmlFreeDoc(doc);
    free(file);
}

/* Direct rules firewalld passes to iptables as they are: not read here. */
static void check_direct(struct fwd *d)
{
    const char *path = "/etc/firewalld/direct.xml";
    char *buf = NULL;
    size_t len = 0;
    if (mr_root_read(d->root, path, MAX_XML, &buf, &len) < 0)
        return;
    xmlDoc *doc = xmlReadMemory(buf, (int)len, path, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    free(buf);
    const xmlNode *top = doc ? xmlDocGetRootElement(doc) : NULL;
    for (const xmlNode *n = top ? top->children : NULL; n; n = n->next)
        if (is(n, "rule") || is(n, "passthrough")) {
            fw_set_problem(d->rs, path, (int)xmlGetLineNo(n),
                           "direct rules (iptables rules firewalld passes on as they are)");
            break;
        }
    xmlFreeDoc(doc);
}

int mr_fw_parse_firewalld(const struct mr_root *root, struct mr_fw_ruleset **ret, char **ret_msg)
{
    struct fwd d = {.root = root, .rs = fw_ruleset_new(MR_FW_FIREWALLD, etc_dir)};
    struct mr_fw_chain *in = fw_get_chain(d.rs, "inet", FWD_TABLE, FWD_INPUT);
    in->base = true;
    in->policy = T_ACCEPT;
    in->file = mr_xstrdup("/etc/firewalld/firewalld.conf");

    struct mr_fw_rule *r = fw_rule_new(NULL, 0, "ct state established,related accept");
    struct cond *c = fw_add_cond(r, C_STATE, false);
    c->state_est = true;
    r->target = T_ACCEPT;
    fw_chain_add_rule(in, r, -1);
    r = fw_rule_new(NULL, 0, "iifname lo accept");
    c = fw_add_cond(r, C_IIF, false);
    c->names = mr_xcalloc(1, sizeof(char *));
    mr_strv_push(&c->names, "lo");
    r->target = T_ACCEPT;
    fw_chain_add_rule(in, r, -1);

    char **zones = zone_names(&d);
    struct mr_fw_rule **src_rules = NULL, **if_rules = NULL;
    size_t n_src = 0, n_if = 0;
    for (size_t i = 0; zones[i] && !d.msg; i++)
        zone_bindings(&d, zones[i], &src_rules, &if_rules, &n_src, &n_if);
    for (size_t i = 0; i < n_src; i++)
        fw_chain_add_rule(in, src_rules[i], -1);
    for (size_t i = 0; i < n_if; i++)
        fw_chain_add_rule(in, if_rules[i], -1);
    free(src_rules);
    free(if_rules);

    int dline = 0;
    char *def = default_zone(&d, &dline);
    in->line = dline;
    r = fw_rule_new(dline ? "/etc/firewalld/firewalld.conf" : NULL, dline, "");
    free(r->text);
    r->text = mr_xasprintf("DefaultZone=%s", def);
    r->target = T_GOTO;
    r->target_arg = mr_xstrdup(def);
    fw_chain_add_rule(in, r, -1);
    /* Every zone a rule goes to, and only those: a zone file nothing uses
     * does not make the configuration unreadable. */
    for (size_t i = 0; i < in->n_rules && !d.msg; i++)
        if (in->rules[i]->target == T_GOTO && !zone_chain(&d, in->rules[i]->target_arg) &&
            !d.msg)
            fwd_error(&d, "%s:%d: the zone %s is in neither /etc/firewalld/zones nor "
                      "/usr/lib/firewalld/zones",
                      in->rules[i]->file ? in->rules[i]->file : "/etc/firewalld/firewalld.conf",
                      in->rules[i]->line, in->rules[i]->target_arg);
    free(def);
    mr_strv_free(zones);
    check_direct(&d);
    if (d.msg) {
        mr_fw_ruleset_free(d.rs);
        *ret_msg = d.msg;
        return -EINVAL;
    }
    *ret = d.rs;
    return 0;
}

bool mr_fw_firewalld_is_target(const struct mr_fw_rule *r)
{
    const struct mr_fw_chain *c = r ? r->chain : NULL;
    return c && !strcmp(c->table, FWD_TABLE) && strcmp(c->name, FWD_INPUT) != 0 &&
           c->n_rules > 0 && c->rules[c->n_rules - 1] == r;
}
