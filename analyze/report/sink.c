/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where `sanso monitor` sends its records: a stream of lines (stdout or a
 * size-rotated file) and RFC 5424 syslog over a local datagram socket or
 * RFC 5426 UDP.  Neither ever blocks the capture for long: the log writes
 * straight to the kernel, syslog sends with MSG_DONTWAIT and counts what
 * the receiver did not take.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

/* ------------------------------------------------------------------ log */

/* Bounds the renames one rotation does (and the name buffer): a larger
 * keep is a typo, not a retention policy. */
#define LOG_KEEP_MAX 1000

struct an_log {
	char *path; /* NULL: stdout */
	int fd;     /* -1 after a rotation could not open the new FILE */
	uint64_t size;
	uint64_t rotate_bytes; /* 0: never */
	unsigned keep;
};

static int log_open_fd(struct an_log *l)
{
	struct stat st;
	int fd;

	fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	/* a FIFO or /dev/null has no size to rotate by */
	if (!S_ISREG(st.st_mode))
		l->rotate_bytes = 0;
	l->fd = fd;
	l->size = (uint64_t)st.st_size;
	return 0;
}

int an_log_open(const char *path, uint64_t rotate_bytes, unsigned keep, struct an_log **ret, char *errbuf,
		size_t errlen)
{
	struct an_log *l;
	int r;

	*ret = NULL;
	if (keep > LOG_KEEP_MAX) {
		snprintf(errbuf, errlen, "%s: cannot keep %u rotated files (at most %d)", path ? path : "-", keep,
			 LOG_KEEP_MAX);
		return -EINVAL;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(errbuf, errlen, "%s: out of memory", path ? path : "-");
		return -ENOMEM;
	}
	l->fd = -1;
	if (!path || strcmp(path, "-") == 0) {
		*ret = l;
		return 0;
	}
	l->path = strdup(path);
	if (!l->path) {
		free(l);
		snprintf(errbuf, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	l->rotate_bytes = rotate_bytes;
	l->keep = keep ? keep : 10;
	r = log_open_fd(l);
	if (r < 0) {
		snprintf(errbuf, errlen, "%s: cannot open for appending: %s", path, strerror(-r));
		free(l->path);
		free(l);
		return r;
	}
	*ret = l;
	return 0;
}

static int write_all(int fd, const char *p, size_t len, uint64_t *written)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		*written += (uint64_t)n;
	}
	return 0;
}

/*
 * FILE.keep is deleted, FILE.N renamed FILE.N+1 (N = keep-1 … 1), FILE
 * renamed FILE.1, and a new FILE opened.  Missing files are skipped, so a
 * gap left by hand does not stop the rotation.
 */
static int log_rotate(struct an_log *l)
{
	size_t n = strlen(l->path) + 16;
	char *from = malloc(n), *to = malloc(n);
	int r = 0;

	if (!from || !to) {
		r = -ENOMEM;
		goto out;
	}
	snprintf(to, n, "%s.%u", l->path, l->keep);
	if (unlink(to) < 0 && errno != ENOENT) {
		r = -errno;
		goto out;
	}
	for (unsigned i = l->keep - 1; i >= 1; i--) {
		snprintf(from, n, "%s.%u", l->path, i);
		snprintf(to, n, "%s.%u", l->path, i + 1);
		if (rename(from, to) < 0 && errno != ENOENT) {
			r = -errno;
			goto out;
		}
	}
	snprintf(to, n, "%s.1", l->path);
	/* ENOENT: FILE was removed by hand; we simply start a new one */
	if (rename(l->path, to) < 0 && errno != ENOENT) {
		r = -errno;
		goto out;
	}
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	r = log_open_fd(l);
out:
	free(from);
	free(to);
	return r;
}

/*
 * Writes the longest run of whole lines that keeps FILE within
 * rotate_bytes, rotates, and goes on; a single line longer than
 * rotate_bytes gets a file of its own.  Returns 0 or -errno; -EINVAL when
 * the buffer does not end with '\n'.
 */
int an_log_write(struct an_log *l, const char *lines, size_t len)
{
	const char *p = lines, *end = lines + len;
	int r;

	if (len == 0)
		return 0;
	if (lines[len - 1] != '\n')
		return -EINVAL;
	if (!l->path) {
		errno = 0;
		if (fwrite(lines, 1, len, stdout) != len || fflush(stdout) != 0)
			return errno ? -errno : -EIO;
		return 0;
	}
	if (l->fd < 0) {
		r = log_open_fd(l);
		if (r < 0)
			return r;
	}
	if (l->rotate_bytes == 0)
		return write_all(l->fd, lines, len, &l->size);
	while (p < end) {
		const char *q = p;

		while (q < end) {
			const char *nl = memchr(q, '\n', (size_t)(end - q));
			uint64_t before = l->size + (uint64_t)(q - p);

			if (before > 0 && before + (uint64_t)(nl + 1 - q) > l->rotate_bytes)
				break;
			q = nl + 1;
		}
		if (q == p) {
			struct stat st;

			/* someone may have truncated FILE (copytruncate): believe the
			 * file, not our count, before rotating */
			if (fstat(l->fd, &st) == 0 && (uint64_t)st.st_size < l->size) {
				l->size = (uint64_t)st.st_size;
				continue;
			}
			r = log_rotate(l);
			if (r < 0)
				return r;
			continue;
		}
		r = write_all(l->fd, p, (size_t)(q - p), &l->size);
		if (r < 0)
			return r;
		p = q;
	}
	return 0;
}

int an_log_close(struct an_log *l)
{
	int r = 0;

	if (!l)
		return 0;
	if (!l->path) {
		errno = 0;
		if (fflush(stdout) != 0)
			r = errno ? -errno : -EIO;
	} else if (l->fd >= 0 && close(l->fd) < 0 && errno != EINTR) {
		r = -errno;
	}
	free(l->path);
	free(l);
	return r;
}

/* --------------------------------------------------------------- syslog */

/*
 * The largest datagram we send.  Local: 8 KiB, rsyslog's default
 * $MaxMessageSize — a longer message would be cut by the receiver anywhere,
 * even inside a character or the structured data; cut here it stays valid.
 * UDP: 2048 octets, what RFC 5426 §3.2 says every receiver SHOULD accept
 * (480 is the MUST for IPv4, but would cut most findings).
 */
#define SYSLOG_MAX_UNIX 8192
#define SYSLOG_MAX_UDP	2048
#define SYSLOG_APP_MAX	48 /* RFC 5424 APP-NAME */
#define SYSLOG_NAME_MAX 32 /* RFC 5424 MSGID, SD-NAME */

struct an_syslog {
	int fd; /* unix: -1 while the receiver is gone */
	bool is_unix;
	struct sockaddr_un un; /* unix: where to reconnect */
	int facility;
	char hostname[256];
	char app[SYSLOG_APP_MAX + 1];
	uint64_t dropped;
	size_t max_len;
	char *buf; /* max_len bytes */
};

struct facility_name {
	const char *name;
	int code;
};

/* RFC 5424 §6.2.1 table 1, with the names syslog.conf(5) and rsyslog use */
static const struct facility_name facilities[] = {
	{ "kern", 0 }, { "user", 1 }, { "mail", 2 }, { "daemon", 3 }, { "auth", 4 }, { "security", 4 },
	{ "syslog", 5 }, { "lpr", 6 }, { "news", 7 }, { "uucp", 8 }, { "cron", 9 }, { "authpriv", 10 },
	{ "ftp", 11 }, { "ntp", 12 }, { "audit", 13 }, { "console", 14 }, { "solaris-cron", 15 },
	{ "local0", 16 }, { "local1", 17 }, { "local2", 18 }, { "local3", 19 }, { "local4", 20 },
	{ "local5", 21 }, { "local6", 22 }, { "local7", 23 },
};

int an_syslog_facility_parse(const char *name, int *ret)
{
	if (!name)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcasecmp(name, facilities[i].name) == 0) {
			*ret = facilities[i].code;
			return 0;
		}
	return -EINVAL;
}

/* RFC 5424 PRINTUSASCII (%d33-126), 1..max characters */
static bool printable_ascii(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n]; n++)
		if ((unsigned char)s[n] < 33 || (unsigned char)s[n] > 126)
			return false;
	return n >= 1 && n <= max;
}

/* SD-NAME: PRINTUSASCII except '=', ' ', ']' and '"', at most 32 */
static bool sd_name(const char *s)
{
	return printable_ascii(s, SYSLOG_NAME_MAX) && !strpbrk(s, "= ]\"");
}

static int unix_connect(struct an_syslog *s)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&s->un, sizeof(s->un)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = fd;
	return 0;
}

static int open_unix(struct an_syslog *s, const char *path, bool local, char *errbuf, size_t errlen)
{
	int r;

	if (strlen(path) >= sizeof(s->un.sun_path)) {
		snprintf(errbuf, errlen, "syslog socket path %s is longer than %zu bytes", path,
			 sizeof(s->un.sun_path) - 1);
		return -EINVAL;
	}
	s->is_unix = true;
	s->max_len = SYSLOG_MAX_UNIX;
	s->un.sun_family = AF_UNIX;
	memcpy(s->un.sun_path, path, strlen(path) + 1);
	r = unix_connect(s);
	if (r == -ENOENT && local)
		snprintf(errbuf, errlen,
			 "no syslog daemon socket at /dev/log: start rsyslog or systemd-journald, or send with "
			 "unix:PATH or udp:HOST:PORT");
	else if (r == -ECONNREFUSED)
		snprintf(errbuf, errlen, "syslog socket %s: nobody is receiving on it (is the syslog daemon running?)",
			 path);
	else if (r == -EPROTOTYPE)
		snprintf(errbuf, errlen, "syslog socket %s is not a datagram socket", path);
	else if (r < 0)
		snprintf(errbuf, errlen, "syslog socket %s: %s", path, strerror(-r));
	return r;
}

/* "HOST:PORT" or "[V6]:PORT"; PORT 1..65535 */
static int open_udp(struct an_syslog *s, const char *target, const char *hostport, char *errbuf, size_t errlen)
{
	char host[256], *end;
	const char *port;
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_protocol = IPPROTO_UDP }, *res = NULL;
	size_t hlen;
	unsigned long pn;
	int r, fd = -1;

	if (hostport[0] == '[') {
		const char *close_br = strchr(hostport, ']');
		if (!close_br || close_br[1] != ':')
			goto bad;
		hlen = (size_t)(close_br - hostport - 1);
		if (hlen == 0 || hlen >= sizeof(host))
			goto bad;
		memcpy(host, hostport + 1, hlen);
		port = close_br + 2;
		hints.ai_flags = AI_NUMERICHOST;
	} else {
		const char *colon = strchr(hostport, ':');
		if (!colon || strchr(colon + 1, ':'))
			goto bad; /* no port, or an IPv6 literal without brackets */
		hlen = (size_t)(colon - hostport);
		if (hlen == 0 || hlen >= sizeof(host))
			goto bad;
		memcpy(host, hostport, hlen);
		port = colon + 1;
	}
	host[hlen] = '\0';
	if (port[0] < '0' || port[0] > '9')
		goto bad;
	errno = 0;
	pn = strtoul(port, &end, 10);
	if (*end || errno || pn == 0 || pn > 65535)
		goto bad;
	hints.ai_flags |= AI_NUMERICSERV;
	r = getaddrinfo(host, port, &hints, &res);
	if (r != 0) {
		snprintf(errbuf, errlen, "syslog target %s: cannot resolve %s: %s", target, host,
			 r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return -EADDRNOTAVAIL;
	}
	r = -EADDRNOTAVAIL;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			r = -errno;
			continue;
		}
		/* connected: the kernel picks the source once and reports ICMP
		 * port unreachable as ECONNREFUSED */
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		r = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(errbuf, errlen, "syslog target %s: cannot reach %s: %s", target, host, strerror(-r));
		return r;
	}
	s->fd = fd;
	s->max_len = SYSLOG_MAX_UDP;
	return 0;
bad:
	snprintf(errbuf, errlen, "syslog target %s: expected udp:HOST:PORT (PORT 1-65535, an IPv6 address in "
				 "brackets: udp:[::1]:514)",
		 target);
	return -EINVAL;
}

static void read_hostname(char *buf, size_t len)
{
	/* RFC 5424 §6.2.4: HOSTNAME is 1..255 PRINTUSASCII, else NILVALUE */
	if (gethostname(buf, len) < 0 || !printable_ascii(buf, 255)) {
		buf[0] = '-';
		buf[1] = '\0';
	}
	buf[len - 1] = '\0';
}

int an_syslog_open(const char *target, int facility, const char *app_name, struct an_syslog **ret, char *errbuf,
		   size_t errlen)
{
	struct an_syslog *s;
	int r;

	*ret = NULL;
	if (facility < 0 || facility > 23) {
		snprintf(errbuf, errlen, "syslog facility %d is not between 0 and 23", facility);
		return -EINVAL;
	}
	if (app_name && app_name[0] && !printable_ascii(app_name, SYSLOG_APP_MAX)) {
		snprintf(errbuf, errlen, "syslog app name \"%s\" is not 1-%d printable ASCII characters", app_name,
			 SYSLOG_APP_MAX);
		return -EINVAL;
	}
	if (!target) {
		snprintf(errbuf, errlen, "no syslog target: expected local, unix:PATH or udp:HOST:PORT");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(errbuf, errlen, "syslog: out of memory");
		return -ENOMEM;
	}
	s->fd = -1;
	s->facility = facility;
	snprintf(s->app, sizeof(s->app), "%s", app_name && app_name[0] ? app_name : "-");
	read_hostname(s->hostname, sizeof(s->hostname));
	if (strcmp(target, "local") == 0) {
		r = open_unix(s, "/dev/log", true, errbuf, errlen);
	} else if (strncmp(target, "unix:", 5) == 0) {
		if (!target[5]) {
			snprintf(errbuf, errlen, "syslog target unix: needs a socket path (unix:/run/sanso.sock)");
			r = -EINVAL;
		} else {
			r = open_unix(s, target + 5, false, errbuf, errlen);
		}
	} else if (strncmp(target, "udp:", 4) == 0) {
		r = open_udp(s, target, target + 4, errbuf, errlen);
	} else {
		snprintf(errbuf, errlen, "syslog target \"%s\": expected local, unix:PATH or udp:HOST:PORT", target);
		r = -EINVAL;
	}
	if (r >= 0) {
		s->buf = malloc(s->max_len);
		if (!s->buf) {
			snprintf(errbuf, errlen, "syslog: out of memory");
			r = -ENOMEM;
		}
	}
	if (r < 0) {
		an_syslog_close(s);
		return r;
	}
	*ret = s;
	return 0;
}

/* An output buffer that refuses, rather than cuts, what does not fit. */
struct out {
	char *p;
	size_t len, cap;
};

static bool put(struct out *o, const void *p, size_t n)
{
	if (n > o->cap - o->len)
		return false;
	memcpy(o->p + o->len, p, n);
	o->len += n;
	return true;
}

static bool put_str(struct out *o, const char *s)
{
	return put(o, s, strlen(s));
}

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 if there is none.  p is
 * NUL-terminated, and NUL is never a continuation byte, so it never reads
 * past the end.
 */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/*
 * Appends s as UTF-8 (a malformed byte becomes U+FFFD), at most limit
 * bytes and never past the buffer, stopping before a character that does
 * not fit whole.  escape: PARAM-VALUE escaping of '"', '\' and ']' (RFC
 * 5424 §6.3.3), the backslash and its character kept together.  Returns
 * true when all of s went in.
 */
static bool put_utf8(struct out *o, const char *s, size_t limit, bool escape)
{
	static const char replacement[] = "\xef\xbf\xbd";
	const unsigned char *p = (const unsigned char *)s;
	size_t start = o->len;

	while (*p) {
		char tmp[4];
		const void *src = p;
		size_t in = utf8_len(p), n = in;

		if (in == 0) {
			src = replacement;
			in = 1;
			n = 3;
		} else if (escape && (*p == '"' || *p == '\\' || *p == ']')) {
			tmp[0] = '\\';
			tmp[1] = (char)*p;
			src = tmp;
			n = 2;
		}
		if (o->len - start + n > limit || !put(o, src, n))
			return false;
		p += in;
	}
	return true;
}

static void format_time(uint64_t ts_ns, char *buf, size_t len)
{
	struct timespec now;
	struct tm tm;
	time_t sec;

	if (ts_ns == 0) {
		clock_gettime(CLOCK_REALTIME, &now);
		ts_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	}
	sec = (time_t)(ts_ns / 1000000000u);
	gmtime_r(&sec, &tm);
	/* RFC 5424 §6.2.3: FULL-DATE "T" FULL-TIME, at most 6 fraction digits */
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(ts_ns % 1000000000u / 1000u));
}

static bool put_sd(struct out *o, const char *sd_id, const struct an_sd_param *params, size_t n_params,
		   size_t value_cap)
{
	if (!put_str(o, "[") || !put_str(o, sd_id))
		return false;
	for (size_t i = 0; i < n_params; i++) {
		if (!put_str(o, " ") || !put_str(o, params[i].name) || !put_str(o, "=\""))
			return false;
		/* a value cut short still leaves room for its '"' and the ']' */
		size_t room = o->cap - o->len;
		if (room < 2)
			return false;
		room -= 2;
		bool whole = put_utf8(o, params[i].value ? params[i].value : "", value_cap < room ? value_cap : room,
				      true);
		if (!whole && value_cap == SIZE_MAX)
			return false;
		if (!put_str(o, "\""))
			return false;
	}
	return put_str(o, "]");
}

/*
 * The whole message in s->buf; returns its length or -EMSGSIZE.  When it
 * is too long the MSG is cut first; when the header and the structured
 * data alone do not fit, every PARAM-VALUE is cut to one common length,
 * halved until the element fits (at most ~14 tries), so the message stays
 * well-formed and no escape is split.
 */
static ssize_t format_message(struct an_syslog *s, int severity, const char *msgid, const char *sd_id,
			      const struct an_sd_param *params, size_t n_params, uint64_t ts_ns, const char *msg)
{
	struct out o = { .p = s->buf, .cap = s->max_len };
	char ts[80], head[512];
	size_t head_len;
	int n;

	format_time(ts_ns, ts, sizeof(ts));
	n = snprintf(head, sizeof(head), "<%d>1 %s %s %s %ld %s ", s->facility * 8 + severity, ts, s->hostname,
		     s->app, (long)getpid(), msgid ? msgid : "-");
	if (n < 0 || (size_t)n >= sizeof(head) || !put(&o, head, (size_t)n))
		return -EMSGSIZE;
	head_len = o.len;
	if (!sd_id) {
		if (!put_str(&o, "-"))
			return -EMSGSIZE;
	} else if (!put_sd(&o, sd_id, params, n_params, SIZE_MAX)) {
		size_t cap = s->max_len;
		bool fits;

		do {
			cap /= 2;
			o.len = head_len;
			fits = put_sd(&o, sd_id, params, n_params, cap);
		} while (!fits && cap > 0);
		if (!fits)
			return -EMSGSIZE;
	}
	/* RFC 5424 §6.4: a UTF-8 MSG starts with the BOM; " " + BOM + at
	 * least something, or no MSG at all */
	if (msg && msg[0] && o.cap - o.len > 4) {
		put_str(&o, " \xef\xbb\xbf");
		put_utf8(&o, msg, SIZE_MAX, false);
	}
	return (ssize_t)o.len;
}

static int send_once(struct an_syslog *s, size_t len)
{
	ssize_t n = send(s->fd, s->buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0)
		return -errno;
	return 0;
}

/* errors that mean the unix receiver went away (restarted, socket file
 * replaced): worth a new connect */
static bool receiver_gone(int r)
{
	return r == -ECONNREFUSED || r == -ENOTCONN || r == -ECONNRESET || r == -ENOENT || r == -EPIPE ||
	       r == -EDESTADDRREQ;
}

/* errors of ours, not the receiver's or the network's */
static bool local_failure(int r)
{
	return r == -ENOMEM || r == -EBADF || r == -EFAULT || r == -EINVAL || r == -EMSGSIZE || r == -ENOTSOCK;
}

int an_syslog_send(struct an_syslog *s, int severity, const char *msgid, const char *sd_id,
		   const struct an_sd_param *params, size_t n_params, uint64_t ts_ns, const char *msg)
{
	bool reconnected = false;
	ssize_t len;
	int r;

	if (severity < 0 || severity > 7 || (msgid && !printable_ascii(msgid, SYSLOG_NAME_MAX)) ||
	    (sd_id && !sd_name(sd_id)) || (!sd_id && n_params > 0))
		return -EINVAL;
	for (size_t i = 0; i < n_params; i++)
		if (!params[i].name || !sd_name(params[i].name))
			return -EINVAL;
	len = format_message(s, severity, msgid, sd_id, params, n_params, ts_ns, msg);
	if (len < 0)
		return (int)len;

	/* A unix receiver that went away is looked for again at most once per
	 * message: a restarted rsyslog is picked up by the next record, and a
	 * missing one costs a failed connect(), not a loop. */
	if (s->fd < 0) {
		reconnected = true;
		r = unix_connect(s);
		if (r < 0)
			goto dropped;
	}
	r = send_once(s, (size_t)len);
	if (r == 0)
		return 0;
	if (s->is_unix && receiver_gone(r) && !reconnected) {
		if (unix_connect(s) == 0)
			r = send_once(s, (size_t)len);
	} else if (!s->is_unix && r == -ECONNREFUSED) {
		/* the ICMP was about an earlier datagram, which is what was
		 * lost; this one was not sent yet */
		s->dropped++;
		r = send_once(s, (size_t)len);
	}
	if (r == 0)
		return 0;
	if (s->is_unix && receiver_gone(r)) {
		close(s->fd);
		s->fd = -1;
	}
dropped:
	s->dropped++;
	return local_failure(r) ? r : 0;
}

uint64_t an_syslog_dropped(const struct an_syslog *s)
{
	return s->dropped;
}

void an_syslog_close(struct an_syslog *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
	free(s);
}
