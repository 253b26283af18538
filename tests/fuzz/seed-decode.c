/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes seeds for fuzz-decode from capture files:
 *
 *   seed-decode OUTDIR CAPTURE…
 *
 * For every frame of a link type the decoder knows, the frame's "shape"
 * (link type, decode status, network layer, protocol, VLAN count, fragment
 * kind, TCP flags or ICMP type, whether ports and MACs were found) is
 * computed; a frame is written only when its shape is new, so a few hundred
 * files cover what thousands of frames show.  Each file is the selector
 * byte of fuzz-decode.c followed by the frame, cut at MAX_FRAME bytes (the
 * decoder reads headers only).  Per capture, the first frames are also
 * written together (FRAME_SEP between them) as one multi-frame seed, so the
 * flow and station tables start with real conversations.
 *
 * Bounded: at most MAX_FILES files and MAX_PER_CAPTURE per capture.
 * Names are a hash of the content, so re-running adds nothing twice.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

#define LINKTYPE_RAW 101
#define FRAME_SEP "\xa5\x5a\xf0\x0d"
#define FRAME_SEP_LEN 4
#define MAX_FRAME 512
#define MAX_FILES 1500
#define MAX_PER_CAPTURE 24
#define MULTI_FRAMES 12
#define MULTI_FRAME_LEN 160
#define MAX_SHAPES 8192

/* in the order of linktypes[] in fuzz-decode.c: the index is the selector */
static const int linktypes[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, LINKTYPE_RAW, DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP,
};

static uint64_t shapes[MAX_SHAPES];
static size_t n_shapes, n_files;

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static int selector(int linktype)
{
	for (size_t i = 0; i < sizeof(linktypes) / sizeof(linktypes[0]); i++)
		if (linktypes[i] == linktype)
			return (int)i;
	return -1;
}

static uint64_t shape(int linktype, const uint8_t *d, size_t len)
{
	struct probe_packet p;
	enum probe_status st = probe_decode(linktype, d, len, &p);
	uint32_t v[12] = {
		(uint32_t)linktype, st, p.l3, p.proto, p.n_vlans, p.is_fragment, p.first_fragment,
		p.has_ports, p.has_mac, p.has_icmp ? p.icmp_type : 0x100u + p.tcp_flags, p.ethertype, p.arp_op,
	};

	if (st != PROBE_OK)
		v[2] = v[3] = v[9] = 0; /* the content is unspecified */
	return fnv(v, sizeof(v), 0xcbf29ce484222325ull);
}

static bool shape_new(uint64_t h)
{
	for (size_t i = 0; i < n_shapes; i++)
		if (shapes[i] == h)
			return false;
	if (n_shapes == MAX_SHAPES)
		return false;
	shapes[n_shapes++] = h;
	return true;
}

static int write_seed(const char *dir, const uint8_t *d, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%016llx", dir, (unsigned long long)fnv(d, len, 0xcbf29ce484222325ull));
	f = fopen(path, "wb");
	if (!f || fwrite(d, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	n_files++;
	return 0;
}

static int seed_capture(const char *dir, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	uint8_t buf[1 + MAX_FRAME], multi[1 + MULTI_FRAMES * (MULTI_FRAME_LEN + FRAME_SEP_LEN)];
	size_t multi_len = 1, n_multi = 0, written = 0;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	int sel, r;

	p = pcap_open_offline(path, errbuf);
	if (!p)
		return 0; /* damaged captures are the capture target's business */
	sel = selector(pcap_datalink(p));
	if (sel < 0)
		goto out;
	buf[0] = multi[0] = (uint8_t)sel;
	while (n_files < MAX_FILES && written < MAX_PER_CAPTURE && (r = pcap_next_ex(p, &h, &data)) == 1) {
		size_t len = h->caplen < MAX_FRAME ? h->caplen : MAX_FRAME;

		if (n_multi < MULTI_FRAMES) {
			size_t m = len < MULTI_FRAME_LEN ? len : MULTI_FRAME_LEN;
			if (n_multi) {
				memcpy(multi + multi_len, FRAME_SEP, FRAME_SEP_LEN);
				multi_len += FRAME_SEP_LEN;
			}
			memcpy(multi + multi_len, data, m);
			multi_len += m;
			n_multi++;
		}
		if (!shape_new(shape(pcap_datalink(p), data, len)))
			continue;
		memcpy(buf + 1, data, len);
		if (write_seed(dir, buf, 1 + len) < 0)
			break;
		written++;
	}
	if (n_multi > 1 && n_files < MAX_FILES)
		write_seed(dir, multi, multi_len);
out:
	pcap_close(p);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s OUTDIR CAPTURE…\n", argv[0]);
		return 2;
	}
	for (int i = 2; i < argc && n_files < MAX_FILES; i++)
		seed_capture(argv[1], argv[i]);
	printf("%zu seeds, %zu shapes\n", n_files, n_shapes);
	return 0;
}
