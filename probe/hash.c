/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Seeds for the tables' hash (see probe-internal.h for why it is seeded). */
#include <stdint.h>
#include <sys/random.h>
#include <time.h>

#include "probe-internal.h"

void probe_hash_seed_init(struct probe_hash_seed *seed)
{
	struct timespec ts;
	uint64_t mix;
	unsigned i;

	if (getrandom(seed->s, sizeof(seed->s), GRND_NONBLOCK) == (ssize_t)sizeof(seed->s))
		return;
	/* No kernel entropy yet: weaker, but still not predictable offline. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	mix = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	mix ^= (uint64_t)(uintptr_t)seed;
	for (i = 0; i < 4; i++) {
		mix = probe_hash_mum(mix ^ 0xa0761d6478bd642full, mix ^ 0xe7037ed1a0b428dbull ^ i);
		seed->s[i] = mix;
	}
}
