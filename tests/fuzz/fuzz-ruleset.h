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

/* The chains' jump/goto edges, from verdicts and verdict-map elements. */
static inline void fuzz_edges(const struct rs_ruleset *r, uint32_t c, void (*fn)(uint32_t to, void *arg), void *arg)
{
	for (size_t i = 0; i < r->chains[c].n_rules; i++) {
		const struct rs_rule *rule = &r->chains[c].rules[i];
		if (!rule->has_vmap) {
			if ((rule->verdict.code == RS_V_JUMP || rule->verdict.code == RS_V_GOTO) && rule->verdict.chain < r->n_chains)
				fn(rule->verdict.chain, arg);
		} else if (rule->vmap.op == RS_OP_IN && rule->vmap.set < r->n_sets) {
			const struct rs_set *s = &r->sets[rule->vmap.set];
			for (size_t k = 0; k < s->n_elems; k++)
				if ((s->elems[k].verdict.code == RS_V_JUMP || s->elems[k].verdict.code == RS_V_GOTO) &&
				    s->elems[k].verdict.chain < r->n_chains)
					fn(s->elems[k].verdict.chain, arg);
		}
	}
}

struct fuzz_kahn {
	size_t *indeg;
	uint32_t *queue;
	size_t tail;
};

static inline void fuzz_count_in(uint32_t to, void *arg)
{
	((struct fuzz_kahn *)arg)->indeg[to]++;
}

static inline void fuzz_release(uint32_t to, void *arg)
{
	struct fuzz_kahn *k = arg;
	if (--k->indeg[to] == 0)
		k->queue[k->tail++] = to;
}

/* Kahn's algorithm, independent of the loader's depth-first check: true
 * when some chains can't be ordered, i.e. they lie on a loop. */
static inline int has_loop(const struct rs_ruleset *r)
{
	struct fuzz_kahn k = {calloc(r->n_chains + 1, sizeof(size_t)), calloc(r->n_chains + 1, sizeof(uint32_t)), 0};
	size_t head = 0;

	if (!k.indeg || !k.queue)
		abort();
	for (uint32_t c = 0; c < r->n_chains; c++)
		fuzz_edges(r, c, fuzz_count_in, &k);
	for (uint32_t c = 0; c < r->n_chains; c++)
		if (k.indeg[c] == 0)
			k.queue[k.tail++] = c;
	while (head < k.tail)
		fuzz_edges(r, k.queue[head++], fuzz_release, &k);
	free(k.indeg);
	free(k.queue);
	return k.tail != r->n_chains;
}

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
	if (r && has_loop(r))
		abort(); /* the loader must refuse jump/goto loops (issue 18) */
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
