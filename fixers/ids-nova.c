/* ids.nova: renumbers nova's user and group where nothing can be using
 * them, and otherwise writes out the commands (mr_change_manual: fix prints
 * them, the check stays `fail`) with the reason.
 *
 * Safe means: under --root or --image (a tree or an image, nothing runs from
 * it), or on a live host where nova-compute, libvirtd/virtqemud and every
 * process of nova's UID are stopped and no domain runs. Processes count only
 * in this host's network namespace (kolla's containers use the host's; in
 * the lab the hosts share one PID namespace, and another host's libvirtd is
 * not this one's). A missing user or group, or a wanted ID that another
 * account holds (the check names it), is never fixed here.
 *
 * The renumbering: every file under / owned by the old UID or GID is
 * re-owned first (mr_change_reown: links not followed, hard links once,
 * local file systems only), then passwd and group are edited through
 * Augeas's Passwd and Group lenses: nova's UID, its group's GID, and the
 * primary GID of every user of that group. Files before accounts: a run
 * that stops half-way leaves the accounts as they were, so the check still
 * fails and the next run walks again and finishes; the other order would
 * leave files of an ID nobody has behind a check that passes. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fixers.h"
#include "ops.h"

#define PASSWD "/etc/passwd"
#define GROUP "/etc/group"
#define LIBVIRT_QEMU_RUN "/run/libvirt/qemu"

/* The first fail of kind CODE with a name and a wanted ID. */
static const struct mr_finding *find(const struct mr_result *res, const char *code)
{
    for (size_t i = 0; i < res->n_findings; i++)
        if (mr_finding_is(&res->findings[i], code) && res->findings[i].key &&
            res->findings[i].want)
            return &res->findings[i];
    return NULL;
}

/* The value of F's extra datum in SECTION ("taken": who holds the wanted
 * ID) or, with SECTION NULL, of KEY ("group": a new user's group). */
static const char *also(const struct mr_finding *f, const char *section, const char *key)
{
    for (size_t i = 0; f && i < f->n_also; i++) {
        const struct mr_edit *e = &f->also[i];
        if (section && e->section && strcmp(e->section, section) == 0)
            return e->key;
        if (!section && !e->section && e->key && strcmp(e->key, key) == 0)
            return e->want;
    }
    return NULL;
}

/* "chown -R -h --from=OLD NEW PATHS" (PREFIX ":" for the group), for the
 * folders the check names. */
static void chown_cmd(struct mr_change_set *cs, const struct mr_finding *f, const char *prefix)
{
    char **paths = mr_xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < f->n_also; i++)
        if (f->also[i].section && strcmp(f->also[i].section, "chown") == 0 && f->also[i].key)
            mr_strv_push(&paths, f->also[i].key);
    if (paths[0] && f->value) {
        char *j = mr_strv_join(paths, " ");
        mr_change_manual(cs, "chown -R -h --from=%s%s %s%s %s", prefix, f->value, prefix,
                         f->want, j);
        free(j);
    }
    mr_strv_free(paths);
}

/* The commands for the operator, after WHY (a "#" line) when given. */
static void manual(struct mr_change_set *cs, const struct mr_finding *uid,
                   const struct mr_finding *gid, const char *why)
{
    if (why)
        mr_change_manual(cs, "# %s", why);
    mr_change_manual(cs, "systemctl stop nova-compute libvirtd");
    if (gid)
        mr_change_manual(cs, "groupmod -g %s %s", gid->want, gid->key);
    if (uid)
        mr_change_manual(cs, "usermod -u %s %s", uid->want, uid->key);
    if (uid)
        chown_cmd(cs, uid, "");
    if (gid)
        chown_cmd(cs, gid, ":");
    mr_change_manual(cs, "systemctl start libvirtd nova-compute");
}

static bool is_daemon(const struct mr_process *p)
{
    static const char *const names[] = {"nova-compute", "libvirtd", "virtqemud"};
    for (size_t i = 0; i < MR_ARRAY_SIZE(names); i++)
        if (strcmp(p->comm, names[i]) == 0 || strcmp(p->argv0, names[i]) == 0 ||
            strcmp(p->argv1, names[i]) == 0)
            return true;
    return false;
}

/* What keeps this live host from renumbering now: the daemons, the
 * processes of nova's UID NOVA_UID and the domains that run (libvirt's
 * pid files, whose process must still be there). NULL when nothing. */
static char *live_blockers(const struct mr_ctx *ctx, uid_t nova_uid)
{
    struct mr_process *procs = NULL;
    size_t n = 0;
    int r = ctx->ops && ctx->ops->processes ? ctx->ops->processes(&procs, &n) : -ENOSYS;
    if (r < 0)
        return mr_xasprintf("cannot list this host's processes (%s), so migready cannot tell "
                            "that nothing uses nova's IDs",
                            strerror(-r));
    char **why = mr_xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < n && mr_strv_len(why) < 8; i++) {
        char *s = NULL;
        if (is_daemon(&procs[i]))
            s = mr_xasprintf("%s (PID %ld) is running", procs[i].comm, procs[i].pid);
        else if (procs[i].uid == nova_uid)
            s = mr_xasprintf("%s (PID %ld) runs as nova", procs[i].comm, procs[i].pid);
        if (s)
            mr_strv_push(&why, s);
        free(s);
    }
    char **pidfiles = NULL;
    if (mr_root_list(ctx->root, LIBVIRT_QEMU_RUN, ".pid", &pidfiles) == 0) {
        for (size_t i = 0; pidfiles[i]; i++) {
            /* The QEMU driver's own lock (libvirtd's PID), not a domain. */
            if (strcmp(pidfiles[i], "driver.pid") == 0)
                continue;
            char *path = mr_xasprintf("%s/%s", LIBVIRT_QEMU_RUN, pidfiles[i]);
            char *text = NULL;
            long pid = 0;
            if (mr_root_read(ctx->root, path, 64, &text, NULL) == 0)
                pid = strtol(text, NULL, 10);
            free(text);
            bool alive = pid <= 0; /* unreadable: it may run */
            for (size_t k = 0; k < n && !alive; k++)
                alive = procs[k].pid == pid;
            if (alive) {
                char *s = mr_xasprintf("domain %.*s is running (%s, PID %ld)",
                                       (int)(strlen(pidfiles[i]) - 4), pidfiles[i], path, pid);
                mr_strv_push(&why, s);
                free(s);
            }
            free(path);
        }
        mr_strv_free(pidfiles);
    }
    mr_processes_free(procs, n);
    char *out = NULL;
    if (why[0]) {
        char *j = mr_strv_join(why, "; ");
        out = mr_xasprintf("not renumbered on this live host while something may use nova's "
                           "IDs: %s",
                           j);
        free(j);
    }
    mr_strv_free(why);
    return out;
}

/* A name that can go into an Augeas path as it is. */
static bool plain_name(const char *s)
{
    return s[0] && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
                       strlen(s);
}

/* The ID in NODE/FIELD of the edit, or -1. */
static long tree_id(struct mr_aug_edit *e, const char *node, const char *field)
{
    char *p = mr_xasprintf("%s/%s", node, field);
    const char *v = NULL;
    long id = -1;
    if (aug_get(mr_aug_edit_aug(e), p, &v) == 1 && v && mr_parse_long(v, &id) < 0)
        id = -1;
    free(p);
    return id;
}

/* Another record of the edit than NAME's whose FIELD is ID (caller frees). */
static char *tree_holder(struct mr_aug_edit *e, const char *field, const char *id,
                         const char *name)
{
    char *pat = mr_xasprintf("%s/*[%s = \"%s\"]", mr_aug_edit_top(e), field, id);
    char **m = NULL;
    int n = aug_match(mr_aug_edit_aug(e), pat, &m);
    char *who = NULL;
    for (int i = 0; i < n; i++) {
        const char *label = strrchr(m[i], '/') + 1;
        if (!who && strcmp(label, name) != 0)
            who = mr_xstrdup(label);
        free(m[i]);
    }
    free(m);
    free(pat);
    return who;
}

/* Why ID cannot become NAME's UID (GROUP: its group's GID) in the edit E:
 * another record holds it. NULL when none does. */
static char *id_taken(struct mr_aug_edit *e, bool group, const char *id, const char *name)
{
    const char *kind = group ? "GID" : "UID";
    char *holder = tree_holder(e, group ? "gid" : "uid", id, name);
    if (!holder)
        return NULL;
    char *why = mr_xasprintf("%s %s is already %s%s's (%s): give %s another %s first, or choose "
                             "another nova_%s", kind, id, group ? "group " : "", holder,
                             group ? GROUP : PASSWD, holder, kind, group ? "gid" : "uid");
    free(holder);
    return why;
}

static int renumber(const struct mr_ctx *ctx, struct mr_change_set *cs,
                    const struct mr_finding *uid, const struct mr_finding *gid)
{
    const char *user = mr_ctx_nova_user(ctx), *group = mr_ctx_nova_group(ctx);
    struct mr_aug_edit *pw = NULL, *gr = NULL;
    char *why = NULL, *unode = NULL, *gnode = NULL;
    int r = 0;
    if (!plain_name(user) || !plain_name(group)) {
        manual(cs, uid, gid, "the user or group name is unusual: renumber it by hand");
        return 0;
    }
    r = fx_open(cs, "Passwd.lns", PASSWD, &pw);
    if (r == 0)
        r = fx_open(cs, "Group.lns", GROUP, &gr);
    if (r < 0)
        goto cleanup;
    unode = mr_xasprintf("%s/%s", mr_aug_edit_top(pw), user);
    gnode = mr_xasprintf("%s/%s", mr_aug_edit_top(gr), group);
    long old_uid = tree_id(pw, unode, "uid"), old_gid = tree_id(gr, gnode, "gid");
    if (old_uid < 0 || old_gid < 0) {
        /* The name service has it from elsewhere (LDAP, sssd): not ours to edit. */
        why = mr_xasprintf("%s is not in %s or %s is not in %s with a numeric ID: renumber it "
                           "where it is defined",
                           old_uid < 0 ? user : group, old_uid < 0 ? PASSWD : GROUP,
                           old_uid < 0 ? user : group, old_uid < 0 ? PASSWD : GROUP);
        goto cleanup;
    }
    long want_uid = uid ? strtol(uid->want, NULL, 10) : old_uid;
    long want_gid = gid ? strtol(gid->want, NULL, 10) : old_gid;
    /* The check named the holder from the same files; asked again on the
     * tree about to be written, before anything is. */
    why = uid ? id_taken(pw, false, uid->want, user) : NULL;
    if (!why && gid)
        why = id_taken(gr, true, gid->want, group);
    if (why)
        goto cleanup;
    if (ctx->live) {
        why = live_blockers(ctx, (uid_t)old_uid);
        if (why)
            goto cleanup;
    }

    size_t files = 0;
    r = mr_change_reown(cs, "/", (uid_t)old_uid, (uid_t)want_uid, (gid_t)old_gid,
                        (gid_t)want_gid, &files);
    if (r < 0) {
        mr_change_error(cs, "cannot walk the files to re-own under %s: %s", mr_root_path(ctx->root),
                        strerror(-r));
        goto cleanup;
    }
    char id[24];
    if (uid) {
        snprintf(id, sizeof(id), "%ld", want_uid);
        mr_aug_edit_set(pw, unode, "uid", id);
    }
    size_t primaries = 0;
    if (gid) {
        /* Every account whose primary group it is (nova's included) follows. */
        char *pat = mr_xasprintf("%s/*[gid = \"%ld\"]/gid", mr_aug_edit_top(pw), old_gid);
        char **m = NULL;
        int n = aug_match(mr_aug_edit_aug(pw), pat, &m);
        snprintf(id, sizeof(id), "%ld", want_gid);
        for (int i = 0; i < n; i++) {
            aug_set(mr_aug_edit_aug(pw), m[i], id);
            free(m[i]);
        }
        free(m);
        free(pat);
        primaries = n > 0 ? (size_t)n : 0;
        mr_aug_edit_set(gr, gnode, "gid", id);
    }
    r = fx_commit(cs, pw, PASSWD, 0644);
    pw = NULL;
    if (r == 0 && gid)
        r = fx_commit(cs, gr, GROUP, 0644);
    else
        mr_aug_edit_free(gr);
    gr = NULL;
    if (r < 0)
        goto cleanup;
    if (uid && gid)
        mr_change_describe(cs, "%s's UID %ld -> %ld and group %s's GID %ld -> %ld", user,
                           old_uid, want_uid, group, old_gid, want_gid);
    else if (uid)
        mr_change_describe(cs, "%s's UID %ld -> %ld", user, old_uid, want_uid);
    else
        mr_change_describe(cs, "group %s's GID %ld -> %ld", group, old_gid, want_gid);
    if (primaries > 1)
        mr_change_describe(cs, "%zu accounts' primary group", primaries);
    mr_change_describe(cs, "%zu file%s re-owned", files, files == 1 ? "" : "s");
    if (ctx->live)
        mr_change_describe(cs, "start libvirtd and nova-compute again");

cleanup:
    if (why)
        manual(cs, uid, gid, why);
    mr_aug_edit_free(pw);
    mr_aug_edit_free(gr);
    free(why);
    free(unode);
    free(gnode);
    return r;
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    const struct mr_finding *no_group = find(res, "no-group");
    const struct mr_finding *no_user = find(res, "no-user");
    const struct mr_finding *uid = find(res, "uid");
    const struct mr_finding *gid = find(res, "gid");

    if (no_group)
        mr_change_manual(cs, "groupadd --system -g %s %s", no_group->want, no_group->key);
    if (no_user && also(no_user, NULL, "group"))
        mr_change_manual(cs, "useradd --system -u %s -g %s -d /var/lib/nova -s /bin/sh %s",
                         no_user->want, also(no_user, NULL, "group"), no_user->key);
    if (!uid && !gid)
        return 0;
    const char *taken_uid = also(uid, "taken", NULL), *taken_gid = also(gid, "taken", NULL);
    if (taken_uid || taken_gid) {
        /* No command would do: the ID must be freed first, by a person. */
        if (taken_uid)
            mr_change_manual(cs, "# UID %s is already %s's: give %s another UID first, or "
                             "choose another nova_uid", uid->want, taken_uid, taken_uid);
        if (taken_gid)
            mr_change_manual(cs, "# GID %s is already group %s's: give %s another GID first, or "
                             "choose another nova_gid", gid->want, taken_gid, taken_gid);
        return 0;
    }
    if (no_user || no_group) {
        manual(cs, uid, gid, NULL);
        return 0;
    }
    return renumber(ctx, cs, uid, gid);
}

const struct mr_fixer mr_fixer_ids_nova = {
    .check_id = "ids.nova",
    .run = run,
};
