/*
 * fuzz_cache_control: cache_control_parse on arbitrary bytes (in an exactly
 * sized copy, so ASan sees any over-read), alone, upper-cased, and placed
 * so that the CC_MAX_LEN cut falls inside it.
 *
 * Oracle: the count is >= 0 and no more than the input could hold; every
 * number is -1 or in [0, CC_DELTA_MAX]; two calls agree; directive names are
 * case-insensitive and numbers have no case, so upper-casing the input
 * changes nothing; when the input has no '"' (no quoted-string can swallow
 * what follows), appending ", no-store, max-age=0" always sets no_store and
 * makes max-age 0 (a second, differing max-age is stale).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache_control.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void
check_ranges(const struct cache_control *cc, int count, size_t len)
{
	if (count < 0 || (size_t)count > len / 2 + 1)
		abort();
	if (cc->max_age_s < -1 || cc->max_age_s > CC_DELTA_MAX ||
	    cc->s_maxage_s < -1 || cc->s_maxage_s > CC_DELTA_MAX ||
	    cc->max_stale_s < -1 || cc->max_stale_s > CC_DELTA_MAX ||
	    cc->min_fresh_s < -1 || cc->min_fresh_s > CC_DELTA_MAX)
		abort();
}

static int
same(const struct cache_control *a, const struct cache_control *b)
{
	return a->max_age_s == b->max_age_s && a->s_maxage_s == b->s_maxage_s &&
	    a->max_stale_s == b->max_stale_s &&
	    a->min_fresh_s == b->min_fresh_s && a->no_store == b->no_store &&
	    a->no_cache == b->no_cache && a->private_ == b->private_ &&
	    a->public_ == b->public_ && a->immutable == b->immutable &&
	    a->must_revalidate == b->must_revalidate &&
	    a->proxy_revalidate == b->proxy_revalidate &&
	    a->only_if_cached == b->only_if_cached &&
	    a->no_transform == b->no_transform;
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const char tail[] = ", no-store, max-age=0";
	struct cache_control cc, cc2;
	char *hdr, *up, *cut;
	size_t i, pad;
	int rc, rc2;

	hdr = malloc(n ? n : 1);
	up = malloc(n ? n : 1);
	cut = malloc(CC_MAX_LEN + n + sizeof(tail));
	if (hdr == NULL || up == NULL || cut == NULL)
		goto out;
	memcpy(hdr, d, n);
	rc = cache_control_parse(hdr, n, &cc);
	check_ranges(&cc, rc, n);
	rc2 = cache_control_parse(hdr, n, &cc2);
	if (rc != rc2 || !same(&cc, &cc2))
		abort();

	for (i = 0; i < n; i++)
		up[i] = (char)(d[i] >= 'a' && d[i] <= 'z' ? d[i] - 32 : d[i]);
	rc2 = cache_control_parse(up, n, &cc2);
	if (rc != rc2 || !same(&cc, &cc2))
		abort();

	if (n + sizeof(tail) - 1 <= CC_MAX_LEN && memchr(d, '"', n) == NULL) {
		memcpy(cut, d, n);
		memcpy(cut + n, tail, sizeof(tail) - 1);
		rc2 = cache_control_parse(cut, n + sizeof(tail) - 1, &cc2);
		check_ranges(&cc2, rc2, n + sizeof(tail) - 1);
		if (!cc2.no_store || cc2.max_age_s != 0 || rc2 != rc + 2)
			abort();
	}

	/* the cut inside the input: commas (empty elements) before it */
	pad = CC_MAX_LEN - n / 2;
	memset(cut, ',', pad);
	memcpy(cut + pad, d, n);
	rc2 = cache_control_parse(cut, pad + n, &cc2);
	check_ranges(&cc2, rc2, pad + n);
out:
	free(hdr);
	free(up);
	free(cut);
	return 0;
}
