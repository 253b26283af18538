/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The options of one iptables-save rule (see iptables.c for the walk that
 * hands them over): the generic options (-s, -d, -i, -o, -p, -f, -4/-6,
 * -m, -j/-g, -c), the options of the match modules we model (tcp, udp,
 * sctp, icmp, icmp6, multiport, iprange, state, conntrack, mac, comment)
 * and the targets, into matches and a verdict.  A module or target we
 * don't model becomes an unknown match or verdict naming it with its
 * options.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iptables-internal.h"

/* --------------------------------------------------------------- the rules */

static const struct {
	const char *names[3];
	enum gen g;
} generic[] = {
	{{"-s", "--source", "--src"}, G_SRC},    {{"-d", "--destination", "--dst"}, G_DST},
	{{"-i", "--in-interface"}, G_IN},        {{"-o", "--out-interface"}, G_OUT},
	{{"-p", "--protocol"}, G_PROTO},         {{"-f", "--fragment"}, G_FRAG},
	{{"-4", "--ipv4"}, G_IPV4},              {{"-6", "--ipv6"}, G_IPV6},
	{{"-m", "--match"}, G_MATCH},            {{"-j", "--jump"}, G_JUMP},
	{{"-g", "--goto"}, G_GOTO},              {{"-c", "--set-counters"}, G_COUNTERS},
};

int rs_ipt_generic_find(const char *s)
{
	for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]); i++)
		for (size_t j = 0; j < 3 && generic[i].names[j]; j++)
			if (strcmp(s, generic[i].names[j]) == 0)
				return (int)generic[i].g;
	return -1;
}

/* The match modules we model; `proto` is the -p they need (0: none). */
enum mod { M_TCP, M_UDP, M_SCTP, M_ICMP, M_ICMP6, M_MULTIPORT, M_IPRANGE, M_STATE, M_CONNTRACK, M_MAC, M_COMMENT };

static const struct {
	const char *name;
	uint8_t proto;
} modules[] = {
	[M_TCP] = {"tcp", 6},          [M_UDP] = {"udp", 17},      [M_SCTP] = {"sctp", 132},
	[M_ICMP] = {"icmp", 1},        [M_ICMP6] = {"icmp6", 58},  [M_MULTIPORT] = {"multiport", 0},
	[M_IPRANGE] = {"iprange", 0},  [M_STATE] = {"state", 0},   [M_CONNTRACK] = {"conntrack", 0},
	[M_MAC] = {"mac", 0},          [M_COMMENT] = {"comment", 0},
};

enum opt { O_SPORT, O_DPORT, O_SYN, O_TCPFLAGS, O_ICMP, O_MP_SPORTS, O_MP_DPORTS, O_SRANGE, O_DRANGE, O_STATE, O_MAC,
	   O_COMMENT, O_CTPROTO };

static const struct {
	const char *name;
	enum mod mod;
	enum opt opt;
} mod_opts[] = {
	{"--sport", M_TCP, O_SPORT},          {"--source-port", M_TCP, O_SPORT},
	{"--dport", M_TCP, O_DPORT},          {"--destination-port", M_TCP, O_DPORT},
	{"--syn", M_TCP, O_SYN},              {"--tcp-flags", M_TCP, O_TCPFLAGS},
	{"--sport", M_UDP, O_SPORT},          {"--source-port", M_UDP, O_SPORT},
	{"--dport", M_UDP, O_DPORT},          {"--destination-port", M_UDP, O_DPORT},
	{"--sport", M_SCTP, O_SPORT},         {"--source-port", M_SCTP, O_SPORT},
	{"--dport", M_SCTP, O_DPORT},         {"--destination-port", M_SCTP, O_DPORT},
	{"--icmp-type", M_ICMP, O_ICMP},      {"--icmpv6-type", M_ICMP6, O_ICMP},
	{"--sports", M_MULTIPORT, O_MP_SPORTS}, {"--source-ports", M_MULTIPORT, O_MP_SPORTS},
	{"--dports", M_MULTIPORT, O_MP_DPORTS}, {"--destination-ports", M_MULTIPORT, O_MP_DPORTS},
	{"--src-range", M_IPRANGE, O_SRANGE}, {"--dst-range", M_IPRANGE, O_DRANGE},
	{"--state", M_STATE, O_STATE},        {"--ctstate", M_CONNTRACK, O_STATE},
	{"--ctproto", M_CONNTRACK, O_CTPROTO},
	{"--mac-source", M_MAC, O_MAC},       {"--comment", M_COMMENT, O_COMMENT},
};

/* Targets by name; anything else is a chain or an unknown extension. */
static const struct {
	const char *name;
	enum rs_verdict_code code;
	enum rs_nat nat;
	bool has_opts;
} targets[] = {
	{"ACCEPT", RS_V_ACCEPT, RS_NAT_NONE, false},
	{"DROP", RS_V_DROP, RS_NAT_NONE, false},
	{"REJECT", RS_V_DROP, RS_NAT_NONE, true},
	{"RETURN", RS_V_RETURN, RS_NAT_NONE, false},
	{"DNAT", RS_V_ACCEPT, RS_NAT_DNAT, true},
	{"SNAT", RS_V_ACCEPT, RS_NAT_SNAT, true},
	{"MASQUERADE", RS_V_ACCEPT, RS_NAT_MASQUERADE, true},
	{"REDIRECT", RS_V_ACCEPT, RS_NAT_REDIRECT, true},
	/* these log, mark or rewrite but never decide: the packet goes on */
	{"LOG", RS_V_CONTINUE, RS_NAT_NONE, true},
	{"NFLOG", RS_V_CONTINUE, RS_NAT_NONE, true},
	{"ULOG", RS_V_CONTINUE, RS_NAT_NONE, true},
	{"MARK", RS_V_CONTINUE, RS_NAT_NONE, true},
	{"CONNMARK", RS_V_CONTINUE, RS_NAT_NONE, true},
	{"TCPMSS", RS_V_CONTINUE, RS_NAT_NONE, true},
	{"CLASSIFY", RS_V_CONTINUE, RS_NAT_NONE, true},
	{"NOTRACK", RS_V_CONTINUE, RS_NAT_NONE, true},
	{"CT", RS_V_CONTINUE, RS_NAT_NONE, true},
	{"DSCP", RS_V_CONTINUE, RS_NAT_NONE, true},
	{"TOS", RS_V_CONTINUE, RS_NAT_NONE, true},
	{"CHECKSUM", RS_V_CONTINUE, RS_NAT_NONE, true},
	{"TTL", RS_V_CONTINUE, RS_NAT_NONE, true},
	{"HL", RS_V_CONTINUE, RS_NAT_NONE, true},
	{"TRACE", RS_V_CONTINUE, RS_NAT_NONE, true},
	{"SECMARK", RS_V_CONTINUE, RS_NAT_NONE, true},
	{"CONNSECMARK", RS_V_CONTINUE, RS_NAT_NONE, true},
	{"AUDIT", RS_V_CONTINUE, RS_NAT_NONE, true},
};

static const struct {
	const char *name;
	uint8_t num;
} protos[] = {
	{"all", 0},     {"tcp", 6},    {"udp", 17},    {"icmp", 1},    {"icmpv6", 58}, {"ipv6-icmp", 58},
	{"sctp", 132},  {"udplite", 136}, {"dccp", 33}, {"esp", 50},   {"ah", 51},     {"gre", 47},
	{"igmp", 2},    {"ipv6", 41},  {"ospf", 89},   {"pim", 103},   {"vrrp", 112},  {"ipip", 4},
	{"ipencap", 4}, {"l2tp", 115}, {"mh", 135},
};

/* A bounded text buffer for naming what we can't model. */
struct sbuf {
	char s[240];
	size_t n;
};

static void sb_add(struct sbuf *b, const char *s, bool quoted)
{
	int k = snprintf(b->s + b->n, sizeof(b->s) - b->n, quoted ? "%s\"%s\"" : "%s%s", b->n ? " " : "", s);
	if (k > 0)
		b->n = b->n + (size_t)k < sizeof(b->s) ? b->n + (size_t)k : sizeof(b->s) - 1;
}

/*
 * Appends the words from c->i on to b, up to the next option we handle
 * ourselves (any option when args_only), keeping a '!' with the option it
 * negates.  This is how a module or target we don't model keeps its
 * options together in the message.
 */
static void take_words(struct rule_ctx *c, struct sbuf *b, bool args_only)
{
	while (c->i < c->n) {
		const struct tok *t = &c->t[c->i];
		if (rs_ipt_is_bang(t) && c->i + 1 < c->n && rs_ipt_is_option(&c->t[c->i + 1]))
			t = &c->t[c->i + 1];
		if (rs_ipt_is_option(t) && (args_only || rs_ipt_generic_find(t->s) >= 0))
			return;
		sb_add(b, c->t[c->i].s, c->t[c->i].quoted);
		c->i++;
	}
}

/* The argument of option o; takes the old form `-s ! x` too (neg NULL: no '!' allowed). */
static int arg(struct rule_ctx *c, const struct tok *o, bool *neg, const struct tok **ret)
{
	if (c->i < c->n && rs_ipt_is_bang(&c->t[c->i])) {
		if (!neg)
			return rs_ipt_fail(c->p, c->t[c->i].col, "'!' is not allowed here");
		if (*neg)
			return rs_ipt_fail(c->p, c->t[c->i].col, "double negation");
		*neg = true;
		c->i++;
	}
	if (c->i >= c->n || rs_ipt_is_option(&c->t[c->i]))
		return rs_ipt_fail(c->p, o->col, "option '%s' needs an argument", o->s);
	*ret = &c->t[c->i++];
	return 0;
}

static int add(struct rule_ctx *c, enum rs_key k, enum rs_op op, struct rs_match **ret)
{
	struct rs_match *m = rs_match_add(c->rule);

	if (!m)
		return -ENOMEM;
	m->keys[0] = k;
	m->op = op;
	*ret = m;
	return 0;
}

static int add_need(struct rule_ctx *c, uint8_t proto, unsigned col, const char *what)
{
	if (c->n_needs == MAX_NEEDS)
		return rs_ipt_fail(c->p, col, "too many protocol matches in one rule");
	c->needs[c->n_needs++] = (struct need){proto, col, what};
	return 0;
}

static const char *proto_name(uint8_t n)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].num == n)
			return protos[i].name;
	return "?";
}

bool rs_ipt_parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	*ret = strtoul(s, &end, 10);
	return !*end && !errno && *ret <= max;
}

/* Records which family an address belongs to; conflicts are judged at the end. */
static void note_family(struct parser *p, int fam, unsigned col)
{
	struct pos *f = fam == 6 ? &p->first_v6 : &p->first_v4;

	if (!f->line)
		*f = (struct pos){p->line, col};
}

/* "ADDR", "ADDR/LEN" or "ADDR/MASK" → address and mask; returns 4, 6 or 0 (bad). */
static int parse_addr(const char *s, uint8_t addr[16], uint8_t mask[16])
{
	char a[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	int fam;

	if (n >= sizeof(a))
		return 0;
	memcpy(a, s, n);
	a[n] = 0;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, a, addr) == 1)
		fam = 4;
	else if (inet_pton(AF_INET6, a, addr) == 1)
		fam = 6;
	else
		return 0;
	unsigned bits = fam == 4 ? 32 : 128;
	unsigned long len = bits;
	memset(mask, 0, 16);
	if (slash && !rs_ipt_parse_uint(slash + 1, bits, &len)) {
		/* a netmask written as an address, e.g. /255.255.0.0 (may be non-contiguous) */
		if (inet_pton(fam == 4 ? AF_INET : AF_INET6, slash + 1, mask) != 1)
			return 0;
	} else {
		for (unsigned i = 0; i < bits / 8; i++)
			mask[i] = len >= (i + 1) * 8 ? 0xff : len > i * 8 ? (uint8_t)(0xff << (8 - (len - i * 8))) : 0;
	}
	for (unsigned i = 0; i < 16; i++)
		addr[i] &= mask[i];
	return fam;
}

static int opt_addr(struct rule_ctx *c, const struct tok *a, bool src, bool neg)
{
	uint8_t addr[16], mask[16];
	struct rs_match *m;
	int fam, err;

	if (strchr(a->s, ','))
		return rs_ipt_fail(
			c->p, a->col,
			"address list '%s': iptables-save writes one address per rule; split it into one rule each",
			a->s);
	fam = parse_addr(a->s, addr, mask);
	if (!fam)
		return rs_ipt_fail(c->p, a->col, "bad address '%s' (expected ADDRESS[/PREFIX or /NETMASK])", a->s);
	note_family(c->p, fam, a->col);
	enum rs_key k = fam == 4 ? (src ? RS_KEY_IP_SADDR : RS_KEY_IP_DADDR) : (src ? RS_KEY_IP6_SADDR : RS_KEY_IP6_DADDR);
	if ((err = add(c, k, neg ? RS_OP_NE : RS_OP_EQ, &m)) < 0)
		return err;
	m->has_mask = true;
	memcpy(m->mask, mask, 16);
	memcpy(m->value, addr, 16);
	return 0;
}

static int opt_iface(struct rule_ctx *c, const struct tok *a, enum rs_key k, bool neg)
{
	size_t n = strlen(a->s);
	struct rs_match *m;
	int err;

	if (n == 0 || n >= RS_IFNAMSIZ)
		return rs_ipt_fail(c->p, a->col, "interface name '%s' must have 1 to %d characters", a->s,
				   RS_IFNAMSIZ - 1);
	if ((err = add(c, k, neg ? RS_OP_NE : RS_OP_EQ, &m)) < 0)
		return err;
	memcpy(m->value, a->s, n);
	if (m->value[n - 1] == '+')
		m->value[n - 1] = '*'; /* iptables' wildcard is the IR's prefix match */
	return 0;
}

static int opt_proto(struct rule_ctx *c, const struct tok *o, const struct tok *a, bool neg)
{
	unsigned long num = 256;
	struct rs_match *m;
	int err;

	if (c->proto >= 0)
		return rs_ipt_fail(c->p, o->col, "more than one -p in a rule");
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]) && num > 255; i++)
		if (strcasecmp(a->s, protos[i].name) == 0)
			num = protos[i].num;
	if (num > 255 && !rs_ipt_parse_uint(a->s, 255, &num))
		return rs_ipt_fail(c->p, a->col, "unknown protocol '%s'", a->s);
	if (strcasecmp(a->s, "icmpv6") == 0 || strcasecmp(a->s, "ipv6-icmp") == 0)
		c->p->v6_hint = true;
	c->proto = (int)num;
	c->proto_neg = neg;
	if (num == 0) {
		if (neg)
			return rs_ipt_fail(c->p, o->col, "'! -p %s' would never match", a->s);
		return 0; /* -p all: no match */
	}
	if ((err = add(c, RS_KEY_L4PROTO, neg ? RS_OP_NE : RS_OP_EQ, &m)) < 0)
		return err;
	m->value[0] = (uint8_t)num;
	return 0;
}

/* ------------------------------------------------------------ module options */

static const struct {
	const char *name;
	uint16_t port;
} services[] = {
	{"ftp-data", 20}, {"ftp", 21},     {"ssh", 22},      {"telnet", 23},  {"smtp", 25},   {"domain", 53},
	{"bootps", 67},   {"bootpc", 68},  {"tftp", 69},     {"http", 80},    {"www", 80},    {"pop3", 110},
	{"ntp", 123},     {"imap", 143},   {"snmp", 161},    {"ldap", 389},   {"https", 443}, {"submission", 587},
	{"syslog", 514},  {"imaps", 993},  {"pop3s", 995},   {"openvpn", 1194},
};

static bool parse_port(const char *s, uint16_t *ret)
{
	unsigned long v;

	if (rs_ipt_parse_uint(s, 65535, &v)) {
		*ret = (uint16_t)v;
		return true;
	}
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (strcmp(s, services[i].name) == 0) {
			*ret = services[i].port;
			return true;
		}
	return false;
}

/*
 * "N", "N:M", ":M" or "N:" (open ends are 0 and 65535).  N > M is kept: the
 * kernel tests min <= port <= max, so such a range matches nothing, and
 * real dumps have them (TUM: "--dport 60000:29").
 */
static bool parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	char a[64];
	const char *colon = strchr(s, ':');

	if (!colon)
		return parse_port(s, lo) && (*hi = *lo, true);
	if ((size_t)(colon - s) >= sizeof(a))
		return false;
	memcpy(a, s, (size_t)(colon - s));
	a[colon - s] = 0;
	*lo = 0;
	*hi = 65535;
	if (a[0] && !parse_port(a, lo))
		return false;
	return !colon[1] || parse_port(colon + 1, hi);
}

static void warn_empty_range(struct rule_ctx *c, const struct tok *a, uint16_t lo, uint16_t hi)
{
	if (lo > hi)
		topo_diag_add(c->p->diags, c->p->path, c->p->line, a->col, TOPO_SEV_WARNING,
			      "port range %u:%u is empty: it never matches", lo, hi);
}

static void put16(uint8_t *v, uint16_t x)
{
	v[0] = (uint8_t)(x >> 8);
	v[1] = (uint8_t)x;
}

static int opt_port(struct rule_ctx *c, const struct tok *a, enum rs_key k, bool neg)
{
	uint16_t lo, hi;
	struct rs_match *m;
	int err;

	if (!parse_port_range(a->s, &lo, &hi))
		return rs_ipt_fail(c->p, a->col, "bad port or port range '%s'", a->s);
	warn_empty_range(c, a, lo, hi);
	bool range = lo != hi;
	if ((err = add(c, k, range ? (neg ? RS_OP_NRANGE : RS_OP_RANGE) : (neg ? RS_OP_NE : RS_OP_EQ), &m)) < 0)
		return err;
	put16(m->value, lo);
	put16(m->value2, hi);
	return 0;
}

/* A new anonymous set, named as nft names them. */
static int anon_set(struct rule_ctx *c, uint32_t *ret)
{
	char name[32];
	int err;

	snprintf(name, sizeof(name), "__set%zu", c->p->r->n_sets);
	if ((err = rs_set_add(c->p->r, c->p->table, name, ret)) < 0)
		return err;
	c->p->r->sets[*ret].anonymous = true;
	c->p->r->sets[*ret].line = c->p->line;
	return 0;
}

/* -m multiport --dports/--sports a,b:c (at most 15 ports, a range counting two) */
static int opt_multiport(struct rule_ctx *c, const struct tok *a, enum rs_key k, bool neg)
{
	char list[MAX_LINE + 1];
	char *save = NULL;
	unsigned count = 0;
	uint32_t set;
	struct rs_match *m;
	int err;

	if (!a->s[0] || a->s[0] == ',' || strstr(a->s, ",,") || a->s[strlen(a->s) - 1] == ',')
		return rs_ipt_fail(c->p, a->col, "empty element in port list '%s'", a->s);
	snprintf(list, sizeof(list), "%s", a->s);
	if ((err = anon_set(c, &set)) < 0)
		return err;
	for (char *e = strtok_r(list, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
		uint16_t lo, hi;
		if (!parse_port_range(e, &lo, &hi))
			return rs_ipt_fail(c->p, a->col, "bad port or port range '%s' in '%s'", e, a->s);
		warn_empty_range(c, a, lo, hi);
		count += lo == hi ? 1 : 2;
		struct rs_set_elem *el = rs_set_elem_add(&c->p->r->sets[set]);
		if (!el)
			return -ENOMEM;
		put16(el->lo, lo);
		put16(el->hi, hi);
	}
	if (count == 0 || count > 15)
		return rs_ipt_fail(c->p, a->col, "multiport takes 1 to 15 ports (a range counts two), not '%s'", a->s);
	if ((err = add(c, k, neg ? RS_OP_NOT_IN : RS_OP_IN, &m)) < 0)
		return err;
	m->set = set;
	return 0;
}

static int opt_tcp_flags(struct rule_ctx *c, uint8_t mask, uint8_t comp, bool neg)
{
	struct rs_match *m;
	int err;

	if ((err = add(c, RS_KEY_TCP_FLAGS, neg ? RS_OP_NE : RS_OP_EQ, &m)) < 0)
		return err;
	m->has_mask = true;
	m->mask[0] = mask;
	m->value[0] = comp & mask;
	return 0;
}

static bool parse_flags(const char *s, uint8_t *ret)
{
	static const struct {
		const char *name;
		uint8_t bits;
	} flags[] = {{"FIN", 0x01}, {"SYN", 0x02}, {"RST", 0x04}, {"PSH", 0x08},
		     {"ACK", 0x10}, {"URG", 0x20}, {"ALL", 0x3f}, {"NONE", 0}};
	char list[128], *save = NULL;

	if (strlen(s) >= sizeof(list) || !s[0])
		return false;
	strcpy(list, s);
	*ret = 0;
	for (char *e = strtok_r(list, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (strcasecmp(e, flags[i].name) == 0)
				break;
		if (i == sizeof(flags) / sizeof(flags[0]))
			return false;
		*ret |= flags[i].bits;
	}
	return true;
}

/* iptables' ICMP names (libipt_icmp.c, libip6t_icmp6.c); code -1: any code */
static const struct icmp_name {
	const char *name;
	uint8_t type;
	int16_t code;
} icmp4_names[] = {
	{"echo-reply", 0, -1}, {"pong", 0, -1},
	{"destination-unreachable", 3, -1}, {"network-unreachable", 3, 0}, {"host-unreachable", 3, 1},
	{"protocol-unreachable", 3, 2}, {"port-unreachable", 3, 3}, {"fragmentation-needed", 3, 4},
	{"source-route-failed", 3, 5}, {"network-unknown", 3, 6}, {"host-unknown", 3, 7},
	{"network-prohibited", 3, 9}, {"host-prohibited", 3, 10}, {"TOS-network-unreachable", 3, 11},
	{"TOS-host-unreachable", 3, 12}, {"communication-prohibited", 3, 13}, {"host-precedence-violation", 3, 14},
	{"precedence-cutoff", 3, 15}, {"source-quench", 4, -1}, {"redirect", 5, -1}, {"network-redirect", 5, 0},
	{"host-redirect", 5, 1}, {"TOS-network-redirect", 5, 2}, {"TOS-host-redirect", 5, 3},
	{"echo-request", 8, -1}, {"ping", 8, -1}, {"router-advertisement", 9, -1}, {"router-solicitation", 10, -1},
	{"time-exceeded", 11, -1}, {"ttl-exceeded", 11, -1}, {"ttl-zero-during-transit", 11, 0},
	{"ttl-zero-during-reassembly", 11, 1}, {"parameter-problem", 12, -1}, {"ip-header-bad", 12, 0},
	{"required-option-missing", 12, 1}, {"timestamp-request", 13, -1}, {"timestamp-reply", 14, -1},
	{"address-mask-request", 17, -1}, {"address-mask-reply", 18, -1}, {NULL, 0, 0},
}, icmp6_names[] = {
	{"destination-unreachable", 1, -1}, {"no-route", 1, 0}, {"communication-prohibited", 1, 1},
	{"beyond-scope", 1, 2}, {"address-unreachable", 1, 3}, {"port-unreachable", 1, 4},
	{"failed-policy", 1, 5}, {"reject-route", 1, 6}, {"packet-too-big", 2, -1}, {"time-exceeded", 3, -1},
	{"ttl-exceeded", 3, -1}, {"ttl-zero-during-transit", 3, 0}, {"ttl-zero-during-reassembly", 3, 1},
	{"parameter-problem", 4, -1}, {"bad-header", 4, 0}, {"unknown-header-type", 4, 1}, {"unknown-option", 4, 2},
	{"echo-request", 128, -1}, {"ping", 128, -1}, {"echo-reply", 129, -1}, {"pong", 129, -1},
	{"mld-listener-query", 130, -1}, {"mld-listener-report", 131, -1}, {"mld-listener-done", 132, -1},
	{"mld-listener-reduction", 132, -1}, {"router-solicitation", 133, -1}, {"router-advertisement", 134, -1},
	{"neighbour-solicitation", 135, -1}, {"neighbor-solicitation", 135, -1},
	{"neighbour-advertisement", 136, -1}, {"neighbor-advertisement", 136, -1}, {"redirect", 137, -1},
	{NULL, 0, 0},
};

/* "any", a name, "TYPE" or "TYPE/CODE"; *type -1 for any */
static bool parse_icmp(const char *s, bool v6, int *type, int *code)
{
	unsigned long t, cd;
	char a[16];
	const char *slash = strchr(s, '/');

	*type = *code = -1;
	if (strcasecmp(s, "any") == 0)
		return true;
	for (const struct icmp_name *n = v6 ? icmp6_names : icmp4_names; n->name; n++)
		if (strcasecmp(s, n->name) == 0) {
			*type = n->type;
			*code = n->code;
			return true;
		}
	if (strlen(s) >= sizeof(a))
		return false;
	strcpy(a, s);
	if (slash)
		a[slash - s] = 0;
	if (!rs_ipt_parse_uint(a, 255, &t) || (slash && !rs_ipt_parse_uint(slash + 1, 255, &cd)))
		return false;
	*type = (int)t;
	*code = slash ? (int)cd : -1;
	return true;
}

static int opt_icmp(struct rule_ctx *c, const struct tok *a, bool v6, bool neg)
{
	int type, code, err;
	struct rs_match *m;

	if (!parse_icmp(a->s, v6, &type, &code))
		return rs_ipt_fail(c->p, a->col, "unknown ICMP%s type '%s'", v6 ? "v6" : "", a->s);
	if (type < 0)
		return neg ? rs_match_unknown(c->rule, "! --icmp-type any (never matches)") : 0;
	if (code < 0 || !neg) {
		if ((err = add(c, RS_KEY_ICMP_TYPE, neg ? RS_OP_NE : RS_OP_EQ, &m)) < 0)
			return err;
		m->value[0] = (uint8_t)type;
		if (code < 0)
			return 0;
		if ((err = add(c, RS_KEY_ICMP_CODE, RS_OP_EQ, &m)) < 0)
			return err;
		m->value[0] = (uint8_t)code;
		return 0;
	}
	/* not (type and code): one concatenated element, `icmp type . icmp code != { t . c }` */
	uint32_t set;
	if ((err = anon_set(c, &set)) < 0)
		return err;
	struct rs_set_elem *el = rs_set_elem_add(&c->p->r->sets[set]);
	if (!el)
		return -ENOMEM;
	el->lo[0] = el->hi[0] = (uint8_t)type;
	el->lo[1] = el->hi[1] = (uint8_t)code;
	if ((err = add(c, RS_KEY_ICMP_TYPE, RS_OP_NOT_IN, &m)) < 0)
		return err;
	m->n_keys = 2;
	m->keys[1] = RS_KEY_ICMP_CODE;
	m->set = set;
	return 0;
}

static int opt_range(struct rule_ctx *c, const struct tok *a, bool src, bool neg)
{
	char lo_s[64];
	const char *dash = strchr(a->s, '-');
	uint8_t lo[16] = {0}, hi[16] = {0};
	struct rs_match *m;
	int fam, err;

	if (!dash || (size_t)(dash - a->s) >= sizeof(lo_s))
		return rs_ipt_fail(c->p, a->col, "bad address range '%s' (expected FROM-TO)", a->s);
	memcpy(lo_s, a->s, (size_t)(dash - a->s));
	lo_s[dash - a->s] = 0;
	if (inet_pton(AF_INET, lo_s, lo) == 1 && inet_pton(AF_INET, dash + 1, hi) == 1)
		fam = 4;
	else if (inet_pton(AF_INET6, lo_s, lo) == 1 && inet_pton(AF_INET6, dash + 1, hi) == 1)
		fam = 6;
	else
		return rs_ipt_fail(c->p, a->col, "bad address range '%s' (expected FROM-TO)", a->s);
	note_family(c->p, fam, a->col);
	enum rs_key k = fam == 4 ? (src ? RS_KEY_IP_SADDR : RS_KEY_IP_DADDR) : (src ? RS_KEY_IP6_SADDR : RS_KEY_IP6_DADDR);
	if ((err = add(c, k, neg ? RS_OP_NRANGE : RS_OP_RANGE, &m)) < 0)
		return err;
	memcpy(m->value, lo, 16);
	memcpy(m->value2, hi, 16);
	return 0;
}

/* --state / --ctstate: `ct state & bits != 0`.  The conntrack match's SNAT
 * and DNAT "states" are the entry's status bits: `--ctstate DNAT` alone is
 * `ct status & dnat != 0`; mixed with real states (an OR of both) or
 * negated (xt_conntrack then also matches packets without an entry, which
 * no ct status match does) it is not modelled. */
static int opt_state(struct rule_ctx *c, const struct tok *o, const struct tok *a, bool neg)
{
	static const struct {
		const char *name;
		uint32_t bit, status;
	} st[] = {{"INVALID", RS_CT_INVALID, 0}, {"ESTABLISHED", RS_CT_ESTABLISHED, 0}, {"RELATED", RS_CT_RELATED, 0},
		  {"NEW", RS_CT_NEW, 0},         {"UNTRACKED", RS_CT_UNTRACKED, 0},   {"SNAT", 0, RS_CTS_SNAT},
		  {"DNAT", 0, RS_CTS_DNAT}};
	char list[128], *save = NULL;
	uint32_t bits = 0, status = 0;
	struct rs_match *m;
	int err;

	if (strlen(a->s) >= sizeof(list) || !a->s[0])
		return rs_ipt_fail(c->p, a->col, "bad state list '%s'", a->s);
	strcpy(list, a->s);
	for (char *e = strtok_r(list, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof(st) / sizeof(st[0]); i++)
			if (strcasecmp(e, st[i].name) == 0)
				break;
		if (i == sizeof(st) / sizeof(st[0]))
			return rs_ipt_fail(c->p, a->col, "unknown connection state '%s' in '%s'", e, a->s);
		bits |= st[i].bit;
		status |= st[i].status;
	}
	if (status && (bits || neg)) {
		char why[200];
		snprintf(why, sizeof(why), "%s-m conntrack %s %s", neg ? "! " : "", o->s, a->s);
		return rs_match_unknown(c->rule, why);
	}
	if ((err = add(c, status ? RS_KEY_CT_STATUS : RS_KEY_CT_STATE, neg ? RS_OP_EQ : RS_OP_NE, &m)) < 0)
		return err;
	m->has_mask = true;
	if (status)
		memcpy(m->mask, &status, sizeof(status));
	else
		memcpy(m->mask, &bits, sizeof(bits)); /* host order, as the IR says */
	return 0;
}

/* "XX:XX:XX:XX:XX:XX" with some digits blanked out, as published dumps do */
static bool anonymised_mac(const char *s)
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]) && s[i] != 'X' && s[i] != 'x')
			return false;
	return true;
}

int rs_ipt_module_option(struct rule_ctx *c, const struct tok *o, bool neg, unsigned bang_col)
{
	const struct tok *a = NULL, *a2 = NULL;
	struct rs_match *m;
	long which = -1;
	int err;

	for (size_t i = 0; i < sizeof(mod_opts) / sizeof(mod_opts[0]) && which < 0; i++)
		if (strcmp(o->s, mod_opts[i].name) == 0 && (c->loaded & 1u << mod_opts[i].mod))
			which = (long)i;
	/* like iptables, `-p tcp` loads the tcp match for --dport and friends */
	for (size_t i = 0; i < sizeof(mod_opts) / sizeof(mod_opts[0]) && which < 0; i++)
		if (strcmp(o->s, mod_opts[i].name) == 0 && c->proto > 0 && !c->proto_neg &&
		    modules[mod_opts[i].mod].proto == c->proto) {
			which = (long)i;
			c->loaded |= 1u << mod_opts[i].mod;
		}
	if (which < 0) {
		for (size_t i = 0; i < sizeof(mod_opts) / sizeof(mod_opts[0]); i++)
			if (strcmp(o->s, mod_opts[i].name) == 0)
				return rs_ipt_fail(c->p, o->col, "option '%s' needs '-m %s'%s before it", o->s,
						   modules[mod_opts[i].mod].name, modules[mod_opts[i].mod].proto ? " or -p" : "");
		/* an option of a module we know but don't model (--ports, --ctproto …) */
		struct sbuf b = {.n = 0};
		if (neg)
			sb_add(&b, "!", false);
		if (c->mod) {
			sb_add(&b, "-m", false);
			sb_add(&b, c->mod, false);
		}
		sb_add(&b, o->s, false);
		take_words(c, &b, true);
		return rs_match_unknown(c->rule, b.s);
	}
	enum opt opt = mod_opts[which].opt;
	if (opt == O_COMMENT && c->i < c->n)
		c->i++; /* free text: even "!" or "-x" is the comment */
	else if (opt != O_SYN && (err = arg(c, o, &neg, &a)) < 0)
		return err;
	switch (opt) {
	case O_SPORT:
	case O_DPORT:
		return opt_port(c, a, opt == O_SPORT ? RS_KEY_SPORT : RS_KEY_DPORT, neg);
	case O_SYN:
		return opt_tcp_flags(c, 0x17, 0x02, neg); /* SYN set, RST ACK FIN clear */
	case O_TCPFLAGS: {
		uint8_t mask, comp;
		if ((err = arg(c, o, NULL, &a2)) < 0)
			return err;
		if (!parse_flags(a->s, &mask))
			return rs_ipt_fail(c->p, a->col, "bad TCP flags '%s'", a->s);
		if (!parse_flags(a2->s, &comp))
			return rs_ipt_fail(c->p, a2->col, "bad TCP flags '%s'", a2->s);
		return opt_tcp_flags(c, mask, comp, neg);
	}
	case O_ICMP:
		return opt_icmp(c, a, mod_opts[which].mod == M_ICMP6, neg);
	case O_MP_SPORTS:
	case O_MP_DPORTS:
		return opt_multiport(c, a, opt == O_MP_SPORTS ? RS_KEY_SPORT : RS_KEY_DPORT, neg);
	case O_SRANGE:
	case O_DRANGE:
		return opt_range(c, a, opt == O_SRANGE, neg);
	case O_STATE:
		return opt_state(c, o, a, neg);
	case O_MAC: {
		uint8_t mac[6];
		if (topo_mac_parse(a->s, mac) < 0 && anonymised_mac(a->s)) {
			char why[64];
			snprintf(why, sizeof(why), "%s-m mac --mac-source %s (anonymised)", neg ? "! " : "", a->s);
			return rs_match_unknown(c->rule, why);
		}
		if (topo_mac_parse(a->s, mac) < 0)
			return rs_ipt_fail(c->p, a->col, "bad MAC address '%s'", a->s);
		if ((err = add(c, RS_KEY_ETHER_SADDR, neg ? RS_OP_NE : RS_OP_EQ, &m)) < 0)
			return err;
		memcpy(m->value, mac, 6);
		return 0;
	}
	case O_CTPROTO: {
		/* the connection's layer-4 protocol: for the first packet of a
		 * connection (what verify judges) the packet's own */
		unsigned long num = 256;
		for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]) && num > 255; i++)
			if (strcasecmp(a->s, protos[i].name) == 0)
				num = protos[i].num;
		if (num > 255 && !rs_ipt_parse_uint(a->s, 255, &num))
			return rs_ipt_fail(c->p, a->col, "unknown protocol '%s'", a->s);
		if (num == 0)
			return neg ? rs_match_unknown(c->rule, "! -m conntrack --ctproto all") : 0;
		if ((err = add(c, RS_KEY_L4PROTO, neg ? RS_OP_NE : RS_OP_EQ, &m)) < 0)
			return err;
		m->value[0] = (uint8_t)num;
		return 0;
	}
	case O_COMMENT:
		if (neg)
			return rs_ipt_fail(c->p, bang_col, "'!' is not allowed before --comment");
		return 0;
	}
	return 0;
}

/* ------------------------------------------------------------------ targets */

/* -j DNAT --to-destination ADDR[:PORT] (IPv6: [ADDR]:PORT): exact for one
 * address and at most one port; ranges, several --to-destination and other
 * options leave it approximate. */
static void dnat_target(const struct rule_ctx *c, size_t from, struct rs_nat_target *t)
{
	char buf[80], *addr = buf, *port = NULL;
	const char *val = NULL;

	memset(t, 0, sizeof(*t));
	for (size_t i = from; i < c->i; i++) {
		if (strcmp(c->t[i].s, "--to-destination") != 0 || val || i + 1 >= c->i)
			return;
		val = c->t[++i].s;
	}
	if (!val || strlen(val) >= sizeof(buf) || strchr(val, '-'))
		return;
	strcpy(buf, val);
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');
		if (!close || (close[1] && close[1] != ':'))
			return;
		*close = '\0';
		addr = buf + 1;
		port = close[1] ? close + 2 : NULL;
	} else if (strchr(buf, ':') == strrchr(buf, ':') && strchr(buf, ':')) {
		port = strchr(buf, ':');
		*port++ = '\0';
	}
	if (inet_pton(AF_INET, addr, t->addr) == 1)
		t->family = 4;
	else if (inet_pton(AF_INET6, addr, t->addr) == 1)
		t->family = 6;
	else
		return;
	if (port) {
		char *end;
		unsigned long v = strtoul(port, &end, 10);
		if (!*port || *end || v > 65535)
			return;
		t->has_port = true;
		t->port = (uint16_t)v;
	}
	t->exact = true;
}

static int opt_target(struct rule_ctx *c, const struct tok *o, const struct tok *a, bool go)
{
	struct sbuf opts = {.n = 0};
	struct rs_rule *rule = c->rule;
	size_t k, opts_at = c->i;
	long ch;

	if (c->has_target)
		return rs_ipt_fail(c->p, o->col, "more than one target (-j/-g) in a rule");
	c->has_target = true;
	take_words(c, &opts, false);
	for (k = 0; k < sizeof(targets) / sizeof(targets[0]); k++)
		if (strcmp(a->s, targets[k].name) == 0)
			break;
	if (k < sizeof(targets) / sizeof(targets[0])) {
		if (go)
			return rs_ipt_fail(c->p, a->col, "-g needs a user-defined chain, not '%s'", a->s);
		if (opts.n && !targets[k].has_opts)
			return rs_ipt_fail(c->p, c->t[opts_at].col, "'%s' is not an option of -j %s", c->t[opts_at].s,
					   a->s);
		rule->verdict.code = targets[k].code;
		rule->nat = targets[k].nat;
		if (rule->nat == RS_NAT_DNAT)
			dnat_target(c, opts_at, &rule->nat_to);
		return 0;
	}
	ch = rs_ipt_chain_find(c->p->r, c->p->table, a->s);
	if (ch < 0 && !go) {
		/* not declared (yet): an extension like NFQUEUE or TARPIT, or a chain declared later */
		bool caps = true;
		for (const char *s = a->s; *s; s++)
			caps = caps && (isupper((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_');
		if (caps) {
			rule->verdict.code = RS_V_UNKNOWN;
			return rs_rule_unsupported(rule, "-j %s%s%s", a->s, opts.n ? " " : "", opts.s);
		}
	}
	if (ch >= 0 && c->p->r->chains[ch].hook != RS_HOOK_NONE)
		return rs_ipt_fail(c->p, a->col, "can't %s the built-in chain '%s'", go ? "goto" : "jump to", a->s);
	if (opts.n)
		return rs_ipt_fail(c->p, c->t[opts_at].col, "'%s' is not an option of %s %s", c->t[opts_at].s, o->s,
				   a->s);
	if (ch < 0 && c->p->r->n_chains >= MAX_CHAINS)
		return rs_ipt_fail(c->p, a->col, "more than %d chains", MAX_CHAINS);
	uint32_t idx;
	int err = rs_chain_get(c->p->r, c->p->table, a->s, &idx);
	if (err < 0)
		return err;
	rule->verdict.code = go ? RS_V_GOTO : RS_V_JUMP;
	rule->verdict.chain = idx;
	return 0;
}

/* ------------------------------------------------------- generic options */

int rs_ipt_generic_option(struct rule_ctx *c, enum gen g, const struct tok *o, bool neg, unsigned bang_col)
{
	const struct tok *a = NULL, *a2 = NULL;
	struct sbuf b = {.n = 0};
	int err;

	switch (g) {
	case G_FRAG:
		return rs_match_unknown(c->rule, neg ? "! -f (fragments)" : "-f (fragments)");
	case G_IPV4:
	case G_IPV6:
		if (neg)
			return rs_ipt_fail(c->p, bang_col, "'!' is not allowed before %s", o->s);
		if (c->p->hdr_family == (g == G_IPV4 ? RS_FAMILY_IP : RS_FAMILY_IP6))
			return 0;
		return rs_match_unknown(c->rule, g == G_IPV4 ? "-4 (rule for IPv4 only)" : "-6 (rule for IPv6 only)");
	case G_COUNTERS:
		if ((err = arg(c, o, NULL, &a)) < 0 || (err = arg(c, o, NULL, &a2)) < 0)
			return err;
		return 0;
	default:
		break;
	}
	bool neg_ok = g != G_MATCH && g != G_JUMP && g != G_GOTO;
	if (neg && !neg_ok)
		return rs_ipt_fail(c->p, bang_col, "'!' is not allowed before %s", o->s);
	if ((err = arg(c, o, neg_ok ? &neg : NULL, &a)) < 0)
		return err;
	switch (g) {
	case G_SRC:
	case G_DST:
		return opt_addr(c, a, g == G_SRC, neg);
	case G_IN:
	case G_OUT:
		return opt_iface(c, a, g == G_IN ? RS_KEY_IIFNAME : RS_KEY_OIFNAME, neg);
	case G_PROTO:
		return opt_proto(c, o, a, neg);
	case G_JUMP:
	case G_GOTO:
		return opt_target(c, o, a, g == G_GOTO);
	case G_MATCH:
		for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++)
			if (strcmp(a->s, modules[i].name) == 0) {
				c->loaded |= 1u << i;
				c->mod = modules[i].name;
				if (i == M_ICMP6)
					c->p->v6_hint = true;
				if (modules[i].proto || i == M_MULTIPORT)
					return add_need(c, modules[i].proto, o->col, modules[i].name);
				return 0;
			}
		/* a module we don't model: keep it whole, with its options */
		c->mod = a->s;
		sb_add(&b, "-m", false);
		sb_add(&b, a->s, a->quoted);
		take_words(c, &b, false);
		if (strcmp(a->s, "set") == 0)
			sb_add(&b, "(ipset contents are not in iptables-save output)", false);
		return rs_match_unknown(c->rule, b.s);
	default:
		return 0;
	}
}

int rs_ipt_check_needs(struct rule_ctx *c)
{
	for (size_t i = 0; i < c->n_needs; i++) {
		const struct need *nd = &c->needs[i];
		bool ok = c->proto > 0 && !c->proto_neg;
		if (ok && nd->proto)
			ok = c->proto == nd->proto;
		else if (ok)
			ok = c->proto == 6 || c->proto == 17 || c->proto == 132 || c->proto == 33 || c->proto == 136;
		if (ok)
			continue;
		if (nd->proto)
			return rs_ipt_fail(c->p, nd->col, "-m %s needs -p %s in the same rule", nd->what,
					   proto_name(nd->proto));
		return rs_ipt_fail(c->p, nd->col, "-m %s needs -p tcp, udp, sctp, dccp or udplite in the same rule",
				   nd->what);
	}
	return 0;
}
