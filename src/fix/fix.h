/* `migready fix`: repairs what the checks found, OpenSCAP's way. A fixer
 * runs only on a `fail`; afterwards its check runs again: `pass` becomes
 * `fixed`, anything else `error`.
 *
 * Writing a fixer (one file in fixers/, named in its check's row of
 * src/cli/registry.c, which makes the check fixable):
 *
 *     static int run(const struct mr_ctx *ctx, const struct mr_result *res,
 *                    struct mr_change_set *cs)
 *     {
 *         const char *text;
 *         int r = mr_change_text(cs, "/etc/hosts", &text);  // planned or on disk
 *         ...compute the new text, e.g. through mr_aug_edit (src/conf/augedit.h)...
 *         mr_change_write(cs, "/etc/hosts", new_text, 0644);
 *         mr_change_restart(cs, "nova-compute");
 *         mr_change_describe(cs, "set ... in /etc/hosts");
 *         return 0;
 *     }
 *     const struct mr_fixer mr_fixer_hosts_resolution = {
 *         .check_id = "hosts.resolution", .run = run};
 *
 * A fixer only records the edits it
 * wants in the change set: nothing is written until every fixer has
 * planned, the user has seen the diff and agreed. Paths are absolute as
 * seen inside the root. Returning a negative errno after mr_change_error()
 * turns the check into `error` with that message and drops the fixer's
 * edits; returning 0 without planning anything leaves the `fail` as it is
 * (nothing this fixer can do automatically). */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "ctx.h"
#include "engine.h"
#include "migready.h"

struct mr_change_set;

struct mr_fixer {
    const char *check_id;
    int (*run)(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs);
};

/* The text PATH will have: what an earlier fixer planned, else the file
 * read root-safely. -ENOENT when it neither exists nor is planned. The
 * text is owned by the change set. */
int mr_change_text(struct mr_change_set *cs, const char *path, const char **ret_text);
/* Replaces PATH's content with TEXT (copied). A new file gets MODE, owned
 * by root; an existing one keeps its owner and mode. Planning the text the
 * file already has is no change. */
void mr_change_write(struct mr_change_set *cs, const char *path, const char *text, mode_t mode);
/* Like mr_change_write, for a file that may be new: a new file gets MODE
 * and the owner UID:GID. SHOWN, when given, is printed instead of the diff
 * (a private key's text never appears in the output). */
void mr_change_create(struct mr_change_set *cs, const char *path, const char *text, mode_t mode,
                      uid_t uid, gid_t gid, const char *shown);
/* Creates the folder PATH (and missing parents) with MODE, owned by
 * UID:GID; nothing when it exists. Record it before the files in it. */
void mr_change_mkdir(struct mr_change_set *cs, const char *path, mode_t mode, uid_t uid,
                     gid_t gid);
/* Commands the operator must run by hand: printed with the diff and put in
 * the check's remedy; the check stays `fail` (nothing is changed). */
void mr_change_manual(struct mr_change_set *cs, const char *fmt, ...) MR_PRINTF(2, 3);
/* Creates the symbolic link PATH -> TARGET (e.g. enabling a systemd unit). */
void mr_change_symlink(struct mr_change_set *cs, const char *path, const char *target);
/* Metadata: owner (uid/gid; (uid_t)-1 or (gid_t)-1 keep one) and mode. */
void mr_change_chown(struct mr_change_set *cs, const char *path, uid_t uid, gid_t gid);
void mr_change_chmod(struct mr_change_set *cs, const char *path, mode_t mode);
/* Gives every file under DIR owned by UID_FROM the owner UID_TO, and every
 * file of group GID_FROM the group GID_TO, the two independently (an ID
 * equal to its target: unchanged); one walk, as mr_root_reown says: links
 * never followed, hard links once, only local file systems. The files are
 * counted now (*RET_FILES; a negative errno when the tree cannot be read)
 * and changed when applied, before every other change; when the walk
 * fails, the fixer's other changes are dropped. */
int mr_change_reown(struct mr_change_set *cs, const char *dir, uid_t uid_from, uid_t uid_to,
                    gid_t gid_from, gid_t gid_to, size_t *ret_files);
/* The systemd unit (without ".service": libvirtd, nova-compute, sshd,
 * nfs-server, nftables; or a ".socket") that must restart for the change to
 * work. On a host without systemd the site's restart_command ("CMD %s")
 * is run for each unit instead of systemctl. */
void mr_change_restart(struct mr_change_set *cs, const char *unit);
/* What the fixer does, in words (the `fixed` message). */
void mr_change_describe(struct mr_change_set *cs, const char *fmt, ...) MR_PRINTF(2, 3);
/* Why the fixer gave up (a file the lens cannot parse, with its line). */
void mr_change_error(struct mr_change_set *cs, const char *fmt, ...) MR_PRINTF(2, 3);
const struct mr_ctx *mr_change_ctx(const struct mr_change_set *cs);
/* A private folder (0700) for a fixer's scratch files (ssh-keygen's key
 * pair), inside the root under /var/lib/migready/tmp and never in the
 * host's /tmp; *RET_PATH is its path inside the root (the change set owns
 * it). It is removed when the run ends, on every path; one left by a run
 * that was killed is removed by the next fix. */
int mr_change_tmpdir(struct mr_change_set *cs, const char *prefix, const char **ret_path);

/* ---- the engine ---- */

struct mr_fix_opts {
    bool dry_run;
    bool no_backup;
    bool yes;       /* do not ask (also when standard input is not a terminal) */
    bool restart;   /* restart the units named by the fixers (live host only) */
    bool no_wait;   /* mr_fix_lock: refuse rather than wait for another run */
    FILE *diff_out; /* where the diff and the restart notes go */
    FILE *tty_in;   /* answers to the question; NULL: never ask */
    FILE *tty_out;  /* where the question goes, and "waiting for the lock" */
    /* Time of the backup folder's name (0: now); for tests. */
    time_t now;
    /* Set (to the signal's number) by the caller's SIGINT/SIGTERM handler:
     * the wait for the lock ends, no further fixer is planned, nothing is
     * applied from the next change on, and the run ends through its usual
     * cleanup (temporary files, scratch folders, journal). May be NULL. */
    volatile sig_atomic_t *interrupted;
};

/* Runs the checks of ROWS, plans the fixers of every `fail` (in the order of
 * the rows), shows the diff, asks, backs up, writes, restarts and runs the
 * fixed checks again. Returns the run (render it like check's) whose exit
 * code mr_run_exit_code() gives. */
struct mr_run *mr_fix_run(const struct mr_ctx *ctx, const struct mr_row *rows, size_t n,
                          const struct mr_select *sel, const struct mr_fix_opts *o);

/* Two runs must not plan from the same file: each would write its own
 * edit over the other's. mr_fix_lock takes an exclusive flock(2) on
 * ROOT/var/lib/migready/lock (made 0600, root-safely) and writes this
 * process's PID in it; while another run holds it, it waits, saying so on
 * O->tty_out, or with O->no_wait fails with -EWOULDBLOCK and a message (-EINTR
 * when O->interrupted is set while it waits). A
 * run takes it before mr_fix_run (which reads every file it plans from
 * afresh) and keeps it to the end. Under the lock it also cleans what runs
 * that were killed left: their temporary files and scratch folders (once
 * their PID is gone) and, named on O->diff_out, backup folders without a
 * MANIFEST, marked with a file INCOMPLETE. */
struct mr_fix_lock;
int mr_fix_lock(const struct mr_ctx *ctx, const struct mr_fix_opts *o, struct mr_fix_lock **ret,
                char **ret_msg);
void mr_fix_unlock(struct mr_fix_lock *lock);

/* ---- pieces, exposed for the unit tests ---- */

/* A unified diff of A to B (3 lines of context), labelled "--- LABEL_A" and
 * "+++ LABEL_B"; NULL when they are equal. A missing side is NULL. */
char *mr_diff_unified(const char *label_a, const char *a, const char *label_b, const char *b);
