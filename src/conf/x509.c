/* X.509 through GnuTLS, the library libvirt and QEMU verify with, so that a
 * verdict here is theirs. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "migready.h"
#include "netaddr.h"
#include "x509.h"

/* A CA file with more certificates than this is not one we were meant to read. */
#define MR_X509_MAX_CAS 64

struct mr_x509_cert {
    gnutls_x509_crt_t crt;
};

struct mr_x509_key {
    gnutls_x509_privkey_t key;
};

static gnutls_datum_t datum(const char *text, size_t len)
{
    return (gnutls_datum_t){.data = (unsigned char *)text, .size = (unsigned)len};
}

int mr_x509_cert_parse(const char *text, size_t len, struct mr_x509_cert **ret, char **ret_msg)
{
    gnutls_x509_crt_t crt;
    int r = gnutls_x509_crt_init(&crt);
    if (r < 0) {
        *ret_msg = mr_xasprintf("%s", gnutls_strerror(r));
        return -ENOMEM;
    }
    gnutls_datum_t d = datum(text, len);
    r = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM);
    if (r < 0) {
        gnutls_x509_crt_deinit(crt);
        *ret_msg = mr_xasprintf("not a PEM certificate: %s", gnutls_strerror(r));
        return -EBADMSG;
    }
    struct mr_x509_cert *c = mr_xcalloc(1, sizeof(*c));
    c->crt = crt;
    *ret = c;
    return 0;
}

void mr_x509_cert_free(struct mr_x509_cert *c)
{
    if (!c)
        return;
    gnutls_x509_crt_deinit(c->crt);
    free(c);
}

int mr_x509_cert_parse_list(const char *text, size_t len, struct mr_x509_cert ***ret,
                            size_t *ret_n, char **ret_msg)
{
    gnutls_x509_crt_t *crts = NULL;
    unsigned n = 0;
    gnutls_datum_t d = datum(text, len);
    int r = gnutls_x509_crt_list_import2(&crts, &n, &d, GNUTLS_X509_FMT_PEM, 0);
    if (r < 0) {
        *ret_msg = mr_xasprintf("no PEM certificate: %s", gnutls_strerror(r));
        return -EBADMSG;
    }
    if (n == 0 || n > MR_X509_MAX_CAS) {
        for (unsigned i = 0; i < n; i++)
            gnutls_x509_crt_deinit(crts[i]);
        gnutls_free(crts);
        *ret_msg = n ? mr_xasprintf("more than %d certificates", MR_X509_MAX_CAS)
                     : mr_xstrdup("no PEM certificate");
        return -EBADMSG;
    }
    struct mr_x509_cert **v = mr_xcalloc(n, sizeof(*v));
    for (unsigned i = 0; i < n; i++) {
        v[i] = mr_xcalloc(1, sizeof(**v));
        v[i]->crt = crts[i];
    }
    gnutls_free(crts);
    *ret = v;
    *ret_n = n;
    return 0;
}

void mr_x509_cert_list_free(struct mr_x509_cert **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        mr_x509_cert_free(v[i]);
    free(v);
}

char *mr_x509_cert_subject(const struct mr_x509_cert *c)
{
    gnutls_datum_t dn = {0};
    if (gnutls_x509_crt_get_dn3(c->crt, &dn, 0) < 0)
        return mr_xstrdup("(unreadable subject)");
    char *s = mr_xstrndup((const char *)dn.data, dn.size);
    gnutls_free(dn.data);
    return s;
}

time_t mr_x509_cert_not_before(const struct mr_x509_cert *c)
{
    return gnutls_x509_crt_get_activation_time(c->crt);
}

time_t mr_x509_cert_not_after(const struct mr_x509_cert *c)
{
    return gnutls_x509_crt_get_expiration_time(c->crt);
}

char *mr_x509_time_str(time_t t)
{
    struct tm tm;
    char buf[64];
    if (t == (time_t)-1 || !gmtime_r(&t, &tm) ||
        strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm) == 0)
        return mr_xstrdup("(unknown date)");
    return mr_xstrdup(buf);
}

bool mr_x509_cert_names(const struct mr_x509_cert *c, const char *name)
{
    return name && *name && gnutls_x509_crt_check_hostname2(c->crt, name, 0) != 0;
}

/* The names C answers to, "DNS:"/"IP:"/"CN:" before each when PREFIXED. */
static char **cert_names(const struct mr_x509_cert *c, bool prefixed)
{
    char **names = mr_xcalloc(1, sizeof(char *));
    bool dns = false;
    for (unsigned i = 0;; i++) {
        char buf[1024];
        size_t size = sizeof(buf) - 1;
        int t = gnutls_x509_crt_get_subject_alt_name(c->crt, i, buf, &size, NULL);
        if (t == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            break;
        if (t < 0)
            continue;
        char *s = NULL;
        if (t == GNUTLS_SAN_DNSNAME) {
            buf[size] = '\0';
            s = mr_xasprintf("%s%s", prefixed ? "DNS:" : "", buf);
            dns = true;
        } else if (t == GNUTLS_SAN_IPADDRESS && (size == 4 || size == 16)) {
            char a[INET6_ADDRSTRLEN];
            if (inet_ntop(size == 4 ? AF_INET : AF_INET6, buf, a, sizeof(a)))
                s = mr_xasprintf("%s%s", prefixed ? "IP:" : "", a);
        }
        if (s) {
            mr_strv_push(&names, s);
            free(s);
        }
    }
    if (!dns) {
        /* GnuTLS falls back to the CN only when there is no DNS name. */
        char buf[1024];
        size_t size = sizeof(buf);
        if (gnutls_x509_crt_get_dn_by_oid(c->crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf,
                                          &size) >= 0) {
            char *s = mr_xasprintf("%s%s", prefixed ? "CN:" : "", buf);
            mr_strv_push(&names, s);
            free(s);
        }
    }
    return names;
}

char *mr_x509_cert_name_list(const struct mr_x509_cert *c)
{
    char **names = cert_names(c, true);
    char *out = mr_strv_len(names) ? mr_strv_join(names, ", ") : mr_xstrdup("no name");
    mr_strv_free(names);
    return out;
}

char **mr_x509_cert_name_strv(const struct mr_x509_cert *c)
{
    return cert_names(c, false);
}

char *mr_x509_cert_fingerprint(const struct mr_x509_cert *c)
{
    unsigned char md[64];
    size_t n = sizeof(md);
    if (gnutls_x509_crt_get_fingerprint(c->crt, GNUTLS_DIG_SHA256, md, &n) < 0)
        return NULL;
    char *out = mr_xmalloc(7 + 2 * n + 1);
    memcpy(out, "sha256:", 7);
    for (size_t i = 0; i < n; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
    return out;
}

/* One DNS name PATTERN against HOST: equal without case, or a leftmost
 * "*" that stands for exactly one label of HOST (RFC 6125, as GnuTLS). */
static bool dns_match(const char *pattern, const char *host)
{
    if (strcasecmp(pattern, host) == 0)
        return true;
    if (pattern[0] != '*' || pattern[1] != '.')
        return false;
    const char *dot = strchr(host, '.');
    return dot && dot != host && strchr(pattern + 2, '.') && strcasecmp(pattern + 1, dot) == 0;
}

bool mr_x509_names_match(char *const *names, const char *host)
{
    if (!names || !host || !*host)
        return false;
    bool literal = mr_addr_is_literal(host);
    for (size_t i = 0; names[i]; i++) {
        bool is_addr = mr_addr_is_literal(names[i]);
        if (literal ? is_addr && mr_addr_same(names[i], host)
                    : !is_addr && dns_match(names[i], host))
            return true;
    }
    return false;
}

char *mr_x509_time_iso(time_t t)
{
    struct tm tm;
    char buf[64];
    if (t == (time_t)-1 || !gmtime_r(&t, &tm) ||
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return mr_xstrdup("(unknown date)");
    return mr_xstrdup(buf);
}

time_t mr_x509_time_parse_iso(const char *s)
{
    struct tm tm = {0};
    const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
    if (!end || *end)
        return (time_t)-1;
    return timegm(&tm);
}

int mr_x509_cert_check_use(const struct mr_x509_cert *c, enum mr_x509_use use, char **ret_msg)
{
    const char *want_oid = use == MR_X509_USE_SERVER ? GNUTLS_KP_TLS_WWW_SERVER
                                                     : GNUTLS_KP_TLS_WWW_CLIENT;
    const char *want_name = use == MR_X509_USE_SERVER ? "TLS Web Server Authentication"
                                                      : "TLS Web Client Authentication";
    int verdict = 0;
    char *msg = NULL;

    /* Key usage: libvirt wants digital signature and key encipherment of
     * a certificate that is not a CA's, when the extension is present. */
    unsigned usage = 0, critical = 0;
    int r = gnutls_x509_crt_get_key_usage(c->crt, &usage, &critical);
    if (r >= 0) {
        const char *lack = NULL;
        if (!(usage & GNUTLS_KEY_DIGITAL_SIGNATURE))
            lack = "digital signature";
        else if (!(usage & GNUTLS_KEY_KEY_ENCIPHERMENT))
            lack = "key encipherment";
        if (lack) {
            verdict = critical ? 2 : 1;
            msg = mr_xasprintf("its key usage%s lacks %s", critical ? " (critical)" : "", lack);
        }
    }

    /* Extended key usage: absent allows every purpose. */
    bool any = false, found = false;
    unsigned crit_kp = 0;
    for (unsigned i = 0;; i++) {
        char oid[256];
        size_t size = sizeof(oid);
        unsigned crit = 0;
        r = gnutls_x509_crt_get_key_purpose_oid(c->crt, i, oid, &size, &crit);
        if (r < 0)
            break;
        any = true;
        crit_kp = crit;
        if (strcmp(oid, want_oid) == 0)
            found = true;
    }
    if (any && !found && verdict < 2) {
        int v = crit_kp ? 2 : 1;
        char *m = mr_xasprintf("its extended key usage%s lacks %s", crit_kp ? " (critical)" : "",
                               want_name);
        if (msg && v > verdict) {
            free(msg);
            msg = m;
        } else if (msg) {
            char *both = mr_xasprintf("%s; %s", msg, m);
            free(msg);
            free(m);
            msg = both;
        } else {
            msg = m;
        }
        if (v > verdict)
            verdict = v;
    }
    if (verdict)
        *ret_msg = msg;
    else
        free(msg);
    return verdict;
}

int mr_x509_cert_verify(const struct mr_x509_cert *c, struct mr_x509_cert *const *cas, size_t n,
                        char **ret_msg)
{
    gnutls_x509_crt_t *list = mr_xcalloc(n ? n : 1, sizeof(*list));
    for (size_t i = 0; i < n; i++)
        list[i] = cas[i]->crt;
    unsigned status = 0;
    int r = gnutls_x509_crt_verify(c->crt, list, (unsigned)n,
                                   GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
                                       GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS,
                                   &status);
    free(list);
    if (r < 0) {
        *ret_msg = mr_xasprintf("%s", gnutls_strerror(r));
        return -EINVAL;
    }
    if (status == 0)
        return 0;
    gnutls_datum_t out = {0};
    if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0) < 0) {
        *ret_msg = mr_xasprintf("verification status 0x%x", status);
    } else {
        /* "The certificate is NOT trusted. The certificate issuer is unknown. " */
        char *s = mr_xstrndup((const char *)out.data, out.size);
        gnutls_free(out.data);
        *ret_msg = mr_xstrdup(mr_strip(s));
        free(s);
    }
    return 1;
}

int mr_x509_key_parse(const char *text, size_t len, struct mr_x509_key **ret, char **ret_msg)
{
    gnutls_x509_privkey_t key;
    int r = gnutls_x509_privkey_init(&key);
    if (r < 0) {
        *ret_msg = mr_xasprintf("%s", gnutls_strerror(r));
        return -ENOMEM;
    }
    gnutls_datum_t d = datum(text, len);
    r = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (r < 0) {
        gnutls_x509_privkey_deinit(key);
        *ret_msg = mr_xasprintf("not an unencrypted PEM private key: %s", gnutls_strerror(r));
        return -EBADMSG;
    }
    struct mr_x509_key *k = mr_xcalloc(1, sizeof(*k));
    k->key = key;
    *ret = k;
    return 0;
}

void mr_x509_key_free(struct mr_x509_key *k)
{
    if (!k)
        return;
    gnutls_x509_privkey_deinit(k->key);
    free(k);
}

bool mr_x509_key_matches(const struct mr_x509_key *k, const struct mr_x509_cert *c)
{
    unsigned char a[64], b[64];
    size_t na = sizeof(a), nb = sizeof(b);
    if (gnutls_x509_privkey_get_key_id(k->key, GNUTLS_KEYID_USE_SHA256, a, &na) < 0 ||
        gnutls_x509_crt_get_key_id(c->crt, GNUTLS_KEYID_USE_SHA256, b, &nb) < 0)
        return false;
    return na == nb && memcmp(a, b, na) == 0;
}
