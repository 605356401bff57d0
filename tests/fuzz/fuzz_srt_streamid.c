/*
 * fuzz_srt_streamid: srt_streamid_parse on an arbitrary stream ID, in an
 * exactly sized copy (no NUL after it), so ASan sees any read past len.
 *
 * Oracle: the result is 0, -EPROTO, -EINVAL or -ENOENT and the same on a
 * second call; on 0 the key is non-empty, NUL-terminated within its field,
 * holds no control byte and appears in the input; on error the output is
 * all zero (a failed parse leaves no part of a secret behind).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srt_streamid.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const struct srt_streamid zero;
	struct srt_streamid a, b;
	char *in = malloc(n ? n : 1);
	int rc, rc2;

	if (in == NULL)
		return 0;
	memcpy(in, d, n);
	rc = srt_streamid_parse(in, n, &a);
	rc2 = srt_streamid_parse(in, n, &b);
	if (rc != rc2)
		abort();
	if (rc != 0 && rc != -EPROTO && rc != -EINVAL && rc != -ENOENT)
		abort();
	if (rc == 0) {
		size_t kl = strnlen(a.key, sizeof(a.key));
		if (kl == 0 || kl >= sizeof(a.key) || strcmp(a.key, b.key) != 0)
			abort();
		for (size_t i = 0; i < kl; i++)
			if ((unsigned char)a.key[i] < 0x20 || a.key[i] == 0x7f)
				abort();
		if (memmem(in, n, a.key, kl) == NULL)
			abort();
		if (strnlen(a.user, sizeof(a.user)) >= sizeof(a.user) ||
		    strnlen(a.host, sizeof(a.host)) >= sizeof(a.host) ||
		    strnlen(a.session, sizeof(a.session)) >= sizeof(a.session))
			abort();
		if (a.mode > SRT_SID_BIDIRECTIONAL || a.type > SRT_SID_AUTH)
			abort();
	} else if (memcmp(&a, &zero, sizeof(a)) != 0) {
		abort();
	}
	free(in);
	return 0;
}
