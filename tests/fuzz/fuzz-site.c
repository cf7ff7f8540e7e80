/* The site configuration (ROOT/etc/migready/migready.conf) as the context
 * loads it (src/core/ctx.c): INI through iniparser, the profiles and peers
 * it names, then the accessors the checks use. */
#include "config.h"

#include <stdlib.h>

#include "ctx.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write("/etc/migready/migready.conf", data, size);
    struct mr_ctx *ctx = NULL;
    char *msg = NULL;
    if (mr_ctx_new(fz_root(), NULL, NULL, NULL, &ctx, &msg) == 0) {
        unsigned id;
        char *idmsg = NULL;
        mr_ctx_site_id(ctx, "nova_uid", &id, &idmsg);
        free(idmsg);
        idmsg = NULL;
        mr_ctx_site_id(ctx, "nova_gid", &id, &idmsg);
        free(idmsg);
        mr_ctx_transport(ctx);
        mr_ctx_migration_user(ctx);
        mr_ctx_nova_user(ctx);
        mr_ctx_nova_group(ctx);
        mr_ctx_site_file(ctx);
        mr_ctx_value(ctx, "storage");
    }
    mr_ctx_free(ctx);
    free(msg);
    return 0;
}
