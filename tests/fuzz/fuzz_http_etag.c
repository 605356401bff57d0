/*
 * fuzz_http_etag: http_etag_match on an arbitrary If-None-Match (to the
 * first NUL, in an exactly sized copy so ASan sees any over-read) against
 * a few entity tags.
 *
 * Oracle: the verdict is stable (two calls agree); "*" alone always
 * matches; a header that is exactly the tag matches (our tags are strong:
 * no W/ prefix of their own); an empty tag never
 * matches.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_etag.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const char *const tags[] = { "\"abc\"", "\"\"", "\"a\"", "\"1a22ba6c-0\"" };
	char *h = malloc(n + 1);

	if (h == NULL)
		return 0;
	memcpy(h, d, n);
	h[n] = '\0';
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		bool m = http_etag_match(h, tags[i]);
		if (m != http_etag_match(h, tags[i]))
			abort();
		if (strcmp(h, tags[i]) == 0 && !m)
			abort();
	}
	if (http_etag_match(h, "") || !http_etag_match("*", "\"abc\""))
		abort();
	free(h);
	return 0;
}
