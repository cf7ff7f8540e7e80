/* Facts: collected from a fixture root (offline) and with stubbed live
 * sources, written as JSON and read back; junk from a peer is an error
 * with a message, never a crash. */
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

#include "ctx.h"
#include "facts.h"
#include "migready.h"
#include "ops.h"
#include "testutil.h"

#define CAPS                                                                                       \
    "<capabilities><host><uuid> 8d6c1a2e-5b1f-4c3a-9a0e-0c1d2e3f4a5b </uuid>"                      \
    "<cpu><arch>x86_64</arch><model>Skylake-Client-IBRS</model><vendor>Intel</vendor>"             \
    "<topology sockets='1' cores='2' threads='1'/><feature name='vmx'/>"                          \
    "<feature name='avx2'/></cpu></host><guest/></capabilities>"

static void test_collect_offline(void **state)
{
    (void)state;
    char *dir = mr_test_root("seed-good");
    struct mr_ctx *ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(dir, NULL, NULL, &ctx), 0);
    struct mr_facts *f = NULL;
    assert_int_equal(mr_facts_collect(ctx, &f), 0);
    assert_string_equal(f->host, "compute-1");
    assert_string_equal(f->fqdn, "compute-1.example.org");
    assert_int_equal(f->nova_uid, 162);
    assert_int_equal(f->nova_gid, 162);
    assert_string_equal(f->instances_path, "/var/lib/nova/instances");
    assert_string_equal(mr_facts_lookup(f, "COMPUTE-1"), "192.0.2.11");
    assert_null(f->libvirt_version);
    assert_null(f->addresses);
    assert_string_equal(f->cpu_mode, "host-model");
    assert_string_equal(f->transport, "tcp");
    assert_int_equal(f->serial_console_enabled, 0); /* Nova's default False */
    assert_string_equal(f->lock_manager, "nop");     /* qemu.conf leaves it unset */
    assert_int_equal(f->libvirt_port, 16509);
    assert_int_equal(f->migration_port_min, 49152);
    assert_int_equal(mr_strv_len(f->public_keys), 1);
    assert_non_null(strstr(f->public_keys[0], "ssh-ed25519 "));
    bool offline = false;
    for (size_t i = 0; f->notes[i]; i++)
        offline |= strstr(f->notes[i], "offline (--root)") != NULL;
    assert_true(offline);
    char *json = mr_facts_to_json(f);
    /* nova.conf's passwords and the private key never appear. */
    assert_null(strstr(json, "RABBIT_PASS"));
    assert_null(strstr(json, "NOVA_DBPASS"));
    assert_null(strstr(json, "NOVA_PASS"));
    assert_null(strstr(json, "PRIVATE"));
    free(json);
    mr_facts_free(f);
    mr_ctx_free(ctx);
    mr_test_rmtree(dir);
    free(dir);
}

static int stub_addrs(char ***ret)
{
    char **v = mr_xcalloc(1, sizeof(char *));
    mr_strv_push(&v, "127.0.0.1");
    mr_strv_push(&v, "192.0.2.11");
    mr_strv_push(&v, "::1");
    /* Loopback as a dual-stack socket sees 127.0.1.1: not an address for peers. */
    mr_strv_push(&v, "::ffff:127.0.1.1");
    mr_strv_push(&v, "fe80::1");
    *ret = v;
    return 0;
}

static int stub_resolve(const char *name, char ***ret)
{
    if (strcmp(name, "compute-2") != 0)
        return -ENOENT;
    char **v = mr_xcalloc(1, sizeof(char *));
    mr_strv_push(&v, "192.0.2.12");
    *ret = v;
    return 0;
}

static const char *seen_uri;

static int stub_host(const char *uri, struct mr_libvirt_host *ret, char **ret_msg)
{
    seen_uri = uri;
    ret->libvirt_version = 9000000;
    ret->hv_version = 7002011;
    ret->capabilities = mr_xstrdup(CAPS);
    return 0;
}

static void test_collect_live(void **state)
{
    (void)state;
    char *dir = mr_test_root("seed-good");
    char *site_dir = mr_test_scratch();
    mr_test_write(site_dir, "/s.conf", "[site]\npeers = compute-2\nmigration_user = nova\n");
    char *site = mr_xasprintf("%s/s.conf", site_dir);
    struct mr_ctx *ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(dir, NULL, site, &ctx), 0);
    static const struct mr_ops ops = {
        .local_addresses = stub_addrs, .resolve = stub_resolve, .libvirt_host = stub_host};
    ctx->live = true;
    ctx->ops = &ops;
    setenv("LIBVIRT_DEFAULT_URI", "test:///default", 1);
    const struct mr_facts *f = mr_ctx_facts(ctx);
    assert_ptr_equal(f, mr_ctx_facts(ctx)); /* collected once */
    assert_string_equal(seen_uri, "test:///default");
    unsetenv("LIBVIRT_DEFAULT_URI");
    assert_int_equal(mr_strv_len(f->addresses), 1);
    assert_string_equal(f->addresses[0], "192.0.2.11");
    assert_string_equal(mr_facts_lookup(f, "compute-2"), "192.0.2.12");
    assert_string_equal(f->libvirt_version, "9.0.0");
    assert_string_equal(f->qemu_version, "7.2.11");
    assert_string_equal(f->host_uuid, "8d6c1a2e-5b1f-4c3a-9a0e-0c1d2e3f4a5b");
    assert_string_equal(f->cpu_arch, "x86_64");
    assert_string_equal(f->cpu_model, "Skylake-Client-IBRS");
    assert_string_equal(f->cpu_vendor, "Intel");
    assert_int_equal(mr_strv_len(f->cpu_features), 2);
    assert_string_equal(f->cpu_features[1], "avx2");
    assert_non_null(strstr(f->cpu_xml, "<cpu>"));
    assert_non_null(strstr(f->cpu_xml, "<feature name=\"vmx\"/>"));
    assert_null(strstr(f->cpu_xml, "uuid"));
    mr_ctx_free(ctx);
    mr_test_rmtree(dir);
    mr_test_rmtree(site_dir);
    free(dir);
    free(site_dir);
    free(site);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct mr_facts *f = NULL;
    char *msg = NULL;
    assert_int_equal(mr_facts_from_json("{\"tool\": \"migready\", \"host\": \"hv1\"}", &f, &msg),
                     0);
    free(f->host);
    f->host = mr_xstrdup("hv1");
    f->nova_uid = 162;
    f->nova_gid = 163;
    f->addresses = mr_xcalloc(1, sizeof(char *));
    mr_strv_push(&f->addresses, "192.0.2.11");
    assert_int_equal(mr_facts_parse_capabilities(f, CAPS, &msg), 0);
    f->libvirt_version = mr_xstrdup("9.0.0");
    f->cpu_mode = mr_xstrdup("custom");
    f->cpu_models = mr_split_list("Nehalem, qemu64");
    f->libvirt_port = 16509;
    f->migration_port_min = 49152;
    f->migration_port_max = 49215;
    f->ssh_port = 22;
    f->serial_console_enabled = 1;
    f->lock_manager = mr_xstrdup("lockd");
    f->hosts = mr_xcalloc(1, sizeof(*f->hosts));
    f->hosts[0] = (struct mr_host_entry){mr_xstrdup("hv2"), mr_xstrdup("192.0.2.12")};
    f->n_hosts = 1;
    char *json = mr_facts_to_json(f);
    struct mr_facts *g = NULL;
    assert_int_equal(mr_facts_from_json(json, &g, &msg), 0);
    assert_string_equal(g->host, "hv1");
    assert_null(g->fqdn);
    assert_int_equal(g->nova_uid, 162);
    assert_int_equal(g->nova_gid, 163);
    assert_string_equal(g->addresses[0], "192.0.2.11");
    assert_string_equal(g->host_uuid, f->host_uuid);
    assert_string_equal(g->cpu_xml, f->cpu_xml);
    assert_string_equal(g->cpu_features[0], "vmx");
    assert_string_equal(g->cpu_models[1], "qemu64");
    assert_string_equal(mr_facts_lookup(g, "hv2"), "192.0.2.12");
    assert_int_equal(g->migration_port_max, 49215);
    assert_int_equal(g->serial_console_enabled, 1);
    assert_string_equal(g->lock_manager, "lockd");
    char *again = mr_facts_to_json(g);
    assert_string_equal(json, again);
    free(again);
    free(json);
    mr_facts_free(f);
    mr_facts_free(g);
}

static void expect_bad(const char *json, const char *needle)
{
    struct mr_facts *f = NULL;
    char *msg = NULL;
    int r = mr_facts_from_json(json, &f, &msg);
    if (r == 0)
        fail_msg("accepted: %s", json);
    assert_null(f);
    assert_non_null(msg);
    if (!strstr(msg, needle))
        fail_msg("message '%s' does not mention '%s'", msg, needle);
    free(msg);
}

static bool has_note(const struct mr_facts *f, const char *a, const char *b)
{
    for (size_t i = 0; f->notes && f->notes[i]; i++)
        if (strstr(f->notes[i], a) && strstr(f->notes[i], b))
            return true;
    return false;
}

/* A file that cannot be parsed leaves unknown only the facts it gives:
 * libvirtd.conf the libvirt port, qemu.conf the migration range and
 * lock_manager. Each note names the broken file. */
static void test_collect_parse_error_per_file(void **state)
{
    (void)state;
    static const char junk[] = "listen_tcp = 1\n%%% not libvirt's syntax (\n";
    char *dir = mr_test_root("seed-good");
    mr_test_write(dir, "/etc/libvirt/libvirtd.conf", junk);
    mr_test_write(dir, "/etc/libvirt/qemu.conf", "migration_port_min = 49200\n"
                  "migration_port_max = 49300\nlock_manager = \"lockd\"\n");
    struct mr_ctx *ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(dir, NULL, NULL, &ctx), 0);
    struct mr_facts *f = NULL;
    assert_int_equal(mr_facts_collect(ctx, &f), 0);
    assert_int_equal(f->migration_port_min, 49200);
    assert_int_equal(f->migration_port_max, 49300);
    assert_string_equal(f->lock_manager, "lockd");
    assert_int_equal(f->libvirt_port, 0);
    assert_true(has_note(f, "libvirt port", "/etc/libvirt/libvirtd.conf:2"));
    assert_false(has_note(f, "/etc/libvirt/qemu.conf", ""));
    mr_facts_free(f);
    mr_ctx_free(ctx);

    mr_test_write(dir, "/etc/libvirt/libvirtd.conf", "listen_tcp = 1\ntcp_port = \"16600\"\n");
    mr_test_write(dir, "/etc/libvirt/qemu.conf", junk);
    assert_int_equal(mr_ctx_new_for_test(dir, NULL, NULL, &ctx), 0);
    assert_int_equal(mr_facts_collect(ctx, &f), 0);
    assert_int_equal(f->libvirt_port, 16600);
    assert_int_equal(f->migration_port_min, 0);
    assert_null(f->lock_manager);
    assert_true(has_note(f, "migration ports", "/etc/libvirt/qemu.conf:2"));
    assert_false(has_note(f, "/etc/libvirt/libvirtd.conf", ""));
    mr_facts_free(f);
    mr_ctx_free(ctx);
    mr_test_rmtree(dir);
    free(dir);
}

/* Facts of a migready that did not report a field leave it unknown. */
static void test_older_facts(void **state)
{
    (void)state;
    struct mr_facts *f = NULL;
    char *msg = NULL;
    assert_int_equal(mr_facts_from_json("{\"tool\": \"migready\"}", &f, &msg), 0);
    assert_int_equal(f->serial_console_enabled, -1);
    assert_null(f->lock_manager);
    mr_facts_free(f);
}

static void test_junk(void **state)
{
    (void)state;
    expect_bad("", "empty");
    expect_bad("Welcome to hv2!\n{}", "output starts with \"Welcome to hv2!\"");
    expect_bad("[1, 2]", "not an object");
    expect_bad("{\"host\": \"hv2\"}", "not migready's facts");
    expect_bad("{\"tool\": 5}", "'tool' is not a string");
    expect_bad("{\"tool\": \"migready\", \"nova_uid\": \"162\"}", "'nova_uid' is not an integer");
    expect_bad("{\"tool\": \"migready\", \"nova_uid\": -5}", "'nova_uid' is out of range");
    expect_bad("{\"tool\": \"migready\", \"addresses\": [\"a\", 1]}", "'addresses'");
    expect_bad("{\"tool\": \"migready\", \"cpu\": {\"features\": [null]}}", "'cpu.features'");
    expect_bad("{\"tool\": \"migready\", \"cpu\": []}", "'cpu' is not an object");
    expect_bad("{\"tool\": \"migready\", \"ports\": {\"ssh\": 70000}}", "'ports.ssh'");
    expect_bad("{\"tool\": \"migready\", \"hosts\": [{\"name\": \"a\"}]}", "'hosts'");
    expect_bad("{\"tool\": \"migready\", \"host\": \"a\\u0000b\"}", "'host'");
    expect_bad("{\"tool\": \"migready\"} trailing", "after the JSON");
    expect_bad("{\"tool\": \"migready\"", "not JSON");
    /* Deep nesting stops at json-c's depth limit, not in the stack. */
    char *deep = mr_xcalloc(1, 20001);
    memset(deep, '[', 20000);
    expect_bad(deep, "not JSON");
    free(deep);
    /* Unknown keys are for newer versions: ignored. */
    struct mr_facts *f = NULL;
    char *msg = NULL;
    assert_int_equal(mr_facts_from_json("{\"tool\": \"migready\", \"future\": {\"x\": 1}, "
                                        "\"nova_uid\": null}", &f, &msg), 0);
    assert_int_equal(f->nova_uid, -1);
    mr_facts_free(f);
}

static void test_capabilities_junk(void **state)
{
    (void)state;
    struct mr_facts *f = NULL;
    char *msg = NULL;
    assert_int_equal(mr_facts_from_json("{\"tool\": \"migready\"}", &f, &msg), 0);
    assert_int_equal(mr_facts_parse_capabilities(f, "<nope/>", &msg), -EBADMSG);
    free(msg);
    msg = NULL;
    assert_int_equal(mr_facts_parse_capabilities(f, "not xml <", &msg), -EBADMSG);
    free(msg);
    /* No entity of an untrusted document is fetched or expanded. */
    assert_int_equal(mr_facts_parse_capabilities(
                         f, "<!DOCTYPE c [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                            "<capabilities><host><uuid>&x;</uuid></host></capabilities>", &msg),
                     0);
    assert_true(!f->host_uuid || !strstr(f->host_uuid, "root:"));
    mr_facts_free(f);
}

static void test_version(void **state)
{
    (void)state;
    assert_int_equal(mr_facts_version("9.0.0"), 9000000);
    assert_int_equal(mr_facts_version("10.2"), 10002000);
    assert_int_equal(mr_facts_version("8"), 8000000);
    assert_true(mr_facts_version("8.x") < 0);
    assert_true(mr_facts_version("") < 0);
    assert_true(mr_facts_version("1.2000.0") < 0);
    assert_true(mr_facts_version(NULL) < 0);
    assert_true(mr_facts_version("99999999999999999999") < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collect_offline),
        cmocka_unit_test(test_collect_live),
        cmocka_unit_test(test_collect_parse_error_per_file),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_older_facts),
        cmocka_unit_test(test_junk),
        cmocka_unit_test(test_capabilities_junk),
        cmocka_unit_test(test_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
