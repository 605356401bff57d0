/*
 * rtmp_session: one RTMP connection's protocol logic; see rtmp_session.h.
 *
 * States: handshake, then commands until publish, then media. Command
 * replies follow what Flash Media Server sends and what nginx-rtmp, ffmpeg
 * and librtmp (OBS) expect: connect gets Window Acknowledgement Size, Set
 * Peer Bandwidth and Set Chunk Size before its _result; publish gets User
 * Control Stream Begin then onStatus NetStream.Publish.Start.
 *
 * Timestamps: RTMP's are 32-bit milliseconds; they are unwrapped into a
 * 64-bit timeline per track, so a stream running past 49.7 days or an
 * encoder starting near 2^32 keeps going.
 *
 * Bad media is skipped, not fatal: a malformed FLV tag, a malformed or
 * missing sequence header (media before it) or an unsupported codec drops
 * the packet and the publisher stays connected, since encoders recover with
 * the next header and a dropped publisher would cut every viewer. Each kind
 * of problem is logged (with the stream name, from the log context) at its
 * first occurrence and then every 1000th. The RTMP layer itself (chunks,
 * commands) still closes the connection on garbage: there is no resync.
 *
 * Video codecs: legacy FLV AVC (codec id 7), and Enhanced RTMP v1 (veovera)
 * FourCC tags for 'avc1', 'hvc1' and 'av01'; others ('vp09', legacy id 12
 * HEVC) are dropped with a warning. The connect command's E-RTMP fourCcList
 * needs nothing: we take what comes. AV1 has no MPEG-TS mapping, so an AV1
 * stream is packaged as fMP4 even on a segment_format=ts origin, unless its
 * playlist already holds TS segments (a republish with a new codec): then
 * its video is refused, loudly.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aac_config.h"
#include "amf0.h"
#include "av1_config.h"
#include "flv.h"
#include "h264_config.h"
#include "hevc_config.h"
#include "log.h"
#include "metrics.h"
#include "rtmp_chunk.h"
#include "rtmp_hs.h"
#include "rtmp_session.h"
#include "seg_mux.h"
#include "stream.h"
#include "stream_params.h"
#include "ts_unwrap.h"
#include "xalloc.h"

#define OUR_CHUNK_SIZE 4096
#define OUR_WINDOW 2500000
#define PUBLISH_STREAM_ID 1
#define PENDING_MAX_PKTS 600          /* held before the packager starts */
#define PENDING_MAX_BYTES (16u << 20)
#define PENDING_MAX_SPAN_MS 3000      /* start anyway once this much media waits */
#define BAD_LOG_EVERY 1000            /* bad media is logged at the 1st and every Nth */

enum bad_media { BAD_VIDEO_TAG, BAD_AUDIO_TAG, BAD_AVC_HEADER, BAD_AAC_HEADER,
	NO_AVC_HEADER, NO_AAC_HEADER, N_BAD };

struct pending_pkt {
	struct media_pkt pkt;
	uint8_t *copy;
};

enum sess_state { SESS_HANDSHAKE, SESS_COMMANDS, SESS_PUBLISHING, SESS_CLOSING };

struct rtmp_session {
	const struct origin_cfg *cfg;
	struct keys *keys;
	char peer[64];
	char ctx[160];                /* log context: "rtmp|rtmps peer [stream]" */
	const char *proto;            /* "rtmp" or "rtmps", static */
	enum sess_state state;
	struct rtmp_hs hs;
	struct rtmp_chunk_rd rd;
	struct rtmp_chunk_wr wr;
	struct buf *out;              /* during input: where replies go */
	int64_t now_ms;
	int64_t created_ms;
	int64_t last_rx_ms;

	/* acknowledgements (RTMP 5.4.3, 5.4.4) */
	uint32_t peer_window;         /* the peer's Window Acknowledgement Size */
	uint64_t acked;

	char app[64];
	bool connected;
	struct stream_key key;        /* valid while publishing */
	struct stream *stream;

	/* media */
	struct buf avcc, asc;         /* sequence headers as received (avcc: the
	                                 video record of vcodec: avcC, hvcC, av1C) */
	enum seg_video_codec vcodec;
	struct h264_config h264;
	struct hevc_config hevc;
	struct av1_config av1;
	struct aac_config aac;
	bool have_avcc, have_asc;
	bool meta_video, meta_audio;  /* onMetaData announced these tracks */
	int meta_width, meta_height;
	bool warned_video_codec, warned_audio_codec, warned_format;
	uint64_t n_bad[N_BAD];        /* bad media skipped, per kind */
	struct ts_unwrap ts;          /* RTMP's 32-bit clock, per track */
	struct seg_mux *mux;
	bool mux_video, mux_audio;    /* tracks the running packager has */
	bool mux_init_set;            /* fMP4: its init segment went to the stream */
	enum seg_format mux_format;   /* the running packager's container */
	struct pending_pkt *pending;
	size_t n_pending, pending_bytes;
};

static const char *
state_code(int rc)
{
	return rc == -EMSGSIZE ? "message too large" : rc == -ENOBUFS ? "too many chunk streams" :
	    rc == -EPROTO ? "malformed" : strerror(-rc);
}

/* ---- replies ------------------------------------------------------------ */

static int
send_amf(struct rtmp_session *s, uint32_t msid, struct buf *body)
{
	if (body->err)
		return body->err;
	return rtmp_chunk_write(&s->wr, s->out, RTMP_CSID_COMMAND, 0, RTMP_MSG_CMD_AMF0,
	    msid, body->data, body->len);
}

static void
put_status_obj(struct buf *b, const char *level, const char *code, const char *desc)
{
	amf0_put_object_begin(b);
	amf0_put_key(b, "level");
	amf0_put_string(b, level);
	amf0_put_key(b, "code");
	amf0_put_string(b, code);
	amf0_put_key(b, "description");
	amf0_put_string(b, desc);
	amf0_put_object_end(b);
}

static int
send_on_status(struct rtmp_session *s, uint32_t msid, const char *level, const char *code,
    const char *desc)
{
	struct buf b;
	int rc;

	buf_init(&b, 4096);
	amf0_put_string(&b, "onStatus");
	amf0_put_number(&b, 0);
	amf0_put_null(&b);
	put_status_obj(&b, level, code, desc);
	rc = send_amf(s, msid, &b);
	buf_fini(&b);
	return rc;
}

/* _result or _error with a null command object and one value. */
static int
send_result(struct rtmp_session *s, const char *name, double txn, int (*val)(struct buf *, void *),
    void *arg)
{
	struct buf b;
	int rc;

	buf_init(&b, 4096);
	amf0_put_string(&b, name);
	amf0_put_number(&b, txn);
	amf0_put_null(&b);
	if (val)
		val(&b, arg);
	rc = send_amf(s, 0, &b);
	buf_fini(&b);
	return rc;
}

static int
val_number(struct buf *b, void *arg)
{
	return amf0_put_number(b, *(double *)arg);
}

static int
val_undefined(struct buf *b, void *arg)
{
	(void)arg;
	return buf_put_u8(b, AMF0_UNDEFINED);
}

/* ---- packaging ------------------------------------------------------------- */

static void
pending_clear(struct rtmp_session *s)
{
	for (size_t i = 0; i < s->n_pending; i++)
		free(s->pending[i].copy);
	s->n_pending = 0;
	s->pending_bytes = 0;
}

static int
emit_segment(void *arg, struct seg_out *seg)
{
	struct rtmp_session *s = arg;
	const uint8_t *init;
	size_t init_len;

	/* fMP4: the init segment exists once the first fragment was flushed;
	 * each packager has its own, under a new name. */
	if (s->mux_format == SEG_FMT_FMP4 && !s->mux_init_set &&
	    seg_mux_init_segment(s->mux, &init, &init_len) == 0) {
		int rc = stream_set_init(s->stream, init, init_len);
		if (rc != 0)
			return rc;
		s->mux_init_set = true;
	}
	return stream_add_segment(s->stream, seg);
}

/* The picture size from the video record (0 if it does not say). */
static void
video_size(const struct rtmp_session *s, int *w, int *h)
{
	switch (s->vcodec) {
	case SEG_VIDEO_HEVC: *w = s->hevc.width; *h = s->hevc.height; break;
	case SEG_VIDEO_AV1:  *w = s->av1.width;  *h = s->av1.height;  break;
	default:             *w = s->h264.width; *h = s->h264.height; break;
	}
	if (*w <= 0 || *h <= 0) {
		*w = s->meta_width;
		*h = s->meta_height;
	}
}

static void
update_codecs(struct rtmp_session *s)
{
	char codecs[64] = "", v[48] = "", a[24] = "";
	int w = 0, h = 0;

	if (s->mux_video) {
		if (s->vcodec == SEG_VIDEO_HEVC)
			hevc_codecs_string(&s->hevc, v, sizeof(v));
		else if (s->vcodec == SEG_VIDEO_AV1)
			av1_codecs_string(&s->av1, v, sizeof(v));
		else
			h264_codecs_string(&s->h264, v, sizeof(v));
		video_size(s, &w, &h);
	}
	if (s->mux_audio)
		aac_codecs_string(&s->aac, a, sizeof(a));
	snprintf(codecs, sizeof(codecs), "%s%s%s", v, v[0] && a[0] ? "," : "", a);
	stream_set_codecs(s->stream, codecs, w, h);
}

static int
mux_stop(struct rtmp_session *s)
{
	int rc = 0;

	if (s->mux) {
		rc = seg_mux_finish(s->mux);
		seg_mux_free(s->mux);
		s->mux = NULL;
	}
	return rc;
}

static int
mux_start(struct rtmp_session *s)
{
	struct seg_mux_params p = { 0 };
	enum seg_format want;

	p.format = s->cfg->segment_format;
	p.target_ms = s->cfg->segment_target_ms;
	p.max_gap_ms = s->cfg->max_gap_ms;
	p.keyframe_timeout_ms = s->cfg->keyframe_timeout_ms;
	p.seg_max_bytes = s->cfg->segment_max_bytes;
	p.has_video = s->have_avcc;
	p.video_codec = s->vcodec;
	p.video_cfg = s->avcc.data;
	p.video_cfg_len = s->avcc.len;
	video_size(s, &p.width, &p.height);
	p.has_audio = s->have_asc;
	p.asc = s->asc.data;
	p.asc_len = s->asc.len;
	p.sample_rate = (int)s->aac.sample_rate;
	p.channels = s->aac.channels ? s->aac.channels : 2;
	/*
	 * The stream's container: the configured one, or fMP4 for AV1 (no TS
	 * mapping). A playlist never mixes the two: once it has segments,
	 * H.264, HEVC and AAC follow it into fMP4, and AV1 cannot follow it
	 * into TS.
	 */
	want = seg_mux_format(&p);
	if (stream_set_format(s->stream, want) == 0) {
		if (want != p.format)
			log_info("%s cannot be carried in MPEG-TS: this stream is "
			    "packaged as fMP4", seg_mux_codec_name(p.video_codec));
		p.format = want;
	} else if (want == SEG_FMT_TS) {
		p.format = SEG_FMT_FMP4;   /* the stream went fMP4 for an AV1 publisher */
	} else {
		if (!s->warned_format)
			log_warnx("%s cannot be carried in MPEG-TS and this stream's "
			    "playlist already holds TS segments: video refused "
			    "(publish under another name, or set segment_format=fmp4)",
			    seg_mux_codec_name(p.video_codec));
		s->warned_format = true;
		p.has_video = false;
	}
	if (!p.has_video && !p.has_audio)
		return 0;
	s->mux = seg_mux_new(&p, emit_segment, s);
	if (s->mux == NULL) {
		log_errx("cannot start the packager");
		return -EIO;
	}
	s->mux_video = p.has_video;
	s->mux_audio = p.has_audio;
	s->mux_init_set = false;
	s->mux_format = p.format;
	log_info("packaging %s%s%s as %s, %lld ms segments",
	    p.has_video ? seg_mux_codec_name(p.video_codec) : "",
	    p.has_video && p.has_audio ? " + " : "", p.has_audio ? "AAC" : "",
	    p.format == SEG_FMT_FMP4 ? "fMP4" : "MPEG-TS", (long long)p.target_ms);
	update_codecs(s);
	return 0;
}

/* Whether we know enough to start: every announced track's header is in,
 * or enough media waits that we stop waiting for a track that never comes. */
static bool
ready_to_start(const struct rtmp_session *s)
{
	int64_t span;

	if (s->n_pending == 0)
		return false;
	if ((!s->meta_video || s->have_avcc) && (!s->meta_audio || s->have_asc) &&
	    (s->have_avcc || s->have_asc) && (s->meta_video || s->meta_audio))
		return true;
	if (s->have_avcc && s->have_asc)
		return true;
	span = s->pending[s->n_pending - 1].pkt.dts_ms - s->pending[0].pkt.dts_ms;
	return span >= PENDING_MAX_SPAN_MS || s->n_pending >= PENDING_MAX_PKTS ||
	    s->pending_bytes >= PENDING_MAX_BYTES / 2;
}

static int
write_pkt(struct rtmp_session *s, const struct media_pkt *pkt)
{
	if ((pkt->kind == MEDIA_VIDEO && !s->mux_video) ||
	    (pkt->kind == MEDIA_AUDIO && !s->mux_audio))
		return 0;  /* a track that started too late for this packager */
	return seg_mux_write(s->mux, pkt);
}

static int
media_in(struct rtmp_session *s, const struct media_pkt *pkt)
{
	struct pending_pkt *pp;
	int rc;

	if (s->mux)
		return write_pkt(s, pkt);
	if (s->n_pending >= PENDING_MAX_PKTS || s->pending_bytes + pkt->len > PENDING_MAX_BYTES)
		return 0;  /* ready_to_start fires before this; drop rather than grow */
	if (s->pending == NULL &&
	    (s->pending = xcalloc(PENDING_MAX_PKTS, sizeof(*s->pending))) == NULL)
		return -ENOMEM;
	pp = &s->pending[s->n_pending];
	if ((pp->copy = xmalloc(pkt->len)) == NULL)
		return -ENOMEM;
	memcpy(pp->copy, pkt->data, pkt->len);
	pp->pkt = *pkt;
	pp->pkt.data = pp->copy;
	s->n_pending++;
	s->pending_bytes += pkt->len;
	if (!ready_to_start(s))
		return 0;
	if ((rc = mux_start(s)) != 0)
		return rc;
	for (size_t i = 0; i < s->n_pending && s->mux && rc == 0; i++)
		rc = write_pkt(s, &s->pending[i].pkt);
	pending_clear(s);
	return rc;
}

/* A sequence header changed after the packager started: restart it. */
static int
mux_restart(struct rtmp_session *s)
{
	int rc;

	if (s->mux == NULL)
		return 0;
	log_info("codec configuration changed: restarting the packager");
	rc = mux_stop(s);
	if (rc == 0)
		stream_mark_discontinuity(s->stream);
	return rc ? rc : mux_start(s);
}

/* Count a skipped packet; true when this one should be logged. */
static bool
bad_media(struct rtmp_session *s, enum bad_media kind)
{
	uint64_t n = ++s->n_bad[kind];

	METRIC_ADD(media_skipped, 1);
	return n == 1 || n % BAD_LOG_EVERY == 0;
}

/* A FourCC for a log line: printable characters, else '?'. */
static void
fourcc_str(uint32_t f, char out[5])
{
	for (int i = 0; i < 4; i++) {
		char c = (char)(f >> (24 - 8 * i));
		out[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	out[4] = '\0';
}

/*
 * Which codec a video tag carries, and whether it is a sequence header or
 * coded frames. 0; -ENOTSUP for a codec we do not package (warned once);
 * -EAGAIN for a packet to ignore (end of sequence, E-RTMP metadata,
 * MPEG2TSSequenceStart, unknown packet types).
 */
static int
video_kind(struct rtmp_session *s, const struct flv_video *v,
    enum seg_video_codec *codec, bool *is_seq)
{
	char fc[5];

	if (!v->is_ex) {
		if (v->codec_id != FLV_VIDEO_AVC) {
			if (!s->warned_video_codec)
				log_warnx("video codec id %u is not supported (H.264, or "
				    "HEVC and AV1 over Enhanced RTMP): video dropped",
				    v->codec_id);
			s->warned_video_codec = true;
			return -ENOTSUP;
		}
		*codec = SEG_VIDEO_H264;
		*is_seq = v->packet_type == FLV_AVC_SEQ_HEADER;
		return *is_seq || v->packet_type == FLV_AVC_NALU ? 0 : -EAGAIN;
	}
	switch (v->fourcc) {
	case FLV_FOURCC('a', 'v', 'c', '1'): *codec = SEG_VIDEO_H264; break;
	case FLV_FOURCC('h', 'v', 'c', '1'): *codec = SEG_VIDEO_HEVC; break;
	case FLV_FOURCC('a', 'v', '0', '1'): *codec = SEG_VIDEO_AV1; break;
	default:
		/* 'vp09' among them: HLS players would need VP9 in fMP4, which
		 * nobody sends over RTMP yet. */
		if (!s->warned_video_codec) {
			fourcc_str(v->fourcc, fc);
			log_warnx("Enhanced RTMP video '%s' is not supported (avc1, "
			    "hvc1 and av01 are): video dropped", fc);
		}
		s->warned_video_codec = true;
		return -ENOTSUP;
	}
	/* E-RTMP v1: SequenceStart, CodedFrames, CodedFramesX carry media. */
	*is_seq = v->packet_type == FLV_EX_SEQ_START;
	return *is_seq || v->packet_type == FLV_EX_CODED_FRAMES ||
	    v->packet_type == FLV_EX_CODED_FRAMES_X ? 0 : -EAGAIN;
}

/* The sequence header's name in log lines ("AVC" as before E-RTMP). */
static const char *
seq_header_name(enum seg_video_codec codec)
{
	return codec == SEG_VIDEO_HEVC ? "HEVC" : codec == SEG_VIDEO_AV1 ? "AV1" : "AVC";
}

/* Parse a video decoder configuration record of codec into s; 0 or -EPROTO. */
static int
video_config(struct rtmp_session *s, enum seg_video_codec codec)
{
	const uint8_t *p = s->avcc.data;
	size_t len = s->avcc.len;
	int rc;

	switch (codec) {
	case SEG_VIDEO_HEVC:
		rc = hevc_config_parse(p, len, &s->hevc);
		/* it pointed into s->avcc, which the next header may move */
		s->hevc.sps = NULL;
		s->hevc.sps_len = 0;
		if (rc == 0)
			log_info("HEVC %dx%d, profile %u, %s tier, level %u, %u bit",
			    s->hevc.width, s->hevc.height, s->hevc.profile_idc,
			    s->hevc.tier ? "high" : "main", s->hevc.level_idc,
			    s->hevc.bit_depth_luma);
		return rc;
	case SEG_VIDEO_AV1:
		if ((rc = av1_config_parse(p, len, &s->av1)) == 0)
			log_info("AV1 %dx%d, profile %u, level index %u, %s tier, "
			    "%u bit", s->av1.width, s->av1.height, s->av1.seq_profile,
			    s->av1.seq_level_idx, s->av1.tier ? "high" : "main",
			    s->av1.bit_depth);
		return rc;
	default:
		if ((rc = h264_config_parse(p, len, &s->h264)) == 0)
			log_info("H.264 %dx%d, profile %u level %u", s->h264.width,
			    s->h264.height, s->h264.profile_idc, s->h264.level_idc);
		return rc;
	}
}

static int
on_video(struct rtmp_session *s, const struct rtmp_msg *m)
{
	struct flv_video v;
	struct media_pkt pkt;
	enum seg_video_codec codec = SEG_VIDEO_H264;
	bool is_seq = false;
	int rc, w, h;

	if (flv_video_parse(m->data, m->len, &v) != 0) {
		if (bad_media(s, BAD_VIDEO_TAG))
			log_warnx("malformed video tag of %zu bytes: skipped (%llu so far)",
			    m->len, (unsigned long long)s->n_bad[BAD_VIDEO_TAG]);
		return 0;
	}
	if (v.frame_type == FLV_FRAME_COMMAND || v.len == 0)
		return 0;
	if (video_kind(s, &v, &codec, &is_seq) != 0)
		return 0;
	if (is_seq) {
		bool changed = !s->have_avcc || s->vcodec != codec ||
		    s->avcc.len != v.len || memcmp(s->avcc.data, v.data, v.len) != 0;

		if (!changed)
			return 0;
		buf_reset(&s->avcc);
		if (buf_append(&s->avcc, v.data, v.len) != 0 ||
		    video_config(s, codec) != 0) {
			if (bad_media(s, BAD_AVC_HEADER))
				log_warnx("malformed %s sequence header (%zu bytes): video "
				    "skipped until a valid one (%llu so far)",
				    seq_header_name(codec), v.len,
				    (unsigned long long)s->n_bad[BAD_AVC_HEADER]);
			s->have_avcc = false;
			return 0;
		}
		s->vcodec = codec;
		s->have_avcc = true;
		return s->mux ? mux_restart(s) : 0;
	}
	if (!s->have_avcc || codec != s->vcodec) {
		if (bad_media(s, NO_AVC_HEADER))
			log_warnx("%s video without a (valid) %s sequence header: "
			    "skipped until one comes (%llu so far)",
			    seg_mux_codec_name(codec), seq_header_name(codec),
			    (unsigned long long)s->n_bad[NO_AVC_HEADER]);
		return 0;
	}
	/*
	 * AV1-ISOBMFF 2.4: a keyframe's temporal unit carries the sequence
	 * header OBU; when the av1C had none, that is where the size is.
	 */
	if (codec == SEG_VIDEO_AV1 && s->av1.width == 0 && v.is_key &&
	    av1_seq_header_dimensions(v.data, v.len, &w, &h) == 0) {
		s->av1.width = w;
		s->av1.height = h;
		log_info("AV1 %dx%d (from the first keyframe)", w, h);
		if (s->mux)
			update_codecs(s);
	}
	pkt.kind = MEDIA_VIDEO;
	pkt.dts_ms = ts_unwrap(&s->ts, MEDIA_VIDEO, m->timestamp);
	pkt.cts_ms = v.cts_ms;
	pkt.is_key = v.is_key;
	pkt.data = v.data;
	pkt.len = v.len;
	rc = media_in(s, &pkt);
	return rc;
}

static int
on_audio(struct rtmp_session *s, const struct rtmp_msg *m)
{
	struct flv_audio a;
	struct media_pkt pkt;

	if (flv_audio_parse(m->data, m->len, &a) != 0) {
		if (bad_media(s, BAD_AUDIO_TAG))
			log_warnx("malformed audio tag of %zu bytes: skipped (%llu so far)",
			    m->len, (unsigned long long)s->n_bad[BAD_AUDIO_TAG]);
		return 0;
	}
	if (a.sound_format != FLV_AUDIO_AAC) {
		if (!s->warned_audio_codec)
			log_warnx("audio format %u is not supported (only AAC): audio dropped",
			    a.sound_format);
		s->warned_audio_codec = true;
		return 0;
	}
	if (a.is_seq_header) {
		struct aac_config c;
		bool changed = !s->have_asc || s->asc.len != a.len ||
		    memcmp(s->asc.data, a.data, a.len) != 0;

		if (!changed)
			return 0;
		buf_reset(&s->asc);
		if (buf_append(&s->asc, a.data, a.len) != 0 ||
		    aac_config_parse(s->asc.data, s->asc.len, &c) != 0) {
			if (bad_media(s, BAD_AAC_HEADER))
				log_warnx("malformed AAC sequence header (%zu bytes): audio "
				    "skipped until a valid one (%llu so far)", a.len,
				    (unsigned long long)s->n_bad[BAD_AAC_HEADER]);
			s->have_asc = false;
			return 0;
		}
		s->aac = c;
		s->have_asc = true;
		log_info("AAC object type %u, %u Hz, %u channels", c.object_type, c.sample_rate,
		    c.channels);
		return s->mux ? mux_restart(s) : 0;
	}
	if (a.len == 0)
		return 0;
	if (!s->have_asc) {
		if (bad_media(s, NO_AAC_HEADER))
			log_warnx("AAC audio without a (valid) AudioSpecificConfig: "
			    "skipped until one comes (%llu so far)",
			    (unsigned long long)s->n_bad[NO_AAC_HEADER]);
		return 0;
	}
	pkt.kind = MEDIA_AUDIO;
	pkt.dts_ms = ts_unwrap(&s->ts, MEDIA_AUDIO, m->timestamp);
	pkt.cts_ms = 0;
	pkt.is_key = true;
	pkt.data = a.data;
	pkt.len = a.len;
	return media_in(s, &pkt);
}

/* @setDataFrame("onMetaData", {...}) or onMetaData({...}). */
static int
on_data(struct rtmp_session *s, const struct rtmp_msg *m)
{
	struct amf0_val nodes[128];
	struct amf0_doc doc;
	const struct amf0_val *v0, *meta;

	amf0_doc_init(&doc, nodes, 128, AMF0_DEFAULT_DEPTH);
	if (amf0_decode(&doc, m->data, m->len) != 0)
		return 0;  /* metadata is advisory: ignore what we cannot read */
	v0 = amf0_top(&doc, 0);
	if (amf0_str_eq(v0, "@setDataFrame"))
		meta = amf0_top(&doc, 2);
	else if (amf0_str_eq(v0, "onMetaData"))
		meta = amf0_top(&doc, 1);
	else
		return 0;
	if (meta == NULL)
		return 0;
	s->meta_video = amf0_prop(meta, "videocodecid") != NULL;
	s->meta_audio = amf0_prop(meta, "audiocodecid") != NULL;
	{
		double w = amf0_num(amf0_prop(meta, "width"), 0);
		double h = amf0_num(amf0_prop(meta, "height"), 0);
		s->meta_width = w > 0 && w < 65536 ? (int)w : 0;
		s->meta_height = h > 0 && h < 65536 ? (int)h : 0;
	}
	log_debug("metadata: video %d audio %d %dx%d", s->meta_video, s->meta_audio,
	    s->meta_width, s->meta_height);
	return 0;
}

/* ---- commands ---------------------------------------------------------------- */

static int
cmd_connect(struct rtmp_session *s, double txn, const struct amf0_val *obj)
{
	struct buf b;
	int rc;

	if (obj == NULL || obj->type != AMF0_OBJECT ||
	    amf0_str_copy(amf0_prop(obj, "app"), s->app, sizeof(s->app)) != 0) {
		log_warnx("connect without an app name: closing");
		return -EPROTO;
	}
	/* OBS may send "live/" and some encoders append a query. */
	s->app[strcspn(s->app, "/?")] = '\0';
	if (strcmp(s->app, "live") != 0) {
		buf_init(&b, 4096);
		amf0_put_string(&b, "_error");
		amf0_put_number(&b, txn);
		amf0_put_null(&b);
		put_status_obj(&b, "error", "NetConnection.Connect.Rejected",
		    "Unknown application: publish to rtmp://HOST/live/<stream key>");
		rc = send_amf(s, 0, &b);
		buf_fini(&b);
		log_info("connect to unknown app \"%s\" refused", s->app);
		return rc ? rc : -EACCES;
	}
	rtmp_put_win_ack_size(&s->wr, s->out, OUR_WINDOW);
	rtmp_put_set_peer_bw(&s->wr, s->out, OUR_WINDOW, 2);
	rtmp_put_set_chunk_size(&s->wr, s->out, OUR_CHUNK_SIZE);

	buf_init(&b, 4096);
	amf0_put_string(&b, "_result");
	amf0_put_number(&b, txn);
	amf0_put_object_begin(&b);
	amf0_put_key(&b, "fmsVer");
	amf0_put_string(&b, "FMS/3,0,1,123");
	amf0_put_key(&b, "capabilities");
	amf0_put_number(&b, 31);
	amf0_put_object_end(&b);
	amf0_put_object_begin(&b);
	amf0_put_key(&b, "level");
	amf0_put_string(&b, "status");
	amf0_put_key(&b, "code");
	amf0_put_string(&b, "NetConnection.Connect.Success");
	amf0_put_key(&b, "description");
	amf0_put_string(&b, "Connection succeeded.");
	amf0_put_key(&b, "objectEncoding");
	amf0_put_number(&b, 0);
	amf0_put_object_end(&b);
	rc = send_amf(s, 0, &b);
	buf_fini(&b);
	s->connected = true;
	return rc;
}

static void end_publishing(struct rtmp_session *s);

/* Refuse a publish and close. A refused second publish on a connection that
 * is already publishing ends the first too: the connection is going away,
 * and its stream must end with it (not linger with the key held busy). */
static int
refuse_publish(struct rtmp_session *s, uint32_t msid, enum rtmp_reject why, const char *desc)
{
	METRIC_ADD(rtmp_rejects[why], 1);
	end_publishing(s);
	send_on_status(s, msid, "error", "NetStream.Publish.BadName", desc);
	s->state = SESS_CLOSING;
	return -EACCES;
}

static int
cmd_publish(struct rtmp_session *s, uint32_t msid, const struct amf0_val *namev)
{
	struct stream_params p = { 0 };
	char secret[KEYS_SECRET_MAX + 2];
	int rc;

	if (s->state == SESS_PUBLISHING)
		return refuse_publish(s, msid, REJECT_PROTOCOL, "Already publishing");
	if (amf0_str_copy(namev, secret, sizeof(secret)) != 0 || secret[0] == '\0')
		return refuse_publish(s, msid, REJECT_BAD_KEY, "Missing or invalid stream key");
	secret[strcspn(secret, "?")] = '\0';
	rc = keys_lookup(s->keys, secret, &s->key);
	explicit_bzero(secret, sizeof(secret));
	if (rc == -ENOENT || rc == -EACCES) {
		log_info("publish refused: %s stream key", rc == -ENOENT ? "unknown" : "revoked");
		return refuse_publish(s, msid, REJECT_BAD_KEY, "Unknown or revoked stream key");
	}
	if (rc != 0)
		return refuse_publish(s, msid, REJECT_BAD_KEY, "Key check failed, try again");
	/* Publishers come and go only on the RTMP thread: no race here. */
	if ((long long)atomic_load(&metrics.publishers) >= s->cfg->max_publishers) {
		log_warnx("publish refused: max_publishers (%lld) reached (stream %s)",
		    s->cfg->max_publishers, s->key.stream);
		return refuse_publish(s, msid, REJECT_PUBLISHERS,
		    "Server full: max_publishers reached, try again later");
	}

	stream_params_init(&p, s->cfg, &s->key, s->peer);
	/* HLS AES-128 (docs/access.md): read at each publish; fail closed */
	if (keys_encrypt_get(s->keys, p.customer, p.name, &p.encrypt) != 0)
		return refuse_publish(s, msid, REJECT_BAD_KEY, "Key check failed, try again");
	snprintf(s->ctx, sizeof(s->ctx), "%s %s %s", s->proto, s->peer, p.name);
	log_ctx_set("%s", s->ctx);
	s->stream = stream_publish(&p);
	if (s->stream == NULL) {
		log_info("publish refused: stream is already live (key %lld)", (long long)s->key.id);
		return refuse_publish(s, msid, errno == EBUSY ? REJECT_BUSY : REJECT_LIMIT,
		    errno == EBUSY ? "Stream is already being published" : "Server error");
	}
	s->state = SESS_PUBLISHING;
	METRIC_ADD(publishers, 1);
	METRIC_ADD(publishes_total, 1);
	log_info("publish started: customer %s, key %lld (...%s)", p.customer,
	    (long long)s->key.id, s->key.hint);
	rtmp_put_user_control(&s->wr, s->out, RTMP_UC_STREAM_BEGIN, msid);
	return send_on_status(s, msid, "status", "NetStream.Publish.Start",
	    "Publishing started.");
}

static void
end_publishing(struct rtmp_session *s)
{
	if (s->state != SESS_PUBLISHING)
		return;
	if (mux_stop(s) != 0)
		log_warnx("the last segment could not be written");
	pending_clear(s);
	/* A revoked key cannot come back; anything else may (republish_grace). */
	stream_unpublish(s->stream, stream_is_kicked(s->stream));
	s->stream = NULL;
	s->state = SESS_COMMANDS;
	METRIC_SUB(publishers, 1);
	log_info("publish ended");
}

static int
on_command(struct rtmp_session *s, const struct rtmp_msg *m, size_t skip)
{
	struct amf0_val nodes[128];
	struct amf0_doc doc;
	const struct amf0_val *name;
	double txn;
	int rc = 0;

	amf0_doc_init(&doc, nodes, 128, AMF0_DEFAULT_DEPTH);
	if (m->len < skip || (rc = amf0_decode(&doc, m->data + skip, m->len - skip)) != 0) {
		log_warnx("malformed command (%s): closing", state_code(rc ? rc : -EPROTO));
		return -EPROTO;
	}
	name = amf0_top(&doc, 0);
	txn = amf0_num(amf0_top(&doc, 1), 0);
	if (name == NULL || (name->type != AMF0_STRING && name->type != AMF0_LONG_STRING))
		return -EPROTO;
	if (amf0_str_eq(name, "connect")) {
		if (s->connected)
			return -EPROTO;
		return cmd_connect(s, txn, amf0_top(&doc, 2));
	}
	if (!s->connected) {
		log_warnx("command before connect: closing");
		return -EPROTO;
	}
	if (amf0_str_eq(name, "releaseStream"))
		return send_result(s, "_result", txn, val_undefined, NULL);
	if (amf0_str_eq(name, "FCPublish")) {
		struct buf b;
		buf_init(&b, 4096);
		amf0_put_string(&b, "onFCPublish");
		amf0_put_number(&b, 0);
		amf0_put_null(&b);
		put_status_obj(&b, "status", "NetStream.Publish.Start", "FCPublish");
		rc = send_amf(s, 0, &b);
		buf_fini(&b);
		return rc ? rc : send_result(s, "_result", txn, val_undefined, NULL);
	}
	if (amf0_str_eq(name, "createStream")) {
		double id = PUBLISH_STREAM_ID;
		return send_result(s, "_result", txn, val_number, &id);
	}
	if (amf0_str_eq(name, "publish"))
		return cmd_publish(s, m->stream_id ? m->stream_id : PUBLISH_STREAM_ID,
		    amf0_top(&doc, 3));
	if (amf0_str_eq(name, "FCUnpublish") || amf0_str_eq(name, "deleteStream") ||
	    amf0_str_eq(name, "closeStream")) {
		bool was = s->state == SESS_PUBLISHING;
		end_publishing(s);
		if (was)
			send_on_status(s, PUBLISH_STREAM_ID, "status", "NetStream.Unpublish.Success",
			    "Stream unpublished.");
		if (amf0_str_eq(name, "FCUnpublish"))
			return send_result(s, "_result", txn, val_undefined, NULL);
		return 0;
	}
	if (amf0_str_eq(name, "_checkbw") || amf0_str_eq(name, "getStreamLength") ||
	    amf0_str_eq(name, "ping"))
		return send_result(s, "_result", txn, val_undefined, NULL);
	/* Unknown call: answer it if it expects an answer. */
	log_debug("unknown command %.*s", (int)name->str_len, name->str);
	if (txn != 0) {
		struct buf b;
		buf_init(&b, 4096);
		amf0_put_string(&b, "_error");
		amf0_put_number(&b, txn);
		amf0_put_null(&b);
		put_status_obj(&b, "error", "NetConnection.Call.Failed", "Method not found");
		rc = send_amf(s, 0, &b);
		buf_fini(&b);
		return rc;
	}
	return 0;
}

static int
on_message(void *arg, const struct rtmp_msg *m)
{
	struct rtmp_session *s = arg;
	struct rd r;
	uint16_t ev;
	uint32_t v;

	switch (m->type) {
	case RTMP_MSG_SET_CHUNK_SIZE:
	case RTMP_MSG_ABORT:
	case RTMP_MSG_ACK:
	case RTMP_MSG_SET_PEER_BW:
		return 0;  /* applied by the chunk reader, or nothing to do as a server */
	case RTMP_MSG_WIN_ACK_SIZE:
		rd_init(&r, m->data, m->len);
		if (rd_be32(&r, &v) == 0)
			s->peer_window = v;
		return 0;
	case RTMP_MSG_USER_CONTROL:
		rd_init(&r, m->data, m->len);
		if (rd_be16(&r, &ev) == 0 && ev == RTMP_UC_PING_REQUEST && rd_be32(&r, &v) == 0)
			return rtmp_put_user_control(&s->wr, s->out, RTMP_UC_PING_RESPONSE, v);
		return 0;
	case RTMP_MSG_CMD_AMF0:
		return s->state == SESS_CLOSING ? 0 : on_command(s, m, 0);
	case RTMP_MSG_CMD_AMF3:
		/* An AMF3 command is AMF0 after a leading format byte. */
		return s->state == SESS_CLOSING ? 0 : on_command(s, m, 1);
	case RTMP_MSG_DATA_AMF0:
		return s->state == SESS_PUBLISHING ? on_data(s, m) : 0;
	case RTMP_MSG_VIDEO:
		if (s->state != SESS_PUBLISHING)
			return 0;
		stream_add_bytes_in(s->stream, m->len);
		return on_video(s, m);
	case RTMP_MSG_AUDIO:
		if (s->state != SESS_PUBLISHING)
			return 0;
		stream_add_bytes_in(s->stream, m->len);
		return on_audio(s, m);
	default:
		return 0;  /* shared objects, aggregates: not used by encoders we serve */
	}
}

/* ---- public ------------------------------------------------------------------ */

struct rtmp_session *
rtmp_session_new(const struct origin_cfg *cfg, struct keys *keys, const char *proto,
    const char *peer, int64_t now_ms)
{
	struct rtmp_session *s = xcalloc(1, sizeof(*s));
	struct rtmp_chunk_limits lim;

	if (s == NULL)
		return NULL;
	s->cfg = cfg;
	s->keys = keys;
	snprintf(s->peer, sizeof(s->peer), "%s", peer);
	s->proto = proto;
	snprintf(s->ctx, sizeof(s->ctx), "%s %s", proto, peer);
	s->created_ms = s->last_rx_ms = now_ms;
	rtmp_hs_server_init(&s->hs, (uint32_t)now_ms);
	lim.max_chunk_size = (uint32_t)cfg->rtmp_max_chunk_size;
	lim.max_message_len = (uint32_t)cfg->rtmp_max_message;
	lim.max_csids = 16;
	if (rtmp_chunk_rd_init(&s->rd, &lim) != 0) {
		free(s);
		return NULL;
	}
	rtmp_chunk_wr_init(&s->wr);
	buf_init(&s->avcc, 64 * 1024);
	buf_init(&s->asc, 1024);
	return s;
}

int
rtmp_session_input(struct rtmp_session *s, const uint8_t *p, size_t len, size_t *consumed,
    struct buf *out, int64_t now_ms)
{
	struct rd in;
	size_t used = 0, n = 0;
	int rc = 0;

	*consumed = 0;
	log_ctx_set("%s", s->ctx);
	s->out = out;
	s->now_ms = now_ms;
	s->last_rx_ms = now_ms;
	if (s->state == SESS_HANDSHAKE) {
		rd_init(&in, p, len);
		rc = rtmp_hs_server_feed(&s->hs, &in, out);
		used = len - in.left;
		if (rc < 0) {
			METRIC_ADD(rtmp_rejects[REJECT_PROTOCOL], 1);
			log_info("bad handshake: closing");
			goto out;
		}
		if (rc == 0)
			goto out;
		log_debug("handshake: %s", s->hs.scheme >= 0 ? "digest" : "simple");
		s->state = SESS_COMMANDS;
		rc = 0;
	}
	if (s->state == SESS_CLOSING) {
		used = len;  /* discard: we are only flushing our last reply */
		goto out;
	}
	rc = rtmp_chunk_rd_feed(&s->rd, p + used, len - used, &n, on_message, s);
	used += n;
	if (rc < 0 && rc != -EACCES) {
		if (rc == -EPROTO || rc == -EMSGSIZE || rc == -ENOBUFS) {
			METRIC_ADD(rtmp_rejects[REJECT_PROTOCOL], 1);
			log_warnx("protocol error (%s): closing", state_code(rc));
		} else {
			log_warnx("closing: %s", strerror(-rc));
		}
		goto out;
	}
	/* Acknowledge per the peer's window (RTMP 5.4.3). */
	if (s->peer_window && s->rd.bytes_in - s->acked >= s->peer_window) {
		s->acked = s->rd.bytes_in;
		rtmp_put_ack(&s->wr, out, (uint32_t)s->rd.bytes_in);
	}
out:
	METRIC_ADD(bytes_in, used);
	*consumed = used;
	s->out = NULL;
	if (rc == 0 && out->err)
		rc = out->err;
	if (rc == 0 && s->state == SESS_CLOSING)
		rc = -EACCES;
	return rc;
}

int
rtmp_session_tick(struct rtmp_session *s, int64_t now_ms)
{
	log_ctx_set("%s", s->ctx);
	if (s->state == SESS_PUBLISHING) {
		if (now_ms - s->last_rx_ms >= s->cfg->publisher_idle_ms) {
			METRIC_ADD(rtmp_rejects[REJECT_IDLE], 1);
			log_info("publisher sent nothing for %lld ms: dropping it",
			    (long long)(now_ms - s->last_rx_ms));
			return -ETIMEDOUT;
		}
		if (stream_is_kicked(s->stream)) {
			log_info("stream key revoked: dropping the publisher");
			return -ECONNRESET;
		}
		return 0;
	}
	if (now_ms - s->created_ms >= s->cfg->handshake_timeout_ms) {
		METRIC_ADD(rtmp_rejects[REJECT_IDLE], 1);
		log_info("no publish within %lld ms: closing", (long long)s->cfg->handshake_timeout_ms);
		return -ETIMEDOUT;
	}
	return 0;
}

int
rtmp_session_is_publishing(const struct rtmp_session *s)
{
	return s->state == SESS_PUBLISHING;
}

void
rtmp_session_free(struct rtmp_session *s)
{
	if (s == NULL)
		return;
	log_ctx_set("%s", s->ctx);
	end_publishing(s);
	pending_clear(s);
	free(s->pending);
	if (s->mux)
		seg_mux_free(s->mux);
	rtmp_chunk_rd_fini(&s->rd);
	buf_fini(&s->avcc);
	buf_fini(&s->asc);
	free(s);
}
