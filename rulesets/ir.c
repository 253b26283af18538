/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rule model: building, freeing and printing it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rulesets-internal.h"
#include "rulesets.h"

static const struct {
	const char *name;
	size_t len;
} keys[_RS_KEY_MAX] = {
	[RS_KEY_NFPROTO] = {"meta nfproto", 1},
	[RS_KEY_L4PROTO] = {"meta l4proto", 1},
	[RS_KEY_IP_SADDR] = {"ip saddr", 4},
	[RS_KEY_IP_DADDR] = {"ip daddr", 4},
	[RS_KEY_IP6_SADDR] = {"ip6 saddr", 16},
	[RS_KEY_IP6_DADDR] = {"ip6 daddr", 16},
	[RS_KEY_SPORT] = {"th sport", 2},
	[RS_KEY_DPORT] = {"th dport", 2},
	[RS_KEY_ICMP_TYPE] = {"icmp type", 1},
	[RS_KEY_ICMP_CODE] = {"icmp code", 1},
	[RS_KEY_TCP_FLAGS] = {"tcp flags", 1},
	[RS_KEY_IIFNAME] = {"iifname", RS_IFNAMSIZ},
	[RS_KEY_OIFNAME] = {"oifname", RS_IFNAMSIZ},
	[RS_KEY_ETHER_SADDR] = {"ether saddr", 6},
	[RS_KEY_CT_STATE] = {"ct state", 4},
	[RS_KEY_CT_STATUS] = {"ct status", 4},
};

_Static_assert(RS_IFNAMSIZ <= RS_MATCH_VAL && 16 <= RS_MATCH_VAL, "a match holds one key's bytes");

size_t rs_key_len(enum rs_key k)
{
	return k < _RS_KEY_MAX ? keys[k].len : 0;
}

bool rs_key_is_addr(enum rs_key k)
{
	return k == RS_KEY_IP_SADDR || k == RS_KEY_IP_DADDR || k == RS_KEY_IP6_SADDR || k == RS_KEY_IP6_DADDR;
}

const char *rs_key_name(enum rs_key k)
{
	return k < _RS_KEY_MAX ? keys[k].name : "?";
}

const char *rs_family_name(enum rs_family f)
{
	switch (f) {
	case RS_FAMILY_INET:
		return "inet";
	case RS_FAMILY_IP:
		return "ip";
	case RS_FAMILY_ARP:
		return "arp";
	case RS_FAMILY_NETDEV:
		return "netdev";
	case RS_FAMILY_BRIDGE:
		return "bridge";
	case RS_FAMILY_IP6:
		return "ip6";
	}
	return "?";
}

const char *rs_hook_name(enum rs_hook h)
{
	static const char *const names[] = {
		[RS_HOOK_NONE] = "none",
		[RS_HOOK_PREROUTING] = "prerouting",
		[RS_HOOK_INPUT] = "input",
		[RS_HOOK_FORWARD] = "forward",
		[RS_HOOK_OUTPUT] = "output",
		[RS_HOOK_POSTROUTING] = "postrouting",
		[RS_HOOK_INGRESS] = "ingress",
		[RS_HOOK_EGRESS] = "egress",
	};
	return (unsigned)h < sizeof(names) / sizeof(names[0]) ? names[h] : "?";
}

/* ---------------------------------------------------------------- building */

/* Room for n items in one allocation (what is added is not cleared). */
static int reserve(void **items, size_t *cap, size_t n, size_t size)
{
	if (n <= *cap)
		return 0;
	void *p = realloc(*items, n * size);
	if (!p)
		return -ENOMEM;
	*items = p;
	*cap = n;
	return 0;
}

static int grow(void **items, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	/* small first: a ruleset has many rules of few matches each */
	size_t old = *cap;
	if (reserve(items, cap, old ? old * 2 : 2, size) < 0)
		return -ENOMEM;
	memset((char *)*items + old * size, 0, (*cap - old) * size);
	return 0;
}

struct rs_ruleset *rs_ruleset_new(const char *source, enum rs_origin origin)
{
	struct rs_ruleset *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->source = strdup(source ? source : "?");
	if (!r->source) {
		free(r);
		return NULL;
	}
	r->origin = origin;
	return r;
}

int rs_table_find(const struct rs_ruleset *r, const char *name, enum rs_family family, uint32_t *ret)
{
	for (size_t i = 0; i < r->n_tables; i++)
		if (r->tables[i].family == family && strcmp(r->tables[i].name, name) == 0) {
			*ret = (uint32_t)i;
			return 0;
		}
	return -ENOENT;
}

int rs_table_add(struct rs_ruleset *r, const char *name, enum rs_family family, uint32_t *ret)
{
	if (rs_table_find(r, name, family, ret) == 0)
		return 0;
	if (grow((void **)&r->tables, &r->cap_tables, r->n_tables, sizeof(*r->tables)) < 0)
		return -ENOMEM;
	struct rs_table *t = &r->tables[r->n_tables];
	t->name = strdup(name);
	if (!t->name)
		return -ENOMEM;
	t->family = family;
	*ret = (uint32_t)r->n_tables++;
	return 0;
}

int rs_chain_get(struct rs_ruleset *r, uint32_t table, const char *name, uint32_t *ret)
{
	for (size_t i = 0; i < r->n_chains; i++)
		if (r->chains[i].table == table && strcmp(r->chains[i].name, name) == 0) {
			*ret = (uint32_t)i;
			return 0;
		}
	if (grow((void **)&r->chains, &r->cap_chains, r->n_chains, sizeof(*r->chains)) < 0)
		return -ENOMEM;
	struct rs_chain *c = &r->chains[r->n_chains];
	memset(c, 0, sizeof(*c));
	c->name = strdup(name);
	if (!c->name)
		return -ENOMEM;
	c->table = table;
	c->hook = RS_HOOK_NONE;
	*ret = (uint32_t)r->n_chains++;
	return 0;
}

struct rs_rule *rs_rule_add(struct rs_ruleset *r, uint32_t chain)
{
	struct rs_chain *c = &r->chains[chain];

	if (grow((void **)&c->rules, &c->cap_rules, c->n_rules, sizeof(*c->rules)) < 0)
		return NULL;
	struct rs_rule *rule = &c->rules[c->n_rules++];
	memset(rule, 0, sizeof(*rule));
	rule->verdict.code = RS_V_CONTINUE;
	return rule;
}

int rs_rule_reserve(struct rs_rule *rule, size_t n)
{
	return reserve((void **)&rule->matches, &rule->cap_matches, n, sizeof(*rule->matches));
}

void rs_rule_fit(struct rs_rule *rule)
{
	if (rule->n_matches >= rule->cap_matches || rule->n_matches == 0)
		return;
	void *p = realloc(rule->matches, rule->n_matches * sizeof(*rule->matches));
	if (p) {
		rule->matches = p;
		rule->cap_matches = rule->n_matches;
	}
}

struct rs_match *rs_match_add(struct rs_rule *rule)
{
	if (grow((void **)&rule->matches, &rule->cap_matches, rule->n_matches, sizeof(*rule->matches)) < 0)
		return NULL;
	struct rs_match *m = &rule->matches[rule->n_matches++];
	memset(m, 0, sizeof(*m));
	m->n_keys = 1;
	return m;
}

int rs_set_find(const struct rs_ruleset *r, uint32_t table, const char *name, uint32_t *ret)
{
	for (size_t i = 0; i < r->n_sets; i++)
		if (r->sets[i].table == table && strcmp(r->sets[i].name, name) == 0) {
			*ret = (uint32_t)i;
			return 0;
		}
	return -ENOENT;
}

int rs_set_add(struct rs_ruleset *r, uint32_t table, const char *name, uint32_t *ret)
{
	if (grow((void **)&r->sets, &r->cap_sets, r->n_sets, sizeof(*r->sets)) < 0)
		return -ENOMEM;
	struct rs_set *s = &r->sets[r->n_sets];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	if (!s->name)
		return -ENOMEM;
	s->table = table;
	*ret = (uint32_t)r->n_sets++;
	return 0;
}

int rs_set_reserve(struct rs_set *s, size_t n)
{
	return reserve((void **)&s->elems, &s->cap_elems, n, sizeof(*s->elems));
}

struct rs_set_elem *rs_set_elem_add(struct rs_set *s)
{
	if (grow((void **)&s->elems, &s->cap_elems, s->n_elems, sizeof(*s->elems)) < 0)
		return NULL;
	struct rs_set_elem *e = &s->elems[s->n_elems++];
	memset(e, 0, sizeof(*e));
	return e;
}

int rs_rule_unsupported(struct rs_rule *rule, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);

	size_t old = rule->unsupported ? strlen(rule->unsupported) : 0;
	char *p = realloc(rule->unsupported, old + strlen(what) + 3);
	if (!p)
		return -ENOMEM;
	if (old)
		strcpy(p + old, "; ");
	else
		p[0] = 0;
	strcat(p, what);
	rule->unsupported = p;
	return 0;
}

int rs_match_unknown(struct rs_rule *rule, const char *why)
{
	struct rs_match *m = rs_match_add(rule);

	if (!m)
		return -ENOMEM;
	m->op = RS_OP_UNKNOWN;
	m->why = strdup(why);
	if (!m->why)
		return -ENOMEM;
	return rs_rule_unsupported(rule, "%s", why);
}

void rs_match_prefix(struct rs_match *m, enum rs_key k, const uint8_t *addr, unsigned len)
{
	size_t n = rs_key_len(k);

	m->op = RS_OP_EQ;
	m->n_keys = 1;
	m->keys[0] = k;
	m->has_mask = true;
	memset(m->mask, 0, sizeof(m->mask));
	memset(m->value, 0, sizeof(m->value));
	for (size_t i = 0; i < n; i++) {
		unsigned bits = len > i * 8 ? len - (unsigned)i * 8 : 0;
		m->mask[i] = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		m->value[i] = addr[i] & m->mask[i];
	}
}

/* The k-th jump/goto target of a rule (its verdict, then its verdict map's
 * elements); false when there is none from k on. */
static bool rule_target(const struct rs_ruleset *r, const struct rs_rule *rule, size_t *k, uint32_t *to,
			enum rs_verdict_code *how)
{
	if (!rule->has_vmap) {
		if (*k > 0 || (rule->verdict.code != RS_V_JUMP && rule->verdict.code != RS_V_GOTO))
			return false;
		*k = 1;
		*to = rule->verdict.chain;
		*how = rule->verdict.code;
		return *to < r->n_chains;
	}
	if (rule->vmap.op != RS_OP_IN || rule->vmap.set >= r->n_sets)
		return false;
	const struct rs_set *set = &r->sets[rule->vmap.set];
	for (; *k < set->n_elems; (*k)++) {
		const struct rs_verdict *v = &set->elems[*k].verdict;
		if ((v->code == RS_V_JUMP || v->code == RS_V_GOTO) && v->chain < r->n_chains) {
			*to = v->chain;
			*how = v->code;
			(*k)++;
			return true;
		}
	}
	return false;
}

/*
 * A jump or goto that leads back to a chain on its own path is a loop the
 * kernel refuses (nf_tables_check_loops, iptables' mark_source_chains);
 * a file may still hold one.  Depth-first over the chains, without
 * recursion (a hostile file may chain 100,000 of them); names the rule
 * that closes the loop and the chains around it.
 */
static int check_loops(struct rs_ruleset *r, struct topo_diag_list *diags)
{
	enum { WHITE, GREY, BLACK };
	struct frame {
		uint32_t chain;
		size_t rule, k;
	};
	uint8_t *colour = calloc(r->n_chains + 1, 1);
	struct frame *st = calloc(r->n_chains + 1, sizeof(*st));
	int err = 0;

	if (!colour || !st) {
		free(colour);
		free(st);
		return -ENOMEM;
	}
	for (uint32_t root = 0; root < r->n_chains && !err; root++) {
		if (colour[root] != WHITE)
			continue;
		size_t top = 0;
		st[top++] = (struct frame){root, 0, 0};
		colour[root] = GREY;
		while (top && !err) {
			struct frame *f = &st[top - 1];
			const struct rs_chain *ch = &r->chains[f->chain];
			uint32_t to;
			enum rs_verdict_code how;
			if (f->rule >= ch->n_rules) {
				colour[f->chain] = BLACK;
				top--;
				continue;
			}
			if (!rule_target(r, &ch->rules[f->rule], &f->k, &to, &how)) {
				f->rule++;
				f->k = 0;
				continue;
			}
			if (colour[to] == WHITE) {
				colour[to] = GREY;
				st[top++] = (struct frame){to, 0, 0};
			} else if (colour[to] == GREY) {
				char where[256], path[512] = "";
				size_t from = top;
				while (from > 0 && st[from - 1].chain != to)
					from--;
				for (size_t i = from ? from - 1 : 0; i < top; i++)
					snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s → ", r->chains[st[i].chain].name);
				snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s", r->chains[to].name);
				unsigned line = ch->rules[f->rule].line;
				if (line) /* the diagnostic says file:line */
					snprintf(where, sizeof(where), "chain '%s' rule %zu", ch->name, f->rule + 1);
				else {
					char chn[200];
					snprintf(where, sizeof(where), "table %s handle %llu", rs_chain_describe(r, f->chain, chn, sizeof(chn)),
						 (unsigned long long)ch->rules[f->rule].handle);
				}
				topo_diag_add(diags, r->source, line, line ? 1 : 0, TOPO_SEV_ERROR,
					      "%s: %s to chain '%s' makes a loop (%s); the kernel refuses such a ruleset", where,
					      how == RS_V_GOTO ? "goto" : "jump", r->chains[to].name, path);
				err = -EBADMSG;
			}
		}
	}
	free(colour);
	free(st);
	return err;
}

/*
 * Of a connection's status bits only one is known for the first packet of
 * a new connection at every hook: dnat, set when a dnat translated it (the
 * others depend on where the packet is — the NAT-done bits — or are never
 * set yet).  `ct status dnat` / `ct status != dnat` (the bit tested under
 * a mask) stay matches; any other ct status match becomes unknown, named.
 */
static int ct_status_known(struct rs_rule *rule)
{
	for (size_t i = 0; i < rule->n_matches; i++) {
		struct rs_match *m = &rule->matches[i];
		bool uses = false;
		for (unsigned k = 0; k < m->n_keys; k++)
			uses = uses || m->keys[k] == RS_KEY_CT_STATUS;
		if (m->op == RS_OP_UNKNOWN || !uses)
			continue;
		uint32_t mask = 0, value = 0;
		memcpy(&mask, m->mask, 4);
		memcpy(&value, m->value, 4);
		if (m->n_keys == 1 && (m->op == RS_OP_EQ || m->op == RS_OP_NE) && m->has_mask && mask == RS_CTS_DNAT &&
		    (value == 0 || value == RS_CTS_DNAT))
			continue;
		char why[96];
		if (m->n_keys == 1 && (m->op == RS_OP_EQ || m->op == RS_OP_NE))
			snprintf(why, sizeof(why), "ct status%s %s 0x%x (only the dnat bit is known)",
				 m->has_mask ? " &" : "", m->op == RS_OP_EQ ? "==" : "!=", m->has_mask ? mask : value);
		else
			snprintf(why, sizeof(why), "ct status (only `ct status dnat` is known)");
		free(m->why);
		memset(m, 0, sizeof(*m));
		m->op = RS_OP_UNKNOWN;
		if (!(m->why = strdup(why)) || rs_rule_unsupported(rule, "%s", why) < 0)
			return -ENOMEM;
	}
	return 0;
}

int rs_ruleset_finish(struct rs_ruleset *r, struct topo_diag_list *diags)
{
	int err = 0;

	for (size_t c = 0; c < r->n_chains; c++) {
		if (r->chains[c].defined)
			continue;
		/* name the first rule that jumps there */
		for (size_t i = 0; i < r->n_chains; i++)
			for (size_t j = 0; j < r->chains[i].n_rules; j++) {
				const struct rs_rule *rule = &r->chains[i].rules[j];
				if ((rule->verdict.code == RS_V_JUMP || rule->verdict.code == RS_V_GOTO) &&
				    rule->verdict.chain == c) {
					char where[256];
					rs_rule_location(r, (uint32_t)i, j, where, sizeof(where));
					topo_diag_add(diags, r->source, rule->line, 0, TOPO_SEV_ERROR,
						      "%s: jumps to chain '%s', which is not defined", where,
						      r->chains[c].name);
					err = -EBADMSG;
					goto next;
				}
			}
		topo_diag_add(diags, r->source, 0, 0, TOPO_SEV_ERROR, "chain '%s' is referenced but not defined",
			      r->chains[c].name);
		err = -EBADMSG;
next:;
	}
	if (err == 0)
		err = check_loops(r, diags);
	for (size_t c = 0; c < r->n_chains && err == 0; c++)
		for (size_t j = 0; j < r->chains[c].n_rules && err == 0; j++)
			err = ct_status_known(&r->chains[c].rules[j]);
	return err;
}

static void match_free(struct rs_match *m)
{
	free(m->why);
}

void rs_ruleset_free(struct rs_ruleset *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_chains; i++) {
		struct rs_chain *c = &r->chains[i];
		for (size_t j = 0; j < c->n_rules; j++) {
			struct rs_rule *rule = &c->rules[j];
			for (size_t k = 0; k < rule->n_matches; k++)
				match_free(&rule->matches[k]);
			match_free(&rule->vmap);
			free(rule->matches);
			free(rule->text);
			free(rule->unsupported);
		}
		free(c->rules);
		free(c->name);
	}
	free(r->chains);
	for (size_t i = 0; i < r->n_sets; i++) {
		free(r->sets[i].name);
		free(r->sets[i].elems);
	}
	free(r->sets);
	for (size_t i = 0; i < r->n_tables; i++)
		free(r->tables[i].name);
	free(r->tables);
	free(r->source);
	free(r);
}

/* ------------------------------------------------------------------ output */

struct out {
	char *buf;
	size_t len, pos;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->pos >= o->len)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos += (size_t)n;
	if (o->pos >= o->len) {
		o->pos = o->len - 1;
		if (o->len >= 4)
			memcpy(o->buf + o->len - 4, "...", 4);
	}
}

char *rs_chain_describe(const struct rs_ruleset *r, uint32_t chain, char *buf, size_t len)
{
	const struct rs_chain *c = &r->chains[chain];
	const struct rs_table *t = &r->tables[c->table];

	if (r->origin == RS_ORIGIN_IPTABLES_SAVE)
		snprintf(buf, len, "%s %s", t->name, c->name);
	else
		snprintf(buf, len, "%s %s %s", rs_family_name(t->family), t->name, c->name);
	return buf;
}

char *rs_rule_location(const struct rs_ruleset *r, uint32_t chain, size_t rule, char *buf, size_t len)
{
	const struct rs_rule *ru = &r->chains[chain].rules[rule];
	char ch[200];

	rs_chain_describe(r, chain, ch, sizeof(ch));
	if (ru->line)
		snprintf(buf, len, "%s:%u", r->source, ru->line);
	else if (ru->handle)
		snprintf(buf, len, "%s: table %s handle %llu", r->source, ch, (unsigned long long)ru->handle);
	else
		snprintf(buf, len, "%s: table %s rule %zu", r->source, ch, rule + 1);
	return buf;
}

static bool all_ones(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xff)
			return false;
	return true;
}

/* the prefix length of a mask, or -1 when it isn't one */
static int mask_prefix(const uint8_t *mask, size_t n)
{
	int bits = 0;
	size_t i = 0;

	for (; i < n && mask[i] == 0xff; i++)
		bits += 8;
	if (i < n) {
		uint8_t b = mask[i];
		while (b & 0x80) {
			bits++;
			b = (uint8_t)(b << 1);
		}
		if (b)
			return -1;
		for (i++; i < n; i++)
			if (mask[i])
				return -1;
	}
	return bits;
}

static void put_value(struct out *o, enum rs_key k, const uint8_t *v)
{
	char s[64];

	switch (k) {
	case RS_KEY_IP_SADDR:
	case RS_KEY_IP_DADDR:
		put(o, "%s", inet_ntop(AF_INET, v, s, sizeof(s)));
		return;
	case RS_KEY_IP6_SADDR:
	case RS_KEY_IP6_DADDR:
		put(o, "%s", inet_ntop(AF_INET6, v, s, sizeof(s)));
		return;
	case RS_KEY_SPORT:
	case RS_KEY_DPORT:
		put(o, "%u", (unsigned)v[0] << 8 | v[1]);
		return;
	case RS_KEY_IIFNAME:
	case RS_KEY_OIFNAME: {
		char name[RS_IFNAMSIZ + 1];
		memcpy(name, v, RS_IFNAMSIZ);
		name[RS_IFNAMSIZ] = 0;
		put(o, "\"");
		for (const char *p = name; *p; p++)
			put(o, (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') ? "%c" : "\\x%02x",
			    (unsigned char)*p);
		put(o, "\"");
		return;
	}
	case RS_KEY_ETHER_SADDR:
		put(o, "%02x:%02x:%02x:%02x:%02x:%02x", v[0], v[1], v[2], v[3], v[4], v[5]);
		return;
	case RS_KEY_CT_STATE:
	case RS_KEY_CT_STATUS: {
		uint32_t bits;
		memcpy(&bits, v, 4);
		struct name {
			uint32_t bit;
			const char *name;
		};
		static const struct name states[] = {{RS_CT_INVALID, "invalid"},
						     {RS_CT_ESTABLISHED, "established"},
						     {RS_CT_RELATED, "related"},
						     {RS_CT_NEW, "new"},
						     {RS_CT_UNTRACKED, "untracked"},
						     {0, NULL}};
		static const struct name statuses[] = {{RS_CTS_EXPECTED, "expected"}, {RS_CTS_SEEN_REPLY, "seen-reply"},
						       {RS_CTS_ASSURED, "assured"},   {RS_CTS_CONFIRMED, "confirmed"},
						       {RS_CTS_SNAT, "snat"},         {RS_CTS_DNAT, "dnat"},
						       {RS_CTS_DYING, "dying"},       {0, NULL}};
		const struct name *st = k == RS_KEY_CT_STATE ? states : statuses;
		bool first = true;
		for (size_t i = 0; st[i].name; i++)
			if (bits & st[i].bit) {
				put(o, "%s%s", first ? "" : ",", st[i].name);
				first = false;
				bits &= ~st[i].bit;
			}
		if (bits || first)
			put(o, "%s0x%x", first ? "" : ",", bits);
		return;
	}
	case RS_KEY_L4PROTO:
		switch (v[0]) {
		case 6:
			put(o, "tcp");
			return;
		case 17:
			put(o, "udp");
			return;
		case 1:
			put(o, "icmp");
			return;
		case 58:
			put(o, "ipv6-icmp");
			return;
		}
		put(o, "%u", v[0]);
		return;
	case RS_KEY_NFPROTO:
		put(o, "%s", v[0] == 2 ? "ipv4" : v[0] == 10 ? "ipv6" : "?");
		if (v[0] != 2 && v[0] != 10)
			put(o, "%u", v[0]);
		return;
	case RS_KEY_ICMP_TYPE:
	case RS_KEY_ICMP_CODE:
	case RS_KEY_TCP_FLAGS:
		put(o, "0x%02x", v[0]);
		return;
	case _RS_KEY_MAX:
		break;
	}
	put(o, "?");
}

static void put_keys(struct out *o, const struct rs_match *m)
{
	for (unsigned i = 0; i < m->n_keys; i++)
		put(o, "%s%s", i ? " . " : "", rs_key_name(m->keys[i]));
}

static void put_tuple(struct out *o, const struct rs_match *m, const uint8_t *lo, const uint8_t *hi)
{
	size_t off = 0;

	for (unsigned i = 0; i < m->n_keys; i++) {
		size_t n = rs_key_len(m->keys[i]);
		if (off + n > RS_VAL_MAX)
			break;
		put(o, "%s", i ? " . " : "");
		put_value(o, m->keys[i], lo + off);
		if (hi && memcmp(lo + off, hi + off, n) != 0) {
			put(o, "-");
			put_value(o, m->keys[i], hi + off);
		}
		off += n;
	}
}

static void put_verdict(struct out *o, const struct rs_ruleset *r, const struct rs_verdict *v)
{
	switch (v->code) {
	case RS_V_CONTINUE:
		put(o, "continue");
		break;
	case RS_V_ACCEPT:
		put(o, "accept");
		break;
	case RS_V_DROP:
		put(o, "drop");
		break;
	case RS_V_JUMP:
		put(o, "jump %s", v->chain < r->n_chains ? r->chains[v->chain].name : "?");
		break;
	case RS_V_GOTO:
		put(o, "goto %s", v->chain < r->n_chains ? r->chains[v->chain].name : "?");
		break;
	case RS_V_RETURN:
		put(o, "return");
		break;
	case RS_V_UNKNOWN:
		put(o, "(unsupported verdict)");
		break;
	}
}

static void put_set(struct out *o, const struct rs_ruleset *r, const struct rs_match *m)
{
	if (m->set >= r->n_sets) {
		put(o, "@?");
		return;
	}
	const struct rs_set *s = &r->sets[m->set];
	if (!s->anonymous) {
		put(o, "@%s", s->name);
		return;
	}
	put(o, "{ ");
	for (size_t i = 0; i < s->n_elems && i < 8; i++) {
		put(o, "%s", i ? ", " : "");
		put_tuple(o, m, s->elems[i].lo, s->elems[i].hi);
		if (s->is_vmap) {
			put(o, " : ");
			put_verdict(o, r, &s->elems[i].verdict);
		}
	}
	if (s->n_elems > 8)
		put(o, ", ... (%zu elements)", s->n_elems);
	put(o, " }");
}

static void put_match(struct out *o, const struct rs_ruleset *r, const struct rs_match *m)
{
	static const char *const ops[] = {[RS_OP_EQ] = "",   [RS_OP_NE] = "!= ", [RS_OP_LT] = "< ",
					  [RS_OP_GT] = "> ", [RS_OP_LE] = "<= ", [RS_OP_GE] = ">= ",
					  [RS_OP_RANGE] = "", [RS_OP_NRANGE] = "!= ", [RS_OP_IN] = "",
					  [RS_OP_NOT_IN] = "!= "};

	if (m->op == RS_OP_UNKNOWN) {
		put(o, "%s", m->why ? m->why : "(unsupported match)");
		return;
	}
	put_keys(o, m);
	put(o, " %s", ops[m->op]);
	switch (m->op) {
	case RS_OP_IN:
	case RS_OP_NOT_IN:
		put_set(o, r, m);
		return;
	case RS_OP_RANGE:
	case RS_OP_NRANGE:
		put_value(o, m->keys[0], m->value);
		put(o, "-");
		put_value(o, m->keys[0], m->value2);
		return;
	default:
		break;
	}
	size_t n = rs_key_len(m->keys[0]);
	if (m->has_mask && !all_ones(m->mask, n)) {
		int pfx = mask_prefix(m->mask, n);
		if (rs_key_is_addr(m->keys[0]) && pfx >= 0) {
			put_value(o, m->keys[0], m->value);
			put(o, "/%d", pfx);
			return;
		}
		if (m->keys[0] == RS_KEY_CT_STATE || m->keys[0] == RS_KEY_CT_STATUS || m->keys[0] == RS_KEY_TCP_FLAGS) {
			/* (x & mask) != 0 is how nft writes `ct state new,established` */
			bool zero = true;
			for (size_t i = 0; i < n; i++)
				zero = zero && m->value[i] == 0;
			if (zero && m->op == RS_OP_NE) {
				o->pos -= 3; /* drop "!= " */
				o->buf[o->pos] = 0;
				put_value(o, m->keys[0], m->mask);
				return;
			}
		}
		put(o, "& ");
		put_value(o, m->keys[0], m->mask);
		put(o, " == ");
	}
	put_value(o, m->keys[0], m->value);
}

char *rs_rule_format(const struct rs_ruleset *r, const struct rs_rule *rule, char *buf, size_t len)
{
	struct out o = {buf, len, 0};

	if (!len)
		return buf;
	buf[0] = 0;
	if (rule->text) {
		put(&o, "%s", rule->text);
		return buf;
	}
	for (size_t i = 0; i < rule->n_matches; i++) {
		const struct rs_match *m = &rule->matches[i], *n = i + 1 < rule->n_matches ? &rule->matches[i + 1] : NULL;
		/* `meta l4proto tcp th dport 22` is how nft's netlink form reads
		 * back `tcp dport 22`: print it the way people write it */
		if (m->op == RS_OP_EQ && !m->has_mask && m->n_keys == 1 && m->keys[0] == RS_KEY_L4PROTO &&
		    (m->value[0] == 6 || m->value[0] == 17) && n && n->n_keys == 1 && n->op != RS_OP_UNKNOWN &&
		    (n->keys[0] == RS_KEY_SPORT || n->keys[0] == RS_KEY_DPORT)) {
			struct rs_match x = *n;
			char word[8];
			size_t at = o.pos;
			put_match(&o, r, &x);
			/* replace the leading "th" with the protocol */
			snprintf(word, sizeof(word), "%s", m->value[0] == 6 ? "tcp" : "udp");
			if (o.pos >= at + 2 && memcmp(o.buf + at, "th", 2) == 0) {
				size_t wl = strlen(word);
				if (o.pos + wl - 2 < o.len) {
					memmove(o.buf + at + wl, o.buf + at + 2, o.pos - at - 2 + 1);
					memcpy(o.buf + at, word, wl);
					o.pos += wl - 2;
				}
			}
			put(&o, " ");
			i++;
			continue;
		}
		put_match(&o, r, m);
		put(&o, " ");
	}
	if (rule->has_vmap) {
		put_keys(&o, &rule->vmap);
		put(&o, " vmap ");
		put_set(&o, r, &rule->vmap);
		return buf;
	}
	static const char *const nat[] = {[RS_NAT_NONE] = "", [RS_NAT_DNAT] = "dnat", [RS_NAT_SNAT] = "snat",
					  [RS_NAT_MASQUERADE] = "masquerade", [RS_NAT_REDIRECT] = "redirect"};
	if (rule->nat == RS_NAT_DNAT && rule->nat_to.exact) {
		char a[INET6_ADDRSTRLEN];
		bool v6 = rule->nat_to.family == 6;
		inet_ntop(v6 ? AF_INET6 : AF_INET, rule->nat_to.addr, a, sizeof(a));
		if (rule->nat_to.has_port)
			put(&o, v6 ? "dnat to [%s]:%u" : "dnat to %s:%u", a, rule->nat_to.port);
		else
			put(&o, "dnat to %s", a);
	} else if (rule->nat != RS_NAT_NONE)
		put(&o, "%s", nat[rule->nat]);
	else
		put_verdict(&o, r, &rule->verdict);
	if (rule->unsupported && rule->verdict.code == RS_V_UNKNOWN)
		put(&o, " [%s]", rule->unsupported);
	return buf;
}
