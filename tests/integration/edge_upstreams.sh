#!/bin/sh
# edge_upstreams: cdn-edge and its upstreams, with real processes.
#   - tiers: a child edge whose upstream is a parent edge in front of the
#     origin; ffmpeg plays 10 s from the child, and every request the child
#     sent upstream is in the parent's access log;
#   - failover: an upstream that goes away (its port then refuses) is
#     skipped at once, marked down in /metrics and /healthz, while the edge
#     stays "ok"; two origins with the same stream, the first SIGKILLed
#     mid-playback: playlists keep answering 200 and the segments they list
#     keep downloading, and once the first origin is back it is preferred;
#   - stale: with the origin frozen (SIGSTOP: connections hang, fetches time
#     out) an expired playlist is served STALE for one target duration, then
#     504; after SIGCONT service recovers; with the origin killed (refused)
#     the same, then 502;
#   - health: /healthz is 503 "no_upstream" while every upstream is down and
#     200 again when one returns.
# Timing assertions are generous: this checks behaviour, not latency.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl python3
T_START=$(date +%s)

now_ms() { date +%s%3N; }
# sleep_until MS: sleep until the wall clock (ms since the epoch) reaches MS
sleep_until() {
	su_d=$(( $1 - $(now_ms) ))
	[ "$su_d" -gt 0 ] && sleep "$(awk -v d="$su_d" 'BEGIN { printf "%.3f", d / 1000 }')"
	return 0
}
# within SECONDS command...: like wait_until, bounded by the wall clock even
# when the command itself is slow
within() {
	wi_end=$(( $(now_ms) + $1 * 1000 )); shift
	while :; do
		"$@" 2>/dev/null && return 0
		[ "$(now_ms)" -ge "$wi_end" ] && return 1
		sleep 0.1
	done
}
# probe URL [curl args]: prints "CODE X-CACHE" ("-" when there is no X-Cache);
# the headers and body stay in $T_DIR/probe.h and $T_DIR/probe.b
probe() {
	pr_u=$1; shift
	pr_c=$(curl -s --max-time 8 -D "$T_DIR/probe.h" -o "$T_DIR/probe.b" -w '%{http_code}' "$@" "$pr_u")
	pr_x=$(tr -d '\r' <"$T_DIR/probe.h" | sed -n 's/^[Xx]-[Cc][Aa][Cc][Hh][Ee]: *//p' | head -1)
	echo "$pr_c ${pr_x:--}"
}
probe_is() { test "$(probe "$1")" = "$2"; }
code_is() { test "$(http_code "$1")" = "$2"; }
# newest_seg PLAYLIST_FILE: the last segment URI listed
newest_seg() { grep -v '^#' "$1" | grep . | tail -1; }
# sid URL: the session id of the stream (segment names are SID-N.ts)
sid() { curl -sf --max-time 5 "$1" | grep -v '^#' | grep . | tail -1 | sed 's/-[0-9]*\.[a-z0-9]*$//'; }
healthz_has() { curl -s --max-time 5 "$1/healthz" | grep -q "$2"; }
healthz_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1/healthz"; }
metric_is() { test "$(metric_at "$1" "$2")" = "$3"; }
# free_port: a TCP port on 127.0.0.1 nobody listens on (bound, then closed)
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
# play URL SECONDS LOG: ffmpeg reads SECONDS of the stream; rc in PLAY_RC
play() {
	timeout $(( $2 + 30 )) "$FFMPEG" -nostdin -loglevel error -i "$1" -t "$2" -c copy -f null - \
		>"$3" 2>&1
	PLAY_RC=$?
}
play_ok() { test "$PLAY_RC" -eq 0 && ! test -s "$1"; }

make_media "$T_DIR/in.flv" 120

# ---- tiers: child edge -> parent edge -> origin ----------------------------------
start_origin origin
O_URL=$ORIGIN_URL
KEY=$(new_key acme cam1)
check "a stream key was made" test -n "$KEY"
publish_file "$T_DIR/in.flv" "$KEY"
check "the origin's stream is live within 20 s" \
	wait_until 20 has_segments "$O_URL/hls/cam1/index.m3u8"

start_edge parent "$O_URL"
PARENT_URL=$EDGE_URL PARENT_ACCESS=$EDGE_ACCESS PID_parent=$EDGE_PID
start_edge child "$PARENT_URL"
CHILD_URL=$EDGE_URL PID_child=$EDGE_PID
check "the child sees its parent edge as up" \
	wait_until 5 healthz_has "$CHILD_URL" '"up":true'
play "$CHILD_URL/hls/cam1/index.m3u8" 10 "$T_DIR/play.tier.log"
check "ffmpeg plays 10 s from the child edge without error (rc $PLAY_RC)" play_ok "$T_DIR/play.tier.log"
[ -s "$T_DIR/play.tier.log" ] && head -5 "$T_DIR/play.tier.log"
PF=$(metric_at "$PARENT_URL" cdn_edge_upstream_fetches_total)
CF=$(metric_at "$CHILD_URL" cdn_edge_upstream_fetches_total)
check "the parent fetched from the origin ($PF fetches)" test "$PF" -gt 0
check "the child fetched from the parent ($CF fetches)" test "$CF" -gt 0
check "the parent's access log has the child's playlist requests" \
	grep -qE '^[^ ]+ 127\.0\.0\.1 "GET /hls/cam1/index\.m3u8" 200 ' "$PARENT_ACCESS"
check "the parent's access log has the child's segment requests" \
	grep -qE '^[^ ]+ 127\.0\.0\.1 "GET /hls/cam1/[^ ]+\.ts" 200 ' "$PARENT_ACCESS"
# Only the child asks the parent for /hls/: one access line per child fetch.
child_fetches_logged() {
	test "$(grep -c '"GET /hls/' "$PARENT_ACCESS")" -eq \
		"$(metric_at "$CHILD_URL" cdn_edge_upstream_fetches_total)"
}
check "every child fetch is one request in the parent's access log ($(grep -c '"GET /hls/' "$PARENT_ACCESS") lines, $CF fetches)" \
	wait_until 5 child_fetches_logged
check "the child's health checks reach the parent" grep -q '"GET /healthz" 200' "$PARENT_ACCESS"
curl -s -o "$T_DIR/child.m3u8" "$CHILD_URL/hls/cam1/index.m3u8"
CSEG=$(newest_seg "$T_DIR/child.m3u8")
check "a segment through two tiers has the origin's bytes ($CSEG)" sh -c \
	"curl -sf '$CHILD_URL/hls/cam1/$CSEG' >'$T_DIR/tier.ts' && curl -sf '$O_URL/hls/cam1/$CSEG' | cmp -s - '$T_DIR/tier.ts'"

# ---- failover: the first upstream's port refuses -----------------------------------
# An upstream that is down before the first fetch is skipped by the startup
# health check, so no fetch ever fails over to pass it. To see the refused
# fetch fail over, the first upstream is up at start (an origin) and is then
# killed: its port refuses, and nothing re-checks it for 600 s.
start_origin gone
GONE_URL=$ORIGIN_URL GONE_PID=$ORIGIN_PID
start_edge fo "$GONE_URL" -o upstream="$O_URL" -o health_interval=600s
FO_URL=$EDGE_URL PID_fo=$EDGE_PID
check "both upstreams are up at start" wait_until 5 metric_is "$FO_URL" "cdn_edge_upstream_up{upstream=\"$GONE_URL\"}" 1
stop_pid "$GONE_PID" KILL
check "the first upstream's port now refuses" sh -c "! curl -s --max-time 3 -o /dev/null '$GONE_URL/healthz'"
play "$FO_URL/hls/cam1/index.m3u8" 4 "$T_DIR/play.fo.log"
check "ffmpeg plays 4 s through the failover (rc $PLAY_RC)" play_ok "$T_DIR/play.fo.log"
[ -s "$T_DIR/play.fo.log" ] && head -5 "$T_DIR/play.fo.log"
FOV=$(metric_at "$FO_URL" cdn_edge_failovers_total)
check "fetches failed over ($FOV)" test "$FOV" -gt 0
check "connect errors counted" \
	test "$(metric_at "$FO_URL" 'cdn_edge_upstream_errors_total{kind="connect"}')" -gt 0
check "cdn_edge_upstream_up of the refused upstream is 0" \
	metric_is "$FO_URL" "cdn_edge_upstream_up{upstream=\"$GONE_URL\"}" 0
check "cdn_edge_upstream_up of the origin is 1" \
	metric_is "$FO_URL" "cdn_edge_upstream_up{upstream=\"$O_URL\"}" 1
curl -s -D "$T_DIR/fo.hz.h" -o "$T_DIR/fo.hz" --max-time 5 "$FO_URL/healthz"
check "/healthz lists the refused upstream as up:false" \
	grep -q "{\"url\":\"$GONE_URL\",\"up\":false}" "$T_DIR/fo.hz"
check "/healthz lists the origin as up:true" grep -q "{\"url\":\"$O_URL\",\"up\":true}" "$T_DIR/fo.hz"
check "/healthz still answers 200 \"ok\"" sh -c \
	"head -1 '$T_DIR/fo.hz.h' | grep -q ' 200 ' && grep -q '\"status\":\"ok\"' '$T_DIR/fo.hz'"
check "the failover is logged" grep -q "failing over to $O_URL" "$EDGE_LOG"

# A port that never listened: marked down by the first health check, the
# edge plays from the second upstream, and stays "ok".
DEAD=$(free_port)
start_edge dead "http://127.0.0.1:$DEAD" -o upstream="$O_URL"
DEAD_URL=$EDGE_URL PID_dead=$EDGE_PID
check "an upstream on a closed port is marked down" \
	wait_until 5 metric_is "$DEAD_URL" "cdn_edge_upstream_up{upstream=\"http://127.0.0.1:$DEAD\"}" 0
curl -s -D "$T_DIR/dead.hz.h" -o "$T_DIR/dead.hz" --max-time 5 "$DEAD_URL/healthz"
check "/healthz lists the closed port as up:false" \
	grep -q "{\"url\":\"http://127.0.0.1:$DEAD\",\"up\":false}" "$T_DIR/dead.hz"
check "/healthz still answers 200 \"ok\" with the second upstream up" sh -c \
	"head -1 '$T_DIR/dead.hz.h' | grep -q ' 200 ' && grep -q '\"status\":\"ok\"' '$T_DIR/dead.hz'"
play "$DEAD_URL/hls/cam1/index.m3u8" 4 "$T_DIR/play.dead.log"
check "ffmpeg plays 4 s with the first upstream on a closed port (rc $PLAY_RC)" play_ok "$T_DIR/play.dead.log"

# ---- failover between two live origins, the first SIGKILLed mid-playback -------------
start_origin oa
A_URL=$ORIGIN_URL A_PID=$ORIGIN_PID A_HTTP=$HTTP_PORT
KA=$(new_key acme cam2)
publish_file "$T_DIR/in.flv" "$KA"
start_origin ob
B_URL=$ORIGIN_URL
KB=$(new_key acme cam2)
publish_file "$T_DIR/in.flv" "$KB"
check "cam2 is live on origin A" wait_until 20 has_segments "$A_URL/hls/cam2/index.m3u8"
check "cam2 is live on origin B" wait_until 20 has_segments "$B_URL/hls/cam2/index.m3u8"
SID_A=$(sid "$A_URL/hls/cam2/index.m3u8")
SID_B=$(sid "$B_URL/hls/cam2/index.m3u8")
check "A and B name their segments differently ($SID_A, $SID_B)" \
	test -n "$SID_A" -a -n "$SID_B" -a "$SID_A" != "$SID_B"
start_edge ab "$A_URL" -o upstream="$B_URL"
AB_URL=$EDGE_URL PID_ab=$EDGE_PID
APL="$AB_URL/hls/cam2/index.m3u8"
check "the edge serves A's playlist" wait_until 5 sh -c "curl -sf '$APL' | grep -q '^$SID_A-'"
# A viewer: the playlist and its newest segment, every 0.2 s; A dies after ~2 s.
python3 - "$APL" "$T_DIR/viewer.log" <<'EOF' &
import sys, time, urllib.request, urllib.error
pl, out = sys.argv[1], sys.argv[2]
base = pl.rsplit("/", 1)[0]
def get(u):
    try:
        with urllib.request.urlopen(u, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""
    except Exception:
        return 0, b""
t0 = time.time()
with open(out, "w") as f:
    while time.time() - t0 < 8:
        c, body = get(pl)
        segs = [l for l in body.decode("latin-1").splitlines() if l and not l.startswith("#")]
        line = "%.2f pl %d" % (time.time() - t0, c)
        if c == 200 and segs:
            sc, sb = get(base + "/" + segs[-1])
            line += " %s %d %d" % (segs[-1], sc, len(sb))
        f.write(line + "\n")
        f.flush()
        time.sleep(0.2)
EOF
VIEWER=$!
track $VIEWER
sleep 2
stop_pid "$A_PID" KILL
i=0; while kill -0 "$VIEWER" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
stop_pid "$VIEWER"
NPL=$(grep -c ' pl ' "$T_DIR/viewer.log")
NPLBAD=$(grep -vc ' pl 200' "$T_DIR/viewer.log")
check "the viewer polled the playlist through the kill ($NPL polls)" test "$NPL" -ge 20
check "playlist requests kept answering 200 (non-200: $NPLBAD, at most 1 allowed)" test "$NPLBAD" -le 1
check "the edge switched to B's playlist" sh -c "tail -3 '$T_DIR/viewer.log' | grep -q ' $SID_B-'"
NBSEG=$(grep -c " $SID_B-[0-9]*\.ts " "$T_DIR/viewer.log")
NBBAD=$(grep " $SID_B-[0-9]*\.ts " "$T_DIR/viewer.log" | grep -vc '\.ts 200 [1-9]')
NABAD=$(grep " $SID_A-[0-9]*\.ts " "$T_DIR/viewer.log" | grep -vc '\.ts 200 [1-9]')
check "every segment listed by B's playlist downloaded ($NBSEG listed, $NBBAD failed)" \
	test "$NBSEG" -gt 0 -a "$NBBAD" -eq 0
check "segments listed by A's playlist failed at most in a short blip ($NABAD failed)" \
	test "$NABAD" -le 3
[ "$NPLBAD" -gt 1 ] || [ "$NBBAD" -gt 0 ] || [ "$NABAD" -gt 3 ] && sed 's/^/    /' "$T_DIR/viewer.log"
check "A is marked down" metric_is "$AB_URL" "cdn_edge_upstream_up{upstream=\"$A_URL\"}" 0
check "/healthz stays ok with B up" healthz_has "$AB_URL" '"status":"ok"'

# A comes back on its port: the first upstream is preferred again.
start_origin oa -o http_listen="127.0.0.1:$A_HTTP"
check "origin A restarted on its port ($HTTP_PORT)" test "$HTTP_PORT" = "$A_HTTP"
publish_file "$T_DIR/in.flv" "$KA"
check "cam2 is live on the restarted A" wait_until 20 has_segments "$A_URL/hls/cam2/index.m3u8"
SID_A2=$(sid "$A_URL/hls/cam2/index.m3u8")
check "the edge marks A up again" wait_until 5 metric_is "$AB_URL" "cdn_edge_upstream_up{upstream=\"$A_URL\"}" 1
check "the edge serves A's new playlist again ($SID_A2)" \
	wait_until 5 sh -c "curl -sf '$APL' | grep -q '^$SID_A2-'"

# ---- stale playlists: the origin frozen, then killed ------------------------------------
# segment_target 4s: EXT-X-TARGETDURATION 4 (the stale window) and a
# playlist max-age of 2 s (read from the response below).
start_origin slow -o segment_target=4s
S_URL=$ORIGIN_URL S_PID=$ORIGIN_PID S_HTTP=$HTTP_PORT
KS=$(new_key acme cam3)
publish_file "$T_DIR/in.flv" "$KS"
check "cam3 is live (4 s segments)" wait_until 20 has_segments "$S_URL/hls/cam3/index.m3u8"
TD=$(curl -sf "$S_URL/hls/cam3/index.m3u8" | sed -n 's/^#EXT-X-TARGETDURATION:\([0-9]*\).*/\1/p' | tr -d '\r')
check "cam3's target duration is 4 ($TD)" test "$TD" = 4
start_edge stale "$S_URL" -o fetch_timeout=1s -o connect_timeout=500ms
ST_URL=$EDGE_URL PID_stale=$EDGE_PID
SPL="$ST_URL/hls/cam3/index.m3u8"
# stale_phase T: requests from T + max-age + 0.3 s to T + TD - 0.5 s (each
# may wait for a 1 s fetch timeout); sets STALE_RES to "CODE:X-CACHE ...".
# The playlist fetched at T is fresh for max-age minus the origin's Age
# (RFC 9111 4.2.3; the origin's playlist may be up to a target duration
# old), so it is stale-servable until at least T + TD, and at most
# T + max-age + TD: the probes stay inside the window whatever the Age was.
stale_phase() {
	sleep_until $(( $1 + MA * 1000 + 300 ))
	STALE_RES=""; sp_n=0
	while [ "$(now_ms)" -lt $(( $1 + TD * 1000 - 500 )) ] && [ $sp_n -lt 30 ]; do
		STALE_RES="$STALE_RES$(probe "$SPL" | tr ' ' :) "; sp_n=$((sp_n + 1)); sleep 0.1
	done
}
all_stale() { test -n "$STALE_RES" && test -z "$(echo "$STALE_RES" | tr ' ' '\n' | grep . | grep -v '^200:STALE$')"; }

# Frozen: the kernel still accepts connections, nothing answers.
T0=$(now_ms)
check "warm: the first playlist request is a MISS" probe_is "$SPL" "200 MISS"
kill -s STOP "$S_PID"
MA=$(tr -d '\r' <"$T_DIR/probe.h" | sed -n 's/^[Cc]ache-[Cc]ontrol:.*max-age=\([0-9]*\).*/\1/p')
check "the playlist has a max-age shorter than the target duration ($MA)" test -n "$MA" -a "${MA:-9}" -lt "$TD"
stale_phase "$T0"
check "frozen origin, within the stale window: 200 STALE ($STALE_RES)" all_stale
check "the stale playlist has a body" grep -q '^#EXTM3U' "$T_DIR/probe.b"
check "STALE is counted" test "$(metric_at "$ST_URL" 'cdn_edge_requests_total{cache="stale"}')" -gt 0
sleep_until $(( T0 + (MA + TD) * 1000 + 1500 ))
check "frozen origin, past the stale window: 504" within 6 probe_is "$SPL" "504 ERROR"
check "the 504 has a short text body ($(head -c 60 "$T_DIR/probe.b"))" \
	sh -c "test \$(wc -c <'$T_DIR/probe.b') -gt 0 -a \$(wc -c <'$T_DIR/probe.b') -lt 200"
check "timeouts counted" test "$(metric_at "$ST_URL" 'cdn_edge_upstream_errors_total{kind="timeout"}')" -gt 0
check "/healthz: no_upstream (503) while the only upstream is frozen" sh -c \
	"test \"\$(curl -s -o '$T_DIR/hz.frozen' -w '%{http_code}' --max-time 5 '$ST_URL/healthz')\" = 503 && grep -q '\"status\":\"no_upstream\"' '$T_DIR/hz.frozen'"
kill -s CONT "$S_PID"
recovered() { r=$(probe "$SPL"); test "$r" = "200 MISS" || test "$r" = "200 HIT"; }
check "after SIGCONT the playlist is served again (200 MISS/HIT)" within 8 recovered
check "/healthz ok again after SIGCONT" within 6 sh -c "test \"\$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 '$ST_URL/healthz')\" = 200"

# Killed: connections are refused.
check "the stream still plays from the origin" wait_until 5 has_segments "$S_URL/hls/cam3/index.m3u8"
# The last request refreshed the playlist at the latest now: past its max-age
# the next request revalidates it, and it is fresh for max-age from then.
sleep $((MA + 1))
RV0=$(metric_at "$ST_URL" cdn_edge_revalidations_total)
T1=$(now_ms)
check "an expired playlist is revalidated (200 MISS/HIT)" recovered
RV1=$(metric_at "$ST_URL" cdn_edge_revalidations_total)
check "with one conditional GET ($RV0 -> $RV1)" test $((RV1 - RV0)) -eq 1
stop_pid "$S_PID" KILL
stale_phase "$T1"
check "killed origin, within the stale window: 200 STALE ($STALE_RES)" all_stale
sleep_until $(( T1 + (MA + TD) * 1000 + 1500 ))
check "killed origin, past the stale window: 502" within 6 probe_is "$SPL" "502 ERROR"
check "the 502 has a short text body ($(head -c 60 "$T_DIR/probe.b"))" \
	sh -c "test \$(wc -c <'$T_DIR/probe.b') -gt 0 -a \$(wc -c <'$T_DIR/probe.b') -lt 200"
check "connect errors counted" \
	test "$(metric_at "$ST_URL" 'cdn_edge_upstream_errors_total{kind="connect"}')" -gt 0

# ---- health: every upstream down, then one back ---------------------------------------
check "/healthz answers 503 while every upstream is down" wait_until 5 sh -c \
	"test \"\$(curl -s -o '$T_DIR/hz.down' -w '%{http_code}' --max-time 3 '$ST_URL/healthz')\" = 503"
check "/healthz says no_upstream" grep -q '"status":"no_upstream"' "$T_DIR/hz.down"
check "/healthz lists the upstream as up:false" grep -q "{\"url\":\"$S_URL\",\"up\":false}" "$T_DIR/hz.down"
check "cdn_edge_upstream_up is 0" metric_is "$ST_URL" "cdn_edge_upstream_up{upstream=\"$S_URL\"}" 0
start_origin slow -o http_listen="127.0.0.1:$S_HTTP"
check "the origin restarted on its port ($HTTP_PORT)" test "$HTTP_PORT" = "$S_HTTP"
check "/healthz answers 200 again once the upstream is back" wait_until 8 sh -c \
	"test \"\$(curl -s -o '$T_DIR/hz.up' -w '%{http_code}' --max-time 3 '$ST_URL/healthz')\" = 200"
check "/healthz says ok, the upstream up:true" sh -c \
	"grep -q '\"status\":\"ok\"' '$T_DIR/hz.up' && grep -q '{\"url\":\"$S_URL\",\"up\":true}' '$T_DIR/hz.up'"
check "cdn_edge_upstream_up is 1 again" metric_is "$ST_URL" "cdn_edge_upstream_up{upstream=\"$S_URL\"}" 1

# ---- the end ---------------------------------------------------------------------
for n in parent child fo dead ab stale; do
	eval "p=\$PID_$n"
	check "edge $n is still running" kill -0 "$p"
done
check "no sanitizer report or crash in the edge logs" sh -c \
	"! cat '$T_DIR'/parent.log '$T_DIR'/child.log '$T_DIR'/fo.log '$T_DIR'/dead.log '$T_DIR'/ab.log '$T_DIR'/stale.log | grep -Eqi 'sanitizer|runtime error|assert'"
T_END=$(date +%s)
check "finished in under 120 s ($((T_END - T_START)) s)" test $((T_END - T_START)) -lt 120
t_done
