/* The NFS probe with libnfs's synchronous API.
 *
 * libnfs's sync calls can wait far longer than its RPC timeout (a TCP
 * connect to a host that drops packets, a server that stops answering in
 * the middle of a COMPOUND), so the probe runs in a child process that
 * reports each step through a pipe; the parent kills it at a deadline and
 * still knows the step that hung. The reachability of port 2049 is tested
 * first with our own connect, because libnfs reports a refused or timed-out
 * connection only as a generic RPC error. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nfsc/libnfs.h>

#include "migready.h"
#include "nfsprobe.h"
#include "ops.h"

#define NFS_PORT "2049"
#define PROBE_DATA "migready NFS probe: this file is deleted at once; remove it if it stays\n"

/* Sends the progress so far to the parent; a short write cannot happen
 * below PIPE_BUF, and a closed pipe only means the parent gave up. */
static void report(int fd, const struct mr_nfs_result *res)
{
    _Static_assert(sizeof(*res) <= 4096, "one atomic pipe write");
    ssize_t n;
    do
        n = write(fd, res, sizeof(*res));
    while (n < 0 && errno == EINTR);
}

static void set_msg(struct mr_nfs_result *res, const char *msg)
{
    snprintf(res->message, sizeof(res->message), "%s", msg ? msg : "");
}

/* A TCP connection to ADDR within TIMEOUT_MS: 0 or a negative errno. */
static int try_connect(const struct addrinfo *ai, int timeout_ms)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
    if (fd < 0)
        return -errno;
    int r = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        if (errno != EINPROGRESS) {
            r = -errno;
            goto cleanup;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int n;
        do
            n = poll(&p, 1, timeout_ms);
        while (n < 0 && errno == EINTR);
        if (n == 0) {
            r = -ETIMEDOUT;
            goto cleanup;
        }
        int soerr = 0;
        socklen_t len = sizeof(soerr);
        if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
            r = -errno;
        else if (soerr)
            r = -soerr;
    }
cleanup:
    close(fd);
    return r;
}

/* Resolves the server and connects to its port 2049; on success writes the
 * address to res->address and to ADDR (the form libnfs accepts). */
static int reach(const struct mr_nfs_probe *req, struct mr_nfs_result *res, char *addr,
                 size_t addr_size)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ais = NULL;
    res->stage = MR_NFS_RESOLVE;
    int e = getaddrinfo(req->server, NFS_PORT, &hints, &ais);
    if (e) {
        res->err = e == EAI_SYSTEM ? -errno : -ENOENT;
        set_msg(res, gai_strerror(e));
        return res->err;
    }
    res->stage = MR_NFS_CONNECT;
    int r = -EHOSTUNREACH;
    for (struct addrinfo *ai = ais; ai; ai = ai->ai_next) {
        char buf[INET6_ADDRSTRLEN] = "";
        const struct sockaddr_in *in4 = (const void *)ai->ai_addr;
        const struct sockaddr_in6 *in6 = (const void *)ai->ai_addr;
        const void *a = ai->ai_family == AF_INET ? (const void *)&in4->sin_addr
                                                 : (const void *)&in6->sin6_addr;
        inet_ntop(ai->ai_family, a, buf, sizeof(buf));
        snprintf(res->address, sizeof(res->address), "%s", buf);
        r = try_connect(ai, req->timeout_ms);
        if (r == 0) {
            /* libnfs resolves names itself; hand it the address that answered
             * (an IPv6 literal only as the original name, which it resolves). */
            snprintf(addr, addr_size, "%s", ai->ai_family == AF_INET ? buf : req->server);
            break;
        }
    }
    freeaddrinfo(ais);
    if (r < 0) {
        res->err = r;
        set_msg(res, strerror(-r));
    }
    return r;
}

static struct nfs_context *mount_version(const struct mr_nfs_probe *req, const char *server,
                                         int version, int *ret_err, char *msg, size_t msg_size)
{
    struct nfs_context *nfs = nfs_init_context();
    if (!nfs) {
        *ret_err = -ENOMEM;
        snprintf(msg, msg_size, "cannot create an NFS context");
        return NULL;
    }
    /* libnfs takes the timeout in whole seconds. */
    int t = (req->timeout_ms + 999) / 1000 * 1000;
    nfs_set_timeout(nfs, t > 0 ? t : 1000);
    nfs_set_tcp_syncnt(nfs, 2);
    nfs_set_autoreconnect(nfs, 0);
    nfs_set_uid(nfs, (int)req->uid);
    nfs_set_gid(nfs, (int)req->gid);
    int r = nfs_set_version(nfs, version);
    if (r == 0)
        r = nfs_mount(nfs, server, req->export_path);
    if (r < 0) {
        *ret_err = r;
        snprintf(msg, msg_size, "NFSv%d: %s", version, nfs_get_error(nfs));
        nfs_destroy_context(nfs);
        return NULL;
    }
    *ret_err = 0;
    return nfs;
}

/* NFSv4 first (one port, no rpcbind), then NFSv3. When both fail the error
 * kept is the more telling one: "no such export" or "access denied" from
 * either version beats a version the server does not speak. */
static struct nfs_context *do_mount(const struct mr_nfs_probe *req, struct mr_nfs_result *res,
                                    const char *server)
{
    char m4[240], m3[240];
    int e4, e3;
    res->stage = MR_NFS_MOUNT;
    struct nfs_context *nfs = mount_version(req, server, 4, &e4, m4, sizeof(m4));
    if (nfs) {
        res->version = 4;
        return nfs;
    }
    nfs = mount_version(req, server, 3, &e3, m3, sizeof(m3));
    if (nfs) {
        res->version = 3;
        return nfs;
    }
    bool telling4 = e4 == -ENOENT || e4 == -EACCES || e4 == -EPERM;
    bool telling3 = e3 == -ENOENT || e3 == -EACCES || e3 == -EPERM;
    res->err = telling4 || !telling3 ? e4 : e3;
    snprintf(res->message, sizeof(res->message), "%s; %s", m4, m3);
    return NULL;
}

static void fail_step(struct mr_nfs_result *res, struct nfs_context *nfs, int r)
{
    res->err = r < 0 ? r : -EIO;
    set_msg(res, nfs_get_error(nfs));
}

/* libnfs turns an NFSv4 owner it cannot read as a number ("nova@domain")
 * into 65534; NFSv3 carries numbers, so ask again over v3 when the server
 * speaks it. Without v3 the owner stays unknown rather than wrong. */
#define NFS_NOBODY 65534u
static void numeric_owner(const struct mr_nfs_probe *req, const char *server,
                          struct mr_nfs_result *res)
{
    int e;
    char msg[240];
    struct nfs_context *v3 = mount_version(req, server, 3, &e, msg, sizeof(msg));
    struct nfs_stat_64 st;
    if (v3 && nfs_stat64(v3, res->probe_path, &st) == 0) {
        res->owner_uid = st.nfs_uid;
        res->owner_gid = st.nfs_gid;
    } else {
        res->owner_known = false;
    }
    if (v3) {
        nfs_umount(v3);
        nfs_destroy_context(v3);
    }
}

static void child(const struct mr_nfs_probe *req, int fd)
{
    struct mr_nfs_result res = {.stage = MR_NFS_RESOLVE};
    struct nfs_context *nfs = NULL;
    struct nfsfh *fh = NULL;
    char server[INET6_ADDRSTRLEN + 256];
    signal(SIGPIPE, SIG_IGN);

    if (reach(req, &res, server, sizeof(server)) < 0)
        goto done;
    report(fd, &res);
    nfs = do_mount(req, &res, server);
    if (!nfs)
        goto done;
    report(fd, &res);

    if (req->probe_name) {
        snprintf(res.probe_path, sizeof(res.probe_path), "/%s", req->probe_name);
    } else {
        char host[64] = "host";
        gethostname(host, sizeof(host) - 1);
        host[strcspn(host, ".")] = '\0';
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(res.probe_path, sizeof(res.probe_path), "/.migready-probe-%s-%ld-%lx", host,
                 (long)getppid(), (unsigned long)(ts.tv_sec ^ ts.tv_nsec));
    }
    res.stage = MR_NFS_CREATE;
    report(fd, &res);
    int r = nfs_open2(nfs, res.probe_path, O_CREAT | O_RDWR | O_TRUNC, 0600, &fh);
    if (r < 0) {
        fail_step(&res, nfs, r);
        goto done;
    }
    res.stage = MR_NFS_WRITE;
    report(fd, &res);
    size_t len = strlen(PROBE_DATA);
    r = nfs_pwrite(nfs, fh, 0, len, PROBE_DATA);
    if (r < 0 || (size_t)r != len) {
        fail_step(&res, nfs, r);
        goto remove;
    }
    res.stage = MR_NFS_READ;
    report(fd, &res);
    char back[sizeof(PROBE_DATA)] = "";
    r = nfs_pread(nfs, fh, 0, len, back);
    if (r < 0) {
        fail_step(&res, nfs, r);
        goto remove;
    }
    res.data_mismatch = (size_t)r != len || memcmp(back, PROBE_DATA, len) != 0;
    res.stage = MR_NFS_STAT;
    report(fd, &res);
    struct nfs_stat_64 st;
    r = nfs_fstat64(nfs, fh, &st);
    if (r < 0) {
        fail_step(&res, nfs, r);
        goto remove;
    }
    res.owner_known = true;
    res.owner_uid = st.nfs_uid;
    res.owner_gid = st.nfs_gid;
    if (res.version == 4 && (st.nfs_uid == NFS_NOBODY || st.nfs_gid == NFS_NOBODY))
        numeric_owner(req, server, &res);

remove:
    nfs_close(nfs, fh);
    fh = NULL;
    {
        /* Delete the probe even after a failed step; a failure to delete is
         * reported only when everything else went well. */
        enum mr_nfs_stage was = res.stage;
        bool ok = res.err == 0;
        if (ok) {
            res.stage = MR_NFS_UNLINK;
            report(fd, &res);
        }
        r = nfs_unlink(nfs, res.probe_path);
        if (ok && r < 0)
            fail_step(&res, nfs, r);
        else if (ok)
            res.stage = MR_NFS_DONE;
        else
            res.stage = was;
    }

done:
    if (nfs) {
        nfs_umount(nfs);
        nfs_destroy_context(nfs);
    }
    report(fd, &res);
}

/* The child's side of mr_child_records(). */
static void child_job(int fd, const void *arg)
{
    child(arg, fd);
}

int mr_nfs_probe_run(const struct mr_nfs_probe *req, struct mr_nfs_result *res)
{
    *res = (struct mr_nfs_result){.stage = MR_NFS_RESOLVE};
    /* Connect, two mount attempts of a few RPCs each, five file steps. */
    long long deadline = mr_now_ms() + 12LL * (req->timeout_ms > 0 ? req->timeout_ms : 1000) + 2000;
    int t = mr_child_records(child_job, req, res, sizeof(*res), deadline);
    if (t < 0)
        return t;
    bool timed_out = t == 1;
    bool finished = res->stage == MR_NFS_DONE || res->err != 0;
    if (!finished && res->err == 0) {
        /* The child hung (killed at the deadline) or died in this step. */
        res->err = timed_out ? -ETIMEDOUT : -EIO;
        if (!res->message[0])
            set_msg(res, timed_out ? "no answer before the deadline"
                                   : "the NFS client process died");
    }
    return 0;
}
