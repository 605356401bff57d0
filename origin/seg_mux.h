/*
 * seg_mux: the HLS packager for one live stream. Takes H.264, HEVC or AV1
 * and AAC packets as RTMP delivers them (length-prefixed NAL units with the
 * avcC or hvcC extradata, AV1 low-overhead OBUs with the av1C extradata,
 * raw AAC frames with the AudioSpecificConfig) and remuxes
 * them with libavformat, without transcoding, into media segments held in
 * memory (RFC 8216 3.2 MPEG-TS, or 3.3 fragmented MPEG-4 with an init
 * segment).
 *
 * Design (libavformat hlsenc.c): one long-lived muxer per stream writes into
 * a custom AVIOContext whose sink appends to the current segment's buffer.
 * A segment is cut before a video keyframe once the segment has reached the
 * target duration, measured in presentation time from the segment's first
 * packet to the keyframe (with open GOPs a CRA's DTS lags its PTS by more
 * than the first IDR's; audio-only streams cut on any frame), or on any video
 * frame once keyframe_timeout_ms passed without a keyframe (logged); at the cut the
 * muxer's buffered PES data is flushed (av_write_frame(oc, NULL) + avio_flush),
 * so each segment holds exactly its own packets. TS segments start with
 * PAT/PMT (mpegts_flags=resend_headers); continuity counters run on across
 * segments as players expect. fMP4 uses the mp4 muxer with
 * movflags=+frag_custom+dash+delay_moov: the bytes before the first fragment
 * are the init segment, and a fragment is flushed at each cut.
 *
 * Codecs and containers: H.264 goes into either. HEVC goes into fMP4 as
 * 'hvc1' (parameter sets in the hvcC only) or into TS (the mpegts muxer
 * converts to Annex B with its automatic hevc_mp4toannexb filter). AV1 has
 * no HLS mapping into MPEG-TS (and FFmpeg 5.1's mpegts muxer has none), so
 * an AV1 stream is always packaged as fMP4, whatever format asks for:
 * seg_mux_format() says which container a set of parameters gets.
 *
 * Timestamps are input milliseconds (the session has unwrapped RTMP's 32-bit
 * clock). A jump backwards by more than two frames or 100 ms, whichever is
 * more, or forwards by more than max_gap_ms, forces a cut; the next segment
 * is flagged discontinuous, starts at the next video keyframe, and the
 * output timeline stays monotonic. A smaller step back is fixed up: a video
 * frame is kept 1 ms after the previous one (decode order matters), an audio
 * frame is dropped (it would overlap). A negative composition offset
 * (pts < dts) is muxed with pts = dts. These are counted (seg_mux_get_stats)
 * and logged at the first and every 1000th, not per packet. A segment's
 * duration is the distance from its first packet to the next segment's
 * first packet (the last one: to its last packet plus one
 * frame), in milliseconds, as EXTINF wants.
 *
 * Threading: a seg_mux is used by one thread at a time (the stream's RTMP
 * session). Later LL-HLS parts will be emitted through the same callback.
 */
#ifndef CDN_SEG_MUX_H
#define CDN_SEG_MUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum seg_format { SEG_FMT_TS = 0, SEG_FMT_FMP4 = 1 };
/* 0 is H.264, so zero-initialized parameters keep meaning what they did. */
enum seg_video_codec { SEG_VIDEO_H264 = 0, SEG_VIDEO_HEVC = 1, SEG_VIDEO_AV1 = 2 };

struct seg_mux_params {
	enum seg_format format;
	int64_t target_ms;        /* target segment duration, e.g. 2000 */
	int64_t max_gap_ms;       /* a forward timestamp jump above this is a discontinuity; e.g. 5000 */
	int64_t keyframe_timeout_ms;  /* video: cut without a keyframe after this long
	                             (logged); 0: only at the size ceiling */
	size_t seg_max_bytes;     /* a segment growing past this is cut at the next keyframe
	                             and, at twice it, anywhere (protects memory) */
	bool has_video;           /* video_cfg must be set */
	enum seg_video_codec video_codec;
	/*
	 * The video decoder configuration record (copied): avcC, hvcC or av1C
	 * as video_codec says. avcc is the name it had when only H.264 was
	 * known; the union keeps callers that use it compiling.
	 */
	union { const uint8_t *video_cfg; const uint8_t *avcc; };
	union { size_t video_cfg_len; size_t avcc_len; };
	int width, height;        /* from the SPS or sequence header (0 if unknown) */
	bool has_audio;           /* AAC: asc must be set */
	const uint8_t *asc;       /* AudioSpecificConfig (copied) */
	size_t asc_len;
	int sample_rate, channels;
};

enum media_kind { MEDIA_VIDEO = 0, MEDIA_AUDIO = 1 };

struct media_pkt {
	enum media_kind kind;
	int64_t dts_ms;           /* decode time, ms, unwrapped */
	int32_t cts_ms;           /* pts - dts, ms (video) */
	bool is_key;              /* video keyframe; ignored for audio */
	const uint8_t *data;      /* video: length-prefixed NAL units or AV1 OBUs;
	                             audio: raw AAC frame (borrowed) */
	size_t len;
};

struct seg_out {
	uint8_t *data;            /* malloc'd; the callback takes ownership */
	size_t len;
	int64_t start_ms;         /* output timeline: first packet's dts */
	int64_t dur_ms;           /* EXTINF duration in ms */
	bool discontinuity;       /* a timestamp jump or reset precedes this segment */
	bool starts_with_key;     /* begins with a video keyframe (or audio-only) */
	uint64_t n_packets;
};

/* Returns 0, or a negative errno that seg_mux_write passes back. */
typedef int (*seg_mux_emit_cb)(void *arg, struct seg_out *seg);

/* The container p gets: p->format, except AV1 video, always fMP4. */
enum seg_format seg_mux_format(const struct seg_mux_params *p);
/* "H.264", "HEVC" or "AV1" (static). */
const char *seg_mux_codec_name(enum seg_video_codec c);
/* Returns NULL on failure (logged): bad parameters or a libavformat error. */
struct seg_mux *seg_mux_new(const struct seg_mux_params *p, seg_mux_emit_cb cb, void *arg);
/* fMP4 only: the init segment, borrowed until seg_mux_free. -ENOENT for TS. */
int seg_mux_init_segment(const struct seg_mux *m, const uint8_t **data, size_t *len);
/*
 * Add one packet; may emit the previous segment first. Video packets before
 * the first keyframe are dropped (counted in seg_mux_dropped). Returns 0,
 * -EINVAL for a kind the stream does not have, a libavformat error, or the
 * callback's error.
 */
int seg_mux_write(struct seg_mux *m, const struct media_pkt *pkt);
/* Emit the segment in progress, if any (end of stream). */
int seg_mux_finish(struct seg_mux *m);
uint64_t seg_mux_dropped(const struct seg_mux *m);

struct seg_mux_stats {
	uint64_t dropped;         /* packets not muxed: before a keyframe, late audio */
	uint64_t dts_fixed;       /* video moved after a DTS that went backwards */
	uint64_t audio_late;      /* audio dropped for a DTS that went backwards */
	uint64_t neg_cts;         /* video with pts < dts, muxed with pts = dts */
	uint64_t segments;        /* emitted */
};
void seg_mux_get_stats(const struct seg_mux *m, struct seg_mux_stats *st);
void seg_mux_free(struct seg_mux *m);  /* NULL-safe */

#endif
