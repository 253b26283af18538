/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "firewalls" section: each firewall's name and host, its interfaces
 * with the areas each one faces, and where its ruleset is (format, and a
 * path resolved against the topology file's directory).  Runs after areas
 * and hosts are loaded and only reads them; it fills the site's firewalls.
 * It never opens the ruleset file: rulesets/ reads it.
 */
#include <string.h>

#include "yaml-load-internal.h"

static const char *const format_names[] = { "nft-json", "nft", "iptables-save" };

static char *resolve_path(struct topo_load_ctx *c, const char *p)
{
	char *out;
	size_t ld, lp;

	if (!c->dir || p[0] == '/')
		return topo_arena_strdup(&c->s->arena, p);
	ld = strlen(c->dir);
	lp = strlen(p);
	out = topo_arena_calloc(&c->s->arena, ld + lp + 2, 1);
	if (!out)
		return NULL;
	memcpy(out, c->dir, ld);
	if (ld && c->dir[ld - 1] != '/')
		out[ld++] = '/';
	memcpy(out + ld, p, lp + 1);
	return out;
}

static void load_iface(struct topo_load_ctx *c, const struct topo_ynode *n, struct topo_firewall *fw,
		       struct topo_htab *names)
{
	static const char *const keys[] = { "name", "faces" };
	struct topo_load_field f[ARRAY_SIZE(keys)];
	struct topo_fw_iface *ifc = &fw->ifaces[fw->n_ifaces];
	const char *name;
	size_t nf;

	if (!topo_load_map_fields(c, n, "interface", keys, ARRAY_SIZE(keys), f))
		return;
	topo_load_require(c, n, &f[0], "name", "interface", "the interface name as the ruleset uses it, e.g. eth0");
	name = topo_load_get_name(c, &f[0], "an interface name");
	if (!name)
		return;
	ifc->name = topo_arena_strdup(&c->s->arena, name);
	if (!ifc->name) {
		c->rep->oom = true;
		return;
	}
	ifc->line = f[0].val->line;
	ifc->column = f[0].val->column;
	{
		void *old;

		if (topo_htab_put(names, topo_hash_str(ifc->name), ifc->name, ifc, topo_eq_str, &old) < 0) {
			c->rep->oom = true;
			return;
		}
		if (old) {
			const struct topo_fw_iface *o = old;

			err(c, f[0].val, "duplicate interface \"%s\" in firewall \"%s\" (first at %s)", topo_load_q(c, name),
			    topo_load_q(c, fw->name), topo_load_fmt_pos(c, o->line, o->column));
			return;
		}
	}
	if (!topo_load_require(c, n, &f[1], "faces", "interface", "the zones and externals behind it, e.g. faces: [ lgwan ]"))
		return;
	if (!topo_load_want_scalar_or_seq(c, &f[1], "an area name"))
		return;
	nf = topo_load_list_len(f[1].val);
	if (nf == 0) {
		err(c, topo_load_fpos(&f[1]), "\"faces\" needs at least one zone, external or internet-wan");
		return;
	}
	ifc->faces = topo_arena_calloc(&c->s->arena, nf, sizeof(*ifc->faces));
	if (!ifc->faces) {
		c->rep->oom = true;
		return;
	}
	for (size_t i = 0; i < nf; i++) {
		const struct topo_ynode *item = topo_load_list_item(f[1].val, i);
		const struct topo_area *a;
		bool dup = false;

		if (!topo_load_want_item_scalar(c, item, "a zone, external or internet-wan"))
			continue;
		a = topo_load_find_area(c->s, item->str);
		if (!a) {
			err(c, item, "unknown area \"%s\" (expected a zone, an external or internet-wan)", topo_load_q(c, item->str));
			continue;
		}
		for (size_t k = 0; k < ifc->n_faces; k++)
			dup |= ifc->faces[k] == a;
		if (dup) {
			warn(c, item, "\"%s\" is listed twice for interface \"%s\"", topo_load_q(c, a->name), topo_load_q(c, ifc->name));
			continue;
		}
		ifc->faces[ifc->n_faces++] = a;
	}
	fw->n_ifaces++;
}

static void load_ruleset(struct topo_load_ctx *c, const struct topo_load_field *frs, struct topo_firewall *fw)
{
	static const char *const keys[] = { "format", "path" };
	struct topo_load_field f[ARRAY_SIZE(keys)];
	const char *path;
	int fmt;

	if (topo_load_is_null(frs->val))
		return;
	if (!topo_load_map_fields(c, frs->val, "ruleset", keys, ARRAY_SIZE(keys), f))
		return;
	if (topo_load_require(c, frs->val, &f[0], "format", "ruleset", "nft-json, nft or iptables-save")) {
		fmt = topo_load_get_enum_field(c, &f[0], format_names, ARRAY_SIZE(format_names));
		if (fmt >= 0)
			fw->ruleset_format = (enum topo_ruleset_format)(TOPO_RULESET_NFT_JSON + fmt);
	}
	if (f[1].key && (path = topo_load_get_str(c, &f[1], "a file path"))) {
		fw->ruleset_path = resolve_path(c, path);
		if (!fw->ruleset_path)
			c->rep->oom = true;
	}
}

void topo_load_firewall(struct topo_load_ctx *c, const struct topo_ynode *n, struct topo_firewall *fw)
{
	static const char *const keys[] = { "name", "host", "interfaces", "ruleset" };
	struct topo_load_field f[ARRAY_SIZE(keys)];
	struct topo_htab if_names = { 0 };
	const char *name, *host;
	size_t ni;

	fw->line = n->line;
	fw->column = n->column;
	fw->name = "";
	if (!topo_load_map_fields(c, n, "firewall", keys, ARRAY_SIZE(keys), f))
		return;

	topo_load_require(c, n, &f[0], "name", "firewall", NULL);
	name = topo_load_get_name(c, &f[0], "a name");
	if (name) {
		void *old;

		fw->name = topo_arena_strdup(&c->s->arena, name);
		if (!fw->name) {
			c->rep->oom = true;
			fw->name = "";
			return;
		}
		fw->line = f[0].val->line;
		fw->column = f[0].val->column;
		if (topo_htab_put(&c->fw_names, topo_hash_str(fw->name), fw->name, fw, topo_eq_str, &old) < 0) {
			c->rep->oom = true;
			return;
		}
		if (old) {
			const struct topo_firewall *o = old;

			err(c, f[0].val, "duplicate firewall name \"%s\" (first at %s)", topo_load_q(c, fw->name),
			    topo_load_fmt_pos(c, o->line, o->column));
		}
	}
	if (f[1].key && (host = topo_load_get_name(c, &f[1], "a host name"))) {
		fw->host = topo_load_find_host(c->s, host);
		if (!fw->host)
			err(c, f[1].val, "unknown host \"%s\" (the firewall's host must be listed under hosts)", topo_load_q(c, host));
	}

	if (!f[2].key) {
		if (!f[2].near_miss)
			warn(c, n, "firewall \"%s\" has no interfaces: rules that match on interface names can't be placed",
			     topo_load_q(c, fw->name));
	} else if (topo_load_want_seq(c, &f[2], "interfaces")) {
		ni = topo_load_list_len(f[2].val);
		if (ni == 0) {
			err(c, topo_load_fpos(&f[2]), "\"interfaces\" is empty: list each interface with the areas it faces");
		} else {
			fw->ifaces = topo_arena_calloc(&c->s->arena, ni, sizeof(*fw->ifaces));
			if (!fw->ifaces || topo_htab_init(&if_names, ni) < 0) {
				c->rep->oom = true;
				goto out;
			}
			for (size_t i = 0; i < ni; i++)
				load_iface(c, topo_load_list_item(f[2].val, i), fw, &if_names);
		}
	}
	if (f[3].key)
		load_ruleset(c, &f[3], fw);
out:
	topo_htab_free(&if_names);
}
