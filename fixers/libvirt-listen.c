/* libvirt.listen: what the check's failing findings name.
 * - libvirtd.conf: the settings they want (listen_tcp or listen_tls = 1;
 *   listen_tls = 0 on a TCP host without TLS certificates: with --listen
 *   and listen_tls on, libvirtd does not start without them), then a
 *   loopback listen_addr commented out;
 * - LIBVIRTD_ARGS (or libvirtd_opts, whichever the unit passes), in the
 *   defaults file the unit reads: --listen added, or taken out when it
 *   conflicts with socket activation (it stops the daemon);
 * - the socket unit a finding wants enabled, by its link in
 *   /etc/systemd/system/sockets.target.wants (a masked unit is never named:
 *   unmasking is the operator's call). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixers.h"
#include "libvirtconf.h"

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
    const char *var = mr_libvirt_conf_args_var(conf);
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

/* Links UNIT into sockets.target.wants. */
static void enable_socket(const struct mr_ctx *ctx, struct mr_change_set *cs, const char *unit)
{
    char *link = mr_xasprintf("/etc/systemd/system/sockets.target.wants/%s", unit);
    char *target = unit_file(ctx, unit);
    mr_change_symlink(cs, link, target);
    mr_change_describe(cs, "enabled %s (%s -> %s)", unit, link, target);
    mr_change_restart(cs, unit);
    free(link);
    free(target);
}

static int edit_conf(const struct mr_result *res, struct mr_aug_edit *e, struct mr_change_set *cs,
                     const char *file)
{
    const char *top = mr_aug_edit_top(e);
    int r = 0;
    for (size_t i = 0; r >= 0 && i < res->n_findings; i++) {
        const struct mr_finding *f = &res->findings[i];
        struct mr_edit buf;
        const struct mr_edit *ed;
        for (size_t k = 0; r >= 0 && mr_finding_is(f, NULL) && (ed = mr_finding_edit(f, k, &buf));
             k++) {
            if (!ed->want || mr_result_sets(res, i, ed->key))
                continue;
            r = mr_aug_edit_set(e, top, ed->key, ed->want);
            if (strcmp(ed->key, "listen_tls") == 0 && strcmp(ed->want, "0") == 0)
                mr_change_describe(cs, "set listen_tls = 0 in %s (no TLS certificates: libvirtd "
                                   "would not start with --listen)", file);
            else
                mr_change_describe(cs, "set %s = %s in %s", ed->key, ed->want, file);
        }
    }
    for (size_t i = 0; r >= 0 && i < res->n_findings; i++) {
        const struct mr_finding *f = &res->findings[i];
        if (!mr_finding_is(f, "loopback-address"))
            continue;
        char *node = mr_xasprintf("%s/%s", top, f->key);
        char *text = mr_xasprintf("%s = \"%s\" (a loopback address: peers cannot connect)",
                                  f->key, f->value ? f->value : "");
        r = mr_aug_edit_comment_out(e, node, text);
        mr_change_describe(cs, "commented out %s in %s", f->key, file);
        free(node);
        free(text);
    }
    return r;
}

static int fix_conf(const struct mr_result *res, const struct mr_libvirt_conf *conf,
                    struct mr_change_set *cs)
{
    return fx_edit_file(cs, "Libvirtd.lns", mr_libvirt_conf_file_name(conf, MR_LIBVIRTD_CONF),
                        0644, edit_conf, res);
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    /* Every setting a finding names is one of libvirtd.conf. */
    bool conf_edits = false;
    for (size_t i = 0; i < res->n_findings; i++) {
        struct mr_edit buf;
        if (mr_finding_is(&res->findings[i], NULL) && mr_finding_edit(&res->findings[i], 0, &buf))
            conf_edits = true;
    }
    bool add = mr_result_has(res, "no-listen"), drop = mr_result_has(res, "listen-conflict");
    bool sockets = drop || mr_result_has(res, "socket-disabled");
    if (!conf_edits && !add && !sockets)
        return 0;
    const struct mr_libvirt_conf *conf;
    const char *msg = NULL;
    unsigned files = MR_LIBVIRT_FILE(MR_LIBVIRTD_CONF) | MR_LIBVIRT_FILE(MR_LIBVIRTD_ARGS);
    if (mr_ctx_libvirt_files(ctx, files, &conf, &msg) < 0) {
        mr_change_error(cs, "%s", msg ? msg : "cannot read the libvirt configuration");
        return -EINVAL;
    }
    int r = 0;
    if (conf_edits)
        r = fix_conf(res, conf, cs);
    if (r >= 0 && (add || drop))
        r = fix_args(cs, conf, add);
    for (size_t i = 0; r >= 0 && i < res->n_findings; i++) {
        const struct mr_finding *f = &res->findings[i];
        if ((mr_finding_is(f, "listen-conflict") || mr_finding_is(f, "socket-disabled")) &&
            f->want)
            enable_socket(ctx, cs, f->want);
    }
    if (r < 0)
        return r;
    mr_change_restart(cs, mr_libvirt_conf_daemon(conf));
    return 0;
}

const struct mr_fixer mr_fixer_libvirt_listen = {
    .check_id = "libvirt.listen",
    .run = run,
};
