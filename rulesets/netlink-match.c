/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The expressions of a netlink rule that consume registers and decide:
 * cmp, range and lookup become matches on what netlink-rule.c found the
 * registers to hold; immediate, nat, masq, redir and reject set the verdict
 * (and, for dnat, where it sends a packet).
 */
#include <errno.h>
#include <stdio.h> /* before libnftnl/expr.h, which uses FILE */
#include <libnftnl/expr.h>
#include <linux/if_arp.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <string.h>

#include "netlink-internal.h"

/* -- matches */

static enum rs_op cmp_op(uint32_t op)
{
	switch (op) {
	case NFT_CMP_EQ:
		return RS_OP_EQ;
	case NFT_CMP_NEQ:
		return RS_OP_NE;
	case NFT_CMP_LT:
		return RS_OP_LT;
	case NFT_CMP_LTE:
		return RS_OP_LE;
	case NFT_CMP_GT:
		return RS_OP_GT;
	case NFT_CMP_GTE:
		return RS_OP_GE;
	}
	return RS_OP_UNKNOWN;
}

static void hex(char *buf, size_t n, const uint8_t *d, uint32_t len)
{
	size_t pos = 0;

	buf[0] = 0;
	for (uint32_t i = 0; i < len && pos + 3 < n; i++)
		pos += (size_t)snprintf(buf + pos, n - pos, "%02x", d[i]);
}

static int cmp_unknown(struct rule_ctx *c, const struct reg *g, enum rs_op op, const uint8_t *d, uint32_t len)
{
	static const char *const ops[] = {"==", "!=", "<", ">", "<=", ">="};
	char v[72];

	hex(v, sizeof(v), d, len);
	return rs_nl_unknown(c, "%s %s 0x%s", g && g->what[0] ? g->what : "register", op < 6 ? ops[op] : "?", v);
}

/* An interface name from a cmp: shorter than the register without a NUL
 * is nft's prefix wildcard `"eth*"`. */
static void ifname_value(uint8_t *value, const uint8_t *d, uint32_t len)
{
	uint32_t n = (uint32_t)strnlen((const char *)d, len);

	memset(value, 0, RS_IFNAMSIZ);
	memcpy(value, d, n < RS_IFNAMSIZ - 1 ? n : RS_IFNAMSIZ - 1);
	if (n == len && len < RS_IFNAMSIZ)
		value[n] = '*';
}

static int key_cmp(struct rule_ctx *c, struct reg *g, enum rs_op op, const uint8_t *d, uint32_t len)
{
	size_t klen = rs_key_len(g->key);
	bool ifname = g->key == RS_KEY_IIFNAME || g->key == RS_KEY_OIFNAME;
	bool eq = op == RS_OP_EQ || op == RS_OP_NE;
	struct rs_match *m;

	if (ifname && eq && !g->masked && len <= RS_IFNAMSIZ) {
		if (!(m = rs_match_add(c->rule)))
			return -ENOMEM;
		m->op = op;
		m->keys[0] = g->key;
		ifname_value(m->value, d, len);
		return 0;
	}
	bool partial = g->masked || g->len < klen;
	if (len != g->len || g->off + len > klen || (partial && !eq))
		return cmp_unknown(c, g, op, d, len);
	if (!(m = rs_match_add(c->rule)))
		return -ENOMEM;
	m->op = op;
	m->keys[0] = g->key;
	memcpy(m->value + g->off, d, len);
	if (partial) {
		m->has_mask = true;
		for (uint32_t i = 0; i < len; i++)
			m->mask[g->off + i] = g->masked ? g->mask[i] : 0xff;
	}
	if (!partial && op == RS_OP_EQ && g->key == RS_KEY_NFPROTO)
		c->l3 = d[0] == NFPROTO_IPV4 ? 4 : d[0] == NFPROTO_IPV6 ? 6 : c->l3;
	if (!partial && op == RS_OP_EQ && g->key == RS_KEY_L4PROTO)
		c->l4 = d[0];
	/* `th dport 1000-2000` comes as `>= 1000` then `<= 2000` on one load */
	if (op == RS_OP_GE && !partial) {
		c->last_ge = (ssize_t)c->rule->n_matches - 1;
		c->last_ge_gen = g->gen;
	} else if (op == RS_OP_LE && !partial && c->last_ge == (ssize_t)c->rule->n_matches - 2 &&
		   c->last_ge_gen == g->gen) {
		struct rs_match *ge = &c->rule->matches[c->last_ge];
		ge->op = RS_OP_RANGE;
		memcpy(ge->value2, d, len);
		c->rule->n_matches--;
		c->last_ge = -1;
	}
	return 0;
}

/* `meta protocol ip` / `ether type ip6`: a protocol dependency nft adds
 * (kept as one until a field of that protocol uses it), or unknown. */
static int ethertype_cmp(struct rule_ctx *c, const struct reg *g, enum rs_op op, const uint8_t *d, uint32_t len)
{
	if (op == RS_OP_EQ && len == 2 && !g->masked) {
		uint16_t p = (uint16_t)(d[0] << 8 | d[1]);
		int l3 = p == 0x0800 ? 4 : p == 0x86dd ? 6 : 0;
		if (l3) {
			c->l3 = l3;
			/* always true in an ip / ip6 table */
			if ((c->family == RS_FAMILY_IP && l3 == 4) || (c->family == RS_FAMILY_IP6 && l3 == 6))
				return 0;
			char what[48];
			snprintf(what, sizeof(what), "%.40s %s", g->what, l3 == 4 ? "ip" : "ip6");
			c->l3_dep = rs_nl_dep_add(c, what);
			return 0;
		}
	}
	return cmp_unknown(c, g, op, d, len);
}

int rs_nl_expr_cmp(struct rule_ctx *c, struct nftnl_expr *e)
{
	uint32_t len = 0;
	const uint8_t *d = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
	enum rs_op op = cmp_op(nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP));
	struct reg *g = rs_nl_reg_get(c, nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG));

	if (!d || !g || op == RS_OP_UNKNOWN)
		return rs_nl_unknown(c, "cmp");
	switch (g->kind) {
	case REG_KEY:
		return key_cmp(c, g, op, d, len);
	case REG_KEYS: /* (a, b) == (x, y) is a == x and b == y; != has no such split */
		if (op == RS_OP_EQ && len == g->len && !g->masked) {
			for (unsigned i = 0, o = 0; i < g->n_parts; o += (unsigned)rs_nl_part_len(g->parts[i++])) {
				if (g->parts[i] == KEY_ETHERTYPE) {
					struct reg part = {.kind = REG_ETHERTYPE, .len = 2, .gen = g->gen};
					snprintf(part.what, sizeof(part.what), "ether type");
					int err = ethertype_cmp(c, &part, op, d + o, 2);
					if (err < 0)
						return err;
					continue;
				}
				struct reg part = {.kind = REG_KEY, .key = g->parts[i], .gen = g->gen};
				part.len = (uint8_t)rs_key_len(part.key);
				int err = key_cmp(c, &part, op, d + o, part.len);
				if (err < 0)
					return err;
			}
			return 0;
		}
		return cmp_unknown(c, g, op, d, len);
	case REG_ETHERTYPE:
		return ethertype_cmp(c, g, op, d, len);
	case REG_IIFTYPE:
		if (op == RS_OP_EQ && len == 2 && !g->masked) {
			uint16_t t;
			memcpy(&t, d, 2); /* host order, like dev->type */
			if (t == ARPHRD_ETHER) {
				c->ll_dep = rs_nl_dep_add(c, "meta iiftype ether");
				return 0;
			}
		}
		return cmp_unknown(c, g, op, d, len);
	case REG_IFINDEX:
		if ((op == RS_OP_EQ || op == RS_OP_NE) && len == 4 && !g->masked) {
			int32_t index;
			memcpy(&index, d, 4);
			const char *name = rs_nl_link_name(c->rd, index);
			if (!name)
				return rs_nl_unknown(c, "%s %s%d", g->what, op == RS_OP_NE ? "!= " : "", index);
			struct rs_match *m = rs_match_add(c->rule);
			if (!m)
				return -ENOMEM;
			m->op = op;
			m->keys[0] = g->key;
			snprintf((char *)m->value, RS_IFNAMSIZ, "%s", name);
			return 0;
		}
		return cmp_unknown(c, g, op, d, len);
	default:
		return cmp_unknown(c, g, op, d, len);
	}
}

int rs_nl_expr_range(struct rule_ctx *c, struct nftnl_expr *e)
{
	uint32_t l1 = 0, l2 = 0;
	const uint8_t *from = nftnl_expr_get(e, NFTNL_EXPR_RANGE_FROM_DATA, &l1);
	const uint8_t *to = nftnl_expr_get(e, NFTNL_EXPR_RANGE_TO_DATA, &l2);
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_OP);
	struct reg *g = rs_nl_reg_get(c, nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_SREG));

	if (!g || !from || !to || l1 != l2 || g->kind != REG_KEY || g->masked || g->off ||
	    l1 != rs_key_len(g->key) || l1 != g->len) {
		char a[40], b[40];
		hex(a, sizeof(a), from ? from : (const uint8_t *)"", from ? l1 : 0);
		hex(b, sizeof(b), to ? to : (const uint8_t *)"", to ? l2 : 0);
		return rs_nl_unknown(c, "%s %sin 0x%s-0x%s", g && g->what[0] ? g->what : "register",
				     op == NFT_RANGE_NEQ ? "not " : "", a, b);
	}
	struct rs_match *m = rs_match_add(c->rule);
	if (!m)
		return -ENOMEM;
	m->op = op == NFT_RANGE_NEQ ? RS_OP_NRANGE : RS_OP_RANGE;
	m->keys[0] = g->key;
	memcpy(m->value, from, l1);
	memcpy(m->value2, to, l1);
	return 0;
}

/*
 * A lookup's key starts at sreg: one key of the set's key length, or a
 * concatenation of keys in consecutive 4-byte-aligned registers whose padded
 * lengths add up to it.  Fills m's keys; false when some part isn't a key.
 */
static bool lookup_keys(struct rule_ctx *c, uint32_t sreg, uint32_t key_len, struct rs_match *m, uint8_t *fl)
{
	int s = rs_nl_reg_slot(sreg);
	uint32_t total = 0, packed = 0;
	unsigned n = 0;

	if (s < 0)
		return false;
	const struct reg *g = &c->regs[s];
	if (g->kind == REG_KEY && !g->masked && g->off == 0 && g->len == rs_key_len(g->key) && g->len == key_len) {
		m->keys[0] = g->key;
		fl[0] = g->len;
		m->n_keys = 1;
		return true;
	}
	while (total < key_len) {
		if (s >= NREGS || n == RS_MAX_CONCAT)
			return false;
		g = &c->regs[s];
		if (g->kind != REG_KEY || g->masked || g->off || g->len != rs_key_len(g->key))
			return false;
		m->keys[n] = g->key;
		fl[n++] = g->len;
		total += rs_nl_words(g->len) * 4;
		packed += g->len;
		s += (int)rs_nl_words(g->len);
	}
	if (total != key_len || packed > RS_VAL_MAX)
		return false;
	m->n_keys = (uint8_t)n;
	return true;
}

/* "ip saddr . payload @nh,32,32": what a lookup's key is made of */
static void lookup_desc(const struct rule_ctx *c, uint32_t sreg, uint32_t key_len, char *buf, size_t n)
{
	int s = rs_nl_reg_slot(sreg);
	size_t pos = 0;

	snprintf(buf, n, "register");
	for (uint32_t total = 0; s >= 0 && s < NREGS && total < key_len && pos + 4 < n;) {
		const struct reg *g = &c->regs[s];
		pos += (size_t)snprintf(buf + pos, n - pos, "%s%s", total ? " . " : "", g->what[0] ? g->what : "?");
		unsigned w = g->len ? rs_nl_words(g->len) : 1;
		total += w * 4;
		s += (int)w;
	}
}

int rs_nl_expr_lookup(struct rule_ctx *c, struct nftnl_expr *e)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
	uint32_t sreg = nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SREG);
	uint32_t flags = nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) ? nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS) : 0;
	bool has_dreg = nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG);
	uint32_t dreg = has_dreg ? nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG) : 0;
	char what[160];
	uint32_t set;
	struct rs_match m = {.n_keys = 1};
	uint8_t fl[RS_MAX_CONCAT];

	if (!name || rs_set_find(c->rd->r, c->table, name, &set) < 0) {
		lookup_desc(c, sreg, 4, what, sizeof(what));
		return rs_nl_unknown(c, "%s lookup in unknown set %s", what, name ? name : "?");
	}
	struct set_info *si = &c->rd->sets[set];
	bool ok = lookup_keys(c, sreg, si->key_len, &m, fl);
	if (!ok)
		lookup_desc(c, sreg, si->key_len, what, sizeof(what));
	if (has_dreg && dreg != NFT_REG_VERDICT) /* a data map: only its key is a condition */
		rs_nl_reg_other(c, dreg, 16, "map @%s", name);
	if (!ok) {
		if (has_dreg && dreg == NFT_REG_VERDICT) {
			rs_nl_verdict_unknown(c, "vmap");
			return rs_nl_unknown(c, "%s vmap @%s", what, name);
		}
		return rs_nl_unknown(c, "%s %s@%s", what, flags & NFT_LOOKUP_F_INV ? "!= " : "", name);
	}
	/* the first rule to use a set tells its layout (how to unpad it) */
	if (!si->keys_known) {
		si->keys_known = true;
		memcpy(si->keys, m.keys, sizeof(si->keys));
		if (!si->n_fields || si->n_fields != m.n_keys) {
			si->n_fields = m.n_keys;
			memcpy(si->field_len, fl, m.n_keys);
		}
	}
	m.op = flags & NFT_LOOKUP_F_INV ? RS_OP_NOT_IN : RS_OP_IN;
	m.set = set;
	if (has_dreg && dreg == NFT_REG_VERDICT) {
		c->rule->has_vmap = true;
		c->rule->vmap = m;
		return 0;
	}
	struct rs_match *p = rs_match_add(c->rule);
	if (!p)
		return -ENOMEM;
	*p = m;
	return 0;
}

/* -- verdicts */

int rs_nl_expr_immediate(struct rule_ctx *c, struct nftnl_expr *e)
{
	uint32_t dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG);
	struct rs_verdict *v = &c->rule->verdict;

	if (dreg != NFT_REG_VERDICT) {
		uint32_t len = 0;
		const void *data = nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &len);
		rs_nl_reg_other(c, dreg, len, "immediate");
		struct reg *g = rs_nl_reg_get(c, dreg);
		if (g && data && len <= sizeof(g->data) && g->len == len) {
			g->kind = REG_IMM;
			memcpy(g->data, data, len);
		}
		return 0;
	}
	int32_t code = (int32_t)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);
	const char *chain = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);
	switch (code) {
	case NF_ACCEPT:
		v->code = RS_V_ACCEPT;
		return 0;
	case NF_DROP:
		v->code = RS_V_DROP;
		return 0;
	case NFT_CONTINUE:
		v->code = RS_V_CONTINUE;
		return 0;
	case NFT_RETURN:
		v->code = RS_V_RETURN;
		return 0;
	case NFT_JUMP:
	case NFT_GOTO:
		if (!chain || rs_chain_get(c->rd->r, c->table, chain, &v->chain) < 0) {
			c->err = chain ? -ENOMEM : 0;
			rs_nl_verdict_unknown(c, "jump without a chain");
			return 0;
		}
		v->code = code == NFT_JUMP ? RS_V_JUMP : RS_V_GOTO;
		return 0;
	case NF_QUEUE:
		rs_nl_verdict_unknown(c, "queue");
		return 0;
	default: {
		char what[32];
		snprintf(what, sizeof(what), "verdict %d", code);
		rs_nl_verdict_unknown(c, what);
	}
	}
	return 0;
}

static void nat_set(struct rule_ctx *c, enum rs_nat nat)
{
	c->rule->nat = nat;
	c->rule->verdict.code = RS_V_ACCEPT;
}

/* The constant a nat expression's register holds, or NULL. */
static const struct reg *nat_reg(struct rule_ctx *c, struct nftnl_expr *e, uint16_t attr, unsigned len)
{
	if (!nftnl_expr_is_set(e, attr))
		return NULL;
	const struct reg *g = rs_nl_reg_get(c, nftnl_expr_get_u32(e, attr));
	return g && g->kind == REG_IMM && g->len == len ? g : NULL;
}

/* dnat to one constant address (and port): min == max or no max, no
 * netmap or port-offset flags. */
static void dnat_set(struct rule_ctx *c, struct nftnl_expr *e)
{
	struct rs_nat_target *t = &c->rule->nat_to;
	uint32_t fam = nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_FAMILY);
	unsigned alen = fam == NFPROTO_IPV4 ? 4 : fam == NFPROTO_IPV6 ? 16 : 0;
	uint32_t flags = nftnl_expr_is_set(e, NFTNL_EXPR_NAT_FLAGS) ? nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_FLAGS) : 0;
	const struct reg *a = alen ? nat_reg(c, e, NFTNL_EXPR_NAT_REG_ADDR_MIN, alen) : NULL;
	const struct reg *amax = alen ? nat_reg(c, e, NFTNL_EXPR_NAT_REG_ADDR_MAX, alen) : NULL;
	const struct reg *p = nat_reg(c, e, NFTNL_EXPR_NAT_REG_PROTO_MIN, 2);
	const struct reg *pmax = nat_reg(c, e, NFTNL_EXPR_NAT_REG_PROTO_MAX, 2);

	nat_set(c, RS_NAT_DNAT);
	memset(t, 0, sizeof(*t));
	if (!a || (nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_ADDR_MAX) && (!amax || memcmp(amax->data, a->data, alen))))
		return;
	if (nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_PROTO_MIN) != (p != NULL) ||
	    (nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_PROTO_MAX) && (!p || !pmax || memcmp(pmax->data, p->data, 2))))
		return;
	if (flags & ~(uint32_t)(NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED | NF_NAT_RANGE_PERSISTENT))
		return;
	t->family = alen == 4 ? 4 : 6;
	memcpy(t->addr, a->data, alen);
	if (p) {
		t->has_port = true;
		t->port = (uint16_t)(p->data[0] << 8 | p->data[1]);
	}
	t->exact = true;
}

int rs_nl_expr_nat(struct rule_ctx *c, struct nftnl_expr *e)
{
	if (nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_TYPE) == NFT_NAT_SNAT)
		nat_set(c, RS_NAT_SNAT);
	else
		dnat_set(c, e);
	return 0;
}

int rs_nl_expr_masq(struct rule_ctx *c, struct nftnl_expr *e)
{
	(void)e;
	nat_set(c, RS_NAT_MASQUERADE);
	return 0;
}

int rs_nl_expr_redir(struct rule_ctx *c, struct nftnl_expr *e)
{
	(void)e;
	nat_set(c, RS_NAT_REDIRECT);
	return 0;
}

int rs_nl_expr_reject(struct rule_ctx *c, struct nftnl_expr *e)
{
	(void)e;
	c->rule->verdict.code = RS_V_DROP;
	return 0;
}
