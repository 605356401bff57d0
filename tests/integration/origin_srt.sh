#!/bin/sh
# SRT ingest: ffmpeg is the SRT caller (-f mpegts srt://...?streamid=...),
# the origin packages what it sends as it does RTMP. Checked: the
# access-control stream ID and a bare key both publish, ffprobe reads H.264 +
# AAC segments, a wrong key or m=request is refused before any media and
# nothing is published, three publishers at once, a publisher that stops
# gets ENDLIST within the idle timeout, garbage UDP leaves the origin up,
# a key whose stream is live is refused in the handshake with 1409,
# ingest bytes are counted, a revoked key drops its SRT publisher, the
# passphrase (right one works, none or a wrong one refused),
# srt_max_publishers, and SIGTERM ending an SRT stream with ENDLIST.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl python3
SRT_CALL="$top_builddir/tests/tools/srt_call"
"$FFMPEG" -hide_banner -protocols 2>/dev/null | grep -qx '  *srt' || {
	echo "FAIL: this ffmpeg has no SRT protocol (Debian's ffmpeg has it, via libsrt)"
	echo "0 passed, 1 failed"; exit 1
}

IDLE_S=3
start_origin o -o publisher_idle_timeout=${IDLE_S}s -o segment_grace=20s -o republish_grace=0
check "the log names the SRT port" test -n "$SRT_PORT"
O1_URL=$ORIGIN_URL; O1_LOG=$ORIGIN_LOG; O1_SRT=$SRT_PORT; O1_PID=$ORIGIN_PID

K1=$(new_key acme cam1)
K2=$(new_key acme cam2)
K3=$(new_key acme cam3)
K4=$(new_key acme cam4)
K5=$(new_key acme cam5)
check "keys were created" test -n "$K1" -a -n "$K2" -a -n "$K5"
make_media "$T_DIR/in.flv" 40

# srt_publish FILE STREAMID [extra URL options]: ffmpeg -re -c copy as an SRT
# caller; sets PUB_PID. The log is $T_DIR/srt.<n>.log, named in PUB_LOG.
n_pub=0
srt_publish() {
	f=$1; sid=$2; extra=${3:-}; port=${SRT_PORT_TO:-$O1_SRT}
	n_pub=$((n_pub + 1))
	PUB_LOG="$T_DIR/srt.$n_pub.log"
	"$FFMPEG" -nostdin -loglevel info -re -i "$f" -c copy -f mpegts \
		"srt://127.0.0.1:$port?streamid=$sid$extra" >"$PUB_LOG" 2>&1 &
	PUB_PID=$!
	track $PUB_PID
}
# srt_try STREAMID [extra]: a short publish that must end on its own (refused or done)
srt_try() {
	timeout -k 2 10 "$FFMPEG" -nostdin -loglevel info -re -i "$T_DIR/in.flv" -t 3 -c copy \
		-f mpegts "srt://127.0.0.1:${SRT_PORT_TO:-$O1_SRT}?streamid=$1${2:-}" \
		>"$T_DIR/try.log" 2>&1
}
pl() { echo "$O1_URL/hls/$1/index.m3u8"; }
ended() { curl -sf --max-time 5 "$1" | grep -q EXT-X-ENDLIST; }

# 1. The access-control form.
srt_publish "$T_DIR/in.flv" "#!::r=$K1,m=publish"
P1=$PUB_PID
check "cam1 (streamid #!::r=KEY,m=publish) is live within 8 s" wait_until 8 has_segments "$(pl cam1)"
check "the log says the publish started over SRT" grep -q 'cam1\] publish started over srt' "$O1_LOG"

# 2. A bare key.
srt_publish "$T_DIR/in.flv" "$K2"
P2=$PUB_PID
check "cam2 (bare-key streamid) is live within 8 s" wait_until 8 has_segments "$(pl cam2)"

# 3. Refusals: nothing is published for them.
srt_try "#!::r=sk_not_a_real_key_0123456789,m=publish"
check "a wrong key is refused (ffmpeg fails)" test $? -ne 0
check "the origin logs the refusal" grep -q 'publish refused: unknown stream key' "$O1_LOG"
check "the caller was rejected in the handshake" grep -qi 'reject' "$T_DIR/try.log"
srt_try "#!::r=$K3,m=request"
check "m=request is refused" test $? -ne 0
check "the origin logs m=request" grep -q 'refused: m=request' "$O1_LOG"
srt_try ""
check "no stream ID is refused" test $? -ne 0
check "nothing was published for the refused callers" test "$(http_code "$(pl cam3)")" = 404
check "the wrong key never appears in the log" sh -c "! grep -q sk_not_a_real_key '$O1_LOG'"

# 4. Three at once (cam1, cam2 still running, plus cam3, cam4, cam5).
srt_publish "$T_DIR/in.flv" "#!::r=$K3,m=publish"
P3=$PUB_PID
srt_publish "$T_DIR/in.flv" "#!::m=publish,u=studio,r=$K4"
P4=$PUB_PID
srt_publish "$T_DIR/in.flv" "$K5"
P5=$PUB_PID
check "cam3 live" wait_until 8 has_segments "$(pl cam3)"
check "cam4 live" wait_until 8 has_segments "$(pl cam4)"
check "cam5 live" wait_until 8 has_segments "$(pl cam5)"
check "cam1 and cam2 are still live" sh -c "! curl -sf '$(pl cam1)' | grep -q ENDLIST && ! curl -sf '$(pl cam2)' | grep -q ENDLIST"
# A second publisher on a live key is refused in the handshake (1409).
srt_try "$K3"
check "a second publisher on a live key fails" test $? -ne 0
cp "$T_DIR/try.log" "$T_DIR/busy.log"
check "the origin logs the busy refusal in the handshake" grep -q '\[srt 127\.0\.0\.1:[0-9]*\] refused: stream cam3 is already live' "$O1_LOG"
check "it was not accepted then dropped at the claim" sh -c "! grep -q 'publish refused: stream is already live' '$O1_LOG'"
# ffmpeg 5.1 prints no code, only that the listener rejected it.
check "ffmpeg says the listener rejected it in the handshake" grep -q 'REJECT.*Application-defined rejection reason' "$T_DIR/busy.log"
"$SRT_CALL" 127.0.0.1 "$O1_SRT" "$K3" >"$T_DIR/call.out" 2>&1
check "an SRT caller on the live key gets 1409 (SRT_REJX_CONFLICT): $(cat "$T_DIR/call.out")" grep -qx 'rejected 1409 .*' "$T_DIR/call.out"
"$SRT_CALL" 127.0.0.1 "$O1_SRT" "sk_not_a_real_key_0123456789" >"$T_DIR/call.out" 2>&1
check "a wrong key still gets 1401: $(cat "$T_DIR/call.out")" grep -qx 'rejected 1401 .*' "$T_DIR/call.out"
check "cam3 survived the second publisher" kill -0 "$P3"
check "cam3 is still live" sh -c "! curl -sf '$(pl cam3)' | grep -q ENDLIST"

# Segments: ffprobe reads H.264 + AAC; the master playlist names both.
sleep 3
curl -sf "$(pl cam1)" >"$T_DIR/cam1.m3u8"
badprobe=0; nseg=0
for s in $(grep -v '^#' "$T_DIR/cam1.m3u8"); do
	nseg=$((nseg + 1))
	curl -sf "$O1_URL/hls/cam1/$s" -o "$T_DIR/$s" || { badprobe=$((badprobe + 1)); continue; }
	"$FFPROBE" -v error -show_entries stream=codec_name -of csv=p=0 "$T_DIR/$s" >"$T_DIR/probe" 2>&1 || badprobe=$((badprobe + 1))
	grep -q h264 "$T_DIR/probe" && grep -q aac "$T_DIR/probe" || badprobe=$((badprobe + 1))
	k=$("$FFPROBE" -v error -select_streams v -show_entries frame=key_frame -read_intervals '%+#1' -of csv=p=0 "$T_DIR/$s" | head -1 | cut -d, -f1)
	[ "$k" = 1 ] || badprobe=$((badprobe + 1))
done
check "ffprobe reads all $nseg cam1 segments: H.264 + AAC, keyframe first" test "$nseg" -gt 1 -a "$badprobe" -eq 0
durs=$(grep '^#EXTINF' "$T_DIR/cam1.m3u8" | sed 's/#EXTINF:\([0-9.]*\),.*/\1/')
check "segment durations are 2.0 +- 0.1 s" sh -c "echo '$durs' | awk '{ if (\$1 < 1.9 || \$1 > 2.1) bad=1 } END { exit bad }'"
curl -sf "$O1_URL/hls/cam1/master.m3u8" >"$T_DIR/master.m3u8"
check "master CODECS avc1 + mp4a.40.2" grep -q 'CODECS="avc1\.[0-9a-f]\{6\},mp4a\.40\.2"' "$T_DIR/master.m3u8"
check "master RESOLUTION 320x240" grep -q 'RESOLUTION=320x240' "$T_DIR/master.m3u8"
"$FFMPEG" -nostdin -loglevel error -i "$(pl cam2)" -t 4 -c copy -f null - >"$T_DIR/play.log" 2>&1
check "ffmpeg plays the SRT-fed stream" test $? -eq 0

# Accounting: ingest bytes per stream and in the metric.
cdnctl --json streams >"$T_DIR/streams.json"
b=$(tr '{' '\n' <"$T_DIR/streams.json" | grep '"name":"cam1"' | grep -o '"bytes_in":[0-9]*' | cut -d: -f2)
check "cam1 counts ingest bytes (${b:-none})" test "${b:-0}" -gt 100000
check "the bytes_in metric counts SRT ingest" test "$(metric_at "$O1_URL" cdn_origin_bytes_in_total)" -gt 100000
tr '{' '\n' <"$T_DIR/streams.json" | grep '"name":"cam1"' >"$T_DIR/cam1.json"
check "the stream list shows cam1's codecs" grep -q '"codecs":"avc1\.[0-9a-f]*,mp4a\.40\.2"' "$T_DIR/cam1.json"
check "the stream list shows cam1's SRT peer" grep -q '"peer":"127\.0\.0\.1:[0-9]*"' "$T_DIR/cam1.json"

# 5. Garbage UDP at the SRT port: the origin stays up and keeps serving.
python3 - "$O1_SRT" <<'EOF'
import os, socket, struct, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(400):
    s.sendto(os.urandom(1 + (i * 37) % 1500), ("127.0.0.1", port))
# control packets that look like SRT handshakes (type 0, F=1) with junk inside
for i in range(200):
    hdr = struct.pack(">HHII", 0x8000, i % 8, 0, 0)
    s.sendto(hdr + os.urandom(48 + i % 64), ("127.0.0.1", port))
s.sendto(b"", ("127.0.0.1", port))
EOF
sleep 1
check "the origin survives garbage UDP" kill -0 "$O1_PID"
check "healthz after garbage" sh -c "curl -sf '$O1_URL/healthz' | grep -q ok"
check "live streams are unharmed" sh -c "! curl -sf '$(pl cam4)' | grep -q ENDLIST"

# 6. A publisher that stops sending: ENDLIST within the idle timeout (+ a margin).
kill -STOP "$P5"
t0=$(date +%s)
check "a frozen publisher's playlist ends within ${IDLE_S} s + 5 s" wait_until $((IDLE_S + 5)) ended "$(pl cam5)"
t1=$(date +%s)
echo "# cam5 ended $((t1 - t0)) s after its publisher froze"
kill -KILL "$P5" 2>/dev/null
check "it was dropped by publisher_idle_timeout" grep -q 'cam5\] publisher sent no media for [0-9]* ms' "$O1_LOG"
check "not before the idle timeout (${IDLE_S} s, 1 s resolution)" test $((t1 - t0)) -ge $((IDLE_S - 1))
# A pause shorter than the idle timeout does not end a stream.
check "cam4 is still live (pauses between SRT packets are not the end)" sh -c "! curl -sf '$(pl cam4)' | grep -q ENDLIST"

# 7. Revoking a key drops its SRT publisher.
ID3=$(cdnctl --json key list --customer acme | tr '{' '\n' | grep '"stream":"cam3"' | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
check "cdnctl revokes cam3's key" cdnctl key revoke "$ID3"
check "cam3's playlist ends after the revoke" wait_until 5 ended "$(pl cam3)"
check "the revoke is logged" grep -q 'cam3\] stream key revoked' "$O1_LOG"

# A publisher that ends normally gets ENDLIST.
i=0; while kill -0 "$P1" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
check "cam1 ends with ENDLIST when ffmpeg finishes" wait_until 5 ended "$(pl cam1)"
check "the secret keys are not in the log" sh -c "! grep -q -e '$K1' -e '$K2' -e '$K4' '$O1_LOG'"
stop_pid "$P2"; stop_pid "$P4"
kill -TERM "$O1_PID"
i=0; while kill -0 "$O1_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
wait "$O1_PID"
check "the first origin exits 0 on SIGTERM" test $? -eq 0

# 8. A passphrase, and srt_max_publishers 1, on a second origin.
PASS="correct-horse-battery"
start_origin o2 -o srt_passphrase="$PASS" -o srt_max_publishers=1 -o segment_format=fmp4
O2_URL=$ORIGIN_URL
SRT_PORT_TO=$SRT_PORT
check "the origin says SRT is encrypted" grep -q 'SRT on port [0-9]* (latency 120 ms, encrypted' "$ORIGIN_LOG"
KP=$(new_key acme enc1)
KQ=$(new_key acme enc2)
srt_try "$KP"
check "no passphrase is refused" test $? -ne 0
srt_try "$KP" "&passphrase=wrong-passphrase-1"
check "a wrong passphrase is refused" test $? -ne 0
check "nothing was published without the passphrase" test "$(http_code "$O2_URL/hls/enc1/index.m3u8")" = 404
srt_publish "$T_DIR/in.flv" "#!::r=$KP,m=publish" "&passphrase=$PASS&pbkeylen=16"
PE=$PUB_PID
check "the right passphrase publishes" wait_until 8 has_segments "$O2_URL/hls/enc1/index.m3u8"
# fMP4 segments from SRT: one init segment (EXT-X-MAP), init + media read by ffprobe
sleep 4
curl -sf "$O2_URL/hls/enc1/index.m3u8" >"$T_DIR/enc1.m3u8"
MAP=$(sed -n 's/^#EXT-X-MAP:URI="\([^"]*\)".*/\1/p' "$T_DIR/enc1.m3u8" | head -1)
SEG=$(grep -v '^#' "$T_DIR/enc1.m3u8" | head -1)
check "the fMP4 playlist names one init segment for its $(grep -c '^#EXTINF' "$T_DIR/enc1.m3u8") segments" test -n "$MAP" -a "$(grep -c '^#EXT-X-MAP' "$T_DIR/enc1.m3u8")" = 1 -a "$(grep -c '^#EXTINF' "$T_DIR/enc1.m3u8")" -ge 2
curl -sf "$O2_URL/hls/enc1/$MAP" -o "$T_DIR/init.mp4" && curl -sf "$O2_URL/hls/enc1/$SEG" -o "$T_DIR/seg.m4s"
cat "$T_DIR/init.mp4" "$T_DIR/seg.m4s" >"$T_DIR/joined.mp4"
check "ffprobe reads init + first fMP4 segment: H.264 + AAC" sh -c "'$FFPROBE' -v error -show_entries stream=codec_name -of csv=p=0 '$T_DIR/joined.mp4' | tr '\n' ' ' | grep -q 'h264 aac'"
srt_try "#!::r=$KQ,m=publish" "&passphrase=$PASS"
check "a second publisher beyond srt_max_publishers 1 is refused" test $? -ne 0
check "srt_max_publishers is logged" grep -q 'srt_max_publishers' "$ORIGIN_LOG"
# SIGTERM ends the SRT stream with ENDLIST and exits 0.
kill -TERM "$ORIGIN_PID"
i=0; while kill -0 "$ORIGIN_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "SIGTERM stops the origin within 10 s" sh -c "! kill -0 $ORIGIN_PID 2>/dev/null"
wait "$ORIGIN_PID"
check "it exits 0" test $? -eq 0
check "the SRT stream got ENDLIST at shutdown" grep -q 'enc1\] stopping the publisher' "$ORIGIN_LOG"
stop_pid "$PE"

check "no sanitizer report or runtime error in the origin logs" sh -c \
	"! grep -Eqi 'sanitizer|runtime error|heap-use|leak of|assert' '$O1_LOG' '$ORIGIN_LOG'"

# A bad passphrase length is refused at -t.
"$ORIGIN_BIN" -t -o srt_passphrase=short >/dev/null 2>"$T_DIR/short.err"
check "a 5-character passphrase is refused by -t" test $? -ne 0
check "the error explains 10 to 79" grep -q 'srt_passphrase.*10 to 79' "$T_DIR/short.err"
t_done
