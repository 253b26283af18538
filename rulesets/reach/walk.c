/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a ruleset does to packets (reach.h): matches as packet sets, the
 * walk over base chains in the kernel's order, dnat, and the one-packet
 * trace that must agree with it (tests/e2e/kernel-diff.py holds both to the
 * kernel).
 *
 * Per walk, each rule sees only what earlier rules left, following
 * jump/goto/return and verdict maps; a dnat to one address in a prerouting
 * nat chain gives the packets it takes their new destination and output
 * interface (V_DNAT set, the originals kept per rule in dn[] when
 * `record`).  Constructs the model can't express are assumed to match in
 * accepting rules and not to match in dropping ones.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reach.h"

static const uint32_t ct_bit[N_CT] = {RS_CT_NEW, RS_CT_ESTABLISHED, RS_CT_RELATED, RS_CT_INVALID, RS_CT_UNTRACKED};

struct keyvar {
	int var; /* -1: a small-domain key (nfproto, interfaces, ct state and status) */
	unsigned bits;
	int fam; /* -1, 0 (ipv4) or 1 (ipv6) */
};

bdd_t reach_prefer(struct bdd *m, bdd_t s, bdd_t p)
{
	bdd_t t = bdd_and(m, s, p);
	return t != BDD_FALSE ? t : s;
}

static void accepted(struct reach_walk *w, uint32_t chain, size_t rule, bdd_t hit)
{
	if (w->on_accept)
		w->on_accept(w, chain, rule, hit);
}

static bdd_t walk_chain(struct reach_walk *w, uint32_t ci, bdd_t in, unsigned depth);
static int64_t run_priority(const struct rs_chain *ch);

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

static bool ifname_is_known(const struct reach *c, const uint8_t *pat)
{
	char p[RS_IFNAMSIZ + 1];

	memcpy(p, pat, RS_IFNAMSIZ);
	p[RS_IFNAMSIZ] = 0;
	size_t n = strlen(p);
	if (n && p[n - 1] == '*')
		return false;
	for (size_t i = 0; i < c->n_ifaces; i++)
		if (strcmp(c->ifaces[i], p) == 0)
			return true;
	return false;
}

/*
 * A small-domain key: does domain value d satisfy the match?  For
 * interfaces, d is an interface index or IF_OTHER, which stands for every
 * name not among reach.ifaces: it matches an equality when the pattern
 * could name such an interface, and any inequality.
 */
static bool domain_test(const struct reach *c, enum rs_key k, unsigned d, const struct rs_match *m,
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
			return eq ? !ifname_is_known(c, pat) : true;
		bool match = ifname_matches(pat, d == IF_NONE ? "" : c->ifaces[d]);
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
static bool domain_value_exists(const struct reach *c, enum rs_key k, unsigned d)
{
	return !(k == RS_KEY_IIFNAME || k == RS_KEY_OIFNAME) || d < c->n_ifaces || d == IF_OTHER || d == IF_NONE;
}

static bdd_t domain_bdd(struct reach *c, enum rs_key k, const struct rs_match *m, const uint8_t *lo,
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

static bdd_t fam_of(struct reach *c, int fam)
{
	return fam < 0 ? BDD_TRUE : c->fam[fam];
}

/* The address-family condition a concatenation implies. */
static bdd_t keys_fam(struct reach *c, const struct rs_match *m)
{
	bdd_t r = BDD_TRUE;

	for (unsigned i = 0; i < m->n_keys; i++)
		r = bdd_and(c->m, r, fam_of(c, key_var(m->keys[i]).fam));
	return r;
}

bool reach_match_sane(const struct reach *c, const struct rs_match *m)
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
bdd_t reach_elem_bdd(struct reach *c, const struct rs_match *m, const struct rs_set_elem *e)
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
void reach_prebuild_set(struct reach *c, const struct rs_match *m)
{
	uint32_t s = m->set;
	const struct rs_set *set = &c->rs->sets[s];
	bdd_t acc = BDD_FALSE;
	size_t mark = bdd_root_mark(c->m);

	if (c->set_nkeys[s])
		return; /* built already (for these or other keys) */
	bdd_root_push(c->m, &acc);
	for (size_t i = 0; i < set->n_elems && !bdd_full(c->m); i++) {
		acc = bdd_or(c->m, acc, reach_elem_bdd(c, m, &set->elems[i]));
		if (i % 512 == 511)
			bdd_maybe_gc(c->m);
	}
	c->set_bdd[s] = acc;
	c->set_nkeys[s] = m->n_keys;
	memcpy(c->set_keys[s], m->keys, m->n_keys * sizeof(m->keys[0]));
	bdd_root_pop(c->m, mark);
	bdd_maybe_gc(c->m);
}

bdd_t reach_set_bdd(struct reach *c, const struct rs_match *m)
{
	uint32_t s = m->set;
	bool cached = c->set_nkeys[s] == m->n_keys && memcmp(c->set_keys[s], m->keys, m->n_keys * sizeof(m->keys[0])) == 0;

	if (cached)
		return c->set_bdd[s];
	/* the same set looked up with other keys: built each time, not kept */
	const struct rs_set *set = &c->rs->sets[s];
	bdd_t r = BDD_FALSE;
	for (size_t i = 0; i < set->n_elems; i++)
		r = bdd_or(c->m, r, reach_elem_bdd(c, m, &set->elems[i]));
	return r;
}

/* One match; *unknown when it can't be modelled (then TRUE). */
static bdd_t match_bdd(struct reach *c, const struct rs_match *m, bool *unknown)
{
	if (m->op == RS_OP_UNKNOWN || !reach_match_sane(c, m)) {
		*unknown = true;
		return BDD_TRUE;
	}
	if (m->op == RS_OP_IN)
		return reach_set_bdd(c, m);
	if (m->op == RS_OP_NOT_IN)
		return bdd_diff(c->m, keys_fam(c, m), reach_set_bdd(c, m));

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
static bool match_literals(struct reach *c, const struct rs_match *m, int8_t *lit, bool *contradiction)
{
	if (m->op != RS_OP_EQ || !reach_match_sane(c, m))
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
bdd_t reach_rule_bdd(struct reach *c, const struct rs_rule *r, bool *unknown)
{
	int8_t lit[N_VARS];
	bdd_t x = BDD_TRUE;
	bool contradiction = false;

	memset(lit, -1, sizeof(lit));
	*unknown = r->unsupported != NULL || r->verdict.code == RS_V_UNKNOWN;
	for (size_t i = 0; i < r->n_matches && x != BDD_FALSE && !contradiction; i++)
		if (!match_literals(c, &r->matches[i], lit, &contradiction))
			x = bdd_and(c->m, x, match_bdd(c, &r->matches[i], unknown));
	if (r->has_vmap && !reach_match_sane(c, &r->vmap))
		*unknown = true;
	if (contradiction)
		return BDD_FALSE;
	return bdd_and(c->m, x, bdd_cube(c->m, lit));
}

unsigned reach_get_bits(const uint8_t *bits, unsigned var, unsigned n)
{
	unsigned v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 1 | bits[var + i];
	return v;
}

void reach_get_bytes(const uint8_t *bits, unsigned var, unsigned n, uint8_t *out)
{
	memset(out, 0, (n + 7) / 8);
	for (unsigned i = 0; i < n; i++)
		if (bits[var + i])
			out[i / 8] |= (uint8_t)(0x80u >> (i % 8));
}

/* The match on one concrete packet (for tracing an example). */
static bool point_match(struct reach *c, const struct rs_match *m, const uint8_t *bits)
{
	if (m->op == RS_OP_UNKNOWN || !reach_match_sane(c, m))
		return true;
	if (m->op == RS_OP_IN || m->op == RS_OP_NOT_IN) {
		bool in = bdd_member(c->m, reach_set_bdd(c, m), bits);
		if (m->op == RS_OP_IN)
			return in;
		return bdd_member(c->m, keys_fam(c, m), bits) && !in;
	}
	enum rs_key k = m->keys[0];
	struct keyvar kv = key_var(k);
	if (kv.var < 0) {
		unsigned nb, n, var = domain_var(k, &nb, &n);
		return domain_test(c, k, reach_get_bits(bits, var, nb), m, NULL, NULL);
	}
	if (kv.fam >= 0 && (int)bits[V_FAM] != kv.fam)
		return false;
	uint8_t x[RS_VAL_MAX];
	reach_get_bytes(bits, (unsigned)kv.var, kv.bits, x);
	return cmp_value(m, rs_key_len(k), x);
}

bool reach_point_rule(struct reach *c, const struct rs_rule *r, const uint8_t *bits)
{
	for (size_t i = 0; i < r->n_matches; i++)
		if (!point_match(c, &r->matches[i], bits))
			return false;
	return true;
}

bool reach_rule_inexact(struct reach *c, uint32_t base, const struct rs_rule *r)
{
	if (r->unsupported || r->verdict.code == RS_V_UNKNOWN || (r->nat != RS_NAT_NONE && !reach_dnat_modelled(c, base, r)) ||
	    (r->has_vmap && !reach_match_sane(c, &r->vmap)))
		return true;
	for (size_t i = 0; i < r->n_matches; i++)
		if (r->matches[i].op == RS_OP_UNKNOWN || !reach_match_sane(c, &r->matches[i]))
			return true;
	return false;
}

static int64_t run_priority(const struct rs_chain *ch)
{
	if (ch->type != RS_CHAIN_NAT)
		return ch->priority;
	return ch->hook == RS_HOOK_PREROUTING ? PRI_NAT_DST : PRI_NAT_SRC;
}

bool reach_is_dnat_chain(const struct rs_chain *ch)
{
	return ch->type == RS_CHAIN_NAT && ch->hook == RS_HOOK_PREROUTING;
}

unsigned reach_hook_view(const struct reach *c, uint32_t base)
{
	const struct rs_chain *ch = &c->rs->chains[base];

	if (ch->hook == RS_HOOK_INPUT)
		return VIEW_NO_OIF;
	if (ch->hook != RS_HOOK_PREROUTING)
		return 0;
	return VIEW_NO_OIF | (run_priority(ch) < PRI_CONNTRACK ? VIEW_NO_CT : 0);
}

/* A dnat the model translates: one constant target (rs_nat_target.exact),
 * reached from a nat chain of prerouting, of a family the table has. */
bool reach_dnat_modelled(const struct reach *c, uint32_t base, const struct rs_rule *r)
{
	const struct rs_chain *ch = &c->rs->chains[base];
	enum rs_family f = c->rs->tables[ch->table].family;

	return r->nat == RS_NAT_DNAT && r->nat_to.exact && !r->has_vmap && reach_is_dnat_chain(ch) && reach_family_modelled(f) &&
	       (f == RS_FAMILY_INET || (f == RS_FAMILY_IP6) == (r->nat_to.family == 6));
}

/* The record of a dnat rule, made on first use: where it sends packets
 * (address, port, and the interface towards the address: the lowest-
 * numbered one facing an area that holds it, none for the firewall's own
 * addresses, IF_OTHER when no interface faces it). */
static struct dnat_rec *dnat_rec(struct reach *c, uint32_t chain, size_t rule)
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
	else if (c->route)
		d->oif = c->route(c->route_arg, bits);
	d->to = bdd_and(m, bdd_and(m, c->fam[t->family == 6], bdd_match(m, V_DADDR, t->family == 6 ? 128 : 32, t->addr, NULL)),
			bdd_and(m, bdd_uint(m, V_OIF, IF_BITS, d->oif), bdd_uint(m, V_DNAT, 1, 1)));
	if (t->has_port)
		d->to = bdd_and(m, d->to, bdd_uint(m, V_DPORT, 16, t->port));
	return d;
}

/* The packets hit, translated by rule (chain, rule); *rest: those of the
 * other family, which the rule leaves alone (nft_nat_inet_eval).  Recorded
 * in the rule's dnat_rec when c->record. */
static bdd_t translate(struct reach *c, uint32_t chain, size_t rule, bdd_t hit, bdd_t *rest)
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
	if (c->record) {
		d->hit = bdd_or(m, d->hit, fh);
		d->image = bdd_or(m, d->image, img);
	}
	return img;
}

/* The same for one packet: true when the rule translated it. */
bool reach_translate_point(struct reach *c, uint32_t chain, size_t rule, uint8_t *pk)
{
	const struct rs_nat_target *t = &c->rs->chains[chain].rules[rule].nat_to;
	struct dnat_rec *d;

	if (pk[V_FAM] != (t->family == 6) || !(d = dnat_rec(c, chain, rule)))
		return false;
	for (unsigned i = 0; i < (t->family == 6 ? 128u : 32u); i++)
		pk[V_DADDR + i] = (uint8_t)((t->addr[i / 8] >> (7 - i % 8)) & 1);
	if (t->has_port)
		reach_set_bits(pk, V_DPORT, 16, t->port);
	reach_set_bits(pk, V_OIF, IF_BITS, d->oif);
	pk[V_DNAT] = 1;
	return true;
}

/* the view as a cube, for the set walk */
bdd_t reach_hook_cube(const struct reach *c, uint32_t base)
{
	unsigned v = reach_hook_view(c, base);

	return v & VIEW_NO_CT ? c->raw_cube : v & VIEW_NO_OIF ? c->pre_cube : BDD_TRUE;
}

void reach_set_bits(uint8_t *bits, unsigned var, unsigned n, unsigned value)
{
	for (unsigned i = 0; i < n; i++)
		bits[var + i] = (uint8_t)((value >> (n - 1 - i)) & 1);
}

/*
 * Follows one concrete packet through a base chain: the rule (or policy)
 * that decided it goes into f.  Returns true when it was accepted.
 */
static bool trace_chain(struct reach *c, uint32_t base, uint8_t *packet, const struct reach_trace *f)
{
	uint8_t bits[N_VARS];

	if (reach_is_dnat_chain(&c->rs->chains[base]) && packet[V_DNAT])
		return true; /* translated already: the kernel skips the other nat chains */
	unsigned view = reach_hook_view(c, base);
	memcpy(bits, packet, sizeof(bits));
	if (view & VIEW_NO_OIF)
		reach_set_bits(bits, V_OIF, IF_BITS, IF_NONE);
	if (view & VIEW_NO_CT)
		reach_set_bits(bits, V_CT, 3, CT_INVALID);

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
				f->step(f->arg, base, SIZE_MAX, NULL);
				return c->rs->chains[base].policy == RS_POLICY_ACCEPT;
			}
			depth--;
			ci = stack[depth].chain;
			i = stack[depth].next;
			level = stack[depth].level;
			continue;
		}
		const struct rs_rule *r = &ch->rules[i++];
		if (!reach_point_rule(c, r, bits))
			continue;
		if (reach_rule_inexact(c, base, r))
			c->trace_approx = true;
		struct rs_verdict v = r->verdict;
		if (r->has_vmap) {
			v.code = RS_V_CONTINUE;
			if (reach_match_sane(c, &r->vmap)) {
				const struct rs_set *s = &c->rs->sets[r->vmap.set];
				for (size_t e = 0; e < s->n_elems; e++)
					if (bdd_member(c->m, reach_elem_bdd(c, &r->vmap, &s->elems[e]), bits)) {
						v = s->elems[e].verdict;
						break;
					}
			}
		}
		bool unknown = r->unsupported || v.code == RS_V_UNKNOWN;
		if (v.code == RS_V_ACCEPT && reach_dnat_modelled(c, base, r)) {
			if (!reach_translate_point(c, ci, i - 1, packet))
				continue; /* the other family: the rule does nothing */
			f->step(f->arg, ci, i - 1, "dnat");
			return true;
		}
		switch (v.code) {
		case RS_V_CONTINUE:
			break;
		case RS_V_DROP:
			if (unknown)
				break; /* assumed not to drop (see the top of this file) */
			f->step(f->arg, ci, i - 1, NULL);
			return false;
		case RS_V_ACCEPT:
		case RS_V_UNKNOWN:
			f->step(f->arg, ci, i - 1, "accept");
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
				f->step(f->arg, ci, i - 1, "accept");
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

bool reach_is_local(const uint8_t *bits)
{
	return reach_get_bits(bits, V_OIF, IF_BITS) == IF_NONE;
}

/* Returns true when the packet passes every base chain of its path: to
 * the firewall itself (no output interface) prerouting and input, else
 * prerouting, forward and postrouting. */
static bool trace_path(struct reach *c, const uint32_t *path, size_t n, bool pre, uint8_t *pk, const struct reach_trace *f,
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
bool reach_trace_out(struct reach *c, const uint8_t *bits, const struct reach_trace *f, uint8_t *out)
{
	uint8_t pk[N_VARS];
	size_t walked = 0;
	bool ok;

	memcpy(pk, bits, sizeof(pk));
	ok = trace_path(c, c->fwd, c->n_fwd, true, pk, f, &walked);
	bool local = reach_is_local(pk);
	if (ok)
		ok = local ? trace_path(c, c->loc, c->n_loc, false, pk, f, &walked)
			   : trace_path(c, c->fwd, c->n_fwd, false, pk, f, &walked);
	if (ok && !walked)
		f->step(f->arg, local ? NO_INPUT_CHAIN : NO_CHAIN, 0, NULL);
	if (out)
		memcpy(out, pk, sizeof(pk));
	return ok;
}

bool reach_trace(struct reach *c, const uint8_t *bits, const struct reach_trace *f)
{
	return reach_trace_out(c, bits, f, NULL);
}

/* A translated packet (V_DNAT set) as it arrived, before the dnat rule
 * that made it: one of that rule's hits with all the translation keeps. */
bool reach_packet_origin(struct reach *c, const uint8_t *bits, uint8_t *orig)
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
		s = reach_prefer(m, s, c->own);
		s = reach_prefer(m, s, bdd_not(m, bdd_and(m, c->fam[0], bdd_or(m, bdd_or(m, bdd_uint(m, V_DADDR, 8, 0),
									bdd_uint(m, V_DADDR, 8, 127)),
								  bdd_uint(m, V_DADDR, 3, 7)))));
		if (bdd_pick(m, s, orig))
			return true;
	}
	return false;
}

/* hit: packets the rule (or map element) decided, all in *s */
static void apply(struct reach_walk *w, uint32_t ci, size_t ri, struct rs_verdict v, bdd_t hit, bdd_t *s, bdd_t *ret,
		  bdd_t *sub, unsigned depth)
{
	struct reach *c = w->c;
	struct bdd *m = c->m;

	switch (v.code) {
	case RS_V_CONTINUE:
		return;
	case RS_V_UNKNOWN:
	case RS_V_ACCEPT:
		if (v.code == RS_V_ACCEPT && ri < c->rs->chains[ci].n_rules &&
		    reach_dnat_modelled(c, w->base, &c->rs->chains[ci].rules[ri])) {
			bdd_t rest, img = translate(c, ci, ri, hit, &rest);
			w->acc = bdd_or(m, w->acc, img);
			*s = bdd_diff(m, *s, bdd_diff(m, hit, rest));
			return;
		}
		w->acc = bdd_or(m, w->acc, hit);
		accepted(w, ci, ri, hit);
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
			accepted(w, ci, ri, hit);
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
static bdd_t walk_chain(struct reach_walk *w, uint32_t ci, bdd_t in, unsigned depth)
{
	struct reach *c = w->c;
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
		hit = bdd_and(m, s, bdd_restrict(m, reach_rule_bdd(c, r, &unknown), w->cube));
		if (hit == BDD_FALSE)
			continue;
		c->rflags[ci][i] |= RF_HIT;
		if (w->on_hit)
			w->on_hit(w, ci, i, hit);
		if (r->has_vmap) {
			if (!reach_match_sane(c, &r->vmap)) {
				apply(w, ci, i, (struct rs_verdict){RS_V_UNKNOWN, 0}, hit, &s, &ret, &sub, depth);
				continue;
			}
			const struct rs_set *set = &c->rs->sets[r->vmap.set];
			for (size_t k = 0; k < set->n_elems && hit != BDD_FALSE; k++) {
				e = bdd_and(m, hit, bdd_restrict(m, reach_elem_bdd(c, &r->vmap, &set->elems[k]), w->cube));
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
bdd_t reach_walk_base(struct reach_walk *w, uint32_t base, bdd_t in)
{
	struct reach *c = w->c;
	struct bdd *m = c->m;
	const struct rs_chain *ch = &c->rs->chains[base];
	enum rs_family fam = c->rs->tables[ch->table].family;
	bdd_t famset = fam == RS_FAMILY_IP ? c->fam[0] : fam == RS_FAMILY_IP6 ? c->fam[1] : BDD_TRUE;
	bdd_t ret = BDD_FALSE, pass = BDD_FALSE;
	size_t mark = bdd_root_mark(m);

	bdd_t skip = BDD_FALSE; /* other families; translated ones in a nat chain */
	w->acc = BDD_FALSE;
	w->cube = reach_hook_cube(c, base);
	w->base = base;
	bdd_root_push(m, &ret);
	bdd_root_push(m, &skip);
	skip = bdd_diff(m, in, famset);
	if (reach_is_dnat_chain(ch))
		skip = bdd_or(m, skip, bdd_diff(m, in, c->dnat0));
	ret = walk_chain(w, base, bdd_diff(m, in, skip), 0);
	if (ch->policy == RS_POLICY_ACCEPT) {
		w->acc = bdd_or(m, w->acc, ret);
		accepted(w, base, SIZE_MAX, ret);
	}
	pass = bdd_or(m, w->acc, skip);
	bdd_root_pop(m, mark);
	return pass;
}

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
bdd_t reach_first_packets(struct reach *c)
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

bool reach_family_modelled(enum rs_family f)
{
	return f == RS_FAMILY_IP || f == RS_FAMILY_IP6 || f == RS_FAMILY_INET;
}

void reach_find_forward_path(struct reach *c)
{
	const struct rs_ruleset *rs = c->rs;
	size_t best_rules = 0;

	for (uint32_t i = 0; i < rs->n_chains; i++) {
		const struct rs_chain *ch = &rs->chains[i];
		if (!reach_family_modelled(rs->tables[ch->table].family) || ch->type == RS_CHAIN_ROUTE)
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

/* the address families some base chain of the path filters */
bdd_t reach_path_families(struct reach *c, const uint32_t *path, size_t n)
{
	bdd_t covered = BDD_FALSE;

	for (size_t i = 0; i < n; i++) {
		enum rs_family f = c->rs->tables[c->rs->chains[path[i]].table].family;
		covered = bdd_or(c->m, covered, f == RS_FAMILY_IP ? c->fam[0] : f == RS_FAMILY_IP6 ? c->fam[1] : BDD_TRUE);
	}
	return covered;
}

int reach_init(struct reach *c, size_t max_nodes)
{
	const struct rs_ruleset *rs = c->rs;

	if (c->n_ifaces > MAX_IFACES)
		return -E2BIG;
	if (!(c->m = bdd_new(N_VARS, max_nodes)))
		return -ENOMEM;
	struct bdd *m = c->m;
	c->set_bdd = calloc(rs->n_sets + 1, sizeof(bdd_t));
	c->set_keys = calloc(rs->n_sets + 1, sizeof(*c->set_keys));
	c->set_nkeys = calloc(rs->n_sets + 1, 1);
	c->rflags = calloc(rs->n_chains + 1, sizeof(*c->rflags));
	c->fwd = calloc(rs->n_chains + 1, sizeof(*c->fwd));
	c->loc = calloc(rs->n_chains + 1, sizeof(*c->loc));
	if (!c->set_bdd || !c->set_keys || !c->set_nkeys || !c->rflags || !c->fwd || !c->loc)
		return -ENOMEM;
	for (size_t i = 0; i < rs->n_chains; i++)
		if (!(c->rflags[i] = calloc(rs->chains[i].n_rules + 1, 1)))
			return -ENOMEM;

	bdd_t *g[] = {&c->fam[0], &c->fam[1], &c->pre_cube, &c->raw_cube, &c->dnat0, &c->dnat_q, &c->dnat_qp, &c->own};
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		bdd_root_push(m, g[i]);
	for (size_t i = 0; i < rs->n_sets; i++)
		bdd_root_push(m, &c->set_bdd[i]);
	c->fam[0] = bdd_uint(m, V_FAM, 1, 0);
	c->fam[1] = bdd_uint(m, V_FAM, 1, 1);
	c->pre_cube = bdd_uint(m, V_OIF, IF_BITS, IF_NONE);
	c->raw_cube = bdd_and(m, c->pre_cube, bdd_uint(m, V_CT, 3, CT_INVALID));
	c->dnat0 = bdd_uint(m, V_DNAT, 1, 0);
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

	/* the sets rules look up, built once with collections in between */
	for (size_t i = 0; i < rs->n_chains; i++)
		for (size_t j = 0; j < rs->chains[i].n_rules; j++) {
			const struct rs_rule *r = &rs->chains[i].rules[j];
			for (size_t k = 0; k < r->n_matches; k++) {
				const struct rs_match *x = &r->matches[k];
				if ((x->op == RS_OP_IN || x->op == RS_OP_NOT_IN) && reach_match_sane(c, x))
					reach_prebuild_set(c, x);
			}
		}

	/* dnat: a record per rule the model may translate */
	size_t n_dnat = 0;
	bool nat_chain = false;
	for (size_t i = 0; i < rs->n_chains; i++) {
		nat_chain = nat_chain || (reach_is_dnat_chain(&rs->chains[i]) &&
					  reach_family_modelled(rs->tables[rs->chains[i].table].family));
		for (size_t j = 0; j < rs->chains[i].n_rules; j++)
			n_dnat += rs->chains[i].rules[j].nat == RS_NAT_DNAT && rs->chains[i].rules[j].nat_to.exact;
	}
	if (n_dnat && !(c->dn = calloc(n_dnat, sizeof(*c->dn))))
		return -ENOMEM;
	for (size_t i = 0; i < n_dnat; i++) {
		bdd_root_push(m, &c->dn[i].to);
		bdd_root_push(m, &c->dn[i].hit);
		bdd_root_push(m, &c->dn[i].image);
	}
	c->has_dnat = n_dnat && nat_chain;
	reach_find_forward_path(c);
	return bdd_full(m) ? -E2BIG : 0;
}

void reach_free(struct reach *c)
{
	free(c->dn);
	if (c->rflags)
		for (size_t i = 0; i < c->rs->n_chains; i++)
			free(c->rflags[i]);
	free(c->rflags);
	free(c->set_bdd);
	free(c->set_keys);
	free(c->set_nkeys);
	free(c->fwd);
	free(c->loc);
	bdd_free(c->m);
}
