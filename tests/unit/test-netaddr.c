/* The host facts every check shares: the one loopback predicate (and
 * libvirt's name rule on top of it) and the one /etc/hosts reader, on
 * Debian's and the fixtures' files and on the layouts glibc accepts. */
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
#include "hostsfile.h"
#include "libvirtconf.h"
#include "migready.h"
#include "netaddr.h"
#include "testutil.h"

/* ---- the loopback predicate ---- */

static void test_loopback_v4(void **state)
{
    (void)state;
    assert_true(mr_addr_is_loopback("127.0.0.1"));
    assert_true(mr_addr_is_loopback("127.0.1.1"));
    assert_true(mr_addr_is_loopback("127.255.255.254"));
    assert_false(mr_addr_is_loopback("126.255.255.255"));
    assert_false(mr_addr_is_loopback("128.0.0.1"));
    assert_false(mr_addr_is_loopback("192.0.2.11"));
    /* Whatever the string looks like, the parsed address decides. */
    assert_false(mr_addr_is_loopback("10.127.0.1"));
}

static void test_loopback_v6(void **state)
{
    (void)state;
    assert_true(mr_addr_is_loopback("::1"));
    assert_true(mr_addr_is_loopback("0:0:0:0:0:0:0:1"));
    assert_true(mr_addr_is_loopback("::1%lo"));
    assert_false(mr_addr_is_loopback("::2"));
    assert_false(mr_addr_is_loopback("fe80::1"));
    assert_false(mr_addr_is_loopback("2001:db8::11"));
}

/* A dual-stack socket sends ::ffff:127.x.y.z to 127.x.y.z. */
static void test_loopback_mapped(void **state)
{
    (void)state;
    assert_true(mr_addr_is_loopback("::ffff:127.0.0.1"));
    assert_true(mr_addr_is_loopback("::ffff:127.0.1.1"));
    assert_true(mr_addr_is_loopback("::FFFF:7f00:101"));
    assert_true(mr_addr_is_loopback("0:0:0:0:0:ffff:127.1.2.3"));
    assert_false(mr_addr_is_loopback("::ffff:192.0.2.11"));
    assert_false(mr_addr_is_loopback("::ffff:128.0.0.1"));
    /* The deprecated v4-compatible form is routed as IPv6, not to lo. */
    assert_false(mr_addr_is_loopback("::127.0.0.1"));
    /* Neither is 127/8 embedded elsewhere (NAT64, 6to4). */
    assert_false(mr_addr_is_loopback("64:ff9b::127.0.0.1"));
    assert_false(mr_addr_is_loopback("2002:7f00:1::1"));
}

static void test_loopback_garbage(void **state)
{
    (void)state;
    const char *junk[] = {NULL, "", " ", "localhost", "127.1", "127.0.0.1.", "127.0.0.1/8",
                          " 127.0.0.1", "[::1]", "::1::", "::ffff:127.0.0.1x", "127.0.0.256",
                          "0x7f.0.0.1"};
    for (size_t i = 0; i < MR_ARRAY_SIZE(junk); i++) {
        if (mr_addr_is_loopback(junk[i]) || mr_addr_is_local_only(junk[i]))
            fail_msg("'%s' taken for a loopback address", junk[i] ? junk[i] : "(null)");
    }
}

/* Unspecified: no loopback, but no peer can reach this host there either. */
static void test_local_only(void **state)
{
    (void)state;
    const char *any[] = {"0.0.0.0", "::", "::ffff:0.0.0.0"};
    for (size_t i = 0; i < MR_ARRAY_SIZE(any); i++) {
        assert_false(mr_addr_is_loopback(any[i]));
        assert_true(mr_addr_is_unspecified(any[i]));
        assert_true(mr_addr_is_local_only(any[i]));
        /* For libvirt a listen address of "any" is not loopback. */
        assert_false(mr_libvirt_addr_is_loopback(any[i]));
    }
    assert_true(mr_addr_is_local_only("::ffff:127.0.1.1"));
    assert_false(mr_addr_is_unspecified("127.0.0.1"));
    assert_false(mr_addr_is_local_only("192.0.2.11"));
}

/* libvirt's rule: a "localhost*" name, else the one predicate. */
static void test_libvirt_rule(void **state)
{
    (void)state;
    assert_true(mr_libvirt_addr_is_loopback("localhost6.localdomain6"));
    assert_true(mr_libvirt_addr_is_loopback(" [::ffff:127.0.1.1] "));
    assert_true(mr_libvirt_addr_is_loopback("127.0.1.1"));
    assert_false(mr_libvirt_addr_is_loopback("::127.0.0.1"));
    assert_false(mr_libvirt_addr_is_loopback("compute-1"));
    const char *both[] = {"127.0.0.1", "::1", "::ffff:127.0.0.1", "192.0.2.1", "::"};
    for (size_t i = 0; i < MR_ARRAY_SIZE(both); i++)
        assert_int_equal(mr_libvirt_addr_is_loopback(both[i]), mr_addr_is_loopback(both[i]));
}

/* ---- the /etc/hosts reader ---- */

static struct mr_hosts *parse(const char *text)
{
    struct mr_hosts *h = NULL;
    assert_int_equal(mr_hosts_parse(text, strlen(text), &h, NULL), 0);
    assert_non_null(h);
    return h;
}

static void assert_entry(const struct mr_hosts_entry *e, int line, const char *addr,
                         const char *canonical, size_t n_names)
{
    assert_non_null(e);
    assert_int_equal(e->line, line);
    assert_string_equal(e->addr, addr);
    assert_int_equal(mr_strv_len(e->names), n_names);
    if (canonical)
        assert_string_equal(e->names[0], canonical);
}

/* The file Debian's installer writes (tests/roots/hosts-debian). */
static void test_hosts_debian(void **state)
{
    (void)state;
    char *text = mr_test_slurp("roots/hosts-debian/etc/hosts");
    struct mr_hosts *h = parse(text);
    assert_int_equal(h->n, 5);
    assert_int_equal(h->n_skipped, 0);
    const struct mr_hosts_entry *e = mr_hosts_lookup(h, "compute-1");
    assert_entry(e, 2, "127.0.1.1", "compute-1.example.org", 2);
    assert_string_equal(e->names[1], "compute-1");
    assert_ptr_equal(mr_hosts_lookup(h, "COMPUTE-1.Example.ORG"), e);
    assert_entry(mr_hosts_lookup(h, "ip6-loopback"), 5, "::1", "localhost", 3);
    assert_entry(mr_hosts_lookup(h, "ip6-allrouters"), 7, "ff02::2", "ip6-allrouters", 1);
    /* First line wins: localhost is 127.0.0.1, not ::1 (line 5). */
    assert_entry(mr_hosts_lookup(h, "localhost"), 1, "127.0.0.1", "localhost", 1);
    assert_null(mr_hosts_lookup(h, "desirable"));
    mr_hosts_free(h);
    free(text);
}

/* Every fixture root's file, read root-safely as the checks read it. */
static void test_hosts_roots(void **state)
{
    (void)state;
    static const struct {
        const char *root, *name, *addr;
        size_t n;
    } want[] = {
        {"seed-good", "compute-1", "192.0.2.11", 5},
        {"hosts-debian", "compute-1", "127.0.1.1", 5},
        {"nfs-server", "backup", "198.51.100.7", 8},
        {"fix-host", "compute-1.example.org", "127.0.1.1", 5},
    };
    for (size_t i = 0; i < MR_ARRAY_SIZE(want); i++) {
        char *dir = mr_test_root(want[i].root);
        struct mr_ctx *ctx = NULL;
        assert_int_equal(mr_ctx_new_for_test(dir, NULL, NULL, &ctx), 0);
        struct mr_hosts *h = NULL;
        assert_int_equal(mr_hosts_read(ctx->root, &h, NULL), 0);
        assert_int_equal(h->n, want[i].n);
        const struct mr_hosts_entry *e = mr_hosts_lookup(h, want[i].name);
        assert_non_null(e);
        assert_string_equal(e->addr, want[i].addr);
        mr_hosts_free(h);
        mr_ctx_free(ctx);
        mr_test_rmtree(dir);
        free(dir);
    }
}

static void test_hosts_missing(void **state)
{
    (void)state;
    char *dir = mr_test_scratch();
    struct mr_ctx *ctx = NULL;
    assert_int_equal(mr_ctx_new_for_test(dir, NULL, NULL, &ctx), 0);
    static struct mr_hosts untouched;
    struct mr_hosts *h = &untouched;
    assert_int_equal(mr_hosts_read(ctx->root, &h, NULL), -ENOENT);
    assert_ptr_equal(h, &untouched);
    mr_ctx_free(ctx);
    mr_test_rmtree(dir);
    free(dir);
}

static void test_hosts_blanks_and_comments(void **state)
{
    (void)state;
    struct mr_hosts *h = parse("# a comment\n"
                               "\t10.0.0.1\tA\t\tB # X Y\n"
                               "   # indented comment\n"
                               "10.0.0.2 \v c\fd#e f\n"
                               "\n"
                               "10.0.0.3\n");
    assert_int_equal(h->n, 3);
    assert_entry(&h->v[0], 2, "10.0.0.1", "A", 2);
    assert_string_equal(h->v[0].names[1], "B");
    assert_null(mr_hosts_lookup(h, "X"));
    assert_entry(&h->v[1], 4, "10.0.0.2", "c", 2);
    assert_string_equal(h->v[1].names[1], "d");
    assert_null(mr_hosts_lookup(h, "e"));
    assert_null(mr_hosts_lookup(h, "f"));
    /* An address without names is kept but answers no name. */
    assert_entry(&h->v[2], 6, "10.0.0.3", NULL, 0);
    assert_null(mr_hosts_lookup(h, ""));
    mr_hosts_free(h);
}

static void test_hosts_first_wins(void **state)
{
    (void)state;
    struct mr_hosts *h = parse("10.0.0.1 a\n10.0.0.2 b a\n2001:db8::3 A b\n");
    assert_entry(mr_hosts_lookup(h, "a"), 1, "10.0.0.1", "a", 1);
    assert_entry(mr_hosts_lookup(h, "b"), 2, "10.0.0.2", "b", 2);
    size_t pos = 0;
    assert_int_equal(mr_hosts_next(h, "A", &pos)->line, 1);
    assert_int_equal(mr_hosts_next(h, "A", &pos)->line, 2);
    assert_int_equal(mr_hosts_next(h, "A", &pos)->line, 3);
    assert_null(mr_hosts_next(h, "A", &pos));
    pos = 0;
    assert_null(mr_hosts_next(NULL, "a", &pos));
    mr_hosts_free(h);
}

static void test_hosts_skipped_lines(void **state)
{
    (void)state;
    struct mr_hosts *h = parse("compute-1 192.0.2.11\n192.0.2.12 compute-2\n127.1 short\n"
                               "[::1] bracketed\n");
    assert_int_equal(h->n, 1);
    assert_int_equal(h->n_skipped, 3);
    assert_int_equal(h->skipped[0], 1);
    assert_int_equal(h->skipped[1], 3);
    assert_int_equal(h->skipped[2], 4);
    assert_null(mr_hosts_lookup(h, "compute-1"));
    assert_entry(mr_hosts_lookup(h, "compute-2"), 2, "192.0.2.12", "compute-2", 1);
    mr_hosts_free(h);
}

/* No line length limit: glibc grows its buffer for a long line. */
static void test_hosts_long_line(void **state)
{
    (void)state;
    size_t n = 20000, cap = n * 12 + 64, len = 0;
    char *text = mr_xmalloc(cap);
    len += (size_t)snprintf(text, cap, "127.0.0.1 localhost\n192.0.2.50");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, " alias%zu", i);
    snprintf(text + len, cap - len, "\n192.0.2.51 after\n");
    assert_true(strlen(text) > 100000);
    struct mr_hosts *h = parse(text);
    assert_int_equal(h->n, 3);
    assert_entry(&h->v[1], 2, "192.0.2.50", "alias0", n);
    assert_entry(mr_hosts_lookup(h, "alias19999"), 2, "192.0.2.50", "alias0", n);
    assert_entry(mr_hosts_lookup(h, "after"), 3, "192.0.2.51", "after", 1);
    mr_hosts_free(h);
    free(text);
}

static void test_hosts_crlf(void **state)
{
    (void)state;
    struct mr_hosts *h = parse("127.0.0.1 localhost\r\n192.0.2.11\tcompute-1\r\n\r\n"
                               "# x\r\n192.0.2.12 compute-2 c2\r\n");
    assert_int_equal(h->n, 3);
    assert_entry(mr_hosts_lookup(h, "compute-1"), 2, "192.0.2.11", "compute-1", 1);
    assert_entry(mr_hosts_lookup(h, "c2"), 5, "192.0.2.12", "compute-2", 2);
    assert_null(strchr(h->v[0].names[0], '\r'));
    mr_hosts_free(h);
}

static void test_hosts_no_final_newline(void **state)
{
    (void)state;
    struct mr_hosts *h = parse("127.0.0.1 localhost\n192.0.2.11 compute-1");
    assert_int_equal(h->n, 2);
    assert_entry(mr_hosts_lookup(h, "compute-1"), 2, "192.0.2.11", "compute-1", 1);
    mr_hosts_free(h);
    /* A text of LEN bytes need not end in NUL. */
    const char buf[] = {'1', '0', '.', '0', '.', '0', '.', '1', ' ', 'a', 'b'};
    h = NULL;
    assert_int_equal(mr_hosts_parse(buf, 10, &h, NULL), 0);
    assert_entry(mr_hosts_lookup(h, "a"), 1, "10.0.0.1", "a", 1);
    assert_null(mr_hosts_lookup(h, "ab"));
    mr_hosts_free(h);
}

static void test_hosts_not_text(void **state)
{
    (void)state;
    const char text[] = "127.0.0.1 localhost\n192.0.2.11 comp\0ute-1\n";
    struct mr_hosts *h = NULL;
    int line = 0;
    assert_int_equal(mr_hosts_parse(text, sizeof(text) - 1, &h, &line), -EBADMSG);
    assert_null(h);
    assert_int_equal(line, 2);
    mr_hosts_free(NULL);
}

/* Networks as exports(5) and the firewall write them: a prefix length,
 * a dotted mask (non-contiguous ones too: the kernel compares under the
 * mask bit by bit), or a whole address. */
static void test_net(void **state)
{
    (void)state;
    struct mr_net n;
    assert_true(mr_net_parse("192.0.2.0", "24", &n));
    assert_true(mr_net_contains(&n, "192.0.2.77"));
    assert_false(mr_net_contains(&n, "192.0.3.1"));
    assert_false(mr_net_contains(&n, "2001:db8::1"));
    assert_false(mr_net_contains(&n, "compute-2"));
    assert_true(mr_net_parse("192.0.2.0", "255.255.255.128", &n));
    assert_true(mr_net_contains(&n, "192.0.2.127"));
    assert_false(mr_net_contains(&n, "192.0.2.128"));
    /* 255.0.255.0: the second and fourth bytes are free. */
    assert_true(mr_net_parse("192.0.2.0", "255.0.255.0", &n));
    assert_true(mr_net_contains(&n, "192.99.2.5"));
    assert_false(mr_net_contains(&n, "192.99.3.5"));
    assert_true(mr_net_parse("2001:db8::", "64", &n));
    assert_true(mr_net_contains(&n, "2001:db8::12"));
    assert_false(mr_net_contains(&n, "2001:db9::12"));
    assert_true(mr_net_parse("192.0.2.11", NULL, &n));
    assert_true(mr_net_contains(&n, "192.0.2.11"));
    assert_false(mr_net_contains(&n, "192.0.2.12"));
    assert_false(mr_net_parse("192.0.2.0", "33", &n));
    assert_false(mr_net_parse("192.0.2.0", "x", &n));
    assert_false(mr_net_parse("2001:db8::", "255.255.0.0", &n));
    assert_false(mr_net_parse("nfs-server", "24", &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loopback_v4),
        cmocka_unit_test(test_loopback_v6),
        cmocka_unit_test(test_loopback_mapped),
        cmocka_unit_test(test_loopback_garbage),
        cmocka_unit_test(test_local_only),
        cmocka_unit_test(test_libvirt_rule),
        cmocka_unit_test(test_hosts_debian),
        cmocka_unit_test(test_hosts_roots),
        cmocka_unit_test(test_hosts_missing),
        cmocka_unit_test(test_hosts_blanks_and_comments),
        cmocka_unit_test(test_hosts_first_wins),
        cmocka_unit_test(test_hosts_skipped_lines),
        cmocka_unit_test(test_hosts_long_line),
        cmocka_unit_test(test_hosts_crlf),
        cmocka_unit_test(test_hosts_no_final_newline),
        cmocka_unit_test(test_hosts_not_text),
        cmocka_unit_test(test_net),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
