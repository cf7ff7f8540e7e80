#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migready.h"
#include "testutil.h"

char *mr_test_path(const char *rel)
{
    const char *base = getenv("MR_TESTS");
    return mr_xasprintf("%s/%s", base && *base ? base : MR_TEST_SRCDIR, rel);
}

char *mr_test_scratch(void)
{
    const char *tmp = getenv("TMPDIR");
    char *tmpl = mr_xasprintf("%s/migready-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmpl)) {
        perror("mkdtemp");
        abort();
    }
    return tmpl;
}

char *mr_test_root(const char *name)
{
    char *dir = mr_test_scratch();
    char *rel = mr_xasprintf("roots/%s", name);
    char *src = mr_test_path(rel);
    char *mkroot = mr_test_path("mkroot");
    char *cmd = mr_xasprintf("'%s' '%s' '%s'", mkroot, src, dir);
    int rc = system(cmd);
    if (rc != 0) {
        if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) {
            fprintf(stderr, "skipped: fixture %s needs root\n", name);
            exit(77);
        }
        fprintf(stderr, "cannot copy fixture root %s\n", src);
        abort();
    }
    free(mkroot);
    free(cmd);
    free(src);
    free(rel);
    return dir;
}

static void mkparents(const char *path)
{
    char *p = mr_xstrdup(path);
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    free(p);
}

void mr_test_write(const char *root, const char *path, const char *content)
{
    char *full = mr_xasprintf("%s%s", root, path);
    mkparents(full);
    FILE *f = fopen(full, "w");
    if (!f) {
        perror(full);
        abort();
    }
    fputs(content, f);
    fclose(f);
    free(full);
}

void mr_test_mkdir(const char *root, const char *path, mode_t mode)
{
    char *full = mr_xasprintf("%s%s/", root, path);
    mkparents(full);
    chmod(full, mode);
    free(full);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void mr_test_rmtree(const char *dir)
{
    if (dir)
        nftw(dir, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

bool mr_test_is_root(void)
{
    return geteuid() == 0;
}
