/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JUnit XML, so a CI system shows the verdict: one testsuite per check of
 * the command (a failure per finding at or above --fail-on, skipped below
 * it, a passing "no findings" case for a clean check), then the command's
 * own suites — COVERAGE for an audit, FIREWALLS for verify.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report-internal.h"

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
		skipped += !nk && k >= j->skip_from && k < j->skip_to;
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
		bool unjudged = !nk && k >= j->skip_from && k < j->skip_to;
		fprintf(out, "  <testsuite name=\"%s\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" "
			     "time=\"0\" timestamp=\"%s\">\n",
			an_check_id(k), nk ? nk : 1, fk, nk - fk + unjudged, ts);
		fprintf(out, "    <properties>\n      <property name=\"severity\" value=\"%s\"/>\n"
			     "      <property name=\"requirement\" value=\"",
			an_severity_name(an_check_severity(k)));
		an_xml_escape(out, an_check_requirement(k));
		fputs("\"/>\n    </properties>\n", out);
		if (unjudged) {
			struct an_junit_case none = {.name = ja ? "未判定" : "not judged"};
			junit_case(out, j->classname, an_check_id(k), &none, false, true, NULL, j->skip_why);
		} else if (!nk) {
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

/* ------------------------------------------------------------------- ops */

static int op_begin(struct an_writer *w)
{
	size_t n = w->v->n_findings;

	w->cases = calloc(n + 1, sizeof(*w->cases));
	w->names = calloc(n + 1, sizeof(*w->names));
	w->findings = calloc(n + 1, sizeof(*w->findings));
	return w->cases && w->names && w->findings ? 0 : -ENOMEM;
}

static int op_finding(struct an_writer *w, const struct an_finding *f)
{
	char msg[AN_MESSAGE_MAX];
	size_t i = w->n_cases++;

	w->findings[i] = f;
	w->names[i] = strdup(an_writer_message(w, f, msg, sizeof(msg)));
	w->cases[i] = (struct an_junit_case){.check = f->check, .name = w->names[i] ? w->names[i] : "",
					     .block = an_text_block_string(w, f)};
	return 0;
}

/* The audit's own suite: whether the captures showed enough to judge. */
static int write_audit(struct an_writer *w)
{
	const struct an_view *r = w->v;
	char title[512], cov[2048] = "";
	unsigned problems = r->coverage;

	for (size_t i = 0; i < an_n_coverage_words; i++)
		if (problems & an_coverage_words[i].bit)
			snprintf(cov + strlen(cov), sizeof(cov) - strlen(cov), "%s%s", cov[0] ? "; " : "",
				 w->ja ? an_coverage_words[i].ja : an_coverage_words[i].en);
	const char *const extra[] = {"COVERAGE"};
	struct an_junit_case cov_case = {
		.check = 0,
		.name = w->ja ? "キャプチャの網羅性" : "the captures show the site's traffic",
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
		.cases = w->cases,
		.n_cases = w->n_cases,
		.extra = extra,
		.n_extra = 1,
		.extra_cases = &cov_case,
		.n_extra_cases = 1,
	};
	if (!r->n_usage) {
		j.skip_from = AN_CHECK_FIREWALL_BYPASS;
		j.skip_to = AN_CHECK_FIREWALL_ATTEMPT_PASSED + 1;
		j.skip_why = w->ja ? "ルールセットがないため照合していません (topology の ruleset:、--ruleset、--live)"
				   : "no firewall ruleset, so the traffic was not reconciled with one (the topology's ruleset:, --ruleset, --live)";
	}
	return an_junit_write(w->out, &j, w->o);
}

/* verify's own suite: one case per firewall, skipped when it has no
 * ruleset to verify. */
static int write_verify(struct an_writer *w)
{
	const struct an_view *r = w->v;
	size_t nfw = r->n_firewalls;
	struct an_junit_case *fws = calloc(nfw + 1, sizeof(*fws));
	char title[512];
	int ret;

	if (!fws)
		return -ENOMEM;
	for (size_t i = 0; i < nfw; i++)
		fws[i] = (struct an_junit_case){.check = 0, .name = r->firewalls[i].fw->name, .skip = !r->firewalls[i].source,
						.why = w->ja ? "ルールセットなし: 未検証" : "no ruleset: not verified"};
	const char *const extra[] = {"FIREWALLS"};
	snprintf(title, sizeof(title), "sanso verify: %s", topo_site_name(r->site));
	struct an_junit j = {
		.title = title,
		.classname = "sanso.verify",
		.generated_ns = r->generated_ns,
		.seconds = r->seconds,
		.first = AN_CHECK_RULESET_MYNUMBER_OPEN,
		.end = _AN_CHECK_MAX,
		.cases = w->cases,
		.n_cases = w->n_cases,
		.extra = extra,
		.n_extra = 1,
		.extra_cases = fws,
		.n_extra_cases = nfw,
	};
	ret = an_junit_write(w->out, &j, w->o);
	free(fws);
	return ret;
}

/* sanso diff: a suite per firewall, a case per pair of areas its
 * interfaces face — failed when the change opens something at or above
 * --fail-on there, its records in the case's output. */
static int write_diff(struct an_writer *w)
{
	const struct an_view *r = w->v;
	const struct topo_site *site = r->site;
	size_t n = 0, cap = 16;
	struct an_junit_case *cases = calloc(cap, sizeof(*cases));
	const char **names = calloc(r->n_diffed + 1, sizeof(*names));
	char **owned = calloc(cap, sizeof(*owned));
	char title[512];
	int ret = 0;

	if (!cases || !names || !owned)
		ret = -ENOMEM;
	for (size_t k = 0; k < r->n_diffed && ret == 0; k++) {
		const struct topo_firewall *fw = r->diffed[k];
		names[k] = fw->name;
		for (size_t a = 0; a < topo_site_n_areas(site) && ret == 0; a++)
			for (size_t b = 0; b < topo_site_n_areas(site) && ret == 0; b++) {
				const struct topo_area *x = topo_site_area(site, a), *y = topo_site_area(site, b);
				int fx = -1, fy = -1;
				for (size_t i = 0; i < fw->n_ifaces; i++)
					for (size_t j = 0; j < fw->ifaces[i].n_faces; j++) {
						if (fw->ifaces[i].faces[j] == x && fx < 0)
							fx = (int)i;
						if (fw->ifaces[i].faces[j] == y && fy < 0)
							fy = (int)i;
					}
				if (a == b || fx < 0 || fy < 0 || fx == fy)
					continue;
				if (n + 1 >= cap) {
					cap *= 2;
					void *c2 = realloc(cases, cap * sizeof(*cases)), *o2 = c2 ? realloc(owned, cap * sizeof(*owned)) : NULL;
					if (c2)
						cases = c2;
					if (!o2) {
						ret = -ENOMEM;
						break;
					}
					owned = o2;
				}
				char *buf = NULL, nm[300];
				size_t len = 0;
				FILE *m = open_memstream(&buf, &len);
				bool fail = false, any = false;
				for (size_t i = 0; m && i < w->n_cases; i++) {
					const struct an_finding *f = w->findings[i];
					bool none;
					if (f->fw != fw || f->src.zone != x || f->dst.zone != y)
						continue;
					any = true;
					fputs(w->cases[i].block ? w->cases[i].block : "", m);
					fail = fail || (f->change == AN_CHANGE_OPENED && an_change_severity(f, &none) >= w->o->fail_on && !none);
				}
				if (m)
					fclose(m);
				snprintf(nm, sizeof(nm), "%s → %s", x->name, y->name);
				owned[n] = strdup(nm);
				cases[n] = (struct an_junit_case){.check = k, .name = owned[n] ? owned[n] : "", .fail = fail,
								  .block = any ? buf : NULL,
								  .why = fail ? (w->ja ? "禁止された通信が開かれます" : "the change opens a forbidden crossing")
									      : NULL};
				if (!any)
					free(buf);
				n++;
			}
	}
	if (ret == 0) {
		snprintf(title, sizeof(title), "sanso diff: %s", topo_site_name(site));
		struct an_junit j = {
			.title = title,
			.classname = "sanso.diff",
			.generated_ns = r->generated_ns,
			.seconds = r->seconds,
			.first = 0,
			.end = 0,
			.extra = names,
			.n_extra = r->n_diffed,
			.extra_cases = cases,
			.n_extra_cases = n,
		};
		ret = an_junit_write(w->out, &j, w->o);
	}
	for (size_t i = 0; i < n; i++) {
		free((char *)cases[i].block);
		free(owned[i]);
	}
	free(cases);
	free(owned);
	free(names);
	return ret;
}

static int op_summary(struct an_writer *w)
{
	if (w->v->kind == AN_VIEW_DIFF)
		return write_diff(w);
	return w->v->kind == AN_VIEW_VERIFY ? write_verify(w) : write_audit(w);
}

static int op_end(struct an_writer *w)
{
	for (size_t i = 0; i < w->n_cases; i++) {
		free((char *)w->cases[i].block);
		free(w->names[i]);
	}
	free(w->cases);
	free(w->names);
	free(w->findings);
	return 0;
}

const struct an_writer_ops an_junit_ops = {
	.order = an_order_by_frame,
	.begin = op_begin,
	.finding = op_finding,
	.summary = op_summary,
	.end = op_end,
};
