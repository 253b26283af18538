/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bounds-checked field accessors for the decoders (the idea of tcpdump's
 * extract.h, but returning bool instead of longjmp()ing out).
 *
 * Every read of packet bytes in probe/ goes through one of these.  Each
 * takes the buffer, its length and an offset, and returns false without
 * touching *ret when the field does not lie entirely inside [0, len).  The
 * checks are written so that they cannot overflow: `off <= len` first, then
 * `n <= len - off`.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline bool probe_in_bounds(size_t len, size_t off, size_t n)
{
	return off <= len && n <= len - off;
}

static inline bool probe_get_u8(const uint8_t *d, size_t len, size_t off, uint8_t *ret)
{
	if (!probe_in_bounds(len, off, 1))
		return false;
	*ret = d[off];
	return true;
}

static inline bool probe_get_be16(const uint8_t *d, size_t len, size_t off, uint16_t *ret)
{
	if (!probe_in_bounds(len, off, 2))
		return false;
	*ret = (uint16_t)((unsigned)d[off] << 8 | d[off + 1]);
	return true;
}

static inline bool probe_get_le16(const uint8_t *d, size_t len, size_t off, uint16_t *ret)
{
	if (!probe_in_bounds(len, off, 2))
		return false;
	*ret = (uint16_t)((unsigned)d[off + 1] << 8 | d[off]);
	return true;
}

static inline bool probe_get_be32(const uint8_t *d, size_t len, size_t off, uint32_t *ret)
{
	if (!probe_in_bounds(len, off, 4))
		return false;
	*ret = (uint32_t)d[off] << 24 | (uint32_t)d[off + 1] << 16 | (uint32_t)d[off + 2] << 8 | d[off + 3];
	return true;
}

static inline bool probe_get_le32(const uint8_t *d, size_t len, size_t off, uint32_t *ret)
{
	if (!probe_in_bounds(len, off, 4))
		return false;
	*ret = (uint32_t)d[off + 3] << 24 | (uint32_t)d[off + 2] << 16 | (uint32_t)d[off + 1] << 8 | d[off];
	return true;
}

/* Copies n bytes (a MAC, an address) out of the packet. */
static inline bool probe_get_bytes(const uint8_t *d, size_t len, size_t off, size_t n, void *ret)
{
	if (!probe_in_bounds(len, off, n))
		return false;
	memcpy(ret, d + off, n);
	return true;
}
