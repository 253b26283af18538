/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostics: problems in input files, collected in a list that main()
 * prints.  Library code never prints.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology-internal.h"

int topo_diag_vadd(struct topo_diag_list *l, const char *source, unsigned line, unsigned column,
		   enum topo_severity sev, const char *fmt, va_list ap)
{
	struct topo_diag *d;
	char *msg = NULL, *src = NULL;

	if (!l)
		return -EINVAL;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct topo_diag *items;

		if (cap > SIZE_MAX / sizeof(*items))
			return -ENOMEM;
		items = realloc(l->items, cap * sizeof(*items));
		if (!items)
			return -ENOMEM;
		l->items = items;
		l->cap = cap;
	}
	if (vasprintf(&msg, fmt, ap) < 0)
		return -ENOMEM;
	src = strdup(source ? source : "");
	if (!src) {
		free(msg);
		return -ENOMEM;
	}
	d = &l->items[l->n++];
	*d = (struct topo_diag){
		.source = src,
		.line = line,
		.column = column,
		.severity = sev,
		.message = msg,
	};
	if (sev == TOPO_SEV_ERROR)
		l->n_errors++;
	return 0;
}

int topo_diag_add(struct topo_diag_list *l, const char *source, unsigned line, unsigned column,
		  enum topo_severity sev, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = topo_diag_vadd(l, source, line, column, sev, fmt, ap);
	va_end(ap);
	return r;
}

void topo_diag_list_clear(struct topo_diag_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].source);
		free(l->items[i].message);
	}
	free(l->items);
	*l = (struct topo_diag_list){ 0 };
}

void topo_diag_list_truncate(struct topo_diag_list *l, size_t n)
{
	if (!l)
		return;
	while (l->n > n) {
		struct topo_diag *d = &l->items[--l->n];
		l->n_errors -= d->severity == TOPO_SEV_ERROR;
		free(d->source);
		free(d->message);
	}
}

char *topo_diag_format(const struct topo_diag *d, char *buf, size_t len)
{
	const char *sev = d->severity == TOPO_SEV_ERROR ? "error" : "warning";
	const char *src = d->source ? d->source : "";
	const char *msg = d->message ? d->message : "";

	if (!buf || len == 0)
		return buf;
	if (d->line == 0)
		snprintf(buf, len, "%s: %s: %s", src, sev, msg);
	else if (d->column == 0)
		snprintf(buf, len, "%s:%u: %s: %s", src, d->line, sev, msg);
	else
		snprintf(buf, len, "%s:%u:%u: %s: %s", src, d->line, d->column, sev, msg);
	return buf;
}

/* ---------------------------------------------------------------- reporter */

void topo_report_vadd(struct topo_report *r, enum topo_severity sev, unsigned line, unsigned column,
		      const char *fmt, va_list ap)
{
	/* Count first: the load fails on an error even when the list is full
	 * or out of memory. */
	if (sev == TOPO_SEV_ERROR)
		r->n_errors++;
	else
		r->n_warnings++;
	if (r->oom || r->n_added > TOPO_MAX_DIAGS)
		return;
	if (r->n_added == TOPO_MAX_DIAGS) {
		r->n_added++;
		if (topo_diag_add(r->diags, r->source, 0, 0, TOPO_SEV_ERROR,
				  "too many problems; stopped reporting after %u", TOPO_MAX_DIAGS) < 0)
			r->oom = true;
		r->n_errors++;
		return;
	}
	if (topo_diag_vadd(r->diags, r->source, line, column, sev, fmt, ap) < 0)
		r->oom = true;
	else
		r->n_added++;
}

void topo_report_add(struct topo_report *r, enum topo_severity sev, unsigned line, unsigned column,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	topo_report_vadd(r, sev, line, column, fmt, ap);
	va_end(ap);
}

struct diag_order {
	unsigned line, column;
	size_t index;
};

static int cmp_diag_order(const void *x, const void *y)
{
	const struct diag_order *a = x, *b = y;
	/* Positionless diagnostics (line 0) go last: they summarise. */
	unsigned la = a->line ? a->line : UINT_MAX, lb = b->line ? b->line : UINT_MAX;

	if (la != lb)
		return la < lb ? -1 : 1;
	if (a->column != b->column)
		return a->column < b->column ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

int topo_diag_list_sort_from(struct topo_diag_list *l, size_t start)
{
	struct diag_order *order = NULL;
	struct topo_diag *copy = NULL;
	size_t n;
	int r = 0;

	if (!l || start >= l->n)
		return 0;
	n = l->n - start;
	order = calloc(n, sizeof(*order));
	copy = calloc(n, sizeof(*copy));
	if (!order || !copy) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = (struct diag_order){ l->items[start + i].line, l->items[start + i].column, i };
	qsort(order, n, sizeof(*order), cmp_diag_order);
	memcpy(copy, l->items + start, n * sizeof(*copy));
	for (size_t i = 0; i < n; i++)
		l->items[start + i] = copy[order[i].index];
out:
	free(order);
	free(copy);
	return r;
}
