/* The scratch root the harnesses share (tests/fuzz/fuzz.h). */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctx.h"
#include "fuzz.h"
#include "migready.h"

static char *root;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void root_remove(void)
{
    if (root)
        nftw(root, rm_one, 32, FTW_DEPTH | FTW_PHYS);
    free(root);
    root = NULL;
}

const char *fz_root(void)
{
    if (root)
        return root;
    setenv("MIGREADY_PROFILE_DIR", MR_ABS_SRCDIR "/profiles", 0);
    setenv("MIGREADY_LENS_DIR", MR_ABS_SRCDIR "/fixers/lenses", 0);
    const char *tmp = getenv("TMPDIR");
    root = mr_xasprintf("%s/migready-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        abort();
    }
    /* mkdtemp makes it 0700; a root directory is 0755. */
    chmod(root, 0755);
    atexit(root_remove);
    return root;
}

static void mkparents(const char *full)
{
    char *p = mr_xstrdup(full);
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            perror(p);
            abort();
        }
        *s = '/';
    }
    free(p);
}

void fz_write(const char *path, const void *data, size_t size)
{
    char *full = mr_xasprintf("%s%s", fz_root(), path);
    mkparents(full);
    FILE *f = fopen(full, "we");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(full);
        abort();
    }
    free(full);
}

void fz_write_str(const char *path, const char *text)
{
    fz_write(path, text, strlen(text));
}

void fz_unlink(const char *path)
{
    char *full = mr_xasprintf("%s%s", fz_root(), path);
    if (unlink(full) < 0 && errno != ENOENT) {
        perror(full);
        abort();
    }
    free(full);
}

char *fz_string(const uint8_t *data, size_t size)
{
    char *s = mr_xmalloc(size + 1);
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

void fz_run_check(const struct mr_check *check, void (*adjust)(struct mr_ctx *ctx))
{
    struct mr_ctx *ctx = NULL;
    if (mr_ctx_new_for_test(fz_root(), NULL, NULL, &ctx) < 0)
        abort();
    if (adjust)
        adjust(ctx);
    struct mr_result res = {.check = check};
    /* A negative return (the check broke) is an outcome like another. */
    check->run(ctx, &res);
    mr_result_clear(&res);
    mr_ctx_free(ctx);
}

void fz_base_host(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    const char *tests = getenv("MR_TESTS");
    if (!tests || !*tests)
        tests = MR_ABS_SRCDIR "/tests";
    /* mkroot sets the fixture's owners only as root (77 otherwise): the
     * files are there either way, and a wrong owner is one more finding. */
    char *cmd = mr_xasprintf("'%s/mkroot' '%s/roots/seed-good' '%s' 2>/dev/null", tests, tests,
                             fz_root());
    int rc = system(cmd);
    free(cmd);
    if (rc != 0 && !(WIFEXITED(rc) && WEXITSTATUS(rc) == 77)) {
        fprintf(stderr, "cannot copy the fixture root seed-good\n");
        abort();
    }
    fz_write_str("/etc/migready/migready.conf",
                 "[site]\n"
                 "peers = compute-1.example.org, 192.0.2.12, compute-9\n"
                 "nova_uid = 162\n"
                 "nova_gid = 162\n"
                 "authorized_keys = /etc/migready/peer-keys\n");
    fz_write_str("/etc/migready/peer-keys",
                 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAiKuRMAe4ui73lEzIWsoVpz54bvuXxbod8flVyUMll4 "
                 "nova@compute-1\n");
}
