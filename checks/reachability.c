/* firewall.reachability: from here, a TCP connect to each peer's libvirt
 * port, SSH and the first port of its migration range, all at once with a
 * short timeout. Refused (a RST: nothing listens, or a REJECT rule) is told
 * from filtered (no answer: a DROP rule). Outside a migration nothing
 * listens on the migration range, so a refusal there is expected and only
 * silence fails. The ports come from the peer's facts when they arrived,
 * else from this host's configuration and libvirt's defaults.
 *
 * Nova does not migrate to the name migready was given for a peer but to
 * the names the peer's nova.conf sets (its facts' nova_addresses): the
 * libvirt URI goes to its live_migration_inbound_addr when set, else to its
 * [DEFAULT] host (nova/virt/libvirt/driver.py, _live_migration_operation:
 * dest = migrate_data.target_connect_addr, then _live_migration_uri(dest)),
 * and QEMU's stream to tcp://live_migration_inbound_addr (_migrate_uri(dest),
 * not tunnelled). Where those lead elsewhere than the peer's name, the
 * ports are tried there too. */
#include "config.h"

#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "checks.h"
#include "ctx.h"
#include "facts.h"
#include "netaddr.h"
#include "ops.h"
#include "peers.h"

#define PROBE_TIMEOUT_MS 1500

enum role { ROLE_LIBVIRT, ROLE_SSH, ROLE_MIGRATION };

struct target {
    const struct mr_peer *peer;
    enum role role;
    char *name;    /* the name the address came from, for a remedy */
    char *address; /* the literal the probe connects to */
    char *who;     /* "hv2 (192.0.2.12)", "hv2's live_migration_inbound_addr 192.0.2.99" */
    char *what;    /* "libvirt's port 16509 (tcp transport)" */
};

struct targets {
    struct mr_tcp_probe *v;
    struct target *t;
    size_t n;
};

static int default_libvirt_port(const char *transport)
{
    if (transport && strcmp(transport, "ssh") == 0)
        return 22;
    if (transport && strcmp(transport, "tls") == 0)
        return 16514;
    return 16509;
}

/* Takes WHAT. A port already tried on the same address for P is not tried
 * twice (its Nova names may lead to one address). */
static void add(struct targets *ts, const struct mr_peer *p, const char *name,
                const char *address, const char *who, enum role role, int port, char *what)
{
    for (size_t i = 0; i < ts->n; i++)
        if (ts->t[i].peer == p && ts->v[i].port == port &&
            mr_addr_same(ts->t[i].address, address)) {
            free(what);
            return;
        }
    ts->v = mr_xrealloc(ts->v, (ts->n + 1) * sizeof(*ts->v));
    ts->t = mr_xrealloc(ts->t, (ts->n + 1) * sizeof(*ts->t));
    ts->t[ts->n] = (struct target){.peer = p, .role = role, .name = mr_xstrdup(name),
                                   .address = mr_xstrdup(address), .who = mr_xstrdup(who),
                                   .what = what};
    ts->v[ts->n] = (struct mr_tcp_probe){.address = ts->t[ts->n].address, .port = port};
    ts->n++;
}

static void judge(struct mr_result *res, const struct mr_tcp_probe *pr, const struct target *t)
{
    const struct mr_peer *p = t->peer;
    struct mr_finding *f;
    double secs = PROBE_TIMEOUT_MS / 1000.0;
    bool migration = t->role == ROLE_MIGRATION;
    const char *who = t->who;
    switch (pr->state) {
    case MR_TCP_OPEN:
        mr_report(res, MR_PASS, "%s: TCP %d, %s, answers%s", who, pr->port,
                  t->what, migration ? " (something listens there: a migration in progress?)"
                                     : "");
        break;
    case MR_TCP_REFUSED:
        if (migration) {
            mr_report(res, MR_PASS, "%s: TCP %d, %s, is refused, as expected: nothing "
                      "listens there outside a migration, and a refusal means the port is not "
                      "dropped (a REJECT rule looks the same from here: firewall.ports on %s "
                      "tells them apart)", who, pr->port, t->what, p->name);
            break;
        }
        f = mr_report(res, MR_FAIL, "%s refuses TCP %d, %s: a REJECT rule in its firewall, "
                      "or nothing listens there", who, pr->port, t->what);
        if (t->role == ROLE_LIBVIRT)
            mr_finding_remedy(f, "on %s: accept TCP %d from this host in the firewall "
                              "(firewall.ports there names the rule) and make libvirtd listen "
                              "(libvirt.listen there)", p->name, pr->port);
        else
            mr_finding_remedy(f, "on %s: start sshd and accept TCP %d from this host in the "
                              "firewall (firewall.ports there names the rule)", p->name,
                              pr->port);
        break;
    case MR_TCP_FILTERED:
        f = mr_report(res, MR_FAIL, "%s: TCP %d, %s, is filtered: no answer within %.1f s, "
                      "so a DROP rule (on %s or between the hosts) discards it%s", who,
                      pr->port, t->what, secs, p->name,
                      migration ? "; migrations to it hang until they time out" : "");
        mr_finding_remedy(f, "accept TCP %d from this host in %s's firewall (firewall.ports "
                          "there) and in any firewall between the hosts", pr->port, p->name);
        break;
    case MR_TCP_UNREACHABLE:
        f = mr_report(res, MR_FAIL, "%s: TCP %d, %s, is unreachable: %s (an ICMP "
                      "'prohibited' from a REJECT rule, or no route)", who,
                      pr->port, t->what, strerror(pr->error));
        mr_finding_remedy(f, "accept TCP %d from this host in %s's firewall and check the "
                          "route to %s", pr->port, p->name, t->address);
        break;
    case MR_TCP_ERROR:
    default:
        f = mr_report(res, MR_ERROR, "%s: cannot try TCP %d: %s", who,
                      pr->port, strerror(pr->error));
        mr_finding_remedy(f, "check the address %s gives for %s", "the resolver", t->name);
        break;
    }
}

/* The ports a peer is tried on, from its facts when they arrived. */
struct ports {
    const char *transport;
    int libvirt, ssh, mig, mig_max;
};

static void add_libvirt(struct targets *ts, const struct mr_peer *p, const char *name,
                        const char *address, const char *who, const struct ports *po)
{
    if (po->libvirt == po->ssh)
        add(ts, p, name, address, who, ROLE_SSH, po->ssh,
            mr_xstrdup("SSH and libvirt's ssh transport"));
    else
        add(ts, p, name, address, who, ROLE_LIBVIRT, po->libvirt,
            mr_xasprintf("libvirt's port (%s transport)", po->transport));
}

static void add_migration(struct targets *ts, const struct mr_peer *p, const char *name,
                          const char *address, const char *who, const struct ports *po)
{
    add(ts, p, name, address, who, ROLE_MIGRATION, po->mig,
        po->mig_max ? mr_xasprintf("the first port of the migration range %d-%d", po->mig,
                                   po->mig_max)
                    : mr_xstrdup("the first port of the migration range"));
}

/* The peer's Nova names (see the top of the file) where they lead elsewhere
 * than its name: libvirt's port and the migration range on its
 * live_migration_inbound_addr (_live_migration_uri(dest) and
 * _migrate_uri(dest) in nova/virt/libvirt/driver.py, dest being the
 * inbound address), SSH on its [DEFAULT] host (nova's own SSH, and
 * libvirt's ssh transport), and libvirt's port there too when no inbound
 * address is set (then dest is the host). hosts.resolution judges where the
 * names lead; this tries what listens there. */
static void add_nova_names(const struct mr_ctx *ctx, struct mr_result *res, struct targets *ts,
                           const struct mr_peer *p, const struct ports *po)
{
    const struct mr_facts *pf = p->facts;
    struct mr_finding *f;
    if (!pf)
        return; /* ssh.peers says why no facts came; the name's ports are tried */
    if (!pf->nova_addrs_known) {
        f = mr_report(res, MR_SKIP, "%s: Nova's names for it not tried: its facts lack "
                      "nova_addresses (host, live_migration_inbound_addr)", p->name);
        mr_finding_remedy(f, "install this migready version on %s too", p->name);
        return;
    }
    const char *names[2] = {pf->live_migration_inbound_addr, pf->nova_host};
    const char *what[2] = {"live_migration_inbound_addr", "[DEFAULT] host"};
    for (size_t i = 0; i < 2; i++) {
        const char *name = names[i];
        if (!name || (i == 1 && names[0] && strcasecmp(names[0], name) == 0))
            continue;
        char *a = mr_ctx_resolve_first(ctx, name);
        if (!a) {
            f = mr_report(res, MR_SKIP, "%s's %s %s not tried: it does not resolve here",
                          p->name, what[i], name);
            mr_finding_remedy(f, "fix what hosts.resolution reports for %s", p->name);
            continue;
        }
        if (mr_addr_same(a, p->address)) {
            free(a);
            continue;
        }
        char *who = strcmp(name, a) == 0 ? mr_xasprintf("%s's %s %s", p->name, what[i], name)
                                         : mr_xasprintf("%s's %s %s (%s)", p->name, what[i],
                                                        name, a);
        if (i == 0) {
            add_libvirt(ts, p, name, a, who, po);
            add_migration(ts, p, name, a, who, po);
        } else {
            if (!names[0])
                add_libvirt(ts, p, name, a, who, po);
            add(ts, p, name, a, who, ROLE_SSH, po->ssh, mr_xstrdup("SSH"));
        }
        free(who);
        free(a);
    }
}

static int run_reachability(const struct mr_ctx *ctx, struct mr_result *res)
{
    struct mr_peer *const *peers = NULL;
    size_t n_peers = 0;
    int r = mr_ctx_peer_list(ctx, &peers, &n_peers);
    if (r < 0)
        return r;
    if (!ctx->ops || !ctx->ops->tcp_probe) {
        mr_report(res, MR_ERROR, "no way to open TCP connections in this build");
        return 0;
    }
    const struct mr_facts *own = mr_ctx_facts(ctx);
    const char *own_transport = mr_ctx_value(ctx, "transport");
    if (!own_transport)
        own_transport = own->transport ? own->transport : "tcp";
    int own_mig = own->migration_port_min > 0 ? own->migration_port_min : 49152;

    struct targets ts = {0};
    for (size_t i = 0; i < n_peers; i++) {
        const struct mr_peer *p = peers[i];
        if (!p->address) {
            struct mr_finding *f = mr_report(res, MR_SKIP, "not tried: %s does not resolve here",
                                             p->name);
            mr_finding_remedy(f, "fix what hosts.resolution and ssh.peers report for %s",
                              p->name);
            continue;
        }
        const struct mr_facts *pf = p->facts;
        struct ports po = {.transport = pf && pf->transport ? pf->transport : own_transport};
        po.libvirt = pf && pf->libvirt_port > 0 ? pf->libvirt_port
                                                : default_libvirt_port(po.transport);
        po.ssh = pf && pf->ssh_port > 0 ? pf->ssh_port : 22;
        po.mig = pf && pf->migration_port_min > 0 ? pf->migration_port_min : own_mig;
        po.mig_max = pf && pf->migration_port_max >= po.mig ? pf->migration_port_max : 0;
        /* "hv2 (192.0.2.12)", or the address alone when it was given as one. */
        char *who = strcmp(p->name, p->address) == 0
                        ? mr_xstrdup(p->name)
                        : mr_xasprintf("%s (%s)", p->name, p->address);
        add_libvirt(&ts, p, p->name, p->address, who, &po);
        if (po.libvirt != po.ssh)
            add(&ts, p, p->name, p->address, who, ROLE_SSH, po.ssh, mr_xstrdup("SSH"));
        add_migration(&ts, p, p->name, p->address, who, &po);
        free(who);
        add_nova_names(ctx, res, &ts, p, &po);
    }
    if (ts.n > 0) {
        r = ctx->ops->tcp_probe(ts.v, ts.n, PROBE_TIMEOUT_MS);
        if (r < 0)
            mr_report(res, MR_ERROR, "cannot open TCP connections: %s", strerror(-r));
        else
            for (size_t i = 0; i < ts.n; i++)
                judge(res, &ts.v[i], &ts.t[i]);
    }
    for (size_t i = 0; i < ts.n; i++) {
        free(ts.t[i].name);
        free(ts.t[i].address);
        free(ts.t[i].who);
        free(ts.t[i].what);
    }
    free(ts.t);
    free(ts.v);
    return 0;
}

const struct mr_check mr_check_firewall_reachability = {
    .id = "firewall.reachability",
    .title = "libvirt's port, SSH and the migration range on every peer answer from here",
    .needs = MR_NEED_PEERS | MR_NEED_NET,
    .run = run_reachability,
};
