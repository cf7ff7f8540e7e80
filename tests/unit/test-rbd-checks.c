/* rbd.config on fixture roots (tests/roots/rbd-*): what the user sees,
 * file and remedy included. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cephconf.h"
#include "checks.h"
#include "ctx.h"
#include "engine.h"
#include "migready.h"
#include "registry.h"
#include "testutil.h"

#define NOVA "/etc/nova/nova.conf"
#define CEPH "/etc/ceph/ceph.conf"
#define KEYRING "/etc/ceph/ceph.client.nova.keyring"

static const struct mr_result *run_root(struct mr_test_fixture **fp, const char *root)
{
    if (!*fp)
        *fp = mr_test_fixture_new(root);
    struct mr_test_fixture *f = *fp;
    const char *profiles[] = {"rbd", NULL};
    mr_result_clear(&f->res);
    mr_ctx_free(f->ctx);
    f->ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(f->dir, profiles, f->site, &f->ctx), 0);
    f->res.check = &mr_check_rbd_config;
    assert_int_equal(mr_check_rbd_config.run(f->ctx, &f->res), 0);
    return &f->res;
}

static int teardown(void **state)
{
    mr_test_fixture_free(*state);
    return 0;
}

static const struct mr_finding *expect(const struct mr_result *r, enum mr_status st,
                                       const char *needle, const char *file, int line)
{
    mr_test_assert_status(r, st);
    const struct mr_finding *fi = mr_test_finding(r, needle);
    assert_int_equal(fi->status, st);
    mr_test_assert_at(fi, file, line);
    if (st != MR_PASS)
        assert_non_null(fi->remedy);
    return fi;
}

static void test_good(void **state)
{
    struct mr_test_fixture **fp = (struct mr_test_fixture **)state;
    const struct mr_result *r = run_root(fp, "rbd-good");
    expect(r, MR_PASS, "the keyring " KEYRING " of client.nova is readable by nova", KEYRING, 0);
    mr_test_finding(r, "instance disks on Ceph RBD");
}

static void test_no_secret(void **state)
{
    struct mr_test_fixture **fp = (struct mr_test_fixture **)state;
    const struct mr_finding *fi = expect(run_root(fp, "rbd-no-secret"), MR_FAIL,
                                         "[libvirt] rbd_secret_uuid is not set", NOVA, 0);
    assert_non_null(strstr(fi->remedy, "set [libvirt] rbd_secret_uuid in " NOVA));
    assert_int_equal((*fp)->res.n_findings, 2); /* the keyring's pass and this */
}

static void test_bad_secret(void **state)
{
    struct mr_test_fixture **fp = (struct mr_test_fixture **)state;
    *fp = mr_test_fixture_new("rbd-good");
    mr_test_write((*fp)->dir, NOVA,
                  "[libvirt]\nimages_type = rbd\nrbd_user = nova\n"
                  "rbd_secret_uuid = 457eb676-33da-42ec-9a8c-9293d545c3\n");
    expect(run_root(fp, NULL), MR_FAIL, "\"457eb676-33da-42ec-9a8c-9293d545c3\" (" NOVA ":4) is "
           "not a UUID", NOVA, 4);
}

/* Cited in checks/rbd.c: LibvirtDriver.init_host() in
 * nova/virt/libvirt/driver.py raises InvalidConfiguration for images_type =
 * rbd with force_raw_images = False, so nova-compute does not start. */
static void test_no_raw_images(void **state)
{
    struct mr_test_fixture **fp = (struct mr_test_fixture **)state;
    const struct mr_finding *fi =
        expect(run_root(fp, "rbd-no-raw-images"), MR_FAIL,
               "[DEFAULT] force_raw_images is False (" NOVA ":2): nova-compute refuses to start",
               NOVA, 2);
    assert_string_equal(fi->remedy,
                        "set [DEFAULT] force_raw_images = True in " NOVA " on every compute host");
}

static void test_not_rbd(void **state)
{
    struct mr_test_fixture **fp = (struct mr_test_fixture **)state;
    *fp = mr_test_fixture_new("rbd-good");
    mr_test_write((*fp)->dir, NOVA, "[libvirt]\nrbd_user = nova\n");
    const struct mr_finding *fi = expect(run_root(fp, NULL), MR_FAIL,
                                         "images_type is default (Nova's default), not rbd",
                                         NOVA, 0);
    assert_string_equal(fi->remedy,
                        "set [libvirt] images_type = rbd in " NOVA " on every compute host");
}

static void test_ceph_conf(void **state)
{
    struct mr_test_fixture **fp = (struct mr_test_fixture **)state;
    *fp = mr_test_fixture_new("rbd-good");
    mr_test_write((*fp)->dir, CEPH, "[global]\nmon_host = 192.0.2.20\n");
    expect(run_root(fp, NULL), MR_FAIL, "names no fsid in [global]", CEPH, 0);
    mr_test_write((*fp)->dir, CEPH, "[global]\nfsid = x\n[client]\nmon host = 192.0.2.20\n");
    expect(run_root(fp, NULL), MR_FAIL, "names no mon_host in [global]", CEPH, 0);
    mr_test_write((*fp)->dir, CEPH, "[global]\nfsid = x\nmon host = a\nnot a setting\n");
    expect(run_root(fp, NULL), MR_FAIL, "cannot be parsed: line 4", CEPH, 4);
    char *p = mr_xasprintf("%s%s", (*fp)->dir, CEPH);
    assert_int_equal(unlink(p), 0);
    free(p);
    expect(run_root(fp, NULL), MR_FAIL, "the Ceph configuration " CEPH " (images_rbd_ceph_conf, "
           NOVA ":8) does not exist", CEPH, 0);
}

static void test_keyring(void **state)
{
    struct mr_test_fixture **fp = (struct mr_test_fixture **)state;
    *fp = mr_test_fixture_new("rbd-good");
    /* ceph.conf may put it elsewhere, with $cluster and $name. */
    mr_test_write((*fp)->dir, CEPH, "[global]\nfsid = x\nmon_host = a\n[client.nova]\n"
                  "keyring = /etc/ceph/keys/$cluster.$name.keyring\n");
    expect(run_root(fp, NULL), MR_FAIL, "the keyring /etc/ceph/keys/ceph.client.nova.keyring of "
           "client.nova does not exist", "/etc/ceph/keys/ceph.client.nova.keyring", 0);
    char *p = mr_xasprintf("%s%s", (*fp)->dir, KEYRING);
    mr_test_write((*fp)->dir, CEPH, "[global]\nfsid = x\nmon_host = a\n");
    assert_int_equal(chmod(p, 0600), 0);
    if (getuid() != 162) {
        /* Owned by whoever runs the test, not nova (uid 162 in the root). */
        const struct mr_finding *fi =
            expect(run_root(fp, NULL), MR_FAIL, "(mode 0600) cannot be read by nova", KEYRING, 0);
        assert_string_equal(fi->remedy, "chgrp nova " KEYRING "; chmod 0640 " KEYRING);
    }
    free(p);
}

static void test_no_user(void **state)
{
    struct mr_test_fixture **fp = (struct mr_test_fixture **)state;
    *fp = mr_test_fixture_new("rbd-good");
    mr_test_write((*fp)->dir, NOVA, "[libvirt]\nimages_type = rbd\n"
                  "rbd_secret_uuid = 457eb676-33da-42ec-9a8c-9293d545c337\n");
    expect(run_root(fp, NULL), MR_FAIL, "rbd_user is not set", NOVA, 0);
}

/* The rbd profile runs rbd.config and leaves out the NFS checks; without
 * it, rbd.config is skipped. */
static void test_profile(void **state)
{
    struct mr_test_fixture **fp = (struct mr_test_fixture **)state;
    *fp = mr_test_fixture_new("rbd-good");
    const char *rbd[] = {"rbd", NULL}, *nfs[] = {"shared-nfs", NULL};
    char *only[] = {"rbd.config", "nfs.fstab", NULL};
    struct mr_select sel = {.only = only};
    for (int i = 0; i < 2; i++) {
        struct mr_ctx *ctx = NULL;
        assert_int_equal(mr_ctx_new_for_test((*fp)->dir, i ? nfs : rbd, NULL, &ctx), 0);
        assert_string_equal(mr_ctx_value(ctx, "storage"), i ? "shared" : "rbd");
        struct mr_run *r = mr_run_checks(ctx, &sel, false);
        assert_int_equal(r->n, 2);
        for (size_t k = 0; k < r->n; k++) {
            bool is_rbd = strcmp(r->results[k].check->id, "rbd.config") == 0;
            if (i == 0)
                assert_int_equal(r->results[k].status, is_rbd ? MR_PASS : MR_SKIP);
            else if (is_rbd)
                assert_int_equal(r->results[k].status, MR_SKIP);
            else
                assert_int_not_equal(r->results[k].status, MR_SKIP);
        }
        mr_run_free(r);
        mr_ctx_free(ctx);
    }
}

/* mon_host as librados reads it: address vectors, v1/v2 prefixes, plain
 * addresses with or without a port, IPv6 in brackets, names. */
static void test_mon_host(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *want; /* "host:port ..." */
    } cases[] = {
        {"[v2:192.0.2.20:3300,v1:192.0.2.20:6789]", "192.0.2.20:3300 192.0.2.20:6789"},
        {"192.0.2.1, 192.0.2.2:6789;mon3", "192.0.2.1:0 192.0.2.2:6789 mon3:0"},
        {"[v2:10.0.0.1:3300/0,v1:10.0.0.1:6789/0] [v2:10.0.0.2:3300,v1:10.0.0.2:6789]",
         "10.0.0.1:3300 10.0.0.1:6789 10.0.0.2:3300 10.0.0.2:6789"},
        {"[2001:db8::1]:6789 v2:192.0.2.9:3300", "2001:db8::1:6789 192.0.2.9:3300"},
        {"", ""},
    };
    for (size_t i = 0; i < MR_ARRAY_SIZE(cases); i++) {
        struct mr_ceph_mon *m = NULL;
        size_t n = 0;
        assert_int_equal(mr_ceph_mon_parse(cases[i].in, &m, &n), 0);
        char got[256] = "";
        for (size_t k = 0; k < n; k++) {
            size_t l = strlen(got);
            snprintf(got + l, sizeof(got) - l, "%s%s:%d", k ? " " : "", m[k].host, m[k].port);
        }
        assert_string_equal(got, cases[i].want);
        mr_ceph_mons_free(m, n);
    }
    struct mr_ceph_mon *m = NULL;
    size_t n = 0;
    assert_int_equal(mr_ceph_mon_parse("192.0.2.1:99999", &m, &n), -EINVAL);
    assert_int_equal(mr_ceph_mon_parse("[v2:]", &m, &n), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_good, teardown),
        cmocka_unit_test_teardown(test_no_secret, teardown),
        cmocka_unit_test_teardown(test_bad_secret, teardown),
        cmocka_unit_test_teardown(test_no_raw_images, teardown),
        cmocka_unit_test_teardown(test_not_rbd, teardown),
        cmocka_unit_test_teardown(test_ceph_conf, teardown),
        cmocka_unit_test_teardown(test_keyring, teardown),
        cmocka_unit_test_teardown(test_no_user, teardown),
        cmocka_unit_test_teardown(test_profile, teardown),
        cmocka_unit_test(test_mon_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
