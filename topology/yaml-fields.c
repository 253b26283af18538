/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the sections of the loader share: reading the fields of a mapping
 * (unknown and duplicate keys, missing and mistyped values, names, enums,
 * "one or a list" values) and quoting user text into diagnostics.  The
 * helpers report through the walk's context and return something the
 * caller can skip on; none of them changes the site being built.
 */
#include <stdio.h>
#include <string.h>

#include "yaml-load-internal.h"

/* ------------------------------------------------------------ reporting */

void topo_load_diag(struct topo_load_ctx *c, enum topo_severity sev, const struct topo_ynode *n, const char *fmt,
		    ...)
{
	va_list ap;

	va_start(ap, fmt);
	topo_report_vadd(c->rep, sev, n ? n->line : 0, n ? n->column : 0, fmt, ap);
	va_end(ap);
}

char *topo_load_qnext(struct topo_load_ctx *c)
{
	return c->qbuf[c->qi++ % ARRAY_SIZE(c->qbuf)];
}

/*
 * User text for a message: control characters escaped (a name must not be
 * able to drive the terminal the diagnostics are printed on) and long text
 * cut at a UTF-8 character boundary.  Returns a rotating buffer.
 */
const char *topo_load_q(struct topo_load_ctx *c, const char *s)
{
	char *out = topo_load_qnext(c);
	size_t o = 0;
	const size_t room = sizeof(c->qbuf[0]) - 8; /* escapes, "…", NUL */

	if (!s)
		s = "";
	for (size_t i = 0; s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (o >= 96 || o + 4 >= room) {
			/* don't split a multi-byte character */
			while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
				o--;
			if (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0xc0)
				o--;
			memcpy(out + o, "\xe2\x80\xa6", 3); /* … */
			o += 3;
			break;
		}
		if (ch < 0x20 || ch == 0x7f) {
			o += (size_t)snprintf(out + o, room - o, "\\x%02x", ch);
		} else if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else {
			out[o++] = (char)ch;
		}
	}
	out[o] = '\0';
	return out;
}

/* "a, b, c" for an "expected one of" list, cut after a few hundred bytes. */
const char *topo_load_join(struct topo_load_ctx *c, const char *const *names, size_t n)
{
	char *out = topo_load_qnext(c);
	size_t o = 0, room = sizeof(c->qbuf[0]);

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(out + o, room - o, "%s%s", i ? ", " : "", names[i]);

		if (w < 0 || (size_t)w >= room - o) {
			snprintf(out + o, room - o, ", …");
			break;
		}
		o += (size_t)w;
	}
	return out;
}

const char *topo_load_fmt_prefix(struct topo_load_ctx *c, const struct topo_addr *a, uint8_t prefix)
{
	char buf[TOPO_ADDR_STRLEN];
	char *out = topo_load_qnext(c);

	snprintf(out, sizeof(c->qbuf[0]), "%s/%u", topo_addr_format(a, buf), prefix);
	return out;
}

const char *topo_load_fmt_pos(struct topo_load_ctx *c, unsigned line, unsigned column)
{
	char *out = topo_load_qnext(c);

	snprintf(out, sizeof(c->qbuf[0]), "line %u, column %u", line, column);
	return out;
}

/* ----------------------------------------------------------- node helpers */

const char *topo_load_describe(const struct topo_ynode *n)
{
	if (topo_load_is_null(n))
		return "nothing";
	switch (n->type) {
	case TOPO_YNODE_MAP:
		return "a mapping";
	case TOPO_YNODE_SEQ:
		return "a list";
	default:
		return "a single value";
	}
}

/* Optimal-string-alignment distance, bounded: only "is it 1 or 2 edits
 * away" matters, and keys are short. */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned d[33][33];

	if (la > 32 || lb > 32)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/*
 * Splits a mapping into the fields named in keys[] (ret[i] for keys[i]).
 * Unknown and duplicate keys are errors: a typo must never silently drop a
 * setting.  Returns false when the node is not a mapping at all.
 */
bool topo_load_map_fields(struct topo_load_ctx *c, const struct topo_ynode *map, const char *what,
			  const char *const *keys, size_t n_keys, struct topo_load_field *ret)
{
	memset(ret, 0, n_keys * sizeof(*ret));
	if (!map || map->type != TOPO_YNODE_MAP) {
		err(c, map, "%s %s must be a mapping (%s: …), not %s", topo_load_article(what), what, keys[0],
		    topo_load_describe(map));
		return false;
	}
	for (uint32_t i = 0; i < map->n; i++) {
		const struct topo_ynode *k = map->items[2 * i], *v = map->items[2 * i + 1];
		size_t j;

		for (j = 0; j < n_keys; j++)
			if (strcmp(k->str, keys[j]) == 0)
				break;
		if (j == n_keys) {
			err(c, k, "unknown key \"%s\" in %s (expected one of: %s)", topo_load_q(c, k->str), what,
			    topo_load_join(c, keys, n_keys));
			for (size_t m = 0; m < n_keys; m++)
				if (edit_distance(k->str, keys[m]) <= 2)
					ret[m].near_miss = true;
			continue;
		}
		if (ret[j].key) {
			err(c, k, "duplicate key \"%s\" in %s (first at %s)", keys[j], what,
			    topo_load_fmt_pos(c, ret[j].key->line, ret[j].key->column));
			continue;
		}
		ret[j].key = k;
		ret[j].val = v;
	}
	return true;
}

bool topo_load_require(struct topo_load_ctx *c, const struct topo_ynode *map, const struct topo_load_field *f,
		       const char *name, const char *what, const char *hint)
{
	if (f->key)
		return true;
	if (f->near_miss)
		return false;
	err(c, map, "%s %s needs \"%s\"%s%s", topo_load_article(what), what, name, hint ? ": " : "", hint ? hint : "");
	return false;
}

/* The text of a scalar field, or NULL after an error (or when absent and
 * not required). */
const char *topo_load_get_str(struct topo_load_ctx *c, const struct topo_load_field *f, const char *expected)
{
	if (!f->key)
		return NULL;
	if (topo_load_is_null(f->val)) {
		err(c, topo_load_fpos(f), "missing value for \"%s\" (expected %s)", f->key->str, expected);
		return NULL;
	}
	if (f->val->type != TOPO_YNODE_SCALAR) {
		err(c, f->val, "\"%s\" must be %s, not %s", f->key->str, expected, topo_load_describe(f->val));
		return NULL;
	}
	return f->val->str;
}

/* A name: non-empty, bounded, printable, so reports stay readable. */
const char *topo_load_get_name(struct topo_load_ctx *c, const struct topo_load_field *f, const char *expected)
{
	const char *s = topo_load_get_str(c, f, expected);

	if (!s)
		return NULL;
	if (f->val->n > TOPO_MAX_NAME) {
		err(c, f->val, "\"%s\" is longer than %u bytes", f->key->str, TOPO_MAX_NAME);
		return NULL;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			err(c, f->val, "\"%s\" contains a control character", f->key->str);
			return NULL;
		}
	}
	return s;
}

/* Index of the scalar among names[], or -1 after an error. */
static int get_enum(struct topo_load_ctx *c, const struct topo_ynode *n, const char *keyname,
		    const char *const *names, size_t n_names)
{
	if (topo_load_is_null(n) || n->type != TOPO_YNODE_SCALAR) {
		err(c, n, "\"%s\" must be one of: %s (not %s)", keyname, topo_load_join(c, names, n_names), topo_load_describe(n));
		return -1;
	}
	for (size_t i = 0; i < n_names; i++)
		if (strcmp(n->str, names[i]) == 0)
			return (int)i;
	err(c, n, "unknown %s \"%s\" (expected one of: %s)", keyname, topo_load_q(c, n->str),
	    topo_load_join(c, names, n_names));
	return -1;
}

int topo_load_get_enum_field(struct topo_load_ctx *c, const struct topo_load_field *f, const char *const *names,
			     size_t n_names)
{
	if (!f->key)
		return -1;
	return get_enum(c, topo_load_is_null(f->val) ? topo_load_fpos(f) : f->val, f->key->str, names, n_names);
}

/* Decimal digits only, at most max; no sign, no hex, no spaces. */
bool topo_load_parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	unsigned long v = 0;

	if (!s[0])
		return false;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 10)
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return false;
	*ret = v;
	return true;
}

/* A list field (null counts as empty).  Returns false after an error. */
bool topo_load_want_seq(struct topo_load_ctx *c, const struct topo_load_field *f, const char *expected)
{
	if (!f->key || topo_load_is_null(f->val) || f->val->type == TOPO_YNODE_SEQ)
		return true;
	err(c, f->val, "\"%s\" must be a list of %s, not %s", f->key->str, expected, topo_load_describe(f->val));
	return false;
}

/* A "one or a list" field of scalars. */
bool topo_load_want_scalar_or_seq(struct topo_load_ctx *c, const struct topo_load_field *f, const char *expected)
{
	if (!f->key || topo_load_is_null(f->val) || f->val->type != TOPO_YNODE_MAP)
		return true;
	err(c, f->val, "\"%s\" must be %s or a list of them, not a mapping", f->key->str, expected);
	return false;
}

bool topo_load_want_item_scalar(struct topo_load_ctx *c, const struct topo_ynode *n, const char *expected)
{
	if (n->type == TOPO_YNODE_SCALAR && !topo_load_is_null(n))
		return true;
	err(c, n, "expected %s, not %s", expected, topo_load_describe(n));
	return false;
}

/* "(zones: a, b, c)" to help a typo'd reference; a few names only. */
const char *topo_load_list_areas(struct topo_load_ctx *c, bool external)
{
	const char *names[8];
	size_t n = 0;
	size_t from = external ? c->s->n_zones : 0;
	size_t to = external ? c->s->n_zones + c->s->n_externals + 1 : c->s->n_zones;

	for (size_t i = from; i < to && n < ARRAY_SIZE(names); i++)
		if (c->s->areas[i].name && c->s->areas[i].name[0])
			names[n++] = c->s->areas[i].name;
	return topo_load_join(c, names, n);
}
