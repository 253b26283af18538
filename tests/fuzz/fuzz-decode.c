/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the frame decoder, and what decoded packets feed (the flow
 * table and the station table), as the audit engine drives them.
 *
 * Input: one selector byte, then one or more frames separated by
 * FRAME_SEP.  The selector's low nibble picks the link type (index into
 * linktypes[], modulo its size); its high nibble picks options:
 *   bits 4-5  the time step between frames: 1 µs, 11 s, 301 s (past every
 *             idle timeout), or 1 s backwards (merged captures);
 *   bit 6     flows ignore VLANs (--ignore-vlan);
 *   bit 7     end with a timed expiry of flows and stations before the flush.
 * A single frame after the selector is the common case (the seeds are one
 * frame each, see seed-decode.c); several frames share the tables, so flows
 * meet their replies, fragments their first fragment, and the small tables
 * overflow.  Every 8 frames the timers run, as in the monitor.
 *
 * Besides crashes, it checks what probe.h promises (check_packet()) and
 * that an untagged Ethernet frame decodes like its payload on a raw IP link.
 */
#include <pcap/dlt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "probe.h"

#define LINKTYPE_RAW 101
#define FRAME_SEP "\xa5\x5a\xf0\x0d"
#define FRAME_SEP_LEN 4
#define MAX_FRAMES 64
/* small, so eviction and "table full" paths are reached in a few frames */
#define FUZZ_MAX_FLOWS 8
#define FUZZ_MAX_STATIONS 4
#define NS 1000000000ull

static const int linktypes[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, LINKTYPE_RAW, DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP,
};
#define N_LINKTYPES (sizeof(linktypes) / sizeof(linktypes[0]))

static bool is_service(uint8_t proto, uint16_t port, void *userdata)
{
	return proto == 6 && port == 443;
}

static void on_end(const struct probe_flow *f, enum probe_flow_end why, void *userdata)
{
	enum probe_initiator_reason reason;
	unsigned side = probe_flow_initiator(f, is_service, NULL, &reason);

	if (side > 1 || !probe_initiator_reason_name(reason) || f->n_frames > PROBE_FLOW_FRAMES ||
	    f->n_macs[0] > PROBE_FLOW_MACS || f->n_macs[1] > PROBE_FLOW_MACS)
		abort();
	(void)probe_flow_established(f);
	(*(size_t *)userdata)++;
}

static void reclassify(const uint8_t mac[6], struct probe_obs *obs, void *userdata)
{
	/* drop every other observation, move the rest to another area */
	obs->tag = obs->ip.bytes[3] & 1;
	obs->area = (obs->area + 1) % 3;
}

/* What the decoder promises in probe.h; a broken promise is a bug even
 * when nothing crashes. */
static void check_packet(const struct probe_packet *p)
{
	if (p->n_vlans > PROBE_MAX_VLANS)
		abort();
	if ((p->l3 == PROBE_L3_IPV4 && (p->src.family != 4 || p->dst.family != 4)) ||
	    (p->l3 == PROBE_L3_IPV6 && (p->src.family != 6 || p->dst.family != 6)) ||
	    (p->l3 == PROBE_L3_ARP && p->arp_spa.family != 4))
		abort();
	if ((p->l3 == PROBE_L3_IPV4 || p->l3 == PROBE_L3_IPV6) && p->l4_payload_len > p->ip_len)
		abort();
	if (p->has_ports && p->has_icmp)
		abort();
	if (p->first_fragment && !p->is_fragment)
		abort();
}

/* An untagged Ethernet frame carrying IP decodes like its payload on a
 * raw-IP link, but for the link-layer fields: two paths through the
 * decoder that must agree. */
static void check_same_as_raw(const uint8_t *data, size_t len, enum probe_status st, const struct probe_packet *p)
{
	struct probe_packet raw, eth = *p;
	enum probe_status st_raw;
	uint16_t type;

	if (len < 14)
		return;
	type = (uint16_t)(data[12] << 8 | data[13]);
	if (type != 0x0800 && type != 0x86dd)
		return;
	st_raw = probe_decode(type == 0x0800 ? DLT_IPV4 : DLT_IPV6, data + 14, len - 14, &raw);
	if (st_raw != st)
		abort();
	if (st != PROBE_OK)
		return;
	eth.has_mac = false;
	memset(eth.src_mac, 0, sizeof(eth.src_mac));
	memset(eth.dst_mac, 0, sizeof(eth.dst_mac));
	if (memcmp(&eth, &raw, sizeof(raw)) != 0)
		abort();
}

static void feed(struct probe_flow_table *flows, struct probe_station_table *stations, int linktype,
		 bool ignore_vlan, const uint8_t *data, size_t len, uint64_t ts, uint32_t frame)
{
	struct probe_record r = {
		.data = data,
		.caplen = (uint32_t)len,
		.len = (uint32_t)len + (frame & 1) * 100, /* sometimes cut by a snaplen */
		.ts_ns = ts,
		.linktype = linktype,
		.ref = {.frame = frame, .file = 0},
	};
	struct probe_packet p;
	struct probe_flow_key key;
	struct probe_flow *f;
	unsigned side, events;
	enum probe_status st;

	st = probe_decode(linktype, data, len, &p);
	if (!probe_status_name(st))
		abort();
	if (linktype == DLT_EN10MB)
		check_same_as_raw(data, len, st, &p);
	if (st != PROBE_OK)
		return;
	check_packet(&p);

	int vlan = p.n_vlans ? p.vlans[p.n_vlans - 1] : -1;
	if (p.l3 == PROBE_L3_ARP) {
		int area = (p.arp_spa.bytes[3] & 3) - 1;
		probe_station_observe(stations, p.arp_sha, &p.arp_spa, vlan, area, 1, true, ts, r.ref);
		return;
	}
	if (p.l3 != PROBE_L3_IPV4 && p.l3 != PROBE_L3_IPV6)
		return;
	if (probe_flow_key_from_packet(&p, ignore_vlan, &key, &side)) {
		if (side > 1)
			abort();
		(void)probe_flow_table_find(flows, &key);
	}
	f = probe_flow_table_update(flows, &p, &r, &side, &events);
	if (!f)
		return;
	if (side > 1)
		abort();
	if (((events & PROBE_EV_NEW_FLOW) || f->packets[side] == 1) && p.has_mac) {
		int area = (p.src.bytes[p.src.family == 4 ? 3 : 15] & 3) - 1;
		probe_station_observe(stations, p.src_mac, &p.src, vlan, area, 1u << (p.proto & 3), false, ts, r.ref);
		/* the receiver too (the engine doesn't), so one MAC collects
		 * more than PROBE_STATION_OBS sightings within MAX_FRAMES */
		area = (p.dst.bytes[p.dst.family == 4 ? 3 : 15] & 3) - 1;
		probe_station_observe(stations, p.dst_mac, &p.dst, vlan, area, 2, false, ts, r.ref);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t steps[] = {1000, 11 * NS, 301 * NS, -(int64_t)NS};
	struct probe_flow_config cfg = {.max_flows = FUZZ_MAX_FLOWS};
	struct probe_flow_table *flows;
	struct probe_station_table *stations;
	const struct probe_station *s;
	uint64_t ts = 1700000000 * NS;
	size_t ended = 0, iter = 0;
	uint32_t frame = 0;
	int linktype;
	uint8_t opt;

	if (size < 1)
		return 0;
	linktype = linktypes[(data[0] & 0x0f) % N_LINKTYPES];
	opt = data[0] >> 4;
	cfg.ignore_vlan = opt & 4;
	data++;
	size--;

	flows = probe_flow_table_new(&cfg, on_end, &ended);
	stations = probe_station_table_new(FUZZ_MAX_STATIONS);
	if (!flows || !stations)
		goto out;

	while (frame < MAX_FRAMES) {
		const uint8_t *sep = memmem(data, size, FRAME_SEP, FRAME_SEP_LEN);
		size_t n = sep ? (size_t)(sep - data) : size;

		/* an exact-size copy: a read past the frame is caught even
		 * when more input follows it */
		uint8_t *copy = malloc(n ? n : 1);
		if (!copy)
			break;
		memcpy(copy, data, n);
		feed(flows, stations, linktype, cfg.ignore_vlan, copy, n, ts, ++frame);
		free(copy);
		ts += (uint64_t)steps[opt & 3];
		/* timers, as the monitor runs them: silent stations leave and
		 * their slots are reused by the next ones */
		if (frame % 8 == 0) {
			probe_flow_table_expire(flows, ts);
			probe_station_table_expire(stations, ts - 60 * NS);
		}
		if (!sep)
			break;
		data = sep + FRAME_SEP_LEN;
		size -= n + FRAME_SEP_LEN;
	}

	if (opt & 8) {
		probe_flow_table_expire(flows, ts + 3600 * NS);
		probe_station_table_expire(stations, ts);
	}
	probe_station_table_reclassify(stations, reclassify, NULL);
	while ((s = probe_station_table_next(stations, &iter)))
		if (s->n_obs > PROBE_STATION_OBS)
			abort();
	probe_flow_table_flush(flows);

	struct probe_flow_stats fs;
	probe_flow_table_stats(flows, &fs);
	if (fs.live != 0 || fs.peak > FUZZ_MAX_FLOWS || probe_station_table_count(stations) > FUZZ_MAX_STATIONS)
		abort();
out:
	probe_flow_table_free(flows);
	probe_station_table_free(stations);
	return 0;
}
