/*
 * rtmp_chunk: the RTMP chunk stream reader and writer (Adobe RTMP spec 1.0
 * sections 5.3 chunking and 5.4 protocol control messages).
 *
 * Reader design: a chunk is parsed from a copy of the input cursor and its
 * effects are committed only once the whole chunk (headers and payload) is
 * in, so partial input never changes state and the caller simply feeds the
 * unconsumed tail again. Each chunk stream (csid) has a slot in a fixed
 * array of lim.max_csids holding the last header and the message being
 * reassembled; its buffer grows once to the message length. A message that
 * fits one chunk is handed to the callback straight from the input.
 *
 * Extended timestamps on type 3 chunks: the spec (5.3.1.3) says they repeat
 * whenever the last type 0-2 header of the csid used one; ffmpeg, librtmp
 * and OBS send them, some older servers do not. As SRS does, we peek the 4
 * bytes and take them only if they equal the stored extended value, which
 * keeps both kinds of sender working (a payload that happens to start with
 * those 4 bytes is the one ambiguity, and the spec's reading wins there).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rd.h"
#include "rtmp_chunk.h"
#include "xalloc.h"

#define TS_EXTENDED 0xffffffu        /* 24-bit field escape, spec 5.3.1.3 */
#define MSG_LEN_MAX 0xffffffu        /* 24-bit message length */
#define CSID_MAX (64 + 0xffff)       /* 65599, spec 5.3.1.1 */

struct rtmp_csid_state {
	uint32_t csid;
	uint32_t timestamp;   /* of the current (or last) message */
	uint32_t delta;       /* applied by a type 3 that starts a message */
	uint32_t len;         /* message length from the last header */
	uint32_t stream_id;
	uint32_t ext_val;     /* extended timestamp field as last sent */
	uint8_t type;
	bool has_ext;         /* last type 0-2 header used 0xffffff */
	uint8_t *buf;         /* reassembly, cap bytes */
	uint32_t cap;
	uint32_t got;         /* bytes of the current message so far */
};

/* Copies lim; the slot array is allocated once, buffers on demand. */
int
rtmp_chunk_rd_init(struct rtmp_chunk_rd *r, const struct rtmp_chunk_limits *lim)
{
	memset(r, 0, sizeof(*r));
	r->chunk_size = RTMP_DEFAULT_CHUNK_SIZE;
	r->lim = *lim;
	if (lim->max_csids == 0)
		return 0;  /* every chunk stream will be refused */
	r->cs = xcalloc(lim->max_csids, sizeof(*r->cs));
	return r->cs != NULL ? 0 : -ENOMEM;
}

/* Frees everything; safe to call twice. */
void
rtmp_chunk_rd_fini(struct rtmp_chunk_rd *r)
{
	for (uint32_t i = 0; r->cs != NULL && i < r->n_cs; i++) {
		free(r->cs[i].buf);
		r->cs[i].buf = NULL;
	}
	free(r->cs);
	r->cs = NULL;
	r->n_cs = 0;
}

static struct rtmp_csid_state *
cs_find(struct rtmp_chunk_rd *r, uint32_t csid)
{
	for (uint32_t i = 0; i < r->n_cs; i++)
		if (r->cs[i].csid == csid)
			return &r->cs[i];
	return NULL;
}

/* Basic header (5.3.1.1): 0 and 1 in the low 6 bits select longer forms. */
static int
rd_basic_header(struct rd *in, uint8_t *fmt, uint32_t *csid)
{
	uint8_t b0, b1, b2;

	if (rd_u8(in, &b0) != 0)
		return 0;
	*fmt = b0 >> 6;
	*csid = b0 & 0x3f;
	if (*csid == 0) {
		if (rd_u8(in, &b1) != 0)
			return 0;
		*csid = 64 + (uint32_t)b1;
	} else if (*csid == 1) {
		if (rd_u8(in, &b1) != 0 || rd_u8(in, &b2) != 0)
			return 0;
		*csid = 64 + (uint32_t)b1 + ((uint32_t)b2 << 8);
	}
	return 1;
}

/*
 * Protocol control messages that change how the following bytes parse are
 * applied here, before the callback sees them (5.4.1, 5.4.2).
 */
static int
apply_control(struct rtmp_chunk_rd *r, const struct rtmp_msg *m)
{
	struct rtmp_csid_state *st;
	struct rd body;
	uint32_t v;

	if (m->type != RTMP_MSG_SET_CHUNK_SIZE && m->type != RTMP_MSG_ABORT)
		return 0;
	rd_init(&body, m->data, m->len);
	if (rd_be32(&body, &v) != 0)
		return -EPROTO;
	if (m->type == RTMP_MSG_SET_CHUNK_SIZE) {
		/* 5.4.1: bit 31 must be zero; the size at least 1 */
		if (v == 0 || (v & 0x80000000u))
			return -EPROTO;
		if (v > r->lim.max_chunk_size)
			return -EMSGSIZE;
		r->chunk_size = v;
		return 0;
	}
	/* Abort: drop what the peer had sent of that csid's message. */
	if ((st = cs_find(r, v)) != NULL)
		st->got = 0;
	return 0;
}

/*
 * One chunk. Returns 1 when consumed (in advanced), 0 when incomplete (in
 * untouched), or a negative errno. On a callback error the chunk counts as
 * consumed.
 */
static int
rd_chunk(struct rtmp_chunk_rd *r, struct rd *in, rtmp_msg_cb cb, void *arg)
{
	struct rd c = *in;
	struct rtmp_csid_state *st, nst;
	struct rtmp_msg m;
	const uint8_t *payload;
	uint32_t csid, ts_field = 0, len = 0, sid = 0, ext = 0, n;
	uint8_t fmt, type = 0;
	bool is_new, is_complete = false;
	int rc;

	if (!rd_basic_header(&c, &fmt, &csid))
		return 0;
	st = cs_find(r, csid);
	/* 5.3.1.2: types 1-3 reuse fields of an earlier header of this csid */
	if (st == NULL && fmt != 0)
		return -EPROTO;
	if (st == NULL && r->n_cs >= r->lim.max_csids)
		return -ENOBUFS;

	if (fmt == 0) {
		if (c.left < 11)
			return 0;
		rd_be24(&c, &ts_field);
		rd_be24(&c, &len);
		rd_u8(&c, &type);
		rd_le32(&c, &sid);
	} else if (fmt == 1) {
		if (c.left < 7)
			return 0;
		rd_be24(&c, &ts_field);
		rd_be24(&c, &len);
		rd_u8(&c, &type);
	} else if (fmt == 2) {
		if (c.left < 3)
			return 0;
		rd_be24(&c, &ts_field);
	}
	if (fmt <= 2 && ts_field == TS_EXTENDED && rd_be32(&c, &ext) != 0)
		return 0;

	/*
	 * Work on a copy of the slot; it is written back only when the whole
	 * chunk is in. A type 0-2 header while a message is half read starts
	 * over: the header gives a new length, so the old bytes cannot belong.
	 */
	if (st != NULL)
		nst = *st;
	else
		memset(&nst, 0, sizeof(nst));
	nst.csid = csid;
	if (fmt <= 2)
		nst.got = 0;
	is_new = nst.got == 0;
	switch (fmt) {
	case 0:
		nst.has_ext = ts_field == TS_EXTENDED;
		nst.ext_val = ext;
		nst.timestamp = nst.has_ext ? ext : ts_field;
		nst.delta = nst.timestamp;  /* 5.3.1.2.4: a type 3 repeats it */
		nst.len = len;
		nst.type = type;
		nst.stream_id = sid;
		break;
	case 1:
		nst.len = len;
		nst.type = type;
		/* FALLTHROUGH */
	case 2:
		nst.has_ext = ts_field == TS_EXTENDED;
		nst.ext_val = ext;
		nst.delta = nst.has_ext ? ext : ts_field;
		nst.timestamp += nst.delta;  /* wraps mod 2^32 (spec 5.3.1.2) */
		break;
	default:
		if (nst.has_ext) {
			struct rd pk = c;

			if (rd_be32(&pk, &ext) != 0)
				return 0;
			/* Repeated extended timestamp: only if it is ours. */
			if (ext == nst.ext_val)
				c = pk;
		}
		if (is_new)
			nst.timestamp += nst.delta;
		break;
	}
	if (is_new && nst.len > r->lim.max_message_len)
		return -EMSGSIZE;

	n = nst.len - nst.got;
	if (n > r->chunk_size)
		n = r->chunk_size;
	if (rd_ptr(&c, n, &payload) != 0)
		return 0;

	/* The whole chunk is in: commit. */
	if (st == NULL) {
		st = &r->cs[r->n_cs++];
		memset(st, 0, sizeof(*st));
	}
	nst.buf = st->buf;
	nst.cap = st->cap;
	if (n == nst.len) {
		/* The message is this one chunk: no copy. */
		is_complete = true;
	} else {
		if (is_new && nst.cap < nst.len) {
			/* Grow once, to the message length. */
			uint8_t *p = xreallocarray(nst.buf, nst.len, 1);

			if (p == NULL)
				return -ENOMEM;
			nst.buf = p;
			nst.cap = nst.len;
		}
		memcpy(nst.buf + nst.got, payload, n);
		nst.got += n;
		payload = nst.buf;
		is_complete = nst.got == nst.len;
	}
	if (is_complete)
		nst.got = 0;
	*st = nst;
	*in = c;
	if (!is_complete)
		return 1;

	memset(&m, 0, sizeof(m));
	m.csid = csid;
	m.timestamp = nst.timestamp;
	m.type = nst.type;
	m.stream_id = nst.stream_id;
	m.data = payload;
	m.len = nst.len;
	if ((rc = apply_control(r, &m)) != 0)
		return rc;
	if ((rc = cb(arg, &m)) < 0)
		return rc;
	return 1;
}

/*
 * Borrows p for the call only: a message spanning chunks is copied into its
 * csid's buffer, one in a single chunk is passed straight from p. Called
 * from the connection's thread; the reader is not shared.
 */
int
rtmp_chunk_rd_feed(struct rtmp_chunk_rd *r, const uint8_t *p, size_t len,
    size_t *consumed, rtmp_msg_cb cb, void *arg)
{
	struct rd in;
	int rc;

	rd_init(&in, p, len);
	while ((rc = rd_chunk(r, &in, cb, arg)) == 1)
		;
	*consumed = len - in.left;
	r->bytes_in += *consumed;
	return rc;
}

void
rtmp_chunk_wr_init(struct rtmp_chunk_wr *w)
{
	w->chunk_size = RTMP_DEFAULT_CHUNK_SIZE;
}

static void
put_basic_header(struct buf *out, uint8_t fmt, uint32_t csid)
{
	if (csid < 64) {
		buf_put_u8(out, (uint8_t)(fmt << 6 | csid));
	} else if (csid < 64 + 256) {
		buf_put_u8(out, (uint8_t)(fmt << 6));
		buf_put_u8(out, (uint8_t)(csid - 64));
	} else {
		buf_put_u8(out, (uint8_t)(fmt << 6 | 1));
		buf_put_u8(out, (uint8_t)((csid - 64) & 0xff));
		buf_put_u8(out, (uint8_t)((csid - 64) >> 8));
	}
}

/*
 * Type 0 then type 3 chunks. The extended timestamp is repeated on every
 * continuation, which ffmpeg's reader requires and the spec prescribes.
 * Refuses (-EINVAL) a csid outside 2..65599 and (-EMSGSIZE) a message over
 * the 24-bit length field, without touching out.
 */
int
rtmp_chunk_write(struct rtmp_chunk_wr *w, struct buf *out, uint32_t csid,
    uint32_t timestamp, uint8_t type, uint32_t stream_id, const uint8_t *data,
    size_t len)
{
	bool has_ext = timestamp >= TS_EXTENDED;
	size_t off = 0, n, hdr, n_chunks;
	uint32_t chunk_size = w->chunk_size ? w->chunk_size : 1;

	if (csid < 2 || csid > CSID_MAX)
		return -EINVAL;
	if (len > MSG_LEN_MAX)
		return -EMSGSIZE;
	if (out->err)
		return out->err;
	/* Reserve once: header bytes per chunk times chunks, plus payload. */
	hdr = (csid < 64 ? 1 : csid < 320 ? 2 : 3) + (has_ext ? 4 : 0);
	n_chunks = len ? (len + chunk_size - 1) / chunk_size : 1;
	if (buf_reserve(out, len + 11 + n_chunks * hdr) != 0)
		return out->err;

	put_basic_header(out, 0, csid);
	buf_put_be24(out, has_ext ? TS_EXTENDED : timestamp);
	buf_put_be24(out, (uint32_t)len);
	buf_put_u8(out, type);
	buf_put_le32(out, stream_id);
	for (;;) {
		if (has_ext)
			buf_put_be32(out, timestamp);
		n = len - off < chunk_size ? len - off : chunk_size;
		buf_append(out, data + off, n);
		off += n;
		if (off >= len)
			break;
		put_basic_header(out, 3, csid);
	}
	return out->err;
}

static int
put_control(struct rtmp_chunk_wr *w, struct buf *out, uint8_t type,
    const uint8_t *body, size_t len)
{
	return rtmp_chunk_write(w, out, RTMP_CSID_CONTROL, 0, type, 0, body, len);
}

static void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* 5.4.1: 1..0x7fffffff, else -EINVAL. The new size applies after it. */
int
rtmp_put_set_chunk_size(struct rtmp_chunk_wr *w, struct buf *out, uint32_t size)
{
	uint8_t b[4];
	int rc;

	if (size == 0 || (size & 0x80000000u))
		return -EINVAL;
	be32(b, size);
	if ((rc = put_control(w, out, RTMP_MSG_SET_CHUNK_SIZE, b, 4)) == 0)
		w->chunk_size = size;
	return rc;
}

int
rtmp_put_ack(struct rtmp_chunk_wr *w, struct buf *out, uint32_t seq)
{
	uint8_t b[4];

	be32(b, seq);
	return put_control(w, out, RTMP_MSG_ACK, b, 4);
}

int
rtmp_put_win_ack_size(struct rtmp_chunk_wr *w, struct buf *out, uint32_t size)
{
	uint8_t b[4];

	be32(b, size);
	return put_control(w, out, RTMP_MSG_WIN_ACK_SIZE, b, 4);
}

int
rtmp_put_set_peer_bw(struct rtmp_chunk_wr *w, struct buf *out, uint32_t size,
    uint8_t limit_type)
{
	uint8_t b[5];

	be32(b, size);
	b[4] = limit_type;
	return put_control(w, out, RTMP_MSG_SET_PEER_BW, b, 5);
}

/* Spec 6.2 (7.1.7 in 1.0): event type, then a 4-byte value (stream id). */
int
rtmp_put_user_control(struct rtmp_chunk_wr *w, struct buf *out, uint16_t event,
    uint32_t value)
{
	uint8_t b[6];

	b[0] = (uint8_t)(event >> 8);
	b[1] = (uint8_t)event;
	be32(b + 2, value);
	return put_control(w, out, RTMP_MSG_USER_CONTROL, b, 6);
}
