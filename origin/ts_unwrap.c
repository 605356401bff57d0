/*
 * ts_unwrap: RTMP timestamps to 64 bits; see ts_unwrap.h.
 */
#include "config.h"

#include "ts_unwrap.h"

int64_t
ts_unwrap(struct ts_unwrap *u, int track, uint32_t ts)
{
	int o;

	track = track != 0;
	o = !track;
	if (!u->has[track]) {
		u->has[track] = true;
		u->last32[track] = ts;
		/* Start in the other track's epoch: a wrap between them is a step. */
		u->last[track] = u->has[o] ?
		    u->last[o] + (int32_t)(ts - u->last32[o]) : (int64_t)ts;
		return u->last[track];
	}
	u->last[track] += (int32_t)(ts - u->last32[track]);
	u->last32[track] = ts;
	return u->last[track];
}
