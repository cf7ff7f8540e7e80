/* nova.conf read the way oslo.config reads it (oslo_config/iniparser.py and
 * cfg.py), so that migready sees the values nova-compute will use.
 *
 * What oslo does and this file follows:
 * - a line is right-stripped; an empty line ends a multi-line value;
 * - a line starting with a blank continues the previous value (joined with
 *   "\n"); with no value open it is an error. An indented "#" line inside
 *   a multi-line value is part of the value, as in oslo;
 * - "#" and ";" start a comment only at the beginning of a line;
 * - "[name]" starts a section; names other than DEFAULT compare in lower
 *   case (oslo's _normalize_group_name), DEFAULT only as written;
 * - "key = value" or "key: value", split at whichever comes first; the value
 *   is stripped, then one pair of matching surrounding quotes is removed;
 * - an assignment before any section header is an error;
 * - the last assignment wins, across files and across an option's current
 *   and deprecated names. MultiStrOpt options, which accumulate, are not
 *   needed by any check and are read as "last wins" too;
 * - values are PEP 292 templates: $name, ${name}, ${group.name}, "$$" and
 *   "\$" for a literal "$". A name is looked up in the value's own section,
 *   then in DEFAULT. A reference to an option that is neither set nor known
 *   here is left as written (Nova would fail on it, we cannot tell which).
 *   A referenced value is interpolated in its own section, once: like
 *   oslo's cache of option values, each value is built once and reused.
 *   A reference loop makes the load fail, naming the option.
 * - interpolation is bounded, since a few hundred bytes of nested
 *   references can otherwise build gigabytes: nesting depth, the size of a
 *   value built through references, and the total work of a load (see
 *   INTERP_*). Beyond a bound the load fails naming the file, line and key.
 * - files are read as UTF-8, as Python does; NUL bytes or invalid UTF-8 are
 *   errors with the file and line.
 *
 * Error messages never quote a line: a broken line may hold a password. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "migready.h"
#include "netaddr.h"
#include "novaconf.h"

#define NOVA_CONF "/etc/nova/nova.conf"
#define NOVA_CONF_D "/etc/nova/nova.conf.d"
#define NOVA_CONF_MAX (16u << 20)
/* Deeper than any sane chain of $references. */
#define INTERP_DEPTH 16
/* oslo.config values are short (addresses, paths, URLs); one put together
 * from references beyond this is an attack or a mistake. A value written out
 * in full may be longer, and so may a value that is one reference alone
 * (a copy of such a value): only concatenation can multiply a size. */
#define INTERP_VALUE_MAX (64u << 10)
/* The whole load: every value is memoised, so honest files stay far below
 * these (40,000 sections each referring to my_ip make 40,000 substitutions
 * and ~0.5 MiB), while a file of many references to a long value stops. */
#define INTERP_SUBST_MAX 1000000u
#define INTERP_TOTAL_MAX (64u << 20)

struct name_ref {
    const char *section;
    const char *name;
};

struct known_opt {
    const char *section;
    const char *name;
    const char *def; /* NULL: no default (None in Nova) */
    /* Deprecated names Nova still honours (oslo DeprecatedOpt). */
    struct name_ref legacy[3];
};

/* Options the checks read, with Nova 2026.1 defaults (nova/conf/ in Nova).
 * state_path's default in Nova is the directory of the installed nova
 * package; every distribution package sets /var/lib/nova, which is what a
 * compute host has in practice. */
static const struct known_opt known_opts[] = {
    {"DEFAULT", "state_path", "/var/lib/nova", {{NULL, NULL}}},
    {"DEFAULT", "instances_path", "$state_path/instances", {{NULL, NULL}}},
    {"DEFAULT", "my_ip", NULL, {{NULL, NULL}}},
    {"DEFAULT", "host", NULL, {{NULL, NULL}}},
    {"DEFAULT", "force_config_drive", "False", {{NULL, NULL}}},
    /* Deprecated for removal since 19.0.0 but still read. */
    {"DEFAULT", "config_drive_format", "iso9660", {{NULL, NULL}}},
    {"vnc", "enabled", "True", {{"DEFAULT", "vnc_enabled"}}},
    {"vnc", "server_listen", "127.0.0.1",
     {{"DEFAULT", "vncserver_listen"}, {"vnc", "vncserver_listen"}}},
    {"vnc", "server_proxyclient_address", "127.0.0.1",
     {{"DEFAULT", "vncserver_proxyclient_address"}, {"vnc", "vncserver_proxyclient_address"}}},
    {"spice", "enabled", "False", {{NULL, NULL}}},
    {"spice", "server_listen", "127.0.0.1", {{NULL, NULL}}},
    {"spice", "server_proxyclient_address", "127.0.0.1", {{NULL, NULL}}},
    {"libvirt", "virt_type", "kvm", {{NULL, NULL}}},
    {"libvirt", "live_migration_scheme", NULL, {{NULL, NULL}}},
    {"libvirt", "live_migration_inbound_addr", NULL, {{NULL, NULL}}},
    /* Deprecated for removal since 15.0.0, still honoured. */
    {"libvirt", "live_migration_uri", NULL, {{NULL, NULL}}},
    {"libvirt", "live_migration_tunnelled", "False", {{NULL, NULL}}},
    {"libvirt", "live_migration_with_native_tls", "False", {{NULL, NULL}}},
    {"libvirt", "live_migration_bandwidth", "0", {{NULL, NULL}}},
    {"libvirt", "live_migration_downtime", "500", {{NULL, NULL}}},
    {"libvirt", "live_migration_downtime_steps", "10", {{NULL, NULL}}},
    {"libvirt", "live_migration_downtime_delay", "75", {{NULL, NULL}}},
    {"libvirt", "live_migration_completion_timeout", "800", {{NULL, NULL}}},
    {"libvirt", "live_migration_timeout_action", "abort", {{NULL, NULL}}},
    {"libvirt", "live_migration_permit_post_copy", "False", {{NULL, NULL}}},
    {"libvirt", "live_migration_permit_auto_converge", "False", {{NULL, NULL}}},
    /* New in 33.0.0 (2026.1); older releases ignore it. */
    {"libvirt", "live_migration_parallel_connections", "1", {{NULL, NULL}}},
    {"DEFAULT", "vif_plugging_timeout", "300", {{NULL, NULL}}},
    {"DEFAULT", "vif_plugging_is_fatal", "True", {{NULL, NULL}}},
    {"compute", "live_migration_wait_for_vif_plug", "True", {{NULL, NULL}}},
    {"serial_console", "enabled", "False", {{NULL, NULL}}},
    {"serial_console", "port_range", "10000:20000", {{NULL, NULL}}},
    {"serial_console", "proxyclient_address", "127.0.0.1", {{NULL, NULL}}},
    /* No default: host-model for kvm and qemu, none otherwise (driver). */
    {"libvirt", "cpu_mode", NULL, {{NULL, NULL}}},
    {"libvirt", "cpu_models", "", {{"libvirt", "cpu_model"}}},
    {"libvirt", "cpu_model_extra_flags", "", {{NULL, NULL}}},
    {"libvirt", "remote_filesystem_transport", "ssh", {{NULL, NULL}}},
    {"libvirt", "snapshots_directory", "$instances_path/snapshots", {{NULL, NULL}}},
    /* Ephemeral disks on Ceph RBD (rbd.config). */
    {"libvirt", "images_type", "default", {{NULL, NULL}}},
    {"libvirt", "images_rbd_pool", "rbd", {{NULL, NULL}}},
    /* Empty: librados's default, /etc/ceph/ceph.conf. */
    {"libvirt", "images_rbd_ceph_conf", "", {{NULL, NULL}}},
    {"libvirt", "rbd_user", NULL, {{NULL, NULL}}},
    {"libvirt", "rbd_secret_uuid", NULL, {{NULL, NULL}}},
    {"DEFAULT", "force_raw_images", "True", {{NULL, NULL}}},
};

/* An interpolated value, built on first use (memoised). */
enum { SLOT_NEW, SLOT_BUSY, SLOT_DONE };
struct slot {
    char *value;
    unsigned char state;
    unsigned char depth; /* levels of $references below this value */
};

struct entry {
    char *section; /* normalized */
    char *key;
    char *raw; /* as written, quotes removed */
    const char *file;
    int line;
    struct slot v; /* filled after all files are read */
};

struct mr_novaconf {
    struct entry *entries; /* in assignment order: the last match wins */
    size_t n_entries, cap_entries;
    /* Open addressing on (section, key): index + 1 of the last entry with
     * exactly that name, 0 for an empty bucket. Lookups were a scan of
     * every entry, which made N sections referring to $my_ip quadratic. */
    size_t *index;
    size_t index_mask;
    char **files;
    char *main; /* nova.conf's path, read or not: where an unset option would go */
    struct slot defaults[MR_ARRAY_SIZE(known_opts)]; /* interpolated defaults */
};

static char *normalize_section(const char *s)
{
    if (strcmp(s, "DEFAULT") == 0)
        return mr_xstrdup(s);
    char *n = mr_xstrdup(s);
    for (char *p = n; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return n;
}

static const struct known_opt *find_known(const char *section, const char *key)
{
    for (size_t i = 0; i < MR_ARRAY_SIZE(known_opts); i++)
        if (strcmp(known_opts[i].section, section) == 0 && strcmp(known_opts[i].name, key) == 0)
            return &known_opts[i];
    return NULL;
}

/* FNV-1a over "section\0key". */
static size_t name_hash(const char *section, const char *key)
{
    uint64_t h = 14695981039346656037u;
    for (const char *p = section;; p++) {
        h = (h ^ (unsigned char)*p) * 1099511628211u;
        if (!*p)
            break;
    }
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211u;
    return (size_t)(h ^ (h >> 32));
}

/* The bucket of SECTION/KEY: the one holding it or the empty one where it
 * belongs. The table is never more than half full, so the probe ends. */
static size_t *index_bucket(const struct mr_novaconf *c, const char *section, const char *key)
{
    for (size_t i = name_hash(section, key) & c->index_mask;; i = (i + 1) & c->index_mask) {
        size_t *b = &c->index[i];
        if (!*b)
            return b;
        const struct entry *e = &c->entries[*b - 1];
        if (strcmp(e->key, key) == 0 && strcmp(e->section, section) == 0)
            return b;
    }
}

static void index_build(struct mr_novaconf *c)
{
    size_t size = 16;
    while (size < 2 * c->n_entries + 2)
        size *= 2;
    c->index = mr_xcalloc(size, sizeof(*c->index));
    c->index_mask = size - 1;
    /* In assignment order, so that each bucket ends with the last one. */
    for (size_t i = 0; i < c->n_entries; i++)
        *index_bucket(c, c->entries[i].section, c->entries[i].key) = i + 1;
}

/* Index + 1 of the last entry named exactly SECTION/KEY, 0 when none. */
static size_t index_find(const struct mr_novaconf *c, const char *section, const char *key)
{
    return c->index ? *index_bucket(c, section, key) : 0;
}

/* The assignment Nova would use for SECTION/KEY: the last one made through
 * any of the option's names. */
static struct entry *find_entry(const struct mr_novaconf *c, const char *section,
                                const char *key, const struct known_opt **ret_opt)
{
    const struct known_opt *o = find_known(section, key);
    if (ret_opt)
        *ret_opt = o;
    if (!o) {
        size_t i = index_find(c, section, key);
        return i ? &c->entries[i - 1] : NULL;
    }
    size_t best = index_find(c, o->section, o->name);
    for (size_t k = 0; k < MR_ARRAY_SIZE(o->legacy) && o->legacy[k].name; k++) {
        size_t i = index_find(c, o->legacy[k].section, o->legacy[k].name);
        best = i > best ? i : best;
    }
    return best ? &c->entries[best - 1] : NULL;
}

/* ---- parsing ---- */

struct parser {
    struct mr_novaconf *conf;
    const char *file;
    char *section;
    /* The assignment being read, which continuation lines extend. */
    char *key;
    char *value;
    size_t value_len, value_cap; /* continuation lines append in place */
    int key_line;
    char *err;
};

static int perr(struct parser *p, int line, const char *what)
{
    p->err = mr_xasprintf("%s:%d: %s", p->file, line, what);
    return -EINVAL;
}

static void add_entry(struct mr_novaconf *c, const char *section, const char *key,
                      const char *raw, const char *file, int line)
{
    if (c->n_entries == c->cap_entries) {
        c->cap_entries = c->cap_entries ? 2 * c->cap_entries : 64;
        c->entries = mr_xrealloc(c->entries, c->cap_entries * sizeof(*c->entries));
    }
    c->entries[c->n_entries++] = (struct entry){
        .section = mr_xstrdup(section),
        .key = mr_xstrdup(key),
        .raw = mr_xstrdup(raw),
        .file = file,
        .line = line,
    };
}

static int flush(struct parser *p)
{
    if (!p->key)
        return 0;
    int r = 0;
    if (!p->section)
        r = perr(p, p->key_line, "assignment before any section header (add [DEFAULT] above it)");
    else
        add_entry(p->conf, p->section, p->key, p->value, p->file, p->key_line);
    free(p->key);
    free(p->value);
    p->key = p->value = NULL;
    return r;
}

/* Length of the valid UTF-8 sequence at S (N bytes left), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    size_t len;
    unsigned min;
    unsigned cp;
    if ((s[0] & 0xe0) == 0xc0) {
        len = 2, min = 0x80, cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3, min = 0x800, cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4, min = 0x10000, cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static bool valid_utf8(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t l = utf8_len(u + i, n - i);
        if (!l)
            return false;
        i += l;
    }
    return true;
}

static int parse_line(struct parser *p, char *line, size_t len, int lineno)
{
    if (memchr(line, '\0', len))
        return perr(p, lineno, "NUL byte (not a text file?)");
    if (!valid_utf8(line, len))
        return perr(p, lineno, "not valid UTF-8 text");
    if (lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
        return perr(p, lineno, "starts with a UTF-8 byte order mark, which oslo.config rejects");

    /* Right-strip, as Python's str.rstrip() (the line's own \r included). */
    while (len > 0 && isspace((unsigned char)line[len - 1]))
        len--;
    line[len] = '\0';

    if (len == 0)
        return flush(p);
    if (line[0] == ' ' || line[0] == '\t') {
        if (!p->key)
            return perr(p, lineno, "unexpected continuation line (indented, with no value open)");
        const char *cont = line;
        while (isspace((unsigned char)*cont))
            cont++;
        /* Appending in place: a copy per line made 200,000 lines quadratic. */
        size_t cl = strlen(cont);
        if (p->value_len + cl + 2 > p->value_cap) {
            p->value_cap = 2 * (p->value_len + cl + 2);
            p->value = mr_xrealloc(p->value, p->value_cap);
        }
        p->value[p->value_len++] = '\n';
        memcpy(p->value + p->value_len, cont, cl + 1);
        p->value_len += cl;
        return 0;
    }
    int r = flush(p);
    if (r < 0)
        return r;

    if (line[0] == '[') {
        if (line[len - 1] != ']')
            return perr(p, lineno, "invalid section header (must end with ])");
        if (len <= 2)
            return perr(p, lineno, "empty section name");
        line[len - 1] = '\0';
        free(p->section);
        p->section = normalize_section(line + 1);
        return 0;
    }
    if (line[0] == '#' || line[0] == ';')
        return 0;

    char *colon = strchr(line, ':');
    char *equal = strchr(line, '=');
    char *sep = !colon ? equal : !equal ? colon : equal < colon ? equal : colon;
    if (!sep)
        return perr(p, lineno, "not a section, comment or assignment (no '=' or ':')");
    *sep = '\0';
    char *key = mr_strip(line);
    char *value = mr_strip(sep + 1);
    if (!*key)
        return perr(p, lineno, "empty key");
    size_t vl = strlen(value);
    if (vl > 0 && value[0] == value[vl - 1] && (value[0] == '"' || value[0] == '\'')) {
        /* Python's value[1:-1]: a lone quote becomes empty. */
        value[vl - 1] = '\0';
        value = vl > 1 ? value + 1 : value + vl - 1;
    }
    p->key = mr_xstrdup(key);
    p->value = mr_xstrdup(value);
    p->value_len = strlen(value);
    p->value_cap = p->value_len + 1;
    p->key_line = lineno;
    return 0;
}

static int parse_buffer(struct mr_novaconf *conf, const char *file, char *buf, size_t len,
                        char **ret_msg)
{
    struct parser p = {.conf = conf, .file = file};
    int r = 0;
    int lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        char *start = buf + pos;
        char *nl = memchr(start, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - start) : len - pos;
        lineno++;
        r = parse_line(&p, start, l, lineno);
        if (r < 0)
            goto cleanup;
        pos += l + (nl ? 1 : 0);
    }
    r = flush(&p);

cleanup:
    if (r < 0) {
        *ret_msg = p.err;
        p.err = NULL;
    }
    free(p.err);
    free(p.key);
    free(p.value);
    free(p.section);
    return r;
}

static int read_file(const struct mr_root *root, struct mr_novaconf *conf, const char *path,
                     bool missing_ok, char **ret_msg)
{
    char *buf = NULL;
    size_t len = 0;
    int r = mr_root_read(root, path, NOVA_CONF_MAX, &buf, &len);
    if (r == -ENOENT && missing_ok)
        return 0;
    if (r == -EFBIG) {
        struct stat st;
        if (mr_root_stat(root, path, &st, false) == 0)
            *ret_msg = mr_xasprintf("%s: too large (%lld bytes, limit 16 MiB)", path,
                                    (long long)st.st_size);
        else
            *ret_msg = mr_xasprintf("%s: too large (limit 16 MiB)", path);
        return r;
    }
    if (r < 0) {
        *ret_msg = mr_xasprintf("%s: %s", path, strerror(-r));
        return r;
    }
    mr_strv_push(&conf->files, path);
    const char *stored = conf->files[mr_strv_len(conf->files) - 1];
    r = parse_buffer(conf, stored, buf, len, ret_msg);
    free(buf);
    return r;
}

/* ---- interpolation ---- */

/* A value to build: an entry of a file, or the built-in default of a
 * known option. */
struct node {
    struct slot *slot;
    const char *section; /* where its own references are looked up */
    const char *raw;
    const struct entry *e;    /* NULL for a default */
    const struct known_opt *o; /* the option whose default it is */
};

struct interp {
    struct mr_novaconf *conf;
    size_t n_subst;  /* substitutions made by this load */
    size_t n_built;  /* bytes they copied */
    char *err;       /* the first bound hit, naming its value */
};

static int resolve(struct interp *in, const struct node *nd);

static bool ident_start(char c)
{
    return c == '_' || isalpha((unsigned char)c);
}

static bool ident_char(char c)
{
    return c == '_' || c == '.' || isalnum((unsigned char)c);
}

/* Records why interpolation stopped, naming the value ND; the first reason
 * wins, since the outer values only fail because of it. Never quotes the
 * value: it may hold a password. */
static int interp_fail(struct interp *in, const struct node *nd, int err, const char *why)
{
    if (in->err)
        return err;
    if (nd->e)
        in->err = mr_xasprintf("%s:%d: [%s] %s %s", nd->e->file, nd->e->line, nd->e->section,
                               nd->e->key, why);
    else
        in->err = mr_xasprintf("[%s] %s: its default %s", nd->o->section, nd->o->name, why);
    return err;
}

/* The value of reference NAME seen from SECTION, built in its own section.
 * Returns 1 with *ret_slot when found (its value may be empty), 0 when
 * unknown, <0 when a bound was hit. */
static int lookup_ref(struct interp *in, const char *section, const char *name,
                      const struct slot **ret_slot)
{
    static const struct slot empty = {.value = "", .state = SLOT_DONE};
    char *group = NULL;
    const char *dot = strchr(name, '.');
    const char *try_sections[2];
    const char *try_keys[2];
    size_t n_try = 0;
    if (dot) {
        char *g = mr_xstrndup(name, (size_t)(dot - name));
        group = normalize_section(g);
        free(g);
        try_sections[n_try] = group, try_keys[n_try++] = dot + 1;
    } else {
        try_sections[n_try] = section, try_keys[n_try++] = name;
        if (strcmp(section, "DEFAULT") != 0)
            try_sections[n_try] = "DEFAULT", try_keys[n_try++] = name;
    }
    int r = 0;
    for (size_t i = 0; i < n_try && r == 0; i++) {
        const struct known_opt *o;
        struct entry *e = find_entry(in->conf, try_sections[i], try_keys[i], &o);
        struct node nd = {.e = e, .o = o};
        if (e) {
            nd.slot = &e->v, nd.section = e->section, nd.raw = e->raw;
        } else if (o && o->def) {
            nd.slot = &in->conf->defaults[o - known_opts];
            nd.section = o->section, nd.raw = o->def;
        } else if (o) {
            /* Known, unset, no default: oslo substitutes an empty string. */
            *ret_slot = &empty;
            r = 1;
            continue;
        } else {
            continue;
        }
        r = resolve(in, &nd);
        if (r == 0) {
            *ret_slot = nd.slot;
            r = 1;
        }
    }
    free(group);
    return r;
}

/* Builds ND's value from its template into ND->slot. */
static int expand(struct interp *in, const struct node *nd)
{
    const char *raw = nd->raw;
    if (!strchr(raw, '$')) {
        nd->slot->value = mr_xstrdup(raw);
        return 0;
    }
    size_t cap = strlen(raw) + 1, n = 0;
    char *out = mr_xmalloc(cap);
    unsigned depth = 0;
    bool whole = false; /* RAW is one reference alone */
    int r = 0;
#define TOO_LONG "grows beyond 64 KiB through $references (limit of a value)"
#define PUT(s, l)                                                                                  \
    do {                                                                                           \
        size_t l_ = (l);                                                                           \
        if (n + l_ + 1 > cap) {                                                                    \
            cap = (n + l_ + 1) * 2;                                                                \
            out = mr_xrealloc(out, cap);                                                           \
        }                                                                                          \
        memcpy(out + n, (s), l_);                                                                  \
        n += l_;                                                                                   \
    } while (0)
    const char *p = raw;
    while (*p) {
        /* oslo turns "\$" into "$$" before substituting. */
        if (p[0] == '\\' && p[1] == '$') {
            PUT("$", 1);
            p += 2;
            continue;
        }
        if (*p != '$') {
            /* Up to the next candidate at once: a long plain run is one copy. */
            size_t run = strcspn(p + 1, "$\\") + 1;
            PUT(p, run);
            p += run;
            continue;
        }
        if (p[1] == '$') {
            PUT("$", 1);
            p += 2;
            continue;
        }
        const char *name = NULL;
        size_t name_len = 0, consumed = 0;
        if (p[1] == '{' && ident_start(p[2])) {
            const char *q = p + 3;
            while (ident_char(*q))
                q++;
            if (*q == '}') {
                name = p + 2;
                name_len = (size_t)(q - name);
                consumed = name_len + 3;
            }
        } else if (ident_start(p[1])) {
            const char *q = p + 2;
            while (ident_char(*q))
                q++;
            name = p + 1;
            name_len = (size_t)(q - name);
            consumed = name_len + 1;
        }
        if (!name) {
            /* Not a placeholder: Template.safe_substitute keeps it. */
            PUT("$", 1);
            p++;
            continue;
        }
        char *key = mr_xstrndup(name, name_len);
        const struct slot *ref = NULL;
        r = lookup_ref(in, nd->section, key, &ref);
        free(key);
        if (r < 0)
            goto cleanup;
        if (r == 0) {
            PUT(p, consumed);
        } else {
            size_t vl = strlen(ref->value);
            if (ref->depth + 1u > depth)
                depth = ref->depth + 1u;
            if (depth > INTERP_DEPTH) {
                r = interp_fail(in, nd, -ELOOP, "nests $references deeper than 16 levels");
                goto cleanup;
            }
            /* A value that is one reference alone is a copy, as long as a
             * value written in a file; only pieces put together can grow. */
            whole = p == raw && !p[consumed];
            if (!whole && n + vl > INTERP_VALUE_MAX) {
                r = interp_fail(in, nd, -E2BIG, TOO_LONG);
                goto cleanup;
            }
            if (++in->n_subst > INTERP_SUBST_MAX || (in->n_built += vl) > INTERP_TOTAL_MAX) {
                r = interp_fail(in, nd, -E2BIG,
                                "exceeds the bound of all interpolation in nova.conf "
                                "(1000000 $references or 64 MiB built)");
                goto cleanup;
            }
            PUT(ref->value, vl);
        }
        r = 0;
        p += consumed;
    }
#undef PUT
    /* Text after the last reference counts too; a value with no reference
     * is as written (depth 0). */
    if (depth > 0 && !whole && n > INTERP_VALUE_MAX) {
        r = interp_fail(in, nd, -E2BIG, TOO_LONG);
        goto cleanup;
    }
#undef TOO_LONG
    out[n] = '\0';
    nd->slot->value = out;
    nd->slot->depth = (unsigned char)depth;
    out = NULL;

cleanup:
    free(out);
    return r;
}

/* ND's value, built once. A value met again while it is being built refers
 * to itself. */
static int resolve(struct interp *in, const struct node *nd)
{
    switch (nd->slot->state) {
    case SLOT_DONE:
        return 0;
    case SLOT_BUSY:
        return interp_fail(in, nd, -ELOOP, nd->e ? "refers to itself through $references"
                                                 : "refers to itself through $references set in "
                                                   "nova.conf");
    default:
        break;
    }
    nd->slot->state = SLOT_BUSY;
    int r = expand(in, nd);
    nd->slot->state = r < 0 ? SLOT_NEW : SLOT_DONE;
    return r;
}

static int interpolate_all(struct mr_novaconf *c, char **ret_msg)
{
    struct interp in = {.conf = c};
    int r = 0;
    index_build(c);
    for (size_t i = 0; i < c->n_entries && r == 0; i++) {
        struct entry *e = &c->entries[i];
        r = resolve(&in,
                    &(struct node){.slot = &e->v, .section = e->section, .raw = e->raw, .e = e});
    }
    for (size_t i = 0; i < MR_ARRAY_SIZE(known_opts) && r == 0; i++) {
        const struct known_opt *o = &known_opts[i];
        if (o->def)
            r = resolve(&in, &(struct node){.slot = &c->defaults[i], .section = o->section,
                                            .raw = o->def, .o = o});
    }
    if (r < 0) {
        *ret_msg = in.err;
        in.err = NULL;
    }
    free(in.err);
    return r;
}

/* ---- public ---- */

void mr_novaconf_free(struct mr_novaconf *conf)
{
    if (!conf)
        return;
    for (size_t i = 0; i < conf->n_entries; i++) {
        free(conf->entries[i].section);
        free(conf->entries[i].key);
        free(conf->entries[i].raw);
        free(conf->entries[i].v.value);
    }
    free(conf->entries);
    free(conf->index);
    for (size_t i = 0; i < MR_ARRAY_SIZE(known_opts); i++)
        free(conf->defaults[i].value);
    mr_strv_free(conf->files);
    free(conf->main);
    free(conf);
}

int mr_novaconf_load(const struct mr_root *root, struct mr_novaconf **ret, char **ret_msg)
{
    return mr_novaconf_load_at(root, NULL, ret, ret_msg);
}

int mr_novaconf_load_at(const struct mr_root *root, const char *conf_path,
                        struct mr_novaconf **ret, char **ret_msg)
{
    struct mr_novaconf *c = mr_xcalloc(1, sizeof(*c));
    c->files = mr_xcalloc(1, sizeof(char *));
    char **names = NULL;
    char *msg = NULL;
    const char *conf = conf_path ? conf_path : NOVA_CONF;
    /* nova-compute's systemd unit and kolla's container both pass
     * --config-dir beside the file: FILE.d. */
    char *conf_d = conf_path ? mr_xasprintf("%s.d", conf_path) : mr_xstrdup(NOVA_CONF_D);
    c->main = mr_xstrdup(conf);
    int r = read_file(root, c, conf, true, &msg);
    if (r < 0)
        goto cleanup;
    r = mr_root_list(root, conf_d, ".conf", &names);
    if (r == -ENOENT || r == -ENOTDIR) {
        r = 0;
    } else if (r < 0) {
        msg = mr_xasprintf("%s: %s", conf_d, strerror(-r));
        goto cleanup;
    }
    for (size_t i = 0; names && names[i]; i++) {
        char *path = mr_xasprintf("%s/%s", conf_d, names[i]);
        r = read_file(root, c, path, false, &msg);
        free(path);
        if (r < 0)
            goto cleanup;
    }
    r = interpolate_all(c, &msg);
    if (r < 0)
        goto cleanup;
    *ret = c;
    c = NULL;

cleanup:
    free(conf_d);
    mr_strv_free(names);
    mr_novaconf_free(c);
    if (r < 0 && ret_msg)
        *ret_msg = msg;
    else
        free(msg);
    return r;
}

bool mr_novaconf_get(const struct mr_novaconf *conf, const char *section, const char *key,
                     struct mr_novaval *ret)
{
    char *sect = normalize_section(section);
    const struct known_opt *o;
    const struct entry *e = find_entry(conf, sect, key, &o);
    bool found = true;
    if (e) {
        *ret = (struct mr_novaval){
            .value = e->v.value,
            .raw = e->raw,
            .file = e->file,
            .line = e->line,
            .section = e->section,
            .name = e->key,
            .legacy = o && (strcmp(e->section, o->section) != 0 || strcmp(e->key, o->name) != 0),
        };
    } else if (o && o->def) {
        *ret = (struct mr_novaval){
            .value = conf->defaults[o - known_opts].value,
            .is_default = true,
            .section = o->section,
            .name = o->name,
        };
    } else {
        *ret = (struct mr_novaval){.section = o ? o->section : NULL, .name = o ? o->name : NULL};
        found = false;
    }
    free(sect);
    ret->conf = conf->main;
    return found;
}

const char *mr_novaconf_str(const struct mr_novaconf *conf, const char *section, const char *key)
{
    struct mr_novaval v;
    if (conf && mr_novaconf_get(conf, section, key, &v) && v.value && *v.value)
        return v.value;
    return NULL;
}

bool mr_novaconf_bool(const struct mr_novaconf *conf, const char *section, const char *key)
{
    bool b = false;
    const char *s = mr_novaconf_str(conf, section, key);
    return s && mr_parse_bool(s, &b) == 0 && b;
}

const char *mr_novaconf_my_ip(const struct mr_novaconf *conf)
{
    struct mr_novaval v;
    if (conf && mr_novaconf_get(conf, "DEFAULT", "my_ip", &v) && v.value && v.file &&
        mr_addr_is_literal(v.value) && !mr_addr_is_local_only(v.value))
        return v.value;
    return NULL;
}

char *const *mr_novaconf_files(const struct mr_novaconf *conf)
{
    return conf->files;
}

bool mr_novaconf_get_current(const struct mr_novaconf *conf, const char *section,
                             const char *key, struct mr_novaval *ret)
{
    char *sect = normalize_section(section);
    const struct known_opt *o = find_known(sect, key);
    size_t i = index_find(conf, sect, key);
    free(sect);
    if (i) {
        const struct entry *e = &conf->entries[i - 1];
        *ret = (struct mr_novaval){.value = e->v.value, .raw = e->raw, .file = e->file,
                                   .line = e->line, .section = e->section, .name = e->key,
                                   .conf = conf->main};
        return true;
    }
    if (!o || !o->def) {
        *ret = (struct mr_novaval){.conf = conf->main};
        return false;
    }
    *ret = (struct mr_novaval){.value = conf->defaults[o - known_opts].value, .is_default = true,
                               .section = o->section, .name = o->name, .conf = conf->main};
    return true;
}
