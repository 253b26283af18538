/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Addresses, prefixes, MACs and the diagnostics list.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "topology.h"

/* ------------------------------------------------------- addresses */

struct addr_case {
	const char *text;
	int ret;
	const char *canonical; /* formatted back, when ret == 0 */
	uint8_t family;
};

static const struct addr_case addr_cases[] = {
	{ "10.10.1.1", 0, "10.10.1.1", 4 },
	{ "0.0.0.0", 0, "0.0.0.0", 4 },
	{ "255.255.255.255", 0, "255.255.255.255", 4 },
	{ "fd00:10::1", 0, "fd00:10::1", 6 },
	{ "FD00:0010:0000:0000:0000:0000:0000:0001", 0, "fd00:10::1", 6 },
	{ "::", 0, "::", 6 },
	{ "::ffff:10.1.2.3", 0, "::ffff:10.1.2.3", 6 },
	{ "2001:db8::", 0, "2001:db8::", 6 },
	{ "", -EINVAL, NULL, 0 },
	{ "10.10.1", -EINVAL, NULL, 0 },
	{ "10.10.1.256", -EINVAL, NULL, 0 },
	{ "010.10.1.1", -EINVAL, NULL, 0 }, /* no octal look-alikes */
	{ "10.10.1.1 ", -EINVAL, NULL, 0 },
	{ "10.10.1.1/32", -EINVAL, NULL, 0 },
	{ "fe80::1%eth0", -EINVAL, NULL, 0 },
	{ "1:2:3:4:5:6:7:8:9", -EINVAL, NULL, 0 },
	{ "fd00::10::1", -EINVAL, NULL, 0 },
	{ "host.example", -EINVAL, NULL, 0 },
	{ "1111111111111111111111111111111111111111111111111111111111111111", -EINVAL, NULL, 0 },
};

START_TEST(test_addr_parse)
{
	const struct addr_case *c = &addr_cases[_i];
	struct topo_addr a, zero = { 0 };
	char buf[TOPO_ADDR_STRLEN];

	memset(&a, 0x5a, sizeof(a));
	ck_assert_msg(topo_addr_parse(c->text, &a) == c->ret, "parse \"%s\"", c->text);
	if (c->ret != 0)
		return;
	ck_assert_int_eq(a.family, c->family);
	ck_assert_str_eq(topo_addr_format(&a, buf), c->canonical);
	/* IPv4 leaves bytes 4..15 zero, so memcmp equality works. */
	if (a.family == 4)
		ck_assert_mem_eq(a.bytes + 4, zero.bytes + 4, 12);
}
END_TEST

struct cidr_case {
	const char *text;
	int ret;
	uint8_t prefix;
};

static const struct cidr_case cidr_cases[] = {
	{ "10.10.0.0/16", 0, 16 },
	{ "10.10.0.0/15", 0, 15 },
	{ "10.11.0.0/15", -EINVAL, 0 }, /* bit 16 is set */
	{ "10.10.0.1/16", -EINVAL, 0 },
	{ "10.10.0.1", 0, 32 },
	{ "0.0.0.0/0", 0, 0 },
	{ "1.0.0.0/0", -EINVAL, 0 },
	{ "10.10.0.0/33", -EINVAL, 0 },
	{ "10.10.0.0/", -EINVAL, 0 },
	{ "10.10.0.0/+16", -EINVAL, 0 },
	{ "10.10.0.0/016", -EINVAL, 0 },
	{ "10.10.0.0/16x", -EINVAL, 0 },
	{ "/16", -EINVAL, 0 },
	{ "fd00:10::/64", 0, 64 },
	{ "fd00:10::1/64", -EINVAL, 0 },
	{ "fd00:10::/129", -EINVAL, 0 },
	{ "::/0", 0, 0 },
	{ "fd00:10::1", 0, 128 },
	{ "fe80::/10", 0, 10 },
	{ "fec0::/10", 0, 10 },
	{ "fe80::/9", 0, 9 },
	{ "fe80::/8", -EINVAL, 0 },
};

START_TEST(test_cidr_parse)
{
	const struct cidr_case *c = &cidr_cases[_i];
	struct topo_addr a;
	uint8_t prefix = 99;

	ck_assert_msg(topo_cidr_parse(c->text, &a, &prefix) == c->ret, "parse \"%s\"", c->text);
	if (c->ret == 0)
		ck_assert_int_eq(prefix, c->prefix);
}
END_TEST

static struct topo_addr A(const char *s)
{
	struct topo_addr a;

	ck_assert_msg(topo_addr_parse(s, &a) == 0, "bad test address %s", s);
	return a;
}

START_TEST(test_in_prefix)
{
	struct topo_addr net4 = A("10.10.0.0"), net6 = A("fd00:10::"), any4 = A("0.0.0.0"), odd = A("10.10.0.0");
	struct topo_addr a;

	a = A("10.10.255.255");
	ck_assert(topo_addr_in_prefix(&a, &net4, 16));
	a = A("10.11.0.0");
	ck_assert(!topo_addr_in_prefix(&a, &net4, 16));
	ck_assert(topo_addr_in_prefix(&a, &net4, 15));
	ck_assert(topo_addr_in_prefix(&a, &any4, 0));
	a = A("10.10.0.0");
	ck_assert(topo_addr_in_prefix(&a, &odd, 32));
	ck_assert(!topo_addr_in_prefix(&a, &odd, 33)); /* longer than the family */
	a = A("fd00:10::ffff");
	ck_assert(topo_addr_in_prefix(&a, &net6, 64));
	ck_assert(!topo_addr_in_prefix(&a, &net4, 0)); /* families never mix */
	a = A("fd00:11::1");
	ck_assert(!topo_addr_in_prefix(&a, &net6, 64));
	ck_assert(topo_addr_in_prefix(&a, &net6, 16));
	/* a prefix length that isn't a multiple of 8 */
	net4 = A("192.168.4.0");
	a = A("192.168.7.9");
	ck_assert(topo_addr_in_prefix(&a, &net4, 22));
	a = A("192.168.8.9");
	ck_assert(!topo_addr_in_prefix(&a, &net4, 22));
}
END_TEST

struct scope_case {
	const char *text;
	bool link_scoped;
};

static const struct scope_case scope_cases[] = {
	{ "0.0.0.0", true },          { "0.1.2.3", true },	{ "127.0.0.1", true },
	{ "169.254.1.1", true },      { "224.0.0.251", true },	{ "239.255.255.250", true },
	{ "255.255.255.255", true },  { "10.10.1.1", false },	{ "169.253.1.1", false },
	{ "240.0.0.1", false },       { "10.10.255.255", false }, /* a subnet broadcast is routed */
	{ "::", true },		      { "::1", true },		{ "fe80::1", true },
	{ "febf::1", true },	      { "fec0::1", false },	{ "ff02::1", true },
	{ "ff05::1:3", true },	      { "fd00:10::1", false },	{ "2001:db8::1", false },
	{ "::2", false },
};

START_TEST(test_link_scoped)
{
	struct topo_addr a = A(scope_cases[_i].text);

	ck_assert_msg(topo_addr_is_link_scoped(&a) == scope_cases[_i].link_scoped, "%s", scope_cases[_i].text);
}
END_TEST

/* ------------------------------------------------------------ MACs */

START_TEST(test_mac)
{
	uint8_t mac[6], want[6] = { 0x02, 0x00, 0x00, 0x10, 0x00, 0xab };
	char buf[TOPO_MAC_STRLEN];

	ck_assert_int_eq(topo_mac_parse("02:00:00:10:00:ab", mac), 0);
	ck_assert_mem_eq(mac, want, 6);
	ck_assert_int_eq(topo_mac_parse("02-00-00-10-00-AB", mac), 0);
	ck_assert_mem_eq(mac, want, 6);
	ck_assert_str_eq(topo_mac_format(mac, buf), "02:00:00:10:00:ab");

	ck_assert_int_eq(topo_mac_parse("02:00:00:10:00", mac), -EINVAL);
	ck_assert_int_eq(topo_mac_parse("02:00:00:10:00:ab:cd", mac), -EINVAL);
	ck_assert_int_eq(topo_mac_parse("02:00-00:10:00:ab", mac), -EINVAL);
	ck_assert_int_eq(topo_mac_parse("02:00:00:10:00:ag", mac), -EINVAL);
	ck_assert_int_eq(topo_mac_parse("0200.0010.00ab", mac), -EINVAL);
	ck_assert_int_eq(topo_mac_parse("2:0:0:10:0:ab", mac), -EINVAL);
	ck_assert_int_eq(topo_mac_parse("", mac), -EINVAL);
}
END_TEST

/* ----------------------------------------------------- diagnostics */

START_TEST(test_diag)
{
	struct topo_diag_list l = { 0 };
	char buf[256], small[16];

	topo_diag_list_clear(&l); /* safe on an empty list */
	ck_assert_int_eq(topo_diag_add(&l, "site.yaml", 12, 7, TOPO_SEV_ERROR, "unknown key \"%s\" in flow", "prots"), 0);
	ck_assert_int_eq(topo_diag_add(&l, "site.yaml", 3, 1, TOPO_SEV_WARNING, "hm"), 0);
	ck_assert_int_eq(topo_diag_add(&l, "missing.yaml", 0, 0, TOPO_SEV_ERROR, "can't open: %s", "No such file"), 0);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(topo_diag_add(&l, "x", 1, 1, TOPO_SEV_WARNING, "%d", i), 0);
	ck_assert_uint_eq(l.n, 103);
	ck_assert_uint_eq(l.n_errors, 2);

	ck_assert_str_eq(topo_diag_format(&l.items[0], buf, sizeof(buf)),
			 "site.yaml:12:7: error: unknown key \"prots\" in flow");
	ck_assert_str_eq(topo_diag_format(&l.items[1], buf, sizeof(buf)), "site.yaml:3:1: warning: hm");
	ck_assert_str_eq(topo_diag_format(&l.items[2], buf, sizeof(buf)), "missing.yaml: error: can't open: No such file");
	/* truncates, always terminated */
	ck_assert_str_eq(topo_diag_format(&l.items[0], small, sizeof(small)), "site.yaml:12:7:");

	topo_diag_list_clear(&l);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_uint_eq(l.n_errors, 0);
	ck_assert_ptr_null(l.items);
}
END_TEST

/* the three-tier table: every pair of tiers, both ways round */
START_TEST(test_tier_crossing)
{
	enum { M = TOPO_TIER_MYNUMBER, L = TOPO_TIER_LGWAN, I = TOPO_TIER_INTERNET, O = TOPO_TIER_OTHER,
	       R = TOPO_TIER_REMOTE };
	static const enum topo_crossing want[5][5] = {
		[M] = {[M] = TOPO_CROSS_NONE, [L] = TOPO_CROSS_MYNUMBER, [I] = TOPO_CROSS_MYNUMBER_INTERNET,
		       [O] = TOPO_CROSS_MYNUMBER, [R] = TOPO_CROSS_REMOTE_MYNUMBER},
		[L] = {[M] = TOPO_CROSS_MYNUMBER, [I] = TOPO_CROSS_LGWAN_INTERNET},
		[I] = {[M] = TOPO_CROSS_MYNUMBER_INTERNET, [L] = TOPO_CROSS_LGWAN_INTERNET},
		[O] = {[M] = TOPO_CROSS_MYNUMBER},
		[R] = {[M] = TOPO_CROSS_REMOTE_MYNUMBER},
	};
	for (int a = 0; a < 5; a++)
		for (int b = 0; b < 5; b++) {
			enum topo_crossing x = topo_tier_crossing((enum topo_tier)a, (enum topo_tier)b);
			ck_assert_msg(x == want[a][b], "tiers %d → %d: %d, want %d", a, b, x, want[a][b]);
			ck_assert(topo_crossing_is_mynumber(x) == ((a == M) != (b == M)));
		}
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(topo_kind_name(TOPO_KIND_MYNUMBER), "mynumber");
	ck_assert_str_eq(topo_kind_name(TOPO_KIND_PUBLIC_INSTITUTION), "public-institution");
	ck_assert_str_eq(topo_kind_name(TOPO_KIND_INTERNET_WAN), "internet-wan");
	ck_assert_str_eq(topo_model_name(TOPO_MODEL_ALPHA_PRIME), "alpha-prime");
	ck_assert_str_eq(topo_model_name(TOPO_MODEL_BETA_PRIME), "beta-prime");
	ck_assert_str_eq(topo_role_name(TOPO_ROLE_SANITIZER), "sanitizer");
	ck_assert_str_eq(topo_flow_kind_name(TOPO_FLOW_SCREEN_TRANSFER), "screen-transfer");
	ck_assert_str_eq(topo_flow_kind_name(TOPO_FLOW_FILE_CDR), "file-cdr");

	ck_assert_int_eq(topo_kind_tier(TOPO_KIND_MYNUMBER), TOPO_TIER_MYNUMBER);
	ck_assert_int_eq(topo_kind_tier(TOPO_KIND_LGWAN), TOPO_TIER_LGWAN);
	ck_assert_int_eq(topo_kind_tier(TOPO_KIND_LGWAN_WAN), TOPO_TIER_LGWAN);
	ck_assert_int_eq(topo_kind_tier(TOPO_KIND_PUBLIC_INSTITUTION), TOPO_TIER_LGWAN);
	ck_assert_int_eq(topo_kind_tier(TOPO_KIND_INTERNET), TOPO_TIER_INTERNET);
	ck_assert_int_eq(topo_kind_tier(TOPO_KIND_INTERNET_WAN), TOPO_TIER_INTERNET);
	ck_assert_int_eq(topo_kind_tier(TOPO_KIND_OTHER), TOPO_TIER_OTHER);
	ck_assert_int_eq(topo_kind_tier(TOPO_KIND_REMOTE_ACCESS), TOPO_TIER_REMOTE);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
	Suite *s = suite_create("topology-addr");
	TCase *tc = tcase_create("addr");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_addr_parse, 0, N(addr_cases));
	tcase_add_loop_test(tc, test_cidr_parse, 0, N(cidr_cases));
	tcase_add_test(tc, test_in_prefix);
	tcase_add_loop_test(tc, test_link_scoped, 0, N(scope_cases));
	tcase_add_test(tc, test_mac);
	tcase_add_test(tc, test_diag);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_tier_crossing);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
