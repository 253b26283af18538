/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The streaming engine: record → decode → flow table / station table →
 * findings.  Per packet it does one decode and one O(1) flow-table update;
 * topology lookups happen once per flow side (new flow or new MAC) and once
 * per ARP packet, never per ordinary packet, so the per-packet cost does not
 * depend on the size of the site either.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "analyze-internal.h"

struct an_engine {
	const struct topo_site *site;
	struct probe_flow_table *flows;
	struct probe_station_table *stations;
	an_finding_fn on_finding;
	void *userdata;
	struct an_counters counters;
	bool finished;
};

static void emit(struct an_engine *e, const struct an_finding *f)
{
	e->counters.findings[f->check]++;
	if (e->on_finding)
		e->on_finding(f, e->userdata);
}

static void on_flow_end(const struct probe_flow *f, enum probe_flow_end why, void *userdata)
{
	struct an_engine *e = userdata;
	struct an_finding fd;

	if (an_policy_judge_flow(e->site, f, &fd)) {
		emit(e, &fd);
		free(fd.message);
	}
}

struct an_engine *an_engine_new(const struct an_engine_config *cfg, an_finding_fn on_finding, void *userdata)
{
	struct an_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->site = cfg->site;
	e->on_finding = on_finding;
	e->userdata = userdata;
	e->flows = probe_flow_table_new(&cfg->flows, on_flow_end, e);
	e->stations = probe_station_table_new(cfg->max_stations);
	if (!e->flows || !e->stations) {
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
	free(e);
}

static void observe(struct an_engine *e, const uint8_t mac[6], const struct topo_addr *ip,
		    const struct probe_packet *p, bool via_arp, const struct probe_record *r)
{
	int area;
	uint32_t tag;

	an_station_classify(e->site, mac, ip, p->vlans, p->n_vlans, &area, &tag);
	if (!tag)
		return;
	probe_station_observe(e->stations, mac, ip, p->n_vlans ? p->vlans[p->n_vlans - 1] : -1, area, tag, via_arp,
			      r->ts_ns, r->ref);
}

void an_engine_packet(struct an_engine *e, const struct probe_record *r)
{
	struct probe_packet p;
	enum probe_status st;
	struct probe_flow *f;
	unsigned side, events;

	e->counters.packets_read++;
	st = probe_decode(r->linktype, r->data, r->caplen, &p);
	if (st != PROBE_OK) {
		e->counters.packets_undecoded++;
		if ((unsigned)st < sizeof(e->counters.undecoded_by_status) / sizeof(e->counters.undecoded_by_status[0]))
			e->counters.undecoded_by_status[st]++;
		return;
	}

	switch (p.l3) {
	case PROBE_L3_ARP:
		/* the ARP sender claims spa for sha: an observation like an IP source */
		if (p.arp_spa.family)
			observe(e, p.arp_sha, &p.arp_spa, &p, true, r);
		return;
	case PROBE_L3_IPV4:
	case PROBE_L3_IPV6:
		break;
	default:
		return;
	}

	f = probe_flow_table_update(e->flows, &p, r, &side, &events);
	if (!f)
		return;
	if (events & PROBE_EV_NEW_FLOW)
		e->counters.flows++;
	/* a station is observed once per flow side and MAC, not per packet:
	 * on the side's first packet (its MAC may already be known as the
	 * destination of the other side's frames) and on each new MAC */
	if (p.has_mac && ((events & (PROBE_EV_NEW_MAC | PROBE_EV_NEW_FLOW)) || f->packets[side] == 1))
		observe(e, p.src_mac, &p.src, &p, false, r);
}

void an_engine_count_filtered(struct an_engine *e)
{
	e->counters.packets_read++;
	e->counters.packets_filtered++;
}

void an_engine_finish(struct an_engine *e)
{
	const struct probe_station *st;
	size_t iter = 0;

	if (e->finished)
		return;
	e->finished = true;
	probe_flow_table_flush(e->flows);
	while ((st = probe_station_table_next(e->stations, &iter))) {
		struct an_finding fs[4];
		size_t n = an_policy_judge_station(e->site, st, fs);

		for (size_t i = 0; i < n; i++) {
			emit(e, &fs[i]);
			free(fs[i].message);
		}
	}
	probe_flow_table_stats(e->flows, &e->counters.flow_stats);
	e->counters.stations_dropped = probe_station_table_dropped(e->stations);
}

const struct an_counters *an_engine_counters(const struct an_engine *e)
{
	return &e->counters;
}

struct an_finding *an_finding_dup(const struct an_finding *f)
{
	struct an_finding *d = malloc(sizeof(*d));

	if (!d)
		return NULL;
	*d = *f;
	d->message = f->message ? strdup(f->message) : NULL;
	if (f->message && !d->message) {
		free(d);
		return NULL;
	}
	return d;
}

void an_finding_free(struct an_finding *f)
{
	if (!f)
		return;
	free(f->message);
	free(f);
}
