/* nova.instances-path: owner and mode. The folder is given to the nova user
 * (chown) and QEMU's user gets the search bit on it and on every parent
 * that lacks it (chmod u/g/o+x, the class the check names). A missing path
 * is not created: where instances live (a local disk, an NFS mount) is the
 * operator's decision. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixers.h"
#include "libvirtconf.h"
#include "novaconf.h"

struct who {
    bool known;
    uid_t uid;
    gid_t *groups;
    size_t n_groups;
};

static void qemu_identity(const struct mr_ctx *ctx, struct who *w)
{
    const struct mr_libvirt_conf *lc = NULL;
    const char *msg = NULL;
    *w = (struct who){0};
    if (mr_ctx_libvirt(ctx, &lc, &msg) < 0 || !lc)
        return;
    const char *name = mr_libvirt_conf_qemu_user(lc);
    if (!name || mr_ctx_user(ctx, name, &w->uid, NULL) < 0 ||
        mr_ctx_user_groups(ctx, name, &w->groups, &w->n_groups) < 0)
        return;
    w->known = true;
}

static void search_bit(struct mr_change_set *cs, const struct who *w, const char *dir)
{
    struct stat st;
    if (mr_root_stat(mr_change_ctx(cs)->root, dir, &st, false) < 0 || !S_ISDIR(st.st_mode))
        return;
    mode_t bit = S_IXOTH;
    const char *cls = "o";
    if (w->known && st.st_uid == w->uid) {
        bit = S_IXUSR;
        cls = "u";
    } else if (w->known) {
        for (size_t i = 0; i < w->n_groups; i++)
            if (w->groups[i] == st.st_gid) {
                bit = S_IXGRP;
                cls = "g";
            }
    }
    if (st.st_mode & bit)
        return;
    mr_change_chmod(cs, dir, (st.st_mode | bit) & 07777);
    mr_change_describe(cs, "chmod %s+x %s", cls, dir);
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    (void)res;
    const struct mr_novaconf *conf;
    const char *msg = NULL;
    if (mr_ctx_nova(ctx, &conf, &msg) < 0 || !conf) {
        mr_change_error(cs, "%s", msg ? msg : "cannot read nova.conf");
        return -EINVAL;
    }
    struct mr_novaval v;
    if (!mr_novaconf_get(conf, "DEFAULT", "instances_path", &v) || !v.value || v.value[0] != '/')
        return 0;
    const char *path = v.value;
    struct stat st;
    if (mr_root_stat(ctx->root, path, &st, false) < 0 || !S_ISDIR(st.st_mode))
        return 0;

    const char *user = mr_ctx_nova_user(ctx);
    uid_t uid;
    gid_t gid;
    if (mr_ctx_user(ctx, user, &uid, &gid) == 0 && st.st_uid != uid) {
        mr_change_chown(cs, path, uid, gid);
        mr_change_describe(cs, "chown %s (%u:%u) %s", user, (unsigned)uid, (unsigned)gid, path);
    }

    struct who w;
    qemu_identity(ctx, &w);
    if (!(w.known && w.uid == 0)) {
        char *dir = mr_xstrdup(path);
        search_bit(cs, &w, "/");
        for (char *p = dir + 1;; p++) {
            if (*p != '/' && *p != '\0')
                continue;
            char c = *p;
            *p = '\0';
            if (p[-1] != '/')
                search_bit(cs, &w, dir);
            *p = c;
            if (!c)
                break;
        }
        free(dir);
    }
    free(w.groups);
    return 0;
}

const struct mr_fixer mr_fixer_nova_instances_path = {
    .check_id = "nova.instances-path",
    .run = run,
};
