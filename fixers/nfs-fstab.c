/* nfs.fstab: the fstab entry of the instances path, through Augeas's Fstab
 * lens; never a mount (mounting on a running compute host hides the
 * instances under it: the operator's step).
 * - No entry of its own (none, or a parent that is a local file system):
 *   "NFS_SERVER:EXPORT PATH nfs4 defaults 0 0" at the end, EXPORT the site's
 *   nfs_export, else the instances path itself.
 * - Its own entry not NFS: source, type nfs4 and options defaults (a local
 *   file system's options mean nothing to NFS); NFS from another server
 *   than the site's nfs_server: the server part of the source; ro dropped.
 * Without nfs_server in the site configuration nothing can be written. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixers.h"
#include "novaconf.h"
#include "pathutil.h"

#define FSTAB "/etc/fstab"

static bool is_nfs(const char *t)
{
    return t && (strcmp(t, "nfs") == 0 || strcmp(t, "nfs4") == 0);
}

static const char *get(augeas *aug, const char *entry, const char *child)
{
    char *p = mr_xasprintf("%s/%s", entry, child);
    const char *v = NULL;
    int r = aug_get(aug, p, &v);
    free(p);
    /* The value lives in Augeas's tree, not in this frame. */
    return r == 1 ? v : NULL;
}

static void set(augeas *aug, const char *entry, const char *child, const char *value)
{
    char *p = mr_xasprintf("%s/%s", entry, child);
    aug_set(aug, p, value);
    free(p);
}

/* Options become just "defaults". */
static void set_defaults(augeas *aug, const char *entry)
{
    char *p = mr_xasprintf("%s/opt", entry);
    aug_rm(aug, p);
    free(p);
    p = mr_xasprintf("%s/vfstype", entry);
    aug_insert(aug, p, "opt", 0);
    free(p);
    set(aug, entry, "opt", "defaults");
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    (void)res;
    const struct mr_novaconf *conf;
    const char *msg = NULL;
    struct mr_novaval iv;
    if (mr_ctx_nova(ctx, &conf, &msg) < 0 || !conf ||
        !mr_novaconf_get(conf, "DEFAULT", "instances_path", &iv) || !iv.value ||
        iv.value[0] != '/')
        return 0;
    const char *path = iv.value;
    const char *server = mr_ctx_site(ctx, "nfs_server");
    if (!server)
        return 0;
    const char *export = mr_ctx_site(ctx, "nfs_export");
    if (!export)
        export = path;
    char *src = strchr(server, ':') ? mr_xasprintf("[%s]:%s", server, export)
                                    : mr_xasprintf("%s:%s", server, export);

    struct mr_aug_edit *e = NULL;
    int r = fx_open(cs, "Fstab.lns", FSTAB, &e);
    if (r < 0) {
        free(src);
        return r;
    }
    augeas *aug = mr_aug_edit_aug(e);
    char *pat = mr_xasprintf("%s/*[file]", mr_aug_edit_top(e));
    char **m = NULL;
    int n = aug_match(aug, pat, &m);
    free(pat);
    /* The entry the check judges: the deepest mount point holding PATH, the
     * last of equals. */
    int best = -1, best_depth = -1;
    for (int i = 0; i < n; i++) {
        const char *file = get(aug, m[i], "file"), *type = get(aug, m[i], "vfstype");
        if (!file || file[0] != '/' || (type && strcmp(type, "swap") == 0))
            continue;
        int d = mr_path_covers(file, path);
        if (d >= 0 && d >= best_depth) {
            best = i;
            best_depth = d;
        }
    }
    const char *bfile = best >= 0 ? get(aug, m[best], "file") : NULL;
    char *exact = NULL;
    if (bfile && mr_path_covers(bfile, path) >= 0 && mr_path_covers(path, bfile) >= 0)
        exact = mr_xstrdup(m[best]);
    bool parent_nfs = best >= 0 && !exact && is_nfs(get(aug, m[best], "vfstype"));

    if (!exact && !parent_nfs) {
        const char *e_top = mr_aug_edit_top(e);
        char *entry = mr_xasprintf("%s/01", e_top);
        set(aug, entry, "spec", src);
        set(aug, entry, "file", path);
        set(aug, entry, "vfstype", "nfs4");
        set(aug, entry, "opt", "defaults");
        set(aug, entry, "dump", "0");
        set(aug, entry, "passno", "0");
        free(entry);
        mr_change_describe(cs, "added '%s %s nfs4 defaults 0 0' to %s (not mounted: mount %s "
                           "once nothing uses the local folder)", src, path, FSTAB, path);
    } else if (exact && !is_nfs(get(aug, exact, "vfstype"))) {
        char *old = mr_xstrdup(get(aug, exact, "vfstype"));
        set(aug, exact, "spec", src);
        set(aug, exact, "vfstype", "nfs4");
        set_defaults(aug, exact);
        mr_change_describe(cs, "made the %s entry of %s '%s %s nfs4 defaults' (was %s)", FSTAB,
                           path, src, path, old ? old : "?");
        free(old);
    } else {
        const char *target = exact ? exact : m[best];
        const char *spec = get(aug, target, "spec");
        const char *colon = spec ? strrchr(spec, ':') : NULL;
        char *host = colon ? mr_xstrndup(spec, (size_t)(colon - spec)) : NULL;
        if (host && host[0] == '[') {
            memmove(host, host + 1, strlen(host));
            host[strcspn(host, "]")] = '\0';
        }
        if (!host || !colon || colon[1] != '/' || !mr_host_eq(host, server)) {
            char *nsrc = colon && colon[1] == '/'
                             ? (strchr(server, ':') ? mr_xasprintf("[%s]%s", server, colon)
                                                    : mr_xasprintf("%s%s", server, colon))
                             : mr_xstrdup(src);
            set(aug, target, "spec", nsrc);
            mr_change_describe(cs, "mounted %s from %s in %s", get(aug, target, "file"), nsrc,
                               FSTAB);
            free(nsrc);
        }
        free(host);
        char *ro = mr_xasprintf("%s/opt[. = 'ro']", target);
        if (aug_rm(aug, ro) > 0) {
            char *any = mr_xasprintf("%s/opt", target);
            if (aug_match(aug, any, NULL) == 0)
                set_defaults(aug, target);
            free(any);
            mr_change_describe(cs, "removed ro from the options of %s in %s",
                               get(aug, target, "file"), FSTAB);
        }
        free(ro);
    }
    for (int i = 0; i < n; i++)
        free(m[i]);
    free(m);
    free(exact);
    free(src);
    return fx_commit(cs, e, FSTAB, 0644);
}

const struct mr_fixer mr_fixer_nfs_fstab = {
    .check_id = "nfs.fstab",
    .run = run,
};
