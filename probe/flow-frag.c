/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The flow table's fragment table: a later fragment carries no ports, so
 * the first fragment's ports are remembered under the datagram's key
 * (addresses, protocol, id, VLANs) until its later fragments are accounted
 * to the same flow.  A FIFO ring of FRAG_CAPACITY entries, oldest first,
 * with a chained hash on it: bounded memory, O(1) per fragment, entries
 * older than FRAG_TIMEOUT_NS or pushed out by newer ones dropped.  It owns
 * only the frags/frag_* fields of the table; flows are flow.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "flow-internal.h"

static uint32_t frag_bucket(const struct probe_flow_table *t, const struct frag_key *k)
{
	return (uint32_t)probe_hash(&t->seed, k, sizeof(*k)) & (FRAG_CAPACITY - 1);
}

void probe_frag_key_make(const struct probe_flow_table *t, const struct probe_packet *p, struct frag_key *k)
{
	memset(k, 0, sizeof(*k));
	k->src = p->src;
	k->dst = p->dst;
	k->proto = p->proto;
	k->id = p->frag_id;
	if (!t->cfg.ignore_vlan) {
		k->n_vlans = p->n_vlans < 2 ? p->n_vlans : 2;
		memcpy(k->vlans, p->vlans, k->n_vlans * sizeof(k->vlans[0]));
	}
}

struct frag_entry *probe_frag_find(const struct probe_flow_table *t, const struct frag_key *k)
{
	uint32_t e;

	if (!t->frags)
		return NULL;
	for (e = t->frag_buckets[frag_bucket(t, k)]; e != NIL; e = t->frags[e].next)
		if (memcmp(&t->frags[e].key, k, sizeof(*k)) == 0)
			return &t->frags[e];
	return NULL;
}

void probe_frag_drop_oldest(struct probe_flow_table *t)
{
	uint32_t e = t->frag_head;
	uint32_t *link = &t->frag_buckets[frag_bucket(t, &t->frags[e].key)];

	while (*link != e)
		link = &t->frags[*link].next;
	*link = t->frags[e].next;
	t->frag_head = (t->frag_head + 1) & (FRAG_CAPACITY - 1);
	t->frag_count--;
}

void probe_frag_expire(struct probe_flow_table *t, uint64_t now, size_t budget)
{
	while (budget-- > 0 && t->frag_count > 0) {
		const struct frag_entry *e = &t->frags[t->frag_head];

		if (!(now > e->ts_ns && now - e->ts_ns > FRAG_TIMEOUT_NS))
			break;
		probe_frag_drop_oldest(t);
	}
}

/* Remembers a first fragment's ports for its later fragments.  Without
 * memory for the table, later fragments simply count as unmatched. */
void probe_frag_remember(struct probe_flow_table *t, const struct probe_packet *p, uint16_t sport, uint16_t dport,
			 bool no_flow, uint64_t now)
{
	struct frag_key k;
	struct frag_entry *e;
	uint32_t i, b;

	if (!t->frags) {
		t->frags = malloc(FRAG_CAPACITY * sizeof(*t->frags));
		t->frag_buckets = malloc(FRAG_CAPACITY * sizeof(*t->frag_buckets));
		if (!t->frags || !t->frag_buckets) {
			free(t->frags);
			free(t->frag_buckets);
			t->frags = NULL;
			t->frag_buckets = NULL;
			return;
		}
		memset(t->frag_buckets, 0xff, FRAG_CAPACITY * sizeof(*t->frag_buckets));
	}
	probe_frag_key_make(t, p, &k);
	e = probe_frag_find(t, &k);
	if (!e) {
		if (t->frag_count == FRAG_CAPACITY)
			probe_frag_drop_oldest(t);
		i = (t->frag_head + t->frag_count) & (FRAG_CAPACITY - 1);
		t->frag_count++;
		e = &t->frags[i];
		e->key = k;
		b = frag_bucket(t, &k);
		e->next = t->frag_buckets[b];
		t->frag_buckets[b] = i;
	}
	e->sport = sport;
	e->dport = dport;
	e->no_flow = no_flow;
	e->ts_ns = now;
}
