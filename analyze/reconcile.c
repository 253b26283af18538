/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Traffic against the rulesets (analyze.h, "reconciliation"): each
 * firewall's ruleset as verify models it (verify-internal.h), asked about
 * one packet at a time — the first packet of a connection the audit saw
 * between two of its interfaces — with the one-packet trace that the
 * kernel differential test holds to the kernel (rulesets/reach/walk.c).
 *
 * The packet is the connection as it opened: from the initiator, TCP as a
 * SYN, ICMP as an echo request, conntrack state new, in on the interface
 * that faces the initiator's zone and out on the one that faces the
 * responder's, from the initiator's MAC as the firewall would see it (the
 * first MAC on that side that is not one of the firewall's own).
 *
 * Cost: a trace visits the rules of the path one by one; the verdicts of
 * recent packets are kept in a small direct-mapped cache per firewall,
 * keyed on what the rules can read (the source port and MAC only when a
 * rule reads them), so the many connections between the same hosts on the
 * same service are traced once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze-internal.h"
#include "verify-internal.h"

#define CACHE_SLOTS 4096 /* a power of two */

struct rc_key {
	uint8_t fam, iif, oif, proto, icmp_type, pad[3];
	uint16_t sport, dport;
	uint8_t smac[6];
	uint8_t saddr[16], daddr[16];
};

struct rc_slot {
	bool used;
	struct rc_key key;
	struct an_rverdict v;
};

struct rc_fw {
	struct fw_ctx c;
	struct rs_ruleset *rs;
	struct an_vreport rep; /* what fw_ctx points at; holds nothing */
	struct an_vfw_summary sum;
	int *face;              /* per area: the interface facing it, -1: none */
	bool reads_sport, reads_smac;
	size_t *base;           /* per chain: its first slot in uses[]; its policy after its rules */
	uint8_t *on_path;       /* per chain: a forward-path base chain, or reached from one */
	size_t n_uses;          /* every rule, every policy, and the two "no chain" slots last */
	uint64_t (*uses)[2];    /* connections, forbidden */
	uint64_t connections;
	struct rc_slot *cache;
};

struct an_rulesets {
	const struct topo_site *site;
	struct rc_fw *fws;
	size_t n_fws;
};

static bool key_reads(const struct rs_match *m, enum rs_key k)
{
	for (unsigned i = 0; i < m->n_keys; i++)
		if (m->keys[i] == k)
			return true;
	return false;
}

/* Whether any rule (or verdict map) reads key k. */
static bool ruleset_reads(const struct rs_ruleset *rs, enum rs_key k)
{
	for (size_t i = 0; i < rs->n_chains; i++)
		for (size_t j = 0; j < rs->chains[i].n_rules; j++) {
			const struct rs_rule *r = &rs->chains[i].rules[j];
			if (r->has_vmap && key_reads(&r->vmap, k))
				return true;
			for (size_t x = 0; x < r->n_matches; x++)
				if (key_reads(&r->matches[x], k) || r->matches[x].op == RS_OP_UNKNOWN)
					return true;
		}
	return false;
}

static void fw_free(struct rc_fw *f)
{
	vf_ctx_free(&f->c);
	rs_ruleset_free(f->rs);
	free(f->face);
	free(f->base);
	free(f->on_path);
	free(f->uses);
	free(f->cache);
}

static void mark_chain(struct rc_fw *f, uint32_t *todo, size_t *n, const struct rs_verdict *v)
{
	if ((v->code == RS_V_JUMP || v->code == RS_V_GOTO) && v->chain < f->rs->n_chains && !f->on_path[v->chain]) {
		f->on_path[v->chain] = 1;
		todo[(*n)++] = v->chain;
	}
}

/* The chains a forwarded connection can meet: the forward path's base
 * chains and what they jump or go to (verdict maps too).  Connections to
 * the firewall itself are not judged, so the input hook's rules are not
 * listed in the rule usage. */
static void mark_path(struct rc_fw *f)
{
	const struct rs_ruleset *rs = f->rs;
	uint32_t *todo = calloc(rs->n_chains + 1, sizeof(*todo));
	size_t n = 0;

	if (!todo)
		return;
	for (size_t i = 0; i < f->c.r.n_fwd; i++)
		if (!f->on_path[f->c.r.fwd[i]]) {
			f->on_path[f->c.r.fwd[i]] = 1;
			todo[n++] = f->c.r.fwd[i];
		}
	while (n) {
		const struct rs_chain *ch = &rs->chains[todo[--n]];
		for (size_t k = 0; k < ch->n_rules; k++) {
			const struct rs_rule *r = &ch->rules[k];
			mark_chain(f, todo, &n, &r->verdict);
			if (r->has_vmap && r->vmap.set < rs->n_sets)
				for (size_t e = 0; e < rs->sets[r->vmap.set].n_elems; e++)
					mark_chain(f, todo, &n, &rs->sets[r->vmap.set].elems[e].verdict);
		}
	}
	free(todo);
}

static int fw_setup(struct an_rulesets *s, struct rc_fw *f, const struct topo_firewall *fw, struct rs_ruleset *rs)
{
	const struct topo_site *site = s->site;
	size_t n_areas = topo_site_n_areas(site);
	int r;

	f->rs = rs;
	f->rep.site = site;
	f->rep.max_findings = 1;
	f->sum.fw = fw;
	f->c = (struct fw_ctx){.site = site, .fw = fw, .rs = rs, .report = &f->rep, .sum = &f->sum};
	r = vf_setup(&f->c, (size_t)1 << 23);
	if (r < 0)
		return r;
	f->face = malloc((n_areas + 1) * sizeof(*f->face));
	f->base = calloc(rs->n_chains + 1, sizeof(*f->base));
	f->cache = calloc(CACHE_SLOTS, sizeof(*f->cache));
	if (!f->face || !f->base || !f->cache)
		return -ENOMEM;
	for (size_t a = 0; a < n_areas; a++) {
		f->face[a] = -1;
		for (size_t j = 0; j < fw->n_ifaces && f->face[a] < 0; j++)
			for (size_t k = 0; k < fw->ifaces[j].n_faces; k++)
				if (fw->ifaces[j].faces[k] == topo_site_area(site, a))
					f->face[a] = (int)j;
	}
	for (size_t i = 0; i < rs->n_chains; i++) {
		f->base[i] = f->n_uses;
		f->n_uses += rs->chains[i].n_rules + (rs->chains[i].hook != RS_HOOK_NONE);
	}
	f->n_uses += 2;
	f->uses = calloc(f->n_uses, sizeof(*f->uses));
	if (!f->uses)
		return -ENOMEM;
	if (!(f->on_path = calloc(rs->n_chains + 1, 1)))
		return -ENOMEM;
	mark_path(f);
	f->reads_sport = ruleset_reads(rs, RS_KEY_SPORT);
	f->reads_smac = ruleset_reads(rs, RS_KEY_ETHER_SADDR);
	return 0;
}

int an_rulesets_load(const struct topo_site *site, const struct an_verify_source *sources, size_t n_sources,
		     struct an_rulesets **ret, struct topo_diag_list *diags, char *errbuf, size_t errlen)
{
	size_t n_fw = topo_site_n_firewalls(site);
	struct an_rulesets *s = calloc(1, sizeof(*s));
	int r = 0;

	errbuf[0] = '\0';
	if (!s || !(s->fws = calloc(n_fw + 1, sizeof(*s->fws)))) {
		free(s);
		return -ENOMEM;
	}
	s->site = site;
	if (vf_check_sources(site, sources, n_sources, errbuf, errlen) < 0) {
		an_rulesets_free(s);
		return -EINVAL;
	}
	for (size_t i = 0; i < n_fw && r >= 0; i++) {
		const struct topo_firewall *fw = topo_site_firewall(site, i);
		const struct an_verify_source *src = vf_source_of(sources, n_sources, fw->name);
		struct rs_ruleset *rs = NULL;

		r = vf_load_ruleset(fw, src, &rs, diags);
		if (r == 1) {
			r = 0;
			continue;
		}
		if (r < 0) {
			snprintf(errbuf, errlen, "the ruleset of firewall %s can't be read", fw->name);
			break;
		}
		struct rc_fw *f = &s->fws[s->n_fws++];
		r = fw_setup(s, f, fw, rs);
		if (r == -E2BIG)
			snprintf(errbuf, errlen, "firewall %s: the ruleset is too large to model within the memory bound",
				 fw->name);
		else if (r < 0)
			snprintf(errbuf, errlen, "firewall %s: %s", fw->name, strerror(-r));
	}
	if (r < 0) {
		an_rulesets_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

int an_rulesets_rebind(struct an_rulesets *s, const struct topo_site *site)
{
	struct an_rulesets n = {.site = site};
	int r = 0;

	if (!s)
		return 0;
	if (!(n.fws = calloc(s->n_fws + 1, sizeof(*n.fws))))
		return -ENOMEM;
	for (size_t i = 0; i < s->n_fws && r >= 0; i++) {
		const struct topo_firewall *fw = NULL;
		for (size_t j = 0; j < topo_site_n_firewalls(site); j++)
			if (strcmp(topo_site_firewall(site, j)->name, s->fws[i].c.fw->name) == 0)
				fw = topo_site_firewall(site, j);
		if (!fw)
			continue; /* no longer in the topology */
		struct rc_fw *f = &n.fws[n.n_fws++];
		r = fw_setup(&n, f, fw, s->fws[i].rs);
	}
	if (r < 0) {
		for (size_t i = 0; i < n.n_fws; i++) {
			n.fws[i].rs = NULL; /* still the old set's */
			fw_free(&n.fws[i]);
		}
		free(n.fws);
		return r;
	}
	/* the rulesets move to the new set; the rest of the old goes */
	for (size_t i = 0; i < s->n_fws; i++) {
		bool moved = false;
		for (size_t j = 0; j < n.n_fws; j++)
			moved = moved || n.fws[j].rs == s->fws[i].rs;
		if (moved)
			s->fws[i].rs = NULL;
		fw_free(&s->fws[i]);
	}
	free(s->fws);
	*s = n;
	return 0;
}

void an_rulesets_free(struct an_rulesets *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_fws; i++)
		fw_free(&s->fws[i]);
	free(s->fws);
	free(s);
}

size_t an_rulesets_n(const struct an_rulesets *s)
{
	return s ? s->n_fws : 0;
}

const char *an_rulesets_source(const struct an_rulesets *s, size_t i)
{
	return i < s->n_fws && s->fws[i].rs->origin != RS_ORIGIN_LIVE ? s->fws[i].rs->source : NULL;
}

/* ------------------------------------------------------------ one packet */

static bool is_fw_mac(const struct topo_firewall *fw, const uint8_t mac[6])
{
	if (!fw->host)
		return false;
	for (size_t i = 0; i < fw->host->n_macs; i++)
		if (memcmp(fw->host->macs[i], mac, 6) == 0)
			return true;
	return false;
}

bool an_rulesets_fw_mac(const struct an_rulesets *s, const struct an_rverdict *v, const uint8_t mac[6], bool *known)
{
	const struct topo_firewall *fw = s->fws[v->fw].c.fw;

	*known = fw->host && fw->host->n_macs > 0;
	return is_fw_mac(fw, mac);
}

/* The MAC the firewall sees the first packet come from. */
static const uint8_t *source_mac(const struct topo_firewall *fw, const struct an_finding *c)
{
	for (unsigned i = 0; i < c->src.n_macs; i++)
		if (!is_fw_mac(fw, c->src.macs[i]))
			return c->src.macs[i];
	if (c->src.host && c->src.host->n_macs)
		return c->src.host->macs[0];
	return c->src.n_macs ? c->src.macs[0] : NULL;
}

static void make_key(const struct rc_fw *f, const struct an_finding *c, unsigned iif, unsigned oif,
		     const uint8_t *smac, struct rc_key *k)
{
	memset(k, 0, sizeof(*k));
	k->fam = c->src.ip.family == 6;
	k->iif = (uint8_t)iif;
	k->oif = (uint8_t)oif;
	k->proto = c->proto;
	if (an_proto_has_ports(c->proto)) {
		k->dport = (uint16_t)(c->dst.port < 0 ? 0 : c->dst.port);
		if (f->reads_sport)
			k->sport = (uint16_t)(c->src.port < 0 ? 0 : c->src.port);
	} else if (c->proto == 1 || c->proto == 58)
		k->icmp_type = c->proto == 1 ? 8 : 128; /* an echo request: what conntrack takes as new */
	if (smac && f->reads_smac)
		memcpy(k->smac, smac, 6);
	memcpy(k->saddr, c->src.ip.bytes, 16);
	memcpy(k->daddr, c->dst.ip.bytes, 16);
}

static void make_bits(const struct an_finding *c, const struct rc_key *k, const uint8_t *smac,
		      uint8_t bits[REACH_N_VARS])
{
	memset(bits, 0, REACH_N_VARS);
	bits[REACH_V_FAM] = k->fam;
	reach_set_bits(bits, REACH_V_IIF, REACH_IF_BITS, k->iif);
	reach_set_bits(bits, REACH_V_OIF, REACH_IF_BITS, k->oif);
	reach_set_bits(bits, REACH_V_CT, 3, REACH_CT_NEW);
	reach_set_bits(bits, REACH_V_PROTO, 8, c->proto);
	reach_set_bytes(bits, REACH_V_SADDR, c->src.ip.family == 6 ? 128 : 32, c->src.ip.bytes);
	reach_set_bytes(bits, REACH_V_DADDR, c->dst.ip.family == 6 ? 128 : 32, c->dst.ip.bytes);
	if (an_proto_has_ports(c->proto)) {
		reach_set_bits(bits, REACH_V_SPORT, 16, (unsigned)(c->src.port < 0 ? 0 : c->src.port));
		reach_set_bits(bits, REACH_V_DPORT, 16, k->dport);
	} else if (c->proto == 1 || c->proto == 58)
		reach_set_bits(bits, REACH_V_SPORT, 8, k->icmp_type);
	if (c->proto == 6)
		reach_set_bits(bits, REACH_V_TCPFL, 8, 0x02); /* SYN */
	if (smac)
		reach_set_bytes(bits, REACH_V_SMAC, 48, smac);
}

static uint32_t key_hash(const struct rc_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

static void record_step(void *arg, uint32_t chain, size_t rule, const char *verdict)
{
	struct an_rverdict *v = arg;

	if (v->n_steps < AN_RVERDICT_STEPS) {
		v->steps[v->n_steps].chain = chain;
		v->steps[v->n_steps].rule = rule;
		v->steps[v->n_steps].verdict = verdict;
		v->n_steps++;
	}
}

static void judge_fw(struct rc_fw *f, size_t index, const struct an_finding *c, unsigned iif, unsigned oif,
		     struct an_rverdict *ret)
{
	const uint8_t *smac = source_mac(f->c.fw, c);
	struct rc_key k;

	make_key(f, c, iif, oif, smac, &k);
	struct rc_slot *slot = &f->cache[key_hash(&k) & (CACHE_SLOTS - 1)];
	if (slot->used && memcmp(&slot->key, &k, sizeof(k)) == 0) {
		*ret = slot->v;
		return;
	}
	uint8_t bits[REACH_N_VARS];
	make_bits(c, &k, smac, bits);
	memset(ret, 0, sizeof(*ret));
	ret->fw = index;
	bdd_maybe_gc(f->c.m); /* what a trace builds (verdict map elements) is not kept */
	f->c.r.trace_approx = false;
	struct reach_trace t = {record_step, ret};
	ret->accept = reach_trace(&f->c.r, bits, &t);
	ret->approximate = f->c.r.trace_approx;
	slot->used = true;
	slot->key = k;
	slot->v = *ret;
}

bool an_rulesets_judge(struct an_rulesets *s, const struct an_finding *c, struct an_rverdict *ret)
{
	bool found = false;

	if (!s || !c->src.zone || !c->dst.zone || !c->src.has_ip || !c->dst.has_ip || c->src.ip.family != c->dst.ip.family)
		return false;
	for (size_t i = 0; i < s->n_fws; i++) {
		struct rc_fw *f = &s->fws[i];
		int a = f->face[c->src.zone->index], b = f->face[c->dst.zone->index];
		struct an_rverdict v;

		/* not across it, or to or from its own addresses (the endpoints' host is the firewall's) */
		if (a < 0 || b < 0 || a == b || (f->c.fw->host && (c->src.host == f->c.fw->host || c->dst.host == f->c.fw->host)))
			continue;
		judge_fw(f, i, c, (unsigned)a, (unsigned)b, &v);
		if (!found || (ret->accept && !v.accept))
			*ret = v;
		found = true;
		if (!v.accept)
			break;
	}
	return found;
}

static size_t use_slot(const struct rc_fw *f, uint32_t chain, size_t rule)
{
	if (chain == REACH_NO_CHAIN)
		return f->n_uses - 2;
	if (chain >= f->rs->n_chains)
		return f->n_uses - 1;
	return f->base[chain] + (rule == SIZE_MAX ? f->rs->chains[chain].n_rules : rule);
}

void an_rulesets_count(struct an_rulesets *s, const struct an_rverdict *v, bool forbidden)
{
	struct rc_fw *f = &s->fws[v->fw];

	f->connections++;
	for (unsigned i = 0; i < v->n_steps; i++) {
		size_t k = use_slot(f, v->steps[i].chain, v->steps[i].rule);
		f->uses[k][0]++;
		f->uses[k][1] += forbidden;
	}
}

int an_rulesets_attach(const struct an_rulesets *s, const struct an_rverdict *v, struct an_finding *f)
{
	struct rc_fw *x = &s->fws[v->fw];

	f->fw = x->c.fw;
	f->has_verdict = true;
	f->verdict_accept = v->accept;
	f->approximate = v->approximate;
	x->c.err = 0;
	for (unsigned i = 0; i < v->n_steps; i++)
		if (vf_add_rule(&x->c, f, v->steps[i].chain, v->steps[i].rule, v->steps[i].verdict) < 0)
			return -ENOMEM;
	return 0;
}

/* ----------------------------------------------------------------- usage */

void an_fw_usage_free(struct an_fw_usage *u, size_t n)
{
	if (!u)
		return;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < u[i].n_rules; j++) {
			free(u[i].rules[j].rule.location);
			free(u[i].rules[j].rule.chain);
			free(u[i].rules[j].rule.text);
		}
		free(u[i].rules);
	}
	free(u);
}

static int add_use(struct rc_fw *f, struct an_fw_usage *u, uint32_t chain, size_t rule, size_t slot)
{
	struct an_finding tmp = {0};

	f->c.err = 0;
	if (vf_add_rule(&f->c, &tmp, chain, rule, NULL) < 0 || tmp.n_rules != 1) {
		free(tmp.rules);
		return -ENOMEM;
	}
	u->rules[u->n_rules++] = (struct an_rule_use){tmp.rules[0], f->uses[slot][0], f->uses[slot][1]};
	free(tmp.rules);
	return 0;
}

int an_rulesets_usage(const struct an_rulesets *s, struct an_fw_usage **ret, size_t *n)
{
	struct an_fw_usage *u = calloc(s->n_fws + 1, sizeof(*u));
	int r = 0;

	if (!u)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_fws && r >= 0; i++) {
		struct rc_fw *f = &s->fws[i];
		const struct rs_ruleset *rs = f->rs;

		u[i].fw = f->c.fw;
		u[i].source = rs->source;
		u[i].connections = f->connections;
		if (!(u[i].rules = calloc(f->n_uses, sizeof(*u[i].rules)))) {
			r = -ENOMEM;
			break;
		}
		for (uint32_t ch = 0; ch < rs->n_chains && r >= 0; ch++) {
			if (!f->on_path[ch])
				continue;
			for (size_t k = 0; k < rs->chains[ch].n_rules && r >= 0; k++)
				r = add_use(f, &u[i], ch, k, f->base[ch] + k);
			if (r >= 0 && rs->chains[ch].hook != RS_HOOK_NONE)
				r = add_use(f, &u[i], ch, SIZE_MAX, f->base[ch] + rs->chains[ch].n_rules);
		}
		/* no base chain for the packet's family: listed when it decided */
		if (r >= 0 && f->uses[f->n_uses - 2][0])
			r = add_use(f, &u[i], REACH_NO_CHAIN, 0, f->n_uses - 2);
	}
	if (r < 0) {
		an_fw_usage_free(u, s->n_fws);
		return r;
	}
	*ret = u;
	*n = s->n_fws;
	return 0;
}
