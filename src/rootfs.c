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

        if (strcmp(name, ".") == 0) {
            p = (char *)rest;
            if (last) {
                r = openat(w.fds[w.depth], ".", flags | O_CLOEXEC);
                r = r < 0 ? -errno : r;
                goto cleanup;
            }
            continue;
        }
        if (strcmp(name, "..") == 0) {
            if (w.depth > 0)
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
