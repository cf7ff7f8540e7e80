/* migrate-test: a real live migration of a small probe domain to a peer and
 * back, measured, with every failure explained and nothing left behind. */
#pragma once

#include <stdbool.h>

#include "migreport.h"

struct mr_ctx;

/* Prefix of the probe domain, its disk, storage pools and probe files:
 * "migready-probe-<this host>-<random>". Leftovers of this host's earlier
 * runs are found by it. */
#define MR_PROBE_PREFIX "migready-probe-"

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
