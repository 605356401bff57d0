/*
 * m3u8_scan: what the edge needs to know of an HLS playlist (RFC 8216).
 *
 * The edge does not rewrite playlists; it scans them to learn
 *   - whether this is a master or a media playlist;
 *   - EXT-X-TARGETDURATION (the stale limit: a playlist may be served at
 *     most one target duration past its expiry);
 *   - EXT-X-MEDIA-SEQUENCE and EXT-X-ENDLIST;
 *   - the URIs it references: media segments (in order), EXT-X-MAP init
 *     segments, and, in a master playlist, variant streams and
 *     EXT-X-MEDIA URIs: the prefetcher fetches the newest segments a
 *     viewer will ask for next.
 * LL-HLS (RFC 8216bis) tags are recognised so that later work can use them:
 * EXT-X-PART (URI of partial segments), EXT-X-PRELOAD-HINT and
 * EXT-X-SERVER-CONTROL are scanned into the same list with their kind.
 *
 * The playlist is peer input: it is read through a bounded cursor, at most
 * M3U8_MAX_BYTES, lines at most M3U8_LINE_MAX, at most M3U8_MAX_URIS URIs
 * kept (the newest ones win: the oldest are dropped first). A line that is
 * too long, a tag with a malformed attribute list, or a bad number is
 * skipped and counted in n_bad, never fatal. Input without the #EXTM3U first
 * line is refused (-EPROTO). Lines end with LF or CRLF. A URI is kept as
 * written (relative or absolute); m3u8_resolve joins it to the playlist's
 * path.
 */
#ifndef CDN_M3U8_SCAN_H
#define CDN_M3U8_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define M3U8_MAX_BYTES (4u << 20)
#define M3U8_LINE_MAX 4096
#define M3U8_MAX_URIS 256
#define M3U8_URI_MAX 1024

enum m3u8_uri_kind {
	M3U8_SEGMENT = 0,   /* a media segment URI line */
	M3U8_MAP,           /* EXT-X-MAP:URI="..." */
	M3U8_PART,          /* EXT-X-PART:URI="..." (LL-HLS) */
	M3U8_PRELOAD,       /* EXT-X-PRELOAD-HINT:URI="..." (LL-HLS) */
	M3U8_VARIANT,       /* the URI line after EXT-X-STREAM-INF (master) */
	M3U8_MEDIA,         /* EXT-X-MEDIA:URI="..." (master) */
};

struct m3u8_uri {
	enum m3u8_uri_kind kind;
	uint32_t duration_ms;    /* EXTINF (or EXT-X-PART DURATION) in ms; 0 when unknown */
	char uri[M3U8_URI_MAX + 1];
};

struct m3u8_info {
	bool is_master;          /* has EXT-X-STREAM-INF */
	bool has_endlist;
	int64_t target_duration_s;   /* -1 when absent */
	int64_t media_sequence;      /* 0 when absent (RFC 8216 4.3.3.2) */
	int64_t part_target_ms;      /* EXT-X-PART-INF PART-TARGET; -1 when absent */
	bool can_block_reload;       /* EXT-X-SERVER-CONTROL CAN-BLOCK-RELOAD=YES */
	size_t n_segments;           /* media segments seen (even those not kept) */
	size_t n_bad;                /* malformed lines skipped */
	size_t n_uris;
	struct m3u8_uri *uris;       /* n_uris entries, in playlist order; owned */
};

/*
 * Scan len bytes of data into *info. Returns 0, -EPROTO (not a playlist:
 * no #EXTM3U, or longer than M3U8_MAX_BYTES) or -ENOMEM. On success the
 * caller frees with m3u8_info_fini; on error *info is left empty (fini is
 * still safe).
 */
int m3u8_scan(const void *data, size_t len, struct m3u8_info *info);
void m3u8_info_fini(struct m3u8_info *info);

/*
 * Resolve uri against the path of the playlist it came from (base_path,
 * e.g. "/hls/cam1/index.m3u8"), as RFC 3986 5.2 does for a path-only base:
 *   "seg-1.ts"             -> "/hls/cam1/seg-1.ts"
 *   "../cam2/x.ts"         -> "/hls/cam2/x.ts"
 *   "/abs/x.ts"            -> "/abs/x.ts"
 * A URI with a scheme or authority ("http://...", "//host/...") is not ours
 * to prefetch: -EXDEV. A result that would climb above "/", or that does
 * not fit outlen, or a URI with a fragment, NUL or control bytes: -EINVAL.
 * A query string is kept. Dot segments are removed. Returns 0 on success.
 */
int m3u8_resolve(const char *base_path, const char *uri, char *out, size_t outlen);

#endif
