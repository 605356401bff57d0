#!/bin/sh
# origin_rtmps: RTMP over TLS. The test makes its own CA and a server
# certificate for 127.0.0.1/localhost with openssl. `cdn-origin -t` refuses a
# certificate without its key, a missing file and a key of another
# certificate; with no certificate RTMPS is off. A real ffmpeg publishes to
# rtmps:// with certificate verification on, and the HLS output is checked
# with ffprobe (H.264 + AAC). While it streams: a client trusting another CA
# cannot publish, plain RTMP sent to the RTMPS port is refused and logged,
# and a TLS client that stops in the middle of its handshake (or never
# starts it) is dropped by handshake_timeout; the good stream goes on
# through all of it. Last, SIGHUP swaps in a certificate from another CA,
# and a bad pair on SIGHUP keeps the current one. About 40 s.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl openssl python3
POKE="$top_builddir/tests/tools/rtmp_poke"

# ---- a test PKI --------------------------------------------------------------
# mkca NAME: a self-signed CA in NAME.pem / NAME.key
mkca() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=cdn test $1" \
		-keyout "$T_DIR/$1.key" -out "$T_DIR/$1.pem" 2>/dev/null
}
# mkleaf CA NAME: a server certificate for 127.0.0.1 and localhost, signed by CA
mkleaf() {
	printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' 'basicConstraints=CA:FALSE' \
		'keyUsage=digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' \
		>"$T_DIR/leaf.ext"
	openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
		-keyout "$T_DIR/$2.key" -out "$T_DIR/$2.csr" 2>/dev/null &&
	openssl x509 -req -days 2 -in "$T_DIR/$2.csr" -CA "$T_DIR/$1.pem" -CAkey "$T_DIR/$1.key" \
		-CAcreateserial -extfile "$T_DIR/leaf.ext" -out "$T_DIR/$2.pem" 2>/dev/null
}
mkca ca && mkleaf ca srv && mkca ca2 && mkleaf ca2 srv2
check "test CAs and server certificates made" test -s "$T_DIR/srv.pem" -a -s "$T_DIR/srv2.pem"
CERT="$T_DIR/live.pem"
KEYF="$T_DIR/live.key"
cp "$T_DIR/srv.pem" "$CERT" && cp "$T_DIR/srv.key" "$KEYF"

# ---- cdn-origin -t ------------------------------------------------------------
# t_err NAME -o ...: run -t, keep stderr in NAME.err; succeeds when -t failed
t_err() {
	n=$1; shift
	! "$ORIGIN_BIN" -t "$@" >/dev/null 2>"$T_DIR/$n.err"
}
one_line() { test "$(wc -l <"$1")" -eq 1; }
check "-t refuses a certificate without a key" t_err nokey -o rtmps_cert="$CERT"
check "  and says the key is missing, in one line" sh -c \
	"grep -q 'rtmps_key is not set' '$T_DIR/nokey.err' && test \$(wc -l <'$T_DIR/nokey.err') -eq 1"
check "-t refuses an unreadable key file" t_err nofile -o rtmps_cert="$CERT" -o rtmps_key="$T_DIR/nope.key"
check "  and names the file and the reason" grep -q "rtmps_key $T_DIR/nope.key: No such file" "$T_DIR/nofile.err"
check "-t refuses a key that is not the certificate's" t_err mismatch -o rtmps_cert="$CERT" -o rtmps_key="$T_DIR/srv2.key"
check "  and says it does not match" grep -q 'does not match the certificate' "$T_DIR/mismatch.err"
check "  in one line" one_line "$T_DIR/mismatch.err"
check "-t refuses a key given as the certificate" t_err notcert -o rtmps_cert="$KEYF" -o rtmps_key="$KEYF"
t_ok() { "$ORIGIN_BIN" -t "$@" >"$T_DIR/t_ok.conf" 2>&1; }
check "-t accepts the right pair" t_ok -o rtmps_cert="$CERT" -o rtmps_key="$KEYF" -o rtmps_listen=127.0.0.1:0
check "  and prints it" grep -qx "rtmps_cert $CERT" "$T_DIR/t_ok.conf"
check "the key is never printed by -t" sh -c "! '$ORIGIN_BIN' -t -o rtmps_cert='$CERT' -o rtmps_key='$KEYF' 2>&1 | grep -q 'PRIVATE KEY'"

# ---- no certificate: RTMPS is off ------------------------------------------------
start_origin plain
check "without rtmps_cert the origin logs that RTMPS is off" grep -q 'INFO RTMPS off' "$ORIGIN_LOG"
check "  and opens no RTMPS port" sh -c "! grep -q 'RTMPS on port' '$ORIGIN_LOG'"
stop_pid "$ORIGIN_PID"

# ---- RTMPS ----------------------------------------------------------------------
start_origin tls -o republish_grace=0 -o rtmps_listen=127.0.0.1:0 -o rtmps_cert="$CERT" -o rtmps_key="$KEYF" \
	-o handshake_timeout=2s -o playlist_window=4 -o segment_target=2s
RTMPS_PORT=$(sed -n 's/.*RTMPS on port \([0-9]*\).*/\1/p' "$ORIGIN_LOG" | head -1)
check "the origin logs its RTMPS port" test -n "$RTMPS_PORT"
KEY=$(new_key acme cam1)
KEY2=$(new_key acme cam2)
check "keys were created" test -n "$KEY" -a -n "$KEY2"
make_media "$T_DIR/in.flv" 24
make_media "$T_DIR/short.flv" 4

# rtmps_pub FILE KEY CAFILE LOG: ffmpeg -re -c copy over TLS, verifying the
# server's certificate against CAFILE (and its name, 127.0.0.1)
rtmps_pub() {
	"$FFMPEG" -nostdin -loglevel warning -re -i "$1" -c copy -f flv \
		-tls_verify 1 -ca_file "$3" "rtmps://127.0.0.1:$RTMPS_PORT/live/$2" >"$4" 2>&1
}
rtmps_pub "$T_DIR/in.flv" "$KEY" "$T_DIR/ca.pem" "$T_DIR/pub.log" &
PUB_PID=$!
track $PUB_PID
PL="$ORIGIN_URL/hls/cam1/index.m3u8"
check "ffmpeg publishes over rtmps with verification: playlist within 8 s" wait_until 8 has_segments "$PL"
# newest: the sequence number of the newest segment of cam1, or -1
newest() {
	curl -sf --max-time 3 "$PL" | awk -F: '/^#EXT-X-MEDIA-SEQUENCE:/ { s = $2 }
		/^#EXTINF/ { n++ } END { print (n ? s + n - 1 : -1) }'
}
newer_than() { test "$(newest)" -gt "$1"; }
failures_above() { test "$(metric_at "$ORIGIN_URL" cdn_origin_rtmps_handshake_failures_total)" -gt "$1"; }
SEQ0=$(newest)

# A client that trusts another CA must not get to publish.
timeout 20 "$FFMPEG" -nostdin -loglevel warning -re -i "$T_DIR/short.flv" -c copy -f flv \
	-tls_verify 1 -ca_file "$T_DIR/ca2.pem" "rtmps://127.0.0.1:$RTMPS_PORT/live/$KEY2" \
	>"$T_DIR/wrongca.log" 2>&1
rc=$?
check "a client trusting another CA fails (rc $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "  because of the certificate" grep -qi 'verif' "$T_DIR/wrongca.log"
check "  and nothing was published" test "$(http_code "$ORIGIN_URL/hls/cam2/index.m3u8")" = 404

# Plain RTMP to the RTMPS port: refused at once, logged with the peer and
# OpenSSL's reason, counted.
F0=$(metric_at "$ORIGIN_URL" cdn_origin_rtmps_handshake_failures_total)
timeout 20 "$FFMPEG" -nostdin -loglevel warning -re -i "$T_DIR/short.flv" -c copy -f flv \
	"rtmp://127.0.0.1:$RTMPS_PORT/live/$KEY2" >"$T_DIR/plain.log" 2>&1
rc=$?
check "plain RTMP to the RTMPS port is refused (rc $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "  and logged at info with the peer and the reason" \
	grep -q 'INFO \[rtmps 127\.0\.0\.1:[0-9]*\] TLS handshake failed: wrong version number' "$ORIGIN_LOG"
check "  and counted" wait_until 3 failures_above "$F0"

# A TLS client that sends its ClientHello and then nothing more, and a TCP
# client that never starts TLS: both are dropped by handshake_timeout (2 s;
# the timer runs once a second).
cat >"$T_DIR/stall.py" <<'EOF'
import socket, ssl, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
rd, wr = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(rd, wr, server_side=False)
try:
    tls.do_handshake()
except ssl.SSLWantReadError:
    pass
s.sendall(wr.read())          # the ClientHello; the handshake never goes on
t0 = time.monotonic()
got = 0
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        got += len(d)
except ConnectionResetError:
    pass
print("closed after %.1f s, %d bytes of server handshake" % (time.monotonic() - t0, got))
sys.exit(0 if got > 0 and 1.5 <= time.monotonic() - t0 <= 4.5 else 1)
EOF
F1=$(metric_at "$ORIGIN_URL" cdn_origin_rtmps_handshake_failures_total)
python3 "$T_DIR/stall.py" "$RTMPS_PORT" >"$T_DIR/stall.out" 2>&1 &
STALL=$!
track $STALL
"$POKE" 127.0.0.1 "$RTMPS_PORT" silent 5 >"$T_DIR/silent.out" 2>&1
check "a TCP client that never starts TLS is dropped by the timer" test $? -eq 0
wait "$STALL"
check "a TLS handshake stalled after ClientHello is dropped after 2-4 s ($(cat "$T_DIR/stall.out"))" \
	grep -q '^closed after' "$T_DIR/stall.out"
check "  logged with the peer" wait_until 3 grep -q 'INFO \[rtmps 127\.0\.0\.1:[0-9]*\] TLS handshake not finished within 2000 ms' "$ORIGIN_LOG"
F2=$(metric_at "$ORIGIN_URL" cdn_origin_rtmps_handshake_failures_total)
check "  and both counted as handshake failures ($F1 -> $F2)" test "$F2" -ge $((F1 + 2))

# The good stream went on through all of it.
check "the good stream kept producing segments" wait_until 6 newer_than "$SEQ0"
check "metrics: one RTMPS connection open (the publisher)" \
	test "$(metric_at "$ORIGIN_URL" cdn_origin_rtmps_connections)" = 1
check "healthz ok" sh -c "curl -sf '$ORIGIN_URL/healthz' | grep -q '\"status\":\"ok\"'"

wait "$PUB_PID"; rc=$?
check "the rtmps publisher streamed to the end (rc $rc)" test "$rc" -eq 0
check "ENDLIST after the publisher stops" wait_until 5 sh -c "curl -sf '$PL' | grep -q EXT-X-ENDLIST"
SEG=$(curl -sf "$PL" | grep -v '^#' | sed -n 2p)
curl -sf "$ORIGIN_URL/hls/cam1/$SEG" -o "$T_DIR/seg.ts"
"$FFPROBE" -v error -show_entries stream=codec_name -of csv=p=0 "$T_DIR/seg.ts" >"$T_DIR/probe" 2>&1
check "ffprobe reads a segment: H.264" grep -qx h264 "$T_DIR/probe"
check "ffprobe reads a segment: AAC" grep -qx aac "$T_DIR/probe"
check "the publisher's log lines say rtmps" grep -q 'INFO \[rtmps 127\.0\.0\.1:[0-9]* cam1\] publish started' "$ORIGIN_LOG"
check "metrics count RTMPS connections" test "$(metric_at "$ORIGIN_URL" cdn_origin_rtmps_connections_total)" -ge 4
check "metrics: no RTMPS connection left open" \
	test "$(metric_at "$ORIGIN_URL" cdn_origin_rtmps_connections)" = 0

# ---- SIGHUP: a renewed certificate ------------------------------------------------
# Swap in the certificate of the other CA; SIGHUP rereads the files.
cp "$T_DIR/srv2.pem" "$CERT" && cp "$T_DIR/srv2.key" "$KEYF"
kill -HUP "$ORIGIN_PID"
check "SIGHUP reloads the certificate" wait_until 5 grep -q 'SIGHUP: RTMPS certificate and key reloaded' "$ORIGIN_LOG"
rtmps_pub "$T_DIR/short.flv" "$KEY2" "$T_DIR/ca2.pem" "$T_DIR/pub2.log"
rc=$?
check "after SIGHUP a client trusting the new CA publishes (rc $rc)" test "$rc" -eq 0
check "  and its stream was packaged" has_segments "$ORIGIN_URL/hls/cam2/index.m3u8"
# A bad pair on SIGHUP: the current certificate stays.
cp "$T_DIR/srv.key" "$KEYF"
kill -HUP "$ORIGIN_PID"
check "SIGHUP with a mismatched key keeps the current certificate" \
	wait_until 5 grep -q 'SIGHUP: keeping the previous RTMPS certificate: rtmps_key .* does not match' "$ORIGIN_LOG"
KEY3=$(new_key acme cam3)
rtmps_pub "$T_DIR/short.flv" "$KEY3" "$T_DIR/ca2.pem" "$T_DIR/pub3.log"
rc=$?
check "  and clients trusting it still publish (rc $rc)" test "$rc" -eq 0
check "the origin is still up" kill -0 "$ORIGIN_PID"

check "no secret key in the log" sh -c "! grep -q -e '$KEY' -e '$KEY2' -e '$KEY3' '$ORIGIN_LOG'"
check "no private key material in the log" sh -c "! grep -q 'PRIVATE KEY' '$ORIGIN_LOG'"
t_done
