#!/bin/sh
# A per-stream DVR window (docs/dvr.md): the live playlist spans the window,
# so players can seek back; segments past the live window leave memory and
# are served from disk; the window slides on disk too; nothing is left after
# the stream, or after a restart. ffmpeg and hls.js (Chromium) seek back.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl node

DVR=24
start_origin o -o segment_target=2s -o playlist_window=3 -o segment_grace=4s \
	-o republish_grace=0 -o dvr_max_window=1m
KEY=$(new_key acme dvr1)
KEY2=$(new_key acme plain)
out=$(cdnctl stream dvr --customer acme --stream dvr1 ${DVR}s 2>&1)
check "cdnctl stream dvr sets a window ($out)" sh -c "echo '$out' | grep -q 'DVR window ${DVR}s'"
out=$(cdnctl stream dvr --customer acme --stream dvr1 2h 2>&1); rc=$?
check "a window past dvr_max_window is refused, saying why (exit $rc)" \
	sh -c "[ $rc -eq 1 ] && echo '$out' | grep -q 'at most 60 s'"
out=$(cdnctl stream dvr --customer acme --stream dvr1 soon 2>&1); rc=$?
check "a window that is not a duration is refused (exit $rc)" \
	sh -c "[ $rc -eq 1 ] && echo '$out' | grep -q 'invalid window'"
out=$(cdnctl stream dvr --customer acme --stream nokey 1m 2>&1); rc=$?
check "a stream without a key of that customer is refused (exit $rc)" test $rc -eq 1

publish_live "$KEY" 70
P1=$PUB_PID
publish_live "$KEY2" 70
PL="$ORIGIN_URL/hls/dvr1/index.m3u8"
PL2="$ORIGIN_URL/hls/plain/index.m3u8"
check "the DVR stream is published" wait_until 15 has_segments "$PL"
check "its session directory is below data_dir/archive" \
	wait_until 5 sh -c "ls -d '$ORIGIN_DATA/archive/dvr1/'*/ >/dev/null 2>&1"
ARCH=$(ls -d "$ORIGIN_DATA"/archive/dvr1/*/ | head -1)

# Once more than the window has gone by, the playlist spans it.
n_segs() { curl -sf "$1" | grep -c '^#EXTINF'; }
full() { [ "$(n_segs "$PL")" -ge 12 ]; }
check "the playlist grows past the live window (3) to the DVR window" wait_until 45 full
sleep 6
curl -sf "$PL" >"$T_DIR/pl.m3u8"
N=$(grep -c '^#EXTINF' "$T_DIR/pl.m3u8")
# sum of EXTINF, and the sum without the oldest: the window rule
SUM=$(awk -F'[:,]' '/^#EXTINF/ { s += $2 } END { printf "%d", s * 1000 }' "$T_DIR/pl.m3u8")
FIRST=$(awk -F'[:,]' '/^#EXTINF/ { printf "%d", $2 * 1000; exit }' "$T_DIR/pl.m3u8")
echo "# DVR playlist: $N segments, $SUM ms (oldest $FIRST ms)"
check "the playlist covers the ${DVR} s window ($SUM ms)" test "$SUM" -ge $((DVR * 1000))
check "and no more than it needs ($SUM - $FIRST ms < ${DVR} s)" test $((SUM - FIRST)) -lt $((DVR * 1000))
check "a sliding live playlist: no PLAYLIST-TYPE, no ENDLIST" \
	sh -c "! grep -q -e PLAYLIST-TYPE -e ENDLIST '$T_DIR/pl.m3u8'"
check "a stream without DVR keeps its 3 segments" test "$(n_segs "$PL2")" -eq 3
cdnctl --json streams >"$T_DIR/streams.json"
check "the stream list shows the window" python3 -c "import json,sys; s={x['name']: x for x in json.load(open('$T_DIR/streams.json'))['streams']}; sys.exit(not (s['dvr1']['dvr_window_s'] == $DVR and s['plain']['dvr_window_s'] == 0))"

OLD=$(grep -v '^#' "$T_DIR/pl.m3u8" | head -1)
R0=$(metric_at "$ORIGIN_URL" cdn_origin_archive_reads_total)
curl -sf -o "$T_DIR/old.ts" "$ORIGIN_URL/hls/dvr1/$OLD"
R1=$(metric_at "$ORIGIN_URL" cdn_origin_archive_reads_total)
check "the oldest segment is served ($OLD)" test -s "$T_DIR/old.ts"
check "from disk (archive reads $R0 -> $R1)" test "$R1" -gt "$R0"
check "with the bytes of its file" cmp -s "$T_DIR/old.ts" "$ARCH/$OLD"
check "ffprobe decodes it" sh -c "'$FFPROBE' -v error -show_entries stream=codec_name -of csv=p=0 '$T_DIR/old.ts' | grep -q h264"
MEM=$(metric_at "$ORIGIN_URL" cdn_origin_segment_memory_bytes)
BIG=$(ls -l "$ARCH" | awk '/\.ts$/ { if ($5 > m) m = $5 } END { print m + 0 }')
ONDISK=$(metric_at "$ORIGIN_URL" cdn_origin_archive_segments)
echo "# segment memory $MEM bytes (largest segment $BIG), $ONDISK segments on disk"
# two streams x (3 live + 2 in grace + 1 in flight) = 12 segments at most;
# were the DVR window in memory it would be 21 (12 + 3 of dvr1, 6 of plain)
check "segment memory stays within the live windows ($MEM <= 14 x $BIG)" test "$MEM" -le $((14 * BIG))
check "while the DVR window ($N segments) is on disk" test "$ONDISK" -ge "$N"
FILES=$(ls "$ARCH" | grep -c '\.ts$')
check "the window slides on disk too ($FILES files, $N in the playlist)" test "$FILES" -le $((N + 4))
check "the oldest segment's file goes once it leaves the window and its grace" \
	wait_until 20 test ! -f "$ARCH/$OLD"

# ffmpeg starts at the oldest segment of the window (-live_start_index 0).
R0=$(metric_at "$ORIGIN_URL" cdn_origin_archive_reads_total)
"$FFMPEG" -nostdin -v error -live_start_index 0 -i "$PL" -t 6 -map 0:v -f framemd5 "$T_DIR/start.md5" 2>"$T_DIR/ff.err"
R1=$(metric_at "$ORIGIN_URL" cdn_origin_archive_reads_total)
check "ffmpeg plays from the start of the DVR window" test "$(grep -vc '^#' "$T_DIR/start.md5")" -ge 100
check "reading its old segments from disk (archive reads $R0 -> $R1)" test "$R1" -ge $((R0 + 2))

browser_run dvr dvr.mjs WATCH_URL="$ORIGIN_URL/watch/dvr1" DVR_S=$DVR

# The stream ends: the ended playlist keeps the window; then everything goes.
stop_pid $P1
check "the ended playlist keeps the DVR window, with ENDLIST" \
	wait_until 10 sh -c "curl -sf '$PL' | grep -q EXT-X-ENDLIST && [ \$(curl -sf '$PL' | grep -c '^#EXTINF') -ge 10 ]"
check "after the grace the session directory is removed" wait_until 15 test ! -d "$ARCH"

# A restart leaves no orphan: a DVR window of an earlier run is removed at start.
check "the plain stream is live" has_segments "$PL2"
cdnctl stream dvr --customer acme --stream plain 30s >/dev/null
stop_pid $PUB_PID
publish_live "$KEY2" 60
check "the plain stream, now with DVR, writes its session directory" \
	wait_until 20 sh -c "ls '$ORIGIN_DATA'/archive/plain/*/*.ts >/dev/null 2>&1"
kill -9 "$ORIGIN_PID"
wait "$ORIGIN_PID" 2>/dev/null
stop_pid $PUB_PID
check "a killed origin leaves its DVR window on disk" sh -c "ls -d '$ORIGIN_DATA'/archive/plain/*/ >/dev/null 2>&1"
start_origin o
check "the next start removes it" wait_until 5 sh -c "! ls -d '$ORIGIN_DATA'/archive/plain/*/ >/dev/null 2>&1"
check "and says so" grep -q "a DVR window of an earlier run" "$ORIGIN_LOG"
t_done
