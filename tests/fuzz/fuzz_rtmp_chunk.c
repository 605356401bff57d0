/*
 * fuzz_rtmp_chunk: the RTMP chunk stream reader (origin/rtmp_chunk.c) with
 * modest limits (chunk size 64 KiB, message 1 MiB, 16 chunk streams).
 *
 * The input is fed twice: whole, and as a socket would deliver it, in
 * pieces whose sizes come from the first byte, each fed with the unconsumed
 * tail. Both must give the same messages (hashed) and the same result, and
 * every message must respect the limits. The messages of the whole feed are
 * then written out with the writer and read back, which must give them
 * again: this checks writer and reader against each other.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rtmp_chunk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rtmp_chunk_limits fz_lim = { 65536, 1 << 20, 16 };

struct fz_state {
	uint64_t hash;
	unsigned n_msgs;
	struct rtmp_chunk_wr *w;   /* re-encode into out when set */
	struct buf *out;
};

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static int
fz_cb(void *arg, const struct rtmp_msg *m)
{
	struct fz_state *st = arg;

	if (m->len > fz_lim.max_message_len || m->csid < 2 || m->csid > 65599)
		abort();
	if (m->len && m->data == NULL)
		abort();
	st->hash = fnv(st->hash, &m->csid, sizeof(m->csid));
	st->hash = fnv(st->hash, &m->timestamp, sizeof(m->timestamp));
	st->hash = fnv(st->hash, &m->type, sizeof(m->type));
	st->hash = fnv(st->hash, &m->stream_id, sizeof(m->stream_id));
	st->hash = fnv(st->hash, &m->len, sizeof(m->len));
	st->hash = fnv(st->hash, m->data, m->len);
	st->n_msgs++;
	if (st->w != NULL) {
		rtmp_chunk_write(st->w, st->out, m->csid, m->timestamp, m->type,
		    m->stream_id, m->data, m->len);
		/* keep the writer's chunk size in step with what the reader
		 * of the copy will apply */
		if (m->type == RTMP_MSG_SET_CHUNK_SIZE && m->len >= 4)
			st->w->chunk_size = (uint32_t)m->data[0] << 24 |
			    (uint32_t)m->data[1] << 16 |
			    (uint32_t)m->data[2] << 8 | m->data[3];
	}
	/* Stop on a marker now and then, to exercise callback errors. */
	if (m->type == 0x7f)
		return -ECANCELED;
	return 0;
}

static int
feed_whole(const uint8_t *p, size_t n, struct fz_state *st, size_t *used)
{
	struct rtmp_chunk_rd r;
	int rc;

	if (rtmp_chunk_rd_init(&r, &fz_lim) != 0)
		return -ENOMEM;
	rc = rtmp_chunk_rd_feed(&r, p, n, used, fz_cb, st);
	if (*used > n || r.bytes_in != *used || r.chunk_size == 0 ||
	    r.chunk_size > fz_lim.max_chunk_size || r.n_cs > fz_lim.max_csids)
		abort();
	rtmp_chunk_rd_fini(&r);
	return rc;
}

static int
feed_pieces(const uint8_t *p, size_t n, uint8_t seed, struct fz_state *st,
    size_t *used)
{
	struct rtmp_chunk_rd r;
	size_t pos = 0, have = 0, u, piece = seed;
	int rc = 0;

	if (rtmp_chunk_rd_init(&r, &fz_lim) != 0)
		return -ENOMEM;
	while (have < n && rc == 0) {
		piece = (piece * 5 + 1) % ((size_t)(seed & 0x3f) + 2) + 1;
		have = have + piece < n ? have + piece : n;
		rc = rtmp_chunk_rd_feed(&r, p + pos, have - pos, &u, fz_cb, st);
		if (u > have - pos)
			abort();
		pos += u;
	}
	*used = pos;
	if (r.bytes_in != pos)
		abort();
	rtmp_chunk_rd_fini(&r);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_state a = { 0 }, b = { 0 }, c = { 0 };
	struct rtmp_chunk_wr w;
	struct buf out;
	size_t used_a = 0, used_b = 0, used_c = 0;
	int rc_a, rc_b, rc_c;

	if (size == 0)
		return 0;
	rtmp_chunk_wr_init(&w);
	buf_init(&out, 1 << 26);
	a.w = &w;
	a.out = &out;
	rc_a = feed_whole(data + 1, size - 1, &a, &used_a);
	rc_b = feed_pieces(data + 1, size - 1, data[0], &b, &used_b);
	if (rc_a != -ENOMEM && rc_b != -ENOMEM &&
	    (rc_a != rc_b || a.hash != b.hash || a.n_msgs != b.n_msgs ||
	    used_a != used_b))
		abort();
	if (out.err == 0 && rc_a != -ENOMEM) {
		rc_c = feed_whole(out.data, out.len, &c, &used_c);
		/* The copy ends on a message boundary; -ECANCELED repeats. */
		if (rc_c != (rc_a == -ECANCELED ? -ECANCELED : 0) ||
		    c.hash != a.hash || c.n_msgs != a.n_msgs ||
		    (rc_c == 0 && used_c != out.len))
			abort();
	}
	buf_fini(&out);
	return 0;
}
