/*
 * http_etag: If-None-Match against an entity tag (RFC 9110 13.1.2), with
 * the weak comparison that section asks for: "W/" prefixes are ignored.
 * The header is peer input: it is only walked, never copied, and a
 * malformed list simply does not match.
 */
#ifndef CDN_HTTP_ETAG_H
#define CDN_HTTP_ETAG_H

#include <stdbool.h>

/* True when if_none_match (may be NULL) is "*" or lists etag (non-empty,
 * with its quotes, e.g. "\"abc\""). */
bool http_etag_match(const char *if_none_match, const char *etag);

#endif
