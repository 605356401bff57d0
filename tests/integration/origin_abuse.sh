#!/bin/sh
# origin_abuse: the origin against misbehaving RTMP peers while a real ffmpeg
# publisher streams. tests/tools/rtmp_poke plays each misbehaviour (garbage,
# bad handshakes, absurd chunk sizes and lengths, chunk stream floods,
# malformed AMF0, commands out of order, wrong app and key, slow-loris,
# half-open) and judges the reply; many run at once. Then: the origin is
# still up, the good stream kept producing segments through it all and
# plays, /healthz answers, every kind of refusal is counted in /metrics, and
# the connection gauge is back to the one publisher. Last, with
# rtmp_max_connections=5 a sixth connection is closed at once and counted.
# Everything is bounded: rtmp_poke has a run limit, and the whole test takes
# about 30 s.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl
POKE="$top_builddir/tests/tools/rtmp_poke"
T_START=$(date +%s)

# metric NAME: the value of one sample line of /metrics (NAME as printed)
metric() {
	curl -sf --max-time 3 "$ORIGIN_URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
metric_is() { test "$(metric "$1")" = "$2"; }
metric_ge() { v=$(metric "$1"); test -n "$v" && test "$v" -ge "$2"; }

# newest PLAYLIST_URL: the sequence number of the newest segment, or -1
newest() {
	curl -sf --max-time 3 "$1" | awk -F: '/^#EXT-X-MEDIA-SEQUENCE:/ { s = $2 }
		/^#EXTINF/ { n++ } END { print (n ? s + n - 1 : -1) }'
}
newer_than() { test "$(newest "$PL")" -gt "$1"; }

# poke_bg OUTFILE SCENARIO [ARG]: rtmp_poke in the background against the
# current origin; its output and exit status go to OUTFILE.
POKE_PIDS=""
poke_bg() {
	out=$1; shift
	{ "$POKE" 127.0.0.1 "$RTMP_PORT" "$@"; echo "exit $?"; } >"$out" 2>&1 &
	POKE_PIDS="$POKE_PIDS $!"
	track $!
}
# poke_wait: wait for every poke_bg (each ends by its own run limit)
poke_wait() {
	for p in $POKE_PIDS; do wait "$p" 2>/dev/null; done
	POKE_PIDS=""
}
# poke_ok OUTFILE: the scenario passed; show its output when it did not
poke_ok() {
	grep -qx 'exit 0' "$1" && return 0
	sed 's/^/    /' "$1"
	return 1
}

# ---- a good publisher ------------------------------------------------------
start_origin abuse -o handshake_timeout=2s -o rtmp_max_message=1M \
	-o publisher_idle_timeout=3s -o playlist_window=3 -o segment_target=2s
KEY=$(new_key acme good)
KEY2=$(new_key acme dup)
check "two keys were created" test -n "$KEY" -a -n "$KEY2"
make_media "$T_DIR/in.flv" 30
publish_file "$T_DIR/in.flv" "$KEY"
GOOD_PUB=$PUB_PID
PL="$ORIGIN_URL/hls/good/index.m3u8"
check "the good stream is live within 8 s" wait_until 8 has_segments "$PL"
check "rtmp_poke's control scenario works (connect-ok)" \
	"$POKE" 127.0.0.1 "$RTMP_PORT" connect-ok
SEQ0=$(newest "$PL")

# ---- abuse, all at once ----------------------------------------------------
# Each scenario on its own; the parenthesized argument bounds the wait for a
# close that the origin's 2 s handshake timer must cause.
LONGKEY=$(head -c 4000 /dev/zero | tr '\0' k)
for s in garbage chunk-garbage bad-version truncated-handshake silent c2-garbage \
	absurd-chunk-size huge-message too-many-csids type3-first bad-amf \
	command-before-connect bad-app bad-key slow-loris half-open deaf; do
	poke_bg "$T_DIR/poke.$s" "$s"
done
# A second publish on a connection that is publishing: refused, closed, and
# the stream of the first must end with the connection.
poke_bg "$T_DIR/poke.publish-twice" publish-twice "$KEY2"
poke_bg "$T_DIR/poke.long-key" bad-key "$LONGKEY"
# The live stream's own key from a second encoder: refused as busy, and the
# first publisher must not notice.
poke_bg "$T_DIR/poke.busy-key" bad-key "$KEY"
i=0; while [ $i -lt 50 ]; do poke_bg "$T_DIR/trunc.$i" truncated-handshake 5; i=$((i + 1)); done
i=0; while [ $i -lt 20 ]; do poke_bg "$T_DIR/garb.$i" garbage; i=$((i + 1)); done
poke_wait
SEQ1=$(newest "$PL")

for s in garbage chunk-garbage bad-version truncated-handshake silent c2-garbage \
	absurd-chunk-size huge-message too-many-csids type3-first bad-amf \
	command-before-connect bad-app bad-key slow-loris half-open deaf long-key busy-key \
	publish-twice; do
	check "$s: $(sed -n 's/^\(ok  \|FAIL\) [^:]*: //p' "$T_DIR/poke.$s" | tr '\n' ' ' | cut -c1-160)" \
		poke_ok "$T_DIR/poke.$s"
done
nbad=0
i=0; while [ $i -lt 50 ]; do poke_ok "$T_DIR/trunc.$i" >/dev/null || nbad=$((nbad + 1)); i=$((i + 1)); done
check "50 concurrent truncated handshakes all closed by the timer ($nbad failed)" test $nbad -eq 0
nbad=0
i=0; while [ $i -lt 20 ]; do poke_ok "$T_DIR/garb.$i" >/dev/null || nbad=$((nbad + 1)); i=$((i + 1)); done
check "20 concurrent garbage connections all closed at once ($nbad failed)" test $nbad -eq 0

# ---- bad media from a publisher: skipped, logged once per kind, kept ---------
KEY3=$(new_key acme badmedia)
"$POKE" 127.0.0.1 "$RTMP_PORT" bad-media "$KEY3" >"$T_DIR/poke.bad-media" 2>&1; echo "exit $?" >>"$T_DIR/poke.bad-media"
check "bad media is skipped and its publisher kept (still answered)" poke_ok "$T_DIR/poke.bad-media"
for what in 'malformed video tag of' 'H.264 video without a (valid) AVC sequence header' \
    'malformed AVC sequence header' 'malformed audio tag of' \
    'AAC audio without a (valid) AudioSpecificConfig' 'malformed AAC sequence header'; do
	n=$(grep -cF "badmedia] $what" "$ORIGIN_LOG")
	check "logged once, with the stream name: $what ($n)" test "$n" -eq 1
done
check "all 350 bad media packets counted ($(metric cdn_origin_media_skipped_total))" \
	metric_is cdn_origin_media_skipped_total 350

# ---- the origin and the good stream survived -------------------------------
check "the origin is still running" kill -0 "$ORIGIN_PID"
check "the good publisher is still connected" kill -0 "$GOOD_PUB"
check "the good stream was never ended" sh -c "! grep -q 'good\] publish ended' '$ORIGIN_LOG'"
check "new segments appeared during the abuse ($SEQ0 -> $SEQ1)" test "$SEQ1" -gt "$SEQ0"
check "and keep coming after it" wait_until 6 newer_than "$SEQ1"
timeout 30 "$FFMPEG" -nostdin -loglevel error -i "$PL" -t 4 -c copy -f null - >"$T_DIR/play.log" 2>&1
rc=$?
check "ffmpeg plays 4 s of the good stream after the abuse (rc $rc)" test $rc -eq 0
check "/healthz answers ok" sh -c "curl -sf --max-time 3 '$ORIGIN_URL/healthz' | grep -q '\"status\":\"ok\"'"

R=cdn_origin_rtmp_rejects_total
check "protocol rejects counted (>= 20: $(metric "$R{reason=\"protocol\"}"))" \
	metric_ge "$R{reason=\"protocol\"}" 20
check "timeout rejects counted (>= 50: $(metric "$R{reason=\"timeout\"}"))" \
	metric_ge "$R{reason=\"timeout\"}" 50
check "bad_key rejects counted (>= 2: $(metric "$R{reason=\"bad_key\"}"))" \
	metric_ge "$R{reason=\"bad_key\"}" 2
check "busy rejects counted (>= 1: $(metric "$R{reason=\"busy\"}"))" \
	metric_ge "$R{reason=\"busy\"}" 1
check "connection gauge back to the one publisher" \
	wait_until 5 metric_is cdn_origin_rtmp_connections 1
check "publisher gauge back to 1 ($(metric cdn_origin_publishers))" \
	wait_until 3 metric_is cdn_origin_publishers 1
# The key of the connection that published twice is free again.
publish_ok() { "$POKE" 127.0.0.1 "$RTMP_PORT" publish-ok "$1" >"$T_DIR/poke.publish-ok" 2>&1; }
check "the key used by publish-twice can publish again" wait_until 3 publish_ok "$KEY2"
check "and the publisher gauge still ends at 1" wait_until 3 metric_is cdn_origin_publishers 1
check "no assertion or crash in the log" sh -c "! grep -Eqi 'assert|crit|sanitizer' '$ORIGIN_LOG'"
check "the secret keys are not in the log" sh -c "! grep -qe '$KEY' -e '$LONGKEY' '$ORIGIN_LOG'"

# ---- the connection limit --------------------------------------------------
start_origin limit -o rtmp_max_connections=5 -o handshake_timeout=4s
i=0; while [ $i -lt 5 ]; do poke_bg "$T_DIR/idle.$i" half-open 8; i=$((i + 1)); done
check "5 idle connections held" wait_until 5 metric_is cdn_origin_rtmp_connections 5
"$POKE" 127.0.0.1 "$RTMP_PORT" refused >"$T_DIR/poke.refused" 2>&1; echo "exit $?" >>"$T_DIR/poke.refused"
check "a 6th connection is closed at once, unanswered" poke_ok "$T_DIR/poke.refused"
check "the refusal is counted as limit" metric_ge "cdn_origin_rtmp_rejects_total{reason=\"limit\"}" 1
check "the refused connection never counted as open" metric_is cdn_origin_rtmp_connections 5
poke_wait
nbad=0
i=0; while [ $i -lt 5 ]; do poke_ok "$T_DIR/idle.$i" >/dev/null || nbad=$((nbad + 1)); i=$((i + 1)); done
check "the 5 idle connections were closed by the 4 s deadline ($nbad not)" test $nbad -eq 0
check "the gauge is back to 0" wait_until 3 metric_is cdn_origin_rtmp_connections 0
check "a new connection is served once slots are free" "$POKE" 127.0.0.1 "$RTMP_PORT" connect-ok
check "the limited origin is still running" kill -0 "$ORIGIN_PID"

T_END=$(date +%s)
check "finished in under 90 s ($((T_END - T_START)) s)" test $((T_END - T_START)) -lt 90
t_done
