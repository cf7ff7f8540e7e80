/* The context every check receives: the root, the site configuration, the
 * active profiles, and lazily loaded configuration sources. */
#pragma once

#include "migready.h"
#include "rootfs.h"

struct stat;

struct mr_profile_set;
struct mr_site;
struct mr_novaconf;
struct mr_nova_release;
struct mr_libvirt_conf;
struct mr_ops;

/* Sources loaded on first use and shared by the checks of one run, each in
 * a slot owned by the module that loads it (through its accessor:
 * mr_ctx_nova, mr_ctx_libvirt, mr_ctx_facts, mr_ctx_peer_list). The slots
 * are private to src/core/ctx.c; their owners free them through the destructor
 * they gave, so the context needs to know nothing of what they hold. */
enum mr_slot {
    MR_SLOT_NOVA,    /* nova.conf (mr_ctx_nova) */
    MR_SLOT_LIBVIRT, /* libvirt's configuration (mr_ctx_libvirt) */
    MR_SLOT_FACTS,   /* this host's facts (src/core/facts.c) */
    MR_SLOT_PEERS,   /* the peers and their facts (src/core/peers.c) */
    MR_SLOT_NOVA_RELEASE, /* the Nova release whose rules apply (mr_ctx_nova_release) */
    MR_SLOT_SSH_ID,  /* who logs in to peers over SSH (mr_ctx_ssh_identity) */
    _MR_SLOT_LAST,
};
struct mr_slots;

struct mr_ctx {
    char *root_path;              /* as given, "/" by default */
    struct mr_root *root;
    bool live;                    /* the root is the running host's "/" */
    struct mr_site *site;
    struct mr_profile_set *profiles;
    const struct mr_ops *ops;     /* the live sources (src/core/ops.h), as mr_ctx_new was given */
    struct mr_slots *slots;       /* private to src/core/ctx.c: use mr_ctx_slot_* */
    char **peers;                 /* from --peer and the site configuration */
    bool migrate;                 /* check --migrate: migrate.roundtrip migrates for real */
};

/* Value chosen by the active profiles: "transport" (tcp/tls/ssh), "storage"
 * (shared/block/volume), ... NULL when no profile sets it. */
const char *mr_ctx_value(const struct mr_ctx *ctx, const char *key);
bool mr_ctx_has_profile(const struct mr_ctx *ctx, const char *name);
/* The transport of this run: the profiles' "transport" (tcp, tls, ssh),
 * tcp when none sets it. */
const char *mr_ctx_transport(const struct mr_ctx *ctx);
/* Where the run's layout keeps a file: the profiles' [paths] KEY (nova_conf,
 * libvirtd_conf, qemu_conf, nova_ssh_key, ...), else DFLT (may be NULL). */
const char *mr_ctx_path(const struct mr_ctx *ctx, const char *key, const char *dflt);

/* Who the migration's SSH logs in as, and why (mr_ctx_ssh_identity). */
struct mr_ssh_identity {
    const char *user;            /* the login user, whose keys matter */
    const char *key;             /* its private key when something names one (?keyfile=,
                                  * a layout's nova_ssh_key); NULL: ~user/.ssh/id_* */
    const char *authorized_keys; /* a layout's file; NULL: ~user/.ssh/authorized_keys */
    const char *why;             /* why this user and key, for messages */
    const char *file;            /* the file that chose them, NULL for a built-in rule */
    int line;
    const char *ssh_config;      /* a layout's client configuration that sets the port */
    unsigned port;               /* sshd's port on the peers: 22 unless the layout says */
    bool libvirtd;               /* libvirtd's ssh client (transport ssh), not Nova's own SSH */
};
/* The SSH login of this run, found once:
 * - the site's migration_user, when set;
 * - transport ssh: the source's libvirtd is the client (the migration is
 *   peer to peer), so root with root's keys, unless [libvirt]
 *   live_migration_uri names user@ and ?keyfile=;
 * - otherwise Nova's own SSH (resize, cold migration, remote instance
 *   folders): the nova user, with the layout's key files and port (kolla's
 *   nova_ssh container, port 8022). */
const struct mr_ssh_identity *mr_ctx_ssh_identity(const struct mr_ctx *ctx);
/* The user that logs in to peers (SSH, migrate-test): mr_ctx_ssh_identity's. */
const char *mr_ctx_migration_user(const struct mr_ctx *ctx);
/* The nova user: the site's nova_user, else "nova"; its group: the site's
 * nova_group, else a group of the user's name. */
const char *mr_ctx_nova_user(const struct mr_ctx *ctx);
const char *mr_ctx_nova_group(const struct mr_ctx *ctx);
/* Site configuration key of [site], NULL when unset. */
const char *mr_ctx_site(const struct mr_ctx *ctx, const char *key);
const char *mr_ctx_site_path(const struct mr_ctx *ctx);
/* The site configuration's path for a message or a remedy: the file read,
 * else where migready looks for one. */
const char *mr_ctx_site_file(const struct mr_ctx *ctx);
/* [site] KEY as a numeric user or group ID (nova_uid, nova_gid): 1 with *RET
 * set, 0 when unset, -EINVAL when the value is not one; then *RET_MSG (NULL:
 * not wanted) names the key, the value and the file (caller frees). */
int mr_ctx_site_id(const struct mr_ctx *ctx, const char *key, unsigned *ret, char **ret_msg);

/* The value in SLOT, NULL when it is empty (not loaded yet, or invalidated). */
void *mr_ctx_slot_get(const struct mr_ctx *ctx, enum mr_slot slot);
/* Puts VALUE in SLOT, owned by the context from now on: DESTROY (may be
 * NULL) frees it when the slot is invalidated or the context freed. What
 * was there before is freed first. Slots are run-wide caches, mutable
 * through a const context; only their owner (see enum mr_slot) sets them. */
void mr_ctx_slot_set(const struct mr_ctx *ctx, enum mr_slot slot, void *value,
                     void (*destroy)(void *));
/* Forgets what SLOT holds: the next use loads it again. `fix` calls this
 * for what its changes may have made stale. */
void mr_ctx_invalidate(const struct mr_ctx *ctx, enum mr_slot slot);

/* nova.conf and its nova.conf.d overrides, parsed once per run. On failure
 * returns a negative errno and sets *ret_msg (owned by the slot) to a
 * message naming the file and line. */
int mr_ctx_nova(const struct mr_ctx *ctx, const struct mr_novaconf **ret, const char **ret_msg);
/* The Nova release whose rules apply: the site key nova_release, else the
 * installed package's metadata, else unknown (the newest rules; ->known is
 * false). Found once per run. On a nova_release the checker cannot read,
 * returns -EINVAL with *ret_msg (owned by the slot) saying why, and *ret
 * NULL. */
int mr_ctx_nova_release(const struct mr_ctx *ctx, const struct mr_nova_release **ret,
                        const char **ret_msg);
/* libvirtd.conf, qemu.conf, the libvirtd defaults file and socket units.
 * Fails when any of the files cannot be read (*ret may still be set). */
int mr_ctx_libvirt(const struct mr_ctx *ctx, const struct mr_libvirt_conf **ret,
                   const char **ret_msg);
/* The same, failing only when one of FILES (MR_LIBVIRT_FILE(MR_QEMU_CONF) |
 * ..., from libvirtconf.h) cannot be read: a check asks for the files it reads. */
int mr_ctx_libvirt_files(const struct mr_ctx *ctx, unsigned files,
                         const struct mr_libvirt_conf **ret, const char **ret_msg);

/* Users and groups: from ROOT/etc/passwd and ROOT/etc/group under --root,
 * from the name service on the live host. -ENOENT when unknown. */
int mr_ctx_user(const struct mr_ctx *ctx, const char *name, uid_t *ret_uid, gid_t *ret_gid);
int mr_ctx_group(const struct mr_ctx *ctx, const char *name, gid_t *ret_gid);
/* The home folder of a user (caller frees), NULL when unknown. */
char *mr_ctx_user_home(const struct mr_ctx *ctx, const char *name);
/* Supplementary groups of a user (its primary group included). */
int mr_ctx_user_groups(const struct mr_ctx *ctx, const char *name, gid_t **ret, size_t *ret_n);
/* Whether USER may read a file of ST by its mode bits, as the kernel
 * decides (owner, then any of the user's groups, then others; root reads
 * anything). An unknown user is judged as others. */
bool mr_ctx_user_can_read(const struct mr_ctx *ctx, const char *user, const struct stat *st);
/* This host's name: ROOT/etc/hostname under --root, the live name otherwise. */
char *mr_ctx_hostname(const struct mr_ctx *ctx);
/* The address NAME leads to from here: NAME itself when it is a literal,
 * else the live resolver's first answer (NULL when it does not resolve or
 * there is no resolver). */
char *mr_ctx_resolve_first(const struct mr_ctx *ctx, const char *name);

/* Builds a context for ROOT with the named profiles (NULL: the defaults)
 * and an optional site configuration file given as a host path (NULL: the
 * root's /etc/migready/migready.conf when it exists), reaching live sources
 * through OPS (the command line passes the real table, src/live/ops-live.h;
 * tests their stubs; NULL: mr_ops_none). On failure returns a negative
 * errno and prints nothing; *ret_msg (caller frees) says why. */
int mr_ctx_new(const char *root, const char *const *profiles, const char *site_conf,
               const struct mr_ops *ops, struct mr_ctx **ret, char **ret_msg);
/* The same for tests, live host never assumed; ctx->ops is mr_ops_none
 * until the test sets its own table. */
int mr_ctx_new_for_test(const char *root, const char *const *profiles, const char *site_conf,
                        struct mr_ctx **ret);
void mr_ctx_free(struct mr_ctx *ctx);
