/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to the flow table: its struct and the types it is built from,
 * shared by flow.c (slabs, hash index, LRU lists, expiry and the
 * per-packet update) and flow-frag.c (the fragment table that gives a
 * later fragment its first fragment's ports).  flow-judge.c (who opened a
 * flow, was it answered) needs only the protocol numbers.  Nothing outside
 * those files may include this header; callers use probe.h.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "probe-internal.h"
#include "probe.h"

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_DCCP_ 33
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_SCTP_ 132
#define IPPROTO_UDPLITE_ 136

#define NS_PER_S 1000000000ull

#define NIL UINT32_MAX

/*
 * Fragments: IPv4 reassembly keeps fragments 30 s (RFC 791 §3.2 "timer
 * lower bound" 15 s, Linux ipfrag_time 30 s); 65536 datagrams in flight is
 * far above what a LAN has.  Oldest entry is evicted when full.
 */
#define FRAG_TIMEOUT_NS (30 * NS_PER_S)
#define FRAG_CAPACITY (1u << 16)

enum flow_class {
	CLASS_TCP,
	CLASS_TCP_CLOSED,
	CLASS_UDP,
	CLASS_OTHER,
	N_CLASSES,
};

struct flow_node {
	struct probe_flow f;
	uint32_t prev, next; /* LRU list of the flow's class; on the free list: NODE_FREE, next free */
};

struct flow_lru {
	uint32_t head, tail;
};

struct frag_key {
	struct topo_addr src, dst;
	uint8_t proto;
	uint8_t n_vlans;
	uint16_t vlans[2];
	uint32_t id;
};

struct frag_entry {
	struct frag_key key;
	uint16_t sport, dport;
	bool no_flow; /* the first fragment was an ICMP error: not a flow */
	uint64_t ts_ns;
	uint32_t next; /* bucket chain */
};

struct probe_flow_table {
	struct probe_flow_config cfg; /* defaults resolved */
	uint64_t timeout[N_CLASSES];
	probe_flow_end_fn on_end;
	void *userdata;
	struct probe_hash_seed seed;

	struct flow_node **slabs;
	size_t n_slabs; /* slots in slabs[] */
	uint32_t n_nodes; /* nodes carved out of slabs so far */
	uint32_t free_head;

	uint32_t *index;
	size_t index_mask;
	size_t index_max; /* slots at full size: 2 * max_flows, a power of two */
	unsigned idx_bits; /* low bits of a slot: node + 1; high bits: hash tag */

	struct flow_lru lru[N_CLASSES];
	struct probe_flow_stats stats;

	/* fragment table: a FIFO ring (oldest first) + chained hash on it */
	struct frag_entry *frags;
	uint32_t *frag_buckets;
	uint32_t frag_head, frag_count;
};

/* ---------------------------------------------------------- fragments */

/* The fragment key of a packet (its datagram: addresses, protocol, id,
 * VLANs unless the table ignores them). */
void probe_frag_key_make(const struct probe_flow_table *t, const struct probe_packet *p, struct frag_key *k);
/* The entry of a datagram whose first fragment was seen, or NULL. */
struct frag_entry *probe_frag_find(const struct probe_flow_table *t, const struct frag_key *k);
void probe_frag_drop_oldest(struct probe_flow_table *t);
/* Drops at most `budget` entries older than FRAG_TIMEOUT_NS at `now`. */
void probe_frag_expire(struct probe_flow_table *t, uint64_t now, size_t budget);
void probe_frag_remember(struct probe_flow_table *t, const struct probe_packet *p, uint16_t sport, uint16_t dport,
			 bool no_flow, uint64_t now);
