/*
 * fuzz_amf0: the AMF0 decoder, its accessors and the encoder.
 *
 * Each input is one RTMP command or data message body. It is decoded into
 * 64 nodes at depth 16 (what the RTMP session uses is of that order), the
 * tree is walked through every accessor, and the tree is re-encoded with
 * the put_* writers: numbers and dates as numbers, strings, booleans, nulls
 * (undefined, unsupported and strict arrays become null: the encoder has
 * no other form for them), objects and ECMA arrays. The re-encoding can
 * never be longer than the input, must decode again within the same limits,
 * and must give the same tree (up to those substitutions); any difference
 * aborts.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amf0.h"
#include "buf.h"

#define FZ_NODES 64
#define FZ_DEPTH 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct amf0_val nodes1[FZ_NODES], nodes2[FZ_NODES];
static char cstr[65536 + 1];

#define FZ_ASSERT(c)                                                       \
	do {                                                               \
		if (!(c)) {                                                \
			fprintf(stderr, "fuzz_amf0: %s:%d: %s\n", __FILE__, \
			    __LINE__, #c);                                 \
			abort();                                           \
		}                                                          \
	} while (0)

static int
has_nul(const char *p, size_t len)
{
	return len > 0 && memchr(p, '\0', len) != NULL;
}

static int
is_container(uint8_t t)
{
	return t == AMF0_OBJECT || t == AMF0_ECMA_ARRAY || t == AMF0_TYPED_OBJECT ||
	    t == AMF0_STRICT_ARRAY;
}

/* Exercise every accessor on v and check what it says against the node. */
static void
walk(const struct amf0_val *v)
{
	const struct amf0_val *m, *p;
	char small[4];
	uint32_t n;
	int rc;

	for (; v != NULL; v = v->next) {
		(void)amf0_num(v, 0);
		rc = amf0_str_copy(v, cstr, sizeof(cstr));
		if (v->type == AMF0_STRING || v->type == AMF0_LONG_STRING) {
			if (v->str_len >= sizeof(cstr)) {
				FZ_ASSERT(rc == -ENOSPC);
			} else if (has_nul(v->str, v->str_len)) {
				FZ_ASSERT(rc == -EPROTO);
			} else {
				FZ_ASSERT(rc == 0);
				FZ_ASSERT(strlen(cstr) == v->str_len);
				FZ_ASSERT(amf0_str_eq(v, cstr));
			}
			rc = amf0_str_copy(v, small, sizeof(small));
			FZ_ASSERT(rc != -EINVAL);
			FZ_ASSERT(rc != 0 || strlen(small) == v->str_len);
		} else {
			FZ_ASSERT(rc == -EINVAL);
			FZ_ASSERT(!amf0_str_eq(v, ""));
		}
		if (!is_container(v->type)) {
			FZ_ASSERT(v->child == NULL && v->n_children == 0);
			FZ_ASSERT(amf0_prop(v, "") == NULL);
			continue;
		}
		n = 0;
		for (m = v->child; m != NULL; m = m->next) {
			n++;
			if (v->type == AMF0_STRICT_ARRAY) {
				FZ_ASSERT(m->key == NULL);
				continue;
			}
			if (has_nul(m->key, m->key_len))
				continue;
			memcpy(cstr, m->key, m->key_len);
			cstr[m->key_len] = '\0';
			/* the first member of that name, which may be an earlier one */
			p = amf0_prop(v, cstr);
			FZ_ASSERT(p != NULL && p->key_len == m->key_len);
			FZ_ASSERT(m->key_len == 0 || memcmp(p->key, m->key, m->key_len) == 0);
		}
		FZ_ASSERT(n == v->n_children);
		walk(v->child);
	}
}

/*
 * Re-encode v and its siblings. *exact is cleared when a name or string
 * cannot pass through a C string, so the trees can no longer be compared.
 */
static void
encode(struct buf *b, const struct amf0_val *v, int in_obj, int *exact)
{
	for (; v != NULL; v = v->next) {
		if (in_obj) {
			if (has_nul(v->key, v->key_len))
				*exact = 0;
			memcpy(cstr, v->key, v->key_len);
			cstr[v->key_len] = '\0';
			amf0_put_key(b, cstr);
		}
		switch (v->type) {
		case AMF0_NUMBER:
		case AMF0_DATE:
			amf0_put_number(b, v->num);
			break;
		case AMF0_BOOLEAN:
			amf0_put_bool(b, v->boolean);
			break;
		case AMF0_STRING:
		case AMF0_LONG_STRING:
		case AMF0_XML_DOC:
			if (has_nul(v->str, v->str_len) || v->str_len >= sizeof(cstr)) {
				*exact = 0;
				amf0_put_null(b);
				break;
			}
			memcpy(cstr, v->str, v->str_len);
			cstr[v->str_len] = '\0';
			amf0_put_string(b, cstr);
			break;
		case AMF0_OBJECT:
		case AMF0_TYPED_OBJECT:
			amf0_put_object_begin(b);
			encode(b, v->child, 1, exact);
			amf0_put_object_end(b);
			break;
		case AMF0_ECMA_ARRAY:
			amf0_put_ecma_begin(b, v->n_children);
			encode(b, v->child, 1, exact);
			amf0_put_object_end(b);
			break;
		default:
			amf0_put_null(b);
			break;
		}
	}
}

/* a (original) and b (re-encoded and decoded) agree, substitutions aside. */
static void
same(const struct amf0_val *a, const struct amf0_val *b)
{
	for (; a != NULL; a = a->next, b = b->next) {
		FZ_ASSERT(b != NULL);
		FZ_ASSERT(a->key_len == b->key_len);
		FZ_ASSERT(a->key_len == 0 || memcmp(a->key, b->key, a->key_len) == 0);
		switch (a->type) {
		case AMF0_NUMBER:
		case AMF0_DATE:
			FZ_ASSERT(b->type == AMF0_NUMBER);
			FZ_ASSERT(memcmp(&a->num, &b->num, sizeof(a->num)) == 0);
			break;
		case AMF0_BOOLEAN:
			FZ_ASSERT(b->type == AMF0_BOOLEAN && a->boolean == b->boolean);
			break;
		case AMF0_STRING:
		case AMF0_LONG_STRING:
		case AMF0_XML_DOC:
			FZ_ASSERT(b->type == (a->str_len > 65535 ? AMF0_LONG_STRING :
			    AMF0_STRING));
			FZ_ASSERT(a->str_len == b->str_len);
			FZ_ASSERT(a->str_len == 0 || memcmp(a->str, b->str, a->str_len) == 0);
			break;
		case AMF0_OBJECT:
		case AMF0_TYPED_OBJECT:
		case AMF0_ECMA_ARRAY:
			FZ_ASSERT(b->type == (a->type == AMF0_ECMA_ARRAY ?
			    AMF0_ECMA_ARRAY : AMF0_OBJECT));
			FZ_ASSERT(a->n_children == b->n_children);
			same(a->child, b->child);
			break;
		default:
			FZ_ASSERT(b->type == AMF0_NULL);
			break;
		}
	}
	FZ_ASSERT(b == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct amf0_doc doc, again;
	struct buf b;
	size_t i;
	int rc, exact = 1;

	amf0_doc_init(&doc, nodes1, FZ_NODES, FZ_DEPTH);
	rc = amf0_decode(&doc, data, size);
	FZ_ASSERT(rc == 0 || rc == -EPROTO || rc == -E2BIG);
	FZ_ASSERT(doc.n_nodes <= FZ_NODES);
	if (rc != 0) {
		FZ_ASSERT(doc.first == NULL && doc.n_top == 0);
		return 0;
	}
	for (i = 0; i < doc.n_top; i++)
		FZ_ASSERT(amf0_top(&doc, i) != NULL);
	FZ_ASSERT(amf0_top(&doc, doc.n_top) == NULL);
	walk(doc.first);

	/* every substitution shrinks or keeps a value's size */
	buf_init(&b, size);
	encode(&b, doc.first, 0, &exact);
	FZ_ASSERT(b.err == 0);
	FZ_ASSERT(b.len <= size);
	amf0_doc_init(&again, nodes2, FZ_NODES, FZ_DEPTH);
	rc = amf0_decode(&again, b.data, b.len);
	FZ_ASSERT(rc == 0);
	if (exact)
		same(doc.first, again.first);
	buf_fini(&b);

	/* one byte less room: the ceiling holds whatever fits or not */
	if (size > 0) {
		buf_init(&b, size - 1);
		encode(&b, doc.first, 0, &exact);
		FZ_ASSERT(b.len < size);
		buf_fini(&b);
	}
	return 0;
}
