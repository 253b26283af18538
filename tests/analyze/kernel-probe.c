/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel-probe: the model's verdict on concrete packets, for the kernel
 * differential test (tests/e2e/kernel-diff.py).
 *
 *     kernel-probe SITE.yaml FW RULESET PER_RULE RANDOM SEED
 *
 * Prints one JSON object per packet (an_verify_probe in analyze.h):
 * the packet, "accept" (verify's set walk), "traced_accept" (the
 * one-packet trace), "approximate", "witness_of" and the deciding "rules".
 * Exit 0, or 2 with a message when the topology or ruleset is refused.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "analyze.h"
#include "topology.h"

static json_t *side(const struct topo_addr *a, int port)
{
	char buf[TOPO_ADDR_STRLEN];
	json_t *o = json_pack("{s:s}", "ip", topo_addr_format(a, buf));

	if (port >= 0)
		json_object_set_new(o, "port", json_integer(port));
	return o;
}

static int emit(const struct an_vprobe *p, void *arg)
{
	char mac[TOPO_MAC_STRLEN];
	json_t *o = json_object(), *rules = json_array();

	(void)arg;
	json_object_set_new(o, "family", json_integer(p->packet.family));
	json_object_set_new(o, "proto", json_integer(p->packet.proto));
	json_object_set_new(o, "src", side(&p->packet.src, p->packet.sport));
	json_object_set_new(o, "dst", side(&p->packet.dst, p->packet.dport));
	if (p->packet.icmp_type >= 0) {
		json_object_set_new(o, "icmp_type", json_integer(p->packet.icmp_type));
		json_object_set_new(o, "icmp_code", json_integer(p->packet.icmp_code));
		json_object_set_new(o, "icmp_checksum", json_integer(p->icmp_checksum));
	}
	json_object_set_new(o, "tcp_flags", json_integer(p->tcp_flags));
	json_object_set_new(o, "iif", json_string(p->packet.iif));
	/* where it leaves, after a dnat if one translated it; null: to the
	 * firewall itself */
	json_object_set_new(o, "oif", p->out.oif[0] ? json_string(p->out.oif) : json_null());
	/* what it looks like then: the translated destination */
	json_object_set_new(o, "out_dst", side(&p->out.dst, p->out.dport));
	json_object_set_new(o, "translated", json_boolean(p->translated));
	json_object_set_new(o, "smac", json_string(topo_mac_format(p->packet.smac, mac)));
	json_object_set_new(o, "accept", json_boolean(p->accept));
	json_object_set_new(o, "traced_accept", json_boolean(p->traced_accept));
	json_object_set_new(o, "approximate", json_boolean(p->approximate));
	json_object_set_new(o, "witness_of", p->witness_of ? json_string(p->witness_of) : json_null());
	for (size_t i = 0; i < p->n_rules; i++)
		json_array_append_new(rules, json_pack("{s:s,s:s,s:I,s:I,s:s}", "chain", p->rules[i].chain, "location",
						       p->rules[i].location, "index", (json_int_t)p->rules[i].index,
						       "handle", (json_int_t)p->rules[i].handle, "verdict",
						       p->rules[i].verdict));
	json_object_set_new(o, "rules", rules);
	int r = json_dumpf(o, stdout, JSON_COMPACT) < 0 || fputc('\n', stdout) == EOF ? -1 : 0;
	json_decref(o);
	return r;
}

int main(int argc, char **argv)
{
	struct topo_diag_list diags = {0};
	struct topo_site *site = NULL;
	char err[512] = "", buf[1024];

	if (argc != 7) {
		fprintf(stderr, "usage: kernel-probe SITE.yaml FW RULESET PER_RULE RANDOM SEED\n");
		return 2;
	}
	int r = topo_site_load(argv[1], &site, &diags);
	if (r == 0) {
		struct an_verify_source src = {.firewall = argv[2], .path = argv[3]};
		struct an_verify_config cfg = {.site = site, .sources = &src, .n_sources = 1};
		r = an_verify_probe(&cfg, argv[2], (unsigned)strtoul(argv[4], NULL, 10),
				    (unsigned)strtoul(argv[5], NULL, 10), strtoull(argv[6], NULL, 10), emit, NULL, &diags,
				    err, sizeof(err));
	}
	for (size_t i = 0; i < diags.n; i++)
		if (diags.items[i].severity == TOPO_SEV_ERROR)
			fprintf(stderr, "%s\n", topo_diag_format(&diags.items[i], buf, sizeof(buf)));
	if (r < 0 && err[0])
		fprintf(stderr, "kernel-probe: %s\n", err);
	topo_diag_list_clear(&diags);
	topo_site_free(site);
	return r < 0 ? 2 : fflush(stdout) == 0 ? 0 : 2;
}
