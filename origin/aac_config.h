/*
 * aac_config: the MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1) that
 * RTMP's AAC sequence header carries: object type, sample rate and channel
 * configuration, for the CODECS string ("mp4a.40.2") and the stream list.
 * Bounds-checked bit reads; escape values (object type 31, frequency index
 * 15) are handled.
 */
#ifndef CDN_AAC_CONFIG_H
#define CDN_AAC_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct aac_config {
	uint8_t object_type;   /* 2: AAC-LC, 5: SBR (HE-AAC), 29: PS ... */
	uint32_t sample_rate;  /* Hz */
	uint8_t channels;      /* channel configuration, 0 = in the PCE */
};

/* 0, or -EPROTO when short or the frequency index is reserved. */
int aac_config_parse(const uint8_t *p, size_t len, struct aac_config *c);
/* "mp4a.40.<object type>" into out (at least 16 bytes). */
void aac_codecs_string(const struct aac_config *c, char *out, size_t outlen);

#endif
