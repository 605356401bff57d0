#!/bin/sh
# A real ffmpeg publishes a generated H.264/AAC file with -c copy; the origin's
# HLS output is checked with ffprobe and played with ffmpeg, and its HTTP
# behaviour is checked with curl.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl

# republish_grace=0: this test checks that the playlist ends as soon as the
# publisher goes (the wait for a returning publisher is origin_republish.sh's).
start_origin o -o playlist_window=6 -o segment_target=2s -o republish_grace=0
KEY=$(new_key acme cam1)
check "a key was created" test -n "$KEY"
make_media "$T_DIR/in.flv" 40
publish_file "$T_DIR/in.flv" "$KEY"
PL="$ORIGIN_URL/hls/cam1/index.m3u8"

# The playlist appears as soon as the first segment is complete.
check "playlist published within 6 s" wait_until 6 has_segments "$PL"

# Let it run past the window, then look at a live playlist.
sleep 16
curl -sf "$PL" >"$T_DIR/live.m3u8"
check "live playlist has no ENDLIST" sh -c "! grep -q EXT-X-ENDLIST '$T_DIR/live.m3u8'"
n=$(grep -c '^#EXTINF' "$T_DIR/live.m3u8")
check "window holds 6 segments (got $n)" test "$n" -eq 6
check "media sequence advanced past 0" grep -q '^#EXT-X-MEDIA-SEQUENCE:[1-9]' "$T_DIR/live.m3u8"
check "EXT-X-PROGRAM-DATE-TIME on segments" grep -q '^#EXT-X-PROGRAM-DATE-TIME:20[0-9-]*T[0-9:]*\.[0-9]\{3\}Z' "$T_DIR/live.m3u8"
check "target duration is 2" grep -qx '#EXT-X-TARGETDURATION:2' "$T_DIR/live.m3u8"
check "EXTINF has milliseconds" grep -q '^#EXTINF:[0-9]*\.[0-9]\{3\},' "$T_DIR/live.m3u8"
check "secret key not in the playlist" sh -c "! grep -q '$KEY' '$T_DIR/live.m3u8'"

# Play it: ffmpeg reads the live playlist for at least 10 s without errors.
"$FFMPEG" -nostdin -loglevel error -i "$PL" -t 10 -c copy -f null - >"$T_DIR/play.log" 2>&1
rc=$?
check "ffmpeg plays 10 s of the live stream (rc $rc)" test $rc -eq 0
check "no playback errors" sh -c "! grep -qi error '$T_DIR/play.log'"

# Headers
curl -sI "$PL" | tr -d '\r' >"$T_DIR/pl.h"
check "playlist Content-Type" grep -qix 'content-type: application/vnd.apple.mpegurl' "$T_DIR/pl.h"
check "playlist max-age at most half the target" grep -qi '^cache-control: .*max-age=1\b' "$T_DIR/pl.h"
check "CORS on playlists" grep -qix 'access-control-allow-origin: \*' "$T_DIR/pl.h"
SEG=$(grep -v '^#' "$T_DIR/live.m3u8" | tail -1)
SU="$ORIGIN_URL/hls/cam1/$SEG"
check "segment names are not bare counters" sh -c "echo '$SEG' | grep -qv '^[0-9]*\.ts$'"
curl -sI "$SU" | tr -d '\r' >"$T_DIR/seg.h"
check "segment Content-Type video/mp2t" grep -qix 'content-type: video/mp2t' "$T_DIR/seg.h"
check "segment cached long and immutable" grep -qi '^cache-control: .*max-age=[0-9]\{4,\}.*immutable' "$T_DIR/seg.h"
ETAG=$(sed -n 's/^[Ee][Tt][Aa][Gg]: //p' "$T_DIR/seg.h")
check "segment has an ETag" test -n "$ETAG"
check "If-None-Match gives 304" test "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "$SU")" = 304
size=$(curl -s "$SU" | wc -c)
check "Range gives 206 and the right bytes" test "$(curl -s -r 100-199 "$SU" | wc -c)" = 100
check "Range status 206" test "$(curl -s -o /dev/null -w '%{http_code}' -r 0-9 "$SU")" = 206
check "unsatisfiable Range gives 416" test "$(curl -s -o /dev/null -w '%{http_code}' -r "$((size + 10))-" "$SU")" = 416
curl -s "$SU" | tail -c 50 >"$T_DIR/tail50"
check "suffix Range gives the last bytes" sh -c "curl -s -r -50 '$SU' | cmp -s - '$T_DIR/tail50'"
check "HEAD has no body" test "$(curl -s -I "$SU" -o /dev/null -w '%{size_download}')" = 0
check "404 for an unknown stream" test "$(http_code "$ORIGIN_URL/hls/nope/index.m3u8")" = 404
check "404 for an unknown segment" test "$(http_code "$ORIGIN_URL/hls/cam1/zzz-1.ts")" = 404
check "404 for path traversal" test "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$ORIGIN_URL/hls/../etc/passwd")" = 404
check "405 for POST on a playlist" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$PL")" = 405
check "405 names the allowed methods" sh -c "curl -s -D - -o /dev/null -X DELETE '$PL' | grep -qi '^allow: GET, HEAD'"

# Master playlist names the codecs and resolution.
curl -sf "$ORIGIN_URL/hls/cam1/master.m3u8" >"$T_DIR/master.m3u8"
check "master CODECS" grep -q 'CODECS="avc1\.[0-9a-f]\{6\},mp4a\.40\.2"' "$T_DIR/master.m3u8"
check "master RESOLUTION" grep -q 'RESOLUTION=320x240' "$T_DIR/master.m3u8"
check "master BANDWIDTH" grep -q 'BANDWIDTH=[1-9]' "$T_DIR/master.m3u8"

# Wait for the publisher to finish: the playlist ends with ENDLIST.
i=0; while kill -0 "$PUB_PID" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
check "ENDLIST after the publisher stops" wait_until 5 sh -c "curl -sf '$PL' | grep -q EXT-X-ENDLIST"
curl -sf "$PL" >"$T_DIR/final.m3u8"

# Every segment of the final window: ffprobe reads it; it starts with a keyframe;
# durations follow the 2 s keyframe cadence within 0.1 s (the last may be short).
n=0; badprobe=0; baddur=0; nseg=$(grep -c '^#EXTINF' "$T_DIR/final.m3u8")
grep -v '^#' "$T_DIR/final.m3u8" | while read -r s; do echo "$s"; done >"$T_DIR/segs"
while read -r s; do
	n=$((n + 1))
	curl -sf "$ORIGIN_URL/hls/cam1/$s" -o "$T_DIR/$s" || { badprobe=$((badprobe + 1)); continue; }
	"$FFPROBE" -v error -show_entries stream=codec_name -of csv=p=0 "$T_DIR/$s" >"$T_DIR/probe" 2>&1 || badprobe=$((badprobe + 1))
	grep -q h264 "$T_DIR/probe" && grep -q aac "$T_DIR/probe" || badprobe=$((badprobe + 1))
	first_key=$("$FFPROBE" -v error -select_streams v -show_entries frame=key_frame -read_intervals '%+#1' -of csv=p=0 "$T_DIR/$s" | head -1)
	[ "$first_key" = 1 ] || badprobe=$((badprobe + 1))
done <"$T_DIR/segs"
check "ffprobe reads all $nseg segments, each with H.264 + AAC, starting on a keyframe" test "$badprobe" -eq 0
durs=$(grep '^#EXTINF' "$T_DIR/final.m3u8" | sed 's/#EXTINF:\([0-9.]*\),.*/\1/')
last=$(echo "$durs" | tail -1)
check "segment durations are 2.0 +- 0.1 s except the last" sh -c "echo '$durs' | sed '\$d' | awk '{ if (\$1 < 1.9 || \$1 > 2.1) bad=1 } END { exit bad }'"
check "last segment is at most 2.1 s" awk -v d="$last" 'BEGIN { exit !(d > 0 && d <= 2.1) }'
# ffprobe's own measurement agrees with EXTINF for a full segment
s2=$(sed -n 2p "$T_DIR/segs")
d2=$("$FFPROBE" -v error -select_streams v -show_entries format=duration -of csv=p=0 "$T_DIR/$s2")
e2=$(echo "$durs" | sed -n 2p)
check "EXTINF ($e2) matches ffprobe's duration ($d2) within 0.1 s" awk -v a="$e2" -v b="$d2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.1) }'
seq1=$(sed -n 's/^#EXT-X-MEDIA-SEQUENCE://p' "$T_DIR/live.m3u8")
seq2=$(sed -n 's/^#EXT-X-MEDIA-SEQUENCE://p' "$T_DIR/final.m3u8")
check "media sequence only moves forward ($seq1 -> $seq2)" test "$seq2" -ge "$seq1"
# Continuity: a segment named in both playlists has the same position.
common=$(grep -v '^#' "$T_DIR/live.m3u8" | tail -1)
p1=$(grep -v '^#' "$T_DIR/live.m3u8" | grep -n -x "$common" | cut -d: -f1)
p2=$(grep -v '^#' "$T_DIR/final.m3u8" | grep -n -x "$common" | cut -d: -f1)
if [ -n "$p2" ]; then
	check "media sequence is continuous across refreshes" test $((seq1 + p1)) -eq $((seq2 + p2))
else
	check "segment names encode the sequence" sh -c "echo '$common' | grep -q -- '-$((seq1 + p1 - 1))\.ts$'"
fi
check "segment names end in their sequence number" sh -c "grep -v '^#' '$T_DIR/final.m3u8' | head -1 | grep -q -- '-$seq2\.ts$'"

check "metrics count segments" sh -c "curl -sf '$ORIGIN_URL/metrics' | grep -q '^cdn_origin_segments_total [1-9]'"
check "metrics count bytes in" sh -c "curl -sf '$ORIGIN_URL/metrics' | grep -q '^cdn_origin_bytes_in_total [1-9]'"
check "healthz ok" sh -c "curl -sf '$ORIGIN_URL/healthz' | grep -q '\"status\":\"ok\"'"
check "the secret key is not in the log" sh -c "! grep -q '$KEY' '$ORIGIN_LOG'"
check "log lines carry the stream name" grep -q 'cam1\] publish started' "$ORIGIN_LOG"
t_done
