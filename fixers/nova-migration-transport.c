/* nova.migration-transport: what the check's failing findings name.
 * - a deprecated live_migration_uri that contradicts the transport profile
 *   (or sends every migration to one host): commented out in every file
 *   that sets it, and live_migration_scheme set where the finding says;
 * - live_migration_scheme set to the profile;
 * - live_migration_tunnelled commented out when native TLS is also on. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fixers.h"
#include "novaconf.h"

/* Comments out [SECTION] KEY wherever a nova.conf file sets it (a file
 * where an earlier finding's fix already did is left alone). */
static int comment_out_everywhere(struct mr_change_set *cs, const struct mr_novaconf *conf,
                                  const char *section, const char *key, const char *why)
{
    char *const *files = mr_novaconf_files(conf);
    for (size_t f = 0; files && files[f]; f++) {
        struct mr_aug_edit *e = NULL;
        int r = fx_open(cs, "Nova.lns", files[f], &e);
        if (r < 0)
            return r;
        int n = fx_nova_comment_out(e, section, key, why);
        if (n == 0) {
            mr_aug_edit_free(e);
            continue;
        }
        mr_change_describe(cs, "commented out [%s] %s in %s", section, key, files[f]);
        r = fx_commit(cs, e, files[f], 0640);
        if (r < 0)
            return r;
    }
    return 0;
}

/* The URI goes, then the settings the finding names are set (once each). */
static int drop_uri(struct mr_change_set *cs, const struct mr_novaconf *conf,
                    const struct mr_result *res, size_t i)
{
    const struct mr_finding *f = &res->findings[i];
    char *why = mr_xasprintf("deprecated; replaced by live_migration_scheme = %s", f->want);
    int r = comment_out_everywhere(cs, conf, f->alias_section, f->alias_key, why);
    free(why);
    struct mr_edit buf;
    const struct mr_edit *ed;
    for (size_t k = 0; r >= 0 && (ed = mr_finding_edit(f, k, &buf)); k++) {
        if (mr_result_sets(res, i, ed->key))
            continue;
        const struct mr_finding set = {
            .file = ed->file, .section = ed->section, .key = ed->key, .want = ed->want};
        r = fx_nova_set(cs, &set);
    }
    return r;
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    if (!mr_result_has(res, "uri") && !mr_result_has(res, "scheme") &&
        !mr_result_has(res, "tunnelled"))
        return 0;
    const struct mr_novaconf *conf;
    const char *msg = NULL;
    if (mr_ctx_nova(ctx, &conf, &msg) < 0 || !conf) {
        mr_change_error(cs, "%s", msg ? msg : "cannot read nova.conf");
        return -EINVAL;
    }
    int r = 0;
    for (size_t i = 0; r >= 0 && i < res->n_findings; i++) {
        const struct mr_finding *f = &res->findings[i];
        if (mr_finding_is(f, "uri"))
            r = drop_uri(cs, conf, res, i);
        else if (mr_finding_is(f, "scheme") && !mr_result_sets(res, i, f->key))
            r = fx_nova_set(cs, f);
        else if (mr_finding_is(f, "tunnelled"))
            r = comment_out_everywhere(cs, conf, f->section, f->key,
                                       "native TLS encrypts the stream itself");
    }
    if (r < 0)
        return r;
    mr_change_restart(cs, "nova-compute");
    return 0;
}

const struct mr_fixer mr_fixer_nova_migration_transport = {
    .check_id = "nova.migration-transport",
    .run = run,
};
