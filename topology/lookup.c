/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hot-path lookups the analysers run per packet: address → segment/area
 * (longest-prefix match), address/MAC → host, declared ports, and matching
 * a packet against a flow's endpoints and service.  None allocates; each is
 * O(address bits) or better.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "topology-internal.h"

/* ------------------------------------------------------ prefix index */

/* What seg_by_prefix is keyed by: a network address and its length. */
struct prefix_key {
	struct topo_addr addr; /* host bits clear */
	uint8_t prefix;
};

static uint64_t hash_prefix(const struct topo_addr *a, uint8_t prefix)
{
	return topo_hash_bytes(a->bytes, topo_addr_len(a), (uint64_t)a->family << 8 | prefix);
}

static bool eq_prefix(const void *stored, const void *key)
{
	const struct topo_segment *seg = stored;
	const struct prefix_key *k = key;

	return seg->prefix == k->prefix && topo_eq_addr(&seg->addr, &k->addr);
}

static int cmp_segments(const void *x, const void *y)
{
	const struct topo_segment *a = *(const struct topo_segment *const *)x;
	const struct topo_segment *b = *(const struct topo_segment *const *)y;
	int r = topo_addr_cmp(&a->addr, &b->addr);

	if (r)
		return r;
	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	/* File order among equals, so diagnostics are stable. */
	if (a->area->index != b->area->index)
		return a->area->index < b->area->index ? -1 : 1;
	return a < b ? -1 : a > b;
}

int topo_site_index_segments(struct topo_site *s)
{
	bool seen4[33] = { false }, seen6[129] = { false };
	size_t n = 0, k = 0;
	int r;

	for (size_t i = 0; i < s->n_areas; i++)
		n += s->areas[i].n_segments;
	r = topo_htab_init(&s->seg_by_prefix, n);
	if (r < 0)
		return r;
	s->sorted = topo_arena_calloc(&s->arena, n, sizeof(*s->sorted));
	s->run_end = topo_arena_calloc(&s->arena, n, sizeof(*s->run_end));
	if (!s->sorted || !s->run_end)
		return -ENOMEM;

	for (size_t i = 0; i < s->n_areas; i++) {
		for (size_t j = 0; j < s->areas[i].n_segments; j++) {
			const struct topo_segment *seg = &s->areas[i].segments[j];

			s->sorted[k++] = seg;
			if (seg->addr.family == 4)
				seen4[seg->prefix] = true;
			else
				seen6[seg->prefix] = true;
			/* The same prefix twice is a load error (or a warning
			 * within one area); the first one wins the lookups. */
			r = topo_htab_put(&s->seg_by_prefix, hash_prefix(&seg->addr, seg->prefix), seg, (void *)seg,
					  eq_prefix, NULL);
			if (r < 0)
				return r;
		}
	}
	s->n_sorted = n;
	if (n)
		qsort(s->sorted, n, sizeof(*s->sorted), cmp_segments);
	for (size_t i = n; i-- > 0;)
		s->run_end[i] = i + 1 < n && s->sorted[i + 1]->area == s->sorted[i]->area ? s->run_end[i + 1] : i + 1;

	s->n_lens4 = s->n_lens6 = 0;
	for (int len = 32; len >= 0; len--)
		if (seen4[len])
			s->lens4[s->n_lens4++] = (uint8_t)len;
	for (int len = 128; len >= 0; len--)
		if (seen6[len])
			s->lens6[s->n_lens6++] = (uint8_t)len;
	return 0;
}

const struct topo_segment *topo_site_lookup_segment(const struct topo_site *s, const struct topo_addr *a)
{
	const uint8_t *lens;
	unsigned n;

	if (!s || !a)
		return NULL;
	if (a->family == 4) {
		lens = s->lens4;
		n = s->n_lens4;
	} else if (a->family == 6) {
		lens = s->lens6;
		n = s->n_lens6;
	} else {
		return NULL;
	}
	/* Longest first: the first hit is the longest match. */
	for (unsigned i = 0; i < n; i++) {
		struct prefix_key k = { .addr = *a, .prefix = lens[i] };
		const struct topo_segment *seg;

		if (a->family == 4)
			memset(k.addr.bytes + 4, 0, 12);
		topo_addr_mask(&k.addr, lens[i]);
		seg = topo_htab_get(&s->seg_by_prefix, hash_prefix(&k.addr, k.prefix), &k, eq_prefix);
		if (seg)
			return seg;
	}
	return NULL;
}

const struct topo_area *topo_site_lookup_area(const struct topo_site *s, const struct topo_addr *a)
{
	const struct topo_segment *seg = topo_site_lookup_segment(s, a);

	return seg ? seg->area : topo_site_internet(s);
}

/* Index of the first sorted segment whose address is >= a. */
static size_t lower_bound(const struct topo_site *s, const struct topo_addr *a)
{
	size_t lo = 0, hi = s->n_sorted;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (topo_addr_cmp(&s->sorted[mid]->addr, a) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the first sorted segment whose address is > a. */
static size_t upper_bound(const struct topo_site *s, const struct topo_addr *a)
{
	size_t lo = 0, hi = s->n_sorted;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (topo_addr_cmp(&s->sorted[mid]->addr, a) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The segments starting inside prefix form one run of the sorted array;
 * run_end tells in O(1) whether that run holds a single area, so the
 * question costs two binary searches.
 */
bool topo_site_prefix_spans_areas(const struct topo_site *s, const struct topo_addr *a, uint8_t prefix,
				  const struct topo_area *area)
{
	struct topo_addr last = *a;
	size_t lo, hi;

	topo_addr_last(&last, prefix);
	lo = lower_bound(s, a);
	hi = upper_bound(s, &last);
	if (lo >= hi)
		return false;
	return s->sorted[lo]->area != area || s->run_end[lo] < hi;
}

/* ------------------------------------------------------------ hosts */

const struct topo_host *topo_site_lookup_host_ip(const struct topo_site *s, const struct topo_addr *a)
{
	if (!s || !a || (a->family != 4 && a->family != 6))
		return NULL;
	return topo_htab_get(&s->host_by_ip, topo_hash_addr(a), a, topo_eq_addr);
}

const struct topo_host *topo_site_lookup_host_mac(const struct topo_site *s, const uint8_t mac[6])
{
	if (!s || !mac)
		return NULL;
	return topo_htab_get(&s->host_by_mac, topo_hash_mac(mac), mac, topo_eq_mac);
}

bool topo_site_mac_is_gateway(const struct topo_site *s, const uint8_t mac[6])
{
	const struct topo_host *h = topo_site_lookup_host_mac(s, mac);

	return h && h->role == TOPO_ROLE_GATEWAY;
}

/* ------------------------------------------------------------ ports */

#define PORT_WORDS (65536 / 64)

static bool proto_has_ports(int proto)
{
	/* ICMP types are not ports; a flow's ports don't apply to them. */
	return proto != 1 && proto != 58;
}

/* Word at a time: a file of many "0-65535" flows must not cost 65536
 * steps each. */
static void set_range(uint64_t *bm, unsigned lo, unsigned hi)
{
	while (lo <= hi) {
		unsigned w = lo / 64, b = lo % 64;
		unsigned n = hi - lo + 1 < 64 - b ? hi - lo + 1 : 64 - b;

		bm[w] |= (n == 64 ? ~UINT64_C(0) : ((UINT64_C(1) << n) - 1)) << b;
		lo += n;
	}
}

int topo_site_index_ports(struct topo_site *s)
{
	for (size_t i = 0; i < s->n_flows; i++) {
		const struct topo_flow *f = &s->flows[i];
		size_t slot;
		uint64_t *bm;

		if (f->n_ports == 0 || !proto_has_ports(f->proto))
			continue;
		slot = f->proto == TOPO_PROTO_ANY ? TOPO_PROTO_SLOT_ANY : (size_t)f->proto;
		if (slot > TOPO_PROTO_SLOT_ANY)
			continue;
		bm = s->ports[slot];
		if (!bm) {
			/* 8 KiB per protocol in use, typically tcp and udp. */
			bm = s->ports[slot] = calloc(PORT_WORDS, sizeof(*bm));
			if (!bm)
				return -ENOMEM;
		}
		for (size_t k = 0; k < f->n_ports; k++)
			set_range(bm, f->ports[k].lo, f->ports[k].hi);
	}
	return 0;
}

static bool bitmap_has(const uint64_t *bm, uint16_t port)
{
	return bm && (bm[port / 64] >> (port % 64) & 1);
}

bool topo_site_is_declared_port(const struct topo_site *s, uint8_t proto, uint16_t port)
{
	if (!s)
		return false;
	return bitmap_has(s->ports[proto], port) || (proto_has_ports(proto) && bitmap_has(s->ports[TOPO_PROTO_SLOT_ANY], port));
}

/* ------------------------------------------------------------ endpoints */

enum topo_tier topo_endpoint_tier(const struct topo_site *s, const struct topo_endpoint *ep)
{
	const struct topo_area *a = ep->area;

	if (ep->type == TOPO_EP_HOST && ep->host)
		a = ep->host->zone;
	else if (ep->type == TOPO_EP_CIDR && !a)
		a = topo_site_lookup_area(s, &ep->addr);
	return a ? topo_kind_tier(a->kind) : TOPO_TIER_INTERNET;
}

bool topo_endpoint_match_addr(const struct topo_site *s, const struct topo_endpoint *ep, const struct topo_addr *a)
{
	if (!ep || !a)
		return false;
	switch (ep->type) {
	case TOPO_EP_HOST:
		if (!ep->host)
			return false;
		for (size_t i = 0; i < ep->host->n_ips; i++)
			if (topo_eq_addr(&ep->host->ips[i], a))
				return true;
		return false;
	case TOPO_EP_ZONE:
	case TOPO_EP_EXTERNAL:
		return ep->area && topo_site_lookup_area(s, a) == ep->area;
	case TOPO_EP_CIDR:
		return topo_addr_in_prefix(a, &ep->addr, ep->prefix);
	}
	return false;
}

bool topo_endpoint_match_mac(const struct topo_endpoint *ep, const uint8_t mac[6])
{
	size_t host_macs = ep->type == TOPO_EP_HOST && ep->host ? ep->host->n_macs : 0;

	if (host_macs == 0 && ep->n_macs == 0)
		return true;
	for (size_t i = 0; i < host_macs; i++)
		if (memcmp(ep->host->macs[i], mac, 6) == 0)
			return true;
	for (size_t i = 0; i < ep->n_macs; i++)
		if (memcmp(ep->macs[i], mac, 6) == 0)
			return true;
	return false;
}

/*
 * Ports restrict only protocols that have them.  A flow declared for icmp
 * or icmpv6 admits any message; a flow without proto but with ports admits
 * those ports on any protocol, and not ICMP (which has none of them).
 */
bool topo_flow_match_service(const struct topo_flow *f, uint8_t proto, uint16_t dport)
{
	if (!f)
		return false;
	if (f->proto != TOPO_PROTO_ANY && f->proto != proto)
		return false;
	if (f->n_ports == 0 || !proto_has_ports(proto))
		return f->n_ports == 0 || f->proto != TOPO_PROTO_ANY;
	for (size_t i = 0; i < f->n_ports; i++)
		if (f->ports[i].lo <= dport && dport <= f->ports[i].hi)
			return true;
	return false;
}
