/*
 * playlist: HLS media and master playlists as text; see playlist.h.
 *
 * Pure functions of their input into a bounded struct buf, so the golden
 * tests pin every byte. Times are integer milliseconds throughout: EXTINF
 * is printed as seconds.milliseconds by integer division, never through a
 * double, so 2002 ms is "2.002" on every platform. RFC 8216 4.3.3.1 target
 * duration (rounded EXTINF <= target), 4.3.2.1 EXTINF, 4.3.2.3
 * DISCONTINUITY, 4.3.2.5 MAP, 4.3.2.6 PROGRAM-DATE-TIME, 4.3.3.2-3
 * MEDIA-SEQUENCE / DISCONTINUITY-SEQUENCE, 4.3.3.4 ENDLIST, 4.3.4.2
 * STREAM-INF, 4.3.5.1 INDEPENDENT-SEGMENTS, 7 protocol version.
 *
 * Strings from the caller (URIs, CODECS) are checked so that no line break
 * or quote can inject a tag: -EINVAL.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "playlist.h"

int
playlist_target_duration(int64_t max_dur_ms)
{
	int64_t s;

	if (max_dur_ms <= 0)
		return 1;
	if (max_dur_ms > (int64_t)INT32_MAX * 1000)
		return INT32_MAX;
	/* "rounded to the nearest integer": half up, so 2.500 s needs 3 */
	s = (max_dur_ms + 500) / 1000;
	return s < 1 ? 1 : (int)s;
}

/* A URI fit for a playlist line, or for a quoted attribute when quoted. */
static bool
ok_text(const char *s, bool quoted)
{
	const unsigned char *p;

	if (s == NULL || *s == '\0')
		return false;
	if (!quoted && *s == '#')
		return false;  /* would read as a tag or comment */
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (quoted && *p == '"'))
			return false;
	return true;
}

/* ISO 8601 with milliseconds, UTC: 2026-11-25T18:00:00.123Z */
static void
put_pdt(struct buf *out, int64_t ms)
{
	struct tm tm;
	time_t t = (time_t)(ms / 1000);

	if (gmtime_r(&t, &tm) == NULL) {
		out->err = out->err ? out->err : -EINVAL;
		return;
	}
	buf_printf(out, "#EXT-X-PROGRAM-DATE-TIME:%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\n",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(ms % 1000));
}

/* The lines of one segment, after those of the segments before it (ctx). */
static void
put_segment(struct buf *out, struct pl_seg_ctx *ctx, const struct pl_seg *sg,
    const char *default_map)
{
	const char *map = sg->map_uri ? sg->map_uri : default_map;
	int64_t dur;

	if (sg->discontinuity)
		buf_printf(out, "#EXT-X-DISCONTINUITY\n");
	/* 4.3.2.5: a MAP applies to every segment after it, until the next */
	if (map != NULL && (ctx->prev_map == NULL || strcmp(map, ctx->prev_map) != 0)) {
		/* 4.3.2.5: keep the init segment out of the key's scope */
		if (ctx->key_on) {
			buf_printf(out, "#EXT-X-KEY:METHOD=NONE\n");
			ctx->key_on = false;
		}
		buf_printf(out, "#EXT-X-MAP:URI=\"%s\"\n", map);
		ctx->prev_map = map;
	}
	if (sg->key_uri != NULL) {
		buf_printf(out, "#EXT-X-KEY:METHOD=AES-128,URI=\"%s\",IV=0x", sg->key_uri);
		for (int k = 0; k < 16; k++)
			buf_printf(out, "%02x", sg->key_iv[k]);
		buf_printf(out, "\n");
		ctx->key_on = true;
	} else if (ctx->key_on) {
		buf_printf(out, "#EXT-X-KEY:METHOD=NONE\n");
		ctx->key_on = false;
	}
	if (sg->pdt_ms > 0)
		put_pdt(out, sg->pdt_ms);
	dur = sg->dur_ms > 0 ? sg->dur_ms : 0;
	buf_printf(out, "#EXTINF:%" PRId64 ".%03d,\n%s\n", dur / 1000,
	    (int)(dur % 1000), sg->uri);
}

/* The strings of one segment are fit for their lines. */
static bool
seg_ok(const struct pl_seg *sg)
{
	if (!ok_text(sg->uri, false))
		return false;
	if (sg->key_uri != NULL && (!ok_text(sg->key_uri, true) || sg->key_iv == NULL))
		return false;
	return sg->map_uri == NULL || ok_text(sg->map_uri, true);
}

int
playlist_write_segment(struct buf *out, struct pl_seg_ctx *ctx, const struct pl_seg *sg,
    const char *default_map)
{
	if (out == NULL || ctx == NULL || sg == NULL || !seg_ok(sg) ||
	    (default_map != NULL && !ok_text(default_map, true)))
		return -EINVAL;
	put_segment(out, ctx, sg, default_map);
	return out->err;
}

int
playlist_write_vod_head(struct buf *out, int target_s, uint64_t media_seq, bool has_map,
    bool independent)
{
	if (out == NULL || target_s <= 0)
		return -EINVAL;
	buf_printf(out, "#EXTM3U\n#EXT-X-VERSION:%d\n", has_map ? 6 : 3);
	buf_printf(out, "#EXT-X-TARGETDURATION:%d\n", target_s);
	buf_printf(out, "#EXT-X-PLAYLIST-TYPE:VOD\n");
	buf_printf(out, "#EXT-X-MEDIA-SEQUENCE:%" PRIu64 "\n", media_seq);
	if (independent)
		buf_printf(out, "#EXT-X-INDEPENDENT-SEGMENTS\n");
	return out->err;
}

int
playlist_write_media(struct buf *out, const struct pl_media *pl)
{
	struct pl_seg_ctx ctx = { 0 };
	const char *map, *prev_map = NULL;
	bool has_map = pl->map_uri != NULL;
	size_t i;

	if (out == NULL || pl == NULL || (pl->n_segs > 0 && pl->segs == NULL) ||
	    pl->target_s <= 0)
		return -EINVAL;
	if (pl->map_uri != NULL && !ok_text(pl->map_uri, true))
		return -EINVAL;
	for (i = 0; i < pl->n_segs; i++) {
		if (!seg_ok(&pl->segs[i]))
			return -EINVAL;
		if (pl->segs[i].map_uri != NULL)
			has_map = true;
	}

	/* 7: EXT-X-MAP in a playlist without I-FRAMES-ONLY needs version 6 */
	buf_printf(out, "#EXTM3U\n#EXT-X-VERSION:%d\n", has_map ? 6 : 3);
	buf_printf(out, "#EXT-X-TARGETDURATION:%d\n", pl->target_s);
	buf_printf(out, "#EXT-X-MEDIA-SEQUENCE:%" PRIu64 "\n", pl->media_seq);
	if (pl->disc_seq != 0)
		buf_printf(out, "#EXT-X-DISCONTINUITY-SEQUENCE:%" PRIu64 "\n",
		    pl->disc_seq);
	if (pl->independent)
		buf_printf(out, "#EXT-X-INDEPENDENT-SEGMENTS\n");
	/* The first map goes in the header, where players have always found it. */
	map = pl->n_segs > 0 && pl->segs[0].map_uri ? pl->segs[0].map_uri :
	    pl->map_uri;
	if (map != NULL) {
		buf_printf(out, "#EXT-X-MAP:URI=\"%s\"\n", map);
		prev_map = map;
	}
	ctx.prev_map = prev_map;
	for (i = 0; i < pl->n_segs; i++)
		put_segment(out, &ctx, &pl->segs[i], pl->map_uri);
	if (pl->ended)
		buf_printf(out, "#EXT-X-ENDLIST\n");
	return out->err;
}

int
playlist_write_master(struct buf *out, const struct pl_variant *v, size_t n,
    bool independent)
{
	const struct pl_variant *x;
	size_t i;

	if (out == NULL || (n > 0 && v == NULL))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!ok_text(v[i].uri, false) || v[i].bandwidth == 0 ||
		    (v[i].codecs != NULL && !ok_text(v[i].codecs, true)) ||
		    v[i].width < 0 || v[i].height < 0 || !(v[i].frame_rate >= 0) ||
		    v[i].frame_rate > 1000)
			return -EINVAL;
	}
	/* Nothing here needs more than version 3 (RFC 8216 7). */
	buf_printf(out, "#EXTM3U\n#EXT-X-VERSION:3\n");
	if (independent)
		buf_printf(out, "#EXT-X-INDEPENDENT-SEGMENTS\n");
	for (i = 0; i < n; i++) {
		x = &v[i];
		buf_printf(out, "#EXT-X-STREAM-INF:BANDWIDTH=%" PRIu64, x->bandwidth);
		if (x->avg_bandwidth != 0)
			buf_printf(out, ",AVERAGE-BANDWIDTH=%" PRIu64, x->avg_bandwidth);
		if (x->codecs != NULL)
			buf_printf(out, ",CODECS=\"%s\"", x->codecs);
		if (x->width > 0 && x->height > 0)
			buf_printf(out, ",RESOLUTION=%dx%d", x->width, x->height);
		if (x->frame_rate > 0)
			buf_printf(out, ",FRAME-RATE=%.3f", x->frame_rate);
		buf_printf(out, "\n%s\n", x->uri);
	}
	return out->err;
}
