#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "migready.h"
#include "pathutil.h"

bool mr_path_eq(const char *a, const char *b)
{
    for (;;) {
        while (a[0] == '/' && (a[1] == '/' || a[1] == '\0'))
            a++;
        while (b[0] == '/' && (b[1] == '/' || b[1] == '\0'))
            b++;
        if (*a != *b)
            return false;
        if (!*a)
            return true;
        a++, b++;
    }
}

char *mr_path_norm(const char *p)
{
    char *r = mr_xstrdup(p);
    char *w = r;
    for (const char *s = p; *s; s++)
        if (!(*s == '/' && w > r && w[-1] == '/'))
            *w++ = *s;
    *w = '\0';
    if (w > r + 1 && w[-1] == '/')
        w[-1] = '\0';
    return r;
}

int mr_path_covers(const char *mount, const char *path)
{
    char *m = mr_path_norm(mount), *p = mr_path_norm(path);
    int depth = -1;
    size_t n = strlen(m);
    if (strcmp(m, "/") == 0)
        depth = 0;
    else if (strncmp(m, p, n) == 0 && (p[n] == '/' || p[n] == '\0')) {
        depth = 0;
        for (const char *s = m; *s; s++)
            depth += *s == '/';
    }
    free(m);
    free(p);
    return depth;
}
