/* Peers: their facts, fetched over SSH as the migration user, once per run
 * and concurrently, before the cluster checks compare them. */
#pragma once

#include <stdbool.h>

#include "facts.h"

struct mr_ctx;

enum mr_peer_ssh {
    MR_PEER_SSH_OK,
    MR_PEER_SSH_UNRESOLVED,      /* the name does not resolve */
    MR_PEER_SSH_UNREACHABLE,     /* connect refused or timed out */
    MR_PEER_SSH_HOSTKEY_UNKNOWN, /* not in known_hosts: never accepted silently */
    MR_PEER_SSH_HOSTKEY_CHANGED, /* known_hosts holds another key */
    MR_PEER_SSH_AUTH,            /* the key was refused */
    MR_PEER_SSH_NO_KEY,          /* the migration user has no private key here */
    MR_PEER_SSH_REMOTE,          /* the remote command failed or printed junk */
    _MR_PEER_SSH_LAST,
};

struct mr_peer {
    char *name;
    char *address;               /* what the name resolved to here */
    enum mr_peer_ssh ssh;
    char *message;               /* why ssh is not OK (names the fingerprint, the file) */
    char *fingerprint;           /* the peer's host key, SHA256:... */
    char *hostkey_type;          /* its type as ssh-keyscan -t names it: ed25519, ecdsa, rsa */
    char *user;                  /* the migration user this host logs in as */
    char *key;                   /* the private key used (path on this host) */
    char *known_hosts;           /* the known_hosts file that holds (or should hold) the peer */
    unsigned port;               /* the peer's sshd port (mr_ssh_identity), set by the caller */
    struct mr_facts *facts;      /* NULL unless ssh is OK */
    double seconds;
};

/* The peers of the run (--peer, then the site's peers), fetched on first use
 * and kept in the context's MR_SLOT_PEERS. */
int mr_ctx_peer_list(const struct mr_ctx *ctx, struct mr_peer *const **ret, size_t *ret_n);
/* Whether the peers were fetched (or set) in this run. */
bool mr_ctx_peers_loaded(const struct mr_ctx *ctx);
/* Test hook: makes the N PEERS (a malloc'd array of malloc'd peers, which
 * the context owns from now on) the run's peers, as if fetched. */
void mr_ctx_set_peers(const struct mr_ctx *ctx, struct mr_peer **peers, size_t n);
void mr_peer_free(struct mr_peer *p);
