/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Station table tests: dedupe, first-seen order, the area-diversity
 * replacement rule, the bounds, what observe() returns, reclassification
 * and expiry. */
#include <arpa/inet.h>
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "probe.h"

static struct topo_addr v4(const char *s)
{
	struct topo_addr a;

	memset(&a, 0, sizeof(a));
	a.family = 4;
	ck_assert_int_eq(inet_pton(AF_INET, s, a.bytes), 1);
	return a;
}

static struct topo_addr v4n(unsigned n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "10.%u.%u.%u", (n >> 16) & 255, (n >> 8) & 255, n & 255);
	return v4(buf);
}

static struct probe_frame_ref ref(uint32_t frame)
{
	struct probe_frame_ref r = { .frame = frame, .file = 0 };

	return r;
}

static const uint8_t mac1[6] = { 2, 0, 0, 0, 0, 1 }, mac2[6] = { 2, 0, 0, 0, 0, 2 }, mac3[6] = { 2, 0, 0, 0, 0, 3 };

START_TEST(test_dedupe_and_order)
{
	struct probe_station_table *t = probe_station_table_new(0);
	const struct probe_station *s;
	struct topo_addr a = v4("10.0.0.1"), b = v4("10.0.1.1");
	size_t it = 0;

	probe_station_observe(t, mac2, &a, -1, 0, 1, true, 100, ref(1));
	probe_station_observe(t, mac1, &b, 10, 1, 0, false, 200, ref(2));
	probe_station_observe(t, mac2, &a, -1, 0, 2, false, 300, ref(3));
	probe_station_observe(t, mac2, &a, 20, 0, 0, false, 400, ref(4)); /* other VLAN: other observation */
	probe_station_observe(t, mac2, &b, -1, 1, 0, false, 50, ref(5));
	ck_assert_uint_eq(probe_station_table_count(t), 2);
	ck_assert_uint_eq(probe_station_table_dropped(t), 0);

	s = probe_station_table_next(t, &it);
	ck_assert_mem_eq(s->mac, mac2, 6); /* first seen first */
	ck_assert_uint_eq(s->n_obs, 3);
	ck_assert_mem_eq(&s->obs[0].ip, &a, sizeof(a));
	ck_assert_int_eq(s->obs[0].vlan, -1);
	ck_assert_uint_eq(s->obs[0].count, 2);
	ck_assert_uint_eq(s->obs[0].tag, 3); /* tags accumulate */
	ck_assert(s->obs[0].via_arp);       /* first sighting was ARP */
	ck_assert_uint_eq(s->obs[0].first_ns, 100);
	ck_assert_uint_eq(s->obs[0].first_frame.frame, 1);
	ck_assert_int_eq(s->obs[1].vlan, 20);
	ck_assert_int_eq(s->obs[2].area, 1);
	s = probe_station_table_next(t, &it);
	ck_assert_mem_eq(s->mac, mac1, 6);
	ck_assert_uint_eq(s->n_obs, 1);
	ck_assert_ptr_null(probe_station_table_next(t, &it));

	/* an earlier sighting (captures read out of order) becomes "first" */
	probe_station_observe(t, mac1, &b, 10, 1, 0, true, 150, ref(9));
	it = 1;
	s = probe_station_table_next(t, &it);
	ck_assert_uint_eq(s->obs[0].first_ns, 150);
	ck_assert_uint_eq(s->obs[0].first_frame.frame, 9);
	ck_assert(s->obs[0].via_arp);
	ck_assert_uint_eq(s->obs[0].count, 2);
	probe_station_table_free(t);
}
END_TEST

START_TEST(test_area_diversity)
{
	struct probe_station_table *t = probe_station_table_new(0);
	const struct probe_station *s;
	struct topo_addr a;
	size_t it = 0;
	unsigned i, areas[20] = { 0 };

	/* 16 addresses of area 0 fill the slots */
	for (i = 0; i < PROBE_STATION_OBS; i++) {
		a = v4n(i);
		probe_station_observe(t, mac1, &a, -1, 0, 0, false, 1000 + i, ref(i + 1));
	}
	/* a 17th of area 0: dropped */
	a = v4n(100);
	probe_station_observe(t, mac1, &a, -1, 0, 0, false, 2000, ref(100));
	s = probe_station_table_next(t, &it);
	ck_assert_uint_eq(s->n_obs, PROBE_STATION_OBS);
	ck_assert_uint_eq(s->dropped_obs, 1);
	/* area 1 replaces the newest area-0 observation (first_ns 1015) */
	a = v4n(200);
	probe_station_observe(t, mac1, &a, -1, 1, 0, false, 3000, ref(200));
	ck_assert_uint_eq(s->dropped_obs, 2);
	ck_assert_int_eq(s->obs[15].area, 1);
	ck_assert_mem_eq(&s->obs[15].ip, &a, sizeof(a));
	/* area 1 again: already represented, dropped */
	a = v4n(201);
	probe_station_observe(t, mac1, &a, -1, 1, 0, false, 3001, ref(201));
	ck_assert_int_eq(s->obs[15].area, 1);
	ck_assert_uint_eq(s->obs[15].first_frame.frame, 200);
	/* "no area" (-1) counts as an area of its own */
	a = v4n(300);
	probe_station_observe(t, mac1, &a, -1, -1, 0, false, 4000, ref(300));
	ck_assert_int_eq(s->obs[14].area, -1);
	/* more areas: each replaces an area-0 slot, area 1 and -1 survive */
	for (i = 2; i < 16; i++) {
		a = v4n(400 + i);
		probe_station_observe(t, mac1, &a, -1, (int)i, 0, false, 5000 + i, ref(400 + i));
	}
	for (i = 0; i < s->n_obs; i++)
		areas[s->obs[i].area + 1]++;
	ck_assert_uint_eq(areas[0], 1); /* -1 */
	ck_assert_uint_eq(areas[1], 1); /* area 0: down to one, never to zero */
	for (i = 2; i < 16; i++) /* areas 1 … 14 */
		ck_assert_uint_eq(areas[i], 1);
	ck_assert_uint_eq(areas[16], 0); /* area 15 found the slots full of distinct areas */
	/* 16 distinct areas: a 17th cannot get in */
	a = v4n(999);
	probe_station_observe(t, mac1, &a, -1, 50, 0, false, 9000, ref(999));
	for (i = 0; i < s->n_obs; i++)
		ck_assert_int_ne(s->obs[i].area, 50);
	/* the oldest evidence of area 0 is the one kept */
	for (i = 0; i < s->n_obs; i++)
		if (s->obs[i].area == 0)
			ck_assert_uint_eq(s->obs[i].first_ns, 1000);
	probe_station_table_free(t);
}
END_TEST

START_TEST(test_bounds)
{
	struct probe_station_table *t = probe_station_table_new(2);
	struct topo_addr a = v4("10.0.0.1");
	unsigned i;

	probe_station_observe(t, mac1, &a, -1, 0, 0, false, 1, ref(1));
	probe_station_observe(t, mac2, &a, -1, 0, 0, false, 2, ref(2));
	probe_station_observe(t, mac3, &a, -1, 0, 0, false, 3, ref(3));
	probe_station_observe(t, mac1, &a, -1, 0, 0, false, 4, ref(4));
	ck_assert_uint_eq(probe_station_table_count(t), 2);
	ck_assert_uint_eq(probe_station_table_dropped(t), 1);
	probe_station_table_free(t);

	/* a MAC flood: 100 000 MACs into 1 000 slots */
	t = probe_station_table_new(1000);
	for (i = 0; i < 100000; i++) {
		uint8_t m[6] = { 2, 0, (uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };

		probe_station_observe(t, m, &a, -1, 0, 0, false, i, ref(i + 1));
	}
	ck_assert_uint_eq(probe_station_table_count(t), 1000);
	ck_assert_uint_eq(probe_station_table_dropped(t), 99000);
	size_t it = 0, n = 0;
	const struct probe_station *s;
	while ((s = probe_station_table_next(t, &it))) {
		if (s->mac[5] != (uint8_t)n)
			ck_abort_msg("station %zu out of order", n);
		n++;
	}
	ck_assert_uint_eq(n, 1000);
	probe_station_table_free(t);
	probe_station_table_free(NULL);
}
END_TEST

/* observe() returns the station exactly when an observation was added or
 * replaced; last_ns is the latest sighting of any kind. */
START_TEST(test_observe_return)
{
	struct probe_station_table *t = probe_station_table_new(1);
	struct probe_station *s, *s2;
	struct topo_addr a = v4("10.0.0.1"), b;
	unsigned i;

	s = probe_station_observe(t, mac1, &a, -1, 0, 1, false, 500, ref(1));
	ck_assert_ptr_nonnull(s);
	ck_assert_mem_eq(s->mac, mac1, 6);
	ck_assert_uint_eq(s->last_ns, 500);
	ck_assert_uint_eq(s->user_flags, 0);
	s->user_flags = 0x5a;
	/* repeat sighting: NULL, but counted and last_ns moves */
	ck_assert_ptr_null(probe_station_observe(t, mac1, &a, -1, 0, 2, false, 700, ref(2)));
	ck_assert_uint_eq(s->obs[0].count, 2);
	ck_assert_uint_eq(s->last_ns, 700);
	/* an older repeat (out-of-order captures): last_ns is the max */
	ck_assert_ptr_null(probe_station_observe(t, mac1, &a, -1, 0, 0, false, 100, ref(3)));
	ck_assert_uint_eq(s->last_ns, 700);
	ck_assert_uint_eq(s->obs[0].first_ns, 100);
	/* a new VLAN is a new observation */
	s2 = probe_station_observe(t, mac1, &a, 7, 0, 0, false, 800, ref(4));
	ck_assert_ptr_eq(s2, s);
	ck_assert_uint_eq(s->n_obs, 2);
	ck_assert_uint_eq(s->user_flags, 0x5a); /* probe never touches it */
	/* fill the slots with area 0, then: area 0 again is dropped (NULL),
	 * a new area replaces one (the station) */
	for (i = 2; i < PROBE_STATION_OBS; i++) {
		b = v4n(i);
		ck_assert_ptr_eq(probe_station_observe(t, mac1, &b, -1, 0, 0, false, 900 + i, ref(10 + i)), s);
	}
	b = v4n(100);
	ck_assert_ptr_null(probe_station_observe(t, mac1, &b, -1, 0, 0, false, 2000, ref(100)));
	ck_assert_uint_eq(s->dropped_obs, 1);
	ck_assert_uint_eq(s->last_ns, 2000);
	b = v4n(101);
	ck_assert_ptr_eq(probe_station_observe(t, mac1, &b, -1, 3, 0, false, 2001, ref(101)), s);
	/* a MAC that can't be recorded (table full): NULL */
	ck_assert_ptr_null(probe_station_observe(t, mac2, &a, -1, 0, 0, false, 3000, ref(200)));
	ck_assert_uint_eq(probe_station_table_dropped(t), 1);
	probe_station_table_free(t);
}
END_TEST

/* reclassify: area 1 → 5, area 2 → removed (tag 0), others kept as set */
static void reclass(const uint8_t mac[6], struct probe_obs *o, void *userdata)
{
	unsigned *calls = userdata;

	(*calls)++;
	if (mac[5] == 3) {
		o->tag = 0; /* every observation of mac3 goes */
		return;
	}
	if (o->area == 1) {
		o->area = 5;
		o->tag = 0x10;
	} else if (o->area == 2) {
		o->tag = 0;
	} else {
		o->tag = 0x20;
	}
}

START_TEST(test_reclassify)
{
	struct probe_station_table *t = probe_station_table_new(0);
	const struct probe_station *s;
	struct probe_station *st;
	struct topo_addr a;
	unsigned i, calls = 0;
	const int areas[6] = { 2, 1, 0, 2, 1, 2 };
	size_t it = 0;

	for (i = 0; i < 6; i++) {
		a = v4n(i);
		probe_station_observe(t, mac1, &a, -1, areas[i], 1, false, 100 + i, ref(i + 1));
	}
	st = probe_station_observe(t, mac3, &a, -1, 0, 1, false, 50, ref(20));
	st->user_flags = 7;
	a = v4n(9);
	probe_station_observe(t, mac2, &a, -1, 0, 1, false, 60, ref(21));
	probe_station_table_reclassify(t, reclass, &calls);
	ck_assert_uint_eq(calls, 8);

	s = probe_station_table_next(t, &it);
	ck_assert_mem_eq(s->mac, mac1, 6);
	/* the three area-2 observations are gone; the rest keep their order */
	ck_assert_uint_eq(s->n_obs, 3);
	a = v4n(1);
	ck_assert_mem_eq(&s->obs[0].ip, &a, sizeof(a));
	ck_assert_int_eq(s->obs[0].area, 5);
	ck_assert_uint_eq(s->obs[0].tag, 0x10);
	ck_assert_uint_eq(s->obs[0].first_frame.frame, 2);
	a = v4n(2);
	ck_assert_mem_eq(&s->obs[1].ip, &a, sizeof(a));
	ck_assert_int_eq(s->obs[1].area, 0);
	ck_assert_uint_eq(s->obs[1].tag, 0x20);
	a = v4n(4);
	ck_assert_mem_eq(&s->obs[2].ip, &a, sizeof(a));
	ck_assert_int_eq(s->obs[2].area, 5);
	/* mac3 lost every observation but stays, with its user_flags */
	s = probe_station_table_next(t, &it);
	ck_assert_mem_eq(s->mac, mac3, 6);
	ck_assert_uint_eq(s->n_obs, 0);
	ck_assert_uint_eq(s->user_flags, 7);
	s = probe_station_table_next(t, &it);
	ck_assert_mem_eq(s->mac, mac2, 6);
	ck_assert_uint_eq(s->n_obs, 1);
	ck_assert_uint_eq(s->obs[0].tag, 0x20);
	ck_assert_ptr_null(probe_station_table_next(t, &it));
	ck_assert_uint_eq(probe_station_table_count(t), 3);

	/* a removed observation seen again is new: observe returns the station */
	a = v4n(0);
	st = probe_station_observe(t, mac1, &a, -1, 2, 1, false, 900, ref(30));
	ck_assert_ptr_nonnull(st);
	ck_assert_uint_eq(st->n_obs, 4);
	ck_assert_uint_eq(st->obs[3].first_frame.frame, 30);
	ck_assert_ptr_null(probe_station_observe(t, mac1, &a, -1, 2, 1, false, 901, ref(31)));
	probe_station_table_free(t);
}
END_TEST

static void mac_of(unsigned n, uint8_t m[6])
{
	m[0] = 2;
	m[1] = 0;
	m[2] = (uint8_t)(n >> 24);
	m[3] = (uint8_t)(n >> 16);
	m[4] = (uint8_t)(n >> 8);
	m[5] = (uint8_t)n;
}

/* A station found by observing it again without adding anything: the
 * lookup must find the existing one (NULL return, no new station). */
static bool present(struct probe_station_table *t, unsigned n, const struct topo_addr *a)
{
	size_t before = probe_station_table_count(t);
	uint8_t m[6];
	const struct probe_station *s;
	size_t it = 0;

	mac_of(n, m);
	while ((s = probe_station_table_next(t, &it)))
		if (memcmp(s->mac, m, 6) == 0)
			break;
	if (!s)
		return false;
	/* a repeat of its first observation: found through the index, so
	 * nothing is added (NULL) and the count stays */
	ck_assert_ptr_null(probe_station_observe(t, m, a, -1, 0, 0, false, s->last_ns, ref(1)));
	ck_assert_uint_eq(probe_station_table_count(t), before);
	return true;
}

START_TEST(test_expire)
{
	struct probe_station_table *t = probe_station_table_new(64);
	const struct probe_station *s;
	struct probe_station *st;
	struct topo_addr a = v4("10.0.0.1");
	uint8_t m[6];
	unsigned i, n;
	size_t it;

	/* 40 stations; the odd ones last seen at 1000+i, the even ones
	 * refreshed at 5000 */
	for (i = 0; i < 40; i++) {
		mac_of(i, m);
		st = probe_station_observe(t, m, &a, -1, 0, 0, false, 1000 + i, ref(i + 1));
		ck_assert_ptr_nonnull(st);
		st->user_flags = 0xff;
	}
	for (i = 0; i < 40; i += 2) {
		mac_of(i, m);
		probe_station_observe(t, m, &a, -1, 0, 0, false, 5000, ref(100 + i));
	}
	ck_assert_uint_eq(probe_station_table_expire(t, 1000), 0); /* nothing older than 1000 */
	ck_assert_uint_eq(probe_station_table_expired(t), 0);
	ck_assert_uint_eq(probe_station_table_expire(t, 2000), 20);
	ck_assert_uint_eq(probe_station_table_expired(t), 20);
	ck_assert_uint_eq(probe_station_table_count(t), 20);
	/* iteration sees the survivors only */
	it = 0;
	n = 0;
	while ((s = probe_station_table_next(t, &it))) {
		ck_assert_uint_eq(s->mac[5] % 2, 0);
		ck_assert_uint_eq(s->last_ns, 5000);
		n++;
	}
	ck_assert_uint_eq(n, 20);
	/* the index was rebuilt: every survivor is still found */
	for (i = 0; i < 40; i += 2)
		ck_assert(present(t, i, &a));
	for (i = 1; i < 40; i += 2)
		ck_assert(!present(t, i, &a));
	/* an expired MAC seen again is a fresh station */
	mac_of(3, m);
	st = probe_station_observe(t, m, &a, -1, 0, 0, false, 6000, ref(300));
	ck_assert_ptr_nonnull(st);
	ck_assert_uint_eq(st->user_flags, 0);
	ck_assert_uint_eq(st->n_obs, 1);
	ck_assert_uint_eq(st->obs[0].count, 1);
	ck_assert_uint_eq(st->obs[0].first_ns, 6000);
	ck_assert_uint_eq(st->last_ns, 6000);
	ck_assert_uint_eq(probe_station_table_count(t), 21);
	ck_assert(present(t, 3, &a));
	/* it reused a freed slot: the lowest one (slot 1, MAC 1's) */
	it = 0;
	probe_station_table_next(t, &it);
	s = probe_station_table_next(t, &it);
	ck_assert_ptr_eq(s, st);
	/* expire everything */
	ck_assert_uint_eq(probe_station_table_expire(t, UINT64_MAX), 21);
	ck_assert_uint_eq(probe_station_table_count(t), 0);
	it = 0;
	ck_assert_ptr_null(probe_station_table_next(t, &it));
	ck_assert_uint_eq(probe_station_table_expired(t), 41);
	probe_station_table_free(t);
}
END_TEST

/* 10 × max distinct MACs in waves with expiry in between: the table never
 * holds more than max, nothing is dropped, lookups stay right. */
START_TEST(test_expire_waves)
{
	const unsigned max = 1000, wave = 250;
	struct probe_station_table *t = probe_station_table_new(max);
	struct topo_addr a = v4("10.0.0.1");
	const struct probe_station *s;
	uint8_t m[6];
	unsigned i, w, n;
	uint64_t now = 0;
	size_t it;

	for (w = 0; w < 10 * max / wave; w++) {
		for (i = 0; i < wave; i++) {
			mac_of(w * wave + i, m);
			ck_assert_ptr_nonnull(probe_station_observe(t, m, &a, -1, 0, 0, false, ++now, ref(1)));
			ck_assert_uint_le(probe_station_table_count(t), max);
		}
		/* keep the last three waves (750 stations): a fourth fits;
		 * wave w has timestamps w * wave + 1 … (w + 1) * wave */
		if (w >= 3)
			ck_assert_uint_eq(probe_station_table_expire(t, (uint64_t)(w - 2) * wave + 1), wave);
		ck_assert_uint_le(probe_station_table_count(t), 3 * wave);
		/* the live ones are exactly the last waves, all found */
		it = 0;
		n = 0;
		while ((s = probe_station_table_next(t, &it))) {
			unsigned id = (unsigned)s->mac[2] << 24 | (unsigned)s->mac[3] << 16 | (unsigned)s->mac[4] << 8 |
				      s->mac[5];

			ck_assert_uint_ge(id, w >= 2 ? (w - 2) * wave : 0);
			n++;
		}
		ck_assert_uint_eq(n, probe_station_table_count(t));
		for (i = w >= 2 ? (w - 2) * wave : 0; i < (w + 1) * wave; i += 37)
			ck_assert(present(t, i, &a));
	}
	ck_assert_uint_eq(probe_station_table_dropped(t), 0);
	ck_assert_uint_eq(probe_station_table_expired(t), (10 * max / wave - 3) * wave);
	/* and still full to max when needed */
	for (i = 0; i < max; i++) {
		mac_of(0x100000 + i, m);
		probe_station_observe(t, m, &a, -1, 0, 0, false, ++now, ref(1));
	}
	ck_assert_uint_eq(probe_station_table_count(t), max);
	ck_assert_uint_eq(probe_station_table_dropped(t), 3 * wave);
	probe_station_table_free(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("probe-station");
	TCase *tc = tcase_create("station");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_dedupe_and_order);
	tcase_add_test(tc, test_area_diversity);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_observe_return);
	tcase_add_test(tc, test_reclassify);
	tcase_add_test(tc, test_expire);
	tcase_add_test(tc, test_expire_waves);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
