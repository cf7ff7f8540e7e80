/* Cluster checks: this host's facts against each peer's (fetched over SSH
 * by src/core/peers.h). libvirt.versions, libvirt.cpu-compat and
 * libvirt.host-uuid live here, with the peer parts of ids.nova,
 * hosts.resolution, nova.cpu-mode and nova.instances-path. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "cluster.h"
#include "ctx.h"
#include "facts.h"
#include "netaddr.h"
#include "novaconf.h"
#include "novarelease.h"
#include "ops.h"
#include "peers.h"
#include "uri.h"

/* Nova's floors, as nova/virt/libvirt/driver.py sets MIN_LIBVIRT_VERSION and
 * MIN_QEMU_VERSION (nova-compute refuses to start below them) and
 * NEXT_MIN_LIBVIRT_VERSION / NEXT_MIN_QEMU_VERSION (the floor announced for
 * a later release) at each release's tag, 24.0.0 to 33.0.0. A row holds
 * from its major until the next row's. */
static const struct nova_floor {
    int major;
    const char *libvirt, *qemu, *next_libvirt, *next_qemu;
} nova_floors[] = {
    {24, "6.0.0", "4.2.0", "7.0.0", "5.2.0"}, /* 2021.2 to 2023.1 */
    {28, "7.0.0", "5.2.0", "8.0.0", "6.2.0"}, /* 2023.2 to 2024.2 */
    {31, "8.0.0", "6.2.0", "10.0.0", "8.2.2"}, /* 2025.1 to 2026.1 */
};

/* The floors of REL; NULL for a release older than the table. */
static const struct nova_floor *floor_of(const struct mr_nova_release *rel)
{
    const struct nova_floor *fl = NULL;
    int major = rel ? rel->major : MR_NOVA_NEWEST_MAJOR;
    for (size_t i = 0; i < MR_ARRAY_SIZE(nova_floors); i++)
        if (nova_floors[i].major <= major)
            fl = &nova_floors[i];
    return fl;
}

bool mr_cluster_nova_floor(int major, struct mr_nova_floor *ret)
{
    struct mr_nova_release rel = {.major = major};
    const struct nova_floor *fl = floor_of(&rel);
    if (!fl)
        return false;
    *ret = (struct mr_nova_floor){fl->major, fl->libvirt, fl->qemu, fl->next_libvirt,
                                  fl->next_qemu};
    return true;
}

/* [workarounds] skip_hypervisor_version_check_on_lm appeared in 26.0.0. */
#define NOVA_SKIP_HV_CHECK_MAJOR 26

#define LIBVIRTD_CONF "/etc/libvirt/libvirtd.conf"

typedef void (*peer_fn)(const struct mr_ctx *ctx, struct mr_result *res,
                        const struct mr_facts *own, const struct mr_peer *p);
/* The same with what the check worked out once for all peers. */
typedef void (*peer_data_fn)(const struct mr_ctx *ctx, struct mr_result *res,
                             const struct mr_facts *own, const struct mr_peer *p,
                             const void *data);

bool mr_cluster_active(const struct mr_ctx *ctx)
{
    return ctx->peers && ctx->peers[0] && (ctx->live || mr_ctx_peers_loaded(ctx));
}

/* Calls FN for every peer whose facts arrived; the others get a skip. */
static void each_peer_data(const struct mr_ctx *ctx, struct mr_result *res, peer_data_fn fn,
                           const void *data)
{
    struct mr_peer *const *peers = NULL;
    size_t n = 0;
    int r = mr_ctx_peer_list(ctx, &peers, &n);
    if (r < 0) {
        mr_report(res, MR_ERROR, "cannot fetch the peers' facts: %s", strerror(-r));
        return;
    }
    const struct mr_facts *own = mr_ctx_facts(ctx);
    for (size_t i = 0; i < n; i++) {
        const struct mr_peer *p = peers[i];
        if (!p->facts) {
            struct mr_finding *f = mr_report(res, MR_SKIP,
                                             "not compared: %s unreachable (see ssh.peers)",
                                             p->name);
            mr_finding_remedy(f, "fix what ssh.peers reports for %s, then run the check again",
                              p->name);
            continue;
        }
        fn(ctx, res, own, p, data);
    }
}

struct plain_fn {
    peer_fn fn;
};

static void call_plain(const struct mr_ctx *ctx, struct mr_result *res,
                       const struct mr_facts *own, const struct mr_peer *p, const void *data)
{
    ((const struct plain_fn *)data)->fn(ctx, res, own, p);
}

static void each_peer(const struct mr_ctx *ctx, struct mr_result *res, peer_fn fn)
{
    struct plain_fn pl = {fn};
    each_peer_data(ctx, res, call_plain, &pl);
}

/* The note of F that starts with TOPIC ("libvirt:"), for a message. */
static const char *note_on(const struct mr_facts *f, const char *topic)
{
    size_t n = strlen(topic);
    for (size_t i = 0; f->notes && f->notes[i]; i++)
        if (strncmp(f->notes[i], topic, n) == 0)
            return f->notes[i] + n + (f->notes[i][n] == ' ');
    return NULL;
}

/* The same address, or the same name where a peer gave one. */
static bool addr_eq(const char *a, const char *b)
{
    return mr_addr_same(a, b) || strcasecmp(a, b) == 0;
}

static bool addr_in(char *const *v, const char *a)
{
    for (size_t i = 0; v && v[i]; i++)
        if (addr_eq(v[i], a))
            return true;
    return false;
}

static bool str_eq(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

/* ---- ids.nova ---- */

static void ids_peer(const struct mr_ctx *ctx, struct mr_result *res, const struct mr_facts *own,
                     const struct mr_peer *p)
{
    const struct mr_facts *pf = p->facts;
    const char *user = own->nova_user ? own->nova_user : mr_ctx_nova_user(ctx);
    const char *puser = pf->nova_user ? pf->nova_user : user;
    struct mr_finding *f;
    if (pf->nova_uid < 0 || pf->nova_gid < 0) {
        f = mr_report(res, MR_FAIL, "%s: the nova user %s or its group does not exist there",
                      p->name, puser);
        mr_finding_remedy(f, "install nova-compute on %s, with UID %ld and GID %ld as here",
                          p->name, own->nova_uid, own->nova_gid);
        return;
    }
    if (own->nova_uid < 0 || own->nova_gid < 0)
        return; /* this host's own findings say so */
    bool ok = true;
    if (pf->nova_uid != own->nova_uid) {
        ok = false;
        f = mr_report(res, MR_FAIL,
                      "%s: %s has UID %ld there but %s has UID %ld here: instance files on the "
                      "shared instances path belong to another user after a move",
                      p->name, puser, pf->nova_uid, user, own->nova_uid);
        mr_finding_remedy(f, "give nova the same UID on every host: stop nova-compute and "
                          "libvirtd on %s, then usermod -u %ld %s && find / -xdev -uid %ld "
                          "-exec chown -h %ld {} +",
                          p->name, own->nova_uid, puser, pf->nova_uid, own->nova_uid);
    }
    if (pf->nova_gid != own->nova_gid) {
        ok = false;
        f = mr_report(res, MR_FAIL, "%s: the nova group has GID %ld there but GID %ld here",
                      p->name, pf->nova_gid, own->nova_gid);
        mr_finding_remedy(f, "give the nova group the same GID on every host: on %s, groupmod "
                          "-g %ld GROUP && find / -xdev -gid %ld -exec chgrp -h %ld {} +",
                          p->name, own->nova_gid, pf->nova_gid, own->nova_gid);
    }
    if (ok)
        mr_report(res, MR_PASS, "%s: %s has UID %ld and GID %ld there too", p->name, puser,
                  pf->nova_uid, pf->nova_gid);
}

void mr_cluster_ids(const struct mr_ctx *ctx, struct mr_result *res)
{
    if (mr_cluster_active(ctx))
        each_peer(ctx, res, ids_peer);
}

/* ---- hosts.resolution ---- */

/* How PEER resolves one of this host's names. */
static void hosts_my_name(struct mr_result *res, const struct mr_facts *own,
                          const struct mr_peer *p, const char *name)
{
    const char *theirs = mr_facts_lookup(p->facts, name);
    const char *mine = mr_facts_lookup(own, name);
    struct mr_finding *f;
    if (!theirs)
        return; /* the peer was not asked for this name (DNS, not in its peers) */
    if (mr_addr_is_local_only(theirs)) {
        f = mr_report(res, MR_FAIL, "%s resolves this host's name %s to %s, a loopback address: "
                      "it cannot migrate to this host", p->name, name, theirs);
        mr_finding_remedy(f, "map %s to %s in /etc/hosts (or DNS) on %s", name,
                          mine ? mine : "this host's address", p->name);
    } else if (own->addresses && own->addresses[0] && !addr_in(own->addresses, theirs)) {
        char *list = mr_strv_join(own->addresses, ", ");
        f = mr_report(res, MR_FAIL, "%s resolves this host's name %s to %s, which is not an "
                      "address of this host (%s)", p->name, name, theirs, list);
        mr_finding_remedy(f, "map %s to %s in /etc/hosts (or DNS) on %s", name,
                          mine && addr_in(own->addresses, mine) ? mine : own->addresses[0],
                          p->name);
        free(list);
    } else if (mine && !addr_eq(mine, theirs)) {
        f = mr_report(res, MR_FAIL, "%s resolves this host's name %s to %s, this host to %s",
                      p->name, name, theirs, mine);
        mr_finding_remedy(f, "make /etc/hosts (or DNS) agree on %s on every host", name);
    } else {
        mr_report(res, MR_PASS, "%s resolves this host's name %s to %s, as this host does",
                  p->name, name, theirs);
    }
}

/* The names Nova on this host (as a migration source) uses for PEER, as
 * this host resolves them: the peer's [DEFAULT] host (libvirt's URI when no
 * inbound address is set) and its live_migration_inbound_addr (the URI and
 * QEMU's stream when set): nova/virt/libvirt/driver.py,
 * LibvirtDriver._live_migration_operation. Each must lead to the peer. */
static void nova_names_peer(const struct mr_ctx *ctx, struct mr_result *res,
                            const struct mr_peer *p)
{
    const struct mr_facts *pf = p->facts;
    struct mr_finding *f;
    if (!pf->nova_addrs_known) {
        f = mr_report(res, MR_SKIP, "%s: not compared: its facts lack nova_addresses (host, "
                      "live_migration_inbound_addr), the names Nova migrates to", p->name);
        mr_finding_remedy(f, "install this migready version on %s too", p->name);
        return;
    }
    if (!ctx->live || !ctx->ops || !ctx->ops->resolve)
        return;
    const char *names[2] = {pf->nova_host, pf->live_migration_inbound_addr};
    const char *what[2] = {"[DEFAULT] host", "live_migration_inbound_addr"};
    for (size_t i = 0; i < 2; i++) {
        const char *name = names[i];
        if (!name || (i == 1 && names[0] && strcasecmp(names[0], name) == 0))
            continue;
        char **addrs = NULL;
        const char *a = NULL;
        if (mr_addr_is_literal(name))
            a = name;
        else if (ctx->ops->resolve(name, &addrs) == 0 && addrs && addrs[0])
            a = addrs[0];
        if (!a) {
            f = mr_report(res, MR_FAIL, "%s's %s %s does not resolve here: Nova cannot migrate "
                          "instances from here to %s", p->name, what[i], name, p->name);
            mr_finding_remedy(f, "map %s to %s's address in /etc/hosts (or DNS) on this host",
                              name, p->name);
        } else if (mr_addr_is_local_only(a) ||
                   (pf->addresses && pf->addresses[0] && !addr_in(pf->addresses, a))) {
            char *list = mr_strv_join(pf->addresses, ", ");
            f = mr_report(res, MR_FAIL, "%s's %s %s leads to %s here, which is not an address of "
                          "%s (%s): Nova migrates to that name", p->name, what[i], name, a,
                          p->name, *list ? list : "none reported");
            mr_finding_remedy(f, "map %s to one of %s's addresses in /etc/hosts (or DNS) on "
                              "this host", name, p->name);
            free(list);
        } else {
            mr_report(res, MR_PASS, "%s's %s %s resolves here to %s, an address of %s",
                      p->name, what[i], name, a, p->name);
        }
        mr_strv_free(addrs);
    }
}

static void hosts_peer(const struct mr_ctx *ctx, struct mr_result *res, const struct mr_facts *own,
                       const struct mr_peer *p)
{
    const struct mr_facts *pf = p->facts;
    struct mr_finding *f;
    if (own->host)
        hosts_my_name(res, own, p, own->host);
    if (own->fqdn && (!own->host || strcasecmp(own->fqdn, own->host) != 0))
        hosts_my_name(res, own, p, own->fqdn);

    /* The peer's own name on the peer. */
    const char *self = pf->host ? mr_facts_lookup(pf, pf->host) : NULL;
    if (self && mr_addr_is_local_only(self)) {
        f = mr_report(res, MR_FAIL, "%s resolves its own name %s to %s, a loopback address: "
                      "libvirt there hands migration sources a name that leads back to "
                      "themselves", p->name, pf->host, self);
        mr_finding_remedy(f, "map %s to its reachable address in /etc/hosts on %s", pf->host,
                          p->name);
    }

    /* The peer as this host reaches it. */
    const char *mine = mr_facts_lookup(own, p->name);
    if (!mine)
        mine = p->address;
    if (mine && pf->addresses && pf->addresses[0] && !addr_in(pf->addresses, mine)) {
        char *list = mr_strv_join(pf->addresses, ", ");
        f = mr_report(res, MR_FAIL, "this host resolves %s to %s, which is not an address of %s "
                      "(%s)", p->name, mine, p->name, list);
        mr_finding_remedy(f, "map %s to one of %s in /etc/hosts (or DNS) on this host", p->name,
                          list);
        free(list);
    }

    nova_names_peer(ctx, res, p);

    /* Every other cluster name, the peer's view against this host's. */
    char **names = mr_xcalloc(1, sizeof(char *));
    mr_strv_push(&names, p->name);
    for (size_t i = 0; ctx->peers && ctx->peers[i]; i++)
        if (!mr_strv_contains(names, ctx->peers[i]))
            mr_strv_push(&names, ctx->peers[i]);
    const char *nfs = mr_ctx_site(ctx, "nfs_server");
    if (nfs && !mr_strv_contains(names, nfs))
        mr_strv_push(&names, nfs);
    for (size_t i = 0; names[i]; i++) {
        const char *a = mr_facts_lookup(own, names[i]);
        const char *b = mr_facts_lookup(pf, names[i]);
        if (!a || !b)
            continue;
        if (!addr_eq(a, b)) {
            f = mr_report(res, MR_FAIL, "%s resolves %s to %s, this host to %s", p->name,
                          names[i], b, a);
            mr_finding_remedy(f, "make /etc/hosts (or DNS) agree on %s on every host", names[i]);
        } else if (i == 0) {
            mr_report(res, MR_PASS, "%s resolves %s to %s, as this host does", p->name, names[i],
                      b);
        }
    }
    mr_strv_free(names);
}

void mr_cluster_hosts(const struct mr_ctx *ctx, struct mr_result *res)
{
    if (mr_cluster_active(ctx))
        each_peer(ctx, res, hosts_peer);
}

/* ---- nova.cpu-mode and nova.instances-path ---- */

static void cpu_mode_peer(const struct mr_ctx *ctx, struct mr_result *res,
                          const struct mr_facts *own, const struct mr_peer *p)
{
    const struct mr_facts *pf = p->facts;
    struct mr_finding *f;
    if (own->virt_type && pf->virt_type && strcmp(own->virt_type, pf->virt_type) != 0) {
        f = mr_report(res, MR_FAIL, "%s has virt_type = %s, this host %s: an instance of one type "
                      "cannot run on the other", p->name, pf->virt_type, own->virt_type);
        mr_finding_remedy(f, "set the same [libvirt] virt_type on every compute host");
        return;
    }
    if (!str_eq(own->cpu_mode, pf->cpu_mode)) {
        f = mr_report(res, MR_WARN, "%s has cpu_mode = %s, this host %s: instances get "
                      "another CPU on each side, and one started on one host may not fit the "
                      "other", p->name, pf->cpu_mode ? pf->cpu_mode : "(unknown)",
                      own->cpu_mode ? own->cpu_mode : "(unknown)");
        mr_finding_remedy(f, "use the same [libvirt] cpu_mode (and cpu_models) on every compute "
                          "host");
        return;
    }
    char *a = mr_strv_join(own->cpu_models, ", "), *b = mr_strv_join(pf->cpu_models, ", ");
    if (own->cpu_mode && strcmp(own->cpu_mode, "custom") == 0 && strcasecmp(a, b) != 0) {
        f = mr_report(res, MR_WARN, "%s has cpu_models = %s, this host %s: instances may get a "
                      "model the other host does not offer", p->name, *b ? b : "(none)",
                      *a ? a : "(none)");
        mr_finding_remedy(f, "use the same [libvirt] cpu_models on every compute host");
    } else {
        mr_report(res, MR_PASS, "%s has the same cpu_mode = %s%s%s", p->name,
                  own->cpu_mode ? own->cpu_mode : "(unknown)", *a ? " with cpu_models = " : "",
                  a);
    }
    free(a);
    free(b);
}

void mr_cluster_cpu_mode(const struct mr_ctx *ctx, struct mr_result *res)
{
    if (mr_cluster_active(ctx))
        each_peer(ctx, res, cpu_mode_peer);
}

static void instances_peer(const struct mr_ctx *ctx, struct mr_result *res,
                           const struct mr_facts *own, const struct mr_peer *p)
{
    const char *a = own->instances_path, *b = p->facts->instances_path;
    if (!a)
        return;
    if (!b) {
        struct mr_finding *f = mr_report(res, MR_WARN, "%s did not report its instances_path",
                                         p->name);
        mr_finding_remedy(f, "check nova.conf on %s (migready facts there names the problem)",
                          p->name);
    } else if (strcmp(a, b) != 0) {
        struct mr_finding *f = mr_report(res, MR_FAIL, "%s uses instances_path = %s, this host "
                                         "%s: disks are found by path, so every host must use "
                                         "the same one", p->name, b, a);
        mr_finding_remedy(f, "set instances_path = %s in [DEFAULT] of nova.conf on %s", a,
                          p->name);
    } else {
        mr_report(res, MR_PASS, "%s uses the same instances_path = %s", p->name, b);
    }
}

void mr_cluster_instances_path(const struct mr_ctx *ctx, struct mr_result *res)
{
    if (mr_cluster_active(ctx))
        each_peer(ctx, res, instances_peer);
}

/* ---- nova.vnc-listen: the serial console ---- */

/* A source with the serial console enabled refuses to migrate to a
 * destination that sent no serial_listen_addr, which one without it does
 * not (nova/virt/libvirt/driver.py, _live_migration_operation calls
 * _verify_serial_console_is_disabled: MigrationError). So a difference
 * fails the migrations one way. */
static void serial_peer(const struct mr_ctx *ctx, struct mr_result *res,
                        const struct mr_facts *own, const struct mr_peer *p)
{
    (void)ctx;
    int a = own->serial_console_enabled, b = p->facts->serial_console_enabled;
    struct mr_finding *f;
    if (a < 0)
        return; /* this host's own finding says why */
    if (b < 0) {
        f = mr_report(res, MR_SKIP, "serial console not compared: the facts of %s do not "
                      "report serial_console_enabled (an older migready there)", p->name);
        mr_finding_remedy(f, "install this version of migready on %s", p->name);
    } else if (a != b) {
        const char *on = a ? "this host" : p->name, *off = a ? p->name : "this host";
        f = mr_report(res, MR_FAIL, "[serial_console] enabled is True on %s and False on %s: "
                      "every live migration from %s to %s fails (Nova refuses it when the "
                      "destination gives no serial console address)", on, off, on, off);
        mr_finding_remedy(f, "set the same [serial_console] enabled in nova.conf on this host "
                          "and on %s", p->name);
    } else {
        mr_report(res, MR_PASS, "%s has the serial console %s too", p->name,
                  a ? "enabled" : "disabled");
    }
}

void mr_cluster_serial_console(const struct mr_ctx *ctx, struct mr_result *res)
{
    if (mr_cluster_active(ctx))
        each_peer(ctx, res, serial_peer);
}

/* ---- libvirt.versions ---- */

/* This host's libvirt could not be asked: the comparisons cannot start. */
static bool own_libvirt(struct mr_result *res, const struct mr_facts *own, bool ok)
{
    if (ok)
        return true;
    const char *why = note_on(own, "libvirt:");
    struct mr_finding *f = mr_report(res, MR_FAIL, "libvirt on this host could not be asked (%s): "
                                     "migration needs a running libvirtd",
                                     why ? why : "no answer");
    mr_finding_remedy(f, "start libvirtd (systemctl start libvirtd) and run migready as root");
    return false;
}

/* What libvirt.versions judges by: the floors of this host's Nova release
 * and whether Nova compares QEMU versions at all. */
struct versions_rules {
    const struct nova_floor *floor;
    char *release;     /* "Nova 2025.1 (Epoxy, 31.0.0)" */
    char *floor_since; /* "31.0.0 (2025.1, Epoxy)": the release the floor holds from */
    char *skip_since;  /* the release skip_hypervisor_version_check_on_lm came in */
    bool skip_hv_check;
    bool skip_hv_ignored; /* set, but the host's release does not read it */
};

static void version_floor(struct mr_result *res, const struct versions_rules *vr, const char *who,
                          const char *what, const char *v, const char *min, const char *next)
{
    long long n = mr_facts_version(v);
    if (n < 0 || !vr->floor)
        return;
    if (n < mr_facts_version(min)) {
        struct mr_finding *f = mr_report(res, MR_FAIL, "%s runs %s %s, older than %s, the minimum "
                                         "of %s (Nova's floor since %s): nova-compute refuses "
                                         "to start",
                                         who, what, v, min, vr->release, vr->floor_since);
        mr_finding_remedy(f, "upgrade %s on %s to %s or later", what, who, next);
    }
}

/* Nova's conductor refuses a destination whose hypervisor (QEMU) version is
 * older than the source's, unless the workaround is set; libvirt's own
 * version is not compared (nova/conductor/tasks/live_migrate.py,
 * _check_compatible_with_source_hypervisor). */
static void qemu_pair(struct mr_result *res, const struct versions_rules *vr, const char *peer,
                      const char *mine, const char *theirs)
{
    long long a = mr_facts_version(mine), b = mr_facts_version(theirs);
    struct mr_finding *f;
    if (b < 0) {
        f = mr_report(res, MR_WARN, "%s did not report its QEMU version", peer);
        mr_finding_remedy(f, "run 'migready facts --format json' on %s to see why", peer);
    } else if (a < 0 || a == b) {
        return;
    } else if (vr->skip_hv_check) {
        mr_report(res, MR_PASS, "%s runs QEMU %s, this host %s: not compared, [workarounds] "
                  "skip_hypervisor_version_check_on_lm is set (Nova's conductor reads it since "
                  "%s)", peer, theirs, mine, vr->skip_since);
    } else if (b < a) {
        f = mr_report(res, MR_FAIL, "%s runs QEMU %s, older than this host's %s: Nova refuses to "
                      "move instances from here to %s (DestinationHypervisorTooOld); from %s to "
                      "here works%s%s%s", peer, theirs, mine, peer, peer,
                      vr->skip_hv_ignored ? "; [workarounds] skip_hypervisor_version_check_on_lm "
                                            "is set, but Nova reads it only since "
                                          : "",
                      vr->skip_hv_ignored ? vr->skip_since : "",
                      vr->skip_hv_ignored ? ", and this host's release is older" : "");
        if (vr->skip_hv_ignored)
            mr_finding_remedy(f, "upgrade QEMU on %s to %s or later", peer, mine);
        else
            mr_finding_remedy(f, "upgrade QEMU on %s to %s or later (or set [workarounds] "
                              "skip_hypervisor_version_check_on_lm = true where nova-conductor "
                              "runs, read since %s)", peer, mine, vr->skip_since);
    } else {
        f = mr_report(res, MR_WARN, "%s runs QEMU %s, newer than this host's %s: instances can "
                      "move to %s but Nova refuses to move them back "
                      "(DestinationHypervisorTooOld)", peer, theirs, mine, peer);
        mr_finding_remedy(f, "upgrade QEMU on this host to %s", theirs);
    }
}

/* Why the peer's facts lack libvirt's part: its own "libvirt: ..." note (a
 * daemon that did not answer, a refused socket), or "". */
static const char *libvirt_note(const struct mr_facts *pf)
{
    for (size_t i = 0; pf->notes && pf->notes[i]; i++)
        if (strncmp(pf->notes[i], "libvirt: ", 9) == 0)
            return pf->notes[i] + 9;
    return "";
}

static void versions_peer(const struct mr_ctx *ctx, struct mr_result *res,
                          const struct mr_facts *own, const struct mr_peer *p, const void *data)
{
    const struct versions_rules *vr = data;
    const struct mr_facts *pf = p->facts;
    const struct nova_floor *fl = vr->floor;
    size_t before = res->n_findings;
    if (fl) {
        version_floor(res, vr, p->name, "libvirt", pf->libvirt_version, fl->libvirt,
                      fl->next_libvirt);
        version_floor(res, vr, p->name, "QEMU", pf->qemu_version, fl->qemu, fl->next_qemu);
    }
    if (!pf->libvirt_version) {
        const char *why = libvirt_note(pf);
        struct mr_finding *f = mr_report(res, MR_WARN, "%s did not report its libvirt version%s%s%s",
                                         p->name, *why ? " (" : "", why, *why ? ")" : "");
        mr_finding_remedy(f, "run 'migready facts --format json' on %s to see why", p->name);
    }
    if (own->qemu_version)
        qemu_pair(res, vr, p->name, own->qemu_version, pf->qemu_version);
    if (res->n_findings > before)
        return;
    if (pf->libvirt_version && !str_eq(pf->libvirt_version, own->libvirt_version))
        /* Said so that nobody upgrades libvirt to satisfy a rule Nova lacks. */
        mr_report(res, MR_PASS, "%s runs libvirt %s, this host %s, and QEMU %s as this host: "
                  "Nova compares only the QEMU version", p->name, pf->libvirt_version,
                  own->libvirt_version, pf->qemu_version ? pf->qemu_version : "(unknown)");
    else
        mr_report(res, MR_PASS, "%s runs libvirt %s and QEMU %s, as this host", p->name,
                  pf->libvirt_version, pf->qemu_version ? pf->qemu_version : "(unknown)");
}

/* The lock manager travels in libvirt's migration cookie, and the
 * destination refuses a cookie from another one ("Source host lock driver
 * %s different from target %s": libvirt, src/qemu/qemu_migration_cookie.c,
 * qemuMigrationCookieParse). A libvirt-to-libvirt mismatch between peers,
 * so it is judged beside their versions. */
static void lock_manager_peer(const struct mr_ctx *ctx, struct mr_result *res,
                              const struct mr_facts *own, const struct mr_peer *p)
{
    (void)ctx;
    const char *a = own->lock_manager, *b = p->facts->lock_manager;
    struct mr_finding *f;
    if (!a)
        return; /* qemu.migration-ports reports an unreadable qemu.conf */
    if (!b) {
        f = mr_report(res, MR_SKIP, "lock manager not compared: the facts of %s do not report "
                      "lock_manager (an older migready there, or its qemu.conf is unreadable)",
                      p->name);
        mr_finding_remedy(f, "run 'migready facts --format json' on %s to see why", p->name);
    } else if (strcmp(a, b) != 0) {
        f = mr_report(res, MR_FAIL, "%s uses the lock manager %s, this host %s (qemu.conf "
                      "lock_manager): libvirt refuses every migration between them (\"Source "
                      "host lock driver ... different from target\")", p->name, b, a);
        mr_finding_remedy(f, "set the same lock_manager in /etc/libvirt/qemu.conf on every "
                          "compute host (unset for none) and restart libvirtd");
    } else {
        mr_report(res, MR_PASS, "%s uses the same lock manager (%s)", p->name, a);
    }
}

static int run_versions(const struct mr_ctx *ctx, struct mr_result *res)
{
    const struct mr_facts *own = mr_ctx_facts(ctx);
    if (!own_libvirt(res, own, own->libvirt_version != NULL))
        return 0;
    const struct mr_nova_release *rel = NULL;
    const char *msg = NULL;
    if (mr_ctx_nova_release(ctx, &rel, &msg) < 0) {
        mr_report(res, MR_ERROR, "cannot tell which Nova release's rules apply: %s", msg);
        return 0;
    }
    const struct mr_novaconf *conf = NULL;
    if (mr_ctx_nova(ctx, &conf, &msg) < 0)
        conf = NULL;
    bool skip_set = mr_novaconf_bool(conf, "workarounds", "skip_hypervisor_version_check_on_lm");
    bool skip_read = mr_nova_release_at_least(rel, NOVA_SKIP_HV_CHECK_MAJOR);
    struct versions_rules vr = {
        .floor = floor_of(rel),
        .release = mr_nova_release_describe(rel),
        .skip_since = mr_nova_major_describe(NOVA_SKIP_HV_CHECK_MAJOR),
        .skip_hv_check = skip_read && skip_set,
        .skip_hv_ignored = !skip_read && skip_set,
    };
    const struct nova_floor *fl = vr.floor;
    if (fl)
        vr.floor_since = mr_nova_major_describe(fl->major);
    if (fl) {
        version_floor(res, &vr, "this host", "libvirt", own->libvirt_version, fl->libvirt,
                      fl->next_libvirt);
        version_floor(res, &vr, "this host", "QEMU", own->qemu_version, fl->qemu, fl->next_qemu);
    }
    each_peer_data(ctx, res, versions_peer, &vr);
    each_peer(ctx, res, lock_manager_peer);
    long long lv = mr_facts_version(own->libvirt_version);
    long long qv = mr_facts_version(own->qemu_version);
    if (fl && ((lv >= 0 && lv < mr_facts_version(fl->next_libvirt)) ||
               (qv >= 0 && qv < mr_facts_version(fl->next_qemu))))
        /* Not a readiness problem today: said so that an upgrade is planned. */
        mr_report(res, MR_PASS, "this host runs libvirt %s and QEMU %s; %s has announced "
                  "libvirt %s and QEMU %s as its next minimum", own->libvirt_version,
                  own->qemu_version ? own->qemu_version : "(unknown)", vr.release,
                  fl->next_libvirt, fl->next_qemu);
    free(vr.release);
    free(vr.floor_since);
    free(vr.skip_since);
    return 0;
}

/* ---- libvirt.cpu-compat ---- */

static void features_diff(char *const *a, char *const *b, char ***ret_missing)
{
    char **missing = mr_xcalloc(1, sizeof(char *));
    for (size_t i = 0; a && a[i]; i++)
        if (!mr_strv_contains(b, a[i]))
            mr_strv_push(&missing, a[i]);
    *ret_missing = missing;
}

static void passthrough_peer(struct mr_result *res, const struct mr_facts *own,
                             const struct mr_peer *p)
{
    const struct mr_facts *pf = p->facts;
    char **missing = NULL, **extra = NULL;
    features_diff(own->cpu_features, pf->cpu_features, &missing);
    features_diff(pf->cpu_features, own->cpu_features, &extra);
    if (!str_eq(own->cpu_model, pf->cpu_model) || missing[0] || extra[0]) {
        char *m = mr_strv_join(missing, ", "), *e = mr_strv_join(extra, ", ");
        struct mr_finding *f = mr_report(
            res, MR_FAIL,
            "%s has CPU %s, this host %s%s%s%s%s: cpu_mode = host-passthrough needs identical "
            "CPUs", p->name, pf->cpu_model ? pf->cpu_model : "(unknown)",
            own->cpu_model ? own->cpu_model : "(unknown)", *m ? "; missing there: " : "", m,
            *e ? "; only there: " : "", e);
        mr_finding_remedy(f, "use cpu_mode = custom with cpu_models set to a model both hosts "
                          "run (virsh cpu-baseline), or host-model, in [libvirt] of nova.conf");
        free(m);
        free(e);
    } else {
        mr_report(res, MR_PASS, "%s has the identical CPU %s that host-passthrough needs",
                  p->name, own->cpu_model ? own->cpu_model : "(unknown)");
    }
    mr_strv_free(missing);
    mr_strv_free(extra);
}

/* How Nova compares CPUs before a migration, worked out once for all peers. */
struct cpu_rules {
    bool skip_known;  /* the release has [workarounds] skip_cpu_compare_on_dest */
    int own_skip;     /* this host's value of it */
    char *skip_since; /* the release it came in: "26.0.0 (2022.2, Zed)" */
};

static void cpu_compat_peer(const struct mr_ctx *ctx, struct mr_result *res,
                            const struct mr_facts *own, const struct mr_peer *p, const void *data)
{
    const struct cpu_rules *cr = data;
    const struct mr_facts *pf = p->facts;
    struct mr_finding *f;
    if (own->cpu_arch && pf->cpu_arch && strcmp(own->cpu_arch, pf->cpu_arch) != 0) {
        f = mr_report(res, MR_FAIL, "%s is %s, this host %s: instances cannot move between CPU "
                      "architectures", p->name, pf->cpu_arch, own->cpu_arch);
        mr_finding_remedy(f, "migrate only between hosts of the same architecture (host "
                          "aggregates)");
        return;
    }
    const char *mode = own->cpu_mode ? own->cpu_mode
                                     : mr_facts_default_cpu_mode(own->virt_type, own->cpu_arch);
    if (strcmp(mode, "host-passthrough") == 0) {
        passthrough_peer(res, own, p);
        return;
    }
    if (strcmp(mode, "none") == 0) {
        mr_report(res, MR_PASS, "%s: cpu_mode = none, instances get QEMU's default CPU model on "
                  "either host", p->name);
        return;
    }
    /* The destination reads the workaround (check_can_live_migrate_destination):
     * the peer's value; a peer that did not report it is taken to share this
     * host's, as deployment tools set it on every host alike. */
    bool skip = false;
    const char *assumed = "";
    if (cr->skip_known) {
        skip = pf->skip_cpu_compare_on_dest > 0;
        if (pf->skip_cpu_compare_on_dest < 0) {
            skip = cr->own_skip > 0;
            assumed = " (as on this host: its facts do not say)";
        }
    }
    bool arm = own->cpu_arch && strcmp(own->cpu_arch, "aarch64") == 0;
    char *xml = NULL;
    const char *what;
    if (strcmp(mode, "custom") == 0 && own->cpu_models && own->cpu_models[0] && (!arm || skip)) {
        /* The guest CPU Nova defines, as Nova compares it on the destination
         * and as libvirt checks it when the guest arrives. */
        xml = mr_xasprintf("<cpu mode='custom' match='exact'><model fallback='forbid'>%s"
                           "</model></cpu>", own->cpu_models[0]);
        what = own->cpu_models[0];
    } else {
        /* host-model: the source's CPU (Nova's cpu_info); on AArch64 Nova
         * compares the host CPUs whatever the guest's model. */
        xml = mr_xstrdup(own->cpu_xml);
        what = own->cpu_model ? own->cpu_model : "this host's CPU";
    }
    if (!ctx->ops || !ctx->ops->libvirt_compare_cpu) {
        free(xml);
        mr_report(res, MR_ERROR, "%s: no way to ask libvirt there", p->name);
        return;
    }
    char *uri = mr_uri_peer(own->transport, p->name);
    int verdict = MR_CPU_INCOMPATIBLE;
    char *msg = NULL;
    int r = ctx->ops->libvirt_compare_cpu(uri, own->virt_type ? own->virt_type : "kvm", xml,
                                          &verdict, &msg);
    /* With the workaround Nova's pre-check compares nothing: libvirt checks
     * the guest's CPU when it arrives. For host-model that CPU is this
     * host's host-model expansion, a subset of the host CPU compared here,
     * so an incompatible host CPU is a likely failure, not a certain one. */
    bool guest_only = skip && strcmp(mode, "custom") != 0;
    if (r < 0) {
        f = mr_report(res, MR_SKIP, "not compared: libvirt on %s cannot be asked (%s)", p->name,
                      msg ? msg : strerror(-r));
        mr_finding_remedy(f, "make libvirt on %s reachable from here (%s; see libvirt.listen "
                          "there and firewall.reachability)", p->name, uri);
    } else if (verdict == MR_CPU_INCOMPATIBLE && guest_only) {
        f = mr_report(res, MR_WARN, "%s sets [workarounds] skip_cpu_compare_on_dest%s, so Nova "
                      "does not compare CPUs and libvirt checks the guest CPU when it arrives; "
                      "%s cannot run this host's CPU (%s, cpu_mode = %s): %s; guests whose "
                      "CPU uses what %s lacks will fail to migrate there (Nova reads the "
                      "workaround since %s)", p->name, assumed, p->name, what, mode,
                      msg ? msg : "libvirt says it is incompatible", p->name, cr->skip_since);
        mr_finding_remedy(f, "run 'migready migrate-test --peer %s' to try a guest; or set "
                          "cpu_mode = custom and cpu_models to a model both hosts run in "
                          "[libvirt] of nova.conf on every host", p->name);
    } else if (verdict == MR_CPU_INCOMPATIBLE) {
        f = mr_report(res, MR_FAIL, "%s cannot run this host's CPU (%s, cpu_mode = %s): %s",
                      p->name, what, mode, msg ? msg : "libvirt says it is incompatible");
        mr_finding_remedy(f, "set cpu_mode = custom and cpu_models to a model both hosts run "
                          "(virsh cpu-baseline on the hosts' CPU XML) in [libvirt] of nova.conf "
                          "on every host");
    } else {
        mr_report(res, MR_PASS, "%s runs this host's CPU (%s, cpu_mode = %s): %s%s%s%s%s",
                  p->name, what, mode,
                  verdict == MR_CPU_IDENTICAL ? "identical" : "its CPU is a superset",
                  skip ? "; Nova does not compare (skip_cpu_compare_on_dest" : "", assumed,
                  skip ? "), libvirt checks the guest CPU when it arrives; Nova reads the "
                         "workaround since "
                       : "",
                  skip ? cr->skip_since : "");
    }
    free(msg);
    free(uri);
    free(xml);
}

static int run_cpu_compat(const struct mr_ctx *ctx, struct mr_result *res)
{
    const struct mr_facts *own = mr_ctx_facts(ctx);
    const char *virt = own->virt_type ? own->virt_type : "kvm";
    if (strcmp(virt, "kvm") != 0) {
        /* Nova compares CPUs for kvm alone: qemu (TCG) emulates the CPU. */
        mr_report(res, MR_PASS, "virt_type = %s: guests run on an emulated CPU, which Nova does "
                  "not compare between hosts (it does for kvm)", virt);
        return 0;
    }
    if (!own_libvirt(res, own, own->cpu_xml != NULL))
        return 0;
    const struct mr_nova_release *rel = NULL;
    const char *msg = NULL;
    if (mr_ctx_nova_release(ctx, &rel, &msg) < 0)
        rel = NULL;
    struct cpu_rules cr = {
        .skip_known = mr_nova_release_at_least(rel, MR_NOVA_SKIP_CPU_COMPARE_MAJOR),
        .own_skip = own->skip_cpu_compare_on_dest,
        .skip_since = mr_nova_major_describe(MR_NOVA_SKIP_CPU_COMPARE_MAJOR),
    };
    each_peer_data(ctx, res, cpu_compat_peer, &cr);
    free(cr.skip_since);
    return 0;
}

/* ---- libvirt.host-uuid ---- */

/* UUIDs that firmware vendors ship on every board, and libvirt's placeholder. */
static const char *const clone_uuids[] = {
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "03000200-0400-0500-0006-000700080009",
    "00020003-0004-0005-0006-000700080009",
    "11111111-1111-1111-1111-111111111111",
    "00112233-4455-6677-8899-aabbccddeeff",
    "4c4c4544-0000-2010-8020-80c04f202020",
};

static bool uuid_suspicious(const char *u)
{
    for (size_t i = 0; i < MR_ARRAY_SIZE(clone_uuids); i++)
        if (strcasecmp(u, clone_uuids[i]) == 0)
            return true;
    return false;
}

bool mr_cluster_uuid_placeholder(const char *uuid)
{
    return uuid && uuid_suspicious(uuid);
}

static void uuid_remedy(struct mr_finding *f, const char *where)
{
    mr_finding_remedy(f, "on %s: set host_uuid = \"UUID\" (a new one from uuidgen) in %s, or "
                      "host_uuid_source = \"machine-id\" with a unique /etc/machine-id, then "
                      "restart libvirtd", where, LIBVIRTD_CONF);
}

static void uuid_peer(const struct mr_ctx *ctx, struct mr_result *res, const struct mr_facts *own,
                      const struct mr_peer *p)
{
    const char *u = p->facts->host_uuid;
    struct mr_finding *f;
    if (!u) {
        const char *why = libvirt_note(p->facts);
        f = mr_report(res, MR_WARN, "%s did not report its host UUID%s%s%s", p->name,
                      *why ? " (" : "", why, *why ? ")" : "");
        mr_finding_remedy(f, "run 'migready facts --format json' on %s to see why", p->name);
    } else if (strcasecmp(u, own->host_uuid) == 0) {
        f = mr_report(res, MR_FAIL, "%s has the same host UUID %s as this host: libvirt refuses "
                      "to migrate between them (\"Attempt to migrate guest to the same host\"); "
                      "a cloned image?", p->name, u);
        uuid_remedy(f, p->name);
    } else if (uuid_suspicious(u)) {
        f = mr_report(res, MR_FAIL, "%s has host UUID %s, a placeholder that firmware ships on "
                      "many boards: migrations between such hosts are refused", p->name, u);
        uuid_remedy(f, p->name);
    } else {
        mr_report(res, MR_PASS, "%s has its own host UUID %s", p->name, u);
    }
}

static int run_host_uuid(const struct mr_ctx *ctx, struct mr_result *res)
{
    const struct mr_facts *own = mr_ctx_facts(ctx);
    if (!own_libvirt(res, own, own->host_uuid != NULL))
        return 0;
    if (uuid_suspicious(own->host_uuid)) {
        struct mr_finding *f = mr_report(res, MR_FAIL, "this host's host UUID is %s, a "
                                         "placeholder that firmware ships on many boards: "
                                         "migrations between such hosts are refused",
                                         own->host_uuid);
        uuid_remedy(f, "this host");
    }
    each_peer(ctx, res, uuid_peer);
    /* Two peers may share a UUID between themselves. */
    struct mr_peer *const *peers = NULL;
    size_t n = 0;
    if (mr_ctx_peer_list(ctx, &peers, &n) == 0)
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) {
                const struct mr_facts *a = peers[i]->facts, *b = peers[j]->facts;
                if (a && b && a->host_uuid && b->host_uuid &&
                    strcasecmp(a->host_uuid, b->host_uuid) == 0 &&
                    strcasecmp(a->host_uuid, own->host_uuid) != 0) {
                    struct mr_finding *f = mr_report(res, MR_FAIL, "%s and %s share host UUID "
                                                     "%s: libvirt refuses to migrate between "
                                                     "them", peers[i]->name, peers[j]->name,
                                                     a->host_uuid);
                    uuid_remedy(f, peers[j]->name);
                }
            }
    return 0;
}

const struct mr_check mr_check_libvirt_versions = {
    .id = "libvirt.versions",
    .title = "libvirt and QEMU versions allow migration both ways",
    .needs = MR_NEED_LIBVIRT | MR_NEED_PEERS,
    .run = run_versions,
};

const struct mr_check mr_check_libvirt_cpu_compat = {
    .id = "libvirt.cpu-compat",
    .title = "this host's CPU runs on every peer",
    .needs = MR_NEED_LIBVIRT | MR_NEED_PEERS | MR_NEED_NET,
    .run = run_cpu_compat,
};

const struct mr_check mr_check_libvirt_host_uuid = {
    .id = "libvirt.host-uuid",
    .title = "host UUIDs are unique across peers",
    .needs = MR_NEED_LIBVIRT | MR_NEED_PEERS,
    .run = run_host_uuid,
};
