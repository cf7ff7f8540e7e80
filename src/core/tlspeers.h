/* What libvirt's TLS transport needs between two hosts, judged from their
 * facts (the "tls" object): the same CA, a server certificate that names
 * what the other connects to, a client certificate for the way back, none
 * expired. One definition, used by tls.certs (checks/tls.c) and by
 * migrate-test to name tls.certs as the cause of a failed TLS migration. */
#pragma once

#include <time.h>

#include "facts.h"

/* The host this host's libvirt connects to for the peer PEER (as given on
 * the command line) whose facts are PF (may be NULL): the host of the URI
 * Nova builds, its live_migration_inbound_addr when set, else its
 * [DEFAULT] host (nova/virt/libvirt/driver.py, _live_migration_uri(dest)),
 * else PEER. */
const char *mr_tls_connect_name(const char *peer, const struct mr_facts *pf);

/* One thing that keeps TLS migrations from working between this host (OWN,
 * its "tls" facts) and PEER (PF, its facts): a sentence naming PEER and
 * the reason in words ("expired on DATE", "lacks the name NAME", "another
 * CA", "no client certificate"), and a remedy. */
struct mr_tls_issue {
    char *message;
    char *remedy;
};

/* The issues between OWN and the peer at NOW, in *ret (N of them, caller
 * frees with mr_tls_issues_free). Returns 0 when compared, 1 when PF cannot
 * say (facts without the "tls" field, from an older migready): *ret_msg
 * then says so in a sentence naming PEER and the field (caller frees). */
int mr_tls_peer_issues(const struct mr_facts_tls *own, const char *peer,
                       const struct mr_facts *pf, time_t now, struct mr_tls_issue **ret,
                       size_t *ret_n, char **ret_msg);
void mr_tls_issues_free(struct mr_tls_issue *v, size_t n);
