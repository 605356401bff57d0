/*
 * p95: the 95th-percentile billing figure; see p95.h.
 *
 * Design: sort a private copy and index it. The discard count is n / 20,
 * which equals floor(n * 5 / 100) for every n without the multiplication
 * (so no overflow for any size_t). A 30-day month is 8640 samples, so the
 * O(n log n) sort is cheap, and sorting (rather than a selection
 * algorithm) keeps the code obviously right, which matters more for a
 * number that goes on an invoice.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "p95.h"
#include "xalloc.h"

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	/* no subtraction: the difference of two uint64_t does not fit an int */
	return (x > y) - (x < y);
}

/*
 * Borrows samples (not changed; may be NULL when n == 0). Fills *r: on
 * -ENOMEM it is left all zeros, so a caller that ignores the error bills
 * nothing rather than garbage. Thread-safe (no shared state).
 */
int
p95_compute(const uint64_t *samples, size_t n, struct p95_result *r)
{
	uint64_t *sorted = NULL;
	size_t i;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (n == 0)
		goto out;
	sorted = xreallocarray(NULL, n, sizeof(*sorted));
	if (sorted == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(sorted, samples, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);

	r->n_samples = n;
	r->n_discarded = n / 20;  /* floor(n * 5 / 100); 0 below 20 samples */
	/* n_discarded < n for n >= 1, so the index is in range */
	r->billable = sorted[n - 1 - r->n_discarded];
	r->peak = sorted[n - 1];
	for (i = 0; i < n; i++) {
		/* a month of 100 Gbit/s is ~3e16 bytes, far below 2^64, but a
		 * corrupt sample must pin the sum, not wrap it to something
		 * small and plausible */
		if (sorted[i] > UINT64_MAX - r->sum) {
			r->sum = UINT64_MAX;
			break;
		}
		r->sum += sorted[i];
	}
out:
	free(sorted);
	return rc;
}
