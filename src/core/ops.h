/* Live sources, reached through one table so that unit tests can stub them
 * (a test sets ctx->ops to its own table) while the lab tests use the real
 * thing. Checks reach the live host only through here.
 *
 * The interface only: the types the table speaks and helpers on them. The
 * real table is wired on the live side (src/live/ops-live.h) and handed to
 * mr_ctx_new() by the command line; this header includes no
 * implementation. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mr_ctx;
struct mr_peer;
struct mr_migrate_opts;
struct mr_migrate_report;

/* One TCP connection attempt of a tcp_probe batch. */
enum mr_tcp_state {
    MR_TCP_OPEN,        /* the handshake completed: something listens */
    MR_TCP_REFUSED,     /* RST or ICMP port unreachable: nothing listens, or a REJECT rule */
    MR_TCP_FILTERED,    /* no answer before the timeout: a DROP rule, or the host is down */
    MR_TCP_UNREACHABLE, /* ICMP host/network unreachable or prohibited, or no route */
    MR_TCP_ERROR,       /* the attempt could not be made (bad address, no socket) */
    _MR_TCP_STATE_LAST,
};

struct mr_tcp_probe {
    const char *address;    /* an IPv4 or IPv6 literal */
    int port;
    enum mr_tcp_state state; /* filled by tcp_probe */
    int error;              /* the errno behind the state, 0 when open */
};
/* "open", "refused", "filtered", "unreachable", "error". */
const char *mr_tcp_state_name(int state);

/* One NFS client probe (nfs_probe, src/live/nfsprobe.c). */
struct mr_nfs_probe {
    const char *server;      /* host name or address of the NFS server */
    const char *export_path; /* path to mount (NFSv4 pseudo path or v3 export) */
    uid_t uid;               /* credentials sent with every call (AUTH_SYS) */
    gid_t gid;
    int timeout_ms;          /* per step; the whole probe is bounded by a multiple */
    const char *probe_name;  /* name of the file to create at the export's top; NULL: generated */
};

/* The step a probe reached; a failure happened in `stage`. */
enum mr_nfs_stage {
    MR_NFS_RESOLVE, /* the server's name */
    MR_NFS_CONNECT, /* TCP to port 2049 */
    MR_NFS_MOUNT,
    MR_NFS_CREATE,
    MR_NFS_WRITE,
    MR_NFS_READ,
    MR_NFS_STAT,
    MR_NFS_UNLINK,
    MR_NFS_DONE, /* every step succeeded */
};

struct mr_nfs_result {
    enum mr_nfs_stage stage; /* where it stopped; MR_NFS_DONE on success */
    int err;                 /* negative errno of the failing step (-ETIMEDOUT when it hung) */
    int version;             /* the NFS version that mounted (4 or 3), 0 when none did */
    char address[64];        /* the server's address that was tried */
    char message[512];       /* libnfs's own words for the failure, "" when none */
    char probe_path[256];    /* the probe file, relative to the export */
    bool owner_known;
    uint64_t owner_uid; /* the probe file's owner as the server reports it */
    uint64_t owner_gid;
    bool data_mismatch; /* read back differs from what was written */
};
const char *mr_nfs_stage_name(enum mr_nfs_stage s);

/* One TLS handshake with a peer's libvirtd as libvirt's client makes it
 * (tls_handshake, src/live/tlsprobe.c). */
struct mr_tls_probe {
    const char *address;  /* an IPv4 or IPv6 literal */
    int port;             /* libvirtd's tls_port, 16514 */
    const char *hostname; /* the name the certificate must carry: what libvirt connects to */
    const char *ca_pem;   /* this host's CA, client certificate and key (PEM text) */
    const char *cert_pem; /* NULL: no client certificate is offered */
    const char *key_pem;
    int timeout_ms;       /* the whole attempt, connect to confirmation */
};

/* How it ended, in libvirt's words where libvirt has some. */
enum mr_tls_state {
    MR_TLS_OK,          /* handshake, peer's certificate and libvirtd's confirmation byte */
    MR_TLS_REFUSED,     /* "Connection refused": libvirtd does not listen (or will not start) */
    MR_TLS_TIMEOUT,     /* no answer before the deadline (dropped, or a hung peer) */
    MR_TLS_UNREACHABLE, /* no route, ICMP prohibited */
    MR_TLS_UNTRUSTED,   /* "Failed to verify peer's certificate": chain or times */
    MR_TLS_NAME,        /* "Certificate [session] owner does not match the hostname" */
    MR_TLS_REJECTED,    /* "Unable to read TLS confirmation": the peer refused our client
                           certificate and closed */
    MR_TLS_HANDSHAKE,   /* the TLS handshake itself failed (an alert, no common cipher) */
    MR_TLS_ERROR,       /* could not try: our credentials or the address are unusable */
    _MR_TLS_STATE_LAST,
};
/* "ok", "refused", "timeout", ...: for JSON and tests. */
const char *mr_tls_state_name(int state);

struct mr_tls_result {
    enum mr_tls_state state;
    int error;            /* the errno behind refused/timeout/unreachable */
    char reason[256];     /* in words: GnuTLS's verification status, the alert, ... */
    long long not_after;  /* the peer certificate's expiry (time_t), -1 when unknown */
    char names[512];      /* the names the peer's certificate carries, "DNS:hv2, IP:..." */
};

/* One Ceph RBD client job (rbd_probe, src/live/rados.c): librados connects
 * as client.USER with ceph.conf's monitors, then works on IMAGE in POOL. */
enum mr_rbd_action {
    MR_RBD_PROBE,  /* create, write, read back and remove IMAGE (rbd.access) */
    MR_RBD_CREATE, /* create IMAGE filled with the probe pattern (migrate-test) */
    MR_RBD_VERIFY, /* read IMAGE back and compare with the pattern */
    MR_RBD_REMOVE, /* remove IMAGE; gone already is fine */
    MR_RBD_SWEEP,  /* remove every image whose name starts with IMAGE */
};

struct mr_rbd_request {
    enum mr_rbd_action action;
    const char *conf;    /* ceph.conf */
    const char *user;    /* rbd_user, without "client." */
    const char *keyring; /* NULL: as ceph.conf says */
    const char *pool;
    const char *image;
    int timeout_ms;      /* the whole job, connect included */
};

/* The step a job reached; a failure happened in `stage`. */
enum mr_rbd_stage {
    MR_RBD_LOAD,    /* loading librados/librbd */
    MR_RBD_CONF,    /* reading ceph.conf */
    MR_RBD_CONNECT, /* monitors, cephx */
    MR_RBD_POOL,    /* opening the pool */
    MR_RBD_CREATE_IMAGE,
    MR_RBD_OPEN,
    MR_RBD_WRITE,
    MR_RBD_READ,
    MR_RBD_REMOVE_IMAGE,
    MR_RBD_DONE,
};
const char *mr_rbd_stage_name(enum mr_rbd_stage s);

struct mr_rbd_result {
    enum mr_rbd_stage stage; /* where it stopped; MR_RBD_DONE on success */
    int err;                 /* negative errno of the failing step (-ETIMEDOUT when it hung) */
    bool data_mismatch;      /* read back differs from the pattern */
    int removed;             /* MR_RBD_SWEEP: how many images went */
    char message[256];       /* what failed, in words ("" when nothing did) */
};

/* A libvirt secret as rbd.secret judges it (libvirt_secret). */
struct mr_libvirt_secret {
    bool present;
    char usage[16];       /* usage type: "ceph", "volume", ... ("" when none) */
    bool ephemeral;
    bool is_private;
    int has_value;        /* 1, 0, -1 unknown (a private secret's value cannot be read) */
    /* The value against the key that was given: 1 equal, 0 different, 2 it
     * holds the key's base64 text (set with --plain: librados gets the key
     * encoded twice), -1 unknown (no key given, no readable value). */
    int matches;
};

/* What the local libvirt says about its host (src/live/virt.c). */
struct mr_libvirt_host {
    /* libvirt's encoding: major * 1000000 + minor * 1000 + micro */
    unsigned long long libvirt_version;
    unsigned long long hv_version;      /* the hypervisor's (QEMU), same encoding; 0 when unknown */
    char *capabilities;                 /* virConnectGetCapabilities() XML */
};
void mr_libvirt_host_clear(struct mr_libvirt_host *h);

/* virConnectCompareHypervisorCPU's verdicts. */
enum {
    MR_CPU_INCOMPATIBLE = 0,
    MR_CPU_IDENTICAL = 1,
    MR_CPU_SUPERSET = 2,
};

/* A process of this host (the processes op). */
struct mr_process {
    long pid;
    uid_t uid;     /* its real UID */
    char *comm;    /* the kernel's name for it (15 characters at most) */
    char *argv0;   /* the base names of its first two arguments ("" when none): */
    char *argv1;   /* "python3 /usr/bin/nova-compute" has nova-compute in argv1 */
};
void mr_processes_free(struct mr_process *v, size_t n);

struct mr_ops {
    /* The addresses of this host's interfaces, as text (NULL-terminated). */
    int (*local_addresses)(char ***ret);
    /* The addresses NAME resolves to through the system resolver (NSS:
     * files, DNS, ... in nsswitch.conf's order), as text, NULL-terminated.
     * -ENOENT when it does not resolve. */
    int (*resolve)(const char *name, char ***ret);
    /* Runs ARGV (no shell), waiting at most TIMEOUT_MS; its standard output
     * in *ret_out. Returns the exit status, or a negative errno (-ETIMEDOUT,
     * -ENOENT when the program is missing). */
    int (*run)(const char *const *argv, int timeout_ms, char **ret_out);
    /* The live mount table (/proc/self/mounts format). */
    int (*mounts)(char **ret);
    /* Whether SELinux is enforcing on this host. */
    bool (*selinux_enforcing)(void);
    /* Mounts an NFS export and, as the request's UID/GID, creates, writes,
     * reads back, stats and deletes a file (src/live/nfsprobe.c). 0 when the probe
     * ran (its outcome in *res), a negative errno when it could not start. */
    int (*nfs_probe)(const struct mr_nfs_probe *req, struct mr_nfs_result *res);
    /* Whether the libvirt library can be used (the binary loads it on first
     * use, src/live/virt-dl.c): 0, or a negative errno and *ret_msg (caller
     * frees) naming the library. NULL (a test's stub table): it can. */
    int (*libvirt_load)(char **ret_msg);
    /* Versions and capabilities of the hypervisor at URI, on a read-only
     * connection. A negative errno and *ret_msg (caller frees) on failure. */
    int (*libvirt_host)(const char *uri, struct mr_libvirt_host *ret, char **ret_msg);
    /* Compares CPU_XML (a host <cpu> from the capabilities, or a guest <cpu>)
     * with what the hypervisor at URI (a peer's: network traffic) can run for
     * VIRT_TYPE (kvm, qemu). 0 with *ret_verdict (MR_CPU_*) and, when
     * incompatible, libvirt's reason in *ret_msg; a negative errno and the
     * reason in *ret_msg when it could not compare (-ECONNREFUSED,
     * -ETIMEDOUT: the peer's libvirt does not answer). */
    int (*libvirt_compare_cpu)(const char *uri, const char *virt_type, const char *cpu_xml,
                               int *ret_verdict, char **ret_msg);
    /* The guest CPU that every one of the N host <cpu> descriptions CPU_XMLS
     * can run, as the hypervisor at URI works it out for VIRT_TYPE
     * (virConnectBaselineHypervisorCPU, as `virsh hypervisor-cpu-baseline`
     * with no flags): 0 and a <cpu> XML in *ret_xml (caller frees); a
     * negative errno and the reason in *ret_msg when it could not (no
     * libvirt, a daemon that does not answer, CPUs it cannot combine). */
    int (*libvirt_baseline_cpu)(const char *uri, const char *virt_type,
                                const char *const *cpu_xmls, size_t n, char **ret_xml,
                                char **ret_msg);
    /* Fetches PEER's facts over SSH as the migration user (src/live/sshpeer.c):
     * fills ret->ssh, ->message, ->fingerprint, ->facts and the fields that
     * name the key and known_hosts file; ret->name, ret->address and
     * ret->port (the sshd port to use) are set by the caller. 0 when it ran
     * (the outcome in *ret), a negative errno when it could not start.
     * Called from several threads at once: it only reads CTX. */
    int (*peer_fetch)(const struct mr_ctx *ctx, const char *peer, struct mr_peer *ret);
    /* Attempts the N connections of PROBES all at once, each given at most
     * TIMEOUT_MS, and fills in their states (src/live/tcpprobe.c). */
    int (*tcp_probe)(struct mr_tcp_probe *probes, size_t n, int timeout_ms);
    /* One TLS handshake with a peer's libvirtd (struct mr_tls_probe): 0
     * when it was tried (the outcome in *ret), a negative errno when it
     * could not start. */
    int (*tls_handshake)(const struct mr_tls_probe *req, struct mr_tls_result *ret);
    /* The libvirt secret UUID at URI (the local libvirt) and, when KEY_B64
     * (a keyring's key, base64) is given, whether its value is that key;
     * the value never leaves the libvirt client process. 0 when libvirt
     * answered (ret->present says whether the secret exists), else a
     * negative errno and *ret_msg (caller frees). */
    int (*libvirt_secret)(const char *uri, const char *uuid, const char *key_b64,
                          struct mr_libvirt_secret *ret, char **ret_msg);
    /* A Ceph RBD client job (src/live/rados.c), in a child process killed
     * at req->timeout_ms. 0 when the job ran (its outcome in *res), a
     * negative errno when it could not start. */
    int (*rbd_probe)(const struct mr_rbd_request *req, struct mr_rbd_result *res);
    /* A real live migration of a probe domain to a peer and back
     * (src/core/migreport.h, src/live/migrate.c): the outcome, with the figures and any failure's cause
     * in *ret (clear it with mr_migrate_report_clear). */
    int (*migrate_test)(const struct mr_ctx *ctx, const struct mr_migrate_opts *opts,
                        struct mr_migrate_report *ret);
    /* The processes of this host: those that share this process's network
     * namespace (a container on the host network is this host's; another
     * namespace is another host, as in the lab, where every host shares the
     * machine's PID namespace). One whose namespace cannot be read counts.
     * Free with mr_processes_free. NULL (a test's stub table): -ENOSYS. */
    int (*processes)(struct mr_process **ret, size_t *ret_n);
};

/* A table for contexts that must not touch the live host (unit tests'
 * default): every source answers -ENOSYS, SELinux is not enforcing. */
extern const struct mr_ops mr_ops_none;
