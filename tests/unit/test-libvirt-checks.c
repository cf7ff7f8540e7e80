/* libvirt.listen, libvirt.auth, qemu.migration-ports and
 * nova.migration-transport on fixture roots: what the user sees. */
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

#include "checks.h"
#include "ctx.h"
#include "migready.h"
#include "testutil.h"

static const struct mr_check *const our_checks[] = {
    &mr_check_libvirt_listen,
    &mr_check_libvirt_auth,
    &mr_check_qemu_migration_ports,
    &mr_check_nova_migration_transport,
};
#define N_CHECKS MR_ARRAY_SIZE(our_checks)

static struct mr_result run_on(const char *dir, const struct mr_check *check, const char *profile)
{
    const char *profiles[] = {profile, NULL};
    struct mr_ctx *ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(dir, profile ? profiles : NULL, NULL, &ctx), 0);
    struct mr_result res = {.check = check};
    assert_int_equal(check->run(ctx, &res), 0);
    mr_ctx_free(ctx);
    return res;
}

static void dump(const struct mr_result *res)
{
    for (size_t i = 0; i < res->n_findings; i++) {
        const struct mr_finding *f = &res->findings[i];
        fprintf(stderr, "  %s: %s [%s:%d] remedy: %s\n", mr_status_name(f->status), f->message,
                f->file ? f->file : "-", f->line, f->remedy ? f->remedy : "-");
    }
}

/* Status, a piece of the primary message, and its place (NULL/0: none). */
static void expect_result(const struct mr_result *res, enum mr_status st, const char *text,
                   const char *file, int line)
{
    const struct mr_finding *f = mr_result_primary(res);
    bool ok = f && res->status == st && (!text || strstr(f->message, text)) &&
              (file ? f->file && strcmp(f->file, file) == 0 : !f->file) && f->line == line;
    /* A problem always says what to do. */
    if (ok && st != MR_PASS && st != MR_ERROR)
        ok = f->remedy != NULL;
    if (!ok) {
        fprintf(stderr, "%s: expected %s with \"%s\" at %s:%d, got %s:\n", res->check->id,
                mr_status_name(st), text ? text : "", file ? file : "-", line,
                mr_status_name(res->status));
        dump(res);
        fail();
    }
}

static void expect_run(const char *dir, const struct mr_check *check, const char *profile,
                         enum mr_status st, const char *text, const char *file, int line)
{
    struct mr_result res = run_on(dir, check, profile);
    expect_result(&res, st, text, file, line);
    mr_result_clear(&res);
}

/* Each fixture differs from libvirt-good by one misconfiguration and must
 * flip exactly the check that owns it. */
static void test_fixture_matrix(void **state)
{
    static const struct {
        const char *root;
        const char *profile;
        enum mr_status st[N_CHECKS];
    } rows[] = {
        {"seed-good", NULL, {MR_PASS, MR_WARN, MR_PASS, MR_PASS}},
        {"libvirt-good", "tcp", {MR_PASS, MR_WARN, MR_PASS, MR_PASS}},
        {"libvirt-listen-off", "tcp", {MR_FAIL, MR_WARN, MR_PASS, MR_PASS}},
        {"libvirt-socket-listen", "tcp", {MR_FAIL, MR_WARN, MR_PASS, MR_PASS}},
        {"libvirt-socket-tcp", "tcp", {MR_PASS, MR_WARN, MR_PASS, MR_PASS}},
        {"libvirt-masked", "tcp", {MR_PASS, MR_WARN, MR_PASS, MR_PASS}},
        {"libvirt-modular", "tcp", {MR_PASS, MR_WARN, MR_PASS, MR_PASS}},
        {"libvirt-bad-key", "tcp", {MR_FAIL, MR_WARN, MR_PASS, MR_PASS}},
        {"libvirt-ports-bad", "tcp", {MR_PASS, MR_WARN, MR_FAIL, MR_PASS}},
        {"libvirt-bin-no-listen", "tcp", {MR_FAIL, MR_WARN, MR_PASS, MR_PASS}},
        {"libvirt-tls", "tls", {MR_PASS, MR_PASS, MR_PASS, MR_PASS}},
        {"libvirt-good", "ssh", {MR_PASS, MR_PASS, MR_PASS, MR_FAIL}},
        {"libvirt-good", "tls", {MR_FAIL, MR_FAIL, MR_PASS, MR_FAIL}},
    };
    for (size_t i = 0; i < MR_ARRAY_SIZE(rows); i++) {
        char *dir = mr_test_root(rows[i].root);
        for (size_t c = 0; c < N_CHECKS; c++) {
            struct mr_result res = run_on(dir, our_checks[c], rows[i].profile);
            if (res.status != rows[i].st[c]) {
                fprintf(stderr, "%s (%s): %s is %s, expected %s\n", rows[i].root,
                        rows[i].profile ? rows[i].profile : "default", our_checks[c]->id,
                        mr_status_name(res.status), mr_status_name(rows[i].st[c]));
                dump(&res);
                fail();
            }
            mr_result_clear(&res);
        }
        mr_test_rmtree(dir);
        free(dir);
    }
}

static void test_seed_messages(void **state)
{
    char *dir = mr_test_root("seed-good");
    expect_run(dir, &mr_check_libvirt_listen, NULL, MR_PASS,
                 "libvirtd listens for the tcp transport: --listen in /etc/default/libvirtd:5 "
                 "and listen_tcp is 1 in /etc/libvirt/libvirtd.conf:16",
                 NULL, 0);
    expect_run(dir, &mr_check_libvirt_auth, NULL, MR_WARN,
                 "auth_tcp is \"none\" in /etc/libvirt/libvirtd.conf:30: anyone who can reach port "
                 "16509 on this host controls every VM on it",
                 "/etc/libvirt/libvirtd.conf", 30);
    expect_run(dir, &mr_check_qemu_migration_ports, NULL, MR_PASS, "migration ports 49152-49215",
                 "/etc/libvirt/qemu.conf", 14);
    expect_run(dir, &mr_check_nova_migration_transport, NULL, MR_PASS,
                 "live_migration_scheme is Nova's default tcp, as the tcp transport profile "
                 "expects",
                 NULL, 0);
    mr_test_rmtree(dir);
    free(dir);
}

static void test_listen_tcp_off(void **state)
{
    char *dir = mr_test_root("libvirt-listen-off");
    expect_run(dir, &mr_check_libvirt_listen, "tcp", MR_FAIL,
                 "listen_tcp is 0 in /etc/libvirt/libvirtd.conf:16 but the transport is tcp",
                 "/etc/libvirt/libvirtd.conf", 16);
    /* Unset: libvirt's default says the same. */
    mr_test_write(dir, "/etc/libvirt/libvirtd.conf", "listen_tls = 0\nauth_tcp = \"none\"\n");
    expect_run(dir, &mr_check_libvirt_listen, "tcp", MR_FAIL,
                 "listen_tcp is libvirt's default 0 but the transport is tcp", NULL, 0);
    struct mr_result res = run_on(dir, &mr_check_libvirt_listen, "tcp");
    assert_non_null(strstr(mr_result_primary(&res)->remedy,
                           "set listen_tcp = 1 in /etc/libvirt/libvirtd.conf"));
    mr_result_clear(&res);
    mr_test_rmtree(dir);
    free(dir);
}

static void test_listen_socket_conflict(void **state)
{
    char *dir = mr_test_root("libvirt-socket-listen");
    expect_run(dir, &mr_check_libvirt_listen, "tcp", MR_FAIL,
                 "--listen in /etc/default/libvirtd:5 conflicts with socket activation "
                 "(libvirtd.socket enabled at "
                 "/etc/systemd/system/sockets.target.wants/libvirtd.socket); libvirtd will not "
                 "start",
                 "/etc/default/libvirtd", 5);
    /* It stops libvirtd whatever the transport. */
    expect_run(dir, &mr_check_libvirt_listen, "ssh", MR_FAIL, "libvirtd will not start",
                 "/etc/default/libvirtd", 5);
    struct mr_result res = run_on(dir, &mr_check_libvirt_listen, "tcp");
    assert_non_null(strstr(mr_result_primary(&res)->remedy,
                           "remove --listen from /etc/default/libvirtd and enable "
                           "libvirtd-tcp.socket"));
    mr_result_clear(&res);
    mr_test_rmtree(dir);
    free(dir);
}

/* Only disabling libvirtd.socket leaves it pulled in by libvirtd.service. */
static void test_listen_service_wants_socket(void **state)
{
    char *dir = mr_test_root("libvirt-good");
    mr_test_write(dir, "/lib/systemd/system/libvirtd.service",
                  "[Unit]\nWants=libvirtd.socket\n[Service]\nExecStart=/usr/sbin/libvirtd "
                  "$LIBVIRTD_ARGS\n");
    mr_test_write(dir, "/lib/systemd/system/libvirtd.socket", "[Socket]\n");
    mr_test_mkdir(dir, "/etc/systemd/system/multi-user.target.wants", 0755);
    char *link = mr_xasprintf("%s/etc/systemd/system/multi-user.target.wants/libvirtd.service",
                              dir);
    assert_int_equal(symlink("/lib/systemd/system/libvirtd.service", link), 0);
    expect_run(dir, &mr_check_libvirt_listen, "tcp", MR_FAIL,
                 "pulls in libvirtd.socket through Wants= in /lib/systemd/system/libvirtd.service",
                 "/etc/default/libvirtd", 5);
    free(link);
    mr_test_rmtree(dir);
    free(dir);
}

static void test_listen_socket_without_tcp(void **state)
{
    char *dir = mr_test_root("libvirt-socket-tcp");
    char *link = mr_xasprintf("%s/etc/systemd/system/sockets.target.wants/libvirtd-tcp.socket",
                              dir);
    assert_int_equal(unlink(link), 0);
    expect_run(dir, &mr_check_libvirt_listen, "tcp", MR_FAIL,
                 "libvirtd-tcp.socket is not enabled: nothing listens for the tcp transport",
                 NULL, 0);
    free(link);
    mr_test_rmtree(dir);
    free(dir);
}

static void test_listen_variants(void **state)
{
    char *dir = mr_test_root("libvirt-good");
    const char *conf = "/etc/libvirt/libvirtd.conf";

    mr_test_write(dir, "/etc/default/libvirtd", "# options\nLIBVIRTD_ARGS=\"--timeout 120\"\n");
    expect_run(dir, &mr_check_libvirt_listen, "tcp", MR_FAIL,
                 "LIBVIRTD_ARGS=\"--timeout 120\" in /etc/default/libvirtd:2 has no --listen",
                 "/etc/default/libvirtd", 2);
    char *p = mr_xasprintf("%s/etc/default/libvirtd", dir);
    unlink(p);
    free(p);
    expect_run(dir, &mr_check_libvirt_listen, "tcp", MR_FAIL,
                 "LIBVIRTD_ARGS is not set in /etc/default/libvirtd", NULL, 0);
    /* Over SSH no listener is needed. */
    expect_run(dir, &mr_check_libvirt_listen, "ssh", MR_PASS, "needs no TCP listener", NULL, 0);
    mr_test_write(dir, "/etc/default/libvirtd", "LIBVIRTD_ARGS=\"-l\"\n");

    mr_test_write(dir, conf, "listen_tls = 0\nlisten_tcp = 1\nlisten_addr = \"127.0.0.1\"\n");
    expect_run(dir, &mr_check_libvirt_listen, "tcp", MR_FAIL,
                 "listen_addr is \"127.0.0.1\" in /etc/libvirt/libvirtd.conf:3, a loopback", conf,
                 3);
    mr_test_write(dir, conf, "listen_tls = 0\nlisten_tcp = 1\nlisten_addr = \"192.0.2.11\"\n");
    expect_run(dir, &mr_check_libvirt_listen, "tcp", MR_PASS, NULL, NULL, 0);

    mr_test_write(dir, conf, "listen_tls = 0\nlisten_tcp = 1\ntcp_port = \"16510\"\n");
    expect_run(dir, &mr_check_libvirt_listen, "tcp", MR_WARN,
                 "tcp_port is \"16510\" in /etc/libvirt/libvirtd.conf:3", conf, 3);

    /* listen_tls is on by default: with --listen, missing certificates stop libvirtd. */
    mr_test_write(dir, conf, "listen_tcp = 1\n");
    expect_run(dir, &mr_check_libvirt_listen, "tcp", MR_FAIL,
                 "listen_tls is libvirt's default 1 and --listen is given: the CA certificate "
                 "/etc/pki/CA/cacert.pem (ca_file, libvirt's default) does not exist; libvirtd "
                 "will not start",
                 NULL, 0);
    mr_test_rmtree(dir);
    free(dir);
}

/* Ubuntu 16.04's libvirt-bin.service passes $libvirtd_opts from
 * /etc/default/libvirt-bin: -l there is --listen, and the finding names that
 * variable and file. */
static void test_listen_libvirt_bin(void **state)
{
    char *dir = mr_test_root("libvirt-bin-no-listen");
    const char *bin = "/etc/default/libvirt-bin";
    expect_run(dir, &mr_check_libvirt_listen, "tcp", MR_FAIL,
               "libvirtd_opts=\"-d\" in /etc/default/libvirt-bin:8 has no --listen", bin, 8);
    struct mr_result res = run_on(dir, &mr_check_libvirt_listen, "tcp");
    assert_non_null(strstr(mr_result_primary(&res)->remedy,
                           "add --listen to libvirtd_opts in /etc/default/libvirt-bin"));
    mr_result_clear(&res);
    mr_test_write(dir, bin, "start_libvirtd=\"yes\"\nlibvirtd_opts=\"-d -l\"\n");
    expect_run(dir, &mr_check_libvirt_listen, "tcp", MR_PASS,
               "libvirtd listens for the tcp transport: --listen in /etc/default/libvirt-bin:2",
               NULL, 0);
    /* Debian 10: libvirtd.service, $libvirtd_opts from /etc/default/libvirtd. */
    char *p = mr_xasprintf("%s%s", dir, bin);
    unlink(p);
    free(p);
    p = mr_xasprintf("%s/lib/systemd/system/libvirt-bin.service", dir);
    unlink(p);
    free(p);
    mr_test_write(dir, "/etc/default/libvirtd", "libvirtd_opts=\"--listen\"\n");
    expect_run(dir, &mr_check_libvirt_listen, "tcp", MR_PASS, "--listen in /etc/default/libvirtd:1",
               NULL, 0);
    mr_test_write(dir, "/etc/default/libvirtd", "LIBVIRTD_ARGS=\"--listen\"\n");
    expect_run(dir, &mr_check_libvirt_listen, "tcp", MR_PASS, "--listen in /etc/default/libvirtd:1",
               NULL, 0);
    mr_test_rmtree(dir);
    free(dir);
}

/* CRLF ends are libvirt's line ends too (src/util/virconf.c, IS_EOL): the
 * checks judge the values, they do not stop at an error. */
static void test_crlf_files(void **state)
{
    char *dir = mr_test_root("libvirt-good");
    mr_test_write(dir, "/etc/libvirt/libvirtd.conf",
                  "listen_tls = 0\r\nlisten_tcp = 0\r\nauth_tcp = \"none\"\r\n");
    expect_run(dir, &mr_check_libvirt_listen, "tcp", MR_FAIL,
               "listen_tcp is 0 in /etc/libvirt/libvirtd.conf:2", "/etc/libvirt/libvirtd.conf", 2);
    mr_test_write(dir, "/etc/libvirt/qemu.conf", "migration_port_min = 80\r\n");
    expect_run(dir, &mr_check_qemu_migration_ports, "tcp", MR_FAIL,
               "migration_port_min is 80 in /etc/libvirt/qemu.conf:1", "/etc/libvirt/qemu.conf", 1);
    mr_test_rmtree(dir);
    free(dir);
}

/* A file that cannot be parsed is the error of the checks that read it, and
 * of no other: each check runs on libvirt-good with one file broken. */
static void test_parse_error_per_file(void **state)
{
    static const struct {
        const char *file;
        enum mr_status st[N_CHECKS]; /* listen, auth, ports, transport */
    } rows[] = {
        {"/etc/libvirt/libvirtd.conf", {MR_ERROR, MR_ERROR, MR_PASS, MR_PASS}},
        {"/etc/libvirt/qemu.conf", {MR_PASS, MR_WARN, MR_ERROR, MR_PASS}},
        {"/etc/default/libvirtd", {MR_ERROR, MR_WARN, MR_PASS, MR_PASS}},
    };
    for (size_t i = 0; i < MR_ARRAY_SIZE(rows); i++) {
        char *dir = mr_test_root("libvirt-good");
        mr_test_write(dir, rows[i].file, "listen_tcp = 1\n%%% not libvirt's syntax (\n");
        for (size_t c = 0; c < N_CHECKS; c++) {
            struct mr_result res = run_on(dir, our_checks[c], "tcp");
            if (res.status != rows[i].st[c]) {
                fprintf(stderr, "%s broken: %s is %s, expected %s\n", rows[i].file,
                        our_checks[c]->id, mr_status_name(res.status),
                        mr_status_name(rows[i].st[c]));
                dump(&res);
                fail();
            }
            /* The error names the broken file and its line. */
            if (res.status == MR_ERROR) {
                char *where = mr_xasprintf("%s:2: cannot parse", rows[i].file);
                assert_non_null(strstr(mr_result_primary(&res)->message, where));
                free(where);
            }
            mr_result_clear(&res);
        }
        mr_test_rmtree(dir);
        free(dir);
    }
}

static void test_listen_modular(void **state)
{
    char *dir = mr_test_root("libvirt-modular");
    expect_run(dir, &mr_check_libvirt_listen, "tcp", MR_PASS,
                 "virtproxyd is socket-activated (virtproxyd.socket enabled at "
                 "/etc/systemd/system/sockets.target.wants/virtproxyd.socket) and "
                 "virtproxyd-tcp.socket is enabled",
                 NULL, 0);
    expect_run(dir, &mr_check_libvirt_auth, "tcp", MR_WARN, "auth_tcp is \"none\"",
                 "/etc/libvirt/virtproxyd.conf", 2);
    mr_test_rmtree(dir);
    free(dir);
}

static void test_auth_variants(void **state)
{
    char *dir = mr_test_root("libvirt-good");
    const char *conf = "/etc/libvirt/libvirtd.conf";

    mr_test_write(dir, conf, "listen_tls = 0\nlisten_tcp = 1\nauth_tcp = \"sasl\"\n");
    expect_run(dir, &mr_check_libvirt_auth, "tcp", MR_PASS, "peers need SASL credentials",
                 conf, 3);
    mr_test_write(dir, conf, "listen_tls = 0\nlisten_tcp = 1\n");
    expect_run(dir, &mr_check_libvirt_auth, "tcp", MR_PASS,
               "auth_tcp is libvirt's default \"sasl\"",
                 NULL, 0);
    mr_test_write(dir, conf, "auth_tcp = \"polkit\"\n");
    expect_run(dir, &mr_check_libvirt_auth, "tcp", MR_FAIL, "polkit only authenticates local",
                 conf, 1);
    mr_test_write(dir, conf, "auth_tcp = \"kerberos\"\n");
    expect_run(dir, &mr_check_libvirt_auth, "tcp", MR_FAIL, "which libvirt does not know", conf,
                 1);
    expect_run(dir, &mr_check_libvirt_auth, "ssh", MR_PASS, "authentication by SSH keys", NULL,
                 0);
    /* TLS: certificates authenticate, and they must exist. */
    expect_run(dir, &mr_check_libvirt_auth, "tls", MR_FAIL,
                 "the CA certificate /etc/pki/CA/cacert.pem", NULL, 0);
    mr_test_rmtree(dir);
    free(dir);

    dir = mr_test_root("libvirt-tls");
    expect_run(dir, &mr_check_libvirt_auth, "tls", MR_PASS,
                 "auth_tls is libvirt's default \"none\": client certificates", NULL, 0);
    mr_test_write(dir, conf, "listen_tls = 1\nkey_file = \"/etc/pki/libvirt/private/k.pem\"\n");
    expect_run(dir, &mr_check_libvirt_auth, "tls", MR_FAIL,
                 "the server key /etc/pki/libvirt/private/k.pem (key_file) does not exist", conf,
                 2);
    mr_test_rmtree(dir);
    free(dir);
}

static void test_ports_variants(void **state)
{
    char *dir = mr_test_root("libvirt-ports-bad");
    const char *conf = "/etc/libvirt/qemu.conf";
    expect_run(dir, &mr_check_qemu_migration_ports, "tcp", MR_FAIL,
                 "migration_port_max 49215 (/etc/libvirt/qemu.conf:15) is below "
                 "migration_port_min 49300 (/etc/libvirt/qemu.conf:14)",
                 conf, 15);
    mr_test_rmtree(dir);
    free(dir);

    dir = mr_test_scratch();
    expect_run(dir, &mr_check_qemu_migration_ports, "tcp", MR_PASS,
                 "migration ports 49152-49215 (libvirt's default, not set in "
                 "/etc/libvirt/qemu.conf)",
                 NULL, 0);
    mr_test_write(dir, conf, "migration_port_min = 80\n");
    expect_run(dir, &mr_check_qemu_migration_ports, "tcp", MR_FAIL,
                 "migration_port_min is 80 in /etc/libvirt/qemu.conf:1", conf, 1);
    mr_test_write(dir, conf, "migration_port_min = 49152\nmigration_port_max = 49155\n");
    expect_run(dir, &mr_check_qemu_migration_ports, "tcp", MR_WARN,
                 "allow only 4 incoming migrations at once", conf, 1);
    mr_test_write(dir, conf, "migration_address = \"127.0.0.1\"\n");
    expect_run(dir, &mr_check_qemu_migration_ports, "tcp", MR_FAIL,
                 "migration_address is \"127.0.0.1\" in /etc/libvirt/qemu.conf:1", conf, 1);
    mr_test_write(dir, conf, "migration_address = \"0.0.0.0\"\n");
    expect_run(dir, &mr_check_qemu_migration_ports, "tcp", MR_PASS, NULL, NULL, 0);

    /* The site's range is what the firewall and the peers expect. */
    mr_test_write(dir, "/etc/migready/migready.conf",
                  "[site]\nmigration_port_min = 50000\nmigration_port_max = 49215\n");
    expect_run(dir, &mr_check_qemu_migration_ports, "tcp", MR_FAIL,
                 "migration_port_min is 49152 (libvirt's default) but the site configuration "
                 "expects 50000",
                 NULL, 0);
    mr_test_rmtree(dir);
    free(dir);
}

static void test_transport_variants(void **state)
{
    char *dir = mr_test_root("libvirt-good");
    const char *nova = "/etc/nova/nova.conf";

    mr_test_write(dir, nova, "[libvirt]\nlive_migration_scheme = tls\n");
    expect_run(dir, &mr_check_nova_migration_transport, "tcp", MR_FAIL,
                 "live_migration_scheme = tls in /etc/nova/nova.conf:2 but the transport profile "
                 "is tcp",
                 nova, 2);
    expect_run(dir, &mr_check_nova_migration_transport, "tls", MR_PASS, NULL, nova, 2);

    mr_test_write(dir, nova, "[libvirt]\nlive_migration_uri = qemu+tcp://%s/system\n");
    expect_run(dir, &mr_check_nova_migration_transport, "tcp", MR_WARN,
                 "live_migration_uri = qemu+tcp://%s/system in /etc/nova/nova.conf:2 is "
                 "deprecated",
                 nova, 2);
    expect_run(dir, &mr_check_nova_migration_transport, "ssh", MR_FAIL,
                 "but the transport profile is ssh", nova, 2);
    /* nova/virt/libvirt/driver.py, _live_migration_uri (every release
     * migready knows, 24.0.0 to 33.0.0): "return uri % dest". Without
     * exactly one %s Python raises (TypeError "not all arguments converted
     * during string formatting"), so every migration fails on the source;
     * it never reaches the host the URI names. */
    mr_test_write(dir, nova, "[libvirt]\nlive_migration_uri = qemu+ssh://compute-2/system\n");
    expect_run(dir, &mr_check_nova_migration_transport, "ssh", MR_FAIL,
               "live_migration_uri = qemu+ssh://compute-2/system in /etc/nova/nova.conf:2 has no "
               "%s for the destination: Nova puts the destination in with Python's % operator",
               nova, 2);
    expect_run(dir, &mr_check_nova_migration_transport, "ssh", MR_FAIL,
               "every live migration from this host fails", nova, 2);
    mr_test_write(dir, nova, "[libvirt]\nlive_migration_uri = qemu+ssh://%s/system?keyfile="
                             "/etc/nova/migration%2Fkey\n");
    expect_run(dir, &mr_check_nova_migration_transport, "ssh", MR_FAIL,
               "has a % that is not %s or %%", nova, 2);
    mr_test_write(dir, nova, "[libvirt]\nlive_migration_uri = qemu+ssh://%s/system?x=100%%\n");
    expect_run(dir, &mr_check_nova_migration_transport, "ssh", MR_WARN, "is deprecated", nova, 2);

    mr_test_write(dir, nova, "[libvirt]\nlive_migration_inbound_addr = 127.0.0.1\n");
    expect_run(dir, &mr_check_nova_migration_transport, "tcp", MR_FAIL,
                 "live_migration_inbound_addr = 127.0.0.1 in /etc/nova/nova.conf:2 is a loopback",
                 nova, 2);

    mr_test_write(dir, nova, "[libvirt]\nlive_migration_tunnelled = true\n");
    expect_run(dir, &mr_check_nova_migration_transport, "tcp", MR_WARN,
                 "live_migration_tunnelled = true in /etc/nova/nova.conf:2 is deprecated", nova,
                 2);
    mr_test_write(dir, nova,
                  "[libvirt]\nlive_migration_tunnelled = true\n"
                  "live_migration_with_native_tls = true\n");
    expect_run(dir, &mr_check_nova_migration_transport, "tcp", MR_FAIL,
                 "are both true: Nova refuses this combination", nova, 2);

    mr_test_write(dir, nova, "[libvirt]\nlive_migration_with_native_tls = true\n");
    expect_run(dir, &mr_check_nova_migration_transport, "tcp", MR_FAIL,
                 "live_migration_with_native_tls is true but /etc/pki/qemu/ca-cert.pem does not "
                 "exist",
                 NULL, 0);
    static const char *const certs[] = {"ca-cert.pem", "server-cert.pem", "server-key.pem",
                                        "client-cert.pem", "client-key.pem"};
    for (size_t i = 0; i < MR_ARRAY_SIZE(certs); i++) {
        char *p = mr_xasprintf("/etc/pki/qemu/%s", certs[i]);
        mr_test_write(dir, p, "fixture\n");
        free(p);
    }
    expect_run(dir, &mr_check_nova_migration_transport, "tcp", MR_PASS, NULL, NULL, 0);
    mr_test_rmtree(dir);
    free(dir);
}

/* nova/virt/libvirt/driver.py, check_can_live_migrate_source (14.0.0 on,
 * so every release migready knows): with VIR_MIGRATE_TUNNELLED in the
 * block migration flags and a block device mapping, it raises
 * MigrationPreCheckError "Cannot block migrate instance ... with mapped
 * volumes. Selective block device migration is not supported with
 * tunnelled block migrations." */
static void test_transport_tunnelled_block(void **state)
{
    (void)state;
    char *dir = mr_test_root("libvirt-good");
    const char *nova = "/etc/nova/nova.conf";
    mr_test_write(dir, nova, "[libvirt]\nlive_migration_tunnelled = true\n");
    const char *block[] = {"tcp", "block", NULL}, *shared[] = {"tcp", "shared-nfs", NULL};
    struct mr_ctx *ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(dir, block, NULL, &ctx), 0);
    struct mr_result res = {.check = &mr_check_nova_migration_transport};
    assert_int_equal(mr_check_nova_migration_transport.run(ctx, &res), 0);
    assert_int_equal(res.status, MR_WARN);
    const struct mr_finding *f = mr_test_finding(&res, "with block migration: Nova refuses to "
                                                 "block migrate an instance with volumes "
                                                 "attached");
    assert_non_null(strstr(f->message, "since Nova 14.0.0"));
    mr_test_assert_at(f, nova, 2);
    assert_non_null(f->remedy);
    mr_result_clear(&res);
    mr_ctx_free(ctx);

    /* Shared storage: no block migration, nothing refused. */
    assert_int_equal(mr_ctx_new_for_test(dir, shared, NULL, &ctx), 0);
    res = (struct mr_result){.check = &mr_check_nova_migration_transport};
    assert_int_equal(mr_check_nova_migration_transport.run(ctx, &res), 0);
    for (size_t i = 0; i < res.n_findings; i++)
        assert_null(strstr(res.findings[i].message, "volumes attached"));
    mr_result_clear(&res);
    mr_ctx_free(ctx);
    mr_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_matrix),
        cmocka_unit_test(test_seed_messages),
        cmocka_unit_test(test_listen_tcp_off),
        cmocka_unit_test(test_listen_socket_conflict),
        cmocka_unit_test(test_listen_service_wants_socket),
        cmocka_unit_test(test_listen_socket_without_tcp),
        cmocka_unit_test(test_listen_variants),
        cmocka_unit_test(test_listen_libvirt_bin),
        cmocka_unit_test(test_crlf_files),
        cmocka_unit_test(test_parse_error_per_file),
        cmocka_unit_test(test_listen_modular),
        cmocka_unit_test(test_auth_variants),
        cmocka_unit_test(test_ports_variants),
        cmocka_unit_test(test_transport_variants),
        cmocka_unit_test(test_transport_tunnelled_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
