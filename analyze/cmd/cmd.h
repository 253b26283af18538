/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd — the commands: main.c reads the command line and wires the
 * libraries for audit, verify and topology; output.c writes report files
 * whole or not at all; monitor.c is `sanso monitor`, the daemon around a
 * streaming engine, and monitor-records.c what it writes; privs.c gives
 * up privileges once its captures are open.  The only component that
 * prints.  Nothing below the commands includes this header:
 * the data flows topology → (rulesets | probe) → analyze → report → cmd.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze.h"
#include "report.h"

/* ----------------------------------------------------------------- monitor */

/*
 * Continuous monitoring of span/mirror ports (docs/monitor.md): live
 * captures → a streaming engine → records as they are decided, until
 * SIGTERM/SIGINT.  SIGHUP re-reads the topology (a bad one is refused and
 * the old one kept).  Records: start, finding, finding_end, repeat, stats,
 * warning, reload, summary (JSON Lines or one text line each), optionally
 * also to syslog, with evidence pcaps rotated by size.
 */
struct an_monitor_config {
	const char *topology_path;        /* re-read on SIGHUP */
	const char *const *ifaces;
	size_t n_ifaces;
	struct probe_live_config capture; /* for every interface (iface ignored) */
	const char *user;                 /* -Z: become this user once the captures are open */
	const char *output;               /* NULL or "-": stdout */
	uint64_t rotate_bytes;            /* 0: no rotation */
	unsigned rotate_keep;             /* 0: 10 */
	struct an_output_options out;     /* AN_FORMAT_TEXT or AN_FORMAT_JSON */
	const char *syslog_target;        /* NULL: no syslog */
	int syslog_facility;
	const char *evidence;             /* "DIR/NAME.pcap" → DIR/NAME-IFACE-000001.pcap …; NULL: none */
	uint64_t evidence_bytes;          /* per file; 0: 100 MiB */
	unsigned evidence_keep;           /* files per interface; 0: 10 */
	uint64_t stats_interval_ns;       /* 0: no periodic stats */
	uint64_t repeat_window_ns;        /* 0: report every connection in full */
	size_t max_repeat_keys;           /* 0: 4096 */
	struct probe_flow_config flows;
	size_t max_stations;
	uint64_t station_idle_ns;         /* 0: never forget a station */
	enum an_severity fail_on;
	const char *sensor;               /* on every record; NULL: the host name */
	struct an_rulesets *rulesets;     /* judge connections against them too (rebound on reload); NULL: don't */
};

struct an_monitor_result {
	bool started;        /* the captures were open and records flowing */
	uint64_t at_least;   /* findings at or above fail_on */
};

/*
 * Runs until a stop signal.  Takes ownership of `site` (replaced on
 * reload, freed at the end).  Returns 0 after a clean stop, or a negative
 * errno with a message: before res->started, bad input or environment
 * (no such interface, no permission, bad filter, unwritable output: exit
 * 2); after, a runtime failure (capture lost, disk full: exit 3) — the
 * summary is still written where possible.
 */
int an_monitor_run(const struct an_monitor_config *cfg, struct topo_site *site, struct an_monitor_result *res,
		   char *errbuf, size_t errlen);

/* ----------------------------------------------------------- report files */

/* Output goes to a temporary file next to the target and is renamed into
 * place only when complete: bad input never leaves a half-written report.
 * A target that exists and is not a regular file (/dev/null, /dev/stdout, a
 * FIFO) is written in place instead: a rename would replace it — run as
 * root, -o /dev/null would leave a regular file as the system's /dev/null. */
struct output {
	FILE *f;
	char *tmp;
	const char *path;
	int fd;  /* under f; STDOUT_FILENO for standard output */
	int err; /* the first write's errno: "No space left on device", not EIO */
};

/* 0 or -errno; output_error() turns a write failure into its errno. */
int output_stream(struct output *out, int fd);
/* an existing target that is not a regular file: written in place */
bool output_in_place(const char *path);
int output_open(struct output *out, const char *path);
int output_error(const struct output *out, int r);
int output_commit(struct output *out);
void output_abort(struct output *out);

/* ------------------------------------------------------------ privileges */

/*
 * Called once the captures are open.  With user: switches to that user's
 * uid, gid and supplementary groups (real, effective and saved; nothing to
 * switch when the process already is that user) and keeps no capability,
 * also in the bounding set when allowed; a switch that could be undone
 * (setuid(0) still works) is an error.  Without (user NULL): stays the
 * same user but keeps only CAP_NET_RAW in the permitted and effective sets
 * (and the bounding set, when allowed) — nothing, if it did not have it.
 * Either way the inheritable and ambient sets are emptied and
 * PR_SET_NO_NEW_PRIVS is set.  Dropping from the bounding set needs
 * CAP_SETPCAP; without it the bounding set is left alone.  0, or -errno
 * with a message (unknown user: -ENOENT; not permitted: -EPERM).  A
 * failure can leave the process half-way: the caller must exit.
 */
int an_drop_privileges(const char *user, char *errbuf, size_t errlen);
