/* nova.instances-path: owner and mode, as the check's failing findings name
 * them. The folder is given to the user a finding wants (chown), and each
 * directory a finding names gets the search bit of the class it wants
 * (chmod u/g/o+x). A missing path is not created: where instances live (a
 * local disk, an NFS mount) is the operator's decision. */
#include "config.h"

#include <sys/stat.h>

#include "fixers.h"

static void chown_to(struct mr_change_set *cs, const char *path, const char *user)
{
    uid_t uid;
    gid_t gid;
    if (mr_ctx_user(mr_change_ctx(cs), user, &uid, &gid) < 0)
        return;
    mr_change_chown(cs, path, uid, gid);
    mr_change_describe(cs, "chown %s (%u:%u) %s", user, (unsigned)uid, (unsigned)gid, path);
}

/* WANT is "u+x", "g+x" or "o+x". */
static void add_search_bit(struct mr_change_set *cs, const char *dir, const char *want)
{
    struct stat st;
    if (mr_root_stat(mr_change_ctx(cs)->root, dir, &st, false) < 0)
        return;
    mode_t bit = want[0] == 'u' ? S_IXUSR : want[0] == 'g' ? S_IXGRP : S_IXOTH;
    mr_change_chmod(cs, dir, (st.st_mode | bit) & 07777);
    mr_change_describe(cs, "chmod %s %s", want, dir);
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    (void)ctx;
    for (size_t i = 0; i < res->n_findings; i++) {
        const struct mr_finding *f = &res->findings[i];
        struct mr_edit buf;
        const struct mr_edit *ed;
        if (mr_finding_is(f, "owner"))
            chown_to(cs, f->key, f->want);
        else if (mr_finding_is(f, "search-bit"))
            for (size_t k = 0; (ed = mr_finding_edit(f, k, &buf)); k++)
                add_search_bit(cs, ed->key, ed->want);
    }
    return 0;
}

const struct mr_fixer mr_fixer_nova_instances_path = {
    .check_id = "nova.instances-path",
    .run = run,
};
