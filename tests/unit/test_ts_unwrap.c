/*
 * test_ts_unwrap: RTMP's 32-bit timestamps unwrapped per track: across the
 * 2^32 wrap, over many wraps, a track starting in the other's epoch on
 * either side of a wrap, and an encoder reset (a step back, kept as one).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "ts_unwrap.h"

#define W (INT64_C(1) << 32)

/* Video every 40 ms from 2^32 - 200: the wrap is just another 40 ms. */
static int
t_wrap(void)
{
	struct ts_unwrap u = { 0 };
	int64_t want = W - 200;

	for (int i = 0; i < 20; i++, want += 40)
		CHECK_INT(ts_unwrap(&u, 0, (uint32_t)want), want);
	CHECK(want > W + 500);
	return 0;
}

/* 10^10 ms in steps of 10^6: past two wraps, never a step back. */
static int
t_many_wraps(void)
{
	struct ts_unwrap u = { 0 };
	int64_t t;

	for (t = 0; t <= INT64_C(10000000000); t += 1000000)
		if (ts_unwrap(&u, 1, (uint32_t)t) != t) {
			fprintf(stderr, "  at %lld: got %lld\n", (long long)t,
			    (long long)ts_unwrap(&u, 1, (uint32_t)t));
			return 1;
		}
	return 0;
}

/* Audio's first packet comes after video wrapped: it belongs after 2^32. */
static int
t_second_track_after_wrap(void)
{
	struct ts_unwrap u = { 0 };

	CHECK_INT(ts_unwrap(&u, 0, 4294967290u), 4294967290);
	CHECK_INT(ts_unwrap(&u, 0, 10), W + 10);
	CHECK_INT(ts_unwrap(&u, 1, 20), W + 20);
	CHECK_INT(ts_unwrap(&u, 1, 41), W + 41);
	return 0;
}

/* Audio starts just before the wrap, video just after: both stay in order. */
static int
t_second_track_before_wrap(void)
{
	struct ts_unwrap u = { 0 };

	CHECK_INT(ts_unwrap(&u, 0, 30), 30);  /* no history: taken as is */
	CHECK_INT(ts_unwrap(&u, 1, 4294967280u), 4294967280 - W);  /* 46 ms before */
	return 0;
}

/* An encoder that restarts its clock: a step back, not a wrap forwards. */
static int
t_reset(void)
{
	struct ts_unwrap u = { 0 };

	CHECK_INT(ts_unwrap(&u, 0, 100000), 100000);
	CHECK_INT(ts_unwrap(&u, 0, 0), 0);
	CHECK_INT(ts_unwrap(&u, 0, 40), 40);
	return 0;
}

int
main(void)
{
	RUN(t_wrap);
	RUN(t_many_wraps);
	RUN(t_second_track_after_wrap);
	RUN(t_second_track_before_wrap);
	RUN(t_reset);
	return check_done();
}
