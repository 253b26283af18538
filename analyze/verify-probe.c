/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The model on concrete packets, for the kernel differential test
 * (an_verify_probe, analyze.h): random witnesses of every rule and random
 * first packets, each with the verdict of the set walk and of the
 * one-packet trace.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze-internal.h"
#include "verify-internal.h"

/* ------------------------------------------- the kernel differential test */

struct probe_points {
	uint8_t (*bits)[REACH_N_VARS];
	uint32_t *chain; /* UINT32_MAX: a random packet */
	size_t *rule;
	size_t n, cap;
	unsigned per_rule;
	uint64_t rng;
	bdd_t sendable;
	int err;
};

static void add_point(struct probe_points *pp, const uint8_t *bits, uint32_t chain, size_t rule)
{
	if (pp->n == pp->cap) {
		size_t cap = pp->cap ? 2 * pp->cap : 256;
		void *b = realloc(pp->bits, cap * sizeof(*pp->bits)), *c = b ? realloc(pp->chain, cap * sizeof(*pp->chain)) : NULL;
		if (b)
			pp->bits = b;
		if (c)
			pp->chain = c;
		void *r = c ? realloc(pp->rule, cap * sizeof(*pp->rule)) : NULL;
		if (!r) {
			pp->err = -ENOMEM;
			return;
		}
		pp->rule = r;
		pp->cap = cap;
	}
	memcpy(pp->bits[pp->n], bits, REACH_N_VARS);
	pp->chain[pp->n] = chain;
	pp->rule[pp->n++] = rule;
}

void vf_on_witness(struct reach_walk *w, uint32_t chain, size_t rule, bdd_t hit)
{
	struct fw_ctx *c = w->arg;
	struct probe_points *pp = c->points;
	uint8_t bits[REACH_N_VARS];

	hit = bdd_and(c->m, hit, pp->sendable); /* no collection before the picks */
	const struct rs_rule *r = &c->rs->chains[chain].rules[rule];
	if (reach_dnat_modelled(&c->r, w->base, r)) /* those it translates */
		hit = vf_prefer(c, hit, c->r.fam[r->nat_to.family == 6]);
	for (unsigned k = 0; k < pp->per_rule && !pp->err; k++)
		if (bdd_pick_random(c->m, hit, bits, &pp->rng))
			add_point(pp, bits, chain, rule);
}

/* Packets a client namespace can send through a Linux router and see
 * forwarded: TCP, UDP, ICMP over IPv4, ICMPv6 over IPv6; addresses that
 * are not martians (IPv4: not 0/8, 127/8, 224/3; IPv6: global unicast
 * 2000::/3 or unique local fc00::/7); a unicast source MAC; not from the
 * firewall's own addresses; to them, delivered locally (no output
 * interface), else forwarded between two interfaces. */
static bdd_t sendable(struct fw_ctx *c)
{
	struct bdd *m = c->m;
	bdd_t proto = bdd_or(m, bdd_or(m, bdd_uint(m, REACH_V_PROTO, 8, 6), bdd_uint(m, REACH_V_PROTO, 8, 17)),
			     bdd_or(m, bdd_and(m, c->r.fam[0], bdd_uint(m, REACH_V_PROTO, 8, 1)),
				    bdd_and(m, c->r.fam[1], bdd_uint(m, REACH_V_PROTO, 8, 58))));
	bdd_t iifs = BDD_FALSE;
	for (size_t i = 0; i < c->fw->n_ifaces; i++)
		iifs = bdd_or(m, iifs, bdd_uint(m, REACH_V_IIF, REACH_IF_BITS, i));
	bdd_t paths = bdd_or(m, bdd_diff(m, c->ifpair, c->own), bdd_and(m, bdd_and(m, iifs, c->r.pre_cube), c->own));
	bdd_t r = bdd_and(m, bdd_diff(m, proto, c->own_src), bdd_and(m, paths, bdd_and(m, c->ctnew, c->syn)));
	const unsigned vars[2] = {REACH_V_SADDR, REACH_V_DADDR};

	for (int i = 0; i < 2; i++) {
		unsigned v = vars[i];
		bdd_t bad4 = bdd_or(m, bdd_or(m, bdd_uint(m, v, 8, 0), bdd_uint(m, v, 8, 127)), bdd_uint(m, v, 3, 7));
		bdd_t ok6 = bdd_or(m, bdd_uint(m, v, 3, 1), bdd_uint(m, v, 7, 0x7e));
		r = bdd_and(m, r, bdd_or(m, bdd_diff(m, c->r.fam[0], bad4), bdd_and(m, c->r.fam[1], ok6)));
	}
	return bdd_and(m, r, bdd_uint(m, REACH_V_SMAC + 7, 1, 0));
}

static int probe_firewall(struct fw_ctx *c, unsigned per_rule, unsigned n_random, uint64_t seed, an_vprobe_fn fn,
			  void *arg)
{
	struct probe_points pp = {.per_rule = per_rule, .rng = seed};
	struct reach_walk w = {.c = &c->r, .arg = c, .on_hit = vf_on_witness};
	bdd_t in = BDD_FALSE, pass = BDD_FALSE;
	int r;

	c->points = &pp;
	if ((r = vf_setup(c, (size_t)1 << 23)) < 0)
		return r;
	vf_keep(c, &w.acc);
	vf_keep(c, &pp.sendable);
	vf_keep(c, &in);
	vf_keep(c, &pass);
	pp.sendable = sendable(c);
	in = pp.sendable;
	/* netdev ingress/egress chains (not modelled) filter before and after */
	bool edge = false;
	for (size_t i = 0; i < c->rs->n_chains; i++)
		if ((c->rs->chains[i].hook == RS_HOOK_INGRESS || c->rs->chains[i].hook == RS_HOOK_EGRESS) &&
		    (c->rs->chains[i].n_rules || c->rs->chains[i].policy == RS_POLICY_DROP))
			edge = true;
	/* each base chain sees what the earlier ones let through (a dnat
	 * changes what later ones see): prerouting, then the forward path
	 * for packets with an output interface, the local one for the rest */
	bdd_t local = BDD_FALSE;
	vf_keep(c, &local);
	c->r.record = true;
	for (size_t i = 0; i < c->r.n_fwd && !pp.err; i++)
		if (c->rs->chains[c->r.fwd[i]].hook == RS_HOOK_PREROUTING)
			in = reach_walk_base(&w, c->r.fwd[i], in);
	c->r.record = false;
	local = bdd_and(c->m, in, c->r.pre_cube);
	in = bdd_diff(c->m, in, c->r.pre_cube);
	for (size_t i = 0; i < c->r.n_fwd && !pp.err; i++)
		if (c->rs->chains[c->r.fwd[i]].hook != RS_HOOK_PREROUTING)
			in = reach_walk_base(&w, c->r.fwd[i], in);
	for (size_t i = 0; i < c->r.n_loc && !pp.err; i++)
		if (c->rs->chains[c->r.loc[i]].hook != RS_HOOK_PREROUTING)
			local = reach_walk_base(&w, c->r.loc[i], local);
	in = bdd_or(c->m, in, local);
	/* random packets: n_random forwarded ones, and a fifth as many to the
	 * firewall itself (a random pick over both would spend half on the
	 * few addresses of the firewall) */
	uint8_t bits[REACH_N_VARS];
	bdd_t fwd_s = bdd_diff(c->m, pp.sendable, c->r.pre_cube), loc_s = bdd_and(c->m, pp.sendable, c->r.pre_cube);
	for (unsigned k = 0; k < n_random + n_random / 5 && !pp.err; k++)
		if (bdd_pick_random(c->m, k < n_random ? fwd_s : loc_s, bits, &pp.rng))
			add_point(&pp, bits, UINT32_MAX, 0);
	if (bdd_full(c->m))
		r = -E2BIG;
	r = r < 0 ? r : pp.err ? pp.err : c->err ? c->err : c->r.err;

	for (size_t i = 0; i < pp.n && r >= 0; i++) {
		struct an_finding f = {0};
		struct an_vprobe p = {0};
		char loc[512];

		uint8_t out[REACH_N_VARS], set_out[REACH_N_VARS];
		c->r.trace_approx = false;
		p.traced_accept = vf_trace_out(c, pp.bits[i], &f, out);
		/* the set walk's verdict: translated as its dnat rule's hits say */
		memcpy(set_out, pp.bits[i], REACH_N_VARS);
		for (size_t k = 0; k < c->r.n_dn; k++)
			if (bdd_member(c->m, c->r.dn[k].hit, pp.bits[i])) {
				reach_translate_point(&c->r, c->r.dn[k].chain, c->r.dn[k].rule, set_out);
				break;
			}
		p.accept = bdd_member(c->m, in, set_out);
		vf_decode_packet(c, out, &p.out);
		p.translated = out[REACH_V_DNAT];
		p.approximate = c->r.trace_approx || edge;
		vf_decode_packet(c, pp.bits[i], &p.packet);
		p.packet.has_mac = true;
		p.tcp_flags = p.packet.proto == 6 ? (uint8_t)reach_get_bits(pp.bits[i], REACH_V_TCPFL, 8) : 0;
		p.icmp_checksum = (uint16_t)reach_get_bits(pp.bits[i], REACH_V_DPORT, 16);
		if (pp.chain[i] != UINT32_MAX)
			p.witness_of = rs_rule_location(c->rs, pp.chain[i], pp.rule[i], loc, sizeof(loc));
		p.rules = f.rules;
		p.n_rules = f.n_rules;
		r = c->err ? c->err : fn(&p, arg);
		an_finding_free_rules(&f);
	}
	free(pp.bits);
	free(pp.chain);
	free(pp.rule);
	return r;
}

int an_verify_probe(const struct an_verify_config *cfg, const char *firewall, unsigned per_rule, unsigned n_random,
		    uint64_t seed, an_vprobe_fn fn, void *arg, struct topo_diag_list *diags, char *errbuf,
		    size_t errlen)
{
	const struct topo_firewall *fw = NULL;
	const struct an_verify_source *src = NULL;
	struct rs_ruleset *rs = NULL;
	struct an_vfw_summary sum = {0};
	struct an_vreport rep = {0};
	int r;

	for (size_t i = 0; i < topo_site_n_firewalls(cfg->site); i++)
		if (strcmp(topo_site_firewall(cfg->site, i)->name, firewall) == 0)
			fw = topo_site_firewall(cfg->site, i);
	src = vf_source_of(cfg->sources, cfg->n_sources, firewall);
	if (!fw) {
		snprintf(errbuf, errlen, "no firewall named '%s' in %s", firewall, topo_site_path(cfg->site));
		return -EINVAL;
	}
	r = vf_load_ruleset(fw, src, &rs, diags);
	if (r == 1) {
		snprintf(errbuf, errlen, "firewall %s has no ruleset", firewall);
		return -EINVAL;
	}
	if (r < 0) {
		snprintf(errbuf, errlen, "the ruleset of firewall %s can't be read", fw->name);
		return r;
	}
	rep.site = cfg->site;
	rep.max_findings = 1;
	struct fw_ctx c = {.site = cfg->site, .fw = fw, .rs = rs, .report = &rep, .sum = &sum};
	r = probe_firewall(&c, per_rule, n_random, seed, fn, arg);
	vf_ctx_free(&c);
	rs_ruleset_free(rs);
	if (r < 0 && !errbuf[0])
		snprintf(errbuf, errlen, "firewall %s: %s", fw->name, strerror(-r));
	return r;
}

