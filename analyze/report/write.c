/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The writers' driver: an_write() hands one view's findings, in the
 * format's order, to the format's operations (report-internal.h), and the
 * little every format shares — times, JSON lines, XML escaping, the
 * Wireshark filter, the orders.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze.h"
#include "report-internal.h"
#include "report.h"

/* 6 or 9 fraction digits for every timestamp of a run (a SIEM maps a
 * field once); 0: each by its own precision */
static int time_digits;

void an_time_digits(int digits)
{
	time_digits = digits;
}

char *an_format_time(uint64_t ts_ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ts_ns / 1000000000ULL);
	uint64_t frac = ts_ns % 1000000000ULL;
	struct tm tm;
	char base[32];

	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	/* full precision: a nanosecond capture keeps its 9 digits; a
	 * microsecond one is not padded with invented zeros */
	if (time_digits == 6 || (time_digits == 0 && frac % 1000 == 0))
		snprintf(buf, len, "%s.%06" PRIu64 "Z", base, frac / 1000);
	else
		snprintf(buf, len, "%s.%09" PRIu64 "Z", base, frac);
	return buf;
}

char *an_finding_wireshark_filter(const struct an_finding *f, char *buf, size_t len)
{
	char a[TOPO_ADDR_STRLEN], b[TOPO_ADDR_STRLEN], mac[TOPO_MAC_STRLEN];

	if (an_check_is_station(f->check)) {
		topo_mac_format(f->src.macs[0], mac);
		snprintf(buf, len, "eth.src==%s || arp.src.hw_mac==%s", mac, mac);
		return buf;
	}
	const char *ipf = f->src.ip.family == 6 ? "ipv6.addr" : "ip.addr";
	int n = snprintf(buf, len, "%s==%s && %s==%s", ipf, topo_addr_format(&f->src.ip, a), ipf,
			 topo_addr_format(&f->dst.ip, b));
	if (n < 0 || (size_t)n >= len)
		return buf;
	if (f->src.port >= 0 && (f->proto == 6 || f->proto == 17 || f->proto == 132))
		n += snprintf(buf + n, len - n, " && %s.port==%d && %s.port==%d", an_proto_name(f->proto), f->src.port,
			      an_proto_name(f->proto), f->dst.port);
	else if (f->proto == 1 || f->proto == 58)
		n += snprintf(buf + n, len - n, " && %s", f->proto == 1 ? "icmp" : "icmpv6");
	else
		n += snprintf(buf + n, len - n, " && ip.proto==%u", f->proto);
	if (n > 0 && (size_t)n < len && f->n_vlans)
		snprintf(buf + n, len - n, " && vlan.id==%u", f->vlans[f->n_vlans - 1]);
	return buf;
}

json_t *an_json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}



/* ------------------------------------------------------------------ order */

int an_order_by_frame(const struct an_finding *a, const struct an_finding *b)
{
	bool ra = an_check_is_ruleset(a->check) || an_check_is_review(a->check);
	bool rb = an_check_is_ruleset(b->check) || an_check_is_review(b->check);

	if (ra || rb) /* no frames: in the order found, after the traffic */
		return ra == rb ? 0 : ra ? 1 : -1;
	if (a->first_frame.file != b->first_frame.file)
		return a->first_frame.file < b->first_frame.file ? -1 : 1;
	if (a->first_frame.frame != b->first_frame.frame)
		return a->first_frame.frame < b->first_frame.frame ? -1 : 1;
	return (int)a->check - (int)b->check;
}

int an_order_by_severity(const struct an_finding *a, const struct an_finding *b)
{
	enum an_severity sa = an_check_severity(a->check), sb = an_check_severity(b->check);

	if (sa != sb)
		return sa > sb ? -1 : 1;
	return an_order_by_frame(a, b);
}

struct ordered {
	const struct an_finding *f;
	size_t i; /* where it was in the view: ties keep it */
};

static int ordered_cmp(const void *pa, const void *pb, void *arg)
{
	const struct ordered *a = pa, *b = pb;
	const struct an_writer_ops *ops = arg;
	int c = ops->order(a->f, b->f);

	return c ? c : a->i < b->i ? -1 : a->i > b->i;
}

/* --------------------------------------------------------------- helpers */

const char *an_view_capture(const struct an_view *v, unsigned i)
{
	return i < v->n_captures ? v->captures[i] : "?";
}

const char *an_writer_message(const struct an_writer *w, const struct an_finding *f, char *buf, size_t len)
{
	if (!w->ja && f->message)
		return f->message;
	return an_finding_message(w->v->site, f, w->ja, buf, len);
}

size_t an_view_count_severity(const struct an_view *v, enum an_severity s)
{
	size_t k = 0;

	for (size_t i = 0; i < v->n_findings; i++)
		k += an_check_severity(v->findings[i]->check) == s;
	return k;
}

int an_json_line(json_t *o, FILE *out)
{
	/* reals (verify's seconds) to 6 significant digits, not 17 */
	const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6);
	char stack[8192], *buf = stack;
	size_t n;
	int r = 0;

	/* into a buffer, then one fwrite: json_dumpf() calls fwrite per
	 * token, ~40 calls for a finding's line */
	n = json_dumpb(o, stack, sizeof(stack) - 1, flags);
	if (n >= sizeof(stack) - 1) {
		buf = malloc(n + 1);
		if (buf && json_dumpb(o, buf, n, flags) != n) {
			free(buf);
			buf = NULL;
		}
	}
	json_decref(o);
	if (!buf || n == 0)
		r = -EIO;
	else if ((buf[n] = '\n', fwrite(buf, 1, n + 1, out)) != n + 1)
		r = -EIO;
	if (buf != stack)
		free(buf);
	return r;
}

/* The five XML special characters; everything else (UTF-8 included)
 * passes through.  Control characters other than tab and newline are not
 * allowed in XML 1.0 and are dropped. */
void an_xml_escape(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, out);
		}
	}
}


/* ------------------------------------------------------------------ drive */

/* 9 digits when any time an audit prints has nanoseconds, else 6 */
static int view_digits(const struct an_view *v)
{
	const struct an_counters *c = v->counters;

	if (c->first_ns % 1000 || c->last_ns % 1000)
		return 9;
	for (size_t i = 0; i < v->n_findings; i++) {
		const struct an_finding *f = v->findings[i];
		if (f->first_ns % 1000 || f->last_ns % 1000)
			return 9;
		for (unsigned k = 0; k < f->n_observed; k++)
			if (f->observed[k].first_ns % 1000)
				return 9;
	}
	return 6;
}

static const struct an_writer_ops *const writers[] = {
	[AN_FORMAT_TEXT] = &an_text_ops,
	[AN_FORMAT_JSON] = &an_json_ops,
	[AN_FORMAT_HTML] = &an_html_ops,
	[AN_FORMAT_JUNIT] = &an_junit_ops,
};

int an_write(const struct an_view *v, const struct an_output_options *o, FILE *out)
{
	const struct an_writer_ops *ops = (size_t)o->format < sizeof(writers) / sizeof(writers[0]) && writers[o->format]
						  ? writers[o->format]
						  : &an_text_ops;
	struct an_writer w = {.v = v, .o = o, .out = out, .w = an_words(o->japanese), .ja = o->japanese, .sev = -1};
	size_t n = v->n_findings;
	struct ordered *f = malloc((n ? n : 1) * sizeof(*f));
	int r;

	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		f[i] = (struct ordered){v->findings[i], i};
	qsort_r(f, n, sizeof(*f), ordered_cmp, (void *)ops);
	/* an audit's times all with the digits its captures have; verify's
	 * are the generation time alone (the JSON writer says how many) */
	if (v->kind == AN_VIEW_AUDIT)
		an_time_digits(view_digits(v));
	r = ops->begin(&w);
	for (size_t i = 0; i < n && r == 0; i++)
		r = ops->finding(&w, f[i].f);
	if (r == 0)
		r = ops->summary(&w);
	int e = ops->end(&w);
	if (r == 0)
		r = e;
	an_time_digits(0);
	free(f);
	return r;
}
