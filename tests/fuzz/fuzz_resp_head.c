/*
 * fuzz_resp_head: an upstream response head (edge/resp_head.c) from
 * arbitrary bytes, split into lines at '\n' as libcurl hands them over,
 * each line in an exactly sized copy so ASan sees any over-read.
 *
 * Oracle: every kept string is NUL-terminated inside its buffer; the
 * pass-through lists hold whole "Name: value" lines with no control byte
 * but the '\n' separators and tabs, and their recorded lengths are their
 * string lengths; the status is 0 or a 3-digit code; Content-Length is -1
 * or a non-negative number; Age is never negative.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resp_head.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void
check_list(const char *list, size_t cap, size_t len)
{
	if (memchr(list, '\0', cap) == NULL || strlen(list) != len)
		abort();
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)list[i] < 0x20 && list[i] != '\n' && list[i] != '\t')
			abort();
	if (len && list[len - 1] != '\n')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct resp_head h;
	size_t off = 0;

	resp_head_reset(&h);
	while (off < n) {
		const uint8_t *nl = memchr(d + off, '\n', n - off);
		size_t len = nl ? (size_t)(nl - (d + off)) + 1 : n - off;
		char *line = malloc(len ? len : 1);
		if (line == NULL)
			return 0;
		memcpy(line, d + off, len);
		resp_head_line(&h, line, len);
		free(line);
		off += len;
	}
	if (memchr(h.ctype, '\0', sizeof(h.ctype)) == NULL ||
	    memchr(h.etag, '\0', sizeof(h.etag)) == NULL ||
	    memchr(h.lastmod, '\0', sizeof(h.lastmod)) == NULL ||
	    memchr(h.cc, '\0', sizeof(h.cc)) == NULL ||
	    memchr(h.customer, '\0', sizeof(h.customer)) == NULL ||
	    memchr(h.stream, '\0', sizeof(h.stream)) == NULL)
		abort();
	check_list(h.extra, sizeof(h.extra), h.extra_len);
	check_list(h.internal, sizeof(h.internal), h.internal_len);
	if (h.status != 0 && (h.status < 100 || h.status > 999))
		abort();
	if (h.clen < -1 || h.age_s < 0)
		abort();
	return 0;
}
