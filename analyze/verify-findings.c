/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sanso verify's findings: a concrete example packet out of a set (the
 * one an auditor can send again), the rules the model's trace of it meets,
 * and one finding per check with what its message needs (messages.c words
 * it).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verify-internal.h"

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

/* rule == SIZE_MAX: the chain's policy; chain == REACH_NO_CHAIN, REACH_NO_INPUT_CHAIN: no chain */
int vf_add_rule(struct fw_ctx *c, struct an_finding *f, uint32_t chain, size_t rule, const char *verdict)
{
	char loc[512], text[1024], ch[256];
	struct an_vrule *v = realloc(f->rules, (f->n_rules + 1) * sizeof(*v));

	if (!v)
		return c->err = -ENOMEM;
	f->rules = v;
	v = &f->rules[f->n_rules++];
	memset(v, 0, sizeof(*v));
	if (chain == REACH_NO_CHAIN || chain == REACH_NO_INPUT_CHAIN) {
		snprintf(loc, sizeof(loc), "%s", c->rs->source);
		v->location = xstrdup(c, loc);
		v->chain = xstrdup(c, "(none)");
		v->text = xstrdup(c, chain == REACH_NO_CHAIN ? "no base chain on the forward hook for this address family: "
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


/* The model's trace of one packet, each deciding rule added to f. */
struct trace_to {
	struct fw_ctx *c;
	struct an_finding *f;
};

static void trace_step(void *arg, uint32_t chain, size_t rule, const char *verdict)
{
	struct trace_to *t = arg;
	vf_add_rule(t->c, t->f, chain, rule, verdict);
}

bool vf_trace_out(struct fw_ctx *c, const uint8_t *bits, struct an_finding *f, uint8_t *out)
{
	struct trace_to to = {c, f};
	struct reach_trace t = {trace_step, &to};
	return reach_trace_out(&c->r, bits, &t, out);
}

static bool trace(struct fw_ctx *c, const uint8_t *bits, struct an_finding *f)
{
	return vf_trace_out(c, bits, f, NULL);
}

/* The trace of a finding's example, from where it was sent. */
void vf_trace_example(struct fw_ctx *c, const uint8_t *bits, struct an_finding *f)
{
	uint8_t orig[REACH_N_VARS];

	if (reach_packet_origin(&c->r, bits, orig)) {
		struct an_vpacket o;
		vf_decode_packet(c, orig, &o);
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

void vf_decode_packet(struct fw_ctx *c, const uint8_t *bits, struct an_vpacket *p)
{
	memset(p, 0, sizeof(*p));
	p->family = bits[REACH_V_FAM] ? 6 : 4;
	p->proto = (uint8_t)reach_get_bits(bits, REACH_V_PROTO, 8);
	p->src.family = p->dst.family = p->family;
	reach_get_bytes(bits, REACH_V_SADDR, p->family == 4 ? 32 : 128, p->src.bytes);
	reach_get_bytes(bits, REACH_V_DADDR, p->family == 4 ? 32 : 128, p->dst.bytes);
	p->sport = p->dport = p->icmp_type = p->icmp_code = -1;
	if (proto_has_ports(p->proto)) {
		p->sport = (int)reach_get_bits(bits, REACH_V_SPORT, 16);
		p->dport = (int)reach_get_bits(bits, REACH_V_DPORT, 16);
	} else if (p->proto == 1 || p->proto == 58) {
		p->icmp_type = (int)reach_get_bits(bits, REACH_V_SPORT, 8);
		p->icmp_code = (int)reach_get_bits(bits, REACH_V_SPORT + 8, 8);
	}
	unsigned iif = reach_get_bits(bits, REACH_V_IIF, REACH_IF_BITS);
	unsigned oif = reach_get_bits(bits, REACH_V_OIF, REACH_IF_BITS);
	snprintf(p->iif, sizeof(p->iif), "%s", iif < c->fw->n_ifaces ? c->fw->ifaces[iif].name : "?");
	snprintf(p->oif, sizeof(p->oif), "%s",
		 oif < c->fw->n_ifaces ? c->fw->ifaces[oif].name : oif == REACH_IF_NONE ? "" : "?");
	reach_get_bytes(bits, REACH_V_SMAC, 48, p->smac);
	p->src_zone = topo_site_lookup_area(c->site, &p->src);
	p->dst_zone = topo_site_lookup_area(c->site, &p->dst);
	p->src_host = topo_site_lookup_host_ip(c->site, &p->src);
	p->dst_host = topo_site_lookup_host_ip(c->site, &p->dst);
}

/* Narrows s by each preference that keeps it non-empty, then picks. */
bdd_t vf_prefer(struct fw_ctx *c, bdd_t s, bdd_t p)
{
	return reach_prefer(c->m, s, p);
}

bdd_t vf_prefix_bdd(struct fw_ctx *c, unsigned var, const struct topo_addr *a, unsigned len)
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
			r = bdd_or(c->m, r, vf_prefix_bdd(c, var, &h->ips[j], h->ips[j].family == 6 ? 128 : 32));
		}
	}
	return r;
}

/* A readable member of s: IPv4, declared hosts, TCP to a well-known port
 * from an ephemeral one, an ICMP echo request. */
bool vf_pick_example(struct fw_ctx *c, bdd_t s, const struct topo_area *a, const struct topo_area *b,
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
	s = vf_prefer(c, s, c->r.fam[0]);
	s = vf_prefer(c, s, c->r.dnat0); /* sent as it is, if it can be */
	s = vf_prefer(c, s, hosts_in(c, a, REACH_V_SADDR));
	s = vf_prefer(c, s, hosts_in(c, b, REACH_V_DADDR));
	s = vf_prefer(c, s, bdd_and(m, c->r.fam[0], bdd_match(m, REACH_V_SADDR, 32, web4, NULL)));
	s = vf_prefer(c, s, bdd_and(m, c->r.fam[0], bdd_match(m, REACH_V_DADDR, 32, web4, NULL)));
	s = vf_prefer(c, s, bdd_and(m, c->r.fam[1], bdd_match(m, REACH_V_SADDR, 128, web6, NULL)));
	s = vf_prefer(c, s, bdd_and(m, c->r.fam[1], bdd_match(m, REACH_V_DADDR, 128, web6, NULL)));
	/* IPv6: an address the kernel forwards (global unicast 2000::/3 or
	 * unique local fc00::/7, not ::2), host ::1 of its prefix */
	s = vf_prefer(c, s,
		      bdd_or(m, c->r.fam[0], bdd_or(m, bdd_uint(m, REACH_V_SADDR, 3, 1), bdd_uint(m, REACH_V_SADDR, 7, 0x7e))));
	s = vf_prefer(c, s,
		      bdd_or(m, c->r.fam[0], bdd_or(m, bdd_uint(m, REACH_V_DADDR, 3, 1), bdd_uint(m, REACH_V_DADDR, 7, 0x7e))));
	s = vf_prefer(c, s, bdd_or(m, c->r.fam[0], bdd_match(m, REACH_V_SADDR, 128, one6, low64)));
	s = vf_prefer(c, s, bdd_or(m, c->r.fam[0], bdd_match(m, REACH_V_DADDR, 128, one6, low64)));
	/* not a network address: x.y.z.0 */
	s = vf_prefer(c, s, bdd_not(m, bdd_and(m, c->r.fam[0], bdd_uint(m, REACH_V_SADDR + 24, 8, 0))));
	s = vf_prefer(c, s, bdd_not(m, bdd_and(m, c->r.fam[0], bdd_uint(m, REACH_V_DADDR + 24, 8, 0))));
	s = vf_prefer(c, s, bdd_uint(m, REACH_V_PROTO, 8, 6));
	s = vf_prefer(c, s, bdd_or(m, bdd_uint(m, REACH_V_PROTO, 8, 17), bdd_uint(m, REACH_V_PROTO, 8, 6)));
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		bdd_t t = bdd_and(m, s, bdd_uint(m, REACH_V_DPORT, 16, ports[i]));
		if (t != BDD_FALSE) {
			s = t;
			break;
		}
	}
	s = vf_prefer(c, s, bdd_range(m, REACH_V_DPORT, 16, one, hi));
	s = vf_prefer(c, s, bdd_range(m, REACH_V_SPORT, 16, lo, hi));
	s = vf_prefer(c, s, bdd_or(m, bdd_not(m, bdd_uint(m, REACH_V_PROTO, 8, 1)), bdd_uint(m, REACH_V_SPORT, 8, 8)));
	s = vf_prefer(c, s, bdd_or(m, bdd_not(m, bdd_uint(m, REACH_V_PROTO, 8, 58)), bdd_uint(m, REACH_V_SPORT, 8, 128)));
	/* a MAC that is nobody's: the documentation range of RFC 7042 */
	static const uint8_t doc_mac[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x01};
	s = vf_prefer(c, s, bdd_match(m, REACH_V_SMAC, 48, doc_mac, NULL));
	if (!bdd_pick(m, s, bits))
		return false;
	vf_decode_packet(c, bits, p);
	return true;
}

struct an_finding *vf_new_finding(struct fw_ctx *c, enum an_check check, const char *key)
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

	if (chain == REACH_NO_CHAIN)
		snprintf(buf, len, "%s (no forward chain for this address family)", c->rs->source);
	else if (chain == REACH_NO_INPUT_CHAIN)
		snprintf(buf, len, "%s (no input chain for this address family)", c->rs->source);
	else if (rule == SIZE_MAX)
		snprintf(buf, len, "the policy of %s", rs_chain_describe(c->rs, chain, ch, sizeof(ch)));
	else
		rs_rule_location(c->rs, chain, rule, buf, len);
	return buf;
}


void vf_open_finding(struct fw_ctx *c, const struct pair *p, uint32_t chain, size_t rule, bdd_t s)
{
	char key[128], loc[512];
	uint8_t bits[REACH_N_VARS];

	point_location(c, chain, rule, loc, sizeof(loc));
	snprintf(key, sizeof(key), "%u|%s|%s|%s%s|%u|%zu", c->fw->index, an_check_id(p->check), p->a->name,
		 p->local ? "(self)" : "", p->b->name, chain, rule);
	struct an_finding *f = vf_new_finding(c, p->check, key);
	if (!f)
		return;
	f->src.zone = p->a;
	f->dst.zone = p->b;
	if (p->local) /* one of its addresses in its own zone */
		s = vf_prefer(c, s, vf_area_bdd(c, p->b, REACH_V_DADDR));
	f->has_example = vf_pick_example(c, s, p->a, p->b, &f->example, bits);
	if (f->has_example)
		vf_trace_example(c, bits, f);
	else
		vf_add_rule(c, f, chain, rule, NULL);
	if (p->local)
		f->wording = AN_WORDING_TO_SELF;
	f->where = xstrdup(c, loc);
}

void vf_broad_finding(struct fw_ctx *c, const struct exc *e, uint32_t chain, size_t rule, bdd_t x)
{
	char key[128], what[160] = "", loc[512];
	uint8_t bits[REACH_N_VARS];
	struct bdd *m = c->m;
	point_location(c, chain, rule, loc, sizeof(loc));
	bool mac_and_ip = topo_site_pinning(c->site) == TOPO_PIN_MAC_AND_IP;

	snprintf(key, sizeof(key), "%u|broad|%u|%u|%zu", c->fw->index, e->flow->index, chain, rule);
	struct an_finding *f = vf_new_finding(c, AN_CHECK_RULESET_EXCEPTION_TOO_BROAD, key);
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
	f->has_example = vf_pick_example(c, ex, a, NULL, &f->example, bits);
	f->example.has_mac = true;
	if (f->has_example) {
		f->src.zone = f->example.src_zone;
		f->dst.zone = f->example.dst_zone;
		vf_trace_example(c, bits, f);
	} else
		vf_add_rule(c, f, chain, rule, NULL);
	f->where = xstrdup(c, loc);
	f->detail = xstrdup(c, what);
}

/* The rule carrying exception e pins its addresses and ports exactly but
 * not the initiator's MAC, though it arrives on an interface facing the
 * host's own segment (y: those packets from other MACs). */
void vf_nomac_finding(struct fw_ctx *c, const struct exc *e, uint32_t chain, size_t rule, bdd_t y)
{
	char key[128], loc[512];
	uint8_t bits[REACH_N_VARS];

	point_location(c, chain, rule, loc, sizeof(loc));
	snprintf(key, sizeof(key), "%u|nomac|%u|%u|%zu", c->fw->index, e->flow->index, chain, rule);
	struct an_finding *f = vf_new_finding(c, AN_CHECK_RULESET_EXCEPTION_NO_MAC, key);
	if (!f)
		return;
	f->flow = e->flow;
	const struct topo_area *a = e->flow->from.type == TOPO_EP_HOST ? e->flow->from.host->zone : e->flow->from.area;
	f->has_example = vf_pick_example(c, y, a, NULL, &f->example, bits);
	f->example.has_mac = true;
	if (f->has_example) {
		f->src.zone = f->example.src_zone;
		f->dst.zone = f->example.dst_zone;
		vf_trace_example(c, bits, f);
	} else
		vf_add_rule(c, f, chain, rule, NULL);
	f->where = xstrdup(c, loc);
}

void vf_blocked_finding(struct fw_ctx *c, const struct topo_flow *fl, bdd_t s)
{
	uint8_t bits[REACH_N_VARS];
	struct an_finding *f = vf_new_finding(c, AN_CHECK_RULESET_FLOW_BLOCKED, NULL);

	if (!f)
		return;
	f->flow = fl;
	f->has_example = vf_pick_example(c, s, NULL, NULL, &f->example, bits);
	if (f->has_example) {
		f->src.zone = f->example.src_zone;
		f->dst.zone = f->example.dst_zone;
		vf_trace_example(c, bits, f);
	}
}

void vf_unsupported_finding(struct fw_ctx *c, uint32_t chain, size_t rule, const char *what)
{
	struct an_finding *f = vf_new_finding(c, AN_CHECK_RULESET_UNSUPPORTED, NULL);

	if (!f)
		return;
	if (chain != UINT32_MAX)
		vf_add_rule(c, f, chain, rule, NULL);
	f->where = xstrdup(c, f->n_rules ? f->rules[0].location : c->rs->source);
	f->detail = xstrdup(c, what);
}


