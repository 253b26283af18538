/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the nft JSON ingester (`nft -j list ruleset` → rule model),
 * then the model's own formatting of every rule it built.  Input: the JSON
 * document.
 */
#include "fuzz-ruleset.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ruleset(rs_load_nft_json_buffer, "fuzz.json", data, size);
	return 0;
}
