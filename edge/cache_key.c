/*
 * cache_key: build the cache key of a request; see cache_key.h.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "cache_key.h"

static bool
query_byte_ok(unsigned char c)
{
	/* RFC 3986: unreserved / sub-delims / ":" / "@" / "/" / "?" / "%" */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != 0 && strchr("-._~!$&'()*+,;=:@/?%", c) != NULL);
}

static bool
is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool
ignored(const char *name, size_t len, const struct conf_list *ignore)
{
	for (size_t i = 0; ignore && i < ignore->n; i++)
		if (strlen(ignore->v[i]) == len && memcmp(ignore->v[i], name, len) == 0)
			return true;
	return false;
}

int
cache_key_make(const char *path, const char *query, const struct conf_list *ignore, char *out,
    size_t outlen)
{
	size_t plen = strlen(path), o, qlen = query ? strlen(query) : 0;
	bool first = true;

	if (qlen > CACHE_KEY_QUERY_MAX)
		return -EINVAL;
	for (size_t i = 0; i < qlen; i++) {
		unsigned char c = (unsigned char)query[i];
		if (!query_byte_ok(c))
			return -EINVAL;
		if (c == '%' && (i + 2 >= qlen + 0 || !is_hex((unsigned char)query[i + 1]) ||
		    !is_hex((unsigned char)query[i + 2])))
			return -EINVAL;
	}
	if (plen + 1 > outlen)
		return -ENAMETOOLONG;
	memcpy(out, path, plen);
	o = plen;
	for (const char *p = query; p && *p;) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		size_t nlen = strcspn(p, "=&");
		if (nlen > len)
			nlen = len;
		if (len > 0 && !ignored(p, nlen, ignore)) {
			if (o + 1 + len + 1 > outlen)
				return -ENAMETOOLONG;
			out[o++] = first ? '?' : '&';
			memcpy(out + o, p, len);
			o += len;
			first = false;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	out[o] = '\0';
	return 0;
}
