/* A TLS handshake with a peer's libvirtd, judged as libvirt's own client
 * judges it, so that each failure comes out as the error a migration would
 * give, but in words and before any migration.
 *
 * libvirt (src/rpc/virnettlscontext.c, virNetTLSContextValidCertificate,
 * called by virNetTLSContextCheckCertificate after the handshake):
 * gnutls_certificate_verify_peers2() against the CA, then each certificate's
 * times (virNetTLSContextCheckCertTimes), then the first certificate's
 * owner against the host name of the URI (virNetTLSContextCheckCertDN,
 * gnutls_x509_crt_check_hostname). The first two end in "Failed to verify
 * peer's certificate", the last in "Certificate [session] owner does not
 * match the hostname NAME". The server side does the same to our client
 * certificate and, only when it passes, sends one byte; the client reads
 * it (src/rpc/virnetclient.c, virNetClientSetTLSSession) and otherwise
 * fails with "Unable to read TLS confirmation". We do all of that, nothing
 * more: the connection closes after the byte, before any RPC. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "migready.h"
#include "ops.h"
#include "tcpprobe.h"
#include "tlsprobe.h"

static void say(struct mr_tls_result *res, enum mr_tls_state st, const char *fmt, ...)
    MR_PRINTF(3, 4);

static void say(struct mr_tls_result *res, enum mr_tls_state st, const char *fmt, ...)
{
    va_list ap;
    res->state = st;
    va_start(ap, fmt);
    vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
    va_end(ap);
}

/* Waits until the session can go on in the direction GnuTLS wants, or the
 * deadline: 0, or -ETIMEDOUT. */
static int wait_io(gnutls_session_t s, int fd, long long deadline)
{
    struct pollfd pfd = {.fd = fd,
                         .events = gnutls_record_get_direction(s) ? POLLOUT : POLLIN};
    for (;;) {
        long long left = deadline - mr_now_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        int r = poll(&pfd, 1, (int)left);
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return -errno;
    }
}

/* The first certificate the peer sent, or NULL. */
static gnutls_x509_crt_t peer_cert(gnutls_session_t s)
{
    unsigned n = 0;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(s, &n);
    gnutls_x509_crt_t crt;
    if (!certs || n == 0 || gnutls_x509_crt_init(&crt) < 0)
        return NULL;
    if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) < 0) {
        gnutls_x509_crt_deinit(crt);
        return NULL;
    }
    return crt;
}

static void names_of(gnutls_x509_crt_t crt, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (unsigned i = 0; used + 1 < size; i++) {
        char buf[256];
        size_t n = sizeof(buf) - 1;
        int t = gnutls_x509_crt_get_subject_alt_name(crt, i, buf, &n, NULL);
        if (t == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            break;
        char item[300] = "";
        if (t == GNUTLS_SAN_DNSNAME) {
            buf[n] = '\0';
            snprintf(item, sizeof(item), "DNS:%s", buf);
        } else if (t == GNUTLS_SAN_IPADDRESS && (n == 4 || n == 16)) {
            char a[INET6_ADDRSTRLEN];
            if (inet_ntop(n == 4 ? AF_INET : AF_INET6, buf, a, sizeof(a)))
                snprintf(item, sizeof(item), "IP:%s", a);
        }
        if (item[0])
            used += (size_t)snprintf(out + used, size - used, "%s%s", used ? ", " : "", item);
    }
    if (!out[0]) {
        char cn[256];
        size_t n = sizeof(cn);
        if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &n) >= 0)
            snprintf(out, size, "CN:%s", cn);
        else
            snprintf(out, size, "no name");
    }
}

/* libvirt's checks of the server's certificate, in libvirt's order. */
static bool verify_server(gnutls_session_t s, const struct mr_tls_probe *req,
                          struct mr_tls_result *res)
{
    unsigned status = 0;
    gnutls_x509_crt_t crt = peer_cert(s);
    if (!crt) {
        say(res, MR_TLS_UNTRUSTED, "the peer sent no certificate");
        return false;
    }
    res->not_after = (long long)gnutls_x509_crt_get_expiration_time(crt);
    names_of(crt, res->names, sizeof(res->names));
    int r = gnutls_certificate_verify_peers2(s, &status);
    bool ok = false;
    time_t now = time(NULL);
    if (r < 0) {
        say(res, MR_TLS_UNTRUSTED, "cannot verify it: %s", gnutls_strerror(r));
    } else if (status != 0) {
        gnutls_datum_t out = {0};
        if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0) >= 0) {
            say(res, MR_TLS_UNTRUSTED, "%.*s", (int)out.size, (const char *)out.data);
            gnutls_free(out.data);
        } else {
            say(res, MR_TLS_UNTRUSTED, "verification status 0x%x", status);
        }
    } else if (gnutls_x509_crt_get_expiration_time(crt) < now) {
        say(res, MR_TLS_UNTRUSTED, "The certificate has expired.");
    } else if (gnutls_x509_crt_get_activation_time(crt) > now) {
        say(res, MR_TLS_UNTRUSTED, "The certificate is not yet activated.");
    } else if (!gnutls_x509_crt_check_hostname(crt, req->hostname)) {
        say(res, MR_TLS_NAME, "Certificate [session] owner does not match the hostname %s",
            req->hostname);
    } else {
        ok = true;
    }
    /* GnuTLS's words end with blanks; the callers quote them. */
    size_t n = strlen(res->reason);
    while (n > 0 && res->reason[n - 1] == ' ')
        res->reason[--n] = '\0';
    gnutls_x509_crt_deinit(crt);
    return ok;
}

static int load_creds(const struct mr_tls_probe *req, gnutls_certificate_credentials_t cred,
                      struct mr_tls_result *res)
{
    gnutls_datum_t ca = {.data = (unsigned char *)req->ca_pem,
                         .size = (unsigned)strlen(req->ca_pem)};
    int r = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
    if (r <= 0) {
        say(res, MR_TLS_ERROR, "this host's CA certificate: %s",
            r < 0 ? gnutls_strerror(r) : "no certificate");
        return -EINVAL;
    }
    if (!req->cert_pem || !req->key_pem)
        return 0;
    gnutls_datum_t c = {.data = (unsigned char *)req->cert_pem,
                        .size = (unsigned)strlen(req->cert_pem)};
    gnutls_datum_t k = {.data = (unsigned char *)req->key_pem,
                        .size = (unsigned)strlen(req->key_pem)};
    r = gnutls_certificate_set_x509_key_mem(cred, &c, &k, GNUTLS_X509_FMT_PEM);
    if (r < 0) {
        say(res, MR_TLS_ERROR, "this host's client certificate and key: %s", gnutls_strerror(r));
        return -EINVAL;
    }
    return 0;
}

int mr_tls_probe_run(const struct mr_tls_probe *req, struct mr_tls_result *res)
{
    *res = (struct mr_tls_result){.state = MR_TLS_ERROR, .not_after = -1};
    if (!req->address || !req->hostname || !req->ca_pem)
        return -EINVAL;
    long long deadline = mr_now_ms() + (req->timeout_ms > 0 ? req->timeout_ms : 5000);
    gnutls_certificate_credentials_t cred = NULL;
    gnutls_session_t s = NULL;
    int fd = -1, r;

    if (gnutls_certificate_allocate_credentials(&cred) < 0)
        return -ENOMEM;
    if (load_creds(req, cred, res) < 0)
        goto done;

    struct mr_tcp_probe tp = {.address = req->address, .port = req->port};
    fd = mr_tcp_connect_by(&tp, deadline);
    if (fd < 0) {
        res->error = tp.error;
        switch (tp.state) {
        case MR_TCP_REFUSED:
            say(res, MR_TLS_REFUSED, "Connection refused");
            break;
        case MR_TCP_FILTERED:
            say(res, MR_TLS_TIMEOUT, "no answer to the connection");
            break;
        case MR_TCP_UNREACHABLE:
            say(res, MR_TLS_UNREACHABLE, "%s", strerror(tp.error));
            break;
        default:
            say(res, MR_TLS_ERROR, "cannot connect: %s", strerror(tp.error));
            break;
        }
        goto done;
    }

    if (gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0 ||
        gnutls_set_default_priority(s) < 0 ||
        gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0) {
        say(res, MR_TLS_ERROR, "cannot set up a TLS session");
        goto done;
    }
    gnutls_transport_set_int(s, fd);
    do {
        r = gnutls_handshake(s);
        if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
            if (wait_io(s, fd, deadline) < 0) {
                say(res, MR_TLS_TIMEOUT, "the TLS handshake did not finish in time");
                res->error = ETIMEDOUT;
                goto done;
            }
        } else if (r < 0 && !gnutls_error_is_fatal(r)) {
            r = GNUTLS_E_AGAIN;
        }
    } while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
    if (r < 0) {
        /* TLS 1.2 servers check the client's certificate inside the
         * handshake: a refusal is an alert here. */
        if (r == GNUTLS_E_FATAL_ALERT_RECEIVED)
            say(res, MR_TLS_HANDSHAKE, "the peer ended the handshake: %s",
                gnutls_alert_get_name(gnutls_alert_get(s)));
        else
            say(res, MR_TLS_HANDSHAKE, "%s", gnutls_strerror(r));
        goto done;
    }
    if (!verify_server(s, req, res))
        goto done;

    /* libvirtd's confirmation: one byte once it accepted our certificate. */
    char byte = 0;
    for (;;) {
        r = (int)gnutls_record_recv(s, &byte, 1);
        if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
            if (wait_io(s, fd, deadline) < 0) {
                say(res, MR_TLS_TIMEOUT, "no TLS confirmation from libvirtd in time");
                res->error = ETIMEDOUT;
                goto done;
            }
            continue;
        }
        break;
    }
    if (r == 1) {
        say(res, MR_TLS_OK, "handshake and confirmation");
    } else if (r == GNUTLS_E_FATAL_ALERT_RECEIVED) {
        say(res, MR_TLS_REJECTED, "Unable to read TLS confirmation: the peer sent the alert "
            "\"%s\"", gnutls_alert_get_name(gnutls_alert_get(s)));
    } else {
        say(res, MR_TLS_REJECTED, "Unable to read TLS confirmation: %s",
            r == 0 ? "the peer closed the connection" : gnutls_strerror(r));
    }

done:
    if (s) {
        gnutls_deinit(s);
    }
    if (fd >= 0)
        close(fd);
    gnutls_certificate_free_credentials(cred);
    return 0;
}
