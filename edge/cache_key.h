/*
 * cache_key: the cache key (and upstream path) of a viewer's request.
 *
 * key = the validated path, then '?' and the query's parameters in their
 * original order minus those named in the ignore list (a signed-URL token
 * never changes content, so every viewer's token maps to one object and
 * the token is not sent upstream). The same string is the upstream path.
 * The query is peer input: at most CACHE_KEY_QUERY_MAX bytes, and only
 * bytes that may appear in a URL query unescaped (RFC 3986 3.4) or as
 * %XX escapes; anything else is refused, so a key can never smuggle a
 * header or a space into the upstream request line.
 */
#ifndef CDN_EDGE_CACHE_KEY_H
#define CDN_EDGE_CACHE_KEY_H

#include <stddef.h>

#include "conf.h"

#define CACHE_KEY_QUERY_MAX 1024
#define CACHE_KEY_MAX (1024 + CACHE_KEY_QUERY_MAX + 2)

/*
 * path: already validated (http_path_split); query: the raw text after
 * '?' (NULL or "" for none). Writes the key into out. Returns 0, or
 * -EINVAL for a bad query, -ENAMETOOLONG when it does not fit.
 */
int cache_key_make(const char *path, const char *query, const struct conf_list *ignore,
    char *out, size_t outlen);

#endif
