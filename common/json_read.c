/*
 * json_read: a bounded JSON reader (RFC 8259); see json_read.h.
 *
 * Design: recursive descent over a struct rd, so no read can pass the end
 * of the input. Depth is checked before each value, so recursion is bounded
 * by the caller's max_depth (itself capped). Finished children wait on one
 * value stack shared by every open container and move into an exact-size
 * array when their container closes: a peer cannot make us hold more than
 * max_nodes nodes twice over, however it shapes the document (growing each
 * container's own array by doubling would waste up to half of every one).
 * Strings are unescaped into one scratch buffer, then copied out at their
 * exact size, for the same reason. Unescaping never lengthens a string
 * (\uXXXX is 6 bytes for at most 3), so the scratch ceiling is the input
 * size. Numbers are checked against the RFC 8259 section 6 grammar here and
 * only then handed to strtod_l in the C locale: strtod alone would accept
 * hex, "inf", and in a "de_DE" process would stop at the '.'.
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json_read.h"
#include "rd.h"
#include "xalloc.h"

#define DIGITS "0123456789"

struct jparse {
	struct rd r;
	size_t n_nodes, max_nodes;
	unsigned max_depth;
	bool is_lax;
	struct buf str;       /* the string being unescaped */
	struct jv *stack;     /* finished children of the open containers */
	size_t n_stack, cap_stack;
	locale_t c_loc;       /* made at the first number, (locale_t)0 before */
};

void
jv_fini(struct jv *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->n; i++)
		jv_fini(&v->kid[i]);
	free(v->kid);
	free(v->s);
	free(v->key);
	memset(v, 0, sizeof(*v));
}

static void
skip_ws(struct rd *r)
{
	uint8_t c;

	/* RFC 8259 section 2: space, tab, LF, CR; not FF or VT */
	while (rd_peek_u8(r, &c) == 0 &&
	    (c == ' ' || c == '\t' || c == '\n' || c == '\r'))
		rd_skip(r, 1);
}

static int
expect_lit(struct rd *r, const char *lit)
{
	const uint8_t *p;
	size_t n = strlen(lit);

	if (rd_ptr(r, n, &p) != 0 || memcmp(p, lit, n) != 0)
		return -EPROTO;
	return 0;
}

static int
hex4(struct rd *r, unsigned *out)
{
	unsigned v = 0;
	uint8_t c;

	for (int i = 0; i < 4; i++) {
		if (rd_u8(r, &c) != 0)
			return -EPROTO;
		if (c >= '0' && c <= '9')
			v = v << 4 | (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v << 4 | (unsigned)(c - 'A' + 10);
		else
			return -EPROTO;
	}
	*out = v;
	return 0;
}

/* cp is a scalar value (no surrogate, at most U+10FFFF), so this is valid. */
static void
put_utf8(struct buf *b, unsigned cp)
{
	uint8_t u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (uint8_t)(0xc0 | cp >> 6);
		u[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (uint8_t)(0xe0 | cp >> 12);
		u[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (uint8_t)(0xf0 | cp >> 18);
		u[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_append(b, u, n);
}

/*
 * The rest of a raw UTF-8 sequence whose lead byte c was read: RFC 3629
 * section 4 (Unicode 15 table 3-7), so no overlong form, no encoded
 * surrogate (ED A0..BF) and nothing above U+10FFFF (F4 90.., F5..FF).
 */
static int
utf8_seq(struct rd *r, uint8_t c, struct buf *b)
{
	uint8_t seq[4], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return -EPROTO; /* continuation byte, C0, C1 or F5..FF */
	}
	seq[0] = c;
	if (rd_bytes(r, seq + 1, n - 1) != 0 || seq[1] < lo || seq[1] > hi)
		return -EPROTO;
	for (size_t i = 2; i < n; i++)
		if ((seq[i] & 0xc0) != 0x80)
			return -EPROTO;
	buf_append(b, seq, n);
	return 0;
}

/*
 * The code point of a \u escape whose "\u" was read (RFC 8259 section 7),
 * joining a surrogate pair. Strictly, an unpaired surrogate or U+0000 is
 * -EPROTO: neither can be stored in UTF-8 C strings. JSON_READ_LAX makes
 * them U+FFFD, and leaves whatever followed a lone high surrogate unread.
 */
static int
unescape_u(struct jparse *p, unsigned *out)
{
	struct rd save;
	unsigned cp, lo;
	int rc = 0;

	if ((rc = hex4(&p->r, &cp)) != 0)
		goto out;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		save = p->r;
		if (expect_lit(&p->r, "\\u") == 0 && hex4(&p->r, &lo) == 0 &&
		    lo >= 0xdc00 && lo <= 0xdfff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		} else {
			p->r = save;
			cp = 0xfffd;
			rc = -EPROTO;
		}
	} else if ((cp >= 0xdc00 && cp <= 0xdfff) || cp == 0) {
		cp = 0xfffd;
		rc = -EPROTO;
	}
	if (rc != 0 && p->is_lax)
		rc = 0;
	*out = cp;
out:
	return rc;
}

/*
 * A string whose opening quote was read, through its closing quote, into
 * a new NUL-terminated string in *out (the caller owns it).
 */
static int
parse_string(struct jparse *p, char **out)
{
	struct buf *b = &p->str;
	unsigned cp;
	uint8_t c;
	int rc = 0;

	buf_reset(b);
	for (;;) {
		if (rd_u8(&p->r, &c) != 0) {
			rc = -EPROTO;
			goto out;
		}
		if (c == '"')
			break;
		if (c < 0x20) {
			rc = -EPROTO; /* RFC 8259 section 7: must be escaped */
			goto out;
		}
		if (c >= 0x80 && !p->is_lax) {
			if ((rc = utf8_seq(&p->r, c, b)) != 0)
				goto out;
			continue;
		}
		if (c != '\\') {
			buf_append(b, &c, 1);
			continue;
		}
		if (rd_u8(&p->r, &c) != 0) {
			rc = -EPROTO;
			goto out;
		}
		switch (c) {
		case '"':
		case '\\':
		case '/':
			buf_append(b, &c, 1);
			break;
		case 'b':
			buf_append(b, "\b", 1);
			break;
		case 'f':
			buf_append(b, "\f", 1);
			break;
		case 'n':
			buf_append(b, "\n", 1);
			break;
		case 'r':
			buf_append(b, "\r", 1);
			break;
		case 't':
			buf_append(b, "\t", 1);
			break;
		case 'u':
			if ((rc = unescape_u(p, &cp)) != 0)
				goto out;
			put_utf8(b, cp);
			break;
		default:
			rc = -EPROTO;
			goto out;
		}
	}
	buf_append(b, "", 1);
	/* the ceiling is the input size, which the string cannot exceed */
	if (b->err) {
		rc = -ENOMEM;
		goto out;
	}
	if ((*out = xmalloc(b->len)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(*out, b->data, b->len);
out:
	return rc;
}

struct num_text {
	char s[JSON_READ_NUM_MAX + 1];
	size_t len;
};

/* Move the next byte to t if it is in set: 1 if moved, 0 if not, or -E2BIG. */
static int
num_take(struct rd *r, struct num_text *t, const char *set)
{
	uint8_t c;

	if (rd_peek_u8(r, &c) != 0 || c == '\0' || strchr(set, c) == NULL)
		return 0;
	if (t->len == JSON_READ_NUM_MAX)
		return -E2BIG;
	rd_skip(r, 1);
	t->s[t->len++] = (char)c;
	return 1;
}

/* 1*DIGIT */
static int
num_digits(struct rd *r, struct num_text *t)
{
	int rc = num_take(r, t, DIGITS);

	if (rc == 0)
		return -EPROTO;
	while (rc == 1)
		rc = num_take(r, t, DIGITS);
	return rc;
}

/* The text is [-]DIGITS: its exact value, or false past int64_t. */
static bool
num_to_i64(const char *s, int64_t *out)
{
	bool is_neg = *s == '-';
	uint64_t mag = 0, lim = (uint64_t)INT64_MAX + is_neg;

	for (s += is_neg; *s; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (mag > (lim - d) / 10)
			return false;
		mag = mag * 10 + d;
	}
	if (!is_neg)
		*out = (int64_t)mag;
	else if (mag == (uint64_t)INT64_MAX + 1)
		*out = INT64_MIN;
	else
		*out = -(int64_t)mag;
	return true;
}

/*
 * RFC 8259 section 6:
 *   number = [ minus ] int [ frac ] [ exp ]
 *   int = zero / ( digit1-9 *DIGIT ), frac = "." 1*DIGIT,
 *   exp = ("e" / "E") [ "-" / "+" ] 1*DIGIT
 * so "+1", ".5", "5.", "01", "1e" and "NaN" are -EPROTO.
 */
static int
parse_number(struct jparse *p, struct jv *v)
{
	struct num_text t = { .len = 0 };
	bool is_int = true;
	char *end;
	int rc;

	if ((rc = num_take(&p->r, &t, "-")) < 0)
		goto out;
	if ((rc = num_take(&p->r, &t, "0")) == 0) {
		if ((rc = num_take(&p->r, &t, "123456789")) == 0)
			rc = -EPROTO;
		while (rc == 1)
			rc = num_take(&p->r, &t, DIGITS);
	}
	if (rc < 0)
		goto out;
	if ((rc = num_take(&p->r, &t, ".")) == 1) {
		is_int = false;
		rc = num_digits(&p->r, &t);
	}
	if (rc < 0)
		goto out;
	if ((rc = num_take(&p->r, &t, "eE")) == 1) {
		is_int = false;
		if ((rc = num_take(&p->r, &t, "+-")) >= 0)
			rc = num_digits(&p->r, &t);
	}
	if (rc < 0)
		goto out;
	t.s[t.len] = '\0';
	if (p->c_loc == (locale_t)0 &&
	    (p->c_loc = newlocale(LC_ALL_MASK, "C", (locale_t)0)) ==
		(locale_t)0) {
		rc = -ENOMEM;
		goto out;
	}
	v->t = JV_NUM;
	/* ERANGE is not an error: see json_read.h */
	v->num = strtod_l(t.s, &end, p->c_loc);
	if (end != t.s + t.len) {
		rc = -EPROTO; /* cannot happen: the grammar is a subset */
		goto out;
	}
	v->is_int = is_int && num_to_i64(t.s, &v->i);
	rc = 0;
out:
	return rc;
}

/* Keep a finished child until its container closes; takes *kid's content. */
static int
stack_push(struct jparse *p, const struct jv *kid)
{
	if (p->n_stack == p->cap_stack) {
		/* never more than max_nodes: each entry is a counted value */
		size_t ncap = p->cap_stack ? p->cap_stack * 2 : 16;
		struct jv *s;

		if (ncap > p->max_nodes)
			ncap = p->max_nodes;
		if (ncap <= p->n_stack)
			return -E2BIG; /* cannot happen: counted first */
		if ((s = xreallocarray(p->stack, ncap, sizeof(*s))) == NULL)
			return -ENOMEM;
		p->stack = s;
		p->cap_stack = ncap;
	}
	p->stack[p->n_stack++] = *kid;
	return 0;
}

static int parse_value(struct jparse *p, struct jv *v, unsigned depth);

/*
 * An array or object whose opening bracket was read. Its children are
 * parsed into a local node, pushed on p->stack and, at the closing
 * bracket, moved into v->kid. On failure this level's pushed children are
 * freed, so v owns nothing.
 */
static int
parse_container(struct jparse *p, struct jv *v, unsigned depth, bool is_obj)
{
	uint8_t c, close = is_obj ? '}' : ']';
	size_t base = p->n_stack, n;
	struct jv kid;
	int rc = 0;

	v->t = is_obj ? JV_OBJ : JV_ARR;
	skip_ws(&p->r);
	if (rd_peek_u8(&p->r, &c) == 0 && c == close) {
		rd_skip(&p->r, 1);
		goto out;
	}
	for (;;) {
		memset(&kid, 0, sizeof(kid));
		skip_ws(&p->r);
		if (is_obj) {
			/* RFC 8259 section 4: member = string ":" value */
			if (rd_u8(&p->r, &c) != 0 || c != '"') {
				rc = -EPROTO;
				goto out;
			}
			if ((rc = parse_string(p, &kid.key)) != 0)
				goto out;
			skip_ws(&p->r);
			if (rd_u8(&p->r, &c) != 0 || c != ':')
				rc = -EPROTO;
		}
		if (rc == 0)
			rc = parse_value(p, &kid, depth + 1);
		if (rc == 0)
			rc = stack_push(p, &kid);
		if (rc != 0) {
			jv_fini(&kid);
			goto out;
		}
		skip_ws(&p->r);
		if (rd_u8(&p->r, &c) != 0 || (c != close && c != ',')) {
			rc = -EPROTO;
			goto out;
		}
		if (c == close)
			break;
	}
	n = p->n_stack - base;
	if ((v->kid = xreallocarray(NULL, n, sizeof(*v->kid))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(v->kid, &p->stack[base], n * sizeof(*v->kid));
	v->n = n;
	p->n_stack = base;
out:
	while (p->n_stack > base)
		jv_fini(&p->stack[--p->n_stack]);
	return rc;
}

/* One value at the given depth (containers around it), after whitespace. */
static int
parse_value(struct jparse *p, struct jv *v, unsigned depth)
{
	uint8_t c;

	if (depth > p->max_depth || p->n_nodes == p->max_nodes)
		return -E2BIG;
	p->n_nodes++;
	skip_ws(&p->r);
	if (rd_peek_u8(&p->r, &c) != 0)
		return -EPROTO;
	switch (c) {
	case '{':
	case '[':
		rd_skip(&p->r, 1);
		return parse_container(p, v, depth, c == '{');
	case '"':
		rd_skip(&p->r, 1);
		v->t = JV_STR;
		return parse_string(p, &v->s);
	case 't':
		v->t = JV_BOOL;
		v->b = true;
		return expect_lit(&p->r, "true");
	case 'f':
		v->t = JV_BOOL;
		return expect_lit(&p->r, "false");
	case 'n':
		v->t = JV_NULL;
		return expect_lit(&p->r, "null");
	default:
		return parse_number(p, v);
	}
}

int
json_read_parse(struct jv *doc, const void *data, size_t len,
    const struct json_read_limits *lim)
{
	static const struct json_read_limits def = { 0 };
	struct jparse p = { .max_nodes = 0 };
	size_t max_bytes;
	int rc;

	memset(doc, 0, sizeof(*doc));
	buf_init(&p.str, len + 1);
	if (lim == NULL)
		lim = &def;
	if (lim->max_depth > JSON_READ_DEPTH_CAP ||
	    (lim->flags & ~JSON_READ_LAX) != 0) {
		rc = -EINVAL;
		goto out;
	}
	max_bytes = lim->max_bytes ? lim->max_bytes : JSON_READ_DEF_MAX_BYTES;
	p.max_nodes = lim->max_nodes ? lim->max_nodes : JSON_READ_DEF_MAX_NODES;
	p.max_depth = lim->max_depth ? lim->max_depth : JSON_READ_DEF_MAX_DEPTH;
	p.is_lax = (lim->flags & JSON_READ_LAX) != 0;
	if (len > max_bytes) {
		rc = -E2BIG;
		goto out;
	}
	rd_init(&p.r, data, len);
	rc = parse_value(&p, doc, 0);
	skip_ws(&p.r);
	if (rc == 0 && p.r.left != 0)
		rc = -EPROTO; /* RFC 8259 section 2: JSON-text = ws value ws */
out:
	if (rc != 0)
		jv_fini(doc);
	free(p.stack);
	buf_fini(&p.str);
	if (p.c_loc != (locale_t)0)
		freelocale(p.c_loc);
	return rc;
}

const struct jv *
jv_get(const struct jv *obj, const char *key)
{
	if (obj == NULL || obj->t != JV_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (obj->kid[i].key && strcmp(obj->kid[i].key, key) == 0)
			return &obj->kid[i];
	return NULL;
}

const char *
jv_str(const struct jv *obj, const char *key)
{
	const struct jv *v = jv_get(obj, key);

	return v && v->t == JV_STR ? v->s : NULL;
}

bool
jv_int(const struct jv *obj, const char *key, int64_t *out)
{
	const struct jv *v = jv_get(obj, key);

	if (v == NULL || v->t != JV_NUM || !v->is_int)
		return false;
	*out = v->i;
	return true;
}
