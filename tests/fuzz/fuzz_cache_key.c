/*
 * fuzz_cache_key: cache_key_make on an arbitrary query string (to the first
 * NUL, in an exactly sized copy so ASan sees any over-read).
 *
 * Oracle: an accepted key starts with the path, holds no byte a request
 * line or header could be split on (space, CR, LF, '"', control bytes),
 * never holds an ignored parameter, fits the buffer, and is stable (two
 * calls agree). A refused query (-EINVAL, -ENAMETOOLONG) leaves no key.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const char path[] = "/hls/cam1/seg-1.ts";
	char *ig[] = { (char *)"token", (char *)"sig" };
	struct conf_list ignore = { ig, 2 };
	char key[CACHE_KEY_MAX], key2[CACHE_KEY_MAX], small[40];
	char *q = malloc(n + 1);
	int rc;

	if (q == NULL)
		return 0;
	memcpy(q, d, n);
	q[n] = '\0';
	rc = cache_key_make(path, q, &ignore, key, sizeof(key));
	if (rc != cache_key_make(path, q, &ignore, key2, sizeof(key2)))
		abort();
	if (rc == 0) {
		size_t len = strlen(key);
		if (strcmp(key, key2) != 0 || strncmp(key, path, sizeof(path) - 1) != 0 ||
		    len >= sizeof(key))
			abort();
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)key[i];
			if (c <= 0x20 || c >= 0x7f || c == '"')
				abort();
		}
		/* No ignored parameter survives: "?token" / "&token" followed by = & or end. */
		for (const char *p = strchr(key, '?'); p; p = strchr(p + 1, '&')) {
			for (size_t k = 0; k < 2; k++) {
				size_t l = strlen(ig[k]);
				if (strncmp(p + 1, ig[k], l) == 0 &&
				    (p[1 + l] == '\0' || p[1 + l] == '=' || p[1 + l] == '&'))
					abort();
			}
		}
	} else if (rc != -EINVAL && rc != -ENAMETOOLONG) {
		abort();
	}
	/* A small buffer: refused or fits, never overflows. */
	rc = cache_key_make(path, q, &ignore, small, sizeof(small));
	if (rc == 0 && strlen(small) >= sizeof(small))
		abort();
	free(q);
	return 0;
}
