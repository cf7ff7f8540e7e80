/* Root-safe file access: every path is resolved inside the root, symlinks
 * included, so that an absolute or ".." link cannot reach outside it. */
#pragma once

#include <signal.h>
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
/* chown and chmod of PATH, never through a link (-ELOOP) and never on a
 * file with more than one hard link (-EMLINK): another name of the same
 * inode may be outside the root, where a hard link, unlike a symbolic one,
 * cannot be seen. mr_root_write_atomic refuses such a file too. */
int mr_root_chown(const struct mr_root *root, const char *path, uid_t uid, gid_t gid);
int mr_root_chmod(const struct mr_root *root, const char *path, mode_t mode);
/* Opens the regular file PATH read-write, creating it with MODE when it is
 * missing (a lock file); the same refusals as the writers, -EMLINK included. */
int mr_root_create(const struct mr_root *root, const char *path, mode_t mode);
/* Removes the file (or empty folder, RMDIR) PATH, never through a link. */
int mr_root_unlink(const struct mr_root *root, const char *path, bool rmdir);
/* Creates DIR/.PREFIX.migready-PID-XXXXXX (0700) and names it in *RET_PATH. */
int mr_root_mkdtemp(const struct mr_root *root, const char *dir, const char *prefix,
                    char **ret_path);
/* Removes the folder PATH and the files in it (one level, links not followed). */
int mr_root_remove_scratch(const struct mr_root *root, const char *path);

/* ---- what a run killed half-way leaves ----
 * The writers' temporary files are named ".NAME.migready-PID-N" and
 * mr_root_mkdtemp's folders ".PREFIX.migready-PID-XXXXXX": the PID of the
 * run that made them, or 0 when NAME is neither. */
long mr_root_temp_pid(const char *name);
/* Whether the run PID is over: not this process, and no process has it. */
bool mr_root_pid_dead(long pid);
/* Removes from DIR (and its subfolders when RECURSIVE, links never
 * followed) the temporary files and folders of runs that are over; their
 * paths are appended to *REMOVED. -ENOENT when DIR does not exist. */
int mr_root_sweep(const struct mr_root *root, const char *dir, bool recursive, char ***removed);

/* ---- re-owning (ids.nova's renumbering) ----
 * One walk of the tree under DIR, never through a symbolic link (links are
 * changed themselves, as lchown does), hard links counted once. It stays on
 * DIR's file system and enters a file system mounted below it only when
 * that one holds local, persistent files (ext4, xfs, btrfs, overlay...);
 * network and cluster file systems (NFS, CIFS, CephFS, FUSE, GFS2...) may be
 * other hosts' too, pseudo ones (proc, sysfs, devtmpfs) hold no owners of
 * their own, and tmpfs holds what is made again at boot: those are named in
 * SKIPPED and left alone. */
struct mr_reown {
    uid_t uid_from, uid_to; /* a file owned by uid_from gets uid_to; (uid_t)-1: no change */
    gid_t gid_from, gid_to; /* the same, independently, for the group */
    bool dry_run;           /* only count */
    /* Set while walking (a signal's handler): the walk ends with -EINTR. */
    volatile sig_atomic_t *stop;
    /* Out: the files changed (or that would change); the mount points
     * left out ("PATH (TYPE)"); the path that failed, when one did. */
    size_t files;
    char **skipped;
    char *failed;
};
int mr_root_reown(const struct mr_root *root, const char *dir, struct mr_reown *ro);
void mr_reown_clear(struct mr_reown *ro);
