/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reports: text for people (grouped by severity, one block per finding with
 * its evidence and a Wireshark filter), JSON Lines for machines (the
 * contract of docs/cli.md, built with jansson — no hand-written escaping).
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze.h"
#include "report.h"
#include "sanso-config.h"

#include <openssl/evp.h>

/* 6 or 9 fraction digits for every timestamp of a run (a SIEM maps a
 * field once); 0: each by its own precision */
static int time_digits;

void an_time_digits(int digits)
{
	time_digits = digits;
}

char *an_format_time(uint64_t ts_ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ts_ns / 1000000000ULL);
	uint64_t frac = ts_ns % 1000000000ULL;
	struct tm tm;
	char base[32];

	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	/* full precision: a nanosecond capture keeps its 9 digits; a
	 * microsecond one is not padded with invented zeros */
	if (time_digits == 6 || (time_digits == 0 && frac % 1000 == 0))
		snprintf(buf, len, "%s.%06" PRIu64 "Z", base, frac / 1000);
	else
		snprintf(buf, len, "%s.%09" PRIu64 "Z", base, frac);
	return buf;
}

char *an_finding_wireshark_filter(const struct an_finding *f, char *buf, size_t len)
{
	char a[TOPO_ADDR_STRLEN], b[TOPO_ADDR_STRLEN], mac[TOPO_MAC_STRLEN];

	if (an_check_is_station(f->check)) {
		topo_mac_format(f->src.macs[0], mac);
		snprintf(buf, len, "eth.src==%s || arp.src.hw_mac==%s", mac, mac);
		return buf;
	}
	const char *ipf = f->src.ip.family == 6 ? "ipv6.addr" : "ip.addr";
	int n = snprintf(buf, len, "%s==%s && %s==%s", ipf, topo_addr_format(&f->src.ip, a), ipf,
			 topo_addr_format(&f->dst.ip, b));
	if (n < 0 || (size_t)n >= len)
		return buf;
	if (f->src.port >= 0 && (f->proto == 6 || f->proto == 17 || f->proto == 132))
		n += snprintf(buf + n, len - n, " && %s.port==%d && %s.port==%d", an_proto_name(f->proto), f->src.port,
			      an_proto_name(f->proto), f->dst.port);
	else if (f->proto == 1 || f->proto == 58)
		n += snprintf(buf + n, len - n, " && %s", f->proto == 1 ? "icmp" : "icmpv6");
	else
		n += snprintf(buf + n, len - n, " && ip.proto==%u", f->proto);
	if (n > 0 && (size_t)n < len && f->n_vlans)
		snprintf(buf + n, len - n, " && vlan.id==%u", f->vlans[f->n_vlans - 1]);
	return buf;
}

/* ------------------------------------------------------------------ order */

/* Capture order: file, first frame, then check. */
static int by_frame(const void *pa, const void *pb)
{
	const struct an_finding *a = *(const struct an_finding *const *)pa, *b = *(const struct an_finding *const *)pb;

	if (a->first_frame.file != b->first_frame.file)
		return a->first_frame.file < b->first_frame.file ? -1 : 1;
	if (a->first_frame.frame != b->first_frame.frame)
		return a->first_frame.frame < b->first_frame.frame ? -1 : 1;
	return (int)a->check - (int)b->check;
}

/* The most severe first, each severity in capture order. */
static int severity_then_time(const void *pa, const void *pb)
{
	const struct an_finding *a = *(const struct an_finding *const *)pa, *b = *(const struct an_finding *const *)pb;
	enum an_severity sa = an_check_severity(a->check), sb = an_check_severity(b->check);

	if (sa != sb)
		return sa > sb ? -1 : 1;
	return by_frame(pa, pb);
}

static const char *view_capture(const struct an_audit_view *r, unsigned i)
{
	return i < r->n_captures ? r->captures[i] : "?";
}

static const struct an_finding **sorted(const struct an_audit_view *r, int (*cmp)(const void *, const void *))
{
	size_t n = r->n_findings;
	const struct an_finding **v = malloc((n ? n : 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = r->findings[i];
	qsort(v, n, sizeof(*v), cmp);
	return v;
}

/* ------------------------------------------------------------------- JSON */

json_t *an_json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

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

json_t *an_json_finding(const struct topo_site *site, const char *const *captures, size_t n_captures,
			const struct an_finding *f, bool japanese)
{
	char t[48], filter[512], msg[640];
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
	}
	json_object_set_new(o, "timestamp", json_string(an_format_time(f->first_ns, t, sizeof(t))));
	return o;
}

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

/* ------------------------------------------------- provenance, coverage */

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

static const struct {
	unsigned bit;
	const char *name, *en, *ja;
} coverage_words[] = {
	{AN_COV_NO_PACKETS, "no-packets", "the captures hold no packet", "キャプチャにパケットがありません"},
	{AN_COV_NO_CONNECTIONS, "no-connections",
	 "no IP connection was analysed (every frame undecodable, not IP, or outside the -f filter)",
	 "IP 接続を一つも解析できませんでした (すべてのフレームが解析不能、IP 以外、または -f フィルタの対象外)"},
	{AN_COV_LOW_DECODE, "low-decode", "fewer than half of the frames could be decoded",
	 "解析できたフレームが半数未満です"},
	{AN_COV_NO_ZONE, "no-zone", "no station of any of the site's zones was seen: is the capture from this site?",
	 "サイトのどのゾーンの端末も観測されませんでした (このサイトのキャプチャですか)"},
};

const char *an_coverage_problem(unsigned bit, bool japanese)
{
	for (size_t i = 0; i < sizeof(coverage_words) / sizeof(coverage_words[0]); i++)
		if (coverage_words[i].bit == bit)
			return japanese ? coverage_words[i].ja : coverage_words[i].en;
	return "?";
}

static json_t *json_coverage(const struct an_audit_view *r)
{
	const struct an_counters *c = r->counters;
	const struct topo_site *site = r->site;
	unsigned problems = r->coverage;
	uint64_t selected = c->packets_read - c->packets_filtered;
	json_t *o = json_object(), *p = json_array(), *seen = json_array(), *not_seen = json_array(),
	       *vlans = json_array();

	json_object_set_new(o, "sufficient", json_boolean(problems == 0));
	for (size_t i = 0; i < sizeof(coverage_words) / sizeof(coverage_words[0]); i++)
		if (problems & coverage_words[i].bit)
			json_array_append_new(p, json_string(coverage_words[i].name));
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

static json_t *json_coverage_warning(const struct an_audit_view *r, bool japanese)
{
	json_t *o = json_object(), *cov = json_coverage(r);
	char msg[1024] = "";
	unsigned problems = r->coverage;

	for (size_t i = 0; i < sizeof(coverage_words) / sizeof(coverage_words[0]); i++)
		if (problems & coverage_words[i].bit)
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "%s%s", msg[0] ? "; " : "",
				 japanese ? coverage_words[i].ja : coverage_words[i].en);
	char t[48];
	json_object_set_new(o, "type", json_string("warning"));
	json_object_set_new(o, "timestamp", json_string(an_format_time(r->generated_ns, t, sizeof(t))));
	json_object_set_new(o, "warning", json_string("coverage"));
	json_object_set_new(o, "message", json_string(msg));
	json_object_set_new(o, "problems", json_incref(json_object_get(cov, "problems")));
	json_decref(cov);
	return o;
}

static json_t *json_summary(const struct an_audit_view *r)
{
	const struct an_counters *c = r->counters;
	json_t *o = json_object(), *caps = json_array(), *ev = json_array();

	json_object_set_new(o, "type", json_string("summary"));
	an_json_summary_counts(o, r->site, c);
	json_object_set_new(o, "packets_dropped", json_null()); /* offline: no kernel to drop */
	json_object_set_new(o, "packets_filtered", json_integer((json_int_t)c->packets_filtered));
	json_object_set_new(o, "flows", json_integer((json_int_t)c->flows));
	json_object_set_new(o, "flows_evicted", json_integer((json_int_t)c->flow_stats.ended_capacity));
	json_object_set_new(o, "findings_not_kept", json_integer((json_int_t)r->findings_not_kept));
	for (size_t i = 0; i < r->n_captures; i++)
		json_array_append_new(caps, json_string(view_capture(r, i)));
	json_object_set_new(o, "captures", caps);
	for (size_t i = 0; i < r->n_evidence; i++)
		json_array_append_new(ev, json_string(r->evidence[i]));
	json_object_set_new(o, "evidence", ev);
	json_object_set_new(o, "period", json_period(c));
	json_object_set_new(o, "coverage", json_coverage(r));
	an_json_provenance(o, r->generated_ns, r->inputs, r->n_inputs);
	return o;
}

int an_json_line(json_t *o, FILE *out)
{
	/* reals (verify's seconds) to 6 significant digits, not 17 */
	const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6);
	char stack[8192], *buf = stack;
	size_t n;
	int r = 0;

	/* into a buffer, then one fwrite: json_dumpf() calls fwrite per
	 * token, ~40 calls for a finding's line */
	n = json_dumpb(o, stack, sizeof(stack) - 1, flags);
	if (n >= sizeof(stack) - 1) {
		buf = malloc(n + 1);
		if (buf && json_dumpb(o, buf, n, flags) != n) {
			free(buf);
			buf = NULL;
		}
	}
	json_decref(o);
	if (!buf || n == 0)
		r = -EIO;
	else if ((buf[n] = '\n', fwrite(buf, 1, n + 1, out)) != n + 1)
		r = -EIO;
	if (buf != stack)
		free(buf);
	return r;
}

static int write_json(const struct an_audit_view *r, const struct an_output_options *opt, FILE *out)
{
	const struct an_finding **v = sorted(r, by_frame);
	int ret = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_findings && ret == 0; i++)
		ret = an_json_line(an_json_finding(r->site, r->captures, r->n_captures, v[i],
						   opt->japanese),
				   out);
	if (ret == 0 && r->coverage)
		ret = an_json_line(json_coverage_warning(r, opt->japanese), out);
	if (ret == 0)
		ret = an_json_line(json_summary(r), out);
	free(v);
	return ret;
}

/* ------------------------------------------------------------------- text */

/* Headings and labels of the text report (and of the HTML/JUnit blocks),
 * each label padded to one display column (a CJK character is two wide). */
struct words {
	const char *rule, *from, *to, *vlan, *when, *traffic, *frames, *wireshark, *station, *seen, *blank;
	const char *severity[AN_SEV_CRITICAL + 1];
	const char *sent_back, *established, *attempt, *initiator_by;
	const char *seen_line, *times;
	const char *title, *capture, *packets, *no_findings, *findings_total, *not_kept, *evidence;
	const char *period, *generated, *topology, *coverage, *zones_not_seen, *vlans_seen, *no_findings_unjudged;
};

static const struct words words_en = {
	.rule = "rule      ",
	.from = "from      ",
	.to = "to        ",
	.vlan = "vlan      ",
	.when = "when      ",
	.traffic = "traffic   ",
	.frames = "frames    ",
	.wireshark = "wireshark ",
	.station = "station   ",
	.seen = "seen      ",
	.blank = "          ",
	.severity = {"LOW", "MEDIUM", "HIGH", "CRITICAL"},
	.sent_back = "%" PRIu64 " packets / %" PRIu64 " bytes sent, %" PRIu64 " packets / %" PRIu64 " bytes back",
	.established = "established",
	.attempt = "NOT established (attempt)",
	.initiator_by = "initiator by",
	.seen_line = " via %s, first %s frame %u at %s",
	.times = " (%" PRIu64 "×)",
	.title = "sanso audit — %s (model %s)",
	.capture = "  capture   %s  sha256 %s\n",
	.packets = "  packets   %" PRIu64 " read, %" PRIu64 " undecoded, %" PRIu64 " connections\n\n",
	.no_findings = "No findings: no connection or station broke the three-tier separation.",
	.findings_total = "%" PRIu64 " finding%s:",
	.not_kept = "(%" PRIu64 " further findings counted but not listed: --max-findings)",
	.evidence = "evidence: %s\n",
	.period = "  period    %s → %s\n",
	.generated = "  generated %s by sanso %s\n",
	.topology = "  topology  %s  sha256 %s\n",
	.coverage = "WARNING: this audit can't vouch for the three-tier separation (exit status 4 unless --allow-empty):\n",
	.zones_not_seen = "  zones never seen: %s\n",
	.vlans_seen = "  VLANs seen: %s\n",
	.no_findings_unjudged = "No findings — but the captures showed too little to judge (see the warning above).",
};

static const struct words words_ja = {
	.rule = "要件      ",
	.from = "開始側    ",
	.to = "応答側    ",
	.vlan = "VLAN      ",
	.when = "日時      ",
	.traffic = "通信量    ",
	.frames = "フレーム  ",
	.wireshark = "Wireshark ",
	.station = "端末      ",
	.seen = "観測      ",
	.blank = "          ",
	.severity = {"低", "中", "高", "重大"},
	.sent_back = "送信 %" PRIu64 " パケット / %" PRIu64 " バイト、応答 %" PRIu64 " パケット / %" PRIu64 " バイト",
	.established = "確立済み",
	.attempt = "未確立 (接続の試行)",
	.initiator_by = "開始側の判定",
	.seen_line = " (%s)、初回 %s フレーム %u、%s",
	.times = " (%" PRIu64 " 回)",
	.title = "sanso 監査 — %s (モデル %s)",
	.capture = "  キャプチャ %s  sha256 %s\n",
	.packets = "  パケット   %" PRIu64 " 読み込み、%" PRIu64 " 解析不能、%" PRIu64 " 接続\n\n",
	.no_findings = "指摘なし: 三層分離を破る接続・端末はありませんでした。",
	.findings_total = "指摘 %" PRIu64 " 件%s:",
	.not_kept = "(ほかに %" PRIu64 " 件を集計のみ: --max-findings)",
	.evidence = "証跡: %s\n",
	.period = "  期間       %s → %s\n",
	.generated = "  作成       %s (sanso %s)\n",
	.topology = "  トポロジ   %s  sha256 %s\n",
	.coverage = "警告: この監査では三層分離が保たれていることを確認できません (--allow-empty なしでは終了ステータス 4):\n",
	.zones_not_seen = "  観測されなかったゾーン: %s\n",
	.vlans_seen = "  観測された VLAN: %s\n",
	.no_findings_unjudged = "指摘なし — ただしキャプチャの内容が少なすぎて判断できません (上の警告を参照)。",
};

static const struct words *words_for(const struct an_output_options *o)
{
	return o && o->japanese ? &words_ja : &words_en;
}

const char *an_severity_heading(enum an_severity s, bool japanese)
{
	return (japanese ? &words_ja : &words_en)->severity[s];
}

/* The text writers print through the format strings of words_en/words_ja:
 * constants of this file, the same conversions in both languages, and both
 * exercised by the tests — so -Wformat-nonliteral is silenced here only. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"


static void text_endpoint(FILE *out, const struct topo_site *site, const char *label, const struct an_endpoint *e)
{
	char ip[TOPO_ADDR_STRLEN], mac[TOPO_MAC_STRLEN];

	fprintf(out, "    %s", label);
	if (e->has_ip) {
		if (e->port >= 0)
			fprintf(out, e->ip.family == 6 ? "[%s]:%d" : "%s:%d", topo_addr_format(&e->ip, ip), e->port);
		else
			fprintf(out, "%s", topo_addr_format(&e->ip, ip));
	}
	for (unsigned i = 0; i < e->n_macs; i++) {
		/* a MAC that belongs to another declared host is the first thing
		 * an auditor wants to know about a spoofed exception */
		const struct topo_host *owner = topo_site_lookup_host_mac(site, e->macs[i]);

		fprintf(out, "%s%s", i ? ", " : "  mac ", topo_mac_format(e->macs[i], mac));
		if (owner && owner != e->host)
			fprintf(out, " (%s's)", owner->name);
	}
	fprintf(out, "  zone %s", e->zone ? e->zone->name : "-");
	if (e->host)
		fprintf(out, "  host %s", e->host->name);
	fputc('\n', out);
}

static void text_finding(FILE *out, const struct an_audit_view *r, const struct an_finding *f,
			 const struct an_output_options *o)
{
	char t1[48], t2[48], filter[512], msg[640];
	const struct topo_site *site = r->site;
	const struct words *w = words_for(o);
	bool ja = o && o->japanese;

	fprintf(out, "  [%s] %s\n", an_check_id(f->check),
		ja ? an_finding_message(site, f, true, msg, sizeof(msg)) : f->message ? f->message : "");
	if (ja)
		fprintf(out, "    %s%s\n", w->rule, an_check_requirement(f->check));
	else
		fprintf(out, "    %s%s — %s\n", w->rule, an_check_requirement(f->check), an_check_gloss(f->check));
	if (an_check_is_station(f->check)) {
		text_endpoint(out, site, w->station, &f->src);
		for (unsigned i = 0; i < f->n_observed; i++) {
			const struct probe_obs *ob = &f->observed[i];
			char ip[TOPO_ADDR_STRLEN];
			const struct topo_area *area = ob->area >= 0 ? topo_site_area(site, (size_t)ob->area) : NULL;

			fprintf(out, "    %s%s %s", i ? w->blank : w->seen, topo_addr_format(&ob->ip, ip),
				area ? area->name : "-");
			if (ob->vlan >= 0)
				fprintf(out, " VLAN %d", ob->vlan);
			fprintf(out, w->seen_line, ob->via_arp ? "ARP" : "IP", view_capture(r, ob->first_frame.file),
				ob->first_frame.frame, an_format_time(ob->first_ns, t1, sizeof(t1)));
			fprintf(out, w->times, ob->count);
			fputc('\n', out);
		}
	} else {
		text_endpoint(out, site, w->from, &f->src);
		text_endpoint(out, site, w->to, &f->dst);
		if (f->n_vlans) {
			fprintf(out, "    %s", w->vlan);
			for (unsigned i = 0; i < f->n_vlans; i++)
				fprintf(out, "%s%u", i ? "/" : "", f->vlans[i]);
			fputc('\n', out);
		}
		fprintf(out, "    %s%s → %s\n", w->when, an_format_time(f->first_ns, t1, sizeof(t1)),
			an_format_time(f->last_ns, t2, sizeof(t2)));
		fprintf(out, "    %s", w->traffic);
		fprintf(out, w->sent_back, f->packets[0], f->bytes[0], f->packets[1], f->bytes[1]);
		fprintf(out, "; %s; %s %s\n", f->established ? w->established : w->attempt, w->initiator_by,
			probe_initiator_reason_name(f->initiator));
		fprintf(out, "    %s%s #", w->frames, view_capture(r, f->first_frame.file));
		for (unsigned i = 0; i < f->n_frames; i++)
			fprintf(out, "%s%u", i ? ", " : "", f->frames[i].frame);
		fputc('\n', out);
	}
	fprintf(out, "    %s%s\n\n", w->wireshark, an_finding_wireshark_filter(f, filter, sizeof(filter)));
}

/* The period, the generation time and the inputs with their SHA-256. */
static void text_provenance(FILE *out, const struct an_audit_view *r, const struct words *w)
{
	const struct an_counters *c = r->counters;
	char t1[48], t2[48];
	const struct an_input *in = r->inputs;
	size_t n = r->n_inputs;

	if (c->packets_read)
		fprintf(out, w->period, an_format_time(c->first_ns, t1, sizeof(t1)), an_format_time(c->last_ns, t2, sizeof(t2)));
	fprintf(out, w->generated, an_format_time(r->generated_ns, t1, sizeof(t1)), SANSO_VERSION);
	for (size_t i = 0; i < n; i++)
		fprintf(out, strcmp(in[i].kind, "topology") == 0 ? w->topology : w->capture, in[i].path,
			in[i].hashed ? in[i].sha256 : "-");
}

/* The coverage warning, when the audit saw too little (nothing printed
 * otherwise). */
static void text_coverage(FILE *out, const struct an_audit_view *r, const struct words *w, bool ja)
{
	const struct an_counters *c = r->counters;
	const struct topo_site *site = r->site;
	unsigned problems = r->coverage;
	char list[2048] = "";

	if (!problems)
		return;
	fputs(w->coverage, out);
	for (size_t i = 0; i < sizeof(coverage_words) / sizeof(coverage_words[0]); i++)
		if (problems & coverage_words[i].bit)
			fprintf(out, "  - %s\n", ja ? coverage_words[i].ja : coverage_words[i].en);
	for (size_t i = 0; i < topo_site_n_areas(site); i++) {
		const struct topo_area *a = topo_site_area(site, i);
		if (!a->external && !an_counters_area_seen(c, i) && strlen(list) + strlen(a->name) + 3 < sizeof(list))
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", list[0] ? ", " : "", a->name);
	}
	if (list[0])
		fprintf(out, w->zones_not_seen, list);
	list[0] = '\0';
	for (unsigned v = 0; v < 4096; v++)
		if (an_counters_vlan_seen(c, v) && strlen(list) + 8 < sizeof(list))
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%u", list[0] ? ", " : "", v);
	fprintf(out, w->vlans_seen, list[0] ? list : "-");
	fputc('\n', out);
}

static int write_text(const struct an_audit_view *r, const struct an_output_options *o, FILE *out)
{
	const struct an_counters *c = r->counters;
	const struct topo_site *site = r->site;
	const struct an_finding **v = sorted(r, severity_then_time);
	size_t n = r->n_findings;
	uint64_t total = 0;
	const struct words *w = words_for(o);

	if (!v)
		return -ENOMEM;
	for (unsigned i = 0; i < _AN_CHECK_MAX; i++)
		total += c->findings[i];

	if (!o->quiet) {
		fprintf(out, w->title, topo_site_name(site), topo_model_name(topo_site_model(site)));
		fputc('\n', out);
		text_provenance(out, r, w);
		fprintf(out, w->packets, c->packets_read, c->packets_undecoded, c->flows);
	}
	text_coverage(out, r, w, o->japanese);

	for (int sev = AN_SEV_CRITICAL; sev >= AN_SEV_LOW; sev--) {
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			k += an_check_severity(v[i]->check) == (enum an_severity)sev;
		if (!k)
			continue;
		fprintf(out, "%s (%zu)\n\n", w->severity[sev], k);
		for (size_t i = 0; i < n; i++)
			if (an_check_severity(v[i]->check) == (enum an_severity)sev)
				text_finding(out, r, v[i], o);
	}

	if (!o->quiet) {
		if (total == 0)
			fprintf(out, "%s\n", r->coverage ? w->no_findings_unjudged : w->no_findings);
		else {
			fprintf(out, w->findings_total, total, total == 1 || o->japanese ? "" : "s");
			for (unsigned i = 0; i < _AN_CHECK_MAX; i++)
				if (c->findings[i])
					fprintf(out, " %s %" PRIu64, an_check_id(i), c->findings[i]);
			fputc('\n', out);
		}
		if (r->findings_not_kept)
			fprintf(out, w->not_kept, r->findings_not_kept);
		if (r->findings_not_kept)
			fputc('\n', out);
		for (size_t i = 0; i < r->n_evidence; i++)
			fprintf(out, w->evidence, r->evidence[i]);
		if (o->verbose)
			fprintf(out, "flows: %" PRIu64 " created, %" PRIu64 " evicted for room, peak %zu live; "
				     "undecoded: %" PRIu64 " truncated, %" PRIu64 " malformed, %" PRIu64 " unsupported link type\n",
				c->flow_stats.created, c->flow_stats.ended_capacity, c->flow_stats.peak,
				c->undecoded_by_status[PROBE_TRUNCATED], c->undecoded_by_status[PROBE_MALFORMED],
				c->undecoded_by_status[PROBE_UNSUPPORTED_LINKTYPE]);
	}
	free(v);
	return ferror(out) ? -EIO : 0;
}

#pragma GCC diagnostic pop

/* ------------------------------------------------------------ XML, HTML */

/* The five XML special characters; everything else (UTF-8 included)
 * passes through.  Control characters other than tab and newline are not
 * allowed in XML 1.0 and are dropped. */
void an_xml_escape(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, out);
		}
	}
}

/* The text block of one finding, as a string (caller frees). */
static char *finding_block(const struct an_audit_view *r, const struct an_finding *f, const struct an_output_options *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	text_finding(m, r, f, o);
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Ant's JUnit timestamp: local-free ISO 8601 without zone or fraction (UTC) */
static char *junit_time(uint64_t ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&sec, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	return buf;
}

static void junit_case(FILE *out, const char *classname, const char *suite, const struct an_junit_case *c, bool failed,
		       bool skipped, const char *type, const char *why)
{
	fprintf(out, "    <testcase classname=\"%s.", classname);
	an_xml_escape(out, suite);
	fputs("\" name=\"", out);
	an_xml_escape(out, c->name);
	fputs("\" time=\"0\"", out);
	if (!failed && !skipped && !c->block) {
		fputs("/>\n", out);
		return;
	}
	fputs(">\n", out);
	if (failed) {
		fprintf(out, "      <failure type=\"%s\" message=\"", type);
		an_xml_escape(out, why ? why : c->name);
		fputs("\">", out);
		an_xml_escape(out, c->block);
		fputs("</failure>\n", out);
	} else {
		if (skipped) {
			fputs("      <skipped message=\"", out);
			an_xml_escape(out, why);
			fputs("\"/>\n", out);
		}
		if (c->block) {
			fputs("      <system-out>", out);
			an_xml_escape(out, c->block);
			fputs("</system-out>\n", out);
		}
	}
	fputs("    </testcase>\n", out);
}

int an_junit_write(FILE *out, const struct an_junit *j, const struct an_output_options *o)
{
	char ts[32], why[160];
	bool ja = o->japanese;
	size_t tests = 0, failures = 0, skipped = 0;

	/* the totals first: the root carries them */
	for (unsigned k = j->first; k < j->end; k++) {
		size_t nk = 0;
		for (size_t i = 0; i < j->n_cases; i++)
			if (j->cases[i].check == k) {
				nk++;
				if (an_check_severity(k) >= o->fail_on)
					failures++;
				else
					skipped++;
			}
		tests += nk ? nk : 1;
	}
	for (size_t i = 0; i < j->n_extra_cases; i++) {
		tests++;
		failures += j->extra_cases[i].fail;
		skipped += !j->extra_cases[i].fail && j->extra_cases[i].skip;
	}
	junit_time(j->generated_ns, ts, sizeof(ts));
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", out);
	an_xml_escape(out, j->title);
	(void)skipped; /* the root has no attribute for them (Jenkins' junit-10.xsd): the suites do */
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\">\n", tests, failures, j->seconds);
	for (unsigned k = j->first; k < j->end; k++) {
		size_t nk = 0, fk = 0;
		bool fails = an_check_severity(k) >= o->fail_on;
		for (size_t i = 0; i < j->n_cases; i++)
			nk += j->cases[i].check == k;
		fk = fails ? nk : 0;
		fprintf(out, "  <testsuite name=\"%s\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" "
			     "time=\"0\" timestamp=\"%s\">\n",
			an_check_id(k), nk ? nk : 1, fk, nk - fk, ts);
		fprintf(out, "    <properties>\n      <property name=\"severity\" value=\"%s\"/>\n"
			     "      <property name=\"requirement\" value=\"",
			an_severity_name(an_check_severity(k)));
		an_xml_escape(out, an_check_requirement(k));
		fputs("\"/>\n    </properties>\n", out);
		if (!nk) {
			struct an_junit_case none = {.name = ja ? "指摘なし" : "no findings"};
			junit_case(out, j->classname, an_check_id(k), &none, false, false, NULL, NULL);
		}
		snprintf(why, sizeof(why), ja ? "--fail-on %s 未満 (重大度 %s)" : "below --fail-on %s (severity %s)",
			 an_severity_name(o->fail_on),
			 ja ? an_severity_heading(an_check_severity(k), true) : an_severity_name(an_check_severity(k)));
		for (size_t i = 0; i < j->n_cases; i++)
			if (j->cases[i].check == k)
				junit_case(out, j->classname, an_check_id(k), &j->cases[i], fails, !fails,
					   an_severity_name(an_check_severity(k)), fails ? NULL : why);
		fputs("  </testsuite>\n", out);
	}
	for (size_t x = 0; x < j->n_extra; x++) {
		size_t nx = 0, fx = 0, sx = 0;
		for (size_t i = 0; i < j->n_extra_cases; i++)
			if (j->extra_cases[i].check == x) {
				nx++;
				fx += j->extra_cases[i].fail;
				sx += !j->extra_cases[i].fail && j->extra_cases[i].skip;
			}
		fputs("  <testsuite name=\"", out);
		an_xml_escape(out, j->extra[x]);
		fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"0\" timestamp=\"%s\">\n", nx,
			fx, sx, ts);
		for (size_t i = 0; i < j->n_extra_cases; i++)
			if (j->extra_cases[i].check == x)
				junit_case(out, j->classname, j->extra[x], &j->extra_cases[i], j->extra_cases[i].fail,
					   j->extra_cases[i].skip, j->extra[x], j->extra_cases[i].why);
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
	return ferror(out) ? -EIO : 0;
}

/* The audit as JUnit: the traffic and station checks, and whether the
 * captures showed enough to judge (COVERAGE). */
static int write_junit(const struct an_audit_view *r, const struct an_output_options *o, FILE *out)
{
	const struct an_finding **v = sorted(r, by_frame);
	size_t n = r->n_findings;
	struct an_junit_case *cases = calloc(n + 1, sizeof(*cases));
	char **names = calloc(n + 1, sizeof(*names));
	char title[512], cov[2048] = "";
	int ret = -ENOMEM;

	if (!v || !cases || !names)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char msg[640];
		names[i] = strdup(o->japanese ? an_finding_message(r->site, v[i], true, msg, sizeof(msg))
					      : v[i]->message ? v[i]->message : "");
		cases[i] = (struct an_junit_case){.check = v[i]->check, .name = names[i] ? names[i] : "",
						  .block = finding_block(r, v[i], o)};
	}
	unsigned problems = r->coverage;
	for (size_t i = 0; i < sizeof(coverage_words) / sizeof(coverage_words[0]); i++)
		if (problems & coverage_words[i].bit)
			snprintf(cov + strlen(cov), sizeof(cov) - strlen(cov), "%s%s", cov[0] ? "; " : "",
				 o->japanese ? coverage_words[i].ja : coverage_words[i].en);
	const char *const extra[] = {"COVERAGE"};
	struct an_junit_case cov_case = {
		.check = 0,
		.name = o->japanese ? "キャプチャの網羅性" : "the captures show the site's traffic",
		.fail = problems != 0,
		.why = cov,
	};
	snprintf(title, sizeof(title), "sanso audit: %s", topo_site_name(r->site));
	struct an_junit j = {
		.title = title,
		.classname = "sanso.audit",
		.generated_ns = r->generated_ns,
		.seconds = r->seconds,
		.first = 0,
		.end = AN_CHECK_RULESET_MYNUMBER_OPEN,
		.cases = cases,
		.n_cases = n,
		.extra = extra,
		.n_extra = 1,
		.extra_cases = &cov_case,
		.n_extra_cases = 1,
	};
	ret = an_junit_write(out, &j, o);
out:
	for (size_t i = 0; cases && i < n; i++)
		free((char *)cases[i].block);
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(cases);
	free(names);
	free(v);
	return ret;
}

/* A self-contained HTML page: the same blocks as the text report, grouped
 * by severity, for handing to people who don't read terminals. */
static int write_html(const struct an_audit_view *r, const struct an_output_options *o, FILE *out)
{
	const struct an_counters *c = r->counters;
	const struct topo_site *site = r->site;
	const struct an_finding **v = sorted(r, severity_then_time);
	size_t n = r->n_findings;

	if (!v)
		return -ENOMEM;
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head><meta charset=\"utf-8\"><title>sanso audit: ",
		o->japanese ? "ja" : "en");
	an_xml_escape(out, topo_site_name(site));
	fputs("</title>\n<style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:.8em;"
	      "overflow-x:auto}.critical{color:#a00}.high{color:#c50}.medium{color:#870}.low{color:#555}"
	      "td,th{padding:.2em .8em;text-align:left}.warning{background:#fff3cd;color:#664d03;border:1px solid #ffe69c}"
	      "</style></head>\n<body>\n<h1>sanso audit: ", out);
	an_xml_escape(out, topo_site_name(site));
	bool ja = o->japanese;
	fprintf(out, ja ? "</h1>\n<p>モデル %s、" : "</h1>\n<p>model %s; ", topo_model_name(topo_site_model(site)));
	for (size_t i = 0; i < r->n_captures; i++) {
		fputs(i ? ", " : ja ? "キャプチャ: " : "captures: ", out);
		an_xml_escape(out, view_capture(r, i));
	}
	fprintf(out, ja ? "、%" PRIu64 " パケット読み込み、%" PRIu64 " 解析不能、%" PRIu64 " 接続。</p>\n"
			: "; %" PRIu64 " packets read, %" PRIu64 " undecoded, %" PRIu64 " connections.</p>\n",
		c->packets_read, c->packets_undecoded, c->flows);
	for (int part = 0; part < 2; part++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		if (!m)
			break;
		if (part == 0)
			text_provenance(m, r, words_for(o));
		else
			text_coverage(m, r, words_for(o), o->japanese);
		if (fclose(m) == 0 && len) {
			fputs(part == 0 ? "<pre class=\"provenance\">" : "<pre class=\"warning\">", out);
			an_xml_escape(out, buf);
			fputs("</pre>\n", out);
		}
		free(buf);
	}
	fputs(ja ? "<table>\n<tr><th>チェック</th><th>重大度</th><th>指摘</th></tr>\n"
		 : "<table>\n<tr><th>check</th><th>severity</th><th>findings</th></tr>\n",
	      out);
	for (unsigned k = 0; k < _AN_CHECK_MAX; k++)
		fprintf(out, "<tr><td>%s</td><td class=\"%s\">%s</td><td>%" PRIu64 "</td></tr>\n", an_check_id(k),
			an_severity_name(an_check_severity(k)), an_severity_heading(an_check_severity(k), ja), c->findings[k]);
	fputs("</table>\n", out);
	for (int sev = AN_SEV_CRITICAL; sev >= AN_SEV_LOW; sev--) {
		bool header = false;

		for (size_t i = 0; i < n; i++) {
			char *block;

			if (an_check_severity(v[i]->check) != (enum an_severity)sev)
				continue;
			if (!header) {
				fprintf(out, "<h2 class=\"%s\">%s</h2>\n", an_severity_name(sev), an_severity_heading(sev, ja));
				header = true;
			}
			block = finding_block(r, v[i], o);
			fputs("<pre>", out);
			if (block)
				an_xml_escape(out, block);
			fputs("</pre>\n", out);
			free(block);
		}
	}
	if (n == 0)
		fprintf(out, "<p>%s</p>\n", r->coverage ? words_for(o)->no_findings_unjudged : words_for(o)->no_findings);
	fputs("</body>\n</html>\n", out);
	free(v);
	return ferror(out) ? -EIO : 0;
}

static int report_write(const struct an_audit_view *r, const struct an_output_options *o, FILE *out);

/* 9 digits when any time the report prints has nanoseconds, else 6 */
static int report_digits(const struct an_audit_view *r)
{
	const struct an_counters *c = r->counters;

	if (c->first_ns % 1000 || c->last_ns % 1000)
		return 9;
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct an_finding *f = r->findings[i];
		if (f->first_ns % 1000 || f->last_ns % 1000)
			return 9;
		for (unsigned k = 0; k < f->n_observed; k++)
			if (f->observed[k].first_ns % 1000)
				return 9;
	}
	return 6;
}

int an_audit_write(const struct an_audit_view *r, const struct an_output_options *o, FILE *out)
{
	int ret;

	an_time_digits(report_digits(r));
	ret = report_write(r, o, out);
	an_time_digits(0);
	return ret;
}

static int report_write(const struct an_audit_view *r, const struct an_output_options *o, FILE *out)
{
	switch (o->format) {
	case AN_FORMAT_JSON:
		return write_json(r, o, out);
	case AN_FORMAT_JUNIT:
		return write_junit(r, o, out);
	case AN_FORMAT_HTML:
		return write_html(r, o, out);
	case AN_FORMAT_TEXT:
	default:
		return write_text(r, o, out);
	}
}
