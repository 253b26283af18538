/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What sanso monitor writes (docs/monitor.md): each finding as it is
 * decided, its end, repeats folded into one record per window, warnings,
 * the periodic stats, the start and the summary — as JSON Lines or text to
 * the log, and to syslog.  A finding's JSON is the report's own
 * (an_json_finding); the records around it are the monitor's.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitor-internal.h"
#include "sanso-config.h"


static bool repeat_same(const struct an_finding *a, const struct an_finding *b)
{
	return a->check == b->check && a->proto == b->proto && a->dst.port == b->dst.port &&
	       memcmp(&a->src.ip, &b->src.ip, sizeof(a->src.ip)) == 0 &&
	       memcmp(&a->dst.ip, &b->dst.ip, sizeof(a->dst.ip)) == 0;
}

static size_t repeat_bucket(const struct repeat_table *t, const struct an_finding *f)
{
	uint64_t h = 1469598103934665603ULL;
#define MIX(x) do { h ^= (uint64_t)(x); h *= 1099511628211ULL; } while (0)
	MIX(f->check);
	MIX(f->proto);
	MIX(f->dst.port);
	for (unsigned i = 0; i < 16; i++) {
		MIX(f->src.ip.bytes[i]);
		MIX(f->dst.ip.bytes[i]);
	}
#undef MIX
	return (size_t)(h % t->n_buckets);
}

int mon_repeat_init(struct repeat_table *t, size_t cap)
{
	memset(t, 0, sizeof(*t));
	t->cap = cap;
	t->n_buckets = cap * 2;
	t->items = calloc(cap, sizeof(*t->items));
	t->buckets = malloc(t->n_buckets * sizeof(*t->buckets));
	if (!t->items || !t->buckets)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_buckets; i++)
		t->buckets[i] = NIL;
	for (size_t i = 0; i < cap; i++)
		t->items[i].next = i + 1 < cap ? (uint32_t)(i + 1) : NIL;
	t->free_head = 0;
	return 0;
}

void mon_repeat_free(struct repeat_table *t)
{
	free(t->items);
	free(t->buckets);
}

static struct repeat *repeat_find(struct repeat_table *t, const struct an_finding *f)
{
	for (uint32_t i = t->buckets[repeat_bucket(t, f)]; i != NIL; i = t->items[i].next)
		if (repeat_same(&t->items[i].f, f))
			return &t->items[i];
	return NULL;
}

static struct repeat *repeat_insert(struct repeat_table *t, const struct an_finding *f, uint64_t now)
{
	size_t b = repeat_bucket(t, f);
	uint32_t i = t->free_head;
	struct repeat *x;

	if (i == NIL) {
		t->full++;
		return NULL;
	}
	x = &t->items[i];
	t->free_head = x->next;
	memset(x, 0, sizeof(*x));
	x->f = *f;
	x->f.message = NULL;
	x->window_start_ns = now;
	x->used = true;
	x->next = t->buckets[b];
	t->buckets[b] = i;
	t->n++;
	return x;
}

static void repeat_remove(struct repeat_table *t, struct repeat *x)
{
	uint32_t idx = (uint32_t)(x - t->items), *link = &t->buckets[repeat_bucket(t, &x->f)];

	while (*link != idx)
		link = &t->items[*link].next;
	*link = x->next;
	x->used = false;
	x->next = t->free_head;
	t->free_head = idx;
	t->n--;
}

/* ---------------------------------------------------------------- output */

static int severity_syslog(enum an_severity s)
{
	switch (s) {
	case AN_SEV_CRITICAL:
		return 2; /* crit */
	case AN_SEV_HIGH:
		return 3; /* err */
	case AN_SEV_MEDIUM:
		return 4; /* warning */
	case AN_SEV_LOW:
	default:
		return 5; /* notice */
	}
}

static void write_line(struct mon *m, const char *line, size_t len)
{
	int r;

	if (m->log_failed || !m->log)
		return;
	r = an_log_write(m->log, line, len);
	if (r < 0) {
		m->log_failed = true;
		mon_fail(m, r, "writing %s: %s", m->cfg->output ? m->cfg->output : "standard output", strerror(-r));
	}
}

/* Writes a JSON mon_record (takes the reference), when the format is JSON. */
void mon_write_json(struct mon *m, json_t *o)
{
	char *s;
	size_t n;

	if (!o)
		return;
	if (m->cfg->out.format != AN_FORMAT_JSON) {
		json_decref(o);
		return;
	}
	/* every record says when (the event's time: a finding's first packet,
	 * the last one for its end and repeats) and where it was seen */
	if (!json_object_get(o, "timestamp")) {
		const char *type = json_string_value(json_object_get(o, "type"));
		const char *k = !type ? "time"
				: strcmp(type, "finding") == 0 ? "first_seen"
				: strcmp(type, "finding_end") == 0 || strcmp(type, "repeat") == 0 ? "last_seen"
												 : "time";
		json_t *t = json_object_get(o, k) ? json_object_get(o, k) : json_object_get(o, "time");
		if (t)
			json_object_set(o, "timestamp", t);
	}
	json_object_set_new(o, "sensor", json_string(m->sensor));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	json_decref(o);
	if (!s) {
		mon_fail(m, -ENOMEM, "out of memory writing a record");
		return;
	}
	n = strlen(s);
	s[n] = '\n'; /* json_dumps' terminator becomes the line end */
	write_line(m, s, n + 1);
	free(s);
}

/* Writes a text mon_record (printf-like, one line), when the format is text. */
void mon_write_text(struct mon *m, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	if (m->cfg->out.format != AN_FORMAT_TEXT)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	write_line(m, buf, (size_t)n);
}

void mon_to_syslog(struct mon *m, int severity, const char *msgid, const struct an_sd_param *p, size_t n,
		      uint64_t ts, const char *msg)
{
	if (m->syslog)
		(void)an_syslog_send(m->syslog, severity, msgid, p ? SD_ID : NULL, p, n, ts, msg);
}

json_t *mon_record(const char *type, uint64_t ts)
{
	char t[48];
	json_t *o = json_object();

	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "time", json_string(an_format_time(ts, t, sizeof(t))));
	return o;
}

void mon_warn(struct mon *m, const char *code, const char *iface, const char *fmt, ...)
{
	char msg[1024], t[48];
	uint64_t ts = an_now_ns();
	struct an_sd_param p[] = {{"code", code}, {"interface", iface ? iface : "-"}};
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "sanso monitor: warning: %s\n", msg);
	o = mon_record("warning", ts);
	json_object_set_new(o, "code", json_string(code));
	json_object_set_new(o, "interface", an_json_str_or_null(iface));
	json_object_set_new(o, "message", json_string(msg));
	mon_write_json(m, o);
	mon_write_text(m, "%s WARNING %s %s", an_format_time(ts, t, sizeof(t)), code, msg);
	mon_to_syslog(m, 4, "warning", p, 2, ts, msg);
}

static const char *iface_name(const struct mon *m, unsigned i)
{
	return i < m->n_ifs ? m->names[i] : "?";
}

static const char *evidence_of(const struct mon *m, const struct an_finding *f)
{
	unsigned i = f->first_frame.file;

	return i < m->n_ifs && m->ifs[i].ring ? probe_ring_current(m->ifs[i].ring) : NULL;
}

static void finding_params(const struct mon *m, const struct an_finding *f, char bufs[8][64],
			   struct an_sd_param *p, size_t *n)
{
	size_t k = 0;

	p[k++] = (struct an_sd_param){"check", an_check_id(f->check)};
	p[k++] = (struct an_sd_param){"severity", an_severity_name(an_check_severity(f->check))};
	snprintf(bufs[0], 64, "%" PRIu32, f->id);
	p[k++] = (struct an_sd_param){"id", bufs[0]};
	if (f->src.has_ip)
		p[k++] = (struct an_sd_param){"src", topo_addr_format(&f->src.ip, bufs[1])};
	if (f->src.n_macs)
		p[k++] = (struct an_sd_param){"src_mac", topo_mac_format(f->src.macs[0], bufs[2])};
	if (f->src.zone)
		p[k++] = (struct an_sd_param){"src_zone", f->src.zone->name};
	if (!an_check_is_station(f->check)) {
		p[k++] = (struct an_sd_param){"proto", an_proto_name(f->proto)};
		if (f->src.port >= 0) {
			snprintf(bufs[3], 64, "%d", f->src.port);
			p[k++] = (struct an_sd_param){"sport", bufs[3]};
		}
		p[k++] = (struct an_sd_param){"dst", topo_addr_format(&f->dst.ip, bufs[4])};
		if (f->dst.port >= 0) {
			snprintf(bufs[5], 64, "%d", f->dst.port);
			p[k++] = (struct an_sd_param){"dport", bufs[5]};
		}
		if (f->dst.zone)
			p[k++] = (struct an_sd_param){"dst_zone", f->dst.zone->name};
	}
	p[k++] = (struct an_sd_param){"interface", iface_name(m, f->first_frame.file)};
	snprintf(bufs[6], 64, "%" PRIu32, f->first_frame.frame);
	p[k++] = (struct an_sd_param){"frame", bufs[6]};
	*n = k;
}

static void write_finding(struct mon *m, const struct an_finding *f)
{
	char msg[640], t[48], filter[512], bufs[8][64];
	struct an_sd_param p[16];
	const char *ev = evidence_of(m, f);
	const char *text = m->cfg->out.japanese ? an_finding_message(m->site, f, true, msg, sizeof(msg))
						: f->message ? f->message : "";
	size_t n;
	json_t *o;

	if (m->cfg->out.format == AN_FORMAT_JSON) {
		o = an_json_finding(m->site, m->names, m->n_ifs, f, m->cfg->out.japanese);
		json_object_set_new(o, "id", json_integer(f->id));
		json_object_set_new(o, "state", json_string(an_check_is_station(f->check) ? "seen"
							       : f->in_progress ? "open"
										: "ended"));
		json_object_set_new(o, "evidence", an_json_str_or_null(ev));
		mon_write_json(m, o);
	}
	mon_write_text(m, "%s %s %s #%" PRIu32 " %s [%s frame %" PRIu32 "%s%s] wireshark: %s",
		   an_format_time(f->first_ns, t, sizeof(t)),
		   an_severity_heading(an_check_severity(f->check), m->cfg->out.japanese), an_check_id(f->check), f->id,
		   text, iface_name(m, f->first_frame.file), f->first_frame.frame, ev ? ", evidence " : "", ev ? ev : "",
		   an_finding_wireshark_filter(f, filter, sizeof(filter)));
	finding_params(m, f, bufs, p, &n);
	mon_to_syslog(m, severity_syslog(an_check_severity(f->check)), "finding", p, n, f->first_ns, text);
}

static const char *end_name_ja(enum probe_flow_end e)
{
	switch (e) {
	case PROBE_END_IDLE:
		return "無通信";
	case PROBE_END_CAPACITY:
		return "表の容量超過";
	case PROBE_END_FLUSH:
	default:
		return "停止";
	}
}

static const char *end_name(enum probe_flow_end e)
{
	switch (e) {
	case PROBE_END_IDLE:
		return "idle";
	case PROBE_END_CAPACITY:
		return "evicted";
	case PROBE_END_FLUSH:
	default:
		return "shutdown";
	}
}

static void write_end(struct mon *m, const struct an_finding *f)
{
	char t1[48], t2[48], msg[768], bufs[8][64];
	struct an_sd_param p[18];
	size_t n;
	json_t *o;

	if (JA(m))
		snprintf(msg, sizeof(msg),
			 "#%" PRIu32 " %s 終了 (%s): 送信 %" PRIu64 " パケット / %" PRIu64 " バイト、応答 %" PRIu64 " / %" PRIu64
			 "、%s、%s → %s",
			 f->id, an_check_id(f->check), end_name_ja(f->end), f->packets[0], f->bytes[0], f->packets[1],
			 f->bytes[1], f->established ? "確立済み" : "応答なし", an_format_time(f->first_ns, t1, sizeof(t1)),
			 an_format_time(f->last_ns, t2, sizeof(t2)));
	else
		snprintf(msg, sizeof(msg),
			 "#%" PRIu32 " %s ended (%s): %" PRIu64 " packets / %" PRIu64 " bytes sent, %" PRIu64 " / %" PRIu64
			 " back, %s, %s → %s",
			 f->id, an_check_id(f->check), end_name(f->end), f->packets[0], f->bytes[0], f->packets[1],
			 f->bytes[1], f->established ? "established" : "never answered",
			 an_format_time(f->first_ns, t1, sizeof(t1)), an_format_time(f->last_ns, t2, sizeof(t2)));
	if (m->cfg->out.format == AN_FORMAT_JSON) {
		o = an_json_finding(m->site, m->names, m->n_ifs, f, m->cfg->out.japanese);
		json_object_set_new(o, "type", json_string("finding_end"));
		json_object_set_new(o, "id", json_integer(f->id));
		json_object_set_new(o, "end", json_string(end_name(f->end)));
		json_object_set_new(o, "message", json_string(msg));
		json_object_del(o, "flow"); /* the verdict's details were in the finding */
		mon_write_json(m, o);
	}
	mon_write_text(m, "%s END %s", an_format_time(f->last_ns, t1, sizeof(t1)), msg);
	finding_params(m, f, bufs, p, &n);
	p[n++] = (struct an_sd_param){"end", end_name(f->end)};
	mon_to_syslog(m, 6, "finding-end", p, n, f->last_ns, msg);
}

static void write_repeat(struct mon *m, const struct pending *x)
{
	const struct an_finding *f = x->f;
	char t1[48], t2[48], msg[768], a[160], b[160], svc[32], bufs[8][64];
	struct an_sd_param p[18];
	size_t n;
	json_t *o;

	an_describe_endpoint(&f->src, a, sizeof(a));
	an_describe_endpoint(&f->dst, b, sizeof(b));
	an_describe_service(f->proto, f->dst.port, svc, sizeof(svc));
	if (JA(m))
		snprintf(msg, sizeof(msg), "#%" PRIu32 " と同じ接続がさらに %" PRIu64 " 件 (%s、%s から %s %s)、%s から %s まで",
			 f->id, x->count, an_check_id(f->check), a, b, svc, an_format_time(x->first_ns, t1, sizeof(t1)),
			 an_format_time(x->last_ns, t2, sizeof(t2)));
	else
		snprintf(msg, sizeof(msg), "%" PRIu64 " more connection%s like #%" PRIu32 " (%s, %s to %s %s) from %s to %s",
			 x->count, x->count == 1 ? "" : "s", f->id, an_check_id(f->check), a, b, svc,
			 an_format_time(x->first_ns, t1, sizeof(t1)), an_format_time(x->last_ns, t2, sizeof(t2)));
	if (m->cfg->out.format == AN_FORMAT_JSON) {
		o = an_json_finding(m->site, m->names, m->n_ifs, f, m->cfg->out.japanese);
		json_object_set_new(o, "type", json_string("repeat"));
		json_object_set_new(o, "id", json_integer(f->id));
		json_object_set_new(o, "count", json_integer((json_int_t)x->count));
		json_object_set_new(o, "first_seen", json_string(t1));
		json_object_set_new(o, "last_seen", json_string(t2));
		json_object_set_new(o, "window_s", json_real((double)m->cfg->repeat_window_ns / 1e9));
		json_object_set_new(o, "message", json_string(msg));
		/* the figures of one connection would mislead here */
		json_object_del(o, "packets");
		json_object_del(o, "bytes");
		json_object_del(o, "frames");
		json_object_del(o, "first_frame");
		json_object_del(o, "established");
		json_object_del(o, "flow");
		mon_write_json(m, o);
	}
	mon_write_text(m, "%s REPEAT %s", t2, msg);
	finding_params(m, f, bufs, p, &n);
	snprintf(bufs[7], 64, "%" PRIu64, x->count);
	p[n++] = (struct an_sd_param){"count", bufs[7]};
	mon_to_syslog(m, 5, "repeat", p, n, x->last_ns, msg);
}

void mon_flush_pending(struct mon *m)
{
	for (size_t i = 0; i < m->n_pending; i++) {
		struct pending *x = &m->pending[i];

		switch (x->kind) {
		case PENDING_FINDING:
			write_finding(m, x->f);
			break;
		case PENDING_END:
			write_end(m, x->f);
			break;
		case PENDING_REPEAT:
			write_repeat(m, x);
			break;
		}
		an_finding_free(x->f);
	}
	m->n_pending = 0;
}

static void queue(struct mon *m, enum pending_kind kind, const struct an_finding *f, const struct repeat *rp)
{
	struct pending *x;

	if (m->n_pending == m->cap_pending) {
		size_t cap = m->cap_pending ? m->cap_pending * 2 : 16;
		struct pending *n = realloc(m->pending, cap * sizeof(*n));

		if (!n) {
			mon_fail(m, -ENOMEM, "out of memory queueing a finding");
			return;
		}
		m->pending = n;
		m->cap_pending = cap;
	}
	x = &m->pending[m->n_pending];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->f = an_finding_dup(f);
	if (!x->f) {
		mon_fail(m, -ENOMEM, "out of memory queueing a finding");
		return;
	}
	if (kind == PENDING_FINDING && !f->message) {
		char msg[640];

		x->f->message = strdup(an_finding_message(m->site, f, false, msg, sizeof(msg)));
	}
	if (rp) {
		x->count = rp->count;
		x->first_ns = rp->first_ns;
		x->last_ns = rp->last_ns;
	}
	m->n_pending++;
}

/* Closes a repeat window: its count, if any, becomes a record. */
static void repeat_close(struct mon *m, struct repeat *x)
{
	if (x->count)
		queue(m, PENDING_REPEAT, &x->f, x);
	x->count = 0;
}

bool mon_on_finding(enum an_event ev, const struct an_finding *f, void *userdata)
{
	struct mon *m = userdata;
	struct repeat *x;
	uint64_t now;

	if (ev == AN_EVENT_FLOW_END) {
		queue(m, PENDING_END, f, NULL);
		return false;
	}
	if (an_check_is_station(f->check) || !m->cfg->repeat_window_ns) {
		queue(m, PENDING_FINDING, f, NULL);
		return true;
	}
	now = an_now_ns();
	x = repeat_find(&m->repeats, f);
	if (x && now - x->window_start_ns < m->cfg->repeat_window_ns) {
		if (!x->count || f->first_ns < x->first_ns)
			x->first_ns = f->first_ns;
		if (f->last_ns > x->last_ns)
			x->last_ns = f->last_ns;
		x->count++;
		m->repeats.suppressed++;
		return false;
	}
	if (x) {
		/* its window is over: say how many it folded, start afresh */
		repeat_close(m, x);
		repeat_remove(&m->repeats, x);
	}
	queue(m, PENDING_FINDING, f, NULL);
	(void)repeat_insert(&m->repeats, f, now); /* table full: every connection is reported */
	return true;
}

void mon_repeat_tick(struct mon *m, uint64_t now, bool all)
{
	struct repeat_table *t = &m->repeats;

	for (size_t i = 0; i < t->cap && t->n; i++) {
		struct repeat *x = &t->items[i];

		if (!x->used || (!all && now - x->window_start_ns < m->cfg->repeat_window_ns))
			continue;
		if (x->count && !all) {
			/* a flood goes on: one record per window, no new finding */
			repeat_close(m, x);
			x->window_start_ns = now;
		} else {
			repeat_close(m, x);
			repeat_remove(t, x);
		}
	}
}

/* --------------------------------------------------------------- records */

static json_t *json_iface_counts(struct mon *m, uint64_t *ret_dropped)
{
	json_t *a = json_array();

	*ret_dropped = 0;
	for (size_t i = 0; i < m->n_ifs; i++) {
		struct iface *it = &m->ifs[i];
		json_t *x = json_object();

		json_object_set_new(x, "name", json_string(it->name));
		json_object_set_new(x, "received", it->stats_known ? json_integer((json_int_t)it->stats.received)
								   : json_null());
		json_object_set_new(x, "dropped", it->stats_known ? json_integer((json_int_t)it->stats.dropped)
								  : json_null());
		json_object_set_new(x, "if_dropped", it->stats_known && it->stats.if_dropped_known
							     ? json_integer((json_int_t)it->stats.if_dropped)
							     : json_null());
		json_array_append_new(a, x);
		*ret_dropped += it->stats.dropped;
	}
	return a;
}

static bool all_stats_known(const struct mon *m)
{
	for (size_t i = 0; i < m->n_ifs; i++)
		if (!m->ifs[i].stats_known)
			return false;
	return true;
}

static void refresh_stats(struct mon *m)
{
	for (size_t i = 0; i < m->n_ifs; i++) {
		struct iface *it = &m->ifs[i];

		it->stats_known = probe_capture_stats(it->cap, &it->stats) == 0;
		if (it->stats_known && it->stats.dropped > it->dropped_warned) {
			if (JA(m))
				mon_warn(m, "KERNEL-DROPS", it->name,
				     "%s: キャプチャリングが満杯のためカーネルが %" PRIu64 " パケットを破棄しました (開始から %" PRIu64
				     ")。指摘が漏れている可能性があります。--buffer-size を増やす、-f で絞る、速いコアを割り当てる、のいずれかを",
				     it->name, it->stats.dropped - it->dropped_warned, it->stats.dropped);
			else
				mon_warn(m, "KERNEL-DROPS", it->name,
				     "%s: the kernel dropped %" PRIu64 " packets (%" PRIu64 " since start) because the capture "
				     "ring was full; findings may be missing. Raise --buffer-size, narrow -f, or give sanso a "
				     "faster core",
				     it->name, it->stats.dropped - it->dropped_warned, it->stats.dropped);
			it->dropped_warned = it->stats.dropped;
		}
	}
	if (m->syslog && an_syslog_dropped(m->syslog) > m->syslog_dropped_warned) {
		uint64_t d = an_syslog_dropped(m->syslog);

		m->syslog_dropped_warned = d;
		mon_warn(m, "SYSLOG-DROPS", NULL,
		     JA(m) ? "syslog に届けられなかったメッセージが %" PRIu64 " 件あります (syslog デーモンは動いていますか)"
			   : "%" PRIu64 " syslog messages could not be delivered so far (is the syslog daemon running?)",
		     d);
	}
}

static uint64_t findings_total(const struct an_counters *c)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < _AN_CHECK_MAX; i++)
		n += c->findings[i];
	return n;
}

void mon_write_stats(struct mon *m, uint64_t now)
{
	const struct an_counters *c;
	uint64_t dropped;
	char t[48];
	json_t *o;

	refresh_stats(m);
	c = an_engine_counters(m->engine);
	o = mon_record("stats", now);
	json_object_set_new(o, "uptime_s", json_integer((json_int_t)((now - m->started_ns) / 1000000000ull)));
	json_object_set_new(o, "packets_read", json_integer((json_int_t)c->packets_read));
	json_object_set_new(o, "packets_decoded", json_integer((json_int_t)(c->packets_read - c->packets_undecoded)));
	json_object_set_new(o, "packets_undecoded", json_integer((json_int_t)c->packets_undecoded));
	json_object_set_new(o, "interfaces", json_iface_counts(m, &dropped));
	json_object_set_new(o, "packets_dropped", all_stats_known(m) ? json_integer((json_int_t)dropped) : json_null());
	json_object_set_new(o, "flows", json_integer((json_int_t)c->flows));
	json_object_set_new(o, "flows_live", json_integer((json_int_t)c->flow_stats.live));
	json_object_set_new(o, "flows_evicted", json_integer((json_int_t)c->flow_stats.ended_capacity));
	json_object_set_new(o, "stations", json_integer((json_int_t)c->stations));
	json_object_set_new(o, "stations_dropped", json_integer((json_int_t)c->stations_dropped));
	json_object_set_new(o, "stations_expired", json_integer((json_int_t)c->stations_expired));
	json_object_set_new(o, "findings_total", json_integer((json_int_t)findings_total(c)));
	json_object_set_new(o, "repeats_folded", json_integer((json_int_t)m->repeats.suppressed));
	json_object_set_new(o, "evidence_packets", json_integer((json_int_t)m->evidence_packets));
	mon_write_json(m, o);
	if (!m->cfg->out.quiet)
		mon_write_text(m,
			   "%s STATS packets %" PRIu64 " (undecoded %" PRIu64 ", dropped by the kernel %" PRIu64
			   "), flows %zu live / %" PRIu64 " evicted, stations %zu, findings %" PRIu64,
			   an_format_time(now, t, sizeof(t)), c->packets_read, c->packets_undecoded, dropped,
			   c->flow_stats.live, c->flow_stats.ended_capacity, c->stations, findings_total(c));
	{
		char b[5][32];
		struct an_sd_param p[] = {
			{"packets", b[0]}, {"undecoded", b[1]}, {"dropped", b[2]}, {"flows_live", b[3]}, {"findings", b[4]},
		};

		snprintf(b[0], 32, "%" PRIu64, c->packets_read);
		snprintf(b[1], 32, "%" PRIu64, c->packets_undecoded);
		snprintf(b[2], 32, "%" PRIu64, dropped);
		snprintf(b[3], 32, "%zu", c->flow_stats.live);
		snprintf(b[4], 32, "%" PRIu64, findings_total(c));
		mon_to_syslog(m, 6, "stats", p, 5, now, "statistics");
	}
}

void mon_write_start(struct mon *m)
{
	const struct an_monitor_config *cfg = m->cfg;
	struct passwd *pw = getpwuid(geteuid());
	uint64_t ts = m->started_ns;
	json_t *o = mon_record("start", ts), *a = json_array();
	char t[48], list[512] = "";
	size_t n = 0;

	json_object_set_new(o, "version", json_string(SANSO_VERSION));
	json_object_set_new(o, "site", json_string(topo_site_name(m->site)));
	json_object_set_new(o, "topology", json_string(cfg->topology_path));
	char sha[65];
	json_object_set_new(o, "topology_sha256",
			    an_sha256_file(cfg->topology_path, sha) == 0 ? json_string(sha) : json_null());
	json_object_set_new(o, "pid", json_integer(getpid()));
	char uid[16];
	snprintf(uid, sizeof(uid), "%u", (unsigned)geteuid());
	json_object_set_new(o, "user", json_string(pw ? pw->pw_name : uid)); /* a string either way */
	json_object_set_new(o, "uid", json_integer((json_int_t)geteuid()));
	for (size_t i = 0; i < m->n_ifs; i++) {
		struct iface *it = &m->ifs[i];
		int lt = probe_capture_linktype(it->cap);
		const char *ltn = pcap_datalink_val_to_name(lt);
		json_t *x = json_object();

		json_object_set_new(x, "name", json_string(it->name));
		json_object_set_new(x, "linktype", ltn ? json_string(ltn) : json_integer(lt));
		json_object_set_new(x, "snaplen", json_integer(probe_capture_snaplen(it->cap)));
		json_object_set_new(x, "ring", json_string(probe_capture_ring(it->cap)));
		uint64_t ring = probe_capture_ring_bytes(it->cap);
		json_object_set_new(x, "buffer_bytes", json_integer((json_int_t)(cfg->capture.buffer_bytes
									     ? cfg->capture.buffer_bytes
									     : PROBE_LIVE_DEFAULT_BUFFER)));
		json_object_set_new(x, "ring_bytes", ring ? json_integer((json_int_t)ring) : json_null());
		json_object_set_new(x, "immediate", json_boolean(cfg->capture.immediate));
		json_object_set_new(x, "promiscuous", json_boolean(!cfg->capture.no_promisc));
		json_object_set_new(x, "filter", an_json_str_or_null(cfg->capture.bpf_filter));
		json_array_append_new(a, x);
		n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s (%s, %s)", i ? ", " : "",
				      it->name, ltn ? ltn : "?", probe_capture_ring(it->cap));
	}
	json_object_set_new(o, "interfaces", a);
	json_object_set_new(o, "evidence", an_json_str_or_null(cfg->evidence));
	mon_write_json(m, o);
	mon_write_text(m, JA(m) ? "%s START sanso %s が %s の監視を開始しました (サイト %s、pid %d)" : "%s START sanso %s monitoring %s for site %s (pid %d)", an_format_time(ts, t, sizeof(t)),
		   SANSO_VERSION, list, topo_site_name(m->site), (int)getpid());
	mon_to_syslog(m, 5, "start", NULL, 0, ts, "monitoring started");
}

void mon_write_summary(struct mon *m)
{
	const struct an_counters *c = an_engine_counters(m->engine);
	json_t *o = mon_record("summary", an_now_ns());
	uint64_t dropped;
	char t[48], t0[48];

	refresh_stats(m);
	an_json_summary_counts(o, m->site, c);
	json_object_set_new(o, "interfaces", json_iface_counts(m, &dropped));
	json_object_set_new(o, "packets_dropped", all_stats_known(m) ? json_integer((json_int_t)dropped) : json_null());
	json_object_set_new(o, "flows", json_integer((json_int_t)c->flows));
	json_object_set_new(o, "flows_evicted", json_integer((json_int_t)c->flow_stats.ended_capacity));
	json_object_set_new(o, "stations_dropped", json_integer((json_int_t)c->stations_dropped));
	json_object_set_new(o, "repeats_folded", json_integer((json_int_t)m->repeats.suppressed));
	json_object_set_new(o, "evidence_packets", json_integer((json_int_t)m->evidence_packets));
	json_object_set_new(o, "reloads", json_integer((json_int_t)m->reloads));
	json_object_set_new(o, "reloads_refused", json_integer((json_int_t)m->reloads_refused));
	json_object_set_new(o, "started", json_string(an_format_time(m->started_ns, t0, sizeof(t0))));
	mon_write_json(m, o);
	mon_write_text(m,
		   JA(m) ? "%s SUMMARY %s から: パケット %" PRIu64 " (解析不能 %" PRIu64 "、カーネルの破棄 %" PRIu64
			   ")、接続 %" PRIu64 "、指摘 %" PRIu64 " (繰り返し %" PRIu64 " 件を集約)"
		   : "%s SUMMARY since %s: packets %" PRIu64 " (undecoded %" PRIu64 ", dropped by the kernel %" PRIu64
		   "), connections %" PRIu64 ", findings %" PRIu64 " (%" PRIu64 " repeats folded)",
		   an_format_time(an_now_ns(), t, sizeof(t)), t0, c->packets_read, c->packets_undecoded, dropped, c->flows,
		   findings_total(c), m->repeats.suppressed);
	mon_to_syslog(m, 5, "stop", NULL, 0, 0, "monitoring stopped");
}

