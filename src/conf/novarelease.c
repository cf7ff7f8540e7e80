/* The Nova release a host runs. Nova's package metadata (PKG-INFO of an
 * egg, METADATA of a wheel) carries its version; the major version names
 * the release (Nova's tags: 24.0.0 is Xena, 29.0.0 is 2024.1, 33.0.0 is
 * 2026.1). kolla-ansible keeps Nova inside its containers, out of the
 * root's reach: there the site key nova_release says it. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "migready.h"
#include "novarelease.h"

#define METADATA_MAX (1u << 20)

struct release_row {
    int major;
    const char *release; /* the year.N scheme, also for the years before it was official */
    const char *name;
};

/* One release every six months; the dates of Nova's N.0.0 tags agree. */
static const struct release_row releases[] = {
    {17, "2018.1", "Queens"},  {18, "2018.2", "Rocky"},     {19, "2019.1", "Stein"},
    {20, "2019.2", "Train"},   {21, "2020.1", "Ussuri"},    {22, "2020.2", "Victoria"},
    {23, "2021.1", "Wallaby"}, {24, "2021.2", "Xena"},      {25, "2022.1", "Yoga"},
    {26, "2022.2", "Zed"},     {27, "2023.1", "Antelope"},  {28, "2023.2", "Bobcat"},
    {29, "2024.1", "Caracal"}, {30, "2024.2", "Dalmatian"}, {31, "2025.1", "Epoxy"},
    {32, "2025.2", "Flamingo"}, {33, "2026.1", "Gazpacho"},
};
_Static_assert(MR_ARRAY_SIZE(releases) == MR_NOVA_NEWEST_MAJOR - 17 + 1, "one row per major");

const char *mr_nova_release_of(int major, const char **ret_name)
{
    for (size_t i = 0; i < MR_ARRAY_SIZE(releases); i++)
        if (releases[i].major == major) {
            if (ret_name)
                *ret_name = releases[i].name;
            return releases[i].release;
        }
    if (ret_name)
        *ret_name = NULL;
    return NULL;
}

char *mr_nova_major_describe(int major)
{
    const char *name = NULL;
    const char *release = mr_nova_release_of(major, &name);
    return release ? mr_xasprintf("%d.0.0 (%s, %s)", major, release, name)
                   : mr_xasprintf("%d.0.0", major);
}

/* The major of a version ("29.2.1", "33.0.0.0rc1"): its leading number. */
static int parse_major(const char *v)
{
    if (!isdigit((unsigned char)v[0]))
        return -1;
    long m = 0;
    const char *p = v;
    for (; isdigit((unsigned char)*p) && m < 100000; p++)
        m = m * 10 + (*p - '0');
    if (*p != '\0' && *p != '.')
        return -1;
    return m < 100000 ? (int)m : -1;
}

int mr_nova_version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            char *ea, *eb;
            unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
            if (x != y)
                return x < y ? -1 : 1;
            a = ea;
            b = eb;
        } else if (*a != *b) {
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        } else {
            a++;
            b++;
        }
    }
    return 0;
}

/* The Version field of the metadata's header (RFC 822 style, up to the
 * first blank line), NULL when absent (caller frees). */
static char *metadata_version(const char *text)
{
    for (const char *line = text; *line && *line != '\n';) {
        size_t len = strcspn(line, "\n");
        if (len > 8 && strncasecmp(line, "Version:", 8) == 0) {
            char *v = mr_xstrndup(line + 8, len - 8);
            char *s = mr_strip(v);
            char *out = *s ? mr_xstrdup(s) : NULL;
            free(v);
            return out;
        }
        line += len + (line[len] == '\n');
    }
    return NULL;
}

struct found {
    char *version;
    char *source;
};

/* Reads the metadata of DIR/NAME when NAME is a nova distribution:
 * nova-*.egg-info (a folder holding PKG-INFO, or the file itself) or
 * nova-*.dist-info/METADATA. Keeps the highest version in *BEST. */
static void try_dist(const struct mr_root *root, const char *dir, const char *name,
                     struct found *best)
{
    const char *file;
    if (strncmp(name, "nova-", 5) != 0)
        return;
    size_t n = strlen(name);
    if (n > 9 && strcmp(name + n - 9, ".egg-info") == 0)
        file = "PKG-INFO";
    else if (n > 10 && strcmp(name + n - 10, ".dist-info") == 0)
        file = "METADATA";
    else
        return;
    char *path = mr_xasprintf("%s/%s", dir, name);
    struct stat st;
    if (mr_root_stat(root, path, &st, false) == 0 && S_ISDIR(st.st_mode)) {
        char *p = mr_xasprintf("%s/%s", path, file);
        free(path);
        path = p;
    } else if (strcmp(file, "METADATA") == 0) {
        free(path);
        return;
    }
    char *text = NULL;
    char *version = NULL;
    if (mr_root_read(root, path, METADATA_MAX, &text, NULL) == 0)
        version = metadata_version(text);
    free(text);
    if (version && parse_major(version) > 0 &&
        (!best->version || mr_nova_version_cmp(version, best->version) > 0)) {
        free(best->version);
        free(best->source);
        best->version = version;
        best->source = path;
        return;
    }
    free(version);
    free(path);
}

static void scan_packages(const struct mr_root *root, const char *dir, struct found *best)
{
    char **names = NULL;
    if (mr_root_list(root, dir, NULL, &names) < 0)
        return;
    for (size_t i = 0; names && names[i]; i++)
        try_dist(root, dir, names[i], best);
    mr_strv_free(names);
}

/* Each DIR/python3*: its site-packages (the RHEL family, venvs). */
static void scan_pythons(const struct mr_root *root, const char *dir, struct found *best)
{
    char **names = NULL;
    if (mr_root_list(root, dir, NULL, &names) < 0)
        return;
    for (size_t i = 0; names && names[i]; i++) {
        if (strncmp(names[i], "python3", 7) != 0)
            continue;
        char *sp = mr_xasprintf("%s/%s/site-packages", dir, names[i]);
        scan_packages(root, sp, best);
        free(sp);
    }
    mr_strv_free(names);
}

static void scan_root(const struct mr_root *root, struct found *best)
{
    /* Debian and Ubuntu: one python3 folder for every Python 3 version. */
    scan_packages(root, "/usr/lib/python3/dist-packages", best);
    scan_pythons(root, "/usr/lib", best);
    scan_pythons(root, "/usr/lib64", best);
    /* OpenStack-Ansible: /openstack/venvs/nova-VERSION, one per upgrade. */
    char **venvs = NULL;
    if (mr_root_list(root, "/openstack/venvs", NULL, &venvs) < 0)
        return;
    for (size_t i = 0; venvs && venvs[i]; i++) {
        if (strncmp(venvs[i], "nova-", 5) != 0)
            continue;
        char *lib = mr_xasprintf("/openstack/venvs/%s/lib", venvs[i]);
        scan_pythons(root, lib, best);
        free(lib);
    }
    mr_strv_free(venvs);
}

/* "2024.1" or "Caracal" (any case) to its major; -1 when neither. */
static int major_of_release(const char *s)
{
    for (size_t i = 0; i < MR_ARRAY_SIZE(releases); i++)
        if (strcmp(s, releases[i].release) == 0 || strcasecmp(s, releases[i].name) == 0)
            return releases[i].major;
    return -1;
}

static int from_override(const char *override, const char *source, struct mr_nova_release *rel,
                         char **ret_msg)
{
    int major = major_of_release(override);
    if (major < 0) {
        major = parse_major(override);
        /* "2024.1" that is no release migready knows is no version either. */
        if (major <= 0 || major > 1000) {
            if (ret_msg)
                *ret_msg = mr_xasprintf("nova_release = %s in %s is neither a Nova version "
                                        "(such as 29.0.0) nor a release (such as 2024.1)",
                                        override, source);
            return -EINVAL;
        }
        rel->version = mr_xstrdup(override);
    }
    rel->major = major;
    rel->source = mr_xstrdup(source);
    return 0;
}

int mr_nova_release_find(const struct mr_root *root, const char *override,
                         const char *override_source, struct mr_nova_release **ret,
                         char **ret_msg)
{
    struct mr_nova_release *rel = mr_xcalloc(1, sizeof(*rel));
    if (override) {
        const char *src = override_source ? override_source : "the site configuration";
        int r = from_override(override, src, rel, ret_msg);
        if (r < 0) {
            mr_nova_release_free(rel);
            return r;
        }
    } else {
        struct found best = {0};
        scan_root(root, &best);
        rel->version = best.version;
        rel->source = best.source;
        rel->major = best.version ? parse_major(best.version) : 0;
    }
    rel->known = rel->major > 0;
    if (!rel->known)
        rel->major = MR_NOVA_NEWEST_MAJOR;
    if (rel->known)
        rel->release = mr_nova_release_of(rel->major, &rel->name);
    *ret = rel;
    return 0;
}

void mr_nova_release_free(struct mr_nova_release *rel)
{
    if (!rel)
        return;
    free(rel->version);
    free(rel->source);
    free(rel);
}

bool mr_nova_release_at_least(const struct mr_nova_release *rel, int major)
{
    /* A release newer than migready knows follows the newest rules. */
    return !rel || rel->major >= major;
}

char *mr_nova_release_describe(const struct mr_nova_release *rel)
{
    if (!rel || !rel->known) {
        const char *name = NULL;
        const char *newest = mr_nova_release_of(MR_NOVA_NEWEST_MAJOR, &name);
        return mr_xasprintf("Nova (release unknown: the rules of %s (%s) apply)", newest, name);
    }
    if (!rel->release && rel->major > MR_NOVA_NEWEST_MAJOR)
        return mr_xasprintf("Nova %s (newer than migready knows: the rules of %s apply)",
                            rel->version ? rel->version : "?",
                            mr_nova_release_of(MR_NOVA_NEWEST_MAJOR, NULL));
    if (!rel->release)
        return mr_xasprintf("Nova %s", rel->version ? rel->version : "?");
    if (rel->version)
        return mr_xasprintf("Nova %s (%s, %s)", rel->release, rel->name, rel->version);
    return mr_xasprintf("Nova %s (%s)", rel->release, rel->name);
}
