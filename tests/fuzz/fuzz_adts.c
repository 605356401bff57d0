/*
 * fuzz_adts: adts_parse on an exactly sized copy of the input, then walked
 * frame by frame as the ingest does with a PES payload.
 *
 * Oracle: 0, -EPROTO or -ENOTSUP; on 0 the header and the frame lie inside
 * the input, the header is 7 or 9 bytes, the rate is from the table, and
 * the AudioSpecificConfig built from it reads back through aac_config_parse
 * with the same object type, rate and channels.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aac_config.h"
#include "adts.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	uint8_t *in = malloc(n ? n : 1), asc[2];
	size_t off = 0;

	if (in == NULL)
		return 0;
	memcpy(in, d, n);
	while (off < n) {
		struct adts_hdr h;
		struct aac_config c;
		int rc = adts_parse(in + off, n - off, &h);

		if (rc != 0 && rc != -EPROTO && rc != -ENOTSUP)
			abort();
		if (rc != 0)
			break;
		if ((h.header_len != 7 && h.header_len != 9) || h.frame_len < h.header_len ||
		    h.frame_len > n - off || h.channel_config == 0 || h.sample_rate == 0)
			abort();
		adts_asc(&h, asc);
		if (aac_config_parse(asc, 2, &c) != 0 || c.object_type != h.object_type ||
		    c.sample_rate != h.sample_rate || c.channels != h.channel_config)
			abort();
		off += h.frame_len;
	}
	free(in);
	return 0;
}
