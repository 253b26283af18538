/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "flows" section: each declared flow's endpoints (host, zone,
 * external or cidr, with extra MAC pins), protocol and ports, and the rules
 * of its kind (docs/topology.md "Meaning"): only an exception crosses the
 * mynumber boundary, pinned by host, port and approval; mail-text and
 * file-cdr pass through a sanitizer; screen transfer and saas-breakout go
 * the way the site's model allows.  Runs after areas and hosts are loaded
 * and only reads them; it fills the site's flows and nothing else.
 */
#include <stdio.h>
#include <string.h>

#include "yaml-load-internal.h"

static const char *const flow_kind_names[] = { "exception", "mail-text", "screen-transfer",
					       "file-cdr", "saas-breakout", "service" };
static const char *const proto_names[] = { "tcp", "udp", "icmp", "icmpv6" };
static const int proto_numbers[] = { 6, 17, 1, 58 };

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
