/* The nova.* checks on fixture roots, as an operator would read them. */
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

#include "checks.h"
#include "ctx.h"
#include "facts.h"
#include "migready.h"
#include "ops.h"
#include "testutil.h"

static int setup(void **state)
{
    *state = mr_test_fixture_new("nova-good");
    return 0;
}

static int teardown(void **state)
{
    mr_test_fixture_free(*state);
    return 0;
}

static const struct mr_result *run_with(struct mr_test_fixture *f, const struct mr_check *check,
                                        const char *const *profiles)
{
    mr_result_clear(&f->res);
    mr_ctx_free(f->ctx);
    f->ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(f->dir, profiles, f->site, &f->ctx), 0);
    f->res = (struct mr_result){.check = check};
    assert_int_equal(check->run(f->ctx, &f->res), 0);
    assert_true(f->res.n_findings > 0);
    return &f->res;
}

static const struct mr_result *run(struct mr_test_fixture *f, const struct mr_check *check)
{
    return run_with(f, check, NULL);
}

static void conf(struct mr_test_fixture *f, const char *content)
{
    mr_test_write(f->dir, "/etc/nova/nova.conf", content);
}

static void assert_primary(const struct mr_result *r, const char *needle)
{
    const struct mr_finding *p = mr_result_primary(r);
    if (!strstr(p->message, needle))
        fail_msg("primary message '%s' lacks '%s'", p->message, needle);
}

/* Every non-pass finding says what to do. */
static void assert_remedies(const struct mr_result *r)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (r->findings[i].status == MR_WARN || r->findings[i].status == MR_FAIL)
            assert_non_null(r->findings[i].remedy);
}

/* Secrets of the fixture never appear in any finding. */
static void assert_no_secrets(const struct mr_result *r)
{
    for (size_t i = 0; i < r->n_findings; i++) {
        assert_null(strstr(r->findings[i].message, "s3cr3t"));
        assert_true(!r->findings[i].remedy || !strstr(r->findings[i].remedy, "s3cr3t"));
    }
}

/* Gives the instances directory to nova, as a packaged host has it. */
static bool own_instances(struct mr_test_fixture *f, uid_t uid, gid_t gid, mode_t mode)
{
    char *p = mr_xasprintf("%s/var/lib/nova/instances", f->dir);
    bool ok = chown(p, uid, gid) == 0 && chmod(p, mode) == 0;
    free(p);
    return ok;
}

#define NEED_ROOT()                                                                                \
    do {                                                                                           \
        if (!mr_test_is_root()) {                                                                  \
            print_message("needs root to chown the fixture; skipped\n");                          \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* ---- nova.vnc-listen ---- */

static void test_vnc_catch_all(void **state)
{
    struct mr_test_fixture *f = *state;
    const struct mr_result *r = run(f, &mr_check_nova_vnc_listen);
    mr_test_assert_status(r, MR_PASS);
    mr_test_assert_at(mr_test_finding(r, "server_listen = 0.0.0.0"), "/etc/nova/nova.conf", 13);
    assert_no_secrets(r);

    conf(f, "[vnc]\nserver_listen = ::\n");
    mr_test_assert_status(run(f, &mr_check_nova_vnc_listen), MR_PASS);
}

static void test_vnc_default_loopback(void **state)
{
    struct mr_test_fixture *f = *state;
    conf(f, "[DEFAULT]\nmy_ip = 192.0.2.11\n");
    const struct mr_result *r = run(f, &mr_check_nova_vnc_listen);
    mr_test_assert_status(r, MR_WARN);
    assert_primary(r, "server_listen is Nova's default 127.0.0.1");
    const struct mr_finding *p = mr_result_primary(r);
    assert_null(p->file);
    assert_string_equal(p->remedy, "set server_listen = 0.0.0.0 in [vnc] of /etc/nova/nova.conf");
}

/* An address of this host: current Nova hands every destination's own
 * server_listen to the migrating instance (nova/virt/libvirt/driver.py,
 * check_can_live_migrate_destination sets graphics_listen_addr_vnc/_spice;
 * nova/virt/libvirt/migration.py, _update_graphics_xml rewrites the
 * <graphics> listen addresses), so it passes. Offline, my_ip is the one
 * address known to be this host's. A host name fails: the migrate data
 * field is an IPAddressField (nova/objects/migrate_data.py,
 * LibvirtLiveMigrateData) although nova/conf/vnc.py's option is a
 * HostAddressOpt. */
static void test_vnc_specific_address(void **state)
{
    struct mr_test_fixture *f = *state;
    conf(f, "[DEFAULT]\nmy_ip = 192.0.2.11\n[vnc]\nenabled = True\n\nserver_listen = 192.0.2.11\n");
    const struct mr_result *r = run(f, &mr_check_nova_vnc_listen);
    mr_test_assert_status(r, MR_PASS);
    assert_primary(r, "[vnc] server_listen = 192.0.2.11 is an address of this host");
    mr_test_assert_at(mr_result_primary(r), "/etc/nova/nova.conf", 6);

    /* Offline, another address may or may not be this host's. */
    conf(f, "[DEFAULT]\nmy_ip = 192.0.2.11\n[vnc]\nserver_listen = 192.0.2.12\n");
    r = run(f, &mr_check_nova_vnc_listen);
    mr_test_assert_status(r, MR_WARN);
    assert_primary(r, "cannot tell offline whether it is an address of this host (it is not "
                      "my_ip)");
    assert_remedies(r);
    assert_false(mr_result_has(r, NULL));

    conf(f, "[DEFAULT]\nmy_ip = 192.0.2.11\n[vnc]\nserver_listen = compute-1.example.org\n");
    r = run(f, &mr_check_nova_vnc_listen);
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "[vnc] server_listen = compute-1.example.org is a host name");
    assert_primary(r, "graphics_listen_addr_vnc");
    const struct mr_finding *p = mr_result_primary(r);
    mr_test_assert_at(p, "/etc/nova/nova.conf", 4);
    assert_string_equal(p->remedy, "set server_listen = 0.0.0.0 (or this host's address, such "
                                   "as my_ip 192.0.2.11) in [vnc] of /etc/nova/nova.conf");
    /* The fixer's data: the catch-all address. */
    assert_true(mr_finding_is(p, "listen-specific"));
}

static int stub_addresses(char ***ret)
{
    char **v = mr_xcalloc(1, sizeof(char *));
    mr_strv_push(&v, "127.0.0.1");
    mr_strv_push(&v, "192.0.2.11");
    mr_strv_push(&v, "fe80::1%eth0");
    *ret = v;
    return 0;
}

static const struct mr_result *run_live(struct mr_test_fixture *f)
{
    static const struct mr_ops ops = {.local_addresses = stub_addresses};
    mr_result_clear(&f->res);
    mr_ctx_free(f->ctx);
    assert_int_equal(mr_ctx_new_for_test(f->dir, NULL, NULL, &f->ctx), 0);
    /* As on the live host, whose interfaces carry the addresses. */
    f->ctx->live = true;
    f->ctx->ops = &ops;
    f->res = (struct mr_result){.check = &mr_check_nova_vnc_listen};
    assert_int_equal(mr_check_nova_vnc_listen.run(f->ctx, &f->res), 0);
    return &f->res;
}

static void test_vnc_address_of_this_host(void **state)
{
    struct mr_test_fixture *f = *state;
    conf(f, "[vnc]\nserver_listen = 192.0.2.11\n");
    const struct mr_result *r = run_live(f);
    mr_test_assert_status(r, MR_PASS);
    assert_primary(r, "server_listen = 192.0.2.11 is an address of this host");

    /* Live, the interfaces decide, even against my_ip: QEMU cannot bind an
     * address the host does not have. */
    conf(f, "[DEFAULT]\nmy_ip = 198.51.100.7\n[vnc]\nserver_listen = 198.51.100.7\n");
    r = run_live(f);
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "server_listen = 198.51.100.7 is not an address of this host; QEMU cannot "
                      "listen on it");
    assert_remedies(r);
    assert_true(mr_result_has(r, "listen-specific"));
}

/* [DEFAULT] vncserver_listen and vncserver_proxyclient_address: deprecated
 * names until Nova 24 (Xena), removed in 25.0.0 by "Remove deprecated
 * opts from VNC conf" (nova/conf/vnc.py, server_listen and
 * server_proxyclient_address lose their deprecated_opts). */
static void test_vnc_legacy_name(void **state)
{
    struct mr_test_fixture *f = *state;
    conf(f, "[DEFAULT]\nvncserver_listen = 0.0.0.0\n");
    /* No release known: the newest rules, so the name is ignored. */
    const struct mr_result *r = run(f, &mr_check_nova_vnc_listen);
    mr_test_assert_status(r, MR_WARN);
    const struct mr_finding *n = mr_test_finding(
        r, "[DEFAULT] vncserver_listen = 0.0.0.0 is ignored: removed in 25.0.0 (Yoga), and "
           "migready applies the newest rules: Nova (release unknown: the rules of 2026.1 "
           "(Gazpacho) apply); Nova uses [vnc] server_listen's default 127.0.0.1");
    assert_int_equal(n->status, MR_WARN);
    mr_test_assert_at(n, "/etc/nova/nova.conf", 2);
    assert_string_equal(n->remedy, "rename [DEFAULT] vncserver_listen to server_listen in [vnc] "
                                   "of /etc/nova/nova.conf, where Nova reads it");
    mr_test_finding(r, "server_listen is Nova's default 127.0.0.1");

    /* Xena's metadata: the name is honoured, with a note. */
    mr_test_write(f->dir, "/usr/lib/python3/dist-packages/nova-24.2.0.egg-info/PKG-INFO",
                  "Metadata-Version: 1.2\nName: nova\nVersion: 24.2.0\n");
    r = run(f, &mr_check_nova_vnc_listen);
    mr_test_assert_status(r, MR_PASS);
    n = mr_test_finding(r, "[DEFAULT] vncserver_listen is deprecated; use [vnc] server_listen");
    mr_test_assert_at(n, "/etc/nova/nova.conf", 2);
    /* ... saying until which release the old name holds, and which runs here. */
    assert_non_null(strstr(n->message, "Nova reads the old name until 25.0.0 (2022.1, Yoga), "
                                       "which removed it, and this host runs Nova 2021.2 (Xena, "
                                       "24.2.0)"));
    assert_non_null(n->remedy);
    mr_test_finding(r, "server_listen = 0.0.0.0: the VNC server");

    /* The site key says Yoga: removed again, and the proxy's name too. */
    mr_test_fixture_site(f, "[site]\nnova_release = 2022.1\n");
    conf(f, "[DEFAULT]\nvncserver_listen = 0.0.0.0\nvncserver_proxyclient_address = 192.0.2.11\n"
            "[vnc]\nserver_listen = 0.0.0.0\n");
    r = run(f, &mr_check_nova_vnc_listen);
    mr_test_assert_status(r, MR_WARN);
    mr_test_finding(r, "[DEFAULT] vncserver_proxyclient_address = 192.0.2.11 is ignored: removed "
                       "in 25.0.0 (Yoga), and this host runs Nova 2022.1 (Yoga); Nova uses "
                       "[vnc] server_proxyclient_address's default 127.0.0.1");
    /* [vnc] server_listen, set after the legacy name, decides in any release. */
    mr_test_finding(r, "[vnc] server_listen = 0.0.0.0: the VNC server");

    /* An older release, a legacy name set to a host name: a fail whose fix
     * comments the legacy name out. */
    mr_test_fixture_site(f, "[site]\nnova_release = 24.2.0\n");
    conf(f, "[DEFAULT]\nvncserver_listen = compute-1\n");
    r = run(f, &mr_check_nova_vnc_listen);
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "server_listen = compute-1 is a host name");
    assert_string_equal(mr_result_primary(r)->alias_key, "vncserver_listen");

    mr_test_fixture_site(f, "[site]\nnova_release = banana\n");
    r = run(f, &mr_check_nova_vnc_listen);
    mr_test_assert_status(r, MR_ERROR);
    assert_primary(r, "nova_release = banana");
}

static void test_vnc_disabled_and_spice(void **state)
{
    struct mr_test_fixture *f = *state;
    conf(f, "[vnc]\nenabled = false\nserver_listen = 192.0.2.11\n");
    const struct mr_result *r = run(f, &mr_check_nova_vnc_listen);
    mr_test_assert_status(r, MR_PASS);
    assert_primary(r, "VNC consoles are disabled");

    conf(f, "[vnc]\nenabled = false\n[spice]\nenabled = true\nserver_listen = spice-1\n");
    r = run(f, &mr_check_nova_vnc_listen);
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "[spice] server_listen = spice-1 is a host name");
    assert_primary(r, "graphics_listen_addr_spice");
    assert_string_equal(mr_result_primary(r)->remedy,
                        "set server_listen = 0.0.0.0 (or an address of this host) in [spice] "
                        "of /etc/nova/nova.conf");

    conf(f, "[vnc]\nenabled = maybe\n");
    r = run(f, &mr_check_nova_vnc_listen);
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "is not a boolean");
}

/* [serial_console] port_range: nova/conf/serial_console.py (a StrOpt with
 * regex ^\\d+:\\d+$), nova/console/serial.py (_get_port_range falls back
 * to 10000:20000 when START >= STOP; acquire_port binds ports START to
 * STOP - 1 on the address the destination names, proxyclient_address, for
 * nova/virt/libvirt/driver.py pre_live_migration). Every release migready
 * knows. Whether the ports are free needs a bind on the live host: out of
 * scope, and the pass says so. */
static void test_serial_console_ports(void **state)
{
    struct mr_test_fixture *f = *state;
    conf(f, "[vnc]\nserver_listen = 0.0.0.0\n[serial_console]\nenabled = True\n"
            "proxyclient_address = 192.0.2.11\nport_range = 10000:10100\n");
    const struct mr_result *r = run(f, &mr_check_nova_vnc_listen);
    mr_test_assert_status(r, MR_PASS);
    mr_test_assert_at(mr_test_finding(r, "the serial console is enabled: 100 ports 10000 to "
                                         "10099 on proxyclient_address 192.0.2.11"),
                      "/etc/nova/nova.conf", 6);
    mr_test_finding(r, "migready does not bind them");

    conf(f, "[vnc]\nserver_listen = 0.0.0.0\n[serial_console]\nenabled = True\n"
            "port_range = 20000:10000\n");
    r = run(f, &mr_check_nova_vnc_listen);
    mr_test_assert_status(r, MR_WARN);
    assert_primary(r, "port_range = 20000:10000 is empty (START must be below STOP): Nova uses "
                      "10000:20000 instead");
    assert_remedies(r);

    conf(f, "[vnc]\nserver_listen = 0.0.0.0\n[serial_console]\nenabled = True\n"
            "port_range = 10000-20000\n");
    r = run(f, &mr_check_nova_vnc_listen);
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "port_range = 10000-20000 is not START:STOP");
    mr_test_assert_at(mr_result_primary(r), "/etc/nova/nova.conf", 5);

    conf(f, "[vnc]\nserver_listen = 0.0.0.0\n[serial_console]\nenabled = True\n"
            "port_range = 65000:70000\n");
    mr_test_assert_status(run(f, &mr_check_nova_vnc_listen), MR_FAIL);

    /* Disabled (Nova's default): the range is not used. */
    conf(f, "[vnc]\nserver_listen = 0.0.0.0\n[serial_console]\nport_range = x\n");
    mr_test_assert_status(run(f, &mr_check_nova_vnc_listen), MR_PASS);
}

static void test_broken_conf_is_error(void **state)
{
    struct mr_test_fixture *f = *state;
    conf(f, "[vnc]\nserver_listen = 0.0.0.0\nnot an assignment\n");
    const struct mr_check *const all[] = {
        &mr_check_nova_vnc_listen, &mr_check_nova_instances_path,
        &mr_check_nova_migration_tuning, &mr_check_nova_cpu_mode,
    };
    for (size_t i = 0; i < MR_ARRAY_SIZE(all); i++) {
        const struct mr_result *r = run(f, all[i]);
        mr_test_assert_status(r, MR_ERROR);
        assert_primary(r, "/etc/nova/nova.conf:3:");
    }
}

/* ---- nova.instances-path ---- */

static void test_instances_path_good(void **state)
{
    struct mr_test_fixture *f = *state;
    NEED_ROOT();
    assert_true(own_instances(f, 162, 162, 0755));
    const struct mr_result *r = run(f, &mr_check_nova_instances_path);
    mr_test_assert_status(r, MR_PASS);
    const struct mr_finding *fi =
        mr_test_finding(r, "instances_path = $state_path/instances = /var/lib/nova/instances");
    mr_test_assert_at(fi, "/etc/nova/nova.conf", 6);
    mr_test_finding(r, "libvirt-qemu, the user QEMU runs as, can reach /var/lib/nova/instances");
}

static void test_instances_path_default(void **state)
{
    struct mr_test_fixture *f = *state;
    NEED_ROOT();
    conf(f, "[DEFAULT]\n");
    assert_true(own_instances(f, 162, 162, 0755));
    const struct mr_result *r = run(f, &mr_check_nova_instances_path);
    mr_test_assert_status(r, MR_PASS);
    mr_test_finding(
        r, "instances_path is Nova's default $state_path/instances = /var/lib/nova/instances");
}

static void test_instances_path_missing(void **state)
{
    struct mr_test_fixture *f = *state;
    conf(f, "[DEFAULT]\ninstances_path = /srv/instances\n");
    const struct mr_result *r = run(f, &mr_check_nova_instances_path);
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "instances_path = /srv/instances does not exist");
    const struct mr_finding *p = mr_result_primary(r);
    mr_test_assert_at(p, "/etc/nova/nova.conf", 2);
    assert_string_equal(p->remedy, "mkdir -p /srv/instances && chown nova:nova /srv/instances");
}

static void test_instances_path_not_dir(void **state)
{
    struct mr_test_fixture *f = *state;
    mr_test_write(f->dir, "/srv/instances", "a file\n");
    conf(f, "[DEFAULT]\ninstances_path = /srv/instances\n");
    const struct mr_result *r = run(f, &mr_check_nova_instances_path);
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "is not a directory");
}

static void test_instances_path_wrong_owner(void **state)
{
    struct mr_test_fixture *f = *state;
    NEED_ROOT();
    assert_true(own_instances(f, 0, 0, 0755));
    const struct mr_result *r = run(f, &mr_check_nova_instances_path);
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "/var/lib/nova/instances is owned by UID 0, not by nova (UID 162)");
    assert_string_equal(mr_result_primary(r)->remedy, "chown nova:nova /var/lib/nova/instances");
}

static void test_instances_path_no_search_bit(void **state)
{
    struct mr_test_fixture *f = *state;
    NEED_ROOT();
    assert_true(own_instances(f, 162, 162, 0755));
    char *p = mr_xasprintf("%s/var/lib/nova", f->dir);
    assert_int_equal(chown(p, 162, 162), 0);
    assert_int_equal(chmod(p, 0750), 0);
    const struct mr_result *r = run(f, &mr_check_nova_instances_path);
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "/var/lib/nova (mode 0750) lacks the search bit for libvirt-qemu");
    assert_string_equal(mr_result_primary(r)->remedy, "chmod o+x /var/lib/nova");
    assert_remedies(r);

    /* The group bit is enough when QEMU's user is in the group (kvm). */
    assert_int_equal(chown(p, 162, 108), 0);
    assert_int_equal(chmod(p, 0710), 0);
    r = run(f, &mr_check_nova_instances_path);
    mr_test_assert_status(r, MR_PASS);
    free(p);
}

/* qemu.conf names a user the host lacks: libvirt's QEMU driver does not
 * start (qemu_conf.c, virQEMUDriverConfigLoadSecurityEntry), and the check
 * says so rather than "QEMU's user is unknown". */
static void test_instances_path_qemu_user_missing(void **state)
{
    struct mr_test_fixture *f = *state;
    mr_test_write(f->dir, "/etc/libvirt/qemu.conf", "# QEMU\nuser = \"qemu-kvm\"\n");
    const struct mr_result *r = run(f, &mr_check_nova_instances_path);
    mr_test_assert_status(r, MR_FAIL);
    const struct mr_finding *fi = mr_test_finding(
        r, "user = \"qemu-kvm\" in /etc/libvirt/qemu.conf:2 names no user of this host: "
           "libvirt's QEMU driver does not start");
    mr_test_assert_at(fi, "/etc/libvirt/qemu.conf", 2);
    assert_string_equal(fi->remedy, "create the user qemu-kvm, or set user in "
                                    "/etc/libvirt/qemu.conf to one that exists (libvirt-qemu on "
                                    "Debian and Ubuntu, qemu on RHEL)");
}

static void test_instances_path_site_mismatch_and_user(void **state)
{
    struct mr_test_fixture *f = *state;
    NEED_ROOT();
    assert_true(own_instances(f, 162, 162, 0755));
    mr_test_fixture_site(f, "[site]\ninstances_path = /var/lib/nova/instances/\n"
                            "nova_user = nova\n");
    mr_test_assert_status(run(f, &mr_check_nova_instances_path), MR_PASS);

    mr_test_fixture_site(f, "[site]\ninstances_path = /srv/nova/instances\n"
                            "nova_user = openstack-nova\n");
    const struct mr_result *r = run(f, &mr_check_nova_instances_path);
    mr_test_assert_status(r, MR_FAIL);
    mr_test_finding(r, "the site configuration says instances_path = /srv/nova/instances");
    mr_test_finding(r, "the nova user 'openstack-nova' does not exist in /etc/passwd");
    assert_remedies(r);
}

/* ---- nova.migration-tuning ---- */

static void test_tuning_good(void **state)
{
    struct mr_test_fixture *f = *state;
    const struct mr_result *r = run(f, &mr_check_nova_migration_tuning);
    mr_test_assert_status(r, MR_PASS);
    assert_primary(r, "downtime up to 500 ms in 10 steps every 75 s per GiB");

    conf(f, "[libvirt]\n");
    r = run(f, &mr_check_nova_migration_tuning);
    mr_test_assert_status(r, MR_PASS);
    assert_primary(r, "(Nova's defaults)");
}

static void test_tuning_invalid_values(void **state)
{
    struct mr_test_fixture *f = *state;
    conf(f, "[libvirt]\nlive_migration_downtime = fast\nlive_migration_downtime_steps = 2\n"
            "live_migration_timeout_action = pause\n");
    const struct mr_result *r = run(f, &mr_check_nova_migration_tuning);
    mr_test_assert_status(r, MR_FAIL);
    mr_test_assert_at(mr_test_finding(r, "live_migration_downtime = fast is not an integer"),
              "/etc/nova/nova.conf", 2);
    mr_test_assert_at(
        mr_test_finding(r, "live_migration_downtime_steps = 2 is below Nova's minimum 3"),
        "/etc/nova/nova.conf", 3);
    mr_test_assert_at(mr_test_finding(r, "live_migration_timeout_action = pause is not one of"),
              "/etc/nova/nova.conf", 4);
    assert_remedies(r);
}

static void test_tuning_removed_and_combined(void **state)
{
    struct mr_test_fixture *f = *state;
    conf(f, "[libvirt]\n"
            "live_migration_flag = VIR_MIGRATE_UNDEFINE_SOURCE,VIR_MIGRATE_PEER2PEER\n"
            "live_migration_progress_timeout = 150\n"
            "live_migration_permit_post_copy = True\n"
            "live_migration_permit_auto_converge = True\n");
    const struct mr_result *r = run(f, &mr_check_nova_migration_tuning);
    mr_test_assert_status(r, MR_WARN);
    const struct mr_finding *fi = mr_test_finding(r, "[libvirt] live_migration_flag was removed");
    mr_test_assert_at(fi, "/etc/nova/nova.conf", 2);
    assert_string_equal(fi->remedy, "remove live_migration_flag from [libvirt] of "
                                    "/etc/nova/nova.conf");
    mr_test_assert_at(mr_test_finding(r, "live_migration_progress_timeout was removed"),
                      "/etc/nova/nova.conf", 3);
    mr_test_assert_at(mr_test_finding(r, "auto-converge will not be used"), "/etc/nova/nova.conf",
                      5);
    assert_remedies(r);
}

static void test_tuning_timeout_shorter_than_steps(void **state)
{
    struct mr_test_fixture *f = *state;
    conf(f, "[libvirt]\nlive_migration_completion_timeout = 300\n");
    const struct mr_result *r = run(f, &mr_check_nova_migration_tuning);
    mr_test_assert_status(r, MR_WARN);
    mr_test_assert_at(mr_test_finding(r, "is shorter than"), "/etc/nova/nova.conf", 2);
}

/* Runs CHECK with this host's facts saying QEMU is QEMU (NULL: libvirt
 * could not be asked, as offline). */
static const struct mr_result *run_qemu(struct mr_test_fixture *f, const struct mr_check *check,
                                        const char *qemu)
{
    mr_result_clear(&f->res);
    mr_ctx_free(f->ctx);
    f->ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(f->dir, NULL, f->site, &f->ctx), 0);
    struct mr_facts *facts = NULL;
    char *msg = NULL;
    char *json = qemu ? mr_xasprintf("{\"tool\": \"migready\", \"qemu_version\": \"%s\"}", qemu)
                      : mr_xstrdup("{\"tool\": \"migready\"}");
    if (mr_facts_from_json(json, &facts, &msg) < 0)
        fail_msg("%s", msg);
    free(json);
    mr_ctx_set_facts(f->ctx, facts);
    f->res = (struct mr_result){.check = check};
    assert_int_equal(check->run(f->ctx, &f->res), 0);
    return &f->res;
}

/* [libvirt] live_migration_parallel_connections, new in 33.0.0 (2026.1):
 * nova/conf/libvirt.py declares it an IntOpt, default 1, no minimum;
 * nova/virt/libvirt/driver.py, _handle_live_migration_parallel adds
 * VIR_MIGRATE_PARALLEL above 1, and init_host raises InternalError ("Nova
 * requires QEMU version 10.1.0 or greater to use live migration parallel
 * connections with post-copy") when it is above 1, post-copy is permitted,
 * virt_type is kvm or qemu and QEMU is older than
 * MIN_MULTIFD_WITH_POSTCOPY_QEMU_VERSION = (10, 1, 0). */
static void test_tuning_parallel_connections(void **state)
{
    struct mr_test_fixture *f = *state;
    /* Post-copy's other need, userfaultfd, met (see the test below). */
    mr_test_write(f->dir, "/proc/sys/vm/unprivileged_userfaultfd", "1\n");
    conf(f, "[libvirt]\nlive_migration_parallel_connections = 4\n"
            "live_migration_permit_post_copy = True\n");
    const struct mr_result *r = run_qemu(f, &mr_check_nova_migration_tuning, "8.2.2");
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "live_migration_parallel_connections = 4 with "
                      "live_migration_permit_post_copy = True needs QEMU 10.1.0 or later (Nova's "
                      "rule since 33.0.0 (2026.1, Gazpacho)), and this host has QEMU 8.2.2: "
                      "nova-compute refuses to start");
    mr_test_assert_at(mr_result_primary(r), "/etc/nova/nova.conf", 2);
    assert_remedies(r);

    r = run_qemu(f, &mr_check_nova_migration_tuning, "10.1.0");
    mr_test_assert_status(r, MR_PASS);
    mr_test_finding(r, "QEMU 10.1.0 is 10.1.0 or later");

    /* Offline the version is unknown: say so rather than pass. */
    r = run_qemu(f, &mr_check_nova_migration_tuning, NULL);
    mr_test_assert_status(r, MR_WARN);
    assert_primary(r, "cannot tell the QEMU version");

    /* Without post-copy, or with one connection, any QEMU will do. */
    conf(f, "[libvirt]\nlive_migration_parallel_connections = 4\n");
    r = run_qemu(f, &mr_check_nova_migration_tuning, "8.2.2");
    mr_test_assert_status(r, MR_PASS);
    mr_test_finding(r, "migrations use 4 connections");
    conf(f, "[libvirt]\nlive_migration_parallel_connections = 1\n"
            "live_migration_permit_post_copy = True\n");
    mr_test_assert_status(run_qemu(f, &mr_check_nova_migration_tuning, "8.2.2"), MR_PASS);

    conf(f, "[libvirt]\nlive_migration_parallel_connections = many\n");
    r = run_qemu(f, &mr_check_nova_migration_tuning, "10.1.0");
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "is not an integer");

    /* 2025.2 (32.x) does not read the option. */
    mr_test_fixture_site(f, "[site]\nnova_release = 32.0.0\n");
    conf(f, "[libvirt]\nlive_migration_parallel_connections = 4\n"
            "live_migration_permit_post_copy = True\n");
    r = run_qemu(f, &mr_check_nova_migration_tuning, "8.2.2");
    mr_test_assert_status(r, MR_WARN);
    assert_primary(r, "is ignored: the option came in 33.0.0 (2026.1)");
    assert_remedies(r);
}

/* The wait for neutron before the transfer, in every release migready
 * knows (19.0.0 on): nova/compute/manager.py, pre_live_migration (the
 * destination) sets migrate_data.wait_for_vif_plugged from its [compute]
 * live_migration_wait_for_vif_plug; _do_pre_live_migration_from_source
 * (the source) waits vif_plugging_timeout s for network-vif-plugged,
 * none when it is 0 (_get_neutron_events_for_live_migration), and raises
 * MigrationError on the timeout only if vif_plugging_is_fatal
 * (_neutron_failed_live_migration_callback only logs a failed event
 * otherwise). nova/conf/compute.py: vif_plugging_timeout has min=0. */
static void test_tuning_vif_plugging(void **state)
{
    struct mr_test_fixture *f = *state;
    const struct mr_result *r = run(f, &mr_check_nova_migration_tuning);
    mr_test_assert_status(r, MR_PASS);
    mr_test_finding(r, "the source waits up to 300 s for neutron");

    conf(f, "[DEFAULT]\nvif_plugging_timeout = 0\n");
    r = run(f, &mr_check_nova_migration_tuning);
    mr_test_assert_status(r, MR_WARN);
    assert_primary(r, "vif_plugging_timeout = 0: Nova waits for no network-vif-plugged event");
    mr_test_assert_at(mr_result_primary(r), "/etc/nova/nova.conf", 2);
    assert_remedies(r);

    conf(f, "[compute]\nlive_migration_wait_for_vif_plug = False\n");
    r = run(f, &mr_check_nova_migration_tuning);
    mr_test_assert_status(r, MR_WARN);
    assert_primary(r, "live_migration_wait_for_vif_plug = False: a source migrating to this "
                      "host does not wait");
    assert_remedies(r);

    conf(f, "[DEFAULT]\nvif_plugging_is_fatal = False\nvif_plugging_timeout = 60\n");
    r = run(f, &mr_check_nova_migration_tuning);
    mr_test_assert_status(r, MR_WARN);
    assert_primary(r, "no network-vif-plugged event within 60 s, Nova goes on with the "
                      "migration");
    mr_test_assert_at(mr_result_primary(r), "/etc/nova/nova.conf", 2);

    conf(f, "[DEFAULT]\nvif_plugging_timeout = -1\n");
    r = run(f, &mr_check_nova_migration_tuning);
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "vif_plugging_timeout = -1 is not a number of seconds");
    conf(f, "[compute]\nlive_migration_wait_for_vif_plug = maybe\n");
    mr_test_assert_status(run(f, &mr_check_nova_migration_tuning), MR_FAIL);
}

/* Post-copy and userfaultfd: nova/virt/libvirt/driver.py,
 * _handle_live_migration_post_copy adds VIR_MIGRATE_POSTCOPY whenever
 * live_migration_permit_post_copy is True (every release migready knows);
 * the destination's QEMU then needs a userfaultfd, which an unprivileged
 * QEMU gets only with vm.unprivileged_userfaultfd = 1 or through
 * /dev/userfaultfd (kernel 6.1; libvirt 9.3.0 grants QEMU access). The
 * sysctl is read through the root: absent under --root, cannot tell. */
static void test_tuning_post_copy_userfaultfd(void **state)
{
    struct mr_test_fixture *f = *state;
    conf(f, "[libvirt]\nlive_migration_permit_post_copy = True\n");
    const struct mr_result *r = run_qemu(f, &mr_check_nova_migration_tuning, NULL);
    mr_test_assert_status(r, MR_WARN);
    assert_primary(r, "migready cannot tell offline whether the kernel lets it "
                      "(/proc/sys/vm/unprivileged_userfaultfd is absent under the root)");
    mr_test_assert_at(mr_result_primary(r), "/etc/nova/nova.conf", 2);

    mr_test_write(f->dir, "/proc/sys/vm/unprivileged_userfaultfd", "0\n");
    r = run_qemu(f, &mr_check_nova_migration_tuning, NULL);
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "vm.unprivileged_userfaultfd = 0 and there is no /dev/userfaultfd");
    assert_remedies(r);

    /* The device, mode 0600, with a libvirt that does not grant it. */
    mr_test_write(f->dir, "/dev/userfaultfd", "");
    char *dev = mr_xasprintf("%s/dev/userfaultfd", f->dir);
    assert_int_equal(chmod(dev, 0600), 0);
    free(dev);
    r = run_qemu(f, &mr_check_nova_migration_tuning, NULL);
    mr_test_assert_status(r, MR_WARN);
    assert_primary(r, "libvirt grants it only from 9.3.0 on");

    mr_test_write(f->dir, "/proc/sys/vm/unprivileged_userfaultfd", "1\n");
    r = run_qemu(f, &mr_check_nova_migration_tuning, NULL);
    mr_test_assert_status(r, MR_PASS);
    mr_test_finding(r, "vm.unprivileged_userfaultfd = 1 lets QEMU use userfaultfd");

    /* Without post-copy nothing is asked. */
    conf(f, "[libvirt]\n");
    mr_test_write(f->dir, "/proc/sys/vm/unprivileged_userfaultfd", "0\n");
    mr_test_assert_status(run_qemu(f, &mr_check_nova_migration_tuning, NULL), MR_PASS);
}

/* ---- nova.cpu-mode ---- */

static void test_cpu_mode_default_and_models(void **state)
{
    struct mr_test_fixture *f = *state;
    conf(f, "[libvirt]\n");
    const struct mr_result *r = run(f, &mr_check_nova_cpu_mode);
    mr_test_assert_status(r, MR_PASS);
    assert_primary(r, "cpu_mode is unset: Nova uses host-model for virt_type kvm");

    conf(f, "[libvirt]\ncpu_mode = custom\ncpu_model = Haswell-noTSX\n");
    r = run(f, &mr_check_nova_cpu_mode);
    mr_test_assert_status(r, MR_PASS);
    mr_test_assert_at(
        mr_test_finding(r, "[libvirt] cpu_model is deprecated; use [libvirt] cpu_models"),
        "/etc/nova/nova.conf", 3);
    mr_test_finding(r, "cpu_models = Haswell-noTSX");
}

static void test_cpu_mode_passthrough(void **state)
{
    struct mr_test_fixture *f = *state;
    conf(f, "[libvirt]\ncpu_mode = host-passthrough\n");
    const struct mr_result *r = run(f, &mr_check_nova_cpu_mode);
    mr_test_assert_status(r, MR_WARN);
    assert_primary(r, "identical CPU");
    mr_test_assert_at(mr_result_primary(r), "/etc/nova/nova.conf", 2);
    assert_remedies(r);

    conf(f, "[libvirt]\nvirt_type = qemu\ncpu_mode = host-passthrough\n");
    mr_test_assert_status(run(f, &mr_check_nova_cpu_mode), MR_PASS);
}

static void test_cpu_mode_invalid(void **state)
{
    struct mr_test_fixture *f = *state;
    conf(f, "[libvirt]\ncpu_mode = custom\n");
    const struct mr_result *r = run(f, &mr_check_nova_cpu_mode);
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "cpu_mode = custom needs cpu_models");

    conf(f, "[libvirt]\ncpu_mode = host-model\ncpu_models = Haswell\n");
    r = run(f, &mr_check_nova_cpu_mode);
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "only with cpu_mode = custom");
    mr_test_assert_at(mr_result_primary(r), "/etc/nova/nova.conf", 3);

    conf(f, "[libvirt]\ncpu_mode = host-modle\n");
    mr_test_assert_status(run(f, &mr_check_nova_cpu_mode), MR_FAIL);

    conf(f, "[libvirt]\nvirt_type = lxc\ncpu_mode = host-model\n");
    r = run(f, &mr_check_nova_cpu_mode);
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "cannot select a CPU model");
    assert_remedies(r);
}

/* ---- nova.config-drive ---- */

static const char *const block_profiles[] = {"block", "tcp", NULL};

static void test_config_drive_not_block(void **state)
{
    struct mr_test_fixture *f = *state;
    conf(f, "[DEFAULT]\nforce_config_drive = True\n");
    const struct mr_result *r = run(f, &mr_check_nova_config_drive);
    mr_test_assert_status(r, MR_PASS);
    assert_primary(r, "not a block migration profile");
}

/* Block migration of an instance with an iso9660 config drive, by the
 * host's release. Nova 14.0.0 to 30.0.x copy disk.config from the source
 * over SSH first (nova/virt/libvirt/driver.py, pre_live_migration:
 * self._remotefs.copy_file("<source>:<instance dir>/disk.config"), added
 * by "[libvirt] Live migration fails when config_drive_format=iso9660");
 * 31.0.0 and 30.1.0 reverted that (commit 5827c01246, 684586f3cb). Since
 * then the read-only drive is left out of migrate_disks (driver.py,
 * _live_migration_copy_disk_paths skips dev.readonly) and
 * _create_images_and_backing creates an empty disk.config on the
 * destination: no failure, but the content stays behind. */
static void test_config_drive_block(void **state)
{
    struct mr_test_fixture *f = *state;
    const struct mr_result *r = run_with(f, &mr_check_nova_config_drive, block_profiles);
    mr_test_assert_status(r, MR_PASS);
    assert_primary(r, "config drives are not forced");

    /* Current Nova (no release known: the newest rules), no key: no copy
     * over SSH, so no fail; a warning that the drive arrives empty. */
    conf(f, "[DEFAULT]\nforce_config_drive = True\n");
    r = run_with(f, &mr_check_nova_config_drive, block_profiles);
    mr_test_assert_status(r, MR_WARN);
    assert_primary(r, "Nova (release unknown: the rules of 2026.1 (Gazpacho) apply) does not "
                      "copy the iso9660 config drive");
    assert_primary(r, "an empty image");
    mr_test_assert_at(mr_result_primary(r), "/etc/nova/nova.conf", 2);
    assert_remedies(r);

    /* 2024.1 (29.0.0) copies it over SSH as nova, who has no key: a fail. */
    mr_test_fixture_site(f, "[site]\nnova_release = 29.0.0\n");
    r = run_with(f, &mr_check_nova_config_drive, block_profiles);
    mr_test_assert_status(r, MR_FAIL);
    assert_primary(r, "Nova 2024.1 (Caracal, 29.0.0) copies the iso9660 config drive");
    assert_primary(r, "(Nova does from 14.0.0 until 30.1.0 and 31.0.0 (2025.1, Epoxy))");
    assert_primary(r, "nova has no SSH key pair");
    mr_test_assert_at(mr_result_primary(r), "/etc/nova/nova.conf", 2);
    assert_remedies(r);
    /* The same from Ubuntu's package metadata. */
    mr_test_fixture_site(f, "[site]\n");
    mr_test_write(f->dir, "/usr/lib/python3/dist-packages/nova-29.2.0.egg-info/PKG-INFO",
                  "Metadata-Version: 1.2\nName: nova\nVersion: 29.2.0\n");
    r = run_with(f, &mr_check_nova_config_drive, block_profiles);
    mr_test_assert_status(r, MR_FAIL);

    /* With a key, the copy can work if peers authorise it: a warning. */
    mr_test_write(f->dir, "/var/lib/nova/.ssh/id_ed25519", "not a real key\n");
    r = run_with(f, &mr_check_nova_config_drive, block_profiles);
    mr_test_assert_status(r, MR_WARN);
    assert_primary(r, "iso9660 config drive");
    assert_primary(r, "/var/lib/nova/.ssh/id_ed25519");
    mr_test_assert_at(mr_result_primary(r), "/etc/nova/nova.conf", 2);
    assert_remedies(r);
    char *key = mr_xasprintf("%s/var/lib/nova/.ssh/id_ed25519", f->dir);
    assert_int_equal(unlink(key), 0);
    free(key);

    /* 2024.2: 30.0.x copies, 30.1.0 does not; without the version, say so. */
    mr_test_fixture_site(f, "[site]\nnova_release = 30.1.0\n");
    r = run_with(f, &mr_check_nova_config_drive, block_profiles);
    mr_test_assert_status(r, MR_WARN);
    assert_primary(r, "does not copy");
    mr_test_fixture_site(f, "[site]\nnova_release = 30.0.2\n");
    r = run_with(f, &mr_check_nova_config_drive, block_profiles);
    mr_test_assert_status(r, MR_FAIL);
    mr_test_fixture_site(f, "[site]\nnova_release = 2024.2\n");
    r = run_with(f, &mr_check_nova_config_drive, block_profiles);
    mr_test_assert_status(r, MR_WARN);
    assert_primary(r, "depends on the version");
    assert_primary(r, "nova has no SSH key pair");

    conf(f, "[DEFAULT]\nforce_config_drive = True\nconfig_drive_format = vfat\n");
    r = run_with(f, &mr_check_nova_config_drive, block_profiles);
    mr_test_assert_status(r, MR_PASS);
    mr_test_finding(r, "config_drive_format is deprecated");

    conf(f, "[DEFAULT]\nforce_config_drive = sometimes\n");
    r = run_with(f, &mr_check_nova_config_drive, block_profiles);
    mr_test_assert_status(r, MR_FAIL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vnc_catch_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vnc_default_loopback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vnc_specific_address, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vnc_address_of_this_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vnc_legacy_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vnc_disabled_and_spice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_serial_console_ports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broken_conf_is_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instances_path_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instances_path_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instances_path_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instances_path_not_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instances_path_wrong_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instances_path_no_search_bit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instances_path_qemu_user_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instances_path_site_mismatch_and_user, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tuning_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tuning_invalid_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tuning_removed_and_combined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tuning_timeout_shorter_than_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tuning_parallel_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tuning_vif_plugging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tuning_post_copy_userfaultfd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cpu_mode_default_and_models, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cpu_mode_passthrough, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cpu_mode_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_drive_not_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_drive_block, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
