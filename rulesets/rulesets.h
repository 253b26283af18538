/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rulesets — one rule model for firewall rulesets, and the ingesters that
 * fill it:
 *   - nft live over netlink (libnftnl/libmnl), in this or a named netns;
 *   - nft text (`nft list ruleset`), loaded by nft(8) into a private network
 *     namespace and read back over netlink (no nft grammar of our own);
 *   - nft JSON (`nft -j list ruleset`), read with jansson;
 *   - iptables-save / ip6tables-save text.
 *
 * The model is nftables' own, already decoded from registers into matches:
 * tables, chains (base chains with hook/priority/policy), rules made of
 * matches ANDed together and one verdict (or a verdict map), sets and maps.
 * Anything an ingester cannot model is kept, never dropped: a match it
 * cannot express is RS_OP_UNKNOWN, a statement it cannot model is
 * RS_V_UNKNOWN, and rule->unsupported says what it was.  The verifier
 * (analyze/verify.c) turns each of those into RULESET-UNSUPPORTED.
 *
 * Byte order: every value is in network order (as on the wire and in nft
 * registers) except CT_STATE and CT_STATUS, host-order bitmasks as nftables
 * defines them.
 * Concatenated keys are packed without nft's 4-byte register padding.
 *
 * Ownership: a ruleset owns everything it points to; rs_ruleset_free().
 * Indices (chain, table, set) stay valid while the ruleset lives; pointers
 * into its arrays only until the next rs_*_add() on the same array.
 * Readers of a ruleset see this header; the builders only the ingesters
 * use are in rulesets-internal.h.  Depends on topology.h (diagnostics,
 * interface names) only; may not use probe/, analyze/, or reach/ (which
 * sits above it).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topology.h"

/* NFPROTO_* values, so netlink families map one to one */
enum rs_family {
	RS_FAMILY_INET = 1,
	RS_FAMILY_IP = 2,
	RS_FAMILY_ARP = 3,
	RS_FAMILY_NETDEV = 5,
	RS_FAMILY_BRIDGE = 7,
	RS_FAMILY_IP6 = 10,
};

enum rs_hook {
	RS_HOOK_NONE, /* a regular (non-base) chain */
	RS_HOOK_PREROUTING,
	RS_HOOK_INPUT,
	RS_HOOK_FORWARD,
	RS_HOOK_OUTPUT,
	RS_HOOK_POSTROUTING,
	RS_HOOK_INGRESS,
	RS_HOOK_EGRESS,
};

enum rs_chain_type {
	RS_CHAIN_FILTER,
	RS_CHAIN_NAT,
	RS_CHAIN_ROUTE,
};

/* What a match loads (nft's payload/meta/ct expressions, decoded). */
enum rs_key {
	RS_KEY_NFPROTO,     /* 1 byte: 2 ipv4, 10 ipv6 (meta nfproto) */
	RS_KEY_L4PROTO,     /* 1 byte: meta l4proto, ip protocol, ip6 nexthdr */
	RS_KEY_IP_SADDR,    /* 4 bytes; implies ipv4 */
	RS_KEY_IP_DADDR,    /* 4 bytes; implies ipv4 */
	RS_KEY_IP6_SADDR,   /* 16 bytes; implies ipv6 */
	RS_KEY_IP6_DADDR,   /* 16 bytes; implies ipv6 */
	RS_KEY_SPORT,       /* 2 bytes: transport header bytes 0-1 (th sport) */
	RS_KEY_DPORT,       /* 2 bytes: transport header bytes 2-3 (th dport) */
	RS_KEY_ICMP_TYPE,   /* 1 byte: transport header byte 0 (icmp, icmpv6) */
	RS_KEY_ICMP_CODE,   /* 1 byte: transport header byte 1 */
	RS_KEY_TCP_FLAGS,   /* 1 byte: tcp header byte 13 */
	RS_KEY_IIFNAME,     /* RS_IFNAMSIZ bytes, NUL padded; see below */
	RS_KEY_OIFNAME,     /* RS_IFNAMSIZ bytes */
	RS_KEY_ETHER_SADDR, /* 6 bytes */
	RS_KEY_CT_STATE,    /* 4 bytes, host order: RS_CT_* bits */
	RS_KEY_CT_STATUS,   /* 4 bytes, host order: RS_CTS_* bits (the conntrack entry's IPS_*) */
	_RS_KEY_MAX,
};

#define RS_IFNAMSIZ 16
/*
 * Interface names: a value of an IIFNAME/OIFNAME key is a NUL-padded
 * string; a last character '*' (as in `iifname "eth*"`, iptables `eth+`)
 * makes it a prefix match.
 */

enum {
	RS_CT_INVALID = 1,
	RS_CT_ESTABLISHED = 2,
	RS_CT_RELATED = 4,
	RS_CT_NEW = 8,
	RS_CT_UNTRACKED = 64,
};

/* ct status bits (the kernel's IPS_*) */
enum {
	RS_CTS_EXPECTED = 0x1,
	RS_CTS_SEEN_REPLY = 0x2,
	RS_CTS_ASSURED = 0x4,
	RS_CTS_CONFIRMED = 0x8,
	RS_CTS_SNAT = 0x10,
	RS_CTS_DNAT = 0x20,
	RS_CTS_DYING = 0x200,
};

size_t rs_key_len(enum rs_key k);
bool rs_key_is_addr(enum rs_key k); /* ip/ip6 saddr/daddr */
const char *rs_key_name(enum rs_key k); /* "ip saddr", "th dport", "iifname", … */

enum rs_op {
	RS_OP_EQ, /* (key & mask) == value */
	RS_OP_NE,
	RS_OP_LT, /* key < value, as a big-endian number (host order for ct state) */
	RS_OP_GT,
	RS_OP_LE,
	RS_OP_GE,
	RS_OP_RANGE,   /* value <= key <= value2 */
	RS_OP_NRANGE,  /* not in [value, value2] */
	RS_OP_IN,      /* key (a concatenation when n_keys > 1) is in sets[set] */
	RS_OP_NOT_IN,
	RS_OP_UNKNOWN, /* cannot be modelled; `why` names it */
};

#define RS_MAX_CONCAT 6
#define RS_VAL_MAX 48   /* a set element's key: a concatenation */
#define RS_MATCH_VAL 16 /* a match's value: one key (an IPv6 address, an interface name at most) */

/* A ruleset holds several matches per rule, 100,000s of rules: kept small. */
struct rs_match {
	enum rs_op op;
	uint8_t n_keys;                  /* 1, or more for a concatenation (IN/NOT_IN only) */
	enum rs_key keys[RS_MAX_CONCAT];
	bool has_mask;                   /* one key, EQ/NE only */
	uint8_t mask[RS_MATCH_VAL];
	uint8_t value[RS_MATCH_VAL];
	uint8_t value2[RS_MATCH_VAL];
	uint32_t set;                    /* IN/NOT_IN: index into ruleset->sets */
	char *why;                       /* UNKNOWN: e.g. "meta mark", "xt match recent" */
};

enum rs_verdict_code {
	RS_V_CONTINUE, /* no verdict: go on with the next rule */
	RS_V_ACCEPT,   /* also nat statements (dnat/snat/masquerade/redirect) */
	RS_V_DROP,     /* also reject */
	RS_V_JUMP,
	RS_V_GOTO,
	RS_V_RETURN,
	RS_V_UNKNOWN,  /* queue, an xt target, …: the rule's `unsupported` says which */
};

struct rs_verdict {
	enum rs_verdict_code code;
	uint32_t chain; /* JUMP/GOTO: index into ruleset->chains */
};

enum rs_nat {
	RS_NAT_NONE,
	RS_NAT_DNAT,
	RS_NAT_SNAT,
	RS_NAT_MASQUERADE,
	RS_NAT_REDIRECT,
};

/* Where a dnat statement sends a packet.  exact: one constant address
 * (and, when has_port, one constant port) — what the model translates;
 * anything else (maps, ranges, prefixes, numgen) leaves exact false, and
 * the rule is judged approximately. */
struct rs_nat_target {
	bool exact;
	uint8_t family;    /* 4 or 6 */
	uint8_t addr[16];  /* network order; IPv4 in the first 4 bytes */
	bool has_port;
	uint16_t port;     /* host order */
};

struct rs_rule {
	struct rs_match *matches; /* all must hold */
	size_t n_matches, cap_matches;
	struct rs_verdict verdict; /* when !has_vmap */
	bool has_vmap;             /* verdict map: vmap.op == RS_OP_IN, each element carries the verdict */
	struct rs_match vmap;
	enum rs_nat nat;           /* verdict is ACCEPT when set */
	struct rs_nat_target nat_to; /* RS_NAT_DNAT */
	uint64_t handle;           /* nft handle; 0 when none */
	unsigned line;             /* 1-based line in the source file; 0 when not known */
	char *text;                /* the rule as written, or NULL (rs_rule_format renders it) */
	char *unsupported;         /* NULL, or what could not be modelled ("; "-separated) */
};

enum rs_policy {
	RS_POLICY_ACCEPT,
	RS_POLICY_DROP,
};

struct rs_chain {
	char *name;
	uint32_t table;
	bool defined;   /* false: only referenced so far (jump before definition) */
	enum rs_hook hook;
	enum rs_chain_type type;
	int32_t priority;
	enum rs_policy policy;
	struct rs_rule *rules;
	size_t n_rules, cap_rules;
	unsigned line;  /* where it is defined in a file; 0 when not known */
};

struct rs_table {
	char *name;
	enum rs_family family;
};

struct rs_set_elem {
	uint8_t lo[RS_VAL_MAX]; /* packed key bytes */
	uint8_t hi[RS_VAL_MAX]; /* == lo for a single value; per-component ranges for concatenations */
	struct rs_verdict verdict; /* verdict maps */
};

struct rs_set {
	char *name;          /* "__set%d" for anonymous ones, as nft names them */
	uint32_t table;
	bool anonymous;
	bool is_vmap;        /* elements carry verdicts */
	bool is_map;         /* a data map (e.g. for dnat): verdicts not used */
	struct rs_set_elem *elems;
	size_t n_elems, cap_elems;
	unsigned line;
};

enum rs_origin {
	RS_ORIGIN_NFT_JSON,
	RS_ORIGIN_NFT_TEXT,
	RS_ORIGIN_IPTABLES_SAVE,
	RS_ORIGIN_LIVE,
};

struct rs_ruleset {
	char *source; /* the file as given, or "live" / "live@NETNS" */
	enum rs_origin origin;
	struct rs_table *tables;
	size_t n_tables, cap_tables;
	struct rs_chain *chains;
	size_t n_chains, cap_chains;
	struct rs_set *sets;
	size_t n_sets, cap_sets;
};

/* ----------------------------------------------------------------- loading */

/*
 * Every loader returns 0 and *ret, or a negative errno with at least one
 * error in diags (file:line:column for files, table/chain/handle for live
 * rules):
 *   -EBADMSG  the input is malformed or not a ruleset (exit 2);
 *   -ENOENT, -EACCES, … the file can't be read (exit 2);
 *   -EPERM    the environment can't do it (no CAP_NET_ADMIN, no user
 *             namespaces): the message says what is needed (exit 2);
 *   -ENOMEM.
 * Constructs that can't be modelled are not errors: see rule->unsupported.
 */
/* Any ruleset file: format TOPO_RULESET_NONE sniffs it (JSON: '{' or '[';
 * iptables-save: '*', ':' or its header comment; else nft text); ifnames as
 * rs_load_nft_text takes them.  A file that can't be opened to sniff:
 * -errno, no diagnostic (the caller names the firewall). */
int rs_load(const char *path, enum topo_ruleset_format format, const char *const *ifnames, size_t n_ifnames,
	    struct rs_ruleset **ret, struct topo_diag_list *diags);
int rs_sniff_format(const char *path, enum topo_ruleset_format *ret);
int rs_load_nft_json(const char *path, struct rs_ruleset **ret, struct topo_diag_list *diags);
int rs_load_iptables_save(const char *path, struct rs_ruleset **ret, struct topo_diag_list *diags);
/* The same two from memory (tests, fuzzing): `name` is the diagnostics' and
 * the ruleset's source; buf need not be NUL-terminated. */
int rs_load_nft_json_buffer(const char *name, const char *buf, size_t len, struct rs_ruleset **ret,
			    struct topo_diag_list *diags);
int rs_load_iptables_save_buffer(const char *name, const char *buf, size_t len, struct rs_ruleset **ret,
				 struct topo_diag_list *diags);
/* ifnames: interface names to create (dummy links) in the private namespace
 * before loading, so `iif "eth0"` rules load; may be empty. */
int rs_load_nft_text(const char *path, const char *const *ifnames, size_t n_ifnames, struct rs_ruleset **ret,
		     struct topo_diag_list *diags);
/* netns: NULL for this process's namespace, else a name under /run/netns. */
int rs_load_live(const char *netns, struct rs_ruleset **ret, struct topo_diag_list *diags);

void rs_ruleset_free(struct rs_ruleset *r); /* NULL is a no-op */

/* ------------------------------------------------------------------ output */

/* Where a rule is: "rules/fw.nft:12" for files with lines, else
 * "SOURCE: table inet filter chain forward handle 7" (or "rule 3"). */
char *rs_rule_location(const struct rs_ruleset *r, uint32_t chain, size_t rule, char *buf, size_t len);
/* The rule in nft syntax: its text as written when known, else rendered. */
char *rs_rule_format(const struct rs_ruleset *r, const struct rs_rule *rule, char *buf, size_t len);
/* "inet filter forward" */
char *rs_chain_describe(const struct rs_ruleset *r, uint32_t chain, char *buf, size_t len);
const char *rs_family_name(enum rs_family f); /* "inet", "ip", … */
const char *rs_hook_name(enum rs_hook h);     /* "forward", … */

