#!/bin/sh
# accounting_e2e: per-customer accounting end to end (docs/accounting.md), with
# real processes on loopback: cdn-origin, two cdn-edges, ffmpeg publishing,
# curl as the viewers, cdnctl for the reports.
#   - two customers, each with a stream pushed by ffmpeg from a generated
#     FLV (so the media bytes sent are known: the FLV's audio + video tag
#     payloads, summed by a small parser below);
#   - viewers fetch playlists and segments through both edges and straight
#     from the origin; every HLS request of this test goes through get(),
#     which writes curl's own byte count (%{size_download}) to a ledger;
#   - after a flush, the report's bytes_out per customer EXACTLY equals the
#     ledger, node by node; the origin bills only what it served viewers
#     directly (the edges' fetches, Via: cdn-edge, are not counted); one row
#     per (node, customer, bucket); a range counts its bytes; requests count
#     the answers with a body (HEAD and 304 are checked apart);
#   - bytes_in equals the FLV payload ffmpeg sent; the RTMP framing overhead
#     is measured from the origin's wire counter and printed;
#   - kill -9 of an edge in the middle of viewers' fetches loses at most
#     what was counted in the last flush interval (every answer that ended
#     earlier is in its spool); restarted on the same spool it ships, and
#     nothing doubles;
#   - the origin stopped: edges keep serving cached segments and spool the
#     bytes (an edge is even kill -9'd meanwhile); the origin restarted on
#     the same data_dir and port: the spools arrive, the report equals the
#     viewers' exact byte total;
#   - report formats (csv, svg, --all ranking, directions) and tokens;
#   - no sanitizer report in any log.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" curl python3

T_START=$(date +%s)
DAY0=$(date -u +%F)
WIN_FROM=$((T_START - T_START % 300))
FLUSH=1   # accounting_flush, seconds, on every node

# ---- helpers ------------------------------------------------------------------

# free_port: a TCP port free on 127.0.0.1 now (the restarted origin reuses it)
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# flv_payload FILE: "TOTAL AUDIO VIDEO TAGS": the bytes of the audio (8) and
# video (9) tag bodies of an FLV file, i.e. the RTMP message bodies a
# publisher sends for them. Script tags (onMetaData) are not media.
flv_payload() {
	python3 - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
assert d[:3] == b"FLV", "not an FLV file"
off = struct.unpack(">I", d[5:9])[0] + 4      # header, then PreviousTagSize0
audio = video = tags = 0
while off + 11 <= len(d):
    t = d[off] & 0x1F
    size = int.from_bytes(d[off + 1:off + 4], "big")
    if off + 11 + size > len(d):
        break                                  # truncated last tag: not sent
    if t == 8:
        audio += size
    elif t == 9:
        video += size
    tags += 1
    off += 11 + size + 4
print(audio + video, audio, video, tags)
EOF
}

LEDGER="$T_DIR/ledger"
: >"$LEDGER"
# get CUSTOMER NODE URL [OUTFILE]: one viewer request; the ledger gets
# "customer node bytes code end_ms" (curl's own count of body bytes); prints
# the status code
get() {
	r=$(curl -s --max-time 10 -o "${4:-/dev/null}" -w '%{http_code} %{size_download}' "$3")
	echo "$1 $2 ${r#* } ${r% *} $(date +%s%3N)" >>"$LEDGER"
	echo "${r% *}"
}
# get_opts CUSTOMER NODE URL CURL_OPTS...: the same with options (a range)
get_opts() {
	_c=$1; _n=$2; _u=$3; shift 3
	r=$(curl -s --max-time 10 -o /dev/null -w '%{http_code} %{size_download}' "$@" "$_u")
	echo "$_c $_n ${r#* } ${r% *} $(date +%s%3N)" >>"$LEDGER"
	echo "${r% *}"
}
# bodiless CUSTOMER NODE URL CURL_OPTS...: a HEAD or a conditional GET, whose
# answer has no body; ledgered with its code prefixed "nobody-"
bodiless() {
	_c=$1; _n=$2; _u=$3; shift 3
	r=$(curl -s --max-time 10 -o /dev/null -w '%{http_code} %{size_download}' "$@" "$_u")
	echo "$_c $_n ${r#* } nobody-${r% *} $(date +%s%3N)" >>"$LEDGER"
	echo "${r% *}"
}
# ledger_sum CUSTOMER NODE [BEFORE_MS]: body bytes the viewers received
# (answers that ended before BEFORE_MS); 4xx/5xx excluded (a 404 while a
# stream does not exist yet is nobody's traffic); NODE "*" for all
ledger_sum() {
	awk -v c="$1" -v n="$2" -v t="${3:-99999999999999}" \
		'$1 == c && (n == "*" || $2 == n) && $4 !~ /^[45]/ && $5 < t { s += $3 } END { printf "%d\n", s }' "$LEDGER"
}
# ledger_count CUSTOMER NODE: the requests answered with a body (2xx, not HEAD)
ledger_count() {
	awk -v c="$1" -v n="$2" '$1 == c && (n == "*" || $2 == n) && $4 ~ /^2/ { k++ } END { printf "%d\n", k }' "$LEDGER"
}
# ledger_answers CUSTOMER NODE: every answer, with a body or not (for what a
# kill -9 lost: the spool's requests against all the node served)
ledger_answers() {
	awk -v c="$1" -v n="$2" '$1 == c && (n == "*" || $2 == n) && $4 ~ /^(2|nobody-)/ { k++ } END { printf "%d\n", k }' "$LEDGER"
}
ledger_bodiless() {
	awk -v c="$1" '$1 == c && $4 ~ /^nobody-/ { k++ } END { printf "%d\n", k }' "$LEDGER"
}

# sql DB QUERY: rows as "a|b|c" (python's sqlite3: no sqlite3 CLI needed)
sql() {
	python3 - "$1" "$2" <<'EOF'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], timeout=5)
for row in con.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))
con.close()
EOF
}
# spool_out DB NODE CUSTOMER: the node's spooled bytes_out for the customer
spool_out() { v=$(sql "$1" "SELECT coalesce(sum(bytes_out), 0) FROM spool WHERE node = '$2' AND customer = '$3'"); echo "${v:-0}"; }
spool_req() { v=$(sql "$1" "SELECT coalesce(sum(requests), 0) FROM spool WHERE node = '$2' AND customer = '$3'"); echo "${v:-0}"; }
spool_unshipped() { v=$(sql "$1" "SELECT count(*) FROM spool WHERE rev > shipped_rev"); echo "${v:-0}"; }
# acct_out NODE CUSTOMER: the origin's stored bytes_out for them
acct_out() { v=$(sql "$ODATA/accounting.db" "SELECT coalesce(sum(bytes_out), 0) FROM acct WHERE node = '$1' AND customer = '$2'"); echo "${v:-0}"; }

# report CUSTOMER FIELD [cdnctl options]: one number from the JSON report
report_field() {
	_c=$1; _f=$2; shift 2
	cdnctl report --customer "$_c" --from "$DAY0" --to "$(date -u +%F)" --format json "$@" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["report"][sys.argv[1]])' "$_f"
}

# report_win CUSTOMER FIELD [cdnctl options]: the same over this test's buckets
# only (Unix seconds): fewer than 20 samples, so nothing is discarded and the
# billable figure is the busiest bucket's
report_win() {
	_c=$1; _f=$2; shift 2
	cdnctl report --customer "$_c" --from "$WIN_FROM" --to "$(( $(date +%s) + 1 ))" --format json "$@" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["report"][sys.argv[1]])' "$_f"
}

# playlist_segs FILE N: the last N segment URIs of a playlist
playlist_segs() { grep -v '^#' "$1" | grep . | tail -n "$2"; }

# live CUSTOMER STREAM: the origin's playlist lists a segment (counted: a viewer request)
live() {
	test "$(get "$1" "$ONODE" "$ORIGIN_URL/hls/$2/index.m3u8" "$T_DIR/live.m3u8")" = 200 &&
		grep -q '^#EXTINF' "$T_DIR/live.m3u8"
}

# view NODE URL CUSTOMER STREAM REPEAT NSEG: a viewer round: the playlist, then
# its last NSEG segments REPEAT times. Fails (1) if any answer was not 200.
view() {
	_n=$1; _u=$2; _c=$3; _s=$4; _rep=$5; _ns=$6; _ok=0
	_pl="$T_DIR/pl.$_n.$_c.m3u8"
	[ "$(get "$_c" "$_n" "$_u/hls/$_s/index.m3u8" "$_pl")" = 200 ] || _ok=1
	_k=0
	while [ $_k -lt "$_rep" ]; do
		for _seg in $(playlist_segs "$_pl" "$_ns"); do
			[ "$(get "$_c" "$_n" "$_u/hls/$_s/$_seg")" = 200 ] || _ok=1
		done
		_k=$((_k + 1))
	done
	return $_ok
}

# every_round: both customers through both edges; acme watched 3x as much
BAD_ROUNDS=0
every_round() {
	view e1 "$E1_URL" acme cam1 3 3 || BAD_ROUNDS=$((BAD_ROUNDS + 1))
	view e2 "$E2_URL" acme cam1 3 3 || BAD_ROUNDS=$((BAD_ROUNDS + 1))
	view e1 "$E1_URL" globex cam2 1 2 || BAD_ROUNDS=$((BAD_ROUNDS + 1))
	view e2 "$E2_URL" globex cam2 1 2 || BAD_ROUNDS=$((BAD_ROUNDS + 1))
}

EDGE_OPTS="-o accounting_flush=${FLUSH}s -o cache_idle_timeout=300s"
edge_up() {  # edge_up NAME: (re)start an edge on the fixed origin port; sets its URL var
	[ -f "$T_DIR/$1.log" ] && cat "$T_DIR/$1.log" >>"$T_DIR/$1.old.log"
	# shellcheck disable=SC2086
	start_edge "$1" "http://127.0.0.1:$OPORT" \
		-o accounting_token_file="$ODATA/accounting.token" $EDGE_OPTS
	case $1 in e1) E1_URL=$EDGE_URL; E1_PID=$EDGE_PID;; e2) E2_URL=$EDGE_URL; E2_PID=$EDGE_PID;; esac
}
origin_up() {  # (re)start the origin on the same data_dir and port
	[ -f "$T_DIR/origin.log" ] && cat "$T_DIR/origin.log" >>"$T_DIR/origin.old.log"
	start_origin origin -o http_listen="127.0.0.1:$OPORT" -o accounting_flush=${FLUSH}s
	ODATA=$ORIGIN_DATA
}

# check_exact LABEL: report bytes_out per customer == the ledger (minus what
# kill -9 lost, measured), and node by node in the origin's table
check_exact() {
	for _xc in acme globex; do
		_want=$(( $(ledger_sum $_xc '*') - $(eval echo \$LOST_$_xc) ))
		_got=$(report_field $_xc bytes_out)
		check "$1: $_xc: report bytes_out $_got == bytes the viewers received $_want" \
			test "$_got" = "$_want"
		# Requests: a kill -9 loses the answers whose bytes it lost (k, from
		# the byte tail) and, at most, the few in flight at the kill whose
		# bytes a flush had already drained but whose request count had not
		# (bytes and requests are separate lock-free counters): so the count
		# lies in [ledger - (answers - spooled requests at the kill),
		# ledger - k]. Without a kill both ends are equal: exact.
		_lo=$(( $(ledger_count $_xc '*') - $(eval echo \$LOSTREQ_$_xc) ))
		_hi=$(( $(ledger_count $_xc '*') - $(eval echo \$LOSTK_$_xc) ))
		_nb=$(ledger_bodiless $_xc)
		_got=$(report_field $_xc requests)
		check "$1: $_xc: report requests $_got: the viewers' requests, none doubled ($_got <= $_hi with a body; $_nb HEAD/304 not counted)" \
			test "$_got" -le "$_hi"
		check "$1: $_xc: and none lost beyond a kill -9's interval ($_got >= $_lo)" \
			test "$_got" -ge "$_lo"
		for _xn in "$ONODE" e1 e2; do
			_w=$(ledger_sum $_xc "$_xn")
			[ "$_xn" = e1 ] && _w=$((_w - LOST_E1_$_xc))
			[ "$_xn" = e2 ] && _w=$((_w - LOST_E2_$_xc))
			_g=$(acct_out "$_xn" $_xc)
			check "$1: $_xc: node $_xn stored $_g == its viewers' $_w" test "$_g" = "$_w"
		done
	done
}
LOST_acme=0; LOST_globex=0; LOSTREQ_acme=0; LOSTREQ_globex=0; LOSTK_acme=0; LOSTK_globex=0; LOST_E1_acme=0; LOST_E1_globex=0; LOST_E2_acme=0; LOST_E2_globex=0

# ---- setup: origin on a fixed port, two customers, two streams, two edges ------
OPORT=$(free_port)
origin_up
check "the origin listens on the chosen port $OPORT" test "$HTTP_PORT" = "$OPORT"
ONODE="origin-$(hostname)"
check "the origin created its accounting token" test -s "$ODATA/accounting.token"
KEYA=$(new_key acme cam1)
KEYG=$(new_key globex cam2)
check "stream keys for acme and globex" test -n "$KEYA" -a -n "$KEYG"

make_media "$T_DIR/acme.flv" 30 &
m1=$!
make_media "$T_DIR/globex.flv" 30 -b:v 150k &
m2=$!
wait $m1 $m2
set -- $(flv_payload "$T_DIR/acme.flv"); PAY_acme=$1
echo "acme.flv: $1 media payload bytes (audio $2, video $3) in $4 tags, file $(wc -c <"$T_DIR/acme.flv")"
set -- $(flv_payload "$T_DIR/globex.flv"); PAY_globex=$1
echo "globex.flv: $1 media payload bytes (audio $2, video $3) in $4 tags, file $(wc -c <"$T_DIR/globex.flv")"
check "the FLV payloads were parsed" test "$PAY_acme" -gt 100000 -a "$PAY_globex" -gt 50000

publish_file "$T_DIR/acme.flv" "$KEYA"; PUBA=$PUB_PID
publish_file "$T_DIR/globex.flv" "$KEYG"; PUBG=$PUB_PID
check "acme's stream is live within 10 s" wait_until 10 live acme cam1
check "globex's stream is live within 10 s" wait_until 10 live globex cam2

edge_up e1
edge_up e2

# ---- viewers: through both edges, and some straight from the origin -------------
ri=0
while [ $ri -lt 5 ]; do
	every_round
	if [ $((ri % 2)) -eq 0 ]; then
		view "$ONODE" "$ORIGIN_URL" acme cam1 1 1 || BAD_ROUNDS=$((BAD_ROUNDS + 1))
		view "$ONODE" "$ORIGIN_URL" globex cam2 1 1 || BAD_ROUNDS=$((BAD_ROUNDS + 1))
	fi
	sleep 1
	ri=$((ri + 1))
done
check "every viewer request so far was answered 200 ($BAD_ROUNDS rounds with errors)" test $BAD_ROUNDS -eq 0

# The owner never reaches a viewer; an edge asking upstream gets it.
SEG1=$(playlist_segs "$T_DIR/pl.e1.acme.m3u8" 1)
r=$(curl -s --max-time 10 -D "$T_DIR/h.txt" -o /dev/null -w '%{http_code} %{size_download}' "$E1_URL/hls/cam1/$SEG1")
echo "acme e1 ${r#* } ${r% *} $(date +%s%3N)" >>"$LEDGER"
check "an edge does not send X-CDN-Customer to viewers" sh -c "! grep -qi '^X-CDN-Customer' '$T_DIR/h.txt'"
ETOK=$(cat "$ORIGIN_DATA/accounting.token")
check "the origin names the owner to an edge (X-CDN-Customer: acme)" sh -c \
	"curl -s -D - -o /dev/null -H 'X-CDN-Edge: $ETOK' '$ORIGIN_URL/hls/cam1/$SEG1' | grep -qi '^X-CDN-Customer: acme'"
# A viewer that claims to be an edge with a Via header only is still billed
# (the ledger counts it; check_exact below must then hold).
r=$(curl -s --max-time 10 -H 'Via: 1.1 cdn-edge' -o /dev/null -w '%{http_code} %{size_download}' "$ORIGIN_URL/hls/cam1/$SEG1")
echo "acme $ONODE ${r#* } ${r% *} $(date +%s%3N)" >>"$LEDGER"
check "a forged Via header is answered ($r) and billed like any viewer" test "${r% *}" = 200

# Answers without a body: a HEAD and a 304 on an edge and on the origin. No
# bytes; and per the docs ("requests: viewer requests answered with a
# body"), no request either: check_exact counts only answers with a body.
ETAG=$(sed -n 's/^[Ee][Tt][Aa][Gg]: *\(.*\)\r$/\1/p' "$T_DIR/h.txt")
NB=""
for u in "e2 $E2_URL" "$ONODE $ORIGIN_URL"; do
	NB="$NB $(bodiless acme ${u% *} "${u#* }/hls/cam1/$SEG1" -I)"
	NB="$NB $(bodiless acme ${u% *} "${u#* }/hls/cam1/$SEG1" -H "If-None-Match: $ETAG")"
done
check "HEAD and If-None-Match get 200 and 304, without a body, on the edge and the origin ($NB)" \
	test "$NB" = " 200 304 200 304"
# A range counts the bytes of the range.
RG="$(get_opts globex e2 "$E2_URL/hls/cam2/$(playlist_segs "$T_DIR/pl.e2.globex.m3u8" 1)" -r 100-1099) \
$(get_opts globex "$ONODE" "$ORIGIN_URL/hls/cam2/$(playlist_segs "$T_DIR/pl.e2.globex.m3u8" 1)" -r 0-499)"
check "ranges answered 206 by the edge and the origin ($RG)" test "$RG" = "206 206"
check "the ledger has the ranges' sizes (1000 and 500 bytes)" \
	test "$(tail -n 2 "$LEDGER" | awk '{ printf "%s ", $3 }')" = "1000 500 "

# ---- kill -9 of an edge ------------------------------------------------------------
# Viewers fetch from e1 without a pause for 3 s, then e1 gets kill -9 right
# after an answer. The flusher drains the counters every interval (1 s, plus
# the time its round takes): any answer that ended more than one interval
# (+ 250 ms for that round) before the kill must be in e1's spool.
t_end=$(( $(date +%s%3N) + 3000 ))
while [ "$(date +%s%3N)" -lt $t_end ]; do
	view e1 "$E1_URL" acme cam1 1 2
	view e1 "$E1_URL" globex cam2 1 1
done
T_KILL=$(date +%s%3N)
stop_pid "$E1_PID" KILL
for c in acme globex; do
	known=$(ledger_sum $c e1 $((T_KILL - FLUSH * 1000 - 250)))
	all=$(ledger_sum $c e1)
	spooled=$(spool_out "$T_DIR/e1.acct.db" e1 $c)
	lost=$((all - spooled))
	# The loss, as the last answers before the kill: how many, how old.
	tail_info=$(awk -v c=$c -v lost=$lost -v tk=$T_KILL '$1 == c && $2 == "e1" && $4 ~ /^2/ { b[++n] = $3; t[n] = $5 }
		END { s = 0; k = 0; while (s < lost && n - k > 0) { s += b[n - k]; k++ }
		      printf "%d answer(s), the oldest ended %d ms before the kill%s", k, k ? tk - t[n - k + 1] : 0, s == lost ? "" : " (not a whole number of answers)" }' "$LEDGER")
	lost_k=${tail_info%% *}
	eval "LOSTK_$c=\$((LOSTK_$c + lost_k))"
	echo "kill -9 e1: $c: viewers got $all bytes from e1, $known of them more than $((FLUSH * 1000 + 250)) ms before the kill; spooled $spooled; lost $lost = the last $tail_info"
	check "kill -9: $c: every byte served more than a flush interval before the kill is spooled ($spooled >= $known)" \
		test "$spooled" -ge "$known"
	check "kill -9: $c: nothing counted that was not served ($spooled <= $all)" test "$spooled" -le "$all"
	eval "LOST_E1_$c=$lost"
	eval "LOSTREQ_$c=\$((LOSTREQ_$c + $(ledger_answers $c e1) - $(spool_req "$T_DIR/e1.acct.db" e1 $c)))"
	eval "LOST_$c=\$((LOST_$c + lost))"
done
E1_SPOOL_acme=$(spool_out "$T_DIR/e1.acct.db" e1 acme)
edge_up e1
shipped_e1() { test "$(spool_unshipped "$T_DIR/e1.acct.db")" -eq 0; }
check "the restarted e1 ships its spool" wait_until 10 shipped_e1
check "the origin has e1's spooled acme bytes once ($(acct_out e1 acme) == $E1_SPOOL_acme)" \
	test "$(acct_out e1 acme)" = "$E1_SPOOL_acme"

# ---- more viewers until the publishers are done --------------------------------------
pub_done() { ! kill -0 "$PUBA" 2>/dev/null && ! kill -0 "$PUBG" 2>/dev/null; }
BAD_ROUNDS=0
rn=0
while ! pub_done && [ $rn -lt 30 ]; do
	every_round
	[ $((rn % 3)) -eq 0 ] && { view "$ONODE" "$ORIGIN_URL" acme cam1 1 2 || BAD_ROUNDS=$((BAD_ROUNDS + 1)); }
	sleep 1
	rn=$((rn + 1))
done
check "the publishers finished their files" wait_until 20 pub_done
every_round
view "$ONODE" "$ORIGIN_URL" globex cam2 1 1 || BAD_ROUNDS=$((BAD_ROUNDS + 1))
check "every viewer request after the restart was answered 200 ($BAD_ROUNDS rounds with errors)" test $BAD_ROUNDS -eq 0

# ---- after a flush: exact bytes --------------------------------------------------------
sleep 3
check_exact "after a flush"
DUPS=$(sql "$ODATA/accounting.db" "SELECT node, customer, bucket, count(*) FROM acct GROUP BY node, customer, bucket HAVING count(*) > 1")
check "the origin's table has one row per (node, customer, bucket)" test -z "$DUPS"
echo "the origin's accounting table:"
sql "$ODATA/accounting.db" "SELECT node, customer, bucket, bytes_out, bytes_in, requests, peak_viewers FROM acct ORDER BY customer, node, bucket" | sed 's/^/  /'
NODES=$(sql "$ODATA/accounting.db" "SELECT group_concat(DISTINCT node) FROM (SELECT node FROM acct ORDER BY node)")
check "the nodes are exactly e1, e2 and $ONODE ($NODES)" \
	test "$(echo "$NODES" | tr ',' '\n' | sort | tr '\n' ' ')" = "$(printf '%s\n' e1 e2 "$ONODE" | sort | tr '\n' ' ')"
# Never twice: the origin served the edges too, and billed only its own viewers.
O_ALL=$(metric_at "$ORIGIN_URL" cdn_origin_bytes_out_total)
E2_UP=$(metric_at "$E2_URL" cdn_edge_bytes_in_total)
O_DIRECT=$(( $(ledger_sum acme "$ONODE") + $(ledger_sum globex "$ONODE") ))
O_BILLED=$(( $(acct_out "$ONODE" acme) + $(acct_out "$ONODE" globex) ))
echo "origin: $O_ALL body bytes sent in all (edges' fetches, API, metrics included), $O_DIRECT to viewers directly, billed $O_BILLED; e2 fetched $E2_UP from it"
check "the edges' fetches are not billed to the origin node ($O_BILLED == $O_DIRECT, of $O_ALL sent)" \
	test "$O_BILLED" -eq "$O_DIRECT" -a "$O_ALL" -gt $((O_DIRECT + E2_UP))

# ---- ingress: bytes_in == the FLV media payload ffmpeg sent -------------------------------
WIRE=$(metric_at "$ORIGIN_URL" cdn_origin_bytes_in_total)
IN_SUM=0
for c in acme globex; do
	got=$(report_field $c bytes_in)
	pay=$(eval echo \$PAY_$c)
	IN_SUM=$((IN_SUM + got))
	echo "ingress $c: report bytes_in $got, FLV audio+video payload $pay (difference $((pay - got)))"
	check "ingress $c: bytes_in <= payload ($got <= $pay)" test "$got" -le "$pay"
	check "ingress $c: bytes_in >= 0.95 x payload ($got)" test $((got * 100)) -ge $((pay * 95))
	check "ingress $c: bytes_in == payload exactly: every audio/video message body, nothing else ($got == $pay)" \
		test "$got" -eq "$pay"
done
OVER=$((WIRE - IN_SUM))
echo "RTMP framing overhead: $WIRE bytes on the wire for $IN_SUM media bytes: $OVER bytes, $(awk -v o=$OVER -v p=$IN_SUM 'BEGIN { printf "%.2f", 100 * o / p }') % (chunk headers, handshake, commands, metadata)"
check "the wire carried the media plus a positive overhead under 10 % ($OVER bytes)" \
	test "$OVER" -gt 0 -a $((OVER * 10)) -lt "$IN_SUM"

# ---- the origin stops; edges serve from cache and spool --------------------------------------
for c in acme globex; do
	s=cam1; [ $c = globex ] && s=cam2
	view e1 "$E1_URL" $c $s 1 4
	view e2 "$E2_URL" $c $s 1 4
done
cp "$T_DIR/pl.e1.acme.m3u8" "$T_DIR/cached.acme.m3u8"
cp "$T_DIR/pl.e1.globex.m3u8" "$T_DIR/cached.globex.m3u8"
sleep 2   # the edges' last counts are shipped while the origin is still up
stop_pid "$ORIGIN_PID" TERM
check "the origin stopped" sh -c "! curl -s --max-time 2 -o /dev/null http://127.0.0.1:$OPORT/healthz"
DOWN_BAD=0
ri=0
while [ $ri -lt 3 ]; do
	for c in acme globex; do
		s=cam1; [ $c = globex ] && s=cam2
		for seg in $(playlist_segs "$T_DIR/cached.$c.m3u8" 4); do
			[ "$(get $c e1 "$E1_URL/hls/$s/$seg")" = 200 ] || DOWN_BAD=$((DOWN_BAD + 1))
			[ "$(get $c e2 "$E2_URL/hls/$s/$seg")" = 200 ] || DOWN_BAD=$((DOWN_BAD + 1))
		done
	done
	ri=$((ri + 1))
done
check "with the origin down, cached segments are still served (200) by both edges ($DOWN_BAD errors)" test $DOWN_BAD -eq 0
sleep 2.5
check "the edges spool what they cannot ship (e1: $(spool_unshipped "$T_DIR/e1.acct.db"), e2: $(spool_unshipped "$T_DIR/e2.acct.db") unshipped rows)" \
	test "$(spool_unshipped "$T_DIR/e1.acct.db")" -gt 0 -a "$(spool_unshipped "$T_DIR/e2.acct.db")" -gt 0
for c in acme globex; do
	check "e1 spooled all of $c's bytes while the origin was down" \
		test "$(spool_out "$T_DIR/e1.acct.db" e1 $c)" -eq $(( $(ledger_sum $c e1) - LOST_E1_$c ))
done
# kill -9 e2 now: nothing served in the last 2.5 s, its unshipped rows must survive.
stop_pid "$E2_PID" KILL
for c in acme globex; do
	sp=$(spool_out "$T_DIR/e2.acct.db" e2 $c)
	w=$(ledger_sum $c e2)
	check "kill -9 with the origin down: e2's unshipped $c bytes are all in its spool ($sp == $w)" test "$sp" = "$w"
	eval "LOST_E2_$c=$((w - sp))"
	eval "LOSTREQ_$c=\$((LOSTREQ_$c + $(ledger_answers $c e2) - $(spool_req "$T_DIR/e2.acct.db" e2 $c)))"
	eval "LOST_$c=\$((LOST_$c + w - sp))"
done
edge_up e2    # its upstream is down: it starts anyway, its spool waits

# ---- the origin returns on the same data_dir and port ------------------------------------------
origin_up
check "the restarted origin listens on port $OPORT again" test "$HTTP_PORT" = "$OPORT"
all_shipped() {
	test "$(spool_unshipped "$T_DIR/e1.acct.db")" -eq 0 &&
		test "$(spool_unshipped "$T_DIR/e2.acct.db")" -eq 0 &&
		test "$(spool_unshipped "$ODATA/accounting-spool.db")" -eq 0
}
check "every spooled bucket is shipped within 15 s of the origin's return" wait_until 15 all_shipped
check_exact "after the origin's restart"
DUPS=$(sql "$ODATA/accounting.db" "SELECT node, customer, bucket, count(*) FROM acct GROUP BY node, customer, bucket HAVING count(*) > 1")
check "still one row per (node, customer, bucket)" test -z "$DUPS"
TOTAL_acme=$(ledger_sum acme '*'); TOTAL_globex=$(ledger_sum globex '*')
echo "viewers received: acme $TOTAL_acme bytes, globex $TOTAL_globex bytes (lost to kill -9: $LOST_acme, $LOST_globex)"

# ---- report formats ---------------------------------------------------------------------------
DAY1=$(date -u +%F)
# Peak concurrent viewers per stream: the viewers above overlapped, so each
# stream of each customer has a peak of at least 1, and only its own streams.
cdnctl report --customer acme --from "$DAY0" --to "$(date -u +%F)" --format json >"$T_DIR/streams.json"
ST=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join("%s=%d" % (s["stream"], s["peak_viewers"]) for s in d["streams"]))' "$T_DIR/streams.json")
check "acme's report lists its stream cam1 with a peak of concurrent viewers ($ST)" \
	sh -c "echo '$ST' | grep -qE '(^| )cam1=[1-9][0-9]*( |$)' && ! echo '$ST' | grep -q cam2"
cdnctl report --customer acme --from "$DAY0" --to "$(date -u +%F)" >"$T_DIR/streams.txt"
check "the table lists the streams with their peak viewers" grep -qE '^cam1 +[0-9.]+ +[1-9]' "$T_DIR/streams.txt"
cdnctl report --customer acme --from "$DAY0" --to "$DAY1" --format csv >"$T_DIR/r.csv"
check "csv: a header and one row" test "$(wc -l <"$T_DIR/r.csv")" -eq 2
check "csv: the header names the columns" grep -q '^customer,direction,bytes_out,bytes_in,' "$T_DIR/r.csv"
check "csv: the row is acme's, with the JSON's bytes_out" \
	test "$(sed -n 2p "$T_DIR/r.csv" | cut -d, -f1,3)" = "\"acme\",$(report_field acme bytes_out)"
cdnctl report --customer acme --from "$DAY0" --to "$DAY1" --format svg >"$T_DIR/r.svg"
check "svg: well-formed XML with an <svg> root" python3 -c '
import sys, xml.dom.minidom
d = xml.dom.minidom.parse(sys.argv[1])
sys.exit(0 if d.documentElement.tagName == "svg" else 1)' "$T_DIR/r.svg"
check "svg: names the customer" grep -q 'acme' "$T_DIR/r.svg"
# Ranking and billing over this test's buckets (Unix seconds): over the
# whole day the 95th percentile discards the top 5 % of the day's samples,
# which are our one or two busy buckets, and bills 0.
WIN_TO=$(( $(date +%s) + 1 ))
echo "over the day: acme billable $(report_field acme billable_mbps) Mbit/s, $(report_field acme samples) samples, $(report_field acme discarded) discarded"
cdnctl report --all --from "$WIN_FROM" --to "$WIN_TO" --format json >"$T_DIR/all.json"
RANK=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s:%s" % (c["customer"], c["billable_mbps"]) for c in d["customers"]))' "$T_DIR/all.json")
echo "--all over the test's buckets: $RANK"
check "acme had more than twice globex's traffic ($TOTAL_acme vs $TOTAL_globex)" \
	test "$TOTAL_acme" -gt $((2 * TOTAL_globex))
check "--all ranks acme (more traffic) first, then globex, both billed > 0 ($RANK)" python3 -c '
import sys
r = [x.split(":") for x in sys.argv[1].split()]
ok = [c for c, _ in r] == ["acme", "globex"] and float(r[0][1]) > float(r[1][1]) > 0
sys.exit(0 if ok else 1)' "$RANK"
cdnctl report --all --from "$WIN_FROM" --to "$WIN_TO" --format csv >"$T_DIR/all.csv"
check "--all csv: a header and two rows, acme first" \
	sh -c "test \$(wc -l <'$T_DIR/all.csv') -eq 3 && sed -n 2p '$T_DIR/all.csv' | grep -q '^\"acme\",'"
echo "wrong-token" >"$T_DIR/wrong.token"
"$CDNCTL_BIN" -u "$ORIGIN_URL" --token-file "$T_DIR/wrong.token" report --customer acme \
	--from "$DAY0" --to "$DAY1" >"$T_DIR/wrong.out" 2>&1
rc=$?
check "a wrong token: error exit ($rc)" test $rc -ne 0
"$CDNCTL_BIN" -u "$ORIGIN_URL" --token-file "$ODATA/accounting.token" report --customer acme \
	--from "$DAY0" --to "$DAY1" >/dev/null 2>&1
rc=$?
check "the accounting token cannot read reports ($rc)" test $rc -ne 0
# Directions: the API's series (series=1, as the dashboard and the SVG use)
# gives each bucket's out and in; with fewer than 20 samples nothing is
# discarded, so each direction bills its busiest bucket: out, in, the larger
# of the two, or their sum.
for _dir in out in max sum; do
	curl -s --max-time 10 -H "Authorization: Bearer $(cat "$TOKEN_FILE")" \
		"$ORIGIN_URL/api/v1/report?customer=acme&from=$WIN_FROM&to=$WIN_TO&series=1&direction=$_dir" \
		>"$T_DIR/dir.$_dir.json"
done
check "directions: each bills its busiest bucket; sum >= max >= out, max >= in, all > 0" python3 -c '
import json, sys
d = {k: json.load(open("%s/dir.%s.json" % (sys.argv[1], k))) for k in ("out", "in", "max", "sum")}
f = {"out": lambda o, i: o, "in": lambda o, i: i, "max": max, "sum": lambda o, i: o + i}
bill = {}
ok = True
for k, doc in d.items():
    r = doc["report"]
    want = max(f[k](o, i) for _, o, i in r["series"]) * 8 / 300 / 1e6
    bill[k] = r["billable_mbps"]
    print("  %s: billable %.6f Mbit/s (from the series: %.6f), %d samples, %d discarded, echoed %s"
          % (k, bill[k], want, r["samples"], r["discarded"], doc["direction"]))
    ok = ok and abs(bill[k] - want) < 1e-6 and doc["direction"] == k and r["discarded"] == 0
    ok = ok and sum(o for _, o, _ in r["series"]) == r["bytes_out"] and sum(i for _, _, i in r["series"]) == r["bytes_in"]
e = 1e-9
ok = ok and bill["sum"] + e >= bill["max"] >= bill["out"] - e and bill["max"] + e >= bill["in"] > 0 and bill["out"] > 0
sys.exit(0 if ok else 1)' "$T_DIR"
check "cdnctl --direction sum bills what the API bills" \
	test "$(report_win acme billable_mbps --direction sum)" = \
	"$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["report"]["billable_mbps"])' "$T_DIR/dir.sum.json")"

# ---- shutdown, logs ---------------------------------------------------------------------------
stop_pid "$E1_PID"
stop_pid "$E2_PID"
stop_pid "$ORIGIN_PID"
check "no sanitizer report or runtime error in any log" sh -c \
	"! grep -Eqi 'sanitizer|runtime error|heap-use|leak of|assert' '$T_DIR'/*.log"
check "the whole test took under 3 minutes ($(( $(date +%s) - T_START )) s)" \
	test $(( $(date +%s) - T_START )) -lt 180
t_done
