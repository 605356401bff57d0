/*
 * fuzz_play_token: the playback token parser, the address parser, the
 * query extractor and the whole access decision (common/play_token.c) on
 * arbitrary bytes, each in an exactly sized heap copy so ASan sees any
 * read past the input.
 *
 * Oracles: an accepted token holds only its grammar's bytes, is at most
 * PLAY_TOKEN_MAX long and keeps its text; minting the parsed fields again
 * (with a known secret) gives a token that parses to the same fields and
 * verifies, while the fuzzed token itself never verifies for a secret it
 * was not made with (a 2^-256 event otherwise). An accepted network has a
 * prefix within its family's width and contains itself. A query value
 * extracted fits its buffer and holds no NUL. The decision never answers
 * OK for a token-only stream without a valid token.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "play_token.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const char *const secrets[] = { "ps_fuzz_current", "ps_fuzz_previous" };
	char *s = malloc(n ? n : 1), *z = malloc(n + 1);
	char tok[PLAY_TOKEN_MAX + 1], q[PLAY_TOKEN_MAX + 1];
	struct play_token t, t2;
	struct play_net net;
	bool ok;
	int rc;

	if (s == NULL || z == NULL)
		goto out;
	memcpy(s, d, n);
	memcpy(z, d, n);
	z[n] = '\0';

	rc = play_token_parse(s, n, &t);
	if (rc != 0 && rc != -EPROTO)
		abort();
	if (rc == 0) {
		if (n > PLAY_TOKEN_MAX || strlen(t.text) != n || memcmp(t.text, s, n) != 0)
			abort();
		for (size_t i = 0; i < n; i++)
			if (!strchr("0123456789abcdefABCDEFghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ"
			    "_-~.:/", s[i]) || s[i] == 0)
				abort();
		if (play_token_sig_ok(&t, "cam1", secrets, 2))
			abort();
		if (t.exp_s > 0 && play_token_mint(secrets[0], "cam1", t.exp_s, t.cidr, t.sid, tok,
		    sizeof(tok)) == 0) {
			if (play_token_parse(tok, strlen(tok), &t2) != 0 || t2.exp_s != t.exp_s ||
			    strcmp(t2.cidr, t.cidr) != 0 || strcmp(t2.sid, t.sid) != 0 ||
			    t2.is_preview != t.is_preview || !play_token_sig_ok(&t2, "cam1", secrets, 2) ||
			    play_token_sig_ok(&t2, "cam2", secrets, 2))
				abort();
		}
	}
	rc = play_net_parse(s, n, &net);
	if (rc == 0) {
		if ((net.family != 4 && net.family != 6) ||
		    net.prefix > (net.family == 4 ? 32u : 128u) || !play_net_contains(&net, &net))
			abort();
	} else if (rc != -EINVAL) {
		abort();
	}
	rc = play_token_from_query(s, n, q, sizeof(q));
	if (rc == 0) {
		if (strlen(q) >= sizeof(q))
			abort();
	} else if (rc != -ENOENT && rc != -EINVAL) {
		abort();
	}
	/* NUL-terminated, as the servers hand it over. */
	if (play_check(PLAY_TOKEN, z, "cam1", secrets, 2, 1700000000, "192.0.2.1", &t, &ok) ==
	    PLAY_OK)
		abort();   /* nothing here was signed with these secrets */
	if (play_check(PLAY_PUBLIC, z, "cam1", secrets, 2, 1700000000, "::1", NULL, &ok) != PLAY_OK)
		abort();
out:
	free(s);
	free(z);
	return 0;
}
