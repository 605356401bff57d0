#!/bin/sh
# RTP ingest with SDP: the operator binds a stream key to UDP ports
# (cdnctl key rtp), ffmpeg sends RTP, the origin packages it as it does RTMP.
# Checked: an SDP the origin allocates (MPEG-TS over RTP, ffmpeg -f
# rtp_mpegts); the sender's SDP for H.264 (RFC 6184) + AAC (RFC 3640);
# both through a relay that drops 1% and reorders 3% of packets; ENDLIST
# after the sender stops, and a second session on the same registration;
# bad SDPs and unknown keys refused; removal; a revoked key; registrations
# surviving a restart; Opus dropped with a log line.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl python3

IDLE_S=3
RELAY="$top_srcdir/tests/tools/udp_relay.py"
start_origin o -o rtp_address=127.0.0.1 -o publisher_idle_timeout=${IDLE_S}s -o segment_grace=30s -o republish_grace=0
O_DATA=$ORIGIN_DATA

K1=$(new_key acme ts1)
K2=$(new_key acme av2)
check "keys were created" test -n "$K1" -a -n "$K2"
key_id() { cdnctl --json key list --customer acme | tr '{' '\n' | grep "\"stream\":\"$1\"" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2; }
ID1=$(key_id ts1)
ID2=$(key_id av2)
pl() { echo "$ORIGIN_URL/hls/$1/index.m3u8"; }
ended() { curl -sf --max-time 5 "$1" | grep -q EXT-X-ENDLIST; }
# free_pair: an even port P with P and P+1 free on 127.0.0.1
free_pair() {
	python3 -c '
import socket
for _ in range(100):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1] & ~1; s.close()
    try:
        a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", p))
        b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("127.0.0.1", p + 1))
        a.close(); b.close(); print(p); break
    except OSError:
        pass'
}
# probe_all URL NAME: every segment of the playlist holds H.264 + AAC
probe_all() {
	curl -sf "$1" >"$T_DIR/$2.m3u8" || return 1
	n=0
	for s in $(grep -v '^#' "$T_DIR/$2.m3u8"); do
		curl -sf "${1%/index.m3u8}/$s" -o "$T_DIR/$2-$s" || return 1
		"$FFPROBE" -v error -show_entries stream=codec_name -of csv=p=0 "$T_DIR/$2-$s" >"$T_DIR/probe" 2>&1 || return 1
		grep -q h264 "$T_DIR/probe" && grep -q aac "$T_DIR/probe" || return 1
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}

make_media "$T_DIR/in.flv" 16

# 1. No SDP given: the origin allocates a port and answers with an MPEG-TS SDP.
cdnctl key rtp "$ID1" >"$T_DIR/ts1.sdp"
check "cdnctl key rtp prints an SDP" grep -q '^m=video [0-9]* RTP/AVP 33' "$T_DIR/ts1.sdp"
check "the SDP names rtp_address" grep -q '^c=IN IP4 127.0.0.1' "$T_DIR/ts1.sdp"
P1=$(sed -n 's/^m=video \([0-9]*\) .*/\1/p' "$T_DIR/ts1.sdp" | tr -d '\r')
check "the allocated port is even ($P1)" test $((P1 % 2)) -eq 0
check "cdnctl key rtp-show gives the same SDP" sh -c "\"$CDNCTL_BIN\" -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' key rtp-show $ID1 | cmp -s - '$T_DIR/ts1.sdp'"
check "the SDP is kept in data_dir/rtp" test -f "$O_DATA/rtp/$ID1.sdp"
"$FFMPEG" -nostdin -loglevel warning -re -i "$T_DIR/in.flv" -c copy -f rtp_mpegts "rtp://127.0.0.1:$P1" >"$T_DIR/ts1.log" 2>&1 &
S1=$!; track $S1
check "ts1 (rtp_mpegts) is live within 8 s" wait_until 8 has_segments "$(pl ts1)"
check "the log says the publish started over RTP" grep -q 'ts1\] publish started over rtp' "$ORIGIN_LOG"

# 2. The sender's SDP: H.264 (RFC 6184) + AAC (RFC 3640) as ffmpeg writes it.
V=$(free_pair); A=$(free_pair)
[ "$A" = "$V" ] && A=$(free_pair)
"$FFMPEG" -nostdin -loglevel error -y -i "$T_DIR/in.flv" -t 0.2 -map 0:v -c copy -f rtp "rtp://127.0.0.1:$V" \
	-map 0:a -c copy -f rtp "rtp://127.0.0.1:$A" -sdp_file "$T_DIR/av2.sdp" >/dev/null 2>&1
check "ffmpeg wrote the sender's SDP" grep -q 'MPEG4-GENERIC' "$T_DIR/av2.sdp"
check "cdnctl key rtp --sdp registers it" sh -c "\"$CDNCTL_BIN\" -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' key rtp $ID2 --sdp '$T_DIR/av2.sdp' >/dev/null"
"$FFMPEG" -nostdin -loglevel warning -re -i "$T_DIR/in.flv" -map 0:v -c copy -f rtp "rtp://127.0.0.1:$V" \
	-map 0:a -c copy -f rtp "rtp://127.0.0.1:$A" >"$T_DIR/av2.log" 2>&1 &
S2=$!; track $S2
check "av2 (H.264 + AAC over RTP) is live within 8 s" wait_until 8 has_segments "$(pl av2)"
sleep 4
check "ffprobe reads H.264 + AAC in every ts1 segment" probe_all "$(pl ts1)" ts1
check "ffprobe reads H.264 + AAC in every av2 segment" probe_all "$(pl av2)" av2
curl -sf "$ORIGIN_URL/hls/av2/master.m3u8" >"$T_DIR/av2.master"
check "av2's master playlist: CODECS avc1 + mp4a, RESOLUTION 320x240" sh -c "grep -q 'CODECS=\"avc1\.[0-9a-f]*,mp4a\.40\.2\"' '$T_DIR/av2.master' && grep -q RESOLUTION=320x240 '$T_DIR/av2.master'"

# 3. The senders stop: ENDLIST within the idle timeout (+ margin).
i=0; while kill -0 "$S1" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
check "ts1 ends with ENDLIST after its sender stops" wait_until $((IDLE_S + 5)) ended "$(pl ts1)"
i=0; while kill -0 "$S2" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
check "av2 ends with ENDLIST after its sender stops" wait_until $((IDLE_S + 5)) ended "$(pl av2)"
check "the idle drop is logged" grep -q 'ts1\] publisher sent no media for' "$ORIGIN_LOG"

# 4. A second session on the same registrations, through a lossy, reordering
#    relay (1% lost, 3% swapped with the next packet): both go live again and
#    their segments stay readable.
R1=$(free_pair); RV=$(free_pair); RA=$(free_pair)
python3 "$RELAY" 0.01 0.03 "$R1:$P1" "$RV:$V" "$RA:$A" >"$T_DIR/relay.log" 2>&1 &
RELAY_PID=$!; track $RELAY_PID
check "the relay is up" wait_until 5 grep -q 'relay ready' "$T_DIR/relay.log"
"$FFMPEG" -nostdin -loglevel warning -re -i "$T_DIR/in.flv" -c copy -f rtp_mpegts "rtp://127.0.0.1:$R1" >"$T_DIR/ts1b.log" 2>&1 &
S1=$!; track $S1
"$FFMPEG" -nostdin -loglevel warning -re -i "$T_DIR/in.flv" -map 0:v -c copy -f rtp "rtp://127.0.0.1:$RV" \
	-map 0:a -c copy -f rtp "rtp://127.0.0.1:$RA" >"$T_DIR/av2b.log" 2>&1 &
S2=$!; track $S2
check "ts1 is live again, over loss and reordering" wait_until 10 sh -c "! curl -sf '$(pl ts1)' | grep -q ENDLIST && curl -sf '$(pl ts1)' | grep -q EXTINF"
check "av2 is live again, over loss and reordering" wait_until 10 sh -c "! curl -sf '$(pl av2)' | grep -q ENDLIST && curl -sf '$(pl av2)' | grep -q EXTINF"
seq_a=$(curl -sf "$(pl av2)" | sed -n 's/^#EXT-X-MEDIA-SEQUENCE://p')
sleep 8
seq_b=$(curl -sf "$(pl av2)" | sed -n 's/^#EXT-X-MEDIA-SEQUENCE://p')
n_b=$(curl -sf "$(pl av2)" | grep -c '^#EXTINF')
check "av2 keeps making segments under loss ($n_b in the window)" test "$n_b" -ge 3
check "ffprobe reads every segment made under loss (ts1)" probe_all "$(pl ts1)" ts1b
check "ffprobe reads every segment made under loss (av2)" probe_all "$(pl av2)" av2b
echo "# av2 media sequence $seq_a -> $seq_b"
check "the origin is still up" kill -0 "$ORIGIN_PID"
stop_pid "$S1"; stop_pid "$S2"; stop_pid "$RELAY_PID"
grep 'relay:' "$T_DIR/relay.log" | sed 's/^/# /'

# 5. Refusals.
printf 'v=0\r\nm=video 80 RTP/AVP 33\r\n' >"$T_DIR/bad.sdp"
cdnctl key rtp "$ID2" --sdp "$T_DIR/bad.sdp" >/dev/null 2>"$T_DIR/bad.err"
check "a bad SDP is refused" test $? -ne 0
check "the refusal says why" grep -q '1024 to 65534' "$T_DIR/bad.err"
check "the earlier registration is untouched" sh -c "\"$CDNCTL_BIN\" -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' key rtp-show $ID2 | cmp -s - '$T_DIR/av2.sdp' || \"$CDNCTL_BIN\" -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' key rtp-show $ID2 | grep -q MPEG4-GENERIC"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $(cat "$TOKEN_FILE")" "$ORIGIN_URL/api/v1/keys/999/rtp")
check "an unknown key gets 404 ($code)" test "$code" = 404
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$ORIGIN_URL/api/v1/keys/$ID1/rtp")
check "no token gets 401 ($code)" test "$code" = 401
sed "s/m=video $V /m=video $P1 /" "$T_DIR/av2.sdp" >"$T_DIR/clash.sdp"
cdnctl key rtp "$ID2" --sdp "$T_DIR/clash.sdp" >/dev/null 2>"$T_DIR/clash.err"
check "another registration's port is refused" grep -q "another RTP ingest" "$T_DIR/clash.err"

# Opus audio cannot be packaged: dropped with a log line, the video goes on.
K3=$(new_key acme op3)
ID3=$(key_id op3)
OV=$(free_pair); OA=$(free_pair)
[ "$OA" = "$OV" ] && OA=$(free_pair)
"$FFMPEG" -nostdin -loglevel error -y -i "$T_DIR/in.flv" -t 0.2 -map 0:v -c copy -f rtp "rtp://127.0.0.1:$OV" \
	-map 0:a -c:a libopus -f rtp "rtp://127.0.0.1:$OA" -sdp_file "$T_DIR/op3.sdp" >/dev/null 2>&1
check "cdnctl registers an H.264 + Opus SDP" sh -c "\"$CDNCTL_BIN\" -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' key rtp $ID3 --sdp '$T_DIR/op3.sdp' >/dev/null"
"$FFMPEG" -nostdin -loglevel warning -re -i "$T_DIR/in.flv" -t 6 -map 0:v -c copy -f rtp "rtp://127.0.0.1:$OV" \
	-map 0:a -c:a libopus -t 6 -f rtp "rtp://127.0.0.1:$OA" >"$T_DIR/op3.log" 2>&1 &
S3=$!; track $S3
check "the H.264 + Opus stream publishes its video" wait_until 8 has_segments "$(pl op3)"
check "Opus is refused with a clear log line" grep -q 'op3\] track [0-9]*: Opus cannot be packaged' "$ORIGIN_LOG"
check "op3's master playlist names H.264 only" sh -c "curl -sf '$ORIGIN_URL/hls/op3/master.m3u8' | grep -q 'CODECS=\"avc1\.[0-9a-f]*\"'"
stop_pid "$S3"

# 6. Survives a restart: the registrations are files.
kill -TERM "$ORIGIN_PID"
i=0; while kill -0 "$ORIGIN_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
wait "$ORIGIN_PID"
check "the origin exits 0 on SIGTERM with RTP ingests listening" test $? -eq 0
LOG1=$ORIGIN_LOG
mv "$ORIGIN_LOG" "$T_DIR/o.first.log"; LOG1="$T_DIR/o.first.log"
start_origin o -o rtp_address=127.0.0.1 -o publisher_idle_timeout=${IDLE_S}s -o segment_grace=30s -o republish_grace=0
check "ts1's RTP ingest is back after a restart" sh -c "\"$CDNCTL_BIN\" -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' key rtp-show $ID1 | cmp -s - '$T_DIR/ts1.sdp'"
"$FFMPEG" -nostdin -loglevel warning -re -i "$T_DIR/in.flv" -t 6 -c copy -f rtp_mpegts "rtp://127.0.0.1:$P1" >"$T_DIR/ts1c.log" 2>&1 &
S1=$!; track $S1
check "and it publishes" wait_until 8 has_segments "$(pl ts1)"

# 7. Removal and revocation.
check "cdnctl key rtp-remove" sh -c "\"$CDNCTL_BIN\" -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' key rtp-remove $ID2 >/dev/null"
check "the removed SDP file is gone" test ! -f "$O_DATA/rtp/$ID2.sdp"
check "rtp-show after removal fails" sh -c "! \"$CDNCTL_BIN\" -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' key rtp-show $ID2 2>/dev/null"
check "cdnctl revokes ts1's key" sh -c "\"$CDNCTL_BIN\" -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' key revoke $ID1 >/dev/null"
check "the revoked key's RTP stream ends" wait_until 5 ended "$(pl ts1)"
check "its RTP ingest stops" wait_until 5 grep -q "key $ID1 is revoked or gone: RTP ingest stopped" "$ORIGIN_LOG"
stop_pid "$S1"
kill -TERM "$ORIGIN_PID"
i=0; while kill -0 "$ORIGIN_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
wait "$ORIGIN_PID"
check "the restarted origin exits 0" test $? -eq 0
check "no sanitizer report or runtime error in the origin logs" sh -c \
	"! grep -Eqi 'sanitizer|runtime error|heap-use|leak of|assert' '$LOG1' '$ORIGIN_LOG'"
check "the secret keys are not in the logs" sh -c "! grep -q -e '$K1' -e '$K2' -e '$K3' '$LOG1' '$ORIGIN_LOG'"
t_done
