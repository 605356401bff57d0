/*
 * buf: a growable byte buffer with a ceiling (curl dynbuf).
 *
 * A buffer never grows past the max given to buf_init: an append that would
 * cross it fails with -ENOBUFS and leaves the buffer as it was. Writers are
 * sticky: after the first failure, buf->err holds the error and every later
 * put is a no-op, so a builder appends a whole message and checks once
 * (OpenBGPD's "errs +="). Network byte order helpers live here because
 * every wire format we write (RTMP, AMF0, FLV, BGP) is big-endian.
 */
#ifndef CDN_BUF_H
#define CDN_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data;
	size_t len;  /* bytes used */
	size_t cap;  /* bytes allocated */
	size_t max;  /* ceiling: len never exceeds it */
	int err;     /* first error of a put, sticky until buf_reset */
};

void buf_init(struct buf *b, size_t max);
void buf_fini(struct buf *b);                 /* frees; b can be reused after buf_init */
void buf_reset(struct buf *b);                /* len = 0, err = 0, keeps memory */
int buf_reserve(struct buf *b, size_t extra);  /* 0, -ENOBUFS or -ENOMEM */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Drop the first n bytes (n <= len), moving the rest to the front. */
void buf_consume(struct buf *b, size_t n);
/* Hand the bytes to the caller, who frees them with free(); b is left empty. */
uint8_t *buf_steal(struct buf *b, size_t *len);

/* Sticky big-endian writers: return buf->err after the put. */
int buf_put_u8(struct buf *b, uint8_t v);
int buf_put_be16(struct buf *b, uint16_t v);
int buf_put_be24(struct buf *b, uint32_t v);
int buf_put_be32(struct buf *b, uint32_t v);
int buf_put_le32(struct buf *b, uint32_t v);
int buf_put_be64(struct buf *b, uint64_t v);

#endif
