/* ids.nova: the nova user and group exist with the site's UID and GID.
 * Files on a shared instances path carry numeric owners: a nova UID that
 * differs between hosts makes every disk another user's after a move. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checks.h"
#include "cluster.h"
#include "ctx.h"
#include "libvirtconf.h"
#include "novaconf.h"

#define PASSWD "/etc/passwd"
#define GROUP "/etc/group"
#define DB_MAX (8u << 20)

/* Finds NAME's record in a passwd- or group-style file of the root: its
 * line and its colon-separated fields, however many. -ENOENT when absent,
 * -EBADMSG when the file holds a NUL byte (*RET_LINE names the line). */
static int db_find(const struct mr_ctx *ctx, const char *file, const char *name, int *ret_line,
                   char ***ret_fields)
{
    char *buf = NULL;
    size_t len = 0;
    int r = mr_root_read(ctx->root, file, DB_MAX, &buf, &len);
    if (r < 0)
        return r;
    const char *nul = memchr(buf, '\0', len);
    if (nul) {
        int line = 1;
        for (const char *p = buf; p < nul; p++)
            line += *p == '\n';
        *ret_line = line;
        free(buf);
        return -EBADMSG;
    }
    r = -ENOENT;
    int lineno = 0;
    for (char *line = buf, *next; line; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        size_t n = strcspn(line, ":");
        if (n != strlen(name) || strncmp(line, name, n) != 0)
            continue;
        char **fields = mr_split_fields(line, ':');
        *ret_line = lineno;
        *ret_fields = fields;
        r = 0;
        break;
    }
    free(buf);
    return r;
}

static int parse_id(const char *s, unsigned *ret)
{
    long v;
    if (!s || mr_parse_long(s, &v) < 0 || v < 0 || v > 0x7fffffffL)
        return -EINVAL;
    *ret = (unsigned)v;
    return 0;
}

/* The first record of FILE other than EXCEPT's whose ID (third field) is
 * ID: its name (caller frees) and line; NULL when none. The fixer cannot
 * give nova an ID another account holds: both would own the same files. */
static char *db_holder(const struct mr_ctx *ctx, const char *file, unsigned id,
                       const char *except, int *ret_line)
{
    char *buf = NULL, *who = NULL;
    if (mr_root_read(ctx->root, file, DB_MAX, &buf, NULL) < 0)
        return NULL;
    int lineno = 0;
    for (char *line = buf, *next; line && !who; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char **fields = mr_split_fields(line, ':');
        unsigned v;
        if (mr_strv_len(fields) >= 3 && fields[0][0] && strcmp(fields[0], except) != 0 &&
            parse_id(fields[2], &v) == 0 && v == id) {
            who = mr_xstrdup(fields[0]);
            *ret_line = lineno;
        }
        mr_strv_free(fields);
    }
    free(buf);
    return who;
}

/* The site's wanted ID for KEY: false when unset; a value that is not an
 * ID is reported and counts as unset. */
static bool site_id(const struct mr_ctx *ctx, struct mr_result *res, const char *key,
                    unsigned *ret)
{
    char *msg = NULL;
    int r = mr_ctx_site_id(ctx, key, ret, &msg);
    if (r >= 0)
        return r > 0;
    struct mr_finding *f = mr_report(res, MR_FAIL, "%s", msg);
    if (mr_ctx_site_path(ctx))
        mr_finding_at(f, mr_ctx_site_path(ctx), 0);
    mr_finding_remedy(f, "set %s to a number (e.g. 162) in %s", key, mr_ctx_site_file(ctx));
    free(msg);
    return false;
}

struct entry {
    bool found;
    int line;   /* in the file, 0 when the name service alone knows it */
    unsigned id;
    unsigned gid; /* passwd: the primary group */
};

/* Reports a record that is there but unusable. */
static void report_broken(struct mr_result *res, const char *file, int line, char **fields,
                          size_t want, const char *format)
{
    struct mr_finding *f = mr_report(res, MR_FAIL,
                                     "the entry for %s on %s:%d is truncated or malformed (%zu "
                                     "of %zu fields, or an ID that is not a number): the "
                                     "system ignores it",
                                     fields[0], file, line, mr_strv_len(fields), want);
    mr_finding_at(f, file, line);
    mr_finding_remedy(f, "repair line %d of %s (%s) with %s", line, file, format,
                      strcmp(file, PASSWD) == 0 ? "vipw" : "vigr");
}

/* Looks NAME up in FILE (passwd: 7 fields, group: 4). Returns false when
 * the check cannot go on (an error was reported). */
static bool lookup(const struct mr_ctx *ctx, struct mr_result *res, const char *file,
                   const char *name, struct entry *e)
{
    bool passwd = strcmp(file, PASSWD) == 0;
    char **fields = NULL;
    int line = 0;
    int r = db_find(ctx, file, name, &line, &fields);
    *e = (struct entry){0};
    if (r == -EBADMSG) {
        struct mr_finding *f = mr_report(res, MR_ERROR, "%s is not a text file (a NUL byte on "
                                         "line %d)", file, line);
        mr_finding_at(f, file, line);
        mr_finding_remedy(f, "restore %s from a backup (pwck and grpck report what is wrong)",
                          file);
        return false;
    }
    if (r < 0 && r != -ENOENT) {
        if (!ctx->live) {
            struct mr_finding *f = mr_report(res, MR_ERROR, "cannot read %s: %s", file,
                                             r == -EFBIG ? "too large" : strerror(-r));
            mr_finding_at(f, file, 0);
            return false;
        }
    }
    if (r == 0)
        e->line = line;
    if (ctx->live) {
        /* The name service decides (LDAP, sssd...); the file only gives the place. */
        uid_t uid;
        gid_t gid;
        int rr = passwd ? mr_ctx_user(ctx, name, &uid, &gid) : mr_ctx_group(ctx, name, &gid);
        if (rr == 0) {
            e->found = true;
            e->id = passwd ? (unsigned)uid : (unsigned)gid;
            e->gid = (unsigned)gid;
        } else if (rr != -ENOENT) {
            mr_report(res, MR_ERROR, "cannot look up %s: %s", name, strerror(-rr));
            mr_strv_free(fields);
            return false;
        }
        mr_strv_free(fields);
        return true;
    }
    if (r == 0) {
        size_t want = passwd ? 7 : 4;
        if (mr_strv_len(fields) < want || parse_id(fields[2], &e->id) < 0 ||
            (passwd && parse_id(fields[3], &e->gid) < 0)) {
            report_broken(res, file, line, fields, want,
                          passwd ? "name:x:UID:GID:comment:home:shell" : "name:x:GID:members");
            mr_strv_free(fields);
            return false;
        }
        if (!passwd)
            e->gid = e->id;
        e->found = true;
    }
    mr_strv_free(fields);
    return true;
}

static struct mr_finding *at(struct mr_finding *f, const char *file, const struct entry *e)
{
    mr_finding_at(f, file, e->line);
    return f;
}

/* Whether QEMU's user can pass an instances folder that only nova's group
 * may search. nova.instances-path judges the search bits; this only names
 * the missing group membership. */
static void check_qemu_group(const struct mr_ctx *ctx, struct mr_result *res, const char *group,
                             unsigned gid)
{
    const struct mr_libvirt_conf *lc = NULL;
    const struct mr_novaconf *nc = NULL;
    const char *msg = NULL;
    struct mr_novaval v;
    if (mr_ctx_libvirt_files(ctx, MR_LIBVIRT_FILE(MR_QEMU_CONF), &lc, &msg) < 0 ||
        mr_ctx_nova(ctx, &nc, &msg) < 0 || !nc)
        return;
    const char *qemu = mr_libvirt_conf_qemu_user(lc);
    if (!qemu || strcmp(qemu, "root") == 0)
        return;
    if (!mr_novaconf_get(nc, "DEFAULT", "instances_path", &v) || !v.value || v.value[0] != '/')
        return;
    struct stat st;
    if (mr_root_stat(ctx->root, v.value, &st, false) < 0 || !S_ISDIR(st.st_mode) ||
        st.st_gid != gid || (st.st_mode & S_IXOTH) || !(st.st_mode & S_IXGRP))
        return;
    uid_t quid;
    gid_t *groups = NULL;
    size_t n = 0;
    if (mr_ctx_user(ctx, qemu, &quid, NULL) < 0 || quid == st.st_uid ||
        mr_ctx_user_groups(ctx, qemu, &groups, &n) < 0)
        return;
    bool member = false;
    for (size_t i = 0; i < n; i++)
        member |= groups[i] == gid;
    free(groups);
    if (member) {
        mr_report(res, MR_PASS, "%s, the user QEMU runs as, reaches %s through group %s", qemu,
                  v.value, group);
        return;
    }
    struct mr_finding *f = mr_report(res, MR_WARN,
                                     "%s (mode %04o) is searchable by group %s only, and %s, "
                                     "the user QEMU runs as, is not in it",
                                     v.value, (unsigned)(st.st_mode & 07777), group, qemu);
    if (v.file)
        mr_finding_at(f, v.file, v.line);
    mr_finding_remedy(f, "usermod -a -G %s %s, then restart libvirtd", group, qemu);
}

/* The folders whose files carry nova's IDs, those that exist: the fix's
 * chown commands name them. */
static char **nova_paths(const struct mr_ctx *ctx, const char *user)
{
    char **v = mr_xcalloc(1, sizeof(char *));
    char *home = mr_ctx_user_home(ctx, user);
    const struct mr_novaconf *conf = NULL;
    const char *msg = NULL;
    struct mr_novaval iv;
    const char *cand[] = {home ? home : "/var/lib/nova", "/var/log/nova", "/etc/nova", NULL};
    if (mr_ctx_nova(ctx, &conf, &msg) == 0 && conf &&
        mr_novaconf_get(conf, "DEFAULT", "instances_path", &iv) && iv.value && iv.value[0] == '/')
        cand[3] = iv.value;
    for (size_t i = 0; i < MR_ARRAY_SIZE(cand); i++) {
        struct stat st;
        if (!cand[i] || mr_root_stat(ctx->root, cand[i], &st, false) < 0)
            continue;
        bool inside = false;
        for (size_t k = 0; v[k]; k++) {
            size_t n = strlen(v[k]);
            inside |= strncmp(cand[i], v[k], n) == 0 && (cand[i][n] == '/' || !cand[i][n]);
        }
        if (!inside)
            mr_strv_push(&v, cand[i]);
    }
    free(home);
    return v;
}

/* The data of ids.nova's fixer (fixers/ids-nova.c), which prints commands:
 * CODE ("no-user", "no-group", "uid", "gid"), the name, the ID found and
 * the ID wanted; for a renumbering, the folders to chown. */
static void fix_data(const struct mr_ctx *ctx, struct mr_finding *f, const char *code,
                     const char *name, const unsigned *found, unsigned want, const char *user)
{
    char n[16];
    mr_finding_code(f, code);
    mr_finding_key(f, NULL, name);
    if (found) {
        snprintf(n, sizeof(n), "%u", *found);
        mr_finding_value(f, n);
    }
    snprintf(n, sizeof(n), "%u", want);
    mr_finding_want(f, n);
    if (!found)
        return;
    char **paths = nova_paths(ctx, user);
    for (size_t i = 0; paths[i]; i++)
        mr_finding_also(f, "chown", paths[i], NULL);
    mr_strv_free(paths);
}

static int run_ids(const struct mr_ctx *ctx, struct mr_result *res)
{
    const char *user = mr_ctx_nova_user(ctx);
    const char *group = mr_ctx_nova_group(ctx);
    unsigned want_uid = 0, want_gid = 0;
    bool has_uid = site_id(ctx, res, "nova_uid", &want_uid);
    bool has_gid = site_id(ctx, res, "nova_gid", &want_gid);
    struct entry u, g;
    struct mr_finding *f;
    size_t before = res->n_findings;

    if (!lookup(ctx, res, PASSWD, user, &u) || !lookup(ctx, res, GROUP, group, &g))
        return 0;

    if (!u.found) {
        f = mr_report(res, MR_FAIL, "the nova user '%s' does not exist (%s)", user, PASSWD);
        mr_finding_at(f, PASSWD, 0);
        if (has_uid) {
            mr_finding_remedy(f, "install nova-compute, or: useradd --system -u %u -g %s -d "
                              "/var/lib/nova %s", want_uid, group, user);
            fix_data(ctx, f, "no-user", user, NULL, want_uid, user);
            mr_finding_also(f, NULL, "group", group);
        }
        else
            mr_finding_remedy(f, "install nova-compute (it creates the user), or set nova_user "
                              "in %s", mr_ctx_site_file(ctx));
    }
    if (!g.found) {
        f = mr_report(res, MR_FAIL, "the nova group '%s' does not exist (%s)", group, GROUP);
        mr_finding_at(f, GROUP, 0);
        if (has_gid) {
            mr_finding_remedy(f, "groupadd --system -g %u %s", want_gid, group);
            fix_data(ctx, f, "no-group", group, NULL, want_gid, user);
        } else
            mr_finding_remedy(f, "install nova-compute (it creates the group), or set "
                              "nova_group in %s", mr_ctx_site_file(ctx));
    }
    int tline = 0;
    char *taken = u.found && has_uid && u.id != want_uid
                      ? db_holder(ctx, PASSWD, want_uid, user, &tline) : NULL;
    if (taken) {
        f = at(mr_report(res, MR_FAIL,
                         "%s has UID %u (%s:%d) but the site configuration says nova_uid = %u, "
                         "and UID %u is already %s's (%s:%d): nova cannot take it without "
                         "sharing every file with %s",
                         user, u.id, PASSWD, u.line, want_uid, want_uid, taken, PASSWD, tline,
                         taken), PASSWD, &u);
        mr_finding_remedy(f, "give %s another UID first, or choose another nova_uid in %s",
                          taken, mr_ctx_site_file(ctx));
        fix_data(ctx, f, "uid", user, &u.id, want_uid, user);
        mr_finding_also(f, "taken", taken, NULL);
        free(taken);
    } else if (u.found && has_uid && u.id != want_uid) {
        f = at(mr_report(res, MR_FAIL,
                         "%s has UID %u (%s:%d) but the site configuration says nova_uid = %u: "
                         "instance files on shared storage would belong to another user on the "
                         "other hosts",
                         user, u.id, PASSWD, u.line, want_uid), PASSWD, &u);
        mr_finding_remedy(f, "stop nova-compute and libvirtd, then: usermod -u %u %s && find / "
                          "-xdev -uid %u -exec chown -h %u {} +",
                          want_uid, user, u.id, want_uid);
        fix_data(ctx, f, "uid", user, &u.id, want_uid, user);
    }
    taken = g.found && has_gid && g.id != want_gid
                ? db_holder(ctx, GROUP, want_gid, group, &tline) : NULL;
    if (taken) {
        f = at(mr_report(res, MR_FAIL,
                         "group %s has GID %u (%s:%d) but the site configuration says nova_gid "
                         "= %u, and GID %u is already group %s's (%s:%d)",
                         group, g.id, GROUP, g.line, want_gid, want_gid, taken, GROUP, tline),
               GROUP, &g);
        mr_finding_remedy(f, "give group %s another GID first, or choose another nova_gid in %s",
                          taken, mr_ctx_site_file(ctx));
        fix_data(ctx, f, "gid", group, &g.id, want_gid, user);
        mr_finding_also(f, "taken", taken, NULL);
        free(taken);
    } else if (g.found && has_gid && g.id != want_gid) {
        f = at(mr_report(res, MR_FAIL,
                         "group %s has GID %u (%s:%d) but the site configuration says nova_gid "
                         "= %u", group, g.id, GROUP, g.line, want_gid), GROUP, &g);
        mr_finding_remedy(f, "stop nova-compute and libvirtd, then: groupmod -g %u %s && find / "
                          "-xdev -gid %u -exec chgrp -h %u {} +",
                          want_gid, group, g.id, want_gid);
        fix_data(ctx, f, "gid", group, &g.id, want_gid, user);
    }
    if (u.found && g.found && u.gid != g.id) {
        f = at(mr_report(res, MR_WARN, "%s's primary group is GID %u (%s:%d), not %s (GID %u): "
                         "files it creates get another group than on the other hosts",
                         user, u.gid, PASSWD, u.line, group, g.id), PASSWD, &u);
        mr_finding_remedy(f, "usermod -g %s %s", group, user);
    }

    if (res->n_findings == before && u.found && g.found) {
        if (has_uid && has_gid)
            f = mr_report(res, MR_PASS, "%s has UID %u and group %s GID %u, as the site "
                          "configuration says", user, u.id, group, g.id);
        else
            f = mr_report(res, MR_PASS, "%s has UID %u and group %s GID %u; nova_uid/nova_gid "
                          "are not set in the site configuration, so only the comparison with "
                          "the peers can tell whether they match", user, u.id, group, g.id);
        if (u.line)
            at(f, PASSWD, &u);
    }
    if (g.found)
        check_qemu_group(ctx, res, group, g.id);
    mr_cluster_ids(ctx, res);
    return 0;
}

const struct mr_check mr_check_ids_nova = {
    .id = "ids.nova",
    .title = "the nova user and group have the site's UID and GID",
    .run = run_ids,
};
