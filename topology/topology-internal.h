/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private parts of the topology component: the site struct behind the opaque
 * handle, the arena and hash table it is built from, the YAML node tree the
 * loader validates, and the loader's diagnostic reporter.  Tests include this
 * header to reach internals; nothing outside topology/ and tests/ may.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topology.h"

/* ------------------------------------------------------------------ limits */

/*
 * Hostile-input limits, documented in docs/topology.md.  The file size bounds
 * the memory libyaml and the node tree can take; the scalar size bounds one
 * allocation; the depth keeps walks shallow; the node count bounds the tree
 * (a 64 MiB file of "[],[],…" would otherwise need ~700 MB of nodes); the
 * diagnostics cap keeps a pathological file from producing millions of lines.
 * The line length is checked before libyaml sees the file: libyaml scans a
 * plain scalar or a flow collection written on one line before it returns
 * the events that our other limits count, so a 60 MiB line would otherwise
 * cost seconds and a copy of itself before being refused.
 */
#define TOPO_MAX_FILE_SIZE (64u * 1024 * 1024)
#define TOPO_MAX_LINE (1024u * 1024)
#define TOPO_MAX_SCALAR (1024u * 1024)
#define TOPO_MAX_DEPTH 64
#define TOPO_MAX_NODES (8u * 1024 * 1024)
#define TOPO_MAX_DIAGS 1000
#define TOPO_MAX_NAME 255

/* ------------------------------------------------------------------- arena */

/*
 * A bump allocator: everything a site (or a node tree) owns is carved from
 * one arena and released at once, so half-built objects need no unwinding.
 */
struct topo_arena_chunk;

struct topo_arena {
	struct topo_arena_chunk *head;
};

/* Zeroed memory for n objects of size bytes, or NULL on overflow/OOM. */
void *topo_arena_calloc(struct topo_arena *a, size_t n, size_t size);
/* A NUL-terminated copy of s[0..len), or NULL on OOM. */
char *topo_arena_strndup(struct topo_arena *a, const char *s, size_t len);
char *topo_arena_strdup(struct topo_arena *a, const char *s);
void topo_arena_release(struct topo_arena *a);

/* -------------------------------------------------------------- hash table */

/*
 * Open addressing with linear probing.  A slot stores a pointer to its key
 * (which must outlive the table: names and addresses in the site arena) and
 * the full hash, so most mismatches never call eq().  Empty: key == NULL.
 */
struct topo_hslot {
	uint64_t hash;
	const void *key;
	void *value;
};

struct topo_htab {
	struct topo_hslot *slots;
	size_t mask; /* capacity - 1; capacity is a power of two */
	size_t n;
};

typedef bool (*topo_htab_eq_fn)(const void *stored_key, const void *key);

/* Sizes the table for `expected` entries; 0 is fine.  Returns 0 or -ENOMEM. */
int topo_htab_init(struct topo_htab *t, size_t expected);
void topo_htab_free(struct topo_htab *t);
/* The value stored under an equal key, or NULL.  Works on a zeroed table. */
void *topo_htab_get(const struct topo_htab *t, uint64_t hash, const void *key, topo_htab_eq_fn eq);
/*
 * Inserts key → value unless an equal key exists; then nothing is inserted
 * and its value is returned in *ret_existing (NULL when inserted).
 * Returns 0 or -ENOMEM.
 */
int topo_htab_put(struct topo_htab *t, uint64_t hash, const void *key, void *value, topo_htab_eq_fn eq,
		  void **ret_existing);

uint64_t topo_hash_bytes(const void *p, size_t n, uint64_t seed);
uint64_t topo_hash_str(const char *s);
bool topo_eq_str(const void *stored, const void *key);
/* Addresses compare on family and the family's bytes only. */
uint64_t topo_hash_addr(const struct topo_addr *a);
bool topo_eq_addr(const void *stored, const void *key);
uint64_t topo_hash_mac(const uint8_t mac[6]);
bool topo_eq_mac(const void *stored, const void *key);

/* ------------------------------------------------------------- addresses */

static inline unsigned topo_addr_bits(const struct topo_addr *a)
{
	return a->family == 4 ? 32 : 128;
}

static inline size_t topo_addr_len(const struct topo_addr *a)
{
	return a->family == 4 ? 4 : 16;
}

/* Clears every bit of *a below the first `len` bits. */
void topo_addr_mask(struct topo_addr *a, uint8_t len);
/* Sets every bit below the first `len` bits: the last address of the prefix. */
void topo_addr_last(struct topo_addr *a, uint8_t len);
/* memcmp-style order: family first, then the address bytes. */
int topo_addr_cmp(const struct topo_addr *a, const struct topo_addr *b);

/* ------------------------------------------------------------------- site */

#define TOPO_PROTO_SLOT_ANY 256 /* port bitmap of flows without proto */

struct topo_site {
	struct topo_arena arena; /* owns every string and array below */
	char *name;
	char *path;
	enum topo_model model;
	enum topo_pinning pinning;
	bool inventory_strict;

	struct topo_area *areas; /* zones, externals, internet-wan (last) */
	size_t n_areas, n_zones, n_externals;
	struct topo_host *hosts;
	size_t n_hosts;
	struct topo_flow *flows;
	size_t n_flows;
	struct topo_firewall *firewalls;
	size_t n_firewalls;

	struct topo_htab area_by_name;
	struct topo_htab host_by_name;
	struct topo_htab host_by_ip;
	struct topo_htab host_by_mac;

	/*
	 * Longest-prefix match: one hash table keyed by (family, length,
	 * network address) and, per family, the prefix lengths in use from the
	 * longest down.  A lookup probes at most one slot chain per length in
	 * use, i.e. at most 33 or 129, and allocates nothing.
	 */
	struct topo_htab seg_by_prefix;
	uint8_t lens4[33], lens6[129];
	unsigned n_lens4, n_lens6;

	/* Every segment sorted by (family, address, prefix); run_end[i] is
	 * the end of the run of equal-area segments starting at i. */
	const struct topo_segment **sorted;
	size_t n_sorted;
	size_t *run_end;

	/* 65536-bit bitmaps of declared destination ports, per IP protocol
	 * and one for flows without proto; NULL when none. */
	uint64_t *ports[TOPO_PROTO_SLOT_ANY + 1];
};

/* Builds seg_by_prefix, lens4/lens6, sorted and run_end from the areas. */
int topo_site_index_segments(struct topo_site *s);
/* Builds the declared-port bitmaps from the flows. */
int topo_site_index_ports(struct topo_site *s);
/* Tier of an endpoint as the flow rules see it (cidr: its network address). */
enum topo_tier topo_endpoint_tier(const struct topo_site *s, const struct topo_endpoint *ep);
/* True when some segment of an area other than `area` lies inside the prefix. */
bool topo_site_prefix_spans_areas(const struct topo_site *s, const struct topo_addr *a, uint8_t prefix,
				  const struct topo_area *area);

/* ------------------------------------------------------------- reporting */

/*
 * The loader's view of the caller's diagnostic list: it counts its own
 * errors (the list may already hold others), remembers an allocation
 * failure instead of losing it, and stops adding after TOPO_MAX_DIAGS.
 */
struct topo_report {
	const char *source;
	struct topo_diag_list *diags;
	size_t n_added;
	unsigned n_errors, n_warnings;
	bool oom;
};

void topo_report_add(struct topo_report *r, enum topo_severity sev, unsigned line, unsigned column,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void topo_report_vadd(struct topo_report *r, enum topo_severity sev, unsigned line, unsigned column,
		      const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
/* Orders l->items[start..] by line and column (stable; positionless last),
 * so a file's problems read top to bottom whatever order they were found in. */
int topo_diag_list_sort_from(struct topo_diag_list *l, size_t start);
int topo_diag_vadd(struct topo_diag_list *l, const char *source, unsigned line, unsigned column,
		   enum topo_severity sev, const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

/* ---------------------------------------------------------- YAML node tree */

enum topo_ynode_type {
	TOPO_YNODE_SCALAR,
	TOPO_YNODE_MAP,
	TOPO_YNODE_SEQ,
};

/*
 * One YAML node with its 1-based position.  A map's items hold 2*n
 * pointers, key then value; keys are always scalars (the parser refuses
 * others).  Scalars are NUL-terminated copies.
 */
struct topo_ynode {
	uint8_t type;
	bool plain; /* an unquoted scalar: only these can be null */
	unsigned line, column;
	uint32_t n; /* scalar: length; seq: items; map: pairs */
	union {
		char *str;
		struct topo_ynode **items;
	};
};

/*
 * Parses buf into a node tree allocated from arena.  Syntax errors, anchors,
 * aliases and limit violations are reported; *ret_root is NULL for an empty
 * stream.  Returns 0 (check r->n_errors: the tree is only complete when no
 * error was reported) or -ENOMEM.
 */
int topo_ytree_parse(const char *buf, size_t len, struct topo_arena *arena, struct topo_report *r,
		     struct topo_ynode **ret_root);

/* Walks the tree into a site; defined in yaml-load.c. */
int topo_site_build(struct topo_site *s, const struct topo_ynode *root, const char *dir, struct topo_report *r);
