/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals shared by the analyze/ sources and their unit tests. */
#pragma once

#include "analyze.h"

/* probe_obs.tag bits: why a station observation was kept */
#define AN_OBS_ZONE    0x01 /* the address lies in a site zone (DUAL-HOMED) */
#define AN_OBS_SPOOF   0x02 /* a declared host's address from another MAC */
#define AN_OBS_VLAN    0x04 /* a segment's address on another VLAN */
#define AN_OBS_UNKNOWN 0x08 /* an undeclared MAC in a mynumber/lgwan segment */


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

/* Frees the rules a finding owns (rules, n_rules), not the finding: for
 * a finding on the stack. */
void an_finding_free_rules(struct an_finding *f);

/* The declared flow that permits a connection exactly (address, direction,
 * protocol, port, MACs), or NULL. */
const struct topo_flow *an_policy_permitted_by(const struct topo_site *site, const struct an_finding *c);

/* ------------------------------------------------- reconciliation (reconcile.c) */

#define AN_RVERDICT_STEPS 16

/* What one firewall's ruleset does with a connection's first packet. */
struct an_rverdict {
	size_t fw; /* index among the rulesets' firewalls */
	bool accept;
	bool approximate; /* the trace met a rule the model can't judge exactly */
	uint8_t n_steps;
	struct {
		uint32_t chain; /* REACH_NO_CHAIN etc. as reach_trace() names them */
		size_t rule;    /* SIZE_MAX: the chain's policy */
		const char *verdict;
	} steps[AN_RVERDICT_STEPS]; /* the deciding rule of each base chain, in path order */
};

/* Judges the connection c (an_policy_describe_flow's fields) with the
 * first firewall with a ruleset that has c's zones behind two different
 * interfaces and drops it, else the first that accepts it.  False when
 * no firewall with a ruleset lies between them. */
bool an_rulesets_judge(struct an_rulesets *rs, const struct an_finding *c, struct an_rverdict *ret);
/* Counts the connection for the rules that decided it. */
void an_rulesets_count(struct an_rulesets *rs, const struct an_rverdict *v, bool forbidden);
/* Fills f's fw, has_verdict, verdict_accept, approximate and rules (owned
 * by f) from v.  -ENOMEM. */
int an_rulesets_attach(const struct an_rulesets *rs, const struct an_rverdict *v, struct an_finding *f);
/* Whether mac is one of the MACs the topology gives the firewall of v
 * (its host's); *known: it gives any. */
bool an_rulesets_fw_mac(const struct an_rulesets *rs, const struct an_rverdict *v, const uint8_t mac[6], bool *known);
