/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The writers (analyze/report/), on findings made by hand: one finding
 * model for traffic and ruleset findings, each format's operations driven
 * over one view, messages worded from the finding's data in both
 * languages, and a copy of a ruleset finding that owns its rules.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "report.h"

static const char site_yaml[] =
	"site: Test City\n"
	"model: alpha\n"
	"zones:\n"
	"  - { name: mynumber, kind: mynumber, segments: [ { cidr: 10.10.0.0/16 } ] }\n"
	"  - { name: lgwan, kind: lgwan, segments: [ { cidr: 10.20.0.0/16 } ] }\n"
	"  - { name: internet, kind: internet, segments: [ { cidr: 10.30.0.0/16 } ] }\n"
	"hosts:\n"
	"  - { name: mn-pc-01, zone: mynumber, mac: 02:00:00:10:00:01, ip: 10.10.1.1 }\n"
	"  - { name: core-fw, zone: lgwan, mac: 02:00:00:ff:00:01, role: gateway }\n"
	"firewalls:\n"
	"  - name: core-fw\n"
	"    host: core-fw\n"
	"    interfaces:\n"
	"      - { name: vlan10, faces: [ mynumber ] }\n"
	"      - { name: vlan20, faces: [ lgwan ] }\n"
	"      - { name: vlan30, faces: [ internet ] }\n";

static struct topo_site *site;

static void setup(void)
{
	struct topo_diag_list diags = {0};

	ck_assert_int_eq(topo_site_load_buffer("test-site.yaml", site_yaml, strlen(site_yaml), &site, &diags), 0);
	topo_diag_list_clear(&diags);
}

static void teardown(void)
{
	topo_site_free(site);
	site = NULL;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	ck_assert_ptr_nonnull(d);
	return d;
}

/* A RULESET-SHADOWED finding: rule 2 of forward, taken by rule 1. */
static struct an_finding *shadowed(const char *rule, const char *by)
{
	struct an_finding *f = an_finding_new();

	ck_assert_ptr_nonnull(f);
	f->check = AN_CHECK_RULESET_SHADOWED;
	f->fw = topo_site_firewall(site, 0);
	f->n_rules = by ? 2 : 1;
	f->rules = calloc(2, sizeof(*f->rules));
	ck_assert_ptr_nonnull(f->rules);
	for (size_t i = 0; i < f->n_rules; i++) {
		f->rules[i].location = xstrdup(i ? by : rule);
		f->rules[i].chain = xstrdup("inet filter forward");
		f->rules[i].text = xstrdup(i ? "ip saddr 10.10.0.0/16 drop" : "ip saddr 10.10.1.1 accept");
		f->rules[i].verdict = i ? "drop" : "accept";
		f->rules[i].index = i ? 1 : 2;
	}
	return f;
}

/* A RULESET-LGWAN-INTERNET-OPEN finding with an example packet. */
static struct an_finding *open_hole(void)
{
	struct an_finding *f = an_finding_new();

	ck_assert_ptr_nonnull(f);
	f->check = AN_CHECK_RULESET_LGWAN_INTERNET_OPEN;
	f->fw = topo_site_firewall(site, 0);
	f->src.zone = topo_site_find_area(site, "lgwan");
	f->dst.zone = topo_site_find_area(site, "internet");
	f->has_example = true;
	f->example = (struct an_vpacket){.family = 4, .proto = 6, .sport = 40000, .dport = 443, .icmp_type = -1,
					 .icmp_code = -1, .iif = "vlan20", .oif = "vlan30"};
	ck_assert_int_eq(topo_addr_parse("10.20.1.1", &f->example.src), 0);
	ck_assert_int_eq(topo_addr_parse("10.30.0.80", &f->example.dst), 0);
	f->example.src_zone = f->src.zone;
	f->example.dst_zone = f->dst.zone;
	f->where = xstrdup("fw.nft:7");
	f->n_rules = 1;
	f->rules = calloc(1, sizeof(*f->rules));
	ck_assert_ptr_nonnull(f->rules);
	f->rules[0] = (struct an_vrule){xstrdup("fw.nft:7"), xstrdup("inet filter forward"), xstrdup("accept"),
					"accept", 3, 0};
	return f;
}

/* A traffic finding (mynumber to the Internet), as the policy makes one. */
static struct an_finding *traffic(void)
{
	struct an_finding *f = an_finding_new();

	ck_assert_ptr_nonnull(f);
	f->check = AN_CHECK_MYNUMBER_INTERNET;
	f->proto = 6;
	f->src.has_ip = f->dst.has_ip = true;
	ck_assert_int_eq(topo_addr_parse("10.10.1.1", &f->src.ip), 0);
	ck_assert_int_eq(topo_addr_parse("93.184.216.34", &f->dst.ip), 0);
	f->src.port = 51514;
	f->dst.port = 443;
	f->src.zone = topo_site_find_area(site, "mynumber");
	f->src.host = topo_site_find_host(site, "mn-pc-01");
	f->first_frame.frame = 7;
	f->message = xstrdup("the message the policy stored");
	return f;
}

/* Writes the view in one format into a string (caller frees). */
static char *write_view(const struct an_view *v, enum an_format format, bool ja)
{
	struct an_output_options o = {.format = format, .japanese = ja, .fail_on = AN_SEV_LOW};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(an_write(v, &o, out), 0);
	ck_assert_int_eq(fclose(out), 0);
	return buf;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* messages.c words a ruleset finding from its data: the wording, the
 * rules, the example — in both languages, the same facts */
START_TEST(test_ruleset_messages)
{
	char buf[AN_MESSAGE_MAX];
	struct an_finding *a = shadowed("fw.nft:9", "fw.nft:8"), *b = shadowed("fw.nft:12", NULL), *o = open_hole();

	ck_assert_str_eq(an_finding_message(site, a, false, buf, sizeof(buf)),
			 "core-fw: rule fw.nft:9 can never match: earlier rules take every packet it would, e.g. fw.nft:8");
	ck_assert_str_eq(an_finding_message(site, a, true, buf, sizeof(buf)),
			 "core-fw: 規則 fw.nft:9 は前の規則にすべて先取りされ、一致することがありません (例: fw.nft:8)");
	b->wording = AN_WORDING_NEVER_SATISFIED;
	ck_assert_str_eq(an_finding_message(site, b, false, buf, sizeof(buf)),
			 "core-fw: rule fw.nft:12 can never match: no packet satisfies all its matches");
	ck_assert_str_eq(an_finding_message(site, o, false, buf, sizeof(buf)),
			 "core-fw accepts new connections from lgwan to internet beyond the declared flows, e.g. tcp "
			 "10.20.1.1:40000 → 10.30.0.80:443 via vlan20 → vlan30; accepted by fw.nft:7");
	o->wording = AN_WORDING_TO_SELF;
	ck_assert_ptr_nonnull(strstr(an_finding_message(site, o, true, buf, sizeof(buf)), "ファイアウォール自身"));
	an_finding_free(a);
	an_finding_free(b);
	an_finding_free(o);
}
END_TEST

/* a copy owns its rules and strings: the original can go first */
START_TEST(test_dup_owns_rules)
{
	char buf[AN_MESSAGE_MAX];
	struct an_finding *o = open_hole(), *d = an_finding_dup(o);

	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_ne(d->rules, o->rules);
	ck_assert_ptr_ne(d->where, o->where);
	an_finding_free(o);
	ck_assert_str_eq(d->rules[0].location, "fw.nft:7");
	ck_assert_str_eq(d->rules[0].text, "accept");
	ck_assert_ptr_nonnull(strstr(an_finding_message(site, d, false, buf, sizeof(buf)), "accepted by fw.nft:7"));
	an_finding_free(d);
}
END_TEST

/* one view, every format: findings in the format's order, headings by
 * severity, the records every format ends with */
START_TEST(test_every_format)
{
	struct an_finding *f[3] = {shadowed("fw.nft:9", "fw.nft:8"), open_hole(), traffic()};
	uint64_t counts[_AN_CHECK_MAX] = {0};
	struct an_vfw_summary fw = {.fw = topo_site_firewall(site, 0), .source = "fw.nft", .rules = 3};
	struct an_counters c = {.packets_read = 10, .flows = 1};

	for (size_t i = 0; i < 3; i++)
		counts[f[i]->check]++;
	struct an_view v = {.kind = AN_VIEW_VERIFY, .site = site, .findings = (const struct an_finding *const *)f,
			    .n_findings = 2, .counts = counts, .firewalls = &fw, .n_firewalls = 1};

	/* JSON: in the order found, then the summary */
	char *s = write_view(&v, AN_FORMAT_JSON, false);
	char *p1 = strstr(s, "RULESET-SHADOWED"), *p2 = strstr(s, "RULESET-LGWAN-INTERNET-OPEN"),
	     *p3 = strstr(s, "\"type\":\"summary\"");
	ck_assert(p1 && p2 && p3 && p1 < p2 && p2 < p3);
	ck_assert_uint_eq(count(s, "\n"), 3);
	ck_assert_ptr_nonnull(strstr(s, "\"original_dst\":null"));
	free(s);

	/* text: the most severe first, each under its heading with its count */
	s = write_view(&v, AN_FORMAT_TEXT, false);
	p1 = strstr(s, "CRITICAL (1)");
	p2 = strstr(s, "[RULESET-LGWAN-INTERNET-OPEN]");
	p3 = strstr(s, "LOW (1)");
	ck_assert(p1 && p2 && p3 && p1 < p2 && p2 < p3);
	ck_assert_ptr_nonnull(strstr(s, "rules     fw.nft:9  [inet filter forward] ip saddr 10.10.1.1 accept  → accept"));
	free(s);
	s = write_view(&v, AN_FORMAT_TEXT, true);
	ck_assert_ptr_nonnull(strstr(s, "重大 (1)"));
	ck_assert_ptr_nonnull(strstr(s, "(例: fw.nft:8)"));
	free(s);

	/* HTML and JUnit: whole documents, one block / case per finding */
	s = write_view(&v, AN_FORMAT_HTML, false);
	ck_assert_uint_eq(count(s, "<pre>"), 2);
	ck_assert_ptr_nonnull(strstr(s, "</body></html>\n"));
	free(s);
	s = write_view(&v, AN_FORMAT_JUNIT, false);
	ck_assert_uint_eq(count(s, "<failure "), 2);
	ck_assert_ptr_nonnull(strstr(s, "name=\"FIREWALLS\""));
	ck_assert_ptr_nonnull(strstr(s, "</testsuites>\n"));
	free(s);

	/* an audit's view with a traffic finding and a ruleset finding (as
	 * reconciliation will make): frames first, the ruleset finding after */
	const struct an_finding *mixed[2] = {f[1], f[2]};
	struct an_view a = {.kind = AN_VIEW_AUDIT, .site = site, .findings = mixed, .n_findings = 2,
			    .counts = counts, .counters = &c};
	s = write_view(&a, AN_FORMAT_JSON, false);
	p1 = strstr(s, "MYNUMBER-INTERNET");
	p2 = strstr(s, "RULESET-LGWAN-INTERNET-OPEN");
	ck_assert(p1 && p2 && p1 < p2);
	ck_assert_ptr_nonnull(strstr(s, "the message the policy stored"));
	free(s);
	for (size_t i = 0; i < 3; i++)
		an_finding_free(f[i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("writers");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ruleset_messages);
	tcase_add_test(tc, test_dup_owns_rules);
	tcase_add_test(tc, test_every_format);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
