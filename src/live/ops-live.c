/* The live side of the ops table (src/core/ops.h): the real sources, wired
 * together. Only the command line (and the lab) picks this table; checks
 * see it through ctx->ops. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "migrate.h"
#include "migready.h"
#include "nfsprobe.h"
#include "ops.h"
#include "ops-live.h"
#include "rados.h"
#include "sshpeer.h"
#include "tcpprobe.h"
#include "virt.h"

extern char **environ;

static void push_addr(char ***v, const struct sockaddr *sa)
{
    char buf[INET6_ADDRSTRLEN];
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
                  sizeof(buf));
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
                  sizeof(buf));
    else
        return;
    if (!mr_strv_contains(*v, buf))
        mr_strv_push(v, buf);
}

static int local_addresses(char ***ret)
{
    struct ifaddrs *ifa = NULL;
    if (getifaddrs(&ifa) < 0)
        return -errno;
    char **v = mr_xcalloc(1, sizeof(char *));
    for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
        if (i->ifa_addr)
            push_addr(&v, i->ifa_addr);
    freeifaddrs(ifa);
    *ret = v;
    return 0;
}

static int resolve(const char *name, char ***ret)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int e = getaddrinfo(name, NULL, &hints, &res);
    if (e == EAI_NONAME || e == EAI_NODATA || e == EAI_FAIL)
        return -ENOENT;
    if (e == EAI_SYSTEM)
        return -errno;
    if (e)
        return -EIO;
    char **v = mr_xcalloc(1, sizeof(char *));
    for (struct addrinfo *a = res; a; a = a->ai_next)
        push_addr(&v, a->ai_addr);
    freeaddrinfo(res);
    *ret = v;
    return 0;
}

static int run(const char *const *argv, int timeout_ms, char **ret_out)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return -errno;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    int e = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (e) {
        close(pipefd[0]);
        return -e;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    long long deadline = mr_now_ms() + timeout_ms;
    int r = 0;
    for (;;) {
        long long left = deadline - mr_now_ms();
        if (left <= 0) {
            r = -ETIMEDOUT;
            break;
        }
        struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
        int n = poll(&p, 1, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            r = n < 0 ? -errno : -ETIMEDOUT;
            break;
        }
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = mr_xrealloc(buf, cap);
        }
        ssize_t got = read(pipefd[0], buf + len, cap - len - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(pipefd[0]);
    if (r < 0)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (r < 0) {
        free(buf);
        return r;
    }
    if (!buf)
        buf = mr_xcalloc(1, 1);
    buf[len] = '\0';
    *ret_out = buf;
    if (WIFEXITED(status))
        return WEXITSTATUS(status) == 127 ? -ENOENT : WEXITSTATUS(status);
    return -EINTR;
}

static int mounts(char **ret)
{
    FILE *f = fopen("/proc/self/mounts", "re");
    if (!f)
        return -errno;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(f);
    fclose(m);
    *ret = buf;
    return 0;
}

static bool selinux_enforcing(void)
{
    FILE *f = fopen("/sys/fs/selinux/enforce", "re");
    if (!f)
        return false;
    int c = fgetc(f);
    fclose(f);
    return c == '1';
}

const struct mr_ops mr_ops_live = {
    .local_addresses = local_addresses,
    .resolve = resolve,
    .run = run,
    .mounts = mounts,
    .selinux_enforcing = selinux_enforcing,
    .nfs_probe = mr_nfs_probe_run,
    .libvirt_load = mr_virt_load,
    .libvirt_host = mr_virt_host,
    .libvirt_compare_cpu = mr_virt_compare_cpu,
    .peer_fetch = mr_ssh_peer_fetch,
    .tcp_probe = mr_tcp_probe_run,
    .libvirt_secret = mr_virt_secret,
    .rbd_probe = mr_rbd_probe_run,
    .migrate_test = mr_migrate_run,
};
