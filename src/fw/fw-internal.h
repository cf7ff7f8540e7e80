/* What the firewall readers (iptables.c, nft-json.c, nft-text.c) share with
 * the model and its evaluator (model.c): the rule set's structures, the calls
 * that build it, and the value parsers (values.c). Private to src/fw/; callers
 * outside it use fwrules.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "fwrules.h"
#include "migready.h"

/* ---- the model ---- */

struct range {
    unsigned lo, hi;
};

struct net {
    int family; /* AF_INET, AF_INET6 */
    unsigned char lo[16], hi[16];
    /* A mask that is not a prefix (iptables takes 192.0.2.0/255.255.0.255):
     * an address matches when it equals LO under MASK. */
    bool masked;
    unsigned char mask[16];
};

enum cond_kind {
    C_PROTO,  /* ranges of protocol numbers */
    C_SRC,    /* nets */
    C_DST,    /* nets */
    C_DPORT,  /* ranges */
    C_SPORT,  /* ranges */
    C_PORTS,  /* multiport --ports: either port */
    C_STATE,  /* state_new, state_est */
    C_IIF,    /* names, with + or * as a trailing wildcard */
    C_FAMILY, /* family */
    C_SYN,
    C_FLAGS,  /* (the packet's TCP flags & flags_mask) == flags_want */
    C_OPAQUE, /* cannot be read: what */
};

/* TCP flags as on the wire. A peer's SYN carries SYN alone; the packets
 * after it carry ACK (PSH, FIN, RST as the connection goes: never SYN). */
enum fw_tcp_flag {
    FW_TCP_FIN = 0x01,
    FW_TCP_SYN = 0x02,
    FW_TCP_RST = 0x04,
    FW_TCP_PSH = 0x08,
    FW_TCP_ACK = 0x10,
    FW_TCP_URG = 0x20,
    FW_TCP_ECE = 0x40,
    FW_TCP_CWR = 0x80,
};
/* The bit of flag NAME (fin, SYN, ...; "ALL" and "NONE" as iptables has
 * them); false when it is none. */
bool fw_tcp_flag(const char *name, unsigned *ret);

struct cond {
    enum cond_kind kind;
    bool neg;
    struct range *ranges;
    size_t n_ranges;
    struct net *nets;
    size_t n_nets;
    char **names;
    bool state_new;
    bool state_est; /* C_STATE: ESTABLISHED is among the states */
    unsigned flags_mask, flags_want; /* C_FLAGS, bits of enum fw_tcp_flag */
    int family;   /* C_FAMILY; for C_SRC/C_DST the family the match implies (0: any) */
    char *what;   /* C_OPAQUE */
    char *setref; /* an nft named set still to resolve (C_SRC, C_DST, C_DPORT, ...) */
};

enum target {
    T_CONTINUE,
    T_ACCEPT,
    T_DROP,
    T_REJECT,
    T_RETURN,
    T_JUMP,
    T_GOTO,
    T_UNKNOWN,
};

/* An nft verdict map (KEY vmap { K : VERDICT, ... }) before it is expanded
 * into one rule per element: the elements of a map are disjoint, so a rule
 * that matches its key against each in turn decides the same. */
struct fw_vmap {
    enum cond_kind kind;
    int sel; /* enum nft_sel */
    int family;
    char *proto; /* the protocol the key implies, or NULL */
    char *label;
    char **keys;
    char **verdicts; /* "accept", "jump CHAIN", ... */
};

struct mr_fw_rule {
    struct mr_fw_chain *chain;
    char *file;
    int line;
    int index;
    long handle;
    char *text;
    struct cond *conds;
    size_t n_conds;
    enum target target;
    char *target_arg; /* chain of a jump/goto, name of an unknown target */
    struct fw_vmap *vmap; /* nft readers only, until fw_add_nft_rule() */
};

struct mr_fw_chain {
    char *family; /* "ip", "inet", ... ("ip" for iptables) */
    char *table;
    char *name;
    char *file;
    int line;
    bool base; /* hooked at input */
    bool other_hook;
    int prio;
    int policy; /* T_ACCEPT, T_DROP, or T_CONTINUE for none */
    struct mr_fw_rule **rules;
    size_t n_rules, cap_rules;
    char *table_label;
};

struct fw_set {
    char *family, *table, *name;
    char **elems;
};

struct mr_fw_ruleset {
    enum mr_fw_syntax syntax;
    char *origin;
    struct mr_fw_chain **chains;
    size_t n_chains, cap_chains;
    /* Open addressing over family, table and name: a dump of thousands of
     * chains is looked up once per rule. */
    struct mr_fw_chain **index;
    size_t index_cap;
    struct fw_set *sets;
    size_t n_sets;
    char *problem;
    char *problem_file;
    int problem_line;
};

/* ---- building a rule set (model.c) ---- */

struct mr_fw_ruleset *fw_ruleset_new(enum mr_fw_syntax syntax, const char *origin);
/* Empties RS of chains and sets (nft's "flush ruleset"). */
void fw_ruleset_clear(struct mr_fw_ruleset *rs);
/* Keeps the first note that makes every verdict undecided; see mr_fw_ruleset_problem(). */
void fw_set_problem(struct mr_fw_ruleset *rs, const char *file, int line, const char *fmt, ...)
    MR_PRINTF(4, 5);
struct mr_fw_chain *fw_find_chain(const struct mr_fw_ruleset *rs, const char *family,
                                  const char *table, const char *name);
/* The chain, created (with iptables' INPUT policy for filter INPUT) when new. */
struct mr_fw_chain *fw_get_chain(struct mr_fw_ruleset *rs, const char *family, const char *table,
                                 const char *name);
/* Inserts R at POS (0-based; negative: at the end) and renumbers the chain. */
void fw_chain_add_rule(struct mr_fw_chain *c, struct mr_fw_rule *r, int pos);
struct mr_fw_rule *fw_rule_new(const char *file, int line, const char *text);
void fw_rule_free(struct mr_fw_rule *r);
struct cond *fw_add_cond(struct mr_fw_rule *r, enum cond_kind kind, bool neg);
/* A condition the evaluator cannot decide, with what it is. */
void fw_add_opaque(struct mr_fw_rule *r, const char *fmt, ...) MR_PRINTF(2, 3);
void fw_cond_clear(struct cond *c);
void fw_vmap_free(struct fw_vmap *m);
void fw_push_range(struct cond *c, unsigned lo, unsigned hi);
void fw_push_net(struct cond *c, const struct net *n);

/* ---- values (values.c) ---- */

bool fw_parse_uint(const char *s, unsigned max, unsigned *ret);
/* "22", "ssh", "49152:49215" (iptables, SEP ':') or "49152-49215" (nft, SEP '-'). */
bool fw_parse_port_range(const char *s, char sep, struct range *ret);
/* A protocol number or name. */
bool fw_parse_proto(const char *s, unsigned *ret);
/* "192.0.2.0/24", "192.0.2.1", "255.255.255.0"-style masks, "2001:db8::/32",
 * "192.0.2.1-192.0.2.9". */
bool fw_parse_net(const char *s, struct net *ret);
/* Whether ADDR (of N's family, network order) lies in N. */
bool fw_net_contains(const struct net *n, const unsigned char *addr);
bool fw_net_is_any(const struct net *n);
/* The bytes of an address of FAMILY. */
int fw_family_bytes(int family);

/* ---- iptables-save (iptables.c) ---- */

/* A target that only marks, logs or counts and lets the packet go on ("LOG",
 * "MARK", ...): iptables-nft writes them as xt targets in nft JSON too. */
bool fw_ipt_continue_target(const char *name);

/* ---- nft, shared by the JSON and text readers (nft.c) ---- */

enum nft_sel {
    SEL_ADDR,  /* addresses */
    SEL_PORT,  /* ports */
    SEL_PROTO, /* protocol names or numbers */
    SEL_STATE,
    SEL_IFACE,
    SEL_FAMILY,
};

/* The condition for "SELECTOR OP VALUES" (payload or meta), or an opaque one.
 * KIND/SEL/FAMILY say what the selector is; SETREF is "@name" or NULL. */
void fw_nft_cond(struct mr_fw_rule *r, enum cond_kind kind, enum nft_sel sel, int family,
                 bool neg, char *const *vals, const char *setref, const char *label);
/* A named set; takes ELEMS. */
void fw_add_set(struct mr_fw_ruleset *rs, const char *family, const char *table,
                const char *name, char **elems);
/* Replaces set references by the named sets' elements. */
void fw_resolve_sets(struct mr_fw_ruleset *rs);
/* Adds R to C at POS (negative: at the end), a verdict map expanded into one
 * rule per element; takes R. */
void fw_add_nft_rule(struct mr_fw_chain *c, struct mr_fw_rule *r, int pos);
/* A jump to a chain that is not defined becomes an unknown target. */
void fw_resolve_jumps(struct mr_fw_ruleset *rs);
