/* Fixers act on what their check found: given a hand-made result, a fixer
 * edits exactly the settings its failing findings name, with the values
 * they want, and plans nothing for a result without such a finding. The
 * host is not judged again: the fixture's values would pass the real check. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "ctx.h"
#include "engine.h"
#include "fix.h"
#include "ops.h"
#include "migready.h"
#include "testutil.h"

#include "fixers.h"

/* The result the stand-in check reports, set by each test. */
static void (*make_result)(struct mr_result *res);
/* Changes the copy of the fixture before the plan, when set. */
static void (*prepare_root)(const char *dir);
/* When set, the plan runs as on a live host with these sources. */
static const struct mr_ops *plan_live_ops;
/* The status the check has after the plan: a fixer that gives up makes it an error. */
static enum mr_status planned_status = MR_FAIL;

static int stand_in(const struct mr_ctx *ctx, struct mr_result *res)
{
    (void)ctx;
    make_result(res);
    return 0;
}

/* Plans FIXER (a dry run) on a copy of fixture ROOT for a check whose
 * result MAKE builds; returns the diff (caller frees). */
static char *plan(const char *root, const char *id, const struct mr_fixer *fixer,
                  void (*make)(struct mr_result *res))
{
    static struct mr_check check;
    static struct mr_row rows[1];
    check = (struct mr_check){.id = id, .title = "stand-in", .run = stand_in};
    rows[0] = (struct mr_row){.check = &check, .fixer = fixer};
    make_result = make;
    char *dir = mr_test_root(root);
    if (prepare_root)
        prepare_root(dir);
    struct mr_ctx *ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(dir, NULL, NULL, &ctx), 0);
    if (plan_live_ops) {
        ctx->live = true;
        ctx->ops = plan_live_ops;
    }
    char *diff = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&diff, &len);
    struct mr_select sel = {0};
    struct mr_fix_opts o = {.dry_run = true, .yes = true, .diff_out = out};
    struct mr_run *run = mr_fix_run(ctx, rows, 1, &sel, &o);
    fclose(out);
    assert_int_equal(run->n, 1);
    assert_int_equal(run->results[0].status, planned_status);
    mr_run_free(run);
    mr_ctx_free(ctx);
    mr_test_rmtree(dir);
    free(dir);
    return diff;
}

static void assert_has(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("expected '%s' in:\n%s", needle, text);
}

/* ---- nova.vnc-listen ---- */

static void vnc_spice_key(struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "hand-made");
    mr_finding_at(f, "/etc/nova/nova.conf", 13);
    mr_finding_code(f, "listen-specific");
    mr_finding_key(f, "spice", "server_listen");
    mr_finding_want(f, "192.0.2.99");
}

static void vnc_with_alias(struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "hand-made");
    mr_finding_code(f, "listen-specific");
    mr_finding_key(f, "vnc", "server_listen");
    mr_finding_want(f, "0.0.0.0");
    mr_finding_alias(f, "DEFAULT", "my_ip");
}

/* Fails without data, or with data of another kind, or only warns. */
static void vnc_nothing_to_act_on(struct mr_result *res)
{
    mr_report(res, MR_FAIL, "[vnc] enabled = maybe is not a boolean");
    struct mr_finding *f = mr_report(res, MR_FAIL, "another kind");
    mr_finding_code(f, "something-else");
    mr_finding_key(f, "vnc", "server_listen");
    mr_finding_want(f, "192.0.2.99");
    f = mr_report(res, MR_WARN, "a loopback address");
    mr_finding_code(f, "listen-specific");
    mr_finding_key(f, "vnc", "server_listen");
    mr_finding_want(f, "192.0.2.98");
}

static void test_vnc_listen(void **state)
{
    (void)state;
    /* nova-good listens on 0.0.0.0: the real check passes, the finding decides. */
    char *d = plan("nova-good", "nova.vnc-listen", &mr_fixer_nova_vnc_listen, vnc_spice_key);
    assert_has(d, "+[spice]\n+server_listen = 192.0.2.99\n");
    assert_null(strstr(d, "-server_listen = 0.0.0.0"));
    free(d);

    d = plan("nova-good", "nova.vnc-listen", &mr_fixer_nova_vnc_listen, vnc_with_alias);
    assert_has(d, "-my_ip = 192.0.2.11\n+#my_ip = 192.0.2.11 (replaced by [vnc] server_listen)\n");
    free(d);

    d = plan("nova-good", "nova.vnc-listen", &mr_fixer_nova_vnc_listen, vnc_nothing_to_act_on);
    assert_string_equal(d, "");
    free(d);
}

/* ---- qemu.migration-ports ---- */

/* One finding whose fix is two edits (an inverted range: both ends). */
static void qemu_both_ends(struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "hand-made");
    mr_finding_code(f, "port-range");
    mr_finding_also(f, NULL, "migration_port_min", "50000");
    mr_finding_also(f, NULL, "migration_port_max", "50063");
}

/* Two findings about the same range: each end is set once, from the first. */
static void qemu_max_only(struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "hand-made");
    mr_finding_code(f, "port-range");
    mr_finding_also(f, NULL, "migration_port_max", "49300");
    f = mr_report(res, MR_FAIL, "hand-made too");
    mr_finding_code(f, "port-range");
    mr_finding_also(f, NULL, "migration_port_max", "49300");
}

static void qemu_nothing_to_act_on(struct mr_result *res)
{
    mr_report(res, MR_FAIL, "migration_port_min = \"x\" in the site configuration is not a number");
    struct mr_finding *f = mr_report(res, MR_WARN, "a narrow range");
    mr_finding_code(f, "port-range");
    mr_finding_also(f, NULL, "migration_port_max", "49300");
}

static void test_qemu_migration_ports(void **state)
{
    (void)state;
    /* libvirt-good has libvirt's range: the real check passes, the finding decides. */
    const struct mr_fixer *fx = &mr_fixer_qemu_migration_ports;
    char *d = plan("libvirt-good", "qemu.migration-ports", fx, qemu_both_ends);
    assert_has(d, "-migration_port_min = 49152\n-migration_port_max = 49215\n"
                  "+migration_port_min = 50000\n+migration_port_max = 50063\n");
    free(d);

    d = plan("libvirt-good", "qemu.migration-ports", fx, qemu_max_only);
    assert_has(d, " migration_port_min = 49152\n-migration_port_max = 49215\n"
                  "+migration_port_max = 49300\n");
    free(d);

    d = plan("libvirt-good", "qemu.migration-ports", fx, qemu_nothing_to_act_on);
    assert_string_equal(d, "");
    free(d);
}

/* ---- libvirt.listen ---- */

/* A setting to set, one to comment out, a socket to enable: each its finding's. */
static void libvirt_named(struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "hand-made");
    mr_finding_code(f, "conf-set");
    mr_finding_key(f, NULL, "max_clients");
    mr_finding_want(f, "7");
    f = mr_report(res, MR_FAIL, "hand-made loopback");
    mr_finding_code(f, "loopback-address");
    mr_finding_key(f, NULL, "auth_tcp");
    mr_finding_value(f, "none");
    f = mr_report(res, MR_FAIL, "hand-made socket");
    mr_finding_code(f, "socket-disabled");
    mr_finding_want(f, "libvirtd-tls.socket");
}

static void libvirt_nothing_to_act_on(struct mr_result *res)
{
    mr_report(res, MR_FAIL, "the server certificate does not exist");
    struct mr_finding *f = mr_report(res, MR_WARN, "tcp_port is not the default");
    mr_finding_code(f, "conf-set");
    mr_finding_key(f, NULL, "tcp_port");
    mr_finding_want(f, "16509");
}

static void test_libvirt_listen(void **state)
{
    (void)state;
    /* libvirt-good listens for TCP: the real check passes, the findings decide. */
    const struct mr_fixer *fx = &mr_fixer_libvirt_listen;
    char *d = plan("libvirt-good", "libvirt.listen", fx, libvirt_named);
    assert_has(d, "-auth_tcp = \"none\"\n");
    assert_has(d, "+#auth_tcp = \"none\" (a loopback address");
    assert_has(d, "+max_clients = 7\n");
    assert_has(d, "/etc/systemd/system/sockets.target.wants/libvirtd-tls.socket");
    assert_null(strstr(d, "LIBVIRTD_ARGS"));
    free(d);

    d = plan("libvirt-good", "libvirt.listen", fx, libvirt_nothing_to_act_on);
    assert_string_equal(d, "");
    free(d);
}

/* ---- nova.instances-path ---- */

/* An owner for a folder the check would not judge, search bits for two. */
static void instances_named(struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "hand-made owner");
    mr_finding_code(f, "owner");
    mr_finding_key(f, NULL, "/var/lib/nova");
    mr_finding_want(f, "nova");
    f = mr_report(res, MR_FAIL, "hand-made search bit");
    mr_finding_code(f, "search-bit");
    mr_finding_key(f, NULL, "/var");
    mr_finding_want(f, "g+x");
    mr_finding_also(f, NULL, "/var/lib/nova/instances", "o+x");
}

static void instances_nothing_to_act_on(struct mr_result *res)
{
    mr_report(res, MR_FAIL, "instances_path differs from the site's");
    struct mr_finding *f = mr_report(res, MR_PASS, "a note");
    mr_finding_code(f, "owner");
    mr_finding_key(f, NULL, "/var/lib/nova");
    mr_finding_want(f, "nova");
}

/* Only the owner can search the directories (the test may not run as
 * root): only those named get a bit, of the class named. */
static void no_search_bits(const char *dir)
{
    static const char *const dirs[] = {"/var", "/var/lib", "/var/lib/nova",
                                       "/var/lib/nova/instances"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        char *p = mr_xasprintf("%s%s", dir, dirs[i]);
        assert_int_equal(chmod(p, 0744), 0);
        free(p);
    }
}

static void test_instances_path(void **state)
{
    (void)state;
    const struct mr_fixer *fx = &mr_fixer_nova_instances_path;
    prepare_root = no_search_bits;
    char *d = plan("nova-good", "nova.instances-path", fx, instances_named);
    prepare_root = NULL;
    assert_has(d, "chown 162:162 /var/lib/nova (was ");
    assert_null(strstr(d, "chown 162:162 /var/lib/nova/instances"));
    assert_has(d, "chmod 0754 /var (was 0744)");
    assert_has(d, "chmod 0745 /var/lib/nova/instances (was 0744)");
    assert_null(strstr(d, "/var/lib (was"));
    free(d);

    d = plan("nova-good", "nova.instances-path", fx, instances_nothing_to_act_on);
    assert_string_equal(d, "");
    free(d);
}

/* ---- nfs.exports ---- */

/* Options of two clients (one of another path), a host to add: none of
 * them what the host would call for. */
static void exports_named(struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "hand-made options");
    mr_finding_at(f, "/etc/exports", 6);
    mr_finding_code(f, "client-options");
    mr_finding_key(f, "/var/lib/nova/instances", "192.0.2.0/24");
    mr_finding_want(f, "rw,sync,no_root_squash,crossmnt");
    f = mr_report(res, MR_FAIL, "hand-made client");
    mr_finding_at(f, "/etc/exports", 6);
    mr_finding_code(f, "add-client");
    mr_finding_key(f, "/var/lib/nova/instances", "compute-9.example.org");
    mr_finding_want(f, "rw,sync,no_root_squash,no_subtree_check");
    f = mr_report(res, MR_FAIL, "hand-made options of another path");
    mr_finding_at(f, "/etc/exports", 4);
    mr_finding_code(f, "client-options");
    mr_finding_key(f, "/srv/backup", "backup.example.org");
    mr_finding_want(f, "ro,sync,no_subtree_check,fsid=7");
}

static void exports_new(struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "hand-made: not exported");
    mr_finding_at(f, "/etc/exports", 0);
    mr_finding_code(f, "not-exported");
    mr_finding_also(f, "/srv/nova", "compute-8", "rw,sync");
    mr_finding_also(f, "/srv/nova", "192.0.2.77", "rw,no_root_squash");
}

static void exports_nothing_to_act_on(struct mr_result *res)
{
    mr_report(res, MR_FAIL, "compute host compute-2 is not among the clients");
    struct mr_finding *f = mr_report(res, MR_WARN, "async");
    mr_finding_at(f, "/etc/exports", 6);
    mr_finding_code(f, "client-options");
    mr_finding_key(f, "/var/lib/nova/instances", "192.0.2.0/24");
    mr_finding_want(f, "rw,sync,no_root_squash");
}

/* The finding's line holds another path: the fixer gives up, edits nothing. */
static void exports_wrong_line(struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "hand-made, misplaced");
    mr_finding_at(f, "/etc/exports", 4);
    mr_finding_code(f, "add-client");
    mr_finding_key(f, "/var/lib/nova/instances", "compute-9.example.org");
    mr_finding_want(f, "rw");
}

static void test_nfs_exports(void **state)
{
    (void)state;
    /* fix-host's export has root_squash: the findings decide, not the host. */
    const struct mr_fixer *fx = &mr_fixer_nfs_exports;
    char *d = plan("fix-host", "nfs.exports", fx, exports_named);
    assert_has(d, "-/srv/backup      backup.example.org(ro,sync,no_subtree_check)\n"
                  "+/srv/backup      backup.example.org(ro,sync,no_subtree_check,fsid=7)\n");
    assert_has(d, "+/var/lib/nova/instances 192.0.2.0/24(rw,sync,no_root_squash,crossmnt) "
                  "compute-9.example.org(rw,sync,no_root_squash,no_subtree_check)\n");
    free(d);

    d = plan("fix-host", "nfs.exports", fx, exports_new);
    assert_has(d, "+/srv/nova compute-8(rw,sync) 192.0.2.77(rw,no_root_squash)\n");
    assert_null(strstr(d, "-/var/lib/nova/instances"));
    free(d);

    d = plan("fix-host", "nfs.exports", fx, exports_nothing_to_act_on);
    assert_string_equal(d, "");
    free(d);

    planned_status = MR_ERROR;
    d = plan("fix-host", "nfs.exports", fx, exports_wrong_line);
    planned_status = MR_FAIL;
    assert_string_equal(d, "");
    free(d);
}

/* ---- nfs.fstab ---- */

/* The source and the options of the NFS entry, the type of the root's. */
static void fstab_named(struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "hand-made source");
    mr_finding_at(f, "/etc/fstab", 7);
    mr_finding_code(f, "source");
    mr_finding_key(f, NULL, "spec");
    mr_finding_want(f, "[2001:db8::5]:/export");
    f = mr_report(res, MR_FAIL, "hand-made options");
    mr_finding_at(f, "/etc/fstab", 7);
    mr_finding_code(f, "read-only");
    mr_finding_key(f, NULL, "opt");
    mr_finding_want(f, "noatime,vers=4.2");
    f = mr_report(res, MR_FAIL, "hand-made type");
    mr_finding_at(f, "/etc/fstab", 4);
    mr_finding_code(f, "not-nfs");
    mr_finding_value(f, "ext4");
    mr_finding_also(f, NULL, "spec", "root-server:/root");
    mr_finding_also(f, NULL, "vfstype", "nfs");
    mr_finding_also(f, NULL, "opt", "hard");
}

static void fstab_new(struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "hand-made: no entry");
    mr_finding_at(f, "/etc/fstab", 0);
    mr_finding_code(f, "no-entry");
    mr_finding_also(f, NULL, "spec", "files:/e");
    mr_finding_also(f, NULL, "file", "/mnt/x");
    mr_finding_also(f, NULL, "vfstype", "nfs");
    mr_finding_also(f, NULL, "opt", "hard,timeo=600");
    mr_finding_also(f, NULL, "dump", "0");
    mr_finding_also(f, NULL, "passno", "0");
}

static void fstab_nothing_to_act_on(struct mr_result *res)
{
    mr_report(res, MR_FAIL, "/etc/fstab has no entry for /var/lib/nova/instances");
    struct mr_finding *f = mr_report(res, MR_WARN, "soft");
    mr_finding_at(f, "/etc/fstab", 4);
    mr_finding_code(f, "read-only");
    mr_finding_key(f, NULL, "opt");
    mr_finding_want(f, "hard");
}

static void test_nfs_fstab(void **state)
{
    (void)state;
    const struct mr_fixer *fx = &mr_fixer_nfs_fstab;
    char *d = plan("nfs-compute", "nfs.fstab", fx, fstab_named);
    assert_has(d, "-nfs-server:/ /var/lib/nova/instances nfs4 defaults 0 0\n"
                  "+[2001:db8::5]:/export /var/lib/nova/instances nfs4 noatime,vers=4.2 0 0\n");
    assert_has(d, "+root-server:/root /               nfs    hard 0       1\n");
    assert_null(strstr(d, "+UUID=2f3f7c1d"));
    free(d);

    /* fix-host has no entry for the instances: the finding's is added. */
    d = plan("fix-host", "nfs.fstab", fx, fstab_new);
    assert_has(d, "+files:/e\t/mnt/x\tnfs\thard,timeo=600\t0 0\n");
    assert_null(strstr(d, "/var/lib/nova/instances"));
    free(d);

    d = plan("fix-host", "nfs.fstab", fx, fstab_nothing_to_act_on);
    assert_string_equal(d, "");
    free(d);
}

/* ---- nova.migration-transport ---- */

/* A URI to drop with the scheme set elsewhere, a scheme alone, a key to
 * comment out: each its finding's, the keys stand-ins from nova-good. */
static void transport_named(struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "hand-made uri");
    mr_finding_code(f, "uri");
    mr_finding_alias(f, "libvirt", "live_migration_downtime");
    mr_finding_want(f, "tls");
    mr_finding_also_in(f, "/etc/nova/nova.conf.d/50-migration.conf", "libvirt",
                       "live_migration_scheme", "tls");
    f = mr_report(res, MR_FAIL, "hand-made scheme");
    mr_finding_code(f, "scheme");
    mr_finding_key(f, "vnc", "server_listen");
    mr_finding_want(f, "192.0.2.99");
    f = mr_report(res, MR_FAIL, "hand-made tunnelled");
    mr_finding_code(f, "tunnelled");
    mr_finding_key(f, "libvirt", "live_migration_permit_post_copy");
    mr_finding_value(f, "false");
}

/* Two findings about one URI (no %s, another transport): the scheme is set once. */
static void transport_twice(struct mr_result *res)
{
    for (int i = 0; i < 2; i++) {
        struct mr_finding *f = mr_report(res, MR_FAIL, "hand-made uri %d", i);
        mr_finding_code(f, "uri");
        mr_finding_alias(f, "libvirt", "live_migration_downtime");
        mr_finding_want(f, "ssh");
        mr_finding_also_in(f, "/etc/nova/nova.conf", "libvirt", "live_migration_scheme", "ssh");
    }
}

static void transport_nothing_to_act_on(struct mr_result *res)
{
    mr_report(res, MR_FAIL, "live_migration_inbound_addr = 127.0.0.1 is a loopback address");
    struct mr_finding *f = mr_report(res, MR_WARN, "live_migration_uri is deprecated");
    mr_finding_code(f, "uri");
    mr_finding_alias(f, "libvirt", "live_migration_downtime");
    mr_finding_want(f, "tcp");
    f = mr_report(res, MR_PASS, "a note");
    mr_finding_code(f, "scheme");
    mr_finding_key(f, "libvirt", "live_migration_scheme");
    mr_finding_want(f, "ssh");
}

static void test_migration_transport(void **state)
{
    (void)state;
    /* nova-good migrates over tcp, the profile's: the real check passes. */
    const struct mr_fixer *fx = &mr_fixer_nova_migration_transport;
    char *d = plan("nova-good", "nova.migration-transport", fx, transport_named);
    assert_has(d, "-live_migration_downtime = 500\n+#live_migration_downtime = 500 (deprecated; "
                  "replaced by live_migration_scheme = tls)\n");
    assert_has(d, "+++ /etc/nova/nova.conf.d/50-migration.conf\n");
    assert_has(d, "+[libvirt]\n+live_migration_scheme = tls\n");
    assert_has(d, "+server_listen = 192.0.2.99\n");
    assert_has(d, "+#live_migration_permit_post_copy = false (native TLS encrypts the stream "
                  "itself)\n");
    free(d);

    d = plan("nova-good", "nova.migration-transport", fx, transport_twice);
    assert_has(d, "+live_migration_scheme = ssh\n");
    const char *set = strstr(d, "+live_migration_scheme = ssh\n");
    assert_null(strstr(set + 1, "+live_migration_scheme"));
    free(d);

    /* fix-nova's live_migration_uri goes over ssh, not the profile's tcp:
     * without a finding that says so, it stays. */
    d = plan("fix-nova", "nova.migration-transport", fx, transport_nothing_to_act_on);
    assert_string_equal(d, "");
    free(d);
}

/* ---- hosts.resolution ---- */

/* This host's names to an address no configuration gives (twice: mapped
 * once), a peer's name on a warning the offline check could not decide. */
static void hosts_named(struct mr_result *res)
{
    for (int i = 0; i < 2; i++) {
        struct mr_finding *f = mr_report(res, MR_FAIL, "hand-made own name %d", i);
        mr_finding_at(f, "/etc/hosts", 2);
        mr_finding_code(f, "own-name");
        mr_finding_key(f, NULL, "compute-1.example.org");
        mr_finding_want(f, "192.0.2.55");
        mr_finding_also(f, NULL, "compute-1", "192.0.2.55");
    }
    struct mr_finding *f = mr_report(res, MR_WARN, "hand-made peer");
    mr_finding_code(f, "name");
    mr_finding_key(f, NULL, "db.example.org");
    mr_finding_want(f, "192.0.2.77");
}

static void hosts_nothing_to_act_on(struct mr_result *res)
{
    mr_report(res, MR_FAIL, "peer 127.0.0.2 is a loopback address");
    struct mr_finding *f = mr_report(res, MR_PASS, "a note");
    mr_finding_code(f, "own-name");
    mr_finding_key(f, NULL, "compute-1");
    mr_finding_want(f, "192.0.2.55");
    f = mr_report(res, MR_FAIL, "another kind");
    mr_finding_code(f, "something-else");
    mr_finding_key(f, NULL, "compute-1");
    mr_finding_want(f, "192.0.2.55");
}

static void test_hosts_resolution(void **state)
{
    (void)state;
    /* hosts-debian has no address for this host and no site hosts key:
     * the findings alone say what goes where. */
    const struct mr_fixer *fx = &mr_fixer_hosts_resolution;
    char *d = plan("hosts-debian", "hosts.resolution", fx, hosts_named);
    assert_has(d, "-127.0.1.1\tcompute-1.example.org\tcompute-1\n"
                  "+192.0.2.55\tcompute-1.example.org\tcompute-1\n"
                  "+192.0.2.77\tdb.example.org\n");
    assert_null(strstr(strstr(d, "+192.0.2.55") + 1, "+192.0.2.55"));
    free(d);

    /* fix-host has my_ip and a 127.0.1.1 line: without a finding that maps
     * the names, they stay. */
    d = plan("fix-host", "hosts.resolution", fx, hosts_nothing_to_act_on);
    assert_string_equal(d, "");
    free(d);
}

/* ---- ssh.keys ---- */

#define SSH_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFH7OJb1E3PcaAmpcSx0f9lDLUsJCjpS9A+VgG1/1ScI"

/* A mode for the home (which the fixture has right), a key for a new
 * authorized_keys named by two findings (added once). */
static void ssh_named(struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "hand-made mode");
    mr_finding_code(f, "ssh");
    mr_finding_also(f, "chmod", "/var/lib/nova", "0711");
    for (int i = 0; i < 2; i++) {
        f = mr_report(res, MR_FAIL, "hand-made key %d", i);
        mr_finding_code(f, "ssh");
        mr_finding_also(f, "authorize", "/var/lib/nova/authorized_keys", SSH_KEY " peer@x");
    }
}

static void ssh_nothing_to_act_on(struct mr_result *res)
{
    mr_report(res, MR_FAIL, "the public half of nova's key is missing");
    struct mr_finding *f = mr_report(res, MR_PASS, "a note");
    mr_finding_code(f, "ssh");
    mr_finding_also(f, "chmod", "/var/lib/nova", "0711");
    f = mr_report(res, MR_FAIL, "another kind");
    mr_finding_code(f, "something-else");
    mr_finding_also(f, "authorize", "/var/lib/nova/authorized_keys", SSH_KEY " peer@x");
}

static void test_ssh_keys(void **state)
{
    (void)state;
    /* fix-host's nova has no key pair (and the test cannot make one): only
     * what the findings name is planned. */
    const struct mr_fixer *fx = &mr_fixer_ssh_keys;
    char *d = plan("fix-host", "ssh.keys", fx, ssh_named);
    assert_has(d, "chmod 0711 /var/lib/nova");
    assert_has(d, "+++ /var/lib/nova/authorized_keys\n");
    assert_has(d, "+" SSH_KEY " peer@x\n");
    assert_null(strstr(strstr(d, "+" SSH_KEY) + 1, "+" SSH_KEY));
    assert_null(strstr(d, ".ssh"));
    free(d);

    d = plan("fix-host", "ssh.keys", fx, ssh_nothing_to_act_on);
    assert_string_equal(d, "");
    free(d);
}

/* ---- firewall.ports ---- */

/* The data checks/firewall.c attaches to the first finding about a target. */
static struct mr_finding *fw_closed(struct mr_result *res, enum mr_status st, const char *file,
                                    const char *chain, const char *what, const char *ports,
                                    const char *line)
{
    struct mr_finding *f = mr_report(res, st, "hand-made %s", what);
    mr_finding_code(f, "closed");
    mr_finding_key(f, chain, what);
    mr_finding_want(f, ports);
    bool nft = strstr(file, "nftables") != NULL;
    mr_finding_also_in(f, file, NULL, "syntax", nft ? "nft" : "iptables");
    mr_finding_also_in(f, file, NULL, "line", line);
    if (nft) {
        mr_finding_also_in(f, file, NULL, "chain-line", "5");
        mr_finding_also_in(f, file, NULL, "family", "inet");
    }
    return f;
}

/* fix-host's rules.v4 rejects 16509 at line 10 and ends in a REJECT at line
 * 12: the findings name only the migration range, before line 12, for one
 * peer that is not the site's. */
static void fw_ipt_named(struct mr_result *res)
{
    struct mr_finding *f = fw_closed(res, MR_FAIL, "/etc/iptables/rules.v4", "INPUT",
                                     "migration", "49152-49215", "12");
    mr_finding_also_in(f, "/etc/iptables/rules.v4", "peer", "peer-a", "192.0.2.50");
    mr_finding_also_in(f, "/etc/iptables/rules.v4", "peer", "192.0.2.51", "192.0.2.51");
    /* An IPv6-only peer has no place in an IPv4 file; an unresolved name is
     * looked up in the planned /etc/hosts, which does not know it. */
    mr_finding_also_in(f, "/etc/iptables/rules.v4", "peer", "peer-c", "2001:db8::5");
    mr_finding_also_in(f, "/etc/iptables/rules.v4", "peer", "nowhere.example.org", "");
}

/* A rejected port without data, data of another kind, a pass, data for a
 * file migready does not edit. */
static void fw_nothing_to_act_on(struct mr_result *res)
{
    mr_report(res, MR_FAIL, "/etc/iptables/rules.v4 rejects libvirt's port 16509");
    struct mr_finding *f = mr_report(res, MR_FAIL, "another kind");
    mr_finding_code(f, "something-else");
    mr_finding_key(f, "INPUT", "libvirt");
    mr_finding_want(f, "16509");
    fw_closed(res, MR_PASS, "/etc/iptables/rules.v4", "INPUT", "libvirt", "16509", "9");
    fw_closed(res, MR_FAIL, "/etc/iptables/other.rules", "INPUT", "libvirt", "16509", "9");
}

/* fix-nft rejects 16509 at line 9; the finding sends 22 from any address to
 * the end of chain input instead (line 0: the chain opened at line 5). */
static void fw_nft_end_of_chain(struct mr_result *res)
{
    fw_closed(res, MR_FAIL, "/etc/nftables.conf", "input", "ssh", "22", "0");
}

static void test_firewall_ports(void **state)
{
    (void)state;
    const struct mr_fixer *fx = &mr_fixer_firewall_ports;
    char *d = plan("fix-host", "firewall.ports", fx, fw_ipt_named);
    assert_has(d, " -A INPUT -s 192.0.2.0/24 -p tcp -m tcp --dport 16509 -j ACCEPT\n"
                  "+-A INPUT -s 192.0.2.50/32,192.0.2.51/32 -p tcp -m tcp --dport 49152:49215 "
                  "-j ACCEPT\n"
                  " -A INPUT -j REJECT --reject-with icmp-port-unreachable\n");
    assert_null(strstr(strstr(d, "+-A") + 1, "+-A")); /* nothing for 16509 */
    assert_null(strstr(d, "+-A INPUT -s 192.0.2.12"));
    free(d);

    d = plan("fix-host", "firewall.ports", fx, fw_nothing_to_act_on);
    assert_string_equal(d, "");
    free(d);

    d = plan("fix-nft", "firewall.ports", fx, fw_nft_end_of_chain);
    assert_has(d, "\t\tcounter reject with icmpx type admin-prohibited\n"
                  "+\t\ttcp dport 22 accept comment \"migready: ssh\"\n");
    assert_null(strstr(d, "dport 16509 accept"));
    free(d);
}

/* ---- ids.nova ---- */

/* fix-nft's nova has UID and GID 162 and the site wants 170: the findings
 * ask for 171 and a missing group, with their own folder to re-own. */
static void ids_named(struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "hand-made uid");
    mr_finding_code(f, "uid");
    mr_finding_key(f, NULL, "nova");
    mr_finding_value(f, "162");
    mr_finding_want(f, "171");
    mr_finding_also(f, "chown", "/srv/instances", NULL);
    f = mr_report(res, MR_FAIL, "hand-made group");
    mr_finding_code(f, "no-group");
    mr_finding_key(f, NULL, "compute");
    mr_finding_want(f, "172");
}

static void ids_nothing_to_act_on(struct mr_result *res)
{
    mr_report(res, MR_FAIL, "nova has UID 162 but the site configuration says nova_uid = 170");
    struct mr_finding *f = mr_report(res, MR_WARN, "a warn");
    mr_finding_code(f, "uid");
    mr_finding_key(f, NULL, "nova");
    mr_finding_value(f, "162");
    mr_finding_want(f, "171");
}

static void test_ids_nova(void **state)
{
    (void)state;
    const struct mr_fixer *fx = &mr_fixer_ids_nova;
    char *d = plan("fix-nft", "ids.nova", fx, ids_named);
    assert_has(d, "    groupadd --system -g 172 compute\n"
                  "    systemctl stop nova-compute libvirtd\n"
                  "    usermod -u 171 nova\n"
                  "    chown -R -h --from=162 171 /srv/instances\n"
                  "    systemctl start libvirtd nova-compute\n");
    assert_null(strstr(d, "170"));
    assert_null(strstr(d, "groupmod"));
    free(d);

    d = plan("fix-nft", "ids.nova", fx, ids_nothing_to_act_on);
    assert_string_equal(d, "");
    free(d);
}

/* ---- ids.nova on a live host ---- */

/* nova 162 -> 171, as the check reports it (fix-nft's passwd has 162). */
static void ids_uid(struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "hand-made uid");
    mr_finding_code(f, "uid");
    mr_finding_key(f, NULL, "nova");
    mr_finding_value(f, "162");
    mr_finding_want(f, "171");
    mr_finding_also(f, "chown", "/var/lib/nova", NULL);
}

/* The processes of this host's network namespace, as the live op gives them. */
static const struct {
    long pid;
    uid_t uid;
    const char *comm, *argv0, *argv1;
} stub_procs[] = {
    {42, 0, "libvirtd", "libvirtd", "-l"},
    {77, 162, "sleep", "sleep", "60"},
    {99, 0, "qemu-system-x86", "qemu-system-x86_64", "-name"},
    {5, 0, "python3", "python3", "nova-compute"},
};
static size_t stub_n_procs;

static int stub_processes(struct mr_process **ret, size_t *ret_n)
{
    struct mr_process *v = mr_xcalloc(stub_n_procs + 1, sizeof(*v));
    for (size_t i = 0; i < stub_n_procs; i++)
        v[i] = (struct mr_process){.pid = stub_procs[i].pid, .uid = stub_procs[i].uid,
                                   .comm = mr_xstrdup(stub_procs[i].comm),
                                   .argv0 = mr_xstrdup(stub_procs[i].argv0),
                                   .argv1 = mr_xstrdup(stub_procs[i].argv1)};
    *ret = v;
    *ret_n = stub_n_procs;
    return 0;
}

/* libvirt's pid files: a running domain (PID 99) and a stale one. */
static void qemu_pid_files(const char *dir)
{
    char *run = mr_xasprintf("%s/run/libvirt/qemu", dir);
    char *cmd = mr_xasprintf("mkdir -p %s && echo 99 >%s/instance-1.pid && "
                             "echo 12345 >%s/gone.pid && echo 42 >%s/driver.pid", run, run, run, run);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(run);
}

static void test_ids_nova_live(void **state)
{
    (void)state;
    static const struct mr_ops ops = {.processes = stub_processes};
    const struct mr_fixer *fx = &mr_fixer_ids_nova;
    plan_live_ops = &ops;

    /* Running daemons, a process of nova's and a domain: the commands, and why. */
    stub_n_procs = MR_ARRAY_SIZE(stub_procs);
    prepare_root = qemu_pid_files;
    char *d = plan("fix-nft", "ids.nova", fx, ids_uid);
    assert_has(d, "    # not renumbered on this live host while something may use nova's IDs: "
                  "libvirtd (PID 42) is running; sleep (PID 77) runs as nova; python3 (PID 5) "
                  "is running; domain instance-1 is running (/run/libvirt/qemu/instance-1.pid, "
                  "PID 99)\n");
    assert_has(d, "    usermod -u 171 nova\n");
    assert_null(strstr(d, "gone"));
    assert_null(strstr(d, "domain driver"));
    assert_null(strstr(d, "re-own"));
    free(d);

    /* Nothing runs: renumbered as under --root. */
    stub_n_procs = 0;
    d = plan("fix-nft", "ids.nova", fx, ids_uid);
    assert_has(d, "+nova:x:171:162::/var/lib/nova:/bin/sh\n");
    assert_null(strstr(d, "run by hand"));
    free(d);

    /* Processes that cannot be listed: nothing is assumed. */
    plan_live_ops = &mr_ops_none;
    prepare_root = NULL;
    d = plan("fix-nft", "ids.nova", fx, ids_uid);
    assert_has(d, "    # cannot list this host's processes");
    free(d);
    plan_live_ops = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vnc_listen),
        cmocka_unit_test(test_qemu_migration_ports),
        cmocka_unit_test(test_libvirt_listen),
        cmocka_unit_test(test_instances_path),
        cmocka_unit_test(test_nfs_exports),
        cmocka_unit_test(test_nfs_fstab),
        cmocka_unit_test(test_migration_transport),
        cmocka_unit_test(test_hosts_resolution),
        cmocka_unit_test(test_ssh_keys),
        cmocka_unit_test(test_firewall_ports),
        cmocka_unit_test(test_ids_nova),
        cmocka_unit_test(test_ids_nova_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
