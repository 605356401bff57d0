#!/bin/sh
# edge_hls: cdn-edge in front of a live cdn-origin, with real clients.
#   - ffmpeg pushes to the origin; ffmpeg plays from the edge for 10 s;
#     ffprobe reads a segment fetched through the edge;
#   - headers pass through (Content-Type, CORS, ETag, Cache-Control) and
#     Age / X-Cache are added; If-None-Match gets 304; ranges work;
#   - 200 concurrent requests for a segment the edge lacks make exactly one
#     upstream request, counted by the origin's own metrics, and every
#     client gets the same bytes;
#   - only-if-cached never fetches (504); no-cache revalidates;
#   - prefetch: segments are cached before any viewer asks;
#   - objects nobody requests expire (cache_idle_timeout).
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl md5sum

start_origin origin
KEY=$(new_key acme cam1)
check "a stream key was made" test -n "$KEY"
make_media "$T_DIR/in.flv" 60
publish_file "$T_DIR/in.flv" "$KEY"
OPL="$ORIGIN_URL/hls/cam1/index.m3u8"
check "the origin's stream is live within 8 s" wait_until 8 has_segments "$OPL"

start_edge edge "$ORIGIN_URL" -o cache_idle_timeout=3s
EPL="$EDGE_URL/hls/cam1/index.m3u8"

# ---- playback through the edge ------------------------------------------------
timeout 40 "$FFMPEG" -nostdin -loglevel error -i "$EPL" -t 10 -c copy -f null - \
	>"$T_DIR/play.log" 2>&1
rc=$?
check "ffmpeg plays 10 s from the edge without error (rc $rc)" \
	sh -c "test $rc -eq 0 && ! test -s '$T_DIR/play.log'"
[ -s "$T_DIR/play.log" ] && head -5 "$T_DIR/play.log"

# ---- headers ------------------------------------------------------------------
curl -s -D "$T_DIR/pl.h" -o "$T_DIR/pl.m3u8" "$EPL"
check "playlist Content-Type passed through" \
	grep -qi '^Content-Type: application/vnd.apple.mpegurl' "$T_DIR/pl.h"
check "playlist Cache-Control passed through (max-age=1)" \
	grep -qi '^Cache-Control: public, max-age=1' "$T_DIR/pl.h"
check "CORS passed through" grep -qi '^Access-Control-Allow-Origin: \*' "$T_DIR/pl.h"
check "Age added" grep -qi '^Age: [0-9]' "$T_DIR/pl.h"
check "X-Cache added" grep -qiE '^X-Cache: (HIT|MISS|COLLAPSED)' "$T_DIR/pl.h"
SEG=$(grep -v '^#' "$T_DIR/pl.m3u8" | tail -1)
check "the playlist lists a segment ($SEG)" test -n "$SEG"
SURL="$EDGE_URL/hls/cam1/$SEG"
curl -s -D "$T_DIR/seg.h" -o "$T_DIR/seg.ts" "$SURL"
curl -s -o "$T_DIR/seg.origin.ts" "$ORIGIN_URL/hls/cam1/$SEG"
check "segment Content-Type video/mp2t" grep -qi '^Content-Type: video/mp2t' "$T_DIR/seg.h"
check "segment is immutable" grep -qi '^Cache-Control: .*immutable' "$T_DIR/seg.h"
check "segment bytes equal the origin's" cmp -s "$T_DIR/seg.ts" "$T_DIR/seg.origin.ts"
check "ffprobe reads the segment fetched through the edge" \
	sh -c "'$FFPROBE' -v error -show_streams '$T_DIR/seg.ts' >/dev/null"
check "a cached segment is a HIT" sh -c "curl -s -D - -o /dev/null '$SURL' | grep -qi '^X-Cache: HIT'"
ETAG=$(sed -n 's/^[Ee][Tt][Aa][Gg]: *\(.*\)\r$/\1/p' "$T_DIR/seg.h")
check "ETag passed through ($ETAG)" test -n "$ETAG"
check "If-None-Match gets 304" \
	test "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "$SURL")" = 304
check "a range gets 206 and 100 bytes" \
	test "$(curl -s -r 100-199 -o "$T_DIR/r.bin" -w '%{http_code}:%{size_download}' "$SURL")" = "206:100"
check "the range holds the right bytes" \
	sh -c "dd if='$T_DIR/seg.ts' bs=1 skip=100 count=100 2>/dev/null | cmp -s - '$T_DIR/r.bin'"
check "an unsatisfiable range gets 416" \
	test "$(curl -s -r 999999999-999999999 -o /dev/null -w '%{http_code}' "$SURL")" = 416
check "HEAD answers 200 with no body" \
	test "$(curl -s -I -o /dev/null -w '%{http_code}:%{size_download}' "$SURL")" = "200:0"
check "a token query maps to the same object (HIT)" \
	sh -c "curl -s -D - -o /dev/null '$SURL?token=abc' | grep -qi '^X-Cache: HIT'"
check "an unknown stream is 404 from upstream" \
	test "$(curl -s -o /dev/null -w '%{http_code}' "$EDGE_URL/hls/nope/index.m3u8")" = 404

# ---- request Cache-Control ------------------------------------------------------
check "only-if-cached on something uncached: 504, no fetch" \
	test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Cache-Control: only-if-cached' \
	"$EDGE_URL/hls/cam1/never-asked.ts")" = 504
check "only-if-cached on a cached segment: 200" \
	test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Cache-Control: only-if-cached' "$SURL")" = 200
R0=$(metric_at "$EDGE_URL" cdn_edge_revalidations_total)
curl -s -o /dev/null -H 'Cache-Control: no-cache' "$EPL"
R1=$(metric_at "$EDGE_URL" cdn_edge_revalidations_total)
check "no-cache makes the edge revalidate ($R0 -> $R1)" test "$R1" -gt "$R0"

# ---- prefetch ---------------------------------------------------------------------
P0=$(metric_at "$EDGE_URL" cdn_edge_prefetches_total)
check "prefetches were made ($P0)" test "$P0" -gt 0
# Wait for a segment newer than any we asked for, then ask for it.
sleep 2.5
curl -s -o "$T_DIR/pl2.m3u8" "$EPL"
NEW=$(grep -v '^#' "$T_DIR/pl2.m3u8" | tail -1)
sleep 0.3
check "the newest segment ($NEW) was prefetched: a HIT at the first request" \
	sh -c "curl -s -D - -o /dev/null '$EDGE_URL/hls/cam1/$NEW' | grep -qiE '^X-Cache: (HIT|COLLAPSED)'"

# ---- 200 concurrent requests for an uncached segment: one upstream fetch -----------
# The first edge prefetches (a playlist poll a second): frozen during the
# storm, so the origin's count holds only the storm edge's fetch even when a
# loaded machine makes the storm take longer than a poll interval.
E1_PID=$EDGE_PID
start_edge storm "$ORIGIN_URL" -o prefetch=no -o health_interval=600s -o access_log=off
sleep 0.5   # the startup health check is done
kill -STOP "$E1_PID"
sleep 0.3   # a fetch of the first edge's that was under way is done
curl -s -o "$T_DIR/opl.m3u8" "$OPL"
SSEG=$(grep -v '^#' "$T_DIR/opl.m3u8" | tail -1)
: >"$T_DIR/urls"
i=0; while [ $i -lt 200 ]; do echo "url = \"$EDGE_URL/hls/cam1/$SSEG\""; echo "output = \"$T_DIR/sout.$i\""; i=$((i + 1)); done >"$T_DIR/urls"
O0=$(metric_at "$ORIGIN_URL" 'cdn_origin_http_requests_total{code="200"}')
timeout 60 curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max 200 -K "$T_DIR/urls" \
	-w '%{http_code}\n' >"$T_DIR/storm.codes"
O1=$(metric_at "$ORIGIN_URL" 'cdn_origin_http_requests_total{code="200"}')
kill -CONT "$E1_PID"
n200=$(grep -c '^200$' "$T_DIR/storm.codes")
check "200 concurrent requests all answered 200 ($n200)" test "$n200" -eq 200
# The only 200 the origin served in that window is the segment for the edge
# (the metrics scrape itself is counted after the value is rendered).
check "exactly 1 upstream fetch, by the origin's own count ($O0 -> $O1)" \
	test $((O1 - O0)) -eq 2
nsum=$(md5sum "$T_DIR"/sout.* 2>/dev/null | awk '{print $1}' | sort -u | wc -l)
check "every client got the same bytes ($nsum distinct)" test "$nsum" -eq 1
check "and they are the origin's bytes" sh -c \
	"curl -s '$ORIGIN_URL/hls/cam1/$SSEG' | cmp -s - '$T_DIR/sout.0'"
check "the edge counted 1 upstream fetch" \
	test "$(metric_at "$EDGE_URL" cdn_edge_upstream_fetches_total)" -eq 1

# ---- idle expiry on the first edge ---------------------------------------------------
E1="http://127.0.0.1:$(sed -n 's/.*HTTP on port \([0-9]*\).*/\1/p' "$T_DIR/edge.log" | head -1)"
stop_pid "$PUB_PID"
no_objects() { test "$(metric_at "$E1" cdn_edge_cache_objects)" -eq 0; }
check "unrequested objects are dropped after the idle timeout" wait_until 10 no_objects
check "idle evictions counted" test "$(metric_at "$E1" 'cdn_edge_evictions_total{reason="idle"}')" -gt 0

# ---- access log, shutdown ----------------------------------------------------------------
check "the access log has one line per request" \
	grep -qE '^[0-9TZ:.-]+ 127\.0\.0\.1 "GET /hls/cam1/[^ ]+\.ts" 20[06] [0-9]+ (HIT|MISS|COLLAPSED) [0-9.]+ms$' \
	"$T_DIR/edge.access"
check "the token is not in the access log" sh -c "! grep -q 'token' '$T_DIR/edge.access'"
stop_pid "$EDGE_PID"
check "the storm edge stopped cleanly on SIGTERM" grep -q "stopped" "$EDGE_LOG"
check "no sanitizer report or crash in the edge logs" \
	sh -c "! grep -Eqi 'sanitizer|runtime error|assert' '$T_DIR/edge.log' '$T_DIR/storm.log'"
t_done
