/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Evidence pcap writer.  The file is written under a temporary name next
 * to its target ("PATH.tmp-XXXXXX", same directory so rename() is atomic)
 * and renamed into place only after everything reached the disk, so a run
 * that fails — or is killed — never leaves a half-written evidence file
 * that looks complete.
 *
 * The file keeps mkstemp()'s 0600 mode: evidence holds captured traffic of
 * the My Number and LGWAN zones, which should not become world-readable
 * by accident.
 *
 * A target that exists and is not a regular file (/dev/null, a FIFO) is
 * written in place: a rename would replace it — run as root, the system's
 * /dev/null with a regular file.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe-internal.h"
#include "probe.h"

struct probe_dump {
	pcap_t *dead;
	pcap_dumper_t *dumper;
	FILE *fp;
	char *path;
	char *tmp;
	int linktype;
	int snaplen;
	int error; /* first write error, as a negative errno */
};

static void dump_free(struct probe_dump *d)
{
	if (!d)
		return;
	if (d->dumper)
		pcap_dump_close(d->dumper); /* closes d->fp */
	else if (d->fp)
		fclose(d->fp);
	if (d->dead)
		pcap_close(d->dead);
	free(d->path);
	free(d->tmp);
	free(d);
}

/* Makes the rename itself durable.  Best effort: the file is complete
 * either way, only a crash right now could lose the name. */
static void sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

int probe_dump_open(const char *path, int linktype, int snaplen, struct probe_dump **ret, char *errbuf,
		    size_t errlen)
{
	struct probe_dump *d;
	struct stat st;
	int fd, r;

	*ret = NULL;
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(errbuf, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	if (snaplen <= 0)
		snaplen = 262144;
	d->linktype = linktype;
	d->snaplen = snaplen;
	d->path = strdup(path);
	if (!d->path) {
		r = -ENOMEM;
		snprintf(errbuf, errlen, "%s: out of memory", path);
		goto out;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			snprintf(errbuf, errlen, "%s: cannot open the evidence file: %s", path, strerror(-r));
			goto out;
		}
	} else if (asprintf(&d->tmp, "%s.tmp-XXXXXX", path) < 0) {
		d->tmp = NULL;
		r = -ENOMEM;
		snprintf(errbuf, errlen, "%s: out of memory", path);
		goto out;
	} else if ((fd = mkostemp(d->tmp, O_CLOEXEC)) < 0) {
		r = -errno;
		snprintf(errbuf, errlen, "%s: cannot create the evidence file: %s", d->tmp, strerror(-r));
		free(d->tmp);
		d->tmp = NULL; /* nothing to unlink */
		goto out;
	}
	d->fp = fdopen(fd, "wb");
	if (!d->fp) {
		r = -errno;
		close(fd);
		snprintf(errbuf, errlen, "%s: %s", d->tmp ? d->tmp : path, strerror(-r));
		goto out;
	}
	d->dead = pcap_open_dead_with_tstamp_precision(linktype, snaplen, PCAP_TSTAMP_PRECISION_NANO);
	if (!d->dead) {
		r = -ENOMEM;
		snprintf(errbuf, errlen, "%s: out of memory", path);
		goto out;
	}
	d->dumper = pcap_dump_fopen(d->dead, d->fp);
	if (!d->dumper) {
		r = -EIO;
		snprintf(errbuf, errlen, "%s: cannot write the evidence file: %s", d->tmp ? d->tmp : path,
			 pcap_geterr(d->dead));
		goto out;
	}
	*ret = d;
	d = NULL;
	r = 0;
out:
	if (d) {
		if (d->tmp)
			unlink(d->tmp);
		dump_free(d);
	}
	return r;
}

void probe_pkthdr_fill(struct pcap_pkthdr *h, const struct probe_record *r, int snaplen)
{
	memset(h, 0, sizeof(*h));
	h->ts.tv_sec = (time_t)(r->ts_ns / 1000000000u);
	h->ts.tv_usec = (suseconds_t)(r->ts_ns % 1000000000u);
	h->caplen = r->caplen > (uint32_t)snaplen ? (uint32_t)snaplen : r->caplen;
	h->len = r->len < h->caplen ? h->caplen : r->len;
}

int probe_dump_write(struct probe_dump *d, const struct probe_record *r)
{
	struct pcap_pkthdr h;

	if (d->error)
		return d->error;
	/* one link type per pcap file: a record of another type would be
	 * misread by every tool, so refuse it */
	if (r->linktype != d->linktype)
		return -EINVAL;
	probe_pkthdr_fill(&h, r, d->snaplen);
	pcap_dump((u_char *)d->dumper, &h, r->data);
	/* pcap_dump() reports nothing; stdio remembers the failure */
	if (ferror(d->fp)) {
		d->error = -EIO;
		return d->error;
	}
	return 0;
}

int probe_dump_commit(struct probe_dump *d)
{
	int r;

	if (d->error) {
		r = d->error;
		goto out;
	}
	errno = 0;
	if (pcap_dump_flush(d->dumper) < 0 || fflush(d->fp) != 0 || ferror(d->fp)) {
		r = errno ? -errno : -EIO;
		goto out;
	}
	if (d->tmp && fsync(fileno(d->fp)) < 0) {
		r = -errno;
		goto out;
	}
	/* pcap_dump_close() fclose()s without reporting; everything is
	 * already flushed and synced, so nothing can be lost there */
	pcap_dump_close(d->dumper);
	d->dumper = NULL;
	d->fp = NULL;
	r = 0;
	if (!d->tmp) /* written in place */
		goto out;
	if (rename(d->tmp, d->path) < 0) {
		r = -errno;
		goto out;
	}
	sync_dir(d->path);
out:
	if (r < 0 && d->tmp)
		unlink(d->tmp);
	dump_free(d);
	return r;
}

void probe_dump_abort(struct probe_dump *d)
{
	if (!d)
		return;
	if (d->tmp)
		unlink(d->tmp);
	dump_free(d);
}
