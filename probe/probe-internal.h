/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe internals shared by the tables: a seeded hash.
 *
 * The keys come from the wire, so an attacker on the mirrored network
 * chooses them.  With a fixed hash they could precompute colliding flows
 * and turn every lookup into a long probe sequence; each table therefore
 * draws its own random seed (getrandom), so collisions cannot be planned
 * offline.  The mixing is wyhash-style multiply-fold: fast (a few ns for a
 * 44-byte flow key) and good enough for open addressing at load <= 1/2.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct probe_hash_seed {
	uint64_t s[4];
};

/* Fills the seed from getrandom(), falling back to clock/address entropy
 * when the kernel has none to give (early boot, seccomp). */
void probe_hash_seed_init(struct probe_hash_seed *seed);

static inline uint64_t probe_hash_mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t probe_hash_load(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	memcpy(&v, p, n < 8 ? n : 8);
	return v;
}

static inline uint64_t probe_hash(const struct probe_hash_seed *seed, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = seed->s[0] ^ len;
	size_t n = len;

	while (n >= 16) {
		h = probe_hash_mum(probe_hash_load(p, 8) ^ seed->s[1] ^ h, probe_hash_load(p + 8, 8) ^ seed->s[2]);
		p += 16;
		n -= 16;
	}
	if (n > 0)
		h = probe_hash_mum(probe_hash_load(p, n) ^ seed->s[1] ^ h,
				   (n > 8 ? probe_hash_load(p + 8, n - 8) : 0) ^ seed->s[2]);
	return probe_hash_mum(h ^ seed->s[3], len ^ 0x9e3779b97f4a7c15ull);
}

/* The pcap record header of a record, for a dumper opened with nanosecond
 * precision (tv_usec carries ns), cut to snaplen (dump.c, ring.c). */
struct pcap_pkthdr;
struct probe_record;
void probe_pkthdr_fill(struct pcap_pkthdr *h, const struct probe_record *r, int snaplen);
