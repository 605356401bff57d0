/*
 * json: a small JSON writer into a struct buf (RFC 8259).
 *
 * Design: the writer keeps one "a value was already written here" flag per
 * nesting level, so callers never place commas themselves. json_key clears
 * the flag after its colon, so the value that follows writes no comma.
 * Strings go through json_escape, which validates UTF-8 (RFC 3629 section 4:
 * no overlong forms, no surrogates, nothing above U+10FFFF) and writes
 * U+FFFD for every byte that does not start a valid sequence (the
 * "maximal subpart" practice of Unicode 15 section 3.9), so a stream name
 * or peer address can never produce an invalid document. Errors are the
 * buffer's sticky error; nesting deeper than JSON_MAX_DEPTH or an
 * unbalanced end sets it to -EINVAL.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static void
json_fail(struct json *j, int err)
{
	if (j->b->err == 0)
		j->b->err = err;
}

/* Called before every value and key: the comma between siblings. */
static void
json_pre_value(struct json *j)
{
	if (j->need_comma[j->depth])
		buf_append(j->b, ",", 1);
	j->need_comma[j->depth] = true;
}

static void
json_open(struct json *j, char c)
{
	json_pre_value(j);
	if (j->depth + 1 >= JSON_MAX_DEPTH) {
		json_fail(j, -EINVAL);
		return;
	}
	buf_append(j->b, &c, 1);
	j->depth++;
	j->need_comma[j->depth] = false;
}

static void
json_close(struct json *j, char c)
{
	if (j->depth == 0) {
		json_fail(j, -EINVAL);
		return;
	}
	buf_append(j->b, &c, 1);
	j->depth--;
}

void
json_init(struct json *j, struct buf *b)
{
	memset(j, 0, sizeof(*j));
	j->b = b;
}

void
json_obj_begin(struct json *j)
{
	json_open(j, '{');
}

void
json_obj_end(struct json *j)
{
	json_close(j, '}');
}

void
json_arr_begin(struct json *j)
{
	json_open(j, '[');
}

void
json_arr_end(struct json *j)
{
	json_close(j, ']');
}

void
json_key(struct json *j, const char *key)
{
	json_pre_value(j);
	buf_append(j->b, "\"", 1);
	json_escape(j->b, key ? key : "");
	buf_append(j->b, "\":", 2);
	/* the value that follows belongs to this key: no comma before it */
	j->need_comma[j->depth] = false;
}

void
json_str(struct json *j, const char *s)
{
	if (s == NULL) {
		json_null(j);
		return;
	}
	json_pre_value(j);
	buf_append(j->b, "\"", 1);
	json_escape(j->b, s);
	buf_append(j->b, "\"", 1);
}

void
json_int(struct json *j, int64_t v)
{
	json_pre_value(j);
	buf_printf(j->b, "%" PRId64, v);
}

void
json_uint(struct json *j, uint64_t v)
{
	json_pre_value(j);
	buf_printf(j->b, "%" PRIu64, v);
}

void
json_double(struct json *j, double v)
{
	char tmp[40];

	if (!isfinite(v)) {
		/* RFC 8259 section 6: NaN and Infinity are not permitted */
		json_null(j);
		return;
	}
	/* shortest of the two precisions that reads back to the same value */
	snprintf(tmp, sizeof(tmp), "%.15g", v);
	if (strtod(tmp, NULL) != v)
		snprintf(tmp, sizeof(tmp), "%.17g", v);
	json_pre_value(j);
	buf_append(j->b, tmp, strlen(tmp));
}

void
json_bool(struct json *j, bool v)
{
	json_pre_value(j);
	if (v)
		buf_append(j->b, "true", 4);
	else
		buf_append(j->b, "false", 5);
}

void
json_null(struct json *j)
{
	json_pre_value(j);
	buf_append(j->b, "null", 4);
}

/*
 * Length of the valid UTF-8 sequence at s (RFC 3629 section 4 table), or 0
 * when the byte at s does not start one. s is NUL-terminated, and NUL is
 * never a continuation byte, so reads stop at the terminator.
 */
static size_t
utf8_valid_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = 0x80, hi = 0xbf;

		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* UTF-16 surrogates */
		if (s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80)
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = 0x80, hi = 0xbf;

		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
		if (s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

void
json_escape(struct buf *b, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	const unsigned char *run = s; /* start of bytes copied verbatim */
	size_t n;

	while (*s) {
		char esc[6];
		const char *rep = NULL;
		size_t rep_len = 0;

		if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*s;
			rep = esc;
			rep_len = 2;
			n = 1;
		} else if (*s < 0x20) {
			/* RFC 8259 section 7: controls must be escaped */
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[*s >> 4];
			esc[5] = hex[*s & 0xf];
			rep = esc;
			rep_len = 6;
			n = 1;
		} else if ((n = utf8_valid_len(s)) == 0) {
			rep = "\xef\xbf\xbd"; /* U+FFFD for the one bad byte */
			rep_len = 3;
			n = 1;
		}
		if (rep) {
			buf_append(b, run, (size_t)(s - run));
			buf_append(b, rep, rep_len);
			s += n;
			run = s;
		} else {
			s += n;
		}
	}
	buf_append(b, run, (size_t)(s - run));
}
