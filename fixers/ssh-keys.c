/* ssh.keys: the edits the check's findings name (see checks/ssh.c), for the
 * migration user.
 * - keygen: ssh-keygen (ed25519, no passphrase) makes the pair in a private
 *   folder inside the root (mr_change_tmpdir), removed with the run; the two
 *   files are installed through the root-safe writer, the user's, 0600 and
 *   0644. The private key never appears in the output: "generate key pair
 *   PATH" stands for it.
 * - authorize: authorized_keys (through Augeas's Authorized_Keys lens) gets
 *   the keys named (a line, or the lines of a file such as the new public
 *   key), those it lacks, at the end; a new file is the user's, 0600.
 * - mkdir, chmod, chown: the folder, modes and owners named. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixers.h"
#include "ops.h"

#define KEY_MAX (1u << 20)

struct who {
    const char *user;
    uid_t uid;
    gid_t gid;
};

/* "type blob [comment]" of a public key line; false when it is not one. */
static bool split_key(const char *line, char **type, char **blob, char **comment)
{
    while (isspace((unsigned char)*line))
        line++;
    if (!*line || *line == '#')
        return false;
    size_t tn = strcspn(line, " \t\r\n");
    const char *b = line + tn;
    while (*b == ' ' || *b == '\t')
        b++;
    size_t bn = strcspn(b, " \t\r\n");
    if (tn == 0 || bn == 0)
        return false;
    const char *c = b + bn;
    while (*c == ' ' || *c == '\t')
        c++;
    *type = mr_xstrndup(line, tn);
    *blob = mr_xstrndup(b, bn);
    *comment = mr_xstrndup(c, strcspn(c, "\r\n"));
    return true;
}

/* Runs ssh-keygen into a private folder inside the root (never the host's
 * /tmp: the private key must not outlive the run outside it); the two
 * files' text in *RET_PRIV and *RET_PUB. The change set removes the folder. */
static int keygen(struct mr_change_set *cs, const char *comment, char **ret_priv, char **ret_pub,
                  char **ret_msg)
{
    const struct mr_ctx *ctx = mr_change_ctx(cs);
    const char *dir = NULL;
    int r = mr_change_tmpdir(cs, "keygen", &dir);
    if (r < 0) {
        *ret_msg = mr_xasprintf("cannot make a private folder for ssh-keygen: %s", strerror(-r));
        return r;
    }
    const char *rp = mr_root_path(ctx->root);
    char *key = mr_xasprintf("%s%s/id_ed25519", strcmp(rp, "/") == 0 ? "" : rp, dir);
    const char *argv[] = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key,
                          "-C", comment, NULL};
    char *out = NULL;
    r = ctx->ops && ctx->ops->run ? ctx->ops->run(argv, 60000, &out) : -ENOSYS;
    free(out);
    if (r != 0) {
        *ret_msg = mr_xasprintf("ssh-keygen could not make a key pair: %s",
                                r < 0 ? strerror(-r) : "it failed");
        r = r < 0 ? r : -EIO;
    } else {
        char *priv = mr_xasprintf("%s/id_ed25519", dir), *pub = mr_xasprintf("%s.pub", priv);
        r = mr_root_read(ctx->root, priv, KEY_MAX, ret_priv, NULL);
        if (r == 0)
            r = mr_root_read(ctx->root, pub, KEY_MAX, ret_pub, NULL);
        if (r < 0) {
            free(*ret_priv);
            *ret_priv = NULL;
            *ret_msg = mr_xasprintf("cannot read the key ssh-keygen made: %s", strerror(-r));
        }
        free(pub);
        free(priv);
    }
    free(key);
    return r;
}

static int authorize(struct mr_change_set *cs, const struct who *w, const char *ak,
                     char *const *keys)
{
    struct mr_aug_edit *e = NULL;
    int r = fx_open(cs, "Authorized_Keys.lns", ak, &e);
    if (r < 0)
        return r;
    augeas *aug = mr_aug_edit_aug(e);
    const char *top = mr_aug_edit_top(e);
    for (size_t i = 0; keys[i]; i++) {
        char *type = NULL, *blob = NULL, *comment = NULL;
        if (!split_key(keys[i], &type, &blob, &comment))
            continue;
        char *p = mr_xasprintf("%s/key[. = '%s'][type = '%s']", top, blob, type);
        bool have = aug_match(aug, p, NULL) > 0;
        free(p);
        if (!have) {
            p = mr_xasprintf("%s/key[last() + 1]", top);
            aug_set(aug, p, blob);
            free(p);
            p = mr_xasprintf("%s/key[last()]/type", top);
            aug_set(aug, p, type);
            free(p);
            if (*comment) {
                p = mr_xasprintf("%s/key[last()]/comment", top);
                aug_set(aug, p, comment);
                free(p);
            }
            mr_change_describe(cs, "added the %s key %s to %s", type, *comment ? comment : "",
                               ak);
        }
        free(type);
        free(blob);
        free(comment);
    }
    char *text = NULL, *msg = NULL;
    r = mr_aug_edit_text(e, &text, &msg);
    mr_aug_edit_free(e);
    if (r < 0) {
        mr_change_error(cs, "%s: %s", ak, msg);
        free(msg);
        return r;
    }
    mr_change_create(cs, ak, text, 0600, w->uid, w->gid, NULL);
    free(text);
    return 0;
}

/* Makes the key pair PRIV (and PRIV.pub) for W. */
static int make_key(const struct mr_ctx *ctx, struct mr_change_set *cs, const struct who *w,
                    const char *priv)
{
    char *host = mr_ctx_hostname(ctx);
    char *comment = mr_xasprintf("%s@%s", w->user, host ? host : "localhost");
    char *ptext = NULL, *own = NULL, *msg = NULL;
    int r = keygen(cs, comment, &ptext, &own, &msg);
    free(comment);
    free(host);
    if (r < 0) {
        mr_change_error(cs, "%s", msg);
        free(msg);
        return r;
    }
    char *pub = mr_xasprintf("%s.pub", priv);
    char *shown = mr_xasprintf("generate key pair %s", priv);
    /* The public half first: a run killed between the two leaves no
     * private key, so the next run makes a new pair over it, rather than a
     * private key whose public half is missing. */
    mr_change_create(cs, pub, own, 0644, w->uid, w->gid, NULL);
    mr_change_create(cs, priv, ptext, 0600, w->uid, w->gid, shown);
    mr_change_describe(cs, "generated the key pair %s (ed25519, no passphrase)", priv);
    free(shown);
    free(pub);
    free(ptext);
    free(own);
    return 0;
}

/* The lines of PATH's text as it will be (a public key made by an earlier
 * edit included), added to *KEYS; nothing when it cannot be read. */
static void file_keys(struct mr_change_set *cs, const char *path, char ***keys)
{
    const char *text = NULL;
    if (mr_change_text(cs, path, &text) < 0)
        return;
    char *buf = mr_xstrdup(text), *save = NULL;
    for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        mr_strv_push(keys, l);
    free(buf);
}

/* A finding the fixer acts on: a fail, or a warning the check attached a
 * fix to (it is made with the rest once the check fails). */
static bool acts(const struct mr_finding *f)
{
    return (f->status == MR_FAIL || f->status == MR_WARN) && f->code &&
           strcmp(f->code, "ssh") == 0;
}

static bool same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether a finding before findings[UPTO] has the edit ED: one fix, once. */
static bool done_before(const struct mr_result *res, size_t upto, const struct mr_edit *ed)
{
    for (size_t i = 0; i < upto; i++) {
        const struct mr_finding *f = &res->findings[i];
        for (size_t k = 0; acts(f) && k < f->n_also; k++)
            if (same(f->also[k].section, ed->section) && same(f->also[k].key, ed->key) &&
                same(f->also[k].want, ed->want))
                return true;
    }
    return false;
}

/* One edit of a finding (see checks/ssh.c); keys to authorize go to *KEYS
 * and the file to *AK. */
static int apply(const struct mr_ctx *ctx, struct mr_change_set *cs, const struct who *w,
                 const struct mr_edit *ed, char ***keys, const char **ak)
{
    const char *what = ed->section ? ed->section : "";
    if (strcmp(what, "mkdir") == 0) {
        mr_change_mkdir(cs, ed->key, (mode_t)strtol(ed->want, NULL, 8), w->uid, w->gid);
        mr_change_describe(cs, "created %s (%s, %s)", ed->key, ed->want, w->user);
    } else if (strcmp(what, "keygen") == 0) {
        return make_key(ctx, cs, w, ed->key);
    } else if (strcmp(what, "chmod") == 0) {
        mr_change_chmod(cs, ed->key, (mode_t)strtol(ed->want, NULL, 8));
        mr_change_describe(cs, "chmod %s %s", ed->want, ed->key);
    } else if (strcmp(what, "chown") == 0) {
        uid_t uid;
        gid_t gid;
        if (mr_ctx_user(ctx, ed->want, &uid, &gid) < 0) {
            mr_change_error(cs, "cannot look up %s to chown %s", ed->want, ed->key);
            return -ENOENT;
        }
        mr_change_chown(cs, ed->key, uid, gid);
        mr_change_describe(cs, "chown %s %s", ed->want, ed->key);
    } else if (strcmp(what, "authorize") == 0) {
        mr_strv_push(keys, ed->want);
        *ak = ed->key;
    } else if (strcmp(what, "authorize-file") == 0) {
        file_keys(cs, ed->want, keys);
        *ak = ed->key;
    }
    return 0;
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    bool any = false;
    for (size_t i = 0; i < res->n_findings; i++)
        any |= acts(&res->findings[i]);
    if (!any)
        return 0;
    struct who w = {.user = mr_ctx_migration_user(ctx)};
    if (mr_ctx_user(ctx, w.user, &w.uid, &w.gid) < 0)
        return 0;
    char **keys = mr_xcalloc(1, sizeof(char *));
    const char *ak = NULL;
    int r = 0;
    for (size_t i = 0; r >= 0 && i < res->n_findings; i++) {
        const struct mr_finding *f = &res->findings[i];
        for (size_t k = 0; r >= 0 && acts(f) && k < f->n_also; k++)
            if (!done_before(res, i, &f->also[k]))
                r = apply(ctx, cs, &w, &f->also[k], &keys, &ak);
    }
    if (r >= 0 && ak && keys[0])
        r = authorize(cs, &w, ak, keys);
    mr_strv_free(keys);
    return r;
}

const struct mr_fixer mr_fixer_ssh_keys = {
    .check_id = "ssh.keys",
    .run = run,
};
