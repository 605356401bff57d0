/*
 * dvr_playlist: what a long DVR window costs the origin per segment: the
 * live playlist is rebuilt whole each time a segment completes
 * (stream.c, playlist_write_media). Builds a playlist of N segments (the
 * argument; default 10800, 6 h at 2 s) with PROGRAM-DATE-TIME on each, 100
 * times, and prints its size and the time per build. Run by
 * bench/dvr_playlist.sh, which compiles it against the build tree.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "buf.h"
#include "playlist.h"
int main(int argc, char **argv) {
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10800;
	struct pl_seg *s = calloc(n, sizeof(*s));
	char (*names)[48] = calloc(n, 48);
	for (size_t i = 0; i < n; i++) { snprintf(names[i], 48, "1a22ce8d30eb525e693-%zu.ts", i); s[i].uri = names[i]; s[i].dur_ms = 2000; s[i].pdt_ms = 1796051000000LL + i * 2000; }
	struct pl_media pl = { .target_s = 2, .segs = s, .n_segs = n };
	struct timespec a, b; size_t len = 0;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int r = 0; r < 100; r++) { struct buf o; buf_init(&o, 1 << 24); playlist_write_media(&o, &pl); len = o.len; buf_fini(&o); }
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%zu-segment playlist: %zu bytes, %.2f ms per build\n", n, len, ((b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6) / 100);
	return 0;
}
