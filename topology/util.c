/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The arena and the hash table the site is built from.
 */
#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "topology-internal.h"

/* ------------------------------------------------------------------- arena */

#define ARENA_CHUNK (64u * 1024)

struct topo_arena_chunk {
	struct topo_arena_chunk *next;
	size_t used, cap;
	alignas(max_align_t) unsigned char data[];
};

/*
 * Nothing we store needs more than pointer alignment (no long double, no
 * vector types), and 8 rather than max_align_t's 16 saves a third of a
 * node tree's memory; strings take byte alignment.
 */
#define ARENA_ALIGN 8

static void *arena_alloc(struct topo_arena *a, size_t n, size_t size, size_t align, bool zero)
{
	struct topo_arena_chunk *c = a->head;
	size_t want, off;

	if (size && n > SIZE_MAX / size)
		return NULL;
	want = n * size;
	if (want > SIZE_MAX - align - sizeof(*c))
		return NULL;
	if (want == 0)
		want = 1;

	off = c ? (c->used + align - 1) & ~(align - 1) : 0;
	if (!c || off > c->cap || c->cap - off < want) {
		/* A big request gets a chunk of its own, and the current chunk
		 * stays in front so its free tail is still used. */
		size_t cap = want > ARENA_CHUNK / 4 ? want : ARENA_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		if (cap != ARENA_CHUNK && a->head) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
		off = 0;
	}
	c->used = off + want;
	if (zero)
		memset(c->data + off, 0, want);
	return c->data + off;
}

void *topo_arena_calloc(struct topo_arena *a, size_t n, size_t size)
{
	return arena_alloc(a, n, size, ARENA_ALIGN, true);
}

char *topo_arena_strndup(struct topo_arena *a, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	p = arena_alloc(a, len + 1, 1, 1, false);
	if (!p)
		return NULL;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *topo_arena_strdup(struct topo_arena *a, const char *s)
{
	return topo_arena_strndup(a, s, strlen(s));
}

void topo_arena_release(struct topo_arena *a)
{
	struct topo_arena_chunk *c, *next;

	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/* ------------------------------------------------------------------ hashes */

static uint64_t fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= UINT64_C(0xff51afd7ed558ccd);
	k ^= k >> 33;
	k *= UINT64_C(0xc4ceb9fe1a85ec53);
	k ^= k >> 33;
	return k;
}

static uint64_t mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* Eight bytes at a time, each word folded in with a 64x64->128 multiply
 * (wyhash's mum), and the murmur finaliser to spread the low bits the
 * table indexes with.  Addresses and MACs are hashed for every station
 * observation and connection end; byte-wise FNV cost ~4 cycles a byte. */
uint64_t topo_hash_bytes(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *b = p;
	uint64_t h = seed ^ (n * UINT64_C(0x9e3779b97f4a7c15)), w;

	for (; n >= 8; b += 8, n -= 8) {
		memcpy(&w, b, 8);
		h = mum(h ^ w, UINT64_C(0xa0761d6478bd642f));
	}
	if (n > 0) {
		/* the last 1-7 bytes in at most two loads, overlapping for 5-7
		 * (the length is in h already), as wyhash does: copying them
		 * byte by byte into a word stalled on store forwarding.  An
		 * IPv4 address and a MAC always end up here. */
		if (n >= 4) {
			uint32_t lo, hi;

			memcpy(&lo, b, 4);
			memcpy(&hi, b + n - 4, 4);
			w = (uint64_t)lo << 32 | hi;
		} else {
			w = (uint64_t)b[0] << 16 | (uint64_t)b[n / 2] << 8 | b[n - 1];
		}
		h = mum(h ^ w, UINT64_C(0xe7037ed1a0b428db));
	}
	return fmix64(h);
}

uint64_t topo_hash_str(const char *s)
{
	return topo_hash_bytes(s, strlen(s), 0);
}

bool topo_eq_str(const void *stored, const void *key)
{
	return strcmp(stored, key) == 0;
}

uint64_t topo_hash_addr(const struct topo_addr *a)
{
	return topo_hash_bytes(a->bytes, topo_addr_len(a), a->family);
}

bool topo_eq_addr(const void *stored, const void *key)
{
	const struct topo_addr *x = stored, *y = key;

	return x->family == y->family && memcmp(x->bytes, y->bytes, topo_addr_len(x)) == 0;
}

uint64_t topo_hash_mac(const uint8_t mac[6])
{
	return topo_hash_bytes(mac, 6, 0x6d6163);
}

bool topo_eq_mac(const void *stored, const void *key)
{
	return memcmp(stored, key, 6) == 0;
}

/* -------------------------------------------------------------- hash table */

static int htab_alloc(struct topo_htab *t, size_t cap)
{
	struct topo_hslot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	t->slots = slots;
	t->mask = cap - 1;
	t->n = 0;
	return 0;
}

int topo_htab_init(struct topo_htab *t, size_t expected)
{
	size_t cap = 16;

	/* Load factor at most 1/2 keeps linear probing chains short. */
	while (cap / 2 < expected) {
		if (cap > SIZE_MAX / 4 / sizeof(struct topo_hslot))
			return -ENOMEM;
		cap *= 2;
	}
	return htab_alloc(t, cap);
}

void topo_htab_free(struct topo_htab *t)
{
	free(t->slots);
	t->slots = NULL;
	t->mask = 0;
	t->n = 0;
}

void *topo_htab_get(const struct topo_htab *t, uint64_t hash, const void *key, topo_htab_eq_fn eq)
{
	if (!t->slots)
		return NULL;
	for (size_t i = hash & t->mask;; i = (i + 1) & t->mask) {
		const struct topo_hslot *sl = &t->slots[i];

		if (!sl->key)
			return NULL;
		if (sl->hash == hash && eq(sl->key, key))
			return sl->value;
	}
}

static void htab_insert_new(struct topo_htab *t, uint64_t hash, const void *key, void *value)
{
	size_t i = hash & t->mask;

	while (t->slots[i].key)
		i = (i + 1) & t->mask;
	t->slots[i] = (struct topo_hslot){ .hash = hash, .key = key, .value = value };
	t->n++;
}

static int htab_grow(struct topo_htab *t)
{
	struct topo_htab bigger;
	size_t cap = t->mask + 1;
	int r;

	if (cap > SIZE_MAX / 4 / sizeof(struct topo_hslot))
		return -ENOMEM;
	r = htab_alloc(&bigger, cap * 2);
	if (r < 0)
		return r;
	for (size_t i = 0; i < cap; i++)
		if (t->slots[i].key)
			htab_insert_new(&bigger, t->slots[i].hash, t->slots[i].key, t->slots[i].value);
	free(t->slots);
	*t = bigger;
	return 0;
}

int topo_htab_put(struct topo_htab *t, uint64_t hash, const void *key, void *value, topo_htab_eq_fn eq,
		  void **ret_existing)
{
	size_t i;
	int r;

	if (ret_existing)
		*ret_existing = NULL;
	if (!t->slots || (t->n + 1) * 2 > t->mask + 1) {
		r = t->slots ? htab_grow(t) : topo_htab_init(t, 0);
		if (r < 0)
			return r;
	}
	/* One probe sequence finds an equal key or the free slot for it. */
	for (i = hash & t->mask; t->slots[i].key; i = (i + 1) & t->mask) {
		if (t->slots[i].hash == hash && eq(t->slots[i].key, key)) {
			if (ret_existing)
				*ret_existing = t->slots[i].value;
			return 0;
		}
	}
	t->slots[i] = (struct topo_hslot){ .hash = hash, .key = key, .value = value };
	t->n++;
	return 0;
}
