#!/bin/sh
# edge_abuse: cdn-edge against bad and hostile viewers, with a live origin
# behind it. Each bad request gets the answer docs/edge.md gives it:
#   - paths with "..", "."-prefixed, empty or encoded components: 400;
#   - request heads over http_max_header_bytes: 431 (or closed);
#   - absurd, reversed, empty and multiple ranges: 416 or the whole body,
#     as common/http_range.h (RFC 9110 14.1-14.2) says;
#   - methods other than GET, HEAD, OPTIONS: 405 with Allow; OPTIONS: 204
#     with the CORS headers;
#   - queries with control characters or over 1 KiB: 400;
#   - a no-cache request on an unchanged object: one revalidation, not a loop;
#   - slow-loris clients are closed after http_timeout while a normal client
#     is served; past http_max_connections a connection is refused, and
#     service resumes once connections close;
# plus the operator's side: the drain file, SIGHUP reopening the access
# log, and `cdn-edge -t` (errors, the golden defaults, the round trip).
# At the end the edge still runs, answers /healthz and logged no crash.
# Raw requests are made with python3's standard library only.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" curl python3
T_START=$(date +%s)

now_ms() { date +%s%3N; }
# within SECONDS command...: like wait_until, bounded by the wall clock
within() {
	wi_end=$(( $(now_ms) + $1 * 1000 )); shift
	while :; do
		"$@" 2>/dev/null && return 0
		[ "$(now_ms)" -ge "$wi_end" ] && return 1
		sleep 0.1
	done
}
# code URL [curl args]: the status code (headers in $T_DIR/c.h, body in $T_DIR/c.b)
code() {
	co_u=$1; shift
	curl -s --max-time 8 -D "$T_DIR/c.h" -o "$T_DIR/c.b" -w '%{http_code}' "$@" "$co_u"
}
# hdr NAME: the value of a header of the last `code` response
hdr() { tr -d '\r' <"$T_DIR/c.h" | sed -n "s/^$1: *//Ip" | head -1; }
size_of() { wc -c <"$1" | tr -d ' '; }
healthz_is() { test "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$EDGE_URL/healthz")" = "$1"; }
metric_is() { test "$(metric_at "$1" "$2")" = "$3"; }

# ---- raw HTTP client (python3 stdlib) ---------------------------------------------
cat >"$T_DIR/raw.py" <<'EOF'
import select, socket, sys, time

mode, port = sys.argv[1], int(sys.argv[2])
args = sys.argv[3:]
ADDR = ("127.0.0.1", port)


def exchange(data, timeout=5.0):
    """Send data, read until the peer closes; the status code, or closed/reset/timeout."""
    try:
        s = socket.create_connection(ADDR, timeout=timeout)
    except OSError:
        return "refused"
    try:
        s.sendall(data)
    except OSError:
        pass  # the server may answer and close before it read everything
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
        head = buf.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        return head.split(" ")[1] + "\n" + head
    return how


def normal_get(timeout=5.0):
    t = time.time()
    r = exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout)
    return r.split("\n")[0], time.time() - t


if mode == "req":  # req ESCAPED_BYTES: one raw request
    print(exchange(args[0].encode("latin-1").decode("unicode_escape").encode("latin-1")))
elif mode == "bighead":  # bighead KIB: a GET with KIB KiB of header lines
    n = int(args[0])
    hdrs = b"".join(b"X-Big-%d: %s\r\n" % (i, b"b" * 1000) for i in range(n))
    print(exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + hdrs + b"Connection: close\r\n\r\n"))
elif mode == "idle":  # idle SECS: seconds until an idle connection is closed
    s = socket.create_connection(ADDR, timeout=float(args[0]))
    t = time.time()
    try:
        s.recv(100)
        print("closed %.1f" % (time.time() - t))
    except socket.timeout:
        print("open")
    except OSError:
        print("closed %.1f" % (time.time() - t))
elif mode == "slowloris":  # slowloris N SECS: N clients sending one head byte a second
    n, secs = int(args[0]), float(args[1])
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 4096
    socks = [socket.create_connection(ADDR, timeout=5) for _ in range(n)]
    for s in socks:
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
                s.send(head[pos:pos + 1])
            except BlockingIOError:
                pass
            except OSError:
                closed[i] = time.time() - t0
        pos += 1
        c, dt = normal_get()
        served += c == "200"
        worst = max(worst, dt)
        time.sleep(max(0.0, 1.0 - dt))
    last = max(closed.values()) if closed else -1
    print("closed %d of %d last %.1f" % (len(closed), n, last))
    print("normal %d of %d slowest %.2f" % (served, pos, worst))
    for s in socks:
        s.close()
elif mode == "limit":  # limit N: hold N idle connections, then try one more
    n = int(args[0])
    socks = [socket.create_connection(ADDR, timeout=5) for _ in range(n)]
    time.sleep(0.5)
    r, _, _ = select.select(socks, [], [], 0.5)
    print("held %d of %d" % (n - len(r), n))
    extra = exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3.0)
    print("extra " + extra.split("\n")[0])
    for s in socks:
        s.close()
    time.sleep(0.3)
    c, dt = normal_get()
    print("after %s %.2f" % (c, dt))
EOF
# raw MODE [ARGS]: the helper above against the current edge
raw() { ra_m=$1; shift; timeout 60 python3 "$T_DIR/raw.py" "$ra_m" "$EDGE_PORT" "$@"; }
raw_code() { raw "$@" | sed -n 1p; }

# ---- cdn-edge -t ----------------------------------------------------------------------
"$EDGE_BIN" -t >"$T_DIR/t0.out" 2>"$T_DIR/t0.err"
check "-t without upstream fails" test $? -ne 0
check "the error names upstream ($(head -1 "$T_DIR/t0.err"))" grep -q 'upstream' "$T_DIR/t0.err"
"$EDGE_BIN" -t -o upstream=ftp://x >"$T_DIR/t1.out" 2>"$T_DIR/t1.err"
check "-t with an ftp:// upstream fails" test $? -ne 0
check "the error names the upstream ($(head -1 "$T_DIR/t1.err"))" grep -q 'upstream ftp://x' "$T_DIR/t1.err"
"$EDGE_BIN" -t -o upstream=http://127.0.0.1:8080 >"$T_DIR/t2.conf" 2>"$T_DIR/t2.err"
check "-t with an upstream exits 0" test $? -eq 0
check "-t output matches tests/golden/edge-defaults.conf.ok" \
	diff -u "$top_srcdir/tests/golden/edge-defaults.conf.ok" "$T_DIR/t2.conf"
"$EDGE_BIN" -t -c "$T_DIR/t2.conf" >"$T_DIR/t3.conf" 2>/dev/null
check "-t printout round-trips" cmp -s "$T_DIR/t2.conf" "$T_DIR/t3.conf"

# ---- an origin with a live stream, and the edge under test -------------------------------
start_origin origin
KEY=$(new_key acme cam1)
check "a stream key was made" test -n "$KEY"
make_media "$T_DIR/in.flv" 90
publish_file "$T_DIR/in.flv" "$KEY"
check "the origin's stream is live within 20 s" \
	wait_until 20 has_segments "$ORIGIN_URL/hls/cam1/index.m3u8"
start_edge abuse "$ORIGIN_URL" -o http_timeout=2s -o access_log="$T_DIR/access.log"
ABUSE_PID=$EDGE_PID ABUSE_URL=$EDGE_URL
PL="$EDGE_URL/hls/cam1/index.m3u8"
check "the edge serves the playlist" test "$(code "$PL")" = 200
SEG=$(grep -v '^#' "$T_DIR/c.b" | grep . | tail -1)
check "a segment is listed ($SEG)" test -n "$SEG"
SURL="$EDGE_URL/hls/cam1/$SEG"
check "the segment is served" test "$(code "$SURL")" = 200
cp "$T_DIR/c.b" "$T_DIR/seg.ts"
SIZE=$(size_of "$T_DIR/seg.ts")
check "the segment is cached (HIT)" sh -c "curl -s -D - -o /dev/null '$SURL' | grep -qi '^X-Cache: HIT'"

# ---- paths -------------------------------------------------------------------------------
for p in '/hls/../etc/passwd' '/hls/%2e%2e/x' '/hls/..%2fetc/passwd' '/.hidden' '/hls/.x.m3u8' \
	'/hls//x' '//hls/cam1/index.m3u8' '/hls/cam1/./index.m3u8' '/hls/a%00b.ts' '/hls/a%20b.ts' '/hls/cam1/%69ndex.m3u8' \
	"/hls/$(head -c 200 /dev/zero | tr '\0' a).ts" "/$(head -c 2000 /dev/zero | tr '\0' a)" \
	'/a/b/c/d/e/f/g/h/i.ts'; do
	c=$(code "$EDGE_URL$p" --path-as-is)
	check "path $(echo "$p" | cut -c1-50): 400 ($c)" test "$c" = 400
done
check "a refused path is not written to the access log" sh -c "! grep -q 'passwd' '$T_DIR/access.log'"

# ---- request heads ---------------------------------------------------------------------------
r=$(raw_code bighead 64)
check "64 KiB of request headers: 431 or closed ($r)" sh -c "test '$r' = 431 || test '$r' = closed || test '$r' = reset"
r=$(raw_code bighead 1024)
check "1 MiB of request headers: 431 or closed ($r)" sh -c "test '$r' = 431 || test '$r' = closed || test '$r' = reset"
check "the edge answers after huge heads" healthz_is 200

# ---- ranges (common/http_range.h) ---------------------------------------------------------------
rc_=$(code "$SURL" -H 'Range: bytes=99999999999999999999-')
check "range bytes=99999999999999999999- (20 digits, ignored): 200 with all $SIZE bytes ($rc_, $(size_of "$T_DIR/c.b"))" \
	test "$rc_:$(size_of "$T_DIR/c.b")" = "200:$SIZE"
rc_=$(code "$SURL" -H 'Range: bytes=9999999999999999999-')
check "range bytes=9999999999999999999- (past the end): 416 ($rc_)" test "$rc_" = 416
check "the 416 has Content-Range: bytes */$SIZE ($(hdr Content-Range))" test "$(hdr Content-Range)" = "bytes */$SIZE"
rc_=$(code "$SURL" -H 'Range: bytes=5-2')
check "range bytes=5-2 (invalid, ignored): 200 with all bytes ($rc_, $(size_of "$T_DIR/c.b"))" \
	test "$rc_:$(size_of "$T_DIR/c.b")" = "200:$SIZE"
rc_=$(code "$SURL" -H 'Range: bytes=-0')
check "range bytes=-0: 416 ($rc_)" test "$rc_" = 416
check "and Content-Range: bytes */$SIZE ($(hdr Content-Range))" test "$(hdr Content-Range)" = "bytes */$SIZE"
rc_=$(code "$SURL" -H "Range: bytes=$SIZE-")
check "range bytes=$SIZE- (first byte past the end): 416 ($rc_)" test "$rc_" = 416
rc_=$(code "$SURL" -H 'Range: bytes=0-1,5-9')
check "multiple ranges: 200 with all bytes ($rc_, $(size_of "$T_DIR/c.b"))" \
	test "$rc_:$(size_of "$T_DIR/c.b")" = "200:$SIZE"
check "and the bytes are the segment's" cmp -s "$T_DIR/c.b" "$T_DIR/seg.ts"
rc_=$(code "$SURL" -H "Range: bytes=0-1,$(head -c 5000 /dev/zero | tr '\0' ,)2-3")
check "a range list padded with 5000 commas: 200 ($rc_)" test "$rc_" = 200
rc_=$(code "$SURL" -H 'Range: bytes=-1')
check "range bytes=-1: 206 with the last byte ($rc_, $(hdr Content-Range))" \
	test "$rc_:$(size_of "$T_DIR/c.b"):$(hdr Content-Range)" = "206:1:bytes $((SIZE - 1))-$((SIZE - 1))/$SIZE"
rc_=$(code "$SURL" -H 'Range: bytes=10-99999999999999999')
check "range bytes=10-<huge>: 206 clamped to the end ($(hdr Content-Range))" \
	test "$rc_:$(hdr Content-Range)" = "206:bytes 10-$((SIZE - 1))/$SIZE"
rc_=$(code "$SURL" -H 'Range: items=0-5')
check "range in another unit: 200 ($rc_)" test "$rc_" = 200

# ---- methods ----------------------------------------------------------------------------------
for m in DELETE PROPFIND POST PATCH TRACE CONNECT; do
	rc_=$(code "$PL" -X "$m")
	check "$m: 405 with Allow: GET, HEAD, OPTIONS ($rc_, $(hdr Allow))" \
		test "$rc_:$(hdr Allow)" = "405:GET, HEAD, OPTIONS"
done
head -c 1048576 /dev/zero >"$T_DIR/body.bin"
rc_=$(code "$PL" -X PUT --data-binary @"$T_DIR/body.bin")
check "PUT with a 1 MiB body: 405 with Allow ($rc_, $(hdr Allow))" test "$rc_:$(hdr Allow)" = "405:GET, HEAD, OPTIONS"
LONGM=$(head -c 200 /dev/zero | tr '\0' M)
r=$(raw req "$LONGM /hls/cam1/index.m3u8 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
rc_=$(echo "$r" | head -1)
check "a 200-char method: 405 with Allow, or 400/501 ($rc_)" sh -c \
	"case '$rc_' in 400|501) exit 0;; 405) echo '$r' | grep -q '^Allow: GET, HEAD, OPTIONS';; *) exit 1;; esac"
rc_=$(raw_code req 'G\x01T /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
check "a method with a control byte: 400, 405 or 501 ($rc_)" sh -c "case '$rc_' in 400|405|501) exit 0;; *) exit 1;; esac"
rc_=$(code "$PL" -X OPTIONS)
check "OPTIONS: 204 ($rc_)" test "$rc_" = 204
check "OPTIONS: Access-Control-Allow-Origin: *" test "$(hdr Access-Control-Allow-Origin)" = "*"
check "OPTIONS: Access-Control-Allow-Methods lists GET, HEAD, OPTIONS ($(hdr Access-Control-Allow-Methods))" \
	test "$(hdr Access-Control-Allow-Methods)" = "GET, HEAD, OPTIONS"
check "OPTIONS: Access-Control-Allow-Headers lists Range ($(hdr Access-Control-Allow-Headers))" \
	sh -c "echo '$(hdr Access-Control-Allow-Headers)' | grep -q Range"
check "HEAD still works: 200, no body" test "$(curl -s -I -o /dev/null -w '%{http_code}:%{size_download}' "$SURL")" = "200:0"

# ---- queries ----------------------------------------------------------------------------------
LONGQ=$(head -c 1100 /dev/zero | tr '\0' q)
rc_=$(code "$PL?a=$LONGQ")
check "a query over 1 KiB: 400 ($rc_)" test "$rc_" = 400
rc_=$(code "$PL?token=$LONGQ")
check "an ignored parameter over 1 KiB: 400 ($rc_)" test "$rc_" = 400
rc_=$(raw_code req 'GET /hls/cam1/index.m3u8?a=b\x01c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
check "a query with a raw control byte (0x01): 400 ($rc_)" test "$rc_" = 400
rc_=$(raw_code req 'GET /hls/cam1/index.m3u8?a=\x1b[2J HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
check "a query with a raw escape sequence (0x1b): 400 ($rc_)" test "$rc_" = 400
rc_=$(raw_code req 'GET /hls/cam1/index.m3u8?a=\x7f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
check "a query with a raw DEL (0x7f): 400 ($rc_)" test "$rc_" = 400
rc_=$(code "$PL?a=1&b=2")
check "a plain query is served (200) ($rc_)" test "$rc_" = 200

# ---- a no-cache request on an unchanged object -------------------------------------------------
# The segment never changes: one conditional GET, a 304, and the answer.
RV0=$(metric_at "$EDGE_URL" cdn_edge_revalidations_total)
NC=$(curl -s -o "$T_DIR/nc.b" -w '%{http_code}' --max-time 5 -H 'Cache-Control: no-cache' "$SURL")
RV1=$(metric_at "$EDGE_URL" cdn_edge_revalidations_total)
check "no-cache on a cached segment is answered 200 within 5 s ($NC)" test "$NC" = 200
check "with at most 2 conditional GETs upstream ($RV0 -> $RV1)" test $((RV1 - RV0)) -le 2

# ---- slow clients ------------------------------------------------------------------------------
r=$(raw idle 10)
check "an idle connection is closed after http_timeout=2s ($r)" \
	sh -c "echo '$r' | awk '\$1 == \"closed\" && \$2 >= 1.5 && \$2 <= 6 { ok = 1 } END { exit !ok }'"
raw slowloris 50 10 >"$T_DIR/slow.out" 2>&1
sed 's/^/    slowloris: /' "$T_DIR/slow.out"
check "50 slow-loris clients (a head byte a second) are closed after http_timeout=2s, within 8 s ($(head -1 "$T_DIR/slow.out"))" \
	awk '$1 == "closed" && $2 == 50 && $6 <= 8 { ok = 1 } END { exit !ok }' "$T_DIR/slow.out"
check "meanwhile a normal client was served every time, each within 2 s ($(sed -n 2p "$T_DIR/slow.out"))" \
	awk '$1 == "normal" && $2 > 0 && $2 == $4 && $6 < 2 { ok = 1 } END { exit !ok }' "$T_DIR/slow.out"
check "the edge answers after the slow clients" healthz_is 200

# ---- drain ----------------------------------------------------------------------------------------
: >"$T_DIR/abuse.drain"
rc_=$(code "$EDGE_URL/healthz")
check "drain file: /healthz 503 ($rc_)" test "$rc_" = 503
check "drain file: \"status\":\"draining\", \"draining\":true" \
	sh -c "grep -q '\"status\":\"draining\"' '$T_DIR/c.b' && grep -q '\"draining\":true' '$T_DIR/c.b'"
check "drain file: cdn_edge_draining 1" metric_is "$EDGE_URL" cdn_edge_draining 1
check "while draining, viewers are still served" test "$(code "$PL")" = 200
rm -f "$T_DIR/abuse.drain"
rc_=$(code "$EDGE_URL/healthz")
check "drain file removed: /healthz 200 ($rc_)" test "$rc_" = 200
check "drain file removed: \"status\":\"ok\", \"draining\":false" \
	sh -c "grep -q '\"status\":\"ok\"' '$T_DIR/c.b' && grep -q '\"draining\":false' '$T_DIR/c.b'"
check "drain file removed: cdn_edge_draining 0" metric_is "$EDGE_URL" cdn_edge_draining 0

# ---- SIGHUP reopens the access log ------------------------------------------------------------------
curl -s -o /dev/null "$EDGE_URL/hls/cam1/before-hup.ts"
check "the access log file has the requests" within 3 grep -q '"GET /hls/cam1/before-hup.ts" 404 ' "$T_DIR/access.log"
mv "$T_DIR/access.log" "$T_DIR/access.log.1"
kill -s HUP "$ABUSE_PID"
check "SIGHUP is logged" within 5 grep -q 'SIGHUP: access log reopened' "$EDGE_LOG"
curl -s -o /dev/null "$EDGE_URL/hls/cam1/after-hup.ts"
check "after SIGHUP a new access log file is written" within 3 grep -q '"GET /hls/cam1/after-hup.ts" 404 ' "$T_DIR/access.log"
check "and the moved file did not get the new request" sh -c "! grep -q 'after-hup' '$T_DIR/access.log.1'"
check "the edge did not write the access log to stdout" sh -c "! grep -q 'GET' '$EDGE_ACCESS'"

# ---- the connection limit -------------------------------------------------------------------------
start_edge limit "$ORIGIN_URL" -o http_max_connections=20 -o http_timeout=10s
LIMIT_PID=$EDGE_PID
raw limit 20 >"$T_DIR/limit.out" 2>&1
sed 's/^/    limit: /' "$T_DIR/limit.out"
check "20 idle connections are held (http_max_connections=20)" grep -qx 'held 20 of 20' "$T_DIR/limit.out"
check "the 21st connection is refused or closed unanswered ($(sed -n 's/^extra //p' "$T_DIR/limit.out"))" \
	grep -qE '^extra (refused|closed|reset)$' "$T_DIR/limit.out"
check "once they close, a new client is served ($(sed -n 's/^after //p' "$T_DIR/limit.out"))" \
	grep -qE '^after 200 ' "$T_DIR/limit.out"
check "the limited edge is still running" kill -0 "$LIMIT_PID"

# ---- the end --------------------------------------------------------------------------------------
check "the edge is still running" kill -0 "$ABUSE_PID"
EDGE_URL=$ABUSE_URL
check "/healthz answers ok" sh -c "curl -sf --max-time 3 '$EDGE_URL/healthz' | grep -q '\"status\":\"ok\"'"
check "the stream still plays through the edge" has_segments "$PL"
check "400s, 405s and 416s are counted" sh -c \
	"test $(metric_at "$EDGE_URL" 'cdn_edge_http_requests_total{code="400"}') -gt 0 -a \
	$(metric_at "$EDGE_URL" 'cdn_edge_http_requests_total{code="405"}') -gt 0 -a \
	$(metric_at "$EDGE_URL" 'cdn_edge_http_requests_total{code="416"}') -gt 0"
check "no sanitizer report, runtime error or assertion in the edge logs" sh -c \
	"! grep -Eqi 'sanitizer|runtime error|assert' '$T_DIR/abuse.log' '$T_DIR/limit.log'"
T_END=$(date +%s)
check "finished in under 120 s ($((T_END - T_START)) s)" test $((T_END - T_START)) -lt 120
t_done
