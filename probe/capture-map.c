/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Offline captures in regular files, read through a memory map: a FILE
 * (fopencookie) that libpcap reads with fread(), copying out of the map,
 * pages released behind the reader, a file that grows while it is read
 * followed, and a SIGBUS handler (installed while a map is open) that
 * turns a file shortened under us into zero pages and a "shrunk" mark
 * instead of a crash; capture.c's file comment says why.  It owns the
 * maps and the process's SIGBUS disposition while they exist, and nothing
 * of libpcap or the capture handle.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture-internal.h"

#define MAPS_MAX 16            /* mapped captures open at once; more read through stdio */

/* The maps the SIGBUS handler knows (written only with SIGBUS blocked). */
static struct capture_map *volatile maps[MAPS_MAX];
static unsigned n_maps;
static struct sigaction old_sigbus;
static uintptr_t page_size;

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	uintptr_t a = (uintptr_t)si->si_addr;

	for (unsigned i = 0; i < MAPS_MAX && si->si_code > 0; i++) {
		struct capture_map *m = maps[i];

		if (!m || a < (uintptr_t)m->base || a >= (uintptr_t)m->base + m->size)
			continue;
		/* the page past the file's new end: zeros instead, so the
		 * copy in progress completes; the reader sees m->shrunk */
		if (mmap((void *)(a & ~(page_size - 1)), page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			 -1, 0) == MAP_FAILED)
			break;
		m->shrunk = 1;
		return;
	}
	/* not ours: the previous disposition takes it — a fault happens
	 * again when we return, a signal sent by kill() is sent again */
	sigaction(SIGBUS, &old_sigbus, NULL);
	if (si->si_code <= 0)
		raise(sig);
	(void)uctx;
}

static void sigbus_block(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGBUS);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* Registers m with the SIGBUS handler (installing it for the first map).
 * false when MAPS_MAX maps are open already. */
static bool map_register(struct capture_map *m)
{
	struct sigaction sa;
	sigset_t old;
	bool ok = false;

	sigbus_block(&old);
	for (unsigned i = 0; i < MAPS_MAX && !ok; i++)
		if (!maps[i]) {
			if (n_maps == 0) {
				page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
				memset(&sa, 0, sizeof(sa));
				sa.sa_sigaction = on_sigbus;
				sa.sa_flags = SA_SIGINFO;
				sigemptyset(&sa.sa_mask);
				if (sigaction(SIGBUS, &sa, &old_sigbus) < 0)
					break;
			}
			maps[i] = m;
			n_maps++;
			ok = true;
		}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ok;
}

static void map_unregister(struct capture_map *m)
{
	sigset_t old;

	sigbus_block(&old);
	for (unsigned i = 0; i < MAPS_MAX; i++)
		if (maps[i] == m) {
			maps[i] = NULL;
			if (--n_maps == 0)
				sigaction(SIGBUS, &old_sigbus, NULL);
		}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* At the end of the map: a file still being written may have grown since;
 * map the rest, as read(2) would have returned it. */
static void map_follow(struct capture_map *m)
{
	struct stat st;
	void *p;

	if (fstat(m->fd, &st) < 0 || st.st_size < 0 || (uint64_t)st.st_size <= m->size ||
	    (uint64_t)st.st_size > SIZE_MAX)
		return;
	p = mremap(m->base, m->size, (size_t)st.st_size, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		return;
	m->base = p;
	m->size = (size_t)st.st_size;
	madvise(m->base, m->size, MADV_SEQUENTIAL);
}


static ssize_t map_read(void *cookie, char *buf, size_t n)
{
	struct capture_map *m = cookie;

	if (m->pos == m->size)
		map_follow(m);
	if (n > m->size - m->pos)
		n = m->size - m->pos;
	memcpy(buf, m->base + m->pos, n);
	m->pos += n;
	if (m->shrunk) {
		errno = EIO;
		return -1;
	}
	probe_capture_map_release(m, 0);
	return (ssize_t)n;
}

/* Lets capture_next_direct() hand the rest of the file back to libpcap
 * (fseek), and stdio's ftell work. */
static int map_seek(void *cookie, off64_t *offset, int whence)
{
	struct capture_map *m = cookie;
	off64_t to;

	switch (whence) {
	case SEEK_SET:
		to = *offset;
		break;
	case SEEK_CUR:
		to = (off64_t)m->pos + *offset;
		break;
	case SEEK_END:
		to = (off64_t)m->size + *offset;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	if (to < 0 || (uint64_t)to > m->size) {
		errno = EINVAL;
		return -1;
	}
	m->pos = (size_t)to;
	*offset = to;
	return 0;
}

static void map_free(struct capture_map *m)
{
	if (!m)
		return;
	map_unregister(m);
	munmap(m->base, m->size);
	close(m->fd);
	free(m);
}

static int map_close(void *cookie)
{
	map_free(cookie);
	return 0;
}

/*
 * A FILE reading the regular file open on fd through a memory map, or
 * NULL when it can't be mapped (not a regular file, empty, too large for
 * the address space, too many maps); then the caller reads fd as usual.
 * On success the FILE owns fd (fclose closes it) and *ret_map is its map.
 */
FILE *probe_capture_map_open(int fd, const struct stat *st, struct capture_map **ret_map)
{
	struct capture_map *m;
	FILE *f;

	if (!S_ISREG(st->st_mode) || st->st_size <= 0 || (uint64_t)st->st_size > SIZE_MAX)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->size = (size_t)st->st_size;
	m->base = mmap(NULL, m->size, PROT_READ, MAP_SHARED, fd, 0);
	if (m->base == MAP_FAILED) {
		free(m);
		return NULL;
	}
	m->fd = fd;
	madvise(m->base, m->size, MADV_SEQUENTIAL);
	if (!map_register(m)) {
		munmap(m->base, m->size);
		free(m);
		return NULL;
	}
	f = fopencookie(m, "r", (cookie_io_functions_t){ .read = map_read, .seek = map_seek, .close = map_close });
	if (!f) {
		m->fd = -1;
		map_unregister(m);
		munmap(m->base, m->size);
		free(m);
		return NULL;
	}
	*ret_map = m;
	return f;
}
