/*
 * json: writes JSON into a struct buf (RFC 8259). Strings are escaped
 * (quotes, backslash, control characters as \u00XX; invalid UTF-8 bytes are
 * replaced by U+FFFD) so peer-supplied names cannot break the document.
 * A tiny writer with comma bookkeeping:
 *
 *   struct json j; json_init(&j, &buf);
 *   json_obj_begin(&j); json_key(&j, "name"); json_str(&j, "cam1");
 *   json_key(&j, "viewers"); json_int(&j, 3); json_obj_end(&j);
 *
 * Errors are the buffer's sticky error; check buf->err once at the end.
 */
#ifndef CDN_JSON_H
#define CDN_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

#define JSON_MAX_DEPTH 32

struct json {
	struct buf *b;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
};

void json_init(struct json *j, struct buf *b);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);  /* NULL writes null */
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_double(struct json *j, double v);   /* non-finite writes null */
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* Append s escaped as a JSON string body, without quotes. */
void json_escape(struct buf *b, const char *s);

#endif
