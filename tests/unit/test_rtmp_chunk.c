/*
 * test_rtmp_chunk: the chunk stream reader from raw wire bytes (split
 * messages, chunk size changes, extended timestamps, interleaving, header
 * types 1-3, long basic headers, Abort, every limit, byte-at-a-time input)
 * and the writer, byte for byte and through the reader.
 *
 * Wire bytes are written as hex strings; "P<n>" appends n payload bytes of
 * a running pattern (byte i of the whole stream's payload is i * 31 + 7),
 * so a message's expected data is a slice of that pattern; "P<n>@<i>"
 * restarts the pattern at offset i, for interleaved streams. A pat_from of
 * NOPAT skips the data check (control messages written in hex).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "rtmp_chunk.h"

#define MAX_MSGS 64
#define NOPAT ((size_t)-1)

struct got_msg {
	uint32_t csid, timestamp, stream_id;
	uint8_t type;
	size_t len;
	uint8_t *data;
};

struct coll {
	int n;
	int fail_at;            /* return -ECANCELED on this message (1-based) */
	struct got_msg m[MAX_MSGS];
};

static int
coll_cb(void *arg, const struct rtmp_msg *m)
{
	struct coll *c = arg;
	struct got_msg *g;

	if (c->n >= MAX_MSGS)
		return -E2BIG;
	g = &c->m[c->n++];
	g->csid = m->csid;
	g->timestamp = m->timestamp;
	g->stream_id = m->stream_id;
	g->type = m->type;
	g->len = m->len;
	g->data = malloc(m->len + 1);
	if (m->len)
		memcpy(g->data, m->data, m->len);
	if (c->fail_at == c->n)
		return -ECANCELED;
	return 0;
}

static void
coll_free(struct coll *c)
{
	for (int i = 0; i < c->n; i++) {
		free(c->m[i].data);
		c->m[i].data = NULL;
	}
	c->n = 0;
}

/* Pattern byte for payload offset i. */
static uint8_t
pat(size_t i)
{
	return (uint8_t)(i * 31 + 7);
}

/* Hex digits and spaces, plus P<n> for n pattern bytes. */
static void
wire(struct buf *b, const char *s, size_t *pat_off)
{
	while (*s) {
		if (isspace((unsigned char)*s)) {
			s++;
		} else if (*s == 'P') {
			char *end;
			unsigned long n = strtoul(s + 1, &end, 10);

			if (*end == '@')
				*pat_off = strtoul(end + 1, &end, 10);
			for (unsigned long i = 0; i < n; i++)
				buf_put_u8(b, pat((*pat_off)++));
			s = end;
		} else {
			char hx[3] = { s[0], s[1], 0 };

			buf_put_u8(b, (uint8_t)strtoul(hx, NULL, 16));
			s += 2;
		}
	}
}

static const struct rtmp_chunk_limits lim_default = { 65536, 1 << 20, 16 };

/* Feed everything at once. */
static int
feed_all(const struct rtmp_chunk_limits *lim, const uint8_t *p, size_t len,
    struct coll *c, size_t *consumed, struct rtmp_chunk_rd *keep)
{
	struct rtmp_chunk_rd r;
	size_t used = 0;
	int rc;

	if (rtmp_chunk_rd_init(&r, lim) != 0)
		return -ENOMEM;
	rc = rtmp_chunk_rd_feed(&r, p, len, &used, coll_cb, c);
	if (consumed)
		*consumed = used;
	if (keep)
		*keep = r;
	else
		rtmp_chunk_rd_fini(&r);
	return rc;
}

/*
 * Feed one more byte at a time, keeping the unconsumed tail as a socket
 * reader would. Returns the first error, or 0; *left gets the tail.
 */
static int
feed_bytewise(const struct rtmp_chunk_limits *lim, const uint8_t *p,
    size_t len, struct coll *c, size_t *left)
{
	struct rtmp_chunk_rd r;
	size_t start = 0, used;
	int rc = 0;

	if (rtmp_chunk_rd_init(&r, lim) != 0)
		return -ENOMEM;
	for (size_t end = 1; end <= len && rc == 0; end++) {
		rc = rtmp_chunk_rd_feed(&r, p + start, end - start, &used,
		    coll_cb, c);
		start += used;
	}
	*left = len - start;
	if (rc == 0 && r.bytes_in != start)
		rc = -1000;
	rtmp_chunk_rd_fini(&r);
	return rc;
}

static int
check_msg(const struct got_msg *g, uint32_t csid, uint32_t ts, uint8_t type,
    uint32_t sid, size_t len, size_t pat_from)
{
	CHECK_INT(g->csid, csid);
	CHECK_INT(g->timestamp, ts);
	CHECK_INT(g->type, type);
	CHECK_INT(g->stream_id, sid);
	CHECK_INT(g->len, len);
	if (pat_from == NOPAT)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (g->data[i] != pat(pat_from + i)) {
			fprintf(stderr, "  data[%zu]: got %u, want %u\n", i,
			    g->data[i], pat(pat_from + i));
			return 1;
		}
	return 0;
}

/*
 * Table of reader cases: wire bytes, then the messages expected (csid,
 * timestamp, type, stream id, length, offset of the data in the pattern).
 * Each runs whole and byte by byte.
 */
struct want {
	uint32_t csid, ts;
	uint8_t type;
	uint32_t sid;
	size_t len, pat_from;
};

static const struct rd_case {
	const char *name;
	const char *wire;
	int n;
	struct want w[6];
} rd_cases[] = {
	{ "split 300 over 128-byte chunks",
	  "03 000064 00012c 14 01000000 P128  c3 P128  c3 P44", 1,
	  { { 3, 100, 20, 1, 300, 0 } } },
	{ "exactly one chunk",
	  "03 000001 000080 14 00000000 P128", 1,
	  { { 3, 1, 20, 0, 128, 0 } } },
	{ "zero-length message",
	  "04 000005 000000 08 01000000  04 000006 000002 08 01000000 P2", 2,
	  { { 4, 5, 8, 1, 0, 0 }, { 4, 6, 8, 1, 2, 0 } } },
	{ "set chunk size 200 then split 200+100",
	  "02 000000 000004 01 00000000 000000c8"
	  "03 000000 00012c 14 00000000 P200  c3 P100", 2,
	  { { 2, 0, 1, 0, 4, NOPAT }, { 3, 0, 20, 0, 300, 0 } } },
	{ "message straddles a chunk size change",
	  "04 000010 000190 09 01000000 P128 "
	  "02 000000 000004 01 00000000 0000012c"
	  "c4 P272", 2,
	  { { 2, 0, 1, 0, 4, NOPAT }, { 4, 16, 9, 1, 400, 0 } } },
	{ "extended ts on type 0, repeated on type 3",
	  "03 ffffff 0000c8 09 01000000 01000000 P128  c3 01000000 P72", 1,
	  { { 3, 0x01000000, 9, 1, 200, 0 } } },
	{ "extended ts on type 0, not repeated on type 3",
	  "03 ffffff 0000c8 09 01000000 01000000 P128  c3 P72", 1,
	  { { 3, 0x01000000, 9, 1, 200, 0 } } },
	{ "extended ts: type 3 new message repeats the delta",
	  "03 ffffff 000002 09 01000000 01000000 P2  c3 01000000 P2 "
	  "83 ffffff 00000010 P2  c3 00000010 P2", 4,
	  { { 3, 0x01000000, 9, 1, 2, 0 }, { 3, 0x02000000, 9, 1, 2, 2 },
	    { 3, 0x02000010, 9, 1, 2, 4 }, { 3, 0x02000020, 9, 1, 2, 6 } } },
	{ "timestamp ffffff exactly is extended",
	  "03 ffffff 000001 09 00000000 00ffffff P1", 1,
	  { { 3, 0xffffff, 9, 0, 1, 0 } } },
	{ "interleaved audio csid 4 / video csid 6",
	  "04 000000 0000c8 08 01000000 P128@0 "
	  "06 000000 00012c 09 01000000 P128@1000 "
	  "c4 P72@128  c6 P128@1128  c6 P44@1256", 2,
	  { { 4, 0, 8, 1, 200, 0 }, { 6, 0, 9, 1, 300, 1000 } } },
	{ "types 1, 2, 3 with deltas",
	  "04 0003e8 000003 08 01000000 P3 "
	  "44 000014 000005 09 P5 "
	  "84 00001e P5 "
	  "c4 P5", 4,
	  { { 4, 1000, 8, 1, 3, 0 }, { 4, 1020, 9, 1, 5, 3 },
	    { 4, 1050, 9, 1, 5, 8 }, { 4, 1080, 9, 1, 5, 13 } } },
	{ "timestamp wraps at 2^32",
	  "04 ffffff 000001 08 01000000 fffffff0 P1  84 000020 P1", 2,
	  { { 4, 0xfffffff0, 8, 1, 1, 0 }, { 4, 0x10, 8, 1, 1, 1 } } },
	{ "2- and 3-byte basic headers",
	  "00 00 000001 000001 08 00000000 P1 "
	  "00 ff 000002 000001 08 00000000 P1 "
	  "01 00 01 000003 000001 08 00000000 P1 "
	  "01 ff ff 000004 000082 08 00000000 P128 c1 ff ff P2 "
	  "01 24 00 000005 000001 08 00000000 P1 "
	  "c0 24 P1", 6,
	  { { 64, 1, 8, 0, 1, 0 }, { 319, 2, 8, 0, 1, 1 },
	    { 320, 3, 8, 0, 1, 2 }, { 65599, 4, 8, 0, 130, 3 },
	    { 100, 5, 8, 0, 1, 133 }, { 100, 10, 8, 0, 1, 134 } } },
	{ "abort drops the partial message",
	  "04 000000 0000c8 09 01000000 P128 "
	  "02 000000 000004 02 00000000 00000004"
	  "04 000007 000003 09 01000000 P3", 2,
	  { { 2, 0, 2, 0, 4, NOPAT }, { 4, 7, 9, 1, 3, 128 } } },
	{ "abort, then type 3 starts over",
	  "04 000000 000082 09 01000000 P128 "
	  "02 000000 000004 02 00000000 00000004"
	  "c4 P128 c4 P2", 2,
	  { { 2, 0, 2, 0, 4, NOPAT }, { 4, 0, 9, 1, 130, 128 } } },
	{ "type 0 during a partial message starts over",
	  "04 000000 0000c8 09 01000000 P128 "
	  "04 000009 000002 08 01000000 P2", 1,
	  { { 4, 9, 8, 1, 2, 128 } } },
};

static int
t_reader_table(void)
{
	for (size_t i = 0; i < sizeof(rd_cases) / sizeof(rd_cases[0]); i++) {
		const struct rd_case *tc = &rd_cases[i];
		struct coll c = { 0 }, cb = { 0 };
		struct buf b;
		size_t pat_off = 0, used = 0, left = 0;

		fprintf(stderr, "  case %s\n", tc->name);
		buf_init(&b, 1 << 20);
		wire(&b, tc->wire, &pat_off);
		CHECK_INT(b.err, 0);
		CHECK_INT(feed_all(&lim_default, b.data, b.len, &c, &used, NULL), 0);
		CHECK_INT(used, b.len);
		CHECK_INT(c.n, tc->n);
		for (int k = 0; k < tc->n; k++) {
			const struct want *w = &tc->w[k];

			if (check_msg(&c.m[k], w->csid, w->ts, w->type, w->sid,
			    w->len, w->pat_from))
				return 1;
		}
		/* Byte at a time: the very same messages. */
		CHECK_INT(feed_bytewise(&lim_default, b.data, b.len, &cb, &left), 0);
		CHECK_INT(left, 0);
		CHECK_INT(cb.n, c.n);
		for (int k = 0; k < c.n; k++) {
			CHECK_INT(cb.m[k].csid, c.m[k].csid);
			CHECK_INT(cb.m[k].timestamp, c.m[k].timestamp);
			CHECK_INT(cb.m[k].len, c.m[k].len);
			CHECK_MEM(cb.m[k].data, c.m[k].data, c.m[k].len);
		}
		coll_free(&c);
		coll_free(&cb);
		buf_fini(&b);
	}
	return 0;
}

/* Errors: every limit and malformation. */
static const struct err_case {
	const char *name;
	struct rtmp_chunk_limits lim;
	const char *wire;
	int want_rc;
	int want_msgs;
} err_cases[] = {
	{ "message over max_message_len", { 65536, 1000, 16 },
	  "02 000000 000004 01 00000000 00001000"
	  "03 000000 0003e8 09 01000000 P1000 "
	  "04 000000 0003e9 09 01000000", -EMSGSIZE, 2 },
	{ "type 1 length over the limit", { 65536, 1000, 16 },
	  "03 000000 000001 09 01000000 P1  43 000000 0003e9 09", -EMSGSIZE, 1 },
	{ "set chunk size over max_chunk_size", { 4096, 1 << 20, 16 },
	  "02 000000 000004 01 00000000 00001000"
	  "02 000000 000004 01 00000000 00001001", -EMSGSIZE, 1 },
	{ "set chunk size 0", { 4096, 1 << 20, 16 },
	  "02 000000 000004 01 00000000 00000000", -EPROTO, 0 },
	{ "set chunk size top bit", { 0x7fffffff, 1 << 20, 16 },
	  "02 000000 000004 01 00000000 80000080", -EPROTO, 0 },
	{ "set chunk size short body", { 4096, 1 << 20, 16 },
	  "02 000000 000003 01 00000000 000010", -EPROTO, 0 },
	{ "abort short body", { 4096, 1 << 20, 16 },
	  "02 000000 000002 02 00000000 0004", -EPROTO, 0 },
	{ "too many chunk streams", { 65536, 1 << 20, 2 },
	  "03 000000 000001 09 01000000 P1 "
	  "04 000000 000001 09 01000000 P1 "
	  "03 000000 000001 09 01000000 P1 "
	  "05 000000 000001 09 01000000 P1", -ENOBUFS, 3 },
	{ "type 1 on unknown csid", { 65536, 1 << 20, 16 },
	  "43 000000 000001 09 P1", -EPROTO, 0 },
	{ "type 2 on unknown csid", { 65536, 1 << 20, 16 },
	  "03 000000 000001 09 01000000 P1  84 000000 P1", -EPROTO, 1 },
	{ "type 3 on unknown csid", { 65536, 1 << 20, 16 },
	  "c5 P1", -EPROTO, 0 },
	{ "type 3 on unknown 2-byte csid", { 65536, 1 << 20, 16 },
	  "c0 10 P1", -EPROTO, 0 },
};

static int
t_errors(void)
{
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *tc = &err_cases[i];
		struct coll c = { 0 }, cb = { 0 };
		struct buf b;
		size_t pat_off = 0, left = 0;

		fprintf(stderr, "  case %s\n", tc->name);
		buf_init(&b, 1 << 20);
		wire(&b, tc->wire, &pat_off);
		CHECK_INT(feed_all(&tc->lim, b.data, b.len, &c, NULL, NULL),
		    tc->want_rc);
		CHECK_INT(c.n, tc->want_msgs);
		CHECK_INT(feed_bytewise(&tc->lim, b.data, b.len, &cb, &left),
		    tc->want_rc);
		CHECK_INT(cb.n, tc->want_msgs);
		coll_free(&c);
		coll_free(&cb);
		buf_fini(&b);
	}
	return 0;
}

/* A partial chunk is not consumed and changes nothing. */
static int
t_partial_chunk(void)
{
	struct rtmp_chunk_rd r;
	struct coll c = { 0 };
	struct buf b;
	size_t pat_off = 0, used = 99;

	buf_init(&b, 1 << 20);
	wire(&b, "03 000064 00012c 14 01000000 P128  c3 P128  c3 P44", &pat_off);
	CHECK_INT(rtmp_chunk_rd_init(&r, &lim_default), 0);
	/* First chunk whole plus 5 bytes of the second. */
	CHECK_INT(rtmp_chunk_rd_feed(&r, b.data, 12 + 128 + 5, &used, coll_cb, &c), 0);
	CHECK_INT(used, 12 + 128);
	CHECK_INT(r.bytes_in, 12 + 128);
	CHECK_INT(c.n, 0);
	/* Header of the first chunk only. */
	CHECK_INT(rtmp_chunk_rd_feed(&r, b.data + used, 1, &used, coll_cb, &c), 0);
	CHECK_INT(used, 0);
	CHECK_INT(rtmp_chunk_rd_feed(&r, b.data + 140, b.len - 140, &used,
	    coll_cb, &c), 0);
	CHECK_INT(used, b.len - 140);
	CHECK_INT(r.bytes_in, b.len);
	CHECK_INT(c.n, 1);
	if (check_msg(&c.m[0], 3, 100, 20, 1, 300, 0))
		return 1;
	rtmp_chunk_rd_fini(&r);
	rtmp_chunk_rd_fini(&r);                   /* idempotent */
	coll_free(&c);
	buf_fini(&b);
	return 0;
}

/* A callback error stops the feed right after that message's chunk. */
static int
t_cb_error(void)
{
	struct coll c = { .fail_at = 2 };
	struct buf b;
	size_t pat_off = 0, used = 0;

	buf_init(&b, 1 << 20);
	wire(&b, "04 000001 000003 08 01000000 P3 "
	    "04 000002 000003 08 01000000 P3 "
	    "04 000003 000003 08 01000000 P3", &pat_off);
	CHECK_INT(feed_all(&lim_default, b.data, b.len, &c, &used, NULL),
	    -ECANCELED);
	CHECK_INT(c.n, 2);
	CHECK_INT(used, 2 * 15);
	coll_free(&c);
	buf_fini(&b);
	return 0;
}

/* Set Chunk Size applies for what follows, and the reader records it. */
static int
t_chunk_size_applied(void)
{
	struct rtmp_chunk_rd r;
	struct coll c = { 0 };
	struct buf b;
	size_t pat_off = 0, used;

	buf_init(&b, 1 << 20);
	wire(&b, "02 000000 000004 01 00000000 00001000"
	    "03 000000 001000 09 01000000 P4096", &pat_off);
	CHECK_INT(feed_all(&lim_default, b.data, b.len, &c, &used, &r), 0);
	CHECK_INT(r.chunk_size, 4096);
	CHECK_INT(c.n, 2);
	CHECK_INT(c.m[1].len, 4096);
	CHECK_INT(r.bytes_in, b.len);
	rtmp_chunk_rd_fini(&r);
	coll_free(&c);
	buf_fini(&b);
	return 0;
}

/* Writer output byte for byte. */
static const struct wr_case {
	const char *name;
	int op;
	uint32_t a, b;
	const char *want;
} wr_cases[] = {
	{ "set chunk size", 0, 4096, 0, "02 000000 000004 01 00000000 00001000" },
	{ "ack", 1, 0x01020304, 0, "02 000000 000004 03 00000000 01020304" },
	{ "win ack size", 2, 2500000, 0, "02 000000 000004 05 00000000 002625a0" },
	{ "peer bw dynamic", 3, 2500000, 2, "02 000000 000005 06 00000000 002625a0 02" },
	{ "stream begin 1", 4, RTMP_UC_STREAM_BEGIN, 1,
	  "02 000000 000006 04 00000000 0000 00000001" },
	{ "ping response", 4, RTMP_UC_PING_RESPONSE, 0xdeadbeef,
	  "02 000000 000006 04 00000000 0007 deadbeef" },
	{ "message split, csid 3", 5, 100, 0,
	  "03 000064 0000c8 14 01000000 P128 c3 P72" },
	{ "extended ts repeated on continuation", 5, 0x01000000, 0,
	  "03 ffffff 0000c8 14 01000000 01000000 P128 c3 01000000 P72" },
	{ "csid 64 two bytes", 6, 64, 0, "00 00 000007 000002 08 02000000 P2" },
	{ "csid 319 two bytes", 6, 319, 0, "00 ff 000007 000002 08 02000000 P2" },
	{ "csid 320 three bytes", 6, 320, 0, "01 00 01 000007 000002 08 02000000 P2" },
	{ "csid 65599 three bytes", 6, 65599, 0, "01 ff ff 000007 000002 08 02000000 P2" },
	{ "zero length", 7, 0, 0, "05 000009 000000 12 01000000" },
};

static int
t_writer_bytes(void)
{
	for (size_t i = 0; i < sizeof(wr_cases) / sizeof(wr_cases[0]); i++) {
		const struct wr_case *tc = &wr_cases[i];
		struct rtmp_chunk_wr w;
		struct buf got, want;
		uint8_t data[200];
		size_t pat_off = 0;
		int rc = -1;

		fprintf(stderr, "  case %s\n", tc->name);
		for (size_t k = 0; k < sizeof(data); k++)
			data[k] = pat(k);
		buf_init(&got, 1 << 20);
		buf_init(&want, 1 << 20);
		wire(&want, tc->want, &pat_off);
		rtmp_chunk_wr_init(&w);
		CHECK_INT(w.chunk_size, 128);
		switch (tc->op) {
		case 0:
			rc = rtmp_put_set_chunk_size(&w, &got, tc->a);
			CHECK_INT(w.chunk_size, tc->a);
			break;
		case 1: rc = rtmp_put_ack(&w, &got, tc->a); break;
		case 2: rc = rtmp_put_win_ack_size(&w, &got, tc->a); break;
		case 3: rc = rtmp_put_set_peer_bw(&w, &got, tc->a, (uint8_t)tc->b); break;
		case 4: rc = rtmp_put_user_control(&w, &got, (uint16_t)tc->a, tc->b); break;
		case 5: rc = rtmp_chunk_write(&w, &got, 3, tc->a, 20, 1, data, 200); break;
		case 6: rc = rtmp_chunk_write(&w, &got, tc->a, 7, 8, 2, data, 2); break;
		case 7: rc = rtmp_chunk_write(&w, &got, 5, 9, 18, 1, NULL, 0); break;
		}
		CHECK_INT(rc, 0);
		CHECK_INT(got.len, want.len);
		CHECK_MEM(got.data, want.data, want.len);
		buf_fini(&got);
		buf_fini(&want);
	}
	return 0;
}

static int
t_writer_refuses(void)
{
	struct rtmp_chunk_wr w;
	struct buf out;
	uint8_t d[4] = { 0 };

	rtmp_chunk_wr_init(&w);
	buf_init(&out, 1 << 20);
	CHECK_INT(rtmp_chunk_write(&w, &out, 1, 0, 8, 0, d, 4), -EINVAL);
	CHECK_INT(rtmp_chunk_write(&w, &out, 65600, 0, 8, 0, d, 4), -EINVAL);
	CHECK_INT(rtmp_chunk_write(&w, &out, 3, 0, 8, 0, d, 0x1000000), -EMSGSIZE);
	CHECK_INT(rtmp_put_set_chunk_size(&w, &out, 0), -EINVAL);
	CHECK_INT(rtmp_put_set_chunk_size(&w, &out, 0x80000000u), -EINVAL);
	CHECK_INT(w.chunk_size, 128);
	CHECK_INT(out.len, 0);
	buf_fini(&out);
	/* A full buffer reports -ENOBUFS. */
	buf_init(&out, 100);
	CHECK_INT(rtmp_chunk_write(&w, &out, 3, 0, 8, 0, d, 4), 0);
	{
		uint8_t big[200] = { 0 };

		CHECK_INT(rtmp_chunk_write(&w, &out, 3, 0, 8, 0, big, 200), -ENOBUFS);
	}
	buf_fini(&out);
	return 0;
}

/*
 * Writer to reader: many sizes, chunk sizes, timestamps and csids, all
 * messages in one stream, fed whole and in odd pieces.
 */
static int
t_roundtrip(void)
{
	static const size_t sizes[] = { 0, 1, 127, 128, 129, 255, 256, 1000,
	    4096, 4097, 65537 };
	static const uint32_t chunk_sizes[] = { 1, 2, 128, 129, 4096, 60000, 65536 };
	static const uint32_t stamps[] = { 0, 40, 0xfffffe, 0xffffff, 0x12345678,
	    0xffffffff };
	static const uint32_t csids[] = { 2, 4, 63, 64, 319, 320, 65599 };
	struct rtmp_chunk_limits lim = { 65536, 1 << 17, 16 };
	struct rtmp_chunk_rd r;
	struct rtmp_chunk_wr w;
	struct buf out;
	uint8_t *data = malloc(70000);
	int n = 0;

	for (size_t i = 0; i < 70000; i++)
		data[i] = pat(i);
	for (size_t ci = 0; ci < sizeof(chunk_sizes) / sizeof(chunk_sizes[0]); ci++) {
		struct coll *c = calloc(1, sizeof(*c));
		size_t used = 0, pos = 0, have = 0, piece = 0;
		int k = 0, rc = 0;

		buf_init(&out, 1 << 26);
		rtmp_chunk_wr_init(&w);
		CHECK_INT(rtmp_put_set_chunk_size(&w, &out, chunk_sizes[ci]), 0);
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			uint32_t ts = stamps[si % 6], csid = csids[si % 7];

			CHECK_INT(rtmp_chunk_write(&w, &out, csid, ts, 9,
			    (uint32_t)si, data + si, sizes[si]), 0);
		}
		CHECK_INT(rtmp_chunk_rd_init(&r, &lim), 0);
		/*
		 * As from a socket: pieces of 1..997 bytes arrive and are
		 * fed together with the unconsumed tail.
		 */
		while (have < out.len && rc == 0) {
			piece = piece * 7 % 997 + 1;
			have = have + piece < out.len ? have + piece : out.len;
			rc = rtmp_chunk_rd_feed(&r, out.data + pos, have - pos,
			    &used, coll_cb, c);
			pos += used;
		}
		CHECK_INT(rc, 0);
		CHECK_INT(pos, out.len);
		CHECK_INT(r.bytes_in, out.len);
		CHECK_INT(c->n, 1 + (int)(sizeof(sizes) / sizeof(sizes[0])));
		CHECK_INT(r.chunk_size, chunk_sizes[ci]);
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			const struct got_msg *g = &c->m[++k];

			if (check_msg(g, csids[si % 7], stamps[si % 6], 9,
			    (uint32_t)si, sizes[si], si))
				return 1;
			n++;
		}
		rtmp_chunk_rd_fini(&r);
		coll_free(c);
		free(c);
		buf_fini(&out);
	}
	CHECK_INT(n, 7 * 11);
	free(data);
	return 0;
}

int
main(void)
{
	RUN(t_reader_table);
	RUN(t_errors);
	RUN(t_partial_chunk);
	RUN(t_cb_error);
	RUN(t_chunk_size_applied);
	RUN(t_writer_bytes);
	RUN(t_writer_refuses);
	RUN_TIMEOUT(t_roundtrip, 60);
	return check_done();
}
