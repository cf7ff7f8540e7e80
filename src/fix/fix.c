/* The fix engine: plan every fixer, show the diff, ask, back up, write
 * atomically, restart on request, and run the fixed checks again. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fix.h"
#include "ops.h"
#include "render.h"

#define MR_FIX_MAX (16u << 20)
#define STATE_DIR "/var/lib/migready"
#define BACKUP_DIR STATE_DIR "/backups"
#define LOCK_FILE STATE_DIR "/lock"
/* The folders a run is about to write temporary files in, for the next run
 * when this one dies before it removes them. */
#define JOURNAL STATE_DIR "/pending"
/* The fixers' scratch folders (ssh-keygen's), inside the root. */
#define TMP_DIR STATE_DIR "/tmp"

enum change_kind { CH_TEXT, CH_LINK, CH_META, CH_DIR, CH_REOWN };

struct change {
    enum change_kind kind;
    char *path;
    bool exists;       /* the file (or link) is there now */
    struct stat st;    /* its metadata when it exists */
    char *old_text;    /* CH_TEXT: the content now; CH_LINK: the target now */
    char *new_text;    /* CH_TEXT: planned content; CH_LINK: planned target; NULL: none */
    mode_t new_mode;   /* CH_TEXT: mode of a new file; CH_DIR: of the new folder */
    uid_t new_uid;     /* CH_TEXT, CH_DIR: owner of a new file or folder */
    gid_t new_gid;
    char *shown;       /* CH_TEXT: shown instead of the diff (a secret: a private key) */
    bool chown, chmod; /* CH_META */
    bool mkdir;        /* CH_DIR: planned */
    uid_t uid;
    gid_t gid;
    mode_t mode;
    bool reown_on;     /* CH_REOWN: planned; the walk's parameters and count in reown */
    struct mr_reown reown;
    bool *owners;      /* by plan index: which fixers planned this change */
    bool failed;
};

/* One fixer's plan for one failed check. */
struct plan {
    size_t result;     /* index into the run's results */
    char *desc;
    char *error;
    char **units;
    char *manual;      /* commands the operator must run by hand (nothing is changed) */
    bool planned;      /* it recorded at least one change */
    bool failed;
};

struct mr_change_set {
    const struct mr_ctx *ctx;
    struct change *ch;
    size_t n_ch;
    struct plan *plans;
    size_t n_plans;
    size_t cur; /* the plan being made */
    char **tmpdirs; /* mr_change_tmpdir's folders, removed with the change set */
    char *tmp_top;  /* the highest folder made for them, removed when empty */
};

const struct mr_ctx *mr_change_ctx(const struct mr_change_set *cs)
{
    return cs->ctx;
}

int mr_change_tmpdir(struct mr_change_set *cs, const char *prefix, const char **ret_path)
{
    const struct mr_root *root = cs->ctx->root;
    static const char *const chain[] = {"/var", "/var/lib", STATE_DIR, TMP_DIR};
    static const mode_t modes[] = {0755, 0755, 0700, 0700};
    int r = 0;
    for (size_t i = 0; i < MR_ARRAY_SIZE(chain) && r == 0; i++) {
        struct stat st;
        if (mr_root_stat(root, chain[i], &st, true) == 0)
            continue;
        r = mr_root_mkdir_p(root, chain[i], modes[i]);
        if (r == 0 && !cs->tmp_top)
            cs->tmp_top = mr_xstrdup(chain[i]);
    }
    char *dir = NULL;
    if (r == 0)
        r = mr_root_mkdtemp(root, TMP_DIR, prefix, &dir);
    if (r < 0)
        return r;
    if (!cs->tmpdirs)
        cs->tmpdirs = mr_xcalloc(1, sizeof(char *));
    mr_strv_push(&cs->tmpdirs, dir);
    free(dir);
    *ret_path = cs->tmpdirs[mr_strv_len(cs->tmpdirs) - 1];
    return 0;
}

/* The scratch folders, then the folders made for them (a dry run leaves no
 * /var/lib/migready behind). */
static void remove_tmpdirs(struct mr_change_set *cs)
{
    const struct mr_root *root = cs->ctx->root;
    for (size_t i = 0; cs->tmpdirs && cs->tmpdirs[i]; i++)
        mr_root_remove_scratch(root, cs->tmpdirs[i]);
    mr_strv_free(cs->tmpdirs);
    cs->tmpdirs = NULL;
    if (cs->tmp_top) {
        char *d = mr_xstrdup(TMP_DIR);
        for (;;) {
            if (mr_root_unlink(root, d, true) < 0 || strcmp(d, cs->tmp_top) == 0)
                break;
            *strrchr(d, '/') = '\0';
        }
        free(d);
        free(cs->tmp_top);
        cs->tmp_top = NULL;
    }
}

static struct change *find_change(struct mr_change_set *cs, enum change_kind kind,
                                  const char *path)
{
    for (size_t i = 0; i < cs->n_ch; i++)
        if (cs->ch[i].kind == kind && strcmp(cs->ch[i].path, path) == 0)
            return &cs->ch[i];
    return NULL;
}

static struct change *add_change(struct mr_change_set *cs, enum change_kind kind,
                                 const char *path)
{
    cs->ch = mr_xrealloc(cs->ch, (cs->n_ch + 1) * sizeof(*cs->ch));
    struct change *c = &cs->ch[cs->n_ch++];
    *c = (struct change){.kind = kind, .path = mr_xstrdup(path)};
    c->owners = mr_xcalloc(cs->n_plans ? cs->n_plans : 1, sizeof(bool));
    c->exists = mr_root_stat(cs->ctx->root, path, &c->st, kind == CH_LINK) == 0;
    return c;
}

static void own(struct mr_change_set *cs, struct change *c)
{
    c->owners[cs->cur] = true;
    cs->plans[cs->cur].planned = true;
}

int mr_change_text(struct mr_change_set *cs, const char *path, const char **ret_text)
{
    struct change *c = find_change(cs, CH_TEXT, path);
    if (!c) {
        char *buf = NULL;
        int r = mr_root_read(cs->ctx->root, path, MR_FIX_MAX, &buf, NULL);
        if (r < 0 && r != -ENOENT)
            return r;
        c = add_change(cs, CH_TEXT, path);
        c->old_text = buf;
        c->exists = buf != NULL;
    }
    const char *t = c->new_text ? c->new_text : c->old_text;
    if (!t)
        return -ENOENT;
    *ret_text = t;
    return 0;
}

void mr_change_write(struct mr_change_set *cs, const char *path, const char *text, mode_t mode)
{
    const char *cur = NULL;
    int r = mr_change_text(cs, path, &cur);
    if (r == 0 && strcmp(cur, text) == 0)
        return;
    struct change *c = find_change(cs, CH_TEXT, path);
    if (!c) /* unreadable: the writer reports it */
        c = add_change(cs, CH_TEXT, path);
    free(c->new_text);
    c->new_text = mr_xstrdup(text);
    c->new_mode = mode;
    own(cs, c);
}

void mr_change_create(struct mr_change_set *cs, const char *path, const char *text, mode_t mode,
                      uid_t uid, gid_t gid, const char *shown)
{
    mr_change_write(cs, path, text, mode);
    struct change *c = find_change(cs, CH_TEXT, path);
    if (!c)
        return;
    c->new_uid = uid;
    c->new_gid = gid;
    free(c->shown);
    c->shown = shown ? mr_xstrdup(shown) : NULL;
}

void mr_change_mkdir(struct mr_change_set *cs, const char *path, mode_t mode, uid_t uid,
                     gid_t gid)
{
    struct change *c = find_change(cs, CH_DIR, path);
    if (!c) {
        c = add_change(cs, CH_DIR, path);
        if (c->exists)
            return;
    }
    c->new_mode = mode & 07777;
    c->new_uid = uid;
    c->new_gid = gid;
    c->mkdir = true;
    own(cs, c);
}

/* Appends the formatted text to *DST, after SEP when *DST has some. */
static void append_text(char **dst, const char *sep, const char *fmt, va_list ap)
{
    char *s = mr_xvasprintf(fmt, ap);
    if (*dst) {
        char *joined = mr_xasprintf("%s%s%s", *dst, sep, s);
        free(s);
        s = joined;
    }
    free(*dst);
    *dst = s;
}

void mr_change_manual(struct mr_change_set *cs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    append_text(&cs->plans[cs->cur].manual, "\n", fmt, ap);
    va_end(ap);
}

void mr_change_symlink(struct mr_change_set *cs, const char *path, const char *target)
{
    struct change *c = find_change(cs, CH_LINK, path);
    if (!c) {
        c = add_change(cs, CH_LINK, path);
        if (c->exists && S_ISLNK(c->st.st_mode)) {
            int fd = mr_root_openat(cs->ctx->root, path, O_PATH | O_NOFOLLOW);
            char buf[PATH_MAX];
            ssize_t n = fd >= 0 ? readlinkat(fd, "", buf, sizeof(buf) - 1) : -1;
            if (n >= 0)
                c->old_text = mr_xstrndup(buf, (size_t)n);
            if (fd >= 0)
                close(fd);
        }
    }
    if (c->old_text && strcmp(c->old_text, target) == 0)
        return;
    free(c->new_text);
    c->new_text = mr_xstrdup(target);
    own(cs, c);
}

static struct change *meta_change(struct mr_change_set *cs, const char *path)
{
    struct change *c = find_change(cs, CH_META, path);
    return c ? c : add_change(cs, CH_META, path);
}

void mr_change_chown(struct mr_change_set *cs, const char *path, uid_t uid, gid_t gid)
{
    struct change *c = meta_change(cs, path);
    if (!c->exists)
        return;
    uid_t u = uid == (uid_t)-1 ? c->st.st_uid : uid;
    gid_t g = gid == (gid_t)-1 ? c->st.st_gid : gid;
    if (u == c->st.st_uid && g == c->st.st_gid)
        return;
    c->chown = true;
    c->uid = u;
    c->gid = g;
    own(cs, c);
}

void mr_change_chmod(struct mr_change_set *cs, const char *path, mode_t mode)
{
    struct change *c = meta_change(cs, path);
    if (!c->exists || (c->st.st_mode & 07777) == (mode & 07777))
        return;
    c->chmod = true;
    c->mode = mode & 07777;
    own(cs, c);
}

int mr_change_reown(struct mr_change_set *cs, const char *dir, uid_t uid_from, uid_t uid_to,
                    gid_t gid_from, gid_t gid_to, size_t *ret_files)
{
    struct change *c = find_change(cs, CH_REOWN, dir);
    if (!c)
        c = add_change(cs, CH_REOWN, dir);
    mr_reown_clear(&c->reown);
    c->reown = (struct mr_reown){.uid_from = uid_from, .uid_to = uid_to, .gid_from = gid_from,
                                 .gid_to = gid_to, .dry_run = true};
    if (uid_from == uid_to)
        c->reown.uid_from = c->reown.uid_to = (uid_t)-1;
    if (gid_from == gid_to)
        c->reown.gid_from = c->reown.gid_to = (gid_t)-1;
    /* Counted now, so that the plan shows how many files will change (and
     * a tree that cannot be read stops the fixer before anything is written). */
    int r = mr_root_reown(cs->ctx->root, dir, &c->reown);
    if (r < 0)
        return r;
    *ret_files = c->reown.files;
    c->reown_on = true;
    if (c->reown.files > 0)
        own(cs, c);
    return 0;
}

void mr_change_restart(struct mr_change_set *cs, const char *unit)
{
    struct plan *p = &cs->plans[cs->cur];
    if (!mr_strv_contains(p->units, unit))
        mr_strv_push(&p->units, unit);
}

void mr_change_describe(struct mr_change_set *cs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    append_text(&cs->plans[cs->cur].desc, "; ", fmt, ap);
    va_end(ap);
}

void mr_change_error(struct mr_change_set *cs, const char *fmt, ...)
{
    struct plan *p = &cs->plans[cs->cur];
    va_list ap;
    va_start(ap, fmt);
    free(p->error);
    p->error = mr_xvasprintf(fmt, ap);
    va_end(ap);
}

static void remove_tmpdirs(struct mr_change_set *cs);

static void change_set_free(struct mr_change_set *cs)
{
    remove_tmpdirs(cs);
    for (size_t i = 0; i < cs->n_ch; i++) {
        free(cs->ch[i].path);
        free(cs->ch[i].old_text);
        free(cs->ch[i].new_text);
        free(cs->ch[i].owners);
        free(cs->ch[i].shown);
        mr_reown_clear(&cs->ch[i].reown);
    }
    free(cs->ch);
    for (size_t i = 0; i < cs->n_plans; i++) {
        free(cs->plans[i].desc);
        free(cs->plans[i].error);
        free(cs->plans[i].manual);
        mr_strv_free(cs->plans[i].units);
    }
    free(cs->plans);
}

/* A change that still changes something. */
static bool effective(const struct change *c)
{
    if (c->failed)
        return false;
    switch (c->kind) {
    case CH_TEXT:
        return c->new_text && (!c->old_text || strcmp(c->old_text, c->new_text) != 0);
    case CH_LINK:
        return c->new_text != NULL;
    case CH_META:
        return c->chown || c->chmod;
    case CH_DIR:
        return c->mkdir && !c->exists;
    case CH_REOWN:
        return c->reown_on && c->reown.files > 0;
    }
    return false;
}

/* What a fixer that gave up had planned: its own edits go, the text other
 * fixers planned for the same file stays. Fixers run one after the other,
 * so a snapshot taken before each one is enough. */
struct snapshot {
    char **text;
    bool *chown, *chmod, *mkdir, *reown;
    size_t n;
};

static void snap_take(const struct mr_change_set *cs, struct snapshot *s)
{
    s->n = cs->n_ch;
    s->text = mr_xcalloc(s->n ? s->n : 1, sizeof(char *));
    s->chown = mr_xcalloc(s->n ? s->n : 1, sizeof(bool));
    s->chmod = mr_xcalloc(s->n ? s->n : 1, sizeof(bool));
    s->mkdir = mr_xcalloc(s->n ? s->n : 1, sizeof(bool));
    s->reown = mr_xcalloc(s->n ? s->n : 1, sizeof(bool));
    for (size_t i = 0; i < s->n; i++) {
        s->text[i] = mr_xstrdup(cs->ch[i].new_text);
        s->chown[i] = cs->ch[i].chown;
        s->chmod[i] = cs->ch[i].chmod;
        s->mkdir[i] = cs->ch[i].mkdir;
        s->reown[i] = cs->ch[i].reown_on;
    }
}

static void snap_restore(struct mr_change_set *cs, struct snapshot *s)
{
    for (size_t i = 0; i < cs->n_ch; i++) {
        struct change *c = &cs->ch[i];
        c->owners[cs->cur] = false;
        free(c->new_text);
        c->new_text = i < s->n ? s->text[i] : NULL;
        if (i < s->n)
            s->text[i] = NULL;
        c->chown = i < s->n && s->chown[i];
        c->chmod = i < s->n && s->chmod[i];
        c->mkdir = i < s->n && s->mkdir[i];
        c->reown_on = i < s->n && s->reown[i];
    }
}

static void snap_free(struct snapshot *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->text[i]);
    free(s->text);
    free(s->chown);
    free(s->chmod);
    free(s->mkdir);
    free(s->reown);
}

/* ---- showing ---- */

/* A diff line with its secrets masked: URL passwords (mr_redact) and the
 * value of any *password* or *secret* key, as in every other output. */
static void put_redacted(FILE *out, const char *line, size_t len)
{
    char *l = mr_xstrndup(line, len);
    char *r = mr_redact(l);
    size_t sep = strcspn(r, "=:");
    bool secret = false;
    if (r[0] && r[sep] && sep > 1) {
        char *key = mr_xstrndup(r + 1, sep - 1);
        for (char *k = key; *k; k++)
            *k = (char)tolower((unsigned char)*k);
        secret = strstr(key, "password") || strstr(key, "secret") || strstr(key, "passwd");
        free(key);
    }
    if (secret)
        fprintf(out, "%.*s%c ***\n", (int)sep, r, r[sep]);
    else
        fputs(r, out);
    free(r);
    free(l);
}

static void put_diff(FILE *out, const char *diff)
{
    for (const char *p = diff; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if (*p == '+' || *p == '-' || *p == ' ')
            put_redacted(out, p, n);
        else
            fwrite(p, 1, n, out);
        p += n;
    }
}

/* "chown -h" of every file of the old IDs under the folder, in words. */
static void show_reown(FILE *out, const struct change *c)
{
    const struct mr_reown *ro = &c->reown;
    fprintf(out, "re-own %zu file%s under %s (symbolic links themselves, hard links once):",
            ro->files, ro->files == 1 ? "" : "s", c->path);
    if (ro->uid_from != (uid_t)-1)
        fprintf(out, " owner %u -> %u", (unsigned)ro->uid_from, (unsigned)ro->uid_to);
    if (ro->gid_from != (gid_t)-1)
        fprintf(out, "%s group %u -> %u", ro->uid_from != (uid_t)-1 ? "," : "",
                (unsigned)ro->gid_from, (unsigned)ro->gid_to);
    fputc('\n', out);
    if (ro->skipped && ro->skipped[0]) {
        char *j = mr_strv_join(ro->skipped, ", ");
        fprintf(out, "not walked (other file systems, never re-owned): %s\n", j);
        free(j);
    }
}

static void show_changes(const struct mr_change_set *cs, FILE *out)
{
    /* In the order they are applied: re-owning first. */
    for (size_t k = 0; k < 2 * cs->n_ch; k++) {
        const struct change *c = &cs->ch[k % cs->n_ch];
        if (!effective(c) || (c->kind == CH_REOWN) != (k < cs->n_ch))
            continue;
        if (c->kind == CH_TEXT && c->shown) {
            fprintf(out, "%s\n", c->shown);
        } else if (c->kind == CH_DIR) {
            fprintf(out, "install -d -m %04o -o %u -g %u %s\n", (unsigned)c->new_mode,
                    (unsigned)c->new_uid, (unsigned)c->new_gid, c->path);
        } else if (c->kind == CH_TEXT) {
            char *d = mr_diff_unified(c->path, c->old_text, c->path, c->new_text);
            if (d)
                put_diff(out, d);
            free(d);
        } else if (c->kind == CH_REOWN) {
            show_reown(out, c);
        } else if (c->kind == CH_LINK) {
            fprintf(out, "ln -sf %s %s", c->new_text, c->path);
            if (c->old_text)
                fprintf(out, " (was -> %s)", c->old_text);
            fputc('\n', out);
        } else {
            if (c->chown)
                fprintf(out, "chown %u:%u %s (was %u:%u)\n", (unsigned)c->uid, (unsigned)c->gid,
                        c->path, (unsigned)c->st.st_uid, (unsigned)c->st.st_gid);
            if (c->chmod)
                fprintf(out, "chmod %04o %s (was %04o)\n", (unsigned)c->mode, c->path,
                        (unsigned)(c->st.st_mode & 07777));
        }
    }
}

static bool stopped(const struct mr_fix_opts *o)
{
    return o->interrupted && *o->interrupted;
}

static bool ask(const struct mr_fix_opts *o)
{
    if (o->dry_run)
        return false;
    if (o->yes || !o->tty_in)
        return true;
    FILE *out = o->tty_out ? o->tty_out : stderr;
    fputs("apply these changes? [y/N] ", out);
    fflush(out);
    char line[64];
    if (!fgets(line, sizeof(line), o->tty_in) || stopped(o))
        return false;
    return line[0] == 'y' || line[0] == 'Y';
}

/* ---- applying ---- */

static void fail_owners(struct mr_change_set *cs, const struct change *c, const char *msg)
{
    for (size_t p = 0; p < cs->n_plans; p++) {
        if (!c->owners[p] || cs->plans[p].failed)
            continue;
        cs->plans[p].failed = true;
        free(cs->plans[p].error);
        cs->plans[p].error = mr_xstrdup(msg);
    }
}

/* Drops every change of a failed plan, so that a fixer is applied whole or
 * not at all. */
static void drop_failed(struct mr_change_set *cs)
{
    for (size_t i = 0; i < cs->n_ch; i++)
        for (size_t p = 0; p < cs->n_plans; p++)
            if (cs->ch[i].owners[p] && cs->plans[p].failed)
                cs->ch[i].failed = true;
}

static char *refusal(const struct mr_ctx *ctx, const char *path, int r, const char *link)
{
    if (r == -ELOOP && link) {
        char target[PATH_MAX] = "?";
        int fd = mr_root_openat(ctx->root, link, O_PATH | O_NOFOLLOW);
        ssize_t n = fd >= 0 ? readlinkat(fd, "", target, sizeof(target) - 1) : -1;
        if (n >= 0)
            target[n] = '\0';
        if (fd >= 0)
            close(fd);
        return mr_xasprintf("refusing to write %s: %s is a symbolic link (-> %s); migready does "
                            "not write through links, which could lead outside the root; "
                            "replace the link by the file itself",
                            path, link, target);
    }
    if (r == -EMLINK) {
        struct stat st = {.st_nlink = 2};
        mr_root_stat(ctx->root, path, &st, true);
        return mr_xasprintf("refusing to change %s: it has %lu hard links, and another name of "
                            "the same file may be outside the root; migready does not change a "
                            "file through a link; make it a file of its own (cp -p %s %s.new && "
                            "mv %s.new %s)",
                            path, (unsigned long)st.st_nlink, path, path, path, path);
    }
    if (r == -EINTR)
        return mr_xasprintf("not changed: migready fix was interrupted by a signal before it "
                            "wrote %s",
                            path);
    if (r == -EPERM)
        return mr_xasprintf("cannot write %s: the file is immutable or append-only (lsattr %s; "
                            "chattr -i to allow changes); it was left untouched",
                            path, path);
    if (r == -EROFS)
        return mr_xasprintf("cannot write %s: it is on a read-only file system; it was left "
                            "untouched",
                            path);
    return mr_xasprintf("cannot write %s: %s; it was left untouched", path, strerror(-r));
}

/* Why the walk of a CH_REOWN change stopped, and what that left. */
static char *reown_refusal(const struct change *c, int r)
{
    const struct mr_reown *ro = &c->reown;
    char *what = r == -EINTR ? mr_xstrdup("interrupted by a signal")
                             : mr_xasprintf("%s: %s", ro->failed ? ro->failed : c->path,
                                            strerror(-r));
    char *m = mr_xasprintf("re-owning the files under %s stopped (%s) after %zu file%s; the "
                           "rest of the fix (the IDs in the account files) was not applied, "
                           "and running migready fix again goes on from there",
                           c->path, what, ro->files, ro->files == 1 ? "" : "s");
    free(what);
    return m;
}

/* A file with several names: one may be outside the root (-EMLINK). */
static int hard_linked(const struct mr_root *root, const char *path)
{
    struct stat st;
    if (mr_root_stat(root, path, &st, true) < 0)
        return 0;
    return !S_ISDIR(st.st_mode) && st.st_nlink > 1 ? -EMLINK : 0;
}

/* Refuses links (symbolic in any component, hard on the file itself),
 * immutable files and read-only mounts before any write. */
static void preflight(struct mr_change_set *cs)
{
    for (size_t i = 0; i < cs->n_ch; i++) {
        struct change *c = &cs->ch[i];
        if (!effective(c))
            continue;
        char *link = NULL;
        int r = 0;
        if (c->kind == CH_TEXT || c->kind == CH_META) {
            r = mr_root_find_link(cs->ctx->root, c->path, &link);
            if (r == 0 && c->exists)
                r = hard_linked(cs->ctx->root, c->path);
            if (r == 0 && c->exists && c->kind == CH_TEXT)
                r = mr_root_writable(cs->ctx->root, c->path);
            if (r == 0 && !c->old_text && c->exists && c->kind == CH_TEXT)
                r = -EIO;
        } else if (c->kind == CH_REOWN) {
            r = mr_root_find_link(cs->ctx->root, c->path, &link);
        } else {
            char *dir = mr_xstrndup(c->path, (size_t)(strrchr(c->path, '/') - c->path));
            r = mr_root_find_link(cs->ctx->root, dir[0] ? dir : "/", &link);
            free(dir);
        }
        if (r < 0) {
            char *msg = refusal(cs->ctx, c->path, r, link);
            fail_owners(cs, c, msg);
            free(msg);
        }
        free(link);
    }
    drop_failed(cs);
}

static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash == path ? mr_xstrdup("/") : mr_xstrndup(path, (size_t)(slash - path));
}

/* Marks the backup folder DIR, which has no MANIFEST, as incomplete. */
static void mark_incomplete(const struct mr_root *root, const char *dir, const char *why)
{
    char *p = mr_xasprintf("%s/INCOMPLETE", dir);
    char *text = mr_xasprintf("# this backup is incomplete (no MANIFEST): %s\n"
                              "# the files in it are originals, but not every changed file "
                              "may be here\n",
                              why);
    mr_root_write_atomic(root, p, text, strlen(text), 0600, geteuid(), getegid());
    free(text);
    free(p);
}

/* ROOT/var/lib/migready/backups/YYYYmmdd-HHMMSS[-N]/ with each changed file
 * at its own path, and a MANIFEST saying how to go back. Every copy is 0600
 * and the run's own, whatever the original's mode (a world-readable
 * nova.conf holds passwords too); the MANIFEST records each original's
 * owner and mode, and is written last: a folder without one is a backup
 * that did not finish. */
static int backup(struct mr_change_set *cs, time_t now, char **ret_dir, char **ret_msg)
{
    const struct mr_root *root = cs->ctx->root;
    struct tm tm;
    char stamp[32];
    localtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    char *dir = NULL;
    int r = mr_root_mkdir_p(root, BACKUP_DIR, 0700);
    for (int n = 1; r == 0; n++) {
        free(dir);
        dir = n == 1 ? mr_xasprintf("%s/%s", BACKUP_DIR, stamp)
                     : mr_xasprintf("%s/%s-%d", BACKUP_DIR, stamp, n);
        struct stat st;
        if (mr_root_stat(root, dir, &st, true) == -ENOENT)
            break;
    }
    if (r == 0)
        r = mr_root_mkdir_p(root, dir, 0700);
    if (r < 0) {
        *ret_msg = mr_xasprintf("cannot create the backup folder %s: %s", dir ? dir : BACKUP_DIR,
                                strerror(-r));
        free(dir);
        return r;
    }
    char *manifest = mr_xstrdup("# migready fix backup: what each change replaced\n"
                                "# file PATH UID:GID MODE: the original's owner and mode (the "
                                "copy here is 0600)\n");
    for (size_t i = 0; i < cs->n_ch && r == 0; i++) {
        const struct change *c = &cs->ch[i];
        if (!effective(c))
            continue;
        char *line = NULL;
        if (c->kind == CH_TEXT && c->old_text) {
            char *dest = mr_xasprintf("%s%s", dir, c->path);
            char *parent = folder_of(dest);
            r = mr_root_mkdir_p(root, parent, 0700);
            if (r == 0)
                r = mr_root_write_atomic(root, dest, c->old_text, strlen(c->old_text), 0600,
                                         geteuid(), getegid());
            if (r < 0)
                *ret_msg = mr_xasprintf("cannot back up %s to %s: %s", c->path, dest,
                                        strerror(-r));
            free(parent);
            free(dest);
            line = mr_xasprintf("file %s %u:%u %04o\n", c->path, (unsigned)c->st.st_uid,
                                (unsigned)c->st.st_gid, (unsigned)(c->st.st_mode & 07777));
        } else if (c->kind == CH_TEXT || c->kind == CH_DIR) {
            line = mr_xasprintf("created %s%s\n", c->path, c->kind == CH_DIR ? "/" : "");
        } else if (c->kind == CH_REOWN) {
            /* Undone by the same walk the other way round. */
            line = mr_xasprintf("owners %s uid %d -> %d gid %d -> %d (%zu files)\n", c->path,
                                (int)c->reown.uid_from, (int)c->reown.uid_to,
                                (int)c->reown.gid_from, (int)c->reown.gid_to, c->reown.files);
        } else if (c->kind == CH_LINK) {
            line = c->old_text ? mr_xasprintf("link %s -> %s\n", c->path, c->old_text)
                               : mr_xasprintf("created %s\n", c->path);
        } else {
            line = mr_xasprintf("meta %s %u:%u %04o\n", c->path, (unsigned)c->st.st_uid,
                                (unsigned)c->st.st_gid, (unsigned)(c->st.st_mode & 07777));
        }
        char *m = mr_xasprintf("%s%s", manifest, line);
        free(manifest);
        free(line);
        manifest = m;
    }
    if (r == 0) {
        char *p = mr_xasprintf("%s/MANIFEST", dir);
        r = mr_root_write_atomic(root, p, manifest, strlen(manifest), 0600, geteuid(),
                                 getegid());
        if (r < 0)
            *ret_msg = mr_xasprintf("cannot write %s: %s", p, strerror(-r));
        free(p);
    }
    free(manifest);
    if (r < 0) {
        /* Named in the message and marked, so that no one restores from it
         * believing it whole. */
        mark_incomplete(root, dir, *ret_msg);
        char *m = mr_xasprintf("%s; the backup %s is incomplete (no MANIFEST)", *ret_msg, dir);
        free(*ret_msg);
        *ret_msg = m;
    }
    if (r == 0)
        *ret_dir = dir;
    else
        free(dir);
    return r;
}

/* ---- what a killed run leaves, and the lock ---- */

static void note_removed(FILE *out, char **removed)
{
    for (size_t i = 0; removed && removed[i]; i++)
        fprintf(out, "removed %s, left by an interrupted migready fix\n", removed[i]);
}

/* Backup folders without a MANIFEST (nor an INCOMPLETE mark yet): named
 * on OUT and marked. */
static void find_incomplete_backups(const struct mr_root *root, FILE *out)
{
    char **names = NULL;
    if (mr_root_list(root, BACKUP_DIR, NULL, &names) < 0)
        return;
    for (size_t i = 0; names[i]; i++) {
        char *dir = mr_xasprintf("%s/%s", BACKUP_DIR, names[i]);
        char *m = mr_xasprintf("%s/MANIFEST", dir), *inc = mr_xasprintf("%s/INCOMPLETE", dir);
        struct stat st;
        if (mr_root_stat(root, dir, &st, true) == 0 && S_ISDIR(st.st_mode) &&
            mr_root_stat(root, m, &st, true) == -ENOENT &&
            mr_root_stat(root, inc, &st, true) == -ENOENT) {
            mark_incomplete(root, dir, "an earlier fix was interrupted while backing up");
            fprintf(out, "incomplete backup %s (no MANIFEST): an earlier fix was interrupted; "
                         "marked with %s\n",
                    dir, inc);
        }
        free(inc);
        free(m);
        free(dir);
    }
    mr_strv_free(names);
}

/* Under the lock: what runs that were killed left behind. */
static void clean_after_crashes(const struct mr_root *root, FILE *out)
{
    char **removed = NULL;
    char *journal = NULL;
    if (mr_root_read(root, JOURNAL, MR_FIX_MAX, &journal, NULL) == 0) {
        char *save = NULL;
        for (char *l = strtok_r(journal, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
            if (l[0] == '/')
                mr_root_sweep(root, l, false, &removed);
        free(journal);
        mr_root_unlink(root, JOURNAL, false);
    }
    mr_root_sweep(root, STATE_DIR, true, &removed);
    note_removed(out, removed);
    mr_strv_free(removed);
    find_incomplete_backups(root, out);
}

/* Before the first temporary file: the folders this run writes in, for the
 * next run should this one be killed; and what older runs left there. */
static void journal_start(struct mr_change_set *cs, FILE *out)
{
    const struct mr_root *root = cs->ctx->root;
    char **dirs = mr_xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < cs->n_ch; i++) {
        if (!effective(&cs->ch[i]) || cs->ch[i].kind == CH_META || cs->ch[i].kind == CH_DIR ||
            cs->ch[i].kind == CH_REOWN)
            continue;
        char *d = folder_of(cs->ch[i].path);
        if (!mr_strv_contains(dirs, d))
            mr_strv_push(&dirs, d);
        free(d);
    }
    char **removed = NULL;
    for (size_t i = 0; dirs[i]; i++)
        mr_root_sweep(root, dirs[i], false, &removed);
    note_removed(out, removed);
    mr_strv_free(removed);
    char *list = mr_strv_join(dirs, "\n");
    char *text = mr_xasprintf("# folders where migready fix (PID %ld) writes temporary files\n"
                              "%s\n",
                              (long)getpid(), list);
    if (mr_root_mkdir_p(root, STATE_DIR, 0700) == 0)
        mr_root_write_atomic(root, JOURNAL, text, strlen(text), 0600, geteuid(), getegid());
    free(text);
    free(list);
    mr_strv_free(dirs);
}

struct mr_fix_lock {
    int fd;
};

/* The lock file as the user knows it: ROOT's path, then the path inside. */
static char *lock_name(const struct mr_ctx *ctx)
{
    const char *rp = mr_root_path(ctx->root);
    size_t n = strlen(rp);
    while (n > 0 && rp[n - 1] == '/')
        n--;
    return mr_xasprintf("%.*s%s", (int)n, rp, LOCK_FILE);
}

/* Drops this host's facts, nova.conf and the libvirt files from the run's
 * cache: the next check reads them again. */
static void drop_cached(const struct mr_ctx *ctx)
{
    mr_ctx_invalidate(ctx, MR_SLOT_FACTS);
    mr_ctx_invalidate(ctx, MR_SLOT_NOVA);
    mr_ctx_invalidate(ctx, MR_SLOT_LIBVIRT);
}

int mr_fix_lock(const struct mr_ctx *ctx, const struct mr_fix_opts *o, struct mr_fix_lock **ret,
                char **ret_msg)
{
    const struct mr_root *root = ctx->root;
    char *name = lock_name(ctx);
    int fd = -1;
    int r = mr_root_mkdir_p(root, "/var/lib", 0755);
    if (r == 0)
        r = mr_root_mkdir_p(root, STATE_DIR, 0700);
    if (r == 0) {
        fd = mr_root_create(root, LOCK_FILE, 0600);
        r = fd < 0 ? fd : 0;
    }
    if (r < 0) {
        *ret_msg = mr_xasprintf("cannot open the lock %s: %s", name, strerror(-r));
        goto cleanup;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno != EWOULDBLOCK) {
            r = -errno;
            *ret_msg = mr_xasprintf("cannot lock %s: %s", name, strerror(errno));
            goto cleanup;
        }
        char buf[32] = "";
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        long pid = strtol(buf, NULL, 10);
        char *who = pid > 0 ? mr_xasprintf("PID %ld", pid) : mr_xstrdup("another process");
        if (o->no_wait) {
            r = -EWOULDBLOCK;
            *ret_msg = mr_xasprintf("another migready fix is running on this root: %s is held "
                                    "by %s; not waiting (--no-wait)",
                                    name, who);
            free(who);
            goto cleanup;
        }
        FILE *err = o->tty_out ? o->tty_out : stderr;
        fprintf(err, "migready: waiting for the lock held by %s (%s)\n", who, name);
        fflush(err);
        free(who);
        /* The caller's handler interrupts flock() (no SA_RESTART). */
        while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR && !stopped(o))
            ;
        if (r < 0 && stopped(o)) {
            r = -EINTR;
            *ret_msg = mr_xasprintf("interrupted while waiting for the lock %s", name);
            goto cleanup;
        }
        if (r < 0) {
            r = -errno;
            *ret_msg = mr_xasprintf("cannot lock %s: %s", name, strerror(errno));
            goto cleanup;
        }
    }
    /* Who holds it, for the next run's "waiting" message. */
    char pid[32];
    int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) < 0) {
        /* Not fatal: only the next run's message loses the PID. */
    }
    /* What the context read before the lock may be stale now. */
    drop_cached(ctx);
    clean_after_crashes(root, o->diff_out ? o->diff_out : stdout);
    *ret = mr_xcalloc(1, sizeof(**ret));
    (*ret)->fd = fd;
    fd = -1;
    r = 0;

cleanup:
    if (fd >= 0)
        close(fd);
    free(name);
    return r;
}

void mr_fix_unlock(struct mr_fix_lock *lock)
{
    if (!lock)
        return;
    /* The PID stays in the file: truncating it after the unlock could wipe
     * the next holder's. Closing releases the lock. */
    close(lock->fd);
    free(lock);
}

static int apply_one(struct mr_change_set *cs, struct change *c, const struct mr_fix_opts *o)
{
    const struct mr_root *root = cs->ctx->root;
    int r = 0;
    if (c->kind == CH_REOWN) {
        c->reown.dry_run = false;
        c->reown.stop = o->interrupted;
        mr_strv_free(c->reown.skipped);
        c->reown.skipped = NULL;
        r = mr_root_reown(root, c->path, &c->reown);
    } else if (c->kind == CH_TEXT) {
        char *parent = folder_of(c->path);
        if (!c->exists)
            r = mr_root_mkdir_p(root, parent, 0755);
        free(parent);
        if (r == 0)
            r = mr_root_write_atomic(root, c->path, c->new_text, strlen(c->new_text),
                                     c->exists ? c->st.st_mode : c->new_mode,
                                     c->exists ? c->st.st_uid : c->new_uid,
                                     c->exists ? c->st.st_gid : c->new_gid);
    } else if (c->kind == CH_DIR) {
        r = mr_root_mkdir_p(root, c->path, c->new_mode);
        if (r == 0)
            r = mr_root_chown(root, c->path, c->new_uid, c->new_gid);
        if (r == 0)
            r = mr_root_chmod(root, c->path, c->new_mode);
    } else if (c->kind == CH_LINK) {
        char *parent = folder_of(c->path);
        r = mr_root_mkdir_p(root, parent, 0755);
        free(parent);
        if (r == 0)
            r = mr_root_symlink(root, c->path, c->new_text);
    } else {
        if (c->chown)
            r = mr_root_chown(root, c->path, c->uid, c->gid);
        if (r == 0 && c->chmod)
            r = mr_root_chmod(root, c->path, c->mode);
    }
    return r;
}

static bool is_socket(const char *unit)
{
    size_t n = strlen(unit);
    return n > 7 && strcmp(unit + n - 7, ".socket") == 0;
}

static int systemctl(const struct mr_ctx *ctx, FILE *out, const char *verb, const char *unit)
{
    const char *argv[] = {"systemctl", verb, unit, NULL};
    char *output = NULL;
    int r = ctx->ops && ctx->ops->run ? ctx->ops->run(argv, 120000, &output) : -ENOSYS;
    free(output);
    if (r != 0)
        fprintf(out, "migready: systemctl %s %s failed (%s)\n", verb, unit ? unit : "",
                r < 0 ? strerror(-r) : "non-zero exit");
    else
        fprintf(out, "systemctl %s %s\n", verb, unit ? unit : "");
    return r;
}

/* Restarts what the applied fixes need: a daemon whose sockets changed is
 * stopped, its sockets restarted, then started (systemd refuses to start a
 * socket whose service runs). */
/* The site's restart_command ("CMD ARG... %s"), for hosts without systemd:
 * run once per unit, %s replaced by the unit's name (a word of its own; no
 * shell). */
static void site_restart(const struct mr_ctx *ctx, const char *cmd, char **units, FILE *out)
{
    for (size_t i = 0; units[i]; i++) {
        char **argv = mr_xcalloc(1, sizeof(char *));
        char *copy = mr_xstrdup(cmd), *save = NULL;
        for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
            mr_strv_push(&argv, strcmp(w, "%s") == 0 ? units[i] : w);
        free(copy);
        char *o = NULL;
        int r = argv[0] && ctx->ops && ctx->ops->run
                    ? ctx->ops->run((const char *const *)argv, 120000, &o) : -ENOSYS;
        free(o);
        if (r != 0)
            fprintf(out, "migready: restart_command for %s failed (%s)\n", units[i],
                    r < 0 ? strerror(-r) : "non-zero exit");
        else
            fprintf(out, "restarted %s (restart_command)\n", units[i]);
        mr_strv_free(argv);
    }
}

static void restart_units(const struct mr_ctx *ctx, char **units, bool links, bool restart,
                          FILE *out)
{
    if (!units || !units[0])
        return;
    char *list = mr_xstrdup("");
    for (size_t i = 0; units[i]; i++) {
        char *l = mr_xasprintf("%s%s%s", list, i ? (units[i + 1] ? ", " : " and ") : "", units[i]);
        free(list);
        list = l;
    }
    if (!restart) {
        fprintf(out, "restart %s for this to take effect (or run migready fix --restart)\n", list);
        free(list);
        return;
    }
    if (!ctx->live) {
        fprintf(out, "not restarting %s under --root: restart %s on the host that uses this root\n",
                list, list);
        free(list);
        return;
    }
    free(list);
    const char *cmd = mr_ctx_site(ctx, "restart_command");
    if (cmd && *cmd) {
        site_restart(ctx, cmd, units, out);
        return;
    }
    if (links) {
        const char *argv[] = {"systemctl", "daemon-reload", NULL};
        char *o = NULL;
        ctx->ops->run(argv, 120000, &o);
        free(o);
    }
    for (size_t i = 0; units[i]; i++) {
        if (is_socket(units[i]))
            continue;
        bool has_sockets = false;
        size_t n = strlen(units[i]);
        for (size_t k = 0; units[k]; k++)
            has_sockets |= is_socket(units[k]) && strncmp(units[k], units[i], n) == 0 &&
                           units[k][n] == '-';
        if (!has_sockets) {
            systemctl(ctx, out, "restart", units[i]);
            continue;
        }
        systemctl(ctx, out, "stop", units[i]);
        for (size_t k = 0; units[k]; k++)
            if (is_socket(units[k]) && strncmp(units[k], units[i], n) == 0 && units[k][n] == '-')
                systemctl(ctx, out, "restart", units[k]);
        systemctl(ctx, out, "start", units[i]);
    }
    for (size_t k = 0; units[k]; k++) {
        bool owned = false;
        for (size_t i = 0; units[i]; i++) {
            size_t n = strlen(units[i]);
            owned |= !is_socket(units[i]) && strncmp(units[k], units[i], n) == 0 &&
                     units[k][n] == '-';
        }
        if (is_socket(units[k]) && !owned)
            systemctl(ctx, out, "restart", units[k]);
    }
}

static void recount(struct mr_run *run)
{
    memset(run->counts, 0, sizeof(run->counts));
    for (size_t i = 0; i < run->n; i++)
        run->counts[run->results[i].status]++;
}

/* The check again, after its fix: pass becomes fixed, anything else error. */
static void recheck(const struct mr_ctx *ctx, struct mr_result *res, const struct plan *p)
{
    const struct mr_check *c = res->check;
    mr_result_clear(res);
    res->status = MR_PASS;
    int r = c->run(ctx, res);
    if (r < 0) {
        mr_report(res, MR_ERROR, "the check could not run after the fix: %s", strerror(-r));
        return;
    }
    if (res->n_findings == 0)
        mr_report(res, MR_PASS, "%s", c->title);
    if (res->status == MR_PASS) {
        char *units = NULL;
        for (size_t i = 0; p->units && p->units[i]; i++) {
            char *u = mr_xasprintf("%s%s%s", units ? units : "", units ? ", " : "", p->units[i]);
            free(units);
            units = u;
        }
        struct mr_finding *f = mr_report(res, MR_FIXED, "%s", p->desc ? p->desc : "fixed");
        if (units)
            mr_finding_remedy(f, "restart %s for this to take effect", units);
        free(units);
        return;
    }
    const struct mr_finding *still = mr_result_primary(res);
    char *msg = mr_xstrdup(still ? still->message : "");
    char *file = mr_xstrdup(still ? still->file : NULL);
    int line = still ? still->line : 0;
    struct mr_finding *f = mr_report(res, MR_ERROR,
                                     "the fix was applied (%s) but the check still says: %s",
                                     p->desc ? p->desc : "changes written", msg);
    if (file)
        mr_finding_at(f, file, line);
    free(file);
    free(msg);
}

/* One plan per failed check that has a fixer, in the order of the rows:
 * a fixer may read what an earlier one planned. */
static void plan_fixers(const struct mr_ctx *ctx, struct mr_run *run, struct mr_change_set *cs,
                        const struct mr_fix_opts *o)
{
    cs->plans = mr_xcalloc(run->n ? run->n : 1, sizeof(*cs->plans));
    const struct mr_fixer **which = mr_xcalloc(run->n ? run->n : 1, sizeof(*which));
    for (size_t i = 0; i < run->n; i++) {
        const struct mr_result *res = &run->results[i];
        if (res->status != MR_FAIL || !res->row->fixer)
            continue;
        which[cs->n_plans] = res->row->fixer;
        cs->plans[cs->n_plans++].result = i;
    }
    /* Owner flags are sized by the number of plans, known from here on. */
    for (cs->cur = 0; cs->cur < cs->n_plans; cs->cur++) {
        struct plan *p = &cs->plans[cs->cur];
        if (stopped(o)) {
            p->failed = true;
            p->error = mr_xstrdup("not planned: migready fix was interrupted by a signal");
            continue;
        }
        struct snapshot snap;
        snap_take(cs, &snap);
        int r = which[cs->cur]->run(ctx, &run->results[p->result], cs);
        if (r < 0) {
            p->failed = true;
            if (!p->error)
                p->error = mr_xasprintf("the fixer failed: %s", strerror(-r));
            snap_restore(cs, &snap);
        }
        snap_free(&snap);
    }
    free(which);
}

/* What no fixer may do on its own: the commands, for the operator, shown
 * with the diff and put in the check's remedy. */
static void show_manual(struct mr_run *run, struct mr_change_set *cs, FILE *out)
{
    for (size_t i = 0; i < cs->n_plans; i++) {
        struct plan *p = &cs->plans[i];
        if (!p->manual || p->failed)
            continue;
        struct mr_result *res = &run->results[p->result];
        fprintf(out, "%s is not fixed automatically; run by hand:\n", res->check->id);
        char **lines = mr_xcalloc(1, sizeof(char *));
        char *copy = mr_xstrdup(p->manual), *save = NULL;
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
            fprintf(out, "    %s\n", l);
            mr_strv_push(&lines, l);
        }
        free(copy);
        if (res->n_findings) {
            char *one = mr_strv_join(lines, "; ");
            mr_finding_remedy(&res->findings[res->primary], "run by hand: %s", one);
            free(one);
        }
        mr_strv_free(lines);
    }
}

/* The sources a run caches that an applied change may have made stale:
 * this host's facts, nova.conf and the libvirt files. Which file feeds
 * which is the layout's business (kolla keeps them under /etc/kolla, a
 * profile may put them anywhere), so every change drops all three; they
 * are read again in a few milliseconds. The peers' facts stay: a fix here
 * changes nothing there. */
static void invalidate(const struct mr_ctx *ctx, const struct mr_change_set *cs)
{
    bool any = false;
    for (size_t i = 0; i < cs->n_ch; i++)
        any |= effective(&cs->ch[i]) && !cs->ch[i].failed;
    if (any)
        drop_cached(ctx);
}

/* Backs up, then writes every change; a change that cannot be made turns
 * its fixers' checks into errors. True when a symbolic link was made (a
 * systemd unit enabled: the daemon must reload). */
static bool apply_changes(const struct mr_ctx *ctx, struct mr_change_set *cs,
                          const struct mr_fix_opts *o, FILE *out)
{
    bool links = false;
    preflight(cs);
    bool any = false;
    for (size_t i = 0; i < cs->n_ch; i++)
        any |= effective(&cs->ch[i]);
    if (any)
        journal_start(cs, out);
    char *bdir = NULL, *msg = NULL;
    if (!o->no_backup) {
        bool needed = false;
        for (size_t i = 0; i < cs->n_ch; i++)
            needed |= effective(&cs->ch[i]);
        if (needed && backup(cs, o->now ? o->now : time(NULL), &bdir, &msg) < 0) {
            /* Without a backup nothing is written. */
            for (size_t i = 0; i < cs->n_ch; i++)
                if (effective(&cs->ch[i]))
                    fail_owners(cs, &cs->ch[i], msg);
            drop_failed(cs);
        }
        if (bdir)
            fprintf(out, "backup of the changed files in %s\n", bdir);
        free(bdir);
        free(msg);
    }
    /* Files are re-owned before anything else: when the walk stops, the
     * rest of its fixer's plan (the accounts) is dropped below. */
    for (size_t k = 0; k < 2 * cs->n_ch; k++) {
        struct change *c = &cs->ch[k % cs->n_ch];
        if (!effective(c) || (c->kind == CH_REOWN) != (k < cs->n_ch))
            continue;
        /* A signal stops between changes: each file stays whole. */
        int r = stopped(o) ? -EINTR : apply_one(cs, c, o);
        if (r < 0) {
            char *m = c->kind == CH_REOWN ? reown_refusal(c, r) : refusal(ctx, c->path, r, NULL);
            fail_owners(cs, c, m);
            free(m);
            c->failed = true;
            /* The rest of that fixer's plan (the IDs in passwd and group)
             * must not go ahead of the files: a second run walks again. */
            if (c->kind == CH_REOWN)
                drop_failed(cs);
        } else if (c->kind == CH_LINK) {
            links = true;
        }
    }
    /* Every temporary file is gone: renamed or removed. */
    if (any)
        mr_root_unlink(ctx->root, JOURNAL, false);
    invalidate(ctx, cs);
    return links;
}

/* Each plan's outcome in its check's result; the units to restart (caller
 * frees) when the changes were applied. */
static char **report_plans(struct mr_run *run, struct mr_change_set *cs, bool go,
                           const struct mr_fix_opts *o)
{
    char **units = NULL;
    for (size_t i = 0; i < cs->n_plans; i++) {
        struct plan *p = &cs->plans[i];
        struct mr_result *res = &run->results[p->result];
        if (p->failed) {
            mr_report(res, MR_ERROR, "%s", p->error);
            continue;
        }
        if (!p->planned)
            continue;
        if (!go) {
            struct mr_finding *f = &res->findings[res->primary];
            if (o->dry_run)
                mr_finding_remedy(f, "migready fix would: %s (run it without --dry-run)",
                                  p->desc ? p->desc : "change the files shown above");
            else
                mr_finding_remedy(f, "not applied: %s", p->desc ? p->desc : "changes declined");
            continue;
        }
        for (size_t u = 0; p->units && p->units[u]; u++)
            if (!mr_strv_contains(units, p->units[u]))
                mr_strv_push(&units, p->units[u]);
    }
    return units;
}

struct mr_run *mr_fix_run(const struct mr_ctx *ctx, const struct mr_row *rows, size_t n,
                          const struct mr_select *sel, const struct mr_fix_opts *o)
{
    FILE *out = o->diff_out ? o->diff_out : stdout;
    struct mr_run *run = mr_run_list(ctx, rows, n, sel, false);
    struct mr_change_set cs = {.ctx = ctx};
    plan_fixers(ctx, run, &cs, o);

    bool any = false;
    for (size_t i = 0; i < cs.n_ch; i++)
        any |= effective(&cs.ch[i]);
    if (any) {
        show_changes(&cs, out);
        fflush(out);
    }
    show_manual(run, &cs, out);
    bool go = any && ask(o);
    bool links = go && apply_changes(ctx, &cs, o, out);
    char **units = report_plans(run, &cs, go, o);
    /* Restarted before the checks run again: a live check (the loaded
     * firewall rules, a listening daemon) sees the change only then. */
    if (go && !stopped(o))
        restart_units(ctx, units, links, o->restart, out);
    for (size_t i = 0; go && i < cs.n_plans; i++)
        if (cs.plans[i].planned && !cs.plans[i].failed)
            recheck(ctx, &run->results[cs.plans[i].result], &cs.plans[i]);
    mr_strv_free(units);
    recount(run);
    change_set_free(&cs);
    return run;
}
