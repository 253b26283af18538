/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reconciliation (analyze/reconcile.c) on connections made by hand: which
 * firewall lies between two zones, the verdict and the deciding rule of an
 * nft JSON ruleset on a connection's first packet, the MAC the firewall
 * sees (not its own), the verdict cache, and the rule usage counts.  The
 * kernel's side of the same model is tests/e2e/reconcile-live.py.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "analyze-internal.h"

static const char site_yaml[] =
	"site: Test City\n"
	"model: alpha\n"
	"zones:\n"
	"  - { name: mynumber, kind: mynumber, segments: [ { cidr: 10.10.0.0/16 } ] }\n"
	"  - { name: lgwan, kind: lgwan, segments: [ { cidr: 10.20.0.0/16 } ] }\n"
	"  - { name: internet, kind: internet, segments: [ { cidr: 10.30.0.0/16 } ] }\n"
	"hosts:\n"
	"  - { name: mn-pc-01, zone: mynumber, mac: 02:00:00:10:00:01, ip: 10.10.1.1 }\n"
	"  - { name: core-fw, zone: lgwan, mac: [ 02:00:00:ff:00:01, 02:00:00:ff:00:02 ], ip: [ 10.10.0.1, 10.20.0.1 ], role: gateway }\n"
	"firewalls:\n"
	"  - name: core-fw\n"
	"    host: core-fw\n"
	"    interfaces:\n"
	"      - { name: vlan10, faces: [ mynumber ] }\n"
	"      - { name: vlan20, faces: [ lgwan ] }\n"
	"      - { name: vlan30, faces: [ internet ] }\n";

#define M(l, r) "{\"match\":{\"op\":\"==\",\"left\":" l ",\"right\":" r "}}"
static const char ruleset_json[] =
	"{\"nftables\":["
	"{\"table\":{\"family\":\"inet\",\"name\":\"filter\",\"handle\":1}},"
	"{\"chain\":{\"family\":\"inet\",\"table\":\"filter\",\"name\":\"forward\",\"handle\":1,\"type\":\"filter\","
	"\"hook\":\"forward\",\"prio\":0,\"policy\":\"drop\"}},"
	"{\"rule\":{\"family\":\"inet\",\"table\":\"filter\",\"chain\":\"forward\",\"handle\":2,\"expr\":["
	M("{\"meta\":{\"key\":\"iifname\"}}", "\"vlan10\"") "," M("{\"meta\":{\"key\":\"oifname\"}}", "\"vlan20\"") ","
	M("{\"payload\":{\"protocol\":\"ip\",\"field\":\"saddr\"}}", "\"10.10.1.1\"") ","
	M("{\"payload\":{\"protocol\":\"tcp\",\"field\":\"dport\"}}", "22") ",{\"accept\":null}]}},"
	"{\"rule\":{\"family\":\"inet\",\"table\":\"filter\",\"chain\":\"forward\",\"handle\":3,\"expr\":["
	M("{\"meta\":{\"key\":\"iifname\"}}", "\"vlan20\"") "," M("{\"meta\":{\"key\":\"oifname\"}}", "\"vlan30\"") ","
	M("{\"payload\":{\"protocol\":\"ether\",\"field\":\"saddr\"}}", "\"02:00:00:20:00:01\"") ",{\"accept\":null}]}}"
	"]}";

static struct topo_site *site;
static struct an_rulesets *rs;
static char path[64];

static void setup(void)
{
	struct topo_diag_list diags = {0};
	char err[512];

	ck_assert_int_eq(topo_site_load_buffer("test-site.yaml", site_yaml, strlen(site_yaml), &site, &diags), 0);
	snprintf(path, sizeof(path), "/tmp/sanso-test-reconcile-%d.json", (int)getpid());
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(ruleset_json, f);
	fclose(f);
	struct an_verify_source src = {.firewall = "core-fw", .path = path};
	ck_assert_int_eq(an_rulesets_load(site, &src, 1, &rs, &diags, err, sizeof(err)), 0);
	ck_assert_uint_eq(an_rulesets_n(rs), 1);
	topo_diag_list_clear(&diags);
}

static void teardown(void)
{
	an_rulesets_free(rs);
	topo_site_free(site);
	unlink(path);
	rs = NULL;
	site = NULL;
}

static void mac(uint8_t *m, unsigned last)
{
	const uint8_t b[6] = {2, 0, 0, (uint8_t)(last >> 8), 0, (uint8_t)last};
	memcpy(m, b, 6);
}

/* A TCP connection src → dst:dport, its initiator's MACs as given. */
static struct an_finding conn(const char *src, int sport, const char *dst, int dport, const unsigned *macs, unsigned n)
{
	struct an_finding c;

	memset(&c, 0, offsetof(struct an_finding, observed));
	ck_assert_int_eq(topo_addr_parse(src, &c.src.ip), 0);
	ck_assert_int_eq(topo_addr_parse(dst, &c.dst.ip), 0);
	c.src.has_ip = c.dst.has_ip = true;
	c.src.port = sport;
	c.dst.port = dport;
	c.proto = 6;
	c.src.zone = topo_site_lookup_area(site, &c.src.ip);
	c.dst.zone = topo_site_lookup_area(site, &c.dst.ip);
	c.src.host = topo_site_lookup_host_ip(site, &c.src.ip); /* as an_policy_describe_flow fills them */
	c.dst.host = topo_site_lookup_host_ip(site, &c.dst.ip);
	for (unsigned i = 0; i < n; i++)
		mac(c.src.macs[c.src.n_macs++], macs[i]);
	return c;
}

static const unsigned MN_PC = 0x1000 | 1, LG_PC = 0x2000 | 1, FW = 0xff00 | 2, OTHER = 0x2000 | 9;

START_TEST(test_verdict_and_rule)
{
	struct an_rverdict v;
	struct an_finding c = conn("10.10.1.1", 40000, "10.20.2.1", 22, &MN_PC, 1);

	ck_assert(an_rulesets_judge(rs, &c, &v));
	ck_assert(v.accept);
	ck_assert_uint_eq(v.n_steps, 1);
	ck_assert_uint_eq(v.steps[0].rule, 0);
	ck_assert_int_eq(an_rulesets_attach(rs, &v, &c), 0);
	ck_assert(c.has_verdict && c.verdict_accept);
	ck_assert_str_eq(c.fw->name, "core-fw");
	ck_assert_uint_eq(c.n_rules, 1);
	ck_assert_ptr_nonnull(strstr(c.rules[0].text, "tcp dport 22 accept"));
	ck_assert_ptr_nonnull(strstr(c.rules[0].location, "handle 2"));
	for (size_t i = 0; i < c.n_rules; i++) {
		free(c.rules[i].location);
		free(c.rules[i].chain);
		free(c.rules[i].text);
	}
	free(c.rules);

	/* another port: the chain's policy */
	c = conn("10.10.1.1", 40001, "10.20.2.1", 23, &MN_PC, 1);
	ck_assert(an_rulesets_judge(rs, &c, &v));
	ck_assert(!v.accept);
	ck_assert_uint_eq(v.n_steps, 1);
	ck_assert_uint_eq(v.steps[0].rule, SIZE_MAX);
}
END_TEST

START_TEST(test_not_across)
{
	struct an_rverdict v;
	/* within one zone, and to the firewall's own address: not judged */
	struct an_finding c = conn("10.10.1.1", 40000, "10.10.2.2", 22, &MN_PC, 1);
	ck_assert(!an_rulesets_judge(rs, &c, &v));
	c = conn("10.10.1.1", 40000, "10.20.0.1", 22, &MN_PC, 1);
	ck_assert(!an_rulesets_judge(rs, &c, &v));
}
END_TEST

START_TEST(test_source_mac)
{
	struct an_rverdict v;
	/* seen on both legs: the firewall's own MAC is not the one it saw
	 * the packet come from */
	const unsigned both[] = {FW, LG_PC};
	struct an_finding c = conn("10.20.1.1", 40000, "10.30.1.1", 443, both, 2);
	ck_assert(an_rulesets_judge(rs, &c, &v));
	ck_assert(v.accept);
	bool known = false;
	ck_assert(an_rulesets_fw_mac(rs, &v, c.src.macs[0], &known));
	ck_assert(known);
	ck_assert(!an_rulesets_fw_mac(rs, &v, c.src.macs[1], &known));
	/* another station's MAC: dropped (the cache keys on the MAC, since
	 * a rule reads it) */
	c = conn("10.20.1.1", 40000, "10.30.1.1", 443, &OTHER, 1);
	ck_assert(an_rulesets_judge(rs, &c, &v));
	ck_assert(!v.accept);
}
END_TEST

START_TEST(test_usage)
{
	struct an_rverdict v;
	struct an_fw_usage *u;
	size_t n;

	for (int i = 0; i < 3; i++) { /* the same service from three source ports: one trace, three counts */
		struct an_finding c = conn("10.10.1.1", 40000 + i, "10.20.2.1", 22, &MN_PC, 1);
		ck_assert(an_rulesets_judge(rs, &c, &v));
		an_rulesets_count(rs, &v, false);
	}
	struct an_finding c = conn("10.10.1.1", 41000, "10.30.1.1", 443, &MN_PC, 1);
	ck_assert(an_rulesets_judge(rs, &c, &v));
	ck_assert(!v.accept);
	an_rulesets_count(rs, &v, true);
	ck_assert_int_eq(an_rulesets_usage(rs, &u, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(u[0].connections, 4);
	ck_assert_uint_eq(u[0].n_rules, 3); /* two rules and the policy */
	ck_assert_uint_eq(u[0].rules[0].connections, 3);
	ck_assert_uint_eq(u[0].rules[0].forbidden, 0);
	ck_assert_uint_eq(u[0].rules[1].connections, 0);
	ck_assert_str_eq(u[0].rules[2].rule.text, "policy drop");
	ck_assert_uint_eq(u[0].rules[2].connections, 1);
	ck_assert_uint_eq(u[0].rules[2].forbidden, 1);
	an_fw_usage_free(u, n);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reconcile");
	TCase *tc = tcase_create("reconcile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_verdict_and_rule);
	tcase_add_test(tc, test_not_across);
	tcase_add_test(tc, test_source_mac);
	tcase_add_test(tc, test_usage);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
