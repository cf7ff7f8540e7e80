/* The context every check receives: the root, the site configuration, the
 * active profiles, and lazily loaded configuration sources. */
#pragma once

#include "migready.h"
#include "rootfs.h"

struct mr_profile_set;
struct mr_site;
struct mr_novaconf;
struct mr_libvirt_conf;
struct mr_ops;
struct mr_facts;
struct mr_peer;

/* Sources loaded on first use and shared by the checks of one run. */
struct mr_cache {
    struct mr_novaconf *nova;
    int nova_err;
    char *nova_errmsg;
    bool nova_loaded;
    struct mr_libvirt_conf *libvirt;
    int libvirt_err;
    char *libvirt_errmsg;
    bool libvirt_loaded;
    /* This host's facts (src/facts.h), collected on first use. */
    struct mr_facts *facts;
    /* The peers and their facts (src/peers.h), fetched on first use; unit
     * tests fill these and set peers_loaded instead. */
    struct mr_peer **peers;
    size_t n_peers;
    bool peers_loaded;
};

struct mr_ctx {
    char *root_path;              /* as given, "/" by default */
    struct mr_root *root;
    bool live;                    /* the root is the running host's "/" */
    struct mr_site *site;
    struct mr_profile_set *profiles;
    const struct mr_ops *ops;
    struct mr_cache *cache;       /* mutable even through a const context */
    char **peers;                 /* from --peer and the site configuration */
    bool migrate;                 /* check --migrate: migrate.roundtrip migrates for real */
};

/* Value chosen by the active profiles: "transport" (tcp/tls/ssh), "storage"
 * (shared/block/volume), ... NULL when no profile sets it. */
const char *mr_ctx_value(const struct mr_ctx *ctx, const char *key);
bool mr_ctx_has_profile(const struct mr_ctx *ctx, const char *name);
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

/* nova.conf and its nova.conf.d overrides, parsed once per run. On failure
 * returns a negative errno and sets *ret_msg (owned by the cache) to a
 * message naming the file and line. */
int mr_ctx_nova(const struct mr_ctx *ctx, const struct mr_novaconf **ret, const char **ret_msg);
/* libvirtd.conf, qemu.conf, the libvirtd defaults file and socket units. */
int mr_ctx_libvirt(const struct mr_ctx *ctx, const struct mr_libvirt_conf **ret,
                   const char **ret_msg);

/* Users and groups: from ROOT/etc/passwd and ROOT/etc/group under --root,
 * from the name service on the live host. -ENOENT when unknown. */
int mr_ctx_user(const struct mr_ctx *ctx, const char *name, uid_t *ret_uid, gid_t *ret_gid);
int mr_ctx_group(const struct mr_ctx *ctx, const char *name, gid_t *ret_gid);
/* The home folder of a user (caller frees), NULL when unknown. */
char *mr_ctx_user_home(const struct mr_ctx *ctx, const char *name);
/* Supplementary groups of a user (its primary group included). */
int mr_ctx_user_groups(const struct mr_ctx *ctx, const char *name, gid_t **ret, size_t *ret_n);
/* This host's name: ROOT/etc/hostname under --root, the live name otherwise. */
char *mr_ctx_hostname(const struct mr_ctx *ctx);

/* Builds a context for ROOT with the named profiles (NULL: the defaults)
 * and an optional site configuration file given as a host path (NULL: the
 * root's /etc/migready/migready.conf when it exists). On failure returns a
 * negative errno and prints nothing; *ret_msg (caller frees) says why. */
int mr_ctx_new(const char *root, const char *const *profiles, const char *site_conf,
               struct mr_ctx **ret, char **ret_msg);
/* The same for tests, live host never assumed. */
int mr_ctx_new_for_test(const char *root, const char *const *profiles, const char *site_conf,
                        struct mr_ctx **ret);
void mr_ctx_free(struct mr_ctx *ctx);
