/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft text rulesets.  rs_nft_text_annotate() against hand-built rulesets
 * (no kernel needed); rs_load_nft_text() for real, which needs root or
 * unprivileged user namespaces, nft, and the netlink reader; and every
 * *.nft of the corpus against EXPECTED.tsv (nft 1.0.6's verdict).
 *
 * Usage: test-rulesets-nft-text CORPUS  (…/shared/corpus).  Exits 77 with a
 * reason when no private network namespace can be made (after running the
 * tests that need none).
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rulesets-internal.h"
#include "rulesets.h"

static const char *corpus_dir;
static char tmpdir[256];

static void make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/rs-nft-text-XXXXXX", base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	/* the loader's nft may run as the caller mapped into a user namespace */
	chmod(tmpdir, 0755);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tmpdir(void)
{
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes text to a new file in tmpdir; returns its path (static buffer). */
static const char *write_text(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* --------------------------------------------- a ruleset built by hand */

struct want_chain {
	enum rs_family family;
	const char *table, *chain;
	const char *verdicts; /* one letter per rule: a(ccept) d(rop) c(ontinue) j(ump)/g(oto) → jump_to */
	const char *jump_to;
};

/* Builds what the kernel would read back: tables, chains, rules with
 * handles and verdicts, in order. */
static struct rs_ruleset *build(const char *source, const struct want_chain *w, size_t n)
{
	struct rs_ruleset *r = rs_ruleset_new(source, RS_ORIGIN_NFT_TEXT);
	uint64_t handle = 1;

	ck_assert_ptr_nonnull(r);
	for (size_t i = 0; i < n; i++) {
		uint32_t t, c, j;
		ck_assert_int_eq(rs_table_add(r, w[i].table, w[i].family, &t), 0);
		ck_assert_int_eq(rs_chain_get(r, t, w[i].chain, &c), 0);
		r->chains[c].defined = true;
		for (const char *v = w[i].verdicts; *v; v++) {
			if (*v == 'j' || *v == 'g')
				ck_assert_int_eq(rs_chain_get(r, t, w[i].jump_to, &j), 0);
			struct rs_rule *rule = rs_rule_add(r, c);
			ck_assert_ptr_nonnull(rule);
			rule->handle = handle++;
			switch (*v) {
			case 'a':
				rule->verdict.code = RS_V_ACCEPT;
				break;
			case 'd':
				rule->verdict.code = RS_V_DROP;
				break;
			case 'j':
			case 'g':
				rule->verdict.code = *v == 'j' ? RS_V_JUMP : RS_V_GOTO;
				rule->verdict.chain = j;
				break;
			default:
				rule->verdict.code = RS_V_CONTINUE;
			}
		}
	}
	return r;
}

static const struct rs_chain *chain_of(const struct rs_ruleset *r, enum rs_family fam, const char *table,
				       const char *chain)
{
	uint32_t t, c;

	ck_assert_int_eq(rs_table_find(r, table, fam, &t), 0);
	for (c = 0; c < r->n_chains; c++)
		if (r->chains[c].table == t && strcmp(r->chains[c].name, chain) == 0)
			return &r->chains[c];
	ck_abort_msg("no chain %s %s", table, chain);
	return NULL;
}

static void assert_rule(const struct rs_chain *c, size_t i, unsigned line, const char *text)
{
	ck_assert_uint_lt(i, c->n_rules);
	ck_assert_msg(c->rules[i].line == line, "chain %s rule %zu: line %u, want %u", c->name, i, c->rules[i].line,
		      line);
	if (text) {
		ck_assert_ptr_nonnull(c->rules[i].text);
		ck_assert_str_eq(c->rules[i].text, text);
	} else {
		ck_assert_ptr_null(c->rules[i].text);
	}
}

static size_t count_warnings(const struct topo_diag_list *d, const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		if (d->items[i].severity == TOPO_SEV_WARNING && (!needle || strstr(d->items[i].message, needle)))
			n++;
	return n;
}

/* ------------------------------------------------------- annotate tests */

START_TEST(test_annotate_nested)
{
	static const char text[] =
		"#!/usr/sbin/nft -f\n"                                     /* 1 */
		"# a { brace in a comment\n"                               /* 2 */
		"table inet filter {\n"                                    /* 3 */
		"\tset trusted {\n"                                        /* 4 */
		"\t\ttype ipv4_addr; flags interval\n"                     /* 5 */
		"\t\telements = { 10.0.0.0/8,\n"                           /* 6 */
		"\t\t\t     192.168.0.0/16 }\n"                            /* 7 */
		"\t}\n"                                                    /* 8 */
		"\tcounter c1 { packets 0 bytes 0 }\n"                     /* 9 */
		"\tchain input {\n"                                        /* 10 */
		"\t\ttype filter hook input priority filter; policy drop;\n" /* 11 */
		"\t\tcomment \"in { put\"\n"                               /* 12 */
		"\t\tct state established,related accept\n"                /* 13 */
		"\t\ttcp dport {\n"                                        /* 14 */
		"\t\t\t22, # ssh }\n"                                      /* 15 */
		"\t\t\t80\n"                                               /* 16 */
		"\t\t} accept\n"                                           /* 17 */
		"\t\tiifname \"lo{\" accept comment \"x } y\"\n"           /* 18 */
		"\t\tip saddr @trusted jump other\n"                       /* 19 */
		"\t}\n"                                                    /* 20 */
		"\tchain other { counter; ip daddr 10.0.0.1 drop }\n"      /* 21 */
		"}\n"                                                      /* 22 */
		"table ip filter {\n"                                      /* 23 */
		"\tchain input {\n"                                        /* 24 */
		"\t\taccept\n"                                             /* 25 */
		"\t}\n"                                                    /* 26 */
		"}\n";
	const struct want_chain w[] = {
		{RS_FAMILY_INET, "filter", "input", "aaaj", "other"},
		{RS_FAMILY_INET, "filter", "other", "cd", NULL},
		{RS_FAMILY_IP, "filter", "input", "a", NULL},
	};
	struct topo_diag_list d = {0};
	const char *path;
	struct rs_ruleset *r;

	make_tmpdir();
	path = write_text("nested.nft", text);
	r = build(path, w, 3);
	ck_assert_int_eq(rs_nft_text_annotate(path, r, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	const struct rs_chain *c = chain_of(r, RS_FAMILY_INET, "filter", "input");
	ck_assert_uint_eq(c->line, 10);
	assert_rule(c, 0, 13, "ct state established,related accept");
	assert_rule(c, 1, 14, "tcp dport { 22, 80 } accept");
	assert_rule(c, 2, 18, "iifname \"lo{\" accept comment \"x } y\"");
	assert_rule(c, 3, 19, "ip saddr @trusted jump other");
	c = chain_of(r, RS_FAMILY_INET, "filter", "other");
	assert_rule(c, 0, 21, "counter");
	assert_rule(c, 1, 21, "ip daddr 10.0.0.1 drop");
	c = chain_of(r, RS_FAMILY_IP, "filter", "input");
	assert_rule(c, 0, 25, "accept");

	char buf[128];
	rs_rule_location(r, 0, 3, buf, sizeof(buf));
	ck_assert_str_eq(strrchr(buf, ':'), ":19");
	rs_ruleset_free(r);
	topo_diag_list_clear(&d);
	remove_tmpdir();
}
END_TEST

START_TEST(test_annotate_continuation)
{
	static const char text[] = "table ip t {\n"                               /* 1 */
				   "  chain c {\n"                                /* 2 */
				   "    ip saddr 10.0.0.1 \\\n"                   /* 3 */
				   "       tcp dport 22 accept; ip saddr 10.0.0.2 drop\n" /* 4 */
				   "    ;; ip saddr 10.0.0.3 counter;\n"          /* 5 */
				   "  }\n"
				   "}\n";
	const struct want_chain w[] = {{RS_FAMILY_IP, "t", "c", "adc", NULL}};
	struct topo_diag_list d = {0};
	const char *path;
	struct rs_ruleset *r;

	make_tmpdir();
	path = write_text("cont.nft", text);
	r = build(path, w, 1);
	ck_assert_int_eq(rs_nft_text_annotate(path, r, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	const struct rs_chain *c = chain_of(r, RS_FAMILY_IP, "t", "c");
	assert_rule(c, 0, 3, "ip saddr 10.0.0.1 tcp dport 22 accept");
	assert_rule(c, 1, 4, "ip saddr 10.0.0.2 drop");
	assert_rule(c, 2, 5, "ip saddr 10.0.0.3 counter");
	rs_ruleset_free(r);
	topo_diag_list_clear(&d);
	remove_tmpdir();
}
END_TEST

START_TEST(test_annotate_commands)
{
	static const char text[] = "table inet old { chain c { accept; }; }\n"             /* 1 */
				   "flush ruleset\n"                                       /* 2 */
				   "define ports = {\n  22, 80\n}\n"                       /* 3-5 */
				   "add table ip t\n"                                      /* 6 */
				   "add chain ip t c { type filter hook input priority 0; }\n" /* 7 */
				   "add rule ip t c tcp dport $ports accept\n"             /* 8 */
				   "insert rule t c ip saddr 1.1.1.1 drop\n"               /* 9 */
				   "add rule t c counter\n"                                /* 10 */
				   "chain ip t d\n"                                        /* 11 */
				   "rule t d \"jump\" c\n"                                 /* 12: nonsense, but a rule */
				   "add set t s { type ipv4_addr; elements = { 1.2.3.4,\n" /* 13 */
				   "  5.6.7.8 } }\n"                                       /* 14 */
				   "add element t s { 9.9.9.9 }\n"                         /* 15 */
				   "add rule ip t d goto c\n";                             /* 16 */
	const struct want_chain w[] = {{RS_FAMILY_IP, "t", "c", "dac", NULL}, {RS_FAMILY_IP, "t", "d", "cg", "c"}};
	struct topo_diag_list d = {0};
	const char *path;
	struct rs_ruleset *r;

	make_tmpdir();
	path = write_text("cmd.nft", text);
	r = build(path, w, 2);
	ck_assert_int_eq(rs_nft_text_annotate(path, r, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	const struct rs_chain *c = chain_of(r, RS_FAMILY_IP, "t", "c");
	ck_assert_uint_eq(c->line, 7);
	assert_rule(c, 0, 9, "ip saddr 1.1.1.1 drop");
	assert_rule(c, 1, 8, "tcp dport $ports accept");
	assert_rule(c, 2, 10, "counter");
	c = chain_of(r, RS_FAMILY_IP, "t", "d");
	assert_rule(c, 0, 12, "\"jump\" c");
	assert_rule(c, 1, 16, "goto c");
	rs_ruleset_free(r);
	topo_diag_list_clear(&d);
	remove_tmpdir();
}
END_TEST

START_TEST(test_annotate_mismatch)
{
	static const char text[] = "table inet f {\n"
				   "  chain a {\n"
				   "    accept\n"
				   "  }\n"
				   "  chain b {\n" /* 5 */
				   "    jump a\n"
				   "    drop\n"
				   "  }\n"
				   "  chain c {\n" /* 9 */
				   "    tcp dport 22 accept\n"
				   "  }\n"
				   "}\n"
				   "insert rule inet f a position 3 drop\n" /* 13 */;
	/* a: placed by position; b: kernel has one rule more; c: jumps where
	 * the text says accept */
	const struct want_chain w[] = {{RS_FAMILY_INET, "f", "a", "da", NULL},
				       {RS_FAMILY_INET, "f", "b", "jdd", "a"},
				       {RS_FAMILY_INET, "f", "c", "j", "a"}};
	struct topo_diag_list d = {0};
	const char *path;
	struct rs_ruleset *r;

	make_tmpdir();
	path = write_text("mismatch.nft", text);
	r = build(path, w, 3);
	ck_assert_int_eq(rs_nft_text_annotate(path, r, &d), 0);
	ck_assert_uint_eq(d.n_errors, 0);
	ck_assert_uint_eq(count_warnings(&d, NULL), 3);
	ck_assert_uint_eq(count_warnings(&d, "position"), 1);
	ck_assert_uint_eq(count_warnings(&d, "2 rules found in the file, 3 loaded"), 1);
	ck_assert_uint_eq(count_warnings(&d, "jump or goto"), 1);
	for (size_t i = 0; i < d.n; i++)
		ck_assert_uint_gt(d.items[i].line, 0);
	for (size_t i = 0; i < r->n_chains; i++)
		for (size_t j = 0; j < r->chains[i].n_rules; j++)
			assert_rule(&r->chains[i], j, 0, NULL);

	char buf[128];
	rs_rule_location(r, 1, 2, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "handle 5"));
	rs_ruleset_free(r);
	topo_diag_list_clear(&d);
	remove_tmpdir();
}
END_TEST

START_TEST(test_annotate_include)
{
	/* nft reads includes, in any block; the scan doesn't, so a chain that
	 * gets rules from one is left to handles, and says why */
	static const char text[] = "include \"vars.nft\"\n"
				   "table ip t {\n"
				   "  chain a {\n"
				   "    define x = 1\n"
				   "    include \"more-rules.nft\"\n"
				   "    accept\n"
				   "  }\n"
				   "  chain b {\n"
				   "    include \"nothing.nft\"\n"
				   "    drop\n" /* 10 */
				   "  }\n"
				   "}\n";
	const struct want_chain w[] = {{RS_FAMILY_IP, "t", "a", "da", NULL}, {RS_FAMILY_IP, "t", "b", "d", NULL}};
	struct topo_diag_list d = {0};
	const char *path;
	struct rs_ruleset *r;

	make_tmpdir();
	path = write_text("inc.nft", text);
	r = build(path, w, 2);
	ck_assert_int_eq(rs_nft_text_annotate(path, r, &d), 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(count_warnings(&d, "1 rules found in the file, 2 loaded (the file uses include"), 1);
	assert_rule(&r->chains[0], 0, 0, NULL);
	assert_rule(&r->chains[0], 1, 0, NULL);
	assert_rule(&r->chains[1], 0, 10, "drop");
	rs_ruleset_free(r);
	topo_diag_list_clear(&d);
	remove_tmpdir();
}
END_TEST

START_TEST(test_annotate_hostile)
{
	/* unbalanced braces, a lone quote, NULs, a missing file: warnings at
	 * most, never a crash */
	static const char text[] = "}}} table { chain \"\n\0\0{{ chain x { accept }\n\\";
	const struct want_chain w[] = {{RS_FAMILY_IP, "t", "c", "a", NULL}};
	struct topo_diag_list d = {0};
	char path[512];
	struct rs_ruleset *r;
	FILE *f;

	make_tmpdir();
	snprintf(path, sizeof(path), "%s/hostile.nft", tmpdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, sizeof(text) - 1, f), sizeof(text) - 1);
	fclose(f);
	r = build(path, w, 1);
	ck_assert_int_eq(rs_nft_text_annotate(path, r, &d), 0);
	ck_assert_uint_eq(count_warnings(&d, NULL), 1);
	assert_rule(&r->chains[0], 0, 0, NULL);
	topo_diag_list_clear(&d);

	snprintf(path, sizeof(path), "%s/missing.nft", tmpdir);
	ck_assert_int_eq(rs_nft_text_annotate(path, r, &d), -ENOENT);
	ck_assert_uint_eq(d.n_errors, 0);
	ck_assert_uint_eq(count_warnings(&d, "cannot read"), 1);
	rs_ruleset_free(r);
	topo_diag_list_clear(&d);
	remove_tmpdir();
}
END_TEST

/* ------------------------------------------------------------ the loader */

static int load(const char *path, const char *const *ifnames, size_t n, struct rs_ruleset **r,
		struct topo_diag_list *d)
{
	int err = rs_load_nft_text(path, ifnames, n, r, d);

	if (err < 0)
		ck_assert_msg(d->n_errors > 0, "%s: error %d without an error diag", path, err);
	for (size_t i = 0; i < d->n; i++) {
		char buf[512];
		topo_diag_format(&d->items[i], buf, sizeof(buf));
		printf("  %s\n", buf);
	}
	return err;
}

START_TEST(test_load_small)
{
	static const char text[] = "table inet fw {\n"
				   "  chain forward {\n"
				   "    type filter hook forward priority 0; policy drop;\n"
				   "    ct state established,related accept\n"       /* 4 */
				   "    ip saddr { 10.0.0.0/8, 192.168.0.0/16 } \\\n" /* 5 */
				   "      tcp dport 443 accept\n"
				   "    jump log_drop\n"                              /* 7 */
				   "  }\n"
				   "  chain log_drop { counter drop; }\n"             /* 9 */
				   "}\n";
	struct topo_diag_list d = {0};
	struct rs_ruleset *r = NULL;
	const char *path;

	make_tmpdir();
	path = write_text("small.nft", text);
	ck_assert_int_eq(load(path, NULL, 0, &r, &d), 0);
	ck_assert_uint_eq(d.n_errors, 0);
	ck_assert_uint_eq(r->n_tables, 1);
	ck_assert_str_eq(r->tables[0].name, "fw");
	ck_assert_int_eq(r->tables[0].family, RS_FAMILY_INET);
	ck_assert_int_eq(r->origin, RS_ORIGIN_NFT_TEXT);
	ck_assert_str_eq(r->source, path);
	const struct rs_chain *c = chain_of(r, RS_FAMILY_INET, "fw", "forward");
	ck_assert_int_eq(c->hook, RS_HOOK_FORWARD);
	ck_assert_int_eq(c->policy, RS_POLICY_DROP);
	ck_assert_uint_eq(c->n_rules, 3);
	assert_rule(c, 0, 4, "ct state established,related accept");
	assert_rule(c, 1, 5, "ip saddr { 10.0.0.0/8, 192.168.0.0/16 } tcp dport 443 accept");
	assert_rule(c, 2, 7, "jump log_drop");
	ck_assert_int_eq(c->rules[2].verdict.code, RS_V_JUMP);
	ck_assert_str_eq(r->chains[c->rules[2].verdict.chain].name, "log_drop");
	ck_assert_uint_gt(c->rules[0].handle, 0);
	c = chain_of(r, RS_FAMILY_INET, "fw", "log_drop");
	assert_rule(c, 0, 9, "counter drop");
	rs_ruleset_free(r);
	topo_diag_list_clear(&d);
	remove_tmpdir();
}
END_TEST

START_TEST(test_load_invalid)
{
	static const char text[] = "table ip t {\n"
				   "  chain c {\n"
				   "    ip saddr 10.0.0.1 acept\n"
				   "  }\n"
				   "}\n";
	struct topo_diag_list d = {0};
	struct rs_ruleset *r = NULL;
	const char *path;
	bool found = false;

	make_tmpdir();
	path = write_text("bad.nft", text);
	ck_assert_int_eq(load(path, NULL, 0, &r, &d), -EBADMSG);
	ck_assert_ptr_null(r);
	for (size_t i = 0; i < d.n; i++)
		if (d.items[i].severity == TOPO_SEV_ERROR && strcmp(d.items[i].source, path) == 0 &&
		    d.items[i].line == 3 && d.items[i].column > 4 && strstr(d.items[i].message, "syntax error"))
			found = true;
	ck_assert_msg(found, "no diag at %s:3:COLUMN", path);
	topo_diag_list_clear(&d);

	/* a file that isn't there is the caller's error, said plainly */
	ck_assert_int_eq(load("/nonexistent/x.nft", NULL, 0, &r, &d), -ENOENT);
	topo_diag_list_clear(&d);
	remove_tmpdir();
}
END_TEST

START_TEST(test_load_interfaces)
{
	static const char text[] = "table netdev t {\n"
				   "  chain c {\n"
				   "    type filter hook ingress device \"lan0\" priority 0;\n"
				   "  }\n"
				   "}\n"
				   "table inet f {\n"
				   "  chain c {\n"
				   "    iif \"eth0\" accept\n"
				   "    oif \"wan_1\" drop\n"
				   "  }\n"
				   "}\n";
	const char *const ifnames[] = {"eth0", "wan_1", "lan0"};
	const char *const bad_names[] = {"this-name-is-far-too-long", "eth0", "lo", "wan_1", "eth0", "lan0", "a/b"};
	struct topo_diag_list d = {0};
	struct rs_ruleset *r = NULL;
	const char *path;

	make_tmpdir();
	path = write_text("iif.nft", text);
	ck_assert_int_lt(load(path, NULL, 0, &r, &d), 0);
	topo_diag_list_clear(&d);

	ck_assert_int_eq(load(path, ifnames, 3, &r, &d), 0);
	const struct rs_chain *c = chain_of(r, RS_FAMILY_INET, "f", "c");
	ck_assert_uint_eq(c->n_rules, 2);
	assert_rule(c, 0, 8, "iif \"eth0\" accept");
	assert_rule(c, 1, 9, "oif \"wan_1\" drop");
	rs_ruleset_free(r);
	topo_diag_list_clear(&d);

	/* when nft fails, the interfaces that could not be made are named */
	const char *const slash[] = {"a/b"};
	ck_assert_int_eq(load(path, slash, 1, &r, &d), -EBADMSG);
	ck_assert_uint_eq(count_warnings(&d, "could not be made in the private namespace (a/b:"), 1);
	topo_diag_list_clear(&d);

	/* a name the kernel refuses is skipped, the others still made */
	ck_assert_int_eq(load(path, bad_names, 7, &r, &d), 0);
	rs_ruleset_free(r);
	topo_diag_list_clear(&d);
	remove_tmpdir();
}
END_TEST

START_TEST(test_load_no_nft)
{
	struct topo_diag_list d = {0};
	struct rs_ruleset *r = NULL;
	const char *path;

	make_tmpdir();
	path = write_text("ok.nft", "table ip t { chain c { accept; }; }\n");
	setenv("SANSO_NFT", "/nonexistent/sbin/nft", 1);
	ck_assert_int_eq(load(path, NULL, 0, &r, &d), -EPERM);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_ptr_nonnull(strstr(d.items[0].message, "install nftables (nft) to read text rulesets"));
	ck_assert_ptr_nonnull(strstr(d.items[0].message, "nft -j list ruleset"));
	topo_diag_list_clear(&d);

	/* looked up in $PATH when it is a bare name */
	setenv("SANSO_NFT", "no-such-nft-here", 1);
	ck_assert_int_eq(load(path, NULL, 0, &r, &d), -EPERM);
	ck_assert_ptr_nonnull(strstr(d.items[0].message, "install nftables (nft)"));
	topo_diag_list_clear(&d);

	/* nft that dies: a crash is an error diag, not a ruleset */
	setenv("SANSO_NFT", "/bin/false", 1);
	ck_assert_int_eq(load(path, NULL, 0, &r, &d), -EBADMSG);
	ck_assert_ptr_null(r);
	unsetenv("SANSO_NFT");
	topo_diag_list_clear(&d);
	remove_tmpdir();
}
END_TEST

static unsigned count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* A stand-in for nft: a shell script. */
static void fake_nft(const char *name, const char *script)
{
	const char *path = write_text(name, script);

	ck_assert_int_eq(chmod(path, 0755), 0);
	setenv("SANSO_NFT", path, 1);
}

START_TEST(test_load_fake_nft)
{
	struct topo_diag_list d = {0};
	struct rs_ruleset *r = NULL;
	char path[512];
	unsigned fds = count_fds();
	bool crash = false;

	make_tmpdir();
	snprintf(path, sizeof(path), "%s", write_text("x.nft", "table ip t { }\n"));

	/* an nft that crashes */
	fake_nft("crash", "#!/bin/sh\necho 'BUG: something' >&2\nkill -SEGV $$\n");
	ck_assert_int_eq(load(path, NULL, 0, &r, &d), -EBADMSG);
	ck_assert_ptr_null(r);
	for (size_t i = 0; i < d.n; i++)
		crash = crash || (d.items[i].severity == TOPO_SEV_ERROR && strstr(d.items[i].message, "nft crashed"));
	ck_assert(crash);
	topo_diag_list_clear(&d);

	/* an nft that floods its stderr: read to the end, kept bounded */
	fake_nft("flood", "#!/bin/sh\ni=0\nwhile [ $i -lt 20000 ]; do\n"
			  "  echo \"x.nft:1:1-2: Error: flood $i\"; echo 'table ip t { }'; echo '^^'; i=$((i+1))\n"
			  "done >&2\nexit 1\n");
	ck_assert_int_eq(rs_load_nft_text(path, NULL, 0, &r, &d), -EBADMSG);
	ck_assert_uint_le(d.n, 25);
	ck_assert_str_eq(d.items[0].source, path);
	ck_assert_uint_eq(d.items[0].line, 1);
	ck_assert_str_eq(d.items[0].message, "nft: Error: flood 0");
	topo_diag_list_clear(&d);

	/* an nft that succeeds with a warning: an empty ruleset, the warning kept */
	fake_nft("warn", "#!/bin/sh\necho 'x.nft:1:1-5: Warning: table ip t is managed by iptables-nft' >&2\n"
			 "echo 'table ip t { }' >&2\necho '^^^^^' >&2\n");
	ck_assert_int_eq(load(path, NULL, 0, &r, &d), 0);
	ck_assert_uint_eq(r->n_tables, 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.items[0].severity, TOPO_SEV_WARNING);
	ck_assert_uint_eq(d.items[0].line, 1);
	rs_ruleset_free(r);
	topo_diag_list_clear(&d);
	unsetenv("SANSO_NFT");
	remove_tmpdir();

	/* no descriptor left open, no child left unreaped */
	ck_assert_uint_eq(count_fds(), fds);
	errno = 0;
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

/* ------------------------------------------------------------ the corpus */

static bool has_located_diag(const struct topo_diag_list *d, unsigned line, unsigned col, const char *msg)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->items[i].severity == TOPO_SEV_ERROR && d->items[i].line == line && d->items[i].column == col &&
		    strstr(d->items[i].message, msg))
			return true;
	return false;
}

START_TEST(test_corpus)
{
	char tsv[1024], line[8192];
	size_t files = 0, loaded = 0, refused = 0, located = 0, rules = 0, annotated = 0, full = 0;
	FILE *f;

	snprintf(tsv, sizeof(tsv), "%s/nft/EXPECTED.tsv", corpus_dir);
	f = fopen(tsv, "r");
	ck_assert_msg(f != NULL, "%s: %s", tsv, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *col[6] = {0}, *p = line, path[1024];
		size_t n = 0;

		line[strcspn(line, "\n")] = 0;
		for (char *tok; n < 6 && (tok = strsep(&p, "\t"));)
			col[n++] = tok;
		if (n < 4 || strcmp(col[1], "text") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", corpus_dir, col[0]);

		struct topo_diag_list d = {0};
		struct rs_ruleset *r = NULL;
		int err = rs_load_nft_text(path, NULL, 0, &r, &d);
		files++;
		if (strcmp(col[2], "ok") == 0) {
			char first[512] = "";
			if (d.n)
				topo_diag_format(&d.items[0], first, sizeof(first));
			ck_assert_msg(err == 0, "%s: nft 1.0.6 loads it, we got %d: %s", col[0], err, first);
			size_t a = 0, t = 0;
			for (size_t c = 0; c < r->n_chains; c++)
				for (size_t i = 0; i < r->chains[c].n_rules; i++, t++)
					a += r->chains[c].rules[i].line > 0;
			if (a < t)
				printf("%s: %zu of %zu rules located (%zu warnings)\n", col[0], a, t,
				       count_warnings(&d, NULL));
			full += a == t;
			rules += t;
			annotated += a;
			loaded++;
		} else {
			ck_assert_msg(err < 0, "%s: nft 1.0.6 refuses it (%s), we loaded it", col[0], col[5]);
			ck_assert_ptr_null(r);
			ck_assert_uint_gt(d.n_errors, 0);
			/* "NAME:L:C-C: Error: MSG": ours must say the same at the same place */
			unsigned l, c;
			int off = 0;
			const char *e = n > 5 ? col[5] : "", *colon = strchr(e, ':');
			if (colon && strncmp(e, "internal:", 9) != 0 && sscanf(colon, ":%u:%u-%*u: Error: %n", &l, &c, &off) == 2 &&
			    off > 0) {
				char msg[40];
				snprintf(msg, sizeof(msg), "%s", colon + off);
				ck_assert_msg(has_located_diag(&d, l, c, msg), "%s: no diag at line %u column %u: %s",
					      col[0], l, c, msg);
				located++;
			} else if (strstr(e, "killed by signal")) {
				bool crash = false;
				for (size_t i = 0; i < d.n; i++)
					crash = crash || strstr(d.items[i].message, "nft crashed");
				ck_assert_msg(crash, "%s: a crash not reported as one", col[0]);
			}
			refused++;
		}
		rs_ruleset_free(r);
		topo_diag_list_clear(&d);
	}
	fclose(f);
	printf("corpus nft text: %zu files, %zu loaded as nft 1.0.6 does, %zu refused as it does (%zu with the same "
	       "file:line:column); %zu of %zu rules located (%.1f%%), %zu files fully\n",
	       files, loaded, refused, located, annotated, rules, rules ? 100.0 * (double)annotated / (double)rules : 0,
	       full);
	ck_assert_uint_gt(files, 400);
	ck_assert_uint_ge(annotated * 10, rules * 9);
}
END_TEST

/* Can this process load a ruleset at all?  NULL when it can, else why not.
 * (Outside any test: no ck_assert here.) */
static const char *loader_unavailable(void)
{
	static char why[1024];
	struct topo_diag_list d = {0};
	struct rs_ruleset *r = NULL;
	char path[] = "/tmp/rs-nft-text-probe-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, "table ip probe { }\n", 19) != 19) {
		snprintf(why, sizeof(why), "cannot write %s: %s", path, strerror(errno));
		return why;
	}
	close(fd);
	chmod(path, 0644);
	int err = rs_load_nft_text(path, NULL, 0, &r, &d);
	unlink(path);
	rs_ruleset_free(r);
	if (err != -EPERM) {
		topo_diag_list_clear(&d);
		return NULL;
	}
	snprintf(why, sizeof(why), "%s", d.n ? d.items[0].message : "?");
	topo_diag_list_clear(&d);
	return why;
}

int main(int argc, char **argv)
{
	Suite *s = suite_create("rulesets-nft-text");
	TCase *tc = tcase_create("annotate");
	const char *no_loader;
	struct stat st;
	SRunner *sr;
	int failed;

	corpus_dir = argc > 1 ? argv[1] : NULL;
	tcase_add_test(tc, test_annotate_nested);
	tcase_add_test(tc, test_annotate_continuation);
	tcase_add_test(tc, test_annotate_commands);
	tcase_add_test(tc, test_annotate_mismatch);
	tcase_add_test(tc, test_annotate_include);
	tcase_add_test(tc, test_annotate_hostile);
	suite_add_tcase(s, tc);

	no_loader = loader_unavailable();
	if (no_loader) {
		printf("SKIP loader tests: %s\n", no_loader);
	} else {
		tc = tcase_create("load");
		tcase_add_test(tc, test_load_small);
		tcase_add_test(tc, test_load_invalid);
		tcase_add_test(tc, test_load_interfaces);
		tcase_add_test(tc, test_load_no_nft);
		tcase_add_test(tc, test_load_fake_nft);
		suite_add_tcase(s, tc);
		if (corpus_dir && stat(corpus_dir, &st) == 0 && S_ISDIR(st.st_mode)) {
			tc = tcase_create("corpus");
			tcase_set_timeout(tc, 300);
			tcase_add_test(tc, test_corpus);
			suite_add_tcase(s, tc);
		} else {
			printf("SKIP corpus: directory %s not found (pass it as the argument)\n",
			       corpus_dir ? corpus_dir : "(none given)");
		}
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (failed)
		return 1;
	return no_loader ? 77 : 0;
}
