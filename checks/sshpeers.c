/* ssh.peers: the migration user reaches every peer over SSH with its key
 * alone, without a prompt, and every peer's host key is known. The
 * connection itself is made once per run by src/core/peers.c (which also brings
 * the facts the cluster checks compare); this check reports how it went.
 * Remedies name the commands to review, never an automatic accept. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "ctx.h"
#include "peers.h"

static const char *or(const char *s, const char *dflt)
{
    return s && *s ? s : dflt;
}

/* "PEER: MESSAGE", unless the message already starts with the peer's name. */
static struct mr_finding *report(struct mr_result *res, enum mr_status st, const struct mr_peer *p,
                                 const char *msg, const char *tail)
{
    size_t n = strlen(p->name);
    bool named = strncmp(msg, p->name, n) == 0 && (msg[n] == ' ' || msg[n] == ':');
    return mr_report(res, st, "%s%s%s%s", named ? "" : p->name, named ? "" : ": ", msg, tail);
}

static void report_peer(const struct mr_ctx *ctx, struct mr_result *res, const struct mr_peer *p)
{
    const struct mr_ssh_identity *id = mr_ctx_ssh_identity(ctx);
    const char *user = or(p->user, id->user);
    const char *key = or(p->key, or(id->key, "~/.ssh/id_ed25519"));
    unsigned port = p->port ? p->port : id->port;
    const char *kh = or(p->known_hosts, "~/.ssh/known_hosts");
    const char *type = or(p->hostkey_type, "ed25519");
    const char *fp = or(p->fingerprint, "(unknown)");
    const char *msg = or(p->message, "no details");
    struct mr_finding *f;
    char *tail;
    bool show = p->address && strcmp(p->address, p->name) != 0;

    switch (p->ssh) {
    case MR_PEER_SSH_OK:
        mr_report(res, MR_PASS, "%s%s%s%s: %s logs in with its key %s alone; host key %s is in "
                  "%s; migready facts answered in %.1f s", p->name, show ? " (" : "",
                  show ? p->address : "", show ? ")" : "", user, key, fp, kh,
                  p->seconds);
        break;
    case MR_PEER_SSH_UNRESOLVED:
        f = report(res, MR_FAIL, p, msg, "");
        mr_finding_remedy(f, "add %s to /etc/hosts or DNS on this host (see hosts.resolution), "
                          "or correct the name in --peer or the site's peers", p->name);
        break;
    case MR_PEER_SSH_UNREACHABLE:
        f = report(res, MR_FAIL, p, msg, "");
        mr_finding_remedy(f, "start sshd on %s and accept TCP %u from this host in its firewall "
                          "(see firewall.reachability here and firewall.ports there)", p->name,
                          port);
        break;
    case MR_PEER_SSH_HOSTKEY_UNKNOWN:
        f = report(res, MR_FAIL, p, msg, "");
        mr_finding_remedy(f, "on %s itself, 'ssh-keygen -lf /etc/ssh/ssh_host_%s_key.pub' must "
                          "print %s; only then record it, after reviewing what ssh-keyscan "
                          "prints: ssh-keyscan -t %s %s >> %s", p->name, type, fp, type, p->name,
                          kh);
        break;
    case MR_PEER_SSH_HOSTKEY_CHANGED:
        f = report(res, MR_FAIL, p, msg, "");
        mr_finding_remedy(f, "find out why %s's host key changed; if it is expected (a "
                          "reinstall), 'ssh-keygen -lf /etc/ssh/ssh_host_%s_key.pub' on %s "
                          "itself must print %s, then replace the old entry: ssh-keygen -R %s "
                          "-f %s && ssh-keyscan -t %s %s >> %s (review before appending)",
                          p->name, type, p->name, fp, p->name, kh, type, p->name, kh);
        break;
    case MR_PEER_SSH_AUTH:
        tail = mr_xasprintf(" (host key %s verified)", fp);
        f = report(res, MR_FAIL, p, msg, tail);
        free(tail);
        mr_finding_remedy(f, "authorise this host's key for %s on %s: ssh-copy-id -i %s.pub "
                          "%s@%s from an account that can log in there, or append %s.pub to "
                          "~%s/.ssh/authorized_keys on %s (see ssh.keys there)", user, p->name,
                          key, user, p->name, key, user, p->name);
        break;
    case MR_PEER_SSH_NO_KEY:
        f = report(res, MR_FAIL, p, msg, "");
        mr_finding_remedy(f, "give %s a key pair without a passphrase: sudo -u %s ssh-keygen -t "
                          "ed25519 -N '' -f ~%s/.ssh/id_ed25519, then authorise it on every "
                          "peer (see ssh.keys)", user, user, user);
        break;
    case MR_PEER_SSH_REMOTE:
    default:
        /* SSH may work, but without the peer's facts nothing can be compared. */
        f = report(res, MR_ERROR, p, msg, "");
        mr_finding_remedy(f, "install migready on %s, or set remote_migready in the site "
                          "configuration to its path there; 'migready facts --format json' "
                          "must run there as %s", p->name, user);
        break;
    }
}

static int run_peers(const struct mr_ctx *ctx, struct mr_result *res)
{
    struct mr_peer *const *peers = NULL;
    size_t n = 0;
    int r = mr_ctx_peer_list(ctx, &peers, &n);
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++)
        report_peer(ctx, res, peers[i]);
    /* Whose login was tried, on which port, and why that one. */
    const struct mr_ssh_identity *id = mr_ctx_ssh_identity(ctx);
    for (size_t i = 0; i < res->n_findings; i++) {
        struct mr_finding *f = &res->findings[i];
        char *m = mr_xasprintf("%s (as %s, port %u%s%s: %s)", f->message, id->user, id->port,
                               id->ssh_config ? " from " : "",
                               id->ssh_config ? id->ssh_config : "", id->why);
        free(f->message);
        f->message = m;
    }
    return 0;
}

const struct mr_check mr_check_ssh_peers = {
    .id = "ssh.peers",
    .title = "key-only, non-interactive SSH to every peer works and host keys are known",
    .needs = MR_NEED_PEERS | MR_NEED_NET,
    .run = run_peers,
};
