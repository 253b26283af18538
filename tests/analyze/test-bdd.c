/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The BDD package against truth tables: over 10 variables every set is a
 * 1024-bit table, so each operation, range, match, cube, pick and
 * membership test can be checked exhaustively — including across garbage
 * collections (rooted handles must survive, and the results after a
 * collection must be the same nodes' meaning) and with a node bound small
 * enough to run out (the `full` flag, never a crash).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reach.h"
#include "rulesets-internal.h"

#define NV 10
#define NP (1u << NV)

struct tt {
	uint8_t v[NP];
};

static void point(unsigned p, uint8_t *bits)
{
	for (unsigned i = 0; i < NV; i++)
		bits[i] = (p >> (NV - 1 - i)) & 1; /* variable 0 is the top bit */
}

static void table(struct bdd *m, bdd_t a, struct tt *t)
{
	uint8_t bits[NV];

	for (unsigned p = 0; p < NP; p++) {
		point(p, bits);
		t->v[p] = bdd_member(m, a, bits);
	}
}

static void check_same(struct bdd *m, bdd_t a, const struct tt *want, const char *what)
{
	struct tt got;

	table(m, a, &got);
	for (unsigned p = 0; p < NP; p++)
		ck_assert_msg(got.v[p] == want->v[p], "%s: point %u is %d, expected %d", what, p, got.v[p], want->v[p]);
}

/* a random set built from ranges and masked matches, with its table */
static bdd_t random_set(struct bdd *m, struct tt *t)
{
	uint8_t lo[2], hi[2], val[2], mask[2];
	unsigned a = (unsigned)rand() % NP, b = (unsigned)rand() % NP;

	if (a > b) {
		unsigned x = a;
		a = b;
		b = x;
	}
	if (rand() % 2) {
		/* a range over all 10 bits: values left-aligned in 2 bytes */
		lo[0] = (uint8_t)(a >> 2);
		lo[1] = (uint8_t)(a << 6);
		hi[0] = (uint8_t)(b >> 2);
		hi[1] = (uint8_t)(b << 6);
		for (unsigned p = 0; p < NP; p++)
			t->v[p] = p >= a && p <= b;
		return bdd_range(m, 0, NV, lo, hi);
	}
	unsigned mk = (unsigned)rand() % NP;
	val[0] = (uint8_t)(a >> 2);
	val[1] = (uint8_t)(a << 6);
	mask[0] = (uint8_t)(mk >> 2);
	mask[1] = (uint8_t)(mk << 6);
	for (unsigned p = 0; p < NP; p++)
		t->v[p] = (p & mk) == (a & mk);
	return bdd_match(m, 0, NV, val, mask);
}

START_TEST(ops_match_truth_tables)
{
	struct bdd *m = bdd_new(NV, 1u << 16);

	srand(1);
	for (int round = 0; round < 400; round++) {
		struct tt ta, tb, want;
		bdd_t a = random_set(m, &ta), b = random_set(m, &tb);

		check_same(m, a, &ta, "set a");
		for (unsigned p = 0; p < NP; p++)
			want.v[p] = ta.v[p] && tb.v[p];
		check_same(m, bdd_and(m, a, b), &want, "and");
		for (unsigned p = 0; p < NP; p++)
			want.v[p] = ta.v[p] || tb.v[p];
		check_same(m, bdd_or(m, a, b), &want, "or");
		for (unsigned p = 0; p < NP; p++)
			want.v[p] = ta.v[p] && !tb.v[p];
		check_same(m, bdd_diff(m, a, b), &want, "diff");
		for (unsigned p = 0; p < NP; p++)
			want.v[p] = !ta.v[p];
		check_same(m, bdd_not(m, a), &want, "not");
		/* canonical: equal sets are the same handle */
		ck_assert_uint_eq(bdd_or(m, bdd_and(m, a, b), bdd_diff(m, a, b)), a);

		/* pick: a member when non-empty, and the smallest one */
		uint8_t bits[NV];
		bool any = false;
		unsigned first = 0;
		for (unsigned p = 0; p < NP && !any; p++)
			if (ta.v[p]) {
				any = true;
				first = p;
			}
		ck_assert_int_eq(bdd_pick(m, a, bits), any);
		if (any) {
			unsigned p = 0;
			for (unsigned i = 0; i < NV; i++)
				p = p << 1 | bits[i];
			ck_assert_uint_eq(p, first);
		}
		bdd_maybe_gc(m); /* nothing rooted: everything may go */
	}
	ck_assert(!bdd_full(m));
	bdd_free(m);
}
END_TEST

START_TEST(uint_and_cube)
{
	struct bdd *m = bdd_new(NV, 1u << 12);
	struct tt want;
	int8_t lit[NV];

	for (unsigned v = 0; v < 8; v++) {
		for (unsigned p = 0; p < NP; p++)
			want.v[p] = ((p >> 7) & 7) == v; /* variables 0-2 */
		check_same(m, bdd_uint(m, 0, 3, v), &want, "uint");
	}
	memset(lit, -1, sizeof(lit));
	lit[1] = 1;
	lit[4] = 0;
	lit[9] = 1;
	for (unsigned p = 0; p < NP; p++)
		want.v[p] = ((p >> 8) & 1) && !((p >> 5) & 1) && (p & 1);
	check_same(m, bdd_cube(m, lit), &want, "cube");
	memset(lit, -1, sizeof(lit));
	ck_assert_uint_eq(bdd_cube(m, lit), BDD_TRUE);
	bdd_free(m);
}
END_TEST

START_TEST(gc_keeps_roots)
{
	struct bdd *m = bdd_new(NV, 1u << 14);
	struct tt ta, tb;
	bdd_t a, b;

	srand(2);
	a = random_set(m, &ta);
	b = random_set(m, &tb);
	size_t mark = bdd_root_mark(m);
	bdd_root_push(m, &a);
	bdd_root_push(m, &b);
	for (int i = 0; i < 2000; i++) { /* garbage, then collections */
		struct tt t;
		bdd_t x = random_set(m, &t);
		(void)bdd_and(m, x, a);
		bdd_maybe_gc(m);
	}
	check_same(m, a, &ta, "rooted a after collections");
	check_same(m, b, &tb, "rooted b after collections");
	bdd_root_pop(m, mark);
	ck_assert(!bdd_full(m));
	bdd_free(m);
}
END_TEST

START_TEST(bounded_memory)
{
	/* 64 variables and 200 nodes: building a big set runs out; the
	 * manager says so and answers FALSE, it does not grow or crash */
	struct bdd *m = bdd_new(64, 200);
	bdd_t acc = BDD_FALSE;

	for (unsigned i = 0; i < 1000 && !bdd_full(m); i++) {
		uint8_t v[8];
		for (int k = 0; k < 8; k++)
			v[k] = (uint8_t)rand();
		acc = bdd_or(m, acc, bdd_match(m, 0, 64, v, NULL));
	}
	ck_assert(bdd_full(m));
	ck_assert_uint_le(bdd_peak_nodes(m), 200);
	bdd_free(m);
}
END_TEST
/* restrict by a random cube: the table at each point is the table at the
 * point with the cube's variables set to its literals */
START_TEST(restrict_is_cofactor)
{
	struct bdd *m = bdd_new(NV, 1u << 16);

	srand(2);
	for (int round = 0; round < 300; round++) {
		struct tt ta, tb, want;
		bdd_t a = bdd_or(m, random_set(m, &ta), random_set(m, &tb));
		int8_t lit[NV];
		unsigned fixed = 0, values = 0;

		for (unsigned p = 0; p < NP; p++)
			ta.v[p] = ta.v[p] || tb.v[p];
		for (unsigned i = 0; i < NV; i++) {
			lit[i] = rand() % 3 == 0 ? (int8_t)(rand() % 2) : -1;
			if (lit[i] >= 0) {
				fixed |= 1u << (NV - 1 - i);
				values |= (unsigned)lit[i] << (NV - 1 - i);
			}
		}
		for (unsigned p = 0; p < NP; p++)
			want.v[p] = ta.v[(p & ~fixed) | values];
		bdd_t r = bdd_restrict(m, a, bdd_cube(m, lit));
		check_same(m, r, &want, "restrict");
		/* independent of the fixed variables: restricting again changes nothing */
		ck_assert_uint_eq(bdd_restrict(m, r, bdd_cube(m, lit)), r);
		bdd_maybe_gc(m);
	}
	ck_assert_uint_eq(bdd_restrict(m, BDD_TRUE, bdd_uint(m, 0, 3, 5)), BDD_TRUE);
	ck_assert_uint_eq(bdd_restrict(m, bdd_uint(m, 0, 3, 5), bdd_uint(m, 0, 3, 4)), BDD_FALSE);
	ck_assert_uint_eq(bdd_restrict(m, bdd_uint(m, 0, 3, 5), bdd_uint(m, 0, 3, 5)), BDD_TRUE);
	ck_assert(!bdd_full(m));
	bdd_free(m);
}
END_TEST

/* ∃ vars. a, against the truth table: a point is in it when some point
 * that differs from it only in the quantified variables is in a */
START_TEST(exists_is_projection)
{
	struct bdd *m = bdd_new(NV, 1u << 16);

	srand(3);
	for (int round = 0; round < 300; round++) {
		struct tt ta, tb, want;
		bdd_t a = bdd_and(m, random_set(m, &ta), bdd_not(m, random_set(m, &tb)));
		int8_t lit[NV];
		unsigned q = 0;

		for (unsigned p = 0; p < NP; p++)
			ta.v[p] = ta.v[p] && !tb.v[p];
		for (unsigned i = 0; i < NV; i++) {
			lit[i] = rand() % 3 == 0 ? 1 : -1;
			if (lit[i] > 0)
				q |= 1u << (NV - 1 - i);
		}
		memset(&want, 0, sizeof(want));
		for (unsigned p = 0; p < NP; p++)
			if (ta.v[p])
				for (unsigned x = 0; x < NP; x++)
					if ((x & ~q) == (p & ~q))
						want.v[x] = 1;
		bdd_t r = bdd_exists(m, a, bdd_cube(m, lit));
		check_same(m, r, &want, "exists");
		bdd_maybe_gc(m);
	}
	ck_assert_uint_eq(bdd_exists(m, bdd_uint(m, 0, 3, 5), bdd_cube(m, (int8_t[NV]){1, 1, 1, -1, -1, -1, -1, -1, -1, -1})),
			  BDD_TRUE);
	ck_assert_uint_eq(bdd_exists(m, BDD_FALSE, BDD_TRUE), BDD_FALSE);
	ck_assert(!bdd_full(m));
	bdd_free(m);
}
END_TEST

/*
 * A large set is built directly (sorted intervals split bit by bit), not
 * by or-ing its elements: both must give the same diagram, which in one
 * manager is the same node.  Random sets of IPv4 and IPv6 addresses with
 * ranges, overlaps, neighbours, duplicates and the whole space, address .
 * port tuples with a port range last, and a tuple with a range first (not
 * one interval: or-ed), each looked up with keys the set is not cached for.
 */
static void rand_bytes(uint8_t *b, size_t n, unsigned spread)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i + 1 < n ? (rand() % 2 ? 10 : 192) : rand() % spread); /* few prefixes: overlaps */
}

START_TEST(sets_built_directly)
{
	static const struct {
		enum rs_key keys[2];
		unsigned n_keys;
		bool first_ranged;
	} kinds[] = {
		{{RS_KEY_IP_SADDR}, 1, false},
		{{RS_KEY_IP6_DADDR}, 1, false},
		{{RS_KEY_IP_DADDR, RS_KEY_DPORT}, 2, false},
		{{RS_KEY_DPORT}, 1, false},
		{{RS_KEY_IP_SADDR, RS_KEY_DPORT}, 2, true},
	};
	struct rs_ruleset *rs = rs_ruleset_new("mem", RS_ORIGIN_NFT_JSON);
	uint32_t t, idx;

	srand(7);
	ck_assert_int_eq(rs_table_add(rs, "t", RS_FAMILY_INET, &t), 0);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (int round = 0; round < 3; round++) {
			char name[32];
			snprintf(name, sizeof(name), "s%zu_%d", k, round);
			ck_assert_int_eq(rs_set_add(rs, t, name, &idx), 0);
			struct rs_set *set = &rs->sets[idx];
			size_t n = 64 + (size_t)(rand() % 160);
			for (size_t e = 0; e < n; e++) {
				struct rs_set_elem *x = rs_set_elem_add(set);
				size_t off = 0;
				ck_assert_ptr_nonnull(x);
				for (unsigned c = 0; c < kinds[k].n_keys; c++) {
					size_t len = rs_key_len(kinds[k].keys[c]);
					bool ranged = c + 1 == kinds[k].n_keys ? !kinds[k].first_ranged : kinds[k].first_ranged;
					rand_bytes(x->lo + off, len, 256);
					memcpy(x->hi + off, x->lo + off, len);
					if (ranged && rand() % 3 == 0)
						x->hi[off + len - 1] = (uint8_t)(x->lo[off + len - 1] + rand() % (256 - x->lo[off + len - 1]));
					if (ranged && round == 2 && e == n / 2) { /* the whole space */
						memset(x->lo + off, 0, len);
						memset(x->hi + off, 0xff, len);
					}
					off += len;
				}
				if (e && rand() % 10 == 0)
					*x = set->elems[e - 1]; /* a duplicate */
			}
		}
	struct reach c = {.rs = rs};
	ck_assert_int_eq(reach_init(&c, 1u << 22), 0);
	for (size_t s = 0; s < rs->n_sets; s++) {
		size_t k = s / 3;
		struct rs_match m = {.op = RS_OP_IN, .n_keys = (uint8_t)kinds[k].n_keys, .set = (uint32_t)s};
		memcpy(m.keys, kinds[k].keys, sizeof(kinds[k].keys));
		ck_assert(reach_match_sane(&c, &m));
		bdd_t direct = reach_set_bdd(&c, &m), ored = BDD_FALSE;
		for (size_t e = 0; e < rs->sets[s].n_elems; e++)
			ored = bdd_or(c.m, ored, reach_elem_bdd(&c, &m, &rs->sets[s].elems[e]));
		ck_assert_msg(direct == ored, "set %zu (kind %zu): built directly %u, or-ed %u", s, k, direct, ored);
		ck_assert_uint_ne(direct, BDD_FALSE);
	}
	ck_assert(!bdd_full(c.m));
	reach_free(&c);
	rs_ruleset_free(rs);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bdd");
	TCase *tc = tcase_create("bdd");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, ops_match_truth_tables);
	tcase_add_test(tc, uint_and_cube);
	tcase_add_test(tc, restrict_is_cofactor);
	tcase_add_test(tc, exists_is_projection);
	tcase_add_test(tc, gc_keeps_roots);
	tcase_add_test(tc, bounded_memory);
	tcase_add_test(tc, sets_built_directly);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
