/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to capture reading: the memory-mapped FILE an offline capture is
 * read through (capture-map.c owns it, with the SIGBUS handler that makes a
 * shrinking file a damaged one), and what capture.c needs of it to read
 * records in place (capture_next_direct) and to report progress.  Nothing
 * outside those two files may include this header.
 */
#pragma once

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>


#define MAP_RELEASE (1u << 20) /* bytes read between two MADV_DONTNEED */

struct capture_map {
	uint8_t *base;
	size_t size; /* bytes mapped: the file's size when mapped (or remapped) */
	size_t pos;  /* next byte for libpcap */
	size_t released; /* bytes before this are out of our RSS */
	int fd;
	volatile sig_atomic_t shrunk; /* SIGBUS: the file is shorter than the map */
};

/* Every MAP_RELEASE bytes read, the pages more than lag bytes behind pos
 * leave our RSS; they stay in the page cache.  A record handed out in
 * place is read after the call that returns it (decoding, the filter,
 * evidence), and may start before the release point: released under it,
 * its pages would fault back in and stay. */
static inline void probe_capture_map_release(struct capture_map *m, size_t lag)
{
	if (m->pos - m->released >= MAP_RELEASE + lag) {
		size_t upto = (m->pos - lag) & ~(size_t)(MAP_RELEASE - 1);

		madvise(m->base + m->released, upto - m->released, MADV_DONTNEED);
		m->released = upto;
	}
}

/*
 * A FILE reading the regular file open on fd through a memory map, or
 * NULL when it can't be mapped (not a regular file, empty, too large for
 * the address space, too many maps); then the caller reads fd as usual.
 * On success the FILE owns fd (fclose closes it) and *ret_map is its map.
 */
FILE *probe_capture_map_open(int fd, const struct stat *st, struct capture_map **ret_map);
