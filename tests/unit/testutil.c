#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctx.h"
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

char *mr_test_slurp(const char *rel)
{
    char *path = mr_test_path(rel);
    FILE *fp = fopen(path, "re");
    if (!fp)
        fail_msg("cannot open %s", path);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(fp);
    fclose(m);
    free(path);
    return buf;
}

void mr_test_dump(const struct mr_result *r)
{
    for (size_t i = 0; i < r->n_findings; i++) {
        const struct mr_finding *fi = &r->findings[i];
        fprintf(stderr, "  finding %zu [%s] %s:%d: %s\n", i, mr_status_name(fi->status),
                fi->file ? fi->file : "-", fi->line, fi->message);
        if (fi->remedy)
            fprintf(stderr, "    -> %s\n", fi->remedy);
    }
}

const struct mr_finding *mr_test_finding(const struct mr_result *r, const char *needle)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (strstr(r->findings[i].message, needle))
            return &r->findings[i];
    mr_test_dump(r);
    fail_msg("no finding mentions '%s'", needle);
    return NULL;
}

void mr_test_assert_status(const struct mr_result *r, enum mr_status st)
{
    if (r->status != st) {
        mr_test_dump(r);
        fail_msg("status %s, expected %s", mr_status_name(r->status), mr_status_name(st));
    }
}

void mr_test_assert_at(const struct mr_finding *fi, const char *file, int line)
{
    assert_non_null(fi->file);
    assert_string_equal(fi->file, file);
    assert_int_equal(fi->line, line);
}

struct mr_test_fixture *mr_test_fixture_new(const char *root)
{
    struct mr_test_fixture *f = mr_xcalloc(1, sizeof(*f));
    f->dir = mr_test_root(root);
    /* mkdtemp makes the copy 0700; a root directory is 0755. */
    chmod(f->dir, 0755);
    return f;
}

void mr_test_fixture_free(struct mr_test_fixture *f)
{
    if (!f)
        return;
    mr_result_clear(&f->res);
    mr_ctx_free(f->ctx);
    mr_test_rmtree(f->dir);
    if (f->site_dir)
        mr_test_rmtree(f->site_dir);
    free(f->site_dir);
    free(f->site);
    free(f->dir);
    free(f);
}

void mr_test_fixture_site(struct mr_test_fixture *f, const char *content)
{
    if (!f->site_dir)
        f->site_dir = mr_test_scratch();
    mr_test_write(f->site_dir, "/migready.conf", content);
    free(f->site);
    f->site = mr_xasprintf("%s/migready.conf", f->site_dir);
}
