/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside sanso verify: one firewall's questions (verify.c: the packet sets
 * of areas and flows, the walks, what they mean), its findings
 * (verify-findings.c: example packets, the rules that decide them, one
 * finding per check) and the kernel differential test's picks
 * (verify-probe.c); the same model asked about one connection at a time
 * (reconcile.c).  Only these four files include it.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze.h"
#include "reach.h"
#include "rulesets.h"

struct an_vreport {
	const struct topo_site *site;
	struct an_finding **findings;
	size_t n_findings, cap_findings, max_findings;
	uint64_t not_kept;
	uint64_t counts[_AN_CHECK_MAX];
	struct an_vfw_summary *fws; /* source: allocated */
	size_t n_fws;
	json_t *seen; /* finding keys, so one rule gives one finding per area pair */
	bool oom;
	struct an_input *inputs; /* the topology, then each ruleset file */
	size_t n_inputs;
	uint64_t generated_ns;
};

struct pair {
	const struct topo_area *a, *b;
	enum an_check check;
	bdd_t bad; /* Passed ∧ ¬Permitted ∧ a→b */
	bool local; /* b: the firewall itself (its own addresses, the input hook) */
};

struct exc {
	const struct topo_flow *flow;
	bdd_t carry;   /* its addresses, proto and ports, any MAC */
	bdd_t allowed; /* what the exception permits, pinned as the site says */
	bdd_t pin_ip, pin_mac, dst, service;
	bdd_t nomac; /* its packets from other MACs, arriving where the MAC could be pinned (NO-MAC) */
};

/* Progress on a terminal: once verify has run 1 s, a line per second
 * (firewall, what it is doing, rules walked), rewritten in place and
 * cleared at the end. */
struct vf_progress {
	FILE *out;
	uint64_t start_ns, last_ns, after_ns; /* after: 1 s; SANSO_PROGRESS_AFTER (seconds) for the tests */
	bool shown;
	const char *phase;
};

struct fw_ctx {
	const struct topo_site *site;
	const struct topo_firewall *fw;
	const struct rs_ruleset *rs;
	struct an_vreport *report;
	struct an_vfw_summary *sum;
	struct reach r;   /* the ruleset's model (rulesets/reach/) */
	struct bdd *m;    /* r.m */
	const char *ifnames[REACH_MAX_IFACES];
	size_t n_areas;

	bdd_t *src_in, *dst_in, *iif_of, *oif_of; /* per area */
	bdd_t ifpair, ctnew, syn, r0, univ, passed, permitted, bad_all, open, cross;
	struct pair *pairs;
	size_t n_pairs;
	struct exc *excs;
	size_t n_excs;

	/* the local path: packets to the firewall's own addresses (own), the
	 * first packets of them (r0_local), what prerouting and input let in */
	bdd_t own, own_src, r0_local, passed_local;
	/* dnat in prerouting: pre_in the first packets prerouting sees;
	 * fwd_in / local_in what reaches forward and input after prerouting;
	 * images what dnat rules made that crosses the firewall */
	bdd_t pre_in, fwd_in, local_in, images;
	struct probe_points *points; /* the kernel differential test's picks */
	struct vf_progress *progress; /* NULL: no progress line */
	struct bdd *share; /* vf_setup: model in this manager (another ruleset's, for diff); NULL: its own */
	int err;
};

int vf_add_rule(struct fw_ctx *c, struct an_finding *f, uint32_t chain, size_t rule, const char *verdict);
bdd_t vf_area_bdd(struct fw_ctx *c, const struct topo_area *a, unsigned var);
void vf_blocked_finding(struct fw_ctx *c, const struct topo_flow *fl, bdd_t s);
void vf_broad_finding(struct fw_ctx *c, const struct exc *e, uint32_t chain, size_t rule, bdd_t x);
void vf_ctx_free(struct fw_ctx *c);
void vf_decode_packet(struct fw_ctx *c, const uint8_t *bits, struct an_vpacket *p);
void vf_keep(struct fw_ctx *c, bdd_t *slot);
bdd_t vf_walk_local(struct fw_ctx *c, struct reach_walk *w);
const struct an_verify_source *vf_source_of(const struct an_verify_source *v, size_t n, const char *fw);
int vf_check_sources(const struct topo_site *site, const struct an_verify_source *v, size_t n, char *errbuf,
		     size_t errlen);
int vf_load_ruleset(const struct topo_firewall *fw, const struct an_verify_source *src, struct rs_ruleset **ret,
		    struct topo_diag_list *diags);
struct an_finding *vf_new_finding(struct fw_ctx *c, enum an_check check, const char *key);
void vf_nomac_finding(struct fw_ctx *c, const struct exc *e, uint32_t chain, size_t rule, bdd_t y);
void vf_on_witness(struct reach_walk *w, uint32_t chain, size_t rule, bdd_t hit);
void vf_open_finding(struct fw_ctx *c, const struct pair *p, uint32_t chain, size_t rule, bdd_t s);
bdd_t vf_prefer(struct fw_ctx *c, bdd_t s, bdd_t p);
bdd_t vf_prefix_bdd(struct fw_ctx *c, unsigned var, const struct topo_addr *a, unsigned len);
int vf_setup(struct fw_ctx *c, size_t max_nodes);
void vf_walk_forward(struct fw_ctx *c, struct reach_walk *w);
bool vf_trace_out(struct fw_ctx *c, const uint8_t *bits, struct an_finding *f, uint8_t *out);
bool vf_pick_example(struct fw_ctx *c, bdd_t s, const struct topo_area *a, const struct topo_area *b,
		     struct an_vpacket *p, uint8_t *bits);
void vf_trace_example(struct fw_ctx *c, const uint8_t *bits, struct an_finding *f);
int vf_pair_check(const struct topo_area *a, const struct topo_area *b);
bdd_t vf_flow_bdd(struct fw_ctx *c, const struct topo_flow *fl);
void vf_unsupported_finding(struct fw_ctx *c, uint32_t chain, size_t rule, const char *what);
