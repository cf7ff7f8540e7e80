/* The fleet comparisons (checks/fleet.c) on five hosts' facts made in
 * memory: one inconsistency planted on hv3 at a time must be found naming
 * hv3, and no finding that does not pass may name a clean host; facts of an
 * older migready make a skip naming the field. libvirt's baseline is a stub
 * that "knows" which CPU is the oldest. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "facts.h"
#include "fleet.h"
#include "fleetfacts.h"
#include "migready.h"
#include "ops.h"

#define N 5

/* A clean host I (1-based) with EXTRA JSON members appended (overriding
 * earlier ones: json-c keeps the last of a repeated key). */
static char *doc(int i, const char *extra)
{
    return mr_xasprintf(
        "{\"tool\": \"migready\", \"host\": \"hv%d\", \"addresses\": [\"192.0.2.1%d\"], "
        "\"nova_user\": \"nova\", \"nova_uid\": 162, \"nova_gid\": 162, "
        "\"instances_path\": \"/var/lib/nova/instances\", "
        "\"hosts\": [{\"name\": \"hv1\", \"address\": \"192.0.2.11\"}, "
        "{\"name\": \"hv2\", \"address\": \"192.0.2.12\"}, "
        "{\"name\": \"hv3\", \"address\": \"192.0.2.13\"}, "
        "{\"name\": \"hv4\", \"address\": \"192.0.2.14\"}, "
        "{\"name\": \"hv5\", \"address\": \"192.0.2.15\"}], "
        "\"resolved\": [{\"name\": \"hv%d\", \"address\": \"192.0.2.1%d\"}], "
        "\"libvirt_version\": \"9.0.0\", \"qemu_version\": \"8.2.0\", "
        "\"cpu\": {\"arch\": \"x86_64\", \"vendor\": \"Intel\", \"model\": \"Skylake\", "
        "\"xml\": \"<cpu><model>Skylake</model></cpu>\"}, "
        "\"host_uuid\": \"00000000-1111-2222-3333-00000000000%d\", \"virt_type\": \"kvm\", "
        "\"cpu_mode\": \"host-model\", \"cpu_models\": [], \"transport\": \"tcp\", "
        "\"key_fingerprints\": [\"SHA256:shared\"], "
        "\"authorized_fingerprints\": [\"SHA256:shared\"], "
        "\"nova_release\": {\"version\": \"29.0.0\", \"major\": 29}, "
        "\"ports\": {\"libvirt\": 16509, \"migration_min\": 49152, \"migration_max\": 49215, "
        "\"ssh\": 22}, "
        "\"tls\": {\"ca_fingerprint\": \"sha256:aa\"}, "
        "\"rbd\": {\"secret_uuid\": \"457eb676-33da-42ec-9a8c-9293d545c337\", "
        "\"secret\": {\"present\": true}}%s%s}",
        i, i, i, i, i, extra ? ", " : "", extra ? extra : "");
}

/* Writes the fleet (hv3 gets PLANT) to a scratch folder and loads it. */
static struct mr_fleet *fleet_with(const char *plant, char **ret_dir)
{
    char tmpl[] = "/tmp/test-fleet-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    for (int i = 1; i <= N; i++) {
        char *path = mr_xasprintf("%s/hv%d.json", dir, i);
        char *json = doc(i, i == 3 ? plant : NULL);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(json, f);
        fclose(f);
        free(json);
        free(path);
    }
    char *paths[] = {dir, NULL};
    struct mr_fleet *fl = NULL;
    char *msg = NULL;
    if (mr_fleet_load(paths, &fl, &msg) < 0)
        fail_msg("load: %s", msg);
    *ret_dir = mr_xstrdup(dir);
    return fl;
}

static void remove_dir(char *dir)
{
    for (int i = 1; i <= N; i++) {
        char *path = mr_xasprintf("%s/hv%d.json", dir, i);
        unlink(path);
        free(path);
    }
    rmdir(dir);
    free(dir);
}

/* The CPU stub: "Haswell" when hv3's description (the older CPU) is among
 * them, else "Skylake". */
static int stub_baseline(const char *uri, const char *virt_type, const char *const *xmls,
                         size_t n, char **ret_xml, char **ret_msg)
{
    bool old = false;
    for (size_t i = 0; i < n; i++)
        old = old || strstr(xmls[i], "Haswell") != NULL;
    *ret_xml = mr_xasprintf("<cpu mode='custom'><model>%s</model>"
                            "<feature policy='require' name='ds'/></cpu>",
                            old ? "Haswell" : "Skylake");
    return 0;
}

static struct mr_ops stub_ops;

static const struct mr_result *result(const struct mr_run *run, const char *id)
{
    for (size_t i = 0; i < run->n; i++)
        if (strcmp(run->results[i].check->id, id) == 0)
            return &run->results[i];
    fail_msg("no result %s", id);
    return NULL;
}

/* ID does not pass, a finding names hv3, and none that does not pass names
 * another host. */
static void expect_outlier(const char *id, const char *plant, enum mr_status want)
{
    char *dir = NULL;
    struct mr_fleet *fl = fleet_with(plant, &dir);
    struct mr_run *run = mr_fleet_run(fl, &stub_ops, "test:///stub");
    const struct mr_result *r = result(run, id);
    if (r->status != want)
        fail_msg("%s with %s: %s (%s)", id, plant, mr_status_name(r->status),
                 mr_result_primary(r)->message);
    bool named = false;
    for (size_t k = 0; k < r->n_findings; k++) {
        const struct mr_finding *f = &r->findings[k];
        if (f->status == MR_PASS || f->status == MR_SKIP)
            continue;
        named = named || strstr(f->message, "hv3") != NULL;
        static const char *const clean[] = {"hv1", "hv2", "hv4", "hv5"};
        for (size_t c = 0; c < MR_ARRAY_SIZE(clean); c++)
            if (strstr(f->message, clean[c]) || (f->remedy && strstr(f->remedy, clean[c])))
                fail_msg("%s names the clean host %s: %s", id, clean[c], f->message);
    }
    if (!named)
        fail_msg("%s does not name hv3: %s", id, mr_result_primary(r)->message);
    /* Every other check still passes: one change flips one check. */
    for (size_t i = 0; i < run->n; i++)
        if (run->results[i].status != MR_PASS && strcmp(run->results[i].check->id, id) != 0)
            fail_msg("%s with %s also flips %s: %s", id, plant, run->results[i].check->id,
                     mr_result_primary(&run->results[i])->message);
    mr_run_free(run);
    mr_fleet_free(fl);
    remove_dir(dir);
}

static void test_clean_fleet_passes(void **state)
{
    char *dir = NULL;
    struct mr_fleet *fl = fleet_with(NULL, &dir);
    struct mr_run *run = mr_fleet_run(fl, &stub_ops, "test:///stub");
    for (size_t i = 0; i < run->n; i++)
        if (run->results[i].status != MR_PASS)
            fail_msg("%s: %s", run->results[i].check->id,
                     mr_result_primary(&run->results[i])->message);
    assert_int_equal(mr_run_exit_code(run), 0);
    mr_run_free(run);
    mr_fleet_free(fl);
    remove_dir(dir);
}

static void test_each_comparison_names_the_outlier(void **state)
{
    expect_outlier("fleet.ids-nova", "\"nova_uid\": 163", MR_FAIL);
    expect_outlier("fleet.ids-nova", "\"nova_gid\": null", MR_FAIL);
    expect_outlier("fleet.host-uuid", "\"host_uuid\": \"03000200-0400-0500-0006-000700080009\"",
                   MR_FAIL);
    expect_outlier("fleet.versions", "\"qemu_version\": \"7.2.0\"", MR_FAIL);
    expect_outlier("fleet.versions", "\"libvirt_version\": \"6.9.0\"", MR_FAIL);
    expect_outlier("fleet.resolution",
                   "\"resolved\": [{\"name\": \"hv3\", \"address\": \"127.0.1.1\"}]", MR_FAIL);
    expect_outlier("fleet.resolution",
                   "\"resolved\": [{\"name\": \"hv3\", \"address\": \"192.0.2.99\"}]", MR_FAIL);
    expect_outlier("fleet.cpu-mode", "\"cpu_mode\": \"host-passthrough\"", MR_WARN);
    expect_outlier("fleet.cpu-mode", "\"cpu_mode\": \"custom\", \"cpu_models\": [\"Haswell\"]",
                   MR_WARN);
    expect_outlier("fleet.instances-path", "\"instances_path\": \"/srv/instances\"", MR_FAIL);
    expect_outlier("fleet.transport", "\"transport\": \"ssh\"", MR_FAIL);
    expect_outlier("fleet.ports", "\"ports\": {\"libvirt\": 16509, \"migration_min\": 49152, "
                   "\"migration_max\": 49153, \"ssh\": 22}", MR_FAIL);
    expect_outlier("fleet.ssh-keys", "\"key_fingerprints\": [\"SHA256:own\"]", MR_FAIL);
    expect_outlier("fleet.ssh-keys", "\"authorized_fingerprints\": []", MR_FAIL);
    expect_outlier("fleet.ssh-keys", "\"key_fingerprints\": []", MR_FAIL);
    expect_outlier("fleet.tls-ca", "\"tls\": {\"ca_fingerprint\": \"sha256:bb\"}", MR_FAIL);
    expect_outlier("fleet.rbd-secret", "\"rbd\": {\"secret_uuid\": \"00000000-0000-4000-8000-"
                   "000000000001\", \"secret\": {\"present\": true}}", MR_FAIL);
    expect_outlier("fleet.rbd-secret", "\"rbd\": {\"secret_uuid\": \"457eb676-33da-42ec-9a8c-"
                   "9293d545c337\", \"secret\": {\"present\": false}}", MR_FAIL);
    /* hv3's older CPU keeps the others from Skylake; host-model: a warning. */
    expect_outlier("fleet.cpu", "\"cpu\": {\"arch\": \"x86_64\", \"vendor\": \"Intel\", "
                   "\"model\": \"Haswell\", \"xml\": \"<cpu><model>Haswell</model></cpu>\"}",
                   MR_WARN);
    expect_outlier("fleet.cpu", "\"cpu\": {\"arch\": \"x86_64\", \"vendor\": \"AMD\", "
                   "\"model\": \"EPYC\", \"xml\": \"<cpu><model>EPYC</model></cpu>\"}", MR_FAIL);
}

/* A shared UUID names both hosts that share it, and only those. */
static void test_shared_uuid(void **state)
{
    char *dir = NULL;
    struct mr_fleet *fl =
        fleet_with("\"host_uuid\": \"00000000-1111-2222-3333-000000000004\"", &dir);
    struct mr_run *run = mr_fleet_run(fl, &stub_ops, "test:///stub");
    const struct mr_result *r = result(run, "fleet.host-uuid");
    assert_int_equal(r->status, MR_FAIL);
    const char *m = mr_result_primary(r)->message;
    assert_non_null(strstr(m, "hv3 and hv4 share host UUID"));
    assert_null(strstr(m, "hv1"));
    mr_run_free(run);
    mr_fleet_free(fl);
    remove_dir(dir);
}

/* Facts of an older migready: a skip naming the field, never a fail. */
static void test_older_facts_skip(void **state)
{
    char *dir = NULL;
    struct mr_fleet *fl = fleet_with("\"key_fingerprints\": null, \"nova_release\": null, "
                                     "\"host_uuid\": null, \"tls\": null, \"rbd\": null",
                                     &dir);
    struct mr_run *run = mr_fleet_run(fl, &stub_ops, "test:///stub");
    static const char *const ids[][2] = {
        {"fleet.ssh-keys", "key_fingerprints"},
        {"fleet.versions", "nova_release"},
        {"fleet.host-uuid", "host_uuid"},
        {"fleet.tls-ca", "tls.ca_fingerprint"},
        {"fleet.rbd-secret", "rbd.secret_uuid"},
    };
    for (size_t i = 0; i < MR_ARRAY_SIZE(ids); i++) {
        const struct mr_result *r = result(run, ids[i][0]);
        if (r->status != MR_SKIP)
            fail_msg("%s: %s (%s)", ids[i][0], mr_status_name(r->status),
                     mr_result_primary(r)->message);
        const char *m = mr_result_primary(r)->message;
        if (!strstr(m, ids[i][1]) || !strstr(m, "hv3"))
            fail_msg("%s does not name %s and hv3: %s", ids[i][0], ids[i][1], m);
    }
    assert_int_equal(mr_run_exit_code(run), 0);
    mr_run_free(run);
    mr_fleet_free(fl);
    remove_dir(dir);
}

/* No libvirt to ask: fleet.cpu skips, saying why. */
static void test_cpu_without_libvirt(void **state)
{
    char *dir = NULL;
    struct mr_fleet *fl = fleet_with(NULL, &dir);
    struct mr_run *run = mr_fleet_run(fl, &mr_ops_none, "qemu:///system");
    const struct mr_result *r = result(run, "fleet.cpu");
    assert_int_equal(r->status, MR_SKIP);
    assert_non_null(strstr(mr_result_primary(r)->message, "no libvirt to ask"));
    mr_run_free(run);
    mr_fleet_free(fl);
    remove_dir(dir);
}

/* OpenSSH's fingerprint, as `ssh-keygen -lf` printed it for this key. */
#define MR_TEST_FINGERPRINT "SHA256:gNxY108ZtojAgJyPFe8meHdV1iHJnS9WsN0cy2PXkTg"

static void test_key_fingerprint(void **state)
{
    const char *key = "ssh-ed25519 "
                      "AAAAC3NzaC1lZDI1NTE5AAAAILJw0V95bv2H2Mo8E8/cudki0+w0iCNDKykOtyPMMOh+ test";
    char *fp = mr_facts_key_fingerprint(key);
    assert_non_null(fp);
    assert_string_equal(fp, MR_TEST_FINGERPRINT);
    char *opt = mr_xasprintf("from=\"10.0.0.1, 10.0.0.2\",no-pty %s", key);
    char *fp2 = mr_facts_key_fingerprint(opt);
    assert_non_null(fp2);
    assert_string_equal(fp2, fp);
    assert_null(mr_facts_key_fingerprint("# a comment"));
    assert_null(mr_facts_key_fingerprint("ssh-ed25519 !!!notbase64!!!!!!!!!"));
    free(fp);
    free(fp2);
    free(opt);
}

int main(void)
{
    stub_ops = mr_ops_none;
    stub_ops.libvirt_baseline_cpu = stub_baseline;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_fleet_passes),
        cmocka_unit_test(test_each_comparison_names_the_outlier),
        cmocka_unit_test(test_shared_uuid),
        cmocka_unit_test(test_older_facts_skip),
        cmocka_unit_test(test_cpu_without_libvirt),
        cmocka_unit_test(test_key_fingerprint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
