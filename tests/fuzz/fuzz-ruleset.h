/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What fuzz-nft-json and fuzz-iptables share: load one ruleset from memory
 * with the given loader, check what rulesets.h promises of a load (a result
 * exactly when it returns 0, an error diagnostic when it fails), then
 * format every diagnostic, chain and rule the model holds.
 */
#pragma once

#include <stdint.h>
#include <stdlib.h>

#include "rulesets.h"

typedef int (*fuzz_ruleset_loader)(const char *name, const char *buf, size_t len, struct rs_ruleset **ret,
				   struct topo_diag_list *diags);

static inline void fuzz_ruleset(fuzz_ruleset_loader load, const char *name, const uint8_t *data, size_t size)
{
	struct topo_diag_list diags = {0};
	struct rs_ruleset *r = NULL;
	char buf[1024];
	int err;

	err = load(name, (const char *)data, size, &r, &diags);
	if ((err == 0) != (r != NULL) || (err < 0 && diags.n_errors == 0))
		abort();
	for (size_t i = 0; i < diags.n; i++)
		topo_diag_format(&diags.items[i], buf, sizeof(buf));
	if (r)
		for (uint32_t c = 0; c < r->n_chains; c++) {
			rs_chain_describe(r, c, buf, sizeof(buf));
			for (size_t i = 0; i < r->chains[c].n_rules; i++) {
				rs_rule_location(r, c, i, buf, sizeof(buf));
				rs_rule_format(r, &r->chains[c].rules[i], buf, sizeof(buf));
			}
		}
	rs_ruleset_free(r);
	topo_diag_list_clear(&diags);
}
