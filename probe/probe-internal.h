/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe internals shared between its files: for the tables, a seeded hash
 * and the slots of their tagged open-addressing indexes; for the evidence
 * writers (dump.c, ring.c), the pcap record header of a record.  Nothing
 * outside probe/ may include it.
 *
 * The keys come from the wire, so an attacker on the mirrored network
 * chooses them.  With a fixed hash they could precompute colliding flows
 * and turn every lookup into a long probe sequence; each table therefore
 * draws its own random seed (getrandom), so collisions cannot be planned
 * offline.  The mixing is wyhash-style multiply-fold: fast (a few ns for a
 * 44-byte flow key) and good enough for open addressing at load <= 1/2.
 */
#pragma once

#include <stdbool.h>
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

/*
 * A slot of the flow and station indexes (uint32, 0 = empty): the low
 * `bits` bits hold item + 1, the rest the top bits of the item's hash, so
 * a probe past a colliding slot rarely loads that item (a cache miss).
 * `bits` is probe_slot_bits(the most items the table can hold); at 32
 * there is no room for a tag and every slot matches.
 */
static inline unsigned probe_slot_bits(size_t max_items)
{
	unsigned bits = 1;

	while ((1ull << bits) <= max_items)
		bits++;
	return bits;
}

static inline uint32_t probe_slot_tag(unsigned bits, uint64_t h)
{
	return bits >= 32 ? 0 : (uint32_t)(h >> 32) >> bits; /* the top 32 - bits bits */
}

static inline uint32_t probe_slot_make(unsigned bits, uint64_t h, uint32_t item)
{
	return probe_slot_tag(bits, h) << bits | (item + 1);
}

static inline uint32_t probe_slot_item(unsigned bits, uint32_t slot)
{
	return (slot & (uint32_t)((1ull << bits) - 1)) - 1;
}

static inline bool probe_slot_tag_ok(unsigned bits, uint32_t slot, uint32_t tag)
{
	return bits >= 32 || (slot >> bits) == tag;
}

/* The pcap record header of a record, for a dumper opened with nanosecond
 * precision (tv_usec carries ns), cut to snaplen (dump.c, ring.c). */
struct pcap_pkthdr;
struct probe_record;
void probe_pkthdr_fill(struct pcap_pkthdr *h, const struct probe_record *r, int snaplen);
