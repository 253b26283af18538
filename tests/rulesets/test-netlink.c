/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The netlink reader: rulesets loaded with nft(8) into a throwaway network
 * namespace, read back with rs_load_live(NAME) and compared with the IR we
 * expect.  Needs root and `ip netns`; skips (77) with the reason otherwise.
 * argv[1]: the shared corpus directory (corpus/nft/EXPECTED.tsv).
 */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rulesets-internal.h"
#include "rulesets.h"

static const char *corpus_dir;

/* ------------------------------------------------------------- namespaces */

/* Namespaces are called sanso-t-MAIN-PID-N (MAIN: the runner's pid, PID:
 * the test's process); a test deletes its own, and the runner deletes every
 * sanso-t-MAIN-* left at exit: Check's test processes end with _exit() on a
 * failure and are killed on a timeout. */
static pid_t main_pid;
static char ns[64]; /* the current test's namespace */

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void ns_delete(const char *name)
{
	run("ip netns delete '%s' 2>/dev/null", name);
}

static void ns_cleanup(void)
{
	char prefix[64];
	struct dirent *de;

	if (getpid() != main_pid)
		return;
	DIR *d = opendir("/run/netns");
	if (!d)
		return;
	snprintf(prefix, sizeof(prefix), "sanso-t-%d-", (int)main_pid);
	while ((de = readdir(d)))
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			ns_delete(de->d_name);
	closedir(d);
}

/* Makes a fresh namespace into buf; 0 or -1. */
static int ns_create(char *buf, size_t len)
{
	static int counter;

	snprintf(buf, len, "sanso-t-%d-%d-%d", (int)main_pid, (int)getpid(), counter++);
	return run("ip netns add '%s' 2>/dev/null", buf) == 0 ? 0 : -1;
}

static void setup(void)
{
	ck_assert_int_eq(ns_create(ns, sizeof(ns)), 0);
}

static void teardown(void)
{
	ns_delete(ns);
}

/* Loads nft text into the test's namespace; nft's exit status. */
static int nft_load(const char *text)
{
	char path[] = "/tmp/sanso-nl-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	int rc = run("ip netns exec '%s' nft -f %s", ns, path);
	unlink(path);
	return rc;
}

static struct rs_ruleset *load(const char *text)
{
	struct topo_diag_list d = {0};
	struct rs_ruleset *r = NULL;

	ck_assert_int_eq(nft_load(text), 0);
	int err = rs_load_live(ns, &r, &d);
	if (err) {
		char buf[512];
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n", topo_diag_format(&d.items[i], buf, sizeof(buf)));
	}
	ck_assert_int_eq(err, 0);
	ck_assert_ptr_nonnull(r);
	topo_diag_list_clear(&d);
	return r;
}

/* ---------------------------------------------------------------- helpers */

static const struct rs_chain *chain(const struct rs_ruleset *r, const char *name)
{
	for (size_t i = 0; i < r->n_chains; i++)
		if (strcmp(r->chains[i].name, name) == 0)
			return &r->chains[i];
	ck_abort_msg("no chain %s", name);
	return NULL;
}

static uint32_t chain_index(const struct rs_ruleset *r, const char *name)
{
	return (uint32_t)(chain(r, name) - r->chains);
}

static const struct rs_set *set(const struct rs_ruleset *r, const char *name)
{
	for (size_t i = 0; i < r->n_sets; i++)
		if (strcmp(r->sets[i].name, name) == 0)
			return &r->sets[i];
	ck_abort_msg("no set %s", name);
	return NULL;
}

static const struct rs_rule *rule(const struct rs_ruleset *r, const char *ch, size_t i)
{
	const struct rs_chain *c = chain(r, ch);
	ck_assert_uint_lt(i, c->n_rules);
	return &c->rules[i];
}

static void expect(const struct rs_match *m, enum rs_op op, enum rs_key key, const void *value, size_t len)
{
	ck_assert_int_eq(m->op, op);
	ck_assert_int_eq(m->n_keys, 1);
	ck_assert_int_eq(m->keys[0], key);
	ck_assert_mem_eq(m->value, value, len);
}

static void expect_byte(const struct rs_match *m, enum rs_key key, uint8_t v)
{
	expect(m, RS_OP_EQ, key, &v, 1);
	ck_assert(!m->has_mask);
}

static void expect_port(const struct rs_match *m, enum rs_op op, enum rs_key key, uint16_t port)
{
	uint16_t be = htons(port);
	expect(m, op, key, &be, 2);
}

static void expect_ct(const struct rs_match *m, enum rs_op op, uint32_t mask, uint32_t value)
{
	ck_assert_int_eq(m->op, op);
	ck_assert_int_eq(m->keys[0], RS_KEY_CT_STATE);
	ck_assert(m->has_mask);
	ck_assert_mem_eq(m->mask, &mask, 4); /* host order */
	ck_assert_mem_eq(m->value, &value, 4);
}

static void expect_ifname(const struct rs_match *m, enum rs_op op, enum rs_key key, const char *name)
{
	uint8_t v[RS_IFNAMSIZ] = {0};
	memcpy(v, name, strlen(name));
	expect(m, op, key, v, RS_IFNAMSIZ);
}

static void expect_prefix(const struct rs_match *m, enum rs_key key, const char *addr, unsigned len)
{
	uint8_t a[16];
	struct rs_match want = {0};

	ck_assert_int_eq(inet_pton(strchr(addr, ':') ? AF_INET6 : AF_INET, addr, a), 1);
	rs_match_prefix(&want, key, a, len);
	ck_assert_int_eq(m->op, RS_OP_EQ);
	ck_assert_int_eq(m->keys[0], key);
	ck_assert(m->has_mask);
	ck_assert_mem_eq(m->mask, want.mask, rs_key_len(key));
	ck_assert_mem_eq(m->value, want.value, rs_key_len(key));
}

static void expect_addr(const struct rs_match *m, enum rs_op op, enum rs_key key, const char *addr)
{
	uint8_t a[16];
	ck_assert_int_eq(inet_pton(strchr(addr, ':') ? AF_INET6 : AF_INET, addr, a), 1);
	expect(m, op, key, a, rs_key_len(key));
	ck_assert(!m->has_mask);
}

static void ip4(uint8_t *p, const char *s)
{
	ck_assert_int_eq(inet_pton(AF_INET, s, p), 1);
}

/* ------------------------------------------------------------------ tests */

START_TEST(test_empty)
{
	struct topo_diag_list d = {0};
	struct rs_ruleset *r = NULL;

	ck_assert_int_eq(rs_load_live(ns, &r, &d), 0);
	ck_assert_uint_eq(r->n_tables, 0);
	ck_assert_uint_eq(r->n_chains, 0);
	ck_assert_uint_eq(r->n_sets, 0);
	ck_assert_int_eq(r->origin, RS_ORIGIN_LIVE);
	char want[80];
	snprintf(want, sizeof(want), "live@%s", ns);
	ck_assert_str_eq(r->source, want);
	rs_ruleset_free(r);
	topo_diag_list_clear(&d);
}
END_TEST

START_TEST(test_no_such_netns)
{
	struct topo_diag_list d = {0};
	struct rs_ruleset *r = (void *)1;

	ck_assert_int_eq(rs_load_live("sanso-t-does-not-exist", &r, &d), -ENOENT);
	ck_assert_ptr_null(r);
	ck_assert_uint_ge(d.n_errors, 1);
	ck_assert_ptr_nonnull(strstr(d.items[0].message, "ip netns list"));
	topo_diag_list_clear(&d);
	ck_assert_int_eq(rs_load_live("../etc", &r, &d), -ENOENT);
	topo_diag_list_clear(&d);
}
END_TEST

START_TEST(test_filter)
{
	struct rs_ruleset *r = load("table inet fw {\n"
				    "  chain forward { type filter hook forward priority filter; policy drop;\n"
				    "    ct state established,related accept\n"
				    "    ct state invalid drop\n"
				    "    ct state new tcp dport 22 accept\n"
				    "    iifname \"eth*\" oifname \"wan0\" accept\n"
				    "    ip saddr 10.0.0.0/8 ip daddr 192.168.0.0/12 accept\n"
				    "    ip6 saddr 2001:db8::/32 ip6 daddr ::1 accept\n"
				    "    tcp dport 1000-2000 drop\n"
				    "    tcp flags & (syn|ack) == syn drop\n"
				    "    udp sport != 53 jump sub\n"
				    "    icmp type echo-request accept\n"
				    "    ether saddr 00:11:22:33:44:55 drop\n"
				    "    meta nfproto ipv6 goto sub\n"
				    "    iif lo accept\n"
				    "    tcp dport < 1024 return\n"
				    "    iifname != \"lan*\" continue\n"
				    "    tcp sport 1 tcp dport 2 accept\n"
				    "  }\n"
				    "  chain sub { return; }\n"
				    "  chain in { type filter hook input priority -10; policy accept; }\n"
				    "}\n"
				    "table ip6 six { chain out { type filter hook output priority 100; }\n}\n");
	const struct rs_rule *ru;

	ck_assert_uint_eq(r->n_tables, 2);
	ck_assert_str_eq(r->tables[0].name, "fw");
	ck_assert_int_eq(r->tables[0].family, RS_FAMILY_INET);
	ck_assert_int_eq(r->tables[1].family, RS_FAMILY_IP6);
	const struct rs_chain *fwd = chain(r, "forward");
	ck_assert(fwd->defined);
	ck_assert_int_eq(fwd->hook, RS_HOOK_FORWARD);
	ck_assert_int_eq(fwd->type, RS_CHAIN_FILTER);
	ck_assert_int_eq(fwd->priority, 0);
	ck_assert_int_eq(fwd->policy, RS_POLICY_DROP);
	ck_assert_uint_eq(fwd->n_rules, 16);
	ck_assert_int_eq(chain(r, "sub")->hook, RS_HOOK_NONE);
	ck_assert(chain(r, "sub")->defined);
	ck_assert_int_eq(chain(r, "in")->hook, RS_HOOK_INPUT);
	ck_assert_int_eq(chain(r, "in")->priority, -10);
	ck_assert_int_eq(chain(r, "in")->policy, RS_POLICY_ACCEPT);
	ck_assert_int_eq(chain(r, "out")->hook, RS_HOOK_OUTPUT);
	ck_assert_int_eq(chain(r, "out")->priority, 100);
	ck_assert_uint_eq(chain(r, "out")->table, 1);

	ru = rule(r, "forward", 0);
	ck_assert_uint_ne(ru->handle, 0);
	ck_assert_uint_eq(ru->n_matches, 1);
	expect_ct(&ru->matches[0], RS_OP_NE, RS_CT_ESTABLISHED | RS_CT_RELATED, 0);
	ck_assert_int_eq(ru->verdict.code, RS_V_ACCEPT);
	ck_assert_ptr_null(ru->unsupported);

	ru = rule(r, "forward", 1);
	expect_ct(&ru->matches[0], RS_OP_NE, RS_CT_INVALID, 0);
	ck_assert_int_eq(ru->verdict.code, RS_V_DROP);

	ru = rule(r, "forward", 2); /* the l4proto dependency stays a match */
	ck_assert_uint_eq(ru->n_matches, 3);
	expect_ct(&ru->matches[0], RS_OP_NE, RS_CT_NEW, 0);
	expect_byte(&ru->matches[1], RS_KEY_L4PROTO, 6);
	expect_port(&ru->matches[2], RS_OP_EQ, RS_KEY_DPORT, 22);

	ru = rule(r, "forward", 3);
	ck_assert_uint_eq(ru->n_matches, 2);
	expect_ifname(&ru->matches[0], RS_OP_EQ, RS_KEY_IIFNAME, "eth*");
	expect_ifname(&ru->matches[1], RS_OP_EQ, RS_KEY_OIFNAME, "wan0");

	ru = rule(r, "forward", 4);
	ck_assert_uint_eq(ru->n_matches, 3);
	expect_byte(&ru->matches[0], RS_KEY_NFPROTO, NFPROTO_IPV4);
	expect_prefix(&ru->matches[1], RS_KEY_IP_SADDR, "10.0.0.0", 8);
	expect_prefix(&ru->matches[2], RS_KEY_IP_DADDR, "192.160.0.0", 12);

	ru = rule(r, "forward", 5);
	ck_assert_uint_eq(ru->n_matches, 3);
	expect_byte(&ru->matches[0], RS_KEY_NFPROTO, NFPROTO_IPV6);
	expect_prefix(&ru->matches[1], RS_KEY_IP6_SADDR, "2001:db8::", 32);
	expect_addr(&ru->matches[2], RS_OP_EQ, RS_KEY_IP6_DADDR, "::1");

	ru = rule(r, "forward", 6); /* `>=` `<=` on one load: a range */
	ck_assert_uint_eq(ru->n_matches, 2);
	ck_assert_int_eq(ru->matches[1].op, RS_OP_RANGE);
	ck_assert_int_eq(ru->matches[1].keys[0], RS_KEY_DPORT);
	ck_assert_mem_eq(ru->matches[1].value, "\x03\xe8", 2);
	ck_assert_mem_eq(ru->matches[1].value2, "\x07\xd0", 2);

	ru = rule(r, "forward", 7);
	ck_assert_uint_eq(ru->n_matches, 2);
	ck_assert_int_eq(ru->matches[1].keys[0], RS_KEY_TCP_FLAGS);
	ck_assert(ru->matches[1].has_mask);
	ck_assert_uint_eq(ru->matches[1].mask[0], 0x12);
	ck_assert_uint_eq(ru->matches[1].value[0], 0x02);

	ru = rule(r, "forward", 8);
	expect_byte(&ru->matches[0], RS_KEY_L4PROTO, 17);
	expect_port(&ru->matches[1], RS_OP_NE, RS_KEY_SPORT, 53);
	ck_assert_int_eq(ru->verdict.code, RS_V_JUMP);
	ck_assert_uint_eq(ru->verdict.chain, chain_index(r, "sub"));

	ru = rule(r, "forward", 9);
	ck_assert_uint_eq(ru->n_matches, 3);
	expect_byte(&ru->matches[1], RS_KEY_L4PROTO, 1);
	expect_byte(&ru->matches[2], RS_KEY_ICMP_TYPE, 8);

	ru = rule(r, "forward", 10); /* meta iiftype ether: nft's dependency, dropped */
	ck_assert_uint_eq(ru->n_matches, 1);
	expect(&ru->matches[0], RS_OP_EQ, RS_KEY_ETHER_SADDR, "\x00\x11\x22\x33\x44\x55", 6);
	ck_assert_ptr_null(ru->unsupported);

	ru = rule(r, "forward", 11);
	expect_byte(&ru->matches[0], RS_KEY_NFPROTO, NFPROTO_IPV6);
	ck_assert_int_eq(ru->verdict.code, RS_V_GOTO);

	ru = rule(r, "forward", 12); /* iif: the index resolved to its name */
	ck_assert_uint_eq(ru->n_matches, 1);
	expect_ifname(&ru->matches[0], RS_OP_EQ, RS_KEY_IIFNAME, "lo");

	ru = rule(r, "forward", 13);
	expect_port(&ru->matches[1], RS_OP_LT, RS_KEY_DPORT, 1024);
	ck_assert_int_eq(ru->verdict.code, RS_V_RETURN);

	ru = rule(r, "forward", 14);
	expect_ifname(&ru->matches[0], RS_OP_NE, RS_KEY_IIFNAME, "lan*");
	ck_assert_int_eq(ru->verdict.code, RS_V_CONTINUE);

	ru = rule(r, "forward", 15); /* nft loads both ports at once: split again */
	ck_assert_uint_eq(ru->n_matches, 3);
	expect_port(&ru->matches[1], RS_OP_EQ, RS_KEY_SPORT, 1);
	expect_port(&ru->matches[2], RS_OP_EQ, RS_KEY_DPORT, 2);
	ck_assert_ptr_null(ru->unsupported);

	rs_ruleset_free(r);
}
END_TEST

START_TEST(test_sets)
{
	struct rs_ruleset *r = load(
		"table inet fw {\n"
		"  set nets { type ipv4_addr; flags interval;\n"
		"    elements = { 10.0.0.0/8, 192.168.1.1, 172.16.0.0-172.16.0.255, 255.255.255.0/24 } }\n"
		"  set svc { type ipv4_addr . inet_service; elements = { 10.0.0.1 . 22, 10.0.0.2 . 80 } }\n"
		"  set rng { type ipv4_addr . inet_proto . inet_service; flags interval;\n"
		"    elements = { 10.0.0.0/24 . tcp . 1-1024 } }\n"
		"  set ifs { type ifname; flags interval; elements = { \"eth*\", \"lo\" } }\n"
		"  chain forward { type filter hook forward priority 0; policy accept;\n"
		"    ip saddr @nets accept\n"
		"    ip saddr . tcp dport @svc accept\n"
		"    ip saddr . meta l4proto . th dport @rng accept\n"
		"    iifname @ifs drop\n"
		"    ip daddr vmap { 10.0.0.1 : jump sub, 10.0.0.2 : drop }\n"
		"    meta l4proto { tcp, udp } th dport != { 53, 123 } drop\n"
		"    ct state vmap { established : accept, invalid : drop }\n"
		"  }\n"
		"  chain sub { }\n"
		"}\n");
	const struct rs_rule *ru;
	const struct rs_set *s;
	uint8_t a[4], b[4];

	s = set(r, "nets"); /* rbtree ends are exclusive: back to inclusive */
	ck_assert(!s->anonymous && !s->is_vmap && !s->is_map);
	ck_assert_uint_eq(s->n_elems, 4);
	const char *want[][2] = {{"10.0.0.0", "10.255.255.255"},
				 {"172.16.0.0", "172.16.0.255"},
				 {"192.168.1.1", "192.168.1.1"},
				 {"255.255.255.0", "255.255.255.255"}};
	for (size_t i = 0; i < 4; i++) {
		ip4(a, want[i][0]);
		ip4(b, want[i][1]);
		ck_assert_mem_eq(s->elems[i].lo, a, 4);
		ck_assert_mem_eq(s->elems[i].hi, b, 4);
	}
	ru = rule(r, "forward", 0);
	ck_assert_uint_eq(ru->n_matches, 2);
	ck_assert_int_eq(ru->matches[1].op, RS_OP_IN);
	ck_assert_int_eq(ru->matches[1].keys[0], RS_KEY_IP_SADDR);
	ck_assert_ptr_eq(&r->sets[ru->matches[1].set], s);

	/* concatenations: keys in order, elements packed (no register padding) */
	ru = rule(r, "forward", 1);
	const struct rs_match *m = &ru->matches[ru->n_matches - 1];
	ck_assert_int_eq(m->op, RS_OP_IN);
	ck_assert_int_eq(m->n_keys, 2);
	ck_assert_int_eq(m->keys[0], RS_KEY_IP_SADDR);
	ck_assert_int_eq(m->keys[1], RS_KEY_DPORT);
	s = &r->sets[m->set];
	ck_assert_str_eq(s->name, "svc");
	ck_assert_uint_eq(s->n_elems, 2);
	bool seen22 = false, seen80 = false;
	for (size_t i = 0; i < 2; i++) {
		ck_assert_mem_eq(s->elems[i].lo, s->elems[i].hi, 6);
		seen22 |= memcmp(s->elems[i].lo, "\x0a\x00\x00\x01\x00\x16", 6) == 0;
		seen80 |= memcmp(s->elems[i].lo, "\x0a\x00\x00\x02\x00\x50", 6) == 0;
	}
	ck_assert(seen22 && seen80);

	ru = rule(r, "forward", 2);
	m = &ru->matches[ru->n_matches - 1];
	ck_assert_int_eq(m->n_keys, 3);
	ck_assert_int_eq(m->keys[1], RS_KEY_L4PROTO);
	ck_assert_int_eq(m->keys[2], RS_KEY_DPORT);
	s = &r->sets[m->set];
	ck_assert_uint_eq(s->n_elems, 1);
	ck_assert_mem_eq(s->elems[0].lo, "\x0a\x00\x00\x00\x06\x00\x01", 7);
	ck_assert_mem_eq(s->elems[0].hi, "\x0a\x00\x00\xff\x06\x04\x00", 7);

	ru = rule(r, "forward", 3); /* interface wildcards in a set */
	ck_assert_int_eq(ru->matches[0].keys[0], RS_KEY_IIFNAME);
	s = &r->sets[ru->matches[0].set];
	ck_assert_uint_eq(s->n_elems, 2);
	uint8_t eth[RS_IFNAMSIZ] = "eth*", lo[RS_IFNAMSIZ] = "lo";
	ck_assert_mem_eq(s->elems[0].lo, eth, RS_IFNAMSIZ);
	ck_assert_mem_eq(s->elems[0].hi, eth, RS_IFNAMSIZ);
	ck_assert_mem_eq(s->elems[1].lo, lo, RS_IFNAMSIZ);
	ck_assert_mem_eq(s->elems[1].hi, lo, RS_IFNAMSIZ);

	ru = rule(r, "forward", 4); /* a verdict map */
	ck_assert(ru->has_vmap);
	ck_assert_int_eq(ru->vmap.op, RS_OP_IN);
	ck_assert_int_eq(ru->vmap.keys[0], RS_KEY_IP_DADDR);
	s = &r->sets[ru->vmap.set];
	ck_assert(s->anonymous && s->is_vmap && !s->is_map);
	ck_assert_uint_eq(s->n_elems, 2);
	for (size_t i = 0; i < 2; i++) {
		if (s->elems[i].lo[3] == 1) {
			ck_assert_int_eq(s->elems[i].verdict.code, RS_V_JUMP);
			ck_assert_uint_eq(s->elems[i].verdict.chain, chain_index(r, "sub"));
		} else {
			ck_assert_int_eq(s->elems[i].verdict.code, RS_V_DROP);
		}
	}

	ru = rule(r, "forward", 5);
	ck_assert_uint_eq(ru->n_matches, 2);
	ck_assert_int_eq(ru->matches[0].op, RS_OP_IN);
	ck_assert_int_eq(ru->matches[0].keys[0], RS_KEY_L4PROTO);
	ck_assert_int_eq(ru->matches[1].op, RS_OP_NOT_IN);
	ck_assert_int_eq(ru->matches[1].keys[0], RS_KEY_DPORT);
	ck_assert(r->sets[ru->matches[1].set].anonymous);
	ck_assert_uint_eq(r->sets[ru->matches[1].set].n_elems, 2);

	ru = rule(r, "forward", 6); /* ct state keys stay in host order */
	ck_assert(ru->has_vmap);
	ck_assert_int_eq(ru->vmap.keys[0], RS_KEY_CT_STATE);
	s = &r->sets[ru->vmap.set];
	ck_assert_uint_eq(s->n_elems, 2);
	for (size_t i = 0; i < 2; i++) {
		uint32_t st;
		memcpy(&st, s->elems[i].lo, 4);
		ck_assert(st == RS_CT_ESTABLISHED || st == RS_CT_INVALID);
		ck_assert_int_eq(s->elems[i].verdict.code, st == RS_CT_INVALID ? RS_V_DROP : RS_V_ACCEPT);
	}
	rs_ruleset_free(r);
}
END_TEST

/* dnat targets read back from the nat expression's registers: one
 * constant address (and port) is exact, anything else is not */
START_TEST(test_dnat_targets)
{
	struct rs_ruleset *r = load(
		"table inet t {\n"
		"  chain pre { type nat hook prerouting priority dstnat;\n"
		"    tcp dport 443 dnat ip6 to [fd00:30::80]:8443\n"
		"    dnat ip to 192.0.2.80\n"
		"    dnat ip to 10.0.0.1-10.0.0.5\n"
		"    tcp dport 80 dnat ip to 10.0.0.1:8000-8010\n"
		"    dnat ip to tcp dport map { 80 : 10.0.0.9, 81 : 10.0.0.10 }\n"
		"  }\n"
		"  chain filt { type filter hook forward priority 0;\n"
		"    ct status dnat accept\n"
		"    ct status & dnat == 0 accept\n"
		"    ct status snat accept\n"
		"    ct status != dnat accept\n"
		"  }\n"
		"}\n");
	static const uint8_t v6[16] = {0xfd, 0, 0, 0x30, [14] = 0, [15] = 0x80};
	const struct rs_rule *ru = rule(r, "pre", 0);

	ck_assert_int_eq(ru->nat, RS_NAT_DNAT);
	ck_assert(ru->nat_to.exact);
	ck_assert_int_eq(ru->nat_to.family, 6);
	ck_assert_mem_eq(ru->nat_to.addr, v6, 16);
	ck_assert(ru->nat_to.has_port);
	ck_assert_uint_eq(ru->nat_to.port, 8443);
	ru = rule(r, "pre", 1);
	ck_assert(ru->nat_to.exact);
	ck_assert_int_eq(ru->nat_to.family, 4);
	ck_assert_mem_eq(ru->nat_to.addr, "\xc0\x00\x02\x50", 4);
	ck_assert(!ru->nat_to.has_port);
	for (size_t i = 2; i < 5; i++) {
		ck_assert_int_eq(rule(r, "pre", i)->nat, RS_NAT_DNAT);
		ck_assert_msg(!rule(r, "pre", i)->nat_to.exact, "rule %zu: a range or a map is not one target", i);
		ck_assert_int_eq(rule(r, "pre", i)->verdict.code, RS_V_ACCEPT);
	}
	/* ct status: the dnat bit under a mask is a match; the rest unknown */
	for (size_t i = 0; i < 2; i++) {
		ru = rule(r, "filt", i);
		ck_assert_uint_eq(ru->n_matches, 1);
		ck_assert_int_eq(ru->matches[0].keys[0], RS_KEY_CT_STATUS);
		ck_assert(ru->matches[0].has_mask);
		ck_assert_int_eq(ru->matches[0].op, i == 0 ? RS_OP_NE : RS_OP_EQ);
		uint32_t mask;
		memcpy(&mask, ru->matches[0].mask, 4);
		ck_assert_uint_eq(mask, RS_CTS_DNAT);
		ck_assert_ptr_null(ru->unsupported);
	}
	for (size_t i = 2; i < 4; i++) {
		ru = rule(r, "filt", i);
		ck_assert_int_eq(ru->matches[0].op, RS_OP_UNKNOWN);
		ck_assert_ptr_nonnull(ru->unsupported);
		ck_assert_msg(strstr(ru->unsupported, "ct status"), "%s", ru->unsupported);
	}
	rs_ruleset_free(r);
}
END_TEST

START_TEST(test_families_and_nat)
{
	struct rs_ruleset *r = load(
		"table ip v4 {\n"
		"  chain pre { type nat hook prerouting priority dstnat;\n"
		"    tcp dport 80 dnat to 10.0.0.1:8080\n"
		"    ip daddr 1.2.3.4 tcp dport 81 redirect to :8080\n"
		"  }\n"
		"  chain post { type nat hook postrouting priority srcnat;\n"
		"    ip saddr 10.0.0.0/24 snat to 1.2.3.4\n"
		"    oifname \"wan\" masquerade\n"
		"  }\n"
		"  chain in { type filter hook input priority 0; policy drop;\n"
		"    tcp dport 22 reject\n"
		"  }\n"
		"}\n"
		"table netdev nd { chain ing { type filter hook ingress device lo priority -500;\n"
		"    ip saddr 192.0.2.1 drop\n"
		"    meta protocol ip6 accept\n"
		"  }\n}\n"
		"table bridge br { chain f { type filter hook forward priority 0; ip daddr 192.0.2.2 drop; }\n}\n");
	const struct rs_rule *ru;

	ck_assert_int_eq(r->tables[0].family, RS_FAMILY_IP);
	const struct rs_chain *pre = chain(r, "pre");
	ck_assert_int_eq(pre->type, RS_CHAIN_NAT);
	ck_assert_int_eq(pre->hook, RS_HOOK_PREROUTING);
	ck_assert_int_eq(pre->priority, -100);
	ck_assert_int_eq(chain(r, "post")->priority, 100);

	ru = rule(r, "pre", 0); /* in an ip table, ip protocol is the l4 dependency */
	ck_assert_uint_eq(ru->n_matches, 2);
	expect_byte(&ru->matches[0], RS_KEY_L4PROTO, 6);
	expect_port(&ru->matches[1], RS_OP_EQ, RS_KEY_DPORT, 80);
	ck_assert_int_eq(ru->nat, RS_NAT_DNAT);
	ck_assert_int_eq(ru->verdict.code, RS_V_ACCEPT);
	ck_assert(ru->nat_to.exact);
	ck_assert_int_eq(ru->nat_to.family, 4);
	ck_assert_mem_eq(ru->nat_to.addr, "\x0a\x00\x00\x01", 4);
	ck_assert(ru->nat_to.has_port);
	ck_assert_uint_eq(ru->nat_to.port, 8080);
	ck_assert_int_eq(rule(r, "pre", 1)->nat, RS_NAT_REDIRECT);
	expect_addr(&rule(r, "pre", 1)->matches[0], RS_OP_EQ, RS_KEY_IP_DADDR, "1.2.3.4");
	ck_assert_int_eq(rule(r, "post", 0)->nat, RS_NAT_SNAT);
	ck_assert_int_eq(rule(r, "post", 0)->verdict.code, RS_V_ACCEPT);
	expect_prefix(&rule(r, "post", 0)->matches[0], RS_KEY_IP_SADDR, "10.0.0.0", 24);
	ck_assert_int_eq(rule(r, "post", 1)->nat, RS_NAT_MASQUERADE);
	ck_assert_int_eq(rule(r, "in", 0)->verdict.code, RS_V_DROP);

	const struct rs_chain *ing = chain(r, "ing");
	ck_assert_int_eq(r->tables[ing->table].family, RS_FAMILY_NETDEV);
	ck_assert_int_eq(ing->hook, RS_HOOK_INGRESS);
	ck_assert_int_eq(ing->priority, -500);
	ru = rule(r, "ing", 0); /* meta protocol ip: implied by ip saddr */
	ck_assert_uint_eq(ru->n_matches, 1);
	expect_addr(&ru->matches[0], RS_OP_EQ, RS_KEY_IP_SADDR, "192.0.2.1");
	ck_assert_ptr_null(ru->unsupported);
	ru = rule(r, "ing", 1); /* on its own it is a real condition we lack */
	ck_assert_uint_eq(ru->n_matches, 1);
	ck_assert_int_eq(ru->matches[0].op, RS_OP_UNKNOWN);
	ck_assert_str_eq(ru->matches[0].why, "meta protocol ip6");
	ck_assert_int_eq(ru->verdict.code, RS_V_ACCEPT);

	ru = rule(r, "f", 0); /* bridge: ether type ip is the dependency */
	ck_assert_int_eq(r->tables[chain(r, "f")->table].family, RS_FAMILY_BRIDGE);
	ck_assert_uint_eq(ru->n_matches, 1);
	expect_addr(&ru->matches[0], RS_OP_EQ, RS_KEY_IP_DADDR, "192.0.2.2");
	rs_ruleset_free(r);
}
END_TEST

START_TEST(test_unknown)
{
	struct rs_ruleset *r = load("table inet fw {\n"
				    "  chain c { type filter hook input priority 0;\n"
				    "    fib daddr type local accept\n"
				    "    meta mark 0x1 drop\n"
				    "    limit rate 10/second accept\n"
				    "    counter\n"
				    "    tcp dport 22 counter log prefix \"x\" meta mark set 1 ct mark set 2 accept\n"
				    "    ip ttl 1 drop\n"
				    "  }\n"
				    "}\n");
	const struct rs_rule *ru;

	ru = rule(r, "c", 0);
	ck_assert_uint_eq(ru->n_matches, 1);
	ck_assert_int_eq(ru->matches[0].op, RS_OP_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(ru->matches[0].why, "fib daddr type"));
	ck_assert_ptr_nonnull(ru->unsupported);
	ck_assert_int_eq(ru->verdict.code, RS_V_ACCEPT);
	ck_assert_ptr_nonnull(strstr(rule(r, "c", 1)->matches[0].why, "meta mark"));
	ck_assert_str_eq(rule(r, "c", 2)->matches[0].why, "limit");
	ru = rule(r, "c", 3);
	ck_assert_uint_eq(ru->n_matches, 0);
	ck_assert_int_eq(ru->verdict.code, RS_V_CONTINUE);
	ck_assert_ptr_null(ru->unsupported);
	ru = rule(r, "c", 4); /* counter, log, meta set, ct set decide nothing */
	ck_assert_uint_eq(ru->n_matches, 2);
	ck_assert_ptr_null(ru->unsupported);
	ck_assert_int_eq(ru->verdict.code, RS_V_ACCEPT);
	ru = rule(r, "c", 5);
	ck_assert_int_eq(ru->matches[ru->n_matches - 1].op, RS_OP_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(ru->matches[ru->n_matches - 1].why, "payload @nh,64,8"));
	rs_ruleset_free(r);
}
END_TEST

/* iptables-nft's xt expressions, which nft(8) can't write: one rule with an
 * xt `mark` match and an xt `MARK` target, sent as a batch. */
static void add_xt_rule(void)
{
	/* zeroed: libmnl 1.0.4 leaves the padding after an attribute as it
	 * found it, which valgrind sees sent uninitialised */
	char path[128], buf[8192] = {0};
	int self = open("/proc/self/ns/net", O_RDONLY), target;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	target = open(path, O_RDONLY);
	ck_assert(self >= 0 && target >= 0);
	ck_assert_int_eq(setns(target, CLONE_NEWNET), 0);
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	ck_assert_int_eq(setns(self, CLONE_NEWNET), 0);
	close(self);
	close(target);
	ck_assert_ptr_nonnull(nl);
	ck_assert_int_eq(mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID), 0);

	struct nftnl_rule *ru = nftnl_rule_alloc();
	nftnl_rule_set_str(ru, NFTNL_RULE_TABLE, "mangle");
	nftnl_rule_set_str(ru, NFTNL_RULE_CHAIN, "PREROUTING");
	nftnl_rule_set_u32(ru, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
	struct nftnl_expr *e = nftnl_expr_alloc("match");
	/* libnftnl takes the info buffers over */
	uint32_t *mt = calloc(4, 4); /* xt_mark_mtinfo1, XT_ALIGNed */
	ck_assert_ptr_nonnull(mt);
	mt[0] = 1;
	mt[1] = 0xffffffff;
	nftnl_expr_set_str(e, NFTNL_EXPR_MT_NAME, "mark");
	nftnl_expr_set_u32(e, NFTNL_EXPR_MT_REV, 1);
	nftnl_expr_set(e, NFTNL_EXPR_MT_INFO, mt, 16);
	nftnl_rule_add_expr(ru, e);
	e = nftnl_expr_alloc("target");
	uint32_t *tg = calloc(2, 4); /* xt_mark_tginfo2 */
	ck_assert_ptr_nonnull(tg);
	tg[0] = 2;
	tg[1] = 0xffffffff;
	nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, "MARK");
	nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, 2);
	nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, tg, 8);
	nftnl_rule_add_expr(ru, e);

	uint32_t seq = 1;
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, sizeof(buf));
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	struct nlmsghdr *nlh = nftnl_rule_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWRULE, NFPROTO_IPV4,
							  NLM_F_APPEND | NLM_F_CREATE | NLM_F_ACK, seq++);
	nftnl_rule_nlmsg_build_payload(nlh, ru);
	mnl_nlmsg_batch_next(b);
	nftnl_batch_end(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	ck_assert_int_ge(mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)), 0);
	mnl_nlmsg_batch_stop(b);
	nftnl_rule_free(ru);
	ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_msg(mnl_cb_run(buf, (size_t)n, 0, mnl_socket_get_portid(nl), NULL, NULL) >= 0, "xt rule: %s",
		      strerror(errno));
	mnl_socket_close(nl);
}

START_TEST(test_xt)
{
	ck_assert_int_eq(nft_load("table ip mangle { chain PREROUTING {"
				  " type filter hook prerouting priority mangle; }\n}\n"),
			 0);
	add_xt_rule();
	struct topo_diag_list d = {0};
	struct rs_ruleset *r = NULL;
	ck_assert_int_eq(rs_load_live(ns, &r, &d), 0);
	const struct rs_rule *ru = rule(r, "PREROUTING", 0);
	ck_assert_uint_eq(ru->n_matches, 1);
	ck_assert_int_eq(ru->matches[0].op, RS_OP_UNKNOWN);
	ck_assert_str_eq(ru->matches[0].why, "xt match mark");
	ck_assert_int_eq(ru->verdict.code, RS_V_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(ru->unsupported, "xt target MARK"));
	ck_assert_int_eq(chain(r, "PREROUTING")->priority, -150);
	rs_ruleset_free(r);
	topo_diag_list_clear(&d);
}
END_TEST

/* Every text ruleset of the corpus that nft 1.0.6 loads must read back. */
START_TEST(test_corpus)
{
	char path[4096], line[8192];
	unsigned files = 0, loaded = 0, read = 0, unknown = 0, failed = 0;

	if (!corpus_dir) {
		fprintf(stderr, "corpus: no directory given, skipped\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/nft/EXPECTED.tsv", corpus_dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "corpus: %s missing, skipped\n", path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *file = strtok(line, "\t"), *format = strtok(NULL, "\t"), *status = strtok(NULL, "\t\n");
		size_t len = file ? strlen(file) : 0;
		if (!status || strcmp(format, "text") != 0 || strcmp(status, "ok") != 0 || len < 4 ||
		    strcmp(file + len - 4, ".nft") != 0)
			continue;
		files++;
		/* includes are relative to the file */
		char *slash = strrchr(file, '/');
		*slash = 0;
		if (run("ip netns exec '%s' nft flush ruleset && cd '%s/%s' && ip netns exec '%s' nft -f '%s' "
			"2>/dev/null",
			ns, corpus_dir, file, ns, slash + 1) != 0) {
			fprintf(stderr, "corpus: %s/%s: nft -f failed here, not counted\n", file, slash + 1);
			continue;
		}
		loaded++;
		struct topo_diag_list d = {0};
		struct rs_ruleset *r = NULL;
		int err = rs_load_live(ns, &r, &d);
		if (err) {
			char buf[512];
			failed++;
			fprintf(stderr, "corpus: %s/%s: read back failed (%d)\n", file, slash + 1, err);
			for (size_t i = 0; i < d.n; i++)
				fprintf(stderr, "  %s\n", topo_diag_format(&d.items[i], buf, sizeof(buf)));
		} else {
			read++;
			bool unk = false;
			for (size_t c = 0; c < r->n_chains; c++)
				for (size_t i = 0; i < r->chains[c].n_rules; i++)
					unk = unk || r->chains[c].rules[i].unsupported;
			unknown += unk;
		}
		rs_ruleset_free(r);
		topo_diag_list_clear(&d);
	}
	fclose(f);
	fprintf(stderr, "corpus: %u text rulesets, %u loaded, %u read back (%u with unsupported rules), %u failed\n",
		files, loaded, read, unknown, failed);
	ck_assert_uint_gt(files, 0);
	ck_assert_uint_eq(failed, 0);
	ck_assert_uint_eq(read, loaded);
}
END_TEST

int main(int argc, char **argv)
{
	char probe[64];

	corpus_dir = argc > 1 ? argv[1] : NULL;
	main_pid = getpid();
	if (geteuid() != 0) {
		printf("skipped: needs root to make network namespaces\n");
		return 77;
	}
	atexit(ns_cleanup);
	if (ns_create(probe, sizeof(probe)) < 0) {
		printf("skipped: `ip netns add` failed (no network namespaces here?)\n");
		return 77;
	}
	ns_delete(probe);

	Suite *s = suite_create("rulesets-netlink");
	TCase *tc = tcase_create("netlink");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 150);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_no_such_netns);
	tcase_add_test(tc, test_filter);
	tcase_add_test(tc, test_sets);
	tcase_add_test(tc, test_families_and_nat);
	tcase_add_test(tc, test_dnat_targets);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_xt);
	tcase_add_test(tc, test_corpus);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
