/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: a whole capture file (pcap or pcapng) through
 * probe_capture_open_offline() / probe_capture_next() — libpcap's parser
 * and our own checks on what it returns — and every record through the
 * decoder.  Input: the file, handed over as a memfd (libpcap wants a path
 * or a FILE; the capture code opens the path itself).  Then the same file
 * is read by libpcap alone and compared record by record: the memfd is a
 * regular file, so probe reads it through its map and hands out most
 * records without libpcap (tests/probe/capture-diff.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../probe/capture-diff.h"
#include "fuzz.h"
#include "probe.h"

/* bounds the work per input: libFuzzer's -max_len bounds the file, and a
 * file of empty records must not make one input run for long */
#define MAX_RECORDS 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct probe_capture *c = NULL;
	struct probe_record r;
	struct probe_packet p;
	char path[64], err[1024];
	int n;

	if (fd < 0 && (fd = memfd_create("fuzz-capture", MFD_CLOEXEC)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	if (probe_capture_open_offline(path, 0, &c, err, sizeof(err)) < 0) {
		if (c || !err[0])
			abort();
		return 0;
	}
	for (unsigned i = 0; i < MAX_RECORDS; i++) {
		n = probe_capture_next(c, &r);
		if (n < 0) {
			if (!probe_capture_error(c)[0])
				abort();
			break;
		}
		if (n == 0)
			break;
		if (r.ref.frame != i + 1 || (r.caplen && !r.data))
			abort();
		(void)probe_decode(r.linktype, r.data, r.caplen, &p);
	}
	probe_capture_free(c);
	if (capture_diff(path, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	return 0;
}
