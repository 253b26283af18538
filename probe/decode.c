/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Frame decoders: link layer → VLAN tags → ARP / IPv4 / IPv6 → TCP, UDP,
 * SCTP, DCCP, ICMP, ICMPv6 — only as deep as the flow table and the
 * station table need (addresses, ports, flags, ICMP type/id).
 *
 * Rules every decoder here follows:
 *  - every byte is read through the accessors of decode-internal.h, so no
 *    input can make us read outside data[0..caplen);
 *  - a header cut short by the capture's snapshot length is
 *    PROBE_TRUNCATED, a header that contradicts itself (bad version, a
 *    length smaller than the header it describes) is PROBE_MALFORMED;
 *  - anything well-formed that we don't understand (LLDP, OSPF, ESP, an
 *    unknown IPv6 next header) is PROBE_OK with what could be decoded;
 *  - the work per frame is bounded: at most DECODE_MAX_TAGS VLAN tags and
 *    DECODE_MAX_IPV6_EXT extension headers are walked, so a hostile frame
 *    made of nothing but tags or headers cannot make us loop for long.
 *
 * Two lengths are tracked for the IP layer: `cap`, how many bytes of the
 * datagram the capture holds (never beyond the datagram's stated end, so
 * Ethernet padding is not taken for payload), and `stated`, where the IP
 * header says the datagram ends.  A header crossing `stated` is a lie
 * (MALFORMED); one crossing only `cap` was cut by the snaplen (TRUNCATED).
 */
#include <pcap/dlt.h>
#include <string.h>

#include "decode-internal.h"
#include "probe.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_8021Q 0x8100
#define ETHERTYPE_8021AD 0x88a8
#define ETHERTYPE_QINQ_LEGACY 0x9100 /* pre-802.1ad vendor QinQ */
#define ETHERTYPE_MIN 0x0600         /* below: an IEEE 802.3 length field */

#define LINKTYPE_RAW 101 /* what pcap files say for DLT_RAW, if libpcap did not map it */

#define ARPHRD_ETHER 1
#define ARPHRD_NETLINK 824

/* BSD address families as DLT_NULL/DLT_LOOP record them */
#define BSD_AF_INET 2
#define BSD_AF_INET6_BSD 24
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN 30

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_DCCP_ 33
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_ 51
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_SCTP_ 132
#define IPPROTO_MH_ 135
#define IPPROTO_UDPLITE_ 136
#define IPPROTO_HIP_ 139
#define IPPROTO_SHIM6_ 140
#define IPPROTO_EXP1_ 253
#define IPPROTO_EXP2_ 254

/*
 * Real networks stack two tags (QinQ), rarely three.  Eight is generous;
 * past it the frame is a lie or an attack, and walking on would only burn
 * time on it.
 */
#define DECODE_MAX_TAGS 8
/*
 * RFC 8200 sets no limit on the extension header chain, but RFC 7112 asks
 * that the whole chain sit in the first fragment and real stacks use a
 * handful.  Sixteen bounds the walk; a longer chain is reported MALFORMED.
 */
#define DECODE_MAX_IPV6_EXT 16
/* RFC 4302 in IPv4: AH carries the upper-layer header after it; nested AH
 * is legal but never seen, four is plenty. */
#define DECODE_MAX_IPV4_AH 4

const char *probe_status_name(enum probe_status st)
{
	switch (st) {
	case PROBE_OK:
		return "ok";
	case PROBE_TRUNCATED:
		return "truncated";
	case PROBE_MALFORMED:
		return "malformed";
	case PROBE_UNSUPPORTED_LINKTYPE:
		return "unsupported-linktype";
	}
	return "unknown";
}

bool probe_linktype_supported(int linktype)
{
	switch (linktype) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case LINKTYPE_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

static void addr_set(struct topo_addr *a, uint8_t family, const uint8_t *bytes, size_t n)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->bytes, bytes, n);
}

/*
 * Transport headers: TCP (RFC 9293 §3.1), UDP (RFC 768), UDP-Lite
 * (RFC 3828: same port layout), SCTP (RFC 9260 §3.1), DCCP (RFC 4340 §5.1),
 * ICMP (RFC 792), ICMPv6 (RFC 4443 §2.1, echo §4).
 *
 * `d[off..]` is the transport header; `cap` and `stated` as in the file
 * comment.  Callers only come here for whole datagrams and first
 * fragments; a first fragment's transport header may be cut by the
 * fragment's own end (RFC 1858 "tiny fragments"), which we accept without
 * ports instead of calling it malformed.
 */
static enum probe_status decode_transport(const uint8_t *d, size_t cap, size_t off, size_t stated, bool guessed,
					  bool is_v6, struct probe_packet *ret)
{
	size_t have = stated - off; /* callers guarantee off <= stated */
	bool fragment = ret->is_fragment;
	/* what a header too short for its datagram is: accepted in a first
	 * fragment, cut by the snaplen when the length was only guessed from
	 * the capture (TSO, jumbogram), a lie otherwise */
	enum probe_status short_st = fragment ? PROBE_OK : guessed ? PROBE_TRUNCATED : PROBE_MALFORMED;
	uint16_t sport, dport;
	uint8_t b, type, code;

	switch (ret->proto) {
	case IPPROTO_TCP_: {
		uint8_t doff;

		if (have < 20)
			return short_st;
		/* 14 bytes give ports, data offset and flags: enough even when
		 * an old 68-byte snaplen cut an IPv6 TCP header in the middle */
		if (!probe_get_be16(d, cap, off, &sport) || !probe_get_be16(d, cap, off + 2, &dport) ||
		    !probe_get_u8(d, cap, off + 12, &doff) || !probe_get_u8(d, cap, off + 13, &b))
			return PROBE_TRUNCATED;
		doff = (uint8_t)((doff >> 4) * 4);
		if (doff < 20)
			return PROBE_MALFORMED;
		if (doff > have) {
			if (short_st != PROBE_OK)
				return short_st;
			doff = (uint8_t)have;
		}
		ret->has_ports = true;
		ret->sport = sport;
		ret->dport = dport;
		ret->tcp_flags = b;
		ret->l4_payload_len = (uint32_t)(have - doff);
		return PROBE_OK;
	}
	case IPPROTO_UDP_:
	case IPPROTO_UDPLITE_:
	case IPPROTO_SCTP_:
	case IPPROTO_DCCP_: {
		size_t hdr = ret->proto == IPPROTO_UDP_ || ret->proto == IPPROTO_UDPLITE_ ? 8 : 12;

		if (have < hdr)
			return short_st;
		if (!probe_get_be16(d, cap, off, &sport) || !probe_get_be16(d, cap, off + 2, &dport))
			return PROBE_TRUNCATED;
		ret->has_ports = true;
		ret->sport = sport;
		ret->dport = dport;
		if (ret->proto == IPPROTO_UDP_ || ret->proto == IPPROTO_UDPLITE_)
			ret->l4_payload_len = (uint32_t)(have - hdr);
		return PROBE_OK;
	}
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_: {
		bool echo;

		/* ICMP in IPv6 or ICMPv6 in IPv4 is some other protocol number
		 * reuse; leave it undecoded */
		if ((ret->proto == IPPROTO_ICMPV6_) != is_v6)
			return PROBE_OK;
		/* every RFC 792 message has an 8-byte header; RFC 4443 only 4 */
		if (have < (is_v6 ? 4u : 8u))
			return short_st;
		if (!probe_get_u8(d, cap, off, &type) || !probe_get_u8(d, cap, off + 1, &code))
			return PROBE_TRUNCATED;
		ret->has_icmp = true;
		ret->icmp_type = type;
		ret->icmp_code = code;
		if (is_v6) {
			ret->icmp_is_echo_request = type == 128;
			ret->icmp_is_echo_reply = type == 129;
			/* RFC 4443 §2.1: error messages have the high bit clear */
			ret->icmp_is_error = type < 128;
		} else {
			ret->icmp_is_echo_request = type == 8;
			ret->icmp_is_echo_reply = type == 0;
			ret->icmp_is_error = type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
		}
		echo = ret->icmp_is_echo_request || ret->icmp_is_echo_reply;
		if (echo) {
			if (have < 8)
				return short_st;
			if (!probe_get_be16(d, cap, off + 4, &ret->icmp_id))
				return PROBE_TRUNCATED;
		}
		return PROBE_OK;
	}
	default:
		/* GRE, ESP, OSPF, PIM, IPComp, "no next header" …: keyed on
		 * addresses and protocol only */
		return PROBE_OK;
	}
}

/*
 * IPv4, RFC 791 §3.1 (fragments §2.3, options skipped via IHL); AH in IPv4
 * per RFC 4302 §2 so an AH-protected TCP connection is still seen as TCP.
 */
static enum probe_status decode_ipv4(const uint8_t *d, size_t len, struct probe_packet *ret)
{
	uint8_t vihl, proto;
	uint16_t tot, id, frag;
	uint8_t src[4], dst[4];
	size_t hl, stated, cap, off;
	bool guessed = false;
	unsigned ah;

	if (!probe_get_u8(d, len, 0, &vihl))
		return PROBE_TRUNCATED;
	if (vihl >> 4 != 4)
		return PROBE_MALFORMED;
	if (!probe_get_be16(d, len, 2, &tot) || !probe_get_be16(d, len, 4, &id) || !probe_get_be16(d, len, 6, &frag) ||
	    !probe_get_u8(d, len, 9, &proto) || !probe_get_bytes(d, len, 12, 4, src) ||
	    !probe_get_bytes(d, len, 16, 4, dst))
		return PROBE_TRUNCATED;
	hl = (size_t)(vihl & 0x0f) * 4;
	if (hl < 20)
		return PROBE_MALFORMED;
	if (tot == 0) {
		/* A total length of 0 is what Linux captures show for a large
		 * segment handed to the NIC for segmentation (TSO); tcpdump
		 * guesses the same.  Take the captured length. */
		stated = len;
		guessed = true;
	} else {
		if (tot < hl)
			return PROBE_MALFORMED;
		stated = tot;
	}
	if (!probe_in_bounds(len, 0, hl))
		return PROBE_TRUNCATED;

	ret->l3 = PROBE_L3_IPV4;
	addr_set(&ret->src, 4, src, 4);
	addr_set(&ret->dst, 4, dst, 4);
	ret->proto = proto;
	ret->ip_len = (uint32_t)stated;
	if (frag & 0x3fff) { /* MF set or offset > 0 */
		ret->is_fragment = true;
		ret->first_fragment = (frag & 0x1fff) == 0;
		ret->frag_id = id;
	}
	cap = len < stated ? len : stated;
	off = hl;
	if (ret->is_fragment && !ret->first_fragment) {
		ret->l4_payload_len = (uint32_t)(stated - off);
		return PROBE_OK;
	}

	for (ah = 0; ret->proto == IPPROTO_AH_; ah++) {
		uint8_t next, alen;
		size_t ahlen;

		if (ah >= DECODE_MAX_IPV4_AH)
			return PROBE_MALFORMED;
		if (stated - off < 12)
			return guessed ? PROBE_TRUNCATED : PROBE_MALFORMED;
		if (!probe_get_u8(d, cap, off, &next) || !probe_get_u8(d, cap, off + 1, &alen))
			return PROBE_TRUNCATED;
		ahlen = ((size_t)alen + 2) * 4;
		if (ahlen > stated - off)
			return guessed ? PROBE_TRUNCATED : PROBE_MALFORMED;
		off += ahlen;
		ret->proto = next;
	}
	return decode_transport(d, cap, off, stated, guessed, false, ret);
}

/*
 * IPv6, RFC 8200 §3 (header), §4 (extension headers: hop-by-hop §4.3,
 * routing §4.4, fragment §4.5, destination options §4.6), AH (RFC 4302
 * §2.2: length in 4-octet units minus 2), and the headers RFC 7045 lists
 * with the generic format (mobility RFC 6275, HIP RFC 7401, shim6
 * RFC 5533, experimental RFC 3692).  ESP (50) and "no next header" (59)
 * end the walk with proto set to them.
 */
static enum probe_status decode_ipv6(const uint8_t *d, size_t len, struct probe_packet *ret)
{
	uint8_t b0, nh;
	uint16_t plen;
	uint8_t src[16], dst[16];
	size_t stated, cap, off;
	bool guessed = false;
	enum probe_status short_st;
	unsigned n;

	if (!probe_get_u8(d, len, 0, &b0))
		return PROBE_TRUNCATED;
	if (b0 >> 4 != 6)
		return PROBE_MALFORMED;
	if (!probe_get_be16(d, len, 4, &plen) || !probe_get_u8(d, len, 6, &nh) ||
	    !probe_get_bytes(d, len, 8, 16, src) || !probe_get_bytes(d, len, 24, 16, dst))
		return PROBE_TRUNCATED;
	if (plen == 0 && nh != 59) {
		/* a jumbogram (RFC 2675, length in hop-by-hop) or a Linux
		 * GSO/BIG TCP capture: take the captured length */
		stated = len;
		guessed = true;
	} else {
		stated = 40 + (size_t)plen;
	}

	ret->l3 = PROBE_L3_IPV6;
	addr_set(&ret->src, 6, src, 16);
	addr_set(&ret->dst, 6, dst, 16);
	ret->ip_len = (uint32_t)stated;
	cap = len < stated ? len : stated;
	off = 40;
	short_st = guessed ? PROBE_TRUNCATED : PROBE_MALFORMED;

	for (n = 0;; n++) {
		uint8_t next, hlen;
		uint16_t fragfield;
		uint32_t id;
		size_t extlen;

		switch (nh) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
		case IPPROTO_MH_:
		case IPPROTO_HIP_:
		case IPPROTO_SHIM6_:
		case IPPROTO_EXP1_:
		case IPPROTO_EXP2_:
			if (n >= DECODE_MAX_IPV6_EXT)
				return PROBE_MALFORMED;
			if (stated - off < 8)
				return short_st;
			if (!probe_get_u8(d, cap, off, &next) || !probe_get_u8(d, cap, off + 1, &hlen))
				return PROBE_TRUNCATED;
			extlen = ((size_t)hlen + 1) * 8;
			if (extlen > stated - off)
				return short_st;
			off += extlen;
			nh = next;
			continue;
		case IPPROTO_AH_:
			if (n >= DECODE_MAX_IPV6_EXT)
				return PROBE_MALFORMED;
			if (stated - off < 12)
				return short_st;
			if (!probe_get_u8(d, cap, off, &next) || !probe_get_u8(d, cap, off + 1, &hlen))
				return PROBE_TRUNCATED;
			extlen = ((size_t)hlen + 2) * 4;
			if (extlen > stated - off)
				return short_st;
			off += extlen;
			nh = next;
			continue;
		case IPPROTO_FRAGMENT_:
			if (n >= DECODE_MAX_IPV6_EXT)
				return PROBE_MALFORMED;
			if (stated - off < 8)
				return short_st;
			if (!probe_get_u8(d, cap, off, &next) || !probe_get_be16(d, cap, off + 2, &fragfield) ||
			    !probe_get_be32(d, cap, off + 4, &id))
				return PROBE_TRUNCATED;
			off += 8;
			nh = next;
			/* offset 0 without M is an "atomic fragment" (RFC 6946):
			 * a whole datagram, decoded as one */
			if (fragfield & 0xfff9) {
				ret->is_fragment = true;
				ret->first_fragment = (fragfield & 0xfff8) == 0;
				ret->frag_id = id;
				if (!ret->first_fragment) {
					ret->proto = nh;
					ret->l4_payload_len = (uint32_t)(stated - off);
					return PROBE_OK;
				}
			}
			continue;
		default:
			break;
		}
		break;
	}
	ret->proto = nh;
	return decode_transport(d, cap, off, stated, guessed, true, ret);
}

/* ARP, RFC 826; only Ethernet hardware with IPv4 protocol addresses is
 * decoded (what DUAL-HOMED and ADDRESS-SPOOF look at). */
static enum probe_status decode_arp(const uint8_t *d, size_t len, struct probe_packet *ret)
{
	uint16_t htype, ptype, op;
	uint8_t hlen, plen, spa[4], tpa[4];

	if (!probe_get_be16(d, len, 0, &htype) || !probe_get_be16(d, len, 2, &ptype) ||
	    !probe_get_u8(d, len, 4, &hlen) || !probe_get_u8(d, len, 5, &plen) || !probe_get_be16(d, len, 6, &op))
		return PROBE_TRUNCATED;
	if (htype != 1 || ptype != ETHERTYPE_IPV4 || hlen != 6 || plen != 4)
		return PROBE_OK; /* l3 stays NONE */
	if (!probe_get_bytes(d, len, 8, 6, ret->arp_sha) || !probe_get_bytes(d, len, 14, 4, spa) ||
	    !probe_get_bytes(d, len, 18, 6, ret->arp_tha) || !probe_get_bytes(d, len, 24, 4, tpa))
		return PROBE_TRUNCATED;
	ret->l3 = PROBE_L3_ARP;
	ret->arp_op = op;
	addr_set(&ret->arp_spa, 4, spa, 4);
	addr_set(&ret->arp_tpa, 4, tpa, 4);
	ret->src = ret->arp_spa;
	ret->dst = ret->arp_tpa;
	return PROBE_OK;
}

/*
 * VLAN tags (IEEE 802.1Q-2018 §9.5: TPID 0x8100 C-tag, 0x88a8 S-tag; 0x9100
 * the pre-standard QinQ TPID), then the network layer by EtherType
 * (IEEE 802.3 §3.2.6: values below 0x0600 are lengths, i.e. 802.2 LLC).
 * `off` is where the type/length field's payload starts.
 */
static enum probe_status decode_ethertype(const uint8_t *d, size_t len, size_t off, uint16_t type,
					  struct probe_packet *ret)
{
	unsigned tags = 0;

	while (type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD || type == ETHERTYPE_QINQ_LEGACY) {
		uint16_t tci, next, vid;

		if (++tags > DECODE_MAX_TAGS)
			return PROBE_MALFORMED;
		if (!probe_get_be16(d, len, off, &tci) || !probe_get_be16(d, len, off + 2, &next))
			return PROBE_TRUNCATED;
		vid = tci & 0x0fff;
		/* VID 0 is a priority tag (802.1Q §9.6): no VLAN membership, so it
		 * must not split a flow from its untagged other direction */
		if (vid != 0 && ret->n_vlans < PROBE_MAX_VLANS)
			ret->vlans[ret->n_vlans++] = vid;
		off += 4;
		type = next;
	}
	if (type < ETHERTYPE_MIN)
		return PROBE_OK; /* 802.3 + LLC (STP, IPX, IS-IS …): ethertype stays 0 */
	ret->ethertype = type;
	switch (type) {
	case ETHERTYPE_IPV4:
		return decode_ipv4(d + off, len - off, ret);
	case ETHERTYPE_IPV6:
		return decode_ipv6(d + off, len - off, ret);
	case ETHERTYPE_ARP:
		return decode_arp(d + off, len - off, ret);
	default:
		return PROBE_OK; /* LLDP, RARP, MPLS, PPPoE, … */
	}
}

/* Ethernet II / IEEE 802.3 (IEEE 802.3 §3.1.1): dst, src, type/length. */
static enum probe_status decode_ether(const uint8_t *d, size_t len, struct probe_packet *ret)
{
	uint16_t type;

	if (!probe_get_bytes(d, len, 0, 6, ret->dst_mac) || !probe_get_bytes(d, len, 6, 6, ret->src_mac) ||
	    !probe_get_be16(d, len, 12, &type))
		return PROBE_TRUNCATED;
	ret->has_mac = true;
	return decode_ethertype(d, len, 14, type, ret);
}

/*
 * Linux cooked capture v1 and v2 (https://www.tcpdump.org/linktypes/
 * LINKTYPE_LINUX_SLL.html, LINKTYPE_LINUX_SLL2.html).  The address in the
 * header is the sender's, for incoming and outgoing packets alike; the
 * destination MAC is not recorded, so dst_mac stays zero.
 */
static enum probe_status decode_sll_common(const uint8_t *d, size_t len, size_t hdrlen, uint16_t hatype,
					   unsigned halen, const uint8_t addr[8], uint16_t proto,
					   struct probe_packet *ret)
{
	if (hatype == ARPHRD_ETHER && halen == 6) {
		ret->has_mac = true;
		memcpy(ret->src_mac, addr, 6);
	}
	if (hatype == ARPHRD_NETLINK)
		return PROBE_OK; /* the protocol field is a netlink family there */
	return decode_ethertype(d, len, hdrlen, proto, ret);
}

static enum probe_status decode_sll(const uint8_t *d, size_t len, struct probe_packet *ret)
{
	uint16_t hatype, halen, proto;
	uint8_t addr[8];

	if (!probe_get_be16(d, len, 2, &hatype) || !probe_get_be16(d, len, 4, &halen) ||
	    !probe_get_bytes(d, len, 6, 8, addr) || !probe_get_be16(d, len, 14, &proto))
		return PROBE_TRUNCATED;
	return decode_sll_common(d, len, 16, hatype, halen, addr, proto, ret);
}

static enum probe_status decode_sll2(const uint8_t *d, size_t len, struct probe_packet *ret)
{
	uint16_t proto, hatype;
	uint8_t halen;
	uint8_t addr[8];

	if (!probe_get_be16(d, len, 0, &proto) || !probe_get_be16(d, len, 8, &hatype) ||
	    !probe_get_u8(d, len, 11, &halen) || !probe_get_bytes(d, len, 12, 8, addr))
		return PROBE_TRUNCATED;
	return decode_sll_common(d, len, 20, hatype, halen, addr, proto, ret);
}

/* Raw IP (LINKTYPE_RAW, LINKTYPE_IPV4/IPV6): the version nibble decides,
 * and must match the link type's promise. */
static enum probe_status decode_raw(const uint8_t *d, size_t len, unsigned want, struct probe_packet *ret)
{
	uint8_t b0;
	unsigned version;

	if (!probe_get_u8(d, len, 0, &b0))
		return PROBE_TRUNCATED;
	version = b0 >> 4;
	if (want && version != want)
		return PROBE_MALFORMED;
	if (version == 4) {
		ret->ethertype = ETHERTYPE_IPV4;
		return decode_ipv4(d, len, ret);
	}
	if (version == 6) {
		ret->ethertype = ETHERTYPE_IPV6;
		return decode_ipv6(d, len, ret);
	}
	return PROBE_MALFORMED;
}

/*
 * BSD loopback (LINKTYPE_NULL: host byte order of the capturing machine;
 * LINKTYPE_LOOP: network order): a 4-byte address family.  Like tcpdump we
 * accept either order — real families fit in 16 bits — and the three
 * values BSDs use for AF_INET6.
 */
static enum probe_status decode_null(const uint8_t *d, size_t len, struct probe_packet *ret)
{
	uint32_t family;

	if (!probe_get_be32(d, len, 0, &family))
		return PROBE_TRUNCATED;
	if (family & 0xffff0000u) {
		if (!probe_get_le32(d, len, 0, &family))
			return PROBE_TRUNCATED;
	}
	switch (family) {
	case BSD_AF_INET:
		return decode_raw(d + 4, len - 4, 4, ret);
	case BSD_AF_INET6_BSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		return decode_raw(d + 4, len - 4, 6, ret);
	default:
		return PROBE_OK; /* OSI, IPX, …: not ours */
	}
}

enum probe_status probe_decode(int linktype, const uint8_t *data, size_t caplen, struct probe_packet *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!data)
		caplen = 0;

	switch (linktype) {
	case DLT_EN10MB:
		return decode_ether(data, caplen, ret);
	case DLT_LINUX_SLL:
		return decode_sll(data, caplen, ret);
	case DLT_LINUX_SLL2:
		return decode_sll2(data, caplen, ret);
	case DLT_RAW:
	case LINKTYPE_RAW:
		return decode_raw(data, caplen, 0, ret);
	case DLT_IPV4:
		return decode_raw(data, caplen, 4, ret);
	case DLT_IPV6:
		return decode_raw(data, caplen, 6, ret);
	case DLT_NULL:
	case DLT_LOOP:
		return decode_null(data, caplen, ret);
	default:
		return PROBE_UNSUPPORTED_LINKTYPE;
	}
}
