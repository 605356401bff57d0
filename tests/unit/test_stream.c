/*
 * test_stream: the stream registry's continuity rules, without RTMP or
 * libavformat (segments are opaque bytes here). A publisher that goes away
 * leaves a live playlist (no ENDLIST, state "waiting"); one that returns
 * within republish_grace continues it: media sequence, DISCONTINUITY before
 * the first new segment, no name reused, a new fMP4 init under a new name
 * with EXT-X-MAP after the discontinuity, the old init served while a
 * segment needs it, DISCONTINUITY-SEQUENCE once it slides out. When the
 * wait passes: ENDLIST, then removal after segment_grace. A final end (a
 * revoked key) and another customer's publish do not continue.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "check.h"
#include "clock.h"
#include "log.h"
#include "stream.h"

#define REPUBLISH_MS 30000
#define GRACE_MS     10000

static struct stream_params
params(const char *name, const char *customer, enum seg_format fmt)
{
	struct stream_params p;

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", name);
	snprintf(p.customer, sizeof(p.customer), "%s", customer);
	p.key_id = 1;
	p.format = fmt;
	p.target_ms = 2000;
	p.window = 3;
	p.grace_ms = GRACE_MS;
	p.republish_grace_ms = REPUBLISH_MS;
	return p;
}

static int
add_seg(struct stream *s, int64_t start_ms, const char *bytes)
{
	struct seg_out so;

	memset(&so, 0, sizeof(so));
	so.len = strlen(bytes);
	so.data = malloc(so.len);
	memcpy(so.data, bytes, so.len);
	so.start_ms = start_ms;
	so.dur_ms = 2000;
	so.starts_with_key = true;
	so.n_packets = 1;
	return stream_add_segment(s, &so);
}

/* The object as a NUL-terminated string in out, or "" when absent. */
static const char *
get(const char *name, const char *object, char *out, size_t len)
{
	struct blob *b = stream_get_object(name, object, NULL);

	out[0] = '\0';
	if (b == NULL)
		return out;
	snprintf(out, len, "%.*s", (int)b->len, (const char *)b->data);
	blob_unref(b);
	return out;
}

/* The n-th (0-based) line starting with prefix, copied without the prefix. */
static const char *
line_after(const char *text, const char *prefix, int n, char *out, size_t len)
{
	const char *p = text;
	size_t pl = strlen(prefix);

	out[0] = '\0';
	while (p && *p) {
		if (strncmp(p, prefix, pl) == 0 && n-- == 0) {
			size_t l = strcspn(p + pl, "\n");
			snprintf(out, len, "%.*s", (int)l, p + pl);
			return out;
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return out;
}

static const char *
state_of(const char *name)
{
	static struct stream_info si[16];
	size_t n = stream_list(si, 16);

	for (size_t i = 0; i < n; i++)
		if (strcmp(si[i].name, name) == 0)
			return si[i].live ? "live" : si[i].waiting ? "waiting" : "ended";
	return "gone";
}

static int
t_republish_fmp4(void)
{
	struct stream_params p = params("cam", "acme", SEG_FMT_FMP4);
	struct stream *s, *s2;
	char pl[8192], init0[64], init1[64], buf[128];
	int64_t now = clock_wall_ms();

	CHECK((s = stream_publish(&p)) != NULL);
	CHECK_INT(stream_set_init(s, (const uint8_t *)"INIT-A", 6), 0);
	CHECK_INT(add_seg(s, 0, "seg0"), 0);
	CHECK_INT(add_seg(s, 2000, "seg1"), 0);
	get("cam", "index.m3u8", pl, sizeof(pl));
	line_after(pl, "#EXT-X-MAP:URI=\"", 0, init0, sizeof(init0));
	CHECK(strlen(init0) > 1);
	init0[strlen(init0) - 1] = '\0';  /* the closing quote */
	CHECK(strstr(init0, "-init0.mp4") != NULL);

	/* the publisher goes: the playlist stays live */
	stream_unpublish(s, false);
	CHECK_STR(state_of("cam"), "waiting");
	get("cam", "index.m3u8", pl, sizeof(pl));
	CHECK(strstr(pl, "#EXT-X-ENDLIST") == NULL);
	stream_registry_sweep(now + REPUBLISH_MS - 1000);
	get("cam", "index.m3u8", pl, sizeof(pl));
	CHECK(strstr(pl, "#EXT-X-ENDLIST") == NULL);

	/* it returns: the same stream continues */
	p.key_id = 2;
	CHECK((s2 = stream_publish(&p)) == s);
	CHECK_STR(state_of("cam"), "live");
	CHECK_INT(stream_set_init(s, (const uint8_t *)"INIT-B", 6), 0);
	CHECK_INT(add_seg(s, 0, "new0"), 0);  /* a new timeline from 0 */
	get("cam", "index.m3u8", pl, sizeof(pl));
	CHECK(strstr(pl, "#EXT-X-MEDIA-SEQUENCE:0\n") != NULL);
	line_after(pl, "#EXT-X-MAP:URI=\"", 1, init1, sizeof(init1));
	CHECK(strlen(init1) > 1);
	init1[strlen(init1) - 1] = '\0';
	CHECK(strstr(init1, "-init1.mp4") != NULL);
	snprintf(buf, sizeof(buf), "#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"%s\"\n", init1);
	CHECK(strstr(pl, buf) != NULL);
	/* the third segment is sequence 2, named so; the old ones keep theirs */
	CHECK(strstr(pl, "-0.m4s\n") && strstr(pl, "-1.m4s\n") && strstr(pl, "-2.m4s\n"));
	CHECK_STR(get("cam", init0, buf, sizeof(buf)), "INIT-A");
	CHECK_STR(get("cam", init1, buf, sizeof(buf)), "INIT-B");

	/* 3 more: the discontinuity slides out of the 3-segment window */
	CHECK_INT(add_seg(s, 2000, "new1"), 0);
	CHECK_INT(add_seg(s, 4000, "new2"), 0);
	CHECK_INT(add_seg(s, 6000, "new3"), 0);
	get("cam", "index.m3u8", pl, sizeof(pl));
	CHECK(strstr(pl, "#EXT-X-MEDIA-SEQUENCE:3\n") != NULL);
	CHECK(strstr(pl, "#EXT-X-DISCONTINUITY-SEQUENCE:1\n") != NULL);
	CHECK(strstr(pl, "#EXT-X-DISCONTINUITY\n") == NULL);
	/* one map only now, the new one, in the header */
	CHECK(strstr(pl, init0) == NULL);
	CHECK(strstr(pl, init1) != NULL);
	/* the old init is still served while an old segment is in its grace */
	CHECK_STR(get("cam", init0, buf, sizeof(buf)), "INIT-A");
	stream_registry_sweep(clock_wall_ms() + GRACE_MS + 1);
	CHECK_STR(get("cam", init0, buf, sizeof(buf)), "");
	CHECK_STR(get("cam", init1, buf, sizeof(buf)), "INIT-B");

	/* gone for good: ENDLIST when the wait passes, removal after the grace */
	now = clock_wall_ms();
	stream_unpublish(s, false);
	stream_registry_sweep(now + REPUBLISH_MS + 1000);
	CHECK_STR(state_of("cam"), "ended");
	get("cam", "index.m3u8", pl, sizeof(pl));
	CHECK(strstr(pl, "#EXT-X-ENDLIST\n") != NULL);
	stream_registry_sweep(now + REPUBLISH_MS + 1000 + GRACE_MS - 1000);
	CHECK_STR(state_of("cam"), "ended");
	stream_registry_sweep(now + REPUBLISH_MS + 1000 + GRACE_MS);
	CHECK_STR(state_of("cam"), "gone");
	return 0;
}

/* A final end (a revoked key) writes ENDLIST at once; a publish after it
 * starts over. */
static int
t_final(void)
{
	struct stream_params p = params("rev", "acme", SEG_FMT_TS);
	struct stream *s;
	char pl[4096];

	CHECK((s = stream_publish(&p)) != NULL);
	CHECK_INT(add_seg(s, 0, "a"), 0);
	stream_unpublish(s, true);
	CHECK_STR(state_of("rev"), "ended");
	get("rev", "index.m3u8", pl, sizeof(pl));
	CHECK(strstr(pl, "#EXT-X-ENDLIST\n") != NULL);
	CHECK((s = stream_publish(&p)) != NULL);
	CHECK_INT(add_seg(s, 0, "b"), 0);
	get("rev", "index.m3u8", pl, sizeof(pl));
	CHECK(strstr(pl, "#EXT-X-ENDLIST") == NULL);
	CHECK(strstr(pl, "#EXT-X-DISCONTINUITY") == NULL);
	CHECK(strstr(pl, "-0.ts\n") != NULL);
	stream_unpublish(s, true);
	return 0;
}

/* While a stream waits, a live publish of the same name by another customer
 * does not continue it: it replaces it (a fresh playlist). republish_grace 0
 * ends at once. */
static int
t_other_customer(void)
{
	struct stream_params p = params("shared", "acme", SEG_FMT_TS);
	struct stream_params q = params("shared", "other", SEG_FMT_TS);
	struct stream *s, *t;
	char pl[4096];

	CHECK((s = stream_publish(&p)) != NULL);
	CHECK_INT(add_seg(s, 0, "a"), 0);
	CHECK_INT(add_seg(s, 2000, "b"), 0);
	stream_unpublish(s, false);
	CHECK_STR(state_of("shared"), "waiting");
	CHECK((t = stream_publish(&q)) != NULL);
	CHECK_INT(add_seg(t, 0, "c"), 0);
	get("shared", "index.m3u8", pl, sizeof(pl));
	CHECK(strstr(pl, "#EXT-X-DISCONTINUITY") == NULL);
	CHECK(strstr(pl, "-0.ts\n") != NULL);
	CHECK(strstr(pl, "-1.ts\n") == NULL);
	/* a live stream is still refused */
	CHECK(stream_publish(&p) == NULL);
	CHECK_INT(errno, EBUSY);
	stream_unpublish(t, true);
	return 0;
}

int
main(void)
{
	log_init("test_stream", LOG_LVL_WARN);
	RUN(t_republish_fmp4);
	RUN(t_final);
	RUN(t_other_customer);
	return check_done();
}
