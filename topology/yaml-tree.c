/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libyaml events → a small node tree with 1-based positions.
 *
 * We use the event parser rather than yaml_parser_load() because the
 * document loader expands aliases (a "billion laughs" file blows up in
 * memory before we could look at it) and gives us no say in the depth.
 * Here anchors and aliases are refused outright, nesting is bounded and
 * every node is counted, so the tree's size is bounded by the file's.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "topology-internal.h"

struct tree_frame {
	struct topo_ynode *node;
	size_t first; /* index of its first child in pending */
};

struct tree_builder {
	struct topo_arena *arena;
	struct topo_report *rep;
	const char *buf;
	size_t len;
	/* Children of the open collections, innermost last; a collection's
	 * children are copied into the arena when it closes. */
	struct topo_ynode **pending;
	size_t n_pending, cap_pending;
	struct tree_frame frames[TOPO_MAX_DEPTH];
	unsigned depth;
	size_t n_nodes;
	unsigned n_documents;
	bool stop; /* a fatal problem: stop parsing, the tree is incomplete */
};

static unsigned mark_pos(size_t v)
{
	/* libyaml marks are 0-based; ours are 1-based and 0 means "none". */
	return v >= UINT_MAX ? UINT_MAX : (unsigned)v + 1;
}

static void tree_error(struct tree_builder *b, const yaml_mark_t *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void tree_error(struct tree_builder *b, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	topo_report_vadd(b->rep, TOPO_SEV_ERROR, mark_pos(m->line), mark_pos(m->column), fmt, ap);
	va_end(ap);
}

static int pending_push(struct tree_builder *b, struct topo_ynode *n)
{
	if (b->n_pending == b->cap_pending) {
		size_t cap = b->cap_pending ? b->cap_pending * 2 : 256;
		struct topo_ynode **p;

		if (cap > SIZE_MAX / sizeof(*p))
			return -ENOMEM;
		p = realloc(b->pending, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		b->pending = p;
		b->cap_pending = cap;
	}
	b->pending[b->n_pending++] = n;
	return 0;
}

/* True when the next node of the innermost collection is a mapping key. */
static bool at_key_position(const struct tree_builder *b)
{
	const struct tree_frame *f;

	if (b->depth == 0)
		return false;
	f = &b->frames[b->depth - 1];
	return f->node->type == TOPO_YNODE_MAP && (b->n_pending - f->first) % 2 == 0;
}

static struct topo_ynode *node_new(struct tree_builder *b, enum topo_ynode_type type, const yaml_mark_t *m)
{
	struct topo_ynode *n;

	if (++b->n_nodes > TOPO_MAX_NODES) {
		tree_error(b, m, "more than %u YAML nodes: the file is too large for a topology", TOPO_MAX_NODES);
		b->stop = true;
		return NULL;
	}
	n = topo_arena_calloc(b->arena, 1, sizeof(*n));
	if (!n)
		return NULL;
	n->type = (uint8_t)type;
	n->line = mark_pos(m->line);
	n->column = mark_pos(m->column);
	return n;
}

static void check_anchor(struct tree_builder *b, const yaml_event_t *ev, const yaml_char_t *anchor)
{
	/* Refusing anchors as well as aliases means no node is ever shared,
	 * so no walk can be made to visit the same subtree twice. */
	if (anchor)
		tree_error(b, &ev->start_mark,
			   "YAML anchors (&%.64s) are not supported in a topology: write the value out in full",
			   (const char *)anchor);
}

static int on_scalar(struct tree_builder *b, const yaml_event_t *ev)
{
	const size_t len = ev->data.scalar.length;
	struct topo_ynode *n;

	check_anchor(b, ev, ev->data.scalar.anchor);
	if (len > TOPO_MAX_SCALAR) {
		tree_error(b, &ev->start_mark, "a value of %zu bytes exceeds the limit of %u bytes", len,
			   TOPO_MAX_SCALAR);
		b->stop = true;
		return 0;
	}
	if (memchr(ev->data.scalar.value, '\0', len))
		tree_error(b, &ev->start_mark, "NUL characters are not allowed in values");

	n = node_new(b, TOPO_YNODE_SCALAR, &ev->start_mark);
	if (!n)
		return b->stop ? 0 : -ENOMEM;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->n = (uint32_t)len;
	n->str = topo_arena_strndup(b->arena, (const char *)ev->data.scalar.value, len);
	if (!n->str)
		return -ENOMEM;
	return pending_push(b, n);
}

static int on_alias(struct tree_builder *b, const yaml_event_t *ev)
{
	struct topo_ynode *n;

	tree_error(b, &ev->start_mark,
		   "YAML aliases (*%.64s) are not supported in a topology: write the value out in full",
		   (const char *)ev->data.alias.anchor);
	/* A null placeholder keeps the enclosing mapping's keys and values
	 * paired; the tree is discarded anyway since an error was reported. */
	n = node_new(b, TOPO_YNODE_SCALAR, &ev->start_mark);
	if (!n)
		return b->stop ? 0 : -ENOMEM;
	n->plain = true;
	n->str = topo_arena_strndup(b->arena, "", 0);
	if (!n->str)
		return -ENOMEM;
	return pending_push(b, n);
}

static int on_start(struct tree_builder *b, const yaml_event_t *ev, enum topo_ynode_type type,
		    const yaml_char_t *anchor)
{
	struct topo_ynode *n;
	int r;

	check_anchor(b, ev, anchor);
	if (at_key_position(b)) {
		tree_error(b, &ev->start_mark, "a mapping key must be a plain name, not a %s",
			   type == TOPO_YNODE_MAP ? "mapping" : "list");
		b->stop = true;
		return 0;
	}
	if (b->depth >= TOPO_MAX_DEPTH) {
		tree_error(b, &ev->start_mark, "nesting deeper than %u levels", TOPO_MAX_DEPTH);
		b->stop = true;
		return 0;
	}
	n = node_new(b, type, &ev->start_mark);
	if (!n)
		return b->stop ? 0 : -ENOMEM;
	r = pending_push(b, n);
	if (r < 0)
		return r;
	b->frames[b->depth++] = (struct tree_frame){ .node = n, .first = b->n_pending };
	return 0;
}

static int on_end(struct tree_builder *b)
{
	struct tree_frame *f;
	size_t count;

	if (b->depth == 0)
		return -EINVAL; /* libyaml guarantees balance */
	f = &b->frames[--b->depth];
	count = b->n_pending - f->first;
	if (count > UINT32_MAX)
		return -E2BIG; /* unreachable: TOPO_MAX_NODES is far below */
	if (count) {
		f->node->items = topo_arena_calloc(b->arena, count, sizeof(*f->node->items));
		if (!f->node->items)
			return -ENOMEM;
		memcpy(f->node->items, b->pending + f->first, count * sizeof(*f->node->items));
	}
	f->node->n = (uint32_t)(f->node->type == TOPO_YNODE_MAP ? count / 2 : count);
	b->n_pending = f->first;
	return 0;
}

/* The position of a reader error: libyaml gives only a byte offset. */
static void offset_to_mark(const char *buf, size_t len, size_t offset, yaml_mark_t *m)
{
	size_t line = 0, col = 0;

	if (offset > len)
		offset = len;
	for (size_t i = 0; i < offset; i++) {
		if (buf[i] == '\n') {
			line++;
			col = 0;
		} else {
			col++;
		}
	}
	m->index = offset;
	m->line = line;
	m->column = col;
}

static void report_parser_error(struct tree_builder *b, const yaml_parser_t *p)
{
	yaml_mark_t m = p->problem_mark;
	const char *problem = p->problem ? p->problem : "unknown problem";

	switch (p->error) {
	case YAML_READER_ERROR:
		offset_to_mark(b->buf, b->len, p->problem_offset, &m);
		if (p->problem_value != -1)
			tree_error(b, &m, "invalid text: %s (byte #%X)", problem, (unsigned)p->problem_value);
		else
			tree_error(b, &m, "invalid text: %s", problem);
		break;
	case YAML_SCANNER_ERROR:
	case YAML_PARSER_ERROR:
		if (p->context)
			tree_error(b, &m, "YAML syntax error: %s (%s at line %u, column %u)", problem, p->context,
				   mark_pos(p->context_mark.line), mark_pos(p->context_mark.column));
		else
			tree_error(b, &m, "YAML syntax error: %s", problem);
		break;
	default:
		tree_error(b, &m, "YAML error: %s", problem);
		break;
	}
}

int topo_ytree_parse(const char *buf, size_t len, struct topo_arena *arena, struct topo_report *rep,
		     struct topo_ynode **ret_root)
{
	struct tree_builder b = {
		.arena = arena,
		.rep = rep,
		.buf = buf,
		.len = len,
	};
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false;
	int r = 0;

	*ret_root = NULL;
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);

	while (!done && !b.stop) {
		if (!yaml_parser_parse(&parser, &ev)) {
			if (parser.error == YAML_MEMORY_ERROR) {
				r = -ENOMEM;
				goto out;
			}
			report_parser_error(&b, &parser);
			b.stop = true;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++b.n_documents > 1) {
				tree_error(&b, &ev.start_mark,
					   "a second YAML document: a topology file holds exactly one");
				b.stop = true;
			}
			break;
		case YAML_SCALAR_EVENT:
			r = on_scalar(&b, &ev);
			break;
		case YAML_ALIAS_EVENT:
			r = on_alias(&b, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			r = on_start(&b, &ev, TOPO_YNODE_SEQ, ev.data.sequence_start.anchor);
			break;
		case YAML_MAPPING_START_EVENT:
			r = on_start(&b, &ev, TOPO_YNODE_MAP, ev.data.mapping_start.anchor);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			r = on_end(&b);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (r < 0)
			goto out;
	}

	if (done && b.n_pending == 1 && b.depth == 0)
		*ret_root = b.pending[0];
out:
	yaml_parser_delete(&parser);
	free(b.pending);
	return r;
}
