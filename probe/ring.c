/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Evidence ring for long runs: nanosecond pcap files "PREFIX-000001.pcap",
 * "PREFIX-000002.pcap", … written as packets come, rotated by size, the
 * oldest deleted so that at most `keep` files exist.
 *
 * Unlike probe_dump (one file, renamed into place when complete), these
 * files are meant to be read while the monitor runs, so they carry their
 * final names from the start; probe_ring_flush() makes what was written
 * visible to readers.  A file is fsynced when it is closed (rotation,
 * probe_ring_close()), so after a crash at most the current file's tail is
 * lost.
 *
 * Files are created O_EXCL with mode 0600: evidence holds captured traffic
 * and must neither become world-readable by accident nor overwrite an
 * earlier run's file (numbering continues after the highest on disk).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe-internal.h"
#include "probe.h"

#define RING_DEFAULT_SNAPLEN 262144
#define RING_DEFAULT_MAX_BYTES (100u * 1024u * 1024u)
#define RING_DEFAULT_KEEP 10
#define RING_FILE_HEADER 24u   /* pcap file header */
#define RING_RECORD_HEADER 16u /* pcap record header */
/* file numbers have at least 6 digits; more than 18 would not fit the
 * arithmetic below and no run lives that long */
#define RING_MAX_DIGITS 18

struct probe_ring {
	char *dir;  /* directory of the files ("." when the prefix has none) */
	char *base; /* file name prefix inside dir */
	int linktype;
	int snaplen;
	uint64_t max_bytes;
	unsigned keep;

	uint64_t number; /* of the current file, or the last one on disk before the first */
	char *current;   /* path of the open file, NULL when none is open */
	FILE *fp;
	pcap_t *dead;
	pcap_dumper_t *dumper;
	uint64_t bytes; /* written to the current file (header included) */

	int error; /* first write failure (negative errno): the ring is unusable */
	char errmsg[1024];
};

/* The file number of `name` if it is "BASE-<digits>.pcap", else 0. */
static uint64_t ring_parse_number(const struct probe_ring *r, const char *name)
{
	size_t blen = strlen(r->base), i, digits;
	uint64_t n = 0;

	if (strncmp(name, r->base, blen) != 0 || name[blen] != '-')
		return 0;
	name += blen + 1;
	for (i = 0; name[i] >= '0' && name[i] <= '9'; i++)
		n = n * 10 + (uint64_t)(name[i] - '0');
	digits = i;
	if (digits < 6 || digits > RING_MAX_DIGITS || strcmp(name + i, ".pcap") != 0)
		return 0;
	return n;
}

static int cmp_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * Lists the numbers of our files in the directory into *ret_numbers
 * (newest first; may be NULL when there are none).  0 or -errno.
 */
static int ring_scan(struct probe_ring *r, uint64_t **ret_numbers, size_t *ret_n)
{
	uint64_t *numbers = NULL, n;
	size_t count = 0, cap = 0;
	struct dirent *e;
	DIR *d;

	*ret_numbers = NULL;
	*ret_n = 0;
	d = opendir(r->dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		n = ring_parse_number(r, e->d_name);
		if (n == 0)
			continue;
		if (count == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			uint64_t *p = realloc(numbers, ncap * sizeof(*p));

			if (!p) {
				free(numbers);
				closedir(d);
				return -ENOMEM;
			}
			numbers = p;
			cap = ncap;
		}
		numbers[count++] = n;
	}
	closedir(d);
	if (count > 1)
		qsort(numbers, count, sizeof(*numbers), cmp_desc);
	*ret_numbers = numbers;
	*ret_n = count;
	return 0;
}

static char *ring_path(const struct probe_ring *r, uint64_t number)
{
	char *path;

	if (asprintf(&path, "%s/%s-%06" PRIu64 ".pcap", r->dir, r->base, number) < 0)
		return NULL;
	return path;
}

/* Makes a created or deleted name durable.  Best effort: the data itself
 * is synced with the file. */
static void ring_sync_dir(const struct probe_ring *r)
{
	int fd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* Remembers the first failure; every later call returns it. */
static int ring_fail(struct probe_ring *r, int err, const char *path, const char *what)
{
	r->error = err;
	snprintf(r->errmsg, sizeof(r->errmsg), "%s: %s: %s", path ? path : r->dir, what, strerror(-err));
	return err;
}

/* Flushes, fsyncs and closes the current file.  0 or -errno (recorded). */
static int ring_close_file(struct probe_ring *r)
{
	int err = 0;

	if (!r->dumper)
		return 0;
	errno = 0;
	if (pcap_dump_flush(r->dumper) < 0 || ferror(r->fp))
		err = errno ? -errno : -EIO;
	else if (fsync(fileno(r->fp)) < 0)
		err = -errno;
	/* pcap_dump_close() fclose()s without reporting; when nothing failed
	 * above, everything is already on disk */
	pcap_dump_close(r->dumper);
	r->dumper = NULL;
	r->fp = NULL;
	if (err < 0)
		return ring_fail(r, err, r->current, "cannot write the evidence file");
	return 0;
}

/* Deletes our oldest files so that at most r->keep remain (the current one
 * included).  A file that cannot be deleted is an error: disk use would no
 * longer be bounded. */
static int ring_prune(struct probe_ring *r)
{
	uint64_t *numbers;
	size_t n, i;
	int err;

	err = ring_scan(r, &numbers, &n);
	if (err < 0)
		return ring_fail(r, err, r->dir, "cannot list the evidence directory");
	for (i = r->keep; i < n; i++) {
		char *path = ring_path(r, numbers[i]);

		if (!path) {
			err = ring_fail(r, -ENOMEM, r->dir, "cannot delete old evidence");
			break;
		}
		if (unlink(path) < 0 && errno != ENOENT) {
			err = ring_fail(r, -errno, path, "cannot delete old evidence");
			free(path);
			break;
		}
		free(path);
	}
	free(numbers);
	if (err == 0 && n > r->keep)
		ring_sync_dir(r);
	return err;
}

/* Opens the next file and writes its header.  0 or -errno (recorded). */
static int ring_open_file(struct probe_ring *r)
{
	char *path;
	int fd, err;

	path = ring_path(r, r->number + 1);
	if (!path)
		return ring_fail(r, -ENOMEM, r->dir, "cannot create the evidence file");
	free(r->current);
	r->current = path;
	r->number++;
	/* O_EXCL: another process writing the same prefix must not make us
	 * truncate its evidence */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return ring_fail(r, -errno, path, "cannot create the evidence file");
	r->fp = fdopen(fd, "wb");
	if (!r->fp) {
		err = -errno;
		close(fd);
		return ring_fail(r, err, path, "cannot create the evidence file");
	}
	r->dumper = pcap_dump_fopen(r->dead, r->fp);
	if (!r->dumper) {
		fclose(r->fp);
		r->fp = NULL;
		r->error = -EIO;
		snprintf(r->errmsg, sizeof(r->errmsg), "%s: cannot write the evidence file (libpcap: %s)", path,
			 pcap_geterr(r->dead));
		return r->error;
	}
	r->bytes = RING_FILE_HEADER;
	ring_sync_dir(r);
	return ring_prune(r);
}

int probe_ring_open(const struct probe_ring_config *cfg, struct probe_ring **ret, char *errbuf, size_t errlen)
{
	struct probe_ring *r;
	const char *slash;
	uint64_t *numbers = NULL;
	size_t n;
	struct stat st;
	int err;

	*ret = NULL;
	if (!cfg->prefix || !*cfg->prefix) {
		snprintf(errbuf, errlen, "no evidence file prefix given");
		return -EINVAL;
	}
	slash = strrchr(cfg->prefix, '/');
	if ((slash ? slash[1] : cfg->prefix[0]) == '\0') {
		snprintf(errbuf, errlen, "%s: the evidence prefix must end with a file name, not a directory",
			 cfg->prefix);
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(errbuf, errlen, "%s: out of memory", cfg->prefix);
		return -ENOMEM;
	}
	if (slash)
		r->dir = slash == cfg->prefix ? strdup("/") : strndup(cfg->prefix, (size_t)(slash - cfg->prefix));
	else
		r->dir = strdup(".");
	r->base = strdup(slash ? slash + 1 : cfg->prefix);
	r->linktype = cfg->linktype;
	r->snaplen = cfg->snaplen > 0 ? cfg->snaplen : RING_DEFAULT_SNAPLEN;
	r->max_bytes = cfg->max_bytes ? cfg->max_bytes : RING_DEFAULT_MAX_BYTES;
	r->keep = cfg->keep ? cfg->keep : RING_DEFAULT_KEEP;
	if (!r->dir || !r->base) {
		err = -ENOMEM;
		snprintf(errbuf, errlen, "%s: out of memory", cfg->prefix);
		goto out;
	}
	r->dead = pcap_open_dead_with_tstamp_precision(r->linktype, r->snaplen, PCAP_TSTAMP_PRECISION_NANO);
	if (!r->dead) {
		err = -ENOMEM;
		snprintf(errbuf, errlen, "%s: out of memory", cfg->prefix);
		goto out;
	}
	/* Problems with the directory are reported now, not at the first
	 * packet, which may come hours later. */
	if (stat(r->dir, &st) < 0) {
		err = -errno;
		snprintf(errbuf, errlen, "%s: evidence directory: %s", r->dir, strerror(-err));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		err = -ENOTDIR;
		snprintf(errbuf, errlen, "%s: evidence directory: %s", r->dir, strerror(-err));
		goto out;
	}
	if (access(r->dir, W_OK | X_OK) < 0) {
		err = -errno;
		snprintf(errbuf, errlen, "%s: cannot write evidence files there: %s", r->dir, strerror(-err));
		goto out;
	}
	err = ring_scan(r, &numbers, &n);
	if (err < 0) {
		snprintf(errbuf, errlen, "%s: cannot list the evidence directory: %s", r->dir, strerror(-err));
		goto out;
	}
	r->number = n > 0 ? numbers[0] : 0;
	free(numbers);
	*ret = r;
	r = NULL;
	err = 0;
out:
	if (r)
		probe_ring_close(r);
	return err;
}

int probe_ring_write(struct probe_ring *r, const struct probe_record *rec)
{
	struct pcap_pkthdr h;
	uint64_t size;
	int err;

	if (r->error)
		return r->error;
	/* one link type per pcap file: a record of another type would be
	 * misread by every tool, so refuse it (the ring stays usable) */
	if (rec->linktype != r->linktype) {
		snprintf(r->errmsg, sizeof(r->errmsg),
			 "%s-*.pcap: a record of link type %d cannot go into a file of link type %d", r->base,
			 rec->linktype, r->linktype);
		return -EINVAL;
	}
	probe_pkthdr_fill(&h, rec, r->snaplen);
	size = RING_RECORD_HEADER + h.caplen;

	/* rotate before the record that would take the file over max_bytes;
	 * a record bigger than that alone still goes into a file of its own */
	if (r->dumper && r->bytes + size > r->max_bytes) {
		err = ring_close_file(r);
		if (err < 0)
			return err;
	}
	if (!r->dumper) {
		err = ring_open_file(r);
		if (err < 0)
			return err;
	}
	errno = 0;
	pcap_dump((u_char *)r->dumper, &h, rec->data);
	/* pcap_dump() reports nothing; stdio remembers the failure */
	if (ferror(r->fp))
		return ring_fail(r, errno ? -errno : -EIO, r->current, "cannot write the evidence file");
	r->bytes += size;
	return 0;
}

int probe_ring_flush(struct probe_ring *r)
{
	if (r->error)
		return r->error;
	if (!r->dumper)
		return 0;
	errno = 0;
	if (pcap_dump_flush(r->dumper) < 0 || ferror(r->fp))
		return ring_fail(r, errno ? -errno : -EIO, r->current, "cannot write the evidence file");
	return 0;
}

const char *probe_ring_current(const struct probe_ring *r)
{
	return r->dumper ? r->current : NULL;
}

const char *probe_ring_error(const struct probe_ring *r)
{
	return r->errmsg;
}

int probe_ring_close(struct probe_ring *r)
{
	int err;

	if (!r)
		return 0;
	err = r->error;
	if (r->dumper) {
		int e = ring_close_file(r);

		if (err == 0)
			err = e;
	}
	if (r->dead)
		pcap_close(r->dead);
	free(r->current);
	free(r->dir);
	free(r->base);
	free(r);
	return err;
}
