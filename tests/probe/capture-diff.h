/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The capture reader against libpcap itself: probe_capture_next() hands out
 * most records of a mapped classic pcap file straight from the map, without
 * libpcap (probe/capture.c).  capture_diff() reads the same file both ways
 * and compares every record (time, lengths, bytes) and where each stops.
 * probe may stop earlier than libpcap with an error (its own checks, such as
 * mixed link types, are stricter), never later, and never with a record
 * libpcap does not return.  Used by test-probe-corpus (the shared corpus)
 * and fuzz-capture.
 */
#pragma once

#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "probe.h"

static inline int capture_diff_fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* libpcap's time as probe hands it out: nanoseconds, clamped to what
 * 64 bits hold — 0 for a time before 1970 (a pcapng time, or a pcap
 * seconds field with its top bit set), UINT64_MAX after 2554 (pcapng) */
static inline uint64_t capture_diff_ns(const struct timeval *tv)
{
	if (tv->tv_sec < 0)
		return 0;
	if ((uint64_t)tv->tv_sec > (UINT64_MAX - 999999999u) / 1000000000u)
		return UINT64_MAX;
	return (uint64_t)tv->tv_sec * 1000000000u + (uint64_t)(tv->tv_usec < 0 ? 0 : tv->tv_usec);
}

/* The number of records both read alike (>= 0), or -1 with `why` filled
 * when they disagree.  Files only one of the two opens compare as 0. */
static inline long capture_diff(const char *path, char *why, size_t len)
{
	char err[PCAP_ERRBUF_SIZE > 1024 ? PCAP_ERRBUF_SIZE : 1024];
	struct probe_capture *c = NULL;
	struct probe_record r;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	long n = 0;

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p)
		return 0;
	if (probe_capture_open_offline(path, 0, &c, err, sizeof(err)) < 0) {
		pcap_close(p);
		return 0;
	}
	for (;;) {
		int rp = probe_capture_next(c, &r), rl = pcap_next_ex(p, &h, &data);

		if (rp < 0)
			break; /* stricter, or the same damage: libpcap may go on */
		if (rp == 0 && rl == PCAP_ERROR_BREAK)
			break; /* both at the end */
		if (rp == 0) {
			n = capture_diff_fail(why, len, "%s: frame %ld: probe at the end, libpcap %s", path, n + 1,
					      rl == 1 ? "has another record" : pcap_geterr(p));
			break;
		}
		if (rl != 1) {
			n = capture_diff_fail(why, len, "%s: frame %ld: probe has a record, libpcap %s", path, n + 1,
					      rl == PCAP_ERROR_BREAK ? "is at the end" : pcap_geterr(p));
			break;
		}
		if (r.caplen != h->caplen || r.len != h->len ||
		    r.ts_ns != capture_diff_ns(&h->ts) ||
		    (r.caplen && memcmp(r.data, data, r.caplen) != 0)) {
			n = capture_diff_fail(why, len, "%s: frame %ld differs: caplen %u/%u, len %u/%u, time %llu/%lld.%09ld",
					      path, n + 1, r.caplen, h->caplen, r.len, h->len,
					      (unsigned long long)r.ts_ns, (long long)h->ts.tv_sec, (long)h->ts.tv_usec);
			break;
		}
		n++;
	}
	probe_capture_free(c);
	pcap_close(p);
	return n;
}
