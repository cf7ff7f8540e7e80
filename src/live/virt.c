/* libvirt, live: the local hypervisor's versions and capabilities, and a
 * peer's verdict on this host's CPU. Reached only through ctx->ops.
 *
 * libvirt's client has no deadline of its own: its RPC waits for a reply
 * as long as the socket stays open, so a daemon that accepts connections
 * but never answers (stopped, deadlocked, swapping) hangs virConnectOpen
 * and every call after it. Its keepalive needs an event loop and starts
 * only after the open. So each question runs in a child process that
 * sends the answer back through a pipe, and the parent kills it at the
 * deadline, as the NFS probe does (src/live/nfsprobe.c). */
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
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/uri.h>

#include "migready.h"
#include "ops.h"
#include "virt.h"

#define PROBE_TIMEOUT_MS 3000
/* A healthy libvirtd answers in milliseconds; the first capabilities call
 * after its start may probe QEMU for a few seconds. */
#define LIBVIRT_TIMEOUT_MS 15000
#define ANSWER_MAX (16u << 20)

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
    /* Nor its log: with no log output configured, a client prints warnings
     * on stderr, e.g. for every refused TLS certificate "warning :
     * virNetTLSContextCheckCertificate:1086 : Certificate check failed ...",
     * in the middle of migready's own output (tls.certs words the same
     * failure). LIBVIRT_DEBUG=4 keeps errors only. Not an explicit output:
     * with one, libvirt also logs every error it raises, the quiet ones too
     * ("Unable to register async IO callback" on each connection). */
    if (!getenv("LIBVIRT_DEBUG") && !getenv("LIBVIRT_LOG_OUTPUTS") &&
        !getenv("LIBVIRT_LOG_FILTERS"))
        setenv("LIBVIRT_DEBUG", "4", 0);
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

/* ---- one question to libvirt, in a child, with a deadline ---- */

struct answer {
    int r;
    int verdict;
    unsigned long long lv, hv;
    char *msg;  /* caller frees */
    char *caps; /* caller frees */
};

struct wire {
    int32_t r, verdict;
    uint64_t lv, hv;
    uint32_t msg_len, caps_len;
};

static void write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return; /* the parent gave up */
        p += k;
        n -= (size_t)k;
    }
}

static void send_answer(int fd, const struct answer *a)
{
    struct wire w = {.r = a->r, .verdict = a->verdict, .lv = a->lv, .hv = a->hv,
                     .msg_len = a->msg ? (uint32_t)strlen(a->msg) : 0,
                     .caps_len = a->caps ? (uint32_t)strlen(a->caps) : 0};
    write_all(fd, &w, sizeof(w));
    write_all(fd, a->msg ? a->msg : "", w.msg_len);
    write_all(fd, a->caps ? a->caps : "", w.caps_len);
}

/* The answer read whole, or false. */
static bool parse_answer(const char *buf, size_t len, struct answer *a)
{
    struct wire w;
    if (len < sizeof(w))
        return false;
    memcpy(&w, buf, sizeof(w));
    if ((size_t)w.msg_len + w.caps_len != len - sizeof(w))
        return false;
    const char *p = buf + sizeof(w);
    *a = (struct answer){.r = w.r, .verdict = w.verdict, .lv = w.lv, .hv = w.hv};
    a->msg = w.msg_len ? mr_xstrndup(p, w.msg_len) : NULL;
    a->caps = w.caps_len ? mr_xstrndup(p + w.msg_len, w.caps_len) : NULL;
    return true;
}

typedef void (*virt_job)(const char *uri, const void *arg, struct answer *a);

/* Runs JOB in a child and waits for its answer at most TIMEOUT_MS. */
static void bounded(virt_job job, const char *uri, const void *arg, int timeout_ms,
                    struct answer *ret)
{
    *ret = (struct answer){0};
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        ret->r = -errno;
        ret->msg = mr_xasprintf("cannot ask libvirt at %s: %s", uri, strerror(errno));
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        ret->r = -errno;
        ret->msg = mr_xasprintf("cannot ask libvirt at %s: %s", uri, strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        return;
    }
    if (pid == 0) {
        close(pipefd[0]);
        signal(SIGPIPE, SIG_IGN);
        struct answer a = {0};
        job(uri, arg, &a);
        send_answer(pipefd[1], &a);
        _exit(0);
    }
    close(pipefd[1]);

    char *buf = NULL;
    size_t len = 0, cap = 0;
    bool timed_out = false, eof = false;
    long long deadline = mr_now_ms() + timeout_ms;
    while (!eof) {
        if (len + 16384 > cap) {
            cap = cap ? cap * 2 : 65536;
            buf = mr_xrealloc(buf, cap);
        }
        long k = mr_read_by(pipefd[0], buf + len, cap - len, deadline);
        if (k == -ETIMEDOUT)
            timed_out = true;
        if (k <= 0 || len + (size_t)k > ANSWER_MAX)
            eof = true;
        else
            len += (size_t)k;
    }
    close(pipefd[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    if (timed_out) {
        ret->r = -ETIMEDOUT;
        ret->msg = mr_xasprintf("libvirt at %s did not answer within %d s: the daemon accepts "
                                "connections but does not reply (stopped, hung or overloaded)",
                                uri, (timeout_ms + 999) / 1000);
    } else if (!parse_answer(buf, len, ret)) {
        ret->r = -EIO;
        ret->msg = mr_xasprintf("cannot ask libvirt at %s: the libvirt client process died", uri);
    }
    free(buf);
}

/* bounded(), keeping on failure only the message (in *RET_MSG), and on
 * success all but the message. */
static int ask(virt_job job, const char *uri, const void *arg, int timeout_ms, struct answer *ret,
               char **ret_msg)
{
    bounded(job, uri, arg, timeout_ms, ret);
    if (ret->r < 0) {
        free(ret->caps);
        ret->caps = NULL;
        *ret_msg = ret->msg;
        return ret->r;
    }
    free(ret->msg);
    ret->msg = NULL;
    return 0;
}

/* libvirt's last error in A: the connection to URI failed. */
static void job_cannot_connect(const char *uri, struct answer *a)
{
    a->r = errno_of_last_error(-ECONNREFUSED);
    char *e = mr_virt_last_error();
    a->msg = mr_xasprintf("cannot connect to %s: %s", uri, e);
    free(e);
}

/* CONN, or the reason it could not be opened in A (false). */
static bool job_connected(virConnectPtr conn, const char *uri, struct answer *a)
{
    if (!conn)
        job_cannot_connect(uri, a);
    return conn != NULL;
}

static void host_job(const char *uri, const void *arg, struct answer *a)
{
    (void)arg;
    virConnectPtr conn = virConnectOpenReadOnly(uri);
    if (!job_connected(conn, uri, a))
        return;
    unsigned long lv = 0, hv = 0;
    if (virConnectGetLibVersion(conn, &lv) < 0) {
        char *e = mr_virt_last_error();
        a->msg = mr_xasprintf("libvirt at %s does not tell its version: %s", uri, e);
        free(e);
        a->r = -EIO;
        goto cleanup;
    }
    /* 0 without an error means the hypervisor has no version to tell. */
    if (virConnectGetVersion(conn, &hv) < 0)
        hv = 0;
    a->caps = virConnectGetCapabilities(conn);
    if (!a->caps) {
        char *e = mr_virt_last_error();
        a->msg = mr_xasprintf("libvirt at %s does not give its capabilities: %s", uri, e);
        free(e);
        a->r = -EIO;
        goto cleanup;
    }
    a->lv = lv;
    a->hv = hv;

cleanup:
    virConnectClose(conn);
}

int mr_virt_host_within(const char *uri, int timeout_ms, struct mr_libvirt_host *ret,
                        char **ret_msg)
{
    int r = mr_virt_init(ret_msg);
    if (r < 0)
        return r;
    struct answer a;
    r = ask(host_job, uri, NULL, timeout_ms, &a, ret_msg);
    if (r < 0)
        return r;
    *ret = (struct mr_libvirt_host){.libvirt_version = a.lv, .hv_version = a.hv,
                                    .capabilities = a.caps};
    return 0;
}

int mr_virt_host(const char *uri, struct mr_libvirt_host *ret, char **ret_msg)
{
    return mr_virt_host_within(uri, LIBVIRT_TIMEOUT_MS, ret, ret_msg);
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

/* libvirt loaded and URI's port answering, before a job that would wait
 * for it. */
static int init_and_probe(const char *uri, char **ret_msg)
{
    int r = mr_virt_init(ret_msg);
    return r < 0 ? r : probe(uri, ret_msg);
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

/* An open and one call, as migrate-test's connections make them. */
static void ping_job(const char *uri, const void *arg, struct answer *a)
{
    (void)arg;
    virConnectPtr conn = mr_virt_open(uri);
    unsigned long lv = 0;
    if (!conn || virConnectGetLibVersion(conn, &lv) < 0)
        job_cannot_connect(uri, a);
    if (conn)
        virConnectClose(conn);
}

struct compare_args {
    const char *virt_type, *cpu_xml;
};

static void compare_job(const char *uri, const void *arg, struct answer *a)
{
    const struct compare_args *ca = arg;
    virConnectPtr conn = mr_virt_open(uri);
    if (!job_connected(conn, uri, a))
        return;
    int v = virConnectCompareHypervisorCPU(conn, NULL, NULL, NULL, ca->virt_type, ca->cpu_xml,
                                           VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE);
    virErrorPtr e = v == VIR_CPU_COMPARE_ERROR ? virGetLastError() : NULL;
    if (v == VIR_CPU_COMPARE_ERROR && e && e->code == VIR_ERR_CPU_INCOMPATIBLE) {
        /* With FAIL_INCOMPATIBLE libvirt names the missing features. */
        a->verdict = MR_CPU_INCOMPATIBLE;
        a->msg = mr_xstrdup(e->message ? e->message : "the CPU is incompatible");
    } else if (v == VIR_CPU_COMPARE_ERROR) {
        a->r = errno_of_last_error(-EIO);
        a->msg = mr_xasprintf("libvirt at %s cannot compare CPUs: %s", uri,
                              e && e->message ? e->message : "unknown libvirt error");
    } else {
        a->verdict = v == VIR_CPU_COMPARE_IDENTICAL  ? MR_CPU_IDENTICAL
                     : v == VIR_CPU_COMPARE_SUPERSET ? MR_CPU_SUPERSET
                                                     : MR_CPU_INCOMPATIBLE;
        if (a->verdict == MR_CPU_INCOMPATIBLE)
            a->msg = mr_xstrdup("the CPU is incompatible with the host CPU");
    }
    virConnectClose(conn);
}

int mr_virt_compare_cpu_within(const char *uri, int timeout_ms, const char *virt_type,
                               const char *cpu_xml, int *ret_verdict, char **ret_msg)
{
    int r = init_and_probe(uri, ret_msg);
    if (r < 0)
        return r;
    struct compare_args ca = {virt_type, cpu_xml};
    struct answer a;
    bounded(compare_job, uri, &ca, timeout_ms, &a);
    free(a.caps);
    if (a.r == 0)
        *ret_verdict = a.verdict;
    *ret_msg = a.msg;
    return a.r;
}

int mr_virt_compare_cpu(const char *uri, const char *virt_type, const char *cpu_xml,
                        int *ret_verdict, char **ret_msg)
{
    return mr_virt_compare_cpu_within(uri, LIBVIRT_TIMEOUT_MS, virt_type, cpu_xml, ret_verdict,
                                      ret_msg);
}

struct baseline_args {
    const char *virt_type;
    const char *const *cpu_xmls;
    size_t n;
};

/* The result travels back in the answer's caps field. */
static void baseline_job(const char *uri, const void *arg, struct answer *a)
{
    const struct baseline_args *ba = arg;
    virConnectPtr conn = mr_virt_open(uri);
    if (!job_connected(conn, uri, a))
        return;
    a->caps = virConnectBaselineHypervisorCPU(conn, NULL, NULL, NULL, ba->virt_type,
                                              (const char **)ba->cpu_xmls,
                                              (unsigned int)ba->n, 0);
    if (!a->caps) {
        a->r = errno_of_last_error(-EIO);
        char *e = mr_virt_last_error();
        a->msg = mr_xasprintf("libvirt at %s cannot work out a baseline CPU: %s", uri, e);
        free(e);
    }
    virConnectClose(conn);
}

int mr_virt_baseline_cpu(const char *uri, const char *virt_type, const char *const *cpu_xmls,
                         size_t n, char **ret_xml, char **ret_msg)
{
    int r = init_and_probe(uri, ret_msg);
    if (r < 0)
        return r;
    struct baseline_args ba = {virt_type, cpu_xmls, n};
    struct answer a;
    r = ask(baseline_job, uri, &ba, LIBVIRT_TIMEOUT_MS, &a, ret_msg);
    if (r < 0)
        return r;
    *ret_xml = a.caps;
    return 0;
}

int mr_virt_ping(const char *uri, int timeout_ms, char **ret_msg)
{
    int r = mr_virt_init(ret_msg);
    if (r < 0)
        return r;
    struct answer a;
    r = ask(ping_job, uri, NULL, timeout_ms, &a, ret_msg);
    free(a.caps);
    return r;
}

/* ---- rbd.secret: a libvirt secret, judged without its value leaving the child ---- */

struct secret_args {
    const char *uuid, *key_b64;
};

/* Flags of a secret answer, in answer.lv. */
enum {
    SECRET_PRESENT = 1,
    SECRET_EPHEMERAL = 2,
    SECRET_PRIVATE = 4,
    SECRET_HAS_VALUE = 8,
    SECRET_VALUE_UNKNOWN = 16,
};

static char *base64(const unsigned char *in, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = mr_xcalloc(1, (n + 2) / 3 * 4 + 1), *o = out;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? tab[v & 63] : '=';
    }
    return out;
}

/* yes/no attribute NAME of the <secret> element in XML. */
static bool secret_attr(const char *xml, const char *name)
{
    const char *end = xml ? strchr(xml, '>') : NULL;
    char *pat = mr_xasprintf("%s='yes'", name), *pat2 = mr_xasprintf("%s=\"yes\"", name);
    const char *p = xml ? strstr(xml, pat) : NULL, *q = xml ? strstr(xml, pat2) : NULL;
    free(pat);
    free(pat2);
    return (p && p < end) || (q && q < end);
}

static void secret_job(const char *uri, const void *arg, struct answer *a)
{
    const struct secret_args *sa = arg;
    virConnectPtr conn = mr_virt_open(uri);
    if (!job_connected(conn, uri, a))
        return;
    a->verdict = -1;
    virSecretPtr sec = virSecretLookupByUUIDString(conn, sa->uuid);
    if (!sec) {
        virErrorPtr e = virGetLastError();
        if (!e || e->code != VIR_ERR_NO_SECRET) {
            a->r = errno_of_last_error(-EIO);
            a->msg = mr_xasprintf("libvirt at %s cannot look up secrets: %s", uri,
                                  e && e->message ? e->message : "unknown libvirt error");
        }
        goto cleanup;
    }
    a->lv = SECRET_PRESENT;
    int usage = virSecretGetUsageType(sec);
    a->caps = mr_xstrdup(usage == VIR_SECRET_USAGE_TYPE_CEPH     ? "ceph"
                         : usage == VIR_SECRET_USAGE_TYPE_VOLUME ? "volume"
                         : usage == VIR_SECRET_USAGE_TYPE_ISCSI  ? "iscsi"
                         : usage == VIR_SECRET_USAGE_TYPE_TLS    ? "tls"
                         : usage == VIR_SECRET_USAGE_TYPE_NONE   ? ""
                                                                 : "other");
    char *xml = virSecretGetXMLDesc(sec, 0);
    if (secret_attr(xml, "ephemeral"))
        a->lv |= SECRET_EPHEMERAL;
    if (secret_attr(xml, "private"))
        a->lv |= SECRET_PRIVATE;
    free(xml);
    size_t n = 0;
    unsigned char *v = virSecretGetValue(sec, &n, 0);
    if (v) {
        a->lv |= SECRET_HAS_VALUE;
        if (sa->key_b64) {
            char *enc = base64(v, n);
            a->verdict = strcmp(enc, sa->key_b64) == 0 ? 1
                         : n == strlen(sa->key_b64) && memcmp(v, sa->key_b64, n) == 0 ? 2
                                                                                         : 0;
            explicit_bzero(enc, strlen(enc));
            free(enc);
        }
        explicit_bzero(v, n);
        free(v);
    } else if (a->lv & SECRET_PRIVATE) {
        a->lv |= SECRET_VALUE_UNKNOWN; /* libvirt gives no client a private secret's value */
    }
    virSecretFree(sec);
cleanup:
    virConnectClose(conn);
}

int mr_virt_secret(const char *uri, const char *uuid, const char *key_b64,
                   struct mr_libvirt_secret *ret, char **ret_msg)
{
    int r = mr_virt_init(ret_msg);
    if (r < 0)
        return r;
    struct secret_args sa = {uuid, key_b64};
    struct answer a;
    r = ask(secret_job, uri, &sa, LIBVIRT_TIMEOUT_MS, &a, ret_msg);
    if (r < 0)
        return r;
    *ret = (struct mr_libvirt_secret){
        .present = a.lv & SECRET_PRESENT,
        .ephemeral = a.lv & SECRET_EPHEMERAL,
        .is_private = a.lv & SECRET_PRIVATE,
        .has_value = a.lv & SECRET_VALUE_UNKNOWN ? -1 : a.lv & SECRET_HAS_VALUE ? 1 : 0,
        .matches = a.verdict,
    };
    snprintf(ret->usage, sizeof(ret->usage), "%s", a.caps ? a.caps : "");
    free(a.caps);
    return 0;
}
