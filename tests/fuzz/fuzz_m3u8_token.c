/*
 * fuzz_m3u8_token: the playlist token rewriter (common/m3u8_token.c) on an
 * arbitrary playlist, in an exactly sized heap copy.
 *
 * Oracles: it succeeds (the input is far below the ceiling); every byte
 * it adds is one "?token=T" or "&token=T" insertion, so the output length
 * is the input length plus k * (7 + strlen(T)) for some k; removing every
 * insertion gives back the input byte for byte (checked when the input
 * does not already hold "token=T" itself, which would make removal
 * ambiguous).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "m3u8_token.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define TOK "1~2000000000~10.0.0.0/8~sid~0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static size_t
count(const uint8_t *p, size_t n, const char *needle)
{
	size_t k = 0, m = strlen(needle);

	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(p + i, needle, m) == 0)
			k++;
	return k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	const size_t ins = 7 + strlen(TOK);
	uint8_t *in = malloc(n ? n : 1);
	struct buf out, back;
	size_t k;

	if (in == NULL)
		return 0;
	memcpy(in, d, n);
	buf_init(&out, M3U8_TOKEN_OUT_MAX);
	buf_init(&back, n + 1);
	if (m3u8_token_rewrite(in, n, TOK, &out) != 0)
		abort();
	if (out.len < n || (out.len - n) % ins != 0)
		abort();
	k = (out.len - n) / ins;
	/* Remove insertions: each is "?token=" or "&token=" then TOK. */
	{
		size_t i = 0, removed = 0, had = count(in, n, "token=" TOK);
		while (i < out.len) {
			if (i + ins <= out.len && (out.data[i] == '?' || out.data[i] == '&') &&
			    memcmp(out.data + i + 1, "token=" TOK, ins - 1) == 0 &&
			    removed < k && had == 0) {
				i += ins;
				removed++;
				continue;
			}
			if (buf_append(&back, out.data + i, 1) != 0)
				break;
			i++;
		}
		if (had == 0 &&
		    (removed != k || back.len != n || (n && memcmp(back.data, in, n) != 0)))
			abort();
	}
	buf_fini(&back);
	buf_fini(&out);
	free(in);
	return 0;
}
