/* A peer's facts over SSH (libssh): the default ops->peer_fetch; and one
 * command on a peer, for migrate-test. */
#pragma once

struct mr_ctx;
struct mr_peer;

/* USER's ~/.ssh on this host (caller frees), NULL when it has no home. The
 * user that logs in to peers is mr_ctx_migration_user (src/core/ctx.h). */
char *mr_ssh_user_dir(const struct mr_ctx *ctx, const char *user);
/* Connects to PEER as the migration user with its key alone, verifies the
 * host key against its known_hosts and /etc/ssh/ssh_known_hosts (an unknown
 * or changed key is never accepted), runs `REMOTE facts --format json`
 * there (REMOTE: the site's remote_migready, default migready) and parses
 * what it prints. See struct mr_ops.peer_fetch. */
int mr_ssh_peer_fetch(const struct mr_ctx *ctx, const char *peer, struct mr_peer *ret);
/* Runs CMD on HOST as USER with the keys, known_hosts and config in
 * SSH_DIR (the user's ~/.ssh), giving up after TIMEOUT_S seconds. Returns
 * CMD's exit status (>= 0), its standard output in *ret_out when RET_OUT is
 * not NULL; a negative errno and *ret_msg (caller frees) when the command
 * could not run: -EHOSTUNREACH (no connection), -EPERM (host key unknown
 * or changed), -EACCES (key refused or no key), -EIO (the session broke). */
int mr_ssh_run(const char *host, const char *user, const char *ssh_dir, const char *cmd,
               int timeout_s, char **ret_out, char **ret_msg);
