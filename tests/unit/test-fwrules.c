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

#include <cmocka.h>

#include "fwrules.h"
#include "migready.h"
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
