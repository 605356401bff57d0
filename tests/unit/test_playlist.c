/*
 * test_playlist: the playlist writer against golden files (byte for byte),
 * and the segmenter driven by a scripted packet sequence with a missing
 * keyframe and a timestamp reset, whose playlist is pinned the same way
 * (FATE-style). Set GOLDEN_UPDATE=1 to rewrite the golden files after a
 * deliberate change, then review the diff.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "log.h"
#include "playlist.h"
#include "seg_crypt.h"
#include "seg_mux.h"

/* 2026-11-25T18:00:00.123Z */
#define PDT0 (INT64_C(1795629600) * 1000 + 123)

static int
golden(const char *name, const struct buf *got)
{
	char path[512], tmp[512];
	FILE *fp;
	char *want = NULL;
	long n;
	int rc = 1;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	if (getenv("GOLDEN_UPDATE") != NULL) {
		if ((fp = fopen(path, "wb")) == NULL)
			return 1;
		fwrite(got->data, 1, got->len, fp);
		return fclose(fp) == 0 ? 0 : 1;
	}
	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "  cannot open %s\n", path);
		return 1;
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	want = malloc(n > 0 ? (size_t)n : 1);
	if (want != NULL && fread(want, 1, (size_t)n, fp) == (size_t)n &&
	    (size_t)n == got->len && memcmp(want, got->data, got->len) == 0)
		rc = 0;
	fclose(fp);
	if (rc != 0) {
		snprintf(tmp, sizeof(tmp), "/tmp/%s.got", name);
		if ((fp = fopen(tmp, "wb")) != NULL) {
			fwrite(got->data, 1, got->len, fp);
			fclose(fp);
		}
		fprintf(stderr, "  %s differs from the golden file; got (also in %s):\n"
		    "%.*s\n  want:\n%.*s\n", name, tmp, (int)got->len,
		    (const char *)got->data, (int)(n > 0 ? n : 0), want ? want : "");
	}
	free(want);
	return rc;
}

/* ---- pure writer cases -------------------------------------------------- */

static int
t_target_duration(void)
{
	static const struct { int64_t ms; int want; } tc[] = {
		{ -5, 1 }, { 0, 1 }, { 1, 1 }, { 1499, 1 }, { 1500, 2 },
		{ 2000, 2 }, { 2002, 2 }, { 2499, 2 }, { 2500, 3 }, { 2999, 3 },
		{ 3000, 3 }, { 4000, 4 }, { 6001, 6 }, { 10499, 10 },
	};
	size_t i;

	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
		if (playlist_target_duration(tc[i].ms) != tc[i].want) {
			fprintf(stderr, "  case %zu: %lld ms\n", i, (long long)tc[i].ms);
			CHECK_INT(playlist_target_duration(tc[i].ms), tc[i].want);
		}
	}
	return 0;
}

/* EXTINF text for single segments: integer ms to seconds, 3 decimals. */
static int
t_extinf(void)
{
	static const struct { int64_t ms; const char *want; } tc[] = {
		{ 2002, "#EXTINF:2.002,\n" }, { 2000, "#EXTINF:2.000,\n" },
		{ 999, "#EXTINF:0.999,\n" }, { 0, "#EXTINF:0.000,\n" },
		{ -7, "#EXTINF:0.000,\n" }, { 12345, "#EXTINF:12.345,\n" },
		{ 60010, "#EXTINF:60.010,\n" },
	};
	struct pl_seg sg = { .uri = "a.ts" };
	struct pl_media pl = { .target_s = 2, .segs = &sg, .n_segs = 1 };
	struct buf b;
	size_t i;
	char *s;

	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
		buf_init(&b, 4096);
		sg.dur_ms = tc[i].ms;
		CHECK_INT(playlist_write_media(&b, &pl), 0);
		CHECK_INT(buf_append(&b, "", 1), 0);
		s = strstr((char *)b.data, "#EXTINF:");
		CHECK(s != NULL);
		CHECK(strncmp(s, tc[i].want, strlen(tc[i].want)) == 0);
		buf_fini(&b);
	}
	return 0;
}

static int
t_pdt(void)
{
	static const struct { int64_t ms; const char *want; } tc[] = {
		{ PDT0, "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T18:00:00.123Z\n" },
		{ PDT0 + 2002, "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T18:00:02.125Z\n" },
		{ 951782400000 + 5, "#EXT-X-PROGRAM-DATE-TIME:2000-02-29T00:00:00.005Z\n" },
		{ 1, "#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:00.001Z\n" },
	};
	struct pl_seg sg = { .uri = "a.ts", .dur_ms = 2000 };
	struct pl_media pl = { .target_s = 2, .segs = &sg, .n_segs = 1 };
	struct buf b;
	size_t i;

	for (i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
		buf_init(&b, 4096);
		sg.pdt_ms = tc[i].ms;
		CHECK_INT(playlist_write_media(&b, &pl), 0);
		CHECK_INT(buf_append(&b, "", 1), 0);
		CHECK(strstr((char *)b.data, tc[i].want) != NULL);
		buf_fini(&b);
	}
	/* 0 means no wall clock: no tag at all */
	buf_init(&b, 4096);
	sg.pdt_ms = 0;
	CHECK_INT(playlist_write_media(&b, &pl), 0);
	CHECK_INT(buf_append(&b, "", 1), 0);
	CHECK(strstr((char *)b.data, "PROGRAM-DATE-TIME") == NULL);
	buf_fini(&b);
	return 0;
}

static const struct pl_seg live_segs[] = {
	{ "seg120.ts", 2000, PDT0, false },
	{ "seg121.ts", 2002, PDT0 + 2000, false },
	{ "seg122.ts", 1998, PDT0 + 4002, false },
};

static int
t_live_ts(void)
{
	struct pl_media pl = { .target_s = 2, .media_seq = 120,
		.independent = true, .segs = live_segs, .n_segs = 3 };
	struct buf b;

	buf_init(&b, 4096);
	CHECK_INT(playlist_write_media(&b, &pl), 0);
	CHECK_INT(golden("live_ts.m3u8", &b), 0);
	buf_fini(&b);
	return 0;
}

static int
t_live_fmp4(void)
{
	static const struct pl_seg segs[] = {
		{ "seg7.m4s", 2000, PDT0, false },
		{ "seg8.m4s", 2000, PDT0 + 2000, false },
	};
	struct pl_media pl = { .target_s = 2, .media_seq = 7, .disc_seq = 1,
		.map_uri = "init.mp4", .independent = true, .segs = segs,
		.n_segs = 2 };
	struct buf b;

	buf_init(&b, 4096);
	CHECK_INT(playlist_write_media(&b, &pl), 0);
	CHECK_INT(golden("live_fmp4.m3u8", &b), 0);
	buf_fini(&b);
	return 0;
}

/*
 * A republish (or codec change) in fMP4: the new packager's init segment
 * is named per segment; EXT-X-MAP is written again, after the
 * discontinuity, only where it changes, and the version stays 6 even with
 * no playlist-wide map.
 */
static int
t_map_change(void)
{
	static const struct pl_seg segs[] = {
		{ "s-7.m4s", 2000, PDT0, false, "s-init0.mp4" },
		{ "s-8.m4s", 2000, PDT0 + 2000, false, "s-init0.mp4" },
		{ "s-9.m4s", 2000, PDT0 + 9000, true, "s-init1.mp4" },
		{ "s-10.m4s", 2000, PDT0 + 11000, false, "s-init1.mp4" },
	};
	struct pl_media pl = { .target_s = 2, .media_seq = 7, .disc_seq = 2,
		.independent = true, .segs = segs, .n_segs = 4 };
	struct pl_seg bad = { "a.m4s", 2000, 0, false, "i\"nit.mp4" };
	struct buf b;

	buf_init(&b, 4096);
	CHECK_INT(playlist_write_media(&b, &pl), 0);
	CHECK_INT(golden("map_change.m3u8", &b), 0);
	buf_fini(&b);
	/* a quote in a per-segment map URI would end the attribute: refused */
	pl.segs = &bad;
	pl.n_segs = 1;
	buf_init(&b, 4096);
	CHECK_INT(playlist_write_media(&b, &pl), -EINVAL);
	buf_fini(&b);
	return 0;
}

static int
t_ended(void)
{
	static const struct pl_seg segs[] = {
		{ "seg0.ts", 2000, 0, false },
		{ "seg1.ts", 2000, 0, false },
		{ "seg2.ts", 733, 0, false },
	};
	struct pl_media pl = { .target_s = 2, .ended = true, .segs = segs,
		.n_segs = 3 };
	struct buf b;

	buf_init(&b, 4096);
	CHECK_INT(playlist_write_media(&b, &pl), 0);
	CHECK_INT(golden("ended.m3u8", &b), 0);
	buf_fini(&b);

	/* a stream that ended before its first segment */
	buf_init(&b, 4096);
	pl.n_segs = 0;
	pl.segs = NULL;
	CHECK_INT(playlist_write_media(&b, &pl), 0);
	CHECK_INT(golden("ended_empty.m3u8", &b), 0);
	buf_fini(&b);
	return 0;
}

static int
t_master(void)
{
	static const struct pl_variant v[] = {
		{ "hi/index.m3u8", 2500000, 2100000, "avc1.64001f,mp4a.40.2",
		  1280, 720, 29.97 },
		{ "lo/index.m3u8", 800000, 0, "avc1.42c00d,mp4a.40.2", 320, 240, 25 },
		{ "audio/index.m3u8", 70000, 0, "mp4a.40.2", 0, 0, 0 },
		{ "unknown/index.m3u8", 100000, 0, NULL, 0, 0, 0 },
	};
	struct buf b;

	buf_init(&b, 4096);
	CHECK_INT(playlist_write_master(&b, v, 4, true), 0);
	CHECK_INT(golden("master.m3u8", &b), 0);
	buf_fini(&b);
	return 0;
}

/* Every append past the ceiling fails; the error comes back, sticky. */
static int
t_ceiling(void)
{
	struct pl_media pl = { .target_s = 2, .media_seq = 120,
		.segs = live_segs, .n_segs = 3 };
	static const struct pl_variant v = { "a.m3u8", 1, 0, NULL, 0, 0, 0 };
	struct buf b;
	size_t full;

	buf_init(&b, 1 << 16);
	CHECK_INT(playlist_write_media(&b, &pl), 0);
	full = b.len;
	buf_fini(&b);
	buf_init(&b, full - 1);
	CHECK_INT(playlist_write_media(&b, &pl), -ENOBUFS);
	CHECK(b.len < full);
	buf_fini(&b);
	/* printf needs room for its NUL: one spare byte is enough */
	buf_init(&b, full + 1);
	CHECK_INT(playlist_write_media(&b, &pl), 0);
	CHECK_INT(b.len, full);
	buf_fini(&b);
	buf_init(&b, 10);
	CHECK_INT(playlist_write_master(&b, &v, 1, false), -ENOBUFS);
	buf_fini(&b);
	return 0;
}

/* Injection: a URI or codec string must not add lines or break quotes. */
static int
t_bad_input(void)
{
	struct pl_seg sg = { "a.ts", 2000, 0, false };
	struct pl_media pl = { .target_s = 2, .segs = &sg, .n_segs = 1 };
	struct pl_variant v = { "a.m3u8", 1000, 0, NULL, 0, 0, 0 };
	struct buf b;

	buf_init(&b, 4096);
	sg.uri = "a.ts\n#EXT-X-ENDLIST";
	CHECK_INT(playlist_write_media(&b, &pl), -EINVAL);
	sg.uri = "#a.ts";
	CHECK_INT(playlist_write_media(&b, &pl), -EINVAL);
	sg.uri = NULL;
	CHECK_INT(playlist_write_media(&b, &pl), -EINVAL);
	sg.uri = "a.ts";
	pl.map_uri = "init\".mp4";
	CHECK_INT(playlist_write_media(&b, &pl), -EINVAL);
	pl.map_uri = NULL;
	pl.target_s = 0;
	CHECK_INT(playlist_write_media(&b, &pl), -EINVAL);
	CHECK_INT(b.len, 0);  /* refused before anything was written */
	v.codecs = "avc1\",x";
	CHECK_INT(playlist_write_master(&b, &v, 1, false), -EINVAL);
	v.codecs = NULL;
	v.bandwidth = 0;  /* BANDWIDTH is required */
	CHECK_INT(playlist_write_master(&b, &v, 1, false), -EINVAL);
	v.bandwidth = 1;
	v.uri = "a\r\nb";
	CHECK_INT(playlist_write_master(&b, &v, 1, false), -EINVAL);
	CHECK_INT(b.len, 0);
	buf_fini(&b);
	return 0;
}

/* ---- the segmenter, scripted -------------------------------------------- */

/* avcC of an x264 baseline 320x240 stream: one SPS, one PPS. */
static const uint8_t avcc[] = {
	0x01, 0x42, 0xc0, 0x0d, 0xff, 0xe1, 0x00, 0x18,
	0x67, 0x42, 0xc0, 0x0d, 0xd9, 0x01, 0x41, 0xfb, 0x01, 0x10, 0x00, 0x00,
	0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1, 0x42, 0xa4, 0x80,
	0x01, 0x00, 0x05, 0x68, 0xcb, 0x83, 0xcb, 0x20,
};
static const uint8_t asc[] = { 0x12, 0x10 };  /* AAC-LC, 44.1 kHz, stereo */
/* AVCC: 4-byte length, then a slice NAL (IDR 0x65, non-IDR 0x41). */
static const uint8_t idr[] = { 0, 0, 0, 6, 0x65, 0x88, 0x84, 0x21, 0x43, 0x55 };
static const uint8_t pfr[] = { 0, 0, 0, 5, 0x41, 0x9a, 0x21, 0x43, 0x55 };
static const uint8_t aac[] = { 0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c };

struct script_out {
	struct seg_out v[32];
	size_t n;
};

static int
script_cb(void *arg, struct seg_out *so)
{
	struct script_out *o = arg;

	if (o->n >= 32) {
		free(so->data);
		return -ENOSPC;
	}
	o->v[o->n++] = *so;
	return 0;
}

/* Audio every 1024 samples at 44.1 kHz and 25 fps video, both in ms, as an
 * RTMP publisher sends them, from from_ms up to to_ms. Keyframes every
 * 2 s, except at miss_key_ms. */
static int
feed_span(struct seg_mux *m, int64_t base, int64_t from_ms, int64_t to_ms,
    int64_t miss_key_ms)
{
	struct media_pkt p;
	int64_t v = from_ms, a_n = 0, a;
	int rc;

	for (;;) {
		a = from_ms + a_n * 1024 * 1000 / 44100;
		if (v >= to_ms && a >= to_ms)
			return 0;
		memset(&p, 0, sizeof(p));
		if (v <= a && v < to_ms) {
			p.kind = MEDIA_VIDEO;
			p.dts_ms = base + v;
			p.is_key = (v - from_ms) % 2000 == 0 && v != miss_key_ms;
			p.data = p.is_key ? idr : pfr;
			p.len = p.is_key ? sizeof(idr) : sizeof(pfr);
			v += 40;
		} else {
			p.kind = MEDIA_AUDIO;
			p.dts_ms = base + a;
			p.data = aac;
			p.len = sizeof(aac);
			a_n++;
		}
		if ((rc = seg_mux_write(m, &p)) != 0)
			return rc;
	}
}

static int
t_scripted_discontinuity(void)
{
	struct seg_mux_params prm = {
		.format = SEG_FMT_TS, .target_ms = 2000, .max_gap_ms = 5000,
		.seg_max_bytes = 1 << 20,
		.has_video = true, .avcc = avcc, .avcc_len = sizeof(avcc),
		.width = 320, .height = 240,
		.has_audio = true, .asc = asc, .asc_len = sizeof(asc),
		.sample_rate = 44100, .channels = 2,
	};
	struct script_out o = { .n = 0 };
	struct seg_mux *m;
	struct pl_seg segs[32] = { 0 };
	char uris[32][32];  /* room for any size_t: -Wformat-truncation */
	struct pl_media pl = { 0 };
	struct buf b;
	int64_t max_dur = 0;
	size_t i, first;

	m = seg_mux_new(&prm, script_cb, &o);
	CHECK(m != NULL);
	/*
	 * The publisher's clock starts at 1000 s; the keyframe at +6 s is
	 * missing, so a 4 s segment; at +11 s it reconnects and its clock
	 * restarts at 0 with a keyframe (mid-GOP for the old timeline).
	 */
	CHECK_INT(feed_span(m, 1000000, 0, 11000, 6000), 0);
	CHECK_INT(feed_span(m, 0, 0, 5000, -1), 0);
	CHECK_INT(seg_mux_finish(m), 0);
	CHECK_INT(seg_mux_dropped(m), 0);
	seg_mux_free(m);

	/* the structure the playlist must show */
	CHECK_INT(o.n, 8);
	CHECK_INT(o.v[2].dur_ms, 4000);   /* missing keyframe */
	CHECK(o.v[5].discontinuity);      /* the restart */
	for (i = 0; i < o.n; i++) {
		CHECK(o.v[i].starts_with_key);
		CHECK_INT(o.v[i].discontinuity, i == 5);
		CHECK_INT(o.v[i].data[0], 0x47);
		if (i > 0)
			CHECK_INT(o.v[i].start_ms, o.v[i - 1].start_ms + o.v[i - 1].dur_ms);
		if (o.v[i].dur_ms > max_dur)
			max_dur = o.v[i].dur_ms;
	}

	/* a live window of the last six, as the stream module would keep it */
	first = o.n - 6;
	for (i = first; i < o.n; i++) {
		snprintf(uris[i], sizeof(uris[i]), "seg%zu.ts", i);
		segs[i - first].uri = uris[i];
		segs[i - first].dur_ms = o.v[i].dur_ms;
		segs[i - first].pdt_ms = PDT0 + o.v[i].start_ms - o.v[0].start_ms;
		segs[i - first].discontinuity = o.v[i].discontinuity;
	}
	pl.target_s = playlist_target_duration(max_dur);
	CHECK_INT(pl.target_s, 4);
	pl.media_seq = first;
	pl.independent = true;
	pl.segs = segs;
	pl.n_segs = o.n - first;
	buf_init(&b, 8192);
	CHECK_INT(playlist_write_media(&b, &pl), 0);
	CHECK_INT(golden("discontinuity.m3u8", &b), 0);
	buf_fini(&b);
	for (i = 0; i < o.n; i++)
		free(o.v[i].data);
	return 0;
}

/*
 * Encryption (RFC 8216 4.3.2.4, 4.3.2.5): EXT-X-KEY with an explicit IV
 * before every encrypted segment, the key URI changing at a rotation,
 * METHOD=NONE before a segment in the clear after encrypted ones, and an
 * EXT-X-MAP never inside a key's scope.
 */
static int
t_encrypted(void)
{
	static const uint8_t iv7[16] = { [15] = 7 }, iv8[16] = { [15] = 8 },
	    iv9[16] = { [15] = 9 }, iv10[16] = { [15] = 10 };
	static const struct pl_seg segs[] = {
		{ "s-7.m4s", 2000, PDT0, false, "s-init0.mp4", "s-k0.key", iv7 },
		{ "s-8.m4s", 2000, PDT0 + 2000, false, "s-init0.mp4", "s-k1.key", iv8 },
		{ "s-9.m4s", 2000, PDT0 + 4000, true, "s-init1.mp4", "s-k1.key", iv9 },
		{ "s-10.m4s", 2000, PDT0 + 6000, false, "s-init1.mp4", NULL, NULL },
		{ "s-11.m4s", 2000, PDT0 + 8000, false, "s-init1.mp4", "s-k2.key", iv10 },
	};
	struct pl_media pl = { .target_s = 2, .media_seq = 7, .segs = segs, .n_segs = 5 };
	struct pl_seg bad = { "x.ts", 2000, 0, false, NULL, "k.key", NULL };
	struct pl_media plb = { .target_s = 2, .segs = &bad, .n_segs = 1 };
	struct buf b;

	buf_init(&b, 4096);
	CHECK_INT(playlist_write_media(&b, &pl), 0);
	CHECK_INT(golden("encrypted_fmp4.m3u8", &b), 0);
	buf_fini(&b);
	buf_init(&b, 4096);
	CHECK_INT(playlist_write_media(&b, &plb), -EINVAL);   /* a key needs its IV */
	buf_fini(&b);
	return 0;
}

/*
 * A recording's playlist (recording.c): the VOD head, then one segment at a
 * time with the map and key carried across calls (the strings of each
 * segment copied to a scratch buffer that is overwritten, as a recorder's
 * are), then ENDLIST. Golden, and the same segment lines as the whole
 * playlist writer gives for the same segments.
 */
static int
t_vod_incremental(void)
{
	static const uint8_t iv7[16] = { [15] = 7 }, iv8[16] = { [15] = 8 };
	static const struct pl_seg segs[] = {
		{ "s-0.m4s", 2000, PDT0, false, "s-init0.mp4", "s-k0.key", iv7 },
		{ "s-1.m4s", 2000, PDT0 + 2000, false, "s-init0.mp4", "s-k0.key", iv8 },
		{ "s-2.m4s", 1500, PDT0 + 9000, true, "s-init1.mp4", NULL, NULL },
		{ "s-3.m4s", 2000, PDT0 + 10500, false, "s-init1.mp4", NULL, NULL },
	};
	struct pl_media pl = { .target_s = 2, .media_seq = 0, .ended = true, .segs = segs,
		.n_segs = 4 };
	struct pl_seg_ctx ctx = { 0 };
	char keep_map[64], scratch[3][64];
	struct buf b, whole;
	const char *body_vod, *body_whole;

	buf_init(&b, 4096);
	CHECK_INT(playlist_write_vod_head(&b, 2, 0, true, false), 0);
	for (size_t i = 0; i < 4; i++) {
		struct pl_seg sg = segs[i];
		snprintf(scratch[0], sizeof(scratch[0]), "%s", segs[i].uri);
		snprintf(scratch[1], sizeof(scratch[1]), "%s", segs[i].map_uri);
		sg.uri = scratch[0];
		sg.map_uri = scratch[1];
		if (segs[i].key_uri) {
			snprintf(scratch[2], sizeof(scratch[2]), "%s", segs[i].key_uri);
			sg.key_uri = scratch[2];
		}
		CHECK_INT(playlist_write_segment(&b, &ctx, &sg, NULL), 0);
		if (ctx.prev_map) {
			snprintf(keep_map, sizeof(keep_map), "%s", ctx.prev_map);
			ctx.prev_map = keep_map;
		}
		memset(scratch, 'x', sizeof(scratch));   /* the recorder's strings are gone */
		scratch[0][63] = scratch[1][63] = scratch[2][63] = '\0';
	}
	buf_printf(&b, "#EXT-X-ENDLIST\n");
	CHECK_INT(golden("vod_incremental.m3u8", &b), 0);
	CHECK(memmem(b.data, b.len, "#EXT-X-PLAYLIST-TYPE:VOD\n", 25) != NULL);
	buf_init(&whole, 4096);
	CHECK_INT(playlist_write_media(&whole, &pl), 0);
	buf_append(&b, "", 1);
	buf_append(&whole, "", 1);
	body_vod = strstr((const char *)b.data, "#EXT-X-KEY");
	body_whole = strstr((const char *)whole.data, "#EXT-X-KEY");
	CHECK(body_vod != NULL && body_whole != NULL);
	if (body_vod && body_whole)
		CHECK_STR(body_vod, body_whole);
	buf_fini(&whole);
	buf_fini(&b);
	/* what cannot be a line is refused, as in the whole writer */
	{
		struct pl_seg bad = { "#x.ts", 2000, 0, false, NULL, NULL, NULL };
		struct pl_seg_ctx c2 = { 0 };
		buf_init(&b, 4096);
		CHECK_INT(playlist_write_segment(&b, &c2, &bad, NULL), -EINVAL);
		CHECK_INT(playlist_write_vod_head(&b, 0, 0, false, false), -EINVAL);
		buf_fini(&b);
	}
	return 0;
}

/* RFC 3602 case 1 (AES-128-CBC), plus the PKCS#7 block; IV from an MSN. */
static int
t_seg_crypt(void)
{
	static const uint8_t key[16] = { 0x06, 0xa9, 0x21, 0x40, 0x36, 0xb8, 0xa1, 0x5b,
		0x51, 0x2e, 0x03, 0xd5, 0x34, 0x12, 0x00, 0x06 };
	static const uint8_t iv[16] = { 0x3d, 0xaf, 0xba, 0x42, 0x9d, 0x9e, 0xb4, 0x30,
		0xb4, 0x22, 0xda, 0x80, 0x2c, 0x9f, 0xac, 0x41 };
	static const uint8_t want[16] = { 0xe3, 0x53, 0x77, 0x9c, 0x10, 0x79, 0xae, 0xb8,
		0x27, 0x08, 0x94, 0x2d, 0xbe, 0x77, 0x18, 0x1a };
	static const uint8_t ivm[16] = { 0, 0, 0, 0, 0, 0, 0, 0,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
	uint8_t *enc = NULL, *dec = NULL, got_iv[16];
	size_t enc_len = 0, dec_len = 0;

	CHECK_INT(seg_crypt_encrypt(key, iv, (const uint8_t *)"Single block msg", 16, &enc,
	    &enc_len), 0);
	CHECK_INT((int)enc_len, 32);
	CHECK_MEM(enc, want, 16);
	CHECK_INT(seg_crypt_decrypt(key, iv, enc, enc_len, &dec, &dec_len), 0);
	CHECK_INT((int)dec_len, 16);
	CHECK_MEM(dec, "Single block msg", 16);
	free(dec);
	dec = NULL;
	enc[enc_len - 1] ^= 1;   /* broken padding */
	CHECK_INT(seg_crypt_decrypt(key, iv, enc, enc_len, &dec, &dec_len), -EPROTO);
	CHECK(dec == NULL);
	free(enc);
	CHECK_INT(seg_crypt_encrypt(key, iv, (const uint8_t *)"abc", 3, &enc, &enc_len), 0);
	CHECK_INT((int)enc_len, 16);
	free(enc);
	seg_crypt_iv_from_msn(UINT64_C(0x0102030405060708), got_iv);
	CHECK_MEM(got_iv, ivm, 16);
	return 0;
}

int
main(void)
{
	log_init("test_playlist", LOG_LVL_WARN);
	RUN(t_target_duration);
	RUN(t_extinf);
	RUN(t_pdt);
	RUN(t_live_ts);
	RUN(t_live_fmp4);
	RUN(t_map_change);
	RUN(t_ended);
	RUN(t_master);
	RUN(t_ceiling);
	RUN(t_bad_input);
	RUN(t_scripted_discontinuity);
	RUN(t_encrypted);
	RUN(t_vod_incremental);
	RUN(t_seg_crypt);
	return check_done();
}
