/* Root-safe file access. openat2(RESOLVE_IN_ROOT) where the kernel has it;
 * otherwise a userspace walk with the same rules: every component is opened
 * with O_NOFOLLOW relative to its parent, symlinks are expanded by hand,
 * absolute targets restart at the root and ".." never climbs above it. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "migready.h"
#include "rootfs.h"

#define MR_MAX_SYMLINKS 40

struct mr_root {
    int fd;
    char *path;
};

static int force_walk;

void mr_root_force_walk(int on)
{
    force_walk = on;
}

int mr_root_open(const char *dir, struct mr_root **ret)
{
    int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct mr_root *r = mr_xcalloc(1, sizeof(*r));
    r->fd = fd;
    r->path = mr_xstrdup(dir);
    *ret = r;
    return 0;
}

void mr_root_free(struct mr_root *root)
{
    if (!root)
        return;
    if (root->fd >= 0)
        close(root->fd);
    free(root->path);
    free(root);
}

const char *mr_root_path(const struct mr_root *root)
{
    return root->path;
}

/* Pops the last component of a resolved path kept as a stack of fds. */
struct walk {
    int fds[PATH_MAX / 2];
    size_t depth; /* fds[0] is the root (not owned) */
};

static void walk_reset(struct walk *w, int rootfd)
{
    for (size_t i = 1; i <= w->depth; i++)
        close(w->fds[i]);
    w->fds[0] = rootfd;
    w->depth = 0;
}

/* Resolves PATH inside ROOTFD by hand. On success returns an fd for the
 * final component opened with FLAGS (or O_PATH when nofollow and it is a
 * symlink). */
static int walk_open(int rootfd, const char *path, int flags, bool nofollow)
{
    struct walk w = {.depth = 0};
    char *todo = mr_xstrdup(path);
    int links = 0, r = -EINVAL;
    w.fds[0] = rootfd;

    char *p = todo;
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p) {
            /* The path named a directory already on the stack. */
            r = openat(w.fds[w.depth], ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC);
            r = r < 0 ? -errno : r;
            goto cleanup;
        }
        char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char name[NAME_MAX + 1];
        if (len > NAME_MAX) {
            r = -ENAMETOOLONG;
            goto cleanup;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        const char *rest = p + len;
        while (*rest == '/')
            rest++;
        bool last = *rest == '\0';

        bool dot = strcmp(name, ".") == 0, dotdot = strcmp(name, "..") == 0;
        if (dot || dotdot) {
            /* ".." never climbs above the root: at the top it stays there. */
            if (dotdot && w.depth > 0)
                close(w.fds[w.depth--]);
            p = (char *)rest;
            if (last) {
                r = openat(w.fds[w.depth], ".", flags | O_CLOEXEC);
                r = r < 0 ? -errno : r;
                goto cleanup;
            }
            continue;
        }

        int fd = openat(w.fds[w.depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            r = -errno;
            goto cleanup;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
            r = -errno;
            close(fd);
            goto cleanup;
        }
        if (S_ISLNK(st.st_mode) && !(last && nofollow)) {
            if (++links > MR_MAX_SYMLINKS) {
                close(fd);
                r = -ELOOP;
                goto cleanup;
            }
            char target[PATH_MAX];
            ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
            close(fd);
            if (n < 0) {
                r = -errno;
                goto cleanup;
            }
            target[n] = '\0';
            if (target[0] == '/')
                walk_reset(&w, rootfd);
            char *next = mr_xasprintf("%s/%s", target, rest);
            free(todo);
            todo = next;
            p = todo;
            continue;
        }
        if (last) {
            if (S_ISLNK(st.st_mode)) {
                r = fd; /* nofollow: the link itself, as O_PATH */
                goto cleanup;
            }
            r = openat(w.fds[w.depth], name, flags | O_NOFOLLOW | O_CLOEXEC);
            close(fd);
            r = r < 0 ? -errno : r;
            goto cleanup;
        }
        if (!S_ISDIR(st.st_mode)) {
            close(fd);
            r = -ENOTDIR;
            goto cleanup;
        }
        if (w.depth + 1 >= MR_ARRAY_SIZE(w.fds)) {
            close(fd);
            r = -ENAMETOOLONG;
            goto cleanup;
        }
        w.fds[++w.depth] = fd;
        p = (char *)rest;
    }

cleanup:
    walk_reset(&w, rootfd);
    free(todo);
    return r;
}

static int kernel_open(int rootfd, const char *path, int flags)
{
    struct open_how how = {
        .flags = (unsigned long long)(flags | O_CLOEXEC),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    long r = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
    return r < 0 ? -errno : (int)r;
}

int mr_root_openat(const struct mr_root *root, const char *path, int flags)
{
    if (!path || path[0] != '/')
        return -EINVAL;
    if (flags & O_CREAT)
        return -EPERM;
    if (!force_walk) {
        int r = kernel_open(root->fd, path, flags);
        if (r != -ENOSYS && r != -EPERM)
            return r;
    }
    return walk_open(root->fd, path, flags & ~O_NOFOLLOW, flags & O_NOFOLLOW);
}

int mr_root_stat(const struct mr_root *root, const char *path, struct stat *st, bool nofollow)
{
    int fd = mr_root_openat(root, path, O_PATH | (nofollow ? O_NOFOLLOW : 0));
    if (fd < 0)
        return fd;
    int r = fstat(fd, st) < 0 ? -errno : 0;
    close(fd);
    return r;
}

int mr_root_read(const struct mr_root *root, const char *path, size_t max, char **ret_buf,
                 size_t *ret_len)
{
    int fd = mr_root_openat(root, path, O_RDONLY | O_NONBLOCK);
    if (fd < 0)
        return fd;
    struct stat st;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int r = 0;
    if (fstat(fd, &st) < 0) {
        r = -errno;
        goto cleanup;
    }
    if (S_ISDIR(st.st_mode)) {
        r = -EISDIR;
        goto cleanup;
    }
    /* A FIFO or a device would block or never end: configuration is a file. */
    if (!S_ISREG(st.st_mode)) {
        r = -EINVAL;
        goto cleanup;
    }
    if (S_ISREG(st.st_mode) && (size_t)st.st_size > max) {
        r = -EFBIG;
        goto cleanup;
    }
    cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 4096;
    buf = mr_xmalloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            cap *= 2;
            buf = mr_xrealloc(buf, cap);
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            r = -errno;
            goto cleanup;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max) {
            r = -EFBIG;
            goto cleanup;
        }
    }
    buf[len] = '\0';
    *ret_buf = buf;
    buf = NULL;
    if (ret_len)
        *ret_len = len;

cleanup:
    free(buf);
    close(fd);
    return r;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int mr_root_list(const struct mr_root *root, const char *dir, const char *suffix, char ***ret)
{
    int fd = mr_root_openat(root, dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return fd;
    DIR *d = fdopendir(fd);
    if (!d) {
        int r = -errno;
        close(fd);
        return r;
    }
    char **names = mr_xcalloc(1, sizeof(char *));
    size_t slen = suffix ? strlen(suffix) : 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        size_t n = strlen(de->d_name);
        if (suffix && (n <= slen || strcmp(de->d_name + n - slen, suffix) != 0))
            continue;
        mr_strv_push(&names, de->d_name);
    }
    closedir(d);
    qsort(names, mr_strv_len(names), sizeof(char *), cmp_names);
    *ret = names;
    return 0;
}

/* ---- writing ---- */

/* Splits "/a/b/c" into "/a/b" (caller frees) and "c" (points into PATH).
 * Refuses "." and ".." components: the fixers name canonical paths. */
static int split_path(const char *path, char **ret_dir, const char **ret_name)
{
    if (!path || path[0] != '/')
        return -EINVAL;
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return -EINVAL;
        p += n;
    }
    const char *slash = strrchr(path, '/');
    if (!slash[1])
        return -EINVAL;
    *ret_dir = slash == path ? mr_xstrdup("/") : mr_xstrndup(path, (size_t)(slash - path));
    *ret_name = slash + 1;
    return 0;
}

int mr_root_find_link(const struct mr_root *root, const char *path, char **ret_link)
{
    char *p = mr_xstrdup(path);
    int r = 0;
    for (char *c = p + 1;; c++) {
        if (*c != '/' && *c != '\0')
            continue;
        char save = *c;
        *c = '\0';
        struct stat st;
        if (c[-1] != '/') {
            r = mr_root_stat(root, p, &st, true);
            if (r == 0 && S_ISLNK(st.st_mode)) {
                if (ret_link)
                    *ret_link = mr_xstrdup(p);
                r = -ELOOP;
                goto cleanup;
            }
            if (r == -ENOENT) {
                /* Nothing below a missing component can be a link yet. */
                r = 0;
                goto cleanup;
            }
            if (r < 0)
                goto cleanup;
        }
        *c = save;
        if (!save)
            break;
    }
cleanup:
    free(p);
    return r;
}

/* The folder DIR opened with FLAGS, after making sure no component of it
 * is a link. */
static int open_dir_no_links(const struct mr_root *root, const char *dir, int flags)
{
    int r = mr_root_find_link(root, dir, NULL);
    if (r < 0)
        return r;
    return mr_root_openat(root, dir, flags | O_DIRECTORY);
}

/* Opens the folder of PATH for *at() calls, after making sure no component
 * of PATH is a link. */
static int open_parent(const struct mr_root *root, const char *path, const char **ret_name)
{
    char *dir = NULL;
    int r = split_path(path, &dir, ret_name);
    if (r < 0)
        return r;
    r = mr_root_find_link(root, path, NULL);
    if (r == 0)
        r = mr_root_openat(root, dir, O_PATH | O_DIRECTORY);
    free(dir);
    return r;
}

int mr_root_mkdir_p(const struct mr_root *root, const char *dir, mode_t mode)
{
    if (!dir || dir[0] != '/')
        return -EINVAL;
    int fd = mr_root_openat(root, "/", O_PATH | O_DIRECTORY);
    if (fd < 0)
        return fd;
    char *todo = mr_xstrdup(dir);
    int r = 0;
    char *save = NULL;
    for (char *name = strtok_r(todo, "/", &save); name; name = strtok_r(NULL, "/", &save)) {
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
            r = -EINVAL;
            break;
        }
        if (mkdirat(fd, name, mode) < 0 && errno != EEXIST) {
            r = -errno;
            break;
        }
        int next = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            r = -errno;
            break;
        }
        struct stat st;
        if (fstat(next, &st) < 0 || !S_ISDIR(st.st_mode)) {
            r = S_ISLNK(st.st_mode) ? -ELOOP : -ENOTDIR;
            close(next);
            break;
        }
        close(fd);
        fd = next;
    }
    close(fd);
    free(todo);
    return r;
}

/* Read-only mount or immutable / append-only inode. */
static int fd_writable(int fd)
{
    struct statvfs sv;
    if (fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY))
        return -EROFS;
    return 0;
}

int mr_root_writable(const struct mr_root *root, const char *path)
{
    const char *name;
    int dfd = open_parent(root, path, &name);
    if (dfd < 0)
        return dfd;
    int r = fd_writable(dfd);
    int fd = r < 0 ? -1 : openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (r == 0 && fd < 0 && errno != ENOENT)
        r = -errno;
    if (fd >= 0) {
        r = fd_writable(fd);
        int flags = 0;
        if (r == 0 && ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 &&
            (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL)))
            r = -EPERM;
        close(fd);
    }
    close(dfd);
    return r;
}

/* A name for a temporary file beside NAME that no one else uses. */
static int create_temp(int dfd, const char *name, mode_t mode, char *buf, size_t size)
{
    static unsigned counter;
    for (int tries = 0; tries < 100; tries++) {
        snprintf(buf, size, ".%s.migready-%ld-%u", name, (long)getpid(), counter++);
        int fd = openat(dfd, buf, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
                        mode & 07777);
        if (fd >= 0 || errno != EEXIST)
            return fd < 0 ? -errno : fd;
    }
    return -EEXIST;
}

static int sync_dir(int dfd)
{
    int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int r = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return r;
}

/* Renames TMP over NAME unless NAME has become a link meanwhile. */
static int replace(int dfd, const char *tmp, const char *name)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        return -ELOOP;
    if (renameat(dfd, tmp, dfd, name) < 0)
        return -errno;
    return sync_dir(dfd);
}

int mr_root_write_atomic(const struct mr_root *root, const char *path, const void *data,
                         size_t len, mode_t mode, uid_t uid, gid_t gid)
{
    const char *name;
    char tmp[NAME_MAX + 64];
    int dfd = open_parent(root, path, &name), fd = -1, r;
    if (dfd < 0)
        return dfd;
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        (S_ISLNK(st.st_mode) || (!S_ISDIR(st.st_mode) && st.st_nlink > 1))) {
        r = S_ISLNK(st.st_mode) ? -ELOOP : -EMLINK;
        goto cleanup;
    }
    fd = create_temp(dfd, name, 0600, tmp, sizeof(tmp));
    if (fd < 0) {
        r = fd;
        goto cleanup;
    }
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, (const char *)data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = -errno;
            goto unlink;
        }
        off += (size_t)n;
    }
    /* Owner before mode: chown clears the set-ID bits. */
    if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode & 07777) < 0 || fsync(fd) < 0) {
        r = -errno;
        goto unlink;
    }
    if (close(fd) < 0) {
        fd = -1;
        r = -errno;
        goto unlink;
    }
    fd = -1;
    r = replace(dfd, tmp, name);
    if (r < 0)
        goto unlink;
    goto cleanup;

unlink:
    unlinkat(dfd, tmp, 0);
cleanup:
    if (fd >= 0)
        close(fd);
    close(dfd);
    return r;
}

int mr_root_symlink(const struct mr_root *root, const char *path, const char *target)
{
    const char *name;
    char tmp[NAME_MAX + 64];
    int dfd = open_parent(root, path, &name);
    static unsigned counter;
    if (dfd == -ELOOP) {
        /* The link itself may exist: only its folders must not be links. */
        char *dir = NULL;
        int r = split_path(path, &dir, &name);
        if (r == 0)
            r = mr_root_find_link(root, dir, NULL);
        if (r == 0)
            dfd = mr_root_openat(root, dir, O_PATH | O_DIRECTORY);
        free(dir);
        if (r < 0)
            return r;
    }
    if (dfd < 0)
        return dfd;
    int r = -EEXIST;
    for (int tries = 0; tries < 100; tries++) {
        snprintf(tmp, sizeof(tmp), ".%s.migready-%ld-%u", name, (long)getpid(), counter++);
        if (symlinkat(target, dfd, tmp) == 0) {
            r = 0;
            break;
        }
        if (errno != EEXIST) {
            r = -errno;
            break;
        }
    }
    if (r == 0) {
        if (renameat(dfd, tmp, dfd, name) < 0) {
            r = -errno;
            unlinkat(dfd, tmp, 0);
        } else {
            r = sync_dir(dfd);
        }
    }
    close(dfd);
    return r;
}

/* PATH opened for fchown/fchmod: no link in any component, the last one
 * included, and one name only unless it is a folder (folders cannot be
 * hard-linked; their link count is their subfolders). */
static int open_meta(const struct mr_root *root, const char *path)
{
    int fd;
    if (path && strcmp(path, "/") == 0) {
        fd = mr_root_openat(root, "/", O_RDONLY | O_DIRECTORY);
    } else {
        const char *name;
        int dfd = open_parent(root, path, &name);
        if (dfd < 0)
            return dfd;
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        fd = fd < 0 ? -errno : fd;
        close(dfd);
    }
    if (fd < 0)
        return fd;
    struct stat st;
    int r = fstat(fd, &st) < 0 ? -errno : 0;
    if (r == 0 && !S_ISDIR(st.st_mode) && st.st_nlink > 1)
        r = -EMLINK;
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

int mr_root_chown(const struct mr_root *root, const char *path, uid_t uid, gid_t gid)
{
    int fd = open_meta(root, path);
    if (fd < 0)
        return fd;
    int r = fchown(fd, uid, gid) < 0 ? -errno : 0;
    close(fd);
    return r;
}

int mr_root_chmod(const struct mr_root *root, const char *path, mode_t mode)
{
    int fd = open_meta(root, path);
    if (fd < 0)
        return fd;
    int r = fchmod(fd, mode & 07777) < 0 ? -errno : 0;
    close(fd);
    return r;
}

int mr_root_create(const struct mr_root *root, const char *path, mode_t mode)
{
    const char *name;
    int dfd = open_parent(root, path, &name);
    if (dfd < 0)
        return dfd;
    int fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
    fd = fd < 0 ? -errno : fd;
    close(dfd);
    if (fd < 0)
        return fd;
    struct stat st;
    int r = fstat(fd, &st) < 0 ? -errno : 0;
    if (r == 0 && !S_ISREG(st.st_mode))
        r = -EINVAL;
    if (r == 0 && st.st_nlink > 1)
        r = -EMLINK;
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

int mr_root_unlink(const struct mr_root *root, const char *path, bool rmdir)
{
    const char *name;
    int dfd = open_parent(root, path, &name);
    if (dfd < 0)
        return dfd;
    int r = unlinkat(dfd, name, rmdir ? AT_REMOVEDIR : 0) < 0 ? -errno : 0;
    close(dfd);
    return r;
}

int mr_root_mkdtemp(const struct mr_root *root, const char *dir, const char *prefix,
                    char **ret_path)
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    int dfd = open_dir_no_links(root, dir, O_PATH);
    if (dfd < 0)
        return dfd;
    int r = -EEXIST;
    for (int tries = 0; tries < 100 && r == -EEXIST; tries++) {
        char name[NAME_MAX + 1], rnd[7];
        unsigned long v = (unsigned long)random() ^ ((unsigned long)getpid() << 8) ^
                          (unsigned long)tries;
        for (size_t i = 0; i < 6; i++, v /= 36)
            rnd[i] = digits[v % 36];
        rnd[6] = '\0';
        snprintf(name, sizeof(name), ".%s.migready-%ld-%s", prefix, (long)getpid(), rnd);
        r = mkdirat(dfd, name, 0700) < 0 ? -errno : 0;
        if (r == 0)
            *ret_path = mr_xasprintf("%s/%s", strcmp(dir, "/") == 0 ? "" : dir, name);
    }
    close(dfd);
    return r;
}

/* ---- what a run killed half-way leaves ---- */

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

long mr_root_temp_pid(const char *name)
{
    /* ".NAME.migready-PID-SUFFIX": nothing else is ours, even in /etc. */
    const char *m = NULL;
    for (const char *p = strstr(name, ".migready-"); p; p = strstr(p + 1, ".migready-"))
        m = p;
    if (name[0] != '.' || !m || m == name)
        return 0;
    const char *pid = m + strlen(".migready-");
    const char *dash = strchr(pid, '-');
    if (!dash || !all_digits(pid, (size_t)(dash - pid)) || !dash[1])
        return 0;
    for (const char *c = dash + 1; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z')))
            return 0;
    return strtol(pid, NULL, 10);
}

bool mr_root_pid_dead(long pid)
{
    if (pid <= 0 || pid == (long)getpid())
        return false;
    return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Removes the files in the folder FD (one level: a dead run's scratch
 * folder holds files only), then the folder NAME in DFD. */
static int remove_scratch(int dfd, const char *name)
{
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -errno;
    }
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            unlinkat(dirfd(d), de->d_name, 0);
    closedir(d);
    return unlinkat(dfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

int mr_root_remove_scratch(const struct mr_root *root, const char *path)
{
    const char *name;
    int dfd = open_parent(root, path, &name);
    if (dfd < 0)
        return dfd;
    int r = remove_scratch(dfd, name);
    close(dfd);
    return r;
}

static void sweep_fd(int fd, const char *dir, bool recursive, char ***removed, int depth)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    char **subdirs = mr_xcalloc(1, sizeof(char *));
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        long pid = mr_root_temp_pid(n);
        if (pid > 0 && mr_root_pid_dead(pid)) {
            int r = S_ISDIR(st.st_mode) ? remove_scratch(dirfd(d), n) : unlinkat(dirfd(d), n, 0);
            if (r == 0) {
                char *p = mr_xasprintf("%s/%s", strcmp(dir, "/") == 0 ? "" : dir, n);
                mr_strv_push(removed, p);
                free(p);
            }
            continue;
        }
        if (recursive && S_ISDIR(st.st_mode))
            mr_strv_push(&subdirs, n);
    }
    for (size_t i = 0; subdirs[i] && depth < 64; i++) {
        int sub = openat(dirfd(d), subdirs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
            continue;
        char *p = mr_xasprintf("%s/%s", strcmp(dir, "/") == 0 ? "" : dir, subdirs[i]);
        sweep_fd(sub, p, recursive, removed, depth + 1);
        free(p);
    }
    mr_strv_free(subdirs);
    closedir(d);
}

int mr_root_sweep(const struct mr_root *root, const char *dir, bool recursive, char ***removed)
{
    int fd = open_dir_no_links(root, dir, O_RDONLY | O_NOFOLLOW);
    if (fd < 0)
        return fd;
    if (!*removed)
        *removed = mr_xcalloc(1, sizeof(char *));
    sweep_fd(fd, dir, recursive, removed, 0);
    return 0;
}

/* ---- re-owning ---- */

/* What the walk knows of a file system by its statfs(2) type. Entered: local
 * and persistent. The rest is named when left out. */
static const struct {
    unsigned long magic;
    const char *name;
    bool enter;
} fs_types[] = {
    {EXT4_SUPER_MAGIC, "ext4", true},          /* ext2 and ext3 too */
    {XFS_SUPER_MAGIC, "xfs", true},
    {BTRFS_SUPER_MAGIC, "btrfs", true},
    {F2FS_SUPER_MAGIC, "f2fs", true},
    {OVERLAYFS_SUPER_MAGIC, "overlay", true},
    {REISERFS_SUPER_MAGIC, "reiserfs", true},
    {0x2fc12fc1, "zfs", true},
    {0x3153464a, "jfs", true},
    {0xca451a4e, "bcachefs", true},
    {TMPFS_MAGIC, "tmpfs", false},             /* devtmpfs too */
    {RAMFS_MAGIC, "ramfs", false},
    {NFS_SUPER_MAGIC, "nfs", false},
    {CIFS_SUPER_MAGIC, "cifs", false},
    {SMB2_SUPER_MAGIC, "smb2", false},
    {SMB_SUPER_MAGIC, "smb", false},
    {CEPH_SUPER_MAGIC, "ceph", false},
    {FUSE_SUPER_MAGIC, "fuse", false},         /* sshfs, glusterfs, s3fs... */
    {V9FS_MAGIC, "9p", false},
    {0x01161970, "gfs2", false},
    {0x7461636f, "ocfs2", false},
    {PROC_SUPER_MAGIC, "proc", false},
    {SYSFS_MAGIC, "sysfs", false},
    {DEVPTS_SUPER_MAGIC, "devpts", false},
    {CGROUP_SUPER_MAGIC, "cgroup", false},
    {CGROUP2_SUPER_MAGIC, "cgroup2", false},
    {AUTOFS_SUPER_MAGIC, "autofs", false},
    {SQUASHFS_MAGIC, "squashfs", false},
    {MSDOS_SUPER_MAGIC, "vfat", false},
    {NSFS_MAGIC, "nsfs", false},
    {BPF_FS_MAGIC, "bpf", false},
    {DEBUGFS_MAGIC, "debugfs", false},
    {TRACEFS_MAGIC, "tracefs", false},
    {SECURITYFS_MAGIC, "securityfs", false},
    {EFIVARFS_MAGIC, "efivarfs", false},
    {HUGETLBFS_MAGIC, "hugetlbfs", false},
    {PSTOREFS_MAGIC, "pstore", false},
};

struct reown_walk {
    struct mr_reown *ro;
    struct {
        dev_t dev;
        ino_t ino;
    } *seen; /* files of several names already counted */
    size_t n_seen;
    struct {
        dev_t dev;
        bool enter;
        char *type;
    } *devs; /* each device's verdict, found once */
    size_t n_devs;
};

/* Whether the walk enters the file system of NAME (in DFD), device DEV;
 * its type in *RET_TYPE when not. */
static bool reown_enters(struct reown_walk *w, int dfd, const char *name, dev_t dev,
                         const char **ret_type)
{
    for (size_t i = 0; i < w->n_devs; i++)
        if (w->devs[i].dev == dev) {
            *ret_type = w->devs[i].type;
            return w->devs[i].enter;
        }
    /* O_PATH: an automount point is not triggered. */
    int fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct statfs sf;
    bool enter = false;
    char *type = NULL;
    if (fd >= 0 && fstatfs(fd, &sf) == 0) {
        for (size_t i = 0; i < MR_ARRAY_SIZE(fs_types) && !type; i++)
            if ((unsigned long)sf.f_type == fs_types[i].magic) {
                type = mr_xstrdup(fs_types[i].name);
                enter = fs_types[i].enter;
            }
        if (!type)
            type = mr_xasprintf("type 0x%lx", (unsigned long)sf.f_type);
    } else {
        type = mr_xstrdup("unknown type");
    }
    if (fd >= 0)
        close(fd);
    w->devs = mr_xrealloc(w->devs, (w->n_devs + 1) * sizeof(*w->devs));
    w->devs[w->n_devs].dev = dev;
    w->devs[w->n_devs].enter = enter;
    w->devs[w->n_devs].type = type;
    w->n_devs++;
    *ret_type = type;
    return enter;
}

static int reown_fail(struct reown_walk *w, const char *path, int r)
{
    if (!w->ro->failed)
        w->ro->failed = mr_xstrdup(path);
    return r;
}

/* NAME in DFD (PATH inside the root), whose metadata is ST: its new owner
 * when it had one of the old IDs. */
static int reown_one(struct reown_walk *w, int dfd, const char *name, const char *path,
                     const struct stat *st)
{
    const struct mr_reown *ro = w->ro;
    uid_t u = ro->uid_from != (uid_t)-1 && st->st_uid == ro->uid_from ? ro->uid_to : (uid_t)-1;
    gid_t g = ro->gid_from != (gid_t)-1 && st->st_gid == ro->gid_from ? ro->gid_to : (gid_t)-1;
    if (u == (uid_t)-1 && g == (gid_t)-1)
        return 0;
    if (!S_ISDIR(st->st_mode) && st->st_nlink > 1) {
        /* The names after the first: counted once (and, once changed, the
         * next name no longer has the old owner anyway). */
        for (size_t i = 0; i < w->n_seen; i++)
            if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino)
                return 0;
        w->seen = mr_xrealloc(w->seen, (w->n_seen + 1) * sizeof(*w->seen));
        w->seen[w->n_seen].dev = st->st_dev;
        w->seen[w->n_seen].ino = st->st_ino;
        w->n_seen++;
    }
    w->ro->files++;
    if (ro->dry_run)
        return 0;
    int r = name ? fchownat(dfd, name, u, g, AT_SYMLINK_NOFOLLOW) : fchown(dfd, u, g);
    if (r < 0)
        return reown_fail(w, path, -errno);
    /* chown(2) drops the set-user-ID and set-group-ID bits, which went with
     * the owner: put them back on the same file, never through a link. */
    if (S_ISREG(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID))) {
        int fd = name ? openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
                      : dup(dfd);
        struct stat now;
        r = fd < 0 || fstat(fd, &now) < 0 ? -errno : 0;
        if (r == 0 && now.st_ino == st->st_ino && now.st_dev == st->st_dev &&
            fchmod(fd, st->st_mode & 07777) < 0)
            r = -errno;
        if (fd >= 0)
            close(fd);
        if (r < 0)
            return reown_fail(w, path, r);
    }
    return 0;
}

/* The folder FD (PATH, device DEV): its entries, then its subfolders'. */
static int reown_dir(struct reown_walk *w, int fd, const char *path, dev_t dev, int depth)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return reown_fail(w, path, -errno);
    }
    int r = 0;
    struct dirent *de;
    for (errno = 0; r == 0 && (de = readdir(d)); errno = 0) {
        const char *n = de->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
            continue;
        if (w->ro->stop && *w->ro->stop) {
            r = -EINTR;
            break;
        }
        char *p = mr_xasprintf("%s/%s", strcmp(path, "/") == 0 ? "" : path, n);
        struct stat st;
        if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT) < 0) {
            if (errno != ENOENT) /* gone since readdir: nothing to change */
                r = reown_fail(w, p, -errno);
            free(p);
            continue;
        }
        const char *type = NULL;
        if (st.st_dev != dev && !reown_enters(w, dirfd(d), n, st.st_dev, &type)) {
            char *s = mr_xasprintf("%s (%s)", p, type);
            if (!mr_strv_contains(w->ro->skipped, s))
                mr_strv_push(&w->ro->skipped, s);
            free(s);
            free(p);
            continue;
        }
        r = reown_one(w, dirfd(d), n, p, &st);
        if (r == 0 && S_ISDIR(st.st_mode)) {
            int sub = depth < 512 ? openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                                                           O_CLOEXEC)
                                  : (errno = ELOOP, -1);
            if (sub >= 0)
                r = reown_dir(w, sub, p, st.st_dev, depth + 1);
            else if (errno != ENOENT)
                r = reown_fail(w, p, -errno);
        }
        free(p);
    }
    if (r == 0 && errno != 0)
        r = reown_fail(w, path, -errno);
    closedir(d);
    return r;
}

int mr_root_reown(const struct mr_root *root, const char *dir, struct mr_reown *ro)
{
    ro->files = 0;
    if (!ro->skipped)
        ro->skipped = mr_xcalloc(1, sizeof(char *));
    int fd = open_dir_no_links(root, dir, O_RDONLY | O_NOFOLLOW);
    if (fd < 0)
        return fd;
    struct reown_walk w = {.ro = ro};
    struct stat st;
    int r = fstat(fd, &st) < 0 ? -errno : 0;
    /* The top itself, then everything under it. */
    if (r == 0)
        r = reown_one(&w, fd, NULL, dir, &st);
    if (r == 0)
        r = reown_dir(&w, fd, dir, st.st_dev, 0);
    else
        close(fd);
    free(w.seen);
    for (size_t i = 0; i < w.n_devs; i++)
        free(w.devs[i].type);
    free(w.devs);
    return r;
}

void mr_reown_clear(struct mr_reown *ro)
{
    if (!ro)
        return;
    mr_strv_free(ro->skipped);
    free(ro->failed);
    ro->skipped = NULL;
    ro->failed = NULL;
}
