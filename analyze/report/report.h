/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report — how results are written: text, JSON Lines, HTML and JUnit for
 * every command's report (one writer per format, text.c json.c html.c
 * junit.c, driven by write.c over a table of operations; one word table
 * per language, words.c), the JSON of one finding the monitor streams, and
 * where a monitor's records go — a rotated log file and RFC 5424 syslog
 * (sink.c).
 *
 * Depends on the findings model (analyze.h) and nothing else of sanso:
 * the writers read a command's view (struct an_view) and the findings,
 * never a command's state; the commands (analyze/cmd/) choose the format
 * and the file.  Writers never fail silently: a write error is -errno.
 * May not touch: the policy, the engine, the rulesets, the capture.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyze.h"

/* ---------------------------------------------------------------- reports */

/* How a report is written: the commands set it from --format, --lang,
 * -q, -v and --fail-on. */
enum an_format {
	AN_FORMAT_TEXT,
	AN_FORMAT_JSON,
	AN_FORMAT_HTML,
	AN_FORMAT_JUNIT,
};

struct an_output_options {
	enum an_format format;
	bool quiet;   /* text: findings only, no header */
	bool verbose; /* text: counters in detail */
	bool japanese;
	enum an_severity fail_on; /* JUnit: findings below it are skipped, not failures */
};

/* Write a report (audit, verify) in o->format; 0 or -errno. */
int an_write(const struct an_view *v, const struct an_output_options *o, FILE *out);

/* A Wireshark display filter that shows the finding's packets. */
char *an_finding_wireshark_filter(const struct an_finding *f, char *buf, size_t len);

/* RFC 3339 UTC with 6 digits, or 9 when the capture had nanoseconds. */
char *an_format_time(uint64_t ts_ns, char *buf, size_t len);
void an_time_digits(int digits); /* 6 or 9 for every time from now on; 0: each by its own precision */

json_t *an_json_str_or_null(const char *s);
int an_json_line(json_t *o, FILE *out); /* one compact line; takes the reference */
void an_xml_escape(FILE *out, const char *s); /* NULL prints nothing */
const char *an_severity_heading(enum an_severity s, bool japanese); /* "CRITICAL", "重大" */
/* The summary's first fields (site, model, findings per check, packets
 * read and undecoded), shared by audit and monitor. */
void an_json_summary_counts(json_t *o, const struct topo_site *site, const struct an_counters *c);
/* A finding (traffic, station or ruleset) as the JSON object of
 * docs/cli.md; captures[i] names ref.file i (capture files, or the
 * monitor's interfaces). */
json_t *an_json_finding(const struct topo_site *site, const char *const *captures, size_t n_captures,
			const struct an_finding *f, bool japanese);


/* provenance and coverage, shared by every report (json.c, words.c):
 * JSON fields, and the coverage problems worded */
const char *an_community_id(const struct an_finding *f, char out[64]); /* NULL: none */
void an_json_provenance(json_t *o, uint64_t generated_ns, const struct an_input *in, size_t n);
const char *an_coverage_problem(unsigned bit, bool japanese);

/* JUnit XML, one layout for every command (junit.c): one testsuite per
 * check in [first, end), one testcase per finding (a failure at or above
 * o->fail_on, skipped with the finding in <system-out> below it), a
 * passing "no findings" case for a clean check; then `extra` suites
 * (coverage, firewalls).  Counts add up at every level. */
struct an_junit_case {
	unsigned check;    /* an_check, or an extra suite's index when extra */
	const char *name;  /* the finding's message, or the case's name */
	const char *block; /* the text report's block, or NULL */
	bool fail, skip;   /* extra suites: how the case went */
	const char *why;   /* extra suites: the failure or skip message */
};
struct an_junit {
	const char *title;       /* "sanso audit: SITE" */
	const char *classname;   /* "sanso.audit" */
	uint64_t generated_ns;
	double seconds;
	unsigned first, end;     /* the checks this command has */
	const struct an_junit_case *cases;
	size_t n_cases;
	const char *const *extra; /* names of extra suites */
	size_t n_extra;
	const struct an_junit_case *extra_cases; /* .check: the suite's index */
	size_t n_extra_cases;
	/* checks [skip_from, skip_to) that were not judged (an audit without
	 * rulesets: the FIREWALL-* checks): their empty suite is a skipped
	 * case saying skip_why, not a pass */
	unsigned skip_from, skip_to;
	const char *skip_why;
};
int an_junit_write(FILE *out, const struct an_junit *j, const struct an_output_options *o);

/* ------------------------------------------------------------------ log */

/*
 * A stream of lines (JSON Lines or text): stdout, or a file that is
 * rotated by size, logrotate-style: when the next line would take a
 * non-empty FILE over rotate_bytes, FILE.keep is deleted, FILE.N renamed
 * FILE.N+1 (N = keep-1 … 1), FILE renamed FILE.1, and a new FILE opened.
 * A line is never split across two files; a single line longer than
 * rotate_bytes gets a file of its own.  Every write goes straight to the
 * kernel (tail -f, a SIEM agent).  The file is opened in append mode (a
 * restart continues it, and what it holds counts towards rotate_bytes),
 * created with mode 0640 (less if the umask says so).  A FILE that is not
 * a regular file (a FIFO, /dev/null) is never rotated.
 */
struct an_log;

/* path NULL or "-": stdout (never rotated; written with stdio and flushed,
 * so it stays in order with other stdout output, and never closed).
 * rotate_bytes 0: no rotation.  keep: rotated files kept besides FILE (0:
 * 10; more than 1000: -EINVAL).  0 or -errno (errbuf names the path). */
int an_log_open(const char *path, uint64_t rotate_bytes, unsigned keep, struct an_log **ret, char *errbuf,
		size_t errlen);
/* Writes len bytes, which must be whole lines ending in '\n' (-EINVAL
 * otherwise).  0 or -errno (-ENOSPC, -EIO, or a failed rotation's rename
 * or open …: the caller treats it as a runtime failure; after a failed
 * rotation the next write tries to open FILE again). */
int an_log_write(struct an_log *l, const char *lines, size_t len);
int an_log_close(struct an_log *l); /* 0 or -errno; NULL: 0 */

/* --------------------------------------------------------------- syslog */

/*
 * RFC 5424 messages, for a SIEM:
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID name="value" …] BOM MSG
 * TIMESTAMP is UTC with microseconds; PARAM-VALUEs are escaped (", \ and ]);
 * MSG is UTF-8 and starts with the BOM as RFC 5424 §6.4 asks.
 * Targets: "local" (the system's /dev/log), "unix:PATH" (a datagram
 * socket), "udp:HOST:PORT" (RFC 5426; HOST may be an IPv6 literal in
 * brackets; resolved once, at open).  Only sends: no socket is ever bound
 * or listening.  A message the receiver is not there to take is counted,
 * not an error: syslog must never stop monitoring.  A unix receiver that
 * went away (a restarted rsyslog) is connected again, at most one attempt
 * per message.
 * Messages longer than the transport's limit are cut on a UTF-8 character
 * boundary: 8192 bytes on unix sockets (rsyslog's default $MaxMessageSize,
 * so the receiver never cuts one itself), 2048 on UDP (what RFC 5426 §3.2
 * says every receiver SHOULD accept).  The MSG is cut first; if the header
 * and structured data alone are too long, every PARAM-VALUE is cut to the
 * same length so the message stays well-formed.  Malformed UTF-8 in a
 * value or the MSG becomes U+FFFD.  HOSTNAME is gethostname() when it is
 * 1–255 printable ASCII characters, else "-".
 */
struct an_syslog;

struct an_sd_param {
	const char *name;  /* RFC 5424 PARAM-NAME: printable ASCII, no '=', ' ', ']', '"' */
	const char *value; /* any UTF-8 */
};

/* facility names (any case) → RFC 5424 codes: kern 0, user 1, mail 2,
 * daemon 3, auth and security 4, syslog 5, lpr 6, news 7, uucp 8, cron 9,
 * authpriv 10, ftp 11, ntp 12, audit 13, console 14, solaris-cron 15,
 * local0 … local7 16 … 23; -EINVAL otherwise. */
int an_syslog_facility_parse(const char *name, int *ret);
/* facility 0..23; app_name 1–48 printable ASCII (NULL or "": "-").
 * -EINVAL for a malformed target or argument; the socket's -errno when
 * it cannot be reached now (no /dev/log, no socket at PATH, a name that
 * does not resolve: -EADDRNOTAVAIL).  errbuf says which and what to do. */
int an_syslog_open(const char *target, int facility, const char *app_name, struct an_syslog **ret, char *errbuf,
		   size_t errlen);
/*
 * severity: 0 emerg … 7 debug.  msgid: e.g. "finding", "stats" (≤ 32
 * printable ASCII; NULL: "-").  sd_id: e.g. "sanso@32473" (NULL: no
 * structured data, and then n_params must be 0).  A NULL value is "".
 * msg NULL or "": no MSG.  ts_ns: the event's time (0: now).  Returns 0
 * (also when the message was dropped: see an_syslog_dropped), -EINVAL for
 * a malformed argument, -EMSGSIZE when the parameters do not fit even
 * with empty values, or -errno for a local failure such as -ENOMEM
 * (counted as dropped too).  A message too long is cut, not an error.
 */
int an_syslog_send(struct an_syslog *s, int severity, const char *msgid, const char *sd_id,
		   const struct an_sd_param *params, size_t n_params, uint64_t ts_ns, const char *msg);
/* messages sent but not delivered: the receiver gone, its queue full
 * (sends never block), the network unreachable; over UDP, also earlier
 * datagrams the host answered with ICMP port unreachable */
uint64_t an_syslog_dropped(const struct an_syslog *s);
void an_syslog_close(struct an_syslog *s);              /* NULL is a no-op */

/* ----------------------------------------------------------- privileges */
