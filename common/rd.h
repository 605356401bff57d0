/*
 * rd: a bounded read cursor over peer input.
 *
 * Every parser of network or file input (RTMP chunks, AMF0, FLV, BGP, HTTP
 * ranges, playlists) reads only through a struct rd. Each accessor checks
 * the bytes left first and returns -EPROTO when the input is short, leaving
 * the cursor unchanged. Multi-byte integers are assembled byte by byte, so
 * the host's endianness and alignment never matter. A length-prefixed field
 * is parsed inside its own sub-cursor (rd_sub), so it cannot read past its
 * end (OpenBGPD ibuf_get_ibuf).
 */
#ifndef CDN_RD_H
#define CDN_RD_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
	const uint8_t *p;
	size_t left;
};

static inline void
rd_init(struct rd *r, const void *p, size_t len)
{
	r->p = p;
	r->left = len;
}

static inline int
rd_u8(struct rd *r, uint8_t *v)
{
	if (r->left < 1)
		return -EPROTO;
	*v = r->p[0];
	r->p++;
	r->left--;
	return 0;
}

static inline int
rd_be16(struct rd *r, uint16_t *v)
{
	if (r->left < 2)
		return -EPROTO;
	*v = (uint16_t)((unsigned)r->p[0] << 8 | r->p[1]);
	r->p += 2;
	r->left -= 2;
	return 0;
}

static inline int
rd_be24(struct rd *r, uint32_t *v)
{
	if (r->left < 3)
		return -EPROTO;
	*v = (uint32_t)r->p[0] << 16 | (uint32_t)r->p[1] << 8 | r->p[2];
	r->p += 3;
	r->left -= 3;
	return 0;
}

static inline int
rd_be32(struct rd *r, uint32_t *v)
{
	if (r->left < 4)
		return -EPROTO;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	    (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return 0;
}

/* Little-endian 32 bits: only RTMP's message stream id uses this order. */
static inline int
rd_le32(struct rd *r, uint32_t *v)
{
	if (r->left < 4)
		return -EPROTO;
	*v = (uint32_t)r->p[3] << 24 | (uint32_t)r->p[2] << 16 |
	    (uint32_t)r->p[1] << 8 | r->p[0];
	r->p += 4;
	r->left -= 4;
	return 0;
}

static inline int
rd_be64(struct rd *r, uint64_t *v)
{
	uint32_t hi, lo;

	if (r->left < 8)
		return -EPROTO;
	rd_be32(r, &hi);
	rd_be32(r, &lo);
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

/* Copy n bytes out. */
static inline int
rd_bytes(struct rd *r, void *out, size_t n)
{
	if (r->left < n)
		return -EPROTO;
	if (n)
		memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return 0;
}

/* Borrow n bytes in place: *out points into the input, valid as long as it. */
static inline int
rd_ptr(struct rd *r, size_t n, const uint8_t **out)
{
	if (r->left < n)
		return -EPROTO;
	*out = r->p;
	r->p += n;
	r->left -= n;
	return 0;
}

static inline int
rd_skip(struct rd *r, size_t n)
{
	if (r->left < n)
		return -EPROTO;
	r->p += n;
	r->left -= n;
	return 0;
}

/* Carve the next n bytes into *sub and step over them. */
static inline int
rd_sub(struct rd *r, size_t n, struct rd *sub)
{
	if (r->left < n)
		return -EPROTO;
	sub->p = r->p;
	sub->left = n;
	r->p += n;
	r->left -= n;
	return 0;
}

/* Look at the next byte without consuming it. */
static inline int
rd_peek_u8(const struct rd *r, uint8_t *v)
{
	if (r->left < 1)
		return -EPROTO;
	*v = r->p[0];
	return 0;
}

#endif
