/* /etc/passwd as the checks read it: ids.nova (its reader is static in
 * checks/ids.c) and the context's user lookups (src/core/ctx.c), which
 * ssh.keys and the fixers use. */
#include "config.h"

#include <stdlib.h>

#include "checks.h"
#include "ctx.h"
#include "fuzz.h"

static void lookups(struct mr_ctx *ctx)
{
    static const char *const users[] = {"nova", "root", "libvirt-qemu", "qemu", ""};
    for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
        uid_t uid;
        gid_t gid;
        mr_ctx_user(ctx, users[i], &uid, &gid);
        free(mr_ctx_user_home(ctx, users[i]));
        gid_t *groups = NULL;
        size_t n = 0;
        if (mr_ctx_user_groups(ctx, users[i], &groups, &n) == 0)
            free(groups);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_base_host();
    fz_write("/etc/passwd", data, size);
    fz_run_check(&mr_check_ids_nova, lookups);
    fz_run_check(&mr_check_ssh_keys, NULL);
    return 0;
}
