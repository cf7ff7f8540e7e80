/* qemu.migration-ports: migration_port_min/max in qemu.conf set to the
 * site configuration's values, else to a valid end kept or libvirt's
 * default (49152-49215); a loopback migration_address/_host commented out. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fixers.h"
#include "libvirtconf.h"

#define DEF_MIN 49152
#define DEF_MAX 49215
#define MIN_PORTS 10

static long pick(const struct mr_ctx *ctx, const char *key, bool ok, long cur, long def)
{
    long site;
    const char *s = mr_ctx_site(ctx, key);
    if (s && mr_parse_long(s, &site) == 0 && site >= 1024 && site <= 65535)
        return site;
    return ok ? cur : def;
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    (void)res;
    const struct mr_libvirt_conf *conf;
    const char *msg = NULL;
    if (mr_ctx_libvirt(ctx, &conf, &msg) < 0 || !conf) {
        mr_change_error(cs, "%s", msg ? msg : "cannot read the libvirt configuration");
        return -EINVAL;
    }
    const char *file = mr_libvirt_conf_file_name(conf, MR_QEMU_CONF);
    struct mr_confval vmin, vmax;
    long min = 0, max = 0;
    mr_libvirt_conf_get(conf, MR_QEMU_CONF, "migration_port_min", &vmin);
    mr_libvirt_conf_get(conf, MR_QEMU_CONF, "migration_port_max", &vmax);
    bool min_ok = mr_parse_long(vmin.value, &min) == 0 && min >= 1024 && min <= 65535;
    bool max_ok = mr_parse_long(vmax.value, &max) == 0 && max >= 1 && max <= 65535;
    long want_min = pick(ctx, "migration_port_min", min_ok, min, DEF_MIN);
    long want_max = pick(ctx, "migration_port_max", max_ok, max, DEF_MAX);
    if (want_min > want_max || want_max - want_min + 1 < MIN_PORTS) {
        /* Kept ends that do not fit together: libvirt's range, unless the
         * site names one. */
        if (!mr_ctx_site(ctx, "migration_port_min"))
            want_min = DEF_MIN;
        if (!mr_ctx_site(ctx, "migration_port_max"))
            want_max = DEF_MAX;
    }

    struct mr_aug_edit *e = NULL;
    int r = fx_open(cs, "Libvirtd_qemu.lns", file, &e);
    if (r < 0)
        return r;
    const char *top = mr_aug_edit_top(e);
    char num[32];
    if (!min_ok || min != want_min) {
        snprintf(num, sizeof(num), "%ld", want_min);
        r = mr_aug_edit_set(e, top, "migration_port_min", num);
        mr_change_describe(cs, "set migration_port_min = %ld in %s", want_min, file);
    }
    if (r >= 0 && (!max_ok || max != want_max)) {
        snprintf(num, sizeof(num), "%ld", want_max);
        r = mr_aug_edit_set(e, top, "migration_port_max", num);
        mr_change_describe(cs, "set migration_port_max = %ld in %s", want_max, file);
    }
    static const char *const addrs[] = {"migration_address", "migration_host"};
    for (size_t i = 0; r >= 0 && i < MR_ARRAY_SIZE(addrs); i++) {
        struct mr_confval a;
        if (!mr_libvirt_conf_get(conf, MR_QEMU_CONF, addrs[i], &a) ||
            !mr_libvirt_addr_is_loopback(a.value))
            continue;
        char *node = mr_xasprintf("%s/%s", top, addrs[i]);
        char *text = mr_xasprintf("%s = \"%s\" (loopback: no peer could reach it)", addrs[i],
                                  a.value);
        r = mr_aug_edit_comment_out(e, node, text);
        mr_change_describe(cs, "commented out %s in %s", addrs[i], file);
        free(node);
        free(text);
    }
    if (r < 0) {
        mr_aug_edit_free(e);
        mr_change_error(cs, "%s: cannot edit the tree of Libvirtd_qemu.lns", file);
        return r;
    }
    mr_change_restart(cs, mr_libvirt_conf_modular(conf) ? "virtqemud" : "libvirtd");
    return fx_commit(cs, e, file, 0600);
}

const struct mr_fixer mr_fixer_qemu_migration_ports = {
    .check_id = "qemu.migration-ports",
    .run = run,
};
