#!/bin/sh
# A change of resolution mid-stream on one RTMP connection: librtmp_publish
# sends a 320x240 FLV and then a 640x360 one back to back, timestamps
# continuing, each with its own AVC sequence header (as an encoder that
# changes its settings live). The origin restarts its packager: the playlist
# gets exactly one EXT-X-DISCONTINUITY, ffprobe sees 320x240 before it and
# 640x360 after it, fMP4 names a second init segment (a second EXT-X-MAP
# after the discontinuity), the master playlist ends up at the new
# resolution, and ffmpeg decodes the whole TS playlist.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl
PUB="$top_builddir/tests/tools/librtmp_publish"
if [ ! -x "$PUB" ]; then
	echo "FAIL: tests/tools/librtmp_publish was not built: install librtmp-dev (scripts/setup does) and re-run configure"
	echo "0 passed, 1 failed"; exit 1
fi
make_media "$T_DIR/small.flv" 8
"$FFMPEG" -nostdin -loglevel error -y -f lavfi -i "testsrc2=size=640x360:rate=25" \
	-f lavfi -i "sine=frequency=440:sample_rate=48000" -t 8 \
	-c:v libx264 -preset veryfast -tune zerolatency -g 50 -keyint_min 50 -sc_threshold 0 \
	-pix_fmt yuv420p -c:a aac -b:a 64k -f flv "$T_DIR/big.flv"

dim() { "$FFPROBE" -v error -select_streams v -show_entries stream=width,height -of csv=p=0 "$1" | grep . | head -1; }

for fmt in ts fmp4; do
	start_origin "o-$fmt" -o segment_format=$fmt -o segment_target=2s -o playlist_window=10 \
		-o republish_grace=0
	KEY=$(new_key acme cam)
	PL="$ORIGIN_URL/hls/cam/index.m3u8"
	"$PUB" "$T_DIR/small.flv" "$T_DIR/big.flv" "rtmp://127.0.0.1:$RTMP_PORT/live/$KEY" \
		>"$T_DIR/pub.$fmt.log" 2>&1 &
	P=$!
	track $P
	check "$fmt: playlist published" wait_until 8 has_segments "$PL"
	i=0; while kill -0 "$P" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	wait "$P"; rc=$?
	check "$fmt: librtmp_publish sent both files on one connection (rc $rc)" test "$rc" -eq 0
	check "$fmt: the playlist ends" wait_until 5 sh -c "curl -sf '$PL' | grep -q EXT-X-ENDLIST"
	curl -sf "$PL" >"$T_DIR/$fmt.m3u8"
	check "$fmt: the origin restarted its packager" grep -q 'cam\] codec configuration changed: restarting the packager' "$ORIGIN_LOG"
	check "$fmt: and logged the new resolution" grep -q 'cam\] H.264 640x360' "$ORIGIN_LOG"
	check "$fmt: exactly one EXT-X-DISCONTINUITY" test "$(grep -c '^#EXT-X-DISCONTINUITY$' "$T_DIR/$fmt.m3u8")" -eq 1
	check "$fmt: segments on both sides ($(grep -c '^#EXTINF' "$T_DIR/$fmt.m3u8"))" \
		test "$(grep -c '^#EXTINF' "$T_DIR/$fmt.m3u8")" -ge 6
	BEFORE=$(awk '/^#EXT-X-DISCONTINUITY$/ { print p; exit } !/^#/ { p = $0 }' "$T_DIR/$fmt.m3u8")
	AFTER=$(awk '/^#EXT-X-DISCONTINUITY$/ { d = 1 } d && !/^#/ { print; exit }' "$T_DIR/$fmt.m3u8")
	curl -sf "$ORIGIN_URL/hls/cam/$BEFORE" -o "$T_DIR/before.$fmt"
	curl -sf "$ORIGIN_URL/hls/cam/$AFTER" -o "$T_DIR/after.$fmt"
	if [ "$fmt" = fmp4 ]; then
		sed -n 's/^#EXT-X-MAP:URI="\(.*\)"$/\1/p' "$T_DIR/$fmt.m3u8" >"$T_DIR/maps"
		M1=$(sed -n 1p "$T_DIR/maps"); M2=$(sed -n 2p "$T_DIR/maps")
		check "fmp4: two EXT-X-MAP lines with different URIs ($M1, $M2)" \
			test "$(wc -l <"$T_DIR/maps")" -eq 2 -a -n "$M2" -a "$M1" != "$M2"
		check "fmp4: the second EXT-X-MAP follows the discontinuity" \
			sh -c "grep -A1 '^#EXT-X-DISCONTINUITY$' '$T_DIR/$fmt.m3u8' | grep -qx '#EXT-X-MAP:URI=\"$M2\"'"
		curl -sf "$ORIGIN_URL/hls/cam/$M1" | cat - "$T_DIR/before.$fmt" >"$T_DIR/before.mp4"
		curl -sf "$ORIGIN_URL/hls/cam/$M2" | cat - "$T_DIR/after.$fmt" >"$T_DIR/after.mp4"
		B="$T_DIR/before.mp4"; A="$T_DIR/after.mp4"
	else
		B="$T_DIR/before.$fmt"; A="$T_DIR/after.$fmt"
	fi
	check "$fmt: ffprobe: 320x240 before the discontinuity ($(dim "$B"))" test "$(dim "$B")" = "320,240"
	check "$fmt: ffprobe: 640x360 after it ($(dim "$A"))" test "$(dim "$A")" = "640,360"
	"$FFMPEG" -nostdin -loglevel error -i "$A" -f null - >"$T_DIR/dec.$fmt" 2>&1
	check "$fmt: the segment after the change decodes" test $? -eq 0 -a ! -s "$T_DIR/dec.$fmt"
	check "$fmt: the master playlist has the new resolution" \
		sh -c "curl -sf '$ORIGIN_URL/hls/cam/master.m3u8' | grep -q 'RESOLUTION=640x360'"
	if [ "$fmt" = ts ]; then
		"$FFMPEG" -nostdin -loglevel info -i "$PL" -vf showinfo -f null - >"$T_DIR/play.ts" 2>&1
		rc=$?
		check "ts: ffmpeg decodes the whole playlist (rc $rc)" test "$rc" -eq 0
		check "ts: ... frames of both sizes" sh -c "grep -q ' s:320x240 ' '$T_DIR/play.ts' && grep -q ' s:640x360 ' '$T_DIR/play.ts'"
	fi
	stop_pid "$ORIGIN_PID"
done
t_done
