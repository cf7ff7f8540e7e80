/* ssh.keys: the SSH login the migration uses (mr_ctx_ssh_identity: root,
 * libvirtd's, for the ssh transport unless live_migration_uri names user@
 * and ?keyfile=; nova for Nova's own SSH, resize and cold migration; the
 * site's migration_user over both) has a key pair, authorizes the keys it
 * should, and its files pass the modes that ssh and sshd (StrictModes)
 * insist on. A layout that keeps the keys apart (kolla's /etc/kolla/nova-ssh,
 * copied into the nova_ssh container with the owner and mode set there)
 * is checked for the keys alone. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "checks.h"
#include "ctx.h"

#define KEY_MAX (1u << 20)

static const char *const key_names[] = {"id_ed25519", "id_ecdsa", "id_rsa"};

static const char *const key_types[] = {
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-dss",
};

static bool known_type(const char *t, size_t n)
{
    static const char cert[] = "-cert-v01@openssh.com";
    for (size_t i = 0; i < MR_ARRAY_SIZE(key_types); i++) {
        size_t kl = strlen(key_types[i]);
        if (n == kl && strncmp(t, key_types[i], n) == 0)
            return true;
        /* Certificates: the base name with the suffix (sk- types keep @openssh.com). */
        const char *at = strchr(key_types[i], '@');
        size_t base = at ? (size_t)(at - key_types[i]) : kl;
        if (n == base + sizeof(cert) - 1 && strncmp(t, key_types[i], base) == 0 &&
            strncmp(t + base, cert, sizeof(cert) - 1) == 0)
            return true;
    }
    return false;
}

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes base64 (padded, no blanks). Returns the length or -1. */
static long b64_decode(const char *s, size_t n, unsigned char *out)
{
    if (n == 0 || n % 4)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (int j = 0; j < 4; j++) {
            int c = (unsigned char)s[i + j];
            if (c == '=' && i + 4 == n && j >= 2) {
                v[j] = -2;
                continue;
            }
            v[j] = b64val(c);
            if (v[j] < 0)
                return -1;
        }
        if (v[2] == -2 && v[3] != -2)
            return -1;
        out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
        if (v[2] >= 0)
            out[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
        if (v[3] >= 0)
            out[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
    }
    return (long)o;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The start of an options field: "from=...", "no-pty,restrict", ... */
static bool looks_like_options(const char *p, size_t n)
{
    static const char *const bare[] = {"restrict", "cert-authority", "pty", "port-forwarding",
                                       "agent-forwarding", "x11-forwarding", "user-rc",
                                       "verify-required"};
    if (memchr(p, '=', n) || memchr(p, ',', n) || strncmp(p, "no-", 3) == 0)
        return true;
    for (size_t i = 0; i < MR_ARRAY_SIZE(bare); i++)
        if (strlen(bare[i]) == n && strncasecmp(p, bare[i], n) == 0)
            return true;
    return false;
}

/* The blob of a plain key is a run of length-prefixed fields that ends
 * exactly at its end (a truncated paste does not); ed25519 keys are 32
 * bytes. Certificates are only checked for their type. */
static bool blob_ok(const unsigned char *raw, size_t len, const char *type)
{
    size_t tl = strlen(type);
    if (len < 4 || be32(raw) != tl || len - 4 < tl || memcmp(raw + 4, type, tl) != 0)
        return false;
    if (strstr(type, "-cert-v01@"))
        return true;
    size_t off = 4 + tl, fields = 1;
    while (off < len) {
        if (len - off < 4)
            return false;
        uint32_t fl = be32(raw + off);
        if (fl > len - off - 4)
            return false;
        if (fields == 1 && strstr(type, "ed25519") && fl != 32)
            return false;
        off += 4 + fl;
        fields++;
    }
    return fields >= 2;
}

struct key {
    char *type;
    char *blob; /* base64, as written */
    char *comment;
};

static void key_clear(struct key *k)
{
    free(k->type);
    free(k->blob);
    free(k->comment);
    *k = (struct key){0};
}

/* Parses "[options] type base64 [comment]". On failure returns false and
 * *WHY (caller frees) says what is wrong. */
static bool parse_key(const char *line, bool options, struct key *k, char **why)
{
    const char *p = line;
    while (isspace((unsigned char)*p))
        p++;
    size_t n = strcspn(p, " \t");
    if (options && !known_type(p, n) && looks_like_options(p, n)) {
        /* Options: up to the first blank outside double quotes. */
        bool quoted = false;
        for (; *p && (quoted || !isspace((unsigned char)*p)); p++) {
            if (*p == '\\' && quoted && p[1])
                p++;
            else if (*p == '"')
                quoted = !quoted;
        }
        if (quoted) {
            *why = mr_xstrdup("an option's quote is not closed");
            return false;
        }
        while (isspace((unsigned char)*p))
            p++;
        n = strcspn(p, " \t");
    }
    if (!known_type(p, n)) {
        *why = n ? mr_xasprintf("'%.*s' is not a key type sshd accepts", (int)(n > 40 ? 40 : n), p)
                 : mr_xstrdup("no key after the options");
        return false;
    }
    char *type = mr_xstrndup(p, n);
    p += n;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t bn = strcspn(p, " \t");
    unsigned char *raw = mr_xmalloc(bn / 4 * 3 + 4);
    long rl = b64_decode(p, bn, raw);
    bool ok = rl >= 0 && blob_ok(raw, (size_t)rl, type);
    free(raw);
    if (!ok) {
        *why = rl < 0 ? mr_xasprintf("the %s key is not valid base64 (truncated or wrapped?)",
                                     type)
                      : mr_xasprintf("the key data is not a whole %s key (truncated?)", type);
        free(type);
        return false;
    }
    k->type = type;
    k->blob = mr_xstrndup(p, bn);
    p += bn;
    while (*p == ' ' || *p == '\t')
        p++;
    k->comment = mr_xstrdup(p);
    return true;
}

struct run {
    const struct mr_ctx *ctx;
    struct mr_result *res;
    const char *user;
    uid_t uid;
    gid_t gid;
    char *ssh_dir;
    bool container; /* the files are copied elsewhere, their owner and mode set there */
};

static struct mr_finding *fail_at(struct run *rn, enum mr_status st, const char *path, int line,
                                  const char *fmt, ...) MR_PRINTF(5, 6);

static struct mr_finding *fail_at(struct run *rn, enum mr_status st, const char *path, int line,
                                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct mr_finding *f = mr_vreport(rn->res, st, fmt, ap);
    va_end(ap);
    mr_finding_at(f, path, line);
    return f;
}

/* What the fix of F does, in order: an edit whose section is the action,
 * key the path and want its argument.
 * - mkdir PATH (want: the mode), for the migration user;
 * - keygen PATH: an ed25519 key pair without passphrase, PATH and PATH.pub;
 * - chmod PATH (want: the mode, in octal); chown PATH (want: the user);
 * - authorize PATH (want: a key line), authorize-file PATH (want: a file
 *   of keys, which may be one an earlier edit makes): the keys PATH, an
 *   authorized_keys file, lacks are added. */
static void fix_do(struct mr_finding *f, const char *action, const char *path, const char *want)
{
    mr_finding_code(f, "ssh");
    mr_finding_also(f, action, path, want);
}

static void fix_chmod(struct mr_finding *f, const char *path, mode_t mode)
{
    char m[8];
    snprintf(m, sizeof(m), "%04o", (unsigned)mode);
    fix_do(f, "chmod", path, m);
}

/* Owner and group/world-write bits, as sshd's StrictModes judges them. The
 * fix: the owner (FIX_OWNER), and WANT (0: the mode without go-w). */
static bool check_strict(struct run *rn, const char *path, const struct stat *st, bool root_ok,
                         bool fix_owner, mode_t want)
{
    struct mr_finding *f;
    bool ok = true;
    if (st->st_uid != rn->uid && !(root_ok && st->st_uid == 0)) {
        f = fail_at(rn, MR_FAIL, path, 0, "%s is owned by UID %u, not by %s (UID %u): sshd "
                    "refuses keys below it (StrictModes)", path, (unsigned)st->st_uid, rn->user,
                    (unsigned)rn->uid);
        mr_finding_remedy(f, "chown %s: %s", rn->user, path);
        if (fix_owner)
            fix_do(f, "chown", path, rn->user);
        ok = false;
    }
    if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        f = fail_at(rn, MR_FAIL, path, 0, "%s (mode %04o) is group- or world-writable: sshd "
                    "refuses keys below it (StrictModes)", path, (unsigned)(st->st_mode & 07777));
        mr_finding_remedy(f, "chmod go-w %s", path);
        fix_chmod(f, path, want ? want : st->st_mode & 07755);
        ok = false;
    }
    return ok;
}

static char *keygen_cmd(const struct run *rn)
{
    return mr_xasprintf("install -d -m 0700 -o %s -g %u %s && sudo -u %s ssh-keygen -t ed25519 "
                        "-N '' -f %s/id_ed25519", rn->user, (unsigned)rn->gid, rn->ssh_dir,
                        rn->user, rn->ssh_dir);
}

/* A private key ssh can use unattended. */
static void check_private(struct run *rn, const char *path, const struct stat *st)
{
    struct mr_finding *f;
    if (rn->container) {
        /* kolla_set_configs copies it into the container as nova, 0600. */
    } else if (st->st_uid != rn->uid) {
        f = fail_at(rn, MR_FAIL, path, 0, "the private key %s is owned by UID %u, not by %s "
                    "(UID %u): ssh refuses it", path, (unsigned)st->st_uid, rn->user,
                    (unsigned)rn->uid);
        mr_finding_remedy(f, "chown %s: %s", rn->user, path);
        fix_do(f, "chown", path, rn->user);
    }
    if ((st->st_mode & 077) && !rn->container) {
        f = fail_at(rn, MR_FAIL, path, 0, "the private key %s is mode %04o: %s, and ssh refuses "
                    "it (\"UNPROTECTED PRIVATE KEY FILE\")", path,
                    (unsigned)(st->st_mode & 07777),
                    st->st_mode & 044 ? "other users can read it" : "others have access to it");
        mr_finding_remedy(f, "chmod 0600 %s", path);
        fix_chmod(f, path, st->st_mode & 07700);
    }
    char *buf = NULL;
    size_t len = 0;
    int r = mr_root_read(rn->ctx->root, path, KEY_MAX, &buf, &len);
    if (r < 0) {
        f = fail_at(rn, MR_FAIL, path, 0, "cannot read the private key %s: %s", path,
                    strerror(-r));
        mr_finding_remedy(f, "replace %s with a key made by ssh-keygen", path);
        return;
    }
    const char *begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
    if (strncmp(buf, "-----BEGIN ", 11) != 0 || !strstr(buf, "PRIVATE KEY-----") ||
        memchr(buf, '\0', len)) {
        f = fail_at(rn, MR_FAIL, path, 1, "%s is not a private key (no \"-----BEGIN ... PRIVATE "
                    "KEY-----\" line)", path);
        mr_finding_remedy(f, "replace %s with a key made by ssh-keygen -t ed25519 -N ''", path);
    } else if (strstr(buf, "Proc-Type: 4,ENCRYPTED")) {
        f = fail_at(rn, MR_FAIL, path, 0, "the private key %s has a passphrase: %s logs in "
                    "without anyone to type it", path, rn->user);
        mr_finding_remedy(f, "remove the passphrase: ssh-keygen -p -N '' -f %s", path);
    } else if (strncmp(buf, begin, strlen(begin)) == 0) {
        /* openssh-key-v1: the cipher name says whether a passphrase protects it. */
        char *b64 = mr_xmalloc(len + 1);
        size_t n = 0;
        for (const char *p = buf + strlen(begin); *p && *p != '-'; p++)
            if (!isspace((unsigned char)*p))
                b64[n++] = *p;
        unsigned char *raw = mr_xmalloc(n / 4 * 3 + 4);
        long rl = b64_decode(b64, n, raw);
        static const char magic[] = "openssh-key-v1";
        bool ok = rl >= (long)sizeof(magic) + 4 && memcmp(raw, magic, sizeof(magic)) == 0;
        uint32_t cl = ok ? be32(raw + sizeof(magic)) : 0;
        ok = ok && cl <= (uint32_t)rl - sizeof(magic) - 4;
        if (!ok) {
            f = fail_at(rn, MR_FAIL, path, 0, "the private key %s is damaged (its body does not "
                        "decode)", path);
            mr_finding_remedy(f, "replace %s with a key made by ssh-keygen -t ed25519 -N ''",
                              path);
        } else if (cl != 4 || memcmp(raw + sizeof(magic) + 4, "none", 4) != 0) {
            f = fail_at(rn, MR_FAIL, path, 0, "the private key %s has a passphrase: %s logs "
                        "in without anyone to type it", path, rn->user);
            mr_finding_remedy(f, "remove the passphrase: ssh-keygen -p -N '' -f %s", path);
        }
        free(raw);
        free(b64);
    }
    free(buf);
}

/* Reads the keys of an authorized_keys-style file; bad lines are reported
 * at their place. Returns -errno when the file cannot be read. */
static int read_keys(struct run *rn, const char *path, bool options, struct key **ret,
                     size_t *ret_n)
{
    char *buf = NULL;
    size_t len = 0;
    int r = mr_root_read(rn->ctx->root, path, KEY_MAX, &buf, &len);
    if (r < 0)
        return r;
    struct key *v = NULL;
    size_t n = 0;
    int lineno = 0;
    for (char *line = buf, *next; line && line < buf + len; line = next) {
        lineno++;
        next = memchr(line, '\n', (size_t)(buf + len - line));
        size_t line_len = (size_t)((next ? next : buf + len) - line);
        bool nul = memchr(line, '\0', line_len) != NULL;
        if (next)
            *next++ = '\0';
        line[strcspn(line, "\r")] = '\0';
        char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        if (!*s || *s == '#')
            continue;
        struct key k = {0};
        char *why = NULL;
        if (nul) {
            why = mr_xstrdup("the line holds a NUL byte");
        } else if (parse_key(s, options, &k, &why)) {
            v = mr_xrealloc(v, (n + 1) * sizeof(*v));
            v[n++] = k;
            continue;
        }
        struct mr_finding *f = fail_at(rn, MR_FAIL, path, lineno, "%s:%d cannot be read: %s; "
                                       "sshd ignores the line", path, lineno, why);
        mr_finding_remedy(f, "fix or remove line %d of %s (format: [options] TYPE BASE64 "
                          "[comment], one key per line)", lineno, path);
        free(why);
    }
    free(buf);
    *ret = v;
    *ret_n = n;
    return 0;
}

static void keys_free(struct key *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        key_clear(&v[i]);
    free(v);
}

static bool keys_have(const struct key *v, size_t n, const struct key *k)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].type, k->type) == 0 && strcmp(v[i].blob, k->blob) == 0)
            return true;
    return false;
}

/* The site's authorized_keys: comma-separated paths or inline keys. */
static void check_site_keys(struct run *rn, const char *ak, const struct key *have, size_t n)
{
    const char *list = mr_ctx_site(rn->ctx, "authorized_keys");
    const char *site = mr_ctx_site_path(rn->ctx) ? mr_ctx_site_path(rn->ctx)
                                                  : "the site configuration";
    struct mr_finding *f;
    if (!list)
        return;
    char *copy = mr_xstrdup(list);
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        item = mr_strip(item);
        if (!*item)
            continue;
        struct key *want = NULL;
        size_t nw = 0;
        if (item[0] == '/') {
            int r = read_keys(rn, item, false, &want, &nw);
            if (r < 0) {
                f = mr_report(rn->res, MR_FAIL, "authorized_keys in %s names %s, which cannot "
                              "be read: %s", site, item, strerror(-r));
                if (mr_ctx_site_path(rn->ctx))
                    mr_finding_at(f, mr_ctx_site_path(rn->ctx), 0);
                mr_finding_remedy(f, "copy the peers' public keys to %s or fix authorized_keys "
                                  "in %s", item, site);
                continue;
            }
        } else {
            struct key k = {0};
            char *why = NULL;
            if (!parse_key(item, false, &k, &why)) {
                f = mr_report(rn->res, MR_FAIL, "authorized_keys in %s holds a key that cannot "
                              "be read: %s", site, why);
                if (mr_ctx_site_path(rn->ctx))
                    mr_finding_at(f, mr_ctx_site_path(rn->ctx), 0);
                mr_finding_remedy(f, "give each key as 'TYPE BASE64 [comment]' or as a path in "
                                  "authorized_keys in %s", site);
                free(why);
                continue;
            }
            want = mr_xmalloc(sizeof(*want));
            want[0] = k;
            nw = 1;
        }
        for (size_t i = 0; i < nw; i++) {
            if (keys_have(have, n, &want[i]))
                continue;
            f = fail_at(rn, MR_FAIL, ak, 0, "%s lacks the %s key %s%s(listed in the site "
                        "configuration): that peer cannot copy disks to this host", ak,
                        want[i].type, want[i].comment, *want[i].comment ? " " : "");
            mr_finding_remedy(f, "echo '%s %s %s' >> %s", want[i].type, want[i].blob,
                              want[i].comment, ak);
            char *line = mr_xasprintf("%s %s %s", want[i].type, want[i].blob, want[i].comment);
            fix_do(f, "authorize", ak, line);
            free(line);
        }
        keys_free(want, nw);
    }
    free(copy);
}

/* The fix of an authorized_keys file AK that is made anew: the user's own
 * public key PUB (when there is or will be one), then the site's keys. */
static void fix_authorize_all(struct run *rn, struct mr_finding *f, const char *ak,
                              const char *pub)
{
    if (pub)
        fix_do(f, "authorize-file", ak, pub);
    const char *list = mr_ctx_site(rn->ctx, "authorized_keys");
    char **items = list ? mr_split_fields(list, ',') : NULL;
    for (size_t i = 0; items && items[i]; i++) {
        char *item = mr_strip(items[i]);
        if (*item)
            fix_do(f, item[0] == '/' ? "authorize-file" : "authorize", ak, item);
    }
    mr_strv_free(items);
}

/* The keys of a layout that keeps them apart from any home folder (kolla:
 * nova-ssh/id_rsa becomes ~nova/.ssh/id_rsa in the nova_ssh container and
 * id_rsa.pub its authorized_keys, owner and mode set by kolla_set_configs;
 * every compute host gets the same pair). The owner and mode on this host
 * do not matter, and fixing is kolla-ansible's job: nothing here is
 * fixable. */
static void run_layout_keys(struct run *rn, const struct mr_ssh_identity *id)
{
    struct mr_finding *f;
    struct stat st;
    struct key own = {0}, *have = NULL;
    size_t n_have = 0;
    char *pub = mr_xasprintf("%s.pub", id->key);
    static const char redeploy[] = "kolla-ansible reconfigure writes it from nova_ssh_key in "
                                   "passwords.yml (kolla-genpwd makes that key)";

    rn->container = true;
    int r = mr_root_stat(rn->ctx->root, id->key, &st, false);
    if (r < 0 || !S_ISREG(st.st_mode)) {
        f = fail_at(rn, MR_FAIL, id->key, 0, "the private key %s %s", id->key,
                    r < 0 ? "does not exist" : "is not a regular file");
        mr_finding_remedy(f, "%s", redeploy);
    } else {
        check_private(rn, id->key, &st);
    }
    char *buf = NULL, *pwhy = NULL;
    r = mr_root_read(rn->ctx->root, pub, KEY_MAX, &buf, NULL);
    if (r < 0) {
        f = fail_at(rn, MR_FAIL, pub, 0, "the public half %s of %s's key is missing", pub,
                    rn->user);
        mr_finding_remedy(f, "%s", redeploy);
    } else if (!parse_key(buf, false, &own, &pwhy)) {
        f = fail_at(rn, MR_FAIL, pub, 1, "%s:1 is not a public key: %s", pub, pwhy);
        mr_finding_remedy(f, "%s", redeploy);
    }
    free(pwhy);
    free(buf);
    if (strcmp(id->authorized_keys, pub) != 0) {
        r = read_keys(rn, id->authorized_keys, true, &have, &n_have);
        if (r < 0) {
            f = fail_at(rn, MR_FAIL, id->authorized_keys, 0, "cannot read %s: %s",
                        id->authorized_keys, strerror(-r));
            mr_finding_remedy(f, "%s", redeploy);
        } else if (own.type && !keys_have(have, n_have, &own)) {
            f = fail_at(rn, MR_FAIL, id->authorized_keys, 0, "%s does not hold %s's own public "
                        "key %s: the other hosts, which share it, cannot log in here",
                        id->authorized_keys, rn->user, pub);
            mr_finding_remedy(f, "%s", redeploy);
        }
    }
    if (rn->res->n_findings == 0)
        fail_at(rn, MR_PASS, id->key, 0, "%s has a key pair (%s, %s) and %s authorizes it",
                rn->user, id->key, own.type, id->authorized_keys);
    keys_free(have, n_have);
    key_clear(&own);
    free(pub);
}

/* Every finding says whose keys were checked and why: root's for libvirtd's
 * ssh transport and nova's for Nova's own SSH are different answers. */
static void name_identity(struct mr_result *res, const struct mr_ssh_identity *id)
{
    for (size_t i = 0; i < res->n_findings; i++) {
        struct mr_finding *f = &res->findings[i];
        char *m = mr_xasprintf("%s (checked as %s: %s%s)", f->message, id->user, id->why,
                               id->libvirtd ? "; Nova's own SSH for resize and cold migration "
                               "logs in as the nova user" : "");
        free(f->message);
        f->message = m;
    }
}

static int run_keys(const struct mr_ctx *ctx, struct mr_result *res)
{
    struct run rn = {.ctx = ctx, .res = res};
    const struct mr_ssh_identity *id = mr_ctx_ssh_identity(ctx);
    const char *why = id->why;
    struct mr_finding *f;
    struct stat st;
    char *home = NULL, *priv = NULL, *pub = NULL, *ak = NULL, *cmd = NULL;
    struct key own = {0};
    size_t new_key = SIZE_MAX; /* the finding whose fix makes the key pair */
    struct key *have = NULL;
    size_t n_have = 0;
    int r;

    rn.user = id->user;
    if (id->key && id->authorized_keys) {
        run_layout_keys(&rn, id);
        goto cleanup;
    }
    r = mr_ctx_user(ctx, rn.user, &rn.uid, &rn.gid);
    if (r == -ENOENT || r == -EINVAL) {
        f = mr_report(res, MR_FAIL, "the migration user %s does not exist or its /etc/passwd "
                      "entry is broken (%s)", rn.user, why);
        mr_finding_at(f, "/etc/passwd", 0);
        mr_finding_remedy(f, "install nova-compute (it creates the nova user) or set "
                          "migration_user in the site configuration");
        goto cleanup;
    }
    if (r < 0) {
        mr_report(res, MR_ERROR, "cannot look up the migration user %s: %s", rn.user,
                  strerror(-r));
        goto cleanup;
    }
    home = mr_ctx_user_home(ctx, rn.user);
    if (!home) {
        f = mr_report(res, MR_FAIL, "the migration user %s has no home folder in /etc/passwd",
                      rn.user);
        mr_finding_at(f, "/etc/passwd", 0);
        mr_finding_remedy(f, "usermod -d /var/lib/nova %s", rn.user);
        goto cleanup;
    }
    rn.ssh_dir = mr_xasprintf("%s/.ssh", strcmp(home, "/") == 0 ? "" : home);
    cmd = keygen_cmd(&rn);

    r = mr_root_stat(ctx->root, home, &st, false);
    if (r < 0 || !S_ISDIR(st.st_mode)) {
        f = fail_at(&rn, MR_FAIL, home, 0, "%s, the home of %s, %s", home, rn.user,
                    r < 0 ? "does not exist" : "is not a directory");
        mr_finding_remedy(f, "install -d -m 0755 -o %s %s && %s", rn.user, home, cmd);
        goto cleanup;
    }
    check_strict(&rn, home, &st, true, false, 0);

    r = mr_root_stat(ctx->root, rn.ssh_dir, &st, false);
    if (r < 0) {
        f = fail_at(&rn, MR_FAIL, rn.ssh_dir, 0, "%s has no %s, so no key pair (%s)", rn.user,
                    rn.ssh_dir, why);
        mr_finding_remedy(f, "%s", cmd);
        priv = mr_xasprintf("%s/id_ed25519", rn.ssh_dir);
        pub = mr_xasprintf("%s.pub", priv);
        ak = mr_xasprintf("%s/authorized_keys", rn.ssh_dir);
        fix_do(f, "mkdir", rn.ssh_dir, "0700");
        fix_do(f, "keygen", priv, NULL);
        fix_authorize_all(&rn, f, ak, pub);
        goto cleanup;
    }
    if (!S_ISDIR(st.st_mode)) {
        f = fail_at(&rn, MR_FAIL, rn.ssh_dir, 0, "%s is not a directory", rn.ssh_dir);
        mr_finding_remedy(f, "rm %s && %s", rn.ssh_dir, cmd);
        goto cleanup;
    }
    bool strict = check_strict(&rn, rn.ssh_dir, &st, false, true, 0700);
    if (strict && (st.st_mode & 077)) {
        f = fail_at(&rn, MR_WARN, rn.ssh_dir, 0, "%s is mode %04o, not 0700: other users can "
                    "see which keys %s has", rn.ssh_dir, (unsigned)(st.st_mode & 07777),
                    rn.user);
        mr_finding_remedy(f, "chmod 0700 %s", rn.ssh_dir);
        /* A warning, fixed with the rest when the check fails. */
        fix_chmod(f, rn.ssh_dir, 0700);
    } else if (!strict && (st.st_mode & 077) && !(st.st_mode & (S_IWGRP | S_IWOTH))) {
        /* The owner failed, which hides the warning: its fix takes the mode too. */
        fix_chmod(&res->findings[res->n_findings - 1], rn.ssh_dir, 0700);
    }

    if (id->key && mr_root_stat(ctx->root, id->key, &st, true) < 0) {
        /* ?keyfile= names the one key ssh -i offers. */
        priv = mr_xstrdup(id->key);
        pub = mr_xasprintf("%s.pub", priv);
        f = fail_at(&rn, MR_FAIL, priv, 0, "%s does not exist: %s", priv, why);
        mr_finding_remedy(f, "sudo -u %s ssh-keygen -t ed25519 -N '' -f %s", rn.user, priv);
        fix_do(f, "keygen", priv, NULL);
        new_key = res->n_findings - 1;
    } else if (id->key) {
        priv = mr_xstrdup(id->key);
    }
    for (size_t i = 0; i < MR_ARRAY_SIZE(key_names) && !priv; i++) {
        char *p = mr_xasprintf("%s/%s", rn.ssh_dir, key_names[i]);
        if (mr_root_stat(ctx->root, p, &st, true) == 0)
            priv = p;
        else
            free(p);
    }
    if (!priv) {
        f = fail_at(&rn, MR_FAIL, rn.ssh_dir, 0, "%s has no key pair in %s (id_ed25519, "
                    "id_ecdsa or id_rsa; %s)", rn.user, rn.ssh_dir, why);
        mr_finding_remedy(f, "%s", cmd);
        priv = mr_xasprintf("%s/id_ed25519", rn.ssh_dir);
        pub = mr_xasprintf("%s.pub", priv);
        fix_do(f, "keygen", priv, NULL);
        new_key = res->n_findings - 1;
    } else if (new_key == SIZE_MAX) {
        r = 0;
        if (S_ISLNK(st.st_mode))
            r = mr_root_stat(ctx->root, priv, &st, false);
        if (r < 0 || !S_ISREG(st.st_mode)) {
            f = fail_at(&rn, MR_FAIL, priv, 0, "the private key %s is not a regular file", priv);
            mr_finding_remedy(f, "replace %s with a key made by ssh-keygen", priv);
        } else {
            check_private(&rn, priv, &st);
        }
        pub = mr_xasprintf("%s.pub", priv);
        char *buf = NULL;
        r = mr_root_read(ctx->root, pub, KEY_MAX, &buf, NULL);
        char *pwhy = NULL;
        if (r < 0) {
            f = fail_at(&rn, MR_FAIL, pub, 0, "the public half %s of %s's key is missing", pub,
                        rn.user);
            mr_finding_remedy(f, "sudo -u %s ssh-keygen -y -f %s > %s", rn.user, priv, pub);
        } else if (!parse_key(buf, false, &own, &pwhy)) {
            f = fail_at(&rn, MR_FAIL, pub, 1, "%s:1 is not a public key: %s", pub, pwhy);
            mr_finding_remedy(f, "sudo -u %s ssh-keygen -y -f %s > %s", rn.user, priv, pub);
        }
        free(pwhy);
        free(buf);
    }

    ak = mr_xasprintf("%s/authorized_keys", rn.ssh_dir);
    r = mr_root_stat(ctx->root, ak, &st, false);
    if (r < 0) {
        f = fail_at(&rn, MR_FAIL, ak, 0, "%s has no %s: no host can copy disks to this one as %s",
                    rn.user, ak, rn.user);
        mr_finding_remedy(f, "cat %s >> %s && chown %s: %s && chmod 0600 %s",
                          pub && new_key == SIZE_MAX ? pub : "PEER_KEY.pub", ak, rn.user, ak, ak);
        fix_authorize_all(&rn, f, ak, pub);
        goto cleanup;
    }
    if (new_key != SIZE_MAX)
        fix_do(&res->findings[new_key], "authorize-file", ak, pub);
    check_strict(&rn, ak, &st, true, true, 0600);
    r = read_keys(&rn, ak, true, &have, &n_have);
    if (r < 0) {
        f = fail_at(&rn, MR_FAIL, ak, 0, "cannot read %s: %s", ak,
                    r == -EFBIG ? "too large" : strerror(-r));
        mr_finding_remedy(f, "replace %s with a file of public keys, one per line", ak);
        goto cleanup;
    }
    if (own.type && !keys_have(have, n_have, &own)) {
        f = fail_at(&rn, MR_FAIL, ak, 0, "%s does not hold %s's own public key %s: copies to "
                    "this same host (resize) fail", ak, rn.user, pub);
        mr_finding_remedy(f, "cat %s >> %s", pub, ak);
        fix_do(f, "authorize-file", ak, pub);
    }
    check_site_keys(&rn, ak, have, n_have);

    if (res->n_findings == 0)
        fail_at(&rn, MR_PASS, priv, 0, "%s has a key pair (%s, %s) and %s holds it%s (%zu "
                "key%s)", rn.user, priv, own.type, ak,
                mr_ctx_site(ctx, "authorized_keys") ? " and the site's keys" : "", n_have,
                n_have == 1 ? "" : "s");

cleanup:
    name_identity(res, id);
    keys_free(have, n_have);
    key_clear(&own);
    free(ak);
    free(pub);
    free(priv);
    free(cmd);
    free(rn.ssh_dir);
    free(home);
    return 0;
}

const struct mr_check mr_check_ssh_keys = {
    .id = "ssh.keys",
    .title = "the migration user has an SSH key pair with correct permissions",
    .run = run_keys,
};
