/* The run context: root, site configuration, profiles and cached sources. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iniparser.h>

#include "ctx.h"
#include "libvirtconf.h"
#include "netaddr.h"
#include "novaconf.h"
#include "novarelease.h"
#include "ops.h"
#include "profile.h"
#include "uri.h"

struct mr_slot_entry {
    void *value;
    void (*destroy)(void *);
};

struct mr_slots {
    struct mr_slot_entry v[_MR_SLOT_LAST];
};

struct mr_site {
    dictionary *dict;
    char *path; /* NULL when no site configuration exists */
};

#define MR_SITE_DEFAULT "/etc/migready/migready.conf"
#define MR_PASSWD_MAX (8u << 20)

const char *mr_ctx_value(const struct mr_ctx *ctx, const char *key)
{
    return mr_profile_set_value(ctx->profiles, key);
}

bool mr_ctx_has_profile(const struct mr_ctx *ctx, const char *name)
{
    return mr_profile_set_has(ctx->profiles, name);
}

const char *mr_ctx_transport(const struct mr_ctx *ctx)
{
    const char *t = mr_ctx_value(ctx, "transport");
    return t ? t : "tcp";
}

const char *mr_ctx_path(const struct mr_ctx *ctx, const char *key, const char *dflt)
{
    const char *p = mr_profile_set_path(ctx->profiles, key);
    return p ? p : dflt;
}

struct ssh_id_slot {
    struct mr_ssh_identity id;
    char *user, *key, *why, *file; /* what id points at */
};

static void ssh_id_slot_free(void *p)
{
    struct ssh_id_slot *s = p;
    free(s->user);
    free(s->key);
    free(s->why);
    free(s->file);
    free(s);
}

/* The port an OpenSSH configuration file sets ("Port N", any case; the
 * first one counts, as in ssh and sshd), 0 when it sets none. */
static unsigned ssh_config_port(const struct mr_ctx *ctx, const char *path)
{
    char *buf = NULL;
    if (!path || mr_root_read(ctx->root, path, 1u << 20, &buf, NULL) < 0)
        return 0;
    unsigned port = 0;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line && !port;
         line = strtok_r(NULL, "\n", &save)) {
        line = mr_strip(line);
        size_t n = strcspn(line, " \t=");
        if (n != 4 || strncasecmp(line, "port", 4) != 0)
            continue;
        char *v = mr_strip(line + n + strspn(line + n, " \t="));
        long l;
        if (mr_parse_long(v, &l) == 0 && l > 0 && l < 65536)
            port = (unsigned)l;
    }
    free(buf);
    return port;
}

const struct mr_ssh_identity *mr_ctx_ssh_identity(const struct mr_ctx *ctx)
{
    struct ssh_id_slot *s = mr_ctx_slot_get(ctx, MR_SLOT_SSH_ID);
    if (s)
        return &s->id;
    s = mr_xcalloc(1, sizeof(*s));
    const char *site_user = mr_ctx_site(ctx, "migration_user");
    bool ssh = strcmp(mr_ctx_transport(ctx), "ssh") == 0;
    s->id.port = 22;
    if (site_user) {
        s->user = mr_xstrdup(site_user);
        s->why = mr_xasprintf("migration_user in %s", mr_ctx_site_file(ctx));
        s->file = mr_xstrdup(mr_ctx_site_file(ctx));
    } else if (ssh) {
        /* Nova migrates peer to peer (VIR_MIGRATE_PEER2PEER,
         * nova/virt/libvirt/driver.py _prepare_migration_flags): the source's
         * libvirtd opens the qemu+ssh:// URI (_live_migration_uri), and the
         * ssh client runs as libvirtd, root, unless the URI names the user
         * and key (virNetSocketNewConnectSSH: -l USER, -i KEYFILE). */
        const struct mr_novaconf *nova = NULL;
        const char *msg = NULL;
        struct mr_novaval v;
        char *u = NULL, *k = NULL;
        if (mr_ctx_nova(ctx, &nova, &msg) == 0 && nova &&
            mr_novaconf_get(nova, "libvirt", "live_migration_uri", &v) && v.value && v.file) {
            mr_uri_ssh_login(v.value, &u, &k);
            if (u || k) {
                s->file = mr_xstrdup(v.file);
                s->id.line = v.line;
            }
        }
        s->user = u ? u : mr_xstrdup("root");
        s->key = k;
        s->why = u || k ? mr_xasprintf("the ssh transport: libvirtd on the source logs in to the "
                                       "destination with the %s%s%s that [libvirt] "
                                       "live_migration_uri names (%s:%d)", u ? "user" : "",
                                       u && k ? " and " : "", k ? "key" : "", s->file,
                                       s->id.line)
                        : mr_xstrdup("the ssh transport: libvirtd on the source runs the ssh "
                                     "client as root (the migration is peer to peer, and the "
                                     "URI names no user@ nor ?keyfile=)");
        s->id.libvirtd = true;
    } else {
        s->user = mr_xstrdup(mr_ctx_nova_user(ctx));
        s->why = mr_xstrdup("Nova's own SSH (resize, cold migration) logs in as this user");
    }
    /* A layout that runs Nova's SSH apart (kolla's nova_ssh container) keeps
     * the nova user's keys and port in its own files. */
    const char *lkey = mr_ctx_path(ctx, "nova_ssh_key", NULL);
    if (!s->id.libvirtd && lkey && strcmp(s->user, mr_ctx_nova_user(ctx)) == 0) {
        s->key = mr_xstrdup(lkey);
        s->id.authorized_keys = mr_ctx_path(ctx, "nova_ssh_authorized_keys", NULL);
        s->id.ssh_config = mr_ctx_path(ctx, "nova_ssh_config", NULL);
        unsigned port = ssh_config_port(ctx, s->id.ssh_config);
        if (!port) {
            s->id.ssh_config = mr_ctx_path(ctx, "nova_sshd_config", NULL);
            port = ssh_config_port(ctx, s->id.ssh_config);
        }
        if (port)
            s->id.port = port;
        else
            s->id.ssh_config = NULL;
        const struct mr_profile *layout = mr_profile_set_kind(ctx->profiles, "layout");
        char *why = mr_xasprintf("%s; the %s layout keeps its key in %s", s->why,
                                 layout ? layout->name : "chosen", lkey);
        free(s->why);
        s->why = why;
    }
    s->id.user = s->user;
    s->id.key = s->key;
    s->id.why = s->why;
    s->id.file = s->file;
    mr_ctx_slot_set(ctx, MR_SLOT_SSH_ID, s, ssh_id_slot_free);
    return &s->id;
}

const char *mr_ctx_migration_user(const struct mr_ctx *ctx)
{
    return mr_ctx_ssh_identity(ctx)->user;
}

const char *mr_ctx_nova_user(const struct mr_ctx *ctx)
{
    const char *u = mr_ctx_site(ctx, "nova_user");
    return u ? u : "nova";
}

const char *mr_ctx_nova_group(const struct mr_ctx *ctx)
{
    const char *g = mr_ctx_site(ctx, "nova_group");
    return g ? g : mr_ctx_nova_user(ctx);
}

const char *mr_ctx_site(const struct mr_ctx *ctx, const char *key)
{
    if (!ctx->site || !ctx->site->dict)
        return NULL;
    char *k = mr_xasprintf("site:%s", key);
    const char *v = iniparser_getstring(ctx->site->dict, k, NULL);
    free(k);
    return v && *v ? v : NULL;
}

const char *mr_ctx_site_path(const struct mr_ctx *ctx)
{
    return ctx->site ? ctx->site->path : NULL;
}

const char *mr_ctx_site_file(const struct mr_ctx *ctx)
{
    const char *p = mr_ctx_site_path(ctx);
    return p ? p : MR_SITE_DEFAULT;
}

void *mr_ctx_slot_get(const struct mr_ctx *ctx, enum mr_slot slot)
{
    return (unsigned)slot < _MR_SLOT_LAST ? ctx->slots->v[slot].value : NULL;
}

void mr_ctx_invalidate(const struct mr_ctx *ctx, enum mr_slot slot)
{
    if ((unsigned)slot >= _MR_SLOT_LAST)
        return;
    struct mr_slot_entry e = ctx->slots->v[slot];
    ctx->slots->v[slot] = (struct mr_slot_entry){0};
    if (e.value && e.destroy)
        e.destroy(e.value);
}

void mr_ctx_slot_set(const struct mr_ctx *ctx, enum mr_slot slot, void *value,
                     void (*destroy)(void *))
{
    if ((unsigned)slot >= _MR_SLOT_LAST)
        return;
    mr_ctx_invalidate(ctx, slot);
    ctx->slots->v[slot] = (struct mr_slot_entry){.value = value, .destroy = destroy};
}

/* A configuration source as loaded, failure included: a broken file is
 * read (and reported) once per run. */
struct conf_slot {
    void *conf;
    int err;
    char *errmsg;
};

static void nova_slot_free(void *p)
{
    struct conf_slot *s = p;
    mr_novaconf_free(s->conf);
    free(s->errmsg);
    free(s);
}

static void libvirt_slot_free(void *p)
{
    struct conf_slot *s = p;
    mr_libvirt_conf_free(s->conf);
    free(s->errmsg);
    free(s);
}

int mr_ctx_nova(const struct mr_ctx *ctx, const struct mr_novaconf **ret, const char **ret_msg)
{
    struct conf_slot *s = mr_ctx_slot_get(ctx, MR_SLOT_NOVA);
    if (!s) {
        s = mr_xcalloc(1, sizeof(*s));
        struct mr_novaconf *conf = NULL;
        s->err = mr_novaconf_load_at(ctx->root, mr_ctx_path(ctx, "nova_conf", NULL), &conf,
                                     &s->errmsg);
        s->conf = conf;
        mr_ctx_slot_set(ctx, MR_SLOT_NOVA, s, nova_slot_free);
    }
    *ret = s->conf;
    *ret_msg = s->errmsg;
    return s->err;
}

static void release_slot_free(void *p)
{
    struct conf_slot *s = p;
    mr_nova_release_free(s->conf);
    free(s->errmsg);
    free(s);
}

int mr_ctx_nova_release(const struct mr_ctx *ctx, const struct mr_nova_release **ret,
                        const char **ret_msg)
{
    struct conf_slot *s = mr_ctx_slot_get(ctx, MR_SLOT_NOVA_RELEASE);
    if (!s) {
        s = mr_xcalloc(1, sizeof(*s));
        struct mr_nova_release *rel = NULL;
        s->err = mr_nova_release_find(ctx->root, mr_ctx_site(ctx, "nova_release"),
                                      mr_ctx_site_file(ctx), &rel, &s->errmsg);
        s->conf = rel;
        mr_ctx_slot_set(ctx, MR_SLOT_NOVA_RELEASE, s, release_slot_free);
    }
    *ret = s->conf;
    if (ret_msg)
        *ret_msg = s->errmsg;
    return s->err;
}

int mr_ctx_libvirt(const struct mr_ctx *ctx, const struct mr_libvirt_conf **ret,
                   const char **ret_msg)
{
    struct conf_slot *s = mr_ctx_slot_get(ctx, MR_SLOT_LIBVIRT);
    if (!s) {
        s = mr_xcalloc(1, sizeof(*s));
        struct mr_libvirt_conf *conf = NULL;
        const struct mr_libvirt_layout lay = {
            .daemon_conf = mr_ctx_path(ctx, "libvirtd_conf", NULL),
            .qemu_conf = mr_ctx_path(ctx, "qemu_conf", NULL),
            .args = mr_ctx_value(ctx, "libvirtd_args"),
            .args_file = mr_ctx_path(ctx, "libvirtd_command", NULL),
        };
        s->err = mr_libvirt_conf_load_at(ctx->root, &lay, &conf, &s->errmsg);
        s->conf = conf;
        mr_ctx_slot_set(ctx, MR_SLOT_LIBVIRT, s, libvirt_slot_free);
    }
    *ret = s->conf;
    *ret_msg = s->errmsg;
    return s->err;
}

int mr_ctx_libvirt_files(const struct mr_ctx *ctx, unsigned files,
                         const struct mr_libvirt_conf **ret, const char **ret_msg)
{
    const char *msg = NULL;
    int r = mr_ctx_libvirt(ctx, ret, &msg);
    if (!*ret) {
        *ret_msg = msg;
        return r < 0 ? r : -EIO;
    }
    *ret_msg = NULL;
    return mr_libvirt_conf_error(*ret, files, ret_msg);
}

/* Finds the colon-separated record whose first field is NAME in a passwd-
 * or group-style file of the root; returns a copy of its fields. */
static int root_db_lookup(const struct mr_ctx *ctx, const char *file, const char *name,
                          char ***ret_fields)
{
    char *buf = NULL;
    int r = mr_root_read(ctx->root, file, MR_PASSWD_MAX, &buf, NULL);
    if (r < 0)
        return r;
    r = -ENOENT;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '+' || line[0] == '-')
            continue;
        char **fields = mr_split_fields(line, ':');
        bool hit = mr_strv_len(fields) >= 3 && strcmp(fields[0], name) == 0;
        if (hit) {
            *ret_fields = fields;
            r = 0;
            break;
        }
        mr_strv_free(fields);
    }
    free(buf);
    return r;
}

static int parse_id(const char *s, unsigned *ret)
{
    long v;
    if (mr_parse_long(s, &v) < 0 || v < 0 || v > 0x7fffffffL)
        return -EINVAL;
    *ret = (unsigned)v;
    return 0;
}

int mr_ctx_site_id(const struct mr_ctx *ctx, const char *key, unsigned *ret, char **ret_msg)
{
    const char *s = mr_ctx_site(ctx, key);
    if (!s)
        return 0;
    if (parse_id(s, ret) == 0)
        return 1;
    if (ret_msg)
        *ret_msg = mr_xasprintf("%s = \"%s\" in [site] of %s is not a numeric ID", key, s,
                                mr_ctx_site_file(ctx));
    return -EINVAL;
}

int mr_ctx_user(const struct mr_ctx *ctx, const char *name, uid_t *ret_uid, gid_t *ret_gid)
{
    if (ctx->live) {
        struct passwd pw, *res = NULL;
        char buf[4096];
        int e = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
        if (e)
            return -e;
        if (!res)
            return -ENOENT;
        if (ret_uid)
            *ret_uid = pw.pw_uid;
        if (ret_gid)
            *ret_gid = pw.pw_gid;
        return 0;
    }
    char **f = NULL;
    int r = root_db_lookup(ctx, "/etc/passwd", name, &f);
    if (r < 0)
        return r;
    unsigned uid, gid;
    if (mr_strv_len(f) < 4 || parse_id(f[2], &uid) < 0 || parse_id(f[3], &gid) < 0)
        r = -EINVAL;
    else {
        if (ret_uid)
            *ret_uid = uid;
        if (ret_gid)
            *ret_gid = gid;
    }
    mr_strv_free(f);
    return r;
}

char *mr_ctx_user_home(const struct mr_ctx *ctx, const char *name)
{
    if (ctx->live) {
        struct passwd pw, *res = NULL;
        char buf[4096];
        if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || !res)
            return NULL;
        return mr_xstrdup(pw.pw_dir);
    }
    char **f = NULL;
    if (root_db_lookup(ctx, "/etc/passwd", name, &f) < 0)
        return NULL;
    char *home = mr_strv_len(f) >= 6 && f[5][0] == '/' ? mr_xstrdup(f[5]) : NULL;
    mr_strv_free(f);
    return home;
}

int mr_ctx_group(const struct mr_ctx *ctx, const char *name, gid_t *ret_gid)
{
    if (ctx->live) {
        struct group gr, *res = NULL;
        char buf[16384];
        int e = getgrnam_r(name, &gr, buf, sizeof(buf), &res);
        if (e)
            return -e;
        if (!res)
            return -ENOENT;
        *ret_gid = gr.gr_gid;
        return 0;
    }
    char **f = NULL;
    int r = root_db_lookup(ctx, "/etc/group", name, &f);
    if (r < 0)
        return r;
    unsigned gid;
    r = parse_id(f[2], &gid);
    if (r == 0)
        *ret_gid = gid;
    mr_strv_free(f);
    return r;
}

static void gid_push(gid_t **v, size_t *n, gid_t g)
{
    for (size_t i = 0; i < *n; i++)
        if ((*v)[i] == g)
            return;
    *v = mr_xrealloc(*v, (*n + 1) * sizeof(gid_t));
    (*v)[(*n)++] = g;
}

int mr_ctx_user_groups(const struct mr_ctx *ctx, const char *name, gid_t **ret, size_t *ret_n)
{
    gid_t primary;
    int r = mr_ctx_user(ctx, name, NULL, &primary);
    if (r < 0)
        return r;
    gid_t *v = NULL;
    size_t n = 0;
    gid_push(&v, &n, primary);
    if (ctx->live) {
        int count = 64;
        gid_t *tmp = mr_xcalloc((size_t)count, sizeof(gid_t));
        if (getgrouplist(name, primary, tmp, &count) < 0) {
            tmp = mr_xrealloc(tmp, (size_t)count * sizeof(gid_t));
            getgrouplist(name, primary, tmp, &count);
        }
        for (int i = 0; i < count; i++)
            gid_push(&v, &n, tmp[i]);
        free(tmp);
    } else {
        char *buf = NULL;
        if (mr_root_read(ctx->root, "/etc/group", MR_PASSWD_MAX, &buf, NULL) == 0) {
            char *save = NULL;
            for (char *line = strtok_r(buf, "\n", &save); line;
                 line = strtok_r(NULL, "\n", &save)) {
                /* name:x:gid:member,member */
                char *c1 = strchr(line, ':');
                char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                char *c3 = c2 ? strchr(c2 + 1, ':') : NULL;
                if (!c3)
                    continue;
                *c3 = '\0';
                unsigned gid;
                if (parse_id(c2 + 1, &gid) < 0)
                    continue;
                char **members = mr_split_list(c3 + 1);
                if (mr_strv_contains(members, name))
                    gid_push(&v, &n, gid);
                mr_strv_free(members);
            }
            free(buf);
        }
    }
    *ret = v;
    *ret_n = n;
    return 0;
}

bool mr_ctx_user_can_read(const struct mr_ctx *ctx, const char *user, const struct stat *st)
{
    uid_t uid;
    gid_t *groups = NULL;
    size_t n = 0;
    if (!user || mr_ctx_user(ctx, user, &uid, NULL) < 0)
        return (st->st_mode & S_IROTH) != 0;
    if (uid == 0)
        return true;
    if (st->st_uid == uid)
        return (st->st_mode & S_IRUSR) != 0;
    bool in_group = false;
    if (mr_ctx_user_groups(ctx, user, &groups, &n) == 0)
        for (size_t i = 0; i < n; i++)
            in_group |= groups[i] == st->st_gid;
    free(groups);
    return (st->st_mode & (in_group ? S_IRGRP : S_IROTH)) != 0;
}

char *mr_ctx_hostname(const struct mr_ctx *ctx)
{
    if (ctx->live) {
        char buf[256];
        if (gethostname(buf, sizeof(buf)) == 0) {
            buf[sizeof(buf) - 1] = '\0';
            return mr_xstrdup(buf);
        }
    }
    char *buf = NULL;
    if (mr_root_read(ctx->root, "/etc/hostname", 4096, &buf, NULL) < 0)
        return NULL;
    /* The first word of the first line that is not a comment. */
    char *save = NULL, *name = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line = mr_strip(line);
        if (*line && *line != '#') {
            line[strcspn(line, " \t")] = '\0';
            name = mr_xstrdup(line);
            break;
        }
    }
    free(buf);
    return name;
}

char *mr_ctx_resolve_first(const struct mr_ctx *ctx, const char *name)
{
    if (mr_addr_is_literal(name))
        return mr_xstrdup(name);
    char **addrs = NULL;
    char *a = NULL;
    if (ctx->ops && ctx->ops->resolve && ctx->ops->resolve(name, &addrs) == 0 && addrs &&
        addrs[0])
        a = mr_xstrdup(addrs[0]);
    mr_strv_free(addrs);
    return a;
}

static int site_load(struct mr_ctx *ctx, const char *explicit_path, char **ret_msg)
{
    ctx->site = mr_xcalloc(1, sizeof(*ctx->site));
    char *host_path;
    if (explicit_path) {
        host_path = mr_xstrdup(explicit_path);
    } else {
        /* The default lives inside the root; check it is a plain file there,
         * then let iniparser read it through /proc/self/fd so that no
         * symlink can lead it outside. */
        int fd = mr_root_openat(ctx->root, MR_SITE_DEFAULT, O_RDONLY);
        if (fd == -ENOENT)
            return 0;
        if (fd < 0) {
            *ret_msg = mr_xasprintf("cannot read '%s': %s", MR_SITE_DEFAULT, strerror(-fd));
            return fd;
        }
        host_path = mr_xasprintf("/proc/self/fd/%d", fd);
        dictionary *d = NULL;
        char *msg = NULL;
        int r = mr_ini_load(host_path, &d, &msg);
        close(fd);
        free(host_path);
        if (r < 0) {
            /* Name the file as the user knows it. */
            char *at = msg ? strstr(msg, "(") : NULL;
            *ret_msg = mr_xasprintf("'%s' is not a valid INI file %s", MR_SITE_DEFAULT,
                                    at ? at : "");
            free(msg);
            return r;
        }
        ctx->site->dict = d;
        ctx->site->path = mr_xstrdup(MR_SITE_DEFAULT);
        return 0;
    }
    int r = mr_ini_load(host_path, &ctx->site->dict, ret_msg);
    if (r == 0)
        ctx->site->path = host_path;
    else
        free(host_path);
    return r;
}

/* Without a layout profile, the files present choose one: a kolla-ansible
 * host has /etc/kolla/nova-compute/nova.conf (node_config_directory,
 * ansible/roles/nova-cell/tasks/config.yml) and, Nova living in containers,
 * no /etc/nova/nova.conf. A host with both keeps the standard layout. */
static int detect_layout(struct mr_ctx *ctx, char **ret_msg)
{
    struct stat st;
    if (mr_profile_set_kind(ctx->profiles, "layout"))
        return 0;
    if (mr_root_stat(ctx->root, "/etc/kolla/nova-compute/nova.conf", &st, false) < 0 ||
        mr_root_stat(ctx->root, "/etc/nova/nova.conf", &st, false) == 0)
        return 0;
    return mr_profile_set_add(ctx->profiles, "kolla", ret_msg);
}

static int ctx_build(const char *root, const char *const *profiles, const char *site_conf,
                     const struct mr_ops *ops, bool detect_live, struct mr_ctx **ret,
                     char **ret_msg)
{
    struct mr_ctx *ctx = mr_xcalloc(1, sizeof(*ctx));
    ctx->slots = mr_xcalloc(1, sizeof(*ctx->slots));
    ctx->ops = ops ? ops : &mr_ops_none;
    ctx->root_path = mr_xstrdup(root ? root : "/");
    char **names = NULL;
    int r = mr_root_open(ctx->root_path, &ctx->root);
    if (r < 0) {
        *ret_msg = mr_xasprintf("cannot open root '%s': %s", ctx->root_path, strerror(-r));
        goto cleanup;
    }
    if (detect_live) {
        struct stat a, b;
        ctx->live = stat(ctx->root_path, &a) == 0 && stat("/", &b) == 0 &&
                    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    }
    r = site_load(ctx, site_conf, ret_msg);
    if (r < 0)
        goto cleanup;

    names = mr_xcalloc(1, sizeof(char *));
    for (size_t i = 0; profiles && profiles[i]; i++)
        mr_strv_push(&names, profiles[i]);
    if (!names[0]) {
        /* No --profile: the site's list, then the defaults. */
        char **site = mr_split_list(mr_ctx_site(ctx, "profile"));
        mr_strv_free(names);
        names = site;
    }
    r = mr_profile_set_load(names, &ctx->profiles, ret_msg);
    if (r < 0)
        goto cleanup;
    r = detect_layout(ctx, ret_msg);
    if (r < 0)
        goto cleanup;
    ctx->peers = mr_split_list(mr_ctx_site(ctx, "peers"));
    *ret = ctx;
    ctx = NULL;

cleanup:
    mr_strv_free(names);
    mr_ctx_free(ctx);
    return r;
}

int mr_ctx_new(const char *root, const char *const *profiles, const char *site_conf,
               const struct mr_ops *ops, struct mr_ctx **ret, char **ret_msg)
{
    return ctx_build(root, profiles, site_conf, ops, true, ret, ret_msg);
}

int mr_ctx_new_for_test(const char *root, const char *const *profiles, const char *site_conf,
                        struct mr_ctx **ret)
{
    char *msg = NULL;
    int r = ctx_build(root, profiles, site_conf, NULL, false, ret, &msg);
    if (r < 0)
        fprintf(stderr, "test context: %s\n", msg ? msg : strerror(-r));
    free(msg);
    return r;
}

void mr_ctx_free(struct mr_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->slots) {
        for (int s = _MR_SLOT_LAST - 1; s >= 0; s--)
            mr_ctx_invalidate(ctx, (enum mr_slot)s);
        free(ctx->slots);
    }
    if (ctx->site) {
        if (ctx->site->dict)
            iniparser_freedict(ctx->site->dict);
        free(ctx->site->path);
        free(ctx->site);
    }
    mr_profile_set_free(ctx->profiles);
    mr_root_free(ctx->root);
    mr_strv_free(ctx->peers);
    free(ctx->root_path);
    free(ctx);
}
