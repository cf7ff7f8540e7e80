/* The "rbd" facts: which pool, user and libvirt secret this host's Nova
 * uses, what libvirt holds under that secret's UUID, and which monitor
 * ports this host reaches. Peers compare them (rbd.secret): the
 * destination's lack is libvirt's "Secret not found" in the middle of a
 * migration, and a monitor it cannot reach hangs the migration for 300 s.
 * The key itself never enters the facts: libvirt compares it with the
 * secret's value in its client process (ops->libvirt_secret). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cephconf.h"
#include "ctx.h"
#include "facts-rbd.h"
#include "migready.h"
#include "netaddr.h"
#include "novaconf.h"
#include "ops.h"
#include "uri.h"

#define CEPH_CONF_DEFAULT "/etc/ceph/ceph.conf"
#define CEPH_FILE_MAX (1u << 20)
#define MON_PROBE_MS 2000

void mr_rbd_facts_free(struct mr_rbd_facts *r)
{
    if (!r)
        return;
    free(r->pool);
    free(r->user);
    free(r->secret_uuid);
    free(r->ceph_conf);
    free(r->secret_usage);
    for (size_t i = 0; i < r->n_mons; i++)
        free(r->mons[i].addr);
    free(r->mons);
    free(r);
}

static struct mr_rbd_facts *rbd_new(void)
{
    struct mr_rbd_facts *r = mr_xcalloc(1, sizeof(*r));
    r->secret_present = r->secret_ephemeral = r->secret_has_value = -1;
    r->secret_matches_keyring = -1;
    return r;
}

/* PATH parsed, or NULL with a note naming the file (and the line). */
static struct mr_ceph_conf *read_conf(const struct mr_ctx *ctx, char ***notes, const char *path)
{
    char *text = NULL, *n = NULL;
    size_t len = 0;
    struct mr_ceph_conf *cc = NULL;
    int line = 0;
    int r = mr_root_read(ctx->root, path, CEPH_FILE_MAX, &text, &len);
    if (r < 0)
        n = mr_xasprintf("rbd: %s cannot be read: %s", path, strerror(-r));
    else if (mr_ceph_conf_parse(text, len, &cc, &line) < 0)
        n = mr_xasprintf("rbd: %s:%d cannot be parsed (see rbd.config)", path, line);
    if (n)
        mr_strv_push(notes, n);
    free(n);
    free(text);
    return cc;
}

char *mr_rbd_keyring_key(const struct mr_ctx *ctx, const char *keyring, const char *user)
{
    char *text = NULL, *key = NULL, *sect = mr_xasprintf("client.%s", user);
    size_t len = 0;
    struct mr_ceph_conf *kc = NULL;
    int line = 0;
    if (mr_root_read(ctx->root, keyring, CEPH_FILE_MAX, &text, &len) == 0 &&
        mr_ceph_conf_parse(text, len, &kc, &line) == 0) {
        const char *k = mr_ceph_conf_get(kc, sect, "key", NULL);
        if (k && *k) {
            key = mr_xstrdup(k);
            /* The parsed keyring holds the key too (its own copy). */
            explicit_bzero((char *)k, strlen(k));
        }
    }
    /* And the file's text. */
    if (text)
        explicit_bzero(text, len);
    free(text);
    mr_ceph_conf_free(kc);
    free(sect);
    return key;
}

static void add_mon(struct mr_rbd_facts *r, const char *addr, int port)
{
    r->mons = mr_xrealloc(r->mons, (r->n_mons + 1) * sizeof(*r->mons));
    r->mons[r->n_mons++] = (struct mr_rbd_mon){mr_xstrdup(addr), port, -1};
}

/* Each monitor's ports, probed from here when live. */
static void collect_mons(const struct mr_ctx *ctx, char ***notes, struct mr_rbd_facts *r,
                         const struct mr_ceph_conf *cc)
{
    int line = 0;
    const char *mh = cc ? mr_ceph_conf_get(cc, "global", "mon_host", &line) : NULL;
    struct mr_ceph_mon *mons = NULL;
    size_t n = 0;
    if (!mh || mr_ceph_mon_parse(mh, &mons, &n) < 0) {
        char *note = mh ? mr_xasprintf("rbd: %s:%d: mon_host cannot be parsed", r->ceph_conf,
                                       line)
                        : mr_xasprintf("rbd: %s names no mon_host", r->ceph_conf);
        if (cc)
            mr_strv_push(notes, note);
        free(note);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (mons[i].port) {
            add_mon(r, mons[i].host, mons[i].port);
        } else {
            add_mon(r, mons[i].host, 3300);
            add_mon(r, mons[i].host, 6789);
        }
    }
    mr_ceph_mons_free(mons, n);
    if (!ctx->live || !ctx->ops->tcp_probe || r->n_mons == 0)
        return;
    struct mr_tcp_probe *pr = mr_xcalloc(r->n_mons, sizeof(*pr));
    char ***resolved = mr_xcalloc(r->n_mons, sizeof(*resolved));
    size_t np = 0;
    size_t *which = mr_xcalloc(r->n_mons, sizeof(*which));
    for (size_t i = 0; i < r->n_mons; i++) {
        const char *a = r->mons[i].addr;
        if (!mr_addr_is_literal(a)) {
            if (ctx->ops->resolve(a, &resolved[i]) < 0 || !resolved[i] || !resolved[i][0]) {
                r->mons[i].reachable = 0;
                mr_strv_push(notes, "rbd: a monitor's name does not resolve");
                continue;
            }
            a = resolved[i][0];
        }
        pr[np] = (struct mr_tcp_probe){.address = a, .port = r->mons[i].port};
        which[np++] = i;
    }
    if (np && ctx->ops->tcp_probe(pr, np, MON_PROBE_MS) == 0)
        for (size_t k = 0; k < np; k++)
            r->mons[which[k]].reachable = pr[k].state == MR_TCP_OPEN;
    for (size_t i = 0; i < r->n_mons; i++)
        mr_strv_free(resolved[i]);
    free(resolved);
    free(which);
    free(pr);
}

static void collect_secret(const struct mr_ctx *ctx, char ***notes, struct mr_rbd_facts *r,
                           const struct mr_ceph_conf *cc)
{
    if (!ctx->live || !ctx->ops->libvirt_secret || !r->secret_uuid)
        return;
    char *keyring = r->user ? mr_ceph_keyring_path(cc, r->user) : NULL;
    char *key = keyring ? mr_rbd_keyring_key(ctx, keyring, r->user) : NULL;
    struct mr_libvirt_secret s = {0};
    char *msg = NULL;
    int rc = ctx->ops->libvirt_secret(mr_uri_local(), r->secret_uuid, key, &s, &msg);
    if (key)
        explicit_bzero(key, strlen(key));
    free(key);
    free(keyring);
    if (rc < 0) {
        char *n = mr_xasprintf("rbd: libvirt's secrets could not be read: %s",
                               msg ? msg : strerror(-rc));
        mr_strv_push(notes, n);
        free(n);
        free(msg);
        return;
    }
    free(msg);
    r->secret_present = s.present;
    if (!s.present)
        return;
    r->secret_usage = mr_xstrdup(s.usage);
    r->secret_ephemeral = s.ephemeral;
    r->secret_has_value = s.has_value;
    r->secret_matches_keyring = s.matches == 2 ? 0 : s.matches;
    r->secret_double_encoded = s.matches == 2;
}

struct mr_rbd_facts *mr_rbd_facts_collect(const struct mr_ctx *ctx, char ***notes)
{
    const struct mr_novaconf *nova = NULL;
    const char *msg = NULL;
    if (mr_ctx_nova(ctx, &nova, &msg) < 0 || !nova)
        return NULL;
    const char *t = mr_novaconf_str(nova, "libvirt", "images_type");
    if (!t || strcmp(t, "rbd") != 0)
        return NULL;
    struct mr_rbd_facts *r = rbd_new();
    const char *v;
    if ((v = mr_novaconf_str(nova, "libvirt", "images_rbd_pool")) && *v)
        r->pool = mr_xstrdup(v);
    if ((v = mr_novaconf_str(nova, "libvirt", "rbd_user")) && *v)
        r->user = mr_xstrdup(v);
    if ((v = mr_novaconf_str(nova, "libvirt", "rbd_secret_uuid")) && *v)
        r->secret_uuid = mr_xstrdup(v);
    v = mr_novaconf_str(nova, "libvirt", "images_rbd_ceph_conf");
    r->ceph_conf = mr_xstrdup(v && *v ? v : CEPH_CONF_DEFAULT);
    struct mr_ceph_conf *cc = read_conf(ctx, notes, r->ceph_conf);
    collect_mons(ctx, notes, r, cc);
    collect_secret(ctx, notes, r, cc);
    mr_ceph_conf_free(cc);
    return r;
}

/* ---- JSON ---- */

static json_object *jstr(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static json_object *jtri(int v)
{
    return v < 0 ? NULL : json_object_new_boolean(v);
}

json_object *mr_rbd_facts_to_json(const struct mr_rbd_facts *r)
{
    if (!r)
        return NULL;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "pool", jstr(r->pool));
    json_object_object_add(o, "user", jstr(r->user));
    json_object_object_add(o, "secret_uuid", jstr(r->secret_uuid));
    json_object_object_add(o, "ceph_conf", jstr(r->ceph_conf));
    json_object *s = json_object_new_object();
    json_object_object_add(s, "present", jtri(r->secret_present));
    json_object_object_add(s, "usage", jstr(r->secret_usage));
    json_object_object_add(s, "ephemeral", jtri(r->secret_ephemeral));
    json_object_object_add(s, "has_value", jtri(r->secret_has_value));
    json_object_object_add(s, "matches_keyring", jtri(r->secret_matches_keyring));
    if (r->secret_double_encoded)
        json_object_object_add(s, "double_encoded", json_object_new_boolean(true));
    json_object_object_add(o, "secret", s);
    json_object *mons = json_object_new_array();
    for (size_t i = 0; i < r->n_mons; i++) {
        json_object *m = json_object_new_object();
        json_object_object_add(m, "addr", jstr(r->mons[i].addr));
        json_object_object_add(m, "port", json_object_new_int(r->mons[i].port));
        json_object_object_add(m, "reachable", jtri(r->mons[i].reachable));
        json_object_array_add(mons, m);
    }
    json_object_object_add(o, "mons", mons);
    return o;
}

static int bad(char **ret_msg, const char *key, const char *want)
{
    if (!*ret_msg)
        *ret_msg = mr_xasprintf("facts: 'rbd.%s' is not %s", key, want);
    return -EBADMSG;
}

static int get_str(json_object *o, const char *key, char **dst, char **ret_msg)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !v)
        return 0;
    if (!json_object_is_type(v, json_type_string))
        return bad(ret_msg, key, "a string");
    *dst = mr_xstrdup(json_object_get_string(v));
    return 0;
}

static int get_tri(json_object *o, const char *prefix, const char *key, int *dst,
                   char **ret_msg)
{
    json_object *v = NULL;
    *dst = -1;
    if (!json_object_object_get_ex(o, key, &v) || !v)
        return 0;
    if (!json_object_is_type(v, json_type_boolean)) {
        char *k = mr_xasprintf("%s%s", prefix, key);
        int r = bad(ret_msg, k, "true, false or null");
        free(k);
        return r;
    }
    *dst = json_object_get_boolean(v);
    return 0;
}

int mr_rbd_facts_from_json(json_object *v, struct mr_rbd_facts **ret, char **ret_msg)
{
    *ret = NULL;
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_object)) {
        *ret_msg = mr_xstrdup("facts: 'rbd' is not an object or null");
        return -EBADMSG;
    }
    struct mr_rbd_facts *r = rbd_new();
    char *msg = NULL;
    int rc = 0;
    rc |= get_str(v, "pool", &r->pool, &msg);
    rc |= get_str(v, "user", &r->user, &msg);
    rc |= get_str(v, "secret_uuid", &r->secret_uuid, &msg);
    rc |= get_str(v, "ceph_conf", &r->ceph_conf, &msg);
    json_object *s = NULL;
    if (json_object_object_get_ex(v, "secret", &s) && s) {
        if (!json_object_is_type(s, json_type_object)) {
            rc |= bad(&msg, "secret", "an object");
        } else {
            int de = -1;
            rc |= get_tri(s, "secret.", "present", &r->secret_present, &msg);
            rc |= get_str(s, "usage", &r->secret_usage, &msg);
            rc |= get_tri(s, "secret.", "ephemeral", &r->secret_ephemeral, &msg);
            rc |= get_tri(s, "secret.", "has_value", &r->secret_has_value, &msg);
            rc |= get_tri(s, "secret.", "matches_keyring", &r->secret_matches_keyring, &msg);
            rc |= get_tri(s, "secret.", "double_encoded", &de, &msg);
            r->secret_double_encoded = de == 1;
        }
    }
    json_object *mons = NULL;
    if (json_object_object_get_ex(v, "mons", &mons) && mons) {
        if (!json_object_is_type(mons, json_type_array)) {
            rc |= bad(&msg, "mons", "an array");
        } else {
            size_t n = json_object_array_length(mons);
            for (size_t i = 0; i < n && rc == 0; i++) {
                json_object *m = json_object_array_get_idx(mons, i), *port = NULL;
                char *addr = NULL;
                int reach = -1;
                if (!m || !json_object_is_type(m, json_type_object)) {
                    rc |= bad(&msg, "mons[]", "an object");
                    break;
                }
                rc |= get_str(m, "addr", &addr, &msg);
                rc |= get_tri(m, "mons[].", "reachable", &reach, &msg);
                long long p = 0;
                if (json_object_object_get_ex(m, "port", &port) && port &&
                    json_object_is_type(port, json_type_int))
                    p = json_object_get_int64(port);
                if (!addr || p < 1 || p > 65535) {
                    free(addr);
                    rc |= bad(&msg, "mons[]", "an address and a port");
                    break;
                }
                add_mon(r, addr, (int)p);
                r->mons[r->n_mons - 1].reachable = reach;
                free(addr);
            }
        }
    }
    if (rc) {
        mr_rbd_facts_free(r);
        *ret_msg = msg ? msg : mr_xstrdup("facts: 'rbd' is invalid");
        return -EBADMSG;
    }
    *ret = r;
    return 0;
}
