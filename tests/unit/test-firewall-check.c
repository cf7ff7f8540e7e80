/* firewall.ports on fixture roots (saved rules) and with stubbed live
 * sources (loaded rules): what the operator reads. */
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks.h"
#include "ctx.h"
#include "migready.h"
#include "ops.h"
#include "testutil.h"

static int setup(void **state)
{
    *state = mr_test_fixture_new("seed-good");
    return 0;
}

static int teardown(void **state)
{
    mr_test_fixture_free(*state);
    return 0;
}

static void put(struct mr_test_fixture *f, const char *path, const char *data_rel)
{
    char *text = mr_test_slurp(data_rel);
    mr_test_write(f->dir, path, text);
    free(text);
}

/* Stubbed live sources: what iptables-save and nft print. */
static const char *stub_ipt, *stub_nft;
static int stub_ipt_rc, stub_nft_rc;

static int stub_run(const char *const *argv, int timeout_ms, char **ret_out)
{
    (void)timeout_ms;
    bool ipt = strcmp(argv[0], "iptables-save") == 0;
    const char *out = ipt ? stub_ipt : stub_nft;
    int rc = ipt ? stub_ipt_rc : stub_nft_rc;
    if (rc)
        return rc;
    if (!out)
        return -ENOENT;
    *ret_out = mr_xstrdup(out);
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

static const struct mr_ops stub_ops = {.run = stub_run, .resolve = stub_resolve};

static const struct mr_result *run_check(struct mr_test_fixture *f, bool live)
{
    mr_result_clear(&f->res);
    mr_ctx_free(f->ctx);
    f->ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(f->dir, NULL, f->site, &f->ctx), 0);
    if (live) {
        f->ctx->live = true;
        f->ctx->ops = &stub_ops;
    }
    f->res = (struct mr_result){.check = &mr_check_firewall_ports};
    assert_int_equal(mr_check_firewall_ports.run(f->ctx, &f->res), 0);
    assert_true(f->res.n_findings > 0);
    return &f->res;
}

/* Status, a piece of the primary message, its place (NULL: none) and a
 * piece of its remedy (NULL: not checked). */
static void expect(const struct mr_result *r, enum mr_status st, const char *text,
                   const char *file, int line, const char *remedy)
{
    const struct mr_finding *p = mr_result_primary(r);
    bool ok = r->status == st && strstr(p->message, text) &&
              (file ? p->file && !strcmp(p->file, file) && p->line == line : !p->file) &&
              (!remedy || (p->remedy && strstr(p->remedy, remedy)));
    if (!ok) {
        fprintf(stderr, "expected %s \"%s\" at %s:%d remedy \"%s\", got %s:\n",
                mr_status_name(st), text, file ? file : "-", line, remedy ? remedy : "-",
                mr_status_name(r->status));
        mr_test_dump(r);
        fail();
    }
}

static void test_seed_passes(void **state)
{
    struct mr_test_fixture *f = *state;
    const struct mr_result *r = run_check(f, false);
    expect(r, MR_PASS, "/etc/iptables/rules.v4 accepts new connections to libvirt's port 16509",
           NULL, 0, NULL);
    assert_non_null(strstr(mr_result_primary(r)->message, "checked as 192.0.2.1"));
}

static void test_no_firewall(void **state)
{
    struct mr_test_fixture *f = *state;
    char *p = mr_xasprintf("%s/etc/iptables/rules.v4", f->dir);
    unlink(p);
    free(p);
    expect(run_check(f, false), MR_PASS, "no firewall rules", NULL, 0, NULL);
    /* an nftables.conf with empty accept chains, as Debian ships it */
    mr_test_write(f->dir, "/etc/nftables.conf",
                  "#!/usr/sbin/nft -f\n\nflush ruleset\n\ntable inet filter {\n"
                  "\tchain input {\n\t\ttype filter hook input priority filter;\n\t}\n"
                  "\tchain forward {\n\t\ttype filter hook forward priority filter;\n\t}\n"
                  "\tchain output {\n\t\ttype filter hook output priority filter;\n\t}\n}\n");
    expect(run_check(f, false), MR_PASS, "no firewall rules", NULL, 0, NULL);
    /* live: nothing loaded either */
    stub_ipt = "";
    stub_nft = "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\"}}]}";
    expect(run_check(f, true), MR_PASS, "no firewall rules", NULL, 0, NULL);
    stub_ipt = stub_nft = NULL;
}

static void test_reject_16509(void **state)
{
    struct mr_test_fixture *f = *state;
    put(f, "/etc/iptables/rules.v4", "data/firewall/reject-16509.iptables-save");
    const struct mr_result *r = run_check(f, false);
    expect(r, MR_FAIL, "rejects new connections to libvirt's port 16509", "/etc/iptables/rules.v4",
           10, "add -A INPUT -p tcp -m tcp --dport 16509 -j ACCEPT to /etc/iptables/rules.v4 "
               "before line 10");
    /* the range and SSH still pass, said in the details */
    bool range = false;
    for (size_t i = 0; i < r->n_findings; i++)
        range = range || (r->findings[i].status == MR_PASS &&
                          strstr(r->findings[i].message, "migration ports 49152-49215"));
    assert_true(range);
}

/* With peers named, verdicts are per address and remedies name them. */
static void test_peers(void **state)
{
    struct mr_test_fixture *f = *state;
    put(f, "/etc/iptables/rules.v4", "data/firewall/peer-source.iptables-save");
    /* no peers: the answer depends on the source, so a warn */
    expect(run_check(f, false), MR_WARN, "depends on the source address", "/etc/iptables/rules.v4",
           3, NULL);
    mr_test_write(f->dir, "/etc/hosts",
                  "127.0.0.1 localhost\n192.0.2.11 compute-1\n192.0.2.12 compute-2\n"
                  "192.0.2.13 compute-3 # not allowed\n");
    mr_test_fixture_site(f, "[site]\npeers = compute-2\n");
    expect(run_check(f, false), MR_PASS, "from 192.0.2.12", NULL, 0, NULL);
    mr_test_fixture_site(f, "[site]\npeers = compute-2, compute-3, nowhere\n");
    const struct mr_result *r = run_check(f, false);
    expect(r, MR_FAIL, "drops new connections to libvirt's port 16509 (tcp transport) from "
           "192.0.2.13: the policy DROP of chain INPUT", "/etc/iptables/rules.v4", 3,
           "-A INPUT -s 192.0.2.13/32 -p tcp -m tcp --dport 16509 -j ACCEPT");
    bool noted = false;
    for (size_t i = 0; i < r->n_findings; i++)
        noted = noted || strstr(r->findings[i].message, "peer nowhere does not resolve");
    assert_true(noted);
}

static void test_partial_range(void **state)
{
    struct mr_test_fixture *f = *state;
    put(f, "/etc/iptables/rules.v4", "data/firewall/multichain.iptables-save");
    expect(run_check(f, false), MR_FAIL,
           "drops new connections to the migration ports 49152-49215 (ports 49200-49215)",
           "/etc/iptables/rules.v4", 3, "--dports 49200:49215");
    assert_non_null(strstr(mr_result_primary(&f->res)->message, "only 48 of the 64 ports"));
    /* qemu.conf's range beyond the rules of the guides */
    put(f, "/etc/iptables/rules.v4", "data/firewall/guides.iptables-save");
    char *q = mr_test_slurp("roots/seed-good/etc/libvirt/qemu.conf");
    char *at = strstr(q, "migration_port_max = 49215");
    assert_non_null(at);
    memcpy(at, "migration_port_max = 49300", 26);
    mr_test_write(f->dir, "/etc/libvirt/qemu.conf", q);
    free(q);
    expect(run_check(f, false), MR_FAIL, "the migration ports 49152-49300 (ports 49216-49300)",
           "/etc/iptables/rules.v4", 12, NULL);
}

/* A broken libvirtd.conf does not hide qemu.conf's range: firewall.ports
 * still judges the rules against 49152-49300, not libvirt's default. */
static void test_range_despite_broken_libvirtd_conf(void **state)
{
    struct mr_test_fixture *f = *state;
    put(f, "/etc/iptables/rules.v4", "data/firewall/guides.iptables-save");
    mr_test_write(f->dir, "/etc/libvirt/libvirtd.conf",
                  "listen_tcp = 1\n%%% not libvirt's syntax (\n");
    mr_test_write(f->dir, "/etc/libvirt/qemu.conf",
                  "migration_port_min = 49152\nmigration_port_max = 49300\n");
    expect(run_check(f, false), MR_FAIL, "the migration ports 49152-49300 (ports 49216-49300)",
           "/etc/iptables/rules.v4", 12, NULL);
}

static void test_nftables_conf(void **state)
{
    struct mr_test_fixture *f = *state;
    char *p = mr_xasprintf("%s/etc/iptables/rules.v4", f->dir);
    unlink(p);
    free(p);
    put(f, "/etc/nftables.conf", "data/firewall/nft-inet.nft");
    expect(run_check(f, false), MR_PASS, "/etc/nftables.conf accepts", NULL, 0, NULL);
    put(f, "/etc/nftables.conf", "data/firewall/nft-reject-16509.nft");
    expect(run_check(f, false), MR_FAIL, "rejects new connections to libvirt's port 16509",
           "/etc/nftables.conf", 10,
           "add \"tcp dport 16509 accept\" to chain input of table inet filter in "
           "/etc/nftables.conf before line 10");
    /* an include with a glob: the rule is in the included file */
    mr_test_write(f->dir, "/etc/nftables.conf",
                  "#!/usr/sbin/nft -f\nflush ruleset\ninclude \"/etc/nftables.d/*.nft\"\n");
    put(f, "/etc/nftables.d/10-filter.nft", "data/firewall/nft-reject-16509.nft");
    expect(run_check(f, false), MR_FAIL, "port 16509", "/etc/nftables.d/10-filter.nft", 10,
           "in /etc/nftables.d/10-filter.nft before line 10");
    /* something it does not read at the top level: a warn naming it */
    mr_test_write(f->dir, "/etc/nftables.conf", "include \"/etc/nftables.d/*.nft\"\n"
                  "table inet filter {\n  bogus thing\n}\n");
    expect(run_check(f, false), MR_WARN, "cannot decide what /etc/nftables.conf accepts",
           "/etc/nftables.conf", 3, NULL);
}

static void test_unreadable_rule(void **state)
{
    struct mr_test_fixture *f = *state;
    mr_test_write(f->dir, "/etc/iptables/rules.v4",
                  "*filter\n:INPUT DROP [0:0]\n"
                  "-A INPUT -p tcp -m recent --name mig --rcheck -j ACCEPT\n"
                  "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n");
    expect(run_check(f, false), MR_WARN,
           "cannot decide whether /etc/iptables/rules.v4 accepts libvirt's port 16509",
           "/etc/iptables/rules.v4", 3, "check by hand");
    assert_non_null(strstr(mr_result_primary(&f->res)->message, "uses -m recent"));
}

static void test_junk(void **state)
{
    struct mr_test_fixture *f = *state;
    char junk[2048];
    srand(3);
    for (size_t i = 0; i < sizeof(junk) - 1; i++)
        junk[i] = (char)(1 + rand() % 255);
    junk[sizeof(junk) - 1] = '\0';
    mr_test_write(f->dir, "/etc/iptables/rules.v4", junk);
    expect(run_check(f, false), MR_ERROR, "cannot read the firewall rules: /etc/iptables/rules.v4:1",
           "/etc/iptables/rules.v4", 1, NULL);
    mr_test_write(f->dir, "/etc/iptables/rules.v4",
                  "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m multiport --dpo");
    expect(run_check(f, false), MR_ERROR, "rules.v4:4: table filter has no COMMIT",
           "/etc/iptables/rules.v4", 4, NULL);
    mr_test_write(f->dir, "/etc/iptables/rules.v4",
                  "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport\nCOMMIT\n");
    expect(run_check(f, false), MR_ERROR, "rules.v4:3: --dport needs a value",
           "/etc/iptables/rules.v4", 3, NULL);
}

static void test_live(void **state)
{
    struct mr_test_fixture *f = *state;
    char *p = mr_xasprintf("%s/etc/iptables/rules.v4", f->dir);
    unlink(p);
    free(p);
    char *ipt = mr_test_slurp("data/firewall/reject-16509.iptables-save");
    char *ipt_json = mr_test_slurp("data/firewall/reject-16509.iptables-nft.json");
    stub_ipt = ipt;
    stub_nft = ipt_json; /* iptables-nft's tables, dropped: judged through iptables-save */
    const struct mr_result *r = run_check(f, true);
    expect(r, MR_FAIL, "the loaded iptables rules reject new connections to libvirt's port 16509 "
           "(tcp transport) from any address (no peers configured; checked as 192.0.2.1): rule 5 "
           "of chain INPUT", NULL, 0, "iptables -I INPUT 5 -p tcp -m tcp --dport 16509 -j ACCEPT");
    for (size_t i = 0; i < r->n_findings; i++)
        if (strstr(r->findings[i].message, "nftables"))
            assert_string_equal(r->findings[i].message, "the loaded nftables rules hold no rules "
                                "for incoming traffic: everything is accepted");

    /* Peers given that do not resolve are not "no peers configured". */
    mr_test_fixture_site(f, "[site]\npeers = nowhere-1, nowhere-2\n");
    r = run_check(f, true);
    expect(r, MR_FAIL, "the loaded iptables rules reject new connections to libvirt's port 16509 "
           "(tcp transport) from any address (no peer resolves; checked as 192.0.2.1)", NULL, 0,
           "iptables -I INPUT 5 -p tcp -m tcp --dport 16509 -j ACCEPT");
    mr_test_finding(r, "peer nowhere-1 does not resolve");
    for (size_t i = 0; i < r->n_findings; i++)
        assert_null(strstr(r->findings[i].message, "no peers configured"));
    mr_test_fixture_site(f, "");

    char *nft = mr_test_slurp("data/firewall/nft-reject-16509.json");
    stub_ipt = NULL;
    stub_nft = nft;
    mr_test_fixture_site(f, "[site]\npeers = compute-2\n");
    expect(run_check(f, true), MR_FAIL, "the loaded nftables rules reject new connections to "
           "libvirt's port 16509 (tcp transport) from 192.0.2.12: rule handle 7 in chain input "
           "of table inet filter", NULL, 0,
           "nft insert rule inet filter input position 7 ip saddr 192.0.2.12 tcp dport 16509 "
           "accept");

    stub_nft = "{\"nftables\": [";
    expect(run_check(f, true), MR_ERROR, "cannot read the loaded nftables rules", NULL, 0, NULL);
    stub_nft = NULL;
    stub_ipt_rc = 1;
    expect(run_check(f, true), MR_WARN, "cannot list the loaded iptables rules", NULL, 0,
           "run migready as root");
    stub_ipt_rc = 0;
    free(ipt);
    free(ipt_json);
    free(nft);
}

static void test_transports(void **state)
{
    struct mr_test_fixture *f = *state;
    put(f, "/etc/iptables/rules.v4", "data/firewall/guides.iptables-save");
    mr_result_clear(&f->res);
    mr_ctx_free(f->ctx);
    f->ctx = NULL;
    const char *tls[] = {"tls", NULL};
    assert_int_equal(mr_ctx_new_for_test(f->dir, tls, NULL, &f->ctx), 0);
    f->res = (struct mr_result){.check = &mr_check_firewall_ports};
    assert_int_equal(mr_check_firewall_ports.run(f->ctx, &f->res), 0);
    expect(&f->res, MR_FAIL, "libvirt's port 16514 (tls transport)", "/etc/iptables/rules.v4",
           12, "--dport 16514");
    mr_result_clear(&f->res);
    mr_ctx_free(f->ctx);
    const char *ssh[] = {"ssh", NULL};
    assert_int_equal(mr_ctx_new_for_test(f->dir, ssh, NULL, &f->ctx), 0);
    f->res = (struct mr_result){.check = &mr_check_firewall_ports};
    assert_int_equal(mr_check_firewall_ports.run(f->ctx, &f->res), 0);
    expect(&f->res, MR_PASS, "SSH port 22 (ssh transport", NULL, 0, NULL);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Processor time: what the check spends, whatever else the machine does. */
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Runs firewall.ports on a saved dump of N neutron port rules; the
 * processor time it took. */
static double large_file(struct mr_test_fixture *f, int n)
{
    size_t cap = 16u << 20, len = 0;
    char *text = mr_xmalloc(cap);
    len += (size_t)snprintf(text + len, cap - len, "*filter\n:INPUT DROP [0:0]\n"
                            "-A INPUT -p tcp -m multiport --dports 22,16509 -j ACCEPT\n");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "-A INPUT -s 10.%d.%d.%d/32 -p tcp -m tcp --dport 8775 -m comment "
                                "--comment \"neutron port 4f0e%08d-2bb1-4c1e-9f49-7d0c5e7a1b%02d\" "
                                "-j ACCEPT\n",
                                i >> 16, (i >> 8) & 255, i & 255, i, i % 100);
    len += (size_t)snprintf(text + len, cap - len, "COMMIT\n");
    assert_true(len < cap - 1);
    mr_test_write(f->dir, "/etc/iptables/rules.v4", text);
    free(text);
    double t0 = cpu_now();
    expect(run_check(f, false), MR_FAIL,
           "drops new connections to the migration ports 49152-49215", "/etc/iptables/rules.v4",
           2, NULL);
    return cpu_now() - t0;
}

/* A saved dump of the size a neutron host with 5,000 ports writes (over
 * 12 MB, under the 64 MiB limit) is read and judged; ten times the rules
 * cost about ten times the work (up to ~25 with caches that no longer
 * hold it), never a hundred (compared within one run,
 * in processor time, the small size's best of three). */
static void test_large_file(void **state)
{
    struct mr_test_fixture *f = *state;
    double small = 1e9;
    for (int k = 0; k < 3; k++) {
        double t = large_file(f, 11000);
        small = t < small ? t : small;
    }
    double big = large_file(f, 110000);
    fprintf(stderr, "firewall.ports on 110,000 rules: %.3f s, on 11,000: %.3f s (x%.1f)\n", big,
            small, big / small);
    assert_true(big < 50 * small + 0.05);
}

/* Includes that include themselves, or fan out, end in a message naming
 * the file and the line. */
static void test_include_limits(void **state)
{
    struct mr_test_fixture *f = *state;
    char *p = mr_xasprintf("%s/etc/iptables/rules.v4", f->dir);
    unlink(p);
    free(p);
    /* a glob that re-includes itself: nft -f gives up at 16 levels */
    mr_test_write(f->dir, "/etc/nftables.conf", "include \"/etc/nftables.d/*.nft\"\n");
    const char *names[] = {"a", "b", "c"};
    for (size_t i = 0; i < 3; i++) {
        char *path = mr_xasprintf("/etc/nftables.d/%s.nft", names[i]);
        mr_test_write(f->dir, path, "# again\ninclude \"/etc/nftables.d/*.nft\"\n");
        free(path);
    }
    double t0 = now();
    expect(run_check(f, false), MR_ERROR,
           "/etc/nftables.d/a.nft:2: include \"/etc/nftables.d/*.nft\" reads "
           "/etc/nftables.d/a.nft again, which includes itself", "/etc/nftables.d/a.nft", 2,
           "nft -f would refuse it");
    fprintf(stderr, "a glob include of itself: %.3f s\n", now() - t0);
    /* no loop, but 3 files a level, 10 levels deep: 88,572 files to read */
    mr_test_write(f->dir, "/etc/nftables.conf", "include \"/etc/nft/l0/*.nft\"\n");
    for (int l = 0; l < 10; l++)
        for (size_t i = 0; i < 3; i++) {
            char *path = mr_xasprintf("/etc/nft/l%d/%s.nft", l, names[i]);
            char *inc = mr_xasprintf("include \"/etc/nft/l%d/*.nft\"\n", l + 1);
            mr_test_write(f->dir, path, inc);
            free(inc);
            free(path);
        }
    t0 = now();
    expect(run_check(f, false), MR_WARN,
           "cannot decide what /etc/nftables.conf accepts: /etc/nft/l8/c.nft:1 uses include "
           "\"/etc/nft/l9/*.nft\"", "/etc/nft/l8/c.nft", 1, NULL);
    assert_non_null(strstr(mr_result_primary(&f->res)->message, "more than 1000 files in all"));
    fprintf(stderr, "includes fanning out to 88,572 files: %.3f s\n", now() - t0);
}

/* Real templates: a host they leave closed is not ready, one they leave open
 * is, and a file iptables-restore loads is no error. */
static void test_templates(void **state)
{
    struct mr_test_fixture *f = *state;
    put(f, "/etc/iptables/rules.v4", "data/firewall/tripleo-compute.iptables");
    const struct mr_result *r = run_check(f, false);
    expect(r, MR_FAIL, "drops new connections to libvirt's port 16509", "/etc/iptables/rules.v4",
           20, NULL);
    bool range = false;
    for (size_t i = 0; i < r->n_findings; i++)
        range = range || (r->findings[i].status == MR_FAIL &&
                          strstr(r->findings[i].message, "the migration ports 49152-49215"));
    assert_true(range);
    put(f, "/etc/iptables/rules.v4", "data/firewall/neutron-hybrid.iptables-save");
    expect(run_check(f, false), MR_PASS, "/etc/iptables/rules.v4 accepts new connections", NULL,
           0, NULL);
    put(f, "/etc/iptables/rules.v4", "data/firewall/proxmox.iptables-save");
    expect(run_check(f, false), MR_FAIL, "drops new connections to libvirt's port 16509",
           "/etc/iptables/rules.v4", 43, NULL);
    char *p = mr_xasprintf("%s/etc/iptables/rules.v4", f->dir);
    unlink(p);
    free(p);
    put(f, "/etc/nftables.conf", "data/firewall/nftables-wiki-server.nft");
    r = run_check(f, false);
    expect(r, MR_FAIL, "drops new connections to libvirt's port 16509 (tcp transport) from any "
           "address (no peers configured; checked as 192.0.2.1): the policy drop of chain "
           "inbound", "/etc/nftables.conf", 27, NULL);
    range = false;
    for (size_t i = 0; i < r->n_findings; i++)
        range = range || (r->findings[i].status == MR_FAIL &&
                          strstr(r->findings[i].message, "the migration ports 49152-49215"));
    assert_true(range);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seed_passes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_firewall, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_16509, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_range_despite_broken_libvirtd_conf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nftables_conf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_junk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_include_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_templates, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
