/*
 * json_read: a bounded JSON reader (RFC 8259) for untrusted input: admin API
 * responses in cdnctl, and requests and reports the daemons receive.
 *
 * json_read_parse() reads one whole document into a tree of struct jv that
 * owns all its memory (the input may be freed right after). It accepts
 * exactly the RFC 8259 grammar: any value at the top (section 2), no BOM
 * (section 8.1 lets a parser refuse it), no comments, no trailing commas,
 * no NaN or Infinity, nothing but whitespace after the value.
 *
 * Limits (RFC 8259 section 9 lets a parser set them): the input size, the
 * nesting depth and the number of values come from the caller, each with a
 * documented default; a number's text may not exceed JSON_READ_NUM_MAX
 * bytes. Memory is bounded by them: at most about
 *   2 * max_nodes * sizeof(struct jv) + 2 * max_bytes
 * plus malloc's overhead per string and container, and the C stack grows
 * with the depth only (JSON_READ_DEPTH_CAP bounds it).
 *
 * Errors: 0, or -EPROTO (not JSON, or not in the accepted subset below),
 * -E2BIG (a limit was reached), -ENOMEM, -EINVAL (bad limits).
 */
#ifndef CDN_JSON_READ_H
#define CDN_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Defaults, used for a NULL limits pointer or a zero field. */
#define JSON_READ_DEF_MAX_BYTES (1u << 20)
#define JSON_READ_DEF_MAX_NODES 65536
#define JSON_READ_DEF_MAX_DEPTH 32
/* The largest max_depth accepted: the parser recurses once per level. */
#define JSON_READ_DEPTH_CAP 256
/* Longest number text, sign and exponent included: longer is -E2BIG. */
#define JSON_READ_NUM_MAX 64

/*
 * Flag: cdnctl's historical leniency about string content. String bytes
 * are copied without checking that they are UTF-8, and \u0000 and
 * unpaired surrogate escapes (\uD800 alone, \uDC00 alone) become U+FFFD
 * instead of failing with -EPROTO. Meant for text shown to a person after
 * its own cleaning; never for names or keys that are compared or stored.
 */
#define JSON_READ_LAX (1u << 0)

struct json_read_limits {
	size_t max_bytes;   /* longest input; 0: JSON_READ_DEF_MAX_BYTES */
	size_t max_nodes;   /* most values, the top one included (names are
			       not values); 0: JSON_READ_DEF_MAX_NODES */
	unsigned max_depth; /* most containers around a value (the top
			       value is at 0); 0: JSON_READ_DEF_MAX_DEPTH */
	unsigned flags;     /* JSON_READ_LAX or 0 */
};

enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

/*
 * One value. Read the fields of its type only; the others are zero.
 *
 * Strings (s and key) are unescaped into NUL-terminated UTF-8 and never
 * contain a NUL byte: a raw control byte is refused (RFC 8259 section 7),
 * \u0000 is refused (or U+FFFD with JSON_READ_LAX), so strlen() is the
 * length and strcmp() cannot be fooled by an early terminator. Without
 * JSON_READ_LAX every string is well-formed UTF-8 (RFC 3629 section 4: no
 * overlong forms, no surrogates, nothing above U+10FFFF) and surrogate
 * pair escapes are combined into one code point.
 *
 * Numbers: num is the nearest double (strtod in the C locale whatever the
 * process locale); beyond the double range it is +-HUGE_VAL or rounds to
 * zero, and the parse does not fail: check isfinite() if it matters.
 * is_int says the text had no fraction or exponent and fits int64_t, and
 * then i is exact ("-0" is an int, 0). "1.0", "1e2" and 2^63 are not ints.
 *
 * Objects keep their members in document order, duplicates included
 * (RFC 8259 section 4 leaves them to the implementation): jv_get() returns
 * the first one. Walk kid[0..n) to see every member.
 */
struct jv {
	enum jv_type t;
	bool b;          /* JV_BOOL */
	bool is_int;     /* JV_NUM: i holds the exact value */
	int64_t i;       /* JV_NUM, when is_int */
	double num;      /* JV_NUM */
	char *s;         /* JV_STR */
	char *key;       /* member name when inside a JV_OBJ, else NULL */
	size_t n;        /* JV_ARR, JV_OBJ: number of elements or members */
	struct jv *kid;  /* JV_ARR, JV_OBJ: the n of them, NULL when n == 0 */
};

/*
 * Parse the len bytes at data (borrowed; need not be NUL-terminated) as one
 * JSON document into *doc, which is overwritten (an earlier tree there must
 * have been released with jv_fini). lim may be NULL for the defaults.
 * On success the caller owns the tree and releases it with jv_fini(). On
 * failure *doc is left empty (JV_NULL, nothing to free; jv_fini is still
 * safe). Returns 0; -EPROTO for input that is not accepted JSON, truncated
 * input or trailing garbage; -E2BIG when len, the depth, the number of
 * values or a number's length is over its limit; -ENOMEM; -EINVAL when
 * lim->max_depth > JSON_READ_DEPTH_CAP or lim->flags has unknown bits.
 * Reentrant: no global state; any thread.
 */
int json_read_parse(struct jv *doc, const void *data, size_t len,
    const struct json_read_limits *lim);

/* Free what v owns and leave it empty (JV_NULL). NULL-safe; idempotent. */
void jv_fini(struct jv *v);

/*
 * The first member named key in obj, borrowed from the tree; NULL when obj
 * is NULL or not an object, or has no such member. Linear in obj->n.
 */
const struct jv *jv_get(const struct jv *obj, const char *key);

/* obj[key] as a borrowed string; NULL if missing or not a string. */
const char *jv_str(const struct jv *obj, const char *key);

/*
 * obj[key] as an exact integer into *out: true when it exists and is_int;
 * false otherwise, leaving *out untouched.
 */
bool jv_int(const struct jv *obj, const char *key, int64_t *out);

#endif
