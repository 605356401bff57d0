/*
 * bitrd: a bounded MSB-first bit reader for the codec configuration parsers
 * (hevc_config.c, av1_config.c), the bit-level sibling of rd.h.
 *
 * Every read checks the bits left first and fails with -EPROTO, consuming
 * nothing, rather than inventing zero bits past the end. Exp-Golomb ue(v)
 * (H.265 9.2) and AV1's uvlc() (AV1 4.10.3) refuse codes that cannot fit
 * 32 bits. h264_config.c keeps its own static copy (it came first).
 */
#ifndef CDN_BITRD_H
#define CDN_BITRD_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bitrd {
	const uint8_t *p;
	size_t len;     /* bytes */
	size_t pos;     /* bits consumed */
};

static inline void
bitrd_init(struct bitrd *b, const uint8_t *p, size_t len)
{
	b->p = p;
	b->len = len;
	b->pos = 0;
}

static inline size_t
bitrd_left(const struct bitrd *b)
{
	return b->len * 8 - b->pos;
}

/* n <= 32 bits, MSB first. */
static inline int
bitrd_u(struct bitrd *b, unsigned n, uint32_t *v)
{
	uint32_t x = 0;
	unsigned i;

	if (n > 32 || n > bitrd_left(b))
		return -EPROTO;
	for (i = 0; i < n; i++, b->pos++)
		x = x << 1 | ((b->p[b->pos >> 3] >> (7 - (b->pos & 7))) & 1);
	*v = x;
	return 0;
}

static inline int
bitrd_flag(struct bitrd *b, bool *f)
{
	uint32_t v;
	int rc;

	if ((rc = bitrd_u(b, 1, &v)) != 0)
		return rc;
	*f = v != 0;
	return 0;
}

static inline int
bitrd_skip(struct bitrd *b, size_t n)
{
	if (n > bitrd_left(b))
		return -EPROTO;
	b->pos += n;
	return 0;
}

/* H.265 9.2 ue(v); more than 31 leading zeros cannot fit 32 bits. */
static inline int
bitrd_ue(struct bitrd *b, uint32_t *v)
{
	uint32_t bit, rest;
	unsigned lz = 0;
	int rc;

	for (;;) {
		if ((rc = bitrd_u(b, 1, &bit)) != 0)
			return rc;
		if (bit)
			break;
		if (++lz > 31)
			return -EPROTO;
	}
	if ((rc = bitrd_u(b, lz, &rest)) != 0)
		return rc;
	*v = (uint32_t)((1ull << lz) - 1 + rest);
	return 0;
}

/* AV1 4.10.3 uvlc(): 32 or more leading zeros mean (1 << 32) - 1. */
static inline int
bitrd_uvlc(struct bitrd *b, uint32_t *v)
{
	uint32_t bit, rest;
	unsigned lz = 0;
	int rc;

	for (;;) {
		if ((rc = bitrd_u(b, 1, &bit)) != 0)
			return rc;
		if (bit)
			break;
		lz++;
	}
	if (lz >= 32) {
		*v = UINT32_MAX;
		return 0;
	}
	if ((rc = bitrd_u(b, lz, &rest)) != 0)
		return rc;
	*v = (uint32_t)((1ull << lz) - 1 + rest);
	return 0;
}

#endif
