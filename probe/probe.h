/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe — what came over the wire: capture reading (libpcap: pcap and
 * pcapng files, and live interfaces for sanso monitor), bounds-checked
 * decoders, the bidirectional flow table, the station (MAC/address)
 * observation table and evidence pcap writing (one file per run, or a ring
 * of rotated files for long runs).
 *
 * probe knows nothing of zones or policy: it turns frames into flows and
 * observations, and the analyser (analyze/) judges them.
 *
 * Ownership: records and packets are lent for one iteration only (the data
 * pointer belongs to libpcap, or to the capture's map of its file).  Flows
 * handed to callbacks are lent until the callback returns.  Library code
 * never prints.  Depends on topology.h's address type only (not its code);
 * may not use rulesets/ or analyze/.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topology.h" /* struct topo_addr */

/* ------------------------------------------------------------------ capture */

/* A frame's position: the capture's index in the run and its 1-based frame
 * number in that file (what Wireshark shows as frame.number). */
struct probe_frame_ref {
	uint32_t frame;
	uint16_t file;
};

struct probe_record {
	const uint8_t *data;
	uint32_t caplen; /* bytes present */
	uint32_t len;    /* bytes on the wire */
	uint64_t ts_ns;  /* nanoseconds since the epoch (full precision kept) */
	int linktype;    /* DLT_* of the frame's interface */
	struct probe_frame_ref ref;
};

struct probe_capture; /* opaque */

/*
 * Opens a pcap or pcapng file with nanosecond timestamps.  `file_index`
 * becomes ref.file of every record.  On failure returns a negative errno
 * and writes a message a network person can act on into errbuf (e.g. the
 * libpcap pcapng restriction on mixed link types, explained).
 */
int probe_capture_open_offline(const char *path, unsigned file_index, struct probe_capture **ret,
			       char *errbuf, size_t errlen);
/*
 * Reads the next record.  Returns 1 with *ret filled, 0 at the end of the
 * file, or -EBADMSG when the file is damaged (truncated record, lying
 * record length); then probe_capture_error() says what, naming the frame.
 */
int probe_capture_next(struct probe_capture *c, struct probe_record *ret);
const char *probe_capture_error(const struct probe_capture *c);
int probe_capture_linktype(const struct probe_capture *c);
int probe_capture_snaplen(const struct probe_capture *c);
const char *probe_capture_path(const struct probe_capture *c); /* live: the interface name */
void probe_capture_free(struct probe_capture *c); /* NULL is a no-op */

/*
 * Live capture (sanso monitor): libpcap on a network interface, memory
 * mapped.  By default libpcap picks TPACKET_V3 (blocks of packets); the
 * block timeout `timeout_ms` bounds how long a packet may wait in a block
 * before it is delivered, so findings stay prompt on a quiet link.
 * `immediate` asks libpcap for immediate mode instead, which on Linux makes
 * it fall back to TPACKET_V2 (one frame per slot, no waiting at all).
 * The BPF filter runs in the kernel.  The handle is non-blocking:
 * probe_capture_next() returns 0 when nothing is waiting, and the caller
 * poll()s probe_capture_fd().
 *
 * Records: ref.file = `index`, ref.frame = 1-based count of the packets
 * this capture delivered (saturating at UINT32_MAX).
 *
 * Errors (message in errbuf, naming the interface and what to do):
 * -ENODEV no such interface, -ENETDOWN interface down, -EPERM no
 * permission (needs CAP_NET_RAW), -EINVAL bad filter or option,
 * -EIO anything else libpcap refuses.  On success errbuf holds "" or a
 * warning worth showing (e.g. promiscuous mode not supported).
 * Timestamps are nanosecond where the kernel allows it (Linux does),
 * microseconds scaled to ns otherwise.
 */
struct probe_live_config {
	const char *iface;
	int snaplen;            /* 0: 262144 */
	size_t buffer_bytes;    /* kernel ring size; 0: 64 MiB */
	int timeout_ms;         /* TPACKET_V3 block timeout; 0: 100 */
	bool immediate;         /* immediate mode (TPACKET_V2 on Linux) */
	bool no_promisc;        /* don't put the interface in promiscuous mode */
	const char *bpf_filter; /* may be NULL */
};
int probe_capture_open_live(const struct probe_live_config *cfg, unsigned index, struct probe_capture **ret,
			    char *errbuf, size_t errlen);
/*
 * Live: probe_capture_next() returns 1 with a record, 0 when no packet is
 * waiting, or -ENETDOWN (interface went down or was removed) / -EIO on a
 * capture failure, with probe_capture_error() saying what.  An interface
 * that was only set down gives -ENETDOWN until it is up again, then
 * records flow again; a removed one gives -ENETDOWN for good.
 */
/* The descriptor to poll() for input (live captures); -1 offline.  Poll it
 * with a timeout (a second is fine): a downed interface wakes poll() once,
 * and only a later probe_capture_next() can tell it went away. */
int probe_capture_fd(const struct probe_capture *c);
/* How far an offline capture has been read, in bytes: both 0 when not
 * known (live, a pipe, a file libpcap reads by itself). */
void probe_capture_progress(const struct probe_capture *c, uint64_t *done, uint64_t *total);
#define PROBE_LIVE_DEFAULT_BUFFER (64u * 1024u * 1024u) /* --buffer-size's default */
uint64_t probe_capture_ring_bytes(const struct probe_capture *c); /* the mapped ring; 0: unknown */
/* "tpacket_v3", "tpacket_v2", "tpacket_v1" or "unknown" (live), "file" offline. */
const char *probe_capture_ring(const struct probe_capture *c);

/*
 * Capture statistics since the capture was opened, in 64 bits (libpcap's
 * counters are 32-bit and wrap: the deltas are accumulated here, so call
 * this at least every few minutes on a busy link).
 *  received: packets that passed the filter (incl. those later dropped);
 *  dropped: dropped by the kernel because the ring was full;
 *  if_dropped: dropped by the interface/driver, when it keeps counters
 *  (if_dropped_known false: unknown, never reported as 0).
 * Returns 0, or -EIO with probe_capture_error() set (offline: -ENOTSUP).
 */
struct probe_capture_stats {
	uint64_t received;
	uint64_t dropped;
	uint64_t if_dropped;
	bool if_dropped_known;
};
int probe_capture_stats(struct probe_capture *c, struct probe_capture_stats *ret);

/* Link types the decoder understands (Ethernet, Linux SLL/SLL2, raw IP,
 * raw IPv4/IPv6, BSD loopback). */
bool probe_linktype_supported(int linktype);

/* ----------------------------------------------------------------- decoding */

/*
 * Decisions the specification left open (probe/decode.c has the RFCs):
 *  - VLAN: TPIDs 0x8100, 0x88a8 and 0x9100, outermost first.  A tag with
 *    VID 0 (802.1p priority tag) is walked but not recorded: it carries no
 *    VLAN membership and must not split a flow from its untagged replies.
 *    More than 8 tags: MALFORMED.
 *  - 802.3 frames (type/length < 0x0600, LLC/SNAP) and other EtherTypes:
 *    PROBE_OK, l3 NONE; ethertype is 0 for 802.3.  For raw-IP and BSD
 *    loopback links ethertype is set to 0x0800/0x86dd as if Ethernet.
 *    Encapsulations are not entered: MPLS, PPPoE, GRE, VXLAN, ERSPAN are
 *    seen as their outer header (flows keyed on the tunnel endpoints).
 *  - ARP: src/dst are also set to the sender/target protocol addresses.
 *  - IPv4 total length 0 (Linux TSO captures) and IPv6 payload length 0
 *    (jumbograms, GSO): the datagram is taken to end where the capture does
 *    and ip_len says so; cut headers are then TRUNCATED, not MALFORMED.
 *  - A length larger than caplen is a snaplen cut (fine); a transport
 *    header that does not fit in the datagram's stated length is MALFORMED,
 *    except in a first fragment (RFC 1858 tiny fragment: OK, no ports).
 *  - Ports need only 4 captured bytes (TCP: 14 for the flags), so old
 *    68-byte snaplens still give IPv6 TCP ports.
 *  - AH is walked in IPv4 too (RFC 4302), so AH-protected TCP is TCP; ESP,
 *    IPComp, "no next header" and unknown next headers end the walk (OK,
 *    proto set, no ports).  More than 16 IPv6 extension headers: MALFORMED.
 *  - An IPv6 fragment header with offset 0 and M clear (atomic fragment,
 *    RFC 6946) is not a fragment.
 *  - ICMPv6 errors are all types < 128 (RFC 4443 §2.1); ICMPv4 errors are
 *    3, 4, 5, 11, 12.  UDP-Lite and DCCP get ports like UDP and SCTP.
 *  - Linux cooked capture: the header's address is the sender's MAC
 *    (ARPHRD_ETHER only); dst_mac stays zero.  ARPHRD_NETLINK: l3 NONE.
 *  - DLT_NULL/DLT_LOOP: the family in either byte order; AF_INET6 is 24,
 *    28 or 30; other families are l3 NONE.
 */

#define PROBE_MAX_VLANS 4 /* deeper stacks are decoded, only the outer 4 kept */

enum probe_l3 {
	PROBE_L3_NONE, /* decoded link layer, not IP/ARP (LLDP, STP, …) */
	PROBE_L3_ARP,
	PROBE_L3_IPV4,
	PROBE_L3_IPV6,
};

enum probe_status {
	PROBE_OK,
	PROBE_TRUNCATED,           /* ended before a header we need */
	PROBE_MALFORMED,           /* a header that lies (bad version, length, …) */
	PROBE_UNSUPPORTED_LINKTYPE,
};
const char *probe_status_name(enum probe_status st);

/* TCP flag bits as on the wire */
#define PROBE_TCP_FIN 0x01
#define PROBE_TCP_SYN 0x02
#define PROBE_TCP_RST 0x04
#define PROBE_TCP_PSH 0x08
#define PROBE_TCP_ACK 0x10

struct probe_packet {
	/* link layer */
	bool has_mac;
	uint8_t src_mac[6], dst_mac[6];
	uint8_t n_vlans;                  /* tags seen (capped at PROBE_MAX_VLANS) */
	uint16_t vlans[PROBE_MAX_VLANS];  /* VLAN IDs, outermost first */
	uint16_t ethertype;               /* of the payload after the tags */
	enum probe_l3 l3;

	/* IPv4/IPv6 (and ARP's protocol addresses below) */
	struct topo_addr src, dst;
	uint8_t proto;     /* final upper-layer protocol after IPv6 extension headers */
	uint32_t ip_len;   /* IP datagram length as the header states it */
	bool is_fragment;  /* part of a fragmented datagram */
	bool first_fragment; /* offset 0: the one carrying the L4 header */
	uint32_t frag_id;  /* IPv4 id or IPv6 fragment header id */

	/* transport */
	bool has_ports;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	bool has_icmp;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id;   /* echo request/reply identifier */
	bool icmp_is_echo_request, icmp_is_echo_reply;
	bool icmp_is_error; /* unreachable, time exceeded, … : about another connection */

	/* ARP (Ethernet/IPv4 only) */
	uint16_t arp_op;
	uint8_t arp_sha[6], arp_tha[6];
	struct topo_addr arp_spa, arp_tpa;

	/* added by probe: TCP/UDP payload bytes after the transport header as the
	 * IP length states them (Ethernet padding excluded); for a later
	 * fragment, the fragment's payload.  The flow table uses it to tell a
	 * TCP segment with data from a bare ACK. */
	uint32_t l4_payload_len;
};

/*
 * Decodes one frame.  Every field is read through a bounds-checked accessor;
 * any input, however malformed, returns a status and never reads outside
 * data[0..caplen).  On PROBE_OK *ret describes the frame; otherwise its
 * content is unspecified.
 */
enum probe_status probe_decode(int linktype, const uint8_t *data, size_t caplen, struct probe_packet *ret);

/* --------------------------------------------------------------- flow table */

/*
 * Bounds (details in probe/flow.c):
 *  - memory: at most max_flows flows, kept in slabs allocated on demand;
 *    240 bytes per flow (the 224-byte struct probe_flow, 8 bytes of LRU
 *    links, 8 bytes of hash index), so the default 1<<20 flows need 240 MiB;
 *    the fragment table holds at most 65536 datagrams (~4.5 MiB).
 *  - work: probe_flow_table_update() is O(1) per packet whatever the number
 *    of flows: one seeded hash lookup at load <= 1/2, LRU move-to-tail,
 *    and expiry that pops idle flows off the heads of four per-timeout LRU
 *    lists, at most 64 per call (so a jump in time cannot stall one packet;
 *    the rest go on later calls or probe_flow_table_expire()).
 *  - time is the packets' time; it may go backwards (merged captures): a
 *    flow's first_ns/last_ns are the min/max seen and an older timestamp
 *    expires nothing.
 *
 * Decisions the specification left open:
 *  - ICMP: echo request/reply are keyed with both ports = icmp_id; other
 *    non-error ICMP with both ports = the exchange's request type (a reply
 *    maps to its request: 14→13, NA 136→NS 135, …), so both directions meet.
 *  - A later fragment whose first fragment is unknown (lost, reordered,
 *    older than 30 s) is counted in fragments_unmatched and accounted to the
 *    flow with ports 0.  Later fragments of an ICMP error are no flow either.
 *  - A SYN (without ACK) on a closed flow (RST, or FIN both ways) ends it
 *    (PROBE_END_IDLE: "closed and drained") and starts a new flow: port
 *    reuse must not merge two connections' evidence.
 *  - PROBE_EV_NEW_MAC is also raised once when a side first overflows
 *    PROBE_FLOW_MACS (the extra MAC itself can't be kept).  Only the
 *    sender's source MAC is recorded per side.
 *  - The port rule of probe_flow_initiator() applies to TCP, UDP, SCTP,
 *    DCCP and UDP-Lite only; equal ports fall through to "first".
 *  - Capacity eviction and flush take flows least recently seen first.
 *  - on_end must not call back into the table.
 */

#define PROBE_FLOW_MACS 3   /* distinct MACs kept per side */
#define PROBE_FLOW_FRAMES 8 /* frame numbers kept per flow (the evidence pcap has all) */

/* Canonical bidirectional key: side 0 is the smaller (address, port). */
struct probe_flow_key {
	struct topo_addr addr[2];
	uint16_t port[2];
	uint8_t proto;
	uint8_t n_vlans;
	uint16_t vlans[2];
};

enum probe_initiator_reason {
	PROBE_INIT_SYN,        /* a TCP SYN without ACK */
	PROBE_INIT_ECHO,       /* an ICMP/ICMPv6 echo request */
	PROBE_INIT_PORT,       /* the other side uses a declared, well-known or lower port */
	PROBE_INIT_FIRST,      /* the sender of the first packet seen */
};
const char *probe_initiator_reason_name(enum probe_initiator_reason r); /* "syn", "echo", "port", "first" */

/* Per-side flag bits in probe_flow.flags[side] */
#define PROBE_FF_SYN      0x01 /* sent a SYN without ACK */
#define PROBE_FF_SYNACK   0x02 /* sent a SYN+ACK */
#define PROBE_FF_ECHO_REQ 0x04 /* sent an echo request */
#define PROBE_FF_FIN      0x08
#define PROBE_FF_RST      0x10
#define PROBE_FF_DATA     0x20 /* sent a packet with payload or any non-TCP packet */
#define PROBE_FF_MAC_OVERFLOW 0x40 /* more MACs than PROBE_FLOW_MACS */

struct probe_flow {
	struct probe_flow_key key;
	uint8_t macs[2][PROBE_FLOW_MACS][6];
	uint8_t n_macs[2];
	uint8_t flags[2];
	uint8_t first_side;     /* sender of the first packet */
	uint8_t first_syn_side; /* sender of the first SYN (valid if any side has PROBE_FF_SYN) */
	uint8_t n_frames;
	uint64_t first_ns, last_ns;
	struct probe_frame_ref first_frame, last_frame;
	struct probe_frame_ref frames[PROBE_FLOW_FRAMES]; /* the first frames */
	uint64_t packets[2], bytes[2]; /* sent by side 0 / side 1; bytes = IP length */
	/* for the caller (the analyser): never touched by probe */
	uint32_t user_flags;
	uint32_t user_id;
};

/*
 * Decides who opened the connection, in the order of docs/checks.md:
 * SYN, echo request, service port (declared ports via the callback, then
 * well-known < 1024, then the lower port), first packet.
 * Returns the initiator's side (0 or 1) and the rule in *ret_reason.
 */
typedef bool (*probe_service_port_fn)(uint8_t proto, uint16_t port, void *userdata);
unsigned probe_flow_initiator(const struct probe_flow *f, probe_service_port_fn is_service, void *userdata,
			      enum probe_initiator_reason *ret_reason);

/* TCP: the responder answered the SYN (SYN+ACK), or both sides sent data.
 * Others: both sides sent a packet. */
bool probe_flow_established(const struct probe_flow *f);

enum probe_flow_end {
	PROBE_END_IDLE,     /* idle timeout (or closed and drained) */
	PROBE_END_CAPACITY, /* evicted to make room: counted in stats */
	PROBE_END_FLUSH,    /* end of input */
};

/* Called once per flow when it leaves the table; the flow is lent. */
typedef void (*probe_flow_end_fn)(const struct probe_flow *f, enum probe_flow_end why, void *userdata);

struct probe_flow_config {
	size_t max_flows;       /* 0: default (1<<20) */
	uint64_t tcp_idle_ns;   /* 0: default 300 s (established), as conntrack's order of magnitude */
	uint64_t tcp_closed_ns; /* 0: default 10 s after FIN/RST both ways or RST */
	uint64_t udp_idle_ns;   /* 0: default 60 s */
	uint64_t other_idle_ns; /* 0: default 30 s (ICMP and other protocols) */
	bool ignore_vlan;       /* don't key flows on VLAN (asymmetric tagging) */
};

struct probe_flow_stats {
	uint64_t created, ended_idle, ended_capacity, ended_flush;
	size_t live, peak;
	uint64_t fragments_unmatched; /* later fragments whose first fragment was never seen */
};

struct probe_flow_table; /* opaque */

struct probe_flow_table *probe_flow_table_new(const struct probe_flow_config *cfg, probe_flow_end_fn on_end,
					      void *userdata); /* NULL on OOM */
void probe_flow_table_free(struct probe_flow_table *t); /* does not call on_end; NULL is a no-op */

/* Events reported by probe_flow_table_update() in *ret_events */
#define PROBE_EV_NEW_FLOW 0x01
#define PROBE_EV_NEW_MAC  0x02 /* the sender's MAC is new for its side */

/*
 * Accounts one decoded IPv4/IPv6 packet (not ARP, not ICMP errors: returns
 * NULL for those).  Later fragments are attributed to their datagram's flow
 * through a bounded fragment table.  Idle flows whose time (by packet
 * timestamps) has passed are ended first, so memory stays bounded.
 * Returns the flow (lent until the next call), the packet's sending side in
 * *ret_side and PROBE_EV_* bits in *ret_events.  NULL also when the packet
 * can't be keyed.
 */
struct probe_flow *probe_flow_table_update(struct probe_flow_table *t, const struct probe_packet *p,
					   const struct probe_record *r, unsigned *ret_side, unsigned *ret_events);
/*
 * Looking ahead.  A lookup in a big table costs two cache misses in a row:
 * the index slot, then the flow it names.  A reader that can decode a few
 * packets before it accounts them hides both behind the work on earlier
 * packets:
 *   probe_flow_table_prepare()  on arrival: builds the key, hashes it and
 *                               prefetches its index slot (into *ret);
 *   probe_flow_table_prefetch() a few packets later: reads that slot and
 *                               prefetches the flow it points to;
 *   probe_flow_table_update_prepared()  later still, in arrival order:
 *                               exactly probe_flow_table_update(), minus
 *                               the key and hash already computed.
 * The hint holds only what the packet alone decides (key, side, hash), so
 * whatever the table does between the calls (flows ending, the index
 * growing) cannot make it wrong; prefetches are hints to the CPU and
 * change nothing.  A later fragment's key depends on the fragment table
 * at update time: its hint stays empty and the update keys it then.
 */
struct probe_flow_hint {
	struct probe_flow_key key;
	uint64_t hash;
	uint8_t side;
	bool valid; /* false: update() keys the packet itself */
};
void probe_flow_table_prepare(const struct probe_flow_table *t, const struct probe_packet *p,
			      struct probe_flow_hint *ret);
void probe_flow_table_prefetch(const struct probe_flow_table *t, const struct probe_flow_hint *h);
/* h may be NULL (then it is probe_flow_table_update()); p must be the
 * packet h was prepared from. */
struct probe_flow *probe_flow_table_update_prepared(struct probe_flow_table *t, const struct probe_packet *p,
						    const struct probe_record *r, const struct probe_flow_hint *h,
						    unsigned *ret_side, unsigned *ret_events);
/* Ends every flow idle at `now_ns` (monitoring calls it on a timer). */
void probe_flow_table_expire(struct probe_flow_table *t, uint64_t now_ns);
/* Ends every flow (end of input). */
void probe_flow_table_flush(struct probe_flow_table *t);
/* Looks a flow up without changing it; NULL if absent.  Build the key with
 * probe_flow_key_from_packet() (or zero it before filling it). */
const struct probe_flow *probe_flow_table_find(const struct probe_flow_table *t, const struct probe_flow_key *k);
void probe_flow_table_stats(const struct probe_flow_table *t, struct probe_flow_stats *ret);

/* Calls fn for every live flow (any order); fn may change the user_*
 * fields only and must not call back into the table. */
void probe_flow_table_foreach(struct probe_flow_table *t, void (*fn)(struct probe_flow *f, void *userdata),
			      void *userdata);

/* Builds the canonical key of a packet; returns the sender's side.  Used to
 * find a packet's flow again (evidence writing).  false if not keyable.
 * A later fragment carries no ports, so its key has ports 0; only
 * probe_flow_table_update() knows (from the first fragment) its real flow. */
bool probe_flow_key_from_packet(const struct probe_packet *p, bool ignore_vlan, struct probe_flow_key *ret_key,
				unsigned *ret_side);

/* ------------------------------------------------------- station observations */

/*
 * Decisions the specification left open: "first" (first_ns, first_frame,
 * via_arp) is the earliest sighting by timestamp; tags of repeated
 * sightings are OR-ed; area -1 ("none") counts as an area of its own in the
 * replacement rule; dropped_obs and probe_station_table_dropped() count
 * sightings that could not be kept, not distinct addresses or MACs.
 * Memory: stations in slabs allocated on demand (1056 bytes each) plus an
 * index of 8 to 16 bytes per live station (it doubles as they arrive), at
 * most 8 bytes per possible station; O(1) per observation, amortised.
 * Slots of expired stations are reused, so memory never exceeds
 * max_stations.
 */

#define PROBE_STATION_OBS 16 /* observations kept per MAC */

/* One (address, VLAN) a MAC was seen sourcing. */
struct probe_obs {
	struct topo_addr ip;
	int vlan;      /* innermost VLAN tag, -1 untagged */
	int area;      /* caller's classification (e.g. area index), -1 none */
	uint32_t tag;  /* caller's flag bits */
	bool via_arp;
	uint64_t first_ns;
	struct probe_frame_ref first_frame;
	uint64_t count;
};

struct probe_station {
	uint8_t mac[6];
	uint8_t n_obs;
	uint64_t dropped_obs; /* observations not kept (beyond PROBE_STATION_OBS) */
	uint64_t last_ns;     /* latest observation (for expiry) */
	uint32_t user_flags;  /* for the caller; never touched by probe (0 when created) */
	struct probe_obs obs[PROBE_STATION_OBS];
};

struct probe_station_table; /* opaque */

/* max_stations 0: default (1<<18).  NULL on OOM. */
struct probe_station_table *probe_station_table_new(size_t max_stations);
void probe_station_table_free(struct probe_station_table *t);
/*
 * Records that `mac` sourced `ip` on `vlan`.  Observations are deduplicated
 * on (ip, vlan).  When a station's PROBE_STATION_OBS slots are full, an
 * observation with an `area` none of them has replaces the newest one whose
 * area appears at least twice, so every area a MAC used stays visible.
 * When max_stations is reached, new MACs are counted and not recorded.
 */
/* Returns the station when this call added or replaced one of its
 * observations (what the station checks judge changed), NULL otherwise
 * (a repeat sighting, or the MAC could not be recorded). */
struct probe_station *probe_station_observe(struct probe_station_table *t, const uint8_t mac[6],
					    const struct topo_addr *ip, int vlan, int area, uint32_t tag,
					    bool via_arp, uint64_t ts_ns, struct probe_frame_ref ref);
/*
 * Re-classifies every observation (a new topology): fn sets obs->area and
 * obs->tag afresh; observations left with tag 0 are removed.  Stations
 * keep their user_flags.
 */
void probe_station_table_reclassify(struct probe_station_table *t,
				    void (*fn)(const uint8_t mac[6], struct probe_obs *obs, void *userdata),
				    void *userdata);
/*
 * Removes every station whose last observation is older than before_ns
 * (long-running monitoring: a MAC silent for a day is forgotten, and its
 * slot reused).  Returns how many were removed; O(max_stations).  After an
 * expiry, iteration order is slot order rather than first-seen order.
 */
size_t probe_station_table_expire(struct probe_station_table *t, uint64_t before_ns);
uint64_t probe_station_table_expired(const struct probe_station_table *t); /* removed so far */
size_t probe_station_table_count(const struct probe_station_table *t);
uint64_t probe_station_table_dropped(const struct probe_station_table *t); /* MACs not recorded */
/* Iterates in first-seen order: *iter starts at 0; returns NULL at the end. */
const struct probe_station *probe_station_table_next(const struct probe_station_table *t, size_t *iter);

/* ----------------------------------------------------------------- evidence */

struct probe_dump; /* opaque */

/*
 * Evidence pcap: written to "PATH.tmp-XXXX" next to PATH and renamed into
 * place by probe_dump_commit(), so a failed run never leaves a half-written
 * file.  Nanosecond pcap.  Returns 0 or a negative errno (message in errbuf).
 */
int probe_dump_open(const char *path, int linktype, int snaplen, struct probe_dump **ret, char *errbuf,
		    size_t errlen);
int probe_dump_write(struct probe_dump *d, const struct probe_record *r); /* 0 or -errno */
int probe_dump_commit(struct probe_dump *d); /* flushes, renames, frees; 0 or -errno */
void probe_dump_abort(struct probe_dump *d);  /* removes the temp file, frees; NULL is a no-op */

/*
 * Evidence for long runs (sanso monitor): pcap files written as they grow
 * and rotated by size, "PREFIX-000001.pcap", "PREFIX-000002.pcap", …
 * A file is closed (flushed and fsynced) when the next record would take
 * it over max_bytes, and the oldest files beyond `keep` are deleted, so
 * disk use stays bounded.  Numbering continues after the highest number
 * already on disk for PREFIX, so a restart never overwrites evidence.
 * Files are created 0600.  The first file is created on the first record.
 */
struct probe_ring;

struct probe_ring_config {
	const char *prefix;  /* "DIR/evidence-eth1" */
	int linktype;
	int snaplen;         /* 0: 262144 */
	uint64_t max_bytes;  /* per file; 0: 100 MiB */
	unsigned keep;       /* files kept; 0: 10 */
};
int probe_ring_open(const struct probe_ring_config *cfg, struct probe_ring **ret, char *errbuf, size_t errlen);
/* 0 or -errno (message in probe_ring_error()); a failed write leaves the ring
 * unusable (every later call returns the same error).  A record of another
 * link type is refused with -EINVAL and the ring stays usable.  Records
 * longer than snaplen are cut to it. */
int probe_ring_write(struct probe_ring *r, const struct probe_record *rec);
int probe_ring_flush(struct probe_ring *r);       /* makes written records readable by others */
const char *probe_ring_current(const struct probe_ring *r); /* path of the file being written, NULL before the first */
const char *probe_ring_error(const struct probe_ring *r);
int probe_ring_close(struct probe_ring *r);       /* flushes, fsyncs, frees; 0 or -errno; NULL: 0 */
