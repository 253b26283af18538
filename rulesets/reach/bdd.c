/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ROBDDs for the ruleset verifier (reach.h).
 *
 * Complexity: and/or/diff are O(|a|·|b|) in the worst case and, with the
 * operation cache, close to O(|result|) for the shapes rule walks produce
 * (a remaining set minus one rule's cube touches one path).  Building a
 * match or a range is O(bits).
 */
#include <stdlib.h>
#include <string.h>

#include "reach.h"

#define VAR_FREE 0xffffu
/* Collect once this many nodes are live (and then at twice what the last
 * collection kept): a walk leaves most of what it makes behind at once, and
 * a table that small stays in the processor's caches, where mk() finds its
 * nodes several times faster than in a table of millions (10k rules: 1.4 s
 * and 101 MiB with a first collection at 4M nodes, 0.9 s and 42 MiB here;
 * docs/performance.md). */
#define GC_MIN_NODES (1u << 17)
#define MARK 0x80000000u

struct node {
	uint32_t lo, hi, next;
	uint32_t var; /* low 16 bits: variable; MARK: reached in a collection */
};

enum op { OP_AND = 1, OP_OR, OP_DIFF, OP_RESTRICT, OP_EXISTS };

struct cache_entry {
	uint32_t a, b, r, op;
};

struct bdd {
	unsigned n_vars;
	struct node *nodes;
	size_t cap, used, max_nodes; /* used: high-water slot index */
	uint32_t free_list;          /* 0: none (slot 0 is a terminal) */
	size_t live, peak, gc_at;
	uint32_t *buckets;
	size_t n_buckets; /* power of two */
	struct cache_entry *cache;
	size_t n_cache; /* power of two */
	bdd_t **roots;
	size_t n_roots, cap_roots;
	bool full;
};

static inline unsigned var_of(const struct bdd *m, bdd_t a)
{
	return m->nodes[a].var & 0xffffu;
}

static inline uint32_t hash3(uint32_t a, uint32_t b, uint32_t c)
{
	uint64_t h = (uint64_t)a * 0x9e3779b97f4a7c15ull;
	h ^= (uint64_t)b * 0xc2b2ae3d27d4eb4full + (h >> 29);
	h ^= (uint64_t)c * 0x165667b19e3779f9ull + (h >> 32);
	return (uint32_t)(h ^ (h >> 31));
}

struct bdd *bdd_new(unsigned n_vars, size_t max_nodes)
{
	struct bdd *m = calloc(1, sizeof(*m));

	if (!m || n_vars >= VAR_FREE || max_nodes < 16 || max_nodes > UINT32_MAX / 2)
		goto fail;
	m->n_vars = n_vars;
	m->max_nodes = max_nodes;
	m->cap = max_nodes < 65536 ? max_nodes : 65536;
	m->nodes = malloc(m->cap * sizeof(*m->nodes));
	m->n_buckets = 65536;
	m->buckets = calloc(m->n_buckets, sizeof(*m->buckets));
	m->n_cache = 1u << 15; /* small enough to stay in cache: hits are rare in rule walks */
	m->cache = calloc(m->n_cache, sizeof(*m->cache));
	if (!m->nodes || !m->buckets || !m->cache)
		goto fail;
	for (int i = 0; i < 2; i++)
		m->nodes[i] = (struct node){.lo = (uint32_t)i, .hi = (uint32_t)i, .var = n_vars};
	m->used = 2;
	m->live = 2;
	m->gc_at = max_nodes / 2 < GC_MIN_NODES ? max_nodes / 2 : GC_MIN_NODES;
	return m;
fail:
	bdd_free(m);
	return NULL;
}

void bdd_free(struct bdd *m)
{
	if (!m)
		return;
	free(m->nodes);
	free(m->buckets);
	free(m->cache);
	free(m->roots);
	free(m);
}

bool bdd_full(const struct bdd *m)
{
	return m->full;
}

size_t bdd_live_nodes(const struct bdd *m)
{
	return m->live;
}

size_t bdd_peak_nodes(const struct bdd *m)
{
	return m->peak;
}

static void rehash(struct bdd *m)
{
	memset(m->buckets, 0, m->n_buckets * sizeof(*m->buckets));
	for (size_t i = 2; i < m->used; i++) {
		struct node *n = &m->nodes[i];
		if ((n->var & 0xffffu) == VAR_FREE)
			continue;
		uint32_t h = hash3(n->var & 0xffffu, n->lo, n->hi) & (uint32_t)(m->n_buckets - 1);
		n->next = m->buckets[h];
		m->buckets[h] = (uint32_t)i;
	}
}

/* More room: double the node table (up to max_nodes) and the buckets. */
static bool grow(struct bdd *m)
{
	if (m->cap >= m->max_nodes)
		return false;
	size_t ncap = m->cap * 2 < m->max_nodes ? m->cap * 2 : m->max_nodes;
	struct node *n = realloc(m->nodes, ncap * sizeof(*n));
	if (!n)
		return false;
	m->nodes = n;
	m->cap = ncap;
	if (m->n_buckets < ncap) {
		/* one bucket per node: chains of one on average, and at 100k
		 * rules 32 MiB less than two (the table is most of the peak) */
		uint32_t *b = realloc(m->buckets, ncap * sizeof(*b));
		if (!b)
			return false;
		m->buckets = b;
		m->n_buckets = ncap;
		rehash(m);
	}
	return true;
}

static bdd_t mk(struct bdd *m, unsigned var, bdd_t lo, bdd_t hi)
{
	if (lo == hi || m->full)
		return m->full ? BDD_FALSE : lo;
	uint32_t h = hash3(var, lo, hi) & (uint32_t)(m->n_buckets - 1);
	for (uint32_t i = m->buckets[h]; i; i = m->nodes[i].next) {
		const struct node *n = &m->nodes[i];
		if (n->lo == lo && n->hi == hi && (n->var & 0xffffu) == var)
			return i;
	}
	uint32_t i;
	if (m->free_list) {
		i = m->free_list;
		m->free_list = m->nodes[i].next;
	} else {
		if (m->used == m->cap) {
			if (!grow(m)) {
				m->full = true;
				return BDD_FALSE;
			}
			h = hash3(var, lo, hi) & (uint32_t)(m->n_buckets - 1); /* buckets may have grown */
		}
		i = (uint32_t)m->used++;
	}
	m->nodes[i] = (struct node){.lo = lo, .hi = hi, .var = var, .next = m->buckets[h]};
	m->buckets[h] = i;
	if (++m->live > m->peak)
		m->peak = m->live;
	return i;
}

static bdd_t apply(struct bdd *m, enum op op, bdd_t a, bdd_t b)
{
	switch (op) {
	case OP_AND:
		if (a == BDD_FALSE || b == BDD_FALSE)
			return BDD_FALSE;
		if (a == BDD_TRUE || a == b)
			return b;
		if (b == BDD_TRUE)
			return a;
		if (a > b) {
			bdd_t t = a;
			a = b;
			b = t;
		}
		break;
	case OP_OR:
		if (a == BDD_TRUE || b == BDD_TRUE)
			return BDD_TRUE;
		if (a == BDD_FALSE || a == b)
			return b;
		if (b == BDD_FALSE)
			return a;
		if (a > b) {
			bdd_t t = a;
			a = b;
			b = t;
		}
		break;
	case OP_DIFF:
		if (a == BDD_FALSE || b == BDD_TRUE || a == b)
			return BDD_FALSE;
		if (b == BDD_FALSE)
			return a;
		break;
	case OP_RESTRICT: /* bdd_restrict(), bdd_exists(): not through here */
	case OP_EXISTS:
		break;
	}
	if (m->full)
		return BDD_FALSE;

	struct cache_entry *ce = &m->cache[hash3(op, a, b) & (uint32_t)(m->n_cache - 1)];
	if (ce->op == (uint32_t)op && ce->a == a && ce->b == b)
		return ce->r;

	unsigned va = var_of(m, a), vb = var_of(m, b), v = va < vb ? va : vb;
	bdd_t a0 = va == v ? m->nodes[a].lo : a, a1 = va == v ? m->nodes[a].hi : a;
	bdd_t b0 = vb == v ? m->nodes[b].lo : b, b1 = vb == v ? m->nodes[b].hi : b;
	bdd_t lo = apply(m, op, a0, b0);
	bdd_t hi = apply(m, op, a1, b1);
	bdd_t r = mk(m, v, lo, hi);

	if (!m->full)
		*ce = (struct cache_entry){.a = a, .b = b, .r = r, .op = op};
	return r;
}

bdd_t bdd_and(struct bdd *m, bdd_t a, bdd_t b)
{
	return apply(m, OP_AND, a, b);
}

bdd_t bdd_or(struct bdd *m, bdd_t a, bdd_t b)
{
	return apply(m, OP_OR, a, b);
}

bdd_t bdd_diff(struct bdd *m, bdd_t a, bdd_t b)
{
	return apply(m, OP_DIFF, a, b);
}

bdd_t bdd_not(struct bdd *m, bdd_t a)
{
	return apply(m, OP_DIFF, BDD_TRUE, a);
}

/* a with the cube's variables fixed to its literals: follow the cube's one
 * non-false branch at each of its variables. */
bdd_t bdd_restrict(struct bdd *m, bdd_t a, bdd_t cube)
{
	if (a <= BDD_TRUE || cube <= BDD_TRUE || m->full)
		return m->full ? BDD_FALSE : a;

	unsigned va = var_of(m, a), vc = var_of(m, cube);
	bdd_t next = m->nodes[cube].lo == BDD_FALSE ? m->nodes[cube].hi : m->nodes[cube].lo;
	if (vc < va)
		return bdd_restrict(m, a, next);

	struct cache_entry *ce = &m->cache[hash3(OP_RESTRICT, a, cube) & (uint32_t)(m->n_cache - 1)];
	if (ce->op == (uint32_t)OP_RESTRICT && ce->a == a && ce->b == cube)
		return ce->r;
	bdd_t r;
	if (va == vc)
		r = bdd_restrict(m, m->nodes[cube].lo == BDD_FALSE ? m->nodes[a].hi : m->nodes[a].lo, next);
	else
		r = mk(m, va, bdd_restrict(m, m->nodes[a].lo, cube), bdd_restrict(m, m->nodes[a].hi, cube));
	if (!m->full)
		*ce = (struct cache_entry){.a = a, .b = cube, .r = r, .op = OP_RESTRICT};
	return r;
}

static inline int bit_at(const uint8_t *p, unsigned i)
{
	return (p[i / 8] >> (7 - i % 8)) & 1;
}

bdd_t bdd_match(struct bdd *m, unsigned var, unsigned bits, const uint8_t *value, const uint8_t *mask)
{
	bdd_t r = BDD_TRUE;

	for (unsigned i = bits; i-- > 0;) {
		if (mask && !bit_at(mask, i))
			continue;
		r = bit_at(value, i) ? mk(m, var + i, BDD_FALSE, r) : mk(m, var + i, r, BDD_FALSE);
	}
	return r;
}

bdd_t bdd_range(struct bdd *m, unsigned var, unsigned bits, const uint8_t *lo, const uint8_t *hi)
{
	bdd_t ge = BDD_TRUE, le = BDD_TRUE;

	/* built from the least significant bit up: each node decides on its bit
	 * when it differs from the bound, else defers to the bits below */
	for (unsigned i = bits; i-- > 0;) {
		ge = bit_at(lo, i) ? mk(m, var + i, BDD_FALSE, ge) : mk(m, var + i, ge, BDD_TRUE);
		le = bit_at(hi, i) ? mk(m, var + i, BDD_TRUE, le) : mk(m, var + i, le, BDD_FALSE);
	}
	return bdd_and(m, ge, le);
}

bdd_t bdd_uint(struct bdd *m, unsigned var, unsigned bits, uint64_t value)
{
	bdd_t r = BDD_TRUE;

	for (unsigned i = 0; i < bits; i++) {
		unsigned v = var + bits - 1 - i; /* bit i of value, from the bottom */
		r = (value >> i) & 1 ? mk(m, v, BDD_FALSE, r) : mk(m, v, r, BDD_FALSE);
	}
	return r;
}

bdd_t bdd_exists(struct bdd *m, bdd_t a, bdd_t vars)
{
	if (a <= BDD_TRUE || vars <= BDD_TRUE || m->full)
		return m->full ? BDD_FALSE : a;

	unsigned va = var_of(m, a);
	while (vars > BDD_TRUE && var_of(m, vars) < va)
		vars = m->nodes[vars].hi;
	if (vars <= BDD_TRUE)
		return a;

	struct cache_entry *ce = &m->cache[hash3(OP_EXISTS, a, vars) & (uint32_t)(m->n_cache - 1)];
	if (ce->op == (uint32_t)OP_EXISTS && ce->a == a && ce->b == vars)
		return ce->r;
	bdd_t r;
	if (var_of(m, vars) == va) {
		bdd_t next = m->nodes[vars].hi;
		bdd_t lo = bdd_exists(m, m->nodes[a].lo, next);
		r = lo == BDD_TRUE ? lo : bdd_or(m, lo, bdd_exists(m, m->nodes[a].hi, next));
	} else
		r = mk(m, va, bdd_exists(m, m->nodes[a].lo, vars), bdd_exists(m, m->nodes[a].hi, vars));
	if (!m->full)
		*ce = (struct cache_entry){.a = a, .b = vars, .r = r, .op = OP_EXISTS};
	return r;
}

bdd_t bdd_cube(struct bdd *m, const int8_t *lit)
{
	bdd_t r = BDD_TRUE;

	for (unsigned v = m->n_vars; v-- > 0;)
		if (lit[v] >= 0)
			r = lit[v] ? mk(m, v, BDD_FALSE, r) : mk(m, v, r, BDD_FALSE);
	return r;
}

bool bdd_pick(struct bdd *m, bdd_t a, uint8_t *bits)
{
	memset(bits, 0, m->n_vars);
	if (a == BDD_FALSE)
		return false;
	while (a != BDD_TRUE) {
		const struct node *n = &m->nodes[a];
		if (n->lo != BDD_FALSE) {
			a = n->lo;
		} else {
			bits[n->var & 0xffffu] = 1;
			a = n->hi;
		}
	}
	return true;
}

static uint64_t rng_next(uint64_t *state) /* splitmix64 */
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

bool bdd_pick_random(struct bdd *m, bdd_t a, uint8_t *bits, uint64_t *rng)
{
	unsigned v = 0;

	if (a == BDD_FALSE) {
		memset(bits, 0, m->n_vars);
		return false;
	}
	while (a != BDD_TRUE) {
		const struct node *n = &m->nodes[a];
		unsigned var = n->var & 0xffffu;
		for (; v < var; v++) /* skipped: free */
			bits[v] = rng_next(rng) & 1;
		bool hi = n->lo == BDD_FALSE || (n->hi != BDD_FALSE && (rng_next(rng) & 1));
		bits[v++] = hi;
		a = hi ? n->hi : n->lo;
	}
	for (; v < m->n_vars; v++)
		bits[v] = rng_next(rng) & 1;
	return true;
}

bool bdd_member(const struct bdd *m, bdd_t a, const uint8_t *bits)
{
	while (a > BDD_TRUE) {
		const struct node *n = &m->nodes[a];
		a = bits[n->var & 0xffffu] ? n->hi : n->lo;
	}
	return a == BDD_TRUE;
}

/* ------------------------------------------------------------- collection */

size_t bdd_root_mark(const struct bdd *m)
{
	return m->n_roots;
}

void bdd_root_push(struct bdd *m, bdd_t *slot)
{
	if (m->n_roots == m->cap_roots) {
		size_t ncap = m->cap_roots ? m->cap_roots * 2 : 64;
		bdd_t **p = realloc(m->roots, ncap * sizeof(*p));
		if (!p) {
			m->full = true; /* can't protect it: stop rather than free it */
			return;
		}
		m->roots = p;
		m->cap_roots = ncap;
	}
	m->roots[m->n_roots++] = slot;
}

void bdd_root_pop(struct bdd *m, size_t mark)
{
	if (mark < m->n_roots)
		m->n_roots = mark;
}

static void mark_from(struct bdd *m, bdd_t a)
{
	/* children sit strictly lower in the order, so the depth is at most
	 * n_vars */
	while (a > BDD_TRUE && !(m->nodes[a].var & MARK)) {
		m->nodes[a].var |= MARK;
		mark_from(m, m->nodes[a].lo);
		a = m->nodes[a].hi;
	}
}

static void collect(struct bdd *m)
{
	for (size_t i = 0; i < m->n_roots; i++)
		mark_from(m, *m->roots[i]);
	m->free_list = 0;
	m->live = 2;
	for (size_t i = m->used; i-- > 2;) {
		struct node *n = &m->nodes[i];
		if (n->var & MARK) {
			n->var &= ~MARK;
			m->live++;
		} else {
			n->var = VAR_FREE;
			n->next = m->free_list;
			m->free_list = (uint32_t)i;
		}
	}
	rehash(m);
	memset(m->cache, 0, m->n_cache * sizeof(*m->cache));
}

void bdd_maybe_gc(struct bdd *m)
{
	if (m->live < m->gc_at)
		return;
	collect(m);
	/* collect again once the live set has doubled, but before the table
	 * is full */
	size_t next = m->live * 2 > GC_MIN_NODES ? m->live * 2 : GC_MIN_NODES;
	size_t ceiling = m->max_nodes - m->max_nodes / 8;
	m->gc_at = next < ceiling ? next : ceiling;
}

/* ------------------------------------------------------------- inspection */

bdd_t bdd_node(struct bdd *m, unsigned var, bdd_t lo, bdd_t hi)
{
	return mk(m, var, lo, hi);
}

unsigned bdd_var(const struct bdd *m, bdd_t a)
{
	return a <= BDD_TRUE ? m->n_vars : var_of(m, a);
}

bdd_t bdd_low(const struct bdd *m, bdd_t a)
{
	return a <= BDD_TRUE ? a : m->nodes[a].lo;
}

bdd_t bdd_high(const struct bdd *m, bdd_t a)
{
	return a <= BDD_TRUE ? a : m->nodes[a].hi;
}
