/*
 * http_path: split and validate a request path; see http_path.h.
 *
 * Design: a whitelist, not a sanitizer. Every component must match
 * [A-Za-z0-9._~-]+ (the RFC 3986 2.3 unreserved set), may not start with
 * '.', and nothing is decoded, so no spelling of "..", "%2e%2e", NUL or a
 * control byte can reach a file name or a cache key. The input is peer
 * controlled: it is measured with strnlen against HTTP_PATH_MAX before it
 * is scanned, and every index is checked against that length.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "http_path.h"

#define HTTP_PATH_PARTS (sizeof(((struct http_path *)0)->part) / \
    sizeof(((struct http_path *)0)->part[0]))

static int
unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '~' ||
	    c == '-';
}

/*
 * True when s[len] is one acceptable component: 1..HTTP_PART_MAX unreserved
 * bytes, not starting with '.' (which also excludes "." and ".."). Borrows s.
 */
int
http_path_component_ok(const char *s, size_t len)
{
	size_t i;

	if (s == NULL || len == 0 || len > HTTP_PART_MAX || s[0] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if (!unreserved((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * Split url ("/a/b/c", optional single trailing '/') into p->part[]. "/"
 * gives n == 0. Borrows url; fills p. Returns 0 or -EINVAL (p->n == 0).
 */
int
http_path_split(const char *url, struct http_path *p)
{
	size_t len, i, start, plen, n = 0;

	p->n = 0;
	if (url == NULL || url[0] != '/')
		return -EINVAL;
	len = strnlen(url, HTTP_PATH_MAX + 1);
	if (len > HTTP_PATH_MAX)
		return -EINVAL;
	for (i = 1; i < len; i++) {  /* i: first byte of a component */
		start = i;
		while (i < len && url[i] != '/')
			i++;
		plen = i - start;
		if (n == HTTP_PATH_PARTS ||
		    !http_path_component_ok(url + start, plen))
			return -EINVAL;
		memcpy(p->part[n], url + start, plen);
		p->part[n][plen] = '\0';
		n++;
		/* now url[i] is '/' or i == len; the loop steps past the '/' */
	}
	p->n = n;
	return 0;
}
