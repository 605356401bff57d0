#!/bin/sh
# Recording (docs/dvr.md): when a recorded stream's event ends, it becomes a
# VOD playlist (EXT-X-PLAYLIST-TYPE:VOD, ENDLIST) served by the origin and
# through an edge, as the stream's own content (tokens, accounting); a
# republish within the grace continues the same recording; an encrypted
# stream's recording keeps its keys; an event cut by a crash is finished at
# the next start; recordings are deleted after their retention, or by hand.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl

start_origin o -o segment_target=2s -o republish_grace=10s -o segment_grace=3s
KEY=$(new_key acme ev1)
KEYE=$(new_key acme enc1)
KEYC=$(new_key acme crash1)
out=$(cdnctl stream record --customer acme --stream ev1 on 2>&1)
check "cdnctl stream record on ($out)" sh -c "echo '$out' | grep -q 'recording on'"
out=$(cdnctl stream record --customer acme --stream ev1 maybe 2>&1); rc=$?
check "a bad value is a usage error (exit $rc)" test $rc -eq 2
cdnctl stream record --customer acme --stream enc1 on >/dev/null
cdnctl stream encrypt --customer acme --stream enc1 on >/dev/null
cdnctl stream record --customer acme --stream crash1 on >/dev/null
check "no recordings yet" sh -c "cdnctl() { \"$CDNCTL_BIN\" -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' \"\$@\"; }; cdnctl recordings | grep -q 'no recordings'"

# One event in two parts: the publisher goes and comes back within the grace.
make_media "$T_DIR/a.flv" 8
publish_file "$T_DIR/a.flv" "$KEY"
make_media "$T_DIR/e.flv" 10
publish_file "$T_DIR/e.flv" "$KEYE"
PUBE=$PUB_PID
check "the recorded stream is live" wait_until 10 has_segments "$ORIGIN_URL/hls/ev1/index.m3u8"
check "the stream list says it is being recorded" sh -c "'$CDNCTL_BIN' -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' --json streams | grep -q '\"name\":\"ev1\"[^}]*\"recording\":true'"
wait_until 20 sh -c "! kill -0 $PUB_PID 2>/dev/null"
publish_file "$T_DIR/a.flv" "$KEY"
check "the live playlist shows the republish" \
	wait_until 15 sh -c "curl -sf '$ORIGIN_URL/hls/ev1/index.m3u8' | grep -q EXT-X-DISCONTINUITY"
check "the event ends after the grace (ENDLIST)" \
	wait_until 30 sh -c "curl -sf '$ORIGIN_URL/hls/ev1/index.m3u8' | grep -q EXT-X-ENDLIST"
check "the encrypted event ends too, and is listed" \
	wait_until 30 sh -c "'$CDNCTL_BIN' -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' recordings | grep -q 'vod-.*enc1\\|/hls/enc1/'"

cdnctl --json recordings >"$T_DIR/rec.json"
cdnctl recordings >"$T_DIR/rec.txt"
cat "$T_DIR/rec.txt" | sed 's/^/# /'
jget() { python3 -c "import json,sys; r=[x for x in json.load(open('$T_DIR/rec.json'))['recordings'] if x['stream']=='$1']; print(r[0]['$2'] if r else '')"; }
check "two recordings are listed" test "$(python3 -c "import json; print(len(json.load(open('$T_DIR/rec.json'))['recordings']))")" = 2
ID=$(jget ev1 id)
URL=$(jget ev1 url)
DUR=$(jget ev1 duration_ms)
NSEG=$(jget ev1 segments)
check "the recording has an id and a URL ($URL)" test "$URL" = "/hls/ev1/vod-$ID.m3u8"
check "it lasts both parts: 16 s of media ($DUR ms)" sh -c "[ $DUR -ge 14000 ] && [ $DUR -le 18500 ]"
check "the table shows it" grep -q "vod-$ID.m3u8" "$T_DIR/rec.txt"

VOD="$ORIGIN_URL$URL"
curl -sf "$VOD" >"$T_DIR/vod.m3u8"
check "the VOD playlist is served" test -s "$T_DIR/vod.m3u8"
check "EXT-X-PLAYLIST-TYPE:VOD" grep -qx '#EXT-X-PLAYLIST-TYPE:VOD' "$T_DIR/vod.m3u8"
check "EXT-X-ENDLIST" grep -qx '#EXT-X-ENDLIST' "$T_DIR/vod.m3u8"
check "it starts at media sequence 0" grep -qx '#EXT-X-MEDIA-SEQUENCE:0' "$T_DIR/vod.m3u8"
check "every segment of the event is in it ($NSEG)" test "$(grep -c '^#EXTINF' "$T_DIR/vod.m3u8")" -eq "$NSEG"
check "with the republish's discontinuity" test "$(grep -c '^#EXT-X-DISCONTINUITY$' "$T_DIR/vod.m3u8")" -eq 1
PDUR=$("$FFPROBE" -v error -show_entries format=duration -of csv=p=0 "$VOD")
check "ffprobe reads its duration ($PDUR s)" sh -c "awk 'BEGIN { exit !($PDUR >= 14 && $PDUR <= 18.5) }'"
"$FFMPEG" -nostdin -v error -i "$VOD" -map 0:v -f framemd5 "$T_DIR/vod.md5" 2>"$T_DIR/vod.err"
FR=$(grep -vc '^#' "$T_DIR/vod.md5")
check "ffmpeg decodes all of it ($FR frames of 400)" sh -c "[ $FR -ge 360 ] && [ $FR -le 420 ]"
check "without an error" test ! -s "$T_DIR/vod.err"
SEG=$(grep -v '^#' "$T_DIR/vod.m3u8" | head -1)
hdr=$(curl -sI "$ORIGIN_URL/hls/ev1/$SEG" | tr -d '\r')
check "a segment is served immutable" sh -c "echo '$hdr' | grep -qi 'cache-control: public, max-age=86400, immutable'"
check "with its owner for the edges' accounting" sh -c "echo '$hdr' | grep -qi 'x-cdn-customer: acme'"
check "a recording id that is not one is 404" test "$(http_code "$ORIGIN_URL/hls/ev1/vod-nope.m3u8")" = 404
check "another stream's recording is not under this stream" \
	test "$(http_code "$ORIGIN_URL/hls/enc1/vod-$ID.m3u8")" = 404

# Through an edge, like live content: cached, and playable.
start_edge e "$ORIGIN_URL"
check "the edge serves the VOD playlist" test "$(http_code "$EDGE_URL$URL")" = 200
curl -s -o /dev/null "$EDGE_URL/hls/ev1/$SEG"
xc=$(curl -sI "$EDGE_URL/hls/ev1/$SEG" | tr -d '\r' | sed -n 's/^[Xx]-[Cc]ache: *//p')
check "a segment is a cache HIT the second time ($xc)" sh -c "echo '$xc' | grep -q HIT"
EDUR=$("$FFPROBE" -v error -show_entries format=duration -of csv=p=0 "$EDGE_URL$URL")
check "ffprobe reads it through the edge ($EDUR s)" sh -c "awk 'BEGIN { exit !($EDUR >= 14) }'"

# A token stream's recording needs a token, like its live playlist.
cdnctl stream access --customer acme --stream ev1 token >/dev/null
check "a token stream's recording is 403 without a token" test "$(http_code "$VOD")" = 403
TOK=$(cdnctl --json token --customer acme --stream ev1 --ttl 1h | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
check "and 200 with one" test "$(http_code "$VOD?token=$TOK")" = 200
check "whose URIs carry the token" sh -c "curl -sf '$VOD?token=$TOK' | grep -v '^#' | head -1 | grep -q 'token='"
cdnctl stream access --customer acme --stream ev1 public >/dev/null

# The encrypted stream's recording keeps its keys past the window.
EID=$(jget enc1 id)
EVOD="$ORIGIN_URL/hls/enc1/vod-$EID.m3u8"
curl -sf "$EVOD" >"$T_DIR/evod.m3u8"
check "the encrypted recording has EXT-X-KEY lines" grep -q '^#EXT-X-KEY:METHOD=AES-128' "$T_DIR/evod.m3u8"
KURI=$(grep '^#EXT-X-KEY' "$T_DIR/evod.m3u8" | head -1 | sed 's/.*URI="\([^"]*\)".*/\1/')
ETOK=$(cdnctl --json token --customer acme --stream enc1 --ttl 1h | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
check "its key is 403 without a token" test "$(http_code "$ORIGIN_URL/hls/enc1/$KURI")" = 403
khdr=$(curl -sI "$ORIGIN_URL/hls/enc1/$KURI?token=$ETOK" | tr -d '\r')
check "and 200, private, with one" sh -c "echo '$khdr' | grep -q ' 200' && echo '$khdr' | grep -qi 'cache-control: private, no-store'"
check "its key file is 0600" test "$(stat -c %a "$ORIGIN_DATA"/archive/enc1/"$EID"/"$KURI")" = 600
"$FFMPEG" -nostdin -v error -i "$EVOD?token=$ETOK" -map 0:v -f framemd5 "$T_DIR/evod.md5" 2>"$T_DIR/evod.err"
EFR=$(grep -vc '^#' "$T_DIR/evod.md5")
check "ffmpeg decrypts and decodes the encrypted recording ($EFR frames of 250)" sh -c "[ $EFR -ge 225 ]"

# An event cut by a crash: finished from its files at the next start.
make_media "$T_DIR/c.flv" 30
publish_file "$T_DIR/c.flv" "$KEYC"
PUBC=$PUB_PID
check "the crash stream is live" wait_until 10 has_segments "$ORIGIN_URL/hls/crash1/index.m3u8"
sleep 6
kill -9 "$ORIGIN_PID"; wait "$ORIGIN_PID" 2>/dev/null
stop_pid $PUBC
start_origin o -o segment_target=2s
check "the next start finishes it" grep -q "recording .* finished at start" "$ORIGIN_LOG"
cdnctl --json recordings >"$T_DIR/rec.json"
CID=$(jget crash1 id)
CN=$(jget crash1 segments)
check "it is listed with its segments ($CN)" sh -c "[ -n '$CID' ] && [ '$CN' -ge 2 ]"
curl -sf "$ORIGIN_URL/hls/crash1/vod-$CID.m3u8" >"$T_DIR/cvod.m3u8"
check "as a VOD playlist with ENDLIST" sh -c "grep -q PLAYLIST-TYPE:VOD '$T_DIR/cvod.m3u8' && grep -q EXT-X-ENDLIST '$T_DIR/cvod.m3u8'"
check "holding whole segments only" test "$(grep -c '^#EXTINF' "$T_DIR/cvod.m3u8")" -eq "$CN"
check "that ffprobe reads" "$FFPROBE" -v error -show_entries format=duration "$ORIGIN_URL/hls/crash1/vod-$CID.m3u8"
VOD="$ORIGIN_URL$URL"   # the new port
check "recordings survive a restart: the first is still served" test "$(http_code "$VOD")" = 200

# By hand, then by retention.
check "cdnctl recording delete" cdnctl recording delete crash1 "$CID"
check "its playlist is gone" test "$(http_code "$ORIGIN_URL/hls/crash1/vod-$CID.m3u8")" = 404
check "and its files" test ! -d "$ORIGIN_DATA/archive/crash1/$CID"
out=$(cdnctl recording delete crash1 "$CID" 2>&1); rc=$?
check "deleting it again is an error (exit $rc)" test $rc -eq 1
stop_pid $ORIGIN_PID
start_origin o -o recording_retention=2s
check "past their retention, recordings are deleted" \
	wait_until 10 sh -c "! ls '$ORIGIN_DATA/archive/ev1/$ID' >/dev/null 2>&1"
check "and no longer served" test "$(http_code "$ORIGIN_URL$URL")" = 404
check "nor listed" sh -c "cdnctl() { \"$CDNCTL_BIN\" -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' \"\$@\"; }; cdnctl recordings | grep -q 'no recordings'"
check "the log says why" grep -q "retention over" "$ORIGIN_LOG"
t_done
