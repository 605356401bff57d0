/*
 * test_p95: the 95th-percentile billing figure (common/p95.c).
 *
 * Every expected number below is worked out by hand in the comment next to
 * it, from the rule in p95.h (sort, discard floor(n * 5 / 100) from the top,
 * bill the highest left), never by calling the function under test. Inputs
 * are generated (a month is 8640 samples), the answers are literals.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "p95.h"

/* CHECK_INT goes through long long, which would print UINT64_MAX as -1. */
#define CHECK_U64(got, want)                                               \
	do {                                                               \
		uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);      \
		if (g_ != w_) {                                            \
			fprintf(stderr, "  %s:%d: %s: got %" PRIu64        \
			    ", want %" PRIu64 "\n", __FILE__, __LINE__,    \
			    #got, g_, w_);                                 \
			return 1;                                          \
		}                                                          \
	} while (0)

#define MONTH 8640  /* 30 days of 5-minute samples: 30 * 24 * 12 */

/* All five fields, each reported separately with got/want. */
static int
check_result(const struct p95_result *r, size_t n, size_t n_disc,
    uint64_t billable, uint64_t peak, uint64_t sum)
{
	CHECK_U64(r->n_samples, n);
	CHECK_U64(r->n_discarded, n_disc);
	CHECK_U64(r->billable, billable);
	CHECK_U64(r->peak, peak);
	CHECK_U64(r->sum, sum);
	return 0;
}

static uint64_t *
alloc_samples(size_t n)
{
	uint64_t *s = calloc(n ? n : 1, sizeof(*s));

	if (s == NULL)
		abort();  /* the harness, not the code under test */
	return s;
}

/*
 * 1..8640 in a scrambled order: i -> (i * 7919) mod 8640, plus 1. 7919 is
 * prime and does not divide 8640 = 2^6 * 3^3 * 5, so this is a permutation
 * of 1..8640 and the largest values are spread over the whole array.
 */
static void
fill_month_permutation(uint64_t *s)
{
	size_t i;

	for (i = 0; i < MONTH; i++)
		s[i] = (uint64_t)((i * 7919u) % MONTH) + 1;
}

static int
t_month_permutation(void)
{
	uint64_t *s = alloc_samples(MONTH);
	struct p95_result r;

	fill_month_permutation(s);
	/* 0 -> 1; 7919 -> 7920; 15838 - 8640 = 7198 -> 7199 */
	CHECK_U64(s[0], 1);
	CHECK_U64(s[1], 7920);
	CHECK_U64(s[2], 7199);
	CHECK_INT(p95_compute(s, MONTH, &r), 0);
	/*
	 * discard floor(8640 * 5 / 100) = floor(432.0) = 432: the values
	 * 8209..8640. Highest left: 8640 - 432 = 8208.
	 * sum 1..8640 = 8640 * 8641 / 2 = 74658240 / 2 = 37329120.
	 */
	if (check_result(&r, MONTH, 432, 8208, 8640, 37329120))
		return 1;
	free(s);
	return 0;
}

/*
 * n samples holding n..1 (descending, so the array is as unsorted as it
 * gets). Bill = n - floor(n / 20), worked out per row.
 */
static const struct ramp_case {
	size_t n, n_disc;
	uint64_t billable;
} ramp_cases[] = {
	{ 1, 0, 1 },         /* 1 * 5 / 100 = 0.05 -> 0: the maximum */
	{ 2, 0, 2 },
	{ 19, 0, 19 },       /* 0.95 -> 0: still the maximum */
	{ 20, 1, 19 },       /* 1.00 -> 1: the first sample discarded */
	{ 21, 1, 20 },       /* 1.05 -> 1 */
	{ 39, 1, 38 },       /* 1.95 -> 1 (rounded down, not to nearest) */
	{ 40, 2, 38 },       /* 2.00 -> 2 */
	{ 100, 5, 95 },      /* 5 */
	{ 8639, 431, 8208 }, /* 431.95 -> 431; 8639 - 431 = 8208 */
	{ 8640, 432, 8208 }, /* 432; 8640 - 432 = 8208 */
	{ 8641, 432, 8209 }, /* 432.05 -> 432 */
	{ 8928, 446, 8482 }, /* 31 days: 446.4 -> 446 */
	{ 8064, 403, 7661 }, /* 28 days: 403.2 -> 403; 8064 - 403 = 7661 */
};

static int
t_ramp(void)
{
	size_t i, j;
	int failed = 0;

	for (i = 0; i < sizeof(ramp_cases) / sizeof(ramp_cases[0]); i++) {
		const struct ramp_case *t = &ramp_cases[i];
		uint64_t *s = alloc_samples(t->n);
		/* sum of 1..n = n(n+1)/2, exact in uint64_t at these sizes */
		uint64_t want_sum = (uint64_t)t->n * (t->n + 1) / 2;
		struct p95_result r;
		int rc;

		for (j = 0; j < t->n; j++)
			s[j] = t->n - j;
		rc = p95_compute(s, t->n, &r);
		if (rc != 0 || r.n_samples != t->n ||
		    r.n_discarded != t->n_disc || r.billable != t->billable ||
		    r.peak != t->n || r.sum != want_sum) {
			fprintf(stderr, "  n=%zu: got rc %d n %zu disc %zu "
			    "bill %" PRIu64 " peak %" PRIu64 " sum %" PRIu64
			    ", want rc 0 n %zu disc %zu bill %" PRIu64
			    " peak %zu sum %" PRIu64 "\n", t->n, rc,
			    r.n_samples, r.n_discarded, r.billable, r.peak,
			    r.sum, t->n, t->n_disc, t->billable, t->n,
			    want_sum);
			failed = 1;
		}
		free(s);
	}
	return failed;
}

/* Fewer than 20: nothing discarded even when one sample dwarfs the rest. */
static int
t_short_series(void)
{
	static const uint64_t one[] = { 42 };
	/* 19 samples, the maximum 1000000 in the middle */
	static const uint64_t nineteen[] = {
		5, 3, 9, 1, 7, 2, 8, 4, 6, 1000000, 10, 12, 11, 19, 13, 18, 14,
		17, 15,
	};
	struct p95_result r;

	CHECK_INT(p95_compute(one, 1, &r), 0);
	if (check_result(&r, 1, 0, 42, 42, 42))
		return 1;
	CHECK_INT(p95_compute(nineteen, 19, &r), 0);
	/*
	 * 19 * 5 / 100 = 0.95 -> 0 discarded: bill the spike 1000000.
	 * sum: 1..19 except 16 = (15 * 16 / 2) = 120, plus 17 + 18 + 19 = 54,
	 * so 174 for the small ones, plus 1000000 = 1000174.
	 */
	if (check_result(&r, 19, 0, 1000000, 1000000, 1000174))
		return 1;
	return 0;
}

/* Exactly 20 samples: the single highest one goes, its runner-up is billed. */
static int
t_twenty(void)
{
	uint64_t s[20];
	struct p95_result r;
	size_t i;

	/* 19 samples of 300, one spike of 5000 at index 7 */
	for (i = 0; i < 20; i++)
		s[i] = 300;
	s[7] = 5000;
	CHECK_INT(p95_compute(s, 20, &r), 0);
	/* discard 1 (the 5000); bill 300. sum 19 * 300 + 5000 = 10700 */
	if (check_result(&r, 20, 1, 300, 5000, 10700))
		return 1;
	return 0;
}

/* Ties: discarding counts samples, so equal top values survive. */
static int
t_ties(void)
{
	uint64_t s[100];
	struct p95_result r;
	size_t i;

	/* 90 samples 1..90, then 10 samples all 500, interleaved: every
	 * 10th index is a 500 */
	for (i = 0; i < 100; i++)
		s[i] = i % 10 == 9 ? 500 : (uint64_t)(i - i / 10) + 1;
	/* the non-500 slots: i - i/10 runs 0..89, so values 1..90 */
	CHECK_U64(s[0], 1);
	CHECK_U64(s[8], 9);
	CHECK_U64(s[10], 10);
	CHECK_U64(s[98], 90);
	CHECK_U64(s[99], 500);
	CHECK_INT(p95_compute(s, 100, &r), 0);
	/*
	 * discard 5 of the ten 500s; five 500s remain: bill 500.
	 * sum: 1..90 = 90 * 91 / 2 = 4095, plus 10 * 500 = 5000 -> 9095.
	 */
	if (check_result(&r, 100, 5, 500, 500, 9095))
		return 1;

	/* exactly 5 top ties among 100: all 5 discarded, bill the next */
	for (i = 0; i < 100; i++)
		s[i] = i < 5 ? 700 : 200;
	CHECK_INT(p95_compute(s, 100, &r), 0);
	/* sum 5 * 700 + 95 * 200 = 3500 + 19000 = 22500 */
	if (check_result(&r, 100, 5, 200, 700, 22500))
		return 1;

	/* 6 top ties: one survives the discard */
	s[5] = 700;
	CHECK_INT(p95_compute(s, 100, &r), 0);
	/* sum 6 * 700 + 94 * 200 = 4200 + 18800 = 23000 */
	if (check_result(&r, 100, 5, 700, 700, 23000))
		return 1;
	return 0;
}

/* An idle month (every bucket empty) bills 0 and is not an error. */
static int
t_all_zero(void)
{
	uint64_t *s = alloc_samples(MONTH);  /* calloc: all zeros */
	struct p95_result r;

	CHECK_INT(p95_compute(s, MONTH, &r), 0);
	if (check_result(&r, MONTH, 432, 0, 0, 0))
		return 1;
	free(s);
	return 0;
}

/*
 * A month flat at 250 Mbit/s (250000000 bit/s) with one 5-minute spike of
 * 40 Gbit/s: the spike is one of the 432 discarded samples, so the bill is
 * the flat rate; peak reports the spike.
 */
static int
t_one_spike(void)
{
	uint64_t *s = alloc_samples(MONTH);
	struct p95_result r;
	size_t i;

	for (i = 0; i < MONTH; i++)
		s[i] = 250000000;
	s[5000] = 40000000000;
	CHECK_INT(p95_compute(s, MONTH, &r), 0);
	/* sum: 8639 * 250000000 = 2159750000000, + 40000000000 =
	 * 2199750000000 */
	if (check_result(&r, MONTH, 432, 250000000, 40000000000,
	    2199750000000))
		return 1;
	free(s);
	return 0;
}

/*
 * The discard boundary in a month: 432 bursts are free, the 433rd is
 * billed. Bursts of 1e9 at every 20th sample, the rest 1e6.
 */
static int
t_burst_boundary(void)
{
	uint64_t *s = alloc_samples(MONTH);
	struct p95_result r;
	size_t i;

	/* indices 0, 20, ..., 8620: 8640 / 20 = 432 of them */
	for (i = 0; i < MONTH; i++)
		s[i] = i % 20 == 0 ? 1000000000 : 1000000;
	CHECK_INT(p95_compute(s, MONTH, &r), 0);
	/* all 432 bursts discarded; sum 432 * 1e9 + 8208 * 1e6 =
	 * 432000000000 + 8208000000 = 440208000000 */
	if (check_result(&r, MONTH, 432, 1000000, 1000000000, 440208000000))
		return 1;

	s[1] = 1000000000;  /* burst number 433 */
	CHECK_INT(p95_compute(s, MONTH, &r), 0);
	/* 433 bursts, 432 discarded, one billed; sum 433 * 1e9 + 8207 * 1e6
	 * = 433000000000 + 8207000000 = 441207000000 */
	if (check_result(&r, MONTH, 432, 1000000000, 1000000000,
	    441207000000))
		return 1;
	free(s);
	return 0;
}

/*
 * A realistic month, built day by day in time order (288 samples a day):
 *   18 h at 100 Mbit/s (216 samples), 5 h at 300 (60), prime time 1 h at
 *   800 (12): 17:00-23:00 is busy, 19:00-20:00 the peak; so for 30 days
 *   6480 x 100, 1800 x 300 and 360 x 800.
 * The 432 discarded are the 360 prime-time samples plus 72 of the 300s:
 * the bill is 300 Mbit/s. Then two 4-hour live events at 2 Gbit/s (48
 * samples each, replacing 100 Mbit/s night samples): 96 x 2000, 360 x 800,
 * 1800 x 300, 6384 x 100. Discarding 432 removes the 96 event samples and
 * 336 of the 800s; 24 prime-time samples remain: the bill is 800 Mbit/s.
 */
static int
t_realistic_month(void)
{
	uint64_t *s = alloc_samples(MONTH);
	struct p95_result r;
	size_t day, k;
	const uint64_t M = 1000000;

	for (day = 0; day < 30; day++) {
		for (k = 0; k < 288; k++) {
			uint64_t v;

			if (k >= 228 && k < 240)
				v = 800 * M;   /* 19:00-20:00 */
			else if (k >= 204 && k < 276)
				v = 300 * M;   /* rest of 17:00-23:00 */
			else
				v = 100 * M;
			s[day * 288 + k] = v;
		}
	}
	CHECK_INT(p95_compute(s, MONTH, &r), 0);
	/* sum: 6480 * 100 + 1800 * 300 + 360 * 800 = 648000 + 540000 +
	 * 288000 = 1476000 Mbit/s-samples -> 1476000 * 1e6 */
	if (check_result(&r, MONTH, 432, 300 * M, 800 * M, 1476000 * M))
		return 1;

	/* the events: days 10 and 20, 00:00-04:00 (k 0..47, night samples) */
	for (k = 0; k < 48; k++) {
		s[10 * 288 + k] = 2000 * M;
		s[20 * 288 + k] = 2000 * M;
	}
	CHECK_INT(p95_compute(s, MONTH, &r), 0);
	/* sum: 96 * 2000 + 360 * 800 + 1800 * 300 + 6384 * 100 = 192000 +
	 * 288000 + 540000 + 638400 = 1658400 -> 1658400 * 1e6 */
	if (check_result(&r, MONTH, 432, 800 * M, 2000 * M, 1658400 * M))
		return 1;
	free(s);
	return 0;
}

static int
t_empty(void)
{
	uint64_t one = 7;
	struct p95_result r;

	memset(&r, 0xa5, sizeof(r));
	CHECK_INT(p95_compute(NULL, 0, &r), 0);
	if (check_result(&r, 0, 0, 0, 0, 0))
		return 1;
	/* n == 0 never reads the array, whatever it points at */
	memset(&r, 0xa5, sizeof(r));
	CHECK_INT(p95_compute(&one, 0, &r), 0);
	if (check_result(&r, 0, 0, 0, 0, 0))
		return 1;
	return 0;
}

/* The caller's array is left exactly as it was (the sort is on a copy). */
static int
t_input_unchanged(void)
{
	uint64_t *s = alloc_samples(MONTH), *copy = alloc_samples(MONTH);
	uint64_t small[] = { 9, 1, 8, 2, 7, 3, 6, 4, 5, 0, 9, 9, 1, 1, 50, 2,
	    3, 4, 5, 6, 7 };
	const uint64_t small_orig[] = { 9, 1, 8, 2, 7, 3, 6, 4, 5, 0, 9, 9, 1,
	    1, 50, 2, 3, 4, 5, 6, 7 };
	struct p95_result r;

	fill_month_permutation(s);
	memcpy(copy, s, MONTH * sizeof(*s));
	CHECK_INT(p95_compute(s, MONTH, &r), 0);
	CHECK_MEM(s, copy, MONTH * sizeof(*s));
	CHECK_U64(r.billable, 8208);

	CHECK_INT(p95_compute(small, 21, &r), 0);
	CHECK_MEM(small, small_orig, sizeof(small));
	/*
	 * 21 -> 1 discarded (the 50); highest left 9. sum: 9+1+8+2+7+3+6+4+5
	 * = 45, +0+9+9+1+1 = 65, +50 = 115, +2+3+4+5+6+7 = 142.
	 */
	if (check_result(&r, 21, 1, 9, 50, 142))
		return 1;
	free(s);
	free(copy);
	return 0;
}

/*
 * The sum saturates at UINT64_MAX instead of wrapping; comparisons of
 * values near UINT64_MAX must not overflow either (a subtracting
 * comparator would order them wrongly).
 */
static int
t_sum_saturation(void)
{
	const uint64_t MAX = UINT64_MAX;
	const uint64_t exact[] = { MAX - 10, 10 };  /* MAX exactly: no wrap */
	const uint64_t over[] = { MAX - 5, 10 };    /* would wrap to 4 */
	const uint64_t two_max[] = { MAX, MAX };
	uint64_t s[40];
	struct p95_result r;
	size_t i;

	CHECK_INT(p95_compute(exact, 2, &r), 0);
	if (check_result(&r, 2, 0, MAX - 10, MAX - 10, MAX))
		return 1;
	CHECK_INT(p95_compute(over, 2, &r), 0);
	if (check_result(&r, 2, 0, MAX - 5, MAX - 5, MAX))
		return 1;
	CHECK_INT(p95_compute(two_max, 2, &r), 0);
	if (check_result(&r, 2, 0, MAX, MAX, MAX))
		return 1;

	/*
	 * 40 samples: 20 zeros, 18 at 2^63 + 1, one at MAX, one at 1. Sorted
	 * top: MAX, then 18 x (2^63 + 1). 40 -> 2 discarded: MAX and one
	 * 2^63 + 1; bill 2^63 + 1 (a comparator returning (int)(a - b) would
	 * truncate 2^63 + 1 - 1 = 2^63 to 0 and call them equal). The sum
	 * passes 2^64 at the second 2^63 + 1: saturated.
	 */
	for (i = 0; i < 40; i++)
		s[i] = i % 2 == 0 ? 0 : ((uint64_t)1 << 63) + 1;
	s[1] = MAX;
	s[3] = 1;
	CHECK_INT(p95_compute(s, 40, &r), 0);
	if (check_result(&r, 40, 2, ((uint64_t)1 << 63) + 1, MAX, MAX))
		return 1;
	return 0;
}

#ifdef CDN_DEBUG
/* The copy's allocation fails: -ENOMEM and an all-zero result. */
static int
t_enomem(void)
{
	const uint64_t s[] = { 1, 2, 3 };
	struct p95_result r;

	/* this child has not allocated through xalloc yet: the first
	 * allocation is p95's copy */
	setenv("XALLOC_FAIL_AT", "1", 1);
	memset(&r, 0xa5, sizeof(r));
	CHECK_INT(p95_compute(s, 3, &r), -ENOMEM);
	if (check_result(&r, 0, 0, 0, 0, 0))
		return 1;
	/* the next allocation succeeds again */
	CHECK_INT(p95_compute(s, 3, &r), 0);
	if (check_result(&r, 3, 0, 3, 3, 6))
		return 1;
	return 0;
}
#endif

int
main(void)
{
	RUN(t_month_permutation);
	RUN(t_ramp);
	RUN(t_short_series);
	RUN(t_twenty);
	RUN(t_ties);
	RUN(t_all_zero);
	RUN(t_one_spike);
	RUN(t_burst_boundary);
	RUN(t_realistic_month);
	RUN(t_empty);
	RUN(t_input_unchanged);
	RUN(t_sum_saturation);
#ifdef CDN_DEBUG
	RUN(t_enomem);
#endif
	return check_done();
}
