/* nfs.exports: the instances path (the site's export_path, else nova.conf's
 * instances_path) exported rw,sync,no_root_squash, through Augeas's Exports
 * lens, in /etc/exports or the file of /etc/exports.d that has it.
 * - Every client of the path gets the options it lacks, and loses ro,
 *   async, root_squash and all_squash: the path exists for the compute
 *   hosts, and any client of it the check judges must pass.
 * - A peer of the site configuration that no client covers (a host name, a
 *   network holding its address, a wildcard, '*') is added as
 *   PEER(rw,sync,no_root_squash,no_subtree_check).
 * - No entry at all: "PATH PEER(...) ..." at the end of /etc/exports; without
 *   peers nothing is added (which clients to export to is the operator's). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixers.h"
#include "hostsfile.h"
#include "novaconf.h"
#include "ops.h"
#include "pathutil.h"

#define EXPORTS "/etc/exports"
#define EXPORTS_D "/etc/exports.d"
#define CLIENT_OPTS "rw,sync,no_root_squash,no_subtree_check"

static const char *const wanted[] = {"rw", "sync", "no_root_squash"};
static const char *const unwanted[] = {"ro", "async", "root_squash", "all_squash"};

static bool in_net(const char *spec, char *const *addrs)
{
    char *net = mr_xstrdup(spec);
    char *slash = strchr(net, '/');
    *slash = '\0';
    unsigned char want[16], have[16], m[16] = {0};
    int fam = inet_pton(AF_INET, net, want) == 1 ? AF_INET
              : inet_pton(AF_INET6, net, want) == 1 ? AF_INET6 : 0;
    size_t len = fam == AF_INET ? 4 : 16;
    long bits = -1;
    bool ok = fam != 0;
    if (ok && fam == AF_INET && strchr(slash + 1, '.'))
        ok = inet_pton(AF_INET, slash + 1, m) == 1;
    else if (ok && (mr_parse_long(slash + 1, &bits) < 0 || bits < 0 || bits > (long)len * 8))
        ok = false;
    for (long b = 0; ok && b < bits; b++)
        m[b / 8] |= (unsigned char)(0x80u >> (b % 8));
    bool hit = false;
    for (size_t i = 0; ok && addrs[i] && !hit; i++) {
        if (inet_pton(fam, addrs[i], have) != 1)
            continue;
        hit = true;
        for (size_t k = 0; k < len; k++)
            if ((have[k] & m[k]) != (want[k] & m[k]))
                hit = false;
    }
    free(net);
    return hit;
}

/* Whether a client spec (its host part) covers PEER. Netgroups count as
 * covering: whether the peer is in one cannot be told here. */
static bool covers(const char *host, const char *peer, char *const *addrs)
{
    if (!*host || strcmp(host, "*") == 0 || host[0] == '@')
        return true;
    if (strchr(host, '/'))
        return in_net(host, addrs);
    if (strpbrk(host, "*?["))
        return fnmatch(host, peer, FNM_CASEFOLD) == 0;
    if (mr_host_eq(host, peer))
        return true;
    for (size_t i = 0; addrs[i]; i++)
        if (mr_addr_same(host, addrs[i]))
            return true;
    return false;
}

/* The peer's addresses: a literal, the site's hosts key, /etc/hosts as the
 * check reads it, the live resolver. */
static char **peer_addrs(const struct mr_ctx *ctx, char *const *pairs, const char *peer)
{
    char **v = mr_xcalloc(1, sizeof(char *));
    if (mr_addr_is_literal(peer))
        mr_strv_push(&v, peer);
    const char *a = fx_site_host_addr(pairs, peer);
    if (a)
        mr_strv_push(&v, a);
    struct mr_hosts *h = NULL;
    if (mr_hosts_read(ctx->root, &h, NULL) == 0)
        for (size_t i = 0; i < h->n; i++)
            for (size_t j = 0; h->v[i].names[j]; j++)
                if (mr_host_eq(h->v[i].names[j], peer) && !mr_strv_contains(v, h->v[i].addr))
                    mr_strv_push(&v, h->v[i].addr);
    mr_hosts_free(h);
    char **more = NULL;
    if (ctx->live && ctx->ops && ctx->ops->resolve && ctx->ops->resolve(peer, &more) == 0)
        for (size_t i = 0; more && more[i]; i++)
            if (!mr_strv_contains(v, more[i]))
                mr_strv_push(&v, more[i]);
    mr_strv_free(more);
    return v;
}

/* Gives CLIENT the wanted options; returns whether it changed. */
static bool fix_client(augeas *aug, const char *client)
{
    bool changed = false;
    for (size_t i = 0; i < MR_ARRAY_SIZE(unwanted); i++) {
        char *p = mr_xasprintf("%s/option[. = '%s']", client, unwanted[i]);
        changed |= aug_rm(aug, p) > 0;
        free(p);
    }
    for (size_t i = 0; i < MR_ARRAY_SIZE(wanted); i++) {
        char *p = mr_xasprintf("%s/option[. = '%s']", client, wanted[i]);
        if (aug_match(aug, p, NULL) == 0) {
            char *np = mr_xasprintf("%s/option[last() + 1]", client);
            aug_set(aug, np, wanted[i]);
            free(np);
            changed = true;
        }
        free(p);
    }
    return changed;
}

static void add_client(augeas *aug, const char *dir, const char *host)
{
    char *p = mr_xasprintf("%s/client[last() + 1]", dir);
    aug_set(aug, p, host);
    free(p);
    char *opts = mr_xstrdup(CLIENT_OPTS), *save = NULL;
    for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        p = mr_xasprintf("%s/client[last()]/option[last() + 1]", dir);
        aug_set(aug, p, o);
        free(p);
    }
    free(opts);
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    (void)res;
    const struct mr_novaconf *conf;
    const char *msg = NULL;
    struct mr_novaval iv;
    const char *path = mr_ctx_site(ctx, "export_path");
    if (!path) {
        if (mr_ctx_nova(ctx, &conf, &msg) < 0 || !conf ||
            !mr_novaconf_get(conf, "DEFAULT", "instances_path", &iv) || !iv.value ||
            iv.value[0] != '/')
            return 0;
        path = iv.value;
    }
    char **files = mr_xcalloc(1, sizeof(char *)), **names = NULL;
    mr_strv_push(&files, EXPORTS);
    if (mr_root_list(ctx->root, EXPORTS_D, ".exports", &names) == 0)
        for (size_t i = 0; names[i]; i++) {
            char *p = mr_xasprintf("%s/%s", EXPORTS_D, names[i]);
            mr_strv_push(&files, p);
            free(p);
        }
    mr_strv_free(names);
    char **pairs = fx_site_hosts(ctx);
    size_t n_peers = mr_strv_len(ctx->peers);
    bool *covered = mr_xcalloc(n_peers + 1, sizeof(bool));
    bool found = false;
    int r = 0;

    for (size_t f = 0; files[f] && r == 0; f++) {
        const char *text = NULL;
        if (mr_change_text(cs, files[f], &text) < 0 || !strstr(text, path))
            continue;
        struct mr_aug_edit *e = NULL;
        r = fx_open(cs, "Exports.lns", files[f], &e);
        if (r < 0)
            break;
        augeas *aug = mr_aug_edit_aug(e);
        char *pat = mr_xasprintf("%s/dir", mr_aug_edit_top(e));
        char **dirs = NULL;
        int nd = aug_match(aug, pat, &dirs);
        free(pat);
        char *first = NULL;
        for (int d = 0; d < nd; d++) {
            const char *v = NULL;
            if (aug_get(aug, dirs[d], &v) != 1 || !v || !mr_path_eq(v, path))
                continue;
            found = true;
            if (!first)
                first = mr_xstrdup(dirs[d]);
            char *cp = mr_xasprintf("%s/client", dirs[d]);
            char **clients = NULL;
            int nc = aug_match(aug, cp, &clients);
            free(cp);
            for (int c = 0; c < nc; c++) {
                const char *host = NULL;
                aug_get(aug, clients[c], &host);
                char *h = mr_xstrdup(host ? host : "");
                for (size_t p = 0; p < n_peers; p++) {
                    char **addrs = peer_addrs(ctx, pairs, ctx->peers[p]);
                    covered[p] |= covers(h, ctx->peers[p], addrs);
                    mr_strv_free(addrs);
                }
                if (fix_client(aug, clients[c]))
                    mr_change_describe(cs, "exported %s to %s with rw,sync,no_root_squash in %s",
                                       path, *h ? h : "*", files[f]);
                free(h);
                free(clients[c]);
            }
            free(clients);
        }
        for (size_t p = 0; first && p < n_peers; p++) {
            if (covered[p])
                continue;
            add_client(aug, first, ctx->peers[p]);
            covered[p] = true;
            mr_change_describe(cs, "exported %s to compute host %s (" CLIENT_OPTS ") in %s", path,
                               ctx->peers[p], files[f]);
        }
        for (int d = 0; d < nd; d++)
            free(dirs[d]);
        free(dirs);
        free(first);
        r = fx_commit(cs, e, files[f], 0644);
    }

    if (r == 0 && !found && n_peers > 0) {
        struct mr_aug_edit *e = NULL;
        r = fx_open(cs, "Exports.lns", EXPORTS, &e);
        if (r == 0) {
            augeas *aug = mr_aug_edit_aug(e);
            char *dir = mr_xasprintf("%s/dir[last() + 1]", mr_aug_edit_top(e));
            aug_set(aug, dir, path);
            free(dir);
            dir = mr_xasprintf("%s/dir[last()]", mr_aug_edit_top(e));
            for (size_t p = 0; p < n_peers; p++)
                add_client(aug, dir, ctx->peers[p]);
            free(dir);
            mr_change_describe(cs, "exported %s to the compute hosts (" CLIENT_OPTS ") in %s",
                               path, EXPORTS);
            r = fx_commit(cs, e, EXPORTS, 0644);
        }
    }
    if (r == 0)
        mr_change_restart(cs, "nfs-server");
    free(covered);
    mr_strv_free(pairs);
    mr_strv_free(files);
    return r;
}

const struct mr_fixer mr_fixer_nfs_exports = {
    .check_id = "nfs.exports",
    .run = run,
};
