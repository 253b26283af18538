/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reach — what a firewall does, beside the rule model: the packet-set
 * engine that verify (zone pairs), reconciliation (one packet at a time)
 * and diff (two rulesets) ask.  For now the engine itself: a small reduced
 * ordered binary decision diagram (ROBDD) package, exact sets of packets.
 * The walk over a ruleset (analyze/verify.c) moves here next; see
 * docs/design.md.  Depends on nothing; may not use analyze/.
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

bool bdd_full(const struct bdd *m); /* an operation ran out of nodes */
size_t bdd_live_nodes(const struct bdd *m);
size_t bdd_peak_nodes(const struct bdd *m);
