/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sanso monitor: live captures on span/mirror ports through one streaming
 * engine, records written as they are decided (docs/monitor.md).
 *
 * One thread.  The loop ppoll()s the captures' descriptors with the stop
 * and reload signals blocked everywhere else, so a signal is only taken
 * between batches: a reload never lands in the middle of a packet, and
 * there is nothing to race.  A tick every second expires idle flows (by
 * the wall clock: a quiet link sends no packets to move time on), closes
 * repeat windows, flushes the evidence files and writes the stats record
 * when it is due.
 *
 * Findings are queued while the engine runs and written after it returns,
 * so a finding can name the evidence file its first packet went to.
 * Several interfaces are merged in time order as far as their rings have
 * handed packets over (read_captures).
 * Memory: the engine's bounded tables, a fixed repeat table and the
 * queue (a few entries per packet at most).
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

#define TICK_NS 1000000000ull
#define BATCH 4096 /* records read from one capture before the others get their turn */
#define DEFAULT_REPEAT_KEYS 4096

/* --------------------------------------------------------------- signals */

static volatile sig_atomic_t got_reload, got_stop;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_reload = 1;
	else
		got_stop = sig;
}

void mon_fail(struct mon *m, int err, const char *fmt, ...)
{
	va_list ap;

	if (m->error)
		return;
	m->error = err;
	va_start(ap, fmt);
	vsnprintf(m->errbuf, m->errlen, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- reload */

static void reload(struct mon *m)
{
	struct topo_diag_list diags = {0};
	struct topo_site *site = NULL;
	uint64_t ts = an_now_ns();
	json_t *o = mon_record("reload", ts), *errs = json_array(), *warns = json_array();
	char line[2048], t[48];
	int r;

	r = topo_site_load(m->cfg->topology_path, &site, &diags);
	for (size_t i = 0; i < diags.n; i++) {
		topo_diag_format(&diags.items[i], line, sizeof(line));
		fprintf(stderr, "%s\n", line);
		json_array_append_new(diags.items[i].severity == TOPO_SEV_ERROR ? errs : warns, json_string(line));
	}
	json_object_set_new(o, "topology", json_string(m->cfg->topology_path));
	char sha[65];
	json_object_set_new(o, "topology_sha256",
			    an_sha256_file(m->cfg->topology_path, sha) == 0 ? json_string(sha) : json_null());
	json_object_set_new(o, "ok", json_boolean(r == 0));
	if (r == 0) {
		/* nothing may point into the old topology once it is freed: the
		 * ended connections' last findings are made under it, then the
		 * repeat windows (their findings name zones) are closed and
		 * what is queued written */
		an_engine_settle(m->engine);
		mon_repeat_tick(m, ts, true);
		mon_flush_pending(m);
		if ((r = an_engine_set_site(m->engine, site)) < 0) {
			topo_site_free(site);
			json_array_append_new(errs, json_string(r == -E2BIG ? "the rulesets are too large to model for the new topology"
									     : "out of memory binding the rulesets to the new topology"));
		}
	}
	if (r == 0) {
		topo_site_free(m->site);
		m->site = site;
		m->reloads++;
		snprintf(line, sizeof(line), JA(m) ? "%s: トポロジを再読み込みしました (サイト %s)" : "%s: topology reloaded, site %s",
			 m->cfg->topology_path, topo_site_name(site));
	} else {
		m->reloads_refused++;
		if (json_array_size(errs) == 0)
			json_array_append_new(errs, json_string(strerror(-r)));
		if (JA(m))
			snprintf(line, sizeof(line), "%s: 新しいトポロジはエラー %zu 件のため使いません。サイト %s のまま監視を続けます",
				 m->cfg->topology_path, json_array_size(errs), topo_site_name(m->site));
		else
			snprintf(line, sizeof(line), "%s: the new topology was refused (%zu error%s); still using site %s",
				 m->cfg->topology_path, json_array_size(errs), json_array_size(errs) == 1 ? "" : "s",
				 topo_site_name(m->site));
		fprintf(stderr, "sanso monitor: %s\n", line);
	}
	json_object_set_new(o, "site", json_string(topo_site_name(m->site)));
	json_object_set_new(o, r == 0 ? "warnings" : "errors", json_incref(r == 0 ? warns : errs));
	json_object_set_new(o, "message", json_string(line));
	json_decref(warns);
	json_decref(errs);
	mon_write_json(m, o);
	mon_write_text(m, "%s RELOAD%s %s", an_format_time(ts, t, sizeof(t)), r == 0 ? "" : " REFUSED", line);
	mon_to_syslog(m, r == 0 ? 5 : 3, "reload", NULL, 0, ts, line);
	/* findings the new topology raises on live connections */
	mon_flush_pending(m);
	topo_diag_list_clear(&diags);
}

/* ------------------------------------------------------------------ loop */

/* The next record of one interface into it->rec (it->has_rec), handling
 * an interface set down or back up.  false when it has none now. */
static bool fetch(struct mon *m, struct iface *it)
{
	int r = probe_capture_next(it->cap, &it->rec);

	it->has_rec = false;
	if (r == 0)
		return false;
	if (r == -ENETDOWN && if_nametoindex(it->name) != 0) {
		/* set down, not removed (a switch rebooting, a cable pulled):
		 * say so, and wait for it to come back */
		if (!it->down)
			mon_warn(m, "INTERFACE-DOWN", it->name, JA(m) ? "%s。復旧を待っています" : "%s; waiting for it to come back up",
			     probe_capture_error(it->cap));
		it->down = true;
		return false;
	}
	if (r < 0) {
		mon_fail(m, r, "%s", probe_capture_error(it->cap));
		return false;
	}
	if (it->down) {
		it->down = false;
		mon_warn(m, "INTERFACE-UP", it->name, JA(m) ? "%s が復旧しました。パケットを受信しています" : "%s is up again; packets flow",
		     it->name);
	}
	it->has_rec = true;
	return true;
}

static void process(struct mon *m, struct iface *it)
{
	int r;

	if (an_engine_packet(m->engine, &it->rec) && it->ring) {
		r = probe_ring_write(it->ring, &it->rec);
		if (r < 0)
			mon_fail(m, r, "evidence: %s", probe_ring_error(it->ring));
		else
			m->evidence_packets++;
	}
	if (m->n_pending)
		mon_flush_pending(m);
}

/*
 * Reads what the interfaces have now, merged in time order: with one
 * record held per interface (libpcap keeps it valid until that handle's
 * next read), the oldest goes first.  A span split over two ports (one
 * direction each) then shows a SYN before its SYN-ACK as far as both rings
 * have handed their packets over.  At most BATCH records per call.
 * `all`: every interface, also those set down (tried once a tick).
 */
static void read_captures(struct mon *m, bool all)
{
	for (size_t i = 0; i < m->n_ifs && !m->error; i++)
		if (all || !m->ifs[i].down)
			(void)fetch(m, &m->ifs[i]);
	for (unsigned k = 0; k < BATCH && !m->error; k++) {
		struct iface *oldest = NULL;

		for (size_t i = 0; i < m->n_ifs; i++)
			if (m->ifs[i].has_rec && (!oldest || m->ifs[i].rec.ts_ns < oldest->rec.ts_ns))
				oldest = &m->ifs[i];
		if (!oldest)
			return;
		process(m, oldest);
		(void)fetch(m, oldest);
	}
	/* the batch is full: the records held are processed now, in order,
	 * since the next read of their handle would invalidate them */
	for (struct iface *oldest = NULL;; oldest = NULL) {
		for (size_t i = 0; i < m->n_ifs; i++)
			if (m->ifs[i].has_rec && (!oldest || m->ifs[i].rec.ts_ns < oldest->rec.ts_ns))
				oldest = &m->ifs[i];
		if (!oldest || m->error)
			break;
		process(m, oldest);
		oldest->has_rec = false;
	}
}

static void tick(struct mon *m, uint64_t now)
{
	an_engine_expire(m->engine, now);
	if (m->cfg->repeat_window_ns)
		mon_repeat_tick(m, now, false);
	mon_flush_pending(m);
	for (size_t i = 0; i < m->n_ifs && !m->error; i++)
		if (m->ifs[i].ring && probe_ring_flush(m->ifs[i].ring) < 0)
			mon_fail(m, -EIO, "evidence: %s", probe_ring_error(m->ifs[i].ring));
	if (m->cfg->stats_interval_ns && now >= m->next_stats_ns) {
		mon_write_stats(m, now);
		m->next_stats_ns = now + m->cfg->stats_interval_ns;
	}
}

static int loop(struct mon *m, const sigset_t *waitmask)
{
	struct pollfd *pfd = calloc(m->n_ifs, sizeof(*pfd));

	if (!pfd)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_ifs; i++) {
		pfd[i].fd = probe_capture_fd(m->ifs[i].cap);
		pfd[i].events = POLLIN;
	}
	while (!got_stop && !m->error) {
		uint64_t now = an_now_ns(), wait = m->next_tick_ns > now ? m->next_tick_ns - now : 0;
		struct timespec ts = {.tv_sec = (time_t)(wait / 1000000000ull), .tv_nsec = (long)(wait % 1000000000ull)};
		int r = ppoll(pfd, m->n_ifs, &ts, waitmask);

		if (r < 0 && errno != EINTR) {
			mon_fail(m, -errno, "poll: %s", strerror(errno));
			break;
		}
		if (got_reload) {
			got_reload = 0;
			reload(m);
		}
		/* every capture, readable or not: a TPACKET_V3 block can be
		 * ready without a wake-up of its own, and an error shows as
		 * POLLERR, which reading reports best.  A downed interface is
		 * only tried once a tick, and not polled: its descriptor may
		 * report an error forever */
		now = an_now_ns();
		read_captures(m, now >= m->next_tick_ns);
		for (size_t i = 0; i < m->n_ifs; i++)
			pfd[i].fd = m->ifs[i].down ? -1 : probe_capture_fd(m->ifs[i].cap);
		if (now >= m->next_tick_ns) {
			tick(m, now);
			m->next_tick_ns = now + TICK_NS;
		}
	}
	/* stopping: what the kernel already captured is still analysed.  A
	 * TPACKET_V3 block is handed over when full or when its timeout
	 * passes, so wait that long (and a little) for the last one */
	if (!m->error) {
		int grace = (m->cfg->capture.timeout_ms > 0 ? m->cfg->capture.timeout_ms : 100) + 50;
		uint64_t end = an_now_ns() + (uint64_t)grace * 1000000ull;
		sigset_t all;

		sigfillset(&all);
		for (uint64_t now = an_now_ns(); now < end && !m->error; now = an_now_ns()) {
			struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(end - now)};

			if (ppoll(pfd, m->n_ifs, &ts, &all) <= 0)
				break;
			read_captures(m, false);
		}
	}
	free(pfd);
	return m->error;
}

/* ----------------------------------------------------------------- setup */

static int open_captures(struct mon *m, char *errbuf, size_t errlen)
{
	const struct an_monitor_config *cfg = m->cfg;

	for (size_t i = 0; i < cfg->n_ifaces; i++) {
		struct probe_live_config lc = cfg->capture;
		struct iface *it = &m->ifs[i];
		int r, lt;

		for (size_t j = 0; j < i; j++)
			if (strcmp(cfg->ifaces[i], cfg->ifaces[j]) == 0) {
				snprintf(errbuf, errlen, "-i %s is given twice", cfg->ifaces[i]);
				return -EINVAL;
			}
		lc.iface = cfg->ifaces[i];
		it->name = cfg->ifaces[i];
		m->names[i] = it->name;
		r = probe_capture_open_live(&lc, (unsigned)i, &it->cap, errbuf, errlen);
		if (r < 0)
			return r;
		if (errbuf[0]) /* e.g. promiscuous mode not supported */
			fprintf(stderr, "sanso monitor: warning: %s\n", errbuf);
		errbuf[0] = '\0';
		m->n_ifs = i + 1;
		lt = probe_capture_linktype(it->cap);
		if (!probe_linktype_supported(lt)) {
			const char *n = pcap_datalink_val_to_name(lt);

			snprintf(errbuf, errlen,
				 "%s: link type %s (%d) is not one sanso decodes (Ethernet, Linux cooked, raw IP, "
				 "loopback); monitor an Ethernet span/mirror port",
				 it->name, n ? n : "?", lt);
			return -EINVAL;
		}
	}
	return 0;
}

/* "DIR/NAME.pcap" → "DIR/NAME-IFACE"; "" on overflow */
static void evidence_prefix(const char *path, const char *iface, char *buf, size_t len)
{
	size_t n = strlen(path);

	if (n > 5 && strcmp(path + n - 5, ".pcap") == 0)
		n -= 5;
	else if (n > 7 && strcmp(path + n - 7, ".pcapng") == 0)
		n -= 7;
	if ((size_t)snprintf(buf, len, "%.*s-%s", (int)n, path, iface) >= len)
		buf[0] = '\0';
}

static int open_outputs(struct mon *m, char *errbuf, size_t errlen)
{
	const struct an_monitor_config *cfg = m->cfg;
	int r;

	r = an_log_open(cfg->output, cfg->rotate_bytes, cfg->rotate_keep, &m->log, errbuf, errlen);
	if (r < 0)
		return r;
	if (cfg->syslog_target) {
		r = an_syslog_open(cfg->syslog_target, cfg->syslog_facility, "sanso", &m->syslog, errbuf, errlen);
		if (r < 0)
			return r;
	}
	if (cfg->evidence) {
		char *copy = strdup(cfg->evidence);

		if (!copy)
			return -ENOMEM;
		/* the ring creates its first file on the first flagged packet:
		 * find out now (as the user we run as) that it could */
		if (access(dirname(copy), W_OK | X_OK) < 0) {
			r = -errno;
			snprintf(errbuf, errlen, "--evidence %s: the directory is not writable%s: %s", cfg->evidence,
				 cfg->user ? " by the -Z user" : "", strerror(errno));
			free(copy);
			return r;
		}
		free(copy);
		for (size_t i = 0; i < m->n_ifs; i++) {
			char prefix[4096];
			struct probe_ring_config rc = {
				.prefix = prefix,
				.linktype = probe_capture_linktype(m->ifs[i].cap),
				.snaplen = probe_capture_snaplen(m->ifs[i].cap),
				.max_bytes = cfg->evidence_bytes,
				.keep = cfg->evidence_keep,
			};

			evidence_prefix(cfg->evidence, m->ifs[i].name, prefix, sizeof(prefix));
			if (!prefix[0]) {
				snprintf(errbuf, errlen, "--evidence %s: path too long", cfg->evidence);
				return -ENAMETOOLONG;
			}
			r = probe_ring_open(&rc, &m->ifs[i].ring, errbuf, errlen);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static void close_all(struct mon *m)
{
	for (size_t i = 0; i < m->n_ifs; i++) {
		if (m->ifs[i].ring && probe_ring_close(m->ifs[i].ring) < 0 && !m->error)
			mon_fail(m, -EIO, "evidence: closing %s failed", m->ifs[i].name);
		probe_capture_free(m->ifs[i].cap);
	}
	if (an_log_close(m->log) < 0 && !m->error)
		mon_fail(m, -EIO, "closing %s failed", m->cfg->output ? m->cfg->output : "standard output");
	an_syslog_close(m->syslog);
	an_engine_free(m->engine);
	mon_repeat_free(&m->repeats);
	for (size_t i = 0; i < m->n_pending; i++)
		an_finding_free(m->pending[i].f);
	free(m->pending);
	free(m->ifs);
	free(m->names);
}

int an_monitor_run(const struct an_monitor_config *cfg, struct topo_site *site, struct an_monitor_result *res,
		   char *errbuf, size_t errlen)
{
	struct mon m = {.cfg = cfg, .site = site, .errbuf = errbuf, .errlen = errlen};

	if (cfg->sensor)
		snprintf(m.sensor, sizeof(m.sensor), "%s", cfg->sensor);
	else if (gethostname(m.sensor, sizeof(m.sensor) - 1) < 0 || !m.sensor[0])
		snprintf(m.sensor, sizeof(m.sensor), "localhost");
	struct sigaction sa = {.sa_handler = on_signal}, old_hup, old_term, old_int, old_pipe;
	sigset_t block, saved;
	int r;

	memset(res, 0, sizeof(*res));
	errbuf[0] = '\0';
	got_reload = 0;
	got_stop = 0;
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	/* a stop signal during setup is kept pending and ends the run at
	 * once; the loop takes signals only inside ppoll() */
	sigprocmask(SIG_BLOCK, &block, &saved);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, &old_hup);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGINT, &sa, &old_int);
	sa.sa_handler = SIG_IGN; /* a closed stdout is a write error, not a silent death */
	sigaction(SIGPIPE, &sa, &old_pipe);

	m.ifs = calloc(cfg->n_ifaces, sizeof(*m.ifs));
	m.names = calloc(cfg->n_ifaces, sizeof(*m.names));
	if (!m.ifs || !m.names || mon_repeat_init(&m.repeats, cfg->max_repeat_keys ? cfg->max_repeat_keys
									      : DEFAULT_REPEAT_KEYS) < 0) {
		snprintf(errbuf, errlen, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	r = open_captures(&m, errbuf, errlen);
	if (r < 0)
		goto out;
	/* as tcpdump -Z: the captures are open, nothing else is yet */
	r = an_drop_privileges(cfg->user, errbuf, errlen);
	if (r < 0)
		goto out;
	r = open_outputs(&m, errbuf, errlen);
	if (r < 0)
		goto out;

	struct an_engine_config ecfg = {
		.site = site,
		.flows = cfg->flows,
		.max_stations = cfg->max_stations,
		.streaming = true,
		.station_idle_ns = cfg->station_idle_ns,
		.rulesets = cfg->rulesets,
	};
	m.engine = an_engine_new(&ecfg, mon_on_finding, &m);
	if (!m.engine) {
		snprintf(errbuf, errlen, "out of memory creating the flow tables (try a smaller --max-flows)");
		r = -ENOMEM;
		goto out;
	}
	m.started_ns = an_now_ns();
	an_time_digits(9); /* live timestamps are nanoseconds: every record says 9 digits */
	m.next_tick_ns = m.started_ns + TICK_NS;
	m.next_stats_ns = m.started_ns + cfg->stats_interval_ns;
	mon_write_start(&m);
	res->started = !m.error;

	sigset_t waitmask = saved;
	sigdelset(&waitmask, SIGHUP);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	r = m.error ? m.error : loop(&m, &waitmask);

	/* stop or failure: end every connection, close the windows, say
	 * what was seen — also after a failure, where the output still works */
	an_engine_finish(m.engine);
	mon_repeat_tick(&m, an_now_ns(), true);
	mon_flush_pending(&m);
	mon_write_summary(&m);
	{
		const struct an_counters *c = an_engine_counters(m.engine);

		for (unsigned i = 0; i < _AN_CHECK_MAX; i++)
			if (an_check_severity(i) >= cfg->fail_on)
				res->at_least += c->findings[i];
	}
out:
	close_all(&m);
	if (r == 0 && m.error)
		r = m.error;
	topo_site_free(m.site);
	sigaction(SIGHUP, &old_hup, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	an_time_digits(0);
	return r;
}
