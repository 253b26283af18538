/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPv4/IPv6 addresses, prefixes and MAC addresses: parsing, formatting and
 * the few predicates the loader and the analysers need.
 * IPv4 text form: RFC 791 dotted quad (no octal, no short forms).
 * IPv6 text form: RFC 4291 §2.2, written back as RFC 5952.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "topology-internal.h"

int topo_addr_parse(const char *s, struct topo_addr *ret)
{
	struct topo_addr a = { 0 };
	size_t n;

	if (!s || !ret)
		return -EINVAL;
	/* Bound the input before handing it to inet_pton(): a megabyte of
	 * digits is not an address. */
	n = strnlen(s, TOPO_ADDR_STRLEN + 1);
	if (n == 0 || n >= TOPO_ADDR_STRLEN)
		return -EINVAL;
	if (memchr(s, ':', n)) {
		if (inet_pton(AF_INET6, s, a.bytes) != 1)
			return -EINVAL;
		a.family = 6;
	} else {
		/* glibc's inet_pton(AF_INET) takes exactly four decimal
		 * octets without leading zeros, unlike inet_aton(). */
		if (inet_pton(AF_INET, s, a.bytes) != 1)
			return -EINVAL;
		a.family = 4;
	}
	*ret = a;
	return 0;
}

/* A byte at a time, not a bit: the segment lookup masks the address once
 * per prefix length the site uses, for every station and connection end. */
void topo_addr_mask(struct topo_addr *a, uint8_t len)
{
	unsigned n = (unsigned)topo_addr_len(a);

	if (len >= n * 8)
		return;
	a->bytes[len / 8] &= (uint8_t)(0xff00u >> (len % 8));
	memset(a->bytes + len / 8 + 1, 0, n - len / 8 - 1);
}

void topo_addr_last(struct topo_addr *a, uint8_t len)
{
	unsigned n = (unsigned)topo_addr_len(a);

	if (len >= n * 8)
		return;
	a->bytes[len / 8] |= (uint8_t)(0xffu >> (len % 8));
	memset(a->bytes + len / 8 + 1, 0xff, n - len / 8 - 1);
}

int topo_addr_cmp(const struct topo_addr *a, const struct topo_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, topo_addr_len(a));
}

int topo_cidr_parse(const char *s, struct topo_addr *ret_addr, uint8_t *ret_prefix)
{
	char buf[TOPO_ADDR_STRLEN];
	struct topo_addr a, masked;
	const char *slash;
	unsigned prefix = 0;
	size_t n;

	if (!s || !ret_addr || !ret_prefix)
		return -EINVAL;
	n = strnlen(s, TOPO_ADDR_STRLEN + 5);
	if (n > TOPO_ADDR_STRLEN + 4)
		return -EINVAL;
	slash = memchr(s, '/', n);
	if (!slash) {
		if (topo_addr_parse(s, &a) < 0)
			return -EINVAL;
		*ret_addr = a;
		*ret_prefix = (uint8_t)topo_addr_bits(&a);
		return 0;
	}
	if ((size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (topo_addr_parse(buf, &a) < 0)
		return -EINVAL;

	/* 1 to 3 decimal digits, no sign, no leading zero ("/08" is
	 * more likely a typo than a /8). */
	const char *p = slash + 1;
	size_t digits = strlen(p);
	if (digits == 0 || digits > 3 || (digits > 1 && p[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < digits; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		prefix = prefix * 10 + (unsigned)(p[i] - '0');
	}
	if (prefix > topo_addr_bits(&a))
		return -EINVAL;

	masked = a;
	topo_addr_mask(&masked, (uint8_t)prefix);
	if (memcmp(&masked, &a, sizeof(a)) != 0)
		return -EINVAL;
	*ret_addr = a;
	*ret_prefix = (uint8_t)prefix;
	return 0;
}

char *topo_addr_format(const struct topo_addr *a, char *buf)
{
	if (!a || (a->family != 4 && a->family != 6) ||
	    !inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->bytes, buf, TOPO_ADDR_STRLEN))
		snprintf(buf, TOPO_ADDR_STRLEN, "?");
	return buf;
}

bool topo_addr_in_prefix(const struct topo_addr *a, const struct topo_addr *prefix, uint8_t len)
{
	unsigned full, rest;

	if (!a || !prefix || a->family != prefix->family || (a->family != 4 && a->family != 6))
		return false;
	if (len > topo_addr_bits(a))
		return false;
	full = len / 8;
	rest = len % 8;
	if (memcmp(a->bytes, prefix->bytes, full) != 0)
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xffu << (8 - rest));

		if ((a->bytes[full] & m) != (prefix->bytes[full] & m))
			return false;
	}
	return true;
}

bool topo_addr_is_link_scoped(const struct topo_addr *a)
{
	const uint8_t *b = a->bytes;

	if (a->family == 4) {
		return b[0] == 0 ||                          /* 0.0.0.0/8: "this network", DHCP source */
		       b[0] == 127 ||                        /* loopback */
		       (b[0] == 169 && b[1] == 254) ||       /* link-local, RFC 3927 */
		       (b[0] & 0xf0) == 224 ||               /* multicast 224/4 */
		       (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255); /* limited broadcast */
	}
	if (a->family == 6) {
		static const uint8_t zero[15];

		if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1))
			return true;                          /* :: (DAD source) and ::1 */
		return (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || /* fe80::/10 */
		       b[0] == 0xff;                              /* ff00::/8 */
	}
	return false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int topo_mac_parse(const char *s, uint8_t ret[6])
{
	uint8_t mac[6];
	char sep;

	if (!s || !ret || strnlen(s, 18) != 17)
		return -EINVAL;
	sep = s[2];
	if (sep != ':' && sep != '-')
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		/* One separator throughout: "02:00-00…" is a typo. */
		if (i < 5 && s[3 * i + 2] != sep)
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(ret, mac, 6);
	return 0;
}

char *topo_mac_format(const uint8_t mac[6], char *buf)
{
	snprintf(buf, TOPO_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}
