/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen-captures — writes the deterministic captures the end-to-end tests and the
 * bundled example audit.
 *
 *   gen-captures SCENARIO OUT.pcap
 *   gen-captures --list
 *
 * Every scenario is a fixed script of frames: fixed MACs, fixed addresses,
 * fixed sequence numbers and fixed timestamps (nanosecond pcap, starting at
 * 2026-11-02T09:00:00Z), so the same scenario always yields the same bytes and
 * docs/examples/example.pcap can be checked against a fresh run.  Frames carry
 * the 802.1Q tag of their segment, as a capture on a trunk port would, and
 * routed traffic carries the gateway (core-fw) MAC on the router side.
 *
 * The expected findings of each scenario live next to its topology in
 * tests/data/e2e/<scenario>.tsv (docs/examples/expected.tsv for `example`);
 * the comments in the scenario functions say which frames should, and which
 * must not, become findings.  They were written from the product spec, not
 * from the analyser.
 *
 * Headers follow RFC 894 (Ethernet), IEEE 802.1Q/802.1ad, RFC 826 (ARP),
 * RFC 791/8200 (IPv4/IPv6), RFC 793 (TCP), RFC 768 (UDP), RFC 792/4443/4861
 * (ICMP, ICMPv6, ND) and RFC 1035 (DNS).  Checksums are correct.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2026-11-02T09:00:00Z */
#define T0_SEC 1793610000ULL
#define NS_PER_MS 1000000ULL
/* Spacing of consecutive frames inside one exchange. */
#define FRAME_STEP_NS 173000ULL

#define ETH_P_IPV4 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_LLDP 0x88cc

#define IPP_ICMP 1
#define IPP_TCP 6
#define IPP_UDP 17
#define IPP_ICMPV6 58

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

/* ------------------------------------------------------------- addressing */

/* The VLAN tags a frame carries, outermost first; pcp is the priority of the
 * innermost tag (the TCI's top 3 bits, which a decoder must mask off). */
struct vl {
	int n;
	uint16_t outer_tpid;
	uint16_t id[2];
	uint8_t pcp;
};

static const struct vl UNTAGGED = { 0, 0, { 0, 0 }, 0 };
static const struct vl V10 = { 1, ETH_P_8021Q, { 10, 0 }, 0 };
static const struct vl V20 = { 1, ETH_P_8021Q, { 20, 0 }, 0 };
static const struct vl V20_PCP5 = { 1, ETH_P_8021Q, { 20, 0 }, 5 };
static const struct vl V30 = { 1, ETH_P_8021Q, { 30, 0 }, 0 };
static const struct vl V40 = { 1, ETH_P_8021Q, { 40, 0 }, 0 };
static const struct vl V99 = { 1, ETH_P_8021Q, { 99, 0 }, 0 };
static const struct vl QINQ_100_20 = { 2, ETH_P_8021AD, { 100, 20 }, 0 };

/* One side of an exchange as it appears on the wire: the MAC in the frames
 * (the router's for a routed peer), the address and, for TCP/UDP, the port. */
struct ep {
	const char *mac;
	const char *ip;
	uint16_t port;
};

#define BCAST "ff:ff:ff:ff:ff:ff"

/* core-fw, the gateway: one MAC per routed interface. */
#define GW_MN "02:00:00:ff:00:01"
#define GW_LG "02:00:00:ff:00:02"
#define GW_IN "02:00:00:ff:00:03"
#define GW_OT "02:00:00:ff:00:04"

/* mynumber zone, 10.10.0.0/16 + fd00:10::/64, VLAN 10 */
#define MN_PC1 "02:00:00:10:00:01"
#define MN_PC2 "02:00:00:10:00:02"
#define MN_SRV1 "02:00:00:10:01:01"
#define MN_SRV2 "02:00:00:10:01:02"
/* lgwan zone, 10.20.0.0/16, VLAN 20 */
#define LG_PC1 "02:00:00:20:00:01"
#define LG_PC2 "02:00:00:20:00:02"
#define LG_PC3 "02:00:00:20:00:03"
#define LG_SRV1 "02:00:00:20:01:01"
#define LG_MTA "02:00:00:20:01:02"
#define LG_SRV2A "02:00:00:20:02:01"
#define LG_SRV2B "02:00:00:20:02:02"
#define LG_PRN "02:00:00:20:03:01"
/* internet zone, 10.30.0.0/16, VLAN 30 */
#define IN_PC1 "02:00:00:30:00:01"
#define IN_MTA "02:00:00:30:01:01"
#define IN_MSAN "02:00:00:30:01:0a"
#define IN_FSAN "02:00:00:30:01:14"
#define IN_DNS "02:00:00:30:01:35"
#define IN_VB1 "02:00:00:30:03:01"
#define IN_WEB "02:00:00:30:04:01"
/* other zone (内部情報系), 10.40.0.0/16, VLAN 40 */
#define OT_PC1 "02:00:00:40:00:01"
#define OT_SRV1 "02:00:00:40:02:01"
/* undeclared stations */
#define ROGUE_MN "02:00:00:10:ee:01"
#define ROGUE_MN2 "02:00:00:10:ee:02"
#define ROGUE_LG "02:00:00:20:ee:01"
#define ROGUE_LG2 "02:00:00:20:ee:02"
#define ROGUE_LG5 "02:00:00:20:ee:05"
#define ROGUE_IN "02:00:00:30:ee:01"
#define ROGUE_SW "02:00:00:ee:00:99"

/* ----------------------------------------------------------------- output */

struct gen {
	pcap_t *pcap;
	pcap_dumper_t *dump;
	uint64_t now_ns; /* since T0 */
	unsigned frames;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("gen-captures: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

/* Moves the clock to T0 + ms.  Scenarios are scripts with increasing times;
 * going back would make an unordered capture, which is a bug here. */
static void at(struct gen *g, uint64_t ms)
{
	uint64_t t = ms * NS_PER_MS;

	if (t < g->now_ns)
		die("scenario goes back in time at %llu ms", (unsigned long long)ms);
	g->now_ns = t;
}

/* Moves the clock forward by ms. */
static void after(struct gen *g, uint64_t ms)
{
	g->now_ns += ms * NS_PER_MS;
}

static void emit(struct gen *g, const uint8_t *data, size_t len)
{
	struct pcap_pkthdr h;
	uint64_t ns = g->now_ns;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(T0_SEC + ns / 1000000000ULL);
	h.ts.tv_usec = (suseconds_t)(ns % 1000000000ULL); /* nanoseconds: see pcap_open_dead_with_tstamp_precision */
	h.caplen = (bpf_u_int32)len;
	h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)g->dump, &h, data);
	g->frames++;
	g->now_ns += FRAME_STEP_NS;
}

/* ---------------------------------------------------------------- builders */

struct buf {
	uint8_t b[2048];
	size_t n;
};

static void put8(struct buf *b, uint8_t v)
{
	if (b->n >= sizeof(b->b))
		die("frame too long");
	b->b[b->n++] = v;
}

static void put16(struct buf *b, uint16_t v)
{
	put8(b, (uint8_t)(v >> 8));
	put8(b, (uint8_t)v);
}

static void put32(struct buf *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b, (uint16_t)v);
}

static void putn(struct buf *b, const void *p, size_t n)
{
	const uint8_t *s = p;

	for (size_t i = 0; i < n; i++)
		put8(b, s[i]);
}

static void set16(struct buf *b, size_t off, uint16_t v)
{
	b->b[off] = (uint8_t)(v >> 8);
	b->b[off + 1] = (uint8_t)v;
}

static void parse_mac(const char *s, uint8_t out[6])
{
	unsigned m[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		die("bad MAC %s", s);
	for (int i = 0; i < 6; i++)
		out[i] = (uint8_t)m[i];
}

/* Returns 4 or 6. */
static int parse_ip(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, out) == 1)
		return 6;
	die("bad address %s", s);
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void eth_header(struct buf *b, const struct vl *v, const char *smac, const char *dmac, uint16_t type)
{
	uint8_t m[6];

	parse_mac(dmac, m);
	putn(b, m, 6);
	parse_mac(smac, m);
	putn(b, m, 6);
	for (int i = 0; i < v->n; i++) {
		put16(b, i == 0 ? v->outer_tpid : ETH_P_8021Q);
		put16(b, (uint16_t)((i == v->n - 1 ? v->pcp << 13 : 0) | (v->id[i] & 0x0fff)));
	}
	put16(b, type);
}

/* Pads to the 60-byte Ethernet minimum (no FCS), as a NIC would; decoders
 * must use the IP length, not the frame length. */
static void eth_pad(struct buf *b)
{
	while (b->n < 60)
		put8(b, 0);
}

/* Emits an IPv4/IPv6 packet around an L4 payload whose checksum field sits at
 * csum_off (-1: none), computing that checksum. */
static void emit_ip(struct gen *g, const struct vl *v, const char *smac, const char *dmac,
		    const char *sip, const char *dip, uint8_t proto, uint8_t ttl,
		    const uint8_t *l4, size_t l4len, int csum_off)
{
	static uint16_t ip_id = 0x1000;
	uint8_t s[16], d[16];
	int fam = parse_ip(sip, s);
	struct buf b = { .n = 0 };
	uint8_t seg[1600];
	uint32_t sum = 0;

	if (parse_ip(dip, d) != fam)
		die("mixed families %s %s", sip, dip);
	if (l4len > sizeof(seg))
		die("segment too long");
	memcpy(seg, l4, l4len);

	if (csum_off >= 0) {
		seg[csum_off] = seg[csum_off + 1] = 0;
		if (proto != IPP_ICMP) {
			uint8_t ph[40];
			size_t alen = fam == 4 ? 4 : 16;

			memset(ph, 0, sizeof(ph));
			sum = csum_add(sum, s, alen);
			sum = csum_add(sum, d, alen);
			if (fam == 4) {
				ph[0] = 0;
				ph[1] = proto;
				ph[2] = (uint8_t)(l4len >> 8);
				ph[3] = (uint8_t)l4len;
				sum = csum_add(sum, ph, 4);
			} else {
				ph[0] = (uint8_t)(l4len >> 24);
				ph[1] = (uint8_t)(l4len >> 16);
				ph[2] = (uint8_t)(l4len >> 8);
				ph[3] = (uint8_t)l4len;
				ph[7] = proto;
				sum = csum_add(sum, ph, 8);
			}
		}
		sum = csum_add(sum, seg, l4len);
		uint16_t c = csum_fold(sum);
		if (c == 0 && proto == IPP_UDP)
			c = 0xffff;
		seg[csum_off] = (uint8_t)(c >> 8);
		seg[csum_off + 1] = (uint8_t)c;
	}

	eth_header(&b, v, smac, dmac, fam == 4 ? ETH_P_IPV4 : ETH_P_IPV6);
	if (fam == 4) {
		size_t h = b.n;

		put8(&b, 0x45);
		put8(&b, 0);
		put16(&b, (uint16_t)(20 + l4len));
		put16(&b, ip_id++);
		put16(&b, 0x4000); /* DF */
		put8(&b, ttl);
		put8(&b, proto);
		put16(&b, 0);
		putn(&b, s, 4);
		putn(&b, d, 4);
		set16(&b, h + 10, csum_fold(csum_add(0, b.b + h, 20)));
	} else {
		put32(&b, 0x60000000);
		put16(&b, (uint16_t)l4len);
		put8(&b, proto);
		put8(&b, ttl);
		putn(&b, s, 16);
		putn(&b, d, 16);
	}
	putn(&b, seg, l4len);
	eth_pad(&b);
	emit(g, b.b, b.n);
}

/* ARP over Ethernet (RFC 826). op 1 request, 2 reply. */
static void arp(struct gen *g, const struct vl *v, uint16_t op, const char *eth_dst,
		const char *sha, const char *spa, const char *tha, const char *tpa)
{
	struct buf b = { .n = 0 };
	uint8_t m[6], a[16];

	eth_header(&b, v, sha, eth_dst, ETH_P_ARP);
	put16(&b, 1);
	put16(&b, ETH_P_IPV4);
	put8(&b, 6);
	put8(&b, 4);
	put16(&b, op);
	parse_mac(sha, m);
	putn(&b, m, 6);
	if (parse_ip(spa, a) != 4)
		die("ARP needs IPv4");
	putn(&b, a, 4);
	parse_mac(tha, m);
	putn(&b, m, 6);
	parse_ip(tpa, a);
	putn(&b, a, 4);
	eth_pad(&b);
	emit(g, b.b, b.n);
}

/* who-has tpa tell spa, then the answer from the owner. */
static void arp_exchange(struct gen *g, const struct vl *v, const char *asker_mac, const char *asker_ip,
			 const char *owner_mac, const char *owner_ip)
{
	arp(g, v, 1, BCAST, asker_mac, asker_ip, "00:00:00:00:00:00", owner_ip);
	arp(g, v, 2, asker_mac, owner_mac, owner_ip, asker_mac, asker_ip);
}

/* --------------------------------------------------------------------- TCP */

struct tcp_conn {
	const struct vl *v;
	struct ep c, s; /* client (initiator) and server */
	uint32_t cseq, sseq;
};

static struct tcp_conn tcp_conn(const struct vl *v, struct ep c, struct ep s)
{
	struct tcp_conn t = { .v = v, .c = c, .s = s };

	/* Deterministic, distinct initial sequence numbers. */
	t.cseq = 0x10000000u + (uint32_t)c.port * 7919u;
	t.sseq = 0x60000000u + (uint32_t)s.port * 104729u + (uint32_t)c.port;
	return t;
}

/* One segment from the client (from_client) or the server, advancing the
 * sender's sequence number by the payload (and SYN/FIN). */
static void tcp_seg(struct gen *g, struct tcp_conn *t, bool from_client, uint8_t flags,
		    const void *payload, size_t len)
{
	struct buf b = { .n = 0 };
	const struct ep *src = from_client ? &t->c : &t->s;
	const struct ep *dst = from_client ? &t->s : &t->c;
	uint32_t *seq = from_client ? &t->cseq : &t->sseq;
	uint32_t ack = from_client ? t->sseq : t->cseq;
	bool syn = flags & TH_SYN;

	put16(&b, src->port);
	put16(&b, dst->port);
	put32(&b, *seq);
	put32(&b, (flags & TH_ACK) ? ack : 0);
	put8(&b, (uint8_t)((syn ? 6 : 5) << 4));
	put8(&b, flags);
	put16(&b, syn ? 64240 : 502);
	put16(&b, 0); /* checksum */
	put16(&b, 0); /* urgent */
	if (syn) {
		put8(&b, 2); /* MSS */
		put8(&b, 4);
		put16(&b, 1460);
	}
	putn(&b, payload, len);
	emit_ip(g, t->v, src->mac, dst->mac, src->ip, dst->ip, IPP_TCP, from_client ? 64 : 63, b.b, b.n, 16);
	*seq += (uint32_t)len + (syn ? 1 : 0) + ((flags & TH_FIN) ? 1 : 0);
}

static void tcp_open(struct gen *g, struct tcp_conn *t)
{
	tcp_seg(g, t, true, TH_SYN, NULL, 0);
	tcp_seg(g, t, false, TH_SYN | TH_ACK, NULL, 0);
	tcp_seg(g, t, true, TH_ACK, NULL, 0);
}

/* Data from one side, acknowledged by the other. */
static void tcp_send(struct gen *g, struct tcp_conn *t, bool from_client, const void *data, size_t len)
{
	tcp_seg(g, t, from_client, TH_PSH | TH_ACK, data, len);
	tcp_seg(g, t, !from_client, TH_ACK, NULL, 0);
}

static void tcp_close(struct gen *g, struct tcp_conn *t)
{
	tcp_seg(g, t, true, TH_FIN | TH_ACK, NULL, 0);
	tcp_seg(g, t, false, TH_FIN | TH_ACK, NULL, 0);
	tcp_seg(g, t, true, TH_ACK, NULL, 0);
}

/* A filled payload of len bytes starting with a protocol-looking prefix (up
 * to its first NUL: only the shape of the bytes matters to the tests). */
static const uint8_t *fill(const char *prefix, size_t len)
{
	static uint8_t p[1500];
	size_t pl = strlen(prefix);

	if (len > sizeof(p))
		die("payload too long");
	for (size_t i = 0; i < len; i++)
		p[i] = i < pl ? (uint8_t)prefix[i] : (uint8_t)('a' + i % 26);
	return p;
}

static const char TLS_HELLO[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
static const char TLS_SHELLO[] = "\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03";

/* A complete HTTPS-looking exchange: handshake, request, response, close. */
static void tcp_session(struct gen *g, const struct vl *v, struct ep c, struct ep s,
			const char *req, size_t req_len, const char *resp, size_t resp_len)
{
	struct tcp_conn t = tcp_conn(v, c, s);

	tcp_open(g, &t);
	tcp_send(g, &t, true, fill(req, req_len), req_len);
	tcp_send(g, &t, false, fill(resp, resp_len), resp_len);
	tcp_close(g, &t);
}

static void https(struct gen *g, const struct vl *v, struct ep c, struct ep s)
{
	tcp_session(g, v, c, s, TLS_HELLO, 517, TLS_SHELLO, 1200);
}

/* An SMTP delivery, shortened: banner, EHLO, MAIL/RCPT/DATA in one go, QUIT. */
static void smtp(struct gen *g, const struct vl *v, struct ep c, struct ep s)
{
	static const char banner[] = "220 mx ESMTP\r\n";
	static const char ehlo[] = "EHLO client\r\n";
	static const char ok[] = "250 OK\r\n";
	static const char mail[] = "MAIL FROM:<a@example.jp>\r\nRCPT TO:<b@city.lg.jp>\r\nDATA\r\n"
				   "Subject: test\r\n\r\nhello\r\n.\r\nQUIT\r\n";
	static const char bye[] = "250 queued\r\n221 bye\r\n";
	struct tcp_conn t = tcp_conn(v, c, s);

	tcp_open(g, &t);
	tcp_send(g, &t, false, banner, strlen(banner));
	tcp_send(g, &t, true, ehlo, strlen(ehlo));
	tcp_send(g, &t, false, ok, strlen(ok));
	tcp_send(g, &t, true, mail, strlen(mail));
	tcp_send(g, &t, false, bye, strlen(bye));
	tcp_close(g, &t);
}

/* A SYN and its retransmissions (after 1 s, then 2 s more), never answered. */
static void tcp_syn_unanswered(struct gen *g, const struct vl *v, struct ep c, struct ep s, int tries)
{
	for (int i = 0; i < tries; i++) {
		struct tcp_conn t = tcp_conn(v, c, s);

		if (i)
			after(g, 1000u << (i - 1));
		tcp_seg(g, &t, true, TH_SYN, NULL, 0);
	}
}

/* A SYN answered by RST (port closed). */
static void tcp_syn_refused(struct gen *g, const struct vl *v, struct ep c, struct ep s)
{
	struct tcp_conn t = tcp_conn(v, c, s);

	tcp_seg(g, &t, true, TH_SYN, NULL, 0);
	tcp_seg(g, &t, false, TH_RST | TH_ACK, NULL, 0);
}

/* --------------------------------------------------------------- UDP, ICMP */

static void udp(struct gen *g, const struct vl *v, struct ep a, struct ep b, const void *payload, size_t len)
{
	struct buf s = { .n = 0 };

	put16(&s, a.port);
	put16(&s, b.port);
	put16(&s, (uint16_t)(8 + len));
	put16(&s, 0);
	putn(&s, payload, len);
	emit_ip(g, v, a.mac, b.mac, a.ip, b.ip, IPP_UDP, 64, s.b, s.n, 6);
}

/* A DNS message (RFC 1035) for name/A: a query, or the answer with addr. */
static size_t dns_msg(uint8_t *out, size_t cap, uint16_t id, const char *name, const char *addr)
{
	struct buf b = { .n = 0 };
	const char *p = name;

	put16(&b, id);
	put16(&b, addr ? 0x8180 : 0x0100);
	put16(&b, 1);
	put16(&b, addr ? 1 : 0);
	put16(&b, 0);
	put16(&b, 0);
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		put8(&b, (uint8_t)l);
		putn(&b, p, l);
		p += l + (dot ? 1 : 0);
	}
	put8(&b, 0);
	put16(&b, 1); /* A */
	put16(&b, 1); /* IN */
	if (addr) {
		uint8_t a[16];

		put16(&b, 0xc00c);
		put16(&b, 1);
		put16(&b, 1);
		put32(&b, 300);
		put16(&b, 4);
		parse_ip(addr, a);
		putn(&b, a, 4);
	}
	if (b.n > cap)
		die("DNS message too long");
	memcpy(out, b.b, b.n);
	return b.n;
}

static void dns_lookup(struct gen *g, const struct vl *v, struct ep client, struct ep server,
		       uint16_t id, const char *name, const char *answer)
{
	uint8_t m[512];
	size_t n;

	n = dns_msg(m, sizeof(m), id, name, NULL);
	udp(g, v, client, server, m, n);
	n = dns_msg(m, sizeof(m), id, name, answer);
	udp(g, v, server, client, m, n);
}

/* ICMP echo request (and reply when `answered`), IPv4 or IPv6. */
static void ping(struct gen *g, const struct vl *v, struct ep a, struct ep b, uint16_t id, uint16_t seq,
		 bool answered)
{
	uint8_t addr[16];
	bool v6 = parse_ip(a.ip, addr) == 6;

	for (int dir = 0; dir < (answered ? 2 : 1); dir++) {
		struct buf s = { .n = 0 };
		const struct ep *src = dir ? &b : &a;
		const struct ep *dst = dir ? &a : &b;

		if (v6)
			put8(&s, dir ? 129 : 128);
		else
			put8(&s, dir ? 0 : 8);
		put8(&s, 0);
		put16(&s, 0);
		put16(&s, id);
		put16(&s, seq);
		putn(&s, fill("sanso-ping", 32), 32);
		emit_ip(g, v, src->mac, dst->mac, src->ip, dst->ip, v6 ? IPP_ICMPV6 : IPP_ICMP, 64, s.b, s.n, 2);
	}
}

/* IPv6 neighbour solicitation for target from src (RFC 4861), to the
 * solicited-node multicast group, and the unicast advertisement back. */
static void nd_exchange(struct gen *g, const struct vl *v, const char *smac, const char *sip,
			const char *tmac, const char *tip)
{
	uint8_t t[16], m[6];
	char group[64], gmac[24];
	struct buf s = { .n = 0 };

	parse_ip(tip, t);
	snprintf(group, sizeof(group), "ff02::1:ff%02x:%02x%02x", t[13], t[14], t[15]);
	snprintf(gmac, sizeof(gmac), "33:33:ff:%02x:%02x:%02x", t[13], t[14], t[15]);

	put8(&s, 135);
	put8(&s, 0);
	put16(&s, 0);
	put32(&s, 0);
	putn(&s, t, 16);
	put8(&s, 1); /* source link-layer address */
	put8(&s, 1);
	parse_mac(smac, m);
	putn(&s, m, 6);
	emit_ip(g, v, smac, gmac, sip, group, IPP_ICMPV6, 255, s.b, s.n, 2);

	s.n = 0;
	put8(&s, 136);
	put8(&s, 0);
	put16(&s, 0);
	put32(&s, 0x60000000); /* solicited, override */
	putn(&s, t, 16);
	put8(&s, 2); /* target link-layer address */
	put8(&s, 1);
	parse_mac(tmac, m);
	putn(&s, m, 6);
	emit_ip(g, v, tmac, smac, tip, sip, IPP_ICMPV6, 255, s.b, s.n, 2);
}

/* DHCP discover from 0.0.0.0 to the limited broadcast (RFC 2131), shortened. */
static void dhcp_discover(struct gen *g, const struct vl *v, const char *mac)
{
	uint8_t p[244];
	uint8_t m[6];

	memset(p, 0, sizeof(p));
	p[0] = 1; /* BOOTREQUEST */
	p[1] = 1;
	p[2] = 6;
	p[4] = 0x5a;
	p[5] = 0x5a;
	p[10] = 0x80; /* broadcast flag */
	parse_mac(mac, m);
	memcpy(p + 28, m, 6);
	p[236] = 99; /* magic cookie */
	p[237] = 130;
	p[238] = 83;
	p[239] = 99;
	p[240] = 53; /* DHCP message type: discover */
	p[241] = 1;
	p[242] = 1;
	p[243] = 255;
	udp(g, v, (struct ep){ mac, "0.0.0.0", 68 }, (struct ep){ BCAST, "255.255.255.255", 67 }, p, sizeof(p));
}

/* An LLDP frame (IEEE 802.1AB) from a switch: no IP, no ARP. */
static void lldp(struct gen *g, const struct vl *v, const char *mac)
{
	struct buf b = { .n = 0 };
	uint8_t m[6];

	eth_header(&b, v, mac, "01:80:c2:00:00:0e", ETH_P_LLDP);
	parse_mac(mac, m);
	put16(&b, (1 << 9) | 7); /* chassis id: MAC */
	put8(&b, 4);
	putn(&b, m, 6);
	put16(&b, (2 << 9) | 7); /* port id: MAC */
	put8(&b, 3);
	putn(&b, m, 6);
	put16(&b, (3 << 9) | 2); /* TTL */
	put16(&b, 120);
	put16(&b, 0); /* end */
	eth_pad(&b);
	emit(g, b.b, b.n);
}

/* --------------------------------------------------------------- scenarios */

/* Shorthands for the declared hosts of the bundled example and the scenario
 * topologies (the YAML files in tests/data/e2e/ use the same numbering). */
#define EP(mac, ip, port) ((struct ep){ (mac), (ip), (port) })

/*
 * The bundled example (docs/examples/site.yaml).  `violations` false gives the
 * `clean` scenario: the same day at the same times without the episodes
 * marked VIOLATION, which must audit to zero findings.
 */
static void example(struct gen *g, bool violations)
{
	/* --- mynumber (VLAN 10) --- */
	at(g, 0);
	arp_exchange(g, &V10, MN_PC1, "10.10.1.1", GW_MN, "10.10.0.1");
	at(g, 500); /* 住民記録: terminal → server, intra-zone */
	https(g, &V10, EP(MN_PC1, "10.10.1.1", 51000), EP(MN_SRV1, "10.10.2.1", 443));
	at(g, 1000); /* IPv6 intra-zone, with neighbour discovery from global addresses */
	nd_exchange(g, &V10, MN_PC2, "fd00:10::1:2", MN_SRV1, "fd00:10::2:1");
	https(g, &V10, EP(MN_PC2, "fd00:10::1:2", 52000), EP(MN_SRV1, "fd00:10::2:1", 443));
	at(g, 1500); /* 税: terminal → server */
	https(g, &V10, EP(MN_PC2, "10.10.1.2", 52010), EP(MN_SRV2, "10.10.2.2", 443));
	at(g, 2000);
	ping(g, &V10, EP(MN_PC1, "10.10.1.1", 0), EP(MN_SRV1, "10.10.2.1", 0), 0x0101, 1, true);
	at(g, 2500); /* the declared exception, used exactly as declared */
	https(g, &V10, EP(MN_SRV1, "10.10.2.1", 49700), EP(GW_MN, "203.0.113.5", 443));

	/* --- lgwan (VLAN 20) --- */
	at(g, 3000);
	arp_exchange(g, &V20, LG_PC1, "10.20.1.1", LG_SRV1, "10.20.2.1");
	https(g, &V20, EP(LG_PC1, "10.20.1.1", 53000), EP(LG_SRV1, "10.20.2.1", 443));
	at(g, 3500);
	https(g, &V20, EP(LG_PC2, "10.20.1.2", 53010), EP(LG_SRV1, "10.20.2.1", 443));
	https(g, &V20, EP(LG_PC3, "10.20.1.3", 53020), EP(LG_SRV1, "10.20.2.1", 443));
	at(g, 4000); /* SSDP to a multicast group: stays on the link */
	udp(g, &V20, EP(LG_PC1, "10.20.1.1", 50000), EP("01:00:5e:7f:ff:fa", "239.255.255.250", 1900),
	    fill("M-SEARCH * HTTP/1.1\r\n", 120), 120);
	at(g, 4500); /* screen transfer: LGWAN terminal → virtual browser (RDP) */
	tcp_session(g, &V20, EP(LG_PC1, "10.20.1.1", 53100), EP(GW_LG, "10.30.3.1", 3389),
		    "\x03\x00\x00\x13\x0e\xe0", 19, "\x03\x00\x00\x13\x0e\xd0", 19);
	at(g, 5000); /* file sanitizer: LGWAN terminal downloads the sanitized file */
	https(g, &V20, EP(LG_PC2, "10.20.1.2", 53110), EP(GW_LG, "10.30.2.20", 443));

	/* --- internet (VLAN 30) and mail --- */
	at(g, 5500); /* mail from the Internet to the Internet MTA (service flow) */
	smtp(g, &V30, EP(GW_IN, "192.0.2.25", 41000), EP(IN_MTA, "10.30.2.1", 25));
	at(g, 6000); /* mail leg 1: Internet MTA → sanitizer (same zone) */
	smtp(g, &V30, EP(IN_MTA, "10.30.2.1", 41100), EP(IN_MSAN, "10.30.2.10", 25));
	at(g, 6500); /* mail leg 2: sanitizer pushes text mail into LGWAN */
	smtp(g, &V30, EP(IN_MSAN, "10.30.2.10", 41200), EP(GW_IN, "10.20.2.2", 25));
	at(g, 7000); /* LGWAN MTA → LGWAN backbone: same tier */
	smtp(g, &V20, EP(LG_MTA, "10.20.2.2", 41300), EP(GW_LG, "198.51.100.25", 25));
	at(g, 7500); /* DNS: virtual browser → resolver → the Internet */
	dns_lookup(g, &V30, EP(IN_VB1, "10.30.3.1", 40000), EP(IN_DNS, "10.30.2.53", 53), 0x4a01,
		   "www.example.com", "93.184.216.34");
	dns_lookup(g, &V30, EP(IN_DNS, "10.30.2.53", 40001), EP(GW_IN, "192.0.2.53", 53), 0x4a02,
		   "www.example.com", "93.184.216.34");
	at(g, 8000); /* browsing from the virtual browser */
	https(g, &V30, EP(IN_VB1, "10.30.3.1", 40010), EP(GW_IN, "93.184.216.34", 443));
	at(g, 8500); /* the published web server (service flow) */
	https(g, &V30, EP(GW_IN, "192.0.2.80", 52000), EP(IN_WEB, "10.30.4.1", 443));

	if (!violations)
		return;

	at(g, 9000); /* VIOLATION DUAL-HOMED: lg-pc-02's MAC with an internet-zone address */
	https(g, &V30, EP(LG_PC2, "10.30.1.99", 40020), EP(GW_IN, "93.184.216.34", 443));
	at(g, 10000); /* VIOLATION MYNUMBER-INTERNET */
	https(g, &V10, EP(MN_PC1, "10.10.1.1", 51514), EP(GW_MN, "93.184.216.34", 443));
	at(g, 11000); /* VIOLATION MYNUMBER-ISOLATION: mynumber terminal → LGWAN file share */
	tcp_session(g, &V10, EP(MN_PC1, "10.10.1.1", 51520), EP(GW_MN, "10.20.2.1", 445),
		    "\x00\x00\x00\x45\xfeSMB", 73, "\x00\x00\x00\x41\xfeSMB", 69);
	at(g, 12000); /* VIOLATION EXCEPTION-MISMATCH + ADDRESS-SPOOF: mn-srv-01's IP from mn-pc-02's MAC */
	https(g, &V10, EP(MN_PC2, "10.10.2.1", 49800), EP(GW_MN, "203.0.113.5", 443));
	at(g, 13000); /* VIOLATION REMOTE-TO-MYNUMBER: VPN pool → mynumber server (RDP) */
	tcp_session(g, &V10, EP(GW_MN, "172.31.99.20", 50123), EP(MN_SRV1, "10.10.2.1", 3389),
		    "\x03\x00\x00\x13\x0e\xe0", 19, "\x03\x00\x00\x13\x0e\xd0", 19);
	at(g, 14000); /* VIOLATION SANITIZER-BYPASS: Internet MTA straight into the LGWAN MTA */
	smtp(g, &V30, EP(IN_MTA, "10.30.2.1", 40025), EP(GW_IN, "10.20.2.2", 25));
	at(g, 15000); /* VIOLATION LGWAN-INTERNET: web server probes LGWAN NetBIOS, dropped */
	tcp_syn_unanswered(g, &V30, EP(IN_WEB, "10.30.4.1", 44139), EP(GW_IN, "10.20.2.1", 139), 3);
	at(g, 19000); /* VIOLATION INBOUND-FROM-INTERNET: SSH from the Internet to the web server */
	tcp_session(g, &V30, EP(GW_IN, "192.0.2.77", 50022), EP(IN_WEB, "10.30.4.1", 22),
		    "SSH-2.0-OpenSSH_9.6\r\n", 21, "SSH-2.0-OpenSSH_9.2p1\r\n", 23);
	at(g, 20000); /* VIOLATION ADDRESS-SPOOF + UNKNOWN-DEVICE: gratuitous ARP for lg-srv-01's IP */
	arp(g, &V20, 2, BCAST, ROGUE_LG, "10.20.2.1", BCAST, "10.20.2.1");
	at(g, 21000); /* VIOLATION VLAN-MISMATCH: lg-pc-03 on the internet VLAN */
	arp(g, &V30, 1, BCAST, LG_PC3, "10.20.1.3", "00:00:00:00:00:00", "10.20.0.1");
	at(g, 22000); /* VIOLATION UNKNOWN-DEVICE: a rogue station in the mynumber segment */
	arp_exchange(g, &V10, ROGUE_MN, "10.10.9.50", MN_SRV1, "10.10.2.1");
	ping(g, &V10, EP(ROGUE_MN, "10.10.9.50", 0), EP(MN_SRV1, "10.10.2.1", 0), 0x0202, 1, true);
}

static void sc_example(struct gen *g)
{
	example(g, true);
}

static void sc_clean(struct gen *g)
{
	example(g, false);
}

/* MYNUMBER-INTERNET, both directions, TCP/ICMP, IPv4/IPv6. */
static void sc_mynumber_internet(struct gen *g)
{
	at(g, 0); /* near-miss: intra-zone */
	https(g, &V10, EP(MN_PC1, "10.10.1.1", 51000), EP(MN_SRV1, "10.10.2.1", 443));
	at(g, 500); /* near-miss: DHCP discover (unspecified → broadcast), mDNS (multicast) */
	dhcp_discover(g, &V10, MN_PC2);
	udp(g, &V10, EP(MN_PC1, "10.10.1.1", 5353), EP("01:00:5e:00:00:fb", "224.0.0.251", 5353),
	    fill("\x00\x00\x00\x00\x00\x01", 40), 40);
	at(g, 1000); /* near-miss: internet zone → the Internet, same tier */
	https(g, &V30, EP(IN_PC1, "10.30.1.1", 40000), EP(GW_IN, "93.184.216.34", 443));
	at(g, 2000); /* FINDING: mynumber → the Internet, established */
	https(g, &V10, EP(MN_PC1, "10.10.1.1", 51514), EP(GW_MN, "93.184.216.34", 443));
	at(g, 3000); /* FINDING: IPv6 mynumber → the Internet */
	tcp_session(g, &V10, EP(MN_PC1, "fd00:10::1:1", 51600), EP(GW_MN, "2001:db8::80", 80),
		    "GET / HTTP/1.1\r\n", 80, "HTTP/1.1 200 OK\r\n", 300);
	at(g, 4000); /* FINDING: ping to the Internet */
	ping(g, &V10, EP(MN_PC1, "10.10.1.1", 0), EP(GW_MN, "192.0.2.1", 0), 0x0303, 1, true);
	at(g, 5000); /* FINDING: internet zone → mynumber server, unanswered SYN */
	tcp_syn_unanswered(g, &V30, EP(IN_PC1, "10.30.1.1", 40100), EP(GW_IN, "10.10.2.1", 443), 2);
	at(g, 8000); /* FINDING: the Internet → mynumber server (MYNUMBER-INTERNET, not INBOUND) */
	tcp_syn_refused(g, &V10, EP(GW_MN, "192.0.2.66", 50200), EP(MN_SRV1, "10.10.2.1", 22));
}

/* MYNUMBER-ISOLATION: crossings to the lgwan side that no exception permits. */
static void sc_mynumber_isolation(struct gen *g)
{
	at(g, 0); /* near-miss: the exception exactly as declared */
	https(g, &V10, EP(MN_SRV1, "10.10.2.1", 49700), EP(GW_MN, "203.0.113.5", 443));
	at(g, 500); /* near-miss: lgwan → LGWAN backbone, intra-mynumber */
	https(g, &V20, EP(LG_PC1, "10.20.1.1", 53000), EP(GW_LG, "198.51.100.10", 443));
	https(g, &V10, EP(MN_PC1, "10.10.1.1", 51000), EP(MN_SRV1, "10.10.2.1", 443));
	at(g, 1000); /* FINDING: mynumber terminal → lgwan file server */
	tcp_session(g, &V10, EP(MN_PC1, "10.10.1.1", 51520), EP(GW_MN, "10.20.2.1", 445),
		    "\x00\x00\x00\x45\xfeSMB", 73, "\x00\x00\x00\x41\xfeSMB", 69);
	at(g, 1500); /* FINDING: the same connection routed onto VLAN 20 (the trunk carries
		      * both sides): connections are keyed on VLAN, so a second finding */
	tcp_session(g, &V20, EP(GW_LG, "10.10.1.1", 51520), EP(LG_SRV1, "10.20.2.1", 445),
		    "\x00\x00\x00\x45\xfeSMB", 73, "\x00\x00\x00\x41\xfeSMB", 69);
	at(g, 2000); /* FINDING: lgwan terminal → mynumber server, unanswered */
	tcp_syn_unanswered(g, &V20, EP(LG_PC1, "10.20.1.1", 53300), EP(GW_LG, "10.10.2.1", 3389), 2);
	at(g, 5000); /* FINDING: mynumber terminal → LGWAN backbone */
	https(g, &V10, EP(MN_PC1, "10.10.1.1", 51530), EP(GW_MN, "198.51.100.10", 443));
	at(g, 6000); /* FINDING: another mynumber host to the exception's far side (not the exception's IPs) */
	https(g, &V10, EP(MN_PC1, "10.10.1.1", 51540), EP(GW_MN, "203.0.113.5", 443));
	at(g, 7000); /* FINDING: NTP, first packet seen is the server's reply; initiator by port */
	udp(g, &V10, EP(GW_MN, "10.20.2.123", 123), EP(MN_SRV1, "10.10.2.1", 40123), fill("\x24\x02", 48), 48);
	udp(g, &V10, EP(MN_SRV1, "10.10.2.1", 40123), EP(GW_MN, "10.20.2.123", 123), fill("\x23\x00", 48), 48);
	udp(g, &V10, EP(GW_MN, "10.20.2.123", 123), EP(MN_SRV1, "10.10.2.1", 40123), fill("\x24\x02", 48), 48);
}

/* EXCEPTION-MISMATCH: the exception's endpoints with the wrong port, proto,
 * direction or MAC. */
static void sc_exception_mismatch(struct gen *g)
{
	at(g, 0); /* near-miss: exactly as declared */
	https(g, &V10, EP(MN_SRV1, "10.10.2.1", 49700), EP(GW_MN, "203.0.113.5", 443));
	at(g, 500); /* near-miss: another address of the declared external */
	https(g, &V10, EP(MN_SRV1, "10.10.2.1", 49710), EP(GW_MN, "203.0.113.9", 443));
	at(g, 1000); /* FINDING: wrong port */
	https(g, &V10, EP(MN_SRV1, "10.10.2.1", 49720), EP(GW_MN, "203.0.113.5", 8443));
	at(g, 2000); /* FINDING: wrong proto (QUIC on udp/443) */
	udp(g, &V10, EP(MN_SRV1, "10.10.2.1", 49730), EP(GW_MN, "203.0.113.5", 443), fill("\xc3\x00\x00\x00\x01", 1200),
	    1200);
	udp(g, &V10, EP(GW_MN, "203.0.113.5", 443), EP(MN_SRV1, "10.10.2.1", 49730), fill("\xc3\x00\x00\x00\x01", 200),
	    200);
	at(g, 3000); /* FINDING: wrong direction (j-lis opens towards the server) */
	https(g, &V10, EP(GW_MN, "203.0.113.5", 50000), EP(MN_SRV1, "10.10.2.1", 443));
	at(g, 4000); /* FINDING: right IP, wrong MAC (also ADDRESS-SPOOF of the rogue MAC) */
	https(g, &V10, EP(ROGUE_MN2, "10.10.2.1", 49740), EP(GW_MN, "203.0.113.5", 443));
}

/* REMOTE-TO-MYNUMBER, and what the remote pool may and may not do otherwise. */
static void sc_remote_to_mynumber(struct gen *g)
{
	at(g, 0); /* near-miss: VPN pool → LGWAN groupware, declared service */
	https(g, &V20, EP(GW_LG, "172.31.99.20", 50100), EP(LG_SRV1, "10.20.2.1", 443));
	at(g, 1000); /* FINDING: VPN pool → mynumber server */
	tcp_session(g, &V10, EP(GW_MN, "172.31.99.20", 50123), EP(MN_SRV1, "10.10.2.1", 3389),
		    "\x03\x00\x00\x13\x0e\xe0", 19, "\x03\x00\x00\x13\x0e\xd0", 19);
	at(g, 2000); /* FINDING: mynumber terminal → VPN pool, unanswered */
	tcp_syn_unanswered(g, &V10, EP(MN_PC1, "10.10.1.1", 51700), EP(GW_MN, "172.31.99.21", 22), 1);
	at(g, 3000); /* FINDING (UNDECLARED-CROSSING): VPN pool → LGWAN server, undeclared port */
	tcp_syn_refused(g, &V20, EP(GW_LG, "172.31.99.20", 50110), EP(LG_SRV1, "10.20.2.1", 22));
}

/* LGWAN-INTERNET in model alpha. */
static void sc_lgwan_internet(struct gen *g)
{
	at(g, 0); /* near-miss: screen transfer as declared */
	tcp_session(g, &V20, EP(LG_PC1, "10.20.1.1", 53100), EP(GW_LG, "10.30.3.1", 3389),
		    "\x03\x00\x00\x13\x0e\xe0", 19, "\x03\x00\x00\x13\x0e\xd0", 19);
	at(g, 500); /* near-miss: lgwan → LGWAN backbone; internet zone → the Internet */
	https(g, &V20, EP(LG_PC1, "10.20.1.1", 53110), EP(GW_LG, "198.51.100.10", 443));
	https(g, &V30, EP(IN_PC1, "10.30.1.1", 40000), EP(GW_IN, "93.184.216.34", 443));
	at(g, 1000); /* FINDING: LGWAN terminal browses the Internet directly */
	https(g, &V20, EP(LG_PC1, "10.20.1.1", 53120), EP(GW_LG, "93.184.216.34", 443));
	at(g, 2000); /* FINDING: internet-zone PC → LGWAN server, dropped */
	tcp_syn_unanswered(g, &V30, EP(IN_PC1, "10.30.1.1", 40139), EP(GW_IN, "10.20.2.1", 139), 2);
	at(g, 5000); /* FINDING: internet zone → LGWAN backbone */
	https(g, &V30, EP(IN_PC1, "10.30.1.1", 40150), EP(GW_IN, "198.51.100.10", 443));
	at(g, 6000); /* FINDING: screen-transfer endpoints, forbidden side channel port (Horizon MMR) */
	tcp_session(g, &V20, EP(LG_PC1, "10.20.1.1", 53130), EP(GW_LG, "10.30.3.1", 9427), "MMR", 64, "MMR", 64);
	at(g, 7000); /* FINDING: LGWAN terminal asks an Internet resolver directly */
	dns_lookup(g, &V20, EP(LG_PC1, "10.20.1.1", 53140), EP(GW_LG, "192.0.2.53", 53), 0x5b01,
		   "www.example.com", "93.184.216.34");
}

/* SANITIZER-BYPASS: mail and files that avoid the sanitizer, sanitizer and
 * screen flows used backwards. */
static void sc_sanitizer_bypass(struct gen *g)
{
	at(g, 0); /* near-miss: both mail legs via the sanitizer */
	smtp(g, &V30, EP(IN_MTA, "10.30.2.1", 41100), EP(IN_MSAN, "10.30.2.10", 25));
	smtp(g, &V30, EP(IN_MSAN, "10.30.2.10", 41200), EP(GW_IN, "10.20.2.2", 25));
	at(g, 1000); /* near-miss: file download from the sanitizer; screen transfer; LGWAN mail out */
	https(g, &V20, EP(LG_PC1, "10.20.1.1", 53110), EP(GW_LG, "10.30.2.20", 443));
	tcp_session(g, &V20, EP(LG_PC1, "10.20.1.1", 53100), EP(GW_LG, "10.30.3.1", 3389),
		    "\x03\x00\x00\x13\x0e\xe0", 19, "\x03\x00\x00\x13\x0e\xd0", 19);
	smtp(g, &V20, EP(LG_MTA, "10.20.2.2", 41300), EP(GW_LG, "198.51.100.25", 25));
	at(g, 2000); /* FINDING: Internet MTA delivers straight to the LGWAN MTA */
	smtp(g, &V30, EP(IN_MTA, "10.30.2.1", 40025), EP(GW_IN, "10.20.2.2", 25));
	at(g, 3000); /* FINDING: mail leg 2 backwards (LGWAN MTA → sanitizer) */
	smtp(g, &V20, EP(LG_MTA, "10.20.2.2", 40026), EP(GW_LG, "10.30.2.10", 25));
	at(g, 4000); /* FINDING: screen transfer backwards (virtual browser → LGWAN terminal) */
	tcp_session(g, &V30, EP(IN_VB1, "10.30.3.1", 40027), EP(GW_IN, "10.20.1.1", 3389),
		    "\x03\x00\x00\x13\x0e\xe0", 19, "\x03\x00\x00\x13\x0e\xd0", 19);
	at(g, 5000); /* FINDING: internet-zone PC → LGWAN server on the file-cdr port */
	https(g, &V30, EP(IN_PC1, "10.30.1.1", 40028), EP(GW_IN, "10.20.2.1", 443));
	at(g, 6000); /* FINDING: the sanitizer's IP from another MAC (also ADDRESS-SPOOF) */
	smtp(g, &V30, EP(ROGUE_IN, "10.30.2.10", 40029), EP(GW_IN, "10.20.2.2", 25));
	at(g, 7000); /* FINDING (LGWAN-INTERNET, not SANITIZER-BYPASS): submission port, no sanitizer path */
	tcp_syn_refused(g, &V30, EP(IN_MTA, "10.30.2.1", 40030), EP(GW_IN, "10.20.2.2", 587));
}

/* INBOUND-FROM-INTERNET: connections opened from the Internet. */
static void sc_inbound_from_internet(struct gen *g)
{
	at(g, 0); /* near-miss: the published web server */
	https(g, &V30, EP(GW_IN, "192.0.2.80", 52000), EP(IN_WEB, "10.30.4.1", 443));
	at(g, 500); /* near-miss: the web server fetching updates; a PC browsing */
	https(g, &V30, EP(IN_WEB, "10.30.4.1", 40200), EP(GW_IN, "192.0.2.80", 443));
	https(g, &V30, EP(IN_PC1, "10.30.1.1", 40210), EP(GW_IN, "93.184.216.34", 443));
	at(g, 1000); /* FINDING: SSH into the web server */
	tcp_session(g, &V30, EP(GW_IN, "192.0.2.77", 50022), EP(IN_WEB, "10.30.4.1", 22),
		    "SSH-2.0-OpenSSH_9.6\r\n", 21, "SSH-2.0-OpenSSH_9.2p1\r\n", 23);
	at(g, 2000); /* FINDING: RDP probe to a PC, dropped */
	tcp_syn_unanswered(g, &V30, EP(GW_IN, "192.0.2.77", 50023), EP(IN_PC1, "10.30.1.1", 3389), 1);
	at(g, 3000); /* FINDING: into the other zone */
	tcp_syn_refused(g, &V40, EP(GW_OT, "192.0.2.77", 50024), EP(OT_SRV1, "10.40.2.1", 445));
	at(g, 4000); /* FINDING: SNMP to the web server (udp, not the service's proto) */
	udp(g, &V30, EP(GW_IN, "192.0.2.77", 50025), EP(IN_WEB, "10.30.4.1", 161), fill("\x30\x26\x02\x01\x01", 40), 40);
	udp(g, &V30, EP(IN_WEB, "10.30.4.1", 161), EP(GW_IN, "192.0.2.77", 50025), fill("\x30\x2a\x02\x01\x01", 44), 44);
	at(g, 5000); /* FINDING: capture starts after the SYN; the initiator comes from the port */
	{
		struct tcp_conn t = tcp_conn(&V30, EP(GW_IN, "192.0.2.78", 50500), EP(IN_WEB, "10.30.4.1", 22));

		t.cseq++; /* the SYN happened before the capture */
		tcp_seg(g, &t, false, TH_SYN | TH_ACK, NULL, 0);
		tcp_seg(g, &t, true, TH_ACK, NULL, 0);
		tcp_send(g, &t, false, "SSH-2.0-OpenSSH_9.2p1\r\n", 23);
		tcp_send(g, &t, true, "SSH-2.0-Go\r\n", 12);
	}
}

/* UNDECLARED-CROSSING: zones of kind other and remote-access pools. */
static void sc_undeclared_crossing(struct gen *g)
{
	at(g, 0); /* near-miss: lgwan → 内部情報系 groupware as declared; intra-other */
	https(g, &V20, EP(LG_PC1, "10.20.1.1", 53000), EP(GW_LG, "10.40.2.1", 443));
	https(g, &V40, EP(OT_PC1, "10.40.1.1", 54000), EP(OT_SRV1, "10.40.2.1", 443));
	at(g, 1000); /* FINDING: same endpoints, undeclared port */
	tcp_session(g, &V20, EP(LG_PC1, "10.20.1.1", 53010), EP(GW_LG, "10.40.2.1", 22), "SSH-2.0-x\r\n", 11,
		    "SSH-2.0-y\r\n", 11);
	at(g, 2000); /* FINDING: the declared flow backwards */
	tcp_syn_refused(g, &V40, EP(OT_SRV1, "10.40.2.1", 54010), EP(GW_OT, "10.20.1.1", 445));
	at(g, 3000); /* FINDING: other zone → internet zone */
	https(g, &V40, EP(OT_PC1, "10.40.1.1", 54020), EP(GW_OT, "10.30.1.1", 8080));
	at(g, 4000); /* FINDING: other zone → the Internet */
	https(g, &V40, EP(OT_PC1, "10.40.1.1", 54030), EP(GW_OT, "93.184.216.34", 443));
	at(g, 5000); /* FINDING: VPN pool → LGWAN server, no flow */
	https(g, &V20, EP(GW_LG, "172.31.99.20", 50130), EP(LG_SRV1, "10.20.2.1", 443));
	at(g, 6000); /* near-miss: mid-stream on the declared port 8443, the server's packet first:
		      * the declared service port, not the lower port (2000), marks the server */
	{
		struct tcp_conn t = tcp_conn(&V20, EP(LG_PC1, "10.20.1.1", 2000), EP(GW_LG, "10.40.2.1", 8443));

		tcp_send(g, &t, false, "sync-data", 9);
		tcp_send(g, &t, true, "sync-ack", 8);
		tcp_close(g, &t);
	}
	at(g, 7000); /* FINDING: UDP between high ports, the lower port's packet first: the
		      * lower port marks the server, so other → lgwan */
	udp(g, &V20, EP(LG_PC1, "10.20.1.1", 3000), EP(GW_LG, "10.40.1.1", 40000), fill("reply", 32), 32);
	udp(g, &V20, EP(GW_LG, "10.40.1.1", 40000), EP(LG_PC1, "10.20.1.1", 3000), fill("query", 32), 32);
	udp(g, &V20, EP(LG_PC1, "10.20.1.1", 3000), EP(GW_LG, "10.40.1.1", 40000), fill("reply", 32), 32);
}

/* DUAL-HOMED: one MAC, addresses in two zones. */
static void sc_dual_homed(struct gen *g)
{
	at(g, 0); /* near-miss: the gateway answers ARP in every zone and routes */
	arp_exchange(g, &V10, MN_PC1, "10.10.1.1", GW_MN, "10.10.0.1");
	arp_exchange(g, &V20, LG_PC1, "10.20.1.1", GW_LG, "10.20.0.1");
	arp_exchange(g, &V30, IN_PC1, "10.30.1.1", GW_IN, "10.30.0.1");
	https(g, &V30, EP(IN_PC1, "10.30.1.1", 40000), EP(GW_IN, "93.184.216.34", 443));
	at(g, 500); /* near-miss: a secondary address in the same zone */
	https(g, &V20, EP(LG_PC1, "10.20.1.11", 53000), EP(LG_SRV1, "10.20.2.1", 443));
	at(g, 1000); /* near-miss: link-local and unspecified sources with a zone address */
	dhcp_discover(g, &V20, LG_PC3);
	nd_exchange(g, &V20, LG_PC3, "fe80::3", LG_SRV1, "fe80::201");
	https(g, &V20, EP(LG_PC3, "10.20.1.3", 53010), EP(LG_SRV1, "10.20.2.1", 443));
	at(g, 2000); /* FINDING: lg-pc-02 in lgwan and, on the internet VLAN, in internet */
	https(g, &V20, EP(LG_PC2, "10.20.1.2", 53020), EP(LG_SRV1, "10.20.2.1", 443));
	https(g, &V30, EP(LG_PC2, "10.30.1.99", 40020), EP(GW_IN, "93.184.216.34", 443));
	at(g, 3000); /* FINDING: mn-pc-01 speaks ARP with an lgwan address */
	https(g, &V10, EP(MN_PC1, "10.10.1.1", 51000), EP(MN_SRV1, "10.10.2.1", 443));
	arp(g, &V20, 1, BCAST, MN_PC1, "10.20.1.50", "00:00:00:00:00:00", "10.20.0.1");
}

/* ADDRESS-SPOOF: declared hosts' addresses from other MACs. */
static void sc_address_spoof(struct gen *g)
{
	at(g, 0); /* near-miss: the real owners; a bonded server on its second MAC */
	arp_exchange(g, &V20, LG_PC1, "10.20.1.1", LG_SRV1, "10.20.2.1");
	https(g, &V20, EP(LG_PC1, "10.20.1.1", 53000), EP(LG_SRV1, "10.20.2.1", 443));
	https(g, &V20, EP(LG_PC1, "10.20.1.1", 53010), EP(LG_SRV2B, "10.20.2.2", 443));
	at(g, 500); /* near-miss: a host declared without MACs; the gateway relaying a routed frame */
	udp(g, &V20, EP(LG_PRN, "10.20.3.1", 161), EP(LG_PC1, "10.20.1.1", 50161), fill("\x30\x2a", 44), 44);
	https(g, &V20, EP(GW_LG, "10.20.2.1", 53300), EP(LG_PC1, "10.20.1.1", 8443));
	at(g, 1000); /* FINDING: gratuitous ARP for lg-srv-01's address from an undeclared MAC */
	arp(g, &V20, 2, BCAST, ROGUE_LG, "10.20.2.1", BCAST, "10.20.2.1");
	at(g, 2000); /* FINDING: lg-pc-01 sends with lg-srv-01's address */
	udp(g, &V20, EP(LG_PC1, "10.20.2.1", 514), EP(LG_SRV2A, "10.20.2.2", 514), fill("<13>spoof", 60), 60);
	at(g, 3000); /* FINDING: IPv6: lg-srv-02's address from an undeclared MAC */
	dns_lookup(g, &V20, EP(ROGUE_LG2, "fd00:20::2:2", 53500), EP(LG_SRV1, "fd00:20::2:1", 53), 0x6c01,
		   "groupware.city.lg.jp", "10.20.2.1");
}

/* VLAN-MISMATCH: segment addresses on another VLAN. */
static void sc_vlan_mismatch(struct gen *g)
{
	at(g, 0); /* near-miss: everybody on their own VLAN */
	https(g, &V20, EP(LG_PC1, "10.20.1.1", 53000), EP(LG_SRV1, "10.20.2.1", 443));
	https(g, &V10, EP(MN_PC2, "10.10.1.2", 51000), EP(MN_SRV1, "10.10.2.1", 443));
	at(g, 500); /* near-miss: untagged frame (not judged) */
	arp(g, &UNTAGGED, 1, BCAST, IN_PC1, "10.30.1.1", "00:00:00:00:00:00", "10.30.0.1");
	at(g, 1000); /* near-miss: QinQ, the inner tag is the segment's VLAN */
	arp(g, &QINQ_100_20, 1, BCAST, LG_PC2, "10.20.1.2", "00:00:00:00:00:00", "10.20.0.1");
	at(g, 1200); /* near-miss: VLAN 20 with priority 5 (TCI 0xa014) */
	udp(g, &V20_PCP5, EP(LG_PC1, "10.20.1.1", 5060), EP(LG_SRV1, "10.20.2.1", 5060), fill("OPTIONS sip:", 80), 80);
	at(g, 1500); /* near-miss: a segment without a declared VLAN, seen on VLAN 99 */
	arp(g, &V99, 1, BCAST, OT_PC1, "10.50.0.5", "00:00:00:00:00:00", "10.50.0.1");
	at(g, 2000); /* FINDING: lg-pc-03 on the internet VLAN */
	arp(g, &V30, 1, BCAST, LG_PC3, "10.20.1.3", "00:00:00:00:00:00", "10.20.0.1");
	at(g, 3000); /* FINDING: mn-pc-01's syslog on the lgwan VLAN (one-way) */
	udp(g, &V20, EP(MN_PC1, "10.10.1.1", 514), EP(MN_SRV1, "10.10.2.1", 514), fill("<13>vlan", 60), 60);
}

/* UNKNOWN-DEVICE: undeclared MACs in mynumber and lgwan segments. */
static void sc_unknown_device(struct gen *g)
{
	at(g, 0); /* near-miss: declared hosts, the gateway */
	arp_exchange(g, &V10, MN_PC1, "10.10.1.1", GW_MN, "10.10.0.1");
	https(g, &V10, EP(MN_PC1, "10.10.1.1", 51000), EP(MN_SRV1, "10.10.2.1", 443));
	https(g, &V20, EP(LG_PC1, "10.20.1.1", 53000), EP(LG_SRV1, "10.20.2.1", 443));
	at(g, 500); /* near-miss: a switch's LLDP; DHCP and link-local only; an unknown internet-zone PC */
	lldp(g, &V20, ROGUE_SW);
	dhcp_discover(g, &V20, ROGUE_LG2);
	nd_exchange(g, &V20, ROGUE_LG2, "fe80::ee02", LG_SRV1, "fe80::201");
	https(g, &V30, EP(ROGUE_IN, "10.30.9.9", 40000), EP(GW_IN, "93.184.216.34", 443));
	at(g, 1000); /* FINDING: rogue station in the mynumber segment */
	arp_exchange(g, &V10, ROGUE_MN, "10.10.9.50", MN_SRV1, "10.10.2.1");
	ping(g, &V10, EP(ROGUE_MN, "10.10.9.50", 0), EP(MN_SRV1, "10.10.2.1", 0), 0x0202, 1, true);
	at(g, 2000); /* FINDING: rogue station in the lgwan segment */
	dns_lookup(g, &V20, EP(ROGUE_LG5, "10.20.9.9", 53600), EP(LG_SRV1, "10.20.2.1", 53), 0x7d01,
		   "groupware.city.lg.jp", "10.20.2.1");
}

struct scenario {
	const char *name;
	void (*run)(struct gen *g);
	const char *what;
};

static const struct scenario scenarios[] = {
	{ "example", sc_example, "the bundled example (docs/examples/site.yaml)" },
	{ "clean", sc_clean, "the example without its violations: no findings" },
	{ "mynumber-internet", sc_mynumber_internet, "MYNUMBER-INTERNET" },
	{ "mynumber-isolation", sc_mynumber_isolation, "MYNUMBER-ISOLATION" },
	{ "exception-mismatch", sc_exception_mismatch, "EXCEPTION-MISMATCH" },
	{ "remote-to-mynumber", sc_remote_to_mynumber, "REMOTE-TO-MYNUMBER" },
	{ "lgwan-internet", sc_lgwan_internet, "LGWAN-INTERNET" },
	{ "sanitizer-bypass", sc_sanitizer_bypass, "SANITIZER-BYPASS" },
	{ "inbound-from-internet", sc_inbound_from_internet, "INBOUND-FROM-INTERNET" },
	{ "undeclared-crossing", sc_undeclared_crossing, "UNDECLARED-CROSSING" },
	{ "dual-homed", sc_dual_homed, "DUAL-HOMED" },
	{ "address-spoof", sc_address_spoof, "ADDRESS-SPOOF" },
	{ "vlan-mismatch", sc_vlan_mismatch, "VLAN-MISMATCH" },
	{ "unknown-device", sc_unknown_device, "UNKNOWN-DEVICE" },
};

static void usage(FILE *f)
{
	fputs("usage: gen-captures SCENARIO OUT.pcap\n       gen-captures --list\nscenarios:\n", f);
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		fprintf(f, "  %-22s %s\n", scenarios[i].name, scenarios[i].what);
}

int main(int argc, char **argv)
{
	const struct scenario *sc = NULL;
	struct gen g;

	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
			puts(scenarios[i].name);
		return 0;
	}
	if (argc != 3) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(argv[1], scenarios[i].name) == 0)
			sc = &scenarios[i];
	if (!sc) {
		fprintf(stderr, "gen-captures: unknown scenario '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}

	memset(&g, 0, sizeof(g));
	g.pcap = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
	if (!g.pcap)
		die("pcap_open_dead failed");
	g.dump = pcap_dump_open(g.pcap, argv[2]);
	if (!g.dump)
		die("%s: %s", argv[2], pcap_geterr(g.pcap));
	sc->run(&g);
	if (pcap_dump_flush(g.dump) != 0)
		die("%s: write failed: %s", argv[2], strerror(errno));
	pcap_dump_close(g.dump);
	pcap_close(g.pcap);
	return 0;
}
