/* Shared instance storage on NFS: the server's exports (nfs.exports), the
 * compute host's fstab and live mount (nfs.fstab), and a real NFS client
 * probe as the nova user (nfs.access, through mr_ops.nfs_probe).
 *
 * /etc/exports is read as nfs-utils reads it (exports(5)): a backslash at
 * the end of a line continues it, '#' starts a comment, a path may be
 * double-quoted, "-opts" after the path sets default options for the
 * clients after it, and a client is host[(opts)]. "/path (rw)" with a
 * blank before the parenthesis exports to the whole world with those
 * options: the classic pitfall. When a host matches several clients,
 * exports(5) picks by kind first (single host, network, wildcard,
 * netgroup, anyone), then by order on the line. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "ctx.h"
#include "hostsfile.h"
#include "migready.h"
#include "novaconf.h"
#include "ops.h"
#include "netaddr.h"
#include "pathutil.h"

#define FSTAB "/etc/fstab"
#define EXPORTS "/etc/exports"
#define EXPORTS_D "/etc/exports.d"
#define HOSTS MR_HOSTS_PATH
#define FILE_MAX (4u << 20)
#define PROBE_TIMEOUT_MS 3000
/* The options a compute host's client is given (nova's own guide's). */
#define CLIENT_OPTS "rw,sync,no_root_squash,no_subtree_check"

/* ---- shared helpers ---- */

/* The instances path from nova.conf; on failure records an error. */
static bool instances_path(const struct mr_ctx *ctx, struct mr_result *res,
                           struct mr_novaval *ret)
{
    const struct mr_novaconf *conf = NULL;
    const char *msg = NULL;
    int r = mr_ctx_nova(ctx, &conf, &msg);
    if (r < 0) {
        mr_report(res, MR_ERROR, "cannot read nova.conf: %s", msg ? msg : strerror(-r));
        return false;
    }
    if (!mr_novaconf_get(conf, "DEFAULT", "instances_path", ret) || !ret->value ||
        ret->value[0] != '/') {
        mr_report(res, MR_ERROR, "instances_path in nova.conf is not an absolute path "
                  "(see nova.instances-path)");
        return false;
    }
    return true;
}

/* ---- fstab and the mount table ---- */

struct mnt {
    char *src, *dir, *type, *opts;
    int line;
};

struct mnt_table {
    struct mnt *v;
    size_t n;
};

static void mnt_table_free(struct mnt_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].src);
        free(t->v[i].dir);
        free(t->v[i].type);
        free(t->v[i].opts);
    }
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

/* fstab and /proc/self/mounts write blanks and backslashes as \040 and co. */
static char *unoctal(const char *s, size_t len)
{
    char *r = mr_xmalloc(len + 1), *w = r;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 3 < len && s[i + 1] >= '0' &&
            s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' &&
            s[i + 3] <= '7') {
            *w++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            *w++ = s[i];
        }
    }
    *w = '\0';
    return r;
}

/* Parses fstab-format text. A line with fewer than three fields is
 * reported (when RES is given) as an error at FILE:line and skipped, as
 * mount(8) skips it. */
static void mnt_parse(const char *buf, const char *file, struct mr_result *res,
                      struct mnt_table *t)
{
    int lineno = 0;
    for (const char *line = buf; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        lineno++;
        char *fields[4] = {NULL};
        size_t nf = 0, total = 0;
        const char *p = line, *stop = line + len;
        while (p < stop) {
            while (p < stop && isspace((unsigned char)*p))
                p++;
            if (p >= stop || (total == 0 && *p == '#'))
                break;
            const char *q = p;
            while (q < stop && !isspace((unsigned char)*q))
                q++;
            if (nf < 4)
                fields[nf++] = unoctal(p, (size_t)(q - p));
            total++;
            p = q;
        }
        if (total > 0 && total < 3 && res) {
            struct mr_finding *f = mr_report(
                res, MR_ERROR,
                "%s:%d has %zu field%s; an fstab entry needs at least the source, the mount "
                "point and the file system type, so this line is ignored",
                file, lineno, total, total == 1 ? "" : "s");
            mr_finding_at(f, file, lineno);
            mr_finding_remedy(f, "complete or remove line %d of %s", lineno, file);
        }
        if (total >= 3) {
            t->v = mr_xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
            t->v[t->n++] = (struct mnt){fields[0], fields[1], fields[2],
                                        fields[3] ? fields[3] : mr_xstrdup("defaults"), lineno};
        } else {
            for (size_t i = 0; i < nf; i++)
                free(fields[i]);
        }
        line = end ? end + 1 : NULL;
    }
}

/* The entry whose mount point holds PATH: the deepest, the last of equals. */
static const struct mnt *mnt_find(const struct mnt_table *t, const char *path)
{
    const struct mnt *best = NULL;
    int best_depth = -1;
    for (size_t i = 0; i < t->n; i++) {
        if (t->v[i].dir[0] != '/' || strcmp(t->v[i].type, "swap") == 0)
            continue;
        int d = mr_path_covers(t->v[i].dir, path);
        if (d >= 0 && d >= best_depth) {
            best = &t->v[i];
            best_depth = d;
        }
    }
    return best;
}

static bool is_nfs(const char *type)
{
    return strcmp(type, "nfs") == 0 || strcmp(type, "nfs4") == 0;
}

/* Splits "host:/path" or "[v6]:/path". */
static bool nfs_source(const char *src, char **ret_host, char **ret_path)
{
    const char *colon;
    const char *host = src;
    size_t hlen;
    if (src[0] == '[') {
        const char *close = strchr(src, ']');
        if (!close || close[1] != ':')
            return false;
        host = src + 1;
        hlen = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = strchr(src, ':');
        if (!colon)
            return false;
        hlen = (size_t)(colon - src);
    }
    if (hlen == 0 || colon[1] != '/')
        return false;
    *ret_host = mr_xstrndup(host, hlen);
    *ret_path = mr_xstrdup(colon + 1);
    return true;
}

static bool has_opt(const char *opts, const char *name)
{
    char *copy = mr_xstrdup(opts);
    char *save = NULL;
    bool hit = false;
    for (char *o = strtok_r(copy, ",", &save); o && !hit; o = strtok_r(NULL, ",", &save))
        hit = strcmp(o, name) == 0;
    free(copy);
    return hit;
}

/* S as fstab writes a field: blanks and backslashes as \040 and co (caller frees). */
static char *octal(const char *s)
{
    char *r = mr_xmalloc(4 * strlen(s) + 1), *w = r;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
            w += sprintf(w, "\\%03o", (unsigned)(unsigned char)*s);
        else
            *w++ = *s;
    }
    *w = '\0';
    return r;
}

/* "SERVER:/EXPORT" ("[v6]:/EXPORT") as an fstab source (caller frees). */
static char *nfs_spec(const char *server, const char *export)
{
    char *e = octal(export);
    char *src = strchr(server, ':') ? mr_xasprintf("[%s]:%s", server, e)
                                    : mr_xasprintf("%s:%s", server, e);
    free(e);
    return src;
}

/* The source the site wants: its nfs_server, the export its nfs_export or
 * else PATH; NULL when the site names no server. */
static char *site_source(const struct mr_ctx *ctx, const char *path)
{
    const char *server = mr_ctx_site(ctx, "nfs_server");
    const char *export = mr_ctx_site(ctx, "nfs_export");
    return server ? nfs_spec(server, export ? export : path) : NULL;
}

/* For the fixer: F wants a new entry mounting SRC on PATH, its fields in
 * the order fstab has them. Nothing when SRC is NULL (no server known). */
static void want_entry(struct mr_finding *f, const char *src, const char *path)
{
    if (!src)
        return;
    char *file = octal(path);
    mr_finding_code(f, "no-entry");
    mr_finding_also(f, NULL, "spec", src);
    mr_finding_also(f, NULL, "file", file);
    mr_finding_also(f, NULL, "vfstype", "nfs4");
    mr_finding_also(f, NULL, "opt", "defaults");
    mr_finding_also(f, NULL, "dump", "0");
    mr_finding_also(f, NULL, "passno", "0");
    free(file);
}

/* OPTS without NAME; "defaults" when nothing is left (caller frees). */
static char *opts_without(const char *opts, const char *name)
{
    char **keep = mr_xcalloc(1, sizeof(char *));
    char *copy = mr_xstrdup(opts), *save = NULL;
    for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
        if (strcmp(o, name) != 0)
            mr_strv_push(&keep, o);
    free(copy);
    char *r = keep[0] ? mr_strv_join(keep, ",") : mr_xstrdup("defaults");
    mr_strv_free(keep);
    return r;
}

/* Reads and parses /etc/fstab. -ENOENT when there is none. */
static int load_fstab(const struct mr_ctx *ctx, struct mr_result *res, struct mnt_table *t)
{
    char *buf = NULL;
    int r = mr_root_read(ctx->root, FSTAB, FILE_MAX, &buf, NULL);
    if (r < 0)
        return r;
    mnt_parse(buf, FSTAB, res, t);
    free(buf);
    return 0;
}

/* Live: the mount table agrees with the fstab entry E. */
static void check_mounted(const struct mr_ctx *ctx, struct mr_result *res, const struct mnt *e,
                          const char *path)
{
    char *buf = NULL;
    int r = ctx->ops && ctx->ops->mounts ? ctx->ops->mounts(&buf) : -ENOSYS;
    if (r < 0) {
        mr_report(res, MR_ERROR, "cannot read the live mount table: %s", strerror(-r));
        return;
    }
    struct mnt_table live = {0};
    mnt_parse(buf, NULL, NULL, &live);
    free(buf);
    const struct mnt *m = mnt_find(&live, e->dir);
    struct mr_finding *f;
    char *want_host = NULL, *want_path = NULL, *host = NULL, *src_path = NULL;
    nfs_source(e->src, &want_host, &want_path);
    if (!m || !mr_path_eq(m->dir, e->dir)) {
        f = mr_report(res, MR_FAIL, "%s is not mounted: %s:%d says %s from %s, but %s is on %s "
                      "(%s), a local file system",
                      e->dir, FSTAB, e->line, e->type, e->src, e->dir, m ? m->dir : "/",
                      m ? m->type : "unknown");
        mr_finding_at(f, FSTAB, e->line);
        mr_finding_remedy(f, "mount %s (and find out why it was not mounted at boot)", e->dir);
    } else if (strcmp(m->type, "autofs") == 0 && has_opt(e->opts, "x-systemd.automount")) {
        /* Not accessed since boot: the first access mounts it. */
        mr_report(res, MR_PASS, "%s is an automount point (x-systemd.automount in %s:%d): NFS "
                  "is mounted on first access", e->dir, FSTAB, e->line);
    } else if (!is_nfs(m->type)) {
        f = mr_report(res, MR_FAIL, "%s is not mounted over NFS: the live mount table shows %s "
                      "from %s (a bind mount or a local file system), but %s:%d says %s from %s",
                      e->dir, m->type, m->src, FSTAB, e->line, e->type, e->src);
        mr_finding_at(f, FSTAB, e->line);
        mr_finding_remedy(f, "umount %s && mount %s", e->dir, e->dir);
    } else if (!nfs_source(m->src, &host, &src_path) || !want_host ||
               !mr_host_eq(host, want_host) || !mr_path_eq(src_path, want_path)) {
        f = mr_report(res, MR_FAIL, "%s is mounted from %s, but %s:%d says %s",
                      e->dir, m->src, FSTAB, e->line, e->src);
        mr_finding_at(f, FSTAB, e->line);
        mr_finding_remedy(f, "umount %s && mount %s, or correct line %d of %s", e->dir, e->dir,
                          e->line, FSTAB);
    } else {
        mr_report(res, MR_PASS, "%s is mounted from %s (%s), as %s:%d says", e->dir, m->src,
                  m->type, FSTAB, e->line);
    }
    free(want_host);
    free(want_path);
    free(host);
    free(src_path);
    mnt_table_free(&live);
}

static int run_fstab(const struct mr_ctx *ctx, struct mr_result *res)
{
    struct mr_novaval iv;
    if (!instances_path(ctx, res, &iv))
        return 0;
    const char *path = iv.value;
    struct mnt_table t = {0};
    char *host = NULL, *src_path = NULL;
    char *src = site_source(ctx, path);
    struct mr_finding *f;
    int r = load_fstab(ctx, res, &t);
    if (r == -ENOENT) {
        f = mr_report(res, MR_FAIL, "%s does not exist, so %s is not an NFS mount", FSTAB, path);
        mr_finding_at(f, FSTAB, 0);
        mr_finding_remedy(f, "add 'NFS-SERVER:/ %s nfs4 defaults 0 0' to %s", path, FSTAB);
        want_entry(f, src, path);
        goto cleanup;
    }
    if (r < 0) {
        mr_report(res, MR_ERROR, "cannot read %s: %s", FSTAB, strerror(-r));
        goto cleanup;
    }
    const struct mnt *e = mnt_find(&t, path);
    if (!e) {
        f = mr_report(res, MR_FAIL, "%s has no entry for %s: the instances are on the local "
                      "disk, not on shared storage", FSTAB, path);
        mr_finding_at(f, FSTAB, 0);
        mr_finding_remedy(f, "add 'NFS-SERVER:/ %s nfs4 defaults 0 0' to %s, or use "
                          "--profile block for block migration", path, FSTAB);
        want_entry(f, src, path);
        goto cleanup;
    }
    if (!is_nfs(e->type) && !mr_path_eq(e->dir, path)) {
        f = mr_report(res, MR_FAIL, "%s has no entry for %s: the instances are on the local "
                      "file system %s (%s, %s:%d), not on shared storage", FSTAB, path, e->dir,
                      e->type, FSTAB, e->line);
        mr_finding_at(f, FSTAB, e->line);
        mr_finding_remedy(f, "add 'NFS-SERVER:/ %s nfs4 defaults 0 0' to %s, or use "
                          "--profile block for block migration", path, FSTAB);
        want_entry(f, src, path);
        goto cleanup;
    }
    if (!is_nfs(e->type)) {
        f = mr_report(res, MR_FAIL, "%s:%d mounts %s on %s as %s, not NFS: the instances are "
                      "not on shared storage", FSTAB, e->line, e->src, e->dir, e->type);
        mr_finding_at(f, FSTAB, e->line);
        mr_finding_remedy(f, "mount the NFS export on %s (type nfs4) in %s, or use "
                          "--profile block for block migration", path, FSTAB);
        if (src) {
            /* A local file system's options mean nothing to NFS. */
            mr_finding_code(f, "not-nfs");
            mr_finding_value(f, e->type);
            mr_finding_also(f, NULL, "spec", src);
            mr_finding_also(f, NULL, "vfstype", "nfs4");
            mr_finding_also(f, NULL, "opt", "defaults");
        }
        goto cleanup;
    }
    bool exact = mr_path_eq(e->dir, path);
    if (!nfs_source(e->src, &host, &src_path)) {
        f = mr_report(res, MR_FAIL, "%s:%d: source '%s' is not HOST:/PATH", FSTAB, e->line,
                      e->src);
        mr_finding_at(f, FSTAB, e->line);
        mr_finding_remedy(f, "write the source of line %d of %s as NFS-SERVER:/EXPORT", e->line,
                          FSTAB);
        if (src) {
            mr_finding_code(f, "source");
            mr_finding_key(f, NULL, "spec");
            mr_finding_value(f, e->src);
            mr_finding_want(f, src);
        }
        goto cleanup;
    }
    const char *want = mr_ctx_site(ctx, "nfs_server");
    if (want && !mr_host_eq(host, want)) {
        f = mr_report(res, MR_FAIL, "%s:%d mounts %s from %s, but the site's NFS server is %s",
                      FSTAB, e->line, e->dir, host, want);
        mr_finding_at(f, FSTAB, e->line);
        mr_finding_remedy(f, "mount %s:%s in line %d of %s, or correct nfs_server in [site] of "
                          "%s", want, src_path, e->line, FSTAB, mr_ctx_site_file(ctx));
        /* The same export, from the site's server. */
        char *fixed = nfs_spec(want, src_path);
        mr_finding_code(f, "source");
        mr_finding_key(f, NULL, "spec");
        mr_finding_value(f, e->src);
        mr_finding_want(f, fixed);
        free(fixed);
    }
    if (has_opt(e->opts, "ro")) {
        f = mr_report(res, MR_FAIL, "%s:%d mounts %s read-only (ro): nova cannot write instance "
                      "disks there", FSTAB, e->line, e->dir);
        mr_finding_at(f, FSTAB, e->line);
        mr_finding_remedy(f, "remove ro from the options of line %d of %s", e->line, FSTAB);
        char *opts = opts_without(e->opts, "ro");
        mr_finding_code(f, "read-only");
        mr_finding_key(f, NULL, "opt");
        mr_finding_value(f, e->opts);
        mr_finding_want(f, opts);
        free(opts);
    }
    if (has_opt(e->opts, "soft")) {
        f = mr_report(res, MR_WARN, "%s:%d mounts %s with soft: when the server is slow, QEMU "
                      "gets I/O errors and instance disks can be corrupted", FSTAB, e->line,
                      e->dir);
        mr_finding_at(f, FSTAB, e->line);
        mr_finding_remedy(f, "replace soft with hard in the options of line %d of %s", e->line,
                          FSTAB);
    }
    /* With x-systemd.automount, systemd mounts it on first access (the
     * automount unit starts at boot), so noauto only drops the boot-time wait. */
    if (has_opt(e->opts, "noauto") && !has_opt(e->opts, "x-systemd.automount")) {
        f = mr_report(res, MR_WARN, "%s:%d has noauto: %s is not mounted at boot, and "
                      "nova-compute starts on the empty local folder", FSTAB, e->line, e->dir);
        mr_finding_at(f, FSTAB, e->line);
        mr_finding_remedy(f, "remove noauto from the options of line %d of %s", e->line, FSTAB);
    }
    if (!want || mr_host_eq(host, want)) {
        if (exact)
            f = mr_report(res, MR_PASS, "%s:%d mounts %s from %s (%s, %s)", FSTAB, e->line,
                          path, e->src, e->type, e->opts);
        else
            f = mr_report(res, MR_PASS, "%s is inside the NFS mount %s from %s (%s:%d)", path,
                          e->dir, e->src, FSTAB, e->line);
        mr_finding_at(f, FSTAB, e->line);
    }
    if (ctx->live)
        check_mounted(ctx, res, e, path);

cleanup:
    free(src);
    free(host);
    free(src_path);
    mnt_table_free(&t);
    return 0;
}

const struct mr_check mr_check_nfs_fstab = {
    .id = "nfs.fstab",
    .title = "the instances path is an NFS mount in fstab and mounted",
    .run = run_fstab,
};

/* ---- /etc/hosts ---- */

/* The names (NAME, its aliases) and addresses of a host, from /etc/hosts
 * and, live, from the resolver. */
static void host_identity(const struct mr_ctx *ctx, const struct mr_hosts *h, const char *name,
                          char ***names, char ***addrs)
{
    *names = mr_xcalloc(1, sizeof(char *));
    *addrs = mr_xcalloc(1, sizeof(char *));
    mr_strv_push(names, name);
    if (mr_addr_is_literal(name))
        mr_strv_push(addrs, name);
    for (size_t i = 0; h && i < h->n; i++) {
        bool hit = strcmp(h->v[i].addr, name) == 0;
        for (size_t j = 0; h->v[i].names[j] && !hit; j++)
            hit = mr_host_eq(h->v[i].names[j], name);
        if (!hit)
            continue;
        if (!mr_strv_contains(*addrs, h->v[i].addr))
            mr_strv_push(addrs, h->v[i].addr);
        for (size_t j = 0; h->v[i].names[j]; j++)
            if (!mr_strv_contains(*names, h->v[i].names[j]))
                mr_strv_push(names, h->v[i].names[j]);
    }
    char **more = NULL;
    if (ctx->live && ctx->ops && ctx->ops->resolve && ctx->ops->resolve(name, &more) == 0) {
        for (size_t i = 0; more[i]; i++)
            if (!mr_strv_contains(*addrs, more[i]))
                mr_strv_push(addrs, more[i]);
        mr_strv_free(more);
    }
}

/* ---- /etc/exports ---- */

struct tok {
    char *s;
    int line;
};

struct exp_opts {
    bool rw, sync, root_squash, all_squash;
};

enum client_kind { CL_HOST, CL_NET, CL_WILD, CL_NETGROUP, CL_ANON, _CL_LAST };

struct client {
    char *spec;  /* as written, e.g. "192.0.2.0/24(rw,sync)" */
    char *host;  /* "" for the world-with-options pitfall, "*" for anyone */
    char *written; /* the options in its parentheses, NULL when none */
    enum client_kind kind;
    struct exp_opts opts;
    const char *file; /* owned by the export list */
    int line;
    bool implicit_world; /* no client at all on the line */
    char **served;       /* peers this client serves */
};

struct exports {
    struct client *v;
    size_t n;
    char **files; /* the files read, for places */
    bool any_entry; /* the export path appears at all */
};

static void exports_free(struct exports *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->v[i].spec);
        free(e->v[i].host);
        free(e->v[i].written);
        mr_strv_free(e->v[i].served);
    }
    free(e->v);
    mr_strv_free(e->files);
}

static void apply_opts(struct exp_opts *o, const char *list)
{
    char *copy = mr_xstrdup(list);
    char *save = NULL;
    for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        if (strcmp(w, "rw") == 0)
            o->rw = true;
        else if (strcmp(w, "ro") == 0)
            o->rw = false;
        else if (strcmp(w, "sync") == 0)
            o->sync = true;
        else if (strcmp(w, "async") == 0)
            o->sync = false;
        else if (strcmp(w, "root_squash") == 0)
            o->root_squash = true;
        else if (strcmp(w, "no_root_squash") == 0)
            o->root_squash = false;
        else if (strcmp(w, "all_squash") == 0)
            o->all_squash = true;
        else if (strcmp(w, "no_all_squash") == 0)
            o->all_squash = false;
    }
    free(copy);
}

static enum client_kind classify(const char *host)
{
    if (!*host || strcmp(host, "*") == 0)
        return CL_ANON;
    if (host[0] == '@')
        return CL_NETGROUP;
    if (strchr(host, '/'))
        return CL_NET;
    if (strpbrk(host, "*?["))
        return CL_WILD;
    return CL_HOST;
}

/* Splits one exports file into logical lines of tokens. Returns false and
 * reports an error at the place when the syntax is broken. */
static bool tokenize(const char *buf, const char *file, struct mr_result *res,
                     struct tok ***ret_lines, size_t *ret_n)
{
    struct tok **lines = NULL;
    size_t n = 0, nt = 0;
    struct tok *cur = NULL;
    int lineno = 1;
    const char *p = buf;
    bool ok = true;
    char *tokbuf = mr_xmalloc(strlen(buf) + 1);
    for (;;) {
        /* Between tokens. */
        if (*p == '\\' && p[1] == '\n') {
            p += 2, lineno++;
            continue;
        }
        if (*p == ' ' || *p == '\t' || *p == '\r') {
            p++;
            continue;
        }
        if (*p == '#') {
            while (*p && *p != '\n')
                p++;
            continue;
        }
        if (*p == '\n' || !*p) {
            if (cur) {
                cur = mr_xrealloc(cur, (nt + 1) * sizeof(*cur));
                cur[nt] = (struct tok){NULL, 0};
                lines = mr_xrealloc(lines, (n + 1) * sizeof(*lines));
                lines[n++] = cur;
                cur = NULL;
                nt = 0;
            }
            if (!*p)
                break;
            p++, lineno++;
            continue;
        }
        int start = lineno;
        size_t len = 0;
        bool quoted = false;
        while (*p) {
            if (*p == '\\' && p[1] == '\n') {
                p += 2, lineno++;
                continue;
            }
            if (*p == '"') {
                quoted = !quoted;
                p++;
                continue;
            }
            if (!quoted && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
                break;
            if (quoted && *p == '\n')
                break;
            tokbuf[len++] = *p++;
        }
        if (quoted) {
            struct mr_finding *f = mr_report(res, MR_ERROR, "%s:%d: a double quote is not closed",
                                             file, start);
            mr_finding_at(f, file, start);
            mr_finding_remedy(f, "close the quote on line %d of %s", start, file);
            ok = false;
        }
        cur = mr_xrealloc(cur, (nt + 1) * sizeof(*cur));
        cur[nt++] = (struct tok){mr_xstrndup(tokbuf, len), start};
    }
    free(tokbuf);
    *ret_lines = lines;
    *ret_n = n;
    return ok;
}

static void add_client(struct exports *ex, const char *spec, const char *host, const char *defs,
                       const char *opts, const char *file, int line, bool implicit)
{
    struct client c = {.spec = mr_xstrdup(spec), .host = mr_xstrdup(host), .file = file,
                       .written = opts ? mr_xstrdup(opts) : NULL,
                       .line = line, .implicit_world = implicit,
                       .served = mr_xcalloc(1, sizeof(char *))};
    c.kind = classify(host);
    /* exports(5) defaults: ro, sync, root_squash, no_all_squash. */
    c.opts = (struct exp_opts){.rw = false, .sync = true, .root_squash = true};
    if (defs)
        apply_opts(&c.opts, defs);
    if (opts)
        apply_opts(&c.opts, opts);
    ex->v = mr_xrealloc(ex->v, (ex->n + 1) * sizeof(*ex->v));
    ex->v[ex->n++] = c;
}

static void bad_line(struct mr_result *res, const char *file, int line, const char *fmt, ...)
    MR_PRINTF(4, 5);
static void bad_line(struct mr_result *res, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = mr_xvasprintf(fmt, ap);
    va_end(ap);
    struct mr_finding *f = mr_report(res, MR_ERROR, "%s:%d: %s", file, line, msg);
    free(msg);
    mr_finding_at(f, file, line);
    mr_finding_remedy(f, "write line %d of %s as 'PATH CLIENT(OPTIONS) ...', e.g. "
                      "'/var/lib/nova/instances 192.0.2.0/24(rw,sync,no_root_squash)'",
                      line, file);
}

/* Parses FILE, collecting the clients of PATH. */
static void parse_exports(const char *buf, const char *file, const char *path,
                          struct mr_result *res, struct exports *ex)
{
    struct tok **lines = NULL;
    size_t n = 0;
    tokenize(buf, file, res, &lines, &n);
    for (size_t i = 0; i < n; i++) {
        struct tok *t = lines[i];
        if (t[0].s[0] != '/') {
            if (t[0].s[0] == '(' || t[0].s[0] == '-' || strchr(t[0].s, '('))
                bad_line(res, file, t[0].line, "client or options '%s' but no path to export before them",
                         t[0].s);
            else
                bad_line(res, file, t[0].line, "'%s' is not an absolute path to export",
                         t[0].s);
            continue;
        }
        bool mine = mr_path_eq(t[0].s, path);
        ex->any_entry |= mine;
        char *defs = NULL;
        size_t clients = 0;
        for (size_t j = 1; t[j].s; j++) {
            const char *s = t[j].s;
            if (s[0] == '-') {
                free(defs);
                defs = mr_xstrdup(s + 1);
                continue;
            }
            const char *open = strchr(s, '(');
            const char *close = strrchr(s, ')');
            if (open && (!close || close < open || close[1] != '\0')) {
                bad_line(res, file, t[j].line, "client '%s' has an unbalanced parenthesis", s);
                continue;
            }
            if (!open && strchr(s, ')')) {
                bad_line(res, file, t[j].line, "client '%s' has an unbalanced parenthesis", s);
                continue;
            }
            clients++;
            if (!mine)
                continue;
            char *host = open ? mr_xstrndup(s, (size_t)(open - s)) : mr_xstrdup(s);
            char *opts = open ? mr_xstrndup(open + 1, (size_t)(close - open - 1)) : NULL;
            add_client(ex, s, host, defs, opts, file, t[j].line, false);
            free(host);
            free(opts);
        }
        if (mine && clients == 0)
            add_client(ex, "", "*", defs, NULL, file, t[0].line, true);
        free(defs);
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; lines[i][j].s; j++)
            free(lines[i][j].s);
        free(lines[i]);
    }
    free(lines);
}

/* For the fixer: F wants PATH exported to every peer, when there are peers
 * (which clients to export to is otherwise the operator's). */
static void want_export(const struct mr_ctx *ctx, struct mr_finding *f, const char *path)
{
    if (!ctx->peers || !ctx->peers[0])
        return;
    mr_finding_code(f, "not-exported");
    for (size_t p = 0; ctx->peers[p]; p++)
        mr_finding_also(f, path, ctx->peers[p], CLIENT_OPTS);
}

static bool load_exports(const struct mr_ctx *ctx, struct mr_result *res, const char *path,
                         struct exports *ex)
{
    ex->files = mr_xcalloc(1, sizeof(char *));
    mr_strv_push(&ex->files, EXPORTS);
    char **names = NULL;
    int r = mr_root_list(ctx->root, EXPORTS_D, ".exports", &names);
    if (r < 0 && r != -ENOENT) {
        mr_report(res, MR_ERROR, "cannot list %s: %s", EXPORTS_D, strerror(-r));
        return false;
    }
    for (size_t i = 0; names && names[i]; i++) {
        char *p = mr_xasprintf("%s/%s", EXPORTS_D, names[i]);
        mr_strv_push(&ex->files, p);
        free(p);
    }
    mr_strv_free(names);
    bool found = false;
    for (size_t i = 0; ex->files[i]; i++) {
        char *buf = NULL;
        r = mr_root_read(ctx->root, ex->files[i], FILE_MAX, &buf, NULL);
        if (r == -ENOENT)
            continue;
        if (r < 0) {
            mr_report(res, MR_ERROR, "cannot read %s: %s", ex->files[i], strerror(-r));
            return false;
        }
        found = true;
        parse_exports(buf, ex->files[i], path, res, ex);
        free(buf);
    }
    if (!found) {
        struct mr_finding *f = mr_report(res, MR_FAIL, "neither %s nor %s/*.exports exists: "
                                         "nothing is exported", EXPORTS, EXPORTS_D);
        mr_finding_at(f, EXPORTS, 0);
        mr_finding_remedy(f, "add '%s 192.0.2.0/24(rw,sync,no_root_squash,no_subtree_check)' "
                          "(your compute hosts' network) to %s, then run exportfs -ra", path,
                          EXPORTS);
        want_export(ctx, f, path);
        return false;
    }
    return true;
}

/* Whether an address of ADDRS is in NET/MASK (NET an address). */
static bool in_net(const char *net, const char *mask, char *const *addrs)
{
    struct mr_net n;
    if (!mr_net_parse(net, mask, &n))
        return false;
    for (size_t i = 0; addrs[i]; i++)
        if (mr_net_contains(&n, addrs[i]))
            return true;
    return false;
}

/* "192.0.2.0/24", "192.0.2.0/255.255.255.0", or a host name with a mask
 * ("HostA/255.255.0.0", as an old guide writes it). */
static bool net_match(const struct mr_ctx *ctx, const struct mr_hosts *h, const char *spec,
                      char *const *addrs)
{
    char *net = mr_xstrdup(spec);
    char *slash = strchr(net, '/');
    *slash = '\0';
    bool hit = in_net(net, slash + 1, addrs);
    if (!hit) {
        char **names = NULL, **bases = NULL;
        host_identity(ctx, h, net, &names, &bases);
        for (size_t i = 0; bases[i] && !hit; i++)
            hit = in_net(bases[i], slash + 1, addrs);
        mr_strv_free(names);
        mr_strv_free(bases);
    }
    free(net);
    return hit;
}

static bool client_match(const struct mr_ctx *ctx, const struct mr_hosts *h, const struct client *c,
                         char *const *names, char *const *addrs)
{
    switch (c->kind) {
    case CL_ANON:
        return true;
    case CL_NET:
        return net_match(ctx, h, c->host, addrs);
    case CL_WILD:
        for (size_t i = 0; names[i]; i++)
            if (fnmatch(c->host, names[i], FNM_CASEFOLD) == 0)
                return true;
        return false;
    case CL_HOST: {
        for (size_t i = 0; names[i]; i++)
            if (mr_host_eq(c->host, names[i]))
                return true;
        char **cn = NULL, **ca = NULL;
        host_identity(ctx, h, c->host, &cn, &ca);
        bool hit = false;
        for (size_t i = 0; ca[i] && !hit; i++)
            hit = mr_strv_contains(addrs, ca[i]);
        mr_strv_free(cn);
        mr_strv_free(ca);
        return hit;
    }
    case CL_NETGROUP:
    case _CL_LAST:
        break;
    }
    return false;
}

static char *opts_text(const struct exp_opts *o)
{
    return mr_xasprintf("%s,%s,%s%s", o->rw ? "rw" : "ro", o->sync ? "sync" : "async",
                        o->root_squash ? "root_squash" : "no_root_squash",
                        o->all_squash ? ",all_squash" : "");
}

/* The options C must be written with: its own, less those that leave the
 * instances read-only, squashed or unsafe, plus those that are missing
 * (caller frees). */
static char *client_want(const struct client *c)
{
    static const char *const wanted[] = {"rw", "sync", "no_root_squash"};
    static const char *const unwanted[] = {"ro", "async", "root_squash", "all_squash"};
    char **v = mr_xcalloc(1, sizeof(char *));
    char **own = mr_split_list(c->written ? c->written : "");
    for (size_t i = 0; own[i]; i++) {
        bool drop = false;
        for (size_t k = 0; k < MR_ARRAY_SIZE(unwanted); k++)
            drop |= strcmp(own[i], unwanted[k]) == 0;
        if (!drop)
            mr_strv_push(&v, own[i]);
    }
    for (size_t k = 0; k < MR_ARRAY_SIZE(wanted); k++)
        if (!mr_strv_contains(v, wanted[k]))
            mr_strv_push(&v, wanted[k]);
    char *r = mr_strv_join(v, ",");
    mr_strv_free(own);
    mr_strv_free(v);
    return r;
}

/* For the fixer, on the first fail about C: the options it must have. A
 * client without a name of its own (no client, or the blank pitfall) is
 * not one an edit can find. */
static void want_options(struct mr_finding *f, const struct client *c, const char *path,
                         bool *done)
{
    if (*done || c->implicit_world || !*c->host)
        return;
    *done = true;
    char *want = client_want(c);
    mr_finding_code(f, "client-options");
    mr_finding_key(f, path, c->host);
    mr_finding_value(f, c->written);
    mr_finding_want(f, want);
    free(want);
}

/* Judges the options one client gives. */
static void judge_client(struct mr_result *res, const struct client *c, const char *path)
{
    char *who = c->served[0] ? mr_strv_join(c->served, ", ") : mr_xstrdup("its hosts");
    char *eff = opts_text(&c->opts);
    char *fix = mr_xasprintf("%s(rw,sync,no_root_squash,no_subtree_check)",
                             c->kind == CL_ANON ? "COMPUTE-NETWORK" : c->host);
    struct mr_finding *f;
    bool ok = true, data = false;
    if (c->kind == CL_ANON) {
        ok = false;
        if (c->implicit_world)
            f = mr_report(res, MR_WARN, "%s:%d exports %s with no client: exportfs exports it "
                          "to every host in the world (%s)", c->file, c->line, path, eff);
        else if (!*c->host)
            f = mr_report(res, MR_WARN, "%s:%d: the blank before '%s' makes it an export of "
                          "%s to every host in the world with those options",
                          c->file, c->line, c->spec, path);
        else
            f = mr_report(res, MR_WARN, "%s:%d exports %s to every host in the world ('*')",
                          c->file, c->line, path);
        mr_finding_at(f, c->file, c->line);
        mr_finding_remedy(f, "name the compute hosts' network in %s:%d, e.g. '%s %s', then run "
                          "exportfs -ra", c->file, c->line, path, fix);
    }
    if (!c->opts.rw) {
        ok = false;
        f = mr_report(res, MR_FAIL, "%s:%d exports %s read-only to %s ('%s'; without rw an "
                      "export is read-only): nova cannot write instance disks", c->file,
                      c->line, path, who, c->spec);
        mr_finding_at(f, c->file, c->line);
        mr_finding_remedy(f, "write the client as '%s' in %s:%d, then run exportfs -ra", fix,
                          c->file, c->line);
        want_options(f, c, path, &data);
    }
    if (c->opts.root_squash || c->opts.all_squash) {
        ok = false;
        f = mr_report(res, MR_FAIL, "%s:%d exports %s to %s with %s ('%s'%s): libvirt and QEMU "
                      "run as root on the compute hosts and cannot chown the instances' disks",
                      c->file, c->line, path, who,
                      c->opts.all_squash ? "all_squash" : "root_squash", c->spec,
                      c->opts.all_squash ? "" : "; without no_root_squash root is squashed");
        mr_finding_at(f, c->file, c->line);
        mr_finding_remedy(f, "write the client as '%s' in %s:%d, then run exportfs -ra", fix,
                          c->file, c->line);
        want_options(f, c, path, &data);
    }
    if (!c->opts.sync) {
        ok = false;
        f = mr_report(res, MR_WARN, "%s:%d exports %s to %s with async: a crash of the NFS "
                      "server loses writes that the instances believe are on disk",
                      c->file, c->line, path, who);
        mr_finding_at(f, c->file, c->line);
        mr_finding_remedy(f, "replace async with sync in %s:%d, then run exportfs -ra",
                          c->file, c->line);
    }
    if (ok) {
        f = mr_report(res, MR_PASS, "%s:%d exports %s to %s as '%s' (%s)", c->file, c->line,
                      path, who, c->spec, eff);
        mr_finding_at(f, c->file, c->line);
    }
    free(who);
    free(eff);
    free(fix);
}

static int run_exports(const struct mr_ctx *ctx, struct mr_result *res)
{
    struct mr_novaval iv;
    if (!instances_path(ctx, res, &iv))
        return 0;
    const char *path = mr_ctx_site(ctx, "export_path");
    if (!path)
        path = iv.value;
    struct exports ex = {0};
    struct mr_hosts *h = NULL;
    struct mr_finding *f;
    if (!load_exports(ctx, res, path, &ex))
        goto cleanup;
    if (!ex.any_entry) {
        f = mr_report(res, MR_FAIL, "%s is not exported: no line of %s or %s/*.exports names it",
                      path, EXPORTS, EXPORTS_D);
        mr_finding_at(f, EXPORTS, 0);
        mr_finding_remedy(f, "add '%s 192.0.2.0/24(rw,sync,no_root_squash,no_subtree_check)' "
                          "(your compute hosts' network) to %s, then run exportfs -ra; or set "
                          "export_path in [site] of %s to the folder this server exports",
                          path, EXPORTS, mr_ctx_site_file(ctx));
        want_export(ctx, f, path);
        goto cleanup;
    }
    if (ex.n == 0)
        goto cleanup; /* only broken lines named the path: reported as errors */

    if (mr_hosts_read(ctx->root, &h, NULL) < 0)
        h = NULL; /* none or unreadable: hosts.resolution says which */
    bool peers = ctx->peers && ctx->peers[0];
    for (size_t p = 0; peers && ctx->peers[p]; p++) {
        char **names = NULL, **addrs = NULL;
        host_identity(ctx, h, ctx->peers[p], &names, &addrs);
        struct client *hit = NULL;
        const struct client *netgroup = NULL;
        for (int kind = CL_HOST; kind < _CL_LAST && !hit; kind++)
            for (size_t i = 0; i < ex.n && !hit; i++) {
                if ((int)ex.v[i].kind != kind)
                    continue;
                if (kind == CL_NETGROUP && !netgroup)
                    netgroup = &ex.v[i];
                if (client_match(ctx, h, &ex.v[i], names, addrs))
                    hit = &ex.v[i];
            }
        if (hit) {
            mr_strv_push(&hit->served, ctx->peers[p]);
        } else if (netgroup) {
            f = mr_report(res, MR_WARN, "cannot tell whether compute host %s is in netgroup %s "
                          "(%s:%d), the only client of %s that could cover it",
                          ctx->peers[p], netgroup->host, netgroup->file, netgroup->line, path);
            mr_finding_at(f, netgroup->file, netgroup->line);
            mr_finding_remedy(f, "check with 'innetgr' or name the compute hosts' network in "
                              "%s:%d", netgroup->file, netgroup->line);
        } else if (!addrs[0]) {
            f = mr_report(res, MR_WARN, "compute host %s does not resolve in %s, so it is "
                          "unknown whether the clients of %s cover it", ctx->peers[p], HOSTS,
                          path);
            mr_finding_at(f, ex.v[0].file, ex.v[0].line);
            mr_finding_remedy(f, "add %s to %s, or name it in the clients of %s in %s:%d",
                              ctx->peers[p], HOSTS, path, ex.v[0].file, ex.v[0].line);
        } else {
            char *a = mr_strv_join(addrs, ", ");
            f = mr_report(res, MR_FAIL, "compute host %s (%s) is not among the clients of %s "
                          "(%s:%d): it cannot mount the instances path", ctx->peers[p], a,
                          path, ex.v[0].file, ex.v[0].line);
            mr_finding_at(f, ex.v[0].file, ex.v[0].line);
            mr_finding_remedy(f, "add '%s(rw,sync,no_root_squash,no_subtree_check)' to the "
                              "clients of %s in %s:%d, then run exportfs -ra", ctx->peers[p],
                              path, ex.v[0].file, ex.v[0].line);
            mr_finding_code(f, "add-client");
            mr_finding_key(f, path, ctx->peers[p]);
            mr_finding_want(f, CLIENT_OPTS);
            free(a);
        }
        mr_strv_free(names);
        mr_strv_free(addrs);
    }
    for (size_t i = 0; i < ex.n; i++)
        if (!peers || ex.v[i].served[0])
            judge_client(res, &ex.v[i], path);
    if (!peers)
        mr_report(res, MR_PASS, "no peers in the site configuration: every client of %s was "
                  "judged, but not whether they cover the compute hosts", path);

cleanup:
    mr_hosts_free(h);
    exports_free(&ex);
    return 0;
}

const struct mr_check mr_check_nfs_exports = {
    .id = "nfs.exports",
    .title = "the instances path is exported rw, sync, no_root_squash",
    .optional = true,
    .run = run_exports,
};

/* ---- nfs.access ---- */

static int run_access(const struct mr_ctx *ctx, struct mr_result *res)
{
    struct mr_novaval iv;
    if (!instances_path(ctx, res, &iv))
        return 0;
    struct mnt_table t = {0};
    char *fs_host = NULL, *fs_path = NULL;
    struct mr_finding *f;
    if (load_fstab(ctx, NULL, &t) == 0) {
        const struct mnt *e = mnt_find(&t, iv.value);
        if (e && is_nfs(e->type))
            nfs_source(e->src, &fs_host, &fs_path);
    }
    const char *server = mr_ctx_site(ctx, "nfs_server");
    if (!server)
        server = fs_host;
    const char *export = mr_ctx_site(ctx, "nfs_export");
    if (!export)
        export = fs_path ? fs_path : iv.value;
    if (!server) {
        f = mr_report(res, MR_ERROR, "no NFS server to probe: nfs_server is not set in the site "
                      "configuration and %s has no NFS entry for %s", FSTAB, iv.value);
        mr_finding_remedy(f, "set nfs_server in [site] of %s", mr_ctx_site_file(ctx));
        goto cleanup;
    }

    const char *user = mr_ctx_nova_user(ctx);
    unsigned uid = 0, gid = 0;
    /* A value that is not an ID counts as unset here: ids.nova reports it. */
    bool have_uid = mr_ctx_site_id(ctx, "nova_uid", &uid, NULL) > 0;
    bool have_gid = mr_ctx_site_id(ctx, "nova_gid", &gid, NULL) > 0;
    if (!have_uid || !have_gid) {
        uid_t u;
        gid_t g;
        if (mr_ctx_user(ctx, user, &u, &g) < 0) {
            f = mr_report(res, MR_ERROR, "nova's UID is unknown: user %s does not exist here and "
                          "the site configuration sets no nova_uid and nova_gid", user);
            mr_finding_remedy(f, "set nova_uid and nova_gid in [site] of %s",
                              mr_ctx_site_file(ctx));
            goto cleanup;
        }
        if (!have_uid)
            uid = u;
        if (!have_gid)
            gid = g;
    }
    if (!ctx->ops || !ctx->ops->nfs_probe) {
        mr_report(res, MR_ERROR, "no NFS client available in this build");
        goto cleanup;
    }

    struct mr_nfs_probe req = {.server = server, .export_path = export, .uid = uid, .gid = gid,
                               .timeout_ms = PROBE_TIMEOUT_MS};
    struct mr_nfs_result out;
    memset(&out, 0, sizeof(out));
    int r = ctx->ops->nfs_probe(&req, &out);
    if (r < 0) {
        mr_report(res, MR_ERROR, "cannot start the NFS probe: %s", strerror(-r));
        goto cleanup;
    }
    const char *why = out.message[0] ? out.message : strerror(out.err < 0 ? -out.err : EIO);
    char *where = mr_xasprintf("%s:%s", server, export);
    char *addr = out.address[0] && strcmp(out.address, server) != 0
                     ? mr_xasprintf("%s (%s)", server, out.address)
                     : mr_xstrdup(server);
    int secs = (PROBE_TIMEOUT_MS + 999) / 1000;
    bool squashy = out.err == -EACCES || out.err == -EPERM;
    if (out.err == 0 || out.stage == MR_NFS_DONE) {
        /* judged below */
    } else if (out.stage == MR_NFS_RESOLVE) {
        f = mr_report(res, MR_FAIL, "server unreachable: the NFS server name %s does not "
                      "resolve (%s)", server, why);
        mr_finding_remedy(f, "add %s to /etc/hosts or DNS, or correct nfs_server in [site] of %s",
                          server, mr_ctx_site_file(ctx));
    } else if (out.stage == MR_NFS_CONNECT) {
        f = mr_report(res, MR_FAIL, "server unreachable: nothing answers on %s port 2049 (%s)",
                      addr, out.err == -ETIMEDOUT ? "no answer within the timeout" : why);
        mr_finding_remedy(f, "start the NFS server on %s (nfs-server or nfs-ganesha) and accept "
                          "TCP 2049 (and 111 for NFSv3) from this host in its firewall", server);
    } else if (out.stage == MR_NFS_MOUNT && out.err == -ENOENT) {
        f = mr_report(res, MR_FAIL, "export not found: %s does not export %s (%s)", addr, export,
                      why);
        mr_finding_remedy(f, "export %s on %s (/etc/exports, then exportfs -ra), or set "
                          "nfs_export in [site] of %s to the path the server exports",
                          export, server, mr_ctx_site_file(ctx));
    } else if (out.stage == MR_NFS_MOUNT && squashy) {
        f = mr_report(res, MR_FAIL, "permission denied: %s refuses to let this host mount %s "
                      "(%s)", addr, export, why);
        mr_finding_remedy(f, "add this host to the clients of %s in /etc/exports on %s, then "
                          "run exportfs -ra", export, server);
    } else if (out.err == -ETIMEDOUT) {
        f = mr_report(res, MR_FAIL, "server unreachable: %s accepted the connection but did not "
                      "answer the %s step on %s within %d s", addr,
                      mr_nfs_stage_name(out.stage), export, secs);
        mr_finding_remedy(f, "look at the NFS server's log on %s and at the network between the "
                          "hosts", server);
    } else if (out.stage == MR_NFS_MOUNT) {
        f = mr_report(res, MR_FAIL, "cannot mount %s: %s", where, why);
        mr_finding_remedy(f, "look at the NFS server's log on %s and its exports", server);
    } else if (out.stage == MR_NFS_CREATE && squashy) {
        f = mr_report(res, MR_FAIL, "permission denied: the nova user (UID %u, GID %u) cannot "
                      "create a file in %s (%s): the exported folder does not let nova write, "
                      "or the server squashes nova's ID", uid, gid, where, why);
        mr_finding_remedy(f, "on %s: chown %u:%u %s && chmod 0755 %s, and export it with "
                          "rw,no_root_squash (no all_squash)", server, uid, gid, export, export);
    } else if (out.stage == MR_NFS_CREATE && out.err == -EROFS) {
        f = mr_report(res, MR_FAIL, "the export %s is read-only (%s)", where, why);
        mr_finding_remedy(f, "export %s with rw on %s, then run exportfs -ra", export, server);
    } else if (out.stage == MR_NFS_UNLINK) {
        f = mr_report(res, MR_WARN, "the probe file %s%s could not be deleted as UID %u (%s)",
                      where, out.probe_path, uid, why);
        mr_finding_remedy(f, "delete %s%s on %s", export, out.probe_path, server);
    } else {
        f = mr_report(res, MR_FAIL, "the nova user (UID %u, GID %u) cannot %s the probe file "
                      "%s%s: %s", uid, gid, mr_nfs_stage_name(out.stage), where,
                      out.probe_path, why);
        mr_finding_remedy(f, "look at the NFS server's log on %s, its free space and quotas",
                          server);
    }

    bool ok = out.stage == MR_NFS_DONE || out.stage == MR_NFS_UNLINK;
    if (ok && out.data_mismatch) {
        ok = false;
        f = mr_report(res, MR_FAIL, "the probe file on %s read back differs from what was "
                      "written", where);
        mr_finding_remedy(f, "look at the NFS server's storage and log on %s", server);
    }
    if (ok && out.owner_known && (out.owner_uid != uid || out.owner_gid != gid)) {
        ok = false;
        f = mr_report(res, MR_FAIL, "permission denied in effect: a file the nova user (UID %u, "
                      "GID %u) creates on %s is owned by %llu:%llu: the server squashes or maps "
                      "IDs (all_squash, anonuid, or an NFSv4 ID-mapping domain that differs)",
                      uid, gid, where, (unsigned long long)out.owner_uid,
                      (unsigned long long)out.owner_gid);
        mr_finding_remedy(f, "remove all_squash/anonuid from the export on %s; for NFSv4 use the "
                          "same Domain in /etc/idmapd.conf on every host", server);
    }
    if (ok && out.stage == MR_NFS_DONE && out.owner_known)
        mr_report(res, MR_PASS, "%s mounts over NFSv%d; as UID %u GID %u a probe file was "
                  "created, written, read back (owner %llu:%llu) and deleted", where,
                  out.version, uid, gid, (unsigned long long)out.owner_uid,
                  (unsigned long long)out.owner_gid);
    else if (ok && out.stage == MR_NFS_DONE)
        mr_report(res, MR_PASS, "%s mounts over NFSv%d; as UID %u GID %u a probe file was "
                  "created, written, read back and deleted (its owner could not be read: the "
                  "server names owners over NFSv4 and does not speak NFSv3)", where,
                  out.version, uid, gid);
    free(where);
    free(addr);

cleanup:
    free(fs_host);
    free(fs_path);
    mnt_table_free(&t);
    return 0;
}

const struct mr_check mr_check_nfs_access = {
    .id = "nfs.access",
    .title = "the nova user can create, read and delete a file on the NFS export",
    .needs = MR_NEED_LIVE | MR_NEED_NET,
    .run = run_access,
};
