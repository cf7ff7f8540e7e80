/* ceph.conf: one reader for rbd.config, rbd.secret's facts and rbd.access. */
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

char *mr_ceph_keyring_path(const struct mr_ceph_conf *cc, const char *user)
{
    const char *v = NULL;
    char *sect = mr_xasprintf("client.%s", user);
    if (cc)
        v = mr_ceph_conf_get(cc, sect, "keyring", NULL);
    if (cc && !v)
        v = mr_ceph_conf_get(cc, "client", "keyring", NULL);
    if (cc && !v)
        v = mr_ceph_conf_get(cc, "global", "keyring", NULL);
    if (!v || strchr(v, ',')) /* a search list: the first default is the one to have */
        v = "/etc/ceph/$cluster.$name.keyring";
    char *out = mr_xstrdup("");
    for (const char *s = v; *s;) {
        const char *rep = NULL;
        size_t skip = 1;
        if (strncmp(s, "$cluster", 8) == 0)
            rep = "ceph", skip = 8;
        else if (strncmp(s, "$name", 5) == 0)
            rep = sect, skip = 5;
        char *n = rep ? mr_xasprintf("%s%s", out, rep) : mr_xasprintf("%s%c", out, *s);
        free(out);
        out = n;
        s += skip;
    }
    free(sect);
    return out;
}

void mr_ceph_mons_free(struct mr_ceph_mon *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].host);
    free(v);
}

/* One address: "HOST", "HOST:PORT", "[V6]", "[V6]:PORT", with an optional
 * "v1:"/"v2:" in front. */
static int mon_addr(const char *s, struct mr_ceph_mon *ret)
{
    if (strncmp(s, "v1:", 3) == 0 || strncmp(s, "v2:", 3) == 0 || strncmp(s, "any:", 4) == 0)
        s = strchr(s, ':') + 1;
    const char *port = NULL;
    char *host;
    if (*s == '[') {
        const char *end = strchr(s, ']');
        if (!end || end == s + 1)
            return -EINVAL;
        host = mr_xstrndup(s + 1, (size_t)(end - s - 1));
        if (end[1] == ':')
            port = end + 2;
        else if (end[1])
            return free(host), -EINVAL;
    } else {
        const char *c = strchr(s, ':');
        if (c && strchr(c + 1, ':')) { /* a bare IPv6 address */
            host = mr_xstrdup(s);
        } else {
            host = c ? mr_xstrndup(s, (size_t)(c - s)) : mr_xstrdup(s);
            port = c ? c + 1 : NULL;
        }
    }
    long p = 0;
    /* "/0" nonces follow a port in some address vectors. */
    char *pp = port ? mr_xstrndup(port, strcspn(port, "/")) : NULL;
    if (!*host || (pp && (mr_parse_long(pp, &p) < 0 || p < 1 || p > 65535))) {
        free(host);
        free(pp);
        return -EINVAL;
    }
    free(pp);
    *ret = (struct mr_ceph_mon){host, (int)p};
    return 0;
}

int mr_ceph_mon_parse(const char *mon_host, struct mr_ceph_mon **ret, size_t *ret_n)
{
    struct mr_ceph_mon *v = NULL;
    size_t n = 0;
    const char *s = mon_host ? mon_host : "";
    while (*s) {
        if (strchr(", ;\t", *s)) {
            s++;
            continue;
        }
        /* A token ends at a separator outside brackets. */
        const char *e = s;
        int depth = 0;
        while (*e && (depth > 0 || !strchr(", ;\t", *e))) {
            depth += *e == '[' ? 1 : *e == ']' ? -1 : 0;
            e++;
        }
        char *tok = mr_xstrndup(s, (size_t)(e - s));
        s = e;
        bool vector = tok[0] == '[' && (strstr(tok, "v1:") || strstr(tok, "v2:"));
        char *inner = vector ? mr_xstrndup(tok + 1, strlen(tok) - 2) : NULL;
        char *save = NULL;
        for (char *part = vector ? strtok_r(inner, ",", &save) : tok; part;
             part = vector ? strtok_r(NULL, ",", &save) : NULL) {
            struct mr_ceph_mon m;
            if (mon_addr(part, &m) < 0) {
                free(inner);
                free(tok);
                mr_ceph_mons_free(v, n);
                return -EINVAL;
            }
            v = mr_xrealloc(v, (n + 1) * sizeof(*v));
            v[n++] = m;
        }
        free(inner);
        free(tok);
    }
    *ret = v;
    *ret_n = n;
    return 0;
}
