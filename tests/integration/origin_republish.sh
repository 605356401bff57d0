#!/bin/sh
# Republish: a publisher that goes away and comes back with the same key
# within republish_grace continues the same playlist. The media sequence runs
# on, EXT-X-DISCONTINUITY precedes the first new segment and is counted in
# EXT-X-DISCONTINUITY-SEQUENCE once it slides out, no segment name is reused,
# the playlist has no ENDLIST during the wait (and gets it when the wait
# passes), and an ffmpeg player reading the live playlist keeps running and
# records media from both publishers (25 fps before, 30 fps after). fMP4: the
# new publisher gets a new init segment under a new name (and here a new
# resolution), and EXT-X-MAP changes after the discontinuity.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl

# gen FILE SECONDS SIZE RATE: H.264 (keyframe every 2 s) + AAC in FLV
gen() {
	"$FFMPEG" -nostdin -loglevel error -y -f lavfi -i "testsrc2=size=$3:rate=$4" \
		-f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$2" \
		-c:v libx264 -preset veryfast -tune zerolatency -g "$(($4 * 2))" \
		-keyint_min "$(($4 * 2))" -sc_threshold 0 -pix_fmt yuv420p \
		-c:a aac -b:a 64k -f flv "$1"
}
gen "$T_DIR/a.flv" 12 320x240 25
gen "$T_DIR/b.flv" 10 320x240 30
gen "$T_DIR/c.flv" 6 640x360 25
waitpid() { i=0; while kill -0 "$1" 2>/dev/null && [ $i -lt 400 ]; do sleep 0.1; i=$((i + 1)); done; }
# msn_of PLAYLIST NAME: the media sequence number of segment NAME in PLAYLIST
msn_of() {
	awk -v n="$2" -F: '/^#EXT-X-MEDIA-SEQUENCE:/ { m = $2 } /^#EXTINF/ { k++ }
		$0 == n { print m + k - 1; exit }' "$1"
}
state_is() { cdnctl --json streams | grep -q "\"name\":\"$1\",[^}]*\"state\":\"$2\""; }

# ---- MPEG-TS, with a player ---------------------------------------------------
start_origin ts -o segment_target=2s -o playlist_window=4 -o republish_grace=8s \
	-o segment_grace=10s
KEY=$(new_key acme cam)
PL="$ORIGIN_URL/hls/cam/index.m3u8"
publish_file "$T_DIR/a.flv" "$KEY"
P1=$PUB_PID
check "ts: first publisher is live" wait_until 8 has_segments "$PL"
"$FFMPEG" -nostdin -loglevel warning -i "$PL" -c copy -f mpegts -y "$T_DIR/rec.ts" \
	>"$T_DIR/player.log" 2>&1 &
PLAYER=$!
track $PLAYER
# Record every playlist seen, for the name and sequence checks.
( i=0; while [ $i -lt 500 ]; do curl -sf --max-time 2 "$PL" >"$T_DIR/pl.$i" || rm -f "$T_DIR/pl.$i"
	i=$((i + 1)); sleep 0.2; done ) &
track $!
waitpid "$P1"
sleep 2
curl -sf "$PL" >"$T_DIR/wait.m3u8"
check "ts: while waiting for the publisher the playlist has no ENDLIST" \
	sh -c "grep -q '^#EXTINF' '$T_DIR/wait.m3u8' && ! grep -q EXT-X-ENDLIST '$T_DIR/wait.m3u8'"
check "ts: the admin API shows the stream as waiting" state_is cam waiting
check "ts: the origin logged the wait" grep -q 'cam\] publisher gone: the playlist stays live' "$ORIGIN_LOG"
LAST=$(grep -v '^#' "$T_DIR/wait.m3u8" | tail -1)
LAST_MSN=$(msn_of "$T_DIR/wait.m3u8" "$LAST")
check "ts: the player is still running during the wait" kill -0 "$PLAYER"

publish_file "$T_DIR/b.flv" "$KEY"
P2=$PUB_PID
# The first segment after the last old one follows a discontinuity.
after_disc() { curl -sf "$PL" >"$T_DIR/disc.m3u8" && grep -q '^#EXT-X-DISCONTINUITY$' "$T_DIR/disc.m3u8"; }
check "ts: the republished stream writes EXT-X-DISCONTINUITY" wait_until 10 after_disc
NEXT=$(awk '/^#EXT-X-DISCONTINUITY$/ { d = 1 } d && !/^#/ { print; exit }' "$T_DIR/disc.m3u8")
check "ts: the segment after the discontinuity continues the media sequence ($LAST_MSN + 1 = $(msn_of "$T_DIR/disc.m3u8" "$NEXT"))" \
	test "$(msn_of "$T_DIR/disc.m3u8" "$NEXT")" = "$((LAST_MSN + 1))"
check "ts: the last old segment is still listed before it, unchanged" grep -qx "$LAST" "$T_DIR/disc.m3u8"
check "ts: no DISCONTINUITY-SEQUENCE while the discontinuity is listed" \
	sh -c "! grep -q DISCONTINUITY-SEQUENCE '$T_DIR/disc.m3u8'"
check "ts: the origin logged the continuation" grep -q 'cam\] publisher back within the republish grace' "$ORIGIN_LOG"
check "ts: the admin API shows the stream live again" state_is cam live
slid() { curl -sf "$PL" | grep -qx '#EXT-X-DISCONTINUITY-SEQUENCE:1'; }
check "ts: EXT-X-DISCONTINUITY-SEQUENCE:1 once the discontinuity slid out" wait_until 14 slid
check "ts: ... and the tag itself is gone then" sh -c "! curl -sf '$PL' | grep -q '^#EXT-X-DISCONTINUITY$'"
check "ts: the player survived the republish" kill -0 "$PLAYER"
waitpid "$P2"
sleep 3
check "ts: no ENDLIST within the grace after the second publisher left" \
	sh -c "! curl -sf '$PL' | grep -q EXT-X-ENDLIST"
check "ts: ENDLIST once the grace passed" wait_until 10 sh -c "curl -sf '$PL' | grep -q EXT-X-ENDLIST"
check "ts: the origin logged the end" grep -q 'cam: stream ended (its publisher did not return' "$ORIGIN_LOG"
check "ts: the admin API shows the stream ended" state_is cam ended
# Names: every name ever listed maps to one sequence number and vice versa.
cat "$T_DIR"/pl.* | awk -F: '/^#EXT-X-MEDIA-SEQUENCE:/ { m = $2; k = 0 } /^#EXTINF/ { k++ }
	!/^#/ && NF { print m + k - 1, $0 }' | sort -u >"$T_DIR/names"
check "ts: segments from both publishers were listed ($(wc -l <"$T_DIR/names"))" \
	test "$(wc -l <"$T_DIR/names")" -ge 9
check "ts: no segment name was reused" test -z "$(cut -d' ' -f2 "$T_DIR/names" | sort | uniq -d)"
check "ts: no sequence number was reused" test -z "$(cut -d' ' -f1 "$T_DIR/names" | sort | uniq -d)"

# The player ends by itself at ENDLIST; it recorded both frame rates.
waitpid "$PLAYER"
check "ts: the player exited by itself" sh -c "! kill -0 $PLAYER 2>/dev/null"
wait "$PLAYER"; rc=$?
check "ts: the player exited with status 0 (got $rc)" test "$rc" -eq 0
"$FFPROBE" -v error -select_streams v -show_entries packet=dts -of csv=p=0 "$T_DIR/rec.ts" |
	awk -F, '$1 != "" { d = $1 - p; p = $1; if (n++ == 0) next
		if (d == 3600) a++; if (d >= 2900 && d <= 3100) b++ }  # 30 fps in ms: 2970/3060
	     END { print a + 0, b + 0 }' >"$T_DIR/rates"
read -r n25 n30 <"$T_DIR/rates"
check "ts: the recording has the first publisher's 25 fps video ($n25 frames)" test "$n25" -ge 100
check "ts: the recording has the second publisher's 30 fps video ($n30 frames)" test "$n30" -ge 200
stop_pid "$ORIGIN_PID"

# ---- fMP4: a new init segment, under a new name --------------------------------
start_origin f -o segment_format=fmp4 -o segment_target=2s -o playlist_window=10 \
	-o republish_grace=8s
KEY=$(new_key acme cam2)
PL="$ORIGIN_URL/hls/cam2/index.m3u8"
publish_file "$T_DIR/a.flv" "$KEY" -t 6
P1=$PUB_PID
check "fmp4: first publisher is live" wait_until 8 has_segments "$PL"
waitpid "$P1"
sleep 1
publish_file "$T_DIR/c.flv" "$KEY"
P2=$PUB_PID
two_maps() { curl -sf "$PL" >"$T_DIR/f.m3u8" && test "$(grep -c '^#EXT-X-MAP:' "$T_DIR/f.m3u8")" -eq 2; }
check "fmp4: the playlist names two init segments" wait_until 10 two_maps
M1=$(sed -n 's/^#EXT-X-MAP:URI="\(.*\)"$/\1/p' "$T_DIR/f.m3u8" | sed -n 1p)
M2=$(sed -n 's/^#EXT-X-MAP:URI="\(.*\)"$/\1/p' "$T_DIR/f.m3u8" | sed -n 2p)
check "fmp4: with different names ($M1, $M2)" test -n "$M1" -a -n "$M2" -a "$M1" != "$M2"
check "fmp4: the second EXT-X-MAP follows the discontinuity" \
	sh -c "grep -A1 '^#EXT-X-DISCONTINUITY$' '$T_DIR/f.m3u8' | grep -qx '#EXT-X-MAP:URI=\"$M2\"'"
S1=$(grep -v '^#' "$T_DIR/f.m3u8" | head -1)
S2=$(awk '/^#EXT-X-DISCONTINUITY$/ { d = 1 } d && !/^#/ { print; exit }' "$T_DIR/f.m3u8")
curl -sf "$ORIGIN_URL/hls/cam2/$M1" -o "$T_DIR/i1.mp4"
curl -sf "$ORIGIN_URL/hls/cam2/$M2" -o "$T_DIR/i2.mp4"
check "fmp4: the init segments differ" sh -c "! cmp -s '$T_DIR/i1.mp4' '$T_DIR/i2.mp4'"
curl -sf "$ORIGIN_URL/hls/cam2/$S1" | cat "$T_DIR/i1.mp4" - >"$T_DIR/j1.mp4"
curl -sf "$ORIGIN_URL/hls/cam2/$S2" | cat "$T_DIR/i2.mp4" - >"$T_DIR/j2.mp4"
dim() { "$FFPROBE" -v error -select_streams v -show_entries stream=width,height -of csv=p=0 "$1"; }
frames() { "$FFPROBE" -v error -select_streams v -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$1"; }
check "fmp4: old init + old segment is 320x240 ($(dim "$T_DIR/j1.mp4"))" test "$(dim "$T_DIR/j1.mp4")" = "320,240"
check "fmp4: new init + new segment is 640x360 ($(dim "$T_DIR/j2.mp4"))" test "$(dim "$T_DIR/j2.mp4")" = "640,360"
check "fmp4: the new segment has frames" test "$(frames "$T_DIR/j2.mp4")" -ge 25
waitpid "$P2"
check "fmp4: both init segments are still served while listed" \
	test "$(http_code "$ORIGIN_URL/hls/cam2/$M1")$(http_code "$ORIGIN_URL/hls/cam2/$M2")" = 200200
check "fmp4: ENDLIST once the grace passed" wait_until 14 sh -c "curl -sf '$PL' | grep -q EXT-X-ENDLIST"

# After the end, the same key starts a new playlist: new names, sequence 0.
publish_file "$T_DIR/a.flv" "$KEY" -t 5
fresh() { curl -sf "$PL" >"$T_DIR/n.m3u8" && grep -q '^#EXTINF' "$T_DIR/n.m3u8" && ! grep -q EXT-X-ENDLIST "$T_DIR/n.m3u8"; }
check "fmp4: a publish after the end starts a new playlist" wait_until 10 fresh
check "fmp4: ... at media sequence 0" grep -qx '#EXT-X-MEDIA-SEQUENCE:0' "$T_DIR/n.m3u8"
check "fmp4: ... without the old init segments" sh -c "! grep -q -e '$M1' -e '$M2' '$T_DIR/n.m3u8'"
t_done
