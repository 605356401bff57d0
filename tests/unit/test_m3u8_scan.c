/*
 * test_m3u8_scan: the HLS playlist scanner and m3u8_resolve
 * (edge/m3u8_scan.c; RFC 8216, LL-HLS from rfc8216bis, RFC 3986 5.2).
 *
 * Inputs are our origin's own playlists (the .m3u8 files in tests/golden,
 * read as they are, with CRLF line ends, and without their #EXTM3U), a
 * table of raw playlists with everything the scanner must report, limits built at
 * run time (long lines, too many URIs, too many bytes), and a table of
 * reference resolutions.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "m3u8_scan.h"

#define SEG M3U8_SEGMENT
#define MAP M3U8_MAP
#define PART M3U8_PART
#define PRE M3U8_PRELOAD
#define VAR M3U8_VARIANT
#define MED M3U8_MEDIA

#define URIS_MAX 12

struct want_uri {
	enum m3u8_uri_kind kind;
	uint32_t dur_ms;
	const char *uri;
};

struct want {
	int rc;
	bool is_master, has_endlist, can_block_reload;
	int64_t target_s, seq, part_target_ms;
	size_t n_segments, n_bad, n_uris;
	struct want_uri uris[URIS_MAX];
};

/* An empty result: what every error leaves. */
#define EMPTY_INFO(rc_) { rc_, false, false, false, -1, 0, -1, 0, 0, 0, { { 0 } } }

static const char *const kind_names[] = {
	"SEGMENT", "MAP", "PART", "PRELOAD", "VARIANT", "MEDIA",
};

static const char *
kind_name(enum m3u8_uri_kind k)
{
	return (unsigned)k < 6 ? kind_names[k] : "?";
}

/*
 * Scan len bytes and compare everything with *w (the first w->n_uris URIs
 * when n_uris <= URIS_MAX). Prints got and want for each difference.
 */
static int
check_scan(const char *label, const void *data, size_t len,
    const struct want *w)
{
	struct m3u8_info info;
	size_t i;
	int rc, bad = 0;

	memset(&info, 0x5a, sizeof(info));   /* must be fully set */
	rc = m3u8_scan(data, len, &info);
#define FIELD(name, got, want)                                             \
	do {                                                               \
		if ((long long)(got) != (long long)(want)) {               \
			fprintf(stderr, "  %s: %s: got %lld, want %lld\n", \
			    label, name, (long long)(got), (long long)(want)); \
			bad = 1;                                           \
		}                                                          \
	} while (0)
	FIELD("rc", rc, w->rc);
	FIELD("is_master", info.is_master, w->is_master);
	FIELD("has_endlist", info.has_endlist, w->has_endlist);
	FIELD("target_duration_s", info.target_duration_s, w->target_s);
	FIELD("media_sequence", info.media_sequence, w->seq);
	FIELD("part_target_ms", info.part_target_ms, w->part_target_ms);
	FIELD("can_block_reload", info.can_block_reload, w->can_block_reload);
	FIELD("n_segments", info.n_segments, w->n_segments);
	FIELD("n_bad", info.n_bad, w->n_bad);
	FIELD("n_uris", info.n_uris, w->n_uris);
	if (rc != 0 && info.uris != NULL) {
		fprintf(stderr, "  %s: uris not NULL after an error\n", label);
		bad = 1;
	}
	for (i = 0; rc == 0 && i < info.n_uris && i < w->n_uris &&
	    i < URIS_MAX; i++) {
		const struct m3u8_uri *g = &info.uris[i];
		const struct want_uri *u = &w->uris[i];

		if (g->kind != u->kind || g->duration_ms != u->dur_ms ||
		    strcmp(g->uri, u->uri) != 0) {
			fprintf(stderr, "  %s: uri %zu: got %s %u \"%s\", "
			    "want %s %u \"%s\"\n", label, i, kind_name(g->kind),
			    g->duration_ms, g->uri, kind_name(u->kind),
			    u->dur_ms, u->uri);
			bad = 1;
		}
	}
#undef FIELD
	m3u8_info_fini(&info);
	return bad;
}

/* ---- our origin's playlists ------------------------------------------- */

static const struct golden {
	const char *file;
	struct want w;
} goldens[] = {
	{ "live_ts.m3u8", { 0, false, false, false, 2, 120, -1, 3, 0, 3, {
		{ SEG, 2000, "seg120.ts" }, { SEG, 2002, "seg121.ts" },
		{ SEG, 1998, "seg122.ts" } } } },
	{ "live_fmp4.m3u8", { 0, false, false, false, 2, 7, -1, 2, 0, 3, {
		{ MAP, 0, "init.mp4" }, { SEG, 2000, "seg7.m4s" },
		{ SEG, 2000, "seg8.m4s" } } } },
	{ "ended.m3u8", { 0, false, true, false, 2, 0, -1, 3, 0, 3, {
		{ SEG, 2000, "seg0.ts" }, { SEG, 2000, "seg1.ts" },
		{ SEG, 733, "seg2.ts" } } } },
	{ "ended_empty.m3u8", { 0, false, true, false, 2, 0, -1, 0, 0, 0,
		{ { 0 } } } },
	{ "discontinuity.m3u8", { 0, false, false, false, 4, 2, -1, 6, 0, 6, {
		{ SEG, 4000, "seg2.ts" }, { SEG, 2000, "seg3.ts" },
		{ SEG, 1023, "seg4.ts" }, { SEG, 2000, "seg5.ts" },
		{ SEG, 2000, "seg6.ts" }, { SEG, 1015, "seg7.ts" } } } },
	{ "master.m3u8", { 0, true, false, false, -1, 0, -1, 0, 0, 4, {
		{ VAR, 0, "hi/index.m3u8" }, { VAR, 0, "lo/index.m3u8" },
		{ VAR, 0, "audio/index.m3u8" },
		{ VAR, 0, "unknown/index.m3u8" } } } },
};

static char *
slurp(const char *name, size_t *len)
{
	char path[1024];
	FILE *fp;
	char *data = NULL;
	long n;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "  cannot open %s\n", path);
		return NULL;
	}
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) > 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 && (data = malloc((size_t)n)) != NULL &&
	    fread(data, 1, (size_t)n, fp) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(data);
		data = NULL;
	}
	fclose(fp);
	return data;
}

static int
t_golden(void)
{
	static const struct want refused = EMPTY_INFO(-EPROTO);
	char label[128], *data, *crlf;
	size_t i, j, len, n;
	int failed = 0;

	for (i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
		if ((data = slurp(goldens[i].file, &len)) == NULL)
			return 1;
		snprintf(label, sizeof(label), "%s", goldens[i].file);
		failed |= check_scan(label, data, len, &goldens[i].w);

		/* the same with CRLF line ends */
		CHECK((crlf = malloc(2 * len)) != NULL);
		for (j = n = 0; j < len; j++) {
			if (data[j] == '\n')
				crlf[n++] = '\r';
			crlf[n++] = data[j];
		}
		snprintf(label, sizeof(label), "%s (CRLF)", goldens[i].file);
		failed |= check_scan(label, crlf, n, &goldens[i].w);

		/* ...and without a final line end */
		snprintf(label, sizeof(label), "%s (no final LF)",
		    goldens[i].file);
		failed |= check_scan(label, data, len - 1, &goldens[i].w);

		/* without its #EXTM3U line: not a playlist */
		CHECK(len > 8 && memcmp(data, "#EXTM3U\n", 8) == 0);
		snprintf(label, sizeof(label), "%s (no #EXTM3U)",
		    goldens[i].file);
		failed |= check_scan(label, data + 8, len - 8, &refused);
		free(crlf);
		free(data);
	}
	return failed;
}

/* ---- a table of playlists ---------------------------------------------- */

static const struct scan_case {
	const char *name;
	const char *data;
	size_t len;
	struct want w;
} scan_cases[] = {
#define P(s) s, sizeof(s) - 1
	/* not a playlist (4.3.1.1: EXTM3U first; 4.1: no BOM) */
	{ "empty", P(""), EMPTY_INFO(-EPROTO) },
	{ "no EXTM3U", P("#EXT-X-VERSION:3\n#EXTM3U\nseg.ts\n"),
	    EMPTY_INFO(-EPROTO) },
	{ "leading blank line", P("\n#EXTM3U\n"), EMPTY_INFO(-EPROTO) },
	{ "leading space", P(" #EXTM3U\n"), EMPTY_INFO(-EPROTO) },
	{ "BOM", P("\xef\xbb\xbf#EXTM3U\n"), EMPTY_INFO(-EPROTO) },
	{ "lower case", P("#extm3u\n"), EMPTY_INFO(-EPROTO) },
	{ "EXTM3UX", P("#EXTM3UX\n"), EMPTY_INFO(-EPROTO) },
	{ "EXTM3U:", P("#EXTM3U:\n"), EMPTY_INFO(-EPROTO) },
	{ "NUL in EXTM3U", P("#EXTM3U\0\n"), EMPTY_INFO(-EPROTO) },
	{ "html", P("<html><body>502 Bad Gateway</body></html>\n"),
	    EMPTY_INFO(-EPROTO) },
	/* the smallest playlists */
	{ "EXTM3U only", P("#EXTM3U"), { 0, false, false, false, -1, 0, -1,
	    0, 0, 0, { { 0 } } } },
	{ "EXTM3U LF", P("#EXTM3U\n"), { 0, false, false, false, -1, 0, -1,
	    0, 0, 0, { { 0 } } } },
	{ "EXTM3U CRLF, trailing blank", P("#EXTM3U \t\r\n"), { 0, false,
	    false, false, -1, 0, -1, 0, 0, 0, { { 0 } } } },
	/* a media playlist with comments, blank lines, unknown tags */
	{ "media with noise", P("#EXTM3U\n"
	    "#EXT-X-VERSION:7\n"
	    "# a comment, not a tag: #EXTINF:9,\n"
	    "#EXT-X-TARGETDURATION:6\n"
	    "\n"
	    "#EXT-X-MEDIA-SEQUENCE:9007199254740993\n"
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin\"\n"
	    "#EXT-X-DATERANGE:ID=\"a\",START-DATE=\"2026-11-25T18:00:00Z\"\n"
	    "#EXTINF:5.005,title, with comma\n"
	    "#EXT-X-BYTERANGE:1000@0\n"
	    "   \t\n"
	    "a/seg-1.ts?x=1\n"
	    "#EXT-X-UNKNOWN\n"
	    "#EXTINF:6,\n"
	    "https://cdn.example/seg-2.ts\n"
	    "#EXT-X-ENDLIST\n"),
	    { 0, false, true, false, 6, 9007199254740993LL, -1, 2, 0, 2, {
		{ SEG, 5005, "a/seg-1.ts?x=1" },
		{ SEG, 6000, "https://cdn.example/seg-2.ts" } } } },
	/* CRLF, a lone CR at the end, and a CR inside a line */
	{ "CRLF", P("#EXTM3U\r\n#EXT-X-TARGETDURATION:2\r\n#EXTINF:2.000,\r\n"
	    "seg0.ts\r\n#EXTINF:1.5,\r\nseg1.ts\r"),
	    { 0, false, false, false, 2, 0, -1, 2, 0, 2, {
		{ SEG, 2000, "seg0.ts" }, { SEG, 1500, "seg1.ts" } } } },
	{ "lone CR in a URI", P("#EXTM3U\nseg\r0.ts\nseg1.ts\n"),
	    { 0, false, false, false, -1, 0, -1, 2, 1, 1, {
		{ SEG, 0, "seg1.ts" } } } },
	{ "CR CR LF", P("#EXTM3U\nseg0.ts\r\r\n"),
	    { 0, false, false, false, -1, 0, -1, 1, 1, 0, { { 0 } } } },
	/* EXTINF belongs to the next segment only */
	{ "EXTINF once", P("#EXTM3U\n#EXTINF:2,\na.ts\nb.ts\n"
	    "#EXTINF:3,\n#EXTINF:4,\nc.ts\n"),
	    { 0, false, false, false, -1, 0, -1, 3, 0, 3, {
		{ SEG, 2000, "a.ts" }, { SEG, 0, "b.ts" },
		{ SEG, 4000, "c.ts" } } } },
	/* EXTINF numbers (4.2 decimal-floating-point), rounded to ms */
	{ "EXTINF numbers", P("#EXTM3U\n"
	    "#EXTINF:2\n" "a\n"
	    "#EXTINF:.5,\n" "b\n"
	    "#EXTINF:5.,\n" "c\n"
	    "#EXTINF:1.0005,\n" "d\n"
	    "#EXTINF:1.00049999,\n" "e\n"
	    "#EXTINF:0.9999,\n" "f\n"
	    "#EXTINF:4294967.295,\n" "g\n"
	    "#EXTINF:0,\n" "h\n"
	    "#EXTINF:007.25,\n" "i\n"),
	    { 0, false, false, false, -1, 0, -1, 9, 0, 9, {
		{ SEG, 2000, "a" }, { SEG, 500, "b" }, { SEG, 5000, "c" },
		{ SEG, 1001, "d" }, { SEG, 1000, "e" }, { SEG, 1000, "f" },
		{ SEG, 4294967295u, "g" }, { SEG, 0, "h" },
		{ SEG, 7250, "i" } } } },
	{ "EXTINF bad numbers", P("#EXTM3U\n"
	    "#EXTINF:abc,\n" "a\n"
	    "#EXTINF:-1,\n" "b\n"
	    "#EXTINF:1e3,\n" "c\n"
	    "#EXTINF:2.5.1,\n" "d\n"
	    "#EXTINF:,\n" "e\n"
	    "#EXTINF:.,\n" "f\n"
	    "#EXTINF:4294967.296,\n" "g\n"
	    "#EXTINF:99999999999999999999999999,\n" "h\n"
	    "#EXTINF: 2,\n" "i\n"
	    "#EXTINF:+2,\n" "j\n"
	    "#EXTINF\n" "k\n"),
	    { 0, false, false, false, -1, 0, -1, 11, 11, 11, {
		{ SEG, 0, "a" }, { SEG, 0, "b" }, { SEG, 0, "c" },
		{ SEG, 0, "d" }, { SEG, 0, "e" }, { SEG, 0, "f" },
		{ SEG, 0, "g" }, { SEG, 0, "h" }, { SEG, 0, "i" },
		{ SEG, 0, "j" }, { SEG, 0, "k" } } } },
	/* TARGETDURATION and MEDIA-SEQUENCE: decimal-integers, once */
	{ "big numbers", P("#EXTM3U\n#EXT-X-TARGETDURATION:9223372036854775807\n"
	    "#EXT-X-MEDIA-SEQUENCE:0000000000000000000000000000042\n"),
	    { 0, false, false, false, INT64_MAX, 42, -1, 0, 0, 0,
		{ { 0 } } } },
	{ "bad integers", P("#EXTM3U\n"
	    "#EXT-X-TARGETDURATION:2.5\n"
	    "#EXT-X-TARGETDURATION:\n"
	    "#EXT-X-TARGETDURATION:-1\n"
	    "#EXT-X-TARGETDURATION:9223372036854775808\n"
	    "#EXT-X-TARGETDURATION: 2\n"
	    "#EXT-X-TARGETDURATION\n"
	    "#EXT-X-MEDIA-SEQUENCE:x\n"
	    "#EXT-X-MEDIA-SEQUENCE:18446744073709551615\n"),
	    { 0, false, false, false, -1, 0, -1, 0, 8, 0, { { 0 } } } },
	{ "repeated tags", P("#EXTM3U\n"
	    "#EXT-X-TARGETDURATION:4\n#EXT-X-TARGETDURATION:2\n"
	    "#EXT-X-MEDIA-SEQUENCE:5\n#EXT-X-MEDIA-SEQUENCE:6\n"
	    "#EXT-X-ENDLIST\n#EXT-X-ENDLIST\n"),
	    { 0, false, true, false, 4, 5, -1, 0, 2, 0, { { 0 } } } },
	{ "ENDLIST with a value", P("#EXTM3U\n#EXT-X-ENDLIST:YES\n"
	    "#EXT-X-ENDLISTX\n"),
	    { 0, false, false, false, -1, 0, -1, 0, 1, 0, { { 0 } } } },
	/* EXT-X-MAP (4.3.2.5): a new MAP applies from there on */
	{ "MAP", P("#EXTM3U\n#EXT-X-TARGETDURATION:2\n"
	    "#EXT-X-MAP:URI=\"init-0.mp4\",BYTERANGE=\"720@0\"\n"
	    "#EXTINF:2,\nseg0.m4s\n"
	    "#EXT-X-DISCONTINUITY\n"
	    "#EXT-X-MAP:BYTERANGE=\"9@1\",URI=\"../init-1.mp4\"\n"
	    "#EXTINF:2,\nseg1.m4s\n"),
	    { 0, false, false, false, 2, 0, -1, 2, 0, 4, {
		{ MAP, 0, "init-0.mp4" }, { SEG, 2000, "seg0.m4s" },
		{ MAP, 0, "../init-1.mp4" }, { SEG, 2000, "seg1.m4s" } } } },
	{ "bad MAPs", P("#EXTM3U\n"
	    "#EXT-X-MAP:URI=init.mp4\n"             /* unquoted */
	    "#EXT-X-MAP:URI=\"\"\n"                 /* empty */
	    "#EXT-X-MAP:URI=\"init.mp4\n"           /* unterminated */
	    "#EXT-X-MAP:URI=\"a\"x\n"               /* junk after */
	    "#EXT-X-MAP:URI=\"a\",URI=\"b\"\n"      /* twice */
	    "#EXT-X-MAP:BYTERANGE=\"1@0\"\n"        /* no URI */
	    "#EXT-X-MAP:uri=\"a\"\n"                /* lower case name */
	    "#EXT-X-MAP:URI=\"a\",\n"               /* trailing comma */
	    "#EXT-X-MAP: URI=\"a\"\n"               /* white space */
	    "#EXT-X-MAP:URI =\"a\"\n"
	    "#EXT-X-MAP:URI=\"a\tb\"\n"             /* control byte */
	    "#EXT-X-MAP:\n"
	    "#EXT-X-MAP\n"
	    "#EXT-X-MAP:URI=\"ok.mp4\"\n"),
	    { 0, false, false, false, -1, 0, -1, 0, 13, 1, {
		{ MAP, 0, "ok.mp4" } } } },
	/* a master playlist (4.3.4): renditions and variants */
	{ "master with media", P("#EXTM3U\n"
	    "#EXT-X-INDEPENDENT-SEGMENTS\n"
	    "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"English\","
	    "DEFAULT=YES,AUTOSELECT=YES,LANGUAGE=\"en\",URI=\"audio/en.m3u8\"\n"
	    "#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID=\"cc\",NAME=\"CC1\","
	    "INSTREAM-ID=\"CC1\"\n"
	    "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"s\",NAME=\"x\",URI=\"\"\n"
	    "#EXT-X-STREAM-INF:BANDWIDTH=2500000,CODECS=\"avc1.64001f,"
	    "mp4a.40.2\",RESOLUTION=1280x720,AUDIO=\"aac\"\n"
	    "hi/index.m3u8\n"
	    "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI=\"hi/iframe.m3u8\"\n"
	    "#EXTINF:9,\n"                          /* not for a variant */
	    "#EXT-X-STREAM-INF:BANDWIDTH=800000\n"
	    "# a comment between\n"
	    "\n"
	    "lo/index.m3u8?token=abc\n"),
	    { 0, true, false, false, -1, 0, -1, 0, 1, 3, {
		{ MED, 0, "audio/en.m3u8" }, { VAR, 0, "hi/index.m3u8" },
		{ VAR, 0, "lo/index.m3u8?token=abc" } } } },
	/* a malformed (or empty) STREAM-INF still makes the next URI a
	 * variant; a URI line with no STREAM-INF is a segment */
	{ "malformed STREAM-INF", P("#EXTM3U\n"
	    "#EXT-X-STREAM-INF:bandwidth=1\n" "a.m3u8\n"
	    "#EXT-X-STREAM-INF:BANDWIDTH=1,\n" "b.m3u8\n"
	    "#EXT-X-STREAM-INF:BANDWIDTH=1, CODECS=\"x\"\n" "c.m3u8\n"
	    "#EXT-X-STREAM-INF:CODECS=\"avc1\n" "d.m3u8\n"
	    "#EXT-X-STREAM-INF:\n" "e.m3u8\n"
	    "#EXT-X-STREAM-INF\n" "f.m3u8\n"),
	    { 0, true, false, false, -1, 0, -1, 1, 6, 6, {
		{ VAR, 0, "a.m3u8" }, { VAR, 0, "b.m3u8" },
		{ VAR, 0, "c.m3u8" }, { VAR, 0, "d.m3u8" },
		{ VAR, 0, "e.m3u8" }, { SEG, 0, "f.m3u8" } } } },
	{ "bad MEDIA", P("#EXTM3U\n"
	    "#EXT-X-MEDIA:TYPE=AUDIO,URI=audio.m3u8\n"
	    "#EXT-X-MEDIA:TYPE=AUDIO,URI=\"a.m3u8\",URI=\"b.m3u8\"\n"
	    "#EXT-X-MEDIA:TYPE=AUDIO,NAME=\"x\" ,URI=\"a.m3u8\"\n"),
	    { 0, false, false, false, -1, 0, -1, 0, 3, 0, { { 0 } } } },
	/* LL-HLS (rfc8216bis 4.4.3.7-8, 4.4.4.9, 4.4.5.3) */
	{ "LL-HLS", P("#EXTM3U\n"
	    "#EXT-X-TARGETDURATION:4\n"
	    "#EXT-X-VERSION:9\n"
	    "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.0,"
	    "CAN-SKIP-UNTIL=12.0\n"
	    "#EXT-X-PART-INF:PART-TARGET=0.33334\n"
	    "#EXT-X-MEDIA-SEQUENCE:266\n"
	    "#EXT-X-MAP:URI=\"init.mp4\"\n"
	    "#EXTINF:4.00008,\n"
	    "fileSequence266.mp4\n"
	    "#EXT-X-PART:DURATION=0.33334,URI=\"filePart267.0.mp4\","
	    "INDEPENDENT=YES\n"
	    "#EXT-X-PART:DURATION=0.33334,URI=\"filePart267.1.mp4\"\n"
	    "#EXT-X-PART:URI=\"filePart267.2.mp4\",DURATION=0.3335,GAP=YES\n"
	    "#EXTINF:1.00000,\n"
	    "fileSequence267.mp4\n"
	    "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"filePart268.0.mp4\"\n"
	    "#EXT-X-PRELOAD-HINT:TYPE=MAP,URI=\"init2.mp4\"\n"
	    "#EXT-X-RENDITION-REPORT:URI=\"../1M/waitForMSN.php\","
	    "LAST-MSN=273,LAST-PART=2\n"),
	    { 0, false, false, true, 4, 266, 333, 2, 0, 8, {
		{ MAP, 0, "init.mp4" },
		{ SEG, 4000, "fileSequence266.mp4" },
		{ PART, 333, "filePart267.0.mp4" },
		{ PART, 333, "filePart267.1.mp4" },
		{ PART, 334, "filePart267.2.mp4" },
		{ SEG, 1000, "fileSequence267.mp4" },
		{ PRE, 0, "filePart268.0.mp4" },
		{ PRE, 0, "init2.mp4" } } } },
	{ "LL-HLS flags off", P("#EXTM3U\n"
	    "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=NO\n"
	    "#EXT-X-PART-INF:PART-TARGET=1\n"),
	    { 0, false, false, false, -1, 0, 1000, 0, 0, 0, { { 0 } } } },
	{ "LL-HLS quoted YES", P("#EXTM3U\n"
	    "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=\"YES\"\n"),
	    { 0, false, false, false, -1, 0, -1, 0, 0, 0, { { 0 } } } },
	{ "bad LL-HLS", P("#EXTM3U\n"
	    "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,\n"
	    "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES\n"   /* ok */
	    "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=NO\n"    /* repeat */
	    "#EXT-X-PART-INF:PART-TARGET=x\n"
	    "#EXT-X-PART-INF:PART-TARGET=\"1\"\n"
	    "#EXT-X-PART-INF:PART-HOLD-BACK=1\n"
	    "#EXT-X-PART-INF:PART-TARGET=0.5\n"              /* ok */
	    "#EXT-X-PART-INF:PART-TARGET=0.25\n"             /* repeat */
	    "#EXT-X-PART:DURATION=0.5\n"                     /* no URI */
	    "#EXT-X-PART:DURATION=0.5,URI=p.mp4\n"           /* unquoted */
	    "#EXT-X-PART:URI=\"nodur.mp4\"\n"                /* kept, 0 */
	    "#EXT-X-PART:URI=\"baddur.mp4\",DURATION=-1\n"   /* kept, 0 */
	    "#EXT-X-PART:URI=\"qdur.mp4\",DURATION=\"1\"\n"  /* kept, 0 */
	    "#EXT-X-PRELOAD-HINT:TYPE=PART\n"
	    "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"\"\n"),
	    { 0, false, false, true, -1, 0, 500, 0, 13, 3, {
		{ PART, 0, "nodur.mp4" }, { PART, 0, "baddur.mp4" },
		{ PART, 0, "qdur.mp4" } } } },
	/* URI lines with bytes no URI may hold: counted, not kept */
	{ "control bytes in URIs", P("#EXTM3U\n"
	    "#EXTINF:2,\nseg\0../../etc/passwd\n"
	    "#EXTINF:2,\nseg\x01.ts\n"
	    "#EXTINF:2,\nseg\x7f.ts\n"
	    "#EXTINF:2,\nseg\t.ts\n"
	    "#EXTINF:3,\nok.ts\n"),
	    { 0, false, false, false, -1, 0, -1, 5, 4, 1, {
		{ SEG, 3000, "ok.ts" } } } },
	{ "tag with NUL", P("#EXTM3U\n#EXT-X-TARGETDURATION:2\0\n"
	    "#EXTINF:2\0,\na.ts\n"),
	    { 0, false, false, false, -1, 0, -1, 1, 2, 1, {
		{ SEG, 0, "a.ts" } } } },
	/* URIs are kept as written: the resolver decides */
	{ "URIs as written", P("#EXTM3U\n"
	    "/abs/seg.ts\n../up/seg.ts\nhttp://x/y.ts\n//host/z.ts\n"
	    "seg%20a.ts\n\xc3\xa9.ts\n a.ts\n"),
	    { 0, false, false, false, -1, 0, -1, 7, 0, 7, {
		{ SEG, 0, "/abs/seg.ts" }, { SEG, 0, "../up/seg.ts" },
		{ SEG, 0, "http://x/y.ts" }, { SEG, 0, "//host/z.ts" },
		{ SEG, 0, "seg%20a.ts" }, { SEG, 0, "\xc3\xa9.ts" },
		{ SEG, 0, " a.ts" } } } },
#undef P
};

static int
t_scan_table(void)
{
	size_t i;
	int failed = 0;

	for (i = 0; i < sizeof(scan_cases) / sizeof(scan_cases[0]); i++)
		failed |= check_scan(scan_cases[i].name, scan_cases[i].data,
		    scan_cases[i].len, &scan_cases[i].w);
	return failed;
}

/* ---- limits, built at run time ---------------------------------------- */

struct text {
	char *p;
	size_t len, cap;
};

static void
put(struct text *t, const char *s, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2;
		t->p = realloc(t->p, t->cap);
		if (t->p == NULL)
			abort();
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
}

static void
puts_(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

static void
put_n(struct text *t, char c, size_t n)
{
	while (n--)
		put(t, &c, 1);
}

/* Lines at and past M3U8_LINE_MAX, URIs at and past M3U8_URI_MAX. */
static int
t_long_lines(void)
{
	struct text t = { 0 };
	struct m3u8_info info;

	puts_(&t, "#EXTM3U\n");
	puts_(&t, "#");                               /* a comment at the max */
	put_n(&t, 'c', M3U8_LINE_MAX - 1);
	puts_(&t, "\n#");                             /* one more: bad */
	put_n(&t, 'c', M3U8_LINE_MAX);
	puts_(&t, "\r\n#EXTINF:2,\n");                /* CR not counted */
	put_n(&t, 'u', M3U8_URI_MAX);                 /* URI at the max */
	puts_(&t, "\n#EXTINF:3,\n");
	put_n(&t, 'v', M3U8_URI_MAX + 1);             /* URI too long */
	puts_(&t, "\n#EXTINF:4,\n");
	put_n(&t, 'w', M3U8_LINE_MAX + 1);            /* line too long */
	puts_(&t, "\n#EXT-X-STREAM-INF:BANDWIDTH=1,X=\"");
	put_n(&t, 'x', M3U8_LINE_MAX);                /* long, still a */
	puts_(&t, "\"\nvariant.m3u8\n");              /* STREAM-INF */
	puts_(&t, "#EXT-X-TARGETDURATION:");          /* long tag: bad */
	put_n(&t, '0', M3U8_LINE_MAX);
	puts_(&t, "2\n#EXT-X-MAP:URI=\"");            /* long MAP URI */
	put_n(&t, 'm', M3U8_URI_MAX + 1);
	puts_(&t, "\"\n#EXTINF:5,\nlast.ts");
	CHECK_INT(m3u8_scan(t.p, t.len, &info), 0);
	CHECK_INT(info.n_segments, 4);
	CHECK_INT(info.n_bad, 6);
	CHECK_INT(info.target_duration_s, -1);
	CHECK_INT(info.is_master, 1);
	CHECK_INT(info.n_uris, 3);
	CHECK_INT(info.uris[0].kind, M3U8_SEGMENT);
	CHECK_INT(info.uris[0].duration_ms, 2000);
	CHECK_INT(strlen(info.uris[0].uri), M3U8_URI_MAX);
	CHECK_INT(info.uris[0].uri[M3U8_URI_MAX - 1], 'u');
	CHECK_INT(info.uris[1].kind, M3U8_VARIANT);
	CHECK_STR(info.uris[1].uri, "variant.m3u8");
	CHECK_INT(info.uris[2].duration_ms, 5000);
	CHECK_STR(info.uris[2].uri, "last.ts");
	m3u8_info_fini(&info);
	free(t.p);
	return 0;
}

/* n segments seg0.ts.., EXTINF (i % 7 + 1) s, after an EXT-X-MAP. */
static int
many(size_t n, size_t *first_kept)
{
	struct text t = { 0 };
	struct m3u8_info info;
	char line[64];
	size_t i, total = n + 1, kept, drop;

	puts_(&t, "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n");
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "#EXTINF:%zu,\nseg%zu.ts\n",
		    i % 7 + 1, i);
		puts_(&t, line);
	}
	CHECK_INT(m3u8_scan(t.p, t.len, &info), 0);
	kept = total < M3U8_MAX_URIS ? total : M3U8_MAX_URIS;
	drop = total - kept;   /* the oldest: the MAP first */
	CHECK_INT(info.n_segments, n);
	CHECK_INT(info.n_uris, kept);
	CHECK_INT(info.n_bad, 0);
	for (i = 0; i < kept; i++) {
		size_t at = drop + i;   /* index among all URIs */

		if (at == 0) {
			CHECK_INT(info.uris[i].kind, M3U8_MAP);
			CHECK_STR(info.uris[i].uri, "init.mp4");
			continue;
		}
		snprintf(line, sizeof(line), "seg%zu.ts", at - 1);
		CHECK_STR(info.uris[i].uri, line);
		CHECK_INT(info.uris[i].kind, M3U8_SEGMENT);
		CHECK_INT(info.uris[i].duration_ms, ((at - 1) % 7 + 1) * 1000);
	}
	*first_kept = drop;
	m3u8_info_fini(&info);
	free(t.p);
	return 0;
}

/* More than M3U8_MAX_URIS: the newest are kept, in playlist order. */
static int
t_many_uris(void)
{
	static const size_t counts[] = {
		0, 1, M3U8_MAX_URIS - 1, M3U8_MAX_URIS, M3U8_MAX_URIS + 1,
		300, 2 * M3U8_MAX_URIS + 3, 5000,
	};
	size_t i, first;

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		if (many(counts[i], &first) != 0) {
			fprintf(stderr, "  with %zu segments\n", counts[i]);
			return 1;
		}
	}
	/* 300 segments + MAP = 301 URIs: the MAP and seg0..seg43 go */
	CHECK_INT(many(300, &first), 0);
	CHECK_INT(first, 45);
	return 0;
}

/* M3U8_MAX_BYTES is accepted; one byte more is not a playlist for us. */
static int
t_max_bytes(void)
{
	static const struct want refused = EMPTY_INFO(-EPROTO);
	char *p = malloc(M3U8_MAX_BYTES + 1);
	struct m3u8_info info;
	size_t i;

	CHECK(p != NULL);
	/* "#EXTM3U\n" then comment lines of 64 bytes, then a segment */
	memcpy(p, "#EXTM3U\n", 8);
	for (i = 8; i + 64 <= M3U8_MAX_BYTES; i += 64) {
		memset(p + i, 'c', 63);
		p[i] = '#';
		p[i + 63] = '\n';
	}
	memset(p + i, 'x', M3U8_MAX_BYTES - i);   /* a URI line, last */
	CHECK_INT(m3u8_scan(p, M3U8_MAX_BYTES, &info), 0);
	CHECK_INT(info.n_segments, 1);
	CHECK_INT(info.n_uris, 1);
	m3u8_info_fini(&info);
	p[M3U8_MAX_BYTES] = 'x';
	if (check_scan("M3U8_MAX_BYTES + 1", p, M3U8_MAX_BYTES + 1,
	    &refused) != 0)
		return 1;
	free(p);
	return 0;
}

/* Errors leave *info empty; fini is safe after anything, twice, on NULL. */
static int
t_empty_on_error(void)
{
	struct m3u8_info info;

	CHECK_INT(m3u8_scan(NULL, 0, &info), -EPROTO);
	CHECK(info.uris == NULL && info.n_uris == 0);
	CHECK_INT(m3u8_scan(NULL, 10, &info), -EPROTO);
	CHECK_INT(info.target_duration_s, -1);
	m3u8_info_fini(&info);
	m3u8_info_fini(&info);
	m3u8_info_fini(NULL);
	CHECK_INT(m3u8_scan("#EXTM3U\na.ts\n", 13, &info), 0);
	CHECK_INT(info.n_uris, 1);
	m3u8_info_fini(&info);
	CHECK(info.uris == NULL && info.n_uris == 0);
	CHECK_INT(info.target_duration_s, -1);
	CHECK_INT(info.part_target_ms, -1);
	m3u8_info_fini(&info);
	CHECK_INT(m3u8_scan("#EXTM3U\n", 8, NULL), -EINVAL);
	return 0;
}

/*
 * Debug builds: fail the Nth allocation (XALLOC_FAIL_AT), for every N the
 * scan makes, each in its own process: -ENOMEM with *info empty, or
 * success. Exits through exit(), so LeakSanitizer looks at each.
 */
static int
t_enomem(void)
{
#ifdef CDN_DEBUG
	struct text t = { 0 };
	char line[64], n_s[16];
	size_t i;
	int n, status, n_enomem = 0;
	pid_t pid;

	puts_(&t, "#EXTM3U\n");
	for (i = 0; i < 600; i++) {
		snprintf(line, sizeof(line), "#EXTINF:2,\nseg%zu.ts\n", i);
		puts_(&t, line);
	}
	for (n = 1; n <= 8; n++) {
		fflush(NULL);
		if ((pid = fork()) == 0) {
			struct m3u8_info info;
			int rc;

			snprintf(n_s, sizeof(n_s), "%d", n);
			setenv("XALLOC_FAIL_AT", n_s, 1);
			rc = m3u8_scan(t.p, t.len, &info);
			if (rc == -ENOMEM && info.uris == NULL &&
			    info.n_uris == 0)
				exit(10);
			if (rc == 0 && info.n_uris == M3U8_MAX_URIS) {
				m3u8_info_fini(&info);
				exit(11);
			}
			exit(1);
		}
		CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
		if (!WIFEXITED(status) || (WEXITSTATUS(status) != 10 &&
		    WEXITSTATUS(status) != 11)) {
			fprintf(stderr, "  XALLOC_FAIL_AT=%d: status 0x%x\n",
			    n, status);
			return 1;
		}
		n_enomem += WEXITSTATUS(status) == 10;
	}
	/* 16, 32, 64, 128, 256 entries: five allocations can fail */
	CHECK_INT(n_enomem, 5);
	free(t.p);
#endif
	return 0;
}

/* ---- m3u8_resolve ------------------------------------------------------ */

#define BASE "/hls/cam1/index.m3u8"

static const struct resolve_case {
	const char *base, *uri;
	size_t outlen;           /* 0: a roomy buffer */
	int rc;
	const char *out;
} resolve_cases[] = {
	/* the header's examples */
	{ BASE, "seg-1.ts", 0, 0, "/hls/cam1/seg-1.ts" },
	{ BASE, "../cam2/x.ts", 0, 0, "/hls/cam2/x.ts" },
	{ BASE, "/abs/x.ts", 0, 0, "/abs/x.ts" },
	/* RFC 3986 5.2.2-5.2.4: relative paths and dot segments */
	{ BASE, "a/b/c.ts", 0, 0, "/hls/cam1/a/b/c.ts" },
	{ BASE, "./seg.ts", 0, 0, "/hls/cam1/seg.ts" },
	{ BASE, "./a/./b/../c.ts", 0, 0, "/hls/cam1/a/c.ts" },
	{ BASE, "../../x.ts", 0, 0, "/x.ts" },
	{ BASE, ".", 0, 0, "/hls/cam1/" },
	{ BASE, "./", 0, 0, "/hls/cam1/" },
	{ BASE, "..", 0, 0, "/hls/" },
	{ BASE, "../", 0, 0, "/hls/" },
	{ BASE, "../..", 0, 0, "/" },
	{ BASE, "a/..", 0, 0, "/hls/cam1/" },
	{ BASE, "a/../", 0, 0, "/hls/cam1/" },
	{ BASE, "a//b.ts", 0, 0, "/hls/cam1/a//b.ts" },
	{ BASE, "a//../b.ts", 0, 0, "/hls/cam1/a/b.ts" },
	{ BASE, "...", 0, 0, "/hls/cam1/..." },
	{ BASE, "..a/b..", 0, 0, "/hls/cam1/..a/b.." },
	{ BASE, "/", 0, 0, "/" },
	{ BASE, "/a/b/../../c", 0, 0, "/c" },
	{ BASE, "/a/./b/.", 0, 0, "/a/b/" },
	{ BASE, "", 0, 0, BASE },
	{ BASE, "seg:1.ts", 0, -EXDEV, "" },   /* 4.2: reads as a scheme */
	{ BASE, "./seg:1.ts", 0, 0, "/hls/cam1/seg:1.ts" },
	{ BASE, "a/b:c@d!$&'()*+,;=-._~", 0, 0,
	    "/hls/cam1/a/b:c@d!$&'()*+,;=-._~" },
	{ BASE, "seg%20a%2Fb.ts", 0, 0, "/hls/cam1/seg%20a%2Fb.ts" },
	{ BASE, "%2e%2e%2e", 0, 0, "/hls/cam1/%2e%2e%2e" },
	/* the query is kept, never normalised */
	{ BASE, "seg.ts?token=abc&x=1", 0, 0, "/hls/cam1/seg.ts?token=abc&x=1" },
	{ BASE, "../x.ts?p=../../y/./z?w", 0, 0, "/hls/x.ts?p=../../y/./z?w" },
	{ BASE, "?x=1", 0, 0, "/hls/cam1/index.m3u8?x=1" },
	{ BASE, "seg.ts?", 0, 0, "/hls/cam1/seg.ts?" },
	{ BASE, "/abs?q", 0, 0, "/abs?q" },
	/* climbing above "/" */
	{ BASE, "../../../x.ts", 0, -EINVAL, "" },
	{ BASE, "../../..", 0, -EINVAL, "" },
	{ BASE, "a/../../../../x", 0, -EINVAL, "" },
	{ BASE, "/../x.ts", 0, -EINVAL, "" },
	{ BASE, "/..", 0, -EINVAL, "" },
	{ BASE, "/a/../../x", 0, -EINVAL, "" },
	/* schemes and authorities: not ours (-EXDEV) */
	{ BASE, "http://cdn.example/x.ts", 0, -EXDEV, "" },
	{ BASE, "HTTPS://cdn.example/x.ts", 0, -EXDEV, "" },
	{ BASE, "skd://key-id", 0, -EXDEV, "" },
	{ BASE, "data:text/plain,x", 0, -EXDEV, "" },
	{ BASE, "file:/etc/passwd", 0, -EXDEV, "" },
	{ BASE, "a+b.c-d:x", 0, -EXDEV, "" },
	{ BASE, "//cdn.example/x.ts", 0, -EXDEV, "" },
	{ BASE, "//", 0, -EXDEV, "" },
	/* not a URI reference, or not one we take (-EINVAL) */
	{ BASE, "1seg:x", 0, -EINVAL, "" },   /* 4.2: ':' in a first segment */
	{ BASE, ":x", 0, -EINVAL, "" },
	{ BASE, "a_b:x", 0, -EINVAL, "" },
	{ BASE, "seg.ts#t=10", 0, -EINVAL, "" },
	{ BASE, "#frag", 0, -EINVAL, "" },
	{ BASE, "seg.ts?a#b", 0, -EINVAL, "" },
	{ BASE, "a\tb.ts", 0, -EINVAL, "" },
	{ BASE, "a\nb.ts", 0, -EINVAL, "" },
	{ BASE, "a\rb.ts", 0, -EINVAL, "" },
	{ BASE, "a\x01.ts", 0, -EINVAL, "" },
	{ BASE, "a\x7f.ts", 0, -EINVAL, "" },
	{ BASE, "seg.ts?x=\x01", 0, -EINVAL, "" },
	{ BASE, " a.ts", 0, -EINVAL, "" },
	{ BASE, "a b.ts", 0, -EINVAL, "" },
	{ BASE, "a\\..\\..\\x", 0, -EINVAL, "" },
	{ BASE, "caf\xc3\xa9.ts", 0, -EINVAL, "" },
	{ BASE, "a\"b", 0, -EINVAL, "" },
	{ BASE, "a<b>", 0, -EINVAL, "" },
	{ BASE, "a[1]", 0, -EINVAL, "" },
	{ BASE, "a%2", 0, -EINVAL, "" },
	{ BASE, "a%zz", 0, -EINVAL, "" },
	{ BASE, "%", 0, -EINVAL, "" },
	/* dot segments spelled with %2E (some servers decode them) */
	{ BASE, "%2e%2e/x.ts", 0, -EINVAL, "" },
	{ BASE, "%2E%2E/%2E%2E/%2E%2E/etc/passwd", 0, -EINVAL, "" },
	{ BASE, ".%2e/x.ts", 0, -EINVAL, "" },
	{ BASE, "%2e/x.ts", 0, -EINVAL, "" },
	{ BASE, "a/%2e", 0, -EINVAL, "" },
	/* a result starting "//" would read as an authority (5.3) */
	{ BASE, "../..//evil.example/x", 0, -EINVAL, "" },
	{ BASE, "/.//evil.example/x", 0, -EINVAL, "" },
	/* outlen: the whole result and its NUL must fit */
	{ BASE, "seg.ts", 17, 0, "/hls/cam1/seg.ts" },
	{ BASE, "seg.ts", 16, -EINVAL, "" },
	{ BASE, "seg.ts?abc", 21, 0, "/hls/cam1/seg.ts?abc" },
	{ BASE, "seg.ts?abc", 20, -EINVAL, "" },
	{ BASE, "seg.ts?abc", 17, -EINVAL, "" },
	{ BASE, "/", 2, 0, "/" },
	{ BASE, "/", 1, -EINVAL, "" },
	{ BASE, "..", 7, 0, "/hls/" },
	/* only the result counts, not the way there */
	{ BASE, "a-very-long-directory-name/../x.ts", 15, 0, "/hls/cam1/x.ts" },
	/* other bases */
	{ "/", "a.ts", 0, 0, "/a.ts" },
	{ "/", "", 0, 0, "/" },
	{ "/", "..", 0, -EINVAL, "" },
	{ "/index.m3u8", "../a.ts", 0, -EINVAL, "" },
	{ "/hls/", "a.ts", 0, 0, "/hls/a.ts" },
	{ "/hls/master.m3u8", "lo/index.m3u8", 0, 0, "/hls/lo/index.m3u8" },
	{ "/hls//cam1/x.m3u8", "../a.ts", 0, 0, "/hls//a.ts" },
	{ "/hls/./cam1/x.m3u8", "a.ts", 0, 0, "/hls/cam1/a.ts" },
	{ "/hls/../x.m3u8", "a.ts", 0, 0, "/a.ts" },
	{ "/../x.m3u8", "a.ts", 0, -EINVAL, "" },
	{ "/hls/i.m3u8?t=1", "a.ts", 0, 0, "/hls/a.ts" },
	{ "/hls/i.m3u8?t=1", "", 0, 0, "/hls/i.m3u8?t=1" },
	{ "/hls/i.m3u8?t=1", "?u=2", 0, 0, "/hls/i.m3u8?u=2" },
	{ "/hls/i.m3u8?t=1/..", "a.ts", 0, 0, "/hls/a.ts" },
	{ "hls/i.m3u8", "a.ts", 0, -EINVAL, "" },
	{ "", "a.ts", 0, -EINVAL, "" },
	{ "//host/i.m3u8", "a.ts", 0, -EINVAL, "" },
	{ "/hls/i.m3u8#x", "a.ts", 0, -EINVAL, "" },
	{ "/hls/a b/i.m3u8", "a.ts", 0, -EINVAL, "" },
	/* scheme first, whatever the base */
	{ "relative", "http://x/", 0, -EXDEV, "" },
};

static int
t_resolve(void)
{
	char out[257];           /* one byte past outlen, to see overruns */
	size_t i, outlen;
	int failed = 0, rc;

	for (i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++) {
		const struct resolve_case *t = &resolve_cases[i];

		outlen = t->outlen ? t->outlen : sizeof(out) - 1;
		memset(out, '!', sizeof(out));
		rc = m3u8_resolve(t->base, t->uri, out, outlen);
		if (rc != t->rc || memchr(out, '\0', outlen) == NULL ||
		    strcmp(out, t->out) != 0 || out[outlen] != '!') {
			fprintf(stderr, "  \"%s\" + \"%s\" (outlen %zu): got %d "
			    "\"%.*s\", want %d \"%s\"\n", t->base, t->uri,
			    outlen, rc, (int)outlen, out, t->rc, t->out);
			failed = 1;
		}
	}
	return failed;
}

static int
t_resolve_args(void)
{
	char out[64] = "x", uri[64];

	CHECK_INT(m3u8_resolve(NULL, "a", out, sizeof(out)), -EINVAL);
	CHECK_STR(out, "");
	CHECK_INT(m3u8_resolve(BASE, NULL, out, sizeof(out)), -EINVAL);
	CHECK_INT(m3u8_resolve(BASE, "a", NULL, 64), -EINVAL);
	out[0] = 'x';
	CHECK_INT(m3u8_resolve(BASE, "a", out, 0), -EINVAL);
	CHECK_INT(out[0], 'x');   /* outlen 0: not written at all */
	/* a result exactly filling the buffer ("/hls/cam1/" is 10 bytes);
	 * then one byte more */
	memset(uri, 'a', sizeof(out) - 11);
	uri[sizeof(out) - 11] = '\0';
	CHECK_INT(m3u8_resolve(BASE, uri, out, sizeof(out)), 0);
	CHECK_INT(strlen(out), sizeof(out) - 1);
	CHECK_INT(out[sizeof(out) - 2], 'a');
	strcat(uri, "a");
	CHECK_INT(m3u8_resolve(BASE, uri, out, sizeof(out)), -EINVAL);
	CHECK_STR(out, "");
	return 0;
}

/* Every URI of our origin's playlists resolves against its playlist. */
static int
t_scan_then_resolve(void)
{
	char out[M3U8_URI_MAX + 64], want[M3U8_URI_MAX + 64], *data;
	struct m3u8_info info;
	size_t i, j, len;

	for (i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
		CHECK((data = slurp(goldens[i].file, &len)) != NULL);
		CHECK_INT(m3u8_scan(data, len, &info), 0);
		for (j = 0; j < info.n_uris; j++) {
			snprintf(want, sizeof(want), "/live/cam1/%s",
			    info.uris[j].uri);
			CHECK_INT(m3u8_resolve("/live/cam1/index.m3u8",
			    info.uris[j].uri, out, sizeof(out)), 0);
			CHECK_STR(out, want);
		}
		m3u8_info_fini(&info);
		free(data);
	}
	return 0;
}

int
main(void)
{
	RUN(t_golden);
	RUN(t_scan_table);
	RUN(t_long_lines);
	RUN_TIMEOUT(t_many_uris, 60);
	RUN(t_max_bytes);
	RUN(t_empty_on_error);
	RUN(t_enomem);
	RUN(t_resolve);
	RUN(t_resolve_args);
	RUN(t_scan_then_resolve);
	return check_done();
}
