/* Root-safe access: nothing resolves outside the root, whichever resolver. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "migready.h"
#include "rootfs.h"
#include "testutil.h"

struct fixture {
    char *scratch; /* holds root/ and a secret beside it */
    char *rootdir;
    char *secret;
    struct mr_root *root;
};

static int setup(void **state)
{
    struct fixture *f = mr_xcalloc(1, sizeof(*f));
    f->scratch = mr_test_scratch();
    f->rootdir = mr_xasprintf("%s/root", f->scratch);
    f->secret = mr_xasprintf("%s/secret", f->scratch);
    mr_test_write(f->scratch, "/secret", "outside\n");
    mr_test_write(f->rootdir, "/etc/real", "inside\n");
    mr_test_write(f->rootdir, "/etc/secret", "root's own secret\n");
    mr_test_mkdir(f->rootdir, "/var/lib/nova", 0755);
    char *p;
    /* An absolute link to the host path of the secret. */
    p = mr_xasprintf("%s/etc/abs-escape", f->rootdir);
    assert_int_equal(symlink(f->secret, p), 0);
    free(p);
    /* A relative link that climbs above the root. */
    p = mr_xasprintf("%s/etc/dotdot-escape", f->rootdir);
    assert_int_equal(symlink("../../../../../../secret", p), 0);
    free(p);
    /* An absolute link meant for the root: /etc/real. */
    p = mr_xasprintf("%s/etc/abs-inside", f->rootdir);
    assert_int_equal(symlink("/etc/real", p), 0);
    free(p);
    /* A linked directory. */
    p = mr_xasprintf("%s/etc/nova-link", f->rootdir);
    assert_int_equal(symlink("../var/lib/nova", p), 0);
    free(p);
    p = mr_xasprintf("%s/etc/loop", f->rootdir);
    assert_int_equal(symlink("/etc/loop", p), 0);
    free(p);
    assert_int_equal(mr_root_open(f->rootdir, &f->root), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    mr_root_free(f->root);
    mr_test_rmtree(f->scratch);
    free(f->scratch);
    free(f->rootdir);
    free(f->secret);
    free(f);
    mr_root_force_walk(0);
    return 0;
}

static void read_expect(struct mr_root *root, const char *path, int err, const char *content)
{
    char *buf = NULL;
    int r = mr_root_read(root, path, 1 << 20, &buf, NULL);
    assert_int_equal(r, err);
    if (content)
        assert_string_equal(buf, content);
    else
        assert_null(buf);
    free(buf);
}

static void escapes(void **state, int walk)
{
    struct fixture *f = *state;
    mr_root_force_walk(walk);
    read_expect(f->root, "/etc/real", 0, "inside\n");
    /* The absolute link is followed inside the root, where the host path of
     * the secret does not exist. */
    read_expect(f->root, "/etc/abs-escape", -ENOENT, NULL);
    /* ".." stops at the root: the link lands on ROOT/secret, absent. */
    read_expect(f->root, "/etc/dotdot-escape", -ENOENT, NULL);
    read_expect(f->root, "/../../../secret", -ENOENT, NULL);
    read_expect(f->root, "/etc/../../etc/real", 0, "inside\n");
    read_expect(f->root, "/etc/abs-inside", 0, "inside\n");
    read_expect(f->root, "/etc/loop", -ELOOP, NULL);
    struct stat st;
    assert_int_equal(mr_root_stat(f->root, "/etc/nova-link", &st, false), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(mr_root_stat(f->root, "/etc/nova-link", &st, true), 0);
    assert_true(S_ISLNK(st.st_mode));
}

static void test_escape_kernel(void **state)
{
    escapes(state, 0);
}

static void test_escape_walk(void **state)
{
    escapes(state, 1);
}

static void test_dotdot_link_to_root_file(void **state)
{
    /* A link that climbs out and back in names the root's own file. */
    struct fixture *f = *state;
    char *p = mr_xasprintf("%s/etc/climb", f->rootdir);
    assert_int_equal(symlink("../../../../etc/secret", p), 0);
    free(p);
    for (int walk = 0; walk < 2; walk++) {
        mr_root_force_walk(walk);
        read_expect(f->root, "/etc/climb", 0, "root's own secret\n");
    }
}

static void test_relative_path_refused(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(mr_root_openat(f->root, "etc/real", O_RDONLY), -EINVAL);
    assert_int_equal(mr_root_openat(f->root, "/etc/new", O_RDONLY | O_CREAT), -EPERM);
}

static void test_size_limit(void **state)
{
    struct fixture *f = *state;
    char *buf = NULL;
    assert_int_equal(mr_root_read(f->root, "/etc/real", 3, &buf, NULL), -EFBIG);
    assert_null(buf);
    assert_int_equal(mr_root_read(f->root, "/etc", 100, &buf, NULL), -EISDIR);
}

static void test_list_sorted(void **state)
{
    struct fixture *f = *state;
    mr_test_write(f->rootdir, "/etc/nova/nova.conf.d/20-b.conf", "");
    mr_test_write(f->rootdir, "/etc/nova/nova.conf.d/10-a.conf", "");
    mr_test_write(f->rootdir, "/etc/nova/nova.conf.d/notes.txt", "");
    mr_test_write(f->rootdir, "/etc/nova/nova.conf.d/.hidden.conf", "");
    char **names = NULL;
    assert_int_equal(mr_root_list(f->root, "/etc/nova/nova.conf.d", ".conf", &names), 0);
    assert_int_equal(mr_strv_len(names), 2);
    assert_string_equal(names[0], "10-a.conf");
    assert_string_equal(names[1], "20-b.conf");
    mr_strv_free(names);
    assert_int_equal(mr_root_list(f->root, "/nonexistent", NULL, &names), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_escape_kernel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_walk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dotdot_link_to_root_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relative_path_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_size_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_sorted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
