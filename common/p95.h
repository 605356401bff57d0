/*
 * p95: the 95th-percentile billing figure (docs/accounting.md).
 *
 * The usual transit-billing rule: take every 5-minute sample of the period
 * (buckets with no traffic are samples of 0), sort them, discard the
 * highest 5 % rounded down (floor(n * 5 / 100): 36 hours of a 30-day
 * month, 432 of 8640 samples), and bill the highest sample left. With
 * fewer than 20 samples nothing is discarded: the figure is the maximum.
 * Ties are samples like any other (discarding counts samples, not
 * distinct values).
 */
#ifndef CDN_P95_H
#define CDN_P95_H

#include <stddef.h>
#include <stdint.h>

struct p95_result {
	size_t n_samples;
	size_t n_discarded;     /* floor(n * 5 / 100) */
	uint64_t billable;      /* the highest sample left (0 for no samples) */
	uint64_t peak;          /* the highest sample */
	uint64_t sum;           /* of all samples (saturating) */
};

/*
 * Compute over samples[0..n). The array is not changed (a sorted copy is
 * made). 0, or -ENOMEM. n == 0 gives zeros.
 */
int p95_compute(const uint64_t *samples, size_t n, struct p95_result *r);

#endif
