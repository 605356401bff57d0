/*
 * annexb: H.264 Annex B to AVCC; see annexb.h.
 *
 * Design: the scanner keeps a cursor (p, left) at the byte after a start
 * code, or at the input's start before the first one. A NAL unit ends where
 * the next 00 00 00 or 00 00 01 begins (B.2: inside a NAL unit, emulation
 * prevention guarantees neither occurs), or at the end of the input.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "annexb.h"

void
annexb_rd_init(struct annexb_rd *a, const uint8_t *p, size_t len)
{
	a->p = p;
	a->left = p ? len : 0;
}

bool
annexb_is_annexb(const uint8_t *p, size_t len)
{
	return (len >= 3 && p[0] == 0 && p[1] == 0 && p[2] == 1) ||
	    (len >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 1);
}

/* Offset of the first 00 00 01 in p[0..len), or len. */
static size_t
find_sc3(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 2 < len; i++) {
		if (p[i + 2] > 1) {
			i += 2;  /* no start code can begin at i, i+1 or i+2 */
			continue;
		}
		if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1)
			return i;
	}
	return len;
}

int
annexb_next(struct annexb_rd *a, struct annexb_nal *nal)
{
	/* A 4-byte start code's leading zero lies before sc and is skipped
	 * with whatever precedes it. */
	for (;;) {
		size_t sc = find_sc3(a->p, a->left), end, next;

		if (sc == a->left)
			return -ENOENT;  /* no start code (left): nothing more */
		a->p += sc + 3;
		a->left -= sc + 3;
		next = find_sc3(a->p, a->left);
		end = next;
		/* The NAL unit ends before trailing zeros (and the zero of a
		 * 4-byte start code), B.1.1 trailing_zero_8bits. */
		while (end > 0 && a->p[end - 1] == 0)
			end--;
		if (end == 0) {
			/* Empty NAL unit (e.g. 00 00 01 00 00 01): skip it. */
			if (next == a->left) {
				a->p += a->left;
				a->left = 0;
				return -ENOENT;
			}
			a->p += next;
			a->left -= next;
			continue;
		}
		nal->p = a->p;
		nal->len = end;
		nal->type = a->p[0] & 0x1f;
		/* Leave the cursor at the next start code (or the end), so the
		 * next call's scan finds it at offset 0. */
		a->p += next;
		a->left -= next;
		return 0;
	}
}

int
annexb_to_avcc(const uint8_t *p, size_t len, struct buf *out, struct annexb_au *au)
{
	struct annexb_rd a;
	struct annexb_nal nal;
	int errs = 0;

	memset(au, 0, sizeof(*au));
	annexb_rd_init(&a, p, len);
	while (annexb_next(&a, &nal) == 0) {
		switch (nal.type) {
		case H264_NAL_SPS:
			au->sps = nal.p;
			au->sps_len = nal.len;
			continue;
		case H264_NAL_PPS:
			au->pps = nal.p;
			au->pps_len = nal.len;
			continue;
		case H264_NAL_AUD:
		case H264_NAL_FILLER:
			continue;
		case H264_NAL_IDR:
			au->has_idr = true;
			break;
		default:
			break;
		}
		if (nal.len > UINT32_MAX)
			return -EPROTO;
		errs |= buf_put_be32(out, (uint32_t)nal.len);
		errs |= buf_append(out, nal.p, nal.len);
		au->n_nals++;
	}
	if (errs || out->err)
		return out->err ? out->err : -ENOBUFS;
	return au->n_nals ? 0 : -ENODATA;
}

int
annexb_avcc_record(const uint8_t *sps, size_t sps_len, const uint8_t *pps, size_t pps_len,
    struct buf *out)
{
	int errs = 0;

	buf_reset(out);
	/* 14496-15 5.3.3.1: profile, compatibility and level come from SPS bytes 1-3. */
	if (sps == NULL || pps == NULL || sps_len < 4 || pps_len < 1 ||
	    sps_len > ANNEXB_PARAM_MAX || pps_len > ANNEXB_PARAM_MAX ||
	    (sps[0] & 0x1f) != H264_NAL_SPS || (pps[0] & 0x1f) != H264_NAL_PPS)
		return -EPROTO;
	errs |= buf_put_u8(out, 1);               /* configurationVersion */
	errs |= buf_put_u8(out, sps[1]);          /* AVCProfileIndication */
	errs |= buf_put_u8(out, sps[2]);          /* profile_compatibility */
	errs |= buf_put_u8(out, sps[3]);          /* AVCLevelIndication */
	errs |= buf_put_u8(out, 0xfc | 3);        /* lengthSizeMinusOne = 3 */
	errs |= buf_put_u8(out, 0xe0 | 1);        /* numOfSequenceParameterSets */
	errs |= buf_put_be16(out, (uint16_t)sps_len);
	errs |= buf_append(out, sps, sps_len);
	errs |= buf_put_u8(out, 1);               /* numOfPictureParameterSets */
	errs |= buf_put_be16(out, (uint16_t)pps_len);
	errs |= buf_append(out, pps, pps_len);
	if (errs || out->err)
		return out->err ? out->err : -ENOBUFS;
	return 0;
}

int
annexb_find_params(const uint8_t *p, size_t len, struct annexb_au *au)
{
	struct annexb_rd a;
	struct annexb_nal nal;

	memset(au, 0, sizeof(*au));
	annexb_rd_init(&a, p, len);
	while (annexb_next(&a, &nal) == 0) {
		if (nal.type == H264_NAL_SPS) {
			au->sps = nal.p;
			au->sps_len = nal.len;
		} else if (nal.type == H264_NAL_PPS) {
			au->pps = nal.p;
			au->pps_len = nal.len;
		}
	}
	return au->sps && au->pps ? 0 : -ENOENT;
}
