/*
 * av_ingest: libavformat input to the packager; see av_ingest.h.
 *
 * The packaging half (pending packets until the codec configurations are
 * known, starting and restarting seg_mux, the fMP4 init segment, the codecs
 * string) mirrors rtmp_session.c's on purpose rather than sharing code with
 * it: RTMP's session is its own state machine, and this file must not
 * change what RTMP publishers get.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/mathematics.h>
#include <libavutil/time.h>

#include "aac_config.h"
#include "adts.h"
#include "annexb.h"
#include "av_ingest.h"
#include "buf.h"
#include "clock.h"
#include "h264_config.h"
#include "log.h"
#include "metrics.h"
#include "seg_mux.h"
#include "stream.h"
#include "stream_params.h"
#include "xalloc.h"

#define AV_INGEST_MAGIC 0x41564947u
#define PENDING_MAX_PKTS 600          /* held before the packager starts */
#define PENDING_MAX_BYTES (16u << 20)
#define PENDING_MAX_SPAN_MS 3000      /* start anyway once this much media waits */
#define TS_MARGIN_MS 1000             /* rebase: the first packet lands here */
#define TS_RESET_MS 10000             /* a step back larger than this is a restart */
#define LOG_EVERY_MS 5000             /* rate limit of per-packet log lines */
#define KICK_CHECK_MS 250
#define PROBE_BYTES (2 << 20)
#define PROBE_US (3 * 1000000)
#define PKT_MAX_BYTES (8u << 20)      /* one converted video access unit */
/* A listener (claim_on_media) re-reads its tracks at every session: quiet until it publishes. */
#define TRACK_LOG(g) ((g)->lazy && (g)->stream == NULL ? LOG_LVL_DEBUG : LOG_LVL_INFO)

struct pending_pkt {
	struct media_pkt pkt;
	uint8_t *copy;
};

/* One log line per interval, with how many were held back. */
struct ratelim {
	int64_t last_ms;
	uint64_t held;
};

struct av_ingest {
	unsigned magic;
	const struct origin_cfg *cfg;
	struct av_ingest_ctl *ctl;
	struct stream_key key;
	struct stream_params sp;      /* for stream_publish, now or at the first packet */
	char proto[8];
	bool lazy;                    /* claim_on_media: track lines at debug until then */
	struct stream *stream;        /* NULL until claimed */
	char ctx[160];
	int64_t next_kick_check_ms;

	/* tracks */
	int vidx, aidx;               /* libavformat stream index, or -1 */
	struct buf sps, pps;          /* the parameter sets the avcC was built from */
	struct buf avcc, asc;
	struct h264_config h264;
	struct aac_config aac;
	bool have_avcc, have_asc;
	bool audio_raw;               /* raw AAC frames with extradata's config (RFC 3640) */
	struct buf vbuf;              /* one converted access unit */

	/* timestamps */
	bool have_base;
	int64_t base_ms;
	bool have_last[2];
	int64_t last_dts[2];
	struct ratelim rl_order, rl_bad, rl_nots;

	/* packaging */
	struct seg_mux *mux;
	bool mux_video, mux_audio;
	bool mux_init_set;            /* fMP4: its init segment went to the stream */
	struct pending_pkt *pending;
	size_t n_pending, pending_bytes;
};

static bool
ratelim_ok(struct ratelim *r, int64_t now_ms)
{
	if (r->last_ms != 0 && now_ms - r->last_ms < LOG_EVERY_MS) {
		r->held++;
		return false;
	}
	r->last_ms = now_ms ? now_ms : 1;
	return true;
}

void
av_ingest_ctl_init(struct av_ingest_ctl *ctl, int64_t idle_ms)
{
	atomic_store(&ctl->stop, false);
	av_ingest_ctl_rearm(ctl, idle_ms);
}

void
av_ingest_ctl_rearm(struct av_ingest_ctl *ctl, int64_t idle_ms)
{
	atomic_store(&ctl->last_rx_ms, clock_mono_ms());
	ctl->idle_ms = idle_ms;
	ctl->why = AV_INGEST_RUNNING;
	ctl->ing = NULL;
}

int
av_ingest_interrupt_cb(void *opaque)
{
	struct av_ingest_ctl *ctl = opaque;
	struct av_ingest *ing = ctl->ing;
	int64_t now;

	/*
	 * Sticky: once ended, the demuxer may still hand out buffered packets
	 * (which refresh last_rx_ms), but the input stays ended and the reason
	 * is the first one. Only the publisher's own thread calls this.
	 */
	if (ctl->why != AV_INGEST_RUNNING)
		return 1;
	now = clock_mono_ms();
	if (atomic_load(&ctl->stop))
		ctl->why = AV_INGEST_WHY_STOP;
	else if (now - atomic_load(&ctl->last_rx_ms) >= ctl->idle_ms)
		ctl->why = AV_INGEST_WHY_IDLE;
	else if (ing && ing->stream && now >= ing->next_kick_check_ms) {
		ing->next_kick_check_ms = now + KICK_CHECK_MS;
		if (stream_is_kicked(ing->stream))
			ctl->why = AV_INGEST_WHY_KICKED;
	}
	return ctl->why != AV_INGEST_RUNNING;
}

/* ---- packaging (as rtmp_session.c) ---------------------------------------- */

static void
pending_clear(struct av_ingest *g)
{
	for (size_t i = 0; i < g->n_pending; i++) {
		free(g->pending[i].copy);
		g->pending[i].copy = NULL;
	}
	g->n_pending = 0;
	g->pending_bytes = 0;
}

static int
emit_segment(void *arg, struct seg_out *seg)
{
	struct av_ingest *g = arg;
	const uint8_t *init;
	size_t init_len;

	/* fMP4: the init segment exists once the first fragment was flushed;
	 * each packager has its own, under a new name (stream_set_init). */
	if (g->cfg->segment_format == SEG_FMT_FMP4 && !g->mux_init_set &&
	    seg_mux_init_segment(g->mux, &init, &init_len) == 0) {
		int rc = stream_set_init(g->stream, init, init_len);
		if (rc != 0)
			return rc;
		g->mux_init_set = true;
	}
	return stream_add_segment(g->stream, seg);
}

static void
update_codecs(struct av_ingest *g)
{
	char codecs[64] = "", v[24] = "", a[24] = "";

	if (g->mux_video)
		h264_codecs_string(&g->h264, v, sizeof(v));
	if (g->mux_audio)
		aac_codecs_string(&g->aac, a, sizeof(a));
	snprintf(codecs, sizeof(codecs), "%s%s%s", v, v[0] && a[0] ? "," : "", a);
	stream_set_codecs(g->stream, codecs, g->mux_video ? g->h264.width : 0,
	    g->mux_video ? g->h264.height : 0);
}

static int
mux_stop(struct av_ingest *g)
{
	int rc = 0;

	if (g->mux) {
		rc = seg_mux_finish(g->mux);
		seg_mux_free(g->mux);
		g->mux = NULL;
	}
	return rc;
}

static int
mux_start(struct av_ingest *g)
{
	struct seg_mux_params p = { 0 };

	p.format = g->cfg->segment_format;
	p.target_ms = g->cfg->segment_target_ms;
	p.max_gap_ms = g->cfg->max_gap_ms;
	p.keyframe_timeout_ms = g->cfg->keyframe_timeout_ms;
	p.seg_max_bytes = g->cfg->segment_max_bytes;
	p.has_video = g->have_avcc;
	p.avcc = g->avcc.data;
	p.avcc_len = g->avcc.len;
	p.width = g->h264.width;
	p.height = g->h264.height;
	p.has_audio = g->have_asc;
	p.asc = g->asc.data;
	p.asc_len = g->asc.len;
	p.sample_rate = (int)g->aac.sample_rate;
	p.channels = g->aac.channels ? g->aac.channels : 2;
	if (!p.has_video && !p.has_audio)
		return 0;
	g->mux = seg_mux_new(&p, emit_segment, g);
	if (g->mux == NULL) {
		log_errx("cannot start the packager");
		return -EIO;
	}
	g->mux_video = p.has_video;
	g->mux_audio = p.has_audio;
	g->mux_init_set = false;
	log_info("packaging %s%s%s as %s, %lld ms segments", p.has_video ? "H.264" : "",
	    p.has_video && p.has_audio ? " + " : "", p.has_audio ? "AAC" : "",
	    p.format == SEG_FMT_FMP4 ? "fMP4" : "MPEG-TS", (long long)p.target_ms);
	update_codecs(g);
	return 0;
}

static int
mux_restart(struct av_ingest *g)
{
	int rc;

	if (g->mux == NULL)
		return 0;
	log_info("codec configuration changed: restarting the packager");
	rc = mux_stop(g);
	if (rc == 0)
		stream_mark_discontinuity(g->stream);
	return rc ? rc : mux_start(g);
}

static bool
ready_to_start(const struct av_ingest *g)
{
	int64_t span;

	if (g->n_pending == 0)
		return false;
	if ((g->vidx < 0 || g->have_avcc) && (g->aidx < 0 || g->have_asc))
		return true;
	span = g->pending[g->n_pending - 1].pkt.dts_ms - g->pending[0].pkt.dts_ms;
	return span >= PENDING_MAX_SPAN_MS || span <= -PENDING_MAX_SPAN_MS ||
	    g->n_pending >= PENDING_MAX_PKTS || g->pending_bytes >= PENDING_MAX_BYTES / 2;
}

static int
write_pkt(struct av_ingest *g, const struct media_pkt *pkt)
{
	if ((pkt->kind == MEDIA_VIDEO && !g->mux_video) ||
	    (pkt->kind == MEDIA_AUDIO && !g->mux_audio))
		return 0;  /* a track whose configuration came too late for this packager */
	return seg_mux_write(g->mux, pkt);
}

static int
media_in(struct av_ingest *g, const struct media_pkt *pkt)
{
	struct pending_pkt *pp;
	int rc = 0;

	if (g->mux)
		return write_pkt(g, pkt);
	if (g->n_pending >= PENDING_MAX_PKTS || g->pending_bytes + pkt->len > PENDING_MAX_BYTES)
		return 0;  /* ready_to_start fires before this; drop rather than grow */
	if (g->pending == NULL &&
	    (g->pending = xcalloc(PENDING_MAX_PKTS, sizeof(*g->pending))) == NULL)
		return -ENOMEM;
	pp = &g->pending[g->n_pending];
	if ((pp->copy = xmalloc(pkt->len ? pkt->len : 1)) == NULL)
		return -ENOMEM;
	memcpy(pp->copy, pkt->data, pkt->len);
	pp->pkt = *pkt;
	pp->pkt.data = pp->copy;
	g->n_pending++;
	g->pending_bytes += pkt->len;
	if (!ready_to_start(g))
		return 0;
	if ((rc = mux_start(g)) != 0)
		return rc;
	for (size_t i = 0; i < g->n_pending && g->mux && rc == 0; i++)
		rc = write_pkt(g, &g->pending[i].pkt);
	pending_clear(g);
	return rc;
}

/* ---- timestamps ------------------------------------------------------------- */

/*
 * The packet's DTS and CTS in ms on our timeline, or -EAGAIN to drop it
 * (no timestamp, or not after the track's last).
 */
static int
packet_times(struct av_ingest *g, const AVPacket *pkt, const AVStream *st, enum media_kind k,
    int64_t *dts_ms, int32_t *cts_ms)
{
	static const AVRational ms = { 1, 1000 };
	int64_t dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
	int64_t pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : dts;
	int64_t d, c, now = clock_mono_ms();

	if (dts == AV_NOPTS_VALUE) {
		METRIC_ADD(media_skipped, 1);
		/* The demuxer's first audio packet often has none: debug only. */
		if (ratelim_ok(&g->rl_nots, now)) {
			log_debug("%s packet without a timestamp: dropped (%llu more since the "
			    "last such line)", k == MEDIA_VIDEO ? "video" : "audio",
			    (unsigned long long)g->rl_nots.held);
			g->rl_nots.held = 0;
		}
		return -EAGAIN;
	}
	d = av_rescale_q(dts, st->time_base, ms);
	c = av_rescale_q(pts, st->time_base, ms) - d;
	if (!g->have_base) {
		g->have_base = true;
		g->base_ms = d - TS_MARGIN_MS;
	}
	d -= g->base_ms;
	if (g->have_last[k] && d <= g->last_dts[k] && g->last_dts[k] - d <= TS_RESET_MS) {
		METRIC_ADD(media_skipped, 1);
		if (ratelim_ok(&g->rl_order, now)) {
			log_info("non-monotonic %s DTS (%lld ms after %lld ms): dropped "
			    "(%llu more since the last such line)", k == MEDIA_VIDEO ? "video" : "audio",
			    (long long)d, (long long)g->last_dts[k],
			    (unsigned long long)g->rl_order.held);
			g->rl_order.held = 0;
		}
		return -EAGAIN;
	}
	g->have_last[k] = true;
	g->last_dts[k] = d;
	*dts_ms = d;
	*cts_ms = (int32_t)(c < 0 ? 0 : c > 60000 ? 60000 : c);  /* B-frames reorder ms, not minutes */
	return 0;
}

/* ---- video ---------------------------------------------------------------- */

static bool
buf_same(const struct buf *b, const uint8_t *p, size_t len)
{
	return b->len == len && (len == 0 || memcmp(b->data, p, len) == 0);
}

/* New parameter sets: build the avcC; restart a running packager. */
static int
set_params(struct av_ingest *g, const uint8_t *sps, size_t sps_len, const uint8_t *pps,
    size_t pps_len)
{
	struct h264_config c;
	bool had = g->have_avcc;

	if (g->have_avcc && buf_same(&g->sps, sps, sps_len) && buf_same(&g->pps, pps, pps_len))
		return 0;
	if (annexb_avcc_record(sps, sps_len, pps, pps_len, &g->avcc) != 0 ||
	    h264_config_parse(g->avcc.data, g->avcc.len, &c) != 0) {
		if (ratelim_ok(&g->rl_bad, clock_mono_ms()))
			log_warnx("malformed H.264 parameter sets: video dropped until valid ones");
		if (!had)
			return 0;
		/* keep the previous, valid record */
		return annexb_avcc_record(g->sps.data, g->sps.len, g->pps.data, g->pps.len,
		    &g->avcc);
	}
	buf_reset(&g->sps);
	buf_reset(&g->pps);
	if (buf_append(&g->sps, sps, sps_len) != 0 || buf_append(&g->pps, pps, pps_len) != 0)
		return -ENOMEM;
	g->h264 = c;
	/* h264.sps/pps point into avcc: still valid, avcc is not touched until the next set */
	g->have_avcc = true;
	LOG_AT(TRACK_LOG(g), 0, "H.264 %dx%d, profile %u level %u", c.width, c.height,
	    c.profile_idc, c.level_idc);
	return had ? mux_restart(g) : 0;
}

static int
on_video(struct av_ingest *g, const AVPacket *pkt, const AVStream *st)
{
	struct annexb_au au;
	struct media_pkt mp;
	int conv, rc;

	buf_reset(&g->vbuf);
	if (annexb_is_annexb(pkt->data, (size_t)pkt->size)) {
		conv = annexb_to_avcc(pkt->data, (size_t)pkt->size, &g->vbuf, &au);
		if (au.sps && au.pps && (rc = set_params(g, au.sps, au.sps_len, au.pps,
		    au.pps_len)) != 0)
			return rc;
		if (conv == -ENODATA)
			return 0;  /* parameter sets only */
		if (conv != 0) {
			if (ratelim_ok(&g->rl_bad, clock_mono_ms()))
				log_warnx("video access unit over %u bytes: dropped",
				    PKT_MAX_BYTES);
			return 0;
		}
	} else {
		/* Already length-prefixed (an avcC in extradata): take it as is. */
		if (!g->have_avcc || g->h264.nal_length_size != 4)
			return 0;
		if (buf_append(&g->vbuf, pkt->data, (size_t)pkt->size) != 0)
			return 0;
		au.has_idr = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
	}
	if (!g->have_avcc)
		return 0;  /* nothing decodable before the first SPS/PPS */
	if (packet_times(g, pkt, st, MEDIA_VIDEO, &mp.dts_ms, &mp.cts_ms) != 0)
		return 0;
	mp.kind = MEDIA_VIDEO;
	mp.is_key = au.has_idr;
	mp.data = g->vbuf.data;
	mp.len = g->vbuf.len;
	return media_in(g, &mp);
}

/* ---- audio ---------------------------------------------------------------- */

static int
set_asc(struct av_ingest *g, const uint8_t *asc, size_t len)
{
	struct aac_config c;
	bool had = g->have_asc;

	if (g->have_asc && buf_same(&g->asc, asc, len))
		return 0;
	if (aac_config_parse(asc, len, &c) != 0 || c.sample_rate == 0) {
		if (ratelim_ok(&g->rl_bad, clock_mono_ms()))
			log_warnx("malformed AAC configuration: audio dropped");
		return had ? 0 : -EPROTO;
	}
	buf_reset(&g->asc);
	if (buf_append(&g->asc, asc, len) != 0)
		return -ENOMEM;
	g->aac = c;
	g->have_asc = true;
	LOG_AT(TRACK_LOG(g), 0, "AAC object type %u, %u Hz, %u channels", c.object_type,
	    c.sample_rate, c.channels);
	return had ? mux_restart(g) : 0;
}

static int
on_audio(struct av_ingest *g, const AVPacket *pkt, const AVStream *st)
{
	struct media_pkt mp;
	const uint8_t *p = pkt->data;
	size_t left = (size_t)pkt->size;
	int64_t dts0;
	int32_t cts;
	int rc;

	if (left == 0)
		return 0;
	if (!adts_is_adts(p, left)) {
		/* Raw AAC (RTP mpeg4-generic, RFC 3640): the config is extradata's. */
		if (!g->audio_raw || !g->have_asc)
			return 0;
		if (packet_times(g, pkt, st, MEDIA_AUDIO, &mp.dts_ms, &mp.cts_ms) != 0)
			return 0;
		mp.kind = MEDIA_AUDIO;
		mp.cts_ms = 0;
		mp.is_key = true;
		mp.data = p;
		mp.len = left;
		return media_in(g, &mp);
	}
	if (packet_times(g, pkt, st, MEDIA_AUDIO, &dts0, &cts) != 0)
		return 0;
	/* A PES payload may hold several ADTS frames: 1024 samples each. */
	for (unsigned i = 0; left > 0; i++) {
		struct adts_hdr h;
		uint8_t asc[2];

		if ((rc = adts_parse(p, left, &h)) != 0) {
			METRIC_ADD(media_skipped, 1);
			if (ratelim_ok(&g->rl_bad, clock_mono_ms()))
				log_info("%s ADTS frame: rest of the packet dropped",
				    rc == -ENOTSUP ? "unsupported (PCE or several blocks)" :
				    "malformed");
			return 0;
		}
		adts_asc(&h, asc);
		if ((rc = set_asc(g, asc, sizeof(asc))) != 0)
			return rc == -EPROTO ? 0 : rc;
		if (h.frame_len > h.header_len) {
			mp.kind = MEDIA_AUDIO;
			mp.dts_ms = dts0 + (int64_t)i * 1024 * 1000 / h.sample_rate;
			mp.cts_ms = 0;
			mp.is_key = true;
			mp.data = p + h.header_len;
			mp.len = h.frame_len - h.header_len;
			if (i > 0)
				g->last_dts[MEDIA_AUDIO] = mp.dts_ms;
			if ((rc = media_in(g, &mp)) != 0)
				return rc;
		}
		p += h.frame_len;
		left -= h.frame_len;
	}
	return 0;
}

/* ---- tracks ------------------------------------------------------------------ */

static int
pick_tracks(struct av_ingest *g, AVFormatContext *ic)
{
	g->vidx = g->aidx = -1;
	for (unsigned i = 0; i < ic->nb_streams; i++) {
		AVStream *st = ic->streams[i];
		const AVCodecParameters *cp = st->codecpar;
		const char *name = avcodec_get_name(cp->codec_id);

		st->discard = AVDISCARD_ALL;
		if (cp->codec_type == AVMEDIA_TYPE_VIDEO && cp->codec_id == AV_CODEC_ID_H264 &&
		    g->vidx < 0) {
			g->vidx = (int)i;
		} else if (cp->codec_type == AVMEDIA_TYPE_AUDIO && cp->codec_id == AV_CODEC_ID_AAC &&
		    g->aidx < 0) {
			g->aidx = (int)i;
		} else if (cp->codec_type == AVMEDIA_TYPE_AUDIO && cp->codec_id == AV_CODEC_ID_OPUS) {
			log_warnx("track %u: Opus cannot be packaged (HLS here takes AAC): "
			    "audio dropped; send AAC", i);
			continue;
		} else if (cp->codec_type == AVMEDIA_TYPE_VIDEO || cp->codec_type == AVMEDIA_TYPE_AUDIO) {
			log_warnx("track %u: %s is not supported (H.264 and AAC only): dropped", i,
			    name);
			continue;
		} else {
			continue;  /* data, subtitles: not packaged */
		}
		st->discard = AVDISCARD_DEFAULT;
	}
	if (g->vidx < 0 && g->aidx < 0)
		return -ENOTSUP;
	if (g->vidx >= 0) {
		const AVCodecParameters *cp = ic->streams[g->vidx]->codecpar;
		struct annexb_au au;
		int rc;

		if (cp->extradata_size > 0 && cp->extradata[0] == 1) {
			struct h264_config c;
			if (h264_config_parse(cp->extradata, (size_t)cp->extradata_size, &c) == 0 &&
			    (rc = set_params(g, c.sps, c.sps_len, c.pps, c.pps_len)) != 0)
				return rc;
		} else if (cp->extradata_size > 0 &&
		    annexb_find_params(cp->extradata, (size_t)cp->extradata_size, &au) == 0 &&
		    (rc = set_params(g, au.sps, au.sps_len, au.pps, au.pps_len)) != 0) {
			return rc;
		}
	}
	if (g->aidx >= 0) {
		const AVCodecParameters *cp = ic->streams[g->aidx]->codecpar;

		/* Extradata that is an AudioSpecificConfig (not ADTS): raw frames follow. */
		if (cp->extradata_size >= 2 && !adts_is_adts(cp->extradata,
		    (size_t)cp->extradata_size)) {
			int rc = set_asc(g, cp->extradata, (size_t)cp->extradata_size);
			if (rc == 0)
				g->audio_raw = true;
			else if (rc != -EPROTO)
				return rc;
		}
	}
	LOG_AT(TRACK_LOG(g), 0, "input %s: video %s, audio %s",
	    ic->iformat ? ic->iformat->name : "?", g->vidx >= 0 ? "H.264" : "none",
	    g->aidx >= 0 ? "AAC" : "none");
	return 0;
}

/* ---- public ------------------------------------------------------------------ */

/* stream_publish for g. 0 or -EBUSY / -ENOMEM (logged). */
static int
publish(struct av_ingest *g)
{
	/* max_publishers counts every protocol's publishers, as RTMP checks it.
	 * Publishers of several threads may pass this at once: at worst the
	 * limit is exceeded by the number of SRT/RTP publishers starting together. */
	if ((long long)atomic_load(&metrics.publishers) >= g->cfg->max_publishers) {
		log_warnx("publish refused: max_publishers (%lld) reached (stream %s)",
		    g->cfg->max_publishers, g->sp.name);
		return -EBUSY;
	}
	g->stream = stream_publish(&g->sp);
	if (g->stream == NULL) {
		int busy = errno == EBUSY;
		log_info("publish refused: %s (key %lld)", busy ? "stream is already live" :
		    "out of memory", (long long)g->key.id);
		return busy ? -EBUSY : -ENOMEM;
	}
	METRIC_ADD(publishers, 1);
	METRIC_ADD(publishes_total, 1);
	g->ctl->idle_ms = g->cfg->publisher_idle_ms;  /* a listener may have waited longer */
	log_info("publish started over %s: customer %s, key %lld (...%s)", g->proto,
	    g->sp.customer, (long long)g->key.id, g->key.hint);
	if (g->lazy)
		log_info("tracks: %s%s%s%s", g->vidx >= 0 ? "H.264" : "",
		    g->vidx >= 0 && g->aidx >= 0 ? " + " : "", g->aidx >= 0 ? "AAC" : "",
		    g->have_avcc ? "" : " (parameter sets not seen yet)");
	atomic_store(&g->ctl->last_rx_ms, clock_mono_ms());
	return 0;
}

static void
ingest_free(struct av_ingest *g)
{
	pending_clear(g);
	free(g->pending);
	buf_fini(&g->sps);
	buf_fini(&g->pps);
	buf_fini(&g->avcc);
	buf_fini(&g->asc);
	buf_fini(&g->vbuf);
	g->magic = 0;
	free(g);
}

struct av_ingest *
av_ingest_claim(const struct av_ingest_params *p, int *err)
{
	struct av_ingest *g = xcalloc(1, sizeof(*g));

	*err = 0;
	if (g == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	g->magic = AV_INGEST_MAGIC;
	g->cfg = p->cfg;
	g->ctl = p->ctl;
	g->key = *p->key;
	g->vidx = g->aidx = -1;
	snprintf(g->proto, sizeof(g->proto), "%s", p->proto);
	g->lazy = p->claim_on_media;
	buf_init(&g->sps, ANNEXB_PARAM_MAX);
	buf_init(&g->pps, ANNEXB_PARAM_MAX);
	buf_init(&g->avcc, 3 * ANNEXB_PARAM_MAX);
	buf_init(&g->asc, 64);
	buf_init(&g->vbuf, PKT_MAX_BYTES);
	stream_params_init(&g->sp, p->cfg, &g->key, p->peer);
	snprintf(g->ctx, sizeof(g->ctx), "%s %s %s", p->proto, p->peer, g->sp.name);
	log_ctx_set("%s", g->ctx);
	if (!p->claim_on_media && (*err = publish(g)) != 0) {
		ingest_free(g);
		return NULL;
	}
	g->ctl->ing = g;
	return g;
}

int
av_ingest_open(AVFormatContext **icp, const char *url, const AVInputFormat *fmt,
    AVIOContext *pb, AVDictionary **opts, struct av_ingest_ctl *ctl)
{
	AVFormatContext *ic = avformat_alloc_context();
	int rc;

	*icp = NULL;
	if (ic == NULL)
		return AVERROR(ENOMEM);
	ic->interrupt_callback.callback = av_ingest_interrupt_cb;
	ic->interrupt_callback.opaque = ctl;
	ic->probesize = PROBE_BYTES;
	ic->max_analyze_duration = PROBE_US;
	ic->fps_probe_size = 0;
	if (pb) {
		ic->pb = pb;
		ic->flags |= AVFMT_FLAG_CUSTOM_IO;
	}
	rc = avformat_open_input(&ic, url ? url : "", fmt, opts);  /* frees ic on failure */
	if (rc < 0) {
		/* Stopped or idle: the caller says why; else the input is at fault. */
		LOG_AT(ctl->why ? LOG_LVL_DEBUG : LOG_LVL_INFO, 0, "cannot open the input: %s",
		    av_err2str(rc));
		return rc;
	}
	rc = avformat_find_stream_info(ic, NULL);
	if (rc < 0) {
		LOG_AT(ctl->why ? LOG_LVL_DEBUG : LOG_LVL_INFO, 0,
		    "cannot read the input's streams: %s", av_err2str(rc));
		avformat_close_input(&ic);
		return rc;
	}
	*icp = ic;
	return 0;
}

int
av_ingest_run(struct av_ingest *g, AVFormatContext *ic)
{
	AVPacket *pkt = av_packet_alloc();
	int rc;

	log_ctx_set("%s", g->ctx);
	if (pkt == NULL)
		return -ENOMEM;
	if ((rc = pick_tracks(g, ic)) != 0) {
		if (rc == -ENOTSUP)
			log_warnx("no H.264 or AAC track in the input: nothing to publish");
		goto out;
	}
	for (;;) {
		AVStream *st;

		rc = av_read_frame(ic, pkt);
		if (rc == AVERROR(EAGAIN)) {
			if (av_ingest_interrupt_cb(g->ctl)) {
				rc = AVERROR_EXIT;
			} else {
				av_usleep(10000);
				continue;
			}
		}
		if (rc < 0)
			break;
		st = ic->streams[pkt->stream_index];
		if (pkt->stream_index == g->vidx || pkt->stream_index == g->aidx) {
			/* claim_on_media: the stream is claimed by its first packet */
			if (g->stream == NULL && (rc = publish(g)) != 0) {
				av_packet_unref(pkt);
				break;
			}
			atomic_store(&g->ctl->last_rx_ms, clock_mono_ms());
			stream_add_bytes_in(g->stream, (uint64_t)pkt->size);
			METRIC_ADD(bytes_in, (uint64_t)pkt->size);
			rc = pkt->stream_index == g->vidx ? on_video(g, pkt, st) :
			    on_audio(g, pkt, st);
		}
		av_packet_unref(pkt);
		if (rc != 0)
			break;
	}
	/* Why it ended: the ctl knows better than rc, which custom I/O may
	 * have turned into a plain end of file. */
	av_ingest_interrupt_cb(g->ctl);  /* a stop or revoke that came with the end */
	if (g->stream == NULL && rc != -EBUSY && rc != -ENOMEM) {
		/* claim_on_media and no media: nobody published; the caller listens again */
		log_debug("no media (%s)", rc ? av_err2str(rc) : "stopped");
		rc = -ENODATA;
		goto out;
	}
	switch (g->ctl->why) {
	case AV_INGEST_WHY_KICKED:
		log_info("stream key revoked: dropping the publisher");
		rc = 0;
		break;
	case AV_INGEST_WHY_STOP:
		log_info("stopping the publisher");
		rc = 0;
		break;
	case AV_INGEST_WHY_IDLE:
		log_info("publisher sent no media for %lld ms: dropping it",
		    (long long)g->ctl->idle_ms);
		rc = 0;
		break;
	default:
		if (rc == AVERROR_EOF || rc == AVERROR_EXIT) {
			log_info("the publisher ended the stream");
			rc = 0;
		} else if (rc != 0) {
			log_info("input ended: %s", av_err2str(rc));
		}
		break;
	}
out:
	av_packet_free(&pkt);
	return rc;
}

void
av_ingest_end(struct av_ingest *g)
{
	if (g == NULL)
		return;
	if (g->magic != AV_INGEST_MAGIC) {
		log_errx("av_ingest_end: not an ingest (magic %08x)", g->magic);
		abort();  /* a use after free: stop before corrupting the registry */
	}
	log_ctx_set("%s", g->ctx);
	g->ctl->ing = NULL;
	if (g->stream) {
		if (mux_stop(g) != 0)
			log_warnx("the last segment could not be written");
		pending_clear(g);
		/* A revoked key cannot come back; anything else may (republish_grace). */
		stream_unpublish(g->stream, g->ctl->why == AV_INGEST_WHY_KICKED ||
		    stream_is_kicked(g->stream));
		g->stream = NULL;
		METRIC_SUB(publishers, 1);
		log_info("publish ended");
	}
	if (g->mux)
		seg_mux_free(g->mux);
	ingest_free(g);
}
