/* migrate-test's causes: libvirt's error met at a step of the round trip,
 * mapped to what the operator must change and to the check that finds it
 * beforehand (mr_migrate_explain, src/live/migrate.h). */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "migrate.h"
#include "migready.h"

static bool has(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

/* The port in "...'host:49153'..." or "...host:16509..." (the last
 * host:port-looking number), 0 when none. */
static int port_in(const char *msg)
{
    int port = 0;
    for (const char *p = msg ? strchr(msg, ':') : NULL; p; p = strchr(p + 1, ':')) {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end != p + 1 && v > 0 && v < 65536 && (*end == '\'' || *end == '"' || *end == ' ' ||
                                                  *end == ':' || *end == '\0' || *end == ','))
            port = (int)v;
    }
    return port;
}

static void cause(struct mr_migrate_cause *ret, const char *check, char *text, char *remedy)
{
    ret->check = check;
    ret->cause = text;
    ret->remedy = remedy;
}

void mr_migrate_explain(enum mr_migrate_phase phase, int code, const char *message,
                        const char *from, const char *to, struct mr_migrate_cause *ret)
{
    const char *m = message ? message : "";
    *ret = (struct mr_migrate_cause){0};
    bool refused = has(m, "connection refused");
    bool timeout = has(m, "timed out") || has(m, "no route to host") || has(m, "unreachable");
    int port = port_in(m);

    if (code == VIR_ERR_OPERATION_ABORTED || has(m, "canceled by client") ||
        has(m, "operation aborted") || has(m, "migration was cancelled")) {
        cause(ret, NULL, mr_xstrdup("the migration job was aborted before it completed"), NULL);
    } else if (has(m, "same host")) {
        cause(ret, "libvirt.host-uuid",
              mr_xasprintf("%s's libvirt has the same host UUID as %s's (a cloned image?), so "
                           "libvirt takes it for the same host and refuses",
                           to, from),
              mr_xasprintf("give one of them its own host_uuid in /etc/libvirt/libvirtd.conf "
                           "(uuidgen) and restart libvirtd; 'migready check --only "
                           "libvirt.host-uuid --peer %s' finds this",
                           strcmp(to, from) ? to : from));
    } else if (has(m, "verify peer's certificate") || has(m, "does not match the hostname") ||
               has(m, "TLS confirmation") || has(m, "credentials /etc/pki") ||
               has(m, "Unable to access credentials") ||
               (has(m, "certificate") && (has(m, "expired") || has(m, "not yet active")))) {
        /* libvirt's TLS errors (src/rpc/virnettlscontext.c,
         * virNetTLSContextCheckCertificate; virnetclient.c,
         * virNetClientSetTLSSession) and QEMU's missing native-TLS files. */
        const char *why = has(m, "does not match the hostname")
                              ? "its server certificate lacks the name this host connects to"
                          : has(m, "TLS confirmation")
                              ? "it refused the client certificate of the host that connected "
                                "(another CA, an expired or missing client certificate)"
                          : has(m, "credentials")
                              ? "QEMU's TLS certificates are missing"
                              : "a certificate is expired or signed by another CA";
        cause(ret, "tls.certs",
              mr_xasprintf("the TLS handshake between %s and %s fails: %s", from, to, why),
              mr_xasprintf("'migready check --only tls.certs --peer %s' names the certificate "
                           "and the reason", to));
    } else if (code == VIR_ERR_CPU_INCOMPATIBLE ||
               (has(m, "cpu") && (has(m, "incompatible") || has(m, "not supported") ||
                                  has(m, "doesn't match") || has(m, "does not provide") ||
                                  has(m, "unknown") || has(m, "missing features")))) {
        cause(ret, "libvirt.cpu-compat",
              mr_xasprintf("the guest CPU that nova.conf configures (cpu_mode, cpu_models) "
                           "cannot run on %s",
                           to),
              mr_xasprintf("choose [libvirt] cpu_models that every host offers (a baseline "
                           "model); 'migready check --only libvirt.cpu-compat,nova.cpu-mode "
                           "--peer %s' finds this",
                           to));
    } else if (has(m, "resolved to localhost") || has(m, "resolves to loopback") ||
               has(m, "loopback")) {
        cause(ret, "hosts.resolution",
              mr_xasprintf("a host name resolves to a loopback address, so the migration "
                           "stream would go to the wrong host"),
              mr_xasprintf("map each host's name to its real address in /etc/hosts or DNS on "
                           "every host (or set [libvirt] live_migration_inbound_addr); "
                           "'migready check --only hosts.resolution --peer %s' finds this",
                           to));
    } else if (code == VIR_ERR_MIGRATE_UNSAFE || has(m, "shared storage") ||
               (phase == MR_PHASE_MIGRATE && has(m, "no such file or directory"))) {
        cause(ret, "nfs.fstab",
              mr_xasprintf("the instances path is not the same storage on %s and %s", from, to),
              mr_xasprintf("mount the shared instances path on both hosts (see 'migready check "
                           "--only nfs.fstab,nfs.access'), or test a block migration with "
                           "--block"));
    } else if (has(m, "permission denied") && phase != MR_PHASE_CONNECT &&
               !has(m, "publickey")) {
        cause(ret, "nova.instances-path",
              mr_xasprintf("QEMU or libvirt may not open the probe's disk in the instances path"),
              mr_xasprintf("make the instances path owned by nova with the search bit for "
                           "others, with the same nova UID/GID on every host; 'migready check "
                           "--only nova.instances-path,ids.nova --peer %s' finds this",
                           to));
    } else if (code == VIR_ERR_AUTH_FAILED || code == VIR_ERR_AUTH_CANCELLED ||
               code == VIR_ERR_AUTH_UNAVAILABLE || has(m, "authentication") ||
               has(m, "certificate")) {
        cause(ret, "libvirt.auth",
              mr_xasprintf("%s's libvirtd does not accept %s's credentials for this transport",
                           to, from),
              mr_xasprintf("see 'migready check --only libvirt.auth,libvirt.listen --peer %s'",
                           to));
    } else if (has(m, "host key verification") || has(m, "publickey")) {
        cause(ret, "ssh.peers",
              mr_xasprintf("SSH from %s to %s is not key-only and non-interactive", from, to),
              mr_xasprintf("see 'migready check --only ssh.keys,ssh.peers --peer %s'", to));
    } else if (refused && (phase == MR_PHASE_CONNECT || port == 16509 || port == 16514 ||
                           port == 22)) {
        int p = port ? port : 16509;
        cause(ret, "libvirt.listen",
              mr_xasprintf("%s refuses connections to libvirtd on port %d: libvirtd does not "
                           "listen there, or a firewall rejects it",
                           to, p),
              mr_xasprintf("make libvirtd on %s listen for the transport and accept port %d "
                           "from the compute hosts; 'migready check --only "
                           "libvirt.listen,firewall.ports' on %s finds this",
                           to, p, to));
    } else if (refused) {
        char *where = port ? mr_xasprintf("port %d", port) : mr_xstrdup("a port");
        cause(ret, "firewall.ports",
              mr_xasprintf("%s refuses QEMU's migration connection to %s (the migration port "
                           "range, qemu.conf migration_port_min/max)",
                           to, where),
              mr_xasprintf("accept the migration port range (49152-49215 by default) from the "
                           "compute hosts in %s's firewall; 'migready check --only "
                           "firewall.ports,firewall.reachability --peer %s' finds this",
                           to, to));
        free(where);
    } else if (timeout) {
        cause(ret, "firewall.reachability",
              mr_xasprintf("%s does not answer on the %s port (packets dropped?)", to,
                           phase == MR_PHASE_CONNECT ? "libvirt" : "migration"),
              mr_xasprintf("open the libvirt port and the migration range between the hosts; "
                           "'migready check --only firewall.reachability --peer %s' finds this",
                           to));
    } else if (has(m, "resolve") || has(m, "name or service not known")) {
        cause(ret, "hosts.resolution",
              mr_xasprintf("a host name does not resolve where it must"),
              mr_xasprintf("see 'migready check --only hosts.resolution --peer %s'", to));
    }
}
