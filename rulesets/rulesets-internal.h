/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the netlink reader (netlink.c) and its two users: the live loader
 * (netlink.c) and the nft text loader (nft-text.c); and between the nft text
 * loader's two files (nft-text.c, nft-text-annotate.c).
 */
#pragma once

#include "rulesets.h"

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
