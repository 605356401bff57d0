#!/bin/sh
# secrets: no secret leaks. A whole deployment runs (origin, edge with its
# accounting token, a publisher, a failed and a good dashboard login, a
# refused publisher with a near-miss key, admin API use); then every place a
# secret could escape is collected and searched for each secret: logs, the
# access log, /metrics, /healthz, playlists, error pages, API listings, the
# databases (stream keys are stored hashed) and the file modes (0600).
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" curl sqlite3

start_origin o1 -o accounting_flush=1s
TOKEN=$(cat "$TOKEN_FILE")
ACCT=$(cat "$ORIGIN_DATA/accounting.token")
KEY=$(new_key acme cam1)
check "a stream key" test -n "$KEY"
start_edge e1 "$ORIGIN_URL" -o accounting_token_file="$ORIGIN_DATA/accounting.token" -o accounting_flush=1s
publish_live "$KEY" 60
check "the stream is live at the edge" wait_until 20 has_segments "$EDGE_URL/hls/cam1/index.m3u8"

# A near miss: the real key with its last character changed. Refused, and
# neither it nor the real key may be written anywhere.
NEAR="${KEY%?}x"
"$FFMPEG" -nostdin -loglevel quiet -re -f lavfi -i testsrc2=size=160x120:rate=10 -t 3 \
	-c:v libx264 -f flv "rtmp://127.0.0.1:$RTMP_PORT/live/$NEAR" >/dev/null 2>&1 &
NP=$!
track $NP
wait_until 10 sh -c "! kill -0 $NP"

# The dashboard: a failed login with a guess, a good one; the session and CSRF tokens.
GUESS="guess${TOKEN#?????}"
curl -s -o /dev/null --data-urlencode "token=$GUESS" "$ORIGIN_URL/dashboard/login"
SID=$(curl -s -o /dev/null -D - --data-urlencode "token=$TOKEN" "$ORIGIN_URL/dashboard/login" |
	tr -d '\r' | sed -n 's/^Set-Cookie: cdn_session=\([0-9a-f]*\);.*/\1/Ip')
check "a dashboard session" test -n "$SID"
CSRF=$(curl -s -H "Cookie: cdn_session=$SID" "$ORIGIN_URL/dashboard/api/session" | sed -n 's/.*"csrf":"\([0-9a-f]*\)".*/\1/p')
check "its CSRF token" test -n "$CSRF"

# Requests that put secrets where a careless server would echo them.
C="$T_DIR/collected"
mkdir -p "$C"
i=0
for u in "/hls/$KEY/index.m3u8" "/hls/cam1/$KEY.ts" "/api/v1/keys?customer=$KEY" "/watch/$KEY" \
	"/www/player/$KEY.js" "/dashboard/$KEY" "/nope?token=$TOKEN" "/hls/cam1/index.m3u8?key=$KEY"; do
	i=$((i + 1))
	curl -s -D - "$ORIGIN_URL$u" >"$C/origin-err-$i.txt" 2>&1
	curl -s -D - "$EDGE_URL$u" >"$C/edge-err-$i.txt" 2>&1
done
curl -s -D - -H "Authorization: Bearer $GUESS" "$ORIGIN_URL/api/v1/keys" >"$C/wrong-bearer.txt"
curl -s -D - -X POST -H "Authorization: Bearer $GUESS" -d "{}" "$ORIGIN_URL/api/v1/accounting" >"$C/wrong-acct.txt"
curl -s -H "Authorization: Bearer $TOKEN" "$ORIGIN_URL/api/v1/keys" >"$C/keys.json"
curl -s -H "Authorization: Bearer $TOKEN" "$ORIGIN_URL/api/v1/streams" >"$C/streams.json"
curl -s -H "Authorization: Bearer $TOKEN" "$ORIGIN_URL/api/v1/customers" >"$C/customers.json"
cdnctl key list >"$C/cdnctl-keys.txt" 2>&1
cdnctl streams >"$C/cdnctl-streams.txt" 2>&1
for u in "$ORIGIN_URL" "$EDGE_URL"; do
	n=$(echo "$u" | tr -dc 0-9)
	curl -s "$u/metrics" >"$C/metrics-$n.txt"
	curl -s "$u/healthz" >"$C/healthz-$n.txt"
	curl -s "$u/hls/cam1/master.m3u8" >"$C/master-$n.m3u8"
	curl -s "$u/hls/cam1/index.m3u8" >"$C/index-$n.m3u8"
done
sleep 2   # the accounting flush and shipment happen, with their log lines
stop_pid "$PUB_PID"
check "the collection is not empty" test "$(cat "$C"/* | wc -c)" -gt 1000
cp "$ORIGIN_LOG" "$EDGE_LOG" "$EDGE_ACCESS" "$C/"

# leaks NAME SECRET [EXCLUDE]: no collected file (but EXCLUDE) holds SECRET
leaks() { ! grep -rlF ${3:+--exclude="$3"} -- "$2" "$C" >"$T_DIR/leak-$1.txt" 2>/dev/null; }
# The access log records the paths viewers ask for: the probes above put the
# key in some on purpose. It never records a query string (tokens).
check "the stream key appears nowhere (logs, pages, metrics, API)" leaks key "$KEY" e1.access
check "the access log has no query strings" sh -c "! grep -q '?' '$C/e1.access'"
check "the near-miss key appears nowhere" leaks near "$NEAR" e1.access
check "the admin token appears nowhere" leaks admin "$TOKEN"
check "a guessed admin token appears nowhere" leaks guess "$GUESS"
check "the accounting token appears nowhere" leaks acct "$ACCT"
check "the dashboard session id appears nowhere" leaks sid "$SID"
check "the CSRF token appears nowhere" leaks csrf "$CSRF"
for f in "$T_DIR"/leak-*.txt; do [ -s "$f" ] && { echo "leaked in:"; cat "$f"; }; done

# At rest: stream keys are hashed; secret files are the owner's only.
check "origin.db does not hold the stream key" sh -c "! sqlite3 '$ORIGIN_DATA/origin.db' .dump | grep -qF '$KEY'"
check "nor the key's secret part" sh -c "! grep -qaF '${KEY#sk_}' '$ORIGIN_DATA/origin.db'"
for f in origin.db accounting.db accounting-spool.db admin.token accounting.token; do
	check "$f is mode 0600" test "$(stat -c %a "$ORIGIN_DATA/$f")" = 600
done
check "the edge's accounting spool is mode 0600" test "$(stat -c %a "$T_DIR/e1.acct.db")" = 600
t_done
