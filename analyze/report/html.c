/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A self-contained HTML page: the same blocks as the text report (the
 * header's provenance and coverage, each finding's block), grouped by
 * severity, for handing to people who don't read terminals.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "report-internal.h"

/* the text writer's output of fn, escaped in a <pre> of class cls (nothing
 * when it wrote nothing) */
static void pre(struct an_writer *w, const char *cls, void (*fn)(const struct an_writer *, FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return;
	fn(w, m);
	if (fclose(m) == 0 && len) {
		fprintf(w->out, "<pre class=\"%s\">", cls);
		an_xml_escape(w->out, buf);
		fputs("</pre>\n", w->out);
	}
	free(buf);
}

static int op_begin(struct an_writer *w)
{
	const struct an_view *r = w->v;
	const struct topo_site *site = r->site;
	FILE *out = w->out;
	bool ja = w->ja;

	if (r->kind == AN_VIEW_VERIFY || r->kind == AN_VIEW_DIFF) {
		const char *what = r->kind == AN_VIEW_DIFF ? "sanso diff — " : "sanso verify — ";
		fprintf(out, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>%s",
			ja ? "ja" : "en", what);
		an_xml_escape(out, topo_site_name(site));
		fputs("</title><style>body{font-family:sans-serif}pre{background:#f4f4f4;padding:.5em}"
		      ".critical{color:#a00}.high{color:#c50}.medium{color:#850}.low{color:#555}</style></head><body>\n<h1>",
		      out);
		fputs(what, out);
		an_xml_escape(out, topo_site_name(site));
		fputs("</h1>\n", out);
		pre(w, "provenance", an_text_provenance);
		if (r->n_findings == 0)
			fputs(ja ? "<p>指摘なし</p>\n" : "<p>No findings.</p>\n", out);
		return 0;
	}
	const struct an_counters *c = r->counters;
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head><meta charset=\"utf-8\"><title>sanso audit: ",
		ja ? "ja" : "en");
	an_xml_escape(out, topo_site_name(site));
	fputs("</title>\n<style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:.8em;"
	      "overflow-x:auto}.critical{color:#a00}.high{color:#c50}.medium{color:#870}.low{color:#555}"
	      "td,th{padding:.2em .8em;text-align:left}.warning{background:#fff3cd;color:#664d03;border:1px solid #ffe69c}"
	      "</style></head>\n<body>\n<h1>sanso audit: ", out);
	an_xml_escape(out, topo_site_name(site));
	fprintf(out, ja ? "</h1>\n<p>モデル %s、" : "</h1>\n<p>model %s; ", topo_model_name(topo_site_model(site)));
	for (size_t i = 0; i < r->n_captures; i++) {
		fputs(i ? ", " : ja ? "キャプチャ: " : "captures: ", out);
		an_xml_escape(out, an_view_capture(r, i));
	}
	fprintf(out, ja ? "、%" PRIu64 " パケット読み込み、%" PRIu64 " 解析不能、%" PRIu64 " 接続。</p>\n"
			: "; %" PRIu64 " packets read, %" PRIu64 " undecoded, %" PRIu64 " connections.</p>\n",
		c->packets_read, c->packets_undecoded, c->flows);
	pre(w, "provenance", an_text_provenance);
	pre(w, "warning", an_text_coverage);
	fputs(ja ? "<table>\n<tr><th>チェック</th><th>重大度</th><th>指摘</th></tr>\n"
		 : "<table>\n<tr><th>check</th><th>severity</th><th>findings</th></tr>\n",
	      out);
	for (unsigned k = 0; k < _AN_CHECK_MAX; k++)
		fprintf(out, "<tr><td>%s</td><td class=\"%s\">%s</td><td>%" PRIu64 "</td></tr>\n", an_check_id(k),
			an_severity_name(an_check_severity(k)), an_severity_heading(an_check_severity(k), ja), r->counts[k]);
	fputs("</table>\n", out);
	return 0;
}

/* A ruleset finding is headed by its severity and check; traffic and
 * station findings by one heading per severity. */
static int op_finding(struct an_writer *w, const struct an_finding *f)
{
	enum an_severity sev = an_check_severity(f->check);
	char *block = an_text_block_string(w, f);

	if (f->change != AN_CHANGE_NONE) {
		fprintf(w->out, "<h2>%s %s</h2>\n", f->change == AN_CHANGE_OPENED ? "OPENED" : "CLOSED",
			f->has_check ? an_check_id(f->check) : "");
	} else if (an_check_is_ruleset(f->check)) {
		fprintf(w->out, "<h2 class=\"%s\">%s ", an_severity_name(sev), an_severity_heading(sev, w->ja));
		an_xml_escape(w->out, an_check_id(f->check));
		fputs("</h2>\n", w->out);
	} else if ((int)sev != w->sev)
		fprintf(w->out, "<h2 class=\"%s\">%s</h2>\n", an_severity_name(sev), an_severity_heading(sev, w->ja));
	w->sev = (int)sev;
	fputs("<pre>", w->out);
	an_xml_escape(w->out, block);
	fputs("</pre>\n", w->out);
	free(block);
	return 0;
}

static int op_summary(struct an_writer *w)
{
	if (w->v->kind == AN_VIEW_DIFF && !w->o->quiet)
		pre(w, "summary", an_text_diff_summary);
	if (w->v->kind == AN_VIEW_AUDIT && w->v->n_usage) {
		fputs(w->ja ? "<h2>ルールセットとの照合</h2>\n" : "<h2>Traffic against the rulesets</h2>\n", w->out);
		pre(w, "usage", an_text_usage);
	}
	return 0;
}

static int op_end(struct an_writer *w)
{
	if (w->v->kind == AN_VIEW_VERIFY || w->v->kind == AN_VIEW_DIFF)
		fputs("</body></html>\n", w->out);
	else {
		if (w->v->n_findings == 0)
			fprintf(w->out, "<p>%s</p>\n", w->v->coverage ? w->w->no_findings_unjudged : w->w->no_findings);
		fputs("</body>\n</html>\n", w->out);
	}
	return ferror(w->out) ? -EIO : 0;
}

const struct an_writer_ops an_html_ops = {
	.order = an_order_by_severity,
	.begin = op_begin,
	.finding = op_finding,
	.summary = op_summary,
	.end = op_end,
};
