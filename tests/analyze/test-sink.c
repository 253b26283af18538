/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The monitor's sinks and its privilege drop.  The rotated log is checked
 * against a model of the rotation (every file's exact content); syslog
 * messages are received on our own sockets and read back with a strict
 * RFC 5424 parser; privileges are dropped in forked children (root only),
 * which report each failed check as their exit status.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"

/* ------------------------------------------------------------- helpers */

static char tmpdir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sanso-sink-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	umask(022);
}

static void teardown(void)
{
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *path_in(const char *name)
{
	static char buf[4][256];
	static unsigned i;
	char *p = buf[i++ % 4];

	snprintf(p, 256, "%s/%s", tmpdir, name);
	return p;
}

/* the whole file, NUL-terminated; NULL when it does not exist */
static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap * 2 + 8192;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return buf;
}

static bool utf8_valid(const unsigned char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		unsigned n, lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 2;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4;
		else
			return false;
		if (c == 0xe0)
			lo = 0xa0;
		if (c == 0xed)
			hi = 0x9f;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
		if (i + n > len || p[i + 1] < lo || p[i + 1] > hi)
			return false;
		for (unsigned k = 2; k < n; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				return false;
		i += n;
	}
	return true;
}

/* ------------------------------------------------------------------ log */

START_TEST(log_stdout)
{
	const char *out = path_in("stdout");
	struct an_log *l;
	char err[256] = "";
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	fflush(stdout);
	ck_assert_int_eq(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	close(fd);

	/* NULL and "-" both mean stdout; rotation is ignored there */
	ck_assert_int_eq(an_log_open(NULL, 4, 1, &l, err, sizeof(err)), 0);
	ck_assert_int_eq(an_log_write(l, "a\nb\n", 4), 0);
	ck_assert_int_eq(an_log_write(l, "c\n", 2), 0);
	ck_assert_int_eq(an_log_close(l), 0);
	ck_assert_int_eq(an_log_open("-", 4, 1, &l, err, sizeof(err)), 0);
	ck_assert_int_eq(an_log_write(l, "{\"k\":1}\n", 8), 0);
	ck_assert_int_eq(an_log_close(l), 0);
	/* stdout itself stays open */
	ck_assert_int_ne(fcntl(STDOUT_FILENO, F_GETFD), -1);
	ck_assert_int_eq(access(path_in("stdout.1"), F_OK), -1);

	char *got = slurp(out, NULL);
	ck_assert_str_eq(got, "a\nb\nc\n{\"k\":1}\n");
	free(got);
}
END_TEST

#define N_LINES 600

static unsigned lcg(unsigned *state)
{
	*state = *state * 1103515245u + 12345u;
	return (*state >> 16) & 0x7fff;
}

struct rotation_case {
	uint64_t rotate_bytes;
	unsigned keep; /* 0: the default, 10 */
	unsigned max_line;
};

static const struct rotation_case rotation_cases[] = {
	{ 100, 3, 60 }, { 64, 1, 50 }, { 37, 5, 30 }, { 1000, 0, 120 }, { 4096, 2, 200 },
};

/* the expected content of lines [first, last) */
static char *join(char **lines, unsigned first, unsigned last)
{
	size_t len = 0;
	char *s;

	for (unsigned i = first; i < last; i++)
		len += strlen(lines[i]);
	s = malloc(len + 1);
	ck_assert_ptr_nonnull(s);
	s[0] = '\0';
	len = 0;
	for (unsigned i = first; i < last; i++) {
		strcpy(s + len, lines[i]);
		len += strlen(lines[i]);
	}
	return s;
}

START_TEST(log_rotation)
{
	const struct rotation_case *c = &rotation_cases[_i];
	unsigned keep = c->keep ? c->keep : 10, state = 7 + (unsigned)_i;
	/* the model: FILE holds lines [cur, n), FILE.k lines [from[k-1], to[k-1]) */
	unsigned from[10], to[10], n_rot = 0, cur = 0, cur_bytes = 0;
	char *lines[N_LINES], err[256] = "", *file = path_in("mon.jsonl");
	struct an_log *l;

	for (unsigned i = 0; i < N_LINES; i++) {
		unsigned len = 8 + lcg(&state) % c->max_line;

		if (i == N_LINES / 2 || i == N_LINES / 2 + 1)
			len = (unsigned)c->rotate_bytes + 17; /* longer than a whole file, twice in a row */
		lines[i] = malloc(len + 1);
		snprintf(lines[i], len + 1, "L%05u ", i);
		memset(lines[i] + 7, 'a' + i % 26, len - 8);
		lines[i][len - 1] = '\n';
		lines[i][len] = '\0';
	}

	ck_assert_int_eq(an_log_open(file, c->rotate_bytes, c->keep, &l, err, sizeof(err)), 0);
	for (unsigned i = 0; i < N_LINES;) {
		unsigned batch = 1 + lcg(&state) % 3;
		if (i + batch > N_LINES)
			batch = N_LINES - i;
		char *buf = join(lines, i, i + batch);
		ck_assert_int_eq(an_log_write(l, buf, strlen(buf)), 0);
		free(buf);
		for (unsigned k = i; k < i + batch; k++) {
			unsigned len = (unsigned)strlen(lines[k]);
			if (cur_bytes > 0 && cur_bytes + len > c->rotate_bytes) {
				memmove(from + 1, from, sizeof(from[0]) * (keep - 1));
				memmove(to + 1, to, sizeof(to[0]) * (keep - 1));
				from[0] = cur;
				to[0] = k;
				n_rot = n_rot < keep ? n_rot + 1 : keep;
				cur = k;
				cur_bytes = 0;
			}
			cur_bytes += len;
		}
		i += batch;
	}
	ck_assert_int_eq(an_log_close(l), 0);
	ck_assert_uint_eq(n_rot, keep); /* the workload rotates more than keep times */

	for (unsigned k = 0; k <= keep; k++) {
		char name[300];
		size_t len;
		char *got, *want;

		if (k == 0)
			snprintf(name, sizeof(name), "%s", file);
		else
			snprintf(name, sizeof(name), "%s.%u", file, k);
		got = slurp(name, &len);
		ck_assert_msg(got, "%s is missing", name);
		want = k == 0 ? join(lines, cur, N_LINES) : join(lines, from[k - 1], to[k - 1]);
		ck_assert_msg(strcmp(got, want) == 0, "%s does not hold the expected lines", name);
		/* whole lines only, within the size unless one line is longer */
		ck_assert(len > 0 && got[len - 1] == '\n');
		ck_assert_msg(len <= c->rotate_bytes || !strchr(got, '\n')[1], "%s has %zu bytes", name, len);
		free(got);
		free(want);
	}
	char name[300];
	snprintf(name, sizeof(name), "%s.%u", file, keep + 1);
	ck_assert_msg(access(name, F_OK) < 0, "%s should have been deleted", name);
	for (unsigned i = 0; i < N_LINES; i++)
		free(lines[i]);
}
END_TEST

START_TEST(log_append_reopen)
{
	const char *file = path_in("a.log");
	struct an_log *l;
	struct stat st;
	char err[256] = "", *got;

	ck_assert_int_eq(an_log_open(file, 0, 0, &l, err, sizeof(err)), 0);
	ck_assert_int_eq(an_log_write(l, "one\n", 4), 0);
	ck_assert_int_eq(an_log_close(l), 0);
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);

	ck_assert_int_eq(an_log_open(file, 0, 0, &l, err, sizeof(err)), 0);
	ck_assert_int_eq(an_log_write(l, "two\n", 4), 0);
	/* every write is on disk at once: a reader sees it before close */
	got = slurp(file, NULL);
	ck_assert_str_eq(got, "one\ntwo\n");
	free(got);
	ck_assert_int_eq(an_log_close(l), 0);

	/* a restart counts what the file already holds towards rotation */
	ck_assert_int_eq(an_log_open(file, 10, 2, &l, err, sizeof(err)), 0);
	ck_assert_int_eq(an_log_write(l, "three\n", 6), 0);
	ck_assert_int_eq(an_log_close(l), 0);
	got = slurp(file, NULL);
	ck_assert_str_eq(got, "three\n");
	free(got);
	got = slurp(path_in("a.log.1"), NULL);
	ck_assert_str_eq(got, "one\ntwo\n");
	free(got);
}
END_TEST

START_TEST(log_errors)
{
	struct an_log *l = (struct an_log *)1;
	char err[256] = "";

	ck_assert_int_eq(an_log_open("/nonexistent-sanso-dir/x.log", 0, 0, &l, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_null(l);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent-sanso-dir/x.log"));

	err[0] = '\0';
	ck_assert_int_eq(an_log_open(tmpdir, 0, 0, &l, err, sizeof(err)), -EISDIR);
	ck_assert_ptr_nonnull(strstr(err, tmpdir));

	err[0] = '\0';
	ck_assert_int_eq(an_log_open(path_in("k.log"), 100, 100000, &l, err, sizeof(err)), -EINVAL);
	ck_assert_str_ne(err, "");

	ck_assert_int_eq(an_log_open(path_in("k.log"), 100, 2, &l, err, sizeof(err)), 0);
	ck_assert_int_eq(an_log_write(l, "no newline", 10), -EINVAL);
	ck_assert_int_eq(an_log_write(l, "", 0), 0);
	ck_assert_int_eq(an_log_close(l), 0);
	ck_assert_int_eq(an_log_close(NULL), 0);

	/* /dev/full: the write error comes back as -ENOSPC */
	if (access("/dev/full", W_OK) == 0) {
		ck_assert_int_eq(an_log_open("/dev/full", 100, 2, &l, err, sizeof(err)), 0);
		ck_assert_int_eq(an_log_write(l, "x\n", 2), -ENOSPC);
		an_log_close(l);
	}
}
END_TEST

/* --------------------------------------------------------------- syslog */

#define RFC5424_BOM "\xef\xbb\xbf"

struct parsed {
	int pri;
	char ts[64], host[300], app[64], procid[160], msgid[64];
	bool has_sd;
	char sd_id[64];
	unsigned n_params;
	char names[8][64];
	char values[8][32768];
	bool has_msg;
	char msg[70000];
};

/* one space-terminated header field of 1..max PRINTUSASCII */
static bool field(const char **p, const char *end, char *out, size_t max)
{
	size_t n = 0;

	while (*p < end && **p != ' ') {
		unsigned char c = (unsigned char)**p;
		if (c < 33 || c > 126 || n >= max)
			return false;
		out[n++] = (char)c;
		(*p)++;
	}
	out[n] = '\0';
	if (n == 0 || *p >= end)
		return false;
	(*p)++;
	return true;
}

static bool digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* RFC 5424 §6 SYSLOG-MSG, strictly, into p; false with why */
static bool parse_5424(const char *buf, size_t len, struct parsed *p, const char **why)
{
	const char *s = buf, *end = buf + len;
	char *e;

	memset(p, 0, sizeof(*p));
	*why = "PRI";
	if (s >= end || *s != '<')
		return false;
	p->pri = (int)strtol(s + 1, &e, 10);
	if (e == s + 1 || e - (s + 1) > 3 || *e != '>' || p->pri > 191 || (s[1] == '0' && e - (s + 1) > 1))
		return false;
	s = e + 1;
	*why = "VERSION";
	if (end - s < 2 || s[0] != '1' || s[1] != ' ')
		return false;
	s += 2;
	*why = "TIMESTAMP";
	if (!field(&s, end, p->ts, 63))
		return false;
	const char *t = p->ts;
	if (strcmp(t, "-") != 0 &&
	    !(strlen(t) == 27 && digits(t, 4) && t[4] == '-' && digits(t + 5, 2) && t[7] == '-' && digits(t + 8, 2) &&
	      t[10] == 'T' && digits(t + 11, 2) && t[13] == ':' && digits(t + 14, 2) && t[16] == ':' &&
	      digits(t + 17, 2) && t[19] == '.' && digits(t + 20, 6) && t[26] == 'Z'))
		return false;
	*why = "HOSTNAME";
	if (!field(&s, end, p->host, 255))
		return false;
	*why = "APP-NAME";
	if (!field(&s, end, p->app, 48))
		return false;
	*why = "PROCID";
	if (!field(&s, end, p->procid, 128))
		return false;
	*why = "MSGID";
	if (!field(&s, end, p->msgid, 32))
		return false;
	*why = "STRUCTURED-DATA";
	if (s >= end)
		return false;
	if (*s == '-') {
		s++;
	} else {
		if (*s != '[')
			return false;
		p->has_sd = true;
		s++;
		size_t n = 0;
		while (s < end && *s != ' ' && *s != ']') {
			if (*s == '=' || *s == '"' || (unsigned char)*s < 33 || (unsigned char)*s > 126 || n >= 32)
				return false;
			p->sd_id[n++] = *s++;
		}
		if (n == 0)
			return false;
		while (s < end && *s == ' ') {
			unsigned k = p->n_params++;
			s++;
			n = 0;
			while (s < end && *s != '=') {
				if (*s == ' ' || *s == ']' || *s == '"' || (unsigned char)*s < 33 ||
				    (unsigned char)*s > 126 || n >= 32 || k >= 8)
					return false;
				p->names[k][n++] = *s++;
			}
			if (n == 0 || end - s < 2 || s[1] != '"')
				return false;
			s += 2;
			n = 0;
			while (s < end && *s != '"') {
				if (*s == ']')
					return false; /* must have been escaped */
				if (*s == '\\' && s + 1 < end && (s[1] == '"' || s[1] == '\\' || s[1] == ']'))
					s++;
				if (n >= sizeof(p->values[k]) - 1)
					return false;
				p->values[k][n++] = *s++;
			}
			if (s >= end)
				return false;
			s++; /* closing quote */
			if (!utf8_valid((const unsigned char *)p->values[k], n))
				return false;
		}
		if (s >= end || *s != ']')
			return false;
		s++;
		if (s < end && *s == '[')
			return false; /* we never send a second element */
	}
	*why = "MSG";
	if (s == end)
		return true;
	if (*s != ' ')
		return false;
	s++;
	if (end - s < 3 || memcmp(s, RFC5424_BOM, 3) != 0)
		return false;
	s += 3;
	if (!utf8_valid((const unsigned char *)s, (size_t)(end - s)) || (size_t)(end - s) >= sizeof(p->msg))
		return false;
	p->has_msg = true;
	memcpy(p->msg, s, (size_t)(end - s));
	return true;
}

/* one datagram within 2 s; its length, or -1 */
static ssize_t recv_one(int fd, char *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, 2000) != 1)
		return -1;
	return recv(fd, buf, len, 0);
}

static int unix_receiver(const char *path)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&un, sizeof(un)), 0);
	return fd;
}

/* sends one message and reads it back, parsed */
static void roundtrip(struct an_syslog *s, int rx, int severity, const char *msgid, const char *sd_id,
		      const struct an_sd_param *params, size_t n_params, uint64_t ts_ns, const char *msg,
		      struct parsed *p, char *raw, size_t rawlen, size_t *ret_len)
{
	const char *why = "";
	ssize_t n;

	ck_assert_int_eq(an_syslog_send(s, severity, msgid, sd_id, params, n_params, ts_ns, msg), 0);
	n = recv_one(rx, raw, rawlen - 1);
	ck_assert_int_gt(n, 0);
	raw[n] = '\0';
	ck_assert_msg(parse_5424(raw, (size_t)n, p, &why), "not RFC 5424 at %s: %.400s", why, raw);
	if (ret_len)
		*ret_len = (size_t)n;
}

static void expected_host(char *buf, size_t len)
{
	bool ok = gethostname(buf, len) == 0 && buf[0];

	for (char *c = buf; ok && *c; c++)
		ok = *c >= 33 && *c <= 126;
	if (!ok)
		snprintf(buf, len, "-");
}

struct format_case {
	int facility, severity;
	int pri;
	const char *app, *want_app;
	const char *msgid, *want_msgid;
	uint64_t ts_ns;
	const char *want_ts; /* NULL: now */
	const char *msg;
};

static const struct format_case format_cases[] = {
	{ 1, 6, 14, "sanso", "sanso", "finding", "finding", 1795338843120391000ull, "2026-11-22T09:14:03.120391Z",
	  "ファイアウォールを経由しない通信" },
	{ 23, 0, 184, "sanso", "sanso", "stats", "stats", 951868799999999999ull, "2000-02-29T23:59:59.999999Z",
	  "plain ASCII" },
	{ 0, 0, 0, NULL, "-", NULL, "-", 1000ull, "1970-01-01T00:00:00.000001Z", NULL },
	{ 3, 7, 31, "", "-", "x", "x", 0, NULL, "now" },
	{ 16, 4, 132, "a-very-long-but-legal-application-name-of-48-chr",
	  "a-very-long-but-legal-application-name-of-48-chr", "abcdefghijklmnopqrstuvwxyz012345",
	  "abcdefghijklmnopqrstuvwxyz012345", 1795338843000000999ull, "2026-11-22T09:14:03.000000Z", "" },
};

START_TEST(syslog_format)
{
	const struct format_case *c = &format_cases[_i];
	const char *sock = path_in("log.sock");
	int rx = unix_receiver(sock);
	char target[300], err[256] = "", host[300], raw[70000], pid[32];
	struct an_syslog *s;
	struct parsed *p = malloc(sizeof(*p));

	snprintf(target, sizeof(target), "unix:%s", sock);
	ck_assert_int_eq(an_syslog_open(target, c->facility, c->app, &s, err, sizeof(err)), 0);
	roundtrip(s, rx, c->severity, c->msgid, NULL, NULL, 0, c->ts_ns, c->msg, p, raw, sizeof(raw), NULL);

	ck_assert_int_eq(p->pri, c->pri);
	if (c->want_ts) {
		ck_assert_str_eq(p->ts, c->want_ts);
	} else {
		struct tm tm = { 0 };
		ck_assert_ptr_nonnull(strptime(p->ts, "%Y-%m-%dT%H:%M:%S", &tm));
		time_t t = timegm(&tm);
		ck_assert_int_le(labs((long)(t - time(NULL))), 5);
	}
	expected_host(host, sizeof(host));
	ck_assert_str_eq(p->host, host);
	ck_assert_str_eq(p->app, c->want_app);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	ck_assert_str_eq(p->procid, pid);
	ck_assert_str_eq(p->msgid, c->want_msgid);
	ck_assert(!p->has_sd);
	/* NILVALUE for the SD, before the MSG or at the end */
	ck_assert(strstr(raw, " - " RFC5424_BOM) || (raw[strlen(raw) - 1] == '-' && raw[strlen(raw) - 2] == ' '));
	if (c->msg && c->msg[0]) {
		ck_assert(p->has_msg);
		ck_assert_str_eq(p->msg, c->msg);
	} else {
		ck_assert(!p->has_msg);
		ck_assert_int_eq(raw[strlen(raw) - 1], '-'); /* the message ends with the SD */
	}
	ck_assert_uint_eq(an_syslog_dropped(s), 0);
	an_syslog_close(s);
	close(rx);
	free(p);
}
END_TEST

START_TEST(syslog_structured_data)
{
	const char *sock = path_in("log.sock");
	int rx = unix_receiver(sock);
	char target[300], err[256] = "", raw[70000];
	struct an_syslog *s;
	struct parsed *p = malloc(sizeof(*p));
	const struct an_sd_param params[] = {
		{ "check", "DUAL-HOMED" },
		{ "note", "a \"quoted\" \\ back]slash" },
		{ "zone", "東京本社" },
		{ "empty", "" },
		{ "nullvalue", NULL },
	};

	snprintf(target, sizeof(target), "unix:%s", sock);
	ck_assert_int_eq(an_syslog_open(target, 3, "sanso", &s, err, sizeof(err)), 0);
	roundtrip(s, rx, 2, "finding", "sanso@32473", params, 5, 1795338843120391000ull, "本文 with text", p, raw,
		  sizeof(raw), NULL);
	ck_assert_int_eq(p->pri, 26);
	ck_assert(p->has_sd);
	ck_assert_str_eq(p->sd_id, "sanso@32473");
	ck_assert_uint_eq(p->n_params, 5);
	for (unsigned i = 0; i < 5; i++) {
		ck_assert_str_eq(p->names[i], params[i].name);
		ck_assert_str_eq(p->values[i], params[i].value ? params[i].value : "");
	}
	/* the escaping itself, byte for byte */
	ck_assert_ptr_nonnull(strstr(raw, " note=\"a \\\"quoted\\\" \\\\ back\\]slash\" "));
	ck_assert_ptr_nonnull(strstr(raw, "\"] " RFC5424_BOM "本文 with text"));
	ck_assert_str_eq(p->msg, "本文 with text");

	/* an SD-ELEMENT without parameters, and no MSG */
	roundtrip(s, rx, 5, "stats", "sanso@32473", NULL, 0, 1000, NULL, p, raw, sizeof(raw), NULL);
	ck_assert(p->has_sd && p->n_params == 0 && !p->has_msg);
	ck_assert_ptr_nonnull(strstr(raw, " stats [sanso@32473]"));
	ck_assert_int_eq(raw[strlen(raw) - 1], ']');

	/* malformed UTF-8 becomes U+FFFD, in values and MSG */
	const struct an_sd_param bad[] = { { "v", "x\xff\xc3" } };
	roundtrip(s, rx, 5, "stats", "sanso@32473", bad, 1, 1000, "\xfe ok \xed\xa0\x80!", p, raw, sizeof(raw), NULL);
	ck_assert_str_eq(p->values[0], "x\xef\xbf\xbd\xef\xbf\xbd");
	ck_assert_str_eq(p->msg, "\xef\xbf\xbd ok \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!");

	an_syslog_close(s);
	close(rx);
	free(p);
}
END_TEST

static char *repeat(const char *unit, size_t times)
{
	size_t ul = strlen(unit);
	char *s = malloc(ul * times + 1);

	for (size_t i = 0; i < times; i++)
		memcpy(s + i * ul, unit, ul);
	s[ul * times] = '\0';
	return s;
}

/* a message longer than max_len arrives cut, well-formed and valid UTF-8 */
static void check_truncation(struct an_syslog *s, int rx, size_t max_len)
{
	char *raw = malloc(70000), *jp = repeat("日本", 5000), *big = repeat("é]\"", 4000);
	struct parsed *p = malloc(sizeof(*p));
	const struct an_sd_param params[] = { { "big", big }, { "small", "s" }, { "big2", big } };
	size_t len;

	/* MSG is cut, on a character boundary, as close to the limit as a
	 * 3-byte character allows */
	roundtrip(s, rx, 4, "finding", "sanso@32473", params + 1, 1, 0, jp, p, raw, 70000, &len);
	ck_assert_uint_le(len, max_len);
	ck_assert_uint_gt(len, max_len - 3);
	ck_assert_uint_eq(strncmp(jp, p->msg, strlen(p->msg)), 0);
	ck_assert_uint_gt(strlen(p->msg), 0);

	/* structured data too long for the whole message: every value cut,
	 * the escapes intact, the message still parses */
	roundtrip(s, rx, 4, "finding", "sanso@32473", params, 3, 0, jp, p, raw, 70000, &len);
	ck_assert_uint_le(len, max_len);
	ck_assert_uint_eq(p->n_params, 3);
	ck_assert_uint_gt(strlen(p->values[0]), 0);
	ck_assert_uint_eq(strncmp(big, p->values[0], strlen(p->values[0])), 0);
	ck_assert_str_eq(p->values[1], "s");
	ck_assert_uint_eq(strncmp(big, p->values[2], strlen(p->values[2])), 0);
	ck_assert_uint_eq(an_syslog_dropped(s), 0);
	free(raw);
	free(jp);
	free(big);
	free(p);
}

START_TEST(syslog_truncation)
{
	const char *sock = path_in("log.sock");
	int rx = unix_receiver(sock), big = 1 << 20;
	char target[300], err[256] = "";
	struct an_syslog *s;

	setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	snprintf(target, sizeof(target), "unix:%s", sock);
	ck_assert_int_eq(an_syslog_open(target, 1, "sanso", &s, err, sizeof(err)), 0);
	check_truncation(s, rx, 8192);
	an_syslog_close(s);
	close(rx);
}
END_TEST

START_TEST(syslog_receiver_gone)
{
	const char *sock = path_in("log.sock");
	int rx = unix_receiver(sock);
	char target[300], err[256] = "", raw[70000];
	struct an_syslog *s;
	struct parsed *p = malloc(sizeof(*p));

	snprintf(target, sizeof(target), "unix:%s", sock);
	ck_assert_int_eq(an_syslog_open(target, 1, "sanso", &s, err, sizeof(err)), 0);
	roundtrip(s, rx, 6, "a", NULL, NULL, 0, 0, "first", p, raw, sizeof(raw), NULL);

	/* the daemon goes away, socket file and all */
	close(rx);
	unlink(sock);
	ck_assert_int_eq(an_syslog_send(s, 6, "a", NULL, NULL, 0, 0, "lost 1"), 0);
	ck_assert_uint_eq(an_syslog_dropped(s), 1);
	ck_assert_int_eq(an_syslog_send(s, 6, "a", NULL, NULL, 0, 0, "lost 2"), 0);
	ck_assert_uint_eq(an_syslog_dropped(s), 2);

	/* it comes back: the very next message is delivered */
	rx = unix_receiver(sock);
	roundtrip(s, rx, 6, "a", NULL, NULL, 0, 0, "back", p, raw, sizeof(raw), NULL);
	ck_assert_str_eq(p->msg, "back");
	ck_assert_uint_eq(an_syslog_dropped(s), 2);

	/* it dies leaving its socket file behind, then is restarted */
	close(rx);
	ck_assert_int_eq(an_syslog_send(s, 6, "a", NULL, NULL, 0, 0, "lost 3"), 0);
	ck_assert_int_eq(an_syslog_send(s, 6, "a", NULL, NULL, 0, 0, "lost 4"), 0);
	ck_assert_uint_eq(an_syslog_dropped(s), 4);
	unlink(sock);
	rx = unix_receiver(sock);
	roundtrip(s, rx, 6, "a", NULL, NULL, 0, 0, "again", p, raw, sizeof(raw), NULL);
	ck_assert_str_eq(p->msg, "again");
	ck_assert_uint_eq(an_syslog_dropped(s), 4);

	/* it is there but does not read: the queue fills, sends never block,
	 * and every message is either received or counted */
	unsigned sent = 2000, received = 0;
	for (unsigned i = 0; i < sent; i++)
		ck_assert_int_eq(an_syslog_send(s, 6, "a", NULL, NULL, 0, 0, "flood"), 0);
	while (recv(rx, raw, sizeof(raw), MSG_DONTWAIT) > 0)
		received++;
	ck_assert_uint_gt(an_syslog_dropped(s), 4);
	ck_assert_uint_eq(received + (an_syslog_dropped(s) - 4), sent);

	an_syslog_close(s);
	close(rx);
	free(p);
}
END_TEST

/* a UDP receiver on the loopback address of family af; -1 if there is none */
static int udp_receiver(int af, int *ret_port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (af == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_loopback;
		sl = sizeof(*in6);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		close(fd);
		return -1;
	}
	sl = sizeof(ss);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	*ret_port = ntohs(af == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
				       : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static void udp_case(int af)
{
	char target[300], err[256] = "", raw[70000];
	struct an_syslog *s;
	struct parsed *p = malloc(sizeof(*p));
	int port, rx = udp_receiver(af, &port);

	if (rx < 0) {
		printf("skipped: no %s loopback address to bind\n", af == AF_INET ? "IPv4" : "IPv6");
		free(p);
		return;
	}
	snprintf(target, sizeof(target), af == AF_INET ? "udp:127.0.0.1:%d" : "udp:[::1]:%d", port);
	ck_assert_msg(an_syslog_open(target, 16, "sanso", &s, err, sizeof(err)) == 0, "%s: %s", target, err);
	roundtrip(s, rx, 3, "finding", NULL, NULL, 0, 0, "over UDP ✓", p, raw, sizeof(raw), NULL);
	ck_assert_int_eq(p->pri, 131);
	ck_assert_str_eq(p->msg, "over UDP ✓");
	check_truncation(s, rx, 2048);

	/* nobody listens any more: ICMP port unreachable comes back as
	 * ECONNREFUSED on a later send, which counts, never fails */
	close(rx);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(an_syslog_send(s, 3, "finding", NULL, NULL, 0, 0, "into the void"), 0);
		usleep(10000);
	}
	ck_assert_uint_ge(an_syslog_dropped(s), 1);
	an_syslog_close(s);
	free(p);
}

START_TEST(syslog_udp)
{
	udp_case(AF_INET);
	udp_case(AF_INET6);
}
END_TEST

START_TEST(syslog_bad_input)
{
	static const char *const bad[] = {
		"tcp:x", "udp:host", "unix:", "", "udp:[::1", "udp:[::1]514", "udp:host:0", "udp:host:99999",
		"udp:host:x", "udp:::1:514", "udp::514", "udp:[]:514", "UDP:127.0.0.1:514", "local:x",
	};
	char err[256], target[300];
	struct an_syslog *s;
	const char *sock = path_in("log.sock");
	int rx = unix_receiver(sock);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		s = (struct an_syslog *)1;
		ck_assert_msg(an_syslog_open(bad[i], 1, "sanso", &s, err, sizeof(err)) == -EINVAL, "%s accepted",
			      bad[i]);
		ck_assert_ptr_null(s);
		ck_assert_msg(err[0], "%s: no message", bad[i]);
	}
	err[0] = '\0';
	ck_assert_int_eq(an_syslog_open(NULL, 1, "sanso", &s, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(an_syslog_open("unix:/nonexistent-sanso/log.sock", 1, "sanso", &s, err, sizeof(err)),
			 -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent-sanso/log.sock"));
	if (access("/dev/log", F_OK) < 0) {
		ck_assert_int_lt(an_syslog_open("local", 1, "sanso", &s, err, sizeof(err)), 0);
		ck_assert_ptr_nonnull(strstr(err, "no syslog daemon socket at /dev/log"));
	}

	/* facility, app name */
	snprintf(target, sizeof(target), "unix:%s", sock);
	ck_assert_int_eq(an_syslog_open(target, 24, "sanso", &s, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(an_syslog_open(target, -1, "sanso", &s, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(an_syslog_open(target, 1, "two words", &s, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(an_syslog_open(target, 1, "a-very-long-application-name-of-more-than-48-chars", &s, err,
					sizeof(err)),
			 -EINVAL);

	/* what a caller passes to send */
	ck_assert_int_eq(an_syslog_open(target, 1, "sanso", &s, err, sizeof(err)), 0);
	const struct an_sd_param ok[] = { { "a", "b" } }, eq[] = { { "a=b", "c" } }, br[] = { { "a]", "c" } },
				 sp[] = { { "a b", "c" } }, nul[] = { { NULL, "c" } };
	ck_assert_int_eq(an_syslog_send(s, 8, "x", NULL, NULL, 0, 0, "m"), -EINVAL);
	ck_assert_int_eq(an_syslog_send(s, -1, "x", NULL, NULL, 0, 0, "m"), -EINVAL);
	ck_assert_int_eq(an_syslog_send(s, 1, "two words", NULL, NULL, 0, 0, "m"), -EINVAL);
	ck_assert_int_eq(an_syslog_send(s, 1, "abcdefghijklmnopqrstuvwxyz0123456", NULL, NULL, 0, 0, "m"), -EINVAL);
	ck_assert_int_eq(an_syslog_send(s, 1, "", NULL, NULL, 0, 0, "m"), -EINVAL);
	ck_assert_int_eq(an_syslog_send(s, 1, "x", "id=1", NULL, 0, 0, "m"), -EINVAL);
	ck_assert_int_eq(an_syslog_send(s, 1, "x", NULL, ok, 1, 0, "m"), -EINVAL);
	ck_assert_int_eq(an_syslog_send(s, 1, "x", "id", eq, 1, 0, "m"), -EINVAL);
	ck_assert_int_eq(an_syslog_send(s, 1, "x", "id", br, 1, 0, "m"), -EINVAL);
	ck_assert_int_eq(an_syslog_send(s, 1, "x", "id", sp, 1, 0, "m"), -EINVAL);
	ck_assert_int_eq(an_syslog_send(s, 1, "x", "id", nul, 1, 0, "m"), -EINVAL);
	ck_assert_int_eq(an_syslog_send(s, 1, "x", "id", ok, 1, 0, "m"), 0);
	ck_assert_uint_eq(an_syslog_dropped(s), 0);
	an_syslog_close(s);
	an_syslog_close(NULL);
	close(rx);
}
END_TEST

START_TEST(syslog_facility_names)
{
	static const struct {
		const char *name;
		int code;
	} table[] = {
		{ "kern", 0 }, { "user", 1 }, { "mail", 2 }, { "daemon", 3 }, { "auth", 4 }, { "security", 4 },
		{ "syslog", 5 }, { "lpr", 6 }, { "news", 7 }, { "uucp", 8 }, { "cron", 9 }, { "authpriv", 10 },
		{ "ftp", 11 }, { "ntp", 12 }, { "audit", 13 }, { "console", 14 }, { "solaris-cron", 15 },
		{ "local0", 16 }, { "local1", 17 }, { "local2", 18 }, { "local3", 19 }, { "local4", 20 },
		{ "local5", 21 }, { "local6", 22 }, { "local7", 23 }, { "LOCAL3", 19 }, { "Daemon", 3 },
	};
	static const char *const bad[] = { "", "local8", "local", "deamon", "3", "user ", "mark", "*" };
	int code;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		code = -1;
		ck_assert_msg(an_syslog_facility_parse(table[i].name, &code) == 0, "%s", table[i].name);
		ck_assert_msg(code == table[i].code, "%s: %d", table[i].name, code);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(an_syslog_facility_parse(bad[i], &code) == -EINVAL, "\"%s\" accepted", bad[i]);
	ck_assert_int_eq(an_syslog_facility_parse(NULL, &code), -EINVAL);
}
END_TEST

/* ----------------------------------------------------------- privileges */

struct status {
	uint64_t inh, prm, eff, bnd, amb;
	int nnp;
};

static bool read_status(struct status *st)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long v;
	int seen = 0;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapInh: %llx", &v) == 1)
			st->inh = v, seen++;
		else if (sscanf(line, "CapPrm: %llx", &v) == 1)
			st->prm = v, seen++;
		else if (sscanf(line, "CapEff: %llx", &v) == 1)
			st->eff = v, seen++;
		else if (sscanf(line, "CapBnd: %llx", &v) == 1)
			st->bnd = v, seen++;
		else if (sscanf(line, "CapAmb: %llx", &v) == 1)
			st->amb = v, seen++;
		else if (sscanf(line, "NoNewPrivs: %d", &st->nnp) == 1)
			seen++;
	}
	fclose(f);
	return seen == 6;
}

static const char *const child_failures[] = {
	[1] = "an_drop_privileges failed (its message is on stderr)",
	[2] = "/proc/self/status unreadable",
	[3] = "uid/gid are not the user's",
	[4] = "CapEff not as expected",
	[5] = "CapPrm not as expected",
	[6] = "CapBnd not as expected",
	[7] = "CapInh or CapAmb not empty",
	[8] = "NoNewPrivs is not 1",
	[9] = "setuid(0) succeeded",
	[10] = "a supplementary group of root is left",
	[11] = "cannot open a packet socket with CAP_NET_RAW kept",
	[12] = "a file only CAP_DAC_OVERRIDE could read was opened, or failed otherwise than EACCES",
	[13] = "setup in the child failed",
	[14] = "unknown user: not -ENOENT, or the message does not name it",
	[15] = "uid changed though no user was given",
};

/* runs fn in a child and asserts it exited 0 */
static void in_child(int (*fn)(void *), void *arg, const char *what)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fn(arg));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "%s: child killed by signal %d", what, WTERMSIG(status));
	int code = WEXITSTATUS(status);
	ck_assert_msg(code == 0, "%s: %s (exit %d)", what,
		      code < (int)(sizeof(child_failures) / sizeof(child_failures[0])) && child_failures[code]
			      ? child_failures[code]
			      : "unexpected failure",
		      code);
}

static bool need_root(void)
{
	if (geteuid() == 0)
		return true;
	printf("skipped: dropping privileges needs root\n");
	return false;
}

static int child_user(void *arg)
{
	const struct passwd *pw = arg;
	struct status st;
	char err[512] = "";
	gid_t groups[64];
	int n;

	if (an_drop_privileges("nobody", err, sizeof(err)) != 0) {
		fprintf(stderr, "an_drop_privileges: %s\n", err);
		return 1;
	}
	if (!read_status(&st))
		return 2;
	if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid || getgid() != pw->pw_gid || getegid() != pw->pw_gid)
		return 3;
	if (st.eff != 0)
		return 4;
	if (st.prm != 0)
		return 5;
	if (st.bnd != 0)
		return 6;
	if (st.inh != 0 || st.amb != 0)
		return 7;
	if (st.nnp != 1)
		return 8;
	if (setuid(0) == 0 || seteuid(0) == 0)
		return 9;
	n = getgroups(64, groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == 0)
			return 10;
	return 0;
}

static int child_unknown(void *arg)
{
	char err[512] = "";

	if (an_drop_privileges("no-such-user-sanso", err, sizeof(err)) != -ENOENT ||
	    !strstr(err, "no-such-user-sanso"))
		return 14;
	return 0;
}

START_TEST(privs_user)
{
	struct passwd *pw;

	if (!need_root())
		return;
	pw = getpwnam("nobody");
	if (!pw) {
		printf("skipped: no user nobody\n");
		return;
	}
	in_child(child_user, pw, "drop to nobody");
	in_child(child_unknown, NULL, "unknown user");
}
END_TEST

static int caps_now(uint64_t *prm, uint64_t *inh, uint64_t *eff)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &hdr, d) < 0)
		return -1;
	*prm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	*inh = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
	*eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	return 0;
}

static int caps_put(uint64_t prm, uint64_t inh, uint64_t eff)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)eff, (uint32_t)prm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32) },
	};

	return (int)syscall(SYS_capset, &hdr, d);
}

static int child_keep_raw(void *arg)
{
	const char *secret = arg;
	const uint64_t raw = UINT64_C(1) << CAP_NET_RAW;
	uint64_t prm, inh, eff;
	struct status st;
	char err[512] = "";
	int fd;

	/* an ambient capability, which the drop must clear */
	if (caps_now(&prm, &inh, &eff) < 0 || caps_put(prm, inh | raw, eff) < 0 ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0) < 0)
		return 13;
	if (an_drop_privileges(NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "an_drop_privileges: %s\n", err);
		return 1;
	}
	if (!read_status(&st))
		return 2;
	if (getuid() != 0 || geteuid() != 0)
		return 15;
	if (st.eff != raw)
		return 4;
	if (st.prm != raw)
		return 5;
	if (st.bnd != raw)
		return 6;
	if (st.inh != 0 || st.amb != 0)
		return 7;
	if (st.nnp != 1)
		return 8;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 11;
	close(fd);
	fd = open(secret, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 || errno != EACCES)
		return 12;
	return 0;
}

/* a process that never had CAP_NET_RAW keeps nothing, and that is fine */
static int child_without_raw(void *arg)
{
	const uint64_t raw = UINT64_C(1) << CAP_NET_RAW;
	uint64_t prm, inh, eff;
	struct status st;
	char err[512] = "";

	if (caps_now(&prm, &inh, &eff) < 0 || caps_put(prm & ~raw, inh & ~raw, eff & ~raw) < 0)
		return 13;
	if (an_drop_privileges(NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "an_drop_privileges: %s\n", err);
		return 1;
	}
	if (!read_status(&st))
		return 2;
	if (st.eff != 0)
		return 4;
	if (st.prm != 0)
		return 5;
	if (st.nnp != 1)
		return 8;
	return 0;
}

START_TEST(privs_keep_raw)
{
	const char *secret = path_in("secret");
	int fd;

	if (!need_root())
		return;
	/* a file of another user, mode 0600: only CAP_DAC_OVERRIDE (or
	 * CAP_DAC_READ_SEARCH) lets root read it */
	fd = open(secret, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "x\n", 2), 2);
	close(fd);
	ck_assert_int_eq(chown(secret, 65534, 65534), 0);
	ck_assert_int_eq(chmod(secret, 0600), 0);

	in_child(child_keep_raw, (void *)secret, "keep CAP_NET_RAW");
	in_child(child_without_raw, NULL, "without CAP_NET_RAW");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sink");
	TCase *tc_log = tcase_create("log"), *tc_syslog = tcase_create("syslog"), *tc_privs = tcase_create("privs");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc_log, setup, teardown);
	tcase_add_test(tc_log, log_stdout);
	tcase_add_loop_test(tc_log, log_rotation, 0, (int)(sizeof(rotation_cases) / sizeof(rotation_cases[0])));
	tcase_add_test(tc_log, log_append_reopen);
	tcase_add_test(tc_log, log_errors);
	suite_add_tcase(s, tc_log);

	tcase_add_checked_fixture(tc_syslog, setup, teardown);
	tcase_add_loop_test(tc_syslog, syslog_format, 0, (int)(sizeof(format_cases) / sizeof(format_cases[0])));
	tcase_add_test(tc_syslog, syslog_structured_data);
	tcase_add_test(tc_syslog, syslog_truncation);
	tcase_add_test(tc_syslog, syslog_receiver_gone);
	tcase_add_test(tc_syslog, syslog_udp);
	tcase_add_test(tc_syslog, syslog_bad_input);
	tcase_add_test(tc_syslog, syslog_facility_names);
	suite_add_tcase(s, tc_syslog);

	tcase_add_checked_fixture(tc_privs, setup, teardown);
	tcase_add_test(tc_privs, privs_user);
	tcase_add_test(tc_privs, privs_keep_raw);
	suite_add_tcase(s, tc_privs);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
