/*
 * ts_unwrap: RTMP's 32-bit millisecond timestamps (Adobe RTMP 1.0 5.3.1.2,
 * 6.1.3: they wrap every 2^32 ms, 49.7 days) into a 64-bit timeline per
 * track. Each step is taken as the signed 32-bit difference from the
 * track's previous timestamp, so a wrap is a small step forwards and an
 * encoder's reset is a step backwards (which the packager then treats as a
 * discontinuity). A track's first timestamp is placed in the other track's
 * epoch, so audio and video stay in sync when one starts after a wrap.
 */
#ifndef CDN_TS_UNWRAP_H
#define CDN_TS_UNWRAP_H

#include <stdbool.h>
#include <stdint.h>

struct ts_unwrap {
	bool has[2];
	uint32_t last32[2];
	int64_t last[2];
};

/* Zeroed state is valid. track is 0 or 1. Returns the unwrapped ms. */
int64_t ts_unwrap(struct ts_unwrap *u, int track, uint32_t ts);

#endif
