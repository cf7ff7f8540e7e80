/* Root-safe file access: every path is resolved inside the root, symlinks
 * included, so that an absolute or ".." link cannot reach outside it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

struct mr_root;

/* Opens DIR as the root. Negative errno on failure. */
int mr_root_open(const char *dir, struct mr_root **ret);
void mr_root_free(struct mr_root *root);
const char *mr_root_path(const struct mr_root *root);

/* Opens PATH (absolute, as seen inside the root) with open(2) FLAGS.
 * Returns an fd or a negative errno. O_CREAT is refused: writers use the
 * fixers' helpers. */
int mr_root_openat(const struct mr_root *root, const char *path, int flags);
/* stat(2) inside the root, following symlinks inside it (nofollow: lstat). */
int mr_root_stat(const struct mr_root *root, const char *path, struct stat *st, bool nofollow);
/* Reads a whole regular file, at most MAX bytes (-EFBIG beyond), NUL-terminated. */
int mr_root_read(const struct mr_root *root, const char *path, size_t max, char **ret_buf,
                 size_t *ret_len);
/* Names in a directory that end in SUFFIX (NULL: all but dot files), sorted
 * by name, NULL-terminated. -ENOENT when the directory does not exist. */
int mr_root_list(const struct mr_root *root, const char *dir, const char *suffix, char ***ret);
/* Selects the resolver for tests: 0 = automatic, 1 = force the userspace walk. */
void mr_root_force_walk(int on);

/* ---- writing (the fix engine's helpers) ----
 * Every writer refuses a PATH with a symbolic link in any component, the
 * last included (-ELOOP, *ret_link names the first one, caller frees):
 * a link may lead outside the root, and replacing it would change what it
 * means. */
int mr_root_find_link(const struct mr_root *root, const char *path, char **ret_link);
/* Creates DIR and its missing parents with MODE, never through a link. */
int mr_root_mkdir_p(const struct mr_root *root, const char *dir, mode_t mode);
/* Whether PATH (an existing file) can be replaced: -EPERM when it is
 * immutable or append-only (chattr), -EROFS on a read-only mount. */
int mr_root_writable(const struct mr_root *root, const char *path);
/* Replaces PATH atomically: a temporary file in the same folder, written,
 * fsync'ed, given UID, GID and MODE, then renamed over PATH, and the folder
 * fsync'ed. A crash at any moment leaves the old or the new file. */
int mr_root_write_atomic(const struct mr_root *root, const char *path, const void *data,
                         size_t len, mode_t mode, uid_t uid, gid_t gid);
/* Creates (or replaces) the symbolic link PATH -> TARGET atomically. */
int mr_root_symlink(const struct mr_root *root, const char *path, const char *target);
/* chown and chmod of PATH, whose links are followed inside the root. */
int mr_root_chown(const struct mr_root *root, const char *path, uid_t uid, gid_t gid);
int mr_root_chmod(const struct mr_root *root, const char *path, mode_t mode);
