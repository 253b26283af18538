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
 *
 * This file walks the document; nft-json-expr.c decodes expressions,
 * values and matches (nft-json-internal.h is between them).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft-json-internal.h"

__attribute__((format(printf, 3, 4))) int rs_json_bad(struct ctx *c, const char *at, const char *fmt, ...)
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

__attribute__((format(printf, 3, 4))) int rs_json_unmodelled(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return UNMODELLED;
}

/* A JSON path below `at`, e.g. "nftables[3].rule.expr[1]". */
__attribute__((format(printf, 4, 5))) const char *rs_json_sub(char *buf, size_t len, const char *at, const char *fmt,
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
const char *rs_json_only_member(json_t *o, json_t **ret)
{
	if (!json_is_object(o) || json_object_size(o) != 1)
		return NULL;
	void *it = json_object_iter(o);
	*ret = json_object_iter_value(it);
	return json_object_iter_key(it);
}

/* A string member: *ret stays NULL when absent and !required. */
int rs_json_get_str(struct ctx *c, const char *at, json_t *o, const char *key, bool required, const char **ret)
{
	json_t *v = json_object_get(o, key);

	*ret = NULL;
	if (!v)
		return required ? rs_json_bad(c, at, "\"%s\" is missing", key) : 0;
	if (!json_is_string(v))
		return rs_json_bad(c, at, "\"%s\" must be a string", key);
	*ret = json_string_value(v);
	return 0;
}

/* A non-negative integer, also from a numeric string ("0x10", "22"). */
int rs_json_get_uint(json_t *v, uint64_t max, uint64_t *ret)
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
void rs_json_describe(json_t *v, char *buf, size_t len)
{
	json_t *inner;
	const char *k;

	if (json_is_string(v))
		snprintf(buf, len, "'%.40s'", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if ((k = rs_json_only_member(v, &inner)))
		snprintf(buf, len, "%.40s expression", k);
	else
		snprintf(buf, len, "%s", json_is_array(v) ? "a list" : "a value");
}

/* ------------------------------------------------------------ families */

static const struct sym families[] = {
	{"ip", RS_FAMILY_IP},         {"ip6", RS_FAMILY_IP6},       {"inet", RS_FAMILY_INET},
	{"arp", RS_FAMILY_ARP},       {"bridge", RS_FAMILY_BRIDGE}, {"netdev", RS_FAMILY_NETDEV},
	{NULL, 0},
};

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

int rs_json_set_new(struct ctx *c, uint32_t table, const char *name, uint32_t *ret)
{
	int err = rs_set_add(c->r, table, name, ret);

	if (err < 0 || (err = setinfo_grow(c)) < 0)
		return err;
	memset(&c->sets[*ret], 0, sizeof(c->sets[*ret]));
	return 0;
}

/* Takes back the set just added (an anonymous set we couldn't fill). */
void rs_json_set_pop(struct ctx *c)
{
	struct rs_set *s = &c->r->sets[--c->r->n_sets];

	free(s->name);
	free(s->elems);
	memset(s, 0, sizeof(*s));
}

static int read_verdict(struct ctx *c, const char *at, uint32_t table, json_t *v, struct rs_verdict *out)
{
	json_t *arg;
	const char *kind = rs_json_only_member(v, &arg), *target;
	int err;

	if (!kind)
		return rs_json_bad(c, at, "expected a verdict");
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
			return rs_json_bad(c, at, "%s needs {\"target\": CHAIN}", kind);
		if ((err = rs_json_get_str(c, at, arg, "target", true, &target)) < 0)
			return err;
		return rs_chain_get(c->r, table, target, &out->chain);
	} else
		return rs_json_bad(c, at, "'%.40s' is not a verdict", kind);
	return 0;
}

/*
 * Elements into set `idx` (whose setinfo has the keys).  An element that
 * can't be modelled makes the whole set unusable (setinfo.why); -EBADMSG
 * for malformed ones.
 */
int rs_json_fill_set(struct ctx *c, const char *at, uint32_t idx, json_t *elems)
{
	return rs_json_fill_set_from(c, at, idx, elems, 0);
}

int rs_json_fill_set_from(struct ctx *c, const char *at, uint32_t idx, json_t *elems, size_t base)
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
		err = rs_json_fill_set(c, at, idx, one);
		json_decref(one);
		return err;
	}
	/* one allocation for the listing's elements, not a chain of doublings */
	size_t want = c->r->sets[idx].n_elems + json_array_size(elems);
	if (!si->why[0] && rs_set_reserve(&c->r->sets[idx], want < MAX_ELEMS ? want : MAX_ELEMS) < 0)
		return -ENOMEM;
	json_array_foreach(elems, i, e) {
		char buf[256];
		const char *here = rs_json_sub(buf, sizeof(buf), at, "[%zu]", base + i);
		json_t *key = e, *data = NULL;
		if (map) {
			if (!json_is_array(e) || json_array_size(e) != 2)
				return rs_json_bad(c, here, "a map element must be [key, value]");
			key = json_array_get(e, 0);
			data = json_array_get(e, 1);
		}
		if (si->why[0])
			continue; /* already unusable: just check the shape */
		if (++c->n_elems > MAX_ELEMS)
			return rs_json_bad(c, here, "more than %u set elements", MAX_ELEMS);
		struct rs_set_elem *el = rs_set_elem_add(&c->r->sets[idx]);
		if (!el)
			return -ENOMEM;
		err = rs_json_read_elem(c, here, si->keys, si->n_keys, key, el, &si->catchall, si->why,
					sizeof(si->why));
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
			return rs_json_bad(c, at, "empty set type");
		if (n > RS_MAX_CONCAT)
			return rs_json_unmodelled(si->why, sizeof(si->why), "concatenation of %zu types", n);
		for (size_t i = 0; i < n; i++)
			items[i] = json_array_get(type, i);
	} else if ((t = json_object_get(type, "typeof"))) {
		json_t *cat = json_object_get(t, "concat");
		n = cat ? json_array_size(cat) : 1;
		if (n == 0 || n > RS_MAX_CONCAT)
			return cat && json_is_array(cat) && n
				       ? rs_json_unmodelled(si->why, sizeof(si->why), "concatenation of %zu keys", n)
				       : rs_json_bad(c, at, "bad typeof concatenation");
		for (size_t i = 0; i < n; i++) {
			err = rs_json_read_key(c, at, cat ? json_array_get(cat, i) : t, &si->keys[i], si->why,
					       sizeof(si->why));
			if (err)
				return err;
		}
		goto out;
	} else if (json_is_string(type))
		items[0] = type;
	else
		return rs_json_bad(c, at, "\"type\" must be a string, a list or {\"typeof\": …}");
	for (size_t i = 0; i < n; i++) {
		if (!json_is_string(items[i]))
			return rs_json_bad(c, at, "a set type must be a string");
		const char *s = json_string_value(items[i]);
		size_t j;
		for (j = 0; j < sizeof(set_types) / sizeof(set_types[0]); j++)
			if (strcmp(set_types[j].name, s) == 0)
				break;
		if (j == sizeof(set_types) / sizeof(set_types[0]))
			return rs_json_unmodelled(si->why, sizeof(si->why), "set type %.40s", s);
		si->keys[i].key = set_types[j].key;
		si->keys[i].v6 = set_types[j].v6;
	}
out:
	if (rs_json_keys_len(si->keys, (unsigned)n) > RS_VAL_MAX)
		return rs_json_unmodelled(si->why, sizeof(si->why), "set key longer than %d bytes", RS_VAL_MAX);
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
		return rs_json_bad(c, at, "expected an object");
	if ((err = find_table(c, at, o, &table)) < 0 || (err = rs_json_get_str(c, at, o, "name", true, &name)) < 0)
		return err;
	if (elements_only || rs_set_find(c->r, table, name, &idx) == 0) {
		/* `add element`, or `add set` again (it merges) */
		if (rs_set_find(c->r, table, name, &idx) < 0)
			return rs_json_bad(c, at, "set '%.60s' is not defined", name);
	} else {
		json_t *dt = json_object_get(o, "map");
		if (is_map_obj) {
			if (!dt)
				return rs_json_bad(c, at, "a map needs \"map\" (its value type)");
			if (json_is_string(dt))
				data_type = json_string_value(dt);
		}
		if ((err = rs_json_set_new(c, table, name, &idx)) < 0)
			return err;
		c->r->sets[idx].is_vmap = data_type && strcmp(data_type, "verdict") == 0;
		c->r->sets[idx].is_map = is_map_obj && !c->r->sets[idx].is_vmap;
		json_t *type = json_object_get(o, "type");
		if (!type)
			return rs_json_bad(c, at, "\"type\" is missing");
		if ((err = read_set_type(c, at, type, &c->sets[idx])) < 0)
			return err;
	}
	c->last_set = idx;
	json_t *elems = json_object_get(o, "elem");
	if (!elems)
		return 0;
	char buf[256];
	return rs_json_fill_set(c, rs_json_sub(buf, sizeof(buf), at, ".elem"), idx, elems);
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
		return rs_json_bad(c, at, "a vmap needs \"key\" and \"data\"");
	if (!rs_json_is_set_ref(data) && !json_object_get(data, "set"))
		return rs_json_bad(c, at, "vmap data must be {\"set\": […]} or \"@map\"");
	err = rs_json_read_keys(c, at, key, keys, &n, why, sizeof(why));
	if (err == 0)
		err = rs_json_lookup_set(c, at, table, keys, n, data, true, &idx, why, sizeof(why));
	if (err < 0)
		return err;
	if (err == UNMODELLED) {
		snprintf(what, sizeof(what), "vmap: %s", why);
		return unknown_verdict(rule, what);
	}
	for (unsigned i = 0; i < n; i++)
		if ((err = rs_json_add_dep(c, at, rule, keys[i].l4dep)) < 0)
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
	if (!(kind = rs_json_only_member(st, &v)))
		return rs_json_bad(c, at, "a statement must be an object with one member");
	if (strcmp(kind, "match") == 0) {
		char mat[256];
		err = rs_json_read_match(c, rs_json_sub(mat, sizeof(mat), at, ".match"), rule, table, v, why,
					 sizeof(why));
		return err == UNMODELLED ? rs_json_add_unknown(c, at, rule, why) : err;
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
			return rs_json_add_unknown(c, at, rule, what);
		if (strcmp(type, "watcher") == 0)
			return 0; /* ebtables log/nflog: no effect on the verdict */
		*done = true;
		return unknown_verdict(rule, what);
	}
	if (in_list(unknown_match_stmts, kind)) {
		rs_json_name_expr(kind, v, why, sizeof(why));
		return rs_json_add_unknown(c, at, rule, why);
	}
	/* queue, fwd, synproxy, and whatever comes next: the packet's fate
	 * is decided elsewhere */
	rs_json_name_expr(kind, v, why, sizeof(why));
	snprintf(what, sizeof(what), "statement %s", why);
	*done = true;
	return unknown_verdict(rule, what);
}

static int find_table(struct ctx *c, const char *at, json_t *o, uint32_t *ret)
{
	const char *fam, *name;
	uint32_t f;
	int err;

	if ((err = rs_json_get_str(c, at, o, "family", true, &fam)) < 0 ||
	    (err = rs_json_get_str(c, at, o, "table", true, &name)) < 0)
		return err;
	if (!rs_json_sym_find(families, fam, &f))
		return rs_json_bad(c, at, "unknown family '%.20s'", fam);
	if (rs_table_find(c->r, name, (enum rs_family)f, ret) < 0)
		return rs_json_bad(c, at, "table %s %.60s is not defined", fam, name);
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
		return rs_json_bad(c, at, "expected an object");
	if ((err = find_table(c, at, o, &table)) < 0 ||
	    (err = rs_json_get_str(c, at, o, "chain", true, &chain_name)) < 0)
		return err;
	if (rs_chain_get(c->r, table, chain_name, &chain) < 0)
		return -ENOMEM;
	if (!c->r->chains[chain].defined)
		return rs_json_bad(c, at, "chain '%.60s' is not defined", chain_name);
	if (command && (json_object_get(o, "handle") || json_object_get(o, "index")))
		return rs_json_bad(c, at, "rule commands with a position (\"handle\", \"index\") are not supported");
	if ((h = json_object_get(o, "handle")) && rs_json_get_uint(h, UINT64_MAX, &handle) < 0)
		return rs_json_bad(c, at, "\"handle\" must be a non-negative integer");
	expr = json_object_get(o, "expr");
	if (!json_is_array(expr))
		return rs_json_bad(c, at, "\"expr\" must be a list of statements");

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
	/* a statement is a match or two (with what it implies): one allocation
	 * for the usual rule, not a chain of doublings */
	if (rs_rule_reserve(rule, json_array_size(expr) + 1) < 0)
		return -ENOMEM;

	bool done = false;
	json_array_foreach(expr, i, st) {
		char buf[256];
		if (done)
			break; /* after a verdict: never reached */
		if ((err = read_stmt(c, rs_json_sub(buf, sizeof(buf), at, ".expr[%zu]", i), rule, table, st,
				     &done)) < 0)
			return err;
	}
	for (unsigned d = 0; d < c->n_deps; d++)
		if (!c->deps[d].used && (err = rs_json_add_unknown(c, at, rule, c->deps[d].what)) < 0)
			return err;
	rs_rule_fit(rule);
	return 0;
}

/* ------------------------------------------------------- tables, chains */

static int read_table(struct ctx *c, const char *at, json_t *o)
{
	const char *fam, *name;
	uint32_t f, idx;
	int err;

	if (!json_is_object(o))
		return rs_json_bad(c, at, "expected an object");
	if ((err = rs_json_get_str(c, at, o, "family", true, &fam)) < 0 ||
	    (err = rs_json_get_str(c, at, o, "name", true, &name)) < 0)
		return err;
	if (!rs_json_sym_find(families, fam, &f))
		return rs_json_bad(c, at, "unknown family '%.20s'", fam);
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
			return rs_json_bad(c, at, "\"prio\" out of range");
		*ret = (int32_t)v;
		return 0;
	}
	if (!json_is_string(p))
		return rs_json_bad(c, at, "\"prio\" must be a number or a priority name");
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
	if (!rs_json_sym_find(family == RS_FAMILY_BRIDGE ? bridge : names, name, &base))
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
	return rs_json_bad(c, at, "unknown priority '%.40s'", json_string_value(p));
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
		return rs_json_bad(c, at, "expected an object");
	if ((err = find_table(c, at, o, &table)) < 0 || (err = rs_json_get_str(c, at, o, "name", true, &name)) < 0 ||
	    (err = rs_json_get_str(c, at, o, "hook", false, &hook)) < 0 ||
	    (err = rs_json_get_str(c, at, o, "type", false, &type)) < 0 ||
	    (err = rs_json_get_str(c, at, o, "policy", false, &policy)) < 0)
		return err;
	if (hook) {
		if (!rs_json_sym_find(hooks, hook, &h))
			return rs_json_bad(c, at, "unknown hook '%.30s'", hook);
		if (!type || !json_object_get(o, "prio"))
			return rs_json_bad(c, at, "a base chain needs \"type\", \"hook\" and \"prio\"");
		if (!rs_json_sym_find(types, type, &t))
			return rs_json_bad(c, at, "unknown chain type '%.30s'", type);
		if ((err = read_prio(c, at, json_object_get(o, "prio"), c->family, &prio)) < 0)
			return err;
		if (policy && strcmp(policy, "accept") && strcmp(policy, "drop"))
			return rs_json_bad(c, at, "unknown policy '%.30s'", policy);
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
	const char *kind = rs_json_only_member(item, &v), *cmd = NULL;
	char buf[256], buf2[256];

	if (!kind)
		return rs_json_bad(c, at, "expected an object with one member");
	if (strcmp(kind, "metainfo") == 0)
		return 0;
	if (strcmp(kind, "add") == 0 || strcmp(kind, "create") == 0 || strcmp(kind, "insert") == 0) {
		cmd = kind;
		at = rs_json_sub(buf, sizeof(buf), at, ".%s", kind);
		if (!(kind = rs_json_only_member(v, &o)))
			return rs_json_bad(c, at, "a command takes an object with one member");
		v = o;
		if (strcmp(cmd, "insert") == 0 && strcmp(kind, "rule") != 0)
			return rs_json_bad(c, at, "only rules can be inserted");
	} else if (strcmp(kind, "flush") == 0) {
		/* the usual preamble of a script: a no-op on nothing */
		if (pass == 1 && (c->content || !json_object_get(v, "ruleset")))
			return rs_json_bad(c, at,
					   "'flush' after ruleset objects is not supported: give sanso a listing "
					   "(nft -j list ruleset)");
		return 0;
	} else if (strcmp(kind, "list") == 0 || strcmp(kind, "reset") == 0) {
		return 0; /* they change nothing the model holds (reset: counters) */
	} else if (strcmp(kind, "delete") == 0 || strcmp(kind, "destroy") == 0 || strcmp(kind, "replace") == 0 ||
		   strcmp(kind, "rename") == 0) {
		return pass == 1 ? rs_json_bad(c, at, "'%s' commands are not supported: give sanso a listing "
					      "(nft -j list ruleset)", kind)
				 : 0;
	}
	at = rs_json_sub(buf2, sizeof(buf2), at, ".%s", kind);
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

/*
 * The usual listing, {"nftables": [ … ]} as nft writes it, is read one
 * member of the array at a time: each is parsed on its own and dropped
 * once read, so the whole document never lives in memory (a 100,000-rule
 * listing is ~50 MB of JSON and many times that as one jansson tree).
 * One call is one pass (read_object's 1 or 2) over the text; pass 0
 * parses what pass 1 stepped over and reads nothing.  Returns 1 when the
 * text has that shape and is valid JSON throughout (*err: the first error
 * a member gave, 0 if none; members after it are still parsed, not read,
 * so a syntax error anywhere wins as it does for a whole load), 0 when it
 * has not: the caller then loads the document whole, which words every
 * problem with its line and column.
 *
 * Each member is parsed by jansson once: pass 1 steps over the listing's
 * rules ({"rule": …}, the bulk of a big ruleset) and pass 2 over what
 * pass 1 read (tables, chains, sets with their elements), by the extent of
 * the brackets (member_end).  Every member is parsed in one pass or the
 * other, and where it is, its extent by jansson must equal member_end's,
 * or the text goes to the whole load: the two passes always see the same
 * members, and jansson alone judges the JSON.
 */
static size_t skip_ws(const char *b, size_t len, size_t p)
{
	while (p < len && (b[p] == ' ' || b[p] == '\t' || b[p] == '\n' || b[p] == '\r'))
		p++;
	return p;
}

/* Where the object or array at b[p] ends (one past its closing bracket),
 * counting brackets outside strings; 0 when the text ends first. */
static size_t member_end(const char *b, size_t len, size_t p)
{
	size_t depth = 0;
	bool str = false;

	for (; p < len; p++) {
		char ch = b[p];
		if (str) {
			if (ch == '\\')
				p++;
			else if (ch == '"')
				str = false;
		} else if (ch == '"') {
			str = true;
		} else if (ch == '{' || ch == '[') {
			depth++;
		} else if (ch == '}' || ch == ']') {
			if (depth == 0)
				return 0;
			if (--depth == 0)
				return p + 1;
		}
	}
	return 0;
}

enum member_kind {
	MEMBER_OTHER, /* a command, or anything not told by its first key: parsed in both passes */
	MEMBER_RULE,  /* {"rule": …}: read in pass 2 only */
	MEMBER_SETUP, /* {"table"|"chain"|"set"|"map"|"element"|"metainfo": …}: pass 1 only */
};

/* The key at b[p] spelt as nft spells it (no escapes), and its ':': where
 * its value starts, with *name and *n the key; 0 when it is not such a key. */
static size_t key_at(const char *b, size_t len, size_t p, const char **name, size_t *n)
{
	size_t q;

	if (p >= len || b[p] != '"')
		return 0;
	for (q = p + 1; q < len && b[q] != '"' && b[q] != '\\'; q++)
		;
	if (q >= len || b[q] != '"')
		return 0;
	*name = b + p + 1;
	*n = q - p - 1;
	q = skip_ws(b, len, q + 1);
	return q < len && b[q] == ':' ? skip_ws(b, len, q + 1) : 0;
}

static bool key_is(const char *name, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(name, want, n) == 0;
}

/* By the first key (an escaped spelling is OTHER). */
static enum member_kind member_kind(const char *b, size_t len, size_t p)
{
	static const char *const setup[] = {"table", "chain", "set", "map", "element", "metainfo"};
	const char *name;
	size_t n;

	if (p >= len || b[p] != '{' || !key_at(b, len, skip_ws(b, len, p + 1), &name, &n))
		return MEMBER_OTHER;
	if (key_is(name, n, "rule"))
		return MEMBER_RULE;
	for (size_t i = 0; i < sizeof(setup) / sizeof(setup[0]); i++)
		if (key_is(name, n, setup[i]))
			return MEMBER_SETUP;
	return MEMBER_OTHER;
}

/* One past the value at b[p] (end: where its member ends): brackets by
 * member_end, a string to its closing quote, anything else (a number,
 * true, false, null) to the next delimiter; 0 when there is none.
 * jansson then parses exactly that extent, so it alone judges the JSON. */
static size_t value_end(const char *b, size_t end, size_t p)
{
	if (p >= end)
		return 0;
	if (b[p] == '{' || b[p] == '[')
		return member_end(b, end, p);
	if (b[p] == '"') {
		for (size_t q = p + 1; q < end; q++) {
			if (b[q] == '\\')
				q++;
			else if (b[q] == '"')
				return q + 1;
		}
		return 0;
	}
	size_t q = p;
	while (q < end && !strchr(",]} \t\r\n", b[q]))
		q++;
	return q > p ? q : 0;
}

#define STREAM_SET_MIN (1u << 20) /* a set member this long has its elements read one at a time */
#define ELEM_BATCH 4096

/*
 * A large {"set"|"map"|"element": {…, "elem": [ … ]}} member (a block list
 * of a million addresses) is read without its elements' jansson tree: the
 * member without them ("elem": []) is parsed and read, then the elements
 * one at a time, each parsed by jansson on its extent, in batches.
 * Returns 1 when read so (*err as read_object's), 0 when the member has
 * not that shape (the caller parses it whole), -1 when it is not JSON
 * (the caller loads the document whole, which says where).
 */
static int stream_set(struct ctx *c, const char *b, size_t p, size_t end, size_t index, int *err)
{
	static const char *const kinds[] = {"set", "map", "element"};
	const char *name;
	size_t n, es = 0, ee = 0, k;
	size_t q = key_at(b, end, skip_ws(b, end, p + 1), &name, &n);

	if (!q)
		return 0;
	for (k = 0; k < 3 && !key_is(name, n, kinds[k]); k++)
		;
	if (k == 3 || b[q] != '{')
		return 0;
	/* the inner object's members, for the extent of "elem" */
	q = skip_ws(b, end, q + 1);
	while (q < end && b[q] != '}') {
		if (!(q = key_at(b, end, q, &name, &n)))
			return 0;
		size_t ve = value_end(b, end, q);
		if (!ve)
			return 0;
		if (key_is(name, n, "elem")) {
			if (b[q] != '[' || es)
				return 0;
			es = q;
			ee = ve;
		}
		q = skip_ws(b, end, ve);
		if (q < end && b[q] == ',')
			q = skip_ws(b, end, q + 1);
		else if (q >= end || b[q] != '}')
			return 0;
	}
	if (!es || q >= end || skip_ws(b, end, q + 1) != end - 1 || b[end - 1] != '}')
		return 0;

	/* the member without its elements */
	n = (es - p) + 2 + (end - ee);
	char *skel = malloc(n);
	if (!skel)
		return 0;
	memcpy(skel, b + p, es - p);
	memcpy(skel + (es - p), "[]", 2);
	memcpy(skel + (es - p) + 2, b + ee, end - ee);
	json_error_t jerr;
	json_t *item = json_loadb(skel, n, JSON_REJECT_DUPLICATES, &jerr);
	free(skel);
	if (!item)
		return 0;
	char at[64], list[96];
	snprintf(at, sizeof(at), "nftables[%zu]", index);
	snprintf(list, sizeof(list), "%s.%s.elem", at, kinds[k]);
	*err = read_object(c, at, item, 1);
	json_decref(item);

	/* the elements: counted, then read in batches (jansson judges each) */
	size_t total = 0, done = 0;
	for (int round = 0; round < 2; round++) {
		json_t *batch = round ? json_array() : NULL;
		if (round && !batch)
			return -1;
		/* one allocation for all of them (a block list has a million) */
		size_t want = total < MAX_ELEMS ? total : MAX_ELEMS;
		if (round && *err == 0 && !c->sets[c->last_set].why[0] &&
		    rs_set_reserve(&c->r->sets[c->last_set], c->r->sets[c->last_set].n_elems + want) < 0)
			*err = -ENOMEM;
		q = skip_ws(b, ee, es + 1);
		while (q < ee - 1) {
			size_t ve = value_end(b, ee, q);
			if (!ve) {
				json_decref(batch);
				return -1;
			}
			if (round) {
				json_t *e = json_loadb(b + q, ve - q, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
				if (!e || json_array_append_new(batch, e) < 0) {
					json_decref(batch);
					return -1;
				}
			} else
				total++;
			q = skip_ws(b, ee, ve);
			if (q < ee - 1 && b[q] == ',') {
				q = skip_ws(b, ee, q + 1);
				if (q >= ee - 1) {
					json_decref(batch);
					return -1; /* a trailing comma */
				}
			} else if (q != ee - 1) {
				json_decref(batch);
				return -1;
			}
			if (round && (json_array_size(batch) == ELEM_BATCH || q >= ee - 1)) {
				if (*err == 0)
					*err = rs_json_fill_set_from(c, list, c->last_set, batch, done);
				done += json_array_size(batch);
				json_array_clear(batch);
			}
		}
		json_decref(batch);
	}
	return 1;
}

static int stream_pass(struct ctx *c, const char *buf, size_t len, int pass, int *err)
{
	static const char key[] = "\"nftables\"";
	size_t p = skip_ws(buf, len, 0);

	*err = 0;
	if (p >= len || buf[p] != '{')
		return 0;
	p = skip_ws(buf, len, p + 1);
	if (len - p < sizeof(key) - 1 || memcmp(buf + p, key, sizeof(key) - 1) != 0)
		return 0;
	p = skip_ws(buf, len, p + sizeof(key) - 1);
	if (p >= len || buf[p] != ':')
		return 0;
	p = skip_ws(buf, len, p + 1);
	if (p >= len || buf[p] != '[')
		return 0;
	p = skip_ws(buf, len, p + 1);
	for (size_t i = 0; p < len && buf[p] != ']'; i++) {
		enum member_kind kind = member_kind(buf, len, p);
		size_t end = kind == MEMBER_OTHER ? 0 : member_end(buf, len, p);
		if (kind != MEMBER_OTHER && !end)
			return 0;
		int streamed = 0;
		if (kind == MEMBER_SETUP && pass == 1 && end - p >= STREAM_SET_MIN) {
			int e = 0;
			if ((streamed = stream_set(c, buf, p, end, i, &e)) < 0)
				return 0;
			if (streamed && *err == 0)
				*err = e;
		}
		if (streamed) {
			p = end;
		} else if ((kind == MEMBER_RULE && pass == 1) || (kind == MEMBER_SETUP && pass != 1)) {
			if (kind == MEMBER_RULE)
				c->content = true; /* as read_object marks it: a later 'flush' is refused */
			p = end;
		} else {
			json_error_t jerr;
			json_t *item = json_loadb(buf + p, len - p, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &jerr);
			if (!item)
				return 0;
			if (jerr.position <= 0 || (size_t)jerr.position > len - p || (end && p + (size_t)jerr.position != end)) {
				json_decref(item);
				return 0;
			}
			p += (size_t)jerr.position;
			if (*err == 0 && pass != 0) {
				char at[64];
				snprintf(at, sizeof(at), "nftables[%zu]", i);
				*err = read_object(c, at, item, pass);
			}
			json_decref(item);
		}
		p = skip_ws(buf, len, p);
		if (p < len && buf[p] == ',') {
			p = skip_ws(buf, len, p + 1);
			if (p < len && buf[p] == ']')
				return 0; /* a trailing comma: not JSON */
		} else if (p >= len || buf[p] != ']')
			return 0;
	}
	if (p >= len)
		return 0;
	p = skip_ws(buf, len, p + 1);
	if (p >= len || buf[p] != '}')
		return 0; /* more members at the top: the whole load judges them */
	p = skip_ws(buf, len, p + 1);
	return p == len;
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
	/* the usual listing, one member at a time */
	size_t mark = diags ? diags->n : 0;
	if (!(c.r = rs_ruleset_new(path, RS_ORIGIN_NFT_JSON)))
		return -ENOMEM;
	int streamed = stream_pass(&c, buf, len, 1, &err), ignored;
	if (streamed && !err)
		streamed = stream_pass(&c, buf, len, 2, &err);
	else if (streamed)
		streamed = stream_pass(&c, buf, len, 0, &ignored); /* the rules pass 1 stepped over are JSON too */
	if (streamed) {
		if (err < 0)
			goto out;
		goto finish;
	}
	/* anything else: the whole document, as it was, from the start */
	topo_diag_list_truncate(diags, mark);
	rs_ruleset_free(c.r);
	free(c.sets);
	c = (struct ctx){.path = path, .diags = diags};

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
finish:
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
