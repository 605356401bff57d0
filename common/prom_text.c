/*
 * prom_text: see prom_text.h.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prom_text.h"

/* Parse the value at line[0..n): a number, then nothing or " timestamp". */
static int
value_of(const char *v, size_t n, double *out)
{
	char tmp[64];
	char *end;
	size_t k = 0;
	double d;

	while (k < n && v[k] != ' ' && v[k] != '\t')
		k++;
	if (k == 0 || k >= sizeof(tmp))
		return -ENOENT;
	memcpy(tmp, v, k);
	tmp[k] = '\0';
	/* strtod takes hex floats, "inf" and "nan": only plain decimals here. */
	for (size_t i = 0; i < k; i++)
		if (tmp[i] == '\0' || !strchr("0123456789+-.eE", tmp[i]))
			return -ENOENT;
	errno = 0;
	d = strtod(tmp, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(d))
		return -ENOENT;
	*out = d;
	return 0;
}

int
prom_text_find(const char *text, size_t len, const char *series, double *value)
{
	size_t slen = series ? strlen(series) : 0;
	size_t off = 0;

	if (text == NULL || slen == 0)
		return -ENOENT;
	while (off < len) {
		const char *line = text + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t n = nl ? (size_t)(nl - line) : len - off;

		off += n + 1;
		if (n > PROM_LINE_MAX || n <= slen + 1 || line[0] == '#')
			continue;
		if (memcmp(line, series, slen) != 0 || line[slen] != ' ')
			continue;
		if (value_of(line + slen + 1, n - slen - 1, value) == 0)
			return 0;
	}
	return -ENOENT;
}
