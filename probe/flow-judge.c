/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Judgements on a flow, for the analyser: who opened it (the order of
 * docs/checks.md: SYN, echo request, service port, first packet) and
 * whether it was answered.  Pure functions of a struct probe_flow: they
 * never touch a flow table.
 */
#include "flow-internal.h"

static bool proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_ || proto == IPPROTO_SCTP_ || proto == IPPROTO_DCCP_ ||
	       proto == IPPROTO_UDPLITE_;
}

/* Which side the port rule names as the server: 0, 1, or -1 undecided. */
static int server_side(const struct probe_flow *f, probe_service_port_fn is_service, void *userdata)
{
	uint16_t p0 = f->key.port[0], p1 = f->key.port[1];

	if (is_service) {
		bool s0 = is_service(f->key.proto, p0, userdata), s1 = is_service(f->key.proto, p1, userdata);

		if (s0 != s1)
			return s0 ? 0 : 1;
	}
	if ((p0 < 1024) != (p1 < 1024))
		return p0 < 1024 ? 0 : 1;
	if (p0 != p1)
		return p0 < p1 ? 0 : 1;
	return -1;
}

unsigned probe_flow_initiator(const struct probe_flow *f, probe_service_port_fn is_service, void *userdata,
			      enum probe_initiator_reason *ret_reason)
{
	enum probe_initiator_reason reason = PROBE_INIT_FIRST;
	unsigned side = f->first_side;

	if ((f->flags[0] | f->flags[1]) & PROBE_FF_SYN) {
		reason = PROBE_INIT_SYN;
		side = f->first_syn_side;
	} else if ((f->key.proto == IPPROTO_ICMP_ || f->key.proto == IPPROTO_ICMPV6_) &&
		   ((f->flags[0] | f->flags[1]) & PROBE_FF_ECHO_REQ)) {
		reason = PROBE_INIT_ECHO;
		/* both sides pinging each other with one id: the first sender */
		if ((f->flags[0] & PROBE_FF_ECHO_REQ) && (f->flags[1] & PROBE_FF_ECHO_REQ))
			side = f->first_side;
		else
			side = (f->flags[0] & PROBE_FF_ECHO_REQ) ? 0 : 1;
	} else if (proto_has_ports(f->key.proto)) {
		int server = server_side(f, is_service, userdata);

		if (server >= 0) {
			reason = PROBE_INIT_PORT;
			side = (unsigned)!server;
		}
	}
	if (ret_reason)
		*ret_reason = reason;
	return side;
}

const char *probe_initiator_reason_name(enum probe_initiator_reason r)
{
	switch (r) {
	case PROBE_INIT_SYN:
		return "syn";
	case PROBE_INIT_ECHO:
		return "echo";
	case PROBE_INIT_PORT:
		return "port";
	case PROBE_INIT_FIRST:
		return "first";
	}
	return "unknown";
}

bool probe_flow_established(const struct probe_flow *f)
{
	uint8_t both = f->flags[0] | f->flags[1];

	if (f->key.proto == IPPROTO_TCP_) {
		if (both & PROBE_FF_SYN) {
			unsigned responder = !f->first_syn_side;

			if (f->flags[responder] & PROBE_FF_SYNACK)
				return true;
		} else if (both & PROBE_FF_SYNACK) {
			return true; /* the SYN was before the capture started */
		}
		return (f->flags[0] & PROBE_FF_DATA) && (f->flags[1] & PROBE_FF_DATA);
	}
	return f->packets[0] > 0 && f->packets[1] > 0;
}
