/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft JSON expressions, values and matches (see nft-json.c for the
 * document they are in): the names nft prints for numbers; packet
 * expressions into model keys, with the protocol dependencies they imply;
 * values, prefixes, ranges and set elements into key bytes; a match
 * statement into model matches (lookups into sets, anonymous or named).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft-json-internal.h"

static bool is_bitmask(enum rs_key k)
{
	return k == RS_KEY_CT_STATE || k == RS_KEY_CT_STATUS || k == RS_KEY_TCP_FLAGS;
}

/* Keys that read and compare alike (a set of ipv4_addr serves ip saddr and daddr). */
static int key_class(enum rs_key k)
{
	switch (k) {
	case RS_KEY_IP_DADDR:
		return RS_KEY_IP_SADDR;
	case RS_KEY_IP6_DADDR:
		return RS_KEY_IP6_SADDR;
	case RS_KEY_SPORT:
		return RS_KEY_DPORT;
	case RS_KEY_OIFNAME:
		return RS_KEY_IIFNAME;
	default:
		return k;
	}
}

/* ------------------------------------------------------------- constants */

bool rs_json_sym_find(const struct sym *t, const char *name, uint32_t *ret)
{
	for (; t->name; t++)
		if (strcmp(t->name, name) == 0) {
			*ret = t->value;
			return true;
		}
	return false;
}

/* /etc/protocols names as nft prints them */
static const struct sym l4protos[] = {
	{"hopopt", 0}, {"icmp", 1}, {"igmp", 2}, {"ipencap", 4}, {"tcp", 6}, {"egp", 8}, {"udp", 17},
	{"dccp", 33}, {"ipv6", 41}, {"ipv6-route", 43}, {"ipv6-frag", 44}, {"rsvp", 46}, {"gre", 47},
	{"esp", 50}, {"ah", 51}, {"ipv6-icmp", 58}, {"icmpv6", 58}, {"ipv6-nonxt", 59}, {"ipv6-opts", 60},
	{"ospf", 89}, {"pim", 103}, {"comp", 108}, {"vrrp", 112}, {"l2tp", 115}, {"sctp", 132},
	{"udplite", 136}, {"mpls-in-ip", 137}, {NULL, 0},
};

/* nft prints ports as numbers; hand-written JSON may name a few */
static const struct sym services[] = {
	{"ftp-data", 20}, {"ftp", 21}, {"ssh", 22}, {"telnet", 23}, {"smtp", 25}, {"domain", 53},
	{"bootps", 67}, {"bootpc", 68}, {"tftp", 69}, {"http", 80}, {"kerberos", 88}, {"pop3", 110},
	{"sunrpc", 111}, {"ntp", 123}, {"netbios-ns", 137}, {"netbios-dgm", 138}, {"netbios-ssn", 139},
	{"imap", 143}, {"imap2", 143}, {"snmp", 161}, {"snmp-trap", 162}, {"ldap", 389}, {"https", 443},
	{"microsoft-ds", 445}, {"syslog", 514}, {"submission", 587}, {"ldaps", 636}, {"imaps", 993},
	{"pop3s", 995}, {"openvpn", 1194}, {"ms-sql-s", 1433}, {"mysql", 3306}, {"ms-wbt-server", 3389},
	{"postgresql", 5432}, {"http-alt", 8080}, {NULL, 0},
};

static const struct sym icmp_types[] = {
	{"echo-reply", 0}, {"destination-unreachable", 3}, {"source-quench", 4}, {"redirect", 5},
	{"echo-request", 8}, {"router-advertisement", 9}, {"router-solicitation", 10}, {"time-exceeded", 11},
	{"parameter-problem", 12}, {"timestamp-request", 13}, {"timestamp-reply", 14}, {"info-request", 15},
	{"info-reply", 16}, {"address-mask-request", 17}, {"address-mask-reply", 18}, {NULL, 0},
};

static const struct sym icmp6_types[] = {
	{"destination-unreachable", 1}, {"packet-too-big", 2}, {"time-exceeded", 3}, {"parameter-problem", 4},
	{"echo-request", 128}, {"echo-reply", 129}, {"mld-listener-query", 130}, {"mld-listener-report", 131},
	{"mld-listener-done", 132}, {"mld-listener-reduction", 132}, {"nd-router-solicit", 133},
	{"nd-router-advert", 134}, {"nd-neighbor-solicit", 135}, {"nd-neighbor-advert", 136},
	{"nd-redirect", 137}, {"router-renumbering", 138}, {"ind-neighbor-solicit", 141},
	{"ind-neighbor-advert", 142}, {"mld2-listener-report", 143}, {NULL, 0},
};

static const struct sym icmp_codes[] = {
	{"net-unreachable", 0}, {"host-unreachable", 1}, {"prot-unreachable", 2}, {"port-unreachable", 3},
	{"frag-needed", 4}, {"net-prohibited", 9}, {"host-prohibited", 10}, {"admin-prohibited", 13},
	{NULL, 0},
};

static const struct sym icmp6_codes[] = {
	{"no-route", 0}, {"admin-prohibited", 1}, {"addr-unreachable", 3}, {"port-unreachable", 4},
	{"policy-fail", 5}, {"reject-route", 6}, {NULL, 0},
};

static const struct sym ct_states[] = {
	{"invalid", RS_CT_INVALID}, {"established", RS_CT_ESTABLISHED}, {"related", RS_CT_RELATED},
	{"new", RS_CT_NEW}, {"untracked", RS_CT_UNTRACKED}, {NULL, 0},
};

static const struct sym ct_statuses[] = {
	{"expected", RS_CTS_EXPECTED}, {"seen-reply", RS_CTS_SEEN_REPLY}, {"assured", RS_CTS_ASSURED},
	{"confirmed", RS_CTS_CONFIRMED}, {"snat", RS_CTS_SNAT}, {"dnat", RS_CTS_DNAT}, {"dying", RS_CTS_DYING},
	{NULL, 0},
};

static const struct sym tcp_flags[] = {
	{"fin", 0x01}, {"syn", 0x02}, {"rst", 0x04}, {"psh", 0x08}, {"ack", 0x10}, {"urg", 0x20},
	{"ecn", 0x40}, {"cwr", 0x80}, {NULL, 0},
};

static const struct sym nfprotos[] = {{"ipv4", 2}, {"ipv6", 10}, {NULL, 0}};

static const struct sym ethertypes[] = {{"ip", 0x0800}, {"ip6", 0x86dd}, {NULL, 0}};

/* ------------------------------------------------------------------ keys */

static const struct {
	const char *proto, *field;
	enum rs_key key;
	uint8_t l4dep;
} payload_keys[] = {
	{"ip", "saddr", RS_KEY_IP_SADDR, 0},      {"ip", "daddr", RS_KEY_IP_DADDR, 0},
	{"ip", "protocol", RS_KEY_L4PROTO, 0},    {"ip6", "saddr", RS_KEY_IP6_SADDR, 0},
	{"ip6", "daddr", RS_KEY_IP6_DADDR, 0},    {"ip6", "nexthdr", RS_KEY_L4PROTO, 0},
	{"tcp", "sport", RS_KEY_SPORT, 6},        {"tcp", "dport", RS_KEY_DPORT, 6},
	{"tcp", "flags", RS_KEY_TCP_FLAGS, 6},    {"udp", "sport", RS_KEY_SPORT, 17},
	{"udp", "dport", RS_KEY_DPORT, 17},       {"udplite", "sport", RS_KEY_SPORT, 136},
	{"udplite", "dport", RS_KEY_DPORT, 136},  {"sctp", "sport", RS_KEY_SPORT, 132},
	{"sctp", "dport", RS_KEY_DPORT, 132},     {"dccp", "sport", RS_KEY_SPORT, 33},
	{"dccp", "dport", RS_KEY_DPORT, 33},      {"th", "sport", RS_KEY_SPORT, 0},
	{"th", "dport", RS_KEY_DPORT, 0},         {"icmp", "type", RS_KEY_ICMP_TYPE, 1},
	{"icmp", "code", RS_KEY_ICMP_CODE, 1},    {"icmpv6", "type", RS_KEY_ICMP_TYPE, 58},
	{"icmpv6", "code", RS_KEY_ICMP_CODE, 58}, {"ether", "saddr", RS_KEY_ETHER_SADDR, 0},
};

/* A key of the dependency's protocol was read: it is needed after all. */
static void dep_use(struct ctx *c, enum dep_kind kind)
{
	for (unsigned i = c->n_deps; i-- > 0;)
		if (c->deps[i].kind == kind) {
			c->deps[i].used = true;
			return;
		}
}

/*
 * `meta protocol ip`, `ether type ip6`, `meta iiftype ether` as a
 * dependency (see struct dep).  Returns 0 when taken (or always true in
 * this table's family), UNMODELLED for other values and operators, and
 * NOT_DEP when `left` is no such expression.
 */
#define NOT_DEP 2
static int match_dep(struct ctx *c, json_t *left, enum mop op, json_t *right, char *why, size_t wl)
{
	json_t *v, *key;
	const char *kind = rs_json_only_member(left, &v), *name;
	uint32_t et = 0;
	uint64_t u;
	char d[64];

	if (!kind || !json_is_object(v))
		return NOT_DEP;
	if (strcmp(kind, "meta") == 0 && json_is_string(key = json_object_get(v, "key")) &&
	    (strcmp(json_string_value(key), "protocol") == 0 || strcmp(json_string_value(key), "iiftype") == 0))
		name = json_string_value(key)[0] == 'p' ? "meta protocol" : "meta iiftype";
	else if (strcmp(kind, "payload") == 0 && json_is_string(json_object_get(v, "protocol")) &&
		 strcmp(json_string_value(json_object_get(v, "protocol")), "ether") == 0 &&
		 json_is_string(key = json_object_get(v, "field")) && strcmp(json_string_value(key), "type") == 0)
		name = "ether type";
	else
		return NOT_DEP;
	rs_json_describe(right, d, sizeof(d));
	bool iiftype = name[5] == 'i';
	if (iiftype)
		et = (json_is_string(right) && strcmp(json_string_value(right), "ether") == 0) ||
			     (rs_json_get_uint(right, 0xffff, &u) == 0 && u == 1) /* ARPHRD_ETHER */
			     ? 1
			     : 0;
	else if (!(json_is_string(right) && rs_json_sym_find(ethertypes, json_string_value(right), &et)) &&
		 rs_json_get_uint(right, 0xffff, &u) == 0)
		et = (uint32_t)u;
	if ((op != OP_EQ && op != OP_IMPLICIT) || (iiftype ? et != 1 : et != 0x0800 && et != 0x86dd))
		return rs_json_unmodelled(why, wl, "%s %s%s", name, op == OP_NE ? "!= " : "", d);
	enum dep_kind dk = iiftype ? DEP_ETHER : et == 0x0800 ? DEP_IP : DEP_IP6;
	if ((dk == DEP_IP && c->family == RS_FAMILY_IP) || (dk == DEP_IP6 && c->family == RS_FAMILY_IP6))
		return 0; /* always true here */
	if (c->n_deps == sizeof(c->deps) / sizeof(c->deps[0]))
		return rs_json_unmodelled(why, wl, "%s %s", name, d);
	struct dep *dp = &c->deps[c->n_deps++];
	dp->kind = dk;
	dp->used = false;
	snprintf(dp->what, sizeof(dp->what), "%s %s", name, iiftype ? "ether" : dk == DEP_IP ? "ip" : "ip6");
	return 0;
}

/* The name of an expression we don't model: "fib oif", "ct original saddr", … */
int rs_json_name_expr(const char *kind, json_t *v, char *why, size_t len)
{
	const char *parts[4] = {NULL, NULL, NULL, NULL};
	static const char *const members[] = {"dir", "key", "name", "result", "field", "mode"};
	size_t n = 0;

	if (json_is_object(v))
		for (size_t i = 0; i < sizeof(members) / sizeof(members[0]) && n < 4; i++) {
			json_t *m = json_object_get(v, members[i]);
			if (json_is_string(m))
				parts[n++] = json_string_value(m);
		}
	return rs_json_unmodelled(why, len, "%.30s%s%.30s%s%.30s%s%.30s", kind, parts[0] ? " " : "",
				  parts[0] ? parts[0] : "", parts[1] ? " " : "", parts[1] ? parts[1] : "",
				  parts[2] ? " " : "", parts[2] ? parts[2] : "");
}

/*
 * A packet expression (left side of a match, a set/vmap key) into a key.
 * Returns 0, UNMODELLED (why names it), or -EBADMSG.
 */
int rs_json_read_key(struct ctx *c, const char *at, json_t *e, struct keyinfo *k, char *why, size_t wl)
{
	json_t *v;
	const char *kind = rs_json_only_member(e, &v), *s, *f;
	int err;

	memset(k, 0, sizeof(*k));
	if (json_is_string(e) || json_is_integer(e)) {
		char d[64];
		rs_json_describe(e, d, sizeof(d));
		return rs_json_unmodelled(why, wl, "constant %s in a key", d); /* `ip saddr . 1.2.3.4 @s` */
	}
	if (!kind)
		return rs_json_bad(c, at, "expected an expression, found %s",
				   json_is_object(e) ? "an object with several members" : "a list or literal");
	if (strcmp(kind, "payload") == 0) {
		if (!json_is_object(v))
			return rs_json_bad(c, at, "payload must be an object");
		json_t *base = json_object_get(v, "base"), *proto = json_object_get(v, "protocol");
		if (json_is_string(proto) && (strcmp(json_string_value(proto), "ether") == 0 ||
					      strcmp(json_string_value(proto), "vlan") == 0))
			dep_use(c, DEP_ETHER);
		else if (json_is_string(base) && strcmp(json_string_value(base), "ll") == 0)
			dep_use(c, DEP_ETHER);
		if (!proto) {
			return rs_json_unmodelled(why, wl, "raw payload @%.10s,%lld,%lld",
						  json_is_string(base) ? json_string_value(base) : "?",
						  (long long)json_integer_value(json_object_get(v, "offset")),
						  (long long)json_integer_value(json_object_get(v, "len")));
		}
		if ((err = rs_json_get_str(c, at, v, "protocol", true, &s)) < 0 ||
		    (err = rs_json_get_str(c, at, v, "field", true, &f)) < 0)
			return err;
		for (size_t i = 0; i < sizeof(payload_keys) / sizeof(payload_keys[0]); i++)
			if (strcmp(payload_keys[i].proto, s) == 0 && strcmp(payload_keys[i].field, f) == 0) {
				k->key = payload_keys[i].key;
				k->l4dep = payload_keys[i].l4dep;
				k->v6 = strcmp(s, "icmpv6") == 0;
				if (strcmp(s, "ip") == 0 || strcmp(s, "ip6") == 0)
					dep_use(c, s[2] ? DEP_IP6 : DEP_IP);
				return 0;
			}
		return rs_json_unmodelled(why, wl, "%.30s %.30s", s, f);
	}
	if (strcmp(kind, "meta") == 0) {
		if (!json_is_object(v))
			return rs_json_bad(c, at, "meta must be an object");
		if ((err = rs_json_get_str(c, at, v, "key", true, &s)) < 0)
			return err;
		if (strcmp(s, "l4proto") == 0)
			k->key = RS_KEY_L4PROTO;
		else if (strcmp(s, "nfproto") == 0)
			k->key = RS_KEY_NFPROTO;
		/* iif/oif load an index, but JSON shows the interface's name:
		 * read them as iifname/oifname, as the live loader does */
		else if (strcmp(s, "iifname") == 0 || strcmp(s, "iif") == 0)
			k->key = RS_KEY_IIFNAME;
		else if (strcmp(s, "oifname") == 0 || strcmp(s, "oif") == 0)
			k->key = RS_KEY_OIFNAME;
		else
			return rs_json_unmodelled(why, wl, "meta %.40s", s);
		return 0;
	}
	if (strcmp(kind, "ct") == 0) {
		if (!json_is_object(v))
			return rs_json_bad(c, at, "ct must be an object");
		if ((err = rs_json_get_str(c, at, v, "key", true, &s)) < 0)
			return err;
		if (strcmp(s, "state") == 0 && !json_object_get(v, "dir")) {
			k->key = RS_KEY_CT_STATE;
			return 0;
		}
		if (strcmp(s, "status") == 0 && !json_object_get(v, "dir")) {
			k->key = RS_KEY_CT_STATUS;
			return 0;
		}
		return rs_json_name_expr("ct", v, why, wl);
	}
	return rs_json_name_expr(kind, v, why, wl);
}

/* ---------------------------------------------------------------- values */

/* Bits of a bitmask value: a name, a number, a list or {"|": […]}. */
static int read_bits(struct ctx *c, const char *at, const struct keyinfo *k, json_t *v, uint32_t *ret, char *why,
		     size_t wl, unsigned depth)
{
	const struct sym *names = k->key == RS_KEY_CT_STATE ? ct_states : k->key == RS_KEY_CT_STATUS ? ct_statuses : tcp_flags;
	uint32_t max = k->key == RS_KEY_TCP_FLAGS ? 0xff : UINT32_MAX;
	json_t *inner, *item;
	size_t i;
	uint64_t u;

	if (depth > MAX_DEPTH)
		return rs_json_bad(c, at, "value nested more than %d levels", MAX_DEPTH);
	if (json_is_array(v) || ((inner = json_object_get(v, "|")) && json_object_size(v) == 1)) {
		json_t *list = json_is_array(v) ? v : inner;
		if (!json_is_array(list) || json_array_size(list) == 0)
			return rs_json_bad(c, at, "expected a list of flags");
		*ret = 0;
		json_array_foreach(list, i, item) {
			uint32_t bits;
			int err = read_bits(c, at, k, item, &bits, why, wl, depth + 1);
			if (err)
				return err;
			*ret |= bits;
		}
		return 0;
	}
	if (json_is_string(v) && rs_json_sym_find(names, json_string_value(v), ret))
		return 0;
	if (rs_json_get_uint(v, max, &u) == 0) {
		*ret = (uint32_t)u;
		return 0;
	}
	if (json_is_string(v))
		return rs_json_unmodelled(why, wl, "%s '%.40s'", rs_key_name(k->key), json_string_value(v));
	return rs_json_bad(c, at, "not a %s value", rs_key_name(k->key));
}

/* A small integer key from a number or a name in `names` (may be NULL). */
static int read_small(struct ctx *c, const char *at, const struct keyinfo *k, json_t *v, const struct sym *names,
		      uint32_t max, uint32_t *ret, char *why, size_t wl)
{
	uint64_t u;

	if (json_is_string(v) && names && rs_json_sym_find(names, json_string_value(v), ret))
		return 0;
	int err = rs_json_get_uint(v, max, &u);
	if (err == 0) {
		*ret = (uint32_t)u;
		return 0;
	}
	if (err == -EINVAL && json_is_string(v))
		return rs_json_unmodelled(why, wl, "%s '%.40s'", rs_key_name(k->key), json_string_value(v));
	return rs_json_bad(c, at, "not a %s value (0-%u)", rs_key_name(k->key), max);
}

static int read_ifname(struct ctx *c, const char *at, json_t *v, uint8_t *out, char *why, size_t wl)
{
	if (json_is_integer(v))
		return rs_json_unmodelled(why, wl, "interface index %lld", (long long)json_integer_value(v));
	if (!json_is_string(v))
		return rs_json_bad(c, at, "an interface name must be a string");
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (n == 0 || n >= RS_IFNAMSIZ || strlen(s) != n)
		return rs_json_bad(c, at, "'%.40s' is not an interface name (1-%d characters)", s, RS_IFNAMSIZ - 1);
	/* "eth\*" is a literal star; the model only knows the wildcard */
	if (n >= 2 && s[n - 1] == '*' && s[n - 2] == '\\')
		return rs_json_unmodelled(why, wl, "interface name with a literal '*'");
	memset(out, 0, RS_IFNAMSIZ);
	memcpy(out, s, n);
	return 0;
}

static int read_ether(struct ctx *c, const char *at, json_t *v, uint8_t *out)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	unsigned b[6];
	int n = -1;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &n) != 6 || n != 17 ||
	    s[n])
		return rs_json_bad(c, at, "not an Ethernet address");
	for (int i = 0; i < 6; i++)
		out[i] = (uint8_t)b[i];
	return 0;
}

/*
 * One value of key k into out (rs_key_len(k) bytes: network order, host
 * order for ct state).  Returns 0, UNMODELLED or -EBADMSG.
 */
static int read_value(struct ctx *c, const char *at, const struct keyinfo *k, json_t *v, uint8_t *out, char *why,
		      size_t wl)
{
	uint32_t u = 0;
	int err;

	if (json_is_object(v) && !(is_bitmask(k->key) && json_object_get(v, "|"))) {
		char d[64];
		rs_json_describe(v, d, sizeof(d));
		return rs_json_unmodelled(why, wl, "%s compared with %s", rs_key_name(k->key), d);
	}
	if (json_is_array(v) && !is_bitmask(k->key))
		return rs_json_unmodelled(why, wl, "list of values for %s", rs_key_name(k->key));
	switch (k->key) {
	case RS_KEY_IP_SADDR:
	case RS_KEY_IP_DADDR:
		if (!json_is_string(v) || inet_pton(AF_INET, json_string_value(v), out) != 1)
			return rs_json_bad(c, at, "not an IPv4 address");
		return 0;
	case RS_KEY_IP6_SADDR:
	case RS_KEY_IP6_DADDR:
		if (!json_is_string(v) || inet_pton(AF_INET6, json_string_value(v), out) != 1)
			return rs_json_bad(c, at, "not an IPv6 address");
		return 0;
	case RS_KEY_IIFNAME:
	case RS_KEY_OIFNAME:
		return read_ifname(c, at, v, out, why, wl);
	case RS_KEY_ETHER_SADDR:
		return read_ether(c, at, v, out);
	case RS_KEY_SPORT:
	case RS_KEY_DPORT:
		if ((err = read_small(c, at, k, v, services, 0xffff, &u, why, wl)))
			return err;
		out[0] = (uint8_t)(u >> 8);
		out[1] = (uint8_t)u;
		return 0;
	case RS_KEY_CT_STATE:
	case RS_KEY_CT_STATUS:
		if ((err = read_bits(c, at, k, v, &u, why, wl, 0)))
			return err;
		memcpy(out, &u, 4); /* host order, as nftables defines ct state and status */
		return 0;
	case RS_KEY_TCP_FLAGS:
		if ((err = read_bits(c, at, k, v, &u, why, wl, 0)))
			return err;
		break;
	case RS_KEY_NFPROTO:
		err = read_small(c, at, k, v, nfprotos, 0xff, &u, why, wl);
		if (err)
			return err;
		break;
	case RS_KEY_L4PROTO:
		if ((err = read_small(c, at, k, v, l4protos, 0xff, &u, why, wl)))
			return err;
		break;
	case RS_KEY_ICMP_TYPE:
		if ((err = read_small(c, at, k, v, k->v6 ? icmp6_types : icmp_types, 0xff, &u, why, wl)))
			return err;
		break;
	case RS_KEY_ICMP_CODE:
		if ((err = read_small(c, at, k, v, k->v6 ? icmp6_codes : icmp_codes, 0xff, &u, why, wl)))
			return err;
		break;
	case _RS_KEY_MAX:
		return rs_json_bad(c, at, "internal: no key");
	}
	out[0] = (uint8_t)u; /* the one-byte keys */
	return 0;
}

/* {"prefix": {"addr": …, "len": N}} on an address key: lo..hi (either may be NULL). */
static int read_prefix(struct ctx *c, const char *at, const struct keyinfo *k, json_t *p, uint8_t *lo, uint8_t *hi,
		       unsigned *ret_len, char *why, size_t wl)
{
	size_t n = rs_key_len(k->key);
	uint8_t addr[16];
	uint64_t len;
	int err;

	if (!rs_key_is_addr(k->key))
		return rs_json_unmodelled(why, wl, "prefix on %s", rs_key_name(k->key));
	if (!json_is_object(p) || rs_json_get_uint(json_object_get(p, "len"), n * 8, &len) < 0)
		return rs_json_bad(c, at, "a prefix needs \"addr\" and \"len\" (0-%zu)", n * 8);
	if ((err = read_value(c, at, k, json_object_get(p, "addr"), addr, why, wl)))
		return err;
	for (size_t i = 0; i < n; i++) {
		unsigned bits = len > i * 8 ? (unsigned)len - (unsigned)i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		if (lo)
			lo[i] = addr[i] & mask;
		if (hi)
			hi[i] = addr[i] | (uint8_t)~mask;
	}
	if (ret_len)
		*ret_len = (unsigned)len;
	return 0;
}

static int read_range(struct ctx *c, const char *at, const struct keyinfo *k, json_t *rg, uint8_t *lo, uint8_t *hi,
		      char *why, size_t wl)
{
	int err;

	if (!json_is_array(rg) || json_array_size(rg) != 2)
		return rs_json_bad(c, at, "a range must be [low, high]");
	if ((err = read_value(c, at, k, json_array_get(rg, 0), lo, why, wl)) ||
	    (err = read_value(c, at, k, json_array_get(rg, 1), hi, why, wl)))
		return err;
	return 0;
}

/* A set element component: a value, a prefix or a range. */
static int read_component(struct ctx *c, const char *at, const struct keyinfo *k, json_t *e, uint8_t *lo, uint8_t *hi,
			  char *why, size_t wl)
{
	size_t n = rs_key_len(k->key);
	json_t *p;
	int err;

	if ((p = json_object_get(e, "prefix")))
		return read_prefix(c, at, k, p, lo, hi, NULL, why, wl);
	if ((p = json_object_get(e, "range")))
		return read_range(c, at, k, p, lo, hi, why, wl);
	if (json_is_array(e) && !is_bitmask(k->key))
		return rs_json_bad(c, at, "a set element can't be a list");
	if ((err = read_value(c, at, k, e, lo, why, wl)))
		return err;
	memcpy(hi, lo, n);
	return 0;
}

size_t rs_json_keys_len(const struct keyinfo *keys, unsigned n)
{
	size_t len = 0;

	for (unsigned i = 0; i < n; i++)
		len += rs_key_len(keys[i].key);
	return len;
}

/*
 * One set element (key part only; a map's data is the caller's).  `*`
 * (catch-all) becomes the whole key space.
 */
int rs_json_read_elem(struct ctx *c, const char *at, const struct keyinfo *keys, unsigned n, json_t *e,
		      struct rs_set_elem *out, bool *catchall, char *why, size_t wl)
{
	json_t *w = json_object_get(e, "elem");
	size_t off = 0;
	int err;

	if (w && json_object_size(e) == 1) {
		e = json_object_get(w, "val");
		if (!e)
			return rs_json_bad(c, at, "an \"elem\" needs a \"val\"");
	}
	if (json_is_string(e) && strcmp(json_string_value(e), "*") == 0) {
		size_t len = rs_json_keys_len(keys, n);
		memset(out->lo, 0, len);
		memset(out->hi, 0xff, len);
		*catchall = true;
		return 0;
	}
	if (n == 1)
		return read_component(c, at, &keys[0], e, out->lo, out->hi, why, wl);
	json_t *cat = json_object_get(e, "concat");
	if (!json_is_array(cat) || json_array_size(cat) != n)
		return rs_json_bad(c, at, "expected a concatenation of %u values", n);
	for (unsigned i = 0; i < n; i++) {
		char buf[256];
		if ((err = read_component(c, rs_json_sub(buf, sizeof(buf), at, ".concat[%u]", i), &keys[i],
					  json_array_get(cat, i), out->lo + off, out->hi + off, why, wl)))
			return err;
		off += rs_key_len(keys[i].key);
	}
	return 0;
}

/* ------------------------------------------------------------- matches */

static struct rs_match *match_new(struct ctx *c, const char *at, struct rs_rule *rule, int *err)
{
	if (++c->n_matches > MAX_MATCHES) {
		*err = rs_json_bad(c, at, "more than %u matches", MAX_MATCHES);
		return NULL;
	}
	struct rs_match *m = rs_match_add(rule);
	*err = m ? 0 : -ENOMEM;
	return m;
}

/* The protocol match a transport key implies, unless the rule has it. */
int rs_json_add_dep(struct ctx *c, const char *at, struct rs_rule *rule, uint8_t l4)
{
	int err;

	if (!l4)
		return 0;
	for (size_t i = 0; i < rule->n_matches; i++) {
		const struct rs_match *m = &rule->matches[i];
		if (m->op == RS_OP_EQ && m->n_keys == 1 && m->keys[0] == RS_KEY_L4PROTO && !m->has_mask &&
		    m->value[0] == l4)
			return 0;
	}
	struct rs_match *m = match_new(c, at, rule, &err);
	if (!m)
		return err;
	m->op = RS_OP_EQ;
	m->keys[0] = RS_KEY_L4PROTO;
	m->value[0] = l4;
	return 0;
}

int rs_json_add_unknown(struct ctx *c, const char *at, struct rs_rule *rule, const char *why)
{
	if (++c->n_matches > MAX_MATCHES)
		return rs_json_bad(c, at, "more than %u matches", MAX_MATCHES);
	return rs_match_unknown(rule, why);
}

/* Keys of a match or vmap: one expression or {"concat": […]}. */
int rs_json_read_keys(struct ctx *c, const char *at, json_t *e, struct keyinfo *keys, unsigned *n, char *why,
		      size_t wl)
{
	json_t *cat = json_object_get(e, "concat");
	int err;

	if (!cat || json_object_size(e) != 1) {
		*n = 1;
		if ((err = rs_json_read_key(c, at, e, &keys[0], why, wl)))
			return err;
		return 0;
	}
	if (!json_is_array(cat) || json_array_size(cat) < 1)
		return rs_json_bad(c, at, "a concatenation must be a non-empty list");
	if (json_array_size(cat) > RS_MAX_CONCAT)
		return rs_json_unmodelled(why, wl, "concatenation of %zu keys", json_array_size(cat));
	*n = (unsigned)json_array_size(cat);
	for (unsigned i = 0; i < *n; i++) {
		char buf[256];
		if ((err = rs_json_read_key(c, rs_json_sub(buf, sizeof(buf), at, ".concat[%u]", i),
					    json_array_get(cat, i), &keys[i], why, wl)))
			return err;
	}
	if (rs_json_keys_len(keys, *n) > RS_VAL_MAX)
		return rs_json_unmodelled(why, wl, "concatenation longer than %d bytes", RS_VAL_MAX);
	return 0;
}

/*
 * The set a lookup uses: "@name" (named, must fit the keys) or
 * {"set": […]} (a new anonymous set).  Returns 0 with *ret, UNMODELLED
 * or -errno.
 */
int rs_json_lookup_set(struct ctx *c, const char *at, uint32_t table, const struct keyinfo *keys, unsigned n,
		       json_t *right, bool vmap, uint32_t *ret, char *why, size_t wl)
{
	int err;

	if (json_is_string(right)) {
		const char *name = json_string_value(right) + 1;
		if (rs_set_find(c->r, table, name, ret) < 0)
			return rs_json_bad(c, at, "set '@%.60s' is not defined in this table", name);
		const struct setinfo *si = &c->sets[*ret];
		if (vmap && !c->r->sets[*ret].is_vmap)
			return rs_json_bad(c, at, "'@%.60s' is not a verdict map", name);
		if (si->why[0])
			return rs_json_unmodelled(why, wl, "@%.40s: %s", name, si->why);
		bool fits = si->n_keys == n;
		for (unsigned i = 0; fits && i < n; i++)
			fits = key_class(si->keys[i].key) == key_class(keys[i].key);
		if (!fits)
			return rs_json_unmodelled(why, wl, "@%.40s has another key type than the lookup", name);
		if (vmap && si->catchall)
			return rs_json_unmodelled(why, wl, "verdict map @%.40s with a catch-all element", name);
		return 0;
	}
	json_t *elems = json_object_get(right, "set");
	char name[32];
	snprintf(name, sizeof(name), "__set%u", c->n_anon++);
	if ((err = rs_json_set_new(c, table, name, ret)) < 0)
		return err;
	c->r->sets[*ret].anonymous = true;
	c->r->sets[*ret].is_vmap = vmap;
	memcpy(c->sets[*ret].keys, keys, n * sizeof(*keys));
	c->sets[*ret].n_keys = n;
	char buf[256];
	err = rs_json_fill_set(c, rs_json_sub(buf, sizeof(buf), at, ".set"), *ret, elems);
	if (err == 0 && c->sets[*ret].why[0])
		err = rs_json_unmodelled(why, wl, "%s", c->sets[*ret].why);
	else if (err == 0 && vmap && c->sets[*ret].catchall)
		err = rs_json_unmodelled(why, wl, "verdict map with a catch-all element");
	if (err)
		rs_json_set_pop(c);
	return err;
}

bool rs_json_is_set_ref(json_t *v)
{
	return json_is_string(v) && json_string_value(v)[0] == '@';
}

/* Left side {"&": [KEY, MASK…]}: (key & mask) op value, for EQ/NE on one key. */
static int match_masked(struct ctx *c, const char *at, struct rs_rule *rule, json_t *operands, enum mop op,
			json_t *right, char *why, size_t wl)
{
	struct keyinfo k;
	uint8_t mask[RS_VAL_MAX], v[RS_VAL_MAX];
	int err;

	if (!json_is_array(operands) || json_array_size(operands) < 2)
		return rs_json_bad(c, at, "\"&\" needs at least two operands");
	if ((err = rs_json_read_key(c, at, json_array_get(operands, 0), &k, why, wl)))
		return err;
	size_t n = rs_key_len(k.key);
	memset(mask, 0xff, sizeof(mask));
	for (size_t i = 1; i < json_array_size(operands); i++) {
		if ((err = read_value(c, at, &k, json_array_get(operands, i), v, why, wl)))
			return err;
		for (size_t j = 0; j < n; j++)
			mask[j] &= v[j];
	}
	if (rs_json_is_set_ref(right) || json_object_get(right, "set") || json_object_get(right, "range") ||
	    json_object_get(right, "prefix"))
		return rs_json_unmodelled(why, wl, "%s & mask compared with a set or range", rs_key_name(k.key));
	if (op != OP_EQ && op != OP_NE && op != OP_IMPLICIT)
		return rs_json_unmodelled(why, wl, "%s & mask with an ordering", rs_key_name(k.key));
	if ((err = read_value(c, at, &k, right, v, why, wl)))
		return err;
	if ((err = rs_json_add_dep(c, at, rule, k.l4dep)) < 0)
		return err;
	struct rs_match *m = match_new(c, at, rule, &err);
	if (!m)
		return err;
	m->op = op == OP_NE ? RS_OP_NE : RS_OP_EQ;
	m->keys[0] = k.key;
	m->has_mask = true;
	memcpy(m->mask, mask, n);
	for (size_t j = 0; j < n; j++)
		m->value[j] = v[j] & mask[j];
	return 0;
}

/* A set lookup match: keys IN / NOT_IN a set. */
static int match_lookup(struct ctx *c, const char *at, struct rs_rule *rule, uint32_t table,
			const struct keyinfo *keys, unsigned n, enum mop op, json_t *right, char *why, size_t wl)
{
	uint32_t idx;
	int err;

	if (op != OP_EQ && op != OP_NE && op != OP_IMPLICIT)
		return rs_json_unmodelled(why, wl, "set lookup with an ordering");
	if ((err = rs_json_lookup_set(c, at, table, keys, n, right, false, &idx, why, wl)))
		return err;
	for (unsigned i = 0; i < n; i++)
		if ((err = rs_json_add_dep(c, at, rule, keys[i].l4dep)) < 0)
			return err;
	struct rs_match *m = match_new(c, at, rule, &err);
	if (!m)
		return err;
	m->op = op == OP_NE ? RS_OP_NOT_IN : RS_OP_IN;
	m->n_keys = (uint8_t)n;
	for (unsigned i = 0; i < n; i++)
		m->keys[i] = keys[i].key;
	m->set = idx;
	return 0;
}

/*
 * {"match": {"left", "right", "op"}} into one match (plus its protocol
 * dependency).  Returns 0, UNMODELLED (the caller adds an unknown match)
 * or -errno.
 */
int rs_json_read_match(struct ctx *c, const char *at, struct rs_rule *rule, uint32_t table, json_t *mt, char *why,
		       size_t wl)
{
	static const struct {
		const char *name;
		enum mop op;
	} ops[] = {{"==", OP_EQ}, {"!=", OP_NE}, {"<", OP_LT}, {">", OP_GT}, {"<=", OP_LE},
		   {">=", OP_GE}, {"in", OP_IMPLICIT}, {"!", OP_NEG}};
	static const enum rs_op rs_ops[] = {[OP_EQ] = RS_OP_EQ, [OP_NE] = RS_OP_NE, [OP_LT] = RS_OP_LT,
					    [OP_GT] = RS_OP_GT, [OP_LE] = RS_OP_LE, [OP_GE] = RS_OP_GE,
					    [OP_IMPLICIT] = RS_OP_EQ, [OP_NEG] = RS_OP_NE};
	json_t *left = json_object_get(mt, "left"), *right = json_object_get(mt, "right");
	enum mop op = OP_IMPLICIT; /* "op" is optional in input: nft then reads it as implicit */
	const char *ops_s;
	struct keyinfo keys[RS_MAX_CONCAT];
	unsigned n;
	json_t *p;
	int err;

	if (!json_is_object(mt) || !left || !right)
		return rs_json_bad(c, at, "a match needs \"left\" and \"right\"");
	if ((err = rs_json_get_str(c, at, mt, "op", false, &ops_s)) < 0)
		return err;
	if (ops_s) {
		size_t i;
		for (i = 0; i < sizeof(ops) / sizeof(ops[0]) && strcmp(ops[i].name, ops_s); i++)
			;
		if (i == sizeof(ops) / sizeof(ops[0]))
			return rs_json_bad(c, at, "unknown match operator '%.20s'", ops_s);
		op = ops[i].op;
	}
	if ((p = json_object_get(left, "&")) && json_object_size(left) == 1)
		return match_masked(c, at, rule, p, op, right, why, wl);
	if ((err = match_dep(c, left, op, right, why, wl)) != NOT_DEP)
		return err;
	if ((err = rs_json_read_keys(c, at, left, keys, &n, why, wl)))
		return err;
	if (rs_json_is_set_ref(right) || json_object_get(right, "set"))
		return match_lookup(c, at, rule, table, keys, n, op, right, why, wl);
	if (n > 1)
		return rs_json_unmodelled(why, wl, "concatenation compared with a single value");

	const struct keyinfo *k = &keys[0];
	struct rs_match tmp;
	memset(&tmp, 0, sizeof(tmp));
	tmp.n_keys = 1;
	tmp.keys[0] = k->key;
	if ((p = json_object_get(right, "prefix"))) {
		uint8_t addr[16];
		unsigned len;
		if (op != OP_EQ && op != OP_NE && op != OP_IMPLICIT)
			return rs_json_unmodelled(why, wl, "prefix with an ordering");
		if ((err = read_prefix(c, at, k, p, addr, NULL, &len, why, wl)))
			return err;
		rs_match_prefix(&tmp, k->key, addr, len);
		tmp.op = op == OP_NE ? RS_OP_NE : RS_OP_EQ;
	} else if ((p = json_object_get(right, "range"))) {
		if (op != OP_EQ && op != OP_NE && op != OP_IMPLICIT)
			return rs_json_unmodelled(why, wl, "range with an ordering");
		if ((err = read_range(c, at, k, p, tmp.value, tmp.value2, why, wl)))
			return err;
		tmp.op = op == OP_NE ? RS_OP_NRANGE : RS_OP_RANGE;
	} else if (is_bitmask(k->key)) {
		/*
		 * A bitmask test, as nft compiles it: op "in" (how listings
		 * show `ct state new`) or a list tests `(key & bits) != 0`;
		 * a negated list tests `(key & bits) == 0`; "==" / "!=" on one
		 * value compare the whole field (`tcp flags != syn` is
		 * `flags != 0x02` in the kernel).
		 */
		bool list = json_is_array(right);
		if ((err = read_value(c, at, k, right, tmp.mask, why, wl)))
			return err;
		if (op == OP_IMPLICIT || (op == OP_EQ && list) || (op == OP_NE && list) || op == OP_NEG) {
			tmp.has_mask = true;
			tmp.op = op == OP_NE || op == OP_NEG ? RS_OP_EQ : RS_OP_NE;
		} else {
			memcpy(tmp.value, tmp.mask, sizeof(tmp.value));
			memset(tmp.mask, 0, sizeof(tmp.mask));
			tmp.op = rs_ops[op];
		}
	} else {
		if (op == OP_NEG)
			return rs_json_unmodelled(why, wl, "'!' on %s", rs_key_name(k->key));
		if ((err = read_value(c, at, k, right, tmp.value, why, wl)))
			return err;
		if (k->key == RS_KEY_IIFNAME || k->key == RS_KEY_OIFNAME)
			if (op != OP_EQ && op != OP_NE && op != OP_IMPLICIT)
				return rs_json_unmodelled(why, wl, "%s with an ordering", rs_key_name(k->key));
		tmp.op = rs_ops[op];
	}
	if ((err = rs_json_add_dep(c, at, rule, k->l4dep)) < 0)
		return err;
	struct rs_match *m = match_new(c, at, rule, &err);
	if (!m)
		return err;
	*m = tmp;
	return 0;
}
