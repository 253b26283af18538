/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Throughput of decode + flow update on synthetic Ethernet frames held in
 * memory (libpcap's own ~80 ns/packet of reading is not included), for a
 * few numbers of concurrent flows, and the peak RSS with 1M live flows.
 *
 *   bench-probe [packets]      (default 10 000 000)
 *
 * Run with `meson test --benchmark -C BUILD probe-throughput` or directly.
 */
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "probe.h"

/* Ethernet + IPv4 + TCP ACK with 100 bytes of payload: 154 bytes */
static uint8_t frame_tcp[154] = {
	0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a, 0x08, 0x00,
	0x45, 0, 0, 140, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 192, 168, 0, 1,
	0x04, 0x00, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x10, 0xff, 0xff, 0, 0, 0, 0,
};
/* Ethernet + 802.1Q + IPv4 + UDP, 60 bytes */
static uint8_t frame_udp[64] = {
	0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a, 0x81, 0x00, 0x00, 0x0a, 0x08, 0x00,
	0x45, 0, 0, 46, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 192, 168, 0, 1,
	0x04, 0x00, 0x00, 0x35, 0, 26, 0, 0,
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Writes flow i into the frame: source address and port. */
static void patch(uint8_t *f, size_t ip_off, uint32_t i)
{
	f[ip_off + 13] = (uint8_t)(i >> 16);
	f[ip_off + 14] = (uint8_t)(i >> 8);
	f[ip_off + 15] = (uint8_t)i;
	f[ip_off + 20] = (uint8_t)(0x04 + ((i >> 24) & 0x3f));
}

static void run(const char *label, uint64_t packets, uint32_t flows, bool update)
{
	struct probe_flow_config cfg = { .max_flows = 0 };
	struct probe_flow_table *t = update ? probe_flow_table_new(&cfg, NULL, NULL) : NULL;
	struct probe_record r = { .linktype = DLT_EN10MB };
	struct probe_packet p;
	struct probe_flow_stats st = { 0 };
	uint64_t n, ok = 0;
	double t0, t1;

	t0 = now_s();
	for (n = 0; n < packets; n++) {
		/* a stride through the flows so consecutive packets hit
		 * different cache lines, as on a busy span port */
		uint32_t i = (uint32_t)((n * 2654435761u) % flows);
		uint8_t *f = (n & 3) == 3 ? frame_udp : frame_tcp;
		size_t len = f == frame_udp ? 60 : sizeof(frame_tcp);

		patch(f, f == frame_udp ? 18 : 14, i);
		r.data = f;
		r.caplen = r.len = (uint32_t)len;
		r.ts_ns = 1700000000000000000ull + n * 1000; /* 1 µs apart */
		r.ref.frame = (uint32_t)n + 1;
		if (probe_decode(DLT_EN10MB, f, len, &p) != PROBE_OK)
			continue;
		ok++;
		if (update)
			probe_flow_table_update(t, &p, &r, NULL, NULL);
	}
	t1 = now_s();
	if (t)
		probe_flow_table_stats(t, &st);
	printf("%-34s %6.1f ns/packet  (%llu packets, %zu live flows, %.2f Mpps)\n", label,
	       (t1 - t0) * 1e9 / (double)packets, (unsigned long long)ok, st.live, (double)packets / (t1 - t0) / 1e6);
	probe_flow_table_free(t);
}

int main(int argc, char **argv)
{
	uint64_t packets = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
	struct rusage ru;

	printf("sizeof(struct probe_flow) = %zu, sizeof(struct probe_packet) = %zu\n", sizeof(struct probe_flow),
	       sizeof(struct probe_packet));
	run("decode only", packets, 1000, false);
	run("decode + flow update, 1k flows", packets, 1000, true);
	run("decode + flow update, 100k flows", packets, 100000, true);
	run("decode + flow update, 1M flows", packets, 1000000, true);
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS %.1f MiB (with 1M live flows, default max_flows)\n", (double)ru.ru_maxrss / 1024.0);
	return 0;
}
