/*
 * http_cookie: one cookie's value from a request's Cookie header
 * (RFC 6265 4.2.1 and 5.4: "name=value" pairs separated by "; ").
 *
 * The header is peer input: it is walked in place, never trusted for
 * length, and a value is copied only when it fits the caller's buffer and
 * holds only cookie-octets (RFC 6265 4.1.1: no controls, whitespace, DQUOTE,
 * comma, semicolon or backslash). A malformed pair is skipped; the first
 * pair with the name wins, as browsers send the most specific path first.
 */
#ifndef CDN_HTTP_COOKIE_H
#define CDN_HTTP_COOKIE_H

#include <stddef.h>

/*
 * Copy the value of cookie name from header (may be NULL) into out
 * (NUL-terminated). Returns 0; -ENOENT when there is no such cookie;
 * -EINVAL when its value holds a byte cookies may not; -E2BIG when it does
 * not fit in outlen (outlen includes the NUL).
 */
int http_cookie_get(const char *header, const char *name, char *out, size_t outlen);

#endif
