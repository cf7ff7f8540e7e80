/* The rule-set readers and the evaluator on rule sets captured from real
 * iptables-save and nft -j list ruleset output (tests/data/firewall), on
 * nft -f sources, and on junk. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fwrules.h"
#include "migready.h"
#include "rootfs.h"
#include "testutil.h"

static struct mr_fw_ruleset *ipt(const char *rel, const char *origin)
{
    char *text = mr_test_slurp(rel), *msg = NULL;
    struct mr_fw_ruleset *rs = NULL;
    int r = mr_fw_parse_iptables(text, origin, true, &rs, &msg);
    if (r < 0)
        fail_msg("%s: %s", rel, msg);
    free(text);
    return rs;
}

static struct mr_fw_ruleset *ipt_text(const char *text)
{
    char *msg = NULL;
    struct mr_fw_ruleset *rs = NULL;
    if (mr_fw_parse_iptables(text, "/etc/iptables/rules.v4", true, &rs, &msg) < 0)
        fail_msg("%s", msg);
    return rs;
}

static struct mr_fw_ruleset *nft_json(const char *rel)
{
    char *text = mr_test_slurp(rel), *msg = NULL;
    struct mr_fw_ruleset *rs = NULL;
    if (mr_fw_parse_nft_json(text, "nft", &rs, &msg) < 0)
        fail_msg("%s: %s", rel, msg);
    free(text);
    return rs;
}

static struct mr_fw_ruleset *nft_src(const char *rel)
{
    char *text = mr_test_slurp(rel), *msg = NULL;
    struct mr_fw_ruleset *rs = NULL;
    if (mr_fw_parse_nft_text(text, "/etc/nftables.conf", NULL, NULL, &rs, &msg) < 0)
        fail_msg("%s: %s", rel, msg);
    free(text);
    return rs;
}

static struct mr_fw_verdict judge(const struct mr_fw_ruleset *rs, const char *addr,
                                  const char *iface, unsigned port)
{
    struct mr_fw_conn c;
    assert_int_equal(mr_fw_conn_init(&c, addr, iface, port), 0);
    struct mr_fw_verdict v;
    mr_fw_evaluate(rs, &c, &v);
    return v;
}

static void expect(const struct mr_fw_ruleset *rs, const char *addr, unsigned port,
                   enum mr_fw_outcome o, int line)
{
    struct mr_fw_verdict v = judge(rs, addr, NULL, port);
    if (v.outcome != o)
        fail_msg("%s port %u from %s: outcome %d, expected %d (%s)", mr_fw_ruleset_origin(rs),
                 port, addr, v.outcome, o, v.reason);
    if (line > 0) {
        assert_non_null(v.rule);
        assert_string_equal(mr_fw_rule_file(v.rule), mr_fw_ruleset_origin(rs));
        assert_int_equal(mr_fw_rule_line(v.rule), line);
    } else if (line < 0) {
        /* a chain's policy decided, at that line */
        assert_null(v.rule);
        assert_non_null(v.chain);
        assert_int_equal(mr_fw_chain_line(v.chain), -line);
    }
}

/* The seed guides' rules: RELATED,ESTABLISHED and lo first, then ssh,
 * multiport --ports 16509 and 49152:49215, then a final REJECT. */
static void test_guides(void **state)
{
    (void)state;
    struct mr_fw_ruleset *rs = ipt("data/firewall/guides.iptables-save", "/etc/sysconfig/iptables");
    assert_false(mr_fw_ruleset_open(rs));
    expect(rs, "192.0.2.12", 16509, MR_FW_ACCEPTED, 10);
    expect(rs, "192.0.2.12", 49152, MR_FW_ACCEPTED, 11);
    expect(rs, "192.0.2.12", 49215, MR_FW_ACCEPTED, 11);
    expect(rs, "192.0.2.12", 22, MR_FW_ACCEPTED, 9);
    expect(rs, "192.0.2.12", 16514, MR_FW_REJECTED, 12);
    expect(rs, "192.0.2.12", 49216, MR_FW_REJECTED, 12);
    /* IPv4 rules do not see IPv6 */
    expect(rs, "2001:db8::5", 16514, MR_FW_ACCEPTED, 0);
    mr_fw_ruleset_free(rs);
    /* The source text the capture was made from reads the same. */
    rs = ipt("data/firewall/guides.rules", "/etc/iptables/rules.v4");
    expect(rs, "192.0.2.12", 16509, MR_FW_ACCEPTED, 9);
    expect(rs, "192.0.2.12", 5900, MR_FW_REJECTED, 11);
    mr_fw_ruleset_free(rs);
}

static void test_reject_16509(void **state)
{
    (void)state;
    struct mr_fw_ruleset *rs = ipt("data/firewall/reject-16509.iptables-save", "/etc/iptables/rules.v4");
    expect(rs, "192.0.2.12", 16509, MR_FW_REJECTED, 10);
    struct mr_fw_verdict v = judge(rs, "192.0.2.12", NULL, 16509);
    assert_non_null(strstr(mr_fw_rule_text(v.rule), "--dport 16509 -j REJECT"));
    assert_string_equal(mr_fw_chain_name(mr_fw_rule_chain(v.rule)), "INPUT");
    assert_int_equal(mr_fw_rule_index(v.rule), 5);
    expect(rs, "192.0.2.12", 49200, MR_FW_ACCEPTED, 12);
    mr_fw_ruleset_free(rs);
}

static void test_peer_source(void **state)
{
    (void)state;
    struct mr_fw_ruleset *rs = ipt("data/firewall/peer-source.iptables-save", "/etc/iptables/rules.v4");
    expect(rs, "192.0.2.12", 16509, MR_FW_ACCEPTED, 9);
    expect(rs, "192.0.2.12", 49180, MR_FW_ACCEPTED, 9);
    expect(rs, "192.0.2.12", 22, MR_FW_ACCEPTED, 8);
    expect(rs, "192.0.2.13", 16509, MR_FW_DROPPED, -3); /* the policy DROP */
    expect(rs, "203.0.113.4", 22, MR_FW_DROPPED, 10);    /* ! -s 192.0.2.0/24 ... -j DROP */
    struct mr_fw_verdict v = judge(rs, "192.0.2.13", NULL, 16509);
    assert_string_equal(mr_fw_chain_policy(v.chain), "DROP");
    /* Any address: the answer depends on it, so it is undecided. */
    struct mr_fw_conn c;
    mr_fw_conn_init(&c, "192.0.2.1", NULL, 16509);
    c.src_any = true;
    mr_fw_evaluate(rs, &c, &v);
    assert_int_equal(v.outcome, MR_FW_UNDECIDED);
    assert_non_null(strstr(v.reason, "source address"));
    mr_fw_ruleset_free(rs);
}

/* INPUT jumps to MIGRATION, which RETURNs for strangers and covers only
 * 49152-49199 of the range. */
static void test_multichain(void **state)
{
    (void)state;
    struct mr_fw_ruleset *rs = ipt("data/firewall/multichain.iptables-save", "/etc/iptables/rules.v4");
    expect(rs, "192.0.2.5", 16509, MR_FW_ACCEPTED, 13);
    expect(rs, "192.0.2.5", 49199, MR_FW_ACCEPTED, 14);
    expect(rs, "192.0.2.5", 49200, MR_FW_DROPPED, -3);
    expect(rs, "203.0.113.9", 16509, MR_FW_DROPPED, -3);
    expect(rs, "203.0.113.9", 22, MR_FW_ACCEPTED, 10);
    /* Any address: the drop of 49200 does not depend on the source. */
    struct mr_fw_conn c;
    struct mr_fw_verdict v;
    mr_fw_conn_init(&c, "192.0.2.1", NULL, 49200);
    c.src_any = true;
    mr_fw_evaluate(rs, &c, &v);
    assert_int_equal(v.outcome, MR_FW_DROPPED);
    mr_fw_ruleset_free(rs);
}

static void test_nft_json(void **state)
{
    (void)state;
    struct mr_fw_ruleset *rs = nft_json("data/firewall/nft-inet.json");
    assert_false(mr_fw_ruleset_open(rs));
    expect(rs, "192.0.2.12", 16509, MR_FW_ACCEPTED, 0);
    expect(rs, "192.0.2.12", 22, MR_FW_ACCEPTED, 0);
    expect(rs, "192.0.2.12", 49152, MR_FW_ACCEPTED, 0);
    expect(rs, "198.51.100.7", 49215, MR_FW_ACCEPTED, 0);
    expect(rs, "203.0.113.1", 49152, MR_FW_REJECTED, 0); /* not in the saddr set */
    expect(rs, "192.0.2.12", 16514, MR_FW_REJECTED, 0);
    /* ip saddr never matches IPv6: the range is rejected for an IPv6 peer */
    expect(rs, "2001:db8::1", 49152, MR_FW_REJECTED, 0);
    expect(rs, "2001:db8::1", 16509, MR_FW_ACCEPTED, 0);
    mr_fw_ruleset_free(rs);

    rs = nft_json("data/firewall/nft-reject-16509.json");
    struct mr_fw_verdict v = judge(rs, "192.0.2.12", NULL, 16509);
    assert_int_equal(v.outcome, MR_FW_REJECTED);
    assert_int_equal(mr_fw_rule_handle(v.rule), 7);
    assert_string_equal(mr_fw_chain_table(mr_fw_rule_chain(v.rule)), "inet filter");
    expect(rs, "192.0.2.12", 22, MR_FW_ACCEPTED, 0);
    mr_fw_ruleset_free(rs);

    /* a named set, a jump and a return */
    rs = nft_json("data/firewall/nft-jump.json");
    expect(rs, "192.0.2.3", 16509, MR_FW_ACCEPTED, 0);
    expect(rs, "192.0.2.3", 49215, MR_FW_ACCEPTED, 0);
    v = judge(rs, "192.0.2.200", NULL, 16509);
    assert_int_equal(v.outcome, MR_FW_DROPPED);
    assert_null(v.rule);
    assert_string_equal(mr_fw_chain_name(v.chain), "input");
    expect(rs, "192.0.2.200", 22, MR_FW_ACCEPTED, 0);
    mr_fw_ruleset_free(rs);

    rs = nft_json("data/firewall/empty.json");
    assert_true(mr_fw_ruleset_open(rs));
    mr_fw_ruleset_free(rs);
}

/* iptables-nft's own tables in nft's JSON hold xt matches: read through
 * iptables-save instead, and dropped here. */
static void test_iptables_nft_tables(void **state)
{
    (void)state;
    struct mr_fw_ruleset *rs = nft_json("data/firewall/guides.iptables-nft.json");
    struct mr_fw_verdict v = judge(rs, "192.0.2.12", NULL, 16509);
    assert_int_equal(v.outcome, MR_FW_UNDECIDED); /* xt multiport */
    if (!strstr(v.reason, "xt "))
        fail_msg("reason: %s", v.reason);
    mr_fw_ruleset_drop_iptables_nft(rs);
    assert_true(mr_fw_ruleset_open(rs));
    mr_fw_ruleset_free(rs);
}

static void test_nft_text(void **state)
{
    (void)state;
    struct mr_fw_ruleset *rs = nft_src("data/firewall/nft-inet.nft");
    expect(rs, "192.0.2.12", 16509, MR_FW_ACCEPTED, 12);
    expect(rs, "192.0.2.12", 49152, MR_FW_ACCEPTED, 13);
    expect(rs, "203.0.113.1", 49152, MR_FW_REJECTED, 14);
    mr_fw_ruleset_free(rs);

    rs = nft_src("data/firewall/nft-reject-16509.nft");
    expect(rs, "192.0.2.12", 16509, MR_FW_REJECTED, 10);
    struct mr_fw_verdict v = judge(rs, "192.0.2.12", NULL, 16509);
    assert_string_equal(mr_fw_rule_text(v.rule), "tcp dport 16509 counter reject with tcp reset");
    expect(rs, "192.0.2.12", 22, MR_FW_ACCEPTED, 13);
    mr_fw_ruleset_free(rs);

    rs = nft_src("data/firewall/nft-jump.nft");
    expect(rs, "192.0.2.3", 16509, MR_FW_ACCEPTED, 13);
    expect(rs, "192.0.2.200", 16509, MR_FW_DROPPED, -18);
    expect(rs, "192.0.2.200", 22, MR_FW_ACCEPTED, 22);
    mr_fw_ruleset_free(rs);

    /* nft's own listing of the loaded set reads the same */
    rs = nft_src("data/firewall/nft-jump.listed.nft");
    expect(rs, "192.0.2.3", 49152, MR_FW_ACCEPTED, 11);
    expect(rs, "192.0.2.200", 49152, MR_FW_DROPPED, -15);
    mr_fw_ruleset_free(rs);

    /* defines, add rule, a policy accept chain without rules */
    char *msg = NULL;
    assert_int_equal(mr_fw_parse_nft_text("define peers = { 192.0.2.12, 192.0.2.13 }\n"
                                          "add table inet fw\n"
                                          "add chain inet fw in { type filter hook input priority 0; policy drop; }\n"
                                          "add rule inet fw in ip saddr $peers tcp dport { 22, 16509, 49152-49215 } accept\n",
                                          "/etc/nftables.conf", NULL, NULL, &rs, &msg),
                  0);
    expect(rs, "192.0.2.13", 49160, MR_FW_ACCEPTED, 4);
    expect(rs, "192.0.2.14", 49160, MR_FW_DROPPED, -3);
    mr_fw_ruleset_free(rs);
}

/* The peer's interface is unknown unless the site configuration names it. */
static void test_interface(void **state)
{
    (void)state;
    struct mr_fw_ruleset *rs = ipt_text("*filter\n:INPUT DROP [0:0]\n"
                                        "-A INPUT -i lo -j ACCEPT\n"
                                        "-A INPUT -i eth1 -p tcp -m tcp --dport 16509 -j ACCEPT\n"
                                        "-A INPUT ! -i lo -p tcp -m tcp --dport 22 -j ACCEPT\n"
                                        "COMMIT\n");
    struct mr_fw_verdict v = judge(rs, "192.0.2.12", NULL, 16509);
    assert_int_equal(v.outcome, MR_FW_UNDECIDED);
    assert_int_equal(mr_fw_rule_line(v.rule), 4);
    assert_non_null(strstr(v.reason, "eth1"));
    assert_int_equal(judge(rs, "192.0.2.12", "eth1", 16509).outcome, MR_FW_ACCEPTED);
    assert_int_equal(judge(rs, "192.0.2.12", "eth0", 16509).outcome, MR_FW_DROPPED);
    /* -i lo never sees a peer; ! -i lo always does */
    assert_int_equal(judge(rs, "192.0.2.12", NULL, 22).outcome, MR_FW_ACCEPTED);
    assert_int_equal(judge(rs, "192.0.2.12", NULL, 80).outcome, MR_FW_DROPPED);
    mr_fw_ruleset_free(rs);
}

/* What it cannot read makes the verdict undecided only when it matters. */
static void test_unreadable(void **state)
{
    (void)state;
    struct mr_fw_ruleset *rs = ipt_text("*filter\n:INPUT ACCEPT [0:0]\n"
                                        "-A INPUT -p udp -m recent --rcheck -j DROP\n"
                                        "-A INPUT -p tcp -m recent --name x --rcheck -j DROP\n"
                                        "COMMIT\n");
    struct mr_fw_verdict v = judge(rs, "192.0.2.12", NULL, 16509);
    assert_int_equal(v.outcome, MR_FW_UNDECIDED);
    assert_int_equal(mr_fw_rule_line(v.rule), 4);
    assert_non_null(strstr(v.reason, "-m recent"));
    mr_fw_ruleset_free(rs);

    /* multiport --ports matches the source port too: the peer's ephemeral
     * port may fall in 49152:49215 ... */
    rs = ipt_text("*filter\n:INPUT ACCEPT [0:0]\n"
                  "-A INPUT -p tcp -m multiport --ports 49152:49215 -j ACCEPT\n"
                  "-A INPUT -p tcp -m multiport --ports 16509 -j ACCEPT\n"
                  "-A INPUT -j REJECT\nCOMMIT\n");
    /* ... a connection to 5900 is accepted for some source ports only: not accepted */
    expect(rs, "192.0.2.12", 5900, MR_FW_REJECTED, 5);
    assert_int_equal(judge(rs, "192.0.2.12", NULL, 16509).outcome, MR_FW_ACCEPTED);
    mr_fw_ruleset_free(rs);

    /* An undefined named set in nft */
    char *msg = NULL;
    assert_int_equal(mr_fw_parse_nft_text("table inet f {\n chain i {\n"
                                          "  type filter hook input priority 0; policy drop;\n"
                                          "  ip saddr @nope tcp dport 16509 accept\n }\n}\n",
                                          "/etc/nftables.conf", NULL, NULL, &rs, &msg),
                  0);
    v = judge(rs, "192.0.2.12", NULL, 16509);
    assert_int_equal(v.outcome, MR_FW_UNDECIDED);
    assert_non_null(strstr(v.reason, "@nope"));
    assert_int_equal(mr_fw_rule_line(v.rule), 4);
    assert_int_equal(judge(rs, "192.0.2.12", NULL, 22).outcome, MR_FW_DROPPED);
    mr_fw_ruleset_free(rs);
}

static void expect_ipt_error(const char *text, const char *needle)
{
    struct mr_fw_ruleset *rs = NULL;
    char *msg = NULL;
    assert_int_equal(mr_fw_parse_iptables(text, "/etc/iptables/rules.v4", true, &rs, &msg),
                     -EINVAL);
    assert_null(rs);
    if (!strstr(msg, needle))
        fail_msg("message '%s' lacks '%s'", msg, needle);
    free(msg);
}

/* The message names the policy it refuses: read before the words are freed. */
static void test_unknown_policy(void **state)
{
    (void)state;
    expect_ipt_error("*filter\n:INPUT FOOBAR [0:0]\nCOMMIT\n",
                     "rules.v4:2: unknown policy 'FOOBAR'");
}

static void test_junk(void **state)
{
    (void)state;
    /* random bytes */
    char junk[4096];
    srand(7);
    for (size_t i = 0; i < sizeof(junk) - 1; i++)
        junk[i] = (char)(1 + rand() % 255);
    junk[sizeof(junk) - 1] = '\0';
    struct mr_fw_ruleset *rs = NULL;
    char *msg = NULL;
    assert_int_equal(mr_fw_parse_iptables(junk, "/etc/iptables/rules.v4", true, &rs, &msg), -EINVAL);
    assert_non_null(strstr(msg, "/etc/iptables/rules.v4:"));
    free(msg);
    msg = NULL;
    assert_int_equal(mr_fw_parse_nft_text(junk, "/etc/nftables.conf", NULL, NULL, &rs, &msg), -EINVAL);
    assert_non_null(strstr(msg, "/etc/nftables.conf:"));
    free(msg);
    msg = NULL;
    assert_int_equal(mr_fw_parse_nft_json(junk, "nft -j list ruleset", &rs, &msg), -EINVAL);
    assert_non_null(strstr(msg, "not nft JSON"));
    free(msg);

    /* a truncated iptables-save line */
    expect_ipt_error("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport\n",
                     "rules.v4:3: --dport needs a value");
    expect_ipt_error("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 16509 -j ACCEPT\n",
                     "rules.v4:4: table filter has no COMMIT");
    expect_ipt_error("*filter\n-A INPUT -p tcp -m multiport --dports 1,x -j ACCEPT\nCOMMIT\n",
                     "rules.v4:2: '1,x' is not a list of ports");
    expect_ipt_error("-A INPUT -j ACCEPT\n", "outside a table");
    expect_ipt_error("*filter\n-A INPUT -m comment --comment \"open -j ACCEPT\nCOMMIT\n",
                     "unterminated quote");

    /* truncated and invalid JSON */
    char *text = mr_test_slurp("data/firewall/nft-inet.json");
    text[strlen(text) / 2] = '\0';
    msg = NULL;
    assert_int_equal(mr_fw_parse_nft_json(text, "nft -j list ruleset", &rs, &msg), -EINVAL);
    assert_non_null(strstr(msg, "nft -j list ruleset: not nft JSON"));
    free(msg);
    free(text);
    msg = NULL;
    assert_int_equal(mr_fw_parse_nft_json("[1, 2]", "nft", &rs, &msg), -EINVAL);
    free(msg);
    /* JSON of the right shape with odd members is read, not crashed on */
    assert_int_equal(mr_fw_parse_nft_json(
                         "{\"nftables\": [{\"rule\": {\"family\": \"inet\"}}, {\"chain\": 3},"
                         " {\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"c\","
                         " \"expr\": [{\"match\": {\"op\": \"==\"}}, 7, {\"accept\": null}]}}]}",
                         "nft", &rs, &msg),
                     0);
    mr_fw_ruleset_free(rs);
    /* an unbalanced nft file */
    msg = NULL;
    assert_int_equal(mr_fw_parse_nft_text("table inet f {\n}\n}\n", "/etc/nftables.conf", NULL,
                                          NULL, &rs, &msg),
                     -EINVAL);
    assert_non_null(strstr(msg, "/etc/nftables.conf:3"));
    free(msg);
    /* empty input: no firewall */
    assert_int_equal(mr_fw_parse_iptables("", "iptables-save", false, &rs, &msg), 0);
    assert_true(mr_fw_ruleset_open(rs));
    mr_fw_ruleset_free(rs);
}

/* Text grown line by line, for the large rule sets made here. */
struct buf {
    char *s;
    size_t n, cap;
};

static void put(struct buf *b, const char *fmt, ...) MR_PRINTF(2, 3);
static void put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *line = mr_xvasprintf(fmt, ap);
    va_end(ap);
    size_t k = strlen(line);
    if (b->n + k + 1 > b->cap) {
        b->cap = (b->n + k + 1) * 2;
        b->s = mr_xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, line, k + 1);
    b->n += k;
    free(line);
}

static void expect_undecided(const struct mr_fw_ruleset *rs, const char *needle)
{
    struct mr_fw_verdict v = judge(rs, "192.0.2.12", NULL, 16509);
    if (v.outcome != MR_FW_UNDECIDED || !strstr(v.reason, needle))
        fail_msg("outcome %d, reason '%s', expected undecided with '%s'", v.outcome, v.reason,
                 needle);
}

/* A chain that goes or jumps to itself: the kernel refuses to load it, so
 * the verdict is a "cannot decide" naming the chain, not a stack overflow. */
static void test_loops(void **state)
{
    (void)state;
    struct mr_fw_ruleset *rs = ipt_text("*filter\n:INPUT DROP [0:0]\n:LOOP - [0:0]\n"
                                        "-A INPUT -p tcp -j LOOP\n"
                                        "-A LOOP -p tcp -g LOOP\nCOMMIT\n");
    expect_undecided(rs, "goes to the chain LOOP, which leads back to itself");
    assert_int_equal(mr_fw_rule_line(judge(rs, "192.0.2.12", NULL, 16509).rule), 5);
    mr_fw_ruleset_free(rs);
    /* through two chains, by jumps, and from INPUT itself */
    rs = ipt_text("*filter\n:INPUT ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n"
                  "-A INPUT -j A\n-A A -j B\n-A B -p tcp -j A\nCOMMIT\n");
    expect_undecided(rs, "jumps to the chain A, which leads back to itself");
    mr_fw_ruleset_free(rs);
    rs = ipt_text("*filter\n:INPUT ACCEPT [0:0]\n:A - [0:0]\n-A INPUT -g A\n-A A -g A\nCOMMIT\n");
    expect_undecided(rs, "chain A");
    mr_fw_ruleset_free(rs);
    /* a chain called twice in a row is no loop */
    rs = ipt_text("*filter\n:INPUT DROP [0:0]\n:A - [0:0]\n-A INPUT -j A\n-A INPUT -j A\n"
                  "-A INPUT -p tcp --dport 16509 -j ACCEPT\n-A A -p udp -j DROP\nCOMMIT\n");
    expect(rs, "192.0.2.12", 16509, MR_FW_ACCEPTED, 6);
    mr_fw_ruleset_free(rs);

    /* the nft twins */
    char *msg = NULL;
    assert_int_equal(mr_fw_parse_nft_text("table inet f {\n"
                                          " chain input {\n"
                                          "  type filter hook input priority 0; policy drop;\n"
                                          "  jump loop\n }\n"
                                          " chain loop {\n  tcp dport 1-65535 goto loop\n }\n}\n",
                                          "/etc/nftables.conf", NULL, NULL, &rs, &msg),
                     0);
    expect_undecided(rs, "goes to the chain loop, which leads back to itself");
    mr_fw_ruleset_free(rs);
    assert_int_equal(mr_fw_parse_nft_text("table ip f {\n chain input {\n"
                                          "  type filter hook input priority 0;\n"
                                          "  meta l4proto tcp jump input2\n }\n"
                                          " chain input2 {\n  jump input2\n }\n}\n",
                                          "/etc/nftables.conf", NULL, NULL, &rs, &msg),
                     0);
    expect_undecided(rs, "jumps to the chain input2");
    mr_fw_ruleset_free(rs);
    assert_int_equal(
        mr_fw_parse_nft_json("{\"nftables\": ["
                             "{\"chain\": {\"family\": \"inet\", \"table\": \"f\", \"name\": \"in\","
                             " \"type\": \"filter\", \"hook\": \"input\", \"prio\": 0,"
                             " \"policy\": \"drop\"}},"
                             "{\"chain\": {\"family\": \"inet\", \"table\": \"f\", \"name\": \"l\"}},"
                             "{\"rule\": {\"family\": \"inet\", \"table\": \"f\", \"chain\": \"in\","
                             " \"expr\": [{\"goto\": {\"target\": \"l\"}}]}},"
                             "{\"rule\": {\"family\": \"inet\", \"table\": \"f\", \"chain\": \"l\","
                             " \"expr\": [{\"goto\": {\"target\": \"l\"}}]}}]}",
                             "nft", &rs, &msg),
        0);
    expect_undecided(rs, "chain l, which leads back");
    mr_fw_ruleset_free(rs);
}

/* Two xt targets in one rule of nft JSON: the first one's name is freed
 * (ASan's leak check fails here otherwise). */
static void test_two_xt_targets(void **state)
{
    (void)state;
    struct mr_fw_ruleset *rs = NULL;
    char *msg = NULL;
    assert_int_equal(
        mr_fw_parse_nft_json("{\"nftables\": ["
                             "{\"chain\": {\"family\": \"ip\", \"table\": \"filter\","
                             " \"name\": \"INPUT\", \"type\": \"filter\", \"hook\": \"input\","
                             " \"prio\": 0, \"policy\": \"accept\"}},"
                             "{\"rule\": {\"family\": \"ip\", \"table\": \"filter\","
                             " \"chain\": \"INPUT\", \"expr\": ["
                             "{\"xt\": {\"type\": \"target\", \"name\": \"TPROXY\"}},"
                             "{\"xt\": {\"type\": \"target\", \"name\": \"SYNPROXY\"}}]}}]}",
                             "nft", &rs, &msg),
        0);
    expect_undecided(rs, "xt target SYNPROXY");
    mr_fw_ruleset_free(rs);
}

/* Processor time: what the parser and the evaluator spend, whatever else
 * the machine does. */
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A blocklist of N addresses, then an accept of libvirt's port. */
static void large_blocklist(int n)
{
    struct buf b = {0};
    char *msg = NULL;
    struct mr_fw_ruleset *rs = NULL;
    struct mr_fw_verdict v;
    struct mr_fw_conn c;
    put(&b, "*filter\n:INPUT DROP [0:0]\n");
    for (int i = 0; i < n; i++)
        put(&b, "-A INPUT -s 10.%d.%d.%d/32 -j DROP\n", i >> 16, (i >> 8) & 255, i & 255);
    put(&b, "-A INPUT -p tcp -m tcp --dport 16509 -j ACCEPT\nCOMMIT\n");
    assert_int_equal(mr_fw_parse_iptables(b.s, "/etc/iptables/rules.v4", true, &rs, &msg), 0);
    expect(rs, "192.0.2.12", 16509, MR_FW_ACCEPTED, n + 3);
    expect(rs, "10.0.1.2", 16509, MR_FW_DROPPED, 261);
    expect(rs, "192.0.2.12", 22, MR_FW_DROPPED, -2);
    /* any address: each rule may match, and the answer depends on it */
    mr_fw_conn_init(&c, "192.0.2.1", NULL, 16509);
    c.src_any = true;
    mr_fw_evaluate(rs, &c, &v);
    assert_int_equal(v.outcome, MR_FW_UNDECIDED);
    assert_non_null(strstr(v.reason, "source address"));
    mr_fw_ruleset_free(rs);
    free(b.s);
}

/* N rules that only log. */
static void large_log(int n)
{
    struct buf b = {0};
    char *msg = NULL;
    struct mr_fw_ruleset *rs = NULL;
    put(&b, "*filter\n:INPUT DROP [0:0]\n");
    for (int i = 0; i < n; i++)
        put(&b, "-A INPUT -p tcp -j LOG --log-prefix \"in %d \"\n", i);
    put(&b, "-A INPUT -p tcp -m tcp --dport 16509 -j ACCEPT\nCOMMIT\n");
    assert_int_equal(mr_fw_parse_iptables(b.s, "/etc/iptables/rules.v4", true, &rs, &msg), 0);
    expect(rs, "192.0.2.12", 16509, MR_FW_ACCEPTED, n + 3);
    expect(rs, "192.0.2.12", 49152, MR_FW_DROPPED, -2);
    mr_fw_ruleset_free(rs);
    free(b.s);
}

/* N chains of 49 rules each, as neutron writes them. */
static void large_chains(int n)
{
    struct buf b = {0};
    char *msg = NULL;
    struct mr_fw_ruleset *rs = NULL;
    put(&b, "*filter\n:INPUT DROP [0:0]\n");
    for (int i = 0; i < n; i++)
        put(&b, ":port-%d - [0:0]\n", i);
    for (int i = 0; i < n; i++) {
        put(&b, "-A INPUT -p udp -j port-%d\n", i);
        for (int k = 0; k < 49; k++)
            put(&b, "-A port-%d -s 10.%d.%d.%d/32 -p udp -m udp --dport %d -j RETURN\n", i,
                i >> 8, i & 255, k, 1000 + k);
    }
    put(&b, "-A INPUT -p tcp -m multiport --dports 22,16509,49152:49215 -j ACCEPT\nCOMMIT\n");
    assert_int_equal(mr_fw_parse_iptables(b.s, "/etc/iptables/rules.v4", true, &rs, &msg), 0);
    for (unsigned p = 49152; p <= 49215; p++)
        expect(rs, "192.0.2.12", p, MR_FW_ACCEPTED, n + n * 50 + 3);
    expect(rs, "192.0.2.12", 80, MR_FW_DROPPED, -2);
    mr_fw_ruleset_free(rs);
    free(b.s);
}

/* One nft chain of N rules. */
static void large_nft(int n)
{
    struct buf b = {0};
    char *msg = NULL;
    struct mr_fw_ruleset *rs = NULL;
    put(&b, "table inet filter {\n chain input {\n  type filter hook input priority 0; "
            "policy drop;\n");
    for (int i = 0; i < n; i++)
        put(&b, "  ip saddr 10.%d.%d.%d udp dport 53 accept\n", i >> 16, (i >> 8) & 255,
            i & 255);
    put(&b, "  tcp dport 16509 accept\n }\n}\n");
    assert_int_equal(mr_fw_parse_nft_text(b.s, "/etc/nftables.conf", NULL, NULL, &rs, &msg), 0);
    expect(rs, "192.0.2.12", 16509, MR_FW_ACCEPTED, n + 4);
    mr_fw_ruleset_free(rs);
    free(b.s);
}

/* Ten times the rules costs about ten times the work: a quadratic reader or
 * evaluator (which made these sizes take minutes, or overflow the stack)
 * costs a hundred times; the bound of 50 leaves room for caches. Compared
 * within one run, in processor time; the small size's best of three, so
 * that a pause of the machine cannot make a linear cost look quadratic. */
static void linear(const char *what, void (*run)(int), int n)
{
    double small = 1e9;
    for (int k = 0; k < 3; k++) {
        double t0 = cpu_now();
        run(n / 10);
        double t = cpu_now() - t0;
        small = t < small ? t : small;
    }
    double t0 = cpu_now();
    run(n);
    double big = cpu_now() - t0;
    fprintf(stderr, "%s: %d rules %.3f s, %d rules %.3f s (x%.1f)\n", what, n, big, n / 10, small,
            big / small);
    assert_true(big < 50 * small + 0.05);
}

/* Rule sets at the size real hosts reach: each ends in a verdict, with no
 * stack overflow, in time that grows linearly with the rules. */
static void test_large(void **state)
{
    (void)state;
    linear("blocklist", large_blocklist, 15000);
    linear("LOG rules", large_log, 30000);
    linear("neutron chains", large_chains, 2000);
    linear("nftables.conf", large_nft, 100000);
}

/* A goto does not come back: a chain reached by goto from INPUT that runs
 * out of rules (or returns) ends in INPUT's policy, as in the kernel. */
static void test_goto_falls_off(void **state)
{
    (void)state;
    struct mr_fw_ruleset *rs = ipt_text("*filter\n:INPUT DROP [0:0]\n:G - [0:0]\n"
                                        "-A INPUT -p tcp -g G\n"
                                        "-A INPUT -p tcp -m tcp --dport 16509 -j ACCEPT\n"
                                        "-A G -p tcp -m tcp --dport 22 -j ACCEPT\n"
                                        "-A G -p tcp -m tcp --dport 5900 -j RETURN\nCOMMIT\n");
    expect(rs, "192.0.2.12", 22, MR_FW_ACCEPTED, 6);
    expect(rs, "192.0.2.12", 16509, MR_FW_DROPPED, -2);
    expect(rs, "192.0.2.12", 5900, MR_FW_DROPPED, -2);
    struct mr_fw_verdict v = judge(rs, "192.0.2.12", NULL, 16509);
    assert_string_equal(mr_fw_chain_name(v.chain), "INPUT");
    assert_string_equal(mr_fw_chain_policy(v.chain), "DROP");
    mr_fw_ruleset_free(rs);
    /* a goto from a jumped-to chain comes back to the jump's caller */
    rs = ipt_text("*filter\n:INPUT DROP [0:0]\n:A - [0:0]\n:B - [0:0]\n"
                  "-A INPUT -j A\n-A INPUT -p tcp -m tcp --dport 16509 -j ACCEPT\n"
                  "-A A -g B\n-A A -j ACCEPT\n-A B -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n");
    expect(rs, "192.0.2.12", 16509, MR_FW_ACCEPTED, 6);
    expect(rs, "192.0.2.12", 22, MR_FW_ACCEPTED, 9);
    expect(rs, "192.0.2.12", 80, MR_FW_DROPPED, -2);
    mr_fw_ruleset_free(rs);
    /* nft */
    char *msg = NULL;
    assert_int_equal(mr_fw_parse_nft_text("table inet f {\n"
                                          " chain input {\n"
                                          "  type filter hook input priority 0; policy drop;\n"
                                          "  meta l4proto tcp goto g\n"
                                          "  accept\n }\n"
                                          " chain g {\n  tcp dport 22 accept\n }\n}\n",
                                          "/etc/nftables.conf", NULL, NULL, &rs, &msg),
                     0);
    expect(rs, "192.0.2.12", 22, MR_FW_ACCEPTED, 8);
    expect(rs, "192.0.2.12", 16509, MR_FW_DROPPED, -3);
    mr_fw_ruleset_free(rs);
}

/* nft tcp flags and fib daddr type, read instead of "cannot decide"
 * (fwdiff seeds nft:9 and nft:1); iptables --tcp-flags judged per packet. */
static void test_flags_and_fib(void **state)
{
    (void)state;
    struct mr_fw_ruleset *rs = NULL;
    char *msg = NULL;
    assert_int_equal(mr_fw_parse_nft_text("table inet filter {\n"
                                          " chain input {\n"
                                          "  type filter hook input priority 0; policy drop;\n"
                                          "  fib daddr type broadcast accept\n"
                                          "  fib daddr . iif type != local drop\n"
                                          "  tcp flags & (fin|syn|rst|ack) != syn ct state new drop\n"
                                          "  tcp dport 22 tcp flags & (syn | ack) == ack drop\n"
                                          "  fib daddr type { local, multicast } tcp dport 16509 "
                                          "accept\n"
                                          "  tcp dport 22 accept\n"
                                          " }\n}\n",
                                          "/etc/nftables.conf", NULL, NULL, &rs, &msg),
                     0);
    expect(rs, "192.0.2.20", 16509, MR_FW_ACCEPTED, 0);
    expect(rs, "192.0.2.20", 22, MR_FW_DROPPED, 7); /* the ACK after the SYN */
    mr_fw_ruleset_free(rs);
    rs = ipt_text("*filter\n:INPUT ACCEPT [0:0]\n"
                  "-A INPUT -p tcp --tcp-flags SYN,ACK ACK --dport 22 -j DROP\n"
                  "-A INPUT -p tcp -m tcp --tcp-flags SYN,RST SYN,RST -j DROP\nCOMMIT\n");
    expect(rs, "192.0.2.20", 22, MR_FW_DROPPED, 3);
    expect(rs, "192.0.2.20", 16509, MR_FW_ACCEPTED, 0);
    mr_fw_ruleset_free(rs);
}

/* A mask that is not a prefix, as iptables-restore takes it (fwdiff seed
 * ipt:8): the address under the mask, not a range. */
static void test_noncontiguous_mask(void **state)
{
    (void)state;
    struct mr_fw_ruleset *rs = ipt_text("*filter\n:INPUT ACCEPT [0:0]\n"
                                        "-A INPUT -s 192.0.2.0/255.255.0.255 -j DROP\nCOMMIT\n");
    expect(rs, "192.0.2.20", 22, MR_FW_ACCEPTED, 0);
    expect(rs, "192.0.7.0", 22, MR_FW_DROPPED, 3);
    expect(rs, "192.0.0.0", 22, MR_FW_DROPPED, 3);
    expect(rs, "192.1.2.0", 22, MR_FW_ACCEPTED, 0);
    mr_fw_ruleset_free(rs);
}

/* A connection, not a SYN (fwdiff seeds ipt:18 and nft:21 of
 * tests/kernel/test-firewall-kernel.sh): an accept of NEW only lets the SYN
 * through, and the packets after it meet the drop. */
static void test_connection_not_syn(void **state)
{
    (void)state;
    struct mr_fw_ruleset *rs = ipt_text("*filter\n:INPUT ACCEPT [0:0]\n"
                                        "-A INPUT -p tcp ! --syn -m conntrack --ctstate NEW -j DROP\n"
                                        "-A INPUT -p tcp -m tcp --dport 16509 -m state --state NEW "
                                        "-j ACCEPT\n"
                                        "-A INPUT -s 192.0.2.20/32 -j DROP\n"
                                        "-A INPUT -m state --state ESTABLISHED -p tcp --dport 22 "
                                        "-j ACCEPT\nCOMMIT\n");
    expect(rs, "192.0.2.20", 16509, MR_FW_DROPPED, 5);
    expect(rs, "192.0.2.21", 16509, MR_FW_ACCEPTED, 0);
    mr_fw_ruleset_free(rs);
    /* ! --syn alone: the SYN passes, the ACK does not */
    rs = ipt_text("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp ! --syn -j DROP\nCOMMIT\n");
    expect(rs, "192.0.2.20", 22, MR_FW_DROPPED, 3);
    mr_fw_ruleset_free(rs);
    char *msg = NULL;
    assert_int_equal(mr_fw_parse_nft_text("table inet filter {\n"
                                          " chain input {\n"
                                          "  type filter hook input priority 0; policy drop;\n"
                                          "  tcp dport { 22, 16509 } ct state new accept\n"
                                          "  ct state established tcp dport 16509 accept\n"
                                          " }\n}\n",
                                          "/etc/nftables.conf", NULL, NULL, &rs, &msg),
                     0);
    expect(rs, "192.0.2.20", 22, MR_FW_DROPPED, -3);
    expect(rs, "192.0.2.20", 16509, MR_FW_ACCEPTED, 0);
    mr_fw_ruleset_free(rs);
}

/* Real templates (tests/data/firewall, each citing its source): what the
 * kernel does with a peer's connection, not "cannot decide". */
static void test_templates(void **state)
{
    (void)state;
    /* ct state vmap without "new": the SYN falls through to policy drop */
    struct mr_fw_ruleset *rs = nft_src("data/firewall/nftables-wiki-server.nft");
    expect(rs, "192.0.2.12", 16509, MR_FW_DROPPED, -27);
    expect(rs, "192.0.2.12", 49152, MR_FW_DROPPED, -27);
    expect(rs, "192.0.2.12", 22, MR_FW_ACCEPTED, 40);
    expect(rs, "2001:db8::5", 16509, MR_FW_DROPPED, -27);
    mr_fw_ruleset_free(rs);
    /* a peer's SYN is never to a multicast address */
    rs = ipt("data/firewall/tripleo-compute.iptables", "/etc/sysconfig/iptables");
    expect(rs, "192.0.2.12", 16509, MR_FW_DROPPED, 20);
    expect(rs, "192.0.2.12", 49215, MR_FW_DROPPED, 20);
    expect(rs, "192.0.2.12", 22, MR_FW_ACCEPTED, 13);
    mr_fw_ruleset_free(rs);
    /* physdev never matches a connection to the host */
    rs = ipt("data/firewall/neutron-hybrid.iptables-save", "/etc/iptables/rules.v4");
    expect(rs, "192.0.2.12", 16509, MR_FW_ACCEPTED, 25);
    expect(rs, "192.0.2.12", 49180, MR_FW_ACCEPTED, 25);
    expect(rs, "192.0.2.12", 8080, MR_FW_REJECTED, 26);
    mr_fw_ruleset_free(rs);
    /* --tcp-flags after -p tcp without -m tcp is read */
    rs = ipt("data/firewall/proxmox.iptables-save", "/etc/iptables/rules.v4");
    expect(rs, "192.0.2.12", 16509, MR_FW_DROPPED, 43);
    expect(rs, "192.0.2.12", 22, MR_FW_ACCEPTED, 40);
    expect(rs, "192.0.2.12", 60010, MR_FW_ACCEPTED, 41);
    mr_fw_ruleset_free(rs);
}

/* Address types, physdev and TCP flags, each way round. */
static void test_matches_known(void **state)
{
    (void)state;
    struct mr_fw_ruleset *rs = ipt_text(
        "*filter\n:INPUT DROP [0:0]\n"
        "-A INPUT -m addrtype --dst-type BROADCAST,MULTICAST -j ACCEPT\n"
        "-A INPUT -p tcp --dport 1 -m addrtype ! --dst-type LOCAL -j ACCEPT\n"
        "-A INPUT -p tcp --dport 2 -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT\n"
        "-A INPUT -p tcp --dport 3 -m addrtype --src-type UNICAST -j ACCEPT\n"
        "-A INPUT -p tcp --dport 4 -m physdev ! --physdev-is-bridged -j ACCEPT\n"
        "-A INPUT -p tcp --dport 5 -m physdev --physdev-in tap0 -j ACCEPT\n"
        "-A INPUT -p tcp --dport 6 --tcp-flags SYN,ACK SYN -j ACCEPT\n"
        "-A INPUT -p tcp --dport 7 --tcp-flags SYN,ACK ACK -j ACCEPT\n"
        "-A INPUT -p tcp --dport 8 ! --tcp-flags ALL NONE -j ACCEPT\n"
        /* the packets after the SYN: without this, port 6 passes its SYN only */
        "-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT\n"
        "COMMIT\n");
    expect(rs, "192.0.2.12", 16509, MR_FW_DROPPED, -2);
    expect(rs, "192.0.2.12", 1, MR_FW_DROPPED, -2);
    expect(rs, "192.0.2.12", 2, MR_FW_ACCEPTED, 5);
    expect(rs, "192.0.2.12", 3, MR_FW_ACCEPTED, 6);
    expect(rs, "192.0.2.12", 4, MR_FW_ACCEPTED, 7);
    expect(rs, "192.0.2.12", 5, MR_FW_DROPPED, -2);
    expect(rs, "192.0.2.12", 6, MR_FW_ACCEPTED, 9);
    expect(rs, "192.0.2.12", 7, MR_FW_DROPPED, -2);
    expect(rs, "192.0.2.12", 8, MR_FW_ACCEPTED, 11);
    mr_fw_ruleset_free(rs);
    expect_ipt_error("*filter\n-A INPUT --tcp-flags SYN SYN -j DROP\nCOMMIT\n",
                     "--tcp-flags needs -p tcp");
    expect_ipt_error("*filter\n-A INPUT -p tcp --tcp-flags SYN,BOGUS SYN -j DROP\nCOMMIT\n",
                     "are not TCP flags");
    expect_ipt_error("*filter\n-A INPUT -m addrtype --dst-type LOCALE -j DROP\nCOMMIT\n",
                     "unknown address type 'LOCALE'");
}

/* A verdict map on the port, and a rate limit that only logs, in nft. */
static void test_nft_vmap_limit(void **state)
{
    (void)state;
    struct mr_fw_ruleset *rs = NULL;
    char *msg = NULL;
    assert_int_equal(mr_fw_parse_nft_text("table inet f {\n"
                                          " chain input {\n"
                                          "  type filter hook input priority 0; policy drop;\n"
                                          "  tcp dport 16509 limit rate 5/second log prefix \"l\"\n"
                                          "  limit rate over 10/minute burst 5 packets counter\n"
                                          "  tcp dport vmap { 16509 : accept, 22 : jump ssh,\n"
                                          "                   49152-49199 : accept, 5900 : drop }\n"
                                          " }\n"
                                          " chain ssh {\n  ip saddr 203.0.113.0/24 drop\n"
                                          "  accept\n }\n}\n",
                                          "/etc/nftables.conf", NULL, NULL, &rs, &msg),
                     0);
    expect(rs, "192.0.2.12", 16509, MR_FW_ACCEPTED, 6);
    expect(rs, "192.0.2.12", 49199, MR_FW_ACCEPTED, 6);
    expect(rs, "192.0.2.12", 49200, MR_FW_DROPPED, -3);
    expect(rs, "192.0.2.12", 5900, MR_FW_DROPPED, 6);
    expect(rs, "192.0.2.12", 22, MR_FW_ACCEPTED, 11);
    expect(rs, "203.0.113.7", 22, MR_FW_DROPPED, 10);
    mr_fw_ruleset_free(rs);
}

/* firewalld: the zone is the one whose source holds the peer, else the one
 * bound to its interface, else DefaultZone; rich rules that reject come
 * before the ports a zone accepts; the zone's target decides the rest; a
 * service in /etc overrides the shipped one. Each verdict names the zone
 * file and the element's line. */
static struct mr_fw_ruleset *firewalld_of(const char *dir)
{
    struct mr_root *root = NULL;
    assert_int_equal(mr_root_open(dir, &root), 0);
    struct mr_fw_ruleset *rs = NULL;
    char *msg = NULL;
    if (mr_fw_parse_firewalld(root, &rs, &msg) < 0)
        fail_msg("%s", msg);
    mr_root_free(root);
    return rs;
}

static void test_firewalld(void **state)
{
    (void)state;
    char *dir = mr_test_root("fix-firewalld");
    mr_test_write(dir, "/etc/firewalld/zones/trusted.xml",
                  "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                  "<zone target=\"DROP\">\n"
                  "  <interface name=\"bond1\"/>\n"
                  "  <rule family=\"ipv4\">\n"
                  "    <source address=\"203.0.113.9\"/>\n"
                  "    <port port=\"49152-49215\" protocol=\"tcp\"/>\n"
                  "    <reject/>\n"
                  "  </rule>\n"
                  "  <port port=\"49152-49215\" protocol=\"tcp\"/>\n"
                  "  <service name=\"libvirt\"/>\n"
                  "</zone>\n");
    /* /etc's libvirt service moves it to 16510. */
    mr_test_write(dir, "/etc/firewalld/services/libvirt.xml",
                  "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service>\n"
                  "  <port protocol=\"tcp\" port=\"16510\"/>\n</service>\n");
    struct mr_fw_ruleset *rs = firewalld_of(dir);
    const char *pub = "/etc/firewalld/zones/public.xml";
    const char *internal = "/etc/firewalld/zones/internal.xml";
    const char *trusted = "/etc/firewalld/zones/trusted.xml";
    struct {
        const char *addr, *iface;
        unsigned port;
        enum mr_fw_outcome o;
        const char *file;
        int line;
    } cases[] = {
        /* DefaultZone=public: ssh accepted, the rest rejected by its target. */
        {"192.0.2.12", "eth0", 22, MR_FW_ACCEPTED, pub, 6},
        {"192.0.2.12", "eth0", 16509, MR_FW_REJECTED, pub, 3},
        {"192.0.2.12", "eth0", 49152, MR_FW_REJECTED, pub, 3},
        /* A source of the internal zone: its services decide. */
        {"198.51.100.7", "eth0", 16510, MR_FW_ACCEPTED, internal, 7},
        {"198.51.100.7", "bond1", 16509, MR_FW_REJECTED, internal, 2},
        /* The zone of bond1: the rich rule rejects before the port accepts. */
        {"192.0.2.12", "bond1", 49200, MR_FW_ACCEPTED, trusted, 9},
        {"203.0.113.9", "bond1", 49200, MR_FW_REJECTED, trusted, 4},
        {"192.0.2.12", "bond1", 16509, MR_FW_DROPPED, trusted, 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mr_fw_verdict v = judge(rs, cases[i].addr, cases[i].iface, cases[i].port);
        if (v.outcome != cases[i].o || !v.rule || !mr_fw_rule_file(v.rule) ||
            strcmp(mr_fw_rule_file(v.rule), cases[i].file) != 0 ||
            mr_fw_rule_line(v.rule) != cases[i].line)
            fail_msg("case %zu: outcome %d at %s:%d (%s)", i, v.outcome,
                     v.rule && mr_fw_rule_file(v.rule) ? mr_fw_rule_file(v.rule) : "-",
                     v.rule ? mr_fw_rule_line(v.rule) : 0, v.reason);
    }
    /* The interface unknown: public rejects 49200, trusted accepts it. */
    assert_int_equal(judge(rs, "192.0.2.12", NULL, 49200).outcome, MR_FW_UNDECIDED);
    assert_int_equal(judge(rs, "192.0.2.12", NULL, 16509).outcome, MR_FW_REJECTED);
    mr_fw_ruleset_free(rs);

    /* A zone in use that is not XML: an error naming the file and line. */
    mr_test_write(dir, "/etc/firewalld/zones/public.xml", "<zone>\n<port\n");
    struct mr_root *root = NULL;
    assert_int_equal(mr_root_open(dir, &root), 0);
    char *msg = NULL;
    rs = NULL;
    assert_int_equal(mr_fw_parse_firewalld(root, &rs, &msg), -EINVAL);
    assert_non_null(strstr(msg, "/etc/firewalld/zones/public.xml:"));
    free(msg);
    mr_root_free(root);
    mr_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guides),
        cmocka_unit_test(test_reject_16509),
        cmocka_unit_test(test_peer_source),
        cmocka_unit_test(test_multichain),
        cmocka_unit_test(test_nft_json),
        cmocka_unit_test(test_iptables_nft_tables),
        cmocka_unit_test(test_nft_text),
        cmocka_unit_test(test_interface),
        cmocka_unit_test(test_unreadable),
        cmocka_unit_test(test_junk),
        cmocka_unit_test(test_unknown_policy),
        cmocka_unit_test(test_loops),
        cmocka_unit_test(test_two_xt_targets),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_goto_falls_off),
        cmocka_unit_test(test_connection_not_syn),
        cmocka_unit_test(test_noncontiguous_mask),
        cmocka_unit_test(test_flags_and_fib),
        cmocka_unit_test(test_templates),
        cmocka_unit_test(test_matches_known),
        cmocka_unit_test(test_nft_vmap_limit),
        cmocka_unit_test(test_firewalld),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
