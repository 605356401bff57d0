/*
 * resp_head: the upstream response head, one header line at a time, as
 * libcurl's header callback hands it over (RFC 9110 5, RFC 9112 4).
 *
 * It keeps what the edge needs of a response: the status, Content-Type,
 * ETag, Last-Modified, Cache-Control (several lines joined with ',', RFC
 * 9110 5.3), Content-Length, Age, the Access-Control-* lines (passed on to
 * viewers) and the X-CDN-* lines (kept with the object, never sent to
 * viewers; X-CDN-Customer and X-CDN-Stream name the owner for accounting,
 * X-CDN-Access the stream's playback access mode, docs/access.md).
 *
 * Lines are peer input: every value is bounded (longer ones are cut, or
 * dropped from the pass-through lists), a line holding control bytes is
 * never kept for passing on, and numbers that do not parse are "absent".
 */
#ifndef CDN_EDGE_RESP_HEAD_H
#define CDN_EDGE_RESP_HEAD_H

#include <stddef.h>
#include <stdint.h>

#include "acct.h"
#include "cache.h"

struct resp_head {
	int status;                   /* 0 until a status line */
	char ctype[128], etag[160], lastmod[64], cc[256];
	char extra[COBJ_HDRS_MAX];    /* "Name: value\n" for Access-Control-* */
	size_t extra_len;
	char internal[512];           /* "Name: value\n" for X-CDN-* */
	size_t internal_len;
	char customer[ACCT_CUSTOMER_MAX + 1];
	char stream[ACCT_CUSTOMER_MAX + 1];
	int access;                   /* enum play_access from X-CDN-Access; -1 when absent */
	int64_t clen;                 /* -1 when absent or malformed */
	int64_t age_s;                /* 0 when absent or malformed */
};

enum resp_line {
	RESP_STATUS,                  /* a status line: the head was reset */
	RESP_HEADER,                  /* a header line (kept or ignored) */
	RESP_END,                     /* the empty line that ends a head */
};

void resp_head_reset(struct resp_head *h);

/* Take one line (n bytes, with or without its CRLF). */
enum resp_line resp_head_line(struct resp_head *h, const char *line, size_t n);

#endif
