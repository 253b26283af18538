/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * analyze — the three-tier policy: judges connections, stations and ruleset
 * crossings against a site's topology (checks, policy, messages), the audit
 * pipeline (engine, audit) and the ruleset verifier (verify).  It hands its
 * results to the writers (analyze/report/report.h) as plain views
 * (struct an_view); it never writes a report itself and
 * includes nothing of report/ or cmd/.
 *
 * The engine is streaming: feed it records (an_engine_packet), it decodes
 * them (probe), keeps flows and station observations, and hands each
 * finding to a callback when it is decided — at the end of its flow for
 * traffic checks, at an_engine_finish() for station checks.  `sanso audit`
 * collects them into a report; `sanso monitor` streams them.
 *
 * One finding model (struct an_finding) for every kind: traffic and
 * station findings with their packet evidence, ruleset findings with their
 * firewall, example packet and rules.  Judges store data, not sentences:
 * messages.c words any finding in either language.
 *
 * Ownership: findings handed to the callback are lent; an_finding_dup()
 * copies one.  Zone/host/flow pointers inside a finding point into the
 * topology the engine was given, which must outlive the finding.
 * Depends on topology, rulesets, rulesets/reach and probe; may not use
 * report/ or cmd/.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "probe.h"
#include "topology.h"

/* ------------------------------------------------------------------- checks */

enum an_severity {
	AN_SEV_LOW,
	AN_SEV_MEDIUM,
	AN_SEV_HIGH,
	AN_SEV_CRITICAL,
};

enum an_check {
	/* traffic checks */
	AN_CHECK_MYNUMBER_INTERNET,
	AN_CHECK_MYNUMBER_ISOLATION,
	AN_CHECK_EXCEPTION_MISMATCH,
	AN_CHECK_REMOTE_TO_MYNUMBER,
	AN_CHECK_LGWAN_INTERNET,
	AN_CHECK_SANITIZER_BYPASS,
	AN_CHECK_INBOUND_FROM_INTERNET,
	AN_CHECK_UNDECLARED_CROSSING,
	/* traffic against the rulesets (reconcile.c) */
	AN_CHECK_FIREWALL_BYPASS,
	AN_CHECK_FIREWALL_ATTEMPT_PASSED,
	AN_CHECK_FLOW_UNUSED, /* a declared flow, not a connection: no packets of its own */
	/* station checks */
	AN_CHECK_DUAL_HOMED,
	AN_CHECK_ADDRESS_SPOOF,
	AN_CHECK_VLAN_MISMATCH,
	AN_CHECK_UNKNOWN_DEVICE,
	/* ruleset checks (verify) */
	AN_CHECK_RULESET_MYNUMBER_OPEN,
	AN_CHECK_RULESET_LGWAN_INTERNET_OPEN,
	AN_CHECK_RULESET_INBOUND_OPEN,
	AN_CHECK_RULESET_EXCEPTION_TOO_BROAD,
	AN_CHECK_RULESET_EXCEPTION_NO_MAC,
	AN_CHECK_RULESET_SHADOWED,
	AN_CHECK_RULESET_FLOW_BLOCKED,
	AN_CHECK_RULESET_UNSUPPORTED,
	_AN_CHECK_MAX,
};

const char *an_check_id(enum an_check c);          /* "MYNUMBER-INTERNET" */
enum an_severity an_check_severity(enum an_check c);
const char *an_check_requirement(enum an_check c); /* Japanese, with the clause */
const char *an_check_gloss(enum an_check c);       /* short English gloss */
bool an_check_is_station(enum an_check c);
bool an_check_is_ruleset(enum an_check c);
bool an_check_is_review(enum an_check c); /* FLOW-UNUSED: names a declared flow, no packets */
const char *an_severity_name(enum an_severity s);  /* "critical" … "low" */
const char *an_proto_name(uint8_t proto); /* "tcp", "udp", "icmp", "icmpv6", "sctp", or the number */
int an_severity_parse(const char *s, enum an_severity *ret);

/* ----------------------------------------------------------------- findings */

struct an_endpoint {
	bool has_ip;
	struct topo_addr ip;
	int port; /* -1: none (ICMP, station findings) */
	uint8_t n_macs;
	uint8_t macs[PROBE_FLOW_MACS][6]; /* every MAC seen on this side, first one first */
	const struct topo_area *zone;     /* NULL when unknown (station without IP) */
	const struct topo_host *host;     /* the declared host, or NULL */
};

/* What differed from the declared flow a connection resembles. */
enum an_mismatch {
	AN_MISMATCH_NONE,
	AN_MISMATCH_DIRECTION,
	AN_MISMATCH_PROTO,
	AN_MISMATCH_PORT,
	AN_MISMATCH_SRC_MAC,
	AN_MISMATCH_DST_MAC,
	AN_MISMATCH_UNSANITIZED, /* a sanitizing path's service, not via the sanitizer */
};

/* A rule a ruleset finding names: where it is, what it says, what it does. */
struct an_vrule {
	char *location; /* "rules/fw.nft:12", "live: table inet filter forward handle 7" */
	char *chain;    /* "inet filter forward" */
	char *text;     /* the rule in nft syntax (or as written) */
	const char *verdict; /* "accept", "drop", "policy accept", … */
	size_t index;        /* 1-based position in its chain; 0 for a policy */
	uint64_t handle;     /* nft handle; 0 when none */
};

/* A concrete example packet (the first of a new connection) of a ruleset
 * finding. */
struct an_vpacket {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;
	struct topo_addr src, dst;
	int sport, dport;          /* -1: no ports (ICMP, …) */
	int icmp_type, icmp_code;  /* -1 unless ICMP/ICMPv6 */
	char iif[17], oif[17];
	bool has_mac;              /* the source MAC matters to the finding */
	uint8_t smac[6];
	const struct topo_area *src_zone, *dst_zone;
	const struct topo_host *src_host, *dst_host;
	/* a dnat translated it: the destination it was sent to (dst is the
	 * translated one, what forward sees) */
	bool has_orig;
	struct topo_addr orig_dst;
	int orig_dport;
};

enum an_change { AN_CHANGE_NONE, AN_CHANGE_OPENED, AN_CHANGE_CLOSED };

/* What the MACs of a FIREWALL-BYPASS connection say of its path. */
enum an_route {
	AN_ROUTE_UNKNOWN, /* the topology gives no MAC of the firewall */
	AN_ROUTE_AROUND,  /* no packet carried a MAC of the firewall: it went around it */
	AN_ROUTE_THROUGH, /* packets carried the firewall's MAC: the running ruleset is not the one given */
};

/* Which sentence a ruleset finding's message is (messages.c words it). */
enum an_wording {
	AN_WORDING_PLAIN,           /* the check's own sentence */
	AN_WORDING_TO_SELF,         /* *-OPEN: to the firewall's own addresses (input hook) */
	AN_WORDING_NEVER_REACHED,   /* SHADOWED: no packet that reaches its chain matches it */
	AN_WORDING_NEVER_SATISFIED, /* SHADOWED: its matches exclude each other */
};

struct an_finding {
	enum an_check check;
	char *message; /* English (NULL for ruleset findings); an_finding_message() words any finding in either language */

	/* traffic findings */
	uint8_t proto;
	uint8_t n_vlans;
	uint16_t vlans[2];
	struct an_endpoint src, dst; /* src is the initiator */
	enum probe_initiator_reason initiator;
	bool established;
	uint64_t first_ns, last_ns;
	struct probe_frame_ref first_frame;
	uint8_t n_frames;
	struct probe_frame_ref frames[PROBE_FLOW_FRAMES];
	uint64_t packets[2], bytes[2];       /* [0] src→dst, [1] dst→src */
	const struct topo_flow *near_flow;   /* declared flow it resembles, or NULL */
	enum an_mismatch mismatch;           /* how it differs from near_flow */
	struct probe_flow_key key;           /* to find its packets again */

	/* streaming (monitor): the finding's number in this run (1, 2, …; 0 in
	 * an audit), and for AN_EVENT_FLOW_END why the connection ended */
	uint32_t id;
	enum probe_flow_end end;
	bool in_progress; /* judged while the connection was still open */

	/* ruleset findings (verify): the firewall, the declared flow, a
	 * concrete example packet and the rules that decide it (the last one
	 * decides); src.zone and dst.zone are the areas it crosses between
	 * (NULL for SHADOWED/UNSUPPORTED).  rules, where and detail are owned
	 * by the finding: an_finding_dup() copies them, an_finding_free()
	 * frees them. */
	const struct topo_firewall *fw;
	const struct topo_flow *flow; /* TOO-BROAD, NO-MAC, FLOW-BLOCKED */
	bool has_example;
	bool approximate;             /* the firewall has rules sanso cannot model */
	enum an_wording wording;
	struct an_vpacket example;
	struct an_vrule *rules;
	size_t n_rules;
	char *where;  /* the accepting rule or policy, as the message names it; UNSUPPORTED: the rule or file */
	char *detail; /* TOO-BROAD: what else the rule accepts; UNSUPPORTED: the construct */

	/* reconciliation (traffic findings): the verdict of the ruleset of
	 * the firewall `fw` between the connection's zones on its first
	 * packet; `rules` the rule (or policy) that decided it in each base
	 * chain of its path, the last one deciding; `approximate` as for a
	 * ruleset finding.  FIREWALL-BYPASS: `route`.  FLOW-UNUSED: `flow`,
	 * src.zone and dst.zone. */
	bool has_verdict;
	bool verdict_accept;
	enum an_route route;

	/* change review (diff): a change record when change is not
	 * AN_CHANGE_NONE — fw, src.zone → dst.zone, example, rules (the
	 * after-ruleset's for opened, the before-ruleset's for closed), flow
	 * (the declared flow it serves or blocks), check the RULESET-* check
	 * the packets violate when has_check, detail the packet set as a
	 * reviewer reads it ("tcp 443 from 10.20.0.0/16 to 10.30.2.1") */
	enum an_change change;
	bool has_check;
	bool by_topology; /* --after-topology: the policy changed, the rulesets did not (docs/diff.md) */

	/* station findings: src holds the station, observed what it did.
	 * Last, and read only up to n_observed: a copy made by
	 * an_finding_dup() ends there (a traffic finding keeps ~400 bytes,
	 * not the 1 KiB of observations it never has). */
	uint8_t n_observed;
	uint64_t observed_dropped;
	struct probe_obs observed[PROBE_STATION_OBS];
};

/* A copy on the heap, NULL on OOM.  It holds observed[0..n_observed)
 * only: copy it by pointer, never by value. */
struct an_finding *an_finding_dup(const struct an_finding *f);
/* A zeroed finding without station observations (n_observed stays 0),
 * for ruleset findings; NULL on OOM. */
struct an_finding *an_finding_new(void);
void an_finding_free(struct an_finding *f);                     /* NULL is a no-op */

/* The one-line message, in English or Japanese, into buf; returns buf.
 * AN_MESSAGE_MAX holds any message (a ruleset finding names rules by
 * their source location, which can be long). */
#define AN_MESSAGE_MAX 2048
char *an_finding_message(const struct topo_site *site, const struct an_finding *f, bool japanese, char *buf,
			 size_t len);

/* Describing (messages.c, policy.c): "10.10.1.1 mn-pc-01 (mynumber)",
 * "tcp/443"; whether a protocol has ports. */
bool an_proto_has_ports(uint8_t proto);
void an_describe_endpoint(const struct an_endpoint *e, char *buf, size_t len);
void an_describe_service(uint8_t proto, int port, char *buf, size_t len);

/* ------------------------------------------------------------------- policy */

/*
 * Judges one finished flow.  Returns true and fills *ret (message allocated)
 * when the connection breaks the policy; false when it is permitted or
 * never crosses a zone.
 */
bool an_policy_judge_flow(const struct topo_site *site, const struct probe_flow *f, struct an_finding *ret);
/* Fills *ret with the connection's endpoints and counters only (no
 * verdict: check, message and near_flow are left zero). */
void an_policy_describe_flow(const struct topo_site *site, const struct probe_flow *f, struct an_finding *ret);

/* ------------------------------------------------------------------- engine */

struct an_engine_config {
	const struct topo_site *site;
	struct probe_flow_config flows;
	size_t max_stations; /* 0: default */
	/*
	 * Streaming (sanso monitor): a connection is judged as soon as it is
	 * seen — on its first packet, on the other side's first packet and on
	 * each new MAC — and once more when it ends; a station when one of its
	 * observations changes.  Each finding is emitted once, as it is
	 * decided; a flagged connection gets an AN_EVENT_FLOW_END when it ends.
	 * Without streaming (audit) connections are judged when they end and
	 * stations at an_engine_finish().
	 */
	bool streaming;
	uint64_t station_idle_ns; /* streaming: forget stations silent this long (0: never) */
	struct an_rulesets *rulesets; /* judge connections against the firewalls' rulesets too; NULL: don't */
};

#define AN_TRACKED_AREAS 256 /* areas beyond: counted as seen */

struct an_counters {
	uint64_t packets_read;
	uint64_t packets_undecoded;
	uint64_t undecoded_by_status[4]; /* indexed by enum probe_status */
	uint64_t packets_filtered;       /* not matching the -f BPF filter */
	uint64_t flows;                  /* flows created */
	uint64_t findings[_AN_CHECK_MAX];
	struct probe_flow_stats flow_stats;
	uint64_t stations_dropped;
	uint64_t stations_expired;
	size_t stations;                 /* stations known now */
	/* coverage: what the captures showed of the site */
	uint64_t first_ns, last_ns;      /* earliest and latest record (0, 0: none) */
	uint64_t vlans_seen[4096 / 64];  /* VLAN IDs on decoded frames */
	uint64_t areas_seen[AN_TRACKED_AREAS / 64]; /* area indexes a station of was seen in */
};

static inline bool an_counters_area_seen(const struct an_counters *c, size_t area)
{
	return area >= AN_TRACKED_AREAS || (c->areas_seen[area / 64] >> (area % 64) & 1);
}

static inline bool an_counters_vlan_seen(const struct an_counters *c, unsigned vlan)
{
	return vlan < 4096 && (c->vlans_seen[vlan / 64] >> (vlan % 64) & 1);
}

enum an_event {
	AN_EVENT_FINDING,  /* a new finding */
	AN_EVENT_FLOW_END, /* streaming: a flagged connection ended; its final counters, f->id, f->end */
};

/* Returns whether the caller wants the connection's AN_EVENT_FLOW_END
 * (streaming; e.g. false for a finding aggregated as a repeat). */
typedef bool (*an_finding_fn)(enum an_event ev, const struct an_finding *f, void *userdata);

struct an_engine;

struct an_engine *an_engine_new(const struct an_engine_config *cfg, an_finding_fn on_finding, void *userdata);
void an_engine_free(struct an_engine *e); /* NULL is a no-op */
/* Feeds one record (decoded here: its data may be reused once this
 * returns).  Never fails: undecodable frames are counted.  Returns true
 * when streaming and the record belongs to a flagged connection (its
 * evidence).  Without streaming the record may be accounted a few records
 * later, still in order (the engine looks ahead to overlap the flow
 * table's cache misses); an_engine_finish() accounts the rest. */
bool an_engine_packet(struct an_engine *e, const struct probe_record *r);
/* Streaming: ends flows idle at now_ns and forgets idle stations. */
void an_engine_expire(struct an_engine *e, uint64_t now_ns);
/*
 * Streaming: judges from now on with another topology (SIGHUP), keeping
 * live flows: station observations are re-classified, and stations and
 * open connections not yet flagged are judged again at once (findings are
 * emitted from inside this call); connections that already ended (FIN both
 * ways, RST) keep the verdict of their time (an_engine_settle() first
 * gives them their last word against the rulesets).  Connections already
 * reported stay reported.  The engine's rulesets are rebound to the new topology
 * (an_rulesets_rebind); when that fails (-ENOMEM, -E2BIG) nothing changes
 * and the old topology stays in use.  Otherwise the old topology is no
 * longer used when this returns.
 */
int an_engine_set_site(struct an_engine *e, const struct topo_site *site);
/* Streaming, before a reload: each connection that has ended (FIN both
 * ways, RST) and waits to leave the table is judged against the rulesets
 * for the last time, under the topology in force (its findings are
 * emitted from inside this call and name that topology). */
void an_engine_settle(struct an_engine *e);
/* Counts a record the BPF filter rejected (read, not analysed). */
void an_engine_count_filtered(struct an_engine *e, uint64_t ts_ns); /* a record outside the -f filter */
/* Ends every flow and judges the stations; findings are emitted. */
void an_engine_finish(struct an_engine *e);
/* The counters, with the flow and station tables' figures brought up to date. */
const struct an_counters *an_engine_counters(struct an_engine *e);

/* ------------------------------------------------------------ provenance */

/* An input file of a report, with its SHA-256 (provenance.c). */
struct an_input {
	const char *kind;  /* "topology", "capture", "ruleset" */
	char *path;        /* owned by whoever holds the array */
	bool hashed;       /* false: standard input, a FIFO, or unreadable */
	char sha256[65];   /* lower-case hex */
};

int an_sha256_file(const char *path, char hex[65]); /* -ESPIPE for "-" or a FIFO */
/* Hashes inputs[0..n) on a thread of its own (or at once when no thread
 * can be made); an_hash_join() waits for it.  NULL: done already. */
struct an_hash_job *an_hash_start(struct an_input *inputs, size_t n);
void an_hash_join(struct an_hash_job *j); /* NULL is a no-op */
uint64_t an_now_ns(void);                 /* CLOCK_REALTIME */
uint64_t an_mono_ns(void);                /* CLOCK_MONOTONIC */
/* How long a command runs before it shows progress on a terminal: dflt,
 * or SANSO_PROGRESS_AFTER seconds (for the tests). */
uint64_t an_progress_after_ns(uint64_t dflt);

/* What an audit saw of the site, beyond its findings: whether it can say
 * anything at all (docs/cli.md, "Coverage"). */
enum {
	AN_COV_NO_PACKETS = 1,     /* the captures hold no packet */
	AN_COV_NO_CONNECTIONS = 2, /* no IP connection was analysed */
	AN_COV_LOW_DECODE = 4,     /* under AN_COV_MIN_DECODED of the selected frames decoded */
	AN_COV_NO_ZONE = 8,        /* no station of any site zone was seen */
};
#define AN_COV_MIN_DECODED 0.5

/* ----------------------------------------------------------------- audit */

struct an_audit_config {
	const struct topo_site *site;
	const char *topology_path;   /* hashed for the report; may be NULL */
	FILE *progress;              /* a terminal for progress lines (audits longer than 2 s), or NULL */
	const char *const *captures; /* in order */
	size_t n_captures;
	const char *bpf_filter;      /* may be NULL */
	const char *evidence_path;   /* may be NULL */
	size_t max_findings;         /* findings kept in detail; 0: default 100000 */
	struct probe_flow_config flows;
	struct an_rulesets *rulesets; /* reconciliation (an_rulesets_load); NULL: none.  The caller's */
};

struct an_report; /* opaque: findings + counters + capture names */

/*
 * Runs an offline audit.  Returns 0 with *ret set, or a negative errno with
 * a message in errbuf: -EBADMSG/-EINVAL for bad input (exit 2: a capture
 * that can't be read, a damaged record named by frame, a bad filter),
 * -EIO/-ENOSPC for runtime failures (exit 3).  Nothing is written to
 * evidence_path unless the whole run succeeds.
 */
int an_audit_run(const struct an_audit_config *cfg, struct an_report **ret, char *errbuf, size_t errlen);
void an_report_free(struct an_report *r);

size_t an_report_n_findings(const struct an_report *r);
const struct an_finding *an_report_finding(const struct an_report *r, size_t i);
const struct an_counters *an_report_counters(const struct an_report *r);
/* Findings at or above sev (counting those not kept in detail). */
uint64_t an_report_count_at_least(const struct an_report *r, enum an_severity sev);
unsigned an_report_coverage(const struct an_report *r); /* AN_COV_* problems; 0: enough to judge */

/* A command's result as its writers see it (analyze/report/): the
 * findings and what they were found in, plain data owned by the report
 * and valid while it lives.  The writers read this and the findings,
 * never a command's own state; what a part does not have is NULL/0. */
enum an_view_kind {
	AN_VIEW_AUDIT,  /* captures judged: counters, captures, evidence, coverage */
	AN_VIEW_VERIFY, /* rulesets judged: firewalls */
	AN_VIEW_DIFF,   /* two rulesets compared: change records, rule changes */
};
struct an_rule_change;
struct an_vfw_summary;
struct an_view {
	enum an_view_kind kind;
	const struct topo_site *site;
	const struct an_finding *const *findings; /* in the order they were decided */
	size_t n_findings;
	uint64_t not_kept;      /* findings counted, not kept in detail (--max-findings) */
	const uint64_t *counts; /* [_AN_CHECK_MAX]: findings per check, kept or not */
	const struct an_input *inputs; /* the topology, then each capture or ruleset file */
	size_t n_inputs;
	uint64_t generated_ns;
	double seconds; /* how long it took */
	/* captures (audit) */
	const struct an_counters *counters;
	const char *const *captures; /* probe_frame_ref.file indexes them */
	size_t n_captures;
	const char *const *evidence; /* evidence files written */
	size_t n_evidence;
	unsigned coverage; /* AN_COV_* problems */
	/* rulesets (verify) */
	const struct an_vfw_summary *firewalls;
	size_t n_firewalls;
	/* reconciliation (audit with rulesets): per firewall, its rules and
	 * the connections each decided; NULL when the audit used none */
	const struct an_fw_usage *usage;
	size_t n_usage;
	/* change review (diff): the findings are change records */
	const struct an_rule_change *rule_changes;
	size_t n_rule_changes;
	const struct topo_firewall *const *diffed; /* the firewalls compared */
	size_t n_diffed;
	uint64_t opened, closed;
};
void an_report_view(const struct an_report *r, struct an_view *ret);

/* ------------------------------------------------------------------ verify */

/*
 * Static verification of the firewalls' rulesets (docs/verify.md): for
 * each firewall, the exact set of new connections its ruleset lets through
 * between the areas its interfaces face, against the declared flows.
 */


struct an_verify_source {
	const char *firewall; /* name in the topology */
	const char *path;     /* a file (format from the topology, else sniffed), or NULL */
	bool live;            /* read the running ruleset */
	const char *netns;    /* live: a named namespace, or NULL */
};

struct an_verify_config {
	const struct topo_site *site;
	const struct an_verify_source *sources; /* --ruleset / --live, override the topology */
	size_t n_sources;
	size_t max_findings; /* 0: default 100000 */
	size_t max_nodes;    /* BDD nodes per firewall; 0: default (1<<23, 128 MiB) */
	FILE *progress;      /* a terminal for progress lines (rulesets taking more than 1 s), or NULL */
};

struct an_vreport;

/*
 * Returns 0 with *ret, or a negative errno with a message in errbuf
 * (-EBADMSG/-EINVAL/-ENOENT/-EPERM: bad input or environment, exit 2;
 * -ENOMEM/-E2BIG: too large to analyse, exit 3).  Ruleset diagnostics
 * (warnings) are appended to diags.
 */
int an_verify_run(const struct an_verify_config *cfg, struct topo_diag_list *diags, struct an_vreport **ret,
		  char *errbuf, size_t errlen);
void an_vreport_free(struct an_vreport *r);
size_t an_vreport_n_findings(const struct an_vreport *r);
const struct an_finding *an_vreport_finding(const struct an_vreport *r, size_t i);
uint64_t an_vreport_count_at_least(const struct an_vreport *r, enum an_severity sev);

/* What verify found of one firewall, for the summary. */
struct an_vfw_summary {
	const struct topo_firewall *fw;
	const char *source; /* NULL: no ruleset, not verified */
	bool live;          /* read from the kernel, not from a file */
	size_t tables, chains, rules, sets, elements, unsupported_rules;
	bool approximate;
	size_t peak_nodes;
	double seconds;
};

void an_vreport_view(const struct an_vreport *r, struct an_view *ret);
/* "tcp 93.184.216.34:49152 → 10.10.1.1 mn-pc-01:22" */
void an_describe_vpacket(const struct an_vpacket *p, char *buf, size_t len);

/* ----------------------------------------------------------- reconciliation */

/*
 * Traffic against the rulesets (reconcile.c; docs/user-guide.md, "Does the
 * wire agree with the firewall?"): the rulesets of the site's firewalls,
 * read as verify reads them, judge the first packet of each connection an
 * audit sees between two of a firewall's interfaces — by the interfaces'
 * `faces` — as the kernel would (the same model: prerouting, forward,
 * postrouting, ct state new, the observed source MAC).  The engine attaches
 * the verdict to the connection's finding, raises FIREWALL-BYPASS and
 * FIREWALL-ATTEMPT-PASSED, and counts per rule the connections it decided.
 */
struct an_rulesets;

/* Loads the ruleset of every firewall that has one (the topology's
 * `ruleset:`, or sources as verify's --ruleset/--live).  0 with *ret (no
 * firewall has one: an empty set); a negative errno with errbuf as
 * an_verify_run's.  Ruleset warnings go to diags. */
int an_rulesets_load(const struct topo_site *site, const struct an_verify_source *sources, size_t n_sources,
		     struct an_rulesets **ret, struct topo_diag_list *diags, char *errbuf, size_t errlen);
void an_rulesets_free(struct an_rulesets *rs); /* NULL is a no-op */
/* The same rulesets for another topology (a monitor's SIGHUP): each kept
 * for the firewall of the same name, dropped when there is none; the rule
 * counts start again.  On failure (-ENOMEM, -E2BIG) rs is unchanged. */
int an_rulesets_rebind(struct an_rulesets *rs, const struct topo_site *site);
size_t an_rulesets_n(const struct an_rulesets *rs); /* firewalls with a ruleset */
const char *an_rulesets_source(const struct an_rulesets *rs, size_t i); /* a file, or NULL when read live */

/* A rule (or a base chain's policy) and the connections it decided. */
struct an_rule_use {
	struct an_vrule rule;
	uint64_t connections; /* connections whose path it decided (accepted or dropped) */
	uint64_t forbidden;   /* of those, connections the policy forbids (a finding) */
};
struct an_fw_usage {
	const struct topo_firewall *fw;
	const char *source; /* the ruleset's source (a path, or "live: …") */
	uint64_t connections; /* connections judged against it */
	/* every rule of the chains a forwarded connection can meet (the
	 * forward path's base chains and the chains they lead to), in ruleset
	 * order, each base chain's policy after its rules */
	struct an_rule_use *rules;
	size_t n_rules;
};
/* The counts so far, per firewall with a ruleset (allocated; free with
 * an_fw_usage_free).  -ENOMEM. */
int an_rulesets_usage(const struct an_rulesets *rs, struct an_fw_usage **ret, size_t *n);
void an_fw_usage_free(struct an_fw_usage *u, size_t n);

/* ------------------------------------------------------------ change review */

/*
 * `sanso diff` (diff.c, docs/diff.md): for each firewall given a --before
 * and an --after ruleset, exactly which new connections between the areas
 * its interfaces face the change lets through (opened) and which it stops
 * (closed), as change records (struct an_finding, `change` set), then the
 * rule-level changes.
 */
struct an_diff_config {
	const struct topo_site *site;
	const char *topology_path; /* for the report's inputs */
	const struct an_verify_source *before, *after; /* per firewall: a file or live */
	size_t n_before, n_after;
	/* a topology change (after empty): the same rulesets (before, or each
	 * topology's `ruleset:`) under site, then under after_site */
	const struct topo_site *after_site;
	size_t max_nodes; /* 0: default */
};

/* A rule only on one side (added/removed), or at another position (moved:
 * no_effect when the firewall's crossings did not change at all). */
struct an_rule_change {
	const struct topo_firewall *fw;
	const char *change; /* "added", "removed", "moved" */
	char *chain, *text;
	char *before, *after; /* locations; NULL on the side it is not */
	bool no_effect;
};

struct an_dreport;
/* 0 with *ret, or a negative errno with errbuf (as an_verify_run). */
int an_diff_run(const struct an_diff_config *cfg, struct topo_diag_list *diags, struct an_dreport **ret,
		char *errbuf, size_t errlen);
void an_dreport_free(struct an_dreport *r);
void an_dreport_view(const struct an_dreport *r, struct an_view *ret);
/* opened changes at or above sev (the exit status) */
uint64_t an_dreport_opened_at_least(const struct an_dreport *r, enum an_severity sev);
/* A change's severity: its check's (a cut sanitizing/screen path: medium);
 * *none: no check, no severity (a permitted or harmless change). */
enum an_severity an_change_severity(const struct an_finding *f, bool *none);

/*
 * The model on concrete packets, for the kernel differential test
 * (tests/kernel-probe.c, tests/e2e/kernel-diff.py).  For one firewall:
 * per_rule random witnesses of every rule on the forward path (first
 * packets that reach the rule and match it), and n_random random first
 * packets, all sendable through a Linux router (TCP SYN, UDP, ICMP echo
 * and the other request types, non-martian addresses, a unicast source
 * MAC, between two of the firewall's interfaces).  fn gets each with the
 * verdict of the set walk verify uses and of the one-packet trace, and the
 * trace's deciding rule per base chain; a non-zero return stops the run.
 */
struct an_vprobe {
	struct an_vpacket packet;
	uint8_t tcp_flags;
	uint16_t icmp_checksum; /* ICMP: what the model took for transport bytes 2-3 (th dport) */
	const char *witness_of; /* location of the rule it was picked for; NULL: random */
	bool accept;            /* in the set of packets verify says pass */
	bool traced_accept;     /* the trace's verdict (must be the same) */
	bool approximate;       /* the trace met a rule the model can't judge exactly, or NAT */
	bool translated;        /* a dnat changed its destination: out says to what */
	struct an_vpacket out;  /* the packet as it leaves (its oif: the one it leaves by) */
	const struct an_vrule *rules;
	size_t n_rules;
};
typedef int (*an_vprobe_fn)(const struct an_vprobe *p, void *arg);
int an_verify_probe(const struct an_verify_config *cfg, const char *firewall, unsigned per_rule, unsigned n_random,
		    uint64_t seed, an_vprobe_fn fn, void *arg, struct topo_diag_list *diags, char *errbuf,
		    size_t errlen);
