/*
 * fuzz_http_form: http_form_get on an arbitrary form body (an exactly sized
 * copy, not NUL-terminated, so ASan sees any over-read), for a few names
 * and output sizes.
 *
 * Oracle: the verdict is stable; on 0 the value is NUL-terminated within
 * the buffer; a smaller buffer can only turn 0 into -EINVAL (never another
 * value); and a value we percent-encode ourselves behind "k=" at the front
 * of the body decodes back exactly.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const char *const names[] = { "token", "csrf", "sdp", "a" };
	char *body = malloc(n ? n : 1);
	char out[256], out2[256], small[8];

	if (body == NULL)
		return 0;
	memcpy(body, d, n);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int rc = http_form_get(body, n, names[i], out, sizeof(out));
		int rc2 = http_form_get(body, n, names[i], out2, sizeof(out2));
		int rs = http_form_get(body, n, names[i], small, sizeof(small));
		if (rc != rc2 || (rc != 0 && rc != -ENOENT && rc != -EINVAL))
			abort();
		if (rc == 0 && (memchr(out, '\0', sizeof(out)) == NULL || strcmp(out, out2) != 0))
			abort();
		if (rs == 0 && (rc != 0 || strcmp(small, out) != 0))
			abort();
		if (rc != 0 && rs == 0)
			abort();
	}
	/* Round trip: the input's bytes (NULs skipped), encoded by us, come back. */
	{
		size_t cap = 2 + 3 * n + 1, o = 0, m = 0;
		char *enc = malloc(cap), *raw = malloc(n + 1), *dec = malloc(n + 1);
		if (enc && raw && dec) {
			enc[o++] = 'k';
			enc[o++] = '=';
			for (size_t i = 0; i < n; i++) {
				if (d[i] == 0)
					continue;
				raw[m++] = (char)d[i];
				o += (size_t)snprintf(enc + o, cap - o, "%%%02X", d[i]);
			}
			raw[m] = '\0';
			if (http_form_get(enc, o, "k", dec, n + 1) != 0 || strcmp(dec, raw) != 0)
				abort();
		}
		free(enc);
		free(raw);
		free(dec);
	}
	free(body);
	return 0;
}
