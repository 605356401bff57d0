/*
 * fuzz_av1_config: libFuzzer harness for av1_config.c.
 *
 * The first input byte picks the parser (even: an av1C record, odd: a
 * temporal unit searched for its sequence header OBU), the rest is its
 * input, in an exact-size heap copy so that any read past the end is an
 * ASan error. Results are range-checked and the CODECS string is built.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "av1_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
do_record(const uint8_t *p, size_t n)
{
	struct av1_config c;
	char s[32];

	if (av1_config_parse(p, n, &c) != 0)
		return;
	if (c.seq_profile > 2 || c.seq_level_idx > 31 ||
	    (c.bit_depth != 8 && c.bit_depth != 10 && c.bit_depth != 12) ||
	    c.width < 0 || c.height < 0 || c.width > 65536 || c.height > 65536)
		abort();
	av1_codecs_string(&c, s, sizeof(s));
	if (strncmp(s, "av01.", 5) != 0 || strlen(s) != 13)
		abort();
}

static void
do_tu(const uint8_t *p, size_t n)
{
	int w, h, rc;

	rc = av1_seq_header_dimensions(p, n, &w, &h);
	if (rc == 0 && (w <= 0 || h <= 0 || w > 65536 || h > 65536))
		abort();
	if (rc != 0 && rc != -ENOENT && rc != -EPROTO)
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
		do_tu(copy, size - 1);
	else
		do_record(copy, size - 1);
	free(copy);
	return 0;
}
