#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iniparser.h>

#include "migready.h"
#include "paths.h"
#include "profile.h"

static const struct {
    const char *kind;
    const char *name;
} default_profiles[] = {
    {"storage", "shared-nfs"},
    {"transport", "tcp"},
};

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **mr_profile_names(void)
{
    char **names = mr_xcalloc(1, sizeof(char *));
    DIR *d = opendir(mr_profile_dir());
    if (!d)
        return names;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (de->d_name[0] == '.' || n <= 4 || strcmp(de->d_name + n - 4, ".ini") != 0)
            continue;
        char *name = mr_xstrndup(de->d_name, n - 4);
        mr_strv_push(&names, name);
        free(name);
    }
    closedir(d);
    qsort(names, mr_strv_len(names), sizeof(char *), cmp_names);
    return names;
}

static bool valid_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return false;
    return true;
}

static void profile_free(struct mr_profile *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->kind);
    free(p->description);
    mr_strv_free(p->enable);
    mr_strv_free(p->disable);
    mr_strv_free(p->keys);
    mr_strv_free(p->vals);
    mr_strv_free(p->path_keys);
    mr_strv_free(p->path_vals);
    free(p->path);
    free(p);
}

/* iniparser reports syntax errors through a printf-like callback. */
static char ini_error[512];

static int ini_error_cb(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t used = strlen(ini_error);
    if (used < sizeof(ini_error) - 1)
        vsnprintf(ini_error + used, sizeof(ini_error) - used, fmt, ap);
    va_end(ap);
    return 0;
}

int mr_ini_load(const char *path, dictionary **ret, char **ret_msg)
{
    ini_error[0] = '\0';
    iniparser_set_error_callback(ini_error_cb);
    FILE *f = fopen(path, "r");
    if (!f) {
        int r = -errno;
        *ret_msg = mr_xasprintf("cannot read '%s': %s", path, strerror(errno));
        return r;
    }
    fclose(f);
    dictionary *d = iniparser_load(path);
    if (!d) {
        /* "iniparser: syntax error in FILE (LINE):\n-> TEXT" */
        char *msg = mr_xstrdup(ini_error);
        char *nl;
        while ((nl = strchr(msg, '\n')))
            *nl = ' ';
        *ret_msg = mr_xasprintf("'%s' is not a valid INI file: %s", path, mr_strip(msg));
        free(msg);
        return -EINVAL;
    }
    *ret = d;
    return 0;
}

/* The line of KEY in [SECTION] of PATH, 0 when not found: iniparser does not
 * keep lines, and a message about a value should point at it. */
static int key_line(const char *path, const char *section, const char *key)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char buf[1024];
    bool in = false;
    int line = 0, found = 0;
    while (!found && fgets(buf, sizeof(buf), f)) {
        line++;
        char *s = mr_strip(buf);
        if (*s == '[') {
            char *end = strchr(s, ']');
            in = end && (size_t)(end - s - 1) == strlen(section) &&
                 strncasecmp(s + 1, section, strlen(section)) == 0;
            continue;
        }
        size_t n = strcspn(s, "=:");
        if (!in || !s[n])
            continue;
        s[n] = '\0';
        if (strcasecmp(mr_strip(s), key) == 0)
            found = line;
    }
    fclose(f);
    return found;
}

/* The keys of [SECTION] without the "section:" prefix, and their values. */
static void section_pairs(dictionary *d, const char *section, char ***ret_keys, char ***ret_vals)
{
    *ret_keys = mr_xcalloc(1, sizeof(char *));
    *ret_vals = mr_xcalloc(1, sizeof(char *));
    int nkeys = iniparser_getsecnkeys(d, section);
    if (nkeys <= 0)
        return;
    const char **keys = mr_xcalloc((size_t)nkeys, sizeof(char *));
    iniparser_getseckeys(d, section, keys);
    for (int i = 0; i < nkeys; i++) {
        mr_strv_push(ret_keys, keys[i] + strlen(section) + 1);
        mr_strv_push(ret_vals, iniparser_getstring(d, keys[i], ""));
    }
    free(keys);
}

static int profile_load(const char *name, struct mr_profile **ret, char **ret_msg)
{
    if (!valid_name(name)) {
        *ret_msg = mr_xasprintf("invalid profile name '%s'", name);
        return -EINVAL;
    }
    char *path = mr_xasprintf("%s/%s.ini", mr_profile_dir(), name);
    if (access(path, F_OK) < 0) {
        char **known = mr_profile_names();
        size_t len = 0;
        for (size_t i = 0; known[i]; i++)
            len += strlen(known[i]) + 2;
        char *list = mr_xcalloc(1, len + 1);
        for (size_t i = 0; known[i]; i++) {
            if (i)
                strcat(list, ", ");
            strcat(list, known[i]);
        }
        *ret_msg = mr_xasprintf("unknown profile '%s' (known: %s)", name, *list ? list : "none");
        free(list);
        mr_strv_free(known);
        free(path);
        return -ENOENT;
    }
    dictionary *d = NULL;
    int r = mr_ini_load(path, &d, ret_msg);
    if (r < 0) {
        free(path);
        return r;
    }
    struct mr_profile *p = mr_xcalloc(1, sizeof(*p));
    p->name = mr_xstrdup(name);
    p->path = path;
    p->enable_line = key_line(path, "checks", "enable");
    p->disable_line = key_line(path, "checks", "disable");
    p->kind = mr_xstrdup(iniparser_getstring(d, "profile:kind", "role"));
    p->description = mr_xstrdup(iniparser_getstring(d, "profile:description", ""));
    p->enable = mr_split_list(iniparser_getstring(d, "checks:enable", NULL));
    p->disable = mr_split_list(iniparser_getstring(d, "checks:disable", NULL));
    section_pairs(d, "values", &p->keys, &p->vals);
    section_pairs(d, "paths", &p->path_keys, &p->path_vals);
    iniparser_freedict(d);
    /* A location is read inside the root: a relative one would depend on
     * the working folder. */
    for (size_t i = 0; p->path_vals[i]; i++)
        if (p->path_vals[i][0] != '/') {
            *ret_msg = mr_xasprintf("%s:%d: [paths] %s = \"%s\" is not an absolute path",
                                    p->path, key_line(p->path, "paths", p->path_keys[i]),
                                    p->path_keys[i], p->path_vals[i]);
            profile_free(p);
            return -EINVAL;
        }
    *ret = p;
    return 0;
}

static void set_add(struct mr_profile_set *set, struct mr_profile *p)
{
    set->items = mr_xrealloc(set->items, (set->n + 1) * sizeof(*set->items));
    set->items[set->n++] = p;
}

int mr_profile_set_add(struct mr_profile_set *set, const char *name, char **ret_msg)
{
    struct mr_profile *p = NULL;
    int r = profile_load(name, &p, ret_msg);
    if (r < 0)
        return r;
    /* Storage, transport and layout are one each: two would contradict. */
    for (size_t j = 0; j < set->n; j++)
        if (strcmp(p->kind, "role") != 0 && strcmp(set->items[j]->kind, p->kind) == 0) {
            *ret_msg = mr_xasprintf("profiles '%s' and '%s' both choose the %s; pick one",
                                    set->items[j]->name, p->name, p->kind);
            profile_free(p);
            return -EINVAL;
        }
    set_add(set, p);
    return 0;
}

int mr_profile_set_load(char *const *names, struct mr_profile_set **ret, char **ret_msg)
{
    struct mr_profile_set *set = mr_xcalloc(1, sizeof(*set));
    int r = 0;
    for (size_t i = 0; names && names[i]; i++) {
        if (mr_profile_set_has(set, names[i]))
            continue;
        r = mr_profile_set_add(set, names[i], ret_msg);
        if (r < 0)
            goto cleanup;
    }
    for (size_t k = 0; k < MR_ARRAY_SIZE(default_profiles); k++) {
        bool have = false;
        for (size_t j = 0; j < set->n; j++)
            have |= strcmp(set->items[j]->kind, default_profiles[k].kind) == 0;
        if (have)
            continue;
        struct mr_profile *p = NULL;
        r = profile_load(default_profiles[k].name, &p, ret_msg);
        if (r < 0)
            goto cleanup;
        set_add(set, p);
    }
    *ret = set;
    set = NULL;

cleanup:
    mr_profile_set_free(set);
    return r;
}

void mr_profile_set_free(struct mr_profile_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++)
        profile_free(set->items[i]);
    free(set->items);
    free(set);
}

const char *mr_profile_set_value(const struct mr_profile_set *set, const char *key)
{
    const char *v = NULL;
    for (size_t i = 0; set && i < set->n; i++)
        for (size_t k = 0; set->items[i]->keys[k]; k++)
            if (strcmp(set->items[i]->keys[k], key) == 0)
                v = set->items[i]->vals[k];
    return v;
}

const char *mr_profile_set_path(const struct mr_profile_set *set, const char *key)
{
    const char *v = NULL;
    for (size_t i = 0; set && i < set->n; i++)
        for (size_t k = 0; set->items[i]->path_keys[k]; k++)
            if (strcmp(set->items[i]->path_keys[k], key) == 0)
                v = set->items[i]->path_vals[k];
    return v;
}

const struct mr_profile *mr_profile_set_kind(const struct mr_profile_set *set, const char *kind)
{
    for (size_t i = 0; set && i < set->n; i++)
        if (strcmp(set->items[i]->kind, kind) == 0)
            return set->items[i];
    return NULL;
}

bool mr_profile_set_has(const struct mr_profile_set *set, const char *name)
{
    for (size_t i = 0; set && i < set->n; i++)
        if (strcmp(set->items[i]->name, name) == 0)
            return true;
    return false;
}

static int validate_list(const struct mr_profile *p, char *const *globs, const char *key,
                         int line, char *const *ids, char **ret_msg)
{
    for (size_t g = 0; globs && globs[g]; g++) {
        bool known = false;
        for (size_t i = 0; ids[i] && !known; i++)
            known = fnmatch(globs[g], ids[i], 0) == 0;
        if (!known) {
            *ret_msg = mr_xasprintf("%s:%d: no check matches '%s' in [checks] %s "
                                    "(see 'migready list')",
                                    p->path, line, globs[g], key);
            return -EINVAL;
        }
    }
    return 0;
}

int mr_profile_set_validate(const struct mr_profile_set *set, char *const *ids, char **ret_msg)
{
    for (size_t i = 0; set && i < set->n; i++) {
        const struct mr_profile *p = set->items[i];
        int r = validate_list(p, p->enable, "enable", p->enable_line, ids, ret_msg);
        if (r == 0)
            r = validate_list(p, p->disable, "disable", p->disable_line, ids, ret_msg);
        if (r < 0)
            return r;
    }
    return 0;
}

static bool matches_any(char *const *globs, const char *id)
{
    for (size_t i = 0; globs && globs[i]; i++)
        if (fnmatch(globs[i], id, 0) == 0)
            return true;
    return false;
}

int mr_profile_set_decide(const struct mr_profile_set *set, const char *id,
                          const char **ret_profile)
{
    int decision = 0;
    for (size_t i = 0; set && i < set->n; i++) {
        /* A profile that disables wins over one that enables: block turns
         * the NFS checks off even when another profile asks for them. */
        if (matches_any(set->items[i]->disable, id)) {
            *ret_profile = set->items[i]->name;
            return -1;
        }
        if (decision == 0 && matches_any(set->items[i]->enable, id)) {
            *ret_profile = set->items[i]->name;
            decision = 1;
        }
    }
    return decision;
}
