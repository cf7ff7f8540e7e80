/* migrate-test: a real live migration of a small probe domain to a peer and
 * back, measured, with every failure explained and nothing left behind. */
#pragma once

#include <signal.h>
#include <stdbool.h>

struct mr_ctx;
struct mr_novaconf;

/* Prefix of the probe domain, its disk, storage pools and probe files:
 * "migready-probe-<this host>-<random>". Leftovers of this host's earlier
 * runs are found by it. */
#define MR_PROBE_PREFIX "migready-probe-"

struct mr_migrate_opts {
    const char *peer;
    bool block;            /* copy the disk (--block or the block profile) */
    const char *transport; /* tcp, tls, ssh; NULL: as nova.conf says */
    int timeout_s;         /* whole round trip; 0: MR_MIGRATE_DEFAULT_TIMEOUT */
    bool progress;         /* show the job's progress on standard error */
    /* Set by the caller's SIGINT/SIGTERM handler; the job is aborted and
     * everything cleaned up. NULL: mr_migrate_run installs its own. */
    volatile sig_atomic_t *interrupted;
};

#define MR_MIGRATE_DEFAULT_TIMEOUT 300

enum mr_migrate_outcome {
    MR_MIGRATE_OK = 0,     /* there and back */
    MR_MIGRATE_FAILED = 1, /* the migration (or what it needs) failed */
    MR_MIGRATE_SETUP = 2,  /* could not even start: usage, local libvirt, nova.conf */
};

struct mr_migrate_leg {
    char *from, *to;
    char *uri;          /* the destination's libvirt, as Nova builds it */
    char *migrate_uri;  /* QEMU's migration stream; NULL when tunnelled */
    bool done;          /* completed */
    bool have_stats;    /* libvirt's completed-job statistics were read */
    double seconds;     /* wall clock of the migrate call */
    unsigned long long time_ms, downtime_ms, bytes, total_bytes, iterations, disk_bytes;
};

/* Why a migration failed, as an operator reads it. */
struct mr_migrate_cause {
    const char *check; /* the check that finds it beforehand; NULL when none */
    char *cause;       /* one sentence */
    char *remedy;      /* NULL when there is nothing to suggest */
};
void mr_migrate_cause_clear(struct mr_migrate_cause *c);

struct mr_migrate_report {
    enum mr_migrate_outcome outcome;
    char *host, *peer;
    char *transport;       /* tcp, tls, ssh (or the scheme of live_migration_uri) */
    char *storage;         /* "shared" or "block" */
    char *domain;          /* the probe's name */
    char *domain_type;     /* kvm or qemu */
    char *cpu;             /* the probe's CPU as Nova would configure it */
    char *disk;            /* the probe disk's path */
    struct mr_migrate_leg legs[2];
    size_t n_legs;
    char *step;            /* what failed: "connect to hv2", "leg 1 hv1 -> hv2", ... */
    char *error;           /* libvirt's (or the system's) message */
    struct mr_migrate_cause why;
    char **notes;          /* choices made and cleanup trouble, one line each */
    bool interrupted, timed_out;
    double seconds;
};
void mr_migrate_report_clear(struct mr_migrate_report *rep);

/* The libvirt URI Nova's libvirt driver uses to reach DEST and the URI of
 * QEMU's migration stream (*ret_migrate_uri NULL when tunnelled): the
 * deprecated [libvirt] live_migration_uri with %s replaced when set, else
 * qemu+<live_migration_scheme, tcp when unset>://DEST/system. TRANSPORT
 * (tcp, tls, ssh; NULL: nova.conf) overrides both. WITH_STREAM: DEST is
 * the destination's migration address (its live_migration_inbound_addr, or
 * --peer), so the stream goes to tcp://DEST as Nova does; without it
 * libvirt picks the destination's host name. -EINVAL with *ret_msg when
 * nova.conf's values cannot make a URI. */
int mr_migrate_uris(const struct mr_novaconf *nova, const char *transport, const char *dest,
                    bool with_stream, char **ret_uri, char **ret_migrate_uri, char **ret_msg);

/* Where a step of the round trip failed, for mr_migrate_explain(). */
enum mr_migrate_phase {
    MR_PHASE_CONNECT,   /* opening the peer's libvirt */
    MR_PHASE_STORAGE,   /* the shared-storage probe over SSH */
    MR_PHASE_START,     /* starting the probe domain here */
    MR_PHASE_MIGRATE,   /* a migration leg */
};

/* Maps libvirt's error (its virErrorNumber CODE and MESSAGE) met at PHASE
 * between FROM and TO to the operator's cause and the check that would have
 * found it. */
void mr_migrate_explain(enum mr_migrate_phase phase, int code, const char *message,
                        const char *from, const char *to, struct mr_migrate_cause *ret);

/* The round trip itself (the live source behind ctx->ops->migrate_test).
 * Returns the outcome, also in rep->outcome; nothing is printed but the
 * progress when opts->progress is set. */
int mr_migrate_run(const struct mr_ctx *ctx, const struct mr_migrate_opts *opts,
                   struct mr_migrate_report *rep);

/* Renders the report: text (one line per leg, the cause under a failure)
 * or JSON. */
void mr_migrate_print_text(const struct mr_migrate_report *rep, bool color);
char *mr_migrate_to_json(const struct mr_migrate_report *rep);
