/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the writers: one writer per format (text.c, json.c, html.c,
 * junit.c) as a table of operations that write.c drives — begin, one call
 * per finding in the format's order, summary, end — over one view
 * (struct an_view) and one finding model (struct an_finding), whatever
 * command made them; and one word table per language (words.c).
 *
 * A writer knows how to show each kind of finding (traffic, station,
 * ruleset) and each kind of report's header and summary (an_view.kind);
 * a new kind of finding or report adds a case to each writer, never a
 * writer of its own.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "analyze.h"
#include "report.h"

/* Headings and labels of the text report (and of the HTML/JUnit blocks),
 * each label padded to one display column (a CJK character is two wide). */
struct an_words {
	const char *rule, *from, *to, *vlan, *when, *traffic, *frames, *wireshark, *station, *seen, *blank;
	const char *severity[AN_SEV_CRITICAL + 1];
	const char *sent_back, *established, *attempt, *initiator_by;
	const char *seen_line, *times;
	const char *title, *capture, *ruleset, *packets, *no_findings, *findings_total, *not_kept, *evidence;
	const char *period, *generated, *topology, *coverage, *zones_not_seen, *vlans_seen, *no_findings_unjudged;
};
const struct an_words *an_words(bool japanese);

/* the coverage problems, in the order reports list them */
struct an_coverage_word {
	unsigned bit;
	const char *name, *en, *ja;
};
extern const struct an_coverage_word an_coverage_words[];
extern const size_t an_n_coverage_words;

/* One report being written. */
struct an_writer {
	const struct an_view *v;
	const struct an_output_options *o;
	FILE *out;
	const struct an_words *w;
	bool ja;
	int sev;       /* text, HTML: the severity whose heading was written last (-1: none yet) */
	char time[48]; /* JSON (verify): the generation time every record carries */
	/* JUnit: the cases, collected until the end */
	struct an_junit_case *cases;
	char **names;
	const struct an_finding **findings; /* the finding of each case */
	size_t n_cases;
};

struct an_writer_ops {
	/* the order the findings are handed in (qsort; ties keep the order
	 * they were found in) */
	int (*order)(const struct an_finding *a, const struct an_finding *b);
	int (*begin)(struct an_writer *w);
	int (*finding)(struct an_writer *w, const struct an_finding *f);
	int (*summary)(struct an_writer *w);
	int (*end)(struct an_writer *w); /* also on an error; frees what the writer holds */
};
extern const struct an_writer_ops an_text_ops, an_json_ops, an_html_ops, an_junit_ops;

/* orders (write.c): capture order (file, frame, check); the most severe
 * first, each severity in capture order.  Ruleset findings have no frame:
 * they keep the order they were found in, after any traffic finding. */
int an_order_by_frame(const struct an_finding *a, const struct an_finding *b);
int an_order_by_severity(const struct an_finding *a, const struct an_finding *b);

/* helpers shared by the writers */
const char *an_view_capture(const struct an_view *v, unsigned i); /* "?" beyond the list */
/* the finding's message in the report's language: the stored English
 * one when there is one, else worded now (buf: AN_MESSAGE_MAX) */
const char *an_writer_message(const struct an_writer *w, const struct an_finding *f, char *buf, size_t len);
size_t an_view_count_severity(const struct an_view *v, enum an_severity s); /* findings kept at s */
/* The text block of one finding (text.c), into out / as a string the
 * caller frees (NULL on OOM): the HTML page and JUnit's failures show it. */
void an_text_block(const struct an_writer *w, FILE *out, const struct an_finding *f);
char *an_text_block_string(const struct an_writer *w, const struct an_finding *f);
/* The header's provenance (text.c) and, for an audit, the coverage
 * warning, as the text report prints them. */
void an_text_provenance(const struct an_writer *w, FILE *out);
void an_text_coverage(const struct an_writer *w, FILE *out);
/* Reconciliation: the rules the connections used, per firewall (nothing without rulesets). */
void an_text_usage(const struct an_writer *w, FILE *out);
/* sanso diff: the rule-level changes and the counts */
void an_text_diff_summary(const struct an_writer *w, FILE *out);
