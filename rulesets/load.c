/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One entry for every ruleset file (rs_load): the format from the topology,
 * or sniffed from the file's first character, and the ingester for it.  A
 * new ingester is its loader and one row of `ingesters`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rulesets.h"

static int load_json(const char *path, const char *const *ifnames, size_t n, struct rs_ruleset **ret,
		     struct topo_diag_list *diags)
{
	(void)ifnames;
	(void)n;
	return rs_load_nft_json(path, ret, diags);
}

static int load_iptables(const char *path, const char *const *ifnames, size_t n, struct rs_ruleset **ret,
			 struct topo_diag_list *diags)
{
	(void)ifnames;
	(void)n;
	return rs_load_iptables_save(path, ret, diags);
}

static const struct rs_ingester {
	enum topo_ruleset_format format;
	int (*load)(const char *path, const char *const *ifnames, size_t n, struct rs_ruleset **ret,
		    struct topo_diag_list *diags);
} ingesters[] = {
	{TOPO_RULESET_NFT_JSON, load_json},
	{TOPO_RULESET_IPTABLES_SAVE, load_iptables},
	{TOPO_RULESET_NFT, rs_load_nft_text},
};

int rs_sniff_format(const char *path, enum topo_ruleset_format *ret)
{
	FILE *f = fopen(path, "r");
	int ch;

	if (!f)
		return -errno;
	*ret = TOPO_RULESET_NFT;
	while ((ch = fgetc(f)) != EOF) {
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
			continue;
		if (ch == '{' || ch == '[')
			*ret = TOPO_RULESET_NFT_JSON;
		else if (ch == '*' || ch == ':')
			*ret = TOPO_RULESET_IPTABLES_SAVE;
		else if (ch == '#') { /* iptables-save's header comment, or nft's */
			char line[256];
			if (fgets(line, sizeof(line), f) && strstr(line, "tables-save"))
				*ret = TOPO_RULESET_IPTABLES_SAVE;
			else
				continue;
		}
		break;
	}
	fclose(f);
	return 0;
}

int rs_load(const char *path, enum topo_ruleset_format format, const char *const *ifnames, size_t n_ifnames,
	    struct rs_ruleset **ret, struct topo_diag_list *diags)
{
	if (format == TOPO_RULESET_NONE) {
		int r = rs_sniff_format(path, &format);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < sizeof(ingesters) / sizeof(ingesters[0]); i++)
		if (ingesters[i].format == format)
			return ingesters[i].load(path, ifnames, n_ifnames, ret, diags);
	return rs_load_nft_text(path, ifnames, n_ifnames, ret, diags);
}
