/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "rulesets.h"

int rs_load_nft_text(const char *path, const char *const *ifnames, size_t n_ifnames, struct rs_ruleset **ret,
		     struct topo_diag_list *diags)
{
	topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR, "not implemented yet");
	return -ENOTSUP;
}
