/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libFuzzer entry points every target in tests/fuzz/ defines.  Built with
 * -Dfuzzing=true they are driven by libFuzzer; otherwise replay.c supplies a
 * main() that runs every file of the corpus directories given as arguments,
 * so the corpora are regression tests in every build (systemd's
 * test/fuzz/ does the same).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
