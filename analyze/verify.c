/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sanso verify: which new connections each firewall's ruleset lets through,
 * exactly, against the three-tier policy (docs/verify.md).
 *
 * The packet space, the set walk over a ruleset's base chains and the
 * one-packet trace are the ruleset model's (rulesets/reach/reach.h): this
 * file asks it the three-tier questions — which areas each firewall
 * connects, what the declared flows need, what its own addresses accept —
 * and words the answers as findings.
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
 *            destination and output interface (V_DNAT set, the originals
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

#include "analyze.h"
#include "reach.h"
#include "rulesets.h"

struct an_vreport {
	const struct topo_site *site;
	struct an_finding **findings;
	size_t n_findings, cap_findings, max_findings;
	uint64_t not_kept;
	uint64_t counts[_AN_CHECK_MAX];
	struct an_vfw_summary *fws; /* source: allocated */
	size_t n_fws;
	json_t *seen; /* finding keys, so one rule gives one finding per area pair */
	bool oom;
	struct an_input *inputs; /* the topology, then each ruleset file */
	size_t n_inputs;
	uint64_t generated_ns;
};

struct pair {
	const struct topo_area *a, *b;
	enum an_check check;
	bdd_t bad; /* Passed ∧ ¬Permitted ∧ a→b */
	bool local; /* b: the firewall itself (its own addresses, the input hook) */
};

struct exc {
	const struct topo_flow *flow;
	bdd_t carry;   /* its addresses, proto and ports, any MAC */
	bdd_t allowed; /* what the exception permits, pinned as the site says */
	bdd_t pin_ip, pin_mac, dst, service;
	bdd_t nomac; /* its packets from other MACs, arriving where the MAC could be pinned (NO-MAC) */
};

struct fw_ctx {
	const struct topo_site *site;
	const struct topo_firewall *fw;
	const struct rs_ruleset *rs;
	struct an_vreport *report;
	struct an_vfw_summary *sum;
	struct reach r;   /* the ruleset's model (rulesets/reach/) */
	struct bdd *m;    /* r.m */
	const char *ifnames[MAX_IFACES];
	size_t n_areas;

	bdd_t *src_in, *dst_in, *iif_of, *oif_of; /* per area */
	bdd_t ifpair, ctnew, syn, r0, univ, passed, permitted, bad_all, open, cross;
	struct pair *pairs;
	size_t n_pairs;
	struct exc *excs;
	size_t n_excs;

	/* the local path: packets to the firewall's own addresses (own), the
	 * first packets of them (r0_local), what prerouting and input let in */
	bdd_t own, own_src, r0_local, passed_local;
	/* dnat in prerouting: pre_in the first packets prerouting sees;
	 * fwd_in / local_in what reaches forward and input after prerouting;
	 * images what dnat rules made that crosses the firewall */
	bdd_t pre_in, fwd_in, local_in, images;
	struct probe_points *points; /* the kernel differential test's picks */
	int err;
};

/* ------------------------------------------------------- concrete packets */

/* ------------------------------------------------------------- findings */

static char *xstrdup(struct fw_ctx *c, const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		c->err = -ENOMEM;
	return d;
}

static const char *verdict_word(enum rs_verdict_code v)
{
	switch (v) {
	case RS_V_ACCEPT:
		return "accept";
	case RS_V_DROP:
		return "drop";
	case RS_V_JUMP:
		return "jump";
	case RS_V_GOTO:
		return "goto";
	case RS_V_RETURN:
		return "return";
	case RS_V_UNKNOWN:
		return "unsupported";
	default:
		return "continue";
	}
}

/* rule == SIZE_MAX: the chain's policy; chain == NO_CHAIN, NO_INPUT_CHAIN: no chain */
static int add_rule(struct fw_ctx *c, struct an_finding *f, uint32_t chain, size_t rule, const char *verdict)
{
	char loc[512], text[1024], ch[256];
	struct an_vrule *v = realloc(f->rules, (f->n_rules + 1) * sizeof(*v));

	if (!v)
		return c->err = -ENOMEM;
	f->rules = v;
	v = &f->rules[f->n_rules++];
	memset(v, 0, sizeof(*v));
	if (chain == NO_CHAIN || chain == NO_INPUT_CHAIN) {
		snprintf(loc, sizeof(loc), "%s", c->rs->source);
		v->location = xstrdup(c, loc);
		v->chain = xstrdup(c, "(none)");
		v->text = xstrdup(c, chain == NO_CHAIN ? "no base chain on the forward hook for this address family: "
							 "the kernel forwards it unfiltered"
						       : "no base chain on the input hook for this address family: the "
							 "kernel delivers it to the firewall's own services unfiltered");
		v->verdict = "accept";
		return c->err;
	}
	rs_chain_describe(c->rs, chain, ch, sizeof(ch));
	v->chain = xstrdup(c, ch);
	if (rule == SIZE_MAX) {
		const struct rs_chain *cc = &c->rs->chains[chain];
		if (cc->line)
			snprintf(loc, sizeof(loc), "%s:%u", c->rs->source, cc->line);
		else
			snprintf(loc, sizeof(loc), "%s: chain %s policy", c->rs->source, ch);
		snprintf(text, sizeof(text), "policy %s", cc->policy == RS_POLICY_ACCEPT ? "accept" : "drop");
		v->location = xstrdup(c, loc);
		v->text = xstrdup(c, text);
		v->verdict = cc->policy == RS_POLICY_ACCEPT ? "policy accept" : "policy drop";
		return c->err;
	}
	rs_rule_location(c->rs, chain, rule, loc, sizeof(loc));
	rs_rule_format(c->rs, &c->rs->chains[chain].rules[rule], text, sizeof(text));
	v->location = xstrdup(c, loc);
	v->text = xstrdup(c, text);
	v->verdict = verdict ? verdict
			     : c->rs->chains[chain].rules[rule].has_vmap ? "vmap"
									 : verdict_word(c->rs->chains[chain].rules[rule].verdict.code);
	v->index = rule + 1;
	v->handle = c->rs->chains[chain].rules[rule].handle;
	return c->err;
}

static void decode_packet(struct fw_ctx *c, const uint8_t *bits, struct an_vpacket *p);
static bdd_t prefer(struct fw_ctx *c, bdd_t s, bdd_t p);

/* The model's trace of one packet, each deciding rule added to f. */
struct trace_to {
	struct fw_ctx *c;
	struct an_finding *f;
};

static void trace_step(void *arg, uint32_t chain, size_t rule, const char *verdict)
{
	struct trace_to *t = arg;
	add_rule(t->c, t->f, chain, rule, verdict);
}

static bool trace_out(struct fw_ctx *c, const uint8_t *bits, struct an_finding *f, uint8_t *out)
{
	struct trace_to to = {c, f};
	struct reach_trace t = {trace_step, &to};
	return reach_trace_out(&c->r, bits, &t, out);
}

static bool trace(struct fw_ctx *c, const uint8_t *bits, struct an_finding *f)
{
	return trace_out(c, bits, f, NULL);
}

/* The trace of a finding's example, from where it was sent. */
static void trace_example(struct fw_ctx *c, const uint8_t *bits, struct an_finding *f)
{
	uint8_t orig[N_VARS];

	if (reach_packet_origin(&c->r, bits, orig)) {
		struct an_vpacket o;
		decode_packet(c, orig, &o);
		f->example.has_orig = true;
		f->example.orig_dst = o.dst;
		f->example.orig_dport = o.dport;
	}
	trace(c, orig, f);
}

static bool proto_has_ports(unsigned p)
{
	return p == 6 || p == 17 || p == 132 || p == 33;
}

static void decode_packet(struct fw_ctx *c, const uint8_t *bits, struct an_vpacket *p)
{
	memset(p, 0, sizeof(*p));
	p->family = bits[V_FAM] ? 6 : 4;
	p->proto = (uint8_t)reach_get_bits(bits, V_PROTO, 8);
	p->src.family = p->dst.family = p->family;
	reach_get_bytes(bits, V_SADDR, p->family == 4 ? 32 : 128, p->src.bytes);
	reach_get_bytes(bits, V_DADDR, p->family == 4 ? 32 : 128, p->dst.bytes);
	p->sport = p->dport = p->icmp_type = p->icmp_code = -1;
	if (proto_has_ports(p->proto)) {
		p->sport = (int)reach_get_bits(bits, V_SPORT, 16);
		p->dport = (int)reach_get_bits(bits, V_DPORT, 16);
	} else if (p->proto == 1 || p->proto == 58) {
		p->icmp_type = (int)reach_get_bits(bits, V_SPORT, 8);
		p->icmp_code = (int)reach_get_bits(bits, V_SPORT + 8, 8);
	}
	unsigned iif = reach_get_bits(bits, V_IIF, IF_BITS), oif = reach_get_bits(bits, V_OIF, IF_BITS);
	snprintf(p->iif, sizeof(p->iif), "%s", iif < c->fw->n_ifaces ? c->fw->ifaces[iif].name : "?");
	snprintf(p->oif, sizeof(p->oif), "%s", oif < c->fw->n_ifaces ? c->fw->ifaces[oif].name : oif == IF_NONE ? "" : "?");
	reach_get_bytes(bits, V_SMAC, 48, p->smac);
	p->src_zone = topo_site_lookup_area(c->site, &p->src);
	p->dst_zone = topo_site_lookup_area(c->site, &p->dst);
	p->src_host = topo_site_lookup_host_ip(c->site, &p->src);
	p->dst_host = topo_site_lookup_host_ip(c->site, &p->dst);
}

/* Narrows s by each preference that keeps it non-empty, then picks. */
static bdd_t prefer(struct fw_ctx *c, bdd_t s, bdd_t p)
{
	return reach_prefer(c->m, s, p);
}

static bdd_t prefix_bdd(struct fw_ctx *c, unsigned var, const struct topo_addr *a, unsigned len)
{
	uint8_t mask[16] = {0};
	unsigned fam = a->family == 6;

	for (unsigned i = 0; i < len && i < 128; i++)
		mask[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	return bdd_and(c->m, c->r.fam[fam], bdd_match(c->m, var, fam ? 128 : 32, a->bytes, mask));
}

static bdd_t hosts_in(struct fw_ctx *c, const struct topo_area *a, unsigned var)
{
	bdd_t r = BDD_FALSE;

	for (size_t i = 0; i < topo_site_n_hosts(c->site); i++) {
		const struct topo_host *h = topo_site_host(c->site, i);
		if (h->role == TOPO_ROLE_GATEWAY)
			continue; /* its addresses are everywhere; an end host reads better */
		for (size_t j = 0; j < h->n_ips; j++) {
			if (a && topo_site_lookup_area(c->site, &h->ips[j]) != a)
				continue;
			r = bdd_or(c->m, r, prefix_bdd(c, var, &h->ips[j], h->ips[j].family == 6 ? 128 : 32));
		}
	}
	return r;
}

/* A readable member of s: IPv4, declared hosts, TCP to a well-known port
 * from an ephemeral one, an ICMP echo request. */
static bool pick_example(struct fw_ctx *c, bdd_t s, const struct topo_area *a, const struct topo_area *b,
			 struct an_vpacket *p, uint8_t *bits)
{
	static const uint16_t ports[] = {443, 80, 22, 3389, 445, 25, 53, 8080};
	static const uint8_t web4[4] = {93, 184, 216, 34};
	static const uint8_t web6[16] = {0x26, 0x06, 0x28, 0x00, 0x02, 0x1f, 0xcb, 0x07,
					 0x68, 0x20, 0x80, 0xda, 0xaf, 0x6b, 0x8b, 0x2c};
	static const uint8_t one6[16] = {[15] = 1};
	static const uint8_t low64[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct bdd *m = c->m;
	uint8_t lo[2] = {0xc0, 0x00}, hi[2] = {0xff, 0xff}, one[2] = {0, 1};

	if (s == BDD_FALSE)
		return false;
	s = prefer(c, s, c->r.fam[0]);
	s = prefer(c, s, c->r.dnat0); /* sent as it is, if it can be */
	s = prefer(c, s, hosts_in(c, a, V_SADDR));
	s = prefer(c, s, hosts_in(c, b, V_DADDR));
	s = prefer(c, s, bdd_and(m, c->r.fam[0], bdd_match(m, V_SADDR, 32, web4, NULL)));
	s = prefer(c, s, bdd_and(m, c->r.fam[0], bdd_match(m, V_DADDR, 32, web4, NULL)));
	s = prefer(c, s, bdd_and(m, c->r.fam[1], bdd_match(m, V_SADDR, 128, web6, NULL)));
	s = prefer(c, s, bdd_and(m, c->r.fam[1], bdd_match(m, V_DADDR, 128, web6, NULL)));
	/* IPv6: an address the kernel forwards (global unicast 2000::/3 or
	 * unique local fc00::/7, not ::2), host ::1 of its prefix */
	s = prefer(c, s, bdd_or(m, c->r.fam[0], bdd_or(m, bdd_uint(m, V_SADDR, 3, 1), bdd_uint(m, V_SADDR, 7, 0x7e))));
	s = prefer(c, s, bdd_or(m, c->r.fam[0], bdd_or(m, bdd_uint(m, V_DADDR, 3, 1), bdd_uint(m, V_DADDR, 7, 0x7e))));
	s = prefer(c, s, bdd_or(m, c->r.fam[0], bdd_match(m, V_SADDR, 128, one6, low64)));
	s = prefer(c, s, bdd_or(m, c->r.fam[0], bdd_match(m, V_DADDR, 128, one6, low64)));
	/* not a network address: x.y.z.0 */
	s = prefer(c, s, bdd_not(m, bdd_and(m, c->r.fam[0], bdd_uint(m, V_SADDR + 24, 8, 0))));
	s = prefer(c, s, bdd_not(m, bdd_and(m, c->r.fam[0], bdd_uint(m, V_DADDR + 24, 8, 0))));
	s = prefer(c, s, bdd_uint(m, V_PROTO, 8, 6));
	s = prefer(c, s, bdd_or(m, bdd_uint(m, V_PROTO, 8, 17), bdd_uint(m, V_PROTO, 8, 6)));
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		bdd_t t = bdd_and(m, s, bdd_uint(m, V_DPORT, 16, ports[i]));
		if (t != BDD_FALSE) {
			s = t;
			break;
		}
	}
	s = prefer(c, s, bdd_range(m, V_DPORT, 16, one, hi));
	s = prefer(c, s, bdd_range(m, V_SPORT, 16, lo, hi));
	s = prefer(c, s, bdd_or(m, bdd_not(m, bdd_uint(m, V_PROTO, 8, 1)), bdd_uint(m, V_SPORT, 8, 8)));
	s = prefer(c, s, bdd_or(m, bdd_not(m, bdd_uint(m, V_PROTO, 8, 58)), bdd_uint(m, V_SPORT, 8, 128)));
	/* a MAC that is nobody's: the documentation range of RFC 7042 */
	static const uint8_t doc_mac[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x01};
	s = prefer(c, s, bdd_match(m, V_SMAC, 48, doc_mac, NULL));
	if (!bdd_pick(m, s, bits))
		return false;
	decode_packet(c, bits, p);
	return true;
}

static struct an_finding *new_finding(struct fw_ctx *c, enum an_check check, const char *key)
{
	struct an_vreport *r = c->report;

	if (key) {
		if (json_object_get(r->seen, key))
			return NULL;
		if (json_object_set_new(r->seen, key, json_true()) < 0) {
			c->err = -ENOMEM;
			return NULL;
		}
	}
	r->counts[check]++;
	if (r->n_findings >= r->max_findings) {
		r->not_kept++;
		return NULL;
	}
	if (r->n_findings == r->cap_findings) {
		size_t ncap = r->cap_findings ? r->cap_findings * 2 : 64;
		struct an_finding **v = realloc(r->findings, ncap * sizeof(*v));
		if (!v) {
			c->err = -ENOMEM;
			return NULL;
		}
		r->findings = v;
		r->cap_findings = ncap;
	}
	struct an_finding *f = an_finding_new();
	if (!f) {
		c->err = -ENOMEM;
		return NULL;
	}
	f->check = check;
	f->fw = c->fw;
	r->findings[r->n_findings++] = f;
	return f;
}

/* Where an accepting point is, for messages. */
static char *point_location(struct fw_ctx *c, uint32_t chain, size_t rule, char *buf, size_t len)
{
	char ch[256];

	if (chain == NO_CHAIN)
		snprintf(buf, len, "%s (no forward chain for this address family)", c->rs->source);
	else if (chain == NO_INPUT_CHAIN)
		snprintf(buf, len, "%s (no input chain for this address family)", c->rs->source);
	else if (rule == SIZE_MAX)
		snprintf(buf, len, "the policy of %s", rs_chain_describe(c->rs, chain, ch, sizeof(ch)));
	else
		rs_rule_location(c->rs, chain, rule, buf, len);
	return buf;
}

static bdd_t area_bdd(struct fw_ctx *c, const struct topo_area *a, unsigned var);

static void open_finding(struct fw_ctx *c, const struct pair *p, uint32_t chain, size_t rule, bdd_t s)
{
	char key[128], loc[512];
	uint8_t bits[N_VARS];

	point_location(c, chain, rule, loc, sizeof(loc));
	snprintf(key, sizeof(key), "%u|%s|%s|%s%s|%u|%zu", c->fw->index, an_check_id(p->check), p->a->name,
		 p->local ? "(self)" : "", p->b->name, chain, rule);
	struct an_finding *f = new_finding(c, p->check, key);
	if (!f)
		return;
	f->src.zone = p->a;
	f->dst.zone = p->b;
	if (p->local) /* one of its addresses in its own zone */
		s = prefer(c, s, area_bdd(c, p->b, V_DADDR));
	f->has_example = pick_example(c, s, p->a, p->b, &f->example, bits);
	if (f->has_example)
		trace_example(c, bits, f);
	else
		add_rule(c, f, chain, rule, NULL);
	if (p->local)
		f->wording = AN_WORDING_TO_SELF;
	f->where = xstrdup(c, loc);
}

static void broad_finding(struct fw_ctx *c, const struct exc *e, uint32_t chain, size_t rule, bdd_t x)
{
	char key[128], what[160] = "", loc[512];
	uint8_t bits[N_VARS];
	struct bdd *m = c->m;
	point_location(c, chain, rule, loc, sizeof(loc));
	bool mac_and_ip = topo_site_pinning(c->site) == TOPO_PIN_MAC_AND_IP;

	snprintf(key, sizeof(key), "%u|broad|%u|%u|%zu", c->fw->index, e->flow->index, chain, rule);
	struct an_finding *f = new_finding(c, AN_CHECK_RULESET_EXCEPTION_TOO_BROAD, key);
	if (!f)
		return;
	f->flow = e->flow;
	/* what it lets through besides the exception */
	bdd_t other_dst = bdd_diff(m, x, e->dst);
	bdd_t other_svc = bdd_diff(m, bdd_and(m, x, e->dst), e->service);
	bdd_t other_src = bdd_diff(m, x, mac_and_ip || e->pin_mac == BDD_TRUE ? e->pin_ip : bdd_or(m, e->pin_ip, e->pin_mac));
	struct {
		bdd_t s;
		const char *en;
	} parts[] = {{other_src, "other source addresses"},
		     {other_dst, "other destinations"},
		     {other_svc, "other protocols or ports"}};
	bdd_t ex = BDD_FALSE;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i].s != BDD_FALSE) {
			snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%s", what[0] ? ", " : "", parts[i].en);
			if (ex == BDD_FALSE)
				ex = parts[i].s;
		}
	if (ex == BDD_FALSE)
		ex = x;
	const struct topo_area *a = e->flow->from.type == TOPO_EP_HOST ? e->flow->from.host->zone : e->flow->from.area;
	f->has_example = pick_example(c, ex, a, NULL, &f->example, bits);
	f->example.has_mac = true;
	if (f->has_example) {
		f->src.zone = f->example.src_zone;
		f->dst.zone = f->example.dst_zone;
		trace_example(c, bits, f);
	} else
		add_rule(c, f, chain, rule, NULL);
	f->where = xstrdup(c, loc);
	f->detail = xstrdup(c, what);
}

/* The rule carrying exception e pins its addresses and ports exactly but
 * not the initiator's MAC, though it arrives on an interface facing the
 * host's own segment (y: those packets from other MACs). */
static void nomac_finding(struct fw_ctx *c, const struct exc *e, uint32_t chain, size_t rule, bdd_t y)
{
	char key[128], loc[512];
	uint8_t bits[N_VARS];

	point_location(c, chain, rule, loc, sizeof(loc));
	snprintf(key, sizeof(key), "%u|nomac|%u|%u|%zu", c->fw->index, e->flow->index, chain, rule);
	struct an_finding *f = new_finding(c, AN_CHECK_RULESET_EXCEPTION_NO_MAC, key);
	if (!f)
		return;
	f->flow = e->flow;
	const struct topo_area *a = e->flow->from.type == TOPO_EP_HOST ? e->flow->from.host->zone : e->flow->from.area;
	f->has_example = pick_example(c, y, a, NULL, &f->example, bits);
	f->example.has_mac = true;
	if (f->has_example) {
		f->src.zone = f->example.src_zone;
		f->dst.zone = f->example.dst_zone;
		trace_example(c, bits, f);
	} else
		add_rule(c, f, chain, rule, NULL);
	f->where = xstrdup(c, loc);
}

static void blocked_finding(struct fw_ctx *c, const struct topo_flow *fl, bdd_t s)
{
	uint8_t bits[N_VARS];
	struct an_finding *f = new_finding(c, AN_CHECK_RULESET_FLOW_BLOCKED, NULL);

	if (!f)
		return;
	f->flow = fl;
	f->has_example = pick_example(c, s, NULL, NULL, &f->example, bits);
	if (f->has_example) {
		f->src.zone = f->example.src_zone;
		f->dst.zone = f->example.dst_zone;
		trace_example(c, bits, f);
	}
}

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
				open_finding(c, &c->pairs[i], chain, rule, f);
		}
	for (size_t i = 0; i < c->n_excs; i++) {
		const struct exc *e = &c->excs[i];
		if (bdd_and(m, hit, e->carry) == BDD_FALSE)
			continue;
		bdd_t x = bdd_diff(m, bdd_and(m, hit, c->passed), e->allowed);
		if (x != BDD_FALSE)
			broad_finding(c, e, chain, rule, x);
		else if (e->nomac != BDD_FALSE) {
			bdd_t y = bdd_and(m, bdd_and(m, hit, c->passed), e->nomac);
			if (y != BDD_FALSE)
				nomac_finding(c, e, chain, rule, y);
		}
	}
}

static void on_witness(struct reach_walk *w, uint32_t chain, size_t rule, bdd_t hit);

/* ------------------------------------------------------------- topology */

static bdd_t area_bdd(struct fw_ctx *c, const struct topo_area *a, unsigned var)
{
	bdd_t r = BDD_FALSE;

	if (a->kind != TOPO_KIND_INTERNET_WAN) {
		for (size_t i = 0; i < a->n_segments; i++)
			r = bdd_or(c->m, r, prefix_bdd(c, var, &a->segments[i].addr, a->segments[i].prefix));
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
			others = bdd_or(c->m, others, area_bdd(c, o, var));
	}
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		struct topo_addr x;
		uint8_t len;
		if (topo_cidr_parse(local[i].cidr, &x, &len) == 0)
			others = bdd_or(c->m, others, prefix_bdd(c, var, &x, len));
	}
	return bdd_not(c->m, others);
}

static bdd_t endpoint_bdd(struct fw_ctx *c, const struct topo_endpoint *ep, unsigned var)
{
	bdd_t r = BDD_FALSE;

	switch (ep->type) {
	case TOPO_EP_HOST:
		for (size_t i = 0; i < ep->host->n_ips; i++)
			r = bdd_or(c->m, r, prefix_bdd(c, var, &ep->host->ips[i], ep->host->ips[i].family == 6 ? 128 : 32));
		return r;
	case TOPO_EP_ZONE:
	case TOPO_EP_EXTERNAL:
		return var == V_SADDR ? c->src_in[ep->area->index] : c->dst_in[ep->area->index];
	case TOPO_EP_CIDR:
		return prefix_bdd(c, var, &ep->addr, ep->prefix);
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
		r = bdd_or(c->m, r, bdd_match(c->m, V_SMAC, 48, macs[i], NULL));
	return r;
}

/* proto and destination ports, as topo_flow_match_service() judges them */
static bdd_t service_bdd(struct fw_ctx *c, const struct topo_flow *fl)
{
	struct bdd *m = c->m;
	bdd_t proto = fl->proto == TOPO_PROTO_ANY ? BDD_TRUE : bdd_uint(m, V_PROTO, 8, (unsigned)fl->proto);

	if (fl->n_ports == 0)
		return proto;
	bdd_t has_ports = BDD_FALSE, ports = BDD_FALSE;
	static const unsigned with_ports[] = {6, 17, 132, 33};
	for (size_t i = 0; i < 4; i++)
		has_ports = bdd_or(m, has_ports, bdd_uint(m, V_PROTO, 8, with_ports[i]));
	for (size_t i = 0; i < fl->n_ports; i++) {
		uint8_t lo[2] = {(uint8_t)(fl->ports[i].lo >> 8), (uint8_t)fl->ports[i].lo};
		uint8_t hi[2] = {(uint8_t)(fl->ports[i].hi >> 8), (uint8_t)fl->ports[i].hi};
		ports = bdd_or(m, ports, bdd_range(m, V_DPORT, 16, lo, hi));
	}
	bdd_t r = bdd_and(m, has_ports, ports);
	if (fl->proto != TOPO_PROTO_ANY)
		r = bdd_or(m, r, bdd_not(m, has_ports));
	return bdd_and(m, proto, r);
}

static bdd_t flow_bdd(struct fw_ctx *c, const struct topo_flow *fl, bool with_mac)
{
	struct bdd *m = c->m;
	bdd_t r = bdd_and(m, endpoint_bdd(c, &fl->from, V_SADDR), endpoint_bdd(c, &fl->to, V_DADDR));

	r = bdd_and(m, r, service_bdd(c, fl));
	if (with_mac)
		r = bdd_and(m, r, macs_bdd(c, &fl->from));
	return r;
}

/* Which ruleset check a crossing a → b falls under, or -1. */
static int pair_check(const struct topo_area *a, const struct topo_area *b)
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

static void keep(struct fw_ctx *c, bdd_t *slot)
{
	bdd_root_push(c->m, slot);
}

/* The interface towards a dnat's target (its V_FAM/V_DADDR bits set): the
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
	return IF_OTHER;
}

/* The model (reach_init), then the questions: areas, flows, first packets. */
static int setup(struct fw_ctx *c, size_t max_nodes)
{
	const struct topo_firewall *fw = c->fw;

	if (fw->n_ifaces > MAX_IFACES)
		return -E2BIG;
	for (size_t i = 0; i < fw->n_ifaces; i++)
		c->ifnames[i] = fw->ifaces[i].name;
	c->r = (struct reach){.rs = c->rs, .ifaces = c->ifnames, .n_ifaces = fw->n_ifaces, .route = route, .route_arg = c};
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
		keep(c, &c->src_in[i]);
		keep(c, &c->dst_in[i]);
		keep(c, &c->iif_of[i]);
		keep(c, &c->oif_of[i]);
		c->src_in[i] = area_bdd(c, a, V_SADDR);
		c->dst_in[i] = area_bdd(c, a, V_DADDR);
		for (size_t j = 0; j < fw->n_ifaces; j++)
			for (size_t k = 0; k < fw->ifaces[j].n_faces; k++)
				if (fw->ifaces[j].faces[k] == a) {
					c->iif_of[i] = bdd_or(m, c->iif_of[i], bdd_uint(m, V_IIF, IF_BITS, j));
					c->oif_of[i] = bdd_or(m, c->oif_of[i], bdd_uint(m, V_OIF, IF_BITS, j));
				}
	}

	bdd_t *g[] = {&c->ifpair,   &c->ctnew,    &c->syn,     &c->r0,       &c->univ,     &c->passed,
		      &c->permitted, &c->bad_all, &c->open,    &c->own,
		      &c->own_src,   &c->r0_local, &c->passed_local, &c->pre_in,
		      &c->fwd_in,    &c->local_in, &c->images,   &c->cross};
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		keep(c, g[i]);
	for (size_t i = 0; i < fw->n_ifaces; i++)
		for (size_t j = 0; j < fw->n_ifaces; j++)
			if (i != j)
				c->ifpair = bdd_or(m, c->ifpair, bdd_and(m, bdd_uint(m, V_IIF, IF_BITS, i),
									   bdd_uint(m, V_OIF, IF_BITS, j)));
	c->ctnew = bdd_uint(m, V_CT, 3, CT_NEW);
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
			c->own = bdd_or(m, c->own, prefix_bdd(c, V_DADDR, a, a->family == 4 ? 32 : 128));
			c->own_src = bdd_or(m, c->own_src, prefix_bdd(c, V_SADDR, a, a->family == 4 ? 32 : 128));
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
	bdd_t ifs = bdd_uint(m, V_IIF, IF_BITS, IF_OTHER), ofs = bdd_uint(m, V_OIF, IF_BITS, IF_OTHER), cts = BDD_FALSE;
	for (size_t i = 0; i < fw->n_ifaces; i++) {
		ifs = bdd_or(m, ifs, bdd_uint(m, V_IIF, IF_BITS, i));
		ofs = bdd_or(m, ofs, bdd_uint(m, V_OIF, IF_BITS, i));
	}
	for (unsigned i = 0; i < N_CT; i++)
		cts = bdd_or(m, cts, bdd_uint(m, V_CT, 3, i));
	c->univ = bdd_and(m, bdd_and(m, ifs, ofs), cts);

	for (size_t i = 0; i < topo_site_n_flows(c->site); i++)
		c->permitted = bdd_or(m, c->permitted, flow_bdd(c, topo_site_flow(c->site, i), false));

	/* dnat: the first packets that may be translated — to the firewall
	 * itself, and to addresses behind the interface they came in on (a
	 * public address block routed to the firewall) */
	if (c->r.has_dnat) {
		bdd_t hair = BDD_FALSE; /* not rooted: used at once */
		for (size_t a = 0; a < c->n_areas; a++)
			for (size_t j = 0; j < fw->n_ifaces; j++) {
				bdd_t ij = bdd_uint(m, V_IIF, IF_BITS, j);
				if (bdd_and(m, c->iif_of[a], ij) != BDD_FALSE)
					hair = bdd_or(m, hair, bdd_and(m, bdd_and(m, c->src_in[a], ij), bdd_uint(m, V_OIF, IF_BITS, j)));
			}
		hair = bdd_and(m, bdd_diff(m, bdd_diff(m, hair, c->own), c->own_src), bdd_and(m, c->ctnew, c->syn));
		c->pre_in = bdd_or(m, bdd_or(m, c->r0, c->r0_local), hair); /* the first packets prerouting sees */
	}
	return bdd_full(m) ? -E2BIG : 0;
}

static void unsupported_finding(struct fw_ctx *c, uint32_t chain, size_t rule, const char *what)
{
	struct an_finding *f = new_finding(c, AN_CHECK_RULESET_UNSUPPORTED, NULL);

	if (!f)
		return;
	if (chain != UINT32_MAX)
		add_rule(c, f, chain, rule, NULL);
	f->where = xstrdup(c, f->n_rules ? f->rules[0].location : c->rs->source);
	f->detail = xstrdup(c, what);
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
			if (!(c->r.rflags[ci][i] & RF_VISITED))
				continue;
			if (r->unsupported || r->verdict.code == RS_V_UNKNOWN) {
				unsupported_finding(c, ci, i, r->unsupported ? r->unsupported : "an unsupported statement");
				continue;
			}
			if (c->r.rflags[ci][i] & RF_HIT)
				continue;
			struct an_finding *f = new_finding(c, AN_CHECK_RULESET_SHADOWED, NULL);
			if (!f)
				continue;
			add_rule(c, f, ci, i, NULL);
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
					add_rule(c, f, ci, j, NULL);
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
			r = bdd_or(c->m, r, bdd_uint(c->m, V_IIF, IF_BITS, j));
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
		keep(c, &e->carry);
		keep(c, &e->allowed);
		keep(c, &e->pin_ip);
		keep(c, &e->pin_mac);
		keep(c, &e->dst);
		keep(c, &e->service);
		keep(c, &e->nomac);
		e->pin_ip = endpoint_bdd(c, &fl->from, V_SADDR);
		e->pin_mac = macs_bdd(c, &fl->from);
		e->dst = endpoint_bdd(c, &fl->to, V_DADDR);
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
			int check = pair_check(x, y);
			if (a == b || check < 0 || c->iif_of[a] == BDD_FALSE || c->oif_of[b] == BDD_FALSE)
				continue;
			struct pair *p = &c->pairs[c->n_pairs++];
			*p = (struct pair){x, y, (enum an_check)check, BDD_FALSE};
			keep(c, &p->bad);
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

static int verify_local(struct fw_ctx *c, struct reach_walk *w)
{
	struct bdd *m = c->m;
	bdd_t pass = BDD_FALSE, covered = BDD_FALSE;
	size_t mark = bdd_root_mark(m);

	/* with dnat, prerouting was walked already: what it delivers here */
	bdd_t in = c->r.has_dnat ? c->local_in : c->r0_local;
	if (in == BDD_FALSE)
		return 0;
	bdd_root_push(m, &pass);
	bdd_root_push(m, &covered);
	w->on_accept = NULL;
	c->passed_local = in;
	for (size_t i = 0; i < c->r.n_loc && !bdd_full(m); i++) {
		if (c->r.has_dnat && c->rs->chains[c->r.loc[i]].hook == RS_HOOK_PREROUTING)
			continue;
		pass = reach_walk_base(w, c->r.loc[i], in);
		c->passed_local = bdd_and(m, c->passed_local, pass);
	}
	covered = reach_path_families(&c->r, c->r.loc, c->r.n_loc);
	for (size_t i = 0; i < topo_site_n_flows(c->site) && !c->err; i++) {
		bdd_maybe_gc(m);
		const struct topo_flow *fl = topo_site_flow(c->site, i);
		bdd_t fs = bdd_and(m, flow_bdd(c, fl, true), in);
		if (fs == BDD_FALSE)
			continue; /* not to this firewall */
		fs = bdd_diff(m, fs, c->passed_local);
		if (fs != BDD_FALSE)
			blocked_finding(c, fl, fs);
	}
	const struct topo_area *zone = c->fw->host->zone;
	for (size_t a = 0; a < c->n_areas && zone; a++) {
		const struct topo_area *x = topo_site_area(c->site, a);
		if (x->kind != TOPO_KIND_INTERNET_WAN || c->iif_of[a] == BDD_FALSE)
			continue;
		struct pair *p = &c->pairs[c->n_pairs++];
		*p = (struct pair){x, zone, AN_CHECK_RULESET_INBOUND_OPEN, BDD_FALSE, true};
		keep(c, &p->bad);
		p->bad = bdd_diff(m, bdd_and(m, c->passed_local, bdd_and(m, c->src_in[a], c->iif_of[a])), c->permitted);
		c->bad_all = bdd_or(m, c->bad_all, p->bad);
		if (p->bad == BDD_FALSE)
			continue;
		w->on_accept = on_accept;
		if (c->r.n_loc)
			reach_walk_base(w, c->r.has_local_primary ? c->r.local_primary : c->r.loc[0], in);
		pass = bdd_diff(m, in, covered);
		if (pass != BDD_FALSE)
			on_accept(w, NO_INPUT_CHAIN, 0, pass);
	}
	bdd_root_pop(m, mark);
	return bdd_full(m) ? -E2BIG : c->err;
}

static int verify_firewall(struct fw_ctx *c, size_t max_nodes)
{
	const struct rs_ruleset *rs = c->rs;
	int r;

	r = setup(c, max_nodes);
	if (r < 0)
		return r;

	struct reach_walk w = {.c = &c->r, .arg = c};
	bdd_t pass = BDD_FALSE;
	keep(c, &w.acc);
	keep(c, &pass);

	/* shadowing: every base chain of a modelled family, every packet */
	for (uint32_t i = 0; i < rs->n_chains && !bdd_full(c->m); i++) {
		const struct rs_chain *ch = &rs->chains[i];
		if (ch->hook != RS_HOOK_NONE && reach_family_modelled(rs->tables[ch->table].family))
			pass = reach_walk_base(&w, i, c->univ);
	}

	/* pass 1: what the forward path lets through.  With one chain on the
	 * path (the usual case) whatever a rule accepts passes, so the
	 * attribution of pass 2 is done in the same walk. */
	bool single = c->r.n_fwd == 1 && !c->r.has_dnat;
	if (single) {
		c->passed = c->r0;
		if ((r = setup_attribution(c)) < 0)
			return r;
		w.on_accept = on_accept;
	}
	bdd_t passed = c->r0;
	keep(c, &passed);
	if (c->r.has_dnat) {
		/* one chain after the other: a dnat changes what later chains see */
		size_t i = 0;
		passed = c->pre_in;
		c->r.record = true;
		for (; i < c->r.n_fwd && rs->chains[c->r.fwd[i]].hook == RS_HOOK_PREROUTING; i++)
			passed = reach_walk_base(&w, c->r.fwd[i], passed);
		c->r.record = false;
		for (size_t k = 0; k < c->r.n_dn; k++)
			c->images = bdd_or(c->m, c->images, c->r.dn[k].image);
		c->images = bdd_and(c->m, bdd_diff(c->m, c->images, c->r.pre_cube), bdd_and(c->m, c->cross, c->ifpair));
		c->local_in = bdd_and(c->m, bdd_and(c->m, passed, c->r.pre_cube), c->own);
		c->fwd_in = bdd_diff(c->m, bdd_diff(c->m, bdd_and(c->m, passed, bdd_and(c->m, c->cross, c->ifpair)), c->own),
				     c->r.pre_cube);
		passed = c->fwd_in;
		for (; i < c->r.n_fwd; i++)
			passed = reach_walk_base(&w, c->r.fwd[i], passed);
	} else
		for (size_t i = 0; i < c->r.n_fwd; i++) {
			pass = reach_walk_base(&w, c->r.fwd[i], c->r0);
			passed = bdd_and(c->m, passed, pass);
		}
	c->passed = passed;
	if (!c->r.has_dnat)
		c->fwd_in = c->r0;

	/* declared flows the firewall blocks */
	for (size_t i = 0; i < topo_site_n_flows(c->site) && !c->err; i++) {
		bdd_maybe_gc(c->m);
		const struct topo_flow *fl = topo_site_flow(c->site, i);
		bdd_t fb = flow_bdd(c, fl, true);
		/* a flow to a dnat target: judged on the translated packets */
		bdd_t fs = bdd_and(c->m, fb, c->images);
		if (fs == BDD_FALSE)
			fs = bdd_and(c->m, fb, c->r0);
		if (fs == BDD_FALSE)
			continue; /* not across this firewall */
		fs = bdd_diff(c->m, fs, c->passed);
		if (fs != BDD_FALSE)
			blocked_finding(c, fl, fs);
	}

	/* pass 2: who accepts what passes */
	if (!single) {
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
		on_accept(&w, NO_CHAIN, 0, pass);
	if (c->fw->host && (r = verify_local(c, &w)) < 0)
		return r;

	shadow_findings(c);

	for (size_t i = 0; i < rs->n_tables; i++)
		if (!reach_family_modelled(rs->tables[i].family))
			for (size_t j = 0; j < rs->n_chains; j++)
				if (rs->chains[j].table == i && rs->chains[j].n_rules) {
					char what[160];
					snprintf(what, sizeof(what), "table %s %s is not modelled (only ip, ip6 and inet are); its rules are ignored",
						 rs_family_name(rs->tables[i].family), rs->tables[i].name);
					unsupported_finding(c, UINT32_MAX, 0, what);
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
				unsupported_finding(c, ci, k, nr->nat == RS_NAT_REDIRECT
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
		unsupported_finding(c, UINT32_MAX, 0, "jumps and gotos nested 16 deep or deeper (nftables refuses this, iptables-legacy does not): what lies deeper is assumed accepted");

	c->sum->peak_nodes = bdd_peak_nodes(c->m);
	if (bdd_full(c->m))
		return -E2BIG;
	return c->err ? c->err : c->r.err;
}

static void fw_ctx_free(struct fw_ctx *c)
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

static int load_ruleset(const struct topo_firewall *fw, const struct an_verify_source *src,
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
	const char *names[MAX_IFACES];
	size_t n = 0;
	for (size_t i = 0; i < fw->n_ifaces && n < MAX_IFACES; i++)
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
	for (size_t i = 0; i < cfg->n_sources; i++) {
		bool known = false;
		for (size_t j = 0; j < n_fw; j++)
			known = known || strcmp(topo_site_firewall(site, j)->name, cfg->sources[i].firewall) == 0;
		if (!known) {
			snprintf(errbuf, errlen, "no firewall named '%s' in %s", cfg->sources[i].firewall,
				 topo_site_path(site));
			an_vreport_free(rep);
			return -EINVAL;
		}
	}

	for (size_t i = 0; i < n_fw && r >= 0; i++) {
		const struct topo_firewall *fw = topo_site_firewall(site, i);
		const struct an_verify_source *src = NULL;
		struct rs_ruleset *rs = NULL;
		struct an_vfw_summary *sum = &rep->fws[rep->n_fws++];
		struct timespec t0, t1;

		for (size_t j = 0; j < cfg->n_sources; j++)
			if (strcmp(cfg->sources[j].firewall, fw->name) == 0)
				src = &cfg->sources[j];
		sum->fw = fw;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = load_ruleset(fw, src, &rs, diags);
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

		struct fw_ctx c = {.site = site, .fw = fw, .rs = rs, .report = rep, .sum = sum};
		size_t first = rep->n_findings;
		uint64_t unsupported_before = rep->counts[AN_CHECK_RULESET_UNSUPPORTED];
		r = verify_firewall(&c, cfg->max_nodes ? cfg->max_nodes : (size_t)1 << 23);
		fw_ctx_free(&c);
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

/* ------------------------------------------- the kernel differential test */

struct probe_points {
	uint8_t (*bits)[N_VARS];
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
	memcpy(pp->bits[pp->n], bits, N_VARS);
	pp->chain[pp->n] = chain;
	pp->rule[pp->n++] = rule;
}

static void on_witness(struct reach_walk *w, uint32_t chain, size_t rule, bdd_t hit)
{
	struct fw_ctx *c = w->arg;
	struct probe_points *pp = c->points;
	uint8_t bits[N_VARS];

	hit = bdd_and(c->m, hit, pp->sendable); /* no collection before the picks */
	const struct rs_rule *r = &c->rs->chains[chain].rules[rule];
	if (reach_dnat_modelled(&c->r, w->base, r)) /* those it translates */
		hit = prefer(c, hit, c->r.fam[r->nat_to.family == 6]);
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
	bdd_t proto = bdd_or(m, bdd_or(m, bdd_uint(m, V_PROTO, 8, 6), bdd_uint(m, V_PROTO, 8, 17)),
			     bdd_or(m, bdd_and(m, c->r.fam[0], bdd_uint(m, V_PROTO, 8, 1)),
				    bdd_and(m, c->r.fam[1], bdd_uint(m, V_PROTO, 8, 58))));
	bdd_t iifs = BDD_FALSE;
	for (size_t i = 0; i < c->fw->n_ifaces; i++)
		iifs = bdd_or(m, iifs, bdd_uint(m, V_IIF, IF_BITS, i));
	bdd_t paths = bdd_or(m, bdd_diff(m, c->ifpair, c->own), bdd_and(m, bdd_and(m, iifs, c->r.pre_cube), c->own));
	bdd_t r = bdd_and(m, bdd_diff(m, proto, c->own_src), bdd_and(m, paths, bdd_and(m, c->ctnew, c->syn)));
	const unsigned vars[2] = {V_SADDR, V_DADDR};

	for (int i = 0; i < 2; i++) {
		unsigned v = vars[i];
		bdd_t bad4 = bdd_or(m, bdd_or(m, bdd_uint(m, v, 8, 0), bdd_uint(m, v, 8, 127)), bdd_uint(m, v, 3, 7));
		bdd_t ok6 = bdd_or(m, bdd_uint(m, v, 3, 1), bdd_uint(m, v, 7, 0x7e));
		r = bdd_and(m, r, bdd_or(m, bdd_diff(m, c->r.fam[0], bad4), bdd_and(m, c->r.fam[1], ok6)));
	}
	return bdd_and(m, r, bdd_uint(m, V_SMAC + 7, 1, 0));
}

static int probe_firewall(struct fw_ctx *c, unsigned per_rule, unsigned n_random, uint64_t seed, an_vprobe_fn fn,
			  void *arg)
{
	struct probe_points pp = {.per_rule = per_rule, .rng = seed};
	struct reach_walk w = {.c = &c->r, .arg = c, .on_hit = on_witness};
	bdd_t in = BDD_FALSE, pass = BDD_FALSE;
	int r;

	c->points = &pp;
	if ((r = setup(c, (size_t)1 << 23)) < 0)
		return r;
	keep(c, &w.acc);
	keep(c, &pp.sendable);
	keep(c, &in);
	keep(c, &pass);
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
	keep(c, &local);
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
	uint8_t bits[N_VARS];
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

		uint8_t out[N_VARS], set_out[N_VARS];
		c->r.trace_approx = false;
		p.traced_accept = trace_out(c, pp.bits[i], &f, out);
		/* the set walk's verdict: translated as its dnat rule's hits say */
		memcpy(set_out, pp.bits[i], N_VARS);
		for (size_t k = 0; k < c->r.n_dn; k++)
			if (bdd_member(c->m, c->r.dn[k].hit, pp.bits[i])) {
				reach_translate_point(&c->r, c->r.dn[k].chain, c->r.dn[k].rule, set_out);
				break;
			}
		p.accept = bdd_member(c->m, in, set_out);
		decode_packet(c, out, &p.out);
		p.translated = out[V_DNAT];
		p.approximate = c->r.trace_approx || edge;
		decode_packet(c, pp.bits[i], &p.packet);
		p.packet.has_mac = true;
		p.tcp_flags = p.packet.proto == 6 ? (uint8_t)reach_get_bits(pp.bits[i], V_TCPFL, 8) : 0;
		p.icmp_checksum = (uint16_t)reach_get_bits(pp.bits[i], V_DPORT, 16);
		if (pp.chain[i] != UINT32_MAX)
			p.witness_of = rs_rule_location(c->rs, pp.chain[i], pp.rule[i], loc, sizeof(loc));
		p.rules = f.rules;
		p.n_rules = f.n_rules;
		r = c->err ? c->err : fn(&p, arg);
		for (size_t j = 0; j < f.n_rules; j++) {
			free(f.rules[j].location);
			free(f.rules[j].chain);
			free(f.rules[j].text);
		}
		free(f.rules);
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
	for (size_t j = 0; j < cfg->n_sources; j++)
		if (strcmp(cfg->sources[j].firewall, firewall) == 0)
			src = &cfg->sources[j];
	if (!fw) {
		snprintf(errbuf, errlen, "no firewall named '%s' in %s", firewall, topo_site_path(cfg->site));
		return -EINVAL;
	}
	r = load_ruleset(fw, src, &rs, diags);
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
	fw_ctx_free(&c);
	rs_ruleset_free(rs);
	if (r < 0 && !errbuf[0])
		snprintf(errbuf, errlen, "firewall %s: %s", fw->name, strerror(-r));
	return r;
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
