/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the two files of the iptables-save reader: iptables.c walks the
 * file (tables, chains, lines, each rule's options in turn) and
 * iptables-opts.c parses the options: the generic ones (-s, -d, -i, -o,
 * -p, -m, -j), the match modules' and the targets'.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rulesets-internal.h"
#include "rulesets.h"

/*
 * Limits against hostile input.  A real rule is a few hundred bytes
 * (iptables-restore itself reads lines into a fixed buffer), and the
 * biggest real dump we know (TUM, corpus) has ~5,000 rules in ~100 chains.
 * A rule costs ~2 KiB in the IR (rs_match_add() allocates 8 matches at
 * once) and chain lookups are linear, so rules and chains are capped to
 * keep memory and time bounded: 100,000 rules ≈ 200 MiB.
 */
#define MAX_FILE (64u << 20)
#define MAX_LINE 16384
#define MAX_TOKENS 1024
#define MAX_RULES 100000
#define MAX_CHAINS 20000
#define MAX_NEEDS 8

struct tok {
	const char *s; /* unquoted text */
	unsigned col;  /* 1-based column of its first character */
	bool quoted;
};

struct pos {
	unsigned line, col;
};

struct parser {
	const char *path;
	struct topo_diag_list *diags;
	struct rs_ruleset *r;
	unsigned line;
	/* family evidence (see the top of the file) */
	enum rs_family hdr_family; /* 0: no header seen */
	unsigned hdr_line;
	struct pos first_v4, first_v6;
	bool v6_hint;
	/* the table being read */
	bool in_table;
	uint32_t table;
	unsigned table_line;
	unsigned seen_tables[5]; /* line of each known table, 0 if not seen */
	size_t n_rules;
	/* the current line's tokens; their text lives in buf */
	struct tok toks[MAX_TOKENS];
	size_t n_toks;
	char buf[2 * MAX_LINE + 2];
	char text[MAX_LINE + 1];
};

enum gen { G_SRC, G_DST, G_IN, G_OUT, G_PROTO, G_FRAG, G_IPV4, G_IPV6, G_MATCH, G_JUMP, G_GOTO, G_COUNTERS };

/* What a rule needs from its -p, checked once all options are read
 * (the kernel refuses `-m tcp` without `-p tcp`). */
struct need {
	uint8_t proto; /* 0: any protocol with ports */
	unsigned col;
	const char *what;
};

struct rule_ctx {
	struct parser *p;
	struct rs_rule *rule;
	uint32_t chain;
	const struct tok *t;
	size_t i, n;
	int proto; /* -1: no -p */
	bool proto_neg;
	unsigned loaded; /* bit per enum mod */
	const char *mod; /* the last -m, for naming unknown options */
	bool has_target;
	struct need needs[MAX_NEEDS];
	size_t n_needs;
};

/* ------------------------------------------------------------ iptables.c */

/* An error at column col of the current line: -EBADMSG. */
int rs_ipt_fail(struct parser *p, unsigned col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* the chain `name` of table t, or -1 (never creates one) */
long rs_ipt_chain_find(const struct rs_ruleset *r, uint32_t t, const char *name);
bool rs_ipt_is_bang(const struct tok *t); /* an unquoted "!" */
/* "-x" or "--xyz" (not "-", not quoted, not a negative number but -4 and -6) */
bool rs_ipt_is_option(const struct tok *t);

/* ------------------------------------------------------- iptables-opts.c */

/* The generic option s names (enum gen), or -1. */
int rs_ipt_generic_find(const char *s);
/* A decimal number up to max. */
bool rs_ipt_parse_uint(const char *s, unsigned long max, unsigned long *ret);
/* Generic option o (neg: after a '!' at bang_col) and its arguments from
 * c->i on: 0, or a negative errno. */
int rs_ipt_generic_option(struct rule_ctx *c, enum gen g, const struct tok *o, bool neg, unsigned bang_col);
/* Any other option, the same way: one of a match module loaded (or implied
 * by -p), else one we don't model, kept whole in an unknown match. */
int rs_ipt_module_option(struct rule_ctx *c, const struct tok *o, bool neg, unsigned bang_col);
/* Once the rule is read: each -m that needs a -p has it.  0 or -EBADMSG. */
int rs_ipt_check_needs(struct rule_ctx *c);
