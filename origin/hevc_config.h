/*
 * hevc_config: the HEVCDecoderConfigurationRecord (hvcC, ISO/IEC 14496-15
 * 8.3.3.1) that an Enhanced RTMP 'hvc1' SequenceStart carries, the picture
 * size from its SPS (ITU-T H.265 7.3.2.2), and the ISO/IEC 14496-15
 * Annex E CODECS string ("hvc1.1.6.L93.B0") for the master playlist.
 *
 * All of it is peer input: the record is read through struct rd, each NAL
 * unit inside its own length-bounded sub-cursor, and the SPS through a bit
 * reader that fails on overrun, after emulation prevention bytes are removed.
 */
#ifndef CDN_HEVC_CONFIG_H
#define CDN_HEVC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEVC_NAL_VPS 32
#define HEVC_NAL_SPS 33
#define HEVC_NAL_PPS 34

struct hevc_config {
	uint8_t profile_space;       /* general_profile_space, 0..3 */
	bool tier;                   /* general_tier_flag: 1 is High */
	uint8_t profile_idc;         /* general_profile_idc, 0..31 */
	uint32_t compat_flags;       /* general_profile_compatibility_flags */
	uint8_t constraint[6];       /* general_constraint_indicator_flags */
	uint8_t level_idc;           /* general_level_idc: 30 x level */
	uint8_t chroma_format;       /* 0..3 */
	uint8_t bit_depth_luma;      /* 8..16 */
	uint8_t nal_length_size;     /* 1, 2 or 4 */
	const uint8_t *sps;          /* first SPS NAL unit (borrowed), or NULL */
	size_t sps_len;
	int width, height;           /* from the SPS, after cropping; 0 if unknown */
};

/*
 * Parse an hvcC record. 0, or -EPROTO when it is short, not version 1, has
 * a 3-byte NAL length, or an array runs past the end. A record whose SPS
 * does not parse still succeeds with width = height = 0. Borrows p.
 */
int hevc_config_parse(const uint8_t *p, size_t len, struct hevc_config *c);
/* Parse an SPS NAL unit (with its 2-byte NAL header) for the picture size. */
int hevc_sps_dimensions(const uint8_t *nal, size_t len, int *width, int *height);
/* "hvc1.<space><idc>.<compat>.<L|H><level>[.<constraint bytes>]" into out
 * (at least 48 bytes; shorter buffers get a truncated, terminated string). */
void hevc_codecs_string(const struct hevc_config *c, char *out, size_t outlen);

#endif
