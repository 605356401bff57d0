#!/bin/sh
# www_dashboard: the operators' dashboard on the origin, with a real edge and
# its cdn-announce (control socket), in headless Chromium
# (tests/browser/dashboard.mjs), plus what curl can see: the security headers,
# no CORS on the dashboard, the login throttle, and the edges API for cdnctl.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" curl node python3

EP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SOCK="$T_DIR/announce.sock"

start_origin o1 -o "edge=e1 http://127.0.0.1:$EP $SOCK" -o edge_poll=500ms -o accounting_flush=1s \
	-o record=on
TOKEN=$(cat "$TOKEN_FILE")
KEY=$(new_key acme cam1)
check "a stream key for acme/cam1" test -n "$KEY"
publish_live "$KEY" 300
start_edge e1 "$ORIGIN_URL" -o http_listen=127.0.0.1:$EP \
	-o accounting_token_file="$ORIGIN_DATA/accounting.token" -o accounting_flush=1s
check "the edge listens where the origin watches it" test "$EDGE_PORT" = "$EP"
"$top_builddir/announce/cdn-announce" -o router_id=192.0.2.2 -o local_as=65010 \
	-o prefix=203.0.113.10/32 -o "peer=127.0.0.1 as 65000 port $DEAD" \
	-o "health_url=$EDGE_URL/healthz" -o health_interval=500ms -o "drain_file=$T_DIR/e1.drain" \
	-o "control_socket=$SOCK" -o http_listen=127.0.0.1:0 -o connect_retry=1s \
	>"$T_DIR/announce.log" 2>&1 &
track $!
check "cdn-announce starts with its control socket" wait_until 10 test -S "$SOCK"

# Viewers through the edge, so the customer has bytes to chart.
check "the stream is live at the edge" wait_until 20 has_segments "$EDGE_URL/hls/cam1/index.m3u8"
for seg in $(curl -s "$EDGE_URL/hls/cam1/index.m3u8" | grep -v '^#'); do
	curl -s -o /dev/null "$EDGE_URL/hls/cam1/$seg"
done
report_bytes() {
	curl -s -H "Authorization: Bearer $TOKEN" \
		"$ORIGIN_URL/api/v1/report?customer=acme&from=$(date -u +%Y-%m-%d)&to=$(date -u +%Y-%m-%d)" |
		sed -n 's/.*"report":{[^}]*"bytes_out":\([0-9]*\).*/\1/p'
}
check "the edge's bytes reach the accounting report" wait_until 20 sh -c "test \"\$(curl -s -H 'Authorization: Bearer $TOKEN' '$ORIGIN_URL/api/v1/report?customer=acme&from=$(date -u +%Y-%m-%d)&to=$(date -u +%Y-%m-%d)' | sed -n 's/.*\"report\":{[^}]*\"bytes_out\":\([0-9]*\).*/\1/p')\" -gt 0"

# ---- the edges API (cdnctl and the dashboard read it) --------------------------------------
check "GET /api/v1/edges lists e1, healthy, with its announcer" wait_until 10 sh -c \
	"curl -s -H 'Authorization: Bearer $TOKEN' '$ORIGIN_URL/api/v1/edges' | grep -q '\"name\":\"e1\".*\"health\":\"ok\".*\"announce\":{\"reachable\":true'"
check "it needs the admin token" test "$(http_code "$ORIGIN_URL/api/v1/edges")" = 401
check "drain of an unknown edge: 404" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" "$ORIGIN_URL/api/v1/edges/nope/drain")" = 404

check "cdnctl edges lists e1 as ok" sh -c "'$CDNCTL_BIN' -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' edges | grep -Eq '^e1 +ok '"
check "cdnctl edge drain e1 drains it (the edge's /healthz: 503)" sh -c \
	"'$CDNCTL_BIN' -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' edge drain e1 >/dev/null && test \$(curl -s -o /dev/null -w '%{http_code}' '$EDGE_URL/healthz') = 503"
check "cdnctl edges shows it draining" wait_until 5 sh -c "'$CDNCTL_BIN' -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' edges | grep -Eq '^e1 +draining '"
check "cdnctl edge undrain e1 brings it back (200)" sh -c \
	"'$CDNCTL_BIN' -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' edge undrain e1 >/dev/null && test \$(curl -s -o /dev/null -w '%{http_code}' '$EDGE_URL/healthz') = 200"

# ---- headers ----------------------------------------------------------------------------------
hdr_has() { curl -s -o /dev/null -D - --max-time 5 "$1" | tr -d '\r' | grep -qi "$2"; }
check "the login page may not be framed" hdr_has "$ORIGIN_URL/dashboard/login" '^X-Frame-Options: DENY'
check "it has a Content-Security-Policy of its own files" hdr_has "$ORIGIN_URL/dashboard/login" "^Content-Security-Policy: default-src 'self'"
check "dashboard answers carry no CORS header" sh -c "! curl -s -o /dev/null -D - '$ORIGIN_URL/dashboard/login' | grep -qi '^Access-Control-Allow-Origin'"
check "a login from another site (Origin) is refused" sh -c "curl -s -o /dev/null -D - -H 'Origin: http://evil.example' --data-urlencode 'token=$TOKEN' '$ORIGIN_URL/dashboard/login' | tr -d '\r' | grep -q '^Location: /dashboard/login?failed=origin'"

# ---- in the browser -----------------------------------------------------------------------------
browser_run dashboard dashboard.mjs ORIGIN_URL="$ORIGIN_URL" TOKEN="$TOKEN" EDGE_NAME=e1 \
	EDGE_URL="$EDGE_URL" CUSTOMER=acme STREAM=cam1 RTMP_BASE="rtmp://127.0.0.1:$RTMP_PORT/live"
check "screenshots are saved as test artifacts" test -s "$top_builddir/tests/artifacts/dashboard.png"
check "the drain went through the announcer (its log)" grep -qi 'drain' "$T_DIR/announce.log"

# ---- the login throttle (last: it locks logins for a minute) --------------------------------------
i=0
while [ $i -lt 10 ]; do
	curl -s -o /dev/null -d token=wrong "$ORIGIN_URL/dashboard/login"; i=$((i + 1))
done
check "after 10 failed logins even the right token is refused for a while" sh -c \
	"curl -s -o /dev/null -D - --data-urlencode 'token=$TOKEN' '$ORIGIN_URL/dashboard/login' | tr -d '\r' | grep -q '^Location: /dashboard/login?failed=throttled'"
check "and the failures are logged" grep -q 'failed login from 127.0.0.1' "$ORIGIN_LOG"
check "the token never appears in the origin's log" sh -c "! grep -qF '$TOKEN' '$ORIGIN_LOG'"
t_done
