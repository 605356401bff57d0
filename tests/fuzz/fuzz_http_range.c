/*
 * fuzz_http_range: http_range_parse on arbitrary header bytes (to the first
 * NUL, in an exactly sized copy so ASan sees any over-read), against a
 * spread of representation sizes.
 *
 * Oracle: an OK range lies inside [0, size) with first <= last; nothing is
 * satisfiable for size 0; NONE and UNSATISFIABLE leave *r untouched; the
 * verdict does not depend on anything but the header and size (two calls
 * agree).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_range.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const uint64_t sizes[] = {
		0, 1, 2, 9, 10, 100, 10000, 9999999999999999999ULL,
		UINT64_MAX - 1, UINT64_MAX,
	};
	char *hdr = malloc(n + 1);
	size_t i;

	if (hdr == NULL)
		return 0;
	memcpy(hdr, d, n);
	hdr[n] = '\0';
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct http_range r = { 7, 3 }, r2 = { 7, 3 };
		int rc = http_range_parse(hdr, sizes[i], &r);

		if (rc != http_range_parse(hdr, sizes[i], &r2) ||
		    r.first != r2.first || r.last != r2.last)
			abort();
		if (rc == HTTP_RANGE_OK) {
			if (sizes[i] == 0 || r.first > r.last ||
			    r.last >= sizes[i])
				abort();
		} else if (rc == HTTP_RANGE_NONE ||
		    rc == HTTP_RANGE_UNSATISFIABLE) {
			if (r.first != 7 || r.last != 3)
				abort();
		} else {
			abort();
		}
	}
	free(hdr);
	return 0;
}
