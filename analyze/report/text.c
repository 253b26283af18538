/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The text report, for people: a header (what was judged, from what, with
 * SHA-256), the findings grouped by severity, one block per finding with
 * its evidence — packets and a Wireshark filter for traffic, observations
 * for stations, the example packet and the deciding rules for rulesets —
 * and the counts.  The HTML page and JUnit's failures show the same
 * blocks (an_text_block).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report-internal.h"
#include "sanso-config.h"

/* The text writers print through the format strings of the word tables
 * (words.c): constants, the same conversions in both languages, and both
 * exercised by the tests — so -Wformat-nonliteral is silenced here only. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* ------------------------------------------------------- finding blocks */

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

/* A finding's rules, one a line, the first after the label (10 columns) */
static void text_rules(FILE *out, const char *label, const struct an_finding *f)
{
	for (size_t i = 0; i < f->n_rules; i++)
		fprintf(out, "    %s%s  [%s] %s  → %s\n", i ? "          " : label, f->rules[i].location, f->rules[i].chain,
			f->rules[i].text, f->rules[i].verdict);
}

/* What the firewall between the zones does with the connection's first
 * packet: each base chain's deciding rule, the last one deciding. */
static void text_verdict(FILE *out, const struct an_finding *f, bool ja)
{
	fprintf(out, "    %s%s %s%s\n", ja ? "FW 判定   " : "ruleset   ", f->fw ? f->fw->name : "?",
		f->verdict_accept ? (ja ? "許可" : "accepts it") : (ja ? "破棄" : "drops it"),
		f->approximate ? (ja ? " (近似)" : " (approximate)") : "");
	text_rules(out, "          ", f);
}

static void traffic_block(const struct an_writer *wr, FILE *out, const struct an_finding *f)
{
	char t1[48], t2[48], filter[512], msg[AN_MESSAGE_MAX];
	const struct an_view *r = wr->v;
	const struct topo_site *site = r->site;
	const struct an_words *w = wr->w;
	bool ja = wr->ja;

	fprintf(out, "  [%s] %s\n", an_check_id(f->check), an_writer_message(wr, f, msg, sizeof(msg)));
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
			fprintf(out, w->seen_line, ob->via_arp ? "ARP" : "IP", an_view_capture(r, ob->first_frame.file),
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
		fprintf(out, "    %s%s #", w->frames, an_view_capture(r, f->first_frame.file));
		for (unsigned i = 0; i < f->n_frames; i++)
			fprintf(out, "%s%u", i ? ", " : "", f->frames[i].frame);
		fputc('\n', out);
		if (f->has_verdict)
			text_verdict(out, f, ja);
	}
	fprintf(out, "    %s%s\n\n", w->wireshark, an_finding_wireshark_filter(f, filter, sizeof(filter)));
}

/* FLOW-UNUSED: the flow, where the topology declares it, the period */
static void review_block(const struct an_writer *wr, FILE *out, const struct an_finding *f)
{
	char msg[AN_MESSAGE_MAX], t1[48], t2[48];
	bool ja = wr->ja;

	fprintf(out, "  [%s] %s\n", an_check_id(f->check), an_writer_message(wr, f, msg, sizeof(msg)));
	if (ja)
		fprintf(out, "    %s%s\n", wr->w->rule, an_check_requirement(f->check));
	else
		fprintf(out, "    %s%s — %s\n", wr->w->rule, an_check_requirement(f->check), an_check_gloss(f->check));
	if (f->flow)
		fprintf(out, "    %s%s (%s), %s:%u\n", ja ? "通信      " : "flow      ", f->flow->name,
			topo_flow_kind_name(f->flow->kind), topo_site_path(wr->v->site), f->flow->line);
	if (f->first_ns)
		fprintf(out, "    %s%s → %s\n\n", wr->w->when, an_format_time(f->first_ns, t1, sizeof(t1)),
			an_format_time(f->last_ns, t2, sizeof(t2)));
	else
		fputc('\n', out);
}

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

static void ruleset_block(const struct an_writer *wr, FILE *out, const struct an_finding *f)
{
	char msg[AN_MESSAGE_MAX];
	bool ja = wr->ja;

	fprintf(out, "  [%s] %s\n", an_check_id(f->check), an_writer_message(wr, f, msg, sizeof(msg)));
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
	text_rules(out, ja ? "規則      " : "rules     ", f);
	if (f->approximate)
		fprintf(out, "    %s\n", ja ? "(近似: このファイアウォールには解析できない規則があります)"
				     : "(approximate: this firewall has rules sanso cannot model)");
	fputc('\n', out);
}

/* a change of sanso diff */
static void change_block(const struct an_writer *wr, FILE *out, const struct an_finding *f)
{
	char msg[AN_MESSAGE_MAX];
	bool ja = wr->ja, none;
	enum an_severity sev = an_change_severity(f, &none);

	fprintf(out, "  [%s%s%s] %s\n", f->change == AN_CHANGE_OPENED ? "OPENED" : "CLOSED", f->has_check ? " " : "",
		f->has_check ? an_check_id(f->check) : "", an_writer_message(wr, f, msg, sizeof(msg)));
	fprintf(out, "    %s%s  %s → %s%s%s\n", ja ? "FW        " : "firewall  ", f->fw->name,
		f->src.zone ? f->src.zone->name : "-", f->dst.zone ? f->dst.zone->name : "-",
		none ? "" : ja ? "  重大度 " : "  severity ", none ? "" : an_severity_name(sev));
	if (f->has_check)
		fprintf(out, "    %s%s\n", ja ? "要件      " : "rule      ", an_check_requirement(f->check));
	if (f->flow)
		fprintf(out, "    %s%s (%s)\n", ja ? "通信      " : "flow      ", f->flow->name, topo_flow_kind_name(f->flow->kind));
	fprintf(out, "    %s%s\n", ja ? "パケット  " : "packets   ", f->detail ? f->detail : "");
	if (f->has_example)
		text_example(out, &f->example, ja ? "例        " : "example   ");
	text_rules(out, f->by_topology		  ? (ja ? "規則      " : "rules     ")
			: f->change == AN_CHANGE_OPENED ? (ja ? "変更後    " : "after     ")
							: (ja ? "変更前    " : "before    "),
		   f);
	if (f->approximate)
		fprintf(out, "    %s\n", ja ? "(近似: 解析できない規則があります)" : "(approximate: a ruleset has rules sanso cannot model)");
	fputc('\n', out);
}

void an_text_block(const struct an_writer *w, FILE *out, const struct an_finding *f)
{
	if (f->change != AN_CHANGE_NONE)
		change_block(w, out, f);
	else if (an_check_is_ruleset(f->check))
		ruleset_block(w, out, f);
	else if (an_check_is_review(f->check))
		review_block(w, out, f);
	else
		traffic_block(w, out, f);
}

char *an_text_block_string(const struct an_writer *w, const struct an_finding *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	an_text_block(w, m, f);
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---------------------------------------------------------------- header */

/* The period, the generation time and the inputs with their SHA-256. */
static void audit_provenance(FILE *out, const struct an_view *r, const struct an_words *w)
{
	const struct an_counters *c = r->counters;
	char t1[48], t2[48];
	const struct an_input *in = r->inputs;
	size_t n = r->n_inputs;

	if (c->packets_read)
		fprintf(out, w->period, an_format_time(c->first_ns, t1, sizeof(t1)), an_format_time(c->last_ns, t2, sizeof(t2)));
	fprintf(out, w->generated, an_format_time(r->generated_ns, t1, sizeof(t1)), SANSO_VERSION);
	for (size_t i = 0; i < n; i++)
		fprintf(out,
			strcmp(in[i].kind, "topology") == 0  ? w->topology
			: strcmp(in[i].kind, "ruleset") == 0 ? w->ruleset
							     : w->capture,
			in[i].path,
			in[i].hashed ? in[i].sha256 : "-");
}

/* When the report was made, and the SHA-256 of what it was made from. */
static void verify_provenance(FILE *out, const struct an_view *r, bool ja)
{
	char t[48];
	uint64_t gen = r->generated_ns;
	const struct an_input *in = r->inputs;
	size_t n = r->n_inputs;

	fprintf(out, ja ? "  作成       %s (sanso %s)\n" : "  generated  %s by sanso %s\n", an_format_time(gen, t, sizeof(t)),
		SANSO_VERSION);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %-10s %s  sha256 %s\n",
			strncmp(in[i].kind, "topology", 8) == 0 ? (ja ? "トポロジ" : "topology") : (ja ? "ルールセット" : "ruleset"),
			in[i].path, in[i].hashed ? in[i].sha256 : "-");
}

void an_text_provenance(const struct an_writer *w, FILE *out)
{
	if (w->v->kind == AN_VIEW_VERIFY || w->v->kind == AN_VIEW_DIFF)
		verify_provenance(out, w->v, w->ja);
	else
		audit_provenance(out, w->v, w->w);
}

/* The coverage warning, when the audit saw too little (nothing printed
 * otherwise). */
void an_text_coverage(const struct an_writer *wr, FILE *out)
{
	const struct an_view *r = wr->v;
	const struct an_words *w = wr->w;
	bool ja = wr->ja;
	const struct an_counters *c = r->counters;
	const struct topo_site *site = r->site;
	unsigned problems = r->coverage;
	char list[2048] = "";

	if (!problems)
		return;
	fputs(w->coverage, out);
	for (size_t i = 0; i < an_n_coverage_words; i++)
		if (problems & an_coverage_words[i].bit)
			fprintf(out, "  - %s\n", ja ? an_coverage_words[i].ja : an_coverage_words[i].en);
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

/* ------------------------------------------------------------- rule usage */

#define USAGE_LIST_MAX 40 /* rules per list in text; the JSON summary has them all */

static bool accepting(const struct an_vrule *r)
{
	return strstr(r->verdict, "accept") || strcmp(r->verdict, "dnat") == 0;
}

static void usage_list(FILE *out, const struct an_fw_usage *u, int which, bool ja)
{
	size_t shown = 0, more = 0;

	for (size_t j = 0; j < u->n_rules; j++) {
		const struct an_rule_use *ru = &u->rules[j];
		bool in = which == 0   ? ru->connections > 0
			  : which == 1 ? ru->forbidden > 0 && accepting(&ru->rule)
				       : ru->connections == 0 && accepting(&ru->rule) && ru->rule.index;
		if (!in)
			continue;
		if (shown == USAGE_LIST_MAX) {
			more++;
			continue;
		}
		shown++;
		if (which == 2)
			fprintf(out, "      %s  %s\n", ru->rule.location, ru->rule.text);
		else
			fprintf(out, ja ? "      %6" PRIu64 " 接続 (うち禁止 %" PRIu64 ")  %s  %s\n" : "      %6" PRIu64 " × (%" PRIu64 " forbidden)  %s  %s\n",
				ru->connections, ru->forbidden, ru->rule.location, ru->rule.text);
	}
	if (!shown)
		fputs(ja ? "      なし\n" : "      none\n", out);
	if (more)
		fprintf(out, ja ? "      … ほか %zu 件 (--format json の summary.rulesets にすべて)\n"
				: "      … and %zu more (--format json lists them all in summary.rulesets)\n",
			more);
}

/* Reconciliation: per firewall, which rules the connections used, which
 * let forbidden ones through, and which accepting rules none used. */
void an_text_usage(const struct an_writer *wr, FILE *out)
{
	const struct an_view *r = wr->v;
	bool ja = wr->ja;

	for (size_t i = 0; i < r->n_usage; i++) {
		const struct an_fw_usage *u = &r->usage[i];
		fprintf(out, ja ? "ファイアウォール %s (%s): 横断した接続 %" PRIu64 " 件と規則\n"
				: "Firewall %s (%s): %" PRIu64 " connections across it, by rule\n",
			u->fw->name, u->source, u->connections);
		fputs(ja ? "    接続を判定した規則:\n" : "    rules that decided connections:\n", out);
		usage_list(out, u, 0, ja);
		fputs(ja ? "    禁止された接続を許可した規則 (塞ぐべき穴):\n" : "    rules that accepted forbidden connections (holes to close):\n", out);
		usage_list(out, u, 1, ja);
		fputs(ja ? "    どの接続にも使われなかった許可規則 (削除の候補):\n" : "    accepting rules no connection used (candidates for removal):\n", out);
		usage_list(out, u, 2, ja);
		fputc('\n', out);
	}
}

/* ------------------------------------------------------------------ ops */

static int text_begin(struct an_writer *wr)
{
	const struct an_view *r = wr->v;
	const struct topo_site *site = r->site;
	const struct an_words *w = wr->w;
	FILE *out = wr->out;
	bool ja = wr->ja;

	if (r->kind == AN_VIEW_DIFF) {
		if (wr->o->quiet)
			return 0;
		fprintf(out, ja ? "sanso 変更審査 — %s (モデル %s)\n" : "sanso diff — %s (model %s)\n", topo_site_name(site),
			topo_model_name(topo_site_model(site)));
		for (size_t i = 0; i < r->n_diffed; i++)
			fprintf(out, ja ? "  %-10s 変更前と変更後のルールセットを比較\n" : "  %-10s before and after compared\n",
				r->diffed[i]->name);
		an_text_provenance(wr, out);
		fputc('\n', out);
		return 0;
	}
	if (r->kind == AN_VIEW_VERIFY) {
		if (wr->o->quiet)
			return 0;
		fprintf(out, ja ? "sanso 設定検証 — %s (モデル %s)\n" : "sanso verify — %s (model %s)\n", topo_site_name(site),
			topo_model_name(topo_site_model(site)));
		for (size_t i = 0; i < r->n_firewalls; i++) {
			const struct an_vfw_summary *s = &r->firewalls[i];
			if (!s->source) {
				fprintf(out, ja ? "  %-10s (ルールセットなし: 未検証)\n" : "  %-10s (no ruleset: not verified)\n",
					s->fw->name);
				continue;
			}
			fprintf(out, "  %-10s %s: %zu tables, %zu chains, %zu rules, %zu sets (%zu elements), %.3f s%s\n",
				s->fw->name, s->source, s->tables, s->chains, s->rules, s->sets, s->elements, s->seconds,
				s->approximate ? (ja ? " — 近似" : " — approximate") : "");
		}
		an_text_provenance(wr, out);
		fputc('\n', out);
		return 0;
	}
	if (!wr->o->quiet) {
		const struct an_counters *c = r->counters;
		fprintf(out, w->title, topo_site_name(site), topo_model_name(topo_site_model(site)));
		fputc('\n', out);
		an_text_provenance(wr, out);
		fprintf(out, w->packets, c->packets_read, c->packets_undecoded, c->flows);
	}
	an_text_coverage(wr, out);
	return 0;
}

static int text_finding(struct an_writer *wr, const struct an_finding *f)
{
	enum an_severity sev = an_check_severity(f->check);

	if (f->change != AN_CHANGE_NONE) {
		change_block(wr, wr->out, f);
		return 0;
	}
	if ((int)sev != wr->sev) {
		wr->sev = (int)sev;
		fprintf(wr->out, "%s (%zu)\n\n", wr->w->severity[sev], an_view_count_severity(wr->v, sev));
	}
	an_text_block(wr, wr->out, f);
	return 0;
}

/* sanso diff: the rule-level changes, then the counts */
void an_text_diff_summary(const struct an_writer *wr, FILE *out)
{
	const struct an_view *r = wr->v;
	bool ja = wr->ja;

	for (size_t i = 0; i < r->n_rule_changes; i++) {
		const struct an_rule_change *x = &r->rule_changes[i];
		if (i == 0)
			fputs(ja ? "規則の変更:\n" : "Rule changes:\n", out);
		fprintf(out, "  %-8s %s  [%s] %s", x->change, x->fw->name, x->chain, x->text);
		if (x->before)
			fprintf(out, ja ? "  変更前 %s" : "  before %s", x->before);
		if (x->after)
			fprintf(out, ja ? "  変更後 %s" : "  after %s", x->after);
		if (!strcmp(x->change, "moved") && x->no_effect)
			fputs(ja ? "  (何も変えません)" : "  (changes nothing)", out);
		fputc('\n', out);
	}
	if (r->n_rule_changes)
		fputc('\n', out);
	if (!r->opened && !r->closed)
		fputs(ja ? "通過する通信は変わりません。\n" : "The change lets nothing new through and stops nothing.\n", out);
	else
		fprintf(out, ja ? "開かれる変更 %" PRIu64 " 件、閉じられる変更 %" PRIu64 " 件\n"
				: "%" PRIu64 " opened, %" PRIu64 " closed\n",
			r->opened, r->closed);
}

static int text_summary(struct an_writer *wr)
{
	const struct an_view *r = wr->v;
	const struct an_words *w = wr->w;
	FILE *out = wr->out;
	bool ja = wr->ja;
	uint64_t total = 0;

	for (unsigned i = 0; i < _AN_CHECK_MAX; i++)
		total += r->counts[i];
	if (wr->o->quiet)
		return 0;
	if (r->kind == AN_VIEW_DIFF) {
		an_text_diff_summary(wr, out);
		return 0;
	}
	if (r->kind == AN_VIEW_VERIFY) {
		if (!total)
			fputs(ja ? "指摘なし: ルールセットは三層分離を守っています。\n"
				 : "No findings: the rulesets keep the three-tier separation.\n",
			      out);
		else {
			fprintf(out, ja ? "指摘 %" PRIu64 " 件:" : "%" PRIu64 " finding%s:", total, ja || total == 1 ? "" : "s");
			for (unsigned i = 0; i < _AN_CHECK_MAX; i++)
				if (r->counts[i])
					fprintf(out, " %s %" PRIu64, an_check_id(i), r->counts[i]);
			fputc('\n', out);
		}
		if (r->not_kept)
			fprintf(out, "(%" PRIu64 " further findings counted but not listed: --max-findings)\n", r->not_kept);
		return 0;
	}
	const struct an_counters *c = r->counters;
	an_text_usage(wr, out);
	if (total == 0)
		fprintf(out, "%s\n", r->coverage ? w->no_findings_unjudged : w->no_findings);
	else {
		fprintf(out, w->findings_total, total, total == 1 || ja ? "" : "s");
		for (unsigned i = 0; i < _AN_CHECK_MAX; i++)
			if (r->counts[i])
				fprintf(out, " %s %" PRIu64, an_check_id(i), r->counts[i]);
		fputc('\n', out);
	}
	if (r->not_kept) {
		fprintf(out, w->not_kept, r->not_kept);
		fputc('\n', out);
	}
	for (size_t i = 0; i < r->n_evidence; i++)
		fprintf(out, w->evidence, r->evidence[i]);
	if (wr->o->verbose)
		fprintf(out, "flows: %" PRIu64 " created, %" PRIu64 " evicted for room, peak %zu live; "
			     "undecoded: %" PRIu64 " truncated, %" PRIu64 " malformed, %" PRIu64 " unsupported link type\n",
			c->flow_stats.created, c->flow_stats.ended_capacity, c->flow_stats.peak,
			c->undecoded_by_status[PROBE_TRUNCATED], c->undecoded_by_status[PROBE_MALFORMED],
			c->undecoded_by_status[PROBE_UNSUPPORTED_LINKTYPE]);
	return 0;
}

static int text_end(struct an_writer *wr)
{
	return ferror(wr->out) ? -EIO : 0;
}

const struct an_writer_ops an_text_ops = {
	.order = an_order_by_severity,
	.begin = text_begin,
	.finding = text_finding,
	.summary = text_summary,
	.end = text_end,
};

#pragma GCC diagnostic pop
