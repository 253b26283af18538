/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the topology loader (YAML events → tree → validated site),
 * and the lookups a loaded site answers.  Input: the YAML file itself.
 * Every diagnostic must carry a message and, when positioned, a line
 * inside the input.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "topology.h"

static void exercise(const struct topo_site *s, const uint8_t *data, size_t size)
{
	struct topo_addr a = {.family = 4};
	uint8_t mac[6] = {0};

	/* lookups with addresses taken from the input, and every declared one */
	memcpy(a.bytes, data, size < 4 ? size : 4);
	(void)topo_site_lookup_area(s, &a);
	a.family = 6;
	memcpy(a.bytes, data, size < 16 ? size : 16);
	(void)topo_site_lookup_segment(s, &a);
	memcpy(mac, data, size < 6 ? size : 6);
	(void)topo_site_lookup_host_mac(s, mac);
	(void)topo_site_mac_is_gateway(s, mac);
	(void)topo_site_is_declared_port(s, 6, 443);
	for (size_t i = 0; i < topo_site_n_areas(s); i++)
		if (!topo_site_find_area(s, topo_site_area(s, i)->name))
			abort();
	for (size_t i = 0; i < topo_site_n_hosts(s); i++) {
		const struct topo_host *h = topo_site_host(s, i);
		if (topo_site_find_host(s, h->name) != h)
			abort();
		/* an IP or MAC is on one host only (the loader refuses duplicates) */
		for (size_t j = 0; j < h->n_ips; j++) {
			if (topo_site_lookup_host_ip(s, &h->ips[j]) != h)
				abort();
			/* a host's IP lies in its zone (gateways excepted), and
			 * no other area overlaps a zone segment */
			if (h->role != TOPO_ROLE_GATEWAY && topo_site_lookup_area(s, &h->ips[j]) != h->zone)
				abort();
		}
		for (size_t j = 0; j < h->n_macs; j++)
			if (topo_site_lookup_host_mac(s, h->macs[j]) != h)
				abort();
	}
	(void)topo_site_lookup_host_ip(s, &a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct topo_diag_list diags = {0};
	struct topo_site *s = NULL;
	unsigned lines = 1;
	char buf[512];
	int r;

	/* YAML 1.1 line breaks, as libyaml counts them: LF, CR, CR LF, NEL,
	 * LS, PS */
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n' || (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n')) ||
			 (data[i] == 0xc2 && i + 1 < size && data[i + 1] == 0x85) ||
			 (data[i] == 0xe2 && i + 2 < size && data[i + 1] == 0x80 && (data[i + 2] & 0xfe) == 0xa8);
	r = topo_site_load_buffer("fuzz.yaml", (const char *)data, size, &s, &diags);
	if ((r == 0) != (s != NULL) || (r < 0 && diags.n_errors == 0))
		abort();
	for (size_t i = 0; i < diags.n; i++) {
		const struct topo_diag *d = &diags.items[i];
		if (!d->message || !d->message[0] || d->line > lines + 1)
			abort();
		topo_diag_format(d, buf, sizeof(buf));
	}
	if (s)
		exercise(s, data, size);
	topo_site_free(s);
	topo_diag_list_clear(&diags);
	return 0;
}
