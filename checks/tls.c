/* tls.certs: the certificates and keys of libvirt's TLS transport and, with
 * live_migration_with_native_tls, of QEMU's own TLS stream, judged with
 * GnuTLS as libvirt and QEMU judge them (src/conf/x509.h): present and
 * readable by the process that reads them, keys not readable by others,
 * valid now and for the site's cert_min_days, each key matching its
 * certificate, each certificate signed by the CA file, the server
 * certificate naming every name peers connect to, and usages that fit.
 * With peers (live): each peer's facts ("tls") against this host's: the
 * same CA, a server certificate naming what this host connects to, a
 * client certificate for the way back, none expired (src/core/tlspeers.h);
 * then a real TLS handshake to each peer's libvirtd as libvirt's client
 * makes it (ops->tls_handshake, src/live/tlsprobe.c), whose failures are
 * told apart in libvirt's words. Every peer finding names the peer.
 * It only reports: keys are the operator's. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "checks.h"
#include "ctx.h"
#include "facts.h"
#include "hostsfile.h"
#include "libvirtconf.h"
#include "netaddr.h"
#include "novaconf.h"
#include "ops.h"
#include "peers.h"
#include "tlspeers.h"
#include "x509.h"

#define DEFAULT_MIN_DAYS 30
#define TLS_PORT 16514
/* One handshake, connect to libvirtd's confirmation byte: a healthy peer
 * answers in milliseconds; a hung one must not hold the check. */
#define HANDSHAKE_TIMEOUT_MS 5000
/* A PEM file larger than this is not a certificate or a key. */
#define PEM_MAX (1u << 20)

/* Who reads a set of files: libvirtd runs as root; QEMU as qemu.conf's user. */
struct reader {
    const char *who;   /* "libvirtd", "QEMU (user libvirt-qemu)" */
    const char *user;  /* NULL: root, who reads anything */
    const char *group;
};

/* A certificate and its key, of one role. */
struct pair {
    const char *role; /* "server", "client" */
    enum mr_x509_use use;
    const char *cert;
    const char *key;
};

/* One set of files, the CA and its pairs, for one reader. */
struct pki {
    const char *what; /* "libvirt", "QEMU-native TLS" */
    const char *ca;
    struct pair pairs[2];
    struct reader reader;
    const char *remedy_dir; /* where a remedy says to install the files */
};

struct run {
    const struct mr_ctx *ctx;
    struct mr_result *res;
    long min_days;
    time_t now;
    char **names;    /* the names peers connect to, each with why in whys */
    char **whys;
};

/* The text of PATH, or a fail saying why it cannot be read. */
static char *read_pem(struct run *rn, const char *path, const char *what, const struct pki *pki,
                      size_t *ret_len, struct stat *ret_st)
{
    char *buf = NULL;
    struct mr_finding *f;
    int r = mr_root_stat(rn->ctx->root, path, ret_st, false);
    if (r == 0 && !S_ISREG(ret_st->st_mode))
        r = -EISDIR;
    if (r == 0)
        r = mr_root_read(rn->ctx->root, path, PEM_MAX, &buf, ret_len);
    if (r == 0)
        return buf;
    if (r == -ENOENT) {
        f = mr_report(rn->res, MR_FAIL, "%s %s %s does not exist: %s cannot set up TLS",
                      pki->what, what, path, pki->reader.who);
        mr_finding_remedy(f, "install the %s in %s (see libvirt's \"TLS x509 certificate "
                          "management\")", what, pki->remedy_dir);
    } else {
        f = mr_report(rn->res, MR_FAIL, "%s %s %s cannot be read: %s", pki->what, what, path,
                      strerror(-r));
        mr_finding_remedy(f, "make %s a regular file that %s can read", path, pki->reader.who);
    }
    mr_finding_at(f, path, 0);
    return NULL;
}

/* Whether READER can read a file of ST (root reads anything). */
static bool reader_can_read(const struct mr_ctx *ctx, const struct reader *rd,
                            const struct stat *st)
{
    return !rd->user || mr_ctx_user_can_read(ctx, rd->user, st);
}

static void check_readable(struct run *rn, const struct pki *pki, const char *path,
                           const char *what, const struct stat *st)
{
    if (reader_can_read(rn->ctx, &pki->reader, st))
        return;
    struct mr_finding *f = mr_report(rn->res, MR_FAIL,
                                     "%s %s %s (mode %04o) cannot be read by %s, which reads it",
                                     pki->what, what, path, (unsigned)(st->st_mode & 07777),
                                     pki->reader.who);
    mr_finding_at(f, path, 0);
    mr_finding_remedy(f, "chgrp %s %s; chmod %s %s", pki->reader.group, path,
                      strstr(what, "key") ? "0640" : "0644", path);
}

/* A private key that others can read: libvirt and QEMU accept it (neither
 * looks at the mode), so this warns; libvirt's own PKI guide installs its
 * keys 0600 root, QEMU's 0640 root:<qemu group> so the QEMU process reads them. */
static void check_key_mode(struct run *rn, const struct pki *pki, const char *path,
                           const struct stat *st)
{
    mode_t m = st->st_mode & 07777;
    bool qemu = pki->reader.user != NULL;
    gid_t qgid = (gid_t)-1;
    if (qemu)
        mr_ctx_group(rn->ctx, pki->reader.group, &qgid);
    bool group_ok = qemu && st->st_gid == qgid;
    const char *who = NULL;
    if (m & S_IRWXO)
        who = "every user of this host";
    else if ((m & S_IRWXG) && !group_ok)
        who = "its group";
    if (!who)
        return;
    struct mr_finding *f = mr_report(rn->res, MR_WARN,
                                     "%s private key %s has mode %04o: %s can read it (%s "
                                     "accepts it, but the key proves this host's identity)",
                                     pki->what, path, (unsigned)m, who, pki->reader.who);
    mr_finding_at(f, path, 0);
    if (qemu)
        mr_finding_remedy(f, "chown root:%s %s; chmod 0640 %s", pki->reader.group, path, path);
    else
        mr_finding_remedy(f, "chmod 0600 %s", path);
}

/* Valid now and for the site's cert_min_days. */
static bool check_times(struct run *rn, const struct pki *pki, const char *what,
                        const char *path, const struct mr_x509_cert *c)
{
    struct mr_finding *f = NULL;
    time_t nb = mr_x509_cert_not_before(c), na = mr_x509_cert_not_after(c);
    bool ok = true;
    if (nb != (time_t)-1 && nb > rn->now) {
        char *d = mr_x509_time_str(nb);
        f = mr_report(rn->res, MR_FAIL, "%s %s %s is not valid before %s: TLS handshakes "
                      "with it fail until then", pki->what, what, path, d);
        mr_finding_remedy(f, "check this host's clock, or reissue %s", path);
        free(d);
        ok = false;
    } else if (na != (time_t)-1 && na <= rn->now) {
        char *d = mr_x509_time_str(na);
        f = mr_report(rn->res, MR_FAIL, "%s %s %s expired on %s: peers refuse it "
                      "(\"The certificate has expired\")", pki->what, what, path, d);
        mr_finding_remedy(f, "reissue %s from the CA and restart %s", path, pki->reader.who);
        free(d);
        ok = false;
    } else if (na != (time_t)-1 && (na - rn->now) / 86400 < rn->min_days) {
        char *d = mr_x509_time_str(na);
        f = mr_report(rn->res, MR_WARN, "%s %s %s expires on %s, in %ld days: fewer than "
                      "the %ld days of cert_min_days", pki->what, what, path, d,
                      (long)((na - rn->now) / 86400), rn->min_days);
        mr_finding_remedy(f, "reissue %s before it expires", path);
        free(d);
    }
    if (f)
        mr_finding_at(f, path, 0);
    return ok;
}

static bool check_chain(struct run *rn, const struct pki *pki, const char *what,
                        const char *path, const struct mr_x509_cert *c,
                        struct mr_x509_cert *const *cas, size_t n_cas)
{
    char *why = NULL;
    int r = mr_x509_cert_verify(c, cas, n_cas, &why);
    if (r == 0)
        return true;
    struct mr_finding *f;
    f = mr_report(rn->res, MR_FAIL, "%s %s %s is not signed by the CA in %s: %s (another CA's "
                  "certificate, or the CA file is not the one that issued it)",
                  pki->what, what, path, pki->ca, why ? why : "GnuTLS cannot verify it");
    mr_finding_at(f, path, 0);
    mr_finding_remedy(f, "issue %s from the CA in %s, the one every peer trusts", path, pki->ca);
    free(why);
    return false;
}

static bool check_use(struct run *rn, const struct pki *pki, const struct pair *p,
                      const struct mr_x509_cert *c)
{
    char *why = NULL;
    int v = mr_x509_cert_check_use(c, p->use, &why);
    if (v == 0)
        return true;
    struct mr_finding *f = mr_report(rn->res, v == 2 ? MR_FAIL : MR_WARN,
                                     "%s %s certificate %s does not fit a TLS %s: %s%s",
                                     pki->what, p->role, p->cert, p->role, why,
                                     v == 2 ? " and the extension is critical, so libvirt "
                                              "refuses it" : "");
    mr_finding_at(f, p->cert, 0);
    mr_finding_remedy(f, "reissue %s with %s (certtool template: %s)", p->cert,
                      p->use == MR_X509_USE_SERVER ? "TLS Web Server Authentication"
                                                   : "TLS Web Client Authentication",
                      p->use == MR_X509_USE_SERVER ? "tls_www_server, encryption_key, "
                                                     "signing_key"
                                                   : "tls_www_client, encryption_key, "
                                                     "signing_key");
    free(why);
    return v != 2;
}

/* Each name peers connect to is named by the server certificate. */
static bool check_names(struct run *rn, const struct pki *pki, const struct pair *p,
                        const struct mr_x509_cert *c)
{
    bool ok = true;
    char *has = NULL;
    for (size_t i = 0; rn->names[i]; i++) {
        if (mr_x509_cert_names(c, rn->names[i]))
            continue;
        if (!has)
            has = mr_x509_cert_name_list(c);
        struct mr_finding *f = mr_report(rn->res, MR_FAIL,
                                         "%s server certificate %s lacks the name %s (%s): a "
                                         "peer that connects to %s refuses it (\"Certificate "
                                         "owner does not match the hostname %s\"); it names %s",
                                         pki->what, p->cert, rn->names[i], rn->whys[i],
                                         rn->names[i], rn->names[i], has);
        mr_finding_at(f, p->cert, 0);
        mr_finding_remedy(f, "reissue %s with %s among its subjectAltNames (certtool "
                          "template: %s = \"%s\")", p->cert, rn->names[i],
                          strchr(rn->names[i], ':') || strspn(rn->names[i], "0123456789.") ==
                                  strlen(rn->names[i]) ? "ip_address" : "dns_name",
                          rn->names[i]);
        ok = false;
    }
    free(has);
    return ok;
}

static void check_pair(struct run *rn, const struct pki *pki, const struct pair *p,
                       struct mr_x509_cert *const *cas, size_t n_cas)
{
    struct stat st;
    size_t len;
    char *what = mr_xasprintf("%s certificate", p->role);
    char *kwhat = mr_xasprintf("%s private key", p->role);
    char *text = read_pem(rn, p->cert, what, pki, &len, &st);
    char *ktext = NULL, *msg = NULL;
    struct mr_x509_cert *c = NULL;
    struct mr_x509_key *k = NULL;
    struct mr_finding *f;
    bool ok = true;

    if (!text)
        goto key;
    check_readable(rn, pki, p->cert, what, &st);
    if (mr_x509_cert_parse(text, len, &c, &msg) < 0) {
        f = mr_report(rn->res, MR_FAIL, "%s %s %s cannot be parsed: %s", pki->what, what,
                      p->cert, msg);
        mr_finding_at(f, p->cert, 0);
        mr_finding_remedy(f, "install a PEM certificate in %s", p->cert);
        free(msg);
        msg = NULL;
        ok = false;
        goto key;
    }
    ok &= check_times(rn, pki, what, p->cert, c);
    if (cas)
        ok &= check_chain(rn, pki, what, p->cert, c, cas, n_cas);
    ok &= check_use(rn, pki, p, c);
    if (p->use == MR_X509_USE_SERVER)
        ok &= check_names(rn, pki, p, c);

key:
    ktext = read_pem(rn, p->key, kwhat, pki, &len, &st);
    if (!ktext) {
        ok = false;
        goto cleanup;
    }
    check_readable(rn, pki, p->key, kwhat, &st);
    check_key_mode(rn, pki, p->key, &st);
    if (mr_x509_key_parse(ktext, len, &k, &msg) < 0) {
        f = mr_report(rn->res, MR_FAIL, "%s %s %s cannot be parsed: %s", pki->what, kwhat,
                      p->key, msg);
        mr_finding_at(f, p->key, 0);
        mr_finding_remedy(f, "install the unencrypted PEM key of %s in %s", p->cert, p->key);
        ok = false;
        goto cleanup;
    }
    if (c && !mr_x509_key_matches(k, c)) {
        f = mr_report(rn->res, MR_FAIL, "%s %s %s does not match the certificate %s: the TLS "
                      "handshake fails", pki->what, kwhat, p->key, p->cert);
        mr_finding_at(f, p->key, 0);
        mr_finding_remedy(f, "install the key %s was issued for in %s, or reissue %s for "
                          "this key", p->cert, p->key, p->cert);
        ok = false;
    }
    if (ok && c) {
        char *until = mr_x509_time_str(mr_x509_cert_not_after(c));
        char *names = mr_x509_cert_name_list(c);
        f = mr_report(rn->res, MR_PASS, "%s %s %s: signed by %s, valid until %s, names %s, "
                      "key %s matches", pki->what, what, p->cert, pki->ca, until, names,
                      p->key);
        mr_finding_at(f, p->cert, 0);
        free(until);
        free(names);
    }

cleanup:
    mr_x509_key_free(k);
    mr_x509_cert_free(c);
    free(msg);
    free(text);
    free(ktext);
    free(what);
    free(kwhat);
}

static void check_pki(struct run *rn, const struct pki *pki)
{
    struct stat st;
    size_t len, n_cas = 0;
    struct mr_x509_cert **cas = NULL;
    char *msg = NULL;
    char *text = read_pem(rn, pki->ca, "CA certificate", pki, &len, &st);
    if (text) {
        check_readable(rn, pki, pki->ca, "CA certificate", &st);
        if (mr_x509_cert_parse_list(text, len, &cas, &n_cas, &msg) < 0) {
            struct mr_finding *f = mr_report(rn->res, MR_FAIL,
                                             "%s CA certificate %s cannot be parsed: %s",
                                             pki->what, pki->ca, msg);
            mr_finding_at(f, pki->ca, 0);
            mr_finding_remedy(f, "install the CA's PEM certificate in %s", pki->ca);
            cas = NULL;
            n_cas = 0;
        } else {
            for (size_t i = 0; i < n_cas; i++)
                check_times(rn, pki, "CA certificate", pki->ca, cas[i]);
        }
    }
    for (size_t i = 0; i < MR_ARRAY_SIZE(pki->pairs); i++)
        check_pair(rn, pki, &pki->pairs[i], cas, n_cas);
    mr_x509_cert_list_free(cas, n_cas);
    free(text);
    free(msg);
}

static void add_name(struct run *rn, const char *name, const char *why)
{
    if (!name || !*name)
        return;
    for (size_t i = 0; rn->names[i]; i++)
        if (strcasecmp(rn->names[i], name) == 0)
            return;
    mr_strv_push(&rn->names, name);
    mr_strv_push(&rn->whys, why);
}

/* The names and addresses peers use to reach this host: its host name and
 * FQDN, [libvirt] live_migration_inbound_addr (Nova's migration target when
 * set) and [DEFAULT] host (the name Nova's live_migration_uri is built on
 * otherwise, and what libvirt then checks the certificate against). */
static void collect_names(struct run *rn, const struct mr_novaconf *nova)
{
    rn->names = mr_xcalloc(1, sizeof(char *));
    rn->whys = mr_xcalloc(1, sizeof(char *));
    char *hostname = mr_ctx_hostname(rn->ctx);
    if (hostname) {
        add_name(rn, hostname, "this host's name");
        if (!strchr(hostname, '.')) {
            /* The FQDN: the canonical name of the first /etc/hosts line that
             * lists the short name, as hosts.resolution reads it. */
            struct mr_hosts *h = NULL;
            if (mr_hosts_read(rn->ctx->root, &h, NULL) == 0) {
                const struct mr_hosts_entry *e = mr_hosts_lookup(h, hostname);
                if (e && e->names[0] && strchr(e->names[0], '.'))
                    add_name(rn, e->names[0], "this host's FQDN");
            }
            mr_hosts_free(h);
        }
    }
    free(hostname);
    if (!nova)
        return;
    struct mr_novaval v;
    if (mr_novaconf_get(nova, "libvirt", "live_migration_inbound_addr", &v) && v.value &&
        !v.is_default)
        add_name(rn, v.value, "[libvirt] live_migration_inbound_addr");
    if (mr_novaconf_get(nova, "DEFAULT", "host", &v) && v.value && !v.is_default)
        add_name(rn, v.value, "nova.conf [DEFAULT] host");
}

/* ---- peers ---- */

/* This host's CA, client certificate and key, as the handshake offers them. */
struct creds {
    char *ca, *cert, *key;
};

static void read_creds(const struct mr_ctx *ctx, const char *ca, struct creds *c)
{
    size_t len;
    if (!ca || mr_root_read(ctx->root, ca, PEM_MAX, &c->ca, &len) < 0)
        c->ca = NULL;
    if (mr_root_read(ctx->root, MR_LIBVIRT_CLIENT_CERT, PEM_MAX, &c->cert, &len) < 0 ||
        mr_root_read(ctx->root, MR_LIBVIRT_CLIENT_KEY, PEM_MAX, &c->key, &len) < 0) {
        free(c->cert);
        free(c->key);
        c->cert = c->key = NULL;
    }
}

static void judge_handshake(struct mr_result *res, const struct mr_peer *p, const char *name,
                            const char *where, const struct mr_tls_result *t)
{
    struct mr_finding *f;
    char *d = t->not_after >= 0 ? mr_x509_time_str((time_t)t->not_after) : NULL;
    switch (t->state) {
    case MR_TLS_OK:
        mr_report(res, MR_PASS, "%s: a TLS handshake with libvirtd on %s succeeds as libvirt "
                  "makes it: its certificate is trusted, names %s (it names %s), and it "
                  "accepts this host's client certificate", p->name, where, name, t->names);
        break;
    case MR_TLS_REFUSED:
        f = mr_report(res, MR_FAIL, "%s refuses TLS connections on %s (\"Connection refused\"): "
                      "its libvirtd does not listen with listen_tls = 1, or does not start "
                      "(an expired or unreadable own certificate stops it)", p->name, where);
        mr_finding_remedy(f, "on %s: run 'migready check --only tls.certs,libvirt.listen' and "
                          "start libvirtd", p->name);
        break;
    case MR_TLS_TIMEOUT:
    case MR_TLS_UNREACHABLE:
        f = mr_report(res, MR_FAIL, "%s: no TLS session with libvirtd on %s within %.0f s: %s",
                      p->name, where, HANDSHAKE_TIMEOUT_MS / 1000.0, t->reason);
        mr_finding_remedy(f, "see firewall.reachability for TCP %d to %s", TLS_PORT, p->name);
        break;
    case MR_TLS_UNTRUSTED:
        if (strstr(t->reason, "expired"))
            f = mr_report(res, MR_FAIL, "%s: TLS to %s fails as libvirt's would (\"Failed to "
                          "verify peer's certificate\"): its server certificate expired on %s",
                          p->name, where, d ? d : "(unknown date)");
        else if (strstr(t->reason, "issuer") || strstr(t->reason, "not trusted"))
            f = mr_report(res, MR_FAIL, "%s: TLS to %s fails as libvirt's would (\"Failed to "
                          "verify peer's certificate\"): its server certificate is signed by "
                          "another CA than this host's (%s)", p->name, where, t->reason);
        else
            f = mr_report(res, MR_FAIL, "%s: TLS to %s fails as libvirt's would (\"Failed to "
                          "verify peer's certificate\"): %s", p->name, where, t->reason);
        mr_finding_remedy(f, "reissue %s's server certificate from this host's CA, valid now, "
                          "and restart its libvirtd", p->name);
        break;
    case MR_TLS_NAME:
        f = mr_report(res, MR_FAIL, "%s: TLS to %s fails as libvirt's would (\"%s\"): its server "
                      "certificate lacks the name %s; it names %s", p->name, where, t->reason,
                      name, t->names);
        mr_finding_remedy(f, "reissue %s's server certificate with %s among its "
                          "subjectAltNames", p->name, name);
        break;
    case MR_TLS_REJECTED:
        f = mr_report(res, MR_FAIL, "%s refused this host's client certificate (libvirt: \"%s\"): "
                      "its CA does not trust this host's, or this host's client certificate "
                      "is not valid", p->name, t->reason);
        mr_finding_remedy(f, "install on %s the CA that issued this host's client certificate "
                          "(%s), and check that certificate here", p->name,
                          MR_LIBVIRT_CLIENT_CERT);
        break;
    case MR_TLS_HANDSHAKE:
        f = mr_report(res, MR_FAIL, "%s: the TLS handshake with libvirtd on %s fails: %s",
                      p->name, where, t->reason);
        mr_finding_remedy(f, "compare the CA and certificates of both hosts (migready check "
                          "--only tls.certs on %s)", p->name);
        break;
    case MR_TLS_ERROR:
    default:
        mr_report(res, MR_ERROR, "%s: cannot try a TLS handshake with %s: %s", p->name, where,
                  t->reason);
        break;
    }
    free(d);
}

static void handshake(const struct mr_ctx *ctx, struct mr_result *res, const struct mr_peer *p,
                      const struct creds *c)
{
    const struct mr_facts *pf = p->facts;
    const char *name = mr_tls_connect_name(p->name, pf);
    char *addr = mr_ctx_resolve_first(ctx, name);
    if (!addr) {
        struct mr_finding *f = mr_report(res, MR_SKIP, "%s: no TLS handshake: %s, which this "
                                         "host connects to, does not resolve here", p->name,
                                         name);
        mr_finding_remedy(f, "fix what hosts.resolution reports for %s", p->name);
        return;
    }
    int port = pf && pf->transport && strcmp(pf->transport, "tls") == 0 && pf->libvirt_port > 0
                   ? pf->libvirt_port
                   : TLS_PORT;
    struct mr_tls_probe req = {.address = addr, .port = port, .hostname = name,
                               .ca_pem = c->ca, .cert_pem = c->cert, .key_pem = c->key,
                               .timeout_ms = HANDSHAKE_TIMEOUT_MS};
    struct mr_tls_result t = {.not_after = -1};
    char *where = strcmp(name, addr) == 0 ? mr_xasprintf("%s:%d", name, port)
                                          : mr_xasprintf("%s (%s) port %d", name, addr, port);
    int r = ctx->ops->tls_handshake(&req, &t);
    if (r < 0)
        mr_report(res, MR_ERROR, "%s: cannot try a TLS handshake with %s: %s", p->name, where,
                  strerror(-r));
    else
        judge_handshake(res, p, name, where, &t);
    free(where);
    free(addr);
}

/* The peers' side: facts compared, then a handshake with each. Only live,
 * and only when there are peers (the local part stands alone). */
static int check_peers(const struct mr_ctx *ctx, struct mr_result *res, const char *ca)
{
    if (!ctx->live || !(mr_ctx_peers_loaded(ctx) || (ctx->peers && ctx->peers[0])))
        return 0;
    struct mr_peer *const *peers = NULL;
    size_t n = 0;
    int r = mr_ctx_peer_list(ctx, &peers, &n);
    if (r < 0)
        return r;
    const struct mr_facts *own = mr_ctx_facts(ctx);
    struct creds c = {0};
    bool can_shake = ctx->ops && ctx->ops->tls_handshake;
    if (can_shake)
        read_creds(ctx, ca, &c);
    time_t now = time(NULL);
    for (size_t i = 0; i < n; i++) {
        const struct mr_peer *p = peers[i];
        struct mr_finding *f;
        if (!p->facts) {
            f = mr_report(res, MR_SKIP, "%s: CA and certificates not compared: no facts from it "
                          "(%s)", p->name, p->message ? p->message : "ssh.peers says why");
            mr_finding_remedy(f, "fix what ssh.peers reports for %s", p->name);
        } else {
            struct mr_tls_issue *v = NULL;
            size_t nv = 0;
            char *msg = NULL;
            if (mr_tls_peer_issues(own->tls, p->name, p->facts, now, &v, &nv, &msg) > 0) {
                f = mr_report(res, MR_SKIP, "%s", msg);
                mr_finding_remedy(f, "install this migready version on %s too", p->name);
            } else if (nv == 0) {
                const struct mr_facts_tls *t = p->facts->tls;
                char *sd = t->server.not_after ? mr_xstrdup(t->server.not_after) : NULL;
                mr_report(res, MR_PASS, "%s: same CA (%s), its server certificate names %s "
                          "(valid until %s), it has a client certificate", p->name,
                          t->ca_fingerprint,
                          mr_tls_connect_name(p->name, p->facts), sd ? sd : "(unknown)");
                free(sd);
            }
            for (size_t k = 0; k < nv; k++) {
                f = mr_report(res, MR_FAIL, "%s", v[k].message);
                mr_finding_remedy(f, "%s", v[k].remedy);
            }
            mr_tls_issues_free(v, nv);
            free(msg);
        }
        if (!can_shake)
            continue;
        if (!c.ca)
            mr_report(res, MR_SKIP, "%s: no TLS handshake: this host's CA certificate %s cannot "
                      "be read", p->name, ca ? ca : "(none)");
        else
            handshake(ctx, res, p, &c);
    }
    free(c.ca);
    free(c.cert);
    free(c.key);
    return 0;
}

static int site_min_days(struct run *rn)
{
    const char *s = mr_ctx_site(rn->ctx, "cert_min_days");
    rn->min_days = DEFAULT_MIN_DAYS;
    if (!s)
        return 0;
    long v;
    if (mr_parse_long(s, &v) < 0 || v < 0 || v > 36500) {
        struct mr_finding *f = mr_report(rn->res, MR_FAIL,
                                         "cert_min_days = \"%s\" in the site configuration is "
                                         "not a number of days", s);
        mr_finding_at(f, mr_ctx_site_file(rn->ctx), 0);
        mr_finding_remedy(f, "set cert_min_days in [site] of %s to a number of days (default "
                          "%d)", mr_ctx_site_file(rn->ctx), DEFAULT_MIN_DAYS);
        return -EINVAL;
    }
    rn->min_days = v;
    return 0;
}

static const char *confval(const struct mr_libvirt_conf *conf, const char *key)
{
    struct mr_confval v;
    return mr_libvirt_conf_get(conf, MR_LIBVIRTD_CONF, key, &v) ? v.value : NULL;
}

static int run_certs(const struct mr_ctx *ctx, struct mr_result *res)
{
    struct run rn = {.ctx = ctx, .res = res, .now = time(NULL)};
    const struct mr_libvirt_conf *conf;
    const struct mr_novaconf *nova = NULL;
    const char *msg = NULL;

    if (mr_ctx_libvirt_files(ctx, MR_LIBVIRT_FILE(MR_LIBVIRTD_CONF) |
                                      MR_LIBVIRT_FILE(MR_QEMU_CONF),
                             &conf, &msg) < 0) {
        mr_report(res, MR_ERROR, "%s", msg ? msg : "cannot read the libvirt configuration");
        return 0;
    }
    if (mr_ctx_nova(ctx, &nova, &msg) < 0) {
        mr_report(res, MR_WARN, "%s: the names peers use from nova.conf are not checked",
                  msg ? msg : "cannot read nova.conf");
        nova = NULL;
    }
    site_min_days(&rn);
    collect_names(&rn, nova);

    /* libvirt: libvirtd.conf's files for the server; the client side (the
     * source's libvirtd, as Nova migrates peer to peer) has fixed paths. */
    const char *libvirtd = mr_libvirt_conf_daemon(conf);
    struct pki lv = {
        .what = "libvirt",
        .ca = confval(conf, "ca_file"),
        .pairs = {
            {"server", MR_X509_USE_SERVER, confval(conf, "cert_file"), confval(conf, "key_file")},
            {"client", MR_X509_USE_CLIENT, MR_LIBVIRT_CLIENT_CERT, MR_LIBVIRT_CLIENT_KEY},
        },
        .reader = {.who = libvirtd, .user = NULL, .group = "root"},
        .remedy_dir = "/etc/pki",
    };
    check_pki(&rn, &lv);

    if (nova && mr_novaconf_bool(nova, "libvirt", "live_migration_with_native_tls")) {
        const char *dir = mr_libvirt_migrate_tls_dir(conf, ctx->root, NULL);
        char *ca = mr_xasprintf("%s/ca-cert.pem", dir);
        char *sc = mr_xasprintf("%s/server-cert.pem", dir);
        char *sk = mr_xasprintf("%s/server-key.pem", dir);
        char *cc = mr_xasprintf("%s/client-cert.pem", dir);
        char *ck = mr_xasprintf("%s/client-key.pem", dir);
        const char *quser = mr_libvirt_conf_qemu_user(conf);
        char *who = mr_xasprintf("QEMU (user %s)", quser);
        struct pki q = {
            .what = "QEMU-native TLS",
            .ca = ca,
            .pairs = {
                {"server", MR_X509_USE_SERVER, sc, sk},
                {"client", MR_X509_USE_CLIENT, cc, ck},
            },
            .reader = {.who = who, .user = quser, .group = mr_libvirt_conf_qemu_group(conf)},
            .remedy_dir = dir,
        };
        check_pki(&rn, &q);
        free(who);
        free(ca);
        free(sc);
        free(sk);
        free(cc);
        free(ck);
    }
    mr_strv_free(rn.names);
    mr_strv_free(rn.whys);
    return check_peers(ctx, res, lv.ca);
}

const struct mr_check mr_check_tls_certs = {
    .id = "tls.certs",
    .title = "TLS certificates and keys (libvirt, QEMU-native TLS)",
    .optional = true,
    .run = run_certs,
};
