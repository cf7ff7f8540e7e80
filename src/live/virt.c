/* libvirt, live: the local hypervisor's versions and capabilities, and a
 * peer's verdict on this host's CPU. Reached only through ctx->ops. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/uri.h>

#include "migready.h"
#include "ops.h"
#include "virt.h"

#define PROBE_TIMEOUT_MS 3000

/* libvirt prints every error on stderr unless told otherwise; the errors
 * are read back with virGetLastError() and worded by the checks. */
static void quiet(void *opaque, virErrorPtr err)
{
    (void)opaque;
    (void)err;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init(void)
{
    virInitialize();
    virSetErrorFunc(NULL, quiet);
}

int mr_virt_init(char **ret_msg)
{
    int r = mr_virt_load(ret_msg);
    if (r < 0)
        return r;
    pthread_once(&init_once, init);
    return 0;
}

char *mr_virt_last_error(void)
{
    char *load = mr_virt_load_error();
    if (load)
        return load;
    virErrorPtr e = virGetLastError();
    return mr_xstrdup(e && e->message ? e->message : "unknown libvirt error");
}

static int errno_of_last_error(int fallback)
{
    virErrorPtr e = virGetLastError();
    if (!e)
        return fallback;
    if (e->code == VIR_ERR_NO_SUPPORT)
        return -ENOTSUP;
    if (e->code == VIR_ERR_OPERATION_DENIED || e->code == VIR_ERR_AUTH_FAILED ||
        e->code == VIR_ERR_AUTH_CANCELLED)
        return -EACCES;
    if (e->domain == VIR_FROM_RPC || e->code == VIR_ERR_SYSTEM_ERROR)
        return e->int1 > 0 ? -e->int1 : -ECONNREFUSED;
    return fallback;
}

int mr_virt_host(const char *uri, struct mr_libvirt_host *ret, char **ret_msg)
{
    int r = mr_virt_init(ret_msg);
    if (r < 0)
        return r;
    struct mr_libvirt_host h = {0};
    virConnectPtr conn = virConnectOpenReadOnly(uri);
    if (!conn) {
        r = errno_of_last_error(-ECONNREFUSED);
        char *e = mr_virt_last_error();
        *ret_msg = mr_xasprintf("cannot connect to %s: %s", uri, e);
        free(e);
        return r;
    }
    unsigned long lv = 0, hv = 0;
    if (virConnectGetLibVersion(conn, &lv) < 0) {
        char *e = mr_virt_last_error();
        *ret_msg = mr_xasprintf("libvirt at %s does not tell its version: %s", uri, e);
        free(e);
        r = -EIO;
        goto cleanup;
    }
    /* 0 without an error means the hypervisor has no version to tell. */
    if (virConnectGetVersion(conn, &hv) < 0)
        hv = 0;
    char *caps = virConnectGetCapabilities(conn);
    if (!caps) {
        char *e = mr_virt_last_error();
        *ret_msg = mr_xasprintf("libvirt at %s does not give its capabilities: %s", uri, e);
        free(e);
        r = -EIO;
        goto cleanup;
    }
    h.libvirt_version = lv;
    h.hv_version = hv;
    h.capabilities = mr_xstrdup(caps);
    free(caps);
    *ret = h;

cleanup:
    virConnectClose(conn);
    return r;
}

int mr_virt_tcp_probe(const char *uri, struct mr_virt_probe *ret)
{
    *ret = (struct mr_virt_probe){0};
    xmlURIPtr u = xmlParseURI(uri);
    if (!u)
        return 0;
    int port = u->port;
    if (port <= 0 && u->scheme)
        port = strcmp(u->scheme, "qemu+tls") == 0   ? 16514
               : strcmp(u->scheme, "qemu+ssh") == 0 ? 22
               : strcmp(u->scheme, "qemu+tcp") == 0 ? 16509
                                                    : 0;
    if (port <= 0 || !u->server || !*u->server) {
        xmlFreeURI(u);
        return 0;
    }
    char *host = mr_xstrdup(u->server);
    xmlFreeURI(u);
    char service[16];
    snprintf(service, sizeof(service), "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(host, service, &hints, &res) != 0) {
        *ret = (struct mr_virt_probe){host, port, true};
        return -EHOSTUNREACH;
    }
    int r = 0;
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        r = -errno;
    } else if (connect(fd, res->ai_addr, res->ai_addrlen) < 0 && errno != EINPROGRESS) {
        r = -errno;
    } else {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int n;
        while ((n = poll(&p, 1, PROBE_TIMEOUT_MS)) < 0 && errno == EINTR)
            ;
        if (n == 0) {
            r = -ETIMEDOUT;
        } else {
            int err = 0;
            socklen_t len = sizeof(err);
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            r = -err;
        }
    }
    if (fd >= 0)
        close(fd);
    freeaddrinfo(res);
    if (r < 0)
        *ret = (struct mr_virt_probe){host, port, false};
    else
        free(host);
    return r;
}

static int probe(const char *uri, char **ret_msg)
{
    struct mr_virt_probe p;
    int r = mr_virt_tcp_probe(uri, &p);
    if (r < 0 && p.unresolved)
        *ret_msg = mr_xasprintf("%s does not resolve", p.host);
    else if (r < 0)
        *ret_msg = mr_xasprintf("TCP port %d of %s: %s", p.port, p.host,
                                r == -ETIMEDOUT ? "no answer within 3 s (filtered?)"
                                                : strerror(-r));
    free(p.host);
    return r;
}

/* No credentials to offer: libvirt's default callback would prompt on the
 * terminal for a SASL user name. */
static int no_credentials(virConnectCredentialPtr cred, unsigned int ncred, void *opaque)
{
    (void)cred;
    (void)ncred;
    (void)opaque;
    return -1;
}

virConnectPtr mr_virt_open(const char *uri)
{
    int types[] = {VIR_CRED_AUTHNAME, VIR_CRED_PASSPHRASE};
    virConnectAuth auth = {types, MR_ARRAY_SIZE(types), no_credentials, NULL};
    return virConnectOpenAuth(uri, &auth, 0);
}

int mr_virt_compare_cpu(const char *uri, const char *virt_type, const char *cpu_xml,
                        int *ret_verdict, char **ret_msg)
{
    int r = mr_virt_init(ret_msg);
    if (r < 0)
        return r;
    r = probe(uri, ret_msg);
    if (r < 0)
        return r;
    virConnectPtr conn = mr_virt_open(uri);
    if (!conn) {
        r = errno_of_last_error(-ECONNREFUSED);
        char *e = mr_virt_last_error();
        *ret_msg = mr_xasprintf("cannot connect to %s: %s", uri, e);
        free(e);
        return r;
    }
    int v = virConnectCompareHypervisorCPU(conn, NULL, NULL, NULL, virt_type, cpu_xml,
                                           VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE);
    virErrorPtr e = v == VIR_CPU_COMPARE_ERROR ? virGetLastError() : NULL;
    if (v == VIR_CPU_COMPARE_ERROR && e && e->code == VIR_ERR_CPU_INCOMPATIBLE) {
        /* With FAIL_INCOMPATIBLE libvirt names the missing features. */
        *ret_verdict = MR_CPU_INCOMPATIBLE;
        *ret_msg = mr_xstrdup(e->message ? e->message : "the CPU is incompatible");
    } else if (v == VIR_CPU_COMPARE_ERROR) {
        r = errno_of_last_error(-EIO);
        *ret_msg = mr_xasprintf("libvirt at %s cannot compare CPUs: %s", uri,
                                e && e->message ? e->message : "unknown libvirt error");
    } else {
        *ret_verdict = v == VIR_CPU_COMPARE_IDENTICAL  ? MR_CPU_IDENTICAL
                       : v == VIR_CPU_COMPARE_SUPERSET ? MR_CPU_SUPERSET
                                                       : MR_CPU_INCOMPATIBLE;
        if (*ret_verdict == MR_CPU_INCOMPATIBLE)
            *ret_msg = mr_xstrdup("the CPU is incompatible with the host CPU");
    }
    virConnectClose(conn);
    return r;
}
