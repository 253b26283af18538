/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcap-read — the ceiling for reading a capture: pcap_next_ex over the
 * file, counting packets and bytes, nothing else.  Opened with nanosecond
 * timestamps, as sanso opens it, so libpcap does the same work for both.
 *
 *   pcap-read FILE    prints "PACKETS packets BYTES bytes"
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t packets = 0, bytes = 0, touched = 0;
	pcap_t *p;
	int r;

	if (argc != 2) {
		fputs("usage: pcap-read FILE\n", stderr);
		return 2;
	}
	p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p) {
		fprintf(stderr, "pcap-read: %s\n", err);
		return 2;
	}
	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		packets++;
		bytes += h->caplen;
		/* touch the first byte of the frame, as any decoder must: the
		 * loop pays the same cache miss on the packet data */
		touched += h->caplen ? data[0] : 0;
	}
	if (r == PCAP_ERROR) {
		fprintf(stderr, "pcap-read: %s: %s\n", argv[1], pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	printf("%llu packets %llu bytes\n", (unsigned long long)packets, (unsigned long long)bytes);
	pcap_close(p);
	return touched == UINT64_MAX; /* keeps the reads */
}
