/* Reading a fleet's facts: every document is read whole, parsed once with
 * one reused json-c tokener, and converted by the facts reader
 * (mr_facts_from_object), so that the comparisons never see JSON. Plain
 * files are read with read(2) rather than through the root-safe helpers:
 * they are the operator's own files on the controller, not a host's. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fleetfacts.h"
#include "migready.h"

/* A facts document is a few KiB; this bounds a wrong file given by mistake. */
#define DOC_MAX (16u << 20)

void mr_fleet_free(struct mr_fleet *fl)
{
    if (!fl)
        return;
    for (size_t i = 0; i < fl->n; i++) {
        struct mr_fleet_host *h = &fl->hosts[i];
        mr_facts_free(h->facts);
        free(h->file);
        free(h->tls_ca);
        free(h->rbd_secret_uuid);
    }
    free(fl->hosts);
    free(fl);
}

static int read_file(const char *path, char **ret, size_t *ret_len, char **ret_msg)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        *ret_msg = mr_xasprintf("cannot read '%s': %s", path, strerror(e));
        return -e;
    }
    struct stat st;
    int r = 0;
    if (fstat(fd, &st) < 0) {
        r = -errno;
        *ret_msg = mr_xasprintf("cannot read '%s': %s", path, strerror(-r));
    } else if (!S_ISREG(st.st_mode)) {
        r = -EINVAL;
        *ret_msg = mr_xasprintf("cannot read '%s': not a regular file", path);
    } else if (st.st_size > DOC_MAX) {
        r = -EFBIG;
        *ret_msg = mr_xasprintf("'%s' is larger than %u bytes: not a facts document", path,
                                DOC_MAX);
    }
    if (r < 0) {
        close(fd);
        return r;
    }
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = mr_xmalloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            if (cap > DOC_MAX) {
                free(buf);
                close(fd);
                *ret_msg = mr_xasprintf("'%s' is larger than %u bytes", path, DOC_MAX);
                return -EFBIG;
            }
            cap *= 2;
            buf = mr_xrealloc(buf, cap);
        }
        ssize_t k = read(fd, buf + len, cap - 1 - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int e = errno;
            free(buf);
            close(fd);
            *ret_msg = mr_xasprintf("cannot read '%s': %s", path, strerror(e));
            return -e;
        }
        if (k == 0)
            break;
        len += (size_t)k;
    }
    close(fd);
    buf[len] = '\0';
    *ret = buf;
    *ret_len = len;
    return 0;
}

/* "line L, column C (byte B)" of offset OFF in BUF, 1-based as editors count. */
static char *position(const char *buf, size_t off)
{
    size_t line = 1, col = 1;
    for (size_t i = 0; i < off && buf[i]; i++) {
        if (buf[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    return mr_xasprintf("line %zu, column %zu (byte %zu)", line, col, off);
}

static json_object *member(json_object *o, const char *key, json_type type)
{
    json_object *v = NULL;
    if (!o || !json_object_object_get_ex(o, key, &v) || !v || !json_object_is_type(v, type))
        return NULL;
    return v;
}

static char *member_str(json_object *o, const char *key)
{
    json_object *v = member(o, key, json_type_string);
    return v ? mr_xstrdup(json_object_get_string(v)) : NULL;
}

/* The few fields of the tls and rbd objects the fleet compares, read from
 * the document itself. */
static void read_extras(json_object *doc, struct mr_fleet_host *h)
{
    json_object *tls = member(doc, "tls", json_type_object);
    h->has_tls = tls != NULL;
    h->tls_ca = member_str(tls, "ca_fingerprint");
    json_object *rbd = member(doc, "rbd", json_type_object);
    h->has_rbd = rbd != NULL;
    h->rbd_secret_uuid = member_str(rbd, "secret_uuid");
    json_object *present = member(member(rbd, "secret", json_type_object), "present",
                                  json_type_boolean);
    h->rbd_secret_present = present ? json_object_get_boolean(present) : -1;
}

static int load_doc(json_tokener *tok, const char *path, struct mr_fleet *fl, char **ret_msg)
{
    char *buf = NULL, *msg = NULL;
    size_t len = 0;
    int r = read_file(path, &buf, &len, ret_msg);
    if (r < 0)
        return r;
    json_tokener_reset(tok);
    json_object *o = len ? json_tokener_parse_ex(tok, buf, (int)len) : NULL;
    enum json_tokener_error err = len ? json_tokener_get_error(tok) : json_tokener_continue;
    size_t end = len ? json_tokener_get_parse_end(tok) : 0;
    if (!o || err != json_tokener_success) {
        /* A document cut short ends in "continue": say so in plain words. */
        char *pos = position(buf, err == json_tokener_continue ? len : end);
        *ret_msg = mr_xasprintf("'%s': not JSON at %s: %s", path, pos,
                                err == json_tokener_continue ? "unexpected end of the document"
                                                             : json_tokener_error_desc(err));
        free(pos);
        json_object_put(o);
        free(buf);
        return -EBADMSG;
    }
    for (size_t i = end; i < len; i++)
        if (!strchr(" \t\r\n", buf[i])) {
            char *pos = position(buf, i);
            *ret_msg = mr_xasprintf("'%s': unexpected text after the JSON object at %s", path,
                                    pos);
            free(pos);
            json_object_put(o);
            free(buf);
            return -EBADMSG;
        }
    free(buf);
    struct mr_facts *f = NULL;
    r = mr_facts_from_object(o, &f, &msg);
    if (r < 0) {
        *ret_msg = mr_xasprintf("'%s': %s", path, msg);
        free(msg);
        json_object_put(o);
        return r;
    }
    if (fl->n % 256 == 0)
        fl->hosts = mr_xrealloc(fl->hosts, (fl->n + 256) * sizeof(*fl->hosts));
    struct mr_fleet_host *h = &fl->hosts[fl->n++];
    *h = (struct mr_fleet_host){.facts = f, .file = mr_xstrdup(path)};
    read_extras(o, h);
    json_object_put(o);
    if (f->host && *f->host) {
        h->name = f->host;
    } else {
        const char *slash = strrchr(h->file, '/');
        h->name = slash ? slash + 1 : h->file;
    }
    return 0;
}

static int json_name(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

static int load_dir(json_tokener *tok, const char *dir, struct mr_fleet *fl, char **ret_msg)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, json_name, alphasort);
    if (n < 0) {
        int e = errno;
        *ret_msg = mr_xasprintf("cannot read the folder '%s': %s", dir, strerror(e));
        return -e;
    }
    int r = 0;
    size_t before = fl->n;
    bool slash = dir[strlen(dir) - 1] == '/';
    for (int i = 0; i < n; i++) {
        if (r == 0) {
            char *path = mr_xasprintf("%s%s%s", dir, slash ? "" : "/", names[i]->d_name);
            struct stat st;
            /* Subfolders (or a folder named x.json) are left alone: not recursive. */
            if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
                free(path);
                free(names[i]);
                continue;
            }
            r = load_doc(tok, path, fl, ret_msg);
            free(path);
        }
        free(names[i]);
    }
    free(names);
    if (r == 0 && fl->n == before) {
        *ret_msg = mr_xasprintf("the folder '%s' holds no facts document (*.json)", dir);
        r = -ENOENT;
    }
    return r;
}

int mr_fleet_load(char *const *paths, struct mr_fleet **ret, char **ret_msg)
{
    struct mr_fleet *fl = mr_xcalloc(1, sizeof(*fl));
    json_tokener *tok = json_tokener_new();
    int r = 0;
    for (size_t i = 0; r == 0 && paths && paths[i]; i++) {
        struct stat st;
        if (stat(paths[i], &st) < 0) {
            r = -errno;
            *ret_msg = mr_xasprintf("cannot read '%s': %s", paths[i], strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            r = load_dir(tok, paths[i], fl, ret_msg);
        } else {
            r = load_doc(tok, paths[i], fl, ret_msg);
        }
    }
    json_tokener_free(tok);
    if (r == 0 && fl->n == 0) {
        *ret_msg = mr_xstrdup("no facts documents given");
        r = -EINVAL;
    }
    if (r < 0) {
        mr_fleet_free(fl);
        return r;
    }
    *ret = fl;
    return 0;
}
