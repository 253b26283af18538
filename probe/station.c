/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The station table: for each source MAC, the (address, VLAN) pairs it was
 * seen using — what DUAL-HOMED, ADDRESS-SPOOF, VLAN-MISMATCH and
 * UNKNOWN-DEVICE are judged on.
 *
 * Bounds, because a span port sees whatever the network sends (a MAC
 * flood makes millions of stations):
 *  - at most max_stations stations, kept in slabs allocated on first need,
 *    in first-seen order (iteration walks the slabs); stations are never
 *    removed, so the index is insert-only;
 *  - the index is open addressing over uint32 (station + 1) with at least
 *    two slots per station (load <= 1/2), allocated once with calloc() so
 *    only touched pages are committed: lookup is O(1) expected, with a
 *    seeded hash so MACs can't be chosen to collide;
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

struct probe_station_table {
	size_t max;
	size_t count;
	uint64_t dropped;
	struct probe_hash_seed seed;
	struct probe_station **slabs;
	size_t n_slabs;
	uint32_t *index;
	size_t index_mask;
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
	t->index = calloc(slots, sizeof(*t->index));
	if (!t->slabs || !t->index) {
		probe_station_table_free(t);
		return NULL;
	}
	t->index_mask = slots - 1;
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

/* The station of `mac`, created if new and there is room; NULL otherwise
 * (counted in t->dropped). */
static struct probe_station *station_get(struct probe_station_table *t, const uint8_t mac[6])
{
	size_t pos = probe_hash(&t->seed, mac, 6) & t->index_mask;
	struct probe_station *s;
	size_t i;

	for (; t->index[pos] != 0; pos = (pos + 1) & t->index_mask) {
		s = station_at(t, t->index[pos] - 1);
		if (memcmp(s->mac, mac, 6) == 0)
			return s;
	}
	if (t->count >= t->max) {
		t->dropped++;
		return NULL;
	}
	i = t->count;
	if (!t->slabs[i >> STATION_SLAB_SHIFT]) {
		size_t left = t->max - i;
		size_t n = left < STATION_SLAB_SIZE ? left : STATION_SLAB_SIZE;

		t->slabs[i >> STATION_SLAB_SHIFT] = malloc(n * sizeof(struct probe_station));
		if (!t->slabs[i >> STATION_SLAB_SHIFT]) {
			t->dropped++;
			return NULL;
		}
	}
	s = station_at(t, i);
	memset(s, 0, sizeof(*s));
	memcpy(s->mac, mac, 6);
	t->index[pos] = (uint32_t)(i + 1);
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

void probe_station_observe(struct probe_station_table *t, const uint8_t mac[6], const struct topo_addr *ip,
			   int vlan, int area, uint32_t tag, bool via_arp, uint64_t ts_ns,
			   struct probe_frame_ref ref)
{
	struct probe_station *s = station_get(t, mac);
	unsigned i;
	int victim;

	if (!s)
		return;
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
		return;
	}
	if (s->n_obs < PROBE_STATION_OBS) {
		obs_fill(&s->obs[s->n_obs++], ip, vlan, area, tag, via_arp, ts_ns, ref);
		return;
	}
	s->dropped_obs++;
	victim = obs_victim(s, area);
	if (victim >= 0)
		obs_fill(&s->obs[victim], ip, vlan, area, tag, via_arp, ts_ns, ref);
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
	if (*iter >= t->count)
		return NULL;
	return station_at(t, (*iter)++);
}
