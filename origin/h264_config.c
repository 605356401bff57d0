/*
 * h264_config: AVCDecoderConfigurationRecord and SPS picture size.
 *
 * Purpose: the AVC sequence header of an RTMP stream gives the packager its
 * SPS/PPS, the NAL length size, the RFC 6381 CODECS string and, from the
 * SPS, the RESOLUTION of the master playlist.
 *
 * Design: the record is read with a struct rd, each parameter set inside
 * its own length-bounded sub-cursor. The SPS is copied into a fixed local
 * buffer with emulation prevention bytes removed (SPS larger than
 * SPS_MAX_BYTES is refused), then read by an Exp-Golomb bit reader that
 * fails on overrun instead of inventing zero bits. Values that size or
 * count something are range-checked where they are read.
 *
 * Specs: ISO/IEC 14496-15 5.3.3.1 (AVCDecoderConfigurationRecord);
 * ITU-T H.264 (08/2021) 7.3.2.1.1 (SPS syntax), 7.4.2.1.1 (semantics),
 * 7.3.2.1.1.1 (scaling_list), 9.1 (Exp-Golomb), 7.4.1 (emulation
 * prevention); RFC 6381 3.3 (avc1 CODECS parameter).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "h264_config.h"
#include "rd.h"

#define SPS_MAX_BYTES 1024      /* real SPS are < 100 bytes; VUI keeps it small */
#define H264_MAX_DIM 16384      /* beyond any H.264 level (6.2: 139264 MBs) */

/* Bit reader over an RBSP. pos counts bits from the start of p. */
struct bits {
	const uint8_t *p;
	size_t len;     /* bytes */
	size_t pos;     /* bits consumed */
};

static int
bits_u(struct bits *b, unsigned n, uint32_t *v)
{
	uint32_t x = 0;
	unsigned i;

	/* n <= 32; check all n bits at once so a failure consumes nothing. */
	if (n > b->len * 8 - b->pos)
		return -EPROTO;
	for (i = 0; i < n; i++, b->pos++)
		x = x << 1 | ((b->p[b->pos >> 3] >> (7 - (b->pos & 7))) & 1);
	*v = x;
	return 0;
}

static int
bits_flag(struct bits *b, bool *f)
{
	uint32_t v;
	int rc;

	if ((rc = bits_u(b, 1, &v)) != 0)
		return rc;
	*f = v != 0;
	return 0;
}

/* 9.1: ue(v). More than 31 leading zeros cannot fit 32 bits: -EPROTO. */
static int
bits_ue(struct bits *b, uint32_t *v)
{
	uint32_t bit, rest;
	unsigned lz = 0;
	int rc;

	for (;;) {
		if ((rc = bits_u(b, 1, &bit)) != 0)
			return rc;
		if (bit)
			break;
		if (++lz > 31)
			return -EPROTO;
	}
	if ((rc = bits_u(b, lz, &rest)) != 0)
		return rc;
	/* lz <= 31: (2^lz - 1) + rest <= 2^32 - 2, no overflow. */
	*v = (uint32_t)((1ull << lz) - 1 + rest);
	return 0;
}

/* 9.1.1: se(v) from codeNum k: (-1)^(k+1) * Ceil(k / 2). */
static int
bits_se(struct bits *b, int32_t *v)
{
	uint32_t k;
	int rc;

	if ((rc = bits_ue(b, &k)) != 0)
		return rc;
	*v = (k & 1) ? (int32_t)((k >> 1) + 1) : -(int32_t)(k >> 1);
	return 0;
}

/* ue(v) that must not exceed max (a semantic range from 7.4.2.1.1). */
static int
bits_ue_max(struct bits *b, uint32_t max, uint32_t *v)
{
	int rc;

	if ((rc = bits_ue(b, v)) != 0)
		return rc;
	return *v > max ? -EPROTO : 0;
}

/* 7.3.2.1.1.1: skip one scaling list; only its length in bits matters. */
static int
skip_scaling_list(struct bits *b, unsigned size)
{
	int32_t last = 8, next = 8, delta;
	unsigned j;
	int rc;

	for (j = 0; j < size; j++) {
		if (next != 0) {
			if ((rc = bits_se(b, &delta)) != 0)
				return rc;
			/* 7.4.2.1.1.1: delta_scale in -128..+127 */
			if (delta < -128 || delta > 127)
				return -EPROTO;
			next = (last + delta + 256) % 256;
		}
		if (next != 0)
			last = next;
	}
	return 0;
}

/* 7.3.2.1.1: profiles whose SPS carries chroma format, bit depth, scaling. */
static bool
is_high_profile(uint32_t profile_idc)
{
	switch (profile_idc) {
	case 100: case 110: case 122: case 244: case 44: case 83: case 86:
	case 118: case 128: case 138: case 139: case 134: case 135:
		return true;
	default:
		return false;
	}
}

/* 7.4.1: drop each 0x03 that follows two zero bytes. 0 or -EPROTO. */
static int
unescape_rbsp(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
    size_t *outlen)
{
	size_t i, n = 0;
	unsigned zeros = 0;

	for (i = 0; i < len; i++) {
		if (zeros >= 2 && in[i] == 0x03) {
			zeros = 0;
			continue;
		}
		if (n == cap)
			return -EPROTO;
		out[n++] = in[i];
		zeros = in[i] == 0 ? zeros + 1 : 0;
	}
	*outlen = n;
	return 0;
}

/*
 * Parse an SPS NAL unit (header byte included) up to frame cropping and
 * return the cropped picture size. Refuses (-EPROTO) a non-SPS NAL type,
 * an SPS over SPS_MAX_BYTES, any read past the end, out-of-range syntax
 * values, crops that eat the picture, and sizes over H264_MAX_DIM. Borrows
 * nal; the outputs are written only on success.
 */
int
h264_sps_dimensions(const uint8_t *nal, size_t len, int *width, int *height)
{
	uint8_t rbsp[SPS_MAX_BYTES];
	struct bits b;
	uint32_t hdr, profile_idc, chroma_format_idc = 1, v, n, i;
	uint32_t w_mbs_m1, h_map_m1, crop[4] = { 0, 0, 0, 0 };
	bool flag, separate_colour_plane = false, frame_mbs_only;
	int32_t sv;
	int64_t w, h;
	unsigned crop_x, crop_y, sub_w, sub_h;
	size_t rlen;
	int rc;

	if (len > SPS_MAX_BYTES)
		return -EPROTO;
	if ((rc = unescape_rbsp(nal, len, rbsp, sizeof(rbsp), &rlen)) != 0)
		return rc;
	b.p = rbsp;
	b.len = rlen;
	b.pos = 0;

	/* 7.3.1: forbidden_zero_bit 0, nal_unit_type 7 (SPS) */
	if ((rc = bits_u(&b, 8, &hdr)) != 0)
		return rc;
	if ((hdr & 0x80) || (hdr & 0x1f) != 7)
		return -EPROTO;
	if ((rc = bits_u(&b, 8, &profile_idc)) != 0 ||
	    (rc = bits_u(&b, 16, &v)) != 0 ||           /* constraints, level */
	    (rc = bits_ue_max(&b, 31, &v)) != 0)        /* seq_parameter_set_id */
		return rc;

	if (is_high_profile(profile_idc)) {
		if ((rc = bits_ue_max(&b, 3, &chroma_format_idc)) != 0)
			return rc;
		if (chroma_format_idc == 3 &&
		    (rc = bits_flag(&b, &separate_colour_plane)) != 0)
			return rc;
		/* bit_depth_luma/chroma_minus8 in 0..6, qpprime flag */
		if ((rc = bits_ue_max(&b, 6, &v)) != 0 ||
		    (rc = bits_ue_max(&b, 6, &v)) != 0 ||
		    (rc = bits_flag(&b, &flag)) != 0 ||
		    (rc = bits_flag(&b, &flag)) != 0)   /* seq_scaling_matrix_present */
			return rc;
		if (flag) {
			n = chroma_format_idc != 3 ? 8 : 12;
			for (i = 0; i < n; i++) {
				if ((rc = bits_flag(&b, &flag)) != 0)
					return rc;
				if (flag && (rc = skip_scaling_list(&b,
				    i < 6 ? 16 : 64)) != 0)
					return rc;
			}
		}
	}

	/* log2_max_frame_num_minus4 in 0..12, pic_order_cnt_type in 0..2 */
	if ((rc = bits_ue_max(&b, 12, &v)) != 0 ||
	    (rc = bits_ue_max(&b, 2, &v)) != 0)
		return rc;
	if (v == 0) {
		if ((rc = bits_ue_max(&b, 12, &v)) != 0) /* log2_max_poc_lsb_minus4 */
			return rc;
	} else if (v == 1) {
		if ((rc = bits_flag(&b, &flag)) != 0 ||  /* delta_pic_order_always_zero */
		    (rc = bits_se(&b, &sv)) != 0 ||      /* offset_for_non_ref_pic */
		    (rc = bits_se(&b, &sv)) != 0 ||      /* offset_for_top_to_bottom_field */
		    (rc = bits_ue_max(&b, 255, &n)) != 0)
			return rc;
		for (i = 0; i < n; i++)                 /* offset_for_ref_frame[i] */
			if ((rc = bits_se(&b, &sv)) != 0)
				return rc;
	}
	/* max_num_ref_frames (bounded by MaxDpbFrames <= 16), gaps flag */
	if ((rc = bits_ue_max(&b, 16, &v)) != 0 ||
	    (rc = bits_flag(&b, &flag)) != 0 ||
	    (rc = bits_ue_max(&b, H264_MAX_DIM / 16, &w_mbs_m1)) != 0 ||
	    (rc = bits_ue_max(&b, H264_MAX_DIM / 16, &h_map_m1)) != 0 ||
	    (rc = bits_flag(&b, &frame_mbs_only)) != 0)
		return rc;
	if (!frame_mbs_only && (rc = bits_flag(&b, &flag)) != 0) /* mb_adaptive */
		return rc;
	if ((rc = bits_flag(&b, &flag)) != 0 ||     /* direct_8x8_inference */
	    (rc = bits_flag(&b, &flag)) != 0)       /* frame_cropping_flag */
		return rc;
	if (flag) {
		for (i = 0; i < 4; i++)             /* left, right, top, bottom */
			if ((rc = bits_ue_max(&b, H264_MAX_DIM, &crop[i])) != 0)
				return rc;
	}

	/* 6.2 Table 6-1: SubWidthC/SubHeightC; 7.4.2.1.1: CropUnitX/Y */
	sub_w = chroma_format_idc == 3 ? 1 : 2;
	sub_h = chroma_format_idc == 1 ? 2 : 1;
	if (chroma_format_idc == 0 || separate_colour_plane) {
		crop_x = 1;                     /* ChromaArrayType 0 */
		crop_y = 2 - frame_mbs_only;
	} else {
		crop_x = sub_w;
		crop_y = sub_h * (2 - frame_mbs_only);
	}
	w = ((int64_t)w_mbs_m1 + 1) * 16;
	h = ((int64_t)h_map_m1 + 1) * 16 * (2 - frame_mbs_only);
	w -= (int64_t)crop_x * ((int64_t)crop[0] + crop[1]);
	h -= (int64_t)crop_y * ((int64_t)crop[2] + crop[3]);
	if (w <= 0 || h <= 0 || w > H264_MAX_DIM || h > H264_MAX_DIM)
		return -EPROTO;
	*width = (int)w;
	*height = (int)h;
	return 0;
}

/* Read one 16-bit-length-prefixed parameter set; keep it if *out unset. */
static int
read_param_set(struct rd *r, const uint8_t **out, size_t *outlen)
{
	const uint8_t *nal;
	uint16_t n;
	int rc;

	if ((rc = rd_be16(r, &n)) != 0 || (rc = rd_ptr(r, n, &nal)) != 0)
		return rc;
	if (n == 0)                     /* a NAL unit has at least its header */
		return -EPROTO;
	if (*out == NULL) {
		*out = nal;
		*outlen = n;
	}
	return 0;
}

/*
 * Parse an AVCDecoderConfigurationRecord. Requires configurationVersion 1,
 * lengthSizeMinusOne other than 2 (3 bytes is invalid), at least one SPS
 * and one PPS, and every length within the input; bytes after the PPS
 * array (the high-profile extension) are ignored. Borrows p: c->sps and
 * c->pps point into it. width/height come from the first SPS, and are 0
 * when that SPS cannot be parsed: the record itself is still usable.
 */
int
h264_config_parse(const uint8_t *p, size_t len, struct h264_config *c)
{
	struct rd r;
	uint8_t version, b, n_sps, n_pps, i;
	int rc;

	memset(c, 0, sizeof(*c));
	rd_init(&r, p, len);
	if ((rc = rd_u8(&r, &version)) != 0 ||
	    (rc = rd_u8(&r, &c->profile_idc)) != 0 ||
	    (rc = rd_u8(&r, &c->constraint_flags)) != 0 ||
	    (rc = rd_u8(&r, &c->level_idc)) != 0 ||
	    (rc = rd_u8(&r, &b)) != 0)
		goto fail;
	/* 14496-15 5.3.3.1: configurationVersion = 1 */
	if (version != 1) {
		rc = -EPROTO;
		goto fail;
	}
	/* reserved '111111'b ignored (encoders get it wrong); 3 is invalid */
	c->nal_length_size = (uint8_t)((b & 0x03) + 1);
	if (c->nal_length_size == 3) {
		rc = -EPROTO;
		goto fail;
	}
	if ((rc = rd_u8(&r, &n_sps)) != 0)
		goto fail;
	n_sps &= 0x1f;                          /* reserved '111'b above */
	for (i = 0; i < n_sps; i++)
		if ((rc = read_param_set(&r, &c->sps, &c->sps_len)) != 0)
			goto fail;
	if ((rc = rd_u8(&r, &n_pps)) != 0)
		goto fail;
	for (i = 0; i < n_pps; i++)
		if ((rc = read_param_set(&r, &c->pps, &c->pps_len)) != 0)
			goto fail;
	if (c->sps == NULL || c->pps == NULL) {
		rc = -EPROTO;
		goto fail;
	}
	if (h264_sps_dimensions(c->sps, c->sps_len, &c->width,
	    &c->height) != 0) {
		c->width = 0;
		c->height = 0;
	}
	return 0;
fail:
	memset(c, 0, sizeof(*c));
	return rc;
}

/* RFC 6381 3.3: "avc1." + profile_idc, constraint byte, level_idc in hex. */
void
h264_codecs_string(const struct h264_config *c, char *out, size_t outlen)
{
	snprintf(out, outlen, "avc1.%02x%02x%02x", (unsigned)c->profile_idc,
	    (unsigned)c->constraint_flags, (unsigned)c->level_idc);
}
