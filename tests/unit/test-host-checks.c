/* hosts.resolution, ids.nova and ssh.keys on fixture roots (a copy of
 * tests/roots/seed-good, changed one thing at a time). The live parts run
 * against a stubbed resolver: no test asks DNS. */
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
#include "migready.h"
#include "ops.h"
#include "testutil.h"

#define PEER_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGTuCUThtBXBaNikoB92k8iJC1JybLBT1MaDFqReNIyQ"
#define SSH_DIR "/var/lib/nova/.ssh"
#define AK SSH_DIR "/authorized_keys"

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

static void new_ctx(struct mr_test_fixture *f)
{
    mr_result_clear(&f->res);
    mr_ctx_free(f->ctx);
    f->ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(f->dir, NULL, f->site, &f->ctx), 0);
}

static const struct mr_result *run_check(struct mr_test_fixture *f, const struct mr_check *check)
{
    mr_result_clear(&f->res);
    f->res = (struct mr_result){.check = check};
    assert_int_equal(check->run(f->ctx, &f->res), 0);
    assert_true(f->res.n_findings > 0);
    for (size_t i = 0; i < f->res.n_findings; i++)
        if (f->res.findings[i].status != MR_PASS)
            assert_non_null(f->res.findings[i].remedy);
    return &f->res;
}

static const struct mr_result *run(struct mr_test_fixture *f, const struct mr_check *check)
{
    new_ctx(f);
    return run_check(f, check);
}

static void assert_remedy(const struct mr_finding *fi, const char *needle)
{
    assert_non_null(fi->remedy);
    if (!strstr(fi->remedy, needle))
        fail_msg("remedy '%s' lacks '%s'", fi->remedy, needle);
}

static char *fixture_text(const char *rel)
{
    char *path = mr_test_path(rel);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char *buf = mr_xcalloc(1, 65536);
    size_t n = fread(buf, 1, 65535, fp);
    buf[n] = '\0';
    fclose(fp);
    free(path);
    return buf;
}

static char *own_pub(struct mr_test_fixture *f)
{
    char *rel = mr_xasprintf("roots/seed-good%s/id_ed25519.pub", SSH_DIR);
    char *s = fixture_text(rel);
    free(rel);
    return s;
}

/* ---- hosts.resolution ---- */

static void test_hosts_good(void **state)
{
    struct mr_test_fixture *f = *state;
    const struct mr_result *r = run(f, &mr_check_hosts_resolution);
    mr_test_assert_status(r, MR_PASS);
    mr_test_assert_at(mr_test_finding(r, "compute-1 resolves to 192.0.2.11"), "/etc/hosts", 4);
    mr_test_finding(r, "compute-1.example.org resolves to 192.0.2.11");
}

/* The file Debian's installer writes: 127.0.1.1 for the host's name. */
static void test_hosts_debian_default(void **state)
{
    struct mr_test_fixture *f = *state;
    char *debian = fixture_text("roots/hosts-debian/etc/hosts");
    mr_test_write(f->dir, "/etc/hosts", debian);
    free(debian);
    const struct mr_result *r = run(f, &mr_check_hosts_resolution);
    mr_test_assert_status(r, MR_FAIL);
    const struct mr_finding *fi = mr_test_finding(r, "to 127.0.1.1, a loopback address");
    mr_test_assert_at(fi, "/etc/hosts", 2);
    /* One finding for the line, though it maps both names. */
    size_t n = 0;
    for (size_t i = 0; i < r->n_findings; i++)
        n += r->findings[i].status == MR_FAIL;
    assert_int_equal(n, 1);
    assert_remedy(fi, "replace line 2 of /etc/hosts with '192.0.2.11 compute-1.example.org "
                      "compute-1' (my_ip in nova.conf)");
}

static void test_hosts_debian_root(void **state)
{
    struct mr_test_fixture *f = *state;
    mr_test_rmtree(f->dir);
    free(f->dir);
    f->dir = mr_test_root("hosts-debian");
    const struct mr_result *r = run(f, &mr_check_hosts_resolution);
    mr_test_assert_status(r, MR_FAIL);
    const struct mr_finding *fi = mr_test_finding(r, "compute-1 to 127.0.1.1");
    mr_test_assert_at(fi, "/etc/hosts", 2);
    /* No nova.conf: the remedy says what to put, not a made-up address. */
    assert_remedy(fi, "'ADDRESS compute-1.example.org compute-1'");
}

static void test_hosts_ipv6(void **state)
{
    struct mr_test_fixture *f = *state;
    mr_test_write(f->dir, "/etc/hosts", "::1 localhost\n2001:db8::11 compute-1\n");
    const struct mr_result *r = run(f, &mr_check_hosts_resolution);
    mr_test_assert_status(r, MR_PASS);
    mr_test_assert_at(mr_test_finding(r, "resolves to 2001:db8::11"), "/etc/hosts", 2);

    mr_test_write(f->dir, "/etc/hosts", "# comment\n::1 localhost compute-1 # loopback\n");
    r = run(f, &mr_check_hosts_resolution);
    mr_test_assert_status(r, MR_FAIL);
    mr_test_assert_at(mr_test_finding(r, "to ::1, a loopback"), "/etc/hosts", 2);
}

static void test_hosts_missing_name(void **state)
{
    struct mr_test_fixture *f = *state;
    mr_test_write(f->dir, "/etc/hosts", "127.0.0.1 localhost\n");
    const struct mr_result *r = run(f, &mr_check_hosts_resolution);
    /* files dns: DNS may know it, which cannot be decided offline. */
    mr_test_assert_status(r, MR_WARN);
    mr_test_finding(r, "cannot be decided offline");

    mr_test_write(f->dir, "/etc/nsswitch.conf", "hosts: files\n");
    r = run(f, &mr_check_hosts_resolution);
    mr_test_assert_status(r, MR_FAIL);
    mr_test_assert_at(mr_test_finding(r, "it does not resolve"), "/etc/nsswitch.conf", 1);
}

static void test_hosts_dns_first(void **state)
{
    struct mr_test_fixture *f = *state;
    mr_test_write(f->dir, "/etc/nsswitch.conf",
                  "passwd: files\n# comment\nhosts:  dns [NOTFOUND=return] files\n");
    const struct mr_result *r = run(f, &mr_check_hosts_resolution);
    mr_test_assert_status(r, MR_WARN);
    const struct mr_finding *fi = mr_test_finding(r, "asks dns before files");
    mr_test_assert_at(fi, "/etc/nsswitch.conf", 3);
    assert_remedy(fi, "hosts: files dns");

    /* systemd-resolved reads /etc/hosts itself; mDNS only knows .local. */
    mr_test_write(f->dir, "/etc/nsswitch.conf",
                  "hosts: mdns4_minimal [NOTFOUND=return] resolve [!UNAVAIL=return] files dns\n");
    r = run(f, &mr_check_hosts_resolution);
    mr_test_assert_status(r, MR_PASS);
}

static void test_hosts_peers_offline(void **state)
{
    struct mr_test_fixture *f = *state;
    mr_test_write(f->dir, "/etc/hosts",
                  "127.0.0.1 localhost\n192.0.2.11 compute-1\n192.0.2.12 compute-2\n"
                  "127.0.0.1 nfs-server\n");
    mr_test_fixture_site(f, "[site]\npeers = compute-2, compute-3, 192.0.2.14\n"
                            "nfs_server = nfs-server\n");
    const struct mr_result *r = run(f, &mr_check_hosts_resolution);
    mr_test_assert_status(r, MR_FAIL);
    mr_test_assert_at(mr_test_finding(r, "peer compute-2 resolves to 192.0.2.12"), "/etc/hosts", 3);
    assert_int_equal(mr_test_finding(r, "peer compute-3 is not in /etc/hosts")->status, MR_WARN);
    mr_test_finding(r, "peer 192.0.2.14 is an address");
    mr_test_assert_at(mr_test_finding(r, "NFS server nfs-server to 127.0.0.1"), "/etc/hosts", 4);
}

static void test_hosts_bad_lines(void **state)
{
    struct mr_test_fixture *f = *state;
    mr_test_write(f->dir, "/etc/hosts", "192.0.2.11 compute-1\ncompute-2 192.0.2.12\n");
    const struct mr_result *r = run(f, &mr_check_hosts_resolution);
    mr_test_assert_status(r, MR_WARN);
    mr_test_assert_at(mr_test_finding(r, "does not start with an IP address"), "/etc/hosts", 2);
}

static void test_hosts_binary(void **state)
{
    struct mr_test_fixture *f = *state;
    char *path = mr_xasprintf("%s/etc/hosts", f->dir);
    FILE *fp = fopen(path, "w");
    fwrite("192.0.2.11 compute-1\n\x7f" "ELF\0\0\x01\x02\n", 1, 29, fp);
    fclose(fp);
    free(path);
    const struct mr_result *r = run(f, &mr_check_hosts_resolution);
    mr_test_assert_status(r, MR_ERROR);
    mr_test_assert_at(mr_test_finding(r, "not a text file"), "/etc/hosts", 2);
}

static void test_hosts_no_hostname(void **state)
{
    struct mr_test_fixture *f = *state;
    char *path = mr_xasprintf("%s/etc/hostname", f->dir);
    unlink(path);
    free(path);
    const struct mr_result *r = run(f, &mr_check_hosts_resolution);
    mr_test_assert_status(r, MR_WARN);
    mr_test_finding(r, "this host's name is unknown");
}

static int stub_resolve(const char *name, char ***ret)
{
    if (strcmp(name, "compute-3") == 0)
        return -ENOENT;
    char **v = mr_xcalloc(1, sizeof(char *));
    mr_strv_push(&v, strcmp(name, "compute-2") == 0 ? "198.51.100.12" : "127.0.1.1");
    *ret = v;
    return 0;
}

static bool stub_enforcing(void)
{
    return true;
}

/* Live: the resolver is asked and compared with /etc/hosts. */
static void test_hosts_live(void **state)
{
    struct mr_test_fixture *f = *state;
    static const struct mr_ops ops = {.resolve = stub_resolve,
                                      .selinux_enforcing = stub_enforcing};
    mr_test_write(f->dir, "/etc/hosts", "127.0.0.1 localhost\n192.0.2.12 compute-2\n");
    mr_test_fixture_site(f, "[site]\npeers = compute-2, compute-3\n");
    new_ctx(f);
    f->ctx->live = true;
    f->ctx->ops = &ops;
    const struct mr_result *r = run_check(f, &mr_check_hosts_resolution);
    mr_test_assert_status(r, MR_FAIL);
    /* This machine's own name (whatever it is) resolves to 127.0.1.1 here. */
    assert_int_equal(
        mr_test_finding(r, "the resolver answers 127.0.1.1 for this host's name")->status, MR_FAIL);
    const struct mr_finding *fi = mr_test_finding(r, "the resolver answers 198.51.100.12 for peer");
    assert_int_equal(fi->status, MR_WARN);
    mr_test_assert_at(fi, "/etc/hosts", 2);
    assert_int_equal(mr_test_finding(r, "peer compute-3 does not resolve")->status, MR_FAIL);
    assert_non_null(
        strstr(mr_test_finding(r, "SELinux is enforcing")->remedy, "restorecon /etc/hosts"));
}

/* The v4-mapped form of 127.0.1.1 leads back to this host as surely as
 * 127.0.1.1 does (a dual-stack socket sends it to lo), in the file and in
 * the resolver's answer; a tab and a CRLF do not hide it. */
static int stub_resolve_mapped(const char *name, char ***ret)
{
    (void)name;
    char **v = mr_xcalloc(1, sizeof(char *));
    mr_strv_push(&v, "::ffff:127.0.1.1");
    *ret = v;
    return 0;
}

static void test_hosts_mapped_loopback(void **state)
{
    struct mr_test_fixture *f = *state;
    mr_test_write(f->dir, "/etc/hosts",
                  "127.0.0.1 localhost\r\n::ffff:127.0.1.1\tcompute-1.example.org compute-1\r\n");
    const struct mr_result *r = run(f, &mr_check_hosts_resolution);
    mr_test_assert_status(r, MR_FAIL);
    mr_test_assert_at(mr_test_finding(r, "compute-1 to ::ffff:127.0.1.1, a loopback address"),
                      "/etc/hosts", 2);

    static const struct mr_ops ops = {.resolve = stub_resolve_mapped};
    mr_test_write(f->dir, "/etc/hosts", "127.0.0.1 localhost\n");
    new_ctx(f);
    f->ctx->live = true;
    f->ctx->ops = &ops;
    r = run_check(f, &mr_check_hosts_resolution);
    mr_test_assert_status(r, MR_FAIL);
    assert_int_equal(mr_test_finding(r, "the resolver answers ::ffff:127.0.1.1 for this host's "
                                        "name")->status, MR_FAIL);
}

/* ---- ids.nova ---- */

static void test_ids_good(void **state)
{
    struct mr_test_fixture *f = *state;
    const struct mr_result *r = run(f, &mr_check_ids_nova);
    mr_test_assert_status(r, MR_PASS);
    mr_test_assert_at(
        mr_test_finding(r,
                        "nova has UID 162 and group nova GID 162; nova_uid/nova_gid are not set"),
        "/etc/passwd", 3);

    mr_test_fixture_site(f, "[site]\nnova_uid = 162\nnova_gid = 162\n");
    r = run(f, &mr_check_ids_nova);
    mr_test_assert_status(r, MR_PASS);
    mr_test_finding(r, "as the site configuration says");
}

static void test_ids_uid_mismatch(void **state)
{
    struct mr_test_fixture *f = *state;
    mr_test_write(f->dir, "/etc/passwd",
                  "root:x:0:0:root:/root:/bin/bash\n"
                  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                  "nova:x:163:162:OpenStack Compute:/var/lib/nova:/bin/sh\n");
    mr_test_fixture_site(f, "[site]\nnova_uid = 162\nnova_gid = 162\n");
    const struct mr_result *r = run(f, &mr_check_ids_nova);
    mr_test_assert_status(r, MR_FAIL);
    const struct mr_finding *fi = mr_test_finding(r, "nova has UID 163");
    mr_test_assert_at(fi, "/etc/passwd", 3);
    assert_remedy(fi, "usermod -u 162 nova && find / -xdev -uid 163 -exec chown -h 162 {} +");
}

static void test_ids_gid_mismatch(void **state)
{
    struct mr_test_fixture *f = *state;
    mr_test_write(f->dir, "/etc/group", "root:x:0:\nkvm:x:108:libvirt-qemu,nova\nnova:x:170:\n");
    mr_test_fixture_site(f, "[site]\nnova_gid = 162\n");
    const struct mr_result *r = run(f, &mr_check_ids_nova);
    mr_test_assert_status(r, MR_FAIL);
    const struct mr_finding *fi = mr_test_finding(r, "group nova has GID 170");
    mr_test_assert_at(fi, "/etc/group", 3);
    assert_remedy(fi, "groupmod -g 162 nova && find / -xdev -gid 170 -exec chgrp -h 162 {} +");
    /* nova's primary group 162 is no longer the nova group. */
    assert_int_equal(mr_test_finding(r, "primary group is GID 162")->status, MR_WARN);
}

static void test_ids_missing_and_broken(void **state)
{
    struct mr_test_fixture *f = *state;
    mr_test_write(f->dir, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nnova:x:16\n");
    const struct mr_result *r = run(f, &mr_check_ids_nova);
    mr_test_assert_status(r, MR_FAIL);
    const struct mr_finding *fi = mr_test_finding(r, "truncated or malformed (3 of 7 fields");
    mr_test_assert_at(fi, "/etc/passwd", 2);
    assert_remedy(fi, "vipw");

    mr_test_write(f->dir, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
    mr_test_fixture_site(f, "[site]\nnova_uid = 162\nnova_gid = 162\n");
    r = run(f, &mr_check_ids_nova);
    mr_test_assert_status(r, MR_FAIL);
    assert_remedy(mr_test_finding(r, "the nova user 'nova' does not exist"),
                  "useradd --system -u 162");

    mr_test_fixture_site(f, "[site]\nnova_uid = many\n");
    r = run(f, &mr_check_ids_nova);
    mr_test_assert_status(r, MR_FAIL);
    fi = mr_test_finding(r, "nova_uid = \"many\" in [site] of ");
    assert_non_null(strstr(fi->message, f->site));
    assert_non_null(strstr(fi->message, "is not a numeric ID"));
}

/* The instances folder searchable by nova's group only, QEMU not in it. */
static void test_ids_qemu_group(void **state)
{
    struct mr_test_fixture *f = *state;
    if (!mr_test_is_root())
        skip();
    char *inst = mr_xasprintf("%s/var/lib/nova/instances", f->dir);
    assert_int_equal(chown(inst, 162, 162), 0);
    assert_int_equal(chmod(inst, 0750), 0);
    free(inst);
    const struct mr_result *r = run(f, &mr_check_ids_nova);
    mr_test_assert_status(r, MR_WARN);
    const struct mr_finding *fi = mr_test_finding(r, "searchable by group nova only");
    assert_remedy(fi, "usermod -a -G nova libvirt-qemu");

    mr_test_write(f->dir, "/etc/group", "root:x:0:\nkvm:x:108:libvirt-qemu,nova\n"
                  "nova:x:162:libvirt-qemu\nlibvirt-qemu:x:64055:libvirt-qemu\n");
    r = run(f, &mr_check_ids_nova);
    mr_test_assert_status(r, MR_PASS);
    mr_test_finding(r, "reaches /var/lib/nova/instances through group nova");
}

/* ---- ssh.keys ---- */

static void chmod_in(struct mr_test_fixture *f, const char *path, mode_t mode)
{
    char *p = mr_xasprintf("%s%s", f->dir, path);
    assert_int_equal(chmod(p, mode), 0);
    free(p);
}

static void write_ak(struct mr_test_fixture *f, const char *content)
{
    mr_test_write(f->dir, AK, content);
    chmod_in(f, AK, 0600);
}

static void test_ssh_good(void **state)
{
    struct mr_test_fixture *f = *state;
    const struct mr_result *r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_PASS);
    mr_test_finding(r, "nova has a key pair (" SSH_DIR "/id_ed25519, ssh-ed25519)");
}

static void test_ssh_dir_modes(void **state)
{
    struct mr_test_fixture *f = *state;
    chmod_in(f, SSH_DIR, 0755);
    const struct mr_result *r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_WARN);
    const struct mr_finding *fi = mr_test_finding(r, "is mode 0755, not 0700");
    mr_test_assert_at(fi, SSH_DIR, 0);
    assert_remedy(fi, "chmod 0700 " SSH_DIR);

    chmod_in(f, SSH_DIR, 0775);
    r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_FAIL);
    assert_remedy(mr_test_finding(r, "group- or world-writable"), "chmod go-w " SSH_DIR);

    chmod_in(f, SSH_DIR, 0700);
    chmod_in(f, "/var/lib/nova", 0777);
    r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_FAIL);
    mr_test_assert_at(mr_test_finding(r, "/var/lib/nova (mode 0777) is group- or world-writable"),
              "/var/lib/nova", 0);
}

static void test_ssh_private_key_mode(void **state)
{
    struct mr_test_fixture *f = *state;
    chmod_in(f, SSH_DIR "/id_ed25519", 0644);
    const struct mr_result *r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_FAIL);
    const struct mr_finding *fi = mr_test_finding(r, "other users can read it");
    mr_test_assert_at(fi, SSH_DIR "/id_ed25519", 0);
    assert_remedy(fi, "chmod 0600 " SSH_DIR "/id_ed25519");
}

static void test_ssh_no_keys(void **state)
{
    struct mr_test_fixture *f = *state;
    char *p = mr_xasprintf("%s%s/id_ed25519", f->dir, SSH_DIR);
    unlink(p);
    free(p);
    const struct mr_result *r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_FAIL);
    assert_remedy(mr_test_finding(r, "nova has no key pair"), "ssh-keygen -t ed25519 -N ''");

    mr_test_write(f->dir, SSH_DIR "/id_rsa", "not a key\n");
    chmod_in(f, SSH_DIR "/id_rsa", 0600);
    r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_FAIL);
    mr_test_finding(r, "is not a private key");
    mr_test_finding(r, "id_rsa.pub of nova's key is missing");
}

static void test_ssh_authorized_keys_parse(void **state)
{
    struct mr_test_fixture *f = *state;
    char *pub = own_pub(f);
    char *ak = mr_xasprintf("# keys of the compute hosts\n%s"
                            "this is junk\n"
                            "from=\"192.0.2.0/24,198.51.100.1\",no-pty,command=\"echo a b\" %s "
                            "nova@compute-2\n"
                            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGTuCUThtBXBaNikoB92k8iJC1Jy\n"
                            "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIGTuCUThtBXBaNikoB92k8iJC1JybLBT1MaDF"
                            "qReNIyQ wrong-type\n"
                            "no-pty,command=\"unterminated " PEER_KEY "\n",
                            pub, PEER_KEY);
    write_ak(f, ak);
    const struct mr_result *r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_FAIL);
    mr_test_assert_at(mr_test_finding(r, ":3 cannot be read: 'this' is not a key type"), AK, 3);
    mr_test_assert_at(
        mr_test_finding(r, ":5 cannot be read: the key data is not a whole ssh-ed25519 key"), AK,
        5);
    mr_test_assert_at(
        mr_test_finding(r, ":6 cannot be read: the key data is not a whole ssh-rsa key"), AK, 6);
    mr_test_assert_at(mr_test_finding(r, ":7 cannot be read: an option's quote is not closed"), AK,
                      7);
    size_t n = 0;
    for (size_t i = 0; i < r->n_findings; i++)
        n += r->findings[i].status == MR_FAIL;
    assert_int_equal(n, 4); /* the option line 4 is fine */
    free(ak);
    free(pub);
}

static void test_ssh_authorized_keys_content(void **state)
{
    struct mr_test_fixture *f = *state;
    write_ak(f, PEER_KEY " nova@compute-2\n");
    const struct mr_result *r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_FAIL);
    assert_remedy(mr_test_finding(r, "does not hold nova's own public key"),
                  "cat " SSH_DIR "/id_ed25519.pub >> " AK);

    /* The site's keys, inline or in a file of the root. */
    char *pub = own_pub(f);
    write_ak(f, pub);
    mr_test_fixture_site(f, "[site]\nauthorized_keys = " PEER_KEY
                            " nova@compute-2, /etc/migready/peers.pub\n");
    mr_test_write(f->dir, "/etc/migready/peers.pub", PEER_KEY " nova@compute-2\n");
    r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_FAIL);
    const struct mr_finding *fi = mr_test_finding(r, "lacks the ssh-ed25519 key nova@compute-2");
    mr_test_assert_at(fi, AK, 0);
    assert_remedy(fi, "echo '" PEER_KEY " nova@compute-2' >> " AK);

    char *both = mr_xasprintf("%s%s nova@compute-2\n", pub, PEER_KEY);
    write_ak(f, both);
    r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_PASS);
    mr_test_finding(r, "and the site's keys (2 keys)");
    free(both);
    free(pub);

    mr_test_fixture_site(f, "[site]\nauthorized_keys = /etc/migready/nope.pub\n");
    r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_FAIL);
    mr_test_finding(r, "names /etc/migready/nope.pub, which cannot be read");
}

static void test_ssh_missing_authorized_keys(void **state)
{
    struct mr_test_fixture *f = *state;
    char *p = mr_xasprintf("%s%s", f->dir, AK);
    unlink(p);
    free(p);
    const struct mr_result *r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_FAIL);
    mr_test_assert_at(mr_test_finding(r, "nova has no " AK), AK, 0);
}

static void test_ssh_root_user(void **state)
{
    struct mr_test_fixture *f = *state;
    mr_test_fixture_site(f, "[site]\nmigration_user = root\n");
    const struct mr_result *r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_FAIL);
    const struct mr_finding *fi = mr_test_finding(r, "/root, the home of root, does not exist");
    assert_remedy(fi, "sudo -u root ssh-keygen");

    mr_test_mkdir(f->dir, "/root", 0700);
    r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_FAIL);
    mr_test_assert_at(mr_test_finding(r, "root has no /root/.ssh, so no key pair"), "/root/.ssh",
                      0);
}

static void test_ssh_passphrase(void **state)
{
    struct mr_test_fixture *f = *state;
    /* An openssh-key-v1 body whose cipher is aes256-ctr: "openssh-key-v1\0",
     * then the cipher name's length and name. */
    mr_test_write(f->dir, SSH_DIR "/id_ed25519",
                  "-----BEGIN OPENSSH PRIVATE KEY-----\n"
                  "b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAAA==\n"
                  "-----END OPENSSH PRIVATE KEY-----\n");
    chmod_in(f, SSH_DIR "/id_ed25519", 0600);
    const struct mr_result *r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_FAIL);
    assert_remedy(mr_test_finding(r, "has a passphrase"), "ssh-keygen -p -N ''");
}


/* The ssh transport: Nova migrates peer to peer (VIR_MIGRATE_PEER2PEER in
 * nova/virt/libvirt/driver.py _prepare_migration_flags), so the source's
 * libvirtd opens the URI of _live_migration_uri and runs the ssh client
 * itself, as root, with root's keys: libvirt's src/rpc/virnetsocket.c
 * virNetSocketNewConnectSSH adds "-l USER" and "-i KEYFILE" only when the
 * URI names them (src/remote/remote_driver.c reads uri->user and the
 * keyfile query parameter; virNetClientNewLibssh defaults the user to
 * root). Today's ssh.keys looked at nova's keys instead. */
static void test_ssh_transport_checks_root(void **state)
{
    struct mr_test_fixture *f = *state;
    mr_test_fixture_site(f, "[site]\nprofile = ssh\n");
    const struct mr_result *r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_FAIL);
    const struct mr_finding *fi = mr_test_finding(r, "/root, the home of root, does not exist");
    mr_test_finding(r, "checked as root: the ssh transport: libvirtd on the source runs the ssh "
                       "client as root");
    /* Nova's own SSH is another login, and the message says so. */
    assert_non_null(strstr(fi->message, "Nova's own SSH for resize and cold migration logs in "
                                        "as the nova user"));
    assert_string_equal(mr_ctx_migration_user(f->ctx), "root");

    /* Without the ssh transport, Nova's own SSH: nova. */
    mr_test_fixture_site(f, "[site]\nprofile = tcp\n");
    r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_PASS);
    mr_test_finding(r, "checked as nova: Nova's own SSH (resize, cold migration)");
}

/* _live_migration_uri returns the deprecated live_migration_uri % dest when
 * it is set: a URI with user@ and ?keyfile= makes libvirtd log in as that
 * user with that key (virNetSocketNewConnectSSH: -l, -i). */
static void test_ssh_transport_uri_login(void **state)
{
    struct mr_test_fixture *f = *state;
    mr_test_fixture_site(f, "[site]\nprofile = ssh\n");
    char *conf = fixture_text("roots/seed-good/etc/nova/nova.conf");
    char *more = mr_xasprintf("%s\n[libvirt]\nlive_migration_uri = qemu+ssh://nova@%%s/system"
                              "?no_verify=1&keyfile=" SSH_DIR "/id_ed25519\n", conf);
    mr_test_write(f->dir, "/etc/nova/nova.conf", more);
    const struct mr_result *r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_PASS);
    const struct mr_finding *fi = mr_test_finding(r, "nova has a key pair (" SSH_DIR
                                                     "/id_ed25519");
    assert_non_null(strstr(fi->message, "checked as nova: the ssh transport: libvirtd on the "
                                        "source logs in to the destination with the user and "
                                        "key that [libvirt] live_migration_uri names "
                                        "(/etc/nova/nova.conf:"));
    free(more);

    /* A ?keyfile= that does not exist is the key that fails, where it is. */
    more = mr_xasprintf("%s\n[libvirt]\nlive_migration_uri = qemu+ssh://nova@%%s/system"
                        "?keyfile=%%2Fvar%%2Flib%%2Fnova%%2F.ssh%%2Fmigration\n", conf);
    mr_test_write(f->dir, "/etc/nova/nova.conf", more);
    r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_FAIL);
    fi = mr_test_finding(r, SSH_DIR "/migration does not exist");
    mr_test_assert_at(fi, SSH_DIR "/migration", 0);
    assert_remedy(fi, "ssh-keygen -t ed25519 -N '' -f " SSH_DIR "/migration");
    free(more);

    /* The site's migration_user still decides over the URI. */
    mr_test_fixture_site(f, "[site]\nprofile = ssh\nmigration_user = nova\n");
    r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_PASS);
    mr_test_finding(r, "checked as nova: migration_user in ");
    free(conf);
}

/* kolla-ansible: nova's SSH runs in the nova_ssh container with the pair
 * from /etc/kolla/nova-ssh (nova-ssh.json.j2: id_rsa, and id_rsa.pub as
 * authorized_keys); the host has no nova user and the files' owner and mode
 * are set in the container. */
static void test_ssh_kolla_layout(void **state)
{
    struct mr_test_fixture *f = *state;
    mr_test_fixture_free(f);
    f = *state = mr_test_fixture_new("kolla");
    const struct mr_result *r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_PASS);
    mr_test_assert_at(mr_test_finding(r, "nova has a key pair (/etc/kolla/nova-ssh/id_rsa, "
                                         "ssh-rsa) and /etc/kolla/nova-ssh/id_rsa.pub "
                                         "authorizes it"),
                      "/etc/kolla/nova-ssh/id_rsa", 0);
    assert_int_equal(mr_ctx_ssh_identity(f->ctx)->port, 8022);

    char *p = mr_xasprintf("%s/etc/kolla/nova-ssh/id_rsa.pub", f->dir);
    unlink(p);
    free(p);
    r = run(f, &mr_check_ssh_keys);
    mr_test_assert_status(r, MR_FAIL);
    assert_remedy(mr_test_finding(r, "the public half /etc/kolla/nova-ssh/id_rsa.pub of nova's "
                                     "key is missing"),
                  "kolla-ansible reconfigure");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hosts_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hosts_debian_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hosts_debian_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hosts_ipv6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hosts_missing_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hosts_dns_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hosts_peers_offline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hosts_bad_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hosts_binary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hosts_no_hostname, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hosts_live, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hosts_mapped_loopback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ids_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ids_uid_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ids_gid_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ids_missing_and_broken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ids_qemu_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ssh_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ssh_dir_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ssh_private_key_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ssh_no_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ssh_authorized_keys_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ssh_authorized_keys_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ssh_missing_authorized_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ssh_root_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ssh_passphrase, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ssh_transport_checks_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ssh_transport_uri_login, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ssh_kolla_layout, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
