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
