/* libvirt.listen: make the file that governs listen for the transport.
 * - socket-activated: --listen out of LIBVIRTD_ARGS (it stops the daemon),
 *   and DAEMON-tcp.socket (or -tls) enabled by its link in
 *   /etc/systemd/system/sockets.target.wants;
 * - traditional: listen_tcp (or listen_tls) = 1 in libvirtd.conf, --listen
 *   in LIBVIRTD_ARGS, a loopback listen_addr commented out, and for tcp
 *   listen_tls = 0 when the TLS certificates are missing: with --listen and
 *   listen_tls on, libvirtd does not start without them.
 * A masked socket unit is left alone: unmasking is the operator's call. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixers.h"
#include "libvirtconf.h"

static bool conf_on(const struct mr_libvirt_conf *conf, const char *key)
{
    struct mr_confval v;
    bool on = false;
    if (mr_libvirt_conf_get(conf, MR_LIBVIRTD_CONF, key, &v))
        mr_parse_bool(v.value, &on);
    return on;
}

static bool certs_missing(const struct mr_ctx *ctx, const struct mr_libvirt_conf *conf)
{
    static const char *const keys[] = {"ca_file", "cert_file", "key_file"};
    for (size_t i = 0; i < MR_ARRAY_SIZE(keys); i++) {
        struct mr_confval v;
        struct stat st;
        if (!mr_libvirt_conf_get(conf, MR_LIBVIRTD_CONF, keys[i], &v) || !v.value[0])
            continue;
        if (mr_root_stat(ctx->root, v.value, &st, false) < 0 || !S_ISREG(st.st_mode))
            return true;
    }
    return false;
}

static bool is_listen(const char *w)
{
    return strcmp(w, "--listen") == 0 || strcmp(w, "-l") == 0;
}

/* LIBVIRTD_ARGS with --listen added (ADD) or removed, quoted for the shell;
 * NULL when -l hides in bundled short options we do not rewrite. */
static char *edit_args(const char *raw, bool add)
{
    char *v = mr_xstrdup(raw ? raw : "");
    size_t n = strlen(v);
    if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
        memmove(v, v + 1, n - 2);
        v[n - 2] = '\0';
    }
    char **words = mr_split_list(v);
    free(v);
    char *out = mr_xstrdup("");
    bool bundled = false;
    for (size_t i = 0; words[i]; i++) {
        const char *w = words[i];
        if (!add && is_listen(w))
            continue;
        if (!add && w[0] == '-' && w[1] != '-' && strchr(w + 1, 'l'))
            bundled = true;
        char *o = mr_xasprintf("%s%s%s", out, *out ? " " : "", w);
        free(out);
        out = o;
    }
    mr_strv_free(words);
    if (bundled) {
        free(out);
        return NULL;
    }
    char *q = mr_xasprintf("\"%s%s%s\"", out, add && *out ? " " : "", add ? "--listen" : "");
    free(out);
    return q;
}

static int fix_args(struct mr_change_set *cs, const struct mr_libvirt_conf *conf, bool add)
{
    const char *file = mr_libvirt_conf_file_name(conf, MR_LIBVIRTD_ARGS);
    const char *var = mr_libvirt_conf_modular(conf) ? "VIRTPROXYD_ARGS" : "LIBVIRTD_ARGS";
    struct mr_aug_edit *e = NULL;
    int r = fx_open(cs, "Shellvars.lns", file, &e);
    if (r < 0)
        return r;
    char *node = mr_xasprintf("%s/%s[last()]", mr_aug_edit_top(e), var);
    const char *raw = NULL;
    aug_get(mr_aug_edit_aug(e), node, &raw);
    free(node);
    char *value = edit_args(raw, add);
    if (!value) {
        mr_aug_edit_free(e);
        mr_change_error(cs, "%s in %s bundles -l with other short options; split it and "
                        "remove -l by hand", var, file);
        return -EINVAL;
    }
    r = mr_aug_edit_set(e, mr_aug_edit_top(e), var, value);
    if (r < 0) {
        free(value);
        mr_aug_edit_free(e);
        mr_change_error(cs, "%s: cannot set %s", file, var);
        return r;
    }
    mr_change_describe(cs, "%s --listen %s %s in %s", add ? "added" : "removed",
                       add ? "to" : "from", var, file);
    free(value);
    return fx_commit(cs, e, file, 0644);
}

/* Where the unit file is, for the link's target. */
static char *unit_file(const struct mr_ctx *ctx, const char *unit)
{
    static const char *const dirs[] = {"/usr/lib/systemd/system", "/lib/systemd/system"};
    for (size_t i = 0; i < MR_ARRAY_SIZE(dirs); i++) {
        char *p = mr_xasprintf("%s/%s", dirs[i], unit);
        struct stat st;
        if (mr_root_stat(ctx->root, p, &st, false) == 0)
            return p;
        free(p);
    }
    return mr_xasprintf("/lib/systemd/system/%s", unit);
}

static int fix_socket(const struct mr_ctx *ctx, const struct mr_libvirt_conf *conf,
                      struct mr_change_set *cs, const char *t)
{
    const char *daemon = mr_libvirt_conf_daemon(conf);
    int r = 0;
    if (mr_libvirt_conf_args_listen(conf)) {
        r = fix_args(cs, conf, false);
        if (r < 0)
            return r;
    }
    if (strcmp(t, "ssh") == 0)
        goto done;
    char *unit = mr_xasprintf("%s-%s.socket", daemon, t);
    if (!mr_libvirt_conf_unit_masked(conf, unit, NULL) &&
        !mr_libvirt_conf_unit_enabled(conf, unit, NULL)) {
        char *link = mr_xasprintf("/etc/systemd/system/sockets.target.wants/%s", unit);
        char *target = unit_file(ctx, unit);
        mr_change_symlink(cs, link, target);
        mr_change_describe(cs, "enabled %s (%s -> %s)", unit, link, target);
        mr_change_restart(cs, unit);
        free(link);
        free(target);
    }
    free(unit);
done:
    mr_change_restart(cs, daemon);
    return 0;
}

static int fix_traditional(const struct mr_ctx *ctx, const struct mr_libvirt_conf *conf,
                           struct mr_change_set *cs, const char *t)
{
    bool tls = strcmp(t, "tls") == 0;
    const char *key = tls ? "listen_tls" : "listen_tcp";
    const char *file = mr_libvirt_conf_file_name(conf, MR_LIBVIRTD_CONF);
    struct mr_confval addr;
    bool loopback = mr_libvirt_conf_get(conf, MR_LIBVIRTD_CONF, "listen_addr", &addr) &&
                    !addr.is_default && mr_libvirt_addr_is_loopback(addr.value);
    bool tls_off = !tls && conf_on(conf, "listen_tls") && certs_missing(ctx, conf);
    int r;

    if (!conf_on(conf, key) || loopback || tls_off) {
        struct mr_aug_edit *e = NULL;
        r = fx_open(cs, "Libvirtd.lns", file, &e);
        if (r < 0)
            return r;
        const char *top = mr_aug_edit_top(e);
        if (!conf_on(conf, key)) {
            r = mr_aug_edit_set(e, top, key, "1");
            mr_change_describe(cs, "set %s = 1 in %s", key, file);
        }
        if (r >= 0 && tls_off) {
            r = mr_aug_edit_set(e, top, "listen_tls", "0");
            mr_change_describe(cs, "set listen_tls = 0 in %s (no TLS certificates: libvirtd "
                               "would not start with --listen)", file);
        }
        if (r >= 0 && loopback) {
            char *node = mr_xasprintf("%s/listen_addr", top);
            char *text = mr_xasprintf("listen_addr = \"%s\" (a loopback address: peers cannot "
                                      "connect)", addr.value);
            r = mr_aug_edit_comment_out(e, node, text);
            mr_change_describe(cs, "commented out listen_addr in %s", file);
            free(node);
            free(text);
        }
        if (r < 0) {
            mr_aug_edit_free(e);
            mr_change_error(cs, "%s: cannot edit the tree of Libvirtd.lns", file);
            return r;
        }
        r = fx_commit(cs, e, file, 0644);
        if (r < 0)
            return r;
    }
    if (!mr_libvirt_conf_args_listen(conf)) {
        r = fix_args(cs, conf, true);
        if (r < 0)
            return r;
    }
    mr_change_restart(cs, mr_libvirt_conf_daemon(conf));
    return 0;
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
    const char *t = mr_ctx_transport(ctx);
    if (mr_libvirt_conf_socket_activated(conf, NULL))
        return fix_socket(ctx, conf, cs, t);
    if (strcmp(t, "ssh") == 0)
        return 0;
    return fix_traditional(ctx, conf, cs, t);
}

const struct mr_fixer mr_fixer_libvirt_listen = {
    .check_id = "libvirt.listen",
    .run = run,
};
