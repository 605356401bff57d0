/*
 * amf0: decoder and encoder for the AMF0 values carried by RTMP command and
 * data messages.
 *
 * Design: recursive descent over a bounded cursor (common/rd.h). Each value
 * takes the next node of the caller's array, so the decoder allocates
 * nothing and the node budget bounds the work one message can cause; no
 * count read from the wire sizes anything. Containers link their members
 * through child/next in wire order. Recursion is bounded by max_depth (and
 * by AMF0_HARD_DEPTH whatever the caller asks, to protect the stack).
 * Encoders reserve a value's whole size before writing it, so a value that
 * does not fit leaves the buffer at the previous value boundary; the error
 * is sticky in buf->err.
 *
 * Specs: Adobe "AMF0 File Format Specification" (2006) 2.2-2.18 (marker
 * values as in amf0.h; 0x04 movieclip, 0x07 reference, 0x0e recordset and
 * 0x11 AVM+ are refused); Adobe RTMP specification 7.1 (a command is a
 * sequence of top-level AMF0 values).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "amf0.h"
#include "buf.h"
#include "rd.h"

/*
 * Stack ceiling for the recursive decoder, whatever max_depth says: each
 * level costs two small frames, so this stays far below any thread's stack.
 * No real encoder nests commands or metadata more than three deep.
 */
#define AMF0_HARD_DEPTH 256

/* 2.2: a number is an IEEE-754 double; we move its bits through a uint64_t. */
_Static_assert(sizeof(double) == sizeof(uint64_t), "double must be 64 bits");

struct amf0_dec {
	struct amf0_doc *doc;
	struct rd r;
	unsigned max_depth;
};

static int decode_value(struct amf0_dec *d, struct amf0_val *v, unsigned depth);

/* The next free node, zeroed, or NULL when the budget is spent. */
static struct amf0_val *
node_new(struct amf0_doc *doc)
{
	struct amf0_val *v;

	if (doc->n_nodes >= doc->max_nodes)
		return NULL;
	v = &doc->nodes[doc->n_nodes++];
	*v = (struct amf0_val){ 0 };
	return v;
}

/* 2.4 UTF-8: a 16-bit length, then that many bytes, borrowed in place. */
static int
rd_utf8(struct rd *r, const char **s, size_t *len)
{
	const uint8_t *p;
	uint16_t n;
	int rc;

	if ((rc = rd_be16(r, &n)) != 0 || (rc = rd_ptr(r, n, &p)) != 0)
		return rc;
	*s = (const char *)p;
	*len = n;
	return 0;
}

/*
 * 2.14 UTF-8-long: a 32-bit length. rd_ptr checks it against the bytes
 * left, so a length larger than the message is -EPROTO, never a read past
 * its end.
 */
static int
rd_utf8_long(struct rd *r, const char **s, size_t *len)
{
	const uint8_t *p;
	uint32_t n;
	int rc;

	if ((rc = rd_be32(r, &n)) != 0 || (rc = rd_ptr(r, n, &p)) != 0)
		return rc;
	*s = (const char *)p;
	*len = n;
	return 0;
}

static int
rd_double(struct rd *r, double *v)
{
	uint64_t bits;
	int rc;

	if ((rc = rd_be64(r, &bits)) != 0)
		return rc;
	memcpy(v, &bits, sizeof(*v));
	return 0;
}

/*
 * 2.5, 2.10, 2.18: name/value pairs up to the object-end marker (an empty
 * name followed by 0x09). An ECMA array's count has already been skipped:
 * encoders get it wrong, so only the end marker ends the list.
 */
static int
decode_props(struct amf0_dec *d, struct amf0_val *obj, unsigned depth)
{
	struct amf0_val **tail = &obj->child, *m;
	const char *key;
	size_t key_len;
	uint8_t marker;
	int rc;

	for (;;) {
		if ((rc = rd_utf8(&d->r, &key, &key_len)) != 0)
			return rc;
		if (key_len == 0 && rd_peek_u8(&d->r, &marker) == 0 &&
		    marker == AMF0_OBJECT_END)
			return rd_skip(&d->r, 1);
		if ((m = node_new(d->doc)) == NULL)
			return -E2BIG;
		m->key = key;
		m->key_len = key_len;
		if ((rc = decode_value(d, m, depth)) != 0)
			return rc;
		if (obj->n_children == UINT32_MAX)
			return -E2BIG;
		obj->n_children++;
		*tail = m;
		tail = &m->next;
	}
}

/*
 * 2.12: a 32-bit count, then that many values. The count only bounds the
 * loop: each value needs at least a marker byte and a node, so a count the
 * input cannot hold is garbage and one the budget cannot hold is too big,
 * and both are refused before any work.
 */
static int
decode_strict(struct amf0_dec *d, struct amf0_val *arr, unsigned depth)
{
	struct amf0_val **tail = &arr->child, *m;
	struct amf0_doc *doc = d->doc;
	uint32_t count, i;
	int rc;

	if ((rc = rd_be32(&d->r, &count)) != 0)
		return rc;
	if (count > d->r.left)
		return -EPROTO;
	if (count > doc->max_nodes - doc->n_nodes)
		return -E2BIG;
	for (i = 0; i < count; i++) {
		if ((m = node_new(doc)) == NULL)
			return -E2BIG;
		if ((rc = decode_value(d, m, depth)) != 0)
			return rc;
		*tail = m;
		tail = &m->next;
	}
	arr->n_children = count;
	return 0;
}

/*
 * Decode one value, marker included, into v. depth counts the containers
 * around v; a container may open only while depth < max_depth.
 */
static int
decode_value(struct amf0_dec *d, struct amf0_val *v, unsigned depth)
{
	uint8_t marker, b;
	uint32_t ecma_count;
	uint16_t tz;
	int rc;

	if ((rc = rd_u8(&d->r, &marker)) != 0)
		return rc;
	v->type = marker;
	switch (marker) {
	case AMF0_NUMBER:
		return rd_double(&d->r, &v->num);
	case AMF0_BOOLEAN:
		/* 2.3: 0 is false, anything else true */
		if ((rc = rd_u8(&d->r, &b)) != 0)
			return rc;
		v->boolean = b != 0;
		return 0;
	case AMF0_STRING:
		return rd_utf8(&d->r, &v->str, &v->str_len);
	case AMF0_LONG_STRING:
	case AMF0_XML_DOC:
		/* 2.17: an XML document is a long string */
		return rd_utf8_long(&d->r, &v->str, &v->str_len);
	case AMF0_NULL:
	case AMF0_UNDEFINED:
	case AMF0_UNSUPPORTED:
		return 0;
	case AMF0_DATE:
		/* 2.13: ms since the epoch, then a time zone that "should be
		 * 0x0000" and that nobody reads; it is skipped */
		if ((rc = rd_double(&d->r, &v->num)) != 0)
			return rc;
		return rd_be16(&d->r, &tz);
	case AMF0_OBJECT:
	case AMF0_ECMA_ARRAY:
	case AMF0_TYPED_OBJECT:
	case AMF0_STRICT_ARRAY:
		if (depth >= d->max_depth)
			return -E2BIG;
		if (marker == AMF0_STRICT_ARRAY)
			return decode_strict(d, v, depth + 1);
		if (marker == AMF0_ECMA_ARRAY &&
		    (rc = rd_be32(&d->r, &ecma_count)) != 0)
			return rc;
		/* 2.18: the class name comes before the properties */
		if (marker == AMF0_TYPED_OBJECT &&
		    (rc = rd_utf8(&d->r, &v->str, &v->str_len)) != 0)
			return rc;
		return decode_props(d, v, depth + 1);
	default:
		/* object end outside an object, movieclip, reference,
		 * recordset, AVM+ switch, or no AMF0 marker at all */
		return -EPROTO;
	}
}

void
amf0_doc_init(struct amf0_doc *doc, struct amf0_val *nodes, size_t max_nodes,
    unsigned max_depth)
{
	memset(doc, 0, sizeof(*doc));
	doc->nodes = nodes;
	doc->max_nodes = nodes != NULL ? max_nodes : 0;
	doc->max_depth = max_depth;
}

/*
 * Decodes the whole of p[0..len) as top-level values; empty input is zero
 * values. Borrows p: strings and keys point into it. The doc is reset
 * first, and left empty (first NULL, n_top 0) on failure, so a caller never
 * walks half a tree. Any thread, one doc per thread.
 */
int
amf0_decode(struct amf0_doc *doc, const uint8_t *p, size_t len)
{
	struct amf0_dec d;
	struct amf0_val **tail = &doc->first, *v;
	int rc = 0;

	doc->first = NULL;
	doc->n_top = 0;
	doc->n_nodes = 0;
	d.doc = doc;
	d.max_depth = doc->max_depth < AMF0_HARD_DEPTH ? doc->max_depth :
	    AMF0_HARD_DEPTH;
	rd_init(&d.r, p, len);
	while (d.r.left > 0) {
		if ((v = node_new(doc)) == NULL) {
			rc = -E2BIG;
			goto out;
		}
		if ((rc = decode_value(&d, v, 0)) != 0)
			goto out;
		*tail = v;
		tail = &v->next;
		doc->n_top++;
	}
out:
	if (rc != 0) {
		doc->first = NULL;
		doc->n_top = 0;
		doc->n_nodes = 0;
	}
	return rc;
}

const struct amf0_val *
amf0_top(const struct amf0_doc *doc, size_t idx)
{
	const struct amf0_val *v;

	if (doc == NULL)
		return NULL;
	for (v = doc->first; v != NULL && idx > 0; v = v->next)
		idx--;
	return v;
}

/* The first member named key wins when a peer repeats a name. */
const struct amf0_val *
amf0_prop(const struct amf0_val *obj, const char *key)
{
	const struct amf0_val *m;
	size_t len;

	if (obj == NULL || key == NULL)
		return NULL;
	if (obj->type != AMF0_OBJECT && obj->type != AMF0_ECMA_ARRAY &&
	    obj->type != AMF0_TYPED_OBJECT)
		return NULL;
	len = strlen(key);
	for (m = obj->child; m != NULL; m = m->next)
		if (m->key_len == len && (len == 0 || memcmp(m->key, key, len) == 0))
			return m;
	return NULL;
}

static bool
is_string(const struct amf0_val *v)
{
	return v != NULL && (v->type == AMF0_STRING || v->type == AMF0_LONG_STRING);
}

bool
amf0_str_eq(const struct amf0_val *v, const char *s)
{
	size_t len;

	if (!is_string(v) || s == NULL)
		return false;
	len = strlen(s);
	return v->str_len == len && (len == 0 || memcmp(v->str, s, len) == 0);
}

/*
 * A NUL inside a peer's string would silently shorten it once it is a C
 * string (a stream key "a\0b" would become "a"), so it is refused.
 */
int
amf0_str_copy(const struct amf0_val *v, char *out, size_t outlen)
{
	int rc = 0;

	if (!is_string(v))
		rc = -EINVAL;
	else if (v->str_len >= outlen)
		rc = -ENOSPC;
	else if (v->str_len > 0 && memchr(v->str, '\0', v->str_len) != NULL)
		rc = -EPROTO;
	if (rc != 0) {
		if (out != NULL && outlen > 0)
			out[0] = '\0';
		return rc;
	}
	if (v->str_len > 0)
		memcpy(out, v->str, v->str_len);
	out[v->str_len] = '\0';
	return 0;
}

double
amf0_num(const struct amf0_val *v, double def)
{
	return v != NULL && v->type == AMF0_NUMBER ? v->num : def;
}

/* Record err in b unless an earlier error is already there (sticky). */
static int
put_fail(struct buf *b, int err)
{
	if (b->err == 0)
		b->err = err;
	return b->err;
}

int
amf0_put_number(struct buf *b, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	if (buf_reserve(b, 9) != 0)
		return b->err;
	buf_put_u8(b, AMF0_NUMBER);
	return buf_put_be64(b, bits);
}

int
amf0_put_bool(struct buf *b, bool v)
{
	if (buf_reserve(b, 2) != 0)
		return b->err;
	buf_put_u8(b, AMF0_BOOLEAN);
	return buf_put_u8(b, v ? 1 : 0);
}

/* Refuses NULL with -EINVAL; more than 4 GiB cannot be said in AMF0. */
int
amf0_put_string(struct buf *b, const char *s)
{
	size_t len;

	if (b->err)
		return b->err;
	if (s == NULL)
		return put_fail(b, -EINVAL);
	len = strlen(s);
	if (len <= UINT16_MAX) {
		if (buf_reserve(b, 3 + len) != 0)
			return b->err;
		buf_put_u8(b, AMF0_STRING);
		buf_put_be16(b, (uint16_t)len);
	} else {
		if (len > UINT32_MAX)
			return put_fail(b, -EINVAL);
		if (buf_reserve(b, 5 + len) != 0)
			return b->err;
		buf_put_u8(b, AMF0_LONG_STRING);
		buf_put_be32(b, (uint32_t)len);
	}
	return buf_append(b, s, len);
}

int
amf0_put_null(struct buf *b)
{
	return buf_put_u8(b, AMF0_NULL);
}

int
amf0_put_object_begin(struct buf *b)
{
	return buf_put_u8(b, AMF0_OBJECT);
}

/* count is what decoders may use as a hint; ours ignores it. */
int
amf0_put_ecma_begin(struct buf *b, uint32_t count)
{
	if (buf_reserve(b, 5) != 0)
		return b->err;
	buf_put_u8(b, AMF0_ECMA_ARRAY);
	return buf_put_be32(b, count);
}

/*
 * Refuses NULL and names over 65535 bytes (-EINVAL). An empty name is legal
 * but must not be followed by the 0x09 marker, which no put_* writes.
 */
int
amf0_put_key(struct buf *b, const char *key)
{
	size_t len;

	if (b->err)
		return b->err;
	if (key == NULL)
		return put_fail(b, -EINVAL);
	len = strlen(key);
	if (len > UINT16_MAX)
		return put_fail(b, -EINVAL);
	if (buf_reserve(b, 2 + len) != 0)
		return b->err;
	buf_put_be16(b, (uint16_t)len);
	return buf_append(b, key, len);
}

int
amf0_put_object_end(struct buf *b)
{
	static const uint8_t end[3] = { 0x00, 0x00, AMF0_OBJECT_END };

	return buf_append(b, end, sizeof(end));
}
