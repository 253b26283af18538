/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Offline capture reading through libpcap (pcap and pcapng), with
 * nanosecond timestamps, 1-based frame numbers, and error messages that
 * tell a network person what to do rather than only what libpcap said.
 *
 * We open the file ourselves (fopen) and hand the FILE to libpcap, so that
 * an OS error (no such file, permission) comes back as its real errno
 * instead of being folded into libpcap's error string.
 */
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "probe.h"

/*
 * libpcap itself refuses records above 256 KiB for every link type we
 * decode (MAXIMUM_SNAPLEN); a record claiming more, or more than the
 * file's snapshot length, is a damaged file.  Checked again here so the
 * decoders can rely on it whatever libpcap version is underneath.
 */
#define CAPTURE_MAX_CAPLEN (256u * 1024u)

struct probe_capture {
	pcap_t *pcap;
	char *path;
	unsigned file_index;
	uint64_t frames; /* records returned so far */
	int linktype;
	int snaplen;
	char error[PCAP_ERRBUF_SIZE + 512];
};

static bool contains(const char *haystack, const char *needle)
{
	return strstr(haystack, needle) != NULL;
}

/*
 * Turns a libpcap message about the file's content into advice.  Returns
 * the errno the caller should report: -EOPNOTSUPP for the pcapng
 * mixed-interface restriction (the file is fine, libpcap is not), -EINVAL
 * for anything else libpcap refuses.
 */
static int explain_pcap_error(const char *msg, char *buf, size_t len, const char *prefix)
{
	if (contains(msg, "an interface has a type") || contains(msg, "an interface has a snapshot length")) {
		snprintf(buf, len,
			 "%spcapng file has interfaces with different link types or snapshot lengths; "
			 "libpcap cannot read it (libpcap: %s). Split it per interface, e.g. "
			 "`tshark -r FILE -w out-N.pcapng -Y 'frame.interface_id==N'` for each interface N "
			 "(`capinfos FILE` lists them), or make the snapshot lengths equal with "
			 "`editcap -s 262144 FILE out.pcapng`, and audit the pieces",
			 prefix, msg);
		return -EOPNOTSUPP;
	}
	if (contains(msg, "sections with different byte orders")) {
		snprintf(buf, len,
			 "%spcapng file mixes sections of both byte orders; libpcap cannot read it (libpcap: %s). "
			 "Rewrite it with `editcap FILE out.pcapng` (Wireshark tools read it) and audit the copy",
			 prefix, msg);
		return -EOPNOTSUPP;
	}
	if (contains(msg, "unknown file format")) {
		snprintf(buf, len,
			 "%snot a pcap or pcapng file (libpcap: %s). If it is compressed, decompress it first; "
			 "if it is another capture format (snoop, ERF, Windows netmon…), convert it with "
			 "`editcap -F pcapng FILE out.pcapng`",
			 prefix, msg);
		return -EINVAL;
	}
	if (contains(msg, "version") || contains(msg, "archaic")) {
		snprintf(buf, len,
			 "%sunsupported capture file version (libpcap: %s). If Wireshark opens it, rewrite it "
			 "with `editcap -F pcap FILE out.pcap` and audit the copy",
			 prefix, msg);
		return -EINVAL;
	}
	if (contains(msg, "no Interface Description Block")) {
		snprintf(buf, len,
			 "%spcapng file without an interface description, so its packets cannot be "
			 "interpreted (libpcap: %s). It was probably cut at the start or written by a "
			 "broken tool; capture again",
			 prefix, msg);
		return -EINVAL;
	}
	if (contains(msg, "truncated")) {
		snprintf(buf, len,
			 "%sthe file ends before its first packet (libpcap: %s). It is empty, or was copied "
			 "while still being written",
			 prefix, msg);
		return -EINVAL;
	}
	snprintf(buf, len, "%scannot read the capture file (libpcap: %s). Check it with `capinfos FILE`", prefix,
		 msg);
	return -EINVAL;
}

int probe_capture_open_offline(const char *path, unsigned file_index, struct probe_capture **ret, char *errbuf,
			       size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	char prefix[512];
	struct probe_capture *c = NULL;
	struct stat st;
	FILE *fp = NULL;
	int r;

	*ret = NULL;
	snprintf(prefix, sizeof(prefix), "%s: ", path);
	fp = fopen(path, "rb");
	if (!fp) {
		r = -errno;
		snprintf(errbuf, errlen, "%s: cannot open the capture file: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fileno(fp), &st) < 0) {
		r = -errno;
		snprintf(errbuf, errlen, "%s: cannot open the capture file: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		r = -EISDIR;
		snprintf(errbuf, errlen, "%s: is a directory, not a capture file", path);
		goto out;
	}

	c = calloc(1, sizeof(*c));
	if (!c) {
		r = -ENOMEM;
		snprintf(errbuf, errlen, "%s: out of memory", path);
		goto out;
	}
	c->path = strdup(path);
	if (!c->path) {
		r = -ENOMEM;
		snprintf(errbuf, errlen, "%s: out of memory", path);
		goto out;
	}
	c->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
	if (!c->pcap) {
		/* libpcap leaves fp to us on failure */
		r = explain_pcap_error(pcap_err, errbuf, errlen, prefix);
		goto out;
	}
	fp = NULL; /* owned by libpcap now; pcap_close() closes it */
	c->file_index = file_index;
	c->linktype = pcap_datalink(c->pcap);
	c->snaplen = pcap_snapshot(c->pcap);
	*ret = c;
	c = NULL;
	r = 0;
out:
	if (fp)
		fclose(fp);
	probe_capture_free(c);
	return r;
}

static uint64_t ts_to_ns(const struct timeval *tv)
{
	/* with PCAP_TSTAMP_PRECISION_NANO, tv_usec holds nanoseconds.  A
	 * pcapng timestamp can be anything: clamp instead of wrapping. */
	if (tv->tv_sec < 0)
		return 0;
	if ((uint64_t)tv->tv_sec > (UINT64_MAX - 999999999u) / 1000000000u)
		return UINT64_MAX;
	return (uint64_t)tv->tv_sec * 1000000000u + (uint64_t)(tv->tv_usec < 0 ? 0 : tv->tv_usec);
}

int probe_capture_next(struct probe_capture *c, struct probe_record *ret)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t frame = c->frames + 1;
	int r;

	r = pcap_next_ex(c->pcap, &h, &data);
	if (r == PCAP_ERROR_BREAK)
		return 0;
	if (r != 1) {
		const char *msg = pcap_geterr(c->pcap);
		char prefix[64];

		snprintf(prefix, sizeof(prefix), "frame %" PRIu64 ": ", frame);
		if (contains(msg, "truncated"))
			snprintf(c->error, sizeof(c->error),
				 "frame %" PRIu64 ": %s (the file was cut short, e.g. copied while still being "
				 "written or the disk filled; the %" PRIu64 " frames before it were read)",
				 frame, msg, c->frames);
		else if (contains(msg, "invalid packet capture length"))
			snprintf(c->error, sizeof(c->error),
				 "frame %" PRIu64 ": %s (the record's length field is damaged; the %" PRIu64
				 " frames before it were read)",
				 frame, msg, c->frames);
		else
			explain_pcap_error(msg, c->error, sizeof(c->error), prefix);
		return -EBADMSG;
	}
	if (h->caplen > CAPTURE_MAX_CAPLEN || (c->snaplen > 0 && h->caplen > (bpf_u_int32)c->snaplen)) {
		snprintf(c->error, sizeof(c->error),
			 "frame %" PRIu64 ": the record claims %u captured bytes, more than the file's snapshot "
			 "length %d allows (at most %u): the file is damaged",
			 frame, h->caplen, c->snaplen, CAPTURE_MAX_CAPLEN);
		return -EBADMSG;
	}

	c->frames = frame;
	ret->data = data;
	ret->caplen = h->caplen;
	ret->len = h->len;
	ret->ts_ns = ts_to_ns(&h->ts);
	/* one link type per file in libpcap 1.10; asked per record so a
	 * libpcap that delivers per-interface types needs no change here */
	ret->linktype = pcap_datalink(c->pcap);
	ret->ref.frame = frame > UINT32_MAX ? UINT32_MAX : (uint32_t)frame;
	ret->ref.file = (uint16_t)c->file_index;
	return 1;
}

const char *probe_capture_error(const struct probe_capture *c)
{
	return c->error;
}

int probe_capture_linktype(const struct probe_capture *c)
{
	return c->linktype;
}

int probe_capture_snaplen(const struct probe_capture *c)
{
	return c->snaplen;
}

const char *probe_capture_path(const struct probe_capture *c)
{
	return c->path;
}

void probe_capture_free(struct probe_capture *c)
{
	if (!c)
		return;
	if (c->pcap)
		pcap_close(c->pcap);
	free(c->path);
	free(c);
}
