/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcap-read — the ceiling for reading a capture: pcap_next_ex over the
 * file, counting packets and bytes, nothing else.  Opened with nanosecond
 * timestamps, as sanso opens it, so libpcap does the same work for both.
 *
 *   pcap-read FILE          prints "PACKETS packets BYTES bytes"
 *   pcap-read --mmap FILE   the same, with libpcap reading the file the way
 *                           sanso does (probe/capture-map.c): a FILE whose reads
 *                           copy out of a memory map (fopencookie), the
 *                           pages read released every MiB — no read(2)
 *                           and its kernel copy.  Without sanso's SIGBUS
 *                           guard: a file cut short under it kills it.
 */
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAP_RELEASE (1u << 20)

struct map {
	const uint8_t *base;
	size_t size, pos, released;
};

static ssize_t map_read(void *cookie, char *buf, size_t n)
{
	struct map *m = cookie;

	if (n > m->size - m->pos)
		n = m->size - m->pos;
	memcpy(buf, m->base + m->pos, n);
	m->pos += n;
	if (m->pos - m->released >= MAP_RELEASE) {
		size_t upto = m->pos & ~(size_t)(MAP_RELEASE - 1);

		madvise((void *)(m->base + m->released), upto - m->released, MADV_DONTNEED);
		m->released = upto;
	}
	return (ssize_t)n;
}

static FILE *open_mapped(const char *path, struct map *m)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	void *p;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0)
		return NULL;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
	m->base = p;
	m->size = (size_t)st.st_size;
	return fopencookie(m, "r", (cookie_io_functions_t){ .read = map_read });
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t packets = 0, bytes = 0, touched = 0;
	struct map m = { 0 };
	const char *path;
	bool mapped;
	pcap_t *p;
	int r;

	mapped = argc == 3 && strcmp(argv[1], "--mmap") == 0;
	if (argc != 2 + mapped) {
		fputs("usage: pcap-read [--mmap] FILE\n", stderr);
		return 2;
	}
	path = argv[1 + mapped];
	if (mapped) {
		FILE *f = open_mapped(path, &m);

		if (!f) {
			fprintf(stderr, "pcap-read: %s: cannot map it (not a non-empty regular file?)\n", path);
			return 2;
		}
		p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
	} else {
		p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	}
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
		fprintf(stderr, "pcap-read: %s: %s\n", path, pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	printf("%llu packets %llu bytes\n", (unsigned long long)packets, (unsigned long long)bytes);
	pcap_close(p);
	return touched == UINT64_MAX; /* keeps the reads */
}
