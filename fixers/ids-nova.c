/* ids.nova: never fixed automatically. Renumbering a user or a group while
 * nova-compute, libvirtd and QEMU hold files open, and re-owning instance
 * disks that other hosts may be running, needs the operator's timing. The
 * fixer writes out the exact commands instead (mr_change_manual): fix
 * prints them and the check stays `fail`. What they name (the user, the
 * group, the IDs found and wanted, the folders to chown) is what the check
 * found (checks/ids.c fix_data). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fixers.h"

/* The first fail of kind CODE with a name and a wanted ID. */
static const struct mr_finding *find(const struct mr_result *res, const char *code)
{
    for (size_t i = 0; i < res->n_findings; i++)
        if (mr_finding_is(&res->findings[i], code) && res->findings[i].key &&
            res->findings[i].want)
            return &res->findings[i];
    return NULL;
}

/* The primary group a new user gets. */
static const char *group_of(const struct mr_finding *f)
{
    for (size_t i = 0; i < f->n_also; i++)
        if (!f->also[i].section && f->also[i].key && strcmp(f->also[i].key, "group") == 0)
            return f->also[i].want;
    return NULL;
}

/* "chown -R -h --from=OLD NEW PATHS" (PREFIX ":" for the group), for the
 * folders the check names. */
static void chown_cmd(struct mr_change_set *cs, const struct mr_finding *f, const char *prefix)
{
    char **paths = mr_xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < f->n_also; i++)
        if (f->also[i].section && strcmp(f->also[i].section, "chown") == 0 && f->also[i].key)
            mr_strv_push(&paths, f->also[i].key);
    if (paths[0] && f->value) {
        char *j = mr_strv_join(paths, " ");
        mr_change_manual(cs, "chown -R -h --from=%s%s %s%s %s", prefix, f->value, prefix,
                         f->want, j);
        free(j);
    }
    mr_strv_free(paths);
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    (void)ctx;
    const struct mr_finding *no_group = find(res, "no-group");
    const struct mr_finding *no_user = find(res, "no-user");
    const struct mr_finding *uid = find(res, "uid");
    const struct mr_finding *gid = find(res, "gid");

    if (no_group)
        mr_change_manual(cs, "groupadd --system -g %s %s", no_group->want, no_group->key);
    if (no_user && group_of(no_user))
        mr_change_manual(cs, "useradd --system -u %s -g %s -d /var/lib/nova -s /bin/sh %s",
                         no_user->want, group_of(no_user), no_user->key);
    if (!uid && !gid)
        return 0;
    mr_change_manual(cs, "systemctl stop nova-compute libvirtd");
    if (gid)
        mr_change_manual(cs, "groupmod -g %s %s", gid->want, gid->key);
    if (uid)
        mr_change_manual(cs, "usermod -u %s %s", uid->want, uid->key);
    if (uid)
        chown_cmd(cs, uid, "");
    if (gid)
        chown_cmd(cs, gid, ":");
    mr_change_manual(cs, "systemctl start libvirtd nova-compute");
    return 0;
}

const struct mr_fixer mr_fixer_ids_nova = {
    .check_id = "ids.nova",
    .run = run,
};
