/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen-traffic — a large, deterministic capture for benchmarks and soak
 * tests: PACKETS Ethernet/IPv4/TCP frames over CONCURRENT connections at a
 * time, each connection LIFE packets long (SYN, SYN-ACK, ACK, data both
 * ways, FIN both ways), then replaced by a new one from another source
 * port.  Connections are interleaved round-robin, so the flow table sees
 * CONCURRENT live flows throughout — the cache-hostile case.
 *
 * Addresses follow tests/bench/site.yaml: 1 connection in 100 goes from
 * the My Number zone to the Internet zone (MYNUMBER-INTERNET), the rest
 * stay inside the LGWAN zone.  Every host has one MAC.  Frames are 60 to
 * ~590 bytes (IMIX-like), timestamps 1 µs apart from 2026-11-02 09:00 UTC.
 *
 *   gen-traffic OUT.pcap PACKETS [CONCURRENT [LIFE]]   (defaults 100000, 20)
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1793610000ull /* 2026-11-02T09:00:00Z */

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

static unsigned csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

static void mac_of(uint32_t ip, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x00;
	put32(mac + 2, ip);
}

static unsigned long parse(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v == 0) {
		fprintf(stderr, "gen-traffic: bad %s \"%s\"\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	unsigned long packets, conc = 100000, life = 20;
	uint8_t frame[1600];
	pcap_t *dead;
	pcap_dumper_t *d;

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: gen-traffic OUT.pcap PACKETS [CONCURRENT [LIFE]]\n");
		return 2;
	}
	packets = parse(argv[2], "packet count");
	if (argc > 3)
		conc = parse(argv[3], "concurrency");
	if (argc > 4)
		life = parse(argv[4], "connection length");
	if (life < 6)
		life = 6;
	dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
	d = dead ? pcap_dump_open(dead, argv[1]) : NULL;
	if (!d) {
		fprintf(stderr, "gen-traffic: %s: %s\n", argv[1], dead ? pcap_geterr(dead) : "out of memory");
		return 1;
	}
	for (unsigned long i = 0; i < packets; i++) {
		unsigned long slot = i % conc, round = i / conc;
		unsigned long conn = (round / life) * conc + slot; /* the connection's number */
		unsigned step = (unsigned)(round % life);
		bool forbidden = conn % 100 == 0;
		/* client: 10.10.x.y (mynumber) or 10.20.x.y (lgwan), one of 4096 hosts */
		uint32_t client = (forbidden ? 0x0a0a0000u : 0x0a140000u) | (uint32_t)(1 + slot % 4096);
		uint32_t server = forbidden ? 0x0a1e0005u : (0x0a140000u | (uint32_t)(0x1000 + slot % 64));
		unsigned sport = 1024 + (unsigned)(conn % 60000), dport = forbidden ? 443 : 8080;
		/* SYN from the client, SYN-ACK from the server, data both ways,
		 * then the server's FIN and the client's */
		bool from_client = step == 0 || step == life - 1 || (step != 1 && step != life - 2 && step % 2 == 0);
		unsigned flags, payload;
		uint32_t src = from_client ? client : server, dst = from_client ? server : client;
		struct pcap_pkthdr h;
		uint8_t *ip = frame + 14, *tcp = ip + 20;
		uint8_t pseudo[12 + 20 + 1600];
		size_t len;

		if (step == 0)
			flags = 0x02; /* SYN */
		else if (step == 1)
			flags = 0x12; /* SYN-ACK */
		else if (step >= life - 2)
			flags = 0x11; /* FIN-ACK, both ways */
		else
			flags = 0x18; /* PSH-ACK */
		payload = flags == 0x18 ? (unsigned)((conn * 131 + step * 17) % 4 == 0 ? 536 : 40) : 0;
		memset(frame, 0, 14 + 40);
		mac_of(dst, frame);
		mac_of(src, frame + 6);
		put16(frame + 12, 0x0800);
		ip[0] = 0x45;
		put16(ip + 2, 40 + payload);
		put16(ip + 4, (unsigned)(i & 0xffff));
		ip[8] = 64;
		ip[9] = 6;
		put32(ip + 12, src);
		put32(ip + 16, dst);
		put16(ip + 10, csum(ip, 20));
		put16(tcp, from_client ? sport : dport);
		put16(tcp + 2, from_client ? dport : sport);
		put32(tcp + 4, (uint32_t)(step * 1000));
		put32(tcp + 8, step ? (uint32_t)(step * 1000 - 1) : 0);
		tcp[12] = 0x50;
		tcp[13] = (uint8_t)flags;
		put16(tcp + 14, 65535);
		memset(tcp + 20, 'x', payload);
		/* TCP checksum over the pseudo header */
		put32(pseudo, src);
		put32(pseudo + 4, dst);
		pseudo[8] = 0;
		pseudo[9] = 6;
		put16(pseudo + 10, 20 + payload);
		memcpy(pseudo + 12, tcp, 20 + payload);
		put16(tcp + 16, csum(pseudo, 12 + 20 + payload + (payload & 1)));
		len = 14 + 40 + payload;
		if (len < 60) {
			memset(frame + len, 0, 60 - len);
			len = 60;
		}
		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = (time_t)(T0 + i / 1000000);
		h.ts.tv_usec = (suseconds_t)((i % 1000000) * 1000); /* nanoseconds: 1 µs apart */
		h.caplen = h.len = (bpf_u_int32)len;
		pcap_dump((u_char *)d, &h, frame);
	}
	if (pcap_dump_flush(d) < 0) {
		fprintf(stderr, "gen-traffic: %s: write failed\n", argv[1]);
		return 1;
	}
	pcap_dump_close(d);
	pcap_close(dead);
	return 0;
}
