/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Flow table tests.  Packets are built as struct probe_packet directly
 * (the decoder has its own tests), records carry the time and frame.
 *
 * Sizes on x86-64 (checked in test_sizes): sizeof(struct probe_flow) is
 * 224 bytes; the table adds 8 bytes of LRU links per flow (a node is 232
 * bytes) and 8 bytes of hash index (two uint32 slots per flow at load
 * <= 1/2): 240 bytes per flow, 229 MiB for 1,000,000 flows.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe.h"

#define S(x) ((uint64_t)(x) * 1000000000ull)

/* ck_assert() reports every passing check to the runner (a write() in fork
 * mode): in loops of a million iterations use this, which only reports a
 * failure. */
#define CHECK(cond)                                                                                                \
	do {                                                                                                       \
		if (!(cond))                                                                                       \
			ck_abort_msg("%s:%d: check failed: %s", __FILE__, __LINE__, #cond);                         \
	} while (0)

static struct topo_addr addr(const char *s)
{
	struct topo_addr a;

	memset(&a, 0, sizeof(a));
	if (strchr(s, ':')) {
		a.family = 6;
		ck_assert_int_eq(inet_pton(AF_INET6, s, a.bytes), 1);
	} else {
		a.family = 4;
		ck_assert_int_eq(inet_pton(AF_INET, s, a.bytes), 1);
	}
	return a;
}

static struct probe_packet ip_pkt(const char *src, const char *dst, uint8_t proto)
{
	struct probe_packet p;

	memset(&p, 0, sizeof(p));
	p.src = addr(src);
	p.dst = addr(dst);
	p.l3 = p.src.family == 4 ? PROBE_L3_IPV4 : PROBE_L3_IPV6;
	p.ethertype = p.src.family == 4 ? 0x0800 : 0x86dd;
	p.proto = proto;
	p.ip_len = 60;
	p.has_mac = true;
	memcpy(p.src_mac, (const uint8_t[]){ 2, 0, 0, 0, 0, 1 }, 6);
	return p;
}

static struct probe_packet tcp(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t flags,
			       uint32_t payload)
{
	struct probe_packet p = ip_pkt(src, dst, 6);

	p.has_ports = true;
	p.sport = sport;
	p.dport = dport;
	p.tcp_flags = flags;
	p.l4_payload_len = payload;
	p.ip_len = 40 + payload;
	return p;
}

static struct probe_packet udp(const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	struct probe_packet p = ip_pkt(src, dst, 17);

	p.has_ports = true;
	p.sport = sport;
	p.dport = dport;
	p.l4_payload_len = 32;
	return p;
}

static struct probe_packet icmp(const char *src, const char *dst, uint8_t type, uint16_t id)
{
	struct probe_packet p = ip_pkt(src, dst, strchr(src, ':') ? 58 : 1);

	p.has_icmp = true;
	p.icmp_type = type;
	p.icmp_id = id;
	p.icmp_is_echo_request = type == 8 || type == 128;
	p.icmp_is_echo_reply = type == 0 || type == 129;
	p.icmp_is_error = type == 3 || type == 11 || (type < 128 && strchr(src, ':'));
	return p;
}

static struct probe_record rec(uint64_t ts, uint32_t frame)
{
	struct probe_record r;

	memset(&r, 0, sizeof(r));
	r.ts_ns = ts;
	r.ref.frame = frame;
	r.ref.file = 0;
	return r;
}

/* on_end bookkeeping: flows are told apart by user_id, set by the test */
struct ends {
	unsigned n;
	unsigned by_reason[3];
	unsigned per_id[64];
	struct probe_flow last;
};

static void on_end(const struct probe_flow *f, enum probe_flow_end why, void *userdata)
{
	struct ends *e = userdata;

	e->n++;
	e->by_reason[why]++;
	if (f->user_id < 64)
		e->per_id[f->user_id]++;
	e->last = *f;
}

static struct probe_flow *feed(struct probe_flow_table *t, struct probe_packet p, uint64_t ts, uint32_t frame,
			       unsigned *side, unsigned *events)
{
	struct probe_record r = rec(ts, frame);

	return probe_flow_table_update(t, &p, &r, side, events);
}

START_TEST(test_sizes)
{
	/* recorded in the file comment; a change here changes the memory budget */
	ck_assert_uint_eq(sizeof(struct probe_flow_key), 44);
	ck_assert_uint_eq(sizeof(struct probe_flow), 224);
}
END_TEST

START_TEST(test_bidirectional)
{
	struct probe_flow_table *t = probe_flow_table_new(NULL, NULL, NULL);
	struct probe_flow *f;
	unsigned side, ev;

	/* 10.0.0.2 < 10.0.0.9: the client is side 0 here */
	f = feed(t, tcp("10.0.0.2", 40000, "10.0.0.9", 443, PROBE_TCP_SYN, 0), S(1), 1, &side, &ev);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(side, 0);
	ck_assert(ev & PROBE_EV_NEW_FLOW);
	ck_assert(ev & PROBE_EV_NEW_MAC);
	f = feed(t, tcp("10.0.0.9", 443, "10.0.0.2", 40000, PROBE_TCP_SYN | PROBE_TCP_ACK, 0), S(1) + 100, 2, &side,
		 &ev);
	ck_assert_uint_eq(side, 1);
	ck_assert(!(ev & PROBE_EV_NEW_FLOW));
	f = feed(t, tcp("10.0.0.2", 40000, "10.0.0.9", 443, PROBE_TCP_ACK, 100), S(1) + 200, 3, &side, &ev);
	ck_assert_uint_eq(side, 0);
	ck_assert_uint_eq(ev, 0);
	ck_assert_uint_eq(f->packets[0], 2);
	ck_assert_uint_eq(f->packets[1], 1);
	ck_assert_uint_eq(f->bytes[0], 40 + 140);
	ck_assert_uint_eq(f->bytes[1], 40);
	ck_assert_uint_eq(f->key.port[0], 40000);
	ck_assert_uint_eq(f->key.port[1], 443);
	ck_assert_uint_eq(f->first_ns, S(1));
	ck_assert_uint_eq(f->last_ns, S(1) + 200);
	ck_assert_uint_eq(f->first_frame.frame, 1);
	ck_assert_uint_eq(f->last_frame.frame, 3);
	ck_assert(f->flags[0] & PROBE_FF_SYN);
	ck_assert(f->flags[1] & PROBE_FF_SYNACK);
	ck_assert(f->flags[0] & PROBE_FF_DATA);
	ck_assert(!(f->flags[1] & PROBE_FF_DATA));
	ck_assert_uint_eq(f->first_side, 0);

	/* the same connection seen the other way round keys identically */
	{
		struct probe_packet p = tcp("10.0.0.9", 443, "10.0.0.2", 40000, PROBE_TCP_ACK, 0);
		struct probe_flow_key k;
		unsigned s;

		ck_assert(probe_flow_key_from_packet(&p, false, &k, &s));
		ck_assert_uint_eq(s, 1);
		ck_assert_ptr_eq(probe_flow_table_find(t, &k), f);
	}

	struct probe_flow_stats st;
	probe_flow_table_stats(t, &st);
	ck_assert_uint_eq(st.created, 1);
	ck_assert_uint_eq(st.live, 1);
	probe_flow_table_free(t);
}
END_TEST

START_TEST(test_same_address_both_sides)
{
	struct probe_flow_table *t = probe_flow_table_new(NULL, NULL, NULL);
	struct probe_flow *f1, *f2;
	unsigned s1, s2;

	f1 = feed(t, udp("127.0.0.1", 5000, "127.0.0.1", 6000), S(1), 1, &s1, NULL);
	f2 = feed(t, udp("127.0.0.1", 6000, "127.0.0.1", 5000), S(1), 2, &s2, NULL);
	ck_assert_ptr_eq(f1, f2);
	ck_assert_uint_eq(s1, 0);
	ck_assert_uint_eq(s2, 1);
	probe_flow_table_free(t);
}
END_TEST

static bool declared_5000(uint8_t proto, uint16_t port, void *userdata)
{
	(void)userdata;
	return proto == 17 && port == 5000;
}

START_TEST(test_initiator)
{
	struct probe_flow_table *t = probe_flow_table_new(NULL, NULL, NULL);
	enum probe_initiator_reason why;
	struct probe_flow *f;

	/* SYN decides, even when the SYN+ACK was captured first */
	f = feed(t, tcp("10.0.0.1", 443, "10.0.0.5", 50000, PROBE_TCP_SYN | PROBE_TCP_ACK, 0), S(1), 1, NULL, NULL);
	f = feed(t, tcp("10.0.0.5", 50000, "10.0.0.1", 443, PROBE_TCP_SYN, 0), S(1), 2, NULL, NULL);
	ck_assert_uint_eq(f->first_side, 0);
	ck_assert_uint_eq(probe_flow_initiator(f, NULL, NULL, &why), 1);
	ck_assert_int_eq(why, PROBE_INIT_SYN);
	ck_assert_str_eq(probe_initiator_reason_name(why), "syn");

	/* echo: the requester, though the reply came first */
	f = feed(t, icmp("10.0.0.1", "10.0.0.7", 0, 77), S(1), 3, NULL, NULL);
	f = feed(t, icmp("10.0.0.7", "10.0.0.1", 8, 77), S(1), 4, NULL, NULL);
	ck_assert_uint_eq(f->packets[0] + f->packets[1], 2);
	ck_assert_uint_eq(probe_flow_initiator(f, NULL, NULL, &why), 1);
	ck_assert_int_eq(why, PROBE_INIT_ECHO);
	ck_assert_str_eq(probe_initiator_reason_name(why), "echo");

	/* ICMPv6 echo as well */
	f = feed(t, icmp("2001:db8::9", "2001:db8::1", 128, 5), S(1), 5, NULL, NULL);
	f = feed(t, icmp("2001:db8::1", "2001:db8::9", 129, 5), S(1), 6, NULL, NULL);
	ck_assert_uint_eq(f->packets[0], 1);
	ck_assert_uint_eq(f->packets[1], 1);
	ck_assert_uint_eq(probe_flow_initiator(f, NULL, NULL, &why), 1);
	ck_assert_int_eq(why, PROBE_INIT_ECHO);

	/* declared service port via the callback beats "lower port" */
	f = feed(t, udp("10.0.0.1", 5000, "10.0.0.2", 4000), S(1), 7, NULL, NULL);
	ck_assert_uint_eq(probe_flow_initiator(f, declared_5000, NULL, &why), 1);
	ck_assert_int_eq(why, PROBE_INIT_PORT);
	/* without it, the lower port (4000) is the server */
	ck_assert_uint_eq(probe_flow_initiator(f, NULL, NULL, &why), 0);
	ck_assert_int_eq(why, PROBE_INIT_PORT);
	ck_assert_str_eq(probe_initiator_reason_name(why), "port");

	/* well-known beats lower: 123 vs 40000, first packet from the server */
	f = feed(t, udp("10.0.0.1", 123, "10.0.0.3", 40000), S(1), 8, NULL, NULL);
	ck_assert_uint_eq(probe_flow_initiator(f, NULL, NULL, &why), 1);
	ck_assert_int_eq(why, PROBE_INIT_PORT);

	/* TCP mid-stream (no SYN seen): the port rule */
	f = feed(t, tcp("10.0.0.1", 22, "10.0.0.4", 50022, PROBE_TCP_ACK, 10), S(1), 9, NULL, NULL);
	ck_assert_uint_eq(probe_flow_initiator(f, NULL, NULL, &why), 1);
	ck_assert_int_eq(why, PROBE_INIT_PORT);

	/* equal ports: first packet */
	f = feed(t, udp("10.0.0.8", 500, "10.0.0.1", 500), S(1), 10, NULL, NULL);
	feed(t, udp("10.0.0.1", 500, "10.0.0.8", 500), S(1), 11, NULL, NULL);
	ck_assert_uint_eq(probe_flow_initiator(f, NULL, NULL, &why), 1);
	ck_assert_int_eq(why, PROBE_INIT_FIRST);
	ck_assert_str_eq(probe_initiator_reason_name(why), "first");

	/* no ports at all (GRE): first packet */
	f = feed(t, ip_pkt("10.0.0.9", "10.0.0.1", 47), S(1), 12, NULL, NULL);
	ck_assert_uint_eq(probe_flow_initiator(f, NULL, NULL, &why), 1);
	ck_assert_int_eq(why, PROBE_INIT_FIRST);

	/* non-echo ICMP exchange: request and reply in one flow, first packet */
	f = feed(t, icmp("10.0.0.9", "10.0.0.1", 13, 0), S(1), 13, NULL, NULL);
	ck_assert_ptr_eq(feed(t, icmp("10.0.0.1", "10.0.0.9", 14, 0), S(1), 14, NULL, NULL), f);
	ck_assert_uint_eq(probe_flow_initiator(f, NULL, NULL, &why), 1);
	ck_assert_int_eq(why, PROBE_INIT_FIRST);
	probe_flow_table_free(t);
}
END_TEST

START_TEST(test_established)
{
	struct probe_flow_table *t = probe_flow_table_new(NULL, NULL, NULL);
	struct probe_flow *f;

	/* unanswered SYN */
	f = feed(t, tcp("10.0.0.1", 40001, "10.0.0.2", 443, PROBE_TCP_SYN, 0), S(1), 1, NULL, NULL);
	ck_assert(!probe_flow_established(f));
	feed(t, tcp("10.0.0.1", 40001, "10.0.0.2", 443, PROBE_TCP_SYN, 0), S(2), 2, NULL, NULL);
	ck_assert(!probe_flow_established(f));
	/* answered */
	feed(t, tcp("10.0.0.2", 443, "10.0.0.1", 40001, PROBE_TCP_SYN | PROBE_TCP_ACK, 0), S(2), 3, NULL, NULL);
	ck_assert(probe_flow_established(f));

	/* refused: SYN, RST+ACK */
	f = feed(t, tcp("10.0.0.1", 40002, "10.0.0.2", 443, PROBE_TCP_SYN, 0), S(3), 4, NULL, NULL);
	feed(t, tcp("10.0.0.2", 443, "10.0.0.1", 40002, PROBE_TCP_RST | PROBE_TCP_ACK, 0), S(3), 5, NULL, NULL);
	ck_assert(!probe_flow_established(f));

	/* the SYN's own sender sending SYN+ACK (odd) is no answer */
	f = feed(t, tcp("10.0.0.1", 40003, "10.0.0.2", 443, PROBE_TCP_SYN, 0), S(3), 6, NULL, NULL);
	feed(t, tcp("10.0.0.1", 40003, "10.0.0.2", 443, PROBE_TCP_SYN | PROBE_TCP_ACK, 0), S(3), 7, NULL, NULL);
	ck_assert(!probe_flow_established(f));

	/* mid-stream: data both ways */
	f = feed(t, tcp("10.0.0.1", 40004, "10.0.0.2", 443, PROBE_TCP_ACK, 100), S(3), 8, NULL, NULL);
	ck_assert(!probe_flow_established(f));
	feed(t, tcp("10.0.0.2", 443, "10.0.0.1", 40004, PROBE_TCP_ACK | PROBE_TCP_PSH, 1000), S(3), 9, NULL, NULL);
	ck_assert(probe_flow_established(f));

	/* SYN+ACK seen, SYN not captured */
	f = feed(t, tcp("10.0.0.2", 443, "10.0.0.1", 40005, PROBE_TCP_SYN | PROBE_TCP_ACK, 0), S(3), 10, NULL, NULL);
	ck_assert(probe_flow_established(f));

	/* UDP: both sides sent */
	f = feed(t, udp("10.0.0.1", 40000, "10.0.0.2", 53), S(3), 11, NULL, NULL);
	ck_assert(!probe_flow_established(f));
	feed(t, udp("10.0.0.2", 53, "10.0.0.1", 40000), S(3), 12, NULL, NULL);
	ck_assert(probe_flow_established(f));

	/* echo without reply */
	f = feed(t, icmp("10.0.0.1", "10.0.0.2", 8, 9), S(3), 13, NULL, NULL);
	ck_assert(!probe_flow_established(f));
	ck_assert(f->flags[f->first_side] & PROBE_FF_ECHO_REQ);
	probe_flow_table_free(t);
}
END_TEST

START_TEST(test_macs)
{
	struct probe_flow_table *t = probe_flow_table_new(NULL, NULL, NULL);
	struct probe_packet p = udp("10.0.0.1", 40000, "10.0.0.2", 53);
	struct probe_flow *f = NULL;
	unsigned ev, i;

	for (i = 0; i < 5; i++) {
		p.src_mac[5] = (uint8_t)(0x10 + i);
		f = feed(t, p, S(1), i + 1, NULL, &ev);
		ck_assert_msg((ev & PROBE_EV_NEW_MAC) == (i < 4 ? PROBE_EV_NEW_MAC : 0u), "mac %u: events %#x", i, ev);
		ck_assert_uint_eq(f->n_macs[0], i < 3 ? i + 1 : 3);
		ck_assert_uint_eq(!!(f->flags[0] & PROBE_FF_MAC_OVERFLOW), i >= 3);
	}
	/* a known MAC again: nothing new */
	p.src_mac[5] = 0x11;
	feed(t, p, S(1), 6, NULL, &ev);
	ck_assert_uint_eq(ev, 0);
	ck_assert_uint_eq(f->macs[0][0][5], 0x10);
	ck_assert_uint_eq(f->macs[0][2][5], 0x12);
	ck_assert_uint_eq(f->n_macs[1], 0);

	/* no MAC (raw IP link): nothing recorded */
	p = udp("10.0.0.2", 53, "10.0.0.1", 40000);
	p.has_mac = false;
	feed(t, p, S(1), 7, NULL, &ev);
	ck_assert_uint_eq(ev, 0);
	ck_assert_uint_eq(f->n_macs[1], 0);
	probe_flow_table_free(t);
}
END_TEST

START_TEST(test_frames)
{
	struct probe_flow_table *t = probe_flow_table_new(NULL, NULL, NULL);
	struct probe_flow *f = NULL;
	unsigned i;

	for (i = 1; i <= 10; i++)
		f = feed(t, udp(i % 2 ? "10.0.0.1" : "10.0.0.2", i % 2 ? 1000 : 53, i % 2 ? "10.0.0.2" : "10.0.0.1",
				i % 2 ? 53 : 1000),
			 S(1) + i, i * 3, NULL, NULL);
	ck_assert_uint_eq(f->n_frames, PROBE_FLOW_FRAMES);
	for (i = 0; i < PROBE_FLOW_FRAMES; i++)
		ck_assert_uint_eq(f->frames[i].frame, (i + 1) * 3);
	ck_assert_uint_eq(f->first_frame.frame, 3);
	ck_assert_uint_eq(f->last_frame.frame, 30);
	probe_flow_table_free(t);
}
END_TEST

START_TEST(test_fragments)
{
	struct probe_flow_table *t = probe_flow_table_new(NULL, NULL, NULL);
	struct probe_flow_stats st;
	struct probe_packet p;
	struct probe_flow *f, *g;

	p = udp("10.0.0.1", 4000, "10.0.0.2", 4001);
	p.is_fragment = p.first_fragment = true;
	p.frag_id = 0x77;
	f = feed(t, p, S(1), 1, NULL, NULL);

	p = ip_pkt("10.0.0.1", "10.0.0.2", 17);
	p.is_fragment = true;
	p.frag_id = 0x77;
	p.ip_len = 1000;
	g = feed(t, p, S(1), 2, NULL, NULL);
	ck_assert_ptr_eq(f, g);
	ck_assert_uint_eq(f->packets[0], 2);
	ck_assert_uint_eq(f->bytes[0], 60 + 1000);

	/* another datagram id, first fragment never seen: a port-less flow */
	p.frag_id = 0x78;
	g = feed(t, p, S(1), 3, NULL, NULL);
	ck_assert_ptr_nonnull(g);
	ck_assert_ptr_ne(f, g);
	ck_assert_uint_eq(g->key.port[0], 0);
	ck_assert_uint_eq(g->key.port[1], 0);
	probe_flow_table_stats(t, &st);
	ck_assert_uint_eq(st.fragments_unmatched, 1);

	/* a big ping: the later fragment joins the echo flow */
	p = icmp("10.0.0.1", "10.0.0.2", 8, 99);
	p.is_fragment = p.first_fragment = true;
	p.frag_id = 0x79;
	f = feed(t, p, S(2), 4, NULL, NULL);
	p = ip_pkt("10.0.0.1", "10.0.0.2", 1);
	p.is_fragment = true;
	p.frag_id = 0x79;
	ck_assert_ptr_eq(feed(t, p, S(2), 5, NULL, NULL), f);

	/* after 30 s the fragment entry is gone */
	p.frag_id = 0x77;
	p.proto = 17;
	g = feed(t, p, S(40), 6, NULL, NULL);
	ck_assert_uint_eq(g->key.port[0], 0);
	probe_flow_table_stats(t, &st);
	ck_assert_uint_eq(st.fragments_unmatched, 2);

	/* a fragmented ICMP error is no flow, nor are its later fragments */
	p = icmp("10.0.0.1", "10.0.0.2", 3, 0);
	p.is_fragment = p.first_fragment = true;
	p.frag_id = 0x80;
	ck_assert_ptr_null(feed(t, p, S(40), 7, NULL, NULL));
	p = ip_pkt("10.0.0.1", "10.0.0.2", 1);
	p.is_fragment = true;
	p.frag_id = 0x80;
	ck_assert_ptr_null(feed(t, p, S(40), 8, NULL, NULL));
	probe_flow_table_free(t);
}
END_TEST

START_TEST(test_not_flows)
{
	struct probe_flow_table *t = probe_flow_table_new(NULL, NULL, NULL);
	struct probe_packet p;
	struct probe_flow_key k;

	p = icmp("10.0.0.1", "10.0.0.2", 3, 0);
	ck_assert_ptr_null(feed(t, p, S(1), 1, NULL, NULL));
	ck_assert(!probe_flow_key_from_packet(&p, false, &k, NULL));
	p = icmp("2001:db8::1", "2001:db8::2", 1, 0);
	ck_assert_ptr_null(feed(t, p, S(1), 2, NULL, NULL));
	memset(&p, 0, sizeof(p));
	p.l3 = PROBE_L3_ARP;
	ck_assert_ptr_null(feed(t, p, S(1), 3, NULL, NULL));
	ck_assert(!probe_flow_key_from_packet(&p, false, &k, NULL));
	p.l3 = PROBE_L3_NONE;
	ck_assert_ptr_null(feed(t, p, S(1), 4, NULL, NULL));
	struct probe_flow_stats st;
	probe_flow_table_stats(t, &st);
	ck_assert_uint_eq(st.created, 0);
	probe_flow_table_free(t);
}
END_TEST

START_TEST(test_vlans)
{
	struct probe_flow_config cfg = { 0 };
	struct probe_flow_table *t = probe_flow_table_new(&cfg, NULL, NULL);
	struct probe_packet a = udp("10.0.0.1", 1000, "10.0.0.2", 53), b = udp("10.0.0.2", 53, "10.0.0.1", 1000);

	a.n_vlans = 1;
	a.vlans[0] = 10;
	b.n_vlans = 1;
	b.vlans[0] = 20; /* asymmetric tagging */
	ck_assert_ptr_ne(feed(t, a, S(1), 1, NULL, NULL), feed(t, b, S(1), 2, NULL, NULL));
	probe_flow_table_free(t);

	cfg.ignore_vlan = true;
	t = probe_flow_table_new(&cfg, NULL, NULL);
	ck_assert_ptr_eq(feed(t, a, S(1), 1, NULL, NULL), feed(t, b, S(1), 2, NULL, NULL));
	probe_flow_table_free(t);

	/* only the outer two tags are in the key */
	t = probe_flow_table_new(NULL, NULL, NULL);
	a.n_vlans = b.n_vlans = 3;
	a.vlans[0] = b.vlans[0] = 100;
	a.vlans[1] = b.vlans[1] = 10;
	a.vlans[2] = 7;
	b.vlans[2] = 8;
	struct probe_flow *f = feed(t, a, S(1), 1, NULL, NULL);
	ck_assert_ptr_eq(f, feed(t, b, S(1), 2, NULL, NULL));
	ck_assert_uint_eq(f->key.n_vlans, 2);
	ck_assert_uint_eq(f->key.vlans[0], 100);
	ck_assert_uint_eq(f->key.vlans[1], 10);
	probe_flow_table_free(t);
}
END_TEST

START_TEST(test_idle_expiry)
{
	struct ends e = { 0 };
	struct probe_flow_table *t = probe_flow_table_new(NULL, on_end, &e);
	struct probe_flow_stats st;
	struct probe_flow *f;

	f = feed(t, udp("10.0.0.1", 1000, "10.0.0.2", 53), S(100), 1, NULL, NULL);
	f->user_id = 1;
	f = feed(t, tcp("10.0.0.1", 40000, "10.0.0.2", 443, PROBE_TCP_SYN, 0), S(100), 2, NULL, NULL);
	f->user_id = 2;
	f = feed(t, icmp("10.0.0.1", "10.0.0.2", 8, 1), S(100), 3, NULL, NULL);
	f->user_id = 3;

	/* 30 s later exactly: nothing is idle yet (strictly longer) */
	f = feed(t, udp("10.0.0.3", 1000, "10.0.0.4", 53), S(130), 4, NULL, NULL);
	f->user_id = 4;
	ck_assert_uint_eq(e.n, 0);
	/* 31 s: the ICMP flow (30 s) ends */
	f = feed(t, udp("10.0.0.3", 1000, "10.0.0.4", 53), S(131), 5, NULL, NULL);
	ck_assert_uint_eq(e.n, 1);
	ck_assert_uint_eq(e.per_id[3], 1);
	ck_assert_uint_eq(e.by_reason[PROBE_END_IDLE], 1);
	/* 61 s: UDP 1 ends, UDP 4 was active at 131 s and stays */
	feed(t, udp("10.0.0.3", 1000, "10.0.0.4", 53), S(161), 6, NULL, NULL);
	ck_assert_uint_eq(e.n, 2);
	ck_assert_uint_eq(e.per_id[1], 1);
	/* time going backwards expires nothing and breaks nothing */
	f = feed(t, udp("10.0.0.3", 1000, "10.0.0.4", 53), S(50), 7, NULL, NULL);
	ck_assert_uint_eq(e.n, 2);
	ck_assert_uint_eq(f->first_ns, S(50));
	ck_assert_uint_eq(f->first_frame.frame, 7);
	ck_assert_uint_eq(f->last_ns, S(161));
	ck_assert_uint_eq(f->last_frame.frame, 6);
	/* the timer path: at 401 s the SYN-only TCP (300 s) and UDP 4 end */
	probe_flow_table_expire(t, S(401) + 1);
	ck_assert_uint_eq(e.n, 4);
	ck_assert_uint_eq(e.per_id[2], 1);
	ck_assert_uint_eq(e.per_id[4], 1);
	probe_flow_table_stats(t, &st);
	ck_assert_uint_eq(st.live, 0);
	ck_assert_uint_eq(st.ended_idle, 4);
	ck_assert_uint_eq(st.created, 4);
	ck_assert_uint_eq(st.peak, 4);
	probe_flow_table_flush(t);
	ck_assert_uint_eq(e.n, 4);
	probe_flow_table_free(t);
}
END_TEST

START_TEST(test_closed_tcp)
{
	struct ends e = { 0 };
	struct probe_flow_table *t = probe_flow_table_new(NULL, on_end, &e);
	struct probe_flow *f, *g;

	f = feed(t, tcp("10.0.0.1", 40000, "10.0.0.2", 80, PROBE_TCP_SYN, 0), S(10), 1, NULL, NULL);
	f->user_id = 1;
	feed(t, tcp("10.0.0.2", 80, "10.0.0.1", 40000, PROBE_TCP_SYN | PROBE_TCP_ACK, 0), S(10), 2, NULL, NULL);
	feed(t, tcp("10.0.0.1", 40000, "10.0.0.2", 80, PROBE_TCP_FIN | PROBE_TCP_ACK, 0), S(11), 3, NULL, NULL);
	/* an open one for comparison */
	g = feed(t, tcp("10.0.0.1", 40001, "10.0.0.2", 80, PROBE_TCP_SYN, 0), S(11), 4, NULL, NULL);
	g->user_id = 2;
	/* half-closed: still the open timeout */
	feed(t, udp("10.0.0.7", 1, "10.0.0.8", 2), S(30), 5, NULL, NULL);
	ck_assert_uint_eq(e.n, 0);
	feed(t, tcp("10.0.0.2", 80, "10.0.0.1", 40000, PROBE_TCP_FIN | PROBE_TCP_ACK, 0), S(30), 6, NULL, NULL);
	ck_assert(f->flags[0] & PROBE_FF_FIN);
	ck_assert(f->flags[1] & PROBE_FF_FIN);
	/* closed both ways: gone 10 s later, the open one stays */
	feed(t, udp("10.0.0.7", 1, "10.0.0.8", 2), S(41), 7, NULL, NULL);
	ck_assert_uint_eq(e.n, 1);
	ck_assert_uint_eq(e.per_id[1], 1);
	ck_assert_uint_eq(e.per_id[2], 0);

	/* RST closes at once; a new SYN on the closed ports is a new flow */
	f = feed(t, tcp("10.0.0.1", 40002, "10.0.0.2", 80, PROBE_TCP_SYN, 0), S(50), 8, NULL, NULL);
	f->user_id = 3;
	feed(t, tcp("10.0.0.2", 80, "10.0.0.1", 40002, PROBE_TCP_RST | PROBE_TCP_ACK, 0), S(50), 9, NULL, NULL);
	unsigned ev;
	g = feed(t, tcp("10.0.0.1", 40002, "10.0.0.2", 80, PROBE_TCP_SYN, 0), S(51), 10, NULL, &ev);
	ck_assert(ev & PROBE_EV_NEW_FLOW);
	ck_assert_uint_eq(e.per_id[3], 1);
	ck_assert_uint_eq(e.last.packets[0] + e.last.packets[1], 2);
	ck_assert_uint_eq(g->packets[0], 1);
	ck_assert_uint_eq(g->first_frame.frame, 10);
	probe_flow_table_free(t);
}
END_TEST

START_TEST(test_capacity_and_flush)
{
	struct ends e = { 0 };
	struct probe_flow_config cfg = { .max_flows = 4 };
	struct probe_flow_table *t = probe_flow_table_new(&cfg, on_end, &e);
	struct probe_flow_stats st;
	struct probe_flow_key k;
	struct probe_packet p;
	unsigned i;

	for (i = 0; i < 6; i++) {
		struct probe_flow *f = feed(t, udp("10.0.0.1", (uint16_t)(1000 + i), "10.0.0.2", 53), S(1) + i, i + 1,
					   NULL, NULL);
		ck_assert_ptr_nonnull(f);
		f->user_id = i;
		probe_flow_table_stats(t, &st);
		ck_assert_uint_le(st.live, 4);
	}
	/* flows 0 and 1 were least recently used */
	ck_assert_uint_eq(e.by_reason[PROBE_END_CAPACITY], 2);
	ck_assert_uint_eq(e.per_id[0], 1);
	ck_assert_uint_eq(e.per_id[1], 1);
	p = udp("10.0.0.1", 1000, "10.0.0.2", 53);
	ck_assert(probe_flow_key_from_packet(&p, false, &k, NULL));
	ck_assert_ptr_null(probe_flow_table_find(t, &k));
	p = udp("10.0.0.1", 1005, "10.0.0.2", 53);
	ck_assert(probe_flow_key_from_packet(&p, false, &k, NULL));
	ck_assert_ptr_nonnull(probe_flow_table_find(t, &k));

	/* touching flow 2 makes flow 3 the next victim */
	feed(t, udp("10.0.0.2", 53, "10.0.0.1", 1002), S(2), 7, NULL, NULL);
	feed(t, udp("10.0.0.1", 2000, "10.0.0.2", 53), S(2), 8, NULL, NULL)->user_id = 63;
	ck_assert_uint_eq(e.per_id[3], 1);
	ck_assert_uint_eq(e.per_id[2], 0);

	probe_flow_table_stats(t, &st);
	ck_assert_uint_eq(st.ended_capacity, 3);
	ck_assert_uint_eq(st.live, 4);
	ck_assert_uint_eq(st.peak, 4);
	probe_flow_table_flush(t);
	probe_flow_table_stats(t, &st);
	ck_assert_uint_eq(st.live, 0);
	ck_assert_uint_eq(st.ended_flush, 4);
	ck_assert_uint_eq(e.n, 7);
	for (i = 0; i < 6; i++)
		ck_assert_uint_eq(e.per_id[i], 1);
	ck_assert_uint_eq(e.per_id[63], 1);
	/* the table is usable after a flush */
	ck_assert_ptr_nonnull(feed(t, udp("10.0.0.1", 1, "10.0.0.2", 2), S(3), 9, NULL, NULL));
	probe_flow_table_free(t);
}
END_TEST

static void count_end(const struct probe_flow *f, enum probe_flow_end why, void *userdata)
{
	uint64_t *n = userdata;

	(void)f;
	(void)why;
	(*n)++;
}

/* A million distinct flows through a table of 100 000: the cap holds at
 * every packet, every flow ends exactly once. */
START_TEST(test_million_flows)
{
	struct probe_flow_config cfg = { .max_flows = 100000 };
	uint64_t ended = 0;
	struct probe_flow_table *t = probe_flow_table_new(&cfg, count_end, &ended);
	struct probe_flow_stats st;
	struct probe_packet p = udp("10.0.0.1", 1, "10.0.0.2", 53);
	struct probe_record r = rec(S(1), 1);
	uint32_t i;

	for (i = 0; i < 1000000; i++) {
		p.src.bytes[1] = (uint8_t)(i >> 16);
		p.src.bytes[2] = (uint8_t)(i >> 8);
		p.src.bytes[3] = (uint8_t)i;
		p.sport = (uint16_t)(1024 + (i % 7));
		r.ts_ns = S(1) + i * 10ull; /* 10 s in all: nothing idles */
		r.ref.frame = i + 1;
		CHECK((probe_flow_table_update(t, &p, &r, NULL, NULL)) != NULL);
		if ((i & 1023) == 0) {
			probe_flow_table_stats(t, &st);
			CHECK(st.live <= 100000);
		}
	}
	probe_flow_table_stats(t, &st);
	ck_assert_uint_eq(st.created, 1000000);
	ck_assert_uint_eq(st.live, 100000);
	ck_assert_uint_eq(st.peak, 100000);
	ck_assert_uint_eq(st.ended_capacity, 900000);
	ck_assert_uint_eq(ended, 900000);
	probe_flow_table_flush(t);
	ck_assert_uint_eq(ended, 1000000);
	probe_flow_table_free(t);
}
END_TEST

/* Random traffic over 500 flows through a 64-flow table, time jumping
 * about: the table must agree with a model at every step (exercises the
 * index's backward-shift deletion under eviction and expiry). */
static bool model_live[500];
static unsigned model_count;

static void model_end(const struct probe_flow *f, enum probe_flow_end why, void *userdata)
{
	unsigned id = (unsigned)(f->key.port[0] == 53 ? f->key.port[1] : f->key.port[0]) - 1000;

	(void)why;
	(void)userdata;
	CHECK(id < 500);
	CHECK(model_live[id]);
	model_live[id] = false;
	model_count--;
}

START_TEST(test_random_model)
{
	struct probe_flow_config cfg = { .max_flows = 64, .udp_idle_ns = S(5) };
	struct probe_flow_table *t = probe_flow_table_new(&cfg, model_end, NULL);
	struct probe_flow_stats st;
	unsigned seed = 7, step, id, ev;
	uint64_t now = S(1000);

	memset(model_live, 0, sizeof(model_live));
	model_count = 0;
	for (step = 0; step < 200000; step++) {
		struct probe_packet p;
		struct probe_flow_key k;
		struct probe_flow *f;
		char src[32];

		id = (unsigned)rand_r(&seed) % 500;
		snprintf(src, sizeof(src), "10.0.%u.%u", id % 7, id % 3);
		p = rand_r(&seed) % 2 ? udp(src, (uint16_t)(1000 + id), "10.9.0.1", 53)
				      : udp("10.9.0.1", 53, src, (uint16_t)(1000 + id));
		switch (rand_r(&seed) % 100) {
		case 0:
			now += S(6); /* everything idles */
			break;
		case 1:
			now -= S(2); /* backwards */
			break;
		default:
			now += 1000;
		}
		f = feed(t, p, now, step + 1, NULL, &ev);
		CHECK((f) != NULL);
		if (ev & PROBE_EV_NEW_FLOW) {
			CHECK(!model_live[id]);
			model_live[id] = true;
			model_count++;
		}
		CHECK(model_live[id]);
		CHECK(probe_flow_key_from_packet(&p, false, &k, NULL));
		CHECK((probe_flow_table_find(t, &k)) == f);
		probe_flow_table_stats(t, &st);
		CHECK(st.live == model_count);
		CHECK(st.live <= 64);
		if (step % 997 == 0) {
			unsigned j;

			for (j = 0; j < 500; j++) {
				snprintf(src, sizeof(src), "10.0.%u.%u", j % 7, j % 3);
				p = udp(src, (uint16_t)(1000 + j), "10.9.0.1", 53);
				CHECK(probe_flow_key_from_packet(&p, false, &k, NULL));
				CHECK((probe_flow_table_find(t, &k) != NULL) == model_live[j]);
			}
		}
	}
	probe_flow_table_flush(t);
	ck_assert_uint_eq(model_count, 0);
	probe_flow_table_free(t);
}
END_TEST

/* What a table did, packet by packet and flow end by flow end, to compare
 * two tables fed the same packets. */
struct trace {
	uint64_t h;
	unsigned n_ends;
};

static void trace_mix(struct trace *tr, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		tr->h = (tr->h ^ b[i]) * 1099511628211ull;
}

static void trace_end(const struct probe_flow *f, enum probe_flow_end why, void *userdata)
{
	struct trace *tr = userdata;
	struct probe_flow copy = *f;

	tr->n_ends++;
	trace_mix(tr, &why, sizeof(why));
	trace_mix(tr, &copy, sizeof(copy));
}

/* Random packets: TCP connections opened, closed and reused, UDP, echo,
 * first and later fragments, out-of-order time, capacity eviction. */
static struct probe_packet random_packet(unsigned *seed)
{
	unsigned id = (unsigned)rand_r(seed) % 300, r = (unsigned)rand_r(seed) % 100;
	char a[32];
	struct probe_packet p;
	bool rev = rand_r(seed) % 2;

	snprintf(a, sizeof(a), id % 5 ? "10.0.%u.%u" : "fd00::%u:%u", id % 11, id % 13 + 1);
	if (r < 50) {
		static const uint8_t flags[] = {0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x02};

		p = tcp(a, (uint16_t)(2000 + id), id % 5 ? "10.9.0.1" : "fd00::9", 443,
			flags[(unsigned)rand_r(seed) % sizeof(flags)], (unsigned)rand_r(seed) % 2 ? 100 : 0);
	} else if (r < 80) {
		p = udp(a, (uint16_t)(3000 + id), id % 5 ? "10.9.0.1" : "fd00::9", 53);
	} else if (r < 90) {
		p = icmp(a, id % 5 ? "10.9.0.1" : "fd00::9", id % 5 ? 8 : 128, (uint16_t)id);
	} else {
		p = udp(a, (uint16_t)(4000 + id), id % 5 ? "10.9.0.1" : "fd00::9", 123);
		p.is_fragment = true;
		p.frag_id = id;
		p.first_fragment = r < 95;
		if (!p.first_fragment)
			p.has_ports = false;
	}
	if (rev) {
		struct topo_addr t = p.src;
		uint16_t port = p.sport;

		p.src = p.dst;
		p.dst = t;
		p.sport = p.dport;
		p.dport = port;
	}
	p.src_mac[5] = (uint8_t)(rand_r(seed) % 4);
	return p;
}

/* Looking ahead changes nothing: a table fed through prepare/prefetch/
 * update_prepared with a delay does exactly what one fed through update()
 * does — the same sides, events and flows, ended in the same order. */
START_TEST(test_prepared_same)
{
	enum { DELAY = 16, N = 300000 };
	struct probe_flow_config cfg = { .max_flows = 128, .udp_idle_ns = S(5), .tcp_closed_ns = S(2) };
	struct trace ta = { 1469598103934665603ull, 0 }, tb = ta;
	struct probe_flow_table *a = probe_flow_table_new(&cfg, trace_end, &ta);
	struct probe_flow_table *b = probe_flow_table_new(&cfg, trace_end, &tb);
	static struct probe_packet ring[DELAY];
	static struct probe_flow_hint hints[DELAY];
	static struct probe_record recs[DELAY];
	unsigned seed = 11;
	uint64_t now = S(1000);

	for (unsigned i = 0; i < N + DELAY; i++) {
		unsigned slot = i % DELAY;

		if (i >= DELAY) {
			struct probe_flow *fa, *fb;
			unsigned sa = 9, sb = 9, ea = 99, eb = 99;

			fa = probe_flow_table_update(a, &ring[slot], &recs[slot], &sa, &ea);
			fb = probe_flow_table_update_prepared(b, &ring[slot], &recs[slot], &hints[slot], &sb, &eb);
			CHECK((fa == NULL) == (fb == NULL));
			CHECK(sa == sb);
			CHECK(ea == eb);
			if (fa)
				CHECK(memcmp(&fa->key, &fb->key, sizeof(fa->key)) == 0 && fa->packets[0] == fb->packets[0] &&
				      fa->packets[1] == fb->packets[1]);
		}
		if (i >= N)
			continue;
		switch (rand_r(&seed) % 1000) {
		case 0:
			now += S(6);
			break;
		case 1:
			now -= S(3);
			break;
		default:
			now += 1000;
		}
		ring[slot] = random_packet(&seed);
		recs[slot] = rec(now, i + 1);
		probe_flow_table_prepare(b, &ring[slot], &hints[slot]);
		probe_flow_table_prefetch(b, &hints[(slot + DELAY / 2) % DELAY]);
	}
	probe_flow_table_flush(a);
	probe_flow_table_flush(b);
	ck_assert_uint_eq(ta.n_ends, tb.n_ends);
	ck_assert(ta.h == tb.h);
	ck_assert_uint_gt(ta.n_ends, 1000);
	probe_flow_table_free(a);
	probe_flow_table_free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("probe-flow");
	TCase *tc = tcase_create("flow");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_bidirectional);
	tcase_add_test(tc, test_same_address_both_sides);
	tcase_add_test(tc, test_initiator);
	tcase_add_test(tc, test_established);
	tcase_add_test(tc, test_macs);
	tcase_add_test(tc, test_frames);
	tcase_add_test(tc, test_fragments);
	tcase_add_test(tc, test_not_flows);
	tcase_add_test(tc, test_vlans);
	tcase_add_test(tc, test_idle_expiry);
	tcase_add_test(tc, test_closed_tcp);
	tcase_add_test(tc, test_capacity_and_flush);
	tcase_add_test(tc, test_million_flows);
	tcase_add_test(tc, test_random_model);
	tcase_add_test(tc, test_prepared_same);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
