/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft JSON (`nft -j list ruleset`) into the rule model, read with jansson.
 * Schema: nftables doc/libnftables-json.adoc.
 *
 * The live and text loaders see the same rulesets as kernel bytecode, so
 * this reader writes what the kernel would hold:
 *   - `tcp dport 22` carries its protocol dependency (meta l4proto 6) as
 *     its own match, as netlink does; `ip saddr` gets no nfproto match,
 *     the key itself implies IPv4;
 *   - bitmask tests (`ct state new`, `tcp flags syn`: op "in") become
 *     `(key & bits) != 0`; `{ … }` on a bitmask key is an exact-value set
 *     lookup, like in the kernel;
 *   - `meta iif "eth0"` is an interface *name* match: JSON shows the name,
 *     and an index is meaningless outside the host that made the listing;
 *   - a written-out `meta protocol ip` / `ether type` / `meta iiftype` is
 *     dropped when a key of that protocol follows (see struct dep).
 *
 * Two passes over the top-level array: tables, chains, sets and elements
 * first, then rules, so a rule may refer to a set or chain listed after it
 * (listings put sets after chains). The command form (`{"add": …}`,
 * "create", "insert") is read too; commands that take things away
 * ("delete", "flush" of anything but an empty ruleset, "replace",
 * "rename", "destroy") are refused: sanso reads a ruleset, not a
 * transaction against one it can't see.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rulesets.h"

/*
 * Limits against hostile input.  jansson (2.14) stops nesting at 2048
 * levels itself; our own recursion (bit-or chains, `elem` wrappers) is
 * cut at MAX_DEPTH.  The IR is bounded too: a set element takes ~100
 * bytes and a match ~200, and a small JSON token could otherwise make
 * each (2 M ≈ 200/400 MiB; real rulesets stay far below).
 */
#define MAX_INPUT (256u << 20)
#define MAX_ELEMS (2u << 20)
#define MAX_MATCHES (2u << 20)
#define MAX_DEPTH 16

#define UNMODELLED 1 /* a read_*() result: valid nft, but not in the model; `why` says what */
#define WHY_LEN 160

struct keyinfo {
	enum rs_key key;
	uint8_t l4dep; /* the l4proto the key implies (tcp dport: 6), 0 for none */
	bool v6;       /* icmpv6 type/code: their own names */
};

/* What rs_set lacks and a lookup needs; parallel to ruleset->sets. */
struct setinfo {
	struct keyinfo keys[RS_MAX_CONCAT];
	unsigned n_keys;     /* 0: the key type isn't modelled */
	bool catchall;       /* has a `*` element */
	char why[WHY_LEN];   /* why its type or elements can't be used, or "" */
};

/* Match operators as JSON has them; OP_IMPLICIT is "in" (or no "op"). */
enum mop { OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE, OP_IMPLICIT, OP_NEG };

/*
 * Protocol dependencies a rule spells out (`meta protocol ip`, `ether type
 * ip6`, `meta iiftype ether`).  nft puts them before the keys that need
 * them and hides them in listings; the live loader drops one when such a
 * key follows, and so do we.  One nothing needs is an unknown match.
 */
enum dep_kind { DEP_IP, DEP_IP6, DEP_ETHER };

struct dep {
	enum dep_kind kind;
	bool used;
	char what[40];
};

struct ctx {
	const char *path;
	struct rs_ruleset *r;
	struct topo_diag_list *diags;
	struct setinfo *sets;
	size_t cap_sets;
	unsigned n_anon; /* __set%d */
	size_t n_elems, n_matches;
	enum rs_family family; /* of the table being read */
	bool content;          /* anything but metainfo seen: `flush ruleset` no longer a no-op */
	struct dep deps[4];    /* of the rule being read */
	unsigned n_deps;
};

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

__attribute__((format(printf, 3, 4))) static int bad(struct ctx *c, const char *at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (topo_diag_add(c->diags, c->path, 0, 0, TOPO_SEV_ERROR, "%s: %s", at, msg) < 0)
		return -ENOMEM;
	return -EBADMSG;
}

__attribute__((format(printf, 3, 4))) static int unmodelled(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return UNMODELLED;
}

/* A JSON path below `at`, e.g. "nftables[3].rule.expr[1]". */
__attribute__((format(printf, 4, 5))) static const char *sub(char *buf, size_t len, const char *at, const char *fmt,
							       ...)
{
	va_list ap;
	int n = snprintf(buf, len, "%s", at);

	if (n < 0 || (size_t)n >= len)
		return buf;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	return buf;
}

/* The one member of {"name": value}, the shape of statements and expressions. */
static const char *only_member(json_t *o, json_t **ret)
{
	if (!json_is_object(o) || json_object_size(o) != 1)
		return NULL;
	void *it = json_object_iter(o);
	*ret = json_object_iter_value(it);
	return json_object_iter_key(it);
}

/* A string member: *ret stays NULL when absent and !required. */
static int get_str(struct ctx *c, const char *at, json_t *o, const char *key, bool required, const char **ret)
{
	json_t *v = json_object_get(o, key);

	*ret = NULL;
	if (!v)
		return required ? bad(c, at, "\"%s\" is missing", key) : 0;
	if (!json_is_string(v))
		return bad(c, at, "\"%s\" must be a string", key);
	*ret = json_string_value(v);
	return 0;
}

/* A non-negative integer, also from a numeric string ("0x10", "22"). */
static int get_uint(json_t *v, uint64_t max, uint64_t *ret)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i < 0 || (uint64_t)i > max)
			return -ERANGE;
		*ret = (uint64_t)i;
		return 0;
	}
	if (!json_is_string(v))
		return -EINVAL;
	const char *s = json_string_value(v);
	char *end;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long u = strtoull(s, &end, 0);
	if (*end || errno || u > max)
		return -ERANGE;
	*ret = u;
	return 0;
}

/* Where JSON shows something we only name: `"x"`, a number, or the
 * expression's kind. */
static void describe(json_t *v, char *buf, size_t len)
{
	json_t *inner;
	const char *k;

	if (json_is_string(v))
		snprintf(buf, len, "'%.40s'", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if ((k = only_member(v, &inner)))
		snprintf(buf, len, "%.40s expression", k);
	else
		snprintf(buf, len, "%s", json_is_array(v) ? "a list" : "a value");
}

/* ------------------------------------------------------------- constants */

struct sym {
	const char *name;
	uint32_t value;
};

static bool sym_find(const struct sym *t, const char *name, uint32_t *ret)
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

static const struct sym families[] = {
	{"ip", RS_FAMILY_IP},         {"ip6", RS_FAMILY_IP6},       {"inet", RS_FAMILY_INET},
	{"arp", RS_FAMILY_ARP},       {"bridge", RS_FAMILY_BRIDGE}, {"netdev", RS_FAMILY_NETDEV},
	{NULL, 0},
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
	const char *kind = only_member(left, &v), *name;
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
	describe(right, d, sizeof(d));
	bool iiftype = name[5] == 'i';
	if (iiftype)
		et = (json_is_string(right) && strcmp(json_string_value(right), "ether") == 0) ||
			     (get_uint(right, 0xffff, &u) == 0 && u == 1) /* ARPHRD_ETHER */
			     ? 1
			     : 0;
	else if (!(json_is_string(right) && sym_find(ethertypes, json_string_value(right), &et)) &&
		 get_uint(right, 0xffff, &u) == 0)
		et = (uint32_t)u;
	if ((op != OP_EQ && op != OP_IMPLICIT) || (iiftype ? et != 1 : et != 0x0800 && et != 0x86dd))
		return unmodelled(why, wl, "%s %s%s", name, op == OP_NE ? "!= " : "", d);
	enum dep_kind dk = iiftype ? DEP_ETHER : et == 0x0800 ? DEP_IP : DEP_IP6;
	if ((dk == DEP_IP && c->family == RS_FAMILY_IP) || (dk == DEP_IP6 && c->family == RS_FAMILY_IP6))
		return 0; /* always true here */
	if (c->n_deps == sizeof(c->deps) / sizeof(c->deps[0]))
		return unmodelled(why, wl, "%s %s", name, d);
	struct dep *dp = &c->deps[c->n_deps++];
	dp->kind = dk;
	dp->used = false;
	snprintf(dp->what, sizeof(dp->what), "%s %s", name, iiftype ? "ether" : dk == DEP_IP ? "ip" : "ip6");
	return 0;
}

/* The name of an expression we don't model: "fib oif", "ct original saddr", … */
static int name_expr(const char *kind, json_t *v, char *why, size_t len)
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
	return unmodelled(why, len, "%.30s%s%.30s%s%.30s%s%.30s", kind, parts[0] ? " " : "", parts[0] ? parts[0] : "",
			  parts[1] ? " " : "", parts[1] ? parts[1] : "", parts[2] ? " " : "", parts[2] ? parts[2] : "");
}

/*
 * A packet expression (left side of a match, a set/vmap key) into a key.
 * Returns 0, UNMODELLED (why names it), or -EBADMSG.
 */
static int read_key(struct ctx *c, const char *at, json_t *e, struct keyinfo *k, char *why, size_t wl)
{
	json_t *v;
	const char *kind = only_member(e, &v), *s, *f;
	int err;

	memset(k, 0, sizeof(*k));
	if (json_is_string(e) || json_is_integer(e)) {
		char d[64];
		describe(e, d, sizeof(d));
		return unmodelled(why, wl, "constant %s in a key", d); /* `ip saddr . 1.2.3.4 @s` */
	}
	if (!kind)
		return bad(c, at, "expected an expression, found %s",
			   json_is_object(e) ? "an object with several members" : "a list or literal");
	if (strcmp(kind, "payload") == 0) {
		if (!json_is_object(v))
			return bad(c, at, "payload must be an object");
		json_t *base = json_object_get(v, "base"), *proto = json_object_get(v, "protocol");
		if (json_is_string(proto) && (strcmp(json_string_value(proto), "ether") == 0 ||
					      strcmp(json_string_value(proto), "vlan") == 0))
			dep_use(c, DEP_ETHER);
		else if (json_is_string(base) && strcmp(json_string_value(base), "ll") == 0)
			dep_use(c, DEP_ETHER);
		if (!proto) {
			return unmodelled(why, wl, "raw payload @%.10s,%lld,%lld",
					  json_is_string(base) ? json_string_value(base) : "?",
					  (long long)json_integer_value(json_object_get(v, "offset")),
					  (long long)json_integer_value(json_object_get(v, "len")));
		}
		if ((err = get_str(c, at, v, "protocol", true, &s)) < 0 || (err = get_str(c, at, v, "field", true, &f)) < 0)
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
		return unmodelled(why, wl, "%.30s %.30s", s, f);
	}
	if (strcmp(kind, "meta") == 0) {
		if (!json_is_object(v))
			return bad(c, at, "meta must be an object");
		if ((err = get_str(c, at, v, "key", true, &s)) < 0)
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
			return unmodelled(why, wl, "meta %.40s", s);
		return 0;
	}
	if (strcmp(kind, "ct") == 0) {
		if (!json_is_object(v))
			return bad(c, at, "ct must be an object");
		if ((err = get_str(c, at, v, "key", true, &s)) < 0)
			return err;
		if (strcmp(s, "state") == 0 && !json_object_get(v, "dir")) {
			k->key = RS_KEY_CT_STATE;
			return 0;
		}
		if (strcmp(s, "status") == 0 && !json_object_get(v, "dir")) {
			k->key = RS_KEY_CT_STATUS;
			return 0;
		}
		return name_expr("ct", v, why, wl);
	}
	return name_expr(kind, v, why, wl);
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
		return bad(c, at, "value nested more than %d levels", MAX_DEPTH);
	if (json_is_array(v) || ((inner = json_object_get(v, "|")) && json_object_size(v) == 1)) {
		json_t *list = json_is_array(v) ? v : inner;
		if (!json_is_array(list) || json_array_size(list) == 0)
			return bad(c, at, "expected a list of flags");
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
	if (json_is_string(v) && sym_find(names, json_string_value(v), ret))
		return 0;
	if (get_uint(v, max, &u) == 0) {
		*ret = (uint32_t)u;
		return 0;
	}
	if (json_is_string(v))
		return unmodelled(why, wl, "%s '%.40s'", rs_key_name(k->key), json_string_value(v));
	return bad(c, at, "not a %s value", rs_key_name(k->key));
}

/* A small integer key from a number or a name in `names` (may be NULL). */
static int read_small(struct ctx *c, const char *at, const struct keyinfo *k, json_t *v, const struct sym *names,
		      uint32_t max, uint32_t *ret, char *why, size_t wl)
{
	uint64_t u;

	if (json_is_string(v) && names && sym_find(names, json_string_value(v), ret))
		return 0;
	int err = get_uint(v, max, &u);
	if (err == 0) {
		*ret = (uint32_t)u;
		return 0;
	}
	if (err == -EINVAL && json_is_string(v))
		return unmodelled(why, wl, "%s '%.40s'", rs_key_name(k->key), json_string_value(v));
	return bad(c, at, "not a %s value (0-%u)", rs_key_name(k->key), max);
}

static int read_ifname(struct ctx *c, const char *at, json_t *v, uint8_t *out, char *why, size_t wl)
{
	if (json_is_integer(v))
		return unmodelled(why, wl, "interface index %lld", (long long)json_integer_value(v));
	if (!json_is_string(v))
		return bad(c, at, "an interface name must be a string");
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (n == 0 || n >= RS_IFNAMSIZ || strlen(s) != n)
		return bad(c, at, "'%.40s' is not an interface name (1-%d characters)", s, RS_IFNAMSIZ - 1);
	/* "eth\*" is a literal star; the model only knows the wildcard */
	if (n >= 2 && s[n - 1] == '*' && s[n - 2] == '\\')
		return unmodelled(why, wl, "interface name with a literal '*'");
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
		return bad(c, at, "not an Ethernet address");
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
		describe(v, d, sizeof(d));
		return unmodelled(why, wl, "%s compared with %s", rs_key_name(k->key), d);
	}
	if (json_is_array(v) && !is_bitmask(k->key))
		return unmodelled(why, wl, "list of values for %s", rs_key_name(k->key));
	switch (k->key) {
	case RS_KEY_IP_SADDR:
	case RS_KEY_IP_DADDR:
		if (!json_is_string(v) || inet_pton(AF_INET, json_string_value(v), out) != 1)
			return bad(c, at, "not an IPv4 address");
		return 0;
	case RS_KEY_IP6_SADDR:
	case RS_KEY_IP6_DADDR:
		if (!json_is_string(v) || inet_pton(AF_INET6, json_string_value(v), out) != 1)
			return bad(c, at, "not an IPv6 address");
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
		return bad(c, at, "internal: no key");
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
		return unmodelled(why, wl, "prefix on %s", rs_key_name(k->key));
	if (!json_is_object(p) || get_uint(json_object_get(p, "len"), n * 8, &len) < 0)
		return bad(c, at, "a prefix needs \"addr\" and \"len\" (0-%zu)", n * 8);
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
		return bad(c, at, "a range must be [low, high]");
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
		return bad(c, at, "a set element can't be a list");
	if ((err = read_value(c, at, k, e, lo, why, wl)))
		return err;
	memcpy(hi, lo, n);
	return 0;
}

static size_t keys_len(const struct keyinfo *keys, unsigned n)
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
static int read_elem(struct ctx *c, const char *at, const struct keyinfo *keys, unsigned n, json_t *e,
		     struct rs_set_elem *out, bool *catchall, char *why, size_t wl)
{
	json_t *w = json_object_get(e, "elem");
	size_t off = 0;
	int err;

	if (w && json_object_size(e) == 1) {
		e = json_object_get(w, "val");
		if (!e)
			return bad(c, at, "an \"elem\" needs a \"val\"");
	}
	if (json_is_string(e) && strcmp(json_string_value(e), "*") == 0) {
		size_t len = keys_len(keys, n);
		memset(out->lo, 0, len);
		memset(out->hi, 0xff, len);
		*catchall = true;
		return 0;
	}
	if (n == 1)
		return read_component(c, at, &keys[0], e, out->lo, out->hi, why, wl);
	json_t *cat = json_object_get(e, "concat");
	if (!json_is_array(cat) || json_array_size(cat) != n)
		return bad(c, at, "expected a concatenation of %u values", n);
	for (unsigned i = 0; i < n; i++) {
		char buf[256];
		if ((err = read_component(c, sub(buf, sizeof(buf), at, ".concat[%u]", i), &keys[i],
					  json_array_get(cat, i), out->lo + off, out->hi + off, why, wl)))
			return err;
		off += rs_key_len(keys[i].key);
	}
	return 0;
}

/* ------------------------------------------------------------------ sets */

static int setinfo_grow(struct ctx *c)
{
	if (c->r->n_sets <= c->cap_sets)
		return 0;
	size_t ncap = c->r->cap_sets;
	struct setinfo *p = realloc(c->sets, ncap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p + c->cap_sets, 0, (ncap - c->cap_sets) * sizeof(*p));
	c->sets = p;
	c->cap_sets = ncap;
	return 0;
}

static int set_new(struct ctx *c, uint32_t table, const char *name, uint32_t *ret)
{
	int err = rs_set_add(c->r, table, name, ret);

	if (err < 0 || (err = setinfo_grow(c)) < 0)
		return err;
	memset(&c->sets[*ret], 0, sizeof(c->sets[*ret]));
	return 0;
}

/* Takes back the set just added (an anonymous set we couldn't fill). */
static void set_pop(struct ctx *c)
{
	struct rs_set *s = &c->r->sets[--c->r->n_sets];

	free(s->name);
	free(s->elems);
	memset(s, 0, sizeof(*s));
}

static int read_verdict(struct ctx *c, const char *at, uint32_t table, json_t *v, struct rs_verdict *out)
{
	json_t *arg;
	const char *kind = only_member(v, &arg), *target;
	int err;

	if (!kind)
		return bad(c, at, "expected a verdict");
	memset(out, 0, sizeof(*out));
	if (strcmp(kind, "accept") == 0)
		out->code = RS_V_ACCEPT;
	else if (strcmp(kind, "drop") == 0)
		out->code = RS_V_DROP;
	else if (strcmp(kind, "continue") == 0)
		out->code = RS_V_CONTINUE;
	else if (strcmp(kind, "return") == 0)
		out->code = RS_V_RETURN;
	else if (strcmp(kind, "jump") == 0 || strcmp(kind, "goto") == 0) {
		out->code = kind[0] == 'j' ? RS_V_JUMP : RS_V_GOTO;
		if (!json_is_object(arg))
			return bad(c, at, "%s needs {\"target\": CHAIN}", kind);
		if ((err = get_str(c, at, arg, "target", true, &target)) < 0)
			return err;
		return rs_chain_get(c->r, table, target, &out->chain);
	} else
		return bad(c, at, "'%.40s' is not a verdict", kind);
	return 0;
}

/*
 * Elements into set `idx` (whose setinfo has the keys).  An element that
 * can't be modelled makes the whole set unusable (setinfo.why); -EBADMSG
 * for malformed ones.
 */
static int fill_set(struct ctx *c, const char *at, uint32_t idx, json_t *elems)
{
	struct setinfo *si = &c->sets[idx];
	bool vmap = c->r->sets[idx].is_vmap, map = vmap || c->r->sets[idx].is_map;
	uint32_t table = c->r->sets[idx].table;
	json_t *e;
	size_t i;
	int err;

	if (!json_is_array(elems)) {
		/* a single element may stand alone */
		json_t *one = json_array();
		if (!one || json_array_append(one, elems) < 0) {
			json_decref(one);
			return -ENOMEM;
		}
		err = fill_set(c, at, idx, one);
		json_decref(one);
		return err;
	}
	json_array_foreach(elems, i, e) {
		char buf[256];
		const char *here = sub(buf, sizeof(buf), at, "[%zu]", i);
		json_t *key = e, *data = NULL;
		if (map) {
			if (!json_is_array(e) || json_array_size(e) != 2)
				return bad(c, here, "a map element must be [key, value]");
			key = json_array_get(e, 0);
			data = json_array_get(e, 1);
		}
		if (si->why[0])
			continue; /* already unusable: just check the shape */
		if (++c->n_elems > MAX_ELEMS)
			return bad(c, here, "more than %u set elements", MAX_ELEMS);
		struct rs_set_elem *el = rs_set_elem_add(&c->r->sets[idx]);
		if (!el)
			return -ENOMEM;
		err = read_elem(c, here, si->keys, si->n_keys, key, el, &si->catchall, si->why, sizeof(si->why));
		if (err < 0)
			return err;
		if (err == UNMODELLED) {
			c->r->sets[idx].n_elems--;
			continue;
		}
		if (vmap && (err = read_verdict(c, here, table, data, &el->verdict)) < 0)
			return err;
	}
	return 0;
}

/* Set key types by name (nft's datatype names). */
static const struct {
	const char *name;
	enum rs_key key;
	bool v6;
} set_types[] = {
	{"ipv4_addr", RS_KEY_IP_SADDR, false}, {"ipv6_addr", RS_KEY_IP6_SADDR, false},
	{"inet_service", RS_KEY_DPORT, false}, {"inet_proto", RS_KEY_L4PROTO, false},
	{"ifname", RS_KEY_IIFNAME, false},     {"iface_index", RS_KEY_IIFNAME, false},
	{"ether_addr", RS_KEY_ETHER_SADDR, false}, {"ct_state", RS_KEY_CT_STATE, false},
	{"icmp_type", RS_KEY_ICMP_TYPE, false}, {"icmpv6_type", RS_KEY_ICMP_TYPE, true},
	{"icmp_code", RS_KEY_ICMP_CODE, false}, {"icmpv6_code", RS_KEY_ICMP_CODE, true},
	{"tcp_flag", RS_KEY_TCP_FLAGS, false}, {"nf_proto", RS_KEY_NFPROTO, false},
};

/* A set's key type: "ipv4_addr", ["ipv4_addr", "inet_service"], or {"typeof": EXPR}. */
static int read_set_type(struct ctx *c, const char *at, json_t *type, struct setinfo *si)
{
	json_t *items[RS_MAX_CONCAT], *t;
	size_t n = 1;
	int err;

	if (json_is_array(type)) {
		n = json_array_size(type);
		if (n == 0)
			return bad(c, at, "empty set type");
		if (n > RS_MAX_CONCAT)
			return unmodelled(si->why, sizeof(si->why), "concatenation of %zu types", n);
		for (size_t i = 0; i < n; i++)
			items[i] = json_array_get(type, i);
	} else if ((t = json_object_get(type, "typeof"))) {
		json_t *cat = json_object_get(t, "concat");
		n = cat ? json_array_size(cat) : 1;
		if (n == 0 || n > RS_MAX_CONCAT)
			return cat && json_is_array(cat) && n
				       ? unmodelled(si->why, sizeof(si->why), "concatenation of %zu keys", n)
				       : bad(c, at, "bad typeof concatenation");
		for (size_t i = 0; i < n; i++) {
			err = read_key(c, at, cat ? json_array_get(cat, i) : t, &si->keys[i], si->why, sizeof(si->why));
			if (err)
				return err;
		}
		goto out;
	} else if (json_is_string(type))
		items[0] = type;
	else
		return bad(c, at, "\"type\" must be a string, a list or {\"typeof\": …}");
	for (size_t i = 0; i < n; i++) {
		if (!json_is_string(items[i]))
			return bad(c, at, "a set type must be a string");
		const char *s = json_string_value(items[i]);
		size_t j;
		for (j = 0; j < sizeof(set_types) / sizeof(set_types[0]); j++)
			if (strcmp(set_types[j].name, s) == 0)
				break;
		if (j == sizeof(set_types) / sizeof(set_types[0]))
			return unmodelled(si->why, sizeof(si->why), "set type %.40s", s);
		si->keys[i].key = set_types[j].key;
		si->keys[i].v6 = set_types[j].v6;
	}
out:
	if (keys_len(si->keys, (unsigned)n) > RS_VAL_MAX)
		return unmodelled(si->why, sizeof(si->why), "set key longer than %d bytes", RS_VAL_MAX);
	si->n_keys = (unsigned)n;
	return 0;
}

static int find_table(struct ctx *c, const char *at, json_t *o, uint32_t *ret);

/* {"set": {…}} / {"map": {…}}: a named set, or elements for one already there. */
static int read_set(struct ctx *c, const char *at, json_t *o, bool is_map_obj, bool elements_only)
{
	const char *name, *data_type = NULL;
	uint32_t table, idx;
	int err;

	if (!json_is_object(o))
		return bad(c, at, "expected an object");
	if ((err = find_table(c, at, o, &table)) < 0 || (err = get_str(c, at, o, "name", true, &name)) < 0)
		return err;
	if (elements_only || rs_set_find(c->r, table, name, &idx) == 0) {
		/* `add element`, or `add set` again (it merges) */
		if (rs_set_find(c->r, table, name, &idx) < 0)
			return bad(c, at, "set '%.60s' is not defined", name);
	} else {
		json_t *dt = json_object_get(o, "map");
		if (is_map_obj) {
			if (!dt)
				return bad(c, at, "a map needs \"map\" (its value type)");
			if (json_is_string(dt))
				data_type = json_string_value(dt);
		}
		if ((err = set_new(c, table, name, &idx)) < 0)
			return err;
		c->r->sets[idx].is_vmap = data_type && strcmp(data_type, "verdict") == 0;
		c->r->sets[idx].is_map = is_map_obj && !c->r->sets[idx].is_vmap;
		json_t *type = json_object_get(o, "type");
		if (!type)
			return bad(c, at, "\"type\" is missing");
		if ((err = read_set_type(c, at, type, &c->sets[idx])) < 0)
			return err;
	}
	json_t *elems = json_object_get(o, "elem");
	if (!elems)
		return 0;
	char buf[256];
	return fill_set(c, sub(buf, sizeof(buf), at, ".elem"), idx, elems);
}

/* ------------------------------------------------------------- matches */

static struct rs_match *match_new(struct ctx *c, const char *at, struct rs_rule *rule, int *err)
{
	if (++c->n_matches > MAX_MATCHES) {
		*err = bad(c, at, "more than %u matches", MAX_MATCHES);
		return NULL;
	}
	struct rs_match *m = rs_match_add(rule);
	*err = m ? 0 : -ENOMEM;
	return m;
}

/* The protocol match a transport key implies, unless the rule has it. */
static int add_dep(struct ctx *c, const char *at, struct rs_rule *rule, uint8_t l4)
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

static int add_unknown(struct ctx *c, const char *at, struct rs_rule *rule, const char *why)
{
	if (++c->n_matches > MAX_MATCHES)
		return bad(c, at, "more than %u matches", MAX_MATCHES);
	return rs_match_unknown(rule, why);
}

/* Keys of a match or vmap: one expression or {"concat": […]}. */
static int read_keys(struct ctx *c, const char *at, json_t *e, struct keyinfo *keys, unsigned *n, char *why,
		     size_t wl)
{
	json_t *cat = json_object_get(e, "concat");
	int err;

	if (!cat || json_object_size(e) != 1) {
		*n = 1;
		if ((err = read_key(c, at, e, &keys[0], why, wl)))
			return err;
		return 0;
	}
	if (!json_is_array(cat) || json_array_size(cat) < 1)
		return bad(c, at, "a concatenation must be a non-empty list");
	if (json_array_size(cat) > RS_MAX_CONCAT)
		return unmodelled(why, wl, "concatenation of %zu keys", json_array_size(cat));
	*n = (unsigned)json_array_size(cat);
	for (unsigned i = 0; i < *n; i++) {
		char buf[256];
		if ((err = read_key(c, sub(buf, sizeof(buf), at, ".concat[%u]", i), json_array_get(cat, i), &keys[i],
				    why, wl)))
			return err;
	}
	if (keys_len(keys, *n) > RS_VAL_MAX)
		return unmodelled(why, wl, "concatenation longer than %d bytes", RS_VAL_MAX);
	return 0;
}

/*
 * The set a lookup uses: "@name" (named, must fit the keys) or
 * {"set": […]} (a new anonymous set).  Returns 0 with *ret, UNMODELLED
 * or -errno.
 */
static int lookup_set(struct ctx *c, const char *at, uint32_t table, const struct keyinfo *keys, unsigned n,
		      json_t *right, bool vmap, uint32_t *ret, char *why, size_t wl)
{
	int err;

	if (json_is_string(right)) {
		const char *name = json_string_value(right) + 1;
		if (rs_set_find(c->r, table, name, ret) < 0)
			return bad(c, at, "set '@%.60s' is not defined in this table", name);
		const struct setinfo *si = &c->sets[*ret];
		if (vmap && !c->r->sets[*ret].is_vmap)
			return bad(c, at, "'@%.60s' is not a verdict map", name);
		if (si->why[0])
			return unmodelled(why, wl, "@%.40s: %s", name, si->why);
		bool fits = si->n_keys == n;
		for (unsigned i = 0; fits && i < n; i++)
			fits = key_class(si->keys[i].key) == key_class(keys[i].key);
		if (!fits)
			return unmodelled(why, wl, "@%.40s has another key type than the lookup", name);
		if (vmap && si->catchall)
			return unmodelled(why, wl, "verdict map @%.40s with a catch-all element", name);
		return 0;
	}
	json_t *elems = json_object_get(right, "set");
	char name[32];
	snprintf(name, sizeof(name), "__set%u", c->n_anon++);
	if ((err = set_new(c, table, name, ret)) < 0)
		return err;
	c->r->sets[*ret].anonymous = true;
	c->r->sets[*ret].is_vmap = vmap;
	memcpy(c->sets[*ret].keys, keys, n * sizeof(*keys));
	c->sets[*ret].n_keys = n;
	char buf[256];
	err = fill_set(c, sub(buf, sizeof(buf), at, ".set"), *ret, elems);
	if (err == 0 && c->sets[*ret].why[0])
		err = unmodelled(why, wl, "%s", c->sets[*ret].why);
	else if (err == 0 && vmap && c->sets[*ret].catchall)
		err = unmodelled(why, wl, "verdict map with a catch-all element");
	if (err)
		set_pop(c);
	return err;
}

static bool is_set_ref(json_t *v)
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
		return bad(c, at, "\"&\" needs at least two operands");
	if ((err = read_key(c, at, json_array_get(operands, 0), &k, why, wl)))
		return err;
	size_t n = rs_key_len(k.key);
	memset(mask, 0xff, sizeof(mask));
	for (size_t i = 1; i < json_array_size(operands); i++) {
		if ((err = read_value(c, at, &k, json_array_get(operands, i), v, why, wl)))
			return err;
		for (size_t j = 0; j < n; j++)
			mask[j] &= v[j];
	}
	if (is_set_ref(right) || json_object_get(right, "set") || json_object_get(right, "range") ||
	    json_object_get(right, "prefix"))
		return unmodelled(why, wl, "%s & mask compared with a set or range", rs_key_name(k.key));
	if (op != OP_EQ && op != OP_NE && op != OP_IMPLICIT)
		return unmodelled(why, wl, "%s & mask with an ordering", rs_key_name(k.key));
	if ((err = read_value(c, at, &k, right, v, why, wl)))
		return err;
	if ((err = add_dep(c, at, rule, k.l4dep)) < 0)
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
		return unmodelled(why, wl, "set lookup with an ordering");
	if ((err = lookup_set(c, at, table, keys, n, right, false, &idx, why, wl)))
		return err;
	for (unsigned i = 0; i < n; i++)
		if ((err = add_dep(c, at, rule, keys[i].l4dep)) < 0)
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
static int read_match(struct ctx *c, const char *at, struct rs_rule *rule, uint32_t table, json_t *mt, char *why,
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
		return bad(c, at, "a match needs \"left\" and \"right\"");
	if ((err = get_str(c, at, mt, "op", false, &ops_s)) < 0)
		return err;
	if (ops_s) {
		size_t i;
		for (i = 0; i < sizeof(ops) / sizeof(ops[0]) && strcmp(ops[i].name, ops_s); i++)
			;
		if (i == sizeof(ops) / sizeof(ops[0]))
			return bad(c, at, "unknown match operator '%.20s'", ops_s);
		op = ops[i].op;
	}
	if ((p = json_object_get(left, "&")) && json_object_size(left) == 1)
		return match_masked(c, at, rule, p, op, right, why, wl);
	if ((err = match_dep(c, left, op, right, why, wl)) != NOT_DEP)
		return err;
	if ((err = read_keys(c, at, left, keys, &n, why, wl)))
		return err;
	if (is_set_ref(right) || json_object_get(right, "set"))
		return match_lookup(c, at, rule, table, keys, n, op, right, why, wl);
	if (n > 1)
		return unmodelled(why, wl, "concatenation compared with a single value");

	const struct keyinfo *k = &keys[0];
	struct rs_match tmp;
	memset(&tmp, 0, sizeof(tmp));
	tmp.n_keys = 1;
	tmp.keys[0] = k->key;
	if ((p = json_object_get(right, "prefix"))) {
		uint8_t addr[16];
		unsigned len;
		if (op != OP_EQ && op != OP_NE && op != OP_IMPLICIT)
			return unmodelled(why, wl, "prefix with an ordering");
		if ((err = read_prefix(c, at, k, p, addr, NULL, &len, why, wl)))
			return err;
		rs_match_prefix(&tmp, k->key, addr, len);
		tmp.op = op == OP_NE ? RS_OP_NE : RS_OP_EQ;
	} else if ((p = json_object_get(right, "range"))) {
		if (op != OP_EQ && op != OP_NE && op != OP_IMPLICIT)
			return unmodelled(why, wl, "range with an ordering");
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
			return unmodelled(why, wl, "'!' on %s", rs_key_name(k->key));
		if ((err = read_value(c, at, k, right, tmp.value, why, wl)))
			return err;
		if (k->key == RS_KEY_IIFNAME || k->key == RS_KEY_OIFNAME)
			if (op != OP_EQ && op != OP_NE && op != OP_IMPLICIT)
				return unmodelled(why, wl, "%s with an ordering", rs_key_name(k->key));
		tmp.op = rs_ops[op];
	}
	if ((err = add_dep(c, at, rule, k->l4dep)) < 0)
		return err;
	struct rs_match *m = match_new(c, at, rule, &err);
	if (!m)
		return err;
	*m = tmp;
	return 0;
}

/* ---------------------------------------------------------------- rules */

static void set_verdict(struct rs_rule *rule, enum rs_verdict_code code)
{
	/* once unknown, a later verdict can't make the rule's outcome known */
	if (rule->verdict.code != RS_V_UNKNOWN)
		rule->verdict.code = code;
}

static int unknown_verdict(struct rs_rule *rule, const char *what)
{
	rule->verdict.code = RS_V_UNKNOWN;
	return rs_rule_unsupported(rule, "%s", what);
}

static int read_vmap(struct ctx *c, const char *at, struct rs_rule *rule, uint32_t table, json_t *v)
{
	struct keyinfo keys[RS_MAX_CONCAT];
	char why[WHY_LEN], what[WHY_LEN + 16];
	json_t *key = json_object_get(v, "key"), *data = json_object_get(v, "data");
	uint32_t idx;
	unsigned n;
	int err;

	if (!json_is_object(v) || !key || !data)
		return bad(c, at, "a vmap needs \"key\" and \"data\"");
	if (!is_set_ref(data) && !json_object_get(data, "set"))
		return bad(c, at, "vmap data must be {\"set\": […]} or \"@map\"");
	err = read_keys(c, at, key, keys, &n, why, sizeof(why));
	if (err == 0)
		err = lookup_set(c, at, table, keys, n, data, true, &idx, why, sizeof(why));
	if (err < 0)
		return err;
	if (err == UNMODELLED) {
		snprintf(what, sizeof(what), "vmap: %s", why);
		return unknown_verdict(rule, what);
	}
	for (unsigned i = 0; i < n; i++)
		if ((err = add_dep(c, at, rule, keys[i].l4dep)) < 0)
			return err;
	rule->has_vmap = true;
	rule->vmap.op = RS_OP_IN;
	rule->vmap.n_keys = (uint8_t)n;
	for (unsigned i = 0; i < n; i++)
		rule->vmap.keys[i] = keys[i].key;
	rule->vmap.set = idx;
	return 0;
}

/* Statements that only count, log or rewrite what no verdict here depends on. */
static const char *const ignored_stmts[] = {
	"counter", "log", "mangle", "ct timeout", "secmark", "last", NULL,
};

/* Statements that make the rule go on for some packets only, or change state
 * later rules see (dynamic sets, conntrack): an unknown match. */
static const char *const unknown_match_stmts[] = {
	"limit", "quota", "ct count", "set", "map", "meter", "notrack", "ct helper", "ct expectation",
	"flow", "tproxy", "dup", "reset", NULL,
};

static bool in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (strcmp(*l, s) == 0)
			return true;
	return false;
}

/* {"dnat": {"family": "ip", "addr": "10.0.0.1", "port": 80}}: exact when
 * the address (and the port, if any) is one constant; maps, ranges,
 * prefixes and flags like netmap leave it approximate. */
static void read_dnat_target(const struct ctx *c, json_t *v, struct rs_nat_target *t)
{
	json_t *addr = json_object_get(v, "addr"), *port = json_object_get(v, "port");
	json_t *fam = json_object_get(v, "family"), *flags = json_object_get(v, "flags");
	int f = c->family == RS_FAMILY_IP ? 4 : c->family == RS_FAMILY_IP6 ? 6 : 0;

	memset(t, 0, sizeof(*t));
	if (!json_is_object(v) || !json_is_string(addr) || flags || json_object_get(v, "type"))
		return;
	if (json_is_string(fam))
		f = strcmp(json_string_value(fam), "ip") == 0 ? 4 : strcmp(json_string_value(fam), "ip6") == 0 ? 6 : 0;
	if (!f || inet_pton(f == 4 ? AF_INET : AF_INET6, json_string_value(addr), t->addr) != 1)
		return;
	if (port) {
		if (!json_is_integer(port) || json_integer_value(port) < 0 || json_integer_value(port) > 65535)
			return;
		t->has_port = true;
		t->port = (uint16_t)json_integer_value(port);
	}
	t->family = (uint8_t)f;
	t->exact = true;
}

/* One statement of a rule's "expr".  *done: a verdict was reached. */
static int read_stmt(struct ctx *c, const char *at, struct rs_rule *rule, uint32_t table, json_t *st, bool *done)
{
	char why[WHY_LEN], what[WHY_LEN + 32];
	json_t *v;
	const char *kind;
	int err;

	if (json_is_string(st)) {
		/* nft 1.0.x prints statements it has no JSON for as text */
		char text[64];
		size_t i;
		snprintf(text, sizeof(text), "%s", json_string_value(st));
		for (i = 0; text[i]; i++)
			if ((unsigned char)text[i] < 0x20)
				text[i] = ' ';
		*done = true;
		snprintf(what, sizeof(what), "statement nft could only print as text: %s", text);
		return unknown_verdict(rule, what);
	}
	if (!(kind = only_member(st, &v)))
		return bad(c, at, "a statement must be an object with one member");
	if (strcmp(kind, "match") == 0) {
		char mat[256];
		err = read_match(c, sub(mat, sizeof(mat), at, ".match"), rule, table, v, why, sizeof(why));
		return err == UNMODELLED ? add_unknown(c, at, rule, why) : err;
	}
	if (strcmp(kind, "accept") == 0 || strcmp(kind, "drop") == 0 || strcmp(kind, "continue") == 0 ||
	    strcmp(kind, "return") == 0 || strcmp(kind, "jump") == 0 || strcmp(kind, "goto") == 0) {
		struct rs_verdict vd;
		if ((err = read_verdict(c, at, table, st, &vd)) < 0)
			return err;
		set_verdict(rule, vd.code);
		if (rule->verdict.code == vd.code)
			rule->verdict.chain = vd.chain;
		*done = true;
		return 0;
	}
	if (strcmp(kind, "reject") == 0) {
		set_verdict(rule, RS_V_DROP);
		*done = true;
		return 0;
	}
	static const struct {
		const char *name;
		enum rs_nat nat;
	} nats[] = {{"dnat", RS_NAT_DNAT},
		    {"snat", RS_NAT_SNAT},
		    {"masquerade", RS_NAT_MASQUERADE},
		    {"redirect", RS_NAT_REDIRECT}};
	for (size_t i = 0; i < sizeof(nats) / sizeof(nats[0]); i++)
		if (strcmp(kind, nats[i].name) == 0) {
			rule->nat = nats[i].nat;
			if (nats[i].nat == RS_NAT_DNAT)
				read_dnat_target(c, v, &rule->nat_to);
			set_verdict(rule, RS_V_ACCEPT);
			*done = true;
			return 0;
		}
	if (strcmp(kind, "vmap") == 0) {
		*done = true;
		return read_vmap(c, at, rule, table, v);
	}
	if (in_list(ignored_stmts, kind))
		return 0;
	if (strcmp(kind, "xt") == 0) {
		/* iptables-nft compat: a match or target nft couldn't translate */
		const char *type = json_is_string(json_object_get(v, "type")) ? json_string_value(json_object_get(v, "type")) : "";
		const char *name = json_is_string(json_object_get(v, "name")) ? json_string_value(json_object_get(v, "name")) : "?";
		snprintf(what, sizeof(what), "xt %.20s %.60s", *type ? type : "statement", name);
		if (strcmp(type, "match") == 0)
			return add_unknown(c, at, rule, what);
		if (strcmp(type, "watcher") == 0)
			return 0; /* ebtables log/nflog: no effect on the verdict */
		*done = true;
		return unknown_verdict(rule, what);
	}
	if (in_list(unknown_match_stmts, kind)) {
		name_expr(kind, v, why, sizeof(why));
		return add_unknown(c, at, rule, why);
	}
	/* queue, fwd, synproxy, and whatever comes next: the packet's fate
	 * is decided elsewhere */
	name_expr(kind, v, why, sizeof(why));
	snprintf(what, sizeof(what), "statement %s", why);
	*done = true;
	return unknown_verdict(rule, what);
}

static int find_table(struct ctx *c, const char *at, json_t *o, uint32_t *ret)
{
	const char *fam, *name;
	uint32_t f;
	int err;

	if ((err = get_str(c, at, o, "family", true, &fam)) < 0 || (err = get_str(c, at, o, "table", true, &name)) < 0)
		return err;
	if (!sym_find(families, fam, &f))
		return bad(c, at, "unknown family '%.20s'", fam);
	if (rs_table_find(c->r, name, (enum rs_family)f, ret) < 0)
		return bad(c, at, "table %s %.60s is not defined", fam, name);
	c->family = (enum rs_family)f;
	return 0;
}

/*
 * {"rule": {family, table, chain, handle, expr}}.  `insert` puts it first;
 * from a command, "handle"/"index" name a position, which we don't track.
 */
static int read_rule(struct ctx *c, const char *at, json_t *o, bool command, bool insert)
{
	const char *chain_name;
	uint32_t table, chain;
	uint64_t handle = 0;
	json_t *expr, *h, *st;
	size_t i;
	int err;

	if (!json_is_object(o))
		return bad(c, at, "expected an object");
	if ((err = find_table(c, at, o, &table)) < 0 || (err = get_str(c, at, o, "chain", true, &chain_name)) < 0)
		return err;
	if (rs_chain_get(c->r, table, chain_name, &chain) < 0)
		return -ENOMEM;
	if (!c->r->chains[chain].defined)
		return bad(c, at, "chain '%.60s' is not defined", chain_name);
	if (command && (json_object_get(o, "handle") || json_object_get(o, "index")))
		return bad(c, at, "rule commands with a position (\"handle\", \"index\") are not supported");
	if ((h = json_object_get(o, "handle")) && get_uint(h, UINT64_MAX, &handle) < 0)
		return bad(c, at, "\"handle\" must be a non-negative integer");
	expr = json_object_get(o, "expr");
	if (!json_is_array(expr))
		return bad(c, at, "\"expr\" must be a list of statements");

	struct rs_rule *rule = rs_rule_add(c->r, chain);
	if (!rule)
		return -ENOMEM;
	struct rs_chain *ch = &c->r->chains[chain];
	if (insert && ch->n_rules > 1) {
		struct rs_rule t = ch->rules[ch->n_rules - 1];
		memmove(&ch->rules[1], &ch->rules[0], (ch->n_rules - 1) * sizeof(*ch->rules));
		ch->rules[0] = t;
		rule = &ch->rules[0];
	}
	rule->handle = command ? 0 : handle;
	c->n_deps = 0;

	bool done = false;
	json_array_foreach(expr, i, st) {
		char buf[256];
		if (done)
			break; /* after a verdict: never reached */
		if ((err = read_stmt(c, sub(buf, sizeof(buf), at, ".expr[%zu]", i), rule, table, st, &done)) < 0)
			return err;
	}
	for (unsigned d = 0; d < c->n_deps; d++)
		if (!c->deps[d].used && (err = add_unknown(c, at, rule, c->deps[d].what)) < 0)
			return err;
	return 0;
}

/* ------------------------------------------------------- tables, chains */

static int read_table(struct ctx *c, const char *at, json_t *o)
{
	const char *fam, *name;
	uint32_t f, idx;
	int err;

	if (!json_is_object(o))
		return bad(c, at, "expected an object");
	if ((err = get_str(c, at, o, "family", true, &fam)) < 0 || (err = get_str(c, at, o, "name", true, &name)) < 0)
		return err;
	if (!sym_find(families, fam, &f))
		return bad(c, at, "unknown family '%.20s'", fam);
	return rs_table_add(c->r, name, (enum rs_family)f, &idx);
}

/* "prio": a number, or a standard name with an optional offset ("filter + 10"). */
static int read_prio(struct ctx *c, const char *at, json_t *p, enum rs_family family, int32_t *ret)
{
	static const struct sym names[] = {
		{"raw", (uint32_t)-300}, {"mangle", (uint32_t)-150}, {"dstnat", (uint32_t)-100},
		{"filter", 0},           {"security", 50},           {"srcnat", 100},
		{NULL, 0},
	};
	static const struct sym bridge[] = {
		{"dstnat", (uint32_t)-300}, {"filter", (uint32_t)-200}, {"out", 100}, {"srcnat", 300}, {NULL, 0},
	};
	if (json_is_integer(p)) {
		json_int_t v = json_integer_value(p);
		if (v < INT32_MIN || v > INT32_MAX)
			return bad(c, at, "\"prio\" out of range");
		*ret = (int32_t)v;
		return 0;
	}
	if (!json_is_string(p))
		return bad(c, at, "\"prio\" must be a number or a priority name");
	const char *s = json_string_value(p);
	char name[16], *end;
	if ((*s >= '0' && *s <= '9') || *s == '-') { /* "-100" */
		errno = 0;
		long v = strtol(s, &end, 10);
		if (*end || errno || v < INT32_MIN || v > INT32_MAX)
			goto fail;
		*ret = (int32_t)v;
		return 0;
	}
	size_t n = strcspn(s, " +-");
	uint32_t base;
	if (n == 0 || n >= sizeof(name))
		goto fail;
	memcpy(name, s, n);
	name[n] = 0;
	if (!sym_find(family == RS_FAMILY_BRIDGE ? bridge : names, name, &base))
		goto fail;
	s += n;
	s += strspn(s, " ");
	long off = 0;
	if (*s == '+' || *s == '-') {
		int sign = *s == '-' ? -1 : 1;
		s++;
		s += strspn(s, " ");
		if (*s < '0' || *s > '9')
			goto fail;
		errno = 0;
		off = strtol(s, &end, 10);
		if (*end || errno || off > 100000)
			goto fail;
		off *= sign;
	} else if (*s)
		goto fail;
	*ret = (int32_t)base + (int32_t)off;
	return 0;
fail:
	return bad(c, at, "unknown priority '%.40s'", json_string_value(p));
}

static int read_chain(struct ctx *c, const char *at, json_t *o)
{
	static const struct sym hooks[] = {
		{"prerouting", RS_HOOK_PREROUTING}, {"input", RS_HOOK_INPUT},   {"forward", RS_HOOK_FORWARD},
		{"output", RS_HOOK_OUTPUT},         {"postrouting", RS_HOOK_POSTROUTING},
		{"ingress", RS_HOOK_INGRESS},       {"egress", RS_HOOK_EGRESS}, {NULL, 0},
	};
	static const struct sym types[] = {
		{"filter", RS_CHAIN_FILTER}, {"nat", RS_CHAIN_NAT}, {"route", RS_CHAIN_ROUTE}, {NULL, 0},
	};
	const char *name, *hook, *type, *policy;
	uint32_t table, idx, h = 0, t = 0;
	int32_t prio = 0;
	int err;

	if (!json_is_object(o))
		return bad(c, at, "expected an object");
	if ((err = find_table(c, at, o, &table)) < 0 || (err = get_str(c, at, o, "name", true, &name)) < 0 ||
	    (err = get_str(c, at, o, "hook", false, &hook)) < 0 || (err = get_str(c, at, o, "type", false, &type)) < 0 ||
	    (err = get_str(c, at, o, "policy", false, &policy)) < 0)
		return err;
	if (hook) {
		if (!sym_find(hooks, hook, &h))
			return bad(c, at, "unknown hook '%.30s'", hook);
		if (!type || !json_object_get(o, "prio"))
			return bad(c, at, "a base chain needs \"type\", \"hook\" and \"prio\"");
		if (!sym_find(types, type, &t))
			return bad(c, at, "unknown chain type '%.30s'", type);
		if ((err = read_prio(c, at, json_object_get(o, "prio"), c->family, &prio)) < 0)
			return err;
		if (policy && strcmp(policy, "accept") && strcmp(policy, "drop"))
			return bad(c, at, "unknown policy '%.30s'", policy);
	}
	if (rs_chain_get(c->r, table, name, &idx) < 0)
		return -ENOMEM;
	struct rs_chain *ch = &c->r->chains[idx];
	ch->defined = true;
	if (hook) {
		ch->hook = (enum rs_hook)h;
		ch->type = (enum rs_chain_type)t;
		ch->priority = prio;
		ch->policy = policy && strcmp(policy, "drop") == 0 ? RS_POLICY_DROP : RS_POLICY_ACCEPT;
	}
	return 0;
}

/* --------------------------------------------------------------- the file */

/*
 * One member of the top-level array.  Pass 1 reads everything but rules,
 * pass 2 only rules.  cmd is NULL for listing objects.
 */
static int read_object(struct ctx *c, const char *at, json_t *item, int pass)
{
	json_t *v, *o;
	const char *kind = only_member(item, &v), *cmd = NULL;
	char buf[256], buf2[256];

	if (!kind)
		return bad(c, at, "expected an object with one member");
	if (strcmp(kind, "metainfo") == 0)
		return 0;
	if (strcmp(kind, "add") == 0 || strcmp(kind, "create") == 0 || strcmp(kind, "insert") == 0) {
		cmd = kind;
		at = sub(buf, sizeof(buf), at, ".%s", kind);
		if (!(kind = only_member(v, &o)))
			return bad(c, at, "a command takes an object with one member");
		v = o;
		if (strcmp(cmd, "insert") == 0 && strcmp(kind, "rule") != 0)
			return bad(c, at, "only rules can be inserted");
	} else if (strcmp(kind, "flush") == 0) {
		/* the usual preamble of a script: a no-op on nothing */
		if (pass == 1 && (c->content || !json_object_get(v, "ruleset")))
			return bad(c, at, "'flush' after ruleset objects is not supported: give sanso a listing "
					  "(nft -j list ruleset)");
		return 0;
	} else if (strcmp(kind, "list") == 0 || strcmp(kind, "reset") == 0) {
		return 0; /* they change nothing the model holds (reset: counters) */
	} else if (strcmp(kind, "delete") == 0 || strcmp(kind, "destroy") == 0 || strcmp(kind, "replace") == 0 ||
		   strcmp(kind, "rename") == 0) {
		return pass == 1 ? bad(c, at, "'%s' commands are not supported: give sanso a listing "
					      "(nft -j list ruleset)", kind)
				 : 0;
	}
	at = sub(buf2, sizeof(buf2), at, ".%s", kind);
	c->content = true;
	if (strcmp(kind, "rule") == 0)
		return pass == 2 ? read_rule(c, at, v, cmd != NULL, cmd && strcmp(cmd, "insert") == 0) : 0;
	if (pass != 1)
		return 0;
	if (strcmp(kind, "table") == 0)
		return read_table(c, at, v);
	if (strcmp(kind, "chain") == 0)
		return read_chain(c, at, v);
	if (strcmp(kind, "set") == 0 || strcmp(kind, "map") == 0)
		return read_set(c, at, v, kind[0] == 'm', false);
	if (strcmp(kind, "element") == 0)
		return read_set(c, at, v, false, true);
	/* flowtables, named counters/quotas/limits, ct helpers/timeouts/
	 * expectations, synproxy, secmark, tunnels: stateful objects only
	 * statements refer to, and those statements are flagged */
	return 0;
}

int rs_load_nft_json(const char *path, struct rs_ruleset **ret, struct topo_diag_list *diags)
{
	char *buf = NULL;
	size_t len = 0;
	int err;

	*ret = NULL;
	err = topo_read_file(path, MAX_INPUT, &buf, &len);
	if (err == -EFBIG)
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR, "larger than %u MiB: not read", MAX_INPUT >> 20);
	else if (err < 0)
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR, "cannot read: %s", strerror(-err));
	if (err < 0)
		return err == -EFBIG ? -EBADMSG : err;
	err = rs_load_nft_json_buffer(path, buf, len, ret, diags);
	free(buf);
	return err;
}

int rs_load_nft_json_buffer(const char *path, const char *buf, size_t len, struct rs_ruleset **ret,
			    struct topo_diag_list *diags)
{
	struct ctx c = {.path = path, .diags = diags};
	json_error_t jerr;
	json_t *root = NULL, *list, *item;
	size_t i;
	int err;

	*ret = NULL;
	if (len > MAX_INPUT) {
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR, "larger than %u MiB: not read", MAX_INPUT >> 20);
		return -EBADMSG;
	}
	/* duplicate keys would make "which one counts" ambiguous; NUL in
	 * strings is rejected by default (interface names are C strings) */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		/* jansson's text for its depth limit doesn't say what the limit is */
		bool deep = json_error_code(&jerr) == json_error_stack_overflow;
		topo_diag_add(diags, path, (unsigned)(jerr.line > 0 ? jerr.line : 0),
			      (unsigned)(jerr.column > 0 ? jerr.column : 0), TOPO_SEV_ERROR, "invalid JSON: %s%s",
			      jerr.text, deep ? " (arrays and objects nested more than 2048 levels deep)" : "");
		return json_error_code(&jerr) == json_error_out_of_memory ? -ENOMEM : -EBADMSG;
	}
	list = json_object_get(root, "nftables");
	if (!json_is_object(root) || !json_is_array(list)) {
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR,
			      "not an nft JSON ruleset: expected {\"nftables\": [...]} (nft -j list ruleset)");
		err = -EBADMSG;
		goto out;
	}
	c.r = rs_ruleset_new(path, RS_ORIGIN_NFT_JSON);
	if (!c.r) {
		err = -ENOMEM;
		goto out;
	}
	for (int pass = 1; pass <= 2; pass++)
		json_array_foreach(list, i, item) {
			char at[64];
			snprintf(at, sizeof(at), "nftables[%zu]", i);
			if ((err = read_object(&c, at, item, pass)) < 0)
				goto out;
		}
	if ((err = rs_ruleset_finish(c.r, diags)) < 0)
		goto out;
	*ret = c.r;
	c.r = NULL;
	err = 0;
out:
	if (err == -ENOMEM)
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR, "out of memory");
	rs_ruleset_free(c.r);
	free(c.sets);
	json_decref(root);
	return err;
}
