/*
 * flv: FLV tag header and audio/video tag body parsing.
 *
 * Purpose: RTMP audio and video messages carry FLV tag bodies; .flv files
 * add a 9-byte file header and an 11-byte header per tag. These parsers
 * split headers from payload and check only what the lengths announce;
 * the caller decides which codecs it accepts.
 *
 * Design: every read goes through a struct rd over the body; the payload
 * is returned as a borrowed pointer into the caller's buffer, never copied.
 * A file parser works on a copy of the caller's cursor and commits it only
 * on success, so a failed parse consumes nothing.
 *
 * Specs: Adobe "Video File Format Specification" v10.1, annex E (E.2 FLV
 * header, E.4.1 FLVTAG, E.4.2.1 AUDIODATA, E.4.3.1 VIDEODATA); veovera
 * Enhanced RTMP v1 ("Defining Additional Video Codecs": ExVideoTagHeader).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "flv.h"

/* Signed 24-bit big-endian (SI24): the composition time offset. */
static int
rd_si24(struct rd *r, int32_t *v)
{
	uint32_t u;
	int rc;

	if ((rc = rd_be24(r, &u)) != 0)
		return rc;
	/* Sign-extend bit 23 without relying on implementation-defined shifts. */
	*v = (u & 0x800000u) ? (int32_t)u - 0x1000000 : (int32_t)u;
	return 0;
}

/* The payload is whatever is left after the headers. */
static void
take_rest(struct rd *r, const uint8_t **data, size_t *len)
{
	*data = r->p;
	*len = r->left;
	r->p += r->left;
	r->left = 0;
}

/*
 * Enhanced RTMP v1: IsExHeader(1) FrameType(3) PacketType(4), then a FourCC,
 * then per packet type the body. Byte 0 has already been read.
 */
static int
video_parse_ex(struct rd *r, uint8_t b0, struct flv_video *v)
{
	int rc;

	v->is_ex = true;
	v->frame_type = (uint8_t)((b0 >> 4) & 0x07);
	v->packet_type = (uint8_t)(b0 & 0x0f);
	if ((rc = rd_be32(r, &v->fourcc)) != 0)
		return rc;
	if (v->frame_type == FLV_FRAME_COMMAND &&
	    v->packet_type != FLV_EX_METADATA) {
		/* E-RTMP v1: a command frame's body is one UI8, no media. */
		return rd_skip(r, 1);
	}
	switch (v->packet_type) {
	case FLV_EX_SEQ_START:
	case FLV_EX_MPEG2TS_SEQ_START:
		v->is_seq_header = v->packet_type == FLV_EX_SEQ_START;
		break;
	case FLV_EX_CODED_FRAMES:
		/*
		 * E-RTMP v1: only AVC and HEVC coded frames carry an SI24
		 * composition time; AV1 and VP9 have no B-frame reordering
		 * signalled here.
		 */
		if (v->fourcc == FLV_FOURCC('a', 'v', 'c', '1') ||
		    v->fourcc == FLV_FOURCC('h', 'v', 'c', '1')) {
			if ((rc = rd_si24(r, &v->cts_ms)) != 0)
				return rc;
		}
		break;
	case FLV_EX_CODED_FRAMES_X:    /* composition time implied zero */
	case FLV_EX_SEQ_END:
	case FLV_EX_METADATA:          /* AMF body, the session's concern */
	default:                       /* unknown types: lengths only */
		break;
	}
	take_rest(r, &v->data, &v->len);
	return 0;
}

/*
 * Parse a video tag body. Accepts any legacy codec id (the payload follows
 * the one header byte) and the Enhanced RTMP header; refuses with -EPROTO
 * only bodies too short for what byte 0 announces. Borrows p: v->data
 * points into it. Thread-agnostic, no allocation.
 */
int
flv_video_parse(const uint8_t *p, size_t len, struct flv_video *v)
{
	struct rd r;
	uint8_t b0;
	int rc;

	memset(v, 0, sizeof(*v));
	rd_init(&r, p, len);
	if ((rc = rd_u8(&r, &b0)) != 0)
		return rc;
	if (b0 & 0x80) {
		if ((rc = video_parse_ex(&r, b0, v)) != 0)
			return rc;
	} else {
		v->frame_type = (uint8_t)(b0 >> 4);
		v->codec_id = (uint8_t)(b0 & 0x0f);
		if (v->frame_type == FLV_FRAME_COMMAND) {
			/*
			 * E.4.3.1: a video info/command frame carries a UI8
			 * instead of a payload, even for AVC (no AVC header).
			 */
			if ((rc = rd_skip(&r, 1)) != 0)
				return rc;
		} else {
			if (v->codec_id == FLV_VIDEO_AVC ||
			    v->codec_id == FLV_VIDEO_HEVC_LEGACY) {
				/* E.4.3.1: AVCPacketType UI8, CompositionTime SI24 */
				if ((rc = rd_u8(&r, &v->packet_type)) != 0 ||
				    (rc = rd_si24(&r, &v->cts_ms)) != 0)
					return rc;
				v->is_seq_header =
				    v->packet_type == FLV_AVC_SEQ_HEADER;
			}
			take_rest(&r, &v->data, &v->len);
		}
	}
	v->is_key = v->frame_type == FLV_FRAME_KEY ||
	    v->frame_type == FLV_FRAME_GENERATED_KEY;
	if (v->frame_type == FLV_FRAME_COMMAND) {
		/* No media: the caller must not treat this as a picture. */
		v->is_seq_header = false;
		v->data = NULL;
		v->len = 0;
	}
	return 0;
}

/*
 * Parse an audio tag body (E.4.2.1). AAC bodies must carry the
 * AACPacketType byte; other formats only the one header byte. Borrows p.
 */
int
flv_audio_parse(const uint8_t *p, size_t len, struct flv_audio *a)
{
	struct rd r;
	uint8_t b0;
	int rc;

	memset(a, 0, sizeof(*a));
	rd_init(&r, p, len);
	if ((rc = rd_u8(&r, &b0)) != 0)
		return rc;
	a->sound_format = (uint8_t)(b0 >> 4);
	a->sound_rate = (uint8_t)((b0 >> 2) & 0x03);
	a->sound_size = (uint8_t)((b0 >> 1) & 0x01);
	a->sound_type = (uint8_t)(b0 & 0x01);
	if (a->sound_format == FLV_AUDIO_AAC) {
		if ((rc = rd_u8(&r, &a->aac_packet_type)) != 0)
			return rc;
		a->is_seq_header = a->aac_packet_type == FLV_AAC_SEQ_HEADER;
	}
	take_rest(&r, &a->data, &a->len);
	return 0;
}

/*
 * E.2: "FLV", version 1, flags (bit 2 audio, bit 0 video), UI32 data
 * offset, which is the header size and so at least 9. Consumes 9 bytes on
 * success only; the caller skips data_offset - 9 further bytes itself.
 */
int
flv_file_header_parse(struct rd *r, struct flv_file_header *h)
{
	struct rd c = *r;
	uint8_t sig[3], flags;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = rd_bytes(&c, sig, sizeof(sig))) != 0 ||
	    (rc = rd_u8(&c, &h->version)) != 0 ||
	    (rc = rd_u8(&c, &flags)) != 0 ||
	    (rc = rd_be32(&c, &h->data_offset)) != 0)
		return rc;
	if (memcmp(sig, "FLV", 3) != 0 || h->version != 1 ||
	    h->data_offset < 9)
		return -EPROTO;
	/* Reserved flag bits are ignored: some muxers set them. */
	h->has_audio = (flags & 0x04) != 0;
	h->has_video = (flags & 0x01) != 0;
	*r = c;
	return 0;
}

/*
 * E.4.1: Reserved UB[2] (must be 0), Filter UB[1], TagType UB[5],
 * DataSize UI24, Timestamp UI24, TimestampExtended UI8 (the upper 8 bits),
 * StreamID UI24. Consumes 11 bytes on success only.
 */
int
flv_tag_header_parse(struct rd *r, struct flv_tag_header *h)
{
	struct rd c = *r;
	uint8_t b0, ts_ext;
	uint32_t ts;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = rd_u8(&c, &b0)) != 0 ||
	    (rc = rd_be24(&c, &h->data_size)) != 0 ||
	    (rc = rd_be24(&c, &ts)) != 0 ||
	    (rc = rd_u8(&c, &ts_ext)) != 0 ||
	    (rc = rd_be24(&c, &h->stream_id)) != 0)
		return rc;
	if (b0 & 0xc0)
		return -EPROTO;
	h->filtered = (b0 & 0x20) != 0;
	h->type = (uint8_t)(b0 & 0x1f);
	h->timestamp = (uint32_t)ts_ext << 24 | ts;
	*r = c;
	return 0;
}
