#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixers.h"
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

char **fx_site_hosts(const struct mr_ctx *ctx)
{
    char **v = mr_xcalloc(1, sizeof(char *));
    const char *list = mr_ctx_site(ctx, "hosts");
    if (!list)
        return v;
    char **items = mr_split_list(list);
    for (size_t i = 0; items[i]; i++) {
        char *eq = strchr(items[i], '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *name = mr_strip(items[i]), *addr = mr_strip(eq + 1);
        if (!*name || !mr_addr_is_literal(addr) || mr_addr_is_loopback(addr))
            continue;
        mr_strv_push(&v, name);
        mr_strv_push(&v, addr);
    }
    mr_strv_free(items);
    return v;
}

const char *fx_site_host_addr(char *const *pairs, const char *name)
{
    for (size_t i = 0; pairs[i] && pairs[i + 1]; i += 2)
        if (strcasecmp(pairs[i], name) == 0)
            return pairs[i + 1];
    return NULL;
}

char *fx_own_address(const struct mr_ctx *ctx, const char **ret_from)
{
    const char *a = mr_ctx_site(ctx, "address");
    if (a && mr_addr_is_literal(a) && !mr_addr_is_loopback(a)) {
        *ret_from = "address in the site configuration";
        return mr_xstrdup(a);
    }
    const struct mr_novaconf *conf = NULL;
    const char *msg = NULL;
    struct mr_novaval v;
    if (mr_ctx_nova(ctx, &conf, &msg) == 0 && conf &&
        mr_novaconf_get(conf, "DEFAULT", "my_ip", &v) && v.value && v.file &&
        mr_addr_is_literal(v.value) && !mr_addr_is_loopback(v.value)) {
        *ret_from = "my_ip in nova.conf";
        return mr_xstrdup(v.value);
    }
    return NULL;
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
