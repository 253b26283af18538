/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sanso (三層) — proves a municipal network keeps the three-tier separation.
 *
 * The command line of docs/cli.md.  The commands (analyze/cmd/) are the
 * only place that prints: the components return diagnostics and errors,
 * main() words them (and the monitor its own warnings, monitor*.c).
 *
 * Exit status: 0 no finding at or above --fail-on, 1 findings, 2 bad usage
 * or bad input (nothing half-written), 3 runtime failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze.h"
#include "cmd.h"
#include "sanso-config.h"
#include "topology.h"

enum {
	EXIT_CLEAN = 0,
	EXIT_FINDINGS = 1,
	EXIT_BAD_INPUT = 2,
	EXIT_RUNTIME = 3,
	EXIT_NOTHING_SEEN = 4, /* audit: too little analysed to vouch for anything (docs/cli.md) */
};

struct options {
	const char *command;
	const char *topology;
	const char **captures;
	size_t n_captures;
	const char *output;
	const char *filter;
	const char *evidence;
	enum an_severity fail_on;
	struct an_output_options out;
	size_t max_flows;
	size_t max_findings;
	bool ignore_vlan;
	bool allow_empty;
	bool no_rulesets;
	struct an_verify_source *sources; /* --ruleset FW=FILE, --live FW[@NETNS] */
	size_t n_sources;
	struct an_verify_source *after; /* diff: --after FW=FILE (--before goes to sources) */
	size_t n_after;
	bool before_given;
	const char *after_topology; /* diff: --after-topology NEW.yaml */
	bool fail_on_given;
	/* monitor */
	const char **ifaces;
	size_t n_ifaces;
	struct an_monitor_config mon;
	const char *syslog_facility;
};

/* The help: every command's, or one command's options only. */
enum { A = 1, V = 2, M = 4, T = 8, D = 16, ALL = A | V | M | T | D };

static const struct help {
	unsigned commands;
	const char *text;
} help_lines[] = {
	{ALL, "  -t, --topology FILE     the site's topology (docs/topology.md)\n"},
	{A, "  -r, --read FILE         a capture to audit (repeatable; read in order)\n"},
	{A | M, "  -f, --filter EXPR       BPF filter: only matching packets are analysed\n"},
	{A | V | M, "      --ruleset FW=FILE   firewall FW's ruleset from FILE (nft JSON, nft text or\n"
	    "                          iptables-save), instead of the topology's `ruleset:` (repeatable)\n"},
	{A | V | M, "      --live FW[@NETNS]   read FW's running nftables ruleset over netlink, in this\n"
	    "                          network namespace or the named one (needs CAP_NET_ADMIN)\n"},
	{D, "      --before FW=FILE    firewall FW's ruleset before the change (nft JSON, nft text or\n"
	    "                          iptables-save; repeatable, one per firewall)\n"},
	{D, "      --after FW=FILE     the same firewall's ruleset after the change\n"},
	{D, "      --after-topology NEW.yaml  a topology change instead: the same rulesets (--before,\n"
	    "                          --live or the topologies' `ruleset:`) under SITE.yaml and NEW.yaml\n"},
	{D, "      --live FW[@NETNS]   the before side: FW's running ruleset, over netlink\n"},
	{A | M, "      --no-rulesets       don't judge the traffic against the firewalls' rulesets\n"},
	{A | V | D, "      --format FORMAT     text, json (JSON Lines), html or junit (default text)\n"},
	{M, "      --format FORMAT     text or json (JSON Lines; default text)\n"},
	{T, "      --format FORMAT     text or json (default text)\n"},
	{A | V | T | D, "  -o, --output FILE       write the report to FILE (atomically) instead of stdout\n"},
	{A, "      --evidence FILE     write every packet of every flagged connection to FILE (pcap)\n"},
	{A | V | M, "      --fail-on SEVERITY  exit 1 only for findings at or above low|medium|high|critical (default low)\n"},
	{D, "      --fail-on SEVERITY  exit 1 only when a change opens something at or above it (default low)\n"},
	{A | M, "      --max-flows N       flow table capacity (default 1048576)\n"},
	{A | V, "      --max-findings N    findings listed in detail (default 100000; all are counted)\n"},
	{A | M, "      --ignore-vlan       don't key connections on VLAN tags (asymmetric tagging)\n"},
	{A, "      --allow-empty       exit 0, not 4, when the captures showed too little to judge\n"},
	{A | V | M | D, "      --lang ja|en        language of the report and messages (default en)\n"},
	{M, "  -i, --interface IFACE   capture on IFACE (repeatable)\n"},
	{M, "  -Z, --user USER         become USER once the captures are open (else keep only CAP_NET_RAW)\n"},
	{M, "      --buffer-size SIZE  kernel capture ring per interface (default 64M; k, M, G suffixes)\n"},
	{M, "      --snaplen N         bytes kept per packet (default 262144)\n"},
	{M, "      --timeout MS        longest a packet waits in the ring before delivery (default 100)\n"},
	{M, "      --immediate         deliver every packet at once (libpcap then uses TPACKET_V2)\n"},
	{M, "      --no-promisc        don't put the interfaces in promiscuous mode\n"},
	{M, "  -o, --output FILE       append records to FILE instead of stdout\n"},
	{M, "      --rotate-size SIZE  rotate FILE when it would grow beyond SIZE (FILE.1, FILE.2 …)\n"},
	{M, "      --rotate-keep N     rotated files kept (default 10)\n"},
	{M, "      --syslog TARGET     also send records to syslog (RFC 5424): local, unix:PATH or\n"
	    "                          udp:HOST:PORT\n"},
	{M, "      --syslog-facility F syslog facility (default daemon)\n"},
	{M, "      --sensor NAME       name this sensor in every record (default: the host name)\n"},
	{M, "      --evidence FILE     keep every packet of every flagged connection in FILE-IFACE-NNNNNN.pcap\n"},
	{M, "      --evidence-size SIZE  evidence file size before rotation (default 100M)\n"},
	{M, "      --evidence-keep N   evidence files kept per interface (default 10)\n"},
	{M, "      --stats-interval S  seconds between stats records (default 60; 0: none)\n"},
	{M, "      --repeat-window S   fold repeats of a finding seen within S seconds (default 60; 0: never)\n"},
	{M, "      --max-stations N    station table capacity (default 262144)\n"},
	{M, "      --station-idle S    forget stations silent for S seconds (default 86400; 0: never)\n"},
	{A | V | T | D, "  -q, --quiet             text: findings only\n"},
	{A | V, "  -v, --verbose           text: counters in detail\n"},
	{ALL, "  -h, --help              this help\n"},
	{ALL, "      --version           print the version\n"},
};

static const struct {
	const char *name;
	unsigned bit;
	const char *synopsis, *doc;
} help_commands[] = {
	{"audit", A, "sanso audit -t SITE.yaml -r CAPTURE [-r CAPTURE...]   audit pcap/pcapng captures", "docs/cli.md"},
	{"verify", V, "sanso verify -t SITE.yaml [--ruleset FW=FILE] [--live FW[@NETNS]]   verify firewall rulesets",
	 "docs/verify.md"},
	{"monitor", M, "sanso monitor -t SITE.yaml -i IFACE [-i IFACE...]   monitor span/mirror ports until stopped",
	 "docs/monitor.md"},
	{"topology", T, "sanso topology -t SITE.yaml   validate a topology, print its summary", "docs/topology.md"},
	{"diff", D, "sanso diff -t SITE.yaml --before FW=OLD --after FW=NEW   what a ruleset change opens and closes",
	 "docs/diff.md"},
};

static void usage_for(FILE *f, const char *command)
{
	unsigned bit = ALL;
	bool audit = true;

	for (size_t i = 0; i < sizeof(help_commands) / sizeof(help_commands[0]); i++)
		if (command && strcmp(command, help_commands[i].name) == 0) {
			bit = help_commands[i].bit;
			fprintf(f, "usage: %s\n\noptions (%s):\n", help_commands[i].synopsis, help_commands[i].doc);
		}
	if (bit == ALL) {
		fputs("usage: sanso COMMAND [OPTIONS]   (sanso COMMAND --help: that command's options)\n\ncommands:\n", f);
		for (size_t i = 0; i < sizeof(help_commands) / sizeof(help_commands[0]); i++)
			fprintf(f, "  %s\n", help_commands[i].synopsis);
		fputs("\noptions:\n", f);
	}
	for (size_t i = 0; i < sizeof(help_lines) / sizeof(help_lines[0]); i++) {
		if (!(help_lines[i].commands & bit))
			continue;
		/* the full list: one line per option, the first wording of it
		 * (the monitor's own wordings have their section) */
		bool again = false;
		for (size_t j = 0; j < i && bit == ALL && !again; j++)
			again = strncmp(help_lines[i].text, help_lines[j].text, 24) == 0 &&
				(j + 1 == i || (help_lines[i].commands != M && help_lines[j].commands != M));
		if (again)
			continue;
		if (bit == ALL && help_lines[i].commands == M && audit) {
			fputs("\nmonitor (docs/monitor.md):\n", f);
			audit = false;
		}
		fputs(help_lines[i].text, f);
	}
	if (bit == T) {
		fputs("\nexit status: 0 the topology loads, 2 bad usage or an error in it (file:line:column)\n", f);
		return;
	}
	fputs("\nexit status: 0 clean, 1 findings at or above --fail-on, 2 bad usage or input, 3 runtime failure", f);
	fputs(bit & A ? ",\n             4 no finding, but the captures showed too little to judge (--allow-empty)\n" : "\n", f);
}

static void usage(FILE *f)
{
	usage_for(f, NULL);
}

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sanso: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'sanso --help'.\n");
	return EXIT_BAD_INPUT;
}

static int parse_size(const char *s, size_t *ret)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v == 0 || s[0] == '-')
		return -EINVAL;
	*ret = (size_t)v;
	return 0;
}

/* SIZE: bytes, or with a k, M or G suffix (powers of 1024) */
static int parse_bytes(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -EINVAL;
	if (*end == 'k' || *end == 'K')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v == 0 || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*ret = (uint64_t)v << shift;
	return 0;
}

/* seconds, fractions allowed, 0 allowed; into nanoseconds */
static int parse_seconds(const char *s, uint64_t *ret)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 1e9)
		return -EINVAL;
	*ret = (uint64_t)(v * 1e9);
	return 0;
}

enum {
	OPT_FORMAT = 256,
	OPT_EVIDENCE,
	OPT_FAIL_ON,
	OPT_LANG,
	OPT_VERSION,
	OPT_MAX_FLOWS,
	OPT_MAX_FINDINGS,
	OPT_IGNORE_VLAN,
	OPT_ALLOW_EMPTY,
	OPT_NO_RULESETS,
	OPT_RULESET,
	OPT_LIVE,
	OPT_BEFORE,
	OPT_AFTER,
	OPT_AFTER_TOPOLOGY,
	OPT_BUFFER_SIZE,
	OPT_SNAPLEN,
	OPT_TIMEOUT,
	OPT_IMMEDIATE,
	OPT_NO_PROMISC,
	OPT_ROTATE_SIZE,
	OPT_ROTATE_KEEP,
	OPT_SYSLOG,
	OPT_SYSLOG_FACILITY,
	OPT_SENSOR,
	OPT_EVIDENCE_SIZE,
	OPT_EVIDENCE_KEEP,
	OPT_STATS_INTERVAL,
	OPT_REPEAT_WINDOW,
	OPT_MAX_STATIONS,
	OPT_STATION_IDLE,
};

/* The monitor's options: 0 taken, -1 not a monitor option, else an exit status. */
static int monitor_option(int c, struct options *o)
{
	uint64_t v;
	size_t n;

	switch (c) {
	case 'i':
		o->ifaces[o->n_ifaces++] = optarg;
		return 0;
	case 'Z':
		o->mon.user = optarg;
		return 0;
	case OPT_BUFFER_SIZE:
		if (parse_bytes(optarg, &v) < 0 || v > (1ull << 40))
			return bad_usage("--buffer-size needs a size like 256M, not \"%s\"", optarg);
		o->mon.capture.buffer_bytes = (size_t)v;
		return 0;
	case OPT_SNAPLEN:
		if (parse_size(optarg, &n) < 0 || n > 262144)
			return bad_usage("--snaplen needs a number from 1 to 262144, not \"%s\"", optarg);
		o->mon.capture.snaplen = (int)n;
		return 0;
	case OPT_TIMEOUT:
		if (parse_size(optarg, &n) < 0 || n > 60000)
			return bad_usage("--timeout needs milliseconds from 1 to 60000, not \"%s\"", optarg);
		o->mon.capture.timeout_ms = (int)n;
		return 0;
	case OPT_IMMEDIATE:
		o->mon.capture.immediate = true;
		return 0;
	case OPT_NO_PROMISC:
		o->mon.capture.no_promisc = true;
		return 0;
	case OPT_ROTATE_SIZE:
		if (parse_bytes(optarg, &o->mon.rotate_bytes) < 0)
			return bad_usage("--rotate-size needs a size like 100M, not \"%s\"", optarg);
		return 0;
	case OPT_ROTATE_KEEP:
	case OPT_EVIDENCE_KEEP:
		if (parse_size(optarg, &n) < 0 || n > 100000)
			return bad_usage("--%s needs a number from 1 to 100000, not \"%s\"",
				 c == OPT_ROTATE_KEEP ? "rotate-keep" : "evidence-keep", optarg);
		*(c == OPT_ROTATE_KEEP ? &o->mon.rotate_keep : &o->mon.evidence_keep) = (unsigned)n;
		return 0;
	case OPT_SYSLOG:
		o->mon.syslog_target = optarg;
		return 0;
	case OPT_SYSLOG_FACILITY:
		o->syslog_facility = optarg;
		return 0;
	case OPT_SENSOR:
		if (!optarg[0] || strlen(optarg) > 200)
			return bad_usage("--sensor needs a name of 1 to 200 characters");
		o->mon.sensor = optarg;
		return 0;
	case OPT_EVIDENCE_SIZE:
		if (parse_bytes(optarg, &o->mon.evidence_bytes) < 0)
			return bad_usage("--evidence-size needs a size like 100M, not \"%s\"", optarg);
		return 0;
	case OPT_STATS_INTERVAL:
		if (parse_seconds(optarg, &o->mon.stats_interval_ns) < 0)
			return bad_usage("--stats-interval needs seconds, not \"%s\"", optarg);
		return 0;
	case OPT_REPEAT_WINDOW:
		if (parse_seconds(optarg, &o->mon.repeat_window_ns) < 0)
			return bad_usage("--repeat-window needs seconds, not \"%s\"", optarg);
		return 0;
	case OPT_STATION_IDLE:
		if (parse_seconds(optarg, &o->mon.station_idle_ns) < 0)
			return bad_usage("--station-idle needs seconds, not \"%s\"", optarg);
		return 0;
	case OPT_MAX_STATIONS:
		if (parse_size(optarg, &o->mon.max_stations) < 0)
			return bad_usage("--max-stations needs a positive number, not \"%s\"", optarg);
		return 0;
	default:
		return -1;
	}
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"topology", required_argument, NULL, 't'},
		{"read", required_argument, NULL, 'r'},
		{"filter", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"interface", required_argument, NULL, 'i'},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"evidence", required_argument, NULL, OPT_EVIDENCE},
		{"fail-on", required_argument, NULL, OPT_FAIL_ON},
		{"lang", required_argument, NULL, OPT_LANG},
		{"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
		{"max-findings", required_argument, NULL, OPT_MAX_FINDINGS},
		{"ignore-vlan", no_argument, NULL, OPT_IGNORE_VLAN},
		{"allow-empty", no_argument, NULL, OPT_ALLOW_EMPTY},
		{"no-rulesets", no_argument, NULL, OPT_NO_RULESETS},
		{"ruleset", required_argument, NULL, OPT_RULESET},
		{"live", required_argument, NULL, OPT_LIVE},
		{"before", required_argument, NULL, OPT_BEFORE},
		{"after", required_argument, NULL, OPT_AFTER},
		{"after-topology", required_argument, NULL, OPT_AFTER_TOPOLOGY},
		{"user", required_argument, NULL, 'Z'},
		{"buffer-size", required_argument, NULL, OPT_BUFFER_SIZE},
		{"snaplen", required_argument, NULL, OPT_SNAPLEN},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"immediate", no_argument, NULL, OPT_IMMEDIATE},
		{"no-promisc", no_argument, NULL, OPT_NO_PROMISC},
		{"rotate-size", required_argument, NULL, OPT_ROTATE_SIZE},
		{"rotate-keep", required_argument, NULL, OPT_ROTATE_KEEP},
		{"syslog", required_argument, NULL, OPT_SYSLOG},
		{"syslog-facility", required_argument, NULL, OPT_SYSLOG_FACILITY},
		{"sensor", required_argument, NULL, OPT_SENSOR},
		{"evidence-size", required_argument, NULL, OPT_EVIDENCE_SIZE},
		{"evidence-keep", required_argument, NULL, OPT_EVIDENCE_KEEP},
		{"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
		{"repeat-window", required_argument, NULL, OPT_REPEAT_WINDOW},
		{"max-stations", required_argument, NULL, OPT_MAX_STATIONS},
		{"station-idle", required_argument, NULL, OPT_STATION_IDLE},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{0},
	};
	int c, r;

	o->captures = calloc((size_t)argc, sizeof(char *));
	o->sources = calloc((size_t)argc, sizeof(*o->sources));
	o->after = calloc((size_t)argc, sizeof(*o->after));
	o->ifaces = calloc((size_t)argc, sizeof(char *));
	if (!o->captures || !o->sources || !o->ifaces || !o->after)
		return -ENOMEM;
	optind = 2;
	while ((c = getopt_long(argc, argv, "t:r:f:o:i:Z:qvh", longopts, NULL)) != -1) {
		r = monitor_option(c, o);
		if (r > 0)
			return r;
		if (r == 0)
			continue;
		switch (c) {
		case 't':
			o->topology = optarg;
			break;
		case 'r':
			o->captures[o->n_captures++] = optarg;
			break;
		case 'f':
			o->filter = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_RULESET: {
			char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg || !eq[1])
				return bad_usage("--ruleset needs FIREWALL=FILE, not \"%s\"", optarg);
			*eq = 0;
			o->sources[o->n_sources++] = (struct an_verify_source){.firewall = optarg, .path = eq + 1};
			break;
		}
		case OPT_LIVE: {
			char *at = strchr(optarg, '@');
			if (at)
				*at = 0;
			if (!optarg[0] || (at && !at[1]))
				return bad_usage("--live needs FIREWALL or FIREWALL@NETNS, not \"%s\"", optarg);
			o->sources[o->n_sources++] =
				(struct an_verify_source){.firewall = optarg, .live = true, .netns = at ? at + 1 : NULL};
			break;
		}
		case OPT_AFTER_TOPOLOGY:
			o->after_topology = optarg;
			break;
		case OPT_BEFORE:
		case OPT_AFTER: {
			char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg || !eq[1])
				return bad_usage("--%s needs FIREWALL=FILE, not \"%s\"", c == OPT_BEFORE ? "before" : "after", optarg);
			*eq = 0;
			if (c == OPT_BEFORE) {
				o->before_given = true;
				o->sources[o->n_sources++] = (struct an_verify_source){.firewall = optarg, .path = eq + 1};
			} else
				o->after[o->n_after++] = (struct an_verify_source){.firewall = optarg, .path = eq + 1};
			break;
		}
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				o->out.format = AN_FORMAT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o->out.format = AN_FORMAT_JSON;
			else if (strcmp(optarg, "html") == 0)
				o->out.format = AN_FORMAT_HTML;
			else if (strcmp(optarg, "junit") == 0)
				o->out.format = AN_FORMAT_JUNIT;
			else
				return bad_usage("unknown --format \"%s\" (expected text, json, html or junit)", optarg);
			break;
		case OPT_EVIDENCE:
			o->evidence = optarg;
			break;
		case OPT_FAIL_ON:
			o->fail_on_given = true;
			if (an_severity_parse(optarg, &o->fail_on) < 0)
				return bad_usage("unknown --fail-on severity \"%s\" (expected low, medium, high or critical)",
						 optarg);
			o->out.fail_on = o->fail_on;
			break;
		case OPT_LANG:
			if (strcmp(optarg, "ja") == 0)
				o->out.japanese = true;
			else if (strcmp(optarg, "en") != 0)
				return bad_usage("unknown --lang \"%s\" (expected ja or en)", optarg);
			break;
		case OPT_MAX_FLOWS:
			if (parse_size(optarg, &o->max_flows) < 0)
				return bad_usage("--max-flows needs a positive number, not \"%s\"", optarg);
			break;
		case OPT_MAX_FINDINGS:
			if (parse_size(optarg, &o->max_findings) < 0)
				return bad_usage("--max-findings needs a positive number, not \"%s\"", optarg);
			break;
		case OPT_NO_RULESETS:
			o->no_rulesets = true;
			break;
		case OPT_ALLOW_EMPTY:
			o->allow_empty = true;
			break;
		case OPT_IGNORE_VLAN:
			o->ignore_vlan = true;
			break;
		case 'q':
			o->out.quiet = true;
			break;
		case 'v':
			o->out.verbose = true;
			break;
		case 'h':
			usage_for(stdout, o->command);
			exit(EXIT_CLEAN);
		case OPT_VERSION:
			printf("sanso %s\n", SANSO_VERSION);
			exit(EXIT_CLEAN);
		default:
			fprintf(stderr, "Try 'sanso --help'.\n");
			return EXIT_BAD_INPUT;
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument \"%s\"", argv[optind]);
	return 0;
}

/* ------------------------------------------------------------- topology */

/* The topology at path (-t, or diff's --after-topology), its problems on stderr. */
static int load_topology_at(const struct options *o, const char *path, struct topo_site **ret)
{
	struct topo_diag_list diags = {0};
	char line[2048];
	int r;

	if (!path) {
		fprintf(stderr, "sanso %s: a topology is required: -t SITE.yaml\n", o->command);
		return -EINVAL;
	}
	r = topo_site_load(path, ret, &diags);
	for (size_t i = 0; i < diags.n; i++)
		fprintf(stderr, "%s\n", topo_diag_format(&diags.items[i], line, sizeof(line)));
	if (r < 0 && diags.n_errors == 0)
		fprintf(stderr, "%s: error: cannot load the topology: %s\n", path, strerror(-r));
	else if (r < 0)
		fprintf(stderr, "%s: %zu error%s; the topology was not used\n", path, diags.n_errors,
			diags.n_errors == 1 ? "" : "s");
	topo_diag_list_clear(&diags);
	return r;
}

static int load_topology(const struct options *o, struct topo_site **ret)
{
	return load_topology_at(o, o->topology, ret);
}

static const char *endpoint_text(const struct topo_endpoint *ep, char *buf, size_t len)
{
	char ip[TOPO_ADDR_STRLEN];

	switch (ep->type) {
	case TOPO_EP_HOST:
		snprintf(buf, len, "host %s", ep->host->name);
		break;
	case TOPO_EP_ZONE:
		snprintf(buf, len, "zone %s", ep->area->name);
		break;
	case TOPO_EP_EXTERNAL:
		snprintf(buf, len, "external %s", ep->area->name);
		break;
	case TOPO_EP_CIDR:
		snprintf(buf, len, "%s/%u", topo_addr_format(&ep->addr, ip), ep->prefix);
		break;
	}
	return buf;
}

static void ports_text(const struct topo_flow *fl, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (fl->n_ports == 0) {
		snprintf(buf, len, "any port");
		return;
	}
	for (size_t i = 0; i < fl->n_ports && n < len; i++) {
		if (fl->ports[i].lo == fl->ports[i].hi)
			n += snprintf(buf + n, len - n, "%s%u", i ? "," : "", fl->ports[i].lo);
		else
			n += snprintf(buf + n, len - n, "%s%u-%u", i ? "," : "", fl->ports[i].lo, fl->ports[i].hi);
	}
}

/* Hosts per area, indexed like topo_site_area(); one pass over the hosts
 * (a site may declare 100k).  Caller frees; NULL on OOM. */
static size_t *count_hosts(const struct topo_site *s)
{
	size_t *n = calloc(topo_site_n_areas(s), sizeof(*n));

	for (size_t h = 0; n && h < topo_site_n_hosts(s); h++)
		n[topo_site_host(s, h)->zone->index]++;
	return n;
}

static int print_topology_text(const struct topo_site *s, const size_t *hosts_in, FILE *f)
{
	char ip[TOPO_ADDR_STRLEN], a[160], b[160], ports[256];

	fprintf(f, "site %s — model %s, exception pinning %s, inventory %s\n\n", topo_site_name(s),
		topo_model_name(topo_site_model(s)), topo_site_pinning(s) == TOPO_PIN_MAC_AND_IP ? "mac-and-ip" : "mac-or-ip",
		topo_site_inventory_strict(s) ? "strict" : "open");
	fprintf(f, "zones and externals:\n");
	for (size_t i = 0; i < topo_site_n_areas(s); i++) {
		const struct topo_area *ar = topo_site_area(s, i);
		size_t hosts = hosts_in[i];

		fprintf(f, "  %-20s %-18s %s", ar->name, topo_kind_name(ar->kind), ar->external ? "external" : "zone");
		if (!ar->external)
			fprintf(f, ", %zu host%s", hosts, hosts == 1 ? "" : "s");
		fputc('\n', f);
		for (size_t j = 0; j < ar->n_segments; j++) {
			const struct topo_segment *sg = &ar->segments[j];
			fprintf(f, "      %s/%u", topo_addr_format(&sg->addr, ip), sg->prefix);
			if (sg->vlan >= 0)
				fprintf(f, " vlan %d", sg->vlan);
			if (sg->label)
				fprintf(f, " (%s)", sg->label);
			fputc('\n', f);
		}
		if (ar->kind == TOPO_KIND_INTERNET_WAN)
			fprintf(f, "      every address in no zone and no external\n");
	}
	fprintf(f, "\nhosts: %zu\n", topo_site_n_hosts(s));
	fprintf(f, "\nflows (permitted crossings):\n");
	if (topo_site_n_flows(s) == 0)
		fprintf(f, "  none\n");
	for (size_t i = 0; i < topo_site_n_flows(s); i++) {
		const struct topo_flow *fl = topo_site_flow(s, i);
		ports_text(fl, ports, sizeof(ports));
		fprintf(f, "  %-20s %-16s %s → %s  %s %s%s%s\n", fl->name, topo_flow_kind_name(fl->kind),
			endpoint_text(&fl->from, a, sizeof(a)), endpoint_text(&fl->to, b, sizeof(b)),
			fl->proto == TOPO_PROTO_ANY ? "any" : an_proto_name((uint8_t)fl->proto), ports,
			fl->approval ? "  approval: " : "", fl->approval ? fl->approval : "");
	}
	if (topo_site_n_firewalls(s)) {
		fprintf(f, "\nfirewalls:\n");
		for (size_t i = 0; i < topo_site_n_firewalls(s); i++) {
			const struct topo_firewall *fw = topo_site_firewall(s, i);
			fprintf(f, "  %s\n", fw->name);
			for (size_t j = 0; j < fw->n_ifaces; j++) {
				fprintf(f, "      %-10s faces", fw->ifaces[j].name);
				for (size_t k = 0; k < fw->ifaces[j].n_faces; k++)
					fprintf(f, " %s", fw->ifaces[j].faces[k]->name);
				fputc('\n', f);
			}
		}
	}
	return ferror(f) ? -EIO : 0;
}

static int print_topology_json(const struct topo_site *s, const size_t *hosts_in, FILE *f)
{
	char ip[TOPO_ADDR_STRLEN + 4], a[160], b[160], ports[256];
	json_t *o = json_object(), *areas = json_array(), *flows = json_array();
	int r;

	json_object_set_new(o, "type", json_string("topology"));
	json_object_set_new(o, "site", json_string(topo_site_name(s)));
	json_object_set_new(o, "model", json_string(topo_model_name(topo_site_model(s))));
	for (size_t i = 0; i < topo_site_n_areas(s); i++) {
		const struct topo_area *ar = topo_site_area(s, i);
		json_t *x = json_object(), *segs = json_array();
		size_t hosts = hosts_in[i];
		json_object_set_new(x, "name", json_string(ar->name));
		json_object_set_new(x, "kind", json_string(topo_kind_name(ar->kind)));
		json_object_set_new(x, "external", json_boolean(ar->external));
		json_object_set_new(x, "hosts", json_integer((json_int_t)hosts));
		for (size_t j = 0; j < ar->n_segments; j++) {
			char cidr[TOPO_ADDR_STRLEN + 8];
			snprintf(cidr, sizeof(cidr), "%s/%u", topo_addr_format(&ar->segments[j].addr, ip),
				 ar->segments[j].prefix);
			json_array_append_new(segs, json_string(cidr));
		}
		json_object_set_new(x, "segments", segs);
		json_array_append_new(areas, x);
	}
	json_object_set_new(o, "areas", areas);
	json_object_set_new(o, "hosts", json_integer((json_int_t)topo_site_n_hosts(s)));
	for (size_t i = 0; i < topo_site_n_flows(s); i++) {
		const struct topo_flow *fl = topo_site_flow(s, i);
		json_t *x = json_object();
		ports_text(fl, ports, sizeof(ports));
		json_object_set_new(x, "name", json_string(fl->name));
		json_object_set_new(x, "kind", json_string(topo_flow_kind_name(fl->kind)));
		json_object_set_new(x, "from", json_string(endpoint_text(&fl->from, a, sizeof(a))));
		json_object_set_new(x, "to", json_string(endpoint_text(&fl->to, b, sizeof(b))));
		json_object_set_new(x, "ports", json_string(ports));
		json_array_append_new(flows, x);
	}
	json_object_set_new(o, "flows", flows);
	json_object_set_new(o, "firewalls", json_integer((json_int_t)topo_site_n_firewalls(s)));
	r = json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (r < 0 || fputc('\n', f) == EOF)
		return -EIO;
	return 0;
}

static int cmd_topology(const struct options *o)
{
	size_t *hosts_in;
	struct topo_site *site = NULL;
	struct output out = {0};
	int r;

	if (o->out.format != AN_FORMAT_TEXT && o->out.format != AN_FORMAT_JSON) {
		fprintf(stderr, "sanso topology: --format %s is not available here: text or json\n",
			o->out.format == AN_FORMAT_HTML ? "html" : "junit");
		return EXIT_BAD_INPUT;
	}
	if (load_topology(o, &site) < 0)
		return EXIT_BAD_INPUT;
	r = output_open(&out, o->output);
	if (r < 0) {
		fprintf(stderr, "sanso topology: -o %s: %s\n", o->output, strerror(-r));
		topo_site_free(site);
		return r == -ENOMEM ? EXIT_RUNTIME : EXIT_BAD_INPUT;
	}
	hosts_in = count_hosts(site);
	if (!hosts_in)
		r = -ENOMEM;
	else if (o->out.format == AN_FORMAT_JSON)
		r = print_topology_json(site, hosts_in, out.f);
	else
		r = print_topology_text(site, hosts_in, out.f);
	free(hosts_in);
	if (r == 0)
		r = output_commit(&out);
	else {
		r = output_error(&out, r);
		output_abort(&out);
	}
	topo_site_free(site);
	if (r < 0) {
		fprintf(stderr, "sanso: writing the summary: %s\n", strerror(-r));
		return EXIT_RUNTIME;
	}
	return EXIT_CLEAN;
}

/* ------------------------------------------------------------------ audit */

/* Opens (and, for the evidence file, probes) the output paths before any
 * capture is read: a typo in -o must not cost the hours a large audit
 * takes.  A path that can't be created is bad usage (exit 2). */
static int check_writable(const char *path)
{
	struct output probe = {0};
	int r;

	if (output_in_place(path)) /* opening a FIFO would block, then end its reader's input */
		return access(path, W_OK) == 0 ? 0 : -errno;
	r = output_open(&probe, path);

	if (r == 0)
		output_abort(&probe);
	return r;
}

/* The same firewall given twice (--ruleset/--live) */
static bool sources_twice(const char *cmd, const struct options *o)
{
	for (size_t i = 0; i < o->n_sources; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(o->sources[i].firewall, o->sources[j].firewall) == 0) {
				fprintf(stderr, "sanso %s: firewall %s is given twice (--ruleset/--live)\n", cmd,
					o->sources[i].firewall);
				return true;
			}
	return false;
}

/* Ruleset diagnostics (warnings and errors, file:line:column) to stderr; the list is cleared. */
static void print_diags(struct topo_diag_list *diags)
{
	for (size_t i = 0; i < diags->n; i++) {
		char line[2048];
		fprintf(stderr, "%s\n", topo_diag_format(&diags->items[i], line, sizeof(line)));
	}
	topo_diag_list_clear(diags);
}

/* The firewalls' rulesets to judge the traffic against (none with
 * --no-rulesets): 0, or the exit status. */
static int load_rulesets(const char *cmd, const struct options *o, const struct topo_site *site,
			 struct an_rulesets **ret)
{
	struct topo_diag_list diags = {0};
	char err[1024];
	int r;

	*ret = NULL;
	if (o->no_rulesets)
		return 0;
	r = an_rulesets_load(site, o->sources, o->n_sources, ret, &diags, err, sizeof(err));
	print_diags(&diags);
	if (r < 0) {
		fprintf(stderr, "sanso %s: %s%s\n", cmd, err[0] ? err : strerror(-r),
			o->n_sources ? "" : " (--no-rulesets leaves them out)");
		return r == -ENOMEM || r == -E2BIG || r == -EIO ? EXIT_RUNTIME : EXIT_BAD_INPUT;
	}
	return 0;
}

static int cmd_audit(const struct options *o)
{
	struct topo_site *site = NULL;
	struct an_report *report = NULL;
	struct output out = {0};
	char err[1024];
	int r, status;

	if (o->n_captures == 0) {
		fprintf(stderr, "sanso audit: no capture given: -r CAPTURE.pcap[ng]%s\n",
			o->n_ifaces ? " (to watch an interface, use sanso monitor -i)" : "");
		return EXIT_BAD_INPUT;
	}
	if (o->n_ifaces) {
		fprintf(stderr, "sanso audit: -i is for sanso monitor; audit reads captures (-r)\n");
		return EXIT_BAD_INPUT;
	}
	if (o->no_rulesets && o->n_sources) {
		fprintf(stderr, "sanso audit: --no-rulesets with --ruleset or --live: which is it?\n");
		return EXIT_BAD_INPUT;
	}
	if (sources_twice("audit", o))
		return EXIT_BAD_INPUT;
	if (load_topology(o, &site) < 0)
		return EXIT_BAD_INPUT;
	struct an_rulesets *rulesets = NULL;
	if ((status = load_rulesets("audit", o, site, &rulesets)) != 0) {
		topo_site_free(site);
		return status;
	}

	r = output_open(&out, o->output);
	if (r == 0 && o->evidence && (r = check_writable(o->evidence)) < 0) {
		output_abort(&out);
		fprintf(stderr, "sanso audit: --evidence %s: %s\n", o->evidence, strerror(-r));
		an_rulesets_free(rulesets);
		topo_site_free(site);
		return EXIT_BAD_INPUT;
	}
	if (r < 0) {
		fprintf(stderr, "sanso audit: -o %s: %s\n", o->output, strerror(-r));
		an_rulesets_free(rulesets);
		topo_site_free(site);
		return r == -ENOMEM ? EXIT_RUNTIME : EXIT_BAD_INPUT;
	}

	struct an_audit_config cfg = {
		.site = site,
		.topology_path = o->topology,
		.progress = isatty(STDERR_FILENO) && !o->out.quiet ? stderr : NULL,
		.captures = o->captures,
		.n_captures = o->n_captures,
		.bpf_filter = o->filter,
		.evidence_path = o->evidence,
		.max_findings = o->max_findings,
		.flows = {.max_flows = o->max_flows, .ignore_vlan = o->ignore_vlan},
		.rulesets = rulesets,
	};
	r = an_audit_run(&cfg, &report, err, sizeof(err));
	if (r < 0) {
		output_abort(&out);
		fprintf(stderr, "sanso audit: %s\n", err[0] ? err : strerror(-r));
		an_rulesets_free(rulesets);
		topo_site_free(site);
		return r == -ENOMEM || r == -EIO || r == -ENOSPC || r == -EDQUOT ? EXIT_RUNTIME : EXIT_BAD_INPUT;
	}

	struct an_view view;
	an_report_view(report, &view);
	r = an_write(&view, &o->out, out.f);
	if (r == 0)
		r = output_commit(&out);
	else {
		r = output_error(&out, r);
		output_abort(&out);
	}
	if (r < 0) {
		fprintf(stderr, "sanso audit: writing the report: %s\n", strerror(-r));
		status = EXIT_RUNTIME;
		goto out;
	}
	if (an_report_count_at_least(report, o->fail_on))
		status = EXIT_FINDINGS;
	else if (an_report_coverage(report) && !o->allow_empty)
		status = EXIT_NOTHING_SEEN;
	else
		status = EXIT_CLEAN;
out:
	an_report_free(report);
	an_rulesets_free(rulesets);
	topo_site_free(site);
	return status;
}

/* ----------------------------------------------------------------- verify */

static int cmd_verify(const struct options *o)
{
	struct topo_site *site = NULL;
	struct an_vreport *report = NULL;
	struct topo_diag_list diags = {0};
	struct output out = {0};
	char err[1024] = "";
	int r, status;

	if (o->n_captures || o->evidence || o->filter || o->n_ifaces) {
		fprintf(stderr, "sanso verify: -r, -i, -f and --evidence are for traffic (sanso audit, sanso monitor)\n");
		return EXIT_BAD_INPUT;
	}
	if (o->no_rulesets) {
		fprintf(stderr, "sanso verify: --no-rulesets is for sanso audit (verify checks the rulesets)\n");
		return EXIT_BAD_INPUT;
	}
	if (sources_twice("verify", o))
		return EXIT_BAD_INPUT;
	if (load_topology(o, &site) < 0)
		return EXIT_BAD_INPUT;
	r = output_open(&out, o->output);
	if (r < 0) {
		fprintf(stderr, "sanso verify: -o %s: %s\n", o->output, strerror(-r));
		topo_site_free(site);
		return r == -ENOMEM ? EXIT_RUNTIME : EXIT_BAD_INPUT;
	}

	struct an_verify_config cfg = {
		.site = site,
		.sources = o->sources,
		.n_sources = o->n_sources,
		.max_findings = o->max_findings,
		.progress = isatty(STDERR_FILENO) && !o->out.quiet ? stderr : NULL,
	};
	r = an_verify_run(&cfg, &diags, &report, err, sizeof(err));
	print_diags(&diags);
	if (r < 0) {
		output_abort(&out);
		fprintf(stderr, "sanso verify: %s\n", err[0] ? err : strerror(-r));
		topo_site_free(site);
		return r == -ENOMEM || r == -E2BIG || r == -EIO ? EXIT_RUNTIME : EXIT_BAD_INPUT;
	}
	struct an_view view;
	an_vreport_view(report, &view);
	r = an_write(&view, &o->out, out.f);
	if (r == 0)
		r = output_commit(&out);
	else {
		r = output_error(&out, r);
		output_abort(&out);
	}
	if (r < 0) {
		fprintf(stderr, "sanso verify: writing the report: %s\n", strerror(-r));
		status = EXIT_RUNTIME;
	} else
		status = an_vreport_count_at_least(report, o->fail_on) ? EXIT_FINDINGS : EXIT_CLEAN;
	an_vreport_free(report);
	topo_site_free(site);
	return status;
}

/* ------------------------------------------------------------------ diff */

static int cmd_diff(const struct options *o)
{
	struct topo_site *site = NULL, *after_site = NULL;
	struct an_dreport *report = NULL;
	struct topo_diag_list diags = {0};
	struct output out = {0};
	char err[1024] = "";
	int r, status;

	if (o->n_captures || o->evidence || o->filter || o->n_ifaces || o->no_rulesets) {
		fprintf(stderr, "sanso diff: -r, -i, -f, --evidence and --no-rulesets are for traffic (sanso audit, sanso monitor)\n");
		return EXIT_BAD_INPUT;
	}
	if (o->n_after && o->after_topology) {
		fprintf(stderr, "sanso diff: --after and --after-topology: review one change at a time (the rulesets, or the topology)\n");
		return EXIT_BAD_INPUT;
	}
	if (o->n_after == 0 && !o->after_topology) {
		fprintf(stderr, "sanso diff: nothing to compare: --before FW=OLD --after FW=NEW (or --live FW for the running side),\n"
				"  or --after-topology NEW.yaml\n");
		return EXIT_BAD_INPUT;
	}
	if (sources_twice("diff", o))
		return EXIT_BAD_INPUT;
	for (size_t i = 0; i < o->n_after; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(o->after[i].firewall, o->after[j].firewall) == 0) {
				fprintf(stderr, "sanso diff: firewall %s is given twice (--after)\n", o->after[i].firewall);
				return EXIT_BAD_INPUT;
			}
	if (load_topology(o, &site) < 0)
		return EXIT_BAD_INPUT;
	if (o->after_topology && load_topology_at(o, o->after_topology, &after_site) < 0) {
		topo_site_free(site);
		return EXIT_BAD_INPUT;
	}
	r = output_open(&out, o->output);
	if (r < 0) {
		fprintf(stderr, "sanso diff: -o %s: %s\n", o->output, strerror(-r));
		topo_site_free(after_site);
		topo_site_free(site);
		return r == -ENOMEM ? EXIT_RUNTIME : EXIT_BAD_INPUT;
	}
	struct an_diff_config cfg = {
		.site = site,
		.topology_path = o->topology,
		.before = o->sources,
		.n_before = o->n_sources,
		.after = o->after,
		.n_after = o->n_after,
		.after_site = after_site,
	};
	r = an_diff_run(&cfg, &diags, &report, err, sizeof(err));
	print_diags(&diags);
	if (r < 0) {
		output_abort(&out);
		fprintf(stderr, "sanso diff: %s\n", err[0] ? err : strerror(-r));
		topo_site_free(after_site);
		topo_site_free(site);
		return r == -ENOMEM || r == -E2BIG || r == -EIO ? EXIT_RUNTIME : EXIT_BAD_INPUT;
	}
	struct an_view view;
	an_dreport_view(report, &view);
	r = an_write(&view, &o->out, out.f);
	if (r == 0)
		r = output_commit(&out);
	else {
		r = output_error(&out, r);
		output_abort(&out);
	}
	if (r < 0) {
		fprintf(stderr, "sanso diff: writing the report: %s\n", strerror(-r));
		status = EXIT_RUNTIME;
	} else
		status = an_dreport_opened_at_least(report, o->fail_on) ? EXIT_FINDINGS : EXIT_CLEAN;
	an_dreport_free(report);
	topo_site_free(after_site);
	topo_site_free(site);
	return status;
}

/* ---------------------------------------------------------------- monitor */

static int cmd_monitor(struct options *o)
{
	struct topo_site *site = NULL;
	struct an_monitor_result res;
	char err[2048];
	int r;

	if (o->n_captures) {
		fprintf(stderr, "sanso monitor: -r is for sanso audit; monitor captures live (-i)\n");
		return EXIT_BAD_INPUT;
	}
	if (o->no_rulesets && o->n_sources) {
		fprintf(stderr, "sanso monitor: --no-rulesets with --ruleset or --live: which is it?\n");
		return EXIT_BAD_INPUT;
	}
	if (sources_twice("monitor", o))
		return EXIT_BAD_INPUT;
	if (o->n_ifaces == 0) {
		fprintf(stderr, "sanso monitor: no interface given: -i IFACE (a span or mirror port)\n");
		return EXIT_BAD_INPUT;
	}
	if (o->out.format != AN_FORMAT_TEXT && o->out.format != AN_FORMAT_JSON) {
		fprintf(stderr, "sanso monitor: records stream as they are decided: --format text or json\n");
		return EXIT_BAD_INPUT;
	}
	o->mon.syslog_facility = 3; /* daemon */
	if (o->syslog_facility && an_syslog_facility_parse(o->syslog_facility, &o->mon.syslog_facility) < 0) {
		fprintf(stderr, "sanso monitor: unknown --syslog-facility \"%s\" (daemon, user, local0 … local7, …)\n",
			o->syslog_facility);
		return EXIT_BAD_INPUT;
	}
	if (o->syslog_facility && !o->mon.syslog_target) {
		fprintf(stderr, "sanso monitor: --syslog-facility needs --syslog TARGET\n");
		return EXIT_BAD_INPUT;
	}
	if (load_topology(o, &site) < 0)
		return EXIT_BAD_INPUT;
	/* before the monitor drops its privileges: --live and nft text need
	 * CAP_NET_ADMIN; on SIGHUP the same rulesets serve the new topology */
	struct an_rulesets *rulesets = NULL;
	if ((r = load_rulesets("monitor", o, site, &rulesets)) != 0) {
		topo_site_free(site);
		return r;
	}
	o->mon.rulesets = rulesets;

	o->mon.topology_path = o->topology;
	o->mon.ifaces = o->ifaces;
	o->mon.n_ifaces = o->n_ifaces;
	o->mon.capture.bpf_filter = o->filter;
	o->mon.output = o->output;
	o->mon.out = o->out;
	o->mon.evidence = o->evidence;
	o->mon.flows.max_flows = o->max_flows;
	o->mon.flows.ignore_vlan = o->ignore_vlan;
	o->mon.fail_on = o->fail_on;
	r = an_monitor_run(&o->mon, site, &res, err, sizeof(err));
	an_rulesets_free(rulesets);
	if (r < 0) {
		fprintf(stderr, "sanso monitor: %s\n", err[0] ? err : strerror(-r));
		return res.started || r == -ENOMEM ? EXIT_RUNTIME : EXIT_BAD_INPUT;
	}
	/* a monitor stopped by a signal ran as it should: 0, unless the
	 * operator asked for the audit's status with --fail-on */
	return o->fail_on_given && res.at_least ? EXIT_FINDINGS : EXIT_CLEAN;
}

int main(int argc, char **argv)
{
	struct options o = {
		.fail_on = AN_SEV_LOW,
		.mon = {
			.stats_interval_ns = 60 * 1000000000ull,
			.repeat_window_ns = 60 * 1000000000ull,
			.station_idle_ns = 86400 * 1000000000ull,
		},
	};
	int r;

	if (argc < 2) {
		usage(stderr);
		return EXIT_BAD_INPUT;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_CLEAN;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("sanso %s\n", SANSO_VERSION);
		return EXIT_CLEAN;
	}
	o.command = argv[1];
	r = parse_args(argc, argv, &o);
	if (r != 0) {
		free(o.captures);
		free(o.sources);
		free(o.after);
		free(o.ifaces);
		return r < 0 ? EXIT_RUNTIME : r;
	}

	if (strcmp(o.command, "diff") != 0 && (o.before_given || o.n_after || o.after_topology)) {
		fprintf(stderr, "sanso %s: --before and --after are for sanso diff\n", o.command);
		r = EXIT_BAD_INPUT;
	} else if (strcmp(o.command, "audit") == 0)
		r = cmd_audit(&o);
	else if (strcmp(o.command, "topology") == 0)
		r = cmd_topology(&o);
	else if (strcmp(o.command, "verify") == 0)
		r = cmd_verify(&o);
	else if (strcmp(o.command, "monitor") == 0)
		r = cmd_monitor(&o);
	else if (strcmp(o.command, "diff") == 0)
		r = cmd_diff(&o);
	else {
		fprintf(stderr, "sanso: unknown command \"%s\"\nTry 'sanso --help'.\n", o.command);
		r = EXIT_BAD_INPUT;
	}
	free(o.captures);
	free(o.sources);
	free(o.after);
	free(o.ifaces);
	return r;
}
