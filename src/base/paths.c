#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The binary runs from the top of the build tree (tests, a developer
 * trying a change): its data is in the source tree, not installed yet. */
static bool in_build_tree(void)
{
    static int cached = -1;
    if (cached >= 0)
        return cached;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    cached = 0;
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            cached = strcmp(exe, MR_ABS_BUILDDIR) == 0;
        }
    }
    return cached;
}

static const char *data_dir(char *buf, size_t size, const char *env, const char *src_sub,
                            const char *installed)
{
    const char *e = getenv(env);
    if (e && *e)
        return e;
    if (buf[0])
        return buf;
    char *src = NULL;
    if (in_build_tree() && asprintf(&src, "%s/%s", MR_ABS_SRCDIR, src_sub) >= 0 && is_dir(src))
        snprintf(buf, size, "%s", src);
    else
        snprintf(buf, size, "%s", installed);
    free(src);
    return buf;
}

const char *mr_profile_dir(void)
{
    static char dir[PATH_MAX];
    return data_dir(dir, sizeof(dir), "MIGREADY_PROFILE_DIR", "profiles", MR_PROFILEDIR);
}

const char *mr_lens_dir(void)
{
    static char dir[PATH_MAX];
    return data_dir(dir, sizeof(dir), "MIGREADY_LENS_DIR", "fixers/lenses", MR_LENSDIR);
}
