/*
 * amf0: the Action Message Format 0 codec used by RTMP commands and data
 * messages (Adobe "AMF0 File Format Specification", 2006; RTMP spec 7.1).
 *
 * Decoding never allocates: the caller gives an array of nodes, and the
 * decoder builds a tree in it. Strings are borrowed from the input (not
 * NUL-terminated) and stay valid as long as the input does. Limits on node
 * count and nesting depth bound the work a peer can cause; exceeding them
 * is -E2BIG, malformed input is -EPROTO. References (0x07), AMF3 switches
 * (0x11) and unknown markers are -EPROTO: no RTMP encoder sends them in
 * commands. Typed objects (0x10) decode like objects with a class name.
 *
 * Encoding appends to a struct buf through its sticky writers: build a whole
 * command, then check buf->err once.
 */
#ifndef CDN_AMF0_H
#define CDN_AMF0_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum amf0_type {
	AMF0_NUMBER = 0x00,
	AMF0_BOOLEAN = 0x01,
	AMF0_STRING = 0x02,
	AMF0_OBJECT = 0x03,
	AMF0_NULL = 0x05,
	AMF0_UNDEFINED = 0x06,
	AMF0_ECMA_ARRAY = 0x08,
	AMF0_OBJECT_END = 0x09,
	AMF0_STRICT_ARRAY = 0x0a,
	AMF0_DATE = 0x0b,
	AMF0_LONG_STRING = 0x0c,
	AMF0_UNSUPPORTED = 0x0d,
	AMF0_XML_DOC = 0x0f,
	AMF0_TYPED_OBJECT = 0x10,
};

struct amf0_val {
	uint8_t type;               /* enum amf0_type */
	double num;                 /* NUMBER, DATE (ms since epoch) */
	bool boolean;               /* BOOLEAN */
	const char *str;            /* STRING, LONG_STRING, XML_DOC; TYPED_OBJECT class name */
	size_t str_len;
	const char *key;            /* property name when the parent is an object or ECMA array */
	size_t key_len;
	struct amf0_val *child;     /* first member of OBJECT, ECMA_ARRAY, STRICT_ARRAY, TYPED_OBJECT */
	struct amf0_val *next;      /* next sibling */
	uint32_t n_children;
};

struct amf0_doc {
	struct amf0_val *nodes;     /* borrowed array */
	size_t max_nodes, n_nodes;
	unsigned max_depth;
	struct amf0_val *first;     /* first top-level value; next links the rest */
	size_t n_top;
};

#define AMF0_DEFAULT_DEPTH 16

/* Prepare doc to decode into nodes[0..max_nodes). */
void amf0_doc_init(struct amf0_doc *doc, struct amf0_val *nodes, size_t max_nodes,
    unsigned max_depth);
/*
 * Decode every value in p[0..len) as a sequence of top-level values (an RTMP
 * command is: name, transaction id, command object, arguments...). The whole
 * input must be consumed. Returns 0, -EPROTO or -E2BIG. Borrows p.
 */
int amf0_decode(struct amf0_doc *doc, const uint8_t *p, size_t len);

/* The idx-th top-level value, or NULL. */
const struct amf0_val *amf0_top(const struct amf0_doc *doc, size_t idx);
/* A member of an OBJECT, ECMA_ARRAY or TYPED_OBJECT by name, or NULL. */
const struct amf0_val *amf0_prop(const struct amf0_val *obj, const char *key);
/* True when v is a STRING or LONG_STRING equal to s. NULL-safe. */
bool amf0_str_eq(const struct amf0_val *v, const char *s);
/*
 * Copy a string value into out with a NUL; -EINVAL if v is not a string,
 * -ENOSPC if it does not fit (out is then ""), -EPROTO if it holds a NUL.
 */
int amf0_str_copy(const struct amf0_val *v, char *out, size_t outlen);
/* The number of a NUMBER value, or def when v is NULL or not a number. */
double amf0_num(const struct amf0_val *v, double def);

/* Encoders: sticky, return b->err. Strings longer than 65535 become LONG_STRING. */
int amf0_put_number(struct buf *b, double v);
int amf0_put_bool(struct buf *b, bool v);
int amf0_put_string(struct buf *b, const char *s);
int amf0_put_null(struct buf *b);
int amf0_put_object_begin(struct buf *b);
int amf0_put_ecma_begin(struct buf *b, uint32_t count);
/* A property name inside an object or ECMA array; the value follows. */
int amf0_put_key(struct buf *b, const char *key);
int amf0_put_object_end(struct buf *b);  /* 00 00 09; ends objects and ECMA arrays */

#endif
