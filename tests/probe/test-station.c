/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Station table tests: dedupe, first-seen order, the area-diversity
 * replacement rule and the bounds. */
#include <arpa/inet.h>
#include <check.h>
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

int main(void)
{
	Suite *s = suite_create("probe-station");
	TCase *tc = tcase_create("station");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_dedupe_and_order);
	tcase_add_test(tc, test_area_diversity);
	tcase_add_test(tc, test_bounds);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
