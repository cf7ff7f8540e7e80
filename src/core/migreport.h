/* What migrate-test is asked and what it reports: the types behind
 * ctx->ops->migrate_test (src/core/ops.h), shared by the live round trip
 * (src/live/migrate.c), the check migrate.roundtrip, and its renderers
 * (mr_migrate_print_text, mr_migrate_to_json, in src/core/migreport.c). */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/* The probe domain's memory: what the round trip moves and the report shows. */
#define MR_PROBE_MEMORY_MIB 32

struct mr_migrate_opts {
    const char *peer;
    bool block;            /* copy the disk (--block or the block profile) */
    const char *transport; /* tcp, tls, ssh; NULL: as nova.conf says */
    /* QEMU's own TLS for the stream (VIR_MIGRATE_TLS); false: as nova.conf's
     * live_migration_with_native_tls says. */
    bool native_tls;
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
    char *storage;         /* "shared", "block" or "rbd" */
    bool native_tls;       /* QEMU's stream over its own TLS (VIR_MIGRATE_TLS) */
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
/* A failure with an RBD probe disk (MESSAGE is libvirt's or QEMU's, met
 * on the way to TO) mapped to rbd.secret or rbd.access; false (RET
 * untouched) when MESSAGE says nothing about Ceph. */
bool mr_migrate_explain_rbd(const char *message, const char *to, const char *uuid,
                            const char *user, struct mr_migrate_cause *ret);
/* Renders the report: text (one line per leg, the cause under a failure)
 * or JSON. */
void mr_migrate_print_text(const struct mr_migrate_report *rep, bool color);
char *mr_migrate_to_json(const struct mr_migrate_report *rep);
