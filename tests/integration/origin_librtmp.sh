#!/bin/sh
# OBS-like encoders: librtmp (what OBS is built on) publishes with OBS's
# connect object and FCPublish, once as OBS does by default (librtmp then
# uses the simple handshake) and once with SWF verification parameters,
# which make librtmp use the Flash Player 9 digest handshake that
# hardware encoders and Flash-era clients send. Both must package and play.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl
PUB="$top_builddir/tests/tools/librtmp_publish"
if [ ! -x "$PUB" ]; then
	echo "FAIL: tests/tools/librtmp_publish was not built: install librtmp-dev (scripts/setup does) and re-run configure"
	echo "0 passed, 1 failed"; exit 1
fi
# republish_grace=0: this test checks that the playlist ends as soon as the
# publisher goes (the wait for a returning publisher is origin_republish.sh's).
start_origin o -o log_level=debug -o republish_grace=0
KEY=$(new_key acme obs)
make_media "$T_DIR/in.flv" 20
"$PUB" "$T_DIR/in.flv" "rtmp://127.0.0.1:$RTMP_PORT/live/$KEY" 10 >"$T_DIR/pub.log" 2>&1 &
P=$!
track $P
check "librtmp publishes and the playlist appears" wait_until 10 has_segments "$ORIGIN_URL/hls/obs/index.m3u8"
"$FFMPEG" -nostdin -loglevel error -i "$ORIGIN_URL/hls/obs/index.m3u8" -t 4 -c copy -f null - >"$T_DIR/play.log" 2>&1
check "ffmpeg plays the librtmp-published stream" test $? -eq 0
wait "$P"; rc=$?
check "librtmp published to the end without errors (rc $rc)" test "$rc" -eq 0
check "the origin saw a simple handshake" grep -q 'handshake: simple' "$ORIGIN_LOG"
check "the playlist ends after librtmp unpublishes" wait_until 5 sh -c "curl -sf '$ORIGIN_URL/hls/obs/index.m3u8' | grep -q EXT-X-ENDLIST"

# Digest handshake: librtmp switches to it when SWF verification is asked for.
KEY2=$(new_key acme fp9)
"$PUB" --fp9 "$T_DIR/in.flv" "rtmp://127.0.0.1:$RTMP_PORT/live/$KEY2" 8 >"$T_DIR/pub2.log" 2>&1 &
P=$!
track $P
check "librtmp with the digest handshake publishes" wait_until 10 has_segments "$ORIGIN_URL/hls/fp9/index.m3u8"
wait "$P"; rc=$?
check "it published to the end (rc $rc)" test "$rc" -eq 0
check "the origin saw a digest handshake" grep -q 'handshake: digest' "$ORIGIN_LOG"
t_done
