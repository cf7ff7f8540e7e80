/* /etc/group as the checks read it: ids.nova (its reader is static in
 * checks/ids.c) and the context's group lookups (src/core/ctx.c), which
 * the fixers use. */
#include "config.h"

#include <stdlib.h>

#include "checks.h"
#include "ctx.h"
#include "fuzz.h"

static void lookups(struct mr_ctx *ctx)
{
    static const char *const names[] = {"nova", "root", "libvirt-qemu", "kvm", ""};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        gid_t gid;
        mr_ctx_group(ctx, names[i], &gid);
        gid_t *groups = NULL;
        size_t n = 0;
        if (mr_ctx_user_groups(ctx, names[i], &groups, &n) == 0)
            free(groups);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_base_host();
    fz_write("/etc/group", data, size);
    fz_run_check(&mr_check_ids_nova, lookups);
    return 0;
}
