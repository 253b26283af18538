/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What only the ingesters (and the rule model's unit tests) use: the
 * builders of the rule model (ir.c); the netlink reader (netlink.c) that
 * the live loader and the nft text loader share; the nft text loader's two
 * files (nft-text.c, nft-text-annotate.c).  Readers of a ruleset —
 * verify, reach, the commands — include rulesets.h alone.
 */
#pragma once

#include "rulesets.h"

/* ------------------------------------------------------ building (ingesters) */

/* All return NULL / negative errno on OOM; strings are copied. */
struct rs_ruleset *rs_ruleset_new(const char *source, enum rs_origin origin);
int rs_table_add(struct rs_ruleset *r, const char *name, enum rs_family family, uint32_t *ret);
int rs_table_find(const struct rs_ruleset *r, const char *name, enum rs_family family, uint32_t *ret); /* -ENOENT */
/* Finds the chain, or adds an undefined placeholder (for a jump seen first). */
int rs_chain_get(struct rs_ruleset *r, uint32_t table, const char *name, uint32_t *ret);
struct rs_rule *rs_rule_add(struct rs_ruleset *r, uint32_t chain); /* zeroed, verdict CONTINUE */
struct rs_match *rs_match_add(struct rs_rule *rule);                /* zeroed, n_keys 1 */
int rs_rule_reserve(struct rs_rule *rule, size_t n);               /* room for n matches, one allocation */
void rs_rule_fit(struct rs_rule *rule);                            /* no room left over (a read rule) */
int rs_set_add(struct rs_ruleset *r, uint32_t table, const char *name, uint32_t *ret);
int rs_set_find(const struct rs_ruleset *r, uint32_t table, const char *name, uint32_t *ret); /* -ENOENT */
struct rs_set_elem *rs_set_elem_add(struct rs_set *s);              /* zeroed */
int rs_set_reserve(struct rs_set *s, size_t n);                    /* room for n elements, one allocation */
/* Appends a reason to rule->unsupported. */
int rs_rule_unsupported(struct rs_rule *rule, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A match that can't be modelled; why is copied. */
int rs_match_unknown(struct rs_rule *rule, const char *why);
/* Fills mask/value for a prefix match on an address key (len bits). */
void rs_match_prefix(struct rs_match *m, enum rs_key k, const uint8_t *addr, unsigned len);
/* Checks every jump target is defined: -EBADMSG with a diag otherwise. */
int rs_ruleset_finish(struct rs_ruleset *r, struct topo_diag_list *diags);

/*
 * Reads the whole nftables ruleset (tables, chains, sets with their
 * elements, rules) over nft_fd, a NETLINK_NETFILTER socket already opened
 * in the namespace to read.  rtnl_fd, a NETLINK_ROUTE socket in the same
 * namespace (or -1), resolves interface indices (`iif`/`oif`) to names.
 * Rules get their handle; line and text stay 0/NULL.
 */
int rs_netlink_read(int nft_fd, int rtnl_fd, const char *source, enum rs_origin origin, struct rs_ruleset **ret,
		    struct topo_diag_list *diags);

/*
 * Gives the rules of a ruleset read back from an nft text file their line
 * and text in that file (the kernel keeps neither).  Rules it can't place
 * keep line 0 and are located by handle.
 */
int rs_nft_text_annotate(const char *path, struct rs_ruleset *r, struct topo_diag_list *diags);

/* Control characters from a binary file must not reach a terminal: makes
 * tabs spaces and other control characters '?', in place. */
void rs_nft_text_sanitize(char *s);
