/* X.509 certificates and keys as libvirt and QEMU judge them: the same
 * library (GnuTLS), the same questions (times, names, chain, key, usages).
 * Pure: parses text that the caller read through the root-safe helpers,
 * never opens a file itself. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct mr_x509_cert;
struct mr_x509_key;

/* Parses the first PEM certificate of TEXT (LEN bytes). On failure returns
 * -EBADMSG with *ret_msg (caller frees) saying why in GnuTLS's words. */
int mr_x509_cert_parse(const char *text, size_t len, struct mr_x509_cert **ret, char **ret_msg);
void mr_x509_cert_free(struct mr_x509_cert *c);
/* Every certificate of TEXT (a CA file may hold several), at most 64. */
int mr_x509_cert_parse_list(const char *text, size_t len, struct mr_x509_cert ***ret,
                            size_t *ret_n, char **ret_msg);
void mr_x509_cert_list_free(struct mr_x509_cert **v, size_t n);

/* The subject's distinguished name, for messages (caller frees). */
char *mr_x509_cert_subject(const struct mr_x509_cert *c);
time_t mr_x509_cert_not_before(const struct mr_x509_cert *c);
time_t mr_x509_cert_not_after(const struct mr_x509_cert *c);
/* T as "2025-03-01 12:00 UTC" (caller frees). */
char *mr_x509_time_str(time_t t);

/* Whether C names NAME (a host name or an IP address) as a TLS client that
 * connects to NAME checks it: the subjectAltName's DNS names and addresses,
 * or the CN when C has no DNS name, wildcards as GnuTLS matches them. */
bool mr_x509_cert_names(const struct mr_x509_cert *c, const char *name);
/* The names C answers to, for messages: "DNS:a, IP:192.0.2.1" or "CN:a"
 * (caller frees). */
char *mr_x509_cert_name_list(const struct mr_x509_cert *c);

/* How C may be used (extended key usage and key usage). */
enum mr_x509_use {
    MR_X509_USE_SERVER, /* TLS Web Server Authentication */
    MR_X509_USE_CLIENT, /* TLS Web Client Authentication */
};
/* 0 when C may serve USE as libvirt's virNetTLSContextCheckCert* allow it
 * (an absent extension allows everything); else 1 when the missing usage is
 * only advisory (the extension is not critical: libvirt warns), 2 when it is
 * critical (libvirt refuses), with *ret_msg (caller frees) saying what lacks. */
int mr_x509_cert_check_use(const struct mr_x509_cert *c, enum mr_x509_use use, char **ret_msg);

/* 0 when C is signed by one of CAS (N of them), as GnuTLS verifies it,
 * times left out (mr_x509_cert_not_after says those); else 1 with
 * *ret_msg (caller frees) saying why in words ("the certificate issuer is
 * unknown"). Negative when GnuTLS itself failed. */
int mr_x509_cert_verify(const struct mr_x509_cert *c, struct mr_x509_cert *const *cas, size_t n,
                        char **ret_msg);

/* Parses a PEM private key (PKCS#1, PKCS#8 without a password, EC). */
int mr_x509_key_parse(const char *text, size_t len, struct mr_x509_key **ret, char **ret_msg);
void mr_x509_key_free(struct mr_x509_key *k);
/* Whether K is the private key of C's public key (their key IDs agree). */
bool mr_x509_key_matches(const struct mr_x509_key *k, const struct mr_x509_cert *c);

/* "sha256:" and the lowercase hex of the SHA-256 of C's DER: the identity
 * of a CA that peers compare (caller frees). */
char *mr_x509_cert_fingerprint(const struct mr_x509_cert *c);
/* The names C answers to, bare ("hv1", "192.0.2.11"): the subjectAltName's
 * DNS names and addresses, else the CN (NULL-terminated; caller frees with
 * mr_strv_free). */
char **mr_x509_cert_name_strv(const struct mr_x509_cert *c);
/* Whether a certificate naming NAMES (as mr_x509_cert_name_strv gives
 * them, e.g. from a peer's facts) answers to HOST as GnuTLS's hostname
 * check does: a literal address only matches an IP name (or the CN when
 * that is all there is), a host name matches a DNS name without case, and
 * a leftmost "*" label matches exactly one label. */
bool mr_x509_names_match(char *const *names, const char *host);
/* T as ISO 8601 UTC, "2025-03-01T12:00:00Z" (caller frees); "(unknown date)"
 * for -1. */
char *mr_x509_time_iso(time_t t);
/* The time of an ISO 8601 UTC text as mr_x509_time_iso writes it; -1 when
 * S is not one. */
time_t mr_x509_time_parse_iso(const char *s);
