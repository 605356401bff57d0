/*
 * xalloc: the one place memory is allocated.
 *
 * These return NULL on failure, like their libc twins: callers handle it and
 * fail the operation cleanly (the daemon never aborts on a peer's request).
 * Array helpers check n * size for overflow. In debug builds
 * (--enable-debug) the environment variable XALLOC_FAIL_AT=N makes the Nth
 * allocation fail, so a test can walk every failure path (curl runtests -t,
 * SQLite malloc tests).
 */
#ifndef CDN_XALLOC_H
#define CDN_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
