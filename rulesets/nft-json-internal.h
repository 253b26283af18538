/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the two files of the nft JSON reader: nft-json.c walks the
 * document (tables, chains, sets, rules and their statements) and owns the
 * reading context and its diagnostics; nft-json-expr.c decodes expressions
 * (keys), values and set elements, and turns a match statement into model
 * matches.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rulesets-internal.h"
#include "rulesets.h"

/*
 * Limits against hostile input.  jansson (2.14) stops nesting at 2048
 * levels itself; our own recursion (bit-or chains, `elem` wrappers) is
 * cut at MAX_DEPTH.  The IR is bounded too: a set element takes ~100
 * bytes and a match ~200, and a small JSON token could otherwise make
 * each (2 M ≈ 200/400 MiB; real rulesets stay far below).
 */
#define MAX_INPUT (256u << 20)
#define MAX_ELEMS (2u << 20)
#define MAX_MATCHES (2u << 20)
#define MAX_DEPTH 16

#define UNMODELLED 1 /* a read_*() result: valid nft, but not in the model; `why` says what */
#define WHY_LEN 160

struct keyinfo {
	enum rs_key key;
	uint8_t l4dep; /* the l4proto the key implies (tcp dport: 6), 0 for none */
	bool v6;       /* icmpv6 type/code: their own names */
};

/* What rs_set lacks and a lookup needs; parallel to ruleset->sets. */
struct setinfo {
	struct keyinfo keys[RS_MAX_CONCAT];
	unsigned n_keys;     /* 0: the key type isn't modelled */
	bool catchall;       /* has a `*` element */
	char why[WHY_LEN];   /* why its type or elements can't be used, or "" */
};

/* Match operators as JSON has them; OP_IMPLICIT is "in" (or no "op"). */
enum mop { OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE, OP_IMPLICIT, OP_NEG };

/*
 * Protocol dependencies a rule spells out (`meta protocol ip`, `ether type
 * ip6`, `meta iiftype ether`).  nft puts them before the keys that need
 * them and hides them in listings; the live loader drops one when such a
 * key follows, and so do we.  One nothing needs is an unknown match.
 */
enum dep_kind { DEP_IP, DEP_IP6, DEP_ETHER };

struct dep {
	enum dep_kind kind;
	bool used;
	char what[40];
};

struct ctx {
	const char *path;
	struct rs_ruleset *r;
	struct topo_diag_list *diags;
	struct setinfo *sets;
	size_t cap_sets;
	unsigned n_anon; /* __set%d */
	size_t n_elems, n_matches;
	enum rs_family family; /* of the table being read */
	bool content;          /* anything but metainfo seen: `flush ruleset` no longer a no-op */
	struct dep deps[4];    /* of the rule being read */
	unsigned n_deps;
	uint32_t last_set;     /* the set a {"set"|"map"|"element": …} member read last */
};

/* A name nft prints for a number; tables end with {NULL, 0}. */
struct sym {
	const char *name;
	uint32_t value;
};

/* ------------------------------------------------------------ nft-json.c */

/* An error at `at` (a JSON path) in diags: -EBADMSG, or -ENOMEM. */
int rs_json_bad(struct ctx *c, const char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Says in why what isn't modelled; returns UNMODELLED. */
int rs_json_unmodelled(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A JSON path below `at`, e.g. "nftables[3].rule.expr[1]"; returns buf. */
const char *rs_json_sub(char *buf, size_t len, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The one member of {"name": value}: its name, or NULL. */
const char *rs_json_only_member(json_t *o, json_t **ret);
/* A string member: *ret stays NULL when absent and !required. */
int rs_json_get_str(struct ctx *c, const char *at, json_t *o, const char *key, bool required, const char **ret);
/* A non-negative integer, also from a numeric string: 0, -ERANGE, -EINVAL. */
int rs_json_get_uint(json_t *v, uint64_t max, uint64_t *ret);
/* `"x"`, a number, or the expression's kind, for a message. */
void rs_json_describe(json_t *v, char *buf, size_t len);
/* A new set of table, with its setinfo: 0 or -errno. */
int rs_json_set_new(struct ctx *c, uint32_t table, const char *name, uint32_t *ret);
/* Takes back the set just added (an anonymous set we couldn't fill). */
void rs_json_set_pop(struct ctx *c);
/* Elements into set idx (whose setinfo has the keys); one that can't be
 * modelled makes the whole set unusable (setinfo.why).  0 or -errno. */
int rs_json_fill_set(struct ctx *c, const char *at, uint32_t idx, json_t *elems);
/* The same for elements [base, base + size) of a longer list (at names the list). */
int rs_json_fill_set_from(struct ctx *c, const char *at, uint32_t idx, json_t *elems, size_t base);

/* ------------------------------------------------------- nft-json-expr.c */

bool rs_json_sym_find(const struct sym *t, const char *name, uint32_t *ret);
/* A packet expression into a key: 0, UNMODELLED (why names it), -EBADMSG. */
int rs_json_read_key(struct ctx *c, const char *at, json_t *e, struct keyinfo *k, char *why, size_t wl);
/* The packed length of n keys. */
size_t rs_json_keys_len(const struct keyinfo *keys, unsigned n);
/* One set element, key part only (a map's data is the caller's); `*`
 * (catch-all) is the whole key space.  0, UNMODELLED or -errno. */
int rs_json_read_elem(struct ctx *c, const char *at, const struct keyinfo *keys, unsigned n, json_t *e,
		      struct rs_set_elem *out, bool *catchall, char *why, size_t wl);
/* Names an expression we don't model in why ("fib oif"); returns UNMODELLED. */
int rs_json_name_expr(const char *kind, json_t *v, char *why, size_t len);
/* Keys of a match or vmap: one expression or {"concat": […]}. */
int rs_json_read_keys(struct ctx *c, const char *at, json_t *e, struct keyinfo *keys, unsigned *n, char *why,
		      size_t wl);
/* The set a lookup or vmap uses: 0 with *ret, UNMODELLED or -errno. */
int rs_json_lookup_set(struct ctx *c, const char *at, uint32_t table, const struct keyinfo *keys, unsigned n,
		       json_t *right, bool vmap, uint32_t *ret, char *why, size_t wl);
bool rs_json_is_set_ref(json_t *v); /* "@name" */
/* The protocol match a transport key implies, unless the rule has it. */
int rs_json_add_dep(struct ctx *c, const char *at, struct rs_rule *rule, uint8_t l4);
/* An unknown match, counted against MAX_MATCHES. */
int rs_json_add_unknown(struct ctx *c, const char *at, struct rs_rule *rule, const char *why);
/* {"match": …} into one match (plus its protocol dependency): 0,
 * UNMODELLED (the caller adds an unknown match) or -errno. */
int rs_json_read_match(struct ctx *c, const char *at, struct rs_rule *rule, uint32_t table, json_t *mt, char *why,
		       size_t wl);
