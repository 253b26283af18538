/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside sanso monitor: the daemon (monitor.c: signals, the capture loop,
 * reload, setup) and the records it writes (monitor-records.c: findings,
 * their ends and folded repeats, warnings, stats, start and summary, to
 * the log and syslog).  Only these two files include it.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze.h"
#include "cmd.h"
#include "report.h"

#define SD_ID "sanso@32473" /* RFC 5612's documentation enterprise number */
#define JA(m) ((m)->cfg->out.japanese)

/* ----------------------------------------------------------- repeat table */

/* Connections that differ from a reported one only by source port and
 * time: (check, proto, initiator address, responder address and port). */
struct repeat {
	struct an_finding f; /* the reported one (its zone/host pointers: flushed before a reload) */
	uint64_t window_start_ns;
	uint64_t count, first_ns, last_ns; /* connections folded in this window */
	uint32_t next;                     /* bucket chain / free list */
	bool used;
};

#define NIL UINT32_MAX

struct repeat_table {
	struct repeat *items;
	uint32_t *buckets;
	size_t n, cap, n_buckets;
	uint32_t free_head;
	uint64_t suppressed, full;
};

/* ---------------------------------------------------------------- state */

enum pending_kind {
	PENDING_FINDING,
	PENDING_END,
	PENDING_REPEAT,
};

struct pending {
	enum pending_kind kind;
	struct an_finding *f;
	uint64_t count, first_ns, last_ns; /* repeat */
};

struct iface {
	const char *name;
	struct probe_capture *cap;
	struct probe_ring *ring;
	struct probe_capture_stats stats;
	bool stats_known;
	uint64_t dropped_warned; /* kernel drops already warned about */
	bool down;               /* set down: read once a tick until it is up again */
	struct probe_record rec; /* read, not yet processed (merging by time) */
	bool has_rec;
};

struct mon {
	const struct an_monitor_config *cfg;
	char sensor[256]; /* --sensor, or the host name */
	struct topo_site *site;
	struct an_engine *engine;
	struct iface *ifs;
	size_t n_ifs;
	const char **names; /* interface names, indexed like ref.file */
	struct an_log *log;
	struct an_syslog *syslog;
	struct repeat_table repeats;
	struct pending *pending;
	size_t n_pending, cap_pending;
	uint64_t started_ns, next_tick_ns, next_stats_ns;
	uint64_t evidence_packets, reloads, reloads_refused;
	uint64_t syslog_dropped_warned;
	int error; /* first runtime failure (negative errno); stops the loop */
	bool log_failed; /* the output itself failed: nothing more is written there */
	char *errbuf;
	size_t errlen;
};

void mon_fail(struct mon *m, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void mon_flush_pending(struct mon *m);
bool mon_on_finding(enum an_event ev, const struct an_finding *f, void *userdata);
json_t *mon_record(const char *type, uint64_t ts);
void mon_repeat_free(struct repeat_table *t);
int mon_repeat_init(struct repeat_table *t, size_t cap);
void mon_repeat_tick(struct mon *m, uint64_t now, bool all);
void mon_to_syslog(struct mon *m, int severity, const char *msgid, const struct an_sd_param *p, size_t n, uint64_t ts,
		   const char *msg);
void mon_warn(struct mon *m, const char *code, const char *iface, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void mon_write_json(struct mon *m, json_t *o);
void mon_write_start(struct mon *m);
void mon_write_stats(struct mon *m, uint64_t now);
void mon_write_summary(struct mon *m);
void mon_write_text(struct mon *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
