/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hot-path lookups: longest-prefix match (IPv4 and IPv6, nested
 * externals), hosts by IP and MAC, declared ports, endpoint and service
 * matching.  A randomised test checks the prefix index against a linear
 * longest-prefix scan.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology.h"

static const char site_yaml[] =
	"site: lookup\n"
	"model: alpha\n"
	"zones:\n"
	"  - name: mn\n"
	"    kind: mynumber\n"
	"    segments:\n"
	"      - { cidr: 10.10.0.0/16, vlan: 10 }\n"
	"      - { cidr: 10.10.5.0/24, vlan: 15, label: inner }\n"
	"      - { cidr: \"fd00:10::/64\" }\n"
	"  - { name: lg, kind: lgwan, segments: [ { cidr: 10.20.0.0/16 }, { cidr: \"fd00:20::/48\" } ] }\n"
	"  - { name: inet, kind: internet, segments: [ { cidr: 10.30.0.0/16 } ] }\n"
	"externals:\n"
	"  - { name: wan, kind: lgwan-wan, cidrs: [ 198.51.0.0/16, \"2001:db8::/32\" ] }\n"
	"  - { name: jlis, kind: public-institution, cidrs: [ 198.51.100.0/24, \"2001:db8:100::/48\" ] }\n"
	"  - { name: jlis-core, kind: public-institution, cidrs: [ 198.51.100.128/25 ] }\n"
	"  - { name: vpn, kind: remote-access, cidrs: [ 172.31.99.0/24 ] }\n"
	"hosts:\n"
	"  - { name: mn1, zone: mn, mac: 02:00:00:10:00:01, ip: [ 10.10.1.1, \"fd00:10::1\" ] }\n"
	"  - { name: srv, zone: mn, mac: [ 02:00:00:10:00:02, 02:00:00:10:00:03 ], ip: 10.10.5.7, role: server }\n"
	"  - { name: gw, zone: lg, mac: 02:00:00:ff:00:01, ip: [ 10.20.0.1, 10.10.0.1 ], role: gateway }\n"
	"  - { name: lg1, zone: lg, mac: 02:00:00:20:00:01, ip: 10.20.1.1 }\n"
	"flows:\n"
	"  - { name: ex, kind: exception, from: { host: srv }, to: { external: jlis, mac: 02:00:00:ff:00:01 },\n"
	"      proto: tcp, ports: [ 443, \"8000-8010\" ], approval: \"CISO承認 1\" }\n"
	"  - { name: dns, kind: service, from: { zone: lg }, to: { cidr: 198.51.0.53/32 }, proto: udp, ports: [ 53 ] }\n"
	"  - { name: ping, kind: service, from: { zone: lg }, to: { external: wan }, proto: icmp }\n"
	"  - { name: anyp, kind: service, from: { zone: lg }, to: { external: wan }, ports: [ 9999 ] }\n"
	"  - { name: all, kind: service, from: { host: lg1 }, to: { external: wan } }\n"
	"  - { name: gre, kind: service, from: { host: lg1 }, to: { external: wan }, proto: 47 }\n";

static struct topo_site *site;
static struct topo_diag_list diags;

static void setup(void)
{
	int r = topo_site_load_buffer("lookup.yaml", site_yaml, strlen(site_yaml), &site, &diags);
	char buf[512];

	if (r != 0)
		for (size_t i = 0; i < diags.n; i++)
			fprintf(stderr, "%s\n", topo_diag_format(&diags.items[i], buf, sizeof(buf)));
	ck_assert_int_eq(r, 0);
	ck_assert_ptr_nonnull(site);
}

static void teardown(void)
{
	topo_site_free(site);
	site = NULL;
	topo_diag_list_clear(&diags);
}

static struct topo_addr A(const char *s)
{
	struct topo_addr a;

	ck_assert_msg(topo_addr_parse(s, &a) == 0, "bad test address %s", s);
	return a;
}

static const uint8_t *M(const char *s)
{
	static uint8_t mac[4][6];
	static unsigned i;
	uint8_t *m = mac[i++ % 4];

	ck_assert_msg(topo_mac_parse(s, m) == 0, "bad test MAC %s", s);
	return m;
}

static const struct topo_flow *flow(const char *name)
{
	for (size_t i = 0; i < topo_site_n_flows(site); i++)
		if (strcmp(topo_site_flow(site, i)->name, name) == 0)
			return topo_site_flow(site, i);
	ck_abort_msg("no flow %s", name);
	return NULL;
}

struct lpm_case {
	const char *addr;
	const char *area;  /* NULL: no segment, internet-wan */
	const char *cidr;  /* the matching segment */
	int vlan;
};

static const struct lpm_case lpm_cases[] = {
	{ "10.10.5.9", "mn", "10.10.5.0/24", 15 },
	{ "10.10.6.1", "mn", "10.10.0.0/16", 10 },
	{ "10.10.0.0", "mn", "10.10.0.0/16", 10 },
	{ "10.10.255.255", "mn", "10.10.0.0/16", 10 },
	{ "fd00:10::5", "mn", "fd00:10::/64", -1 },
	{ "fd00:10:0:1::5", NULL, NULL, -1 },
	{ "fd00:20:0:ffff::1", "lg", "fd00:20::/48", -1 },
	{ "10.20.3.4", "lg", "10.20.0.0/16", -1 },
	{ "10.30.0.1", "inet", "10.30.0.0/16", -1 },
	/* nested externals: the longest prefix wins */
	{ "198.51.100.200", "jlis-core", "198.51.100.128/25", -1 },
	{ "198.51.100.127", "jlis", "198.51.100.0/24", -1 },
	{ "198.51.100.5", "jlis", "198.51.100.0/24", -1 },
	{ "198.51.1.1", "wan", "198.51.0.0/16", -1 },
	{ "2001:db8:100:1::1", "jlis", "2001:db8:100::/48", -1 },
	{ "2001:db8:101::1", "wan", "2001:db8::/32", -1 },
	{ "172.31.99.99", "vpn", "172.31.99.0/24", -1 },
	{ "8.8.8.8", NULL, NULL, -1 },
	{ "10.11.0.1", NULL, NULL, -1 },
	{ "2606:4700::1111", NULL, NULL, -1 },
	{ "::ffff:10.10.1.1", NULL, NULL, -1 }, /* a mapped address is IPv6 */
};

START_TEST(test_lpm)
{
	const struct lpm_case *c = &lpm_cases[_i];
	struct topo_addr a = A(c->addr);
	const struct topo_segment *seg = topo_site_lookup_segment(site, &a);
	const struct topo_area *area = topo_site_lookup_area(site, &a);
	char buf[TOPO_ADDR_STRLEN], cidr[64];

	ck_assert_ptr_nonnull(area);
	if (!c->area) {
		ck_assert_msg(seg == NULL, "%s matched %s", c->addr, seg ? seg->area->name : "");
		ck_assert_ptr_eq(area, topo_site_internet(site));
		ck_assert_str_eq(area->name, "internet-wan");
		return;
	}
	ck_assert_msg(seg != NULL, "%s matched nothing", c->addr);
	snprintf(cidr, sizeof(cidr), "%s/%u", topo_addr_format(&seg->addr, buf), seg->prefix);
	ck_assert_str_eq(cidr, c->cidr);
	ck_assert_str_eq(seg->area->name, c->area);
	ck_assert_ptr_eq(area, seg->area);
	ck_assert_int_eq(seg->vlan, c->vlan);
}
END_TEST

START_TEST(test_lpm_odd_input)
{
	struct topo_addr a = { 0 };

	/* family 0: no match, never a crash */
	ck_assert_ptr_null(topo_site_lookup_segment(site, &a));
	ck_assert_ptr_eq(topo_site_lookup_area(site, &a), topo_site_internet(site));
	ck_assert_ptr_null(topo_site_lookup_host_ip(site, &a));
	/* garbage beyond an IPv4 address's 4 bytes is ignored */
	a = A("10.10.5.9");
	memset(a.bytes + 4, 0xee, 12);
	ck_assert_int_eq(topo_site_lookup_segment(site, &a)->vlan, 15);
	ck_assert_ptr_eq(topo_site_lookup_host_ip(site, &(struct topo_addr){ .family = 4, .bytes = { 10, 10, 1, 1, 9 } }),
			 topo_site_find_host(site, "mn1"));
}
END_TEST

START_TEST(test_site_summary)
{
	static const char *const names[] = { "mn", "lg", "inet", "wan", "jlis", "jlis-core", "vpn", "internet-wan" };

	ck_assert_str_eq(topo_site_name(site), "lookup");
	ck_assert_str_eq(topo_site_path(site), "lookup.yaml");
	ck_assert_uint_eq(topo_site_n_areas(site), 8);
	for (size_t i = 0; i < 8; i++) {
		const struct topo_area *a = topo_site_area(site, i);

		ck_assert_str_eq(a->name, names[i]);
		ck_assert_uint_eq(a->index, i);
		ck_assert_int_eq(a->external, i >= 3);
		ck_assert_ptr_eq(topo_site_find_area(site, names[i]), a);
	}
	ck_assert_ptr_null(topo_site_area(site, 8));
	ck_assert_ptr_eq(topo_site_internet(site), topo_site_area(site, 7));
	ck_assert_int_eq(topo_site_internet(site)->kind, TOPO_KIND_INTERNET_WAN);
	ck_assert_uint_eq(topo_site_internet(site)->n_segments, 0);
	ck_assert_ptr_null(topo_site_find_area(site, "nope"));
	ck_assert_ptr_null(topo_site_find_host(site, "nope"));
	/* the warning about the nested segment inside zone mn */
	ck_assert_uint_eq(diags.n_errors, 0);
	ck_assert_uint_ge(diags.n, 1);
}
END_TEST

START_TEST(test_hosts)
{
	const struct topo_host *mn1 = topo_site_find_host(site, "mn1"), *srv = topo_site_find_host(site, "srv");
	const struct topo_host *gw = topo_site_find_host(site, "gw");
	struct topo_addr a;

	ck_assert_ptr_nonnull(mn1);
	ck_assert_ptr_nonnull(srv);
	ck_assert_ptr_nonnull(gw);
	ck_assert_ptr_eq(topo_site_host(site, 0), mn1);
	ck_assert_str_eq(mn1->zone->name, "mn");
	ck_assert_int_eq(mn1->role, TOPO_ROLE_TERMINAL);
	ck_assert_int_eq(srv->role, TOPO_ROLE_SERVER);
	ck_assert_uint_eq(srv->n_macs, 2);

	a = A("10.10.1.1");
	ck_assert_ptr_eq(topo_site_lookup_host_ip(site, &a), mn1);
	a = A("fd00:10::1");
	ck_assert_ptr_eq(topo_site_lookup_host_ip(site, &a), mn1);
	a = A("10.10.0.1"); /* the gateway's leg in another zone */
	ck_assert_ptr_eq(topo_site_lookup_host_ip(site, &a), gw);
	a = A("10.10.1.2");
	ck_assert_ptr_null(topo_site_lookup_host_ip(site, &a));

	ck_assert_ptr_eq(topo_site_lookup_host_mac(site, M("02:00:00:10:00:03")), srv);
	ck_assert_ptr_eq(topo_site_lookup_host_mac(site, M("02:00:00:10:00:01")), mn1);
	ck_assert_ptr_null(topo_site_lookup_host_mac(site, M("02:00:00:10:00:04")));
	ck_assert(topo_site_mac_is_gateway(site, M("02:00:00:ff:00:01")));
	ck_assert(!topo_site_mac_is_gateway(site, M("02:00:00:10:00:01")));
	ck_assert(!topo_site_mac_is_gateway(site, M("02:00:00:99:99:99")));
}
END_TEST

START_TEST(test_declared_ports)
{
	ck_assert(topo_site_is_declared_port(site, 6, 443));
	ck_assert(topo_site_is_declared_port(site, 6, 8000));
	ck_assert(topo_site_is_declared_port(site, 6, 8005));
	ck_assert(topo_site_is_declared_port(site, 6, 8010));
	ck_assert(!topo_site_is_declared_port(site, 6, 8011));
	ck_assert(!topo_site_is_declared_port(site, 6, 7999));
	ck_assert(!topo_site_is_declared_port(site, 17, 443));
	ck_assert(topo_site_is_declared_port(site, 17, 53));
	ck_assert(!topo_site_is_declared_port(site, 6, 53));
	/* a flow without proto declares its ports for every protocol with ports */
	ck_assert(topo_site_is_declared_port(site, 6, 9999));
	ck_assert(topo_site_is_declared_port(site, 17, 9999));
	ck_assert(topo_site_is_declared_port(site, 132, 9999));
	ck_assert(!topo_site_is_declared_port(site, 1, 9999));
	/* flows without ports declare nothing */
	ck_assert(!topo_site_is_declared_port(site, 47, 0));
	ck_assert(!topo_site_is_declared_port(site, 6, 0));
	ck_assert(!topo_site_is_declared_port(site, 6, 65535));
}
END_TEST

START_TEST(test_endpoints)
{
	const struct topo_flow *ex = flow("ex"), *dns = flow("dns"), *ping = flow("ping");
	struct topo_addr a;

	ck_assert_int_eq(ex->from.type, TOPO_EP_HOST);
	ck_assert_str_eq(ex->from.host->name, "srv");
	ck_assert_ptr_eq(ex->from.area, ex->from.host->zone);
	ck_assert_int_eq(ex->to.type, TOPO_EP_EXTERNAL);
	ck_assert_str_eq(ex->approval, "CISO承認 1");
	ck_assert_int_eq(ex->proto, 6);
	ck_assert_uint_eq(ex->n_ports, 2);
	ck_assert_uint_eq(ex->ports[1].lo, 8000);
	ck_assert_uint_eq(ex->ports[1].hi, 8010);

	/* host endpoints: the host's IPs only */
	a = A("10.10.5.7");
	ck_assert(topo_endpoint_match_addr(site, &ex->from, &a));
	a = A("10.10.5.8");
	ck_assert(!topo_endpoint_match_addr(site, &ex->from, &a));
	/* ...and its MACs */
	ck_assert(topo_endpoint_match_mac(&ex->from, M("02:00:00:10:00:02")));
	ck_assert(topo_endpoint_match_mac(&ex->from, M("02:00:00:10:00:03")));
	ck_assert(!topo_endpoint_match_mac(&ex->from, M("02:00:00:10:00:01")));

	/* external endpoints: the area as looked up, so a nested external
	 * takes its addresses away */
	a = A("198.51.100.5");
	ck_assert(topo_endpoint_match_addr(site, &ex->to, &a));
	a = A("2001:db8:100::9");
	ck_assert(topo_endpoint_match_addr(site, &ex->to, &a));
	a = A("198.51.100.200");
	ck_assert(!topo_endpoint_match_addr(site, &ex->to, &a));
	a = A("198.51.1.1");
	ck_assert(!topo_endpoint_match_addr(site, &ex->to, &a));
	/* the extra mac: pin */
	ck_assert(topo_endpoint_match_mac(&ex->to, M("02:00:00:ff:00:01")));
	ck_assert(!topo_endpoint_match_mac(&ex->to, M("02:00:00:ff:00:02")));

	/* cidr endpoints */
	ck_assert_int_eq(dns->to.type, TOPO_EP_CIDR);
	ck_assert_uint_eq(dns->to.prefix, 32);
	ck_assert_str_eq(dns->to.area->name, "wan");
	a = A("198.51.0.53");
	ck_assert(topo_endpoint_match_addr(site, &dns->to, &a));
	a = A("198.51.0.54");
	ck_assert(!topo_endpoint_match_addr(site, &dns->to, &a));
	ck_assert(topo_endpoint_match_mac(&dns->to, M("02:11:22:33:44:55"))); /* pins nothing */

	/* zone endpoints */
	ck_assert_int_eq(dns->from.type, TOPO_EP_ZONE);
	a = A("10.20.3.3");
	ck_assert(topo_endpoint_match_addr(site, &dns->from, &a));
	a = A("fd00:20::3");
	ck_assert(topo_endpoint_match_addr(site, &dns->from, &a));
	a = A("10.10.1.1");
	ck_assert(!topo_endpoint_match_addr(site, &dns->from, &a));

	/* the external internet-wan matches everything in no area */
	struct topo_endpoint inet = { .type = TOPO_EP_EXTERNAL, .area = topo_site_internet(site) };
	a = A("8.8.8.8");
	ck_assert(topo_endpoint_match_addr(site, &inet, &a));
	a = A("198.51.1.1");
	ck_assert(!topo_endpoint_match_addr(site, &inet, &a));
	ck_assert_int_eq(ping->proto, 1);
}
END_TEST

START_TEST(test_service)
{
	const struct topo_flow *ex = flow("ex"), *ping = flow("ping"), *anyp = flow("anyp"), *all = flow("all"),
			       *gre = flow("gre");

	ck_assert(topo_flow_match_service(ex, 6, 443));
	ck_assert(topo_flow_match_service(ex, 6, 8010));
	ck_assert(!topo_flow_match_service(ex, 6, 8011));
	ck_assert(!topo_flow_match_service(ex, 17, 443));
	ck_assert(!topo_flow_match_service(ex, 1, 0));

	ck_assert(topo_flow_match_service(ping, 1, 0));
	ck_assert(topo_flow_match_service(ping, 1, 8));
	ck_assert(!topo_flow_match_service(ping, 6, 0));
	ck_assert(!topo_flow_match_service(ping, 58, 0));

	ck_assert_int_eq(anyp->proto, TOPO_PROTO_ANY);
	ck_assert(topo_flow_match_service(anyp, 6, 9999));
	ck_assert(topo_flow_match_service(anyp, 17, 9999));
	ck_assert(!topo_flow_match_service(anyp, 17, 9998));
	ck_assert(!topo_flow_match_service(anyp, 1, 0)); /* ICMP has no port 9999 */

	ck_assert(topo_flow_match_service(all, 6, 1));
	ck_assert(topo_flow_match_service(all, 1, 0));
	ck_assert(topo_flow_match_service(all, 50, 0));

	ck_assert(topo_flow_match_service(gre, 47, 0));
	ck_assert(!topo_flow_match_service(gre, 6, 0));
}
END_TEST

/* ------------------------------------------- randomised prefix index */

/* xorshift: deterministic, so a failure reproduces */
static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

struct rprefix {
	struct topo_addr addr;
	uint8_t len;
};

static void rand_prefix(struct rprefix *p, int family)
{
	memset(p, 0, sizeof(*p));
	p->addr.family = (uint8_t)family;
	if (family == 4) {
		/* inside 10.0.0.0/8, so prefixes collide and nest often */
		p->addr.bytes[0] = 10;
		p->addr.bytes[1] = (uint8_t)(rnd() % 4);
		p->addr.bytes[2] = (uint8_t)rnd();
		p->addr.bytes[3] = (uint8_t)rnd();
		p->len = (uint8_t)(8 + rnd() % 25);
	} else {
		p->addr.bytes[0] = 0x20;
		p->addr.bytes[1] = 0x01;
		p->addr.bytes[2] = 0x0d;
		p->addr.bytes[3] = 0xb8;
		p->addr.bytes[4] = (uint8_t)(rnd() % 4);
		for (int i = 5; i < 16; i++)
			p->addr.bytes[i] = (uint8_t)rnd();
		p->len = (uint8_t)(32 + rnd() % 97);
	}
	/* clear host bits */
	for (unsigned i = p->len; i < (family == 4 ? 32u : 128u); i++)
		p->addr.bytes[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

START_TEST(test_lpm_random)
{
	enum { N_PREFIX = 1000, N_PROBE = 20000 };
	struct rprefix *pfx = calloc(N_PREFIX, sizeof(*pfx));
	size_t cap = 200 + (size_t)N_PREFIX * 100, len = 0;
	char *yaml = malloc(cap), buf[TOPO_ADDR_STRLEN];
	struct topo_diag_list d = { 0 };
	struct topo_site *s = NULL;
	size_t n = 0;

	ck_assert_ptr_nonnull(pfx);
	ck_assert_ptr_nonnull(yaml);
	/* Externals only: they may nest, so every kind of overlap is legal
	 * except the same prefix twice, which we skip. */
	len += (size_t)snprintf(yaml + len, cap - len,
				"site: r\nmodel: alpha\nzones:\n  - { name: z, kind: other, segments: [ { cidr: 192.0.2.0/24 } ] }\n"
				"externals:\n");
	for (int i = 0; i < N_PREFIX; i++) {
		struct rprefix p;
		bool dup = false;

		rand_prefix(&p, i % 2 ? 6 : 4);
		for (size_t k = 0; k < n && !dup; k++)
			dup = pfx[k].len == p.len && memcmp(&pfx[k].addr, &p.addr, sizeof(p.addr)) == 0;
		if (dup)
			continue;
		pfx[n] = p;
		len += (size_t)snprintf(yaml + len, cap - len, "  - { name: e%zu, kind: lgwan-wan, cidrs: [ \"%s/%u\" ] }\n",
					n, topo_addr_format(&p.addr, buf), p.len);
		n++;
	}
	ck_assert_uint_lt(len, cap);
	ck_assert_int_eq(topo_site_load_buffer("random.yaml", yaml, len, &s, &d), 0);

	for (int i = 0; i < N_PROBE; i++) {
		struct rprefix probe;
		const struct topo_segment *got;
		long best = -1;

		/* a random address near a random prefix, or fully random */
		rand_prefix(&probe, i % 2 ? 6 : 4);
		if (i % 3) {
			const struct rprefix *near = &pfx[rnd() % n];

			probe.addr = near->addr;
			probe.addr.bytes[near->addr.family == 4 ? 3 : 15] ^= (uint8_t)(rnd() % 4);
		}
		for (size_t k = 0; k < n; k++)
			if (topo_addr_in_prefix(&probe.addr, &pfx[k].addr, pfx[k].len) &&
			    (best < 0 || pfx[k].len > pfx[best].len))
				best = (long)k;
		got = topo_site_lookup_segment(s, &probe.addr);
		if (best < 0) {
			ck_assert_msg(got == NULL, "%s: expected no match", topo_addr_format(&probe.addr, buf));
		} else {
			ck_assert_msg(got != NULL, "%s: expected a match", topo_addr_format(&probe.addr, buf));
			ck_assert_uint_eq(got->prefix, pfx[best].len);
			ck_assert_mem_eq(got->addr.bytes, pfx[best].addr.bytes, 16);
		}
	}
	topo_site_free(s);
	topo_diag_list_clear(&d);
	free(yaml);
	free(pfx);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
	Suite *s = suite_create("topology-lookup");
	TCase *tc = tcase_create("lookup"), *tr = tcase_create("random");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_lpm, 0, N(lpm_cases));
	tcase_add_test(tc, test_lpm_odd_input);
	tcase_add_test(tc, test_site_summary);
	tcase_add_test(tc, test_hosts);
	tcase_add_test(tc, test_declared_ports);
	tcase_add_test(tc, test_endpoints);
	tcase_add_test(tc, test_service);
	suite_add_tcase(s, tc);
	tcase_add_test(tr, test_lpm_random);
	tcase_set_timeout(tr, 300); /* slow under valgrind */
	suite_add_tcase(s, tr);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
