/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON Lines, for machines: one object per finding, a coverage warning
 * when an audit saw too little, and a summary last — the contract of
 * docs/cli.md, built with jansson (no hand-written escaping).  A traffic
 * or station finding carries its packet evidence; a ruleset finding the
 * firewall, the zones, an example packet and the rules.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report-internal.h"
#include "sanso-config.h"

#include <openssl/evp.h>

/* --------------------------------------------------------------- findings */

static json_t *json_endpoint(const struct an_endpoint *e, bool with_port)
{
	char ip[TOPO_ADDR_STRLEN], mac[TOPO_MAC_STRLEN];
	json_t *o = json_object(), *macs = json_array();

	json_object_set_new(o, "zone", an_json_str_or_null(e->zone ? e->zone->name : NULL));
	json_object_set_new(o, "host", an_json_str_or_null(e->host ? e->host->name : NULL));
	json_object_set_new(o, "ip", e->has_ip ? json_string(topo_addr_format(&e->ip, ip)) : json_null());
	json_object_set_new(o, "mac", e->n_macs ? json_string(topo_mac_format(e->macs[0], mac)) : json_null());
	if (with_port)
		json_object_set_new(o, "port", e->port >= 0 ? json_integer(e->port) : json_null());
	for (unsigned i = 0; i < e->n_macs; i++)
		json_array_append_new(macs, json_string(topo_mac_format(e->macs[i], mac)));
	json_object_set_new(o, "macs", macs);
	return o;
}

static json_t *json_pair(const char *a, uint64_t x, const char *b, uint64_t y)
{
	json_t *o = json_object();

	json_object_set_new(o, a, json_integer((json_int_t)x));
	json_object_set_new(o, b, json_integer((json_int_t)y));
	return o;
}

static const char *capture_name(const char *const *captures, size_t n, unsigned i)
{
	return i < n ? captures[i] : "?";
}

/*
 * The Community ID (v1, seed 0) of a connection finding, as Zeek and
 * Suricata log it (github.com/corelight/community-id-spec): SHA-1 over
 * seed . saddr . daddr . proto . 0 . sport . dport in network order, the
 * smaller address:port first, base64 after "1:".  ICMP needs the message
 * type, which the connection's key does not keep (echo flows are keyed by
 * identifier): NULL there, and for station findings.
 */
const char *an_community_id(const struct an_finding *f, char out[64])
{
	unsigned char in[2 + 16 + 16 + 2 + 4], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t alen, n = 0;

	if (an_check_is_station(f->check) || !f->src.has_ip || !f->dst.has_ip || f->proto == 1 || f->proto == 58 ||
	    f->src.ip.family != f->dst.ip.family)
		return NULL;
	alen = f->src.ip.family == 6 ? 16 : 4;
	uint16_t sp = f->src.port >= 0 ? (uint16_t)f->src.port : 0, dp = f->dst.port >= 0 ? (uint16_t)f->dst.port : 0;
	const uint8_t *a = f->src.ip.bytes, *b = f->dst.ip.bytes;
	int c = memcmp(a, b, alen);
	if (c > 0 || (c == 0 && sp > dp)) {
		const uint8_t *t = a;
		uint16_t tp = sp;
		a = b, b = t, sp = dp, dp = tp;
	}
	in[n++] = 0, in[n++] = 0; /* seed */
	memcpy(in + n, a, alen), n += alen;
	memcpy(in + n, b, alen), n += alen;
	in[n++] = f->proto, in[n++] = 0;
	in[n++] = (unsigned char)(sp >> 8), in[n++] = (unsigned char)sp;
	in[n++] = (unsigned char)(dp >> 8), in[n++] = (unsigned char)dp;
	if (EVP_Digest(in, n, md, &mdlen, EVP_sha1(), NULL) != 1 || mdlen != 20)
		return NULL;
	memcpy(out, "1:", 2);
	EVP_EncodeBlock((unsigned char *)out + 2, md, 20); /* 28 characters and a NUL */
	return out;
}

static json_t *json_vrule(const struct an_vrule *r)
{
	json_t *x = json_object();

	json_object_set_new(x, "location", json_string(r->location));
	json_object_set_new(x, "chain", json_string(r->chain));
	json_object_set_new(x, "text", json_string(r->text));
	json_object_set_new(x, "verdict", json_string(r->verdict));
	json_object_set_new(x, "index", r->index ? json_integer((json_int_t)r->index) : json_null());
	json_object_set_new(x, "handle", r->handle ? json_integer((json_int_t)r->handle) : json_null());
	return x;
}

static const char *route_name(enum an_route r)
{
	return r == AN_ROUTE_AROUND ? "around" : r == AN_ROUTE_THROUGH ? "through" : "unknown";
}

/* What the firewall between the connection's zones does with its first
 * packet: the verdict, the deciding rule (the last of `rules`, one per
 * base chain of the path). */
static json_t *json_verdict(const struct an_finding *f)
{
	json_t *o = json_object(), *rules = json_array();

	json_object_set_new(o, "firewall", json_string(f->fw ? f->fw->name : "?"));
	json_object_set_new(o, "verdict", json_string(f->verdict_accept ? "accept" : "drop"));
	json_object_set_new(o, "rule", f->n_rules ? json_vrule(&f->rules[f->n_rules - 1]) : json_null());
	/* the chains before the deciding one, when the path has several */
	for (size_t i = 0; i + 1 < f->n_rules; i++)
		json_array_append_new(rules, json_vrule(&f->rules[i]));
	json_object_set_new(o, "before", rules);
	json_object_set_new(o, "approximate", json_boolean(f->approximate));
	return o;
}

/* FLOW-UNUSED: a declared flow, no packets */
static json_t *review_json(const struct topo_site *site, const struct an_finding *f, bool ja)
{
	char msg[AN_MESSAGE_MAX], t[48];
	json_t *o = json_object(), *period = json_object();
	const struct topo_flow *fl = f->flow;

	json_object_set_new(o, "type", json_string("finding"));
	json_object_set_new(o, "check", json_string(an_check_id(f->check)));
	json_object_set_new(o, "severity", json_string(an_severity_name(an_check_severity(f->check))));
	json_object_set_new(o, "requirement", json_string(an_check_requirement(f->check)));
	json_object_set_new(o, "requirement_en", json_string(an_check_gloss(f->check)));
	json_object_set_new(o, "message", json_string(ja || !f->message ? an_finding_message(site, f, ja, msg, sizeof(msg))
								   : f->message));
	json_object_set_new(o, "flow", an_json_str_or_null(fl ? fl->name : NULL));
	json_object_set_new(o, "flow_kind", fl ? json_string(topo_flow_kind_name(fl->kind)) : json_null());
	json_object_set_new(o, "flow_line", fl ? json_integer(fl->line) : json_null());
	json_object_set_new(o, "src_zone", an_json_str_or_null(f->src.zone ? f->src.zone->name : NULL));
	json_object_set_new(o, "dst_zone", an_json_str_or_null(f->dst.zone ? f->dst.zone->name : NULL));
	json_object_set_new(o, "src", json_null());
	json_object_set_new(o, "dst", json_null());
	json_object_set_new(period, "first", f->first_ns ? json_string(an_format_time(f->first_ns, t, sizeof(t))) : json_null());
	json_object_set_new(period, "last", f->last_ns ? json_string(an_format_time(f->last_ns, t, sizeof(t))) : json_null());
	json_object_set_new(o, "period", period);
	json_object_set_new(o, "timestamp", f->last_ns ? json_string(an_format_time(f->last_ns, t, sizeof(t))) : json_null());
	return o;
}

static json_t *traffic_json(const struct topo_site *site, const char *const *captures, size_t n_captures,
			const struct an_finding *f, bool japanese)
{
	char t[48], filter[512], msg[AN_MESSAGE_MAX];
	json_t *o = json_object();

	json_object_set_new(o, "type", json_string("finding"));
	json_object_set_new(o, "check", json_string(an_check_id(f->check)));
	json_object_set_new(o, "severity", json_string(an_severity_name(an_check_severity(f->check))));
	json_object_set_new(o, "requirement", json_string(an_check_requirement(f->check)));
	json_object_set_new(o, "requirement_en", json_string(an_check_gloss(f->check)));
	json_object_set_new(o, "message", json_string(japanese ? an_finding_message(site, f, true, msg, sizeof(msg))
							     : f->message ? f->message : ""));

	if (an_check_is_station(f->check)) {
		json_t *obs = json_array();

		json_object_set_new(o, "src", json_endpoint(&f->src, false));
		json_object_set_new(o, "dst", json_null());
		for (unsigned i = 0; i < f->n_observed; i++) {
			const struct probe_obs *ob = &f->observed[i];
			char ip[TOPO_ADDR_STRLEN];
			json_t *x = json_object();
			const struct topo_area *area = ob->area >= 0 ? topo_site_area(site, (size_t)ob->area) : NULL;

			json_object_set_new(x, "ip", json_string(topo_addr_format(&ob->ip, ip)));
			json_object_set_new(x, "zone", an_json_str_or_null(area ? area->name : NULL));
			json_object_set_new(x, "vlan", ob->vlan >= 0 ? json_integer(ob->vlan) : json_null());
			json_object_set_new(x, "via", json_string(ob->via_arp ? "arp" : "ip"));
			json_object_set_new(x, "first_frame", json_integer(ob->first_frame.frame));
			json_object_set_new(x, "first_seen", json_string(an_format_time(ob->first_ns, t, sizeof(t))));
			json_object_set_new(x, "capture", json_string(capture_name(captures, n_captures, ob->first_frame.file)));
			json_object_set_new(x, "count", json_integer((json_int_t)ob->count));
			json_array_append_new(obs, x);
		}
		json_object_set_new(o, "observed", obs);
		if (f->observed_dropped)
			json_object_set_new(o, "observed_not_kept", json_integer((json_int_t)f->observed_dropped));
		json_object_set_new(o, "first_seen", json_string(an_format_time(f->first_ns, t, sizeof(t))));
		json_object_set_new(o, "first_frame", json_integer(f->first_frame.frame));
	} else {
		json_t *vlan = json_array(), *frames = json_array();

		json_object_set_new(o, "proto", json_string(an_proto_name(f->proto)));
		for (unsigned i = 0; i < f->n_vlans; i++)
			json_array_append_new(vlan, json_integer(f->vlans[i]));
		json_object_set_new(o, "vlan", vlan);
		json_object_set_new(o, "src", json_endpoint(&f->src, true));
		json_object_set_new(o, "dst", json_endpoint(&f->dst, true));
		json_object_set_new(o, "initiator", json_string(probe_initiator_reason_name(f->initiator)));
		json_object_set_new(o, "established", json_boolean(f->established));
		json_object_set_new(o, "flow", an_json_str_or_null(f->near_flow ? f->near_flow->name : NULL));
		json_object_set_new(o, "first_seen", json_string(an_format_time(f->first_ns, t, sizeof(t))));
		json_object_set_new(o, "last_seen", json_string(an_format_time(f->last_ns, t, sizeof(t))));
		json_object_set_new(o, "first_frame", json_integer(f->first_frame.frame));
		for (unsigned i = 0; i < f->n_frames; i++)
			json_array_append_new(frames, json_integer(f->frames[i].frame));
		json_object_set_new(o, "frames", frames);
		json_object_set_new(o, "packets", json_pair("src_to_dst", f->packets[0], "dst_to_src", f->packets[1]));
		json_object_set_new(o, "bytes", json_pair("src_to_dst", f->bytes[0], "dst_to_src", f->bytes[1]));
	}
	json_object_set_new(o, "capture", json_string(capture_name(captures, n_captures, f->first_frame.file)));
	json_object_set_new(o, "wireshark", json_string(an_finding_wireshark_filter(f, filter, sizeof(filter))));
	if (!an_check_is_station(f->check)) {
		char cid[64];
		json_object_set_new(o, "community_id", an_json_str_or_null(an_community_id(f, cid)));
		if (f->has_verdict)
			json_object_set_new(o, "ruleset_verdict", json_verdict(f));
		if (f->check == AN_CHECK_FIREWALL_BYPASS)
			json_object_set_new(o, "route", json_string(route_name(f->route)));
	}
	json_object_set_new(o, "timestamp", json_string(an_format_time(f->first_ns, t, sizeof(t))));
	return o;
}


static const char *family_name(const struct an_vpacket *p)
{
	return p->family == 6 ? "ipv6" : "ipv4";
}

/* ------------------------------------------------------------------- JSON */

static json_t *json_side(const struct topo_addr *ip, int port, const struct topo_area *zone,
			 const struct topo_host *host)
{
	char s[TOPO_ADDR_STRLEN];
	json_t *o = json_object();

	json_object_set_new(o, "zone", an_json_str_or_null(zone ? zone->name : NULL));
	json_object_set_new(o, "host", an_json_str_or_null(host ? host->name : NULL));
	json_object_set_new(o, "ip", json_string(topo_addr_format(ip, s)));
	json_object_set_new(o, "port", port >= 0 ? json_integer(port) : json_null());
	return o;
}

static json_t *json_example(const struct an_vpacket *p)
{
	char mac[TOPO_MAC_STRLEN];
	json_t *o = json_object();

	json_object_set_new(o, "family", json_string(family_name(p)));
	json_object_set_new(o, "proto", json_string(an_proto_name(p->proto)));
	json_object_set_new(o, "src", json_side(&p->src, p->sport, p->src_zone, p->src_host));
	json_object_set_new(o, "dst", json_side(&p->dst, p->dport, p->dst_zone, p->dst_host));
	if (p->icmp_type >= 0) {
		json_object_set_new(o, "icmp_type", json_integer(p->icmp_type));
		json_object_set_new(o, "icmp_code", json_integer(p->icmp_code));
	}
	/* a dnat's: where the client sent it (null: no dnat on its path) */
	json_object_set_new(o, "original_dst", p->has_orig ? json_side(&p->orig_dst, p->orig_dport, NULL, NULL) : json_null());
	if (p->has_orig) {
		json_t *od = json_object_get(o, "original_dst");
		json_object_del(od, "zone");
		json_object_del(od, "host");
	}
	json_object_set_new(o, "iif", json_string(p->iif));
	/* null: to the firewall itself (its own address, the input hook) */
	json_object_set_new(o, "oif", p->oif[0] ? json_string(p->oif) : json_null());
	if (p->has_mac)
		json_object_set_new(json_object_get(o, "src"), "mac", json_string(topo_mac_format(p->smac, mac)));
	json_object_set_new(o, "ct_state", json_string("new"));
	return o;
}

static json_t *ruleset_json(const struct topo_site *site, const struct an_finding *f, bool ja)
{
	json_t *o = json_object(), *rules = json_array();
	char msg[AN_MESSAGE_MAX];

	json_object_set_new(o, "type", json_string("finding"));
	json_object_set_new(o, "check", json_string(an_check_id(f->check)));
	json_object_set_new(o, "severity", json_string(an_severity_name(an_check_severity(f->check))));
	json_object_set_new(o, "requirement", json_string(an_check_requirement(f->check)));
	json_object_set_new(o, "requirement_en", json_string(an_check_gloss(f->check)));
	json_object_set_new(o, "message", json_string(an_finding_message(site, f, ja, msg, sizeof(msg))));
	json_object_set_new(o, "firewall", json_string(f->fw->name));
	json_object_set_new(o, "src_zone", an_json_str_or_null(f->src.zone ? f->src.zone->name : NULL));
	json_object_set_new(o, "dst_zone", an_json_str_or_null(f->dst.zone ? f->dst.zone->name : NULL));
	json_object_set_new(o, "flow", an_json_str_or_null(f->flow ? f->flow->name : NULL));
	json_object_set_new(o, "example", f->has_example ? json_example(&f->example) : json_null());
	for (size_t i = 0; i < f->n_rules; i++)
		json_array_append_new(rules, json_vrule(&f->rules[i]));
	json_object_set_new(o, "rules", rules);
	json_object_set_new(o, "approximate", json_boolean(f->approximate));
	return o;
}

/* a change of `sanso diff` */
static json_t *change_json(const struct topo_site *site, const struct an_finding *f, bool ja)
{
	json_t *o = json_object(), *rules = json_array();
	char msg[AN_MESSAGE_MAX];
	bool none;
	enum an_severity sev = an_change_severity(f, &none);

	json_object_set_new(o, "type", json_string("change"));
	json_object_set_new(o, "change", json_string(f->change == AN_CHANGE_OPENED ? "opened" : "closed"));
	json_object_set_new(o, "firewall", json_string(f->fw->name));
	json_object_set_new(o, "src_zone", an_json_str_or_null(f->src.zone ? f->src.zone->name : NULL));
	json_object_set_new(o, "dst_zone", an_json_str_or_null(f->dst.zone ? f->dst.zone->name : NULL));
	json_object_set_new(o, "check", f->has_check ? json_string(an_check_id(f->check)) : json_null());
	json_object_set_new(o, "flow", an_json_str_or_null(f->flow ? f->flow->name : NULL));
	json_object_set_new(o, "severity", none ? json_null() : json_string(an_severity_name(sev)));
	json_object_set_new(o, "requirement", f->has_check ? json_string(an_check_requirement(f->check)) : json_null());
	json_object_set_new(o, "message", json_string(an_finding_message(site, f, ja, msg, sizeof(msg))));
	json_object_set_new(o, "packets", json_string(f->detail ? f->detail : ""));
	json_object_set_new(o, "example", f->has_example ? json_example(&f->example) : json_null());
	for (size_t i = 0; i < f->n_rules; i++)
		json_array_append_new(rules, json_vrule(&f->rules[i]));
	json_object_set_new(o, "rules", rules);
	json_object_set_new(o, "approximate", json_boolean(f->approximate));
	return o;
}

json_t *an_json_finding(const struct topo_site *site, const char *const *captures, size_t n_captures,
			const struct an_finding *f, bool japanese)
{
	if (f->change != AN_CHANGE_NONE)
		return change_json(site, f, japanese);
	if (an_check_is_ruleset(f->check))
		return ruleset_json(site, f, japanese);
	if (an_check_is_review(f->check))
		return review_json(site, f, japanese);
	return traffic_json(site, captures, n_captures, f, japanese);
}

/* ---------------------------------------------------------------- summary */

void an_json_summary_counts(json_t *o, const struct topo_site *site, const struct an_counters *c)
{
	json_t *counts = json_object();

	json_object_set_new(o, "site", json_string(topo_site_name(site)));
	json_object_set_new(o, "model", json_string(topo_model_name(topo_site_model(site))));
	for (unsigned i = 0; i < _AN_CHECK_MAX; i++)
		if (c->findings[i])
			json_object_set_new(counts, an_check_id(i), json_integer((json_int_t)c->findings[i]));
	json_object_set_new(o, "findings", counts);
	json_object_set_new(o, "packets_read", json_integer((json_int_t)c->packets_read));
	json_object_set_new(o, "packets_undecoded", json_integer((json_int_t)c->packets_undecoded));
}

void an_json_provenance(json_t *o, uint64_t generated_ns, const struct an_input *in, size_t n)
{
	char t[48];
	json_t *inputs = json_array();

	json_object_set_new(o, "generated", json_string(an_format_time(generated_ns, t, sizeof(t))));
	if (!json_object_get(o, "timestamp"))
		json_object_set_new(o, "timestamp", json_string(t));
	json_object_set_new(o, "sanso_version", json_string(SANSO_VERSION));
	for (size_t i = 0; i < n; i++) {
		json_t *x = json_object();
		json_object_set_new(x, "kind", json_string(in[i].kind));
		json_object_set_new(x, "path", json_string(in[i].path));
		json_object_set_new(x, "sha256", in[i].hashed ? json_string(in[i].sha256) : json_null());
		json_array_append_new(inputs, x);
	}
	json_object_set_new(o, "inputs", inputs);
}

static json_t *json_coverage(const struct an_view *r)
{
	const struct an_counters *c = r->counters;
	const struct topo_site *site = r->site;
	unsigned problems = r->coverage;
	uint64_t selected = c->packets_read - c->packets_filtered;
	json_t *o = json_object(), *p = json_array(), *seen = json_array(), *not_seen = json_array(),
	       *vlans = json_array();

	json_object_set_new(o, "sufficient", json_boolean(problems == 0));
	for (size_t i = 0; i < an_n_coverage_words; i++)
		if (problems & an_coverage_words[i].bit)
			json_array_append_new(p, json_string(an_coverage_words[i].name));
	json_object_set_new(o, "problems", p);
	json_object_set_new(o, "decoded_share",
			    selected ? json_real((double)(selected - c->packets_undecoded) / (double)selected)
				     : json_null());
	for (size_t i = 0; i < topo_site_n_areas(site); i++) {
		const struct topo_area *a = topo_site_area(site, i);
		if (!a->external)
			json_array_append_new(an_counters_area_seen(c, i) ? seen : not_seen, json_string(a->name));
	}
	json_object_set_new(o, "zones_seen", seen);
	json_object_set_new(o, "zones_not_seen", not_seen);
	for (unsigned v = 0; v < 4096; v++)
		if (an_counters_vlan_seen(c, v))
			json_array_append_new(vlans, json_integer(v));
	json_object_set_new(o, "vlans_seen", vlans);
	return o;
}

static json_t *json_period(const struct an_counters *c)
{
	char t[48];
	json_t *o = json_object();
	bool any = c->packets_read > 0;

	json_object_set_new(o, "first", any ? json_string(an_format_time(c->first_ns, t, sizeof(t))) : json_null());
	json_object_set_new(o, "last", any ? json_string(an_format_time(c->last_ns, t, sizeof(t))) : json_null());
	return o;
}

static json_t *json_coverage_warning(const struct an_view *r, bool japanese)
{
	json_t *o = json_object(), *cov = json_coverage(r);
	char msg[1024] = "";
	unsigned problems = r->coverage;

	for (size_t i = 0; i < an_n_coverage_words; i++)
		if (problems & an_coverage_words[i].bit)
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "%s%s", msg[0] ? "; " : "",
				 japanese ? an_coverage_words[i].ja : an_coverage_words[i].en);
	char t[48];
	json_object_set_new(o, "type", json_string("warning"));
	json_object_set_new(o, "timestamp", json_string(an_format_time(r->generated_ns, t, sizeof(t))));
	json_object_set_new(o, "warning", json_string("coverage"));
	json_object_set_new(o, "message", json_string(msg));
	json_object_set_new(o, "problems", json_incref(json_object_get(cov, "problems")));
	json_decref(cov);
	return o;
}

/* Reconciliation: per firewall, every rule with the connections it
 * decided and how many of them the policy forbids. */
static json_t *json_usage(const struct an_view *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->n_usage; i++) {
		const struct an_fw_usage *u = &r->usage[i];
		json_t *x = json_object(), *rules = json_array();
		json_object_set_new(x, "firewall", json_string(u->fw->name));
		json_object_set_new(x, "source", json_string(u->source));
		json_object_set_new(x, "connections", json_integer((json_int_t)u->connections));
		for (size_t j = 0; j < u->n_rules; j++) {
			const struct an_rule_use *ru = &u->rules[j];
			json_t *y = json_object();
			json_object_set_new(y, "location", json_string(ru->rule.location));
			json_object_set_new(y, "text", json_string(ru->rule.text));
			json_object_set_new(y, "verdict", json_string(ru->rule.verdict));
			json_object_set_new(y, "connections", json_integer((json_int_t)ru->connections));
			json_object_set_new(y, "forbidden", json_integer((json_int_t)ru->forbidden));
			json_array_append_new(rules, y);
		}
		json_object_set_new(x, "rules", rules);
		json_array_append_new(a, x);
	}
	return a;
}

static json_t *json_summary(const struct an_view *r)
{
	const struct an_counters *c = r->counters;
	json_t *o = json_object(), *caps = json_array(), *ev = json_array();

	json_object_set_new(o, "type", json_string("summary"));
	an_json_summary_counts(o, r->site, c);
	json_object_set_new(o, "packets_dropped", json_null()); /* offline: no kernel to drop */
	json_object_set_new(o, "packets_filtered", json_integer((json_int_t)c->packets_filtered));
	json_object_set_new(o, "flows", json_integer((json_int_t)c->flows));
	json_object_set_new(o, "flows_evicted", json_integer((json_int_t)c->flow_stats.ended_capacity));
	json_object_set_new(o, "findings_not_kept", json_integer((json_int_t)r->not_kept));
	for (size_t i = 0; i < r->n_captures; i++)
		json_array_append_new(caps, json_string(an_view_capture(r, i)));
	json_object_set_new(o, "captures", caps);
	for (size_t i = 0; i < r->n_evidence; i++)
		json_array_append_new(ev, json_string(r->evidence[i]));
	json_object_set_new(o, "evidence", ev);
	json_object_set_new(o, "period", json_period(c));
	json_object_set_new(o, "coverage", json_coverage(r));
	if (r->usage)
		json_object_set_new(o, "rulesets", json_usage(r));
	an_json_provenance(o, r->generated_ns, r->inputs, r->n_inputs);
	return o;
}

static json_t *json_vsummary(const struct an_view *r)
{
	const struct topo_site *site = r->site;
	const uint64_t *counts = r->counts;
	json_t *o = json_object(), *c = json_object(), *fws = json_array();
	bool approx = false;

	json_object_set_new(o, "type", json_string("summary"));
	json_object_set_new(o, "site", json_string(topo_site_name(site)));
	json_object_set_new(o, "model", json_string(topo_model_name(topo_site_model(site))));
	for (unsigned i = 0; i < _AN_CHECK_MAX; i++)
		if (counts[i])
			json_object_set_new(c, an_check_id(i), json_integer((json_int_t)counts[i]));
	json_object_set_new(o, "findings", c);
	for (size_t i = 0; i < r->n_firewalls; i++) {
		struct an_vfw_summary s = r->firewalls[i];
		json_t *x = json_object();
		json_object_set_new(x, "name", json_string(s.fw->name));
		json_object_set_new(x, "verified", json_boolean(s.source != NULL));
		json_object_set_new(x, "source", an_json_str_or_null(s.source));
		if (s.source) {
			json_object_set_new(x, "tables", json_integer((json_int_t)s.tables));
			json_object_set_new(x, "chains", json_integer((json_int_t)s.chains));
			json_object_set_new(x, "rules", json_integer((json_int_t)s.rules));
			json_object_set_new(x, "sets", json_integer((json_int_t)s.sets));
			json_object_set_new(x, "set_elements", json_integer((json_int_t)s.elements));
			json_object_set_new(x, "unsupported_rules", json_integer((json_int_t)s.unsupported_rules));
			json_object_set_new(x, "approximate", json_boolean(s.approximate));
			json_object_set_new(x, "seconds", json_real(s.seconds));
			json_object_set_new(x, "bdd_nodes_peak", json_integer((json_int_t)s.peak_nodes));
		}
		approx = approx || s.approximate;
		json_array_append_new(fws, x);
	}
	json_object_set_new(o, "firewalls", fws);
	json_object_set_new(o, "approximate", json_boolean(approx));
	json_object_set_new(o, "findings_not_kept", json_integer((json_int_t)r->not_kept));
	an_json_provenance(o, r->generated_ns, r->inputs, r->n_inputs);
	return o;
}

/* ------------------------------------------------------------------- ops */

static int op_begin(struct an_writer *w)
{
	if (w->v->kind == AN_VIEW_VERIFY || w->v->kind == AN_VIEW_DIFF) {
		an_time_digits(6); /* no capture: the generation time alone, in microseconds */
		an_format_time(w->v->generated_ns, w->time, sizeof(w->time));
	}
	return 0;
}

static int op_finding(struct an_writer *w, const struct an_finding *f)
{
	const struct an_view *v = w->v;
	json_t *o = an_json_finding(v->site, v->captures, v->n_captures, f, w->ja);

	if (an_check_is_ruleset(f->check) || f->change != AN_CHANGE_NONE) /* no packet of its own: when it was found */
		json_object_set_new(o, "timestamp", json_string(w->time));
	return an_json_line(o, w->out);
}

/* sanso diff: the rule-level changes, then the summary */
static int diff_summary(struct an_writer *w)
{
	const struct an_view *r = w->v;
	int ret = 0;

	for (size_t i = 0; i < r->n_rule_changes && ret == 0; i++) {
		const struct an_rule_change *x = &r->rule_changes[i];
		json_t *o = json_object();
		json_object_set_new(o, "type", json_string("rule_change"));
		json_object_set_new(o, "change", json_string(x->change));
		json_object_set_new(o, "firewall", json_string(x->fw->name));
		json_object_set_new(o, "chain", json_string(x->chain));
		json_object_set_new(o, "text", json_string(x->text));
		json_object_set_new(o, "before", an_json_str_or_null(x->before));
		json_object_set_new(o, "after", an_json_str_or_null(x->after));
		if (strcmp(x->change, "moved") == 0)
			json_object_set_new(o, "changes_nothing", json_boolean(x->no_effect));
		json_object_set_new(o, "timestamp", json_string(w->time));
		ret = an_json_line(o, w->out);
	}
	if (ret)
		return ret;
	json_t *o = json_object(), *c = json_object(), *fws = json_array();
	json_object_set_new(o, "type", json_string("summary"));
	json_object_set_new(o, "site", json_string(topo_site_name(r->site)));
	json_object_set_new(o, "model", json_string(topo_model_name(topo_site_model(r->site))));
	json_object_set_new(o, "opened", json_integer((json_int_t)r->opened));
	json_object_set_new(o, "closed", json_integer((json_int_t)r->closed));
	for (unsigned i = 0; i < _AN_CHECK_MAX; i++)
		if (r->counts[i])
			json_object_set_new(c, an_check_id(i), json_integer((json_int_t)r->counts[i]));
	json_object_set_new(o, "findings", c);
	json_object_set_new(o, "rule_changes", json_integer((json_int_t)r->n_rule_changes));
	for (size_t i = 0; i < r->n_diffed; i++)
		json_array_append_new(fws, json_string(r->diffed[i]->name));
	json_object_set_new(o, "firewalls", fws);
	an_json_provenance(o, r->generated_ns, r->inputs, r->n_inputs);
	return an_json_line(o, w->out);
}

static int op_summary(struct an_writer *w)
{
	int ret = 0;

	if (w->v->kind == AN_VIEW_DIFF)
		return diff_summary(w);
	if (w->v->kind == AN_VIEW_VERIFY)
		return an_json_line(json_vsummary(w->v), w->out);
	if (w->v->coverage)
		ret = an_json_line(json_coverage_warning(w->v, w->ja), w->out);
	if (ret == 0)
		ret = an_json_line(json_summary(w->v), w->out);
	return ret;
}

static int op_end(struct an_writer *w)
{
	(void)w;
	return 0;
}

const struct an_writer_ops an_json_ops = {
	.order = an_order_by_frame,
	.begin = op_begin,
	.finding = op_finding,
	.summary = op_summary,
	.end = op_end,
};
