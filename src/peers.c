/* The peers of a run and their facts. The SSH transport (src/sshpeer.c)
 * replaces fetch() below; until then every peer is reported as not fetched,
 * which the cluster checks show as "not compared". */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "peers.h"

void mr_peer_free(struct mr_peer *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->address);
    free(p->message);
    free(p->fingerprint);
    mr_facts_free(p->facts);
    free(p);
}

static struct mr_peer *fetch(const struct mr_ctx *ctx, const char *name)
{
    struct mr_peer *p = mr_xcalloc(1, sizeof(*p));
    p->name = mr_xstrdup(name);
    p->ssh = MR_PEER_SSH_REMOTE;
    p->message = mr_xstrdup(ctx->live ? "fetching facts over SSH is not implemented yet"
                                      : "offline (--root)");
    return p;
}

int mr_ctx_peer_list(const struct mr_ctx *ctx, struct mr_peer *const **ret, size_t *ret_n)
{
    struct mr_cache *c = ctx->cache;
    if (!c->peers_loaded) {
        size_t n = mr_strv_len(ctx->peers);
        c->peers = mr_xcalloc(n ? n : 1, sizeof(*c->peers));
        for (size_t i = 0; i < n; i++)
            c->peers[i] = fetch(ctx, ctx->peers[i]);
        c->n_peers = n;
        c->peers_loaded = true;
    }
    *ret = c->peers;
    *ret_n = c->n_peers;
    return 0;
}
