/* The peers of a run and their facts: each name resolved through the
 * resolver, then its facts fetched through ops->peer_fetch (SSH, in
 * src/live/sshpeer.c), all peers at once (one thread each, at most
 * MAX_THREADS), once per run. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "ops.h"
#include "peers.h"

#define MAX_THREADS 16

void mr_peer_free(struct mr_peer *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->address);
    free(p->message);
    free(p->fingerprint);
    free(p->hostkey_type);
    free(p->user);
    free(p->key);
    free(p->known_hosts);
    mr_facts_free(p->facts);
    free(p);
}

static struct mr_peer *fetch(const struct mr_ctx *ctx, const char *name)
{
    struct mr_peer *p = mr_xcalloc(1, sizeof(*p));
    double t0 = mr_now_s();
    p->name = mr_xstrdup(name);
    if (!ctx->live) {
        p->ssh = MR_PEER_SSH_REMOTE;
        p->message = mr_xstrdup("offline (--root)");
        goto done;
    }
    char **addrs = NULL;
    int r = ctx->ops && ctx->ops->resolve ? ctx->ops->resolve(name, &addrs) : -ENOSYS;
    if (r < 0 || !addrs || !addrs[0]) {
        p->ssh = MR_PEER_SSH_UNRESOLVED;
        if (r == -ENOENT || r >= 0)
            p->message = mr_xasprintf("%s does not resolve here: unknown name", name);
        else
            p->message = mr_xasprintf("%s does not resolve here: the resolver fails (%s)", name,
                                      strerror(-r));
        mr_strv_free(addrs);
        goto done;
    }
    p->address = mr_xstrdup(addrs[0]);
    mr_strv_free(addrs);
    if (!ctx->ops->peer_fetch) {
        p->ssh = MR_PEER_SSH_REMOTE;
        p->message = mr_xstrdup("no way to reach peers in this build");
        goto done;
    }
    p->port = mr_ctx_ssh_identity(ctx)->port;
    r = ctx->ops->peer_fetch(ctx, name, p);
    if (p->ssh == MR_PEER_SSH_OK && (r < 0 || !p->facts)) {
        p->ssh = MR_PEER_SSH_REMOTE;
        free(p->message);
        p->message = mr_xasprintf("cannot fetch %s's facts: %s", name,
                                  r < 0 ? strerror(-r) : "nothing came back");
    }
    if (p->ssh != MR_PEER_SSH_OK) {
        /* The comparisons use facts only from a peer that was verified. */
        mr_facts_free(p->facts);
        p->facts = NULL;
        if (!p->message)
            p->message = mr_xasprintf("cannot fetch %s's facts", name);
    }
done:
    p->seconds = mr_now_s() - t0;
    return p;
}

struct pool {
    const struct mr_ctx *ctx;
    char *const *names;
    struct mr_peer **out;
    size_t n, next;
    pthread_mutex_t lock;
};

static void *worker(void *arg)
{
    struct pool *pl = arg;
    for (;;) {
        pthread_mutex_lock(&pl->lock);
        size_t i = pl->next++;
        pthread_mutex_unlock(&pl->lock);
        if (i >= pl->n)
            return NULL;
        pl->out[i] = fetch(pl->ctx, pl->names[i]);
    }
}

/* Checking eight peers takes about as long as checking the slowest one. */
static void fetch_all(const struct mr_ctx *ctx, char *const *names, size_t n,
                      struct mr_peer **out)
{
    struct pool pl = {.ctx = ctx, .names = names, .out = out, .n = n};
    pthread_mutex_init(&pl.lock, NULL);
    size_t want = n < MAX_THREADS ? n : MAX_THREADS;
    pthread_t tids[MAX_THREADS];
    size_t started = 0;
    /* The calling thread works too: one peer needs no thread at all. */
    for (size_t i = 1; i < want; i++) {
        if (pthread_create(&tids[started], NULL, worker, &pl) != 0)
            break; /* the threads that did start, and this one, do the rest */
        started++;
    }
    worker(&pl);
    for (size_t i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    pthread_mutex_destroy(&pl.lock);
}

/* What MR_SLOT_PEERS holds. */
struct peer_list {
    struct mr_peer **v;
    size_t n;
};

static void peer_list_free(void *p)
{
    struct peer_list *l = p;
    for (size_t i = 0; i < l->n; i++)
        mr_peer_free(l->v[i]);
    free(l->v);
    free(l);
}

int mr_ctx_peer_list(const struct mr_ctx *ctx, struct mr_peer *const **ret, size_t *ret_n)
{
    struct peer_list *l = mr_ctx_slot_get(ctx, MR_SLOT_PEERS);
    if (!l) {
        l = mr_xcalloc(1, sizeof(*l));
        l->n = mr_strv_len(ctx->peers);
        l->v = mr_xcalloc(l->n ? l->n : 1, sizeof(*l->v));
        /* Found here, before the threads, which then only read it. */
        (void)mr_ctx_ssh_identity(ctx);
        fetch_all(ctx, ctx->peers, l->n, l->v);
        mr_ctx_slot_set(ctx, MR_SLOT_PEERS, l, peer_list_free);
    }
    *ret = l->v;
    *ret_n = l->n;
    return 0;
}

bool mr_ctx_peers_loaded(const struct mr_ctx *ctx)
{
    return mr_ctx_slot_get(ctx, MR_SLOT_PEERS) != NULL;
}

void mr_ctx_set_peers(const struct mr_ctx *ctx, struct mr_peer **peers, size_t n)
{
    struct peer_list *l = mr_xcalloc(1, sizeof(*l));
    l->v = peers ? peers : mr_xcalloc(1, sizeof(*l->v));
    l->n = n;
    mr_ctx_slot_set(ctx, MR_SLOT_PEERS, l, peer_list_free);
}
