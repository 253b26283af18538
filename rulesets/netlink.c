/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The nftables ruleset read over netlink (libmnl + libnftnl), decoded from
 * registers into the rule model.
 *
 * One batch-less NLM_F_DUMP per object type (tables, chains, sets, the
 * elements of each set, rules), bracketed by two NFT_MSG_GETGEN: when the
 * generation moved, or the kernel flagged a dump NLM_F_DUMP_INTR, the
 * ruleset changed under us and the whole read starts again (as nft's cache
 * does), a bounded number of times.
 *
 * Rules are decoded the way nftables' src/netlink_delinearize.c does it:
 * each expression either loads something into registers (payload, meta, ct,
 * fib, …) or consumes registers (cmp, range, lookup, bitwise …); we track
 * what each 32-bit register holds and turn every consumer into a match.
 * Protocol context (which L3/L4 protocol the rule has already established)
 * decides what a payload offset means, as nft's proto_ctx does.  Anything we
 * cannot express becomes RS_OP_UNKNOWN / RS_V_UNKNOWN naming it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/if_arp.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rulesets-internal.h"

/* nf_tables dump messages are at most a few pages; twice the largest
 * (32 KiB) so a message is never truncated. */
#define NL_BUFSIZE 65536
/* A ruleset changing on every attempt is being rewritten in a loop: give up
 * rather than spin. */
#define MAX_ATTEMPTS 8
/* A dump that stalls this long means a wedged kernel or socket. */
#define NL_TIMEOUT_MS 10000
#define NREGS 16      /* 32-bit registers; NFT_REG_1..4 each alias four */
#define KEY_MAX 64    /* largest set key: all registers */

/* ------------------------------------------------------------ the reader */

struct link {
	int index;
	char name[RS_IFNAMSIZ];
};

/* A set element as the kernel sent it: register layout (each component of a
 * concatenation padded to 4 bytes), ends possibly exclusive. */
struct raw_elem {
	uint8_t key[KEY_MAX], key_end[KEY_MAX];
	uint32_t flags; /* NFT_SET_ELEM_* */
	bool has_end;
	bool has_verdict;
	int32_t verdict;
	char *chain;
};

/* What we learn about a set besides the model's rs_set (same index). */
struct set_info {
	uint32_t flags, key_len;
	unsigned n_fields; /* the concatenation layout, once known */
	uint8_t field_len[RS_MAX_CONCAT];
	enum rs_key keys[RS_MAX_CONCAT];
	bool keys_known;
	struct raw_elem *elems;
	size_t n_elems, cap_elems;
};

struct reader {
	struct mnl_socket *nft, *rtnl;
	uint32_t seq;
	char *buf;
	struct rs_ruleset *r;
	struct topo_diag_list *diags;
	struct set_info *sets; /* parallel to r->sets */
	size_t n_sets;
	struct link *links;
	size_t n_links;
	bool intr; /* the kernel flagged a dump as inconsistent */
	int err;   /* first error inside a callback */
};

static void reader_reset(struct reader *rd)
{
	for (size_t i = 0; i < rd->n_sets; i++) {
		for (size_t j = 0; j < rd->sets[i].n_elems; j++)
			free(rd->sets[i].elems[j].chain);
		free(rd->sets[i].elems);
	}
	free(rd->sets);
	rd->sets = NULL;
	rd->n_sets = 0;
	rs_ruleset_free(rd->r);
	rd->r = NULL;
	rd->intr = false;
	rd->err = 0;
}

/*
 * Sends one request and feeds every answer with our sequence number to cb
 * until the dump ends (NLMSG_DONE), or, for a plain GET, until the first
 * answer.  Messages of earlier, abandoned requests are skipped.  Returns 0,
 * or the netlink error / the first error cb returned.
 */
static int nl_talk(struct reader *rd, struct mnl_socket *nl, struct nlmsghdr *req, bool dump,
		   int (*cb)(const struct nlmsghdr *nlh, void *data), void *data)
{
	uint32_t seq = req->nlmsg_seq, portid = mnl_socket_get_portid(nl);
	int err = 0;

	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		struct pollfd p = {.fd = mnl_socket_get_fd(nl), .events = POLLIN};
		int pr = poll(&p, 1, NL_TIMEOUT_MS);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return pr < 0 ? -errno : -ETIMEDOUT;
		ssize_t n = mnl_socket_recvfrom(nl, rd->buf, NL_BUFSIZE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* messages were lost: finish this dump, then read again */
			if (errno == ENOBUFS) {
				rd->intr = true;
				continue;
			}
			return -errno;
		}
		int len = (int)n;
		for (const struct nlmsghdr *h = (const void *)rd->buf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_seq != seq || (portid && h->nlmsg_pid && h->nlmsg_pid != portid))
				continue;
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				rd->intr = true;
			if (h->nlmsg_type == NLMSG_DONE)
				return err;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
				if (h->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
					return -EBADMSG;
				return e->error ? e->error : err;
			}
			if (h->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			if (!err) {
				int r = cb(h, data);
				if (r < 0)
					err = r;
			}
			if (!dump)
				return err;
		}
	}
}

static struct nlmsghdr *nft_req(struct reader *rd, uint16_t type, uint16_t family, bool dump)
{
	return nftnl_nlmsg_build_hdr(rd->buf, type, family, dump ? NLM_F_DUMP : 0, ++rd->seq);
}

/* ------------------------------------------------------------- interfaces */

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)))
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) != IFLA_IFNAME || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			continue;
		struct link *l = realloc(rd->links, (rd->n_links + 1) * sizeof(*l));
		if (!l)
			return -ENOMEM;
		rd->links = l;
		l[rd->n_links].index = ifi->ifi_index;
		snprintf(l[rd->n_links].name, sizeof(l->name), "%s", mnl_attr_get_str(a));
		rd->n_links++;
	}
	return 0;
}

/* Reads the interface names up front: the rule dump can't be interrupted
 * for it (it shares the receive buffer).  Without them, `iif` matches
 * become unknown. */
static void links_read(struct reader *rd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(rd->buf);

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++rd->seq;
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	if (nl_talk(rd, rd->rtnl, nlh, true, link_cb, rd) < 0)
		rd->n_links = 0;
	rd->intr = false; /* a changing link list is not a changing ruleset */
}

/* The name of interface index, or NULL (unknown, or no rtnl socket). */
static const char *link_name(const struct reader *rd, int index)
{
	for (size_t i = 0; i < rd->n_links; i++)
		if (rd->links[i].index == index)
			return rd->links[i].name;
	return NULL;
}

/* ---------------------------------------------------- tables, chains, sets */

static int family_ok(uint32_t f)
{
	return f == RS_FAMILY_INET || f == RS_FAMILY_IP || f == RS_FAMILY_ARP || f == RS_FAMILY_NETDEV ||
	       f == RS_FAMILY_BRIDGE || f == RS_FAMILY_IP6;
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct nftnl_table *t = nftnl_table_alloc();
	uint32_t idx;

	if (!t)
		return -ENOMEM;
	int err = nftnl_table_nlmsg_parse(nlh, t) < 0 ? -EBADMSG : 0;
	uint32_t family = nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY);
	if (err == 0 && family_ok(family))
		err = rs_table_add(rd->r, nftnl_table_get_str(t, NFTNL_TABLE_NAME), family, &idx);
	nftnl_table_free(t);
	return err;
}

static enum rs_hook hook_of(uint32_t family, uint32_t hooknum)
{
	if (family == NFPROTO_NETDEV)
		return hooknum == NF_NETDEV_EGRESS ? RS_HOOK_EGRESS : RS_HOOK_INGRESS;
	if (family == NFPROTO_ARP) /* NF_ARP_IN, _OUT, _FORWARD */
		return hooknum == 0 ? RS_HOOK_INPUT : hooknum == 1 ? RS_HOOK_OUTPUT : RS_HOOK_FORWARD;
	switch (hooknum) { /* NF_INET_*, and the bridge's NF_BR_* are the same numbers */
	case NF_INET_PRE_ROUTING:
		return RS_HOOK_PREROUTING;
	case NF_INET_LOCAL_IN:
		return RS_HOOK_INPUT;
	case NF_INET_FORWARD:
		return RS_HOOK_FORWARD;
	case NF_INET_LOCAL_OUT:
		return RS_HOOK_OUTPUT;
	case NF_INET_POST_ROUTING:
		return RS_HOOK_POSTROUTING;
	default:
		return RS_HOOK_INGRESS;
	}
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	uint32_t table, idx;
	int err;

	if (!c)
		return -ENOMEM;
	err = nftnl_chain_nlmsg_parse(nlh, c) < 0 ? -EBADMSG : 0;
	uint32_t family = nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY);
	if (err || rs_table_find(rd->r, nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), family, &table) < 0)
		goto out;
	err = rs_chain_get(rd->r, table, nftnl_chain_get_str(c, NFTNL_CHAIN_NAME), &idx);
	if (err < 0)
		goto out;
	struct rs_chain *ch = &rd->r->chains[idx];
	ch->defined = true;
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) {
		ch->hook = hook_of(family, nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM));
		ch->priority = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
		const char *type = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);
		ch->type = !type ? RS_CHAIN_FILTER : strcmp(type, "nat") == 0 ? RS_CHAIN_NAT
			 : strcmp(type, "route") == 0 ? RS_CHAIN_ROUTE : RS_CHAIN_FILTER;
		ch->policy = nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY) &&
					     nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) == NF_DROP
				     ? RS_POLICY_DROP
				     : RS_POLICY_ACCEPT;
	}
out:
	nftnl_chain_free(c);
	return err;
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reader *rd = data;
	struct nftnl_set *s = nftnl_set_alloc();
	uint32_t table, idx;
	int err;

	if (!s)
		return -ENOMEM;
	err = nftnl_set_nlmsg_parse(nlh, s) < 0 ? -EBADMSG : 0;
	if (err || rs_table_find(rd->r, nftnl_set_get_str(s, NFTNL_SET_TABLE), nftnl_set_get_u32(s, NFTNL_SET_FAMILY),
				 &table) < 0)
		goto out;
	err = rs_set_add(rd->r, table, nftnl_set_get_str(s, NFTNL_SET_NAME), &idx);
	if (err < 0)
		goto out;
	struct set_info *si = realloc(rd->sets, rd->r->n_sets * sizeof(*si));
	if (!si) {
		err = -ENOMEM;
		goto out;
	}
	rd->sets = si;
	si = &si[idx];
	memset(si, 0, sizeof(*si));
	rd->n_sets = rd->r->n_sets;
	si->flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
	si->key_len = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN);
	/* the concatenation layout, when nft sent it (interval concatenations);
	 * otherwise a rule's lookup tells it */
	uint32_t n = 0;
	const uint8_t *fl = nftnl_set_is_set(s, NFTNL_SET_DESC_CONCAT)
				    ? nftnl_set_get_data(s, NFTNL_SET_DESC_CONCAT, &n)
				    : NULL;
	for (uint32_t i = 0; fl && i < n && i < RS_MAX_CONCAT && fl[i]; i++)
		si->field_len[si->n_fields++] = fl[i];

	struct rs_set *rs = &rd->r->sets[idx];
	rs->anonymous = si->flags & NFT_SET_ANONYMOUS;
	if (si->flags & (NFT_SET_MAP | NFT_SET_OBJECT)) {
		rs->is_vmap = (si->flags & NFT_SET_MAP) && nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE) == NFT_DATA_VERDICT;
		rs->is_map = !rs->is_vmap;
	}
out:
	nftnl_set_free(s);
	return err;
}

static int elem_add(struct nftnl_set_elem *e, void *data)
{
	struct set_info *si = data;
	uint32_t len;

	if (si->n_elems == si->cap_elems) {
		size_t cap = si->cap_elems ? si->cap_elems * 2 : 16;
		struct raw_elem *p = realloc(si->elems, cap * sizeof(*p));
		if (!p)
			return -1;
		si->elems = p;
		si->cap_elems = cap;
	}
	struct raw_elem *x = &si->elems[si->n_elems];
	memset(x, 0, sizeof(*x));
	x->flags = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) ? nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) : 0;
	const void *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	if (k)
		memcpy(x->key, k, len < KEY_MAX ? len : KEY_MAX);
	k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &len);
	if (k) {
		memcpy(x->key_end, k, len < KEY_MAX ? len : KEY_MAX);
		x->has_end = true;
	}
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_VERDICT)) {
		x->has_verdict = true;
		x->verdict = (int32_t)nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_VERDICT);
		const char *chain = nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN);
		if (chain && !(x->chain = strdup(chain)))
			return -1;
	}
	si->n_elems++;
	return 0;
}

struct elem_ctx {
	struct reader *rd;
	struct set_info *si;
};

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct elem_ctx *ec = data;
	struct nftnl_set *s = nftnl_set_alloc();
	int err;

	if (!s)
		return -ENOMEM;
	err = nftnl_set_elems_nlmsg_parse(nlh, s) < 0 ? -EBADMSG : 0;
	if (!err && nftnl_set_elem_foreach(s, elem_add, ec->si) < 0)
		err = -ENOMEM;
	nftnl_set_free(s);
	return err;
}

/* ------------------------------------------------------------ rule decoding */

enum reg_kind {
	REG_NONE,      /* nothing we know of */
	REG_KEY,       /* bytes [off, off+len) of a model key */
	REG_KEYS,      /* several adjacent keys, whole (nft merges their loads) */
	REG_IFINDEX,   /* meta iif/oif (key says which) */
	REG_ETHERTYPE, /* meta protocol, ether type: a protocol dependency */
	REG_IIFTYPE,   /* meta iiftype: the dependency of ether payloads */
	REG_OTHER,     /* something the model lacks; `what` names it */
	REG_IMM,       /* a constant (immediate): data[0, len) — a nat target */
};

struct reg {
	enum reg_kind kind;
	enum rs_key key;
	uint8_t off, len;
	bool masked;
	uint8_t mask[16];
	uint8_t data[16]; /* REG_IMM */
	uint8_t n_parts; /* REG_KEYS */
	enum rs_key parts[4];
	unsigned gen; /* load number, so `>= a` `<= b` on one load merge into a range */
	char what[64];
};

/* A dependency nft adds before the expression that needs it (meta protocol
 * before ip saddr in netdev/bridge tables, meta iiftype before ether saddr):
 * dropped when that expression follows, an unknown match otherwise. */
struct dep {
	char what[48];
	bool used;
};

struct rule_ctx {
	struct reader *rd;
	uint32_t table;
	enum rs_family family;
	struct rs_rule *rule;
	struct reg regs[NREGS];
	unsigned gen;
	int l3, l4;           /* 4/6 and IP protocol; 0 and -1 when not known */
	int l3_dep, ll_dep;   /* the dependency that set them, or -1 */
	struct dep deps[4];
	unsigned n_deps;
	ssize_t last_ge;      /* index of a `>=` match from load last_ge_gen */
	unsigned last_ge_gen;
	int err;
};

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

static int unknown(struct rule_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int unknown(struct rule_ctx *c, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return rs_match_unknown(c->rule, why);
}

static void verdict_unknown(struct rule_ctx *c, const char *what)
{
	c->rule->verdict.code = RS_V_UNKNOWN;
	if (rs_rule_unsupported(c->rule, "%s", what) < 0)
		c->err = -ENOMEM;
}

/* register number → index of its first 32-bit register, or -1 */
static int reg_slot(uint32_t reg)
{
	if (reg >= NFT_REG_1 && reg <= NFT_REG_4)
		return (int)(reg - NFT_REG_1) * 4;
	if (reg >= NFT_REG32_00 && reg < NFT_REG32_00 + NREGS)
		return (int)(reg - NFT_REG32_00);
	return -1;
}

static unsigned words(unsigned len)
{
	return (len + 3) / 4;
}

/* Marks the registers a load of len bytes into dreg covers; returns the
 * first, or NULL for a register out of range. */
static struct reg *reg_load(struct rule_ctx *c, uint32_t dreg, uint32_t len)
{
	int s = reg_slot(dreg);

	if (s < 0 || len == 0 || s + words(len) > NREGS)
		return NULL;
	for (unsigned i = 0; i < words(len); i++)
		memset(&c->regs[s + i], 0, sizeof(c->regs[0]));
	struct reg *g = &c->regs[s];
	g->len = (uint8_t)len;
	g->gen = ++c->gen;
	return g;
}

__attribute__((format(printf, 4, 5))) static void reg_other(struct rule_ctx *c, uint32_t dreg, uint32_t len,
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

static struct reg *reg_get(struct rule_ctx *c, uint32_t sreg)
{
	int s = reg_slot(sreg);
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
static int dep_add(struct rule_ctx *c, const char *what)
{
	if (c->n_deps == sizeof(c->deps) / sizeof(c->deps[0])) {
		if (unknown(c, "%s", what) < 0)
			c->err = -ENOMEM;
		return -1;
	}
	snprintf(c->deps[c->n_deps].what, sizeof(c->deps[0].what), "%s", what);
	c->deps[c->n_deps].used = false;
	return (int)c->n_deps++;
}

/* -- loads */

enum field_class { F_ANY, F_IP4, F_IP6, F_PORTS, F_ICMP, F_TCP, F_ETHERTYPE };

/* A part of a merged load that is no model key: the ether type, a
 * protocol dependency (see fields[]). */
#define KEY_ETHERTYPE _RS_KEY_MAX

static size_t part_len(enum rs_key k)
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
	reg_other(c, dreg, 16, "meta %s", NAME_OF(meta_names, key));
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
		reg_other(c, dreg, 16, "ct %s %s", nftnl_expr_get_u8(e, NFTNL_EXPR_CT_DIR) ? "reply" : "original",
			  NAME_OF(ct_names, key));
	else
		reg_other(c, dreg, 16, "ct %s", NAME_OF(ct_names, key));
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
	struct reg *src = reg_get(c, sreg);

	bool xor_zero = true;
	for (uint32_t i = 0; xor && i < xlen; i++)
		xor_zero = xor_zero && xor[i] == 0;
	if (!src || op != NFT_BITWISE_BOOL || !mask || mlen != len || len > 16 || !xor_zero ||
	    (src->kind != REG_KEY && src->kind != REG_ETHERTYPE) || src->len != len) {
		char what[64];
		snprintf(what, sizeof(what), "%.50s (bitwise)", src && src->what[0] ? src->what : "register");
		reg_other(c, dreg, len, "%s", what);
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

/* -- consumers */

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
	return unknown(c, "%s %s 0x%s", g && g->what[0] ? g->what : "register", op < 6 ? ops[op] : "?", v);
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
			c->l3_dep = dep_add(c, what);
			return 0;
		}
	}
	return cmp_unknown(c, g, op, d, len);
}

static int on_cmp(struct rule_ctx *c, struct nftnl_expr *e)
{
	uint32_t len = 0;
	const uint8_t *d = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
	enum rs_op op = cmp_op(nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP));
	struct reg *g = reg_get(c, nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG));

	if (!d || !g || op == RS_OP_UNKNOWN)
		return unknown(c, "cmp");
	switch (g->kind) {
	case REG_KEY:
		return key_cmp(c, g, op, d, len);
	case REG_KEYS: /* (a, b) == (x, y) is a == x and b == y; != has no such split */
		if (op == RS_OP_EQ && len == g->len && !g->masked) {
			for (unsigned i = 0, o = 0; i < g->n_parts; o += (unsigned)part_len(g->parts[i++])) {
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
				c->ll_dep = dep_add(c, "meta iiftype ether");
				return 0;
			}
		}
		return cmp_unknown(c, g, op, d, len);
	case REG_IFINDEX:
		if ((op == RS_OP_EQ || op == RS_OP_NE) && len == 4 && !g->masked) {
			int32_t index;
			memcpy(&index, d, 4);
			const char *name = link_name(c->rd, index);
			if (!name)
				return unknown(c, "%s %s%d", g->what, op == RS_OP_NE ? "!= " : "", index);
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

static int on_range(struct rule_ctx *c, struct nftnl_expr *e)
{
	uint32_t l1 = 0, l2 = 0;
	const uint8_t *from = nftnl_expr_get(e, NFTNL_EXPR_RANGE_FROM_DATA, &l1);
	const uint8_t *to = nftnl_expr_get(e, NFTNL_EXPR_RANGE_TO_DATA, &l2);
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_OP);
	struct reg *g = reg_get(c, nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_SREG));

	if (!g || !from || !to || l1 != l2 || g->kind != REG_KEY || g->masked || g->off ||
	    l1 != rs_key_len(g->key) || l1 != g->len) {
		char a[40], b[40];
		hex(a, sizeof(a), from ? from : (const uint8_t *)"", from ? l1 : 0);
		hex(b, sizeof(b), to ? to : (const uint8_t *)"", to ? l2 : 0);
		return unknown(c, "%s %sin 0x%s-0x%s", g && g->what[0] ? g->what : "register",
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
	int s = reg_slot(sreg);
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
		total += words(g->len) * 4;
		packed += g->len;
		s += (int)words(g->len);
	}
	if (total != key_len || packed > RS_VAL_MAX)
		return false;
	m->n_keys = (uint8_t)n;
	return true;
}

/* "ip saddr . payload @nh,32,32": what a lookup's key is made of */
static void lookup_desc(const struct rule_ctx *c, uint32_t sreg, uint32_t key_len, char *buf, size_t n)
{
	int s = reg_slot(sreg);
	size_t pos = 0;

	snprintf(buf, n, "register");
	for (uint32_t total = 0; s >= 0 && s < NREGS && total < key_len && pos + 4 < n;) {
		const struct reg *g = &c->regs[s];
		pos += (size_t)snprintf(buf + pos, n - pos, "%s%s", total ? " . " : "", g->what[0] ? g->what : "?");
		unsigned w = g->len ? words(g->len) : 1;
		total += w * 4;
		s += (int)w;
	}
}

static int on_lookup(struct rule_ctx *c, struct nftnl_expr *e)
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
		return unknown(c, "%s lookup in unknown set %s", what, name ? name : "?");
	}
	struct set_info *si = &c->rd->sets[set];
	bool ok = lookup_keys(c, sreg, si->key_len, &m, fl);
	if (!ok)
		lookup_desc(c, sreg, si->key_len, what, sizeof(what));
	if (has_dreg && dreg != NFT_REG_VERDICT) /* a data map: only its key is a condition */
		reg_other(c, dreg, 16, "map @%s", name);
	if (!ok) {
		if (has_dreg && dreg == NFT_REG_VERDICT) {
			verdict_unknown(c, "vmap");
			return unknown(c, "%s vmap @%s", what, name);
		}
		return unknown(c, "%s %s@%s", what, flags & NFT_LOOKUP_F_INV ? "!= " : "", name);
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

static int on_immediate(struct rule_ctx *c, struct nftnl_expr *e)
{
	uint32_t dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG);
	struct rs_verdict *v = &c->rule->verdict;

	if (dreg != NFT_REG_VERDICT) {
		uint32_t len = 0;
		const void *data = nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &len);
		reg_other(c, dreg, len, "immediate");
		struct reg *g = reg_get(c, dreg);
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
			verdict_unknown(c, "jump without a chain");
			return 0;
		}
		v->code = code == NFT_JUMP ? RS_V_JUMP : RS_V_GOTO;
		return 0;
	case NF_QUEUE:
		verdict_unknown(c, "queue");
		return 0;
	default: {
		char what[32];
		snprintf(what, sizeof(what), "verdict %d", code);
		verdict_unknown(c, what);
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
	const struct reg *g = reg_get(c, nftnl_expr_get_u32(e, attr));
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

/* -- the other expressions, one decoder each */

/* nft "converts" a 1-byte key in a concatenation: the kernel swaps len /
 * size units, none here; any other byteorder makes a value we lack. */
static int on_byteorder(struct rule_ctx *c, struct nftnl_expr *e)
{
	uint32_t sreg = nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_SREG);
	uint32_t dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_DREG);
	uint32_t size = nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_SIZE);

	if (!(sreg == dreg && (size <= 1 || nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_LEN) < size))) {
		struct reg *g = reg_get(c, sreg);
		char what[64]; /* before the load clears a shared register */
		snprintf(what, sizeof(what), "%.50s (byteorder)", g && g->what[0] ? g->what : "register");
		reg_other(c, dreg, nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_LEN), "%s", what);
	}
	return 0;
}

static int on_nat(struct rule_ctx *c, struct nftnl_expr *e)
{
	if (nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_TYPE) == NFT_NAT_SNAT)
		nat_set(c, RS_NAT_SNAT);
	else
		dnat_set(c, e);
	return 0;
}

static int on_masq(struct rule_ctx *c, struct nftnl_expr *e)
{
	(void)e;
	nat_set(c, RS_NAT_MASQUERADE);
	return 0;
}

static int on_redir(struct rule_ctx *c, struct nftnl_expr *e)
{
	(void)e;
	nat_set(c, RS_NAT_REDIRECT);
	return 0;
}

static int on_reject(struct rule_ctx *c, struct nftnl_expr *e)
{
	(void)e;
	c->rule->verdict.code = RS_V_DROP;
	return 0;
}

static int on_match(struct rule_ctx *c, struct nftnl_expr *e)
{
	const char *mt = nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME);

	/* iptables-nft's old-style comments */
	if (!mt || strcmp(mt, "comment") != 0)
		return unknown(c, "xt match %s", mt ? mt : "?");
	return 0;
}

static int on_target(struct rule_ctx *c, struct nftnl_expr *e)
{
	char what[64];
	const char *tg = nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME);

	snprintf(what, sizeof(what), "xt target %s", tg ? tg : "?");
	verdict_unknown(c, what);
	return 0;
}

/* queue, fwd, synproxy: they take the packet away */
static int on_takes_packet(struct rule_ctx *c, struct nftnl_expr *e)
{
	verdict_unknown(c, nftnl_expr_get_str(e, NFTNL_EXPR_NAME));
	return 0;
}

static int on_fib(struct rule_ctx *c, struct nftnl_expr *e)
{
	static const char *const res[] = {"?", "oif", "oifname", "type"};
	uint32_t fl = nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_FLAGS);

	reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_DREG), 16, "fib %s %s",
		  fl & NFTA_FIB_F_SADDR ? "saddr" : "daddr", NAME_OF(res, nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_RESULT)));
	return 0;
}

static int on_exthdr(struct rule_ctx *c, struct nftnl_expr *e)
{
	if (nftnl_expr_is_set(e, NFTNL_EXPR_EXTHDR_DREG))
		reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_EXTHDR_DREG), nftnl_expr_get_u32(e, NFTNL_EXPR_EXTHDR_LEN),
			  "exthdr type %u offset %u", nftnl_expr_get_u8(e, NFTNL_EXPR_EXTHDR_TYPE),
			  nftnl_expr_get_u32(e, NFTNL_EXPR_EXTHDR_OFFSET));
	return 0;
}

static int on_socket(struct rule_ctx *c, struct nftnl_expr *e)
{
	reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_SOCKET_DREG), 4, "socket");
	return 0;
}

static int on_rt(struct rule_ctx *c, struct nftnl_expr *e)
{
	reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_RT_DREG), 16, "rt");
	return 0;
}

static int on_osf(struct rule_ctx *c, struct nftnl_expr *e)
{
	reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_OSF_DREG), 16, "osf");
	return 0;
}

static int on_numgen(struct rule_ctx *c, struct nftnl_expr *e)
{
	reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_NG_DREG), 4, "numgen");
	return 0;
}

static int on_hash(struct rule_ctx *c, struct nftnl_expr *e)
{
	reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_HASH_DREG), 4, "hash");
	return 0;
}

static int on_xfrm(struct rule_ctx *c, struct nftnl_expr *e)
{
	reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_XFRM_DREG), 16, "ipsec");
	return 0;
}

static int on_tunnel(struct rule_ctx *c, struct nftnl_expr *e)
{
	reg_other(c, nftnl_expr_get_u32(e, NFTNL_EXPR_TUNNEL_DREG), 4, "tunnel");
	return 0;
}

/* a named counter only counts; quotas, limits, synproxy decide */
static int on_objref(struct rule_ctx *c, struct nftnl_expr *e)
{
	if (nftnl_expr_is_set(e, NFTNL_EXPR_OBJREF_SET_NAME))
		return unknown(c, "objref map @%s", str_or_q(nftnl_expr_get_str(e, NFTNL_EXPR_OBJREF_SET_NAME)));
	if (nftnl_expr_get_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE) != NFT_OBJECT_COUNTER &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE) != NFT_OBJECT_CT_HELPER &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE) != NFT_OBJECT_SECMARK)
		return unknown(c, "objref %s", str_or_q(nftnl_expr_get_str(e, NFTNL_EXPR_OBJREF_IMM_NAME)));
	return 0;
}

static int on_dynset(struct rule_ctx *c, struct nftnl_expr *e)
{
	return unknown(c, "dynset @%s", str_or_q(nftnl_expr_get_str(e, NFTNL_EXPR_DYNSET_SET_NAME)));
}

/* limit, quota, connlimit: they decide on state the model lacks */
static int on_stateful(struct rule_ctx *c, struct nftnl_expr *e)
{
	return unknown(c, "%s", nftnl_expr_get_str(e, NFTNL_EXPR_NAME));
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
	{"cmp", on_cmp},
	{"range", on_range},
	{"lookup", on_lookup},
	{"immediate", on_immediate},
	{"byteorder", on_byteorder},
	{"nat", on_nat},
	{"masq", on_masq},
	{"redir", on_redir},
	{"reject", on_reject},
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
	err = ops ? ops->decode(c, e) : unknown(c, "%s", name);
	if (err < 0 && !c->err)
		c->err = err;
	return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
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
			c.err = unknown(&c, "%s", c.deps[i].what);
	err = c.err;
out:
	nftnl_rule_free(nr);
	return err;
}

/* ---------------------------------------------------------- set elements */

static struct rs_verdict elem_verdict(struct reader *rd, uint32_t table, const struct raw_elem *x)
{
	struct rs_verdict v = {.code = RS_V_UNKNOWN};

	switch (x->verdict) {
	case NF_ACCEPT:
		v.code = RS_V_ACCEPT;
		break;
	case NF_DROP:
		v.code = RS_V_DROP;
		break;
	case NFT_CONTINUE:
		v.code = RS_V_CONTINUE;
		break;
	case NFT_RETURN:
		v.code = RS_V_RETURN;
		break;
	case NFT_JUMP:
	case NFT_GOTO:
		if (x->chain && rs_chain_get(rd->r, table, x->chain, &v.chain) == 0)
			v.code = x->verdict == NFT_JUMP ? RS_V_JUMP : RS_V_GOTO;
		break;
	}
	return v;
}

/* From register layout (each field padded to 4 bytes) to packed bytes. */
static void unpad(const struct set_info *si, uint8_t *dst, const uint8_t *src)
{
	if (si->n_fields <= 1) {
		memcpy(dst, src, si->key_len <= RS_VAL_MAX ? si->key_len : RS_VAL_MAX);
		return;
	}
	for (unsigned i = 0, s = 0, d = 0; i < si->n_fields; i++) {
		memcpy(dst + d, src + s, si->field_len[i]);
		d += si->field_len[i];
		s += words(si->field_len[i]) * 4;
	}
}

/* An interface name range ["eth", "eth\xff…"] is the wildcard "eth*". */
static void ifname_ranges(const struct set_info *si, struct rs_set_elem *x)
{
	for (unsigned i = 0, off = 0; si->keys_known && i < si->n_fields; off += si->field_len[i++]) {
		if ((si->keys[i] != RS_KEY_IIFNAME && si->keys[i] != RS_KEY_OIFNAME) || si->field_len[i] != RS_IFNAMSIZ)
			continue;
		uint8_t *lo = x->lo + off, *hi = x->hi + off;
		size_t p = strnlen((const char *)lo, RS_IFNAMSIZ);
		bool wild = p < RS_IFNAMSIZ && memcmp(lo, hi, p) == 0;
		for (size_t j = p; wild && j < RS_IFNAMSIZ; j++)
			wild = lo[j] == 0 && hi[j] == 0xff;
		if (wild && memcmp(lo, hi, RS_IFNAMSIZ) != 0) {
			lo[p] = '*';
			memcpy(hi, lo, RS_IFNAMSIZ);
		}
	}
}

static int elem_cmp(const void *a, const void *b, void *arg)
{
	const struct raw_elem *x = a, *y = b;
	int d = memcmp(x->key, y->key, *(const uint32_t *)arg);

	if (d)
		return d;
	/* an interval's end sorts before the next one starting at that key */
	return (int)(y->flags & NFT_SET_ELEM_INTERVAL_END) - (int)(x->flags & NFT_SET_ELEM_INTERVAL_END);
}

static bool be_dec(uint8_t *v, size_t n) /* false on underflow */
{
	for (size_t i = n; i-- > 0;)
		if (v[i]-- != 0)
			return true;
	return false;
}

static int elem_put(struct reader *rd, uint32_t set, const struct raw_elem *x, const uint8_t *lo, const uint8_t *hi)
{
	struct set_info *si = &rd->sets[set];
	struct rs_set *s = &rd->r->sets[set];
	struct rs_set_elem *e = rs_set_elem_add(s);

	if (!e)
		return -ENOMEM;
	unpad(si, e->lo, lo);
	unpad(si, e->hi, hi);
	ifname_ranges(si, e);
	if (s->is_vmap && x->has_verdict)
		e->verdict = elem_verdict(rd, s->table, x);
	return 0;
}

/*
 * Turns a set's raw elements into [lo, hi] ranges.  An rbtree interval set
 * holds starts and NFT_SET_ELEM_INTERVAL_END markers: like the kernel's
 * lookup (the closest element at or below the key decides), a start covers
 * everything up to the next element; an end is exclusive.  Concatenated
 * interval sets carry inclusive ends (KEY_END); a catch-all element matches
 * every key.
 */
static int set_finish(struct reader *rd, uint32_t set)
{
	struct set_info *si = &rd->sets[set];
	uint32_t klen = si->key_len;
	unsigned packed = 0;
	uint8_t top[KEY_MAX], end[KEY_MAX];

	if (!si->n_fields) {
		si->n_fields = 1;
		si->field_len[0] = (uint8_t)(klen < 255 ? klen : 255);
	}
	for (unsigned i = 0; i < si->n_fields; i++)
		packed += si->field_len[i];
	if (klen > KEY_MAX || packed > RS_VAL_MAX || (si->n_fields > 1 && packed > klen))
		return 0; /* too long for the model: only a set no rule uses */
	memset(top, 0xff, sizeof(top));
	bool intervals = (si->flags & NFT_SET_INTERVAL) && si->n_fields == 1;
	if (intervals && si->n_elems)
		qsort_r(si->elems, si->n_elems, sizeof(*si->elems), elem_cmp, &klen);
	const struct raw_elem *open = NULL;
	for (size_t i = 0; i < si->n_elems; i++) {
		const struct raw_elem *x = &si->elems[i];
		int err = 0;
		if (x->flags & NFT_SET_ELEM_CATCHALL) {
			uint8_t zero[KEY_MAX] = {0};
			err = elem_put(rd, set, x, zero, top);
		} else if (!intervals) {
			if (!(x->flags & NFT_SET_ELEM_INTERVAL_END))
				err = elem_put(rd, set, x, x->key, x->has_end ? x->key_end : x->key);
		} else {
			if (open) {
				memcpy(end, x->key, klen);
				if (memcmp(end, open->key, klen) > 0 && be_dec(end, klen))
					err = elem_put(rd, set, open, open->key, end);
				open = NULL;
			}
			if (!(x->flags & NFT_SET_ELEM_INTERVAL_END))
				open = x;
		}
		if (err < 0)
			return err;
	}
	return open ? elem_put(rd, set, open, open->key, top) : 0;
}

/* ---------------------------------------------------------- the whole read */

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();
	int err = -ENOMEM;

	if (g) {
		err = nftnl_gen_nlmsg_parse(nlh, g) < 0 ? -EBADMSG : 0;
		*(uint32_t *)data = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
		nftnl_gen_free(g);
	}
	return err;
}

static int get_gen(struct reader *rd, uint32_t *gen)
{
	return nl_talk(rd, rd->nft, nft_req(rd, NFT_MSG_GETGEN, AF_UNSPEC, false), false, gen_cb, gen);
}

/* One attempt; -EAGAIN when the ruleset changed meanwhile. */
static int read_once(struct reader *rd, const char *source, enum rs_origin origin)
{
	uint32_t gen0 = 0, gen1 = 0;
	int err;

	if (!(rd->r = rs_ruleset_new(source, origin)))
		return -ENOMEM;
	if ((err = get_gen(rd, &gen0)) < 0 ||
	    (err = nl_talk(rd, rd->nft, nft_req(rd, NFT_MSG_GETTABLE, NFPROTO_UNSPEC, true), true, table_cb, rd)) < 0 ||
	    (err = nl_talk(rd, rd->nft, nft_req(rd, NFT_MSG_GETCHAIN, NFPROTO_UNSPEC, true), true, chain_cb, rd)) < 0 ||
	    (err = nl_talk(rd, rd->nft, nft_req(rd, NFT_MSG_GETSET, NFPROTO_UNSPEC, true), true, set_cb, rd)) < 0)
		return err;
	for (size_t i = 0; i < rd->n_sets; i++) {
		const struct rs_set *s = &rd->r->sets[i];
		const struct rs_table *t = &rd->r->tables[s->table];
		struct nftnl_set *ns = nftnl_set_alloc();
		if (!ns)
			return -ENOMEM;
		nftnl_set_set_str(ns, NFTNL_SET_TABLE, t->name);
		nftnl_set_set_str(ns, NFTNL_SET_NAME, s->name);
		struct nlmsghdr *nlh = nft_req(rd, NFT_MSG_GETSETELEM, (uint16_t)t->family, true);
		nftnl_set_elems_nlmsg_build_payload(nlh, ns);
		nftnl_set_free(ns);
		struct elem_ctx ec = {rd, &rd->sets[i]};
		err = nl_talk(rd, rd->nft, nlh, true, elem_cb, &ec);
		if (err == -ENOENT) /* deleted since the set dump */
			return -EAGAIN;
		if (err < 0)
			return err;
	}
	if ((err = nl_talk(rd, rd->nft, nft_req(rd, NFT_MSG_GETRULE, NFPROTO_UNSPEC, true), true, rule_cb, rd)) < 0 ||
	    (err = get_gen(rd, &gen1)) < 0)
		return err;
	if (gen0 != gen1 || rd->intr)
		return -EAGAIN;
	for (uint32_t i = 0; i < rd->n_sets; i++)
		if ((err = set_finish(rd, i)) < 0)
			return err;
	return 0;
}

static int open_fd(int fd, struct mnl_socket **ret)
{
	/* our own descriptor, so mnl_socket_close() leaves the caller's open */
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	if (d < 0)
		return -errno;
	*ret = mnl_socket_fdopen(d);
	if (!*ret) {
		int err = -errno;
		close(d);
		return err ? err : -EINVAL;
	}
	return 0;
}

int rs_netlink_read(int nft_fd, int rtnl_fd, const char *source, enum rs_origin origin, struct rs_ruleset **ret,
		    struct topo_diag_list *diags)
{
	struct reader rd = {.diags = diags, .seq = ((uint32_t)getpid() & 0xffff) << 16};
	int err;

	*ret = NULL;
	if (!(rd.buf = malloc(NL_BUFSIZE)))
		return -ENOMEM;
	if ((err = open_fd(nft_fd, &rd.nft)) < 0 || (rtnl_fd >= 0 && (err = open_fd(rtnl_fd, &rd.rtnl)) < 0)) {
		topo_diag_add(diags, source, 0, 0, TOPO_SEV_ERROR, "can't use the netlink socket: %s", strerror(-err));
		goto out;
	}
	if (rd.rtnl)
		links_read(&rd);
	for (int attempt = 0;; attempt++) {
		reader_reset(&rd);
		err = read_once(&rd, source, origin);
		if (err != -EAGAIN && err != -EINTR && err != -ENOBUFS)
			break;
		if (attempt + 1 == MAX_ATTEMPTS) {
			topo_diag_add(diags, source, 0, 0, TOPO_SEV_ERROR,
				      "the nftables ruleset changed during each of %d reads; try again when it is stable",
				      MAX_ATTEMPTS);
			goto out;
		}
	}
	if (err == -EPERM || err == -EACCES)
		topo_diag_add(diags, source, 0, 0, TOPO_SEV_ERROR,
			      "reading the nftables ruleset needs CAP_NET_ADMIN (run as root); or export it with "
			      "`nft -j list ruleset > FILE` and give sanso that file");
	else if (err < 0)
		topo_diag_add(diags, source, 0, 0, TOPO_SEV_ERROR, "can't read the nftables ruleset: %s", strerror(-err));
	else if ((err = rs_ruleset_finish(rd.r, diags)) == 0) {
		*ret = rd.r;
		rd.r = NULL;
	}
out:
	reader_reset(&rd);
	if (rd.nft)
		mnl_socket_close(rd.nft);
	if (rd.rtnl)
		mnl_socket_close(rd.rtnl);
	free(rd.links);
	free(rd.buf);
	return err;
}

/* ---------------------------------------------------------------- live */

static int open_sockets(struct mnl_socket **nft, struct mnl_socket **rtnl)
{
	*nft = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	*rtnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!*nft || !*rtnl || mnl_socket_bind(*nft, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_bind(*rtnl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	return 0;
}

int rs_load_live(const char *netns, struct rs_ruleset **ret, struct topo_diag_list *diags)
{
	struct mnl_socket *nft = NULL, *rtnl = NULL;
	char source[300], path[300];
	bool said = false;
	int err = 0;

	*ret = NULL;
	if (!netns) {
		snprintf(source, sizeof(source), "live");
		err = open_sockets(&nft, &rtnl);
	} else {
		snprintf(source, sizeof(source), "live@%s", netns);
		if (!netns[0] || strchr(netns, '/') || strcmp(netns, ".") == 0 || strcmp(netns, "..") == 0) {
			topo_diag_add(diags, source, 0, 0, TOPO_SEV_ERROR,
				      "'%s' is not a network namespace name (see `ip netns list`)", netns);
			return -ENOENT;
		}
		snprintf(path, sizeof(path), "/run/netns/%s", netns);
		int target = open(path, O_RDONLY | O_CLOEXEC);
		if (target < 0) {
			err = -errno;
			if (err == -ENOENT)
				topo_diag_add(diags, source, 0, 0, TOPO_SEV_ERROR,
					      "no network namespace '%s' (the names are in /run/netns: `ip netns list`)",
					      netns);
			else
				topo_diag_add(diags, source, 0, 0, TOPO_SEV_ERROR, "can't open %s: %s", path,
					      strerror(-err));
			return err;
		}
		int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0) {
			err = -errno;
			close(target);
			topo_diag_add(diags, source, 0, 0, TOPO_SEV_ERROR, "can't open /proc/self/ns/net: %s",
				      strerror(-err));
			return err;
		}
		/* sockets keep the namespace they were opened in: enter it
		 * only for as long as it takes to open them */
		if (setns(target, CLONE_NEWNET) < 0) {
			err = -errno;
			if (err != -EPERM)
				said = topo_diag_add(diags, source, 0, 0, TOPO_SEV_ERROR,
						     "can't enter network namespace '%s': %s", netns, strerror(-err)) == 0;
		} else {
			err = open_sockets(&nft, &rtnl);
			if (setns(self, CLONE_NEWNET) < 0) {
				err = -errno;
				said = topo_diag_add(diags, source, 0, 0, TOPO_SEV_ERROR,
						     "can't return to the original network namespace: %s",
						     strerror(-err)) == 0;
			}
		}
		close(target);
		close(self);
	}
	if (err == -EPERM || err == -EACCES) {
		topo_diag_add(diags, source, 0, 0, TOPO_SEV_ERROR,
			      "reading the live ruleset%s needs root (CAP_NET_ADMIN%s); or export it with "
			      "`nft -j list ruleset > FILE`%s and give sanso that file",
			      netns ? " of another namespace" : "", netns ? " and CAP_SYS_ADMIN" : "",
			      netns ? " inside the namespace (`ip netns exec NAME …`)" : "");
		err = -EPERM;
	} else if (err < 0 && !said) {
		topo_diag_add(diags, source, 0, 0, TOPO_SEV_ERROR, "can't open netlink sockets: %s", strerror(-err));
	}
	if (err == 0) {
		err = rs_netlink_read(mnl_socket_get_fd(nft), mnl_socket_get_fd(rtnl), source, RS_ORIGIN_LIVE, ret,
				      diags);
		if (err == -EACCES)
			err = -EPERM;
	}
	if (nft)
		mnl_socket_close(nft);
	if (rtnl)
		mnl_socket_close(rtnl);
	return err;
}
