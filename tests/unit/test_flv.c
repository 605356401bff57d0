/*
 * test_flv: FLV tag parsing (flv.c), the AVC decoder configuration record
 * and SPS size (h264_config.c), and the AAC AudioSpecificConfig
 * (aac_config.c).
 *
 * The wire bytes are real: they were cut once from FLV files written by
 * FFmpeg 5.1 / libx264 on Debian 12, e.g.
 *   ffmpeg -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine -t 1 \
 *       -c:v libx264 -pix_fmt yuv420p -profile:v high -c:a aac -f flv a.flv
 * and the expected sizes, profiles and levels are what ffprobe reports for
 * those files (noted beside each row). Enhanced RTMP headers (hvc1, av01)
 * are hand-built from the veovera E-RTMP v1 text; two SPS variants
 * (scaling matrices, pic_order_cnt_type 1) were made by rewriting a real
 * SPS and checked with ffprobe and the trace_headers bitstream filter.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "aac_config.h"
#include "check.h"
#include "av1_config.h"
#include "flv.h"
#include "h264_config.h"
#include "hevc_config.h"

/* Decode a hex string into out; returns the byte count. */
static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (s[0] && s[1] && n < cap) {
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* ---- FLV file header and tag header ------------------------------------ */

/* The first 24 bytes of a.flv: header, PreviousTagSize0, script tag header. */
static const char a_flv_head[] =
    "464c560105000000090000000012000125000000000000000200";

static int
t_file_header_real(void)
{
	uint8_t b[64];
	size_t n = unhex(a_flv_head, b, sizeof(b));
	struct flv_file_header h;
	struct flv_tag_header t;
	struct rd r;
	uint32_t prev;

	rd_init(&r, b, n);
	CHECK_INT(flv_file_header_parse(&r, &h), 0);
	CHECK_INT(h.version, 1);
	CHECK_INT(h.has_audio, 1);
	CHECK_INT(h.has_video, 1);
	CHECK_INT(h.data_offset, 9);
	CHECK_INT(n - r.left, 9);
	CHECK_INT(rd_be32(&r, &prev), 0);
	CHECK_INT(prev, 0);
	CHECK_INT(flv_tag_header_parse(&r, &t), 0);
	CHECK_INT(t.type, FLV_TAG_SCRIPT);
	CHECK_INT(t.filtered, 0);
	CHECK_INT(t.data_size, 293);   /* onMetaData, as in the file */
	CHECK_INT(t.timestamp, 0);
	CHECK_INT(t.stream_id, 0);
	CHECK_INT(n - r.left, 24);
	return 0;
}

static int
t_file_header_bad(void)
{
	static const char *bad[] = {
		"464c5701050000000900",     /* "FLW" */
		"464c5602050000000900",     /* version 2 */
		"464c5601050000000800",     /* data offset 8 */
		"464c5601050000000000",     /* data offset 0 */
	};
	uint8_t b[16];
	struct flv_file_header h;
	struct rd r;
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = unhex(bad[i], b, sizeof(b));
		rd_init(&r, b, n);
		CHECK_INT(flv_file_header_parse(&r, &h), -EPROTO);
		CHECK_INT(r.left, n);  /* nothing consumed */
	}
	/* audio-only file: flags 0x04; large data offset accepted */
	n = unhex("464c560104000000200000", b, sizeof(b));
	rd_init(&r, b, n);
	CHECK_INT(flv_file_header_parse(&r, &h), 0);
	CHECK_INT(h.has_audio, 1);
	CHECK_INT(h.has_video, 0);
	CHECK_INT(h.data_offset, 32);
	return 0;
}

static int
t_file_header_truncated(void)
{
	uint8_t b[64];
	size_t n = unhex(a_flv_head, b, sizeof(b)), k;
	struct flv_file_header h;
	struct rd r;

	for (k = 0; k < 9; k++) {
		rd_init(&r, b, k);
		CHECK_INT(flv_file_header_parse(&r, &h), -EPROTO);
		CHECK_INT(r.left, k);
	}
	CHECK(n >= 9);
	return 0;
}

static int
t_tag_header_cases(void)
{
	static const struct {
		const char *hex;
		int rc;
		uint8_t type;
		bool filtered;
		uint32_t size, ts, stream;
	} cases[] = {
		/* a.flv, offset 321: the AVC sequence header tag */
		{ "0900003300000000000000", 0, FLV_TAG_VIDEO, 0, 51, 0, 0 },
		/* a.flv, offset 4256: video tag at 40 ms */
		{ "090001f800002800000000", 0, FLV_TAG_VIDEO, 0, 504, 40, 0 },
		/* a.flv, offset 4775: audio tag at 57 ms */
		{ "0800010400003900000000", 0, FLV_TAG_AUDIO, 0, 260, 57, 0 },
		/* extended timestamp byte is the upper 8 bits */
		{ "0900001012345678000000", 0, FLV_TAG_VIDEO, 0, 16, 0x78123456, 0 },
		/* filter bit, nonzero stream id */
		{ "2800000100000100000102", 0, FLV_TAG_AUDIO, 1, 1, 1, 0x102 },
		/* reserved bits set */
		{ "4900000100000000000000", -EPROTO, 0, 0, 0, 0, 0 },
		{ "8800000100000000000000", -EPROTO, 0, 0, 0, 0, 0 },
	};
	uint8_t b[16];
	struct flv_tag_header h;
	struct rd r;
	size_t i, n, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = unhex(cases[i].hex, b, sizeof(b));
		CHECK_INT(n, 11);
		rd_init(&r, b, n);
		CHECK_INT(flv_tag_header_parse(&r, &h), cases[i].rc);
		if (cases[i].rc != 0) {
			CHECK_INT(r.left, n);
			continue;
		}
		CHECK_INT(r.left, 0);
		CHECK_INT(h.type, cases[i].type);
		CHECK_INT(h.filtered, cases[i].filtered);
		CHECK_INT(h.data_size, cases[i].size);
		CHECK_INT(h.timestamp, cases[i].ts);
		CHECK_INT(h.stream_id, cases[i].stream);
		for (k = 0; k < n; k++) {
			rd_init(&r, b, k);
			CHECK_INT(flv_tag_header_parse(&r, &h), -EPROTO);
			CHECK_INT(r.left, k);
		}
	}
	return 0;
}

/* ---- video tag bodies -------------------------------------------------- */

struct video_case {
	const char *name;
	const char *hex;
	size_t hdr;             /* bytes of header before the payload */
	uint8_t frame_type;
	bool is_ex;
	uint8_t codec_id;
	uint32_t fourcc;
	uint8_t packet_type;
	int32_t cts;
	bool is_key, is_seq;
	bool no_media;          /* command frame: len 0 whatever follows */
};

static const struct video_case video_cases[] = {
	/* a.flv AVC sequence header (first video tag) */
	{ "avc seq", "17000000000164000dffe100196764000dacd94141fb01",
	  5, 1, 0, FLV_VIDEO_AVC, 0, FLV_AVC_SEQ_HEADER, 0, 1, 1, 0 },
	/* a.flv first keyframe: cts 80 ms */
	{ "avc key", "1701000050000002ae0605ff", 5, 1, 0, FLV_VIDEO_AVC, 0,
	  FLV_AVC_NALU, 80, 1, 0, 0 },
	/* a.flv at 40 ms: inter frame, cts 200 ms */
	{ "avc inter", "27010000c8000001ef419a24", 5, 2, 0, FLV_VIDEO_AVC, 0,
	  FLV_AVC_NALU, 200, 0, 0, 0 },
	/* negative composition time (SI24 -100) */
	{ "avc neg cts", "2701ffff9c00000001", 5, 2, 0, FLV_VIDEO_AVC, 0,
	  FLV_AVC_NALU, -100, 0, 0, 0 },
	/* most negative SI24 */
	{ "avc min cts", "270180000000000001", 5, 2, 0, FLV_VIDEO_AVC, 0,
	  FLV_AVC_NALU, -8388608, 0, 0, 0 },
	/* AVC end of sequence, no payload */
	{ "avc eos", "1702000000", 5, 1, 0, FLV_VIDEO_AVC, 0,
	  FLV_AVC_END_OF_SEQ, 0, 1, 0, 0 },
	/* legacy (non-standard) HEVC codec id 12 */
	{ "hevc legacy", "1c0000000001", 5, 1, 0, FLV_VIDEO_HEVC_LEGACY, 0,
	  0, 0, 1, 1, 0 },
	/* VP6: one header byte only */
	{ "vp6", "240102", 1, 2, 0, FLV_VIDEO_VP6, 0, 0, 0, 0, 0, 0 },
	/* generated keyframe counts as key */
	{ "gen key", "4701000000aa", 5, 4, 0, FLV_VIDEO_AVC, 0, FLV_AVC_NALU,
	  0, 1, 0, 0 },
	/* command frame: UI8 command, no AVC header, no media */
	{ "cmd legacy", "5700", 2, 5, 0, FLV_VIDEO_AVC, 0, 0, 0, 0, 0, 1 },
	/* E-RTMP: hvc1 SequenceStart (HEVCDecoderConfigurationRecord follows) */
	{ "ex hvc1 seq", "9068766331" "01016000", 5, 1, 1, 0,
	  FLV_FOURCC('h', 'v', 'c', '1'), FLV_EX_SEQ_START, 0, 1, 1, 0 },
	/* E-RTMP: hvc1 CodedFrames, SI24 cts -2 */
	{ "ex hvc1 coded", "a168766331" "fffffe" "00000005", 8, 2, 1, 0,
	  FLV_FOURCC('h', 'v', 'c', '1'), FLV_EX_CODED_FRAMES, -2, 0, 0, 0 },
	/* E-RTMP: hvc1 CodedFramesX, cts implied 0 */
	{ "ex hvc1 codedX", "9368766331" "00000005", 5, 1, 1, 0,
	  FLV_FOURCC('h', 'v', 'c', '1'), FLV_EX_CODED_FRAMES_X, 0, 1, 0, 0 },
	/* E-RTMP: hvc1 SequenceEnd */
	{ "ex hvc1 end", "9268766331", 5, 1, 1, 0,
	  FLV_FOURCC('h', 'v', 'c', '1'), FLV_EX_SEQ_END, 0, 1, 0, 0 },
	/* E-RTMP: avc1 CodedFrames carries cts like legacy AVC */
	{ "ex avc1 coded", "a161766331" "000028" "00", 8, 2, 1, 0,
	  FLV_FOURCC('a', 'v', 'c', '1'), FLV_EX_CODED_FRAMES, 40, 0, 0, 0 },
	/* E-RTMP: av01 SequenceStart (AV1CodecConfigurationRecord) */
	{ "ex av01 seq", "9061763031" "81000c00", 5, 1, 1, 0,
	  FLV_FOURCC('a', 'v', '0', '1'), FLV_EX_SEQ_START, 0, 1, 1, 0 },
	/* E-RTMP: av01 CodedFrames has no cts */
	{ "ex av01 coded", "a161763031" "12000a0b", 5, 2, 1, 0,
	  FLV_FOURCC('a', 'v', '0', '1'), FLV_EX_CODED_FRAMES, 0, 0, 0, 0 },
	/* E-RTMP: vp09 MPEG2TSSequenceStart is not a sequence header */
	{ "ex vp09 ts", "9576703039" "01", 5, 1, 1, 0,
	  FLV_FOURCC('v', 'p', '0', '9'), FLV_EX_MPEG2TS_SEQ_START, 0, 1, 0, 0 },
	/* E-RTMP: avc1 SequenceStart (an avcC follows) */
	{ "ex avc1 seq", "9061766331" "0164000d", 5, 1, 1, 0,
	  FLV_FOURCC('a', 'v', 'c', '1'), FLV_EX_SEQ_START, 0, 1, 1, 0 },
	/* E-RTMP: avc1 CodedFramesX, inter frame: no cts field */
	{ "ex avc1 codedX", "a361766331" "00000002", 5, 2, 1, 0,
	  FLV_FOURCC('a', 'v', 'c', '1'), FLV_EX_CODED_FRAMES_X, 0, 0, 0, 0 },
	/* E-RTMP: av01 CodedFramesX, keyframe */
	{ "ex av01 codedX", "9361763031" "12000a0b", 5, 1, 1, 0,
	  FLV_FOURCC('a', 'v', '0', '1'), FLV_EX_CODED_FRAMES_X, 0, 1, 0, 0 },
	/* E-RTMP: hvc1 CodedFrames, the largest SI24 cts */
	{ "ex hvc1 max cts", "a168766331" "7fffff" "01", 8, 2, 1, 0,
	  FLV_FOURCC('h', 'v', 'c', '1'), FLV_EX_CODED_FRAMES, 8388607, 0, 0, 0 },
	/* E-RTMP: Metadata (an AMF "colorInfo" body follows), not media */
	{ "ex hvc1 metadata", "9468766331" "020009636f6c6f72496e666f", 5, 1, 1, 0,
	  FLV_FOURCC('h', 'v', 'c', '1'), FLV_EX_METADATA, 0, 1, 0, 0 },
	/* E-RTMP: an unknown packet type (v2 Multitrack is 6): lengths only */
	{ "ex unknown type", "9668766331" "aa", 5, 1, 1, 0,
	  FLV_FOURCC('h', 'v', 'c', '1'), 6, 0, 1, 0, 0 },
	/* E-RTMP: command frame (frame type 5): FourCC, then UI8 command */
	{ "ex cmd", "d168766331" "01", 6, 5, 1, 0,
	  FLV_FOURCC('h', 'v', 'c', '1'), FLV_EX_CODED_FRAMES, 0, 0, 0, 1 },
};

static int
t_video_cases(void)
{
	const struct video_case *c;
	struct flv_video v;
	uint8_t b[64];
	size_t i, n, k;

	for (i = 0; i < sizeof(video_cases) / sizeof(video_cases[0]); i++) {
		c = &video_cases[i];
		fprintf(stderr, "  case %s\n", c->name);
		n = unhex(c->hex, b, sizeof(b));
		CHECK(n >= c->hdr);
		CHECK_INT(flv_video_parse(b, n, &v), 0);
		CHECK_INT(v.frame_type, c->frame_type);
		CHECK_INT(v.is_ex, c->is_ex);
		CHECK_INT(v.codec_id, c->codec_id);
		CHECK_INT(v.fourcc, c->fourcc);
		CHECK_INT(v.packet_type, c->packet_type);
		CHECK_INT(v.cts_ms, c->cts);
		CHECK_INT(v.is_key, c->is_key);
		CHECK_INT(v.is_seq_header, c->is_seq);
		if (c->no_media) {
			CHECK_INT(v.len, 0);
		} else {
			CHECK_INT(v.len, n - c->hdr);
			CHECK(v.data == b + c->hdr);
		}
		/* every shorter prefix that cuts the header is -EPROTO */
		for (k = 0; k < c->hdr; k++)
			CHECK_INT(flv_video_parse(b, k, &v), -EPROTO);
		/* every prefix that keeps the header parses */
		for (k = c->hdr; k <= n; k++) {
			CHECK_INT(flv_video_parse(b, k, &v), 0);
			CHECK_INT(v.len, c->no_media ? 0 : k - c->hdr);
		}
	}
	return 0;
}

/*
 * E-RTMP SequenceStart tags as ertmp_publish sends them, with real records
 * (libx265 hvcC cut to VPS/SPS/PPS, libsvtav1 av1C; see test_video_config):
 * the payload the parser returns is the whole record.
 */
static int
t_ex_seq_records(void)
{
	static const char hvc1_seq[] = "9068766331"
	    "0101600000009000000000003cf000fcfdf8f800000f03a00001001840010c01ffff"
	    "01600000030090000003000003003c959009a10001002a420101016000000300900000"
	    "03000003003ca00a080f16595912930bc05a020000030002000003003210a200010006"
	    "4401c073c189";
	static const char av01_seq[] = "9061763031" "81000c000a0b000000043cffbc02f80040";
	uint8_t b[256];
	struct flv_video v;
	struct hevc_config hc;
	struct av1_config ac;
	char s[48];
	size_t n;

	n = unhex(hvc1_seq, b, sizeof(b));
	CHECK_INT(flv_video_parse(b, n, &v), 0);
	CHECK(v.is_ex && v.is_seq_header && v.is_key);
	CHECK_INT(v.len, n - 5);
	CHECK_INT(hevc_config_parse(v.data, v.len, &hc), 0);
	hevc_codecs_string(&hc, s, sizeof(s));
	CHECK_STR(s, "hvc1.1.6.L60.90");
	CHECK_INT(hc.width, 320);
	CHECK_INT(hc.height, 240);

	n = unhex(av01_seq, b, sizeof(b));
	CHECK_INT(flv_video_parse(b, n, &v), 0);
	CHECK(v.is_ex && v.is_seq_header);
	CHECK_INT(v.fourcc, FLV_FOURCC('a', 'v', '0', '1'));
	CHECK_INT(av1_config_parse(v.data, v.len, &ac), 0);
	av1_codecs_string(&ac, s, sizeof(s));
	CHECK_STR(s, "av01.0.00M.08");
	CHECK_INT(ac.width, 320);
	return 0;
}

/* ---- audio tag bodies -------------------------------------------------- */

static int
t_audio_cases(void)
{
	static const struct {
		const char *hex;
		size_t hdr;
		uint8_t fmt, rate, size, type, aac_pt;
		bool is_seq;
	} cases[] = {
		/* a.flv: AAC sequence header, 44 kHz 16 bit stereo flags */
		{ "af00120856e500", 2, FLV_AUDIO_AAC, 3, 1, 1, 0, 1 },
		/* a.flv: first raw AAC frame */
		{ "af01de02004c61766335392e", 2, FLV_AUDIO_AAC, 3, 1, 1, 1, 0 },
		/* MP3 22 kHz 16 bit mono: one header byte */
		{ "2a fffb", 1, FLV_AUDIO_MP3, 2, 1, 0, 0, 0 },
		/* Speex: 16 kHz is signalled as rate 1 (11 kHz), mono */
		{ "b6", 1, FLV_AUDIO_SPEEX, 1, 1, 0, 0, 0 },
	};
	struct flv_audio a;
	uint8_t b[32];
	size_t i, n, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strchr(cases[i].hex, ' ') != NULL) {
			/* allow one space to separate header and payload */
			char tmp[64];
			const char *s = cases[i].hex;
			size_t j = 0;

			for (; *s && j + 1 < sizeof(tmp); s++)
				if (*s != ' ')
					tmp[j++] = *s;
			tmp[j] = '\0';
			n = unhex(tmp, b, sizeof(b));
		} else {
			n = unhex(cases[i].hex, b, sizeof(b));
		}
		CHECK_INT(flv_audio_parse(b, n, &a), 0);
		CHECK_INT(a.sound_format, cases[i].fmt);
		CHECK_INT(a.sound_rate, cases[i].rate);
		CHECK_INT(a.sound_size, cases[i].size);
		CHECK_INT(a.sound_type, cases[i].type);
		CHECK_INT(a.aac_packet_type, cases[i].aac_pt);
		CHECK_INT(a.is_seq_header, cases[i].is_seq);
		CHECK_INT(a.len, n - cases[i].hdr);
		CHECK(a.data == b + cases[i].hdr);
		for (k = 0; k < cases[i].hdr; k++)
			CHECK_INT(flv_audio_parse(b, k, &a), -EPROTO);
		for (k = cases[i].hdr; k <= n; k++) {
			CHECK_INT(flv_audio_parse(b, k, &a), 0);
			CHECK_INT(a.len, k - cases[i].hdr);
		}
	}
	return 0;
}

/* ---- AVCDecoderConfigurationRecord + SPS ------------------------------- */

struct avc_case {
	const char *name;
	const char *hex;        /* the record: the sequence header body minus 5 */
	size_t sps_off, sps_len, pps_off, pps_len;
	int width, height;      /* ffprobe */
	const char *codecs;     /* profile_idc (ffprobe profile), compat byte, level */
};

static const struct avc_case avc_cases[] = {
	/* a.flv: ffprobe High, level 13, 320x240 */
	{ "high 320x240",
	  "0164000dffe100196764000dacd94141fb0110000003001000000303"
	  "20f142996001000668ebe3cb22c0fdf8f800",
	  8, 25, 36, 6, 320, 240, "avc1.64000d" },
	/* b.flv: Constrained Baseline, level 30, 640x360 (crop 8 rows) */
	{ "cbaseline 640x360",
	  "0142c01effe100196742c01ed900a02ff97011000003000100000300"
	  "320f162e4801000568cb83cb20",
	  8, 25, 36, 5, 640, 360, "avc1.42c01e" },
	/* c.flv: Main, level 40, 1920x1080 */
	{ "main 1920x1080",
	  "014d4028ffe1001a674d4028eca03c0113f2e0220000030002000003"
	  "00641e30632c01000568ebe3cb20",
	  8, 26, 37, 5, 1920, 1080, "avc1.4d4028" },
	/* d.flv: High, level 30, 854x480 (crop 10 columns) */
	{ "high 854x480",
	  "0164001effe1001a6764001eacd940d83de6f0110000030001000003"
	  "00320f162d9601000668ebe3cb22c0fdf8f800",
	  8, 26, 37, 6, 854, 480, "avc1.64001e" },
	/* e.flv: High 4:4:4 Predictive (244), level 13, 350x286 (crop units 1) */
	{ "high444 350x286",
	  "01f4000dffe1001967f4000d919b282c12f7780880000003008000001907"
	  "8a14cb01000868ebe3c44c000440fff8f800",
	  8, 25, 36, 8, 350, 286, "avc1.f4000d" },
	/* f.flv: High, level 40, interlaced (field_order tt), 1920x1080 */
	{ "high interlaced 1080",
	  "01640028ffe1001a67640028acd94078044fde022000000300200000"
	  "0643e2c5b2c001000668fba3cb22c0fdf8f800",
	  8, 26, 37, 6, 1920, 1080, "avc1.640028" },
	/* g.flv: High 4:2:2 (122), level 21, 426x240 */
	{ "high422 426x240",
	  "017a0015ffe1001a677a0015bcd941b1fe4f01100000030010000003"
	  "0320f162d96001000668ebe3cb22c0fef8f800",
	  8, 26, 37, 6, 426, 240, "avc1.7a0015" },
};

static int
t_avc_records(void)
{
	const struct avc_case *c;
	struct h264_config hc;
	uint8_t b[128];
	char codecs[32];
	size_t i, n;

	for (i = 0; i < sizeof(avc_cases) / sizeof(avc_cases[0]); i++) {
		c = &avc_cases[i];
		fprintf(stderr, "  case %s\n", c->name);
		n = unhex(c->hex, b, sizeof(b));
		CHECK_INT(h264_config_parse(b, n, &hc), 0);
		CHECK_INT(hc.nal_length_size, 4);
		CHECK(hc.sps == b + c->sps_off);
		CHECK_INT(hc.sps_len, c->sps_len);
		CHECK(hc.pps == b + c->pps_off);
		CHECK_INT(hc.pps_len, c->pps_len);
		CHECK_INT(hc.sps[0] & 0x1f, 7);
		CHECK_INT(hc.pps[0] & 0x1f, 8);
		CHECK_INT(hc.width, c->width);
		CHECK_INT(hc.height, c->height);
		h264_codecs_string(&hc, codecs, sizeof(codecs));
		CHECK_STR(codecs, c->codecs);
	}
	return 0;
}

/* Every prefix that cuts the record before the PPS ends is -EPROTO. */
static int
t_avc_records_truncated(void)
{
	const struct avc_case *c;
	struct h264_config hc;
	uint8_t b[128];
	size_t i, n, k, end;

	for (i = 0; i < sizeof(avc_cases) / sizeof(avc_cases[0]); i++) {
		c = &avc_cases[i];
		n = unhex(c->hex, b, sizeof(b));
		end = c->pps_off + c->pps_len;
		for (k = 0; k < end; k++)
			CHECK_INT(h264_config_parse(b, k, &hc), -EPROTO);
		for (k = end; k <= n; k++) {
			CHECK_INT(h264_config_parse(b, k, &hc), 0);
			CHECK_INT(hc.width, c->width);
		}
	}
	return 0;
}

/*
 * Truncating the SPS itself: below some cut every prefix fails, from it on
 * every prefix gives ffprobe's size (the VUI is not read).
 */
static int
t_sps_truncated(void)
{
	const struct avc_case *c;
	struct h264_config hc;
	uint8_t b[128];
	size_t i, k;
	int w, h, rc, seen_ok;

	for (i = 0; i < sizeof(avc_cases) / sizeof(avc_cases[0]); i++) {
		c = &avc_cases[i];
		unhex(c->hex, b, sizeof(b));
		CHECK_INT(h264_config_parse(b, sizeof(b), &hc), 0);
		seen_ok = 0;
		for (k = 0; k <= c->sps_len; k++) {
			w = h = -1;
			rc = h264_sps_dimensions(b + c->sps_off, k, &w, &h);
			if (rc == 0) {
				seen_ok = 1;
				CHECK_INT(w, c->width);
				CHECK_INT(h, c->height);
			} else {
				CHECK_INT(rc, -EPROTO);
				CHECK_INT(seen_ok, 0);
				CHECK_INT(w, -1);      /* outputs untouched */
			}
		}
		CHECK_INT(seen_ok, 1);
		/* at least the fixed 4 bytes and some ue(v) fields are needed */
		CHECK_INT(h264_sps_dimensions(b + c->sps_off, 5, &w, &h), -EPROTO);
	}
	return 0;
}

static int
t_avc_record_bad(void)
{
	static const char *bad[] = {
		/* configurationVersion 0 (a.flv record otherwise) */
		"0064000dffe100196764000dacd94141fb0110000003001000000303"
		"20f142996001000668ebe3cb22c0",
		/* lengthSizeMinusOne 2: 3-byte lengths are invalid */
		"0164000dfee100196764000dacd94141fb0110000003001000000303"
		"20f142996001000668ebe3cb22c0",
		/* numOfSequenceParameterSets 0 */
		"0164000dffe001000668ebe3cb22c0",
		/* numOfPictureParameterSets 0 */
		"0164000dffe100196764000dacd94141fb0110000003001000000303"
		"20f142996000",
		/* SPS length 0 */
		"0164000dffe1000001000668ebe3cb22c0",
		/* SPS length runs past the end */
		"0164000dffe100ff6764000d",
		/* empty */
		"",
	};
	struct h264_config hc;
	uint8_t b[128];
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = unhex(bad[i], b, sizeof(b));
		memset(&hc, 0xa5, sizeof(hc));
		CHECK_INT(h264_config_parse(b, n, &hc), -EPROTO);
		CHECK(hc.sps == NULL);
	}
	return 0;
}

static int
t_avc_record_variants(void)
{
	struct h264_config hc;
	uint8_t b[128];
	char codecs[32];
	size_t n;

	/* reserved bits zero (some encoders), 2-byte lengths, 2 SPS, 2 PPS:
	 * the first of each is returned */
	n = unhex("0142c01e01020019"
	    "6742c01ed900a02ff97011000003000100000300320f162e48"
	    "00026742" "02" "000568cb83cb20" "00026801", b, sizeof(b));
	CHECK_INT(h264_config_parse(b, n, &hc), 0);
	CHECK_INT(hc.nal_length_size, 2);
	CHECK_INT(hc.sps_len, 25);
	CHECK(hc.sps == b + 8);
	CHECK_INT(hc.pps_len, 5);
	CHECK(hc.pps == b + 8 + 25 + 4 + 1 + 2);
	CHECK_INT(hc.width, 640);
	CHECK_INT(hc.height, 360);
	/* 1-byte lengths */
	b[4] = 0xfc;
	CHECK_INT(h264_config_parse(b, n, &hc), 0);
	CHECK_INT(hc.nal_length_size, 1);
	/* An unparsable SPS leaves the record usable with size 0 x 0. */
	n = unhex("0142c01effe1000267420100026801", b, sizeof(b));
	CHECK_INT(h264_config_parse(b, n, &hc), 0);
	CHECK_INT(hc.width, 0);
	CHECK_INT(hc.height, 0);
	CHECK_INT(hc.sps_len, 2);
	/* codecs string pads each byte to two lowercase hex digits */
	memset(&hc, 0, sizeof(hc));
	hc.profile_idc = 0x42;
	hc.constraint_flags = 0xe0;
	hc.level_idc = 0x0a;
	h264_codecs_string(&hc, codecs, sizeof(codecs));
	CHECK_STR(codecs, "avc1.42e00a");
	/* a short output buffer is truncated, still terminated */
	h264_codecs_string(&hc, codecs, 6);
	CHECK_STR(codecs, "avc1.");
	return 0;
}

/* SPS variants rewritten from real ones, sizes confirmed by ffprobe. */
static int
t_sps_variants(void)
{
	static const struct {
		const char *name, *hex;
		int w, h;
	} cases[] = {
		/*
		 * e.flv's SPS (4:4:4, 350x286) with seq_scaling_matrix_present:
		 * lists 0, 1 (default via delta -8), 6 (8x8), 9, 11 present.
		 */
		{ "scaling 444",
		  "67f4000d91b219888a1e924924a11095d10ae8857442ba215d10ae8857"
		  "442ba215d10ae8857442ba215d108a143ffffffffffffffffb282c12f7"
		  "7808800000030080000019078a14cb", 350, 286 },
		/* a.flv's SPS with pic_order_cnt_type 1, cycle of 3 offsets */
		{ "poc type 1",
		  "6764000daca151051c714141fb011000000300100000030320f1429960",
		  320, 240 },
	};
	uint8_t b[128];
	size_t i, n, k;
	int w, h, rc, seen_ok;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fprintf(stderr, "  case %s\n", cases[i].name);
		n = unhex(cases[i].hex, b, sizeof(b));
		CHECK_INT(h264_sps_dimensions(b, n, &w, &h), 0);
		CHECK_INT(w, cases[i].w);
		CHECK_INT(h, cases[i].h);
		seen_ok = 0;
		for (k = 0; k < n; k++) {
			rc = h264_sps_dimensions(b, k, &w, &h);
			if (rc == 0)
				seen_ok = 1;
			else
				CHECK_INT(seen_ok, 0);
			CHECK(rc == 0 || rc == -EPROTO);
		}
	}
	return 0;
}

/* Hand-built SPS that must be refused. */
static int
t_sps_bad(void)
{
	static const struct {
		const char *name, *hex;
	} cases[] = {
		/* NAL type 8 (PPS), otherwise a.flv's SPS */
		{ "not sps", "6864000dacd94141fb011000000300100000030320f1429960" },
		/* forbidden_zero_bit set */
		{ "forbidden", "e764000dacd94141fb011000000300100000030320f1429960" },
		/* baseline, seq_parameter_set_id with 32 leading zeros */
		{ "ue 32 zeros", "6742c01e" "00000000" "80" "ff" },
		/* baseline, sps_id 32 (> 31): 00000100001 */
		{ "sps id 32", "6742c01e" "0420" "ff" },
		/*
		 * The hand-built baseline SPS below are, in order: sps_id 0,
		 * log2_max_frame_num_minus4 0, poc type 2, 1 ref frame, gaps 0,
		 * width/height in MBs minus 1, frame_mbs_only 1, direct_8x8 1,
		 * cropping, vui 0, stop bit.
		 */
		/* pic_width_in_mbs_minus1 1100: over 16384 pixels */
		{ "too wide", "6742c01e" "da00113790" },
		/* 16x16, crop left 8: 16 - 2 * 8 = 0 columns left */
		{ "crop eats width", "6742c01e" "da7c4f40" },
		/* high profile: chroma_format_idc 4 */
		{ "chroma 4", "6764000d" "96" },
		/* high profile, 4:2:0, scaling list 0 with delta_scale 128 */
		{ "delta 128", "6764000d" "ad804020" },
		/*
		 * poc type 1, offset_for_non_ref_pic with 32 leading zeros
		 * and suffix 1: 2^32 would wrap to 0 in 32 bits
		 */
		{ "ue 32 zeros wraps", "6742c01e"
		  "d000000300020000030003a0280bfe54" },
		/* poc type 1 with 256 offset_for_ref_frame entries (max 255) */
		{ "poc cycle 256", "6742c01e" "d30080"
		  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
		  "a790" },
		/* SPS cut right after the 4 fixed bytes */
		{ "no sps id", "6764000d" },
	};
	uint8_t b[2048];
	size_t i, n;
	int w = -1, h = -1;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fprintf(stderr, "  case %s\n", cases[i].name);
		n = unhex(cases[i].hex, b, sizeof(b));
		CHECK_INT(h264_sps_dimensions(b, n, &w, &h), -EPROTO);
		CHECK_INT(w, -1);
	}
	/* larger than the 1 KiB bound: refused before parsing */
	n = unhex("6764000dacd94141fb011000000300100000030320f1429960", b,
	    sizeof(b));
	CHECK_INT(h264_sps_dimensions(b, n, &w, &h), 0);
	memset(b + n, 0xff, sizeof(b) - n);
	CHECK_INT(h264_sps_dimensions(b, 1025, &w, &h), -EPROTO);
	CHECK_INT(h264_sps_dimensions(b, 1024, &w, &h), 0);
	return 0;
}

/* Hand-built SPS at the edges of what is accepted (H.264 7.4.2.1.1). */
static int
t_sps_hand_ok(void)
{
	static const struct {
		const char *name, *hex;
		int w, h;
	} cases[] = {
		/* width_in_mbs_minus1 1023: exactly 16384 x 16 */
		{ "max wide", "6742c01e" "da00100390", 16384, 16 },
		/* 16x16, crop left 7 (4:2:0 crop unit 2): 2 x 16 */
		{ "crop 7", "6742c01e" "da7c4740", 2, 16 },
		/* scaling list 0 with delta_scale 127 then -127, rest absent */
		{ "delta 127", "6764000d" "ad80fe01fffff80b4f20", 16, 16 },
		/* poc type 1 with 255 offset_for_ref_frame entries, 16x16 */
		{ "poc cycle 255", "6742c01e" "d300807f"
		  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
		  "4f20", 16, 16 },
		/*
		 * poc type 1, offset_for_non_ref_pic -(2^31 - 1): ue(v) with
		 * the most leading zeros allowed (31), and emulation
		 * prevention bytes ahead of the size fields; 640x368 with
		 * crop bottom 4 -> 640x360 (fields confirmed by FFmpeg's
		 * trace_headers)
		 */
		{ "ue 31 zeros + epb", "6742c01e" "d00000030007fffffffe80a02ff950",
		  640, 360 },
		/*
		 * High, chroma_format_idc 0 (monochrome), frame_mbs_only 0,
		 * 2x2 MBs (32x64), crop l1 r2 t3 b0: CropUnitX 1, CropUnitY 2
		 * -> 29 x 58
		 */
		{ "monochrome fields", "6764000d" "f2d1234c94", 29, 58 },
	};
	uint8_t b[64];
	size_t i, n;
	int w, h;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fprintf(stderr, "  case %s\n", cases[i].name);
		n = unhex(cases[i].hex, b, sizeof(b));
		w = h = -1;
		CHECK_INT(h264_sps_dimensions(b, n, &w, &h), 0);
		CHECK_INT(w, cases[i].w);
		CHECK_INT(h, cases[i].h);
	}
	return 0;
}

/* ---- AudioSpecificConfig ----------------------------------------------- */

static int
t_aac_cases(void)
{
	static const struct {
		const char *name, *hex;
		size_t need;            /* bytes needed */
		uint8_t aot;
		uint32_t rate;
		uint8_t ch;
		const char *codecs;
	} cases[] = {
		/* a.flv: ffprobe LC, 44100 Hz, 1 channel */
		{ "a.flv", "120856e500", 2, 2, 44100, 1, "mp4a.40.2" },
		/* b.flv: LC, 48000 Hz, 2 channels */
		{ "b.flv", "119056e500", 2, 2, 48000, 2, "mp4a.40.2" },
		/* h.flv: LC, 22050 Hz, 1 channel */
		{ "h.flv", "138856e500", 2, 2, 22050, 1, "mp4a.40.2" },
		/* escape: 31 + 6 bits 10 -> AOT 42 (USAC), 48 kHz, stereo */
		{ "aot escape", "f94640", 3, 42, 48000, 2, "mp4a.40.42" },
		/* index 15: explicit 24-bit rate 44100, stereo */
		{ "explicit rate", "1780562210", 5, 2, 44100, 2, "mp4a.40.2" },
		/* HE-AAC explicit: AOT 5, core 24 kHz, ext 48 kHz, stereo */
		{ "he-aac", "2b1188", 3, 5, 48000, 2, "mp4a.40.5" },
		/* HE-AAC v2 explicit: AOT 29, core 24 kHz, ext 48 kHz, mono */
		{ "he-aac v2", "eb0988", 3, 29, 48000, 1, "mp4a.40.29" },
	};
	struct aac_config ac;
	uint8_t b[16];
	char codecs[32];
	size_t i, n, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fprintf(stderr, "  case %s\n", cases[i].name);
		n = unhex(cases[i].hex, b, sizeof(b));
		CHECK_INT(aac_config_parse(b, n, &ac), 0);
		CHECK_INT(ac.object_type, cases[i].aot);
		CHECK_INT(ac.sample_rate, cases[i].rate);
		CHECK_INT(ac.channels, cases[i].ch);
		aac_codecs_string(&ac, codecs, sizeof(codecs));
		CHECK_STR(codecs, cases[i].codecs);
		for (k = 0; k < cases[i].need; k++)
			CHECK_INT(aac_config_parse(b, k, &ac), -EPROTO);
		for (k = cases[i].need; k <= n; k++)
			CHECK_INT(aac_config_parse(b, k, &ac), 0);
	}
	return 0;
}

static int
t_aac_bad(void)
{
	static const char *bad[] = {
		"1690",         /* frequency index 13: reserved */
		"1710",         /* frequency index 14: reserved */
		"0790000000",   /* object type 0 */
		"1780000010",   /* explicit rate 0 */
		"2b1708",       /* HE-AAC with reserved extension index 14 */
	};
	struct aac_config ac;
	uint8_t b[16];
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = unhex(bad[i], b, sizeof(b));
		memset(&ac, 0xa5, sizeof(ac));
		CHECK_INT(aac_config_parse(b, n, &ac), -EPROTO);
		CHECK_INT(ac.object_type, 0xa5);        /* untouched */
	}
	return 0;
}

int
main(void)
{
	RUN(t_file_header_real);
	RUN(t_file_header_bad);
	RUN(t_file_header_truncated);
	RUN(t_tag_header_cases);
	RUN(t_video_cases);
	RUN(t_ex_seq_records);
	RUN(t_audio_cases);
	RUN(t_avc_records);
	RUN(t_avc_records_truncated);
	RUN(t_sps_truncated);
	RUN(t_avc_record_bad);
	RUN(t_avc_record_variants);
	RUN(t_sps_variants);
	RUN(t_sps_bad);
	RUN(t_sps_hand_ok);
	RUN(t_aac_cases);
	RUN(t_aac_bad);
	return check_done();
}
