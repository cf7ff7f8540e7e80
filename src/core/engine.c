#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "ops.h"
#include "profile.h"

static bool matches(char *const *globs, const char *id)
{
    for (size_t i = 0; globs && globs[i]; i++)
        if (fnmatch(globs[i], id, 0) == 0)
            return true;
    return false;
}

bool mr_row_fixable(const struct mr_row *row)
{
    return row && row->fixer && !row->manual_only;
}

static int validate_list(const struct mr_row *rows, size_t n, char *const *globs,
                         const char *opt, char **ret_msg)
{
    for (size_t i = 0; globs && globs[i]; i++) {
        bool any = false;
        for (size_t c = 0; c < n && !any; c++)
            any = fnmatch(globs[i], rows[c].check->id, 0) == 0;
        if (!any) {
            *ret_msg = mr_xasprintf("%s: no check matches '%s' (see 'migready list')", opt,
                                    globs[i]);
            return -EINVAL;
        }
    }
    return 0;
}

int mr_select_validate_rows(const struct mr_row *rows, size_t n, const struct mr_select *sel,
                            char **ret_msg)
{
    int r = validate_list(rows, n, sel->only, "--only", ret_msg);
    return r < 0 ? r : validate_list(rows, n, sel->skip, "--skip", ret_msg);
}

bool mr_selected(const struct mr_select *sel, const char *id)
{
    if (sel->only && sel->only[0] && !matches(sel->only, id))
        return false;
    return !matches(sel->skip, id);
}

/* The harness alone turns a missing need into a skip, or into an error
 * when the host has what the check needs but migready cannot use it. */
static bool skipped(const struct mr_ctx *ctx, const struct mr_check *c, struct mr_result *res)
{
    const char *profile = NULL;
    int decision = mr_profile_set_decide(ctx->profiles, c->id, &profile);
    if (decision < 0) {
        mr_report(res, MR_SKIP, "not used with profile %s", profile);
        return true;
    }
    if (c->optional && decision == 0) {
        mr_report(res, MR_SKIP, "not enabled by the active profiles (e.g. --profile nfs-server)");
        return true;
    }
    if ((c->needs & (MR_NEED_LIVE | MR_NEED_LIBVIRT | MR_NEED_NET)) && !ctx->live) {
        mr_report(res, MR_SKIP, "offline (--root)");
        return true;
    }
    if ((c->needs & MR_NEED_PEERS) && !(ctx->peers && ctx->peers[0])) {
        mr_report(res, MR_SKIP, "no peers (give --peer HOST or peers in the site configuration)");
        return true;
    }
    if ((c->needs & MR_NEED_LIBVIRT) && ctx->ops && ctx->ops->libvirt_load) {
        /* A broken installation (the package depends on libvirt): the check
         * cannot decide, whatever the host's libvirtd would say. */
        char *msg = NULL;
        int r = ctx->ops->libvirt_load(&msg);
        if (r < 0) {
            mr_report(res, MR_ERROR, "%s", msg ? msg : strerror(-r));
            free(msg);
            return true;
        }
    }
    return false;
}

struct mr_run *mr_run_list(const struct mr_ctx *ctx, const struct mr_row *rows, size_t n,
                           const struct mr_select *sel, bool strict)
{
    struct mr_run *run = mr_xcalloc(1, sizeof(*run));
    run->strict = strict;
    run->host = mr_ctx_hostname(ctx);
    run->results = mr_xcalloc(n, sizeof(*run->results));
    for (size_t i = 0; i < n; i++) {
        const struct mr_check *c = rows[i].check;
        if (!mr_selected(sel, c->id))
            continue;
        struct mr_result *res = &run->results[run->n++];
        res->check = c;
        res->row = &rows[i];
        if (skipped(ctx, c, res))
            goto counted;
        double t0 = mr_now_s();
        int r = c->run(ctx, res);
        res->seconds = mr_now_s() - t0;
        if (r < 0)
            mr_report(res, MR_ERROR, "the check could not run: %s", strerror(-r));
        else if (res->n_findings == 0)
            mr_report(res, MR_PASS, "%s", c->title);
    counted:
        run->counts[res->status]++;
    }
    return run;
}

void mr_run_free(struct mr_run *run)
{
    if (!run)
        return;
    for (size_t i = 0; i < run->n; i++)
        mr_result_clear(&run->results[i]);
    free(run->results);
    free(run->host);
    free(run);
}

bool mr_run_ready(const struct mr_run *run)
{
    return run->counts[MR_FAIL] == 0 && run->counts[MR_ERROR] == 0 &&
           !(run->strict && run->counts[MR_WARN] > 0);
}

int mr_run_exit_code(const struct mr_run *run)
{
    if (run->counts[MR_ERROR] > 0)
        return 2;
    return mr_run_ready(run) ? 0 : 1;
}
