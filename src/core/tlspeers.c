/* TLS between two hosts, from their facts (src/core/tlspeers.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "migready.h"
#include "tlspeers.h"
#include "x509.h"

const char *mr_tls_connect_name(const char *peer, const struct mr_facts *pf)
{
    if (pf && pf->nova_addrs_known) {
        if (pf->live_migration_inbound_addr && *pf->live_migration_inbound_addr)
            return pf->live_migration_inbound_addr;
        if (pf->nova_host && *pf->nova_host)
            return pf->nova_host;
    }
    return peer;
}

static void issue(struct mr_tls_issue **v, size_t *n, char *message, char *remedy)
{
    *v = mr_xrealloc(*v, (*n + 1) * sizeof(**v));
    (*v)[(*n)++] = (struct mr_tls_issue){.message = message, .remedy = remedy};
}

/* "2025-03-01 12:00 UTC" of an ISO time, or the text itself. */
static char *date_of(const char *iso)
{
    time_t t = mr_x509_time_parse_iso(iso);
    return t == (time_t)-1 ? mr_xstrdup(iso) : mr_x509_time_str(t);
}

static bool expired(const struct mr_facts_cert *c, time_t now)
{
    time_t t = c->not_after ? mr_x509_time_parse_iso(c->not_after) : (time_t)-1;
    return t != (time_t)-1 && t <= now;
}

int mr_tls_peer_issues(const struct mr_facts_tls *own, const char *peer,
                       const struct mr_facts *pf, time_t now, struct mr_tls_issue **ret,
                       size_t *ret_n, char **ret_msg)
{
    struct mr_tls_issue *v = NULL;
    size_t n = 0;
    *ret = NULL;
    *ret_n = 0;
    if (!pf->tls_known) {
        *ret_msg = mr_xasprintf("%s: CA and certificates not compared: its facts lack the "
                                "field \"tls\" (migready %s there is older)", peer,
                                pf->tool_version ? pf->tool_version : "(unknown version)");
        return 1;
    }
    const struct mr_facts_tls *t = pf->tls;
    const char *name = mr_tls_connect_name(peer, pf);
    if (!t) {
        issue(&v, &n,
              mr_xasprintf("%s has no libvirt TLS credentials (its transport is %s and it has "
                           "no CA certificate): this host cannot reach its libvirtd over TLS",
                           peer, pf->transport ? pf->transport : "unknown"),
              mr_xasprintf("install the CA, server and client certificates on %s and set "
                           "listen_tls = 1 in its libvirtd.conf", peer));
        goto done;
    }
    if (!t->ca_fingerprint) {
        issue(&v, &n, mr_xasprintf("%s has no CA certificate: it trusts no peer's "
                                   "certificate", peer),
              mr_xasprintf("install this host's CA certificate on %s", peer));
    } else if (own && own->ca_fingerprint && strcmp(own->ca_fingerprint, t->ca_fingerprint)) {
        issue(&v, &n,
              mr_xasprintf("%s trusts another CA (%s) than this host (%s): each refuses the "
                           "other's certificate (\"Failed to verify peer's certificate\")",
                           peer, t->ca_fingerprint, own->ca_fingerprint),
              mr_xasprintf("issue %s's certificates from the CA every compute host trusts and "
                           "install that CA certificate there", peer));
    }
    if (!t->server.present) {
        issue(&v, &n, mr_xasprintf("%s has no server certificate: its libvirtd does not "
                                   "start with listen_tls = 1", peer),
              mr_xasprintf("install a server certificate on %s", peer));
    } else {
        if (expired(&t->server, now)) {
            char *d = date_of(t->server.not_after);
            issue(&v, &n,
                  mr_xasprintf("%s's server certificate expired on %s: its libvirtd refuses "
                               "to start, or peers refuse it (\"Failed to verify peer's "
                               "certificate\")", peer, d),
                  mr_xasprintf("reissue %s's server certificate and restart its libvirtd",
                               peer));
            free(d);
        }
        if (!mr_x509_names_match(t->server.names, name)) {
            char *has = mr_strv_len(t->server.names) ? mr_strv_join(t->server.names, ", ")
                                                     : mr_xstrdup("no name");
            issue(&v, &n,
                  mr_xasprintf("%s's server certificate lacks the name %s, which this host "
                               "connects to (\"Certificate owner does not match the hostname "
                               "%s\"); it names %s", peer, name, name, has),
                  mr_xasprintf("reissue %s's server certificate with %s among its "
                               "subjectAltNames", peer, name));
            free(has);
        }
    }
    if (!t->client.present) {
        issue(&v, &n,
              mr_xasprintf("%s has no client certificate: it cannot migrate back to this host "
                           "(its libvirtd connects here as a TLS client)", peer),
              mr_xasprintf("install a client certificate and key on %s (/etc/pki/libvirt/"
                           "clientcert.pem, private/clientkey.pem)", peer));
    } else if (expired(&t->client, now)) {
        char *d = date_of(t->client.not_after);
        issue(&v, &n,
              mr_xasprintf("%s's client certificate expired on %s: it cannot migrate back to "
                           "this host", peer, d),
              mr_xasprintf("reissue %s's client certificate", peer));
        free(d);
    }
done:
    *ret = v;
    *ret_n = n;
    return 0;
}

void mr_tls_issues_free(struct mr_tls_issue *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].message);
        free(v[i].remedy);
    }
    free(v);
}
