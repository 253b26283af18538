/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reach — what a firewall does, beside the rule model: the packet-set
 * engine that verify (zone pairs), reconciliation (one packet at a time)
 * and diff (two rulesets) ask: a small reduced
 * ordered binary decision diagram (ROBDD) package, exact sets of packets,
 * and the walk over a ruleset's base chains that uses it (below).  Depends
 * on the rule model (rulesets.h) only; may not use analyze/.
 *
 * Why BDDs: nftables matches are bit patterns (prefixes, masks, ranges,
 * sets of tuples), and a chain walk is "what earlier rules left": unions,
 * intersections and differences, which BDDs do exactly with sharing.  The
 * operations we need are few (and, or, diff, build cubes and ranges, pick
 * one member), so they are written here rather than pulling in a library
 * with global state and exit()-on-error handlers.
 *
 * Nodes live in one table with a unique-table hash and a lossy
 * operation cache.  Memory is bounded: the table never grows past
 * max_nodes; bdd_gc() frees every node not reachable from the caller's
 * roots, and an operation that still finds no room sets the manager's
 * `full` flag and returns BDD_FALSE (the caller reports it).
 *
 * Handles are plain indices: BDD_FALSE 0, BDD_TRUE 1.  Variable 0 is the
 * top of the order.  A handle stays valid until the next bdd_gc() unless it
 * is reachable from a root.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t bdd_t;

#define BDD_FALSE ((bdd_t)0)
#define BDD_TRUE ((bdd_t)1)

struct bdd;

struct bdd *bdd_new(unsigned n_vars, size_t max_nodes);
void bdd_free(struct bdd *m);

bdd_t bdd_and(struct bdd *m, bdd_t a, bdd_t b);
bdd_t bdd_or(struct bdd *m, bdd_t a, bdd_t b);
bdd_t bdd_diff(struct bdd *m, bdd_t a, bdd_t b); /* a ∧ ¬b */
bdd_t bdd_not(struct bdd *m, bdd_t a);
/* The cofactor of a by a cube (a conjunction of literals, as bdd_uint or
 * bdd_cube build): what a says once those variables hold those values,
 * independent of them. */
bdd_t bdd_restrict(struct bdd *m, bdd_t a, bdd_t cube);

/* ∃ vars. a — the variables of `vars` (a cube of positive literals, as
 * bdd_cube builds with lit[v] = 1) made free: what a says of the others. */
bdd_t bdd_exists(struct bdd *m, bdd_t a, bdd_t vars);

/*
 * Bit strings over `bits` consecutive variables starting at `var`, most
 * significant first; values are big-endian byte arrays of (bits+7)/8 bytes,
 * left-aligned (bit 0 of the string is the top bit of byte 0).
 */
bdd_t bdd_match(struct bdd *m, unsigned var, unsigned bits, const uint8_t *value, const uint8_t *mask);
bdd_t bdd_range(struct bdd *m, unsigned var, unsigned bits, const uint8_t *lo, const uint8_t *hi);
/* a small integer: the variables hold `value` in `bits` bits */
bdd_t bdd_uint(struct bdd *m, unsigned var, unsigned bits, uint64_t value);

/* The conjunction of literals: lit[v] is 0 or 1 for a constrained
 * variable, -1 for a free one; built bottom-up in one pass. */
bdd_t bdd_cube(struct bdd *m, const int8_t *lit);

/* One member: bits[v] for every variable (0 where free).  False when a is empty. */
bool bdd_pick(struct bdd *m, bdd_t a, uint8_t *bits);
/* One member chosen at random: free variables and branches by the
 * caller's generator state (splitmix64), so a seed gives the same picks. */
bool bdd_pick_random(struct bdd *m, bdd_t a, uint8_t *bits, uint64_t *rng);
bool bdd_member(const struct bdd *m, bdd_t a, const uint8_t *bits);

/* Roots: handles the collector must keep.  Push addresses; pop to a mark. */
size_t bdd_root_mark(const struct bdd *m);
void bdd_root_push(struct bdd *m, bdd_t *slot);
void bdd_root_pop(struct bdd *m, size_t mark);
/* Collects when the table is fuller than the threshold; only at points where
 * every live handle is rooted. */
void bdd_maybe_gc(struct bdd *m);

/* The node (var ? hi : lo), lo and hi over variables after var only; lo
 * itself when both are one.  No collection happens in it. */
bdd_t bdd_node(struct bdd *m, unsigned var, bdd_t lo, bdd_t hi);
/* A node's variable (n_vars for a terminal) and its two branches. */
unsigned bdd_var(const struct bdd *m, bdd_t a);
bdd_t bdd_low(const struct bdd *m, bdd_t a);
bdd_t bdd_high(const struct bdd *m, bdd_t a);

bool bdd_full(const struct bdd *m); /* an operation ran out of nodes */
size_t bdd_live_nodes(const struct bdd *m);
size_t bdd_peak_nodes(const struct bdd *m);

/* ================================================================ the walk */

/*
 * What a ruleset does to packets (walk.c): the packet space, a set walk
 * over the base chains the kernel would run, and the same for one packet.
 *
 * A packet is a point in a space of REACH_N_VARS bits (one BDD variable each), in
 * this order: address family, input and output interface (an index into
 * the firewall's interfaces, REACH_IF_OTHER for any other name, REACH_IF_NONE for none:
 * what oifname is before routing, and to the firewall itself), whether a
 * dnat translated it (its destination is then the translated one; what
 * `ct status dnat` reads), conntrack state, IP protocol, destination
 * address, destination port, source address, source port (ICMP type and
 * code are its two bytes, as the kernel's payload loads see them), TCP
 * flags, source MAC.  IPv4 addresses use the top 32 of the 128 address
 * bits.
 *
 * Constructs the model can't express (rs_match.op UNKNOWN, unknown
 * verdicts) are assumed to match in accepting rules and not to match in
 * dropping ones, so a walk over-approximates what is let through.  The
 * questions asked of it (which zone pairs, which flows: analyze/verify.c)
 * are the caller's; this knows rulesets and packets only.
 */

#include "rulesets.h"

#define REACH_IF_BITS 5
#define REACH_IF_OTHER 31u
#define REACH_IF_NONE 30u
#define REACH_MAX_IFACES 30
/* The kernel's chain depth: nft_chain_validate() counts jumps and gotos
 * alike and refuses a ruleset whose chains nest 16 deep (EMLINK).  Every
 * walk stops there (iptables-legacy has no such limit: what lies deeper is
 * assumed accepted, and the verdict approximate). */
#define REACH_MAX_DEPTH 16

enum {
	REACH_V_FAM = 0,
	REACH_V_IIF = REACH_V_FAM + 1,
	REACH_V_OIF = REACH_V_IIF + REACH_IF_BITS,
	REACH_V_DNAT = REACH_V_OIF + REACH_IF_BITS, /* next to REACH_V_CT: ct status reads both */
	REACH_V_CT = REACH_V_DNAT + 1,
	REACH_V_PROTO = REACH_V_CT + 3,
	REACH_V_DADDR = REACH_V_PROTO + 8,
	REACH_V_DPORT = REACH_V_DADDR + 128,
	REACH_V_SADDR = REACH_V_DPORT + 16,
	REACH_V_SPORT = REACH_V_SADDR + 128,
	REACH_V_TCPFL = REACH_V_SPORT + 16,
	REACH_V_SMAC = REACH_V_TCPFL + 8,
	REACH_N_VARS = REACH_V_SMAC + 48,
};

enum { REACH_CT_NEW, REACH_CT_ESTABLISHED, REACH_CT_RELATED, REACH_CT_INVALID, REACH_CT_UNTRACKED, REACH_N_CT };

enum { REACH_RF_VISITED = 1, REACH_RF_HIT = 2, REACH_RF_IFMASK = 4 }; /* reach.rflags */

/* What a base chain's rules see of a packet that differs from what it is:
 * in prerouting and input no output interface; before conntrack (priority
 * below -200) no conntrack entry, which ct state calls invalid. */
enum { REACH_VIEW_NO_OIF = 1, REACH_VIEW_NO_CT = 2 };
#define REACH_PRI_CONNTRACK (-200) /* NF_IP_PRI_CONNTRACK */
#define REACH_PRI_NAT_DST (-100)   /* where the kernel runs prerouting's nat chains */
#define REACH_PRI_NAT_SRC 100      /* postrouting's and input's */

/* The chain a trace step names when no chain of the path filtered the
 * packet's family: forwarded (or delivered) as it is. */
#define REACH_NO_CHAIN UINT32_MAX
#define REACH_NO_INPUT_CHAIN (UINT32_MAX - 1)

/* A dnat rule the model translates, and what it did in a recording walk. */
struct reach_dnat_rec {
	uint32_t chain;
	size_t rule;
	unsigned oif; /* towards the target address */
	bdd_t to;     /* the target: address, port, oif, REACH_V_DNAT */
	bdd_t hit;    /* the packets it translated, as they arrived */
	bdd_t image;  /* the same packets translated (REACH_V_DNAT set) */
};

/*
 * One ruleset on one firewall.  The caller sets rs, ifaces, own (the
 * firewall's own destination addresses, as a BDD over REACH_V_DADDR) and route
 * (the interface towards a destination: the packet's REACH_V_DADDR/REACH_V_FAM bits
 * are set; returns an interface index, REACH_IF_NONE or REACH_IF_OTHER), then
 * reach_init().  Fields below `own` are the model's; callers read them.
 */
struct reach {
	const struct rs_ruleset *rs;
	const char *const *ifaces; /* interface names; the index is the IF value */
	size_t n_ifaces;
	unsigned (*route)(void *arg, const uint8_t *bits);
	void *route_arg;
	struct bdd *m;    /* set before reach_init: that manager, shared (two rulesets compared); else made */
	bdd_t own;

	bdd_t *set_bdd; /* per set, for the keys in set_keys */
	enum rs_key (*set_keys)[RS_MAX_CONCAT];
	uint8_t *set_nkeys;
	uint8_t **rflags; /* per chain, per rule: RF_* */
	/* per chain, per rule: the input and output interface values (bit v:
	 * REACH_V_IIF/OIF = v) its iifname/oifname matches let through, made on
	 * a trace's first visit (REACH_RF_IFMASK): a trace skips a rule whose
	 * interfaces can't match without evaluating it */
	uint32_t (**ifmask)[2];
	uint32_t *fwd;    /* prerouting, forward and postrouting base chains, in the kernel's order */
	size_t n_fwd;
	bool has_primary; /* the forward chain with most rules */
	uint32_t primary;
	uint32_t *loc;    /* prerouting and input */
	size_t n_loc;
	bool has_local_primary; /* the input chain with most rules */
	uint32_t local_primary;
	bdd_t fam[2];     /* IPv4, IPv6 */
	bdd_t pre_cube, raw_cube; /* the views of hook_view() as cubes */
	bdd_t dnat0;      /* not translated */
	bdd_t dnat_q, dnat_qp; /* what a translation replaces (with the port) */
	bool has_dnat;    /* a dnat the model translates, in a prerouting nat chain */
	struct reach_dnat_rec *dn;
	size_t n_dn;
	bool record;       /* walks record each dnat rule's hits */
	bool too_deep;     /* a walk met chains nested REACH_MAX_DEPTH deep */
	/* called every 4096 rules the walks visit, for a progress line (NULL: none) */
	void (*progress)(void *arg, uint64_t rules_visited);
	void *progress_arg;
	uint64_t visited;
	bool trace_approx; /* a trace met a rule it can't judge exactly */
	bool m_shared;     /* m was the caller's: reach_free leaves it */
	int err;
};

/* Creates the manager (max_nodes; unless r->m is one already, shared with
 * another ruleset's model, which must then outlive this one) and everything
 * the walks need; the caller roots its own BDDs with bdd_root_push() on
 * r->m.  -ENOMEM, -E2BIG (too many nodes). */
int reach_init(struct reach *r, size_t max_nodes);
void reach_free(struct reach *r);

/* A set walk over one base chain.  on_accept (may be NULL) sees every set
 * a rule or policy accepts, on_hit every set a rule matches. */
struct reach_walk {
	struct reach *c;
	bdd_t acc;     /* accepted in the base chain being walked */
	bdd_t cube;    /* hook_cube() of that chain */
	uint32_t base; /* that chain */
	void (*on_accept)(struct reach_walk *w, uint32_t chain, size_t rule, bdd_t hit);
	void (*on_hit)(struct reach_walk *w, uint32_t chain, size_t rule, bdd_t hit);
	void *arg;
};
/* What `in` passes of base chain `base` (packets of other families
 * included; a dnat's translated); rule == SIZE_MAX: the policy. */
bdd_t reach_walk_base(struct reach_walk *w, uint32_t base, bdd_t in);

/* The same for one packet, through every base chain of its path:
 * prerouting, then input (no output interface after it) or forward and
 * postrouting.  step gets the rule (or policy: rule SIZE_MAX) that decided
 * it in each chain, with the verdict word ("accept", "dnat", NULL: the
 * rule's own).  Returns whether it passes; out (may be NULL) gets the
 * packet as it leaves. */
struct reach_trace {
	void (*step)(void *arg, uint32_t chain, size_t rule, const char *verdict);
	void *arg;
};
bool reach_trace_out(struct reach *c, const uint8_t *bits, const struct reach_trace *t, uint8_t *out);
bool reach_trace(struct reach *c, const uint8_t *bits, const struct reach_trace *t);

bdd_t reach_rule_bdd(struct reach *c, const struct rs_rule *r, bool *unknown);
bool reach_match_sane(const struct reach *c, const struct rs_match *m);
bdd_t reach_elem_bdd(struct reach *c, const struct rs_match *m, const struct rs_set_elem *e);
bdd_t reach_set_bdd(struct reach *c, const struct rs_match *m);
void reach_prebuild_set(struct reach *c, const struct rs_match *m);
bool reach_point_rule(struct reach *c, const struct rs_rule *r, const uint8_t *bits);
/* The interface values (bit v) each of r's iifname and oifname matches
 * lets through: [0] input, [1] output; all ones for a rule without them. */
void reach_rule_ifmask(struct reach *c, const struct rs_rule *r, uint32_t ret[2]);
bool reach_rule_inexact(struct reach *c, uint32_t base, const struct rs_rule *r);
bool reach_is_dnat_chain(const struct rs_chain *ch);
unsigned reach_hook_view(const struct reach *c, uint32_t base);
bdd_t reach_hook_cube(const struct reach *c, uint32_t base);
bool reach_dnat_modelled(const struct reach *c, uint32_t base, const struct rs_rule *r);
bool reach_translate_point(struct reach *c, uint32_t chain, size_t rule, uint8_t *pk);
/* A translated packet (REACH_V_DNAT set) as it arrived: false when it is not one. */
bool reach_packet_origin(struct reach *c, const uint8_t *bits, uint8_t *orig);
bool reach_is_local(const uint8_t *bits);
/* What conntrack takes for the first packet of a new connection. */
bdd_t reach_first_packets(struct reach *c);
bool reach_family_modelled(enum rs_family f);
void reach_find_forward_path(struct reach *c);
/* The address families some base chain of the path filters. */
bdd_t reach_path_families(struct reach *c, const uint32_t *path, size_t n);
/* s narrowed by p, unless that leaves nothing. */
bdd_t reach_prefer(struct bdd *m, bdd_t s, bdd_t p);

unsigned reach_get_bits(const uint8_t *bits, unsigned var, unsigned n);
void reach_get_bytes(const uint8_t *bits, unsigned var, unsigned n, uint8_t *out);
void reach_set_bits(uint8_t *bits, unsigned var, unsigned n, unsigned value);
/* the inverse of reach_get_bytes: n bits from a big-endian byte string */
void reach_set_bytes(uint8_t *bits, unsigned var, unsigned n, const uint8_t *bytes);
