#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hostsfile.h"
#include "migready.h"
#include "netaddr.h"
#include "rootfs.h"

/* isspace() in the C locale but '\n', which ends the line first. */
#define BLANKS " \t\r\v\f"

void mr_hosts_free(struct mr_hosts *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++) {
        free(h->v[i].addr);
        mr_strv_free(h->v[i].names);
    }
    free(h->v);
    free(h->skipped);
    free(h);
}

static void parse_line(struct mr_hosts *h, char *line, int lineno)
{
    line[strcspn(line, "#")] = '\0';
    char *save = NULL;
    char *addr = strtok_r(line, BLANKS, &save);
    if (!addr)
        return;
    if (!mr_addr_is_literal(addr)) {
        h->skipped = mr_xrealloc(h->skipped, (h->n_skipped + 1) * sizeof(*h->skipped));
        h->skipped[h->n_skipped++] = lineno;
        return;
    }
    char **names = mr_xcalloc(1, sizeof(char *));
    for (char *n = strtok_r(NULL, BLANKS, &save); n; n = strtok_r(NULL, BLANKS, &save))
        mr_strv_push(&names, n);
    h->v = mr_xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
    h->v[h->n++] = (struct mr_hosts_entry){lineno, mr_xstrdup(addr), names};
}

int mr_hosts_parse(const char *text, size_t len, struct mr_hosts **ret, int *ret_line)
{
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        int line = 1;
        for (const char *p = text; p < nul; p++)
            line += *p == '\n';
        if (ret_line)
            *ret_line = line;
        return -EBADMSG;
    }
    struct mr_hosts *h = mr_xcalloc(1, sizeof(*h));
    char *buf = mr_xstrndup(text, len);
    int lineno = 0;
    for (char *line = buf, *next; line; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        parse_line(h, line, lineno);
    }
    free(buf);
    *ret = h;
    return 0;
}

int mr_hosts_read(const struct mr_root *root, struct mr_hosts **ret, int *ret_line)
{
    char *buf = NULL;
    size_t len = 0;
    int r = mr_root_read(root, MR_HOSTS_PATH, MR_HOSTS_MAX, &buf, &len);
    if (r == 0)
        r = mr_hosts_parse(buf, len, ret, ret_line);
    free(buf);
    return r;
}

const struct mr_hosts_entry *mr_hosts_next(const struct mr_hosts *h, const char *name,
                                           size_t *pos)
{
    for (; h && name && *pos < h->n; (*pos)++) {
        char **names = h->v[*pos].names;
        for (size_t j = 0; names[j]; j++)
            if (strcasecmp(names[j], name) == 0)
                return &h->v[(*pos)++];
    }
    return NULL;
}

const struct mr_hosts_entry *mr_hosts_lookup(const struct mr_hosts *h, const char *name)
{
    size_t pos = 0;
    return mr_hosts_next(h, name, &pos);
}

char **mr_hosts_site_pairs(const char *list)
{
    char **v = mr_xcalloc(1, sizeof(char *));
    if (!list)
        return v;
    char **items = mr_split_list(list);
    for (size_t i = 0; items[i]; i++) {
        char *eq = strchr(items[i], '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *name = mr_strip(items[i]), *addr = mr_strip(eq + 1);
        if (!*name || !mr_addr_is_literal(addr) || mr_addr_is_local_only(addr))
            continue;
        mr_strv_push(&v, name);
        mr_strv_push(&v, addr);
    }
    mr_strv_free(items);
    return v;
}

const char *mr_hosts_pair_addr(char *const *pairs, const char *name)
{
    for (size_t i = 0; pairs[i] && pairs[i + 1]; i += 2)
        if (strcasecmp(pairs[i], name) == 0)
            return pairs[i + 1];
    return NULL;
}
