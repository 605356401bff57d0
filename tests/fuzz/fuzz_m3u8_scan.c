/*
 * fuzz_m3u8_scan: m3u8_scan on arbitrary bytes (libFuzzer's exactly sized
 * buffer, so ASan sees any over-read), then m3u8_resolve of every kept URI
 * against a fixed base, against the first absolute URI as a base, and into
 * a buffer too small for most results.
 *
 * Oracle for the scan: 0 or -EPROTO only; on error *info is empty; at most
 * M3U8_MAX_URIS URIs, each non-empty, at most M3U8_URI_MAX bytes, without
 * control bytes, of a known kind; segments kept <= n_segments; a variant
 * only when is_master; numbers in their documented ranges.
 * Oracle for a resolved path: it starts with '/' but not "//", holds only
 * URI characters, no '#', no "." or ".." segment in its path, and fits;
 * resolving it again (an absolute path) gives itself; a smaller buffer gives
 * the same result or -EINVAL, and an -EINVAL leaves "".
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "m3u8_scan.h"

#define BASE "/hls/cam1/index.m3u8"
#define OUT_MAX (M3U8_URI_MAX + 64)
#define OUT_SMALL 24

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void
check_path(const char *out)
{
	size_t len = strlen(out), i, seg;
	const char *q = strchr(out, '?');
	size_t plen = q ? (size_t)(q - out) : len;

	if (len == 0 || len >= OUT_MAX || out[0] != '/' ||
	    (plen >= 2 && out[1] == '/'))
		abort();
	for (i = 0; i < len; i++)
		if ((unsigned char)out[i] <= 0x20 ||
		    (unsigned char)out[i] >= 0x7f || out[i] == '#' ||
		    out[i] == '\\')
			abort();
	/* no dot segment survives in the path */
	for (i = 0; i < plen; i = seg) {
		size_t start = i + 1, k;

		for (seg = start; seg < plen && out[seg] != '/'; seg++)
			;
		k = seg - start;
		if ((k == 1 && out[start] == '.') ||
		    (k == 2 && out[start] == '.' && out[start + 1] == '.'))
			abort();
	}
}

static void
resolve_one(const char *base, const char *uri)
{
	char out[OUT_MAX], again[OUT_MAX], small[OUT_SMALL];
	int rc, rc2;

	rc = m3u8_resolve(base, uri, out, sizeof(out));
	if (rc != 0 && rc != -EINVAL && rc != -EXDEV)
		abort();
	if (rc != 0) {
		if (out[0] != '\0')
			abort();
		return;
	}
	check_path(out);
	if (m3u8_resolve(base, out, again, sizeof(again)) != 0 ||
	    strcmp(out, again) != 0)
		abort();
	rc2 = m3u8_resolve(base, uri, small, sizeof(small));
	if (rc2 == 0 ? strcmp(small, out) != 0 :
	    (rc2 != -EINVAL || small[0] != '\0' || strlen(out) < sizeof(small)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct m3u8_info info;
	const char *base2 = NULL;
	size_t i, j, n_seg = 0;
	int rc;

	rc = m3u8_scan(d, n, &info);
	if (rc != 0) {
		if (rc != -EPROTO || info.uris != NULL || info.n_uris != 0 ||
		    info.n_segments != 0 || info.n_bad != 0)
			abort();
		m3u8_info_fini(&info);
		return 0;
	}
	if (info.n_uris > M3U8_MAX_URIS ||
	    (info.n_uris > 0 && info.uris == NULL) ||
	    info.target_duration_s < -1 || info.media_sequence < 0 ||
	    info.part_target_ms < -1)
		abort();
	for (i = 0; i < info.n_uris; i++) {
		const struct m3u8_uri *u = &info.uris[i];
		size_t len = strnlen(u->uri, sizeof(u->uri));

		if (len == 0 || len > M3U8_URI_MAX || (unsigned)u->kind >
		    M3U8_MEDIA || (u->kind == M3U8_VARIANT && !info.is_master))
			abort();
		for (j = 0; j < len; j++)
			if ((unsigned char)u->uri[j] < 0x20 || u->uri[j] == 0x7f)
				abort();
		if (u->kind != M3U8_SEGMENT && u->kind != M3U8_PART &&
		    u->duration_ms != 0)
			abort();
		n_seg += u->kind == M3U8_SEGMENT;
		if (base2 == NULL && u->uri[0] == '/')
			base2 = u->uri;
	}
	if (n_seg > info.n_segments)
		abort();
	for (i = 0; i < info.n_uris; i++) {
		resolve_one(BASE, info.uris[i].uri);
		if (base2 != NULL)
			resolve_one(base2, info.uris[i].uri);
	}
	m3u8_info_fini(&info);
	if (info.uris != NULL || info.n_uris != 0)
		abort();
	return 0;
}
