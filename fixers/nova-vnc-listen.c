/* nova.vnc-listen: for each [vnc] or [spice] server_listen the check failed,
 * the wanted address (0.0.0.0) in the file whose value Nova uses; a legacy
 * vncserver_listen that set the value is commented out so that the new
 * name alone decides. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fixers.h"

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    (void)ctx;
    for (size_t i = 0; i < res->n_findings; i++) {
        const struct mr_finding *f = &res->findings[i];
        if (!mr_finding_is(f, "listen-specific"))
            continue;
        int r = fx_nova_set(cs, f);
        if (r < 0)
            return r;
        mr_change_restart(cs, "nova-compute");
    }
    return 0;
}

const struct mr_fixer mr_fixer_nova_vnc_listen = {
    .check_id = "nova.vnc-listen",
    .run = run,
};
