/* nfs.fstab: the fstab fields the check's failing findings name, through
 * Augeas's Fstab lens; never a mount (mounting on a running compute host
 * hides the instances under it: the operator's step).
 * - "no-entry": a new entry at the end, its fields the finding's edits;
 * - "not-nfs", "source", "read-only": the fields they name (source, type,
 *   options) of the entry at the finding's line.
 * The check knows the site's NFS server; without one it names no edit and
 * nothing is written. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fixers.h"

/* Whether option or type node NODE reads as ITEM ("name" or "name=value"). */
static bool node_is(augeas *aug, const char *node, const char *item)
{
    const char *name = NULL, *value = NULL;
    aug_get(aug, node, &name);
    char *vp = mr_xasprintf("%s/value", node);
    bool has_value = aug_get(aug, vp, &value) == 1;
    free(vp);
    size_t n = name ? strlen(name) : 0;
    if (!name || strncmp(item, name, n) != 0)
        return false;
    if (!has_value)
        return item[n] == '\0';
    return item[n] == '=' && strcmp(item + n + 1, value ? value : "") == 0;
}

/* Makes the LABEL list ("vfstype", "opt") of ENTRY exactly WANT (comma
 * separated): what it does not name goes, what it lacks is added after
 * the last of the list, else after the field PREV. */
static int set_list(augeas *aug, const char *entry, const char *label, const char *prev,
                    const char *want)
{
    char **items = mr_split_list(want);
    bool *have = mr_xcalloc(mr_strv_len(items) + 1, sizeof(bool));
    char *pat = mr_xasprintf("%s/%s", entry, label);
    char **m = NULL;
    int n = aug_match(aug, pat, &m);
    size_t left = n > 0 ? (size_t)n : 0;
    /* Backwards: removing a node renumbers those after it. */
    for (int i = n - 1; i >= 0; i--) {
        bool keep = false;
        for (size_t k = 0; items[k] && !keep; k++)
            if (!have[k] && node_is(aug, m[i], items[k]))
                keep = have[k] = true;
        if (!keep && aug_rm(aug, m[i]) > 0)
            left--;
        free(m[i]);
    }
    free(m);
    int r = 0;
    for (size_t k = 0; items[k] && r >= 0; k++) {
        if (have[k])
            continue;
        char *after = left ? mr_xasprintf("%s[last()]", pat) : mr_xasprintf("%s/%s", entry, prev);
        char *node = mr_xasprintf("%s[last()]", pat);
        char *eq = strchr(items[k], '=');
        if (eq)
            *eq = '\0';
        r = aug_insert(aug, after, label, 0);
        if (r >= 0)
            r = aug_set(aug, node, items[k]);
        if (r >= 0 && eq) {
            char *vp = mr_xasprintf("%s/value", node);
            r = aug_set(aug, vp, eq + 1);
            free(vp);
        }
        left++;
        free(node);
        free(after);
    }
    free(pat);
    free(have);
    mr_strv_free(items);
    return r < 0 ? -EINVAL : 0;
}

/* Sets the fields a finding names in ENTRY. */
static int set_fields(augeas *aug, const char *entry, const struct mr_finding *f)
{
    struct mr_edit buf;
    const struct mr_edit *ed;
    int r = 0;
    for (size_t k = 0; r >= 0 && (ed = mr_finding_edit(f, k, &buf)); k++) {
        if (strcmp(ed->key, "vfstype") == 0) {
            r = set_list(aug, entry, "vfstype", "file", ed->want);
        } else if (strcmp(ed->key, "opt") == 0) {
            r = set_list(aug, entry, "opt", "vfstype[last()]", ed->want);
        } else {
            char *p = mr_xasprintf("%s/%s", entry, ed->key);
            r = aug_set(aug, p, ed->want) < 0 ? -EINVAL : 0;
            free(p);
        }
    }
    return r;
}

static char *field(augeas *aug, const char *entry, const char *child)
{
    char *p = mr_xasprintf("%s/%s", entry, child);
    const char *v = NULL;
    aug_get(aug, p, &v);
    free(p);
    return mr_xstrdup(v ? v : "?");
}

static int edit(const struct mr_result *res, struct mr_aug_edit *e, struct mr_change_set *cs,
                const char *file)
{
    augeas *aug = mr_aug_edit_aug(e);
    int r = 0;
    char *pat = mr_xasprintf("%s/*[file]", mr_aug_edit_top(e));
    for (size_t i = 0; r >= 0 && i < res->n_findings; i++) {
        const struct mr_finding *f = &res->findings[i];
        if (mr_finding_is(f, "no-entry")) {
            char *entry = mr_xasprintf("%s/01", mr_aug_edit_top(e));
            r = set_fields(aug, entry, f);
            char *all = NULL;
            struct mr_edit buf;
            const struct mr_edit *ed;
            for (size_t k = 0; (ed = mr_finding_edit(f, k, &buf)); k++) {
                char *a = mr_xasprintf("%s%s%s", all ? all : "", all ? " " : "", ed->want);
                free(all);
                all = a;
            }
            char *mnt = field(aug, entry, "file");
            mr_change_describe(cs, "added '%s' to %s (not mounted: mount %s once nothing uses "
                               "the local folder)", all ? all : "", file, mnt);
            free(mnt);
            free(all);
            free(entry);
            continue;
        }
        if (!mr_finding_is(f, NULL))
            continue;
        char *entry = fx_node_in_file(cs, e, file, pat, f->line);
        if (!entry) {
            mr_change_error(cs, "%s: no entry at line %d, where the check found it", file,
                            f->line);
            r = -ENOENT;
            break;
        }
        r = set_fields(aug, entry, f);
        char *mnt = field(aug, entry, "file");
        if (mr_finding_is(f, "not-nfs")) {
            char *spec = field(aug, entry, "spec");
            mr_change_describe(cs, "made the %s entry of %s '%s %s nfs4 defaults' (was %s)",
                               file, mnt, spec, mnt, f->value ? f->value : "?");
            free(spec);
        } else if (f->key && strcmp(f->key, "spec") == 0) {
            mr_change_describe(cs, "mounted %s from %s in %s", mnt, f->want, file);
        } else if (f->key) {
            mr_change_describe(cs, "set the options of %s to %s in %s (were %s)", mnt, f->want,
                               file, f->value ? f->value : "?");
        }
        free(mnt);
        free(entry);
    }
    free(pat);
    return r;
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    (void)ctx;
    /* Every finding with data names the one fstab the check read. */
    for (size_t i = 0; i < res->n_findings; i++)
        if (mr_finding_is(&res->findings[i], NULL) && res->findings[i].file)
            return fx_edit_file(cs, "Fstab.lns", res->findings[i].file, 0644, edit, res);
    return 0;
}

const struct mr_fixer mr_fixer_nfs_fstab = {
    .check_id = "nfs.fstab",
    .run = run,
};
