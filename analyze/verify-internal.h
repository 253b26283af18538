/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Between the verifier (verify.c) and its report writer (verify-report.c). */
#pragma once

#include "analyze.h"

struct an_vfw_summary {
	const struct topo_firewall *fw;
	const char *source; /* NULL: no ruleset, not verified */
	size_t tables, chains, rules, sets, elements, unsupported_rules;
	bool approximate;
	size_t peak_nodes;
	double seconds;
};

const struct topo_site *an_vreport_site(const struct an_vreport *r);
const uint64_t *an_vreport_counts(const struct an_vreport *r); /* [_AN_CHECK_MAX] */
uint64_t an_vreport_not_kept(const struct an_vreport *r);
size_t an_vreport_n_firewalls(const struct an_vreport *r);
void an_vreport_firewall(const struct an_vreport *r, size_t i, struct an_vfw_summary *ret);
const struct an_input *an_vreport_inputs(const struct an_vreport *r, size_t *n, uint64_t *generated_ns);
/* "tcp 93.184.216.34:49152 → 10.10.1.1 mn-pc-01:22" */
void an_describe_vpacket(const struct an_vpacket *p, char *buf, size_t len);
