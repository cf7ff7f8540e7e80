#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fixers.h"

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

const char *fx_transport(const struct mr_ctx *ctx)
{
    const char *t = mr_ctx_value(ctx, "transport");
    return t ? t : "tcp";
}
