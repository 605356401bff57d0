/*
 * fuzz_json_read: the shared JSON reader on arbitrary bytes, in an exactly
 * sized copy so ASan sees any over-read, parsed strictly and with
 * JSON_READ_LAX at depth 16 and 4096 values.
 *
 * Oracles:
 *  - the verdict is 0, -EPROTO or -E2BIG, and a failed parse leaves an
 *    empty doc;
 *  - every node is consistent: only its type's fields set, names exactly
 *    on object members, jv_get/jv_str/jv_int agree with the members (the
 *    first of duplicates), an int's double is the int, strict strings are
 *    UTF-8 checked by a decoder written differently from the parser's;
 *  - LAX only widens: a strict success is a lax success with the same
 *    tree, and a strict -E2BIG is a lax -E2BIG;
 *  - the limits are tight: the counted values, depth and size parse with
 *    exactly those limits and fail with -E2BIG one below;
 *  - writing a strict tree with common/json.c and reading it back gives
 *    the same tree (non-finite numbers become null, as the writer says).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "json_read.h"

#define FZ_DEPTH 16
#define FZ_NODES 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_ASSERT(c)                                                       \
	do {                                                               \
		if (!(c)) {                                                \
			fprintf(stderr, "fuzz_json_read: %s:%d: %s\n",     \
			    __FILE__, __LINE__, #c);                       \
			abort();                                           \
		}                                                          \
	} while (0)

struct tally {
	size_t n_nodes;
	unsigned max_depth;
};

static int
is_empty(const struct jv *v)
{
	return v->t == JV_NULL && !v->b && !v->is_int && v->i == 0 &&
	    v->num == 0 && v->s == NULL && v->key == NULL && v->n == 0 &&
	    v->kid == NULL;
}

/* RFC 3629 by decoding: the value, then its range and shortest form. */
static int
is_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		unsigned long cp;
		int n, i;

		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0)
			n = 2, cp = *s & 0x1f;
		else if ((*s & 0xf0) == 0xe0)
			n = 3, cp = *s & 0x0f;
		else if ((*s & 0xf8) == 0xf0)
			n = 4, cp = *s & 0x07;
		else
			return 0;
		for (i = 1; i < n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if (cp < (n == 2 ? 0x80ul : n == 3 ? 0x800ul : 0x10000ul) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		s += n;
	}
	return 1;
}

static void
walk(const struct jv *v, int in_obj, unsigned depth, int is_strict,
    size_t size, struct tally *t)
{
	t->n_nodes++;
	if (depth > t->max_depth)
		t->max_depth = depth;
	FZ_ASSERT((unsigned)v->t <= JV_OBJ);
	FZ_ASSERT(in_obj ? v->key != NULL : v->key == NULL);
	if (v->key) {
		FZ_ASSERT(strlen(v->key) < size);
		FZ_ASSERT(!is_strict || is_utf8(v->key));
	}
	FZ_ASSERT(v->t == JV_BOOL || !v->b);
	FZ_ASSERT(v->t == JV_STR ? v->s != NULL : v->s == NULL);
	FZ_ASSERT(v->t == JV_ARR || v->t == JV_OBJ || (v->n == 0 && !v->kid));
	FZ_ASSERT((v->n == 0) == (v->kid == NULL));
	if (v->t == JV_NUM) {
		FZ_ASSERT(!isnan(v->num));
		/* both are the correctly rounded value of the same integer */
		FZ_ASSERT(!v->is_int || v->num == (double)v->i);
		FZ_ASSERT(v->is_int || v->i == 0);
	} else {
		FZ_ASSERT(!v->is_int && v->i == 0 && v->num == 0);
	}
	if (v->t == JV_STR) {
		FZ_ASSERT(strlen(v->s) < size);
		FZ_ASSERT(!is_strict || is_utf8(v->s));
	}
	for (size_t k = 0; k < v->n; k++) {
		const struct jv *m = &v->kid[k], *p;
		int64_t i = 12345;

		walk(m, v->t == JV_OBJ, depth + 1, is_strict, size, t);
		p = jv_get(v, m->key ? m->key : "");
		if (v->t != JV_OBJ) {
			FZ_ASSERT(p == NULL);
			continue;
		}
		/* the first member of that name: at k or before it */
		FZ_ASSERT(p >= v->kid && p <= m && strcmp(p->key, m->key) == 0);
		if (v->n <= 256)
			for (const struct jv *q = v->kid; q < p; q++)
				FZ_ASSERT(strcmp(q->key, m->key) != 0);
		FZ_ASSERT(jv_str(v, m->key) == (p->t == JV_STR ? p->s : NULL));
		FZ_ASSERT(
		    jv_int(v, m->key, &i) == (p->t == JV_NUM && p->is_int));
		FZ_ASSERT(i == (p->t == JV_NUM && p->is_int ? p->i : 12345));
	}
}

static int
same(const struct jv *a, const struct jv *b)
{
	if (a->t != b->t || a->b != b->b || a->is_int != b->is_int ||
	    a->i != b->i || memcmp(&a->num, &b->num, sizeof(a->num)) != 0 ||
	    a->n != b->n || (a->key == NULL) != (b->key == NULL) ||
	    (a->key && strcmp(a->key, b->key) != 0) ||
	    (a->s == NULL) != (b->s == NULL) ||
	    (a->s && strcmp(a->s, b->s) != 0))
		return 0;
	for (size_t k = 0; k < a->n; k++)
		if (!same(&a->kid[k], &b->kid[k]))
			return 0;
	return 1;
}

static void
write_tree(struct json *j, const struct jv *v)
{
	if (v->key)
		json_key(j, v->key);
	switch (v->t) {
	case JV_NULL:
		json_null(j);
		break;
	case JV_BOOL:
		json_bool(j, v->b);
		break;
	case JV_NUM:
		if (v->is_int)
			json_int(j, v->i);
		else
			json_double(j, v->num);
		break;
	case JV_STR:
		json_str(j, v->s);
		break;
	case JV_ARR:
	case JV_OBJ:
		if (v->t == JV_ARR)
			json_arr_begin(j);
		else
			json_obj_begin(j);
		for (size_t k = 0; k < v->n; k++)
			write_tree(j, &v->kid[k]);
		if (v->t == JV_ARR)
			json_arr_end(j);
		else
			json_obj_end(j);
		break;
	}
}

/* b is a written-and-read-back a; only the number's form may change. */
static void
same_written(const struct jv *a, const struct jv *b)
{
	FZ_ASSERT((a->key == NULL) == (b->key == NULL));
	FZ_ASSERT(a->key == NULL || strcmp(a->key, b->key) == 0);
	if (a->t == JV_NUM && !isfinite(a->num) && !a->is_int) {
		/* RFC 8259 section 6: no Infinity; the writer puts null */
		FZ_ASSERT(b->t == JV_NULL);
		return;
	}
	FZ_ASSERT(a->t == b->t && a->b == b->b && a->n == b->n);
	if (a->t == JV_NUM) {
		FZ_ASSERT(a->num == b->num);
		FZ_ASSERT(!a->is_int || (b->is_int && a->i == b->i));
	}
	FZ_ASSERT(a->s == NULL || strcmp(a->s, b->s) == 0);
	for (size_t k = 0; k < a->n; k++)
		same_written(&a->kid[k], &b->kid[k]);
}

static int
parse_with(const uint8_t *d, size_t n, size_t max_bytes, size_t max_nodes,
    unsigned max_depth)
{
	struct json_read_limits lim = { max_bytes, max_nodes, max_depth, 0 };
	struct jv doc;
	int rc = json_read_parse(&doc, d, n, &lim);

	FZ_ASSERT(rc == 0 || is_empty(&doc));
	jv_fini(&doc);
	return rc;
}

static void
check_limits(const uint8_t *d, size_t n, const struct tally *t)
{
	FZ_ASSERT(parse_with(d, n, 0, t->n_nodes, FZ_DEPTH) == 0);
	if (t->n_nodes > 1)
		FZ_ASSERT(parse_with(d, n, 0, t->n_nodes - 1, FZ_DEPTH) ==
		    -E2BIG);
	/* a zero limit means the default, so stop above zero */
	if (t->max_depth > 0)
		FZ_ASSERT(parse_with(d, n, 0, FZ_NODES, t->max_depth) == 0);
	if (t->max_depth > 1)
		FZ_ASSERT(parse_with(d, n, 0, FZ_NODES, t->max_depth - 1) ==
		    -E2BIG);
	FZ_ASSERT(parse_with(d, n, n, FZ_NODES, FZ_DEPTH) == 0);
	if (n > 1)
		FZ_ASSERT(
		    parse_with(d, n, n - 1, FZ_NODES, FZ_DEPTH) == -E2BIG);
}

static void
check_rewrite(const struct jv *doc, size_t size)
{
	static const struct json_read_limits lim = { .max_depth = FZ_DEPTH };
	struct json j;
	struct buf b;
	struct jv again;

	/* "9e14" is 15 digits written out: allow for growth */
	buf_init(&b, 16 * size + 64);
	json_init(&j, &b);
	write_tree(&j, doc);
	FZ_ASSERT(b.err == 0);
	FZ_ASSERT(json_read_parse(&again, b.data, b.len, &lim) == 0);
	same_written(doc, &again);
	jv_fini(&again);
	buf_fini(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct json_read_limits strict = {
		.max_nodes = FZ_NODES, .max_depth = FZ_DEPTH
	};
	static const struct json_read_limits lax = {
		.max_nodes = FZ_NODES, .max_depth = FZ_DEPTH,
		.flags = JSON_READ_LAX
	};
	uint8_t *copy = malloc(size ? size : 1);
	struct jv doc, doc_lax, doc_def;
	struct tally t = { 0, 0 };
	int rc, rc_lax, rc_def;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);

	rc = json_read_parse(&doc, copy, size, &strict);
	FZ_ASSERT(rc == 0 || rc == -EPROTO || rc == -E2BIG);
	FZ_ASSERT(rc == 0 || is_empty(&doc));
	rc_lax = json_read_parse(&doc_lax, copy, size, &lax);
	FZ_ASSERT(rc_lax == 0 || rc_lax == -EPROTO || rc_lax == -E2BIG);
	FZ_ASSERT(rc_lax == 0 || is_empty(&doc_lax));
	if (rc == 0)
		FZ_ASSERT(rc_lax == 0 && same(&doc, &doc_lax));
	if (rc == -E2BIG)
		FZ_ASSERT(rc_lax == -E2BIG);
	/* the defaults are looser than FZ_DEPTH and FZ_NODES */
	rc_def = json_read_parse(&doc_def, copy, size, NULL);
	FZ_ASSERT(rc != 0 || (rc_def == 0 && same(&doc, &doc_def)));
	jv_fini(&doc_def);

	if (rc_lax == 0) {
		struct tally tl = { 0, 0 };

		walk(&doc_lax, 0, 0, 0, size, &tl);
		FZ_ASSERT(tl.n_nodes <= FZ_NODES && tl.max_depth <= FZ_DEPTH);
	}
	if (rc == 0) {
		walk(&doc, 0, 0, 1, size, &t);
		check_limits(copy, size, &t);
		check_rewrite(&doc, size);
	}
	jv_fini(&doc);
	jv_fini(&doc_lax);
	FZ_ASSERT(is_empty(&doc) && is_empty(&doc_lax));
	free(copy);
	return 0;
}
