/* Non-blocking connects, all at once, each with the same deadline: a RST
 * (or ICMP port unreachable) is "refused", silence until the deadline is
 * "filtered" (a DROP rule), ICMP host unreachable or prohibited is
 * "unreachable". */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "migready.h"
#include "ops.h"
#include "tcpprobe.h"

static void classify(struct mr_tcp_probe *p, int e)
{
    p->error = e;
    switch (e) {
    case 0:
        p->state = MR_TCP_OPEN;
        break;
    case ECONNREFUSED:
        p->state = MR_TCP_REFUSED;
        break;
    case ETIMEDOUT:
        p->state = MR_TCP_FILTERED;
        break;
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case EACCES:
    case EPERM: /* this host's own output rules */
        p->state = MR_TCP_UNREACHABLE;
        break;
    default:
        p->state = MR_TCP_ERROR;
        break;
    }
}

/* Starts the connect of P; returns the socket while it is in progress (or,
 * with KEEP, connected), -1 when P already has its answer. */
static int start(struct mr_tcp_probe *p, bool keep)
{
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    if (p->port < 1 || p->port > 65535 || !p->address) {
        classify(p, EINVAL);
        return -1;
    }
    if (inet_pton(AF_INET, p->address, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((unsigned short)p->port);
        len = sizeof(*in4);
    } else if (inet_pton(AF_INET6, p->address, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((unsigned short)p->port);
        len = sizeof(*in6);
    } else {
        classify(p, EINVAL);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        classify(p, errno);
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&ss, len) == 0) {
        classify(p, 0);
        if (keep)
            return fd;
        close(fd);
        return -1;
    }
    if (errno == EINPROGRESS)
        return fd;
    classify(p, errno);
    close(fd);
    return -1;
}

int mr_tcp_probe_run(struct mr_tcp_probe *v, size_t n, int timeout_ms)
{
    if (n == 0)
        return 0;
    struct pollfd *pfd = mr_xcalloc(n, sizeof(*pfd));
    size_t pending = 0;
    for (size_t i = 0; i < n; i++) {
        pfd[i].fd = start(&v[i], false);
        pfd[i].events = POLLOUT;
        if (pfd[i].fd >= 0)
            pending++;
    }
    long long deadline = mr_now_ms() + timeout_ms;
    while (pending > 0) {
        long long left = deadline - mr_now_ms();
        if (left <= 0)
            break;
        int r = poll(pfd, n, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        for (size_t i = 0; i < n; i++) {
            if (pfd[i].fd < 0 || !pfd[i].revents)
                continue;
            int e = 0;
            socklen_t el = sizeof(e);
            if (getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
                e = errno;
            classify(&v[i], e);
            close(pfd[i].fd);
            pfd[i].fd = -1;
            pending--;
        }
    }
    /* No answer before the deadline: dropped on the way. */
    for (size_t i = 0; i < n; i++)
        if (pfd[i].fd >= 0) {
            classify(&v[i], ETIMEDOUT);
            close(pfd[i].fd);
        }
    free(pfd);
    return 0;
}

int mr_tcp_connect_by(struct mr_tcp_probe *p, long long deadline)
{
    p->state = MR_TCP_ERROR; /* until start() or the wait says otherwise */
    p->error = 0;
    int fd = start(p, true);
    if (fd < 0 || p->state == MR_TCP_OPEN)
        return fd;
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    for (;;) {
        long long left = deadline - mr_now_ms();
        int r = left > 0 ? poll(&pfd, 1, (int)left) : 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            classify(p, r < 0 ? errno : ETIMEDOUT);
            break;
        }
        int e = 0;
        socklen_t el = sizeof(e);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
            e = errno;
        classify(p, e);
        if (e == 0)
            return fd;
        break;
    }
    close(fd);
    return -1;
}
