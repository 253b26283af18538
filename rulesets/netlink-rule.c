/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One rule of the netlink dump, decoded from its expressions (see
 * netlink.c for the whole read).
 *
 * What each 32-bit register holds (struct reg), the protocol context and
 * dependencies (struct rule_ctx), the expressions that load registers
 * (payload, meta, ct, bitwise, byteorder, fib, …) and the table that finds
 * each expression's decoder by name; the decoders that consume registers
 * or decide the verdict are in netlink-match.c.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter/nf_tables.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "netlink-internal.h"

/* -- registers */

static const char *const meta_names[] = {
	"length",  "protocol", "priority", "mark",      "iif",     "oif",      "iifname",  "oifname", "iiftype",
	"oiftype", "skuid",    "skgid",    "nftrace",   "rtclassid", "secmark", "nfproto", "l4proto", "ibrname",
	"obrname", "pkttype",  "cpu",      "iifgroup",  "oifgroup", "cgroup",  "random",   "ipsec",   "iifkind",
	"oifkind", "ibrpvid",  "ibrvproto", "time",     "day",      "hour",    "sdif",     "sdifname", "broute",
};

static const char *const ct_names[] = {
	"state",   "direction", "status", "mark",  "secmark", "expiration", "helper", "l3proto",
	"saddr",   "daddr",     "protocol", "proto-src", "proto-dst", "label", "packets", "bytes",
	"avgpkt",  "zone",      "event",  "ip saddr", "ip daddr", "ip6 saddr", "ip6 daddr", "id",
};

#define NAME_OF(tab, i) ((i) < sizeof(tab) / sizeof(tab[0]) ? tab[i] : "?")

static const char *str_or_q(const char *s)
{
	return s ? s : "?";
}

int rs_nl_unknown(struct rule_ctx *c, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return rs_match_unknown(c->rule, why);
}

void rs_nl_verdict_unknown(struct rule_ctx *c, const char *what)
{
	c->rule->verdict.code = RS_V_UNKNOWN;
	if (rs_rule_unsupported(c->rule, "%s", what) < 0)
		c->err = -ENOMEM;
}

/* register number → index of its first 32-bit register, or -1 */
int rs_nl_reg_slot(uint32_t reg)
{
	if (reg >= NFT_REG_1 && reg <= NFT_REG_4)
		return (int)(reg - NFT_REG_1) * 4;
	if (reg >= NFT_REG32_00 && reg < NFT_REG32_00 + NREGS)
		return (int)(reg - NFT_REG32_00);
	return -1;
}

/* Marks the registers a load of len bytes into dreg covers; returns the
 * first, or NULL for a register out of range. */
static struct reg *reg_load(struct rule_ctx *c, uint32_t dreg, uint32_t len)
{
	int s = rs_nl_reg_slot(dreg);

	if (s < 0 || len == 0 || s + rs_nl_words(len) > NREGS)
		return NULL;
	for (unsigned i = 0; i < rs_nl_words(len); i++)
		memset(&c->regs[s + i], 0, sizeof(c->regs[0]));
	struct reg *g = &c->regs[s];
	g->len = (uint8_t)len;
	g->gen = ++c->gen;
	return g;
}

__attribute__((format(printf, 4, 5))) void rs_nl_reg_other(struct rule_ctx *c, uint32_t dreg, uint32_t len,
							   const char *fmt, ...)
{
	struct reg *g = reg_load(c, dreg, len ? len : 4);
	va_list ap;

	if (!g)
		return;
	g->kind = REG_OTHER;
	va_start(ap, fmt);
	vsnprintf(g->what, sizeof(g->what), fmt, ap);
	va_end(ap);
}

struct reg *rs_nl_reg_get(struct rule_ctx *c, uint32_t sreg)
{
	int s = rs_nl_reg_slot(sreg);
	return s < 0 ? NULL : &c->regs[s];
}

static void reg_key(struct reg *g, enum rs_key key, unsigned off)
{
	g->kind = REG_KEY;
	g->key = key;
	g->off = (uint8_t)off;
	snprintf(g->what, sizeof(g->what), "%s", rs_key_name(key));
}

/* Returns the dependency's index, or -1 when there's no room left (then it
 * is an unknown match right away). */
int rs_nl_dep_add(struct rule_ctx *c, const char *what)
{
	if (c->n_deps == sizeof(c->deps) / sizeof(c->deps[0])) {
		if (rs_nl_unknown(c, "%s", what) < 0)
			c->err = -ENOMEM;
		return -1;
	}
	snprintf(c->deps[c->n_deps].what, sizeof(c->deps[0].what), "%s", what);
	c->deps[c->n_deps].used = false;
	return (int)c->n_deps++;
}

/* -- loads */

enum field_class { F_ANY, F_IP4, F_IP6, F_PORTS, F_ICMP, F_TCP, F_ETHERTYPE };

size_t rs_nl_part_len(enum rs_key k)
{
	return k == KEY_ETHERTYPE ? 2 : rs_key_len(k);
}

static const struct field {
	uint32_t base, off, len;
	enum rs_key key;
	enum field_class cls;
} fields[] = {
	{NFT_PAYLOAD_LL_HEADER, 6, 6, RS_KEY_ETHER_SADDR, F_ANY},
	/* ether type: only as a part of a merged load (`ether saddr X ip
	 * saddr Y` in an inet table loads ether saddr and the type nft adds
	 * as ip's dependency in one 8-byte compare); alone it is on_payload's
	 * REG_ETHERTYPE */
	{NFT_PAYLOAD_LL_HEADER, 12, 2, KEY_ETHERTYPE, F_ETHERTYPE},
	{NFT_PAYLOAD_NETWORK_HEADER, 9, 1, RS_KEY_L4PROTO, F_IP4},
	{NFT_PAYLOAD_NETWORK_HEADER, 12, 4, RS_KEY_IP_SADDR, F_IP4},
	{NFT_PAYLOAD_NETWORK_HEADER, 16, 4, RS_KEY_IP_DADDR, F_IP4},
	{NFT_PAYLOAD_NETWORK_HEADER, 6, 1, RS_KEY_L4PROTO, F_IP6},
	{NFT_PAYLOAD_NETWORK_HEADER, 8, 16, RS_KEY_IP6_SADDR, F_IP6},
	{NFT_PAYLOAD_NETWORK_HEADER, 24, 16, RS_KEY_IP6_DADDR, F_IP6},
	{NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, RS_KEY_SPORT, F_PORTS},
	{NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, RS_KEY_DPORT, F_PORTS},
	{NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, RS_KEY_ICMP_TYPE, F_ICMP},
	{NFT_PAYLOAD_TRANSPORT_HEADER, 1, 1, RS_KEY_ICMP_CODE, F_ICMP},
	{NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1, RS_KEY_TCP_FLAGS, F_TCP},
};

/* Whether the rule's protocol context lets the field mean what we think:
 * `@th,0,8` is an ICMP type only when the rule hasn't said tcp. */
static bool field_ok(const struct rule_ctx *c, enum field_class cls)
{
	int p = c->l4;

	switch (cls) {
	case F_ANY:
	case F_ETHERTYPE:
		return true;
	case F_IP4:
		return c->l3 == 4;
	case F_IP6:
		return c->l3 == 6;
	case F_PORTS: /* tcp udp udplite sctp dccp */
		return p < 0 || p == 6 || p == 17 || p == 136 || p == 132 || p == 33;
	case F_ICMP:
		return p < 0 || p == 1 || p == 58;
	case F_TCP:
		return p < 0 || p == 6;
	}
	return false;
}

/* nft merges matches on adjacent fields into one load (`tcp sport 1 tcp
 * dport 2` is one 4-byte load at @th,0): find the fields it covers. */
static void payload_split(struct rule_ctx *c, struct reg *g, uint32_t base, uint32_t off, uint32_t len)
{
	uint32_t cur = off;
	unsigned n = 0;
	bool l3 = false;

	while (cur < off + len) {
		const struct field *best = NULL;
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			const struct field *f = &fields[i];
			if (f->base == base && f->off == cur && f->off + f->len <= off + len && field_ok(c, f->cls) &&
			    (!best || f->len > best->len))
				best = f;
		}
		if (!best || n == sizeof(g->parts) / sizeof(g->parts[0]))
			return;
		g->parts[n++] = best->key;
		l3 = l3 || best->cls == F_IP4 || best->cls == F_IP6;
		cur += best->len;
	}
	g->kind = REG_KEYS;
	g->n_parts = (uint8_t)n;
	if (l3 && c->l3_dep >= 0)
		c->deps[c->l3_dep].used = true;
}

static int on_payload(struct rule_ctx *c, struct nftnl_expr *e)
{
	static const char *const bases[] = {"ll", "nh", "th", "ih"};
	uint32_t base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
	uint32_t off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
	uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_DREG))
		return 0; /* payload set (mangling): decides nothing */
	uint32_t dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_DREG);
	struct reg *g = reg_load(c, dreg, len);
	if (!g)
		return 0;
	snprintf(g->what, sizeof(g->what), "payload @%s,%u,%u", NAME_OF(bases, base), off * 8, len * 8);
	g->kind = REG_OTHER;
	if (base == NFT_PAYLOAD_LL_HEADER && c->ll_dep >= 0)
		c->deps[c->ll_dep].used = true;
	if (base == NFT_PAYLOAD_LL_HEADER && off == 12 && len == 2) {
		g->kind = REG_ETHERTYPE;
		snprintf(g->what, sizeof(g->what), "ether type");
		return 0;
	}
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct field *f = &fields[i];
		if (f->base != base || !field_ok(c, f->cls) || f->cls == F_ETHERTYPE)
			continue;
		/* nft loads only the bytes a byte-aligned prefix needs:
		 * `ip saddr 10.0.0.0/8` is a 1-byte load */
		bool exact = f->off == off && f->len == len;
		bool part = rs_key_is_addr(f->key) && off >= f->off && off + len <= f->off + f->len;
		if (!exact && !part)
			continue;
		reg_key(g, f->key, off - f->off);
		if ((f->cls == F_IP4 || f->cls == F_IP6) && c->l3_dep >= 0)
			c->deps[c->l3_dep].used = true;
		return 0;
	}
	payload_split(c, g, base, off, len);
	return 0;
}

static int on_meta(struct rule_ctx *c, struct nftnl_expr *e)
{
	if (!nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG))
		return 0; /* meta set: decides nothing */
	uint32_t key = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);
	uint32_t dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_META_DREG);
	struct reg *g;

	switch (key) {
	case NFT_META_NFPROTO:
	case NFT_META_L4PROTO:
		if ((g = reg_load(c, dreg, 1)))
			reg_key(g, key == NFT_META_NFPROTO ? RS_KEY_NFPROTO : RS_KEY_L4PROTO, 0);
		return 0;
	case NFT_META_IIFNAME:
	case NFT_META_OIFNAME:
		if ((g = reg_load(c, dreg, RS_IFNAMSIZ)))
			reg_key(g, key == NFT_META_IIFNAME ? RS_KEY_IIFNAME : RS_KEY_OIFNAME, 0);
		return 0;
	case NFT_META_IIF:
	case NFT_META_OIF:
		if ((g = reg_load(c, dreg, 4))) {
			g->kind = REG_IFINDEX;
			g->key = key == NFT_META_IIF ? RS_KEY_IIFNAME : RS_KEY_OIFNAME;
			snprintf(g->what, sizeof(g->what), "%s", meta_names[key]);
		}
		return 0;
	case NFT_META_PROTOCOL:
		if ((g = reg_load(c, dreg, 2))) {
			g->kind = REG_ETHERTYPE;
			snprintf(g->what, sizeof(g->what), "meta protocol");
		}
		return 0;
	case NFT_META_IIFTYPE:
		if ((g = reg_load(c, dreg, 2))) {
			g->kind = REG_IIFTYPE;
			snprintf(g->what, sizeof(g->what), "meta iiftype");
		}
		return 0;
	}
	rs_nl_reg_other(c, dreg, 16, "meta %s", NAME_OF(meta_names, key));
	return 0;
}

static int on_ct(struct rule_ctx *c, struct nftnl_expr *e)
{
	if (!nftnl_expr_is_set(e, NFTNL_EXPR_CT_DREG))
		return 0; /* ct set: decides nothing */
	uint32_t key = nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY);
	uint32_t dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_CT_DREG);

	if ((key == NFT_CT_STATE || key == NFT_CT_STATUS) && !nftnl_expr_is_set(e, NFTNL_EXPR_CT_DIR)) {
		struct reg *g = reg_load(c, dreg, 4);
		if (g)
			reg_key(g, key == NFT_CT_STATE ? RS_KEY_CT_STATE : RS_KEY_CT_STATUS, 0);
		return 0;
	}
	if (nftnl_expr_is_set(e, NFTNL_EXPR_CT_DIR))
		rs_nl_reg_other(c, dreg, 16, "ct %s %s", nftnl_expr_get_u8(e, NFTNL_EXPR_CT_DIR) ? "reply" : "original",
				NAME_OF(ct_names, key));
	else
		rs_nl_reg_other(c, dreg, 16, "ct %s", NAME_OF(ct_names, key));
	return 0;
}

static int on_bitwise(struct rule_ctx *c, struct nftnl_expr *e)
{
	uint32_t sreg = nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_SREG);
	uint32_t dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_DREG);
	uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_LEN), mlen = 0, xlen = 0;
	uint32_t op = nftnl_expr_is_set(e, NFTNL_EXPR_BITWISE_OP) ? nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_OP)
								   : NFT_BITWISE_BOOL;
	const uint8_t *mask = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &mlen);
	const uint8_t *xor = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_XOR, &xlen);
	struct reg *src = rs_nl_reg_get(c, sreg);

	bool xor_zero = true;
	for (uint32_t i = 0; xor && i < xlen; i++)
		xor_zero = xor_zero && xor[i] == 0;
	if (!src || op != NFT_BITWISE_BOOL || !mask || mlen != len || len > 16 || !xor_zero ||
	    (src->kind != REG_KEY && src->kind != REG_ETHERTYPE) || src->len != len) {
		char what[64];
		snprintf(what, sizeof(what), "%.50s (bitwise)", src && src->what[0] ? src->what : "register");
		rs_nl_reg_other(c, dreg, len, "%s", what);
		return 0;
	}
	struct reg tmp = *src;
	for (uint32_t i = 0; i < len; i++)
		tmp.mask[i] = (uint8_t)((tmp.masked ? tmp.mask[i] : 0xff) & mask[i]);
	tmp.masked = true;
	struct reg *d = reg_load(c, dreg, len);
	if (d) {
		unsigned gen = d->gen;
		*d = tmp;
		d->gen = gen;
	}
	return 0;
}

/* -- the other expressions, one decoder each */

/* nft "converts" a 1-byte key in a concatenation: the kernel swaps len /
 * size units, none here; any other byteorder makes a value we lack. */
static int on_byteorder(struct rule_ctx *c, struct nftnl_expr *e)
{
	uint32_t sreg = nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_SREG);
	uint32_t dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_DREG);
	uint32_t size = nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_SIZE);

	if (!(sreg == dreg && (size <= 1 || nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_LEN) < size))) {
		struct reg *g = rs_nl_reg_get(c, sreg);
		char what[64]; /* before the load clears a shared register */
		snprintf(what, sizeof(what), "%.50s (byteorder)", g && g->what[0] ? g->what : "register");
		rs_nl_reg_other(c, dreg, nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_LEN), "%s", what);
	}
	return 0;
}

static int on_match(struct rule_ctx *c, struct nftnl_expr *e)
{
	const char *mt = nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME);

	/* iptables-nft's old-style comments */
	if (!mt || strcmp(mt, "comment") != 0)
		return rs_nl_unknown(c, "xt match %s", mt ? mt : "?");
	return 0;
}

static int on_target(struct rule_ctx *c, struct nftnl_expr *e)
{
	char what[64];
	const char *tg = nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME);

	snprintf(what, sizeof(what), "xt target %s", tg ? tg : "?");
	rs_nl_verdict_unknown(c, what);
	return 0;
}

/* queue, fwd, synproxy: they take the packet away */
static int on_takes_packet(struct rule_ctx *c, struct nftnl_expr *e)
{
	rs_nl_verdict_unknown(c, nftnl_expr_get_str(e, NFTNL_EXPR_NAME));
	return 0;
}

static int on_fib(struct rule_ctx *c, struct nftnl_expr *e)
{
	static const char *const res[] = {"?", "oif", "oifname", "type"};
	uint32_t fl = nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_FLAGS);

	rs_nl_reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_DREG), 16, "fib %s %s",
			fl & NFTA_FIB_F_SADDR ? "saddr" : "daddr",
			NAME_OF(res, nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_RESULT)));
	return 0;
}

static int on_exthdr(struct rule_ctx *c, struct nftnl_expr *e)
{
	if (nftnl_expr_is_set(e, NFTNL_EXPR_EXTHDR_DREG))
		rs_nl_reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_EXTHDR_DREG),
				nftnl_expr_get_u32(e, NFTNL_EXPR_EXTHDR_LEN), "exthdr type %u offset %u",
				nftnl_expr_get_u8(e, NFTNL_EXPR_EXTHDR_TYPE), nftnl_expr_get_u32(e, NFTNL_EXPR_EXTHDR_OFFSET));
	return 0;
}

static int on_socket(struct rule_ctx *c, struct nftnl_expr *e)
{
	rs_nl_reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_SOCKET_DREG), 4, "socket");
	return 0;
}

static int on_rt(struct rule_ctx *c, struct nftnl_expr *e)
{
	rs_nl_reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_RT_DREG), 16, "rt");
	return 0;
}

static int on_osf(struct rule_ctx *c, struct nftnl_expr *e)
{
	rs_nl_reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_OSF_DREG), 16, "osf");
	return 0;
}

static int on_numgen(struct rule_ctx *c, struct nftnl_expr *e)
{
	rs_nl_reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_NG_DREG), 4, "numgen");
	return 0;
}

static int on_hash(struct rule_ctx *c, struct nftnl_expr *e)
{
	rs_nl_reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_HASH_DREG), 4, "hash");
	return 0;
}

static int on_xfrm(struct rule_ctx *c, struct nftnl_expr *e)
{
	rs_nl_reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_XFRM_DREG), 16, "ipsec");
	return 0;
}

static int on_tunnel(struct rule_ctx *c, struct nftnl_expr *e)
{
	rs_nl_reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_TUNNEL_DREG), 4, "tunnel");
	return 0;
}

/* a named counter only counts; quotas, limits, synproxy decide */
static int on_objref(struct rule_ctx *c, struct nftnl_expr *e)
{
	if (nftnl_expr_is_set(e, NFTNL_EXPR_OBJREF_SET_NAME))
		return rs_nl_unknown(c, "objref map @%s", str_or_q(nftnl_expr_get_str(e, NFTNL_EXPR_OBJREF_SET_NAME)));
	if (nftnl_expr_get_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE) != NFT_OBJECT_COUNTER &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE) != NFT_OBJECT_CT_HELPER &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE) != NFT_OBJECT_SECMARK)
		return rs_nl_unknown(c, "objref %s", str_or_q(nftnl_expr_get_str(e, NFTNL_EXPR_OBJREF_IMM_NAME)));
	return 0;
}

static int on_dynset(struct rule_ctx *c, struct nftnl_expr *e)
{
	return rs_nl_unknown(c, "dynset @%s", str_or_q(nftnl_expr_get_str(e, NFTNL_EXPR_DYNSET_SET_NAME)));
}

/* limit, quota, connlimit: they decide on state the model lacks */
static int on_stateful(struct rule_ctx *c, struct nftnl_expr *e)
{
	return rs_nl_unknown(c, "%s", nftnl_expr_get_str(e, NFTNL_EXPR_NAME));
}

/* notrack, tproxy, flow_offload: they decide nothing here but change what
 * later hooks see */
static int on_unsupported(struct rule_ctx *c, struct nftnl_expr *e)
{
	return rs_rule_unsupported(c->rule, "%s", nftnl_expr_get_str(e, NFTNL_EXPR_NAME)) < 0 ? -ENOMEM : 0;
}

/* -- the table */

/*
 * One decoder per expression kind, found by the expression's name (the
 * shape of libnftnl's expr_ops).  A NULL decoder is a statement that only
 * counts, logs or marks: it never decides a verdict.  A name not in the
 * table is an unknown match naming it.
 */
static const struct expr_ops {
	const char *name;
	int (*decode)(struct rule_ctx *c, struct nftnl_expr *e);
} expr_ops[] = {
	{"counter", NULL},
	{"log", NULL},
	{"last", NULL},
	{"dup", NULL},
	{"secmark", NULL},
	{"payload", on_payload},
	{"meta", on_meta},
	{"ct", on_ct},
	{"bitwise", on_bitwise},
	{"cmp", rs_nl_expr_cmp},
	{"range", rs_nl_expr_range},
	{"lookup", rs_nl_expr_lookup},
	{"immediate", rs_nl_expr_immediate},
	{"byteorder", on_byteorder},
	{"nat", rs_nl_expr_nat},
	{"masq", rs_nl_expr_masq},
	{"redir", rs_nl_expr_redir},
	{"reject", rs_nl_expr_reject},
	{"match", on_match},
	{"target", on_target},
	{"queue", on_takes_packet},
	{"fwd", on_takes_packet},
	{"synproxy", on_takes_packet},
	{"fib", on_fib},
	{"exthdr", on_exthdr},
	{"socket", on_socket},
	{"rt", on_rt},
	{"osf", on_osf},
	{"numgen", on_numgen},
	{"hash", on_hash},
	{"xfrm", on_xfrm},
	{"tunnel", on_tunnel},
	{"objref", on_objref},
	{"dynset", on_dynset},
	{"limit", on_stateful},
	{"quota", on_stateful},
	{"connlimit", on_stateful},
	{"notrack", on_unsupported},
	{"tproxy", on_unsupported},
	{"flow_offload", on_unsupported},
};

/* nftnl_expr_foreach's callback: always 0, so every expression is seen;
 * the first error is kept in c->err. */
static int decode_expr(struct nftnl_expr *e, void *data)
{
	struct rule_ctx *c = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	const struct expr_ops *ops = NULL;
	int err;

	if (!name)
		name = "?";
	for (size_t i = 0; i < sizeof(expr_ops) / sizeof(expr_ops[0]) && !ops; i++)
		if (strcmp(name, expr_ops[i].name) == 0)
			ops = &expr_ops[i];
	if (ops && !ops->decode)
		return 0;
	err = ops ? ops->decode(c, e) : rs_nl_unknown(c, "%s", name);
	if (err < 0 && !c->err)
		c->err = err;
	return 0;
}

int rs_nl_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct nftnl_rule *nr = nftnl_rule_alloc();
	uint32_t table, chain;
	int err;

	if (!nr)
		return -ENOMEM;
	err = nftnl_rule_nlmsg_parse(nlh, nr) < 0 ? -EBADMSG : 0;
	uint32_t family = nftnl_rule_get_u32(nr, NFTNL_RULE_FAMILY);
	if (err || rs_table_find(rd->r, nftnl_rule_get_str(nr, NFTNL_RULE_TABLE), family, &table) < 0)
		goto out;
	if ((err = rs_chain_get(rd->r, table, nftnl_rule_get_str(nr, NFTNL_RULE_CHAIN), &chain)) < 0)
		goto out;
	struct rule_ctx c = {
		.rd = rd,
		.table = table,
		.family = family,
		.l3 = family == RS_FAMILY_IP ? 4 : family == RS_FAMILY_IP6 ? 6 : 0,
		.l4 = -1,
		.l3_dep = -1,
		.ll_dep = -1,
		.last_ge = -1,
	};
	if (!(c.rule = rs_rule_add(rd->r, chain))) {
		err = -ENOMEM;
		goto out;
	}
	c.rule->handle = nftnl_rule_get_u64(nr, NFTNL_RULE_HANDLE);
	nftnl_expr_foreach(nr, decode_expr, &c);
	for (unsigned i = 0; i < c.n_deps && !c.err; i++)
		if (!c.deps[i].used)
			c.err = rs_nl_unknown(&c, "%s", c.deps[i].what);
	err = c.err;
out:
	nftnl_rule_free(nr);
	return err;
}
