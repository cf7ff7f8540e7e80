/* The evaluator on parsed rules: the first byte chooses the syntax
 * (iptables-save, nft JSON, nftables.conf), the rest is the rule set, and
 * every rule set that parses is asked about a few fixed connections, the
 * accessors of the deciding rule and chain included. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "fw-include.h"
#include "fwrules.h"

static const struct {
    const char *addr;
    const char *iface;
    unsigned port;
    int src_any;
} conns[] = {
    {"192.0.2.10", "eth0", 16509, 0},
    {"192.0.2.10", NULL, 49152, 0},
    {"10.0.0.1", "lo", 22, 0},
    {"2001:db8::10", "eth1", 16514, 0},
    {"0.0.0.0", NULL, 2049, 1},
};

static void ask(const struct mr_fw_ruleset *rs)
{
    for (size_t i = 0; i < sizeof(conns) / sizeof(conns[0]); i++) {
        struct mr_fw_conn c;
        if (mr_fw_conn_init(&c, conns[i].addr, conns[i].iface, conns[i].port) < 0)
            abort();
        c.src_any = conns[i].src_any;
        struct mr_fw_verdict v;
        memset(&v, 0, sizeof(v));
        mr_fw_evaluate(rs, &c, &v);
        if (v.rule) {
            mr_fw_rule_file(v.rule);
            mr_fw_rule_line(v.rule);
            mr_fw_rule_text(v.rule);
            mr_fw_rule_index(v.rule);
            mr_fw_rule_handle(v.rule);
            v.chain = mr_fw_rule_chain(v.rule);
        }
        if (v.chain) {
            mr_fw_chain_name(v.chain);
            mr_fw_chain_table(v.chain);
            mr_fw_chain_family(v.chain);
            mr_fw_chain_file(v.chain);
            mr_fw_chain_line(v.chain);
            mr_fw_chain_policy(v.chain);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = fz_string(data + 1, size - 1);
    struct mr_fw_ruleset *rs = NULL;
    char *msg = NULL;
    int r;
    switch (data[0] % 3) {
    case 0:
        r = mr_fw_parse_iptables(text, "/etc/iptables/rules.v4", true, &rs, &msg);
        break;
    case 1:
        r = mr_fw_parse_nft_json(text, "nft -j list ruleset", &rs, &msg);
        if (r == 0)
            mr_fw_ruleset_drop_iptables_nft(rs);
        break;
    default:
        r = mr_fw_parse_nft_text(text, "/etc/nftables.conf", fz_include, text, &rs, &msg);
        break;
    }
    if (r == 0) {
        mr_fw_ruleset_syntax(rs);
        mr_fw_ruleset_origin(rs);
        ask(rs);
    }
    mr_fw_ruleset_free(rs);
    free(msg);
    free(text);
    return 0;
}
