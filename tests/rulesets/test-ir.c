/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rule model itself: the builders every ingester uses, the checks of
 * rs_ruleset_finish, and how rules and locations are printed in findings
 * (nft syntax, prefixes, ct state bitmasks, sets, verdict maps, `tcp dport`).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rulesets.h"

static struct rs_ruleset *r;
static uint32_t tbl, fwd, user;

static void setup(void)
{
	r = rs_ruleset_new("fw.json", RS_ORIGIN_NFT_JSON);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(rs_table_add(r, "filter", RS_FAMILY_INET, &tbl), 0);
	ck_assert_int_eq(rs_chain_get(r, tbl, "forward", &fwd), 0);
	r->chains[fwd].defined = true;
	r->chains[fwd].hook = RS_HOOK_FORWARD;
	ck_assert_int_eq(rs_chain_get(r, tbl, "user", &user), 0);
}

static void teardown(void)
{
	rs_ruleset_free(r);
}

static const char *fmt(const struct rs_rule *rule)
{
	static char buf[512];
	return rs_rule_format(r, rule, buf, sizeof(buf));
}

START_TEST(prefix_port_and_verdict)
{
	struct rs_rule *rule = rs_rule_add(r, fwd);
	uint8_t net[4] = {10, 20, 0, 0};
	struct rs_match *m = rs_match_add(rule);

	rs_match_prefix(m, RS_KEY_IP_SADDR, net, 16);
	ck_assert_uint_eq(m->mask[1], 0xff);
	ck_assert_uint_eq(m->mask[2], 0);
	m = rs_match_add(rule);
	m->keys[0] = RS_KEY_L4PROTO;
	m->value[0] = 6;
	m = rs_match_add(rule);
	m->keys[0] = RS_KEY_DPORT;
	m->value[0] = 0;
	m->value[1] = 22;
	rule->verdict.code = RS_V_ACCEPT;
	rule->handle = 7;
	ck_assert_str_eq(fmt(rule), "ip saddr 10.20.0.0/16 tcp dport 22 accept");

	char loc[256];
	ck_assert_str_eq(rs_rule_location(r, fwd, 0, loc, sizeof(loc)), "fw.json: table inet filter forward handle 7");
	rule->line = 12;
	ck_assert_str_eq(rs_rule_location(r, fwd, 0, loc, sizeof(loc)), "fw.json:12");
}
END_TEST

START_TEST(ct_state_mask_and_iifname)
{
	struct rs_rule *rule = rs_rule_add(r, fwd);
	struct rs_match *m = rs_match_add(rule);
	uint32_t bits = RS_CT_ESTABLISHED | RS_CT_RELATED;

	m->keys[0] = RS_KEY_CT_STATE;
	m->op = RS_OP_NE;
	m->has_mask = true;
	memcpy(m->mask, &bits, 4);
	m = rs_match_add(rule);
	m->keys[0] = RS_KEY_IIFNAME;
	strcpy((char *)m->value, "eth*");
	rule->verdict.code = RS_V_ACCEPT;
	ck_assert_str_eq(fmt(rule), "ct state established,related iifname \"eth*\" accept");
}
END_TEST

START_TEST(sets_and_vmaps)
{
	uint32_t s;
	struct rs_rule *rule = rs_rule_add(r, fwd);

	ck_assert_int_eq(rs_set_add(r, tbl, "__set0", &s), 0);
	r->sets[s].anonymous = true;
	for (int p = 22; p <= 23; p++) {
		struct rs_set_elem *e = rs_set_elem_add(&r->sets[s]);
		e->lo[1] = e->hi[1] = (uint8_t)p;
	}
	struct rs_match *m = rs_match_add(rule);
	m->keys[0] = RS_KEY_DPORT;
	m->op = RS_OP_IN;
	m->set = s;
	rule->verdict.code = RS_V_DROP;
	ck_assert_str_eq(fmt(rule), "th dport { 22, 23 } drop");

	/* a verdict map into a chain */
	uint32_t v;
	ck_assert_int_eq(rs_set_add(r, tbl, "__map0", &v), 0);
	r->sets[v].anonymous = r->sets[v].is_vmap = true;
	struct rs_set_elem *e = rs_set_elem_add(&r->sets[v]);
	e->lo[0] = e->hi[0] = 10;
	e->lo[1] = e->hi[1] = 0;
	e->lo[2] = e->hi[2] = 0;
	e->lo[3] = e->hi[3] = 1;
	e->verdict = (struct rs_verdict){RS_V_JUMP, user};
	rule = rs_rule_add(r, fwd);
	rule->has_vmap = true;
	rule->vmap.keys[0] = RS_KEY_IP_DADDR;
	rule->vmap.n_keys = 1;
	rule->vmap.op = RS_OP_IN;
	rule->vmap.set = v;
	ck_assert_str_eq(fmt(rule), "ip daddr vmap { 10.0.0.1 : jump user }");
}
END_TEST

START_TEST(unsupported_is_named)
{
	struct rs_rule *rule = rs_rule_add(r, fwd);

	ck_assert_int_eq(rs_match_unknown(rule, "meta mark"), 0);
	ck_assert_int_eq(rs_rule_unsupported(rule, "limit %d/second", 10), 0);
	rule->verdict.code = RS_V_ACCEPT;
	ck_assert_str_eq(rule->unsupported, "meta mark; limit 10/second");
	ck_assert_int_eq(rule->matches[0].op, RS_OP_UNKNOWN);
	ck_assert_str_eq(fmt(rule), "meta mark accept");
}
END_TEST

START_TEST(undefined_jump_target)
{
	struct topo_diag_list diags = {0};
	struct rs_rule *rule = rs_rule_add(r, fwd);

	rule->verdict = (struct rs_verdict){RS_V_JUMP, user};
	rule->handle = 3;
	ck_assert_int_eq(rs_ruleset_finish(r, &diags), -EBADMSG);
	ck_assert_uint_eq(diags.n_errors, 1);
	ck_assert_ptr_nonnull(strstr(diags.items[0].message, "'user'"));
	ck_assert_ptr_nonnull(strstr(diags.items[0].message, "handle 3"));
	topo_diag_list_clear(&diags);

	r->chains[user].defined = true;
	ck_assert_int_eq(rs_ruleset_finish(r, &diags), 0);
	ck_assert_uint_eq(diags.n, 0);
}
END_TEST

START_TEST(long_text_is_cut_not_overrun)
{
	struct rs_rule *rule = rs_rule_add(r, fwd);
	char small[16];

	rule->text = strdup("-A FORWARD -s 10.0.0.0/8 -d 192.168.0.0/16 -j ACCEPT");
	rs_rule_format(r, rule, small, sizeof(small));
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert_str_eq(small + sizeof(small) - 4, "...");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ir");
	TCase *tc = tcase_create("ir");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, prefix_port_and_verdict);
	tcase_add_test(tc, ct_state_mask_and_iifname);
	tcase_add_test(tc, sets_and_vmaps);
	tcase_add_test(tc, unsupported_is_named);
	tcase_add_test(tc, undefined_jump_target);
	tcase_add_test(tc, long_text_is_cut_not_overrun);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
