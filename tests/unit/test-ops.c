/* The real live sources behind the ops table. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "migready.h"
#include "ops-live.h"
#include "ops.h"

static void test_run(void **state)
{
    char *out = NULL;
    const char *echo[] = {"echo", "hello world", NULL};
    assert_int_equal(mr_ops_live.run(echo, 5000, &out), 0);
    assert_string_equal(out, "hello world\n");
    free(out);
    const char *f[] = {"sh", "-c", "echo partial; echo noise >&2; exit 3", NULL};
    assert_int_equal(mr_ops_live.run(f, 5000, &out), 3);
    assert_string_equal(out, "partial\n");
    free(out);
    const char *missing[] = {"migready-no-such-program", NULL};
    out = NULL;
    assert_int_equal(mr_ops_live.run(missing, 5000, &out), -ENOENT);
    assert_null(out);
    const char *slow[] = {"sleep", "10", NULL};
    assert_int_equal(mr_ops_live.run(slow, 200, &out), -ETIMEDOUT);
    assert_null(out);
}

static void test_resolve(void **state)
{
    char **addrs = NULL;
    assert_int_equal(mr_ops_live.resolve("localhost", &addrs), 0);
    assert_true(mr_strv_contains(addrs, "127.0.0.1") || mr_strv_contains(addrs, "::1"));
    mr_strv_free(addrs);
    /* No lookup of a name that /etc/hosts lacks: it would query a name
     * server outside the test network. The lab covers failures. */
}

static void test_local(void **state)
{
    char **addrs = NULL;
    assert_int_equal(mr_ops_live.local_addresses(&addrs), 0);
    assert_true(mr_strv_contains(addrs, "127.0.0.1"));
    mr_strv_free(addrs);
    char *m = NULL;
    assert_int_equal(mr_ops_live.mounts(&m), 0);
    assert_non_null(strstr(m, " / "));
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_local),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
