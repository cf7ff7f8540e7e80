/* qemu.migration-ports: the port settings the check's failing findings name,
 * set to the values they want (the check works out one target range, so
 * that an inverted range gets both ends), and a loopback migration_address
 * or migration_host they name commented out. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fixers.h"
#include "libvirtconf.h"

static int edit(const struct mr_result *res, struct mr_aug_edit *e, struct mr_change_set *cs,
                const char *file)
{
    const char *top = mr_aug_edit_top(e);
    int r = 0;
    for (size_t i = 0; r >= 0 && i < res->n_findings; i++) {
        const struct mr_finding *f = &res->findings[i];
        struct mr_edit buf;
        const struct mr_edit *ed;
        if (mr_finding_is(f, "port-range")) {
            for (size_t k = 0; r >= 0 && (ed = mr_finding_edit(f, k, &buf)); k++) {
                if (mr_result_sets(res, i, ed->key))
                    continue;
                r = mr_aug_edit_set(e, top, ed->key, ed->want);
                mr_change_describe(cs, "set %s = %s in %s", ed->key, ed->want, file);
            }
        } else if (mr_finding_is(f, "loopback-address")) {
            char *node = mr_xasprintf("%s/%s", top, f->key);
            char *text = mr_xasprintf("%s = \"%s\" (loopback: no peer could reach it)", f->key,
                                      f->value ? f->value : "");
            r = mr_aug_edit_comment_out(e, node, text);
            mr_change_describe(cs, "commented out %s in %s", f->key, file);
            free(node);
            free(text);
        }
    }
    return r;
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    if (!mr_result_has(res, "port-range") && !mr_result_has(res, "loopback-address"))
        return 0;
    const struct mr_libvirt_conf *conf;
    const char *msg = NULL;
    if (mr_ctx_libvirt_files(ctx, MR_LIBVIRT_FILE(MR_QEMU_CONF), &conf, &msg) < 0) {
        mr_change_error(cs, "%s", msg ? msg : "cannot read the libvirt configuration");
        return -EINVAL;
    }
    int r = fx_edit_file(cs, "Libvirtd_qemu.lns", mr_libvirt_conf_file_name(conf, MR_QEMU_CONF),
                         0600, edit, res);
    if (r >= 0)
        mr_change_restart(cs, mr_libvirt_conf_modular(conf) ? "virtqemud" : "libvirtd");
    return r;
}

const struct mr_fixer mr_fixer_qemu_migration_ports = {
    .check_id = "qemu.migration-ports",
    .run = run,
};
