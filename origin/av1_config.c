/*
 * av1_config: AV1CodecConfigurationRecord, sequence header size, CODECS.
 *
 * Purpose: an Enhanced RTMP 'av01' stream's SequenceStart is the av1C
 * record. The packager takes it as extradata as is; the master playlist
 * needs its CODECS string and a RESOLUTION, which only a sequence header
 * OBU knows: the one in configOBUs, else the one every keyframe's temporal
 * unit carries (AV1-ISOBMFF 2.4 wants it in sync samples).
 *
 * Design: the 4-byte head is read with struct rd; OBUs are walked with rd,
 * each payload inside its own sub-cursor sized by its leb128 obu_size. The
 * sequence header is read with bitrd only up to max_frame_height_minus_1;
 * every field before it is either skipped by its coded length or, for the
 * operating points, read because its length depends on it.
 *
 * Specs: AV1-ISOBMFF v1.2.0 2.3 (AV1CodecConfigurationRecord), "Codecs
 * Parameter String" annex; AV1 bitstream spec v1.0.0 errata 1: 4.10.5
 * leb128, 5.3.1-5.3.3 OBU header, 5.5.1 sequence_header_obu, 5.5.3
 * timing_info, 5.5.4 decoder_model_info, 5.5.5 operating_parameters_info.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "av1_config.h"
#include "bitrd.h"
#include "rd.h"

#define AV1_MAX_DIM 65536            /* frame_width_bits <= 16 */

/* 4.10.5 leb128(): at most 8 bytes, value below 2^32 in practice. */
static int
rd_leb128(struct rd *r, uint64_t *v)
{
	uint64_t x = 0;
	uint8_t b;
	int rc;

	for (unsigned i = 0; i < 8; i++) {
		if ((rc = rd_u8(r, &b)) != 0)
			return rc;
		x |= (uint64_t)(b & 0x7f) << (i * 7);
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -EPROTO;
}

/* 5.5.1 sequence_header_obu() up to the maximum frame size. */
static int
seq_header_size(const uint8_t *p, size_t len, int *width, int *height)
{
	struct bitrd b;
	uint32_t v, n_ops, buf_delay_len = 0, wbits, hbits, w, h, lvl;
	bool reduced, timing, dec_model = false, init_delay, f;
	int rc;

	bitrd_init(&b, p, len);
	/* seq_profile f(3), still_picture f(1), reduced_still_picture_header f(1) */
	if ((rc = bitrd_u(&b, 3, &v)) != 0 || (rc = bitrd_skip(&b, 1)) != 0 ||
	    (rc = bitrd_flag(&b, &reduced)) != 0)
		return rc;
	if (v > 2)
		return -EPROTO;
	if (reduced) {
		if ((rc = bitrd_skip(&b, 5)) != 0)   /* seq_level_idx[0] */
			return rc;
	} else {
		if ((rc = bitrd_flag(&b, &timing)) != 0)
			return rc;
		if (timing) {
			/* 5.5.3: num_units_in_display_tick, time_scale */
			if ((rc = bitrd_skip(&b, 64)) != 0 ||
			    (rc = bitrd_flag(&b, &f)) != 0)
				return rc;
			if (f && (rc = bitrd_uvlc(&b, &v)) != 0)
				return rc;
			if ((rc = bitrd_flag(&b, &dec_model)) != 0)
				return rc;
			if (dec_model) {
				/* 5.5.4 decoder_model_info */
				if ((rc = bitrd_u(&b, 5, &buf_delay_len)) != 0 ||
				    (rc = bitrd_skip(&b, 32 + 5 + 5)) != 0)
					return rc;
				buf_delay_len++;
			}
		}
		if ((rc = bitrd_flag(&b, &init_delay)) != 0 ||
		    (rc = bitrd_u(&b, 5, &n_ops)) != 0)
			return rc;
		for (uint32_t i = 0; i <= n_ops; i++) {
			/* operating_point_idc f(12), seq_level_idx f(5) */
			if ((rc = bitrd_skip(&b, 12)) != 0 ||
			    (rc = bitrd_u(&b, 5, &lvl)) != 0)
				return rc;
			if (lvl > 7 && (rc = bitrd_skip(&b, 1)) != 0)
				return rc;    /* seq_tier */
			if (dec_model) {
				if ((rc = bitrd_flag(&b, &f)) != 0)
					return rc;
				/* 5.5.5: two delays of n bits, low_delay_mode */
				if (f && (rc = bitrd_skip(&b,
				    2 * (size_t)buf_delay_len + 1)) != 0)
					return rc;
			}
			if (init_delay) {
				if ((rc = bitrd_flag(&b, &f)) != 0)
					return rc;
				if (f && (rc = bitrd_skip(&b, 4)) != 0)
					return rc;
			}
		}
	}
	if ((rc = bitrd_u(&b, 4, &wbits)) != 0 ||
	    (rc = bitrd_u(&b, 4, &hbits)) != 0 ||
	    (rc = bitrd_u(&b, wbits + 1, &w)) != 0 ||
	    (rc = bitrd_u(&b, hbits + 1, &h)) != 0)
		return rc;
	/* max_frame_*_minus_1 of at most 16 bits: the size fits an int. */
	*width = (int)w + 1;
	*height = (int)h + 1;
	return 0;
}

/*
 * 5.3.1 open_bitstream_unit: obu_header (forbidden bit, type f(4),
 * extension flag, has_size_field, reserved), an extension byte if
 * flagged, then leb128 obu_size if has_size_field, else the OBU runs to
 * the end of the data.
 */
int
av1_seq_header_dimensions(const uint8_t *p, size_t len, int *width, int *height)
{
	struct rd r, obu;
	uint8_t h, type;
	uint64_t size;
	int rc;

	rd_init(&r, p, len);
	while (r.left > 0) {
		if ((rc = rd_u8(&r, &h)) != 0)
			return rc;
		if (h & 0x80)            /* obu_forbidden_bit */
			return -EPROTO;
		type = (uint8_t)((h >> 3) & 0x0f);
		if ((h & 0x04) && (rc = rd_skip(&r, 1)) != 0)
			return rc;
		if (h & 0x02) {
			if ((rc = rd_leb128(&r, &size)) != 0)
				return rc;
			if (size > r.left)
				return -EPROTO;
		} else {
			size = r.left;
		}
		if ((rc = rd_sub(&r, (size_t)size, &obu)) != 0)
			return rc;
		if (type == AV1_OBU_SEQUENCE_HEADER)
			return seq_header_size(obu.p, obu.left, width, height);
	}
	return -ENOENT;
}

/*
 * AV1-ISOBMFF 2.3.3: marker f(1) = 1, version f(7) = 1, seq_profile f(3),
 * seq_level_idx_0 f(5), seq_tier_0, high_bitdepth, twelve_bit, monochrome,
 * chroma_subsampling_x, chroma_subsampling_y f(1) each,
 * chroma_sample_position f(2), reserved f(3), initial_presentation_delay
 * f(5), then configOBUs to the end.
 */
int
av1_config_parse(const uint8_t *p, size_t len, struct av1_config *c)
{
	struct av1_config t;
	struct rd r;
	uint8_t b0, b1, b2, b3;
	int rc;

	memset(&t, 0, sizeof(t));
	rd_init(&r, p, len);
	if ((rc = rd_u8(&r, &b0)) != 0 || (rc = rd_u8(&r, &b1)) != 0 ||
	    (rc = rd_u8(&r, &b2)) != 0 || (rc = rd_u8(&r, &b3)) != 0)
		return rc;
	if (b0 != 0x81)          /* marker 1, version 1 */
		return -EPROTO;
	t.seq_profile = (uint8_t)(b1 >> 5);
	t.seq_level_idx = (uint8_t)(b1 & 0x1f);
	if (t.seq_profile > 2)   /* AV1 6.4.1: 3..7 reserved */
		return -EPROTO;
	t.tier = (b2 >> 7) & 1;
	/* AV1 5.5.2 color_config: BitDepth from high_bitdepth, twelve_bit */
	t.bit_depth = (b2 & 0x40) ? ((b2 & 0x20) ? 12 : 10) : 8;
	t.monochrome = (b2 >> 4) & 1;
	t.subsampling_x = (b2 >> 3) & 1;
	t.subsampling_y = (b2 >> 2) & 1;
	t.chroma_sample_position = b2 & 0x03;
	(void)b3;
	if (r.left > 0 &&
	    av1_seq_header_dimensions(r.p, r.left, &t.width, &t.height) != 0)
		t.width = t.height = 0;
	*c = t;
	return 0;
}

/*
 * AV1-ISOBMFF, Codecs Parameter String: "av01.P.LLT.DD" with P the
 * seq_profile, LL the seq_level_idx_0 in two digits, T 'M' (Main tier) or
 * 'H', and DD the bit depth in two digits. The optional fields (mono,
 * subsampling, colour) may be left out, and are: the short form says all a
 * player needs to pick a decoder. Example: "av01.0.04M.08".
 */
void
av1_codecs_string(const struct av1_config *c, char *out, size_t outlen)
{
	if (outlen == 0)
		return;
	snprintf(out, outlen, "av01.%u.%02u%c.%02u", c->seq_profile,
	    c->seq_level_idx, c->tier ? 'H' : 'M', c->bit_depth);
}
