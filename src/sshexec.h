/* One command on a peer over SSH (libssh), key only, the host key known.
 * A small helper for migrate-test's shared-storage probe; meant to be
 * folded into src/sshpeer.c's session code once that lands. */
#pragma once

/* Runs CMD on HOST as USER with the keys, known_hosts and config in
 * SSH_DIR (the user's ~/.ssh), giving up after TIMEOUT_S seconds. Returns
 * CMD's exit status (>= 0), its standard output in *ret_out when RET_OUT is
 * not NULL; a negative errno and *ret_msg (caller frees) when the command
 * could not run: -EHOSTUNREACH (no connection), -EPERM (host key unknown
 * or changed), -EACCES (key refused or no key), -EIO (the session broke). */
int mr_ssh_run(const char *host, const char *user, const char *ssh_dir, const char *cmd,
               int timeout_s, char **ret_out, char **ret_msg);
