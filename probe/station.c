/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The station table: for each source MAC, the (address, VLAN) pairs it was
 * seen using — what DUAL-HOMED, ADDRESS-SPOOF, VLAN-MISMATCH and
 * UNKNOWN-DEVICE are judged on.
 *
 * Bounds, because a span port sees whatever the network sends (a MAC
 * flood makes millions of stations):
 *  - at most max_stations stations, kept in slabs allocated on first need.
 *    New stations take slots in first-seen order (iteration walks the
 *    slabs, skipping free slots).  probe_station_table_expire() frees the
 *    slots of silent stations onto a free list that later stations reuse
 *    first, so a long run never needs more than max_stations slots
 *    however many MACs come and go;
 *  - the index is open addressing over uint32 (station + 1) with at least
 *    two slots per station (load <= 1/2): lookup is O(1) expected, with a
 *    seeded hash so MACs can't be chosen to collide.  It starts at
 *    INDEX_MIN slots and doubles (rebuilt from the stations) as stations
 *    arrive, up to two slots per possible station, so a site of a few
 *    thousand MACs keeps its index in L1/L2 instead of scattering lookups
 *    over megabytes; the doublings cost O(1) amortised per new station.
 *    Linear probing has no cheap single deletion, so an expiry rebuilds
 *    the whole index from the live stations: O(max_stations), like the
 *    expiry scan itself, and done on a timer rather than per packet;
 *  - at most PROBE_STATION_OBS observations per station, each found by a
 *    linear scan of those 16 slots: O(1) per packet.
 */
#include <stdlib.h>
#include <string.h>

#include "probe-internal.h"
#include "probe.h"

#define STATION_DEFAULT_MAX (1u << 18)
#define STATION_MAX_MAX (1u << 28)
#define STATION_SLAB_SHIFT 8
#define STATION_SLAB_SIZE (1u << STATION_SLAB_SHIFT) /* 256 stations, ~260 KiB */
#define INDEX_MIN 1024 /* index slots to start with (4 KiB) */

/*
 * A free slot is marked by n_obs = STATION_FREE (a live station has at
 * most PROBE_STATION_OBS observations) and links to the next free slot
 * through its dropped_obs field.  Free slots are never lent out, so the
 * public struct carries no private field and keeps its size.
 */
#define STATION_FREE UINT8_MAX
#define STATION_NO_SLOT UINT64_MAX

struct probe_station_table {
	size_t max;
	size_t count; /* live stations */
	size_t used;  /* slots ever taken (high-water mark): [0, used) are live or free */
	uint64_t dropped;
	uint64_t expired;
	uint64_t free_head; /* first free slot below `used`, STATION_NO_SLOT if none */
	struct probe_hash_seed seed;
	struct probe_station **slabs;
	size_t n_slabs;
	uint32_t *index;
	size_t index_mask;
	size_t index_max; /* slots at full size: 2 * max, a power of two */
	unsigned idx_bits; /* low bits of a slot: station + 1; high bits: hash tag */
};

static inline struct probe_station *station_at(const struct probe_station_table *t, size_t i)
{
	return &t->slabs[i >> STATION_SLAB_SHIFT][i & (STATION_SLAB_SIZE - 1)];
}

struct probe_station_table *probe_station_table_new(size_t max_stations)
{
	struct probe_station_table *t;
	size_t slots;

	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->max = max_stations ? max_stations : STATION_DEFAULT_MAX;
	if (t->max > STATION_MAX_MAX)
		t->max = STATION_MAX_MAX;
	probe_hash_seed_init(&t->seed);
	t->n_slabs = (t->max + STATION_SLAB_SIZE - 1) / STATION_SLAB_SIZE;
	t->slabs = calloc(t->n_slabs, sizeof(*t->slabs));
	for (slots = 64; slots < 2 * t->max; slots <<= 1)
		;
	t->index_max = slots;
	if (slots > INDEX_MIN)
		slots = INDEX_MIN;
	t->index = calloc(slots, sizeof(*t->index));
	if (!t->slabs || !t->index) {
		probe_station_table_free(t);
		return NULL;
	}
	t->index_mask = slots - 1;
	t->idx_bits = probe_slot_bits(t->max);
	t->free_head = STATION_NO_SLOT;
	return t;
}

void probe_station_table_free(struct probe_station_table *t)
{
	size_t i;

	if (!t)
		return;
	if (t->slabs)
		for (i = 0; i < t->n_slabs; i++)
			free(t->slabs[i]);
	free(t->slabs);
	free(t->index);
	free(t);
}

/* Rebuilds the index from the live stations (after removals: linear
 * probing cannot simply blank a slot without cutting probe chains; after
 * a doubling: every station has a new home).  A walk over the slabs in
 * order, so the memory streams rather than misses. */
static void station_index_rebuild(struct probe_station_table *t)
{
	size_t i, pos;

	memset(t->index, 0, (t->index_mask + 1) * sizeof(*t->index));
	for (i = 0; i < t->used; i++) {
		const struct probe_station *s = station_at(t, i);

		uint64_t h;

		if (s->n_obs == STATION_FREE)
			continue;
		h = probe_hash(&t->seed, s->mac, 6);
		for (pos = h & t->index_mask; t->index[pos] != 0; pos = (pos + 1) & t->index_mask)
			;
		t->index[pos] = probe_slot_make(t->idx_bits, h, (uint32_t)i);
	}
}

/* Doubles the index when one more station would take it over half full.
 * false when memory runs out: the index stays as it was, still at most
 * half full, and the new station is not recorded. */
static bool station_index_reserve(struct probe_station_table *t)
{
	size_t slots = t->index_mask + 1;
	uint32_t *n;

	if ((t->count + 1) * 2 <= slots)
		return true;
	if (slots >= t->index_max)
		return false; /* not reached: count < max keeps load <= 1/2 */
	n = calloc(slots * 2, sizeof(*n));
	if (!n)
		return false;
	free(t->index);
	t->index = n;
	t->index_mask = slots * 2 - 1;
	station_index_rebuild(t);
	return true;
}

/* The station of `mac`, created if new and there is room; NULL otherwise
 * (counted in t->dropped). */
static struct probe_station *station_get(struct probe_station_table *t, const uint8_t mac[6])
{
	uint64_t h = probe_hash(&t->seed, mac, 6);
	uint32_t tag = probe_slot_tag(t->idx_bits, h);
	size_t pos = h & t->index_mask;
	struct probe_station *s;
	size_t i;

	for (; t->index[pos] != 0; pos = (pos + 1) & t->index_mask) {
		if (!probe_slot_tag_ok(t->idx_bits, t->index[pos], tag))
			continue;
		s = station_at(t, probe_slot_item(t->idx_bits, t->index[pos]));
		if (memcmp(s->mac, mac, 6) == 0)
			return s;
	}
	if (t->count >= t->max) {
		t->dropped++;
		return NULL;
	}
	if ((t->count + 1) * 2 > t->index_mask + 1) {
		if (!station_index_reserve(t)) {
			t->dropped++;
			return NULL;
		}
		/* every home moved: find the empty slot for mac again */
		for (pos = h & t->index_mask; t->index[pos] != 0; pos = (pos + 1) & t->index_mask)
			;
	}
	if (t->free_head != STATION_NO_SLOT) {
		/* an expired station's slot first: memory stays bounded */
		i = (size_t)t->free_head;
		t->free_head = station_at(t, i)->dropped_obs;
	} else {
		i = t->used;
		if (!t->slabs[i >> STATION_SLAB_SHIFT]) {
			size_t left = t->max - i;
			size_t n = left < STATION_SLAB_SIZE ? left : STATION_SLAB_SIZE;

			t->slabs[i >> STATION_SLAB_SHIFT] = malloc(n * sizeof(struct probe_station));
			if (!t->slabs[i >> STATION_SLAB_SHIFT]) {
				t->dropped++;
				return NULL;
			}
		}
		t->used++;
	}
	s = station_at(t, i);
	memset(s, 0, sizeof(*s));
	memcpy(s->mac, mac, 6);
	t->index[pos] = probe_slot_make(t->idx_bits, h, (uint32_t)i);
	t->count++;
	return s;
}

static void obs_fill(struct probe_obs *o, const struct topo_addr *ip, int vlan, int area, uint32_t tag, bool via_arp,
		     uint64_t ts_ns, struct probe_frame_ref ref)
{
	memset(o, 0, sizeof(*o));
	o->ip = *ip;
	o->vlan = vlan;
	o->area = area;
	o->tag = tag;
	o->via_arp = via_arp;
	o->first_ns = ts_ns;
	o->first_frame = ref;
	o->count = 1;
}

/*
 * All PROBE_STATION_OBS slots are taken.  An observation in an area none
 * of them has (the value -1, "no area", counts as an area of its own)
 * replaces the newest observation whose area appears at least twice, so
 * every area stays represented and the oldest evidence stays.  Returns
 * the slot to overwrite, or -1 to drop the new observation.
 */
static int obs_victim(const struct probe_station *s, int area)
{
	int victim = -1;
	unsigned i, j;

	for (i = 0; i < s->n_obs; i++)
		if (s->obs[i].area == area)
			return -1;
	for (i = 0; i < s->n_obs; i++) {
		unsigned same = 0;

		for (j = 0; j < s->n_obs; j++)
			same += s->obs[j].area == s->obs[i].area;
		if (same < 2)
			continue;
		if (victim < 0 || s->obs[i].first_ns >= s->obs[victim].first_ns)
			victim = (int)i;
	}
	return victim;
}

struct probe_station *probe_station_observe(struct probe_station_table *t, const uint8_t mac[6],
					    const struct topo_addr *ip, int vlan, int area, uint32_t tag,
					    bool via_arp, uint64_t ts_ns, struct probe_frame_ref ref)
{
	struct probe_station *s = station_get(t, mac);
	unsigned i;
	int victim;

	if (!s)
		return NULL;
	/* the latest sighting of any kind keeps the station from expiring */
	if (ts_ns > s->last_ns)
		s->last_ns = ts_ns;
	for (i = 0; i < s->n_obs; i++) {
		struct probe_obs *o = &s->obs[i];

		if (o->vlan != vlan || memcmp(&o->ip, ip, sizeof(*ip)) != 0)
			continue;
		o->count++;
		o->tag |= tag;
		/* "first" is the earliest sighting, also when captures are
		 * read out of time order; via_arp describes that sighting */
		if (ts_ns < o->first_ns) {
			o->first_ns = ts_ns;
			o->first_frame = ref;
			o->via_arp = via_arp;
		}
		return NULL;
	}
	if (s->n_obs < PROBE_STATION_OBS) {
		obs_fill(&s->obs[s->n_obs++], ip, vlan, area, tag, via_arp, ts_ns, ref);
		return s;
	}
	s->dropped_obs++;
	victim = obs_victim(s, area);
	if (victim < 0)
		return NULL;
	obs_fill(&s->obs[victim], ip, vlan, area, tag, via_arp, ts_ns, ref);
	return s;
}

void probe_station_table_reclassify(struct probe_station_table *t,
				    void (*fn)(const uint8_t mac[6], struct probe_obs *obs, void *userdata),
				    void *userdata)
{
	size_t i;

	for (i = 0; i < t->used; i++) {
		struct probe_station *s = station_at(t, i);
		unsigned j, kept = 0;

		if (s->n_obs == STATION_FREE)
			continue;
		for (j = 0; j < s->n_obs; j++) {
			fn(s->mac, &s->obs[j], userdata);
			if (s->obs[j].tag == 0)
				continue;
			/* compact in place, keeping the observations' order */
			if (kept != j)
				s->obs[kept] = s->obs[j];
			kept++;
		}
		s->n_obs = (uint8_t)kept;
	}
}

size_t probe_station_table_expire(struct probe_station_table *t, uint64_t before_ns)
{
	size_t i, removed = 0;

	/* walk downwards so the free list hands out low slots first, which
	 * keeps iteration (slot order) close to first-seen order */
	for (i = t->used; i-- > 0;) {
		struct probe_station *s = station_at(t, i);

		if (s->n_obs == STATION_FREE || s->last_ns >= before_ns)
			continue;
		s->n_obs = STATION_FREE;
		s->dropped_obs = t->free_head;
		t->free_head = i;
		removed++;
	}
	if (removed == 0)
		return 0;
	t->count -= removed;
	t->expired += removed;
	station_index_rebuild(t);
	return removed;
}

uint64_t probe_station_table_expired(const struct probe_station_table *t)
{
	return t->expired;
}

size_t probe_station_table_count(const struct probe_station_table *t)
{
	return t->count;
}

uint64_t probe_station_table_dropped(const struct probe_station_table *t)
{
	return t->dropped;
}

const struct probe_station *probe_station_table_next(const struct probe_station_table *t, size_t *iter)
{
	while (*iter < t->used) {
		const struct probe_station *s = station_at(t, (*iter)++);

		if (s->n_obs != STATION_FREE)
			return s;
	}
	return NULL;
}
