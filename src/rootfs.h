/* Root-safe file access: every path is resolved inside the root, symlinks
 * included, so that an absolute or ".." link cannot reach outside it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

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
