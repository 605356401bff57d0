/*
 * test_seg_mux: the HLS packager against real media. main() has ffmpeg
 * write a 10 s FLV (testsrc 320x240 25 fps, x264 with a keyframe every 2 s
 * and B-frames, sine AAC) into a temp dir; each case demuxes it with
 * libavformat into struct media_pkt (AVCC, ms timestamps, extradata from
 * codecpar) as the RTMP session would, feeds seg_mux, and parses what comes
 * out with libavformat from memory (and once with the ffprobe tool): both
 * streams, PAT first, SPS/PPS/IDR in Annex B, ADTS audio, a decodable first
 * frame in every segment, durations, contiguity, discontinuities.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>

#include "check.h"
#include "seg_mux.h"

#define TARGET_MS 2000
#define GOP_MS    2000

static char tmpdir[256];
static char flv_path[300];

/* ---- input ------------------------------------------------------------- */

struct in_pkt {
	enum media_kind kind;
	int64_t dts, cts;
	bool key;
	uint8_t *data;
	size_t len;
};

struct input {
	struct in_pkt *v;
	size_t n;
	uint8_t avcc[512], asc[64];
	size_t avcc_len, asc_len;
	int width, height, sample_rate, channels;
	int64_t duration_ms;
	size_t n_video, n_audio, n_keys;
};

static int
load_input(struct input *in)
{
	AVFormatContext *ic = NULL;
	AVPacket *pkt = av_packet_alloc();
	AVStream *st;
	AVCodecParameters *par;
	struct in_pkt *ip;
	unsigned i;
	int rc, kind_of[8];

	memset(in, 0, sizeof(*in));
	if (pkt == NULL || avformat_open_input(&ic, flv_path, NULL, NULL) < 0 ||
	    avformat_find_stream_info(ic, NULL) < 0) {
		fprintf(stderr, "  cannot open %s\n", flv_path);
		return -1;
	}
	for (i = 0; i < ic->nb_streams && i < 8; i++) {
		par = ic->streams[i]->codecpar;
		kind_of[i] = -1;
		if (par->codec_id == AV_CODEC_ID_H264 &&
		    (size_t)par->extradata_size <= sizeof(in->avcc)) {
			kind_of[i] = MEDIA_VIDEO;
			memcpy(in->avcc, par->extradata, par->extradata_size);
			in->avcc_len = par->extradata_size;
			in->width = par->width;
			in->height = par->height;
		} else if (par->codec_id == AV_CODEC_ID_AAC &&
		    (size_t)par->extradata_size <= sizeof(in->asc)) {
			kind_of[i] = MEDIA_AUDIO;
			memcpy(in->asc, par->extradata, par->extradata_size);
			in->asc_len = par->extradata_size;
			in->sample_rate = par->sample_rate;
			in->channels = par->ch_layout.nb_channels;
		}
	}
	in->duration_ms = ic->duration / 1000;
	while ((rc = av_read_frame(ic, pkt)) >= 0) {
		if ((unsigned)pkt->stream_index >= ic->nb_streams ||
		    pkt->stream_index >= 8 || kind_of[pkt->stream_index] < 0) {
			av_packet_unref(pkt);
			continue;
		}
		st = ic->streams[pkt->stream_index];
		in->v = realloc(in->v, (in->n + 1) * sizeof(*in->v));
		ip = &in->v[in->n++];
		ip->kind = kind_of[pkt->stream_index];
		ip->dts = av_rescale_q(pkt->dts, st->time_base, (AVRational){ 1, 1000 });
		ip->cts = av_rescale_q(pkt->pts, st->time_base, (AVRational){ 1, 1000 }) -
		    ip->dts;
		ip->key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
		ip->data = malloc(pkt->size);
		memcpy(ip->data, pkt->data, pkt->size);
		ip->len = pkt->size;
		if (ip->kind == MEDIA_VIDEO)
			in->n_video++;
		else
			in->n_audio++;
		if (ip->kind == MEDIA_VIDEO && ip->key)
			in->n_keys++;
		av_packet_unref(pkt);
	}
	av_packet_free(&pkt);
	avformat_close_input(&ic);
	if (in->avcc_len == 0 || in->asc_len == 0 || in->n_video < 200) {
		fprintf(stderr, "  input lacks streams or packets\n");
		return -1;
	}
	return 0;
}

/* ---- output collection ------------------------------------------------- */

struct segs {
	struct seg_out v[64];
	size_t n;
	struct seg_mux *m;
	int init_rc_at_first;  /* seg_mux_init_segment() inside the first callback */
};

static int
collect(void *arg, struct seg_out *so)
{
	struct segs *s = arg;
	const uint8_t *d;
	size_t l;

	if (s->n == 0)
		s->init_rc_at_first = seg_mux_init_segment(s->m, &d, &l);
	if (s->n >= 64) {
		free(so->data);
		return -ENOSPC;
	}
	s->v[s->n++] = *so;
	return 0;
}

static void
params_for(const struct input *in, struct seg_mux_params *p, enum seg_format f,
    bool video, bool audio)
{
	memset(p, 0, sizeof(*p));
	p->format = f;
	p->target_ms = TARGET_MS;
	p->max_gap_ms = 5000;
	p->seg_max_bytes = 4 << 20;
	p->has_video = video;
	p->avcc = in->avcc;
	p->avcc_len = in->avcc_len;
	p->width = in->width;
	p->height = in->height;
	p->has_audio = audio;
	p->asc = in->asc;
	p->asc_len = in->asc_len;
	p->sample_rate = in->sample_rate;
	p->channels = in->channels;
}

/* Feed every packet of the kinds the params carry, dts shifted by shift_ms
 * from shift_at on; count what was fed. */
struct feed {
	int64_t shift_at, shift_ms;
	int64_t skip_before;      /* drop input packets with dts < this */
	bool clear_keys_after0;   /* mark only the first keyframe as key */
	bool audio_before_key;    /* send the first audio packet with a later
	                             dts ahead of each keyframe */
	bool neg_cts;             /* video with pts > dts gets cts -40 instead */
	int64_t base_ms;          /* added to every dts (e.g. near 2^32) */
	size_t fed_video, fed_audio;
};

/* SEG_MUX_DUMP=dir writes the segments out, to look at with ffprobe. */
static void
dump_segs(const struct segs *s, enum seg_format fmt)
{
	const char *dir = getenv("SEG_MUX_DUMP");
	const uint8_t *init;
	size_t i, len;
	char path[512];
	FILE *fp;

	if (dir == NULL)
		return;
	if (fmt == SEG_FMT_FMP4 && seg_mux_init_segment(s->m, &init, &len) == 0) {
		snprintf(path, sizeof(path), "%s/init.mp4", dir);
		if ((fp = fopen(path, "wb")) != NULL) {
			fwrite(init, 1, len, fp);
			fclose(fp);
		}
	}
	for (i = 0; i < s->n; i++) {
		snprintf(path, sizeof(path), "%s/seg%zu.%s", dir, i,
		    fmt == SEG_FMT_TS ? "ts" : "m4s");
		if ((fp = fopen(path, "wb")) != NULL) {
			fwrite(s->v[i].data, 1, s->v[i].len, fp);
			fclose(fp);
		}
		fprintf(stderr, "  seg%zu start %lld dur %lld len %zu%s\n", i,
		    (long long)s->v[i].start_ms, (long long)s->v[i].dur_ms,
		    s->v[i].len, s->v[i].discontinuity ? " disc" : "");
	}
}

static int
run_mux(const struct input *in, const struct seg_mux_params *p, struct feed *f,
    struct segs *s)
{
	struct media_pkt mp;
	size_t i, j, order_n = 0, *order = calloc(in->n, sizeof(*order));
	bool *used = calloc(in->n, sizeof(*used));
	int rc, n_keys = 0;

	/* the order of delivery */
	for (i = 0; i < in->n; i++) {
		if (f != NULL && f->audio_before_key && in->v[i].kind == MEDIA_VIDEO &&
		    in->v[i].key && i > 0) {
			for (j = i + 1; j < in->n && j < i + 8; j++)
				if (in->v[j].kind == MEDIA_AUDIO && !used[j] &&
				    in->v[j].dts > in->v[i].dts) {
					order[order_n++] = j;
					used[j] = true;
					break;
				}
		}
		if (!used[i]) {
			order[order_n++] = i;
			used[i] = true;
		}
	}
	free(used);

	memset(s, 0, sizeof(*s));
	s->m = seg_mux_new(p, collect, s);
	if (s->m == NULL) {
		fprintf(stderr, "  seg_mux_new failed\n");
		return -1;
	}
	for (j = 0; j < order_n; j++) {
		const struct in_pkt *ip = &in->v[order[j]];

		i = order[j];
		if ((ip->kind == MEDIA_VIDEO && !p->has_video) ||
		    (ip->kind == MEDIA_AUDIO && !p->has_audio))
			continue;
		if (f != NULL && ip->dts < f->skip_before)
			continue;
		memset(&mp, 0, sizeof(mp));
		mp.kind = ip->kind;
		mp.dts_ms = ip->dts + (f != NULL ? f->base_ms : 0);
		mp.cts_ms = (int32_t)ip->cts;
		if (f != NULL && f->neg_cts && ip->kind == MEDIA_VIDEO && ip->cts > 0)
			mp.cts_ms = -40;
		mp.is_key = ip->key;
		if (ip->kind == MEDIA_VIDEO && ip->key && n_keys++ > 0 && f != NULL &&
		    f->clear_keys_after0)
			mp.is_key = false;
		mp.data = ip->data;
		mp.len = ip->len;
		if (f != NULL && ip->dts >= f->shift_at)
			mp.dts_ms += f->shift_ms;
		if (f != NULL) {
			if (ip->kind == MEDIA_VIDEO)
				f->fed_video++;
			else
				f->fed_audio++;
		}
		if ((rc = seg_mux_write(s->m, &mp)) != 0) {
			fprintf(stderr, "  seg_mux_write(packet %zu): %d\n", i, rc);
			free(order);
			return -1;
		}
	}
	free(order);
	if ((rc = seg_mux_finish(s->m)) != 0) {
		fprintf(stderr, "  seg_mux_finish: %d\n", rc);
		return -1;
	}
	dump_segs(s, p->format);
	return 0;
}

static void
free_segs(struct segs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].data);
	seg_mux_free(s->m);
	s->m = NULL;
	s->n = 0;
}

/* ---- parsing output from memory ---------------------------------------- */

struct mem {
	const uint8_t *p;
	size_t len, pos;
};

static int
mem_read(void *opaque, uint8_t *buf, int n)
{
	struct mem *m = opaque;
	size_t left = m->len - m->pos;

	if (left == 0)
		return AVERROR_EOF;
	if ((size_t)n > left)
		n = (int)left;
	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return n;
}

static int64_t
mem_seek(void *opaque, int64_t off, int whence)
{
	struct mem *m = opaque;

	whence &= ~AVSEEK_FORCE;
	if (whence == AVSEEK_SIZE)
		return (int64_t)m->len;
	if (whence == SEEK_CUR)
		off += (int64_t)m->pos;
	else if (whence == SEEK_END)
		off += (int64_t)m->len;
	if (off < 0 || (size_t)off > m->len)
		return AVERROR(EINVAL);
	m->pos = (size_t)off;
	return off;
}

struct probe {
	int n_streams, n_video_streams, n_audio_streams;
	size_t n_video, n_audio;
	bool first_video_key;
	bool annexb, has_sps, has_pps, has_idr;  /* in the first video packet */
	bool adts;                               /* first audio packet */
	bool decoded;                            /* first video frame decoded */
	int dec_w, dec_h;
};

static void
scan_annexb(const uint8_t *d, size_t n, struct probe *pr)
{
	size_t i;

	pr->annexb = n >= 4 && ((d[0] == 0 && d[1] == 0 && d[2] == 1) ||
	    (d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 1));
	for (i = 0; i + 3 < n; i++) {
		if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1) {
			switch (d[i + 3] & 0x1f) {
			case 5: pr->has_idr = true; break;
			case 7: pr->has_sps = true; break;
			case 8: pr->has_pps = true; break;
			}
		}
	}
}

/* Open bytes with libavformat, count packets, decode the first video frame
 * (TS: with no extradata, so SPS/PPS must be in band). */
static int
probe_mem(const uint8_t *data, size_t len, const char *fmt, struct probe *pr)
{
	struct mem m = { data, len, 0 };
	AVFormatContext *ic = avformat_alloc_context();
	AVIOContext *pb = NULL;
	AVCodecContext *dec = NULL;
	AVPacket *pkt = av_packet_alloc();
	AVFrame *fr = av_frame_alloc();
	uint8_t *iob = av_malloc(4096);
	int rc = -1, vidx = -1, aidx = -1;
	unsigned i;
	bool seen_video = false, seen_audio = false;

	memset(pr, 0, sizeof(*pr));
	pb = avio_alloc_context(iob, 4096, 0, &m, mem_read, NULL, mem_seek);
	ic->pb = pb;
	if (avformat_open_input(&ic, NULL, av_find_input_format(fmt), NULL) < 0) {
		fprintf(stderr, "  %s: cannot open segment\n", fmt);
		ic = NULL;
		goto out;
	}
	if (avformat_find_stream_info(ic, NULL) < 0)
		goto out;
	pr->n_streams = (int)ic->nb_streams;
	for (i = 0; i < ic->nb_streams; i++) {
		enum AVMediaType t = ic->streams[i]->codecpar->codec_type;
		if (t == AVMEDIA_TYPE_VIDEO) {
			pr->n_video_streams++;
			vidx = (int)i;
		} else if (t == AVMEDIA_TYPE_AUDIO) {
			pr->n_audio_streams++;
			aidx = (int)i;
		}
	}
	if (vidx >= 0) {
		const AVCodec *c = avcodec_find_decoder(AV_CODEC_ID_H264);
		dec = avcodec_alloc_context3(c);
		if (strcmp(fmt, "mp4") == 0)
			avcodec_parameters_to_context(dec, ic->streams[vidx]->codecpar);
		if (avcodec_open2(dec, c, NULL) < 0)
			goto out;
	}
	while (av_read_frame(ic, pkt) >= 0) {
		if (pkt->stream_index == vidx) {
			pr->n_video++;
			if (!seen_video) {
				seen_video = true;
				pr->first_video_key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
				scan_annexb(pkt->data, pkt->size, pr);
			}
			if (!pr->decoded && avcodec_send_packet(dec, pkt) >= 0 &&
			    avcodec_receive_frame(dec, fr) >= 0) {
				pr->decoded = true;
				pr->dec_w = fr->width;
				pr->dec_h = fr->height;
			}
		} else if (pkt->stream_index == aidx) {
			pr->n_audio++;
			if (!seen_audio) {
				seen_audio = true;
				pr->adts = pkt->size > 7 && pkt->data[0] == 0xff &&
				    (pkt->data[1] & 0xf0) == 0xf0;
			}
		}
		av_packet_unref(pkt);
	}
	if (dec != NULL && !pr->decoded) {
		avcodec_send_packet(dec, NULL);
		if (avcodec_receive_frame(dec, fr) >= 0) {
			pr->decoded = true;
			pr->dec_w = fr->width;
			pr->dec_h = fr->height;
		}
	}
	rc = 0;
out:
	avcodec_free_context(&dec);
	av_frame_free(&fr);
	av_packet_free(&pkt);
	avformat_close_input(&ic);
	if (pb != NULL) {
		av_freep(&pb->buffer);
		avio_context_free(&pb);
	}
	return rc;
}

/* init + segment, as a player appends them to its SourceBuffer */
static int
probe_fmp4(struct segs *s, size_t i, struct probe *pr)
{
	const uint8_t *init;
	size_t init_len;
	uint8_t *cat;
	int rc;

	if (seg_mux_init_segment(s->m, &init, &init_len) != 0)
		return -1;
	cat = malloc(init_len + s->v[i].len);
	memcpy(cat, init, init_len);
	memcpy(cat + init_len, s->v[i].data, s->v[i].len);
	rc = probe_mem(cat, init_len + s->v[i].len, "mp4", pr);
	free(cat);
	return rc;
}

static struct input in;

/* TS packets that start a PES or a section (ISO/IEC 13818-1 2.4.3.2) */
static size_t
count_pusi(const uint8_t *d, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i + 188 <= len; i += 188)
		if (d[i + 1] & 0x40)
			n++;
	return n;
}

/* Checks shared by the TS and fMP4 A/V cases. */
static int
check_av_timeline(const struct segs *s)
{
	int64_t sum = 0;
	size_t i;

	CHECK(s->n >= 4);
	CHECK_INT(s->n, in.n_keys);  /* one segment per 2 s GOP */
	for (i = 0; i < s->n; i++) {
		if (i + 1 < s->n) {
			CHECK(s->v[i].dur_ms >= TARGET_MS - 100);
			CHECK(s->v[i].dur_ms <= TARGET_MS + 100);
			/* contiguous: the next starts where this one ends */
			CHECK_INT(s->v[i + 1].start_ms, s->v[i].start_ms + s->v[i].dur_ms);
		}
		CHECK(s->v[i].dur_ms > 0);
		CHECK(s->v[i].starts_with_key);
		CHECK(!s->v[i].discontinuity);
		CHECK(s->v[i].n_packets > 0);
		sum += s->v[i].dur_ms;
	}
	if (sum < in.duration_ms - 100 || sum > in.duration_ms + 100) {
		fprintf(stderr, "  sum of durations %lld ms, input %lld ms\n",
		    (long long)sum, (long long)in.duration_ms);
		return 1;
	}
	return 0;
}

/* ---- cases ------------------------------------------------------------- */

static int
t_ts_av(void)
{
	struct seg_mux_params p;
	struct feed f = { .shift_at = INT64_MAX };
	struct segs s;
	struct probe pr;
	uint8_t *all = NULL;
	size_t i, all_len = 0, nv = 0, na = 0;

	params_for(&in, &p, SEG_FMT_TS, true, true);
	CHECK_INT(run_mux(&in, &p, &f, &s), 0);
	if (check_av_timeline(&s))
		return 1;
	CHECK_INT(seg_mux_dropped(s.m), 0);
	CHECK_INT(s.init_rc_at_first, -ENOENT);
	for (i = 0; i < s.n; i++) {
		const uint8_t *d = s.v[i].data;

		CHECK_INT(s.v[i].len % 188, 0);
		/* RFC 8216 3.2: each segment starts with PAT (sync, PID 0) */
		CHECK_INT(d[0], 0x47);
		CHECK_INT((d[1] & 0x1f) << 8 | d[2], 0);
		CHECK_INT(probe_mem(d, s.v[i].len, "mpegts", &pr), 0);
		CHECK_INT(pr.n_video_streams, 1);
		CHECK_INT(pr.n_audio_streams, 1);
		CHECK(pr.first_video_key);
		CHECK(pr.annexb);
		CHECK(pr.has_sps && pr.has_pps && pr.has_idr);
		CHECK(pr.adts);
		CHECK(pr.decoded);
		CHECK_INT(pr.dec_w, in.width);
		CHECK_INT(pr.dec_h, in.height);
		nv += pr.n_video;
		na += pr.n_audio;
		/* AAC frames share PES packets (max_delay), not one PES each */
		CHECK(count_pusi(d, s.v[i].len) < pr.n_video + pr.n_audio / 2);
		all = realloc(all, all_len + s.v[i].len);
		memcpy(all + all_len, d, s.v[i].len);
		all_len += s.v[i].len;
	}
	/* no packet lost or duplicated at the cuts */
	CHECK_INT(nv, f.fed_video);
	CHECK_INT(pr.n_video > 0, 1);
	CHECK_INT(probe_mem(all, all_len, "mpegts", &pr), 0);
	CHECK_INT(pr.n_video, f.fed_video);
	CHECK(na >= f.fed_audio - 2 && na <= f.fed_audio);
	free(all);
	free_segs(&s);
	return 0;
}

static int
t_fmp4_av(void)
{
	struct seg_mux_params p;
	struct feed f = { .shift_at = INT64_MAX };
	struct segs s;
	struct probe pr;
	const uint8_t *init;
	size_t i, init_len, nv = 0;

	params_for(&in, &p, SEG_FMT_FMP4, true, true);
	CHECK_INT(run_mux(&in, &p, &f, &s), 0);
	if (check_av_timeline(&s))
		return 1;
	/* delay_moov: the init exists once the first segment is handed over */
	CHECK_INT(s.init_rc_at_first, 0);
	CHECK_INT(seg_mux_init_segment(s.m, &init, &init_len), 0);
	CHECK(init_len > 16);
	CHECK_MEM(init + 4, "ftyp", 4);
	CHECK(memmem(init, init_len, "moov", 4) != NULL);
	CHECK(memmem(init, init_len, "moof", 4) == NULL);
	for (i = 0; i < s.n; i++) {
		const uint8_t *d = s.v[i].data;

		CHECK(s.v[i].len > 8);
		CHECK_MEM(d + 4, "moof", 4);  /* one fragment, no sidx */
		CHECK(memmem(d, s.v[i].len, "moov", 4) == NULL);
		CHECK(memmem(d, s.v[i].len, "mdat", 4) != NULL);
		CHECK_INT(probe_fmp4(&s, i, &pr), 0);
		CHECK_INT(pr.n_video_streams, 1);
		CHECK_INT(pr.n_audio_streams, 1);
		CHECK(pr.first_video_key);
		CHECK(pr.n_audio > 0);
		CHECK(pr.decoded);
		CHECK_INT(pr.dec_w, in.width);
		nv += pr.n_video;
	}
	CHECK_INT(nv, f.fed_video);
	free_segs(&s);
	return 0;
}

static int
jump_case(enum seg_format fmt, int64_t shift_ms)
{
	struct seg_mux_params p;
	/* 5000 ms is mid-GOP: the muxer must cut, then wait for the next IDR */
	struct feed f = { .shift_at = 5000, .shift_ms = shift_ms };
	struct segs s;
	struct probe pr;
	size_t i, n_disc = 0;

	params_for(&in, &p, fmt, true, true);
	CHECK_INT(run_mux(&in, &p, &f, &s), 0);
	CHECK(s.n >= 4);
	CHECK(seg_mux_dropped(s.m) > 0);  /* video up to the 6000 ms IDR */
	for (i = 0; i < s.n; i++) {
		if (s.v[i].discontinuity) {
			n_disc++;
			CHECK(i > 0);
			CHECK(s.v[i].starts_with_key);
			/* the segment before the jump ends at it */
			CHECK(s.v[i - 1].start_ms < 5000);
		}
		if (i > 0) /* the output timeline stays monotonic */
			CHECK(s.v[i].start_ms >= s.v[i - 1].start_ms + s.v[i - 1].dur_ms);
		if (i + 1 < s.n) {
			CHECK(s.v[i].dur_ms > 0);
			CHECK(s.v[i].dur_ms <= TARGET_MS + 100);
		}
		if (fmt == SEG_FMT_TS)
			CHECK_INT(probe_mem(s.v[i].data, s.v[i].len, "mpegts", &pr), 0);
		else
			CHECK_INT(probe_fmp4(&s, i, &pr), 0);
		CHECK(pr.decoded);
	}
	CHECK_INT(n_disc, 1);
	free_segs(&s);
	return 0;
}

static int t_ts_jump_forward(void) { return jump_case(SEG_FMT_TS, 60000); }
/* backwards by more than two frames: a new timeline too */
static int t_ts_jump_back_small(void) { return jump_case(SEG_FMT_TS, -1000); }
static int t_fmp4_jump_backward(void) { return jump_case(SEG_FMT_FMP4, -60000); }

/*
 * Past 2^32 ms (where RTMP's 32-bit clock wraps; the session unwraps it):
 * dts from 2^32 - 5000 ms on, so the stream crosses 2^32 at 5 s. Nothing
 * changes: the same segments, contiguous, no discontinuity, decodable.
 */
static int
wrap_case(enum seg_format fmt)
{
	struct seg_mux_params p;
	struct feed f = { .shift_at = INT64_MAX,
		.base_ms = (INT64_C(1) << 32) - 5000 };
	struct segs s;
	struct probe pr;
	size_t i;

	params_for(&in, &p, fmt, true, true);
	CHECK_INT(run_mux(&in, &p, &f, &s), 0);
	if (check_av_timeline(&s))
		return 1;
	CHECK(s.v[0].start_ms >= (INT64_C(1) << 32) - 5000);
	CHECK(s.v[s.n - 1].start_ms > (INT64_C(1) << 32));
	for (i = 0; i < s.n; i++) {
		if (fmt == SEG_FMT_TS)
			CHECK_INT(probe_mem(s.v[i].data, s.v[i].len, "mpegts", &pr), 0);
		else
			CHECK_INT(probe_fmp4(&s, i, &pr), 0);
		CHECK(pr.decoded);
	}
	free_segs(&s);
	return 0;
}

static int t_ts_wrap(void) { return wrap_case(SEG_FMT_TS); }
static int t_fmp4_wrap(void) { return wrap_case(SEG_FMT_FMP4); }

/*
 * A step back of 60 ms at 5 s (within the 100 ms of misordering): no
 * discontinuity and no cut; video frames are moved up (kept), late audio
 * frames are dropped, both counted; every segment still decodes.
 */
static int
step_back_case(enum seg_format fmt)
{
	struct seg_mux_params p;
	struct feed f = { .shift_at = 5000, .shift_ms = -60 };
	struct seg_mux_stats st;
	struct segs s;
	struct probe pr;
	size_t i, nv = 0;

	params_for(&in, &p, fmt, true, true);
	CHECK_INT(run_mux(&in, &p, &f, &s), 0);
	seg_mux_get_stats(s.m, &st);
	CHECK(st.dts_fixed >= 1 && st.dts_fixed <= 2);
	CHECK(st.audio_late >= 1 && st.audio_late <= 4);
	CHECK_INT(st.dropped, st.audio_late);
	/* the 6 s keyframe now comes 1940 ms into its segment: no cut there */
	CHECK_INT(s.n, in.n_keys - 1);
	for (i = 0; i < s.n; i++) {
		CHECK(!s.v[i].discontinuity);
		CHECK(s.v[i].starts_with_key);
		if (fmt == SEG_FMT_TS)
			CHECK_INT(probe_mem(s.v[i].data, s.v[i].len, "mpegts", &pr), 0);
		else
			CHECK_INT(probe_fmp4(&s, i, &pr), 0);
		CHECK(pr.decoded);
		nv += pr.n_video;
	}
	CHECK_INT(nv, f.fed_video);  /* no video frame lost */
	free_segs(&s);
	return 0;
}

static int t_ts_step_back(void) { return step_back_case(SEG_FMT_TS); }
static int t_fmp4_step_back(void) { return step_back_case(SEG_FMT_FMP4); }

/*
 * A forward gap of 3 s: below max_gap_ms (5 s) it is a gap in the media, not
 * a new timeline (no discontinuity); with max_gap_ms at 2 s it is one.
 */
static int
gap_case(int64_t max_gap_ms, size_t want_disc)
{
	struct seg_mux_params p;
	struct feed f = { .shift_at = 5000, .shift_ms = 3000 };
	struct segs s;
	size_t i, n_disc = 0;

	params_for(&in, &p, SEG_FMT_TS, true, true);
	p.max_gap_ms = max_gap_ms;
	CHECK_INT(run_mux(&in, &p, &f, &s), 0);
	for (i = 0; i < s.n; i++)
		n_disc += s.v[i].discontinuity;
	CHECK_INT(n_disc, want_disc);
	free_segs(&s);
	return 0;
}

static int t_gap_below_max(void) { return gap_case(5000, 0); }
static int t_gap_above_max(void) { return gap_case(2000, 1); }

/*
 * Negative composition offsets (pts < dts, which no muxer takes): the frames
 * are muxed with pts = dts and counted; nothing is dropped and every segment
 * decodes.
 */
static int
neg_cts_case(enum seg_format fmt)
{
	struct seg_mux_params p;
	struct feed f = { .shift_at = INT64_MAX, .neg_cts = true };
	struct seg_mux_stats st;
	struct segs s;
	struct probe pr;
	size_t i, nv = 0;

	params_for(&in, &p, fmt, true, true);
	CHECK_INT(run_mux(&in, &p, &f, &s), 0);
	seg_mux_get_stats(s.m, &st);
	CHECK(st.neg_cts > 50);  /* the B-frame input has many */
	CHECK_INT(st.dropped, 0);
	CHECK_INT(s.n, in.n_keys);
	for (i = 0; i < s.n; i++) {
		CHECK(!s.v[i].discontinuity);
		if (fmt == SEG_FMT_TS)
			CHECK_INT(probe_mem(s.v[i].data, s.v[i].len, "mpegts", &pr), 0);
		else
			CHECK_INT(probe_fmp4(&s, i, &pr), 0);
		CHECK(pr.decoded);
		nv += pr.n_video;
	}
	CHECK_INT(nv, f.fed_video);
	free_segs(&s);
	return 0;
}

static int t_ts_neg_cts(void) { return neg_cts_case(SEG_FMT_TS); }
static int t_fmp4_neg_cts(void) { return neg_cts_case(SEG_FMT_FMP4); }

/*
 * Only the first keyframe is marked: with keyframe_timeout_ms at 3 s the
 * packager cuts every 3 s anyway; those segments do not start with a
 * keyframe and say so.
 */
static int
t_keyframe_timeout(void)
{
	struct seg_mux_params p;
	struct feed f = { .shift_at = INT64_MAX, .clear_keys_after0 = true };
	struct segs s;
	size_t i;

	params_for(&in, &p, SEG_FMT_TS, true, true);
	p.keyframe_timeout_ms = 3000;
	CHECK_INT(run_mux(&in, &p, &f, &s), 0);
	CHECK(s.n >= 3);
	CHECK(s.v[0].starts_with_key);
	for (i = 0; i < s.n; i++) {
		if (i + 1 < s.n) {
			CHECK(s.v[i].dur_ms >= 3000 && s.v[i].dur_ms <= 3100);
		}
		if (i > 0)
			CHECK(!s.v[i].starts_with_key);
		CHECK(!s.v[i].discontinuity);
	}
	free_segs(&s);
	return 0;
}
static int t_ts_jump_backward(void) { return jump_case(SEG_FMT_TS, -60000); }
static int t_fmp4_jump_forward(void) { return jump_case(SEG_FMT_FMP4, 60000); }

/*
 * RTMP interleaving: an audio frame stamped after the keyframe can arrive
 * just before it. It stays in the old segment, and durations still run from
 * cut packet to cut packet.
 */
static int
early_audio(enum seg_format fmt)
{
	struct seg_mux_params p;
	struct feed f = { .shift_at = INT64_MAX, .audio_before_key = true };
	struct segs s;
	struct probe pr;
	size_t i, na = 0;

	params_for(&in, &p, fmt, true, true);
	CHECK_INT(run_mux(&in, &p, &f, &s), 0);
	if (check_av_timeline(&s))
		return 1;
	for (i = 0; i < s.n; i++) {
		if (i + 1 < s.n)
			CHECK_INT(s.v[i].dur_ms, GOP_MS);
		if (fmt == SEG_FMT_TS)
			CHECK_INT(probe_mem(s.v[i].data, s.v[i].len, "mpegts", &pr), 0);
		else
			CHECK_INT(probe_fmp4(&s, i, &pr), 0);
		CHECK(pr.decoded);
		na += pr.n_audio;
	}
	CHECK(na >= f.fed_audio - 2 && na <= f.fed_audio);
	free_segs(&s);
	return 0;
}

static int t_ts_early_audio(void) { return early_audio(SEG_FMT_TS); }
static int t_fmp4_early_audio(void) { return early_audio(SEG_FMT_FMP4); }

static int
t_drop_before_key(void)
{
	struct seg_mux_params p;
	/* start at 1000 ms: 25 non-key video frames before the 2000 ms IDR */
	struct feed f = { .shift_at = INT64_MAX, .skip_before = 1000 };
	struct segs s;
	size_t i, want = 0;

	for (i = 0; i < in.n; i++)
		if (in.v[i].dts >= 1000 && in.v[i].dts < 2000)
			want++;  /* audio or video before the first keyframe */
	params_for(&in, &p, SEG_FMT_TS, true, true);
	CHECK_INT(run_mux(&in, &p, &f, &s), 0);
	CHECK_INT(seg_mux_dropped(s.m), want);
	CHECK(s.n > 0);
	CHECK_INT(s.v[0].start_ms, 2000);
	CHECK(s.v[0].starts_with_key);
	free_segs(&s);
	return 0;
}

static int
one_kind(enum seg_format fmt, bool video)
{
	struct seg_mux_params p;
	struct feed f = { .shift_at = INT64_MAX };
	struct segs s;
	struct probe pr;
	size_t i;

	params_for(&in, &p, fmt, video, !video);
	CHECK_INT(run_mux(&in, &p, &f, &s), 0);
	CHECK(s.n >= 4);
	for (i = 0; i < s.n; i++) {
		if (i + 1 < s.n) {
			CHECK(s.v[i].dur_ms >= TARGET_MS);
			CHECK(s.v[i].dur_ms <= TARGET_MS + 100);
			CHECK_INT(s.v[i + 1].start_ms, s.v[i].start_ms + s.v[i].dur_ms);
		}
		CHECK(s.v[i].starts_with_key);
		if (fmt == SEG_FMT_TS) {
			CHECK_INT(s.v[i].data[0], 0x47);
			CHECK_INT((s.v[i].data[1] & 0x1f) << 8 | s.v[i].data[2], 0);
			CHECK_INT(probe_mem(s.v[i].data, s.v[i].len, "mpegts", &pr), 0);
		} else {
			CHECK_INT(probe_fmp4(&s, i, &pr), 0);
		}
		CHECK_INT(pr.n_streams, 1);
		CHECK_INT(pr.n_video_streams, video ? 1 : 0);
		CHECK_INT(pr.n_audio_streams, video ? 0 : 1);
		if (video)
			CHECK(pr.decoded);
		else
			CHECK(pr.n_audio > 0);
	}
	free_segs(&s);
	return 0;
}

static int t_ts_audio_only(void) { return one_kind(SEG_FMT_TS, false); }
static int t_ts_video_only(void) { return one_kind(SEG_FMT_TS, true); }
static int t_fmp4_audio_only(void) { return one_kind(SEG_FMT_FMP4, false); }
static int t_fmp4_video_only(void) { return one_kind(SEG_FMT_FMP4, true); }

/* Over seg_max_bytes: cut at the next keyframe; with no keyframe in sight,
 * anywhere before twice the limit. */
static int
size_case(enum seg_format fmt)
{
	struct seg_mux_params p;
	struct feed f = { .shift_at = INT64_MAX, .clear_keys_after0 = true };
	struct segs s;
	struct probe pr;
	size_t i, total = 0;

	av_log_set_level(AV_LOG_QUIET);  /* mid-GOP starts make h264 complain */
	params_for(&in, &p, fmt, true, true);
	p.target_ms = 60000;
	p.seg_max_bytes = 64 * 1024;
	CHECK_INT(run_mux(&in, &p, &f, &s), 0);
	CHECK(s.n >= 2);
	CHECK(s.v[0].starts_with_key);
	for (i = 0; i < s.n; i++) {
		CHECK(s.v[i].len <= 2 * p.seg_max_bytes);
		if (i > 0)
			CHECK(!s.v[i].starts_with_key);  /* keys were hidden */
		if (i + 1 < s.n)
			CHECK(s.v[i].len > p.seg_max_bytes);
		total += s.v[i].len;
		if (fmt == SEG_FMT_TS)
			CHECK_INT(probe_mem(s.v[i].data, s.v[i].len, "mpegts", &pr), 0);
		else
			CHECK_INT(probe_fmp4(&s, i, &pr), 0);
		CHECK_INT(pr.n_streams, 2);
	}
	CHECK(total > 100 * 1024);
	free_segs(&s);

	/* With keyframes visible it cuts at keyframes once over the limit. */
	f.clear_keys_after0 = false;
	CHECK_INT(run_mux(&in, &p, &f, &s), 0);
	CHECK(s.n >= 2);
	for (i = 0; i < s.n; i++) {
		CHECK(s.v[i].starts_with_key);
		CHECK_INT(s.v[i].start_ms % GOP_MS, 0);
		CHECK(s.v[i].len <= 2 * p.seg_max_bytes);
	}
	free_segs(&s);
	return 0;
}

static int t_ts_size_cut(void) { return size_case(SEG_FMT_TS); }
static int t_fmp4_size_cut(void) { return size_case(SEG_FMT_FMP4); }

static int
t_bad_params(void)
{
	struct seg_mux_params p;
	struct segs s;
	struct media_pkt mp;
	const uint8_t *d;
	size_t l;
	uint8_t big[1];

	memset(&s, 0, sizeof(s));
	params_for(&in, &p, SEG_FMT_TS, true, true);
	p.avcc = NULL;
	CHECK(seg_mux_new(&p, collect, &s) == NULL);
	params_for(&in, &p, SEG_FMT_TS, false, false);
	CHECK(seg_mux_new(&p, collect, &s) == NULL);
	params_for(&in, &p, SEG_FMT_FMP4, true, false);
	p.width = 0;  /* the mp4 muxer needs dimensions */
	CHECK(seg_mux_new(&p, collect, &s) == NULL);
	params_for(&in, &p, SEG_FMT_TS, true, true);
	p.target_ms = 0;
	CHECK(seg_mux_new(&p, collect, &s) == NULL);
	params_for(&in, &p, SEG_FMT_TS, true, true);
	p.seg_max_bytes = 1000;
	CHECK(seg_mux_new(&p, collect, &s) == NULL);
	params_for(&in, &p, SEG_FMT_TS, false, true);
	p.sample_rate = 0;
	CHECK(seg_mux_new(&p, collect, &s) == NULL);
	CHECK(seg_mux_new(NULL, collect, &s) == NULL);
	seg_mux_free(NULL);

	/* a kind the stream lacks */
	params_for(&in, &p, SEG_FMT_TS, false, true);
	s.m = seg_mux_new(&p, collect, &s);
	CHECK(s.m != NULL);
	CHECK_INT(seg_mux_init_segment(s.m, &d, &l), -ENOENT);
	memset(&mp, 0, sizeof(mp));
	mp.kind = MEDIA_VIDEO;
	mp.data = big;
	mp.len = 1;
	CHECK_INT(seg_mux_write(s.m, &mp), -EINVAL);
	mp.kind = (enum media_kind)7;
	CHECK_INT(seg_mux_write(s.m, &mp), -EINVAL);
	/* a packet that can never fit under the ceiling */
	mp.kind = MEDIA_AUDIO;
	mp.len = 2 * p.seg_max_bytes;
	CHECK_INT(seg_mux_write(s.m, &mp), -ENOBUFS);
	mp.len = 1;
	mp.dts_ms = INT64_MAX;  /* no unwrapped RTMP clock gets here */
	CHECK_INT(seg_mux_write(s.m, &mp), -EINVAL);
	mp.dts_ms = 0;
	CHECK_INT(seg_mux_finish(s.m), 0);  /* nothing to emit */
	CHECK_INT(s.n, 0);
	seg_mux_free(s.m);

	/* fMP4 before any segment: init not there yet */
	params_for(&in, &p, SEG_FMT_FMP4, true, true);
	s.m = seg_mux_new(&p, collect, &s);
	CHECK(s.m != NULL);
	CHECK_INT(seg_mux_init_segment(s.m, &d, &l), -EAGAIN);
	seg_mux_free(s.m);
	return 0;
}

/* The callback's error comes back from seg_mux_write and sticks. */
static int
fail_cb(void *arg, struct seg_out *so)
{
	(void)arg;
	free(so->data);
	return -EIO;
}

static int
t_callback_error(void)
{
	struct seg_mux_params p;
	struct seg_mux *m;
	struct media_pkt mp;
	size_t i;
	int rc = 0;

	params_for(&in, &p, SEG_FMT_TS, true, true);
	m = seg_mux_new(&p, fail_cb, NULL);
	CHECK(m != NULL);
	for (i = 0; i < in.n && rc == 0; i++) {
		memset(&mp, 0, sizeof(mp));
		mp.kind = in.v[i].kind;
		mp.dts_ms = in.v[i].dts;
		mp.cts_ms = (int32_t)in.v[i].cts;
		mp.is_key = in.v[i].key;
		mp.data = in.v[i].data;
		mp.len = in.v[i].len;
		rc = seg_mux_write(m, &mp);
	}
	CHECK_INT(rc, -EIO);
	CHECK(in.v[i - 1].dts >= 2000);  /* failed at the first cut */
	CHECK_INT(seg_mux_write(m, &mp), -EIO);
	CHECK_INT(seg_mux_finish(m), -EIO);
	seg_mux_free(m);
	return 0;
}

/* What a player's toolchain says: ffprobe on segment files. */
static int
run_ffprobe(const char *path, char *out, size_t outlen)
{
	char cmd[512];
	FILE *fp;
	size_t n;

	snprintf(cmd, sizeof(cmd), "ffprobe -v error -count_packets "
	    "-show_entries stream=codec_name,nb_read_packets -of csv=p=0 '%s'",
	    path);
	if ((fp = popen(cmd, "r")) == NULL)
		return -1;
	n = fread(out, 1, outlen - 1, fp);
	out[n] = '\0';
	return pclose(fp) == 0 ? 0 : -1;
}

static int
write_file(const char *path, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL)
		return -1;
	fwrite(a, 1, alen, fp);
	if (b != NULL)
		fwrite(b, 1, blen, fp);
	return fclose(fp);
}

static int
t_ffprobe(void)
{
	struct seg_mux_params p;
	struct feed f = { .shift_at = INT64_MAX };
	struct segs s;
	const uint8_t *init;
	size_t init_len;
	char path[400], out[256];

	params_for(&in, &p, SEG_FMT_TS, true, true);
	CHECK_INT(run_mux(&in, &p, &f, &s), 0);
	snprintf(path, sizeof(path), "%s/seg1.ts", tmpdir);
	CHECK_INT(write_file(path, s.v[1].data, s.v[1].len, NULL, 0), 0);
	CHECK_INT(run_ffprobe(path, out, sizeof(out)), 0);
	CHECK(strstr(out, "h264,50") != NULL);  /* one GOP: 50 frames */
	CHECK(strstr(out, "aac,") != NULL);
	free_segs(&s);

	params_for(&in, &p, SEG_FMT_FMP4, true, true);
	CHECK_INT(run_mux(&in, &p, &f, &s), 0);
	CHECK_INT(seg_mux_init_segment(s.m, &init, &init_len), 0);
	snprintf(path, sizeof(path), "%s/seg2.mp4", tmpdir);
	CHECK_INT(write_file(path, init, init_len, s.v[2].data, s.v[2].len), 0);
	CHECK_INT(run_ffprobe(path, out, sizeof(out)), 0);
	CHECK(strstr(out, "h264,50") != NULL);
	CHECK(strstr(out, "aac,") != NULL);
	free_segs(&s);
	return 0;
}

int
main(void)
{
	char cmd[1024];
	int rc;

	av_log_set_level(AV_LOG_ERROR);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_seg_mux.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(flv_path, sizeof(flv_path), "%s/in.flv", tmpdir);
	snprintf(cmd, sizeof(cmd),
	    "ffmpeg -nostdin -hide_banner -loglevel error -y "
	    "-f lavfi -i testsrc=size=320x240:rate=25 "
	    "-f lavfi -i sine=frequency=440:sample_rate=44100 -t 10 "
	    "-c:v libx264 -pix_fmt yuv420p -g 50 -keyint_min 50 -sc_threshold 0 "
	    "-c:a aac -b:a 64k -f flv '%s'", flv_path);
	rc = system(cmd);
	if (rc != 0 || load_input(&in) != 0) {
		fprintf(stderr, "test_seg_mux: could not make the test input with "
		    "ffmpeg (exit %d); it needs ffmpeg with libx264: "
		    "apt-get install ffmpeg\n", rc);
		printf("0 passed, 1 failed\n");
		return 1;
	}
	RUN(t_ts_av);
	RUN(t_fmp4_av);
	RUN(t_ts_jump_forward);
	RUN(t_ts_jump_backward);
	RUN(t_fmp4_jump_forward);
	RUN(t_ts_jump_back_small);
	RUN(t_fmp4_jump_backward);
	RUN(t_ts_wrap);
	RUN(t_fmp4_wrap);
	RUN(t_ts_step_back);
	RUN(t_fmp4_step_back);
	RUN(t_gap_below_max);
	RUN(t_gap_above_max);
	RUN(t_ts_neg_cts);
	RUN(t_fmp4_neg_cts);
	RUN(t_keyframe_timeout);
	RUN(t_ts_early_audio);
	RUN(t_fmp4_early_audio);
	RUN(t_drop_before_key);
	RUN(t_ts_audio_only);
	RUN(t_ts_video_only);
	RUN(t_fmp4_audio_only);
	RUN(t_fmp4_video_only);
	RUN(t_ts_size_cut);
	RUN(t_fmp4_size_cut);
	RUN(t_bad_params);
	RUN(t_callback_error);
	RUN(t_ffprobe);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return check_done();
}
