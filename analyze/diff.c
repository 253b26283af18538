/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Change review (analyze.h, "diff"; docs/diff.md): two rulesets of one
 * firewall, modelled as verify models them (verify-internal.h) in one BDD
 * manager, so that what the forward path lets through before and after is
 * compared exactly: opened = after ∖ before, closed = before ∖ after, per
 * pair of areas the firewall's interfaces face, both directions, IPv4 and
 * IPv6.  Each change is one record (a struct an_finding with `change`
 * set): opened packets that break the policy carry the RULESET-* check
 * they violate, those a declared flow permits name it; closed packets that
 * carried a declared flow are RULESET-FLOW-BLOCKED.  The packet set is
 * summarised as a reviewer reads it (protocols, destination ports,
 * source and destination prefixes).  Rule-level changes (added, removed,
 * moved, by the rule's text in its chain) come after.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify-internal.h"

#define LIST_MAX 8 /* ports or prefixes named in a summary before "…" */

struct an_dreport {
	const struct topo_site *site;
	struct an_finding **findings;
	size_t n_findings, cap_findings;
	struct an_rule_change *rc;
	size_t n_rc, cap_rc;
	uint64_t counts[_AN_CHECK_MAX];
	uint64_t opened, closed;
	struct an_input *inputs;
	size_t n_inputs;
	uint64_t generated_ns, started_ns;
	const struct topo_firewall **fws; /* reviewed */
	size_t n_fws;
	bool oom;
	bool by_topology;
};

/* ---------------------------------------------------- a set, summarised */

struct strbuf {
	char s[1024];
	size_t n;
	unsigned items, more;
};

static void sb_add(struct strbuf *b, const char *sep, const char *item)
{
	if (b->items >= LIST_MAX) {
		b->more++;
		return;
	}
	int k = snprintf(b->s + b->n, sizeof(b->s) - b->n, "%s%s", b->items ? sep : "", item);
	if (k > 0 && b->n + (size_t)k < sizeof(b->s))
		b->n += (size_t)k;
	b->items++;
}

/* ∃ every variable outside [v0, v0 + n) */
static bdd_t project(struct bdd *m, bdd_t s, unsigned v0, unsigned n)
{
	int8_t lit[REACH_N_VARS];

	for (unsigned v = 0; v < REACH_N_VARS; v++)
		lit[v] = v >= v0 && v < v0 + n ? -1 : 1;
	return bdd_exists(m, s, bdd_cube(m, lit));
}

/* The prefixes of a set over the variables [v0, v0 + n) (all others
 * quantified away): each path to TRUE whose free variables are a suffix
 * is one prefix; a variable skipped above constrained ones is split. */
struct prefix_walk {
	struct bdd *m;
	unsigned v0, n;
	uint8_t bits[128];
	void (*emit)(struct prefix_walk *w, unsigned len);
	void *arg;
	unsigned count;
};

static void prefixes(struct prefix_walk *w, bdd_t a, unsigned depth)
{
	if (a == BDD_FALSE || w->count > 4 * LIST_MAX)
		return;
	if (a == BDD_TRUE || depth == w->n) {
		w->count++;
		w->emit(w, depth);
		return;
	}
	unsigned v = bdd_var(w->m, a) - w->v0;
	if (v > depth) { /* this bit is free, a lower one is not */
		for (uint8_t b = 0; b < 2; b++) {
			w->bits[depth] = b;
			prefixes(w, a, depth + 1);
		}
		return;
	}
	w->bits[depth] = 0;
	prefixes(w, bdd_low(w->m, a), depth + 1);
	w->bits[depth] = 1;
	prefixes(w, bdd_high(w->m, a), depth + 1);
}

struct port_ranges {
	unsigned lo[4 * LIST_MAX + 1], hi[4 * LIST_MAX + 1];
	unsigned n;
};

static void emit_port(struct prefix_walk *w, unsigned len)
{
	struct port_ranges *r = w->arg;
	unsigned v = 0;

	for (unsigned i = 0; i < len; i++)
		v = v << 1 | w->bits[i];
	unsigned lo = v << (16 - len), hi = lo | ((1u << (16 - len)) - 1);
	if (r->n && r->hi[r->n - 1] + 1 == lo) /* in order: adjacent ones merge */
		r->hi[r->n - 1] = hi;
	else if (r->n < sizeof(r->lo) / sizeof(r->lo[0])) {
		r->lo[r->n] = lo;
		r->hi[r->n++] = hi;
	}
}

static void emit_addr(struct prefix_walk *w, unsigned len)
{
	struct strbuf *b = w->arg;
	struct topo_addr a = {.family = w->n == 32 ? 4 : 6};
	char s[TOPO_ADDR_STRLEN + 8], ip[TOPO_ADDR_STRLEN];

	for (unsigned i = 0; i < len; i++)
		if (w->bits[i])
			a.bytes[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	if (len == 0)
		snprintf(s, sizeof(s), "%s", w->n == 32 ? "0.0.0.0/0" : "::/0");
	else if (len == w->n)
		snprintf(s, sizeof(s), "%s", topo_addr_format(&a, ip));
	else
		snprintf(s, sizeof(s), "%s/%u", topo_addr_format(&a, ip), len);
	sb_add(b, ",", s);
}

/* The firewall's own addresses are never forwarded to or from: the
 * prefixes are read with them filled in (10.20.0.0/16, not 10.20.0.0,
 * 10.20.0.2/31, …). */
static void addrs(struct fw_ctx *c, bdd_t s, unsigned var, const struct topo_area *area, bdd_t area_set,
		  struct strbuf *b)
{
	struct bdd *m = c->m;
	bdd_t own = bdd_and(m, var == REACH_V_SADDR ? c->own_src : c->own, area_set); /* the holes in the area only */

	/* all of the area, the firewall's own addresses aside: its name (the
	 * Internet is everything else: no list of prefixes says it better) */
	bdd_t fams = BDD_FALSE; /* the families s has */
	for (int fam = 0; fam < 2; fam++)
		if (bdd_and(m, s, c->r.fam[fam]) != BDD_FALSE)
			fams = bdd_or(m, fams, c->r.fam[fam]);
	bdd_t p = project(m, bdd_and(m, s, fams), var, 128), whole = project(m, bdd_and(m, area_set, fams), var, 128);
	if (area && bdd_diff(m, whole, bdd_or(m, p, project(m, bdd_and(m, own, fams), var, 128))) == BDD_FALSE) {
		char name[300], ip[TOPO_ADDR_STRLEN];
		if (area->kind == TOPO_KIND_INTERNET_WAN)
			snprintf(name, sizeof(name), "the Internet");
		else {
			int k = snprintf(name, sizeof(name), "%s (", area->name);
			for (size_t i = 0; i < area->n_segments && i < 4 && k > 0 && (size_t)k < sizeof(name); i++) {
				const struct topo_addr *x = &area->segments[i].addr;
				if (bdd_and(m, fams, c->r.fam[x->family == 6]) == BDD_FALSE)
					continue; /* a family the set does not have */
				k += snprintf(name + k, sizeof(name) - (size_t)k, "%s%s/%u", name[k - 1] == '(' ? "" : ",",
					      topo_addr_format(x, ip), area->segments[i].prefix);
			}
			if (k > 0 && (size_t)k < sizeof(name) - 1)
				snprintf(name + k, sizeof(name) - (size_t)k, ")");
		}
		sb_add(b, ",", name);
		return;
	}
	for (int fam = 0; fam < 2; fam++) {
		bdd_t f = bdd_and(m, s, c->r.fam[fam]);
		if (f == BDD_FALSE)
			continue;
		unsigned n = fam ? 128 : 32;
		/* with the holes filled, when that says it in fewer prefixes */
		struct strbuf plain = *b, filled = *b;
		bdd_t q = project(m, f, var, n), qf = bdd_or(m, q, project(m, bdd_and(m, own, c->r.fam[fam]), var, n));
		struct prefix_walk w = {.m = m, .v0 = var, .n = n, .emit = emit_addr, .arg = &plain};
		prefixes(&w, q, 0);
		struct prefix_walk wf = {.m = m, .v0 = var, .n = n, .emit = emit_addr, .arg = &filled};
		prefixes(&wf, qf, 0);
		*b = wf.count < w.count ? filled : plain;
	}
}

/* "tcp 443,8000-8080 from 10.20.0.0/16 to 10.30.2.1" */
static void summarise(struct fw_ctx *c, bdd_t s, const struct topo_area *a, const struct topo_area *b, char *out,
		      size_t len)
{
	static const struct {
		uint8_t p;
		const char *name;
	} protos[] = {{6, "tcp"}, {17, "udp"}, {1, "icmp"}, {58, "icmpv6"}};
	struct bdd *m = c->m;
	struct strbuf pr = {0}, src = {0}, dst = {0};
	bdd_t known = BDD_FALSE, ported = BDD_FALSE;
	char ports[1100] = "";

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		bdd_t p = bdd_uint(m, REACH_V_PROTO, 8, protos[i].p);
		known = bdd_or(m, known, p);
		if (bdd_and(m, s, p) == BDD_FALSE)
			continue;
		sb_add(&pr, ",", protos[i].name);
		if (protos[i].p == 6 || protos[i].p == 17)
			ported = bdd_or(m, ported, p);
	}
	if (bdd_diff(m, s, known) != BDD_FALSE)
		sb_add(&pr, ",", "other protocols");
	bdd_t sp = bdd_and(m, s, ported);
	if (sp != BDD_FALSE) {
		struct port_ranges r = {0};
		struct prefix_walk w = {.m = m, .v0 = REACH_V_DPORT, .n = 16, .emit = emit_port, .arg = &r};
		bdd_t d = project(m, sp, REACH_V_DPORT, 16);
		if (d == BDD_TRUE)
			snprintf(ports, sizeof(ports), " any port");
		else {
			struct strbuf pb = {0};
			prefixes(&w, d, 0);
			for (unsigned i = 0; i < r.n; i++) {
				char x[16];
				if (r.lo[i] == r.hi[i])
					snprintf(x, sizeof(x), "%u", r.lo[i]);
				else
					snprintf(x, sizeof(x), "%u-%u", r.lo[i], r.hi[i]);
				sb_add(&pb, ",", x);
			}
			if (w.count > 4 * LIST_MAX)
				pb.more++;
			snprintf(ports, sizeof(ports), " %s%s", pb.s, pb.more ? ",…" : "");
		}
	}
	addrs(c, s, REACH_V_SADDR, a, c->src_in[a->index], &src);
	addrs(c, s, REACH_V_DADDR, b, c->dst_in[b->index], &dst);
	snprintf(out, len, "%s%s from %s%s to %s%s", pr.s, ports, src.s, src.more ? ",…" : "", dst.s,
		 dst.more ? ",…" : "");
}

/* ------------------------------------------------------------- records */

static struct an_finding *add_record(struct an_dreport *rep)
{
	if (rep->n_findings == rep->cap_findings) {
		size_t cap = rep->cap_findings ? 2 * rep->cap_findings : 16;
		struct an_finding **n = realloc(rep->findings, cap * sizeof(*n));
		if (!n)
			return NULL;
		rep->findings = n;
		rep->cap_findings = cap;
	}
	struct an_finding *f = an_finding_new();
	if (f)
		rep->findings[rep->n_findings++] = f;
	return f;
}

static int record_to(struct an_dreport *rep, struct fw_ctx *c, enum an_change change, int check,
		     const struct topo_flow *flow, const struct topo_area *a, const struct topo_area *b, bdd_t s,
		     bool local);

/* One change: s (non-empty) between areas a → b, judged in ctx c (the
 * after-ruleset's for opened, the before-ruleset's for closed). */
static int record(struct an_dreport *rep, struct fw_ctx *c, enum an_change change, int check,
		  const struct topo_flow *flow, const struct topo_area *a, const struct topo_area *b, bdd_t s)
{
	return record_to(rep, c, change, check, flow, a, b, s, false);
}

/* record(), local: s goes to the firewall's own addresses (the input hook) */
static int record_to(struct an_dreport *rep, struct fw_ctx *c, enum an_change change, int check,
		     const struct topo_flow *flow, const struct topo_area *a, const struct topo_area *b, bdd_t s,
		     bool local)
{
	char sum[4200];
	uint8_t bits[REACH_N_VARS];
	struct an_finding *f = add_record(rep);

	if (!f)
		return -ENOMEM;
	f->change = change;
	f->by_topology = rep->by_topology;
	f->fw = c->fw;
	f->src.zone = a;
	f->dst.zone = b;
	f->flow = flow;
	f->has_check = check >= 0;
	f->check = check >= 0 ? (enum an_check)check : AN_CHECK_RULESET_MYNUMBER_OPEN;
	f->approximate = c->sum->unsupported_rules > 0;
	c->err = 0;
	f->has_example = vf_pick_example(c, s, a, b, &f->example, bits);
	if (f->has_example)
		vf_trace_example(c, bits, f);
	summarise(c, s, a, b, sum, sizeof(sum));
	if (local) {
		size_t n = strlen(sum);
		snprintf(sum + n, sizeof(sum) - n, " (%s itself)", c->fw->name);
	}
	f->detail = strdup(sum);
	if (!f->detail || c->err)
		return -ENOMEM;
	if (check >= 0)
		rep->counts[check]++;
	if (change == AN_CHANGE_OPENED)
		rep->opened++;
	else
		rep->closed++;
	return 0;
}

/* the first declared flow that s lies in */
static const struct topo_flow *serving_flow(struct fw_ctx *c, bdd_t s)
{
	for (size_t i = 0; i < topo_site_n_flows(c->site); i++) {
		const struct topo_flow *fl = topo_site_flow(c->site, i);
		if (bdd_and(c->m, s, vf_flow_bdd(c, fl)) != BDD_FALSE)
			return fl;
	}
	return NULL;
}

/* ------------------------------------------------------- rule changes */

static int add_rc(struct an_dreport *rep, const struct topo_firewall *fw, const char *what, const char *chain,
		  const char *text, const char *before, const char *after)
{
	if (rep->n_rc == rep->cap_rc) {
		size_t cap = rep->cap_rc ? 2 * rep->cap_rc : 16;
		struct an_rule_change *n = realloc(rep->rc, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		rep->rc = n;
		rep->cap_rc = cap;
	}
	struct an_rule_change *x = &rep->rc[rep->n_rc++];
	*x = (struct an_rule_change){.fw = fw, .change = what};
	x->chain = strdup(chain);
	x->text = strdup(text);
	x->before = before ? strdup(before) : NULL;
	x->after = after ? strdup(after) : NULL;
	return x->chain && x->text && (!before || x->before) && (!after || x->after) ? 0 : -ENOMEM;
}

#define LCS_MAX_CELLS (4u << 20) /* longer chains: added and removed only */

/* Rules by their text within the chain of the same name: a rule only on
 * one side was added or removed; of the rules on both, those outside the
 * longest common subsequence of the two chains were moved (their order
 * against the others changed; an insertion moves nothing). */
static int chain_changes(struct an_dreport *rep, const struct topo_firewall *fw, const struct rs_ruleset *a,
			 uint32_t ia, const struct rs_ruleset *b, uint32_t ib, const char *chain, bool crossings_changed)
{
	size_t n = ia == UINT32_MAX ? 0 : a->chains[ia].n_rules, k = ib == UINT32_MAX ? 0 : b->chains[ib].n_rules;
	char **ta = calloc(n + 1, sizeof(char *)), **tb = calloc(k + 1, sizeof(char *));
	uint8_t *in_a = calloc(n + 1, 1), *in_b = calloc(k + 1, 1);
	char buf[1024], la[512], lb[512];
	int r = 0;

	if (!ta || !tb || !in_a || !in_b)
		r = -ENOMEM;
	for (size_t i = 0; i < n && r >= 0; i++)
		if (!(ta[i] = strdup(rs_rule_format(a, &a->chains[ia].rules[i], buf, sizeof(buf)))))
			r = -ENOMEM;
	for (size_t j = 0; j < k && r >= 0; j++)
		if (!(tb[j] = strdup(rs_rule_format(b, &b->chains[ib].rules[j], buf, sizeof(buf)))))
			r = -ENOMEM;
	/* the longest common subsequence: in_a/in_b mark its members */
	uint32_t *L = r >= 0 && (n + 1) * (k + 1) <= LCS_MAX_CELLS ? calloc((n + 1) * (k + 1), sizeof(uint32_t)) : NULL;
	if (L) {
		for (size_t i = n; i-- > 0;)
			for (size_t j = k; j-- > 0;)
				L[i * (k + 1) + j] = !strcmp(ta[i], tb[j]) ? L[(i + 1) * (k + 1) + j + 1] + 1
					: L[(i + 1) * (k + 1) + j] > L[i * (k + 1) + j + 1] ? L[(i + 1) * (k + 1) + j]
											  : L[i * (k + 1) + j + 1];
		for (size_t i = 0, j = 0; i < n && j < k;) {
			if (!strcmp(ta[i], tb[j])) {
				in_a[i++] = in_b[j++] = 1;
			} else if (L[(i + 1) * (k + 1) + j] >= L[i * (k + 1) + j + 1])
				i++;
			else
				j++;
		}
	}
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (in_a[i])
			continue;
		size_t found = SIZE_MAX;
		for (size_t j = 0; j < k && found == SIZE_MAX; j++)
			if (!in_b[j] && !strcmp(ta[i], tb[j]))
				found = j;
		rs_rule_location(a, ia, i, la, sizeof(la));
		if (found == SIZE_MAX)
			r = add_rc(rep, fw, "removed", chain, ta[i], la, NULL);
		else {
			in_b[found] = 1;
			rs_rule_location(b, ib, found, lb, sizeof(lb));
			if (L && (r = add_rc(rep, fw, "moved", chain, ta[i], la, lb)) >= 0)
				rep->rc[rep->n_rc - 1].no_effect = !crossings_changed;
		}
	}
	for (size_t j = 0; j < k && r >= 0; j++)
		if (!in_b[j]) {
			rs_rule_location(b, ib, j, lb, sizeof(lb));
			r = add_rc(rep, fw, "added", chain, tb[j], NULL, lb);
		}
	for (size_t i = 0; i < n; i++)
		free(ta ? ta[i] : NULL);
	for (size_t j = 0; j < k; j++)
		free(tb ? tb[j] : NULL);
	free(ta);
	free(tb);
	free(in_a);
	free(in_b);
	free(L);
	return r;
}

static int rule_changes(struct an_dreport *rep, const struct topo_firewall *fw, const struct rs_ruleset *a,
			const struct rs_ruleset *b, bool crossings_changed)
{
	char ca[256], cb[256];
	int r = 0;

	for (uint32_t i = 0; i < a->n_chains && r >= 0; i++) {
		rs_chain_describe(a, i, ca, sizeof(ca));
		uint32_t j = UINT32_MAX;
		for (uint32_t x = 0; x < b->n_chains && j == UINT32_MAX; x++)
			if (!strcmp(rs_chain_describe(b, x, cb, sizeof(cb)), ca))
				j = x;
		r = chain_changes(rep, fw, a, i, b, j, ca, crossings_changed);
	}
	for (uint32_t j = 0; j < b->n_chains && r >= 0; j++) { /* chains only after */
		rs_chain_describe(b, j, cb, sizeof(cb));
		bool known = false;
		for (uint32_t x = 0; x < a->n_chains && !known; x++)
			known = !strcmp(rs_chain_describe(a, x, ca, sizeof(ca)), cb);
		if (!known)
			r = chain_changes(rep, fw, a, UINT32_MAX, b, j, cb, crossings_changed);
	}
	return r;
}

/* ----------------------------------------------------------- one firewall */

/*
 * A topology change (--after-topology): the policy is what moved, so the
 * sets compared are, per pair of the new topology's areas (the old one's
 * of the same names), what the firewall lets through that the policy
 * forbids, what it lets through that a declared flow permits, and the
 * declared flows' packets it drops:
 *   opened, with a check  passes and is forbidden now, was not before
 *                         (a flow withdrawn, a subnet moved into a tier);
 *   opened, no check      passes and a declared flow permits it now, did
 *                         not before (a new exception makes an accept legal);
 *   closed                a declared flow's packets it drops, not so before
 *                         (RULESET-FLOW-BLOCKED: a new path nobody opened);
 *   closed, no check      passed before and is dropped now, outside any flow.
 * With one topology these are the ruleset diff's own sets (below).
 */
static bdd_t pair_sel(struct fw_ctx *c, long a, long b)
{
	struct bdd *m = c->m;

	if (a < 0 || b < 0 || a == b || c->iif_of[a] == BDD_FALSE || c->oif_of[b] == BDD_FALSE)
		return BDD_FALSE;
	return bdd_and(m, bdd_and(m, c->src_in[a], c->iif_of[a]), bdd_and(m, c->dst_in[b], c->oif_of[b]));
}

static long area_named(const struct topo_site *site, const char *name)
{
	for (size_t i = 0; i < topo_site_n_areas(site); i++)
		if (strcmp(topo_site_area(site, i)->name, name) == 0)
			return (long)i;
	return -1;
}

/* what c's ruleset drops of its declared flows' first packets (as verify's RULESET-FLOW-BLOCKED) */
static bdd_t flows_dropped(struct fw_ctx *c)
{
	struct bdd *m = c->m;

	return bdd_diff(m, bdd_and(m, c->permitted, bdd_or(m, c->r0, c->images)), c->passed);
}

/*
 * One area pair's records from the two sides (the formulas above): sa, sb
 * the pair on each side (rooted by the caller), pass_a, pass_b what each
 * side lets through, drop_a, drop_b the declared flows' packets each drops.
 * Opened records are judged in B, closed ones in closer.
 */
static int pair_records(struct an_dreport *rep, struct fw_ctx *A, struct fw_ctx *B, struct fw_ctx *closer,
			const struct topo_area *x, const struct topo_area *y, int check, bool local, bdd_t sa, bdd_t sb,
			bdd_t pass_a, bdd_t pass_b, bdd_t drop_a, bdd_t drop_b)
{
	struct bdd *m = A->m;
	size_t mark = bdd_root_mark(m);
	int r = 0;

	bdd_t pa = bdd_and(m, pass_a, sa);
	bdd_root_push(m, &pa);
	bdd_t pb = bdd_and(m, pass_b, sb);
	bdd_root_push(m, &pb);
	bdd_t bad = bdd_diff(m, bdd_diff(m, pb, B->permitted), bdd_diff(m, pa, A->permitted));
	bdd_root_push(m, &bad);
	bdd_t ok = bdd_diff(m, bdd_and(m, pb, B->permitted), bdd_and(m, pa, A->permitted));
	bdd_root_push(m, &ok);
	bdd_t blk = bdd_diff(m, bdd_and(m, drop_b, sb), bdd_and(m, drop_a, sa));
	bdd_root_push(m, &blk);
	bdd_t rest = bdd_diff(m, bdd_diff(m, pa, pass_b), A->permitted);
	bdd_root_push(m, &rest);
	if (bad != BDD_FALSE)
		r = record_to(rep, B, AN_CHANGE_OPENED, check, NULL, x, y, bad, local);
	if (r >= 0 && ok != BDD_FALSE)
		r = record_to(rep, B, AN_CHANGE_OPENED, -1, serving_flow(B, ok), x, y, ok, local);
	if (r >= 0 && blk != BDD_FALSE)
		r = record_to(rep, closer, AN_CHANGE_CLOSED, AN_CHECK_RULESET_FLOW_BLOCKED, serving_flow(closer, blk), x, y,
			      blk, local);
	if (r >= 0 && rest != BDD_FALSE)
		r = record_to(rep, closer, AN_CHANGE_CLOSED, -1, NULL, x, y, rest, local);
	bdd_root_pop(m, mark);
	return r;
}

static int topology_pairs(struct an_dreport *rep, struct fw_ctx *A, struct fw_ctx *B)
{
	struct bdd *m = A->m;
	bdd_t drop_a = BDD_FALSE, drop_b = BDD_FALSE;
	int r = 0;

	vf_keep(A, &drop_a);
	vf_keep(A, &drop_b);
	drop_a = flows_dropped(A);
	drop_b = flows_dropped(B);
	for (size_t a = 0; a < B->n_areas && r >= 0; a++)
		for (size_t b = 0; b < B->n_areas && r >= 0; b++) {
			const struct topo_area *x = topo_site_area(B->site, a), *y = topo_site_area(B->site, b);
			bdd_maybe_gc(m);
			bdd_t sb = pair_sel(B, (long)a, (long)b);
			if (sb == BDD_FALSE)
				continue;
			size_t mark = bdd_root_mark(m);
			bdd_root_push(m, &sb);
			bdd_t sa = pair_sel(A, area_named(A->site, x->name), area_named(A->site, y->name));
			bdd_root_push(m, &sa);
			r = pair_records(rep, A, B, B, x, y, vf_pair_check(x, y), false, sa, sb, A->passed, B->passed, drop_a,
					 drop_b);
			bdd_root_pop(m, mark);
		}
	return r;
}

/*
 * The local path (the input hook): first packets to the firewall's own
 * addresses, from each area it faces, one record per source area with the
 * host's zone as the destination (as verify's RULESET-INBOUND-OPEN; the
 * packets name the addresses) — compared as
 * the forward path is (with one topology these are after ∖ before and
 * before ∖ after).  What the Internet line newly lets in beyond the
 * declared flows is RULESET-INBOUND-OPEN, as verify says; from the site's
 * own areas no check judges it (the spec names none): an opened record
 * without a check.  A declared flow to the firewall it now drops is
 * RULESET-FLOW-BLOCKED.
 */
static int local_pairs(struct an_dreport *rep, struct fw_ctx *A, struct reach_walk *wa, struct fw_ctx *B,
		       struct reach_walk *wb)
{
	struct bdd *m = A->m;
	bdd_t ia = vf_walk_local(A, wa), ib = vf_walk_local(B, wb), drop_a = BDD_FALSE, drop_b = BDD_FALSE;
	bool topo = A->site != B->site;
	int r = 0;

	if (ia == BDD_FALSE && ib == BDD_FALSE)
		return bdd_full(m) ? -E2BIG : 0;
	vf_keep(A, &ia);
	vf_keep(A, &ib);
	vf_keep(A, &drop_a);
	vf_keep(A, &drop_b);
	drop_a = bdd_diff(m, bdd_and(m, ia, A->permitted), A->passed_local);
	drop_b = bdd_diff(m, bdd_and(m, ib, B->permitted), B->passed_local);
	const struct topo_area *y = B->fw->host ? B->fw->host->zone : NULL;
	for (size_t a = 0; a < B->n_areas && r >= 0 && y; a++) {
		const struct topo_area *x = topo_site_area(B->site, a);
		long xa = topo ? area_named(A->site, x->name) : (long)a;
		if (B->iif_of[a] == BDD_FALSE)
			continue;
		bdd_maybe_gc(m);
		size_t mark = bdd_root_mark(m);
		bdd_t sb = bdd_and(m, B->src_in[a], B->iif_of[a]);
		bdd_root_push(m, &sb);
		bdd_t sa = xa >= 0 && A->iif_of[xa] != BDD_FALSE ? bdd_and(m, A->src_in[xa], A->iif_of[xa]) : BDD_FALSE;
		bdd_root_push(m, &sa);
		r = pair_records(rep, A, B, topo ? B : A, x, y,
				 x->kind == TOPO_KIND_INTERNET_WAN ? (int)AN_CHECK_RULESET_INBOUND_OPEN : -1, true, sa, sb,
				 A->passed_local, B->passed_local, drop_a, drop_b);
		bdd_root_pop(m, mark);
	}
	return r;
}

static int diff_firewall(struct an_dreport *rep, const struct topo_site *site_before, const struct topo_firewall *fw,
			 const struct topo_firewall *fw_after, struct rs_ruleset *before, struct rs_ruleset *after,
			 size_t max_nodes)
{
	const struct topo_site *site = site_before;
	struct an_vreport vr = {.site = site, .max_findings = 1};
	struct an_vfw_summary sa = {.fw = fw}, sb = {.fw = fw_after};
	struct fw_ctx A = {.site = site, .fw = fw, .rs = before, .report = &vr, .sum = &sa};
	struct fw_ctx B = {.site = rep->site, .fw = fw_after, .rs = after, .report = &vr, .sum = &sb};
	int r;

	for (size_t j = 0; j < before->n_chains; j++)
		for (size_t k = 0; k < before->chains[j].n_rules; k++)
			sa.unsupported_rules += before->chains[j].rules[k].unsupported != NULL;
	for (size_t j = 0; j < after->n_chains; j++)
		for (size_t k = 0; k < after->chains[j].n_rules; k++)
			sb.unsupported_rules += after->chains[j].rules[k].unsupported != NULL;
	if ((r = vf_setup(&A, max_nodes)) < 0)
		goto out;
	B.share = A.m;
	if ((r = vf_setup(&B, max_nodes)) < 0)
		goto out;
	struct bdd *m = A.m;
	struct reach_walk wa = {.c = &A.r, .arg = &A}, wb = {.c = &B.r, .arg = &B};
	bdd_t opened = BDD_FALSE, closed = BDD_FALSE;
	vf_keep(&A, &wa.acc);
	vf_keep(&B, &wb.acc);
	vf_keep(&A, &opened);
	vf_keep(&A, &closed);
	vf_walk_forward(&A, &wa);
	vf_walk_forward(&B, &wb);
	opened = bdd_diff(m, B.passed, A.passed);
	closed = bdd_diff(m, A.passed, B.passed);

	size_t first = rep->n_findings;
	if (site_before != rep->site) {
		r = topology_pairs(rep, &A, &B);
		goto changes;
	}
	for (size_t a = 0; a < A.n_areas && r >= 0; a++)
		for (size_t b = 0; b < A.n_areas && r >= 0; b++) {
			if (a == b || A.iif_of[a] == BDD_FALSE || A.oif_of[b] == BDD_FALSE)
				continue;
			const struct topo_area *x = topo_site_area(site, a), *y = topo_site_area(site, b);
			bdd_maybe_gc(m);
			bdd_t sel = bdd_and(m, bdd_and(m, A.src_in[a], A.iif_of[a]), bdd_and(m, A.dst_in[b], A.oif_of[b]));
			bdd_t o = bdd_and(m, opened, sel), cl = bdd_and(m, closed, sel);
			size_t mark = bdd_root_mark(m);
			bdd_root_push(m, &o);
			bdd_root_push(m, &cl);
			if (o != BDD_FALSE) {
				bdd_t bad = bdd_diff(m, o, B.permitted), ok = bdd_and(m, o, B.permitted);
				bdd_root_push(m, &ok);
				if (bad != BDD_FALSE)
					r = record(rep, &B, AN_CHANGE_OPENED, vf_pair_check(x, y), NULL, x, y, bad);
				if (r >= 0 && ok != BDD_FALSE)
					r = record(rep, &B, AN_CHANGE_OPENED, -1, serving_flow(&B, ok), x, y, ok);
			}
			if (r >= 0 && cl != BDD_FALSE) {
				bdd_t blk = bdd_and(m, cl, A.permitted), rest = bdd_diff(m, cl, A.permitted);
				bdd_root_push(m, &rest);
				if (blk != BDD_FALSE)
					r = record(rep, &A, AN_CHANGE_CLOSED, AN_CHECK_RULESET_FLOW_BLOCKED, serving_flow(&A, blk), x,
						   y, blk);
				if (r >= 0 && rest != BDD_FALSE)
					r = record(rep, &A, AN_CHANGE_CLOSED, -1, NULL, x, y, rest);
			}
			bdd_root_pop(m, mark);
		}
changes:
	if (r >= 0)
		r = local_pairs(rep, &A, &wa, &B, &wb);
	if (r >= 0)
		r = rule_changes(rep, fw_after, before, after, rep->n_findings > first);
	if (r >= 0 && bdd_full(m))
		r = -E2BIG;
out:
	vf_ctx_free(&B);
	vf_ctx_free(&A);
	return r;
}

/* ------------------------------------------------------------------ run */

/* fw's namesake in the new topology, with the same interfaces (the model's
 * interface variables are their positions): 0, or -EINVAL with errbuf */
static int after_firewall(const struct topo_site *after, const struct topo_firewall *fw,
			  const struct topo_firewall **ret, char *errbuf, size_t errlen)
{
	for (size_t i = 0; i < topo_site_n_firewalls(after); i++) {
		const struct topo_firewall *f = topo_site_firewall(after, i);
		if (strcmp(f->name, fw->name) != 0)
			continue;
		bool same = f->n_ifaces == fw->n_ifaces;
		for (size_t j = 0; same && j < f->n_ifaces; j++)
			same = strcmp(f->ifaces[j].name, fw->ifaces[j].name) == 0;
		if (!same) {
			snprintf(errbuf, errlen,
				 "firewall %s has other interfaces in %s: review an interface change with sanso verify on "
				 "each topology",
				 fw->name, topo_site_path(after));
			return -EINVAL;
		}
		*ret = f;
		return 0;
	}
	snprintf(errbuf, errlen, "firewall %s is not in %s", fw->name, topo_site_path(after));
	return -EINVAL;
}

int an_diff_run(const struct an_diff_config *cfg, struct topo_diag_list *diags, struct an_dreport **ret,
		char *errbuf, size_t errlen)
{
	const struct topo_site *site = cfg->site;
	size_t n_fw = topo_site_n_firewalls(site);
	struct an_dreport *rep = calloc(1, sizeof(*rep));
	int r = 0;

	errbuf[0] = '\0';
	if (!rep || !(rep->fws = calloc(n_fw + 1, sizeof(*rep->fws))) ||
	    !(rep->inputs = calloc(2 * (cfg->n_before + cfg->n_after + n_fw) + 3, sizeof(*rep->inputs)))) {
		an_dreport_free(rep);
		return -ENOMEM;
	}
	const struct topo_site *after_site = cfg->after_site ? cfg->after_site : site;
	rep->site = after_site;
	rep->by_topology = cfg->after_site != NULL;
	rep->started_ns = an_now_ns();
	if (cfg->topology_path)
		rep->inputs[rep->n_inputs++] = (struct an_input){"topology", strdup(cfg->topology_path), false, ""};
	if (cfg->after_site)
		rep->inputs[rep->n_inputs++] =
			(struct an_input){"topology-after", strdup(topo_site_path(cfg->after_site)), false, ""};
	for (int s = 0; s < 2 && !cfg->after_site; s++) {
		const struct an_verify_source *v = s ? cfg->after : cfg->before;
		size_t n = s ? cfg->n_after : cfg->n_before;
		if (vf_check_sources(site, v, n, errbuf, errlen) < 0) {
			an_dreport_free(rep);
			return -EINVAL;
		}
		for (size_t i = 0; i < n; i++) {
			if (!vf_source_of(s ? cfg->before : cfg->after, s ? cfg->n_before : cfg->n_after, v[i].firewall)) {
				snprintf(errbuf, errlen, "firewall %s has %s but no %s: give both sides of the change",
					 v[i].firewall, s ? "--after" : "--before", s ? "--before" : "--after");
				an_dreport_free(rep);
				return -EINVAL;
			}
			if (v[i].path)
				rep->inputs[rep->n_inputs++] = (struct an_input){s ? "ruleset-after" : "ruleset-before",
										  strdup(v[i].path), false, ""};
		}
	}
	if (cfg->after_site && vf_check_sources(site, cfg->before, cfg->n_before, errbuf, errlen) < 0) {
		an_dreport_free(rep);
		return -EINVAL;
	}
	for (size_t i = 0; i < n_fw && r >= 0; i++) {
		const struct topo_firewall *fw = topo_site_firewall(site, i), *fa = fw, *from = fw;
		const struct an_verify_source *b = vf_source_of(cfg->before, cfg->n_before, fw->name);
		const struct an_verify_source *a = vf_source_of(cfg->after, cfg->n_after, fw->name);
		struct rs_ruleset *rb = NULL, *ra = NULL;
		if (cfg->after_site) {
			/* the same rulesets under both topologies: --before, --live, or each topology's ruleset: */
			if (!b && !fw->ruleset_path)
				continue;
			if ((r = after_firewall(cfg->after_site, fw, &fa, errbuf, errlen)) < 0)
				break;
			a = b;
			from = a || fa->ruleset_path ? fa : fw; /* the new topology names no ruleset: the old one's */
			if (b && b->path)
				rep->inputs[rep->n_inputs++] = (struct an_input){"ruleset", strdup(b->path), false, ""};
			else if (!b && strcmp(fw->ruleset_path, from->ruleset_path) == 0)
				rep->inputs[rep->n_inputs++] = (struct an_input){"ruleset", strdup(fw->ruleset_path), false, ""};
			else if (!b) {
				rep->inputs[rep->n_inputs++] = (struct an_input){"ruleset-before", strdup(fw->ruleset_path), false, ""};
				rep->inputs[rep->n_inputs++] = (struct an_input){"ruleset-after", strdup(from->ruleset_path), false, ""};
			}
		} else if (!a || !b)
			continue;
		r = vf_load_ruleset(fw, b, &rb, diags);
		if (r >= 0)
			r = vf_load_ruleset(from, a, &ra, diags);
		if (r < 0) {
			snprintf(errbuf, errlen, "a ruleset of firewall %s can't be read", fw->name);
		} else {
			rep->fws[rep->n_fws++] = fa;
			r = diff_firewall(rep, site, fw, fa, rb, ra, cfg->max_nodes ? cfg->max_nodes : (size_t)1 << 23);
			if (r == -E2BIG)
				snprintf(errbuf, errlen, "firewall %s: the rulesets are too large to compare within the memory bound",
					 fw->name);
			else if (r < 0)
				snprintf(errbuf, errlen, "firewall %s: %s", fw->name, strerror(-r));
		}
		rs_ruleset_free(rb);
		rs_ruleset_free(ra);
	}
	for (size_t i = 0; i < rep->n_inputs && r >= 0; i++)
		if (!rep->inputs[i].path)
			r = -ENOMEM;
	if (r < 0) {
		an_dreport_free(rep);
		return r;
	}
	struct an_hash_job *h = an_hash_start(rep->inputs, rep->n_inputs);
	an_hash_join(h);
	rep->generated_ns = an_now_ns() / 1000 * 1000;
	*ret = rep;
	return 0;
}

void an_dreport_free(struct an_dreport *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_findings; i++)
		an_finding_free(r->findings[i]);
	free(r->findings);
	for (size_t i = 0; i < r->n_rc; i++) {
		free(r->rc[i].chain);
		free(r->rc[i].text);
		free(r->rc[i].before);
		free(r->rc[i].after);
	}
	free(r->rc);
	for (size_t i = 0; i < r->n_inputs; i++)
		free(r->inputs[i].path);
	free(r->inputs);
	free(r->fws);
	free(r);
}

enum an_severity an_change_severity(const struct an_finding *f, bool *none)
{
	*none = !f->has_check;
	if (!f->has_check)
		return AN_SEV_LOW;
	if (f->check == AN_CHECK_RULESET_FLOW_BLOCKED && f->flow &&
	    (f->flow->kind == TOPO_FLOW_MAIL_TEXT || f->flow->kind == TOPO_FLOW_FILE_CDR ||
	     f->flow->kind == TOPO_FLOW_SCREEN_TRANSFER))
		return AN_SEV_MEDIUM; /* a sanitizing or screen-transfer path cut: the work stops */
	return an_check_severity(f->check);
}

uint64_t an_dreport_opened_at_least(const struct an_dreport *r, enum an_severity sev)
{
	uint64_t n = 0;
	bool none;

	for (size_t i = 0; i < r->n_findings; i++)
		if (r->findings[i]->change == AN_CHANGE_OPENED && an_change_severity(r->findings[i], &none) >= sev && !none)
			n++;
	return n;
}

void an_dreport_view(const struct an_dreport *r, struct an_view *ret)
{
	*ret = (struct an_view){
		.kind = AN_VIEW_DIFF,
		.site = r->site,
		.findings = (const struct an_finding *const *)r->findings,
		.n_findings = r->n_findings,
		.counts = r->counts,
		.inputs = r->inputs,
		.n_inputs = r->n_inputs,
		.generated_ns = r->generated_ns,
		.seconds = r->generated_ns > r->started_ns ? (double)(r->generated_ns - r->started_ns) / 1e9 : 0,
		.rule_changes = r->rc,
		.n_rule_changes = r->n_rc,
		.diffed = r->fws,
		.n_diffed = r->n_fws,
		.opened = r->opened,
		.closed = r->closed,
	};
}
