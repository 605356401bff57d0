#!/bin/sh
# access_tokens: signed playback URLs and publishing control (docs/access.md),
# end to end with a real origin, a real edge, ffmpeg publishing and playing.
#   - a token-only stream: no token, an expired, wrongly signed, other-stream
#     or other-address token get 403 with the right reason, at the edge and
#     at the origin; a valid token plays, and the playlist carries it;
#   - the docs' shell recipe (openssl dgst -hmac) mints tokens that work;
#   - ffmpeg plays index.m3u8?token=... through the edge;
#   - two viewers with different tokens share one cached copy (X-Cache HIT);
#   - rotation: an old token works after rotate, not after retire (at the
#     edge within its refresh interval);
#   - public -> token takes effect at the edge within one playlist TTL;
#   - unpublished: only preview tokens play;
#   - unique viewers: viewers with SIDs a, b, a (and one without a SID)
#     through the edge make exactly 2 unique_viewers in the report;
#   - tokens never reach the access log; X-CDN-* never reach viewers.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl openssl

start_origin origin
KEY=$(new_key acme cam1)
KEY2=$(new_key acme cam2)
KEYB=$(new_key beta other)
KEY3=$(new_key acme cam3)
check "stream keys were made" test -n "$KEY" -a -n "$KEY2" -a -n "$KEYB" -a -n "$KEY3"
make_media "$T_DIR/in.flv" 90
publish_file "$T_DIR/in.flv" "$KEY"
publish_file "$T_DIR/in.flv" "$KEY2"
publish_file "$T_DIR/in.flv" "$KEY3"
OPL="$ORIGIN_URL/hls/cam1/index.m3u8"
check "cam1 is live at the origin within 8 s" wait_until 8 has_segments "$OPL"
check "cam2 is live at the origin within 8 s" wait_until 8 has_segments "$ORIGIN_URL/hls/cam2/index.m3u8"

start_edge edge "$ORIGIN_URL" -o accounting_token_file="$ORIGIN_DATA/accounting.token" \
	-o token_secrets_refresh=2s -o token_secrets_retry=1s -o accounting_flush=1s
EPL="$EDGE_URL/hls/cam1/index.m3u8"
check "the edge loaded the playback secrets" \
	wait_until 5 grep -q "playback secrets of 2 customer(s) loaded" "$EDGE_LOG"

# code_body URL: "CODE BODY-FIRST-LINE"
code_body() { curl -s --max-time 5 -o "$T_DIR/cb.out" -w '%{http_code}' "$1"; printf ' %s' "$(head -1 "$T_DIR/cb.out" | tr -d '\000')"; }
# expect URL "CODE REASON" description
expect() { got=$(code_body "$1"); check "$3 ($got)" test "$got" = "$2"; }
# eventually SECONDS URL "CODE REASON": the edge follows a change in time
eventually() { limit=$1; url=$2; want=$3; wait_until "$limit" sh -c "test \"\$(curl -s --max-time 2 -o '$T_DIR/ev.out' -w '%{http_code}' '$url') \$(head -1 '$T_DIR/ev.out')\" = '$want'"; }

# ---- public (the default), then token-only: at the edge within one playlist TTL ----
expect "$EPL" "200 #EXTM3U" "a public stream plays at the edge without a token"
check "cdnctl stream access sets token" cdnctl stream access --customer acme --stream cam1 token
check "beta cannot change acme's stream" sh -c "! '$CDNCTL_BIN' -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' stream access --customer beta --stream cam1 public 2>/dev/null"
expect "$OPL" "403 token missing" "origin: no token, 403 token missing"
T0=$(date +%s%N)
check "edge: public -> token within one playlist TTL (1 s) plus a fetch" \
	eventually 3 "$EPL" "403 token missing"
T1=$(date +%s%N)
echo "# the edge followed the change after $(( (T1 - T0) / 1000000 )) ms"
SEGNAME=$(curl -s -H "X-CDN-Edge: $(cat "$ORIGIN_DATA/accounting.token")" "$OPL" | grep -v '^#' | tail -1)
expect "$EDGE_URL/hls/cam1/$SEGNAME" "403 token missing" "edge: a segment without a token, 403"
expect "$ORIGIN_URL/hls/cam1/$SEGNAME" "403 token missing" "origin: a segment without a token, 403"

# ---- tokens -------------------------------------------------------------------------
mint() { cdnctl --json token --customer acme "$@" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p'; }
TOK=$(mint --stream cam1 --ttl 1h --sid viewer-1)
TOK2=$(mint --stream cam1 --ttl 1h --sid viewer-2)
OTHER=$(mint --stream cam2 --ttl 1h)
BOUND=$(mint --stream cam1 --ttl 1h --ip 192.0.2.0/24)
BOUND_OK=$(mint --stream cam1 --ttl 10m --ip 127.0.0.0/8)
check "cdnctl token mints tokens" test -n "$TOK" -a -n "$TOK2" -a -n "$OTHER" -a -n "$BOUND"
check "a ttl over token_max_ttl is refused" sh -c "! '$CDNCTL_BIN' -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' token --customer acme --stream cam1 --ttl 9999h 2>/dev/null"
# The docs' recipe: a customer's back end signs with the secret and openssl.
SECRET=$(cdnctl --json secret show --customer acme | sed -n 's/.*"secret":"\([^"]*\)".*/\1/p' | head -1)
check "cdnctl secret show reveals the current secret" sh -c "echo '$SECRET' | grep -q '^ps_'"
sign() { # sign STREAM EXP CIDR SID
	sig=$(printf '1~%s~%s~%s~%s' "$1" "$2" "$3" "$4" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
	printf '1~%s~%s~%s~%s' "$2" "$3" "$4" "$sig"
}
NOW=$(date +%s)
SHELL_TOK=$(sign cam1 $((NOW + 600)) "" "")
EXPIRED=$(sign cam1 $((NOW - 10)) "" "")
BADSIG=$(echo "$TOK" | sed 's/.$/0/'); [ "$BADSIG" = "$TOK" ] && BADSIG=$(echo "$TOK" | sed 's/.$/1/')
for where in origin edge; do
	[ $where = origin ] && U="$OPL" || U="$EPL"
	expect "$U?token=$EXPIRED" "403 token expired" "$where: expired token"
	expect "$U?token=$BADSIG" "403 token invalid" "$where: wrong signature"
	expect "$U?token=$OTHER" "403 token invalid" "$where: a token for another stream"
	expect "$U?token=$BOUND" "403 token bound to another address" "$where: a token bound to 192.0.2.0/24"
	expect "$U?token=junk" "403 token invalid" "$where: garbage"
	expect "$U?token=$BOUND_OK" "200 #EXTM3U" "$where: a token bound to 127.0.0.0/8"
	expect "$U?token=$SHELL_TOK" "200 #EXTM3U" "$where: a token made with the docs' openssl recipe"
	expect "$U?token=$TOK" "200 #EXTM3U" "$where: a valid token"
	expect "$U?a=1&token=$(echo "$TOK" | sed 's|~|%7E|g')" "200 #EXTM3U" "$where: a percent-encoded token after another parameter"
	curl -s "$U?token=$TOK" -D "$T_DIR/$where.h" -o "$T_DIR/$where.m3u8"
	n_uri=$(grep -vc '^#' "$T_DIR/$where.m3u8")
	n_tok=$(grep -v '^#' "$T_DIR/$where.m3u8" | grep -c "?token=$TOK\$")
	check "$where: every segment URI carries the token ($n_tok of $n_uri)" test "$n_uri" -gt 0 -a "$n_tok" -eq "$n_uri"
	check "$where: the signed playlist is private" grep -qi '^Cache-Control: private' "$T_DIR/$where.h"
	check "$where: no X-CDN-* header reaches a viewer" sh -c "! grep -qi '^X-CDN-' '$T_DIR/$where.h'"
done
check "the master playlist's variant carries the token" \
	sh -c "curl -s '$EDGE_URL/hls/cam1/master.m3u8?token=$TOK' | grep -q '^index.m3u8?token=$TOK\$'"
SEG=$(grep -v '^#' "$T_DIR/edge.m3u8" | tail -1)
check "a segment URI from the signed playlist plays at the edge" \
	test "$(http_code "$EDGE_URL/hls/cam1/$SEG")" = 200

# ---- one cached copy for every valid token ---------------------------------------------
sleep 2.2
curl -s -o "$T_DIR/pl3.m3u8" "$EPL?token=$TOK"
NSEG=$(grep -v '^#' "$T_DIR/pl3.m3u8" | tail -1 | sed 's/?.*//')
curl -s -o /dev/null -D "$T_DIR/s1.h" "$EDGE_URL/hls/cam1/$NSEG?token=$TOK"
F0=$(metric_at "$EDGE_URL" cdn_edge_upstream_fetches_total)
curl -s -o /dev/null -D "$T_DIR/s2.h" "$EDGE_URL/hls/cam1/$NSEG?token=$TOK2"
F1=$(metric_at "$EDGE_URL" cdn_edge_upstream_fetches_total)
check "the first viewer got the segment (200)" grep -q '^HTTP/1.1 200' "$T_DIR/s1.h"
check "a second viewer with another token is a cache HIT" grep -qi '^X-Cache: HIT' "$T_DIR/s2.h"
check "and caused no upstream fetch ($F0 -> $F1)" test "$F0" -eq "$F1"

# ---- ffmpeg plays through the edge -----------------------------------------------------
timeout 40 "$FFMPEG" -nostdin -loglevel error -i "$EPL?token=$TOK" -t 6 -c copy -f null - \
	>"$T_DIR/play.log" 2>&1
rc=$?
check "ffmpeg plays index.m3u8?token=... through the edge (rc $rc)" \
	sh -c "test $rc -eq 0 && ! test -s '$T_DIR/play.log'"
[ -s "$T_DIR/play.log" ] && head -5 "$T_DIR/play.log"
check "ffprobe reads the signed stream through the edge" \
	sh -c "timeout 20 '$FFPROBE' -v error -show_streams '$EPL?token=$TOK' | grep -q codec_name=h264"

# ---- rotation ----------------------------------------------------------------------------
OLD=$TOK
check "cdnctl secret rotate" sh -c "'$CDNCTL_BIN' -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' secret rotate --customer acme | grep -q ps_"
NEW=$(mint --stream cam1 --ttl 1h)
expect "$OPL?token=$OLD" "200 #EXTM3U" "origin: the old token still plays after rotate"
expect "$EPL?token=$OLD" "200 #EXTM3U" "edge: the old token still plays after rotate"
expect "$OPL?token=$NEW" "200 #EXTM3U" "origin: a token signed with the new secret plays"
check "edge: a token signed with the new secret plays within token_secrets_retry" \
	eventually 4 "$EPL?token=$NEW" "200 #EXTM3U"
check "cdnctl secret retire" cdnctl secret retire --customer acme
expect "$OPL?token=$OLD" "403 token invalid" "origin: the old token is refused after retire"
check "edge: the old token is refused within the refresh interval (2 s)" \
	eventually 5 "$EPL?token=$OLD" "403 token invalid"
expect "$EPL?token=$NEW" "200 #EXTM3U" "edge: the new token still plays"

# ---- unpublished: preview tokens only -------------------------------------------------
E2="$EDGE_URL/hls/cam2/index.m3u8"; O2="$ORIGIN_URL/hls/cam2/index.m3u8"
expect "$E2" "200 #EXTM3U" "cam2 is public at first"
check "cdnctl stream access sets unpublished" cdnctl stream access --customer acme --stream cam2 unpublished
VIEW=$(mint --stream cam2 --ttl 1h --sid viewer-9)
PREVIEW=$(mint --stream cam2 --ttl 1h --sid preview-ops)
expect "$O2" "403 stream not published" "origin: unpublished, no token"
expect "$O2?token=$VIEW" "403 stream not published" "origin: unpublished, a viewer token"
expect "$O2?token=$PREVIEW" "200 #EXTM3U" "origin: unpublished, a preview token"
check "edge: unpublished within one playlist TTL" eventually 3 "$E2" "403 stream not published"
expect "$E2?token=$VIEW" "403 stream not published" "edge: unpublished, a viewer token"
expect "$E2?token=$PREVIEW" "200 #EXTM3U" "edge: unpublished, a preview token"
check "back to public" cdnctl stream access --customer acme --stream cam2 public
check "edge: public again within one playlist TTL" eventually 3 "$E2" "200 #EXTM3U"

# ---- unique viewers: distinct SIDs served at the edge (docs/accounting.md) ------------
E3="$EDGE_URL/hls/cam3/index.m3u8"
check "cam3 is live at the origin" wait_until 8 has_segments "$ORIGIN_URL/hls/cam3/index.m3u8"
check "cdnctl stream access sets cam3 token-only" cdnctl stream access --customer acme --stream cam3 token
check "edge: cam3 is token-only within one playlist TTL" eventually 3 "$E3" "403 token missing"
# view TOKEN N: a viewer fetches the playlist and its last segment through the edge
view() {
	curl -s --max-time 5 -o "$T_DIR/uv.m3u8" "$E3?token=$1"
	_seg=$(grep -v '^#' "$T_DIR/uv.m3u8" | tail -1)
	check "unique viewers: viewer $2 gets the playlist and a segment" \
		test -n "$_seg" -a "$(http_code "$EDGE_URL/hls/cam3/$_seg")" = 200
}
view "$(mint --stream cam3 --ttl 1h --sid a)" 1
view "$(mint --stream cam3 --ttl 1h --sid b)" 2
view "$(mint --stream cam3 --ttl 50m --sid a)" 3
view "$(mint --stream cam3 --ttl 1h)" "without a SID"
# uv: cam3's unique_viewers in today's report (-1 when absent)
uv() {
	cdnctl report --customer acme --from "$(date -u +%F)" --to "$(date -u +%F)" --format json |
		python3 -c 'import json, sys
s = [x for x in json.load(sys.stdin).get("streams", []) if x["stream"] == "cam3"]
print(s[0]["unique_viewers"] if s else -1)'
}
i=0; while [ "$(uv)" -lt 2 ] && [ $i -lt 30 ]; do sleep 0.2; i=$((i + 1)); done
sleep 2.5   # two more flushes: the figure is final
U=$(uv)
check "unique_viewers of cam3 is exactly 2 (SIDs a, b, a; a token without SID adds nothing): $U" \
	test "$U" = 2
# The API: per-node absolute counts, summed over nodes, replays change
# nothing, shippers without the field are still accepted.
ATOK=$(cat "$ORIGIN_DATA/accounting.token")
UB0=$(( $(date +%s) / 300 * 300 ))
ship() { # ship NODE EXTRA-FIELDS: HTTP status
	curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ATOK" \
		-H 'Content-Type: application/json' --data-binary "{\"node\":\"$1\",\"buckets\":[{\"customer\":\"acme\",\"stream\":\"uvx\",\"bucket\":$UB0,\"bytes_out\":1,\"bytes_in\":0,\"requests\":1,\"peak_viewers\":1$2}]}" \
		"$ORIGIN_URL/api/v1/accounting"
}
check "API: a row with sessions is stored" test "$(ship n1 ',"sessions":3')" = 200
check "API: another node's row" test "$(ship n2 ',"sessions":4')" = 200
check "API: a replay is accepted" test "$(ship n1 ',"sessions":3')" = 200
check "API: an old shipper's row without sessions is accepted" test "$(ship n3 '')" = 200
check "API: negative sessions are refused" test "$(ship n1 ',"sessions":-1')" = 400
check "API: sessions_capped other than 0 or 1 is refused" test "$(ship n1 ',"sessions":3,"sessions_capped":2')" = 400
uvx() {
	cdnctl report --customer acme --from "$(date -u +%F)" --to "$(date -u +%F)" --format json |
		python3 -c 'import json, sys
s = [x for x in json.load(sys.stdin).get("streams", []) if x["stream"] == "uvx"]
print(s[0]["unique_viewers"], s[0]["unique_viewers_at_least"]) if s else print(-1)'
}
U=$(uvx)
check "API: unique_viewers sums the nodes' counts, replays not doubled: 3 + 4 = 7 ($U)" test "$U" = "7 False"
check "API: a capped node makes the figure 'at least'" test "$(ship n2 ',"sessions":4,"sessions_capped":1')" = 200
U=$(uvx)
check "API: ... unique_viewers_at_least is then true ($U)" test "$U" = "7 True"
check "cdnctl report's table shows unique viewers per stream" sh -c \
	"'$CDNCTL_BIN' -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' report --customer acme --from $(date -u +%F) --to $(date -u +%F) | grep -q 'UNIQUE VIEWERS'"

# ---- logs ----------------------------------------------------------------------------------
check "no token in the edge's access log" sh -c "! grep -q 'token\|~' '$EDGE_ACCESS'"
check "the 403s are in the edge's access log" grep -q '" 403 ' "$EDGE_ACCESS"
check "no secret in the edge's log" sh -c "! grep -q 'ps_' '$EDGE_LOG'"
stop_pid "$EDGE_PID"
check "the edge stopped cleanly" grep -q "stopped" "$EDGE_LOG"
check "no sanitizer report or crash in the logs" \
	sh -c "! grep -Eqi 'sanitizer|runtime error|assert' '$EDGE_LOG' '$ORIGIN_LOG'"
t_done
