/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to the validating walk (node tree → struct topo_site), which is
 * split by section of the file:
 *   yaml-load.c       the document walk, zones and externals, hosts;
 *   yaml-flows.c      the declared flows and the per-kind rules they obey;
 *   yaml-firewalls.c  firewalls, their interfaces and rulesets;
 *   yaml-fields.c     what they share: reading fields of a mapping, and
 *                     quoting user text into diagnostics.
 * The walk state and these helpers are only for those files: nothing else
 * (tests included) may include this header.  The loader only reads the
 * node tree and fills the site it is given; it never prints and never
 * touches the file (yaml-tree.c parsed it) or the lookups (lookup.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "topology-internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct topo_load_field {
	const struct topo_ynode *key; /* NULL when absent */
	const struct topo_ynode *val;
	/* Absent, but an unknown key looked like a typo of it: the unknown
	 * key error already says what's wrong, "missing" would be noise. */
	bool near_miss;
};

struct topo_load_ctx {
	struct topo_report *rep;
	struct topo_site *s;
	const char *dir; /* for ruleset paths; NULL: keep them as written */

	/* Items whose kind or zone could not be resolved: rules that depend
	 * on their tier are skipped instead of piling up follow-up errors. */
	bool *area_bad;
	bool *host_bad;
	struct topo_htab flow_names, fw_names;

	/* Rotating buffers for quoting user text into messages. */
	char qbuf[8][256];
	unsigned qi;
};

/* ------------------------------------------------------------ reporting */

void topo_load_diag(struct topo_load_ctx *c, enum topo_severity sev, const struct topo_ynode *n, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));

#define err(c, n, ...) topo_load_diag(c, TOPO_SEV_ERROR, n, __VA_ARGS__)
#define warn(c, n, ...) topo_load_diag(c, TOPO_SEV_WARNING, n, __VA_ARGS__)

/* The next of the rotating message buffers (sizeof(c->qbuf[0]) bytes). */
char *topo_load_qnext(struct topo_load_ctx *c);
/*
 * User text for a message: control characters escaped (a name must not be
 * able to drive the terminal the diagnostics are printed on) and long text
 * cut at a UTF-8 character boundary.  Returns a rotating buffer.
 */
const char *topo_load_q(struct topo_load_ctx *c, const char *s);
/* "a, b, c" for an "expected one of" list, cut after a few hundred bytes. */
const char *topo_load_join(struct topo_load_ctx *c, const char *const *names, size_t n);
const char *topo_load_fmt_prefix(struct topo_load_ctx *c, const struct topo_addr *a, uint8_t prefix);
const char *topo_load_fmt_pos(struct topo_load_ctx *c, unsigned line, unsigned column);

/* ----------------------------------------------------------- node helpers */

static inline bool topo_load_is_null(const struct topo_ynode *n)
{
	if (!n)
		return true;
	if (n->type != TOPO_YNODE_SCALAR || !n->plain)
		return false;
	return n->n == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
	       strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0;
}

/* "nothing", "a mapping", "a list" or "a single value". */
const char *topo_load_describe(const struct topo_ynode *n);

static inline const char *topo_load_article(const char *noun)
{
	return strchr("aeiou", noun[0]) ? "an" : "a";
}

/* Where to point for a field: its value, or its key when the value is
 * empty (libyaml places an empty value at the end of the line). */
static inline const struct topo_ynode *topo_load_fpos(const struct topo_load_field *f)
{
	return topo_load_is_null(f->val) && f->key ? f->key : f->val;
}

static inline bool topo_load_present(const struct topo_load_field *f)
{
	return f->key && !topo_load_is_null(f->val);
}

/*
 * Splits a mapping into the fields named in keys[] (ret[i] for keys[i]).
 * Unknown and duplicate keys are errors: a typo must never silently drop a
 * setting.  Returns false when the node is not a mapping at all.
 */
bool topo_load_map_fields(struct topo_load_ctx *c, const struct topo_ynode *map, const char *what,
			  const char *const *keys, size_t n_keys, struct topo_load_field *ret);
/* True when the field is there; otherwise reports it missing from `what`
 * (with the hint, if any), unless a near miss already did. */
bool topo_load_require(struct topo_load_ctx *c, const struct topo_ynode *map, const struct topo_load_field *f,
		       const char *name, const char *what, const char *hint);
/* The text of a scalar field, or NULL after an error (or when absent and
 * not required). */
const char *topo_load_get_str(struct topo_load_ctx *c, const struct topo_load_field *f, const char *expected);
/* A name: non-empty, bounded, printable, so reports stay readable. */
const char *topo_load_get_name(struct topo_load_ctx *c, const struct topo_load_field *f, const char *expected);
/* Index of the field's scalar among names[], or -1 (after an error, or when
 * the field is absent). */
int topo_load_get_enum_field(struct topo_load_ctx *c, const struct topo_load_field *f, const char *const *names,
			     size_t n_names);
/* Decimal digits only, at most max; no sign, no hex, no spaces. */
bool topo_load_parse_uint(const char *s, unsigned long max, unsigned long *ret);

/* "one or a list": the number of items of a scalar, list or null. */
static inline size_t topo_load_list_len(const struct topo_ynode *v)
{
	if (topo_load_is_null(v))
		return 0;
	if (v->type == TOPO_YNODE_SEQ)
		return v->n;
	return v->type == TOPO_YNODE_SCALAR ? 1 : 0;
}

static inline const struct topo_ynode *topo_load_list_item(const struct topo_ynode *v, size_t i)
{
	return v->type == TOPO_YNODE_SEQ ? v->items[i] : v;
}

/* A list field (null counts as empty).  Returns false after an error. */
bool topo_load_want_seq(struct topo_load_ctx *c, const struct topo_load_field *f, const char *expected);
/* A "one or a list" field of scalars. */
bool topo_load_want_scalar_or_seq(struct topo_load_ctx *c, const struct topo_load_field *f, const char *expected);
bool topo_load_want_item_scalar(struct topo_load_ctx *c, const struct topo_ynode *n, const char *expected);

/* ---------------------------------------------------------- site lookups */

static inline const struct topo_area *topo_load_find_area(const struct topo_site *s, const char *name)
{
	return topo_htab_get(&s->area_by_name, topo_hash_str(name), name, topo_eq_str);
}

static inline const struct topo_host *topo_load_find_host(const struct topo_site *s, const char *name)
{
	return topo_htab_get(&s->host_by_name, topo_hash_str(name), name, topo_eq_str);
}

/* "(zones: a, b, c)" to help a typo'd reference; a few names only. */
const char *topo_load_list_areas(struct topo_load_ctx *c, bool external);

/* ---------------------------------------------- values (areas and hosts) */

/* A CIDR from a scalar, with a hint when only the host bits are wrong. */
bool topo_load_parse_cidr_node(struct topo_load_ctx *c, const struct topo_ynode *n, struct topo_addr *ret_addr,
			       uint8_t *ret_prefix);
bool topo_load_parse_mac_node(struct topo_load_ctx *c, const struct topo_ynode *n, uint8_t ret[6]);
/* "in zone \"x\"", "in external \"y\"" or "on the Internet" (a NULL area). */
const char *topo_load_area_phrase(struct topo_load_ctx *c, const struct topo_area *a);

/* ------------------------------------------------------------- sections */

/* One item of "flows" (yaml-flows.c), after areas and hosts are loaded. */
void topo_load_flow(struct topo_load_ctx *c, const struct topo_ynode *n, struct topo_flow *fl);
/* One item of "firewalls" (yaml-firewalls.c), after areas and hosts. */
void topo_load_firewall(struct topo_load_ctx *c, const struct topo_ynode *n, struct topo_firewall *fw);
