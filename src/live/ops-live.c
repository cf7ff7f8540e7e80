/* The live side of the ops table (src/core/ops.h): the real sources, wired
 * together. Only the command line (and the lab) picks this table; checks
 * see it through ctx->ops. */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
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
#include <sys/stat.h>
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
#include "tlsprobe.h"
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

/* /proc/PID/FILE's content (at most 4 KiB, NUL-terminated; *RET_LEN its
 * length), or NULL. */
static char *proc_file(const char *pid, const char *file, size_t *ret_len)
{
    char path[320];
    snprintf(path, sizeof(path), "/proc/%.20s/%.32s", pid, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *buf = mr_xcalloc(1, 4097);
    ssize_t n = read(fd, buf, 4096);
    close(fd);
    if (n < 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (ret_len)
        *ret_len = (size_t)n;
    return buf;
}

static char *base_name(const char *s)
{
    const char *slash = strrchr(s, '/');
    return mr_xstrdup(slash ? slash + 1 : s);
}

static int processes(struct mr_process **ret, size_t *ret_n)
{
    struct stat self;
    if (stat("/proc/self/ns/net", &self) < 0)
        return -errno;
    DIR *d = opendir("/proc");
    if (!d)
        return -errno;
    struct mr_process *v = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *pid = de->d_name;
        if (pid[0] < '1' || pid[0] > '9' || strspn(pid, "0123456789") != strlen(pid))
            continue;
        char path[64];
        struct stat ns;
        snprintf(path, sizeof(path), "/proc/%.20s/ns/net", pid);
        /* Another network namespace is another host; one we cannot read
         * (gone, or not ours to see) counts, to be safe. */
        int r = stat(path, &ns);
        if (r < 0 && errno == ENOENT)
            continue;
        if (r == 0 && (ns.st_ino != self.st_ino || ns.st_dev != self.st_dev))
            continue;
        char *status = proc_file(pid, "status", NULL);
        if (!status)
            continue;
        struct mr_process p = {.pid = strtol(pid, NULL, 10), .uid = (uid_t)-1};
        const char *u = strstr(status, "\nUid:");
        if (u)
            p.uid = (uid_t)strtoul(u + 5, NULL, 10);
        free(status);
        p.comm = proc_file(pid, "comm", NULL);
        if (!p.comm)
            p.comm = mr_xstrdup("");
        p.comm[strcspn(p.comm, "\n")] = '\0';
        size_t len = 0;
        char *cmd = proc_file(pid, "cmdline", &len);
        p.argv0 = base_name(cmd && len ? cmd : "");
        size_t first = cmd ? strlen(cmd) + 1 : 0;
        p.argv1 = base_name(cmd && first < len ? cmd + first : "");
        free(cmd);
        v = mr_xrealloc(v, (n + 1) * sizeof(*v));
        v[n++] = p;
    }
    closedir(d);
    *ret = v;
    *ret_n = n;
    return 0;
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
    .libvirt_baseline_cpu = mr_virt_baseline_cpu,
    .peer_fetch = mr_ssh_peer_fetch,
    .tcp_probe = mr_tcp_probe_run,
    .tls_handshake = mr_tls_probe_run,
    .libvirt_secret = mr_virt_secret,
    .rbd_probe = mr_rbd_probe_run,
    .migrate_test = mr_migrate_run,
    .processes = processes,
};
