/*
 * fuzz_http_cookie: http_cookie_get on an arbitrary Cookie header (to the
 * first NUL, in an exactly sized copy so ASan sees any over-read), for a
 * few fixed names and for the name of the header's own first pair (so the
 * fuzzer reaches the value checks without guessing a name), into output
 * buffers of exactly outlen bytes (so ASan sees any overflow).
 *
 * Oracle: the result is one of 0, -ENOENT, -EINVAL, -E2BIG and the same on
 * a second call; on 0 the value holds only cookie-octets (RFC 6265 4.1.1)
 * and strlen < outlen. With room for the whole header it is never -E2BIG,
 * and a smaller outlen changes only that: 0 when the value fits (the same
 * value), -E2BIG when not, the same error otherwise.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static int
cookie_octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
	    (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

/* One call into an exactly sized buffer, twice, checked; the value in *val. */
static int
get(const char *h, const char *name, size_t outlen, char **val)
{
	char *out = malloc(outlen ? outlen : 1);
	char *again = malloc(outlen ? outlen : 1);
	int rc, rc2;

	if (out == NULL || again == NULL)
		abort();
	rc = http_cookie_get(h, name, out, outlen);
	rc2 = http_cookie_get(h, name, again, outlen);
	if (rc != rc2)
		abort();
	if (rc != 0 && rc != -ENOENT && rc != -EINVAL && rc != -E2BIG)
		abort();
	if (rc == 0) {
		size_t len = strnlen(out, outlen);
		if (len >= outlen || strcmp(out, again) != 0)
			abort();
		for (size_t i = 0; i < len; i++)
			if (!cookie_octet((unsigned char)out[i]))
				abort();
	}
	free(again);
	if (rc == 0 && val != NULL)
		*val = out;
	else
		free(out);
	return rc;
}

static void
check_name(const char *h, size_t hlen, const char *name)
{
	static const size_t small[] = { 1, 2, 8, 65 };
	char *v = NULL;
	int big = get(h, name, hlen + 1, &v);

	if (big == -E2BIG)
		abort();
	for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		char *w = NULL;
		int rc = get(h, name, small[i], &w);

		if (big != 0 && rc != big)
			abort();
		if (big == 0) {
			if (strlen(v) < small[i] ? rc != 0 || strcmp(v, w) != 0 : rc != -E2BIG)
				abort();
		}
		free(w);
	}
	free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const char *const names[] = { "cdn_session", "cdn_csrf", "a", "\"" };
	char *h = malloc(n + 1), first[65];
	size_t hlen, s, e;

	if (h == NULL)
		return 0;
	memcpy(h, d, n);
	h[n] = '\0';
	hlen = strlen(h);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_name(h, hlen, names[i]);
	/* the first pair's name, as the parser would see it */
	s = strspn(h, " \t;");
	e = s + strcspn(h + s, "=;");
	if (h[e] == '=' && e > s && e - s < sizeof(first)) {
		memcpy(first, h + s, e - s);
		first[e - s] = '\0';
		check_name(h, hlen, first);
	}
	if (http_cookie_get(NULL, "a", first, sizeof(first)) != -ENOENT)
		abort();
	free(h);
	return 0;
}
