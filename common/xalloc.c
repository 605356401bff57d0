/*
 * xalloc: overflow-checked allocation with fault injection in debug builds.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#ifdef CDN_DEBUG
#include <stdatomic.h>
static atomic_long alloc_count;
static long fail_at = -1;

static int
should_fail(void)
{
	if (fail_at == -1) {
		const char *s = getenv("XALLOC_FAIL_AT");
		fail_at = s ? strtol(s, NULL, 10) : 0;
	}
	return fail_at > 0 && atomic_fetch_add(&alloc_count, 1) + 1 == fail_at;
}
#else
static inline int
should_fail(void)
{
	return 0;
}
#endif

void *
xmalloc(size_t n)
{
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return malloc(n ? n : 1);
}

void *
xcalloc(size_t n, size_t size)
{
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return calloc(n ? n : 1, size ? size : 1);
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n != 0 && size != 0 ? n * size : 1);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *d;
	size_t len = strnlen(s, n);

	d = xmalloc(len + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}
