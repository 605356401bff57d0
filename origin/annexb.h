/*
 * annexb: H.264 byte streams (ITU-T H.264 Annex B: NAL units after
 * 0x000001 / 0x00000001 start codes, as MPEG-TS and RTP depacketizers
 * deliver them) turned into what seg_mux takes, the AVCC form of RTMP
 * (ISO/IEC 14496-15 5.3.4.2.1: each NAL unit after a 4-byte big-endian
 * length) and an AVCDecoderConfigurationRecord (5.3.3.1) built from the SPS
 * and PPS seen in-band or in extradata.
 *
 * All of it is peer input: the scanner reads only within the given length,
 * trailing_zero_8bits (B.1.1) are not part of a NAL unit, empty NAL units
 * are skipped, and output goes to a bounded buf.
 */
#ifndef CDN_ANNEXB_H
#define CDN_ANNEXB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* H.264 7.4.1.2: nal_unit_type values we act on. */
#define H264_NAL_SLICE 1
#define H264_NAL_IDR 5
#define H264_NAL_SEI 6
#define H264_NAL_SPS 7
#define H264_NAL_PPS 8
#define H264_NAL_AUD 9
#define H264_NAL_FILLER 12

#define ANNEXB_PARAM_MAX 1024   /* an SPS or PPS longer than this is refused */

struct annexb_rd {
	const uint8_t *p;
	size_t left;
};

struct annexb_nal {
	const uint8_t *p;          /* the NAL unit, header byte first (borrowed) */
	size_t len;                /* >= 1 */
	uint8_t type;              /* nal_unit_type */
};

/* What an access unit held besides its slices. */
struct annexb_au {
	bool has_idr;
	const uint8_t *sps;        /* the last SPS, or NULL (borrowed from the input) */
	size_t sps_len;
	const uint8_t *pps;        /* the last PPS, or NULL */
	size_t pps_len;
	size_t n_nals;             /* NAL units written to the output */
};

void annexb_rd_init(struct annexb_rd *a, const uint8_t *p, size_t len);
/*
 * The next NAL unit. 0, or -ENOENT at the end. Bytes before the first start
 * code are skipped (a stream may be cut anywhere).
 */
int annexb_next(struct annexb_rd *a, struct annexb_nal *nal);
/* Whether p starts with a start code (00 00 01 or 00 00 00 01). */
bool annexb_is_annexb(const uint8_t *p, size_t len);

/*
 * Convert one Annex B access unit p[0..len) to AVCC with 4-byte lengths,
 * appended to out. SPS, PPS, AUD and filler NAL units are left out (the
 * muxer writes its own AUD and takes parameter sets from the record) and
 * reported in *au. Returns 0, -ENODATA when no NAL unit is left, or out's
 * error (-ENOBUFS past its ceiling, -ENOMEM).
 */
int annexb_to_avcc(const uint8_t *p, size_t len, struct buf *out, struct annexb_au *au);

/*
 * Build an AVCDecoderConfigurationRecord with one SPS and one PPS (NAL
 * units with their header byte) and lengthSizeMinusOne = 3, into out
 * (reset first). 0, -EPROTO (not an SPS/PPS, or an SPS shorter than 4
 * bytes, or longer than ANNEXB_PARAM_MAX), or out's error.
 */
int annexb_avcc_record(const uint8_t *sps, size_t sps_len, const uint8_t *pps, size_t pps_len,
    struct buf *out);

/*
 * Find the last SPS and PPS in Annex B extradata (as libavformat gives for
 * MPEG-TS and for RTP's sprop-parameter-sets). 0 when both are found,
 * -ENOENT otherwise. Borrows p.
 */
int annexb_find_params(const uint8_t *p, size_t len, struct annexb_au *au);

#endif
