/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals shared by the analyze/ sources and their unit tests. */
#pragma once

#include "analyze.h"

/* probe_obs.tag bits: why a station observation was kept */
#define AN_OBS_ZONE    0x01 /* the address lies in a site zone (DUAL-HOMED) */
#define AN_OBS_SPOOF   0x02 /* a declared host's address from another MAC */
#define AN_OBS_VLAN    0x04 /* a segment's address on another VLAN */
#define AN_OBS_UNKNOWN 0x08 /* an undeclared MAC in a mynumber/lgwan segment */

bool an_proto_has_ports(uint8_t proto);
void an_describe_endpoint(const struct an_endpoint *e, char *buf, size_t len);
void an_describe_service(uint8_t proto, int port, char *buf, size_t len);
/* RFC 3339 UTC with 6 digits, or 9 when the capture had nanoseconds. */
char *an_format_time(uint64_t ts_ns, char *buf, size_t len);
void an_time_digits(int digits); /* 6 or 9 for every time from now on; 0: each by its own precision */

/*
 * Classifies a source (mac, ip) seen on the given VLAN tags for the station
 * checks: *ret_tag gets AN_OBS_* bits (0: nothing worth keeping), *ret_area
 * the area index.  Gateway MACs and link-scoped addresses are never kept.
 */
void an_station_classify(const struct topo_site *site, const uint8_t mac[6], const struct topo_addr *ip,
			 const uint16_t *vlans, unsigned n_vlans, int *ret_area, uint32_t *ret_tag);
/* The distinct zones (area indexes, first-seen order) among observations
 * tagged AN_OBS_ZONE; returns how many. */
unsigned an_obs_zones(const struct probe_obs *obs, unsigned n, int ret[PROBE_STATION_OBS]);
/* The station findings for one MAC (at most one per station check). */
size_t an_policy_judge_station(const struct topo_site *site, const struct probe_station *st,
			       struct an_finding ret[4]);

/* report.c, shared with the verify report (verify-report.c) */
#include <jansson.h>
json_t *an_json_str_or_null(const char *s);
int an_json_line(json_t *o, FILE *out); /* one compact line; takes the reference */
void an_xml_escape(FILE *out, const char *s); /* NULL prints nothing */
const char *an_severity_heading(enum an_severity s, bool japanese); /* "CRITICAL", "重大" */
/* The summary's first fields (site, model, findings per check, packets
 * read and undecoded), shared by audit and monitor. */
void an_json_summary_counts(json_t *o, const struct topo_site *site, const struct an_counters *c);
/* A finding as the JSON object of docs/cli.md; captures[i] names ref.file i
 * (capture files, or the monitor's interfaces). */
json_t *an_json_finding(const struct topo_site *site, const char *const *captures, size_t n_captures,
			const struct an_finding *f, bool japanese);

/* report internals (audit.c), for report.c */
const struct topo_site *an_report_site(const struct an_report *r);
const char *an_report_capture(const struct an_report *r, unsigned i);
size_t an_report_n_captures(const struct an_report *r);
const char *const *an_report_captures(const struct an_report *r);
uint64_t an_report_findings_not_kept(const struct an_report *r);
size_t an_report_n_evidence(const struct an_report *r);
const char *an_report_evidence(const struct an_report *r, size_t i);
const struct an_input *an_report_inputs(const struct an_report *r, size_t *n);
uint64_t an_report_generated_ns(const struct an_report *r);
double an_report_seconds(const struct an_report *r); /* how long the audit took */

/* provenance and coverage, shared by the audit and verify reports
 * (report.c): JSON fields, and the coverage problems worded */
const char *an_community_id(const struct an_finding *f, char out[64]); /* NULL: none */
void an_json_provenance(json_t *o, uint64_t generated_ns, const struct an_input *in, size_t n);
const char *an_coverage_problem(unsigned bit, bool japanese);

/* JUnit XML, one layout for audit and verify (report.c): one testsuite per
 * check in [first, end), one testcase per finding (a failure at or above
 * o->fail_on, skipped with the finding in <system-out> below it), a
 * passing "no findings" case for a clean check; then `extra` suites
 * (coverage, firewalls).  Counts add up at every level. */
struct an_junit_case {
	unsigned check;    /* an_check, or an extra suite's index when extra */
	const char *name;  /* the finding's message, or the case's name */
	const char *block; /* the text report's block, or NULL */
	bool fail, skip;   /* extra suites: how the case went */
	const char *why;   /* extra suites: the failure or skip message */
};
struct an_junit {
	const char *title;       /* "sanso audit: SITE" */
	const char *classname;   /* "sanso.audit" */
	uint64_t generated_ns;
	double seconds;
	unsigned first, end;     /* the checks this command has */
	const struct an_junit_case *cases;
	size_t n_cases;
	const char *const *extra; /* names of extra suites */
	size_t n_extra;
	const struct an_junit_case *extra_cases; /* .check: the suite's index */
	size_t n_extra_cases;
};
int an_junit_write(FILE *out, const struct an_junit *j, const struct an_output_options *o);
