/* rbd.config: ephemeral disks on Ceph RBD (profile rbd), read offline:
 * nova.conf's [libvirt] images_type, images_rbd_pool, images_rbd_ceph_conf
 * (which must name the cluster: fsid and mon_host), rbd_user and
 * rbd_secret_uuid, [DEFAULT] force_raw_images, and the keyring nova
 * authenticates with. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cephconf.h"
#include "checks.h"
#include "ctx.h"
#include "facts-rbd.h"
#include "facts.h"
#include "novaconf.h"
#include "ops.h"
#include "peers.h"

#define CEPH_CONF_DEFAULT "/etc/ceph/ceph.conf"
#define CEPH_CONF_MAX (1u << 20)

/* "in /etc/nova/nova.conf:12" or "(Nova's default)". */
static char *where(const struct mr_novaval *v)
{
    if (v->is_default || !v->file)
        return mr_xstrdup("Nova's default");
    return mr_xasprintf("%s:%d", v->file, v->line);
}

static struct mr_finding *report_opt(struct mr_result *res, enum mr_status st,
                                     const struct mr_novaval *v, const char *section,
                                     const char *key, const char *want, const char *fmt, ...)
    MR_PRINTF(7, 8);

/* A finding about [SECTION] KEY, placed at its line (or nova.conf), whose
 * remedy sets it to WANT (NULL: the message says what). */
static struct mr_finding *report_opt(struct mr_result *res, enum mr_status st,
                                     const struct mr_novaval *v, const char *section,
                                     const char *key, const char *want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct mr_finding *f = mr_vreport(res, st, fmt, ap);
    va_end(ap);
    mr_finding_at(f, v->file && !v->is_default ? v->file : v->conf, v->file ? v->line : 0);
    if (want)
        mr_finding_remedy(f, "set [%s] %s = %s in %s on every compute host", section, key, want,
                          v->conf);
    return f;
}

/* libvirt's secret UUIDs: 32 hex digits, as 8-4-4-4-12. */
static bool is_uuid(const char *s)
{
    static const int groups[] = {8, 4, 4, 4, 12};
    for (size_t g = 0; g < MR_ARRAY_SIZE(groups); g++) {
        for (int i = 0; i < groups[g]; i++, s++)
            if (!isxdigit((unsigned char)*s))
                return false;
        if (g + 1 < MR_ARRAY_SIZE(groups) && *s++ != '-')
            return false;
    }
    return *s == '\0';
}

/* images_rbd_ceph_conf: exists, parses, names the cluster. *ret_cc is the
 * parsed file when it could be read. */
static void check_ceph_conf(const struct mr_ctx *ctx, struct mr_result *res,
                            const struct mr_novaval *v, struct mr_ceph_conf **ret_cc)
{
    const char *path = v->value && *v->value ? v->value : CEPH_CONF_DEFAULT;
    char *text = NULL, *w = where(v);
    size_t len;
    struct mr_finding *f;
    int line = 0;
    int r = mr_root_read(ctx->root, path, CEPH_CONF_MAX, &text, &len);
    if (r < 0) {
        f = mr_report(res, MR_FAIL, "the Ceph configuration %s (images_rbd_ceph_conf, %s) %s: "
                      "nova-compute cannot reach the cluster",
                      path, w, r == -ENOENT ? "does not exist" : strerror(-r));
        mr_finding_at(f, path, 0);
        mr_finding_remedy(f, "install the cluster's ceph.conf as %s, or set [libvirt] "
                          "images_rbd_ceph_conf in %s to where it is", path, v->conf);
        goto cleanup;
    }
    if (mr_ceph_conf_parse(text, len, ret_cc, &line) < 0) {
        f = mr_report(res, MR_FAIL, "the Ceph configuration %s cannot be parsed: line %d is "
                      "neither a [section] nor a key = value", path, line);
        mr_finding_at(f, path, line);
        mr_finding_remedy(f, "correct line %d of %s", line, path);
        goto cleanup;
    }
    static const char *const keys[] = {"fsid", "mon_host"};
    for (size_t i = 0; i < MR_ARRAY_SIZE(keys); i++) {
        int l = 0;
        const char *val = mr_ceph_conf_get(*ret_cc, "global", keys[i], &l);
        if (val && *val)
            continue;
        f = mr_report(res, MR_FAIL, "the Ceph configuration %s names no %s in [global]: "
                      "librados cannot %s", path, keys[i],
                      i == 0 ? "tell which cluster it reached" : "find a monitor");
        mr_finding_at(f, path, l);
        mr_finding_remedy(f, "copy the cluster's ceph.conf (ceph config generate-minimal-conf) "
                          "to %s", path);
    }
cleanup:
    free(text);
    free(w);
}

static void check_keyring(const struct mr_ctx *ctx, struct mr_result *res,
                          const struct mr_ceph_conf *cc, const char *user)
{
    char *path = mr_ceph_keyring_path(cc, user);
    const char *nova = mr_ctx_nova_user(ctx);
    struct stat st;
    struct mr_finding *f;
    if (mr_root_stat(ctx->root, path, &st, false) < 0 || !S_ISREG(st.st_mode)) {
        f = mr_report(res, MR_FAIL, "the keyring %s of client.%s does not exist: librados "
                      "cannot authenticate as rbd_user", path, user);
        mr_finding_at(f, path, 0);
        mr_finding_remedy(f, "on a Ceph admin host: ceph auth get client.%s -o %s, then copy "
                          "it here (owner %s, mode 0640 or 0600)", user, path, nova);
    } else if (!mr_ctx_user_can_read(ctx, nova, &st)) {
        f = mr_report(res, MR_FAIL, "the keyring %s (mode %04o) cannot be read by %s, which "
                      "nova-compute runs as", path, (unsigned)(st.st_mode & 07777), nova);
        mr_finding_at(f, path, 0);
        mr_finding_remedy(f, "chgrp %s %s; chmod 0640 %s", mr_ctx_nova_group(ctx), path, path);
    } else {
        f = mr_report(res, MR_PASS, "the keyring %s of client.%s is readable by %s", path, user,
                      nova);
        mr_finding_at(f, path, 0);
    }
    free(path);
}

static int run_config(const struct mr_ctx *ctx, struct mr_result *res)
{
    const struct mr_novaconf *nova;
    const char *msg = NULL;
    struct mr_novaval v;
    struct mr_finding *f;
    struct mr_ceph_conf *cc = NULL;
    char *w;

    if (mr_ctx_nova(ctx, &nova, &msg) < 0 || !nova) {
        mr_report(res, MR_ERROR, "%s", msg ? msg : "cannot read nova.conf");
        return 0;
    }
    mr_novaconf_get(nova, "libvirt", "images_type", &v);
    if (!v.value || strcmp(v.value, "rbd") != 0) {
        w = where(&v);
        report_opt(res, MR_FAIL, &v, "libvirt", "images_type", "rbd",
                   "[libvirt] images_type is %s (%s), not rbd: instance disks are not on Ceph, "
                   "as the rbd profile expects", v.value ? v.value : "unset", w);
        free(w);
        return 0;
    }

    mr_novaconf_get(nova, "libvirt", "images_rbd_pool", &v);
    if (!v.value || !*v.value)
        report_opt(res, MR_FAIL, &v, "libvirt", "images_rbd_pool", "POOL",
                   "[libvirt] images_rbd_pool is empty: Nova has no pool for instance disks");

    mr_novaconf_get(nova, "libvirt", "images_rbd_ceph_conf", &v);
    check_ceph_conf(ctx, res, &v, &cc);

    mr_novaconf_get(nova, "libvirt", "rbd_user", &v);
    const char *user = v.value && *v.value ? v.value : NULL;
    if (!user)
        report_opt(res, MR_FAIL, &v, "libvirt", "rbd_user", "USER",
                   "[libvirt] rbd_user is not set: librados would connect as client.admin, "
                   "and libvirt's secret would not be used");
    else
        check_keyring(ctx, res, cc, user);

    mr_novaconf_get(nova, "libvirt", "rbd_secret_uuid", &v);
    if (!v.value || !*v.value) {
        f = report_opt(res, MR_FAIL, &v, "libvirt", "rbd_secret_uuid", NULL,
                       "[libvirt] rbd_secret_uuid is not set: libvirt cannot authenticate "
                       "QEMU to Ceph, so no instance disk opens");
        mr_finding_remedy(f, "set [libvirt] rbd_secret_uuid in %s to the UUID of the libvirt "
                          "secret that holds client.%s's key (virsh secret-list), the same on "
                          "every compute host", v.conf, user ? user : "USER");
    } else if (!is_uuid(v.value)) {
        w = where(&v);
        f = report_opt(res, MR_FAIL, &v, "libvirt", "rbd_secret_uuid", NULL,
                       "[libvirt] rbd_secret_uuid \"%s\" (%s) is not a UUID: libvirt refuses "
                       "the disk's secret", v.value, w);
        mr_finding_remedy(f, "set [libvirt] rbd_secret_uuid in %s to the libvirt secret's UUID "
                          "(virsh secret-list), such as 457eb676-33da-42ec-9a8c-9293d545c337",
                          v.conf);
        free(w);
    }

    /* nova-compute refuses to start otherwise: LibvirtDriver.init_host()
     * raises InvalidConfiguration for images_type = rbd without
     * force_raw_images (nova/virt/libvirt/driver.py, Nova bug 1816686). */
    mr_novaconf_get(nova, "DEFAULT", "force_raw_images", &v);
    bool raw = true;
    if (v.value && mr_parse_bool(v.value, &raw) < 0)
        raw = false;
    if (!raw) {
        w = where(&v);
        report_opt(res, MR_FAIL, &v, "DEFAULT", "force_raw_images", "True",
                   "[DEFAULT] force_raw_images is %s (%s): nova-compute refuses to start with "
                   "images_type = rbd (\"'[DEFAULT]/force_raw_images = False' is not allowed "
                   "with '[libvirt]/images_type = rbd'\")", v.value, w);
        free(w);
    }
    if (res->n_findings == 0 || res->status == MR_PASS)
        mr_report(res, MR_PASS, "instance disks on Ceph RBD, configured as Nova and librados "
                  "need");
    mr_ceph_conf_free(cc);
    return 0;
}

const struct mr_check mr_check_rbd_config = {
    .id = "rbd.config",
    .title = "Nova's Ceph RBD settings, ceph.conf and keyring",
    .optional = true,
    .run = run_config,
};

/* ---- rbd.secret ---- */

/* This host's Ceph facts, or a skip in RES when Nova does not use Ceph. */
static const struct mr_rbd_facts *rbd_facts(const struct mr_ctx *ctx, struct mr_result *res)
{
    const struct mr_rbd_facts *r = mr_ctx_facts(ctx)->rbd;
    if (!r)
        mr_report(res, MR_SKIP, "instance disks are not on Ceph here (images_type is not rbd; "
                  "see rbd.config)");
    return r;
}

#define SECRET_REMEDY                                                                          \
    "define it on %s with usage type ceph (<secret ephemeral='no' private='no'><uuid>%s</uuid>"  \
    "<usage type='ceph'><name>client.%s secret</name></usage></secret>: virsh secret-define "    \
    "FILE), then virsh secret-set-value %s --file KEYFILE with the base64 key of client.%s "    \
    "(not --plain, which stores the key encoded twice)"

/* Whether this host's (HOST, own) or a peer's facts say its libvirt is ready
 * to open the disks: the secret with the UUID exists, is ceph, persistent,
 * holds a value, and the value is the keyring's key. */
static void judge_secret(struct mr_result *res, const char *host, const struct mr_rbd_facts *r,
                         bool own)
{
    const char *u = r->secret_uuid, *user = r->user ? r->user : "USER";
    struct mr_finding *f;
    if (r->secret_present < 0) {
        if (!own)
            mr_report(res, MR_SKIP, "%s's libvirt secrets are not known (its facts could not "
                      "ask libvirt)", host);
        else
            mr_report(res, MR_ERROR, "libvirt's secrets could not be read here");
        return;
    }
    if (r->secret_present == 0) {
        f = mr_report(res, MR_FAIL, "%s's libvirt holds no secret %s (rbd_secret_uuid): QEMU "
                      "cannot open any RBD disk there, and a migration to %s fails with "
                      "\"Secret not found: no secret with matching uuid '%s'\"",
                      host, u, host, u);
        mr_finding_remedy(f, SECRET_REMEDY, host, u, user, u, user);
        return;
    }
    if (r->secret_usage && strcmp(r->secret_usage, "ceph") != 0) {
        f = mr_report(res, MR_FAIL, "%s's libvirt secret %s has usage type %s, not ceph: "
                      "libvirt refuses it for an RBD disk",
                      host, u, *r->secret_usage ? r->secret_usage : "none");
        mr_finding_remedy(f, "on %s: virsh secret-undefine %s, then " SECRET_REMEDY, host, u,
                          host, u, user, u, user);
        return;
    }
    if (r->secret_ephemeral == 1) {
        f = mr_report(res, MR_FAIL, "%s's libvirt secret %s is ephemeral: it is gone after "
                      "libvirtd restarts, and so are the instances' disks",
                      host, u);
        mr_finding_remedy(f, "on %s: virsh secret-undefine %s, then " SECRET_REMEDY, host, u,
                          host, u, user, u, user);
        return;
    }
    if (r->secret_has_value == 0) {
        f = mr_report(res, MR_FAIL, "%s's libvirt secret %s has no value: QEMU cannot "
                      "authenticate as client.%s", host, u, user);
        mr_finding_remedy(f, "on %s: virsh secret-set-value %s --file KEYFILE with the base64 "
                          "key of client.%s (not --plain)", host, u, user);
        return;
    }
    if (r->secret_matches_keyring == 0) {
        if (r->secret_double_encoded)
            f = mr_report(res, MR_FAIL, "%s's libvirt secret %s holds client.%s's key as base64 "
                          "text (set with secret-set-value --plain): librados gets the key "
                          "encoded twice and QEMU fails with \"error connecting: Invalid "
                          "argument\"", host, u, user);
        else
            f = mr_report(res, MR_FAIL, "%s's libvirt secret %s does not hold the key of "
                          "client.%s in its keyring (key mismatch): QEMU fails there with "
                          "\"error connecting: Permission denied\"", host, u, user);
        mr_finding_remedy(f, "on %s: virsh secret-set-value %s --file KEYFILE with the key of "
                          "the keyring (ceph auth get-key client.%s), not --plain",
                          host, u, user);
        return;
    }
    mr_report(res, MR_PASS, "%s's libvirt holds the ceph secret %s%s%s%s", host, u,
              r->secret_matches_keyring == 1 ? " with the key of client." : "",
              r->secret_matches_keyring == 1 ? user : "",
              r->secret_matches_keyring == 1 ? "'s keyring"
              : r->secret_has_value < 0      ? " (private: its value cannot be compared)"
                                             : " (the keyring could not be read to compare)");
}

static void secret_peers(const struct mr_ctx *ctx, struct mr_result *res,
                         const struct mr_rbd_facts *own)
{
    struct mr_peer *const *peers = NULL;
    size_t n = 0;
    if (!ctx->peers || !ctx->peers[0])
        return;
    int r = mr_ctx_peer_list(ctx, &peers, &n);
    if (r < 0) {
        mr_report(res, MR_ERROR, "cannot fetch the peers' facts: %s", strerror(-r));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct mr_peer *p = peers[i];
        struct mr_finding *f;
        if (!p->facts) {
            mr_report(res, MR_SKIP, "not compared: %s unreachable (see ssh.peers)", p->name);
            continue;
        }
        if (!p->facts->rbd_known) {
            mr_report(res, MR_SKIP, "not compared: %s's migready does not report its Ceph "
                      "settings (older version)", p->name);
            continue;
        }
        const struct mr_rbd_facts *pr = p->facts->rbd;
        if (!pr) {
            f = mr_report(res, MR_FAIL, "%s's Nova does not keep instance disks on Ceph "
                          "(images_type is not rbd), this host's does", p->name);
            mr_finding_remedy(f, "use the same [libvirt] images_type on every compute host");
            continue;
        }
        if (!pr->secret_uuid || strcmp(pr->secret_uuid, own->secret_uuid) != 0) {
            f = mr_report(res, MR_FAIL, "%s's rbd_secret_uuid is %s, this host's %s: the "
                          "instance's disk XML names %s, which %s's libvirt must hold",
                          p->name, pr->secret_uuid ? pr->secret_uuid : "unset",
                          own->secret_uuid, own->secret_uuid, p->name);
            mr_finding_remedy(f, "use one libvirt secret UUID for client.%s on every compute "
                              "host ([libvirt] rbd_secret_uuid)", own->user ? own->user : "USER");
            continue;
        }
        judge_secret(res, p->name, pr, false);
    }
}

static int run_secret(const struct mr_ctx *ctx, struct mr_result *res)
{
    const struct mr_rbd_facts *r = rbd_facts(ctx, res);
    if (!r)
        return 0;
    if (!r->secret_uuid) {
        mr_report(res, MR_SKIP, "[libvirt] rbd_secret_uuid is not set (see rbd.config)");
        return 0;
    }
    char *host = mr_ctx_hostname(ctx);
    judge_secret(res, host ? host : "this host", r, true);
    free(host);
    secret_peers(ctx, res, r);
    return 0;
}

const struct mr_check mr_check_rbd_secret = {
    .id = "rbd.secret",
    .title = "libvirt holds the Ceph secret, with the keyring's key, here and on every peer",
    .needs = MR_NEED_LIVE | MR_NEED_LIBVIRT,
    .optional = true,
    .run = run_secret,
};

/* ---- rbd.access ---- */

#define ACCESS_TIMEOUT_MS 20000

/* Monitors R's host cannot reach on any of their ports, one finding each. */
static void judge_mons(struct mr_result *res, const char *host, const struct mr_rbd_facts *r)
{
    for (size_t i = 0; i < r->n_mons; i++) {
        const char *a = r->mons[i].addr;
        bool seen = false, any = false, probed = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(r->mons[k].addr, a) == 0;
        if (seen)
            continue;
        char ports[64] = "";
        for (size_t k = i; k < r->n_mons; k++) {
            if (strcmp(r->mons[k].addr, a) != 0)
                continue;
            probed |= r->mons[k].reachable >= 0;
            any |= r->mons[k].reachable == 1;
            size_t l = strlen(ports);
            snprintf(ports + l, sizeof(ports) - l, "%s%d", l ? " and " : "", r->mons[k].port);
        }
        if (!probed || any)
            continue;
        struct mr_finding *f = mr_report(
            res, MR_FAIL, "%s cannot reach the Ceph monitor %s (port %s): an unreachable "
            "monitor hangs a migration to %s for 300 s, then \"Connection timed out\"",
            host, a, ports, host);
        mr_finding_remedy(f, "give %s a route to %s and open ports 3300 and 6789 (and the OSDs' "
                          "6800-7300) between them", host, a);
    }
}

static char *probe_name(const struct mr_ctx *ctx)
{
    char *h = mr_ctx_hostname(ctx);
    char *id = mr_random_hex8();
    char *n = mr_xasprintf("migready-access-%s-%s", h ? h : "host", id);
    free(id);
    free(h);
    return n;
}

static int run_access(const struct mr_ctx *ctx, struct mr_result *res)
{
    const struct mr_rbd_facts *r = rbd_facts(ctx, res);
    if (!r)
        return 0;
    if (!r->user || !r->pool) {
        mr_report(res, MR_SKIP, "rbd_user or images_rbd_pool is not set (see rbd.config)");
        return 0;
    }
    char *host = mr_ctx_hostname(ctx);
    const char *h = host ? host : "this host";
    size_t before = res->n_findings;
    judge_mons(res, h, r);
    bool mons_ok = res->n_findings == before;
    if (!ctx->ops->rbd_probe) {
        mr_report(res, MR_SKIP, "no Ceph client in this context");
        goto peers;
    }
    /* For the remedy only: librados finds the keyring itself. */
    char *keyring = mr_ceph_keyring_path(NULL, r->user);
    char *name = probe_name(ctx);
    struct mr_rbd_request req = {.action = MR_RBD_PROBE, .conf = r->ceph_conf, .user = r->user,
                                 .pool = r->pool, .image = name,
                                 .timeout_ms = ACCESS_TIMEOUT_MS};
    struct mr_rbd_result out;
    double t0 = mr_now_s();
    int rc = ctx->ops->rbd_probe(&req, &out);
    struct mr_finding *f;
    if (rc < 0) {
        mr_report(res, MR_ERROR, "cannot start the Ceph client: %s", strerror(-rc));
    } else if (out.stage == MR_RBD_DONE) {
        mr_report(res, MR_PASS, "client.%s created, wrote, read back and removed an image in "
                  "the pool %s (%.0f ms)", r->user, r->pool, (mr_now_s() - t0) * 1000);
    } else if (out.stage == MR_RBD_CONNECT && out.err == -EACCES) {
        f = mr_report(res, MR_FAIL, "the cluster refuses client.%s's key: %s", r->user,
                      out.message);
        mr_finding_remedy(f, "install client.%s's current key as %s (ceph auth get client.%s)",
                          r->user, keyring, r->user);
    } else if (out.stage <= MR_RBD_CONNECT && (out.err == -ETIMEDOUT || !mons_ok)) {
        f = mr_report(res, MR_FAIL, "no monitor of %s answers from %s: %s", r->ceph_conf, h,
                      out.message);
        mr_finding_remedy(f, "give %s a route to the monitors (mon_host in %s) on ports 3300 "
                          "and 6789", h, r->ceph_conf);
    } else if (out.stage == MR_RBD_POOL) {
        f = mr_report(res, MR_FAIL, "client.%s cannot use the pool %s: %s", r->user, r->pool,
                      out.message);
        mr_finding_remedy(f, "create the pool, or give client.%s osd 'profile rbd pool=%s' "
                          "(ceph auth caps)", r->user, r->pool);
    } else {
        f = mr_report(res, MR_FAIL, "the Ceph probe failed at '%s': %s%s",
                      mr_rbd_stage_name(out.stage), out.message,
                      out.data_mismatch ? " (data differs)" : "");
        mr_finding_remedy(f, "see the cluster's health (ceph -s) and client.%s's caps "
                          "(mon 'profile rbd' osd 'profile rbd pool=%s')", r->user, r->pool);
    }
    free(keyring);
    free(name);
peers:
    free(host);
    struct mr_peer *const *peers = NULL;
    size_t n = 0;
    if (ctx->peers && ctx->peers[0] && mr_ctx_peer_list(ctx, &peers, &n) == 0)
        for (size_t i = 0; i < n; i++)
            if (peers[i]->facts && peers[i]->facts->rbd)
                judge_mons(res, peers[i]->name, peers[i]->facts->rbd);
    return 0;
}

const struct mr_check mr_check_rbd_access = {
    .id = "rbd.access",
    .title = "librados reaches every monitor and can create, write, read and remove an image",
    .needs = MR_NEED_LIVE | MR_NEED_NET,
    .optional = true,
    .run = run_access,
};
