/* tls.certs on a root whose PKI is made at test time with GnuTLS's certtool
 * (tests/mkpki): no key is committed and no fixture expires. Each case
 * changes one thing of a good PKI and asserts what the user reads. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks.h"
#include "ctx.h"
#include "engine.h"
#include "facts.h"
#include "migready.h"
#include "ops.h"
#include "peers.h"
#include "registry.h"
#include "testutil.h"

#define CA "/etc/pki/CA/cacert.pem"
#define SCERT "/etc/pki/libvirt/servercert.pem"
#define SKEY "/etc/pki/libvirt/private/serverkey.pem"
#define CCERT "/etc/pki/libvirt/clientcert.pem"
#define CKEY "/etc/pki/libvirt/private/clientkey.pem"

/* The names hv1 is reached by (tests/roots/tls-pki): its name, its FQDN
 * (/etc/hosts), live_migration_inbound_addr and [DEFAULT] host. */
static const char *const good_names[] = {"dns_name = \"hv1\"", "dns_name = \"hv1.example.org\"",
                                         "ip_address = \"192.0.2.11\"", NULL};

struct tfix {
    struct mr_test_fixture *f;
    char *pki; /* scratch folder of certtool's output */
};

static void mkpki(struct tfix *t, const char *ca, const char *name, const char *kind,
                  const char *const *lines)
{
    char *script = mr_test_path("mkpki");
    char *cmd = mr_xasprintf("%s %s %s", script, t->pki, ca);
    free(script);
    if (name) {
        char *c = mr_xasprintf("%s %s %s", cmd, name, kind);
        free(cmd);
        cmd = c;
        for (size_t i = 0; lines && lines[i]; i++) {
            char *q = mr_shell_quote(lines[i]);
            c = mr_xasprintf("%s %s", cmd, q);
            free(q);
            free(cmd);
            cmd = c;
        }
    }
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("%s: exit %d", cmd, rc);
    free(cmd);
}

/* Copies certtool's FILE into the root at PATH with MODE. */
static void install(struct tfix *t, const char *file, const char *path, mode_t mode)
{
    char *src = mr_xasprintf("%s/%s", t->pki, file);
    FILE *fp = fopen(src, "r");
    if (!fp)
        fail_msg("cannot open %s", src);
    char buf[16384];
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    mr_test_write(t->f->dir, path, buf);
    char *dst = mr_xasprintf("%s%s", t->f->dir, path);
    assert_int_equal(chmod(dst, mode), 0);
    free(dst);
    free(src);
}

static int setup(void **state)
{
    struct tfix *t = mr_xcalloc(1, sizeof(*t));
    t->f = mr_test_fixture_new("tls-pki");
    t->pki = mr_test_scratch();
    mkpki(t, "ca", NULL, NULL, NULL);
    mkpki(t, "ca", "server", "server", good_names);
    mkpki(t, "ca", "client", "client", NULL);
    install(t, "ca.pem", CA, 0644);
    install(t, "server.pem", SCERT, 0644);
    install(t, "server.key", SKEY, 0600);
    install(t, "client.pem", CCERT, 0644);
    install(t, "client.key", CKEY, 0600);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct tfix *t = *state;
    mr_test_fixture_free(t->f);
    mr_test_rmtree(t->pki);
    free(t->pki);
    free(t);
    return 0;
}

static const struct mr_result *run(struct tfix *t)
{
    const char *profiles[] = {"tls", NULL};
    struct mr_test_fixture *f = t->f;
    mr_result_clear(&f->res);
    mr_ctx_free(f->ctx);
    f->ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(f->dir, profiles, f->site, &f->ctx), 0);
    f->res.check = &mr_check_tls_certs;
    assert_int_equal(mr_check_tls_certs.run(f->ctx, &f->res), 0);
    return &f->res;
}

/* A finding of status ST containing NEEDLE, placed at FILE, with a remedy. */
static const struct mr_finding *expect(const struct mr_result *r, enum mr_status st,
                                       const char *needle, const char *file)
{
    mr_test_assert_status(r, st);
    const struct mr_finding *fi = mr_test_finding(r, needle);
    assert_int_equal(fi->status, st);
    assert_non_null(fi->file);
    assert_string_equal(fi->file, file);
    if (st != MR_PASS)
        assert_non_null(fi->remedy);
    return fi;
}

static void test_good(void **state)
{
    struct tfix *t = *state;
    const struct mr_result *r = run(t);
    const struct mr_finding *fi =
        expect(r, MR_PASS, "libvirt server certificate " SCERT ": signed by " CA, SCERT);
    assert_non_null(strstr(fi->message, "names DNS:hv1, DNS:hv1.example.org, IP:192.0.2.11"));
    fi = mr_test_finding(r, "libvirt client certificate " CCERT ": signed by " CA);
    assert_int_equal(fi->status, MR_PASS);
    assert_int_equal(r->n_findings, 2);
}

static void test_lacks_name(void **state)
{
    struct tfix *t = *state;
    const char *const lines[] = {"dns_name = \"hv1\"", "ip_address = \"192.0.2.11\"", NULL};
    mkpki(t, "ca", "server", "server", lines);
    install(t, "server.pem", SCERT, 0644);
    install(t, "server.key", SKEY, 0600);
    const struct mr_finding *fi =
        expect(run(t), MR_FAIL, "lacks the name hv1.example.org (this host's FQDN)", SCERT);
    assert_non_null(strstr(fi->remedy, "dns_name = \"hv1.example.org\""));
    /* The names it has are named too, and only the missing one fails. */
    assert_non_null(strstr(fi->message, "it names DNS:hv1, IP:192.0.2.11"));
    for (size_t i = 0; i < t->f->res.n_findings; i++)
        assert_null(strstr(t->f->res.findings[i].message, "lacks the name hv1 "));
}

/* Without a subjectAltName the CN is the name GnuTLS (and so libvirt) matches. */
static void test_cn_only(void **state)
{
    struct tfix *t = *state;
    mr_test_write(t->f->dir, "/etc/nova/nova.conf", "[libvirt]\nlive_migration_scheme = tls\n");
    mr_test_write(t->f->dir, "/etc/hosts", "127.0.0.1 localhost\n");
    mkpki(t, "ca", "hv1", "server", NULL);
    install(t, "hv1.pem", SCERT, 0644);
    install(t, "hv1.key", SKEY, 0600);
    expect(run(t), MR_PASS, "names CN:hv1", SCERT);
    mr_test_write(t->f->dir, "/etc/hostname", "hv9\n");
    expect(run(t), MR_FAIL, "lacks the name hv9 (this host's name)", SCERT);
}

static void test_inbound_addr(void **state)
{
    struct tfix *t = *state;
    mr_test_write(t->f->dir, "/etc/nova/nova.conf",
                  "[DEFAULT]\nhost = hv1.example.org\n[libvirt]\nlive_migration_scheme = tls\n"
                  "live_migration_inbound_addr = 198.51.100.7\n");
    expect(run(t), MR_FAIL, "lacks the name 198.51.100.7 ([libvirt] live_migration_inbound_addr)",
           SCERT);
    mr_test_write(t->f->dir, "/etc/nova/nova.conf",
                  "[DEFAULT]\nhost = compute-1.example.org\n");
    expect(run(t), MR_FAIL, "lacks the name compute-1.example.org (nova.conf [DEFAULT] host)",
           SCERT);
}

static void test_expired(void **state)
{
    struct tfix *t = *state;
    const char *const lines[] = {"dns_name = \"hv1\"", "dns_name = \"hv1.example.org\"",
                                 "ip_address = \"192.0.2.11\"",
                                 "activation_date = \"2020-01-01 00:00:00 UTC\"",
                                 "expiration_date = \"2021-01-01 00:00:00 UTC\"", NULL};
    mkpki(t, "ca", "server", "server", lines);
    install(t, "server.pem", SCERT, 0644);
    install(t, "server.key", SKEY, 0600);
    expect(run(t), MR_FAIL, "libvirt server certificate " SCERT " expired on 2021-01-01 00:00 UTC",
           SCERT);
}

static void test_min_days(void **state)
{
    struct tfix *t = *state;
    const char *const lines[] = {"dns_name = \"hv1\"", "dns_name = \"hv1.example.org\"",
                                 "ip_address = \"192.0.2.11\"", "expiration_days = 10", NULL};
    mkpki(t, "ca", "client", "client", lines);
    install(t, "client.pem", CCERT, 0644);
    install(t, "client.key", CKEY, 0600);
    /* The default, 30 days. */
    expect(run(t), MR_WARN, "fewer than the 30 days of cert_min_days", CCERT);
    mr_test_fixture_site(t->f, "[site]\ncert_min_days = 5\n");
    expect(run(t), MR_PASS, "libvirt client certificate", CCERT);
    mr_test_fixture_site(t->f, "[site]\ncert_min_days = 60\n");
    expect(run(t), MR_WARN, "days: fewer than the 60 days of cert_min_days", CCERT);
    mr_test_fixture_site(t->f, "[site]\ncert_min_days = soon\n");
    expect(run(t), MR_FAIL, "cert_min_days = \"soon\"", t->f->site);
}

static void test_key_mismatch(void **state)
{
    struct tfix *t = *state;
    install(t, "client.key", SKEY, 0600);
    expect(run(t), MR_FAIL, "server private key " SKEY " does not match the certificate " SCERT,
           SKEY);
}

static void test_other_ca(void **state)
{
    struct tfix *t = *state;
    mkpki(t, "other", NULL, NULL, NULL);
    mkpki(t, "other", "server", "server", good_names);
    install(t, "server.pem", SCERT, 0644);
    install(t, "server.key", SKEY, 0600);
    const struct mr_finding *fi =
        expect(run(t), MR_FAIL, "server certificate " SCERT " is not signed by the CA in " CA,
               SCERT);
    /* GnuTLS's own words for the chain error. */
    assert_non_null(strstr(fi->message, "issuer is unknown"));
}

/* libvirt reads a key of any mode: a key others can read is a warn. */
static void test_key_mode(void **state)
{
    struct tfix *t = *state;
    install(t, "server.key", SKEY, 0644);
    const struct mr_finding *fi = expect(run(t), MR_WARN, "has mode 0644", SKEY);
    assert_string_equal(fi->remedy, "chmod 0600 " SKEY);
}

static void test_missing(void **state)
{
    struct tfix *t = *state;
    char *p = mr_xasprintf("%s%s", t->f->dir, CKEY);
    assert_int_equal(unlink(p), 0);
    free(p);
    expect(run(t), MR_FAIL, "client private key " CKEY " does not exist", CKEY);
}

/* libvirtd.conf's cert_file, key_file and ca_file are where libvirt looks. */
static void test_conf_paths(void **state)
{
    struct tfix *t = *state;
    mr_test_write(t->f->dir, "/etc/libvirt/libvirtd.conf",
                  "listen_tls = 1\ncert_file = \"/srv/pki/hv1.pem\"\n"
                  "key_file = \"/srv/pki/hv1.key\"\nca_file = \"/srv/pki/ca.pem\"\n");
    expect(run(t), MR_FAIL, "libvirt CA certificate /srv/pki/ca.pem does not exist",
           "/srv/pki/ca.pem");
    install(t, "ca.pem", "/srv/pki/ca.pem", 0644);
    install(t, "server.pem", "/srv/pki/hv1.pem", 0644);
    install(t, "server.key", "/srv/pki/hv1.key", 0600);
    expect(run(t), MR_PASS, "libvirt server certificate /srv/pki/hv1.pem", "/srv/pki/hv1.pem");
}

/* A client certificate where the server's belongs: its purpose is not a
 * server's (certtool's extension is not critical: libvirt warns). */
static void test_usage(void **state)
{
    struct tfix *t = *state;
    mkpki(t, "ca", "wrong", "client", good_names);
    install(t, "wrong.pem", SCERT, 0644);
    install(t, "wrong.key", SKEY, 0600);
    expect(run(t), MR_WARN, "lacks TLS Web Server Authentication", SCERT);
}

/* QEMU's files, with live_migration_with_native_tls: the QEMU process (user
 * libvirt-qemu) must read its key. */
static void test_native_tls(void **state)
{
    struct tfix *t = *state;
    mr_test_write(t->f->dir, "/etc/nova/nova.conf",
                  "[DEFAULT]\nhost = hv1.example.org\n[libvirt]\nlive_migration_scheme = tls\n"
                  "live_migration_with_native_tls = true\n");
    expect(run(t), MR_FAIL, "QEMU-native TLS CA certificate /etc/pki/qemu/ca-cert.pem does "
           "not exist", "/etc/pki/qemu/ca-cert.pem");
    install(t, "ca.pem", "/etc/pki/qemu/ca-cert.pem", 0644);
    install(t, "server.pem", "/etc/pki/qemu/server-cert.pem", 0644);
    install(t, "server.key", "/etc/pki/qemu/server-key.pem", 0600);
    install(t, "client.pem", "/etc/pki/qemu/client-cert.pem", 0644);
    install(t, "client.key", "/etc/pki/qemu/client-key.pem", 0600);
    if (getuid() == 64055)
        skip();
    expect(run(t), MR_FAIL, "/etc/pki/qemu/server-key.pem (mode 0600) cannot be read by QEMU "
           "(user libvirt-qemu)", "/etc/pki/qemu/server-key.pem");
    if (!mr_test_is_root())
        return;
    /* 0640 root:libvirt-qemu, as Nova's guide installs them. */
    const char *keys[] = {"/etc/pki/qemu/server-key.pem", "/etc/pki/qemu/client-key.pem"};
    for (size_t i = 0; i < 2; i++) {
        char *p = mr_xasprintf("%s%s", t->f->dir, keys[i]);
        assert_int_equal(chown(p, 0, 64055), 0);
        assert_int_equal(chmod(p, 0640), 0);
        free(p);
    }
    expect(run(t), MR_PASS, "QEMU-native TLS server certificate /etc/pki/qemu/server-cert.pem",
           "/etc/pki/qemu/server-cert.pem");
}

/* The tls transport profile runs the check; tcp leaves it out. */
static void test_profile(void **state)
{
    struct tfix *t = *state;
    const char *tls[] = {"tls", NULL}, *tcp[] = {"tcp", NULL};
    char *only[] = {"tls.certs", NULL};
    struct mr_select sel = {.only = only};
    for (int i = 0; i < 2; i++) {
        struct mr_ctx *ctx = NULL;
        assert_int_equal(mr_ctx_new_for_test(t->f->dir, i ? tcp : tls, NULL, &ctx), 0);
        struct mr_run *r = mr_run_checks(ctx, &sel, false);
        assert_int_equal(r->n, 1);
        assert_int_equal(r->results[0].status, i ? MR_SKIP : MR_PASS);
        mr_run_free(r);
        mr_ctx_free(ctx);
    }
}

/* ---- facts and peers ---- */

static struct mr_facts *own_facts(struct tfix *t)
{
    run(t);
    struct mr_facts *f = NULL;
    assert_int_equal(mr_facts_collect(t->f->ctx, &f), 0);
    return f;
}

/* facts carry the CA's fingerprint and each certificate's names and expiry,
 * and travel through JSON; "tls" absent (an older migready) is told from null. */
static void test_facts(void **state)
{
    struct tfix *t = *state;
    struct mr_facts *f = own_facts(t);
    assert_true(f->tls_known);
    assert_non_null(f->tls);
    assert_int_equal(strncmp(f->tls->ca_fingerprint, "sha256:", 7), 0);
    assert_int_equal(strlen(f->tls->ca_fingerprint), 7 + 64);
    assert_true(f->tls->server.present);
    assert_string_equal(f->tls->server.names[0], "hv1");
    assert_string_equal(f->tls->server.names[2], "192.0.2.11");
    assert_int_equal(strlen(f->tls->server.not_after), 20); /* 2026-01-01T00:00:00Z */
    assert_true(f->tls->client.present);
    char *json = mr_facts_to_json(f);
    assert_null(strstr(json, "PRIVATE"));
    struct mr_facts *g = NULL;
    char *msg = NULL;
    assert_int_equal(mr_facts_from_json(json, &g, &msg), 0);
    assert_true(g->tls_known);
    assert_string_equal(g->tls->ca_fingerprint, f->tls->ca_fingerprint);
    assert_string_equal(g->tls->server.not_after, f->tls->server.not_after);
    assert_string_equal(g->tls->server.names[1], "hv1.example.org");
    mr_facts_free(g);
    assert_int_equal(mr_facts_from_json("{\"tool\": \"migready\"}", &g, &msg), 0);
    assert_false(g->tls_known);
    mr_facts_free(g);
    assert_int_equal(mr_facts_from_json("{\"tool\": \"migready\", \"tls\": null}", &g, &msg), 0);
    assert_true(g->tls_known);
    assert_null(g->tls);
    mr_facts_free(g);
    free(json);
    mr_facts_free(f);
}

static struct mr_tls_result stub_tls;

static int stub_handshake(const struct mr_tls_probe *req, struct mr_tls_result *ret)
{
    assert_true(strcmp(req->address, "192.0.2.12") == 0 ||
                strcmp(req->address, "192.0.2.99") == 0);
    assert_int_equal(req->port, 16514);
    assert_non_null(req->ca_pem);
    assert_non_null(req->cert_pem);
    *ret = stub_tls;
    return 0;
}

static int stub_resolve(const char *name, char ***ret)
{
    if (strcmp(name, "hv2") != 0)
        return -ENOENT;
    *ret = mr_xcalloc(2, sizeof(char *));
    (*ret)[0] = mr_xstrdup("192.0.2.12");
    return 0;
}

static const struct mr_ops peer_ops = {.resolve = stub_resolve,
                                       .tls_handshake = stub_handshake};

/* hv2's facts: this host's, renamed, with its own server certificate names. */
static struct mr_facts *hv2_facts(const struct mr_facts *own)
{
    char *json = mr_facts_to_json(own);
    struct mr_facts *g = NULL;
    char *msg = NULL;
    assert_int_equal(mr_facts_from_json(json, &g, &msg), 0);
    free(json);
    free(g->nova_host);
    g->nova_host = mr_xstrdup("hv2");
    free(g->live_migration_inbound_addr);
    g->live_migration_inbound_addr = NULL;
    g->nova_addrs_known = true;
    mr_strv_free(g->tls->server.names);
    g->tls->server.names = mr_split_list("hv2, 192.0.2.12");
    return g;
}

/* tls.certs live with hv2 whose facts are PF, the handshake STATE; the new
 * context owns OWN and PF (get new ones for the next run). */
static const struct mr_result *run_peer(struct tfix *t, struct mr_facts *own, struct mr_facts *pf,
                                        enum mr_tls_state st, const char *reason)
{
    const char *profiles[] = {"tls", NULL};
    struct mr_test_fixture *f = t->f;
    mr_result_clear(&f->res);
    mr_ctx_free(f->ctx);
    f->ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(f->dir, profiles, f->site, &f->ctx), 0);
    f->ctx->live = true;
    f->ctx->ops = &peer_ops;
    mr_ctx_set_facts(f->ctx, own);
    struct mr_peer **peers = mr_xcalloc(1, sizeof(*peers));
    peers[0] = mr_xcalloc(1, sizeof(**peers));
    peers[0]->name = mr_xstrdup("hv2");
    peers[0]->address = mr_xstrdup("192.0.2.12");
    peers[0]->facts = pf;
    mr_ctx_set_peers(f->ctx, peers, 1);
    stub_tls = (struct mr_tls_result){.state = st, .not_after = 1609459200LL};
    snprintf(stub_tls.reason, sizeof(stub_tls.reason), "%s", reason);
    snprintf(stub_tls.names, sizeof(stub_tls.names), "DNS:hv2, IP:192.0.2.12");
    f->res.check = &mr_check_tls_certs;
    assert_int_equal(mr_check_tls_certs.run(f->ctx, &f->res), 0);
    return &f->res;
}

static void peer_expect(const struct mr_result *r, enum mr_status st, const char *needle)
{
    const struct mr_finding *fi = mr_test_finding(r, needle);
    if (fi->status != st)
        mr_test_dump(r);
    assert_int_equal(fi->status, st);
    if (st == MR_FAIL)
        assert_non_null(fi->remedy);
}

static void test_peer_good(void **state)
{
    struct tfix *t = *state;
    struct mr_facts *own = own_facts(t);
    const struct mr_result *r = run_peer(t, own, hv2_facts(own), MR_TLS_OK, "");
    peer_expect(r, MR_PASS, "hv2: same CA (sha256:");
    peer_expect(r, MR_PASS, "hv2: a TLS handshake with libvirtd on hv2 (192.0.2.12) port 16514 "
                            "succeeds");
}

static void test_peer_other_ca(void **state)
{
    struct tfix *t = *state;
    struct mr_facts *own = own_facts(t);
    struct mr_facts *pf = hv2_facts(own);
    free(pf->tls->ca_fingerprint);
    pf->tls->ca_fingerprint = mr_xstrdup("sha256:00");
    const struct mr_result *r = run_peer(t, own, pf, MR_TLS_UNTRUSTED,
                                         "The certificate issuer is unknown.");
    mr_test_assert_status(r, MR_FAIL);
    peer_expect(r, MR_FAIL, "hv2 trusts another CA (sha256:00) than this host");
    peer_expect(r, MR_FAIL, "(\"Failed to verify peer's certificate\"): its server certificate "
                            "is signed by another CA");
}

static void test_peer_name(void **state)
{
    struct tfix *t = *state;
    struct mr_facts *own = own_facts(t);
    struct mr_facts *pf = hv2_facts(own);
    mr_strv_free(pf->tls->server.names);
    pf->tls->server.names = mr_split_list("hv2.example.org");
    const struct mr_result *r =
        run_peer(t, own, pf, MR_TLS_NAME,
                 "Certificate [session] owner does not match the hostname hv2");
    peer_expect(r, MR_FAIL, "hv2's server certificate lacks the name hv2, which this host "
                            "connects to");
    peer_expect(r, MR_FAIL, "owner does not match the hostname hv2\"): its server certificate "
                            "lacks the name hv2");
    /* Nova connects to the inbound address when it is set: that name counts. */
    own = own_facts(t); /* the context owned the last ones */
    pf = hv2_facts(own);
    pf->live_migration_inbound_addr = mr_xstrdup("192.0.2.99");
    r = run_peer(t, own, pf, MR_TLS_OK, "");
    peer_expect(r, MR_FAIL, "hv2's server certificate lacks the name 192.0.2.99");
    peer_expect(r, MR_PASS, "hv2: a TLS handshake with libvirtd on 192.0.2.99:16514");
}

static void test_peer_expired_no_client(void **state)
{
    struct tfix *t = *state;
    struct mr_facts *own = own_facts(t);
    struct mr_facts *pf = hv2_facts(own);
    free(pf->tls->server.not_after);
    pf->tls->server.not_after = mr_xstrdup("2021-01-01T00:00:00Z");
    pf->tls->client.present = false;
    const struct mr_result *r = run_peer(t, own, pf, MR_TLS_REFUSED, "Connection refused");
    peer_expect(r, MR_FAIL, "hv2's server certificate expired on 2021-01-01 00:00 UTC");
    peer_expect(r, MR_FAIL, "hv2 has no client certificate: it cannot migrate back");
    peer_expect(r, MR_FAIL, "hv2 refuses TLS connections on hv2 (192.0.2.12) port 16514 "
                            "(\"Connection refused\")");
    own = own_facts(t);
    pf = hv2_facts(own);
    r = run_peer(t, own, pf, MR_TLS_UNTRUSTED, "The certificate has expired.");
    peer_expect(r, MR_FAIL, "its server certificate expired on 2021-01-01 00:00 UTC");
    own = own_facts(t);
    pf = hv2_facts(own);
    r = run_peer(t, own, pf, MR_TLS_REJECTED, "Unable to read TLS confirmation: the peer closed");
    peer_expect(r, MR_FAIL, "hv2 refused this host's client certificate (libvirt: \"Unable to "
                            "read TLS confirmation");
}

/* Facts of an older migready: the comparison is a skip naming the field. */
static void test_peer_old_facts(void **state)
{
    struct tfix *t = *state;
    struct mr_facts *own = own_facts(t);
    struct mr_facts *pf = hv2_facts(own);
    pf->tls_known = false;
    mr_facts_tls_free(pf->tls);
    pf->tls = NULL;
    const struct mr_result *r = run_peer(t, own, pf, MR_TLS_OK, "");
    peer_expect(r, MR_SKIP, "hv2: CA and certificates not compared: its facts lack the field "
                            "\"tls\"");
}

int main(void)
{
    if (system("command -v certtool >/dev/null") != 0) {
        fprintf(stderr, "certtool not found (apt-get install gnutls-bin): skipped\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lacks_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cn_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inbound_addr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_min_days, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_ca, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conf_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_native_tls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_facts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_other_ca, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_expired_no_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_old_facts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
