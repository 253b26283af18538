/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loading a topology file, the site's accessors and the names of the enums.
 * The parsing lives in yaml-tree.c, the validation in yaml-load.c (with
 * yaml-fields.c, yaml-flows.c and yaml-firewalls.c), the lookups in lookup.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "topology-internal.h"

/* ------------------------------------------------------------------ names */

enum topo_tier topo_kind_tier(enum topo_kind k)
{
	switch (k) {
	case TOPO_KIND_MYNUMBER:
		return TOPO_TIER_MYNUMBER;
	case TOPO_KIND_LGWAN:
	case TOPO_KIND_LGWAN_WAN:
	case TOPO_KIND_PUBLIC_INSTITUTION:
		return TOPO_TIER_LGWAN;
	case TOPO_KIND_INTERNET:
	case TOPO_KIND_INTERNET_WAN:
		return TOPO_TIER_INTERNET;
	case TOPO_KIND_OTHER:
		return TOPO_TIER_OTHER;
	case TOPO_KIND_REMOTE_ACCESS:
		return TOPO_TIER_REMOTE;
	}
	/* Not reachable with a valid enum; the most restrictive answer. */
	return TOPO_TIER_INTERNET;
}

enum topo_crossing topo_tier_crossing(enum topo_tier from, enum topo_tier to)
{
	static const struct {
		enum topo_tier a, b; /* either way round */
		enum topo_crossing x;
	} rows[] = {
		{TOPO_TIER_REMOTE, TOPO_TIER_MYNUMBER, TOPO_CROSS_REMOTE_MYNUMBER},
		{TOPO_TIER_INTERNET, TOPO_TIER_MYNUMBER, TOPO_CROSS_MYNUMBER_INTERNET},
		{TOPO_TIER_LGWAN, TOPO_TIER_MYNUMBER, TOPO_CROSS_MYNUMBER},
		{TOPO_TIER_OTHER, TOPO_TIER_MYNUMBER, TOPO_CROSS_MYNUMBER},
		{TOPO_TIER_LGWAN, TOPO_TIER_INTERNET, TOPO_CROSS_LGWAN_INTERNET},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if ((from == rows[i].a && to == rows[i].b) || (from == rows[i].b && to == rows[i].a))
			return rows[i].x;
	return TOPO_CROSS_NONE;
}

bool topo_crossing_is_mynumber(enum topo_crossing x)
{
	return x == TOPO_CROSS_REMOTE_MYNUMBER || x == TOPO_CROSS_MYNUMBER_INTERNET || x == TOPO_CROSS_MYNUMBER;
}

const char *topo_kind_name(enum topo_kind k)
{
	switch (k) {
	case TOPO_KIND_MYNUMBER:
		return "mynumber";
	case TOPO_KIND_LGWAN:
		return "lgwan";
	case TOPO_KIND_INTERNET:
		return "internet";
	case TOPO_KIND_OTHER:
		return "other";
	case TOPO_KIND_LGWAN_WAN:
		return "lgwan-wan";
	case TOPO_KIND_PUBLIC_INSTITUTION:
		return "public-institution";
	case TOPO_KIND_REMOTE_ACCESS:
		return "remote-access";
	case TOPO_KIND_INTERNET_WAN:
		return "internet-wan";
	}
	return "?";
}

const char *topo_model_name(enum topo_model m)
{
	switch (m) {
	case TOPO_MODEL_ALPHA:
		return "alpha";
	case TOPO_MODEL_ALPHA_PRIME:
		return "alpha-prime";
	case TOPO_MODEL_BETA:
		return "beta";
	case TOPO_MODEL_BETA_PRIME:
		return "beta-prime";
	}
	return "?";
}

const char *topo_role_name(enum topo_role r)
{
	switch (r) {
	case TOPO_ROLE_TERMINAL:
		return "terminal";
	case TOPO_ROLE_SERVER:
		return "server";
	case TOPO_ROLE_SANITIZER:
		return "sanitizer";
	case TOPO_ROLE_GATEWAY:
		return "gateway";
	case TOPO_ROLE_OTHER:
		return "other";
	}
	return "?";
}

const char *topo_flow_kind_name(enum topo_flow_kind k)
{
	switch (k) {
	case TOPO_FLOW_EXCEPTION:
		return "exception";
	case TOPO_FLOW_MAIL_TEXT:
		return "mail-text";
	case TOPO_FLOW_SCREEN_TRANSFER:
		return "screen-transfer";
	case TOPO_FLOW_FILE_CDR:
		return "file-cdr";
	case TOPO_FLOW_SAAS_BREAKOUT:
		return "saas-breakout";
	case TOPO_FLOW_SERVICE:
		return "service";
	}
	return "?";
}

/* ---------------------------------------------------------------- loading */

void topo_site_free(struct topo_site *s)
{
	if (!s)
		return;
	topo_htab_free(&s->area_by_name);
	topo_htab_free(&s->host_by_name);
	topo_htab_free(&s->host_by_ip);
	topo_htab_free(&s->host_by_mac);
	topo_htab_free(&s->seg_by_prefix);
	for (size_t i = 0; i <= TOPO_PROTO_SLOT_ANY; i++)
		free(s->ports[i]);
	topo_arena_release(&s->arena);
	free(s);
}

/*
 * False, with a diagnostic naming the line, when a line is longer than
 * TOPO_MAX_LINE bytes (see topology-internal.h).  Lines end at LF, CR or
 * CR LF, as libyaml counts them, so the line number matches its marks.
 */
static bool lines_within_limit(struct topo_report *rep, const char *buf, size_t len)
{
	unsigned line = 1;
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n' || buf[i] == '\r') {
			if (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
				i++;
			line++;
			start = i + 1;
		} else if (i - start >= TOPO_MAX_LINE) {
			/* the column of the first byte past the limit */
			topo_report_add(rep, TOPO_SEV_ERROR, line, TOPO_MAX_LINE + 1,
					"the line is longer than the limit of %u bytes (%u MiB)", TOPO_MAX_LINE,
					TOPO_MAX_LINE / (1024 * 1024));
			return false;
		}
	}
	return true;
}

/*
 * Parses and validates buf.  `dir` is where relative ruleset paths resolve
 * (NULL: as written), `path` what topo_site_path() returns.
 */
static int load_common(const char *source, const char *path, const char *dir, const char *buf, size_t len,
		       struct topo_site **ret, struct topo_diag_list *diags)
{
	struct topo_report rep = { .source = source, .diags = diags };
	struct topo_arena tree = { 0 };
	struct topo_ynode *root = NULL;
	struct topo_site *s = NULL;
	const size_t first_diag = diags->n;
	int r;

	if (len > TOPO_MAX_FILE_SIZE) {
		topo_report_add(&rep, TOPO_SEV_ERROR, 0, 0, "the file is larger than the limit of %u MiB",
				TOPO_MAX_FILE_SIZE / (1024 * 1024));
		r = -EFBIG;
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		r = -ENOMEM;
		goto out;
	}
	s->path = topo_arena_strdup(&s->arena, path);
	s->name = "";
	if (!s->path) {
		r = -ENOMEM;
		goto out;
	}

	if (!lines_within_limit(&rep, buf, len)) {
		r = -EFBIG;
		goto out;
	}
	r = topo_ytree_parse(buf, len, &tree, &rep, &root);
	/* A tree with syntax errors is incomplete: validating it would only
	 * add noise to the one message that matters. */
	if (r == 0 && rep.n_errors == 0)
		r = topo_site_build(s, root, dir, &rep);
	if (r == 0 && rep.oom)
		r = -ENOMEM;
	if (r == 0 && rep.n_errors)
		r = -EINVAL;
out:
	if (r == -ENOMEM)
		topo_diag_add(diags, source, 0, 0, TOPO_SEV_ERROR, "out of memory while loading the topology");
	topo_arena_release(&tree);
	if (topo_diag_list_sort_from(diags, first_diag) < 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		topo_site_free(s);
		s = NULL;
	}
	*ret = s;
	return r;
}

int topo_site_load_buffer(const char *name, const char *buf, size_t len, struct topo_site **ret,
			  struct topo_diag_list *diags)
{
	if (!ret || !diags || (!buf && len))
		return -EINVAL;
	if (!name)
		name = "<buffer>";
	return load_common(name, name, NULL, buf ? buf : "", len, ret, diags);
}

/* Reads at most limit + 1 bytes, so "too big" is detected without trusting
 * st_size (pipes and /proc files report 0). */
static int read_bounded(int fd, size_t hint, size_t limit, char **ret_buf, size_t *ret_len)
{
	size_t cap = hint + 2 < 4096 ? 4096 : hint + 2, len = 0;
	char *buf = NULL;

	if (cap > limit + 2)
		cap = limit + 2;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		/* room for the terminating NUL stays free */
		if (len + 1 == cap) {
			size_t ncap = cap * 2;
			char *nbuf;

			if (len > limit)
				break; /* read one byte past the limit: enough */
			if (ncap > limit + 2)
				ncap = limit + 2;
			nbuf = realloc(buf, ncap);
			if (!nbuf) {
				free(buf);
				return -ENOMEM;
			}
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			free(buf);
			return e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > limit) {
		free(buf);
		return -EFBIG;
	}
	buf[len] = '\0';
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

int topo_read_file(const char *path, size_t limit, char **ret_buf, size_t *ret_len)
{
	struct stat st;
	int fd, r;

	*ret_buf = NULL;
	*ret_len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (S_ISDIR(st.st_mode))
		r = -EISDIR;
	else if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > limit)
		r = -EFBIG;
	else
		r = read_bounded(fd, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0, limit, ret_buf, ret_len);
	close(fd);
	return r;
}

int topo_site_load(const char *path, struct topo_site **ret, struct topo_diag_list *diags)
{
	char *buf = NULL, *dir = NULL;
	const char *slash;
	size_t len = 0;
	int r;

	if (!path || !ret || !diags)
		return -EINVAL;
	*ret = NULL;
	r = topo_read_file(path, TOPO_MAX_FILE_SIZE, &buf, &len);
	if (r == -EISDIR)
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR, "is a directory, not a topology file");
	else if (r == -EFBIG)
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR, "the file is larger than the limit of %u MiB",
			      TOPO_MAX_FILE_SIZE / (1024 * 1024));
	else if (r < 0)
		topo_diag_add(diags, path, 0, 0, TOPO_SEV_ERROR, "can't read the topology file: %s", strerror(-r));
	if (r < 0)
		goto out;

	/* Ruleset paths are relative to the file's directory. */
	slash = strrchr(path, '/');
	if (slash) {
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
		if (!dir) {
			r = -ENOMEM;
			goto out;
		}
	}
	r = load_common(path, path, dir, buf, len, ret, diags);
out:
	free(dir);
	free(buf);
	return r;
}

/* -------------------------------------------------------------- accessors */

const char *topo_site_name(const struct topo_site *s)
{
	return s->name;
}

const char *topo_site_path(const struct topo_site *s)
{
	return s->path;
}

enum topo_model topo_site_model(const struct topo_site *s)
{
	return s->model;
}

enum topo_pinning topo_site_pinning(const struct topo_site *s)
{
	return s->pinning;
}

bool topo_site_inventory_strict(const struct topo_site *s)
{
	return s->inventory_strict;
}

size_t topo_site_n_areas(const struct topo_site *s)
{
	return s->n_areas;
}

const struct topo_area *topo_site_area(const struct topo_site *s, size_t i)
{
	return i < s->n_areas ? &s->areas[i] : NULL;
}

const struct topo_area *topo_site_internet(const struct topo_site *s)
{
	return s->n_areas ? &s->areas[s->n_areas - 1] : NULL;
}

size_t topo_site_n_hosts(const struct topo_site *s)
{
	return s->n_hosts;
}

const struct topo_host *topo_site_host(const struct topo_site *s, size_t i)
{
	return i < s->n_hosts ? &s->hosts[i] : NULL;
}

size_t topo_site_n_flows(const struct topo_site *s)
{
	return s->n_flows;
}

const struct topo_flow *topo_site_flow(const struct topo_site *s, size_t i)
{
	return i < s->n_flows ? &s->flows[i] : NULL;
}

size_t topo_site_n_firewalls(const struct topo_site *s)
{
	return s->n_firewalls;
}

const struct topo_firewall *topo_site_firewall(const struct topo_site *s, size_t i)
{
	return i < s->n_firewalls ? &s->firewalls[i] : NULL;
}

const struct topo_area *topo_site_find_area(const struct topo_site *s, const char *name)
{
	if (!s || !name)
		return NULL;
	return topo_htab_get(&s->area_by_name, topo_hash_str(name), name, topo_eq_str);
}

const struct topo_host *topo_site_find_host(const struct topo_site *s, const char *name)
{
	if (!s || !name)
		return NULL;
	return topo_htab_get(&s->host_by_name, topo_hash_str(name), name, topo_eq_str);
}
