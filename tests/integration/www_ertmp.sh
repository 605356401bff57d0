#!/bin/sh
# www_ertmp: an AV1 stream published over Enhanced RTMP (our ertmp_publish)
# plays in headless Chromium through the player page and hls.js
# (tests/browser/av1.mjs). The origin keeps its default segment_format ts,
# so this also shows the AV1 stream switched to fMP4 is playable. HEVC is
# not tried: Chromium does not decode it (FIELD-NOTES).
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl node
"$FFMPEG" -hide_banner -encoders 2>/dev/null | grep -q " libsvtav1 " ||
	{ bad "ffmpeg has the libsvtav1 encoder (Debian's ffmpeg does)"; t_done; }
"$FFMPEG" -nostdin -loglevel error -y -f lavfi -i testsrc2=size=320x240:rate=25 \
	-f lavfi -i sine=frequency=440:sample_rate=48000 -t 90 -c:v libsvtav1 -preset 12 \
	-g 50 -pix_fmt yuv420p -c:a aac -b:a 64k "$T_DIR/av1.mp4" 2>/dev/null
check "AV1 test media made" test -s "$T_DIR/av1.mp4"

start_origin o -o segment_target=2s -o republish_grace=0
KEY=$(new_key acme av)
"$top_builddir/tests/tools/ertmp_publish" 127.0.0.1 "$RTMP_PORT" "$KEY" "$T_DIR/av1.mp4" \
	>"$T_DIR/epub.log" 2>&1 &
PUB=$!
track $PUB
check "AV1 playlist published" wait_until 10 has_segments "$ORIGIN_URL/hls/av/index.m3u8"
check "master playlist declares av01" sh -c "curl -sf '$ORIGIN_URL/hls/av/master.m3u8' | grep -q 'CODECS=\"av01\.'"
browser_run av1 av1.mjs WATCH_URL="$ORIGIN_URL/watch/av"
check "a screenshot is saved as a test artifact" test -s "$top_builddir/tests/artifacts/player-av1.png"
stop_pid "$PUB"
t_done
