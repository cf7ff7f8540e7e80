/* libvirtd.conf, qemu.conf, the libvirtd defaults file and the systemd units
 * that decide how libvirtd listens. Files are read through the root-safe
 * helpers and handed to Augeas as text, so that Augeas never opens a path of
 * its own (it would not honour --root's symlink rules). */
#include "config.h"

#include <augeas.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "libvirtconf.h"
#include "netaddr.h"
#include "paths.h"
#include "rootfs.h"
#include "migready.h"

#define MR_CONF_MAX (1024 * 1024)

/* Only the units that change how libvirt is reached; anything else is not
 * looked at, which keeps the scan to a handful of lstat calls. */
static const char *const known_units[] = {
    "libvirtd.service",   "libvirtd.socket",      "libvirtd-tcp.socket",  "libvirtd-tls.socket",
    "virtproxyd.service", "virtproxyd.socket",    "virtproxyd-tcp.socket", "virtproxyd-tls.socket",
    "virtqemud.service",  "virtqemud.socket",
};
#define N_UNITS MR_ARRAY_SIZE(known_units)

/* libvirt 9's built-in values (src/remote/libvirtd.conf.in, src/qemu/qemu.conf.in
 * and the code behind them), used when a file does not set the key. */
static const struct {
    enum mr_libvirt_file file;
    const char *key;
    const char *value;
} defaults[] = {
    {MR_LIBVIRTD_CONF, "listen_tls", "1"},
    {MR_LIBVIRTD_CONF, "listen_tcp", "0"},
    {MR_LIBVIRTD_CONF, "tls_port", "16514"},
    {MR_LIBVIRTD_CONF, "tcp_port", "16509"},
    {MR_LIBVIRTD_CONF, "auth_tcp", "sasl"},
    {MR_LIBVIRTD_CONF, "auth_tls", "none"},
    {MR_LIBVIRTD_CONF, "key_file", "/etc/pki/libvirt/private/serverkey.pem"},
    {MR_LIBVIRTD_CONF, "cert_file", "/etc/pki/libvirt/servercert.pem"},
    {MR_LIBVIRTD_CONF, "ca_file", "/etc/pki/CA/cacert.pem"},
    {MR_QEMU_CONF, "migration_port_min", "49152"},
    {MR_QEMU_CONF, "migration_port_max", "49215"},
    {MR_QEMU_CONF, "remote_display_port_min", "5900"},
    {MR_QEMU_CONF, "remote_display_port_max", "65535"},
    {MR_QEMU_CONF, "default_tls_x509_cert_dir", "/etc/pki/qemu"},
};

struct lv_entry {
    enum mr_libvirt_file file;
    char *key;
    char *value;
    int line;
};

struct lv_unit {
    char *enabled_path; /* the link under *.wants/ or *.requires/ */
    char *masked_path;
};

struct mr_libvirt_conf {
    char *path[_MR_LIBVIRT_FILE_LAST]; /* the file read, NULL when none exists */
    char *name[_MR_LIBVIRT_FILE_LAST]; /* the file to name in messages */
    struct lv_entry *entries;
    size_t n_entries;
    struct lv_unit units[N_UNITS];
    bool modular;
    bool socket_activated;
    char *activation_reason;
    char *note;
    char *args_var; /* the variable the unit passes to the daemon */
    int err[_MR_LIBVIRT_FILE_LAST];       /* why a file could not be read, 0 if it could */
    char *errmsg[_MR_LIBVIRT_FILE_LAST];
    char *qemu_user;
    char *qemu_group;
};

static const char *const file_lens[] = {
    /* Our lens for libvirt's syntax, not libvirt's own lenses: those list
     * every key and reject lines libvirtd reads without complaint (a comment
     * after a value, an unknown key), and compiling their key lists costs
     * most of the run. */
    [MR_LIBVIRTD_CONF] = "Virtconf.lns",
    [MR_QEMU_CONF] = "Virtconf.lns",
    /* Shellvars_list loads in ~2 ms where Shellvars takes ~35 ms; Shellvars is
     * only the fallback for shell syntax the list lens does not know. */
    [MR_LIBVIRTD_ARGS] = "Shellvars_list.lns",
};
_Static_assert(MR_ARRAY_SIZE(file_lens) == _MR_LIBVIRT_FILE_LAST, "lens per file");

static int unit_index(const char *unit)
{
    for (size_t i = 0; i < N_UNITS; i++)
        if (strcmp(known_units[i], unit) == 0)
            return (int)i;
    return -1;
}

void mr_libvirt_conf_free(struct mr_libvirt_conf *conf)
{
    if (!conf)
        return;
    for (size_t i = 0; i < _MR_LIBVIRT_FILE_LAST; i++) {
        free(conf->path[i]);
        free(conf->name[i]);
        free(conf->errmsg[i]);
    }
    for (size_t i = 0; i < conf->n_entries; i++) {
        free(conf->entries[i].key);
        free(conf->entries[i].value);
    }
    free(conf->entries);
    for (size_t i = 0; i < N_UNITS; i++) {
        free(conf->units[i].enabled_path);
        free(conf->units[i].masked_path);
    }
    free(conf->activation_reason);
    free(conf->note);
    free(conf->args_var);
    free(conf->qemu_user);
    free(conf->qemu_group);
    free(conf);
}

static int line_of(const char *buf, size_t len, unsigned offset)
{
    int line = 1;
    for (size_t i = 0; i < offset && i < len; i++)
        if (buf[i] == '\n')
            line++;
    return line;
}

/* Copies line LINE (1-based) of BUF, without its newline. */
static char *line_text(const char *buf, int line)
{
    const char *p = buf;
    for (int i = 1; i < line && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p)
        return mr_xstrdup("");
    size_t n = strcspn(p, "\n");
    char *s = mr_xstrndup(p, n);
    return s;
}

static int text_store(augeas *aug, const char *lens, const char *text)
{
    if (aug_set(aug, "/text/x", text) < 0)
        return -1;
    aug_rm(aug, "/tree/x");
    aug_rm(aug, "/augeas/text/tree/x");
    return aug_text_store(aug, lens, "/text/x", "/tree/x");
}

static char *parse_error(augeas *aug, const char *lens, const char *path, const char *buf)
{
    const char *err = NULL, *msg = NULL, *line_s = NULL;
    long line = 0;
    char *text = NULL, *key = NULL, *ret = NULL;

    if (aug_get(aug, "/augeas/text/tree/x/error", &err) != 1 || !err) {
        /* No parse error recorded: Augeas itself failed, most often because
         * the lens is not installed (libvirt ships libvirtd.aug itself). */
        const char *detail = aug_error_details(aug);
        ret = mr_xasprintf("%s: cannot parse: %s %s%s%s", path, lens, aug_error_message(aug),
                           detail ? ": " : "", detail ? detail : "");
        goto cleanup;
    }
    aug_get(aug, "/augeas/text/tree/x/error/message", &msg);
    aug_get(aug, "/augeas/text/tree/x/error/line", &line_s);
    if (mr_parse_long(line_s, &line) < 0 || line < 1)
        line = 1;
    /* Name the key of the line that could not be read, never its value:
     * qemu.conf holds console passwords. */
    text = line_text(buf, (int)line);
    char *t = mr_strip(text);
    size_t klen = 0;
    while (isalnum((unsigned char)t[klen]) || t[klen] == '_')
        klen++;
    if (klen > 0) {
        key = mr_xstrndup(t, klen);
        ret = mr_xasprintf("%s:%ld: cannot parse the line of \"%s\": %s", path, line, key,
                           msg ? msg : err);
    } else {
        ret = mr_xasprintf("%s:%ld: cannot parse: %s", path, line, msg ? msg : err);
    }

cleanup:
    free(text);
    free(key);
    return ret;
}

static void add_entry(struct mr_libvirt_conf *conf, enum mr_libvirt_file file, const char *key,
                      char *value, int line)
{
    conf->entries = mr_xrealloc(conf->entries, (conf->n_entries + 1) * sizeof(*conf->entries));
    conf->entries[conf->n_entries++] = (struct lv_entry){
        .file = file, .key = mr_xstrdup(key), .value = value, .line = line};
}

/* Virtconf keeps values as written: "text", 'text' or a number. */
static char *conf_unquote(const char *v, bool unquote)
{
    size_t n = strlen(v);
    if (unquote && n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
        return mr_xstrndup(v + 1, n - 2);
    return mr_xstrdup(v);
}

/* The value of a tree node: its own value, or its children joined (libvirt
 * lists: "1", "2"...; Shellvars_list: "value" words after a "quote"). */
static char *node_value(augeas *aug, const char *node, const char *sep, bool unquote)
{
    const char *v = NULL;
    if (aug_get(aug, node, &v) == 1 && v)
        return conf_unquote(v, unquote);

    char *pattern = mr_xasprintf("%s/*[label() != 'quote' and label() != '#comment' and "
                                 "label() != '#empty']",
                                 node);
    char **kids = NULL;
    int n = aug_match(aug, pattern, &kids);
    free(pattern);
    char **items = mr_xcalloc(1, sizeof(char *));
    for (int i = 0; i < n; i++) {
        const char *kv = NULL;
        if (aug_get(aug, kids[i], &kv) == 1 && kv) {
            char *item = conf_unquote(kv, unquote);
            if (*item)
                mr_strv_push(&items, item);
            free(item);
        }
        free(kids[i]);
    }
    free(kids);
    char *out = mr_strv_join(items, sep);
    mr_strv_free(items);
    return out;
}

/* Shellvars stores a value as written; drop one level of shell quoting. */
static char *shell_unquote(const char *v)
{
    size_t n = strlen(v);
    if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
        return mr_xstrndup(v + 1, n - 2);
    return mr_xstrdup(v);
}

/* Reads PATH into the entries of FILE. A missing file is no error (return 0
 * with *ret_found false): libvirt's defaults apply. */
static int load_file(struct mr_libvirt_conf *conf, augeas *aug, const struct mr_root *root,
                     enum mr_libvirt_file file, const char *path, bool *ret_found, char **ret_msg)
{
    char *buf = NULL;
    size_t len = 0;
    char **nodes = NULL;
    int n = 0, r;
    const char *lens = file_lens[file];

    *ret_found = false;
    r = mr_root_read(root, path, MR_CONF_MAX, &buf, &len);
    if (r == -ENOENT) {
        r = 0;
        goto cleanup;
    }
    if (r < 0) {
        *ret_msg = mr_xasprintf("%s: cannot read: %s", path, strerror(-r));
        goto cleanup;
    }
    *ret_found = true;

    /* libvirt's parser (src/util/virconf.c, IS_EOL) takes a CR as a line end
     * too, so a file saved with CRLF ends is read like any other; the shell
     * reading the defaults file does not. Lines are counted by LF either way. */
    if (file != MR_LIBVIRTD_ARGS && memchr(buf, '\r', len)) {
        char *b = mr_text_to_lf(buf, NULL);
        free(buf);
        buf = b;
        len = strlen(buf);
    }
    /* The lenses want every line ended, libvirt does not. */
    if (len > 0 && buf[len - 1] != '\n') {
        char *b = mr_xasprintf("%s\n", buf);
        free(buf);
        buf = b;
        len++;
    }

    if (text_store(aug, lens, buf) < 0) {
        if (file == MR_LIBVIRTD_ARGS) {
            lens = "Shellvars.lns";
            r = text_store(aug, lens, buf);
        } else {
            r = -1;
        }
        if (r < 0) {
            *ret_msg = parse_error(aug, lens, path, buf);
            r = -EINVAL;
            goto cleanup;
        }
    }

    n = aug_match(aug, "/tree/x/*[label() != '#comment' and label() != '#empty']", &nodes);
    if (n < 0) {
        *ret_msg = mr_xasprintf("%s: cannot read the parsed tree: %s", path,
                                aug_error_message(aug));
        r = -EIO;
        goto cleanup;
    }
    for (int i = 0; i < n; i++) {
        const char *label = NULL;
        unsigned ls, le, vs, ve, ss, se;
        char *fname = NULL;
        int line = 0;

        if (aug_label(aug, nodes[i], &label) != 1 || !label || label[0] == '@')
            continue;
        if (aug_span(aug, nodes[i], &fname, &ls, &le, &vs, &ve, &ss, &se) == 0)
            line = line_of(buf, len, ss);
        free(fname);
        char *value = node_value(aug, nodes[i], file == MR_LIBVIRTD_ARGS ? " " : ", ",
                                 file != MR_LIBVIRTD_ARGS);
        if (strcmp(lens, "Shellvars.lns") == 0) {
            char *u = shell_unquote(value);
            free(value);
            value = u;
        }
        add_entry(conf, file, label, value, line);
    }
    r = 0;

cleanup:
    for (int i = 0; i < n; i++)
        free(nodes[i]);
    free(nodes);
    free(buf);
    return r;
}

static bool root_exists(const struct mr_root *root, const char *path, bool nofollow)
{
    struct stat st;
    return mr_root_stat(root, path, &st, nofollow) == 0;
}

/* systemd treats a unit linked to /dev/null, or an empty unit file, as
 * masked. Under --root the root rarely has a /dev/null, so a link that leads
 * nowhere inside the root counts as one too: such a unit cannot load either. */
static bool unit_is_masked(const struct mr_root *root, const char *path)
{
    struct stat st;
    if (mr_root_stat(root, path, &st, true) < 0)
        return false;
    if (S_ISREG(st.st_mode))
        return st.st_size == 0;
    if (!S_ISLNK(st.st_mode))
        return false;
    int r = mr_root_stat(root, path, &st, false);
    if (r == -ENOENT)
        return true;
    return r == 0 && (S_ISCHR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0));
}

static void scan_units(struct mr_libvirt_conf *conf, const struct mr_root *root)
{
    static const char *const suffixes[] = {".wants", ".requires"};
    static const char *const unit_dir = "/etc/systemd/system";

    for (size_t i = 0; i < N_UNITS; i++) {
        char *p = mr_xasprintf("%s/%s", unit_dir, known_units[i]);
        if (unit_is_masked(root, p))
            conf->units[i].masked_path = p;
        else
            free(p);
    }
    for (size_t s = 0; s < MR_ARRAY_SIZE(suffixes); s++) {
        char **dirs = NULL;
        if (mr_root_list(root, unit_dir, suffixes[s], &dirs) < 0)
            continue;
        for (size_t d = 0; dirs[d]; d++) {
            for (size_t i = 0; i < N_UNITS; i++) {
                if (conf->units[i].enabled_path)
                    continue;
                char *p = mr_xasprintf("%s/%s/%s", unit_dir, dirs[d], known_units[i]);
                if (root_exists(root, p, true))
                    conf->units[i].enabled_path = p;
                else
                    free(p);
            }
        }
        mr_strv_free(dirs);
    }
}

/* Where systemd looks for a unit file, the administrator's copy first. */
static char *find_unit_file(const struct mr_root *root, const char *unit)
{
    static const char *const dirs[] = {"/etc/systemd/system", "/usr/lib/systemd/system",
                                       "/lib/systemd/system"};
    for (size_t i = 0; i < MR_ARRAY_SIZE(dirs); i++) {
        char *p = mr_xasprintf("%s/%s", dirs[i], unit);
        if (root_exists(root, p, false))
            return p;
        free(p);
    }
    return NULL;
}

/* The service unit's EnvironmentFile= paths (the '-' that makes one optional
 * dropped) and the first variable its ExecStart= expands, as "$NAME" or
 * "${NAME}". Debian up to 10 passes $libvirtd_opts from /etc/default/libvirtd,
 * Ubuntu up to 18.04 the same from /etc/default/libvirt-bin through
 * libvirt-bin.service; current units pass $LIBVIRTD_ARGS. */
static void unit_environment(const struct mr_root *root, const char *unit_file, char ***ret_files,
                             char **ret_var)
{
    char *buf = NULL, *save = NULL;
    if (mr_root_read(root, unit_file, MR_CONF_MAX, &buf, NULL) < 0)
        return;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line = mr_strip(line);
        if (strncmp(line, "EnvironmentFile=", 16) == 0) {
            char *path = mr_strip(line + 16);
            if (*path == '-')
                path++;
            if (*path == '/')
                mr_strv_push(ret_files, path);
        } else if (strncmp(line, "ExecStart=", 10) == 0 && !*ret_var) {
            char *d = strchr(line + 10, '$');
            if (!d)
                continue;
            d += d[1] == '{' ? 2 : 1;
            size_t n = 0;
            while (isalnum((unsigned char)d[n]) || d[n] == '_')
                n++;
            if (n > 0)
                *ret_var = mr_xstrndup(d, n);
        }
    }
    free(buf);
}

/* Since libvirt 5.7, libvirtd.service says Wants=libvirtd.socket: starting the
 * service starts the socket, so socket activation is on even when the socket
 * itself was disabled; only masking it restores the traditional mode. */
static bool service_wants(const struct mr_root *root, const char *service_file, const char *socket)
{
    char *buf = NULL;
    bool found = false;
    if (mr_root_read(root, service_file, MR_CONF_MAX, &buf, NULL) < 0)
        return false;
    for (char *line = strtok(buf, "\n"); line && !found; line = strtok(NULL, "\n")) {
        line = mr_strip(line);
        if (strncmp(line, "Wants=", 6) != 0)
            continue;
        char **words = mr_split_list(line + 6);
        found = mr_strv_contains(words, socket);
        mr_strv_free(words);
    }
    free(buf);
    return found;
}

static void decide_activation(struct mr_libvirt_conf *conf, const struct mr_root *root)
{
    const char *daemon = mr_libvirt_conf_daemon(conf);
    char *socket = mr_xasprintf("%s.socket", daemon);
    char *service = mr_xasprintf("%s.service", daemon);
    const char *sock_link = NULL, *svc_link = NULL;
    char *sock_file = NULL, *svc_file = NULL;

    if (mr_libvirt_conf_unit_masked(conf, socket, NULL))
        goto cleanup;
    if (mr_libvirt_conf_unit_enabled(conf, socket, &sock_link)) {
        conf->socket_activated = true;
        conf->activation_reason = mr_xasprintf("%s enabled at %s", socket, sock_link);
        goto cleanup;
    }
    if (!mr_libvirt_conf_unit_enabled(conf, service, &svc_link))
        goto cleanup;
    sock_file = find_unit_file(root, socket);
    svc_file = find_unit_file(root, service);
    if (sock_file && svc_file && service_wants(root, svc_file, socket)) {
        conf->socket_activated = true;
        conf->activation_reason = mr_xasprintf(
            "%s enabled at %s pulls in %s through Wants= in %s, and %s is not masked", service,
            svc_link, socket, svc_file, socket);
    }

cleanup:
    free(socket);
    free(service);
    free(sock_file);
    free(svc_file);
}

static bool any_enabled(const struct mr_libvirt_conf *conf, const char *const *units)
{
    for (size_t i = 0; units[i]; i++)
        if (mr_libvirt_conf_unit_enabled(conf, units[i], NULL))
            return true;
    return false;
}

/* Names of the root's passwd or group file, in file order. */
static char **db_names(const struct mr_root *root, const char *path, const char *by_id)
{
    char *buf = NULL;
    char **names = NULL;
    if (mr_root_read(root, path, MR_CONF_MAX, &buf, NULL) < 0)
        return NULL;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        char *f[4] = {line, NULL, NULL, NULL};
        for (int i = 1; i < 4 && f[i - 1]; i++) {
            f[i] = strchr(f[i - 1], ':');
            if (f[i])
                *f[i]++ = '\0';
        }
        if (!f[2])
            continue;
        if (by_id) {
            char *end = strchr(f[2], ':');
            if (end)
                *end = '\0';
            if (strcmp(f[2], by_id) == 0) {
                mr_strv_push(&names, f[0]);
                break;
            }
            continue;
        }
        mr_strv_push(&names, f[0]);
    }
    free(buf);
    return names;
}

/* qemu.conf accepts "+N" for a numeric ID; name it when the root knows it. */
static char *resolve_id(const struct mr_root *root, const char *db, const char *value)
{
    if (value[0] != '+')
        return mr_xstrdup(value);
    long id;
    if (mr_parse_long(value + 1, &id) < 0 || id < 0)
        return mr_xstrdup(value);
    char *s = mr_xasprintf("%ld", id);
    char **names = db_names(root, db, s);
    free(s);
    char *ret = mr_xstrdup(names && names[0] ? names[0] : value);
    mr_strv_free(names);
    return ret;
}

static char *pick_account(const struct mr_root *root, const struct mr_libvirt_conf *conf,
                          const char *key, const char *db, const char *const *candidates)
{
    struct mr_confval v;
    if (mr_libvirt_conf_get(conf, MR_QEMU_CONF, key, &v) && !v.is_default && v.value[0])
        return resolve_id(root, db, v.value);
    char **names = db_names(root, db, NULL);
    char *ret = NULL;
    for (size_t i = 0; candidates[i] && !ret; i++)
        if (mr_strv_contains(names, candidates[i]))
            ret = mr_xstrdup(candidates[i]);
    mr_strv_free(names);
    return ret ? ret : mr_xstrdup("root");
}

/* The defaults file the daemon's unit reads (EnvironmentFile=) and, in
 * *RET_UNIT_VAR, the variable its ExecStart= passes. Without the unit in the
 * root, the files present decide: /etc/sysconfig on Fedora and SUSE,
 * /etc/default on Debian, and /etc/default/libvirt-bin where the service
 * still had that name (Ubuntu up to 18.04, Debian up to 8). */
static void choose_args_file(struct mr_libvirt_conf *conf, const struct mr_root *root,
                             char **ret_unit_var)
{
    const char *daemon = mr_libvirt_conf_daemon(conf);
    char *sysconfig = mr_xasprintf("/etc/sysconfig/%s", daemon);
    char *deflt = mr_xasprintf("/etc/default/%s", daemon);
    const char *bin = conf->modular ? NULL : "/etc/default/libvirt-bin";
    char *services[] = {mr_xasprintf("%s.service", daemon),
                        conf->modular ? NULL : mr_xstrdup("libvirt-bin.service")};
    char **env_files = NULL;
    char *unit = NULL;

    for (size_t i = 0; i < MR_ARRAY_SIZE(services) && !unit; i++)
        if (services[i])
            unit = find_unit_file(root, services[i]);
    if (unit)
        unit_environment(root, unit, &env_files, ret_unit_var);

    bool has_sysconfig = root_exists(root, sysconfig, false);
    bool has_default = root_exists(root, deflt, false);
    bool has_bin = bin && root_exists(root, bin, false);
    bool debian = root_exists(root, "/etc/debian_version", false);
    const char *pick;
    if (env_files) {
        pick = env_files[0];
        for (size_t i = 0; env_files[i]; i++) {
            if (root_exists(root, env_files[i], false)) {
                pick = env_files[i];
                break;
            }
        }
    } else if (has_sysconfig && has_default) {
        pick = debian ? deflt : sysconfig;
    } else if (has_sysconfig) {
        pick = sysconfig;
    } else if (has_default || !has_bin) {
        pick = has_default ? deflt : debian ? deflt : sysconfig;
    } else {
        pick = bin;
    }
    conf->name[MR_LIBVIRTD_ARGS] = mr_xstrdup(pick);

    /* Two candidates present: say which one counts, and why. */
    const char *const cands[] = {has_sysconfig ? sysconfig : NULL, has_default ? deflt : NULL,
                                 has_bin ? bin : NULL};
    const char *first = NULL, *second = NULL;
    for (size_t i = 0; i < MR_ARRAY_SIZE(cands) && !second; i++) {
        if (!cands[i])
            continue;
        if (!first)
            first = cands[i];
        else
            second = cands[i];
    }
    if (second && (strcmp(pick, first) == 0 || strcmp(pick, second) == 0))
        conf->note = mr_xasprintf("both %s and %s exist; %s read%s %s only", first, second,
                                  unit ? unit : debian ? "Debian's unit" : "the unit",
                                  unit ? "s" : "", pick);

    for (size_t i = 0; i < MR_ARRAY_SIZE(services); i++)
        free(services[i]);
    mr_strv_free(env_files);
    free(unit);
    free(sysconfig);
    free(deflt);
}

/* The variable that carries the daemon's arguments: the one the unit passes;
 * without the unit, the one the file sets (LIBVIRTD_ARGS today, libvirtd_opts
 * in Debian's files up to 10 and Ubuntu's libvirt-bin); unset, today's. */
static char *choose_args_var(const struct mr_libvirt_conf *conf, const char *unit_var)
{
    const char *current = conf->modular ? "VIRTPROXYD_ARGS" : "LIBVIRTD_ARGS";
    const char *old = "libvirtd_opts";
    struct mr_confval v;
    const char *name = conf->name[MR_LIBVIRTD_ARGS];

    if (unit_var)
        return mr_xstrdup(unit_var);
    if (conf->modular || mr_libvirt_conf_get(conf, MR_LIBVIRTD_ARGS, current, &v))
        return mr_xstrdup(current);
    if (mr_libvirt_conf_get(conf, MR_LIBVIRTD_ARGS, old, &v) ||
        strcmp(name, "/etc/default/libvirt-bin") == 0)
        return mr_xstrdup(old);
    return mr_xstrdup(current);
}

static augeas *aug_open(void)
{
    /* Our lens folder first; the standard path stays for Shellvars. */
    augeas *aug = aug_init(NULL, mr_lens_dir(),
                           AUG_NO_LOAD | AUG_NO_MODL_AUTOLOAD | AUG_ENABLE_SPAN);
    if (aug && aug_error(aug) != AUG_NOERROR) {
        aug_close(aug);
        aug = NULL;
    }
    return aug;
}

int mr_libvirt_conf_load(const struct mr_root *root, struct mr_libvirt_conf **ret, char **ret_msg)
{
    return mr_libvirt_conf_load_at(root, NULL, ret, ret_msg);
}

/* The first line of the root's PATH that holds WORD, 0 when none does. */
static int first_line_with(const struct mr_root *root, const char *path, const char *word)
{
    char *buf = NULL;
    if (mr_root_read(root, path, MR_CONF_MAX, &buf, NULL) < 0)
        return 0;
    const char *at = strstr(buf, word);
    int line = 0;
    if (at) {
        line = 1;
        for (const char *p = buf; p < at; p++)
            line += *p == '\n';
    }
    free(buf);
    return line;
}

int mr_libvirt_conf_load_at(const struct mr_root *root, const struct mr_libvirt_layout *layout,
                            struct mr_libvirt_conf **ret, char **ret_msg)
{
    static const struct mr_libvirt_layout standard = {0};
    const struct mr_libvirt_layout *lay = layout ? layout : &standard;
    static const char *const modular_units[] = {"virtproxyd.service", "virtproxyd.socket",
                                                "virtqemud.service", "virtqemud.socket", NULL};
    static const char *const monolithic_units[] = {"libvirtd.service", "libvirtd.socket", NULL};
    static const char *const users[] = {"libvirt-qemu", "qemu", NULL};
    static const char *const groups[] = {"libvirt-qemu", "kvm", "qemu", NULL};
    struct mr_libvirt_conf *conf = mr_xcalloc(1, sizeof(*conf));
    augeas *aug = NULL;
    char *msg = NULL;
    const char *first = NULL;
    char *unit_var = NULL;
    bool found;
    int r;

    scan_units(conf, root);
    conf->modular = any_enabled(conf, modular_units) && !any_enabled(conf, monolithic_units);
    const char *daemon = mr_libvirt_conf_daemon(conf);

    conf->name[MR_LIBVIRTD_CONF] = lay->daemon_conf
                                       ? mr_xstrdup(lay->daemon_conf)
                                       : mr_xasprintf("/etc/libvirt/%s.conf", daemon);
    conf->name[MR_QEMU_CONF] = mr_xstrdup(lay->qemu_conf ? lay->qemu_conf
                                                         : "/etc/libvirt/qemu.conf");
    if (lay->args)
        conf->name[MR_LIBVIRTD_ARGS] = mr_xstrdup(lay->args_file ? lay->args_file : "");
    else
        choose_args_file(conf, root, &unit_var);

    aug = aug_open();
    if (!aug) {
        msg = mr_xstrdup("cannot initialise Augeas");
        r = -ENOMEM;
        goto cleanup;
    }
    /* A file that cannot be read fails only the checks that need it: the
     * others go on with what could be read. */
    for (size_t f = 0; f < _MR_LIBVIRT_FILE_LAST; f++) {
        char *fmsg = NULL;
        if (f == MR_LIBVIRTD_ARGS && lay->args) {
            /* The container's command line, not a shell file. */
            conf->args_var = choose_args_var(conf, NULL);
            add_entry(conf, MR_LIBVIRTD_ARGS, conf->args_var, mr_xstrdup(lay->args),
                      lay->args_file ? first_line_with(root, lay->args_file, "\"command\"") : 0);
            if (lay->args_file && root_exists(root, lay->args_file, false))
                conf->path[f] = mr_xstrdup(lay->args_file);
            continue;
        }
        int fr = load_file(conf, aug, root, f, conf->name[f], &found, &fmsg);
        if (fr < 0) {
            conf->err[f] = fr;
            conf->errmsg[f] = fmsg ? fmsg : mr_xasprintf("%s: cannot read", conf->name[f]);
        }
        if (found)
            conf->path[f] = mr_xstrdup(conf->name[f]);
    }

    if (!conf->args_var)
        conf->args_var = choose_args_var(conf, unit_var);
    conf->qemu_user = pick_account(root, conf, "user", "/etc/passwd", users);
    conf->qemu_group = pick_account(root, conf, "group", "/etc/group", groups);
    decide_activation(conf, root);

    r = mr_libvirt_conf_error(conf, MR_LIBVIRT_ALL_FILES, &first);
    if (r < 0)
        msg = mr_xstrdup(first);
    *ret = conf;
    conf = NULL;

cleanup:
    if (r < 0 && ret_msg)
        *ret_msg = msg;
    else
        free(msg);
    aug_close(aug);
    free(unit_var);
    mr_libvirt_conf_free(conf);
    return r;
}

int mr_libvirt_conf_error(const struct mr_libvirt_conf *conf, unsigned files,
                          const char **ret_msg)
{
    for (size_t f = 0; f < _MR_LIBVIRT_FILE_LAST; f++) {
        if ((files & MR_LIBVIRT_FILE(f)) && conf->err[f] < 0) {
            if (ret_msg)
                *ret_msg = conf->errmsg[f];
            return conf->err[f];
        }
    }
    return 0;
}

bool mr_libvirt_conf_get(const struct mr_libvirt_conf *conf, enum mr_libvirt_file file,
                         const char *key, struct mr_confval *ret)
{
    const struct lv_entry *hit = NULL;
    for (size_t i = 0; i < conf->n_entries; i++) {
        const struct lv_entry *e = &conf->entries[i];
        if (e->file != file || strcmp(e->key, key) != 0)
            continue;
        hit = e;
        /* libvirt's virConf answers with the first assignment of a key,
         * the shell with the last. */
        if (file != MR_LIBVIRTD_ARGS)
            break;
    }
    if (hit) {
        *ret = (struct mr_confval){
            .value = hit->value, .file = conf->path[file], .line = hit->line};
        return true;
    }
    for (size_t i = 0; i < MR_ARRAY_SIZE(defaults); i++) {
        if (defaults[i].file == file && strcmp(defaults[i].key, key) == 0) {
            *ret = (struct mr_confval){.value = defaults[i].value, .is_default = true};
            return true;
        }
    }
    return false;
}

const char *mr_libvirt_conf_qemu_user(const struct mr_libvirt_conf *conf)
{
    return conf->qemu_user;
}

const char *mr_libvirt_conf_qemu_group(const struct mr_libvirt_conf *conf)
{
    return conf->qemu_group;
}

const char *mr_libvirt_migrate_tls_dir(const struct mr_libvirt_conf *conf,
                                       const struct mr_root *root, struct mr_confval *ret_v)
{
    static const char migrate_dir[] = "/etc/pki/libvirt-migrate";
    struct mr_confval v;
    struct stat st;
    if (!mr_libvirt_conf_get(conf, MR_QEMU_CONF, "migrate_tls_x509_cert_dir", &v)) {
        if (mr_root_stat(root, migrate_dir, &st, false) == 0)
            v = (struct mr_confval){.value = migrate_dir, .is_default = true};
        else
            mr_libvirt_conf_get(conf, MR_QEMU_CONF, "default_tls_x509_cert_dir", &v);
    }
    if (ret_v)
        *ret_v = v;
    return v.value;
}

const char *mr_libvirt_conf_file(const struct mr_libvirt_conf *conf, enum mr_libvirt_file file)
{
    return (unsigned)file < _MR_LIBVIRT_FILE_LAST ? conf->path[file] : NULL;
}

const char *mr_libvirt_conf_file_name(const struct mr_libvirt_conf *conf,
                                      enum mr_libvirt_file file)
{
    return (unsigned)file < _MR_LIBVIRT_FILE_LAST ? conf->name[file] : NULL;
}

bool mr_libvirt_conf_modular(const struct mr_libvirt_conf *conf)
{
    return conf->modular;
}

const char *mr_libvirt_conf_daemon(const struct mr_libvirt_conf *conf)
{
    return conf->modular ? "virtproxyd" : "libvirtd";
}

bool mr_libvirt_conf_unit_enabled(const struct mr_libvirt_conf *conf, const char *unit,
                                  const char **ret_path)
{
    int i = unit_index(unit);
    if (i < 0 || !conf->units[i].enabled_path || conf->units[i].masked_path)
        return false;
    if (ret_path)
        *ret_path = conf->units[i].enabled_path;
    return true;
}

bool mr_libvirt_conf_unit_masked(const struct mr_libvirt_conf *conf, const char *unit,
                                 const char **ret_path)
{
    int i = unit_index(unit);
    if (i < 0 || !conf->units[i].masked_path)
        return false;
    if (ret_path)
        *ret_path = conf->units[i].masked_path;
    return true;
}

bool mr_libvirt_conf_socket_activated(const struct mr_libvirt_conf *conf,
                                      const char **ret_reason)
{
    if (conf->socket_activated && ret_reason)
        *ret_reason = conf->activation_reason;
    return conf->socket_activated;
}

const char *mr_libvirt_conf_args(const struct mr_libvirt_conf *conf, const char **ret_file,
                                 int *ret_line)
{
    struct mr_confval v;
    if (!mr_libvirt_conf_get(conf, MR_LIBVIRTD_ARGS, conf->args_var, &v))
        return NULL;
    if (ret_file)
        *ret_file = v.file;
    if (ret_line)
        *ret_line = v.line;
    return v.value;
}

const char *mr_libvirt_conf_args_var(const struct mr_libvirt_conf *conf)
{
    return conf->args_var;
}

bool mr_libvirt_conf_args_listen(const struct mr_libvirt_conf *conf)
{
    const char *args = mr_libvirt_conf_args(conf, NULL, NULL);
    if (!args)
        return false;
    char **words = mr_split_list(args);
    bool found = false;
    for (size_t i = 0; words && words[i] && !found; i++) {
        const char *w = words[i];
        /* -l may be bundled with other short options, as in "-dl". */
        found = strcmp(w, "--listen") == 0 ||
                (w[0] == '-' && w[1] != '-' && strchr(w + 1, 'l') != NULL);
    }
    mr_strv_free(words);
    return found;
}

const char *mr_libvirt_conf_note(const struct mr_libvirt_conf *conf)
{
    return conf->note;
}

bool mr_libvirt_addr_is_loopback(const char *addr)
{
    if (!addr)
        return false;
    char *a = mr_xstrdup(addr);
    char *s = mr_strip(a);
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
        s[n - 1] = '\0';
        s++;
    }
    bool lo = strncasecmp(s, "localhost", 9) == 0 || mr_addr_is_loopback(s);
    free(a);
    return lo;
}
