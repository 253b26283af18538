/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen-traffic — a large, deterministic capture for benchmarks and soak
 * tests: PACKETS Ethernet frames over CONCURRENT connections at a time,
 * each connection LIFE packets long, then replaced by a new one from another
 * source port.  Connections are interleaved round-robin, so the flow table
 * sees CONCURRENT live flows throughout — the cache-hostile case.  A TCP
 * connection is SYN, SYN-ACK, ACK, data both ways, FIN both ways; a UDP one
 * is datagrams both ways, the client's first.
 *
 * Addresses follow tests/bench/site.yaml: 1 connection in 100 goes from
 * the My Number zone to the Internet zone (MYNUMBER-INTERNET), the rest
 * stay inside the LGWAN zone.  Every host has one MAC; frames that crossed
 * the firewall carry the firewall's MAC (core-fw in site.yaml), as on a
 * trunk.  Timestamps are 1 µs apart from 2026-11-02 09:00 UTC (nanosecond
 * pcap).  The same arguments always give the same file, byte for byte: every
 * choice is a hash of the connection's number, nothing is random.
 *
 *   gen-traffic OUT.pcap PACKETS [CONCURRENT [LIFE]] [options]
 *                               (defaults 100000 and 20; LIFE at least 6)
 *
 * Without options: IPv4, TCP, untagged, frames of 60 to 590 bytes.
 *   --vlan       802.1Q-tag each frame with the client's zone's VLAN
 *                (mynumber 10, lgwan 20), as seen on the firewall's trunk
 *   --ipv6 PCT   PCT % of the connections over IPv6 (fd00:10::/64, …)
 *   --udp PCT    PCT % of the connections over UDP (port 53 inside LGWAN,
 *                443 — QUIC — for the forbidden ones)
 *   --imix       IP packets of 46, 576 and 1500 bytes about 7:4:1, the
 *                simple IMIX (frames of 60, 590 and 1514 bytes, 64, 594 and
 *                1518 on the wire; 4 more tagged; the small IPv6 ones are
 *                66 bytes); TCP control segments are among the small ones
 *   --mix        all of it: --vlan --ipv6 20 --udp 20 --imix (the traffic
 *                of tests/bench/compare.py)
 *   --gap NS     NS nanoseconds between packets instead of 1000: a longer
 *                capture time per packet, so connections time out within
 *                the file (compare.py --length)
 */
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1793610000ull /* 2026-11-02T09:00:00Z */
#define GATEWAY_IP4 0x0a14fffeu /* core-fw (10.20.255.254): its MAC is on every routed frame */
#define VLAN_MYNUMBER 10
#define VLAN_LGWAN 20

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* The ones' complement sum of n bytes (n even), not yet folded. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	return s;
}

static unsigned fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

/* The payload is n bytes of 'x', starting at an even offset of the
 * segment: its sum is known without reading it, which keeps 1500-byte
 * frames as cheap to write as 60-byte ones. */
static uint32_t sum_payload(size_t n)
{
	return (uint32_t)(n / 2) * 0x7878u + (n & 1 ? 0x7800u : 0);
}

static void mac_of(uint32_t ip, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x00;
	put32(mac + 2, ip);
}

/* fd00:ZZ::a.b.c.d for the IPv4 address a.b.c.d in 10.ZZ.0.0/16 (zones 10,
 * 20, 30 of site.yaml): the same host, dual-stacked, with the same MAC. */
static void ip6_of(uint32_t ip4, uint8_t a[16])
{
	memset(a, 0, 16);
	a[0] = 0xfd;
	a[3] = (uint8_t)(((ip4 >> 16 & 0xff) / 10) << 4 | (ip4 >> 16 & 0xff) % 10); /* 10 → 0x10 */
	put32(a + 12, ip4);
}

/* splitmix64's finaliser: a well-mixed, reproducible function of n. */
static uint64_t mix64(uint64_t n)
{
	n += 0x9e3779b97f4a7c15ull;
	n = (n ^ (n >> 30)) * 0xbf58476d1ce4e5b9ull;
	n = (n ^ (n >> 27)) * 0x94d049bb133111ebull;
	return n ^ (n >> 31);
}

static unsigned long parse(const char *s, const char *what, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v == 0 || v > max) {
		fprintf(stderr, "gen-traffic: bad %s \"%s\"\n", what, s);
		exit(2);
	}
	return v;
}

static unsigned parse_pct(const char *s, const char *what)
{
	if (strcmp(s, "0") == 0)
		return 0;
	return (unsigned)parse(s, what, 100);
}

enum size_class { SIZE_SMALL, SIZE_MEDIUM, SIZE_LARGE };

/*
 * The IMIX size class of data packet `step` of connection `conn`.  Over a
 * TCP connection of `life` packets the four control segments are small, so
 * the data segments get weights that bring the whole connection back to
 * 7:4:1 (7L/12 − 4 small, 4L/12 medium, L/12 large, in twelfths); UDP
 * datagrams take 7:4:1 directly.
 */
static enum size_class imix_class(uint64_t conn, unsigned step, unsigned life, bool tcp)
{
	long w_small = tcp ? 7l * life - 48 : 7l * life, w_med = 4l * life, w_large = life;
	uint64_t r;

	if (w_small < 0)
		w_small = 0;
	r = mix64(conn ^ ((uint64_t)step << 40)) % (uint64_t)(w_small + w_med + w_large);
	if (r < (uint64_t)w_small)
		return SIZE_SMALL;
	return r < (uint64_t)(w_small + w_med) ? SIZE_MEDIUM : SIZE_LARGE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"vlan", no_argument, NULL, 'V'},
		{"ipv6", required_argument, NULL, '6'},
		{"udp", required_argument, NULL, 'U'},
		{"imix", no_argument, NULL, 'I'},
		{"mix", no_argument, NULL, 'M'},
		{"gap", required_argument, NULL, 'G'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static const char usage[] = "usage: gen-traffic OUT.pcap PACKETS [CONCURRENT [LIFE]] "
				    "[--vlan] [--ipv6 PCT] [--udp PCT] [--imix] [--mix] [--gap NS]\n";
	unsigned long packets, conc = 100000, life = 20, gap = 1000;
	unsigned pct6 = 0, pct_udp = 0;
	bool vlan = false, imix = false;
	uint8_t frame[1600];
	const char *out;
	pcap_t *dead;
	pcap_dumper_t *d;
	FILE *f;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'V':
			vlan = true;
			break;
		case '6':
			pct6 = parse_pct(optarg, "--ipv6 percentage");
			break;
		case 'U':
			pct_udp = parse_pct(optarg, "--udp percentage");
			break;
		case 'I':
			imix = true;
			break;
		case 'M':
			vlan = imix = true;
			pct6 = pct_udp = 20;
			break;
		case 'G':
			gap = parse(optarg, "--gap nanoseconds", 1000000000);
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || argc > 4) {
		fputs(usage, stderr);
		return 2;
	}
	out = argv[0];
	packets = parse(argv[1], "packet count", ~0ul);
	if (argc > 2)
		conc = parse(argv[2], "concurrency", ~0ul);
	if (argc > 3)
		life = parse(argv[3], "connection length", 1000000);
	if (life < 6)
		life = 6;

	dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
	f = fopen(out, "wb");
	if (f)
		setvbuf(f, NULL, _IOFBF, 1 << 20); /* fewer, larger writes */
	d = dead && f ? pcap_dump_fopen(dead, f) : NULL;
	if (!d) {
		fprintf(stderr, "gen-traffic: %s: %s\n", out,
			!dead ? "out of memory" : !f ? strerror(errno) : pcap_geterr(dead));
		return 1;
	}
	for (unsigned long i = 0; i < packets; i++) {
		unsigned long slot = i % conc, round = i / conc;
		uint64_t conn = (uint64_t)(round / life) * conc + slot; /* the connection's number */
		uint64_t h = mix64(conn);
		unsigned step = (unsigned)(round % life);
		bool forbidden = conn % 100 == 0;
		bool v6 = h % 100 < pct6, udp = (h >> 8) % 100 < pct_udp, tcp = !udp;
		/* client: 10.10.x.y (mynumber) or 10.20.x.y (lgwan), one of 4096
		 * hosts from .0.1 up; server 10.30.0.5 or one of 64 from 10.20.32.0.
		 * Client and source port together count the connections, so no
		 * two of the first 4096 × 64000 share a 5-tuple */
		uint32_t client = (forbidden ? 0x0a0a0000u : 0x0a140000u) | (uint32_t)(1 + conn % 4096);
		uint32_t server = forbidden ? 0x0a1e0005u : (0x0a140000u | (uint32_t)(0x2000 + conn % 64));
		unsigned sport = 1024 + (unsigned)(conn / 4096 % 64000);
		unsigned dport = udp ? (forbidden ? 443 : 53) : (forbidden ? 443 : 8080);
		/* TCP: SYN from the client, SYN-ACK from the server, data both
		 * ways, then the server's FIN and the client's.  UDP: the
		 * client first, then both ways. */
		bool from_client = step == 0 || step == life - 1 || (step != 1 && step != life - 2 && step % 2 == 0);
		uint32_t src = from_client ? client : server, dst = from_client ? server : client;
		unsigned flags = 0, payload, l4len = tcp ? 20 : 8, iplen = v6 ? 40 : 20;
		struct pcap_pkthdr ph;
		uint8_t *l3, *l4;
		uint32_t s;
		size_t len;

		if (udp)
			flags = 0;
		else if (step == 0)
			flags = 0x02; /* SYN */
		else if (step == 1)
			flags = 0x12; /* SYN-ACK */
		else if (step >= life - 2)
			flags = 0x11; /* FIN-ACK, both ways */
		else
			flags = 0x18; /* PSH-ACK */

		if (tcp && flags != 0x18)
			payload = 0;
		else if (!imix)
			payload = (conn * 131 + step * 17) % 4 == 0 ? 536 : 40;
		else {
			/* the IP packet is 46 (64-byte frame), 576 or 1500 bytes;
			 * an IPv6 header makes the smallest 66 */
			static const unsigned ip_size[] = {46, 576, 1500};
			unsigned want = ip_size[imix_class(conn, step, (unsigned)life, tcp)];

			payload = want > 20 + l4len ? want - 20 - l4len : 0;
			if (v6 && want > 46)
				payload -= 20;
		}

		/* Ethernet, routed frames from/to the firewall's MAC */
		mac_of(forbidden && from_client ? GATEWAY_IP4 : dst, frame);
		mac_of(forbidden && !from_client ? GATEWAY_IP4 : src, frame + 6);
		l3 = frame + 14;
		if (vlan) {
			put16(frame + 12, 0x8100);
			put16(frame + 14, forbidden ? VLAN_MYNUMBER : VLAN_LGWAN);
			l3 += 4;
		}
		put16(l3 - 2, v6 ? 0x86dd : 0x0800);
		l4 = l3 + iplen;
		memset(l3, 0, iplen + l4len);

		if (v6) {
			l3[0] = 0x60;
			put16(l3 + 4, l4len + payload);
			l3[6] = tcp ? 6 : 17;
			l3[7] = 64;
			ip6_of(src, l3 + 8);
			ip6_of(dst, l3 + 24);
			s = sum16(l3 + 8, 32, 0);
		} else {
			l3[0] = 0x45;
			put16(l3 + 2, 20 + l4len + payload);
			put16(l3 + 4, (unsigned)(i & 0xffff));
			l3[8] = 64;
			l3[9] = tcp ? 6 : 17;
			put32(l3 + 12, src);
			put32(l3 + 16, dst);
			put16(l3 + 10, fold(sum16(l3, 20, 0)));
			s = sum16(l3 + 12, 8, 0);
		}
		/* pseudo header: addresses above, then protocol and length */
		s += (tcp ? 6u : 17u) + l4len + payload;

		put16(l4, from_client ? sport : dport);
		put16(l4 + 2, from_client ? dport : sport);
		if (tcp) {
			put32(l4 + 4, (uint32_t)(step * 1000));
			put32(l4 + 8, step ? (uint32_t)(step * 1000 - 1) : 0);
			l4[12] = 0x50;
			l4[13] = (uint8_t)flags;
			put16(l4 + 14, 65535);
			s = sum16(l4, 20, s) + sum_payload(payload);
			put16(l4 + 16, fold(s));
		} else {
			unsigned sum;

			put16(l4 + 4, 8 + payload);
			s = sum16(l4, 8, s) + sum_payload(payload);
			sum = fold(s);
			put16(l4 + 6, sum ? sum : 0xffff); /* RFC 768: 0 means none */
		}
		/* an earlier frame may have left headers or padding where
		 * this one's payload goes */
		len = (size_t)(l4 - frame) + l4len + payload;
		memset(l4 + l4len, 'x', payload);
		if (len < 60) {
			memset(frame + len, 0, 60 - len);
			len = 60;
		}
		memset(&ph, 0, sizeof(ph));
		ph.ts.tv_sec = (time_t)(T0 + (uint64_t)i * gap / 1000000000);
		ph.ts.tv_usec = (suseconds_t)((uint64_t)i * gap % 1000000000); /* nanoseconds, gap apart */
		ph.caplen = ph.len = (bpf_u_int32)len;
		pcap_dump((u_char *)d, &ph, frame);
	}
	if (pcap_dump_flush(d) < 0 || ferror(f)) {
		fprintf(stderr, "gen-traffic: %s: write failed\n", out);
		return 1;
	}
	pcap_dump_close(d); /* closes f */
	pcap_close(dead);
	return 0;
}
