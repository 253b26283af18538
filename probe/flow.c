/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bidirectional flow table.  This file has its memory, index, LRU
 * lists, expiry and the per-packet update; the fragment table is in
 * flow-frag.c, the judgements on a flow (who opened it, was it answered)
 * in flow-judge.c, and the table's struct in flow-internal.h.
 *
 * It runs for weeks on span ports and on captures with a million
 * concurrent flows, so both its memory and its work per packet are
 * bounded, whatever the traffic:
 *
 * Memory.  At most max_flows flows.  They live in slabs of
 * FLOW_SLAB_SIZE nodes (one 2 MiB huge page each, see slab_alloc)
 * allocated on first need (no malloc per flow, no fragmentation over
 * weeks); an ended flow's node goes to a free list.  A node is the public
 * struct probe_flow (224 bytes) plus two uint32 LRU links: 232 bytes.  The
 * hash index is an open-addressing array of uint32 with at least 2 slots
 * per live flow (load <= 1/2); it starts at
 * INDEX_MIN slots and doubles as flows arrive, up to 2 slots per max flow
 * (8 bytes per flow), so a few live flows keep it small and cache-resident
 * (from 2 MiB up it is in huge pages too, see index_alloc).
 * Total: 240 bytes per flow, 240 MiB for the default 1<<20 flows (plus half
 * the index again for a moment while it doubles).  The fragment table is
 * fixed at FRAG_CAPACITY entries.
 *
 * Work per packet: O(1), independent of the number of flows.
 *  - lookup/insert: one hash of the 44-byte key and a linear probe at load
 *    <= 1/2 (expected < 2.5 slots; the seeded hash keeps attackers from
 *    building long probe chains).  An insert that finds the index half full
 *    first doubles it (index_reserve): O(live) at most log2(max/4096)
 *    times in a run, so O(1) amortised.  Each index slot carries the upper bits
 *    of the hash as a tag, so mismatching slots rarely cost a key compare.
 *    Deletion is backward-shift (no tombstones to pile up over weeks).
 *    A reader that looks ahead (probe_flow_table_prepare/_prefetch, the
 *    audit engine) has the key hashed and the slot and flow in cache by
 *    the time it updates: the same work, its memory latency overlapped.
 *  - LRU: each timeout class (open TCP, closed TCP, UDP, other) has its
 *    own intrusive doubly-linked list ordered by last packet; a packet
 *    moves its flow to the tail of its class's list.  With one timeout per
 *    list, the head is always the flow to expire first, so expiry only
 *    looks at four heads: it pops them while they are idle.  One list with
 *    mixed timeouts would need a scan to find a closed flow (10 s) stuck
 *    behind an open one (300 s).
 *  - expiry inside probe_flow_table_update() ends at most EXPIRE_BUDGET
 *    flows per packet, so a jump in packet time cannot stall one packet
 *    with a million callbacks; every flow ends once, so this is O(1)
 *    amortised and bounded worst-case.  Leftovers go on later packets.
 *  - capacity eviction picks the least recently used of the four heads.
 *
 * Time is the packets' time.  It can go backwards (merged captures, several
 * -r files): a flow's first_ns/last_ns are the min/max of its packets' times,
 * and a flow is idle only when now > last_ns + timeout, so an old timestamp
 * expires nothing; lists are ordered by touch order, which equals time
 * order when time is monotonic and otherwise only delays an expiry.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "flow-internal.h"

#define FLOW_DEFAULT_MAX (1u << 20)
/* 2^28 flows would already be 60 GiB; the cap keeps at least 3 tag bits
 * in an index slot. */
#define FLOW_MAX_MAX (1u << 28)
#define SLAB_BYTES (2u << 20) /* a huge page */
#define FLOW_SLAB_SIZE ((uint32_t)(SLAB_BYTES / sizeof(struct flow_node))) /* 9039 nodes */
#define NODE_FREE (UINT32_MAX - 1) /* prev of a node on the free list */
#define INDEX_MIN 4096 /* index slots to start with (16 KiB) */

/* Flows (and fragment entries) ended per update() call at most; see the
 * file comment. */
#define EXPIRE_BUDGET 64

static inline struct flow_node *node_at(const struct probe_flow_table *t, uint32_t i)
{
	return &t->slabs[i / FLOW_SLAB_SIZE][i % FLOW_SLAB_SIZE];
}

static enum flow_class flow_class(const struct probe_flow *f)
{
	uint8_t both = f->flags[0] | f->flags[1];

	switch (f->key.proto) {
	case IPPROTO_TCP_:
		if ((both & PROBE_FF_RST) || ((f->flags[0] & PROBE_FF_FIN) && (f->flags[1] & PROBE_FF_FIN)))
			return CLASS_TCP_CLOSED;
		return CLASS_TCP;
	case IPPROTO_UDP_:
		return CLASS_UDP;
	default:
		return CLASS_OTHER;
	}
}

/* ------------------------------------------------------------- LRU lists */

static void lru_unlink(struct probe_flow_table *t, enum flow_class c, uint32_t i)
{
	struct flow_node *n = node_at(t, i);

	if (n->prev != NIL)
		node_at(t, n->prev)->next = n->next;
	else
		t->lru[c].head = n->next;
	if (n->next != NIL)
		node_at(t, n->next)->prev = n->prev;
	else
		t->lru[c].tail = n->prev;
	n->prev = n->next = NIL;
}

static void lru_append(struct probe_flow_table *t, enum flow_class c, uint32_t i)
{
	struct flow_node *n = node_at(t, i);

	n->next = NIL;
	n->prev = t->lru[c].tail;
	if (n->prev != NIL)
		node_at(t, n->prev)->next = i;
	else
		t->lru[c].head = i;
	t->lru[c].tail = i;
}

/* ------------------------------------------------------------ hash index */

/*
 * bytes (a multiple of SLAB_BYTES) of zeroed memory on a 2 MiB boundary,
 * advised for transparent huge pages; NULL when out of memory.  See
 * slab_alloc() for why.
 */
static void *huge_alloc(size_t bytes)
{
	size_t len = bytes + SLAB_BYTES;
	uintptr_t p, a;
	void *m;

	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	p = (uintptr_t)m;
	a = (p + SLAB_BYTES - 1) & ~(uintptr_t)(SLAB_BYTES - 1);
	if (a > p)
		munmap(m, a - p);
	if (p + len > a + bytes)
		munmap((void *)(a + bytes), p + len - a - bytes);
	(void)madvise((void *)a, bytes, MADV_HUGEPAGE); /* advice: fine if refused */
	return (void *)a;
}

/* The index, zeroed: from 2 MiB up (a million flows take 8 MiB) in huge
 * pages like the slabs, so the slot prefetches don't miss the TLB; below
 * that from calloc, committed as touched. */
static uint32_t *index_alloc(size_t slots)
{
	if (slots * sizeof(uint32_t) < SLAB_BYTES)
		return calloc(slots, sizeof(uint32_t));
	return huge_alloc(slots * sizeof(uint32_t));
}

static void index_free(uint32_t *index, size_t slots)
{
	if (slots * sizeof(uint32_t) < SLAB_BYTES)
		free(index);
	else if (index)
		munmap(index, slots * sizeof(uint32_t));
}

_Static_assert(sizeof(struct probe_flow_key) == 44, "key_eq() compares 44 bytes");

/* memcmp(a, b, 44) == 0 as six loads a side, without the call: every
 * packet compares its key at least once. */
static inline bool key_eq(const struct probe_flow_key *a, const struct probe_flow_key *b)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
	uint64_t d = 0, u, v;
	uint32_t s, w;

	for (size_t o = 0; o < 40; o += 8) {
		memcpy(&u, x + o, 8);
		memcpy(&v, y + o, 8);
		d |= u ^ v;
	}
	memcpy(&s, x + 40, 4);
	memcpy(&w, y + 40, 4);
	return (d | (s ^ w)) == 0;
}

static uint64_t key_hash(const struct probe_flow_table *t, const struct probe_flow_key *k)
{
	return probe_hash(&t->seed, k, sizeof(*k));
}

/*
 * Finds the key.  Returns its node or NIL; *ret_pos is its slot, or the
 * empty slot where it would go.  Terminates because load <= 1/2 leaves an
 * empty slot.
 */
static uint32_t index_lookup(const struct probe_flow_table *t, const struct probe_flow_key *k, uint64_t h,
			     size_t *ret_pos)
{
	uint32_t tag = probe_slot_tag(t->idx_bits, h);
	size_t pos = h & t->index_mask;

	for (;;) {
		uint32_t s = t->index[pos];

		if (s == 0)
			break;
		if (probe_slot_tag_ok(t->idx_bits, s, tag)) {
			uint32_t i = probe_slot_item(t->idx_bits, s);

			if (key_eq(&node_at(t, i)->f.key, k)) {
				*ret_pos = pos;
				return i;
			}
		}
		pos = (pos + 1) & t->index_mask;
	}
	*ret_pos = pos;
	return NIL;
}

/*
 * Doubles the index (all flows re-inserted) when one more flow would take
 * it over half full.  The index starts small and grows with the flows
 * actually live, so a table sized for a million flows that holds a
 * thousand keeps its index in a few cache lines, not megabytes: growth
 * happens at most log2(index_max / INDEX_MIN) times, O(live) each, so
 * O(1) amortised per new flow.  The flows are rehashed in node order, a
 * stream through the slabs, rather than in slot order (a cache miss per
 * flow).  false when memory runs out (the index stays as it was and is
 * still at most half full).
 */
static bool index_reserve(struct probe_flow_table *t)
{
	size_t slots = t->index_mask + 1, n;
	uint32_t *old = t->index;

	if ((t->stats.live + 1) * 2 <= slots || slots >= t->index_max)
		return (t->stats.live + 1) * 2 <= slots;
	n = slots * 2;
	t->index = index_alloc(n);
	if (!t->index) {
		t->index = old;
		return false;
	}
	t->index_mask = n - 1;
	for (uint32_t i = 0; i < t->n_nodes; i++) {
		const struct flow_node *nd = node_at(t, i);
		uint64_t h;
		size_t pos;

		if (nd->prev == NODE_FREE)
			continue;
		h = key_hash(t, &nd->f.key);
		for (pos = h & t->index_mask; t->index[pos] != 0; pos = (pos + 1) & t->index_mask)
			;
		t->index[pos] = probe_slot_make(t->idx_bits, h, i);
	}
	index_free(old, slots);
	return true;
}

/* Removes node i's slot with backward-shift deletion (Knuth 6.4 algorithm R),
 * which keeps probe sequences short without tombstones. */
static void index_remove(struct probe_flow_table *t, uint32_t i)
{
	uint64_t h = key_hash(t, &node_at(t, i)->f.key);
	size_t hole = h & t->index_mask, j;

	while (t->index[hole] == 0 || probe_slot_item(t->idx_bits, t->index[hole]) != i)
		hole = (hole + 1) & t->index_mask;
	t->index[hole] = 0;
	for (j = (hole + 1) & t->index_mask; t->index[j] != 0; j = (j + 1) & t->index_mask) {
		uint32_t s = t->index[j];
		size_t home = key_hash(t, &node_at(t, probe_slot_item(t->idx_bits, s))->f.key) & t->index_mask;

		/* the entry at j may fill the hole unless its home lies
		 * cyclically in (hole, j] */
		if (((j - home) & t->index_mask) >= ((j - hole) & t->index_mask)) {
			t->index[hole] = s;
			t->index[j] = 0;
			hole = j;
		}
	}
}

/* ------------------------------------------------------------ node pool */

/*
 * A full slab is SLAB_BYTES, mapped on a 2 MiB boundary and advised to
 * the kernel for transparent huge pages: at a million flows the nodes
 * span 220 MiB, and in 4 KiB pages each lookup would also miss the TLB
 * (the prefetches too) and each new page cost a page fault.  Where huge
 * pages are off, it is 512 ordinary pages, committed as touched.  A
 * shorter slab (the last one of a small max_flows) comes from malloc.
 */
static struct flow_node *slab_alloc(uint32_t nodes)
{
	if (nodes < FLOW_SLAB_SIZE)
		return malloc(nodes * sizeof(struct flow_node));
	return huge_alloc(SLAB_BYTES);
}

static void slab_free(struct flow_node *slab, uint32_t nodes)
{
	if (nodes < FLOW_SLAB_SIZE)
		free(slab);
	else if (slab)
		munmap(slab, SLAB_BYTES);
}

/* Nodes in slab k of a table of max_flows. */
static uint32_t slab_nodes(const struct probe_flow_table *t, size_t k)
{
	size_t left = t->cfg.max_flows - k * FLOW_SLAB_SIZE;

	return left < FLOW_SLAB_SIZE ? (uint32_t)left : FLOW_SLAB_SIZE;
}

static uint32_t node_alloc(struct probe_flow_table *t)
{
	uint32_t i;

	if (t->free_head != NIL) {
		i = t->free_head;
		t->free_head = node_at(t, i)->next;
		return i;
	}
	if (t->n_nodes >= t->cfg.max_flows)
		return NIL;
	i = t->n_nodes;
	if (!t->slabs[i / FLOW_SLAB_SIZE]) {
		t->slabs[i / FLOW_SLAB_SIZE] = slab_alloc(slab_nodes(t, i / FLOW_SLAB_SIZE));
		if (!t->slabs[i / FLOW_SLAB_SIZE])
			return NIL;
	}
	t->n_nodes++;
	return i;
}

/* Ends flow i: the callback sees it intact, then it leaves the index, its
 * list and goes to the free list.  The callback must not call into t. */
static void flow_end(struct probe_flow_table *t, uint32_t i, enum probe_flow_end why)
{
	struct flow_node *n = node_at(t, i);

	if (t->on_end)
		t->on_end(&n->f, why, t->userdata);
	index_remove(t, i);
	lru_unlink(t, flow_class(&n->f), i);
	n->prev = NODE_FREE;
	n->next = t->free_head;
	t->free_head = i;
	t->stats.live--;
	switch (why) {
	case PROBE_END_IDLE:
		t->stats.ended_idle++;
		break;
	case PROBE_END_CAPACITY:
		t->stats.ended_capacity++;
		break;
	case PROBE_END_FLUSH:
		t->stats.ended_flush++;
		break;
	}
}

/* The least recently used flow: the oldest of the four list heads. */
static uint32_t lru_oldest(const struct probe_flow_table *t)
{
	uint32_t best = NIL;
	unsigned c;

	for (c = 0; c < N_CLASSES; c++) {
		uint32_t h = t->lru[c].head;

		if (h != NIL && (best == NIL || node_at(t, h)->f.last_ns < node_at(t, best)->f.last_ns))
			best = h;
	}
	return best;
}

static bool flow_idle(const struct probe_flow *f, uint64_t now, uint64_t timeout)
{
	return now > f->last_ns && now - f->last_ns > timeout;
}

static void expire(struct probe_flow_table *t, uint64_t now, size_t budget)
{
	unsigned c;

	for (c = 0; c < N_CLASSES; c++) {
		while (budget > 0 && t->lru[c].head != NIL) {
			uint32_t h = t->lru[c].head;

			if (!flow_idle(&node_at(t, h)->f, now, t->timeout[c]))
				break;
			flow_end(t, h, PROBE_END_IDLE);
			budget--;
		}
	}
}

/* ------------------------------------------------------------------ keys */

/* ICMP messages other than echo and errors are keyed on their exchange:
 * a reply gets its request's type, so both directions share one flow. */
static uint16_t icmp_exchange(uint8_t type, bool v6)
{
	if (v6) {
		switch (type) {
		case 131: /* MLD report */
		case 132: /* MLD done */
		case 143: /* MLDv2 report */
			return 130; /* MLD query */
		case 134:
			return 133; /* router advertisement → solicitation */
		case 136:
			return 135; /* neighbour advertisement → solicitation */
		case 140:
			return 139; /* node information reply → query */
		case 142:
			return 141; /* inverse ND advertisement → solicitation */
		case 151:
		case 153:
			return 152; /* multicast router advertisement/termination → solicitation */
		default:
			return type;
		}
	}
	switch (type) {
	case 9:
		return 10; /* router advertisement → solicitation */
	case 14:
		return 13; /* timestamp reply → request */
	case 16:
		return 15; /* information reply → request */
	case 18:
		return 17; /* address mask reply → request */
	default:
		return type;
	}
}

/* The packet's (sport, dport) for keying; false when it is no flow's. */
static bool packet_ports(const struct probe_packet *p, uint16_t *ret_sport, uint16_t *ret_dport)
{
	*ret_sport = *ret_dport = 0;
	if (p->has_icmp) {
		if (p->icmp_is_error)
			return false;
		if (p->icmp_is_echo_request || p->icmp_is_echo_reply)
			*ret_sport = *ret_dport = p->icmp_id;
		else
			*ret_sport = *ret_dport = icmp_exchange(p->icmp_type, p->l3 == PROBE_L3_IPV6);
		return true;
	}
	if (p->has_ports) {
		*ret_sport = p->sport;
		*ret_dport = p->dport;
		return true;
	}
	return true;
}

/* The sign of memcmp(a, b, sizeof(*a)): family, then the bytes as two
 * big-endian words. */
static inline int addr_cmp(const struct topo_addr *a, const struct topo_addr *b)
{
	uint64_t x, y;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	for (size_t o = 0; o < 16; o += 8) {
		memcpy(&x, a->bytes + o, 8);
		memcpy(&y, b->bytes + o, 8);
		if (x != y)
			return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
	}
	return 0;
}

static unsigned key_make(const struct probe_packet *p, uint16_t sport, uint16_t dport, bool ignore_vlan,
			 struct probe_flow_key *k)
{
	int c = addr_cmp(&p->src, &p->dst);
	unsigned side;

	memset(k, 0, sizeof(*k));
	if (c == 0)
		c = (sport > dport) - (sport < dport);
	side = c <= 0 ? 0 : 1;
	k->addr[side] = p->src;
	k->port[side] = sport;
	k->addr[!side] = p->dst;
	k->port[!side] = dport;
	k->proto = p->proto;
	if (!ignore_vlan) {
		k->n_vlans = p->n_vlans < 2 ? p->n_vlans : 2;
		memcpy(k->vlans, p->vlans, k->n_vlans * sizeof(k->vlans[0]));
	}
	return side;
}

bool probe_flow_key_from_packet(const struct probe_packet *p, bool ignore_vlan, struct probe_flow_key *ret_key,
				unsigned *ret_side)
{
	uint16_t sport, dport;
	unsigned side;

	if (p->l3 != PROBE_L3_IPV4 && p->l3 != PROBE_L3_IPV6)
		return false;
	if (!packet_ports(p, &sport, &dport))
		return false;
	side = key_make(p, sport, dport, ignore_vlan, ret_key);
	if (ret_side)
		*ret_side = side;
	return true;
}

/* ----------------------------------------------------------- accounting */

static void account(struct probe_flow *f, const struct probe_packet *p, const struct probe_record *r, unsigned s,
		    unsigned *events)
{
	uint64_t ts = r->ts_ns;

	f->packets[s]++;
	f->bytes[s] += p->ip_len;
	if (ts < f->first_ns) {
		f->first_ns = ts;
		f->first_frame = r->ref;
	}
	if (ts >= f->last_ns) {
		f->last_ns = ts;
		f->last_frame = r->ref;
	}
	if (f->n_frames < PROBE_FLOW_FRAMES)
		f->frames[f->n_frames++] = r->ref;

	if (p->has_mac) {
		unsigned m;

		for (m = 0; m < f->n_macs[s]; m++)
			if (memcmp(f->macs[s][m], p->src_mac, 6) == 0)
				break;
		if (m == f->n_macs[s]) {
			if (m < PROBE_FLOW_MACS) {
				memcpy(f->macs[s][m], p->src_mac, 6);
				f->n_macs[s]++;
				*events |= PROBE_EV_NEW_MAC;
			} else if (!(f->flags[s] & PROBE_FF_MAC_OVERFLOW)) {
				/* reported once: an overflowing MAC can't be
				 * remembered, so it would look new every time */
				f->flags[s] |= PROBE_FF_MAC_OVERFLOW;
				*events |= PROBE_EV_NEW_MAC;
			}
		}
		/* an attempt that is never answered still names the station it
		 * was sent to: the destination MAC stands for the silent side
		 * until that side speaks (then its own source MACs are added,
		 * the same MAC deduplicated).  Group and unknown (all-zero, as
		 * in SLL) destinations name nobody. */
		if (f->n_macs[!s] == 0 && !(p->dst_mac[0] & 1) && memcmp(p->dst_mac, "\0\0\0\0\0\0", 6) != 0) {
			memcpy(f->macs[!s][0], p->dst_mac, 6);
			f->n_macs[!s] = 1;
		}
	}

	if (p->proto == IPPROTO_TCP_) {
		if (p->has_ports) {
			uint8_t fl = p->tcp_flags;

			if (fl & PROBE_TCP_SYN) {
				if (fl & PROBE_TCP_ACK) {
					f->flags[s] |= PROBE_FF_SYNACK;
				} else {
					if (!((f->flags[0] | f->flags[1]) & PROBE_FF_SYN))
						f->first_syn_side = (uint8_t)s;
					f->flags[s] |= PROBE_FF_SYN;
				}
			}
			if (fl & PROBE_TCP_FIN)
				f->flags[s] |= PROBE_FF_FIN;
			if (fl & PROBE_TCP_RST)
				f->flags[s] |= PROBE_FF_RST;
		}
		if (p->l4_payload_len > 0)
			f->flags[s] |= PROBE_FF_DATA;
	} else {
		f->flags[s] |= PROBE_FF_DATA;
		if (p->has_icmp && p->icmp_is_echo_request)
			f->flags[s] |= PROBE_FF_ECHO_REQ;
	}
}

/* ---------------------------------------------------------------- table */

struct probe_flow_table *probe_flow_table_new(const struct probe_flow_config *cfg, probe_flow_end_fn on_end,
					      void *userdata)
{
	struct probe_flow_table *t;
	size_t slots;
	unsigned c;

	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	if (cfg)
		t->cfg = *cfg;
	if (t->cfg.max_flows == 0)
		t->cfg.max_flows = FLOW_DEFAULT_MAX;
	if (t->cfg.max_flows > FLOW_MAX_MAX)
		t->cfg.max_flows = FLOW_MAX_MAX;
	if (t->cfg.tcp_idle_ns == 0)
		t->cfg.tcp_idle_ns = 300 * NS_PER_S;
	if (t->cfg.tcp_closed_ns == 0)
		t->cfg.tcp_closed_ns = 10 * NS_PER_S;
	if (t->cfg.udp_idle_ns == 0)
		t->cfg.udp_idle_ns = 60 * NS_PER_S;
	if (t->cfg.other_idle_ns == 0)
		t->cfg.other_idle_ns = 30 * NS_PER_S;
	t->timeout[CLASS_TCP] = t->cfg.tcp_idle_ns;
	t->timeout[CLASS_TCP_CLOSED] = t->cfg.tcp_closed_ns;
	t->timeout[CLASS_UDP] = t->cfg.udp_idle_ns;
	t->timeout[CLASS_OTHER] = t->cfg.other_idle_ns;
	t->on_end = on_end;
	t->userdata = userdata;
	probe_hash_seed_init(&t->seed);

	t->n_slabs = (t->cfg.max_flows + FLOW_SLAB_SIZE - 1) / FLOW_SLAB_SIZE;
	t->slabs = calloc(t->n_slabs, sizeof(*t->slabs));
	for (slots = 64; slots < 2 * t->cfg.max_flows; slots <<= 1)
		;
	t->index_max = slots;
	if (slots > INDEX_MIN)
		slots = INDEX_MIN;
	t->index = index_alloc(slots);
	t->index_mask = slots - 1;
	if (!t->slabs || !t->index) {
		probe_flow_table_free(t);
		return NULL;
	}
	t->idx_bits = probe_slot_bits(t->cfg.max_flows);
	t->free_head = NIL;
	for (c = 0; c < N_CLASSES; c++)
		t->lru[c].head = t->lru[c].tail = NIL;
	return t;
}

void probe_flow_table_free(struct probe_flow_table *t)
{
	size_t i;

	if (!t)
		return;
	if (t->slabs)
		for (i = 0; i < t->n_slabs; i++)
			slab_free(t->slabs[i], slab_nodes(t, i));
	free(t->slabs);
	index_free(t->index, t->index_mask + 1);
	free(t->frags);
	free(t->frag_buckets);
	free(t);
}

void probe_flow_table_prepare(const struct probe_flow_table *t, const struct probe_packet *p,
			      struct probe_flow_hint *ret)
{
	uint16_t sport, dport;

	ret->valid = false;
	if (p->l3 != PROBE_L3_IPV4 && p->l3 != PROBE_L3_IPV6)
		return;
	if ((p->is_fragment && !p->first_fragment) || !packet_ports(p, &sport, &dport))
		return;
	ret->side = (uint8_t)key_make(p, sport, dport, t->cfg.ignore_vlan, &ret->key);
	ret->hash = key_hash(t, &ret->key);
	ret->valid = true;
	__builtin_prefetch(&t->index[ret->hash & t->index_mask]);
}

static inline void node_prefetch(const struct probe_flow_table *t, uint32_t i)
{
	const char *n = (const char *)node_at(t, i);

	for (size_t off = 0; off < sizeof(struct flow_node); off += 64)
		__builtin_prefetch(n + off, 1);
	__builtin_prefetch(n + sizeof(struct flow_node) - 1, 1);
}

void probe_flow_table_prefetch(const struct probe_flow_table *t, const struct probe_flow_hint *h)
{
	size_t pos = h->hash & t->index_mask;
	uint32_t tag = probe_slot_tag(t->idx_bits, h->hash);

	if (!h->valid)
		return;
	/* the probe run as far as the home slot's cache line goes (16
	 * slots): a flow pushed past its home by a collision is still found
	 * without another miss; the first tag match is the flow nearly always */
	do {
		uint32_t s = t->index[pos];

		if (s == 0)
			return;
		if (probe_slot_tag_ok(t->idx_bits, s, tag)) {
			node_prefetch(t, probe_slot_item(t->idx_bits, s));
			return;
		}
		pos = (pos + 1) & t->index_mask;
	} while (pos % (64 / sizeof(*t->index)) != 0);
}

struct probe_flow *probe_flow_table_update(struct probe_flow_table *t, const struct probe_packet *p,
					   const struct probe_record *r, unsigned *ret_side, unsigned *ret_events)
{
	return probe_flow_table_update_prepared(t, p, r, NULL, ret_side, ret_events);
}

struct probe_flow *probe_flow_table_update_prepared(struct probe_flow_table *t, const struct probe_packet *p,
						    const struct probe_record *r, const struct probe_flow_hint *hint,
						    unsigned *ret_side, unsigned *ret_events)
{
	struct probe_flow_key kbuf;
	const struct probe_flow_key *kp = &kbuf;
	enum flow_class old_class = CLASS_OTHER, new_class;
	unsigned side, events = 0;
	uint16_t sport, dport;
	uint32_t i;
	size_t pos;
	uint64_t h;
	bool fresh = false;

	if (ret_side)
		*ret_side = 0;
	if (ret_events)
		*ret_events = 0;
	if (p->l3 != PROBE_L3_IPV4 && p->l3 != PROBE_L3_IPV6)
		return NULL;

	expire(t, r->ts_ns, EXPIRE_BUDGET);
	if (t->frag_count > 0)
		probe_frag_expire(t, r->ts_ns, EXPIRE_BUDGET);

	if (p->is_fragment && !p->first_fragment) {
		struct frag_key fk;
		const struct frag_entry *e;

		probe_frag_key_make(t, p, &fk);
		e = probe_frag_find(t, &fk);
		if (e) {
			if (e->no_flow)
				return NULL;
			sport = e->sport;
			dport = e->dport;
		} else {
			/* the first fragment was lost, reordered after us or
			 * expired: keep the bytes, on a port-less flow */
			t->stats.fragments_unmatched++;
			sport = dport = 0;
		}
	} else {
		bool keyed = packet_ports(p, &sport, &dport);

		if (p->is_fragment)
			probe_frag_remember(t, p, sport, dport, !keyed, r->ts_ns);
		if (!keyed)
			return NULL;
	}

	if (hint && hint->valid) {
		kp = &hint->key;
		side = hint->side;
		h = hint->hash;
	} else {
		side = key_make(p, sport, dport, t->cfg.ignore_vlan, &kbuf);
		h = key_hash(t, &kbuf);
	}
	i = index_lookup(t, kp, h, &pos);

	/* A SYN on a connection that already closed is the next connection
	 * reusing the ports: end the old one ("closed and drained") rather
	 * than merging two connections' evidence. */
	if (i != NIL && p->proto == IPPROTO_TCP_ && p->has_ports &&
	    (p->tcp_flags & (PROBE_TCP_SYN | PROBE_TCP_ACK)) == PROBE_TCP_SYN &&
	    flow_class(&node_at(t, i)->f) == CLASS_TCP_CLOSED) {
		flow_end(t, i, PROBE_END_IDLE);
		i = index_lookup(t, kp, h, &pos);
	}

	if (i == NIL) {
		struct probe_flow *f;

		if (t->stats.live >= t->cfg.max_flows) {
			flow_end(t, lru_oldest(t), PROBE_END_CAPACITY);
			(void)index_lookup(t, kp, h, &pos); /* the shift may have moved our slot */
		}
		if ((t->stats.live + 1) * 2 > t->index_mask + 1) {
			if (!index_reserve(t))
				return NULL; /* out of memory: the packet goes unaccounted */
			(void)index_lookup(t, kp, h, &pos);
		}
		i = node_alloc(t);
		if (i == NIL)
			return NULL; /* out of memory for a new slab: the packet goes unaccounted */
		f = &node_at(t, i)->f;
		memset(f, 0, sizeof(*f));
		f->key = *kp;
		f->first_side = (uint8_t)side;
		f->first_ns = f->last_ns = r->ts_ns;
		f->first_frame = f->last_frame = r->ref;
		t->index[pos] = probe_slot_make(t->idx_bits, h, i);
		t->stats.created++;
		t->stats.live++;
		if (t->stats.live > t->stats.peak)
			t->stats.peak = t->stats.live;
		events |= PROBE_EV_NEW_FLOW;
		fresh = true;
	} else {
		old_class = flow_class(&node_at(t, i)->f);
	}

	account(&node_at(t, i)->f, p, r, side, &events);
	new_class = flow_class(&node_at(t, i)->f);
	/* move to the tail, unless it is there already (a burst) */
	if (fresh || new_class != old_class || t->lru[new_class].tail != i) {
		if (!fresh)
			lru_unlink(t, old_class, i);
		lru_append(t, new_class, i);
	}

	if (ret_side)
		*ret_side = side;
	if (ret_events)
		*ret_events = events;
	return &node_at(t, i)->f;
}

void probe_flow_table_expire(struct probe_flow_table *t, uint64_t now_ns)
{
	expire(t, now_ns, SIZE_MAX);
	if (t->frag_count > 0)
		probe_frag_expire(t, now_ns, SIZE_MAX);
}

/*
 * Everything ends, oldest activity first so the order of reports is
 * stable: the order flow_end() on lru_oldest() would take, one flow at a
 * time.  Rather than unlink each flow and delete it from the index (a
 * backward shift that rehashes its neighbours' keys: cache misses on
 * other flows), walk the four lists side by side and then empty the table
 * at once.  The callback sees each flow intact, as before; it must not
 * call into the table, so it cannot tell the difference.
 */
void probe_flow_table_flush(struct probe_flow_table *t)
{
	uint32_t cur[N_CLASSES];
	unsigned c;

	for (c = 0; c < N_CLASSES; c++)
		cur[c] = t->lru[c].head;
	for (;;) {
		uint32_t best = NIL;
		unsigned bc = 0;
		struct flow_node *n;

		for (c = 0; c < N_CLASSES; c++)
			if (cur[c] != NIL && (best == NIL || node_at(t, cur[c])->f.last_ns < node_at(t, best)->f.last_ns)) {
				best = cur[c];
				bc = c;
			}
		if (best == NIL)
			break;
		n = node_at(t, best);
		cur[bc] = n->next;
		/* the list's next flow is compared on the next turn: fetch it
		 * while the callback judges this one */
		if (n->next != NIL)
			node_prefetch(t, n->next);
		if (t->on_end)
			t->on_end(&n->f, PROBE_END_FLUSH, t->userdata);
		t->stats.live--;
		t->stats.ended_flush++;
	}
	memset(t->index, 0, (t->index_mask + 1) * sizeof(*t->index));
	for (c = 0; c < N_CLASSES; c++)
		t->lru[c].head = t->lru[c].tail = NIL;
	t->free_head = NIL;
	t->n_nodes = 0; /* the slabs stay, carved again from the start */
	while (t->frag_count > 0)
		probe_frag_drop_oldest(t);
}

void probe_flow_table_foreach(struct probe_flow_table *t, void (*fn)(struct probe_flow *f, void *userdata),
			      void *userdata)
{
	/* the LRU lists hold every live flow exactly once */
	for (unsigned c = 0; c < N_CLASSES; c++)
		for (uint32_t i = t->lru[c].head; i != NIL; i = node_at(t, i)->next)
			fn(&node_at(t, i)->f, userdata);
}

const struct probe_flow *probe_flow_table_find(const struct probe_flow_table *t, const struct probe_flow_key *k)
{
	struct probe_flow_key norm = *k;
	size_t pos;
	uint32_t i;

	/* tolerate callers that filled the key by hand: unused VLAN slots
	 * must be zero for the byte-wise compare */
	if (norm.n_vlans > 2)
		norm.n_vlans = 2;
	if (norm.n_vlans < 2)
		norm.vlans[1] = 0;
	if (norm.n_vlans < 1)
		norm.vlans[0] = 0;
	i = index_lookup(t, &norm, key_hash(t, &norm), &pos);
	return i == NIL ? NULL : &node_at(t, i)->f;
}

void probe_flow_table_stats(const struct probe_flow_table *t, struct probe_flow_stats *ret)
{
	*ret = t->stats;
}
