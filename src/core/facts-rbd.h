/* The "rbd" part of this host's facts (src/core/facts.h): collected, and
 * written and read as JSON, apart from the rest. */
#pragma once

#include <json-c/json.h>

#include <stdbool.h>
#include <stddef.h>

struct mr_ctx;

/* One monitor port as this host reaches it. */
struct mr_rbd_mon {
    char *addr;    /* as ceph.conf's mon_host names it */
    int port;      /* 3300 (msgr2) or 6789 (v1) */
    int reachable; /* 1, 0, -1 not probed (offline) */
};

/* Ceph RBD as this host's Nova and libvirt use it (images_type = rbd).
 * Never the key: only whether libvirt's secret holds the keyring's. */
struct mr_rbd_facts {
    char *pool, *user, *secret_uuid;
    char *ceph_conf;       /* images_rbd_ceph_conf as resolved */
    int secret_present;    /* 1, 0, -1 unknown (libvirt not asked) */
    char *secret_usage;    /* "ceph", ...; NULL when unknown or none */
    int secret_ephemeral;  /* 1, 0, -1 */
    int secret_has_value;  /* 1, 0, -1 (a private secret's value cannot be read) */
    int secret_matches_keyring; /* 1, 0, -1 (no readable keyring or value) */
    bool secret_double_encoded; /* the value is the key's base64 text (secret-set-value --plain) */
    struct mr_rbd_mon *mons;
    size_t n_mons;
};
void mr_rbd_facts_free(struct mr_rbd_facts *r);

/* This host's: NULL when nova.conf's images_type is not rbd. Live: asks
 * libvirt for the secret and probes each monitor from here. What cannot be
 * found is pushed to *NOTES. */
struct mr_rbd_facts *mr_rbd_facts_collect(const struct mr_ctx *ctx, char ***notes);
/* The keyring's key of client.USER as text (base64), read through CTX's
 * root: NULL when it cannot be read. Caller wipes and frees. */
char *mr_rbd_keyring_key(const struct mr_ctx *ctx, const char *keyring, const char *user);
/* JSON null for NULL. */
json_object *mr_rbd_facts_to_json(const struct mr_rbd_facts *r);
/* V: the "rbd" value (an object or null). -EBADMSG and *ret_msg naming the
 * key on a value of the wrong type. */
int mr_rbd_facts_from_json(json_object *v, struct mr_rbd_facts **ret, char **ret_msg);
