/*
 * fuzz_prom_text: prom_text_find on an arbitrary exposition text, in a heap
 * block of exactly its size with no NUL after it (the text is read by
 * length, so ASan sees any read past the end), for a few series an edge
 * exports, labelled and not, some prefixes of others.
 *
 * Oracle: the result is 0 or -ENOENT, the same on a second call (with the
 * same value, bit for bit); a value found is finite, and the text holds a
 * line that starts with the series and a space.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prom_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* Some line of t[0..n) starts with "series ". */
static int
has_line(const char *t, size_t n, const char *series)
{
	size_t sl = strlen(series);

	for (size_t off = 0; off < n;) {
		const char *nl = memchr(t + off, '\n', n - off);
		size_t len = nl ? (size_t)(nl - (t + off)) : n - off;

		if (len > sl && memcmp(t + off, series, sl) == 0 && t[off + sl] == ' ')
			return 1;
		off += len + 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const char *const series[] = {
		"cdn_edge_bytes",
		"cdn_edge_bytes_out_total",
		"cdn_edge_requests_total{class=\"hit\"}",
		"cdn_edge_up",
		"x",
	};
	char *t = malloc(n ? n : 1);

	if (t == NULL)
		return 0;
	memcpy(t, d, n);
	for (size_t i = 0; i < sizeof(series) / sizeof(series[0]); i++) {
		double v = -1, v2 = -2;
		int rc = prom_text_find(t, n, series[i], &v);
		int rc2 = prom_text_find(t, n, series[i], &v2);

		if (rc != rc2 || (rc != 0 && rc != -ENOENT))
			abort();
		if (rc == 0 && (!isfinite(v) || memcmp(&v, &v2, sizeof(v)) != 0 ||
		    !has_line(t, n, series[i])))
			abort();
	}
	free(t);
	return 0;
}
