/* migrate-test without a hypervisor: the URIs Nova would use, libvirt's
 * errors mapped to the operator's causes, the report's JSON, and the
 * migrate.roundtrip check on a stubbed ops->migrate_test. */
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
#include <json-c/json.h>
#include <libvirt/virterror.h>

#include "checks.h"
#include "ctx.h"
#include "migrate.h"
#include "migready.h"
#include "novaconf.h"
#include "ops.h"
#include "rootfs.h"
#include "testutil.h"
#include "uri.h"

/* ------------------------------------------------------------- URIs */

struct uris {
    char *uri, *stream, *msg;
};

static int uris_for(const char *conf, const char *transport, const char *dest, bool with_stream,
                    struct uris *u)
{
    char *dir = mr_test_scratch();
    mr_test_write(dir, "/etc/nova/nova.conf", conf);
    struct mr_root *root = NULL;
    assert_int_equal(mr_root_open(dir, &root), 0);
    struct mr_novaconf *nova = NULL;
    char *msg = NULL;
    assert_int_equal(mr_novaconf_load(root, &nova, &msg), 0);
    *u = (struct uris){0};
    int r = mr_uri_migration(nova, transport, dest, with_stream, &u->uri, &u->stream, &u->msg);
    mr_novaconf_free(nova);
    mr_root_free(root);
    mr_test_rmtree(dir);
    free(dir);
    return r;
}

static void uris_free(struct uris *u)
{
    free(u->uri);
    free(u->stream);
    free(u->msg);
}

static void test_uri_default_tcp(void **state)
{
    (void)state;
    struct uris u;
    assert_int_equal(uris_for("[libvirt]\nvirt_type = kvm\n", NULL, "hv2", true, &u), 0);
    assert_string_equal(u.uri, "qemu+tcp://hv2/system");
    assert_string_equal(u.stream, "tcp://hv2");
    uris_free(&u);
    /* Without an inbound address Nova leaves the stream to libvirt. */
    assert_int_equal(uris_for("", NULL, "hv1", false, &u), 0);
    assert_string_equal(u.uri, "qemu+tcp://hv1/system");
    assert_null(u.stream);
    uris_free(&u);
}

static void test_uri_scheme(void **state)
{
    (void)state;
    struct uris u;
    assert_int_equal(uris_for("[libvirt]\nlive_migration_scheme = tls\n", NULL, "hv2", true, &u),
                     0);
    assert_string_equal(u.uri, "qemu+tls://hv2/system");
    uris_free(&u);
    assert_int_equal(uris_for("[libvirt]\nlive_migration_scheme = ssh\n", NULL, "hv2", true, &u),
                     0);
    assert_string_equal(u.uri, "qemu+ssh://hv2/system");
    uris_free(&u);
}

/* One URI-to-transport mapping for migrate-test, transport.scheme and its
 * fixer (three copies of it disagreed on qemu:// and libssh). */
static void test_uri_transport(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"qemu+tcp://hv2/system", "tcp"},   {"qemu+tls://hv2/system", "tls"},
        {"qemu+ssh://nova@%s/system", "ssh"}, {"qemu+libssh2://%s/system", "ssh"},
        {"qemu+libssh://%s/system", "ssh"}, {"qemu://%s/system", "tls"},
        {"qemu+unix:///system", "unix"},
    };
    for (size_t i = 0; i < MR_ARRAY_SIZE(cases); i++) {
        char *t = mr_uri_transport(cases[i][0]);
        assert_non_null(t);
        assert_string_equal(t, cases[i][1]);
        free(t);
    }
    assert_null(mr_uri_transport("hv2"));
    assert_string_equal(mr_uri_transport_name("libssh"), "ssh");
    assert_string_equal(mr_uri_transport_name("tcp"), "tcp");
    char *u = mr_uri_peer("tls", "fd00::2");
    assert_string_equal(u, "qemu+tls://[fd00::2]/system");
    free(u);
    u = mr_uri_peer(NULL, "hv2");
    assert_string_equal(u, "qemu+tcp://hv2/system");
    free(u);
}

static void test_uri_transport_overrides(void **state)
{
    (void)state;
    struct uris u;
    assert_int_equal(uris_for("[libvirt]\nlive_migration_scheme = tls\n"
                              "live_migration_uri = qemu+ssh://nova@%s/system\n",
                              "tcp", "hv2", true, &u),
                     0);
    assert_string_equal(u.uri, "qemu+tcp://hv2/system");
    uris_free(&u);
}

static void test_uri_deprecated(void **state)
{
    (void)state;
    struct uris u;
    assert_int_equal(uris_for("[libvirt]\nlive_migration_scheme = tls\n"
                              "live_migration_uri = qemu+ssh://nova@%s/system?keyfile=/k%%1\n",
                              NULL, "hv2", true, &u),
                     0);
    assert_string_equal(u.uri, "qemu+ssh://nova@hv2/system?keyfile=/k%1");
    uris_free(&u);
    /* No %s: Nova's `uri % dest` raises. */
    assert_int_equal(uris_for("[libvirt]\nlive_migration_uri = qemu+tcp://hv9/system\n", NULL,
                              "hv2", true, &u),
                     -EINVAL);
    assert_non_null(strstr(u.msg, "exactly one %s"));
    uris_free(&u);
}

static void test_uri_ipv6_and_tunnel(void **state)
{
    (void)state;
    struct uris u;
    assert_int_equal(uris_for("[libvirt]\nlive_migration_tunnelled = true\n", NULL,
                              "2001:db8::12", true, &u),
                     0);
    assert_string_equal(u.uri, "qemu+tcp://[2001:db8::12]/system");
    assert_null(u.stream); /* tunnelled through libvirtd */
    uris_free(&u);
    assert_int_equal(uris_for("", NULL, "2001:db8::12", true, &u), 0);
    assert_string_equal(u.stream, "tcp://[2001:db8::12]");
    uris_free(&u);
    assert_int_equal(uris_for("[libvirt]\nvirt_type = lxc\n", NULL, "hv2", true, &u), -EINVAL);
    uris_free(&u);
}

/* ------------------------------------------------------------- causes */

static void expect_cause(enum mr_migrate_phase phase, int code, const char *msg,
                         const char *check, const char *word)
{
    struct mr_migrate_cause c;
    mr_migrate_explain(phase, code, msg, "hv1", "hv2", &c);
    if (check == NULL)
        assert_null(c.check);
    else if (!c.check || strcmp(c.check, check) != 0)
        fail_msg("'%s': want %s, got %s", msg, check, c.check ? c.check : "none");
    if (word && (!c.cause || !strstr(c.cause, word)))
        fail_msg("'%s': '%s' not in cause '%s'", msg, word, c.cause ? c.cause : "");
    mr_migrate_cause_clear(&c);
}

static void test_explain(void **state)
{
    (void)state;
    /* libvirt 9.0's own messages, as met in the lab. */
    expect_cause(MR_PHASE_MIGRATE, VIR_ERR_CPU_INCOMPATIBLE,
                 "the CPU is incompatible with host CPU: Host CPU does not provide required "
                 "features: avx512f",
                 "libvirt.cpu-compat", "cannot run on hv2");
    expect_cause(MR_PHASE_MIGRATE, VIR_ERR_INTERNAL_ERROR,
                 "internal error: Attempt to migrate guest to the same host "
                 "11111111-2222-3333-4444-555555555555",
                 "libvirt.host-uuid", "same host UUID");
    expect_cause(MR_PHASE_CONNECT, VIR_ERR_SYSTEM_ERROR,
                 "unable to connect to server at 'hv2:16509': Connection refused",
                 "libvirt.listen", "port 16509");
    expect_cause(MR_PHASE_MIGRATE, VIR_ERR_OPERATION_FAILED,
                 "operation failed: Failed to connect to remote libvirt URI "
                 "qemu+tcp://hv2/system: unable to connect to server at 'hv2:16509': "
                 "Connection refused",
                 "libvirt.listen", "16509");
    expect_cause(MR_PHASE_MIGRATE, VIR_ERR_OPERATION_FAILED,
                 "unable to connect to server at 'hv2:49152': Connection refused",
                 "firewall.ports", "port 49152");
    expect_cause(MR_PHASE_MIGRATE, VIR_ERR_INTERNAL_ERROR,
                 "internal error: unable to execute QEMU command 'blockdev-add': Failed to "
                 "connect to 'hv2:49153': Connection refused",
                 "firewall.ports", "port 49153");
    expect_cause(MR_PHASE_CONNECT, 0,
                 "unable to connect to server at 'hv2:16509': connection timed out (no answer "
                 "within 3 s)",
                 "firewall.reachability", "does not answer");
    expect_cause(MR_PHASE_MIGRATE, VIR_ERR_INTERNAL_ERROR,
                 "internal error: hostname on destination resolved to localhost, but migration "
                 "requires an FQDN",
                 "hosts.resolution", "loopback");
    expect_cause(MR_PHASE_MIGRATE, VIR_ERR_MIGRATE_UNSAFE,
                 "Unsafe migration: Migration without shared storage is unsafe", "nfs.fstab",
                 "not the same storage");
    expect_cause(MR_PHASE_MIGRATE, VIR_ERR_INTERNAL_ERROR,
                 "internal error: process exited while connecting to monitor: Could not open "
                 "'/var/lib/nova/instances/x.img': No such file or directory",
                 "nfs.fstab", NULL);
    expect_cause(MR_PHASE_MIGRATE, VIR_ERR_INTERNAL_ERROR,
                 "internal error: qemu unexpectedly closed the monitor: Could not open "
                 "'/var/lib/nova/instances/x.img': Permission denied",
                 "nova.instances-path", "may not open");
    expect_cause(MR_PHASE_CONNECT, VIR_ERR_AUTH_FAILED, "authentication failed: no credentials",
                 "libvirt.auth", NULL);
    expect_cause(MR_PHASE_CONNECT, VIR_ERR_SYSTEM_ERROR,
                 "Cannot recv data: Host key verification failed.: Connection reset by peer",
                 "ssh.peers", NULL);
    expect_cause(MR_PHASE_MIGRATE, VIR_ERR_OPERATION_ABORTED,
                 "operation aborted: job 'migration out' canceled by client", NULL, "aborted");
    /* TLS, in libvirt's words (src/rpc/virnettlscontext.c, virnetclient.c). */
    expect_cause(MR_PHASE_CONNECT, VIR_ERR_AUTH_FAILED,
                 "authentication failed: Failed to verify peer's certificate", "tls.certs",
                 "expired or signed by another CA");
    expect_cause(MR_PHASE_MIGRATE, VIR_ERR_RPC,
                 "operation failed: Failed to connect to remote libvirt URI "
                 "qemu+tls://hv2/system: Certificate [session] owner does not match the "
                 "hostname hv2",
                 "tls.certs", "lacks the name");
    expect_cause(MR_PHASE_MIGRATE, VIR_ERR_SYSTEM_ERROR,
                 "Unable to read TLS confirmation: Input/output error", "tls.certs",
                 "refused the client certificate");
    expect_cause(MR_PHASE_MIGRATE, VIR_ERR_INTERNAL_ERROR,
                 "internal error: unable to execute QEMU command 'object-add': Unable to access "
                 "credentials /etc/pki/qemu/ca-cert.pem: No such file or directory",
                 "tls.certs", "QEMU's TLS certificates");
    /* Unknown: no check named, no cause made up. */
    expect_cause(MR_PHASE_MIGRATE, VIR_ERR_INTERNAL_ERROR, "internal error: something new", NULL,
                 NULL);
}

/* ------------------------------------------------------------- JSON */

static void fill_ok(struct mr_migrate_report *rep, const char *peer)
{
    *rep = (struct mr_migrate_report){0};
    rep->outcome = MR_MIGRATE_OK;
    rep->host = mr_xstrdup("hv1");
    rep->peer = mr_xstrdup(peer);
    rep->transport = mr_xstrdup("tcp");
    rep->storage = mr_xstrdup("shared");
    rep->domain = mr_xstrdup("migready-probe-hv1-0a0b0c0d");
    const char *ends[][2] = {{"hv1", peer}, {peer, "hv1"}};
    for (size_t i = 0; i < 2; i++) {
        struct mr_migrate_leg *l = &rep->legs[i];
        l->from = mr_xstrdup(ends[i][0]);
        l->to = mr_xstrdup(ends[i][1]);
        l->uri = mr_xasprintf("qemu+tcp://%s/system", ends[i][1]);
        l->done = l->have_stats = true;
        l->time_ms = 350 + i;
        l->downtime_ms = 16;
        l->bytes = 496407;
        l->iterations = 2;
    }
    rep->n_legs = 2;
}

static void test_json(void **state)
{
    (void)state;
    struct mr_migrate_report rep;
    fill_ok(&rep, "hv2");
    char *s = mr_migrate_to_json(&rep);
    json_object *o = json_tokener_parse(s);
    assert_non_null(o);
    json_object *legs, *v, *leg;
    assert_true(json_object_object_get_ex(o, "legs", &legs));
    assert_int_equal(json_object_array_length(legs), 2);
    leg = json_object_array_get_idx(legs, 1);
    assert_true(json_object_object_get_ex(leg, "time_ms", &v));
    assert_int_equal(json_object_get_int(v), 351);
    assert_true(json_object_object_get_ex(leg, "downtime_ms", &v));
    assert_true(json_object_object_get_ex(leg, "bytes", &v));
    assert_int_equal(json_object_get_int(v), 496407);
    assert_true(json_object_object_get_ex(o, "ok", &v));
    assert_true(json_object_get_boolean(v));
    assert_false(json_object_object_get_ex(o, "error", &v));
    assert_true(json_object_object_get_ex(o, "native_tls", &v));
    assert_false(json_object_get_boolean(v));
    json_object_put(o);
    free(s);
    mr_migrate_report_clear(&rep);
}

/* QEMU's own TLS stream is said, in JSON and in the text's first line: the
 * URIs alone (tcp://HOST) do not show it. */
static void test_native_tls_said(void **state)
{
    (void)state;
    struct mr_migrate_report rep;
    fill_ok(&rep, "hv2");
    free(rep.transport);
    rep.transport = mr_xstrdup("tls");
    rep.native_tls = true;
    char *s = mr_migrate_to_json(&rep);
    json_object *o = json_tokener_parse(s), *v;
    assert_non_null(o);
    assert_true(json_object_object_get_ex(o, "native_tls", &v));
    assert_true(json_object_get_boolean(v));
    json_object_put(o);
    free(s);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    FILE *saved = stdout;
    stdout = f;
    mr_migrate_print_text(&rep, false);
    stdout = saved;
    fclose(f);
    assert_non_null(strstr(text, "migrate-test hv1 -> hv2 -> hv1 (tls + QEMU native TLS, shared "
                                 "storage)\n"));
    free(text);
    mr_migrate_report_clear(&rep);
}

/* ------------------------------------------------------------- the check */

static int calls;

static int stub_migrate(const struct mr_ctx *ctx, const struct mr_migrate_opts *o,
                        struct mr_migrate_report *rep)
{
    (void)ctx;
    calls++;
    fill_ok(rep, o->peer);
    if (strcmp(o->peer, "hv3") == 0) {
        rep->outcome = MR_MIGRATE_FAILED;
        rep->n_legs = 1;
        rep->legs[0].done = false;
        rep->step = mr_xstrdup("leg 1 hv1 -> hv3");
        rep->error = mr_xstrdup("unable to connect to server at 'hv3:49152': Connection refused");
        mr_migrate_explain(MR_PHASE_MIGRATE, VIR_ERR_OPERATION_FAILED, rep->error, "hv1", "hv3",
                           &rep->why);
    }
    return (int)rep->outcome;
}

static int resolve_mapped_loopback(const char *name, char ***ret)
{
    (void)name;
    char **v = mr_xcalloc(1, sizeof(char *));
    mr_strv_push(&v, "::ffff:127.0.1.1");
    *ret = v;
    return 0;
}

static int no_local_addresses(char ***ret)
{
    *ret = mr_xcalloc(1, sizeof(char *));
    return 0;
}

/* A peer whose name resolves to the v4-mapped form of 127.0.1.1 is this
 * host: migrate-test stops before it connects anywhere and names the check
 * that fails it (hosts.resolution), as it does for 127.0.1.1. */
static void test_run_peer_mapped_loopback(void **state)
{
    (void)state;
    char *dir = mr_test_root("seed-good");
    struct mr_ctx *ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(dir, NULL, NULL, &ctx), 0);
    static const struct mr_ops ops = {.resolve = resolve_mapped_loopback,
                                      .local_addresses = no_local_addresses};
    ctx->live = true;
    ctx->ops = &ops;
    volatile sig_atomic_t stop = 0;
    struct mr_migrate_opts o = {.peer = "hv2", .timeout_s = 5, .interrupted = &stop};
    struct mr_migrate_report rep;
    assert_int_equal(mr_migrate_run(ctx, &o, &rep), MR_MIGRATE_FAILED);
    assert_string_equal(rep.step, "resolve hv2");
    assert_string_equal(rep.error, "hv2 resolves to ::ffff:127.0.1.1, a loopback address");
    assert_non_null(rep.why.check);
    assert_string_equal(rep.why.check, "hosts.resolution");
    mr_migrate_report_clear(&rep);
    mr_ctx_free(ctx);
    mr_test_rmtree(dir);
    free(dir);
}

static const struct mr_ops migrate_ops = {.migrate_test = stub_migrate};

static void test_check(void **state)
{
    (void)state;
    char *dir = mr_test_root("seed-good");
    char *site_dir = mr_test_scratch();
    mr_test_write(site_dir, "/s.conf", "[site]\npeers = hv2, hv3\n");
    char *site = mr_xasprintf("%s/s.conf", site_dir);
    struct mr_ctx *ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(dir, NULL, site, &ctx), 0);
    ctx->ops = &migrate_ops;

    /* Without --migrate nothing migrates. */
    struct mr_result res = {.check = &mr_check_migrate_roundtrip};
    calls = 0;
    assert_int_equal(mr_check_migrate_roundtrip.run(ctx, &res), 0);
    assert_int_equal(res.status, MR_SKIP);
    assert_int_equal(calls, 0);
    assert_non_null(strstr(mr_result_primary(&res)->message, "--migrate"));
    mr_result_clear(&res);

    ctx->migrate = true;
    res = (struct mr_result){.check = &mr_check_migrate_roundtrip};
    assert_int_equal(mr_check_migrate_roundtrip.run(ctx, &res), 0);
    assert_int_equal(calls, 2);
    assert_int_equal(res.status, MR_FAIL);
    assert_int_equal(res.n_findings, 2);
    assert_int_equal(res.findings[0].status, MR_PASS);
    assert_non_null(strstr(res.findings[0].message, "hv1 -> hv2 -> hv1"));
    assert_non_null(strstr(res.findings[0].message, "350 ms"));
    const struct mr_finding *f = &res.findings[1];
    assert_int_equal(f->status, MR_FAIL);
    assert_non_null(strstr(f->message, "hv3"));
    assert_non_null(strstr(f->message, "Connection refused"));
    assert_non_null(strstr(f->message, "firewall.ports finds this"));
    assert_non_null(f->remedy);
    assert_non_null(strstr(f->remedy, "migration port range"));
    mr_result_clear(&res);

    mr_ctx_free(ctx);
    mr_test_rmtree(dir);
    mr_test_rmtree(site_dir);
    free(dir);
    free(site_dir);
    free(site);
}

/* An RBD probe disk's failures, in the words libvirt and QEMU use
 * (../shared/LAB-NOTES.md), point at the rbd checks; others do not. */
static void test_explain_rbd(void **state)
{
    (void)state;
    static const struct {
        const char *msg, *check, *word;
    } cases[] = {
        {"Secret not found: no secret with matching uuid '457eb676-33da-42ec-9a8c-9293d545c337'",
         "rbd.secret", "lacks the Ceph secret 457eb676"},
        {"internal error: qemu unexpectedly closed the monitor: error connecting: Permission "
         "denied", "rbd.secret", "key mismatch"},
        {"error connecting: Invalid argument", "rbd.secret", "--plain"},
        {"operation failed: rbd: error connecting: Connection timed out", "rbd.access",
         "cannot reach a Ceph monitor"},
    };
    for (size_t i = 0; i < MR_ARRAY_SIZE(cases); i++) {
        struct mr_migrate_cause c = {0};
        assert_true(mr_migrate_explain_rbd(cases[i].msg, "hv2",
                                           "457eb676-33da-42ec-9a8c-9293d545c337", "nova", &c));
        assert_string_equal(c.check, cases[i].check);
        assert_non_null(strstr(c.cause, cases[i].word));
        assert_non_null(strstr(c.remedy, "--peer hv2"));
        mr_migrate_cause_clear(&c);
    }
    struct mr_migrate_cause c = {0};
    assert_false(mr_migrate_explain_rbd("unsupported configuration: CPU model", "hv2", "u", "nova",
                                        &c));
    assert_null(c.check);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_default_tcp),
        cmocka_unit_test(test_uri_scheme),
        cmocka_unit_test(test_uri_transport_overrides),
        cmocka_unit_test(test_uri_transport),
        cmocka_unit_test(test_native_tls_said),
        cmocka_unit_test(test_uri_deprecated),
        cmocka_unit_test(test_uri_ipv6_and_tunnel),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_run_peer_mapped_loopback),
        cmocka_unit_test(test_explain_rbd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
