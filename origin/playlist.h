/*
 * playlist: writes HLS playlists (RFC 8216): the sliding-window live media
 * playlist and the master playlist. Pure functions of their input, so the
 * golden tests pin every byte.
 *
 * Media playlist rules (RFC 8216 4.3.3, 4.3.2):
 * - EXT-X-TARGETDURATION is given by the caller, who keeps it constant for
 *   the playlist's life; playlist_target_duration() computes it from the
 *   longest segment: each EXTINF rounded to the nearest integer must be at
 *   most the target.
 * - EXTINF is written in seconds with three decimals (the millisecond).
 * - EXT-X-PROGRAM-DATE-TIME (ISO 8601, UTC, milliseconds) precedes the first
 *   segment and every segment after a discontinuity; writing it on every
 *   segment is allowed and what we do, so a player can map any segment to
 *   wall-clock time.
 * - EXT-X-DISCONTINUITY-SEQUENCE is written when it is not zero.
 * - EXT-X-MAP precedes the segments of an fMP4 playlist, and is written
 *   again before the first segment whose init segment differs from the
 *   previous one's (after a republish or a codec change; 4.3.2.5), after
 *   that segment's EXT-X-DISCONTINUITY.
 * - EXT-X-ENDLIST ends a playlist whose stream has ended.
 * Version: 3 for TS, 6 for fMP4 (EXT-X-MAP without I-frames-only needs 6).
 *
 * Master playlist: one EXT-X-STREAM-INF per variant with BANDWIDTH (peak),
 * AVERAGE-BANDWIDTH, CODECS, RESOLUTION and FRAME-RATE when known. LL-HLS
 * (EXT-X-PART, EXT-X-SERVER-CONTROL) and content steering will extend
 * struct pl_media and the master writer.
 */
#ifndef CDN_PLAYLIST_H
#define CDN_PLAYLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct pl_seg {
	const char *uri;          /* relative URI of the segment */
	int64_t dur_ms;
	int64_t pdt_ms;           /* wall clock of its start, ms since the Unix epoch; 0: none */
	bool discontinuity;
	const char *map_uri;      /* fMP4: its init segment; NULL: pl_media.map_uri */
};

struct pl_media {
	int target_s;             /* EXT-X-TARGETDURATION */
	uint64_t media_seq;       /* sequence number of segs[0] */
	uint64_t disc_seq;        /* EXT-X-DISCONTINUITY-SEQUENCE */
	const char *map_uri;      /* fMP4 init segment of segments without their own,
	                             or NULL (TS, or every segment names its own) */
	bool independent;         /* EXT-X-INDEPENDENT-SEGMENTS: every segment starts with a keyframe */
	bool ended;               /* EXT-X-ENDLIST */
	const struct pl_seg *segs;
	size_t n_segs;
};

struct pl_variant {
	const char *uri;
	uint64_t bandwidth;       /* peak bits/s */
	uint64_t avg_bandwidth;   /* average bits/s; 0: omit */
	const char *codecs;       /* "avc1.64001f,mp4a.40.2"; NULL: omit */
	int width, height;        /* 0: omit RESOLUTION */
	double frame_rate;        /* 0: omit */
};

/* Seconds: max over segments of round(dur), at least 1. */
int playlist_target_duration(int64_t max_dur_ms);
/* Append the media playlist to out. Returns out->err. */
int playlist_write_media(struct buf *out, const struct pl_media *pl);
/* Append the master playlist to out. Returns out->err. */
int playlist_write_master(struct buf *out, const struct pl_variant *v, size_t n,
    bool independent);

#endif
