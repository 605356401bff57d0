/*
 * http_range: parse one Range header against a known size; see
 * http_range.h.
 *
 * Implements RFC 9110 14.1.1 (range-set syntax: case-insensitive unit,
 * comma lists with optional white space and empty elements, int-range and
 * suffix-range) and 14.1.2 (byte positions, clamping a last-pos past the
 * end, suffix longer than the representation) plus the satisfiability rule
 * of 14.1.1 / 15.5.17 (416). Design: the header is peer input, so it is read
 * through a bounded cursor (rd.h); numbers longer than 19 digits are refused
 * before they could overflow a uint64_t. Anything we do not serve (another
 * unit, several ranges, bad syntax) yields HTTP_RANGE_NONE: RFC 9110 14.2
 * lets a server ignore Range and send the whole representation.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "http_range.h"
#include "rd.h"

#define RANGE_DIGITS_MAX 19  /* 10^19 - 1 < 2^64 - 1: cannot overflow */

static void
skip_ows(struct rd *in)
{
	uint8_t c;

	/* RFC 9110 5.6.3: OWS = *( SP / HTAB ) */
	while (rd_peek_u8(in, &c) == 0 && (c == ' ' || c == '\t'))
		rd_skip(in, 1);
}

static int
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* 1 with *v read, 0 when no digit is next, -1 for too many digits. */
static int
read_pos(struct rd *in, uint64_t *v)
{
	uint64_t x = 0;
	size_t nd = 0;
	uint8_t c;

	while (rd_peek_u8(in, &c) == 0 && is_digit(c)) {
		if (++nd > RANGE_DIGITS_MAX)
			return -1;
		x = x * 10 + (uint64_t)(c - '0');
		rd_skip(in, 1);
	}
	*v = x;
	return nd > 0;
}

/* RFC 9110 14.1: range-unit is a token compared case-insensitively. */
static int
eat_unit(struct rd *in)
{
	static const char unit[] = "bytes=";
	size_t i;
	uint8_t c;

	for (i = 0; i < sizeof(unit) - 1; i++) {
		if (rd_u8(in, &c) != 0)
			return -1;
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		if (c != (uint8_t)unit[i])
			return -1;
	}
	return 0;
}

/*
 * Parse hdr (may be NULL) for a representation of size bytes. Returns
 * HTTP_RANGE_OK with *r set to an inclusive range inside [0, size),
 * HTTP_RANGE_UNSATISFIABLE (send 416), or HTTP_RANGE_NONE (send 200; *r
 * untouched). Borrows hdr. Pure: any thread.
 */
int
http_range_parse(const char *hdr, uint64_t size, struct http_range *r)
{
	struct rd in;
	uint64_t a = 0, b = 0, x, y;
	int has_a = 0, has_b = 0, n_specs = 0, ha, hb;
	uint8_t c;

	if (hdr == NULL)
		return HTTP_RANGE_NONE;
	rd_init(&in, hdr, strlen(hdr));
	skip_ows(&in);
	if (eat_unit(&in) != 0)
		return HTTP_RANGE_NONE;  /* another unit: ignore (14.2) */
	for (;;) {
		/* 1#range-spec (5.6.1): OWS around commas, empty elements */
		skip_ows(&in);
		if (rd_u8(&in, &c) != 0)
			break;
		if (c == ',')
			continue;
		if (is_digit(c) || c == '-') {
			in.p--;  /* put c back: it starts the range-spec */
			in.left++;
		} else {
			return HTTP_RANGE_NONE;
		}
		/* int-range = first-pos "-" [ last-pos ]; suffix-range =
		 * "-" suffix-length */
		if ((ha = read_pos(&in, &x)) < 0)
			return HTTP_RANGE_NONE;
		if (rd_u8(&in, &c) != 0 || c != '-')
			return HTTP_RANGE_NONE;
		if ((hb = read_pos(&in, &y)) < 0 || (!ha && !hb))
			return HTTP_RANGE_NONE;
		/* 14.1.1: last-pos < first-pos makes the range-set invalid */
		if (ha && hb && y < x)
			return HTTP_RANGE_NONE;
		skip_ows(&in);
		if (rd_peek_u8(&in, &c) == 0 && c != ',')
			return HTTP_RANGE_NONE;
		has_a = ha;
		has_b = hb;
		a = x;
		b = y;
		n_specs++;
	}
	/* Only one range is served; several get the whole body (14.2). */
	if (n_specs != 1)
		return HTTP_RANGE_NONE;
	if (has_a) {
		/* 14.1.1: an int-range is satisfiable iff first-pos < size */
		if (a >= size)
			return HTTP_RANGE_UNSATISFIABLE;
		r->first = a;
		/* 14.1.2: a last-pos past the end means the last byte */
		r->last = has_b && b < size - 1 ? b : size - 1;
		return HTTP_RANGE_OK;
	}
	/* 14.1.1: a suffix-range needs a length > 0; an empty body has no
	 * bytes to send, so nothing is satisfiable for size 0. */
	if (b == 0 || size == 0)
		return HTTP_RANGE_UNSATISFIABLE;
	/* 14.1.2: a suffix longer than the body selects all of it */
	r->first = b >= size ? 0 : size - b;
	r->last = size - 1;
	return HTTP_RANGE_OK;
}
