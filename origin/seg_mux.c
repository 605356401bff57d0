/*
 * seg_mux: H.264/HEVC/AV1 and AAC packets to HLS media segments in memory;
 * see seg_mux.h.
 *
 * Design (libavformat hlsenc.c): one long-lived muxer per stream ("mpegts"
 * or "mp4") writes through a custom AVIOContext whose sink appends to the
 * current segment's struct buf (ceiling 2 * seg_max_bytes). Packets go in
 * with av_write_frame, not the interleaver: RTMP already delivers them in
 * order, and interleaving would hold packets back across a cut. At a cut,
 * av_write_frame(oc, NULL) pushes out the muxer's buffered PES data (TS) or
 * the fragment (fMP4, frag_custom), avio_flush empties the AVIO buffer, and
 * the bytes go to the callback. Cuts compare presentation times (see
 * seg_mux_write); durations are the distance between the cut packets'
 * output DTS (RFC 8216 4.3.2.1 EXTINF), the span of the pictures shown.
 *
 * TS (RFC 8216 3.2): mpegts_flags=resend_headers is set after each cut so
 * every segment opens with PAT/PMT; the muxer inserts h264_mp4toannexb or
 * hevc_mp4toannexb for avcC/hvcC input (Annex B with the parameter sets
 * before each IRAP) and writes ADTS for raw
 * AAC. PTS/DTS in the TS are the output timeline plus the muxer's constant
 * offset (2 * max_delay = 1.4 s, as with the ffmpeg tool), which keeps PCR
 * below DTS; mpegts_copyts would put PCR below zero for a stream starting
 * at 0. fMP4 timestamps are the output timeline itself.
 * fMP4 (RFC 8216 3.3): movflags=+frag_custom+dash+delay_moov+skip_sidx
 * (a segment is one moof+mdat; the per-track sidx boxes that dash would add
 * serve no HLS player). With delay_moov
 * the init segment (ftyp+moov) is written at the first flush, so
 * seg_mux_init_segment returns -EAGAIN until the first segment is cut; it is
 * ready when the callback sees that first segment.
 *
 * Limitations: audio before the first video keyframe is dropped too (counted
 * in seg_mux_dropped), so a segment starts at a keyframe. The last sample of
 * an fMP4 fragment gets an estimated duration (the previous frame interval);
 * the mp4 muxer then snaps the next fragment's first DTS to it, a sub-frame
 * shift. After a sink, muxer or callback error the muxer state is undefined:
 * every later call returns the same error and the caller should free it.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>

#include "buf.h"
#include "log.h"
#include "seg_mux.h"
#include "xalloc.h"

#define SEG_MUX_MAGIC      0x5e63a0c5u
#define SEG_MUX_IOBUF_LEN  (16 * 1024)
#define SEG_MUX_MIN_BYTES  (64 * 1024)   /* smallest seg_max_bytes accepted */
#define SEG_MUX_SLACK      (8 * 1024)    /* muxer-held bytes we cannot see */
#define SEG_MUX_VIDEO_MS   40            /* frame duration until measured */
/* |dts| beyond this (35,000 years of ms) is garbage, refused: no overflow */
#define SEG_MUX_MAX_TS     (INT64_C(1) << 50)
/* A step back of at most this (or two frames) is misordering, not a jump. */
#define SEG_MUX_REORDER_MS 100
/* Per-packet fix-ups are logged at the first and then every Nth. */
#define SEG_MUX_LOG_EVERY  1000

struct seg_mux {
	unsigned magic;
	struct seg_mux_params p;      /* avcc/asc cleared: codecpar holds them */
	seg_mux_emit_cb cb;
	void *cb_arg;

	AVFormatContext *oc;
	AVPacket *pkt;
	int st_idx[2];                /* output stream per media_kind, -1: none */

	struct buf seg;               /* bytes of the segment in progress */
	struct buf init;              /* fMP4 init segment */
	struct buf *sink;             /* where the AVIO write callback appends */
	int err;                      /* sticky: sink, muxer or callback error */
	bool has_init;

	/* the segment in progress */
	bool in_seg;
	int64_t seg_start_ms;         /* output DTS of its first packet */
	int64_t seg_start_pts_ms;     /* and that packet's presentation time */
	uint64_t seg_pkts;
	size_t seg_payload;           /* input bytes written into it */
	bool seg_disc, seg_key;

	/* the output timeline: out = in + offset, monotonic per kind */
	int64_t offset_ms;
	bool have_last[2];
	int64_t last_out[2];
	int64_t frame_ms[2];          /* estimated frame duration per kind */
	bool awaiting_key;            /* drop until a video keyframe */
	bool await_have;              /* await_ms is valid */
	int64_t await_ms;             /* output time of the first video dropped so */
	bool a_have;                  /* audio: a_next is valid */
	int64_t a_last, a_next;       /* audio DTS, in 1/sample_rate */
	bool pending_disc;            /* the next segment follows a jump */
	uint64_t n_emitted;
	uint64_t dropped;
	uint64_t n_dts_fixed;         /* video DTS moved up to stay rising */
	uint64_t n_audio_late;        /* audio dropped for a DTS behind the last */
	uint64_t n_neg_cts;           /* video with pts < dts: pts set to dts */
};

/* Rate limit for per-packet warnings: the 1st, then every Nth. */
static bool
log_due(uint64_t n)
{
	return n == 1 || n % SEG_MUX_LOG_EVERY == 0;
}

static void
log_av(const char *what, int averr)
{
	char msg[AV_ERROR_MAX_STRING_SIZE];

	if (av_strerror(averr, msg, sizeof(msg)) < 0)
		snprintf(msg, sizeof(msg), "error %d", averr);
	log_warnx("seg_mux: %s: %s", what, msg);
}

/*
 * AVIO write callback (FFmpeg 5.1 signature, non-const buffer). Appends to
 * the current sink; a failure is remembered and reported as an AVIO error,
 * which libavformat then keeps in pb->error.
 */
static int
sink_write(void *opaque, uint8_t *data, int n)
{
	struct seg_mux *m = opaque;
	int rc;

	if (m == NULL || m->magic != SEG_MUX_MAGIC)
		return AVERROR(EINVAL);
	if (n <= 0)
		return 0;
	rc = buf_append(m->sink, data, (size_t)n);
	if (rc != 0) {
		if (m->err == 0)
			m->err = rc;
		return rc;
	}
	return n;
}

static int
add_stream(struct seg_mux *m, enum media_kind kind, const uint8_t *cfg,
    size_t cfg_len)
{
	const struct seg_mux_params *p = &m->p;
	AVCodecParameters *par;
	AVStream *st;

	if (cfg == NULL || cfg_len == 0 || cfg_len > INT_MAX / 2)
		return -EINVAL;
	st = avformat_new_stream(m->oc, NULL);
	if (st == NULL)
		return -ENOMEM;
	par = st->codecpar;
	par->extradata = av_mallocz(cfg_len + AV_INPUT_BUFFER_PADDING_SIZE);
	if (par->extradata == NULL)
		return -ENOMEM;
	memcpy(par->extradata, cfg, cfg_len);
	par->extradata_size = (int)cfg_len;
	par->codec_tag = 0;
	if (kind == MEDIA_VIDEO) {
		par->codec_type = AVMEDIA_TYPE_VIDEO;
		par->codec_id = p->video_codec == SEG_VIDEO_HEVC ? AV_CODEC_ID_HEVC :
		    p->video_codec == SEG_VIDEO_AV1 ? AV_CODEC_ID_AV1 : AV_CODEC_ID_H264;
		/*
		 * ISO/IEC 14496-15 8.4.1: 'hvc1' keeps the parameter sets in the
		 * hvcC only, which is what browsers and Apple players ask for;
		 * the mp4 muxer's default is 'hev1'.
		 */
		if (p->video_codec == SEG_VIDEO_HEVC && p->format == SEG_FMT_FMP4)
			par->codec_tag = MKTAG('h', 'v', 'c', '1');
		par->width = p->width;
		par->height = p->height;
		par->format = AV_PIX_FMT_YUV420P;
	} else {
		par->codec_type = AVMEDIA_TYPE_AUDIO;
		par->codec_id = AV_CODEC_ID_AAC;
		par->sample_rate = p->sample_rate;
		av_channel_layout_default(&par->ch_layout, p->channels);
		par->frame_size = 1024;
	}
	/* A hint only: the muxer picks its own after write_header. */
	st->time_base = (AVRational){ 1, 1000 };
	m->st_idx[kind] = st->index;
	return 0;
}

enum seg_format
seg_mux_format(const struct seg_mux_params *p)
{
	if (p->has_video && p->video_codec == SEG_VIDEO_AV1)
		return SEG_FMT_FMP4;
	return p->format;
}

const char *
seg_mux_codec_name(enum seg_video_codec c)
{
	return c == SEG_VIDEO_HEVC ? "HEVC" : c == SEG_VIDEO_AV1 ? "AV1" : "H.264";
}

static int
check_params(const struct seg_mux_params *p)
{
	if (p->format != SEG_FMT_TS && p->format != SEG_FMT_FMP4)
		return -EINVAL;
	if (p->has_video && p->video_codec != SEG_VIDEO_H264 &&
	    p->video_codec != SEG_VIDEO_HEVC && p->video_codec != SEG_VIDEO_AV1)
		return -EINVAL;
	if (p->target_ms <= 0 || p->target_ms > 3600 * 1000 ||
	    p->max_gap_ms <= 0 || p->max_gap_ms > 3600 * 1000 ||
	    p->keyframe_timeout_ms < 0 || p->keyframe_timeout_ms > 3600 * 1000)
		return -EINVAL;
	if (p->seg_max_bytes < SEG_MUX_MIN_BYTES ||
	    p->seg_max_bytes > SIZE_MAX / 4)
		return -EINVAL;
	if (!p->has_video && !p->has_audio)
		return -EINVAL;
	if (p->has_video && (p->video_cfg == NULL || p->video_cfg_len == 0 ||
	    p->width < 0 || p->height < 0))
		return -EINVAL;
	/* The mp4 muxer refuses a video track without dimensions. */
	if (p->has_video && seg_mux_format(p) == SEG_FMT_FMP4 &&
	    (p->width <= 0 || p->height <= 0))
		return -EINVAL;
	if (p->has_audio && (p->asc == NULL || p->asc_len == 0 ||
	    p->sample_rate <= 0 || p->channels <= 0 || p->channels > 64))
		return -EINVAL;
	return 0;
}

struct seg_mux *
seg_mux_new(const struct seg_mux_params *p, seg_mux_emit_cb cb, void *arg)
{
	struct seg_mux *m = NULL;
	AVDictionary *opts = NULL;
	const AVDictionaryEntry *e = NULL;
	uint8_t *iobuf = NULL;
	const char *fmt;
	int rc;

	if (p == NULL || cb == NULL || (rc = check_params(p)) != 0) {
		log_warnx("seg_mux: invalid parameters");
		return NULL;
	}
	if ((m = xcalloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->magic = SEG_MUX_MAGIC;
	m->p = *p;
	m->p.format = seg_mux_format(p);
	if (m->p.format != p->format)
		log_info("seg_mux: %s has no MPEG-TS mapping: packaged as fMP4",
		    seg_mux_codec_name(p->video_codec));
	m->p.video_cfg = m->p.asc = NULL;
	m->cb = cb;
	m->cb_arg = arg;
	m->st_idx[MEDIA_VIDEO] = m->st_idx[MEDIA_AUDIO] = -1;
	m->frame_ms[MEDIA_VIDEO] = SEG_MUX_VIDEO_MS;
	m->frame_ms[MEDIA_AUDIO] = (1024 * 1000 + p->sample_rate / 2) /
	    (p->sample_rate > 0 ? p->sample_rate : 44100);
	if (m->frame_ms[MEDIA_AUDIO] <= 0)
		m->frame_ms[MEDIA_AUDIO] = 1;
	m->awaiting_key = p->has_video;
	buf_init(&m->seg, 2 * p->seg_max_bytes);
	buf_init(&m->init, 2 * p->seg_max_bytes);
	/* fMP4: what the muxer writes before the first fragment is the init. */
	m->sink = m->p.format == SEG_FMT_FMP4 ? &m->init : &m->seg;

	fmt = m->p.format == SEG_FMT_FMP4 ? "mp4" : "mpegts";
	rc = avformat_alloc_output_context2(&m->oc, NULL, fmt, NULL);
	if (rc < 0 || m->oc == NULL) {
		log_av("alloc output", rc < 0 ? rc : AVERROR(ENOMEM));
		goto fail;
	}
	if ((m->pkt = av_packet_alloc()) == NULL)
		goto fail;
	if (p->has_video &&
	    (rc = add_stream(m, MEDIA_VIDEO, p->video_cfg, p->video_cfg_len)) != 0)
		goto fail;
	if (p->has_audio &&
	    (rc = add_stream(m, MEDIA_AUDIO, p->asc, p->asc_len)) != 0)
		goto fail;

	if ((iobuf = av_malloc(SEG_MUX_IOBUF_LEN)) == NULL)
		goto fail;
	m->oc->pb = avio_alloc_context(iobuf, SEG_MUX_IOBUF_LEN, 1, m, NULL,
	    sink_write, NULL);
	if (m->oc->pb == NULL) {
		av_free(iobuf);
		goto fail;
	}
	m->oc->flags |= AVFMT_FLAG_CUSTOM_IO;
	/*
	 * As the ffmpeg tool does (-muxdelay 0.7). The library default (-1)
	 * makes the TS muxer write one PES per AAC frame (about 2x the audio
	 * bytes) and puts PCR level with DTS, leaving decoders no buffer time.
	 */
	m->oc->max_delay = 700000;

	if (m->p.format == SEG_FMT_FMP4) {
		av_dict_set(&opts, "movflags", "+frag_custom+dash+delay_moov+skip_sidx", 0);
	} else {
		/* PAT/PMT once per segment (resend_headers), not every 0.1 s. */
		av_dict_set(&opts, "mpegts_flags", "+resend_headers", 0);
		av_dict_set(&opts, "pat_period", "1073741822", 0);
		av_dict_set(&opts, "sdt_period", "1073741822", 0);
	}
	rc = avformat_write_header(m->oc, &opts);
	if (rc < 0) {
		log_av("write header", rc);
		goto fail;
	}
	/* An option the muxer did not take is a typo here: refuse it. */
	if (av_dict_count(opts) > 0) {
		while ((e = av_dict_get(opts, "", e, AV_DICT_IGNORE_SUFFIX)))
			log_warnx("seg_mux: %s muxer ignored option %s", fmt,
			    e->key);
		goto fail;
	}
	if (m->err != 0)
		goto fail;
	av_dict_free(&opts);
	return m;
fail:
	av_dict_free(&opts);
	seg_mux_free(m);
	return NULL;
}

int
seg_mux_init_segment(const struct seg_mux *m, const uint8_t **data,
    size_t *len)
{
	if (m == NULL || data == NULL || len == NULL)
		return -EINVAL;
	if (m->p.format != SEG_FMT_FMP4)
		return -ENOENT;
	if (!m->has_init)
		return -EAGAIN;
	*data = m->init.data;
	*len = m->init.len;
	return 0;
}

uint64_t
seg_mux_dropped(const struct seg_mux *m)
{
	return m == NULL ? 0 : m->dropped;
}

void
seg_mux_get_stats(const struct seg_mux *m, struct seg_mux_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (m == NULL)
		return;
	st->dropped = m->dropped;
	st->dts_fixed = m->n_dts_fixed;
	st->audio_late = m->n_audio_late;
	st->neg_cts = m->n_neg_cts;
	st->segments = m->n_emitted;
}

static int
mux_flush(struct seg_mux *m)
{
	int rc;

	rc = av_write_frame(m->oc, NULL);
	if (rc < 0) {
		log_av("flush", rc);
		return rc;
	}
	avio_flush(m->oc->pb);
	if (m->err != 0)
		return m->err;
	if (m->oc->pb->error < 0)
		return m->oc->pb->error;
	return 0;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * The first fMP4 flush wrote the init segment. Should a fragment have come
 * out with it (a libavformat that writes moov and the first moof together),
 * move everything after ftyp/moov into the segment buffer. ISO/IEC 14496-12
 * 4.2 box headers: size32, type; size 1 means a 64-bit size follows.
 */
static int
split_init(struct seg_mux *m)
{
	const uint8_t *p = m->init.data;
	size_t off = 0, len = m->init.len;
	uint64_t size;
	int rc;

	while (len - off >= 8) {
		size = be32(p + off);
		if (size == 1 && len - off >= 16)
			size = (uint64_t)be32(p + off + 8) << 32 |
			    be32(p + off + 12);
		if (size < 8 || size > len - off)
			return -EPROTO;
		if (memcmp(p + off + 4, "ftyp", 4) != 0 &&
		    memcmp(p + off + 4, "moov", 4) != 0)
			break;
		off += (size_t)size;
	}
	if (off == 0)
		return -EPROTO;
	if (off < len) {
		if ((rc = buf_append(&m->seg, p + off, len - off)) != 0)
			return rc;
		m->init.len = off;
	}
	return 0;
}

static unsigned
ts_pid(const uint8_t *p)
{
	return (unsigned)(p[1] & 0x1f) << 8 | p[2];
}

/*
 * resend_headers makes the muxer write SDT, then PAT and PMT, at the start
 * of a segment. RFC 8216 3.2 wants a segment to begin with the PAT (some
 * players probe the first packet), so rotate the leading SDT packets to just
 * after the PAT. Packets of one PID keep their order, so the continuity
 * counters (ISO/IEC 13818-1 2.4.3.3) stay valid.
 */
static void
ts_pat_first(uint8_t *d, size_t len)
{
	uint8_t sdt[4 * 188];
	size_t n = 0;

	while (n < 4 && (n + 1) * 188 <= len && d[n * 188] == 0x47 &&
	    ts_pid(d + n * 188) == 0x11)
		n++;
	if (n == 0 || (n + 1) * 188 > len || d[n * 188] != 0x47 ||
	    ts_pid(d + n * 188) != 0)
		return;
	memcpy(sdt, d, n * 188);
	memmove(d, d + n * 188, 188);
	memcpy(d + 188, sdt, n * 188);
}

/* Close the segment in progress at end_ms and hand it to the callback. */
static int
seal(struct seg_mux *m, int64_t end_ms)
{
	struct seg_out so;
	int rc;

	if (!m->in_seg)
		return 0;
	if (m->p.format == SEG_FMT_FMP4 && !m->has_init) {
		m->sink = &m->init;
		rc = mux_flush(m);
		m->sink = &m->seg;
		if (rc != 0)
			return rc;
		if ((rc = split_init(m)) != 0) {
			log_warnx("seg_mux: no init segment from the mp4 muxer");
			return rc;
		}
		m->has_init = true;
	}
	if (m->p.format == SEG_FMT_TS || m->seg.len == 0) {
		if ((rc = mux_flush(m)) != 0)
			return rc;
	}
	if (m->seg.len == 0) {
		log_warnx("seg_mux: empty segment after %" PRIu64 " packets",
		    m->seg_pkts);
		return -EIO;
	}
	if (m->p.format == SEG_FMT_TS) {
		ts_pat_first(m->seg.data, m->seg.len);
		if (m->seg.len < 188 || m->seg.data[0] != 0x47 ||
		    ts_pid(m->seg.data) != 0)
			log_warnx("seg_mux: TS segment does not start with a PAT");
	}
	memset(&so, 0, sizeof(so));
	so.data = buf_steal(&m->seg, &so.len);
	so.start_ms = m->seg_start_ms;
	so.dur_ms = end_ms > m->seg_start_ms ? end_ms - m->seg_start_ms : 0;
	so.discontinuity = m->seg_disc;
	so.starts_with_key = m->seg_key;
	so.n_packets = m->seg_pkts;
	m->in_seg = false;
	m->seg_pkts = 0;
	m->seg_payload = 0;
	m->n_emitted++;
	return m->cb(m->cb_arg, &so);
}

/*
 * Map a packet's input DTS to the output timeline. A step backwards by more
 * than two frames or SEG_MUX_REORDER_MS, whichever is more, or forwards by
 * more than max_gap_ms, against the
 * last packet of the same kind (or, for a kind's first packet, against the
 * other kind) is a jump: the offset is reset so the packet lands one frame
 * after the latest output. A smaller step back is an encoder's misordering
 * (or a small clock correction, absorbed within a few frames): *late is set
 * and the caller fixes the packet up (video) or drops it (audio); the
 * timeline is left alone.
 */
static int64_t
map_dts(struct seg_mux *m, const struct media_pkt *pkt, bool *jump, bool *late)
{
	enum media_kind k = pkt->kind, o = k == MEDIA_VIDEO ? MEDIA_AUDIO :
	    MEDIA_VIDEO;
	int64_t out, ref, d;

	/*
	 * No overflow below: |dts| <= 2^50 (seg_mux_write), and the output
	 * advances by at most max_gap_ms (+ a frame) per packet from 2^50.
	 */
	*jump = *late = false;
	out = pkt->dts_ms + m->offset_ms;
	if (m->have_last[k]) {
		d = out - m->last_out[k];
		if (d < -(2 * m->frame_ms[k] > SEG_MUX_REORDER_MS ?
		    2 * m->frame_ms[k] : SEG_MUX_REORDER_MS) || d > m->p.max_gap_ms) {
			*jump = true;
		} else if (d < 0) {
			*late = true;
			return m->last_out[k];
		} else if (d == 0) {
			out++;  /* muxers want strictly rising DTS per stream */
		}
	} else if (m->have_last[o]) {
		d = out - m->last_out[o];
		if (d < -m->p.max_gap_ms || d > m->p.max_gap_ms)
			*jump = true;
	}
	if (*jump) {
		ref = m->have_last[k] ? m->last_out[k] : m->last_out[o];
		if (m->have_last[o] && m->last_out[o] > ref)
			ref = m->last_out[o];
		out = ref + m->frame_ms[k];
		m->offset_ms = out - pkt->dts_ms;
	} else if (m->have_last[k]) {
		d = out - m->last_out[k];
		if (d > 0 && d < (k == MEDIA_VIDEO ? 1000 : 500))
			m->frame_ms[k] = d;
	}
	m->have_last[k] = true;
	m->last_out[k] = out;
	return out;
}

/* Bytes the segment in progress will have, from what the muxer has seen. */
static size_t
seg_estimate(const struct seg_mux *m)
{
	size_t pending = (size_t)(m->oc->pb->buf_ptr - m->oc->pb->buffer);

	if (m->p.format == SEG_FMT_TS)
		return m->seg.len + pending + SEG_MUX_SLACK;
	/* fMP4 holds the fragment inside the muxer until the flush. */
	return m->seg_payload + m->seg_payload / 32 + m->seg_pkts * 32 +
	    pending + SEG_MUX_SLACK;
}

static int
write_pkt(struct seg_mux *m, const struct media_pkt *pkt, int64_t out,
    bool key)
{
	AVPacket *ap = m->pkt;
	AVStream *st = m->oc->streams[m->st_idx[pkt->kind]];
	int64_t ts;
	int rc;

	/* A padded, refcounted copy: the bitstream filters read past the end. */
	if ((rc = av_new_packet(ap, (int)pkt->len)) < 0) {
		log_av("packet", rc);
		return rc;
	}
	memcpy(ap->data, pkt->data, pkt->len);
	ap->stream_index = st->index;
	ap->flags = key ? AV_PKT_FLAG_KEY : 0;
	ap->pos = -1;
	if (pkt->kind == MEDIA_VIDEO) {
		ap->dts = ap->pts = out;
		if (pkt->cts_ms > 0)
			ap->pts = out + pkt->cts_ms;
		else if (pkt->cts_ms < 0 && log_due(++m->n_neg_cts))
			/* pts < dts cannot be muxed: show it at its decode time */
			log_warnx("seg_mux: negative composition offset %" PRId32
			    " ms: presentation time set to the decode time (%"
			    PRIu64 " so far)", pkt->cts_ms, m->n_neg_cts);
		ap->duration = m->frame_ms[MEDIA_VIDEO];
		av_packet_rescale_ts(ap, (AVRational){ 1, 1000 }, st->time_base);
	} else {
		/*
		 * RTMP rounds AAC timestamps to the ms; in fMP4 that makes
		 * sample durations alternate (1014, 1059 at 44.1 kHz). Count
		 * samples instead while the input agrees within half a frame.
		 */
		ts = av_rescale(out, m->p.sample_rate, 1000);
		if (m->a_have && ts - m->a_next <= 512 && m->a_next - ts <= 512)
			ts = m->a_next;
		if (m->a_have && ts <= m->a_last)
			ts = m->a_last + 1;
		m->a_have = true;
		m->a_last = ts;
		m->a_next = ts + 1024;
		ap->dts = ap->pts = ts;
		ap->duration = 1024;
		av_packet_rescale_ts(ap, (AVRational){ 1, m->p.sample_rate },
		    st->time_base);
	}
	rc = av_write_frame(m->oc, ap);
	av_packet_unref(ap);
	if (rc < 0) {
		log_av("write frame", rc);
		return rc;
	}
	if (m->err != 0)
		return m->err;
	m->seg_pkts++;
	m->seg_payload += pkt->len;
	return 0;
}

int
seg_mux_write(struct seg_mux *m, const struct media_pkt *pkt)
{
	bool is_video, key, jump, cut = false;
	bool late;
	int64_t out, pts;
	size_t est, pkt_est, ceiling;
	int rc;

	if (m == NULL || pkt == NULL)
		return -EINVAL;
	if (m->magic != SEG_MUX_MAGIC)
		return -EINVAL;
	if (m->err != 0)
		return m->err;
	if ((pkt->kind != MEDIA_VIDEO && pkt->kind != MEDIA_AUDIO) ||
	    m->st_idx[pkt->kind] < 0)
		return -EINVAL;
	if (pkt->dts_ms > SEG_MUX_MAX_TS || pkt->dts_ms < -SEG_MUX_MAX_TS ||
	    pkt->cts_ms < -1000000 || pkt->cts_ms > 1000000)
		return -EINVAL;
	if (pkt->data == NULL || pkt->len == 0) {
		m->dropped++;
		return 0;
	}
	is_video = pkt->kind == MEDIA_VIDEO;
	key = is_video ? pkt->is_key : true;
	ceiling = 2 * m->p.seg_max_bytes;
	pkt_est = pkt->len + pkt->len / 16 + 1024 + m->p.video_cfg_len;
	if (pkt->len > INT_MAX - AV_INPUT_BUFFER_PADDING_SIZE ||
	    pkt_est + SEG_MUX_IOBUF_LEN + SEG_MUX_SLACK > ceiling) {
		log_warnx("seg_mux: %zu-byte packet exceeds the segment ceiling",
		    pkt->len);
		return -ENOBUFS;
	}

	out = map_dts(m, pkt, &jump, &late);
	if (late && !is_video) {
		/* An AAC frame behind the last one would overlap it: drop it. */
		m->dropped++;
		if (log_due(++m->n_audio_late))
			log_warnx("seg_mux: audio timestamp %" PRId64 " ms went "
			    "backwards: frame dropped (%" PRIu64 " so far)",
			    pkt->dts_ms, m->n_audio_late);
		return 0;
	}
	if (late) {
		/* Video must keep decode order: keep the frame, 1 ms later. */
		out = m->last_out[MEDIA_VIDEO] + 1;
		m->last_out[MEDIA_VIDEO] = out;
		if (log_due(++m->n_dts_fixed))
			log_warnx("seg_mux: video timestamp %" PRId64 " ms went "
			    "backwards: moved after the previous frame (%" PRIu64
			    " so far)", pkt->dts_ms, m->n_dts_fixed);
	}
	if (jump) {
		log_info("seg_mux: %s timestamp jump at %" PRId64 " ms, "
		    "output continues at %" PRId64 " ms",
		    is_video ? "video" : "audio", pkt->dts_ms, out);
		if (m->in_seg || m->n_emitted > 0)
			m->pending_disc = true;
		if ((rc = seal(m, out)) != 0)
			goto fail;
		/* The decoder restarts after a discontinuity: wait for an IDR. */
		m->awaiting_key = m->p.has_video;
	}
	if (m->awaiting_key) {
		if (!(is_video && key)) {
			m->dropped++;
			if (!is_video)
				return 0;
			if (!m->await_have) {
				m->await_have = true;
				m->await_ms = out;
			} else if (m->p.keyframe_timeout_ms > 0 &&
			    out - m->await_ms >= m->p.keyframe_timeout_ms) {
				/* once per timeout: the encoder must be told */
				log_warnx("seg_mux: no video keyframe for %" PRId64
				    " ms: %" PRIu64 " packets dropped so far; "
				    "check the encoder's keyframe interval",
				    out - m->await_ms, m->dropped);
				m->await_ms = out;
			}
			return 0;
		}
		m->awaiting_key = false;
		m->await_have = false;
	}

	/* Video as write_pkt muxes it: pts = dts + cts, never below dts. */
	pts = is_video && pkt->cts_ms > 0 ? out + pkt->cts_ms : out;
	if (m->in_seg) {
		est = seg_estimate(m);
		/*
		 * The target is measured in presentation time, keyframe to
		 * keyframe: with open GOPs and B-pyramids (x265's defaults)
		 * the first IDR has a smaller composition offset than the
		 * later CRAs, whose leading pictures are decoded after them,
		 * so their DTS distance falls short of the GOP length and a
		 * DTS test would make the first segment two GOPs long.
		 * EXTINF stays the DTS distance (seal): that is the
		 * presentation span of the pictures the segment holds.
		 */
		if ((m->p.has_video ? is_video && key : true) &&
		    (pts - m->seg_start_pts_ms >= m->p.target_ms ||
		    est >= m->p.seg_max_bytes))
			cut = true;
		else if (est + pkt_est > ceiling)
			cut = true;  /* no keyframe in sight: protect memory */
		else if (is_video && m->p.keyframe_timeout_ms > 0 &&
		    out - m->seg_start_ms >= m->p.keyframe_timeout_ms) {
			/* Once per timeout at most: each cut restarts the clock. */
			log_warnx("seg_mux: no video keyframe for %" PRId64 " ms: "
			    "cutting the segment without one (players may show "
			    "artefacts; check the encoder's keyframe interval)",
			    out - m->seg_start_ms);
			cut = true;
		}
		if (cut && (rc = seal(m, out)) != 0)
			goto fail;
	}
	if (!m->in_seg) {
		/* After the flush above, so the flag is spent on this segment. */
		if (m->p.format == SEG_FMT_TS) {
			rc = av_opt_set(m->oc->priv_data, "mpegts_flags",
			    "+resend_headers", 0);
			if (rc < 0) {
				log_av("resend_headers", rc);
				goto fail;
			}
		}
		m->in_seg = true;
		m->seg_start_ms = out;
		m->seg_start_pts_ms = pts;
		m->seg_disc = m->pending_disc;
		m->pending_disc = false;
		m->seg_key = is_video ? key : !m->p.has_video;
	}
	if ((rc = write_pkt(m, pkt, out, key)) != 0)
		goto fail;
	return 0;
fail:
	if (m->err == 0)
		m->err = rc;
	return rc;
}

int
seg_mux_finish(struct seg_mux *m)
{
	int64_t end = INT64_MIN, e;
	int k, rc;

	if (m == NULL || m->magic != SEG_MUX_MAGIC)
		return -EINVAL;
	if (m->err != 0)
		return m->err;
	if (!m->in_seg)
		return 0;
	for (k = 0; k < 2; k++) {
		if (!m->have_last[k] || m->st_idx[k] < 0)
			continue;
		e = m->last_out[k] + m->frame_ms[k];
		if (e > end)
			end = e;
	}
	if ((rc = seal(m, end)) != 0 && m->err == 0)
		m->err = rc;
	return rc;
}

void
seg_mux_free(struct seg_mux *m)
{
	if (m == NULL)
		return;
	if (m->oc != NULL) {
		if (m->oc->pb != NULL) {
			/* lavf may have swapped the buffer: free pb's, not ours */
			av_freep(&m->oc->pb->buffer);
			avio_context_free(&m->oc->pb);
		}
		avformat_free_context(m->oc);
		m->oc = NULL;
	}
	av_packet_free(&m->pkt);
	buf_fini(&m->seg);
	buf_fini(&m->init);
	m->magic = 0;
	free(m);
}
