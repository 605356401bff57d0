/*
 * fuzz_rtp_sdp: rtp_sdp_check on an arbitrary SDP, in an exactly sized copy
 * (ASan sees any read past len), with a full and a tiny error buffer.
 *
 * Oracle: 0 or -EPROTO, the same for both calls; on 0, 1 to
 * RTP_SDP_MAX_MEDIA ports, each 1024..65534, no two within one of each
 * other, each present in the input as text; on -EPROTO a terminated,
 * non-empty reason.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtp_sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char *in = malloc(n ? n : 1), err[160], small[4];
	struct rtp_sdp_info a, b;
	int rc, rc2;

	if (in == NULL)
		return 0;
	memcpy(in, d, n);
	rc = rtp_sdp_check(in, n, &a, err, sizeof(err));
	rc2 = rtp_sdp_check(in, n, &b, small, sizeof(small));
	if (rc != rc2 || (rc != 0 && rc != -EPROTO))
		abort();
	if (rc == 0) {
		if (a.n_media == 0 || a.n_media > RTP_SDP_MAX_MEDIA)
			abort();
		for (unsigned i = 0; i < a.n_media; i++) {
			char num[16];
			if (a.ports[i] < 1024 || a.ports[i] > 65534)
				abort();
			for (unsigned j = 0; j < i; j++)
				if (abs(a.ports[i] - a.ports[j]) <= 1)
					abort();
			snprintf(num, sizeof(num), "%d", a.ports[i]);
			if (memmem(in, n, num, strlen(num)) == NULL)
				abort();
		}
	} else if (strnlen(err, sizeof(err)) == 0 || strnlen(err, sizeof(err)) >= sizeof(err) ||
	    strnlen(small, sizeof(small)) >= sizeof(small)) {
		abort();
	}
	free(in);
	return 0;
}
