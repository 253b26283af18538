/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sanso verify: which new connections each firewall's ruleset lets through,
 * exactly, against the three-tier policy (docs/verify.md).
 *
 * A packet is a point in a space of 367 bits (one BDD variable each), in
 * this order: address family, input and output interface (an index into
 * the firewall's interfaces in the topology, IF_OTHER for any other name),
 * whether a dnat translated it (its destination is then the translated
 * one, the originals kept per dnat rule; what `ct status dnat` reads),
 * conntrack state, IP protocol, destination address, destination port,
 * source address, source port (ICMP type and code are its two bytes, as
 * the kernel's payload loads see them), TCP flags, source MAC.  IPv4
 * addresses use the top 32 of the 128 address bits.
 *
 * Per firewall:
 *   R0       every first packet (ct state new; a TCP SYN) from an area
 *            behind one interface to a different area behind another;
 *   pass 1   walk the base chains of prerouting, forward and postrouting,
 *            each rule seeing only what earlier rules left, following
 *            jump/goto/return and verdict maps → Passed.  With a dnat to
 *            one address in a prerouting nat chain, prerouting is walked
 *            first, one chain after the other, over the first packets to
 *            other areas, to the firewall and back out their own
 *            interface; the dnat gives the packets it takes their new
 *            destination and output interface (V_DNAT set, the originals
 *            kept per rule for the examples), and what leaves by another
 *            interface goes on to forward and postrouting;
 *   local    first packets to the firewall's own addresses (its host's
 *            IPs in the topology) through prerouting and input: what the
 *            Internet may open on the firewall itself (INBOUND-OPEN);
 *   blocked  each declared flow's packets that Passed lacks;
 *   pass 2   walk the forward base chain with the most rules again and, at
 *            each accept, what it accepts that no declared flow permits,
 *            per area pair (the OPEN checks) and beyond the exception it
 *            carries (EXCEPTION-TOO-BROAD);
 *   shadow   every base chain walked over all packets: a rule that never
 *            sees any packet is shadowed.
 * Constructs the model can't express (rs_match.op UNKNOWN, unknown
 * verdicts) are assumed to match in accepting rules and not to match in
 * dropping ones, so the result over-approximates what is let through —
 * never a silent accept or drop — and each is reported.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze.h"
#include "reach.h"
#include "rulesets.h"

#define IF_BITS 5
#define IF_OTHER 31u
#define IF_NONE 30u /* no interface: what oifname is before routing */
#define MAX_IFACES 30
/* The kernel's chain depth: nft_chain_validate() counts jumps and gotos
 * alike and refuses a ruleset whose chains nest 16 deep (EMLINK).  Every
 * walk stops there (iptables-legacy has no such limit: what lies deeper is
 * assumed accepted, and the verdict approximate). */
#define MAX_DEPTH 16

enum {
	V_FAM = 0,
	V_IIF = V_FAM + 1,
	V_OIF = V_IIF + IF_BITS,
	V_DNAT = V_OIF + IF_BITS, /* next to V_CT: ct status reads both */
	V_CT = V_DNAT + 1,
	V_PROTO = V_CT + 3,
	V_DADDR = V_PROTO + 8,
	V_DPORT = V_DADDR + 128,
	V_SADDR = V_DPORT + 16,
	V_SPORT = V_SADDR + 128,
	V_TCPFL = V_SPORT + 16,
	V_SMAC = V_TCPFL + 8,
	N_VARS = V_SMAC + 48,
};

enum { CT_NEW, CT_ESTABLISHED, CT_RELATED, CT_INVALID, CT_UNTRACKED, N_CT };
static const uint32_t ct_bit[N_CT] = {RS_CT_NEW, RS_CT_ESTABLISHED, RS_CT_RELATED, RS_CT_INVALID, RS_CT_UNTRACKED};

enum { RF_VISITED = 1, RF_HIT = 2 };

struct an_vreport {
	const struct topo_site *site;
	struct an_vfinding **findings;
	size_t n_findings, cap_findings, max_findings;
	uint64_t not_kept;
	uint64_t counts[_AN_CHECK_MAX];
	struct an_vfw_summary *fws; /* source: allocated */
	size_t n_fws;
	json_t *seen; /* finding keys, so one rule gives one finding per area pair */
	bool oom;
	struct an_input *inputs; /* the topology, then each ruleset file */
	size_t n_inputs;
	uint64_t generated_ns;
};

struct pair {
	const struct topo_area *a, *b;
	enum an_check check;
	bdd_t bad; /* Passed ∧ ¬Permitted ∧ a→b */
	bool local; /* b: the firewall itself (its own addresses, the input hook) */
};

struct exc {
	const struct topo_flow *flow;
	bdd_t carry;   /* its addresses, proto and ports, any MAC */
	bdd_t allowed; /* what the exception permits, pinned as the site says */
	bdd_t pin_ip, pin_mac, dst, service;
	bdd_t nomac; /* its packets from other MACs, arriving where the MAC could be pinned (NO-MAC) */
};

/* A dnat rule the model translates, and what it did in pass 1. */
struct dnat_rec {
	uint32_t chain;
	size_t rule;
	unsigned oif; /* towards the target address */
	bdd_t to;    /* the target: address, port, oif, V_DNAT */
	bdd_t hit;   /* the packets it translated, as they arrived */
	bdd_t image; /* the same packets translated (V_DNAT set) */
};

struct fw_ctx {
	const struct topo_site *site;
	const struct topo_firewall *fw;
	const struct rs_ruleset *rs;
	struct an_vreport *report;
	struct an_vfw_summary *sum;
	struct bdd *m;
	size_t n_areas;

	bdd_t *set_bdd; /* per set, for the keys in set_keys */
	enum rs_key (*set_keys)[RS_MAX_CONCAT];
	uint8_t *set_nkeys;

	bdd_t *src_in, *dst_in, *iif_of, *oif_of; /* per area */
	bdd_t fam[2], ifpair, ctnew, syn, r0, univ, passed, permitted, bad_all, open, cross;
	struct pair *pairs;
	size_t n_pairs;
	struct exc *excs;
	size_t n_excs;

	uint8_t **rflags; /* per chain, per rule */
	uint32_t *fwd;    /* forward-path base chains, in hook order */
	size_t n_fwd;
	bool has_primary;
	uint32_t primary;
	/* the local path: packets to the firewall's own addresses (own), the
	 * first packets of them (r0_local), what prerouting and input let in */
	uint32_t *loc;
	size_t n_loc;
	bool has_local_primary;
	uint32_t local_primary;
	bdd_t own, own_src, r0_local, passed_local;
	bool too_deep;
	bool trace_approx; /* trace() met a rule it can't judge exactly */
	/* what a prerouting chain sees of every packet: no output interface
	 * yet, and before conntrack (priority < -200) ct state invalid */
	bdd_t pre_cube, raw_cube;
	/* dnat in prerouting: pre_in the first packets prerouting sees;
	 * dn per modelled dnat rule; fwd_in / local_in what reaches forward
	 * and input after prerouting; images all that dnat rules made */
	bool has_dnat;
	bdd_t pre_in, dnat0, dnat_q, dnat_qp, fwd_in, local_in, images;
	struct dnat_rec *dn;
	size_t n_dn;
	bool record; /* the walk records each dnat rule's hits */
	int err;
};

/* ---------------------------------------------------------------- keys */

struct keyvar {
	int var; /* -1: a small-domain key (nfproto, interfaces, ct state) */
	unsigned bits;
	int fam; /* -1, 0 (ipv4) or 1 (ipv6) */
};

static struct keyvar key_var(enum rs_key k)
{
	switch (k) {
	case RS_KEY_L4PROTO:
		return (struct keyvar){V_PROTO, 8, -1};
	case RS_KEY_IP_SADDR:
		return (struct keyvar){V_SADDR, 32, 0};
	case RS_KEY_IP_DADDR:
		return (struct keyvar){V_DADDR, 32, 0};
	case RS_KEY_IP6_SADDR:
		return (struct keyvar){V_SADDR, 128, 1};
	case RS_KEY_IP6_DADDR:
		return (struct keyvar){V_DADDR, 128, 1};
	case RS_KEY_SPORT:
		return (struct keyvar){V_SPORT, 16, -1};
	case RS_KEY_DPORT:
		return (struct keyvar){V_DPORT, 16, -1};
	case RS_KEY_ICMP_TYPE:
		return (struct keyvar){V_SPORT, 8, -1};
	case RS_KEY_ICMP_CODE:
		return (struct keyvar){V_SPORT + 8, 8, -1};
	case RS_KEY_TCP_FLAGS:
		return (struct keyvar){V_TCPFL, 8, -1};
	case RS_KEY_ETHER_SADDR:
		return (struct keyvar){V_SMAC, 48, -1};
	default:
		return (struct keyvar){-1, 0, -1};
	}
}

static bool be_is_zero(const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i])
			return false;
	return true;
}

static bool be_is_max(const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] != 0xff)
			return false;
	return true;
}

static void be_add(uint8_t *v, size_t n, int delta)
{
	for (size_t i = n; i-- > 0;) {
		if (delta > 0) {
			if (++v[i] != 0)
				return;
		} else if (v[i]-- != 0)
			return;
	}
}

/* The concrete comparison: (x & mask) op value, for one key of len bytes. */
static bool cmp_value(const struct rs_match *m, size_t len, const uint8_t *x)
{
	uint8_t xm[RS_VAL_MAX];

	for (size_t i = 0; i < len; i++)
		xm[i] = m->has_mask ? x[i] & m->mask[i] : x[i];
	int c = memcmp(xm, m->value, len);
	switch (m->op) {
	case RS_OP_EQ:
		return c == 0;
	case RS_OP_NE:
		return c != 0;
	case RS_OP_LT:
		return c < 0;
	case RS_OP_GT:
		return c > 0;
	case RS_OP_LE:
		return c <= 0;
	case RS_OP_GE:
		return c >= 0;
	case RS_OP_RANGE:
	case RS_OP_NRANGE: {
		bool in = c >= 0 && memcmp(xm, m->value2, len) <= 0;
		return m->op == RS_OP_RANGE ? in : !in;
	}
	default:
		return true;
	}
}

/* An interface-name pattern (NUL padded, '*' at the end for a prefix)
 * against a name. */
static bool ifname_matches(const uint8_t *pat, const char *name)
{
	char p[RS_IFNAMSIZ + 1];

	memcpy(p, pat, RS_IFNAMSIZ);
	p[RS_IFNAMSIZ] = 0;
	size_t n = strlen(p);
	if (n && p[n - 1] == '*')
		return strncmp(p, name, n - 1) == 0;
	return strcmp(p, name) == 0;
}

static bool ifname_is_topology(const struct fw_ctx *c, const uint8_t *pat)
{
	char p[RS_IFNAMSIZ + 1];

	memcpy(p, pat, RS_IFNAMSIZ);
	p[RS_IFNAMSIZ] = 0;
	size_t n = strlen(p);
	if (n && p[n - 1] == '*')
		return false;
	for (size_t i = 0; i < c->fw->n_ifaces; i++)
		if (strcmp(c->fw->ifaces[i].name, p) == 0)
			return true;
	return false;
}

/*
 * A small-domain key: does domain value d satisfy the match?  For
 * interfaces, d is an interface index or IF_OTHER, which stands for every
 * name the topology doesn't list: it matches an equality when the pattern
 * could name such an interface, and any inequality.
 */
static bool domain_test(const struct fw_ctx *c, enum rs_key k, unsigned d, const struct rs_match *m,
			const uint8_t *lo, const uint8_t *hi)
{
	uint8_t x[4] = {0};

	switch (k) {
	case RS_KEY_NFPROTO:
		x[0] = d ? 10 : 2;
		break;
	case RS_KEY_CT_STATE:
		memcpy(x, &ct_bit[d], 4);
		break;
	case RS_KEY_CT_STATUS: {
		/* d: dnat << 3 | ct state.  Without a conntrack entry (invalid,
		 * untracked) the load breaks the rule, whatever it compares */
		unsigned st = d & 7;
		if (st != CT_NEW && st != CT_ESTABLISHED && st != CT_RELATED)
			return false;
		uint32_t status = d >> 3 ? RS_CTS_DNAT : 0;
		memcpy(x, &status, 4);
		break;
	}
	case RS_KEY_IIFNAME:
	case RS_KEY_OIFNAME: {
		const uint8_t *pat = lo ? lo : m->value;
		bool eq = lo || m->op == RS_OP_EQ;
		if (d == IF_OTHER)
			return eq ? !ifname_is_topology(c, pat) : true;
		bool match = ifname_matches(pat, d == IF_NONE ? "" : c->fw->ifaces[d].name);
		return eq ? match : !match;
	}
	default:
		return true;
	}
	if (lo) { /* a set element: [lo, hi] */
		size_t n = rs_key_len(k);
		return memcmp(x, lo, n) >= 0 && memcmp(x, hi, n) <= 0;
	}
	return cmp_value(m, rs_key_len(k), x);
}

static unsigned domain_var(enum rs_key k, unsigned *bits, unsigned *n)
{
	switch (k) {
	case RS_KEY_NFPROTO:
		*bits = 1;
		*n = 2;
		return V_FAM;
	case RS_KEY_CT_STATE:
		*bits = 3;
		*n = N_CT;
		return V_CT;
	case RS_KEY_CT_STATUS:
		*bits = 4;
		*n = 16;
		return V_DNAT;
	case RS_KEY_OIFNAME:
		*bits = IF_BITS;
		*n = IF_OTHER + 1;
		return V_OIF;
	default:
		*bits = IF_BITS;
		*n = IF_OTHER + 1;
		return V_IIF;
	}
}

/* Interface values are the firewall's interfaces, IF_NONE and IF_OTHER;
 * the indices between them stand for nothing. */
static bool domain_value_exists(const struct fw_ctx *c, enum rs_key k, unsigned d)
{
	return !(k == RS_KEY_IIFNAME || k == RS_KEY_OIFNAME) || d < c->fw->n_ifaces || d == IF_OTHER || d == IF_NONE;
}

static bdd_t domain_bdd(struct fw_ctx *c, enum rs_key k, const struct rs_match *m, const uint8_t *lo,
			const uint8_t *hi)
{
	unsigned bits, n, var = domain_var(k, &bits, &n);
	bdd_t r = BDD_FALSE;

	for (unsigned d = 0; d < n; d++) {
		if (!domain_value_exists(c, k, d))
			continue;
		if (domain_test(c, k, d, m, lo, hi))
			r = bdd_or(c->m, r, bdd_uint(c->m, var, bits, d));
	}
	return r;
}

static bdd_t fam_of(struct fw_ctx *c, int fam)
{
	return fam < 0 ? BDD_TRUE : c->fam[fam];
}

/* The address-family condition a concatenation implies. */
static bdd_t keys_fam(struct fw_ctx *c, const struct rs_match *m)
{
	bdd_t r = BDD_TRUE;

	for (unsigned i = 0; i < m->n_keys; i++)
		r = bdd_and(c->m, r, fam_of(c, key_var(m->keys[i]).fam));
	return r;
}

static bool match_sane(const struct fw_ctx *c, const struct rs_match *m)
{
	size_t len = 0;

	if (m->n_keys == 0 || m->n_keys > RS_MAX_CONCAT)
		return false;
	for (unsigned i = 0; i < m->n_keys; i++) {
		if (m->keys[i] >= _RS_KEY_MAX)
			return false;
		len += rs_key_len(m->keys[i]);
	}
	if (len > RS_VAL_MAX)
		return false;
	if (m->op == RS_OP_IN || m->op == RS_OP_NOT_IN)
		return m->set < c->rs->n_sets;
	return m->n_keys == 1;
}

/* One element of a set (a tuple of per-key ranges). */
static bdd_t elem_bdd(struct fw_ctx *c, const struct rs_match *m, const struct rs_set_elem *e)
{
	bdd_t r = BDD_TRUE;
	size_t off = 0;

	for (unsigned i = 0; i < m->n_keys && r != BDD_FALSE; i++) {
		enum rs_key k = m->keys[i];
		size_t len = rs_key_len(k);
		struct keyvar kv = key_var(k);
		bdd_t part;

		if (kv.var < 0)
			part = domain_bdd(c, k, m, e->lo + off, e->hi + off);
		else if (memcmp(e->lo + off, e->hi + off, len) == 0)
			part = bdd_and(c->m, fam_of(c, kv.fam), bdd_match(c->m, (unsigned)kv.var, kv.bits, e->lo + off, NULL));
		else
			part = bdd_and(c->m, fam_of(c, kv.fam),
				       bdd_range(c->m, (unsigned)kv.var, kv.bits, e->lo + off, e->hi + off));
		r = bdd_and(c->m, r, part);
		off += len;
	}
	return r;
}

/*
 * Builds the set of an IN/NOT_IN match into its cache slot, collecting
 * garbage between elements: a set of 100,000 elements leaves millions of
 * intermediate nodes behind.  Only called where every live handle is
 * rooted (setup), so the walks find every set ready.
 */
static void prebuild_set(struct fw_ctx *c, const struct rs_match *m)
{
	uint32_t s = m->set;
	const struct rs_set *set = &c->rs->sets[s];
	bdd_t acc = BDD_FALSE;
	size_t mark = bdd_root_mark(c->m);

	if (c->set_nkeys[s])
		return; /* built already (for these or other keys) */
	bdd_root_push(c->m, &acc);
	for (size_t i = 0; i < set->n_elems && !bdd_full(c->m); i++) {
		acc = bdd_or(c->m, acc, elem_bdd(c, m, &set->elems[i]));
		if (i % 512 == 511)
			bdd_maybe_gc(c->m);
	}
	c->set_bdd[s] = acc;
	c->set_nkeys[s] = m->n_keys;
	memcpy(c->set_keys[s], m->keys, m->n_keys * sizeof(m->keys[0]));
	bdd_root_pop(c->m, mark);
	bdd_maybe_gc(c->m);
}

static bdd_t set_bdd(struct fw_ctx *c, const struct rs_match *m)
{
	uint32_t s = m->set;
	bool cached = c->set_nkeys[s] == m->n_keys && memcmp(c->set_keys[s], m->keys, m->n_keys * sizeof(m->keys[0])) == 0;

	if (cached)
		return c->set_bdd[s];
	/* the same set looked up with other keys: built each time, not kept */
	const struct rs_set *set = &c->rs->sets[s];
	bdd_t r = BDD_FALSE;
	for (size_t i = 0; i < set->n_elems; i++)
		r = bdd_or(c->m, r, elem_bdd(c, m, &set->elems[i]));
	return r;
}

/* One match; *unknown when it can't be modelled (then TRUE). */
static bdd_t match_bdd(struct fw_ctx *c, const struct rs_match *m, bool *unknown)
{
	if (m->op == RS_OP_UNKNOWN || !match_sane(c, m)) {
		*unknown = true;
		return BDD_TRUE;
	}
	if (m->op == RS_OP_IN)
		return set_bdd(c, m);
	if (m->op == RS_OP_NOT_IN)
		return bdd_diff(c->m, keys_fam(c, m), set_bdd(c, m));

	enum rs_key k = m->keys[0];
	struct keyvar kv = key_var(k);
	size_t len = rs_key_len(k);
	if (kv.var < 0)
		return domain_bdd(c, k, m, NULL, NULL);

	struct bdd *b = c->m;
	bdd_t fam = fam_of(c, kv.fam), x;
	uint8_t lo[RS_VAL_MAX] = {0}, hi[RS_VAL_MAX];
	memset(hi, 0xff, len);

	switch (m->op) {
	case RS_OP_EQ:
	case RS_OP_NE:
		x = bdd_match(b, (unsigned)kv.var, kv.bits, m->value, m->has_mask ? m->mask : NULL);
		if (m->has_mask) { /* (x & mask) == value with value bits outside the mask: never */
			for (size_t i = 0; i < len; i++)
				if (m->value[i] & ~m->mask[i])
					x = BDD_FALSE;
		}
		return m->op == RS_OP_EQ ? bdd_and(b, fam, x) : bdd_diff(b, fam, x);
	case RS_OP_LT:
		if (be_is_zero(m->value, len))
			return BDD_FALSE;
		memcpy(hi, m->value, len);
		be_add(hi, len, -1);
		break;
	case RS_OP_LE:
		memcpy(hi, m->value, len);
		break;
	case RS_OP_GT:
		if (be_is_max(m->value, len))
			return BDD_FALSE;
		memcpy(lo, m->value, len);
		be_add(lo, len, 1);
		break;
	case RS_OP_GE:
		memcpy(lo, m->value, len);
		break;
	case RS_OP_RANGE:
	case RS_OP_NRANGE:
		memcpy(lo, m->value, len);
		memcpy(hi, m->value2, len);
		if (memcmp(lo, hi, len) > 0) {
			x = BDD_FALSE;
			return m->op == RS_OP_RANGE ? x : fam;
		}
		x = bdd_range(b, (unsigned)kv.var, kv.bits, lo, hi);
		return m->op == RS_OP_RANGE ? bdd_and(b, fam, x) : bdd_diff(b, fam, x);
	default:
		*unknown = true;
		return BDD_TRUE;
	}
	return bdd_and(b, fam, bdd_range(b, (unsigned)kv.var, kv.bits, lo, hi));
}

/* Sets literals for bits [var, var+bits) from value/mask; false on a
 * contradiction with literals already set. */
static bool add_literals(int8_t *lit, unsigned var, unsigned bits, const uint8_t *value, const uint8_t *mask)
{
	for (unsigned i = 0; i < bits; i++) {
		if (mask && !((mask[i / 8] >> (7 - i % 8)) & 1))
			continue;
		int8_t b = (int8_t)((value[i / 8] >> (7 - i % 8)) & 1);
		if (lit[var + i] >= 0 && lit[var + i] != b)
			return false;
		lit[var + i] = b;
	}
	return true;
}

/* A match that is a conjunction of bit literals (an equality on a bit
 * key, or a small-domain key with one value): adds them, true if handled. */
static bool match_literals(struct fw_ctx *c, const struct rs_match *m, int8_t *lit, bool *contradiction)
{
	if (m->op != RS_OP_EQ || !match_sane(c, m))
		return false;
	enum rs_key k = m->keys[0];
	struct keyvar kv = key_var(k);
	/* add_literals reads bits from the most significant one: the family
	 * variable's one bit is 0x80 (IPv6), not 1 */
	uint8_t one = 0x80, zero = 0;

	if (kv.var >= 0) {
		if (m->has_mask)
			for (size_t i = 0; i < rs_key_len(k); i++)
				if (m->value[i] & ~m->mask[i])
					return false; /* never true: let match_bdd say so */
		if (!add_literals(lit, (unsigned)kv.var, kv.bits, m->value, m->has_mask ? m->mask : NULL))
			*contradiction = true;
		if (kv.fam >= 0 && !add_literals(lit, V_FAM, 1, kv.fam ? &one : &zero, NULL))
			*contradiction = true;
		return true;
	}
	/* one domain value, e.g. oifname "vlan10" */
	unsigned bits, n, var = domain_var(k, &bits, &n), hits = 0, which = 0;
	for (unsigned d = 0; d < n && hits < 2; d++) {
		if (!domain_value_exists(c, k, d))
			continue;
		if (domain_test(c, k, d, m, NULL, NULL)) {
			hits++;
			which = d;
		}
	}
	if (hits != 1)
		return false;
	for (unsigned i = 0; i < bits; i++) {
		int8_t b = (int8_t)((which >> (bits - 1 - i)) & 1);
		if (lit[var + i] >= 0 && lit[var + i] != b)
			*contradiction = true;
		lit[var + i] = b;
	}
	return true;
}

/* What the rule's matches select, assuming unknown parts match.  The
 * equalities (most of a typical rule) are gathered into one cube built in
 * a single pass; the rest is ANDed to it. */
static bdd_t rule_bdd(struct fw_ctx *c, const struct rs_rule *r, bool *unknown)
{
	int8_t lit[N_VARS];
	bdd_t x = BDD_TRUE;
	bool contradiction = false;

	memset(lit, -1, sizeof(lit));
	*unknown = r->unsupported != NULL || r->verdict.code == RS_V_UNKNOWN;
	for (size_t i = 0; i < r->n_matches && x != BDD_FALSE && !contradiction; i++)
		if (!match_literals(c, &r->matches[i], lit, &contradiction))
			x = bdd_and(c->m, x, match_bdd(c, &r->matches[i], unknown));
	if (r->has_vmap && !match_sane(c, &r->vmap))
		*unknown = true;
	if (contradiction)
		return BDD_FALSE;
	return bdd_and(c->m, x, bdd_cube(c->m, lit));
}

/* ------------------------------------------------------- concrete packets */

static unsigned get_bits(const uint8_t *bits, unsigned var, unsigned n)
{
	unsigned v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 1 | bits[var + i];
	return v;
}

static void get_bytes(const uint8_t *bits, unsigned var, unsigned n, uint8_t *out)
{
	memset(out, 0, (n + 7) / 8);
	for (unsigned i = 0; i < n; i++)
		if (bits[var + i])
			out[i / 8] |= (uint8_t)(0x80u >> (i % 8));
}

/* The match on one concrete packet (for tracing an example). */
static bool point_match(struct fw_ctx *c, const struct rs_match *m, const uint8_t *bits)
{
	if (m->op == RS_OP_UNKNOWN || !match_sane(c, m))
		return true;
	if (m->op == RS_OP_IN || m->op == RS_OP_NOT_IN) {
		bool in = bdd_member(c->m, set_bdd(c, m), bits);
		if (m->op == RS_OP_IN)
			return in;
		return bdd_member(c->m, keys_fam(c, m), bits) && !in;
	}
	enum rs_key k = m->keys[0];
	struct keyvar kv = key_var(k);
	if (kv.var < 0) {
		unsigned nb, n, var = domain_var(k, &nb, &n);
		return domain_test(c, k, get_bits(bits, var, nb), m, NULL, NULL);
	}
	if (kv.fam >= 0 && (int)bits[V_FAM] != kv.fam)
		return false;
	uint8_t x[RS_VAL_MAX];
	get_bytes(bits, (unsigned)kv.var, kv.bits, x);
	return cmp_value(m, rs_key_len(k), x);
}

static bool point_rule(struct fw_ctx *c, const struct rs_rule *r, const uint8_t *bits)
{
	for (size_t i = 0; i < r->n_matches; i++)
		if (!point_match(c, &r->matches[i], bits))
			return false;
	return true;
}

/* ------------------------------------------------------------- findings */

static char *xstrdup(struct fw_ctx *c, const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		c->err = -ENOMEM;
	return d;
}

static const char *verdict_word(enum rs_verdict_code v)
{
	switch (v) {
	case RS_V_ACCEPT:
		return "accept";
	case RS_V_DROP:
		return "drop";
	case RS_V_JUMP:
		return "jump";
	case RS_V_GOTO:
		return "goto";
	case RS_V_RETURN:
		return "return";
	case RS_V_UNKNOWN:
		return "unsupported";
	default:
		return "continue";
	}
}

/* chain == NO_CHAIN / NO_INPUT_CHAIN: no base chain of the forward / local path filters the family */
#define NO_CHAIN UINT32_MAX
#define NO_INPUT_CHAIN (UINT32_MAX - 1)

/* rule == SIZE_MAX: the chain's policy; chain == NO_CHAIN, NO_INPUT_CHAIN: no chain */
static int add_rule(struct fw_ctx *c, struct an_vfinding *f, uint32_t chain, size_t rule, const char *verdict)
{
	char loc[512], text[1024], ch[256];
	struct an_vrule *v = realloc(f->rules, (f->n_rules + 1) * sizeof(*v));

	if (!v)
		return c->err = -ENOMEM;
	f->rules = v;
	v = &f->rules[f->n_rules++];
	memset(v, 0, sizeof(*v));
	if (chain == NO_CHAIN || chain == NO_INPUT_CHAIN) {
		snprintf(loc, sizeof(loc), "%s", c->rs->source);
		v->location = xstrdup(c, loc);
		v->chain = xstrdup(c, "(none)");
		v->text = xstrdup(c, chain == NO_CHAIN ? "no base chain on the forward hook for this address family: "
							 "the kernel forwards it unfiltered"
						       : "no base chain on the input hook for this address family: the "
							 "kernel delivers it to the firewall's own services unfiltered");
		v->verdict = "accept";
		return c->err;
	}
	rs_chain_describe(c->rs, chain, ch, sizeof(ch));
	v->chain = xstrdup(c, ch);
	if (rule == SIZE_MAX) {
		const struct rs_chain *cc = &c->rs->chains[chain];
		if (cc->line)
			snprintf(loc, sizeof(loc), "%s:%u", c->rs->source, cc->line);
		else
			snprintf(loc, sizeof(loc), "%s: chain %s policy", c->rs->source, ch);
		snprintf(text, sizeof(text), "policy %s", cc->policy == RS_POLICY_ACCEPT ? "accept" : "drop");
		v->location = xstrdup(c, loc);
		v->text = xstrdup(c, text);
		v->verdict = cc->policy == RS_POLICY_ACCEPT ? "policy accept" : "policy drop";
		return c->err;
	}
	rs_rule_location(c->rs, chain, rule, loc, sizeof(loc));
	rs_rule_format(c->rs, &c->rs->chains[chain].rules[rule], text, sizeof(text));
	v->location = xstrdup(c, loc);
	v->text = xstrdup(c, text);
	v->verdict = verdict ? verdict
			     : c->rs->chains[chain].rules[rule].has_vmap ? "vmap"
									 : verdict_word(c->rs->chains[chain].rules[rule].verdict.code);
	v->index = rule + 1;
	v->handle = c->rs->chains[chain].rules[rule].handle;
	return c->err;
}

/* A rule whose effect on a packet the model can't state exactly: a match
 * or verdict it can't express, or a translation (NAT changes what later
 * hooks see, and masquerade drops where the interface has no address). */
static bool dnat_modelled(const struct fw_ctx *c, uint32_t base, const struct rs_rule *r);

static bool rule_inexact(struct fw_ctx *c, uint32_t base, const struct rs_rule *r)
{
	if (r->unsupported || r->verdict.code == RS_V_UNKNOWN || (r->nat != RS_NAT_NONE && !dnat_modelled(c, base, r)) ||
	    (r->has_vmap && !match_sane(c, &r->vmap)))
		return true;
	for (size_t i = 0; i < r->n_matches; i++)
		if (r->matches[i].op == RS_OP_UNKNOWN || !match_sane(c, &r->matches[i]))
			return true;
	return false;
}

/*
 * What a base chain's rules see of a packet that differs from what it is:
 * in prerouting the output interface is not chosen yet (oifname is empty,
 * meta oif 0; in input there is none), and a chain there before conntrack's hook (priority -200)
 * finds no conntrack entry, which ct state calls invalid.  BDD_TRUE: the
 * packet as it is.
 */
enum { VIEW_NO_OIF = 1, VIEW_NO_CT = 2 };
#define PRI_CONNTRACK (-200) /* conntrack's prerouting hook (NF_IP_PRI_CONNTRACK) */

/* The priority a base chain runs at.  nat chains don't run at their own:
 * the kernel calls them all, in their priority order, from its nat hook
 * (nf_nat_inet_fn at NF_IP_PRI_NAT_DST, -100, in prerouting;
 * NF_IP_PRI_NAT_SRC, 100, in postrouting and input); by_hook_priority()
 * has the order of equal ones. */
#define PRI_NAT_DST (-100)
#define PRI_NAT_SRC 100
static int64_t run_priority(const struct rs_chain *ch)
{
	if (ch->type != RS_CHAIN_NAT)
		return ch->priority;
	return ch->hook == RS_HOOK_PREROUTING ? PRI_NAT_DST : PRI_NAT_SRC;
}

static bool is_dnat_chain(const struct rs_chain *ch)
{
	return ch->type == RS_CHAIN_NAT && ch->hook == RS_HOOK_PREROUTING;
}

static unsigned hook_view(const struct fw_ctx *c, uint32_t base)
{
	const struct rs_chain *ch = &c->rs->chains[base];

	if (ch->hook == RS_HOOK_INPUT)
		return VIEW_NO_OIF;
	if (ch->hook != RS_HOOK_PREROUTING)
		return 0;
	return VIEW_NO_OIF | (run_priority(ch) < PRI_CONNTRACK ? VIEW_NO_CT : 0);
}

/* ------------------------------------------------------------------ dnat */

static bool family_modelled(enum rs_family f);

/* A dnat the model translates: one constant target (rs_nat_target.exact),
 * reached from a nat chain of prerouting, of a family the table has. */
static bool dnat_modelled(const struct fw_ctx *c, uint32_t base, const struct rs_rule *r)
{
	const struct rs_chain *ch = &c->rs->chains[base];
	enum rs_family f = c->rs->tables[ch->table].family;

	return r->nat == RS_NAT_DNAT && r->nat_to.exact && !r->has_vmap && is_dnat_chain(ch) && family_modelled(f) &&
	       (f == RS_FAMILY_INET || (f == RS_FAMILY_IP6) == (r->nat_to.family == 6));
}

static void set_bits(uint8_t *bits, unsigned var, unsigned n, unsigned value);

/* The record of a dnat rule, made on first use: where it sends packets
 * (address, port, and the interface towards the address: the lowest-
 * numbered one facing an area that holds it, none for the firewall's own
 * addresses, IF_OTHER when no interface faces it). */
static struct dnat_rec *dnat_rec(struct fw_ctx *c, uint32_t chain, size_t rule)
{
	for (size_t i = 0; i < c->n_dn; i++)
		if (c->dn[i].chain == chain && c->dn[i].rule == rule)
			return &c->dn[i];
	if (!c->dn)
		return NULL;
	struct dnat_rec *d = &c->dn[c->n_dn++];
	const struct rs_nat_target *t = &c->rs->chains[chain].rules[rule].nat_to;
	struct bdd *m = c->m;
	uint8_t bits[N_VARS] = {0};

	d->chain = chain;
	d->rule = rule;
	bits[V_FAM] = t->family == 6;
	for (unsigned i = 0; i < (t->family == 6 ? 128u : 32u); i++)
		bits[V_DADDR + i] = (uint8_t)((t->addr[i / 8] >> (7 - i % 8)) & 1);
	d->oif = IF_OTHER;
	if (bdd_member(m, c->own, bits))
		d->oif = IF_NONE;
	else
		for (size_t j = 0; j < c->fw->n_ifaces && d->oif == IF_OTHER; j++)
			for (size_t k = 0; k < c->fw->ifaces[j].n_faces && d->oif == IF_OTHER; k++)
				for (size_t a = 0; a < c->n_areas; a++)
					if (topo_site_area(c->site, a) == c->fw->ifaces[j].faces[k] &&
					    bdd_member(m, c->dst_in[a], bits))
						d->oif = (unsigned)j;
	d->to = bdd_and(m, bdd_and(m, c->fam[t->family == 6], bdd_match(m, V_DADDR, t->family == 6 ? 128 : 32, t->addr, NULL)),
			bdd_and(m, bdd_uint(m, V_OIF, IF_BITS, d->oif), bdd_uint(m, V_DNAT, 1, 1)));
	if (t->has_port)
		d->to = bdd_and(m, d->to, bdd_uint(m, V_DPORT, 16, t->port));
	return d;
}

/* The packets hit, translated by rule (chain, rule); *rest: those of the
 * other family, which the rule leaves alone (nft_nat_inet_eval). */
static bdd_t translate(struct fw_ctx *c, uint32_t chain, size_t rule, bdd_t hit, bdd_t *rest, bool record)
{
	struct bdd *m = c->m;
	const struct rs_nat_target *t = &c->rs->chains[chain].rules[rule].nat_to;
	struct dnat_rec *d = dnat_rec(c, chain, rule);
	bdd_t fh = bdd_and(m, hit, c->fam[t->family == 6]);

	*rest = bdd_diff(m, hit, fh);
	if (!d) {
		c->err = -ENOMEM;
		return BDD_FALSE;
	}
	bdd_t img = bdd_and(m, bdd_exists(m, fh, t->has_port ? c->dnat_qp : c->dnat_q), d->to);
	if (record) {
		d->hit = bdd_or(m, d->hit, fh);
		d->image = bdd_or(m, d->image, img);
	}
	return img;
}

/* The same for one packet: true when the rule translated it. */
static bool translate_point(struct fw_ctx *c, uint32_t chain, size_t rule, uint8_t *pk)
{
	const struct rs_nat_target *t = &c->rs->chains[chain].rules[rule].nat_to;
	struct dnat_rec *d;

	if (pk[V_FAM] != (t->family == 6) || !(d = dnat_rec(c, chain, rule)))
		return false;
	for (unsigned i = 0; i < (t->family == 6 ? 128u : 32u); i++)
		pk[V_DADDR + i] = (uint8_t)((t->addr[i / 8] >> (7 - i % 8)) & 1);
	if (t->has_port)
		set_bits(pk, V_DPORT, 16, t->port);
	set_bits(pk, V_OIF, IF_BITS, d->oif);
	pk[V_DNAT] = 1;
	return true;
}

/* the view as a cube, for the set walk */
static bdd_t hook_cube(const struct fw_ctx *c, uint32_t base)
{
	unsigned v = hook_view(c, base);

	return v & VIEW_NO_CT ? c->raw_cube : v & VIEW_NO_OIF ? c->pre_cube : BDD_TRUE;
}

static void set_bits(uint8_t *bits, unsigned var, unsigned n, unsigned value)
{
	for (unsigned i = 0; i < n; i++)
		bits[var + i] = (uint8_t)((value >> (n - 1 - i)) & 1);
}

/*
 * Follows one concrete packet through a base chain: the rule (or policy)
 * that decided it goes into f.  Returns true when it was accepted.
 */
static bool trace_chain(struct fw_ctx *c, uint32_t base, uint8_t *packet, struct an_vfinding *f)
{
	uint8_t bits[N_VARS];

	if (is_dnat_chain(&c->rs->chains[base]) && packet[V_DNAT])
		return true; /* translated already: the kernel skips the other nat chains */
	unsigned view = hook_view(c, base);
	memcpy(bits, packet, sizeof(bits));
	if (view & VIEW_NO_OIF)
		set_bits(bits, V_OIF, IF_BITS, IF_NONE);
	if (view & VIEW_NO_CT)
		set_bits(bits, V_CT, 3, CT_INVALID);

	struct frame {
		uint32_t chain;
		size_t next;
		unsigned level;
	} stack[MAX_DEPTH + 1];
	unsigned depth = 0, level = 0; /* jumps on the stack; jumps and gotos from the base chain */
	uint32_t ci = base;
	size_t i = 0;

	for (;;) {
		const struct rs_chain *ch = &c->rs->chains[ci];
		if (i >= ch->n_rules) {
			if (depth == 0) {
				add_rule(c, f, base, SIZE_MAX, NULL);
				return c->rs->chains[base].policy == RS_POLICY_ACCEPT;
			}
			depth--;
			ci = stack[depth].chain;
			i = stack[depth].next;
			level = stack[depth].level;
			continue;
		}
		const struct rs_rule *r = &ch->rules[i++];
		if (!point_rule(c, r, bits))
			continue;
		if (rule_inexact(c, base, r))
			c->trace_approx = true;
		struct rs_verdict v = r->verdict;
		if (r->has_vmap) {
			v.code = RS_V_CONTINUE;
			if (match_sane(c, &r->vmap)) {
				const struct rs_set *s = &c->rs->sets[r->vmap.set];
				for (size_t e = 0; e < s->n_elems; e++)
					if (bdd_member(c->m, elem_bdd(c, &r->vmap, &s->elems[e]), bits)) {
						v = s->elems[e].verdict;
						break;
					}
			}
		}
		bool unknown = r->unsupported || v.code == RS_V_UNKNOWN;
		if (v.code == RS_V_ACCEPT && dnat_modelled(c, base, r)) {
			if (!translate_point(c, ci, i - 1, packet))
				continue; /* the other family: the rule does nothing */
			add_rule(c, f, ci, i - 1, "dnat");
			return true;
		}
		switch (v.code) {
		case RS_V_CONTINUE:
			break;
		case RS_V_DROP:
			if (unknown)
				break; /* assumed not to drop (see the top of this file) */
			add_rule(c, f, ci, i - 1, NULL);
			return false;
		case RS_V_ACCEPT:
		case RS_V_UNKNOWN:
			add_rule(c, f, ci, i - 1, "accept");
			return true;
		case RS_V_RETURN:
			if (depth == 0)
				i = ch->n_rules;
			else {
				depth--;
				ci = stack[depth].chain;
				i = stack[depth].next;
				level = stack[depth].level;
			}
			break;
		case RS_V_JUMP:
		case RS_V_GOTO:
			if (v.chain >= c->rs->n_chains || level >= MAX_DEPTH) {
				c->trace_approx = true;
				add_rule(c, f, ci, i - 1, "accept");
				return true;
			}
			if (v.code == RS_V_JUMP)
				stack[depth++] = (struct frame){ci, i, level};
			level++; /* a goto replaces the frame, but the kernel's depth counts it */
			ci = v.chain;
			i = 0;
			break;
		}
	}
}

static bool is_local(const uint8_t *bits)
{
	return get_bits(bits, V_OIF, IF_BITS) == IF_NONE;
}

/* Returns true when the packet passes every base chain of its path: to
 * the firewall itself (no output interface) prerouting and input, else
 * prerouting, forward and postrouting. */
static bool trace_path(struct fw_ctx *c, const uint32_t *path, size_t n, bool pre, uint8_t *pk, struct an_vfinding *f,
		       size_t *walked)
{
	for (size_t i = 0; i < n; i++) {
		const struct rs_chain *ch = &c->rs->chains[path[i]];
		const struct rs_table *t = &c->rs->tables[ch->table];
		if ((ch->hook == RS_HOOK_PREROUTING) != pre)
			continue;
		if ((t->family == RS_FAMILY_IP && pk[V_FAM]) || (t->family == RS_FAMILY_IP6 && !pk[V_FAM]))
			continue;
		(*walked)++;
		if (!trace_chain(c, path[i], pk, f))
			return false;
	}
	return true;
}

/* Prerouting (where a dnat may change the destination and with it the
 * path), then to the firewall itself (no output interface) input, else
 * forward and postrouting.  Returns true when the packet passes every
 * base chain; out (if not NULL) gets the packet as it leaves. */
static bool trace_out(struct fw_ctx *c, const uint8_t *bits, struct an_vfinding *f, uint8_t *out)
{
	uint8_t pk[N_VARS];
	size_t walked = 0;
	bool ok;

	memcpy(pk, bits, sizeof(pk));
	ok = trace_path(c, c->fwd, c->n_fwd, true, pk, f, &walked);
	bool local = is_local(pk);
	if (ok)
		ok = local ? trace_path(c, c->loc, c->n_loc, false, pk, f, &walked)
			   : trace_path(c, c->fwd, c->n_fwd, false, pk, f, &walked);
	if (ok && !walked)
		add_rule(c, f, local ? NO_INPUT_CHAIN : NO_CHAIN, 0, NULL);
	if (out)
		memcpy(out, pk, sizeof(pk));
	return ok;
}

static bool trace(struct fw_ctx *c, const uint8_t *bits, struct an_vfinding *f)
{
	return trace_out(c, bits, f, NULL);
}

static void decode_packet(struct fw_ctx *c, const uint8_t *bits, struct an_vpacket *p);
static bdd_t prefer(struct fw_ctx *c, bdd_t s, bdd_t p);

/* A translated packet (V_DNAT set) as it arrived, before the dnat rule
 * that made it: one of that rule's hits with all the translation keeps. */
static bool packet_origin(struct fw_ctx *c, const uint8_t *bits, uint8_t *orig)
{
	struct bdd *m = c->m;

	memcpy(orig, bits, N_VARS);
	if (!bits[V_DNAT])
		return false;
	for (size_t k = 0; k < c->n_dn; k++) {
		const struct dnat_rec *d = &c->dn[k];
		if (!bdd_member(m, d->image, bits))
			continue;
		int8_t lit[N_VARS];
		for (unsigned v = 0; v < N_VARS; v++)
			lit[v] = (int8_t)bits[v];
		lit[V_DNAT] = -1;
		memset(lit + V_DADDR, -1, 128);
		memset(lit + V_OIF, -1, IF_BITS);
		if (c->rs->chains[d->chain].rules[d->rule].nat_to.has_port)
			memset(lit + V_DPORT, -1, 16);
		bdd_t s = bdd_and(m, d->hit, bdd_cube(m, lit));
		s = prefer(c, s, c->own);
		s = prefer(c, s, bdd_not(m, bdd_and(m, c->fam[0], bdd_or(m, bdd_or(m, bdd_uint(m, V_DADDR, 8, 0),
									bdd_uint(m, V_DADDR, 8, 127)),
								  bdd_uint(m, V_DADDR, 3, 7)))));
		if (bdd_pick(m, s, orig))
			return true;
	}
	return false;
}

/* The trace of a finding's example, from where it was sent. */
static void trace_example(struct fw_ctx *c, const uint8_t *bits, struct an_vfinding *f)
{
	uint8_t orig[N_VARS];

	if (packet_origin(c, bits, orig)) {
		struct an_vpacket o;
		decode_packet(c, orig, &o);
		f->example.has_orig = true;
		f->example.orig_dst = o.dst;
		f->example.orig_dport = o.dport;
	}
	trace(c, orig, f);
}

static bool proto_has_ports(unsigned p)
{
	return p == 6 || p == 17 || p == 132 || p == 33;
}

static void decode_packet(struct fw_ctx *c, const uint8_t *bits, struct an_vpacket *p)
{
	memset(p, 0, sizeof(*p));
	p->family = bits[V_FAM] ? 6 : 4;
	p->proto = (uint8_t)get_bits(bits, V_PROTO, 8);
	p->src.family = p->dst.family = p->family;
	get_bytes(bits, V_SADDR, p->family == 4 ? 32 : 128, p->src.bytes);
	get_bytes(bits, V_DADDR, p->family == 4 ? 32 : 128, p->dst.bytes);
	p->sport = p->dport = p->icmp_type = p->icmp_code = -1;
	if (proto_has_ports(p->proto)) {
		p->sport = (int)get_bits(bits, V_SPORT, 16);
		p->dport = (int)get_bits(bits, V_DPORT, 16);
	} else if (p->proto == 1 || p->proto == 58) {
		p->icmp_type = (int)get_bits(bits, V_SPORT, 8);
		p->icmp_code = (int)get_bits(bits, V_SPORT + 8, 8);
	}
	unsigned iif = get_bits(bits, V_IIF, IF_BITS), oif = get_bits(bits, V_OIF, IF_BITS);
	snprintf(p->iif, sizeof(p->iif), "%s", iif < c->fw->n_ifaces ? c->fw->ifaces[iif].name : "?");
	snprintf(p->oif, sizeof(p->oif), "%s", oif < c->fw->n_ifaces ? c->fw->ifaces[oif].name : oif == IF_NONE ? "" : "?");
	get_bytes(bits, V_SMAC, 48, p->smac);
	p->src_zone = topo_site_lookup_area(c->site, &p->src);
	p->dst_zone = topo_site_lookup_area(c->site, &p->dst);
	p->src_host = topo_site_lookup_host_ip(c->site, &p->src);
	p->dst_host = topo_site_lookup_host_ip(c->site, &p->dst);
}

/* Narrows s by each preference that keeps it non-empty, then picks. */
static bdd_t prefer(struct fw_ctx *c, bdd_t s, bdd_t p)
{
	bdd_t t = bdd_and(c->m, s, p);
	return t != BDD_FALSE ? t : s;
}

static bdd_t prefix_bdd(struct fw_ctx *c, unsigned var, const struct topo_addr *a, unsigned len)
{
	uint8_t mask[16] = {0};
	unsigned fam = a->family == 6;

	for (unsigned i = 0; i < len && i < 128; i++)
		mask[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	return bdd_and(c->m, c->fam[fam], bdd_match(c->m, var, fam ? 128 : 32, a->bytes, mask));
}

static bdd_t hosts_in(struct fw_ctx *c, const struct topo_area *a, unsigned var)
{
	bdd_t r = BDD_FALSE;

	for (size_t i = 0; i < topo_site_n_hosts(c->site); i++) {
		const struct topo_host *h = topo_site_host(c->site, i);
		if (h->role == TOPO_ROLE_GATEWAY)
			continue; /* its addresses are everywhere; an end host reads better */
		for (size_t j = 0; j < h->n_ips; j++) {
			if (a && topo_site_lookup_area(c->site, &h->ips[j]) != a)
				continue;
			r = bdd_or(c->m, r, prefix_bdd(c, var, &h->ips[j], h->ips[j].family == 6 ? 128 : 32));
		}
	}
	return r;
}

/* A readable member of s: IPv4, declared hosts, TCP to a well-known port
 * from an ephemeral one, an ICMP echo request. */
static bool pick_example(struct fw_ctx *c, bdd_t s, const struct topo_area *a, const struct topo_area *b,
			 struct an_vpacket *p, uint8_t *bits)
{
	static const uint16_t ports[] = {443, 80, 22, 3389, 445, 25, 53, 8080};
	static const uint8_t web4[4] = {93, 184, 216, 34};
	static const uint8_t web6[16] = {0x26, 0x06, 0x28, 0x00, 0x02, 0x1f, 0xcb, 0x07,
					 0x68, 0x20, 0x80, 0xda, 0xaf, 0x6b, 0x8b, 0x2c};
	static const uint8_t one6[16] = {[15] = 1};
	static const uint8_t low64[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct bdd *m = c->m;
	uint8_t lo[2] = {0xc0, 0x00}, hi[2] = {0xff, 0xff}, one[2] = {0, 1};

	if (s == BDD_FALSE)
		return false;
	s = prefer(c, s, c->fam[0]);
	s = prefer(c, s, c->dnat0); /* sent as it is, if it can be */
	s = prefer(c, s, hosts_in(c, a, V_SADDR));
	s = prefer(c, s, hosts_in(c, b, V_DADDR));
	s = prefer(c, s, bdd_and(m, c->fam[0], bdd_match(m, V_SADDR, 32, web4, NULL)));
	s = prefer(c, s, bdd_and(m, c->fam[0], bdd_match(m, V_DADDR, 32, web4, NULL)));
	s = prefer(c, s, bdd_and(m, c->fam[1], bdd_match(m, V_SADDR, 128, web6, NULL)));
	s = prefer(c, s, bdd_and(m, c->fam[1], bdd_match(m, V_DADDR, 128, web6, NULL)));
	/* IPv6: an address the kernel forwards (global unicast 2000::/3 or
	 * unique local fc00::/7, not ::2), host ::1 of its prefix */
	s = prefer(c, s, bdd_or(m, c->fam[0], bdd_or(m, bdd_uint(m, V_SADDR, 3, 1), bdd_uint(m, V_SADDR, 7, 0x7e))));
	s = prefer(c, s, bdd_or(m, c->fam[0], bdd_or(m, bdd_uint(m, V_DADDR, 3, 1), bdd_uint(m, V_DADDR, 7, 0x7e))));
	s = prefer(c, s, bdd_or(m, c->fam[0], bdd_match(m, V_SADDR, 128, one6, low64)));
	s = prefer(c, s, bdd_or(m, c->fam[0], bdd_match(m, V_DADDR, 128, one6, low64)));
	/* not a network address: x.y.z.0 */
	s = prefer(c, s, bdd_not(m, bdd_and(m, c->fam[0], bdd_uint(m, V_SADDR + 24, 8, 0))));
	s = prefer(c, s, bdd_not(m, bdd_and(m, c->fam[0], bdd_uint(m, V_DADDR + 24, 8, 0))));
	s = prefer(c, s, bdd_uint(m, V_PROTO, 8, 6));
	s = prefer(c, s, bdd_or(m, bdd_uint(m, V_PROTO, 8, 17), bdd_uint(m, V_PROTO, 8, 6)));
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		bdd_t t = bdd_and(m, s, bdd_uint(m, V_DPORT, 16, ports[i]));
		if (t != BDD_FALSE) {
			s = t;
			break;
		}
	}
	s = prefer(c, s, bdd_range(m, V_DPORT, 16, one, hi));
	s = prefer(c, s, bdd_range(m, V_SPORT, 16, lo, hi));
	s = prefer(c, s, bdd_or(m, bdd_not(m, bdd_uint(m, V_PROTO, 8, 1)), bdd_uint(m, V_SPORT, 8, 8)));
	s = prefer(c, s, bdd_or(m, bdd_not(m, bdd_uint(m, V_PROTO, 8, 58)), bdd_uint(m, V_SPORT, 8, 128)));
	/* a MAC that is nobody's: the documentation range of RFC 7042 */
	static const uint8_t doc_mac[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x01};
	s = prefer(c, s, bdd_match(m, V_SMAC, 48, doc_mac, NULL));
	if (!bdd_pick(m, s, bits))
		return false;
	decode_packet(c, bits, p);
	return true;
}

/* "10.10.1.1 mn-pc-01", "fd00:10::1:1 mn-pc-01"; an IPv6 address with no
 * host name after it in brackets when a port follows ("[2001:db8::1]:443") */
static void describe_side(const struct topo_addr *ip, const struct topo_host *h, bool port, char *buf, size_t len)
{
	char s[TOPO_ADDR_STRLEN];

	if (h)
		snprintf(buf, len, "%s %s", topo_addr_format(ip, s), h->name);
	else if (port && ip->family == 6)
		snprintf(buf, len, "[%s]", topo_addr_format(ip, s));
	else
		snprintf(buf, len, "%s", topo_addr_format(ip, s));
}

void an_describe_vpacket(const struct an_vpacket *p, char *buf, size_t len)
{
	char s[96], d[96], o[TOPO_ADDR_STRLEN + 16] = "";

	describe_side(&p->src, p->src_host, p->dport >= 0, s, sizeof(s));
	describe_side(&p->dst, p->dst_host, p->dport >= 0, d, sizeof(d));
	/* through a dnat: sent to the original destination, reaching dst —
	 * "tcp 192.0.2.1:49152 → 198.51.100.80:8022 (dnat → 10.10.2.1 mn-srv-01:22)" */
	if (p->has_orig) {
		char a[TOPO_ADDR_STRLEN];
		topo_addr_format(&p->orig_dst, a);
		if (p->orig_dport >= 0)
			snprintf(o, sizeof(o), p->orig_dst.family == 6 ? "[%s]:%d" : "%s:%d", a, p->orig_dport);
		else
			snprintf(o, sizeof(o), "%s", a);
	}
	if (p->has_orig && p->dport >= 0)
		snprintf(buf, len, "%s %s:%d → %s (dnat → %s:%d)", an_proto_name(p->proto), s, p->sport, o, d, p->dport);
	else if (p->has_orig && p->icmp_type >= 0)
		snprintf(buf, len, "%s type %d %s → %s (dnat → %s)", an_proto_name(p->proto), p->icmp_type, s, o, d);
	else if (p->has_orig)
		snprintf(buf, len, "%s %s → %s (dnat → %s)", an_proto_name(p->proto), s, o, d);
	else if (p->dport >= 0)
		snprintf(buf, len, "%s %s:%d → %s:%d", an_proto_name(p->proto), s, p->sport, d, p->dport);
	else if (p->icmp_type >= 0)
		snprintf(buf, len, "%s type %d %s → %s", an_proto_name(p->proto), p->icmp_type, s, d);
	else
		snprintf(buf, len, "%s %s → %s", an_proto_name(p->proto), s, d);
}

static struct an_vfinding *new_finding(struct fw_ctx *c, enum an_check check, const char *key)
{
	struct an_vreport *r = c->report;

	if (key) {
		if (json_object_get(r->seen, key))
			return NULL;
		if (json_object_set_new(r->seen, key, json_true()) < 0) {
			c->err = -ENOMEM;
			return NULL;
		}
	}
	r->counts[check]++;
	if (r->n_findings >= r->max_findings) {
		r->not_kept++;
		return NULL;
	}
	if (r->n_findings == r->cap_findings) {
		size_t ncap = r->cap_findings ? r->cap_findings * 2 : 64;
		struct an_vfinding **v = realloc(r->findings, ncap * sizeof(*v));
		if (!v) {
			c->err = -ENOMEM;
			return NULL;
		}
		r->findings = v;
		r->cap_findings = ncap;
	}
	struct an_vfinding *f = calloc(1, sizeof(*f));
	if (!f) {
		c->err = -ENOMEM;
		return NULL;
	}
	f->check = check;
	f->fw = c->fw;
	r->findings[r->n_findings++] = f;
	return f;
}

__attribute__((format(printf, 3, 4))) static void set_message(struct fw_ctx *c, char **dst, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	*dst = xstrdup(c, buf);
}

/* the last rule a trace named: the one that decided */
static const char *last_location(const struct an_vfinding *f)
{
	return f->n_rules ? f->rules[f->n_rules - 1].location : "?";
}

/* Where an accepting point is, for messages. */
static char *point_location(struct fw_ctx *c, uint32_t chain, size_t rule, char *buf, size_t len)
{
	char ch[256];

	if (chain == NO_CHAIN)
		snprintf(buf, len, "%s (no forward chain for this address family)", c->rs->source);
	else if (chain == NO_INPUT_CHAIN)
		snprintf(buf, len, "%s (no input chain for this address family)", c->rs->source);
	else if (rule == SIZE_MAX)
		snprintf(buf, len, "the policy of %s", rs_chain_describe(c->rs, chain, ch, sizeof(ch)));
	else
		rs_rule_location(c->rs, chain, rule, buf, len);
	return buf;
}

static bdd_t area_bdd(struct fw_ctx *c, const struct topo_area *a, unsigned var);

static void open_finding(struct fw_ctx *c, const struct pair *p, uint32_t chain, size_t rule, bdd_t s)
{
	char key[128], pk[512], loc[512];
	uint8_t bits[N_VARS];

	point_location(c, chain, rule, loc, sizeof(loc));
	snprintf(key, sizeof(key), "%u|%s|%s|%s%s|%u|%zu", c->fw->index, an_check_id(p->check), p->a->name,
		 p->local ? "(self)" : "", p->b->name, chain, rule);
	struct an_vfinding *f = new_finding(c, p->check, key);
	if (!f)
		return;
	f->src_zone = p->a;
	f->dst_zone = p->b;
	if (p->local) /* one of its addresses in its own zone */
		s = prefer(c, s, area_bdd(c, p->b, V_DADDR));
	f->has_example = pick_example(c, s, p->a, p->b, &f->example, bits);
	if (f->has_example)
		trace_example(c, bits, f);
	else
		add_rule(c, f, chain, rule, NULL);
	an_describe_vpacket(&f->example, pk, sizeof(pk));
	if (p->local) {
		set_message(c, &f->message, "%s accepts new connections from %s to itself (its own addresses, the input hook) beyond the declared service flows, e.g. %s arriving on %s; accepted by %s",
			    c->fw->name, p->a->name, pk, f->example.iif, loc);
		set_message(c, &f->message_ja, "%s が %s からファイアウォール自身 (自身のアドレス、input フック) への宣言されていない新規接続を許可しています。例: %s (%s から受信)。許可している規則: %s",
			    c->fw->name, p->a->name, pk, f->example.iif, loc);
		return;
	}
	set_message(c, &f->message, "%s accepts new connections from %s to %s beyond the declared flows, e.g. %s via %s → %s; accepted by %s",
		    c->fw->name, p->a->name, p->b->name, pk, f->example.iif, f->example.oif, loc);
	set_message(c, &f->message_ja, "%s が %s から %s への宣言されていない新規接続を許可しています。例: %s (%s → %s)。許可している規則: %s",
		    c->fw->name, p->a->name, p->b->name, pk, f->example.iif, f->example.oif, loc);
}

static void broad_finding(struct fw_ctx *c, const struct exc *e, uint32_t chain, size_t rule, bdd_t x)
{
	char key[128], pk[512], what[160] = "", loc[512];
	uint8_t bits[N_VARS];
	struct bdd *m = c->m;
	point_location(c, chain, rule, loc, sizeof(loc));
	bool mac_and_ip = topo_site_pinning(c->site) == TOPO_PIN_MAC_AND_IP;

	snprintf(key, sizeof(key), "%u|broad|%u|%u|%zu", c->fw->index, e->flow->index, chain, rule);
	struct an_vfinding *f = new_finding(c, AN_CHECK_RULESET_EXCEPTION_TOO_BROAD, key);
	if (!f)
		return;
	f->flow = e->flow;
	/* what it lets through besides the exception */
	bdd_t other_dst = bdd_diff(m, x, e->dst);
	bdd_t other_svc = bdd_diff(m, bdd_and(m, x, e->dst), e->service);
	bdd_t other_src = bdd_diff(m, x, mac_and_ip || e->pin_mac == BDD_TRUE ? e->pin_ip : bdd_or(m, e->pin_ip, e->pin_mac));
	struct {
		bdd_t s;
		const char *en;
	} parts[] = {{other_src, "other source addresses"},
		     {other_dst, "other destinations"},
		     {other_svc, "other protocols or ports"}};
	bdd_t ex = BDD_FALSE;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i].s != BDD_FALSE) {
			snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%s", what[0] ? ", " : "", parts[i].en);
			if (ex == BDD_FALSE)
				ex = parts[i].s;
		}
	if (ex == BDD_FALSE)
		ex = x;
	const struct topo_area *a = e->flow->from.type == TOPO_EP_HOST ? e->flow->from.host->zone : e->flow->from.area;
	f->has_example = pick_example(c, ex, a, NULL, &f->example, bits);
	f->example.has_mac = true;
	if (f->has_example) {
		f->src_zone = f->example.src_zone;
		f->dst_zone = f->example.dst_zone;
		trace_example(c, bits, f);
	} else
		add_rule(c, f, chain, rule, NULL);
	an_describe_vpacket(&f->example, pk, sizeof(pk));
	char mac[TOPO_MAC_STRLEN];
	topo_mac_format(f->example.smac, mac);
	set_message(c, &f->message, "%s: the rule carrying exception %s also accepts %s, e.g. %s from MAC %s; rule %s",
		    c->fw->name, e->flow->name, what, pk, mac, loc);
	set_message(c, &f->message_ja, "%s: 例外 %s を通す規則がそれ以外 (%s) も許可しています。例: %s (送信元 MAC %s)。規則: %s",
		    c->fw->name, e->flow->name, what, pk, mac, loc);
}

/* The rule carrying exception e pins its addresses and ports exactly but
 * not the initiator's MAC, though it arrives on an interface facing the
 * host's own segment (y: those packets from other MACs). */
static void nomac_finding(struct fw_ctx *c, const struct exc *e, uint32_t chain, size_t rule, bdd_t y)
{
	char key[128], pk[512], loc[512], mac[TOPO_MAC_STRLEN];
	uint8_t bits[N_VARS];

	point_location(c, chain, rule, loc, sizeof(loc));
	snprintf(key, sizeof(key), "%u|nomac|%u|%u|%zu", c->fw->index, e->flow->index, chain, rule);
	struct an_vfinding *f = new_finding(c, AN_CHECK_RULESET_EXCEPTION_NO_MAC, key);
	if (!f)
		return;
	f->flow = e->flow;
	const struct topo_area *a = e->flow->from.type == TOPO_EP_HOST ? e->flow->from.host->zone : e->flow->from.area;
	f->has_example = pick_example(c, y, a, NULL, &f->example, bits);
	f->example.has_mac = true;
	if (f->has_example) {
		f->src_zone = f->example.src_zone;
		f->dst_zone = f->example.dst_zone;
		trace_example(c, bits, f);
	} else
		add_rule(c, f, chain, rule, NULL);
	an_describe_vpacket(&f->example, pk, sizeof(pk));
	topo_mac_format(f->example.smac, mac);
	const char *who = e->flow->from.type == TOPO_EP_HOST ? e->flow->from.host->name : a ? a->name : "?";
	set_message(c, &f->message,
		    "%s: the rule carrying exception %s pins addresses and ports but not the source MAC, though %s's packets arrive on %s, "
		    "which faces %s itself (ether saddr / -m mac --mac-source could pin it), e.g. %s from MAC %s; rule %s",
		    c->fw->name, e->flow->name, who, f->example.iif, a ? a->name : "?", pk, mac, loc);
	set_message(c, &f->message_ja,
		    "%s: 例外 %s を通す規則は IP アドレスとポートを限定していますが送信元 MAC を限定していません。%s の通信は %s に面した %s から届くため "
		    "ether saddr / -m mac --mac-source で限定できます。例: %s (送信元 MAC %s)。規則: %s",
		    c->fw->name, e->flow->name, who, a ? a->name : "?", f->example.iif, pk, mac, loc);
}

static void blocked_finding(struct fw_ctx *c, const struct topo_flow *fl, bdd_t s)
{
	char pk[512];
	uint8_t bits[N_VARS];
	struct an_vfinding *f = new_finding(c, AN_CHECK_RULESET_FLOW_BLOCKED, NULL);

	if (!f)
		return;
	f->flow = fl;
	f->has_example = pick_example(c, s, NULL, NULL, &f->example, bits);
	if (f->has_example) {
		f->src_zone = f->example.src_zone;
		f->dst_zone = f->example.dst_zone;
		trace_example(c, bits, f);
	}
	an_describe_vpacket(&f->example, pk, sizeof(pk));
	const char *oif = f->example.oif[0] ? f->example.oif : "itself";
	set_message(c, &f->message, "%s does not let declared flow %s through, e.g. %s via %s → %s is dropped by %s",
		    c->fw->name, fl->name, pk, f->example.iif, oif, last_location(f));
	set_message(c, &f->message_ja, "%s が宣言済みの通信 %s を通しません。例: %s (%s → %s) は %s で破棄されます",
		    c->fw->name, fl->name, pk, f->example.iif, f->example.oif[0] ? f->example.oif : "自身", last_location(f));
}

/* ----------------------------------------------------------------- walks */

enum walk_mode {
	W_PASS,
	W_ATTRIBUTE,
	W_WITNESS, /* the kernel differential test: packets picked at every rule */
};

struct walk {
	struct fw_ctx *c;
	enum walk_mode mode;
	bdd_t acc; /* accepted in the base chain being walked */
	bdd_t cube; /* hook_cube() of that chain */
	uint32_t base; /* that chain */
	struct probe_points *points; /* W_WITNESS */
};

static void on_accept(struct walk *w, uint32_t chain, size_t rule, bdd_t hit)
{
	struct fw_ctx *c = w->c;
	struct bdd *m = c->m;

	if (w->mode != W_ATTRIBUTE)
		return;
	if (bdd_and(m, hit, c->bad_all) != BDD_FALSE)
		for (size_t i = 0; i < c->n_pairs; i++) {
			bdd_t f = bdd_and(m, hit, c->pairs[i].bad);
			if (f != BDD_FALSE)
				open_finding(c, &c->pairs[i], chain, rule, f);
		}
	for (size_t i = 0; i < c->n_excs; i++) {
		const struct exc *e = &c->excs[i];
		if (bdd_and(m, hit, e->carry) == BDD_FALSE)
			continue;
		bdd_t x = bdd_diff(m, bdd_and(m, hit, c->passed), e->allowed);
		if (x != BDD_FALSE)
			broad_finding(c, e, chain, rule, x);
		else if (e->nomac != BDD_FALSE) {
			bdd_t y = bdd_and(m, bdd_and(m, hit, c->passed), e->nomac);
			if (y != BDD_FALSE)
				nomac_finding(c, e, chain, rule, y);
		}
	}
}

static bdd_t walk_chain(struct walk *w, uint32_t ci, bdd_t in, unsigned depth);
static void on_witness(struct walk *w, uint32_t chain, size_t rule, bdd_t hit);

/* hit: packets the rule (or map element) decided, all in *s */
static void apply(struct walk *w, uint32_t ci, size_t ri, struct rs_verdict v, bdd_t hit, bdd_t *s, bdd_t *ret,
		  bdd_t *sub, unsigned depth)
{
	struct fw_ctx *c = w->c;
	struct bdd *m = c->m;

	switch (v.code) {
	case RS_V_CONTINUE:
		return;
	case RS_V_UNKNOWN:
	case RS_V_ACCEPT:
		if (v.code == RS_V_ACCEPT && ri < c->rs->chains[ci].n_rules &&
		    dnat_modelled(c, w->base, &c->rs->chains[ci].rules[ri])) {
			bdd_t rest, img = translate(c, ci, ri, hit, &rest, c->record);
			w->acc = bdd_or(m, w->acc, img);
			*s = bdd_diff(m, *s, bdd_diff(m, hit, rest));
			return;
		}
		w->acc = bdd_or(m, w->acc, hit);
		on_accept(w, ci, ri, hit);
		break;
	case RS_V_DROP:
		break;
	case RS_V_RETURN:
		*ret = bdd_or(m, *ret, hit);
		break;
	case RS_V_JUMP:
	case RS_V_GOTO:
		*s = bdd_diff(m, *s, hit);
		if (v.chain >= c->rs->n_chains || depth >= MAX_DEPTH) {
			c->too_deep = true; /* a loop the kernel would refuse: assume accepted */
			w->acc = bdd_or(m, w->acc, hit);
			on_accept(w, ci, ri, hit);
			return;
		}
		*sub = walk_chain(w, v.chain, hit, depth + 1);
		if (v.code == RS_V_JUMP)
			*s = bdd_or(m, *s, *sub);
		else
			*ret = bdd_or(m, *ret, *sub);
		return;
	}
	*s = bdd_diff(m, *s, hit);
}

/* Walks chain ci with the packets `in`; returns those that fall off its
 * end or return.  Accepted ones go to w->acc. */
static bdd_t walk_chain(struct walk *w, uint32_t ci, bdd_t in, unsigned depth)
{
	struct fw_ctx *c = w->c;
	struct bdd *m = c->m;
	const struct rs_chain *ch = &c->rs->chains[ci];
	bdd_t s = in, ret = BDD_FALSE, hit = BDD_FALSE, e = BDD_FALSE, sub = BDD_FALSE;
	size_t mark = bdd_root_mark(m);

	bdd_root_push(m, &s);
	bdd_root_push(m, &ret);
	bdd_root_push(m, &hit);
	bdd_root_push(m, &e);
	bdd_root_push(m, &sub);
	for (size_t i = 0; i < ch->n_rules; i++) {
		const struct rs_rule *r = &ch->rules[i];
		bool unknown;

		c->rflags[ci][i] |= RF_VISITED;
		if (s == BDD_FALSE || bdd_full(m))
			continue;
		bdd_maybe_gc(m);
		hit = bdd_and(m, s, bdd_restrict(m, rule_bdd(c, r, &unknown), w->cube));
		if (hit == BDD_FALSE)
			continue;
		c->rflags[ci][i] |= RF_HIT;
		if (w->mode == W_WITNESS)
			on_witness(w, ci, i, hit);
		if (r->has_vmap) {
			if (!match_sane(c, &r->vmap)) {
				apply(w, ci, i, (struct rs_verdict){RS_V_UNKNOWN, 0}, hit, &s, &ret, &sub, depth);
				continue;
			}
			const struct rs_set *set = &c->rs->sets[r->vmap.set];
			for (size_t k = 0; k < set->n_elems && hit != BDD_FALSE; k++) {
				e = bdd_and(m, hit, bdd_restrict(m, elem_bdd(c, &r->vmap, &set->elems[k]), w->cube));
				if (e == BDD_FALSE)
					continue;
				hit = bdd_diff(m, hit, e);
				apply(w, ci, i, set->elems[k].verdict, e, &s, &ret, &sub, depth);
			}
			continue;
		}
		if (unknown && r->verdict.code == RS_V_DROP)
			continue; /* assumed not to drop */
		apply(w, ci, i, r->verdict, hit, &s, &ret, &sub, depth);
	}
	ret = bdd_or(m, ret, s);
	bdd_root_pop(m, mark);
	return ret;
}

/* Walks a base chain from `in` (restricted to its table's family); returns
 * what it lets pass, packets of other families included. */
static bdd_t walk_base(struct walk *w, uint32_t base, bdd_t in)
{
	struct fw_ctx *c = w->c;
	struct bdd *m = c->m;
	const struct rs_chain *ch = &c->rs->chains[base];
	enum rs_family fam = c->rs->tables[ch->table].family;
	bdd_t famset = fam == RS_FAMILY_IP ? c->fam[0] : fam == RS_FAMILY_IP6 ? c->fam[1] : BDD_TRUE;
	bdd_t ret = BDD_FALSE, pass = BDD_FALSE;
	size_t mark = bdd_root_mark(m);

	bdd_t skip = BDD_FALSE; /* other families; translated ones in a nat chain */
	w->acc = BDD_FALSE;
	w->cube = hook_cube(c, base);
	w->base = base;
	bdd_root_push(m, &ret);
	bdd_root_push(m, &skip);
	skip = bdd_diff(m, in, famset);
	if (is_dnat_chain(ch))
		skip = bdd_or(m, skip, bdd_diff(m, in, c->dnat0));
	ret = walk_chain(w, base, bdd_diff(m, in, skip), 0);
	if (ch->policy == RS_POLICY_ACCEPT) {
		w->acc = bdd_or(m, w->acc, ret);
		on_accept(w, base, SIZE_MAX, ret);
	}
	pass = bdd_or(m, w->acc, skip);
	bdd_root_pop(m, mark);
	return pass;
}

/* ------------------------------------------------------------- topology */

static bdd_t area_bdd(struct fw_ctx *c, const struct topo_area *a, unsigned var)
{
	bdd_t r = BDD_FALSE;

	if (a->kind != TOPO_KIND_INTERNET_WAN) {
		for (size_t i = 0; i < a->n_segments; i++)
			r = bdd_or(c->m, r, prefix_bdd(c, var, &a->segments[i].addr, a->segments[i].prefix));
		return r;
	}
	/* the Internet: every address in no zone or external, except those
	 * that never leave their link (topology.md) */
	static const struct {
		const char *cidr;
	} local[] = {{"0.0.0.0/8"}, {"127.0.0.0/8"}, {"169.254.0.0/16"}, {"224.0.0.0/4"}, {"255.255.255.255/32"},
		     {"::/127"},    {"fe80::/10"},   {"ff00::/8"}};
	bdd_t others = BDD_FALSE;
	for (size_t i = 0; i < c->n_areas; i++) {
		const struct topo_area *o = topo_site_area(c->site, i);
		if (o != a)
			others = bdd_or(c->m, others, area_bdd(c, o, var));
	}
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		struct topo_addr x;
		uint8_t len;
		if (topo_cidr_parse(local[i].cidr, &x, &len) == 0)
			others = bdd_or(c->m, others, prefix_bdd(c, var, &x, len));
	}
	return bdd_not(c->m, others);
}

static bdd_t endpoint_bdd(struct fw_ctx *c, const struct topo_endpoint *ep, unsigned var)
{
	bdd_t r = BDD_FALSE;

	switch (ep->type) {
	case TOPO_EP_HOST:
		for (size_t i = 0; i < ep->host->n_ips; i++)
			r = bdd_or(c->m, r, prefix_bdd(c, var, &ep->host->ips[i], ep->host->ips[i].family == 6 ? 128 : 32));
		return r;
	case TOPO_EP_ZONE:
	case TOPO_EP_EXTERNAL:
		return var == V_SADDR ? c->src_in[ep->area->index] : c->dst_in[ep->area->index];
	case TOPO_EP_CIDR:
		return prefix_bdd(c, var, &ep->addr, ep->prefix);
	}
	return r;
}

static bdd_t macs_bdd(struct fw_ctx *c, const struct topo_endpoint *ep)
{
	bdd_t r = BDD_FALSE;
	uint8_t (*macs)[6] = ep->n_macs ? ep->macs : ep->type == TOPO_EP_HOST ? ep->host->macs : NULL;
	size_t n = ep->n_macs ? ep->n_macs : ep->type == TOPO_EP_HOST ? ep->host->n_macs : 0;

	if (!n)
		return BDD_TRUE;
	for (size_t i = 0; i < n; i++)
		r = bdd_or(c->m, r, bdd_match(c->m, V_SMAC, 48, macs[i], NULL));
	return r;
}

/* proto and destination ports, as topo_flow_match_service() judges them */
static bdd_t service_bdd(struct fw_ctx *c, const struct topo_flow *fl)
{
	struct bdd *m = c->m;
	bdd_t proto = fl->proto == TOPO_PROTO_ANY ? BDD_TRUE : bdd_uint(m, V_PROTO, 8, (unsigned)fl->proto);

	if (fl->n_ports == 0)
		return proto;
	bdd_t has_ports = BDD_FALSE, ports = BDD_FALSE;
	static const unsigned with_ports[] = {6, 17, 132, 33};
	for (size_t i = 0; i < 4; i++)
		has_ports = bdd_or(m, has_ports, bdd_uint(m, V_PROTO, 8, with_ports[i]));
	for (size_t i = 0; i < fl->n_ports; i++) {
		uint8_t lo[2] = {(uint8_t)(fl->ports[i].lo >> 8), (uint8_t)fl->ports[i].lo};
		uint8_t hi[2] = {(uint8_t)(fl->ports[i].hi >> 8), (uint8_t)fl->ports[i].hi};
		ports = bdd_or(m, ports, bdd_range(m, V_DPORT, 16, lo, hi));
	}
	bdd_t r = bdd_and(m, has_ports, ports);
	if (fl->proto != TOPO_PROTO_ANY)
		r = bdd_or(m, r, bdd_not(m, has_ports));
	return bdd_and(m, proto, r);
}

static bdd_t flow_bdd(struct fw_ctx *c, const struct topo_flow *fl, bool with_mac)
{
	struct bdd *m = c->m;
	bdd_t r = bdd_and(m, endpoint_bdd(c, &fl->from, V_SADDR), endpoint_bdd(c, &fl->to, V_DADDR));

	r = bdd_and(m, r, service_bdd(c, fl));
	if (with_mac)
		r = bdd_and(m, r, macs_bdd(c, &fl->from));
	return r;
}

/* Which ruleset check a crossing a → b falls under, or -1. */
static int pair_check(const struct topo_area *a, const struct topo_area *b)
{
	enum topo_crossing x = topo_tier_crossing(topo_kind_tier(a->kind), topo_kind_tier(b->kind));

	if (topo_crossing_is_mynumber(x))
		return AN_CHECK_RULESET_MYNUMBER_OPEN;
	if (x == TOPO_CROSS_LGWAN_INTERNET)
		return AN_CHECK_RULESET_LGWAN_INTERNET_OPEN;
	if (a->kind == TOPO_KIND_INTERNET_WAN && !b->external)
		return AN_CHECK_RULESET_INBOUND_OPEN;
	return -1;
}

/* Roots a slot for the rest of this firewall's analysis. */
/*
 * What conntrack takes for the first packet of a new connection: a TCP
 * SYN without ACK; for ICMP only the request types it tracks (echo,
 * timestamp, information and address-mask request; ICMPv6 echo request and
 * node information query) — any other ICMP type with no connection to
 * relate to is `ct state invalid` (nf_conntrack_proto_icmp.c,
 * nf_conntrack_proto_icmpv6.c), and so is ICMPv6 over IPv4 and ICMP over
 * IPv6 (the kernel differential test showed it).  UDP and the rest: any
 * packet.
 */
static bdd_t first_packets(struct fw_ctx *c)
{
	static const uint8_t icmp4[] = {8, 13, 15, 17}, icmp6[] = {128, 139};
	struct bdd *m = c->m;
	bdd_t t4 = BDD_FALSE, t6 = BDD_FALSE;

	for (size_t i = 0; i < sizeof(icmp4); i++)
		t4 = bdd_or(m, t4, bdd_uint(m, V_SPORT, 8, icmp4[i]));
	for (size_t i = 0; i < sizeof(icmp6); i++)
		t6 = bdd_or(m, t6, bdd_uint(m, V_SPORT, 8, icmp6[i]));
	bdd_t tcp = bdd_uint(m, V_PROTO, 8, 6), i4 = bdd_uint(m, V_PROTO, 8, 1), i6 = bdd_uint(m, V_PROTO, 8, 58);
	bdd_t other = bdd_not(m, bdd_or(m, tcp, bdd_or(m, i4, i6)));
	return bdd_or(m, other, bdd_or(m, bdd_and(m, tcp, bdd_uint(m, V_TCPFL, 8, 0x02)),
				       bdd_or(m, bdd_and(m, bdd_and(m, i4, c->fam[0]), t4),
					      bdd_and(m, bdd_and(m, i6, c->fam[1]), t6))));
}

static void keep(struct fw_ctx *c, bdd_t *slot)
{
	bdd_root_push(c->m, slot);
}

static int setup(struct fw_ctx *c)
{
	struct bdd *m = c->m;
	const struct topo_firewall *fw = c->fw;

	c->n_areas = topo_site_n_areas(c->site);
	c->src_in = calloc(c->n_areas, sizeof(bdd_t));
	c->dst_in = calloc(c->n_areas, sizeof(bdd_t));
	c->iif_of = calloc(c->n_areas, sizeof(bdd_t));
	c->oif_of = calloc(c->n_areas, sizeof(bdd_t));
	c->set_bdd = calloc(c->rs->n_sets + 1, sizeof(bdd_t));
	c->set_keys = calloc(c->rs->n_sets + 1, sizeof(*c->set_keys));
	c->set_nkeys = calloc(c->rs->n_sets + 1, 1);
	c->rflags = calloc(c->rs->n_chains + 1, sizeof(*c->rflags));
	c->fwd = calloc(c->rs->n_chains + 1, sizeof(*c->fwd));
	c->loc = calloc(c->rs->n_chains + 1, sizeof(*c->loc));
	if (!c->src_in || !c->dst_in || !c->iif_of || !c->oif_of || !c->set_bdd || !c->set_keys || !c->set_nkeys ||
	    !c->rflags || !c->fwd || !c->loc)
		return -ENOMEM;
	for (size_t i = 0; i < c->rs->n_chains; i++)
		if (!(c->rflags[i] = calloc(c->rs->chains[i].n_rules + 1, 1)))
			return -ENOMEM;

	keep(c, &c->fam[0]);
	keep(c, &c->fam[1]);
	for (size_t i = 0; i < c->rs->n_sets; i++)
		keep(c, &c->set_bdd[i]);
	c->fam[0] = bdd_uint(m, V_FAM, 1, 0);
	c->fam[1] = bdd_uint(m, V_FAM, 1, 1);

	for (size_t i = 0; i < c->n_areas; i++) {
		const struct topo_area *a = topo_site_area(c->site, i);
		keep(c, &c->src_in[i]);
		keep(c, &c->dst_in[i]);
		keep(c, &c->iif_of[i]);
		keep(c, &c->oif_of[i]);
		c->src_in[i] = area_bdd(c, a, V_SADDR);
		c->dst_in[i] = area_bdd(c, a, V_DADDR);
		for (size_t j = 0; j < fw->n_ifaces; j++)
			for (size_t k = 0; k < fw->ifaces[j].n_faces; k++)
				if (fw->ifaces[j].faces[k] == a) {
					c->iif_of[i] = bdd_or(m, c->iif_of[i], bdd_uint(m, V_IIF, IF_BITS, j));
					c->oif_of[i] = bdd_or(m, c->oif_of[i], bdd_uint(m, V_OIF, IF_BITS, j));
				}
	}

	bdd_t *g[] = {&c->ifpair,   &c->ctnew,    &c->syn,     &c->r0,       &c->univ,     &c->passed,
		      &c->permitted, &c->bad_all, &c->open,    &c->pre_cube, &c->raw_cube, &c->own,
		      &c->own_src,   &c->r0_local, &c->passed_local, &c->pre_in, &c->dnat0, &c->dnat_q, &c->dnat_qp,
		      &c->fwd_in,    &c->local_in, &c->images,   &c->cross};
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		keep(c, g[i]);
	for (size_t i = 0; i < fw->n_ifaces; i++)
		for (size_t j = 0; j < fw->n_ifaces; j++)
			if (i != j)
				c->ifpair = bdd_or(m, c->ifpair, bdd_and(m, bdd_uint(m, V_IIF, IF_BITS, i),
									   bdd_uint(m, V_OIF, IF_BITS, j)));
	c->ctnew = bdd_uint(m, V_CT, 3, CT_NEW);
	c->pre_cube = bdd_uint(m, V_OIF, IF_BITS, IF_NONE);
	c->raw_cube = bdd_and(m, c->pre_cube, bdd_uint(m, V_CT, 3, CT_INVALID));
	c->dnat0 = bdd_uint(m, V_DNAT, 1, 0);
	c->syn = bdd_and(m, first_packets(c), c->dnat0);
	{
		int8_t lit[N_VARS];
		memset(lit, -1, sizeof(lit));
		lit[V_DNAT] = 1;
		for (unsigned i = 0; i < IF_BITS; i++)
			lit[V_OIF + i] = 1;
		for (unsigned i = 0; i < 128; i++)
			lit[V_DADDR + i] = 1;
		c->dnat_q = bdd_cube(m, lit);
		for (unsigned i = 0; i < 16; i++)
			lit[V_DPORT + i] = 1;
		c->dnat_qp = bdd_cube(m, lit);
	}
	bdd_t cross = BDD_FALSE; /* used before any collection: not rooted */
	for (size_t a = 0; a < c->n_areas; a++)
		for (size_t b = 0; b < c->n_areas; b++)
			if (a != b && c->iif_of[a] != BDD_FALSE && c->oif_of[b] != BDD_FALSE)
				cross = bdd_or(m, cross, bdd_and(m, bdd_and(m, c->src_in[a], c->iif_of[a]),
								 bdd_and(m, c->dst_in[b], c->oif_of[b])));
	c->cross = cross;
	c->r0 = bdd_and(m, bdd_and(m, cross, c->ifpair), bdd_and(m, c->ctnew, c->syn));

	/* The firewall's own addresses (its host's IPs): packets to them are
	 * delivered to it (prerouting, input), never forwarded; packets from
	 * them arriving on an interface are martians the kernel drops. */
	if (fw->host)
		for (size_t i = 0; i < fw->host->n_ips; i++) {
			const struct topo_addr *a = &fw->host->ips[i];
			c->own = bdd_or(m, c->own, prefix_bdd(c, V_DADDR, a, a->family == 4 ? 32 : 128));
			c->own_src = bdd_or(m, c->own_src, prefix_bdd(c, V_SADDR, a, a->family == 4 ? 32 : 128));
		}
	c->r0 = bdd_diff(m, bdd_diff(m, c->r0, c->own), c->own_src);
	bdd_t from = BDD_FALSE; /* not rooted either */
	for (size_t a = 0; a < c->n_areas; a++)
		if (c->iif_of[a] != BDD_FALSE)
			from = bdd_or(m, from, bdd_and(m, c->src_in[a], c->iif_of[a]));
	c->r0_local = bdd_and(m, bdd_and(m, bdd_diff(m, from, c->own_src), c->own),
			      bdd_and(m, c->pre_cube, bdd_and(m, c->ctnew, c->syn)));

	/* every packet, for the shadow walk: interfaces and states that exist */
	bdd_t ifs = bdd_uint(m, V_IIF, IF_BITS, IF_OTHER), ofs = bdd_uint(m, V_OIF, IF_BITS, IF_OTHER), cts = BDD_FALSE;
	for (size_t i = 0; i < fw->n_ifaces; i++) {
		ifs = bdd_or(m, ifs, bdd_uint(m, V_IIF, IF_BITS, i));
		ofs = bdd_or(m, ofs, bdd_uint(m, V_OIF, IF_BITS, i));
	}
	for (unsigned i = 0; i < N_CT; i++)
		cts = bdd_or(m, cts, bdd_uint(m, V_CT, 3, i));
	c->univ = bdd_and(m, bdd_and(m, ifs, ofs), cts);

	for (size_t i = 0; i < topo_site_n_flows(c->site); i++)
		c->permitted = bdd_or(m, c->permitted, flow_bdd(c, topo_site_flow(c->site, i), false));

	/* the sets rules look up, built once with collections in between */
	for (size_t i = 0; i < c->rs->n_chains; i++)
		for (size_t j = 0; j < c->rs->chains[i].n_rules; j++) {
			const struct rs_rule *r = &c->rs->chains[i].rules[j];
			for (size_t k = 0; k < r->n_matches; k++) {
				const struct rs_match *x = &r->matches[k];
				if ((x->op == RS_OP_IN || x->op == RS_OP_NOT_IN) && match_sane(c, x))
					prebuild_set(c, x);
			}
		}

	/* dnat: a record per rule the model may translate, and the first
	 * packets that may be translated — to the firewall itself, and to
	 * addresses behind the interface they came in on (a public address
	 * block routed to the firewall) */
	size_t n_dnat = 0;
	bool nat_chain = false;
	for (size_t i = 0; i < c->rs->n_chains; i++) {
		nat_chain = nat_chain || (is_dnat_chain(&c->rs->chains[i]) &&
					  family_modelled(c->rs->tables[c->rs->chains[i].table].family));
		for (size_t j = 0; j < c->rs->chains[i].n_rules; j++)
			n_dnat += c->rs->chains[i].rules[j].nat == RS_NAT_DNAT && c->rs->chains[i].rules[j].nat_to.exact;
	}
	if (n_dnat && !(c->dn = calloc(n_dnat, sizeof(*c->dn))))
		return -ENOMEM;
	for (size_t i = 0; i < n_dnat; i++) {
		keep(c, &c->dn[i].to);
		keep(c, &c->dn[i].hit);
		keep(c, &c->dn[i].image);
	}
	c->has_dnat = n_dnat && nat_chain;
	if (c->has_dnat) {
		bdd_t hair = BDD_FALSE; /* not rooted: used at once */
		for (size_t a = 0; a < c->n_areas; a++)
			for (size_t j = 0; j < fw->n_ifaces; j++) {
				bdd_t ij = bdd_uint(m, V_IIF, IF_BITS, j);
				if (bdd_and(m, c->iif_of[a], ij) != BDD_FALSE)
					hair = bdd_or(m, hair, bdd_and(m, bdd_and(m, c->src_in[a], ij), bdd_uint(m, V_OIF, IF_BITS, j)));
			}
		hair = bdd_and(m, bdd_diff(m, bdd_diff(m, hair, c->own), c->own_src), bdd_and(m, c->ctnew, c->syn));
		c->pre_in = bdd_or(m, bdd_or(m, c->r0, c->r0_local), hair); /* the first packets prerouting sees */
	}
	return bdd_full(m) ? -E2BIG : 0;
}

/* The first nat chain on a hook: when it was made, the kernel registered
 * its nat hook, which then runs all of them. */
static uint32_t nat_core(const struct rs_ruleset *rs, enum rs_hook hook)
{
	for (uint32_t i = 0; i < rs->n_chains; i++)
		if (rs->chains[i].type == RS_CHAIN_NAT && rs->chains[i].hook == hook)
			return i;
	return 0;
}

/*
 * The kernel's order of the base chains of one hook: by priority, and of
 * two at the same priority the one registered later first
 * (nf_hook_entries_grow() puts a new hook before the first one of equal
 * or higher priority).  Chains register in the order they are made, which
 * is the order a ruleset lists them in.  nat chains run from the nat hook
 * (see run_priority()), registered with the first of them; among
 * themselves, the same rule.
 */
static int by_hook_priority(const void *pa, const void *pb, void *arg)
{
	const struct rs_ruleset *rs = arg;
	uint32_t ia = *(const uint32_t *)pa, ib = *(const uint32_t *)pb;
	const struct rs_chain *a = &rs->chains[ia], *b = &rs->chains[ib];
	static const int order[] = {[RS_HOOK_PREROUTING] = 0, [RS_HOOK_INPUT] = 1, [RS_HOOK_FORWARD] = 1,
				    [RS_HOOK_POSTROUTING] = 2};

	if (a->hook != b->hook)
		return order[a->hook] - order[b->hook];
	if (run_priority(a) != run_priority(b))
		return run_priority(a) < run_priority(b) ? -1 : 1;
	uint32_t ra = a->type == RS_CHAIN_NAT ? nat_core(rs, a->hook) : ia;
	uint32_t rb = b->type == RS_CHAIN_NAT ? nat_core(rs, b->hook) : ib;
	if (ra != rb)
		return ra > rb ? -1 : 1;
	if (a->priority != b->priority) /* nat chains among themselves */
		return a->priority < b->priority ? -1 : 1;
	return ia > ib ? -1 : ia < ib ? 1 : 0;
}

static bool family_modelled(enum rs_family f)
{
	return f == RS_FAMILY_IP || f == RS_FAMILY_IP6 || f == RS_FAMILY_INET;
}

static void find_forward_path(struct fw_ctx *c)
{
	const struct rs_ruleset *rs = c->rs;
	size_t best_rules = 0;

	for (uint32_t i = 0; i < rs->n_chains; i++) {
		const struct rs_chain *ch = &rs->chains[i];
		if (!family_modelled(rs->tables[ch->table].family) || ch->type == RS_CHAIN_ROUTE)
			continue;
		if (ch->hook == RS_HOOK_PREROUTING || ch->hook == RS_HOOK_INPUT)
			c->loc[c->n_loc++] = i;
		if (ch->hook == RS_HOOK_INPUT && (!c->has_local_primary || ch->n_rules > c->rs->chains[c->local_primary].n_rules)) {
			c->has_local_primary = true;
			c->local_primary = i;
		}
		if (ch->hook != RS_HOOK_PREROUTING && ch->hook != RS_HOOK_FORWARD && ch->hook != RS_HOOK_POSTROUTING)
			continue;
		c->fwd[c->n_fwd++] = i;
		if (ch->hook == RS_HOOK_FORWARD && (!c->has_primary || ch->n_rules > best_rules)) {
			c->has_primary = true;
			c->primary = i;
			best_rules = ch->n_rules;
		}
	}
	qsort_r(c->fwd, c->n_fwd, sizeof(*c->fwd), by_hook_priority, (void *)rs);
	qsort_r(c->loc, c->n_loc, sizeof(*c->loc), by_hook_priority, (void *)rs);
}

static void unsupported_finding(struct fw_ctx *c, uint32_t chain, size_t rule, const char *what)
{
	struct an_vfinding *f = new_finding(c, AN_CHECK_RULESET_UNSUPPORTED, NULL);

	if (!f)
		return;
	if (chain != UINT32_MAX)
		add_rule(c, f, chain, rule, NULL);
	const char *loc = f->n_rules ? f->rules[0].location : c->rs->source;
	set_message(c, &f->message, "%s: %s: %s; the verdict for this firewall is approximate (assumed to match when "
				    "accepting, not to match when dropping)",
		    c->fw->name, loc, what);
	set_message(c, &f->message_ja, "%s: %s: %s は解析できません。このファイアウォールの判定は近似です (許可する規則では一致、破棄する規則では不一致とみなしました)",
		    c->fw->name, loc, what);
}

static void shadow_findings(struct fw_ctx *c)
{
	struct bdd *m = c->m;
	const struct rs_ruleset *rs = c->rs;
	bdd_t mr = BDD_FALSE, mj = BDD_FALSE;
	size_t mark = bdd_root_mark(m);

	bdd_root_push(m, &mr);
	bdd_root_push(m, &mj);
	for (uint32_t ci = 0; ci < rs->n_chains && !c->err; ci++) {
		const struct rs_chain *ch = &rs->chains[ci];
		for (size_t i = 0; i < ch->n_rules && !c->err; i++) {
			const struct rs_rule *r = &ch->rules[i];
			bool unknown;
			if (!(c->rflags[ci][i] & RF_VISITED))
				continue;
			if (r->unsupported || r->verdict.code == RS_V_UNKNOWN) {
				unsupported_finding(c, ci, i, r->unsupported ? r->unsupported : "an unsupported statement");
				continue;
			}
			if (c->rflags[ci][i] & RF_HIT)
				continue;
			struct an_vfinding *f = new_finding(c, AN_CHECK_RULESET_SHADOWED, NULL);
			if (!f)
				continue;
			add_rule(c, f, ci, i, NULL);
			bdd_maybe_gc(m);
			mr = rule_bdd(c, r, &unknown);
			/* name up to three earlier rules that take its packets */
			size_t found = 0;
			for (size_t j = i, scanned = 0; j-- > 0 && found < 3 && scanned < 4096; scanned++) {
				const struct rs_rule *e = &ch->rules[j];
				if (e->verdict.code == RS_V_CONTINUE && !e->has_vmap)
					continue;
				mj = rule_bdd(c, e, &unknown);
				if (bdd_and(m, mj, mr) != BDD_FALSE) {
					add_rule(c, f, ci, j, NULL);
					found++;
				}
			}
			if (!found && mr != BDD_FALSE) {
				set_message(c, &f->message, "%s: rule %s can never match: no packet that reaches its chain "
							    "satisfies it (the rules that lead there exclude them)",
					    c->fw->name, f->rules[0].location);
				set_message(c, &f->message_ja, "%s: 規則 %s はこのチェーンに届くどのパケットにも一致しません",
					    c->fw->name, f->rules[0].location);
			} else if (mr == BDD_FALSE) {
				set_message(c, &f->message, "%s: rule %s can never match: no packet satisfies all its matches",
					    c->fw->name, f->rules[0].location);
				set_message(c, &f->message_ja, "%s: 規則 %s はどのパケットにも一致しません (条件が両立しません)",
					    c->fw->name, f->rules[0].location);
			} else {
				set_message(c, &f->message, "%s: rule %s can never match: earlier rules take every packet it would%s%s",
					    c->fw->name, f->rules[0].location, found ? ", e.g. " : "",
					    found ? f->rules[1].location : "");
				set_message(c, &f->message_ja, "%s: 規則 %s は前の規則にすべて先取りされ、一致することがありません%s%s",
					    c->fw->name, f->rules[0].location, found ? " (例: " : "", found ? f->rules[1].location : "");
				if (found) {
					size_t n = strlen(f->message_ja);
					char *p = realloc(f->message_ja, n + 2);
					if (p) {
						strcpy(p + n, ")");
						f->message_ja = p;
					}
				}
			}
		}
	}
	bdd_root_pop(m, mark);
}

/* The firewall's interfaces on zone z's own segment, where a host's
 * frames arrive with the host's MAC: those facing z and nothing else, when
 * no other gateway (role gateway, not this firewall's host) sits in z to
 * route between the firewall and the host. */
static bdd_t same_segment_iifs(struct fw_ctx *c, const struct topo_area *z)
{
	for (size_t i = 0; i < topo_site_n_hosts(c->site); i++) {
		const struct topo_host *h = topo_site_host(c->site, i);
		if (h->role == TOPO_ROLE_GATEWAY && h->zone == z && h != c->fw->host)
			return BDD_FALSE;
	}
	bdd_t r = BDD_FALSE;
	for (size_t j = 0; j < c->fw->n_ifaces; j++)
		if (c->fw->ifaces[j].n_faces == 1 && c->fw->ifaces[j].faces[0] == z)
			r = bdd_or(c->m, r, bdd_uint(c->m, V_IIF, IF_BITS, j));
	return r;
}

static int setup_exceptions(struct fw_ctx *c)
{
	struct bdd *m = c->m;
	bool mac_and_ip = topo_site_pinning(c->site) == TOPO_PIN_MAC_AND_IP;

	c->excs = calloc(topo_site_n_flows(c->site) + 1, sizeof(*c->excs));
	if (!c->excs)
		return -ENOMEM;
	for (size_t i = 0; i < topo_site_n_flows(c->site); i++) {
		const struct topo_flow *fl = topo_site_flow(c->site, i);
		if (fl->kind != TOPO_FLOW_EXCEPTION)
			continue;
		struct exc *e = &c->excs[c->n_excs++];
		e->flow = fl;
		keep(c, &e->carry);
		keep(c, &e->allowed);
		keep(c, &e->pin_ip);
		keep(c, &e->pin_mac);
		keep(c, &e->dst);
		keep(c, &e->service);
		keep(c, &e->nomac);
		e->pin_ip = endpoint_bdd(c, &fl->from, V_SADDR);
		e->pin_mac = macs_bdd(c, &fl->from);
		e->dst = endpoint_bdd(c, &fl->to, V_DADDR);
		e->service = service_bdd(c, fl);
		bdd_t core = bdd_and(m, e->dst, e->service);
		e->carry = bdd_and(m, bdd_and(m, core, e->pin_ip), c->passed);
		/* 5.1 ア: "MAC and/or IP".  A rule that pins the addresses and
		 * ports but no MAC is not too broad; with mac-and-ip it is
		 * NO-MAC advice where the MAC can be seen: the initiator's
		 * packets arrive on an interface facing its own zone. */
		e->allowed = bdd_and(m, core, mac_and_ip || e->pin_mac == BDD_TRUE ? e->pin_ip : bdd_or(m, e->pin_ip, e->pin_mac));
		e->nomac = BDD_FALSE;
		const struct topo_area *z = fl->from.type == TOPO_EP_HOST ? fl->from.host->zone
					    : fl->from.type == TOPO_EP_ZONE ? fl->from.area
									    : NULL;
		bdd_t l2 = z ? same_segment_iifs(c, z) : BDD_FALSE;
		if (mac_and_ip && e->pin_mac != BDD_TRUE && l2 != BDD_FALSE)
			e->nomac = bdd_and(m, bdd_diff(m, e->allowed, e->pin_mac), l2);
	}
	return 0;
}

/* The forbidden crossings per area pair, and the exceptions, against
 * c->passed. */
static int setup_attribution(struct fw_ctx *c)
{
	c->pairs = calloc(c->n_areas * c->n_areas + 1, sizeof(*c->pairs));
	if (!c->pairs)
		return -ENOMEM;
	c->open = bdd_diff(c->m, c->passed, c->permitted);
	for (size_t a = 0; a < c->n_areas; a++)
		for (size_t b = 0; b < c->n_areas; b++) {
			const struct topo_area *x = topo_site_area(c->site, a), *y = topo_site_area(c->site, b);
			int check = pair_check(x, y);
			if (a == b || check < 0 || c->iif_of[a] == BDD_FALSE || c->oif_of[b] == BDD_FALSE)
				continue;
			struct pair *p = &c->pairs[c->n_pairs++];
			*p = (struct pair){x, y, (enum an_check)check, BDD_FALSE};
			keep(c, &p->bad);
			p->bad = bdd_and(c->m, c->open, bdd_and(c->m, bdd_and(c->m, c->src_in[a], c->iif_of[a]),
								bdd_and(c->m, c->dst_in[b], c->oif_of[b])));
			c->bad_all = bdd_or(c->m, c->bad_all, p->bad);
		}
	return setup_exceptions(c);
}

/*
 * The local path: first packets to the firewall's own addresses, through
 * every base chain of prerouting and input (each must accept; a family no
 * chain of the path filters is delivered as is).  A declared flow to the
 * firewall that the path drops is FLOW-BLOCKED; what it lets in from the
 * Internet beyond the declared flows is INBOUND-OPEN, attributed by a walk
 * of the input chain with the most rules.  Connections from the site's own
 * zones to the firewall (its gateway addresses, management) are not judged:
 * the spec names no check for them.
 */
/* the address families some base chain of the path filters */
static bdd_t path_families(struct fw_ctx *c, const uint32_t *path, size_t n)
{
	bdd_t covered = BDD_FALSE;

	for (size_t i = 0; i < n; i++) {
		enum rs_family f = c->rs->tables[c->rs->chains[path[i]].table].family;
		covered = bdd_or(c->m, covered, f == RS_FAMILY_IP ? c->fam[0] : f == RS_FAMILY_IP6 ? c->fam[1] : BDD_TRUE);
	}
	return covered;
}

static int verify_local(struct fw_ctx *c, struct walk *w)
{
	struct bdd *m = c->m;
	bdd_t pass = BDD_FALSE, covered = BDD_FALSE;
	size_t mark = bdd_root_mark(m);

	/* with dnat, prerouting was walked already: what it delivers here */
	bdd_t in = c->has_dnat ? c->local_in : c->r0_local;
	if (in == BDD_FALSE)
		return 0;
	bdd_root_push(m, &pass);
	bdd_root_push(m, &covered);
	w->mode = W_PASS;
	c->passed_local = in;
	for (size_t i = 0; i < c->n_loc && !bdd_full(m); i++) {
		if (c->has_dnat && c->rs->chains[c->loc[i]].hook == RS_HOOK_PREROUTING)
			continue;
		pass = walk_base(w, c->loc[i], in);
		c->passed_local = bdd_and(m, c->passed_local, pass);
	}
	covered = path_families(c, c->loc, c->n_loc);
	for (size_t i = 0; i < topo_site_n_flows(c->site) && !c->err; i++) {
		bdd_maybe_gc(m);
		const struct topo_flow *fl = topo_site_flow(c->site, i);
		bdd_t fs = bdd_and(m, flow_bdd(c, fl, true), in);
		if (fs == BDD_FALSE)
			continue; /* not to this firewall */
		fs = bdd_diff(m, fs, c->passed_local);
		if (fs != BDD_FALSE)
			blocked_finding(c, fl, fs);
	}
	const struct topo_area *zone = c->fw->host->zone;
	for (size_t a = 0; a < c->n_areas && zone; a++) {
		const struct topo_area *x = topo_site_area(c->site, a);
		if (x->kind != TOPO_KIND_INTERNET_WAN || c->iif_of[a] == BDD_FALSE)
			continue;
		struct pair *p = &c->pairs[c->n_pairs++];
		*p = (struct pair){x, zone, AN_CHECK_RULESET_INBOUND_OPEN, BDD_FALSE, true};
		keep(c, &p->bad);
		p->bad = bdd_diff(m, bdd_and(m, c->passed_local, bdd_and(m, c->src_in[a], c->iif_of[a])), c->permitted);
		c->bad_all = bdd_or(m, c->bad_all, p->bad);
		if (p->bad == BDD_FALSE)
			continue;
		w->mode = W_ATTRIBUTE;
		if (c->n_loc)
			walk_base(w, c->has_local_primary ? c->local_primary : c->loc[0], in);
		pass = bdd_diff(m, in, covered);
		if (pass != BDD_FALSE)
			on_accept(w, NO_INPUT_CHAIN, 0, pass);
	}
	bdd_root_pop(m, mark);
	return bdd_full(m) ? -E2BIG : c->err;
}

static int verify_firewall(struct fw_ctx *c, size_t max_nodes)
{
	const struct rs_ruleset *rs = c->rs;
	int r;

	if (c->fw->n_ifaces > MAX_IFACES)
		return -E2BIG;
	c->m = bdd_new(N_VARS, max_nodes);
	if (!c->m)
		return -ENOMEM;
	r = setup(c);
	if (r < 0)
		return r;
	find_forward_path(c);

	struct walk w = {.c = c, .mode = W_PASS};
	bdd_t pass = BDD_FALSE;
	keep(c, &w.acc);
	keep(c, &pass);

	/* shadowing: every base chain of a modelled family, every packet */
	for (uint32_t i = 0; i < rs->n_chains && !bdd_full(c->m); i++) {
		const struct rs_chain *ch = &rs->chains[i];
		if (ch->hook != RS_HOOK_NONE && family_modelled(rs->tables[ch->table].family))
			pass = walk_base(&w, i, c->univ);
	}

	/* pass 1: what the forward path lets through.  With one chain on the
	 * path (the usual case) whatever a rule accepts passes, so the
	 * attribution of pass 2 is done in the same walk. */
	bool single = c->n_fwd == 1 && !c->has_dnat;
	if (single) {
		c->passed = c->r0;
		if ((r = setup_attribution(c)) < 0)
			return r;
		w.mode = W_ATTRIBUTE;
	}
	bdd_t passed = c->r0;
	keep(c, &passed);
	if (c->has_dnat) {
		/* one chain after the other: a dnat changes what later chains see */
		size_t i = 0;
		passed = c->pre_in;
		c->record = true;
		for (; i < c->n_fwd && rs->chains[c->fwd[i]].hook == RS_HOOK_PREROUTING; i++)
			passed = walk_base(&w, c->fwd[i], passed);
		c->record = false;
		for (size_t k = 0; k < c->n_dn; k++)
			c->images = bdd_or(c->m, c->images, c->dn[k].image);
		c->local_in = bdd_and(c->m, bdd_and(c->m, passed, c->pre_cube), c->own);
		c->fwd_in = bdd_diff(c->m, bdd_diff(c->m, bdd_and(c->m, passed, bdd_and(c->m, c->cross, c->ifpair)), c->own),
				     c->pre_cube);
		passed = c->fwd_in;
		for (; i < c->n_fwd; i++)
			passed = walk_base(&w, c->fwd[i], passed);
	} else
		for (size_t i = 0; i < c->n_fwd; i++) {
			pass = walk_base(&w, c->fwd[i], c->r0);
			passed = bdd_and(c->m, passed, pass);
		}
	c->passed = passed;
	if (!c->has_dnat)
		c->fwd_in = c->r0;

	/* declared flows the firewall blocks */
	for (size_t i = 0; i < topo_site_n_flows(c->site) && !c->err; i++) {
		bdd_maybe_gc(c->m);
		const struct topo_flow *fl = topo_site_flow(c->site, i);
		bdd_t fb = flow_bdd(c, fl, true);
		/* a flow to a dnat target: judged on the translated packets */
		bdd_t via = bdd_and(c->m, bdd_diff(c->m, c->images, c->pre_cube), bdd_and(c->m, c->cross, c->ifpair));
		bdd_t fs = bdd_and(c->m, fb, via);
		if (fs == BDD_FALSE)
			fs = bdd_and(c->m, fb, c->r0);
		if (fs == BDD_FALSE)
			continue; /* not across this firewall */
		fs = bdd_diff(c->m, fs, c->passed);
		if (fs != BDD_FALSE)
			blocked_finding(c, fl, fs);
	}

	/* pass 2: who accepts what passes */
	if (!single) {
		if ((r = setup_attribution(c)) < 0)
			return r;
		w.mode = W_ATTRIBUTE;
		if (c->n_fwd) /* the forward chain with most rules, else the first on the path */
			pass = walk_base(&w, c->has_primary ? c->primary : c->fwd[0], c->fwd_in);
	}
	/* an address family no forward-path chain filters (an iptables
	 * ruleset without ip6tables, an `ip` table only) is forwarded as is */
	pass = bdd_diff(c->m, c->fwd_in, path_families(c, c->fwd, c->n_fwd));
	if (pass != BDD_FALSE)
		on_accept(&w, NO_CHAIN, 0, pass);
	if (c->fw->host && (r = verify_local(c, &w)) < 0)
		return r;

	shadow_findings(c);

	for (size_t i = 0; i < rs->n_tables; i++)
		if (!family_modelled(rs->tables[i].family))
			for (size_t j = 0; j < rs->n_chains; j++)
				if (rs->chains[j].table == i && rs->chains[j].n_rules) {
					char what[160];
					snprintf(what, sizeof(what), "table %s %s is not modelled (only ip, ip6 and inet are); its rules are ignored",
						 rs_family_name(rs->tables[i].family), rs->tables[i].name);
					unsupported_finding(c, UINT32_MAX, 0, what);
					break;
				}
	/* translations the model doesn't make, in a chain prerouting's nat
	 * chains reach: one finding at the first */
	uint8_t *reach = calloc(rs->n_chains + 1, 1);
	uint32_t *todo = calloc(rs->n_chains + 1, sizeof(*todo));
	size_t n_todo = 0;
	if (!reach || !todo) {
		free(reach);
		free(todo);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < rs->n_chains; i++)
		if (is_dnat_chain(&rs->chains[i]) && family_modelled(rs->tables[rs->chains[i].table].family)) {
			reach[i] = 1;
			todo[n_todo++] = i;
		}
	bool found = false;
	while (n_todo && !found) {
		uint32_t ci = todo[--n_todo];
		for (size_t k = 0; k < rs->chains[ci].n_rules && !found; k++) {
			const struct rs_rule *nr = &rs->chains[ci].rules[k];
			if ((nr->nat == RS_NAT_DNAT && !nr->nat_to.exact) || nr->nat == RS_NAT_REDIRECT) {
				unsupported_finding(c, ci, k, nr->nat == RS_NAT_REDIRECT
					? "redirect (to the firewall itself): sanso judges the packets it redirects at their original destination"
					: "dnat to a map, a range, a prefix or a computed address: sanso translates a dnat to one address (and port) only, and judges the packets this rule translates at their original destination");
				found = true;
			}
			const struct rs_verdict *vs = &nr->verdict;
			size_t nv = 1;
			if (nr->has_vmap && nr->vmap.set < rs->n_sets) {
				vs = NULL;
				nv = 0;
				for (size_t e = 0; e < rs->sets[nr->vmap.set].n_elems; e++) {
					const struct rs_verdict *v = &rs->sets[nr->vmap.set].elems[e].verdict;
					if ((v->code == RS_V_JUMP || v->code == RS_V_GOTO) && v->chain < rs->n_chains && !reach[v->chain]) {
						reach[v->chain] = 1;
						todo[n_todo++] = v->chain;
					}
				}
			}
			for (size_t e = 0; e < nv; e++)
				if ((vs[e].code == RS_V_JUMP || vs[e].code == RS_V_GOTO) && vs[e].chain < rs->n_chains &&
				    !reach[vs[e].chain]) {
					reach[vs[e].chain] = 1;
					todo[n_todo++] = vs[e].chain;
				}
		}
	}
	free(reach);
	free(todo);
	if (c->too_deep)
		unsupported_finding(c, UINT32_MAX, 0, "jumps and gotos nested 16 deep or deeper (nftables refuses this, iptables-legacy does not): what lies deeper is assumed accepted");

	c->sum->peak_nodes = bdd_peak_nodes(c->m);
	if (bdd_full(c->m))
		return -E2BIG;
	return c->err;
}

static void fw_ctx_free(struct fw_ctx *c)
{
	free(c->dn);
	if (c->rflags)
		for (size_t i = 0; i < c->rs->n_chains; i++)
			free(c->rflags[i]);
	free(c->rflags);
	free(c->src_in);
	free(c->dst_in);
	free(c->iif_of);
	free(c->oif_of);
	free(c->set_bdd);
	free(c->set_keys);
	free(c->set_nkeys);
	free(c->fwd);
	free(c->loc);
	free(c->pairs);
	free(c->excs);
	bdd_free(c->m);
}

/* ------------------------------------------------------------------ run */

static int sniff_format(const char *path, enum topo_ruleset_format *ret)
{
	FILE *f = fopen(path, "r");
	int ch;

	if (!f)
		return -errno;
	*ret = TOPO_RULESET_NFT;
	while ((ch = fgetc(f)) != EOF) {
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
			continue;
		if (ch == '{' || ch == '[')
			*ret = TOPO_RULESET_NFT_JSON;
		else if (ch == '*' || ch == ':')
			*ret = TOPO_RULESET_IPTABLES_SAVE;
		else if (ch == '#') { /* iptables-save's header comment, or nft's */
			char line[256];
			if (fgets(line, sizeof(line), f) && strstr(line, "tables-save"))
				*ret = TOPO_RULESET_IPTABLES_SAVE;
			else
				continue;
		}
		break;
	}
	fclose(f);
	return 0;
}

static int load_ruleset(const struct topo_firewall *fw, const struct an_verify_source *src,
			struct rs_ruleset **ret, struct topo_diag_list *diags)
{
	const char *path = src && src->path ? src->path : fw->ruleset_path;
	enum topo_ruleset_format fmt = fw->ruleset_format;

	if (src && src->live)
		return rs_load_live(src->netns, ret, diags);
	if (!path)
		return 1; /* nothing to verify */
	if (src && src->path) { /* --ruleset: the file says what it is */
		int r = sniff_format(path, &fmt);
		if (r < 0) {
			topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR, "can't read the ruleset of %s: %s", fw->name,
				      strerror(-r));
			return r;
		}
	}
	switch (fmt) {
	case TOPO_RULESET_NFT_JSON:
		return rs_load_nft_json(path, ret, diags);
	case TOPO_RULESET_IPTABLES_SAVE:
		return rs_load_iptables_save(path, ret, diags);
	default: {
		const char *names[MAX_IFACES];
		size_t n = 0;
		for (size_t i = 0; i < fw->n_ifaces && n < MAX_IFACES; i++)
			names[n++] = fw->ifaces[i].name;
		return rs_load_nft_text(path, names, n, ret, diags);
	}
	}
}

/* The topology and every ruleset read from a file, with their SHA-256. */
static int provenance(struct an_vreport *rep, const struct topo_site *site)
{
	rep->inputs = calloc(rep->n_fws + 1, sizeof(*rep->inputs));
	if (!rep->inputs)
		return -ENOMEM;
	rep->inputs[rep->n_inputs++] = (struct an_input){"topology", strdup(topo_site_path(site)), false, ""};
	for (size_t i = 0; i < rep->n_fws; i++)
		if (rep->fws[i].source && !rep->fws[i].live)
			rep->inputs[rep->n_inputs++] = (struct an_input){"ruleset", strdup(rep->fws[i].source), false, ""};
	for (size_t i = 0; i < rep->n_inputs; i++) {
		if (!rep->inputs[i].path)
			return -ENOMEM;
		rep->inputs[i].hashed = an_sha256_file(rep->inputs[i].path, rep->inputs[i].sha256) == 0;
	}
	rep->generated_ns = an_now_ns() / 1000 * 1000;
	return 0;
}


int an_verify_run(const struct an_verify_config *cfg, struct topo_diag_list *diags, struct an_vreport **ret,
		  char *errbuf, size_t errlen)
{
	const struct topo_site *site = cfg->site;
	size_t n_fw = topo_site_n_firewalls(site), verified = 0;
	struct an_vreport *rep = calloc(1, sizeof(*rep));
	int r = 0;

	if (!rep)
		return -ENOMEM;
	rep->site = site;
	rep->max_findings = cfg->max_findings ? cfg->max_findings : 100000;
	rep->fws = calloc(n_fw + 1, sizeof(*rep->fws));
	rep->seen = json_object();
	if (!rep->fws || !rep->seen) {
		an_vreport_free(rep);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_sources; i++) {
		bool known = false;
		for (size_t j = 0; j < n_fw; j++)
			known = known || strcmp(topo_site_firewall(site, j)->name, cfg->sources[i].firewall) == 0;
		if (!known) {
			snprintf(errbuf, errlen, "no firewall named '%s' in %s", cfg->sources[i].firewall,
				 topo_site_path(site));
			an_vreport_free(rep);
			return -EINVAL;
		}
	}

	for (size_t i = 0; i < n_fw && r >= 0; i++) {
		const struct topo_firewall *fw = topo_site_firewall(site, i);
		const struct an_verify_source *src = NULL;
		struct rs_ruleset *rs = NULL;
		struct an_vfw_summary *sum = &rep->fws[rep->n_fws++];
		struct timespec t0, t1;

		for (size_t j = 0; j < cfg->n_sources; j++)
			if (strcmp(cfg->sources[j].firewall, fw->name) == 0)
				src = &cfg->sources[j];
		sum->fw = fw;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = load_ruleset(fw, src, &rs, diags);
		if (r == 1) {
			r = 0;
			continue;
		}
		if (r < 0) {
			snprintf(errbuf, errlen, "the ruleset of firewall %s can't be read", fw->name);
			break;
		}
		sum->source = strdup(rs->source);
		sum->live = rs->origin == RS_ORIGIN_LIVE;
		sum->tables = rs->n_tables;
		sum->chains = rs->n_chains;
		sum->sets = rs->n_sets;
		for (size_t j = 0; j < rs->n_chains; j++) {
			sum->rules += rs->chains[j].n_rules;
			for (size_t k = 0; k < rs->chains[j].n_rules; k++)
				sum->unsupported_rules += rs->chains[j].rules[k].unsupported != NULL;
		}
		for (size_t j = 0; j < rs->n_sets; j++)
			sum->elements += rs->sets[j].n_elems;

		struct fw_ctx c = {.site = site, .fw = fw, .rs = rs, .report = rep, .sum = sum};
		size_t first = rep->n_findings;
		uint64_t unsupported_before = rep->counts[AN_CHECK_RULESET_UNSUPPORTED];
		r = verify_firewall(&c, cfg->max_nodes ? cfg->max_nodes : (size_t)1 << 23);
		fw_ctx_free(&c);
		sum->approximate = rep->counts[AN_CHECK_RULESET_UNSUPPORTED] > unsupported_before;
		for (size_t j = first; j < rep->n_findings; j++)
			rep->findings[j]->approximate = sum->approximate;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		sum->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (r == -E2BIG)
			snprintf(errbuf, errlen,
				 "firewall %s: the ruleset is too large to analyse exactly within the memory bound "
				 "(%zu BDD nodes)",
				 fw->name, cfg->max_nodes ? cfg->max_nodes : (size_t)1 << 23);
		else if (r < 0)
			snprintf(errbuf, errlen, "firewall %s: %s", fw->name, strerror(-r));
		rs_ruleset_free(rs);
		verified++;
	}
	if (r >= 0 && verified == 0) {
		snprintf(errbuf, errlen,
			 "no firewall in %s has a ruleset to verify: give one with `ruleset:` in the topology, "
			 "--ruleset FW=FILE or --live FW",
			 topo_site_path(site));
		r = -EINVAL;
	}
	if (r >= 0)
		r = provenance(rep, site);
	if (r < 0) {
		an_vreport_free(rep);
		return r;
	}
	*ret = rep;
	return 0;
}

/* ------------------------------------------- the kernel differential test */

struct probe_points {
	uint8_t (*bits)[N_VARS];
	uint32_t *chain; /* UINT32_MAX: a random packet */
	size_t *rule;
	size_t n, cap;
	unsigned per_rule;
	uint64_t rng;
	bdd_t sendable;
	int err;
};

static void add_point(struct probe_points *pp, const uint8_t *bits, uint32_t chain, size_t rule)
{
	if (pp->n == pp->cap) {
		size_t cap = pp->cap ? 2 * pp->cap : 256;
		void *b = realloc(pp->bits, cap * sizeof(*pp->bits)), *c = b ? realloc(pp->chain, cap * sizeof(*pp->chain)) : NULL;
		if (b)
			pp->bits = b;
		if (c)
			pp->chain = c;
		void *r = c ? realloc(pp->rule, cap * sizeof(*pp->rule)) : NULL;
		if (!r) {
			pp->err = -ENOMEM;
			return;
		}
		pp->rule = r;
		pp->cap = cap;
	}
	memcpy(pp->bits[pp->n], bits, N_VARS);
	pp->chain[pp->n] = chain;
	pp->rule[pp->n++] = rule;
}

static void on_witness(struct walk *w, uint32_t chain, size_t rule, bdd_t hit)
{
	struct probe_points *pp = w->points;
	uint8_t bits[N_VARS];

	hit = bdd_and(w->c->m, hit, pp->sendable); /* no collection before the picks */
	const struct rs_rule *r = &w->c->rs->chains[chain].rules[rule];
	if (dnat_modelled(w->c, w->base, r)) /* those it translates */
		hit = prefer(w->c, hit, w->c->fam[r->nat_to.family == 6]);
	for (unsigned k = 0; k < pp->per_rule && !pp->err; k++)
		if (bdd_pick_random(w->c->m, hit, bits, &pp->rng))
			add_point(pp, bits, chain, rule);
}

/* Packets a client namespace can send through a Linux router and see
 * forwarded: TCP, UDP, ICMP over IPv4, ICMPv6 over IPv6; addresses that
 * are not martians (IPv4: not 0/8, 127/8, 224/3; IPv6: global unicast
 * 2000::/3 or unique local fc00::/7); a unicast source MAC; not from the
 * firewall's own addresses; to them, delivered locally (no output
 * interface), else forwarded between two interfaces. */
static bdd_t sendable(struct fw_ctx *c)
{
	struct bdd *m = c->m;
	bdd_t proto = bdd_or(m, bdd_or(m, bdd_uint(m, V_PROTO, 8, 6), bdd_uint(m, V_PROTO, 8, 17)),
			     bdd_or(m, bdd_and(m, c->fam[0], bdd_uint(m, V_PROTO, 8, 1)),
				    bdd_and(m, c->fam[1], bdd_uint(m, V_PROTO, 8, 58))));
	bdd_t iifs = BDD_FALSE;
	for (size_t i = 0; i < c->fw->n_ifaces; i++)
		iifs = bdd_or(m, iifs, bdd_uint(m, V_IIF, IF_BITS, i));
	bdd_t paths = bdd_or(m, bdd_diff(m, c->ifpair, c->own), bdd_and(m, bdd_and(m, iifs, c->pre_cube), c->own));
	bdd_t r = bdd_and(m, bdd_diff(m, proto, c->own_src), bdd_and(m, paths, bdd_and(m, c->ctnew, c->syn)));
	const unsigned vars[2] = {V_SADDR, V_DADDR};

	for (int i = 0; i < 2; i++) {
		unsigned v = vars[i];
		bdd_t bad4 = bdd_or(m, bdd_or(m, bdd_uint(m, v, 8, 0), bdd_uint(m, v, 8, 127)), bdd_uint(m, v, 3, 7));
		bdd_t ok6 = bdd_or(m, bdd_uint(m, v, 3, 1), bdd_uint(m, v, 7, 0x7e));
		r = bdd_and(m, r, bdd_or(m, bdd_diff(m, c->fam[0], bad4), bdd_and(m, c->fam[1], ok6)));
	}
	return bdd_and(m, r, bdd_uint(m, V_SMAC + 7, 1, 0));
}

static int probe_firewall(struct fw_ctx *c, unsigned per_rule, unsigned n_random, uint64_t seed, an_vprobe_fn fn,
			  void *arg)
{
	struct probe_points pp = {.per_rule = per_rule, .rng = seed};
	struct walk w = {.c = c, .mode = W_WITNESS, .points = &pp};
	bdd_t in = BDD_FALSE, pass = BDD_FALSE;
	int r;

	if (c->fw->n_ifaces > MAX_IFACES)
		return -E2BIG;
	if (!(c->m = bdd_new(N_VARS, (size_t)1 << 23)))
		return -ENOMEM;
	if ((r = setup(c)) < 0)
		return r;
	find_forward_path(c);
	keep(c, &w.acc);
	keep(c, &pp.sendable);
	keep(c, &in);
	keep(c, &pass);
	pp.sendable = sendable(c);
	in = pp.sendable;
	/* netdev ingress/egress chains (not modelled) filter before and after */
	bool edge = false;
	for (size_t i = 0; i < c->rs->n_chains; i++)
		if ((c->rs->chains[i].hook == RS_HOOK_INGRESS || c->rs->chains[i].hook == RS_HOOK_EGRESS) &&
		    (c->rs->chains[i].n_rules || c->rs->chains[i].policy == RS_POLICY_DROP))
			edge = true;
	/* each base chain sees what the earlier ones let through (a dnat
	 * changes what later ones see): prerouting, then the forward path
	 * for packets with an output interface, the local one for the rest */
	bdd_t local = BDD_FALSE;
	keep(c, &local);
	c->record = true;
	for (size_t i = 0; i < c->n_fwd && !pp.err; i++)
		if (c->rs->chains[c->fwd[i]].hook == RS_HOOK_PREROUTING)
			in = walk_base(&w, c->fwd[i], in);
	c->record = false;
	local = bdd_and(c->m, in, c->pre_cube);
	in = bdd_diff(c->m, in, c->pre_cube);
	for (size_t i = 0; i < c->n_fwd && !pp.err; i++)
		if (c->rs->chains[c->fwd[i]].hook != RS_HOOK_PREROUTING)
			in = walk_base(&w, c->fwd[i], in);
	for (size_t i = 0; i < c->n_loc && !pp.err; i++)
		if (c->rs->chains[c->loc[i]].hook != RS_HOOK_PREROUTING)
			local = walk_base(&w, c->loc[i], local);
	in = bdd_or(c->m, in, local);
	/* random packets: n_random forwarded ones, and a fifth as many to the
	 * firewall itself (a random pick over both would spend half on the
	 * few addresses of the firewall) */
	uint8_t bits[N_VARS];
	bdd_t fwd_s = bdd_diff(c->m, pp.sendable, c->pre_cube), loc_s = bdd_and(c->m, pp.sendable, c->pre_cube);
	for (unsigned k = 0; k < n_random + n_random / 5 && !pp.err; k++)
		if (bdd_pick_random(c->m, k < n_random ? fwd_s : loc_s, bits, &pp.rng))
			add_point(&pp, bits, UINT32_MAX, 0);
	if (bdd_full(c->m))
		r = -E2BIG;
	r = r < 0 ? r : pp.err ? pp.err : c->err;

	for (size_t i = 0; i < pp.n && r >= 0; i++) {
		struct an_vfinding f = {0};
		struct an_vprobe p = {0};
		char loc[512];

		uint8_t out[N_VARS], set_out[N_VARS];
		c->trace_approx = false;
		p.traced_accept = trace_out(c, pp.bits[i], &f, out);
		/* the set walk's verdict: translated as its dnat rule's hits say */
		memcpy(set_out, pp.bits[i], N_VARS);
		for (size_t k = 0; k < c->n_dn; k++)
			if (bdd_member(c->m, c->dn[k].hit, pp.bits[i])) {
				translate_point(c, c->dn[k].chain, c->dn[k].rule, set_out);
				break;
			}
		p.accept = bdd_member(c->m, in, set_out);
		decode_packet(c, out, &p.out);
		p.translated = out[V_DNAT];
		p.approximate = c->trace_approx || edge;
		decode_packet(c, pp.bits[i], &p.packet);
		p.packet.has_mac = true;
		p.tcp_flags = p.packet.proto == 6 ? (uint8_t)get_bits(pp.bits[i], V_TCPFL, 8) : 0;
		p.icmp_checksum = (uint16_t)get_bits(pp.bits[i], V_DPORT, 16);
		if (pp.chain[i] != UINT32_MAX)
			p.witness_of = rs_rule_location(c->rs, pp.chain[i], pp.rule[i], loc, sizeof(loc));
		p.rules = f.rules;
		p.n_rules = f.n_rules;
		r = c->err ? c->err : fn(&p, arg);
		for (size_t j = 0; j < f.n_rules; j++) {
			free(f.rules[j].location);
			free(f.rules[j].chain);
			free(f.rules[j].text);
		}
		free(f.rules);
	}
	free(pp.bits);
	free(pp.chain);
	free(pp.rule);
	return r;
}

int an_verify_probe(const struct an_verify_config *cfg, const char *firewall, unsigned per_rule, unsigned n_random,
		    uint64_t seed, an_vprobe_fn fn, void *arg, struct topo_diag_list *diags, char *errbuf,
		    size_t errlen)
{
	const struct topo_firewall *fw = NULL;
	const struct an_verify_source *src = NULL;
	struct rs_ruleset *rs = NULL;
	struct an_vfw_summary sum = {0};
	struct an_vreport rep = {0};
	int r;

	for (size_t i = 0; i < topo_site_n_firewalls(cfg->site); i++)
		if (strcmp(topo_site_firewall(cfg->site, i)->name, firewall) == 0)
			fw = topo_site_firewall(cfg->site, i);
	for (size_t j = 0; j < cfg->n_sources; j++)
		if (strcmp(cfg->sources[j].firewall, firewall) == 0)
			src = &cfg->sources[j];
	if (!fw) {
		snprintf(errbuf, errlen, "no firewall named '%s' in %s", firewall, topo_site_path(cfg->site));
		return -EINVAL;
	}
	r = load_ruleset(fw, src, &rs, diags);
	if (r == 1) {
		snprintf(errbuf, errlen, "firewall %s has no ruleset", firewall);
		return -EINVAL;
	}
	if (r < 0) {
		snprintf(errbuf, errlen, "the ruleset of firewall %s can't be read", fw->name);
		return r;
	}
	rep.site = cfg->site;
	rep.max_findings = 1;
	struct fw_ctx c = {.site = cfg->site, .fw = fw, .rs = rs, .report = &rep, .sum = &sum};
	r = probe_firewall(&c, per_rule, n_random, seed, fn, arg);
	fw_ctx_free(&c);
	rs_ruleset_free(rs);
	if (r < 0 && !errbuf[0])
		snprintf(errbuf, errlen, "firewall %s: %s", fw->name, strerror(-r));
	return r;
}

void an_vreport_free(struct an_vreport *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_inputs; i++)
		free(r->inputs[i].path);
	free(r->inputs);
	for (size_t i = 0; i < r->n_findings; i++) {
		struct an_vfinding *f = r->findings[i];
		for (size_t j = 0; j < f->n_rules; j++) {
			free(f->rules[j].location);
			free(f->rules[j].chain);
			free(f->rules[j].text);
		}
		free(f->rules);
		free(f->message);
		free(f->message_ja);
		free(f);
	}
	free(r->findings);
	for (size_t i = 0; i < r->n_fws; i++)
		free((char *)r->fws[i].source);
	free(r->fws);
	json_decref(r->seen);
	free(r);
}

size_t an_vreport_n_findings(const struct an_vreport *r)
{
	return r->n_findings;
}

const struct an_vfinding *an_vreport_finding(const struct an_vreport *r, size_t i)
{
	return i < r->n_findings ? r->findings[i] : NULL;
}

uint64_t an_vreport_count_at_least(const struct an_vreport *r, enum an_severity sev)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < _AN_CHECK_MAX; i++)
		if (an_check_severity(i) >= sev)
			n += r->counts[i];
	return n;
}

void an_vreport_view(const struct an_vreport *r, struct an_verify_view *ret)
{
	*ret = (struct an_verify_view){
		.site = r->site,
		.findings = (const struct an_vfinding *const *)r->findings,
		.n_findings = r->n_findings,
		.not_kept = r->not_kept,
		.counts = r->counts,
		.firewalls = r->fws,
		.n_firewalls = r->n_fws,
		.inputs = r->inputs,
		.n_inputs = r->n_inputs,
		.generated_ns = r->generated_ns,
	};
}
