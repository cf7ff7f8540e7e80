/* A peer's facts over SSH with libssh. The connection is what nova's own
 * SSH copies need: the migration user, its key alone (no password, no
 * agent, nothing that could prompt), and the peer's host key verified
 * against that user's known_hosts and /etc/ssh/ssh_known_hosts. An unknown
 * or changed host key ends the attempt before authentication and is
 * reported with its fingerprint; it is never accepted or recorded.
 *
 * Runs in several threads at once (src/core/peers.c): one libssh session per
 * thread, and only reads of the context. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>

#include "ctx.h"
#include "facts.h"
#include "peers.h"
#include "rootfs.h"
#include "sshpeer.h"

#define SSH_PORT 22
/* Every wait is bounded. libssh (0.10) applies SSH_OPTIONS_TIMEOUT to the
 * whole of ssh_connect (TCP, banner, key exchange: a peer that accepts TCP
 * and never speaks fails there) and, in a blocking session, to each later
 * wait on its own (authentication, channel open, exec, exit status). The
 * remote command's output is read against a deadline of ours. */
#define CONNECT_TIMEOUT_S 5L
#define REMOTE_TIMEOUT_MS 60000
#define OUTPUT_MAX (8u << 20)
#define STDERR_MAX 4096
#define PRIVKEY_MAX (64 * 1024)
#define GLOBAL_KNOWN_HOSTS "/etc/ssh/ssh_known_hosts"

static const char *const key_names[] = {"id_ed25519", "id_ecdsa", "id_rsa"};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc;

static void init(void)
{
    init_rc = ssh_init();
}

char *mr_ssh_user_dir(const struct mr_ctx *ctx, const char *user)
{
    char *home = mr_ctx_user_home(ctx, user);
    if (!home)
        return NULL;
    char *dir = mr_xasprintf("%s/.ssh", strcmp(home, "/") == 0 ? "" : home);
    free(home);
    return dir;
}

static void outcome(struct mr_peer *p, enum mr_peer_ssh st, const char *fmt, ...) MR_PRINTF(3, 4);

static void outcome(struct mr_peer *p, enum mr_peer_ssh st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(p->message);
    p->message = mr_xvasprintf(fmt, ap);
    p->ssh = st;
    va_end(ap);
}

/* ssh-keyscan's -t names: ed25519, ecdsa, rsa, dsa. */
static const char *keyscan_type(enum ssh_keytypes_e t)
{
    switch (t) {
    case SSH_KEYTYPE_ED25519:
        return "ed25519";
    case SSH_KEYTYPE_ECDSA_P256:
    case SSH_KEYTYPE_ECDSA_P384:
    case SSH_KEYTYPE_ECDSA_P521:
    case SSH_KEYTYPE_ECDSA:
        return "ecdsa";
    case SSH_KEYTYPE_RSA:
        return "rsa";
    case SSH_KEYTYPE_DSS:
        return "dsa";
    default:
        return "ed25519";
    }
}

/* Loads the migration user's first private key (read through the root:
 * when migready runs as root this is the user's key in its home). */
static int load_key(const struct mr_ctx *ctx, const char *dir, struct mr_peer *p, ssh_key *ret)
{
    int denied = 0;
    for (size_t i = 0; i < MR_ARRAY_SIZE(key_names); i++) {
        char *path = mr_xasprintf("%s/%s", dir, key_names[i]);
        char *buf = NULL;
        size_t len = 0;
        int r = mr_root_read(ctx->root, path, PRIVKEY_MAX, &buf, &len);
        if (r == -EACCES || r == -EPERM)
            denied = r;
        if (r < 0) {
            free(path);
            continue;
        }
        ssh_key key = NULL;
        /* No passphrase and no callback: a protected key cannot prompt. */
        int ok = ssh_pki_import_privkey_base64(buf, NULL, NULL, NULL, &key) == SSH_OK;
        memset(buf, 0, len);
        free(buf);
        p->key = path;
        if (!ok) {
            outcome(p, MR_PEER_SSH_NO_KEY, "%s's key %s cannot be used without a prompt: it is "
                    "protected by a passphrase, or not a private key", p->user, path);
            return -EINVAL;
        }
        *ret = key;
        return 0;
    }
    if (denied)
        outcome(p, MR_PEER_SSH_NO_KEY, "cannot read %s's private key in %s: %s (run migready as "
                "root or as %s)", p->user, dir, strerror(-denied), p->user);
    else
        outcome(p, MR_PEER_SSH_NO_KEY, "%s has no private key in %s (id_ed25519, id_ecdsa or "
                "id_rsa)", p->user, dir);
    return -ENOENT;
}

/* Which file answers for the host: the user's known_hosts is asked alone
 * (the global file pointed at it too); otherwise it was the global one. */
static const char *which_file(ssh_session s, const char *user_file, enum ssh_known_hosts_e was)
{
    if (ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, user_file) < 0)
        return user_file;
    enum ssh_known_hosts_e alone = ssh_session_is_known_server(s);
    ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, GLOBAL_KNOWN_HOSTS);
    return alone == was ? user_file : GLOBAL_KNOWN_HOSTS;
}

/* Records the host key's fingerprint and decides whether it is known. */
static bool verify_host(ssh_session s, const char *peer, const char *user_file, struct mr_peer *p)
{
    ssh_key srv = NULL;
    if (ssh_get_server_publickey(s, &srv) != SSH_OK) {
        outcome(p, MR_PEER_SSH_REMOTE, "%s sent no host key: %s", peer, ssh_get_error(s));
        return false;
    }
    unsigned char *hash = NULL;
    size_t hlen = 0;
    if (ssh_get_publickey_hash(srv, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) == 0) {
        char *fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
        if (fp) {
            p->fingerprint = mr_xstrdup(fp);
            ssh_string_free_char(fp);
        }
        ssh_clean_pubkey_hash(&hash);
    }
    p->hostkey_type = mr_xstrdup(keyscan_type(ssh_key_type(srv)));
    const char *fp = p->fingerprint ? p->fingerprint : "(no fingerprint)";
    ssh_key_free(srv);

    enum ssh_known_hosts_e kh = ssh_session_is_known_server(s);
    switch (kh) {
    case SSH_KNOWN_HOSTS_OK:
        p->known_hosts = mr_xstrdup(which_file(s, user_file, kh));
        return true;
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
        p->known_hosts = mr_xstrdup(which_file(s, user_file, kh));
        outcome(p, MR_PEER_SSH_HOSTKEY_CHANGED, "%s presents the %s host key %s, but %s holds %s "
                "for %s: the host was reinstalled or its key replaced, or someone is in between; "
                "not accepted", peer, p->hostkey_type, fp, p->known_hosts,
                kh == SSH_KNOWN_HOSTS_OTHER ? "a key of another type" : "another key", peer);
        return false;
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
        p->known_hosts = mr_xstrdup(user_file);
        outcome(p, MR_PEER_SSH_HOSTKEY_UNKNOWN, "%s presents the %s host key %s, which neither %s "
                "nor %s lists: a host key that cannot be verified is never accepted", peer,
                p->hostkey_type, fp, user_file, GLOBAL_KNOWN_HOSTS);
        return false;
    case SSH_KNOWN_HOSTS_ERROR:
    default:
        p->known_hosts = mr_xstrdup(user_file);
        outcome(p, MR_PEER_SSH_HOSTKEY_UNKNOWN, "cannot verify %s's host key %s against %s and "
                "%s: %s; not accepted", peer, fp, user_file, GLOBAL_KNOWN_HOSTS,
                ssh_get_error(s));
        return false;
    }
}

static void append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
    if (*len + n + 1 > *cap) {
        while (*len + n + 1 > *cap)
            *cap = *cap ? *cap * 2 : 16384;
        *buf = mr_xrealloc(*buf, *cap);
    }
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
}

/* The first line of the remote's standard error, for a message. */
static char *first_line(const char *s)
{
    if (!s)
        return mr_xstrdup("");
    while (*s == '\n' || *s == ' ')
        s++;
    return mr_xstrndup(s, strcspn(s, "\n"));
}

/* Runs CMD on the peer; its standard output in *ret_out, the first line of
 * its standard error in *ret_err, the exit status returned (-1 unknown). */
static int run_remote(ssh_session s, const char *cmd, struct mr_peer *p, const char *peer,
                      char **ret_out, char **ret_err)
{
    ssh_channel ch = ssh_channel_new(s);
    int status = -1;
    char *out = NULL, *err = NULL;
    size_t olen = 0, ocap = 0, elen = 0, ecap = 0;
    if (!ch || ssh_channel_open_session(ch) != SSH_OK ||
        ssh_channel_request_exec(ch, cmd) != SSH_OK) {
        outcome(p, MR_PEER_SSH_REMOTE, "cannot run a command on %s: %s", peer, ssh_get_error(s));
        goto cleanup;
    }
    long long deadline = mr_now_ms() + REMOTE_TIMEOUT_MS;
    char chunk[16384];
    for (;;) {
        long long left = deadline - mr_now_ms();
        if (left <= 0) {
            outcome(p, MR_PEER_SSH_REMOTE, "'%s' on %s did not finish within %d s", cmd, peer,
                    REMOTE_TIMEOUT_MS / 1000);
            goto cleanup;
        }
        int n = ssh_channel_read_timeout(ch, chunk, sizeof(chunk), 0, left > 500 ? 500 : (int)left);
        if (n == SSH_ERROR) {
            outcome(p, MR_PEER_SSH_REMOTE, "reading the output of '%s' on %s: %s", cmd, peer,
                    ssh_get_error(s));
            goto cleanup;
        }
        if (n > 0) {
            if (olen + (size_t)n > OUTPUT_MAX) {
                outcome(p, MR_PEER_SSH_REMOTE, "'%s' on %s printed more than %u MiB", cmd, peer,
                        OUTPUT_MAX >> 20);
                goto cleanup;
            }
            append(&out, &olen, &ocap, chunk, (size_t)n);
        }
        int e;
        while ((e = ssh_channel_read_nonblocking(ch, chunk, sizeof(chunk), 1)) > 0)
            if (elen < STDERR_MAX)
                append(&err, &elen, &ecap, chunk, (size_t)e);
        if (n == 0 && ssh_channel_is_eof(ch))
            break;
    }
    ssh_channel_send_eof(ch);
    status = ssh_channel_get_exit_status(ch);
    *ret_out = out ? out : mr_xstrdup("");
    out = NULL;
    *ret_err = first_line(err);

cleanup:
    free(out);
    free(err);
    if (ch) {
        ssh_channel_close(ch);
        ssh_channel_free(ch);
    }
    return status;
}

int mr_ssh_peer_fetch(const struct mr_ctx *ctx, const char *peer, struct mr_peer *p)
{
    ssh_session s = NULL;
    ssh_key key = NULL;
    char *dir = NULL, *known = NULL, *cmd = NULL, *out = NULL, *err = NULL, *quoted = NULL;

    pthread_once(&init_once, init);
    if (init_rc < 0) {
        outcome(p, MR_PEER_SSH_REMOTE, "libssh could not be initialised");
        return -EIO;
    }
    free(p->user);
    p->user = mr_xstrdup(mr_ctx_migration_user(ctx));
    dir = mr_ssh_user_dir(ctx, p->user);
    if (!dir) {
        outcome(p, MR_PEER_SSH_NO_KEY, "the migration user %s does not exist here or has no "
                "home folder", p->user);
        goto cleanup;
    }
    if (load_key(ctx, dir, p, &key) < 0)
        goto cleanup;
    /* libssh opens known_hosts by its host path: peers are only fetched on
     * the live host, whose root is "/". */
    known = mr_xasprintf("%s/known_hosts", dir);

    s = ssh_new();
    if (!s) {
        outcome(p, MR_PEER_SSH_REMOTE, "libssh cannot create a session");
        goto cleanup;
    }
    unsigned port = p->port ? p->port : SSH_PORT;
    long timeout = CONNECT_TIMEOUT_S;
    int strict = 1, verbosity = SSH_LOG_NOLOG;
    bool no = false;
    /* No ~/.ssh/config nor ssh_config: they could turn StrictHostKeyChecking
     * off, or name another user, key or proxy. */
    if (ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
        ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) < 0 ||
        ssh_options_set(s, SSH_OPTIONS_HOST, peer) < 0 ||
        ssh_options_set(s, SSH_OPTIONS_PORT, &port) < 0 ||
        ssh_options_set(s, SSH_OPTIONS_USER, p->user) < 0 ||
        ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout) < 0 ||
        ssh_options_set(s, SSH_OPTIONS_STRICTHOSTKEYCHECK, &strict) < 0 ||
        ssh_options_set(s, SSH_OPTIONS_SSH_DIR, dir) < 0 ||
        ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, known) < 0 ||
        ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, GLOBAL_KNOWN_HOSTS) < 0) {
        outcome(p, MR_PEER_SSH_REMOTE, "libssh refuses the options for %s: %s", peer,
                ssh_get_error(s));
        goto cleanup;
    }
    if (ssh_connect(s) != SSH_OK) {
        outcome(p, MR_PEER_SSH_UNREACHABLE, "cannot connect to %s%s%s%s port %u: %s", peer,
                p->address ? " (" : "", p->address ? p->address : "", p->address ? ")" : "",
                port, ssh_get_error(s));
        goto cleanup;
    }
    if (!verify_host(s, peer, known, p))
        goto cleanup;

    int rc = ssh_userauth_publickey(s, NULL, key);
    if (rc != SSH_AUTH_SUCCESS) {
        outcome(p, MR_PEER_SSH_AUTH, "%s refuses %s's key %s%s%s%s", peer, p->user, p->key,
                rc == SSH_AUTH_PARTIAL ? ": it wants another method too" : "",
                rc == SSH_AUTH_ERROR ? ": " : "", rc == SSH_AUTH_ERROR ? ssh_get_error(s) : "");
        goto cleanup;
    }

    const char *remote = mr_ctx_site(ctx, "remote_migready");
    if (!remote || !*remote)
        remote = "migready";
    quoted = mr_shell_quote(remote);
    cmd = mr_xasprintf("%s facts --format json", quoted);
    int status = run_remote(s, cmd, p, peer, &out, &err);
    if (!out)
        goto cleanup;
    if (status == 127) {
        outcome(p, MR_PEER_SSH_REMOTE, "%s is not installed on %s, or not in %s's PATH there "
                "(%s)", remote, peer, p->user, *err ? err : "exit status 127");
    } else if (status != 0) {
        outcome(p, MR_PEER_SSH_REMOTE, "'%s facts --format json' on %s exited with status %d%s%s",
                remote, peer, status, *err ? ": " : "", err);
    } else {
        struct mr_facts *f = NULL;
        char *msg = NULL;
        if (mr_facts_from_json(out, &f, &msg) < 0) {
            outcome(p, MR_PEER_SSH_REMOTE, "'%s facts' on %s printed something that is not "
                    "migready's facts: %s", remote, peer, msg ? msg : "unreadable");
            free(msg);
        } else {
            mr_facts_free(p->facts);
            p->facts = f;
            p->ssh = MR_PEER_SSH_OK;
            free(p->message);
            p->message = NULL;
        }
    }

cleanup:
    if (s) {
        ssh_disconnect(s);
        ssh_free(s);
    }
    ssh_key_free(key);
    free(out);
    free(err);
    free(cmd);
    free(quoted);
    free(known);
    free(dir);
    return 0;
}

/* One command as USER, for migrate-test's shared-storage probe. Unlike the
 * facts fetch it lets libssh read the user's SSH config and offer its keys
 * (ssh_userauth_publickey_auto); still never a password or a prompt. */
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
    long long t0 = mr_now_ms();
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
        if (mr_now_ms() - t0 > timeout * 1000LL) {
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
