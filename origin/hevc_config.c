/*
 * hevc_config: HEVCDecoderConfigurationRecord, SPS picture size, CODECS.
 *
 * Purpose: an Enhanced RTMP 'hvc1' stream's SequenceStart is the hvcC
 * record. The packager takes it as extradata as is; the master playlist
 * needs its CODECS string and, from the SPS, its RESOLUTION.
 *
 * Design: the fixed 23-byte head is read with struct rd, then each NAL array
 * and each NAL unit inside its own sub-cursor, so a length can never reach
 * past its parent. The SPS is copied with emulation prevention bytes removed
 * into a fixed local buffer (larger SPS are refused) and read with bitrd.
 * Only the syntax up to conformance_window is read: the rest is irrelevant
 * to the size.
 *
 * Specs: ISO/IEC 14496-15:2019 8.3.3.1 (HEVCDecoderConfigurationRecord),
 * Annex E.3 (the 'hvc1' codecs parameter); ITU-T H.265 (08/2021) 7.3.1.2
 * (NAL header), 7.3.2.2.1 (SPS), 7.3.3 (profile_tier_level), 7.4.3.2.1
 * (conformance window, SubWidthC/SubHeightC from table 6-1), 7.4.2
 * (emulation prevention).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bitrd.h"
#include "hevc_config.h"
#include "rd.h"

#define SPS_MAX_BYTES 1024   /* real SPS are < 200 bytes even with VUI */
#define HEVC_MAX_DIM 16888   /* H.265 A.4.1: sqrt(MaxLumaPs * 8) at level 6.2 */

/*
 * 7.3.3 profile_tier_level(1, max_sub_layers_minus1): the general part is
 * 88 bits of profile and 8 of level; each sub-layer then says whether its
 * own 88 and 8 bits are present.
 */
static int
skip_ptl(struct bitrd *b, unsigned max_sub_layers_minus1)
{
	bool prof[8] = { 0 }, lvl[8] = { 0 };
	unsigned i;
	int rc;

	if ((rc = bitrd_skip(b, 88 + 8)) != 0)
		return rc;
	for (i = 0; i < max_sub_layers_minus1; i++) {
		if ((rc = bitrd_flag(b, &prof[i])) != 0 ||
		    (rc = bitrd_flag(b, &lvl[i])) != 0)
			return rc;
	}
	if (max_sub_layers_minus1 > 0 &&
	    (rc = bitrd_skip(b, 2 * (8 - max_sub_layers_minus1))) != 0)
		return rc;       /* reserved_zero_2bits */
	for (i = 0; i < max_sub_layers_minus1; i++) {
		if (prof[i] && (rc = bitrd_skip(b, 88)) != 0)
			return rc;
		if (lvl[i] && (rc = bitrd_skip(b, 8)) != 0)
			return rc;
	}
	return 0;
}

/*
 * Parse an SPS NAL unit (2-byte header included) up to the conformance
 * window. 0 with the cropped size, or -EPROTO: not an SPS, truncated,
 * larger than SPS_MAX_BYTES, or a value outside its 7.4.3.2.1 range.
 */
int
hevc_sps_dimensions(const uint8_t *nal, size_t len, int *width, int *height)
{
	uint8_t rbsp[SPS_MAX_BYTES];
	size_t n = 0, i, zeros = 0;
	struct bitrd b;
	uint32_t v, max_sub, chroma, w, h, off[4] = { 0 };
	unsigned sub_w, sub_h;
	bool sep = false, win;
	int rc;

	if (len < 3 || ((nal[0] >> 1) & 0x3f) != HEVC_NAL_SPS)
		return -EPROTO;
	/* 7.4.2: drop each 0x03 that follows two zero bytes. */
	for (i = 2; i < len; i++) {
		if (zeros >= 2 && nal[i] == 0x03) {
			zeros = 0;
			continue;
		}
		if (n == sizeof(rbsp))
			return -EPROTO;
		zeros = nal[i] == 0 ? zeros + 1 : 0;
		rbsp[n++] = nal[i];
	}
	bitrd_init(&b, rbsp, n);
	/* sps_video_parameter_set_id u(4), sps_max_sub_layers_minus1 u(3) */
	if ((rc = bitrd_u(&b, 4, &v)) != 0 || (rc = bitrd_u(&b, 3, &max_sub)) != 0)
		return rc;
	if (max_sub > 6)     /* 7.4.3.2.1: 0..6 */
		return -EPROTO;
	if ((rc = bitrd_skip(&b, 1)) != 0 ||   /* temporal_id_nesting */
	    (rc = skip_ptl(&b, max_sub)) != 0)
		return rc;
	if ((rc = bitrd_ue(&b, &v)) != 0)      /* sps_seq_parameter_set_id */
		return rc;
	if (v > 15)
		return -EPROTO;
	if ((rc = bitrd_ue(&b, &chroma)) != 0)
		return rc;
	if (chroma > 3)
		return -EPROTO;
	if (chroma == 3 && (rc = bitrd_flag(&b, &sep)) != 0)
		return rc;
	if ((rc = bitrd_ue(&b, &w)) != 0 || (rc = bitrd_ue(&b, &h)) != 0 ||
	    (rc = bitrd_flag(&b, &win)) != 0)
		return rc;
	if (w == 0 || h == 0 || w > HEVC_MAX_DIM || h > HEVC_MAX_DIM)
		return -EPROTO;
	if (win) {
		for (i = 0; i < 4; i++)
			if ((rc = bitrd_ue(&b, &off[i])) != 0)
				return rc;
	}
	/* Table 6-1: 4:2:0 halves both, 4:2:2 the width, else none. */
	sub_w = (chroma == 1 || chroma == 2) && !sep ? 2 : 1;
	sub_h = chroma == 1 && !sep ? 2 : 1;
	/* 7.4.3.2.1: the window must leave at least one sample; offsets are
	 * bounded by the size (<= 16888), so no overflow below. */
	if (off[0] > w || off[1] > w || off[2] > h || off[3] > h ||
	    (uint64_t)sub_w * (off[0] + off[1]) >= w ||
	    (uint64_t)sub_h * (off[2] + off[3]) >= h)
		return -EPROTO;
	*width = (int)(w - sub_w * (off[0] + off[1]));
	*height = (int)(h - sub_h * (off[2] + off[3]));
	return 0;
}

/*
 * 8.3.3.1: configurationVersion (1), the general profile/tier/level fields
 * as in the SPS, chroma and bit depths, lengthSizeMinusOne, then
 * numOfArrays arrays of NAL units of one type each.
 */
int
hevc_config_parse(const uint8_t *p, size_t len, struct hevc_config *c)
{
	struct hevc_config t;
	struct rd r, arr;
	uint8_t ver, b, num_arrays, type;
	uint16_t num_nalus, nal_len;
	uint32_t compat;
	const uint8_t *nal;
	int rc;

	memset(&t, 0, sizeof(t));
	rd_init(&r, p, len);
	if ((rc = rd_u8(&r, &ver)) != 0)
		return rc;
	if (ver != 1)        /* 8.3.3.1.2: readers refuse unknown versions */
		return -EPROTO;
	if ((rc = rd_u8(&r, &b)) != 0 || (rc = rd_be32(&r, &compat)) != 0 ||
	    (rc = rd_bytes(&r, t.constraint, 6)) != 0 ||
	    (rc = rd_u8(&r, &t.level_idc)) != 0)
		return rc;
	t.profile_space = (uint8_t)(b >> 6);
	t.tier = (b >> 5) & 1;
	t.profile_idc = (uint8_t)(b & 0x1f);
	t.compat_flags = compat;
	/* min_spatial_segmentation (2), parallelismType (1) */
	if ((rc = rd_skip(&r, 3)) != 0 || (rc = rd_u8(&r, &b)) != 0)
		return rc;
	t.chroma_format = b & 0x03;
	if ((rc = rd_u8(&r, &b)) != 0)
		return rc;
	t.bit_depth_luma = (uint8_t)((b & 0x07) + 8);
	/* bitDepthChromaMinus8 (1), avgFrameRate (2) */
	if ((rc = rd_skip(&r, 3)) != 0 || (rc = rd_u8(&r, &b)) != 0)
		return rc;
	if ((b & 0x03) == 2)  /* lengthSizeMinusOne: 0, 1 or 3 */
		return -EPROTO;
	t.nal_length_size = (uint8_t)((b & 0x03) + 1);
	if ((rc = rd_u8(&r, &num_arrays)) != 0)
		return rc;
	for (unsigned i = 0; i < num_arrays; i++) {
		if ((rc = rd_u8(&r, &type)) != 0 ||
		    (rc = rd_be16(&r, &num_nalus)) != 0)
			return rc;
		type &= 0x3f;
		for (unsigned j = 0; j < num_nalus; j++) {
			if ((rc = rd_be16(&r, &nal_len)) != 0 ||
			    (rc = rd_sub(&r, nal_len, &arr)) != 0 ||
			    (rc = rd_ptr(&arr, nal_len, &nal)) != 0)
				return rc;
			if (type == HEVC_NAL_SPS && t.sps == NULL && nal_len > 0) {
				t.sps = nal;
				t.sps_len = nal_len;
			}
		}
	}
	/* Trailing bytes are tolerated: later versions may append fields. */
	if (t.sps != NULL &&
	    hevc_sps_dimensions(t.sps, t.sps_len, &t.width, &t.height) != 0)
		t.width = t.height = 0;
	*c = t;
	return 0;
}

/* Reverse the bit order of a 32-bit word (Annex E.3, the compat field). */
static uint32_t
rev32(uint32_t x)
{
	uint32_t y = 0;

	for (int i = 0; i < 32; i++, x >>= 1)
		y = y << 1 | (x & 1);
	return y;
}

/*
 * ISO/IEC 14496-15 Annex E.3: 'hvc1', then general_profile_space as
 * "", "A", "B" or "C" followed by general_profile_idc in decimal; the 32
 * compatibility flags in reverse bit order, hex, leading zeros omitted;
 * 'L' or 'H' for the tier and general_level_idc in decimal; then the six
 * constraint bytes in hex, each after a period, trailing zero bytes
 * omitted (at least one is kept, as GPAC and mp4ff do; leading zeros are
 * not written, as in the compat field). Main 3.1: "hvc1.1.6.L93.B0".
 */
void
hevc_codecs_string(const struct hevc_config *c, char *out, size_t outlen)
{
	static const char *const space[4] = { "", "A", "B", "C" };
	size_t n;
	int last = 0, i, k;

	if (outlen == 0)
		return;
	k = snprintf(out, outlen, "hvc1.%s%u.%X.%c%u", space[c->profile_space & 3],
	    c->profile_idc, rev32(c->compat_flags), c->tier ? 'H' : 'L',
	    c->level_idc);
	if (k < 0 || (size_t)k >= outlen)
		return;
	n = (size_t)k;
	for (i = 0; i < 6; i++)
		if (c->constraint[i])
			last = i;
	for (i = 0; i <= last; i++) {
		k = snprintf(out + n, outlen - n, ".%X", c->constraint[i]);
		if (k < 0 || (size_t)k >= outlen - n)
			return;
		n += (size_t)k;
	}
}
