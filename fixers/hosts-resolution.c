/* hosts.resolution: /etc/hosts through Augeas's Hosts lens, for the names
 * the check's findings map to an address.
 * - This host's names (FQDN, short name) leave every loopback line
 *   (Debian's "127.0.1.1 NAME.DOMAIN NAME" above all) and every line of
 *   another address; a line left without names goes, except that the first
 *   emptied loopback line becomes "ADDRESS FQDN NAME" in place, so the file
 *   keeps its order. The check names no address when it knows none: the
 *   names would stop resolving.
 * - A peer's or the NFS server's name, with the address the site's `hosts`
 *   key gives it, the same way, at the end of the file. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixers.h"

#define HOSTS "/etc/hosts"

struct hosts_edit {
    struct mr_aug_edit *e;
    augeas *aug;
    char *reused; /* the loopback entry turned into this host's line */
    int added;    /* new entries, labelled "01", "02"... until written */
    bool changed;
};

static void free_matches(char **m, int n)
{
    for (int i = 0; i < n; i++)
        free(m[i]);
    free(m);
}

static bool in_names(char *const *names, const char *name)
{
    for (size_t i = 0; names[i]; i++)
        if (strcasecmp(names[i], name) == 0)
            return true;
    return false;
}

/* The entry whose address is ADDR (the first), or NULL (caller frees). */
static char *entry_of(struct hosts_edit *h, const char *addr)
{
    char **m = NULL;
    char *pat = mr_xasprintf("%s/*[ipaddr]", mr_aug_edit_top(h->e));
    int n = aug_match(h->aug, pat, &m);
    free(pat);
    char *hit = NULL;
    for (int i = 0; i < n && !hit; i++) {
        char *p = mr_xasprintf("%s/ipaddr", m[i]);
        const char *ip = NULL;
        if (aug_get(h->aug, p, &ip) == 1 && ip && mr_addr_same(ip, addr))
            hit = mr_xstrdup(m[i]);
        free(p);
    }
    free_matches(m, n);
    return hit;
}

/* Removes NAMES from every entry whose address is not ADDR. An emptied
 * entry is removed, or (REUSE, a loopback entry, the first) kept for
 * this host's own line. */
static void unmap(struct hosts_edit *h, char *const *names, const char *addr, bool reuse)
{
    char **m = NULL;
    char *pat = mr_xasprintf("%s/*[ipaddr]", mr_aug_edit_top(h->e));
    int n = aug_match(h->aug, pat, &m);
    free(pat);
    for (int i = 0; i < n; i++) {
        char *p = mr_xasprintf("%s/ipaddr", m[i]);
        const char *ip = NULL;
        aug_get(h->aug, p, &ip);
        free(p);
        if (!ip || mr_addr_same(ip, addr))
            continue;
        bool loop = mr_addr_is_local_only(ip);
        /* The aliases, last first so that the positions stay right. */
        p = mr_xasprintf("%s/alias", m[i]);
        int na = aug_match(h->aug, p, NULL);
        free(p);
        for (int k = na; k >= 1; k--) {
            const char *v = NULL;
            char *ap = mr_xasprintf("%s/alias[%d]", m[i], k);
            if (aug_get(h->aug, ap, &v) == 1 && v && in_names(names, v)) {
                aug_rm(h->aug, ap);
                h->changed = true;
            }
            free(ap);
        }
        char *cp = mr_xasprintf("%s/canonical", m[i]);
        const char *canon = NULL;
        if (aug_get(h->aug, cp, &canon) == 1 && canon && in_names(names, canon)) {
            h->changed = true;
            char *first = mr_xasprintf("%s/alias[1]", m[i]);
            const char *alias = NULL;
            if (aug_get(h->aug, first, &alias) == 1 && alias) {
                char *a = mr_xstrdup(alias);
                aug_set(h->aug, cp, a);
                aug_rm(h->aug, first);
                free(a);
            } else if (reuse && loop && !h->reused) {
                h->reused = mr_xstrdup(m[i]);
            } else {
                aug_rm(h->aug, m[i]);
            }
            free(first);
        }
        free(cp);
    }
    free_matches(m, n);
}

/* Maps NAMES (the first the canonical name) to ADDR: the entry of ADDR
 * gets the names it lacks, else the reused loopback entry is rewritten,
 * else a new entry goes after AFTER (an entry) or at the end. */
static void map(struct hosts_edit *h, char *const *names, const char *addr, bool reuse)
{
    augeas *aug = h->aug;
    char *entry = entry_of(h, addr);
    if (entry) {
        char **have = mr_xcalloc(1, sizeof(char *));
        char *p = mr_xasprintf("%s/canonical | %s/alias", entry, entry);
        char **m = NULL;
        int n = aug_match(aug, p, &m);
        free(p);
        for (int i = 0; i < n; i++) {
            const char *v = NULL;
            if (aug_get(aug, m[i], &v) == 1 && v)
                mr_strv_push(&have, v);
        }
        free_matches(m, n);
        for (size_t i = 0; names[i]; i++) {
            if (in_names(have, names[i]))
                continue;
            char *np = have[0] ? mr_xasprintf("%s/alias[last() + 1]", entry)
                               : mr_xasprintf("%s/canonical", entry);
            aug_set(aug, np, names[i]);
            mr_strv_push(&have, names[i]);
            free(np);
            h->changed = true;
        }
        mr_strv_free(have);
        free(entry);
        return;
    }
    const char *top = mr_aug_edit_top(h->e);
    if (reuse && h->reused) {
        entry = h->reused;
        h->reused = NULL;
    } else {
        /* After the last IPv4 entry (Debian keeps the IPv6 block last). */
        char **m = NULL;
        char *pat = mr_xasprintf("%s/*[ipaddr][ipaddr !~ regexp('.*:.*')]", top);
        int n = aug_match(aug, pat, &m);
        free(pat);
        char *label = mr_xasprintf("0%d", ++h->added);
        if (n > 0 && !strchr(addr, ':'))
            aug_insert(aug, m[n - 1], label, 0);
        free_matches(m, n);
        entry = mr_xasprintf("%s/%s", top, label);
        free(label);
    }
    /* Reused or new, the entry gets the address and the names. */
    char *p = mr_xasprintf("%s/ipaddr", entry);
    aug_set(aug, p, addr);
    free(p);
    p = mr_xasprintf("%s/canonical", entry);
    aug_set(aug, p, names[0]);
    free(p);
    for (size_t i = 1; names[i]; i++) {
        p = mr_xasprintf("%s/alias[last() + 1]", entry);
        aug_set(aug, p, names[i]);
        free(p);
    }
    free(entry);
    h->changed = true;
}

/* A mapping the check attached: to a fail, or to a warning about a name it
 * cannot judge offline (the check failed for another reason, and the fix
 * writes what the configuration says). */
static bool maps(const struct mr_finding *f)
{
    return (f->status == MR_FAIL || f->status == MR_WARN) && f->code && f->key && f->want &&
           (strcmp(f->code, "own-name") == 0 || strcmp(f->code, "name") == 0);
}

/* Whether a mapping before findings[UPTO] maps KEY: the findings about one
 * name carry the same mapping, made once. */
static bool mapped_before(const struct mr_result *res, size_t upto, const char *key)
{
    for (size_t i = 0; i < upto; i++)
        if (maps(&res->findings[i]) && strcasecmp(res->findings[i].key, key) == 0)
            return true;
    return false;
}

/* Maps the names of F (its key, then those of its further edits) to the
 * address it wants; this host's own names may take over a loopback line. */
static void map_finding(struct hosts_edit *h, const struct mr_finding *f,
                        struct mr_change_set *cs)
{
    bool own = strcmp(f->code, "own-name") == 0;
    char **names = mr_xcalloc(1, sizeof(char *));
    struct mr_edit buf;
    const struct mr_edit *ed;
    for (size_t k = 0; (ed = mr_finding_edit(f, k, &buf)); k++)
        mr_strv_push(&names, ed->key);
    h->changed = false;
    unmap(h, names, f->want, own);
    map(h, names, f->want, own);
    if (h->reused) { /* kept for a line that was not needed after all */
        aug_rm(h->aug, h->reused);
        free(h->reused);
        h->reused = NULL;
    }
    if (h->changed && own)
        mr_change_describe(cs, "mapped %s to %s in %s, not to a loopback address", f->key,
                           f->want, HOSTS);
    else if (h->changed)
        mr_change_describe(cs, "mapped %s to %s in %s (hosts in the site configuration)", f->key,
                           f->want, HOSTS);
    mr_strv_free(names);
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    (void)ctx;
    struct hosts_edit h = {0};
    int r = 0;
    for (size_t i = 0; r >= 0 && i < res->n_findings; i++) {
        const struct mr_finding *f = &res->findings[i];
        if (!maps(f) || mapped_before(res, i, f->key))
            continue;
        if (!h.e) {
            r = fx_open(cs, "Hosts.lns", HOSTS, &h.e);
            h.aug = h.e ? mr_aug_edit_aug(h.e) : NULL;
        }
        if (r >= 0)
            map_finding(&h, f, cs);
    }
    if (h.e)
        r = fx_commit(cs, h.e, HOSTS, 0644);
    return r;
}

const struct mr_fixer mr_fixer_hosts_resolution = {
    .check_id = "hosts.resolution",
    .run = run,
};
