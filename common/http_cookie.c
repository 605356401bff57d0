/*
 * http_cookie: see http_cookie.h.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "http_cookie.h"

/* RFC 6265 4.1.1 cookie-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E */
static int
cookie_octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
	    (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

int
http_cookie_get(const char *header, const char *name, char *out, size_t outlen)
{
	size_t nlen = name ? strlen(name) : 0;
	const char *p = header;

	if (header == NULL || nlen == 0 || out == NULL || outlen == 0)
		return -ENOENT;
	while (*p) {
		const char *pair, *eq, *end, *v, *ve;

		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		pair = p;
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		p = end;
		eq = memchr(pair, '=', (size_t)(end - pair));
		if (eq == NULL || (size_t)(eq - pair) != nlen || memcmp(pair, name, nlen) != 0)
			continue;
		v = eq + 1;
		ve = end;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		/* A quoted value (4.1.1 allows DQUOTE *cookie-octet DQUOTE) is unquoted. */
		if (ve - v >= 2 && v[0] == '"' && ve[-1] == '"') {
			v++;
			ve--;
		}
		for (const char *q = v; q < ve; q++)
			if (!cookie_octet((unsigned char)*q))
				return -EINVAL;
		if ((size_t)(ve - v) >= outlen)
			return -E2BIG;
		memcpy(out, v, (size_t)(ve - v));
		out[ve - v] = '\0';
		return 0;
	}
	return -ENOENT;
}
