/* ids.nova: never fixed automatically. Renumbering a user or a group while
 * nova-compute, libvirtd and QEMU hold files open, and re-owning instance
 * disks that other hosts may be running, needs the operator's timing. The
 * fixer writes out the exact commands instead (mr_change_manual): fix
 * prints them and the check stays `fail`. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixers.h"
#include "novaconf.h"

/* The folders whose files carry nova's IDs, those that exist. */
static char *nova_paths(const struct mr_ctx *ctx, const char *user)
{
    char **v = mr_xcalloc(1, sizeof(char *));
    char *home = mr_ctx_user_home(ctx, user);
    const struct mr_novaconf *conf = NULL;
    const char *msg = NULL;
    struct mr_novaval iv;
    const char *cand[] = {home ? home : "/var/lib/nova", "/var/log/nova", "/etc/nova", NULL};
    if (mr_ctx_nova(ctx, &conf, &msg) == 0 && conf &&
        mr_novaconf_get(conf, "DEFAULT", "instances_path", &iv) && iv.value && iv.value[0] == '/')
        cand[3] = iv.value;
    for (size_t i = 0; i < MR_ARRAY_SIZE(cand); i++) {
        struct stat st;
        if (!cand[i] || mr_root_stat(ctx->root, cand[i], &st, false) < 0)
            continue;
        bool inside = false;
        for (size_t k = 0; v[k]; k++) {
            size_t n = strlen(v[k]);
            inside |= strncmp(cand[i], v[k], n) == 0 && (cand[i][n] == '/' || !cand[i][n]);
        }
        if (!inside)
            mr_strv_push(&v, cand[i]);
    }
    char *s = mr_strv_join(v, " ");
    mr_strv_free(v);
    free(home);
    return s;
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    (void)res;
    const char *user = mr_ctx_nova_user(ctx);
    const char *group = mr_ctx_nova_group(ctx);
    unsigned want_uid = 0, want_gid = 0;
    /* A value that is not an ID is left alone: ids.nova reports it. */
    bool has_uid = mr_ctx_site_id(ctx, "nova_uid", &want_uid, NULL) > 0;
    bool has_gid = mr_ctx_site_id(ctx, "nova_gid", &want_gid, NULL) > 0;
    uid_t uid;
    gid_t gid, pgid;
    bool user_ok = mr_ctx_user(ctx, user, &uid, &pgid) == 0;
    bool group_ok = mr_ctx_group(ctx, group, &gid) == 0;
    bool renumber_u = user_ok && has_uid && uid != want_uid;
    bool renumber_g = group_ok && has_gid && gid != want_gid;

    if (!group_ok && has_gid)
        mr_change_manual(cs, "groupadd --system -g %u %s", want_gid, group);
    if (!user_ok && has_uid)
        mr_change_manual(cs, "useradd --system -u %u -g %s -d /var/lib/nova -s /bin/sh %s",
                         want_uid, group, user);
    if (!renumber_u && !renumber_g)
        return 0;
    char *paths = nova_paths(ctx, user);
    mr_change_manual(cs, "systemctl stop nova-compute libvirtd");
    if (renumber_g)
        mr_change_manual(cs, "groupmod -g %u %s", want_gid, group);
    if (renumber_u)
        mr_change_manual(cs, "usermod -u %u %s", want_uid, user);
    if (renumber_u && *paths)
        mr_change_manual(cs, "chown -R -h --from=%u %u %s", (unsigned)uid, want_uid, paths);
    if (renumber_g && *paths)
        mr_change_manual(cs, "chown -R -h --from=:%u :%u %s", (unsigned)gid, want_gid, paths);
    mr_change_manual(cs, "systemctl start libvirtd nova-compute");
    free(paths);
    return 0;
}

const struct mr_fixer mr_fixer_ids_nova = {
    .check_id = "ids.nova",
    .run = run,
};
