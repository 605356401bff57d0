#!/bin/sh
# www_player: the viewer's player (/watch/<stream>), served by an edge, in
# headless Chromium (tests/browser/player.mjs: hls.js and native HLS, the
# latency shown against the latency measured from the picture, bitrate,
# rendition, embed snippet, recovery from a late segment and a restarted
# publisher), plus what curl can see: exact Content-Types, hls.js served
# locally, the redirect to player_edge, and nothing else of www/ reachable.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl node

start_origin o1
TOKEN=$(cat "$TOKEN_FILE")
KEY=$(new_key acme cam1)
check "a stream key for acme/cam1" test -n "$KEY"
start_edge e1 "$ORIGIN_URL" -o accounting_token_file="$ORIGIN_DATA/accounting.token"

# ---- what curl sees ---------------------------------------------------------------
# hdr_has URL REGEX: a response header line of URL matches REGEX (case-insensitive)
hdr_has() { curl -s -o /dev/null -D - --max-time 5 "$1" | tr -d '\r' | grep -qi "$2"; }
# etag_304 URL: asking again with the ETag gets 304
etag_304() {
	e=$(curl -s -o /dev/null -D - --max-time 5 "$1" | tr -d '\r' | sed -n 's/^ETag: //Ip')
	test -n "$e" && test "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $e" "$1")" = 304
}
check "the origin serves /watch/cam1 (200, text/html)" hdr_has "$ORIGIN_URL/watch/cam1" '^Content-Type: text/html; charset=utf-8'
check "hls.js may be cached a day" hdr_has "$ORIGIN_URL/www/vendor/hls.min.js" '^Cache-Control: public, max-age=86400'
check "an unchanged file answers 304 to its ETag" etag_304 "$ORIGIN_URL/www/player/player.js"
check "the edge serves /watch/cam1 too, through its cache" sh -c "curl -s --max-time 5 '$EDGE_URL/watch/cam1' | grep -q 'player.js'"
check "a second request is a cache hit" hdr_has "$EDGE_URL/watch/cam1" '^X-Cache: HIT'
check "hls.js is served locally (text/javascript)" hdr_has "$EDGE_URL/www/vendor/hls.min.js" '^Content-Type: text/javascript'
check "hls.js is the one npm installed (same bytes)" sh -c "curl -s --max-time 5 '$ORIGIN_URL/www/vendor/hls.min.js' | cmp -s - '$top_srcdir/www/node_modules/hls.js/dist/hls.min.js'"
check "the page loads nothing from another host" sh -c "! curl -s --max-time 5 '$ORIGIN_URL/watch/cam1' | grep -Eq '(src|href)=\"(https?:)?//'"
check "the player page may be framed (no X-Frame-Options)" sh -c "! curl -s -o /dev/null -D - --max-time 5 '$ORIGIN_URL/watch/cam1' | grep -qi '^X-Frame-Options'"
check "www/node_modules is not served" test "$(http_code "$ORIGIN_URL/www/node_modules/hls.js/package.json")" = 404
check "www/package.json is not served" test "$(http_code "$ORIGIN_URL/www/package.json")" = 404
check "no path escapes www/ (%2e%2e)" test "$(http_code "$ORIGIN_URL/www/player/%2e%2e/package.json")" = 404
check "a dotfile is not served" test "$(http_code "$ORIGIN_URL/www/player/.hidden.js")" = 404
check "the edge does not proxy the dashboard" test "$(http_code "$EDGE_URL/dashboard")" = 404
check "the edge does not proxy the admin API" test "$(http_code "$EDGE_URL/api/v1/streams")" = 404

# player_edge: viewers who reach the origin are sent to the edge; the edge gets the page.
"$ORIGIN_BIN" -o rtmp_listen=127.0.0.1:0 -o http_listen=127.0.0.1:0 -o srt_listen=127.0.0.1:0 -o data_dir="$T_DIR/o2" \
	-o player_edge=http://edge.example:8081/ >"$T_DIR/o2.log" 2>&1 &
O2=$!
track $O2
wait_until 10 grep -q "HTTP on port" "$T_DIR/o2.log"
O2_URL="http://127.0.0.1:$(sed -n 's/.*HTTP on port \([0-9]*\).*/\1/p' "$T_DIR/o2.log" | head -1)"
check "with player_edge, /watch/ redirects a viewer to the edge (302)" \
	hdr_has "$O2_URL/watch/cam1?embed=1" '^Location: http://edge.example:8081/watch/cam1?embed=1$'
check "an edge (accounting token) gets the page itself" sh -c "curl -s --max-time 5 -H \"X-CDN-Edge: \$(cat '$T_DIR/o2/accounting.token')\" '$O2_URL/watch/cam1' | grep -q 'player.js'"
check "a forged edge token is still redirected" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'X-CDN-Edge: nope' "$O2_URL/watch/cam1")" = 302
stop_pid $O2

# ---- in the browser --------------------------------------------------------------------
browser_run player player.mjs WATCH_URL="$EDGE_URL/watch/cam1" \
	RTMP_URL="rtmp://127.0.0.1:$RTMP_PORT/live/$KEY"
check "a screenshot is saved as a test artifact" test -s "$top_builddir/tests/artifacts/player-hlsjs.png"
check "the edge served the player's segments (access log)" grep -q '/hls/cam1/' "$EDGE_ACCESS"
t_done
