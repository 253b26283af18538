/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loading and validating topology files.
 *
 * The table below has one row per rule of docs/topology.md: a small file,
 * a substring of the diagnostic it must produce, and the line and column
 * that diagnostic must point at.  Most rows start from the same valid
 * areas and hosts (AREAS, HOSTS) and add the piece under test.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "topology.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#ifndef TOPO_TEST_SOURCE_ROOT
#define TOPO_TEST_SOURCE_ROOT "."
#endif

/* 11 lines: every kind of area; jlis nests inside wan (legal). */
#define AREAS(model)                                                                                                 \
	"site: t\n"                                                                                                  \
	"model: " model "\n"                                                                                         \
	"zones:\n"                                                                                                   \
	"  - { name: mn, kind: mynumber, segments: [ { cidr: 10.10.0.0/16, vlan: 10 }, { cidr: \"fd00:10::/64\" } ] }\n" \
	"  - { name: lg, kind: lgwan, segments: [ { cidr: 10.20.0.0/16 } ] }\n"                                      \
	"  - { name: inet, kind: internet, segments: [ { cidr: 10.30.0.0/16 } ] }\n"                                 \
	"  - { name: oth, kind: other, segments: [ { cidr: 10.40.0.0/16 } ] }\n"                                     \
	"externals:\n"                                                                                               \
	"  - { name: wan, kind: lgwan-wan, cidrs: [ 198.51.100.0/24 ] }\n"                                           \
	"  - { name: jlis, kind: public-institution, cidrs: [ 198.51.100.32/28 ] }\n"                                \
	"  - { name: vpn, kind: remote-access, cidrs: [ 172.31.99.0/24 ] }\n"

/* 8 lines: a host of every role; gw has a leg outside its zone (legal). */
#define HOSTS                                                                                                        \
	"hosts:\n"                                                                                                   \
	"  - { name: mn1, zone: mn, mac: 02:00:00:10:00:01, ip: 10.10.1.1 }\n"                                      \
	"  - { name: mn-nomac, zone: mn, ip: 10.10.1.2 }\n"                                                          \
	"  - { name: lg1, zone: lg, mac: 02:00:00:20:00:01, ip: 10.20.1.1 }\n"                                      \
	"  - { name: in1, zone: inet, mac: 02:00:00:30:00:01, ip: 10.30.1.1 }\n"                                    \
	"  - { name: san, zone: inet, mac: 02:00:00:30:00:02, ip: 10.30.1.2, role: sanitizer }\n"                  \
	"  - { name: gw, zone: lg, mac: 02:00:00:ff:00:01, ip: [ 10.20.0.1, 10.30.0.1 ], role: gateway }\n"        \
	"  - { name: oth1, zone: oth, mac: 02:00:00:40:00:01, ip: 10.40.1.1 }\n"

struct load_case {
	const char *tag;
	const char *yaml;
	const char *expect; /* substring of the diagnostic's message */
	unsigned line, column;
	enum topo_severity severity;
};

/* line, column: 1-based position of the key or value the diagnostic must
 * point at (0, 0: a diagnostic about the whole file). */
static const struct load_case cases[] = {
	{ "empty",
	  "",
	  "the file is empty", 0, 0, TOPO_SEV_ERROR },
	{ "comment-only",
	  "# nothing\n",
	  "the file is empty", 0, 0, TOPO_SEV_ERROR },
	{ "not-a-map",
	  "- a\n"
	  "- b\n",
	  "must be a mapping", 1, 1, TOPO_SEV_ERROR },
	{ "syntax",
	  "site: t\n"
	  "model: [alpha\n"
	  "zones: x\n",
	  "YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 8)", 3, 6, TOPO_SEV_ERROR },
	{ "syntax-indent",
	  "site: t\n"
	  "  model: alpha\n",
	  "YAML syntax error: mapping values are not allowed", 2, 8, TOPO_SEV_ERROR },
	{ "two-docs",
	  "site: a\n"
	  "---\n"
	  "site: b\n",
	  "second YAML document", 2, 1, TOPO_SEV_ERROR },
	{ "anchor",
	  "site: &s t\n"
	  "model: alpha\n",
	  "anchors (&s) are not supported", 1, 7, TOPO_SEV_ERROR },
	{ "alias",
	  "site: t\n"
	  "model: alpha\n"
	  "x: *foo\n",
	  "YAML aliases (*foo) are not supported", 3, 4, TOPO_SEV_ERROR },
	{ "complex-key",
	  "? [a, b]\n"
	  ": c\n",
	  "mapping key must be a plain name", 1, 3, TOPO_SEV_ERROR },
	{ "bad-utf8",
	  "site: t\xff\n",
	  "invalid text: invalid leading UTF-8 octet", 1, 8, TOPO_SEV_ERROR },
	{ "top-unknown",
	  AREAS("alpha")
	  "zonez: []\n",
	  "unknown key \"zonez\" in the top level (expected one of: site, model, exception_pinning, inventory, zones, externals, hosts, flows, firewalls)", 12, 1, TOPO_SEV_ERROR },
	{ "top-dup",
	  AREAS("alpha")
	  "model: beta\n",
	  "duplicate key \"model\" in the top level (first at line 2, column 1)", 12, 1, TOPO_SEV_ERROR },
	{ "no-site",
	  "model: alpha\n"
	  "zones: [ { name: z, kind: other, segments: [ { cidr: 10.0.0.0/8 } ] } ]\n",
	  "needs \"site\"", 1, 1, TOPO_SEV_ERROR },
	{ "site-list",
	  "site: [a]\n"
	  "model: alpha\n"
	  "zones: [ { name: z, kind: other, segments: [ { cidr: 10.0.0.0/8 } ] } ]\n",
	  "\"site\" must be the site's name (free text), not a list", 1, 7, TOPO_SEV_ERROR },
	{ "site-empty",
	  "site:\n"
	  "model: alpha\n"
	  "zones: [ { name: z, kind: other, segments: [ { cidr: 10.0.0.0/8 } ] } ]\n",
	  "missing value for \"site\"", 1, 1, TOPO_SEV_ERROR },
	{ "no-model",
	  "site: t\n"
	  "zones: [ { name: z, kind: other, segments: [ { cidr: 10.0.0.0/8 } ] } ]\n",
	  "needs \"model\": alpha, alpha-prime, beta or beta-prime", 1, 1, TOPO_SEV_ERROR },
	{ "bad-model",
	  "site: t\n"
	  "model: gamma\n"
	  "zones: [ { name: z, kind: other, segments: [ { cidr: 10.0.0.0/8 } ] } ]\n",
	  "unknown model \"gamma\" (expected one of: alpha, alpha-prime, beta, beta-prime)", 2, 8, TOPO_SEV_ERROR },
	{ "bad-pinning",
	  AREAS("alpha")
	  "exception_pinning: mac-only\n",
	  "unknown exception_pinning \"mac-only\" (expected one of: mac-and-ip, mac-or-ip)", 12, 20, TOPO_SEV_ERROR },
	{ "bad-inventory",
	  AREAS("alpha")
	  "inventory: loose\n",
	  "unknown inventory \"loose\" (expected one of: strict, open)", 12, 12, TOPO_SEV_ERROR },
	{ "no-zones",
	  "site: t\n"
	  "model: alpha\n",
	  "needs \"zones\"", 1, 1, TOPO_SEV_ERROR },
	{ "zones-empty",
	  "site: t\n"
	  "model: alpha\n"
	  "zones: []\n",
	  "\"zones\" must list at least one zone", 3, 8, TOPO_SEV_ERROR },
	{ "zones-null",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n",
	  "\"zones\" must list at least one zone", 3, 1, TOPO_SEV_ERROR },
	{ "zones-map",
	  "site: t\n"
	  "model: alpha\n"
	  "zones: { a: 1 }\n",
	  "\"zones\" must be a list of zones, not a mapping", 3, 8, TOPO_SEV_ERROR },
	{ "hosts-scalar",
	  AREAS("alpha")
	  "hosts: mn1\n",
	  "\"hosts\" must be a list of hosts, not a single value", 12, 8, TOPO_SEV_ERROR },
	{ "zone-unknown-key",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - { name: z, kind: other, segment: [] }\n",
	  "unknown key \"segment\" in zone (expected one of: name, kind, segments)", 4, 29, TOPO_SEV_ERROR },
	{ "zone-scalar",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - z\n",
	  "a zone must be a mapping (name: …), not a single value", 4, 5, TOPO_SEV_ERROR },
	{ "zone-no-name",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - { kind: other, segments: [ { cidr: 10.0.0.0/8 } ] }\n",
	  "a zone needs \"name\"", 4, 5, TOPO_SEV_ERROR },
	{ "zone-dup-name",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - { name: z, kind: other, segments: [ { cidr: 10.0.0.0/8 } ] }\n"
	  "  - { name: z, kind: lgwan, segments: [ { cidr: 11.0.0.0/8 } ] }\n",
	  "duplicate area name \"z\": a zone \"z\" already has it (line 4, column 13)", 5, 13, TOPO_SEV_ERROR },
	{ "zone-ext-same-name",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - { name: z, kind: other, segments: [ { cidr: 10.0.0.0/8 } ] }\n"
	  "externals:\n"
	  "  - { name: z, kind: lgwan-wan, cidrs: [ 11.0.0.0/8 ] }\n",
	  "duplicate area name \"z\": a zone \"z\" already has it", 6, 13, TOPO_SEV_ERROR },
	{ "zone-reserved",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - { name: internet-wan, kind: internet, segments: [ { cidr: 10.0.0.0/8 } ] }\n",
	  "the name \"internet-wan\" is reserved", 4, 13, TOPO_SEV_ERROR },
	{ "zone-bad-kind",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - { name: z, kind: dmz, segments: [ { cidr: 10.0.0.0/8 } ] }\n",
	  "unknown kind \"dmz\" (expected one of: mynumber, lgwan, internet, other)", 4, 22, TOPO_SEV_ERROR },
	{ "zone-ext-kind",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - { name: z, kind: lgwan-wan, segments: [ { cidr: 10.0.0.0/8 } ] }\n",
	  "kind \"lgwan-wan\" is for externals; a zone's kind is one of: mynumber, lgwan, internet, other", 4, 22, TOPO_SEV_ERROR },
	{ "zone-no-kind",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - { name: z, segments: [ { cidr: 10.0.0.0/8 } ] }\n",
	  "a zone needs \"kind\": mynumber, lgwan, internet or other", 4, 5, TOPO_SEV_ERROR },
	{ "zone-no-segments",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - { name: z, kind: other }\n",
	  "a zone needs \"segments\"", 4, 5, TOPO_SEV_ERROR },
	{ "zone-empty-segments",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - { name: z, kind: other, segments: [] }\n",
	  "a zone needs at least one segment", 4, 39, TOPO_SEV_ERROR },
	{ "segment-host-bits",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - name: z\n"
	  "    kind: other\n"
	  "    segments:\n"
	  "      - { cidr: 10.10.0.1/16, vlan: 10 }\n",
	  "invalid CIDR \"10.10.0.1/16\": host bits are set below the /16 prefix (did you mean 10.10.0.0/16?)", 7, 17, TOPO_SEV_ERROR },
	{ "segment-bad-cidr",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - name: z\n"
	  "    kind: other\n"
	  "    segments:\n"
	  "      - cidr: 10.10.0.0/33\n",
	  "invalid CIDR \"10.10.0.0/33\"", 7, 15, TOPO_SEV_ERROR },
	{ "segment-v6-host-bits",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - name: z\n"
	  "    kind: other\n"
	  "    segments:\n"
	  "      - cidr: \"fd00:10::1/64\"\n",
	  "did you mean fd00:10::/64?", 7, 15, TOPO_SEV_ERROR },
	{ "segment-no-cidr",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - name: z\n"
	  "    kind: other\n"
	  "    segments:\n"
	  "      - { vlan: 10 }\n",
	  "a segment needs \"cidr\"", 7, 9, TOPO_SEV_ERROR },
	{ "segment-vlan-0",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - name: z\n"
	  "    kind: other\n"
	  "    segments:\n"
	  "      - { cidr: 10.0.0.0/8, vlan: 0 }\n",
	  "invalid vlan \"0\" (expected a VLAN ID from 1 to 4094)", 7, 35, TOPO_SEV_ERROR },
	{ "segment-vlan-4095",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - name: z\n"
	  "    kind: other\n"
	  "    segments:\n"
	  "      - { cidr: 10.0.0.0/8, vlan: 4095 }\n",
	  "invalid vlan \"4095\"", 7, 35, TOPO_SEV_ERROR },
	{ "segment-vlan-text",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - name: z\n"
	  "    kind: other\n"
	  "    segments:\n"
	  "      - { cidr: 10.0.0.0/8, vlan: ten }\n",
	  "invalid vlan \"ten\"", 7, 35, TOPO_SEV_ERROR },
	{ "segment-unknown-key",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - name: z\n"
	  "    kind: other\n"
	  "    segments:\n"
	  "      - { cidr: 10.0.0.0/8, vlna: 3 }\n",
	  "unknown key \"vlna\" in segment (expected one of: cidr, vlan, label)", 7, 29, TOPO_SEV_ERROR },
	{ "segment-scalar",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - name: z\n"
	  "    kind: other\n"
	  "    segments: [ 10.0.0.0/8 ]\n",
	  "a segment must be a mapping (cidr: …), not a single value", 6, 17, TOPO_SEV_ERROR },
	{ "ext-kind-internet",
	  "site: t\n"
	  "model: alpha\n"
	  "zones: [ { name: z, kind: other, segments: [ { cidr: 10.0.0.0/8 } ] } ]\n"
	  "externals:\n"
	  "  - { name: e, kind: internet, cidrs: [ 11.0.0.0/8 ] }\n",
	  "unknown kind \"internet\" (expected one of: lgwan-wan, public-institution, remote-access)", 5, 22, TOPO_SEV_ERROR },
	{ "ext-internet-wan-kind",
	  "site: t\n"
	  "model: alpha\n"
	  "zones: [ { name: z, kind: other, segments: [ { cidr: 10.0.0.0/8 } ] } ]\n"
	  "externals:\n"
	  "  - { name: e, kind: internet-wan, cidrs: [ 11.0.0.0/8 ] }\n",
	  "unknown kind \"internet-wan\"", 5, 22, TOPO_SEV_ERROR },
	{ "ext-no-cidrs",
	  "site: t\n"
	  "model: alpha\n"
	  "zones: [ { name: z, kind: other, segments: [ { cidr: 10.0.0.0/8 } ] } ]\n"
	  "externals:\n"
	  "  - { name: e, kind: lgwan-wan }\n",
	  "an external needs \"cidrs\"", 5, 5, TOPO_SEV_ERROR },
	{ "ext-empty-cidrs",
	  "site: t\n"
	  "model: alpha\n"
	  "zones: [ { name: z, kind: other, segments: [ { cidr: 10.0.0.0/8 } ] } ]\n"
	  "externals:\n"
	  "  - { name: e, kind: lgwan-wan, cidrs: [] }\n",
	  "an external needs at least one CIDR", 5, 40, TOPO_SEV_ERROR },
	{ "ext-bad-cidr",
	  "site: t\n"
	  "model: alpha\n"
	  "zones: [ { name: z, kind: other, segments: [ { cidr: 10.0.0.0/8 } ] } ]\n"
	  "externals:\n"
	  "  - { name: e, kind: lgwan-wan, cidrs: [ 11.0.0.0/8, 12.1.0.0/8 ] }\n",
	  "invalid CIDR \"12.1.0.0/8\": host bits are set below the /8 prefix (did you mean 12.0.0.0/8?)", 5, 54, TOPO_SEV_ERROR },
	{ "ext-reserved-name",
	  "site: t\n"
	  "model: alpha\n"
	  "zones: [ { name: z, kind: other, segments: [ { cidr: 10.0.0.0/8 } ] } ]\n"
	  "externals:\n"
	  "  - { name: internet-wan, kind: lgwan-wan, cidrs: [ 11.0.0.0/8 ] }\n",
	  "the name \"internet-wan\" is reserved", 5, 13, TOPO_SEV_ERROR },
	{ "overlap-zones",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - { name: a, kind: lgwan, segments: [ { cidr: 10.0.0.0/8 } ] }\n"
	  "  - { name: b, kind: internet, segments: [ { cidr: 10.20.0.0/16 } ] }\n",
	  "segment 10.20.0.0/16 of zone \"b\" overlaps segment 10.0.0.0/8 of zone \"a\" (line 4, column 49): an address must belong to one area", 5, 52, TOPO_SEV_ERROR },
	{ "overlap-zones-reverse",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - { name: a, kind: lgwan, segments: [ { cidr: 10.20.0.0/16 } ] }\n"
	  "  - { name: b, kind: internet, segments: [ { cidr: 10.0.0.0/8 } ] }\n",
	  "segment 10.0.0.0/8 of zone \"b\" overlaps segment 10.20.0.0/16 of zone \"a\" (line 4, column 49)", 5, 52, TOPO_SEV_ERROR },
	{ "overlap-zone-ext",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - { name: a, kind: lgwan, segments: [ { cidr: \"fd00::/16\" } ] }\n"
	  "externals:\n"
	  "  - { name: e, kind: lgwan-wan, cidrs: [ \"fd00:1::/32\" ] }\n",
	  "cidr fd00:1::/32 of external \"e\" overlaps segment fd00::/16 of zone \"a\" (line 4, column 49)", 6, 42, TOPO_SEV_ERROR },
	{ "overlap-same-prefix",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - { name: a, kind: lgwan, segments: [ { cidr: 10.0.0.0/8 } ] }\n"
	  "  - { name: b, kind: other, segments: [ { cidr: 10.0.0.0/8 } ] }\n",
	  "segment 10.0.0.0/8 of zone \"b\" overlaps segment 10.0.0.0/8 of zone \"a\"", 5, 49, TOPO_SEV_ERROR },
	{ "overlap-ext-same",
	  "site: t\n"
	  "model: alpha\n"
	  "zones: [ { name: z, kind: other, segments: [ { cidr: 10.0.0.0/8 } ] } ]\n"
	  "externals:\n"
	  "  - { name: e, kind: lgwan-wan, cidrs: [ 11.0.0.0/8 ] }\n"
	  "  - { name: f, kind: public-institution, cidrs: [ 11.0.0.0/8 ] }\n",
	  "cidr 11.0.0.0/8 of external \"f\" is also a cidr of external \"e\" (line 5, column 42): the longest-prefix match cannot choose between them", 6, 51, TOPO_SEV_ERROR },
	{ "overlap-in-zone",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - name: a\n"
	  "    kind: lgwan\n"
	  "    segments:\n"
	  "      - cidr: 10.0.0.0/8\n"
	  "      - cidr: 10.5.0.0/16\n",
	  "segment 10.5.0.0/16 overlaps 10.0.0.0/8 (line 7, column 15) of the same zone \"a\"", 8, 15, TOPO_SEV_WARNING },
	{ "dup-in-zone",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - name: a\n"
	  "    kind: lgwan\n"
	  "    segments:\n"
	  "      - cidr: 10.0.0.0/8\n"
	  "      - cidr: 10.0.0.0/8\n",
	  "segment 10.0.0.0/8 is listed twice in zone \"a\" (also at line 7, column 15)", 8, 15, TOPO_SEV_WARNING },
	{ "vlan-two-tiers",
	  "site: t\n"
	  "model: alpha\n"
	  "zones:\n"
	  "  - { name: lg, kind: lgwan, segments: [ { cidr: 10.20.0.0/16, vlan: 20 } ] }\n"
	  "  - { name: in, kind: internet, segments: [ { cidr: 10.30.0.0/16, vlan: 20 } ] }\n",
	  "VLAN 20 carries segments of two tiers: zone \"in\" (internet) here and zone \"lg\" (lgwan) at line 4, column 50; "
	  "one broadcast domain across the separation", 5, 53, TOPO_SEV_WARNING },
	{ "host-unknown-key",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, zone: mn, adress: 10.10.1.1 }\n",
	  "unknown key \"adress\" in host (expected one of: name, zone, mac, ip, role)", 13, 26, TOPO_SEV_ERROR },
	{ "host-no-name",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { zone: mn, ip: 10.10.1.1 }\n",
	  "a host needs \"name\"", 13, 5, TOPO_SEV_ERROR },
	{ "host-no-zone",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, ip: 10.10.1.1 }\n",
	  "a host needs \"zone\": the zone it sits in", 13, 5, TOPO_SEV_ERROR },
	{ "host-unknown-zone",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, zone: mnn, ip: 10.10.1.1 }\n",
	  "unknown zone \"mnn\" (zones: mn, lg, inet, oth)", 13, 22, TOPO_SEV_ERROR },
	{ "host-zone-external",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, zone: wan, ip: 198.51.100.7 }\n",
	  "\"wan\" is an external, not a zone", 13, 22, TOPO_SEV_ERROR },
	{ "host-dup-name",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, zone: mn, ip: 10.10.1.1 }\n"
	  "  - { name: h, zone: mn, ip: 10.10.1.2 }\n",
	  "duplicate host name \"h\" (first at line 13, column 13)", 14, 13, TOPO_SEV_ERROR },
	{ "host-bad-mac",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, zone: mn, mac: 02:00:00:10:00 }\n",
	  "invalid MAC address \"02:00:00:10:00\"", 13, 31, TOPO_SEV_ERROR },
	{ "host-multicast-mac",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, zone: mn, mac: [ 02:00:00:10:00:01, 01:00:5e:00:00:01 ] }\n",
	  "MAC 01:00:5e:00:00:01 is a multicast or broadcast address", 13, 52, TOPO_SEV_ERROR },
	{ "host-zero-mac",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, zone: mn, mac: 00-00-00-00-00-00 }\n",
	  "MAC 00:00:00:00:00:00 is all zeroes", 13, 31, TOPO_SEV_ERROR },
	{ "host-dup-mac",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: a, zone: mn, mac: 02:00:00:10:00:01 }\n"
	  "  - { name: b, zone: lg, mac: 02-00-00-10-00-01 }\n",
	  "MAC 02:00:00:10:00:01 is already used by host \"a\" (line 13, column 13)", 14, 31, TOPO_SEV_ERROR },
	{ "host-mac-twice",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: a, zone: mn, mac: [ 02:00:00:10:00:01, 02:00:00:10:00:01 ] }\n",
	  "MAC 02:00:00:10:00:01 is listed twice for host \"a\"", 13, 52, TOPO_SEV_WARNING },
	{ "host-bad-ip",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, zone: mn, ip: 10.10.1 }\n",
	  "invalid IP address \"10.10.1\"", 13, 30, TOPO_SEV_ERROR },
	{ "host-ip-cidr",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, zone: mn, ip: 10.10.1.0/24 }\n",
	  "invalid IP address \"10.10.1.0/24\" (expected an IPv4 or IPv6 address, without /prefix)", 13, 30, TOPO_SEV_ERROR },
	{ "host-dup-ip",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: a, zone: mn, ip: \"fd00:10::1\" }\n"
	  "  - { name: b, zone: mn, ip: [ 10.10.1.1, \"fd00:10:0:0::1\" ] }\n",
	  "IP fd00:10::1 is already used by host \"a\" (line 13, column 13)", 14, 43, TOPO_SEV_ERROR },
	{ "host-ip-outside",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, zone: mn, ip: [ 10.10.1.1, 10.20.1.1 ] }\n",
	  "IP 10.20.1.1 of host \"h\" is not in a segment of its zone \"mn\" (it is in zone \"lg\"); only a host of role gateway may have addresses outside its zone", 13, 43, TOPO_SEV_ERROR },
	{ "host-ip-internet",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, zone: mn, ip: 8.8.8.8 }\n",
	  "IP 8.8.8.8 of host \"h\" is not in a segment of its zone \"mn\" (it is on the Internet)", 13, 30, TOPO_SEV_ERROR },
	{ "host-ip-external",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, zone: lg, ip: 198.51.100.40 }\n",
	  "(it is in external \"jlis\")", 13, 30, TOPO_SEV_ERROR },
	{ "host-ip-multicast",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, zone: mn, ip: 224.0.0.1 }\n",
	  "224.0.0.1 is not a unicast host address", 13, 30, TOPO_SEV_ERROR },
	{ "host-ip-loopback",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, zone: mn, ip: \"::1\" }\n",
	  "::1 is not a unicast host address", 13, 30, TOPO_SEV_ERROR },
	{ "host-bad-role",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, zone: mn, ip: 10.10.1.1, role: router }\n",
	  "unknown role \"router\" (expected one of: terminal, server, sanitizer, gateway, other)", 13, 47, TOPO_SEV_ERROR },
	{ "host-nothing",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, zone: mn }\n",
	  "host \"h\" has neither mac nor ip", 13, 5, TOPO_SEV_WARNING },
	{ "host-mac-map",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: h, zone: mn, mac: { a: 1 } }\n",
	  "\"mac\" must be a MAC address or a list of them, not a mapping", 13, 31, TOPO_SEV_ERROR },
	{ "host-name-control",
	  AREAS("alpha")
	  "hosts:\n"
	  "  - { name: \"h\\u001b[31m\", zone: mn }\n",
	  "\"name\" contains a control character", 13, 13, TOPO_SEV_ERROR },
	{ "flow-unknown-key",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg }, to: { external: wan }, prots: tcp }\n",
	  "unknown key \"prots\" in flow (expected one of: name, kind, from, to, proto, ports, approval)", 21, 74, TOPO_SEV_ERROR },
	{ "flow-dup-name",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg }, to: { external: wan } }\n"
	  "  - { name: f, kind: service, from: { zone: lg }, to: { external: jlis } }\n",
	  "duplicate flow name \"f\" (first at line 21, column 13)", 22, 13, TOPO_SEV_ERROR },
	{ "flow-no-kind",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, from: { zone: lg }, to: { external: wan } }\n",
	  "a flow needs \"kind\": exception, mail-text, screen-transfer, file-cdr, saas-breakout, service", 21, 5, TOPO_SEV_ERROR },
	{ "flow-bad-kind",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: allow, from: { zone: lg }, to: { external: wan } }\n",
	  "unknown kind \"allow\" (expected one of: exception, mail-text, screen-transfer, file-cdr, saas-breakout, service)", 21, 22, TOPO_SEV_ERROR },
	{ "flow-no-from",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, to: { external: wan } }\n",
	  "a flow needs \"from\"", 21, 5, TOPO_SEV_ERROR },
	{ "flow-no-to",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg } }\n",
	  "a flow needs \"to\"", 21, 5, TOPO_SEV_ERROR },
	{ "ep-two",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg, host: lg1 }, to: { external: wan } }\n",
	  "flow endpoint \"from\" has both zone and host: give exactly one of host, zone, external, cidr", 21, 49, TOPO_SEV_ERROR },
	{ "ep-none",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { mac: 02:00:00:20:00:01 }, to: { external: wan } }\n",
	  "flow endpoint \"from\" needs exactly one of: host, zone, external, cidr", 21, 37, TOPO_SEV_ERROR },
	{ "ep-scalar",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: lg, to: { external: wan } }\n",
	  "a flow endpoint must be a mapping (host: …), not a single value", 21, 37, TOPO_SEV_ERROR },
	{ "ep-unknown-key",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg, port: 1 }, to: { external: wan } }\n",
	  "unknown key \"port\" in flow endpoint (expected one of: host, zone, external, cidr, mac)", 21, 49, TOPO_SEV_ERROR },
	{ "ep-unknown-host",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { host: lg2 }, to: { external: wan } }\n",
	  "unknown host \"lg2\"", 21, 45, TOPO_SEV_ERROR },
	{ "ep-unknown-zone",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lgw }, to: { external: wan } }\n",
	  "unknown zone \"lgw\" (zones: mn, lg, inet, oth)", 21, 45, TOPO_SEV_ERROR },
	{ "ep-unknown-ext",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg }, to: { external: wna } }\n",
	  "unknown external \"wna\" (externals: wan, jlis, vpn, internet-wan)", 21, 67, TOPO_SEV_ERROR },
	{ "ep-zone-is-ext",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg }, to: { zone: wan } }\n",
	  "\"wan\" is an external, not a zone: write external: wan", 21, 63, TOPO_SEV_ERROR },
	{ "ep-ext-is-zone",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { external: lg }, to: { external: wan } }\n",
	  "\"lg\" is a zone, not an external: write zone: lg", 21, 49, TOPO_SEV_ERROR },
	{ "ep-internet-wan-zone",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: internet-wan }, to: { zone: inet } }\n",
	  "\"internet-wan\" is an external, not a zone", 21, 45, TOPO_SEV_ERROR },
	{ "ep-bad-cidr",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg }, to: { cidr: 198.51.100.1/24 } }\n",
	  "did you mean 198.51.100.0/24?", 21, 63, TOPO_SEV_ERROR },
	{ "ep-bad-mac",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg, mac: [ zz ] }, to: { external: wan } }\n",
	  "invalid MAC address \"zz\"", 21, 56, TOPO_SEV_ERROR },
	{ "bad-proto",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg }, to: { external: wan }, proto: sctpx }\n",
	  "unknown proto \"sctpx\" (expected tcp, udp, icmp, icmpv6 or an IP protocol number from 0 to 255)", 21, 81, TOPO_SEV_ERROR },
	{ "proto-256",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg }, to: { external: wan }, proto: 256 }\n",
	  "unknown proto \"256\"", 21, 81, TOPO_SEV_ERROR },
	{ "port-too-big",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg }, to: { external: wan }, proto: tcp, ports: [ 80, 65536 ] }\n",
	  "invalid port \"65536\" (expected a number from 0 to 65535 or a range such as \"8000-8010\")", 21, 99, TOPO_SEV_ERROR },
	{ "port-range-reversed",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg }, to: { external: wan }, proto: tcp, ports: [ \"8010-8000\" ] }\n",
	  "invalid port range \"8010-8000\": the first port is above the last", 21, 95, TOPO_SEV_ERROR },
	{ "port-text",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg }, to: { external: wan }, proto: tcp, ports: [ http ] }\n",
	  "invalid port \"http\"", 21, 95, TOPO_SEV_ERROR },
	{ "port-negative",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg }, to: { external: wan }, proto: tcp, ports: [ -1 ] }\n",
	  "invalid port \"-1\"", 21, 95, TOPO_SEV_ERROR },
	{ "ports-map",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg }, to: { external: wan }, proto: tcp, ports: { a: 1 } }\n",
	  "\"ports\" must be a port or a list of them, not a mapping", 21, 93, TOPO_SEV_ERROR },
	{ "icmp-ports",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg }, to: { external: wan }, proto: icmp, ports: [ 8 ] }\n",
	  "ports are ignored for icmp", 21, 94, TOPO_SEV_WARNING },
	{ "approval-list",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg }, to: { external: wan }, approval: [ x ] }\n",
	  "\"approval\" must be free text naming the approval, not a list", 21, 84, TOPO_SEV_ERROR },
	{ "service-crosses-mn",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg }, to: { host: mn1 } }\n",
	  "a service crossing the mynumber boundary (lgwan tier → mynumber tier): only an exception may cross it", 21, 22, TOPO_SEV_ERROR },
	{ "mail-crosses-mn",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: mail-text, from: { host: mn1 }, to: { host: san } }\n",
	  "a mail-text flow crossing the mynumber boundary", 21, 22, TOPO_SEV_ERROR },
	{ "cidr-crosses-mn",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { cidr: 10.10.8.0/24 }, to: { zone: oth } }\n",
	  "a service crossing the mynumber boundary (mynumber tier → other tier)", 21, 22, TOPO_SEV_ERROR },
	{ "exception-not-crossing",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: exception, from: { host: lg1 }, to: { external: wan }, proto: tcp, ports: [443], approval: x }\n",
	  "exceptions are only for the mynumber boundary, but this flow goes from lgwan tier to lgwan tier", 21, 22, TOPO_SEV_ERROR },
	{ "exception-zone-side",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: exception, from: { zone: mn }, to: { external: jlis }, proto: tcp, ports: [443], approval: x }\n",
	  "the mynumber side of an exception must be a host (pinned by MAC and IP address), not zone \"mn\"", 21, 47, TOPO_SEV_ERROR },
	{ "exception-cidr-side",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: exception, from: { host: lg1 }, to: { cidr: 10.10.1.0/24 }, proto: tcp, ports: [443], approval: x }\n",
	  "the mynumber side of an exception must be a host (pinned by MAC and IP address), not cidr 10.10.1.0/24", 21, 66, TOPO_SEV_ERROR },
	{ "exception-no-mac",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: exception, from: { host: mn-nomac }, to: { external: jlis }, proto: tcp, ports: [443], approval: x }\n",
	  "host \"mn-nomac\" on the mynumber side of an exception has no MAC address to pin", 21, 47, TOPO_SEV_ERROR },
	{ "exception-far-zone",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: exception, from: { host: mn1 }, to: { zone: lg }, proto: tcp, ports: [443], approval: x }\n",
	  "the far side of an exception must be a host, an external or a cidr, never a whole zone (zone \"lg\")", 21, 66, TOPO_SEV_ERROR },
	{ "exception-no-ports",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: exception, from: { host: mn1 }, to: { external: jlis }, proto: tcp, approval: x }\n",
	  "exception \"f\": ports are required (5.1 ア: an exception is pinned by port)", 21, 5, TOPO_SEV_ERROR },
	{ "exception-empty-ports",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: exception, from: { host: mn1 }, to: { external: jlis }, proto: tcp, ports: [], approval: x }\n",
	  "exception \"f\": ports are required, and the list is empty", 21, 97, TOPO_SEV_ERROR },
	{ "exception-no-approval",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: exception, from: { host: mn1 }, to: { external: jlis }, proto: tcp, ports: [443] }\n",
	  "exception \"f\": approval is required (who approved it and when", 21, 5, TOPO_SEV_ERROR },
	{ "exception-empty-approval",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: exception, from: { host: mn1 }, to: { external: jlis }, proto: tcp, ports: [443], approval: \"\" }\n",
	  "exception \"f\": approval is empty", 21, 114, TOPO_SEV_ERROR },
	{ "exception-internet-zone",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: exception, from: { host: mn1 }, to: { host: in1 }, proto: tcp, ports: [443], approval: x }\n",
	  "the far side of an exception is on the internet side (host \"in1\"): 「その外部接続先についてもインターネット等と接続してはならない」", 21, 66, TOPO_SEV_ERROR },
	{ "exception-internet-wan",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: exception, from: { external: internet-wan }, to: { host: mn1 }, proto: tcp, ports: [443], approval: x }\n",
	  "the far side of an exception is on the internet side (external \"internet-wan\")", 21, 51, TOPO_SEV_ERROR },
	{ "exception-internet-cidr",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: exception, from: { host: mn1 }, to: { cidr: \"2001:db8::/32\" }, proto: tcp, ports: [443], approval: x }\n",
	  "the far side of an exception is on the internet side (cidr 2001:db8::/32)", 21, 66, TOPO_SEV_ERROR },
	{ "exception-remote",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: exception, from: { external: vpn }, to: { host: mn1 }, proto: tcp, ports: [3389], approval: x }\n",
	  "an exception with a remote-access pool (external \"vpn\"): connections from outside the office to the mynumber tier are forbidden (6.3.8", 21, 51, TOPO_SEV_ERROR },
	{ "exception-no-proto",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: exception, from: { host: mn1 }, to: { external: jlis }, ports: [443], approval: x }\n",
	  "exception \"f\" has no proto", 21, 22, TOPO_SEV_WARNING },
	{ "mail-no-sanitizer",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: mail-text, from: { host: in1 }, to: { host: lg1 }, proto: tcp, ports: [25] }\n",
	  "a mail-text flow must have a host of role sanitizer at one end (無害化通信, 5.2 イ); it goes from host \"in1\" to host \"lg1\"", 21, 22, TOPO_SEV_ERROR },
	{ "cdr-no-sanitizer",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: file-cdr, from: { zone: inet }, to: { zone: lg }, proto: tcp, ports: [443] }\n",
	  "a file-cdr flow must have a host of role sanitizer at one end", 21, 22, TOPO_SEV_ERROR },
	{ "screen-alpha-from",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: screen-transfer, from: { host: in1 }, to: { zone: lg }, proto: tcp, ports: [3389] }\n",
	  "in model alpha, screen transfer is opened from the lgwan side: \"from\" must be lgwan tier, but host \"in1\" is internet tier", 21, 53, TOPO_SEV_ERROR },
	{ "screen-alpha-to",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: screen-transfer, from: { zone: lg }, to: { zone: oth }, proto: tcp, ports: [3389] }\n",
	  "in model alpha, screen transfer goes to the internet side: \"to\" must be internet tier, but zone \"oth\" is other tier", 21, 71, TOPO_SEV_ERROR },
	{ "screen-beta-from",
	  AREAS("beta") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: screen-transfer, from: { zone: lg }, to: { host: in1 }, proto: tcp, ports: [3389] }\n",
	  "in model beta, screen transfer is opened from the internet side: \"from\" must be internet tier, but zone \"lg\" is lgwan tier", 21, 53, TOPO_SEV_ERROR },
	{ "screen-unknown-port",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: screen-transfer, from: { zone: lg }, to: { host: in1 }, proto: tcp, ports: [ 3389, 8080 ] }\n",
	  "port 8080 is not a known screen-transfer port", 21, 105, TOPO_SEV_WARNING },
	{ "screen-range-port",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: screen-transfer, from: { zone: lg }, to: { host: in1 }, proto: tcp, ports: [ \"5900-6000\" ] }\n",
	  "port 5900-6000 is not a known screen-transfer port", 21, 99, TOPO_SEV_WARNING },
	{ "screen-9427",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: screen-transfer, from: { zone: lg }, to: { host: in1 }, proto: tcp, ports: [ 443, 22443, 9427 ] }\n",
	  "port 9427 (Horizon client drive redirection / MMR) is a forbidden screen-transfer side channel", 21, 111, TOPO_SEV_WARNING },
	{ "screen-32111",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: screen-transfer, from: { zone: lg }, to: { host: in1 }, proto: tcp, ports: [ \"32000-32200\" ] }\n",
	  "port 32111 (Horizon USB redirection) is a forbidden screen-transfer side channel", 21, 99, TOPO_SEV_WARNING },
	{ "screen-no-ports",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: screen-transfer, from: { zone: lg }, to: { host: in1 }, proto: tcp }\n",
	  "has no ports: it admits any port, including the forbidden side channels", 21, 22, TOPO_SEV_WARNING },
	{ "saas-not-alpha-prime",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: saas-breakout, from: { zone: lg }, to: { cidr: 52.0.0.0/16 }, proto: tcp, ports: [443] }\n",
	  "saas-breakout is only allowed in model alpha-prime", 21, 22, TOPO_SEV_ERROR },
	{ "saas-from-internet",
	  AREAS("alpha-prime") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: saas-breakout, from: { zone: inet }, to: { cidr: 52.0.0.0/16 }, proto: tcp, ports: [443] }\n",
	  "a saas-breakout starts on the lgwan side: \"from\" must be lgwan tier, but zone \"inet\" is internet tier", 21, 51, TOPO_SEV_ERROR },
	{ "saas-to-zone",
	  AREAS("alpha-prime") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: saas-breakout, from: { zone: lg }, to: { zone: inet }, proto: tcp, ports: [443] }\n",
	  "the target of a saas-breakout must be a cidr or an external listing the cloud service, not zone \"inet\"", 21, 69, TOPO_SEV_ERROR },
	{ "saas-to-host",
	  AREAS("alpha-prime") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: saas-breakout, from: { zone: lg }, to: { host: in1 }, proto: tcp, ports: [443] }\n",
	  "not host \"in1\"", 21, 69, TOPO_SEV_ERROR },
	{ "saas-to-internet-wan",
	  AREAS("alpha-prime") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: saas-breakout, from: { zone: lg }, to: { external: internet-wan }, proto: tcp, ports: [443] }\n",
	  "never the whole Internet (internet-wan)", 21, 73, TOPO_SEV_ERROR },
	{ "saas-to-default",
	  AREAS("alpha-prime") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: saas-breakout, from: { zone: lg }, to: { cidr: \"::/0\" }, proto: tcp, ports: [443] }\n",
	  "never the whole Internet (cidr ::/0)", 21, 69, TOPO_SEV_ERROR },
	{ "service-lgwan-internet",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { host: in1 }, to: { external: wan }, proto: tcp, ports: [443] }\n",
	  "a service may not join the lgwan tier and the internet tier (internet tier → lgwan tier, 5.2 ア)", 21, 22, TOPO_SEV_ERROR },
	{ "service-lgwan-internet-wan",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: lg }, to: { cidr: 0.0.0.0/0 }, proto: tcp, ports: [443] }\n",
	  "a service may not join the lgwan tier and the internet tier (lgwan tier → internet tier", 21, 22, TOPO_SEV_ERROR },
	{ "cidr-spans",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: oth }, to: { cidr: 10.0.0.0/8 }, proto: tcp, ports: [443] }\n",
	  "cidr 10.0.0.0/8 covers networks of more than one area; the flow rules treat it as on the Internet (where its first address is)", 21, 64, TOPO_SEV_WARNING },
	{ "cidr-spans-v6",
	  AREAS("alpha") HOSTS
	  "flows:\n"
	  "  - { name: f, kind: service, from: { zone: oth }, to: { cidr: \"fd00::/8\" }, proto: tcp, ports: [443] }\n",
	  "cidr fd00::/8 covers networks of more than one area", 21, 64, TOPO_SEV_WARNING },
	{ "fw-unknown-key",
	  AREAS("alpha") HOSTS
	  "firewalls:\n"
	  "  - { name: fw, interface: [] }\n",
	  "unknown key \"interface\" in firewall (expected one of: name, host, interfaces, ruleset)", 21, 17, TOPO_SEV_ERROR },
	{ "fw-no-name",
	  AREAS("alpha") HOSTS
	  "firewalls:\n"
	  "  - { interfaces: [ { name: eth0, faces: [ lg ] } ] }\n",
	  "a firewall needs \"name\"", 21, 5, TOPO_SEV_ERROR },
	{ "fw-dup-name",
	  AREAS("alpha") HOSTS
	  "firewalls:\n"
	  "  - { name: fw, interfaces: [ { name: eth0, faces: [ lg ] } ] }\n"
	  "  - { name: fw, interfaces: [ { name: eth0, faces: [ lg ] } ] }\n",
	  "duplicate firewall name \"fw\" (first at line 21, column 13)", 22, 13, TOPO_SEV_ERROR },
	{ "fw-unknown-host",
	  AREAS("alpha") HOSTS
	  "firewalls:\n"
	  "  - { name: fw, host: core, interfaces: [ { name: eth0, faces: [ lg ] } ] }\n",
	  "unknown host \"core\" (the firewall's host must be listed under hosts)", 21, 23, TOPO_SEV_ERROR },
	{ "fw-no-ifaces",
	  AREAS("alpha") HOSTS
	  "firewalls:\n"
	  "  - { name: fw, host: gw }\n",
	  "firewall \"fw\" has no interfaces", 21, 5, TOPO_SEV_WARNING },
	{ "fw-empty-ifaces",
	  AREAS("alpha") HOSTS
	  "firewalls:\n"
	  "  - { name: fw, interfaces: [] }\n",
	  "\"interfaces\" is empty", 21, 29, TOPO_SEV_ERROR },
	{ "fw-unknown-face",
	  AREAS("alpha") HOSTS
	  "firewalls:\n"
	  "  - { name: fw, interfaces: [ { name: eth0, faces: [ lg, lgwan ] } ] }\n",
	  "unknown area \"lgwan\" (expected a zone, an external or internet-wan)", 21, 58, TOPO_SEV_ERROR },
	{ "fw-no-faces",
	  AREAS("alpha") HOSTS
	  "firewalls:\n"
	  "  - { name: fw, interfaces: [ { name: eth0 } ] }\n",
	  "an interface needs \"faces\"", 21, 31, TOPO_SEV_ERROR },
	{ "fw-empty-faces",
	  AREAS("alpha") HOSTS
	  "firewalls:\n"
	  "  - { name: fw, interfaces: [ { name: eth0, faces: [] } ] }\n",
	  "\"faces\" needs at least one zone, external or internet-wan", 21, 52, TOPO_SEV_ERROR },
	{ "fw-dup-iface",
	  AREAS("alpha") HOSTS
	  "firewalls:\n"
	  "  - { name: fw, interfaces: [ { name: eth0, faces: [ lg ] }, { name: eth0, faces: [ mn ] } ] }\n",
	  "duplicate interface \"eth0\" in firewall \"fw\" (first at line 21, column 39)", 21, 70, TOPO_SEV_ERROR },
	{ "fw-dup-face",
	  AREAS("alpha") HOSTS
	  "firewalls:\n"
	  "  - { name: fw, interfaces: [ { name: eth0, faces: [ lg, lg ] } ] }\n",
	  "\"lg\" is listed twice for interface \"eth0\"", 21, 58, TOPO_SEV_WARNING },
	{ "fw-iface-unknown-key",
	  AREAS("alpha") HOSTS
	  "firewalls:\n"
	  "  - { name: fw, interfaces: [ { name: eth0, face: [ lg ] } ] }\n",
	  "unknown key \"face\" in interface (expected one of: name, faces)", 21, 45, TOPO_SEV_ERROR },
	{ "fw-bad-format",
	  AREAS("alpha") HOSTS
	  "firewalls:\n"
	  "  - { name: fw, interfaces: [ { name: eth0, faces: [ lg ] } ], ruleset: { format: pf, path: x } }\n",
	  "unknown format \"pf\" (expected one of: nft-json, nft, iptables-save)", 21, 83, TOPO_SEV_ERROR },
	{ "fw-ruleset-no-format",
	  AREAS("alpha") HOSTS
	  "firewalls:\n"
	  "  - { name: fw, interfaces: [ { name: eth0, faces: [ lg ] } ], ruleset: { path: x } }\n",
	  "a ruleset needs \"format\"", 21, 73, TOPO_SEV_ERROR },
	{ "fw-ruleset-unknown-key",
	  AREAS("alpha") HOSTS
	  "firewalls:\n"
	  "  - { name: fw, interfaces: [ { name: eth0, faces: [ lg ] } ], ruleset: { format: nft, file: x } }\n",
	  "unknown key \"file\" in ruleset (expected one of: format, path)", 21, 88, TOPO_SEV_ERROR },
	{ "fw-ruleset-scalar",
	  AREAS("alpha") HOSTS
	  "firewalls:\n"
	  "  - { name: fw, interfaces: [ { name: eth0, faces: [ lg ] } ], ruleset: rules.nft }\n",
	  "a ruleset must be a mapping (format: …), not a single value", 21, 73, TOPO_SEV_ERROR },

};

static void dump(const struct topo_diag_list *d)
{
	char buf[1024];

	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  %s\n", topo_diag_format(&d->items[i], buf, sizeof(buf)));
}

START_TEST(test_load_table)
{
	const struct load_case *c = &cases[_i];
	struct topo_diag_list d = { 0 };
	struct topo_site *s = (struct topo_site *)&d; /* must be overwritten */
	const struct topo_diag *hit = NULL;
	char buf[1024], want[64];
	int r;

	r = topo_site_load_buffer("site.yaml", c->yaml, strlen(c->yaml), &s, &d);
	if (getenv("TOPO_TEST_VERBOSE")) {
		fprintf(stderr, "%s:\n", c->tag);
		dump(&d);
	}
	for (size_t i = 0; i < d.n && !hit; i++)
		if (strstr(d.items[i].message, c->expect) && d.items[i].severity == c->severity)
			hit = &d.items[i];
	if (!hit) {
		fprintf(stderr, "%s: no %s containing \"%s\"; got:\n", c->tag,
			c->severity == TOPO_SEV_ERROR ? "error" : "warning", c->expect);
		dump(&d);
	}
	ck_assert_msg(hit != NULL, "%s: diagnostic not found", c->tag);
	if (hit->line != c->line || hit->column != c->column)
		dump(&d);
	ck_assert_msg(hit->line == c->line && hit->column == c->column, "%s: at %u:%u, expected %u:%u", c->tag,
		      hit->line, hit->column, c->line, c->column);
	ck_assert_str_eq(hit->source, "site.yaml");

	/* the printed form, as main() shows it */
	if (c->line)
		snprintf(want, sizeof(want), "site.yaml:%u:%u: %s: ", c->line, c->column,
			 c->severity == TOPO_SEV_ERROR ? "error" : "warning");
	else
		snprintf(want, sizeof(want), "site.yaml: error: ");
	ck_assert_msg(strncmp(topo_diag_format(hit, buf, sizeof(buf)), want, strlen(want)) == 0, "%s: %s", c->tag, buf);

	if (c->severity == TOPO_SEV_ERROR) {
		ck_assert_msg(r == -EINVAL, "%s: returned %d", c->tag, r);
		ck_assert_ptr_null(s);
		ck_assert_uint_ge(d.n_errors, 1);
	} else {
		/* warnings only: the rest of each warning row is valid */
		if (r != 0)
			dump(&d);
		ck_assert_msg(r == 0, "%s: returned %d", c->tag, r);
		ck_assert_ptr_nonnull(s);
		ck_assert_uint_eq(d.n_errors, 0);
	}
	topo_site_free(s);
	topo_diag_list_clear(&d);
}
END_TEST

/* The shared head of the table is itself valid, in every model. */
START_TEST(test_head_is_valid)
{
	static const char *const files[] = {
		AREAS("alpha") HOSTS, AREAS("alpha-prime") HOSTS, AREAS("beta") HOSTS, AREAS("beta-prime") HOSTS,
	};
	static const enum topo_model models[] = { TOPO_MODEL_ALPHA, TOPO_MODEL_ALPHA_PRIME, TOPO_MODEL_BETA,
						  TOPO_MODEL_BETA_PRIME };
	struct topo_diag_list d = { 0 };
	struct topo_site *s;

	ck_assert_int_eq(topo_site_load_buffer("head.yaml", files[_i], strlen(files[_i]), &s, &d), 0);
	if (d.n)
		dump(&d);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_int_eq(topo_site_model(s), models[_i]);
	ck_assert_uint_eq(topo_site_n_areas(s), 8);
	ck_assert_uint_eq(topo_site_n_hosts(s), 7);
	topo_site_free(s);
	topo_diag_list_clear(&d);
}
END_TEST

/* ------------------------------------------------------------ good files */

static const char *source_root(void)
{
	const char *root = getenv("SANSO_SOURCE_ROOT");

	return root && root[0] ? root : TOPO_TEST_SOURCE_ROOT;
}

START_TEST(test_example_file)
{
	struct topo_diag_list d = { 0 };
	struct topo_site *s = NULL;
	const struct topo_area *a;
	const struct topo_host *h;
	const struct topo_flow *f;
	const struct topo_firewall *fw;
	char path[4096], want[4096], buf[TOPO_ADDR_STRLEN];

	snprintf(path, sizeof(path), "%s/tests/data/topology/example.yaml", source_root());
	ck_assert_int_eq(topo_site_load(path, &s, &d), 0);
	if (d.n)
		dump(&d);
	ck_assert_uint_eq(d.n, 0);

	ck_assert_str_eq(topo_site_name(s), "Example City");
	ck_assert_str_eq(topo_site_path(s), path);
	ck_assert_int_eq(topo_site_model(s), TOPO_MODEL_ALPHA);
	ck_assert_int_eq(topo_site_pinning(s), TOPO_PIN_MAC_AND_IP);
	ck_assert(topo_site_inventory_strict(s));

	/* areas: 3 zones, 3 externals, internet-wan */
	ck_assert_uint_eq(topo_site_n_areas(s), 7);
	a = topo_site_area(s, 0);
	ck_assert_str_eq(a->name, "mynumber");
	ck_assert_int_eq(a->kind, TOPO_KIND_MYNUMBER);
	ck_assert(!a->external);
	ck_assert_uint_eq(a->n_segments, 3);
	ck_assert_str_eq(topo_addr_format(&a->segments[1].addr, buf), "fd00:10::");
	ck_assert_uint_eq(a->segments[1].prefix, 64);
	ck_assert_int_eq(a->segments[1].vlan, 10);
	ck_assert_int_eq(a->segments[2].vlan, -1);
	ck_assert_str_eq(a->segments[2].label, "gov-cloud");
	ck_assert_ptr_null(a->segments[0].label);
	ck_assert_ptr_eq(a->segments[0].area, a);
	ck_assert_uint_eq(a->segments[0].line, 10);
	ck_assert_uint_eq(a->segments[0].column, 17);
	ck_assert_uint_eq(a->line, 7);
	ck_assert_uint_eq(a->column, 11);
	ck_assert_str_eq(topo_site_area(s, 2)->name, "internet");
	a = topo_site_area(s, 4);
	ck_assert_str_eq(a->name, "j-lis");
	ck_assert(a->external);
	ck_assert_int_eq(a->kind, TOPO_KIND_PUBLIC_INSTITUTION);
	ck_assert_uint_eq(a->n_segments, 2);
	ck_assert_int_eq(topo_site_area(s, 5)->kind, TOPO_KIND_REMOTE_ACCESS);
	ck_assert_int_eq(topo_site_area(s, 6)->kind, TOPO_KIND_INTERNET_WAN);
	ck_assert_ptr_eq(topo_site_find_area(s, "internet-wan"), topo_site_area(s, 6));

	/* hosts */
	ck_assert_uint_eq(topo_site_n_hosts(s), 7);
	h = topo_site_find_host(s, "mn-pc-01");
	ck_assert_ptr_eq(h, topo_site_host(s, 0));
	ck_assert_uint_eq(h->n_macs, 1);
	ck_assert_uint_eq(h->n_ips, 2);
	ck_assert_int_eq(h->ips[1].family, 6);
	ck_assert_int_eq(h->role, TOPO_ROLE_TERMINAL);
	h = topo_site_find_host(s, "core-fw");
	ck_assert_int_eq(h->role, TOPO_ROLE_GATEWAY);
	ck_assert_uint_eq(h->n_macs, 2);
	ck_assert_int_eq(topo_site_find_host(s, "mail-sanitizer")->role, TOPO_ROLE_SANITIZER);

	/* flows */
	ck_assert_uint_eq(topo_site_n_flows(s), 5);
	f = topo_site_flow(s, 0);
	ck_assert_str_eq(f->name, "jlis-link");
	ck_assert_int_eq(f->kind, TOPO_FLOW_EXCEPTION);
	ck_assert_int_eq(f->from.type, TOPO_EP_HOST);
	ck_assert_str_eq(f->from.host->name, "mn-srv-01");
	ck_assert_int_eq(f->to.type, TOPO_EP_EXTERNAL);
	ck_assert_str_eq(f->to.area->name, "j-lis");
	ck_assert_int_eq(f->proto, 6);
	ck_assert_uint_eq(f->n_ports, 1);
	ck_assert_uint_eq(f->ports[0].lo, 443);
	ck_assert_str_eq(f->approval, "CISO承認 2025-014");
	ck_assert_int_eq(topo_site_flow(s, 1)->kind, TOPO_FLOW_MAIL_TEXT);
	ck_assert_ptr_null(topo_site_flow(s, 1)->approval);
	f = topo_site_flow(s, 3);
	ck_assert_int_eq(f->kind, TOPO_FLOW_SCREEN_TRANSFER);
	ck_assert_int_eq(f->from.type, TOPO_EP_ZONE);
	f = topo_site_flow(s, 4);
	ck_assert_int_eq(f->to.type, TOPO_EP_CIDR);
	ck_assert_uint_eq(f->to.n_macs, 1);
	ck_assert_uint_eq(f->n_ports, 2);
	ck_assert_uint_eq(f->ports[1].hi, 8010);
	ck_assert_int_eq(f->proto, 17);

	/* firewalls: faces and the ruleset path resolved next to the file */
	ck_assert_uint_eq(topo_site_n_firewalls(s), 1);
	fw = topo_site_firewall(s, 0);
	ck_assert_str_eq(fw->name, "core-fw");
	ck_assert_ptr_eq(fw->host, topo_site_find_host(s, "core-fw"));
	ck_assert_uint_eq(fw->n_ifaces, 4);
	ck_assert_str_eq(fw->ifaces[2].name, "eth2");
	ck_assert_uint_eq(fw->ifaces[2].n_faces, 2);
	ck_assert_str_eq(fw->ifaces[2].faces[1]->name, "j-lis");
	ck_assert_ptr_eq(fw->ifaces[3].faces[0], topo_site_internet(s));
	ck_assert_int_eq(fw->ruleset_format, TOPO_RULESET_NFT_JSON);
	snprintf(want, sizeof(want), "%s/tests/data/topology/rules/core-fw.json", source_root());
	ck_assert_str_eq(fw->ruleset_path, want);

	topo_site_free(s);
	topo_diag_list_clear(&d);
}
END_TEST

/* Model beta in block style, with comments, IPv6 everywhere, defaults,
 * the "one or a list" shorthands and a link-local host address. */
static const char beta_yaml[] =
	"# beta: terminals in the internet tier\n"
	"site: \"Beta Town (β)\"\n"
	"model: beta\n"
	"exception_pinning: mac-or-ip\n"
	"inventory: open\n"
	"zones:\n"
	"  - name: マイナンバー\n"
	"    kind: mynumber\n"
	"    segments:\n"
	"      - cidr: \"2001:db8:10::/48\"\n"
	"        vlan: 10\n"
	"  - name: lgwan\n"
	"    kind: lgwan\n"
	"    segments:\n"
	"      - { cidr: 2001:db8:20::/48, vlan: 20 }\n"
	"  - name: internet\n"
	"    kind: internet\n"
	"    segments:\n"
	"      - cidr: 2001:db8:30::/48\n"
	"externals: []\n"
	"hosts:\n"
	"  - name: vdi\n"
	"    zone: lgwan\n"
	"    mac: 02-00-00-20-00-01\n"
	"    ip: \"2001:db8:20::10\"\n"
	"    role: server\n"
	"  - name: pc\n"
	"    zone: internet\n"
	"    mac: [ 02:00:00:30:00:01 ]\n"
	"    ip: [ \"2001:db8:30::10\", \"fe80::1\" ]\n"
	"  - name: cdr\n"
	"    zone: internet\n"
	"    ip: 2001:db8:30::20\n"
	"    role: sanitizer\n"
	"flows:\n"
	"  - name: vdi\n"
	"    kind: screen-transfer\n"
	"    from: { zone: internet }\n"
	"    to: { host: vdi }\n"
	"    proto: tcp\n"
	"    ports: 22443\n"
	"  - name: upload\n"
	"    kind: file-cdr\n"
	"    from: { zone: internet }\n"
	"    to: { host: cdr }\n"
	"    proto: 6\n"
	"    ports: [ \"443\", 1344 ]\n"
	"  - name: push\n"
	"    kind: file-cdr\n"
	"    from: { host: cdr }\n"
	"    to: { zone: lgwan }\n"
	"    proto: tcp\n"
	"    ports: [ 445 ]\n"
	"firewalls:\n"
	"hosts_note_is_not_a_key: false\n";

START_TEST(test_beta_file)
{
	struct topo_diag_list d = { 0 };
	struct topo_site *s = NULL;
	/* the last line is an unknown key: drop it for the good file */
	size_t len = strstr(beta_yaml, "hosts_note") - beta_yaml;
	const struct topo_host *pc;

	ck_assert_int_eq(topo_site_load_buffer("beta.yaml", beta_yaml, len, &s, &d), 0);
	if (d.n)
		dump(&d);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_str_eq(topo_site_name(s), "Beta Town (β)");
	ck_assert_int_eq(topo_site_model(s), TOPO_MODEL_BETA);
	ck_assert_int_eq(topo_site_pinning(s), TOPO_PIN_MAC_OR_IP);
	ck_assert(!topo_site_inventory_strict(s));
	ck_assert_uint_eq(topo_site_n_areas(s), 4);
	ck_assert_str_eq(topo_site_area(s, 0)->name, "マイナンバー");
	ck_assert_uint_eq(topo_site_n_firewalls(s), 0);
	pc = topo_site_find_host(s, "pc");
	ck_assert_uint_eq(pc->n_ips, 2);
	ck_assert_int_eq(topo_site_find_host(s, "cdr")->n_macs, 0);
	ck_assert_uint_eq(topo_site_flow(s, 0)->n_ports, 1);
	ck_assert_uint_eq(topo_site_flow(s, 0)->ports[0].lo, 22443);
	ck_assert_uint_eq(topo_site_flow(s, 1)->ports[0].lo, 443);
	ck_assert_int_eq(topo_site_flow(s, 1)->proto, 6);
	topo_site_free(s);
	topo_diag_list_clear(&d);

	/* ... and the unknown key at the end is reported where it is */
	ck_assert_int_eq(topo_site_load_buffer("beta.yaml", beta_yaml, strlen(beta_yaml), &s, &d), -EINVAL);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(d.items[0].line, 55);
	ck_assert_uint_eq(d.items[0].column, 1);
	topo_diag_list_clear(&d);
}
END_TEST

START_TEST(test_alpha_prime_file)
{
	static const char yaml[] = AREAS("alpha-prime") HOSTS
		"flows:\n"
		"  - { name: m365, kind: saas-breakout, from: { zone: lg }, to: { cidr: 52.96.0.0/14 }, proto: tcp, ports: [443] }\n"
		"  - { name: cloud, kind: saas-breakout, from: { host: lg1 }, to: { external: jlis }, proto: tcp, ports: [443] }\n"
		"  - { name: ping, kind: service, from: { zone: lg }, to: { external: wan }, proto: icmp }\n"
		"  - { name: rdp, kind: screen-transfer, from: { zone: lg }, to: { zone: inet }, proto: tcp, ports: [ 3389, 1494, 2598, 4172, \"5900-5999\" ] }\n"
		"  - { name: ex, kind: exception, from: { host: mn1, mac: 02:00:00:10:00:09 }, to: { cidr: 198.51.100.32/28 }, proto: tcp, ports: [ 443 ], approval: \"承認\" }\n"
		"  - { name: oth, kind: service, from: { zone: oth }, to: { external: internet-wan }, proto: udp, ports: [ 123 ] }\n"
		"  - { name: in, kind: service, from: { external: internet-wan }, to: { host: in1 }, proto: tcp, ports: [ 443 ] }\n";
	struct topo_diag_list d = { 0 };
	struct topo_site *s = NULL;

	ck_assert_int_eq(topo_site_load_buffer("ap.yaml", yaml, strlen(yaml), &s, &d), 0);
	if (d.n)
		dump(&d);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(topo_site_n_flows(s), 7);
	ck_assert_int_eq(topo_site_flow(s, 0)->to.area->kind, TOPO_KIND_INTERNET_WAN);
	ck_assert_str_eq(topo_site_flow(s, 4)->to.area->name, "jlis");
	topo_site_free(s);
	topo_diag_list_clear(&d);
}
END_TEST

/* -------------------------------------------------------------- errors */

START_TEST(test_all_errors_reported_in_order)
{
	static const char yaml[] = AREAS("alpha")
		"hosts:\n"
		"  - { name: a, zone: nowhere, ip: 10.10.1.1 }\n"
		"  - { name: b, zone: mn, ip: 10.10.1.1.1, role: boss }\n"
		"flows:\n"
		"  - { name: f, kind: service, from: { host: zz }, to: { zone: lg }, proto: tcp, ports: [ 99999 ] }\n"
		"firewalls:\n"
		"  - { name: fw, interfaces: [ { name: e, faces: [ x ] } ], ruleset: { format: pf } }\n"
		"bogus: 1\n";
	struct topo_diag_list d = { 0 };
	struct topo_site *s = (struct topo_site *)&d;

	ck_assert_int_eq(topo_site_load_buffer("site.yaml", yaml, strlen(yaml), &s, &d), -EINVAL);
	ck_assert_ptr_null(s);
	if (d.n != 8)
		dump(&d);
	ck_assert_uint_eq(d.n, 8);
	ck_assert_uint_eq(d.n_errors, 8);
	for (size_t i = 1; i < d.n; i++)
		ck_assert(d.items[i - 1].line < d.items[i].line ||
			  (d.items[i - 1].line == d.items[i].line && d.items[i - 1].column <= d.items[i].column));
	ck_assert_uint_eq(d.items[d.n - 1].line, 19);
	topo_diag_list_clear(&d);
}
END_TEST

START_TEST(test_diags_appended)
{
	/* the list may already hold diagnostics: they stay, and count */
	struct topo_diag_list d = { 0 };
	struct topo_site *s;
	const char *yaml = AREAS("alpha");

	topo_diag_add(&d, "other", 1, 1, TOPO_SEV_ERROR, "earlier");
	ck_assert_int_eq(topo_site_load_buffer("x.yaml", yaml, strlen(yaml), &s, &d), 0);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(d.n, 1);
	topo_site_free(s);
	topo_diag_list_clear(&d);
}
END_TEST

START_TEST(test_missing_file)
{
	struct topo_diag_list d = { 0 };
	struct topo_site *s = (struct topo_site *)&d;
	char buf[512];

	ck_assert_int_eq(topo_site_load("/nonexistent/site.yaml", &s, &d), -ENOENT);
	ck_assert_ptr_null(s);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(d.items[0].line, 0);
	ck_assert_str_eq(topo_diag_format(&d.items[0], buf, sizeof(buf)),
			 "/nonexistent/site.yaml: error: can't read the topology file: No such file or directory");
	topo_diag_list_clear(&d);

	ck_assert_int_eq(topo_site_load("/", &s, &d), -EISDIR);
	ck_assert_uint_eq(d.n, 1);
	topo_diag_list_clear(&d);
}
END_TEST

START_TEST(test_buffer_paths)
{
	static const char yaml[] = AREAS("alpha")
		"firewalls:\n"
		"  - { name: a, interfaces: [ { name: e, faces: lg } ], ruleset: { format: nft, path: rules/a.nft } }\n"
		"  - { name: b, interfaces: [ { name: e, faces: [ lg ] } ], ruleset: { format: iptables-save, path: /etc/b.rules } }\n"
		"  - { name: c, interfaces: [ { name: e, faces: [ lg ] } ], ruleset: { format: nft-json } }\n";
	struct topo_diag_list d = { 0 };
	struct topo_site *s;

	ck_assert_int_eq(topo_site_load_buffer(NULL, yaml, strlen(yaml), &s, &d), 0);
	ck_assert_str_eq(topo_site_path(s), "<buffer>");
	/* from memory, relative paths stay relative to the current directory */
	ck_assert_str_eq(topo_site_firewall(s, 0)->ruleset_path, "rules/a.nft");
	ck_assert_int_eq(topo_site_firewall(s, 0)->ruleset_format, TOPO_RULESET_NFT);
	ck_assert_uint_eq(topo_site_firewall(s, 0)->ifaces[0].n_faces, 1);
	ck_assert_str_eq(topo_site_firewall(s, 1)->ruleset_path, "/etc/b.rules");
	ck_assert_int_eq(topo_site_firewall(s, 1)->ruleset_format, TOPO_RULESET_IPTABLES_SAVE);
	ck_assert_ptr_null(topo_site_firewall(s, 2)->ruleset_path);
	ck_assert_ptr_null(topo_site_firewall(s, 2)->host);
	topo_site_free(s);
	topo_diag_list_clear(&d);
}
END_TEST

/* ------------------------------------------------------ hostile input */

static const struct topo_diag *find_diag(const struct topo_diag_list *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->items[i].message, needle))
			return &d->items[i];
	return NULL;
}

START_TEST(test_alias_bomb)
{
	/* "billion laughs": 10 levels of 10 aliases; expanded it is 10^9 */
	char yaml[2048];
	size_t len = 0;
	struct topo_diag_list d = { 0 };
	struct topo_site *s;
	const struct topo_diag *hit;

	len += (size_t)snprintf(yaml + len, sizeof(yaml) - len, "site: t\na0: &a0 [lol]\n");
	for (int i = 1; i < 10; i++) {
		len += (size_t)snprintf(yaml + len, sizeof(yaml) - len, "a%d: &a%d [", i, i);
		for (int k = 0; k < 10; k++)
			len += (size_t)snprintf(yaml + len, sizeof(yaml) - len, "%s*a%d", k ? "," : "", i - 1);
		len += (size_t)snprintf(yaml + len, sizeof(yaml) - len, "]\n");
	}
	ck_assert_uint_lt(len, sizeof(yaml));
	ck_assert_int_eq(topo_site_load_buffer("bomb.yaml", yaml, len, &s, &d), -EINVAL);
	ck_assert_ptr_null(s);
	hit = find_diag(&d, "YAML anchors (&a0) are not supported");
	ck_assert_ptr_nonnull(hit);
	ck_assert_uint_eq(hit->line, 2);
	ck_assert_uint_eq(hit->column, 5);
	hit = find_diag(&d, "YAML aliases (*a0) are not supported");
	ck_assert_ptr_nonnull(hit);
	ck_assert_uint_eq(hit->line, 3);
	/* nothing else: the tree isn't validated, so no "unknown key a0" */
	ck_assert_ptr_null(strstr(d.items[d.n - 1].message, "unknown key"));
	topo_diag_list_clear(&d);
}
END_TEST

START_TEST(test_deep_nesting)
{
	struct topo_diag_list d = { 0 };
	struct topo_site *s;
	const struct topo_diag *hit;
	size_t depth = 100000; /* a stack-based parser would overflow here */
	char *yaml = malloc(2 * depth + 16);
	size_t len = 0;

	ck_assert_ptr_nonnull(yaml);
	len += (size_t)sprintf(yaml, "site: ");
	memset(yaml + len, '[', depth);
	len += depth;
	memset(yaml + len, ']', depth);
	len += depth;
	ck_assert_int_eq(topo_site_load_buffer("deep.yaml", yaml, len, &s, &d), -EINVAL);
	hit = find_diag(&d, "nesting deeper than 64 levels");
	ck_assert_ptr_nonnull(hit);
	ck_assert_uint_eq(hit->line, 1);
	ck_assert_uint_eq(hit->column, 7 + 63); /* the 65th level: root mapping + 63 lists */
	ck_assert_uint_eq(d.n, 1);
	topo_diag_list_clear(&d);

	/* exactly 64 levels is fine as far as nesting goes */
	len = (size_t)sprintf(yaml, "site: ");
	memset(yaml + len, '[', 63);
	len += 63;
	memset(yaml + len, ']', 63);
	len += 63;
	ck_assert_int_eq(topo_site_load_buffer("deep.yaml", yaml, len, &s, &d), -EINVAL);
	ck_assert_ptr_null(find_diag(&d, "nesting"));
	ck_assert_ptr_nonnull(find_diag(&d, "\"site\" must be"));
	topo_diag_list_clear(&d);
	free(yaml);
}
END_TEST

/* A literal block scalar of `n` bytes: lines of 1023 bytes plus their
 * newline, so no line comes near the line-length limit. */
static size_t block_scalar(char *yaml, size_t n)
{
	size_t len = (size_t)sprintf(yaml, "site: |\n");

	while (n > 0) {
		/* the line's text (its newline is in the value too); never an
		 * empty last line, which the block's chomping would drop */
		size_t k = n <= 1024 ? n - 1 : n - 1024 >= 2 ? 1023 : 1022;
		memcpy(yaml + len, "  ", 2);
		len += 2;
		memset(yaml + len, 'x', k);
		len += k;
		yaml[len++] = '\n';
		n -= k + 1;
	}
	return len;
}

START_TEST(test_big_scalar)
{
	size_t n = 1024 * 1024 + 1;
	char *yaml = malloc(2 * n + 32);
	struct topo_diag_list d = { 0 };
	struct topo_site *s;
	size_t len;

	ck_assert_ptr_nonnull(yaml);
	len = block_scalar(yaml, n);
	ck_assert_int_eq(topo_site_load_buffer("big.yaml", yaml, len, &s, &d), -EINVAL);
	ck_assert_ptr_nonnull(find_diag(&d, "a value of 1048577 bytes exceeds the limit of 1048576 bytes"));
	topo_diag_list_clear(&d);

	/* 1 MiB exactly is a legal scalar, but no legal name */
	len = block_scalar(yaml, n - 1);
	ck_assert_int_eq(topo_site_load_buffer("big.yaml", yaml, len, &s, &d), -EINVAL);
	ck_assert_ptr_null(find_diag(&d, "exceeds the limit"));
	ck_assert_ptr_nonnull(find_diag(&d, "\"site\" is longer than 255 bytes"));
	topo_diag_list_clear(&d);
	free(yaml);
}
END_TEST

/* One long line is refused before libyaml scans it (it would first copy a
 * whole one-line scalar or flow list, however long). */
START_TEST(test_long_line)
{
	size_t n = 1024 * 1024;
	char *yaml = malloc(n + 64);
	struct topo_diag_list d = { 0 };
	struct topo_site *s;
	const struct topo_diag *hit;
	size_t len;

	ck_assert_ptr_nonnull(yaml);
	/* CR LF, CR and LF each end a line, as libyaml counts them */
	len = (size_t)sprintf(yaml, "# a\r\n# b\r# c\n");
	memset(yaml + len, '[', n + 1);
	len += n + 1;
	ck_assert_int_eq(topo_site_load_buffer("line.yaml", yaml, len, &s, &d), -EFBIG);
	hit = find_diag(&d, "the line is longer than the limit of 1048576 bytes");
	ck_assert_ptr_nonnull(hit);
	ck_assert_uint_eq(hit->line, 4);
	ck_assert_uint_eq(hit->column, 1024 * 1024 + 1);
	ck_assert_uint_eq(d.n, 1);
	topo_diag_list_clear(&d);

	/* exactly 1 MiB (a comment) is a line like any other */
	len = (size_t)sprintf(yaml, "site: t\n#");
	memset(yaml + len, 'x', n - 1);
	len += n - 1;
	ck_assert_int_eq(topo_site_load_buffer("line.yaml", yaml, len, &s, &d), -EINVAL);
	ck_assert_ptr_null(find_diag(&d, "the line is longer"));
	ck_assert_ptr_nonnull(find_diag(&d, "needs \"model\""));
	topo_diag_list_clear(&d);
	free(yaml);
}
END_TEST

START_TEST(test_file_too_big)
{
	size_t n = 64u * 1024 * 1024 + 1;
	char *yaml = malloc(n);
	struct topo_diag_list d = { 0 };
	struct topo_site *s;

	ck_assert_ptr_nonnull(yaml);
	memset(yaml, '#', n);
	ck_assert_int_eq(topo_site_load_buffer("huge.yaml", yaml, n, &s, &d), -EFBIG);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(find_diag(&d, "larger than the limit of 64 MiB"));
	topo_diag_list_clear(&d);
	free(yaml);
}
END_TEST

START_TEST(test_many_errors_capped)
{
	size_t cap = 5000 * 16 + 64, len = 0;
	char *yaml = malloc(cap);
	struct topo_diag_list d = { 0 };
	struct topo_site *s;

	ck_assert_ptr_nonnull(yaml);
	len += (size_t)snprintf(yaml, cap, "site: t\n");
	for (int i = 0; i < 5000; i++)
		len += (size_t)snprintf(yaml + len, cap - len, "k%d: 1\n", i);
	ck_assert_int_eq(topo_site_load_buffer("many.yaml", yaml, len, &s, &d), -EINVAL);
	ck_assert_uint_eq(d.n, 1001);
	ck_assert_ptr_nonnull(strstr(d.items[1000].message, "too many problems"));
	topo_diag_list_clear(&d);
	free(yaml);
}
END_TEST

START_TEST(test_nul_and_controls)
{
	static const char yaml[] = "site: \"a\\0b\"\nmodel: alpha\n";
	struct topo_diag_list d = { 0 };
	struct topo_site *s;

	ck_assert_int_eq(topo_site_load_buffer("nul.yaml", yaml, strlen(yaml), &s, &d), -EINVAL);
	ck_assert_ptr_nonnull(find_diag(&d, "NUL characters are not allowed"));
	topo_diag_list_clear(&d);

	/* a raw NUL byte in the file */
	ck_assert_int_eq(topo_site_load_buffer("nul.yaml", "site: a\0b\n", 10, &s, &d), -EINVAL);
	ck_assert_uint_ge(d.n, 1);
	topo_diag_list_clear(&d);

	/* escape sequences in unknown keys are escaped in the message */
	static const char esc[] = AREAS("alpha") "\"\\e[2J\": 1\n";
	ck_assert_int_eq(topo_site_load_buffer("esc.yaml", esc, strlen(esc), &s, &d), -EINVAL);
	ck_assert_ptr_nonnull(find_diag(&d, "unknown key \"\\x1b[2J\""));
	topo_diag_list_clear(&d);
}
END_TEST

/* ---------------------------------------------------------------- scale */

/* CPU time of this thread: what loading costs, not how busy the machine is
 * (the suite runs tests in parallel) */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_100k_hosts)
{
	const size_t n_hosts = 100000, n_zones = 100;
	size_t cap = n_hosts * 160 + n_zones * 160 + 4096, len = 0;
	char *yaml = malloc(cap);
	struct topo_diag_list d = { 0 };
	struct topo_site *s;
	double t0, elapsed, limit = 2.0;
	struct topo_addr a;

	ck_assert_ptr_nonnull(yaml);
	len += (size_t)snprintf(yaml + len, cap - len, "site: big\nmodel: beta\nzones:\n");
	for (size_t z = 0; z < n_zones; z++)
		len += (size_t)snprintf(yaml + len, cap - len,
					"  - { name: z%zu, kind: %s, segments: [ { cidr: 10.%zu.0.0/16, vlan: %zu }, "
					"{ cidr: \"fd00:%zx::/64\" } ] }\n",
					z, (const char *[]){ "lgwan", "internet", "other", "mynumber" }[z % 4], z, z + 1, z);
	len += (size_t)snprintf(yaml + len, cap - len, "hosts:\n");
	for (size_t h = 0; h < n_hosts; h++) {
		size_t z = h % n_zones, i = h / n_zones;

		len += (size_t)snprintf(yaml + len, cap - len,
					"  - { name: h%zu, zone: z%zu, mac: 02:00:%02zx:%02zx:%02zx:01, ip: [ 10.%zu.%zu.%zu, "
					"\"fd00:%zx::%zx\" ] }\n",
					h, z, h >> 16 & 255, h >> 8 & 255, h & 255, z, i >> 8, i & 255, z, i);
	}
	len += (size_t)snprintf(yaml + len, cap - len,
				"flows:\n  - { name: f, kind: screen-transfer, from: { zone: z1 }, to: { zone: z0 }, "
				"proto: tcp, ports: [ 3389 ] }\n");
	ck_assert_uint_lt(len, cap);

	t0 = now();
	ck_assert_int_eq(topo_site_load_buffer("big.yaml", yaml, len, &s, &d), 0);
	elapsed = now() - t0;

	ck_assert_uint_eq(topo_site_n_hosts(s), n_hosts);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_int_eq(topo_addr_parse("10.42.3.231", &a), 0);
	ck_assert_str_eq(topo_site_lookup_host_ip(s, &a)->name, "h99942");
	ck_assert_str_eq(topo_site_lookup_area(s, &a)->name, "z42");

	/* Instrumented builds are 5-50x slower; the bound is for real ones. */
#if defined(__SANITIZE_ADDRESS__)
	limit *= 10;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	limit *= 10;
#endif
#endif
	if (RUNNING_ON_VALGRIND)
		limit *= 100;
	fprintf(stderr, "100k hosts: %zu bytes loaded in %.3f s of CPU (limit %.0f s)\n", len, elapsed, limit);
	ck_assert_msg(elapsed < limit, "loading took %.3f s", elapsed);

	topo_site_free(s);
	topo_diag_list_clear(&d);
	free(yaml);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
	Suite *s = suite_create("topology-load");
	TCase *table = tcase_create("table"), *good = tcase_create("good"), *bad = tcase_create("bad"),
	      *hostile = tcase_create("hostile"), *scale = tcase_create("scale");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(table, test_load_table, 0, N(cases));
	tcase_add_loop_test(table, test_head_is_valid, 0, 4);
	suite_add_tcase(s, table);

	tcase_add_test(good, test_example_file);
	tcase_add_test(good, test_beta_file);
	tcase_add_test(good, test_alpha_prime_file);
	tcase_add_test(good, test_buffer_paths);
	suite_add_tcase(s, good);

	tcase_add_test(bad, test_all_errors_reported_in_order);
	tcase_add_test(bad, test_diags_appended);
	tcase_add_test(bad, test_missing_file);
	suite_add_tcase(s, bad);

	tcase_add_test(hostile, test_alias_bomb);
	tcase_add_test(hostile, test_deep_nesting);
	tcase_add_test(hostile, test_big_scalar);
	tcase_add_test(hostile, test_long_line);
	tcase_add_test(hostile, test_file_too_big);
	tcase_add_test(hostile, test_many_errors_capped);
	tcase_add_test(hostile, test_nul_and_controls);
	tcase_set_timeout(hostile, 300);
	suite_add_tcase(s, hostile);

	tcase_add_test(scale, test_100k_hosts);
	tcase_set_timeout(scale, 600); /* under valgrind */
	suite_add_tcase(s, scale);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
