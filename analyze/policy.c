/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The three-tier policy for one connection (docs/checks.md).
 *
 * An audit judges a connection when its flow ends, so the initiator is
 * decided with everything the flow saw; monitoring judges it as soon as it
 * is seen (analyze/engine.c).  It gets at most one finding: the
 * most specific check that applies, in this order —
 *   REMOTE-TO-MYNUMBER, MYNUMBER-INTERNET, EXCEPTION-MISMATCH,
 *   MYNUMBER-ISOLATION, SANITIZER-BYPASS, LGWAN-INTERNET,
 *   INBOUND-FROM-INTERNET, UNDECLARED-CROSSING.
 * A declared flow permits a connection only when address, direction,
 * protocol, port and MACs all match; matching the addresses alone makes the
 * flow the finding's `near_flow`, never a pass.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "analyze-internal.h"

static bool declared_port(uint8_t proto, uint16_t port, void *userdata)
{
	return topo_site_is_declared_port(userdata, proto, port);
}

bool an_proto_has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 33;
}

/* Every MAC seen on this side is pinned by the endpoint, or a gateway's
 * (a routed frame carries the router's MAC, not the host's). */
static bool side_macs_ok(const struct topo_site *site, const struct topo_endpoint *ep, const struct an_endpoint *side)
{
	for (unsigned i = 0; i < side->n_macs; i++)
		if (!topo_endpoint_match_mac(ep, side->macs[i]) && !topo_site_mac_is_gateway(site, side->macs[i]))
			return false;
	return true;
}

static bool flow_addr_match(const struct topo_site *site, const struct topo_flow *fl, const struct an_endpoint *from,
			    const struct topo_addr *to_ip)
{
	return topo_endpoint_match_addr(site, &fl->from, &from->ip) && topo_endpoint_match_addr(site, &fl->to, to_ip);
}

/* How a declared flow that matches by address fails to permit the
 * connection; AN_MISMATCH_NONE when it permits it. */
static enum an_mismatch flow_mismatch(const struct topo_site *site, const struct topo_flow *fl,
				      const struct an_finding *c)
{
	uint16_t dport = c->dst.port < 0 ? 0 : (uint16_t)c->dst.port;

	if (!flow_addr_match(site, fl, &c->src, &c->dst.ip))
		return AN_MISMATCH_DIRECTION;
	if (fl->proto != TOPO_PROTO_ANY && fl->proto != c->proto)
		return AN_MISMATCH_PROTO;
	if (!topo_flow_match_service(fl, c->proto, dport))
		return AN_MISMATCH_PORT;
	if (!side_macs_ok(site, &fl->from, &c->src))
		return AN_MISMATCH_SRC_MAC;
	if (!side_macs_ok(site, &fl->to, &c->dst))
		return AN_MISMATCH_DST_MAC;
	return AN_MISMATCH_NONE;
}

static bool flow_addr_near(const struct topo_site *site, const struct topo_flow *fl, const struct an_finding *c)
{
	return flow_addr_match(site, fl, &c->src, &c->dst.ip) || flow_addr_match(site, fl, &c->dst, &c->src.ip);
}

static bool kind_is_sanitizing(enum topo_flow_kind k)
{
	return k == TOPO_FLOW_MAIL_TEXT || k == TOPO_FLOW_FILE_CDR;
}

static void fill_side(const struct topo_site *site, const struct probe_flow *f, unsigned side, struct an_endpoint *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->has_ip = true;
	ret->ip = f->key.addr[side];
	ret->port = an_proto_has_ports(f->key.proto) ? f->key.port[side] : -1;
	ret->n_macs = f->n_macs[side];
	memcpy(ret->macs, f->macs[side], sizeof(ret->macs));
	ret->zone = topo_site_lookup_area(site, &ret->ip);
	ret->host = topo_site_lookup_host_ip(site, &ret->ip);
}

void an_describe_endpoint(const struct an_endpoint *e, char *buf, size_t len)
{
	char ip[TOPO_ADDR_STRLEN];

	if (e->host)
		snprintf(buf, len, "%s (%s)", e->host->name, e->zone ? e->zone->name : "?");
	else if (e->has_ip)
		snprintf(buf, len, "%s (%s)", topo_addr_format(&e->ip, ip), e->zone ? e->zone->name : "?");
	else
		snprintf(buf, len, "?");
}

void an_describe_service(uint8_t proto, int port, char *buf, size_t len)
{
	const char *name = an_proto_name(proto);

	if (port >= 0)
		snprintf(buf, len, "%s/%d", name, port);
	else
		snprintf(buf, len, "%s", name);
}

/* The verdict for a connection src → dst, as check + near flow + what
 * differed from it.  Returns false when it is permitted. */
static bool decide(const struct topo_site *site, const struct an_finding *c, enum an_check *ret_check,
		   const struct topo_flow **ret_near, enum an_mismatch *ret_why)
{
	const struct topo_area *a = c->src.zone, *b = c->dst.zone;
	enum topo_tier ta = topo_kind_tier(a->kind), tb = topo_kind_tier(b->kind);
	/* the first address-matching flow overall, of kind exception, and of a
	 * sanitizing/screen kind — each with what differed from it */
	struct near {
		const struct topo_flow *flow;
		enum an_mismatch why;
	} near = {0}, near_exception = {0}, near_sanitizer = {0};
	uint16_t dport = c->dst.port < 0 ? 0 : (uint16_t)c->dst.port;

	if (topo_addr_is_link_scoped(&c->src.ip) || topo_addr_is_link_scoped(&c->dst.ip))
		return false;
	if (a == b)
		return false;

	for (size_t i = 0; i < topo_site_n_flows(site); i++) {
		const struct topo_flow *fl = topo_site_flow(site, i);

		enum an_mismatch why;

		if (!flow_addr_near(site, fl, c))
			continue;
		why = flow_mismatch(site, fl, c);
		if (why == AN_MISMATCH_NONE)
			return false; /* a declared flow permits it exactly */
		if (!near.flow)
			near = (struct near){fl, why};
		if (!near_exception.flow && fl->kind == TOPO_FLOW_EXCEPTION)
			near_exception = (struct near){fl, why};
		if (!near_sanitizer.flow && (kind_is_sanitizing(fl->kind) || fl->kind == TOPO_FLOW_SCREEN_TRANSFER))
			near_sanitizer = (struct near){fl, why};
	}

	*ret_near = near.flow;
	*ret_why = near.why;

	enum topo_crossing cross = topo_tier_crossing(ta, tb);

	if (cross == TOPO_CROSS_REMOTE_MYNUMBER) {
		*ret_check = AN_CHECK_REMOTE_TO_MYNUMBER;
		return true;
	}
	if (cross == TOPO_CROSS_MYNUMBER_INTERNET) {
		*ret_check = AN_CHECK_MYNUMBER_INTERNET;
		return true;
	}
	if (cross == TOPO_CROSS_MYNUMBER) {
		if (near_exception.flow) {
			*ret_near = near_exception.flow;
			*ret_why = near_exception.why;
			*ret_check = AN_CHECK_EXCEPTION_MISMATCH;
		} else
			*ret_check = AN_CHECK_MYNUMBER_ISOLATION;
		return true;
	}
	if (ta == TOPO_TIER_MYNUMBER && tb == TOPO_TIER_MYNUMBER)
		return false; /* two zones of the same tier (e.g. ガバメントクラウド) */

	if (cross == TOPO_CROSS_LGWAN_INTERNET) {
		/* a sanitizing or screen-transfer path used the wrong way round */
		if (near_sanitizer.why == AN_MISMATCH_DIRECTION) {
			*ret_near = near_sanitizer.flow;
			*ret_why = AN_MISMATCH_DIRECTION;
			*ret_check = AN_CHECK_SANITIZER_BYPASS;
			return true;
		}
		/* the right endpoints and service, but not the pinned devices */
		if (near_sanitizer.flow && kind_is_sanitizing(near_sanitizer.flow->kind) &&
		    topo_flow_match_service(near_sanitizer.flow, c->proto, dport)) {
			*ret_near = near_sanitizer.flow;
			*ret_why = near_sanitizer.why;
			*ret_check = AN_CHECK_SANITIZER_BYPASS;
			return true;
		}
		/* into LGWAN on a sanitizing path's service, from elsewhere */
		if (ta == TOPO_TIER_INTERNET) {
			for (size_t i = 0; i < topo_site_n_flows(site); i++) {
				const struct topo_flow *fl = topo_site_flow(site, i);

				if (kind_is_sanitizing(fl->kind) && fl->n_ports > 0 &&
				    topo_flow_match_service(fl, c->proto, dport)) {
					*ret_near = fl;
					*ret_why = AN_MISMATCH_UNSANITIZED;
					*ret_check = AN_CHECK_SANITIZER_BYPASS;
					return true;
				}
			}
		}
		*ret_check = AN_CHECK_LGWAN_INTERNET;
		return true;
	}

	if (a->kind == TOPO_KIND_INTERNET_WAN && !b->external) {
		*ret_check = AN_CHECK_INBOUND_FROM_INTERNET;
		return true;
	}
	if (ta == tb)
		return false; /* the same tier: lgwan ↔ LGWAN-WAN, internet zone → the Internet */

	*ret_check = AN_CHECK_UNDECLARED_CROSSING;
	return true;
}

const struct topo_flow *an_policy_permitted_by(const struct topo_site *site, const struct an_finding *c)
{
	/* within a zone too: a sanitizing path's first leg (Internet MTA →
	 * sanitizer) often is */
	if (!c->src.has_ip || !c->dst.has_ip || topo_addr_is_link_scoped(&c->src.ip) || topo_addr_is_link_scoped(&c->dst.ip))
		return NULL;
	for (size_t i = 0; i < topo_site_n_flows(site); i++) {
		const struct topo_flow *fl = topo_site_flow(site, i);
		if (flow_addr_near(site, fl, c) && flow_mismatch(site, fl, c) == AN_MISMATCH_NONE)
			return fl;
	}
	return NULL;
}

void an_policy_describe_flow(const struct topo_site *site, const struct probe_flow *f, struct an_finding *ret)
{
	enum probe_initiator_reason reason;
	unsigned init, resp;

	/* not the 1 KiB of observed[]: n_observed 0 says it is empty, and
	 * this runs for every connection that ends */
	memset(ret, 0, offsetof(struct an_finding, observed));
	init = probe_flow_initiator(f, declared_port, (void *)site, &reason);
	resp = !init;

	fill_side(site, f, init, &ret->src);
	fill_side(site, f, resp, &ret->dst);
	ret->proto = f->key.proto;
	ret->n_vlans = f->key.n_vlans;
	memcpy(ret->vlans, f->key.vlans, sizeof(ret->vlans));
	ret->initiator = reason;
	ret->established = probe_flow_established(f);
	ret->first_ns = f->first_ns;
	ret->last_ns = f->last_ns;
	ret->first_frame = f->first_frame;
	ret->n_frames = f->n_frames;
	memcpy(ret->frames, f->frames, sizeof(ret->frames));
	ret->packets[0] = f->packets[init];
	ret->packets[1] = f->packets[resp];
	ret->bytes[0] = f->bytes[init];
	ret->bytes[1] = f->bytes[resp];
	ret->key = f->key;
}

bool an_policy_judge_flow(const struct topo_site *site, const struct probe_flow *f, struct an_finding *ret)
{
	const struct topo_flow *near = NULL;
	enum an_mismatch why = AN_MISMATCH_NONE;
	enum an_check check;
	char msg[640];

	an_policy_describe_flow(site, f, ret);
	if (!decide(site, ret, &check, &near, &why))
		return false;

	ret->check = check;
	ret->near_flow = near;
	ret->mismatch = near ? why : AN_MISMATCH_NONE;
	ret->message = strdup(an_finding_message(site, ret, false, msg, sizeof(msg)));
	return true;
}

/* ------------------------------------------------------------- stations */

unsigned an_obs_zones(const struct probe_obs *obs, unsigned n, int ret[PROBE_STATION_OBS])
{
	unsigned nz = 0;

	for (unsigned i = 0; i < n; i++) {
		bool seen = false;

		if (!(obs[i].tag & AN_OBS_ZONE) || obs[i].area < 0)
			continue;
		for (unsigned j = 0; j < nz && !seen; j++)
			seen = ret[j] == obs[i].area;
		if (!seen)
			ret[nz++] = obs[i].area;
	}
	return nz;
}

void an_station_classify(const struct topo_site *site, const uint8_t mac[6], const struct topo_addr *ip,
			 const uint16_t *vlans, unsigned n_vlans, int *ret_area, uint32_t *ret_tag)
{
	const struct topo_segment *seg;
	const struct topo_host *host;
	uint32_t tag = 0;

	*ret_area = -1;
	*ret_tag = 0;
	if (topo_addr_is_link_scoped(ip) || topo_site_mac_is_gateway(site, mac))
		return;
	seg = topo_site_lookup_segment(site, ip);
	if (seg && !seg->area->external)
		tag |= AN_OBS_ZONE;

	host = topo_site_lookup_host_ip(site, ip);
	if (host && host->n_macs > 0) {
		bool own = false;
		for (size_t i = 0; i < host->n_macs && !own; i++)
			own = memcmp(host->macs[i], mac, 6) == 0;
		if (!own)
			tag |= AN_OBS_SPOOF;
	}

	if (seg && seg->vlan >= 0 && n_vlans > 0) {
		bool found = false;
		for (unsigned i = 0; i < n_vlans && !found; i++)
			found = vlans[i] == seg->vlan;
		if (!found)
			tag |= AN_OBS_VLAN;
	}

	if (topo_site_inventory_strict(site) && seg && !seg->area->external &&
	    (seg->area->kind == TOPO_KIND_MYNUMBER || seg->area->kind == TOPO_KIND_LGWAN) &&
	    !topo_site_lookup_host_mac(site, mac))
		tag |= AN_OBS_UNKNOWN;

	*ret_area = seg ? (int)seg->area->index : (int)topo_site_internet(site)->index;
	*ret_tag = tag;
}

static void station_finding(const struct topo_site *site, const struct probe_station *st, enum an_check check,
			    uint32_t want, struct an_finding *ret)
{
	const struct probe_obs *first = NULL;

	memset(ret, 0, sizeof(*ret));
	ret->check = check;
	/* `observed` is everything the station was seen doing (docs/cli.md),
	 * so the auditor sees the borrowed address beside the MAC's own; the
	 * finding's address is the first observation that raised the check */
	for (unsigned i = 0; i < st->n_obs; i++) {
		if (!first && (st->obs[i].tag & want))
			first = &st->obs[i];
		ret->observed[ret->n_observed++] = st->obs[i];
	}
	ret->observed_dropped = st->dropped_obs;
	ret->src.n_macs = 1;
	memcpy(ret->src.macs[0], st->mac, 6);
	ret->src.port = -1;
	ret->dst.port = -1;
	ret->src.host = topo_site_lookup_host_mac(site, st->mac);
	if (first) {
		ret->src.has_ip = true;
		ret->src.ip = first->ip;
		ret->src.zone = topo_site_lookup_area(site, &first->ip);
		ret->first_ns = first->first_ns;
		ret->last_ns = first->first_ns;
		ret->first_frame = first->first_frame;
	}
}

/* The station findings for one MAC: at most one per station check, each
 * listing everything the station was seen doing. */
size_t an_policy_judge_station(const struct topo_site *site, const struct probe_station *st,
			       struct an_finding ret[4])
{
	static const struct {
		enum an_check check;
		uint32_t tag;
	} station_checks[] = {
		{AN_CHECK_DUAL_HOMED, AN_OBS_ZONE},
		{AN_CHECK_ADDRESS_SPOOF, AN_OBS_SPOOF},
		{AN_CHECK_VLAN_MISMATCH, AN_OBS_VLAN},
		{AN_CHECK_UNKNOWN_DEVICE, AN_OBS_UNKNOWN},
	};
	char msg[640];
	uint32_t all = 0;
	size_t n = 0;
	int zones[PROBE_STATION_OBS];

	for (unsigned i = 0; i < st->n_obs; i++)
		all |= st->obs[i].tag;
	/* one zone is a station's home; two make it a bridge */
	if (an_obs_zones(st->obs, st->n_obs, zones) < 2)
		all &= ~AN_OBS_ZONE;

	for (size_t k = 0; k < sizeof(station_checks) / sizeof(station_checks[0]); k++) {
		struct an_finding *f;

		if (!(all & station_checks[k].tag))
			continue;
		f = &ret[n++];
		station_finding(site, st, station_checks[k].check, station_checks[k].tag, f);
		f->message = strdup(an_finding_message(site, f, false, msg, sizeof(msg)));
	}
	return n;
}
