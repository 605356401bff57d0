/*
 * fuzz_announce_conf: cdn-announce's structured config values (peer lines,
 * communities, large communities) from arbitrary text, to the first NUL, in
 * an exactly sized copy.
 *
 * Oracle: an accepted peer has an address, a non-zero AS, a port, a hold
 * time of 0 or 3..65535 when given, a NUL-terminated password of at most
 * TCP_MD5SIG_MAXKEYLEN bytes; a refusal fills the error message. A parsed
 * community prints back to text that parses to the same value.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announce_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct peer_cfg p;
	struct bgp_large_community l, l2;
	char err[256], back[64];
	uint32_t c, c2;
	char *s = malloc(n + 1);

	if (s == NULL)
		return 0;
	memcpy(s, d, n);
	s[n] = '\0';
	err[0] = '\0';
	if (peer_cfg_parse(s, &p, err, sizeof(err)) == 0) {
		if (p.addr[0] == '\0' || p.remote_as == 0 || p.port == 0 ||
		    (p.has_hold && p.hold_s != 0 && p.hold_s < 3) ||
		    strlen(p.password) > PEER_PASSWORD_MAX)
			abort();
	} else if (err[0] == '\0') {
		abort();
	}
	if (community_parse(s, &c) == 0) {
		snprintf(back, sizeof(back), "%u:%u", c >> 16, c & 0xffff);
		if (community_parse(back, &c2) != 0 || c2 != c)
			abort();
	}
	if (large_community_parse(s, &l) == 0) {
		snprintf(back, sizeof(back), "%u:%u:%u", l.global, l.local1, l.local2);
		if (large_community_parse(back, &l2) != 0 || memcmp(&l, &l2, sizeof(l)) != 0)
			abort();
	}
	free(s);
	return 0;
}
