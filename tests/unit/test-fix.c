/* The fix engine: the diff generator, the atomic writer, backups, the
 * pass -> fixed / else -> error rule, and the real fixers on fixture roots. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctx.h"
#include "engine.h"
#include "fix.h"
#include "migready.h"
#include "ops.h"
#include "registry.h"
#include "rootfs.h"
#include "testutil.h"

static char *slurp(const char *root, const char *path)
{
    char *p = mr_xasprintf("%s%s", root, path);
    FILE *f = fopen(p, "r");
    free(p);
    if (!f)
        return NULL;
    char *buf = mr_xcalloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* ---- diff ---- */

static void test_diff_equal(void **state)
{
    (void)state;
    assert_null(mr_diff_unified("/a", "x\ny\n", "/a", "x\ny\n"));
    assert_null(mr_diff_unified("/a", NULL, "/a", NULL));
}

static void test_diff_change(void **state)
{
    (void)state;
    const char *a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
    const char *b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n";
    char *d = mr_diff_unified("/etc/x", a, "/etc/x", b);
    assert_string_equal(d, "--- /etc/x\n+++ /etc/x\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n"
                           " 6\n 7\n 8\n");
    free(d);
}

static void test_diff_two_hunks(void **state)
{
    (void)state;
    char a[512] = "", b[512] = "";
    for (int i = 1; i <= 20; i++) {
        char l[16];
        snprintf(l, sizeof(l), "%d\n", i);
        strcat(a, l);
        if (i == 2)
            strcat(b, "new\n");
        if (i != 18)
            strcat(b, l);
    }
    char *d = mr_diff_unified("/f", a, "/f", b);
    assert_non_null(strstr(d, "@@ -1,4 +1,5 @@\n 1\n+new\n 2\n 3\n 4\n@@"));
    assert_non_null(strstr(d, "@@ -15,6 +16,5 @@\n 15\n 16\n 17\n-18\n 19\n 20\n"));
    free(d);
}

static void test_diff_new_file_and_eof(void **state)
{
    (void)state;
    char *d = mr_diff_unified("/n", NULL, "/n", "a\n");
    assert_string_equal(d, "--- /dev/null\n+++ /n\n@@ -0,0 +1,1 @@\n+a\n");
    free(d);
    d = mr_diff_unified("/e", "a\nb", "/e", "a\nb\n");
    assert_string_equal(d, "--- /e\n+++ /e\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of "
                           "file\n+b\n");
    free(d);
}

/* ---- atomic writer ---- */

static void test_write_atomic(void **state)
{
    (void)state;
    char *dir = mr_test_scratch();
    mr_test_write(dir, "/etc/a.conf", "old\n");
    char *p = mr_xasprintf("%s/etc/a.conf", dir);
    chmod(p, 0640);
    struct mr_root *root;
    assert_int_equal(mr_root_open(dir, &root), 0);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(mr_root_write_atomic(root, "/etc/a.conf", "new\n", 4, st.st_mode, st.st_uid,
                                          st.st_gid),
                     0);
    char *t = slurp(dir, "/etc/a.conf");
    assert_string_equal(t, "new\n");
    free(t);
    struct stat st2;
    assert_int_equal(stat(p, &st2), 0);
    assert_int_equal(st2.st_mode & 07777, 0640);
    assert_true(st2.st_ino != st.st_ino); /* replaced by rename, not rewritten */
    /* No temporary file stays behind. */
    char **names = NULL;
    assert_int_equal(mr_root_list(root, "/etc", NULL, &names), 0);
    assert_int_equal(mr_strv_len(names), 1);
    mr_strv_free(names);
    char *hidden = mr_xasprintf("ls -A '%s/etc' | grep -c migready >/dev/null", dir);
    assert_int_not_equal(system(hidden), 0);
    free(hidden);

    /* A link, inside or out, is never written through. */
    char *l = mr_xasprintf("%s/etc/link.conf", dir);
    assert_int_equal(symlink("a.conf", l), 0);
    assert_int_equal(mr_root_write_atomic(root, "/etc/link.conf", "x\n", 2, 0644, 0, 0), -ELOOP);
    char *ln = NULL;
    assert_int_equal(mr_root_find_link(root, "/etc/link.conf", &ln), -ELOOP);
    assert_string_equal(ln, "/etc/link.conf");
    free(ln);
    char *ld = mr_xasprintf("%s/linkdir", dir);
    assert_int_equal(symlink("etc", ld), 0);
    assert_int_equal(mr_root_write_atomic(root, "/linkdir/a.conf", "x\n", 2, 0644, 0, 0), -ELOOP);
    t = slurp(dir, "/etc/a.conf");
    assert_string_equal(t, "new\n");
    free(t);
    /* Folders are made without following links. */
    assert_int_equal(mr_root_mkdir_p(root, "/var/lib/x", 0700), 0);
    assert_int_equal(mr_root_mkdir_p(root, "/linkdir/sub", 0700), -ELOOP);

    free(ld);
    free(l);
    free(p);
    mr_root_free(root);
    mr_test_rmtree(dir);
    free(dir);
}

/* ---- the engine with a fake check and fixer ---- */

static int check_good(const struct mr_ctx *ctx, struct mr_result *res)
{
    char *buf = NULL;
    int r = mr_root_read(ctx->root, "/etc/x.conf", 4096, &buf, NULL);
    if (r == 0 && strcmp(buf, "a\ngood\nc\n") == 0)
        mr_report(res, MR_PASS, "good");
    else
        mr_report(res, MR_FAIL, "bad");
    free(buf);
    return 0;
}

static int fixer_good(const struct mr_ctx *ctx, const struct mr_result *res,
                      struct mr_change_set *cs)
{
    (void)ctx;
    (void)res;
    mr_change_write(cs, "/etc/x.conf", "a\ngood\nc\n", 0644);
    mr_change_restart(cs, "libvirtd");
    mr_change_describe(cs, "set good in /etc/x.conf");
    return 0;
}

static int fixer_wrong(const struct mr_ctx *ctx, const struct mr_result *res,
                       struct mr_change_set *cs)
{
    (void)ctx;
    (void)res;
    mr_change_write(cs, "/etc/x.conf", "a\nstill bad\nc\n", 0644);
    return 0;
}

static int fixer_broken(const struct mr_ctx *ctx, const struct mr_result *res,
                        struct mr_change_set *cs)
{
    (void)ctx;
    (void)res;
    mr_change_write(cs, "/etc/x.conf", "half done\n", 0644);
    mr_change_error(cs, "/etc/x.conf:2: cannot parse");
    return -EINVAL;
}

static const struct mr_check c_x = {.id = "x.good", .title = "X", .run = check_good};
static const struct mr_fixer f_good = {.check_id = "x.good", .run = fixer_good};
static const struct mr_fixer f_wrong = {.check_id = "x.good", .run = fixer_wrong};
static const struct mr_fixer f_broken = {.check_id = "x.good", .run = fixer_broken};

static struct mr_run *fix_with(const char *dir, const struct mr_fixer *f, bool dry, FILE *out)
{
    /* Static: the run's results point at their row. */
    static struct mr_row rows[1];
    rows[0] = (struct mr_row){.check = &c_x, .fixer = f};
    struct mr_ctx *ctx;
    assert_int_equal(mr_ctx_new_for_test(dir, NULL, NULL, &ctx), 0);
    struct mr_select sel = {0};
    struct mr_fix_opts o = {.dry_run = dry, .yes = true, .diff_out = out,
                            .now = 1767323045 /* 2026-01-02 03:04:05 UTC */};
    struct mr_run *run = mr_fix_run(ctx, rows, 1, &sel, &o);
    mr_ctx_free(ctx);
    return run;
}

static void test_engine_fixed_and_backup(void **state)
{
    (void)state;
    setenv("TZ", "UTC", 1);
    tzset();
    char *dir = mr_test_scratch();
    mr_test_write(dir, "/etc/x.conf", "a\nbad\nc\n");
    char *p = mr_xasprintf("%s/etc/x.conf", dir);
    chmod(p, 0604);

    /* Dry run: the diff, nothing written, the fail stays. */
    char *diff = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&diff, &len);
    struct mr_run *run = fix_with(dir, &f_good, true, out);
    fclose(out);
    assert_int_equal(run->results[0].status, MR_FAIL);
    assert_int_equal(mr_run_exit_code(run), 1);
    assert_non_null(strstr(diff, "--- /etc/x.conf\n+++ /etc/x.conf\n@@ -1,3 +1,3 @@\n a\n-bad\n"
                                 "+good\n c\n"));
    assert_null(strstr(diff, dir)); /* paths as seen in the root */
    mr_run_free(run);
    free(diff);
    char *t = slurp(dir, "/etc/x.conf");
    assert_string_equal(t, "a\nbad\nc\n");
    free(t);

    /* For real: fixed, a backup with the old content, 0600 whatever the
     * original's mode; the MANIFEST keeps the original's owner and mode. */
    out = open_memstream(&diff, &len);
    run = fix_with(dir, &f_good, false, out);
    fclose(out);
    assert_int_equal(run->results[0].status, MR_FIXED);
    assert_int_equal(run->counts[MR_FIXED], 1);
    assert_int_equal(mr_run_exit_code(run), 0);
    assert_non_null(strstr(diff, "restart libvirtd for this to take effect"));
    mr_run_free(run);
    free(diff);
    t = slurp(dir, "/etc/x.conf");
    assert_string_equal(t, "a\ngood\nc\n");
    free(t);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0604);
    t = slurp(dir, "/var/lib/migready/backups/20260102-030405/etc/x.conf");
    assert_non_null(t);
    assert_string_equal(t, "a\nbad\nc\n");
    free(t);
    char *b = mr_xasprintf("%s/var/lib/migready/backups/20260102-030405/etc/x.conf", dir);
    assert_int_equal(stat(b, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    free(b);
    t = slurp(dir, "/var/lib/migready/backups/20260102-030405/MANIFEST");
    char *line = mr_xasprintf("file /etc/x.conf %u:%u 0604\n", (unsigned)getuid(),
                              (unsigned)getgid());
    assert_non_null(strstr(t, line));
    free(line);
    free(t);

    /* Again: nothing to do, nothing written, no second backup. */
    run = fix_with(dir, &f_good, false, NULL);
    assert_int_equal(run->results[0].status, MR_PASS);
    assert_int_equal(mr_run_exit_code(run), 0);
    mr_run_free(run);
    b = mr_xasprintf("%s/var/lib/migready/backups/20260102-030405-2", dir);
    assert_int_not_equal(stat(b, &st), 0);
    free(b);

    free(p);
    mr_test_rmtree(dir);
    free(dir);
}

static void test_engine_still_failing_is_error(void **state)
{
    (void)state;
    char *dir = mr_test_scratch();
    mr_test_write(dir, "/etc/x.conf", "a\nbad\nc\n");
    FILE *out = fopen("/dev/null", "w");
    struct mr_run *run = fix_with(dir, &f_wrong, false, out);
    assert_int_equal(run->results[0].status, MR_ERROR);
    assert_int_equal(mr_run_exit_code(run), 2);
    mr_run_free(run);

    /* A fixer that gives up: error with its message, nothing written. */
    mr_test_write(dir, "/etc/x.conf", "a\nbad\nc\n");
    run = fix_with(dir, &f_broken, false, out);
    fclose(out);
    assert_int_equal(run->results[0].status, MR_ERROR);
    assert_non_null(strstr(mr_result_primary(&run->results[0])->message, "cannot parse"));
    mr_run_free(run);
    char *t = slurp(dir, "/etc/x.conf");
    assert_string_equal(t, "a\nbad\nc\n");
    free(t);
    mr_test_rmtree(dir);
    free(dir);
}

/* On a terminal fix asks; anything but "y" writes nothing. */
static void test_engine_asks(void **state)
{
    (void)state;
    static const struct mr_row rows[] = {{.check = &c_x, .fixer = &f_good}};
    char *dir = mr_test_scratch();
    mr_test_write(dir, "/etc/x.conf", "a\nbad\nc\n");
    const char *answers[] = {"n\n", "\n", "y\n"};
    for (size_t i = 0; i < MR_ARRAY_SIZE(answers); i++) {
        struct mr_ctx *ctx;
        assert_int_equal(mr_ctx_new_for_test(dir, NULL, NULL, &ctx), 0);
        char *prompt = NULL;
        size_t plen = 0;
        FILE *in = fmemopen((void *)answers[i], strlen(answers[i]), "r");
        FILE *tty = open_memstream(&prompt, &plen);
        FILE *out = fopen("/dev/null", "w");
        struct mr_select sel = {0};
        struct mr_fix_opts o = {.tty_in = in, .tty_out = tty, .diff_out = out, .no_backup = true};
        struct mr_run *run = mr_fix_run(ctx, rows, 1, &sel, &o);
        fclose(in);
        fclose(tty);
        fclose(out);
        assert_string_equal(prompt, "apply these changes? [y/N] ");
        char *t = slurp(dir, "/etc/x.conf");
        if (i < 2) {
            assert_int_equal(run->results[0].status, MR_FAIL);
            assert_string_equal(t, "a\nbad\nc\n");
        } else {
            assert_int_equal(run->results[0].status, MR_FIXED);
            assert_string_equal(t, "a\ngood\nc\n");
        }
        free(t);
        free(prompt);
        mr_run_free(run);
        mr_ctx_free(ctx);
    }
    mr_test_rmtree(dir);
    free(dir);
}

/* --restart restarts what the fixers named, through ops->run, on the live
 * host only. */
static char ran[512];

static int stub_run(const char *const *argv, int timeout_ms, char **ret_out)
{
    (void)timeout_ms;
    for (size_t i = 0; argv[i]; i++) {
        strcat(ran, argv[i]);
        strcat(ran, argv[i + 1] ? " " : ";");
    }
    *ret_out = mr_xstrdup("");
    return 0;
}

static void test_engine_restart(void **state)
{
    (void)state;
    static const struct mr_row rows[] = {{.check = &c_x, .fixer = &f_good}};
    static struct mr_ops ops;
    ops.run = stub_run;
    char *dir = mr_test_scratch();
    for (int live = 0; live < 2; live++) {
        mr_test_write(dir, "/etc/x.conf", "a\nbad\nc\n");
        ran[0] = '\0';
        struct mr_ctx *ctx;
        assert_int_equal(mr_ctx_new_for_test(dir, NULL, NULL, &ctx), 0);
        ctx->live = live;
        ctx->ops = &ops;
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        struct mr_select sel = {0};
        struct mr_fix_opts o = {.yes = true, .restart = true, .no_backup = true, .diff_out = f};
        struct mr_run *run = mr_fix_run(ctx, rows, 1, &sel, &o);
        fclose(f);
        assert_int_equal(run->results[0].status, MR_FIXED);
        if (live) {
            assert_string_equal(ran, "systemctl restart libvirtd;");
        } else {
            assert_string_equal(ran, "");
            assert_non_null(strstr(out, "not restarting libvirtd under --root"));
        }
        free(out);
        mr_run_free(run);
        mr_ctx_free(ctx);
    }
    mr_test_rmtree(dir);
    free(dir);
}

/* ---- the real fixers on a fixture root ---- */

static void test_libvirt_listen_fixture(void **state)
{
    (void)state;
    char *dir = mr_test_root("libvirt-listen-off");
    struct mr_ctx *ctx;
    assert_int_equal(mr_ctx_new_for_test(dir, NULL, NULL, &ctx), 0);
    struct mr_select sel = {0};
    char *only[] = {"libvirt.listen", NULL};
    sel.only = only;
    FILE *out = fopen("/dev/null", "w");
    struct mr_fix_opts o = {.yes = true, .no_backup = true, .diff_out = out};
    struct mr_run *run = mr_fix_run(ctx, mr_rows, mr_n_rows, &sel, &o);
    fclose(out);
    assert_int_equal(run->n, 1);
    assert_int_equal(run->results[0].status, MR_FIXED);
    mr_run_free(run);
    mr_ctx_free(ctx);
    char *t = slurp(dir, "/etc/default/libvirtd");
    assert_non_null(strstr(t, "--listen"));
    free(t);
    struct stat st;
    char *b = mr_xasprintf("%s/var/lib/migready/backups", dir);
    assert_int_not_equal(stat(b, &st), 0); /* --no-backup */
    free(b);
    mr_test_rmtree(dir);
    free(dir);
}

/* A file with a second name (which may be outside the root) is never
 * chmod'ed, chown'ed or replaced; nor is one reached through a symbolic
 * link, in any component. A folder's link count is no reason. */
static void test_hard_links_refused(void **state)
{
    (void)state;
    char *dir = mr_test_scratch();
    mr_test_write(dir, "/etc/k", "key\n");
    mr_test_write(dir, "/outside/k", "");
    char *p = mr_xasprintf("%s/etc/k", dir), *o = mr_xasprintf("%s/outside/k", dir);
    unlink(o);
    assert_int_equal(link(p, o), 0);
    chmod(p, 0644);
    struct mr_root *root;
    assert_int_equal(mr_root_open(dir, &root), 0);
    assert_int_equal(mr_root_chmod(root, "/etc/k", 0600), -EMLINK);
    assert_int_equal(mr_root_chown(root, "/etc/k", 1, 1), -EMLINK);
    assert_int_equal(mr_root_write_atomic(root, "/etc/k", "x\n", 2, 0600, 0, 0), -EMLINK);
    assert_int_equal(mr_root_create(root, "/etc/k", 0600), -EMLINK);
    struct stat st;
    assert_int_equal(stat(o, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(st.st_nlink, 2);
    char *t = slurp(dir, "/outside/k");
    assert_string_equal(t, "key\n");
    free(t);
    /* One name again: allowed. */
    unlink(o);
    assert_int_equal(mr_root_chmod(root, "/etc/k", 0600), 0);
    /* Through a linked folder: refused, though it stays inside the root. */
    char *l = mr_xasprintf("%s/etcl", dir);
    assert_int_equal(symlink("etc", l), 0);
    assert_int_equal(mr_root_chmod(root, "/etcl/k", 0640), -ELOOP);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    /* A folder (two links and more) is fine. */
    mr_test_write(dir, "/etc/sub/x", "");
    assert_int_equal(mr_root_chmod(root, "/etc", 0755), 0);
    mr_root_free(root);
    free(l);
    free(o);
    free(p);
    mr_test_rmtree(dir);
    free(dir);
}

/* The names a killed run leaves, and the sweep that removes those of runs
 * that are over, never ours nor a live one's. */
static void test_sweep_dead_temps(void **state)
{
    (void)state;
    assert_int_equal(mr_root_temp_pid(".nova.conf.migready-123-4"), 123);
    assert_int_equal(mr_root_temp_pid(".a.migready-b.migready-77-0"), 77);
    assert_int_equal(mr_root_temp_pid(".keygen.migready-4242-a1b2c3"), 4242);
    assert_int_equal(mr_root_temp_pid("keygen-4242-a1b2c3"), 0); /* could be anyone's */
    assert_int_equal(mr_root_temp_pid(".x.migready-12-"), 0);
    assert_int_equal(mr_root_temp_pid("nova.conf"), 0);
    assert_int_equal(mr_root_temp_pid(".nova.conf.migready-x-1"), 0);
    assert_int_equal(mr_root_temp_pid("20260102-030405"), 0);
    assert_int_equal(mr_root_temp_pid("20260102-030405-2"), 0);
    assert_false(mr_root_pid_dead(getpid()));
    assert_false(mr_root_pid_dead(1));

    /* A PID that is certainly over: a child reaped. */
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    assert_true(child > 0);
    waitpid(child, NULL, 0);
    assert_true(mr_root_pid_dead(child));

    char *dir = mr_test_scratch();
    char *dead = mr_xasprintf("/etc/.x.conf.migready-%ld-0", (long)child);
    char *mine = mr_xasprintf("/etc/.x.conf.migready-%ld-0", (long)getpid());
    char *dead_dir = mr_xasprintf("/var/tmp/.keygen.migready-%ld-abcdef/id_ed25519", (long)child);
    mr_test_write(dir, dead, "half");
    mr_test_write(dir, mine, "in use");
    mr_test_write(dir, "/etc/x.conf", "x\n");
    mr_test_write(dir, dead_dir, "secret");
    struct mr_root *root;
    assert_int_equal(mr_root_open(dir, &root), 0);
    char **removed = NULL;
    assert_int_equal(mr_root_sweep(root, "/", true, &removed), 0);
    assert_int_equal(mr_strv_len(removed), 2);
    assert_true(mr_strv_contains(removed, dead));
    char *keydir = mr_xasprintf("/var/tmp/.keygen.migready-%ld-abcdef", (long)child);
    assert_true(mr_strv_contains(removed, keydir));
    mr_strv_free(removed);
    struct stat st;
    assert_int_equal(mr_root_stat(root, dead, &st, true), -ENOENT);
    assert_int_equal(mr_root_stat(root, keydir, &st, true), -ENOENT);
    assert_int_equal(mr_root_stat(root, mine, &st, true), 0);
    assert_int_equal(mr_root_stat(root, "/etc/x.conf", &st, true), 0);
    mr_root_free(root);
    free(keydir);
    free(dead_dir);
    free(mine);
    free(dead);
    mr_test_rmtree(dir);
    free(dir);
}

/* The lock: a second taker with no_wait is refused, naming the holder's
 * PID; the lock file is 0600; an interrupted backup is marked. */
static void test_lock(void **state)
{
    (void)state;
    char *dir = mr_test_scratch();
    mr_test_write(dir, "/var/lib/migready/backups/20250101-000000/etc/x.conf", "half\n");
    struct mr_ctx *ctx;
    assert_int_equal(mr_ctx_new_for_test(dir, NULL, NULL, &ctx), 0);
    char *notes = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&notes, &len);
    struct mr_fix_opts o = {.no_wait = true, .diff_out = out};
    struct mr_fix_lock *lock = NULL;
    char *msg = NULL;
    assert_int_equal(mr_fix_lock(ctx, &o, &lock, &msg), 0);
    fclose(out);
    assert_non_null(strstr(notes, "incomplete backup /var/lib/migready/backups/20250101-000000 "
                                  "(no MANIFEST)"));
    free(notes);
    char *inc = slurp(dir, "/var/lib/migready/backups/20250101-000000/INCOMPLETE");
    assert_non_null(inc);
    free(inc);
    char *p = mr_xasprintf("%s/var/lib/migready/lock", dir);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);

    /* Another open file description: flock sees it as another holder. */
    struct mr_fix_lock *second = NULL;
    assert_int_equal(mr_fix_lock(ctx, &o, &second, &msg), -EWOULDBLOCK);
    assert_null(second);
    char *pid = mr_xasprintf("held by PID %ld", (long)getpid());
    assert_non_null(strstr(msg, pid));
    assert_non_null(strstr(msg, "--no-wait"));
    free(pid);
    free(msg);
    mr_fix_unlock(lock);
    /* Free again: taken at once, and the marked backup is not named twice. */
    notes = NULL;
    out = open_memstream(&notes, &len);
    o.diff_out = out;
    assert_int_equal(mr_fix_lock(ctx, &o, &second, &msg), 0);
    fclose(out);
    assert_null(strstr(notes, "incomplete backup"));
    free(notes);
    mr_fix_unlock(second);
    mr_ctx_free(ctx);
    free(p);
    mr_test_rmtree(dir);
    free(dir);
}

/* The same fix on a libvirtd.conf with CRLF ends, which libvirt reads: the
 * file keeps them, and changes only where the LF file changes. */
static void test_libvirt_listen_crlf(void **state)
{
    (void)state;
    char *dir = mr_test_root("libvirt-listen-off");
    char *lf = slurp(dir, "/etc/libvirt/libvirtd.conf");
    char *crlf = mr_text_to_crlf(lf);
    mr_test_write(dir, "/etc/libvirt/libvirtd.conf", crlf);
    struct mr_ctx *ctx;
    assert_int_equal(mr_ctx_new_for_test(dir, NULL, NULL, &ctx), 0);
    struct mr_select sel = {0};
    char *only[] = {"libvirt.listen", NULL};
    sel.only = only;
    FILE *out = fopen("/dev/null", "w");
    struct mr_fix_opts o = {.yes = true, .no_backup = true, .diff_out = out};
    struct mr_run *run = mr_fix_run(ctx, mr_rows, mr_n_rows, &sel, &o);
    fclose(out);
    assert_int_equal(run->n, 1);
    assert_int_equal(run->results[0].status, MR_FIXED);
    mr_run_free(run);
    mr_ctx_free(ctx);
    char *want_lf = mr_test_slurp("roots/libvirt-listen-off.expected/etc/libvirt/libvirtd.conf");
    char *want = mr_text_to_crlf(want_lf);
    char *got = slurp(dir, "/etc/libvirt/libvirtd.conf");
    assert_string_equal(got, want);
    free(got);
    free(want);
    free(want_lf);
    free(crlf);
    free(lf);
    mr_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff_equal),
        cmocka_unit_test(test_diff_change),
        cmocka_unit_test(test_diff_two_hunks),
        cmocka_unit_test(test_diff_new_file_and_eof),
        cmocka_unit_test(test_write_atomic),
        cmocka_unit_test(test_engine_fixed_and_backup),
        cmocka_unit_test(test_engine_still_failing_is_error),
        cmocka_unit_test(test_engine_asks),
        cmocka_unit_test(test_engine_restart),
        cmocka_unit_test(test_libvirt_listen_fixture),
        cmocka_unit_test(test_hard_links_refused),
        cmocka_unit_test(test_sweep_dead_temps),
        cmocka_unit_test(test_lock),
        cmocka_unit_test(test_libvirt_listen_crlf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
