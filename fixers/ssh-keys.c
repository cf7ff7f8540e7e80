/* ssh.keys: the migration user's key pair, authorized_keys and modes.
 * - No key pair: ssh-keygen (ed25519, no passphrase) makes one in a
 *   private folder inside the root (mr_change_tmpdir); the two files are installed
 *   through the root-safe writer, the user's, 0600 and 0644. The private
 *   key never appears in the output: "generate key pair PATH" stands for it.
 * - authorized_keys (through Augeas's Authorized_Keys lens) gets the user's
 *   own public key and the keys the site's authorized_keys key lists
 *   (inline keys or files of keys), those it lacks, at the end.
 * - Modes and owners sshd's StrictModes and ssh insist on: ~/.ssh 0700,
 *   the private key 0600, authorized_keys 0600, all the user's; a home that
 *   others can write loses go-w. A missing home is not created. */
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

static const char *const key_names[] = {"id_ed25519", "id_ecdsa", "id_rsa"};

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

static void owner_mode(struct mr_change_set *cs, const struct who *w, const char *path,
                       mode_t mode, bool exact)
{
    struct stat st;
    if (mr_root_stat(mr_change_ctx(cs)->root, path, &st, false) < 0)
        return;
    if (st.st_uid != w->uid) {
        mr_change_chown(cs, path, w->uid, w->gid);
        mr_change_describe(cs, "chown %s %s", w->user, path);
    }
    mode_t cur = st.st_mode & 07777;
    mode_t want = exact ? mode : (cur & ~(mode_t)077) | (cur & mode & 077);
    if (cur != want) {
        mr_change_chmod(cs, path, want);
        mr_change_describe(cs, "chmod %04o %s", (unsigned)want, path);
    }
}

/* The keys the site configuration lists: inline, or files of keys. */
static void site_keys(const struct mr_ctx *ctx, char ***lines)
{
    const char *list = mr_ctx_site(ctx, "authorized_keys");
    if (!list)
        return;
    char *copy = mr_xstrdup(list), *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        item = mr_strip(item);
        if (item[0] != '/') {
            if (*item)
                mr_strv_push(lines, item);
            continue;
        }
        char *buf = NULL;
        if (mr_root_read(ctx->root, item, KEY_MAX, &buf, NULL) < 0)
            continue;
        char *s2 = NULL;
        for (char *l = strtok_r(buf, "\n", &s2); l; l = strtok_r(NULL, "\n", &s2))
            mr_strv_push(lines, l);
        free(buf);
    }
    free(copy);
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

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    (void)res;
    struct who w = {.user = mr_ctx_migration_user(ctx)};
    if (mr_ctx_user(ctx, w.user, &w.uid, &w.gid) < 0)
        return 0;
    char *home = mr_ctx_user_home(ctx, w.user);
    struct stat st;
    if (!home || mr_root_stat(ctx->root, home, &st, false) < 0 || !S_ISDIR(st.st_mode)) {
        free(home);
        return 0;
    }
    char *dir = mr_xasprintf("%s/.ssh", strcmp(home, "/") == 0 ? "" : home);
    char *priv = NULL, *pub = NULL, *ak = NULL, *own = NULL, *host = NULL;
    char **keys = mr_xcalloc(1, sizeof(char *));
    int r = 0;

    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        mr_change_chmod(cs, home, st.st_mode & 07755);
        mr_change_describe(cs, "chmod go-w %s", home);
    }
    bool have_dir = mr_root_stat(ctx->root, dir, &st, false) == 0;
    if (have_dir && !S_ISDIR(st.st_mode))
        goto cleanup; /* something else is there: the operator's call */
    if (!have_dir) {
        mr_change_mkdir(cs, dir, 0700, w.uid, w.gid);
        mr_change_describe(cs, "created %s (0700, %s)", dir, w.user);
    } else {
        owner_mode(cs, &w, dir, 0700, true);
    }

    for (size_t i = 0; i < MR_ARRAY_SIZE(key_names) && !priv; i++) {
        char *p = mr_xasprintf("%s/%s", dir, key_names[i]);
        if (mr_root_stat(ctx->root, p, &st, true) == 0)
            priv = p;
        else
            free(p);
    }
    if (!priv) {
        priv = mr_xasprintf("%s/id_ed25519", dir);
        pub = mr_xasprintf("%s.pub", priv);
        host = mr_ctx_hostname(ctx);
        char *comment = mr_xasprintf("%s@%s", w.user, host ? host : "localhost");
        char *ptext = NULL, *msg = NULL;
        r = keygen(cs, comment, &ptext, &own, &msg);
        free(comment);
        if (r < 0) {
            mr_change_error(cs, "%s", msg);
            free(msg);
            goto cleanup;
        }
        char *shown = mr_xasprintf("generate key pair %s", priv);
        /* The public half first: a run killed between the two leaves no
         * private key, so the next run makes a new pair over it, rather
         * than a private key whose public half is missing. */
        mr_change_create(cs, pub, own, 0644, w.uid, w.gid, NULL);
        mr_change_create(cs, priv, ptext, 0600, w.uid, w.gid, shown);
        mr_change_describe(cs, "generated the key pair %s (ed25519, no passphrase)", priv);
        free(shown);
        free(ptext);
    } else {
        if (mr_root_stat(ctx->root, priv, &st, true) == 0 && S_ISREG(st.st_mode))
            owner_mode(cs, &w, priv, 0600, false);
        pub = mr_xasprintf("%s.pub", priv);
        if (mr_root_read(ctx->root, pub, KEY_MAX, &own, NULL) < 0)
            own = NULL;
    }
    if (own)
        mr_strv_push(&keys, own);
    site_keys(ctx, &keys);

    ak = mr_xasprintf("%s/authorized_keys", dir);
    if (mr_root_stat(ctx->root, ak, &st, false) == 0) {
        if (!S_ISREG(st.st_mode))
            goto cleanup;
        if (st.st_uid != w.uid && st.st_uid != 0) {
            mr_change_chown(cs, ak, w.uid, w.gid);
            mr_change_describe(cs, "chown %s %s", w.user, ak);
        }
        if (st.st_mode & 077) {
            mr_change_chmod(cs, ak, 0600);
            mr_change_describe(cs, "chmod 0600 %s", ak);
        }
    }
    if (keys[0])
        r = authorize(cs, &w, ak, keys);

cleanup:
    mr_strv_free(keys);
    free(own);
    free(host);
    free(ak);
    free(pub);
    free(priv);
    free(dir);
    free(home);
    return r;
}

const struct mr_fixer mr_fixer_ssh_keys = {
    .check_id = "ssh.keys",
    .run = run,
};
