/* The libvirt entries of the ops table (src/core/ops.h), reached by checks only
 * through ctx->ops. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <libvirt/libvirt.h>

struct mr_libvirt_host;
struct mr_libvirt_secret;

/* The address of libvirt function NAME, libvirt loaded on first use
 * (src/live/virt-dl.c); NULL when it cannot be loaded or lacks NAME. */
void *mr_virt_sym(const char *name);
/* Loads libvirt if the binary does not link it: 0, or -ELIBACC and
 * *ret_msg (caller frees; RET_MSG may be NULL) naming the library and why. */
int mr_virt_load(char **ret_msg);
/* Why libvirt cannot be used (caller frees), NULL when it can. */
char *mr_virt_load_error(void);
/* mr_virt_load(), then virInitialize() once, with libvirt's own printing of
 * errors on stderr turned off: errors are read back with
 * mr_virt_last_error(). -ELIBACC and *ret_msg when libvirt cannot be loaded. */
int mr_virt_init(char **ret_msg);
/* The message of libvirt's last error in this thread, or why libvirt cannot
 * be loaded (caller frees). */
char *mr_virt_last_error(void);
/* virConnectOpenAuth() offering no credentials: libvirt's default callback
 * would prompt on the terminal for a SASL user name. */
virConnectPtr mr_virt_open(const char *uri);

/* A TCP connect to URI's server and port (the scheme's default port when
 * it names none) with a 3 s timeout, before libvirt's own connect, which
 * waits for the kernel (minutes) when a firewall drops SYNs. 0 when it
 * connects or URI names no server to try; else a negative errno
 * (-ETIMEDOUT: no answer) and, for the caller's message, the server and
 * port tried, and whether the name did not resolve (-EHOSTUNREACH). */
struct mr_virt_probe {
    char *host; /* caller frees */
    int port;
    bool unresolved;
};
int mr_virt_tcp_probe(const char *uri, struct mr_virt_probe *ret);

/* The ops entries. Each question (connect and calls) runs in a child
 * process killed after 15 s: libvirt's client waits for a reply as long as
 * the daemon keeps the socket open. -ETIMEDOUT and a message naming URI
 * when it did not answer in time. */
int mr_virt_host(const char *uri, struct mr_libvirt_host *ret, char **ret_msg);
int mr_virt_compare_cpu(const char *uri, const char *virt_type, const char *cpu_xml,
                        int *ret_verdict, char **ret_msg);
int mr_virt_baseline_cpu(const char *uri, const char *virt_type, const char *const *cpu_xmls,
                         size_t n, char **ret_xml, char **ret_msg);
/* The same with the deadline given, for the tests. */
int mr_virt_host_within(const char *uri, int timeout_ms, struct mr_libvirt_host *ret,
                        char **ret_msg);
int mr_virt_compare_cpu_within(const char *uri, int timeout_ms, const char *virt_type,
                               const char *cpu_xml, int *ret_verdict, char **ret_msg);
/* ops->libvirt_secret: the secret UUID at URI and, with KEY_B64, whether
 * its value is that key (compared in the child; the value is never sent
 * back). */
int mr_virt_secret(const char *uri, const char *uuid, const char *key_b64,
                   struct mr_libvirt_secret *ret, char **ret_msg);
/* Opens URI and asks libvirt's version within TIMEOUT_MS: 0, or a negative
 * errno and *ret_msg (caller frees). migrate-test asks this before it
 * keeps connections of its own. */
int mr_virt_ping(const char *uri, int timeout_ms, char **ret_msg);
