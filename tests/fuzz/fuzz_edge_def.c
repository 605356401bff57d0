/*
 * fuzz_edge_def: edge_def_parse on an arbitrary `edge` config value ("NAME
 * URL [SOCKET]"), to the first NUL, in an exactly sized copy so ASan sees
 * any over-read; the error goes into an exactly sized heap buffer, once
 * roomy and once small, so ASan sees any overflow.
 *
 * Oracle: the result is 0 or -EINVAL and the same on a second call. On 0
 * the name matches [A-Za-z0-9._-]{1,63}, the URL starts with http:// or
 * https:// and has more after it, holds no space, '?' or '#' and does not
 * end in '/', the socket is empty or starts with '/'; every field is
 * NUL-terminated inside its array. On -EINVAL err is non-empty.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edge_watch.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static const char name_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

static void
check_ok(const struct edge_def *e)
{
	size_t nl = strnlen(e->name, sizeof(e->name));
	size_t ul = strnlen(e->url, sizeof(e->url));
	size_t sl = strnlen(e->socket, sizeof(e->socket));
	size_t pre;

	if (nl == 0 || nl > EDGE_NAME_MAX || nl >= sizeof(e->name) ||
	    strspn(e->name, name_chars) != nl)
		abort();
	if (ul >= sizeof(e->url))
		abort();
	if (strncmp(e->url, "http://", 7) == 0)
		pre = 7;
	else if (strncmp(e->url, "https://", 8) == 0)
		pre = 8;
	else
		abort();
	if (ul <= pre || e->url[ul - 1] == '/' || strpbrk(e->url, " \t\n?#") != NULL)
		abort();
	if (sl >= sizeof(e->socket) || (sl > 0 && e->socket[0] != '/'))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct edge_def e, e2;
	char *v = malloc(n + 1), *err = malloc(256), *small = malloc(12);
	int rc, rc2;

	if (v == NULL || err == NULL || small == NULL)
		abort();
	memcpy(v, d, n);
	v[n] = '\0';
	err[0] = '\0';
	rc = edge_def_parse(v, &e, err, 256);
	if (rc == 0)
		check_ok(&e);
	else if (rc != -EINVAL || err[0] == '\0' || strnlen(err, 256) >= 256)
		abort();
	small[0] = '\0';
	rc2 = edge_def_parse(v, &e2, small, 12);
	if (rc2 != rc)
		abort();
	if (rc == 0 && memcmp(&e, &e2, sizeof(e)) != 0)
		abort();
	if (rc != 0 && (small[0] == '\0' || strnlen(small, 12) >= 12 ||
	    strncmp(small, err, 11) != 0))
		abort();
	free(v);
	free(err);
	free(small);
	return 0;
}
