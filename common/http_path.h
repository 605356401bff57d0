/*
 * http_path: splits a request path into validated components.
 *
 * The URL a daemon routes on is peer input. A path is accepted only when it
 * starts with '/', is at most HTTP_PATH_MAX bytes, has at most max_parts
 * components of at most HTTP_PART_MAX bytes each, and every component is
 * made of [A-Za-z0-9._~-], is not "." or "..", and does not start with '.'.
 * Percent-encoding is not decoded (our names never need it), so "%2e%2e"
 * is simply refused. An empty component ("//") is refused; a single trailing
 * '/' is allowed and ignored. The query string is not part of the path (MHD
 * strips it).
 */
#ifndef CDN_HTTP_PATH_H
#define CDN_HTTP_PATH_H

#include <stddef.h>

#define HTTP_PATH_MAX 1024
#define HTTP_PART_MAX 128

struct http_path {
	size_t n;
	char part[8][HTTP_PART_MAX + 1];
};

/* 0, or -EINVAL for a path that breaks a rule above (then p->n is 0). */
int http_path_split(const char *url, struct http_path *p);
/* True when s is a valid single component under the rules above. */
int http_path_component_ok(const char *s, size_t len);

#endif
