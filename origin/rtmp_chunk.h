/*
 * rtmp_chunk: the RTMP chunk stream (Adobe RTMP spec 1.0, sections 5.3-5.4):
 * reassembles messages from interleaved chunks, and writes messages as
 * chunks.
 *
 * Reader. Chunk basic headers with 1-, 2- and 3-byte chunk stream ids; all
 * four message header types (0: full, 1: no stream id, 2: timestamp delta
 * only, 3: none); extended timestamps (0xffffff escape), including on type 3
 * chunks that continue a message whose header used one (as ffmpeg and
 * librtmp send) and on type 3 chunks that start a new message (the delta is
 * applied again). Timestamps are absolute 32-bit milliseconds, wrapping as
 * the spec says; the session unwraps them.
 *
 * The reader applies Set Chunk Size (type 1) and Abort (type 2) itself, as
 * they change how the following bytes parse, and also passes them up. Every
 * peer-controlled quantity has a limit: chunk size, message length, and the
 * number of chunk streams with state. Exceeding one is -EMSGSIZE (chunk size
 * or message length) or -ENOBUFS (chunk streams): the session closes.
 *
 * Writer. Each message goes out as a type 0 chunk followed by type 3
 * continuations, split at the outgoing chunk size, with extended timestamps
 * when the timestamp is 0xffffff or more.
 */
#ifndef CDN_RTMP_CHUNK_H
#define CDN_RTMP_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define RTMP_DEFAULT_CHUNK_SIZE 128

enum rtmp_msg_type {
	RTMP_MSG_SET_CHUNK_SIZE = 1,
	RTMP_MSG_ABORT = 2,
	RTMP_MSG_ACK = 3,
	RTMP_MSG_USER_CONTROL = 4,
	RTMP_MSG_WIN_ACK_SIZE = 5,
	RTMP_MSG_SET_PEER_BW = 6,
	RTMP_MSG_AUDIO = 8,
	RTMP_MSG_VIDEO = 9,
	RTMP_MSG_DATA_AMF3 = 15,
	RTMP_MSG_SHARED_OBJ_AMF3 = 16,
	RTMP_MSG_CMD_AMF3 = 17,
	RTMP_MSG_DATA_AMF0 = 18,
	RTMP_MSG_SHARED_OBJ_AMF0 = 19,
	RTMP_MSG_CMD_AMF0 = 20,
	RTMP_MSG_AGGREGATE = 22,
};

enum rtmp_user_control {
	RTMP_UC_STREAM_BEGIN = 0,
	RTMP_UC_STREAM_EOF = 1,
	RTMP_UC_STREAM_DRY = 2,
	RTMP_UC_SET_BUFFER_LENGTH = 3,
	RTMP_UC_STREAM_IS_RECORDED = 4,
	RTMP_UC_PING_REQUEST = 6,
	RTMP_UC_PING_RESPONSE = 7,
};

/* Chunk stream ids we send on (as nginx-rtmp and FMS do). */
#define RTMP_CSID_CONTROL 2
#define RTMP_CSID_COMMAND 3

struct rtmp_msg {
	uint32_t csid;
	uint32_t timestamp;   /* absolute, ms, 32-bit wrapping */
	uint8_t type;         /* enum rtmp_msg_type or other */
	uint32_t stream_id;   /* message stream id */
	const uint8_t *data;  /* borrowed: valid during the callback only */
	size_t len;
};

struct rtmp_chunk_limits {
	uint32_t max_chunk_size;   /* largest Set Chunk Size accepted (spec max 2^31-1) */
	uint32_t max_message_len;  /* largest message length accepted */
	uint32_t max_csids;        /* chunk streams with state at once */
};

struct rtmp_csid_state;        /* private to rtmp_chunk.c */

struct rtmp_chunk_rd {
	uint32_t chunk_size;       /* current incoming chunk size */
	struct rtmp_chunk_limits lim;
	struct rtmp_csid_state *cs; /* array of lim.max_csids */
	uint32_t n_cs;
	uint64_t bytes_in;         /* total bytes consumed, for acknowledgements */
};

/* Returns 0 or a negative errno to stop parsing (passed back by feed). */
typedef int (*rtmp_msg_cb)(void *arg, const struct rtmp_msg *m);

/* 0 or -ENOMEM. */
int rtmp_chunk_rd_init(struct rtmp_chunk_rd *r, const struct rtmp_chunk_limits *lim);
void rtmp_chunk_rd_fini(struct rtmp_chunk_rd *r);
/*
 * Parse the complete chunks in p[0..len), calling cb for each message that
 * completes. *consumed is set to the bytes used, which always end on a chunk
 * boundary; the rest must be fed again with more data appended. Returns 0,
 * -EPROTO (malformed: a type 1-3 chunk on an unknown chunk stream, a Set
 * Chunk Size of 0 or with the top bit set), -EMSGSIZE, -ENOBUFS, or the
 * callback's negative return (*consumed then includes the message's chunk).
 */
int rtmp_chunk_rd_feed(struct rtmp_chunk_rd *r, const uint8_t *p, size_t len,
    size_t *consumed, rtmp_msg_cb cb, void *arg);

struct rtmp_chunk_wr {
	uint32_t chunk_size;       /* outgoing chunk size; starts at 128 */
};

void rtmp_chunk_wr_init(struct rtmp_chunk_wr *w);
/* Append one message as chunks. Returns out->err. */
int rtmp_chunk_write(struct rtmp_chunk_wr *w, struct buf *out, uint32_t csid,
    uint32_t timestamp, uint8_t type, uint32_t stream_id, const uint8_t *data,
    size_t len);

/*
 * Protocol control messages (spec 5.4) and user control events (spec 6.2),
 * sent on chunk stream 2, message stream 0. rtmp_put_set_chunk_size also
 * sets w->chunk_size for what follows.
 */
int rtmp_put_set_chunk_size(struct rtmp_chunk_wr *w, struct buf *out, uint32_t size);
int rtmp_put_ack(struct rtmp_chunk_wr *w, struct buf *out, uint32_t seq);
int rtmp_put_win_ack_size(struct rtmp_chunk_wr *w, struct buf *out, uint32_t size);
int rtmp_put_set_peer_bw(struct rtmp_chunk_wr *w, struct buf *out, uint32_t size,
    uint8_t limit_type);
int rtmp_put_user_control(struct rtmp_chunk_wr *w, struct buf *out, uint16_t event,
    uint32_t value);

#endif
