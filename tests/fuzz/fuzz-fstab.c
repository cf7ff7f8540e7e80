/* /etc/fstab as nfs.fstab reads it (its parser is static in checks/nfs.c),
 * with the same text as the live mount table, so that the comparison with
 * what is mounted runs as well. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "ctx.h"
#include "fuzz.h"
#include "ops.h"

/* The input of the current call, for the mount table stub; cleared after. */
static const char *mounts_text;

static int stub_mounts(char **ret)
{
    if (!mounts_text)
        return -ENOSYS;
    *ret = mr_xstrdup(mounts_text);
    return 0;
}

static struct mr_ops ops;

static void live(struct mr_ctx *ctx)
{
    ops = mr_ops_none;
    ops.mounts = stub_mounts;
    ctx->ops = &ops;
    ctx->live = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_base_host();
    fz_write("/etc/fstab", data, size);
    char *text = fz_string(data, size);
    mounts_text = text;
    fz_run_check(&mr_check_nfs_fstab, live);
    mounts_text = NULL;
    free(text);
    return 0;
}
