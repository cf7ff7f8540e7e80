/* One command on a peer over SSH with libssh. Never interactive: no
 * password, no prompt to accept a host key. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libssh/libssh.h>

#include "migready.h"
#include "sshexec.h"

int mr_ssh_run(const char *host, const char *user, const char *ssh_dir, const char *cmd,
               int timeout_s, char **ret_out, char **ret_msg)
{
    int r = 0;
    ssh_channel ch = NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    ssh_session s = ssh_new();
    if (!s) {
        *ret_msg = mr_xstrdup("cannot create an SSH session");
        return -ENOMEM;
    }
    long timeout = timeout_s > 0 ? timeout_s : 10;
    ssh_options_set(s, SSH_OPTIONS_HOST, host);
    ssh_options_set(s, SSH_OPTIONS_USER, user);
    ssh_options_set(s, SSH_OPTIONS_SSH_DIR, ssh_dir);
    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout);
    int yes = 1;
    ssh_options_set(s, SSH_OPTIONS_STRICTHOSTKEYCHECK, &yes);
    if (ssh_connect(s) != SSH_OK) {
        *ret_msg = mr_xasprintf("cannot connect to %s over SSH: %s", host, ssh_get_error(s));
        r = -EHOSTUNREACH;
        goto cleanup;
    }
    enum ssh_known_hosts_e known = ssh_session_is_known_server(s);
    if (known != SSH_KNOWN_HOSTS_OK) {
        *ret_msg = mr_xasprintf(
            "the host key of %s is %s in %s/known_hosts (never accepted silently)", host,
            known == SSH_KNOWN_HOSTS_CHANGED ? "another than the one recorded" : "not recorded",
            ssh_dir);
        r = -EPERM;
        goto cleanup;
    }
    int a = ssh_userauth_publickey_auto(s, NULL, NULL);
    if (a != SSH_AUTH_SUCCESS) {
        *ret_msg = mr_xasprintf("%s@%s refused the keys in %s (key-only authentication)", user,
                                host, ssh_dir);
        r = -EACCES;
        goto cleanup;
    }
    ch = ssh_channel_new(s);
    if (!ch || ssh_channel_open_session(ch) != SSH_OK ||
        ssh_channel_request_exec(ch, cmd) != SSH_OK) {
        *ret_msg = mr_xasprintf("cannot run a command on %s over SSH: %s", host, ssh_get_error(s));
        r = -EIO;
        goto cleanup;
    }
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = mr_xrealloc(buf, cap);
        }
        int n = ssh_channel_read_timeout(ch, buf + len, (uint32_t)(cap - len - 1), 0, 1000);
        if (n == SSH_ERROR) {
            *ret_msg = mr_xasprintf("SSH session with %s broke: %s", host, ssh_get_error(s));
            r = -EIO;
            goto cleanup;
        }
        len += (size_t)n;
        if (n == 0 && ssh_channel_is_eof(ch))
            break;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > timeout) {
            *ret_msg = mr_xasprintf("'%s' on %s did not finish within %ld s", cmd, host, timeout);
            r = -ETIMEDOUT;
            goto cleanup;
        }
    }
    ssh_channel_send_eof(ch);
    r = ssh_channel_get_exit_status(ch);
    if (r < 0) {
        *ret_msg = mr_xasprintf("'%s' on %s ended without an exit status", cmd, host);
        r = -EIO;
        goto cleanup;
    }
    if (ret_out) {
        if (!buf)
            buf = mr_xcalloc(1, 1);
        buf[len] = '\0';
        *ret_out = buf;
        buf = NULL;
    }

cleanup:
    free(buf);
    if (ch) {
        ssh_channel_close(ch);
        ssh_channel_free(ch);
    }
    ssh_disconnect(s);
    ssh_free(s);
    return r;
}
