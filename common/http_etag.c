/*
 * http_etag: If-None-Match matching; see http_etag.h.
 */
#include "config.h"

#include <string.h>

#include "http_etag.h"

bool
http_etag_match(const char *inm, const char *etag)
{
	size_t n;

	if (inm == NULL || etag == NULL || (n = strlen(etag)) == 0)
		return false;
	for (const char *p = inm; *p;) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' ' ||
		    p[n] == '\t'))
			return true;
		while (*p && *p != ',')
			p++;
	}
	return false;
}
