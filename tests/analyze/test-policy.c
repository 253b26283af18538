/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The three-tier policy, table-driven: one site, one row per connection
 * (who opened what to whom, with which MACs) and the check it must raise —
 * or none.  Every check of the traffic table has rows that fire and rows
 * that must not (the declared flow used exactly right).
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "analyze-internal.h"

static const char site_yaml[] =
	"site: Test City\n"
	"model: alpha\n"
	"zones:\n"
	"  - { name: mynumber, kind: mynumber, segments: [ { cidr: 10.10.0.0/16, vlan: 10 }, { cidr: 'fd00:10::/64', vlan: 10 } ] }\n"
	"  - { name: govcloud, kind: mynumber, segments: [ { cidr: 10.11.0.0/24 } ] }\n"
	"  - { name: lgwan, kind: lgwan, segments: [ { cidr: 10.20.0.0/16, vlan: 20 } ] }\n"
	"  - { name: internet, kind: internet, segments: [ { cidr: 10.30.0.0/16, vlan: 30 } ] }\n"
	"  - { name: naibu, kind: other, segments: [ { cidr: 10.40.0.0/16, vlan: 40 } ] }\n"
	"externals:\n"
	"  - { name: lgwan-backbone, kind: lgwan-wan, cidrs: [ 198.51.100.0/24 ] }\n"
	"  - { name: j-lis, kind: public-institution, cidrs: [ 203.0.113.0/28 ] }\n"
	"  - { name: remote-vpn, kind: remote-access, cidrs: [ 172.31.99.0/24 ] }\n"
	"hosts:\n"
	"  - { name: mn-pc-01, zone: mynumber, mac: 02:00:00:10:00:01, ip: [ 10.10.1.1, 'fd00:10::1' ] }\n"
	"  - { name: mn-srv-01, zone: mynumber, mac: 02:00:00:10:00:10, ip: 10.10.0.10, role: server }\n"
	"  - { name: lg-pc-01, zone: lgwan, mac: 02:00:00:20:00:01, ip: 10.20.1.1 }\n"
	"  - { name: lgwan-mta, zone: lgwan, mac: 02:00:00:20:00:25, ip: 10.20.0.25, role: server }\n"
	"  - { name: mail-sanitizer, zone: lgwan, mac: 02:00:00:20:00:26, ip: 10.20.0.26, role: sanitizer }\n"
	"  - { name: inet-mta, zone: internet, mac: 02:00:00:30:00:25, ip: 10.30.0.25, role: server }\n"
	"  - { name: vb-01, zone: internet, mac: 02:00:00:30:00:33, ip: 10.30.0.33, role: server }\n"
	"  - { name: web-01, zone: internet, mac: 02:00:00:30:00:80, ip: 10.30.0.80, role: server }\n"
	"  - { name: core-fw, zone: lgwan, mac: [ 02:00:00:ff:00:01, 02:00:00:ff:00:02 ], role: gateway }\n"
	"flows:\n"
	"  - { name: jlis-link, kind: exception, from: { host: mn-srv-01 }, to: { external: j-lis }, proto: tcp, ports: [ 443 ], approval: 'CISO 2025-014' }\n"
	"  - { name: mail-in-1, kind: mail-text, from: { host: inet-mta }, to: { host: mail-sanitizer }, proto: tcp, ports: [ 25 ] }\n"
	"  - { name: mail-in-2, kind: mail-text, from: { host: mail-sanitizer }, to: { host: lgwan-mta }, proto: tcp, ports: [ 25 ] }\n"
	"  - { name: virtual-browser, kind: screen-transfer, from: { zone: lgwan }, to: { host: vb-01 }, proto: tcp, ports: [ 3389 ] }\n"
	"  - { name: web-pub, kind: service, from: { external: internet-wan }, to: { host: web-01 }, proto: tcp, ports: [ 443 ] }\n"
	"  - { name: naibu-web, kind: service, from: { zone: lgwan }, to: { zone: naibu }, proto: tcp, ports: [ 80 ] }\n";

#define FW "02:00:00:ff:00:01"
#define NONE (-1)

struct row {
	const char *what;
	const char *src_ip, *src_mac;
	int sport;
	const char *dst_ip, *dst_mac;
	int dport;
	int proto;
	bool answered;
	int check; /* enum an_check or NONE */
	const char *near;
};

static const struct row rows[] = {
	{"intra-zone", "10.10.1.1", "02:00:00:10:00:01", 50000, "10.10.0.10", "02:00:00:10:00:10", 445, 6, true, NONE, NULL},
	{"mynumber to the Internet", "10.10.1.1", "02:00:00:10:00:01", 51514, "93.184.216.34", FW, 443, 6, true,
	 AN_CHECK_MYNUMBER_INTERNET, NULL},
	{"the Internet into mynumber", "93.184.216.34", FW, 40000, "10.10.0.10", "02:00:00:10:00:10", 22, 6, false,
	 AN_CHECK_MYNUMBER_INTERNET, NULL},
	{"mynumber to internet zone", "10.10.1.1", "02:00:00:10:00:01", 51514, "10.30.0.80", FW, 80, 6, false,
	 AN_CHECK_MYNUMBER_INTERNET, NULL},
	{"IPv6 mynumber to the Internet", "fd00:10::1", "02:00:00:10:00:01", 51514, "2001:db8::1", FW, 443, 6, true,
	 AN_CHECK_MYNUMBER_INTERNET, NULL},
	{"exception used exactly", "10.10.0.10", "02:00:00:10:00:10", 40001, "203.0.113.5", FW, 443, 6, true, NONE, NULL},
	{"exception from a spoofing MAC", "10.10.0.10", "02:00:00:99:99:99", 40001, "203.0.113.5", FW, 443, 6, true,
	 AN_CHECK_EXCEPTION_MISMATCH, "jlis-link"},
	{"exception on another port", "10.10.0.10", "02:00:00:10:00:10", 40001, "203.0.113.5", FW, 8443, 6, true,
	 AN_CHECK_EXCEPTION_MISMATCH, "jlis-link"},
	{"exception over udp", "10.10.0.10", "02:00:00:10:00:10", 40001, "203.0.113.5", FW, 443, 17, true,
	 AN_CHECK_EXCEPTION_MISMATCH, "jlis-link"},
	{"exception opened from the far side", "203.0.113.5", FW, 40001, "10.10.0.10", "02:00:00:10:00:10", 443, 6, true,
	 AN_CHECK_EXCEPTION_MISMATCH, "jlis-link"},
	{"another mynumber host to j-lis", "10.10.1.1", "02:00:00:10:00:01", 40001, "203.0.113.5", FW, 443, 6, true,
	 AN_CHECK_MYNUMBER_ISOLATION, NULL},
	{"mynumber to lgwan", "10.10.1.1", "02:00:00:10:00:01", 40001, "10.20.1.1", "02:00:00:20:00:01", 445, 6, true,
	 AN_CHECK_MYNUMBER_ISOLATION, NULL},
	{"mynumber to govcloud (same tier)", "10.10.1.1", "02:00:00:10:00:01", 40001, "10.11.0.5", FW, 443, 6, true,
	 NONE, NULL},
	{"remote pool to mynumber", "172.31.99.7", FW, 40001, "10.10.0.10", "02:00:00:10:00:10", 3389, 6, true,
	 AN_CHECK_REMOTE_TO_MYNUMBER, NULL},
	{"lgwan terminal to the Internet", "10.20.1.1", "02:00:00:20:00:01", 40001, "93.184.216.34", FW, 443, 6, true,
	 AN_CHECK_LGWAN_INTERNET, NULL},
	{"j-lis to the Internet through the site", "203.0.113.5", FW, 40001, "93.184.216.34", FW, 443, 6, true,
	 AN_CHECK_LGWAN_INTERNET, NULL},
	{"internet zone host to lgwan", "10.30.0.80", "02:00:00:30:00:80", 40001, "10.20.1.1", FW, 445, 6, false,
	 AN_CHECK_LGWAN_INTERNET, NULL},
	{"screen transfer as declared", "10.20.1.1", "02:00:00:20:00:01", 40001, "10.30.0.33", FW, 3389, 6, true, NONE,
	 NULL},
	{"screen transfer the wrong way", "10.30.0.33", "02:00:00:30:00:33", 40001, "10.20.1.1", FW, 3389, 6, true,
	 AN_CHECK_SANITIZER_BYPASS, "virtual-browser"},
	{"screen transfer drive redirection", "10.20.1.1", "02:00:00:20:00:01", 40001, "10.30.0.33", FW, 9427, 6, true,
	 AN_CHECK_LGWAN_INTERNET, "virtual-browser"},
	{"mail leg 1 as declared", "10.30.0.25", "02:00:00:30:00:25", 40001, "10.20.0.26", FW, 25, 6, true, NONE, NULL},
	{"mail leg 2 as declared", "10.20.0.26", "02:00:00:20:00:26", 40001, "10.20.0.25", "02:00:00:20:00:25", 25, 6,
	 true, NONE, NULL},
	{"mail straight into the lgwan MTA", "10.30.0.25", "02:00:00:30:00:25", 40001, "10.20.0.25", FW, 25, 6, true,
	 AN_CHECK_SANITIZER_BYPASS, "mail-in-1"},
	{"sanitizer pulling from the Internet MTA", "10.20.0.26", "02:00:00:20:00:26", 40001, "10.30.0.25", FW, 25, 6,
	 true, AN_CHECK_SANITIZER_BYPASS, "mail-in-1"},
	{"published web server", "93.184.216.34", FW, 40001, "10.30.0.80", "02:00:00:30:00:80", 443, 6, true, NONE,
	 NULL},
	{"published web server on ssh", "93.184.216.34", FW, 40001, "10.30.0.80", "02:00:00:30:00:80", 22, 6, true,
	 AN_CHECK_INBOUND_FROM_INTERNET, "web-pub"},
	{"the Internet to an unpublished host", "93.184.216.34", FW, 40001, "10.30.0.5", FW, 22, 6, false,
	 AN_CHECK_INBOUND_FROM_INTERNET, NULL},
	{"internet zone browsing out", "10.30.0.5", "02:00:00:30:00:05", 40001, "93.184.216.34", FW, 443, 6, true, NONE,
	 NULL},
	{"lgwan to lgwan-backbone", "10.20.1.1", "02:00:00:20:00:01", 40001, "198.51.100.9", FW, 443, 6, true, NONE,
	 NULL},
	{"lgwan to naibu declared", "10.20.1.1", "02:00:00:20:00:01", 40001, "10.40.0.9", FW, 80, 6, true, NONE, NULL},
	{"lgwan to naibu undeclared port", "10.20.1.1", "02:00:00:20:00:01", 40001, "10.40.0.9", FW, 22, 6, true,
	 AN_CHECK_UNDECLARED_CROSSING, "naibu-web"},
	{"naibu to the Internet", "10.40.0.9", "02:00:00:40:00:09", 40001, "93.184.216.34", FW, 443, 6, true,
	 AN_CHECK_UNDECLARED_CROSSING, NULL},
	{"remote pool to lgwan", "172.31.99.7", FW, 40001, "10.20.1.1", FW, 443, 6, true, AN_CHECK_UNDECLARED_CROSSING,
	 NULL},
	{"mynumber ping to the Internet", "10.10.1.1", "02:00:00:10:00:01", NONE, "8.8.8.8", FW, NONE, 1, true,
	 AN_CHECK_MYNUMBER_INTERNET, NULL},
	{"multicast from mynumber", "10.10.1.1", "02:00:00:10:00:01", 5353, "224.0.0.251", "01:00:5e:00:00:fb", 5353,
	 17, false, NONE, NULL},
	{"broadcast from lgwan", "10.20.1.1", "02:00:00:20:00:01", 68, "255.255.255.255", "ff:ff:ff:ff:ff:ff", 67, 17,
	 false, NONE, NULL},
	{"link-local v6 across", "fe80::1", "02:00:00:10:00:01", 546, "fe80::2", "02:00:00:30:00:05", 547, 17, false,
	 NONE, NULL},
};

/* Model β (and β'): terminals in the internet tier reach LGWAN systems by
 * screen transfer opened from the internet side; data into LGWAN is still
 * sanitized.  The same rules hold for β', which only adds assets. */
#define BETA_SITE(model)                                                                                            \
	"site: Beta City\n"                                                                                          \
	"model: " model "\n"                                                                                         \
	"zones:\n"                                                                                                   \
	"  - { name: mynumber, kind: mynumber, segments: [ { cidr: 10.10.0.0/16 } ] }\n"                            \
	"  - { name: lgwan, kind: lgwan, segments: [ { cidr: 10.20.0.0/16 } ] }\n"                                  \
	"  - { name: internet, kind: internet, segments: [ { cidr: 10.30.0.0/16 } ] }\n"                            \
	"hosts:\n"                                                                                                   \
	"  - { name: lg-vdi, zone: lgwan, mac: 02:00:00:20:00:10, ip: 10.20.0.10, role: server }\n"                 \
	"  - { name: inet-pc-01, zone: internet, mac: 02:00:00:30:00:01, ip: 10.30.1.1 }\n"                         \
	"  - { name: file-sanitizer, zone: lgwan, mac: 02:00:00:20:00:44, ip: 10.20.0.44, role: sanitizer }\n"     \
	"  - { name: core-fw, zone: lgwan, mac: 02:00:00:ff:00:01, role: gateway }\n"                                \
	"flows:\n"                                                                                                   \
	"  - { name: vdi, kind: screen-transfer, from: { zone: internet }, to: { host: lg-vdi }, proto: tcp, ports: [ 1494, 2598 ] }\n" \
	"  - { name: upload, kind: file-cdr, from: { zone: internet }, to: { host: file-sanitizer }, proto: tcp, ports: [ 443 ] }\n"

static const char beta_yaml[] = BETA_SITE("beta");
static const char beta_prime_yaml[] = BETA_SITE("beta-prime");

static const struct row beta_rows[] = {
	{"internet terminal opens screen transfer", "10.30.1.1", "02:00:00:30:00:01", 50000, "10.20.0.10", FW, 1494, 6,
	 true, NONE, NULL},
	{"session reliability port", "10.30.1.1", "02:00:00:30:00:01", 50001, "10.20.0.10", FW, 2598, 6, true, NONE,
	 NULL},
	{"screen transfer opened from LGWAN (the alpha way)", "10.20.0.10", "02:00:00:20:00:10", 50000, "10.30.1.1", FW,
	 1494, 6, true, AN_CHECK_SANITIZER_BYPASS, "vdi"},
	{"internet terminal to the VDI server on SMB", "10.30.1.1", "02:00:00:30:00:01", 50000, "10.20.0.10", FW, 445, 6,
	 true, AN_CHECK_LGWAN_INTERNET, "vdi"},
	{"upload to the file sanitizer", "10.30.1.1", "02:00:00:30:00:01", 50000, "10.20.0.44", FW, 443, 6, true, NONE,
	 NULL},
	{"upload straight to an LGWAN server", "10.30.1.1", "02:00:00:30:00:01", 50000, "10.20.0.10", FW, 443, 6, true,
	 AN_CHECK_SANITIZER_BYPASS, "upload"},
	{"internet terminal browsing (its tier)", "10.30.1.1", "02:00:00:30:00:01", 50000, "93.184.216.34", FW, 443, 6,
	 true, NONE, NULL},
	{"internet terminal to mynumber", "10.30.1.1", "02:00:00:30:00:01", 50000, "10.10.0.5", FW, 443, 6, false,
	 AN_CHECK_MYNUMBER_INTERNET, NULL},
};

/* Model α': α plus local breakout from LGWAN terminals to listed cloud
 * services; everything else from LGWAN to the Internet stays forbidden. */
static const char alpha_prime_yaml[] =
	"site: Alpha Prime City\n"
	"model: alpha-prime\n"
	"zones:\n"
	"  - { name: mynumber, kind: mynumber, segments: [ { cidr: 10.10.0.0/16 } ] }\n"
	"  - { name: lgwan, kind: lgwan, segments: [ { cidr: 10.20.0.0/16 } ] }\n"
	"  - { name: internet, kind: internet, segments: [ { cidr: 10.30.0.0/16 } ] }\n"
	"hosts:\n"
	"  - { name: lg-pc-01, zone: lgwan, mac: 02:00:00:20:00:01, ip: 10.20.1.1 }\n"
	"  - { name: core-fw, zone: lgwan, mac: 02:00:00:ff:00:01, role: gateway }\n"
	"flows:\n"
	"  - { name: m365, kind: saas-breakout, from: { zone: lgwan }, to: { cidr: 52.96.0.0/14 }, proto: tcp, ports: [ 443 ] }\n";

static const struct row alpha_prime_rows[] = {
	{"breakout to the approved cloud", "10.20.1.1", "02:00:00:20:00:01", 50000, "52.97.1.1", FW, 443, 6, true, NONE,
	 NULL},
	{"breakout to the approved cloud on another port", "10.20.1.1", "02:00:00:20:00:01", 50000, "52.97.1.1", FW, 80,
	 6, true, AN_CHECK_LGWAN_INTERNET, "m365"},
	{"LGWAN terminal to any other Internet address", "10.20.1.1", "02:00:00:20:00:01", 50000, "93.184.216.34", FW,
	 443, 6, true, AN_CHECK_LGWAN_INTERNET, NULL},
	{"the cloud opening a connection into LGWAN", "52.97.1.1", FW, 443, "10.20.1.1", "02:00:00:20:00:01", 50000, 6,
	 true, AN_CHECK_LGWAN_INTERNET, "m365"},
	{"mynumber to the approved cloud", "10.10.1.1", "02:00:00:10:00:01", 50000, "52.97.1.1", FW, 443, 6, true,
	 AN_CHECK_MYNUMBER_INTERNET, NULL},
};

static struct topo_site *site;

static void load_site(const char *yaml)
{
	struct topo_diag_list diags = {0};
	int r = topo_site_load_buffer("test-site.yaml", yaml, strlen(yaml), &site, &diags);

	for (size_t i = 0; i < diags.n; i++) {
		char buf[1024];
		fprintf(stderr, "%s\n", topo_diag_format(&diags.items[i], buf, sizeof(buf)));
	}
	ck_assert_int_eq(r, 0);
	topo_diag_list_clear(&diags);
}

static void setup(void)
{
	load_site(site_yaml);
}

static void setup_beta(void)
{
	load_site(beta_yaml);
}

static void setup_beta_prime(void)
{
	load_site(beta_prime_yaml);
}

static void setup_alpha_prime(void)
{
	load_site(alpha_prime_yaml);
}

static void teardown(void)
{
	topo_site_free(site);
	site = NULL;
}

static void parse_ip(const char *s, struct topo_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1)
		a->family = 4;
	else {
		ck_assert_int_eq(inet_pton(AF_INET6, s, a->bytes), 1);
		a->family = 6;
	}
}

/* A finished flow with side 0 as the initiator. */
static void make_flow(const struct row *w, struct probe_flow *f)
{
	memset(f, 0, sizeof(*f));
	parse_ip(w->src_ip, &f->key.addr[0]);
	parse_ip(w->dst_ip, &f->key.addr[1]);
	f->key.proto = (uint8_t)w->proto;
	if (w->proto == 1 || w->proto == 58) {
		f->flags[0] = PROBE_FF_ECHO_REQ | PROBE_FF_DATA;
		f->key.port[0] = f->key.port[1] = 7;
		if (w->answered)
			f->flags[1] = PROBE_FF_DATA;
	} else {
		f->key.port[0] = (uint16_t)w->sport;
		f->key.port[1] = (uint16_t)w->dport;
		f->flags[0] = w->proto == 6 ? PROBE_FF_SYN : PROBE_FF_DATA;
		if (w->answered)
			f->flags[1] = w->proto == 6 ? PROBE_FF_SYNACK : PROBE_FF_DATA;
	}
	f->first_side = 0;
	f->first_syn_side = 0;
	ck_assert_int_eq(topo_mac_parse(w->src_mac, f->macs[0][0]), 0);
	ck_assert_int_eq(topo_mac_parse(w->dst_mac, f->macs[1][0]), 0);
	f->n_macs[0] = f->n_macs[1] = 1;
	f->packets[0] = 3;
	f->packets[1] = w->answered ? 2 : 0;
	f->first_ns = 1793610000ULL * 1000000000ULL;
	f->last_ns = f->first_ns + 5000;
	f->first_frame.frame = 1;
	f->n_frames = 1;
	f->frames[0].frame = 1;
}

static void check_row(const struct row *w)
{
	struct probe_flow f;
	struct an_finding fd;
	bool hit;

	make_flow(w, &f);
	hit = an_policy_judge_flow(site, &f, &fd);
	if (w->check == NONE) {
		ck_assert_msg(!hit, "%s: unexpected %s: %s", w->what, an_check_id(fd.check), fd.message);
		return;
	}
	ck_assert_msg(hit, "%s: expected %s, got nothing", w->what, an_check_id(w->check));
	ck_assert_msg(fd.check == (enum an_check)w->check, "%s: expected %s, got %s (%s)", w->what,
		      an_check_id(w->check), an_check_id(fd.check), fd.message);
	/* the initiator is always src */
	ck_assert_int_eq(memcmp(&fd.src.ip, &f.key.addr[0], sizeof(fd.src.ip)), 0);
	ck_assert(fd.established == w->answered);
	ck_assert_ptr_nonnull(fd.message);
	if (w->near) {
		ck_assert_msg(fd.near_flow != NULL, "%s: no near flow", w->what);
		ck_assert_str_eq(fd.near_flow->name, w->near);
	}
	free(fd.message);
}

START_TEST(test_policy_rows)
{
	check_row(&rows[_i]);
}
END_TEST

START_TEST(test_policy_beta)
{
	check_row(&beta_rows[_i]);
}
END_TEST

START_TEST(test_policy_alpha_prime)
{
	check_row(&alpha_prime_rows[_i]);
}
END_TEST

/* Stations: classification of one source observation. */
START_TEST(test_station_classify)
{
	struct topo_addr ip;
	uint8_t mac[6];
	uint16_t v10 = 10, v30 = 30;
	int area;
	uint32_t tag;

	/* the host itself, right VLAN: only its zone is noted */
	parse_ip("10.10.1.1", &ip);
	topo_mac_parse("02:00:00:10:00:01", mac);
	an_station_classify(site, mac, &ip, &v10, 1, &area, &tag);
	ck_assert_uint_eq(tag, AN_OBS_ZONE);
	ck_assert_str_eq(topo_site_area(site, area)->name, "mynumber");

	/* another MAC on the host's address: spoof, and unknown in a mynumber segment */
	topo_mac_parse("02:00:00:99:99:99", mac);
	an_station_classify(site, mac, &ip, &v10, 1, &area, &tag);
	ck_assert_uint_eq(tag, AN_OBS_ZONE | AN_OBS_SPOOF | AN_OBS_UNKNOWN);

	/* the right host on the wrong VLAN */
	topo_mac_parse("02:00:00:10:00:01", mac);
	an_station_classify(site, mac, &ip, &v30, 1, &area, &tag);
	ck_assert_uint_eq(tag, AN_OBS_ZONE | AN_OBS_VLAN);

	/* untagged frames are not judged for VLANs */
	an_station_classify(site, mac, &ip, NULL, 0, &area, &tag);
	ck_assert_uint_eq(tag, AN_OBS_ZONE);

	/* a gateway MAC is exempt, whatever it carries */
	topo_mac_parse(FW, mac);
	an_station_classify(site, mac, &ip, &v30, 1, &area, &tag);
	ck_assert_uint_eq(tag, 0);

	/* link-scoped sources are never kept */
	parse_ip("fe80::1", &ip);
	topo_mac_parse("02:00:00:99:99:99", mac);
	an_station_classify(site, mac, &ip, &v10, 1, &area, &tag);
	ck_assert_uint_eq(tag, 0);
}
END_TEST

static struct probe_obs obs(const char *ip, int vlan, int area, uint32_t tag, uint32_t frame)
{
	struct probe_obs o = {.vlan = vlan, .area = area, .tag = tag, .count = 1};

	parse_ip(ip, &o.ip);
	o.first_frame.frame = frame;
	return o;
}

START_TEST(test_station_judge)
{
	struct probe_station st = {0};
	struct an_finding out[4];
	size_t n;
	int lgwan = (int)topo_site_find_area(site, "lgwan")->index;
	int inet = (int)topo_site_find_area(site, "internet")->index;

	topo_mac_parse("02:00:00:20:00:01", st.mac);
	st.obs[st.n_obs++] = obs("10.20.1.1", 20, lgwan, AN_OBS_ZONE, 5);
	n = an_policy_judge_station(site, &st, out);
	ck_assert_uint_eq(n, 0);

	/* the same terminal sourcing an internet-zone address: a bridge */
	st.obs[st.n_obs++] = obs("10.30.0.77", 30, inet, AN_OBS_ZONE, 9);
	n = an_policy_judge_station(site, &st, out);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(out[0].check, AN_CHECK_DUAL_HOMED);
	ck_assert_uint_eq(out[0].n_observed, 2);
	ck_assert_uint_eq(out[0].first_frame.frame, 5);
	ck_assert_ptr_nonnull(out[0].src.host);
	ck_assert_str_eq(out[0].src.host->name, "lg-pc-01");
	free(out[0].message);
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("rows");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_policy_rows, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, test_station_classify);
	tcase_add_test(tc, test_station_judge);
	suite_add_tcase(s, tc);

	tc = tcase_create("beta");
	tcase_add_checked_fixture(tc, setup_beta, teardown);
	tcase_add_loop_test(tc, test_policy_beta, 0, sizeof(beta_rows) / sizeof(beta_rows[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("beta-prime");
	tcase_add_checked_fixture(tc, setup_beta_prime, teardown);
	tcase_add_loop_test(tc, test_policy_beta, 0, sizeof(beta_rows) / sizeof(beta_rows[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("alpha-prime");
	tcase_add_checked_fixture(tc, setup_alpha_prime, teardown);
	tcase_add_loop_test(tc, test_policy_alpha_prime, 0, sizeof(alpha_prime_rows) / sizeof(alpha_prime_rows[0]));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
