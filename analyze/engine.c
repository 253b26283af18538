/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The streaming engine: record → decode → flow table / station table →
 * findings.  Per packet it does one decode and one O(1) flow-table update;
 * topology lookups happen once per flow side (new flow or new MAC) and once
 * per ARP packet, never per ordinary packet, so the per-packet cost does not
 * depend on the size of the site either.
 *
 * Streaming mode (monitor) judges at those same moments — a flow's first
 * packet, the other side's first packet, a new MAC — so a forbidden
 * connection is reported with the packet that opened it, and once more at
 * the flow's end in case what came later (the initiator, a MAC) changed
 * the verdict.  The flow's user_flags remember that it was reported.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "analyze-internal.h"

/* probe_flow.user_flags (streaming) */
#define FLOW_FLAGGED 0x1u  /* reported: its packets are evidence */
#define FLOW_FOLLOW  0x2u  /* the caller wants its AN_EVENT_FLOW_END */
#define FLOW_SETTLED 0x4u  /* ended under an earlier topology: never judged again */
#define FLOW_RECONCILED 0x8u /* a FIREWALL-* finding reported, or judged for the last time */
#define FLOW_CHECK_SHIFT 8 /* the reported check */

/* probe_station.user_flags (streaming): 1 << (check - AN_CHECK_DUAL_HOMED) per reported check */

#define STATION_SWEEP_NS (60ull * 1000000000ull) /* idle stations are looked for once a minute */

/*
 * Looking ahead (not streaming): a record is decoded when it arrives and
 * its flow's index slot prefetched; AHEAD_NODE records later the flow
 * itself is prefetched, and AHEAD_SLOTS - 1 records later the packet is
 * accounted, in arrival order.  At a million flows every lookup misses the
 * cache twice (slot, then flow); this way the misses of the next packets
 * overlap the work on this one.  Sixteen records of a few hundred ns each
 * give the memory far more time than it needs, and the ring (16 decoded
 * packets, ~4 KiB) stays in L1.  Streaming accounts each record at once:
 * the caller needs to know, before the next record, whether it belongs to
 * a flagged connection.
 */
#define AHEAD_SLOTS 16 /* a power of two */
#define AHEAD_NODE 8

struct ahead {
	struct probe_packet p;
	struct probe_flow_hint hint;
	struct probe_record rec; /* data NULL: the reader reuses its buffer */
	enum probe_status st;
};

struct an_engine {
	const struct topo_site *site;
	struct probe_flow_table *flows;
	struct probe_station_table *stations;
	an_finding_fn on_finding;
	void *userdata;
	struct an_counters counters;
	bool streaming;
	uint64_t station_idle_ns;
	uint64_t last_sweep_ns;
	uint32_t next_id;
	bool finished;
	struct an_rulesets *rulesets; /* reconciliation, or NULL */
	bool last_follow;     /* what the callback said of the last FIREWALL-* finding */
	uint8_t *flow_used;   /* per declared flow: a connection used it (FLOW-UNUSED) */
	size_t flows_to_use;  /* exception and sanitizer flows not used yet */
	unsigned ahead_head, ahead_n;
	struct ahead ahead[AHEAD_SLOTS];
};

static bool emit(struct an_engine *e, struct an_finding *f)
{
	e->counters.findings[f->check]++;
	if (e->streaming)
		f->id = ++e->next_id;
	return e->on_finding ? e->on_finding(AN_EVENT_FINDING, f, e->userdata) : false;
}

static bool reconcile(struct an_engine *e, struct an_finding *fd, bool forbidden, bool count, bool ended);

/* Streaming: judges a flow not reported yet, and reports it if forbidden
 * — while it is open (judge_open_flow) or as it ends (judge_ended_flow). */
static bool judge_flow(struct an_engine *e, struct probe_flow *f, bool ended)
{
	struct an_finding fd;
	char msg[640];
	bool follow;

	if (!an_policy_judge_flow(e->site, f, &fd))
		return false;
	struct an_rverdict v;
	if (e->rulesets && an_rulesets_judge(e->rulesets, &fd, &v))
		an_rulesets_attach(e->rulesets, &v, &fd); /* out of memory: without its verdict */
	if (!ended && !fd.established) {
		/* worded as still opening, not as never answered */
		fd.in_progress = true;
		free(fd.message);
		fd.message = strdup(an_finding_message(e->site, &fd, false, msg, sizeof(msg)));
	}
	fd.in_progress = !ended;
	follow = emit(e, &fd);
	free(fd.message);
	an_finding_free_rules(&fd);
	f->user_flags = (f->user_flags & FLOW_RECONCILED) | FLOW_FLAGGED | (follow ? FLOW_FOLLOW : 0) |
			((uint32_t)fd.check << FLOW_CHECK_SHIFT);
	f->user_id = fd.id;
	return true;
}

static bool judge_open_flow(struct an_engine *e, struct probe_flow *f)
{
	return judge_flow(e, f, false);
}

static bool judge_ended_flow(struct an_engine *e, struct probe_flow *f)
{
	return judge_flow(e, f, true);
}

static void flow_ended(struct an_engine *e, const struct probe_flow *f, enum probe_flow_end why)
{
	struct an_finding fd;

	if (!(f->user_flags & FLOW_FOLLOW))
		return;
	an_policy_describe_flow(e->site, f, &fd);
	fd.check = (enum an_check)(f->user_flags >> FLOW_CHECK_SHIFT);
	fd.id = f->user_id;
	fd.end = why;
	if (e->on_finding)
		e->on_finding(AN_EVENT_FLOW_END, &fd, e->userdata);
}

/* FLOW-UNUSED: the flows it reviews — exceptions and the sanitizing and
 * screen-transfer paths (docs/checks.md) */
static bool flow_reviewed(const struct topo_flow *fl)
{
	return fl->kind == TOPO_FLOW_EXCEPTION || fl->kind == TOPO_FLOW_MAIL_TEXT || fl->kind == TOPO_FLOW_FILE_CDR ||
	       fl->kind == TOPO_FLOW_SCREEN_TRANSFER;
}

static void note_used(struct an_engine *e, const struct topo_flow *fl)
{
	if (fl && flow_reviewed(fl) && fl->index < topo_site_n_flows(e->site) && !e->flow_used[fl->index]) {
		e->flow_used[fl->index] = 1;
		e->flows_to_use--;
	}
}

/*
 * The connection against the ruleset of the firewall between its zones:
 * the verdict on fd (a finding: the rule that let it through, or dropped
 * it); a connection the ruleset drops that was answered all the same is
 * FIREWALL-BYPASS, one whose first packet the capture shows leaving the
 * firewall (sent from its MAC) FIREWALL-ATTEMPT-PASSED.
 */
static bool reconcile(struct an_engine *e, struct an_finding *fd, bool forbidden, bool count, bool ended)
{
	struct an_rverdict v;

	if (!an_rulesets_judge(e->rulesets, fd, &v))
		return false;
	if (count)
		an_rulesets_count(e->rulesets, &v, forbidden);
	if (an_rulesets_attach(e->rulesets, &v, fd) < 0)
		return false; /* out of memory: the finding goes without its verdict */
	if (v.accept)
		return false;
	bool known = false, on_src = false, on_dst = false;
	for (unsigned i = 0; i < fd->src.n_macs; i++)
		on_src = an_rulesets_fw_mac(e->rulesets, &v, fd->src.macs[i], &known) || on_src;
	for (unsigned i = 0; i < fd->dst.n_macs; i++)
		on_dst = an_rulesets_fw_mac(e->rulesets, &v, fd->dst.macs[i], &known) || on_dst;
	if (!fd->established && (!on_src || !ended))
		return false; /* dropped, as the ruleset says, or not seen beyond it; or an answer may still come */
	struct an_finding b = *fd;
	b.check = fd->established ? AN_CHECK_FIREWALL_BYPASS : AN_CHECK_FIREWALL_ATTEMPT_PASSED;
	b.route = !known ? AN_ROUTE_UNKNOWN : on_src || on_dst ? AN_ROUTE_THROUGH : AN_ROUTE_AROUND;
	if (!forbidden)
		b.near_flow = an_policy_permitted_by(e->site, fd);
	b.in_progress = e->streaming && !ended; /* a monitor's: the connection goes on */
	char msg[AN_MESSAGE_MAX];
	b.message = strdup(an_finding_message(e->site, &b, false, msg, sizeof(msg)));
	e->last_follow = emit(e, &b);
	free(b.message);
	return true;
}

/* Streaming: the connection against the rulesets, as soon as the wire
 * disagrees with them — answered (FIREWALL-BYPASS), or, once it has
 * ended unanswered, seen beyond the firewall (FIREWALL-ATTEMPT-PASSED:
 * until then an answer may come); once. */
static void reconcile_open(struct an_engine *e, struct probe_flow *f, bool ended)
{
	struct an_finding fd;

	an_policy_describe_flow(e->site, f, &fd);
	bool raised = reconcile(e, &fd, false, false, ended);
	an_finding_free_rules(&fd);
	if (!raised)
		return;
	f->user_flags |= FLOW_RECONCILED;
	if (!(f->user_flags & FLOW_FLAGGED)) { /* its packets are evidence now; its end is this finding's */
		f->user_flags |= FLOW_FLAGGED | (e->last_follow ? FLOW_FOLLOW : 0) |
				 ((uint32_t)(fd.established ? AN_CHECK_FIREWALL_BYPASS : AN_CHECK_FIREWALL_ATTEMPT_PASSED)
				  << FLOW_CHECK_SHIFT);
		f->user_id = e->next_id;
	}
}

static void on_flow_end(const struct probe_flow *f, enum probe_flow_end why, void *userdata)
{
	struct an_engine *e = userdata;
	struct an_finding fd;

	if (e->streaming) {
		/* what came after the first packets may have changed the
		 * verdict: judge once more (the table lends f const, but its
		 * user fields are ours until we return) */
		if (!(f->user_flags & (FLOW_FLAGGED | FLOW_SETTLED)))
			judge_ended_flow(e, (struct probe_flow *)f);
		if (e->rulesets && !(f->user_flags & (FLOW_RECONCILED | FLOW_SETTLED)))
			reconcile_open(e, (struct probe_flow *)f, true);
		flow_ended(e, f, why);
		return;
	}
	bool judged = an_policy_judge_flow(e->site, f, &fd);
	if (!judged && e->flows_to_use)
		note_used(e, an_policy_permitted_by(e->site, &fd));
	if (e->rulesets)
		reconcile(e, &fd, judged, true, true);
	if (judged)
		emit(e, &fd);
	free(fd.message);
	an_finding_free_rules(&fd);
}

/* Streaming: reports the station checks a station newly fails. */
static void judge_station_now(struct an_engine *e, struct probe_station *st)
{
	struct an_finding fs[4];
	size_t n = an_policy_judge_station(e->site, st, fs);

	for (size_t i = 0; i < n; i++) {
		uint32_t bit = 1u << (fs[i].check - AN_CHECK_DUAL_HOMED);

		if (!(st->user_flags & bit)) {
			st->user_flags |= bit;
			emit(e, &fs[i]);
		}
		free(fs[i].message);
	}
}

struct an_engine *an_engine_new(const struct an_engine_config *cfg, an_finding_fn on_finding, void *userdata)
{
	struct an_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->site = cfg->site;
	e->streaming = cfg->streaming;
	e->station_idle_ns = cfg->station_idle_ns;
	e->on_finding = on_finding;
	e->userdata = userdata;
	e->rulesets = cfg->rulesets;
	e->flows = probe_flow_table_new(&cfg->flows, on_flow_end, e);
	e->stations = probe_station_table_new(cfg->max_stations);
	e->flow_used = calloc(topo_site_n_flows(cfg->site) + 1, 1);
	for (size_t i = 0; i < topo_site_n_flows(cfg->site) && !cfg->streaming; i++)
		e->flows_to_use += flow_reviewed(topo_site_flow(cfg->site, i));
	if (!e->flows || !e->stations || !e->flow_used) {
		an_engine_free(e);
		return NULL;
	}
	return e;
}

void an_engine_free(struct an_engine *e)
{
	if (!e)
		return;
	probe_flow_table_free(e->flows);
	probe_station_table_free(e->stations);
	free(e->flow_used);
	free(e);
}

static void observe(struct an_engine *e, const uint8_t mac[6], const struct topo_addr *ip,
		    const struct probe_packet *p, bool via_arp, const struct probe_record *r)
{
	struct probe_station *st;
	int area;
	uint32_t tag;

	an_station_classify(e->site, mac, ip, p->vlans, p->n_vlans, &area, &tag);
	if (area >= 0 && area < AN_TRACKED_AREAS)
		e->counters.areas_seen[area / 64] |= 1ull << (area % 64);
	if (!tag)
		return;
	st = probe_station_observe(e->stations, mac, ip, p->n_vlans ? p->vlans[p->n_vlans - 1] : -1, area, tag,
				   via_arp, r->ts_ns, r->ref);
	if (st && e->streaming)
		judge_station_now(e, st);
}

/* Accounts one decoded record (st: how its decoding went); hint NULL or
 * prepared from p.  The record's data is not used. */
static bool account(struct an_engine *e, enum probe_status st, const struct probe_packet *p,
		    const struct probe_flow_hint *hint, const struct probe_record *r)
{
	struct probe_flow *f;
	unsigned side, events;

	if (st != PROBE_OK) {
		e->counters.packets_undecoded++;
		if ((unsigned)st < sizeof(e->counters.undecoded_by_status) / sizeof(e->counters.undecoded_by_status[0]))
			e->counters.undecoded_by_status[st]++;
		return false;
	}

	for (unsigned i = 0; i < p->n_vlans; i++)
		e->counters.vlans_seen[(p->vlans[i] & 4095) / 64] |= 1ull << (p->vlans[i] % 64);
	switch (p->l3) {
	case PROBE_L3_ARP:
		/* the ARP sender claims spa for sha: an observation like an IP source */
		if (p->arp_spa.family)
			observe(e, p->arp_sha, &p->arp_spa, p, true, r);
		return false;
	case PROBE_L3_IPV4:
	case PROBE_L3_IPV6:
		break;
	default:
		return false;
	}

	f = probe_flow_table_update_prepared(e->flows, p, r, hint, &side, &events);
	if (!f)
		return false;
	if (events & PROBE_EV_NEW_FLOW)
		e->counters.flows++;
	/* a station is observed once per flow side and MAC, not per packet:
	 * on the side's first packet (its MAC may already be known as the
	 * destination of the other side's frames) and on each new MAC */
	if ((events & (PROBE_EV_NEW_MAC | PROBE_EV_NEW_FLOW)) || f->packets[side] == 1) {
		if (p->has_mac)
			observe(e, p->src_mac, &p->src, p, false, r);
		if (e->streaming && !(f->user_flags & FLOW_FLAGGED))
			judge_open_flow(e, f);
		if (e->streaming && e->rulesets && !(f->user_flags & (FLOW_RECONCILED | FLOW_SETTLED)))
			reconcile_open(e, f, false);
	}
	return e->streaming && (f->user_flags & FLOW_FLAGGED);
}

/* Accounts the oldest record waiting in the look-ahead ring. */
static void ahead_pop(struct an_engine *e)
{
	struct ahead *a = &e->ahead[e->ahead_head];

	account(e, a->st, &a->p, &a->hint, &a->rec);
	e->ahead_head = (e->ahead_head + 1) & (AHEAD_SLOTS - 1);
	e->ahead_n--;
}

/* Accounts every record still waiting, in order. */
static void ahead_drain(struct an_engine *e)
{
	while (e->ahead_n > 0)
		ahead_pop(e);
}

/* the period the records cover (they may come out of order) */
static void seen_at(struct an_engine *e, uint64_t ts_ns)
{
	if (ts_ns < e->counters.first_ns || e->counters.packets_read == 1)
		e->counters.first_ns = ts_ns;
	if (ts_ns > e->counters.last_ns)
		e->counters.last_ns = ts_ns;
}

bool an_engine_packet(struct an_engine *e, const struct probe_record *r)
{
	struct ahead *a;

	e->counters.packets_read++;
	seen_at(e, r->ts_ns);
	if (e->streaming) {
		struct probe_packet p;
		enum probe_status st = probe_decode(r->linktype, r->data, r->caplen, &p);

		return account(e, st, &p, NULL, r);
	}

	a = &e->ahead[(e->ahead_head + e->ahead_n) & (AHEAD_SLOTS - 1)];
	a->rec = *r;
	a->rec.data = NULL;
	a->st = probe_decode(r->linktype, r->data, r->caplen, &a->p);
	if (a->st == PROBE_OK)
		probe_flow_table_prepare(e->flows, &a->p, &a->hint);
	else
		a->hint.valid = false;
	e->ahead_n++;
	if (e->ahead_n > AHEAD_NODE)
		probe_flow_table_prefetch(e->flows,
					  &e->ahead[(e->ahead_head + e->ahead_n - 1 - AHEAD_NODE) & (AHEAD_SLOTS - 1)].hint);
	if (e->ahead_n == AHEAD_SLOTS)
		ahead_pop(e);
	return false;
}

static void reclassify_obs(const uint8_t mac[6], struct probe_obs *obs, void *userdata)
{
	const struct an_engine *e = userdata;
	uint16_t vlan = obs->vlan >= 0 ? (uint16_t)obs->vlan : 0;

	an_station_classify(e->site, mac, &obs->ip, &vlan, obs->vlan >= 0 ? 1 : 0, &obs->area, &obs->tag);
}

static bool flow_closed(const struct probe_flow *f)
{
	uint8_t both = f->flags[0] | f->flags[1];

	return (both & PROBE_FF_RST) || ((f->flags[0] & PROBE_FF_FIN) && (f->flags[1] & PROBE_FF_FIN));
}

/* A connection still open is judged by the topology now in force; one
 * that ended under the old topology (and only waits to leave the table)
 * was judged by the rules of its time. */
static void rejudge_flow(struct probe_flow *f, void *userdata)
{
	if (f->user_flags & FLOW_FLAGGED)
		return;
	if (flow_closed(f))
		f->user_flags |= FLOW_SETTLED;
	else
		judge_open_flow(userdata, f);
}

/* Before a reload: a closed connection's last word against the rulesets,
 * under the topology it was seen with (it is never judged again). */
static void settle_flow(struct probe_flow *f, void *userdata)
{
	if (!(f->user_flags & (FLOW_RECONCILED | FLOW_SETTLED)) && flow_closed(f)) {
		reconcile_open(userdata, f, true);
		f->user_flags |= FLOW_RECONCILED;
	}
}

void an_engine_settle(struct an_engine *e)
{
	ahead_drain(e);
	if (e->rulesets)
		probe_flow_table_foreach(e->flows, settle_flow, e);
}

int an_engine_set_site(struct an_engine *e, const struct topo_site *site)
{
	struct probe_station *st;
	size_t iter = 0;
	int r;

	ahead_drain(e);
	if (e->rulesets && (r = an_rulesets_rebind(e->rulesets, site)) < 0)
		return r;
	e->site = site;
	probe_station_table_reclassify(e->stations, reclassify_obs, e);
	while ((st = (struct probe_station *)probe_station_table_next(e->stations, &iter)))
		judge_station_now(e, st);
	probe_flow_table_foreach(e->flows, rejudge_flow, e);
	return 0;
}

void an_engine_expire(struct an_engine *e, uint64_t now_ns)
{
	ahead_drain(e);
	probe_flow_table_expire(e->flows, now_ns);
	if (e->station_idle_ns && now_ns > e->station_idle_ns && now_ns - e->last_sweep_ns >= STATION_SWEEP_NS) {
		e->last_sweep_ns = now_ns;
		probe_station_table_expire(e->stations, now_ns - e->station_idle_ns);
	}
}

void an_engine_count_filtered(struct an_engine *e, uint64_t ts_ns)
{
	e->counters.packets_read++;
	e->counters.packets_filtered++;
	seen_at(e, ts_ns);
}

/* FLOW-UNUSED: each reviewed flow no connection used, where the capture
 * saw one of its ends' areas (a capture that saw neither could not have
 * seen it used) and a -f filter hid nothing of it. */
static void unused_flows(struct an_engine *e)
{
	if (e->counters.packets_filtered)
		return; /* the audit saw part of the traffic only */
	for (size_t i = 0; i < topo_site_n_flows(e->site) && e->flows_to_use; i++) {
		const struct topo_flow *fl = topo_site_flow(e->site, i);
		const struct topo_area *a = fl->from.area, *b = fl->to.area;
		if (!flow_reviewed(fl) || e->flow_used[i] || !((a && an_counters_area_seen(&e->counters, a->index)) ||
							       (b && an_counters_area_seen(&e->counters, b->index))))
			continue;
		struct an_finding u;
		char msg[AN_MESSAGE_MAX];
		memset(&u, 0, offsetof(struct an_finding, observed));
		u.check = AN_CHECK_FLOW_UNUSED;
		u.flow = fl;
		u.src.zone = a;
		u.dst.zone = b;
		u.src.port = u.dst.port = -1;
		u.first_ns = e->counters.first_ns;
		u.last_ns = e->counters.last_ns;
		u.message = strdup(an_finding_message(e->site, &u, false, msg, sizeof(msg)));
		emit(e, &u);
		free(u.message);
	}
}

void an_engine_finish(struct an_engine *e)
{
	const struct probe_station *st;
	size_t iter = 0;

	if (e->finished)
		return;
	e->finished = true;
	ahead_drain(e);
	probe_flow_table_flush(e->flows);
	/* streaming reported each station as its observations changed */
	while (!e->streaming && (st = probe_station_table_next(e->stations, &iter))) {
		struct an_finding fs[4];
		size_t n = an_policy_judge_station(e->site, st, fs);

		for (size_t i = 0; i < n; i++) {
			emit(e, &fs[i]);
			free(fs[i].message);
		}
	}
	if (!e->streaming)
		unused_flows(e);
}

const struct an_counters *an_engine_counters(struct an_engine *e)
{
	ahead_drain(e);
	probe_flow_table_stats(e->flows, &e->counters.flow_stats);
	e->counters.stations_dropped = probe_station_table_dropped(e->stations);
	e->counters.stations_expired = probe_station_table_expired(e->stations);
	e->counters.stations = probe_station_table_count(e->stations);
	return &e->counters;
}

static bool dup_str(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return !src || *dst;
}

struct an_finding *an_finding_new(void)
{
	return calloc(1, offsetof(struct an_finding, observed));
}

struct an_finding *an_finding_dup(const struct an_finding *f)
{
	size_t n = f->n_observed < PROBE_STATION_OBS ? f->n_observed : PROBE_STATION_OBS;
	size_t size = offsetof(struct an_finding, observed) + n * sizeof(f->observed[0]);
	struct an_finding *d = malloc(size);
	bool ok;

	if (!d)
		return NULL;
	memcpy(d, f, size);
	d->message = d->where = d->detail = NULL;
	d->rules = NULL;
	d->n_rules = 0;
	ok = dup_str(&d->message, f->message) && dup_str(&d->where, f->where) && dup_str(&d->detail, f->detail);
	if (ok && f->n_rules) {
		d->rules = calloc(f->n_rules, sizeof(*d->rules));
		ok = d->rules != NULL;
		for (size_t i = 0; ok && i < f->n_rules; i++) {
			d->n_rules++;
			d->rules[i] = f->rules[i];
			d->rules[i].location = d->rules[i].chain = d->rules[i].text = NULL;
			ok = dup_str(&d->rules[i].location, f->rules[i].location) &&
			     dup_str(&d->rules[i].chain, f->rules[i].chain) && dup_str(&d->rules[i].text, f->rules[i].text);
		}
	}
	if (!ok) {
		an_finding_free(d);
		return NULL;
	}
	return d;
}

void an_finding_free_rules(struct an_finding *f)
{
	for (size_t i = 0; i < f->n_rules; i++) {
		free(f->rules[i].location);
		free(f->rules[i].chain);
		free(f->rules[i].text);
	}
	free(f->rules);
	f->rules = NULL;
	f->n_rules = 0;
}

void an_finding_free(struct an_finding *f)
{
	if (!f)
		return;
	an_finding_free_rules(f);
	free(f->where);
	free(f->detail);
	free(f->message);
	free(f);
}
