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
 *
 * This file reads; netlink-rule.c and netlink-match.c decode each rule
 * (netlink-internal.h is between them).
 */
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netlink-internal.h"

/* nf_tables dump messages are at most a few pages; twice the largest
 * (32 KiB) so a message is never truncated. */
#define NL_BUFSIZE 65536
/* A ruleset changing on every attempt is being rewritten in a loop: give up
 * rather than spin. */
#define MAX_ATTEMPTS 8
/* A dump that stalls this long means a wedged kernel or socket. */
#define NL_TIMEOUT_MS 10000
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
const char *rs_nl_link_name(const struct reader *rd, int index)
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
		s += rs_nl_words(si->field_len[i]) * 4;
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
	if ((err = nl_talk(rd, rd->nft, nft_req(rd, NFT_MSG_GETRULE, NFPROTO_UNSPEC, true), true, rs_nl_rule_cb, rd)) < 0 ||
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
