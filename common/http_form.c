/*
 * http_form: see http_form.h.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "http_form.h"

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decode src[0..n) into out (form encoding: '+' is a space). */
static int
form_decode(const char *src, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)src[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			int hi, lo;
			if (i + 2 >= n || (hi = hexval(src[i + 1])) < 0 ||
			    (lo = hexval(src[i + 2])) < 0)
				return -EINVAL;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c == 0 || o + 1 >= outlen)
			return -EINVAL;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

int
http_form_get(const char *body, size_t len, const char *name, char *out, size_t outlen)
{
	const char *end, *p;
	size_t nlen = name ? strlen(name) : 0;

	if (body == NULL || len == 0 || nlen == 0)
		return -ENOENT;
	end = body + len;
	for (p = body; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *fe = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(fe - p));
		if (eq && (size_t)(eq - p) == nlen && memcmp(p, name, nlen) == 0)
			return form_decode(eq + 1, (size_t)(fe - eq - 1), out, outlen);
		p = fe + 1;
	}
	return -ENOENT;
}
