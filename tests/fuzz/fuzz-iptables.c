/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the iptables-save ingester (iptables-save / ip6tables-save
 * text → rule model), then the model's own formatting of every rule it
 * built.  Input: the file.
 */
#include "fuzz-ruleset.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ruleset(rs_load_iptables_save_buffer, "fuzz.rules", data, size);
	return 0;
}
