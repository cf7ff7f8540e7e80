/* The TLS handshake of tls.certs (src/live/tlsprobe.c) against a server on
 * 127.0.0.1 that answers as libvirtd does: it asks for a client certificate,
 * verifies it against its CA and sends one confirmation byte only when it
 * passes (virNetServerClient; the client side is virNetClientSetTLSSession).
 * Certificates come from certtool at test time (tests/mkpki). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <gnutls/gnutls.h>

#include "migready.h"
#include "ops.h"
#include "testutil.h"
#include "tlsprobe.h"

struct pki {
    char *dir;
};

static char *slurp(const char *dir, const char *file)
{
    char *p = mr_xasprintf("%s/%s", dir, file);
    FILE *fp = fopen(p, "r");
    if (!fp)
        fail_msg("cannot open %s", p);
    char *buf = mr_xcalloc(1, 65536);
    size_t n = fread(buf, 1, 65535, fp);
    buf[n] = '\0';
    fclose(fp);
    free(p);
    return buf;
}

static void mkpki(const char *dir, const char *args)
{
    char *script = mr_test_path("mkpki");
    char *cmd = mr_xasprintf("%s %s %s", script, dir, args);
    if (system(cmd) != 0)
        fail_msg("%s failed", cmd);
    free(cmd);
    free(script);
}

/* One PKI for every case: CA "ca" and a foreign "ca2"; hv2's server
 * certificates good, expired, from ca2; clients from ca and ca2. */
static int group_setup(void **state)
{
    struct pki *p = mr_xcalloc(1, sizeof(*p));
    p->dir = mr_test_scratch();
    mkpki(p->dir, "ca");
    mkpki(p->dir, "ca2");
    mkpki(p->dir, "ca server server 'dns_name = \"hv2\"' 'ip_address = \"127.0.0.1\"'");
    mkpki(p->dir, "ca expired server 'dns_name = \"hv2\"' "
                  "'activation_date = \"2020-01-01 00:00:00 UTC\"' "
                  "'expiration_date = \"2021-01-01 00:00:00 UTC\"'");
    mkpki(p->dir, "ca2 foreign server 'dns_name = \"hv2\"'");
    mkpki(p->dir, "ca client client");
    mkpki(p->dir, "ca2 client2 client");
    *state = p;
    return 0;
}

static int group_teardown(void **state)
{
    struct pki *p = *state;
    mr_test_rmtree(p->dir);
    free(p->dir);
    free(p);
    return 0;
}

/* A libvirtd-like TLS server for one connection. */
struct server {
    int lfd;
    int port;
    char *ca, *cert, *key; /* PEM text */
    pthread_t thread;
};

static void *serve(void *arg)
{
    struct server *sv = arg;
    int fd = accept(sv->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    gnutls_certificate_credentials_t cred;
    gnutls_session_t s;
    gnutls_certificate_allocate_credentials(&cred);
    gnutls_datum_t ca = {(unsigned char *)sv->ca, (unsigned)strlen(sv->ca)};
    gnutls_datum_t c = {(unsigned char *)sv->cert, (unsigned)strlen(sv->cert)};
    gnutls_datum_t k = {(unsigned char *)sv->key, (unsigned)strlen(sv->key)};
    gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
    gnutls_certificate_set_x509_key_mem(cred, &c, &k, GNUTLS_X509_FMT_PEM);
    gnutls_init(&s, GNUTLS_SERVER);
    gnutls_set_default_priority(s);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    /* libvirt asks, then refuses what does not verify (virNetTLSSessionNew). */
    gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
    gnutls_transport_set_int(s, fd);
    int r;
    do {
        r = gnutls_handshake(s);
    } while (r < 0 && !gnutls_error_is_fatal(r));
    if (r == 0) {
        unsigned status = 0;
        unsigned n = 0;
        if (gnutls_certificate_verify_peers2(s, &status) == 0 && status == 0 &&
            gnutls_certificate_get_peers(s, &n) && n > 0) {
            char one = 1;
            gnutls_record_send(s, &one, 1);
            char buf[16];
            gnutls_record_recv(s, buf, sizeof(buf)); /* until the client closes */
        }
    }
    gnutls_deinit(s);
    gnutls_certificate_free_credentials(cred);
    close(fd);
    return NULL;
}

static struct server *server_start(const struct pki *p, const char *ca, const char *name)
{
    struct server *sv = mr_xcalloc(1, sizeof(*sv));
    char *f = mr_xasprintf("%s.pem", ca);
    sv->ca = slurp(p->dir, f);
    free(f);
    f = mr_xasprintf("%s.pem", name);
    sv->cert = slurp(p->dir, f);
    free(f);
    f = mr_xasprintf("%s.key", name);
    sv->key = slurp(p->dir, f);
    free(f);
    sv->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(sv->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(sv->lfd, 1), 0);
    assert_int_equal(getsockname(sv->lfd, (struct sockaddr *)&a, &len), 0);
    sv->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&sv->thread, NULL, serve, sv), 0);
    return sv;
}

static void server_stop(struct server *sv)
{
    pthread_join(sv->thread, NULL);
    close(sv->lfd);
    free(sv->ca);
    free(sv->cert);
    free(sv->key);
    free(sv);
}

/* Our side offers CLIENT's certificate (NULL: none) and trusts the CA "ca". */
static void shake(const struct pki *p, const struct server *sv, int port, const char *host,
                  const char *client, struct mr_tls_result *res)
{
    char *ca = slurp(p->dir, "ca.pem");
    char *cert = NULL, *key = NULL;
    if (client) {
        char *f = mr_xasprintf("%s.pem", client);
        cert = slurp(p->dir, f);
        free(f);
        f = mr_xasprintf("%s.key", client);
        key = slurp(p->dir, f);
        free(f);
    }
    struct mr_tls_probe req = {.address = "127.0.0.1", .port = sv ? sv->port : port,
                               .hostname = host, .ca_pem = ca, .cert_pem = cert,
                               .key_pem = key, .timeout_ms = 5000};
    assert_int_equal(mr_tls_probe_run(&req, res), 0);
    free(ca);
    free(cert);
    free(key);
}

static void test_ok(void **state)
{
    struct mr_tls_result res;
    struct server *sv = server_start(*state, "ca", "server");
    shake(*state, sv, 0, "hv2", "client", &res);
    server_stop(sv);
    assert_string_equal(mr_tls_state_name(res.state), "ok");
    assert_non_null(strstr(res.names, "DNS:hv2"));
    assert_non_null(strstr(res.names, "IP:127.0.0.1"));
}

static void test_name(void **state)
{
    struct mr_tls_result res;
    struct server *sv = server_start(*state, "ca", "server");
    shake(*state, sv, 0, "hv2.example.org", "client", &res);
    server_stop(sv);
    assert_string_equal(mr_tls_state_name(res.state), "name");
    assert_string_equal(res.reason,
                        "Certificate [session] owner does not match the hostname "
                        "hv2.example.org");
}

static void test_expired(void **state)
{
    struct mr_tls_result res;
    struct server *sv = server_start(*state, "ca", "expired");
    shake(*state, sv, 0, "hv2", "client", &res);
    server_stop(sv);
    assert_string_equal(mr_tls_state_name(res.state), "untrusted");
    assert_non_null(strstr(res.reason, "expired"));
    assert_true(res.not_after == 1609459200LL); /* 2021-01-01 00:00:00 UTC */
}

static void test_other_ca(void **state)
{
    struct mr_tls_result res;
    struct server *sv = server_start(*state, "ca2", "foreign");
    shake(*state, sv, 0, "hv2", "client2", &res);
    server_stop(sv);
    assert_string_equal(mr_tls_state_name(res.state), "untrusted");
    assert_non_null(strstr(res.reason, "issuer"));
}

static void test_no_client_cert(void **state)
{
    struct mr_tls_result res;
    struct server *sv = server_start(*state, "ca", "server");
    shake(*state, sv, 0, "hv2", NULL, &res);
    server_stop(sv);
    assert_string_equal(mr_tls_state_name(res.state), "rejected");
    assert_non_null(strstr(res.reason, "Unable to read TLS confirmation"));
}

/* The server trusts only ca2: our client certificate (from ca) is refused. */
static void test_client_refused(void **state)
{
    struct mr_tls_result res;
    struct pki *p = *state;
    struct server *sv = server_start(p, "ca2", "server");
    shake(p, sv, 0, "hv2", "client", &res);
    server_stop(sv);
    assert_string_equal(mr_tls_state_name(res.state), "rejected");
}

static void test_refused(void **state)
{
    struct mr_tls_result res;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    /* Bound but not listening: refused; kept bound so that our own connect
     * cannot pick it as its source port and meet itself. */
    shake(*state, NULL, ntohs(a.sin_port), "hv2", "client", &res);
    close(fd);
    assert_string_equal(mr_tls_state_name(res.state), "refused");
    assert_string_equal(res.reason, "Connection refused");
}

int main(void)
{
    if (system("command -v certtool >/dev/null 2>&1") != 0) {
        fprintf(stderr, "certtool not found (gnutls-bin): skipped\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok),
        cmocka_unit_test(test_name),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_other_ca),
        cmocka_unit_test(test_no_client_cert),
        cmocka_unit_test(test_client_refused),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
