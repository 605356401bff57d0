/*
 * adts: the ADTS header; see adts.h. ISO/IEC 13818-7 6.2.1 / 14496-3
 * 1.A.2.2.1, bit by bit:
 *   syncword 12, ID 1, layer 2, protection_absent 1, profile 2,
 *   sampling_frequency_index 4, private_bit 1, channel_configuration 3,
 *   original_copy 1, home 1 | copyright_id_bit 1, copyright_id_start 1,
 *   frame_length 13, adts_buffer_fullness 11,
 *   number_of_raw_data_blocks_in_frame 2 [, crc_check 16]
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "adts.h"

/* 14496-3 1.6.3.4, Table 1.18 */
static const uint32_t sf_table[13] = {
	96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350
};

int
adts_is_adts(const uint8_t *p, size_t len)
{
	return len >= 2 && p[0] == 0xff && (p[1] & 0xf6) == 0xf0;
}

int
adts_parse(const uint8_t *p, size_t len, struct adts_hdr *h)
{
	unsigned protection_absent, profile, n_blocks;

	memset(h, 0, sizeof(*h));
	if (len < ADTS_HEADER_MIN || !adts_is_adts(p, len))
		return -EPROTO;
	protection_absent = p[1] & 1;
	profile = p[2] >> 6;
	h->sf_index = (p[2] >> 2) & 0x0f;
	h->channel_config = (uint8_t)(((p[2] & 1) << 2) | (p[3] >> 6));
	h->frame_len = (size_t)(p[3] & 3) << 11 | (size_t)p[4] << 3 | p[5] >> 5;
	n_blocks = p[6] & 3;
	h->header_len = protection_absent ? 7 : 9;
	if (h->sf_index >= sizeof(sf_table) / sizeof(sf_table[0]) ||
	    h->frame_len < h->header_len || h->frame_len > len)
		goto proto;
	h->sample_rate = sf_table[h->sf_index];
	h->object_type = (uint8_t)(profile + 1);
	if (n_blocks != 0 || h->channel_config == 0) {
		/* Several raw blocks each carry their own CRC positions
		 * (1.A.2.2.2); a PCE would have to move into the config. */
		memset(h, 0, sizeof(*h));
		return -ENOTSUP;
	}
	return 0;
proto:
	memset(h, 0, sizeof(*h));
	return -EPROTO;
}

void
adts_asc(const struct adts_hdr *h, uint8_t asc[2])
{
	/* 1.6.2.1: audioObjectType 5, samplingFrequencyIndex 4, channelConfiguration 4,
	 * then GASpecificConfig's three zero bits. */
	unsigned v = (unsigned)h->object_type << 11 | (unsigned)h->sf_index << 7 |
	    (unsigned)h->channel_config << 3;

	asc[0] = (uint8_t)(v >> 8);
	asc[1] = (uint8_t)v;
}
