/*
 * fuzz_http_path: http_path_split on arbitrary bytes (to the first NUL, in
 * an exactly sized copy so ASan sees any over-read) and
 * http_path_component_ok on the raw bytes with their length.
 *
 * Oracle: an accepted path has at most 8 parts, each a valid component,
 * and joining them with '/' gives the input back (minus one trailing '/');
 * a refused path leaves n == 0.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_path.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char *url, *raw, join[HTTP_PATH_MAX + 2];
	struct http_path p;
	size_t i, o = 0, len;
	int rc;

	url = malloc(n + 1);
	raw = malloc(n ? n : 1);
	if (url == NULL || raw == NULL)
		goto out;
	memcpy(url, d, n);
	url[n] = '\0';
	memcpy(raw, d, n);
	(void)http_path_component_ok(raw, n);

	p.n = 77;
	rc = http_path_split(url, &p);
	if (rc != 0) {
		if (rc != -EINVAL || p.n != 0)
			abort();
		goto out;
	}
	len = strlen(url);
	if (p.n > 8 || len > HTTP_PATH_MAX)
		abort();
	for (i = 0; i < p.n; i++) {
		size_t pl = strlen(p.part[i]);

		if (!http_path_component_ok(p.part[i], pl) ||
		    o + 1 + pl > HTTP_PATH_MAX)
			abort();
		join[o++] = '/';
		memcpy(join + o, p.part[i], pl);
		o += pl;
	}
	if (o == 0 || (len > 1 && url[len - 1] == '/'))
		join[o++] = '/';
	if (o != len || memcmp(join, url, len) != 0)
		abort();
out:
	free(url);
	free(raw);
	return 0;
}
