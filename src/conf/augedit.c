#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "augedit.h"
#include "migready.h"
#include "paths.h"

#define TEXT_NODE "/text/x"
#define TREE_NODE "/tree/x"

struct mr_aug_edit {
    augeas *aug;
    char *lens;
    bool crlf; /* the text had CRLF line ends, which the edited text keeps */
};

/* Lenses of files whose program reads CRLF line ends as its own: libvirt's
 * virConf takes a CR as a line end (src/util/virconf.c, IS_EOL). The lenses
 * do not, so the text is parsed with LF ends and written back with CRLF. */
static const char *const crlf_lenses[] = {"Libvirtd.lns", "Libvirtd_qemu.lns", "Virtconf.lns"};

/* Copies line LINE (1-based) of BUF, without its newline. */
static char *line_text(const char *buf, long line)
{
    const char *p = buf;
    for (long i = 1; i < line && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return p ? mr_xstrndup(p, strcspn(p, "\n")) : mr_xstrdup("");
}

static char *parse_error(augeas *aug, const char *lens, const char *path, const char *text)
{
    const char *err = NULL, *msg = NULL, *line_s = NULL;
    long line = 0;
    if (aug_get(aug, "/augeas/text" TREE_NODE "/error", &err) != 1 || !err) {
        const char *detail = aug_error_details(aug);
        return mr_xasprintf("%s: cannot parse with %s: %s%s%s", path, lens,
                            aug_error_message(aug), detail ? ": " : "", detail ? detail : "");
    }
    aug_get(aug, "/augeas/text" TREE_NODE "/error/message", &msg);
    aug_get(aug, "/augeas/text" TREE_NODE "/error/line", &line_s);
    if (mr_parse_long(line_s, &line) < 0 || line < 1)
        line = 1;
    char *l = line_text(text, line);
    char *t = mr_strip(l);
    size_t klen = 0;
    while (isalnum((unsigned char)t[klen]) || t[klen] == '_' || t[klen] == '.' || t[klen] == '-')
        klen++;
    char *ret;
    if (klen > 0)
        ret = mr_xasprintf("%s:%ld: cannot parse the line of \"%.*s\" with %s: %s", path, line,
                           (int)klen, t, lens, msg ? msg : err);
    else
        ret = mr_xasprintf("%s:%ld: cannot parse with %s: %s", path, line, lens, msg ? msg : err);
    free(l);
    return ret;
}

int mr_aug_edit_new(const char *lens, const char *path, const char *text,
                    struct mr_aug_edit **ret, char **ret_msg)
{
    augeas *aug = aug_init(NULL, mr_lens_dir(), AUG_NO_LOAD | AUG_NO_MODL_AUTOLOAD |
                                                    AUG_ENABLE_SPAN);
    if (!aug || aug_error(aug) != AUG_NOERROR) {
        aug_close(aug);
        *ret_msg = mr_xstrdup("cannot initialise Augeas");
        return -ENOMEM;
    }
    enum mr_eol eol = MR_EOL_LF;
    char *lf = NULL;
    for (size_t i = 0; i < MR_ARRAY_SIZE(crlf_lenses) && !lf; i++)
        if (strcmp(lens, crlf_lenses[i]) == 0)
            lf = mr_text_to_lf(text, &eol);
    if (eol == MR_EOL_MIXED) {
        /* Which line had which end would be lost in the edit. */
        free(lf);
        aug_close(aug);
        *ret_msg = mr_xasprintf("%s: mixes CRLF and LF line ends", path);
        return -EINVAL;
    }
    if (lf)
        text = lf;
    /* The lenses want every line ended; so does the file we write. */
    size_t n = strlen(text);
    char *t = n > 0 && text[n - 1] != '\n' ? mr_xasprintf("%s\n", text) : mr_xstrdup(text);
    free(lf);
    int r = 0;
    if (aug_set(aug, TEXT_NODE, t) < 0 || aug_text_store(aug, lens, TEXT_NODE, TREE_NODE) < 0) {
        *ret_msg = parse_error(aug, lens, path, t);
        r = -EINVAL;
        aug_close(aug);
    } else {
        struct mr_aug_edit *e = mr_xcalloc(1, sizeof(*e));
        e->aug = aug;
        e->lens = mr_xstrdup(lens);
        e->crlf = eol == MR_EOL_CRLF;
        *ret = e;
    }
    free(t);
    return r;
}

void mr_aug_edit_free(struct mr_aug_edit *e)
{
    if (!e)
        return;
    aug_close(e->aug);
    free(e->lens);
    free(e);
}

augeas *mr_aug_edit_aug(struct mr_aug_edit *e)
{
    return e->aug;
}

const char *mr_aug_edit_top(const struct mr_aug_edit *e)
{
    (void)e;
    return TREE_NODE;
}

int mr_aug_edit_text(struct mr_aug_edit *e, char **ret_text, char **ret_msg)
{
    const char *out = NULL;
    aug_rm(e->aug, "/out");
    if (aug_text_retrieve(e->aug, e->lens, TEXT_NODE, TREE_NODE, "/out") < 0 ||
        aug_get(e->aug, "/out", &out) != 1 || !out) {
        const char *err = NULL, *detail = aug_error_details(e->aug);
        aug_get(e->aug, "/augeas/text/out/error/message", &err);
        if (!err)
            aug_get(e->aug, "/augeas/text/out/error", &err);
        *ret_msg = mr_xasprintf("cannot write the edited tree back with %s: %s%s%s", e->lens,
                                err ? err : aug_error_message(e->aug), detail ? ": " : "",
                                detail ? detail : "");
        return -EINVAL;
    }
    *ret_text = e->crlf ? mr_text_to_crlf(out) : mr_xstrdup(out);
    return 0;
}

static void free_matches(char **m, int n)
{
    for (int i = 0; i < n; i++)
        free(m[i]);
    free(m);
}

int mr_aug_edit_set(struct mr_aug_edit *e, const char *parent, const char *key,
                    const char *value)
{
    augeas *aug = e->aug;
    char *node = mr_xasprintf("%s/%s[last()]", parent, key);
    char *pat = NULL, **m = NULL;
    int n = 0, r;
    const char *old = NULL;

    if (aug_get(aug, node, &old) == 1) {
        if (old && value && strcmp(old, value) == 0) {
            r = 0;
            goto cleanup;
        }
        r = aug_set(aug, node, value) < 0 ? -EINVAL : 1;
        goto cleanup;
    }
    if (aug_match(aug, parent, NULL) <= 0 && aug_set(aug, parent, NULL) < 0) {
        r = -EINVAL;
        goto cleanup;
    }
    /* The commented-out default ("#listen_tcp = 1") is where people look. */
    pat = mr_xasprintf("%s/#comment[. =~ regexp('%s[ \t]*[=:].*')]", parent, key);
    n = aug_match(aug, pat, &m);
    if (n > 0) {
        if (aug_insert(aug, m[n - 1], key, 0) < 0) {
            r = -EINVAL;
            goto cleanup;
        }
        free(node);
        node = mr_xasprintf("%s/%s", parent, key);
    } else {
        /* After the last setting: the blank lines and comments that end a
         * section belong to what follows them. */
        free_matches(m, n);
        char *all = mr_xasprintf("%s/*", parent);
        n = aug_match(aug, all, &m);
        free(all);
        int last = -1;
        for (int i = 0; i < n; i++) {
            const char *label = NULL;
            if (aug_label(aug, m[i], &label) == 1 && label && label[0] != '#')
                last = i;
        }
        free(node);
        if (last >= 0) {
            if (aug_insert(aug, m[last], key, 0) < 0) {
                r = -EINVAL;
                goto cleanup;
            }
            node = mr_xasprintf("%s/%s", parent, key);
        } else {
            node = mr_xasprintf("%s/%s[last() + 1]", parent, key);
        }
    }
    r = aug_set(aug, node, value) < 0 ? -EINVAL : 1;

cleanup:
    free_matches(m, n);
    free(pat);
    free(node);
    return r;
}

int mr_aug_edit_comment_out(struct mr_aug_edit *e, const char *node, const char *text)
{
    augeas *aug = e->aug;
    if (aug_match(aug, node, NULL) != 1)
        return 0;
    if (aug_insert(aug, node, "#comment", 1) < 0)
        return -EINVAL;
    char *c = mr_xasprintf("%s/preceding-sibling::#comment[1]", node);
    int r = aug_set(aug, c, text) < 0 ? -EINVAL : 0;
    free(c);
    if (r == 0 && aug_rm(aug, node) < 0)
        r = -EINVAL;
    return r < 0 ? r : 1;
}

int mr_aug_edit_rm(struct mr_aug_edit *e, const char *pattern)
{
    int n = aug_rm(e->aug, pattern);
    return n < 0 ? -EINVAL : n;
}
