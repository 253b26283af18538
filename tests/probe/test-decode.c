/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decoder tests, table-driven: each row is a hand-made frame (bytes) and
 * what probe_decode() must say about it.  Every valid frame is also
 * decoded at every prefix length (a snaplen cut anywhere), and mutated at
 * random, from an exactly-sized heap copy so AddressSanitizer catches a
 * read one byte past caplen.
 */
#include <arpa/inet.h>
#include <check.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

#define HI(x) (((x) >> 8) & 0xff)
#define LO(x) ((x) & 0xff)
#define MAC_A 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a
#define MAC_B 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b
#define ETH(type) MAC_B, MAC_A, HI(type), LO(type)
/* IPv4 header without options, 10.0.0.1 → 10.0.0.2 */
#define V4(tot, id, frag, proto)                                                                                   \
	0x45, 0, HI(tot), LO(tot), HI(id), LO(id), HI(frag), LO(frag), 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2
/* IPv6 header, 2001:db8::1 → 2001:db8::2 */
#define V6(plen, nh)                                                                                               \
	0x60, 0, 0, 0, HI(plen), LO(plen), nh, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x20,  \
		0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2
#define TCP(sp, dp, flags)                                                                                         \
	HI(sp), LO(sp), HI(dp), LO(dp), 0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0
#define UDP(sp, dp, len) HI(sp), LO(sp), HI(dp), LO(dp), HI(len), LO(len), 0, 0
#define PAD4 0, 0, 0, 0
#define PAD8 PAD4, PAD4

/* ck_assert() reports every passing check to the runner (a write() in fork
 * mode): in loops of a million iterations use this, which only reports a
 * failure. */
#define CHECK(cond)                                                                                                \
	do {                                                                                                       \
		if (!(cond))                                                                                       \
			ck_abort_msg("%s:%d: check failed: %s", __FILE__, __LINE__, #cond);                         \
	} while (0)

#define FRAME(...)                                                                                                 \
	.data = (const uint8_t[]){ __VA_ARGS__ }, .len = sizeof((const uint8_t[]){ __VA_ARGS__ })

struct expect {
	enum probe_status st;
	enum probe_l3 l3;
	uint16_t ethertype;
	bool has_mac;
	const char *src, *dst; /* NULL: not checked */
	uint8_t proto;
	uint32_t ip_len;
	bool has_ports;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	bool is_fragment, first_fragment;
	uint32_t frag_id;
	bool has_icmp;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id;
	bool echo_req, echo_rep, icmp_err;
	uint8_t n_vlans;
	uint16_t vlans[PROBE_MAX_VLANS];
	uint16_t arp_op;
	uint32_t payload;
};

struct decode_case {
	const char *name;
	int linktype;
	const uint8_t *data;
	size_t len;
	struct expect e;
};

static const struct decode_case cases[] = {
	/* ---- Ethernet, IPv4 */
	{ "eth-v4-tcp-syn", DLT_EN10MB, FRAME(ETH(0x0800), V4(40, 1, 0x4000, 6), TCP(51514, 443, 0x02)),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, "10.0.0.1", "10.0.0.2", 6, 40, true, 51514, 443, 0x02 } },
	{ "eth-v4-udp", DLT_EN10MB, FRAME(ETH(0x0800), V4(32, 2, 0, 17), UDP(5353, 53, 12), 'a', 'b', 'c', 'd'),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, "10.0.0.1", "10.0.0.2", 17, 32, true, 5353, 53, .payload = 4 } },
	{ "eth-v4-icmp-echo-request", DLT_EN10MB, FRAME(ETH(0x0800), V4(28, 3, 0, 1), 8, 0, 0, 0, 0x12, 0x34, 0, 1),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, "10.0.0.1", "10.0.0.2", 1, 28, .has_icmp = true, .icmp_type = 8,
	    .icmp_id = 0x1234, .echo_req = true } },
	{ "eth-v4-icmp-echo-reply", DLT_EN10MB, FRAME(ETH(0x0800), V4(28, 3, 0, 1), 0, 0, 0, 0, 0x12, 0x34, 0, 1),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, NULL, NULL, 1, 28, .has_icmp = true, .icmp_type = 0,
	    .icmp_id = 0x1234, .echo_rep = true } },
	{ "eth-v4-icmp-unreachable", DLT_EN10MB,
	  FRAME(ETH(0x0800), V4(56, 4, 0, 1), 3, 3, 0, 0, PAD4, V4(28, 9, 0, 17), UDP(53, 5353, 8)),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, NULL, NULL, 1, 56, .has_icmp = true, .icmp_type = 3,
	    .icmp_code = 3, .icmp_err = true } },
	{ "eth-v4-options", DLT_EN10MB,
	  FRAME(ETH(0x0800), 0x46, 0, 0, 32, 0, 5, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 1, 1, 1, 0,
		UDP(1000, 2000, 8)),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, "10.0.0.1", "10.0.0.2", 17, 32, true, 1000, 2000 } },
	{ "eth-v4-first-fragment", DLT_EN10MB, FRAME(ETH(0x0800), V4(36, 0x77, 0x2000, 17), UDP(4000, 4001, 100), PAD8),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, NULL, NULL, 17, 36, true, 4000, 4001, .is_fragment = true,
	    .first_fragment = true, .frag_id = 0x77, .payload = 8 } },
	{ "eth-v4-later-fragment", DLT_EN10MB, FRAME(ETH(0x0800), V4(28, 0x77, 0x0002, 17), PAD8),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, NULL, NULL, 17, 28, .is_fragment = true, .frag_id = 0x77,
	    .payload = 8 } },
	{ "eth-v4-padding-not-payload", DLT_EN10MB, FRAME(ETH(0x0800), V4(40, 1, 0, 6), TCP(80, 40000, 0x10), 0, 0, 0, 0, 0, 0),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, NULL, NULL, 6, 40, true, 80, 40000, 0x10, .payload = 0 } },
	{ "eth-v4-tso-total-length-0", DLT_EN10MB, FRAME(ETH(0x0800), V4(0, 1, 0, 6), TCP(80, 40000, 0x18), PAD8, PAD4),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, NULL, NULL, 6, 52, true, 80, 40000, 0x18, .payload = 12 } },
	{ "eth-v4-gre", DLT_EN10MB, FRAME(ETH(0x0800), V4(28, 1, 0, 47), 0, 0, 0x08, 0x00, PAD4),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, NULL, NULL, 47, 28 } },
	{ "eth-v4-ah-tcp", DLT_EN10MB,
	  FRAME(ETH(0x0800), V4(64, 1, 0, 51), 6, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, PAD8, PAD4, TCP(1234, 80, 0x02)),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, NULL, NULL, 6, 64, true, 1234, 80, 0x02 } },
	{ "eth-v4-sctp", DLT_EN10MB, FRAME(ETH(0x0800), V4(32, 1, 0, 132), 0x0f, 0x1c, 0x0f, 0x1c, PAD8),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, NULL, NULL, 132, 32, true, 3868, 3868 } },

	/* ---- Ethernet, IPv6 */
	{ "eth-v6-hbh-dst-frag-tcp", DLT_EN10MB,
	  FRAME(ETH(0x86dd), V6(48, 0), 60, 0, 1, 4, PAD4, 44, 0, 1, 4, PAD4, 6, 0, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef,
		TCP(40000, 22, 0x18), 'd', 'a', 't', 'a'),
	  { PROBE_OK, PROBE_L3_IPV6, 0x86dd, true, "2001:db8::1", "2001:db8::2", 6, 88, true, 40000, 22, 0x18,
	    .is_fragment = true, .first_fragment = true, .frag_id = 0xdeadbeef, .payload = 4 } },
	{ "eth-v6-later-fragment", DLT_EN10MB, FRAME(ETH(0x86dd), V6(16, 44), 17, 0, 0x00, 0x10, 0, 0, 0, 9, PAD8),
	  { PROBE_OK, PROBE_L3_IPV6, 0x86dd, true, NULL, NULL, 17, 56, .is_fragment = true, .frag_id = 9,
	    .payload = 8 } },
	{ "eth-v6-atomic-fragment", DLT_EN10MB, FRAME(ETH(0x86dd), V6(16, 44), 17, 0, 0, 0, 0, 0, 0, 9, UDP(1, 2, 8)),
	  { PROBE_OK, PROBE_L3_IPV6, 0x86dd, true, NULL, NULL, 17, 56, true, 1, 2 } },
	{ "eth-v6-icmpv6-echo", DLT_EN10MB, FRAME(ETH(0x86dd), V6(8, 58), 128, 0, 0, 0, 0xab, 0xcd, 0, 1),
	  { PROBE_OK, PROBE_L3_IPV6, 0x86dd, true, "2001:db8::1", "2001:db8::2", 58, 48, .has_icmp = true,
	    .icmp_type = 128, .icmp_id = 0xabcd, .echo_req = true } },
	{ "eth-v6-icmpv6-unreachable", DLT_EN10MB, FRAME(ETH(0x86dd), V6(8, 58), 1, 4, 0, 0, PAD4),
	  { PROBE_OK, PROBE_L3_IPV6, 0x86dd, true, NULL, NULL, 58, 48, .has_icmp = true, .icmp_type = 1,
	    .icmp_code = 4, .icmp_err = true } },
	{ "eth-v6-esp", DLT_EN10MB, FRAME(ETH(0x86dd), V6(16, 50), PAD8, PAD8),
	  { PROBE_OK, PROBE_L3_IPV6, 0x86dd, true, NULL, NULL, 50, 56 } },
	{ "eth-v6-ah-udp", DLT_EN10MB, FRAME(ETH(0x86dd), V6(32, 51), 17, 4, 0, 0, PAD8, PAD8, PAD4, UDP(500, 500, 8)),
	  { PROBE_OK, PROBE_L3_IPV6, 0x86dd, true, NULL, NULL, 17, 72, true, 500, 500 } },
	/* an old 68-byte snaplen keeps 14 bytes of an IPv6 TCP header: enough */
	{ "eth-v6-tcp-snaplen-68", DLT_EN10MB, FRAME(ETH(0x86dd), V6(20, 6), 0x01, 0xbb, 0x9c, 0x40, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x12),
	  { PROBE_OK, PROBE_L3_IPV6, 0x86dd, true, NULL, NULL, 6, 60, true, 443, 40000, 0x12 } },

	/* ---- VLANs */
	{ "eth-8021q", DLT_EN10MB, FRAME(MAC_B, MAC_A, 0x81, 0x00, 0x20, 0x0a, 0x08, 0x00, V4(28, 5, 0, 17), UDP(1, 2, 8)),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, NULL, NULL, 17, 28, true, 1, 2, .n_vlans = 1, .vlans = { 10 } } },
	{ "eth-qinq-88a8-8100", DLT_EN10MB,
	  FRAME(MAC_B, MAC_A, 0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x0a, 0x08, 0x00, V4(28, 5, 0, 17), UDP(1, 2, 8)),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, NULL, NULL, 17, 28, true, 1, 2, .n_vlans = 2, .vlans = { 100, 10 } } },
	{ "eth-9100-88a8-8100-v6", DLT_EN10MB,
	  FRAME(MAC_B, MAC_A, 0x91, 0x00, 0x00, 0xc8, 0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x0a, 0x86, 0xdd,
		V6(8, 17), UDP(1, 2, 8)),
	  { PROBE_OK, PROBE_L3_IPV6, 0x86dd, true, NULL, NULL, 17, 48, true, 1, 2, .n_vlans = 3,
	    .vlans = { 200, 100, 10 } } },
	{ "eth-five-tags-keeps-four", DLT_EN10MB,
	  FRAME(MAC_B, MAC_A, 0x88, 0xa8, 0, 1, 0x81, 0x00, 0, 2, 0x81, 0x00, 0, 3, 0x81, 0x00, 0, 4, 0x81, 0x00, 0, 5,
		0x08, 0x00, V4(28, 5, 0, 17), UDP(1, 2, 8)),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, NULL, NULL, 17, 28, true, 1, 2, .n_vlans = 4,
	    .vlans = { 1, 2, 3, 4 } } },
	{ "eth-priority-tag-is-no-vlan", DLT_EN10MB,
	  FRAME(MAC_B, MAC_A, 0x81, 0x00, 0xa0, 0x00, 0x08, 0x00, V4(28, 5, 0, 17), UDP(1, 2, 8)),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, NULL, NULL, 17, 28, true, 1, 2, .n_vlans = 0 } },

	/* ---- ARP and non-IP */
	{ "eth-arp-request", DLT_EN10MB,
	  FRAME(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, MAC_A, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1, MAC_A, 10, 0, 0, 1, 0, 0,
		0, 0, 0, 0, 10, 0, 0, 2, PAD8, PAD8, 0, 0),
	  { PROBE_OK, PROBE_L3_ARP, 0x0806, true, "10.0.0.1", "10.0.0.2", .arp_op = 1 } },
	{ "eth-arp-reply", DLT_EN10MB,
	  FRAME(ETH(0x0806), 0, 1, 8, 0, 6, 4, 0, 2, MAC_B, 10, 0, 0, 2, MAC_A, 10, 0, 0, 1),
	  { PROBE_OK, PROBE_L3_ARP, 0x0806, true, "10.0.0.2", "10.0.0.1", .arp_op = 2 } },
	{ "eth-arp-not-ether-ipv4", DLT_EN10MB, FRAME(ETH(0x0806), 0, 6, 8, 0, 6, 4, 0, 1, PAD8),
	  { PROBE_OK, PROBE_L3_NONE, 0x0806, true } },
	{ "eth-8023-llc-stp", DLT_EN10MB,
	  FRAME(0x01, 0x80, 0xc2, 0, 0, 0, MAC_A, 0x00, 0x26, 0x42, 0x42, 0x03, 0, 0, 0, 0, PAD8),
	  { PROBE_OK, PROBE_L3_NONE, 0, true } },
	{ "eth-lldp", DLT_EN10MB, FRAME(0x01, 0x80, 0xc2, 0, 0, 0x0e, MAC_A, 0x88, 0xcc, 0x02, 0x07, 0x04, PAD4),
	  { PROBE_OK, PROBE_L3_NONE, 0x88cc, true } },

	/* ---- other link types */
	{ "sll-v4-udp", DLT_LINUX_SLL,
	  FRAME(0, 0, 0, 1, 0, 6, MAC_A, 0, 0, 0x08, 0x00, V4(28, 1, 0, 17), UDP(1, 2, 8)),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, "10.0.0.1", NULL, 17, 28, true, 1, 2 } },
	{ "sll-8021q", DLT_LINUX_SLL,
	  FRAME(0, 0, 0, 1, 0, 6, MAC_A, 0, 0, 0x81, 0x00, 0, 30, 0x08, 0x00, V4(28, 1, 0, 17), UDP(1, 2, 8)),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, true, NULL, NULL, 17, 28, true, 1, 2, .n_vlans = 1, .vlans = { 30 } } },
	{ "sll-netlink", DLT_LINUX_SLL, FRAME(0, 4, 0x03, 0x38, 0, 0, PAD8, 0, 0, PAD8),
	  { PROBE_OK, PROBE_L3_NONE, 0, false } },
	{ "sll2-v6-udp", DLT_LINUX_SLL2,
	  FRAME(0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 4, 6, MAC_A, 0, 0, V6(8, 17), UDP(546, 547, 8)),
	  { PROBE_OK, PROBE_L3_IPV6, 0x86dd, true, "2001:db8::1", "2001:db8::2", 17, 48, true, 546, 547 } },
	{ "raw-v4", DLT_RAW, FRAME(V4(28, 1, 0, 17), UDP(1, 2, 8)),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, false, "10.0.0.1", "10.0.0.2", 17, 28, true, 1, 2 } },
	{ "linktype-raw-101-v6", 101, FRAME(V6(8, 17), UDP(1, 2, 8)),
	  { PROBE_OK, PROBE_L3_IPV6, 0x86dd, false, NULL, NULL, 17, 48, true, 1, 2 } },
	{ "ipv4-228", DLT_IPV4, FRAME(V4(28, 1, 0, 17), UDP(1, 2, 8)),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, false, NULL, NULL, 17, 28, true, 1, 2 } },
	{ "ipv6-229", DLT_IPV6, FRAME(V6(8, 17), UDP(1, 2, 8)),
	  { PROBE_OK, PROBE_L3_IPV6, 0x86dd, false, NULL, NULL, 17, 48, true, 1, 2 } },
	{ "null-le-inet", DLT_NULL, FRAME(2, 0, 0, 0, V4(28, 1, 0, 17), UDP(1, 2, 8)),
	  { PROBE_OK, PROBE_L3_IPV4, 0x0800, false, NULL, NULL, 17, 28, true, 1, 2 } },
	{ "null-le-inet6-bsd", DLT_NULL, FRAME(24, 0, 0, 0, V6(8, 17), UDP(1, 2, 8)),
	  { PROBE_OK, PROBE_L3_IPV6, 0x86dd, false, NULL, NULL, 17, 48, true, 1, 2 } },
	{ "null-be-inet6-freebsd", DLT_NULL, FRAME(0, 0, 0, 28, V6(8, 17), UDP(1, 2, 8)),
	  { PROBE_OK, PROBE_L3_IPV6, 0x86dd, false, NULL, NULL, 17, 48, true, 1, 2 } },
	{ "loop-be-inet6-darwin", DLT_LOOP, FRAME(0, 0, 0, 30, V6(8, 17), UDP(1, 2, 8)),
	  { PROBE_OK, PROBE_L3_IPV6, 0x86dd, false, NULL, NULL, 17, 48, true, 1, 2 } },
	{ "null-other-family", DLT_NULL, FRAME(7, 0, 0, 0, PAD8), { PROBE_OK, PROBE_L3_NONE, 0, false } },

	/* ---- broken */
	{ "bad-ihl", DLT_EN10MB, FRAME(ETH(0x0800), 0x44, 0, 0, 40, PAD8, PAD8, TCP(1, 2, 2)), { PROBE_MALFORMED } },
	{ "bad-version-in-ipv4-ethertype", DLT_EN10MB, FRAME(ETH(0x0800), 0x65, 0, 0, 40, PAD8, PAD8, TCP(1, 2, 2)),
	  { PROBE_MALFORMED } },
	{ "bad-version-raw", DLT_RAW, FRAME(0x75, 0, 0, 20, PAD8, PAD8), { PROBE_MALFORMED } },
	{ "ipv6-in-linktype-ipv4", DLT_IPV4, FRAME(V6(8, 17), UDP(1, 2, 8)), { PROBE_MALFORMED } },
	{ "tcp-data-offset-4", DLT_EN10MB,
	  FRAME(ETH(0x0800), V4(40, 1, 0, 6), 0, 1, 0, 2, PAD8, 0x40, 0x02, 0xff, 0xff, PAD4), { PROBE_MALFORMED } },
	{ "tcp-data-offset-past-datagram", DLT_EN10MB,
	  FRAME(ETH(0x0800), V4(40, 1, 0, 6), 0, 1, 0, 2, PAD8, 0xf0, 0x02, 0xff, 0xff, PAD4), { PROBE_MALFORMED } },
	{ "ipv4-total-length-below-header", DLT_EN10MB, FRAME(ETH(0x0800), V4(10, 1, 0, 17), UDP(1, 2, 8)),
	  { PROBE_MALFORMED } },
	{ "ipv4-total-length-inside-tcp-header", DLT_EN10MB, FRAME(ETH(0x0800), V4(30, 1, 0, 6), TCP(1, 2, 2)),
	  { PROBE_MALFORMED } },
	{ "ipv6-ext-header-past-payload", DLT_EN10MB, FRAME(ETH(0x86dd), V6(8, 60), 17, 1, PAD4, 0, 0, PAD8),
	  { PROBE_MALFORMED } },
	{ "snaplen-cut-before-ports", DLT_EN10MB, FRAME(ETH(0x0800), V4(40, 1, 0, 6), 0, 1),
	  { PROBE_TRUNCATED } },
	{ "snaplen-cut-in-ipv4-header", DLT_EN10MB, FRAME(ETH(0x0800), 0x45, 0, 0, 40, 0, 1), { PROBE_TRUNCATED } },
	{ "nine-vlan-tags", DLT_EN10MB,
	  FRAME(MAC_B, MAC_A, 0x81, 0, 0, 1, 0x81, 0, 0, 2, 0x81, 0, 0, 3, 0x81, 0, 0, 4, 0x81, 0, 0, 5, 0x81, 0, 0, 6,
		0x81, 0, 0, 7, 0x81, 0, 0, 8, 0x81, 0, 0, 9, 0x08, 0x00, V4(28, 5, 0, 17), UDP(1, 2, 8)),
	  { PROBE_MALFORMED } },
	{ "ipv6-seventeen-ext-headers", DLT_IPV6,
	  FRAME(V6(136, 60), 60, 0, PAD4, 0, 0, 60, 0, PAD4, 0, 0, 60, 0, PAD4, 0, 0, 60, 0, PAD4, 0, 0, 60, 0, PAD4,
		0, 0, 60, 0, PAD4, 0, 0, 60, 0, PAD4, 0, 0, 60, 0, PAD4, 0, 0, 60, 0, PAD4, 0, 0, 60, 0, PAD4, 0, 0,
		60, 0, PAD4, 0, 0, 60, 0, PAD4, 0, 0, 60, 0, PAD4, 0, 0, 60, 0, PAD4, 0, 0, 60, 0, PAD4, 0, 0, 60, 0,
		PAD4, 0, 0, 17, 0, PAD4, 0, 0),
	  { PROBE_MALFORMED } },
	{ "unsupported-linktype-80211", DLT_IEEE802_11, FRAME(0x08, 0x02, PAD8, PAD8), { PROBE_UNSUPPORTED_LINKTYPE } },
	{ "empty-ethernet", DLT_EN10MB, .data = (const uint8_t[]){ 0 }, .len = 0, { PROBE_TRUNCATED } },
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

static struct topo_addr addr(const char *s)
{
	struct topo_addr a;

	memset(&a, 0, sizeof(a));
	if (strchr(s, ':')) {
		a.family = 6;
		ck_assert_int_eq(inet_pton(AF_INET6, s, a.bytes), 1);
	} else {
		a.family = 4;
		ck_assert_int_eq(inet_pton(AF_INET, s, a.bytes), 1);
	}
	return a;
}

/* Decodes from an exactly-sized heap copy, so ASan sees any overread. */
static enum probe_status decode_copy(int linktype, const uint8_t *data, size_t len, struct probe_packet *p)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum probe_status st;

	CHECK(copy != NULL);
	memcpy(copy, data, len);
	st = probe_decode(linktype, copy, len, p);
	free(copy);
	return st;
}

START_TEST(test_case)
{
	const struct decode_case *c = &cases[_i];
	const struct expect *e = &c->e;
	struct probe_packet p;
	enum probe_status st;
	unsigned v;

	st = decode_copy(c->linktype, c->data, c->len, &p);
	ck_assert_msg(st == e->st, "%s: status %s, want %s", c->name, probe_status_name(st), probe_status_name(e->st));
	if (st != PROBE_OK)
		return;
	ck_assert_msg(p.l3 == e->l3, "%s: l3 %d want %d", c->name, p.l3, e->l3);
	ck_assert_msg(p.ethertype == e->ethertype, "%s: ethertype %#x want %#x", c->name, p.ethertype, e->ethertype);
	ck_assert_msg(p.has_mac == e->has_mac, "%s: has_mac", c->name);
	if (p.has_mac)
		ck_assert_msg(memcmp(p.src_mac, (const uint8_t[]){ MAC_A }, 6) == 0, "%s: src mac", c->name);
	if (e->src) {
		struct topo_addr a = addr(e->src);
		ck_assert_msg(memcmp(&p.src, &a, sizeof(a)) == 0, "%s: src address", c->name);
	}
	if (e->dst) {
		struct topo_addr a = addr(e->dst);
		ck_assert_msg(memcmp(&p.dst, &a, sizeof(a)) == 0, "%s: dst address", c->name);
	}
	ck_assert_msg(p.n_vlans == e->n_vlans, "%s: n_vlans %u want %u", c->name, p.n_vlans, e->n_vlans);
	for (v = 0; v < e->n_vlans; v++)
		ck_assert_msg(p.vlans[v] == e->vlans[v], "%s: vlan[%u] %u want %u", c->name, v, p.vlans[v], e->vlans[v]);
	if (e->l3 == PROBE_L3_ARP) {
		ck_assert_uint_eq(p.arp_op, e->arp_op);
		ck_assert_int_eq(p.arp_spa.family, 4);
		ck_assert_mem_eq(&p.arp_spa, &p.src, sizeof(p.src));
		ck_assert_mem_eq(&p.arp_tpa, &p.dst, sizeof(p.dst));
		if (e->arp_op == 1)
			ck_assert_mem_eq(p.arp_sha, ((const uint8_t[]){ MAC_A }), 6);
		else
			ck_assert_mem_eq(p.arp_tha, ((const uint8_t[]){ MAC_A }), 6);
		return;
	}
	if (e->l3 == PROBE_L3_NONE)
		return;
	ck_assert_msg(p.proto == e->proto, "%s: proto %u want %u", c->name, p.proto, e->proto);
	ck_assert_msg(p.ip_len == e->ip_len, "%s: ip_len %u want %u", c->name, p.ip_len, e->ip_len);
	ck_assert_msg(p.has_ports == e->has_ports, "%s: has_ports", c->name);
	if (e->has_ports) {
		ck_assert_msg(p.sport == e->sport && p.dport == e->dport, "%s: ports %u>%u want %u>%u", c->name, p.sport,
			      p.dport, e->sport, e->dport);
		if (e->proto == 6)
			ck_assert_msg(p.tcp_flags == e->tcp_flags, "%s: flags %#x", c->name, p.tcp_flags);
	}
	ck_assert_msg(p.is_fragment == e->is_fragment, "%s: is_fragment", c->name);
	ck_assert_msg(p.first_fragment == e->first_fragment, "%s: first_fragment", c->name);
	if (e->is_fragment)
		ck_assert_msg(p.frag_id == e->frag_id, "%s: frag_id %#x", c->name, p.frag_id);
	ck_assert_msg(p.has_icmp == e->has_icmp, "%s: has_icmp", c->name);
	if (e->has_icmp) {
		ck_assert_uint_eq(p.icmp_type, e->icmp_type);
		ck_assert_uint_eq(p.icmp_code, e->icmp_code);
		ck_assert_msg(p.icmp_is_echo_request == e->echo_req, "%s: echo req", c->name);
		ck_assert_msg(p.icmp_is_echo_reply == e->echo_rep, "%s: echo reply", c->name);
		ck_assert_msg(p.icmp_is_error == e->icmp_err, "%s: icmp error", c->name);
		if (e->echo_req || e->echo_rep)
			ck_assert_uint_eq(p.icmp_id, e->icmp_id);
	}
	ck_assert_msg(p.l4_payload_len == e->payload, "%s: payload %u want %u", c->name, p.l4_payload_len, e->payload);
}
END_TEST

/* Every prefix of a valid frame is what a snaplen cut there would give:
 * it must decode as OK or TRUNCATED, never crash or read past the end. */
START_TEST(test_every_prefix)
{
	const struct decode_case *c = &cases[_i];
	struct probe_packet p;
	size_t n;

	if (c->e.st != PROBE_OK)
		return;
	for (n = 0; n < c->len; n++) {
		enum probe_status st = decode_copy(c->linktype, c->data, n, &p);

		if (st != PROBE_OK && st != PROBE_TRUNCATED)
			ck_abort_msg("%s cut at %zu: %s", c->name, n, probe_status_name(st));
		/* a cut never invents ports */
		if (st == PROBE_OK && p.has_ports && c->e.has_ports)
			CHECK(p.sport == c->e.sport && p.dport == c->e.dport);
	}
}
END_TEST

/* Random corruption of every frame, on every link type: the decoder must
 * return a status, whatever it is, without reading out of bounds. */
START_TEST(test_mutations)
{
	static const int linktypes[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
					 DLT_IPV4,   DLT_IPV6,      DLT_NULL,       DLT_LOOP };
	unsigned seed = 12345, round;
	uint8_t buf[256];
	struct probe_packet p;

	for (round = 0; round < 200000; round++) {
		const struct decode_case *c = &cases[rand_r(&seed) % N_CASES];
		size_t len = c->len, k, flips = 1 + rand_r(&seed) % 4;
		enum probe_status st;
		int lt;

		memcpy(buf, c->data, len);
		for (k = 0; k < flips && len > 0; k++)
			buf[rand_r(&seed) % len] = (uint8_t)rand_r(&seed);
		if (rand_r(&seed) % 4 == 0 && len > 0)
			len = rand_r(&seed) % len;
		lt = rand_r(&seed) % 8 == 0 ? linktypes[rand_r(&seed) % 8] : c->linktype;
		st = decode_copy(lt, buf, len, &p);
		CHECK(st >= PROBE_OK && st <= PROBE_UNSUPPORTED_LINKTYPE);
		if (st == PROBE_OK) {
			CHECK(p.n_vlans <= PROBE_MAX_VLANS);
			CHECK(!(p.has_ports && p.has_icmp));
		}
	}
}
END_TEST

START_TEST(test_null_data)
{
	struct probe_packet p;

	ck_assert_int_eq(probe_decode(DLT_EN10MB, NULL, 0, &p), PROBE_TRUNCATED);
	ck_assert_int_eq(probe_decode(DLT_RAW, NULL, 0, &p), PROBE_TRUNCATED);
}
END_TEST

START_TEST(test_linktypes_and_names)
{
	ck_assert(probe_linktype_supported(DLT_EN10MB));
	ck_assert(probe_linktype_supported(DLT_LINUX_SLL));
	ck_assert(probe_linktype_supported(DLT_LINUX_SLL2));
	ck_assert(probe_linktype_supported(DLT_RAW));
	ck_assert(probe_linktype_supported(101));
	ck_assert(probe_linktype_supported(DLT_IPV4));
	ck_assert(probe_linktype_supported(DLT_IPV6));
	ck_assert(probe_linktype_supported(DLT_NULL));
	ck_assert(probe_linktype_supported(DLT_LOOP));
	ck_assert(!probe_linktype_supported(DLT_IEEE802_11_RADIO));
	ck_assert(!probe_linktype_supported(DLT_PPP));
	ck_assert_str_eq(probe_status_name(PROBE_OK), "ok");
	ck_assert_str_eq(probe_status_name(PROBE_TRUNCATED), "truncated");
	ck_assert_str_eq(probe_status_name(PROBE_MALFORMED), "malformed");
	ck_assert_str_eq(probe_status_name(PROBE_UNSUPPORTED_LINKTYPE), "unsupported-linktype");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("probe-decode");
	TCase *tc = tcase_create("decode");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_case, 0, N_CASES);
	tcase_add_loop_test(tc, test_every_prefix, 0, N_CASES);
	tcase_add_test(tc, test_mutations);
	tcase_add_test(tc, test_null_data);
	tcase_add_test(tc, test_linktypes_and_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
