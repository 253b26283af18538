/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The validating walk: YAML node tree → struct topo_site.
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

static const char *tier_name(enum topo_tier t)
{
	switch (t) {
	case TOPO_TIER_MYNUMBER:
		return "mynumber";
	case TOPO_TIER_LGWAN:
		return "lgwan";
	case TOPO_TIER_INTERNET:
		return "internet";
	case TOPO_TIER_OTHER:
		return "other";
	case TOPO_TIER_REMOTE:
		return "remote-access";
	}
	return "?";
}

/* ------------------------------------------------------------ names */

static const char *const model_names[] = { "alpha", "alpha-prime", "beta", "beta-prime" };
static const char *const pinning_names[] = { "mac-and-ip", "mac-or-ip" };
static const char *const inventory_names[] = { "strict", "open" };
static const char *const zone_kind_names[] = { "mynumber", "lgwan", "internet", "other" };
static const char *const ext_kind_names[] = { "lgwan-wan", "public-institution", "remote-access" };
static const char *const role_names[] = { "terminal", "server", "sanitizer", "gateway", "other" };
static const char *const flow_kind_names[] = { "exception", "mail-text", "screen-transfer",
					       "file-cdr", "saas-breakout", "service" };
static const char *const proto_names[] = { "tcp", "udp", "icmp", "icmpv6" };
static const int proto_numbers[] = { 6, 17, 1, 58 };
static const char *const format_names[] = { "nft-json", "nft", "iptables-save" };

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

/* ------------------------------------------------------------------ flows */

struct ep_ctx {
	const struct topo_ynode *pos; /* the host/zone/external/cidr value */
	bool ok;                      /* resolved, tier known */
};

static void load_endpoint(struct topo_load_ctx *c, const struct topo_load_field *fe, struct topo_endpoint *ep,
			  struct ep_ctx *x)
{
	static const char *const keys[] = { "host", "zone", "external", "cidr", "mac" };
	struct topo_load_field f[ARRAY_SIZE(keys)];
	const struct topo_load_field *which = NULL;
	const char *name;
	size_t n;

	x->ok = false;
	x->pos = topo_load_fpos(fe);
	if (topo_load_is_null(fe->val)) {
		err(c, topo_load_fpos(fe), "missing value for \"%s\" (expected a mapping with one of: host, zone, external, cidr)",
		    fe->key->str);
		return;
	}
	if (!topo_load_map_fields(c, fe->val, "flow endpoint", keys, ARRAY_SIZE(keys), f))
		return;
	/* In file order, so the message names the keys as the user wrote
	 * them and points at the second. */
	for (int i = 0; i < 4; i++) {
		const struct topo_load_field *fi = &f[i], *first, *second;

		if (!fi->key)
			continue;
		if (!which) {
			which = fi;
			continue;
		}
		bool fi_first = fi->key->line < which->key->line ||
				(fi->key->line == which->key->line && fi->key->column < which->key->column);
		first = fi_first ? fi : which;
		second = fi_first ? which : fi;
		err(c, second->key, "flow endpoint \"%s\" has both %s and %s: give exactly one of host, zone, external, cidr",
		    fe->key->str, first->key->str, second->key->str);
		return;
	}
	if (!which) {
		err(c, fe->val, "flow endpoint \"%s\" needs exactly one of: host, zone, external, cidr", fe->key->str);
		return;
	}
	x->pos = topo_load_fpos(which);

	if (which == &f[3]) {
		ep->type = TOPO_EP_CIDR;
		if (topo_load_is_null(which->val)) {
			err(c, topo_load_fpos(which), "missing value for \"cidr\" (expected a network such as 203.0.113.0/28)");
			return;
		}
		if (!topo_load_parse_cidr_node(c, which->val, &ep->addr, &ep->prefix))
			return;
		/* The area the network address falls in decides the tier. */
		ep->area = topo_site_lookup_area(c->s, &ep->addr);
		if (topo_site_prefix_spans_areas(c->s, &ep->addr, ep->prefix, ep->area))
			warn(c, which->val,
			     "cidr %s covers networks of more than one area; the flow rules treat it as %s (where its first "
			     "address is)",
			     topo_load_fmt_prefix(c, &ep->addr, ep->prefix), topo_load_area_phrase(c, ep->area));
		x->ok = !c->area_bad[ep->area->index];
	} else if ((name = topo_load_get_name(c, which, "a name"))) {
		if (which == &f[0]) {
			ep->type = TOPO_EP_HOST;
			ep->host = topo_load_find_host(c->s, name);
			if (!ep->host) {
				err(c, which->val, "unknown host \"%s\"", topo_load_q(c, name));
			} else {
				ep->area = ep->host->zone;
				x->ok = !c->host_bad[ep->host->index];
			}
		} else {
			bool want_ext = which == &f[2];
			const struct topo_area *a = topo_load_find_area(c->s, name);

			ep->type = want_ext ? TOPO_EP_EXTERNAL : TOPO_EP_ZONE;
			if (!a)
				err(c, which->val, "unknown %s \"%s\" (%s: %s)", want_ext ? "external" : "zone", topo_load_q(c, name),
				    want_ext ? "externals" : "zones", topo_load_list_areas(c, want_ext));
			else if (a->external != want_ext)
				err(c, which->val, "\"%s\" is %s, not %s: write %s: %s", topo_load_q(c, name),
				    a->external ? "an external" : "a zone", want_ext ? "an external" : "a zone",
				    a->external ? "external" : "zone", topo_load_q(c, name));
			else {
				ep->area = a;
				x->ok = !c->area_bad[a->index];
			}
		}
	}

	/* Extra MAC pins. */
	if (!topo_load_want_scalar_or_seq(c, &f[4], "a MAC address"))
		return;
	n = topo_load_list_len(f[4].val);
	if (n) {
		ep->macs = topo_arena_calloc(&c->s->arena, n, sizeof(*ep->macs));
		if (!ep->macs) {
			c->rep->oom = true;
			return;
		}
		for (size_t i = 0; i < n; i++)
			if (topo_load_parse_mac_node(c, topo_load_list_item(f[4].val, i), ep->macs[ep->n_macs]))
				ep->n_macs++;
	}
}

/* Parses "443" or "8000-8010"; false when malformed. */
static bool parse_port_text(const char *s, struct topo_port_range *ret)
{
	char lo[8], hi[8];
	const char *dash = strchr(s, '-');
	unsigned long l, h;

	if (!dash) {
		if (!topo_load_parse_uint(s, 65535, &l))
			return false;
		ret->lo = ret->hi = (uint16_t)l;
		return true;
	}
	if ((size_t)(dash - s) >= sizeof(lo) || strlen(dash + 1) >= sizeof(hi))
		return false;
	memcpy(lo, s, (size_t)(dash - s));
	lo[dash - s] = '\0';
	strcpy(hi, dash + 1);
	if (!topo_load_parse_uint(lo, 65535, &l) || !topo_load_parse_uint(hi, 65535, &h))
		return false;
	ret->lo = (uint16_t)l;
	ret->hi = (uint16_t)h;
	return true;
}

static void load_ports(struct topo_load_ctx *c, struct topo_flow *fl, const struct topo_load_field *f,
		       const struct topo_ynode ***ret_nodes)
{
	size_t n;

	*ret_nodes = NULL;
	if (!topo_load_want_scalar_or_seq(c, f, "a port"))
		return;
	n = topo_load_list_len(f->val);
	if (n == 0)
		return;
	fl->ports = topo_arena_calloc(&c->s->arena, n, sizeof(*fl->ports));
	/* The item nodes, for the screen-transfer port warnings. */
	*ret_nodes = topo_arena_calloc(&c->s->arena, n, sizeof(**ret_nodes));
	if (!fl->ports || !*ret_nodes) {
		c->rep->oom = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct topo_ynode *item = topo_load_list_item(f->val, i);
		struct topo_port_range *pr = &fl->ports[fl->n_ports];

		if (!topo_load_want_item_scalar(c, item, "a port number (0-65535) or a range such as \"8000-8010\""))
			continue;
		if (!parse_port_text(item->str, pr)) {
			err(c, item, "invalid port \"%s\" (expected a number from 0 to 65535 or a range such as \"8000-8010\")",
			    topo_load_q(c, item->str));
			continue;
		}
		if (pr->lo > pr->hi) {
			err(c, item, "invalid port range \"%s\": the first port is above the last", topo_load_q(c, item->str));
			continue;
		}
		(*ret_nodes)[fl->n_ports] = item;
		fl->n_ports++;
	}
}

static int parse_proto(struct topo_load_ctx *c, const struct topo_load_field *f)
{
	unsigned long v;
	const char *s = topo_load_get_str(c, f, "a protocol: tcp, udp, icmp, icmpv6 or a number from 0 to 255");

	if (!s)
		return -2;
	for (size_t i = 0; i < ARRAY_SIZE(proto_names); i++)
		if (strcmp(s, proto_names[i]) == 0)
			return proto_numbers[i];
	if (topo_load_parse_uint(s, 255, &v))
		return (int)v;
	err(c, f->val, "unknown proto \"%s\" (expected tcp, udp, icmp, icmpv6 or an IP protocol number from 0 to 255)",
	    topo_load_q(c, s));
	return -2;
}

static const char *ep_phrase(struct topo_load_ctx *c, const struct topo_endpoint *ep)
{
	const char *what = "cidr", *inner;
	char *out;

	switch (ep->type) {
	case TOPO_EP_HOST:
		what = "host";
		inner = topo_load_q(c, ep->host ? ep->host->name : "");
		break;
	case TOPO_EP_ZONE:
	case TOPO_EP_EXTERNAL:
		what = ep->type == TOPO_EP_ZONE ? "zone" : "external";
		inner = topo_load_q(c, ep->area ? ep->area->name : "");
		break;
	default:
		inner = topo_load_fmt_prefix(c, &ep->addr, ep->prefix);
		break;
	}
	out = topo_load_qnext(c);
	if (ep->type == TOPO_EP_CIDR)
		snprintf(out, sizeof(c->qbuf[0]), "cidr %s", inner);
	else
		snprintf(out, sizeof(c->qbuf[0]), "%s \"%s\"", what, inner);
	return out;
}

static bool ep_is_sanitizer(const struct topo_endpoint *ep)
{
	return ep->type == TOPO_EP_HOST && ep->host && ep->host->role == TOPO_ROLE_SANITIZER;
}

/* Screen-transfer port sanity (domain.md, "Sanitizing paths"). */
static void check_screen_ports(struct topo_load_ctx *c, const struct topo_flow *fl, const struct topo_ynode **nodes,
			       const struct topo_ynode *kind_pos)
{
	static const struct topo_port_range known[] = {
		{ 3389, 3389 }, { 1494, 1494 }, { 2598, 2598 }, { 4172, 4172 }, { 443, 443 },
		{ 8443, 8443 }, { 22443, 22443 }, { 5900, 5999 },
	};

	if (fl->proto == 1 || fl->proto == 58)
		return;
	if (fl->n_ports == 0) {
		warn(c, kind_pos,
		     "screen-transfer flow \"%s\" has no ports: it admits any port, including the forbidden side "
		     "channels 9427 and 32111",
		     topo_load_q(c, fl->name));
		return;
	}
	for (size_t i = 0; i < fl->n_ports; i++) {
		const struct topo_port_range *p = &fl->ports[i];
		bool side = false, inside = false;

		if (p->lo <= 9427 && 9427 <= p->hi) {
			warn(c, nodes[i],
			     "port 9427 (Horizon client drive redirection / MMR) is a forbidden screen-transfer side channel");
			side = true;
		}
		if (p->lo <= 32111 && 32111 <= p->hi) {
			warn(c, nodes[i], "port 32111 (Horizon USB redirection) is a forbidden screen-transfer side channel");
			side = true;
		}
		for (size_t k = 0; k < ARRAY_SIZE(known); k++)
			if (known[k].lo <= p->lo && p->hi <= known[k].hi)
				inside = true;
		if (!inside && !side)
			warn(c, nodes[i],
			     "port %s is not a known screen-transfer port (RDP 3389, ICA 1494/2598, PCoIP 4172, Blast "
			     "443/8443/22443, VNC 5900-5999)",
			     topo_load_q(c, nodes[i]->str));
	}
}

/*
 * The per-kind rules of topology.md "Meaning".  Called only when both
 * endpoints resolved, so both tiers are known.
 */
static void check_flow_rules(struct topo_load_ctx *c, const struct topo_ynode *flow_node, struct topo_flow *fl,
			     const struct topo_ynode *kind_pos, const struct ep_ctx *xf, const struct ep_ctx *xt,
			     const struct topo_load_field *fports, const struct topo_load_field *fapproval,
			     const struct topo_ynode **port_nodes)
{
	const enum topo_tier tf = topo_endpoint_tier(c->s, &fl->from), tt = topo_endpoint_tier(c->s, &fl->to);
	const enum topo_crossing cross = topo_tier_crossing(tf, tt);
	const bool crosses = topo_crossing_is_mynumber(cross);
	const char *kname = topo_flow_kind_name(fl->kind);
	const char *model = topo_model_name(c->s->model);

	/* The kind's own rules below still run: one run shows every mistake. */
	if (crosses && fl->kind != TOPO_FLOW_EXCEPTION)
		err(c, kind_pos,
		    "%s%s%s crossing the mynumber boundary (%s tier → %s tier): only an exception may cross it (5.1 ア)",
		    fl->kind == TOPO_FLOW_SERVICE ? "a service" : "a ", fl->kind == TOPO_FLOW_SERVICE ? "" : kname,
		    fl->kind == TOPO_FLOW_SERVICE ? "" : " flow", tier_name(tf), tier_name(tt));

	switch (fl->kind) {
	case TOPO_FLOW_EXCEPTION: {
		if (!crosses) {
			err(c, kind_pos,
			    "exceptions are only for the mynumber boundary, but this flow goes from %s tier to %s tier "
			    "(use kind service, mail-text, file-cdr or screen-transfer)",
			    tier_name(tf), tier_name(tt));
			break;
		}
		const bool mn_from = tf == TOPO_TIER_MYNUMBER;
		const struct topo_endpoint *mn = mn_from ? &fl->from : &fl->to;
		const struct topo_endpoint *far = mn_from ? &fl->to : &fl->from;
		const struct ep_ctx *xmn = mn_from ? xf : xt, *xfar = mn_from ? xt : xf;
		const enum topo_tier tfar = mn_from ? tt : tf;

		if (mn->type != TOPO_EP_HOST)
			err(c, xmn->pos,
			    "the mynumber side of an exception must be a host (pinned by MAC and IP address), not %s",
			    ep_phrase(c, mn));
		else {
			if (mn->host->n_macs == 0)
				err(c, xmn->pos,
				    "host \"%s\" on the mynumber side of an exception has no MAC address to pin (5.1 ア)",
				    topo_load_q(c, mn->host->name));
			if (mn->host->n_ips == 0)
				err(c, xmn->pos,
				    "host \"%s\" on the mynumber side of an exception has no IP address to pin (5.1 ア)",
				    topo_load_q(c, mn->host->name));
		}
		if (far->type == TOPO_EP_ZONE)
			err(c, xfar->pos,
			    "the far side of an exception must be a host, an external or a cidr, never a whole zone (%s)",
			    ep_phrase(c, far));
		if (tfar == TOPO_TIER_INTERNET)
			err(c, xfar->pos,
			    "the far side of an exception is on the internet side (%s): "
			    "「その外部接続先についてもインターネット等と接続してはならない」 (5.1 ア)",
			    ep_phrase(c, far));
		else if (tfar == TOPO_TIER_REMOTE)
			err(c, xfar->pos,
			    "an exception with a remote-access pool (%s): connections from outside the office to the "
			    "mynumber tier are forbidden (6.3.8 執務区域外からのマイナンバー利用事務系への接続制限)",
			    ep_phrase(c, far));

		if (fl->proto != 1 && fl->proto != 58) {
			if (!fports->key) {
				if (!fports->near_miss)
					err(c, flow_node, "exception \"%s\": ports are required (5.1 ア: an exception is pinned by port)",
					    topo_load_q(c, fl->name));
			} else if (fl->n_ports == 0 && topo_load_list_len(fports->val) == 0)
				err(c, topo_load_fpos(fports),
				    "exception \"%s\": ports are required, and the list is empty (5.1 ア: an exception is pinned by "
				    "port)",
				    topo_load_q(c, fl->name));
		}
		if (fl->proto == TOPO_PROTO_ANY)
			warn(c, kind_pos,
			     "exception \"%s\" has no proto: its ports are open on every protocol (tcp and udp alike)",
			     topo_load_q(c, fl->name));
		if (!fapproval->key) {
			if (!fapproval->near_miss)
				err(c, flow_node,
				    "exception \"%s\": approval is required (who approved it and when, e.g. \"CISO承認 2025-014\")",
				    topo_load_q(c, fl->name));
		} else if (!fl->approval && fapproval->val->type == TOPO_YNODE_SCALAR)
			err(c, topo_load_fpos(fapproval), "exception \"%s\": approval is empty (who approved it and when)",
			    topo_load_q(c, fl->name));
		break;
	}
	case TOPO_FLOW_MAIL_TEXT:
	case TOPO_FLOW_FILE_CDR:
		if (!ep_is_sanitizer(&fl->from) && !ep_is_sanitizer(&fl->to))
			err(c, kind_pos,
			    "a %s flow must have a host of role sanitizer at one end (無害化通信, 5.2 イ); it goes from %s to %s",
			    kname, ep_phrase(c, &fl->from), ep_phrase(c, &fl->to));
		break;
	case TOPO_FLOW_SCREEN_TRANSFER: {
		const bool alpha = c->s->model == TOPO_MODEL_ALPHA || c->s->model == TOPO_MODEL_ALPHA_PRIME;
		const enum topo_tier want_from = alpha ? TOPO_TIER_LGWAN : TOPO_TIER_INTERNET;
		const enum topo_tier want_to = alpha ? TOPO_TIER_INTERNET : TOPO_TIER_LGWAN;

		if (tf != want_from)
			err(c, xf->pos,
			    "in model %s, screen transfer is opened from the %s side: \"from\" must be %s tier, but %s is %s "
			    "tier",
			    model, tier_name(want_from), tier_name(want_from), ep_phrase(c, &fl->from), tier_name(tf));
		if (tt != want_to)
			err(c, xt->pos,
			    "in model %s, screen transfer goes to the %s side: \"to\" must be %s tier, but %s is %s tier",
			    model, tier_name(want_to), tier_name(want_to), ep_phrase(c, &fl->to), tier_name(tt));
		check_screen_ports(c, fl, port_nodes, kind_pos);
		break;
	}
	case TOPO_FLOW_SAAS_BREAKOUT:
		if (c->s->model != TOPO_MODEL_ALPHA_PRIME)
			err(c, kind_pos, "saas-breakout is only allowed in model alpha-prime (α' local breakout); this site is "
					 "model %s",
			    model);
		if (tf != TOPO_TIER_LGWAN)
			err(c, xf->pos, "a saas-breakout starts on the lgwan side: \"from\" must be lgwan tier, but %s is %s tier",
			    ep_phrase(c, &fl->from), tier_name(tf));
		if (fl->to.type == TOPO_EP_CIDR && fl->to.prefix == 0)
			err(c, xt->pos,
			    "the target of a saas-breakout must be the cloud service's own addresses, never the whole "
			    "Internet (cidr %s)",
			    topo_load_fmt_prefix(c, &fl->to.addr, fl->to.prefix));
		else if (fl->to.type == TOPO_EP_EXTERNAL && fl->to.area->kind == TOPO_KIND_INTERNET_WAN)
			err(c, xt->pos,
			    "the target of a saas-breakout must be a cidr or an external listing the cloud service, never "
			    "the whole Internet (internet-wan)");
		else if (fl->to.type == TOPO_EP_ZONE || fl->to.type == TOPO_EP_HOST)
			err(c, xt->pos,
			    "the target of a saas-breakout must be a cidr or an external listing the cloud service, not %s",
			    ep_phrase(c, &fl->to));
		break;
	case TOPO_FLOW_SERVICE:
		if (cross == TOPO_CROSS_LGWAN_INTERNET)
			err(c, kind_pos,
			    "a service may not join the lgwan tier and the internet tier (%s tier → %s tier, 5.2 ア): use "
			    "mail-text, file-cdr or screen-transfer",
			    tier_name(tf), tier_name(tt));
		break;
	}
}

void topo_load_flow(struct topo_load_ctx *c, const struct topo_ynode *n, struct topo_flow *fl)
{
	static const char *const keys[] = { "name", "kind", "from", "to", "proto", "ports", "approval" };
	struct topo_load_field f[ARRAY_SIZE(keys)];
	struct ep_ctx xf = { 0 }, xt = { 0 };
	const struct topo_ynode **port_nodes = NULL;
	const char *name;
	int kind = -1;

	fl->line = n->line;
	fl->column = n->column;
	fl->name = "";
	fl->proto = TOPO_PROTO_ANY;
	if (!topo_load_map_fields(c, n, "flow", keys, ARRAY_SIZE(keys), f))
		return;

	topo_load_require(c, n, &f[0], "name", "flow", NULL);
	name = topo_load_get_name(c, &f[0], "a name");
	if (name) {
		void *old;

		fl->name = topo_arena_strdup(&c->s->arena, name);
		if (!fl->name) {
			c->rep->oom = true;
			fl->name = "";
			return;
		}
		fl->line = f[0].val->line;
		fl->column = f[0].val->column;
		if (topo_htab_put(&c->flow_names, topo_hash_str(fl->name), fl->name, fl, topo_eq_str, &old) < 0) {
			c->rep->oom = true;
			return;
		}
		if (old) {
			const struct topo_flow *o = old;

			err(c, f[0].val, "duplicate flow name \"%s\" (first at %s)", topo_load_q(c, fl->name),
			    topo_load_fmt_pos(c, o->line, o->column));
		}
	}
	if (topo_load_require(c, n, &f[1], "kind", "flow", topo_load_join(c, flow_kind_names, ARRAY_SIZE(flow_kind_names)))) {
		kind = topo_load_get_enum_field(c, &f[1], flow_kind_names, ARRAY_SIZE(flow_kind_names));
		if (kind >= 0)
			fl->kind = (enum topo_flow_kind)kind;
	}
	if (topo_load_require(c, n, &f[2], "from", "flow", "the initiator, e.g. from: { host: mn-pc-01 }"))
		load_endpoint(c, &f[2], &fl->from, &xf);
	if (topo_load_require(c, n, &f[3], "to", "flow", "the destination, e.g. to: { external: j-lis }"))
		load_endpoint(c, &f[3], &fl->to, &xt);

	if (f[4].key) {
		int p = parse_proto(c, &f[4]);

		if (p >= 0)
			fl->proto = p;
	}
	if (f[5].key)
		load_ports(c, fl, &f[5], &port_nodes);
	if ((fl->proto == 1 || fl->proto == 58) && fl->n_ports)
		warn(c, f[5].val, "ports are ignored for %s: it has no ports", fl->proto == 1 ? "icmp" : "icmpv6");
	if (f[6].key) {
		const char *s = topo_load_get_str(c, &f[6], "free text naming the approval");

		if (s && s[0]) {
			fl->approval = topo_arena_strdup(&c->s->arena, s);
			if (!fl->approval)
				c->rep->oom = true;
		}
	}

	if (kind >= 0 && xf.ok && xt.ok)
		check_flow_rules(c, n, fl, f[1].val, &xf, &xt, &f[5], &f[6], port_nodes);
}

/* -------------------------------------------------------------- firewalls */

static char *resolve_path(struct topo_load_ctx *c, const char *p)
{
	char *out;
	size_t ld, lp;

	if (!c->dir || p[0] == '/')
		return topo_arena_strdup(&c->s->arena, p);
	ld = strlen(c->dir);
	lp = strlen(p);
	out = topo_arena_calloc(&c->s->arena, ld + lp + 2, 1);
	if (!out)
		return NULL;
	memcpy(out, c->dir, ld);
	if (ld && c->dir[ld - 1] != '/')
		out[ld++] = '/';
	memcpy(out + ld, p, lp + 1);
	return out;
}

static void load_iface(struct topo_load_ctx *c, const struct topo_ynode *n, struct topo_firewall *fw,
		       struct topo_htab *names)
{
	static const char *const keys[] = { "name", "faces" };
	struct topo_load_field f[ARRAY_SIZE(keys)];
	struct topo_fw_iface *ifc = &fw->ifaces[fw->n_ifaces];
	const char *name;
	size_t nf;

	if (!topo_load_map_fields(c, n, "interface", keys, ARRAY_SIZE(keys), f))
		return;
	topo_load_require(c, n, &f[0], "name", "interface", "the interface name as the ruleset uses it, e.g. eth0");
	name = topo_load_get_name(c, &f[0], "an interface name");
	if (!name)
		return;
	ifc->name = topo_arena_strdup(&c->s->arena, name);
	if (!ifc->name) {
		c->rep->oom = true;
		return;
	}
	ifc->line = f[0].val->line;
	ifc->column = f[0].val->column;
	{
		void *old;

		if (topo_htab_put(names, topo_hash_str(ifc->name), ifc->name, ifc, topo_eq_str, &old) < 0) {
			c->rep->oom = true;
			return;
		}
		if (old) {
			const struct topo_fw_iface *o = old;

			err(c, f[0].val, "duplicate interface \"%s\" in firewall \"%s\" (first at %s)", topo_load_q(c, name),
			    topo_load_q(c, fw->name), topo_load_fmt_pos(c, o->line, o->column));
			return;
		}
	}
	if (!topo_load_require(c, n, &f[1], "faces", "interface", "the zones and externals behind it, e.g. faces: [ lgwan ]"))
		return;
	if (!topo_load_want_scalar_or_seq(c, &f[1], "an area name"))
		return;
	nf = topo_load_list_len(f[1].val);
	if (nf == 0) {
		err(c, topo_load_fpos(&f[1]), "\"faces\" needs at least one zone, external or internet-wan");
		return;
	}
	ifc->faces = topo_arena_calloc(&c->s->arena, nf, sizeof(*ifc->faces));
	if (!ifc->faces) {
		c->rep->oom = true;
		return;
	}
	for (size_t i = 0; i < nf; i++) {
		const struct topo_ynode *item = topo_load_list_item(f[1].val, i);
		const struct topo_area *a;
		bool dup = false;

		if (!topo_load_want_item_scalar(c, item, "a zone, external or internet-wan"))
			continue;
		a = topo_load_find_area(c->s, item->str);
		if (!a) {
			err(c, item, "unknown area \"%s\" (expected a zone, an external or internet-wan)", topo_load_q(c, item->str));
			continue;
		}
		for (size_t k = 0; k < ifc->n_faces; k++)
			dup |= ifc->faces[k] == a;
		if (dup) {
			warn(c, item, "\"%s\" is listed twice for interface \"%s\"", topo_load_q(c, a->name), topo_load_q(c, ifc->name));
			continue;
		}
		ifc->faces[ifc->n_faces++] = a;
	}
	fw->n_ifaces++;
}

static void load_ruleset(struct topo_load_ctx *c, const struct topo_load_field *frs, struct topo_firewall *fw)
{
	static const char *const keys[] = { "format", "path" };
	struct topo_load_field f[ARRAY_SIZE(keys)];
	const char *path;
	int fmt;

	if (topo_load_is_null(frs->val))
		return;
	if (!topo_load_map_fields(c, frs->val, "ruleset", keys, ARRAY_SIZE(keys), f))
		return;
	if (topo_load_require(c, frs->val, &f[0], "format", "ruleset", "nft-json, nft or iptables-save")) {
		fmt = topo_load_get_enum_field(c, &f[0], format_names, ARRAY_SIZE(format_names));
		if (fmt >= 0)
			fw->ruleset_format = (enum topo_ruleset_format)(TOPO_RULESET_NFT_JSON + fmt);
	}
	if (f[1].key && (path = topo_load_get_str(c, &f[1], "a file path"))) {
		fw->ruleset_path = resolve_path(c, path);
		if (!fw->ruleset_path)
			c->rep->oom = true;
	}
}

void topo_load_firewall(struct topo_load_ctx *c, const struct topo_ynode *n, struct topo_firewall *fw)
{
	static const char *const keys[] = { "name", "host", "interfaces", "ruleset" };
	struct topo_load_field f[ARRAY_SIZE(keys)];
	struct topo_htab if_names = { 0 };
	const char *name, *host;
	size_t ni;

	fw->line = n->line;
	fw->column = n->column;
	fw->name = "";
	if (!topo_load_map_fields(c, n, "firewall", keys, ARRAY_SIZE(keys), f))
		return;

	topo_load_require(c, n, &f[0], "name", "firewall", NULL);
	name = topo_load_get_name(c, &f[0], "a name");
	if (name) {
		void *old;

		fw->name = topo_arena_strdup(&c->s->arena, name);
		if (!fw->name) {
			c->rep->oom = true;
			fw->name = "";
			return;
		}
		fw->line = f[0].val->line;
		fw->column = f[0].val->column;
		if (topo_htab_put(&c->fw_names, topo_hash_str(fw->name), fw->name, fw, topo_eq_str, &old) < 0) {
			c->rep->oom = true;
			return;
		}
		if (old) {
			const struct topo_firewall *o = old;

			err(c, f[0].val, "duplicate firewall name \"%s\" (first at %s)", topo_load_q(c, fw->name),
			    topo_load_fmt_pos(c, o->line, o->column));
		}
	}
	if (f[1].key && (host = topo_load_get_name(c, &f[1], "a host name"))) {
		fw->host = topo_load_find_host(c->s, host);
		if (!fw->host)
			err(c, f[1].val, "unknown host \"%s\" (the firewall's host must be listed under hosts)", topo_load_q(c, host));
	}

	if (!f[2].key) {
		if (!f[2].near_miss)
			warn(c, n, "firewall \"%s\" has no interfaces: rules that match on interface names can't be placed",
			     topo_load_q(c, fw->name));
	} else if (topo_load_want_seq(c, &f[2], "interfaces")) {
		ni = topo_load_list_len(f[2].val);
		if (ni == 0) {
			err(c, topo_load_fpos(&f[2]), "\"interfaces\" is empty: list each interface with the areas it faces");
		} else {
			fw->ifaces = topo_arena_calloc(&c->s->arena, ni, sizeof(*fw->ifaces));
			if (!fw->ifaces || topo_htab_init(&if_names, ni) < 0) {
				c->rep->oom = true;
				goto out;
			}
			for (size_t i = 0; i < ni; i++)
				load_iface(c, topo_load_list_item(f[2].val, i), fw, &if_names);
		}
	}
	if (f[3].key)
		load_ruleset(c, &f[3], fw);
out:
	topo_htab_free(&if_names);
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
