/* nova.migration-transport: live_migration_scheme set to the transport
 * profile; a deprecated live_migration_uri that contradicts it (or sends
 * every migration to one host) commented out in every file that sets it;
 * live_migration_tunnelled commented out when native TLS is also on. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fixers.h"
#include "novaconf.h"
#include "uri.h"

static bool nova_set(const struct mr_novaconf *nova, const char *key, struct mr_novaval *v)
{
    return mr_novaconf_get(nova, "libvirt", key, v) && v->value && v->value[0] && !v->is_default;
}

/* Comments out [libvirt] KEY wherever a nova.conf file sets it. */
static int comment_out_everywhere(struct mr_change_set *cs, const struct mr_novaconf *conf,
                                  const char *key, const char *why)
{
    char *const *files = mr_novaconf_files(conf);
    for (size_t f = 0; files && files[f]; f++) {
        struct mr_aug_edit *e = NULL;
        int r = fx_open(cs, "Nova.lns", files[f], &e);
        if (r < 0)
            return r;
        int n = fx_nova_comment_out(e, "libvirt", key, why);
        if (n == 0) {
            mr_aug_edit_free(e);
            continue;
        }
        mr_change_describe(cs, "commented out [libvirt] %s in %s", key, files[f]);
        r = fx_commit(cs, e, files[f], 0640);
        if (r < 0)
            return r;
    }
    return 0;
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    (void)res;
    const struct mr_novaconf *conf;
    const char *msg = NULL;
    if (mr_ctx_nova(ctx, &conf, &msg) < 0 || !conf) {
        mr_change_error(cs, "%s", msg ? msg : "cannot read nova.conf");
        return -EINVAL;
    }
    const char *profile = mr_ctx_transport(ctx);
    struct mr_novaval uri, scheme, tun, native;
    bool has_uri = nova_set(conf, "live_migration_uri", &uri);
    bool has_scheme = nova_set(conf, "live_migration_scheme", &scheme);
    int r = 0;

    bool uri_conflicts = false;
    if (has_uri) {
        char *t = mr_uri_transport(uri.value);
        uri_conflicts = !t || strcmp(t, profile) != 0 || !strstr(uri.value, "%s");
        free(t);
    }
    if (uri_conflicts) {
        char *why = mr_xasprintf("deprecated; replaced by live_migration_scheme = %s", profile);
        r = comment_out_everywhere(cs, conf, "live_migration_uri", why);
        free(why);
        if (r < 0)
            return r;
    }
    /* A URI that stays decides alone; otherwise the scheme (tcp when unset). */
    if (!has_uri || uri_conflicts) {
        const char *used = has_scheme ? scheme.value : "tcp";
        if (strcmp(used, "libssh") == 0 || strcmp(used, "libssh2") == 0)
            used = "ssh";
        if (strcmp(used, profile) != 0) {
            const char *file = has_scheme && scheme.file ? scheme.file : FX_NOVA_CONF;
            struct mr_aug_edit *e = NULL;
            r = fx_open(cs, "Nova.lns", file, &e);
            if (r < 0)
                return r;
            char *parent = fx_nova_section(e, "libvirt");
            r = mr_aug_edit_set(e, parent, "live_migration_scheme", profile);
            free(parent);
            if (r < 0) {
                mr_aug_edit_free(e);
                mr_change_error(cs, "%s: cannot set [libvirt] live_migration_scheme", file);
                return r;
            }
            mr_change_describe(cs, "set [libvirt] live_migration_scheme = %s in %s", profile,
                               file);
            r = fx_commit(cs, e, file, 0640);
            if (r < 0)
                return r;
        }
    }
    bool t_on = false, n_on = false;
    if (nova_set(conf, "live_migration_tunnelled", &tun))
        mr_parse_bool(tun.value, &t_on);
    if (nova_set(conf, "live_migration_with_native_tls", &native))
        mr_parse_bool(native.value, &n_on);
    if (t_on && n_on) {
        r = comment_out_everywhere(cs, conf, "live_migration_tunnelled",
                                   "native TLS encrypts the stream itself");
        if (r < 0)
            return r;
    }
    mr_change_restart(cs, "nova-compute");
    return 0;
}

const struct mr_fixer mr_fixer_nova_migration_transport = {
    .check_id = "nova.migration-transport",
    .run = run,
};
