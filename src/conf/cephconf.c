/* ceph.conf: one reader for rbd.config (and, later, rbd.access). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cephconf.h"
#include "migready.h"

struct entry {
    char *section;
    char *key; /* normalised: spaces and dashes become underscores */
    char *value;
    int line;
};

struct mr_ceph_conf {
    struct entry *v;
    size_t n;
};

static char *normalise(const char *key)
{
    char *k = mr_xstrdup(key), *d = k;
    bool sep = false;
    for (const char *s = key; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '-' || *s == '_') {
            sep = true;
            continue;
        }
        if (sep && d != k)
            *d++ = '_';
        sep = false;
        *d++ = *s;
    }
    *d = '\0';
    return k;
}

/* Cuts a ';' or '#' comment that is not inside quotes. */
static void cut_comment(char *s)
{
    char quote = 0;
    for (; *s; s++) {
        if (quote) {
            if (*s == quote)
                quote = 0;
        } else if (*s == '"' || *s == '\'') {
            quote = *s;
        } else if (*s == ';' || *s == '#') {
            *s = '\0';
            return;
        }
    }
}

int mr_ceph_conf_parse(const char *text, size_t len, struct mr_ceph_conf **ret, int *ret_line)
{
    struct mr_ceph_conf *c = mr_xcalloc(1, sizeof(*c));
    char *section = mr_xstrdup("global");
    const char *p = text, *end = text + len;
    int line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *buf = mr_xstrndup(p, n);
        p += n + (nl ? 1 : 0);
        line++;
        cut_comment(buf);
        char *s = mr_strip(buf);
        if (!*s) {
            free(buf);
            continue;
        }
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close || close == s + 1 || *mr_strip(close + 1)) {
                free(buf);
                goto bad;
            }
            *close = '\0';
            free(section);
            section = mr_xstrdup(mr_strip(s + 1));
            free(buf);
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq || eq == s) {
            free(buf);
            goto bad;
        }
        *eq = '\0';
        char *val = mr_strip(eq + 1);
        size_t vl = strlen(val);
        if (vl >= 2 && (val[0] == '"' || val[0] == '\'') && val[vl - 1] == val[0]) {
            val[vl - 1] = '\0';
            val++;
        }
        c->v = mr_xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
        c->v[c->n++] = (struct entry){
            .section = mr_xstrdup(section),
            .key = normalise(mr_strip(s)),
            .value = mr_xstrdup(val),
            .line = line,
        };
        free(buf);
    }
    free(section);
    *ret = c;
    return 0;
bad:
    free(section);
    mr_ceph_conf_free(c);
    *ret_line = line;
    return -EBADMSG;
}

void mr_ceph_conf_free(struct mr_ceph_conf *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].section);
        free(c->v[i].key);
        free(c->v[i].value);
    }
    free(c->v);
    free(c);
}

const char *mr_ceph_conf_get(const struct mr_ceph_conf *c, const char *section, const char *key,
                             int *ret_line)
{
    char *k = normalise(key);
    const struct entry *found = NULL;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].section, section) == 0 && strcmp(c->v[i].key, k) == 0)
            found = &c->v[i];
    free(k);
    if (found && ret_line)
        *ret_line = found->line;
    return found ? found->value : NULL;
}
