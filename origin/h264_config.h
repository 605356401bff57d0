/*
 * h264_config: the AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1)
 * that RTMP's AVC sequence header carries, and just enough of the sequence
 * parameter set (ITU-T H.264 7.3.2.1.1) to learn the coded picture size for
 * the master playlist's RESOLUTION, and the RFC 6381 CODECS string.
 *
 * All of it is peer input: every read is bounds-checked; the SPS is read
 * after removing emulation prevention bytes, through a bit reader that fails
 * rather than reading past the end.
 */
#ifndef CDN_H264_CONFIG_H
#define CDN_H264_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct h264_config {
	uint8_t profile_idc;
	uint8_t constraint_flags;  /* profile_compatibility byte */
	uint8_t level_idc;
	uint8_t nal_length_size;   /* 1, 2 or 4 */
	const uint8_t *sps;        /* first SPS NAL unit (borrowed) */
	size_t sps_len;
	const uint8_t *pps;        /* first PPS NAL unit (borrowed) */
	size_t pps_len;
	int width, height;         /* from the SPS, after cropping; 0 if unknown */
};

/* Parse an AVCDecoderConfigurationRecord. 0 or -EPROTO. Borrows p. */
int h264_config_parse(const uint8_t *p, size_t len, struct h264_config *c);
/* Parse an SPS NAL unit (with its 1-byte NAL header) for the picture size. */
int h264_sps_dimensions(const uint8_t *nal, size_t len, int *width, int *height);
/* "avc1.PPCCLL" (RFC 6381 3.3) into out (at least 16 bytes). */
void h264_codecs_string(const struct h264_config *c, char *out, size_t outlen);

#endif
