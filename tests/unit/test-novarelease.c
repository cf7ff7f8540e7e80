/* The Nova release of a root: package metadata where each distribution and
 * deployment tool installs it, the site key nova_release, and the
 * mapping of versions to releases (Nova's N.0.0 tags and
 * releasenotes/source/<release>.rst, e.g. 2026.1.rst: "earliest-version:
 * 33.0.0"). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "migready.h"
#include "novarelease.h"
#include "rootfs.h"
#include "testutil.h"

struct fixture {
    char *dir;
    struct mr_root *root;
    struct mr_nova_release *rel;
};

static int setup(void **state)
{
    struct fixture *f = mr_xcalloc(1, sizeof(*f));
    f->dir = mr_test_scratch();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    mr_nova_release_free(f->rel);
    mr_root_free(f->root);
    mr_test_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static const struct mr_nova_release *find(struct fixture *f, const char *override)
{
    mr_nova_release_free(f->rel);
    f->rel = NULL;
    mr_root_free(f->root);
    assert_int_equal(mr_root_open(f->dir, &f->root), 0);
    assert_int_equal(mr_nova_release_find(f->root, override, "/etc/migready/migready.conf",
                                          &f->rel, NULL),
                     0);
    return f->rel;
}

static const char pkg_info[] = "Metadata-Version: 1.2\n"
                               "Name: nova\n"
                               "Version: 24.2.0\n"
                               "Summary: Cloud computing fabric controller\n"
                               "\n"
                               "Version: 99.0.0 (the long description, not the header)\n";

static void test_unknown_applies_newest(void **state)
{
    struct fixture *f = *state;
    const struct mr_nova_release *r = find(f, NULL);
    assert_false(r->known);
    assert_null(r->version);
    assert_null(r->source);
    assert_int_equal(r->major, MR_NOVA_NEWEST_MAJOR);
    assert_true(mr_nova_release_at_least(r, 25));
    char *d = mr_nova_release_describe(r);
    assert_string_equal(d, "Nova (release unknown: the rules of 2026.1 (Gazpacho) apply)");
    free(d);
}

static void test_debian_egg_info(void **state)
{
    struct fixture *f = *state;
    /* Debian's python3-nova: an egg-info folder in dist-packages. */
    mr_test_write(f->dir, "/usr/lib/python3/dist-packages/nova-24.2.0.egg-info/PKG-INFO",
                  pkg_info);
    /* Nothing else that starts with "nova" counts. */
    mr_test_write(f->dir, "/usr/lib/python3/dist-packages/novaclient-99.egg-info/PKG-INFO",
                  "Version: 99.0.0\n");
    const struct mr_nova_release *r = find(f, NULL);
    assert_true(r->known);
    assert_string_equal(r->version, "24.2.0");
    assert_string_equal(r->release, "2021.2");
    assert_string_equal(r->name, "Xena");
    assert_string_equal(r->source, "/usr/lib/python3/dist-packages/nova-24.2.0.egg-info/PKG-INFO");
    assert_false(mr_nova_release_at_least(r, 25));
    char *d = mr_nova_release_describe(r);
    assert_string_equal(d, "Nova 2021.2 (Xena, 24.2.0)");
    free(d);
}

static void test_wheel_rhel_and_venvs(void **state)
{
    struct fixture *f = *state;
    /* A wheel's METADATA (pip, Ubuntu's newer packages). */
    mr_test_write(f->dir, "/usr/lib/python3/dist-packages/nova-29.0.0.dist-info/METADATA",
                  "Metadata-Version: 2.1\nName: nova\nVersion: 29.0.0\n");
    const struct mr_nova_release *r = find(f, NULL);
    assert_string_equal(r->release, "2024.1");
    assert_string_equal(r->source, "/usr/lib/python3/dist-packages/nova-29.0.0.dist-info/METADATA");
    mr_test_rmtree(f->dir);
    free(f->dir);
    f->dir = mr_test_scratch();

    /* RDO: site-packages of the platform's Python, an egg-info file. */
    mr_test_write(f->dir, "/usr/lib/python3.9/site-packages/nova-31.1.0-py3.9.egg-info",
                  "Metadata-Version: 2.1\nName: nova\nVersion: 31.1.0\n");
    r = find(f, NULL);
    assert_string_equal(r->version, "31.1.0");
    assert_string_equal(r->release, "2025.1");
    assert_string_equal(r->source, "/usr/lib/python3.9/site-packages/nova-31.1.0-py3.9.egg-info");

    /* OpenStack-Ansible keeps the venv of each upgrade: the newest wins,
     * compared by number, not by text. */
    mr_test_write(f->dir,
                  "/openstack/venvs/nova-32.9.0/lib/python3.12/site-packages/"
                  "nova-32.9.0.dist-info/METADATA",
                  "Name: nova\nVersion: 32.9.0\n");
    mr_test_write(f->dir,
                  "/openstack/venvs/nova-32.10.1/lib/python3.12/site-packages/"
                  "nova-32.10.1.dist-info/METADATA",
                  "Name: nova\nVersion: 32.10.1\n");
    r = find(f, NULL);
    assert_string_equal(r->version, "32.10.1");
    assert_string_equal(r->release, "2025.2");
    assert_string_equal(r->source, "/openstack/venvs/nova-32.10.1/lib/python3.12/site-packages/"
                                   "nova-32.10.1.dist-info/METADATA");
}

static void test_site_key(void **state)
{
    struct fixture *f = *state;
    mr_test_write(f->dir, "/usr/lib/python3/dist-packages/nova-24.2.0.egg-info/PKG-INFO",
                  pkg_info);
    /* The key wins over the metadata (kolla: Nova is in a container). */
    const struct mr_nova_release *r = find(f, "29.0.0");
    assert_string_equal(r->version, "29.0.0");
    assert_string_equal(r->release, "2024.1");
    assert_string_equal(r->source, "/etc/migready/migready.conf");
    /* A release, by number or by name: the version stays unknown. */
    r = find(f, "2024.1");
    assert_null(r->version);
    assert_int_equal(r->major, 29);
    assert_string_equal(r->name, "Caracal");
    r = find(f, "yoga");
    assert_int_equal(r->major, 25);
    assert_string_equal(r->release, "2022.1");
    /* Newer than migready knows: the newest rules, the version as given. */
    r = find(f, "34.0.0");
    assert_true(r->known);
    assert_null(r->release);
    assert_true(mr_nova_release_at_least(r, MR_NOVA_NEWEST_MAJOR));

    char *msg = NULL;
    struct mr_nova_release *bad = NULL;
    assert_int_equal(mr_nova_release_find(f->root, "2031.2", "/etc/m.conf", &bad, &msg), -EINVAL);
    assert_null(bad);
    assert_string_equal(msg, "nova_release = 2031.2 in /etc/m.conf is neither a Nova version "
                             "(such as 29.0.0) nor a release (such as 2024.1)");
    free(msg);
    msg = NULL;
    assert_int_equal(mr_nova_release_find(f->root, "caracal-ish", "/etc/m.conf", &bad, &msg),
                     -EINVAL);
    free(msg);
}

static void test_mapping(void **state)
{
    (void)state;
    /* Nova's tags: 24.0.0 2021-09 (Xena) ... 29.0.0 2024-03 ... 33.0.0 2026-03. */
    static const struct {
        int major;
        const char *release, *name;
    } want[] = {{24, "2021.2", "Xena"},    {25, "2022.1", "Yoga"},      {26, "2022.2", "Zed"},
                {27, "2023.1", "Antelope"}, {28, "2023.2", "Bobcat"},   {29, "2024.1", "Caracal"},
                {30, "2024.2", "Dalmatian"}, {31, "2025.1", "Epoxy"},   {32, "2025.2", "Flamingo"},
                {33, "2026.1", "Gazpacho"}};
    for (size_t i = 0; i < MR_ARRAY_SIZE(want); i++) {
        const char *name = NULL;
        assert_string_equal(mr_nova_release_of(want[i].major, &name), want[i].release);
        assert_string_equal(name, want[i].name);
    }
    char *d = mr_nova_major_describe(25);
    assert_string_equal(d, "25.0.0 (2022.1, Yoga)");
    free(d);
    d = mr_nova_major_describe(14);
    assert_string_equal(d, "14.0.0");
    free(d);
    assert_null(mr_nova_release_of(34, NULL));
    assert_null(mr_nova_release_of(3, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unknown_applies_newest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_debian_egg_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wheel_rhel_and_venvs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_site_key, setup, teardown),
        cmocka_unit_test(test_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
