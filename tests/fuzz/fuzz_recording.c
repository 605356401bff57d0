/*
 * fuzz_recording: what a recording reads from outside (recording.h).
 * The first byte picks the parser; the rest is its input, in an exactly
 * sized copy so ASan sees any read past it:
 *   even: rec_object_split on an HTTP object name (NUL-terminated copy);
 *   odd:  rec_meta_check_text on a recording.conf text (no NUL after it).
 *
 * Oracles: a split object names an id of 1..REC_ID_MAX characters, no '/'
 * and no leading '.', that the object itself spells ("vod-<id>.m3u8" with
 * file index.m3u8, or "<id>-..." with file the object); the same input gives
 * the same answer twice.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recording.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void
object(const uint8_t *d, size_t n)
{
	char *in = malloc(n + 1), id[REC_ID_MAX + 1], id2[REC_ID_MAX + 1];
	const char *file = NULL, *file2 = NULL;
	size_t il;
	int rc, rc2;

	if (in == NULL)
		return;
	memcpy(in, d, n);
	in[n] = '\0';
	rc = rec_object_split(in, id, &file);
	rc2 = rec_object_split(in, id2, &file2);
	if (rc != rc2)
		abort();
	if (rc == 0) {
		il = strlen(id);
		if (il == 0 || il > REC_ID_MAX || strchr(id, '/') || id[0] == '.' ||
		    strcmp(id, id2) != 0)
			abort();
		if (file == in) {
			if (strncmp(in, id, il) != 0 || in[il] != '-')
				abort();
		} else if (strcmp(file, "index.m3u8") != 0 || strncmp(in, "vod-", 4) != 0 ||
		    strncmp(in + 4, id, il) != 0 || strcmp(in + 4 + il, ".m3u8") != 0) {
			abort();
		}
	} else if (rc != -ENOENT) {
		abort();
	}
	free(in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char *text;

	if (n == 0)
		return 0;
	if ((d[0] & 1) == 0) {
		object(d + 1, n - 1);
		return 0;
	}
	if ((text = malloc(n - 1 ? n - 1 : 1)) == NULL)
		return 0;
	memcpy(text, d + 1, n - 1);
	if (rec_meta_check_text(text, n - 1) != rec_meta_check_text(text, n - 1))
		abort();
	free(text);
	return 0;
}
