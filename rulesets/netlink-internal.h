/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the three files of the netlink reader:
 *   - netlink.c: the dumps (tables, chains, sets and their elements, rules)
 *     and what a set's raw elements mean; the whole read; live loading;
 *   - netlink-rule.c: one rule's expressions — what each register holds,
 *     the loads, the table of decoders by expression name;
 *   - netlink-match.c: the expressions that consume registers (cmp, range,
 *     lookup) and those that decide a verdict (immediate, nat, reject).
 * Nothing here is for other files: rulesets-internal.h is the reader's
 * interface to its users.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rulesets-internal.h"

struct mnl_socket;
struct nftnl_expr;
struct nlmsghdr;

#define NREGS 16 /* 32-bit registers; NFT_REG_1..4 each alias four */

/* ------------------------------------------------------------ the reader */

struct link;     /* an interface index and name (netlink.c) */
struct raw_elem; /* a set element as the kernel sent it (netlink.c) */

/* What we learn about a set besides the model's rs_set (same index). */
struct set_info {
	uint32_t flags, key_len;
	unsigned n_fields; /* the concatenation layout, once known */
	uint8_t field_len[RS_MAX_CONCAT];
	enum rs_key keys[RS_MAX_CONCAT];
	bool keys_known;
	struct raw_elem *elems;
	size_t n_elems, cap_elems;
};

struct reader {
	struct mnl_socket *nft, *rtnl;
	uint32_t seq;
	char *buf;
	struct rs_ruleset *r;
	struct topo_diag_list *diags;
	struct set_info *sets; /* parallel to r->sets */
	size_t n_sets;
	struct link *links;
	size_t n_links;
	bool intr; /* the kernel flagged a dump as inconsistent */
	int err;   /* first error inside a callback */
};

/* The name of interface index, or NULL (unknown, or no rtnl socket). */
const char *rs_nl_link_name(const struct reader *rd, int index);

/* How many 32-bit registers len bytes take. */
static inline unsigned rs_nl_words(unsigned len)
{
	return (len + 3) / 4;
}

/* ---------------------------------------------- one rule: netlink-rule.c */

enum reg_kind {
	REG_NONE,      /* nothing we know of */
	REG_KEY,       /* bytes [off, off+len) of a model key */
	REG_KEYS,      /* several adjacent keys, whole (nft merges their loads) */
	REG_IFINDEX,   /* meta iif/oif (key says which) */
	REG_ETHERTYPE, /* meta protocol, ether type: a protocol dependency */
	REG_IIFTYPE,   /* meta iiftype: the dependency of ether payloads */
	REG_OTHER,     /* something the model lacks; `what` names it */
	REG_IMM,       /* a constant (immediate): data[0, len) — a nat target */
};

struct reg {
	enum reg_kind kind;
	enum rs_key key;
	uint8_t off, len;
	bool masked;
	uint8_t mask[16];
	uint8_t data[16]; /* REG_IMM */
	uint8_t n_parts; /* REG_KEYS */
	enum rs_key parts[4];
	unsigned gen; /* load number, so `>= a` `<= b` on one load merge into a range */
	char what[64];
};

/* A dependency nft adds before the expression that needs it (meta protocol
 * before ip saddr in netdev/bridge tables, meta iiftype before ether saddr):
 * dropped when that expression follows, an unknown match otherwise. */
struct dep {
	char what[48];
	bool used;
};

struct rule_ctx {
	struct reader *rd;
	uint32_t table;
	enum rs_family family;
	struct rs_rule *rule;
	struct reg regs[NREGS];
	unsigned gen;
	int l3, l4;           /* 4/6 and IP protocol; 0 and -1 when not known */
	int l3_dep, ll_dep;   /* the dependency that set them, or -1 */
	struct dep deps[4];
	unsigned n_deps;
	ssize_t last_ge;      /* index of a `>=` match from load last_ge_gen */
	unsigned last_ge_gen;
	int err;
};

/* A part of a merged load that is no model key: the ether type, a
 * protocol dependency (see fields[] in netlink-rule.c). */
#define KEY_ETHERTYPE _RS_KEY_MAX

/* rs_netlink_read's callback for each rule of the dump: decodes it into a
 * new rule of its chain.  0, or a negative errno. */
int rs_nl_rule_cb(const struct nlmsghdr *nlh, void *data);

/* Adds an unknown match naming what (printf-style); 0 or -ENOMEM. */
int rs_nl_unknown(struct rule_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Makes the rule's verdict unknown, what saying why (an error in c->err). */
void rs_nl_verdict_unknown(struct rule_ctx *c, const char *what);
/* register number → index of its first 32-bit register, or -1 */
int rs_nl_reg_slot(uint32_t reg);
/* The register sreg, or NULL for a register out of range. */
struct reg *rs_nl_reg_get(struct rule_ctx *c, uint32_t sreg);
/* Loads something the model lacks (len 0: 4 bytes), named by fmt. */
void rs_nl_reg_other(struct rule_ctx *c, uint32_t dreg, uint32_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A protocol dependency: its index in c->deps, or -1 (see struct dep). */
int rs_nl_dep_add(struct rule_ctx *c, const char *what);
/* The length of a part of a merged load (a key, or KEY_ETHERTYPE). */
size_t rs_nl_part_len(enum rs_key k);

/* ------------------------------- consumers and verdicts: netlink-match.c */

/* Decoders of expr_ops[] (netlink-rule.c): 0, or a negative errno. */
int rs_nl_expr_cmp(struct rule_ctx *c, struct nftnl_expr *e);
int rs_nl_expr_range(struct rule_ctx *c, struct nftnl_expr *e);
int rs_nl_expr_lookup(struct rule_ctx *c, struct nftnl_expr *e);
int rs_nl_expr_immediate(struct rule_ctx *c, struct nftnl_expr *e);
int rs_nl_expr_nat(struct rule_ctx *c, struct nftnl_expr *e);
int rs_nl_expr_masq(struct rule_ctx *c, struct nftnl_expr *e);
int rs_nl_expr_redir(struct rule_ctx *c, struct nftnl_expr *e);
int rs_nl_expr_reject(struct rule_ctx *c, struct nftnl_expr *e);
