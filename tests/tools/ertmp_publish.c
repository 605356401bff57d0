/*
 * ertmp_publish: an Enhanced RTMP publisher for the tests (Debian's ffmpeg
 * 5.1 cannot put HEVC or AV1 into FLV, so it cannot send E-RTMP).
 *
 *   ertmp_publish [-f FOURCC] [-t SECONDS] HOST PORT KEY FILE
 *
 * Reads FILE (MP4 or Matroska with HEVC, AV1 or H.264 video and AAC audio,
 * as ffmpeg writes them) with libavformat and publishes it to
 * rtmp://HOST:PORT/live/KEY in real time, like ffmpeg -re: connect (with
 * the E-RTMP fourCcList strict array), createStream, publish, onMetaData,
 * then the sequence headers and the frames in file order. Video goes in
 * E-RTMP v1 tags (veovera enhanced-rtmp v1, "ExVideoTagHeader"):
 * SequenceStart with the file's hvcC/av1C/avcC extradata, then CodedFrames
 * (with an SI24 composition offset for hvc1/avc1; none for av01), or
 * CodedFramesX for hvc1/avc1 frames whose offset is zero, and SequenceEnd
 * at the end. Audio goes in legacy FLV AAC tags (E.4.2.1). -f sends another
 * FourCC in the video tags (e.g. vp09, to check a refusal); -t stops after
 * SECONDS of media. Exit 0 when the whole file was sent, 1 on a refusal or
 * a connection error, 2 on a usage or file error.
 *
 * Design: the handshake, chunking and AMF0 are the origin's own code
 * (rtmp_hs_client_*, rtmp_chunk_*, amf0_*), as in rtmp_poke. The server's
 * replies are parsed until Publish.Start, then drained unread. The run is
 * bounded by alarm(): media length plus 60 s.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libavformat/avformat.h>
#include <libavutil/mathematics.h>

#include "amf0.h"
#include "buf.h"
#include "flv.h"
#include "rd.h"
#include "rtmp_chunk.h"
#include "rtmp_hs.h"

#define TIMEOUT_MS 5000
#define MSID 1
#define CSID_AUDIO 4
#define CSID_VIDEO 6
#define CHUNK_SIZE 4096

struct pub {
	int fd;
	struct buf in, out;
	struct rtmp_hs hs;
	struct rtmp_chunk_rd rd;
	struct rtmp_chunk_wr wr;
	const char *want_name, *want_code;
	bool has_want, has_refusal;
	char last_code[128];
};

static const char *g_host, *g_port;

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
on_alarm(int sig)
{
	static const char msg[] = "ertmp_publish: run limit reached\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) == -1) {
		/* nothing left to do */
	}
	_exit(1);
}

static int
send_out(struct pub *p)
{
	const uint8_t *d = p->out.data;
	size_t n = p->out.len;
	int rc = p->out.err;

	while (rc == 0 && n > 0) {
		ssize_t k = send(p->fd, d, n, MSG_NOSIGNAL);
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1) {
			rc = -errno;
			break;
		}
		d += k;
		n -= (size_t)k;
	}
	buf_reset(&p->out);
	return rc;
}

/* Wait up to timeout_ms for bytes. Count, 0 at end of stream, or -errno. */
static int
recv_some(struct pub *p, int timeout_ms)
{
	struct pollfd pfd = { p->fd, POLLIN, 0 };
	ssize_t n;
	int rc;

	rc = poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms);
	if (rc == -1)
		return errno == EINTR ? -ETIMEDOUT : -errno;
	if (rc == 0)
		return -ETIMEDOUT;
	if (buf_reserve(&p->in, 65536) != 0)
		return -ENOBUFS;
	n = recv(p->fd, p->in.data + p->in.len, 65536, 0);
	if (n == -1)
		return -errno;
	p->in.len += (size_t)n;
	return (int)n;
}

static int
on_msg(void *arg, const struct rtmp_msg *m)
{
	struct pub *p = arg;
	struct amf0_val nodes[64];
	struct amf0_doc doc;
	const struct amf0_val *name, *info, *code, *level;

	if (m->type != RTMP_MSG_CMD_AMF0)
		return 0;
	amf0_doc_init(&doc, nodes, 64, AMF0_DEFAULT_DEPTH);
	if (amf0_decode(&doc, m->data, m->len) != 0)
		return 0;
	name = amf0_top(&doc, 0);
	info = amf0_top(&doc, 3);
	code = info && info->type == AMF0_OBJECT ? amf0_prop(info, "code") : NULL;
	level = info && info->type == AMF0_OBJECT ? amf0_prop(info, "level") : NULL;
	if (code)
		amf0_str_copy(code, p->last_code, sizeof(p->last_code));
	if (amf0_str_eq(name, "_error") || amf0_str_eq(level, "error"))
		p->has_refusal = true;
	if (p->want_name && amf0_str_eq(name, p->want_name) &&
	    (p->want_code == NULL || amf0_str_eq(code, p->want_code)))
		p->has_want = true;
	return 0;
}

/* Wait for command name (with info.code == code unless NULL). */
static int
expect(struct pub *p, const char *name, const char *code)
{
	int64_t until = now_ms() + TIMEOUT_MS;
	size_t used;
	int rc;

	p->want_name = name;
	p->want_code = code;
	p->has_want = p->has_refusal = false;
	for (;;) {
		used = 0;
		rc = rtmp_chunk_rd_feed(&p->rd, p->in.data, p->in.len, &used, on_msg, p);
		buf_consume(&p->in, used);
		if (rc != 0)
			return -EPROTO;
		if (p->has_want)
			return 0;
		if (p->has_refusal)
			return -EACCES;
		rc = recv_some(p, (int)(until - now_ms()));
		if (rc == 0)
			return -EPIPE;
		if (rc < 0)
			return rc;
	}
}

/* Read and drop whatever the server sent (acks, pings): never blocks. */
static int
drain(struct pub *p)
{
	uint8_t tmp[4096];
	ssize_t n;

	while ((n = recv(p->fd, tmp, sizeof(tmp), MSG_DONTWAIT)) > 0)
		;
	if (n == 0)
		return -EPIPE;
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
}

static int
pub_open(struct pub *p)
{
	static const struct rtmp_chunk_limits lim = { 16u << 20, 4u << 20, 64 };
	struct addrinfo hints = { 0 }, *ai = NULL;
	int one = 1, rc;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	buf_init(&p->in, 8u << 20);
	buf_init(&p->out, 8u << 20);
	rtmp_chunk_wr_init(&p->wr);
	if (rtmp_chunk_rd_init(&p->rd, &lim) != 0)
		return -ENOMEM;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(g_host, g_port, &hints, &ai)) != 0) {
		fprintf(stderr, "ertmp_publish: %s:%s: %s\n", g_host, g_port,
		    gai_strerror(rc));
		return -EINVAL;
	}
	p->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->fd == -1 || connect(p->fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		rc = -errno;
		freeaddrinfo(ai);
		return rc;
	}
	freeaddrinfo(ai);
	setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

static void
pub_close(struct pub *p)
{
	if (p->fd != -1)
		close(p->fd);
	p->fd = -1;
	rtmp_chunk_rd_fini(&p->rd);
	buf_fini(&p->in);
	buf_fini(&p->out);
}

static int
handshake(struct pub *p)
{
	int64_t until = now_ms() + TIMEOUT_MS;
	struct rd r;
	int rc;

	if ((rc = rtmp_hs_client_start(&p->hs, false, 0, &p->out)) != 0 ||
	    (rc = send_out(p)) != 0)
		return rc;
	for (;;) {
		rd_init(&r, p->in.data, p->in.len);
		rc = rtmp_hs_client_feed(&p->hs, &r, &p->out);
		buf_consume(&p->in, p->in.len - r.left);
		if (rc < 0)
			return rc;
		if (rc == 1)
			break;
		rc = recv_some(p, (int)(until - now_ms()));
		if (rc <= 0)
			return rc == 0 ? -EPIPE : rc;
	}
	return send_out(p);
}

static int
send_cmd(struct pub *p, uint32_t msid, struct buf *b)
{
	int rc = b->err;

	if (rc == 0)
		rc = rtmp_chunk_write(&p->wr, &p->out, RTMP_CSID_COMMAND, 0,
		    RTMP_MSG_CMD_AMF0, msid, b->data, b->len);
	buf_fini(b);
	return rc ? rc : send_out(p);
}

/* connect(1, {app, type, flashVer, tcUrl, fourCcList: [..]}) (E-RTMP v1). */
static int
send_connect(struct pub *p)
{
	static const char *const fourccs[] = { "hvc1", "av01", "avc1", "vp09" };
	char url[300];
	struct buf b;

	snprintf(url, sizeof(url), "rtmp://%s:%s/live", g_host, g_port);
	buf_init(&b, 4096);
	amf0_put_string(&b, "connect");
	amf0_put_number(&b, 1);
	amf0_put_object_begin(&b);
	amf0_put_key(&b, "app");
	amf0_put_string(&b, "live");
	amf0_put_key(&b, "type");
	amf0_put_string(&b, "nonprivate");
	amf0_put_key(&b, "flashVer");
	amf0_put_string(&b, "FMLE/3.0 (compatible; ertmp_publish)");
	amf0_put_key(&b, "tcUrl");
	amf0_put_string(&b, url);
	/* AMF0 2.12 strict array: marker 0x0a, U32 count, the values */
	amf0_put_key(&b, "fourCcList");
	buf_put_u8(&b, 0x0a);
	buf_put_be32(&b, 4);
	for (size_t i = 0; i < 4; i++)
		amf0_put_string(&b, fourccs[i]);
	amf0_put_object_end(&b);
	return send_cmd(p, 0, &b);
}

static int
send_call(struct pub *p, uint32_t msid, const char *name, double txn,
    const char *s1, const char *s2)
{
	struct buf b;

	buf_init(&b, 4096);
	amf0_put_string(&b, name);
	amf0_put_number(&b, txn);
	amf0_put_null(&b);
	if (s1)
		amf0_put_string(&b, s1);
	if (s2)
		amf0_put_string(&b, s2);
	return send_cmd(p, msid, &b);
}

static int
send_media(struct pub *p, uint8_t type, uint32_t ts, const struct buf *body)
{
	int rc = body->err;

	if (rc == 0)
		rc = rtmp_chunk_write(&p->wr, &p->out, type == RTMP_MSG_VIDEO ?
		    CSID_VIDEO : CSID_AUDIO, ts, type, MSID, body->data, body->len);
	return rc ? rc : send_out(p);
}

static int
send_metadata(struct pub *p, const AVStream *vs, const AVStream *as,
    uint32_t fourcc)
{
	struct buf b;
	int rc;

	buf_init(&b, 4096);
	amf0_put_string(&b, "@setDataFrame");
	amf0_put_string(&b, "onMetaData");
	amf0_put_ecma_begin(&b, 0);
	if (vs) {
		/* E-RTMP v1: videocodecid is the FourCC as a number */
		amf0_put_key(&b, "videocodecid");
		amf0_put_number(&b, fourcc);
		amf0_put_key(&b, "width");
		amf0_put_number(&b, vs->codecpar->width);
		amf0_put_key(&b, "height");
		amf0_put_number(&b, vs->codecpar->height);
	}
	if (as) {
		amf0_put_key(&b, "audiocodecid");
		amf0_put_number(&b, FLV_AUDIO_AAC);
	}
	amf0_put_object_end(&b);
	rc = b.err ? b.err : rtmp_chunk_write(&p->wr, &p->out, RTMP_CSID_COMMAND, 0,
	    RTMP_MSG_DATA_AMF0, MSID, b.data, b.len);
	buf_fini(&b);
	return rc ? rc : send_out(p);
}

/* E-RTMP v1 ExVideoTagHeader: IsExHeader | FrameType << 4 | PacketType, FourCC. */
static void
put_ex_head(struct buf *b, bool key, unsigned ptype, uint32_t fourcc)
{
	buf_reset(b);
	buf_put_u8(b, (uint8_t)(0x80 | (key ? FLV_FRAME_KEY : FLV_FRAME_INTER) << 4 |
	    ptype));
	buf_put_be32(b, fourcc);
}

/* The earliest DTS in ms, or 0 if none is below 0 (first 1000 packets). */
static int
first_dts_ms(const char *file, int64_t *ms)
{
	AVFormatContext *ic = NULL;
	AVPacket *pkt = av_packet_alloc();
	int64_t d;
	int rc, n = 0;

	*ms = 0;
	if (pkt == NULL)
		return -ENOMEM;
	if ((rc = avformat_open_input(&ic, file, NULL, NULL)) < 0 ||
	    (rc = avformat_find_stream_info(ic, NULL)) < 0) {
		fprintf(stderr, "ertmp_publish: %s: %s\n", file, av_err2str(rc));
		av_packet_free(&pkt);
		avformat_close_input(&ic);
		return rc;
	}
	while (n++ < 1000 && av_read_frame(ic, pkt) >= 0) {
		if (pkt->dts != AV_NOPTS_VALUE) {
			d = av_rescale_q(pkt->dts, ic->streams[pkt->stream_index]->time_base,
			    (AVRational){ 1, 1000 });
			if (d < *ms)
				*ms = d;
		}
		av_packet_unref(pkt);
	}
	av_packet_free(&pkt);
	avformat_close_input(&ic);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ertmp_publish [-f FOURCC] [-t SECONDS] HOST PORT KEY FILE\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	AVFormatContext *ic = NULL;
	AVPacket *pkt = NULL;
	AVStream *vs = NULL, *as = NULL;
	struct pub p;
	struct buf body;
	const char *force = NULL, *file;
	double max_s = 0;
	uint32_t fourcc = 0;
	int64_t t0, first_ms = 0, dts_ms, pts_ms, ts, cts;
	unsigned n_video = 0, n_audio = 0, n_x = 0;
	bool is_avc_like;
	int c, rc, ret = 1;

	while ((c = getopt(argc, argv, "f:t:")) != -1) {
		switch (c) {
		case 'f': force = optarg; break;
		case 't': max_s = atof(optarg); break;
		default: usage();
		}
	}
	if (argc - optind != 4 || (force && strlen(force) != 4))
		usage();
	g_host = argv[optind];
	g_port = argv[optind + 1];
	file = argv[optind + 3];
	signal(SIGPIPE, SIG_IGN);

	/*
	 * RTMP timestamps are decode times from 0; an MP4 with B-frames starts
	 * its video DTS below 0 (an edit list), so the whole file is shifted
	 * by its earliest DTS, which the first video packet has. Look it up,
	 * then start over.
	 */
	if ((rc = first_dts_ms(file, &first_ms)) != 0)
		return 2;
	if ((rc = avformat_open_input(&ic, file, NULL, NULL)) < 0 ||
	    (rc = avformat_find_stream_info(ic, NULL)) < 0) {
		fprintf(stderr, "ertmp_publish: %s: %s\n", file, av_err2str(rc));
		return 2;
	}
	for (unsigned i = 0; i < ic->nb_streams; i++) {
		AVStream *st = ic->streams[i];
		enum AVCodecID id = st->codecpar->codec_id;

		if (!vs && (id == AV_CODEC_ID_HEVC || id == AV_CODEC_ID_AV1 ||
		    id == AV_CODEC_ID_H264) && st->codecpar->extradata_size > 0)
			vs = st;
		else if (!as && id == AV_CODEC_ID_AAC && st->codecpar->extradata_size > 0)
			as = st;
	}
	if (vs == NULL) {
		fprintf(stderr, "ertmp_publish: %s: no HEVC, AV1 or H.264 stream "
		    "with extradata\n", file);
		avformat_close_input(&ic);
		return 2;
	}
	switch (vs->codecpar->codec_id) {
	case AV_CODEC_ID_HEVC: fourcc = FLV_FOURCC('h', 'v', 'c', '1'); break;
	case AV_CODEC_ID_AV1:  fourcc = FLV_FOURCC('a', 'v', '0', '1'); break;
	default:               fourcc = FLV_FOURCC('a', 'v', 'c', '1'); break;
	}
	/* E-RTMP v1: only avc1 and hvc1 coded frames carry a composition time. */
	is_avc_like = fourcc != FLV_FOURCC('a', 'v', '0', '1');
	if (force)
		fourcc = FLV_FOURCC(force[0], force[1], force[2], force[3]);
	alarm((unsigned)(ic->duration > 0 ? ic->duration / AV_TIME_BASE : 600) + 60);
	signal(SIGALRM, on_alarm);

	buf_init(&body, 16u << 20);
	if ((pkt = av_packet_alloc()) == NULL)
		goto out_file;
	if ((rc = pub_open(&p)) != 0) {
		fprintf(stderr, "ertmp_publish: connect %s:%s: %s\n", g_host, g_port,
		    strerror(-rc));
		goto out;
	}
	if ((rc = handshake(&p)) != 0) {
		fprintf(stderr, "ertmp_publish: handshake: %s\n", strerror(-rc));
		goto out;
	}
	if ((rc = rtmp_put_set_chunk_size(&p.wr, &p.out, CHUNK_SIZE)) != 0 ||
	    (rc = send_connect(&p)) != 0 ||
	    (rc = expect(&p, "_result", "NetConnection.Connect.Success")) != 0) {
		fprintf(stderr, "ertmp_publish: connect: %s (%s)\n", strerror(-rc),
		    p.last_code);
		goto out;
	}
	if ((rc = send_call(&p, 0, "createStream", 2, NULL, NULL)) != 0 ||
	    (rc = expect(&p, "_result", NULL)) != 0 ||
	    (rc = send_call(&p, MSID, "publish", 3, argv[optind + 2], "live")) != 0 ||
	    (rc = expect(&p, "onStatus", "NetStream.Publish.Start")) != 0) {
		fprintf(stderr, "ertmp_publish: publish: %s (%s)\n", strerror(-rc),
		    p.last_code);
		goto out;
	}
	if ((rc = send_metadata(&p, vs, as, fourcc)) != 0)
		goto sendfail;

	/* Sequence headers first, at time 0. */
	put_ex_head(&body, true, FLV_EX_SEQ_START, fourcc);
	buf_append(&body, vs->codecpar->extradata, (size_t)vs->codecpar->extradata_size);
	if ((rc = send_media(&p, RTMP_MSG_VIDEO, 0, &body)) != 0)
		goto sendfail;
	if (as) {
		buf_reset(&body);
		buf_put_u8(&body, 0xaf);        /* AAC, 44 kHz, 16 bit, stereo */
		buf_put_u8(&body, FLV_AAC_SEQ_HEADER);
		buf_append(&body, as->codecpar->extradata,
		    (size_t)as->codecpar->extradata_size);
		if ((rc = send_media(&p, RTMP_MSG_AUDIO, 0, &body)) != 0)
			goto sendfail;
	}

	t0 = now_ms();
	while (av_read_frame(ic, pkt) >= 0) {
		AVStream *st = ic->streams[pkt->stream_index];

		if ((st != vs && st != as) || pkt->size == 0 ||
		    pkt->dts == AV_NOPTS_VALUE) {
			av_packet_unref(pkt);
			continue;
		}
		dts_ms = av_rescale_q(pkt->dts, st->time_base, (AVRational){ 1, 1000 });
		pts_ms = pkt->pts == AV_NOPTS_VALUE ? dts_ms :
		    av_rescale_q(pkt->pts, st->time_base, (AVRational){ 1, 1000 });
		ts = dts_ms - first_ms;
		if (ts < 0)
			ts = 0;
		if (max_s > 0 && ts > (int64_t)(max_s * 1000)) {
			av_packet_unref(pkt);
			break;
		}
		/* -re: never ahead of the wall clock */
		while (now_ms() - t0 < ts) {
			int64_t d = ts - (now_ms() - t0);
			struct timespec sl = { (time_t)(d / 1000), (long)(d % 1000) * 1000000 };
			nanosleep(&sl, NULL);
		}
		if ((rc = drain(&p)) != 0)
			goto sendfail;
		if (st == vs) {
			bool key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;

			cts = pts_ms - dts_ms;
			if (is_avc_like && cts == 0) {
				put_ex_head(&body, key, FLV_EX_CODED_FRAMES_X, fourcc);
				n_x++;
			} else {
				put_ex_head(&body, key, FLV_EX_CODED_FRAMES, fourcc);
				if (is_avc_like)   /* SI24 */
					buf_put_be24(&body, (uint32_t)cts & 0xffffff);
			}
			buf_append(&body, pkt->data, (size_t)pkt->size);
			rc = send_media(&p, RTMP_MSG_VIDEO, (uint32_t)ts, &body);
			n_video++;
		} else {
			buf_reset(&body);
			buf_put_u8(&body, 0xaf);
			buf_put_u8(&body, FLV_AAC_RAW);
			buf_append(&body, pkt->data, (size_t)pkt->size);
			rc = send_media(&p, RTMP_MSG_AUDIO, (uint32_t)ts, &body);
			n_audio++;
		}
		av_packet_unref(pkt);
		if (rc != 0)
			goto sendfail;
	}
	put_ex_head(&body, false, FLV_EX_SEQ_END, fourcc);
	if ((rc = send_media(&p, RTMP_MSG_VIDEO, (uint32_t)(now_ms() - t0), &body)) != 0 ||
	    (rc = send_call(&p, MSID, "deleteStream", 4, NULL, NULL)) != 0)
		goto sendfail;
	fprintf(stderr, "ertmp_publish: sent %u video frames (%u CodedFramesX) and "
	    "%u audio frames\n", n_video, n_x, n_audio);
	ret = 0;
	goto out;
sendfail:
	fprintf(stderr, "ertmp_publish: sending: %s\n", strerror(-rc));
out:
	pub_close(&p);
out_file:
	buf_fini(&body);
	av_packet_free(&pkt);
	avformat_close_input(&ic);
	return ret;
}
