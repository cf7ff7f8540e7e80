/* What peers need to compare: `migready facts --format json` prints it and
 * `check --peer` fetches it from each peer over SSH. Nothing secret. */
#pragma once

#include <stdbool.h>

struct mr_ctx;

struct mr_host_entry {
    char *name;
    char *address; /* the first address /etc/hosts gives NAME */
};

/* One certificate of libvirt's TLS transport, as peers compare it: never
 * key material. */
struct mr_facts_cert {
    bool present;    /* the file exists and parses */
    char **names;    /* subjectAltName DNS names and addresses, else the CN */
    char *not_after; /* ISO 8601 UTC, "2025-03-01T12:00:00Z" */
};

/* libvirt's TLS credentials (the "tls" object of facts). */
struct mr_facts_tls {
    char *ca_fingerprint; /* "sha256:" + lowercase hex of the CA's DER; NULL: no CA */
    struct mr_facts_cert server, client;
};
struct mr_rbd_facts; /* src/core/facts-rbd.h */

struct mr_facts {
    char *tool_version;
    char *host;            /* host name */
    char *fqdn;            /* NULL when unknown */
    char **addresses;      /* this host's interface addresses (live), NULL-terminated */
    char *nova_user;
    long nova_uid, nova_gid; /* -1 when the user or group does not exist */
    char *instances_path;
    struct mr_host_entry *hosts; /* /etc/hosts, in file order */
    size_t n_hosts;
    /* What the live resolver answers (its first address) for this host's
     * names, its site peers and the NFS server; empty under --root. */
    struct mr_host_entry *resolved;
    size_t n_resolved;
    char *libvirt_version; /* "9.0.0"; NULL when libvirt could not be asked */
    char *qemu_version;    /* "7.2.0" */
    char *cpu_arch;        /* from libvirt's host capabilities */
    char *cpu_vendor;
    char *cpu_model;
    char **cpu_features;   /* NULL-terminated */
    char *cpu_xml;         /* the host <cpu> element, for a peer's CPU comparison */
    char *host_uuid;
    char *virt_type;       /* nova.conf [libvirt] virt_type (kvm when unset) */
    char *cpu_mode;        /* nova.conf [libvirt] cpu_mode as Nova resolves it */
    char **cpu_models;
    /* nova.conf [workarounds] skip_cpu_compare_on_dest as this host's Nova
     * release reads it (0 before 26.0.0, which has no such option); -1 in
     * facts from a migready that did not report it. */
    int skip_cpu_compare_on_dest;
    /* The names Nova gives peers for this host (nova.conf): [DEFAULT] host
     * (this host's name when unset, as Nova's default), [libvirt]
     * live_migration_inbound_addr (NULL: unset, peers use nova_host) and
     * [libvirt] migration_inbound_addr (cold migration, 29.0.0 on; NULL
     * before). nova_addrs_known is false in facts of a migready that did
     * not report them. */
    bool nova_addrs_known;
    char *nova_host;
    char *live_migration_inbound_addr;
    char *migration_inbound_addr;
    /* nova.conf [serial_console] enabled: 1 or 0; -1 when unknown, or in
     * facts from a migready that did not report it. */
    int serial_console_enabled;
    /* qemu.conf lock_manager as libvirt's QEMU driver loads it ("nop" when
     * unset); NULL when qemu.conf could not be read, or in facts from a
     * migready that did not report it. */
    char *lock_manager;
    char *transport;       /* tcp, tls or ssh */
    /* libvirt's TLS credentials: NULL when the transport is not tls and no
     * CA is installed. tls_known is false in facts of a migready that did
     * not report them (no "tls" key; null is known and empty). */
    bool tls_known;
    struct mr_facts_tls *tls;
    char *migration_user;
    char **public_keys;    /* the migration user's public keys, one line each */
    /* OpenSSH's SHA256 fingerprints ("SHA256:BASE64") of those public keys
     * and of the keys the user's authorized_keys holds, for `fleet` (which
     * needs no key itself); NULL in facts of a migready that did not report
     * them. */
    char **key_fingerprints;
    char **authorized_fingerprints;
    /* The Nova release whose rules apply here: its major (0 in facts of a
     * migready that did not report it) and version (NULL when unknown: the
     * newest rules apply, as in check). */
    int nova_major;
    char *nova_version;
    int libvirt_port;
    int migration_port_min, migration_port_max;
    int ssh_port;
    char **notes;          /* what could not be found, and why */
    /* Ceph RBD (src/core/facts-rbd.c): NULL when Nova does not use rbd;
     * rbd_known is false in facts from a migready that did not report it. */
    bool rbd_known;
    struct mr_rbd_facts *rbd;
};

/* Collects this host's facts; what cannot be found stays NULL/-1 and is
 * named in ret->notes. Under --root the live parts (addresses, resolver,
 * libvirt) are absent and a note says so. Returns a negative errno only
 * when nothing sensible can be said. */
int mr_facts_collect(const struct mr_ctx *ctx, struct mr_facts **ret);
/* This host's facts, collected once per run and kept in the context's
 * MR_SLOT_FACTS. Never NULL. */
const struct mr_facts *mr_ctx_facts(const struct mr_ctx *ctx);
/* Test hook: makes F (the context owns it from now on) this host's facts
 * of the run, as if collected, so that unit tests need no live host. */
void mr_ctx_set_facts(const struct mr_ctx *ctx, struct mr_facts *f);
/* [workarounds] skip_cpu_compare_on_dest exists from this Nova major on. */
#define MR_NOVA_SKIP_CPU_COMPARE_MAJOR 26
/* [libvirt] migration_inbound_addr exists from this Nova major on. */
#define MR_NOVA_MIGRATION_INBOUND_MAJOR 29
/* The guest CPU mode Nova picks when [libvirt] cpu_mode is unset, for
 * VIRT_TYPE (NULL: kvm) on a host whose CPU is ARCH (NULL: unknown, taken
 * as not AArch64). */
const char *mr_facts_default_cpu_mode(const char *virt_type, const char *arch);
/* Fills the libvirt parts of F (cpu_*, host_uuid) from a capabilities XML. */
int mr_facts_parse_capabilities(struct mr_facts *f, const char *xml, char **ret_msg);
/* The address F's host gives NAME: the live resolver's answer, else /etc/hosts
 * (names compared without case). NULL when neither knows it. */
const char *mr_facts_lookup(const struct mr_facts *f, const char *name);
/* "9.0.0" as libvirt's number (9000000); -1 when not a version. */
long long mr_facts_version(const char *s);
/* The JSON of `migready facts --format json` (caller frees). */
char *mr_facts_to_json(const struct mr_facts *f);
/* Parses what a peer printed; a clear message on bad input. */
int mr_facts_from_json(const char *json, struct mr_facts **ret, char **ret_msg);
/* The same from a parsed JSON value (a json-c json_object), for readers that
 * parsed it themselves (fleet: the position of a syntax error). */
struct json_object;
int mr_facts_from_object(struct json_object *o, struct mr_facts **ret, char **ret_msg);
/* OpenSSH's fingerprint of a public key line ("[OPTIONS] TYPE BASE64
 * [COMMENT]", as authorized_keys holds it): "SHA256:..." without padding
 * (caller frees), NULL when LINE holds no key. */
char *mr_facts_key_fingerprint(const char *line);
void mr_facts_free(struct mr_facts *f);
void mr_facts_tls_free(struct mr_facts_tls *t);
