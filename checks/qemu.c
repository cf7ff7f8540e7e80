/* qemu.migration-ports: the port range QEMU listens on for incoming
 * migration streams, and the address it binds. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "ctx.h"
#include "libvirtconf.h"

/* Fewer ports than this caps how many migrations can arrive at once. */
#define MR_MIN_MIGRATION_PORTS 10
/* libvirt's default range. */
#define DEF_MIN 49152
#define DEF_MAX 49215

/* One end of the range: its setting, whether it is a usable port, and the
 * value a fix gives it. */
struct port_end {
    const char *key;
    long cur;
    bool ok;
    long want;
};

/* The site's port for END when it names a usable one, else the end kept
 * when usable, else libvirt's default. */
static long pick(const struct mr_ctx *ctx, const struct port_end *end, long def)
{
    long site;
    const char *s = mr_ctx_site(ctx, end->key);
    if (s && mr_parse_long(s, &site) == 0 && site >= 1024 && site <= 65535)
        return site;
    return end->ok ? end->cur : def;
}

/* The range a fix sets: ends that do not fit together go back to libvirt's
 * range, unless the site names them. */
static void target_range(const struct mr_ctx *ctx, struct port_end *lo, struct port_end *hi)
{
    lo->want = pick(ctx, lo, DEF_MIN);
    hi->want = pick(ctx, hi, DEF_MAX);
    if (lo->want > hi->want || hi->want - lo->want + 1 < MR_MIN_MIGRATION_PORTS) {
        if (!mr_ctx_site(ctx, lo->key))
            lo->want = DEF_MIN;
        if (!mr_ctx_site(ctx, hi->key))
            hi->want = DEF_MAX;
    }
}

/* F is fixed by setting the ends that the target range changes. */
static void attach_range(struct mr_finding *f, const struct port_end *ends, size_t n)
{
    mr_finding_code(f, "port-range");
    for (size_t i = 0; i < n; i++) {
        if (ends[i].ok && ends[i].cur == ends[i].want)
            continue;
        char num[32];
        snprintf(num, sizeof(num), "%ld", ends[i].want);
        mr_finding_also(f, NULL, ends[i].key, num);
    }
}

static void at_value(struct mr_finding *f, const struct mr_confval *v)
{
    if (!v->is_default && v->file)
        mr_finding_at(f, v->file, v->line);
}

static char *where(const struct mr_confval *v)
{
    if (v->is_default)
        return mr_xstrdup("libvirt's default");
    return mr_xasprintf("%s:%d", v->file, v->line);
}

/* Compares one end of the range with the site configuration. */
static struct mr_finding *compare_site(const struct mr_ctx *ctx, struct mr_result *res,
                                       const char *key, const struct mr_confval *v, long actual,
                                       const char *qemu_conf)
{
    const char *want_s = mr_ctx_site(ctx, key);
    long want;
    struct mr_finding *f;
    if (!want_s)
        return NULL;
    if (mr_parse_long(want_s, &want) < 0) {
        f = mr_report(res, MR_FAIL, "%s = \"%s\" in the site configuration is not a number", key,
                      want_s);
        mr_finding_at(f, mr_ctx_site_path(ctx), 0);
        mr_finding_remedy(f, "set %s to a port number in %s", key, mr_ctx_site_path(ctx));
        return NULL;
    }
    if (want == actual)
        return NULL;
    char *w = where(v);
    f = mr_report(res, MR_FAIL,
                  "%s is %ld (%s) but the site configuration expects %ld: the firewall and the "
                  "peers are set up for the site's range",
                  key, actual, w, want);
    free(w);
    at_value(f, v);
    mr_finding_remedy(f, "set %s = %ld in %s, or change the site configuration %s", key, want,
                      qemu_conf, mr_ctx_site_path(ctx));
    return f;
}

static void check_address(const struct mr_libvirt_conf *conf, struct mr_result *res,
                          const char *key, const char *qemu_conf)
{
    struct mr_confval v;
    if (!mr_libvirt_conf_get(conf, MR_QEMU_CONF, key, &v) || !mr_libvirt_addr_is_loopback(v.value))
        return;
    struct mr_finding *f = mr_report(res, MR_FAIL,
                                     "%s is \"%s\" in %s:%d, this machine's loopback: libvirt's "
                                     "QEMU driver refuses it and no peer could reach it",
                                     key, v.value, v.file, v.line);
    at_value(f, &v);
    mr_finding_remedy(f, "remove %s from %s or set it to this host's migration address", key,
                      qemu_conf);
    mr_finding_code(f, "loopback-address");
    mr_finding_key(f, NULL, key);
    mr_finding_value(f, v.value);
}

static int run_ports(const struct mr_ctx *ctx, struct mr_result *res)
{
    const struct mr_libvirt_conf *conf;
    const char *msg = NULL;
    struct mr_confval vmin, vmax;
    struct mr_finding *f;
    long min = 0, max = 0;

    if (mr_ctx_libvirt_files(ctx, MR_LIBVIRT_FILE(MR_QEMU_CONF), &conf, &msg) < 0) {
        mr_report(res, MR_ERROR, "%s", msg ? msg : "cannot read the libvirt configuration");
        return 0;
    }
    const char *qemu_conf = mr_libvirt_conf_file_name(conf, MR_QEMU_CONF);
    size_t before = res->n_findings;

    mr_libvirt_conf_get(conf, MR_QEMU_CONF, "migration_port_min", &vmin);
    mr_libvirt_conf_get(conf, MR_QEMU_CONF, "migration_port_max", &vmax);
    bool min_ok = mr_parse_long(vmin.value, &min) == 0;
    bool max_ok = mr_parse_long(vmax.value, &max) == 0;
    struct port_end ends[] = {
        {"migration_port_min", min, min_ok && min >= 1024 && min <= 65535, 0},
        {"migration_port_max", max, max_ok && max >= 1 && max <= 65535, 0},
    };
    target_range(ctx, &ends[0], &ends[1]);

    if (!ends[0].ok) {
        f = mr_report(res, MR_FAIL, "migration_port_min is %s in %s:%d: it must be a port from "
                      "1024 to 65535", vmin.value, vmin.file, vmin.line);
        at_value(f, &vmin);
        mr_finding_remedy(f, "set migration_port_min = 49152 in %s", qemu_conf);
        attach_range(f, ends, MR_ARRAY_SIZE(ends));
    }
    if (!ends[1].ok) {
        f = mr_report(res, MR_FAIL, "migration_port_max is %s in %s:%d: it must be a port up to "
                      "65535", vmax.value, vmax.file, vmax.line);
        at_value(f, &vmax);
        mr_finding_remedy(f, "set migration_port_max = 49215 in %s", qemu_conf);
        attach_range(f, ends, MR_ARRAY_SIZE(ends));
    }
    if (res->n_findings == before && min > max) {
        char *wmin = where(&vmin), *wmax = where(&vmax);
        f = mr_report(res, MR_FAIL,
                      "migration_port_max %ld (%s) is below migration_port_min %ld (%s): "
                      "libvirt's QEMU driver refuses to start",
                      max, wmax, min, wmin);
        free(wmin);
        free(wmax);
        at_value(f, vmax.is_default ? &vmin : &vmax);
        mr_finding_remedy(f, "set migration_port_min <= migration_port_max in %s", qemu_conf);
        attach_range(f, ends, MR_ARRAY_SIZE(ends));
    }
    if (res->n_findings == before && max - min + 1 < MR_MIN_MIGRATION_PORTS) {
        f = mr_report(res, MR_WARN,
                      "migration ports %ld-%ld allow only %ld incoming migrations at once (each "
                      "one holds a port, block migrations more)",
                      min, max, max - min + 1);
        at_value(f, vmin.is_default ? &vmax : &vmin);
        mr_finding_remedy(f, "widen the range in %s (libvirt's default is 49152-49215) and open "
                          "it in the firewall", qemu_conf);
    }
    if (min_ok && (f = compare_site(ctx, res, "migration_port_min", &vmin, min, qemu_conf)))
        attach_range(f, ends, MR_ARRAY_SIZE(ends));
    if (max_ok && (f = compare_site(ctx, res, "migration_port_max", &vmax, max, qemu_conf)))
        attach_range(f, ends, MR_ARRAY_SIZE(ends));

    check_address(conf, res, "migration_address", qemu_conf);
    check_address(conf, res, "migration_host", qemu_conf);

    if (res->n_findings == before) {
        if (vmin.is_default && vmax.is_default)
            mr_report(res, MR_PASS,
                      "migration ports %ld-%ld (libvirt's default, not set in %s)", min, max,
                      qemu_conf);
        else {
            char *wmin = where(&vmin), *wmax = where(&vmax);
            f = mr_report(res, MR_PASS, "migration ports %ld-%ld (min: %s, max: %s)", min, max,
                          wmin, wmax);
            at_value(f, vmin.is_default ? &vmax : &vmin);
            free(wmin);
            free(wmax);
        }
    }
    return 0;
}

const struct mr_check mr_check_qemu_migration_ports = {
    .id = "qemu.migration-ports",
    .title = "QEMU's migration port range is valid",
    .run = run_ports,
};
