/* nfs.exports, nfs.fstab and nfs.access on fixture roots, with the live
 * sources (mount table, NFS probe) stubbed. */
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
#include "nfsprobe.h"
#include "ops.h"
#include "testutil.h"

struct fixture {
    char *dir;
    struct mr_ctx *ctx;
    struct mr_result res;
};

static int setup_root(void **state, const char *name)
{
    struct fixture *f = mr_xcalloc(1, sizeof(*f));
    f->dir = mr_test_root(name);
    *state = f;
    return 0;
}

static int setup_server(void **state)
{
    return setup_root(state, "nfs-server");
}

static int setup_compute(void **state)
{
    return setup_root(state, "nfs-compute");
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    mr_result_clear(&f->res);
    mr_ctx_free(f->ctx);
    mr_test_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* The stubs' state (one test at a time). */
static const char *stub_mount_table;
static struct mr_nfs_result stub_result;
static struct mr_nfs_probe stub_req;
static char stub_server[256], stub_export[256];
static int stub_calls;

static int stub_mounts(char **ret)
{
    *ret = mr_xstrdup(stub_mount_table ? stub_mount_table : "");
    return 0;
}

static int stub_probe(const struct mr_nfs_probe *req, struct mr_nfs_result *res)
{
    stub_calls++;
    stub_req = *req;
    snprintf(stub_server, sizeof(stub_server), "%s", req->server);
    snprintf(stub_export, sizeof(stub_export), "%s", req->export_path);
    *res = stub_result;
    return 0;
}

static const struct mr_ops stub_ops = {
    .mounts = stub_mounts,
    .nfs_probe = stub_probe,
};

/* Runs CHECK; LIVE pretends the root is the running host, with the stubs. */
static const struct mr_result *run_full(struct fixture *f, const struct mr_check *check,
                                        const char *const *profiles, bool live)
{
    mr_result_clear(&f->res);
    mr_ctx_free(f->ctx);
    f->ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(f->dir, profiles, NULL, &f->ctx), 0);
    f->ctx->live = live;
    f->ctx->ops = &stub_ops;
    f->res = (struct mr_result){.check = check};
    assert_int_equal(check->run(f->ctx, &f->res), 0);
    assert_true(f->res.n_findings > 0);
    return &f->res;
}

static const struct mr_result *run(struct fixture *f, const struct mr_check *check)
{
    return run_full(f, check, NULL, false);
}

static void assert_status(const struct mr_result *r, enum mr_status st)
{
    mr_test_assert_status(r, st);
    /* Every warn or fail says what to do. */
    for (size_t i = 0; i < r->n_findings; i++)
        if (r->findings[i].status == MR_WARN || r->findings[i].status == MR_FAIL)
            assert_non_null(r->findings[i].remedy);
}

static void assert_primary(const struct mr_result *r, const char *needle)
{
    const struct mr_finding *p = mr_result_primary(r);
    if (!strstr(p->message, needle)) {
        mr_test_dump(r);
        fail_msg("primary message '%s' lacks '%s'", p->message, needle);
    }
}

/* The K-th edit of F, for the fixer, sets KEY to WANT. */
static void assert_edit(const struct mr_finding *f, size_t k, const char *key, const char *want)
{
    struct mr_edit buf;
    const struct mr_edit *ed = mr_finding_edit(f, k, &buf);
    assert_non_null(ed);
    assert_string_equal(ed->key, key);
    assert_string_equal(ed->want, want);
}

static void write_file(struct fixture *f, const char *path, const char *content)
{
    mr_test_write(f->dir, path, content);
}

#define FSTAB_HEAD                                                                                \
    "# /etc/fstab\n"                                                                              \
    "UUID=0a3407de / ext4 errors=remount-ro 0 1\n"

/* ---- nfs.fstab ---- */

static void test_fstab_guide_line(void **state)
{
    struct fixture *f = *state;
    const struct mr_result *r = run(f, &mr_check_nfs_fstab);
    assert_status(r, MR_PASS);
    mr_test_assert_at(
        mr_test_finding(r, "mounts /var/lib/nova/instances from nfs-server:/ (nfs4, defaults)"),
        "/etc/fstab", 7);
}

static void test_fstab_trailing_slash_and_escapes(void **state)
{
    struct fixture *f = *state;
    write_file(f, "/etc/fstab", FSTAB_HEAD
               "nfs-server.example.org:/srv/nova\\040disks /var/lib/nova/instances/ nfs "
               "rw,hard,intr,vers=4.2,_netdev 0 0\n");
    const struct mr_result *r = run(f, &mr_check_nfs_fstab);
    assert_status(r, MR_PASS);
    mr_test_assert_at(mr_test_finding(r, "from nfs-server.example.org:/srv/nova disks (nfs,"),
                      "/etc/fstab", 3);
}

static void test_fstab_parent_mount(void **state)
{
    struct fixture *f = *state;
    write_file(f, "/etc/fstab", FSTAB_HEAD "nfs-server:/nova /var/lib/nova nfs4 defaults 0 0\n");
    const struct mr_result *r = run(f, &mr_check_nfs_fstab);
    assert_status(r, MR_PASS);
    assert_primary(r, "is inside the NFS mount /var/lib/nova");
}

static void test_fstab_no_entry(void **state)
{
    struct fixture *f = *state;
    write_file(f, "/etc/fstab", FSTAB_HEAD);
    const struct mr_result *r = run(f, &mr_check_nfs_fstab);
    assert_status(r, MR_FAIL);
    assert_primary(r, "/etc/fstab has no entry for /var/lib/nova/instances: the instances are on "
                   "the local file system / (ext4, /etc/fstab:2)");
    mr_test_assert_at(mr_result_primary(r), "/etc/fstab", 2);
    /* For the fixer: the whole entry, the source from the site's server. */
    const struct mr_finding *e = mr_result_primary(r);
    assert_true(mr_finding_is(e, "no-entry"));
    assert_edit(e, 0, "spec", "nfs-server.example.org:/var/lib/nova/instances");
    assert_edit(e, 1, "file", "/var/lib/nova/instances");
    assert_edit(e, 2, "vfstype", "nfs4");
    assert_edit(e, 5, "passno", "0");

    char *p = mr_xasprintf("%s/etc/fstab", f->dir);
    unlink(p);
    free(p);
    assert_status(run(f, &mr_check_nfs_fstab), MR_FAIL);
    assert_primary(&f->res, "/etc/fstab does not exist");
    assert_true(mr_finding_is(mr_result_primary(&f->res), "no-entry"));
}

static void test_fstab_bind_not_nfs(void **state)
{
    struct fixture *f = *state;
    write_file(f, "/etc/fstab", FSTAB_HEAD "/srv/instances /var/lib/nova/instances none bind 0 0\n");
    const struct mr_result *r = run(f, &mr_check_nfs_fstab);
    assert_status(r, MR_FAIL);
    assert_primary(r, "/etc/fstab:3 mounts /srv/instances on /var/lib/nova/instances as none, "
                   "not NFS");
    mr_test_assert_at(mr_result_primary(r), "/etc/fstab", 3);
    const struct mr_finding *e = mr_result_primary(r);
    assert_true(mr_finding_is(e, "not-nfs"));
    assert_edit(e, 0, "spec", "nfs-server.example.org:/var/lib/nova/instances");
    assert_edit(e, 1, "vfstype", "nfs4");
    assert_edit(e, 2, "opt", "defaults");
}

static void test_fstab_options(void **state)
{
    struct fixture *f = *state;
    write_file(f, "/etc/fstab",
               FSTAB_HEAD "nfs-server:/ /var/lib/nova/instances nfs4 soft,timeo=30 0 0\n");
    const struct mr_result *r = run(f, &mr_check_nfs_fstab);
    assert_status(r, MR_WARN);
    mr_test_assert_at(mr_test_finding(r, "with soft: when the server is slow"), "/etc/fstab", 3);
    assert_string_equal(mr_test_finding(r, "with soft")->remedy,
                        "replace soft with hard in the options of line 3 of /etc/fstab");

    write_file(f, "/etc/fstab",
               FSTAB_HEAD "nfs-server:/ /var/lib/nova/instances nfs4 noauto,user 0 0\n");
    assert_status(run(f, &mr_check_nfs_fstab), MR_WARN);
    mr_test_finding(&f->res, "has noauto");
    /* systemd mounts it on first access: nothing to warn about. */
    write_file(f, "/etc/fstab",
               FSTAB_HEAD "nfs-server:/ /var/lib/nova/instances nfs4 "
                          "noauto,x-systemd.automount,x-systemd.idle-timeout=0,hard 0 0\n");
    assert_status(run(f, &mr_check_nfs_fstab), MR_PASS);

    assert_false(mr_result_has(&f->res, NULL)); /* warnings: nothing for the fixer */

    write_file(f, "/etc/fstab", FSTAB_HEAD "nfs-server:/ /var/lib/nova/instances nfs4 ro 0 0\n");
    assert_status(run(f, &mr_check_nfs_fstab), MR_FAIL);
    const struct mr_finding *ro = mr_test_finding(&f->res, "read-only (ro)");
    assert_true(mr_finding_is(ro, "read-only"));
    assert_edit(ro, 0, "opt", "defaults");

    write_file(f, "/etc/fstab",
               FSTAB_HEAD "nfs-server:/ /var/lib/nova/instances nfs4 hard,ro,vers=4.2 0 0\n");
    assert_status(run(f, &mr_check_nfs_fstab), MR_FAIL);
    assert_edit(mr_test_finding(&f->res, "read-only (ro)"), 0, "opt", "hard,vers=4.2");
}

static void test_fstab_wrong_server(void **state)
{
    struct fixture *f = *state;
    write_file(f, "/etc/fstab", FSTAB_HEAD "\nold-filer:/vol/nova /var/lib/nova/instances nfs "
               "defaults 0 0\n");
    const struct mr_result *r = run(f, &mr_check_nfs_fstab);
    assert_status(r, MR_FAIL);
    assert_primary(r, "/etc/fstab:4 mounts /var/lib/nova/instances from old-filer, but the "
                   "site's NFS server is nfs-server.example.org");
    mr_test_assert_at(mr_result_primary(r), "/etc/fstab", 4);
    /* The same export, from the site's server. */
    assert_true(mr_finding_is(mr_result_primary(r), "source"));
    assert_edit(mr_result_primary(r), 0, "spec", "nfs-server.example.org:/vol/nova");
}

static void test_fstab_truncated_line(void **state)
{
    struct fixture *f = *state;
    write_file(f, "/etc/fstab", FSTAB_HEAD "nfs-server:/ /var/lib/nova/instances\n"
               "nfs-server:/ /var/lib/nova/instances nfs4 defaults 0 0\n   \n#\nlonely\n");
    const struct mr_result *r = run(f, &mr_check_nfs_fstab);
    assert_status(r, MR_ERROR);
    const struct mr_finding *e = mr_test_finding(r, "/etc/fstab:3 has 2 fields");
    mr_test_assert_at(e, "/etc/fstab", 3);
    assert_string_equal(e->remedy, "complete or remove line 3 of /etc/fstab");
    mr_test_assert_at(mr_test_finding(r, "/etc/fstab:7 has 1 field;"), "/etc/fstab", 7);
    /* The good entry is still judged. */
    mr_test_assert_at(mr_test_finding(r, "mounts /var/lib/nova/instances from nfs-server:/"),
                      "/etc/fstab", 4);
}

static void test_fstab_live(void **state)
{
    struct fixture *f = *state;
    stub_mount_table = "/dev/sda1 / ext4 rw,relatime 0 0\n"
                       "nfs-server:/ /var/lib/nova/instances nfs4 rw,relatime,vers=4.2 0 0\n";
    const struct mr_result *r = run_full(f, &mr_check_nfs_fstab, NULL, true);
    assert_status(r, MR_PASS);
    mr_test_finding(r,
                    "/var/lib/nova/instances is mounted from nfs-server:/ (nfs4), as /etc/fstab:7");

    /* Not mounted at all: the instances are on the root file system. */
    stub_mount_table = "/dev/sda1 / ext4 rw,relatime 0 0\n";
    r = run_full(f, &mr_check_nfs_fstab, NULL, true);
    assert_status(r, MR_FAIL);
    assert_primary(r, "/var/lib/nova/instances is not mounted: /etc/fstab:7 says nfs4 from "
                   "nfs-server:/, but /var/lib/nova/instances is on / (ext4)");
    mr_test_assert_at(mr_result_primary(r), "/etc/fstab", 7);

    /* A bind mount in its place. */
    stub_mount_table = "/dev/sda1 / ext4 rw,relatime 0 0\n"
                       "/dev/sda1 /var/lib/nova/instances ext4 rw,relatime 0 0\n";
    r = run_full(f, &mr_check_nfs_fstab, NULL, true);
    assert_status(r, MR_FAIL);
    assert_primary(r, "is not mounted over NFS: the live mount table shows ext4 from /dev/sda1");

    /* Mounted from elsewhere. */
    stub_mount_table = "other:/x /var/lib/nova/instances nfs rw 0 0\n";
    r = run_full(f, &mr_check_nfs_fstab, NULL, true);
    assert_status(r, MR_FAIL);
    assert_primary(r, "/var/lib/nova/instances is mounted from other:/x, but /etc/fstab:7 says "
                   "nfs-server:/");

    /* A systemd automount not accessed since boot shows as autofs; once
     * accessed, the NFS mount lies on top of it. */
    write_file(f, "/etc/fstab", "nfs-server:/ /var/lib/nova/instances nfs4 "
                                "noauto,x-systemd.automount 0 0\n");
    stub_mount_table = "/dev/sda1 / ext4 rw,relatime 0 0\n"
                       "systemd-1 /var/lib/nova/instances autofs rw,relatime,fd=52 0 0\n";
    r = run_full(f, &mr_check_nfs_fstab, NULL, true);
    assert_status(r, MR_PASS);
    mr_test_finding(r, "is an automount point (x-systemd.automount in /etc/fstab:1)");
    stub_mount_table = "systemd-1 /var/lib/nova/instances autofs rw,relatime,fd=52 0 0\n"
                       "nfs-server:/ /var/lib/nova/instances nfs4 rw,relatime,vers=4.2 0 0\n";
    assert_status(run_full(f, &mr_check_nfs_fstab, NULL, true), MR_PASS);
    /* Without the automount option, autofs there is not our NFS mount. */
    write_file(f, "/etc/fstab", "nfs-server:/ /var/lib/nova/instances nfs4 defaults 0 0\n");
    stub_mount_table = "systemd-1 /var/lib/nova/instances autofs rw,relatime,fd=52 0 0\n";
    assert_status(run_full(f, &mr_check_nfs_fstab, NULL, true), MR_FAIL);

    /* The kernel names the server as written in fstab; nfs and nfs4 are one. */
    write_file(f, "/etc/fstab", "nfs-server:/nova/ /var/lib/nova/instances nfs vers=4 0 0\n");
    stub_mount_table = "nfs-server:/nova /var/lib/nova/instances nfs4 rw 0 0\n";
    assert_status(run_full(f, &mr_check_nfs_fstab, NULL, true), MR_PASS);
    stub_mount_table = NULL;
}

/* ---- nfs.exports ---- */

static const char *const server_profiles[] = {"nfs-server", NULL};

static const struct mr_result *run_exports(struct fixture *f)
{
    return run_full(f, &mr_check_nfs_exports, server_profiles, false);
}

static void test_exports_good(void **state)
{
    struct fixture *f = *state;
    const struct mr_result *r = run_exports(f);
    assert_status(r, MR_PASS);
    /* The client is on the continuation line; the read-only backup client
     * serves no compute host and is not judged. */
    mr_test_assert_at(
        mr_test_finding(r, "exports /var/lib/nova/instances to compute-1.example.org, compute-2 as "
                           "'192.0.2.0/24(rw,sync,no_root_squash,no_subtree_check)'"),
        "/etc/exports", 12);
    for (size_t i = 0; i < r->n_findings; i++)
        assert_null(strstr(r->findings[i].message, "backup"));
}

static void test_exports_root_squash(void **state)
{
    struct fixture *f = *state;
    write_file(f, "/etc/exports", "# nova\n\n/var/lib/nova/instances 192.0.2.0/24(rw,sync)\n");
    const struct mr_result *r = run_exports(f);
    assert_status(r, MR_FAIL);
    const struct mr_finding *p = mr_result_primary(r);
    mr_test_assert_at(p, "/etc/exports", 3);
    assert_primary(r, "with root_squash ('192.0.2.0/24(rw,sync)'; without no_root_squash root "
                   "is squashed)");
    assert_string_equal(p->remedy, "write the client as "
                        "'192.0.2.0/24(rw,sync,no_root_squash,no_subtree_check)' in "
                        "/etc/exports:3, then run exportfs -ra");
    assert_true(mr_finding_is(p, "client-options"));
    assert_string_equal(p->section, "/var/lib/nova/instances");
    assert_edit(p, 0, "192.0.2.0/24", "rw,sync,no_root_squash");

    /* Read-only and squashed: one finding carries the client's options. */
    write_file(f, "/etc/exports", "/var/lib/nova/instances 192.0.2.0/24(ro,all_squash,fsid=1)\n");
    r = run_exports(f);
    size_t n = 0;
    for (size_t i = 0; i < r->n_findings; i++)
        if (mr_finding_is(&r->findings[i], "client-options")) {
            assert_edit(&r->findings[i], 0, "192.0.2.0/24", "fsid=1,rw,sync,no_root_squash");
            n++;
        }
    assert_int_equal(n, 1);
}

static void test_exports_async_ro(void **state)
{
    struct fixture *f = *state;
    write_file(f, "/etc/exports", "/var/lib/nova/instances/ 192.0.2.0/24(rw,async,no_root_squash)\n");
    const struct mr_result *r = run_exports(f);
    assert_status(r, MR_WARN);
    mr_test_assert_at(mr_test_finding(r, "with async: a crash of the NFS server"), "/etc/exports",
                      1);

    write_file(f, "/etc/exports", "/var/lib/nova/instances 192.0.2.0/24(no_root_squash)\n");
    assert_status(run_exports(f), MR_FAIL);
    assert_primary(&f->res, "exports /var/lib/nova/instances read-only to compute-1.example.org, "
                   "compute-2");
}

static void test_exports_world_pitfall(void **state)
{
    struct fixture *f = *state;
    write_file(f, "/etc/exports", "/var/lib/nova/instances (rw,sync,no_root_squash)\n");
    const struct mr_result *r = run_exports(f);
    assert_status(r, MR_WARN);
    assert_primary(r, "/etc/exports:1: the blank before '(rw,sync,no_root_squash)' makes it an "
                   "export of /var/lib/nova/instances to every host in the world");
    mr_test_assert_at(mr_result_primary(r), "/etc/exports", 1);

    /* The guide's line: '*' on purpose, still the whole world. */
    write_file(f, "/etc/exports", "/var/lib/nova/instances *(rw,sync,fsid=0,no_root_squash)\n");
    assert_status(run_exports(f), MR_WARN);
    assert_primary(&f->res, "to every host in the world ('*')");

    /* No client at all: the world, read-only, root squashed. */
    write_file(f, "/etc/exports", "/var/lib/nova/instances\n");
    assert_status(run_exports(f), MR_FAIL);
    mr_test_finding(&f->res, "with no client: exportfs exports it to every host in the world");
    /* No client an edit could find. */
    assert_false(mr_result_has(&f->res, NULL));
}

static void test_exports_not_covered(void **state)
{
    struct fixture *f = *state;
    write_file(f, "/etc/exports",
               "/var/lib/nova/instances compute-1(rw,sync,no_root_squash) 198.51.100.0/24(rw)\n");
    const struct mr_result *r = run_exports(f);
    assert_status(r, MR_FAIL);
    assert_primary(r, "compute host compute-2 (192.0.2.12) is not among the clients of "
                   "/var/lib/nova/instances (/etc/exports:1)");
    mr_test_assert_at(mr_result_primary(r), "/etc/exports", 1);
    assert_true(mr_finding_is(mr_result_primary(r), "add-client"));
    assert_edit(mr_result_primary(r), 0, "compute-2", "rw,sync,no_root_squash,no_subtree_check");
    /* compute-1.example.org matches the short name. */
    mr_test_finding(r, "to compute-1.example.org as 'compute-1(rw,sync,no_root_squash)'");
}

static void test_exports_default_options_and_kinds(void **state)
{
    struct fixture *f = *state;
    /* "-opts" after the path applies to the clients after it; a wildcard
     * and a host name with a netmask (as an old guide writes it). */
    write_file(f, "/etc/exports", "/var/lib/nova/instances -rw,sync,no_root_squash \\\n"
               "    *.example.org\n");
    assert_status(run_exports(f), MR_PASS);
        /* compute-2 is known only by its short name; /etc/hosts gives its FQDN. */
    mr_test_finding(&f->res, "to compute-1.example.org, compute-2 as '*.example.org' "
            "(rw,sync,no_root_squash)");

    write_file(f, "/etc/exports", "/var/lib/nova/instances "
               "nfs-server/255.255.255.0(rw,sync,fsid=0,no_root_squash)\n");
    assert_status(run_exports(f), MR_PASS);

    /* A single host beats a network whatever the order on the line. */
    write_file(f, "/etc/exports", "/var/lib/nova/instances "
               "192.0.2.0/24(rw,sync,no_root_squash) compute-2(ro,no_root_squash)\n");
    assert_status(run_exports(f), MR_FAIL);
    assert_primary(&f->res, "read-only to compute-2 ('compute-2(ro,no_root_squash)'");

    /* A netgroup cannot be judged offline. */
    write_file(f, "/etc/exports", "/var/lib/nova/instances @compute(rw,sync,no_root_squash)\n");
    assert_status(run_exports(f), MR_WARN);
    mr_test_finding(&f->res,
                    "cannot tell whether compute host compute-1.example.org is in netgroup");
}

static void test_exports_d_and_export_path(void **state)
{
    struct fixture *f = *state;
    write_file(f, "/etc/exports", "# moved to exports.d\n");
    write_file(f, "/etc/exports.d/nova.exports",
               "\"/var/lib/nova/instances\" 192.0.2.11(rw,sync,no_root_squash) "
               "192.0.2.12(rw,sync,no_root_squash) # compute hosts\n");
    const struct mr_result *r = run_exports(f);
    assert_status(r, MR_PASS);
    mr_test_assert_at(mr_test_finding(r, "to compute-2 as '192.0.2.12("),
                      "/etc/exports.d/nova.exports", 1);

    /* The server exports a folder of its own; the site says which. */
    write_file(f, "/etc/migready/migready.conf", "[site]\nexport_path = /srv/nova\n"
               "peers = compute-1\n");
    r = run_exports(f);
    assert_status(r, MR_FAIL);
    assert_primary(r, "/srv/nova is not exported");
    write_file(f, "/etc/exports.d/nova.exports", "/srv/nova/ compute-1(rw,sync,no_root_squash)\n");
    assert_status(run_exports(f), MR_PASS);
}

static void test_exports_bad_input(void **state)
{
    struct fixture *f = *state;
    write_file(f, "/etc/exports", "/var/lib/nova/instances 192.0.2.0/24(rw,sync,no_root_squash)\n"
               "(rw,sync,no_root_squash)\n");
    const struct mr_result *r = run_exports(f);
    assert_status(r, MR_ERROR);
    const struct mr_finding *e =
        mr_test_finding(r, "client or options '(rw,sync,no_root_squash)' but "
                           "no path to export before them");
    mr_test_assert_at(e, "/etc/exports", 2);
    assert_non_null(e->remedy);

    write_file(f, "/etc/exports", "192.0.2.0/24(rw)\n/x \"unclosed\n/y a(rw\n");
    r = run_exports(f);
    assert_status(r, MR_ERROR);
    mr_test_assert_at(mr_test_finding(r, "client or options '192.0.2.0/24(rw)' but no path"),
                      "/etc/exports", 1);
    mr_test_assert_at(mr_test_finding(r, "a double quote is not closed"), "/etc/exports", 2);
    mr_test_assert_at(mr_test_finding(r, "client 'a(rw' has an unbalanced parenthesis"),
                      "/etc/exports", 3);

    /* Odd bytes never crash the parser. */
    write_file(f, "/etc/exports", "\\\n\\\\\n\"\n()\n-\n/ (\n/ )\n#\\\n\t\\");
    run_exports(f);
}

static void test_exports_missing(void **state)
{
    struct fixture *f = *state;
    char *p = mr_xasprintf("%s/etc/exports", f->dir);
    unlink(p);
    free(p);
    p = mr_xasprintf("%s/etc/exports.d/iso.exports", f->dir);
    unlink(p);
    free(p);
    const struct mr_result *r = run_exports(f);
    assert_status(r, MR_FAIL);
    assert_primary(r, "neither /etc/exports nor /etc/exports.d/*.exports exists");
    /* For the fixer: an export to each peer. */
    const struct mr_finding *e = mr_result_primary(r);
    assert_true(mr_finding_is(e, "not-exported"));
    assert_edit(e, 0, "compute-1.example.org", "rw,sync,no_root_squash,no_subtree_check");
    assert_edit(e, 1, "compute-2", "rw,sync,no_root_squash,no_subtree_check");
    assert_string_equal(e->also[0].section, "/var/lib/nova/instances");
}

/* ---- nfs.access ---- */

static const struct mr_result *probe(struct fixture *f, enum mr_nfs_stage stage, int err,
                                     const char *msg)
{
    stub_result = (struct mr_nfs_result){.stage = stage, .err = err, .version = 4,
                                         .owner_known = stage == MR_NFS_DONE,
                                         .owner_uid = 162, .owner_gid = 162};
    snprintf(stub_result.address, sizeof(stub_result.address), "192.0.2.20");
    snprintf(stub_result.message, sizeof(stub_result.message), "%s", msg);
    snprintf(stub_result.probe_path, sizeof(stub_result.probe_path), "/.migready-probe-x");
    return run_full(f, &mr_check_nfs_access, NULL, true);
}

static void test_access_pass(void **state)
{
    struct fixture *f = *state;
    stub_calls = 0;
    const struct mr_result *r = probe(f, MR_NFS_DONE, 0, "");
    assert_status(r, MR_PASS);
    assert_int_equal(stub_calls, 1);
    /* The server and nova's IDs from the site configuration, the export
     * from fstab. */
    assert_string_equal(stub_server, "nfs-server.example.org");
    assert_string_equal(stub_export, "/");
    assert_int_equal(stub_req.uid, 162);
    assert_int_equal(stub_req.gid, 162);
    assert_true(stub_req.timeout_ms > 0 && stub_req.timeout_ms <= 10000);
    assert_primary(r, "nfs-server.example.org:/ mounts over NFSv4; as UID 162 GID 162 a probe "
                   "file was created, written, read back (owner 162:162) and deleted");

    /* Without an fstab entry: the site's export, else the instances path. */
    write_file(f, "/etc/fstab", FSTAB_HEAD);
    probe(f, MR_NFS_DONE, 0, "");
    assert_string_equal(stub_export, "/var/lib/nova/instances");
    write_file(f, "/etc/migready/migready.conf", "[site]\nnfs_server = 192.0.2.20\n"
               "nfs_export = /exports/nova\nnova_uid = 4242\nnova_gid = 4243\n");
    stub_result.owner_uid = 4242;
    probe(f, MR_NFS_DONE, 0, "");
    assert_string_equal(stub_server, "192.0.2.20");
    assert_string_equal(stub_export, "/exports/nova");
    assert_int_equal(stub_req.uid, 4242);
    assert_int_equal(stub_req.gid, 4243);
}

static void test_access_unreachable(void **state)
{
    struct fixture *f = *state;
    const struct mr_result *r = probe(f, MR_NFS_CONNECT, -ECONNREFUSED, "Connection refused");
    assert_status(r, MR_FAIL);
    assert_primary(r, "server unreachable: nothing answers on nfs-server.example.org "
                   "(192.0.2.20) port 2049 (Connection refused)");
    assert_non_null(strstr(mr_result_primary(r)->remedy, "start the NFS server on "
                           "nfs-server.example.org"));

    r = probe(f, MR_NFS_CONNECT, -ETIMEDOUT, "");
    assert_primary(r, "port 2049 (no answer within the timeout)");
    r = probe(f, MR_NFS_RESOLVE, -ENOENT, "Name or service not known");
    assert_status(r, MR_FAIL);
    assert_primary(r, "server unreachable: the NFS server name nfs-server.example.org does not "
                   "resolve");
    r = probe(f, MR_NFS_MOUNT, -ETIMEDOUT, "");
    assert_status(r, MR_FAIL);
    assert_primary(r, "server unreachable: nfs-server.example.org (192.0.2.20) accepted the "
                   "connection but did not answer the mount step");
}

static void test_access_export_not_found(void **state)
{
    struct fixture *f = *state;
    const struct mr_result *r = probe(f, MR_NFS_MOUNT, -ENOENT,
                                      "NFSv4: lookup failed with NFS4ERR_NOENT; NFSv3: mount/mnt "
                                      "call failed with \"MNT3ERR_NOENT\"");
    assert_status(r, MR_FAIL);
    assert_primary(r, "export not found: nfs-server.example.org (192.0.2.20) does not export / "
                   "(NFSv4: lookup failed with NFS4ERR_NOENT");
    r = probe(f, MR_NFS_MOUNT, -EACCES, "MNT3ERR_ACCES");
    assert_primary(r, "permission denied: nfs-server.example.org (192.0.2.20) refuses to let "
                   "this host mount /");
    r = probe(f, MR_NFS_MOUNT, -EIO, "RPC error");
    assert_status(r, MR_FAIL);
    assert_primary(r, "cannot mount nfs-server.example.org:/: RPC error");
}

static void test_access_permission(void **state)
{
    struct fixture *f = *state;
    const struct mr_result *r = probe(f, MR_NFS_CREATE, -EACCES, "NFS4ERR_ACCESS");
    assert_status(r, MR_FAIL);
    assert_primary(r, "permission denied: the nova user (UID 162, GID 162) cannot create a file "
                   "in nfs-server.example.org:/ (NFS4ERR_ACCESS)");
    assert_string_equal(mr_result_primary(r)->remedy,
                        "on nfs-server.example.org: chown 162:162 / && chmod 0755 /, and export "
                        "it with rw,no_root_squash (no all_squash)");

    /* Created, but the server gave it to somebody else. */
    stub_result = (struct mr_nfs_result){.stage = MR_NFS_DONE, .version = 3, .owner_known = true,
                                         .owner_uid = 65534, .owner_gid = 65534};
    r = run_full(f, &mr_check_nfs_access, NULL, true);
    assert_status(r, MR_FAIL);
    assert_primary(r, "is owned by 65534:65534: the server squashes or maps IDs");

    r = probe(f, MR_NFS_CREATE, -EROFS, "NFS3ERR_ROFS");
    assert_primary(r, "the export nfs-server.example.org:/ is read-only");
    r = probe(f, MR_NFS_WRITE, -ENOSPC, "NFS4ERR_NOSPC");
    assert_primary(r, "cannot write the probe file nfs-server.example.org:/"
                   "/.migready-probe-x: NFS4ERR_NOSPC");
    r = probe(f, MR_NFS_UNLINK, -EACCES, "NFS4ERR_ACCESS");
    assert_status(r, MR_WARN);
    assert_primary(r, "could not be deleted");

    stub_result = (struct mr_nfs_result){.stage = MR_NFS_DONE, .version = 4, .owner_known = true,
                                         .owner_uid = 162, .owner_gid = 162,
                                         .data_mismatch = true};
    r = run_full(f, &mr_check_nfs_access, NULL, true);
    assert_status(r, MR_FAIL);
    assert_primary(r, "read back differs from what was written");
}

static void test_access_missing_keys(void **state)
{
    struct fixture *f = *state;
    write_file(f, "/etc/fstab", FSTAB_HEAD);
    write_file(f, "/etc/migready/migready.conf", "[site]\nnova_uid = 162\n");
    const struct mr_result *r = probe(f, MR_NFS_DONE, 0, "");
    assert_status(r, MR_ERROR);
    assert_primary(r, "no NFS server to probe: nfs_server is not set");

    write_file(f, "/etc/migready/migready.conf",
               "[site]\nnfs_server = nfs\nnova_user = mr-no-such-user\n");
    r = probe(f, MR_NFS_DONE, 0, "");
    assert_status(r, MR_ERROR);
    assert_primary(r, "nova's UID is unknown: user mr-no-such-user does not exist here");
    assert_non_null(mr_result_primary(r)->remedy);
}

static void test_access_descriptor(void **state)
{
    (void)state;
    assert_true(mr_check_nfs_access.needs & MR_NEED_LIVE);
    assert_true(mr_check_nfs_access.needs & MR_NEED_NET);
    assert_true(mr_check_nfs_exports.optional);
    assert_false(mr_check_nfs_fstab.optional);
    assert_string_equal(mr_nfs_stage_name(MR_NFS_CREATE), "create");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fstab_guide_line, setup_compute, teardown),
        cmocka_unit_test_setup_teardown(test_fstab_trailing_slash_and_escapes, setup_compute,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fstab_parent_mount, setup_compute, teardown),
        cmocka_unit_test_setup_teardown(test_fstab_no_entry, setup_compute, teardown),
        cmocka_unit_test_setup_teardown(test_fstab_bind_not_nfs, setup_compute, teardown),
        cmocka_unit_test_setup_teardown(test_fstab_options, setup_compute, teardown),
        cmocka_unit_test_setup_teardown(test_fstab_wrong_server, setup_compute, teardown),
        cmocka_unit_test_setup_teardown(test_fstab_truncated_line, setup_compute, teardown),
        cmocka_unit_test_setup_teardown(test_fstab_live, setup_compute, teardown),
        cmocka_unit_test_setup_teardown(test_exports_good, setup_server, teardown),
        cmocka_unit_test_setup_teardown(test_exports_root_squash, setup_server, teardown),
        cmocka_unit_test_setup_teardown(test_exports_async_ro, setup_server, teardown),
        cmocka_unit_test_setup_teardown(test_exports_world_pitfall, setup_server, teardown),
        cmocka_unit_test_setup_teardown(test_exports_not_covered, setup_server, teardown),
        cmocka_unit_test_setup_teardown(test_exports_default_options_and_kinds, setup_server,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_exports_d_and_export_path, setup_server, teardown),
        cmocka_unit_test_setup_teardown(test_exports_bad_input, setup_server, teardown),
        cmocka_unit_test_setup_teardown(test_exports_missing, setup_server, teardown),
        cmocka_unit_test_setup_teardown(test_access_pass, setup_compute, teardown),
        cmocka_unit_test_setup_teardown(test_access_unreachable, setup_compute, teardown),
        cmocka_unit_test_setup_teardown(test_access_export_not_found, setup_compute, teardown),
        cmocka_unit_test_setup_teardown(test_access_permission, setup_compute, teardown),
        cmocka_unit_test_setup_teardown(test_access_missing_keys, setup_compute, teardown),
        cmocka_unit_test(test_access_descriptor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
