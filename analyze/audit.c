/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Offline audit: captures in order through one engine, findings collected
 * into a report.  With --evidence, a second pass re-reads the captures and
 * writes every packet of every flagged connection: the flow table is
 * deterministic, so the second pass rebuilds the same flows and a flow is
 * flagged when its (key, first frame) is in the set the first pass found.
 * This keeps memory bounded — no packet is held between the passes.
 */
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze.h"
#include "analyze-internal.h"

#define DEFAULT_MAX_FINDINGS 100000

struct an_report {
	const struct topo_site *site;
	struct an_finding **findings;
	size_t n_findings, cap_findings;
	size_t max_findings;
	uint64_t findings_not_kept;
	struct an_counters counters;
	char **captures;
	size_t n_captures;
	char **evidence;
	size_t n_evidence;
	bool oom;
	struct an_input *inputs; /* the topology, then each capture */
	size_t n_inputs;
	uint64_t generated_ns, started_ns;
	unsigned coverage; /* AN_COV_* problems; 0: the audit saw enough to judge */
	struct an_fw_usage *usage; /* reconciliation: the rules the connections used */
	size_t n_usage;
};

static bool collect(enum an_event ev, const struct an_finding *f, void *userdata)
{
	struct an_report *r = userdata;
	struct an_finding *d;

	(void)ev; /* an audit does not stream: only AN_EVENT_FINDING */
	if (r->n_findings >= r->max_findings) {
		r->findings_not_kept++;
		return false;
	}
	if (r->n_findings == r->cap_findings) {
		size_t cap = r->cap_findings ? r->cap_findings * 2 : 64;
		struct an_finding **n = realloc(r->findings, cap * sizeof(*n));
		if (!n) {
			r->oom = true;
			return false;
		}
		r->findings = n;
		r->cap_findings = cap;
	}
	d = an_finding_dup(f);
	if (!d) {
		r->oom = true;
		return false;
	}
	r->findings[r->n_findings++] = d;
	return false;
}

/* A BPF filter applied per record (pcap_offline_filter) rather than with
 * pcap_setfilter, so that frame numbers keep counting every record. */
struct filter {
	struct bpf_program prog;
	bool compiled;
};

static int filter_compile(struct filter *flt, const char *expr, int linktype, int snaplen, char *errbuf,
			  size_t errlen)
{
	pcap_t *dead;
	int r = 0;

	memset(flt, 0, sizeof(*flt));
	if (!expr)
		return 0;
	dead = pcap_open_dead(linktype, snaplen > 0 ? snaplen : 262144);
	if (!dead) {
		snprintf(errbuf, errlen, "cannot compile filter: out of memory");
		return -ENOMEM;
	}
	if (pcap_compile(dead, &flt->prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(errbuf, errlen, "bad filter \"%s\": %s", expr, pcap_geterr(dead));
		r = -EINVAL;
	} else
		flt->compiled = true;
	pcap_close(dead);
	return r;
}

static bool filter_match(const struct filter *flt, const struct probe_record *rec)
{
	struct pcap_pkthdr h;

	if (!flt->compiled)
		return true;
	memset(&h, 0, sizeof(h));
	h.caplen = rec->caplen;
	h.len = rec->len;
	return pcap_offline_filter(&flt->prog, &h, rec->data) != 0;
}

static void filter_free(struct filter *flt)
{
	if (flt->compiled)
		pcap_freecode(&flt->prog);
	flt->compiled = false;
}

/*
 * Reads every record of every capture, in order, and hands it to fn with
 * `selected` telling whether it passed the -f filter.  Both passes (the
 * audit and the evidence) read through here, so they see the same records.
 * Returns 0, fn's negative return (fn fills errbuf), -EINVAL for a capture
 * that can't be opened or a bad filter, -EBADMSG for a damaged one.
 */
typedef int (*record_fn)(const struct probe_record *rec, bool selected, void *userdata);

/* Progress on a terminal: once an audit has run 2 s, a line per second
 * (packets, share of the file, rate), rewritten in place; cleared at the
 * end so the report's first line starts clean. */
struct progress_state {
	uint64_t start_ns, last_ns, file_ns; /* the audit's start, the last line, this capture's start */
	uint64_t after_ns; /* 2 s; SANSO_PROGRESS_AFTER (seconds) for the tests */
	bool shown;
};

static void progress(const struct an_audit_config *cfg, struct progress_state *pg, const struct probe_capture *cap,
		     size_t i, uint64_t n, bool end)
{
	uint64_t now = an_mono_ns(), done, total;

	if (end) {
		if (pg->shown && i + 1 == cfg->n_captures) {
			fputs("\r\033[K", cfg->progress);
			fflush(cfg->progress);
		}
		return;
	}
	if (now - pg->start_ns < pg->after_ns || (pg->shown && now - pg->last_ns < 1000000000ull))
		return;
	pg->last_ns = now;
	pg->shown = true;
	probe_capture_progress(cap, &done, &total);
	double secs = (double)(now - pg->file_ns) / 1e9;
	fprintf(cfg->progress, "\r\033[Ksanso audit: %s: %" PRIu64 " packets", cfg->captures[i], n);
	if (total)
		fprintf(cfg->progress, ", %.0f%% of the file", 100.0 * (double)done / (double)total);
	fprintf(cfg->progress, ", %.0f packets/s", (double)n / secs);
	fflush(cfg->progress);
}

static int read_captures(const struct an_audit_config *cfg, record_fn fn, void *userdata, char *errbuf,
			 size_t errlen)
{
	struct progress_state pg = {.start_ns = an_mono_ns(), .after_ns = an_progress_after_ns(2000000000ull)};

	for (size_t i = 0; i < cfg->n_captures; i++) {
		struct probe_capture *cap = NULL;
		struct probe_record rec;
		struct filter flt;
		int r, q = 0;

		r = probe_capture_open_offline(cfg->captures[i], i, &cap, errbuf, errlen);
		if (r < 0)
			return -EINVAL;
		r = filter_compile(&flt, cfg->bpf_filter, probe_capture_linktype(cap), probe_capture_snaplen(cap),
				   errbuf, errlen);
		if (r < 0) {
			probe_capture_free(cap);
			return r;
		}
		uint64_t n = 0;
		pg.file_ns = an_mono_ns();
		while ((r = probe_capture_next(cap, &rec)) == 1 && (q = fn(&rec, filter_match(&flt, &rec), userdata)) >= 0)
			if (cfg->progress && (++n & 0xffff) == 0)
				progress(cfg, &pg, cap, i, n, false);
		if (cfg->progress)
			progress(cfg, &pg, cap, i, n, true);
		filter_free(&flt);
		if (r < 0)
			snprintf(errbuf, errlen, "%s: %s", cfg->captures[i], probe_capture_error(cap));
		probe_capture_free(cap);
		if (q < 0)
			return q;
		if (r < 0)
			return -EBADMSG;
	}
	return 0;
}

/* ------------------------------------------------------ flagged-flow set */

struct flagged_set {
	struct probe_flow_key *keys;
	struct probe_frame_ref *firsts;
	bool *used;
	size_t cap;
};

static uint64_t key_hash(const struct probe_flow_key *k, struct probe_frame_ref first)
{
	uint64_t h = 1469598103934665603ULL;
#define MIX(x) do { h ^= (uint64_t)(x); h *= 1099511628211ULL; } while (0)
	for (unsigned s = 0; s < 2; s++) {
		MIX(k->addr[s].family);
		for (unsigned i = 0; i < 16; i++)
			MIX(k->addr[s].bytes[i]);
		MIX(k->port[s]);
	}
	MIX(k->proto);
	MIX(first.file);
	MIX(first.frame);
#undef MIX
	return h;
}

static bool key_equal(const struct probe_flow_key *a, const struct probe_flow_key *b)
{
	return a->proto == b->proto && a->port[0] == b->port[0] && a->port[1] == b->port[1] &&
	       a->n_vlans == b->n_vlans && memcmp(a->vlans, b->vlans, sizeof(a->vlans)) == 0 &&
	       memcmp(&a->addr[0], &b->addr[0], sizeof(a->addr[0])) == 0 &&
	       memcmp(&a->addr[1], &b->addr[1], sizeof(a->addr[1])) == 0;
}

static int flagged_build(struct flagged_set *s, const struct an_report *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_findings; i++)
		n += !an_check_is_station(r->findings[i]->check) && !an_check_is_review(r->findings[i]->check);
	s->cap = 16;
	while (s->cap < n * 2)
		s->cap *= 2;
	s->keys = calloc(s->cap, sizeof(*s->keys));
	s->firsts = calloc(s->cap, sizeof(*s->firsts));
	s->used = calloc(s->cap, sizeof(*s->used));
	if (!s->keys || !s->firsts || !s->used)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct an_finding *f = r->findings[i];
		size_t j;

		if (an_check_is_station(f->check) || an_check_is_review(f->check))
			continue;
		j = key_hash(&f->key, f->first_frame) & (s->cap - 1);
		while (s->used[j])
			j = (j + 1) & (s->cap - 1);
		s->used[j] = true;
		s->keys[j] = f->key;
		s->firsts[j] = f->first_frame;
	}
	return 0;
}

static bool flagged_has(const struct flagged_set *s, const struct probe_flow *f)
{
	size_t j = key_hash(&f->key, f->first_frame) & (s->cap - 1);

	while (s->used[j]) {
		if (key_equal(&s->keys[j], &f->key) && s->firsts[j].file == f->first_frame.file &&
		    s->firsts[j].frame == f->first_frame.frame)
			return true;
		j = (j + 1) & (s->cap - 1);
	}
	return false;
}

static void flagged_free(struct flagged_set *s)
{
	free(s->keys);
	free(s->firsts);
	free(s->used);
}

/* ------------------------------------------------------------- passes */

#define USER_FLAGGED 0x1u

static void noop_end(const struct probe_flow *f, enum probe_flow_end why, void *userdata)
{
}

/* One evidence file per link type met among the captures with flagged
 * packets (a pcap file holds a single link type). */
struct evidence {
	struct probe_dump *dump[8];
	int linktype[8];
	char *path[8];
	size_t n;
};

static int evidence_for(struct evidence *ev, const char *base, int linktype, struct probe_dump **ret, char *errbuf,
			size_t errlen)
{
	char *path;
	int r;

	for (size_t i = 0; i < ev->n; i++)
		if (ev->linktype[i] == linktype) {
			*ret = ev->dump[i];
			return 0;
		}
	if (ev->n == sizeof(ev->dump) / sizeof(ev->dump[0])) {
		snprintf(errbuf, errlen, "evidence: captures use more than 8 link types");
		return -EINVAL;
	}
	if (ev->n == 0)
		path = strdup(base);
	else if (asprintf(&path, "%s.%s.pcap", base, pcap_datalink_val_to_name(linktype) ?: "linktype") < 0)
		path = NULL;
	if (!path)
		return -ENOMEM;
	r = probe_dump_open(path, linktype, 262144, &ev->dump[ev->n], errbuf, errlen);
	if (r < 0) {
		free(path);
		return r;
	}
	ev->linktype[ev->n] = linktype;
	ev->path[ev->n] = path;
	*ret = ev->dump[ev->n++];
	return 0;
}

struct evidence_pass {
	const struct an_audit_config *cfg;
	const struct flagged_set *set;
	struct probe_flow_table *flows;
	struct evidence ev;
	int first_linktype;
	char *errbuf;
	size_t errlen;
};

/* The second pass: rebuild the flows, keep the flagged ones' packets. */
static int evidence_record(const struct probe_record *rec, bool selected, void *userdata)
{
	struct evidence_pass *x = userdata;
	struct probe_packet p;
	struct probe_flow *f;
	struct probe_dump *d;
	unsigned side, events;
	int r;

	if (x->first_linktype < 0)
		x->first_linktype = rec->linktype;
	if (!selected || probe_decode(rec->linktype, rec->data, rec->caplen, &p) != PROBE_OK ||
	    (p.l3 != PROBE_L3_IPV4 && p.l3 != PROBE_L3_IPV6))
		return 0;
	f = probe_flow_table_update(x->flows, &p, rec, &side, &events);
	if (!f)
		return 0;
	if (events & PROBE_EV_NEW_FLOW)
		f->user_flags = flagged_has(x->set, f) ? USER_FLAGGED : 0;
	if (!(f->user_flags & USER_FLAGGED))
		return 0;
	r = evidence_for(&x->ev, x->cfg->evidence_path, rec->linktype, &d, x->errbuf, x->errlen);
	if (r < 0)
		return r;
	r = probe_dump_write(d, rec);
	if (r < 0)
		snprintf(x->errbuf, x->errlen, "%s: write failed: %s", x->cfg->evidence_path, strerror(-r));
	return r;
}

static int write_evidence(const struct an_audit_config *cfg, struct an_report *report, char *errbuf,
			  size_t errlen)
{
	struct flagged_set set = {0};
	struct evidence_pass x = {
		.cfg = cfg,
		.set = &set,
		.first_linktype = -1,
		.errbuf = errbuf,
		.errlen = errlen,
	};
	struct evidence *ev = &x.ev;
	int r;

	r = flagged_build(&set, report);
	if (r < 0)
		goto out;
	x.flows = probe_flow_table_new(&cfg->flows, noop_end, NULL);
	if (!x.flows) {
		r = -ENOMEM;
		goto out;
	}
	r = read_captures(cfg, evidence_record, &x, errbuf, errlen);
	if (r < 0)
		goto out;
	/* no flagged connection: still leave an (empty) evidence file, so a
	 * script that opens it finds what it asked for */
	if (ev->n == 0) {
		struct probe_dump *d;

		r = evidence_for(ev, cfg->evidence_path, x.first_linktype >= 0 ? x.first_linktype : DLT_EN10MB, &d,
				 errbuf, errlen);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; i < ev->n; i++) {
		int q = probe_dump_commit(ev->dump[i]);
		ev->dump[i] = NULL;
		if (q < 0 && r >= 0) {
			snprintf(errbuf, errlen, "%s: %s", ev->path[i], strerror(-q));
			r = q;
		}
	}
	if (r >= 0) {
		report->evidence = calloc(ev->n, sizeof(char *));
		if (report->evidence) {
			memcpy(report->evidence, ev->path, ev->n * sizeof(char *));
			report->n_evidence = ev->n;
			ev->n = 0;
		}
		r = 0;
	}
out:
	if (r == -ENOMEM && !errbuf[0])
		snprintf(errbuf, errlen, "out of memory");
	for (size_t i = 0; i < ev->n; i++) {
		probe_dump_abort(ev->dump[i]);
		free(ev->path[i]);
	}
	probe_flow_table_free(x.flows);
	flagged_free(&set);
	return r;
}

static unsigned coverage_problems(const struct topo_site *site, const struct an_counters *c);

/* The first pass: everything through the engine. */
static int audit_record(const struct probe_record *rec, bool selected, void *userdata)
{
	struct an_engine *e = userdata;

	if (selected)
		an_engine_packet(e, rec);
	else
		an_engine_count_filtered(e, rec->ts_ns);
	return 0;
}

int an_audit_run(const struct an_audit_config *cfg, struct an_report **ret, char *errbuf, size_t errlen)
{
	struct an_engine_config ecfg = {
		.site = cfg->site,
		.flows = cfg->flows,
		.rulesets = cfg->rulesets,
	};
	struct an_report *report;
	struct an_engine *e = NULL;
	struct an_hash_job *hash = NULL;
	int r = 0;

	errbuf[0] = '\0';
	report = calloc(1, sizeof(*report));
	if (!report)
		return -ENOMEM;
	report->site = cfg->site;
	report->started_ns = an_now_ns();
	report->max_findings = cfg->max_findings ? cfg->max_findings : DEFAULT_MAX_FINDINGS;
	report->captures = calloc(cfg->n_captures ? cfg->n_captures : 1, sizeof(char *));
	if (!report->captures) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < cfg->n_captures; i++) {
		report->captures[i] = strdup(cfg->captures[i]);
		if (!report->captures[i]) {
			r = -ENOMEM;
			goto fail;
		}
		report->n_captures++;
	}

	size_t n_rulesets = an_rulesets_n(cfg->rulesets);
	report->inputs = calloc(cfg->n_captures + n_rulesets + 1, sizeof(*report->inputs));
	if (!report->inputs) {
		r = -ENOMEM;
		goto fail;
	}
	if (cfg->topology_path)
		report->inputs[report->n_inputs++] = (struct an_input){"topology", strdup(cfg->topology_path), false, ""};
	for (size_t i = 0; i < cfg->n_captures; i++)
		report->inputs[report->n_inputs++] = (struct an_input){"capture", strdup(cfg->captures[i]), false, ""};
	for (size_t i = 0; i < n_rulesets; i++)
		if (an_rulesets_source(cfg->rulesets, i))
			report->inputs[report->n_inputs++] =
				(struct an_input){"ruleset", strdup(an_rulesets_source(cfg->rulesets, i)), false, ""};
	for (size_t i = 0; i < report->n_inputs; i++)
		if (!report->inputs[i].path) {
			r = -ENOMEM;
			goto fail;
		}

	e = an_engine_new(&ecfg, collect, report);
	if (!e) {
		r = -ENOMEM;
		goto fail;
	}

	hash = an_hash_start(report->inputs, report->n_inputs);
	r = read_captures(cfg, audit_record, e, errbuf, errlen);
	an_hash_join(hash);
	hash = NULL;
	if (r < 0)
		goto fail;
	an_engine_finish(e);
	if (n_rulesets && an_rulesets_usage(cfg->rulesets, &report->usage, &report->n_usage) < 0) {
		r = -ENOMEM;
		snprintf(errbuf, errlen, "out of memory while counting rule usage");
		goto fail;
	}
	report->counters = *an_engine_counters(e);
	report->coverage = coverage_problems(cfg->site, &report->counters);
	report->generated_ns = an_now_ns() / 1000 * 1000; /* microseconds, like the captures */
	an_engine_free(e);
	e = NULL;
	if (report->oom) {
		r = -ENOMEM;
		snprintf(errbuf, errlen, "out of memory while collecting findings");
		goto fail;
	}

	if (cfg->evidence_path) {
		r = write_evidence(cfg, report, errbuf, errlen);
		if (r < 0)
			goto fail;
	}
	*ret = report;
	return 0;

fail:
	an_engine_free(e);
	an_report_free(report);
	return r;
}

void an_report_free(struct an_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_findings; i++)
		an_finding_free(r->findings[i]);
	free(r->findings);
	for (size_t i = 0; i < r->n_captures; i++)
		free(r->captures[i]);
	free(r->captures);
	for (size_t i = 0; i < r->n_evidence; i++)
		free(r->evidence[i]);
	free(r->evidence);
	for (size_t i = 0; i < r->n_inputs; i++)
		free(r->inputs[i].path);
	free(r->inputs);
	an_fw_usage_free(r->usage, r->n_usage);
	free(r);
}

/* Why an audit can't vouch for the separation, as AN_COV_* bits. */
static unsigned coverage_problems(const struct topo_site *site, const struct an_counters *c)
{
	uint64_t selected = c->packets_read - c->packets_filtered;
	unsigned p = 0;
	bool zone = false;

	if (c->packets_read == 0)
		p |= AN_COV_NO_PACKETS;
	if (c->flows == 0)
		p |= AN_COV_NO_CONNECTIONS;
	if (selected > 0 && (double)(selected - c->packets_undecoded) < AN_COV_MIN_DECODED * (double)selected)
		p |= AN_COV_LOW_DECODE;
	for (size_t i = 0; i < topo_site_n_areas(site) && !zone; i++)
		zone = !topo_site_area(site, i)->external && an_counters_area_seen(c, i);
	if (!zone)
		p |= AN_COV_NO_ZONE;
	return p;
}

size_t an_report_n_findings(const struct an_report *r)
{
	return r->n_findings;
}

const struct an_finding *an_report_finding(const struct an_report *r, size_t i)
{
	return i < r->n_findings ? r->findings[i] : NULL;
}

const struct an_counters *an_report_counters(const struct an_report *r)
{
	return &r->counters;
}

uint64_t an_report_count_at_least(const struct an_report *r, enum an_severity sev)
{
	uint64_t n = 0;

	for (unsigned c = 0; c < _AN_CHECK_MAX; c++)
		if (an_check_severity(c) >= sev)
			n += r->counters.findings[c];
	return n;
}

/* what the writers see (analyze/report/) */
void an_report_view(const struct an_report *r, struct an_view *ret)
{
	*ret = (struct an_view){
		.kind = AN_VIEW_AUDIT,
		.site = r->site,
		.findings = (const struct an_finding *const *)r->findings,
		.n_findings = r->n_findings,
		.not_kept = r->findings_not_kept,
		.counts = r->counters.findings,
		.counters = &r->counters,
		.captures = (const char *const *)r->captures,
		.n_captures = r->n_captures,
		.evidence = (const char *const *)r->evidence,
		.n_evidence = r->n_evidence,
		.inputs = r->inputs,
		.n_inputs = r->n_inputs,
		.generated_ns = r->generated_ns,
		.seconds = r->generated_ns > r->started_ns ? (double)(r->generated_ns - r->started_ns) / 1e9 : 0,
		.coverage = r->coverage,
		.usage = r->usage,
		.n_usage = r->n_usage,
	};
}





unsigned an_report_coverage(const struct an_report *r)
{
	return r->coverage;
}






