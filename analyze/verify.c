/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sanso verify: which new connections each firewall's ruleset lets through,
 * exactly, against the three-tier policy (docs/verify.md).
 *
 * The packet space, the set walk over a ruleset's base chains and the
 * one-packet trace are the ruleset model's (rulesets/reach/reach.h): this
 * file asks it the three-tier questions — which areas each firewall
 * connects, what the declared flows need, what its own addresses accept —
 * and verify-findings.c makes the answers findings (an example packet, the
 * deciding rules); verify-probe.c serves the kernel differential test.
 *
 * Per firewall:
 *   R0       every first packet (ct state new; a TCP SYN) from an area
 *            behind one interface to a different area behind another;
 *   pass 1   walk the base chains of prerouting, forward and postrouting,
 *            each rule seeing only what earlier rules left, following
 *            jump/goto/return and verdict maps → Passed.  With a dnat to
 *            one address in a prerouting nat chain, prerouting is walked
 *            first, one chain after the other, over the first packets to
 *            other areas, to the firewall and back out their own
 *            interface; the dnat gives the packets it takes their new
 *            destination and output interface (REACH_V_DNAT set, the originals
 *            kept per rule for the examples), and what leaves by another
 *            interface goes on to forward and postrouting;
 *   local    first packets to the firewall's own addresses (its host's
 *            IPs in the topology) through prerouting and input: what the
 *            Internet may open on the firewall itself (INBOUND-OPEN);
 *   blocked  each declared flow's packets that Passed lacks;
 *   pass 2   walk the forward base chain with the most rules again and, at
 *            each accept, what it accepts that no declared flow permits,
 *            per area pair (the OPEN checks) and beyond the exception it
 *            carries (EXCEPTION-TOO-BROAD);
 *   shadow   every base chain walked over all packets: a rule that never
 *            sees any packet is shadowed.
 * Constructs the model can't express are assumed to match in accepting
 * rules and not to match in dropping ones (reach.h), so the result
 * over-approximates what is let through — never a silent accept or drop —
 * and each is reported (RULESET-UNSUPPORTED).
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verify-internal.h"

/* ----------------------------------------------------------------- walks */

/* A walk's accepts, attributed (pass 2): what each accepting rule opens
 * per area pair and beyond each exception. */
static void on_accept(struct reach_walk *w, uint32_t chain, size_t rule, bdd_t hit)
{
	struct fw_ctx *c = w->arg;
	struct bdd *m = c->m;

	if (bdd_and(m, hit, c->bad_all) != BDD_FALSE)
		for (size_t i = 0; i < c->n_pairs; i++) {
			bdd_t f = bdd_and(m, hit, c->pairs[i].bad);
			if (f != BDD_FALSE)
				vf_open_finding(c, &c->pairs[i], chain, rule, f);
		}
	for (size_t i = 0; i < c->n_excs; i++) {
		const struct exc *e = &c->excs[i];
		if (bdd_and(m, hit, e->carry) == BDD_FALSE)
			continue;
		bdd_t x = bdd_diff(m, bdd_and(m, hit, c->passed), e->allowed);
		if (x != BDD_FALSE)
			vf_broad_finding(c, e, chain, rule, x);
		else if (e->nomac != BDD_FALSE) {
			bdd_t y = bdd_and(m, bdd_and(m, hit, c->passed), e->nomac);
			if (y != BDD_FALSE)
				vf_nomac_finding(c, e, chain, rule, y);
		}
	}
}


/* ------------------------------------------------------------- topology */

bdd_t vf_area_bdd(struct fw_ctx *c, const struct topo_area *a, unsigned var)
{
	bdd_t r = BDD_FALSE;

	if (a->kind != TOPO_KIND_INTERNET_WAN) {
		for (size_t i = 0; i < a->n_segments; i++)
			r = bdd_or(c->m, r, vf_prefix_bdd(c, var, &a->segments[i].addr, a->segments[i].prefix));
		return r;
	}
	/* the Internet: every address in no zone or external, except those
	 * that never leave their link (topology.md) */
	static const struct {
		const char *cidr;
	} local[] = {{"0.0.0.0/8"}, {"127.0.0.0/8"}, {"169.254.0.0/16"}, {"224.0.0.0/4"}, {"255.255.255.255/32"},
		     {"::/127"},    {"fe80::/10"},   {"ff00::/8"}};
	bdd_t others = BDD_FALSE;
	for (size_t i = 0; i < c->n_areas; i++) {
		const struct topo_area *o = topo_site_area(c->site, i);
		if (o != a)
			others = bdd_or(c->m, others, vf_area_bdd(c, o, var));
	}
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		struct topo_addr x;
		uint8_t len;
		if (topo_cidr_parse(local[i].cidr, &x, &len) == 0)
			others = bdd_or(c->m, others, vf_prefix_bdd(c, var, &x, len));
	}
	return bdd_not(c->m, others);
}

static bdd_t endpoint_bdd(struct fw_ctx *c, const struct topo_endpoint *ep, unsigned var)
{
	bdd_t r = BDD_FALSE;

	switch (ep->type) {
	case TOPO_EP_HOST:
		for (size_t i = 0; i < ep->host->n_ips; i++)
			r = bdd_or(c->m, r, vf_prefix_bdd(c, var, &ep->host->ips[i], ep->host->ips[i].family == 6 ? 128 : 32));
		return r;
	case TOPO_EP_ZONE:
	case TOPO_EP_EXTERNAL:
		return var == REACH_V_SADDR ? c->src_in[ep->area->index] : c->dst_in[ep->area->index];
	case TOPO_EP_CIDR:
		return vf_prefix_bdd(c, var, &ep->addr, ep->prefix);
	}
	return r;
}

static bdd_t macs_bdd(struct fw_ctx *c, const struct topo_endpoint *ep)
{
	bdd_t r = BDD_FALSE;
	uint8_t (*macs)[6] = ep->n_macs ? ep->macs : ep->type == TOPO_EP_HOST ? ep->host->macs : NULL;
	size_t n = ep->n_macs ? ep->n_macs : ep->type == TOPO_EP_HOST ? ep->host->n_macs : 0;

	if (!n)
		return BDD_TRUE;
	for (size_t i = 0; i < n; i++)
		r = bdd_or(c->m, r, bdd_match(c->m, REACH_V_SMAC, 48, macs[i], NULL));
	return r;
}

/* proto and destination ports, as topo_flow_match_service() judges them */
static bdd_t service_bdd(struct fw_ctx *c, const struct topo_flow *fl)
{
	struct bdd *m = c->m;
	bdd_t proto = fl->proto == TOPO_PROTO_ANY ? BDD_TRUE : bdd_uint(m, REACH_V_PROTO, 8, (unsigned)fl->proto);

	if (fl->n_ports == 0)
		return proto;
	bdd_t has_ports = BDD_FALSE, ports = BDD_FALSE;
	static const unsigned with_ports[] = {6, 17, 132, 33};
	for (size_t i = 0; i < 4; i++)
		has_ports = bdd_or(m, has_ports, bdd_uint(m, REACH_V_PROTO, 8, with_ports[i]));
	for (size_t i = 0; i < fl->n_ports; i++) {
		uint8_t lo[2] = {(uint8_t)(fl->ports[i].lo >> 8), (uint8_t)fl->ports[i].lo};
		uint8_t hi[2] = {(uint8_t)(fl->ports[i].hi >> 8), (uint8_t)fl->ports[i].hi};
		ports = bdd_or(m, ports, bdd_range(m, REACH_V_DPORT, 16, lo, hi));
	}
	bdd_t r = bdd_and(m, has_ports, ports);
	if (fl->proto != TOPO_PROTO_ANY)
		r = bdd_or(m, r, bdd_not(m, has_ports));
	return bdd_and(m, proto, r);
}

/* A declared flow's packets: its addresses and service, any MAC … */
bdd_t vf_flow_bdd(struct fw_ctx *c, const struct topo_flow *fl)
{
	struct bdd *m = c->m;
	bdd_t r = bdd_and(m, endpoint_bdd(c, &fl->from, REACH_V_SADDR), endpoint_bdd(c, &fl->to, REACH_V_DADDR));

	return bdd_and(m, r, service_bdd(c, fl));
}

/* … and from the initiator's declared MACs only */
static bdd_t flow_bdd_pinned(struct fw_ctx *c, const struct topo_flow *fl)
{
	return bdd_and(c->m, vf_flow_bdd(c, fl), macs_bdd(c, &fl->from));
}

/* Which ruleset check a crossing a → b falls under, or -1. */
int vf_pair_check(const struct topo_area *a, const struct topo_area *b)
{
	enum topo_crossing x = topo_tier_crossing(topo_kind_tier(a->kind), topo_kind_tier(b->kind));

	if (topo_crossing_is_mynumber(x))
		return AN_CHECK_RULESET_MYNUMBER_OPEN;
	if (x == TOPO_CROSS_LGWAN_INTERNET)
		return AN_CHECK_RULESET_LGWAN_INTERNET_OPEN;
	if (a->kind == TOPO_KIND_INTERNET_WAN && !b->external)
		return AN_CHECK_RULESET_INBOUND_OPEN;
	return -1;
}

/* Roots a slot for the rest of this firewall's analysis. */

void vf_keep(struct fw_ctx *c, bdd_t *slot)
{
	bdd_root_push(c->m, slot);
}

/* The interface towards a dnat's target (its REACH_V_FAM/REACH_V_DADDR bits set): the
 * lowest-numbered one facing an area that holds it (the firewall's own
 * addresses are the model's: no interface). */
static unsigned route(void *arg, const uint8_t *bits)
{
	struct fw_ctx *c = arg;
	const struct topo_firewall *fw = c->fw;

	for (size_t j = 0; j < fw->n_ifaces; j++)
		for (size_t k = 0; k < fw->ifaces[j].n_faces; k++)
			for (size_t a = 0; a < c->n_areas; a++)
				if (topo_site_area(c->site, a) == fw->ifaces[j].faces[k] && bdd_member(c->m, c->dst_in[a], bits))
					return (unsigned)j;
	return REACH_IF_OTHER;
}

/* The model (reach_init), then the questions: areas, flows, first packets. */
int vf_setup(struct fw_ctx *c, size_t max_nodes)
{
	const struct topo_firewall *fw = c->fw;

	if (fw->n_ifaces > REACH_MAX_IFACES)
		return -E2BIG;
	for (size_t i = 0; i < fw->n_ifaces; i++)
		c->ifnames[i] = fw->ifaces[i].name;
	c->r = (struct reach){.rs = c->rs, .ifaces = c->ifnames, .n_ifaces = fw->n_ifaces, .route = route, .route_arg = c,
			      .m = c->share};
	int r = reach_init(&c->r, max_nodes);
	c->m = c->r.m;
	if (r < 0)
		return r;
	struct bdd *m = c->m;

	c->n_areas = topo_site_n_areas(c->site);
	c->src_in = calloc(c->n_areas, sizeof(bdd_t));
	c->dst_in = calloc(c->n_areas, sizeof(bdd_t));
	c->iif_of = calloc(c->n_areas, sizeof(bdd_t));
	c->oif_of = calloc(c->n_areas, sizeof(bdd_t));
	if (!c->src_in || !c->dst_in || !c->iif_of || !c->oif_of)
		return -ENOMEM;

	for (size_t i = 0; i < c->n_areas; i++) {
		const struct topo_area *a = topo_site_area(c->site, i);
		vf_keep(c, &c->src_in[i]);
		vf_keep(c, &c->dst_in[i]);
		vf_keep(c, &c->iif_of[i]);
		vf_keep(c, &c->oif_of[i]);
		c->src_in[i] = vf_area_bdd(c, a, REACH_V_SADDR);
		c->dst_in[i] = vf_area_bdd(c, a, REACH_V_DADDR);
		for (size_t j = 0; j < fw->n_ifaces; j++)
			for (size_t k = 0; k < fw->ifaces[j].n_faces; k++)
				if (fw->ifaces[j].faces[k] == a) {
					c->iif_of[i] = bdd_or(m, c->iif_of[i], bdd_uint(m, REACH_V_IIF, REACH_IF_BITS, j));
					c->oif_of[i] = bdd_or(m, c->oif_of[i], bdd_uint(m, REACH_V_OIF, REACH_IF_BITS, j));
				}
	}

	bdd_t *g[] = {&c->ifpair,   &c->ctnew,    &c->syn,     &c->r0,       &c->univ,     &c->passed,
		      &c->permitted, &c->bad_all, &c->open,    &c->own,
		      &c->own_src,   &c->r0_local, &c->passed_local, &c->pre_in,
		      &c->fwd_in,    &c->local_in, &c->images,   &c->cross};
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		vf_keep(c, g[i]);
	for (size_t i = 0; i < fw->n_ifaces; i++)
		for (size_t j = 0; j < fw->n_ifaces; j++)
			if (i != j)
				c->ifpair = bdd_or(m, c->ifpair, bdd_and(m, bdd_uint(m, REACH_V_IIF, REACH_IF_BITS, i),
									   bdd_uint(m, REACH_V_OIF, REACH_IF_BITS, j)));
	c->ctnew = bdd_uint(m, REACH_V_CT, 3, REACH_CT_NEW);
	c->syn = bdd_and(m, reach_first_packets(&c->r), c->r.dnat0);
	bdd_t cross = BDD_FALSE; /* used before any collection: not rooted */
	for (size_t a = 0; a < c->n_areas; a++)
		for (size_t b = 0; b < c->n_areas; b++)
			if (a != b && c->iif_of[a] != BDD_FALSE && c->oif_of[b] != BDD_FALSE)
				cross = bdd_or(m, cross, bdd_and(m, bdd_and(m, c->src_in[a], c->iif_of[a]),
								 bdd_and(m, c->dst_in[b], c->oif_of[b])));
	c->cross = cross;
	c->r0 = bdd_and(m, bdd_and(m, cross, c->ifpair), bdd_and(m, c->ctnew, c->syn));

	/* The firewall's own addresses (its host's IPs): packets to them are
	 * delivered to it (prerouting, input), never forwarded; packets from
	 * them arriving on an interface are martians the kernel drops. */
	if (fw->host)
		for (size_t i = 0; i < fw->host->n_ips; i++) {
			const struct topo_addr *a = &fw->host->ips[i];
			c->own = bdd_or(m, c->own, vf_prefix_bdd(c, REACH_V_DADDR, a, a->family == 4 ? 32 : 128));
			c->own_src = bdd_or(m, c->own_src, vf_prefix_bdd(c, REACH_V_SADDR, a, a->family == 4 ? 32 : 128));
		}
	c->r.own = c->own;
	c->r0 = bdd_diff(m, bdd_diff(m, c->r0, c->own), c->own_src);
	bdd_t from = BDD_FALSE; /* not rooted either */
	for (size_t a = 0; a < c->n_areas; a++)
		if (c->iif_of[a] != BDD_FALSE)
			from = bdd_or(m, from, bdd_and(m, c->src_in[a], c->iif_of[a]));
	c->r0_local = bdd_and(m, bdd_and(m, bdd_diff(m, from, c->own_src), c->own),
			      bdd_and(m, c->r.pre_cube, bdd_and(m, c->ctnew, c->syn)));

	/* every packet, for the shadow walk: interfaces and states that exist */
	bdd_t ifs = bdd_uint(m, REACH_V_IIF, REACH_IF_BITS, REACH_IF_OTHER);
	bdd_t ofs = bdd_uint(m, REACH_V_OIF, REACH_IF_BITS, REACH_IF_OTHER), cts = BDD_FALSE;
	for (size_t i = 0; i < fw->n_ifaces; i++) {
		ifs = bdd_or(m, ifs, bdd_uint(m, REACH_V_IIF, REACH_IF_BITS, i));
		ofs = bdd_or(m, ofs, bdd_uint(m, REACH_V_OIF, REACH_IF_BITS, i));
	}
	for (unsigned i = 0; i < REACH_N_CT; i++)
		cts = bdd_or(m, cts, bdd_uint(m, REACH_V_CT, 3, i));
	c->univ = bdd_and(m, bdd_and(m, ifs, ofs), cts);

	for (size_t i = 0; i < topo_site_n_flows(c->site); i++)
		c->permitted = bdd_or(m, c->permitted, vf_flow_bdd(c, topo_site_flow(c->site, i)));

	/* dnat: the first packets that may be translated — to the firewall
	 * itself, and to addresses behind the interface they came in on (a
	 * public address block routed to the firewall) */
	if (c->r.has_dnat) {
		bdd_t hair = BDD_FALSE; /* not rooted: used at once */
		for (size_t a = 0; a < c->n_areas; a++)
			for (size_t j = 0; j < fw->n_ifaces; j++) {
				bdd_t ij = bdd_uint(m, REACH_V_IIF, REACH_IF_BITS, j);
				if (bdd_and(m, c->iif_of[a], ij) != BDD_FALSE)
					hair = bdd_or(m, hair, bdd_and(m, bdd_and(m, c->src_in[a], ij), bdd_uint(m, REACH_V_OIF, REACH_IF_BITS, j)));
			}
		hair = bdd_and(m, bdd_diff(m, bdd_diff(m, hair, c->own), c->own_src), bdd_and(m, c->ctnew, c->syn));
		c->pre_in = bdd_or(m, bdd_or(m, c->r0, c->r0_local), hair); /* the first packets prerouting sees */
	}
	return bdd_full(m) ? -E2BIG : 0;
}

static void shadow_findings(struct fw_ctx *c)
{
	struct bdd *m = c->m;
	const struct rs_ruleset *rs = c->rs;
	bdd_t mr = BDD_FALSE, mj = BDD_FALSE;
	size_t mark = bdd_root_mark(m);

	bdd_root_push(m, &mr);
	bdd_root_push(m, &mj);
	for (uint32_t ci = 0; ci < rs->n_chains && !c->err; ci++) {
		const struct rs_chain *ch = &rs->chains[ci];
		for (size_t i = 0; i < ch->n_rules && !c->err; i++) {
			const struct rs_rule *r = &ch->rules[i];
			bool unknown;
			if (!(c->r.rflags[ci][i] & REACH_RF_VISITED))
				continue;
			if (r->unsupported || r->verdict.code == RS_V_UNKNOWN) {
				vf_unsupported_finding(c, ci, i, r->unsupported ? r->unsupported : "an unsupported statement");
				continue;
			}
			if (c->r.rflags[ci][i] & REACH_RF_HIT)
				continue;
			struct an_finding *f = vf_new_finding(c, AN_CHECK_RULESET_SHADOWED, NULL);
			if (!f)
				continue;
			vf_add_rule(c, f, ci, i, NULL);
			bdd_maybe_gc(m);
			mr = reach_rule_bdd(&c->r, r, &unknown);
			/* name up to three earlier rules that take its packets */
			size_t found = 0;
			for (size_t j = i, scanned = 0; j-- > 0 && found < 3 && scanned < 4096; scanned++) {
				const struct rs_rule *e = &ch->rules[j];
				if (e->verdict.code == RS_V_CONTINUE && !e->has_vmap)
					continue;
				mj = reach_rule_bdd(&c->r, e, &unknown);
				if (bdd_and(m, mj, mr) != BDD_FALSE) {
					vf_add_rule(c, f, ci, j, NULL);
					found++;
				}
			}
			if (!found && mr != BDD_FALSE)
				f->wording = AN_WORDING_NEVER_REACHED;
			else if (mr == BDD_FALSE)
				f->wording = AN_WORDING_NEVER_SATISFIED;
		}
	}
	bdd_root_pop(m, mark);
}

/* The firewall's interfaces on zone z's own segment, where a host's
 * frames arrive with the host's MAC: those facing z and nothing else, when
 * no other gateway (role gateway, not this firewall's host) sits in z to
 * route between the firewall and the host. */
static bdd_t same_segment_iifs(struct fw_ctx *c, const struct topo_area *z)
{
	for (size_t i = 0; i < topo_site_n_hosts(c->site); i++) {
		const struct topo_host *h = topo_site_host(c->site, i);
		if (h->role == TOPO_ROLE_GATEWAY && h->zone == z && h != c->fw->host)
			return BDD_FALSE;
	}
	bdd_t r = BDD_FALSE;
	for (size_t j = 0; j < c->fw->n_ifaces; j++)
		if (c->fw->ifaces[j].n_faces == 1 && c->fw->ifaces[j].faces[0] == z)
			r = bdd_or(c->m, r, bdd_uint(c->m, REACH_V_IIF, REACH_IF_BITS, j));
	return r;
}

static int setup_exceptions(struct fw_ctx *c)
{
	struct bdd *m = c->m;
	bool mac_and_ip = topo_site_pinning(c->site) == TOPO_PIN_MAC_AND_IP;

	c->excs = calloc(topo_site_n_flows(c->site) + 1, sizeof(*c->excs));
	if (!c->excs)
		return -ENOMEM;
	for (size_t i = 0; i < topo_site_n_flows(c->site); i++) {
		const struct topo_flow *fl = topo_site_flow(c->site, i);
		if (fl->kind != TOPO_FLOW_EXCEPTION)
			continue;
		struct exc *e = &c->excs[c->n_excs++];
		e->flow = fl;
		vf_keep(c, &e->carry);
		vf_keep(c, &e->allowed);
		vf_keep(c, &e->pin_ip);
		vf_keep(c, &e->pin_mac);
		vf_keep(c, &e->dst);
		vf_keep(c, &e->service);
		vf_keep(c, &e->nomac);
		e->pin_ip = endpoint_bdd(c, &fl->from, REACH_V_SADDR);
		e->pin_mac = macs_bdd(c, &fl->from);
		e->dst = endpoint_bdd(c, &fl->to, REACH_V_DADDR);
		e->service = service_bdd(c, fl);
		bdd_t core = bdd_and(m, e->dst, e->service);
		e->carry = bdd_and(m, bdd_and(m, core, e->pin_ip), c->passed);
		/* 5.1 ア: "MAC and/or IP".  A rule that pins the addresses and
		 * ports but no MAC is not too broad; with mac-and-ip it is
		 * NO-MAC advice where the MAC can be seen: the initiator's
		 * packets arrive on an interface facing its own zone. */
		e->allowed = bdd_and(m, core, mac_and_ip || e->pin_mac == BDD_TRUE ? e->pin_ip : bdd_or(m, e->pin_ip, e->pin_mac));
		e->nomac = BDD_FALSE;
		const struct topo_area *z = fl->from.type == TOPO_EP_HOST ? fl->from.host->zone
					    : fl->from.type == TOPO_EP_ZONE ? fl->from.area
									    : NULL;
		bdd_t l2 = z ? same_segment_iifs(c, z) : BDD_FALSE;
		if (mac_and_ip && e->pin_mac != BDD_TRUE && l2 != BDD_FALSE)
			e->nomac = bdd_and(m, bdd_diff(m, e->allowed, e->pin_mac), l2);
	}
	return 0;
}

/* The forbidden crossings per area pair, and the exceptions, against
 * c->passed. */
static int setup_attribution(struct fw_ctx *c)
{
	c->pairs = calloc(c->n_areas * c->n_areas + 1, sizeof(*c->pairs));
	if (!c->pairs)
		return -ENOMEM;
	c->open = bdd_diff(c->m, c->passed, c->permitted);
	for (size_t a = 0; a < c->n_areas; a++)
		for (size_t b = 0; b < c->n_areas; b++) {
			const struct topo_area *x = topo_site_area(c->site, a), *y = topo_site_area(c->site, b);
			int check = vf_pair_check(x, y);
			if (a == b || check < 0 || c->iif_of[a] == BDD_FALSE || c->oif_of[b] == BDD_FALSE)
				continue;
			struct pair *p = &c->pairs[c->n_pairs++];
			*p = (struct pair){x, y, (enum an_check)check, BDD_FALSE};
			vf_keep(c, &p->bad);
			p->bad = bdd_and(c->m, c->open, bdd_and(c->m, bdd_and(c->m, c->src_in[a], c->iif_of[a]),
								bdd_and(c->m, c->dst_in[b], c->oif_of[b])));
			c->bad_all = bdd_or(c->m, c->bad_all, p->bad);
		}
	return setup_exceptions(c);
}

/*
 * The local path: first packets to the firewall's own addresses, through
 * every base chain of prerouting and input (each must accept; a family no
 * chain of the path filters is delivered as is).  A declared flow to the
 * firewall that the path drops is FLOW-BLOCKED; what it lets in from the
 * Internet beyond the declared flows is INBOUND-OPEN, attributed by a walk
 * of the input chain with the most rules.  Connections from the site's own
 * zones to the firewall (its gateway addresses, management) are not judged:
 * the spec names no check for them.
 */

/* What the local path lets in of its first packets (after vf_walk_forward:
 * with a dnat, prerouting was walked already): c->passed_local.  Returns
 * those first packets, BDD_FALSE when there are none. */
bdd_t vf_walk_local(struct fw_ctx *c, struct reach_walk *w)
{
	struct bdd *m = c->m;
	bdd_t pass = BDD_FALSE;
	size_t mark = bdd_root_mark(m);
	bdd_t in = c->r.has_dnat ? c->local_in : c->r0_local;

	c->passed_local = in;
	if (in == BDD_FALSE)
		return in;
	bdd_root_push(m, &pass);
	w->on_accept = NULL;
	for (size_t i = 0; i < c->r.n_loc && !bdd_full(m); i++) {
		if (c->r.has_dnat && c->rs->chains[c->r.loc[i]].hook == RS_HOOK_PREROUTING)
			continue;
		pass = reach_walk_base(w, c->r.loc[i], in);
		c->passed_local = bdd_and(m, c->passed_local, pass);
	}
	bdd_root_pop(m, mark);
	return in;
}

static int verify_local(struct fw_ctx *c, struct reach_walk *w)
{
	struct bdd *m = c->m;
	bdd_t pass = BDD_FALSE, covered = BDD_FALSE;
	size_t mark = bdd_root_mark(m);
	bdd_t in = vf_walk_local(c, w);

	if (in == BDD_FALSE)
		return 0;
	bdd_root_push(m, &pass);
	bdd_root_push(m, &covered);
	covered = reach_path_families(&c->r, c->r.loc, c->r.n_loc);
	for (size_t i = 0; i < topo_site_n_flows(c->site) && !c->err; i++) {
		bdd_maybe_gc(m);
		const struct topo_flow *fl = topo_site_flow(c->site, i);
		bdd_t fs = bdd_and(m, flow_bdd_pinned(c, fl), in);
		if (fs == BDD_FALSE)
			continue; /* not to this firewall */
		fs = bdd_diff(m, fs, c->passed_local);
		if (fs != BDD_FALSE)
			vf_blocked_finding(c, fl, fs);
	}
	const struct topo_area *zone = c->fw->host->zone;
	for (size_t a = 0; a < c->n_areas && zone; a++) {
		const struct topo_area *x = topo_site_area(c->site, a);
		if (x->kind != TOPO_KIND_INTERNET_WAN || c->iif_of[a] == BDD_FALSE)
			continue;
		struct pair *p = &c->pairs[c->n_pairs++];
		*p = (struct pair){x, zone, AN_CHECK_RULESET_INBOUND_OPEN, BDD_FALSE, true};
		vf_keep(c, &p->bad);
		p->bad = bdd_diff(m, bdd_and(m, c->passed_local, bdd_and(m, c->src_in[a], c->iif_of[a])), c->permitted);
		c->bad_all = bdd_or(m, c->bad_all, p->bad);
		if (p->bad == BDD_FALSE)
			continue;
		w->on_accept = on_accept;
		if (c->r.n_loc)
			reach_walk_base(w, c->r.has_local_primary ? c->r.local_primary : c->r.loc[0], in);
		pass = bdd_diff(m, in, covered);
		if (pass != BDD_FALSE)
			on_accept(w, REACH_NO_INPUT_CHAIN, 0, pass);
	}
	bdd_root_pop(m, mark);
	return bdd_full(m) ? -E2BIG : c->err;
}

static void progress_line(struct fw_ctx *c)
{
	struct vf_progress *pg = c->progress;
	uint64_t now = an_mono_ns();

	if (now - pg->start_ns < pg->after_ns || (pg->shown && now - pg->last_ns < 1000000000ull))
		return;
	pg->last_ns = now;
	pg->shown = true;
	fprintf(pg->out, "\r\033[Ksanso verify: %s: %s, %" PRIu64 " rules walked, %.0f s", c->fw->name, pg->phase,
		c->r.visited, (double)(now - pg->start_ns) / 1e9);
	fflush(pg->out);
}

static void on_progress(void *arg, uint64_t visited)
{
	(void)visited;
	progress_line(arg);
}

static void phase(struct fw_ctx *c, const char *what)
{
	if (!c->progress)
		return;
	c->progress->phase = what;
	progress_line(c);
}

/* What the forward path lets through of the first packets (c->passed;
 * with a dnat in prerouting also c->images, c->local_in and c->fwd_in),
 * walking each base chain with w (its on_accept as the caller set it). */
void vf_walk_forward(struct fw_ctx *c, struct reach_walk *w)
{
	const struct rs_ruleset *rs = c->rs;
	bdd_t pass = BDD_FALSE;
	size_t mark = bdd_root_mark(c->m);

	bdd_root_push(c->m, &pass);
	bdd_t passed = c->r0;
	vf_keep(c, &passed);
	if (c->r.has_dnat) {
		/* one chain after the other: a dnat changes what later chains see */
		size_t i = 0;
		passed = c->pre_in;
		c->r.record = true;
		for (; i < c->r.n_fwd && rs->chains[c->r.fwd[i]].hook == RS_HOOK_PREROUTING; i++)
			passed = reach_walk_base(w, c->r.fwd[i], passed);
		c->r.record = false;
		for (size_t k = 0; k < c->r.n_dn; k++)
			c->images = bdd_or(c->m, c->images, c->r.dn[k].image);
		c->images = bdd_and(c->m, bdd_diff(c->m, c->images, c->r.pre_cube), bdd_and(c->m, c->cross, c->ifpair));
		c->local_in = bdd_and(c->m, bdd_and(c->m, passed, c->r.pre_cube), c->own);
		c->fwd_in = bdd_diff(c->m, bdd_diff(c->m, bdd_and(c->m, passed, bdd_and(c->m, c->cross, c->ifpair)), c->own),
				     c->r.pre_cube);
		passed = c->fwd_in;
		for (; i < c->r.n_fwd; i++)
			passed = reach_walk_base(w, c->r.fwd[i], passed);
	} else
		for (size_t i = 0; i < c->r.n_fwd; i++) {
			pass = reach_walk_base(w, c->r.fwd[i], c->r0);
			passed = bdd_and(c->m, passed, pass);
		}
	c->passed = passed;
	if (!c->r.has_dnat)
		c->fwd_in = c->r0;
	bdd_root_pop(c->m, mark);
}

static int verify_firewall(struct fw_ctx *c, size_t max_nodes)
{
	const struct rs_ruleset *rs = c->rs;
	int r;

	r = vf_setup(c, max_nodes);
	if (r < 0)
		return r;
	if (c->progress) {
		c->r.progress = on_progress;
		c->r.progress_arg = c;
	}

	struct reach_walk w = {.c = &c->r, .arg = c};
	bdd_t pass = BDD_FALSE;
	vf_keep(c, &w.acc);
	vf_keep(c, &pass);

	/* shadowing: every base chain of a modelled family, every packet */
	phase(c, "every chain, for rules that never match");
	for (uint32_t i = 0; i < rs->n_chains && !bdd_full(c->m); i++) {
		const struct rs_chain *ch = &rs->chains[i];
		if (ch->hook != RS_HOOK_NONE && reach_family_modelled(rs->tables[ch->table].family))
			pass = reach_walk_base(&w, i, c->univ);
	}

	/* pass 1: what the forward path lets through.  With one chain on the
	 * path (the usual case) whatever a rule accepts passes, so the
	 * attribution of pass 2 is done in the same walk. */
	phase(c, "what the forward path lets through");
	bool single = c->r.n_fwd == 1 && !c->r.has_dnat;
	if (single) {
		c->passed = c->r0;
		if ((r = setup_attribution(c)) < 0)
			return r;
		w.on_accept = on_accept;
	}
	vf_walk_forward(c, &w);

	/* declared flows the firewall blocks */
	phase(c, "the declared flows");
	for (size_t i = 0; i < topo_site_n_flows(c->site) && !c->err; i++) {
		bdd_maybe_gc(c->m);
		const struct topo_flow *fl = topo_site_flow(c->site, i);
		bdd_t fb = flow_bdd_pinned(c, fl);
		/* a flow to a dnat target: judged on the translated packets */
		bdd_t fs = bdd_and(c->m, fb, c->images);
		if (fs == BDD_FALSE)
			fs = bdd_and(c->m, fb, c->r0);
		if (fs == BDD_FALSE)
			continue; /* not across this firewall */
		fs = bdd_diff(c->m, fs, c->passed);
		if (fs != BDD_FALSE)
			vf_blocked_finding(c, fl, fs);
	}

	/* pass 2: who accepts what passes */
	if (!single) {
		phase(c, "which rule accepts what");
		if ((r = setup_attribution(c)) < 0)
			return r;
		w.on_accept = on_accept;
		if (c->r.n_fwd) /* the forward chain with most rules, else the first on the path */
			pass = reach_walk_base(&w, c->r.has_primary ? c->r.primary : c->r.fwd[0], c->fwd_in);
	}
	/* an address family no forward-path chain filters (an iptables
	 * ruleset without ip6tables, an `ip` table only) is forwarded as is */
	pass = bdd_diff(c->m, c->fwd_in, reach_path_families(&c->r, c->r.fwd, c->r.n_fwd));
	if (pass != BDD_FALSE)
		on_accept(&w, REACH_NO_CHAIN, 0, pass);
	phase(c, "the firewall's own addresses");
	if (c->fw->host && (r = verify_local(c, &w)) < 0)
		return r;

	phase(c, "rules that never match");
	shadow_findings(c);

	for (size_t i = 0; i < rs->n_tables; i++)
		if (!reach_family_modelled(rs->tables[i].family))
			for (size_t j = 0; j < rs->n_chains; j++)
				if (rs->chains[j].table == i && rs->chains[j].n_rules) {
					char what[160];
					snprintf(what, sizeof(what), "table %s %s is not modelled (only ip, ip6 and inet are); its rules are ignored",
						 rs_family_name(rs->tables[i].family), rs->tables[i].name);
					vf_unsupported_finding(c, UINT32_MAX, 0, what);
					break;
				}
	/* translations the model doesn't make, in a chain prerouting's nat
	 * chains reach: one finding at the first */
	uint8_t *reach = calloc(rs->n_chains + 1, 1);
	uint32_t *todo = calloc(rs->n_chains + 1, sizeof(*todo));
	size_t n_todo = 0;
	if (!reach || !todo) {
		free(reach);
		free(todo);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < rs->n_chains; i++)
		if (reach_is_dnat_chain(&rs->chains[i]) && reach_family_modelled(rs->tables[rs->chains[i].table].family)) {
			reach[i] = 1;
			todo[n_todo++] = i;
		}
	bool found = false;
	while (n_todo && !found) {
		uint32_t ci = todo[--n_todo];
		for (size_t k = 0; k < rs->chains[ci].n_rules && !found; k++) {
			const struct rs_rule *nr = &rs->chains[ci].rules[k];
			if ((nr->nat == RS_NAT_DNAT && !nr->nat_to.exact) || nr->nat == RS_NAT_REDIRECT) {
				vf_unsupported_finding(c, ci, k, nr->nat == RS_NAT_REDIRECT
					? "redirect (to the firewall itself): sanso judges the packets it redirects at their original destination"
					: "dnat to a map, a range, a prefix or a computed address: sanso translates a dnat to one address (and port) only, and judges the packets this rule translates at their original destination");
				found = true;
			}
			const struct rs_verdict *vs = &nr->verdict;
			size_t nv = 1;
			if (nr->has_vmap && nr->vmap.set < rs->n_sets) {
				vs = NULL;
				nv = 0;
				for (size_t e = 0; e < rs->sets[nr->vmap.set].n_elems; e++) {
					const struct rs_verdict *v = &rs->sets[nr->vmap.set].elems[e].verdict;
					if ((v->code == RS_V_JUMP || v->code == RS_V_GOTO) && v->chain < rs->n_chains && !reach[v->chain]) {
						reach[v->chain] = 1;
						todo[n_todo++] = v->chain;
					}
				}
			}
			for (size_t e = 0; e < nv; e++)
				if ((vs[e].code == RS_V_JUMP || vs[e].code == RS_V_GOTO) && vs[e].chain < rs->n_chains &&
				    !reach[vs[e].chain]) {
					reach[vs[e].chain] = 1;
					todo[n_todo++] = vs[e].chain;
				}
		}
	}
	free(reach);
	free(todo);
	if (c->r.too_deep)
		vf_unsupported_finding(c, UINT32_MAX, 0, "jumps and gotos nested 16 deep or deeper (nftables refuses this, iptables-legacy does not): what lies deeper is assumed accepted");

	c->sum->peak_nodes = bdd_peak_nodes(c->m);
	if (bdd_full(c->m))
		return -E2BIG;
	return c->err ? c->err : c->r.err;
}

void vf_ctx_free(struct fw_ctx *c)
{
	free(c->src_in);
	free(c->dst_in);
	free(c->iif_of);
	free(c->oif_of);
	free(c->pairs);
	free(c->excs);
	reach_free(&c->r);
}

/* ------------------------------------------------------------------ run */

/* The source given for firewall fw (the last one: as the options read), or NULL. */
const struct an_verify_source *vf_source_of(const struct an_verify_source *v, size_t n, const char *fw)
{
	const struct an_verify_source *r = NULL;

	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].firewall, fw) == 0)
			r = &v[i];
	return r;
}

/* Every source names a firewall of the site: 0, or -EINVAL with errbuf. */
int vf_check_sources(const struct topo_site *site, const struct an_verify_source *v, size_t n, char *errbuf,
		     size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		bool known = false;
		for (size_t j = 0; j < topo_site_n_firewalls(site) && !known; j++)
			known = strcmp(topo_site_firewall(site, j)->name, v[i].firewall) == 0;
		if (!known) {
			snprintf(errbuf, errlen, "no firewall named '%s' in %s", v[i].firewall, topo_site_path(site));
			return -EINVAL;
		}
	}
	return 0;
}

int vf_load_ruleset(const struct topo_firewall *fw, const struct an_verify_source *src,
			struct rs_ruleset **ret, struct topo_diag_list *diags)
{
	const char *path = src && src->path ? src->path : fw->ruleset_path;
	enum topo_ruleset_format fmt = fw->ruleset_format;

	if (src && src->live)
		return rs_load_live(src->netns, ret, diags);
	if (!path)
		return 1; /* nothing to verify */
	if (src && src->path) /* --ruleset: the file says what it is */
		fmt = TOPO_RULESET_NONE;
	const char *names[REACH_MAX_IFACES];
	size_t n = 0;
	for (size_t i = 0; i < fw->n_ifaces && n < REACH_MAX_IFACES; i++)
		names[n++] = fw->ifaces[i].name;
	size_t errors = diags->n_errors;
	int r = rs_load(path, fmt, names, n, ret, diags);
	if (r < 0 && diags->n_errors == errors)
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR, "can't read the ruleset of %s: %s", fw->name, strerror(-r));
	return r;
}

/* The topology and every ruleset read from a file, with their SHA-256. */
static int provenance(struct an_vreport *rep, const struct topo_site *site)
{
	rep->inputs = calloc(rep->n_fws + 1, sizeof(*rep->inputs));
	if (!rep->inputs)
		return -ENOMEM;
	rep->inputs[rep->n_inputs++] = (struct an_input){"topology", strdup(topo_site_path(site)), false, ""};
	for (size_t i = 0; i < rep->n_fws; i++)
		if (rep->fws[i].source && !rep->fws[i].live)
			rep->inputs[rep->n_inputs++] = (struct an_input){"ruleset", strdup(rep->fws[i].source), false, ""};
	for (size_t i = 0; i < rep->n_inputs; i++) {
		if (!rep->inputs[i].path)
			return -ENOMEM;
		rep->inputs[i].hashed = an_sha256_file(rep->inputs[i].path, rep->inputs[i].sha256) == 0;
	}
	rep->generated_ns = an_now_ns() / 1000 * 1000;
	return 0;
}

int an_verify_run(const struct an_verify_config *cfg, struct topo_diag_list *diags, struct an_vreport **ret,
		  char *errbuf, size_t errlen)
{
	const struct topo_site *site = cfg->site;
	size_t n_fw = topo_site_n_firewalls(site), verified = 0;
	struct an_vreport *rep = calloc(1, sizeof(*rep));
	int r = 0;

	if (!rep)
		return -ENOMEM;
	rep->site = site;
	rep->max_findings = cfg->max_findings ? cfg->max_findings : 100000;
	rep->fws = calloc(n_fw + 1, sizeof(*rep->fws));
	rep->seen = json_object();
	if (!rep->fws || !rep->seen) {
		an_vreport_free(rep);
		return -ENOMEM;
	}
	if (vf_check_sources(site, cfg->sources, cfg->n_sources, errbuf, errlen) < 0) {
		an_vreport_free(rep);
		return -EINVAL;
	}

	struct vf_progress pg = {.out = cfg->progress, .start_ns = an_mono_ns(),
				 .after_ns = an_progress_after_ns(1000000000ull)};
	for (size_t i = 0; i < n_fw && r >= 0; i++) {
		const struct topo_firewall *fw = topo_site_firewall(site, i);
		const struct an_verify_source *src = vf_source_of(cfg->sources, cfg->n_sources, fw->name);
		struct rs_ruleset *rs = NULL;
		struct an_vfw_summary *sum = &rep->fws[rep->n_fws++];
		struct timespec t0, t1;
		sum->fw = fw;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = vf_load_ruleset(fw, src, &rs, diags);
		if (r == 1) {
			r = 0;
			continue;
		}
		if (r < 0) {
			snprintf(errbuf, errlen, "the ruleset of firewall %s can't be read", fw->name);
			break;
		}
		sum->source = strdup(rs->source);
		sum->live = rs->origin == RS_ORIGIN_LIVE;
		sum->tables = rs->n_tables;
		sum->chains = rs->n_chains;
		sum->sets = rs->n_sets;
		for (size_t j = 0; j < rs->n_chains; j++) {
			sum->rules += rs->chains[j].n_rules;
			for (size_t k = 0; k < rs->chains[j].n_rules; k++)
				sum->unsupported_rules += rs->chains[j].rules[k].unsupported != NULL;
		}
		for (size_t j = 0; j < rs->n_sets; j++)
			sum->elements += rs->sets[j].n_elems;

		struct fw_ctx c = {.site = site, .fw = fw, .rs = rs, .report = rep, .sum = sum,
				   .progress = cfg->progress ? &pg : NULL};
		size_t first = rep->n_findings;
		uint64_t unsupported_before = rep->counts[AN_CHECK_RULESET_UNSUPPORTED];
		r = verify_firewall(&c, cfg->max_nodes ? cfg->max_nodes : (size_t)1 << 23);
		vf_ctx_free(&c);
		sum->approximate = rep->counts[AN_CHECK_RULESET_UNSUPPORTED] > unsupported_before;
		for (size_t j = first; j < rep->n_findings; j++)
			rep->findings[j]->approximate = sum->approximate;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		sum->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (r == -E2BIG)
			snprintf(errbuf, errlen,
				 "firewall %s: the ruleset is too large to analyse exactly within the memory bound "
				 "(%zu BDD nodes)",
				 fw->name, cfg->max_nodes ? cfg->max_nodes : (size_t)1 << 23);
		else if (r < 0)
			snprintf(errbuf, errlen, "firewall %s: %s", fw->name, strerror(-r));
		rs_ruleset_free(rs);
		verified++;
	}
	if (pg.shown) {
		fputs("\r\033[K", pg.out);
		fflush(pg.out);
	}
	if (r >= 0 && verified == 0) {
		snprintf(errbuf, errlen,
			 "no firewall in %s has a ruleset to verify: give one with `ruleset:` in the topology, "
			 "--ruleset FW=FILE or --live FW",
			 topo_site_path(site));
		r = -EINVAL;
	}
	if (r >= 0)
		r = provenance(rep, site);
	if (r < 0) {
		an_vreport_free(rep);
		return r;
	}
	*ret = rep;
	return 0;
}

void an_vreport_free(struct an_vreport *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_inputs; i++)
		free(r->inputs[i].path);
	free(r->inputs);
	for (size_t i = 0; i < r->n_findings; i++) {
		an_finding_free(r->findings[i]);
	}
	free(r->findings);
	for (size_t i = 0; i < r->n_fws; i++)
		free((char *)r->fws[i].source);
	free(r->fws);
	json_decref(r->seen);
	free(r);
}

size_t an_vreport_n_findings(const struct an_vreport *r)
{
	return r->n_findings;
}

const struct an_finding *an_vreport_finding(const struct an_vreport *r, size_t i)
{
	return i < r->n_findings ? r->findings[i] : NULL;
}

uint64_t an_vreport_count_at_least(const struct an_vreport *r, enum an_severity sev)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < _AN_CHECK_MAX; i++)
		if (an_check_severity(i) >= sev)
			n += r->counts[i];
	return n;
}

void an_vreport_view(const struct an_vreport *r, struct an_view *ret)
{
	*ret = (struct an_view){
		.kind = AN_VIEW_VERIFY,
		.site = r->site,
		.findings = (const struct an_finding *const *)r->findings,
		.n_findings = r->n_findings,
		.not_kept = r->not_kept,
		.counts = r->counts,
		.firewalls = r->fws,
		.n_firewalls = r->n_fws,
		.inputs = r->inputs,
		.n_inputs = r->n_inputs,
		.generated_ns = r->generated_ns,
	};
	for (size_t i = 0; i < r->n_fws; i++) /* the firewalls' verification times */
		ret->seconds += r->fws[i].seconds;
}

