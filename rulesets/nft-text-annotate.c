/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rules of an nft text file located in its text (rs_nft_text_annotate,
 * see nft-text.c for the loading): a structural scan of the file, not a
 * grammar, tells which statements are rules of which chain; each rule read
 * back from the kernel gets the line and text of its statement when the
 * two agree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rulesets-internal.h"

/* ------------------------------------------------------- locating the rules */

/*
 * Not a grammar: a scan of the file's structure, enough to know which
 * statements are rules of which chain.  Tokens are words, "strings",
 * braces and statement ends (newline, ';'); '#' comments and backslash
 * line continuations vanish.  Braces open a block only after a header
 * (`table [FAMILY] NAME`, `chain NAME` in a table, `add chain …`); every
 * other brace (anonymous sets, set and map declarations, flowtables,
 * counters, `define`) only nests, and newlines inside it don't end the
 * statement.
 */

enum tok_kind {
	TOK_EOF,
	TOK_WORD,
	TOK_STRING,
	TOK_LBRACE,
	TOK_RBRACE,
	TOK_END,
};

struct tok {
	enum tok_kind kind;
	size_t start, end; /* the word, or the string inside its quotes */
	size_t raw_end;    /* past the closing quote */
	unsigned line;
};

struct lexer {
	const char *buf;
	size_t len, pos;
	unsigned line;
};

static bool lex_continuation(const struct lexer *lx, size_t pos)
{
	const char *b = lx->buf;

	return b[pos] == '\\' && ((pos + 1 < lx->len && b[pos + 1] == '\n') ||
				  (pos + 2 < lx->len && b[pos + 1] == '\r' && b[pos + 2] == '\n'));
}

static bool lex_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == 0;
}

static struct tok lex(struct lexer *lx)
{
	const char *b = lx->buf;
	struct tok t = {TOK_EOF, 0, 0, 0, 0};

	for (;;) {
		if (lx->pos >= lx->len) {
			t.start = t.end = t.raw_end = lx->len;
			t.line = lx->line;
			return t;
		}
		if (lex_space(b[lx->pos])) {
			lx->pos++;
		} else if (lex_continuation(lx, lx->pos)) {
			lx->pos += b[lx->pos + 1] == '\n' ? 2 : 3;
			lx->line++;
		} else if (b[lx->pos] == '#') {
			while (lx->pos < lx->len && b[lx->pos] != '\n')
				lx->pos++;
		} else {
			break;
		}
	}
	t.start = lx->pos;
	t.line = lx->line;
	switch (b[lx->pos]) {
	case '\n':
		lx->line++;
		/* fall through */
	case ';':
		t.kind = TOK_END;
		lx->pos++;
		break;
	case '{':
		t.kind = TOK_LBRACE;
		lx->pos++;
		break;
	case '}':
		t.kind = TOK_RBRACE;
		lx->pos++;
		break;
	case '"':
		t.kind = TOK_STRING;
		t.start = ++lx->pos;
		while (lx->pos < lx->len && b[lx->pos] != '"')
			lx->line += b[lx->pos++] == '\n';
		t.end = lx->pos;
		lx->pos += lx->pos < lx->len;
		t.raw_end = lx->pos;
		return t;
	default:
		t.kind = TOK_WORD;
		while (lx->pos < lx->len && !lex_space(b[lx->pos]) && !strchr("\n;{}#\"", b[lx->pos]) &&
		       !lex_continuation(lx, lx->pos))
			lx->pos++;
		break;
	}
	t.end = t.raw_end = lx->pos;
	return t;
}

/* What the file says about one chain. */
struct text_rule {
	unsigned line;
	size_t start, end; /* the rule's bytes */
};

struct text_chain {
	enum rs_family family;
	size_t table, table_len, name, name_len; /* slices of the file */
	unsigned line;
	struct text_rule *rules;
	size_t n_rules, cap_rules;
	const char *unordered; /* why the file doesn't say the rules' order, or NULL */
};

#define STMT_WORDS 8

/* One statement: its first words (enough for every header and command we
 * look at) and its extent. */
struct stmt {
	struct tok w[STMT_WORDS];
	size_t n_words; /* may exceed STMT_WORDS */
	size_t start, end;
	unsigned line;
	bool opens_block;
};

enum ctx {
	CTX_TOP,
	CTX_TABLE,
	CTX_CHAIN,
};

struct scan {
	struct lexer lx;
	struct tok peek;
	bool peeked;
	struct text_chain *chains;
	size_t n_chains, cap_chains;
	bool saw_include;
};

static struct tok scan_next(struct scan *sc)
{
	if (sc->peeked) {
		sc->peeked = false;
		return sc->peek;
	}
	return lex(&sc->lx);
}

static bool word_is_at(const char *buf, const struct tok *t, const char *s)
{
	size_t n = strlen(s);

	return t->kind == TOK_WORD && t->end - t->start == n && memcmp(buf + t->start, s, n) == 0;
}

static bool word_is(const struct scan *sc, const struct tok *t, const char *s)
{
	return word_is_at(sc->lx.buf, t, s);
}

static bool stmt_word_is(const struct scan *sc, const struct stmt *st, size_t i, const char *s)
{
	return i < st->n_words && i < STMT_WORDS && word_is(sc, &st->w[i], s);
}

static bool family_parse(const struct scan *sc, const struct tok *t, enum rs_family *ret)
{
	static const struct {
		const char *name;
		enum rs_family family;
	} fams[] = {{"ip", RS_FAMILY_IP},       {"ip6", RS_FAMILY_IP6},       {"inet", RS_FAMILY_INET},
		    {"arp", RS_FAMILY_ARP},     {"bridge", RS_FAMILY_BRIDGE}, {"netdev", RS_FAMILY_NETDEV}};

	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++)
		if (word_is(sc, t, fams[i].name)) {
			*ret = fams[i].family;
			return true;
		}
	return false;
}

/* "[FAMILY] TABLE [CHAIN]" from word i on: the family defaults to ip, as
 * in nft.  Returns the index past what it read, or 0 when words are
 * missing. */
static size_t spec_parse(const struct scan *sc, const struct stmt *st, size_t i, bool chain, enum rs_family *fam,
			 const struct tok **table, const struct tok **name)
{
	size_t n = st->n_words < STMT_WORDS ? st->n_words : STMT_WORDS;

	*fam = RS_FAMILY_IP;
	if (i < n && family_parse(sc, &st->w[i], fam))
		i++;
	if (i + (chain ? 2 : 1) > n)
		return 0;
	*table = &st->w[i++];
	if (chain)
		*name = &st->w[i++];
	return i;
}

/* Words i… are exactly "[FAMILY] NAME…" with n names. */
static bool spec_exact(const struct scan *sc, const struct stmt *st, size_t i, size_t n)
{
	enum rs_family fam;

	return st->n_words == i + n || (st->n_words == i + n + 1 && family_parse(sc, &st->w[i], &fam));
}

/* The verb of a top-level command, and where its object word is: a bare
 * `table …` or `chain …` is an implicit add. */
static size_t command_object(const struct scan *sc, const struct stmt *st, const char **verb)
{
	static const char *const verbs[] = {"add", "create", "insert", "replace", "delete", "destroy", "flush"};

	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (stmt_word_is(sc, st, 0, verbs[i])) {
			*verb = verbs[i];
			return 1;
		}
	*verb = "add";
	return 0;
}

static bool is_header(const struct scan *sc, enum ctx ctx, const struct stmt *st)
{
	const char *verb;
	size_t o;

	switch (ctx) {
	case CTX_TOP:
		o = command_object(sc, st, &verb);
		if (strcmp(verb, "add") != 0 && strcmp(verb, "create") != 0)
			return false;
		if (stmt_word_is(sc, st, o, "table"))
			return spec_exact(sc, st, o + 1, 1);
		if (stmt_word_is(sc, st, o, "chain"))
			return spec_exact(sc, st, o + 1, 2);
		return false;
	case CTX_TABLE:
		return st->n_words == 2 && stmt_word_is(sc, st, 0, "chain");
	case CTX_CHAIN:
		break;
	}
	return false;
}

/* Reads one statement, or returns false at a closing brace (consumed, in
 * *closes) or the end of the file. */
static bool stmt_read(struct scan *sc, enum ctx ctx, struct stmt *st, bool *closes)
{
	unsigned depth = 0;
	struct tok t;

	memset(st, 0, sizeof(*st));
	*closes = false;
	do
		t = scan_next(sc);
	while (t.kind == TOK_END);
	if (t.kind == TOK_EOF)
		return false;
	if (t.kind == TOK_RBRACE) {
		*closes = true;
		return false;
	}
	st->start = t.start - (t.kind == TOK_STRING);
	st->line = t.line;
	for (;; t = scan_next(sc)) {
		switch (t.kind) {
		case TOK_EOF:
			return true;
		case TOK_END:
			if (depth == 0)
				return true;
			continue;
		case TOK_WORD:
		case TOK_STRING:
			if (depth == 0 && st->n_words < STMT_WORDS)
				st->w[st->n_words] = t;
			st->n_words += depth == 0;
			break;
		case TOK_LBRACE:
			if (depth == 0 && is_header(sc, ctx, st)) {
				st->opens_block = true;
				return true;
			}
			depth++;
			break;
		case TOK_RBRACE:
			if (depth == 0) {
				/* `chain c { accept }`: the brace ends this statement and the block */
				sc->peek = t;
				sc->peeked = true;
				return true;
			}
			depth--;
			break;
		}
		st->end = t.raw_end;
	}
}

static bool slice_eq(const char *buf, size_t start, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(buf + start, s, len) == 0;
}

/* Finds a chain or adds it; a definition (defines) gives it its line.
 * NULL when out of memory. */
static struct text_chain *chain_get(struct scan *sc, enum rs_family fam, const struct tok *table,
				    const struct tok *name, bool defines)
{
	const char *b = sc->lx.buf;
	struct text_chain *c = NULL;

	for (size_t i = 0; i < sc->n_chains && !c; i++) {
		struct text_chain *x = &sc->chains[i];
		if (x->family == fam && x->table_len == table->end - table->start &&
		    memcmp(b + x->table, b + table->start, x->table_len) == 0 && x->name_len == name->end - name->start &&
		    memcmp(b + x->name, b + name->start, x->name_len) == 0)
			c = x;
	}
	if (!c) {
		if (sc->n_chains == sc->cap_chains) {
			size_t cap = sc->cap_chains ? sc->cap_chains * 2 : 16;
			struct text_chain *p = realloc(sc->chains, cap * sizeof(*p));
			if (!p)
				return NULL;
			sc->chains = p;
			sc->cap_chains = cap;
		}
		c = &sc->chains[sc->n_chains++];
		*c = (struct text_chain){.family = fam,
					 .table = table->start,
					 .table_len = table->end - table->start,
					 .name = name->start,
					 .name_len = name->end - name->start};
	}
	if (defines && !c->line)
		c->line = name->line;
	return c;
}

/* Appends (or with prepend, inserts first) a rule; -ENOMEM. */
static int chain_rule_add(struct text_chain *c, unsigned line, size_t start, size_t end, bool prepend)
{
	if (c->n_rules == c->cap_rules) {
		size_t cap = c->cap_rules ? c->cap_rules * 2 : 16;
		struct text_rule *p = realloc(c->rules, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		c->rules = p;
		c->cap_rules = cap;
	}
	if (prepend)
		memmove(c->rules + 1, c->rules, c->n_rules * sizeof(*c->rules));
	c->rules[prepend ? 0 : c->n_rules] = (struct text_rule){line, start, end};
	c->n_rules++;
	return 0;
}

/* Forgets the rules of every chain of a table (name NULL) or of one chain
 * (flush, delete): what comes after starts afresh. */
static void chains_clear(struct scan *sc, enum rs_family fam, const struct tok *table, const struct tok *name,
			 const char *unordered)
{
	const char *b = sc->lx.buf;

	for (size_t i = 0; i < sc->n_chains; i++) {
		struct text_chain *c = &sc->chains[i];
		if (table && (c->family != fam || c->table_len != table->end - table->start ||
			      memcmp(b + c->table, b + table->start, c->table_len) != 0))
			continue;
		if (name && (c->name_len != name->end - name->start ||
			     memcmp(b + c->name, b + name->start, c->name_len) != 0))
			continue;
		c->n_rules = 0;
		c->unordered = unordered;
	}
}

static bool is_chain_property(const struct scan *sc, const struct stmt *st)
{
	/* define may appear in any block, as include does */
	static const char *const props[] = {"type", "policy", "comment",  "devices",  "device",
					    "flags", "define", "redefine", "undefine"};

	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		if (stmt_word_is(sc, st, 0, props[i]))
			return true;
	return false;
}

/* A top-level command that touches rules: `add|insert rule`, `replace` or
 * `delete rule`, `flush`, `delete table|chain`. */
static int command_run(struct scan *sc, const struct stmt *st)
{
	const struct tok *table = NULL, *name = NULL;
	enum rs_family fam;
	const char *verb;
	size_t o = command_object(sc, st, &verb), i;
	bool add = strcmp(verb, "add") == 0, insert = strcmp(verb, "insert") == 0;
	bool del = strcmp(verb, "delete") == 0 || strcmp(verb, "destroy") == 0;

	if (stmt_word_is(sc, st, o, "ruleset") && strcmp(verb, "flush") == 0) {
		chains_clear(sc, 0, NULL, NULL, NULL);
		return 0;
	}
	if (stmt_word_is(sc, st, o, "table") && (del || strcmp(verb, "flush") == 0)) {
		if (spec_parse(sc, st, o + 1, false, &fam, &table, &name))
			chains_clear(sc, fam, table, NULL, NULL);
		return 0;
	}
	if (stmt_word_is(sc, st, o, "chain") && (add || strcmp(verb, "create") == 0)) {
		if (spec_parse(sc, st, o + 1, true, &fam, &table, &name) && !chain_get(sc, fam, table, name, true))
			return -ENOMEM;
		return 0;
	}
	if (stmt_word_is(sc, st, o, "chain") && (del || strcmp(verb, "flush") == 0)) {
		i = spec_parse(sc, st, o + 1, true, &fam, &table, &name);
		if (i && word_is(sc, name, "handle")) /* which one? */
			chains_clear(sc, fam, table, NULL, "a chain is deleted by handle");
		else if (i)
			chains_clear(sc, fam, table, name, NULL);
		return 0;
	}
	if (!stmt_word_is(sc, st, o, "rule"))
		return 0;
	i = spec_parse(sc, st, o + 1, true, &fam, &table, &name);
	if (!i)
		return 0;
	struct text_chain *c = chain_get(sc, fam, table, name, false);
	if (!c)
		return -ENOMEM;
	if (!add && !insert) {
		c->unordered = del ? "a rule is deleted by handle" : "a rule is replaced";
		return 0;
	}
	if (stmt_word_is(sc, st, i, "position") || stmt_word_is(sc, st, i, "handle") ||
	    stmt_word_is(sc, st, i, "index")) {
		c->unordered = "a rule is placed by position, handle or index";
		return 0;
	}
	if (i >= st->n_words || i >= STMT_WORDS)
		return 0;
	return chain_rule_add(c, st->line, st->w[i].start - (st->w[i].kind == TOK_STRING), st->end, insert);
}

/* The whole file: tables, chains, their rules in kernel order. */
static int scan_file(struct scan *sc)
{
	enum ctx ctx[3] = {CTX_TOP};
	struct text_chain *c;
	size_t chain = 0; /* the open chain block (an index: chain_get() may move them) */
	enum rs_family table_fam = RS_FAMILY_IP; /* the open table block */
	struct tok table = {TOK_EOF, 0, 0, 0, 0};
	size_t depth = 0;
	struct stmt st;
	bool closes;
	int err;

	for (;;) {
		if (!stmt_read(sc, ctx[depth], &st, &closes)) {
			if (!closes)
				return 0;
			if (depth > 0)
				depth--; /* a stray '}' at the top is nft's problem */
			continue;
		}
		const struct tok *tname = NULL, *cname = NULL;
		enum rs_family fam;
		const char *verb;
		size_t o;
		if (stmt_word_is(sc, &st, 0, "include")) {
			/* nft reads it, in any block; we don't */
			sc->saw_include = true;
			continue;
		}
		switch (ctx[depth]) {
		case CTX_TOP:
			if (!st.opens_block) {
				if ((err = command_run(sc, &st)) < 0)
					return err;
				break;
			}
			o = command_object(sc, &st, &verb);
			if (stmt_word_is(sc, &st, o, "table")) {
				spec_parse(sc, &st, o + 1, false, &table_fam, &tname, &cname);
				table = *tname;
				ctx[++depth] = CTX_TABLE;
			} else {
				spec_parse(sc, &st, o + 1, true, &fam, &tname, &cname);
				if (!(c = chain_get(sc, fam, tname, cname, true)))
					return -ENOMEM;
				chain = (size_t)(c - sc->chains);
				ctx[++depth] = CTX_CHAIN;
			}
			break;
		case CTX_TABLE:
			if (st.opens_block) {
				if (!(c = chain_get(sc, table_fam, &table, &st.w[1], true)))
					return -ENOMEM;
				chain = (size_t)(c - sc->chains);
				ctx[++depth] = CTX_CHAIN;
			}
			break;
		case CTX_CHAIN:
			if (st.n_words > 0 && !is_chain_property(sc, &st) &&
			    chain_rule_add(&sc->chains[chain], st.line, st.start, st.end, false) < 0)
				return -ENOMEM;
			break;
		}
	}
}

/* The rule's text: comments and continuations dropped, whitespace runs
 * made one space, strings kept as written. */
static char *rule_text(const char *buf, size_t start, size_t end)
{
	char *s = malloc(end - start + 1), *p = s;

	if (!s)
		return NULL;
	for (size_t i = start; i < end; i++) {
		char c = buf[i];
		if (c == '"') {
			size_t j = i + 1;
			while (j < end && buf[j] != '"')
				j++;
			j += j < end;
			memcpy(p, buf + i, j - i);
			p += j - i;
			i = j - 1;
			continue;
		}
		if (c == '#') {
			while (i + 1 < end && buf[i + 1] != '\n')
				i++;
			continue;
		}
		if (c == '\\' && i + 1 < end && (buf[i + 1] == '\n' || buf[i + 1] == '\r'))
			c = ' ';
		if (lex_space(c) || c == '\n') {
			if (p > s && p[-1] != ' ')
				*p++ = ' ';
			continue;
		}
		*p++ = c;
	}
	while (p > s && p[-1] == ' ')
		p--;
	*p = 0;
	rs_nft_text_sanitize(s);
	return s;
}

/* Does the text agree with the loaded rule's verdict?  Cheap and one-sided:
 * a jump or goto must name the chain it goes to, and a rule that doesn't
 * jump must not say jump or goto (outside braces: a verdict map's).  For
 * `jump { … }`, an anonymous chain nft names __chainN, *ret_bound gets the
 * bytes between the braces. */
static bool verdict_agrees(const char *buf, const struct text_rule *tr, const struct rs_ruleset *r,
			   const struct rs_rule *rule, struct text_rule *ret_bound)
{
	struct lexer lx = {.buf = buf, .len = tr->end, .pos = tr->start, .line = tr->line};
	struct tok prev = {TOK_EOF, 0, 0, 0, 0}, t;
	unsigned depth = 0;
	bool jumps = rule->verdict.code == RS_V_JUMP || rule->verdict.code == RS_V_GOTO;
	const char *target = jumps && rule->verdict.chain < r->n_chains ? r->chains[rule->verdict.chain].name : NULL;

	if (rule->has_vmap || rule->verdict.code == RS_V_UNKNOWN)
		return true;
	for (; (t = lex(&lx)).kind != TOK_EOF; prev = t) {
		bool verb = depth == 0 && (word_is_at(buf, &prev, "jump") || word_is_at(buf, &prev, "goto"));
		depth += t.kind == TOK_LBRACE;
		depth -= t.kind == TOK_RBRACE && depth > 0;
		if (!verb || t.kind == TOK_END)
			continue;
		if (!target)
			return false;
		if (t.kind == TOK_LBRACE && strncmp(target, "__chain", 7) == 0) {
			*ret_bound = (struct text_rule){t.line, t.end, t.end};
			for (unsigned d = 1; d > 0 && (t = lex(&lx)).kind != TOK_EOF;) {
				d += t.kind == TOK_LBRACE;
				d -= t.kind == TOK_RBRACE;
				ret_bound->end = d ? t.raw_end : t.start;
			}
			return true;
		}
		if (buf[t.start] == '$' || slice_eq(buf, t.start, t.end - t.start, target))
			return true;
	}
	return !jumps;
}

/* The statements between the braces of `jump { … }`: the anonymous chain's
 * rules. */
static int bound_rules(const char *buf, const struct text_rule *bound, struct text_chain *ret)
{
	struct lexer lx = {.buf = buf, .len = bound->end, .pos = bound->start, .line = bound->line};
	struct text_rule cur = {0, 0, 0};
	unsigned depth = 0;
	struct tok t;

	do {
		t = lex(&lx);
		if (t.kind == TOK_EOF || (t.kind == TOK_END && depth == 0)) {
			if (cur.line && chain_rule_add(ret, cur.line, cur.start, cur.end, false) < 0)
				return -ENOMEM;
			cur.line = 0;
			continue;
		}
		if (t.kind == TOK_END)
			continue;
		if (!cur.line)
			cur = (struct text_rule){t.line, t.start - (t.kind == TOK_STRING), 0};
		cur.end = t.raw_end;
		depth += t.kind == TOK_LBRACE;
		depth -= t.kind == TOK_RBRACE && depth > 0;
	} while (t.kind != TOK_EOF);
	return 0;
}

/* A rule with `jump { … }`: newlines separate the anonymous chain's rules,
 * so its text gets "; " between them. */
static char *bound_text(const char *buf, const struct text_rule *tr, const struct text_rule *bound,
			const struct text_chain *inner)
{
	char *head = rule_text(buf, tr->start, bound->start), *tail = rule_text(buf, bound->end, tr->end);
	size_t len = (head ? strlen(head) : 0) + (tail ? strlen(tail) : 0) + 3, n = 0;
	char *s = NULL, **parts = calloc(inner->n_rules + 1, sizeof(*parts));

	for (size_t j = 0; parts && j < inner->n_rules; j++, n++) {
		if (!(parts[j] = rule_text(buf, inner->rules[j].start, inner->rules[j].end)))
			goto out;
		len += strlen(parts[j]) + 2;
	}
	if (head && tail && parts && (s = malloc(len))) {
		char *p = s + sprintf(s, "%s ", head);
		for (size_t j = 0; j < n; j++)
			p += sprintf(p, "%s%s", parts[j], j + 1 < n ? "; " : " ");
		strcpy(p, tail);
	}
out:
	for (size_t j = 0; parts && j < n; j++)
		free(parts[j]);
	free(parts);
	free(head);
	free(tail);
	return s;
}

struct annotate {
	const char *path, *buf;
	struct rs_ruleset *r;
	struct topo_diag_list *diags;
	bool include; /* the file has include directives */
	bool *done;   /* per chain of r */
};

/* Kernel call depth: anonymous chains nest no deeper. */
#define BOUND_DEPTH_MAX 16

/* Gives a chain's rules their line and text when the file and the kernel
 * agree on how many there are and on their jumps; else a warning.  Then
 * the same for the anonymous chains its rules jump into. */
static int annotate_chain(struct annotate *a, uint32_t ci, const struct text_chain *tc, unsigned depth)
{
	struct rs_chain *c = &a->r->chains[ci];
	size_t n_text = tc ? tc->n_rules : 0, bad = c->n_rules;
	struct text_rule *bound;
	char ch[256];
	int err = 0;

	a->done[ci] = true;
	if (tc && !c->line)
		c->line = tc->line;
	if (c->n_rules == 0 && n_text == 0)
		return 0;
	rs_chain_describe(a->r, ci, ch, sizeof(ch));
	if (tc && tc->unordered) {
		topo_diag_add(a->diags, a->path, tc->line, 0, TOPO_SEV_WARNING,
			      "chain %s: %s, so the file doesn't say the rules' order; they are located by handle", ch,
			      tc->unordered);
		return 0;
	}
	if (n_text != c->n_rules) {
		topo_diag_add(a->diags, a->path, tc ? tc->line : 0, 0, TOPO_SEV_WARNING,
			      "chain %s: %zu rules found in the file, %zu loaded%s; they are located by handle", ch,
			      n_text, c->n_rules,
			      a->include ? " (the file uses include: rules in included files are not located)" : "");
		return 0;
	}
	bound = calloc(c->n_rules, sizeof(*bound));
	if (!bound)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_rules && bad == c->n_rules; i++)
		if (!verdict_agrees(a->buf, &tc->rules[i], a->r, &c->rules[i], &bound[i]))
			bad = i;
	if (bad < c->n_rules) {
		topo_diag_add(a->diags, a->path, tc->rules[bad].line, 0, TOPO_SEV_WARNING,
			      "chain %s: this rule's jump or goto doesn't match loaded rule %zu; the chain's rules are "
			      "located by handle",
			      ch, bad + 1);
		goto out;
	}
	for (size_t i = 0; i < c->n_rules && err == 0; i++) {
		struct text_chain inner = {.line = bound[i].line};
		uint32_t target = c->rules[i].verdict.chain;
		char *text;

		if (bound[i].line && (err = bound_rules(a->buf, &bound[i], &inner)) < 0)
			break;
		text = bound[i].line ? bound_text(a->buf, &tc->rules[i], &bound[i], &inner)
				     : rule_text(a->buf, tc->rules[i].start, tc->rules[i].end);
		if (!text)
			err = -ENOMEM;
		else {
			free(c->rules[i].text);
			c->rules[i].text = text;
			c->rules[i].line = tc->rules[i].line;
		}
		if (err == 0 && bound[i].line && depth < BOUND_DEPTH_MAX && !a->done[target])
			err = annotate_chain(a, target, &inner, depth + 1);
		free(inner.rules);
	}
out:
	free(bound);
	return err;
}

static int annotate(const char *path, struct scan *sc, struct rs_ruleset *r, struct topo_diag_list *diags)
{
	struct annotate a = {path, sc->lx.buf, r, diags, sc->saw_include, calloc(r->n_chains + 1, sizeof(bool))};
	int err = 0;

	if (!a.done)
		return -ENOMEM;
	/* named chains first: the anonymous ones are reached through them */
	for (int pass = 0; pass < 2 && err == 0; pass++)
		for (uint32_t ci = 0; ci < r->n_chains && err == 0; ci++) {
			const struct rs_chain *c = &r->chains[ci];
			const struct rs_table *t = &r->tables[c->table];
			const struct text_chain *tc = NULL;

			for (size_t i = 0; i < sc->n_chains && !tc; i++) {
				const struct text_chain *x = &sc->chains[i];
				if (x->family == t->family && slice_eq(a.buf, x->table, x->table_len, t->name) &&
				    slice_eq(a.buf, x->name, x->name_len, c->name))
					tc = x;
			}
			if (a.done[ci] || (pass == 0 && !tc && strncmp(c->name, "__chain", 7) == 0))
				continue;
			err = annotate_chain(&a, ci, tc, 0);
		}
	free(a.done);
	return err;
}

/* Files larger than this are not scanned (their rules keep handles): the
 * scan holds the whole file in memory. */
#define TEXT_MAX (256u << 20)

int rs_nft_text_annotate(const char *path, struct rs_ruleset *r, struct topo_diag_list *diags)
{
	struct scan sc = {.lx = {.line = 1}};
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int err = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		err = -errno;
		goto fail;
	}
	for (;;) {
		if (len + 1 >= cap) {
			cap = cap ? cap * 2 : 65536;
			char *p = realloc(buf, cap);
			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			buf = p;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
		if (len > TEXT_MAX) {
			err = -EFBIG;
			goto fail;
		}
	}
	if (ferror(f)) {
		err = -EIO;
		goto fail;
	}
	buf[len] = 0;
	sc.lx.buf = buf;
	sc.lx.len = len;
	err = scan_file(&sc);
	if (err == 0)
		err = annotate(path, &sc, r, diags);
	goto out;
fail:
	topo_diag_add(diags, path, 0, 0, TOPO_SEV_WARNING, "cannot read the file again to locate its rules (%s); "
		      "they are located by handle", strerror(-err));
out:
	if (f)
		fclose(f);
	for (size_t i = 0; i < sc.n_chains; i++)
		free(sc.chains[i].rules);
	free(sc.chains);
	free(buf);
	return err;
}
