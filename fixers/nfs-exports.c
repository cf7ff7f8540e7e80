/* nfs.exports: what the check's failing findings name, through Augeas's
 * Exports lens, in the file and at the line each names.
 * - "client-options": the client gets exactly the options the finding
 *   wants (those it lacks added, those that fail it taken out);
 * - "add-client": a compute host no client covers is added to the export
 *   the finding points at, with the options it wants;
 * - "not-exported": a new line at the end of the file, the path exported to
 *   the compute hosts the finding names (the check names none without
 *   peers: which clients to export to is then the operator's). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fixers.h"
#include "pathutil.h"

/* Gives CLIENT exactly the options WANT (comma separated) names, keeping
 * the place of those it has; whether it changed. */
static bool set_options(augeas *aug, const char *client, const char *want)
{
    char **items = mr_split_list(want);
    char *pat = mr_xasprintf("%s/option", client);
    char **m = NULL;
    int n = aug_match(aug, pat, &m);
    bool changed = false;
    /* Backwards: removing a node renumbers those after it. */
    for (int i = n - 1; i >= 0; i--) {
        const char *v = NULL;
        if (aug_get(aug, m[i], &v) != 1 || !v || !mr_strv_contains(items, v))
            changed |= aug_rm(aug, m[i]) > 0;
        free(m[i]);
    }
    free(m);
    for (size_t k = 0; items[k]; k++) {
        char *has = mr_xasprintf("%s[. = '%s']", pat, items[k]);
        if (aug_match(aug, has, NULL) == 0) {
            char *p = mr_xasprintf("%s[last() + 1]", pat);
            aug_set(aug, p, items[k]);
            free(p);
            changed = true;
        }
        free(has);
    }
    free(pat);
    mr_strv_free(items);
    return changed;
}

static void add_client(augeas *aug, const char *dir, const char *host, const char *opts)
{
    char *p = mr_xasprintf("%s/client[last() + 1]", dir);
    aug_set(aug, p, host);
    free(p);
    p = mr_xasprintf("%s/client[last()]", dir);
    set_options(aug, p, opts);
    free(p);
}

/* The export of PATH at LINE of the file, as the finding places it. */
static char *dir_at(struct mr_aug_edit *e, struct mr_change_set *cs, const char *file, int line,
                    const char *path)
{
    char *pat = mr_xasprintf("%s/dir", mr_aug_edit_top(e));
    char *dir = fx_node_in_file(cs, e, file, pat, line);
    free(pat);
    const char *v = NULL;
    if (dir && (aug_get(mr_aug_edit_aug(e), dir, &v) != 1 || !v || !mr_path_eq(v, path))) {
        free(dir);
        dir = NULL;
    }
    return dir;
}

static int edit_finding(struct mr_aug_edit *e, struct mr_change_set *cs, const char *file,
                        const struct mr_finding *f)
{
    augeas *aug = mr_aug_edit_aug(e);
    if (mr_finding_is(f, "not-exported")) {
        struct mr_edit buf0, buf;
        const struct mr_edit *first = mr_finding_edit(f, 0, &buf0), *ed;
        if (!first)
            return 0;
        char *p = mr_xasprintf("%s/dir[last() + 1]", mr_aug_edit_top(e));
        aug_set(aug, p, first->section);
        free(p);
        char *dir = mr_xasprintf("%s/dir[last()]", mr_aug_edit_top(e));
        for (size_t k = 0; (ed = mr_finding_edit(f, k, &buf)); k++)
            add_client(aug, dir, ed->key, ed->want);
        free(dir);
        mr_change_describe(cs, "exported %s to the compute hosts (%s) in %s", first->section,
                           first->want, file);
        return 0;
    }
    char *dir = dir_at(e, cs, file, f->line, f->section);
    if (!dir) {
        mr_change_error(cs, "%s: no export of %s at line %d, where the check found it", file,
                        f->section, f->line);
        return -ENOENT;
    }
    if (mr_finding_is(f, "add-client")) {
        add_client(aug, dir, f->key, f->want);
        mr_change_describe(cs, "exported %s to compute host %s (%s) in %s", f->section, f->key,
                           f->want, file);
    } else if (mr_finding_is(f, "client-options")) {
        char *pat = mr_xasprintf("%s/client", dir);
        char **m = NULL;
        int n = aug_match(aug, pat, &m);
        bool changed = false;
        for (int i = 0; i < n; i++) {
            const char *host = NULL;
            if (aug_get(aug, m[i], &host) == 1 && host && strcmp(host, f->key) == 0)
                changed |= set_options(aug, m[i], f->want);
            free(m[i]);
        }
        free(m);
        free(pat);
        if (changed)
            mr_change_describe(cs, "exported %s to %s with %s in %s", f->section, f->key,
                               f->want, file);
    }
    free(dir);
    return 0;
}

static int edit(const struct mr_result *res, struct mr_aug_edit *e, struct mr_change_set *cs,
                const char *file)
{
    int r = 0;
    for (size_t i = 0; r >= 0 && i < res->n_findings; i++) {
        const struct mr_finding *f = &res->findings[i];
        if (mr_finding_is(f, NULL) && f->file && strcmp(f->file, file) == 0)
            r = edit_finding(e, cs, file, f);
    }
    return r;
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    (void)ctx;
    /* Each file once, in the order the findings name them. */
    char **files = mr_xcalloc(1, sizeof(char *));
    int r = 0;
    for (size_t i = 0; r >= 0 && i < res->n_findings; i++) {
        const struct mr_finding *f = &res->findings[i];
        if (!mr_finding_is(f, NULL) || !f->file || mr_strv_contains(files, f->file))
            continue;
        mr_strv_push(&files, f->file);
        r = fx_edit_file(cs, "Exports.lns", f->file, 0644, edit, res);
    }
    if (r >= 0 && files[0])
        mr_change_restart(cs, "nfs-server");
    mr_strv_free(files);
    return r;
}

const struct mr_fixer mr_fixer_nfs_exports = {
    .check_id = "nfs.exports",
    .run = run,
};
