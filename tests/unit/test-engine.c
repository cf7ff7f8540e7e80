/* The harness: selection, profiles, needs turned into skips, exit codes. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctx.h"
#include "engine.h"
#include "migready.h"
#include "novaconf.h"
#include "ops.h"
#include "testutil.h"

static int runs;

static int run_pass(const struct mr_ctx *ctx, struct mr_result *res)
{
    runs++;
    mr_report(res, MR_PASS, "fine");
    return 0;
}

static int run_warn(const struct mr_ctx *ctx, struct mr_result *res)
{
    runs++;
    mr_report(res, MR_PASS, "partly fine");
    struct mr_finding *f = mr_report(res, MR_WARN, "risky");
    mr_finding_remedy(f, "be careful");
    return 0;
}

static int run_fail(const struct mr_ctx *ctx, struct mr_result *res)
{
    runs++;
    mr_finding_at(mr_report(res, MR_FAIL, "broken"), "/etc/x.conf", 3);
    mr_report(res, MR_WARN, "also risky");
    return 0;
}

static int run_broken(const struct mr_ctx *ctx, struct mr_result *res)
{
    runs++;
    return -EIO;
}

static const struct mr_check c_pass = {.id = "a.pass", .title = "A", .run = run_pass};
static const struct mr_check c_warn = {.id = "a.warn", .title = "W", .run = run_warn};
static const struct mr_check c_fail = {.id = "b.fail", .title = "F", .run = run_fail};
static const struct mr_check c_live = {
    .id = "b.live", .title = "L", .needs = MR_NEED_LIVE, .run = run_pass};
static const struct mr_check c_peers = {
    .id = "c.peers", .title = "P", .needs = MR_NEED_PEERS, .run = run_pass};
static const struct mr_check c_broken = {.id = "c.broken", .title = "B", .run = run_broken};
static const struct mr_check c_nfs = {.id = "nfs.fstab", .title = "N", .run = run_pass};
static const struct mr_check c_exports = {
    .id = "nfs.exports", .title = "E", .optional = true, .run = run_pass};

static const struct mr_row all[] = {{.check = &c_pass},   {.check = &c_warn},  {.check = &c_fail},
                                    {.check = &c_live},   {.check = &c_peers}, {.check = &c_broken},
                                    {.check = &c_nfs},    {.check = &c_exports}};

static struct mr_ctx *ctx_with(const char *const *profiles)
{
    char *root = mr_test_scratch();
    struct mr_ctx *ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(root, profiles, NULL, &ctx), 0);
    free(root);
    return ctx;
}

static void ctx_done(struct mr_ctx *ctx)
{
    mr_test_rmtree(ctx->root_path);
    mr_ctx_free(ctx);
}

static const struct mr_result *find(const struct mr_run *run, const char *id)
{
    for (size_t i = 0; i < run->n; i++)
        if (strcmp(run->results[i].check->id, id) == 0)
            return &run->results[i];
    return NULL;
}

static void test_statuses_and_skips(void **state)
{
    struct mr_ctx *ctx = ctx_with(NULL);
    struct mr_select sel = {0};
    runs = 0;
    struct mr_run *run = mr_run_list(ctx, all, MR_ARRAY_SIZE(all), &sel, false);
    assert_int_equal(run->n, MR_ARRAY_SIZE(all));
    assert_int_equal(find(run, "a.pass")->status, MR_PASS);
    /* The worst finding decides, and is the one shown. */
    assert_int_equal(find(run, "a.warn")->status, MR_WARN);
    assert_string_equal(mr_result_primary(find(run, "a.warn"))->message, "risky");
    const struct mr_finding *f = mr_result_primary(find(run, "b.fail"));
    assert_int_equal(find(run, "b.fail")->status, MR_FAIL);
    assert_string_equal(f->file, "/etc/x.conf");
    assert_int_equal(f->line, 3);
    /* A test context is never live. */
    assert_int_equal(find(run, "b.live")->status, MR_SKIP);
    assert_string_equal(mr_result_primary(find(run, "b.live"))->message, "offline (--root)");
    assert_int_equal(find(run, "c.peers")->status, MR_SKIP);
    assert_int_equal(find(run, "c.broken")->status, MR_ERROR);
    /* shared-nfs is the default storage profile and enables nfs.fstab; the
     * optional nfs.exports needs nfs-server. */
    assert_int_equal(find(run, "nfs.fstab")->status, MR_PASS);
    assert_int_equal(find(run, "nfs.exports")->status, MR_SKIP);
    assert_int_equal(runs, 5);
    assert_int_equal(mr_run_exit_code(run), 2);
    mr_run_free(run);
    ctx_done(ctx);
}

static void test_exit_codes(void **state)
{
    struct mr_ctx *ctx = ctx_with(NULL);
    char *only_pass[] = {"a.pass", NULL};
    struct mr_select sel = {.only = only_pass};
    struct mr_run *run = mr_run_list(ctx, all, MR_ARRAY_SIZE(all), &sel, false);
    assert_int_equal(run->n, 1);
    assert_true(mr_run_ready(run));
    assert_int_equal(mr_run_exit_code(run), 0);
    mr_run_free(run);

    char *only_a[] = {"a.*", NULL};
    sel.only = only_a;
    run = mr_run_list(ctx, all, MR_ARRAY_SIZE(all), &sel, false);
    assert_int_equal(run->n, 2);
    assert_int_equal(mr_run_exit_code(run), 0);
    mr_run_free(run);
    /* --strict: a warning is not ready. */
    run = mr_run_list(ctx, all, MR_ARRAY_SIZE(all), &sel, true);
    assert_false(mr_run_ready(run));
    assert_int_equal(mr_run_exit_code(run), 1);
    mr_run_free(run);

    char *skip_broken[] = {"c.*", NULL};
    sel = (struct mr_select){.skip = skip_broken};
    run = mr_run_list(ctx, all, MR_ARRAY_SIZE(all), &sel, false);
    assert_null(find(run, "c.broken"));
    assert_int_equal(mr_run_exit_code(run), 1);
    mr_run_free(run);
    ctx_done(ctx);
}

static void test_profiles(void **state)
{
    const char *block[] = {"block", "nfs-server", NULL};
    struct mr_ctx *ctx = ctx_with(block);
    assert_string_equal(mr_ctx_value(ctx, "storage"), "block");
    assert_string_equal(mr_ctx_value(ctx, "transport"), "tcp"); /* default filled in */
    struct mr_select sel = {0};
    struct mr_run *run = mr_run_list(ctx, all, MR_ARRAY_SIZE(all), &sel, false);
    assert_int_equal(find(run, "nfs.fstab")->status, MR_SKIP);
    assert_string_equal(mr_result_primary(find(run, "nfs.fstab"))->message,
                        "not used with profile block");
    assert_int_equal(find(run, "nfs.exports")->status, MR_PASS);
    mr_run_free(run);
    ctx_done(ctx);
}

static void test_profile_errors(void **state)
{
    char *root = mr_test_scratch();
    struct mr_ctx *ctx = NULL;
    char *msg = NULL;
    const char *unknown[] = {"shared-nsf", NULL};
    assert_int_equal(mr_ctx_new(root, unknown, NULL, NULL, &ctx, &msg), -ENOENT);
    assert_non_null(strstr(msg, "unknown profile 'shared-nsf'"));
    assert_non_null(strstr(msg, "shared-nfs"));
    assert_non_null(strstr(msg, "tls"));
    free(msg);
    msg = NULL;
    const char *two[] = {"tcp", "tls", NULL};
    assert_int_equal(mr_ctx_new(root, two, NULL, NULL, &ctx, &msg), -EINVAL);
    assert_non_null(strstr(msg, "'tcp' and 'tls'"));
    free(msg);
    mr_test_rmtree(root);
    free(root);
}

static void test_site_config(void **state)
{
    char *root = mr_test_scratch();
    mr_test_write(root, "/etc/migready/migready.conf",
                  "[site]\nprofile = block, ssh\nnova_uid = 162\npeers = a, b\n");
    struct mr_ctx *ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(root, NULL, NULL, &ctx), 0);
    assert_string_equal(mr_ctx_value(ctx, "transport"), "ssh");
    assert_string_equal(mr_ctx_value(ctx, "storage"), "block");
    assert_string_equal(mr_ctx_site(ctx, "nova_uid"), "162");
    assert_int_equal(mr_strv_len(ctx->peers), 2);
    mr_ctx_free(ctx);
    /* --profile replaces the site's list. */
    const char *tls[] = {"tls", NULL};
    assert_int_equal(mr_ctx_new_for_test(root, tls, NULL, &ctx), 0);
    assert_string_equal(mr_ctx_value(ctx, "transport"), "tls");
    assert_string_equal(mr_ctx_value(ctx, "storage"), "shared");
    mr_ctx_free(ctx);
    /* A syntax error names the file and the line. */
    mr_test_write(root, "/etc/migready/migready.conf", "[site]\nprofile = tcp\nthis is junk\n");
    char *msg = NULL;
    assert_int_equal(mr_ctx_new(root, NULL, NULL, NULL, &ctx, &msg), -EINVAL);
    assert_non_null(strstr(msg, "/etc/migready/migready.conf"));
    assert_non_null(strstr(msg, "(3)"));
    free(msg);
    mr_test_rmtree(root);
    free(root);
}

static int destroyed;

static void count_destroy(void *p)
{
    destroyed++;
    free(p);
}

/* A slot's value is its owner's until the context frees it, or until an
 * invalidate (what `fix` does after its changes): then the next use
 * loads the source again, here a nova.conf changed on disk. */
static void test_slots(void **state)
{
    (void)state;
    char *root = mr_test_scratch();
    mr_test_write(root, "/etc/nova/nova.conf", "[DEFAULT]\ninstances_path = /a\n");
    struct mr_ctx *ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(root, NULL, NULL, &ctx), 0);
    assert_ptr_equal(ctx->ops, &mr_ops_none);
    destroyed = 0;
    assert_null(mr_ctx_slot_get(ctx, MR_SLOT_FACTS));
    mr_ctx_slot_set(ctx, MR_SLOT_FACTS, mr_xstrdup("one"), count_destroy);
    assert_string_equal(mr_ctx_slot_get(ctx, MR_SLOT_FACTS), "one");
    mr_ctx_slot_set(ctx, MR_SLOT_FACTS, mr_xstrdup("two"), count_destroy);
    assert_int_equal(destroyed, 1);
    mr_ctx_invalidate(ctx, MR_SLOT_FACTS);
    assert_int_equal(destroyed, 2);
    assert_null(mr_ctx_slot_get(ctx, MR_SLOT_FACTS));
    mr_ctx_slot_set(ctx, MR_SLOT_PEERS, mr_xstrdup("three"), count_destroy);

    const struct mr_novaconf *nova = NULL;
    const char *msg = NULL;
    struct mr_novaval v;
    assert_int_equal(mr_ctx_nova(ctx, &nova, &msg), 0);
    assert_true(mr_novaconf_get(nova, "DEFAULT", "instances_path", &v));
    assert_string_equal(v.value, "/a");
    mr_test_write(root, "/etc/nova/nova.conf", "[DEFAULT]\ninstances_path = /b\n");
    assert_int_equal(mr_ctx_nova(ctx, &nova, &msg), 0);
    assert_true(mr_novaconf_get(nova, "DEFAULT", "instances_path", &v));
    assert_string_equal(v.value, "/a"); /* read once per run */
    mr_ctx_invalidate(ctx, MR_SLOT_NOVA);
    assert_int_equal(mr_ctx_nova(ctx, &nova, &msg), 0);
    assert_true(mr_novaconf_get(nova, "DEFAULT", "instances_path", &v));
    assert_string_equal(v.value, "/b");

    mr_ctx_free(ctx);
    assert_int_equal(destroyed, 3);
    mr_test_rmtree(root);
    free(root);
}

static void test_users_from_root(void **state)
{
    char *root = mr_test_scratch();
    mr_test_write(root, "/etc/passwd",
                  "root:x:0:0:root:/root:/bin/bash\n"
                  "nova:x:162:162::/var/lib/nova:/bin/sh\n"
                  "libvirt-qemu:x:64055:108::/var/lib/libvirt:/usr/sbin/nologin\n");
    mr_test_write(root, "/etc/group", "root:x:0:\nnova:x:162:\nkvm:x:108:\nlibvirt:x:113:nova,other\n");
    mr_test_write(root, "/etc/hostname", "# comment\ncompute-7\n");
    struct mr_ctx *ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(root, NULL, NULL, &ctx), 0);
    uid_t uid;
    gid_t gid;
    assert_int_equal(mr_ctx_user(ctx, "nova", &uid, &gid), 0);
    assert_int_equal(uid, 162);
    assert_int_equal(gid, 162);
    assert_int_equal(mr_ctx_user(ctx, "nobody-here", &uid, &gid), -ENOENT);
    assert_int_equal(mr_ctx_group(ctx, "kvm", &gid), 0);
    assert_int_equal(gid, 108);
    gid_t *groups = NULL;
    size_t n = 0;
    assert_int_equal(mr_ctx_user_groups(ctx, "nova", &groups, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(groups[0], 162);
    assert_int_equal(groups[1], 113);
    free(groups);
    char *host = mr_ctx_hostname(ctx);
    assert_string_equal(host, "compute-7");
    free(host);
    mr_ctx_free(ctx);
    mr_test_rmtree(root);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statuses_and_skips), cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_profiles),          cmocka_unit_test(test_profile_errors),
        cmocka_unit_test(test_site_config),       cmocka_unit_test(test_users_from_root),
        cmocka_unit_test(test_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
