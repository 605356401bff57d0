/*
 * flv: FLV tags (Adobe "Video File Format Specification" v10.1, annex E),
 * as carried in RTMP audio and video messages and in .flv files, plus the
 * Enhanced RTMP extended video header (veovera enhanced-rtmp v1: a FourCC
 * instead of a codec id) so that later ingest can recognise HEVC and AV1.
 *
 * An RTMP audio or video message body is an FLV tag body: the parsers here
 * take that body and return its header fields and a borrowed pointer to the
 * payload. They validate lengths only; which codecs the packager accepts is
 * the session's decision.
 */
#ifndef CDN_FLV_H
#define CDN_FLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rd.h"

enum { FLV_TAG_AUDIO = 8, FLV_TAG_VIDEO = 9, FLV_TAG_SCRIPT = 18 };

enum flv_video_codec { FLV_VIDEO_H263 = 2, FLV_VIDEO_VP6 = 4, FLV_VIDEO_AVC = 7,
	FLV_VIDEO_HEVC_LEGACY = 12 };
enum flv_frame_type { FLV_FRAME_KEY = 1, FLV_FRAME_INTER = 2, FLV_FRAME_DISPOSABLE = 3,
	FLV_FRAME_GENERATED_KEY = 4, FLV_FRAME_COMMAND = 5 };
enum flv_avc_packet { FLV_AVC_SEQ_HEADER = 0, FLV_AVC_NALU = 1, FLV_AVC_END_OF_SEQ = 2 };

/* Enhanced RTMP packet types (ExVideoTagHeader). */
enum flv_ex_packet { FLV_EX_SEQ_START = 0, FLV_EX_CODED_FRAMES = 1, FLV_EX_SEQ_END = 2,
	FLV_EX_CODED_FRAMES_X = 3, FLV_EX_METADATA = 4, FLV_EX_MPEG2TS_SEQ_START = 5 };

#define FLV_FOURCC(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

struct flv_video {
	uint8_t frame_type;     /* enum flv_frame_type */
	bool is_ex;             /* Enhanced RTMP header: fourcc and ex_packet are set */
	uint8_t codec_id;       /* legacy codec id (enum flv_video_codec); 0 when is_ex */
	uint32_t fourcc;        /* "avc1", "hvc1", "av01", "vp09" when is_ex */
	uint8_t packet_type;    /* legacy AVC/HEVC packet type, or enum flv_ex_packet */
	int32_t cts_ms;         /* composition time offset (AVC/HEVC NALU packets), signed 24 bit */
	bool is_key;            /* frame_type KEY or GENERATED_KEY */
	bool is_seq_header;     /* AVC seq header, or ex SEQ_START */
	const uint8_t *data;    /* payload after the headers (borrowed) */
	size_t len;
};

enum flv_sound_format { FLV_AUDIO_MP3 = 2, FLV_AUDIO_AAC = 10, FLV_AUDIO_SPEEX = 11 };
enum flv_aac_packet { FLV_AAC_SEQ_HEADER = 0, FLV_AAC_RAW = 1 };

struct flv_audio {
	uint8_t sound_format;   /* enum flv_sound_format */
	uint8_t sound_rate;     /* 0..3: 5.5, 11, 22, 44 kHz (informative for AAC) */
	uint8_t sound_size;     /* 0: 8 bit, 1: 16 bit */
	uint8_t sound_type;     /* 0: mono, 1: stereo */
	uint8_t aac_packet_type; /* for AAC */
	bool is_seq_header;     /* AAC sequence header (AudioSpecificConfig) */
	const uint8_t *data;    /* payload after the headers (borrowed) */
	size_t len;
};

/*
 * Parse an RTMP video message body / FLV video tag body. Returns 0, or
 * -EPROTO when the body is too short for the headers its first byte
 * announces. A video info/command frame (frame type 5) parses with len 0.
 */
int flv_video_parse(const uint8_t *p, size_t len, struct flv_video *v);
/* Same for audio. AAC bodies must have the packet type byte. */
int flv_audio_parse(const uint8_t *p, size_t len, struct flv_audio *a);

/* FLV file structures: the 9-byte header and the 11-byte tag header. */
struct flv_file_header {
	uint8_t version;
	bool has_audio, has_video;
	uint32_t data_offset;
};

struct flv_tag_header {
	uint8_t type;           /* FLV_TAG_* */
	bool filtered;          /* encrypted tag: not supported by callers */
	uint32_t data_size;
	uint32_t timestamp;     /* 24 bits plus the extended byte, ms */
	uint32_t stream_id;     /* always 0 in files */
};

/* "FLV" signature, version 1, data offset >= 9. Consumes 9 bytes. */
int flv_file_header_parse(struct rd *r, struct flv_file_header *h);
/* Consumes 11 bytes; -EPROTO if short or the reserved bits are set. */
int flv_tag_header_parse(struct rd *r, struct flv_tag_header *h);

#endif
