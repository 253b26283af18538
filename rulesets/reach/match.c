/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A rule's matches as packet sets and on one concrete packet (reach.h):
 * each match key's variables in the packet space, or a small domain
 * (nfproto, interface names, ct state and status) tested value by value;
 * set and map elements; a rule's conjunction, built from literals where it
 * can be.  A construct the model can't express is `unknown` to the caller,
 * which decides what it means (walk.c: match when accepting, not when
 * dropping).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reach.h"

static const uint32_t ct_bit[REACH_N_CT] = {RS_CT_NEW, RS_CT_ESTABLISHED, RS_CT_RELATED, RS_CT_INVALID,
					    RS_CT_UNTRACKED};

struct keyvar {
	int var; /* -1: a small-domain key (nfproto, interfaces, ct state and status) */
	unsigned bits;
	int fam; /* -1, 0 (ipv4) or 1 (ipv6) */
};


static struct keyvar key_var(enum rs_key k)
{
	switch (k) {
	case RS_KEY_L4PROTO:
		return (struct keyvar){REACH_V_PROTO, 8, -1};
	case RS_KEY_IP_SADDR:
		return (struct keyvar){REACH_V_SADDR, 32, 0};
	case RS_KEY_IP_DADDR:
		return (struct keyvar){REACH_V_DADDR, 32, 0};
	case RS_KEY_IP6_SADDR:
		return (struct keyvar){REACH_V_SADDR, 128, 1};
	case RS_KEY_IP6_DADDR:
		return (struct keyvar){REACH_V_DADDR, 128, 1};
	case RS_KEY_SPORT:
		return (struct keyvar){REACH_V_SPORT, 16, -1};
	case RS_KEY_DPORT:
		return (struct keyvar){REACH_V_DPORT, 16, -1};
	case RS_KEY_ICMP_TYPE:
		return (struct keyvar){REACH_V_SPORT, 8, -1};
	case RS_KEY_ICMP_CODE:
		return (struct keyvar){REACH_V_SPORT + 8, 8, -1};
	case RS_KEY_TCP_FLAGS:
		return (struct keyvar){REACH_V_TCPFL, 8, -1};
	case RS_KEY_ETHER_SADDR:
		return (struct keyvar){REACH_V_SMAC, 48, -1};
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
 * interfaces, d is an interface index or REACH_IF_OTHER, which stands for every
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
		if (st != REACH_CT_NEW && st != REACH_CT_ESTABLISHED && st != REACH_CT_RELATED)
			return false;
		uint32_t status = d >> 3 ? RS_CTS_DNAT : 0;
		memcpy(x, &status, 4);
		break;
	}
	case RS_KEY_IIFNAME:
	case RS_KEY_OIFNAME: {
		const uint8_t *pat = lo ? lo : m->value;
		bool eq = lo || m->op == RS_OP_EQ;
		if (d == REACH_IF_OTHER)
			return eq ? !ifname_is_known(c, pat) : true;
		bool match = ifname_matches(pat, d == REACH_IF_NONE ? "" : c->ifaces[d]);
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
		return REACH_V_FAM;
	case RS_KEY_CT_STATE:
		*bits = 3;
		*n = REACH_N_CT;
		return REACH_V_CT;
	case RS_KEY_CT_STATUS:
		*bits = 4;
		*n = 16;
		return REACH_V_DNAT;
	case RS_KEY_OIFNAME:
		*bits = REACH_IF_BITS;
		*n = REACH_IF_OTHER + 1;
		return REACH_V_OIF;
	default:
		*bits = REACH_IF_BITS;
		*n = REACH_IF_OTHER + 1;
		return REACH_V_IIF;
	}
}

/* Interface values are the firewall's interfaces, REACH_IF_NONE and REACH_IF_OTHER;
 * the indices between them stand for nothing. */
static bool domain_value_exists(const struct reach *c, enum rs_key k, unsigned d)
{
	return !(k == RS_KEY_IIFNAME || k == RS_KEY_OIFNAME) || d < c->n_ifaces || d == REACH_IF_OTHER || d == REACH_IF_NONE;
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
 * A set whose key is one run of packet bits (a single key, or a
 * concatenation of keys in the variables' order, each a bit string of its
 * full length) and whose elements are intervals of that run — a single
 * key's ranges, or tuples with a range at most in the last component — is
 * built directly: the intervals sorted and merged, then split bit by bit
 * from the top, each node of the result made once.  Or-ing a million
 * elements one at a time into an ever larger diagram costs seconds and
 * leaves millions of nodes behind; this is the same diagram (a BDD is
 * canonical) in one pass.  Returns false when the set is not of that
 * shape (the caller then ors its elements).
 */
typedef unsigned __int128 u128;

struct ival {
	u128 lo, hi;
};

struct direct {
	struct bdd *m;
	const struct ival *iv;
	unsigned bits;
	uint16_t var[128]; /* the variable of each bit of the run, from the top */
};

static u128 ones(unsigned n)
{
	return n >= 128 ? ~(u128)0 : ((u128)1 << n) - 1;
}

static int ival_cmp(const void *a, const void *b)
{
	const struct ival *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* intervals [i, j) meet the region of the strings starting with the d bits of base */
static bdd_t direct_build(const struct direct *g, unsigned d, u128 base, size_t i, size_t j)
{
	if (i == j)
		return BDD_FALSE;
	if (d == g->bits)
		return BDD_TRUE; /* one string, in an interval */
	u128 span = ones(g->bits - d);
	if (j - i == 1 && g->iv[i].lo <= base && g->iv[i].hi >= base + span)
		return BDD_TRUE;
	u128 mid = base + ((u128)1 << (g->bits - d - 1));
	/* the first interval starting in the upper half */
	size_t lo = i, hi = j;
	while (lo < hi) {
		size_t k = lo + (hi - lo) / 2;
		if (g->iv[k].lo < mid)
			lo = k + 1;
		else
			hi = k;
	}
	size_t right = lo > i && g->iv[lo - 1].hi >= mid ? lo - 1 : lo;
	bdd_t l = direct_build(g, d + 1, base, i, lo);
	bdd_t h = direct_build(g, d + 1, mid, right, j);
	return bdd_node(g->m, g->var[d], l, h);
}

static bool set_direct(struct reach *c, const struct rs_match *m, const struct rs_set *set, bdd_t *ret)
{
	struct direct g = {.m = c->m};
	unsigned lens[RS_MAX_CONCAT], next_var = 0;

	if (set->n_elems < 64)
		return false; /* small: or-ing is as quick */
	for (unsigned k = 0; k < m->n_keys; k++) {
		struct keyvar kv = key_var(m->keys[k]);
		lens[k] = (unsigned)rs_key_len(m->keys[k]);
		if (kv.var < 0 || kv.bits != 8 * lens[k] || (unsigned)kv.var < next_var || g.bits + kv.bits > 128)
			return false;
		for (unsigned b = 0; b < kv.bits; b++)
			g.var[g.bits + b] = (uint16_t)(kv.var + b);
		g.bits += kv.bits;
		next_var = (unsigned)kv.var + kv.bits;
	}
	struct ival *iv = malloc(set->n_elems * sizeof(*iv));
	if (!iv)
		return false;
	bool sorted = true;
	for (size_t e = 0; e < set->n_elems; e++) {
		const struct rs_set_elem *x = &set->elems[e];
		size_t off = 0;
		iv[e] = (struct ival){0, 0};
		for (unsigned k = 0; k < m->n_keys; k++) {
			if (k + 1 < m->n_keys && memcmp(x->lo + off, x->hi + off, lens[k]) != 0) {
				free(iv); /* a range before the last component: not one interval */
				return false;
			}
			for (unsigned b = 0; b < lens[k]; b++) {
				iv[e].lo = iv[e].lo << 8 | x->lo[off + b];
				iv[e].hi = iv[e].hi << 8 | x->hi[off + b];
			}
			off += lens[k];
		}
		if (iv[e].lo > iv[e].hi) {
			free(iv);
			return false;
		}
		sorted = sorted && (e == 0 || iv[e - 1].lo <= iv[e].lo);
	}
	if (!sorted)
		qsort(iv, set->n_elems, sizeof(*iv), ival_cmp);
	size_t n = 0;
	for (size_t e = 0; e < set->n_elems; e++) {
		if (n && (iv[n - 1].hi == ones(g.bits) || iv[e].lo <= iv[n - 1].hi + 1)) {
			if (iv[e].hi > iv[n - 1].hi)
				iv[n - 1].hi = iv[e].hi;
		} else
			iv[n++] = iv[e];
	}
	g.iv = iv;
	bdd_t r = direct_build(&g, 0, 0, 0, n);
	free(iv);
	*ret = bdd_and(c->m, keys_fam(c, m), r);
	return true;
}

/* The union of a set's elements under the match's keys. */
static bdd_t set_union(struct reach *c, const struct rs_match *m, const struct rs_set *set, bool collect)
{
	bdd_t acc = BDD_FALSE;
	size_t mark = bdd_root_mark(c->m);

	if (set_direct(c, m, set, &acc))
		return acc;
	bdd_root_push(c->m, &acc);
	for (size_t i = 0; i < set->n_elems && !bdd_full(c->m); i++) {
		acc = bdd_or(c->m, acc, reach_elem_bdd(c, m, &set->elems[i]));
		if (collect && i % 512 == 511)
			bdd_maybe_gc(c->m);
	}
	bdd_root_pop(c->m, mark);
	return acc;
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

	if (c->set_nkeys[s])
		return; /* built already (for these or other keys) */
	c->set_bdd[s] = set_union(c, m, set, true);
	c->set_nkeys[s] = m->n_keys;
	memcpy(c->set_keys[s], m->keys, m->n_keys * sizeof(m->keys[0]));
	bdd_maybe_gc(c->m);
}

bdd_t reach_set_bdd(struct reach *c, const struct rs_match *m)
{
	uint32_t s = m->set;
	bool cached = c->set_nkeys[s] == m->n_keys && memcmp(c->set_keys[s], m->keys, m->n_keys * sizeof(m->keys[0])) == 0;

	if (cached)
		return c->set_bdd[s];
	/* the same set looked up with other keys: built each time, not kept */
	return set_union(c, m, &c->rs->sets[s], false);
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
		if (kv.fam >= 0 && !add_literals(lit, REACH_V_FAM, 1, kv.fam ? &one : &zero, NULL))
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
	int8_t lit[REACH_N_VARS];
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

void reach_set_bytes(uint8_t *bits, unsigned var, unsigned n, const uint8_t *bytes)
{
	for (unsigned i = 0; i < n; i++)
		bits[var + i] = (uint8_t)((bytes[i / 8] >> (7 - i % 8)) & 1);
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
	if (kv.fam >= 0 && (int)bits[REACH_V_FAM] != kv.fam)
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

void reach_rule_ifmask(struct reach *c, const struct rs_rule *r, uint32_t ret[2])
{
	static const enum rs_key keys[2] = {RS_KEY_IIFNAME, RS_KEY_OIFNAME};
	static const unsigned vars[2] = {REACH_V_IIF, REACH_V_OIF};
	uint8_t bits[REACH_N_VARS];

	for (int d = 0; d < 2; d++) {
		ret[d] = UINT32_MAX;
		for (size_t i = 0; i < r->n_matches; i++) {
			const struct rs_match *m = &r->matches[i];
			if (m->n_keys != 1 || m->keys[0] != keys[d])
				continue;
			/* the match reads the interface variables only: try each
			 * value there is (the firewall's interfaces, none, any other) */
			for (unsigned v = 0; v < 32; v++) {
				if (v >= c->n_ifaces && v != REACH_IF_NONE && v != REACH_IF_OTHER)
					continue;
				memset(bits, 0, sizeof(bits));
				reach_set_bits(bits, vars[d], REACH_IF_BITS, v);
				if (!point_match(c, m, bits))
					ret[d] &= ~(1u << v);
			}
		}
	}
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

