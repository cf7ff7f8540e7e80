/* hosts.resolution: this host's name, its peers and the NFS server resolve
 * to addresses other hosts can reach. /etc/hosts and nsswitch.conf are read
 * here (under --root they are all there is); live, the resolver is asked too. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "cluster.h"
#include "ctx.h"
#include "hostsfile.h"
#include "netaddr.h"
#include "novaconf.h"
#include "ops.h"

#define HOSTS MR_HOSTS_PATH
#define NSSWITCH "/etc/nsswitch.conf"

struct nss {
    bool present;
    int line;        /* of the hosts: line, 0 when absent */
    char **services; /* in order, actions in brackets left out */
};

/* Reads /etc/hosts into *RET (left NULL when there is none). Lines glibc
 * skips are reported as warnings at their place; a file that is not text is
 * an error. Returns false when the check cannot go on. */
static bool hosts_load(const struct mr_ctx *ctx, struct mr_result *res, struct mr_hosts **ret)
{
    int line = 0;
    int r = mr_hosts_read(ctx->root, ret, &line);
    struct mr_finding *f;
    if (r == -ENOENT)
        return true;
    if (r == -EBADMSG) {
        f = mr_report(res, MR_ERROR, "%s is not a text file (a NUL byte on line %d): the names "
                      "it maps cannot be judged", HOSTS, line);
        mr_finding_at(f, HOSTS, line);
        mr_finding_remedy(f, "restore %s from a backup or rewrite it (one 'ADDRESS NAME "
                          "[ALIAS...]' per line)", HOSTS);
        return false;
    }
    if (r < 0) {
        f = mr_report(res, MR_ERROR, "cannot read %s: %s", HOSTS,
                      r == -EFBIG ? "too large" : strerror(-r));
        mr_finding_at(f, HOSTS, 0);
        return false;
    }
    for (size_t i = 0; i < (*ret)->n_skipped; i++) {
        int n = (*ret)->skipped[i];
        f = mr_report(res, MR_WARN, "%s:%d does not start with an IP address; the resolver "
                      "skips the line", HOSTS, n);
        mr_finding_at(f, HOSTS, n);
        mr_finding_remedy(f, "fix or remove line %d of %s (format: ADDRESS NAME [ALIAS...])", n,
                          HOSTS);
    }
    return true;
}

static void nss_load(const struct mr_ctx *ctx, struct nss *n)
{
    char *buf = NULL;
    n->services = mr_xcalloc(1, sizeof(char *));
    if (mr_root_read(ctx->root, NSSWITCH, 1u << 20, &buf, NULL) < 0) {
        /* glibc's built-in order when the file is missing. */
        mr_strv_push(&n->services, "dns");
        mr_strv_push(&n->services, "files");
        free(buf);
        return;
    }
    n->present = true;
    int lineno = 0;
    for (char *line = buf, *next; line; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        line[strcspn(line, "#")] = '\0';
        line = mr_strip(line);
        if (strncmp(line, "hosts", 5) != 0)
            continue;
        char *p = mr_strip(line + 5);
        if (*p != ':')
            continue;
        p++;
        mr_strv_free(n->services);
        n->services = mr_xcalloc(1, sizeof(char *));
        n->line = lineno;
        while (*p) {
            while (isspace((unsigned char)*p))
                p++;
            if (*p == '[') {
                char *close = strchr(p, ']');
                p = close ? close + 1 : p + strlen(p);
                continue;
            }
            const char *start = p;
            while (*p && !isspace((unsigned char)*p) && *p != '[')
                p++;
            if (p > start) {
                char *s = mr_xstrndup(start, (size_t)(p - start));
                mr_strv_push(&n->services, s);
                free(s);
            }
        }
    }
    free(buf);
}

static bool nss_uses_files(const struct nss *n)
{
    return mr_strv_contains(n->services, "files");
}

/* A service before "files" that answers from elsewhere (systemd-resolved
 * reads /etc/hosts itself; mDNS only answers .local names). */
static const char *nss_bypass(const struct nss *n)
{
    for (size_t i = 0; n->services[i]; i++) {
        const char *s = n->services[i];
        if (strcmp(s, "files") == 0)
            return NULL;
        if (strcmp(s, "resolve") != 0 && strncmp(s, "mdns", 4) != 0)
            return s;
    }
    return NULL;
}

/* A service that may know a name /etc/hosts does not list. */
static bool nss_elsewhere(const struct nss *n)
{
    for (size_t i = 0; n->services[i]; i++)
        if (strcmp(n->services[i], "files") != 0 && strcmp(n->services[i], "myhostname") != 0)
            return true;
    return false;
}

struct run {
    const struct mr_ctx *ctx;
    struct mr_result *res;
    struct mr_hosts *hosts; /* NULL when there is no /etc/hosts */
    struct nss nss;
    char *order;
    /* What the fix maps: this host's names (the canonical one first) to its
     * address (NULL when unknown: the names would stop resolving), and the
     * names the site's hosts key gives an address. */
    char **own_names;
    const char *own_addr;
    char **pairs;
    int *loop_lines; /* loopback lines already reported */
    size_t n_loop;
};

static bool loop_reported(struct run *rn, int line)
{
    for (size_t i = 0; i < rn->n_loop; i++)
        if (rn->loop_lines[i] == line)
            return true;
    rn->loop_lines = mr_xrealloc(rn->loop_lines, (rn->n_loop + 1) * sizeof(int));
    rn->loop_lines[rn->n_loop++] = line;
    return false;
}

/* This host's reachable address: the site's `address` (WITH_SITE: the
 * fix's; the remedy names only nova.conf's), else nova.conf's my_ip when a
 * file sets it; NULL when neither. */
static const char *own_address(const struct mr_ctx *ctx, bool with_site, const char **ret_from)
{
    const char *a = mr_ctx_site(ctx, "address");
    if (with_site && a && mr_addr_is_literal(a) && !mr_addr_is_local_only(a)) {
        *ret_from = "address in the site configuration";
        return a;
    }
    const struct mr_novaconf *conf = NULL;
    const char *msg = NULL;
    const char *ip = mr_ctx_nova(ctx, &conf, &msg) == 0 ? mr_novaconf_my_ip(conf) : NULL;
    *ret_from = ip ? "my_ip in nova.conf" : NULL;
    return ip;
}

/* The remedy's address: "ADDRESS" when it is unknown (caller frees). */
static char *remedy_address(const struct mr_ctx *ctx, const char **ret_from)
{
    const char *a = own_address(ctx, false, ret_from);
    return mr_xstrdup(a ? a : "ADDRESS");
}

/* F's fix maps this host's names to its address in /etc/hosts (a loopback
 * line that named them becomes that line). */
static void fix_own(struct run *rn, struct mr_finding *f)
{
    if (!rn->own_addr || !rn->own_names || !rn->own_names[0])
        return;
    mr_finding_code(f, "own-name");
    mr_finding_key(f, NULL, rn->own_names[0]);
    mr_finding_want(f, rn->own_addr);
    for (size_t i = 1; rn->own_names[i]; i++)
        mr_finding_also(f, NULL, rn->own_names[i], rn->own_addr);
}

/* F's fix maps NAME to the address the site's hosts key gives it, if any.
 * A warning gets it too: what the offline check cannot decide, the site
 * configuration does, and the fix writes it once the check fails. */
static void fix_name(struct run *rn, struct mr_finding *f, const char *name)
{
    const char *addr = mr_hosts_pair_addr(rn->pairs, name);
    if (!addr)
        return;
    mr_finding_code(f, "name");
    mr_finding_key(f, NULL, name);
    mr_finding_want(f, addr);
}

/* Asks the live resolver; returns the addresses or NULL (with R set). */
static char **ask(const struct mr_ctx *ctx, const char *name, int *r)
{
    char **addrs = NULL;
    *r = -ENOSYS;
    if (!ctx->live || !ctx->ops || !ctx->ops->resolve)
        return NULL;
    *r = ctx->ops->resolve(name, &addrs);
    if (*r < 0) {
        mr_strv_free(addrs);
        return NULL;
    }
    if (!addrs || !addrs[0]) {
        mr_strv_free(addrs);
        *r = -ENOENT;
        return NULL;
    }
    return addrs;
}

static const char *first_loopback(char *const *v)
{
    for (size_t i = 0; v && v[i]; i++)
        if (mr_addr_is_local_only(v[i]))
            return v[i];
    return NULL;
}

static bool addr_in(char *const *v, const char *addr)
{
    for (size_t i = 0; v && v[i]; i++)
        if (mr_addr_same(addr, v[i]))
            return true;
    return false;
}

/* The live resolver's answer for NAME against what /etc/hosts said (FILE_OK:
 * a non-loopback line, or NULL). WHAT names it in messages. */
static void compare_resolver(struct run *rn, const char *what, const char *name, bool own,
                             const struct mr_hosts_entry *file_ok, bool loop_in_file)
{
    int r;
    char **addrs = ask(rn->ctx, name, &r);
    struct mr_finding *f;
    if (r == -ENOSYS)
        return;
    if (r == -ENOENT) {
        f = mr_report(rn->res, MR_FAIL, "%s %s does not resolve to any address (hosts: %s)",
                      what, name, rn->order);
        mr_finding_remedy(f, "add '%s %s' to %s or publish %s in DNS", "ADDRESS", name, HOSTS,
                          name);
        own ? fix_own(rn, f) : fix_name(rn, f, name);
        return;
    }
    if (r < 0) {
        f = mr_report(rn->res, MR_WARN, "the resolver failed for %s %s: %s", what, name,
                      strerror(-r));
        mr_finding_remedy(f, "check /etc/resolv.conf and the DNS servers, or add %s to %s",
                          name, HOSTS);
        return;
    }
    char *list = mr_strv_join(addrs, ", ");
    const char *loop = first_loopback(addrs);
    if (loop && !loop_in_file) {
        f = mr_report(rn->res, MR_FAIL,
                      "the resolver answers %s for %s %s, a loopback address: peers that are "
                      "handed this name reach themselves, and the migration fails",
                      list, what, name);
        mr_finding_remedy(f, "map %s to this host's reachable address in %s or DNS "
                          "(check 'getent ahosts %s')", name, HOSTS, name);
        own ? fix_own(rn, f) : fix_name(rn, f, name);
    } else if (file_ok && !addr_in(addrs, file_ok->addr)) {
        f = mr_report(rn->res, MR_WARN,
                      "the resolver answers %s for %s %s, but %s:%d says %s (hosts: %s)",
                      list, what, name, HOSTS, file_ok->line, file_ok->addr, rn->order);
        mr_finding_at(f, HOSTS, file_ok->line);
        mr_finding_remedy(f, "make %s and DNS agree on %s, and put files first in %s", HOSTS,
                          name, NSSWITCH);
    } else if (!file_ok && !loop) {
        mr_report(rn->res, MR_PASS, "%s %s resolves to %s (resolver)", what, name, list);
    }
    free(list);
    mr_strv_free(addrs);
}

/* This host's NAME (the short name or the FQDN) in /etc/hosts. Returns the
 * first non-loopback line, NULL when none; *RET_LOOP when a loopback line was
 * found (and reported). */
static const struct mr_hosts_entry *check_own_name(struct run *rn, const char *name,
                                              const char *shortname, const char *fqdn,
                                              bool *ret_loop)
{
    const struct mr_hosts_entry *ok = NULL, *l;
    size_t pos = 0;
    *ret_loop = false;
    while ((l = mr_hosts_next(rn->hosts, name, &pos))) {
        if (!mr_addr_is_local_only(l->addr)) {
            if (!ok)
                ok = l;
            continue;
        }
        *ret_loop = true;
        if (loop_reported(rn, l->line))
            continue;
        const char *from = NULL;
        char *addr = remedy_address(rn->ctx, &from);
        struct mr_finding *f = mr_report(
            rn->res, MR_FAIL,
            "%s maps this host's name %s to %s, a loopback address (%s:%d): libvirt hands peers "
            "a name that leads back to themselves and the migration fails (\"hostname on "
            "destination resolved to localhost\")",
            HOSTS, name, l->addr, HOSTS, l->line);
        mr_finding_at(f, HOSTS, l->line);
        if (fqdn)
            mr_finding_remedy(f, "replace line %d of %s with '%s %s %s'%s%s%s", l->line, HOSTS,
                              addr, fqdn, shortname, from ? " (" : "", from ? from : "",
                              from ? ")" : "");
        else
            mr_finding_remedy(f, "replace line %d of %s with '%s %s'%s%s%s", l->line, HOSTS,
                              addr, shortname, from ? " (" : "", from ? from : "",
                              from ? ")" : "");
        fix_own(rn, f);
        free(addr);
    }
    return ok;
}

static void check_self(struct run *rn, const char *hostname)
{
    char *shortname = mr_xstrndup(hostname, strcspn(hostname, "."));
    char *fqdn = NULL;
    if (strchr(hostname, '.')) {
        fqdn = mr_xstrdup(hostname);
    } else {
        /* The canonical name of the first line that lists the short name. */
        size_t pos = 0;
        const struct mr_hosts_entry *l = mr_hosts_next(rn->hosts, shortname, &pos);
        if (l && strchr(l->names[0], '.'))
            fqdn = mr_xstrdup(l->names[0]);
    }
    /* The names the fix maps: the FQDN (when known), then the short name. */
    rn->own_names = mr_xcalloc(1, sizeof(char *));
    if (fqdn)
        mr_strv_push(&rn->own_names, fqdn);
    if (!fqdn || strcasecmp(fqdn, shortname) != 0)
        mr_strv_push(&rn->own_names, shortname);
    const char *names[2] = {hostname, fqdn};
    for (size_t i = 0; i < 2; i++) {
        const char *name = names[i];
        if (!name || (i == 1 && strcasecmp(name, hostname) == 0))
            continue;
        bool loop = false;
        const struct mr_hosts_entry *ok = check_own_name(rn, name, shortname, fqdn, &loop);
        struct mr_finding *f;
        if (ok && !loop) {
            f = mr_report(rn->res, MR_PASS, "this host's name %s resolves to %s (%s:%d)", name,
                          ok->addr, HOSTS, ok->line);
            mr_finding_at(f, HOSTS, ok->line);
        } else if (!ok && !loop && !rn->ctx->live) {
            const char *from = NULL;
            char *addr = remedy_address(rn->ctx, &from);
            if (nss_uses_files(&rn->nss) && !nss_elsewhere(&rn->nss)) {
                f = mr_report(rn->res, MR_FAIL,
                              "this host's name %s is not in %s and hosts: %s asks nothing "
                              "else: it does not resolve", name, HOSTS, rn->order);
                if (rn->nss.present)
                    mr_finding_at(f, NSSWITCH, rn->nss.line);
            } else {
                f = mr_report(rn->res, MR_WARN,
                              "this host's name %s is not in %s; whether hosts: %s resolves "
                              "it (and not to a loopback address) cannot be decided offline",
                              name, HOSTS, rn->order);
            }
            mr_finding_remedy(f, "add '%s %s%s%s' to %s, or run migready on the live host", addr,
                              fqdn ? fqdn : shortname, fqdn ? " " : "", fqdn ? shortname : "",
                              HOSTS);
            fix_own(rn, f);
            free(addr);
        }
        compare_resolver(rn, "this host's name", name, true, ok, loop);
    }
    free(shortname);
    free(fqdn);
}

static void check_remote(struct run *rn, const char *what, const char *name)
{
    struct mr_finding *f;
    if (mr_addr_is_literal(name)) {
        if (mr_addr_is_local_only(name)) {
            f = mr_report(rn->res, MR_FAIL, "%s %s is a loopback address", what, name);
            mr_finding_remedy(f, "name the %s by a name or address other hosts can reach in %s",
                              what, mr_ctx_site_path(rn->ctx) ? mr_ctx_site_path(rn->ctx)
                                                              : "the site configuration");
        } else {
            mr_report(rn->res, MR_PASS, "%s %s is an address, nothing to resolve", what, name);
        }
        return;
    }
    size_t pos = 0;
    const struct mr_hosts_entry *l, *ok = NULL;
    bool loop = false;
    while ((l = mr_hosts_next(rn->hosts, name, &pos))) {
        if (!mr_addr_is_local_only(l->addr)) {
            if (!ok)
                ok = l;
            continue;
        }
        loop = true;
        f = mr_report(rn->res, MR_FAIL, "%s maps %s %s to %s, a loopback address (%s:%d)", HOSTS,
                      what, name, l->addr, HOSTS, l->line);
        mr_finding_at(f, HOSTS, l->line);
        mr_finding_remedy(f, "map %s to its reachable address on line %d of %s", name, l->line,
                          HOSTS);
        fix_name(rn, f, name);
    }
    if (ok && !loop) {
        f = mr_report(rn->res, MR_PASS, "%s %s resolves to %s (%s:%d)", what, name, ok->addr,
                      HOSTS, ok->line);
        mr_finding_at(f, HOSTS, ok->line);
    } else if (!ok && !loop && !rn->ctx->live) {
        if (nss_uses_files(&rn->nss) && !nss_elsewhere(&rn->nss)) {
            f = mr_report(rn->res, MR_FAIL,
                          "%s %s is not in %s and hosts: %s asks nothing else: it does not "
                          "resolve", what, name, HOSTS, rn->order);
            if (rn->nss.present)
                mr_finding_at(f, NSSWITCH, rn->nss.line);
            mr_finding_remedy(f, "add 'ADDRESS %s' to %s, or add dns to the hosts: line of %s",
                              name, HOSTS, NSSWITCH);
            fix_name(rn, f, name);
        } else {
            f = mr_report(rn->res, MR_WARN,
                          "%s %s is not in %s; whether hosts: %s resolves it cannot be "
                          "decided offline", what, name, HOSTS, rn->order);
            mr_finding_remedy(f, "run migready on the live host, or add 'ADDRESS %s' to %s",
                              name, HOSTS);
            fix_name(rn, f, name);
        }
    }
    compare_resolver(rn, what, name, false, ok, loop);
}

static int run_resolution(const struct mr_ctx *ctx, struct mr_result *res)
{
    struct run rn = {.ctx = ctx, .res = res};
    char *hostname = NULL;
    const char *from = NULL;
    struct mr_finding *f;

    rn.own_addr = own_address(ctx, true, &from);
    rn.pairs = mr_hosts_site_pairs(mr_ctx_site(ctx, "hosts"));

    nss_load(ctx, &rn.nss);
    rn.order = mr_strv_join(rn.nss.services, " "); /* "files dns" as written */
    if (!hosts_load(ctx, res, &rn.hosts))
        goto cleanup;

    hostname = mr_ctx_hostname(ctx);
    if (!hostname) {
        f = mr_report(res, MR_WARN, "this host's name is unknown: /etc/hostname is missing or "
                      "empty, so its resolution cannot be checked");
        mr_finding_remedy(f, "write the host's name to /etc/hostname (hostnamectl set-hostname "
                          "NAME)");
    } else {
        check_self(&rn, hostname);
    }

    for (size_t i = 0; ctx->peers && ctx->peers[i]; i++)
        check_remote(&rn, "peer", ctx->peers[i]);
    const char *nfs = mr_ctx_site(ctx, "nfs_server");
    if (nfs && !mr_strv_contains(ctx->peers, nfs))
        check_remote(&rn, "NFS server", nfs);

    const char *bypass = nss_bypass(&rn.nss);
    if (!rn.nss.present) {
        f = mr_report(res, MR_WARN, "%s is missing: glibc then asks DNS before %s, which may be "
                      "bypassed", NSSWITCH, HOSTS);
        mr_finding_remedy(f, "create %s with 'hosts: files dns'", NSSWITCH);
    } else if (!nss_uses_files(&rn.nss)) {
        f = mr_report(res, MR_WARN, "hosts: %s in %s:%d leaves out files: %s is not read",
                      rn.order, NSSWITCH, rn.nss.line, HOSTS);
        mr_finding_at(f, NSSWITCH, rn.nss.line);
        mr_finding_remedy(f, "put files first on the hosts: line of %s (hosts: files dns)",
                          NSSWITCH);
    } else if (bypass) {
        f = mr_report(res, MR_WARN, "hosts: %s in %s:%d asks %s before files: %s may be "
                      "bypassed", rn.order, NSSWITCH, rn.nss.line, bypass, HOSTS);
        mr_finding_at(f, NSSWITCH, rn.nss.line);
        mr_finding_remedy(f, "put files first on the hosts: line of %s (hosts: files dns)",
                          NSSWITCH);
    }

    if (ctx->live && ctx->ops && ctx->ops->selinux_enforcing && ctx->ops->selinux_enforcing()) {
        f = mr_report(res, MR_PASS, "SELinux is enforcing: an edited %s needs its label "
                      "(net_conf_t) or the resolver cannot read it", HOSTS);
        mr_finding_remedy(f, "after editing %s, run: restorecon %s", HOSTS, HOSTS);
    }
    mr_cluster_hosts(ctx, res);

cleanup:
    free(hostname);
    free(rn.order);
    free(rn.loop_lines);
    mr_strv_free(rn.own_names);
    mr_strv_free(rn.pairs);
    mr_hosts_free(rn.hosts);
    mr_strv_free(rn.nss.services);
    return 0;
}

const struct mr_check mr_check_hosts_resolution = {
    .id = "hosts.resolution",
    .title = "this host's name and its peers resolve to reachable addresses",
    .run = run_resolution,
};
