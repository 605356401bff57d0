/*
 * aac_config: MPEG-4 AudioSpecificConfig, the AAC sequence header of RTMP.
 *
 * Purpose: the packager needs the audio object type for the CODECS string
 * and the sample rate and channel configuration for the stream list.
 *
 * Design: a bit reader over the borrowed bytes that refuses to read past
 * the end. Only the leading fields are read: GASpecificConfig and later
 * extensions do not change what we report, except that explicit SBR/PS
 * signalling (object type 5 or 29) is followed to report the output
 * (extension) sample rate.
 *
 * Specs: ISO/IEC 14496-3:2009 1.6.2.1 (AudioSpecificConfig syntax), 1.6.3.3
 * and 1.6.3.4 (samplingFrequencyIndex, Table 1.18), Table 1.17 (object
 * types); RFC 6381 3.3 ("mp4a.40.<AOT>").
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "aac_config.h"

struct bitrd {
	const uint8_t *p;
	size_t len;     /* bytes */
	size_t pos;     /* bits consumed */
};

static int
getbits(struct bitrd *b, unsigned n, uint32_t *v)
{
	uint32_t x = 0;
	unsigned i;

	if (n > b->len * 8 - b->pos)
		return -EPROTO;
	for (i = 0; i < n; i++, b->pos++)
		x = x << 1 | ((b->p[b->pos >> 3] >> (7 - (b->pos & 7))) & 1);
	*v = x;
	return 0;
}

/* 1.6.2.1 GetAudioObjectType(): 5 bits, 31 escapes to 32 + 6 bits. */
static int
get_object_type(struct bitrd *b, uint32_t *aot)
{
	uint32_t ext;
	int rc;

	if ((rc = getbits(b, 5, aot)) != 0)
		return rc;
	if (*aot == 31) {
		if ((rc = getbits(b, 6, &ext)) != 0)
			return rc;
		*aot = 32 + ext;
	}
	return 0;
}

/* 1.6.3.4: index 15 escapes to an explicit 24-bit rate; 13, 14 reserved. */
static int
get_sample_rate(struct bitrd *b, uint32_t *rate)
{
	static const uint32_t rates[13] = {
		96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050,
		16000, 12000, 11025, 8000, 7350,
	};
	uint32_t idx;
	int rc;

	if ((rc = getbits(b, 4, &idx)) != 0)
		return rc;
	if (idx == 15) {
		if ((rc = getbits(b, 24, rate)) != 0)
			return rc;
		/* A zero rate would become a division by zero downstream. */
		return *rate == 0 ? -EPROTO : 0;
	}
	if (idx >= 13)
		return -EPROTO;
	*rate = rates[idx];
	return 0;
}

/*
 * Parse an AudioSpecificConfig. Refuses (-EPROTO) short input, object type
 * 0 (Table 1.17: "Null", nothing to decode), reserved frequency indexes and
 * an explicit rate of 0. Borrows p; c is written only on success.
 */
int
aac_config_parse(const uint8_t *p, size_t len, struct aac_config *c)
{
	struct bitrd b = { p, len, 0 };
	uint32_t aot, rate, ch, ext_rate, core_aot;
	int rc;

	if ((rc = get_object_type(&b, &aot)) != 0 ||
	    (rc = get_sample_rate(&b, &rate)) != 0 ||
	    (rc = getbits(&b, 4, &ch)) != 0)
		return rc;
	if (aot == 0)
		return -EPROTO;
	if (aot == 5 || aot == 29) {
		/*
		 * 1.6.2.1: explicit hierarchical SBR/PS signalling; the
		 * extension rate is what a player outputs, and the CODECS
		 * string keeps AOT 5/29 (RFC 6381 3.3, HE-AAC).
		 */
		if ((rc = get_sample_rate(&b, &ext_rate)) != 0 ||
		    (rc = get_object_type(&b, &core_aot)) != 0)
			return rc;
		rate = ext_rate;
	}
	/* aot <= 32 + 63 fits uint8_t */
	c->object_type = (uint8_t)aot;
	c->sample_rate = rate;
	c->channels = (uint8_t)ch;
	return 0;
}

/* RFC 6381 3.3: "mp4a.40." + decimal audio object type. */
void
aac_codecs_string(const struct aac_config *c, char *out, size_t outlen)
{
	snprintf(out, outlen, "mp4a.40.%u", (unsigned)c->object_type);
}
