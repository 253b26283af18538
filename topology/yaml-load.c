/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The validating walk: YAML node tree → struct topo_site.
 *
 * This file has the document walk (topo_site_build: the top-level keys,
 * the sections in dependency order), zones and externals with their
 * segments and the overlap checks, and hosts.  Flows are checked in
 * yaml-flows.c, firewalls in yaml-firewalls.c; the field and message
 * helpers they share are in yaml-fields.c (yaml-load-internal.h).
 *
 * Users write the file by hand from a network diagram, so every problem is a
 * diagnostic pointing at the offending key or value and saying what was
 * expected, and the walk goes on after an error wherever the rest still
 * makes sense, so one run shows every mistake.  Items that fail to parse are
 * marked bad and later checks that would only repeat the same mistake skip
 * them.
 *
 * Everything is O(n) or O(n log n) in the size of the file: names, MACs and
 * IPs go through hash tables, and the overlap check is a sweep over sorted
 * segments, so a topology of 100k hosts loads in a fraction of a second.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml-load-internal.h"

/* ------------------------------------------------------------ reporting */

static void diag_at(struct topo_load_ctx *c, enum topo_severity sev, unsigned line, unsigned column, const char *fmt,
		    ...) __attribute__((format(printf, 5, 6)));

static void diag_at(struct topo_load_ctx *c, enum topo_severity sev, unsigned line, unsigned column, const char *fmt,
		    ...)
{
	va_list ap;

	va_start(ap, fmt);
	topo_report_vadd(c->rep, sev, line, column, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ names */

static const char *const model_names[] = { "alpha", "alpha-prime", "beta", "beta-prime" };
static const char *const pinning_names[] = { "mac-and-ip", "mac-or-ip" };
static const char *const inventory_names[] = { "strict", "open" };
static const char *const zone_kind_names[] = { "mynumber", "lgwan", "internet", "other" };
static const char *const ext_kind_names[] = { "lgwan-wan", "public-institution", "remote-access" };
static const char *const role_names[] = { "terminal", "server", "sanitizer", "gateway", "other" };

/* ------------------------------------------------------------------ areas */

/* A CIDR from a scalar, with a hint when only the host bits are wrong. */
bool topo_load_parse_cidr_node(struct topo_load_ctx *c, const struct topo_ynode *n, struct topo_addr *ret_addr,
			       uint8_t *ret_prefix)
{
	struct topo_addr a;
	uint8_t prefix;
	char buf[TOPO_ADDR_STRLEN + 8];
	const char *slash;

	if (!topo_load_want_item_scalar(c, n, "a CIDR such as 10.10.0.0/16 or \"fd00:10::/64\""))
		return false;
	if (topo_cidr_parse(n->str, ret_addr, ret_prefix) == 0)
		return true;

	/* Same text with the host bits cleared: if that parses, say so. */
	slash = strchr(n->str, '/');
	if (slash && (size_t)(slash - n->str) < TOPO_ADDR_STRLEN && strlen(slash) <= 4) {
		memcpy(buf, n->str, (size_t)(slash - n->str));
		buf[slash - n->str] = '\0';
		if (topo_addr_parse(buf, &a) == 0 && topo_cidr_parse(n->str, &a, &prefix) < 0) {
			unsigned long len;

			if (topo_load_parse_uint(slash + 1, topo_addr_bits(&a), &len) &&
			    (len == 0 || slash[1] != '0')) {
				topo_addr_parse(buf, &a);
				topo_addr_mask(&a, (uint8_t)len);
				err(c, n, "invalid CIDR \"%s\": host bits are set below the /%lu prefix (did you mean %s?)",
				    topo_load_q(c, n->str), len, topo_load_fmt_prefix(c, &a, (uint8_t)len));
				return false;
			}
		}
	}
	err(c, n, "invalid CIDR \"%s\" (expected an IPv4 or IPv6 network such as 10.10.0.0/16 or fd00:10::/64)",
	    topo_load_q(c, n->str));
	return false;
}

static void register_area(struct topo_load_ctx *c, struct topo_area *a, const struct topo_load_field *fname)
{
	void *old;
	const struct topo_area *prev;

	if (strcmp(a->name, "internet-wan") == 0) {
		err(c, fname->val, "the name \"internet-wan\" is reserved for the implicit external (the Internet)");
		return;
	}
	if (topo_htab_put(&c->s->area_by_name, topo_hash_str(a->name), a->name, a, topo_eq_str, &old) < 0) {
		c->rep->oom = true;
		return;
	}
	prev = old;
	if (prev)
		err(c, fname->val, "duplicate area name \"%s\": %s \"%s\" already has it (%s)", topo_load_q(c, a->name),
		    prev->external ? "an external" : "a zone", topo_load_q(c, prev->name),
		    topo_load_fmt_pos(c, prev->line, prev->column));
}

static void load_segment(struct topo_load_ctx *c, const struct topo_ynode *n, struct topo_area *a)
{
	static const char *const keys[] = { "cidr", "vlan", "label" };
	struct topo_load_field f[ARRAY_SIZE(keys)];
	struct topo_segment *seg = &a->segments[a->n_segments];
	unsigned long vlan;
	bool ok = true;

	if (!topo_load_map_fields(c, n, "segment", keys, ARRAY_SIZE(keys), f))
		return;
	/* Check every field before giving up on the segment, so one run
	 * reports a bad cidr and a bad vlan together. */
	if (!topo_load_require(c, n, &f[0], "cidr", "segment", "its network, e.g. cidr: 10.10.0.0/16"))
		ok = false;
	else if (topo_load_is_null(f[0].val)) {
		err(c, topo_load_fpos(&f[0]), "missing value for \"cidr\" (expected a network such as 10.10.0.0/16)");
		ok = false;
	} else if (!topo_load_parse_cidr_node(c, f[0].val, &seg->addr, &seg->prefix)) {
		ok = false;
	}
	seg->vlan = -1;
	if (f[1].key) {
		const char *s = topo_load_get_str(c, &f[1], "a VLAN ID from 1 to 4094");

		if (!s)
			ok = false;
		else if (!topo_load_parse_uint(s, 4094, &vlan) || vlan < 1) {
			err(c, f[1].val, "invalid vlan \"%s\" (expected a VLAN ID from 1 to 4094)", topo_load_q(c, s));
			ok = false;
		} else {
			seg->vlan = (int)vlan;
		}
	}
	if (topo_load_present(&f[2])) {
		const char *s = topo_load_get_name(c, &f[2], "a label (free text)");

		if (!s)
			ok = false;
		else if (!(seg->label = topo_arena_strdup(&c->s->arena, s)))
			c->rep->oom = true;
	}
	if (!ok) {
		*seg = (struct topo_segment){ 0 };
		return;
	}
	seg->area = a;
	seg->line = f[0].val->line;
	seg->column = f[0].val->column;
	a->n_segments++;
}

static void load_area(struct topo_load_ctx *c, const struct topo_ynode *n, struct topo_area *a, bool external)
{
	static const char *const zone_keys[] = { "name", "kind", "segments" };
	static const char *const ext_keys[] = { "name", "kind", "cidrs" };
	const char *what = external ? "external" : "zone";
	struct topo_load_field f[3];
	const char *name;
	int kind;
	size_t n_list;

	a->line = n->line;
	a->column = n->column;
	a->external = external;
	a->name = "";
	if (!topo_load_map_fields(c, n, what, external ? ext_keys : zone_keys, 3, f)) {
		c->area_bad[a->index] = true;
		return;
	}

	topo_load_require(c, n, &f[0], "name", what, NULL);
	name = topo_load_get_name(c, &f[0], "a name");
	if (name) {
		a->name = topo_arena_strdup(&c->s->arena, name);
		if (!a->name) {
			c->rep->oom = true;
			a->name = "";
			return;
		}
		a->line = f[0].val->line;
		a->column = f[0].val->column;
		register_area(c, a, &f[0]);
	}

	if (topo_load_require(c, n, &f[1], "kind", what,
			      external ? "lgwan-wan, public-institution or remote-access"
				       : "mynumber, lgwan, internet or other")) {
		if (external) {
			kind = topo_load_get_enum_field(c, &f[1], ext_kind_names, ARRAY_SIZE(ext_kind_names));
			if (kind >= 0)
				a->kind = (enum topo_kind)(TOPO_KIND_LGWAN_WAN + kind);
		} else {
			const struct topo_ynode *v = f[1].val;

			/* A common slip: an external's kind on a zone.  Say so
			 * rather than just listing the zone kinds. */
			kind = -1;
			if (v && v->type == TOPO_YNODE_SCALAR && !topo_load_is_null(v)) {
				for (size_t i = 0; i < ARRAY_SIZE(ext_kind_names); i++)
					if (strcmp(v->str, ext_kind_names[i]) == 0)
						kind = -2;
				if (strcmp(v->str, "internet-wan") == 0)
					kind = -2;
			}
			if (kind == -2)
				err(c, v, "kind \"%s\" is for externals; a zone's kind is one of: %s", topo_load_q(c, v->str),
				    topo_load_join(c, zone_kind_names, ARRAY_SIZE(zone_kind_names)));
			else
				kind = topo_load_get_enum_field(c, &f[1], zone_kind_names, ARRAY_SIZE(zone_kind_names));
			if (kind >= 0)
				a->kind = (enum topo_kind)kind;
		}
		if (kind < 0)
			c->area_bad[a->index] = true;
	} else {
		c->area_bad[a->index] = true;
	}

	if (!topo_load_require(c, n, &f[2], external ? "cidrs" : "segments", what,
			       external ? "the list of its networks, e.g. cidrs: [ 198.51.100.0/24 ]"
					: "the list of its networks, e.g. segments: [ { cidr: 10.10.0.0/16, vlan: 10 } ]"))
		return;
	if (!topo_load_want_seq(c, &f[2], external ? "CIDRs" : "segments"))
		return;
	n_list = topo_load_list_len(f[2].val);
	if (n_list == 0) {
		err(c, topo_load_fpos(&f[2]), "%s %s needs at least one %s", topo_load_article(what), what,
		    external ? "CIDR" : "segment");
		return;
	}
	a->segments = topo_arena_calloc(&c->s->arena, n_list, sizeof(*a->segments));
	if (!a->segments) {
		c->rep->oom = true;
		return;
	}
	for (size_t i = 0; i < n_list; i++) {
		const struct topo_ynode *item = topo_load_list_item(f[2].val, i);

		if (external) {
			struct topo_segment *seg = &a->segments[a->n_segments];

			if (!topo_load_parse_cidr_node(c, item, &seg->addr, &seg->prefix))
				continue;
			seg->vlan = -1;
			seg->area = a;
			seg->line = item->line;
			seg->column = item->column;
			a->n_segments++;
		} else {
			load_segment(c, item, a);
		}
	}
}

/*
 * Overlapping CIDRs.  Sorted by (family, address, prefix), prefixes either
 * nest or are disjoint, so a sweep with a stack of the prefixes containing
 * the current one finds every overlap; the stack holds strictly longer
 * prefixes upwards, so it is at most 129 deep and the check O(n log n).
 */
static void overlap_pair(struct topo_load_ctx *c, const struct topo_segment *o, const struct topo_segment *n)
{
	const struct topo_segment *first = o, *second = n;
	bool same = o->prefix == n->prefix;

	if (o->area->index > n->area->index || (o->area == n->area && o > n)) {
		first = n;
		second = o;
	}
	const struct topo_area *a1 = first->area, *a2 = second->area;
	const char *w1 = a1->external ? "external" : "zone", *w2 = a2->external ? "external" : "zone";
	const char *s2 = a2->external ? "cidr" : "segment";

	if (a1 == a2) {
		if (same)
			diag_at(c, TOPO_SEV_WARNING, second->line, second->column,
			     "%s %s is listed twice in %s \"%s\" (also at %s)", s2,
			     topo_load_fmt_prefix(c, &second->addr, second->prefix), w2, topo_load_q(c, a2->name),
			     topo_load_fmt_pos(c, first->line, first->column));
		else
			diag_at(c, TOPO_SEV_WARNING, second->line, second->column,
			     "%s %s overlaps %s (%s) of the same %s \"%s\"", s2,
			     topo_load_fmt_prefix(c, &second->addr, second->prefix), topo_load_fmt_prefix(c, &first->addr, first->prefix),
			     topo_load_fmt_pos(c, first->line, first->column), w2, topo_load_q(c, a2->name));
		return;
	}
	if (a1->external && a2->external) {
		/* Nested externals are fine: the longest prefix wins.  The
		 * same prefix twice leaves nothing to decide by. */
		if (same)
			diag_at(c, TOPO_SEV_ERROR, second->line, second->column,
			    "cidr %s of external \"%s\" is also a cidr of external \"%s\" (%s): the longest-prefix match "
			    "cannot choose between them",
			    topo_load_fmt_prefix(c, &second->addr, second->prefix), topo_load_q(c, a2->name), topo_load_q(c, a1->name),
			    topo_load_fmt_pos(c, first->line, first->column));
		return;
	}
	diag_at(c, TOPO_SEV_ERROR, second->line, second->column,
	    "%s %s of %s \"%s\" overlaps %s %s of %s \"%s\" (%s): an address must belong to one area", s2,
	    topo_load_fmt_prefix(c, &second->addr, second->prefix), w2, topo_load_q(c, a2->name),
	    a1->external ? "cidr" : "segment", topo_load_fmt_prefix(c, &first->addr, first->prefix), w1,
	    topo_load_q(c, a1->name), topo_load_fmt_pos(c, first->line, first->column));
}

static bool seg_contains(const struct topo_segment *o, const struct topo_segment *n)
{
	return o->prefix <= n->prefix && topo_addr_in_prefix(&n->addr, &o->addr, o->prefix);
}

/*
 * One VLAN for segments of two tiers: a single broadcast domain spans the
 * separation (a misnumbered segment, or a switch trunk that really carries
 * both).  Loadable — the addresses still decide the zone — but worth a
 * warning at the second segment.  Zones of one kind share VLANs freely.
 */
static void check_shared_vlans(struct topo_load_ctx *c)
{
	const struct topo_segment *first[4096] = {0};
	struct topo_site *s = c->s;

	for (size_t i = 0; i < s->n_areas; i++) {
		const struct topo_area *a = &s->areas[i];
		if (a->external)
			continue;
		for (size_t k = 0; k < a->n_segments; k++) {
			const struct topo_segment *g = &a->segments[k];
			if (g->vlan < 0 || g->vlan > 4095)
				continue;
			const struct topo_segment *f = first[g->vlan];
			if (!f) {
				first[g->vlan] = g;
				continue;
			}
			if (f->area->kind != a->kind)
				diag_at(c, TOPO_SEV_WARNING, g->line, g->column,
					"VLAN %d carries segments of two tiers: zone \"%s\" (%s) here and zone \"%s\" (%s) at %s; "
					"one broadcast domain across the separation",
					g->vlan, topo_load_q(c, a->name), topo_kind_name(a->kind), topo_load_q(c, f->area->name),
					topo_kind_name(f->area->kind), topo_load_fmt_pos(c, f->line, f->column));
		}
	}
}

static void check_overlaps(struct topo_load_ctx *c)
{
	const struct topo_segment *stack[130];
	unsigned depth = 0;

	for (size_t i = 0; i < c->s->n_sorted; i++) {
		const struct topo_segment *seg = c->s->sorted[i];

		while (depth && !seg_contains(stack[depth - 1], seg))
			depth--;
		for (unsigned k = 0; k < depth; k++)
			overlap_pair(c, stack[k], seg);
		if (depth && stack[depth - 1]->prefix == seg->prefix)
			continue; /* identical: already reported, keep the stack strict */
		stack[depth++] = seg;
	}
}

/* ------------------------------------------------------------------ hosts */

static bool mac_is_assignable(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return !(mac[0] & 1) && memcmp(mac, zero, 6) != 0;
}

bool topo_load_parse_mac_node(struct topo_load_ctx *c, const struct topo_ynode *n, uint8_t ret[6])
{
	if (!topo_load_want_item_scalar(c, n, "a MAC address such as 02:00:00:10:00:01"))
		return false;
	if (topo_mac_parse(n->str, ret) < 0) {
		err(c, n, "invalid MAC address \"%s\" (expected six hex pairs such as 02:00:00:10:00:01)",
		    topo_load_q(c, n->str));
		return false;
	}
	return true;
}

static void load_host_macs(struct topo_load_ctx *c, struct topo_host *h, const struct topo_load_field *f)
{
	size_t n;

	if (!topo_load_want_scalar_or_seq(c, f, "a MAC address"))
		return;
	n = topo_load_list_len(f->val);
	if (n == 0)
		return;
	h->macs = topo_arena_calloc(&c->s->arena, n, sizeof(*h->macs));
	if (!h->macs) {
		c->rep->oom = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct topo_ynode *item = topo_load_list_item(f->val, i);
		uint8_t *mac = h->macs[h->n_macs];
		char buf[TOPO_MAC_STRLEN];
		void *old;

		if (!topo_load_parse_mac_node(c, item, mac))
			continue;
		if (!mac_is_assignable(mac)) {
			err(c, item, "MAC %s is %s: it can't belong to a host", topo_mac_format(mac, buf),
			    mac[0] & 1 ? "a multicast or broadcast address" : "all zeroes");
			continue;
		}
		if (topo_htab_put(&c->s->host_by_mac, topo_hash_mac(mac), mac, h, topo_eq_mac, &old) < 0) {
			c->rep->oom = true;
			return;
		}
		if (old == h) {
			warn(c, item, "MAC %s is listed twice for host \"%s\"", topo_mac_format(mac, buf), topo_load_q(c, h->name));
			continue;
		}
		if (old) {
			const struct topo_host *o = old;

			err(c, item, "MAC %s is already used by host \"%s\" (%s)", topo_mac_format(mac, buf),
			    topo_load_q(c, o->name), topo_load_fmt_pos(c, o->line, o->column));
			continue;
		}
		h->n_macs++;
	}
}

const char *topo_load_area_phrase(struct topo_load_ctx *c, const struct topo_area *a)
{
	char *out = topo_load_qnext(c);

	if (!a || a->kind == TOPO_KIND_INTERNET_WAN)
		snprintf(out, sizeof(c->qbuf[0]), "on the Internet");
	else
		snprintf(out, sizeof(c->qbuf[0]), "in %s \"%s\"", a->external ? "external" : "zone", topo_load_q(c, a->name));
	return out;
}

static void load_host_ips(struct topo_load_ctx *c, struct topo_host *h, const struct topo_load_field *f, bool zone_ok)
{
	size_t n;

	if (!topo_load_want_scalar_or_seq(c, f, "an IP address"))
		return;
	n = topo_load_list_len(f->val);
	if (n == 0)
		return;
	h->ips = topo_arena_calloc(&c->s->arena, n, sizeof(*h->ips));
	if (!h->ips) {
		c->rep->oom = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct topo_ynode *item = topo_load_list_item(f->val, i);
		struct topo_addr *ip = &h->ips[h->n_ips];
		char buf[TOPO_ADDR_STRLEN];
		bool link_local;
		void *old;

		if (!topo_load_want_item_scalar(c, item, "an IP address such as 10.10.1.1 or \"fd00:10::1\""))
			continue;
		if (topo_addr_parse(item->str, ip) < 0) {
			err(c, item, "invalid IP address \"%s\" (expected an IPv4 or IPv6 address, without /prefix)",
			    topo_load_q(c, item->str));
			continue;
		}
		/* Link-local unicast is a real host address (IPv6 always has
		 * one) but belongs to no segment; the rest of the link-scoped
		 * space is not a host's address at all. */
		link_local = (ip->family == 4 && ip->bytes[0] == 169 && ip->bytes[1] == 254) ||
			     (ip->family == 6 && ip->bytes[0] == 0xfe && (ip->bytes[1] & 0xc0) == 0x80);
		if (!link_local && topo_addr_is_link_scoped(ip)) {
			err(c, item, "%s is not a unicast host address (loopback, multicast, broadcast or unspecified)",
			    topo_addr_format(ip, buf));
			continue;
		}
		if (topo_htab_put(&c->s->host_by_ip, topo_hash_addr(ip), ip, h, topo_eq_addr, &old) < 0) {
			c->rep->oom = true;
			return;
		}
		if (old == h) {
			warn(c, item, "IP %s is listed twice for host \"%s\"", topo_addr_format(ip, buf), topo_load_q(c, h->name));
			continue;
		}
		if (old) {
			const struct topo_host *o = old;

			err(c, item, "IP %s is already used by host \"%s\" (%s)", topo_addr_format(ip, buf), topo_load_q(c, o->name),
			    topo_load_fmt_pos(c, o->line, o->column));
			continue;
		}
		h->n_ips++;

		if (zone_ok && !link_local && h->role != TOPO_ROLE_GATEWAY) {
			const struct topo_area *in = topo_site_lookup_area(c->s, ip);

			if (in != h->zone)
				err(c, item,
				    "IP %s of host \"%s\" is not in a segment of its zone \"%s\" (it is %s); only a host of "
				    "role gateway may have addresses outside its zone",
				    topo_addr_format(ip, buf), topo_load_q(c, h->name), topo_load_q(c, h->zone->name),
				    topo_load_area_phrase(c, in));
		}
	}
}

static void load_host(struct topo_load_ctx *c, const struct topo_ynode *n, struct topo_host *h)
{
	static const char *const keys[] = { "name", "zone", "mac", "ip", "role" };
	struct topo_load_field f[ARRAY_SIZE(keys)];
	const char *name, *zone;
	bool zone_ok = false;

	h->line = n->line;
	h->column = n->column;
	h->name = "";
	c->host_bad[h->index] = true;
	if (!topo_load_map_fields(c, n, "host", keys, ARRAY_SIZE(keys), f))
		return;

	topo_load_require(c, n, &f[0], "name", "host", NULL);
	name = topo_load_get_name(c, &f[0], "a name");
	if (name) {
		void *old;

		h->name = topo_arena_strdup(&c->s->arena, name);
		if (!h->name) {
			c->rep->oom = true;
			h->name = "";
			return;
		}
		h->line = f[0].val->line;
		h->column = f[0].val->column;
		if (topo_htab_put(&c->s->host_by_name, topo_hash_str(h->name), h->name, h, topo_eq_str, &old) < 0) {
			c->rep->oom = true;
			return;
		}
		if (old) {
			const struct topo_host *o = old;

			err(c, f[0].val, "duplicate host name \"%s\" (first at %s)", topo_load_q(c, h->name),
			    topo_load_fmt_pos(c, o->line, o->column));
		}
	}

	/* Before the IPs: a gateway's addresses may lie outside its zone. */
	if (f[4].key) {
		int role = topo_load_get_enum_field(c, &f[4], role_names, ARRAY_SIZE(role_names));

		if (role >= 0)
			h->role = (enum topo_role)role;
	}

	if (topo_load_require(c, n, &f[1], "zone", "host", "the zone it sits in") &&
	    (zone = topo_load_get_name(c, &f[1], "a zone name"))) {
		const struct topo_area *a = topo_load_find_area(c->s, zone);

		if (!a)
			err(c, f[1].val, "unknown zone \"%s\" (zones: %s)", topo_load_q(c, zone), topo_load_list_areas(c, false));
		else if (a->external)
			err(c, f[1].val, "\"%s\" is an external, not a zone: a host sits in one of the site's zones",
			    topo_load_q(c, zone));
		else {
			h->zone = a;
			zone_ok = !c->area_bad[a->index];
			c->host_bad[h->index] = !zone_ok;
		}
	}

	load_host_macs(c, h, &f[2]);
	load_host_ips(c, h, &f[3], zone_ok);
	if (!f[2].key && !f[3].key && !f[2].near_miss && !f[3].near_miss)
		warn(c, n, "host \"%s\" has neither mac nor ip: nothing on the wire can match it", topo_load_q(c, h->name));
}

/* -------------------------------------------------------------- top level */

/* A top-level list: NULL (after an error when required) or its node. */
static const struct topo_ynode *top_list(struct topo_load_ctx *c, const struct topo_load_field *f, const char *what)
{
	if (!f->key || topo_load_is_null(f->val))
		return NULL;
	if (f->val->type != TOPO_YNODE_SEQ) {
		err(c, f->val, "\"%s\" must be a list of %s, not %s", f->key->str, what, topo_load_describe(f->val));
		return NULL;
	}
	return f->val;
}

int topo_site_build(struct topo_site *s, const struct topo_ynode *root, const char *dir, struct topo_report *rep)
{
	static const char *const keys[] = { "site",	 "model", "exception_pinning", "inventory", "zones",
					    "externals", "hosts", "flows",	       "firewalls" };
	enum { K_SITE, K_MODEL, K_PINNING, K_INVENTORY, K_ZONES, K_EXTERNALS, K_HOSTS, K_FLOWS, K_FIREWALLS };
	struct topo_load_field f[ARRAY_SIZE(keys)];
	struct topo_load_ctx *c;
	const struct topo_ynode *zones, *externals, *hosts, *flows, *fws;
	const char *name;
	int v, r = 0;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->rep = rep;
	c->s = s;
	c->dir = dir;

	if (!root) {
		err(c, NULL, "the file is empty: expected a mapping with site, model and zones");
		goto out;
	}
	if (root->type != TOPO_YNODE_MAP) {
		err(c, root, "the file must be a mapping with keys site, model, zones, …, not %s", topo_load_describe(root));
		goto out;
	}
	topo_load_map_fields(c, root, "the top level", keys, ARRAY_SIZE(keys), f);

	if (topo_load_require(c, root, &f[K_SITE], "site", "topology", "the site's name, e.g. site: Example City") &&
	    (name = topo_load_get_name(c, &f[K_SITE], "the site's name (free text)"))) {
		s->name = topo_arena_strdup(&s->arena, name);
		if (!s->name)
			goto oom;
	}
	if (topo_load_require(c, root, &f[K_MODEL], "model", "topology", "alpha, alpha-prime, beta or beta-prime")) {
		v = topo_load_get_enum_field(c, &f[K_MODEL], model_names, ARRAY_SIZE(model_names));
		if (v >= 0)
			s->model = (enum topo_model)v;
	}
	s->pinning = TOPO_PIN_MAC_AND_IP;
	if (f[K_PINNING].key) {
		v = topo_load_get_enum_field(c, &f[K_PINNING], pinning_names, ARRAY_SIZE(pinning_names));
		if (v >= 0)
			s->pinning = (enum topo_pinning)v;
	}
	s->inventory_strict = true;
	if (f[K_INVENTORY].key) {
		v = topo_load_get_enum_field(c, &f[K_INVENTORY], inventory_names, ARRAY_SIZE(inventory_names));
		if (v >= 0)
			s->inventory_strict = v == 0;
	}

	/* Areas: allocated once at their final size, since segments, hosts
	 * and flows keep pointers to them. */
	topo_load_require(c, root, &f[K_ZONES], "zones", "topology", "the list of the site's networks");
	zones = top_list(c, &f[K_ZONES], "zones");
	if (f[K_ZONES].key && (topo_load_is_null(f[K_ZONES].val) || (zones && zones->n == 0)))
		err(c, topo_load_fpos(&f[K_ZONES]), "\"zones\" must list at least one zone");
	externals = top_list(c, &f[K_EXTERNALS], "externals");
	s->n_zones = zones ? zones->n : 0;
	s->n_externals = externals ? externals->n : 0;
	s->n_areas = s->n_zones + s->n_externals + 1;
	s->areas = topo_arena_calloc(&s->arena, s->n_areas, sizeof(*s->areas));
	c->area_bad = calloc(s->n_areas, sizeof(*c->area_bad));
	if (!s->areas || !c->area_bad || topo_htab_init(&s->area_by_name, s->n_areas) < 0)
		goto oom;
	for (size_t i = 0; i < s->n_areas; i++)
		s->areas[i].index = (unsigned)i;
	for (size_t i = 0; i < s->n_zones; i++)
		load_area(c, zones->items[i], &s->areas[i], false);
	for (size_t i = 0; i < s->n_externals; i++)
		load_area(c, externals->items[i], &s->areas[s->n_zones + i], true);
	{
		struct topo_area *inet = &s->areas[s->n_areas - 1];

		inet->name = "internet-wan";
		inet->kind = TOPO_KIND_INTERNET_WAN;
		inet->external = true;
		if (topo_htab_put(&s->area_by_name, topo_hash_str(inet->name), inet->name, inet, topo_eq_str, NULL) < 0)
			goto oom;
	}
	r = topo_site_index_segments(s);
	if (r < 0)
		goto out;
	check_overlaps(c);
	check_shared_vlans(c);

	hosts = top_list(c, &f[K_HOSTS], "hosts");
	s->n_hosts = hosts ? hosts->n : 0;
	if (s->n_hosts) {
		s->hosts = topo_arena_calloc(&s->arena, s->n_hosts, sizeof(*s->hosts));
		c->host_bad = calloc(s->n_hosts, sizeof(*c->host_bad));
		if (!s->hosts || !c->host_bad)
			goto oom;
	}
	/* Hosts typically have an IPv4 and an IPv6 address and a MAC: size
	 * the tables for that, so a big site doesn't rehash while loading. */
	if (topo_htab_init(&s->host_by_name, s->n_hosts) < 0 || topo_htab_init(&s->host_by_ip, 2 * s->n_hosts) < 0 ||
	    topo_htab_init(&s->host_by_mac, s->n_hosts) < 0)
		goto oom;
	for (size_t i = 0; i < s->n_hosts; i++) {
		s->hosts[i].index = (unsigned)i;
		load_host(c, hosts->items[i], &s->hosts[i]);
	}

	flows = top_list(c, &f[K_FLOWS], "flows");
	s->n_flows = flows ? flows->n : 0;
	if (s->n_flows) {
		s->flows = topo_arena_calloc(&s->arena, s->n_flows, sizeof(*s->flows));
		if (!s->flows || topo_htab_init(&c->flow_names, s->n_flows) < 0)
			goto oom;
	}
	for (size_t i = 0; i < s->n_flows; i++) {
		s->flows[i].index = (unsigned)i;
		topo_load_flow(c, flows->items[i], &s->flows[i]);
	}

	fws = top_list(c, &f[K_FIREWALLS], "firewalls");
	s->n_firewalls = fws ? fws->n : 0;
	if (s->n_firewalls) {
		s->firewalls = topo_arena_calloc(&s->arena, s->n_firewalls, sizeof(*s->firewalls));
		if (!s->firewalls || topo_htab_init(&c->fw_names, s->n_firewalls) < 0)
			goto oom;
	}
	for (size_t i = 0; i < s->n_firewalls; i++) {
		s->firewalls[i].index = (unsigned)i;
		topo_load_firewall(c, fws->items[i], &s->firewalls[i]);
	}

	r = topo_site_index_ports(s);
	goto out;
oom:
	r = -ENOMEM;
out:
	if (r == 0 && rep->oom)
		r = -ENOMEM;
	topo_htab_free(&c->flow_names);
	topo_htab_free(&c->fw_names);
	free(c->area_bad);
	free(c->host_bad);
	free(c);
	return r;
}
