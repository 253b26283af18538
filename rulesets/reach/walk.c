/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a ruleset does to packets (reach.h): the walk over base chains in
 * the kernel's order, dnat, and the one-packet trace that must agree with
 * it (tests/e2e/kernel-diff.py holds both to the kernel); a rule's matches
 * as packet sets and on one packet are match.c's.
 *
 * Per walk, each rule sees only what earlier rules left, following
 * jump/goto/return and verdict maps; a dnat to one address in a prerouting
 * nat chain gives the packets it takes their new destination and output
 * interface (REACH_V_DNAT set, the originals kept per rule in dn[] when
 * `record`).  Constructs the model can't express are assumed to match in
 * accepting rules and not to match in dropping ones.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reach.h"

bdd_t reach_prefer(struct bdd *m, bdd_t s, bdd_t p)
{
	bdd_t t = bdd_and(m, s, p);
	return t != BDD_FALSE ? t : s;
}

static void accepted(struct reach_walk *w, uint32_t chain, size_t rule, bdd_t hit)
{
	if (w->on_accept)
		w->on_accept(w, chain, rule, hit);
}

static bdd_t walk_chain(struct reach_walk *w, uint32_t ci, bdd_t in, unsigned depth);
static int64_t run_priority(const struct rs_chain *ch);

static int64_t run_priority(const struct rs_chain *ch)
{
	if (ch->type != RS_CHAIN_NAT)
		return ch->priority;
	return ch->hook == RS_HOOK_PREROUTING ? REACH_PRI_NAT_DST : REACH_PRI_NAT_SRC;
}

bool reach_is_dnat_chain(const struct rs_chain *ch)
{
	return ch->type == RS_CHAIN_NAT && ch->hook == RS_HOOK_PREROUTING;
}

unsigned reach_hook_view(const struct reach *c, uint32_t base)
{
	const struct rs_chain *ch = &c->rs->chains[base];

	if (ch->hook == RS_HOOK_INPUT)
		return REACH_VIEW_NO_OIF;
	if (ch->hook != RS_HOOK_PREROUTING)
		return 0;
	return REACH_VIEW_NO_OIF | (run_priority(ch) < REACH_PRI_CONNTRACK ? REACH_VIEW_NO_CT : 0);
}

/* A dnat the model translates: one constant target (rs_nat_target.exact),
 * reached from a nat chain of prerouting, of a family the table has. */
bool reach_dnat_modelled(const struct reach *c, uint32_t base, const struct rs_rule *r)
{
	const struct rs_chain *ch = &c->rs->chains[base];
	enum rs_family f = c->rs->tables[ch->table].family;

	return r->nat == RS_NAT_DNAT && r->nat_to.exact && !r->has_vmap && reach_is_dnat_chain(ch) && reach_family_modelled(f) &&
	       (f == RS_FAMILY_INET || (f == RS_FAMILY_IP6) == (r->nat_to.family == 6));
}

/* The record of a dnat rule, made on first use: where it sends packets
 * (address, port, and the interface towards the address: the lowest-
 * numbered one facing an area that holds it, none for the firewall's own
 * addresses, REACH_IF_OTHER when no interface faces it). */
static struct reach_dnat_rec *dnat_rec(struct reach *c, uint32_t chain, size_t rule)
{
	for (size_t i = 0; i < c->n_dn; i++)
		if (c->dn[i].chain == chain && c->dn[i].rule == rule)
			return &c->dn[i];
	if (!c->dn)
		return NULL;
	struct reach_dnat_rec *d = &c->dn[c->n_dn++];
	const struct rs_nat_target *t = &c->rs->chains[chain].rules[rule].nat_to;
	struct bdd *m = c->m;
	uint8_t bits[REACH_N_VARS] = {0};

	d->chain = chain;
	d->rule = rule;
	bits[REACH_V_FAM] = t->family == 6;
	reach_set_bytes(bits, REACH_V_DADDR, t->family == 6 ? 128 : 32, t->addr);
	d->oif = REACH_IF_OTHER;
	if (bdd_member(m, c->own, bits))
		d->oif = REACH_IF_NONE;
	else if (c->route)
		d->oif = c->route(c->route_arg, bits);
	d->to = bdd_and(m,
			bdd_and(m, c->fam[t->family == 6],
				bdd_match(m, REACH_V_DADDR, t->family == 6 ? 128 : 32, t->addr, NULL)),
			bdd_and(m, bdd_uint(m, REACH_V_OIF, REACH_IF_BITS, d->oif), bdd_uint(m, REACH_V_DNAT, 1, 1)));
	if (t->has_port)
		d->to = bdd_and(m, d->to, bdd_uint(m, REACH_V_DPORT, 16, t->port));
	return d;
}

/* The packets hit, translated by rule (chain, rule); *rest: those of the
 * other family, which the rule leaves alone (nft_nat_inet_eval).  Recorded
 * in the rule's dnat_rec when c->record. */
static bdd_t translate(struct reach *c, uint32_t chain, size_t rule, bdd_t hit, bdd_t *rest)
{
	struct bdd *m = c->m;
	const struct rs_nat_target *t = &c->rs->chains[chain].rules[rule].nat_to;
	struct reach_dnat_rec *d = dnat_rec(c, chain, rule);
	bdd_t fh = bdd_and(m, hit, c->fam[t->family == 6]);

	*rest = bdd_diff(m, hit, fh);
	if (!d) {
		c->err = -ENOMEM;
		return BDD_FALSE;
	}
	bdd_t img = bdd_and(m, bdd_exists(m, fh, t->has_port ? c->dnat_qp : c->dnat_q), d->to);
	if (c->record) {
		d->hit = bdd_or(m, d->hit, fh);
		d->image = bdd_or(m, d->image, img);
	}
	return img;
}

/* The same for one packet: true when the rule translated it. */
bool reach_translate_point(struct reach *c, uint32_t chain, size_t rule, uint8_t *pk)
{
	const struct rs_nat_target *t = &c->rs->chains[chain].rules[rule].nat_to;
	struct reach_dnat_rec *d;

	if (pk[REACH_V_FAM] != (t->family == 6) || !(d = dnat_rec(c, chain, rule)))
		return false;
	reach_set_bytes(pk, REACH_V_DADDR, t->family == 6 ? 128 : 32, t->addr);
	if (t->has_port)
		reach_set_bits(pk, REACH_V_DPORT, 16, t->port);
	reach_set_bits(pk, REACH_V_OIF, REACH_IF_BITS, d->oif);
	pk[REACH_V_DNAT] = 1;
	return true;
}

/* the view as a cube, for the set walk */
bdd_t reach_hook_cube(const struct reach *c, uint32_t base)
{
	unsigned v = reach_hook_view(c, base);

	return v & REACH_VIEW_NO_CT ? c->raw_cube : v & REACH_VIEW_NO_OIF ? c->pre_cube : BDD_TRUE;
}

void reach_set_bits(uint8_t *bits, unsigned var, unsigned n, unsigned value)
{
	for (unsigned i = 0; i < n; i++)
		bits[var + i] = (uint8_t)((value >> (n - 1 - i)) & 1);
}

/*
 * Follows one concrete packet through a base chain: the rule (or policy)
 * that decided it goes into f.  Returns true when it was accepted.
 */
static bool trace_chain(struct reach *c, uint32_t base, uint8_t *packet, const struct reach_trace *f)
{
	uint8_t bits[REACH_N_VARS];

	if (reach_is_dnat_chain(&c->rs->chains[base]) && packet[REACH_V_DNAT])
		return true; /* translated already: the kernel skips the other nat chains */
	unsigned view = reach_hook_view(c, base);
	memcpy(bits, packet, sizeof(bits));
	if (view & REACH_VIEW_NO_OIF)
		reach_set_bits(bits, REACH_V_OIF, REACH_IF_BITS, REACH_IF_NONE);
	if (view & REACH_VIEW_NO_CT)
		reach_set_bits(bits, REACH_V_CT, 3, REACH_CT_INVALID);

	struct frame {
		uint32_t chain;
		size_t next;
		unsigned level;
	} stack[REACH_MAX_DEPTH + 1];
	unsigned depth = 0, level = 0; /* jumps on the stack; jumps and gotos from the base chain */
	uint32_t ci = base;
	size_t i = 0;

	for (;;) {
		const struct rs_chain *ch = &c->rs->chains[ci];
		if (i >= ch->n_rules) {
			if (depth == 0) {
				f->step(f->arg, base, SIZE_MAX, NULL);
				return c->rs->chains[base].policy == RS_POLICY_ACCEPT;
			}
			depth--;
			ci = stack[depth].chain;
			i = stack[depth].next;
			level = stack[depth].level;
			continue;
		}
		const struct rs_rule *r = &ch->rules[i++];
		if (c->ifmask && c->ifmask[ci]) {
			uint32_t (*im)[2] = &c->ifmask[ci][i - 1];
			if (!(c->rflags[ci][i - 1] & REACH_RF_IFMASK)) {
				reach_rule_ifmask(c, r, *im);
				c->rflags[ci][i - 1] |= REACH_RF_IFMASK;
			}
			if (!((*im)[0] >> reach_get_bits(bits, REACH_V_IIF, REACH_IF_BITS) & 1) ||
			    !((*im)[1] >> reach_get_bits(bits, REACH_V_OIF, REACH_IF_BITS) & 1))
				continue; /* its interfaces can't match */
		}
		if (!reach_point_rule(c, r, bits))
			continue;
		if (reach_rule_inexact(c, base, r))
			c->trace_approx = true;
		struct rs_verdict v = r->verdict;
		if (r->has_vmap) {
			v.code = RS_V_CONTINUE;
			if (reach_match_sane(c, &r->vmap)) {
				const struct rs_set *s = &c->rs->sets[r->vmap.set];
				for (size_t e = 0; e < s->n_elems; e++)
					if (bdd_member(c->m, reach_elem_bdd(c, &r->vmap, &s->elems[e]), bits)) {
						v = s->elems[e].verdict;
						break;
					}
			}
		}
		bool unknown = r->unsupported || v.code == RS_V_UNKNOWN;
		if (v.code == RS_V_ACCEPT && reach_dnat_modelled(c, base, r)) {
			if (!reach_translate_point(c, ci, i - 1, packet))
				continue; /* the other family: the rule does nothing */
			f->step(f->arg, ci, i - 1, "dnat");
			return true;
		}
		switch (v.code) {
		case RS_V_CONTINUE:
			break;
		case RS_V_DROP:
			if (unknown)
				break; /* assumed not to drop (see the top of this file) */
			f->step(f->arg, ci, i - 1, NULL);
			return false;
		case RS_V_ACCEPT:
		case RS_V_UNKNOWN:
			f->step(f->arg, ci, i - 1, "accept");
			return true;
		case RS_V_RETURN:
			if (depth == 0)
				i = ch->n_rules;
			else {
				depth--;
				ci = stack[depth].chain;
				i = stack[depth].next;
				level = stack[depth].level;
			}
			break;
		case RS_V_JUMP:
		case RS_V_GOTO:
			if (v.chain >= c->rs->n_chains || level >= REACH_MAX_DEPTH) {
				c->trace_approx = true;
				f->step(f->arg, ci, i - 1, "accept");
				return true;
			}
			if (v.code == RS_V_JUMP)
				stack[depth++] = (struct frame){ci, i, level};
			level++; /* a goto replaces the frame, but the kernel's depth counts it */
			ci = v.chain;
			i = 0;
			break;
		}
	}
}

bool reach_is_local(const uint8_t *bits)
{
	return reach_get_bits(bits, REACH_V_OIF, REACH_IF_BITS) == REACH_IF_NONE;
}

/* Returns true when the packet passes every base chain of its path: to
 * the firewall itself (no output interface) prerouting and input, else
 * prerouting, forward and postrouting. */
static bool trace_path(struct reach *c, const uint32_t *path, size_t n, bool pre, uint8_t *pk, const struct reach_trace *f,
		       size_t *walked)
{
	for (size_t i = 0; i < n; i++) {
		const struct rs_chain *ch = &c->rs->chains[path[i]];
		const struct rs_table *t = &c->rs->tables[ch->table];
		if ((ch->hook == RS_HOOK_PREROUTING) != pre)
			continue;
		if ((t->family == RS_FAMILY_IP && pk[REACH_V_FAM]) || (t->family == RS_FAMILY_IP6 && !pk[REACH_V_FAM]))
			continue;
		(*walked)++;
		if (!trace_chain(c, path[i], pk, f))
			return false;
	}
	return true;
}

/* Prerouting (where a dnat may change the destination and with it the
 * path), then to the firewall itself (no output interface) input, else
 * forward and postrouting.  Returns true when the packet passes every
 * base chain; out (if not NULL) gets the packet as it leaves. */
bool reach_trace_out(struct reach *c, const uint8_t *bits, const struct reach_trace *f, uint8_t *out)
{
	uint8_t pk[REACH_N_VARS];
	size_t walked = 0;
	bool ok;

	memcpy(pk, bits, sizeof(pk));
	ok = trace_path(c, c->fwd, c->n_fwd, true, pk, f, &walked);
	bool local = reach_is_local(pk);
	if (ok)
		ok = local ? trace_path(c, c->loc, c->n_loc, false, pk, f, &walked)
			   : trace_path(c, c->fwd, c->n_fwd, false, pk, f, &walked);
	if (ok && !walked)
		f->step(f->arg, local ? REACH_NO_INPUT_CHAIN : REACH_NO_CHAIN, 0, NULL);
	if (out)
		memcpy(out, pk, sizeof(pk));
	return ok;
}

bool reach_trace(struct reach *c, const uint8_t *bits, const struct reach_trace *f)
{
	return reach_trace_out(c, bits, f, NULL);
}

/* A translated packet (REACH_V_DNAT set) as it arrived, before the dnat rule
 * that made it: one of that rule's hits with all the translation keeps. */
bool reach_packet_origin(struct reach *c, const uint8_t *bits, uint8_t *orig)
{
	struct bdd *m = c->m;

	memcpy(orig, bits, REACH_N_VARS);
	if (!bits[REACH_V_DNAT])
		return false;
	for (size_t k = 0; k < c->n_dn; k++) {
		const struct reach_dnat_rec *d = &c->dn[k];
		if (!bdd_member(m, d->image, bits))
			continue;
		int8_t lit[REACH_N_VARS];
		for (unsigned v = 0; v < REACH_N_VARS; v++)
			lit[v] = (int8_t)bits[v];
		lit[REACH_V_DNAT] = -1;
		memset(lit + REACH_V_DADDR, -1, 128);
		memset(lit + REACH_V_OIF, -1, REACH_IF_BITS);
		if (c->rs->chains[d->chain].rules[d->rule].nat_to.has_port)
			memset(lit + REACH_V_DPORT, -1, 16);
		bdd_t s = bdd_and(m, d->hit, bdd_cube(m, lit));
		s = reach_prefer(m, s, c->own);
		s = reach_prefer(m, s, bdd_not(m, bdd_and(m, c->fam[0], bdd_or(m, bdd_or(m, bdd_uint(m, REACH_V_DADDR, 8, 0),
									bdd_uint(m, REACH_V_DADDR, 8, 127)),
								  bdd_uint(m, REACH_V_DADDR, 3, 7)))));
		if (bdd_pick(m, s, orig))
			return true;
	}
	return false;
}

/* hit: packets the rule (or map element) decided, all in *s */
static void apply(struct reach_walk *w, uint32_t ci, size_t ri, struct rs_verdict v, bdd_t hit, bdd_t *s, bdd_t *ret,
		  bdd_t *sub, unsigned depth)
{
	struct reach *c = w->c;
	struct bdd *m = c->m;

	switch (v.code) {
	case RS_V_CONTINUE:
		return;
	case RS_V_UNKNOWN:
	case RS_V_ACCEPT:
		if (v.code == RS_V_ACCEPT && ri < c->rs->chains[ci].n_rules &&
		    reach_dnat_modelled(c, w->base, &c->rs->chains[ci].rules[ri])) {
			bdd_t rest, img = translate(c, ci, ri, hit, &rest);
			w->acc = bdd_or(m, w->acc, img);
			*s = bdd_diff(m, *s, bdd_diff(m, hit, rest));
			return;
		}
		w->acc = bdd_or(m, w->acc, hit);
		accepted(w, ci, ri, hit);
		break;
	case RS_V_DROP:
		break;
	case RS_V_RETURN:
		*ret = bdd_or(m, *ret, hit);
		break;
	case RS_V_JUMP:
	case RS_V_GOTO:
		*s = bdd_diff(m, *s, hit);
		if (v.chain >= c->rs->n_chains || depth >= REACH_MAX_DEPTH) {
			c->too_deep = true; /* a loop the kernel would refuse: assume accepted */
			w->acc = bdd_or(m, w->acc, hit);
			accepted(w, ci, ri, hit);
			return;
		}
		*sub = walk_chain(w, v.chain, hit, depth + 1);
		if (v.code == RS_V_JUMP)
			*s = bdd_or(m, *s, *sub);
		else
			*ret = bdd_or(m, *ret, *sub);
		return;
	}
	*s = bdd_diff(m, *s, hit);
}

/* Walks chain ci with the packets `in`; returns those that fall off its
 * end or return.  Accepted ones go to w->acc. */
static bdd_t walk_chain(struct reach_walk *w, uint32_t ci, bdd_t in, unsigned depth)
{
	struct reach *c = w->c;
	struct bdd *m = c->m;
	const struct rs_chain *ch = &c->rs->chains[ci];
	bdd_t s = in, ret = BDD_FALSE, hit = BDD_FALSE, e = BDD_FALSE, sub = BDD_FALSE;
	size_t mark = bdd_root_mark(m);

	bdd_root_push(m, &s);
	bdd_root_push(m, &ret);
	bdd_root_push(m, &hit);
	bdd_root_push(m, &e);
	bdd_root_push(m, &sub);
	for (size_t i = 0; i < ch->n_rules; i++) {
		const struct rs_rule *r = &ch->rules[i];
		bool unknown;

		c->rflags[ci][i] |= REACH_RF_VISITED;
		if (c->progress && (++c->visited & 4095) == 0)
			c->progress(c->progress_arg, c->visited);
		if (s == BDD_FALSE || bdd_full(m))
			continue;
		bdd_maybe_gc(m);
		hit = bdd_and(m, s, bdd_restrict(m, reach_rule_bdd(c, r, &unknown), w->cube));
		if (hit == BDD_FALSE)
			continue;
		c->rflags[ci][i] |= REACH_RF_HIT;
		if (w->on_hit)
			w->on_hit(w, ci, i, hit);
		if (r->has_vmap) {
			if (!reach_match_sane(c, &r->vmap)) {
				apply(w, ci, i, (struct rs_verdict){RS_V_UNKNOWN, 0}, hit, &s, &ret, &sub, depth);
				continue;
			}
			const struct rs_set *set = &c->rs->sets[r->vmap.set];
			for (size_t k = 0; k < set->n_elems && hit != BDD_FALSE; k++) {
				e = bdd_and(m, hit, bdd_restrict(m, reach_elem_bdd(c, &r->vmap, &set->elems[k]), w->cube));
				if (e == BDD_FALSE)
					continue;
				hit = bdd_diff(m, hit, e);
				apply(w, ci, i, set->elems[k].verdict, e, &s, &ret, &sub, depth);
			}
			continue;
		}
		if (unknown && r->verdict.code == RS_V_DROP)
			continue; /* assumed not to drop */
		apply(w, ci, i, r->verdict, hit, &s, &ret, &sub, depth);
	}
	ret = bdd_or(m, ret, s);
	bdd_root_pop(m, mark);
	return ret;
}

/* Walks a base chain from `in` (restricted to its table's family); returns
 * what it lets pass, packets of other families included. */
bdd_t reach_walk_base(struct reach_walk *w, uint32_t base, bdd_t in)
{
	struct reach *c = w->c;
	struct bdd *m = c->m;
	const struct rs_chain *ch = &c->rs->chains[base];
	enum rs_family fam = c->rs->tables[ch->table].family;
	bdd_t famset = fam == RS_FAMILY_IP ? c->fam[0] : fam == RS_FAMILY_IP6 ? c->fam[1] : BDD_TRUE;
	bdd_t ret = BDD_FALSE, pass = BDD_FALSE;
	size_t mark = bdd_root_mark(m);

	bdd_t skip = BDD_FALSE; /* other families; translated ones in a nat chain */
	w->acc = BDD_FALSE;
	w->cube = reach_hook_cube(c, base);
	w->base = base;
	bdd_root_push(m, &ret);
	bdd_root_push(m, &skip);
	skip = bdd_diff(m, in, famset);
	if (reach_is_dnat_chain(ch))
		skip = bdd_or(m, skip, bdd_diff(m, in, c->dnat0));
	ret = walk_chain(w, base, bdd_diff(m, in, skip), 0);
	if (ch->policy == RS_POLICY_ACCEPT) {
		w->acc = bdd_or(m, w->acc, ret);
		accepted(w, base, SIZE_MAX, ret);
	}
	pass = bdd_or(m, w->acc, skip);
	bdd_root_pop(m, mark);
	return pass;
}

/*
 * What conntrack takes for the first packet of a new connection: a TCP
 * SYN without ACK; for ICMP only the request types it tracks (echo,
 * timestamp, information and address-mask request; ICMPv6 echo request and
 * node information query) — any other ICMP type with no connection to
 * relate to is `ct state invalid` (nf_conntrack_proto_icmp.c,
 * nf_conntrack_proto_icmpv6.c), and so is ICMPv6 over IPv4 and ICMP over
 * IPv6 (the kernel differential test showed it).  UDP and the rest: any
 * packet.
 */
bdd_t reach_first_packets(struct reach *c)
{
	static const uint8_t icmp4[] = {8, 13, 15, 17}, icmp6[] = {128, 139};
	struct bdd *m = c->m;
	bdd_t t4 = BDD_FALSE, t6 = BDD_FALSE;

	for (size_t i = 0; i < sizeof(icmp4); i++)
		t4 = bdd_or(m, t4, bdd_uint(m, REACH_V_SPORT, 8, icmp4[i]));
	for (size_t i = 0; i < sizeof(icmp6); i++)
		t6 = bdd_or(m, t6, bdd_uint(m, REACH_V_SPORT, 8, icmp6[i]));
	bdd_t tcp = bdd_uint(m, REACH_V_PROTO, 8, 6), i4 = bdd_uint(m, REACH_V_PROTO, 8, 1);
	bdd_t i6 = bdd_uint(m, REACH_V_PROTO, 8, 58);
	bdd_t other = bdd_not(m, bdd_or(m, tcp, bdd_or(m, i4, i6)));
	return bdd_or(m, other, bdd_or(m, bdd_and(m, tcp, bdd_uint(m, REACH_V_TCPFL, 8, 0x02)),
				       bdd_or(m, bdd_and(m, bdd_and(m, i4, c->fam[0]), t4),
					      bdd_and(m, bdd_and(m, i6, c->fam[1]), t6))));
}

/* The first nat chain on a hook: when it was made, the kernel registered
 * its nat hook, which then runs all of them. */
static uint32_t nat_core(const struct rs_ruleset *rs, enum rs_hook hook)
{
	for (uint32_t i = 0; i < rs->n_chains; i++)
		if (rs->chains[i].type == RS_CHAIN_NAT && rs->chains[i].hook == hook)
			return i;
	return 0;
}

/*
 * The kernel's order of the base chains of one hook: by priority, and of
 * two at the same priority the one registered later first
 * (nf_hook_entries_grow() puts a new hook before the first one of equal
 * or higher priority).  Chains register in the order they are made, which
 * is the order a ruleset lists them in.  nat chains run from the nat hook
 * (see run_priority()), registered with the first of them; among
 * themselves, the same rule.
 */
static int by_hook_priority(const void *pa, const void *pb, void *arg)
{
	const struct rs_ruleset *rs = arg;
	uint32_t ia = *(const uint32_t *)pa, ib = *(const uint32_t *)pb;
	const struct rs_chain *a = &rs->chains[ia], *b = &rs->chains[ib];
	static const int order[] = {[RS_HOOK_PREROUTING] = 0, [RS_HOOK_INPUT] = 1, [RS_HOOK_FORWARD] = 1,
				    [RS_HOOK_POSTROUTING] = 2};

	if (a->hook != b->hook)
		return order[a->hook] - order[b->hook];
	if (run_priority(a) != run_priority(b))
		return run_priority(a) < run_priority(b) ? -1 : 1;
	uint32_t ra = a->type == RS_CHAIN_NAT ? nat_core(rs, a->hook) : ia;
	uint32_t rb = b->type == RS_CHAIN_NAT ? nat_core(rs, b->hook) : ib;
	if (ra != rb)
		return ra > rb ? -1 : 1;
	if (a->priority != b->priority) /* nat chains among themselves */
		return a->priority < b->priority ? -1 : 1;
	return ia > ib ? -1 : ia < ib ? 1 : 0;
}

bool reach_family_modelled(enum rs_family f)
{
	return f == RS_FAMILY_IP || f == RS_FAMILY_IP6 || f == RS_FAMILY_INET;
}

void reach_find_forward_path(struct reach *c)
{
	const struct rs_ruleset *rs = c->rs;
	size_t best_rules = 0;

	for (uint32_t i = 0; i < rs->n_chains; i++) {
		const struct rs_chain *ch = &rs->chains[i];
		if (!reach_family_modelled(rs->tables[ch->table].family) || ch->type == RS_CHAIN_ROUTE)
			continue;
		if (ch->hook == RS_HOOK_PREROUTING || ch->hook == RS_HOOK_INPUT)
			c->loc[c->n_loc++] = i;
		if (ch->hook == RS_HOOK_INPUT && (!c->has_local_primary || ch->n_rules > c->rs->chains[c->local_primary].n_rules)) {
			c->has_local_primary = true;
			c->local_primary = i;
		}
		if (ch->hook != RS_HOOK_PREROUTING && ch->hook != RS_HOOK_FORWARD && ch->hook != RS_HOOK_POSTROUTING)
			continue;
		c->fwd[c->n_fwd++] = i;
		if (ch->hook == RS_HOOK_FORWARD && (!c->has_primary || ch->n_rules > best_rules)) {
			c->has_primary = true;
			c->primary = i;
			best_rules = ch->n_rules;
		}
	}
	qsort_r(c->fwd, c->n_fwd, sizeof(*c->fwd), by_hook_priority, (void *)rs);
	qsort_r(c->loc, c->n_loc, sizeof(*c->loc), by_hook_priority, (void *)rs);
}

/* the address families some base chain of the path filters */
bdd_t reach_path_families(struct reach *c, const uint32_t *path, size_t n)
{
	bdd_t covered = BDD_FALSE;

	for (size_t i = 0; i < n; i++) {
		enum rs_family f = c->rs->tables[c->rs->chains[path[i]].table].family;
		covered = bdd_or(c->m, covered, f == RS_FAMILY_IP ? c->fam[0] : f == RS_FAMILY_IP6 ? c->fam[1] : BDD_TRUE);
	}
	return covered;
}

int reach_init(struct reach *c, size_t max_nodes)
{
	const struct rs_ruleset *rs = c->rs;

	if (c->n_ifaces > REACH_MAX_IFACES)
		return -E2BIG;
	c->m_shared = c->m != NULL;
	if (!c->m && !(c->m = bdd_new(REACH_N_VARS, max_nodes)))
		return -ENOMEM;
	struct bdd *m = c->m;
	c->set_bdd = calloc(rs->n_sets + 1, sizeof(bdd_t));
	c->set_keys = calloc(rs->n_sets + 1, sizeof(*c->set_keys));
	c->set_nkeys = calloc(rs->n_sets + 1, 1);
	c->rflags = calloc(rs->n_chains + 1, sizeof(*c->rflags));
	c->fwd = calloc(rs->n_chains + 1, sizeof(*c->fwd));
	c->loc = calloc(rs->n_chains + 1, sizeof(*c->loc));
	if (!c->set_bdd || !c->set_keys || !c->set_nkeys || !c->rflags || !c->fwd || !c->loc)
		return -ENOMEM;
	for (size_t i = 0; i < rs->n_chains; i++)
		if (!(c->rflags[i] = calloc(rs->chains[i].n_rules + 1, 1)))
			return -ENOMEM;
	if (!(c->ifmask = calloc(rs->n_chains + 1, sizeof(*c->ifmask))))
		return -ENOMEM;
	for (size_t i = 0; i < rs->n_chains; i++)
		if (!(c->ifmask[i] = malloc((rs->chains[i].n_rules + 1) * sizeof(**c->ifmask))))
			return -ENOMEM;

	bdd_t *g[] = {&c->fam[0], &c->fam[1], &c->pre_cube, &c->raw_cube, &c->dnat0, &c->dnat_q, &c->dnat_qp, &c->own};
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		bdd_root_push(m, g[i]);
	for (size_t i = 0; i < rs->n_sets; i++)
		bdd_root_push(m, &c->set_bdd[i]);
	c->fam[0] = bdd_uint(m, REACH_V_FAM, 1, 0);
	c->fam[1] = bdd_uint(m, REACH_V_FAM, 1, 1);
	c->pre_cube = bdd_uint(m, REACH_V_OIF, REACH_IF_BITS, REACH_IF_NONE);
	c->raw_cube = bdd_and(m, c->pre_cube, bdd_uint(m, REACH_V_CT, 3, REACH_CT_INVALID));
	c->dnat0 = bdd_uint(m, REACH_V_DNAT, 1, 0);
	{
		int8_t lit[REACH_N_VARS];
		memset(lit, -1, sizeof(lit));
		lit[REACH_V_DNAT] = 1;
		for (unsigned i = 0; i < REACH_IF_BITS; i++)
			lit[REACH_V_OIF + i] = 1;
		for (unsigned i = 0; i < 128; i++)
			lit[REACH_V_DADDR + i] = 1;
		c->dnat_q = bdd_cube(m, lit);
		for (unsigned i = 0; i < 16; i++)
			lit[REACH_V_DPORT + i] = 1;
		c->dnat_qp = bdd_cube(m, lit);
	}

	/* the sets rules look up, built once with collections in between */
	for (size_t i = 0; i < rs->n_chains; i++)
		for (size_t j = 0; j < rs->chains[i].n_rules; j++) {
			const struct rs_rule *r = &rs->chains[i].rules[j];
			for (size_t k = 0; k < r->n_matches; k++) {
				const struct rs_match *x = &r->matches[k];
				if ((x->op == RS_OP_IN || x->op == RS_OP_NOT_IN) && reach_match_sane(c, x))
					reach_prebuild_set(c, x);
			}
		}

	/* dnat: a record per rule the model may translate */
	size_t n_dnat = 0;
	bool nat_chain = false;
	for (size_t i = 0; i < rs->n_chains; i++) {
		nat_chain = nat_chain || (reach_is_dnat_chain(&rs->chains[i]) &&
					  reach_family_modelled(rs->tables[rs->chains[i].table].family));
		for (size_t j = 0; j < rs->chains[i].n_rules; j++)
			n_dnat += rs->chains[i].rules[j].nat == RS_NAT_DNAT && rs->chains[i].rules[j].nat_to.exact;
	}
	if (n_dnat && !(c->dn = calloc(n_dnat, sizeof(*c->dn))))
		return -ENOMEM;
	for (size_t i = 0; i < n_dnat; i++) {
		bdd_root_push(m, &c->dn[i].to);
		bdd_root_push(m, &c->dn[i].hit);
		bdd_root_push(m, &c->dn[i].image);
	}
	c->has_dnat = n_dnat && nat_chain;
	reach_find_forward_path(c);
	return bdd_full(m) ? -E2BIG : 0;
}

void reach_free(struct reach *c)
{
	free(c->dn);
	if (c->rflags)
		for (size_t i = 0; i < c->rs->n_chains; i++)
			free(c->rflags[i]);
	free(c->rflags);
	if (c->ifmask)
		for (size_t i = 0; i < c->rs->n_chains; i++)
			free(c->ifmask[i]);
	free(c->ifmask);
	free(c->set_bdd);
	free(c->set_keys);
	free(c->set_nkeys);
	free(c->fwd);
	free(c->loc);
	if (!c->m_shared)
		bdd_free(c->m);
}
