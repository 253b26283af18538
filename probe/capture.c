/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capture reading through libpcap: offline (pcap and pcapng files) and
 * live (a network interface, memory-mapped ring), with nanosecond
 * timestamps, 1-based frame numbers, and error messages that tell a
 * network person what to do rather than only what libpcap said.
 *
 * Offline, we open the file ourselves (fopen) and hand the FILE to
 * libpcap, so that an OS error (no such file, permission) comes back as
 * its real errno instead of being folded into libpcap's error string.
 *
 * A regular file is read through a memory map (capture-map.c) rather
 * than read(2): libpcap still reads it with fread(), from a FILE whose
 * reads copy out of the map (fopencookie).  read(2) cost one kernel
 * copy and a system call per 4 KiB on top of stdio's own copy: for 1M
 * IMIX frames, a third of the time of a bare pcap_next_ex loop.  What
 * the map brings in is released behind us (MADV_DONTNEED every
 * MAP_RELEASE bytes), so a 4 GB capture adds about a MB of page-cache
 * pages to our RSS, not 4 GB.  A file that another program shortens
 * while we read it would kill us with SIGBUS on the pages past its new
 * end; a handler (installed while a map is open) puts zero pages there
 * instead and marks the capture, which then fails as damaged ("the file
 * shrank while it was being read") like any truncated file.  Pipes,
 * FIFOs, character devices and empty files go through plain stdio.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture-internal.h"
#include "probe.h"

/*
 * libpcap itself refuses records above 256 KiB for every link type we
 * decode (MAXIMUM_SNAPLEN); a record claiming more, or more than the
 * file's snapshot length, is a damaged file.  Checked again here so the
 * decoders can rely on it whatever libpcap version is underneath.
 */
#define CAPTURE_MAX_CAPLEN (256u * 1024u)

/* ----------------------------------------------------------------- capture */

struct probe_capture {
	pcap_t *pcap;
	struct capture_map *map; /* offline, mapped: owned by the FILE libpcap has */
	char *path; /* live: the interface name */
	unsigned file_index;
	uint64_t frames; /* records returned so far */
	int linktype;
	int snaplen;
	bool live;
	bool ts_nano; /* tv_usec carries nanoseconds (always offline; live unless refused) */
	bool if_dropped_known;
	bool direct;       /* records are read from the map here, not by libpcap: see capture_next_direct() */
	bool direct_usec;  /* ... and their timestamps are in microseconds */
	size_t direct_off; /* ... and the next one starts here */
	size_t direct_pf;  /* ... and the map is prefetched up to here */
	/* libpcap's 32-bit counters as last read, and our 64-bit totals */
	uint32_t last_recv, last_drop, last_ifdrop;
	struct probe_capture_stats stats;
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

/*
 * A mapped file in the classic pcap format, in our byte order, version
 * 2.4, of a link type libpcap hands out as stored: then libpcap's reader
 * (a 16-byte fread and a caplen-byte fread per record, each through
 * stdio's buffer) does nothing to a well-formed record but copy it twice,
 * and capture_next_direct() reads the records in place instead.  libpcap
 * has read and checked the file header; it still reads pcapng, swapped,
 * old and patched files, and any record that is not plainly well-formed.
 */
static void direct_init(struct probe_capture *c)
{
	uint32_t magic, linktype;
	uint16_t major, minor;

	if (!c->map || c->map->size < 24 || c->snaplen <= 0)
		return;
	memcpy(&magic, c->map->base, 4);
	memcpy(&major, c->map->base + 4, 2);
	memcpy(&minor, c->map->base + 6, 2);
	memcpy(&linktype, c->map->base + 20, 4);
	if ((magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) || major != 2 || minor != 4)
		return;
	/* no FCS or extension bits, and no pseudo-header libpcap rewrites */
	if (linktype != 1 /* Ethernet */ && linktype != 101 /* raw IP */ && linktype != 113 /* Linux SLL */ &&
	    linktype != 276 /* Linux SLL2 */)
		return;
	c->direct = true;
	c->direct_usec = magic == 0xa1b2c3d4;
	c->direct_off = c->direct_pf = 24;
}

int probe_capture_open_offline(const char *path, unsigned file_index, struct probe_capture **ret, char *errbuf,
			       size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	char prefix[512];
	struct probe_capture *c = NULL;
	struct capture_map *map = NULL;
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
	/* a regular file: read through a map (file comment), on a
	 * descriptor of its own so fp can still be closed on failure */
	{
		int mfd = fcntl(fileno(fp), F_DUPFD_CLOEXEC, 3);
		FILE *mf = mfd >= 0 ? probe_capture_map_open(mfd, &st, &map) : NULL;

		if (mf) {
			fclose(fp);
			fp = mf;
		} else if (mfd >= 0) {
			close(mfd);
		}
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
	c->map = map;
	c->ts_nano = true;
	c->file_index = file_index;
	c->linktype = pcap_datalink(c->pcap);
	c->snaplen = pcap_snapshot(c->pcap);
	direct_init(c);
	*ret = c;
	c = NULL;
	r = 0;
out:
	if (fp)
		fclose(fp);
	probe_capture_free(c);
	return r;
}

#define LIVE_DEFAULT_SNAPLEN 262144
#define LIVE_DEFAULT_BUFFER PROBE_LIVE_DEFAULT_BUFFER
#define LIVE_DEFAULT_TIMEOUT_MS 100

/*
 * The message and errno for a pcap_activate() failure.  libpcap's own text
 * is kept in parentheses: it sometimes says more (which ioctl failed).
 */
static int explain_activate_error(pcap_t *p, int status, const char *iface, char *buf, size_t len)
{
	const char *msg = pcap_geterr(p);

	switch (status) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		/* libpcap's text adds nothing here ("No such device exists") */
		snprintf(buf, len,
			 "%s: no such network interface (`ip link` lists them; in a container or another "
			 "network namespace, run sanso where the interface is)",
			 iface);
		return -ENODEV;
	case PCAP_ERROR_PERM_DENIED:
		snprintf(buf, len,
			 "%s: permission denied: capturing needs root or CAP_NET_RAW "
			 "(e.g. `setcap cap_net_raw,cap_net_admin+ep sanso`) (libpcap: %s)",
			 iface, msg);
		return -EPERM;
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		snprintf(buf, len,
			 "%s: no permission to put the interface in promiscuous mode: run as root or with "
			 "CAP_NET_ADMIN, or capture without promiscuous mode (only traffic to and from this host "
			 "is then seen, unless the interface receives a mirror port) (libpcap: %s)",
			 iface, msg);
		return -EPERM;
	case PCAP_ERROR_IFACE_NOT_UP:
		snprintf(buf, len, "%s: the interface is down; bring it up with `ip link set %s up` and try again",
			 iface, iface);
		return -ENETDOWN;
	case PCAP_ERROR_RFMON_NOTSUP:
		snprintf(buf, len, "%s: monitor mode is not supported on this interface (libpcap: %s)", iface, msg);
		return -EINVAL;
#ifdef PCAP_ERROR_CAPTURE_NOTSUP
	case PCAP_ERROR_CAPTURE_NOTSUP:
		snprintf(buf, len, "%s: packets cannot be captured on this kind of interface (libpcap: %s)", iface,
			 msg);
		return -EIO;
#endif
	default:
		snprintf(buf, len, "%s: cannot capture on the interface: %s (libpcap: %s)", iface,
			 pcap_statustostr(status), *msg ? msg : "no details");
		return -EIO;
	}
}

/* A pcap_activate() warning: the capture works, but the user should know. */
static void explain_activate_warning(pcap_t *p, int status, const char *iface, char *buf, size_t len)
{
	switch (status) {
	case PCAP_WARNING_PROMISC_NOTSUP:
		snprintf(buf, len,
			 "%s: warning: the interface cannot be put in promiscuous mode; only traffic to and from "
			 "this host (and broadcast) is seen (libpcap: %s)",
			 iface, pcap_geterr(p));
		break;
	case PCAP_WARNING_TSTAMP_TYPE_NOTSUP:
		snprintf(buf, len, "%s: warning: the requested time stamp type is not supported; using the default",
			 iface);
		break;
	default:
		snprintf(buf, len, "%s: warning: %s", iface, pcap_geterr(p));
		break;
	}
}

/*
 * ps_ifdrop is meaningful only when libpcap can read the interface's
 * counters: on Linux it adds up /sys/class/net/IFACE/statistics/
 * rx_missed_errors and rx_fifo_errors, and only in promiscuous mode.
 * sysfs shows the network namespace it was mounted in, which need not be
 * ours (a container, `ip netns exec` without remounting /sys): the
 * counters are trusted only if the name there has the ifindex it has in
 * our namespace.  Two namespaces can still reuse an ifindex; then the
 * counts may be another interface's, which libpcap would report too.
 */
static bool if_drops_available(const char *iface, bool promisc)
{
	char path[128];
	unsigned long idx = 0;
	FILE *f;
	int n;

	if (!promisc)
		return false;
	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/rx_missed_errors", iface);
	if (access(path, R_OK) < 0)
		return false;
	snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", iface);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fscanf(f, "%lu", &idx);
	fclose(f);
	return n == 1 && idx != 0 && idx == if_nametoindex(iface);
}

int probe_capture_open_live(const struct probe_live_config *cfg, unsigned index, struct probe_capture **ret,
			    char *errbuf, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	struct probe_capture *c = NULL;
	struct bpf_program prog;
	const char *iface = cfg->iface;
	int snaplen = cfg->snaplen ? cfg->snaplen : LIVE_DEFAULT_SNAPLEN;
	size_t buffer = cfg->buffer_bytes ? cfg->buffer_bytes : LIVE_DEFAULT_BUFFER;
	int timeout = cfg->timeout_ms ? cfg->timeout_ms : LIVE_DEFAULT_TIMEOUT_MS;
	int r, status;

	*ret = NULL;
	if (errlen > 0)
		errbuf[0] = '\0';
	if (!iface || !*iface) {
		snprintf(errbuf, errlen, "no interface given to capture on");
		return -EINVAL;
	}
	/* libpcap would copy a longer name cut short into the ioctl request,
	 * and could end up capturing on another interface */
	if (strlen(iface) >= IFNAMSIZ) {
		snprintf(errbuf, errlen, "%s: no such network interface (names have at most %d characters)", iface,
			 IFNAMSIZ - 1);
		return -ENODEV;
	}
	/* before libpcap: without CAP_NET_RAW its socket() fails first, and an
	 * interface that isn't there would be reported as "permission denied".
	 * "any" is libpcap's pseudo-interface. */
	if (strcmp(iface, "any") != 0 && if_nametoindex(iface) == 0 && errno == ENODEV) {
		snprintf(errbuf, errlen,
			 "%s: no such network interface (`ip link` lists them; in a container or another "
			 "network namespace, run sanso where the interface is)",
			 iface);
		return -ENODEV;
	}
	if (snaplen < 0 || snaplen > (int)CAPTURE_MAX_CAPLEN || timeout < 0 || buffer > INT32_MAX) {
		snprintf(errbuf, errlen,
			 "%s: bad capture options: snapshot length %d (at most %u), block timeout %d ms, "
			 "buffer %zu bytes (below 2 GiB)",
			 iface, cfg->snaplen, CAPTURE_MAX_CAPLEN, cfg->timeout_ms, cfg->buffer_bytes);
		return -EINVAL;
	}

	c = calloc(1, sizeof(*c));
	if (!c || !(c->path = strdup(iface))) {
		r = -ENOMEM;
		snprintf(errbuf, errlen, "%s: out of memory", iface);
		goto out;
	}
	c->live = true;
	c->file_index = index;
	c->pcap = pcap_create(iface, pcap_err);
	if (!c->pcap) {
		r = -EIO;
		snprintf(errbuf, errlen, "%s: cannot capture on the interface (libpcap: %s)", iface, pcap_err);
		goto out;
	}
	if (pcap_set_snaplen(c->pcap, snaplen) != 0 || pcap_set_promisc(c->pcap, !cfg->no_promisc) != 0 ||
	    pcap_set_timeout(c->pcap, timeout) != 0 || pcap_set_buffer_size(c->pcap, (int)buffer) != 0 ||
	    pcap_set_immediate_mode(c->pcap, cfg->immediate) != 0) {
		r = -EINVAL;
		snprintf(errbuf, errlen, "%s: libpcap refused the capture options (libpcap: %s)", iface,
			 pcap_geterr(c->pcap));
		goto out;
	}
	/* nanoseconds where the kernel gives them (Linux does); otherwise
	 * microseconds, scaled when read */
	c->ts_nano = pcap_set_tstamp_precision(c->pcap, PCAP_TSTAMP_PRECISION_NANO) == 0;

	status = pcap_activate(c->pcap);
	if (status < 0) {
		r = explain_activate_error(c->pcap, status, iface, errbuf, errlen);
		goto out;
	}
	if (status > 0)
		explain_activate_warning(c->pcap, status, iface, errbuf, errlen);
	c->ts_nano = pcap_get_tstamp_precision(c->pcap) == PCAP_TSTAMP_PRECISION_NANO;

	if (cfg->bpf_filter && *cfg->bpf_filter) {
		if (pcap_compile(c->pcap, &prog, cfg->bpf_filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			r = -EINVAL;
			snprintf(errbuf, errlen, "%s: bad capture filter \"%s\": %s (see pcap-filter(7))", iface,
				 cfg->bpf_filter, pcap_geterr(c->pcap));
			goto out;
		}
		status = pcap_setfilter(c->pcap, &prog);
		pcap_freecode(&prog);
		if (status < 0) {
			r = -EIO;
			snprintf(errbuf, errlen, "%s: cannot install the capture filter \"%s\" (libpcap: %s)", iface,
				 cfg->bpf_filter, pcap_geterr(c->pcap));
			goto out;
		}
	}
	if (pcap_setnonblock(c->pcap, 1, pcap_err) < 0) {
		r = -EIO;
		snprintf(errbuf, errlen, "%s: cannot make the capture non-blocking (libpcap: %s)", iface, pcap_err);
		goto out;
	}
	c->linktype = pcap_datalink(c->pcap);
	c->snaplen = pcap_snapshot(c->pcap);
	c->if_dropped_known = if_drops_available(iface, !cfg->no_promisc);
	*ret = c;
	c = NULL;
	r = 0;
out:
	probe_capture_free(c);
	return r;
}

static uint64_t ts_to_ns(const struct timeval *tv, bool nano)
{
	uint64_t sub = (uint64_t)(tv->tv_usec < 0 ? 0 : tv->tv_usec);

	/* with PCAP_TSTAMP_PRECISION_NANO, tv_usec holds nanoseconds.  A
	 * pcapng timestamp can be anything: clamp instead of wrapping. */
	if (tv->tv_sec < 0)
		return 0;
	if ((uint64_t)tv->tv_sec > (UINT64_MAX - 999999999u) / 1000000000u)
		return UINT64_MAX;
	if (!nano)
		sub = sub > 999999 ? 999999000u : sub * 1000u;
	return (uint64_t)tv->tv_sec * 1000000000u + sub;
}

/*
 * A live read that libpcap refused.  Linux libpcap reports a removed
 * interface as PCAP_ERROR "The interface disappeared" (it sees ENETDOWN on
 * the socket, then finds the socket unbound); anything else is a capture
 * failure we cannot name better than libpcap does.
 */
static int live_read_error(struct probe_capture *c)
{
	const char *msg = pcap_geterr(c->pcap);

	if (contains(msg, "disappeared")) {
		snprintf(c->error, sizeof(c->error),
			 "%s: the interface disappeared (removed, or moved to another network namespace); "
			 "capture stopped after %" PRIu64 " packets",
			 c->path, c->frames);
		return -ENETDOWN;
	}
	snprintf(c->error, sizeof(c->error), "%s: capture failed after %" PRIu64 " packets (libpcap: %s)", c->path,
		 c->frames, msg);
	return -EIO;
}

static int capture_next_pcap(struct probe_capture *c, struct probe_record *ret);

/* Fills *ret with frame number `frame` (counted in c) and returns 1: the
 * end of both readers. */
static int record_out(struct probe_capture *c, struct probe_record *ret, uint64_t frame, const uint8_t *data,
		      uint32_t caplen, uint32_t len, uint64_t ts_ns, int linktype)
{
	c->frames = frame;
	ret->data = data;
	ret->caplen = caplen;
	ret->len = len;
	ret->ts_ns = ts_ns;
	ret->linktype = linktype;
	ret->ref.frame = frame > UINT32_MAX ? UINT32_MAX : (uint32_t)frame;
	ret->ref.file = (uint16_t)c->file_index;
	return 1;
}

/* Bytes of the map prefetched ahead of the next record: the records are
 * read in order, and a page ahead is enough to hide the miss on each new
 * line (2 KiB measured the same, 16 KiB worse). */
#define PREFETCH_AHEAD 4096

/*
 * The next record of a direct file (direct_init), in place in the map:
 * what libpcap would return for it, without its two copies.  A record
 * that is not whole in the map, longer than the snapshot length, or with
 * a timestamp libpcap would read as negative, and the end of the file,
 * go back to libpcap, positioned at that record, for the rest of the
 * file: its checks, its error messages, its handling of a growing file.
 */
static int capture_next_direct(struct probe_capture *c, struct probe_record *ret)
{
	struct capture_map *m = c->map;
	size_t off = c->direct_off;
	uint32_t h[4]; /* seconds, micro- or nanoseconds, caplen, len */
	struct timeval tv;

	if (m->shrunk || m->size - off < sizeof(h))
		goto libpcap;
	memcpy(h, m->base + off, sizeof(h));
	if (h[2] > (uint32_t)c->snaplen || h[2] > CAPTURE_MAX_CAPLEN || m->size - off - sizeof(h) < h[2] ||
	    ((h[0] | h[1]) & 0x80000000u))
		goto libpcap;
	/* The file may have shrunk under us: the SIGBUS handler then put zero
	 * pages past its new end.  Touching the record's last byte finds out
	 * before the record is handed out, as map_read() would have. */
	if (h[2] > 0)
		(void)*(volatile const uint8_t *)(m->base + off + sizeof(h) + h[2] - 1);
	if (m->shrunk)
		goto libpcap;
	tv.tv_sec = (time_t)h[0];
	tv.tv_usec = c->direct_usec ? (suseconds_t)h[1] * 1000 : (suseconds_t)h[1];
	c->direct_off = m->pos = off + sizeof(h) + h[2];
	/* the records ahead are read in order: have their lines on the way */
	for (size_t end = c->direct_off + PREFETCH_AHEAD < m->size ? c->direct_off + PREFETCH_AHEAD : m->size;
	     c->direct_pf < end; c->direct_pf += 64)
		__builtin_prefetch(m->base + c->direct_pf);
	probe_capture_map_release(m, MAP_RELEASE);
	return record_out(c, ret, c->frames + 1, m->base + off + sizeof(h), h[2], h[3], ts_to_ns(&tv, true),
			  c->linktype);

libpcap:
	c->direct = false;
	if (fseeko(pcap_file(c->pcap), (off_t)off, SEEK_SET) < 0) {
		snprintf(c->error, sizeof(c->error), "frame %" PRIu64 ": cannot read the capture file: %s",
			 c->frames + 1, strerror(errno));
		return -EIO;
	}
	return capture_next_pcap(c, ret);
}

int probe_capture_next(struct probe_capture *c, struct probe_record *ret)
{
	if (c->direct)
		return capture_next_direct(c, ret);
	return capture_next_pcap(c, ret);
}

static int capture_next_pcap(struct probe_capture *c, struct probe_record *ret)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t frame = c->frames + 1;
	int r;

	r = pcap_next_ex(c->pcap, &h, &data);
	if (r == PCAP_ERROR_BREAK)
		return 0;
	if (c->live && r == 0) {
		/* Nothing waiting.  libpcap saw ENETDOWN on the socket and has
		 * not yet seen the interface come back up: it then asks event
		 * loops for a short select timeout so it can look again, and
		 * that request is our only sign the interface is down. */
		if (pcap_get_required_select_timeout(c->pcap)) {
			snprintf(c->error, sizeof(c->error),
				 "%s: the interface went down (or is being removed); nothing is captured until "
				 "it is up again (`ip link set %s up`)",
				 c->path, c->path);
			return -ENETDOWN;
		}
		return 0;
	}
	if (c->live && r != 1)
		return live_read_error(c);
	if (r != 1 && c->map && c->map->shrunk) {
		snprintf(c->error, sizeof(c->error),
			 "frame %" PRIu64 ": the file shrank while it was being read (another program truncated or "
			 "rewrote it); the %" PRIu64 " frames before it were read",
			 frame, c->frames);
		return -EBADMSG;
	}
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
		if (c->live) {
			/* the kernel never hands out more than the snaplen;
			 * if it ever did, the decoders must not see it */
			snprintf(c->error, sizeof(c->error),
				 "%s: packet %" PRIu64 " has %u captured bytes, more than the snapshot length %d",
				 c->path, frame, h->caplen, c->snaplen);
			return -EIO;
		}
		snprintf(c->error, sizeof(c->error),
			 "frame %" PRIu64 ": the record claims %u captured bytes, more than the file's snapshot "
			 "length %d allows (at most %u): the file is damaged",
			 frame, h->caplen, c->snaplen, CAPTURE_MAX_CAPLEN);
		return -EBADMSG;
	}

	/* one link type per file in libpcap 1.10; asked per record so a
	 * libpcap that delivers per-interface types needs no change here */
	return record_out(c, ret, frame, data, h->caplen, h->len, ts_to_ns(&h->ts, c->ts_nano),
			  pcap_datalink(c->pcap));
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

int probe_capture_fd(const struct probe_capture *c)
{
	return c->live ? pcap_get_selectable_fd(c->pcap) : -1;
}

/* How far an offline capture has been read: bytes done of total (both 0
 * when not known: a pipe, or a file libpcap reads by itself). */
void probe_capture_progress(const struct probe_capture *c, uint64_t *done, uint64_t *total)
{
	*done = *total = 0;
	if (c->live || !c->map)
		return;
	*total = c->map->size;
	*done = c->direct ? c->direct_off : c->map->pos;
	if (*done > *total)
		*done = *total;
}

/*
 * The bytes of the ring libpcap mapped for a live capture, as the kernel
 * holds it: libpcap rounds --buffer-size to whole blocks of its own
 * choosing, so the requested size is not what a drop count depends on.
 * Read off /proc/self/maps: the packet socket's mapping carries its inode.
 * 0 when not known (a file, no mmap ring, no /proc).
 */
uint64_t probe_capture_ring_bytes(const struct probe_capture *c)
{
	struct stat st;
	char line[512];
	uint64_t total = 0;
	FILE *f;

	if (!c->live || fstat(pcap_fileno(c->pcap), &st) < 0)
		return 0;
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, ino;
		char perms[8], dev[16];
		unsigned long long off;
		if (sscanf(line, "%llx-%llx %7s %llx %15s %llu", &lo, &hi, perms, &off, dev, &ino) == 6 &&
		    ino == (unsigned long long)st.st_ino && ino != 0 && strstr(line, "socket:"))
			total += hi - lo;
	}
	fclose(f);
	return total;
}

const char *probe_capture_ring(const struct probe_capture *c)
{
	int version;
	socklen_t len = sizeof(version);

	if (!c->live)
		return "file";
	if (getsockopt(pcap_fileno(c->pcap), SOL_PACKET, PACKET_VERSION, &version, &len) < 0)
		return "unknown";
	switch (version) {
	case TPACKET_V1:
		return "tpacket_v1";
	case TPACKET_V2:
		return "tpacket_v2";
	case TPACKET_V3:
		return "tpacket_v3";
	default:
		return "unknown";
	}
}

/*
 * libpcap's counters are u_int and wrap at 2^32 (at 1 Mpps, in about 72
 * minutes).  The difference since the last call, taken modulo 2^32, is
 * right as long as fewer than 2^32 packets pass between two calls.
 */
int probe_capture_stats(struct probe_capture *c, struct probe_capture_stats *ret)
{
	struct pcap_stat ps;

	memset(ret, 0, sizeof(*ret));
	if (!c->live) {
		snprintf(c->error, sizeof(c->error), "%s: a capture file has no capture statistics", c->path);
		return -ENOTSUP;
	}
	if (pcap_stats(c->pcap, &ps) < 0) {
		snprintf(c->error, sizeof(c->error), "%s: cannot read the capture statistics (libpcap: %s)", c->path,
			 pcap_geterr(c->pcap));
		return -EIO;
	}
	c->stats.received += (uint32_t)((uint32_t)ps.ps_recv - c->last_recv);
	c->stats.dropped += (uint32_t)((uint32_t)ps.ps_drop - c->last_drop);
	c->stats.if_dropped += (uint32_t)((uint32_t)ps.ps_ifdrop - c->last_ifdrop);
	c->last_recv = (uint32_t)ps.ps_recv;
	c->last_drop = (uint32_t)ps.ps_drop;
	c->last_ifdrop = (uint32_t)ps.ps_ifdrop;
	*ret = c->stats;
	ret->if_dropped_known = c->if_dropped_known;
	if (!c->if_dropped_known)
		ret->if_dropped = 0;
	return 0;
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
