/*
 * test_video_config: the Enhanced RTMP sequence headers: hvcC with its SPS
 * (hevc_config.c) and av1C with its sequence header OBU (av1_config.c),
 * and their CODECS strings (known answers).
 *
 * The records are real: extradata of MP4 files written on Debian 12 by
 * FFmpeg 5.1 (libx265 3.5, libsvtav1 1.4.1, libaom 3.6), e.g.
 *   ffmpeg -f lavfi -i testsrc2=size=1920x1080 -frames:v 1 -c:v libx265 \
 *       -tag:v hvc1 h.mp4
 * cut to the VPS, SPS and PPS arrays (the SEI array x265 adds is dropped).
 * ffprobe's profile, level and size for each file are noted beside it.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "av1_config.h"
#include "check.h"
#include "hevc_config.h"

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

/* ---- HEVC ------------------------------------------------------------ */

struct hevc_case {
	const char *name, *hex, *codecs;
	int w, h;
	unsigned profile, level, bit_depth;
};

static const struct hevc_case hevc_cases[] = {
	/* ffprobe: Main, level 60, 320x240 (libx265 ultrafast) */
	{ "main 320x240",
	  "0101600000009000000000003cf000fcfdf8f800000f03a00001001840010c01ffff"
	  "01600000030090000003000003003c959009a10001002a420101016000000300900000"
	  "03000003003ca00a080f16595912930bc05a020000030002000003003210a200010006"
	  "4401c073c189", "hvc1.1.6.L60.90", 320, 240, 1, 60, 8 },
	/* ffprobe: Main, level 120, 1920x1080 (coded 1088, cropped by the
	 * conformance window) */
	{ "main 1080p cropped",
	  "01016000000090000000000078f000fcfdf8f800000f03a00001001840010c01ffff"
	  "016000000300900000030000030078959409a10001002b420101016000000300900000"
	  "030000030078a003c0801107cb965654a4c2f0168080000003008000000c84a2000100"
	  "064401c073c189", "hvc1.1.6.L120.90", 1920, 1080, 1, 120, 8 },
	/* ffprobe: Main 10, level 93, 1280x720 */
	{ "main10 720p",
	  "0102200000009000000000005df000fcfdfafa00000f03a00001001840010c01ffff"
	  "02200000030090000003000003005d959409a10001002b420101022000000300900000"
	  "03000003005da00280802d136595952930bc05a02000000300200000030321a2000100"
	  "064401c073c189", "hvc1.2.4.L93.90", 1280, 720, 2, 93, 10 },
};

static int
t_hevc_records(void)
{
	uint8_t b[512];
	struct hevc_config c;
	char s[64];
	size_t i, n;

	for (i = 0; i < sizeof(hevc_cases) / sizeof(hevc_cases[0]); i++) {
		const struct hevc_case *k = &hevc_cases[i];

		fprintf(stderr, "  case %s\n", k->name);
		n = unhex(k->hex, b, sizeof(b));
		CHECK_INT(hevc_config_parse(b, n, &c), 0);
		CHECK_INT(c.profile_idc, k->profile);
		CHECK_INT(c.level_idc, k->level);
		CHECK_INT(c.bit_depth_luma, k->bit_depth);
		CHECK_INT(c.nal_length_size, 4);
		CHECK_INT(c.width, k->w);
		CHECK_INT(c.height, k->h);
		CHECK(c.sps != NULL && c.sps >= b && c.sps + c.sps_len <= b + n);
		hevc_codecs_string(&c, s, sizeof(s));
		CHECK_STR(s, k->codecs);
	}
	return 0;
}

/* Every prefix of a good record fails cleanly, or parses (ASan watches). */
static int
t_hevc_truncated(void)
{
	uint8_t b[512];
	struct hevc_config c;
	size_t n, k;

	n = unhex(hevc_cases[1].hex, b, sizeof(b));
	for (k = 0; k < n; k++) {
		int rc = hevc_config_parse(b, k, &c);

		/* the record is complete only with its last array */
		CHECK_INT(rc, -EPROTO);
	}
	return 0;
}

static int
t_hevc_bad(void)
{
	uint8_t b[512];
	struct hevc_config c;
	size_t n;

	n = unhex(hevc_cases[0].hex, b, sizeof(b));
	b[0] = 0;                       /* configurationVersion 0 */
	CHECK_INT(hevc_config_parse(b, n, &c), -EPROTO);
	b[0] = 1;
	b[21] = (uint8_t)((b[21] & ~3) | 2);   /* 3-byte NAL lengths */
	CHECK_INT(hevc_config_parse(b, n, &c), -EPROTO);
	b[21] |= 3;
	b[22] = 4;                      /* one array more than there is */
	CHECK_INT(hevc_config_parse(b, n, &c), -EPROTO);
	/* No arrays at all: a valid record without a size. */
	b[22] = 0;
	CHECK_INT(hevc_config_parse(b, 23, &c), 0);
	CHECK_INT(c.width, 0);
	CHECK(c.sps == NULL);
	return 0;
}

/* The SPS alone: bad NAL type, every truncation, a broken window. */
static int
t_hevc_sps(void)
{
	/* the 320x240 SPS (NAL header 42 01) */
	static const char sps_hex[] = "42010101600000030090000003000003003c"
	    "a00a080f16595912930bc05a020000030002000003003210";
	uint8_t b[128];
	size_t n, k;
	int w = 0, h = 0;

	n = unhex(sps_hex, b, sizeof(b));
	CHECK_INT(hevc_sps_dimensions(b, n, &w, &h), 0);
	CHECK_INT(w, 320);
	CHECK_INT(h, 240);
	for (k = 0; k < 22; k++)
		CHECK_INT(hevc_sps_dimensions(b, k, &w, &h), -EPROTO);
	b[0] = 0x40;                    /* a VPS header */
	CHECK_INT(hevc_sps_dimensions(b, n, &w, &h), -EPROTO);
	return 0;
}

/* Annex E.3 strings for the fields the real files do not exercise. */
static int
t_hevc_codecs_strings(void)
{
	struct hevc_config c;
	char s[64];

	memset(&c, 0, sizeof(c));
	c.profile_idc = 1;
	c.compat_flags = 0x60000000;
	c.level_idc = 93;
	c.constraint[0] = 0xb0;
	hevc_codecs_string(&c, s, sizeof(s));
	CHECK_STR(s, "hvc1.1.6.L93.B0");        /* the Annex E example */
	c.profile_space = 1;
	c.tier = true;
	c.profile_idc = 2;
	c.compat_flags = 0x20000000;
	c.level_idc = 153;
	c.constraint[0] = 0xb0;
	c.constraint[3] = 0x01;
	hevc_codecs_string(&c, s, sizeof(s));
	CHECK_STR(s, "hvc1.A2.4.H153.B0.0.0.1");
	memset(c.constraint, 0, sizeof(c.constraint));
	c.profile_space = 3;
	c.compat_flags = 0xffffffff;
	hevc_codecs_string(&c, s, sizeof(s));
	CHECK_STR(s, "hvc1.C2.FFFFFFFF.H153.0");
	hevc_codecs_string(&c, s, 8);           /* truncated, terminated */
	CHECK_INT(strlen(s), 7);
	return 0;
}

/* ---- AV1 ------------------------------------------------------------- */

struct av1_case {
	const char *name, *hex, *codecs;
	int w, h;
	unsigned profile, level, bit_depth;
};

static const struct av1_case av1_cases[] = {
	/* ffprobe: Main, level 0, 320x240 (libsvtav1 preset 12) */
	{ "svt 320x240", "81000c000a0b000000043cffbc02f80040", "av01.0.00M.08",
	  320, 240, 0, 0, 8 },
	/* ffprobe: Main, level 8, 1920x1080, yuv420p10le (libsvtav1) */
	{ "svt 1080p 10 bit", "81084c000a0b00000042abbfc3700be101", "av01.0.08M.10",
	  1920, 1080, 0, 8, 10 },
	/* ffprobe: Main, level 1, 640x360 (libaom cpu-used 8) */
	{ "aom 640x360", "81010c000a0b0000000cc4ff6736be4010", "av01.0.01M.08",
	  640, 360, 0, 1, 8 },
	/* no configOBUs (allowed by AV1-ISOBMFF 2.3.4): size unknown;
	 * High tier, profile 2 12 bit (hand-made) */
	{ "bare high 12", "8153ec00", "av01.2.19H.12", 0, 0, 2, 19, 12 },
};

static int
t_av1_records(void)
{
	uint8_t b[64];
	struct av1_config c;
	char s[32];
	size_t i, n;

	for (i = 0; i < sizeof(av1_cases) / sizeof(av1_cases[0]); i++) {
		const struct av1_case *k = &av1_cases[i];

		fprintf(stderr, "  case %s\n", k->name);
		n = unhex(k->hex, b, sizeof(b));
		CHECK_INT(av1_config_parse(b, n, &c), 0);
		CHECK_INT(c.seq_profile, k->profile);
		CHECK_INT(c.seq_level_idx, k->level);
		CHECK_INT(c.bit_depth, k->bit_depth);
		CHECK_INT(c.width, k->w);
		CHECK_INT(c.height, k->h);
		av1_codecs_string(&c, s, sizeof(s));
		CHECK_STR(s, k->codecs);
	}
	return 0;
}

static int
t_av1_bad(void)
{
	uint8_t b[64];
	struct av1_config c;
	size_t n, k;

	n = unhex(av1_cases[0].hex, b, sizeof(b));
	for (k = 0; k < 4; k++)
		CHECK_INT(av1_config_parse(b, k, &c), -EPROTO);
	/* a cut configOBU still parses the record, without a size */
	for (k = 4; k < n; k++) {
		CHECK_INT(av1_config_parse(b, k, &c), 0);
		CHECK_INT(c.width, 0);
	}
	b[0] = 0x01;                    /* marker bit clear */
	CHECK_INT(av1_config_parse(b, n, &c), -EPROTO);
	b[0] = 0x82;                    /* version 2 */
	CHECK_INT(av1_config_parse(b, n, &c), -EPROTO);
	b[0] = 0x81;
	b[1] = 0xe0;                    /* seq_profile 7 */
	CHECK_INT(av1_config_parse(b, n, &c), -EPROTO);
	return 0;
}

/* A keyframe temporal unit: delimiter, sequence header, frame. */
static int
t_av1_keyframe(void)
{
	uint8_t b[64];
	size_t n, k;
	int w = 0, h = 0;

	n = unhex("1200" "0a0b0000000cc4ff6736be4010" "3203aabbcc", b, sizeof(b));
	CHECK_INT(av1_seq_header_dimensions(b, n, &w, &h), 0);
	CHECK_INT(w, 640);
	CHECK_INT(h, 360);
	/* a delta frame: no sequence header */
	n = unhex("1200" "3203aabbcc", b, sizeof(b));
	CHECK_INT(av1_seq_header_dimensions(b, n, &w, &h), -ENOENT);
	/* an OBU size past the end */
	n = unhex("1200" "0a7f0000", b, sizeof(b));
	CHECK_INT(av1_seq_header_dimensions(b, n, &w, &h), -EPROTO);
	/* forbidden bit */
	n = unhex("9200", b, sizeof(b));
	CHECK_INT(av1_seq_header_dimensions(b, n, &w, &h), -EPROTO);
	/* a leb128 of 9 bytes */
	n = unhex("0affffffffffffffff01", b, sizeof(b));
	CHECK_INT(av1_seq_header_dimensions(b, n, &w, &h), -EPROTO);
	/* the last OBU without obu_size runs to the end */
	n = unhex("1200" "080000000cc4ff6736be4010", b, sizeof(b));
	CHECK_INT(av1_seq_header_dimensions(b, n, &w, &h), 0);
	CHECK_INT(w, 640);
	/* every truncation of the sequence header fails cleanly */
	n = unhex("0a0b0000000cc4ff6736be4010", b, sizeof(b));
	for (k = 0; k < n; k++)
		CHECK(av1_seq_header_dimensions(b, k, &w, &h) != 0);
	return 0;
}

/* Sequence headers with timing and decoder model info (AV1 5.5.3-5.5.5):
 * the fields before the size are skipped by their coded lengths. */
static int
t_av1_seq_timing(void)
{
	/*
	 * Hand-built: profile 0, timing_info_present 1 (display tick 1,
	 * time scale 25, equal_picture_interval 1, uvlc 0), decoder model
	 * (buffer_delay_length 5 bits), initial_display_delay_present 1,
	 * one operating point with level 8 (seq_tier 0), decoder model and
	 * display delay present; then 11-bit sizes 1280x720.
	 */
	static const char bits[] =
	    "000" "0" "0" "1"
	    "00000000000000000000000000000001"
	    "00000000000000000000000000011001"
	    "1" "1"
	    "1" "00100" "00000000000000000000000000000001" "11111" "11111"
	    "1" "00000"
	    "000000000000" "01000" "0"
	    "1" "00000" "00000" "0"
	    "1" "0011"
	    "1010" "1010"
	    "10011111111" "01011001111";
	uint8_t b[64] = { 0 };
	size_t i, nbits = strlen(bits);
	int w = 0, h = 0;

	b[0] = 0x0a;   /* OBU header: sequence header, has_size_field */
	b[1] = (uint8_t)((nbits + 7) / 8);
	for (i = 0; i < nbits; i++)
		if (bits[i] == '1')
			b[2 + i / 8] |= (uint8_t)(0x80 >> (i % 8));
	CHECK_INT(av1_seq_header_dimensions(b, 2 + b[1], &w, &h), 0);
	CHECK_INT(w, 1280);
	CHECK_INT(h, 720);
	return 0;
}

int
main(void)
{
	RUN(t_hevc_records);
	RUN(t_hevc_truncated);
	RUN(t_hevc_bad);
	RUN(t_hevc_sps);
	RUN(t_hevc_codecs_strings);
	RUN(t_av1_records);
	RUN(t_av1_bad);
	RUN(t_av1_keyframe);
	RUN(t_av1_seq_timing);
	return check_done();
}
