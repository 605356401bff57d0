#!/bin/sh
# limits: each configurable limit of cdn-origin and cdn-announce biting, with
# a clear answer for the client, a log line or a counter, while everyone
# else is still served (docs/operations.md, "Limits"). The edge's own are in
# edge_abuse.sh; they run on the same code (common/http_guard.c).
#   origin HTTP: http_max_per_ip and http_max_connections (closed at accept,
#     cdn_origin_http_refused_total), http_max_header_bytes (431),
#     http_max_url_bytes (414), http_max_body_bytes (413, announced or
#     chunked), http_timeout against slow-loris heads and trickled bodies;
#   origin RTMP: max_publishers (the N+1th real ffmpeg publisher is refused
#     with "Server full" while the first N keep making segments) and
#     rtmp_max_per_ip;
#   cdn-announce: its HTTP limits, and its control socket's bounds.
# A second client address is 127.0.0.2 (loopback only). Every wait is
# bounded; raw clients are python3's standard library.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" curl python3
ANN="$top_builddir/announce/cdn-announce"
CTL="$top_builddir/tools/cdnctl"
T_START=$(date +%s)

now_ms() { date +%s%3N; }
within() {
	wi_end=$(( $(now_ms) + $1 * 1000 )); shift
	while :; do
		"$@" 2>/dev/null && return 0
		[ "$(now_ms)" -ge "$wi_end" ] && return 1
		sleep 0.1
	done
}
metric_ge() { v=$(metric_at "$1" "$2"); test -n "$v" && test "$v" -ge "$3"; }

cat >"$T_DIR/raw.py" <<'EOF'
import os, select, socket, sys, time

mode, port = sys.argv[1], int(sys.argv[2])
args = sys.argv[3:]
SRC = os.environ.get("SRC", "127.0.0.1")
GET = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def conn(src=SRC, timeout=5.0):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(src, 0))


def exchange(data, src=SRC, timeout=5.0):
    """Send data, read until the peer closes: the status code, or refused/closed/reset/timeout."""
    try:
        s = conn(src, timeout)
    except OSError:
        return "refused"
    try:
        s.sendall(data)
    except OSError:
        pass
    buf, how = b"", "closed"
    end = time.time() + timeout
    try:
        while time.time() < end:
            d = s.recv(65536)
            if not d:
                break
            buf += d
        else:
            how = "timeout"
    except socket.timeout:
        how = "timeout"
    except OSError:
        how = "reset"
    s.close()
    if buf.startswith(b"HTTP/"):
        return buf.split(b" ", 2)[1].decode()
    return how


def normal_get(src=SRC, timeout=5.0):
    t = time.time()
    return exchange(GET, src, timeout), time.time() - t


if mode == "limit":  # limit SRC:N,... EXTRA_SRC OTHER_SRC: hold, one more, another address
    socks = []
    for part in args[0].split(","):
        src, n = part.split(":")
        socks += [conn(src) for _ in range(int(n))]
    time.sleep(0.5)
    r, _, _ = select.select(socks, [], [], 0.3)
    print("held %d of %d" % (len(socks) - len(r), len(socks)))
    print("extra " + exchange(GET, args[1], 3.0))
    print("other " + (exchange(GET, args[2], 3.0) if args[2] != "-" else "-"))
    for s in socks:
        s.close()
    time.sleep(0.5)
    print("after %s %.2f" % normal_get(args[1]))
elif mode == "bighead":  # bighead KIB
    hdrs = b"".join(b"X-Big-%d: %s\r\n" % (i, b"b" * 1000) for i in range(int(args[0])))
    print(exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + hdrs + b"Connection: close\r\n\r\n"))
elif mode == "req":  # req PATH: a GET of a raw path
    print(exchange(b"GET " + args[0].encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
elif mode == "slowloris":  # slowloris N SECS [body]: N clients, a head (or body) byte a second
    n, secs = int(args[0]), float(args[1])
    if len(args) > 2 and args[2] == "body":
        first = b"POST /api/v1/accounting HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
    else:
        first = b""
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 4096
    socks = [conn() for _ in range(n)]
    for s in socks:
        if first:
            s.sendall(first)
        s.setblocking(False)
    closed, worst, served, t0, pos = {}, 0.0, 0, time.time(), 0
    while time.time() - t0 < secs and len(closed) < n:
        for i, s in enumerate(socks):
            if i in closed:
                continue
            try:
                if s.recv(4096) == b"":
                    closed[i] = time.time() - t0
                    continue
            except BlockingIOError:
                pass
            except OSError:
                closed[i] = time.time() - t0
                continue
            try:
                s.send(head[pos:pos + 1] if not first else b"b")
            except BlockingIOError:
                pass
            except OSError:
                closed[i] = time.time() - t0
        pos += 1
        c, dt = normal_get(os.environ.get("NORMAL_SRC", SRC))
        served += c == "200"
        worst = max(worst, dt)
        time.sleep(max(0.0, 1.0 - dt))
    last = max(closed.values()) if closed else -1
    print("closed %d of %d last %.1f" % (len(closed), n, last))
    print("normal %d of %d slowest %.2f" % (served, pos, worst))
elif mode == "tcp":  # tcp: connect from SRC, say nothing: closed at once, or open for 1.5 s
    try:
        s = conn()
    except OSError:
        print("refused")
        sys.exit(0)
    s.settimeout(1.5)
    try:
        print("closed" if s.recv(100) == b"" else "data")
    except socket.timeout:
        print("open")
    except OSError:
        print("reset")
    s.close()
elif mode == "unix":  # unix PATH N: N silent clients of a UNIX socket: seconds until closed
    socks = []
    for _ in range(int(args[0])):
        s = socket.socket(socket.AF_UNIX)
        s.connect(args[1])
        s.settimeout(6)
        socks.append(s)
    t, worst = time.time(), 0.0
    for s in socks:
        try:
            s.recv(10)
            worst = max(worst, time.time() - t)
        except OSError:
            worst = 99
    print("closed %.1f" % worst)
EOF
# raw MODE PORT [ARGS]
raw() { timeout 60 python3 "$T_DIR/raw.py" "$@"; }
is_refusal() { case $1 in refused|closed|reset) return 0;; *) return 1;; esac; }

# ==== origin HTTP: connections, sizes =========================================================
start_origin http -o http_max_per_ip=4 -o http_max_connections=12 -o http_timeout=10s \
	-o http_max_header_bytes=16K -o http_max_url_bytes=2K -o http_max_body_bytes=64K
O=$ORIGIN_URL; OP=$HTTP_PORT; OLOG=$ORIGIN_LOG; OPID=$ORIGIN_PID
check "-t prints the limits' defaults" sh -c "'$ORIGIN_BIN' -t 2>/dev/null | grep -qx 'http_max_body_bytes 4M' && \
	'$ORIGIN_BIN' -t 2>/dev/null | grep -qx 'max_publishers 500' && '$ORIGIN_BIN' -t 2>/dev/null | grep -qx 'rtmp_max_per_ip 200'"

raw limit "$OP" 127.0.0.1:4 127.0.0.1 127.0.0.2 >"$T_DIR/perip.out"; sed 's/^/    per-ip: /' "$T_DIR/perip.out"
check "http_max_per_ip=4: 4 connections from 127.0.0.1 are held" grep -qx 'held 4 of 4' "$T_DIR/perip.out"
e=$(sed -n 's/^extra //p' "$T_DIR/perip.out")
check "a 5th from 127.0.0.1 is closed at accept, unanswered ($e)" is_refusal "$e"
check "meanwhile 127.0.0.2 is served ($(sed -n 's/^other //p' "$T_DIR/perip.out"))" grep -qx 'other 200' "$T_DIR/perip.out"
check "once they close, 127.0.0.1 is served again" grep -q '^after 200 ' "$T_DIR/perip.out"
check "counted: cdn_origin_http_refused_total{reason=\"per_ip\"} >= 1" \
	metric_ge "$O" 'cdn_origin_http_refused_total{reason="per_ip"}' 1
check "logged: 'http_max_per_ip (4) reached'" within 3 grep -q 'refused 1 connection(s): http_max_per_ip (4) reached' "$OLOG"

raw limit "$OP" 127.0.0.1:4,127.0.0.2:4,127.0.0.3:4 127.0.0.4 - >"$T_DIR/total.out"; sed 's/^/    total: /' "$T_DIR/total.out"
check "http_max_connections=12: 12 connections from 3 addresses are held" grep -qx 'held 12 of 12' "$T_DIR/total.out"
e=$(sed -n 's/^extra //p' "$T_DIR/total.out")
check "a 13th (from 127.0.0.4) is closed at accept, unanswered ($e)" is_refusal "$e"
check "once they close, a new client is served" grep -q '^after 200 ' "$T_DIR/total.out"
check "counted: cdn_origin_http_refused_total{reason=\"max_connections\"} >= 1" \
	metric_ge "$O" 'cdn_origin_http_refused_total{reason="max_connections"}' 1
check "logged: 'http_max_connections (12) reached'" within 3 grep -q 'http_max_connections (12) reached' "$OLOG"

r=$(raw bighead "$OP" 32)
check "a 32 KiB request head over http_max_header_bytes=16K: 431 or 400 ($r)" sh -c "test '$r' = 431 || test '$r' = 400"
r=$(raw bighead "$OP" 1024)
check "a 1 MiB request head: 431, 400 or closed ($r)" sh -c "case '$r' in 431|400|closed|reset) exit 0;; *) exit 1;; esac"
r=$(raw bighead "$OP" 8)
check "an 8 KiB request head is served: 200 ($r)" test "$r" = 200
LONG=$(head -c 3000 /dev/zero | tr '\0' q)
r=$(raw req "$OP" "/hls/cam/index.m3u8?a=$LONG")
check "a 3000-byte target over http_max_url_bytes=2K: 414 ($r)" test "$r" = 414
r=$(raw req "$OP" "/healthz?a=$(head -c 1500 /dev/zero | tr '\0' q)")
check "a 1500-byte target is served: 200 ($r)" test "$r" = 200
check "counted: cdn_origin_http_refused_total{reason=\"url_too_long\"} >= 1" \
	metric_ge "$O" 'cdn_origin_http_refused_total{reason="url_too_long"}' 1
head -c 100000 /dev/zero >"$T_DIR/100k"
c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --data-binary @"$T_DIR/100k" "$O/api/v1/accounting")
check "a 100 KB POST over http_max_body_bytes=64K: 413 ($c)" test "$c" = 413
c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'Expect:' -H 'Transfer-Encoding: chunked' \
	--data-binary @"$T_DIR/100k" "$O/api/v1/accounting")
check "the same body chunked (no length announced): 413 ($c)" test "$c" = 413
head -c 1000 /dev/zero | tr '\0' a >"$T_DIR/1k"
c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --data-binary @"$T_DIR/1k" "$O/api/v1/accounting")
check "a 1 KB POST is read and judged (401 without the token, not 413) ($c)" test "$c" = 401
check "counted: cdn_origin_http_refused_total{reason=\"body_too_large\"} >= 2" \
	metric_ge "$O" 'cdn_origin_http_refused_total{reason="body_too_large"}' 2
check "the origin still answers /healthz" test "$(http_code "$O/healthz")" = 200

# ==== origin: slow clients, publishers, RTMP per address ==========================================
start_origin live -o http_timeout=2s -o max_publishers=2 -o rtmp_max_per_ip=3 -o segment_target=1s
OP=$HTTP_PORT; O=$ORIGIN_URL
raw slowloris "$OP" 20 10 >"$T_DIR/slow.out" 2>&1; sed 's/^/    slowloris: /' "$T_DIR/slow.out"
check "20 slow-loris heads (a byte a second) are cut after http_timeout=2s, within 6 s ($(head -1 "$T_DIR/slow.out"))" \
	awk '$1 == "closed" && $2 == 20 && $6 >= 1.5 && $6 <= 6 { ok = 1 } END { exit !ok }' "$T_DIR/slow.out"
check "meanwhile a normal client was served every time, each within 2 s ($(sed -n 2p "$T_DIR/slow.out"))" \
	awk '$1 == "normal" && $2 > 0 && $2 == $4 && $6 < 2 { ok = 1 } END { exit !ok }' "$T_DIR/slow.out"
raw slowloris "$OP" 5 10 body >"$T_DIR/slowbody.out" 2>&1; sed 's/^/    slow body: /' "$T_DIR/slowbody.out"
check "5 POST bodies trickled a byte a second are cut by the same deadline ($(head -1 "$T_DIR/slowbody.out"))" \
	awk '$1 == "closed" && $2 == 5 && $6 <= 6 { ok = 1 } END { exit !ok }' "$T_DIR/slowbody.out"
check "counted: cdn_origin_http_refused_total{reason=\"slow_request\"} >= 25" \
	metric_ge "$O" 'cdn_origin_http_refused_total{reason="slow_request"}' 25
check "logged: 'request head was not in within http_timeout'" grep -q 'was not in within http_timeout' "$ORIGIN_LOG"

K1=$(new_key acme one); K2=$(new_key acme two); K3=$(new_key acme three)
check "three stream keys" test -n "$K1" -a -n "$K2" -a -n "$K3"
publish_live "$K1" 60; P1=$PUB_PID
publish_live "$K2" 60; P2=$PUB_PID
check "publisher 1 of max_publishers=2 is live" wait_until 20 has_segments "$O/hls/one/index.m3u8"
check "publisher 2 of max_publishers=2 is live" wait_until 20 has_segments "$O/hls/two/index.m3u8"
newest() {
	curl -sf --max-time 3 "$1" | awk -F: '/^#EXT-X-MEDIA-SEQUENCE:/ { s = $2 }
		/^#EXTINF/ { n++ } END { print (n ? s + n - 1 : -1) }'
}
S1=$(newest "$O/hls/one/index.m3u8"); S2=$(newest "$O/hls/two/index.m3u8")
timeout 20 "$FFMPEG" -nostdin -loglevel error -re -f lavfi -i "testsrc2=size=320x240:rate=25" -t 10 \
	-c:v libx264 -preset veryfast -g 25 -f flv "rtmp://127.0.0.1:$RTMP_PORT/live/$K3" >"$T_DIR/third.log" 2>&1
rc=$?
check "the 3rd publisher is refused: ffmpeg fails (rc $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "and is told why ($(grep -o 'Server full[^"]*' "$T_DIR/third.log" | head -1))" grep -q 'Server full' "$T_DIR/third.log"
check "logged: 'publish refused: max_publishers (2) reached'" grep -q 'publish refused: max_publishers (2) reached' "$ORIGIN_LOG"
check "counted: cdn_origin_rtmp_rejects_total{reason=\"max_publishers\"} >= 1" \
	metric_ge "$O" 'cdn_origin_rtmp_rejects_total{reason="max_publishers"}' 1
check "no stream 'three'" test "$(http_code "$O/hls/three/index.m3u8")" = 404
newer() { test "$(newest "$1")" -gt "$2"; }
check "publisher 1 keeps making segments ($S1 -> ...)" wait_until 8 newer "$O/hls/one/index.m3u8" "$S1"
check "publisher 2 keeps making segments ($S2 -> ...)" wait_until 8 newer "$O/hls/two/index.m3u8" "$S2"
check "both publishers are still connected" kill -0 "$P1" "$P2"
check "the publisher gauge is 2" test "$(metric_at "$O" cdn_origin_publishers)" = 2

# rtmp_max_per_ip=3: the two publishers come from 127.0.0.1, one more may.
SRC=127.0.0.1 raw tcp "$RTMP_PORT" >"$T_DIR/r1" &
R1PID=$!
track $R1PID
sleep 0.3
r2=$(SRC=127.0.0.1 raw tcp "$RTMP_PORT")
r3=$(SRC=127.0.0.2 raw tcp "$RTMP_PORT")
wait $R1PID
check "rtmp_max_per_ip=3: a 3rd connection from 127.0.0.1 (beside the 2 publishers) is accepted ($(cat "$T_DIR/r1"))" \
	grep -qx open "$T_DIR/r1"
check "rtmp_max_per_ip=3: a 4th RTMP connection from 127.0.0.1 is closed at accept ($r2)" is_refusal "$r2"
check "one from 127.0.0.2 is accepted (open, waiting for the handshake) ($r3)" test "$r3" = open
check "counted: cdn_origin_rtmp_rejects_total{reason=\"per_ip\"} >= 1" \
	metric_ge "$O" 'cdn_origin_rtmp_rejects_total{reason="per_ip"}' 1
check "logged: 'rtmp_max_per_ip (3) reached'" within 3 grep -q 'rtmp_max_per_ip (3) reached' "$ORIGIN_LOG"
check "the publishers are untouched" kill -0 "$P1" "$P2"
stop_pid "$P1"; stop_pid "$P2"
check "no assertion, sanitizer report or crash in the origin logs" sh -c \
	"! grep -Eqi 'assert|sanitizer|runtime error' '$OLOG' '$ORIGIN_LOG'"
check "both origins still run" kill -0 "$OPID" "$ORIGIN_PID"

# ==== cdn-announce: HTTP and the control socket ===================================================
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SOCK="$T_DIR/ctl.sock"
"$ANN" -o router_id=192.0.2.2 -o local_as=65010 -o prefix=203.0.113.10/32 \
	-o "peer=127.0.0.1 as 65000 port $DEAD" -o "health_url=http://127.0.0.1:$DEAD/healthz" \
	-o "drain_file=$T_DIR/edge.drain" -o "control_socket=$SOCK" -o http_listen=127.0.0.1:0 \
	-o http_max_per_ip=3 -o http_max_connections=5 -o http_timeout=2s -o http_max_header_bytes=8K \
	>"$T_DIR/ann.log" 2>&1 &
APID=$!
track $APID
check "cdn-announce starts" wait_until 5 grep -q 'HTTP on port' "$T_DIR/ann.log"
AP=$(sed -n 's/.*HTTP on port \([0-9]*\).*/\1/p' "$T_DIR/ann.log" | head -1)
AURL="http://127.0.0.1:$AP"
raw limit "$AP" 127.0.0.1:3 127.0.0.1 127.0.0.2 >"$T_DIR/aperip.out"; sed 's/^/    announce per-ip: /' "$T_DIR/aperip.out"
e=$(sed -n 's/^extra //p' "$T_DIR/aperip.out")
check "announce http_max_per_ip=3: a 4th from 127.0.0.1 is closed at accept ($e), 127.0.0.2 served" \
	sh -c "grep -qx 'held 3 of 3' '$T_DIR/aperip.out' && grep -qx 'other 200' '$T_DIR/aperip.out' && case '$e' in refused|closed|reset) exit 0;; *) exit 1;; esac"
raw limit "$AP" 127.0.0.1:3,127.0.0.2:2 127.0.0.3 - >"$T_DIR/atotal.out"; sed 's/^/    announce total: /' "$T_DIR/atotal.out"
e=$(sed -n 's/^extra //p' "$T_DIR/atotal.out")
check "announce http_max_connections=5: a 6th is closed at accept ($e), then served again" \
	sh -c "grep -qx 'held 5 of 5' '$T_DIR/atotal.out' && grep -q '^after 200 ' '$T_DIR/atotal.out' && case '$e' in refused|closed|reset) exit 0;; *) exit 1;; esac"
r=$(raw bighead "$AP" 16)
check "announce: a 16 KiB head over http_max_header_bytes=8K: 431 or 400 ($r)" sh -c "test '$r' = 431 || test '$r' = 400"
NORMAL_SRC=127.0.0.2 raw slowloris "$AP" 3 8 >"$T_DIR/aslow.out" 2>&1; sed 's/^/    announce slowloris: /' "$T_DIR/aslow.out"
check "announce: 3 slow-loris heads are cut after http_timeout=2s, a normal client served meanwhile" \
	sh -c "awk '\$1 == \"closed\" && \$2 == 3 && \$6 <= 6 { ok = 1 } END { exit !ok }' '$T_DIR/aslow.out' && \
	awk '\$1 == \"normal\" && \$2 > 0 && \$2 == \$4 { ok = 1 } END { exit !ok }' '$T_DIR/aslow.out'"
check "announce: refusals counted in cdn_announce_http_refused_total" sh -c \
	"test $(metric_at "$AURL" 'cdn_announce_http_refused_total{reason="per_ip"}') -ge 1 -a \
	$(metric_at "$AURL" 'cdn_announce_http_refused_total{reason="max_connections"}') -ge 1 -a \
	$(metric_at "$AURL" 'cdn_announce_http_refused_total{reason="slow_request"}') -ge 3"
# The control socket: 16 clients at most, a command line within 2 s.
raw unix 0 16 "$SOCK" >"$T_DIR/unix.out" 2>&1 &
UPID=$!
track $UPID
sleep 0.3
t0=$(now_ms)
"$CTL" --announce-socket "$SOCK" announce status >"$T_DIR/astatus.out" 2>&1
rc=$?; t1=$(now_ms)
wait $UPID
check "control socket: with 16 silent clients holding every slot, status still answers once they are dropped ($((t1 - t0)) ms, rc $rc)" \
	test "$rc" -eq 0 -a $((t1 - t0)) -lt 5000
check "the 16 silent clients were dropped after about 2 s ($(cat "$T_DIR/unix.out"))" \
	awk '$1 == "closed" && $2 >= 1.5 && $2 <= 4 { ok = 1 } END { exit !ok }' "$T_DIR/unix.out"
check "cdn-announce still answers /healthz" sh -c "curl -s --max-time 3 '$AURL/healthz' | grep -q '\"role\":\"announce\"'"
check "cdn-announce is still running" kill -0 "$APID"

T_END=$(date +%s)
check "finished in under 150 s ($((T_END - T_START)) s)" test $((T_END - T_START)) -lt 150
t_done
