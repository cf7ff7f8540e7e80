/* The comparisons with peers, on stubbed facts: this host's facts and the
 * peers' are put in the context with the test hooks mr_ctx_set_facts and
 * mr_ctx_set_peers (no SSH, no libvirt), the peer's
 * libvirt is a stub. Every finding must name the peer. */
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

#include "checks.h"
#include "ctx.h"
#include "facts.h"
#include "migready.h"
#include "ops.h"
#include "peers.h"
#include "testutil.h"

struct fixture {
    char *dir, *site_dir;
    struct mr_ctx *ctx;
    struct mr_result res;
    /* What the context was given (it owns them): this host's facts, the peers. */
    struct mr_facts *own;
    struct mr_peer **peers;
};

static struct mr_facts *facts(const char *host, const char *addr)
{
    struct mr_facts *f = NULL;
    char *msg = NULL;
    char *json = mr_xasprintf(
        "{\"tool\": \"migready\", \"host\": \"%s\", \"addresses\": [\"%s\"], "
        "\"nova_user\": \"nova\", \"nova_uid\": 162, \"nova_gid\": 162, "
        "\"instances_path\": \"/var/lib/nova/instances\", "
        "\"hosts\": [{\"name\": \"hv1\", \"address\": \"192.0.2.11\"}, "
        "{\"name\": \"hv2\", \"address\": \"192.0.2.12\"}, "
        "{\"name\": \"hv3\", \"address\": \"192.0.2.13\"}], "
        "\"libvirt_version\": \"9.0.0\", \"qemu_version\": \"7.2.0\", "
        "\"cpu\": {\"arch\": \"x86_64\", \"vendor\": \"Intel\", \"model\": \"Skylake\", "
        "\"features\": [\"vmx\", \"avx2\"], \"xml\": \"<cpu><model>Skylake</model></cpu>\"}, "
        "\"host_uuid\": \"%s\", \"virt_type\": \"kvm\", \"cpu_mode\": \"host-model\", "
        "\"cpu_models\": [], \"transport\": \"tcp\"}",
        host, addr,
        strcmp(host, "hv1") == 0 ? "11111111-aaaa-4bbb-8ccc-000000000001"
        : strcmp(host, "hv2") == 0 ? "11111111-aaaa-4bbb-8ccc-000000000002"
                                   : "11111111-aaaa-4bbb-8ccc-000000000003");
    if (mr_facts_from_json(json, &f, &msg) < 0)
        fail_msg("%s", msg);
    free(json);
    return f;
}

static struct mr_peer *peer(const char *name, struct mr_facts *f)
{
    struct mr_peer *p = mr_xcalloc(1, sizeof(*p));
    p->name = mr_xstrdup(name);
    p->facts = f;
    p->ssh = f ? MR_PEER_SSH_OK : MR_PEER_SSH_UNREACHABLE;
    if (!f)
        p->message = mr_xstrdup("connection refused");
    return p;
}

/* This host hv1; peers hv2 (reachable) and hv3 (unreachable). */
static int setup(void **state)
{
    struct fixture *fx = mr_xcalloc(1, sizeof(*fx));
    fx->dir = mr_test_root("seed-good");
    fx->site_dir = mr_test_scratch();
    mr_test_write(fx->site_dir, "/s.conf", "[site]\npeers = hv2, hv3\n");
    char *site = mr_xasprintf("%s/s.conf", fx->site_dir);
    assert_int_equal(mr_ctx_new_for_test(fx->dir, NULL, site, &fx->ctx), 0);
    free(site);
    fx->own = facts("hv1", "192.0.2.11");
    mr_ctx_set_facts(fx->ctx, fx->own);
    fx->peers = mr_xcalloc(2, sizeof(*fx->peers));
    fx->peers[0] = peer("hv2", facts("hv2", "192.0.2.12"));
    fx->peers[1] = peer("hv3", NULL);
    mr_ctx_set_peers(fx->ctx, fx->peers, 2);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    mr_result_clear(&fx->res);
    mr_ctx_free(fx->ctx);
    mr_test_rmtree(fx->dir);
    mr_test_rmtree(fx->site_dir);
    free(fx->dir);
    free(fx->site_dir);
    free(fx);
    return 0;
}

static struct mr_facts *own(struct fixture *fx)
{
    return fx->own;
}

static struct mr_facts *hv2(struct fixture *fx)
{
    return fx->peers[0]->facts;
}

static const struct mr_result *run(struct fixture *fx, const struct mr_check *check)
{
    mr_result_clear(&fx->res);
    fx->res = (struct mr_result){.check = check};
    assert_int_equal(check->run(fx->ctx, &fx->res), 0);
    for (size_t i = 0; i < fx->res.n_findings; i++)
        if (fx->res.findings[i].status != MR_PASS && !fx->res.findings[i].remedy) {
            mr_test_dump(&fx->res);
            fail_msg("finding %zu has no remedy", i);
        }
    return &fx->res;
}

static void no_finding(const struct mr_result *r, const char *needle)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (strstr(r->findings[i].message, needle)) {
            mr_test_dump(r);
            fail_msg("unexpected finding '%s'", needle);
        }
}

static void expect(const struct mr_result *r, const char *needle, enum mr_status st)
{
    const struct mr_finding *f = mr_test_finding(r, needle);
    if (f->status != st) {
        mr_test_dump(r);
        fail_msg("'%s' is %s, expected %s", needle, mr_status_name(f->status),
                 mr_status_name(st));
    }
}

static void set_str(char **field, const char *v)
{
    free(*field);
    *field = v ? mr_xstrdup(v) : NULL;
}

/* The unreachable peer: a skip, never a pass or a fail. */
static void expect_unreachable(const struct mr_result *r)
{
    expect(r, "not compared: hv3 unreachable (see ssh.peers)", MR_SKIP);
}

/* ---- ids.nova ---- */

static void test_ids_same(void **state)
{
    struct fixture *fx = *state;
    const struct mr_result *r = run(fx, &mr_check_ids_nova);
    mr_test_assert_status(r, MR_PASS);
    expect(r, "hv2: nova has UID 162 and GID 162 there too", MR_PASS);
    expect_unreachable(r);
}

static void test_ids_differ(void **state)
{
    struct fixture *fx = *state;
    hv2(fx)->nova_uid = 163;
    const struct mr_result *r = run(fx, &mr_check_ids_nova);
    mr_test_assert_status(r, MR_FAIL);
    expect(r, "hv2: nova has UID 163 there but nova has UID 162 here", MR_FAIL);
    no_finding(r, "GID 162 there but");
    hv2(fx)->nova_uid = 162;
    hv2(fx)->nova_gid = 1000;
    r = run(fx, &mr_check_ids_nova);
    expect(r, "hv2: the nova group has GID 1000 there but GID 162 here", MR_FAIL);
    hv2(fx)->nova_uid = -1;
    r = run(fx, &mr_check_ids_nova);
    expect(r, "hv2: the nova user nova or its group does not exist there", MR_FAIL);
}

/* Under --root (not live, nothing fetched) peers are not compared. */
static void test_offline_no_peers(void **state)
{
    struct fixture *fx = *state;
    mr_ctx_invalidate(fx->ctx, MR_SLOT_PEERS);
    fx->peers = NULL;
    const struct mr_result *r = run(fx, &mr_check_ids_nova);
    mr_test_assert_status(r, MR_PASS);
    no_finding(r, "hv2");
    no_finding(r, "not compared");
}

/* ---- hosts.resolution ---- */

static void test_hosts_agree(void **state)
{
    struct fixture *fx = *state;
    const struct mr_result *r = run(fx, &mr_check_hosts_resolution);
    expect(r, "hv2 resolves this host's name hv1 to 192.0.2.11, as this host does", MR_PASS);
    expect(r, "hv2 resolves hv2 to 192.0.2.12, as this host does", MR_PASS);
    no_finding(r, "hv2 resolves hv3");
    expect_unreachable(r);
}

static void test_hosts_peer_sees_other_address(void **state)
{
    struct fixture *fx = *state;
    free(hv2(fx)->hosts[0].address);
    hv2(fx)->hosts[0].address = mr_xstrdup("192.0.2.99");
    const struct mr_result *r = run(fx, &mr_check_hosts_resolution);
    mr_test_assert_status(r, MR_FAIL);
    expect(r, "hv2 resolves this host's name hv1 to 192.0.2.99, which is not an address of "
              "this host (192.0.2.11)", MR_FAIL);
    assert_non_null(strstr(mr_test_finding(r, "192.0.2.99")->remedy, "map hv1 to 192.0.2.11"));
}

static void test_hosts_peer_loopback(void **state)
{
    struct fixture *fx = *state;
    free(hv2(fx)->hosts[1].address);
    hv2(fx)->hosts[1].address = mr_xstrdup("127.0.1.1");
    free(hv2(fx)->hosts[0].address);
    hv2(fx)->hosts[0].address = mr_xstrdup("127.0.0.1");
    const struct mr_result *r = run(fx, &mr_check_hosts_resolution);
    expect(r, "hv2 resolves its own name hv2 to 127.0.1.1, a loopback address", MR_FAIL);
    expect(r, "hv2 resolves this host's name hv1 to 127.0.0.1, a loopback address", MR_FAIL);
    expect(r, "hv2 resolves hv2 to 127.0.1.1, this host to 192.0.2.12", MR_FAIL);
}

/* The v4-mapped forms are loopback too, as hosts.resolution judges them. */
static void test_hosts_peer_mapped_loopback(void **state)
{
    struct fixture *fx = *state;
    free(hv2(fx)->hosts[1].address);
    hv2(fx)->hosts[1].address = mr_xstrdup("::ffff:127.0.1.1");
    free(hv2(fx)->hosts[0].address);
    hv2(fx)->hosts[0].address = mr_xstrdup("::ffff:127.0.0.1");
    const struct mr_result *r = run(fx, &mr_check_hosts_resolution);
    expect(r, "hv2 resolves its own name hv2 to ::ffff:127.0.1.1, a loopback address", MR_FAIL);
    expect(r, "hv2 resolves this host's name hv1 to ::ffff:127.0.0.1, a loopback address",
           MR_FAIL);
}

static void test_hosts_third_party_and_peer_address(void **state)
{
    struct fixture *fx = *state;
    free(hv2(fx)->hosts[2].address);
    hv2(fx)->hosts[2].address = mr_xstrdup("192.0.2.33");
    free(hv2(fx)->addresses[0]);
    hv2(fx)->addresses[0] = mr_xstrdup("198.51.100.2");
    const struct mr_result *r = run(fx, &mr_check_hosts_resolution);
    expect(r, "hv2 resolves hv3 to 192.0.2.33, this host to 192.0.2.13", MR_FAIL);
    expect(r, "this host resolves hv2 to 192.0.2.12, which is not an address of hv2 "
              "(198.51.100.2)", MR_FAIL);
}

/* The names Nova migrates to: the destination's [DEFAULT] host, or its
 * [libvirt] live_migration_inbound_addr when set
 * (nova/virt/libvirt/driver.py, LibvirtDriver.pre_live_migration stores
 * it as target_connect_addr; _live_migration_operation then builds
 * _live_migration_uri and _migrate_uri from it). They travel in facts. */
static void test_facts_nova_addresses(void **state)
{
    (void)state;
    struct mr_facts *f = facts("hv2", "192.0.2.12");
    assert_false(f->nova_addrs_known); /* an older migready's facts */
    f->nova_addrs_known = true;
    f->nova_host = mr_xstrdup("hv2.lab.example");
    f->live_migration_inbound_addr = mr_xstrdup("198.51.100.12");
    f->migration_inbound_addr = mr_xstrdup("192.0.2.12");
    char *json = mr_facts_to_json(f), *msg = NULL;
    struct mr_facts *g = NULL;
    assert_int_equal(mr_facts_from_json(json, &g, &msg), 0);
    assert_true(g->nova_addrs_known);
    assert_string_equal(g->nova_host, "hv2.lab.example");
    assert_string_equal(g->live_migration_inbound_addr, "198.51.100.12");
    assert_string_equal(g->migration_inbound_addr, "192.0.2.12");
    mr_facts_free(g);
    free(json);
    free(f->live_migration_inbound_addr);
    f->live_migration_inbound_addr = NULL;
    json = mr_facts_to_json(f);
    assert_int_equal(mr_facts_from_json(json, &g, &msg), 0);
    assert_true(g->nova_addrs_known);
    assert_null(g->live_migration_inbound_addr);
    mr_facts_free(g);
    free(json);
    mr_facts_free(f);
}

static int stub_resolve(const char *name, char ***ret)
{
    const char *a = strcmp(name, "hv2.lab.example") == 0 ? "192.0.2.12"
                    : strcmp(name, "hv2-mig") == 0       ? "192.0.2.99"
                                                         : NULL;
    if (!a)
        return -ENOENT;
    *ret = mr_xcalloc(2, sizeof(char *));
    (*ret)[0] = mr_xstrdup(a);
    return 0;
}

static const struct mr_ops resolve_ops = {.resolve = stub_resolve};

static void test_hosts_nova_names(void **state)
{
    struct fixture *fx = *state;
    /* Facts without the field: a skip naming it, never a fail. */
    const struct mr_result *r = run(fx, &mr_check_hosts_resolution);
    expect(r, "hv2: not compared: its facts lack nova_addresses (host, "
              "live_migration_inbound_addr)", MR_SKIP);

    fx->ctx->live = true;
    fx->ctx->ops = &resolve_ops;
    hv2(fx)->nova_addrs_known = true;
    set_str(&hv2(fx)->nova_host, "hv2.lab.example");
    r = run(fx, &mr_check_hosts_resolution);
    expect(r, "hv2's [DEFAULT] host hv2.lab.example resolves here to 192.0.2.12, an address of "
              "hv2", MR_PASS);
    no_finding(r, "not compared: its facts");

    set_str(&hv2(fx)->live_migration_inbound_addr, "hv2-mig");
    r = run(fx, &mr_check_hosts_resolution);
    expect(r, "hv2's live_migration_inbound_addr hv2-mig leads to 192.0.2.99 here, which is not "
              "an address of hv2 (192.0.2.12)", MR_FAIL);
    set_str(&hv2(fx)->live_migration_inbound_addr, "hv2-nowhere");
    r = run(fx, &mr_check_hosts_resolution);
    expect(r, "hv2's live_migration_inbound_addr hv2-nowhere does not resolve here", MR_FAIL);
    set_str(&hv2(fx)->live_migration_inbound_addr, "192.0.2.12");
    r = run(fx, &mr_check_hosts_resolution);
    expect(r, "hv2's live_migration_inbound_addr 192.0.2.12 resolves here to 192.0.2.12", MR_PASS);
    fx->ctx->live = false;
}

/* ---- nova.cpu-mode, nova.instances-path ---- */

static void test_cpu_mode(void **state)
{
    struct fixture *fx = *state;
    const struct mr_result *r = run(fx, &mr_check_nova_cpu_mode);
    expect(r, "hv2 has the same cpu_mode = host-model", MR_PASS);
    expect_unreachable(r);
    free(hv2(fx)->cpu_mode);
    hv2(fx)->cpu_mode = mr_xstrdup("host-passthrough");
    r = run(fx, &mr_check_nova_cpu_mode);
    mr_test_assert_status(r, MR_WARN);
    expect(r, "hv2 has cpu_mode = host-passthrough, this host host-model", MR_WARN);
    free(hv2(fx)->virt_type);
    hv2(fx)->virt_type = mr_xstrdup("qemu");
    r = run(fx, &mr_check_nova_cpu_mode);
    expect(r, "hv2 has virt_type = qemu, this host kvm", MR_FAIL);
}

static void test_cpu_models(void **state)
{
    struct fixture *fx = *state;
    free(own(fx)->cpu_mode);
    own(fx)->cpu_mode = mr_xstrdup("custom");
    mr_strv_push(&own(fx)->cpu_models, "Nehalem");
    free(hv2(fx)->cpu_mode);
    hv2(fx)->cpu_mode = mr_xstrdup("custom");
    mr_strv_push(&hv2(fx)->cpu_models, "Haswell");
    const struct mr_result *r = run(fx, &mr_check_nova_cpu_mode);
    expect(r, "hv2 has cpu_models = Haswell, this host Nehalem", MR_WARN);
}

static void test_instances_path(void **state)
{
    struct fixture *fx = *state;
    const struct mr_result *r = run(fx, &mr_check_nova_instances_path);
    expect(r, "hv2 uses the same instances_path = /var/lib/nova/instances", MR_PASS);
    free(hv2(fx)->instances_path);
    hv2(fx)->instances_path = mr_xstrdup("/srv/nova/instances");
    r = run(fx, &mr_check_nova_instances_path);
    mr_test_assert_status(r, MR_FAIL);
    expect(r, "hv2 uses instances_path = /srv/nova/instances, this host /var/lib/nova/instances",
           MR_FAIL);
}

/* The serial console, compared through facts: nova/virt/libvirt/driver.py,
 * check_can_live_migrate_destination sends serial_listen_addr only when
 * the destination's [serial_console] enabled is True, and the source's
 * _live_migration_operation then calls _verify_serial_console_is_disabled,
 * which raises MigrationError when the source has it enabled (every
 * release migready knows; the check dates from 12.0.0). */
static void test_serial_console(void **state)
{
    struct fixture *fx = *state;
    own(fx)->serial_console_enabled = 1;
    hv2(fx)->serial_console_enabled = 0;
    const struct mr_result *r = run(fx, &mr_check_nova_vnc_listen);
    mr_test_assert_status(r, MR_FAIL);
    expect(r, "[serial_console] enabled is True on this host and False on hv2: every live "
              "migration from this host to hv2 fails", MR_FAIL);

    own(fx)->serial_console_enabled = 0;
    hv2(fx)->serial_console_enabled = 1;
    r = run(fx, &mr_check_nova_vnc_listen);
    expect(r, "every live migration from hv2 to this host fails", MR_FAIL);

    hv2(fx)->serial_console_enabled = 0;
    r = run(fx, &mr_check_nova_vnc_listen);
    expect(r, "hv2 has the serial console disabled too", MR_PASS);

    /* Facts of an older migready: skipped, naming the field. */
    hv2(fx)->serial_console_enabled = -1;
    r = run(fx, &mr_check_nova_vnc_listen);
    expect(r, "the facts of hv2 do not report serial_console_enabled", MR_SKIP);
}

/* ---- libvirt.versions ---- */

/* qemu.conf lock_manager, compared through facts. Not Nova's rule but
 * libvirt's, which Nova meets as a failed migrateToURI3 (nova/virt/libvirt/
 * guest.py, Guest.migrate): the source puts its lock driver in the
 * migration cookie and the destination's qemuMigrationCookieParse
 * (src/qemu/qemu_migration_cookie.c) refuses another one. Any release. */
static void test_versions_lock_manager(void **state)
{
    struct fixture *fx = *state;
    set_str(&own(fx)->lock_manager, "lockd");
    set_str(&hv2(fx)->lock_manager, "nop");
    const struct mr_result *r = run(fx, &mr_check_libvirt_versions);
    mr_test_assert_status(r, MR_FAIL);
    expect(r, "hv2 uses the lock manager nop, this host lockd (qemu.conf lock_manager): libvirt "
              "refuses every migration between them", MR_FAIL);

    set_str(&hv2(fx)->lock_manager, "lockd");
    r = run(fx, &mr_check_libvirt_versions);
    expect(r, "hv2 uses the same lock manager (lockd)", MR_PASS);

    set_str(&hv2(fx)->lock_manager, NULL);
    r = run(fx, &mr_check_libvirt_versions);
    expect(r, "the facts of hv2 do not report lock_manager", MR_SKIP);
}

/* The host runs Nova VERSION: its package metadata in the root, alone. */
static void nova_installed(struct fixture *fx, const char *version)
{
    char *site = mr_xasprintf("%s/usr/lib/python3/dist-packages", fx->dir);
    mr_test_rmtree(site);
    free(site);
    char *path = mr_xasprintf("/usr/lib/python3/dist-packages/nova-%s.dist-info/METADATA",
                              version);
    char *meta = mr_xasprintf("Metadata-Version: 2.1\nName: nova\nVersion: %s\n", version);
    mr_test_write(fx->dir, path, meta);
    mr_ctx_invalidate(fx->ctx, MR_SLOT_NOVA_RELEASE);
    free(path);
    free(meta);
}

static void nova_conf_d(struct fixture *fx, const char *text)
{
    mr_test_write(fx->dir, "/etc/nova/nova.conf.d/50-migready-test.conf", text);
    mr_ctx_invalidate(fx->ctx, MR_SLOT_NOVA);
}

/* Nova compares the hypervisor (QEMU) version alone, destination against
 * source: nova/conductor/tasks/live_migrate.py,
 * LiveMigrationTask._check_compatible_with_source_hypervisor
 * (DestinationHypervisorTooOld). libvirt's own version is never compared. */
static void test_versions(void **state)
{
    struct fixture *fx = *state;
    const struct mr_result *r = run(fx, &mr_check_libvirt_versions);
    mr_test_assert_status(r, MR_PASS);
    expect(r, "hv2 runs libvirt 9.0.0 and QEMU 7.2.0, as this host", MR_PASS);
    expect(r, "has announced libvirt 10.0.0 and QEMU 8.2.2 as its next minimum", MR_PASS);
    expect_unreachable(r);

    set_str(&hv2(fx)->qemu_version, "7.1.0");
    r = run(fx, &mr_check_libvirt_versions);
    mr_test_assert_status(r, MR_FAIL);
    expect(r, "hv2 runs QEMU 7.1.0, older than this host's 7.2.0: Nova refuses to move "
              "instances from here to hv2 (DestinationHypervisorTooOld)", MR_FAIL);

    set_str(&hv2(fx)->qemu_version, "8.0.0");
    r = run(fx, &mr_check_libvirt_versions);
    mr_test_assert_status(r, MR_WARN);
    expect(r, "hv2 runs QEMU 8.0.0, newer than this host's 7.2.0: instances can move to hv2 but "
              "Nova refuses to move them back", MR_WARN);

    /* An older (or newer) libvirt with the same QEMU: Nova does not care. */
    set_str(&hv2(fx)->qemu_version, "7.2.0");
    set_str(&hv2(fx)->libvirt_version, "8.5.0");
    r = run(fx, &mr_check_libvirt_versions);
    mr_test_assert_status(r, MR_PASS);
    expect(r, "hv2 runs libvirt 8.5.0, this host 9.0.0, and QEMU 7.2.0 as this host: Nova "
              "compares only the QEMU version", MR_PASS);
    set_str(&hv2(fx)->libvirt_version, "10.0.0");
    r = run(fx, &mr_check_libvirt_versions);
    mr_test_assert_status(r, MR_PASS);

    /* No release known: the newest floors (33.0.0's driver.py). */
    set_str(&hv2(fx)->libvirt_version, "7.0.0");
    r = run(fx, &mr_check_libvirt_versions);
    expect(r, "hv2 runs libvirt 7.0.0, older than 8.0.0, the minimum of Nova (release unknown",
           MR_FAIL);

    set_str(&hv2(fx)->libvirt_version, NULL);
    r = run(fx, &mr_check_libvirt_versions);
    expect(r, "hv2 did not report its libvirt version", MR_WARN);

    /* The peer's own note says why: a libvirtd that did not answer there. */
    if (!hv2(fx)->notes)
        hv2(fx)->notes = mr_xcalloc(1, sizeof(char *));
    mr_strv_push(&hv2(fx)->notes, "libvirt: libvirt at qemu:///system did not answer within 15 s");
    r = run(fx, &mr_check_libvirt_versions);
    expect(r, "hv2 did not report its libvirt version (libvirt at qemu:///system did not answer "
           "within 15 s)", MR_WARN);
    r = run(fx, &mr_check_libvirt_host_uuid);
    if (!hv2(fx)->host_uuid)
        expect(r, "did not answer within 15 s", MR_WARN);
}

/* [workarounds] skip_hypervisor_version_check_on_lm (nova/conf/workarounds.py,
 * new in 26.0.0) turns _check_compatible_with_source_hypervisor's version
 * comparison off; before 26.0.0 the option does not exist. */
static void test_versions_skip_check(void **state)
{
    struct fixture *fx = *state;
    set_str(&hv2(fx)->qemu_version, "7.1.0");
    nova_conf_d(fx, "[workarounds]\nskip_hypervisor_version_check_on_lm = True\n");
    const struct mr_result *r = run(fx, &mr_check_libvirt_versions);
    mr_test_assert_status(r, MR_PASS);
    expect(r, "hv2 runs QEMU 7.1.0, this host 7.2.0: not compared, [workarounds] "
              "skip_hypervisor_version_check_on_lm is set (Nova's conductor reads it since "
              "26.0.0 (2022.2, Zed))", MR_PASS);

    /* Yoga has no such option: the fail says the setting is not read, and
     * its remedy does not offer it. */
    nova_installed(fx, "25.2.1");
    r = run(fx, &mr_check_libvirt_versions);
    mr_test_assert_status(r, MR_FAIL);
    expect(r, "hv2 runs QEMU 7.1.0, older than this host's 7.2.0", MR_FAIL);
    expect(r, "skip_hypervisor_version_check_on_lm is set, but Nova reads it only since 26.0.0 "
              "(2022.2, Zed)", MR_FAIL);
    assert_null(strstr(mr_result_primary(r)->remedy, "skip_hypervisor"));
}

/* The floors follow the host's release: nova/virt/libvirt/driver.py
 * MIN_LIBVIRT_VERSION / MIN_QEMU_VERSION / NEXT_MIN_* at the tags 27.0.0
 * (6.0.0, 4.2.0; next 7.0.0, 5.2.0), 29.0.0 (7.0.0, 5.2.0; next 8.0.0,
 * 6.2.0) and 31.0.0 to 33.0.0 (8.0.0, 6.2.0; next 10.0.0, 8.2.2). */
static void test_versions_floor_by_release(void **state)
{
    struct fixture *fx = *state;
    set_str(&own(fx)->libvirt_version, "7.0.0");
    set_str(&own(fx)->qemu_version, "5.2.0");
    set_str(&hv2(fx)->libvirt_version, "7.0.0");
    set_str(&hv2(fx)->qemu_version, "5.2.0");

    nova_installed(fx, "29.0.0");
    const struct mr_result *r = run(fx, &mr_check_libvirt_versions);
    mr_test_assert_status(r, MR_PASS);
    expect(r, "this host runs libvirt 7.0.0 and QEMU 5.2.0; Nova 2024.1 (Caracal, 29.0.0) has "
              "announced libvirt 8.0.0 and QEMU 6.2.0 as its next minimum", MR_PASS);

    nova_installed(fx, "31.0.0");
    r = run(fx, &mr_check_libvirt_versions);
    mr_test_assert_status(r, MR_FAIL);
    expect(r, "this host runs libvirt 7.0.0, older than 8.0.0, the minimum of Nova 2025.1", MR_FAIL);
    expect(r, "(Nova's floor since 31.0.0 (2025.1, Epoxy))", MR_FAIL);
    expect(r, "hv2 runs QEMU 5.2.0, older than 6.2.0, the minimum of Nova 2025.1", MR_FAIL);

    set_str(&own(fx)->libvirt_version, "6.0.0");
    set_str(&own(fx)->qemu_version, "4.2.0");
    set_str(&hv2(fx)->libvirt_version, "6.0.0");
    set_str(&hv2(fx)->qemu_version, "4.2.0");
    nova_installed(fx, "27.0.0");
    r = run(fx, &mr_check_libvirt_versions);
    mr_test_assert_status(r, MR_PASS);
    expect(r, "Nova 2023.1 (Antelope, 27.0.0) has announced libvirt 7.0.0 and QEMU 5.2.0", MR_PASS);
}

static void test_versions_no_local_libvirt(void **state)
{
    struct fixture *fx = *state;
    free(own(fx)->libvirt_version);
    own(fx)->libvirt_version = NULL;
    mr_strv_push(&own(fx)->notes, "libvirt: cannot connect to qemu:///system: no socket");
    const struct mr_result *r = run(fx, &mr_check_libvirt_versions);
    mr_test_assert_status(r, MR_FAIL);
    expect(r, "libvirt on this host could not be asked (cannot connect to qemu:///system: no "
              "socket)", MR_FAIL);
}

/* ---- libvirt.cpu-compat ---- */

static char *seen_uri, *seen_type, *seen_xml;
static int stub_verdict, stub_rc;

static int stub_compare(const char *uri, const char *virt_type, const char *cpu_xml,
                        int *ret_verdict, char **ret_msg)
{
    free(seen_uri);
    free(seen_type);
    free(seen_xml);
    seen_uri = mr_xstrdup(uri);
    seen_type = mr_xstrdup(virt_type);
    seen_xml = mr_xstrdup(cpu_xml);
    if (stub_rc < 0) {
        *ret_msg = mr_xstrdup("cannot connect to qemu+tcp://hv2/system: Connection refused");
        return stub_rc;
    }
    *ret_verdict = stub_verdict;
    if (stub_verdict == MR_CPU_INCOMPATIBLE)
        *ret_msg = mr_xstrdup("the CPU is incompatible with host CPU: Host CPU does not "
                              "provide required features: avx2");
    return 0;
}

static const struct mr_ops compare_ops = {.libvirt_compare_cpu = stub_compare};

static void forget_stub(void)
{
    free(seen_uri);
    free(seen_type);
    free(seen_xml);
    seen_uri = seen_type = seen_xml = NULL;
}

static void test_cpu_compat(void **state)
{
    struct fixture *fx = *state;
    fx->ctx->ops = &compare_ops;
    stub_rc = 0;
    stub_verdict = MR_CPU_SUPERSET;
    const struct mr_result *r = run(fx, &mr_check_libvirt_cpu_compat);
    mr_test_assert_status(r, MR_PASS);
    expect(r, "hv2 runs this host's CPU (Skylake, cpu_mode = host-model): its CPU is a superset",
           MR_PASS);
    expect_unreachable(r);
    assert_string_equal(seen_uri, "qemu+tcp://hv2/system");
    assert_string_equal(seen_type, "kvm");
    assert_string_equal(seen_xml, "<cpu><model>Skylake</model></cpu>");

    stub_verdict = MR_CPU_INCOMPATIBLE;
    r = run(fx, &mr_check_libvirt_cpu_compat);
    mr_test_assert_status(r, MR_FAIL);
    expect(r, "hv2 cannot run this host's CPU (Skylake, cpu_mode = host-model): the CPU is "
              "incompatible with host CPU: Host CPU does not provide required features: avx2",
           MR_FAIL);

    /* The peer's libvirt does not answer: firewall.reachability says why. */
    stub_rc = -ECONNREFUSED;
    r = run(fx, &mr_check_libvirt_cpu_compat);
    mr_test_assert_status(r, MR_SKIP);
    expect(r, "not compared: libvirt on hv2 cannot be asked", MR_SKIP);

    /* custom: the guest CPU Nova defines is compared, over TLS here. */
    stub_rc = 0;
    stub_verdict = MR_CPU_IDENTICAL;
    free(own(fx)->cpu_mode);
    own(fx)->cpu_mode = mr_xstrdup("custom");
    mr_strv_push(&own(fx)->cpu_models, "Nehalem");
    free(own(fx)->transport);
    own(fx)->transport = mr_xstrdup("tls");
    r = run(fx, &mr_check_libvirt_cpu_compat);
    expect(r, "hv2 runs this host's CPU (Nehalem, cpu_mode = custom): identical", MR_PASS);
    assert_string_equal(seen_uri, "qemu+tls://hv2/system");
    assert_non_null(strstr(seen_xml, "<model fallback='forbid'>Nehalem</model>"));
    forget_stub();
}

static void test_cpu_passthrough(void **state)
{
    struct fixture *fx = *state;
    fx->ctx->ops = &compare_ops;
    free(own(fx)->cpu_mode);
    own(fx)->cpu_mode = mr_xstrdup("host-passthrough");
    const struct mr_result *r = run(fx, &mr_check_libvirt_cpu_compat);
    expect(r, "hv2 has the identical CPU Skylake that host-passthrough needs", MR_PASS);
    free(hv2(fx)->cpu_features[1]);
    hv2(fx)->cpu_features[1] = mr_xstrdup("avx512f");
    r = run(fx, &mr_check_libvirt_cpu_compat);
    mr_test_assert_status(r, MR_FAIL);
    expect(r, "hv2 has CPU Skylake, this host Skylake; missing there: avx2; only there: avx512f: "
              "cpu_mode = host-passthrough needs identical CPUs", MR_FAIL);
    forget_stub();
}

static void test_cpu_emulated_and_arch(void **state)
{
    struct fixture *fx = *state;
    fx->ctx->ops = &compare_ops;
    free(own(fx)->virt_type);
    own(fx)->virt_type = mr_xstrdup("qemu");
    forget_stub();
    const struct mr_result *r = run(fx, &mr_check_libvirt_cpu_compat);
    mr_test_assert_status(r, MR_PASS);
    expect(r, "virt_type = qemu: guests run on an emulated CPU", MR_PASS);
    assert_null(seen_uri); /* Nova does not compare, nor do we */

    free(own(fx)->virt_type);
    own(fx)->virt_type = mr_xstrdup("kvm");
    free(hv2(fx)->cpu_arch);
    hv2(fx)->cpu_arch = mr_xstrdup("aarch64");
    r = run(fx, &mr_check_libvirt_cpu_compat);
    expect(r, "hv2 is aarch64, this host x86_64", MR_FAIL);
    assert_null(seen_uri);
}

/* [workarounds] skip_cpu_compare_on_dest, read on the destination: Nova's
 * nova/virt/libvirt/driver.py, LibvirtDriver.check_can_live_migrate_destination
 * then skips _compare_cpu, and libvirt checks the guest CPU when the guest
 * arrives. For host-model that CPU is a subset of the host CPU compared
 * here: an incompatible host CPU is a warning, no longer a fail. */
static void test_cpu_skip_compare_on_dest(void **state)
{
    struct fixture *fx = *state;
    fx->ctx->ops = &compare_ops;
    stub_rc = 0;
    stub_verdict = MR_CPU_INCOMPATIBLE;
    hv2(fx)->skip_cpu_compare_on_dest = 1;
    const struct mr_result *r = run(fx, &mr_check_libvirt_cpu_compat);
    mr_test_assert_status(r, MR_WARN);
    expect(r, "hv2 sets [workarounds] skip_cpu_compare_on_dest, so Nova does not compare CPUs "
              "and libvirt checks the guest CPU when it arrives; hv2 cannot run this host's CPU "
              "(Skylake, cpu_mode = host-model)", MR_WARN);
    expect(r, "(Nova reads the workaround since 26.0.0 (2022.2, Zed))", MR_WARN);

    stub_verdict = MR_CPU_SUPERSET;
    r = run(fx, &mr_check_libvirt_cpu_compat);
    mr_test_assert_status(r, MR_PASS);
    expect(r, "its CPU is a superset; Nova does not compare (skip_cpu_compare_on_dest), libvirt "
              "checks the guest CPU when it arrives", MR_PASS);

    /* Facts of an older migready: this host's own setting is assumed. */
    stub_verdict = MR_CPU_INCOMPATIBLE;
    hv2(fx)->skip_cpu_compare_on_dest = -1;
    own(fx)->skip_cpu_compare_on_dest = 1;
    r = run(fx, &mr_check_libvirt_cpu_compat);
    expect(r, "hv2 sets [workarounds] skip_cpu_compare_on_dest (as on this host: its facts do "
              "not say)", MR_WARN);
    own(fx)->skip_cpu_compare_on_dest = 0;
    r = run(fx, &mr_check_libvirt_cpu_compat);
    expect(r, "hv2 cannot run this host's CPU (Skylake, cpu_mode = host-model)", MR_FAIL);

    /* A custom model is the guest CPU itself: libvirt refuses it on arrival. */
    hv2(fx)->skip_cpu_compare_on_dest = 1;
    set_str(&own(fx)->cpu_mode, "custom");
    mr_strv_push(&own(fx)->cpu_models, "Nehalem");
    r = run(fx, &mr_check_libvirt_cpu_compat);
    expect(r, "hv2 cannot run this host's CPU (Nehalem, cpu_mode = custom)", MR_FAIL);

    /* Before 26.0.0 the option does not exist: Nova compares. */
    set_str(&own(fx)->cpu_mode, "host-model");
    nova_installed(fx, "25.0.0");
    r = run(fx, &mr_check_libvirt_cpu_compat);
    mr_test_assert_status(r, MR_FAIL);
    no_finding(r, "skip_cpu_compare_on_dest");
    forget_stub();
}

/* On AArch64 _compare_cpu compares the host CPUs whatever the guest model
 * (nova/virt/libvirt/driver.py, LibvirtDriver._compare_cpu), and an unset
 * cpu_mode is host-passthrough (LibvirtDriver._get_guest_cpu_model_config). */
static void test_cpu_aarch64(void **state)
{
    struct fixture *fx = *state;
    fx->ctx->ops = &compare_ops;
    stub_rc = 0;
    stub_verdict = MR_CPU_IDENTICAL;
    assert_string_equal(mr_facts_default_cpu_mode("kvm", "aarch64"), "host-passthrough");
    assert_string_equal(mr_facts_default_cpu_mode(NULL, "x86_64"), "host-model");
    assert_string_equal(mr_facts_default_cpu_mode("qemu", "aarch64"), "host-passthrough");
    assert_string_equal(mr_facts_default_cpu_mode("lxc", "aarch64"), "none");

    set_str(&own(fx)->cpu_arch, "aarch64");
    set_str(&hv2(fx)->cpu_arch, "aarch64");
    set_str(&own(fx)->cpu_xml, "<cpu><arch>aarch64</arch><model>cortex-a72</model></cpu>");
    set_str(&own(fx)->cpu_mode, "custom");
    mr_strv_push(&own(fx)->cpu_models, "cortex-a57");
    const struct mr_result *r = run(fx, &mr_check_libvirt_cpu_compat);
    mr_test_assert_status(r, MR_PASS);
    assert_string_equal(seen_xml, "<cpu><arch>aarch64</arch><model>cortex-a72</model></cpu>");

    /* nova.cpu-mode: seed-good's nova.conf leaves cpu_mode unset. */
    r = run(fx, &mr_check_nova_cpu_mode);
    expect(r, "cpu_mode is unset: Nova uses host-passthrough for virt_type kvm on aarch64: "
              "instances see this host's exact CPU", MR_WARN);
    set_str(&own(fx)->cpu_arch, "x86_64");
    r = run(fx, &mr_check_nova_cpu_mode);
    expect(r, "cpu_mode is unset: Nova uses host-model for virt_type kvm", MR_PASS);
    forget_stub();
}

/* ---- libvirt.host-uuid ---- */

static void test_host_uuid(void **state)
{
    struct fixture *fx = *state;
    const struct mr_result *r = run(fx, &mr_check_libvirt_host_uuid);
    mr_test_assert_status(r, MR_PASS);
    expect(r, "hv2 has its own host UUID 11111111-aaaa-4bbb-8ccc-000000000002", MR_PASS);
    expect_unreachable(r);

    free(hv2(fx)->host_uuid);
    hv2(fx)->host_uuid = mr_xstrdup("11111111-AAAA-4bbb-8ccc-000000000001");
    r = run(fx, &mr_check_libvirt_host_uuid);
    mr_test_assert_status(r, MR_FAIL);
    expect(r, "hv2 has the same host UUID 11111111-AAAA-4bbb-8ccc-000000000001 as this host: "
              "libvirt refuses to migrate", MR_FAIL);
    assert_non_null(strstr(mr_test_finding(r, "same host UUID")->remedy, "host_uuid"));

    free(hv2(fx)->host_uuid);
    hv2(fx)->host_uuid = mr_xstrdup("03000200-0400-0500-0006-000700080009");
    r = run(fx, &mr_check_libvirt_host_uuid);
    expect(r, "hv2 has host UUID 03000200-0400-0500-0006-000700080009, a placeholder", MR_FAIL);

    free(own(fx)->host_uuid);
    own(fx)->host_uuid = mr_xstrdup("00000000-0000-0000-0000-000000000000");
    r = run(fx, &mr_check_libvirt_host_uuid);
    expect(r, "this host's host UUID is 00000000-0000-0000-0000-000000000000, a placeholder",
           MR_FAIL);
}

static void test_host_uuid_between_peers(void **state)
{
    struct fixture *fx = *state;
    fx->peers[1]->facts = facts("hv3", "192.0.2.13");
    free(fx->peers[1]->facts->host_uuid);
    fx->peers[1]->facts->host_uuid = mr_xstrdup(hv2(fx)->host_uuid);
    const struct mr_result *r = run(fx, &mr_check_libvirt_host_uuid);
    expect(r, "hv2 and hv3 share host UUID 11111111-aaaa-4bbb-8ccc-000000000002", MR_FAIL);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_ids_same),
        T(test_ids_differ),
        T(test_offline_no_peers),
        T(test_hosts_agree),
        T(test_hosts_peer_sees_other_address),
        T(test_hosts_peer_loopback),
        T(test_hosts_peer_mapped_loopback),
        T(test_hosts_third_party_and_peer_address),
        T(test_facts_nova_addresses),
        T(test_hosts_nova_names),
        T(test_cpu_mode),
        T(test_cpu_models),
        T(test_instances_path),
        T(test_serial_console),
        T(test_versions_lock_manager),
        T(test_versions),
        T(test_versions_skip_check),
        T(test_versions_floor_by_release),
        T(test_versions_no_local_libvirt),
        T(test_cpu_compat),
        T(test_cpu_passthrough),
        T(test_cpu_emulated_and_arch),
        T(test_cpu_skip_compare_on_dest),
        T(test_cpu_aarch64),
        T(test_host_uuid),
        T(test_host_uuid_between_peers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
