/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * topology — one site's networks: zones, externals, hosts, permitted flows and
 * firewalls, loaded from the YAML file described in docs/topology.md, plus the
 * address → zone/segment/host and MAC → host lookups the analysers run on.
 *
 * Ownership: a struct topo_site owns everything reachable from it; every
 * pointer a getter returns is lent, valid until topo_site_free().  Zones,
 * hosts, flows and firewalls are exposed as read-only structs because the
 * policy engine walks them; they are never built outside the loader.
 *
 * Library code never prints: problems in the file become diagnostics in a
 * struct topo_diag_list, which main() prints as `file:line:column: error: …`.
 *
 * It also owns the three-tier rule itself (topo_tier_crossing: which
 * separation a crossing between two tiers breaks), so the policy, verify
 * and the flow rules ask one table.  First on the data's path: it may use
 * nothing else of sanso.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- addresses */

/* An IPv4 or IPv6 address.  IPv4 lives in bytes[0..3], the rest is zero, so
 * two addresses compare equal with memcmp() on the whole struct. */
struct topo_addr {
	uint8_t family; /* 4 or 6 */
	uint8_t bytes[16];
};

#define TOPO_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */
#define TOPO_MAC_STRLEN 18

/* Parses a dotted-quad or an RFC 4291/5952 IPv6 address.  Returns 0 or -EINVAL. */
int topo_addr_parse(const char *s, struct topo_addr *ret);
/* Parses "ADDR/LEN" (or a bare address: a host prefix).  Host bits set below
 * the prefix are an error (-EINVAL), the way a typo'd CIDR should be. */
int topo_cidr_parse(const char *s, struct topo_addr *ret_addr, uint8_t *ret_prefix);
/* Writes the address in its canonical text form; buf must hold TOPO_ADDR_STRLEN. */
char *topo_addr_format(const struct topo_addr *a, char *buf);
/* True when the address lies in prefix/len of the same family. */
bool topo_addr_in_prefix(const struct topo_addr *a, const struct topo_addr *prefix, uint8_t len);

/* Addresses that stay on their link and never cross a zone: link-local,
 * multicast, limited and (for sources) unspecified, loopback.  The policy
 * engine skips connections to or from them. */
bool topo_addr_is_link_scoped(const struct topo_addr *a);

/* MAC addresses: "02:00:00:10:00:01" (also '-' separated).  Returns 0 or -EINVAL. */
int topo_mac_parse(const char *s, uint8_t ret[6]);
char *topo_mac_format(const uint8_t mac[6], char *buf); /* buf: TOPO_MAC_STRLEN */

/* -------------------------------------------------------------- diagnostics */

enum topo_severity {
	TOPO_SEV_WARNING,
	TOPO_SEV_ERROR,
};

/* One problem in an input file.  line and column are 1-based; 0 means
 * "no position" (e.g. a file that can't be opened). */
struct topo_diag {
	char *source; /* file name as given, or "nft:inet/fw/forward#handle 12" */
	unsigned line, column;
	enum topo_severity severity;
	char *message;
};

struct topo_diag_list {
	struct topo_diag *items;
	size_t n, cap;
	size_t n_errors;
};

/* Drops the diagnostics after the first n (a reader that tried one way
 * and goes another takes back what it said). */
void topo_diag_list_truncate(struct topo_diag_list *l, size_t n);
/* Appends a diagnostic (printf-style message); copies source. Returns 0 or -ENOMEM. */
int topo_diag_add(struct topo_diag_list *l, const char *source, unsigned line, unsigned column,
		  enum topo_severity sev, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Frees the items, leaves an empty list; safe on an empty list. */
void topo_diag_list_clear(struct topo_diag_list *l);
/* Formats "source:line:column: error: message" into buf (truncating). */
char *topo_diag_format(const struct topo_diag *d, char *buf, size_t len);

/* -------------------------------------------------------------------- model */

enum topo_model {
	TOPO_MODEL_ALPHA,
	TOPO_MODEL_ALPHA_PRIME,
	TOPO_MODEL_BETA,
	TOPO_MODEL_BETA_PRIME,
};

enum topo_pinning {
	TOPO_PIN_MAC_AND_IP,
	TOPO_PIN_MAC_OR_IP,
};

/* What an area (zone or external) is; `kind` in the file. */
enum topo_kind {
	/* zones: the site's own networks */
	TOPO_KIND_MYNUMBER,
	TOPO_KIND_LGWAN,
	TOPO_KIND_INTERNET,
	TOPO_KIND_OTHER,
	/* externals: networks outside the site */
	TOPO_KIND_LGWAN_WAN,
	TOPO_KIND_PUBLIC_INSTITUTION,
	TOPO_KIND_REMOTE_ACCESS,
	TOPO_KIND_INTERNET_WAN, /* only the implicit external `internet-wan` */
};

/* Which side of the three-tier separation an area belongs to. */
enum topo_tier {
	TOPO_TIER_MYNUMBER, /* mynumber zones */
	TOPO_TIER_LGWAN,    /* lgwan zones, lgwan-wan, public institutions */
	TOPO_TIER_INTERNET, /* internet zones, the Internet */
	TOPO_TIER_OTHER,    /* zones of kind other */
	TOPO_TIER_REMOTE,   /* remote-access pools */
};

enum topo_tier topo_kind_tier(enum topo_kind k);

/*
 * The three-tier rule, in one place (topology.md "Meaning"): which
 * separation a connection from tier `from` to tier `to` crosses, the first
 * that applies in this order.  The audit's policy, verify's zone pairs and
 * the topology's own flow rules all ask it; a new rule is one row here.
 */
enum topo_crossing {
	TOPO_CROSS_NONE,
	TOPO_CROSS_REMOTE_MYNUMBER,   /* a remote-access pool ↔ mynumber (6.3.8) */
	TOPO_CROSS_MYNUMBER_INTERNET, /* mynumber ↔ the internet side (5.1 ア) */
	TOPO_CROSS_MYNUMBER,          /* mynumber ↔ any other tier (5.1 ア) */
	TOPO_CROSS_LGWAN_INTERNET,    /* lgwan ↔ internet (5.2 ア) */
};
enum topo_crossing topo_tier_crossing(enum topo_tier from, enum topo_tier to);
/* Any of the three mynumber crossings. */
bool topo_crossing_is_mynumber(enum topo_crossing x);
const char *topo_kind_name(enum topo_kind k);   /* as written in the file */
const char *topo_model_name(enum topo_model m); /* "alpha", "alpha-prime", … */

enum topo_role {
	TOPO_ROLE_TERMINAL,
	TOPO_ROLE_SERVER,
	TOPO_ROLE_SANITIZER,
	TOPO_ROLE_GATEWAY,
	TOPO_ROLE_OTHER,
};
const char *topo_role_name(enum topo_role r);

struct topo_area;

/* One CIDR of a zone (a segment) or of an external. */
struct topo_segment {
	struct topo_addr addr;
	uint8_t prefix;
	int vlan;    /* 1..4094, or -1 when not declared */
	char *label; /* may be NULL */
	const struct topo_area *area;
	unsigned line, column;
};

/* A zone or an external.  Areas are numbered 0..n-1 in file order, zones
 * first, then externals, then the implicit `internet-wan` last. */
struct topo_area {
	unsigned index;
	char *name;
	enum topo_kind kind;
	bool external;
	struct topo_segment *segments;
	size_t n_segments;
	unsigned line, column;
};

struct topo_host {
	unsigned index;
	char *name;
	const struct topo_area *zone;
	uint8_t (*macs)[6];
	size_t n_macs;
	struct topo_addr *ips;
	size_t n_ips;
	enum topo_role role;
	unsigned line, column;
};

enum topo_flow_kind {
	TOPO_FLOW_EXCEPTION,
	TOPO_FLOW_MAIL_TEXT,
	TOPO_FLOW_SCREEN_TRANSFER,
	TOPO_FLOW_FILE_CDR,
	TOPO_FLOW_SAAS_BREAKOUT,
	TOPO_FLOW_SERVICE,
};
const char *topo_flow_kind_name(enum topo_flow_kind k);

enum topo_endpoint_type {
	TOPO_EP_HOST,
	TOPO_EP_ZONE,
	TOPO_EP_EXTERNAL,
	TOPO_EP_CIDR,
};

/* One end of a declared flow.  `host` is set for TOPO_EP_HOST, `area` for
 * zone/external (and for host: the host's zone), addr/prefix for cidr.
 * macs/n_macs is the optional extra `mac:` pin (a host pins its own MACs
 * anyway). */
struct topo_endpoint {
	enum topo_endpoint_type type;
	const struct topo_host *host;
	const struct topo_area *area;
	struct topo_addr addr;
	uint8_t prefix;
	uint8_t (*macs)[6];
	size_t n_macs;
};

struct topo_port_range {
	uint16_t lo, hi;
};

#define TOPO_PROTO_ANY (-1)

struct topo_flow {
	unsigned index;
	char *name;
	enum topo_flow_kind kind;
	struct topo_endpoint from, to; /* from is the initiator */
	int proto;                     /* IP protocol number (6, 17, 1, 58, …) or TOPO_PROTO_ANY */
	struct topo_port_range *ports; /* destination ports; n_ports == 0 means any */
	size_t n_ports;
	char *approval; /* may be NULL except for exceptions */
	unsigned line, column;
};

enum topo_ruleset_format {
	TOPO_RULESET_NONE,
	TOPO_RULESET_NFT_JSON,
	TOPO_RULESET_NFT,
	TOPO_RULESET_IPTABLES_SAVE,
};

struct topo_fw_iface {
	char *name;
	const struct topo_area **faces;
	size_t n_faces;
	unsigned line, column;
};

struct topo_firewall {
	unsigned index;
	char *name;
	const struct topo_host *host; /* may be NULL */
	struct topo_fw_iface *ifaces;
	size_t n_ifaces;
	enum topo_ruleset_format ruleset_format;
	char *ruleset_path; /* resolved against the topology file's directory; may be NULL */
	unsigned line, column;
};

/*
 * Reads the whole of path into a malloc'ed buffer (*ret_buf, *ret_len; one
 * NUL after the data, not counted), at most `limit` bytes: -EFBIG when the
 * file is larger — from st_size before a byte is read for a regular file,
 * after limit + 1 bytes for a pipe or a device, which report no size.
 * -EISDIR for a directory, another negative errno when it can't be opened
 * or read.  No diagnostics: each caller words its own.  Shared by every
 * loader of a file sanso is handed (topology, rulesets).
 */
int topo_read_file(const char *path, size_t limit, char **ret_buf, size_t *ret_len);

/* ------------------------------------------------------------------ the site */

struct topo_site; /* opaque */

/*
 * Loads and validates a topology file.  Every problem is appended to diags
 * (warnings too).  Returns 0 and sets *ret when there is no error-severity
 * diagnostic; -EINVAL when the file has errors (nothing in *ret), another
 * negative errno when it can't be read (also reported as a diagnostic).
 */
int topo_site_load(const char *path, struct topo_site **ret, struct topo_diag_list *diags);
/* The same from memory; `name` is used as the diagnostics' source and
 * relative ruleset paths resolve against the current directory. */
int topo_site_load_buffer(const char *name, const char *buf, size_t len, struct topo_site **ret,
			  struct topo_diag_list *diags);
void topo_site_free(struct topo_site *s); /* NULL is a no-op */

const char *topo_site_name(const struct topo_site *s);
const char *topo_site_path(const struct topo_site *s);
enum topo_model topo_site_model(const struct topo_site *s);
enum topo_pinning topo_site_pinning(const struct topo_site *s);
bool topo_site_inventory_strict(const struct topo_site *s);

size_t topo_site_n_areas(const struct topo_site *s); /* zones + externals + internet-wan */
const struct topo_area *topo_site_area(const struct topo_site *s, size_t i);
const struct topo_area *topo_site_internet(const struct topo_site *s); /* `internet-wan` */
size_t topo_site_n_hosts(const struct topo_site *s);
const struct topo_host *topo_site_host(const struct topo_site *s, size_t i);
size_t topo_site_n_flows(const struct topo_site *s);
const struct topo_flow *topo_site_flow(const struct topo_site *s, size_t i);
size_t topo_site_n_firewalls(const struct topo_site *s);
const struct topo_firewall *topo_site_firewall(const struct topo_site *s, size_t i);

const struct topo_area *topo_site_find_area(const struct topo_site *s, const char *name);
const struct topo_host *topo_site_find_host(const struct topo_site *s, const char *name);

/*
 * Hot-path lookups, all O(address bits) or better and allocation-free.
 *
 * topo_site_lookup_segment(): longest-prefix match over every zone segment
 * and external CIDR; NULL when nothing matches (the Internet).
 * topo_site_lookup_area(): the same, never NULL (internet-wan on a miss).
 * topo_site_lookup_host_ip()/_mac(): the declared host owning the address or
 * MAC, or NULL.  topo_site_mac_is_gateway(): the MAC belongs to a host of
 * role gateway (its routed frames carry other hosts' IPs).
 */
const struct topo_segment *topo_site_lookup_segment(const struct topo_site *s, const struct topo_addr *a);
const struct topo_area *topo_site_lookup_area(const struct topo_site *s, const struct topo_addr *a);
const struct topo_host *topo_site_lookup_host_ip(const struct topo_site *s, const struct topo_addr *a);
const struct topo_host *topo_site_lookup_host_mac(const struct topo_site *s, const uint8_t mac[6]);
bool topo_site_mac_is_gateway(const struct topo_site *s, const uint8_t mac[6]);

/* True when `port` (for IP protocol `proto`) is a destination port of some
 * declared flow.  Used to decide a connection's initiator. */
bool topo_site_is_declared_port(const struct topo_site *s, uint8_t proto, uint16_t port);

/* Endpoint matching by address only: true when `a` lies in the endpoint
 * (a host's IPs, a zone's/external's area as looked up, a cidr). */
bool topo_endpoint_match_addr(const struct topo_site *s, const struct topo_endpoint *ep,
			      const struct topo_addr *a);
/* MAC pinning: true when the endpoint pins no MAC, or `mac` is one it pins. */
bool topo_endpoint_match_mac(const struct topo_endpoint *ep, const uint8_t mac[6]);
/* True when the flow's proto/ports admit this destination port. */
bool topo_flow_match_service(const struct topo_flow *f, uint8_t proto, uint16_t dport);
