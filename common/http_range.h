/*
 * http_range: the Range request header (RFC 9110 14.1-14.2) for one
 * representation of known size. Only single byte ranges are served; a
 * multi-range request is answered with the whole representation (200), as
 * RFC 9110 allows a server to ignore Range. Forms: "bytes=a-b", "bytes=a-",
 * "bytes=-n" (suffix). Numbers are bounded: no overflow on absurd values.
 */
#ifndef CDN_HTTP_RANGE_H
#define CDN_HTTP_RANGE_H

#include <stdint.h>

struct http_range {
	uint64_t first, last;    /* inclusive byte positions */
};

enum {
	HTTP_RANGE_NONE = 0,     /* no header, ignored or invalid syntax: send 200 with all */
	HTTP_RANGE_OK = 1,       /* *r is set: send 206 */
	HTTP_RANGE_UNSATISFIABLE = -1, /* send 416 with Content-Range: bytes * / size */
};

/* hdr may be NULL. size is the representation's length in bytes. */
int http_range_parse(const char *hdr, uint64_t size, struct http_range *r);

#endif
