/* rbd.config: ephemeral disks on Ceph RBD (profile rbd), read offline:
 * nova.conf's [libvirt] images_type, images_rbd_pool, images_rbd_ceph_conf
 * (which must name the cluster: fsid and mon_host), rbd_user and
 * rbd_secret_uuid, [DEFAULT] force_raw_images, and the keyring nova
 * authenticates with. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cephconf.h"
#include "checks.h"
#include "ctx.h"
#include "novaconf.h"

#define CEPH_CONF_DEFAULT "/etc/ceph/ceph.conf"
#define CEPH_CONF_MAX (1u << 20)

/* "in /etc/nova/nova.conf:12" or "(Nova's default)". */
static char *where(const struct mr_novaval *v)
{
    if (v->is_default || !v->file)
        return mr_xstrdup("Nova's default");
    return mr_xasprintf("%s:%d", v->file, v->line);
}

static struct mr_finding *report_opt(struct mr_result *res, enum mr_status st,
                                     const struct mr_novaval *v, const char *section,
                                     const char *key, const char *want, const char *fmt, ...)
    MR_PRINTF(7, 8);

/* A finding about [SECTION] KEY, placed at its line (or nova.conf), whose
 * remedy sets it to WANT (NULL: the message says what). */
static struct mr_finding *report_opt(struct mr_result *res, enum mr_status st,
                                     const struct mr_novaval *v, const char *section,
                                     const char *key, const char *want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct mr_finding *f = mr_vreport(res, st, fmt, ap);
    va_end(ap);
    mr_finding_at(f, v->file && !v->is_default ? v->file : v->conf, v->file ? v->line : 0);
    if (want)
        mr_finding_remedy(f, "set [%s] %s = %s in %s on every compute host", section, key, want,
                          v->conf);
    return f;
}

/* libvirt's secret UUIDs: 32 hex digits, as 8-4-4-4-12. */
static bool is_uuid(const char *s)
{
    static const int groups[] = {8, 4, 4, 4, 12};
    for (size_t g = 0; g < MR_ARRAY_SIZE(groups); g++) {
        for (int i = 0; i < groups[g]; i++, s++)
            if (!isxdigit((unsigned char)*s))
                return false;
        if (g + 1 < MR_ARRAY_SIZE(groups) && *s++ != '-')
            return false;
    }
    return *s == '\0';
}

/* The keyring librados takes for client.USER: ceph.conf's keyring in
 * [client.USER], [client] or [global], else /etc/ceph/$cluster.$name.keyring
 * with cluster "ceph" (Nova's RBD driver names no cluster). $cluster and
 * $name are expanded as Ceph does. */
static char *keyring_path(const struct mr_ceph_conf *cc, const char *user)
{
    const char *v = NULL;
    char *sect = mr_xasprintf("client.%s", user);
    if (cc)
        v = mr_ceph_conf_get(cc, sect, "keyring", NULL);
    if (cc && !v)
        v = mr_ceph_conf_get(cc, "client", "keyring", NULL);
    if (cc && !v)
        v = mr_ceph_conf_get(cc, "global", "keyring", NULL);
    if (!v || strchr(v, ',')) /* a search list: the first default is the one to have */
        v = "/etc/ceph/$cluster.$name.keyring";
    char *out = mr_xstrdup("");
    for (const char *s = v; *s;) {
        const char *rep = NULL;
        size_t skip = 1;
        if (strncmp(s, "$cluster", 8) == 0)
            rep = "ceph", skip = 8;
        else if (strncmp(s, "$name", 5) == 0)
            rep = sect, skip = 5;
        char *n = rep ? mr_xasprintf("%s%s", out, rep) : mr_xasprintf("%s%c", out, *s);
        free(out);
        out = n;
        s += skip;
    }
    free(sect);
    return out;
}

/* images_rbd_ceph_conf: exists, parses, names the cluster. *ret_cc is the
 * parsed file when it could be read. */
static void check_ceph_conf(const struct mr_ctx *ctx, struct mr_result *res,
                            const struct mr_novaval *v, struct mr_ceph_conf **ret_cc)
{
    const char *path = v->value && *v->value ? v->value : CEPH_CONF_DEFAULT;
    char *text = NULL, *w = where(v);
    size_t len;
    struct mr_finding *f;
    int line = 0;
    int r = mr_root_read(ctx->root, path, CEPH_CONF_MAX, &text, &len);
    if (r < 0) {
        f = mr_report(res, MR_FAIL, "the Ceph configuration %s (images_rbd_ceph_conf, %s) %s: "
                      "nova-compute cannot reach the cluster",
                      path, w, r == -ENOENT ? "does not exist" : strerror(-r));
        mr_finding_at(f, path, 0);
        mr_finding_remedy(f, "install the cluster's ceph.conf as %s, or set [libvirt] "
                          "images_rbd_ceph_conf in %s to where it is", path, v->conf);
        goto cleanup;
    }
    if (mr_ceph_conf_parse(text, len, ret_cc, &line) < 0) {
        f = mr_report(res, MR_FAIL, "the Ceph configuration %s cannot be parsed: line %d is "
                      "neither a [section] nor a key = value", path, line);
        mr_finding_at(f, path, line);
        mr_finding_remedy(f, "correct line %d of %s", line, path);
        goto cleanup;
    }
    static const char *const keys[] = {"fsid", "mon_host"};
    for (size_t i = 0; i < MR_ARRAY_SIZE(keys); i++) {
        int l = 0;
        const char *val = mr_ceph_conf_get(*ret_cc, "global", keys[i], &l);
        if (val && *val)
            continue;
        f = mr_report(res, MR_FAIL, "the Ceph configuration %s names no %s in [global]: "
                      "librados cannot %s", path, keys[i],
                      i == 0 ? "tell which cluster it reached" : "find a monitor");
        mr_finding_at(f, path, l);
        mr_finding_remedy(f, "copy the cluster's ceph.conf (ceph config generate-minimal-conf) "
                          "to %s", path);
    }
cleanup:
    free(text);
    free(w);
}

static void check_keyring(const struct mr_ctx *ctx, struct mr_result *res,
                          const struct mr_ceph_conf *cc, const char *user)
{
    char *path = keyring_path(cc, user);
    const char *nova = mr_ctx_nova_user(ctx);
    struct stat st;
    struct mr_finding *f;
    if (mr_root_stat(ctx->root, path, &st, false) < 0 || !S_ISREG(st.st_mode)) {
        f = mr_report(res, MR_FAIL, "the keyring %s of client.%s does not exist: librados "
                      "cannot authenticate as rbd_user", path, user);
        mr_finding_at(f, path, 0);
        mr_finding_remedy(f, "on a Ceph admin host: ceph auth get client.%s -o %s, then copy "
                          "it here (owner %s, mode 0640 or 0600)", user, path, nova);
    } else if (!mr_ctx_user_can_read(ctx, nova, &st)) {
        f = mr_report(res, MR_FAIL, "the keyring %s (mode %04o) cannot be read by %s, which "
                      "nova-compute runs as", path, (unsigned)(st.st_mode & 07777), nova);
        mr_finding_at(f, path, 0);
        mr_finding_remedy(f, "chgrp %s %s; chmod 0640 %s", mr_ctx_nova_group(ctx), path, path);
    } else {
        f = mr_report(res, MR_PASS, "the keyring %s of client.%s is readable by %s", path, user,
                      nova);
        mr_finding_at(f, path, 0);
    }
    free(path);
}

static int run_config(const struct mr_ctx *ctx, struct mr_result *res)
{
    const struct mr_novaconf *nova;
    const char *msg = NULL;
    struct mr_novaval v;
    struct mr_finding *f;
    struct mr_ceph_conf *cc = NULL;
    char *w;

    if (mr_ctx_nova(ctx, &nova, &msg) < 0 || !nova) {
        mr_report(res, MR_ERROR, "%s", msg ? msg : "cannot read nova.conf");
        return 0;
    }
    mr_novaconf_get(nova, "libvirt", "images_type", &v);
    if (!v.value || strcmp(v.value, "rbd") != 0) {
        w = where(&v);
        report_opt(res, MR_FAIL, &v, "libvirt", "images_type", "rbd",
                   "[libvirt] images_type is %s (%s), not rbd: instance disks are not on Ceph, "
                   "as the rbd profile expects", v.value ? v.value : "unset", w);
        free(w);
        return 0;
    }

    mr_novaconf_get(nova, "libvirt", "images_rbd_pool", &v);
    if (!v.value || !*v.value)
        report_opt(res, MR_FAIL, &v, "libvirt", "images_rbd_pool", "POOL",
                   "[libvirt] images_rbd_pool is empty: Nova has no pool for instance disks");

    mr_novaconf_get(nova, "libvirt", "images_rbd_ceph_conf", &v);
    check_ceph_conf(ctx, res, &v, &cc);

    mr_novaconf_get(nova, "libvirt", "rbd_user", &v);
    const char *user = v.value && *v.value ? v.value : NULL;
    if (!user)
        report_opt(res, MR_FAIL, &v, "libvirt", "rbd_user", "USER",
                   "[libvirt] rbd_user is not set: librados would connect as client.admin, "
                   "and libvirt's secret would not be used");
    else
        check_keyring(ctx, res, cc, user);

    mr_novaconf_get(nova, "libvirt", "rbd_secret_uuid", &v);
    if (!v.value || !*v.value) {
        f = report_opt(res, MR_FAIL, &v, "libvirt", "rbd_secret_uuid", NULL,
                       "[libvirt] rbd_secret_uuid is not set: libvirt cannot authenticate "
                       "QEMU to Ceph, so no instance disk opens");
        mr_finding_remedy(f, "set [libvirt] rbd_secret_uuid in %s to the UUID of the libvirt "
                          "secret that holds client.%s's key (virsh secret-list), the same on "
                          "every compute host", v.conf, user ? user : "USER");
    } else if (!is_uuid(v.value)) {
        w = where(&v);
        f = report_opt(res, MR_FAIL, &v, "libvirt", "rbd_secret_uuid", NULL,
                       "[libvirt] rbd_secret_uuid \"%s\" (%s) is not a UUID: libvirt refuses "
                       "the disk's secret", v.value, w);
        mr_finding_remedy(f, "set [libvirt] rbd_secret_uuid in %s to the libvirt secret's UUID "
                          "(virsh secret-list), such as 457eb676-33da-42ec-9a8c-9293d545c337",
                          v.conf);
        free(w);
    }

    /* nova-compute refuses to start otherwise: LibvirtDriver.init_host()
     * raises InvalidConfiguration for images_type = rbd without
     * force_raw_images (nova/virt/libvirt/driver.py, Nova bug 1816686). */
    mr_novaconf_get(nova, "DEFAULT", "force_raw_images", &v);
    bool raw = true;
    if (v.value && mr_parse_bool(v.value, &raw) < 0)
        raw = false;
    if (!raw) {
        w = where(&v);
        report_opt(res, MR_FAIL, &v, "DEFAULT", "force_raw_images", "True",
                   "[DEFAULT] force_raw_images is %s (%s): nova-compute refuses to start with "
                   "images_type = rbd (\"'[DEFAULT]/force_raw_images = False' is not allowed "
                   "with '[libvirt]/images_type = rbd'\")", v.value, w);
        free(w);
    }
    if (res->n_findings == 0 || res->status == MR_PASS)
        mr_report(res, MR_PASS, "instance disks on Ceph RBD, configured as Nova and librados "
                  "need");
    mr_ceph_conf_free(cc);
    return 0;
}

const struct mr_check mr_check_rbd_config = {
    .id = "rbd.config",
    .title = "Nova's Ceph RBD settings, ceph.conf and keyring",
    .optional = true,
    .run = run_config,
};
