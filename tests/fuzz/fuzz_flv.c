/*
 * fuzz_flv: libFuzzer harness for flv.c, h264_config.c and aac_config.c,
 * and for hevc_config.c and av1_config.c behind E-RTMP SequenceStart tags.
 *
 * The first input byte picks the parser (modulo 6), the rest is its input:
 *   0 video tag body      1 audio tag body
 *   2 AVC decoder configuration record, then the SPS it returned
 *   3 AudioSpecificConfig 4 a whole .flv file, walked header and tags
 *   5 a bare SPS NAL unit
 * On success the results are checked for consistency (the payload lies
 * inside the input) and the CODECS strings are built, so ASan sees every
 * byte the parsers hand back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aac_config.h"
#include "av1_config.h"
#include "flv.h"
#include "h264_config.h"
#include "hevc_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every byte of a borrowed range so ASan checks it lies in the input. */
static unsigned
touch(const uint8_t *p, size_t len)
{
	unsigned sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum += p[i];
	return sum;
}

static void
inside(const uint8_t *base, size_t size, const uint8_t *p, size_t len)
{
	if (len == 0)
		return;
	if (p < base || len > size || p > base + (size - len))
		abort();
	(void)touch(p, len);
}

/* An E-RTMP SequenceStart's record, as the session parses it. */
static void
do_ex_record(const struct flv_video *v)
{
	struct hevc_config hc;
	struct av1_config ac;
	char s[48];

	if (!v->is_ex || !v->is_seq_header)
		return;
	if (v->fourcc == FLV_FOURCC('h', 'v', 'c', '1') &&
	    hevc_config_parse(v->data, v->len, &hc) == 0) {
		inside(v->data, v->len, hc.sps, hc.sps_len);
		hevc_codecs_string(&hc, s, sizeof(s));
	} else if (v->fourcc == FLV_FOURCC('a', 'v', '0', '1') &&
	    av1_config_parse(v->data, v->len, &ac) == 0) {
		av1_codecs_string(&ac, s, sizeof(s));
	}
}

static void
do_video(const uint8_t *p, size_t n)
{
	struct flv_video v;
	int w, h;

	if (flv_video_parse(p, n, &v) == 0) {
		inside(p, n, v.data, v.len);
		if (v.cts_ms < -8388608 || v.cts_ms > 8388607)
			abort();
		do_ex_record(&v);
		/* an av01 keyframe: the session looks for a sequence header */
		if (v.is_ex && v.is_key && !v.is_seq_header &&
		    v.fourcc == FLV_FOURCC('a', 'v', '0', '1'))
			(void)av1_seq_header_dimensions(v.data, v.len, &w, &h);
	}
}

static void
do_audio(const uint8_t *p, size_t n)
{
	struct flv_audio a;

	if (flv_audio_parse(p, n, &a) == 0)
		inside(p, n, a.data, a.len);
}

static void
do_avc(const uint8_t *p, size_t n)
{
	struct h264_config c;
	char s[32];
	int w, h;

	if (h264_config_parse(p, n, &c) != 0)
		return;
	inside(p, n, c.sps, c.sps_len);
	inside(p, n, c.pps, c.pps_len);
	if (c.nal_length_size != 1 && c.nal_length_size != 2 &&
	    c.nal_length_size != 4)
		abort();
	h264_codecs_string(&c, s, sizeof(s));
	if (strlen(s) != 11)
		abort();
	if (h264_sps_dimensions(c.sps, c.sps_len, &w, &h) == 0 &&
	    (w != c.width || h != c.height))
		abort();
}

static void
do_aac(const uint8_t *p, size_t n)
{
	struct aac_config c;
	char s[32];

	if (aac_config_parse(p, n, &c) == 0) {
		aac_codecs_string(&c, s, sizeof(s));
		if (c.sample_rate == 0)
			abort();
	}
}

static void
do_sps(const uint8_t *p, size_t n)
{
	int w, h;

	if (h264_sps_dimensions(p, n, &w, &h) == 0 &&
	    (w <= 0 || h <= 0 || w > 16384 || h > 16384))
		abort();
}

/* Walk a file as a demuxer would: header, then PreviousTagSize + tag. */
static void
do_file(const uint8_t *p, size_t n)
{
	struct flv_file_header fh;
	struct flv_tag_header th;
	struct flv_video v;
	struct flv_audio a;
	struct h264_config hc;
	struct aac_config ac;
	struct rd r, body;
	uint32_t prev;
	char s[32];

	rd_init(&r, p, n);
	if (flv_file_header_parse(&r, &fh) != 0 ||
	    rd_skip(&r, fh.data_offset - 9) != 0)
		return;
	/* Each pass consumes at least 15 bytes, so the loop is bounded. */
	while (rd_be32(&r, &prev) == 0 && flv_tag_header_parse(&r, &th) == 0) {
		if (rd_sub(&r, th.data_size, &body) != 0)
			break;
		if (th.filtered)
			continue;
		if (th.type == FLV_TAG_VIDEO &&
		    flv_video_parse(body.p, body.left, &v) == 0) {
			inside(body.p, body.left, v.data, v.len);
			do_ex_record(&v);
			if (v.is_seq_header && !v.is_ex &&
			    v.codec_id == FLV_VIDEO_AVC &&
			    h264_config_parse(v.data, v.len, &hc) == 0)
				h264_codecs_string(&hc, s, sizeof(s));
		} else if (th.type == FLV_TAG_AUDIO &&
		    flv_audio_parse(body.p, body.left, &a) == 0) {
			inside(body.p, body.left, a.data, a.len);
			if (a.is_seq_header &&
			    aac_config_parse(a.data, a.len, &ac) == 0)
				aac_codecs_string(&ac, s, sizeof(s));
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	if (size < 1)
		return 0;
	/* An exact-size heap copy: any read past the end is an ASan error. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	switch (data[0] % 6) {
	case 0: do_video(copy, size - 1); break;
	case 1: do_audio(copy, size - 1); break;
	case 2: do_avc(copy, size - 1); break;
	case 3: do_aac(copy, size - 1); break;
	case 4: do_file(copy, size - 1); break;
	case 5: do_sps(copy, size - 1); break;
	}
	free(copy);
	return 0;
}
