/* firewall.reachability: from here, a TCP connect to each peer's libvirt
 * port, SSH and the first port of its migration range, all at once with a
 * short timeout. Refused (a RST: nothing listens, or a REJECT rule) is told
 * from filtered (no answer: a DROP rule). Outside a migration nothing
 * listens on the migration range, so a refusal there is expected and only
 * silence fails. The ports come from the peer's facts when they arrived,
 * else from this host's configuration and libvirt's defaults. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "ctx.h"
#include "facts.h"
#include "ops.h"
#include "peers.h"

#define PROBE_TIMEOUT_MS 1500

enum role { ROLE_LIBVIRT, ROLE_SSH, ROLE_MIGRATION };

struct target {
    const struct mr_peer *peer;
    enum role role;
    char *what; /* "libvirt's port 16509 (tcp transport)" */
};

static int default_libvirt_port(const char *transport)
{
    if (transport && strcmp(transport, "ssh") == 0)
        return 22;
    if (transport && strcmp(transport, "tls") == 0)
        return 16514;
    return 16509;
}

static void add(struct mr_tcp_probe **v, struct target **t, size_t *n, const struct mr_peer *p,
                enum role role, int port, char *what)
{
    *v = mr_xrealloc(*v, (*n + 1) * sizeof(**v));
    *t = mr_xrealloc(*t, (*n + 1) * sizeof(**t));
    (*v)[*n] = (struct mr_tcp_probe){.address = p->address, .port = port};
    (*t)[*n] = (struct target){.peer = p, .role = role, .what = what};
    (*n)++;
}

static void judge(struct mr_result *res, const struct mr_tcp_probe *pr, const struct target *t)
{
    const struct mr_peer *p = t->peer;
    struct mr_finding *f;
    double secs = PROBE_TIMEOUT_MS / 1000.0;
    bool migration = t->role == ROLE_MIGRATION;
    /* "hv2 (192.0.2.12)", or the address alone when it was given as one. */
    char *who = strcmp(p->name, p->address) == 0 ? mr_xstrdup(p->name)
                                                 : mr_xasprintf("%s (%s)", p->name, p->address);
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
                          "route to %s", pr->port, p->name, p->address);
        break;
    case MR_TCP_ERROR:
    default:
        f = mr_report(res, MR_ERROR, "%s: cannot try TCP %d: %s", who,
                      pr->port, strerror(pr->error));
        mr_finding_remedy(f, "check the address %s gives for %s", "the resolver", p->name);
        break;
    }
    free(who);
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

    struct mr_tcp_probe *v = NULL;
    struct target *t = NULL;
    size_t n = 0;
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
        const char *transport = pf && pf->transport ? pf->transport : own_transport;
        int lport = pf && pf->libvirt_port > 0 ? pf->libvirt_port
                                               : default_libvirt_port(transport);
        int sport = pf && pf->ssh_port > 0 ? pf->ssh_port : 22;
        int mig = pf && pf->migration_port_min > 0 ? pf->migration_port_min : own_mig;
        int mig_max = pf && pf->migration_port_max >= mig ? pf->migration_port_max : 0;
        if (lport != sport)
            add(&v, &t, &n, p, ROLE_LIBVIRT, lport,
                mr_xasprintf("libvirt's port (%s transport)", transport));
        add(&v, &t, &n, p, ROLE_SSH, sport,
            mr_xstrdup(lport == sport ? "SSH and libvirt's ssh transport" : "SSH"));
        add(&v, &t, &n, p, ROLE_MIGRATION, mig,
            mig_max ? mr_xasprintf("the first port of the migration range %d-%d", mig, mig_max)
                    : mr_xstrdup("the first port of the migration range"));
    }
    if (n > 0) {
        r = ctx->ops->tcp_probe(v, n, PROBE_TIMEOUT_MS);
        if (r < 0)
            mr_report(res, MR_ERROR, "cannot open TCP connections: %s", strerror(-r));
        else
            for (size_t i = 0; i < n; i++)
                judge(res, &v[i], &t[i]);
    }
    for (size_t i = 0; i < n; i++)
        free(t[i].what);
    free(t);
    free(v);
    return 0;
}

const struct mr_check mr_check_firewall_reachability = {
    .id = "firewall.reachability",
    .title = "libvirt's port, SSH and the migration range on every peer answer from here",
    .needs = MR_NEED_PEERS | MR_NEED_NET,
    .run = run_reachability,
};
