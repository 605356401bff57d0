/*
 * adts: AAC in ADTS framing (ISO/IEC 13818-7 6.2 and 14496-3 1.A.2.2:
 * adts_fixed_header + adts_variable_header before each raw frame), as
 * MPEG-TS carries it. Gives the raw frame seg_mux takes and the 2-byte
 * AudioSpecificConfig (14496-3 1.6.2.1) the header implies.
 *
 * Peer input: every field is read from bytes known to be present; a frame
 * length shorter than its header or longer than the input is refused.
 */
#ifndef CDN_ADTS_H
#define CDN_ADTS_H

#include <stddef.h>
#include <stdint.h>

#define ADTS_HEADER_MIN 7

struct adts_hdr {
	uint8_t object_type;      /* profile + 1: 1 Main, 2 LC, 3 SSR, 4 LTP */
	uint8_t sf_index;         /* sampling_frequency_index, 0..12 */
	uint32_t sample_rate;     /* Hz */
	uint8_t channel_config;   /* 1..7 */
	size_t header_len;        /* 7, or 9 with a CRC */
	size_t frame_len;         /* header included */
};

/*
 * Parse the ADTS header at p[0..len). 0; -EPROTO (no syncword, layer not 0,
 * a reserved frequency index, a frame length shorter than the header or
 * longer than len); -ENOTSUP for what seg_mux cannot take: several raw data
 * blocks in one frame, or channel configuration 0 (a PCE in the frame).
 */
int adts_parse(const uint8_t *p, size_t len, struct adts_hdr *h);
/* The AudioSpecificConfig for h: 2 bytes into asc. */
void adts_asc(const struct adts_hdr *h, uint8_t asc[2]);
/* Whether p begins with an ADTS syncword (0xFFF, layer 0). */
int adts_is_adts(const uint8_t *p, size_t len);

#endif
