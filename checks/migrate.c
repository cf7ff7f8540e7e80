/* migrate.roundtrip: `check --migrate` live-migrates a probe domain to each
 * peer and back (src/live/migrate.h), the proof behind every other check. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "ctx.h"
#include "migreport.h"
#include "ops.h"

static void one_peer(const struct mr_ctx *ctx, struct mr_result *res, const char *peer)
{
    const char *storage = mr_ctx_value(ctx, "storage");
    struct mr_migrate_opts o = {
        .peer = peer,
        .block = storage && strcmp(storage, "block") == 0,
    };
    struct mr_migrate_report rep = {0};
    int r = ctx->ops->migrate_test(ctx, &o, &rep);
    struct mr_finding *f;
    if (r == MR_MIGRATE_OK && rep.n_legs == 2) {
        const struct mr_migrate_leg *a = &rep.legs[0], *b = &rep.legs[1];
        mr_report(res, MR_PASS,
                  "%s -> %s -> %s (%s, %s storage): %llu ms and %llu ms, downtime %llu ms and "
                  "%llu ms",
                  rep.host, peer, rep.host, rep.transport ? rep.transport : "?",
                  rep.storage ? rep.storage : "?", a->time_ms, b->time_ms, a->downtime_ms,
                  b->downtime_ms);
    } else {
        char *why = rep.why.cause && rep.why.check
                        ? mr_xasprintf(": %s (%s finds this)", rep.why.cause, rep.why.check)
                    : rep.why.cause ? mr_xasprintf(": %s", rep.why.cause)
                                    : mr_xstrdup("");
        f = mr_report(res, r == MR_MIGRATE_SETUP ? MR_ERROR : MR_FAIL,
                      "live migration to %s failed at '%s': %s%s", peer,
                      rep.step ? rep.step : "?", rep.error ? rep.error : "unknown error", why);
        free(why);
        if (rep.why.remedy)
            mr_finding_remedy(f, "%s", rep.why.remedy);
        else
            mr_finding_remedy(f, "run 'migready migrate-test --peer %s' for the details", peer);
    }
    mr_migrate_report_clear(&rep);
}

static int run(const struct mr_ctx *ctx, struct mr_result *res)
{
    if (!ctx->migrate) {
        mr_report(res, MR_SKIP, "a real test migration runs only with 'check --migrate'");
        return 0;
    }
    for (size_t i = 0; ctx->peers && ctx->peers[i]; i++)
        one_peer(ctx, res, ctx->peers[i]);
    return 0;
}

const struct mr_check mr_check_migrate_roundtrip = {
    .id = "migrate.roundtrip",
    .title = "a real test migration to each peer and back completes",
    .needs = MR_NEED_LIVE | MR_NEED_LIBVIRT | MR_NEED_PEERS | MR_NEED_NET,
    .run = run,
};
