/* Firewall rule sets (iptables-save text, nft JSON, nftables.conf text) and
 * an evaluator that decides whether a new TCP connection from a given
 * address to a given port of this host is accepted. It walks the input
 * chains in order, with jumps, returns and policies, as the kernel would; a
 * rule it cannot read makes the answer "undecided", never a guess. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum mr_fw_syntax {
    MR_FW_IPTABLES, /* iptables-save / iptables-restore text */
    MR_FW_NFT,      /* nftables, from JSON or from an nft -f file */
    MR_FW_FIREWALLD, /* firewalld's zones and services (XML) */
};

struct mr_fw_ruleset;
struct mr_root;
struct mr_fw_rule;
struct mr_fw_chain;

/* Parses iptables-save text (the filter table is kept). ORIGIN names the
 * source in messages: a file as seen in the root, or "iptables-save". When
 * HAS_LINES, rules carry ORIGIN and their line. On a syntax error iptables-restore
 * would refuse, returns -EINVAL and *ret_msg (caller frees) names ORIGIN:LINE. */
int mr_fw_parse_iptables(const char *text, const char *origin, bool has_lines,
                         struct mr_fw_ruleset **ret, char **ret_msg);

/* Parses `nft -j list ruleset` output. ORIGIN is used in messages. */
int mr_fw_parse_nft_json(const char *text, const char *origin, struct mr_fw_ruleset **ret,
                         char **ret_msg);

/* Reads the files an `include "PATTERN"` names (globs allowed), as seen in
 * the root: *ret_paths and *ret_texts, NULL-terminated, in name order. */
typedef int (*mr_fw_include_fn)(void *userdata, const char *pattern, char ***ret_paths,
                                char ***ret_texts);

/* Parses an nftables.conf (`nft -f` syntax) and its includes: tables,
 * chains, named sets, defines and the common rule shapes. What it cannot
 * read is kept as an unreadable piece and makes a verdict that reaches it
 * undecided. INCLUDE may be NULL (includes then stay unreadable). */
int mr_fw_parse_nft_text(const char *text, const char *file, mr_fw_include_fn include,
                         void *userdata, struct mr_fw_ruleset **ret, char **ret_msg);

/* Reads firewalld's permanent configuration in ROOT: DefaultZone of
 * /etc/firewalld/firewalld.conf, the zones and services of /etc/firewalld
 * over those of /usr/lib/firewalld. Rules name the zone file and the line
 * of the element they come from. -EINVAL with *ret_msg ("FILE:LINE: ...")
 * when a zone in use is not well-formed or missing. */
int mr_fw_parse_firewalld(const struct mr_root *root, struct mr_fw_ruleset **ret, char **ret_msg);
/* R is a firewalld zone's target (what the zone does with what it does not
 * accept); the zone is R's chain, named as the zone. */
bool mr_fw_firewalld_is_target(const struct mr_fw_rule *r);

void mr_fw_ruleset_free(struct mr_fw_ruleset *rs);
enum mr_fw_syntax mr_fw_ruleset_syntax(const struct mr_fw_ruleset *rs);
const char *mr_fw_ruleset_origin(const struct mr_fw_ruleset *rs);
/* No input chain, or only input chains without rules and with an accept policy. */
bool mr_fw_ruleset_open(const struct mr_fw_ruleset *rs);
/* Drops the tables iptables-nft made (family ip/ip6, tables named like
 * iptables' own, holding xt expressions or upper-case built-in chains), so
 * that rules read through iptables-save are not judged twice. */
void mr_fw_ruleset_drop_iptables_nft(struct mr_fw_ruleset *rs);
/* A note about the whole rule set that makes every verdict undecided (a
 * command it cannot read), with its place; NULL when there is none. */
const char *mr_fw_ruleset_problem(const struct mr_fw_ruleset *rs, const char **ret_file,
                                  int *ret_line);

/* A new TCP connection to this host (its SYN, conntrack state NEW, then the
 * packets that follow). */
struct mr_fw_conn {
    int family;                /* AF_INET or AF_INET6 */
    unsigned char src[16];     /* the peer's address, network order */
    const char *iface;         /* the interface it arrives on; NULL when unknown */
    /* Any source address: a rule matching on the source may match or not, and
     * the verdict is undecided unless both ways agree. */
    bool src_any;
    unsigned dport;
    /* The peer's packets after the SYN (conntrack ESTABLISHED, ACK set, SYN
     * not): mr_fw_evaluate judges both and answers for the connection. */
    bool established;
};

/* Fills CONN from a numeric address; -EINVAL when it is not one. */
int mr_fw_conn_init(struct mr_fw_conn *conn, const char *addr, const char *iface,
                    unsigned dport);

enum mr_fw_outcome {
    MR_FW_ACCEPTED,
    MR_FW_DROPPED,
    MR_FW_REJECTED,
    MR_FW_UNDECIDED,
};

struct mr_fw_verdict {
    enum mr_fw_outcome outcome;
    /* The rule that decided; NULL when a chain's policy (or no rule) did. */
    const struct mr_fw_rule *rule;
    /* The chain whose policy decided when RULE is NULL (NULL: no chain). */
    const struct mr_fw_chain *chain;
    /* Undecided: why, e.g. "uses -m recent" (RULE is then the rule). */
    char reason[256];
    /* A rule matching on the source address took part in the decision. */
    bool source_dependent;
};

void mr_fw_evaluate(const struct mr_fw_ruleset *rs, const struct mr_fw_conn *conn,
                    struct mr_fw_verdict *ret);

/* Accessors for messages and remedies. */
const char *mr_fw_rule_file(const struct mr_fw_rule *r);  /* NULL: not from a file */
int mr_fw_rule_line(const struct mr_fw_rule *r);
const char *mr_fw_rule_text(const struct mr_fw_rule *r); /* as written, or a description */
const struct mr_fw_chain *mr_fw_rule_chain(const struct mr_fw_rule *r);
int mr_fw_rule_index(const struct mr_fw_rule *r);        /* 1-based within its chain */
long mr_fw_rule_handle(const struct mr_fw_rule *r);      /* nft handle, -1 unknown */
const char *mr_fw_chain_name(const struct mr_fw_chain *c);
/* "inet filter" for nft, "filter" for iptables. */
const char *mr_fw_chain_table(const struct mr_fw_chain *c);
const char *mr_fw_chain_family(const struct mr_fw_chain *c);
/* The place the chain (or its policy) is written, when from a file. */
const char *mr_fw_chain_file(const struct mr_fw_chain *c);
int mr_fw_chain_line(const struct mr_fw_chain *c);
/* "ACCEPT", "DROP", "accept", "drop"; NULL for a chain without one. */
const char *mr_fw_chain_policy(const struct mr_fw_chain *c);
