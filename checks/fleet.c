/* Fleet-wide checks over many hosts' facts (checks/fleet.h). Each check
 * computes one key per host, sorts the hosts by it (qsort) or counts them
 * in a hash table, and reports groups: O(N log N) for N hosts, never a
 * comparison of every pair. The per-peer rules of checks/cluster.c are the
 * model for the messages, and its Nova floors and placeholder UUIDs are
 * reused, not copied. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cluster.h"
#include "facts.h"
#include "fleet.h"
#include "fleetfacts.h"
#include "netaddr.h"
#include "novarelease.h"
#include "uri.h"

/* Outliers named in one finding; more are counted ("and 12 more"). */
#define NAMES_MAX 10
/* The CPU baseline is worked out again without each distinct CPU, up to
 * this many: each is one libvirt call. */
#define CPU_GROUPS_MAX 32

/* ---- host lists ---- */

/* "hv1, hv2 and 3 more" for the hosts IDX[0..N). Caller frees. */
static char *host_list(const struct mr_fleet *fl, const size_t *idx, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return mr_xstrdup("(out of memory)");
    size_t shown = n > NAMES_MAX ? NAMES_MAX : n;
    for (size_t i = 0; i < shown; i++)
        fprintf(f, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", fl->hosts[idx[i]].name);
    if (n > shown)
        fprintf(f, " and %zu more", n - shown);
    fclose(f);
    return buf;
}

static const char *hosts_word(size_t n)
{
    return n == 1 ? "host" : "hosts";
}

/* ---- grouping by a key ---- */

typedef char *(*key_fn)(const struct mr_fleet_host *h);

struct group {
    size_t start, len; /* into grouping.idx */
};

struct grouping {
    char **keys;     /* per host; NULL: the host lacks what the key needs */
    size_t *idx;     /* the hosts with a key, sorted by it */
    size_t n;
    struct group *g; /* largest first */
    size_t ng;
    size_t *lacking; /* the hosts without a key, in document order */
    size_t nl;
};

static int cmp_by_key(const void *a, const void *b, void *keys)
{
    char **k = keys;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(k[x], k[y]);
    return c ? c : (x > y) - (x < y);
}

static int cmp_groups(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? 1 : -1;
    return (x->start > y->start) - (x->start < y->start);
}

static void group_by(const struct mr_fleet *fl, key_fn key, struct grouping *gr)
{
    *gr = (struct grouping){0};
    gr->keys = mr_xcalloc(fl->n, sizeof(char *));
    gr->idx = mr_xcalloc(fl->n ? fl->n : 1, sizeof(size_t));
    gr->lacking = mr_xcalloc(fl->n ? fl->n : 1, sizeof(size_t));
    for (size_t i = 0; i < fl->n; i++) {
        gr->keys[i] = key(&fl->hosts[i]);
        if (gr->keys[i])
            gr->idx[gr->n++] = i;
        else
            gr->lacking[gr->nl++] = i;
    }
    qsort_r(gr->idx, gr->n, sizeof(size_t), cmp_by_key, gr->keys);
    gr->g = mr_xcalloc(gr->n ? gr->n : 1, sizeof(struct group));
    for (size_t i = 0; i < gr->n; i++) {
        if (i == 0 || strcmp(gr->keys[gr->idx[i]], gr->keys[gr->idx[i - 1]]) != 0)
            gr->g[gr->ng++] = (struct group){i, 0};
        gr->g[gr->ng - 1].len++;
    }
    qsort(gr->g, gr->ng, sizeof(struct group), cmp_groups);
}

static void grouping_clear(struct grouping *gr, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(gr->keys[i]);
    free(gr->keys);
    free(gr->idx);
    free(gr->g);
    free(gr->lacking);
}

static const char *group_key(const struct grouping *gr, const struct group *g)
{
    return gr->keys[gr->idx[g->start]];
}

static char *group_hosts(const struct mr_fleet *fl, const struct grouping *gr,
                         const struct group *g)
{
    return host_list(fl, gr->idx + g->start, g->len);
}

/* The hosts whose documents lack FIELD: a skip naming it, never a fail. */
static void skip_lacking(const struct mr_fleet *fl, struct mr_result *res, const size_t *idx,
                         size_t n, const char *field)
{
    if (n == 0)
        return;
    char *names = host_list(fl, idx, n);
    struct mr_finding *f = mr_report(res, MR_SKIP, "not compared on %zu %s: %s lack%s %s "
                                     "(facts of an older migready, or a value it could not "
                                     "learn there)",
                                     n, hosts_word(n), names, n == 1 ? "s" : "", field);
    mr_finding_remedy(f, "run this migready's 'facts --format json' on %s and compare again",
                      names);
    free(names);
}

/* TEMPLATE with {ref} and {hosts} replaced (caller frees): remedies come
 * from tables, and a format string from a table escapes the compiler's check. */
static char *fill(const char *template, const char *ref, const char *hosts)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return mr_xstrdup(template);
    for (const char *p = template; *p;) {
        if (strncmp(p, "{ref}", 5) == 0) {
            fputs(ref, f);
            p += 5;
        } else if (strncmp(p, "{hosts}", 7) == 0) {
            fputs(hosts, f);
            p += 7;
        } else {
            fputc(*p++, f);
        }
    }
    fclose(f);
    return buf;
}

/* One value for the whole fleet: the largest group is the reference and
 * every other group is an outlier of status ST, named. */
struct same_rule {
    const char *field; /* what a lacking document lacks, as facts names it */
    const char *what;  /* the setting, in messages */
    enum mr_status st;
    const char *why;    /* why it must be the same */
    const char *remedy; /* {ref}: the majority's value, {hosts}: the outliers */
};

static void same_everywhere(const struct mr_fleet *fl, struct mr_result *res, key_fn key,
                            const struct same_rule *rule)
{
    struct grouping gr;
    group_by(fl, key, &gr);
    if (gr.ng == 1 && gr.nl == 0)
        mr_report(res, MR_PASS, "all %zu %s have %s%s%s", gr.n, hosts_word(gr.n), rule->what,
                  *rule->what ? " " : "", group_key(&gr, &gr.g[0]));
    for (size_t k = 1; k < gr.ng; k++) {
        const struct group *ref = &gr.g[0], *g = &gr.g[k];
        char *names = group_hosts(fl, &gr, g);
        struct mr_finding *f = mr_report(res, rule->st, "%s %s %s%s%s, but %zu %s%s have %s: %s",
                                         names, g->len == 1 ? "has" : "have", rule->what,
                                         *rule->what ? " " : "", group_key(&gr, g), ref->len,
                                         hosts_word(ref->len),
                                         ref->len > gr.g[1].len ? " (the majority)" : "",
                                         group_key(&gr, ref), rule->why);
        char *text = fill(rule->remedy, group_key(&gr, ref), names);
        mr_finding_remedy(f, "%s", text);
        free(text);
        free(names);
    }
    skip_lacking(fl, res, gr.lacking, gr.nl, rule->field);
    grouping_clear(&gr, fl->n);
}

/* ---- a string hash table (open addressing), for counting ---- */

struct table {
    const char **keys;
    size_t *vals;
    size_t cap, n;
    bool nocase; /* host names: compared without case, as resolvers do */
};

static uint64_t hash(const char *s, bool nocase)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (nocase && c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        h = (h ^ c) * 1099511628211ull;
    }
    return h;
}

static bool key_eq(const struct table *t, const char *a, const char *b)
{
    return (t->nocase ? strcasecmp(a, b) : strcmp(a, b)) == 0;
}

static void table_init(struct table *t, size_t expect)
{
    size_t cap = 16;
    while (cap < expect * 2)
        cap *= 2;
    *t = (struct table){mr_xcalloc(cap, sizeof(char *)), mr_xcalloc(cap, sizeof(size_t)), cap, 0,
                        false};
}

/* The slot of KEY (the caller keeps it alive), made with value 0 if new. */
static size_t *table_slot(struct table *t, const char *key)
{
    if ((t->n + 1) * 2 > t->cap) {
        struct table bigger;
        table_init(&bigger, t->cap);
        bigger.nocase = t->nocase;
        for (size_t i = 0; i < t->cap; i++)
            if (t->keys[i])
                *table_slot(&bigger, t->keys[i]) = t->vals[i];
        free(t->keys);
        free(t->vals);
        *t = bigger;
    }
    size_t i = hash(key, t->nocase) & (t->cap - 1);
    while (t->keys[i] && !key_eq(t, t->keys[i], key))
        i = (i + 1) & (t->cap - 1);
    if (!t->keys[i]) {
        t->keys[i] = key;
        t->n++;
    }
    return &t->vals[i];
}

static const size_t *table_get(const struct table *t, const char *key)
{
    size_t i = hash(key, t->nocase) & (t->cap - 1);
    while (t->keys[i]) {
        if (key_eq(t, t->keys[i], key))
            return &t->vals[i];
        i = (i + 1) & (t->cap - 1);
    }
    return NULL;
}

static void table_clear(struct table *t)
{
    free(t->keys);
    free(t->vals);
}

/* ---- fleet.ids-nova ---- */

static char *key_ids(const struct mr_fleet_host *h)
{
    const struct mr_facts *f = h->facts;
    if (f->nova_uid < 0 || f->nova_gid < 0)
        return NULL;
    return mr_xasprintf("UID %ld and GID %ld", f->nova_uid, f->nova_gid);
}

static int run_ids(const struct mr_fleet *fl, const struct mr_ops *ops, const char *uri,
                   struct mr_result *res)
{
    (void)ops;
    (void)uri;
    struct grouping gr;
    group_by(fl, key_ids, &gr);
    if (gr.nl) {
        /* Not a missing field: facts say null when the user does not exist. */
        char *names = host_list(fl, gr.lacking, gr.nl);
        struct mr_finding *f = mr_report(res, MR_FAIL, "the nova user or group does not exist "
                                         "on %s", names);
        mr_finding_remedy(f, "install nova-compute on %s with %s, as on the others", names,
                          gr.ng ? group_key(&gr, &gr.g[0]) : "one UID and GID");
        free(names);
    }
    if (gr.ng == 1 && gr.nl == 0)
        mr_report(res, MR_PASS, "nova has %s on all %zu %s", group_key(&gr, &gr.g[0]), gr.n,
                  hosts_word(gr.n));
    for (size_t k = 1; k < gr.ng; k++) {
        const struct group *ref = &gr.g[0], *g = &gr.g[k];
        char *names = group_hosts(fl, &gr, g);
        long uid = fl->hosts[gr.idx[ref->start]].facts->nova_uid;
        long gid = fl->hosts[gr.idx[ref->start]].facts->nova_gid;
        struct mr_finding *f = mr_report(res, MR_FAIL, "nova has %s on %s, but %s on %zu %s%s: "
                                         "instance files on shared storage belong to another "
                                         "user after a move",
                                         group_key(&gr, g), names, group_key(&gr, ref),
                                         ref->len, hosts_word(ref->len),
                                         ref->len > gr.g[1].len ? " (the majority)" : "");
        mr_finding_remedy(f, "on %s: stop nova-compute and libvirtd, usermod -u %ld nova, "
                          "groupmod -g %ld nova, then chown the files of the old IDs (see "
                          "ids.nova there)", names, uid, gid);
        free(names);
    }
    grouping_clear(&gr, fl->n);
    return 0;
}

/* ---- fleet.host-uuid ---- */

static char *key_uuid(const struct mr_fleet_host *h)
{
    if (!h->facts->host_uuid)
        return NULL;
    char *k = mr_xstrdup(h->facts->host_uuid);
    for (char *p = k; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    return k;
}

static int run_host_uuid(const struct mr_fleet *fl, const struct mr_ops *ops, const char *uri,
                         struct mr_result *res)
{
    (void)ops;
    (void)uri;
    struct grouping gr;
    group_by(fl, key_uuid, &gr);
    size_t shared = 0;
    for (size_t k = 0; k < gr.ng; k++) {
        const struct group *g = &gr.g[k];
        const char *u = group_key(&gr, g);
        bool placeholder = mr_cluster_uuid_placeholder(u);
        if (g->len < 2 && !placeholder)
            continue;
        shared += g->len;
        char *names = group_hosts(fl, &gr, g);
        struct mr_finding *f;
        if (g->len < 2)
            f = mr_report(res, MR_FAIL, "%s has host UUID %s, a placeholder that firmware ships "
                          "on many boards: migrations between such hosts are refused", names, u);
        else
            f = mr_report(res, MR_FAIL, "%s share host UUID %s%s: libvirt refuses to migrate "
                          "between them (\"Attempt to migrate guest to the same host\"); cloned "
                          "images?", names, u, placeholder ? ", a firmware placeholder" : "");
        mr_finding_remedy(f, "on %s: set host_uuid = \"UUID\" (a new one from uuidgen) in "
                          "/etc/libvirt/libvirtd.conf, or host_uuid_source = \"machine-id\" "
                          "with a unique /etc/machine-id, then restart libvirtd", names);
        free(names);
    }
    if (shared == 0 && gr.n && gr.nl == 0)
        mr_report(res, MR_PASS, "all %zu %s have their own host UUID", gr.n, hosts_word(gr.n));
    skip_lacking(fl, res, gr.lacking, gr.nl, "host_uuid (libvirt's, live only)");
    grouping_clear(&gr, fl->n);
    return 0;
}

/* ---- fleet.versions ---- */

static char *key_qemu(const struct mr_fleet_host *h)
{
    long long v = mr_facts_version(h->facts->qemu_version);
    /* Zero-padded so that the sort is numeric. */
    return v < 0 ? NULL : mr_xasprintf("%020lld", v);
}

/* Hosts below the floors of their own Nova release, grouped by what they run. */
static char *key_floor_libvirt(const struct mr_fleet_host *h)
{
    struct mr_nova_floor fl;
    const struct mr_facts *f = h->facts;
    if (f->nova_major <= 0 || !mr_cluster_nova_floor(f->nova_major, &fl))
        return NULL;
    long long lv = mr_facts_version(f->libvirt_version), qv = mr_facts_version(f->qemu_version);
    bool low_l = lv >= 0 && lv < mr_facts_version(fl.libvirt);
    bool low_q = qv >= 0 && qv < mr_facts_version(fl.qemu);
    if (!low_l && !low_q)
        return mr_xstrdup("");
    char *rel = mr_nova_major_describe(f->nova_major);
    char *l = low_l ? mr_xasprintf("libvirt %s", f->libvirt_version) : mr_xstrdup("");
    char *q = low_q ? mr_xasprintf("QEMU %s", f->qemu_version) : mr_xstrdup("");
    char *k = mr_xasprintf("%s%s%s, below the minimum of Nova's rules of %s (libvirt %s, QEMU %s)",
                           l, low_l && low_q ? " and " : "", q, rel, fl.libvirt, fl.qemu);
    free(l);
    free(q);
    free(rel);
    return k;
}

static int run_versions(const struct mr_fleet *fl, const struct mr_ops *ops, const char *uri,
                        struct mr_result *res)
{
    (void)ops;
    (void)uri;
    /* Nova's floors, each host by its own release. */
    struct grouping gf;
    group_by(fl, key_floor_libvirt, &gf);
    size_t ok_floor = 0;
    for (size_t k = 0; k < gf.ng; k++) {
        const struct group *g = &gf.g[k];
        if (!*group_key(&gf, g)) {
            ok_floor = g->len;
            continue;
        }
        char *names = group_hosts(fl, &gf, g);
        struct mr_finding *f = mr_report(res, MR_FAIL, "%s %s %s: nova-compute refuses to "
                                         "start", names, g->len == 1 ? "runs" : "run",
                                         group_key(&gf, g));
        mr_finding_remedy(f, "upgrade libvirt and QEMU on %s", names);
        free(names);
    }
    skip_lacking(fl, res, gf.lacking, gf.nl, "nova_release or libvirt_version (Nova's floors)");

    /* QEMU skew: Nova's conductor refuses a destination whose QEMU is older
     * than the source's (DestinationHypervisorTooOld), so every host older
     * than the newest cannot receive from the newer ones. */
    struct grouping gq;
    group_by(fl, key_qemu, &gq);
    const char *newest = NULL;
    size_t newest_n = 0;
    long long top = -1;
    for (size_t k = 0; k < gq.ng; k++) {
        long long v = strtoll(group_key(&gq, &gq.g[k]), NULL, 10);
        if (v > top) {
            top = v;
            newest = fl->hosts[gq.idx[gq.g[k].start]].facts->qemu_version;
            newest_n = gq.g[k].len;
        }
    }
    for (size_t k = 0; k < gq.ng; k++) {
        const struct group *g = &gq.g[k];
        if (strtoll(group_key(&gq, g), NULL, 10) == top)
            continue;
        const char *v = fl->hosts[gq.idx[g->start]].facts->qemu_version;
        char *names = group_hosts(fl, &gq, g);
        struct mr_finding *f = mr_report(res, MR_FAIL, "%s %s QEMU %s, older than %s on %zu %s: "
                                         "Nova refuses to move instances from those to %s "
                                         "(DestinationHypervisorTooOld)", names,
                                         g->len == 1 ? "runs" : "run", v, newest, newest_n,
                                         hosts_word(newest_n), g->len == 1 ? "it" : "them");
        mr_finding_remedy(f, "upgrade QEMU on %s to %s (or set [workarounds] "
                          "skip_hypervisor_version_check_on_lm = true where nova-conductor runs)",
                          names, newest);
        free(names);
    }
    if (gq.ng == 1 && gq.nl == 0 && ok_floor == fl->n)
        mr_report(res, MR_PASS, "all %zu %s run QEMU %s, above Nova's floors", gq.n,
                  hosts_word(gq.n), newest);
    skip_lacking(fl, res, gq.lacking, gq.nl, "qemu_version");
    grouping_clear(&gq, fl->n);
    grouping_clear(&gf, fl->n);
    return 0;
}

/* ---- fleet.resolution ---- */

static bool addr_in(char *const *v, const char *a)
{
    /* The same text first: parsing every address is most of the work. */
    for (size_t i = 0; v && v[i]; i++)
        if (strcmp(v[i], a) == 0)
            return true;
    for (size_t i = 0; v && v[i]; i++)
        if (mr_addr_same(v[i], a) || strcasecmp(v[i], a) == 0)
            return true;
    return false;
}

static char *lower(const char *s)
{
    char *k = mr_xstrdup(s);
    for (char *p = k; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    return k;
}

/* One wrong answer: WHO resolves NAME (a name of host OWNER) to ADDR. */
struct wrong {
    size_t owner, who;
    const char *name, *addr;
    bool loopback;
};

static int cmp_wrong(const void *a, const void *b)
{
    const struct wrong *x = a, *y = b;
    if (x->owner != y->owner)
        return (x->owner > y->owner) - (x->owner < y->owner);
    int c = strcasecmp(x->name, y->name);
    if (c)
        return c;
    c = strcmp(x->addr, y->addr);
    if (c)
        return c;
    return (x->who > y->who) - (x->who < y->who);
}

/* The same name of the same host to the same address: one finding. */
static bool same_wrong(const struct wrong *x, const struct wrong *y)
{
    return x->owner == y->owner && strcasecmp(x->name, y->name) == 0 &&
           strcmp(x->addr, y->addr) == 0;
}

static void judge_answer(const struct mr_fleet *fl, size_t who, size_t owner, const char *name,
                         const char *addr, struct wrong **v, size_t *n, size_t *cap)
{
    const struct mr_facts *of = fl->hosts[owner].facts;
    if (of->addresses && addr_in(of->addresses, addr))
        return; /* the usual answer, known without parsing */
    bool loop = mr_addr_is_local_only(addr);
    /* An address is judged only against a host that reported its addresses
     * (live facts); a name is left to the host's own resolver. */
    bool foreign = !loop && mr_addr_is_literal(addr) && of->addresses && of->addresses[0] &&
                   !addr_in(of->addresses, addr);
    if (!loop && !foreign)
        return;
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *v = mr_xrealloc(*v, *cap * sizeof(**v));
    }
    (*v)[(*n)++] = (struct wrong){owner, who, name, addr, loop};
}

static int run_resolution(const struct mr_fleet *fl, const struct mr_ops *ops, const char *uri,
                          struct mr_result *res)
{
    (void)ops;
    (void)uri;
    /* Every fleet host's names (host name, FQDN), to the host; the first
     * document to claim a name keeps it. */
    struct table names;
    table_init(&names, fl->n * 2);
    names.nocase = true;
    for (size_t i = 0; i < fl->n; i++) {
        const char *own[2] = {fl->hosts[i].facts->host, fl->hosts[i].facts->fqdn};
        for (size_t j = 0; j < 2; j++)
            if (own[j] && !table_get(&names, own[j]))
                *table_slot(&names, own[j]) = i;
    }
    struct wrong *v = NULL;
    size_t n = 0, cap = 0, no_addrs = 0;
    size_t *lacking = mr_xcalloc(fl->n + 1, sizeof(size_t));
    for (size_t i = 0; i < fl->n; i++) {
        const struct mr_facts *f = fl->hosts[i].facts;
        if (!f->addresses)
            lacking[no_addrs++] = i;
        /* The live resolver's answers, then /etc/hosts for the names it
         * was not asked: what mr_facts_lookup answers, without a lookup
         * per name. */
        for (size_t pass = 0; pass < 2; pass++) {
            const struct mr_host_entry *e = pass ? f->hosts : f->resolved;
            size_t ne = pass ? f->n_hosts : f->n_resolved;
            for (size_t k = 0; k < ne; k++) {
                if (pass) {
                    bool asked = false;
                    for (size_t r = 0; r < f->n_resolved && !asked; r++)
                        asked = strcasecmp(f->resolved[r].name, e[k].name) == 0;
                    if (asked)
                        continue;
                }
                const size_t *owner = table_get(&names, e[k].name);
                if (owner)
                    judge_answer(fl, i, *owner, e[k].name, e[k].address, &v, &n, &cap);
            }
        }
    }
    if (n)
        qsort(v, n, sizeof(*v), cmp_wrong);
    size_t *who = mr_xcalloc(n + 1, sizeof(size_t));
    for (size_t a = 0, b; a < n; a = b) {
        size_t nw = 0, self = 0;
        for (b = a; b < n && same_wrong(&v[a], &v[b]); b++) {
            if (v[b].who == v[b].owner)
                self = 1;
            else
                who[nw++] = v[b].who;
        }
        const struct wrong *w = &v[a];
        const char *owner = fl->hosts[w->owner].name;
        char *addrs = mr_strv_join(fl->hosts[w->owner].facts->addresses, ", ");
        struct mr_finding *f;
        if (self) {
            f = mr_report(res, MR_FAIL, "%s resolves its own name %s to %s, %s: libvirt there "
                          "hands migration sources a name that leads elsewhere", owner, w->name,
                          w->addr, w->loopback ? "a loopback address" : "not one of its addresses");
            mr_finding_remedy(f, "map %s to %s in /etc/hosts (or DNS) on %s", w->name,
                              *addrs ? addrs : "its reachable address", owner);
        }
        if (nw) {
            char *list = host_list(fl, who, nw);
            f = mr_report(res, MR_FAIL, "%s resolve%s %s's name %s to %s, %s%s%s: %s cannot "
                          "migrate to %s", list, nw == 1 ? "s" : "", owner, w->name, w->addr,
                          w->loopback ? "a loopback address" : "not an address of ",
                          w->loopback ? "" : owner, "", nw == 1 ? "it" : "they", owner);
            mr_finding_remedy(f, "map %s to %s in /etc/hosts (or DNS) on %s", w->name,
                              *addrs ? addrs : "its reachable address", list);
            free(list);
        }
        free(addrs);
    }
    if (n == 0 && no_addrs == 0)
        mr_report(res, MR_PASS, "all %zu %s resolve their own and each other's names to "
                  "addresses of those hosts", fl->n, hosts_word(fl->n));
    skip_lacking(fl, res, lacking, no_addrs, "addresses (live facts only)");
    free(who);
    free(v);
    free(lacking);
    table_clear(&names);
    return 0;
}

/* ---- fleet.cpu-mode, fleet.instances-path, fleet.transport, fleet.ports ---- */

static char *key_cpu_mode(const struct mr_fleet_host *h)
{
    const struct mr_facts *f = h->facts;
    if (!f->cpu_mode)
        return NULL;
    char *models = mr_strv_join(f->cpu_models, ",");
    char *k = mr_xasprintf("virt_type = %s, cpu_mode = %s%s%s", f->virt_type ? f->virt_type : "kvm",
                           f->cpu_mode, *models ? ", cpu_models = " : "", models);
    free(models);
    return k;
}

static int run_cpu_mode(const struct mr_fleet *fl, const struct mr_ops *ops, const char *uri,
                        struct mr_result *res)
{
    (void)ops;
    (void)uri;
    static const struct same_rule rule = {
        .field = "cpu_mode",
        .what = "",
        .st = MR_WARN,
        .why = "instances get another CPU on each side, and one started on one host may not "
               "fit the other",
        .remedy = "set {ref} in [libvirt] of nova.conf on {hosts}, as on the other hosts",
    };
    same_everywhere(fl, res, key_cpu_mode, &rule);
    return 0;
}

static char *key_instances(const struct mr_fleet_host *h)
{
    return h->facts->instances_path ? mr_xstrdup(h->facts->instances_path) : NULL;
}

static int run_instances(const struct mr_fleet *fl, const struct mr_ops *ops, const char *uri,
                         struct mr_result *res)
{
    (void)ops;
    (void)uri;
    static const struct same_rule rule = {
        .field = "instances_path",
        .what = "instances_path =",
        .st = MR_FAIL,
        .why = "disks are found by path, so every host must use the same one",
        .remedy = "set instances_path = {ref} in [DEFAULT] of nova.conf on {hosts}",
    };
    same_everywhere(fl, res, key_instances, &rule);
    return 0;
}

static char *key_transport(const struct mr_fleet_host *h)
{
    return h->facts->transport ? mr_xstrdup(h->facts->transport) : NULL;
}

static int run_transport(const struct mr_fleet *fl, const struct mr_ops *ops, const char *uri,
                         struct mr_result *res)
{
    (void)ops;
    (void)uri;
    static const struct same_rule rule = {
        .field = "transport",
        .what = "the transport",
        .st = MR_FAIL,
        .why = "a source reaches the destination's libvirt by its own transport, which the "
               "destination must offer",
        .remedy = "use the {ref} transport (live_migration_scheme in nova.conf, libvirtd's "
                  "listening) on {hosts}, as on the other hosts",
    };
    same_everywhere(fl, res, key_transport, &rule);
    return 0;
}

static char *port_or(int p)
{
    return p > 0 ? mr_xasprintf("%d", p) : mr_xstrdup("unknown");
}

static char *key_ports(const struct mr_fleet_host *h)
{
    const struct mr_facts *f = h->facts;
    if (!f->libvirt_port && !f->migration_port_min && !f->migration_port_max && !f->ssh_port)
        return NULL;
    char *a = port_or(f->libvirt_port), *b = port_or(f->migration_port_min),
         *c = port_or(f->migration_port_max), *d = port_or(f->ssh_port);
    char *k = mr_xasprintf("libvirt port %s, migration ports %s-%s, SSH port %s", a, b, c, d);
    free(a);
    free(b);
    free(c);
    free(d);
    return k;
}

static int run_ports(const struct mr_fleet *fl, const struct mr_ops *ops, const char *uri,
                     struct mr_result *res)
{
    (void)ops;
    (void)uri;
    static const struct same_rule rule = {
        .field = "ports",
        .what = "",
        .st = MR_FAIL,
        .why = "sources connect to the ports they use themselves, and firewalls are written "
               "for one set",
        .remedy = "use {ref} on {hosts} (libvirtd.conf, qemu.conf migration_port_min/max, "
                  "sshd), as on the other hosts",
    };
    same_everywhere(fl, res, key_ports, &rule);
    return 0;
}

/* ---- fleet.ssh-keys ---- */

/* Whether host B's authorized_keys holds any of host H's keys. */
static bool authorizes(const struct table *pairs, size_t b, const struct mr_facts *h)
{
    for (size_t k = 0; h->key_fingerprints[k]; k++) {
        char *p = mr_xasprintf("%zu %s", b, h->key_fingerprints[k]);
        bool yes = table_get(pairs, p) != NULL;
        free(p);
        if (yes)
            return true;
    }
    return false;
}

static int run_ssh_keys(const struct mr_fleet *fl, const struct mr_ops *ops, const char *uri,
                        struct mr_result *res)
{
    (void)ops;
    (void)uri;
    /* Who authorizes each fingerprint (count), and each (host, fingerprint). */
    struct table count, pairs;
    table_init(&count, 64);
    table_init(&pairs, fl->n * 2);
    char **owned = NULL; /* the pair keys, kept alive for the table */
    size_t n_owned = 0, cap_owned = 0;
    size_t *lacking = mr_xcalloc(fl->n + 1, sizeof(size_t)), nl = 0;
    size_t receivers = 0;
    for (size_t b = 0; b < fl->n; b++) {
        const struct mr_facts *f = fl->hosts[b].facts;
        if (!f->authorized_fingerprints || !f->key_fingerprints) {
            lacking[nl++] = b;
            continue;
        }
        receivers++;
        for (size_t k = 0; f->authorized_fingerprints[k]; k++) {
            char *p = mr_xasprintf("%zu %s", b, f->authorized_fingerprints[k]);
            if (table_get(&pairs, p)) {
                free(p);
                continue;
            }
            if (n_owned == cap_owned) {
                cap_owned = cap_owned ? cap_owned * 2 : 256;
                owned = mr_xrealloc(owned, cap_owned * sizeof(char *));
            }
            owned[n_owned++] = p;
            *table_slot(&pairs, p) = 1;
            (*table_slot(&count, f->authorized_fingerprints[k]))++;
        }
    }
    /* A receiver that lacks most senders' keys is the outlier itself: named
     * once, not under every sender. Senders: how many receivers lack them. */
    size_t *bad_recv = mr_xcalloc(fl->n + 1, sizeof(size_t)), n_bad_recv = 0;
    size_t *no_key = mr_xcalloc(fl->n + 1, sizeof(size_t)), n_no_key = 0;
    size_t *misses = mr_xcalloc(fl->n + 1, sizeof(size_t));
    for (size_t h = 0; h < fl->n; h++) {
        const struct mr_facts *f = fl->hosts[h].facts;
        if (!f->authorized_fingerprints || !f->key_fingerprints)
            continue;
        if (!f->key_fingerprints[0]) {
            no_key[n_no_key++] = h;
            continue;
        }
        size_t best = 0;
        for (size_t k = 0; f->key_fingerprints[k]; k++) {
            const size_t *c = table_get(&count, f->key_fingerprints[k]);
            size_t got = c ? *c : 0;
            char *p = mr_xasprintf("%zu %s", h, f->key_fingerprints[k]);
            if (got && table_get(&pairs, p))
                got--; /* its own authorized_keys does not count */
            free(p);
            best = got > best ? got : best;
        }
        misses[h] = receivers - 1 - (best < receivers ? best : receivers - 1);
    }
    /* Per receiver, how many senders with keys it lacks (a sum over the
     * keys it holds; a sender with two keys it holds both counts once at
     * most through the clamp). */
    size_t senders = 0;
    struct table senders_of;
    table_init(&senders_of, 64);
    for (size_t h = 0; h < fl->n; h++) {
        const struct mr_facts *f = fl->hosts[h].facts;
        if (!f->authorized_fingerprints || !f->key_fingerprints || !f->key_fingerprints[0])
            continue;
        senders++;
        for (size_t k = 0; f->key_fingerprints[k]; k++)
            (*table_slot(&senders_of, f->key_fingerprints[k]))++;
    }
    for (size_t b = 0; b < fl->n; b++) {
        const struct mr_facts *f = fl->hosts[b].facts;
        if (!f->authorized_fingerprints || !f->key_fingerprints || senders < 3)
            continue;
        size_t held = 0;
        for (size_t k = 0; f->authorized_fingerprints[k]; k++) {
            const size_t *c = table_get(&senders_of, f->authorized_fingerprints[k]);
            held += c ? *c : 0;
        }
        size_t others = senders - (f->key_fingerprints[0] ? 1 : 0);
        held = held > others ? others : held;
        if (others - held > others / 2)
            bad_recv[n_bad_recv++] = b;
    }
    if (n_bad_recv) {
        char *names = host_list(fl, bad_recv, n_bad_recv);
        struct mr_finding *f = mr_report(res, MR_FAIL, "the migration user's authorized_keys on "
                                         "%s lacks the keys of most other hosts: they cannot "
                                         "log in there to migrate", names);
        mr_finding_remedy(f, "add the other hosts' public keys to the migration user's "
                          "authorized_keys on %s (site key authorized_keys, then migready fix "
                          "--only ssh.keys there)", names);
        free(names);
    }
    if (n_no_key) {
        char *names = host_list(fl, no_key, n_no_key);
        struct mr_finding *f = mr_report(res, MR_FAIL, "the migration user has no key pair on "
                                         "%s: it cannot log in to the other hosts", names);
        mr_finding_remedy(f, "run migready fix --only ssh.keys on %s, then add the new public "
                          "keys to the other hosts' authorized_keys", names);
        free(names);
    }
    size_t *lack = mr_xcalloc(fl->n + 1, sizeof(size_t));
    size_t bad_senders = 0;
    for (size_t h = 0; h < fl->n; h++) {
        if (!misses[h])
            continue;
        const struct mr_facts *hf = fl->hosts[h].facts;
        /* The receivers that lack H's keys, apart from those named above;
         * the scan stops once it found as many as the count says. */
        size_t nlack = 0, explained = 0;
        for (size_t i = 0; i < n_bad_recv; i++)
            if (bad_recv[i] != h && !authorizes(&pairs, bad_recv[i], hf))
                explained++;
        if (misses[h] <= explained)
            continue;
        size_t want = misses[h] - explained;
        size_t others = receivers - 1 - explained;
        if (want > others / 2) {
            /* Missing almost everywhere: the sender's key is the outlier. */
            bad_senders++;
            struct mr_finding *f = mr_report(res, MR_FAIL, "%s cannot log in to %zu of the %zu "
                                             "other hosts: none of its migration user's keys "
                                             "(%s%s) is in their authorized_keys",
                                             fl->hosts[h].name, want, receivers - 1,
                                             hf->key_fingerprints[0],
                                             hf->key_fingerprints[1] ? ", ..." : "");
            mr_finding_remedy(f, "add %s's public key to the migration user's authorized_keys "
                              "on every host (site key authorized_keys, then migready fix "
                              "--only ssh.keys there), or give it the fleet's key pair",
                              fl->hosts[h].name);
            continue;
        }
        for (size_t b = 0; b < fl->n && nlack < want; b++) {
            const struct mr_facts *bf = fl->hosts[b].facts;
            if (b == h || !bf->authorized_fingerprints || !bf->key_fingerprints)
                continue;
            bool is_bad = false;
            for (size_t i = 0; i < n_bad_recv && !is_bad; i++)
                is_bad = bad_recv[i] == b;
            if (!is_bad && !authorizes(&pairs, b, hf))
                lack[nlack++] = b;
        }
        if (!nlack)
            continue;
        bad_senders++;
        char *list = host_list(fl, lack, nlack);
        struct mr_finding *f = mr_report(res, MR_FAIL, "%s cannot log in to %s: none of its "
                                         "migration user's keys (%s%s) is in their "
                                         "authorized_keys", fl->hosts[h].name, list,
                                         hf->key_fingerprints[0],
                                         hf->key_fingerprints[1] ? ", ..." : "");
        mr_finding_remedy(f, "add %s's public key to the migration user's authorized_keys on %s",
                          fl->hosts[h].name, list);
        free(list);
    }
    /* The hosts not compared first: with them the check is a skip, and its
     * message names the field. */
    skip_lacking(fl, res, lacking, nl, "key_fingerprints and authorized_fingerprints");
    if (!n_bad_recv && !n_no_key && !bad_senders && receivers)
        mr_report(res, nl ? MR_SKIP : MR_PASS, "%s%zu %s accept each other's migration keys",
                  nl ? "the other " : "all ", receivers, hosts_word(receivers));
    free(lack);
    free(misses);
    free(no_key);
    free(bad_recv);
    free(lacking);
    for (size_t i = 0; i < n_owned; i++)
        free(owned[i]);
    free(owned);
    table_clear(&senders_of);
    table_clear(&count);
    table_clear(&pairs);
    return 0;
}

/* ---- fleet.tls-ca and fleet.rbd-secret ---- */

static char *key_tls_ca(const struct mr_fleet_host *h)
{
    return h->tls_ca ? mr_xstrdup(h->tls_ca) : NULL;
}

static int run_tls_ca(const struct mr_fleet *fl, const struct mr_ops *ops, const char *uri,
                      struct mr_result *res)
{
    (void)ops;
    (void)uri;
    static const struct same_rule rule = {
        .field = "tls.ca_fingerprint",
        .what = "the TLS CA",
        .st = MR_FAIL,
        .why = "libvirt and QEMU accept only peers whose certificates their own CA signed",
        .remedy = "install the CA {ref} (libvirt's cacert.pem, QEMU's ca-cert.pem) on {hosts}, and "
                  "certificates it signed",
    };
    same_everywhere(fl, res, key_tls_ca, &rule);
    return 0;
}

static char *key_rbd_uuid(const struct mr_fleet_host *h)
{
    return h->rbd_secret_uuid ? lower(h->rbd_secret_uuid) : NULL;
}

static int run_rbd_secret(const struct mr_fleet *fl, const struct mr_ops *ops, const char *uri,
                          struct mr_result *res)
{
    (void)ops;
    (void)uri;
    static const struct same_rule rule = {
        .field = "rbd.secret_uuid",
        .what = "rbd_secret_uuid =",
        .st = MR_FAIL,
        .why = "an instance's disk names the libvirt secret by UUID, which must exist on the "
               "destination",
        .remedy = "set rbd_secret_uuid = {ref} in [libvirt] of nova.conf on {hosts}, with a "
                  "libvirt secret of that UUID",
    };
    same_everywhere(fl, res, key_rbd_uuid, &rule);
    size_t *absent = mr_xcalloc(fl->n + 1, sizeof(size_t)), n = 0;
    for (size_t i = 0; i < fl->n; i++)
        if (fl->hosts[i].rbd_secret_present == 0)
            absent[n++] = i;
    if (n) {
        char *names = host_list(fl, absent, n);
        struct mr_finding *f = mr_report(res, MR_FAIL, "libvirt on %s holds no secret of its "
                                         "rbd_secret_uuid: instances with RBD disks cannot "
                                         "start or arrive there", names);
        mr_finding_remedy(f, "virsh secret-define and secret-set-value on %s (see rbd.secret "
                          "there)", names);
        free(names);
    }
    free(absent);
    return 0;
}

/* ---- fleet.cpu ---- */

struct baseline {
    char *model;
    size_t n_features;
    char **features; /* required ones, in libvirt's order */
};

/* The model and the number of required features of libvirt's <cpu>. */
static int parse_baseline(const char *xml, struct baseline *ret)
{
    *ret = (struct baseline){.features = mr_xcalloc(1, sizeof(char *))};
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "baseline.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNodePtr cpu = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!cpu) {
        xmlFreeDoc(doc);
        return -EBADMSG;
    }
    for (xmlNodePtr c = cpu->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)c->name, "model") == 0 && !ret->model) {
            xmlChar *t = xmlNodeGetContent(c);
            ret->model = mr_xstrdup(t ? (const char *)t : "");
            xmlFree(t);
        } else if (strcmp((const char *)c->name, "feature") == 0) {
            xmlChar *p = xmlGetProp(c, (const xmlChar *)"policy");
            xmlChar *name = xmlGetProp(c, (const xmlChar *)"name");
            if ((!p || strcmp((const char *)p, "disable") != 0) && name) {
                ret->n_features++;
                mr_strv_push(&ret->features, (const char *)name);
            }
            xmlFree(name);
            xmlFree(p);
        }
    }
    xmlFreeDoc(doc);
    return ret->model ? 0 : -EBADMSG;
}

static char *key_cpu_xml(const struct mr_fleet_host *h)
{
    return h->facts->cpu_xml ? mr_xstrdup(h->facts->cpu_xml) : NULL;
}

/* libvirt works out no baseline across architectures or vendors ("CPU
 * vendors do not match"): the CPUs are grouped by both first. */
static char *key_arch(const struct mr_fleet_host *h)
{
    const struct mr_facts *f = h->facts;
    if (!f->cpu_xml)
        return NULL;
    return mr_xasprintf("%s%s%s", f->cpu_arch ? f->cpu_arch : "?", f->cpu_vendor ? " " : "",
                        f->cpu_vendor ? f->cpu_vendor : "");
}

/* The baseline of the distinct CPUs XMLS[0..N) but SKIP (N: none). */
static int baseline_of(const struct mr_ops *ops, const char *uri, const char **xmls, size_t n,
                       size_t skip, struct baseline *ret, char **ret_xml, char **ret_msg)
{
    const char **v = mr_xcalloc(n + 1, sizeof(char *));
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (i != skip)
            v[m++] = xmls[i];
    char *xml = NULL;
    int r = ops->libvirt_baseline_cpu(uri, "kvm", v, m, &xml, ret_msg);
    free(v);
    if (r < 0)
        return r;
    r = parse_baseline(xml, ret);
    if (r < 0) {
        *ret_msg = mr_xasprintf("libvirt's baseline is not a <cpu> with a model: %s", xml);
        free(ret->model);
        mr_strv_free(ret->features);
        *ret = (struct baseline){0};
    }
    if (r == 0 && ret_xml)
        *ret_xml = xml;
    else
        free(xml);
    return r;
}

static int run_cpu(const struct mr_fleet *fl, const struct mr_ops *ops, const char *uri,
                   struct mr_result *res)
{
    struct grouping ga, gc;
    group_by(fl, key_arch, &ga);
    group_by(fl, key_cpu_xml, &gc);
    struct mr_finding *f;
    for (size_t k = 1; k < ga.ng; k++) {
        char *names = group_hosts(fl, &ga, &ga.g[k]);
        f = mr_report(res, MR_FAIL, "%s %s %s, but %zu %s %s: instances cannot move between "
                      "CPU architectures or vendors (libvirt finds no CPU both run)", names,
                      ga.g[k].len == 1 ? "is" : "are", group_key(&ga, &ga.g[k]), ga.g[0].len,
                      hosts_word(ga.g[0].len), group_key(&ga, &ga.g[0]));
        mr_finding_remedy(f, "keep %s in a host aggregate of their own", names);
        free(names);
    }
    /* The distinct CPUs of the main architecture. */
    const char *arch = ga.ng ? group_key(&ga, &ga.g[0]) : NULL;
    const char **xmls = mr_xcalloc(gc.ng + 1, sizeof(char *));
    struct group **groups = mr_xcalloc(gc.ng + 1, sizeof(struct group *));
    size_t nx = 0;
    for (size_t k = 0; k < gc.ng; k++) {
        size_t first = gc.idx[gc.g[k].start];
        char *a = key_arch(&fl->hosts[first]);
        bool same = strcmp(a, arch) == 0;
        free(a);
        if (!same)
            continue;
        xmls[nx] = fl->hosts[first].facts->cpu_xml;
        groups[nx++] = &gc.g[k];
    }
    /* Which guest CPU modes the fleet uses: a custom model never exceeds
     * what it names; host-model and host-passthrough follow the host. */
    size_t not_custom = 0;
    for (size_t i = 0; i < fl->n; i++) {
        const char *m = fl->hosts[i].facts->cpu_mode;
        if (fl->hosts[i].facts->cpu_xml && (!m || strcmp(m, "custom") != 0))
            not_custom++;
    }
    char *xml = NULL, *msg = NULL;
    struct baseline all = {0};
    int r = nx && ops && ops->libvirt_baseline_cpu
                ? baseline_of(ops, uri, xmls, nx, nx, &all, &xml, &msg)
                : -ENOSYS;
    if (nx && r < 0) {
        f = mr_report(res, MR_SKIP, "the fleet's CPU baseline is not computed: no libvirt to "
                      "ask (%s)", msg ? msg : "no libvirt in this run");
        mr_finding_remedy(f, "run migready fleet where libvirtd runs (it asks %s), or set "
                          "LIBVIRT_DEFAULT_URI", uri);
    } else if (nx) {
        for (size_t k = 0; nx > 1 && k < nx && k < CPU_GROUPS_MAX; k++) {
            struct baseline without = {0};
            char *m2 = NULL;
            if (baseline_of(ops, uri, xmls, nx, k, &without, NULL, &m2) < 0) {
                free(m2);
                continue;
            }
            if (strcmp(without.model, all.model) != 0) {
                char *names = group_hosts(fl, &gc, groups[k]);
                const char *model = fl->hosts[gc.idx[groups[k]->start]].facts->cpu_model;
                f = mr_report(res, not_custom ? MR_WARN : MR_PASS,
                              "%s (CPU %s) keep%s the fleet at %s: without %s every other host "
                              "runs %s", names, model ? model : "?",
                              groups[k]->len == 1 ? "s" : "", all.model,
                              groups[k]->len == 1 ? "it" : "them", without.model);
                mr_finding_remedy(f, "move %s to a host aggregate of its own to offer %s to the "
                                  "others, or keep cpu_models = %s", names, without.model,
                                  all.model);
                free(names);
            }
            free(without.model);
            mr_strv_free(without.features);
        }
        size_t with_cpu = gc.n;
        if (nx > 1 && not_custom)
            f = mr_report(res, MR_WARN, "%zu %s have %zu different CPUs and %zu use a guest CPU "
                          "that follows the host (host-model or host-passthrough): an instance "
                          "started on a newer host cannot move to an older one; the CPU every "
                          "host runs is %s (libvirt's baseline)", with_cpu, hosts_word(with_cpu),
                          nx, not_custom, all.model);
        else
            f = mr_report(res, MR_PASS, "%s %zu %s run%s %s with %zu more features (libvirt's "
                          "baseline over %zu distinct CPU%s)", with_cpu == 1 ? "the" : "all",
                          with_cpu, hosts_word(with_cpu), with_cpu == 1 ? "s" : "", all.model,
                          all.n_features, nx, nx == 1 ? "" : "s");
        mr_finding_remedy(f, "set cpu_mode = custom and cpu_models = %s in [libvirt] of nova.conf "
                          "on every host", all.model);
        /* The whole answer, for whoever compares it with virsh's. */
        char *feats = mr_strv_join(all.features, " ");
        mr_report(res, MR_PASS, "libvirt's baseline CPU: model %s, features: %s", all.model,
                  *feats ? feats : "(none)");
        free(feats);
    }
    skip_lacking(fl, res, gc.lacking, gc.nl, "cpu.xml (libvirt's host CPU, live only)");
    free(all.model);
    mr_strv_free(all.features);
    free(xml);
    free(msg);
    free(xmls);
    free(groups);
    grouping_clear(&gc, fl->n);
    grouping_clear(&ga, fl->n);
    return 0;
}

/* ---- the table ---- */

typedef int (*fleet_fn)(const struct mr_fleet *fl, const struct mr_ops *ops, const char *uri,
                        struct mr_result *res);

#define FLEET_CHECK(cname, cid, ctitle)                                                          \
    static const struct mr_check cname = {.id = cid, .title = ctitle, .needs = 0, .run = NULL}

FLEET_CHECK(check_ids, "fleet.ids-nova", "the nova user has the same UID and GID on every host");
FLEET_CHECK(check_uuid, "fleet.host-uuid", "host UUIDs are unique across the fleet");
FLEET_CHECK(check_versions, "fleet.versions",
            "QEMU versions allow migration every way and meet Nova's floors");
FLEET_CHECK(check_resolution, "fleet.resolution",
            "every host resolves its own and the other hosts' names to their addresses");
FLEET_CHECK(check_cpu_mode, "fleet.cpu-mode", "cpu_mode and cpu_models are the same everywhere");
FLEET_CHECK(check_cpu, "fleet.cpu", "the guest CPU every host runs (libvirt's baseline)");
FLEET_CHECK(check_instances, "fleet.instances-path", "every host uses the same instances_path");
FLEET_CHECK(check_transport, "fleet.transport", "every host uses the same migration transport");
FLEET_CHECK(check_ports, "fleet.ports", "libvirt, migration and SSH ports are the same everywhere");
FLEET_CHECK(check_ssh, "fleet.ssh-keys", "every host's migration key is authorized on the others");
FLEET_CHECK(check_tls, "fleet.tls-ca", "every host trusts the same TLS CA");
FLEET_CHECK(check_rbd, "fleet.rbd-secret", "every host has the same Ceph secret UUID in libvirt");

const struct mr_row mr_fleet_rows[] = {
    {.check = &check_ids},       {.check = &check_uuid},      {.check = &check_versions},
    {.check = &check_resolution}, {.check = &check_cpu_mode}, {.check = &check_cpu},
    {.check = &check_instances}, {.check = &check_transport}, {.check = &check_ports},
    {.check = &check_ssh},       {.check = &check_tls},       {.check = &check_rbd},
};
const size_t mr_n_fleet_rows = MR_ARRAY_SIZE(mr_fleet_rows);

static const fleet_fn fleet_fns[] = {
    run_ids,       run_host_uuid, run_versions, run_resolution, run_cpu_mode, run_cpu,
    run_instances, run_transport, run_ports,    run_ssh_keys,   run_tls_ca,   run_rbd_secret,
};
_Static_assert(MR_ARRAY_SIZE(fleet_fns) == MR_ARRAY_SIZE(mr_fleet_rows), "a run per fleet check");

struct mr_run *mr_fleet_run(const struct mr_fleet *fl, const struct mr_ops *ops, const char *uri)
{
    struct mr_run *run = mr_xcalloc(1, sizeof(*run));
    run->host = mr_xasprintf("fleet of %zu %s", fl->n, hosts_word(fl->n));
    run->results = mr_xcalloc(mr_n_fleet_rows, sizeof(*run->results));
    if (!uri)
        uri = mr_uri_local();
    for (size_t i = 0; i < mr_n_fleet_rows; i++) {
        struct mr_result *res = &run->results[run->n++];
        res->check = mr_fleet_rows[i].check;
        res->row = &mr_fleet_rows[i];
        double t0 = mr_now_s();
        int r = fleet_fns[i](fl, ops, uri, res);
        res->seconds = mr_now_s() - t0;
        if (r < 0)
            mr_report(res, MR_ERROR, "the check could not run: %s", strerror(-r));
        else if (res->n_findings == 0)
            mr_report(res, MR_SKIP, "nothing to compare: no host reports what %s needs",
                      res->check->id);
        run->counts[res->status]++;
    }
    return run;
}
