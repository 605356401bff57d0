/*
 * av1_config: the AV1CodecConfigurationRecord (av1C, AV1-ISOBMFF 2.3) that
 * an Enhanced RTMP 'av01' SequenceStart carries, the frame size from a
 * sequence header OBU (AV1 5.5), found in the record's configOBUs or in a
 * keyframe's temporal unit, and the "av01.P.LLT.DD" CODECS string
 * (AV1-ISOBMFF "Codecs Parameter String").
 *
 * All of it is peer input: OBUs are walked with struct rd, each inside its
 * own sub-cursor, and the sequence header is read with a bit reader that
 * fails on overrun.
 */
#ifndef CDN_AV1_CONFIG_H
#define CDN_AV1_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AV1_OBU_SEQUENCE_HEADER 1

struct av1_config {
	uint8_t seq_profile;         /* 0..2 */
	uint8_t seq_level_idx;       /* seq_level_idx_0, 0..31 */
	bool tier;                   /* seq_tier_0: 1 is High */
	uint8_t bit_depth;           /* 8, 10 or 12 */
	bool monochrome;
	uint8_t subsampling_x, subsampling_y;
	uint8_t chroma_sample_position;
	int width, height;           /* from a sequence header OBU; 0 if none */
};

/*
 * Parse an av1C record. 0, or -EPROTO when it is short, the marker bit is
 * clear or the version is not 1. A sequence header OBU among the configOBUs
 * gives the size; if it is missing or does not parse, width = height = 0.
 * Borrows p.
 */
int av1_config_parse(const uint8_t *p, size_t len, struct av1_config *c);
/*
 * Find the first sequence header OBU in low-overhead bitstream format data
 * (a temporal unit or configOBUs: every OBU has obu_has_size_field, except
 * possibly the last) and read its maximum frame size. 0, -ENOENT when there
 * is none, -EPROTO when the OBUs or the header are malformed.
 */
int av1_seq_header_dimensions(const uint8_t *p, size_t len, int *width, int *height);
/* "av01.<profile>.<level, 2 digits><M|H>.<bit depth, 2 digits>" into out
 * (at least 16 bytes). */
void av1_codecs_string(const struct av1_config *c, char *out, size_t outlen);

#endif
