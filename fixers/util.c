#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fixers.h"
#include "hostsfile.h"
#include "novaconf.h"

int fx_open(struct mr_change_set *cs, const char *lens, const char *path,
            struct mr_aug_edit **ret)
{
    const char *text = NULL;
    int r = mr_change_text(cs, path, &text);
    if (r == -ENOENT)
        text = "";
    else if (r < 0) {
        mr_change_error(cs, "cannot read %s: %s", path, strerror(-r));
        return r;
    }
    char *msg = NULL;
    r = mr_aug_edit_new(lens, path, text, ret, &msg);
    if (r < 0) {
        mr_change_error(cs, "%s; migready changes files only through their lens, so %s was "
                        "left as it is", msg, path);
        free(msg);
    }
    return r;
}

int fx_commit(struct mr_change_set *cs, struct mr_aug_edit *e, const char *path, mode_t mode)
{
    char *text = NULL, *msg = NULL;
    int r = mr_aug_edit_text(e, &text, &msg);
    if (r < 0) {
        mr_change_error(cs, "%s: %s", path, msg);
        free(msg);
    } else {
        mr_change_write(cs, path, text, mode);
        free(text);
    }
    mr_aug_edit_free(e);
    return r;
}

char *fx_nova_section(struct mr_aug_edit *e, const char *section)
{
    char *p = mr_xasprintf("%s/%s", mr_aug_edit_top(e), section);
    if (aug_match(mr_aug_edit_aug(e), p, NULL) > 0) {
        char *l = mr_xasprintf("%s[last()]", p);
        free(p);
        return l;
    }
    return p;
}

int fx_edit_file(struct mr_change_set *cs, const char *lens, const char *file, mode_t mode,
                 fx_edit_fn edit, const struct mr_result *res)
{
    struct mr_aug_edit *e = NULL;
    int r = fx_open(cs, lens, file, &e);
    if (r < 0)
        return r;
    r = edit(res, e, cs, file);
    if (r < 0) {
        mr_aug_edit_free(e);
        mr_change_error(cs, "%s: cannot edit the tree of %s", file, lens);
        return r;
    }
    return fx_commit(cs, e, file, mode);
}

int fx_nova_comment_out(struct mr_aug_edit *e, const char *section, const char *key,
                        const char *why)
{
    char *pat = mr_xasprintf("%s/%s/%s", mr_aug_edit_top(e), section, key);
    char **m = NULL;
    int n = aug_match(mr_aug_edit_aug(e), pat, &m);
    for (int i = n - 1; i >= 0; i--) {
        const char *old = NULL;
        aug_get(mr_aug_edit_aug(e), m[i], &old);
        char *text = mr_xasprintf("%s = %s (%s)", key, old ? old : "", why);
        mr_aug_edit_comment_out(e, m[i], text);
        free(text);
    }
    for (int i = 0; i < n; i++)
        free(m[i]);
    free(m);
    free(pat);
    return n < 0 ? 0 : n;
}

int fx_nova_set(struct mr_change_set *cs, const struct mr_finding *f)
{
    /* A setting left at Nova's default goes into the layout's nova.conf
     * (kolla's /etc/kolla/nova-compute/nova.conf, ...). */
    const char *file = f->file ? f->file
                               : mr_ctx_path(mr_change_ctx(cs), "nova_conf", FX_NOVA_CONF);
    struct mr_aug_edit *e = NULL;
    int r = fx_open(cs, "Nova.lns", file, &e);
    if (r < 0)
        return r;
    if (f->alias_key) {
        /* Commented out, not deleted: the operator sees what it was. */
        char *why = mr_xasprintf("replaced by [%s] %s", f->section, f->key);
        fx_nova_comment_out(e, f->alias_section, f->alias_key, why);
        free(why);
        mr_change_describe(cs, "commented out the deprecated [%s] %s in %s", f->alias_section,
                           f->alias_key, file);
    }
    char *parent = fx_nova_section(e, f->section);
    r = mr_aug_edit_set(e, parent, f->key, f->want);
    free(parent);
    if (r < 0) {
        mr_aug_edit_free(e);
        mr_change_error(cs, "%s: cannot set [%s] %s", file, f->section, f->key);
        return r;
    }
    mr_change_describe(cs, "set [%s] %s = %s in %s", f->section, f->key, f->want, file);
    return fx_commit(cs, e, file, 0640);
}

char **fx_site_hosts(const struct mr_ctx *ctx)
{
    return mr_hosts_site_pairs(mr_ctx_site(ctx, "hosts"));
}

const char *fx_site_host_addr(char *const *pairs, const char *name)
{
    return mr_hosts_pair_addr(pairs, name);
}

char *fx_node_at_line(struct mr_aug_edit *e, const char *pattern, const char *text, int line)
{
    size_t off = 0;
    for (int l = 1; l < line && text[off]; off++)
        if (text[off] == '\n')
            l++;
    char **m = NULL;
    int n = aug_match(mr_aug_edit_aug(e), pattern, &m);
    char *hit = NULL;
    for (int i = 0; i < n; i++) {
        char *file = NULL;
        unsigned ls, le, vs, ve, ss, se;
        /* The last one: in document order a block comes before what it holds. */
        if (aug_span(mr_aug_edit_aug(e), m[i], &file, &ls, &le, &vs, &ve, &ss, &se) == 0 &&
            off >= ss && off < se) {
            free(hit);
            hit = mr_xstrdup(m[i]);
        }
        free(file);
        free(m[i]);
    }
    free(m);
    return hit;
}

char *fx_node_in_file(struct mr_change_set *cs, struct mr_aug_edit *e, const char *file,
                      const char *pattern, int line)
{
    const char *text = NULL;
    /* Not there: fx_open parsed "" (a read error stopped it before). */
    if (mr_change_text(cs, file, &text) < 0)
        text = "";
    return fx_node_at_line(e, pattern, text, line);
}
