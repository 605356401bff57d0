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
 * - EXT-X-KEY (4.3.2.4, METHOD=AES-128) precedes every encrypted segment:
 *   each has its own explicit IV, and an IV attribute applies to every
 *   segment up to the next EXT-X-KEY. A segment after an encrypted one
 *   that is not encrypted gets METHOD=NONE first. An EXT-X-MAP written
 *   while a key is in force is preceded by METHOD=NONE, so init segments
 *   are never in a key's scope: they are served in the clear (4.3.2.5).
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
	const char *key_uri;      /* AES-128 key (relative URI), or NULL: not encrypted */
	const uint8_t *key_iv;    /* with key_uri: its 16-byte IV */
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

/*
 * One segment at a time, for a playlist that grows on disk (a recording,
 * docs/dvr.md): the tags a segment needs given the segments written before
 * it (ctx, zeroed before the first), then its EXTINF and URI; the same
 * lines playlist_write_media writes for it. ctx->prev_map points at the
 * map URI in force; a caller whose sg strings do not outlive the next call
 * copies it and points prev_map at the copy. default_map: the map of a
 * segment without its own (NULL for TS).
 */
struct pl_seg_ctx {
	const char *prev_map;
	bool key_on;
};
int playlist_write_segment(struct buf *out, struct pl_seg_ctx *ctx, const struct pl_seg *sg,
    const char *default_map);
/*
 * The head of a VOD playlist (EXT-X-PLAYLIST-TYPE:VOD, RFC 8216 4.3.3.5):
 * what precedes the segment lines of a finished recording. has_map selects
 * version 6 (fMP4). The caller appends the segments and EXT-X-ENDLIST.
 */
int playlist_write_vod_head(struct buf *out, int target_s, uint64_t media_seq, bool has_map,
    bool independent);

/* Seconds: max over segments of round(dur), at least 1. */
int playlist_target_duration(int64_t max_dur_ms);
/* Append the media playlist to out. Returns out->err. */
int playlist_write_media(struct buf *out, const struct pl_media *pl);
/* Append the master playlist to out. Returns out->err. */
int playlist_write_master(struct buf *out, const struct pl_variant *v, size_t n,
    bool independent);

#endif
