/*
 * fuzz_hevc_config: libFuzzer harness for hevc_config.c.
 *
 * The first input byte picks the parser (even: an hvcC record, odd: a bare
 * SPS NAL unit), the rest is its input, in an exact-size heap copy so that
 * any read past the end is an ASan error. On success the results are
 * checked for consistency (the SPS lies inside the input, sizes are in
 * range) and the CODECS string is built into a small buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hevc_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
do_record(const uint8_t *p, size_t n)
{
	struct hevc_config c;
	char s[48], t[12];
	unsigned sum = 0;
	int w, h;

	if (hevc_config_parse(p, n, &c) != 0)
		return;
	if (c.sps != NULL) {
		if (c.sps < p || c.sps_len > n || c.sps > p + (n - c.sps_len))
			abort();
		for (size_t i = 0; i < c.sps_len; i++)
			sum += c.sps[i];
		if (hevc_sps_dimensions(c.sps, c.sps_len, &w, &h) == 0 &&
		    (w != c.width || h != c.height))
			abort();
	}
	if (c.nal_length_size != 1 && c.nal_length_size != 2 &&
	    c.nal_length_size != 4)
		abort();
	hevc_codecs_string(&c, s, sizeof(s));
	if (strncmp(s, "hvc1.", 5) != 0 || strlen(s) >= sizeof(s) - 1)
		abort();
	hevc_codecs_string(&c, t, sizeof(t));
	if (strlen(t) >= sizeof(t) || (sum & 0x80000000u))
		abort();
}

static void
do_sps(const uint8_t *p, size_t n)
{
	int w, h;

	if (hevc_sps_dimensions(p, n, &w, &h) == 0 &&
	    (w <= 0 || h <= 0 || w > 16888 || h > 16888))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	if (size < 1)
		return 0;
	copy = malloc(size - 1 ? size - 1 : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (data[0] & 1)
		do_sps(copy, size - 1);
	else
		do_record(copy, size - 1);
	free(copy);
	return 0;
}
