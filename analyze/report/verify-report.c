/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `sanso verify` report: text, JSON Lines, HTML and JUnit, in the same
 * shapes as the audit report (docs/cli.md).  A ruleset finding carries the
 * firewall, the zones, an example packet and the rules instead of packet
 * evidence.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "report.h"
#include "sanso-config.h"

/* The findings, most severe first, each severity in the order found. */
static const struct an_finding **by_severity(const struct an_verify_view *r)
{
	size_t n = r->n_findings, k = 0;
	const struct an_finding **v = malloc((n ? n : 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (int sev = AN_SEV_CRITICAL; sev >= AN_SEV_LOW; sev--)
		for (size_t i = 0; i < n; i++)
			if (an_check_severity(r->findings[i]->check) == (enum an_severity)sev)
				v[k++] = r->findings[i];
	return v;
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

static json_t *json_vfinding(const struct topo_site *site, const struct an_finding *f, bool ja)
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
	for (size_t i = 0; i < f->n_rules; i++) {
		json_t *x = json_object();
		json_object_set_new(x, "location", json_string(f->rules[i].location));
		json_object_set_new(x, "chain", json_string(f->rules[i].chain));
		json_object_set_new(x, "text", json_string(f->rules[i].text));
		json_object_set_new(x, "verdict", json_string(f->rules[i].verdict));
		json_object_set_new(x, "index", f->rules[i].index ? json_integer((json_int_t)f->rules[i].index) : json_null());
		json_object_set_new(x, "handle", f->rules[i].handle ? json_integer((json_int_t)f->rules[i].handle) : json_null());
		json_array_append_new(rules, x);
	}
	json_object_set_new(o, "rules", rules);
	json_object_set_new(o, "approximate", json_boolean(f->approximate));
	return o;
}

static json_t *json_vsummary(const struct an_verify_view *r)
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
		struct an_vfw_summary s;
		json_t *x = json_object();
		s = r->firewalls[i];
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

static int write_json(const struct an_verify_view *r, const struct an_output_options *o, FILE *out)
{
	int ret = 0;

	uint64_t gen = r->generated_ns;
	char t[48];
	an_time_digits(6); /* no capture: the generation time alone, in microseconds */
	an_format_time(gen, t, sizeof(t));
	for (size_t i = 0; i < r->n_findings && ret == 0; i++) {
		json_t *x = json_vfinding(r->site, r->findings[i], o->japanese);
		json_object_set_new(x, "timestamp", json_string(t));
		ret = an_json_line(x, out);
	}
	if (ret == 0)
		ret = an_json_line(json_vsummary(r), out);
	an_time_digits(0);
	return ret;
}

/* ------------------------------------------------------------------- text */

static void text_example(FILE *out, const struct an_vpacket *p, const char *label)
{
	char pk[512], mac[TOPO_MAC_STRLEN];

	an_describe_vpacket(p, pk, sizeof(pk));
	fprintf(out, "    %s%s (%s → %s, %s → %s)", label, pk, p->src_zone ? p->src_zone->name : "-",
		p->dst_zone ? p->dst_zone->name : "-", p->iif, p->oif[0] ? p->oif : "the firewall itself");
	if (p->has_mac)
		fprintf(out, " from MAC %s", topo_mac_format(p->smac, mac));
	fputc('\n', out);
}

static void text_vfinding(FILE *out, const struct topo_site *site, const struct an_finding *f, bool ja)
{
	char msg[AN_MESSAGE_MAX];

	fprintf(out, "  [%s] %s\n", an_check_id(f->check), an_finding_message(site, f, ja, msg, sizeof(msg)));
	if (ja)
		fprintf(out, "    %s%s\n", "要件      ", an_check_requirement(f->check));
	else
		fprintf(out, "    rule      %s — %s\n", an_check_requirement(f->check), an_check_gloss(f->check));
	fprintf(out, "    %s%s", ja ? "FW        " : "firewall  ", f->fw->name);
	if (f->src.zone || f->dst.zone)
		fprintf(out, "  %s → %s", f->src.zone ? f->src.zone->name : "-", f->dst.zone ? f->dst.zone->name : "-");
	if (f->flow)
		fprintf(out, "  %s %s", ja ? "通信" : "flow", f->flow->name);
	fputc('\n', out);
	if (f->has_example)
		text_example(out, &f->example, ja ? "例        " : "example   ");
	for (size_t i = 0; i < f->n_rules; i++)
		fprintf(out, "    %s%s  [%s] %s  → %s\n", i ? "          " : ja ? "規則      " : "rules     ",
			f->rules[i].location, f->rules[i].chain, f->rules[i].text, f->rules[i].verdict);
	if (f->approximate)
		fprintf(out, "    %s\n", ja ? "(近似: このファイアウォールには解析できない規則があります)"
				     : "(approximate: this firewall has rules sanso cannot model)");
	fputc('\n', out);
}

/* When the report was made, and the SHA-256 of what it was made from. */
static void text_provenance(FILE *out, const struct an_verify_view *r, bool ja)
{
	char t[48];
	uint64_t gen = r->generated_ns;
	const struct an_input *in = r->inputs;
	size_t n = r->n_inputs;

	fprintf(out, ja ? "  作成       %s (sanso %s)\n" : "  generated  %s by sanso %s\n", an_format_time(gen, t, sizeof(t)),
		SANSO_VERSION);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %-10s %s  sha256 %s\n",
			strcmp(in[i].kind, "topology") == 0 ? (ja ? "トポロジ" : "topology") : (ja ? "ルールセット" : "ruleset"),
			in[i].path, in[i].hashed ? in[i].sha256 : "-");
}

static int write_text(const struct an_verify_view *r, const struct an_output_options *o, FILE *out)
{
	const struct topo_site *site = r->site;
	const uint64_t *counts = r->counts;
	size_t n = r->n_findings;
	bool ja = o->japanese;
	uint64_t total = 0;

	if (!o->quiet) {
		fprintf(out, ja ? "sanso 設定検証 — %s (モデル %s)\n" : "sanso verify — %s (model %s)\n", topo_site_name(site),
			topo_model_name(topo_site_model(site)));
		for (size_t i = 0; i < r->n_firewalls; i++) {
			struct an_vfw_summary s;
			s = r->firewalls[i];
			if (!s.source) {
				fprintf(out, ja ? "  %-10s (ルールセットなし: 未検証)\n" : "  %-10s (no ruleset: not verified)\n",
					s.fw->name);
				continue;
			}
			fprintf(out, "  %-10s %s: %zu tables, %zu chains, %zu rules, %zu sets (%zu elements), %.3f s%s\n",
				s.fw->name, s.source, s.tables, s.chains, s.rules, s.sets, s.elements, s.seconds,
				s.approximate ? (ja ? " — 近似" : " — approximate") : "");
		}
		text_provenance(out, r, ja);
		fputc('\n', out);
	}
	for (int sev = AN_SEV_CRITICAL; sev >= AN_SEV_LOW; sev--) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			k += an_check_severity(r->findings[i]->check) == (enum an_severity)sev;
		if (!k)
			continue;
		fprintf(out, "%s (%zu)\n\n", an_severity_heading((enum an_severity)sev, ja), k);
		for (size_t i = 0; i < n; i++)
			if (an_check_severity(r->findings[i]->check) == (enum an_severity)sev)
				text_vfinding(out, site, r->findings[i], ja);
	}
	for (unsigned i = 0; i < _AN_CHECK_MAX; i++)
		total += counts[i];
	if (!o->quiet) {
		if (!total)
			fputs(ja ? "指摘なし: ルールセットは三層分離を守っています。\n"
				 : "No findings: the rulesets keep the three-tier separation.\n",
			      out);
		else {
			fprintf(out, ja ? "指摘 %" PRIu64 " 件:" : "%" PRIu64 " finding%s:", total, ja || total == 1 ? "" : "s");
			for (unsigned i = 0; i < _AN_CHECK_MAX; i++)
				if (counts[i])
					fprintf(out, " %s %" PRIu64, an_check_id(i), counts[i]);
			fputc('\n', out);
		}
		if (r->not_kept)
			fprintf(out, "(%" PRIu64 " further findings counted but not listed: --max-findings)\n",
				r->not_kept);
	}
	return ferror(out) ? -EIO : 0;
}

/* ------------------------------------------------------------ XML, HTML */

/* one finding as the text report words it, for <failure> and <pre> */
static char *block(const struct topo_site *site, const struct an_finding *f, bool ja)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	text_vfinding(m, site, f, ja);
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The same JUnit layout as the audit's (report.c): a suite per ruleset
 * check, and FIREWALLS with one case per firewall (skipped when it has no
 * ruleset to verify). */
static int write_junit(const struct an_verify_view *r, const struct an_output_options *o, FILE *out)
{
	size_t n = r->n_findings, nfw = r->n_firewalls;
	struct an_junit_case *cases = calloc(n + 1, sizeof(*cases)), *fws = calloc(nfw + 1, sizeof(*fws));
	char **names = calloc(n + 1, sizeof(*names));
	char title[512];
	double seconds = 0;
	int ret = -ENOMEM;

	if (!cases || !fws || !names)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct an_finding *f = r->findings[i];
		char msg[AN_MESSAGE_MAX];
		names[i] = strdup(an_finding_message(r->site, f, o->japanese, msg, sizeof(msg)));
		cases[i] = (struct an_junit_case){.check = f->check, .name = names[i] ? names[i] : "",
						  .block = block(r->site, f, o->japanese)};
	}
	for (size_t i = 0; i < nfw; i++) {
		struct an_vfw_summary s;
		s = r->firewalls[i];
		seconds += s.seconds;
		fws[i] = (struct an_junit_case){.check = 0, .name = s.fw->name, .skip = !s.source,
						.why = o->japanese ? "ルールセットなし: 未検証" : "no ruleset: not verified"};
	}
	const char *const extra[] = {"FIREWALLS"};
	snprintf(title, sizeof(title), "sanso verify: %s", topo_site_name(r->site));
	uint64_t gen = r->generated_ns;
	struct an_junit j = {
		.title = title,
		.classname = "sanso.verify",
		.generated_ns = gen,
		.seconds = seconds,
		.first = AN_CHECK_RULESET_MYNUMBER_OPEN,
		.end = _AN_CHECK_MAX,
		.cases = cases,
		.n_cases = n,
		.extra = extra,
		.n_extra = 1,
		.extra_cases = fws,
		.n_extra_cases = nfw,
	};
	ret = an_junit_write(out, &j, o);
out:
	for (size_t i = 0; cases && i < n; i++)
		free((char *)cases[i].block);
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	free(cases);
	free(fws);
	return ret;
}

static int write_html(const struct an_verify_view *r, const struct an_output_options *o, FILE *out)
{
	const struct topo_site *site = r->site;
	const struct an_finding **v = by_severity(r);

	if (!v)
		return -ENOMEM;
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>sanso verify — ",
		o->japanese ? "ja" : "en");
	an_xml_escape(out, topo_site_name(site));
	fputs("</title><style>body{font-family:sans-serif}pre{background:#f4f4f4;padding:.5em}"
	      ".critical{color:#a00}.high{color:#c50}.medium{color:#850}.low{color:#555}</style></head><body>\n<h1>sanso verify — ",
	      out);
	an_xml_escape(out, topo_site_name(site));
	fputs("</h1>\n", out);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (m) {
		text_provenance(m, r, o->japanese);
		if (fclose(m) == 0 && len) {
			fputs("<pre class=\"provenance\">", out);
			an_xml_escape(out, buf);
			fputs("</pre>\n", out);
		}
		free(buf);
	}
	if (r->n_findings == 0)
		fputs(o->japanese ? "<p>指摘なし</p>\n" : "<p>No findings.</p>\n", out);
	for (size_t i = 0; i < r->n_findings; i++) {
		const char *sev = an_severity_name(an_check_severity(v[i]->check));
		char *b = block(site, v[i], o->japanese);
		fprintf(out, "<h2 class=\"%s\">%s ", sev, an_severity_heading(an_check_severity(v[i]->check), o->japanese));
		an_xml_escape(out, an_check_id(v[i]->check));
		fputs("</h2>\n<pre>", out);
		an_xml_escape(out, b);
		fputs("</pre>\n", out);
		free(b);
	}
	fputs("</body></html>\n", out);
	free(v);
	return ferror(out) ? -EIO : 0;
}

int an_verify_write(const struct an_verify_view *r, const struct an_output_options *o, FILE *out)
{
	switch (o->format) {
	case AN_FORMAT_JSON:
		return write_json(r, o, out);
	case AN_FORMAT_HTML:
		return write_html(r, o, out);
	case AN_FORMAT_JUNIT:
		return write_junit(r, o, out);
	case AN_FORMAT_TEXT:
		break;
	}
	return write_text(r, o, out);
}
