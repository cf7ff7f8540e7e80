/* Checks of nova.conf (and nova.conf.d) on a compute host. The values are
 * read with oslo.config's semantics by src/conf/novaconf.c; every finding points
 * at the file and line that set the value, or says it is Nova's default. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "checks.h"
#include "cluster.h"
#include "ctx.h"
#include "facts.h"
#include "libvirtconf.h"
#include "migready.h"
#include "netaddr.h"
#include "novaconf.h"
#include "novarelease.h"
#include "ops.h"
#include "pathutil.h"

#define NOVA_CONF "/etc/nova/nova.conf"

/* Loads nova.conf; on failure records an error finding and returns false. */
static bool load(const struct mr_ctx *ctx, struct mr_result *res, const struct mr_novaconf **ret)
{
    const char *msg = NULL;
    int r = mr_ctx_nova(ctx, ret, &msg);
    if (r < 0) {
        mr_report(res, MR_ERROR, "cannot read nova.conf: %s", msg ? msg : strerror(-r));
        return false;
    }
    return true;
}

static void get(const struct mr_novaconf *conf, const char *section, const char *key,
                struct mr_novaval *v)
{
    if (!mr_novaconf_get(conf, section, key, v))
        v->value = NULL;
}

/* Attaches the place that set V, when a file did. */
static struct mr_finding *at(struct mr_finding *f, const struct mr_novaval *v)
{
    if (v->file)
        mr_finding_at(f, v->file, v->line);
    return f;
}

/* The file a remedy should edit: the one that set the value, else nova.conf. */
static const char *edit_file(const struct mr_novaval *v)
{
    return v->file ? v->file : v->conf ? v->conf : NOVA_CONF;
}

/* "server_listen = X" or "server_listen is Nova's default X". */
static char *describe(const struct mr_novaval *v, const char *key)
{
    if (v->is_default)
        return mr_xasprintf("%s is Nova's default %s", key, v->value ? v->value : "(unset)");
    return mr_xasprintf("%s = %s", key, v->value ? v->value : "");
}

/* A deprecated name Nova still honours: a pass-level note, so that the
 * operator learns of it without the host being called unready. */
static void note_legacy(struct mr_result *res, const struct mr_novaval *v, const char *section,
                        const char *key)
{
    if (!v->legacy)
        return;
    struct mr_finding *f = mr_report(res, MR_PASS, "[%s] %s is deprecated; use [%s] %s",
                                     v->section, v->name, section, key);
    at(f, v);
    mr_finding_remedy(f, "rename [%s] %s to %s in [%s] of %s", v->section, v->name, key, section,
                      edit_file(v));
}

/* Parses a BoolOpt; a value oslo.config rejects is a fail at its place. */
static bool get_bool(struct mr_result *res, const struct mr_novaval *v, const char *section,
                     const char *key, bool *ret)
{
    if (v->value && mr_parse_bool(v->value, ret) == 0)
        return true;
    struct mr_finding *f = mr_report(res, MR_FAIL,
                                     "[%s] %s = %s is not a boolean; nova-compute will refuse it",
                                     section, key, v->value ? v->value : "");
    at(f, v);
    mr_finding_remedy(f, "set %s to True or False in [%s] of %s", key, section, edit_file(v));
    return false;
}

/* ---- nova.vnc-listen ---- */

enum listen_kind { LISTEN_ANY, LISTEN_LOOPBACK, LISTEN_SPECIFIC, LISTEN_NAME };

static enum listen_kind classify_listen(const char *addr)
{
    if (mr_addr_is_unspecified(addr))
        return LISTEN_ANY;
    if (mr_addr_is_literal(addr))
        return mr_addr_is_loopback(addr) ? LISTEN_LOOPBACK : LISTEN_SPECIFIC;
    /* Names: libvirt's "localhost*" rule, and Debian's name for ::1. */
    if (mr_libvirt_addr_is_loopback(addr) || strcasecmp(addr, "ip6-localhost") == 0)
        return LISTEN_LOOPBACK;
    return LISTEN_NAME;
}

/* Whether ADDR is configured on one of the live host's interfaces: 1 yes,
 * 0 no, -1 cannot tell (offline, or the interfaces cannot be listed). */
static int is_local_address(const struct mr_ctx *ctx, const char *addr)
{
    if (!ctx->live || !ctx->ops || !ctx->ops->local_addresses)
        return -1;
    char **addrs = NULL;
    if (ctx->ops->local_addresses(&addrs) < 0)
        return -1;
    bool hit = false;
    for (size_t i = 0; addrs && addrs[i] && !hit; i++)
        hit = mr_addr_same(addr, addrs[i]);
    mr_strv_free(addrs);
    return hit;
}

/* The Nova release whose rules apply; an unreadable nova_release is an
 * error of the check. */
static bool load_release(const struct mr_ctx *ctx, struct mr_result *res,
                         const struct mr_nova_release **ret)
{
    const char *msg = NULL;
    if (mr_ctx_nova_release(ctx, ret, &msg) < 0) {
        mr_report(res, MR_ERROR, "cannot tell which Nova release's rules apply: %s", msg);
        return false;
    }
    return true;
}

/* "this host runs Nova 2024.1 (Caracal, 29.0.0)", or that the newest rules
 * apply (caller frees). */
static char *release_clause(const struct mr_nova_release *rel)
{
    char *d = mr_nova_release_describe(rel);
    char *s = rel->known ? mr_xasprintf("this host runs %s", d)
                         : mr_xasprintf("migready applies the newest rules: %s", d);
    free(d);
    return s;
}

/* Deprecated names that Nova later removed, and the release that did:
 * "Remove deprecated opts from VNC conf" (Nova 25.0.0, nova/conf/vnc.py). */
static const struct {
    const char *section, *name;
    int removed_in;
} removed_names[] = {
    {"DEFAULT", "vncserver_listen", 25},
    {"vnc", "vncserver_listen", 25},
    {"DEFAULT", "vncserver_proxyclient_address", 25},
    {"vnc", "vncserver_proxyclient_address", 25},
};

/* Looks SECTION/KEY up by the host's release's rules: a deprecated name
 * that release no longer reads is reported as ignored, and *V is what Nova
 * reads instead. Other deprecated names get a pass-level note. */
static void get_for_release(struct mr_result *res, const struct mr_novaconf *conf,
                            const struct mr_nova_release *rel, const char *section,
                            const char *key, struct mr_novaval *v)
{
    get(conf, section, key, v);
    if (!v->legacy)
        return;
    int removed = 0;
    for (size_t i = 0; i < MR_ARRAY_SIZE(removed_names) && !removed; i++)
        if (strcmp(removed_names[i].section, v->section) == 0 &&
            strcmp(removed_names[i].name, v->name) == 0)
            removed = removed_names[i].removed_in;
    if (!removed) {
        note_legacy(res, v, section, key);
        return;
    }
    char *clause = release_clause(rel);
    if (!mr_nova_release_at_least(rel, removed)) {
        char *until = mr_nova_major_describe(removed);
        struct mr_finding *f = mr_report(res, MR_PASS, "[%s] %s is deprecated; use [%s] %s (Nova "
                                         "reads the old name until %s, which removed it, and %s)",
                                         v->section, v->name, section, key, until, clause);
        at(f, v);
        mr_finding_remedy(f, "rename [%s] %s to %s in [%s] of %s", v->section, v->name, key,
                          section, edit_file(v));
        free(until);
        free(clause);
        return;
    }
    const char *name = NULL;
    mr_nova_release_of(removed, &name);
    struct mr_novaval old = *v;
    if (!mr_novaconf_get_current(conf, section, key, v))
        v->value = NULL;
    char *uses = v->is_default
                     ? mr_xasprintf("[%s] %s's default %s", section, key,
                                    v->value ? v->value : "(unset)")
                     : mr_xasprintf("[%s] %s = %s", section, key, v->value ? v->value : "");
    struct mr_finding *f = mr_report(res, MR_WARN,
                                     "[%s] %s = %s is ignored: removed in %d.0.0 (%s), and %s; "
                                     "Nova uses %s",
                                     old.section, old.name, old.value ? old.value : "", removed,
                                     name, clause, uses);
    at(f, &old);
    mr_finding_remedy(f, "rename [%s] %s to %s in [%s] of %s, where Nova reads it", old.section,
                      old.name, key, section, edit_file(&old));
    free(uses);
    free(clause);
}

/* Current Nova carries a console's listen address with the instance: the
 * destination sends its own server_listen in the pre-check
 * (nova/virt/libvirt/driver.py, check_can_live_migrate_destination,
 * graphics_listen_addr_vnc/_spice) and the source rewrites every
 * <graphics> listen address of the outgoing XML (nova/virt/libvirt/
 * migration.py, _update_graphics_xml). So an address of this host works;
 * what breaks is an address QEMU cannot bind here, and a host name, which
 * the migrate data's IPAddressField rejects (nova/objects/migrate_data.py). */
static void check_listen(const struct mr_ctx *ctx, struct mr_result *res,
                         const struct mr_novaconf *conf, const struct mr_nova_release *rel,
                         const char *section, const char *console)
{
    struct mr_novaval v;
    get_for_release(res, conf, rel, section, "server_listen", &v);
    char *what = describe(&v, "server_listen");
    const char *addr = v.value ? v.value : "";
    const char *my_ip = mr_novaconf_my_ip(conf);
    struct mr_finding *f;
    switch (classify_listen(addr)) {
    case LISTEN_ANY:
        f = mr_report(res, MR_PASS, "[%s] %s: the %s server of an instance listens on every "
                      "address and keeps working after the instance moves", section, what,
                      console);
        at(f, &v);
        break;
    case LISTEN_LOOPBACK:
        f = mr_report(res, MR_WARN,
                      "[%s] %s: instances migrate, but their %s consoles are reachable only "
                      "through a console proxy on this host; the migration guides use 0.0.0.0",
                      section, what, console);
        at(f, &v);
        mr_finding_remedy(f, "set server_listen = 0.0.0.0 in [%s] of %s", section,
                          edit_file(&v));
        break;
    case LISTEN_NAME:
        f = mr_report(res, MR_FAIL,
                      "[%s] %s is a host name; Nova sends a destination's server_listen to the "
                      "source as an IP address (graphics_listen_addr_%s), so every live "
                      "migration to this host fails its pre-check",
                      section, what, section);
        goto specific;
    case LISTEN_SPECIFIC: {
        int local = is_local_address(ctx, addr);
        if (local < 0 && my_ip && strcmp(addr, my_ip) == 0)
            local = 1; /* offline: my_ip is this host's address by definition */
        if (local > 0) {
            f = mr_report(res, MR_PASS,
                          "[%s] %s is an address of this host; Nova gives each destination's "
                          "own address to a migrating instance's %s server", section, what,
                          console);
            at(f, &v);
            break;
        }
        if (local < 0) {
            f = mr_report(res, MR_WARN,
                          "[%s] %s: migready cannot tell offline whether it is an address of "
                          "this host (%s); the %s server of instances cannot start or arrive "
                          "here if it is not",
                          section, what, my_ip ? "it is not my_ip" : "my_ip is not set",
                          console);
            at(f, &v);
            mr_finding_remedy(f, "run migready check on the host itself, or set "
                              "server_listen = 0.0.0.0 in [%s] of %s", section, edit_file(&v));
            break;
        }
        f = mr_report(res, MR_FAIL,
                      "[%s] %s is not an address of this host; QEMU cannot listen on it, so no "
                      "instance with a %s console starts or arrives here",
                      section, what, console);
        goto specific;
    }
    }
    free(what);
    return;

specific:
    at(f, &v);
    if (my_ip)
        mr_finding_remedy(f, "set server_listen = 0.0.0.0 (or this host's address, such as "
                          "my_ip %s) in [%s] of %s", my_ip, section, edit_file(&v));
    else
        mr_finding_remedy(f, "set server_listen = 0.0.0.0 (or an address of this host) in "
                          "[%s] of %s", section, edit_file(&v));
    mr_finding_code(f, "listen-specific");
    mr_finding_key(f, section, "server_listen");
    mr_finding_value(f, addr);
    mr_finding_want(f, "0.0.0.0");
    if (v.legacy)
        mr_finding_alias(f, v.section, v.name);
    free(what);
}

/* The serial console's ports: the destination takes one per serial port
 * of the instance from [serial_console] port_range on proxyclient_address
 * before the migration (nova/virt/libvirt/driver.py, pre_live_migration;
 * nova/console/serial.py, acquire_port binds each candidate). The range
 * is START:STOP with STOP excluded; START >= STOP makes Nova fall back to
 * 10000:20000 (_get_port_range). Whether the ports are free needs a bind
 * on the live host, which migready does not attempt. */
static void check_serial(struct mr_result *res, const struct mr_novaconf *conf)
{
    struct mr_novaval en, range, addr;
    bool on = false;
    get(conf, "serial_console", "enabled", &en);
    if (!get_bool(res, &en, "serial_console", "enabled", &on) || !on)
        return;
    get(conf, "serial_console", "port_range", &range);
    get(conf, "serial_console", "proxyclient_address", &addr);
    const char *r = range.value ? range.value : "";
    unsigned long start = 0, stop = 0;
    int used = 0;
    struct mr_finding *f;
    if (sscanf(r, "%lu:%lu%n", &start, &stop, &used) != 2 || r[used] != '\0' ||
        strspn(r, "0123456789:") != strlen(r)) {
        f = at(mr_report(res, MR_FAIL, "[serial_console] port_range = %s is not START:STOP; "
                         "oslo.config rejects it, so no instance with a serial console starts "
                         "or arrives here", r), &range);
        mr_finding_remedy(f, "set port_range = 10000:20000 in [serial_console] of %s",
                          edit_file(&range));
        return;
    }
    if (start >= stop) {
        f = at(mr_report(res, MR_WARN, "[serial_console] port_range = %s is empty (START must "
                         "be below STOP): Nova uses 10000:20000 instead", r), &range);
        mr_finding_remedy(f, "set port_range to START:STOP with START < STOP (such as "
                          "10000:20000) in [serial_console] of %s", edit_file(&range));
        return;
    }
    if (stop > 65536) {
        f = at(mr_report(res, MR_FAIL, "[serial_console] port_range = %s goes beyond port "
                         "65535: once the ports below run out, Nova's bind fails and no "
                         "instance with a serial console starts or arrives here", r), &range);
        mr_finding_remedy(f, "set port_range to ports from 1 to 65535 (such as 10000:20000) in "
                          "[serial_console] of %s", edit_file(&range));
        return;
    }
    at(mr_report(res, MR_PASS, "the serial console is enabled: %lu ports %lu to %lu on "
                 "proxyclient_address %s for instances arriving here (migready does not bind "
                 "them to see which are free)", stop - start, start, stop - 1,
                 addr.value ? addr.value : "(unset)"), &range);
}

static int run_vnc_listen(const struct mr_ctx *ctx, struct mr_result *res)
{
    const struct mr_novaconf *conf;
    const struct mr_nova_release *rel;
    if (!load(ctx, res, &conf) || !load_release(ctx, res, &rel))
        return 0;

    struct mr_novaval v;
    bool vnc = true, spice = false;
    get(conf, "vnc", "enabled", &v);
    note_legacy(res, &v, "vnc", "enabled");
    if (get_bool(res, &v, "vnc", "enabled", &vnc) && !vnc) {
        at(mr_report(res, MR_PASS, "VNC consoles are disabled ([vnc] enabled = %s)", v.value),
           &v);
    } else if (vnc) {
        check_listen(ctx, res, conf, rel, "vnc", "VNC");
        /* The proxy's side: only a removed name needs saying here. */
        get_for_release(res, conf, rel, "vnc", "server_proxyclient_address", &v);
    }

    get(conf, "spice", "enabled", &v);
    if (get_bool(res, &v, "spice", "enabled", &spice) && spice)
        check_listen(ctx, res, conf, rel, "spice", "SPICE");
    check_serial(res, conf);
    mr_cluster_serial_console(ctx, res);
    return 0;
}

/* ---- nova.instances-path ---- */

static bool gid_in(const gid_t *v, size_t n, gid_t g)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == g)
            return true;
    return false;
}

/* The user whose search permission matters: QEMU opens the disks under the
 * instances path. Returns false when only "others" can be judged. */
static bool qemu_identity(const struct mr_ctx *ctx, struct mr_result *res, const char **ret_name,
                          uid_t *ret_uid, gid_t **ret_groups, size_t *ret_n)
{
    const struct mr_libvirt_conf *lc = NULL;
    const char *msg = NULL;
    struct mr_confval v;
    if (mr_ctx_libvirt_files(ctx, MR_LIBVIRT_FILE(MR_QEMU_CONF), &lc, &msg) < 0)
        return false;
    const char *name = mr_libvirt_conf_qemu_user(lc);
    if (!name)
        return false;
    uid_t uid;
    if (mr_ctx_user(ctx, name, &uid, NULL) < 0) {
        /* libvirt resolves qemu.conf's user when its QEMU driver starts
         * (virQEMUDriverConfigLoadSecurityEntry) and refuses to start without
         * it: no instance runs on this host, nor arrives. */
        if (mr_libvirt_conf_get(lc, MR_QEMU_CONF, "user", &v) && !v.is_default) {
            struct mr_finding *f = mr_report(
                res, MR_FAIL,
                "user = \"%s\" in %s:%d names no user of this host: libvirt's QEMU driver "
                "does not start, so no instance runs here or migrates here",
                v.value, v.file, v.line);
            mr_finding_at(f, v.file, v.line);
            mr_finding_remedy(f, "create the user %s, or set user in %s to one that exists "
                              "(libvirt-qemu on Debian and Ubuntu, qemu on RHEL)", name, v.file);
        }
        return false;
    }
    if (mr_ctx_user_groups(ctx, name, ret_groups, ret_n) < 0)
        return false;
    *ret_name = name;
    *ret_uid = uid;
    return true;
}

struct search_ctx {
    const struct mr_ctx *ctx;
    struct mr_result *res;
    bool known; /* QEMU's user is known; otherwise judge "others" */
    const char *who;
    uid_t uid;
    const gid_t *groups;
    size_t n_groups;
    struct mr_finding *f; /* the report of the first directory lacking the bit */
};

/* Reports the first directory that lacks the search bit for QEMU; later
 * ones are attached to that report, for the fix. */
static void check_search(struct search_ctx *sc, const char *dir)
{
    struct stat st;
    if (mr_root_stat(sc->ctx->root, dir, &st, false) < 0 || !S_ISDIR(st.st_mode))
        return; /* the caller reports a missing or odd instances path */
    mode_t bit;
    const char *cls;
    if (sc->known && st.st_uid == sc->uid)
        bit = S_IXUSR, cls = "u";
    else if (sc->known && gid_in(sc->groups, sc->n_groups, st.st_gid))
        bit = S_IXGRP, cls = "g";
    else
        bit = S_IXOTH, cls = "o";
    if (st.st_mode & bit)
        return;
    char *want = mr_xasprintf("%s+x", cls);
    if (sc->f) {
        mr_finding_also(sc->f, NULL, dir, want);
        free(want);
        return;
    }
    struct mr_finding *f;
    if (sc->known)
        f = mr_report(sc->res, MR_FAIL,
                      "%s (mode %04o) lacks the search bit for %s, the user QEMU runs as, so "
                      "QEMU cannot open the instances' disks",
                      dir, (unsigned)(st.st_mode & 07777), sc->who);
    else
        f = mr_report(sc->res, MR_FAIL,
                      "%s (mode %04o) lacks the search bit for others, so QEMU cannot open the "
                      "instances' disks (QEMU's user is unknown: libvirt's configuration could "
                      "not be read)",
                      dir, (unsigned)(st.st_mode & 07777));
    mr_finding_at(f, dir, 0);
    mr_finding_remedy(f, "chmod %s+x %s", cls, dir);
    mr_finding_code(f, "search-bit");
    mr_finding_key(f, NULL, dir);
    mr_finding_want(f, want);
    free(want);
    sc->f = f;
}

/* Checks that QEMU can search PATH and each of its ancestors. Reports the
 * first directory that lacks the bit, naming the others for the fix. */
static void check_traverse(const struct mr_ctx *ctx, struct mr_result *res, const char *path)
{
    const char *who = NULL;
    uid_t uid = 0;
    gid_t *groups = NULL;
    size_t n_groups = 0;
    bool known = qemu_identity(ctx, res, &who, &uid, &groups, &n_groups);
    if (known && uid == 0) {
        mr_report(res, MR_PASS, "QEMU runs as root, which needs no search permission");
        free(groups);
        return;
    }

    char *dir = mr_xstrdup(path);
    struct search_ctx sc = {ctx, res, known, who, uid, groups, n_groups, NULL};
    check_search(&sc, "/");
    /* Then every prefix ending before a "/", and the full path. */
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (p[-1] != '/')
            check_search(&sc, dir);
        *p = c;
        if (!c)
            break;
    }
    if (!sc.f) {
        if (known)
            mr_report(res, MR_PASS, "%s, the user QEMU runs as, can reach %s", who, path);
        else
            mr_report(res, MR_PASS, "others can reach %s (QEMU's user is unknown)", path);
    }
    free(dir);
    free(groups);
}

static int run_instances_path(const struct mr_ctx *ctx, struct mr_result *res)
{
    const struct mr_novaconf *conf;
    if (!load(ctx, res, &conf))
        return 0;

    struct mr_novaval v;
    get(conf, "DEFAULT", "instances_path", &v);
    const char *path = v.value ? v.value : "";
    char *what;
    if (v.is_default)
        what = mr_xasprintf("instances_path is Nova's default $state_path/instances = %s", path);
    else if (v.raw && strcmp(v.raw, path) != 0)
        what = mr_xasprintf("instances_path = %s = %s", v.raw, path);
    else
        what = mr_xasprintf("instances_path = %s", path);

    struct mr_finding *f;
    if (path[0] != '/') {
        f = at(mr_report(res, MR_FAIL, "%s is not an absolute path", what), &v);
        mr_finding_remedy(f, "set instances_path = /var/lib/nova/instances in [DEFAULT] of %s",
                          edit_file(&v));
        goto cleanup;
    }

    const char *site = mr_ctx_site(ctx, "instances_path");
    if (site && !mr_path_eq(site, path)) {
        f = at(mr_report(res, MR_FAIL, "%s but the site configuration says instances_path = %s; "
                         "every compute host must use the same path", what, site), &v);
        mr_finding_remedy(f, "set instances_path = %s in [DEFAULT] of %s", site, edit_file(&v));
    }

    const char *user = mr_ctx_nova_user(ctx);
    struct stat st;
    int r = mr_root_stat(ctx->root, path, &st, false);
    if (r == -ENOENT || r == -ENOTDIR) {
        f = at(mr_report(res, MR_FAIL, "%s does not exist", what), &v);
        mr_finding_remedy(f, "mkdir -p %s && chown %s:%s %s", path, user, user, path);
        goto cleanup;
    }
    if (r < 0) {
        at(mr_report(res, MR_ERROR, "cannot examine %s: %s", path, strerror(-r)), &v);
        goto cleanup;
    }
    if (!S_ISDIR(st.st_mode)) {
        f = at(mr_report(res, MR_FAIL, "%s is not a directory", what), &v);
        mr_finding_remedy(f, "replace %s with a directory owned by %s", path, user);
        goto cleanup;
    }

    uid_t uid;
    r = mr_ctx_user(ctx, user, &uid, NULL);
    if (r == -ENOENT) {
        f = mr_report(res, MR_FAIL, "the nova user '%s' does not exist%s", user,
                      ctx->live ? "" : " in /etc/passwd");
        mr_finding_remedy(f, "install nova-compute (it creates the user) or set nova_user in %s",
                          mr_ctx_site_path(ctx) ? mr_ctx_site_path(ctx)
                                                : "/etc/migready/migready.conf");
    } else if (r < 0) {
        mr_report(res, MR_ERROR, "cannot look up the nova user '%s': %s", user, strerror(-r));
    } else if (st.st_uid != uid) {
        f = at(mr_report(res, MR_FAIL, "%s is owned by UID %u, not by %s (UID %u)", path,
                         (unsigned)st.st_uid, user, (unsigned)uid), &v);
        mr_finding_remedy(f, "chown %s:%s %s", user, user, path);
        mr_finding_code(f, "owner");
        mr_finding_key(f, NULL, path);
        mr_finding_want(f, user);
    } else {
        at(mr_report(res, MR_PASS, "%s is a directory owned by %s", what, user), &v);
    }

    check_traverse(ctx, res, path);

cleanup:
    mr_cluster_instances_path(ctx, res);
    free(what);
    return 0;
}

/* ---- nova.migration-tuning ---- */

struct int_opt {
    const char *key;
    long min;
    const char *unit;
};

static const struct int_opt tuning_ints[] = {
    {"live_migration_downtime", 100, "ms"},
    {"live_migration_downtime_steps", 3, "steps"},
    {"live_migration_downtime_delay", 3, "s"},
    {"live_migration_completion_timeout", 0, "s"},
};

/* Options Nova no longer reads; setting them suggests an old guide. */
static const char *const removed_opts[] = {
    "live_migration_progress_timeout",
    "live_migration_flag",
    "block_migration_flag",
};

static bool get_int(struct mr_result *res, const struct mr_novaval *v, const char *key, long min,
                    long *ret)
{
    if (!v->value || mr_parse_long(v->value, ret) < 0) {
        struct mr_finding *f = mr_report(res, MR_FAIL,
                                         "[libvirt] %s = %s is not an integer; nova-compute "
                                         "will refuse it", key, v->value ? v->value : "");
        at(f, v);
        mr_finding_remedy(f, "set %s to an integer of at least %ld in [libvirt] of %s", key, min,
                          edit_file(v));
        return false;
    }
    if (*ret < min) {
        struct mr_finding *f = mr_report(res, MR_FAIL,
                                         "[libvirt] %s = %ld is below Nova's minimum %ld; "
                                         "oslo.config rejects the value", key, *ret, min);
        at(f, v);
        mr_finding_remedy(f, "set %s to at least %ld in [libvirt] of %s", key, min,
                          edit_file(v));
        return false;
    }
    return true;
}

/* [libvirt] live_migration_parallel_connections came in 33.0.0 (2026.1,
 * nova/conf/libvirt.py, an IntOpt without a minimum: above 1 Nova asks
 * libvirt for that many connections, VIR_MIGRATE_PARALLEL; 1 or less is one
 * connection). With post-copy permitted, nova-compute refuses to start on a
 * QEMU older than MIN_MULTIFD_WITH_POSTCOPY_QEMU_VERSION (nova/virt/libvirt/
 * driver.py, init_host). */
#define NOVA_PARALLEL_MAJOR 33
#define NOVA_PARALLEL_POSTCOPY_QEMU "10.1.0"

static void check_parallel(const struct mr_ctx *ctx, struct mr_result *res,
                           const struct mr_novaconf *conf, bool post_copy,
                           const struct mr_novaval *pc)
{
    struct mr_novaval v, vt;
    get(conf, "libvirt", "live_migration_parallel_connections", &v);
    if (v.is_default)
        return;
    const struct mr_nova_release *rel;
    if (!load_release(ctx, res, &rel))
        return;
    struct mr_finding *f;
    if (!mr_nova_release_at_least(rel, NOVA_PARALLEL_MAJOR)) {
        char *clause = release_clause(rel);
        f = at(mr_report(res, MR_WARN,
                         "[libvirt] live_migration_parallel_connections = %s is ignored: the "
                         "option came in 33.0.0 (2026.1), and %s; migrations use one "
                         "connection", v.value ? v.value : "", clause), &v);
        mr_finding_remedy(f, "remove live_migration_parallel_connections from [libvirt] of %s, "
                          "or upgrade Nova to 2026.1", edit_file(&v));
        free(clause);
        return;
    }
    long n;
    char *since = mr_nova_major_describe(NOVA_PARALLEL_MAJOR);
    if (!v.value || mr_parse_long(v.value, &n) < 0) {
        f = at(mr_report(res, MR_FAIL, "[libvirt] live_migration_parallel_connections = %s is "
                         "not an integer; nova-compute (%s on) will refuse it",
                         v.value ? v.value : "", since),
               &v);
        mr_finding_remedy(f, "set live_migration_parallel_connections to a number of "
                          "connections (1 for one) in [libvirt] of %s", edit_file(&v));
        goto cleanup;
    }
    if (n <= 1) {
        at(mr_report(res, MR_PASS, "live_migration_parallel_connections = %ld: migrations use "
                     "one connection (read since Nova %s)", n, since), &v);
        goto cleanup;
    }
    get(conf, "libvirt", "virt_type", &vt);
    const char *virt = vt.value ? vt.value : "kvm";
    if (!post_copy || (strcmp(virt, "kvm") != 0 && strcmp(virt, "qemu") != 0)) {
        at(mr_report(res, MR_PASS, "live_migration_parallel_connections = %ld: migrations use "
                     "%ld connections, each of which can take a CPU core (read since Nova %s)",
                     n, n, since), &v);
        goto cleanup;
    }
    const char *qemu = mr_ctx_facts(ctx)->qemu_version;
    long long have = qemu ? mr_facts_version(qemu) : -1;
    if (have >= 0 && have >= mr_facts_version(NOVA_PARALLEL_POSTCOPY_QEMU)) {
        at(mr_report(res, MR_PASS, "live_migration_parallel_connections = %ld with post-copy: "
                     "QEMU %s is %s or later, as Nova requires since %s", n, qemu,
                     NOVA_PARALLEL_POSTCOPY_QEMU, since), &v);
        goto cleanup;
    }
    if (have >= 0)
        f = mr_report(res, MR_FAIL, "live_migration_parallel_connections = %ld with "
                      "live_migration_permit_post_copy = %s needs QEMU %s or later (Nova's rule "
                      "since %s), and this host has QEMU %s: nova-compute refuses to start", n,
                      pc->value, NOVA_PARALLEL_POSTCOPY_QEMU, since, qemu);
    else
        f = mr_report(res, MR_WARN, "live_migration_parallel_connections = %ld with "
                      "live_migration_permit_post_copy = %s needs QEMU %s or later (Nova's rule "
                      "since %s), or nova-compute refuses to start; migready cannot tell the QEMU "
                      "version (libvirt was not asked%s)", n, pc->value,
                      NOVA_PARALLEL_POSTCOPY_QEMU, since, ctx->live ? "" : ": offline");
    at(f, &v);
    mr_finding_remedy(f, "set live_migration_parallel_connections = 1, or "
                      "live_migration_permit_post_copy = False, in [libvirt] of %s, or upgrade "
                      "QEMU to %s", edit_file(&v), NOVA_PARALLEL_POSTCOPY_QEMU);
cleanup:
    free(since);
}

/* The wait for neutron's network-vif-plugged events before the transfer
 * (nova/compute/manager.py, every release since 19.0.0, when
 * live_migration_wait_for_vif_plug became True by default): the
 * destination's pre_live_migration sets wait_for_vif_plugged from its own
 * [compute] live_migration_wait_for_vif_plug; the source's
 * _do_pre_live_migration_from_source waits vif_plugging_timeout seconds
 * for the events (none at all when it is 0:
 * _get_neutron_events_for_live_migration) and, on a timeout or a failed
 * event, aborts the migration only when vif_plugging_is_fatal. */
static void check_vif_plug(struct mr_result *res, const struct mr_novaconf *conf)
{
    struct mr_novaval tv, fv, wv;
    get(conf, "DEFAULT", "vif_plugging_timeout", &tv);
    get(conf, "DEFAULT", "vif_plugging_is_fatal", &fv);
    get(conf, "compute", "live_migration_wait_for_vif_plug", &wv);
    long timeout;
    bool fatal, wait;
    struct mr_finding *f;
    bool t_ok = true;
    if (!tv.value || mr_parse_long(tv.value, &timeout) < 0 || timeout < 0) {
        f = at(mr_report(res, MR_FAIL, "[DEFAULT] vif_plugging_timeout = %s is not a number of "
                         "seconds (0 or more); oslo.config rejects the value",
                         tv.value ? tv.value : ""), &tv);
        mr_finding_remedy(f, "set vif_plugging_timeout = 300 in [DEFAULT] of %s",
                          edit_file(&tv));
        t_ok = false;
    }
    bool f_ok = get_bool(res, &fv, "DEFAULT", "vif_plugging_is_fatal", &fatal);
    bool w_ok = get_bool(res, &wv, "compute", "live_migration_wait_for_vif_plug", &wait);
    if (!t_ok || !f_ok || !w_ok)
        return;

    if (timeout == 0) {
        f = at(mr_report(res, MR_WARN, "[DEFAULT] vif_plugging_timeout = 0: Nova waits for no "
                         "network-vif-plugged event, so a migration from this host starts "
                         "before neutron has wired the instance's ports on the destination, "
                         "and the instance can lose its network for a while after it moves"),
               &tv);
        mr_finding_remedy(f, "set vif_plugging_timeout = 300 (Nova's default) in [DEFAULT] of %s",
                          edit_file(&tv));
    } else if (!wait) {
        f = at(mr_report(res, MR_WARN, "[compute] live_migration_wait_for_vif_plug = %s: a "
                         "source migrating to this host does not wait for neutron to wire the "
                         "instance's ports here, so the instance can lose its network for a "
                         "while after it arrives", wv.value), &wv);
        mr_finding_remedy(f, "set live_migration_wait_for_vif_plug = True in [compute] of %s, "
                          "unless the networking backend sends no network-vif-plugged event "
                          "before the port binding moves (Nova bug 1755890)", edit_file(&wv));
    } else if (!fatal) {
        f = at(mr_report(res, MR_WARN, "[DEFAULT] vif_plugging_is_fatal = %s: when neutron "
                         "reports a failed port or sends no network-vif-plugged event within "
                         "%ld s, Nova goes on with the migration, and the instance arrives "
                         "without a working network", fv.value, timeout), &fv);
        mr_finding_remedy(f, "set vif_plugging_is_fatal = True in [DEFAULT] of %s",
                          edit_file(&fv));
    } else {
        at(mr_report(res, MR_PASS, "the source waits up to %ld s for neutron to wire the ports "
                     "on the destination and fails the migration without it (a networking "
                     "backend that sends no event then makes every migration wait and fail: "
                     "set [compute] live_migration_wait_for_vif_plug = False on such hosts)",
                     timeout), tv.is_default ? &wv : &tv);
    }
}

/* Post-copy needs userfaultfd in the destination's QEMU: Nova asks for it
 * whenever live_migration_permit_post_copy is True (nova/virt/libvirt/
 * driver.py, _handle_live_migration_post_copy sets VIR_MIGRATE_POSTCOPY;
 * every release migready knows), and QEMU refuses post-copy when it cannot
 * open one (migration/postcopy-ram.c, postcopy_ram_supported_by_host). QEMU
 * runs without CAP_SYS_PTRACE, so the kernel must allow unprivileged users
 * (vm.unprivileged_userfaultfd = 1) or QEMU must reach /dev/userfaultfd
 * (kernel 6.1 on), which libvirt 9.3.0 and later grant it. */
#define LIBVIRT_USERFAULTFD "9.3.0"

static void check_userfaultfd(const struct mr_ctx *ctx, struct mr_result *res,
                              const struct mr_novaval *pc)
{
    const char *sysctl = "/proc/sys/vm/unprivileged_userfaultfd";
    char *buf = NULL;
    struct mr_finding *f;
    int r = mr_root_read(ctx->root, sysctl, 64, &buf, NULL);
    if (r == -ENOENT && !ctx->live) {
        f = at(mr_report(res, MR_WARN, "live_migration_permit_post_copy = %s: post-copy needs "
                         "QEMU to use userfaultfd, and migready cannot tell offline whether the "
                         "kernel lets it (%s is absent under the root)", pc->value, sysctl), pc);
        mr_finding_remedy(f, "run migready check on the host itself");
        return;
    }
    if (r == -ENOENT) {
        at(mr_report(res, MR_PASS, "post-copy: this kernel has no vm.unprivileged_userfaultfd, "
                     "so it does not restrict userfaultfd"), pc);
        return;
    }
    if (r < 0) {
        mr_report(res, MR_ERROR, "cannot read %s: %s", sysctl, strerror(-r));
        return;
    }
    bool open_to_all = buf[0] == '1';
    free(buf);
    if (open_to_all) {
        at(mr_report(res, MR_PASS, "post-copy: vm.unprivileged_userfaultfd = 1 lets QEMU use "
                     "userfaultfd"), pc);
        return;
    }
    struct stat st;
    const char *libvirt = mr_ctx_facts(ctx)->libvirt_version;
    long long lv = libvirt ? mr_facts_version(libvirt) : -1;
    if (mr_root_stat(ctx->root, "/dev/userfaultfd", &st, false) < 0) {
        f = at(mr_report(res, MR_FAIL, "live_migration_permit_post_copy = %s, but "
                         "vm.unprivileged_userfaultfd = 0 and there is no /dev/userfaultfd "
                         "(kernel 6.1 and later): QEMU cannot use userfaultfd, so it refuses "
                         "post-copy and every live migration to this host fails", pc->value),
               pc);
        mr_finding_remedy(f, "set vm.unprivileged_userfaultfd = 1 (in /etc/sysctl.d), or "
                          "live_migration_permit_post_copy = False in [libvirt] of %s",
                          edit_file(pc));
    } else if (lv >= 0 && lv >= mr_facts_version(LIBVIRT_USERFAULTFD)) {
        at(mr_report(res, MR_PASS, "post-copy: QEMU can open /dev/userfaultfd (libvirt %s "
                     "grants it)", libvirt), pc);
    } else if ((st.st_mode & (S_IROTH | S_IWOTH)) == (S_IROTH | S_IWOTH)) {
        at(mr_report(res, MR_PASS, "post-copy: QEMU can open /dev/userfaultfd (its mode "
                     "allows every user)"), pc);
    } else {
        f = at(mr_report(res, MR_WARN, "live_migration_permit_post_copy = %s with "
                         "vm.unprivileged_userfaultfd = 0: QEMU needs /dev/userfaultfd (mode "
                         "%04o), which libvirt grants it only from %s on (this host: %s); "
                         "without it every live migration to this host fails", pc->value,
                         (unsigned)(st.st_mode & 07777), LIBVIRT_USERFAULTFD,
                         libvirt ? libvirt : "libvirt's version unknown"), pc);
        mr_finding_remedy(f, "set vm.unprivileged_userfaultfd = 1 (in /etc/sysctl.d), or "
                          "upgrade libvirt to %s", LIBVIRT_USERFAULTFD);
    }
}

static int run_migration_tuning(const struct mr_ctx *ctx, struct mr_result *res)
{
    const struct mr_novaconf *conf;
    if (!load(ctx, res, &conf))
        return 0;

    struct mr_novaval v;
    long vals[MR_ARRAY_SIZE(tuning_ints)];
    bool valid[MR_ARRAY_SIZE(tuning_ints)];
    bool all_default = true;
    for (size_t i = 0; i < MR_ARRAY_SIZE(tuning_ints); i++) {
        get(conf, "libvirt", tuning_ints[i].key, &v);
        valid[i] = get_int(res, &v, tuning_ints[i].key, tuning_ints[i].min, &vals[i]);
        all_default = all_default && v.is_default;
    }
    struct mr_novaval steps_v, delay_v, timeout_v;
    get(conf, "libvirt", "live_migration_downtime_steps", &steps_v);
    get(conf, "libvirt", "live_migration_downtime_delay", &delay_v);
    get(conf, "libvirt", "live_migration_completion_timeout", &timeout_v);
    /* Nova's help: the timeout should usually exceed delay * steps, else the
     * migration is aborted before downtime has reached its maximum. */
    if (valid[1] && valid[2] && valid[3] && vals[3] > 0 && vals[3] < vals[1] * vals[2]) {
        struct mr_finding *f = mr_report(
            res, MR_WARN,
            "live_migration_completion_timeout = %ld s (per GiB) is shorter than "
            "live_migration_downtime_delay * live_migration_downtime_steps = %ld s (per GiB): "
            "migrations end before downtime reaches its maximum",
            vals[3], vals[1] * vals[2]);
        at(f, timeout_v.is_default ? &delay_v : &timeout_v);
        mr_finding_remedy(f, "raise live_migration_completion_timeout to at least %ld in "
                          "[libvirt] of %s", vals[1] * vals[2], edit_file(&timeout_v));
    }

    struct mr_novaval action;
    get(conf, "libvirt", "live_migration_timeout_action", &action);
    const char *act = action.value ? action.value : "";
    if (strcmp(act, "abort") != 0 && strcmp(act, "force_complete") != 0) {
        struct mr_finding *f = mr_report(res, MR_FAIL,
                                         "[libvirt] live_migration_timeout_action = %s is not "
                                         "one of abort, force_complete", act);
        at(f, &action);
        mr_finding_remedy(f, "set live_migration_timeout_action = abort in [libvirt] of %s",
                          edit_file(&action));
    }

    struct mr_novaval pc, ac;
    bool post_copy = false, auto_conv = false;
    get(conf, "libvirt", "live_migration_permit_post_copy", &pc);
    get(conf, "libvirt", "live_migration_permit_auto_converge", &ac);
    bool pc_ok = get_bool(res, &pc, "libvirt", "live_migration_permit_post_copy", &post_copy);
    bool ac_ok = get_bool(res, &ac, "libvirt", "live_migration_permit_auto_converge", &auto_conv);
    if (pc_ok && ac_ok && post_copy && auto_conv) {
        struct mr_finding *f = mr_report(
            res, MR_WARN,
            "live_migration_permit_post_copy and live_migration_permit_auto_converge are both "
            "True; Nova uses auto-converge only when post-copy is not permitted or not "
            "available, so auto-converge will not be used");
        at(f, &ac);
        mr_finding_remedy(f, "keep one of them: set live_migration_permit_auto_converge = False "
                          "in [libvirt] of %s", edit_file(&ac));
    }


    for (size_t i = 0; i < MR_ARRAY_SIZE(removed_opts); i++) {
        if (!mr_novaconf_get(conf, "libvirt", removed_opts[i], &v) || v.is_default)
            continue;
        struct mr_finding *f = mr_report(res, MR_WARN,
                                         "[libvirt] %s was removed from Nova and is ignored; "
                                         "the setting comes from an old guide",
                                         removed_opts[i]);
        at(f, &v);
        mr_finding_remedy(f, "remove %s from [libvirt] of %s", removed_opts[i], edit_file(&v));
    }

    if (valid[0] && valid[1] && valid[2] && valid[3])
        mr_report(res, MR_PASS,
                  "downtime up to %ld ms in %ld steps every %ld s per GiB, completion timeout "
                  "%ld s per GiB%s, then %s%s",
                  vals[0], vals[1], vals[2], vals[3], vals[3] == 0 ? " (disabled)" : "", act,
                  all_default ? " (Nova's defaults)" : "");
    /* After the summary above, which stays the line shown when all pass. */
    if (pc_ok)
        check_parallel(ctx, res, conf, post_copy, &pc);
    check_vif_plug(res, conf);
    if (pc_ok && post_copy)
        check_userfaultfd(ctx, res, &pc);
    return 0;
}

/* ---- nova.cpu-mode ---- */

static int run_cpu_mode(const struct mr_ctx *ctx, struct mr_result *res)
{
    const struct mr_novaconf *conf;
    if (!load(ctx, res, &conf))
        return 0;

    struct mr_novaval vt, mode, models, flags;
    get(conf, "libvirt", "virt_type", &vt);
    get(conf, "libvirt", "cpu_mode", &mode);
    get(conf, "libvirt", "cpu_models", &models);
    get(conf, "libvirt", "cpu_model_extra_flags", &flags);
    const char *virt = vt.value ? vt.value : "kvm";
    struct mr_finding *f;

    static const char *const virt_types[] = {"kvm", "lxc", "qemu", "parallels"};
    bool virt_ok = false;
    for (size_t i = 0; i < MR_ARRAY_SIZE(virt_types); i++)
        virt_ok = virt_ok || strcmp(virt, virt_types[i]) == 0;
    if (!virt_ok) {
        f = at(mr_report(res, MR_FAIL, "[libvirt] virt_type = %s is not one of kvm, lxc, qemu, "
                         "parallels", virt), &vt);
        mr_finding_remedy(f, "set virt_type = kvm in [libvirt] of %s", edit_file(&vt));
        return 0;
    }
    bool models_cpu = strcmp(virt, "kvm") == 0 || strcmp(virt, "qemu") == 0;

    /* Unset (None) means host-model for kvm and qemu, host-passthrough on
     * AArch64, none otherwise (mr_facts_default_cpu_mode). */
    bool mode_set = mode.value && *mode.value;
    const char *arch = mr_ctx_facts(ctx)->cpu_arch;
    const char *m = mode_set ? mode.value : mr_facts_default_cpu_mode(virt, arch);
    bool arm = arch && strcmp(arch, "aarch64") == 0 && models_cpu;
    char *what = mode_set ? mr_xasprintf("cpu_mode = %s", m)
                          : mr_xasprintf("cpu_mode is unset: Nova uses %s for virt_type %s%s", m,
                                         virt, arm ? " on aarch64" : "");
    static const char *const modes[] = {"host-model", "host-passthrough", "custom", "none"};
    bool mode_ok = false;
    for (size_t i = 0; i < MR_ARRAY_SIZE(modes); i++)
        mode_ok = mode_ok || strcmp(m, modes[i]) == 0;

    char **list = mr_split_list(models.value);
    bool have_models = list[0] != NULL;
    if (models.legacy)
        note_legacy(res, &models, "libvirt", "cpu_models");

    if (!mode_ok) {
        f = at(mr_report(res, MR_FAIL, "[libvirt] %s is not one of host-model, "
                         "host-passthrough, custom, none", what), &mode);
        mr_finding_remedy(f, "set cpu_mode = host-model in [libvirt] of %s", edit_file(&mode));
        goto cleanup;
    }
    if (!models_cpu && strcmp(m, "none") != 0) {
        f = at(mr_report(res, MR_FAIL, "[libvirt] %s, but virt_type %s cannot select a CPU "
                         "model; nova-compute refuses to start", what, virt), &mode);
        mr_finding_remedy(f, "set cpu_mode = none in [libvirt] of %s", edit_file(&mode));
        goto cleanup;
    }
    if (strcmp(m, "custom") == 0 && !have_models) {
        f = at(mr_report(res, MR_FAIL, "[libvirt] cpu_mode = custom needs cpu_models, which is "
                         "empty; nova-compute refuses to start"), &mode);
        mr_finding_remedy(f, "set cpu_models to a model every compute host supports (for "
                          "example from 'virsh cpu-models x86_64') in [libvirt] of %s",
                          edit_file(&mode));
        goto cleanup;
    }
    if (strcmp(m, "custom") != 0 && have_models) {
        /* Nova's help: cpu_models with any other mode "would result in an
         * error", and nova-compute's start-up check refuses it. */
        f = at(mr_report(res, MR_FAIL, "[libvirt] %s = %s is set but %s; Nova accepts CPU "
                         "models only with cpu_mode = custom", models.name, models.value, what),
               &models);
        mr_finding_remedy(f, "remove %s from [libvirt] of %s, or set cpu_mode = custom",
                          models.name, edit_file(&models));
        goto cleanup;
    }

    if (strcmp(m, "host-passthrough") == 0 && strcmp(virt, "kvm") == 0) {
        f = at(mr_report(res, MR_WARN, "[libvirt] %s: instances see this host's exact CPU, so "
                         "they can migrate only to hosts with an identical CPU (model, "
                         "microcode and flags)", what), &mode);
        mr_finding_remedy(f, "use cpu_mode = host-model, or cpu_mode = custom with cpu_models "
                          "set to a model all hosts share, in [libvirt] of %s", edit_file(&mode));
    } else if (strcmp(m, "custom") == 0) {
        at(mr_report(res, MR_PASS, "%s with cpu_models = %s%s%s", what, models.value,
                     flags.value && *flags.value ? ", extra flags " : "",
                     flags.value && *flags.value ? flags.value : ""), &mode);
    } else if (mode_set) {
        at(mr_report(res, MR_PASS, "%s (virt_type %s)", what, virt), &mode);
    } else {
        mr_report(res, MR_PASS, "%s", what);
    }

cleanup:
    mr_cluster_cpu_mode(ctx, res);
    mr_strv_free(list);
    free(what);
    return 0;
}

/* ---- nova.config-drive ---- */

/* The first private key of USER's ~/.ssh inside the root (caller frees). */
static char *nova_private_key(const struct mr_ctx *ctx, const char *user)
{
    static const char *const names[] = {"id_ed25519", "id_ecdsa", "id_rsa"};
    char *home = mr_ctx_user_home(ctx, user);
    if (!home)
        return NULL;
    char *found = NULL;
    for (size_t i = 0; i < MR_ARRAY_SIZE(names) && !found; i++) {
        char *p = mr_xasprintf("%s/.ssh/%s", strcmp(home, "/") == 0 ? "" : home, names[i]);
        struct stat st;
        if (mr_root_stat(ctx->root, p, &st, false) == 0 && S_ISREG(st.st_mode))
            found = p;
        else
            free(p);
    }
    free(home);
    return found;
}

/* Whether the host's Nova copies an iso9660 config drive from the source
 * over SSH before a block migration: 1 yes, 0 no, -1 cannot tell. Added
 * in 14.0.0 (commit bc4b9980fa, "[libvirt] Live migration fails when
 * config_drive_format=iso9660": pre_live_migration calls
 * self._remotefs.copy_file on <source>:<instance dir>/disk.config);
 * reverted in 31.0.0 and, on stable/2024.2, in 30.1.0 (5827c01246,
 * 684586f3cb). 2024.2 without its version could be either. */
static int copies_config_drive(const struct mr_nova_release *rel)
{
    if (rel->major < 14)
        return -1; /* older Nova refused such migrations; not judged here */
    if (rel->major < 30)
        return 1;
    if (rel->major > 30)
        return 0;
    if (!rel->version)
        return -1;
    return mr_nova_version_cmp(rel->version, "30.1.0") < 0;
}

static int run_config_drive(const struct mr_ctx *ctx, struct mr_result *res)
{
    const char *storage = mr_ctx_value(ctx, "storage");
    if (!storage || strcmp(storage, "block") != 0) {
        mr_report(res, MR_PASS, "storage profile is %s, not a block migration profile",
                  storage ? storage : "unset");
        return 0;
    }
    const struct mr_novaconf *conf;
    if (!load(ctx, res, &conf))
        return 0;

    struct mr_novaval force, fmt, transport;
    get(conf, "DEFAULT", "force_config_drive", &force);
    get(conf, "DEFAULT", "config_drive_format", &fmt);
    get(conf, "libvirt", "remote_filesystem_transport", &transport);
    bool forced = false;
    if (!get_bool(res, &force, "DEFAULT", "force_config_drive", &forced))
        return 0;

    const char *format = fmt.value ? fmt.value : "iso9660";
    struct mr_finding *f;
    if (strcmp(format, "iso9660") != 0 && strcmp(format, "vfat") != 0) {
        f = at(mr_report(res, MR_FAIL, "config_drive_format = %s is not one of iso9660, vfat",
                         format), &fmt);
        mr_finding_remedy(f, "remove config_drive_format from [DEFAULT] of %s",
                          edit_file(&fmt));
        return 0;
    }
    if (!fmt.is_default)
        at(mr_report(res, MR_PASS, "config_drive_format is deprecated since Nova 19.0.0 "
                     "(still read)"), &fmt);

    if (!forced) {
        /* Users may still ask for a config drive; that case is the
         * transport's business (ssh.keys), not a setting here. */
        at(mr_report(res, MR_PASS, "config drives are not forced (force_config_drive = %s)",
                     force.value), &force);
        return 0;
    }
    if (strcmp(format, "vfat") == 0) {
        at(mr_report(res, MR_PASS, "config drives are vfat, which libvirt copies with the "
                     "other disks during block migration"), &fmt);
        return 0;
    }
    const struct mr_nova_release *rel;
    if (!load_release(ctx, res, &rel))
        return 0;
    char *nova = mr_nova_release_describe(rel);
    char *reverted = mr_nova_major_describe(31);
    int copies = copies_config_drive(rel);
    if (copies == 0) {
        /* Nova 31.0.0 (and 30.1.0) reverted the copy over SSH (commit
         * 5827c01246): the read-only CD-ROM is left out of the disks libvirt
         * copies, and the destination creates disk.config empty, at the
         * source's size. The migration works; the drive's content stays
         * behind. */
        f = at(mr_report(res, MR_WARN,
                         "force_config_drive = %s with block migration: %s does not copy the "
                         "iso9660 config drive (no copy over SSH since 30.1.0 and %s; the "
                         "read-only drive is left out of the disks libvirt copies), so the "
                         "instance migrates but its config drive on the destination is an empty "
                         "image; a guest that reads it again there finds nothing",
                         force.value, nova, reverted),
               &force);
        mr_finding_remedy(f, "let guests read their metadata from the metadata service, or set "
                          "force_config_drive = False in [DEFAULT] of %s", edit_file(&force));
        free(reverted);
        free(nova);
        return 0;
    }
    const char *tr = transport.value ? transport.value : "ssh";
    const char *via = strcmp(tr, "rsync") == 0 ? "rsync over SSH" : "SSH";
    const char *user = mr_ctx_nova_user(ctx);
    char *key = nova_private_key(ctx, user);
    if (copies < 0) {
        f = at(mr_report(res, MR_WARN,
                         "force_config_drive = %s with block migration: whether %s copies the "
                         "iso9660 config drive with %s as %s first depends on the version "
                         "(releases from 14.0.0 before 30.1.0 do, later ones do not)%s",
                         force.value, nova, via, user,
                         key ? "" : "; if it does, the copy fails: nova has no SSH key pair"),
               &force);
        mr_finding_remedy(f, "set nova_release to the installed version (such as 30.0.0) in %s",
                          mr_ctx_site_file(ctx));
    } else if (!key) {
        /* pre_live_migration on the destination pulls disk.config from the
         * source through [libvirt] remote_filesystem_transport, as nova:
         * without a key that copy, and so the block migration, fails. */
        f = at(mr_report(res, MR_FAIL,
                         "force_config_drive = %s with block migration: %s copies the iso9660 "
                         "config drive from the source host with %s as %s before the "
                         "migration (Nova does from 14.0.0 until 30.1.0 and %s), and %s has no "
                         "SSH key pair",
                         force.value, nova, via, user, reverted, user),
               &force);
        mr_finding_remedy(f, "set force_config_drive = False in [DEFAULT] of %s, or give %s a "
                          "key pair authorised on every compute host (see ssh.keys)",
                          edit_file(&force), user);
    } else {
        f = at(mr_report(res, MR_WARN,
                         "force_config_drive = %s: every instance gets an iso9660 config drive, "
                         "which %s copies beforehand from the source host with %s as %s (key "
                         "%s; Nova does from 14.0.0 until 30.1.0 and %s); that needs key-only %s "
                         "between compute hosts",
                         force.value, nova, via, user, key, reverted, via),
               &force);
        mr_finding_remedy(f, "make sure %s's key is authorised on every compute host (see "
                          "ssh.keys), or set force_config_drive = False in [DEFAULT] of %s",
                          user, edit_file(&force));
    }
    free(key);
    free(reverted);
    free(nova);
    return 0;
}

const struct mr_check mr_check_nova_vnc_listen = {
    .id = "nova.vnc-listen",
    .title = "consoles listen on an address every host can use",
    .run = run_vnc_listen,
};

const struct mr_check mr_check_nova_instances_path = {
    .id = "nova.instances-path",
    .title = "instances_path exists, is owned by nova and reachable by QEMU",
    .run = run_instances_path,
};

const struct mr_check mr_check_nova_migration_tuning = {
    .id = "nova.migration-tuning",
    .title = "live migration tuning options are valid",
    .run = run_migration_tuning,
};

const struct mr_check mr_check_nova_cpu_mode = {
    .id = "nova.cpu-mode",
    .title = "guest CPU mode allows migration",
    .run = run_cpu_mode,
};

const struct mr_check mr_check_nova_config_drive = {
    .id = "nova.config-drive",
    .title = "config drives fit the storage profile",
    .run = run_config_drive,
};
