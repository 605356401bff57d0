#!/usr/bin/env bash
# announce_vs_exabgp.sh - cdn-announce against ExaBGP + its healthcheck, one run.
#
# Builds a small network of namespaces (joined to each other by veth pairs,
# never to the host; documentation addresses only):
#
#   viewer --- router (BIRD 2: BGP, kernel export, GRACEFUL_SHUTDOWN -> local_pref 0)
#                |--- edgeA: the speaker under test (cdn-announce, or ExaBGP with
#                |           its healthcheck) + HTTP "A" on 203.0.113.10
#                `--- edgeB: a permanent backup path (a BIRD of its own announcing
#                            203.0.113.10/32 with AS_PATH prepended twice) + HTTP "B"
#
# and times, for both speakers in the same topology, each figure repeated
# BENCH_REPEAT times (the two speakers alternate per repetition):
#   1. drain -> switch: the drain action (cdnctl drain; creating the
#      healthcheck's disable file) to the first viewer request answered by B;
#   2. undrain -> switch back (cdnctl undrain; removing the file) to A;
#   3. health failure -> traffic moves: A's HTTP responder stopped, interval
#      1 s, fall 2 (rise 2) for both;
#   4. frozen speaker -> hold-timer expiry: SIGSTOP (hold time 3 s on both
#      sides) until the viewer reaches B; then SIGCONT and the recovery.
# The viewer polls http://203.0.113.10/ every 10 ms, a fresh connection and a
# 100 ms timeout per request. Then a summary table (median / max, ratio
# cdn-announce / ExaBGP) and one verdict line per target.
#
# Every process started here is tracked by PID (plus whatever is left in the
# namespaces this script created) and stopped in a trap, which also deletes
# the namespaces. Every loop is bounded in count and time. Needs root.
# See bench/README.md for the knobs.

set -u -o pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$SCRIPT_DIR/.." && pwd)
PROBE="$SCRIPT_DIR/anycast_probe.py"

# --- settings ---------------------------------------------------------------
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then DEF_REPEAT=2; else DEF_REPEAT=5; fi
REPEAT=${BENCH_REPEAT:-$DEF_REPEAT}
ONLY=${BENCH_ONLY:-both}
FIGURES=${BENCH_FIGURES:-drain health hold}
DRAIN_GRACE=${BENCH_DRAIN_GRACE:-5}
POLL_MS=${BENCH_POLL_MS:-10}
REQ_TIMEOUT_MS=${BENCH_REQ_TIMEOUT_MS:-100}
KEEP=${BENCH_KEEP:-0}
STRICT=${BENCH_STRICT:-0}
BUILD=${BUILD_DIR:-_build}
if [ -x "$TOP/$BUILD/announce/cdn-announce" ]; then BIN_DIR=$TOP/$BUILD; else BIN_DIR=$TOP; fi
ANNOUNCE_BIN=${ANNOUNCE_BIN:-$BIN_DIR/announce/cdn-announce}
CDNCTL_BIN=${CDNCTL_BIN:-$BIN_DIR/tools/cdnctl}
BIRD_BIN=${BIRD_BIN:-/usr/sbin/bird}
BIRDC_BIN=${BIRDC_BIN:-/usr/sbin/birdc}
EXABGP_BIN=${EXABGP_BIN:-/usr/sbin/exabgp}
# ExaBGP and its healthcheck run on the Debian python (the exabgp module is
# installed there), whatever python3 comes first in PATH.
EXA_PYTHON=${EXA_PYTHON:-/usr/bin/python3}

# Fixed by the comparison (both speakers get the same):
HEALTH_INTERVAL=1       # seconds between health checks
FALL=2                  # failed checks to withdraw
RISE=2                  # good checks to announce
HOLD=3                  # BGP hold time, BIRD's side and the speaker's
# Targets for cdn-announce (seconds)
T_DRAIN=0.1
T_UNDRAIN=0.5
T_HEALTH=$(awk -v i=$HEALTH_INTERVAL -v f=$FALL 'BEGIN { printf "%.1f", i * f + 0.2 }')

# Addresses: documentation ranges only.
V4=203.0.113.10                      # the anycast address
URL="http://$V4/"
R_V=198.51.100.1;  V_R=198.51.100.2   # router <-> viewer (/24)
R_A=192.0.2.1;     A_R=192.0.2.2      # router <-> edgeA (/30)
R_B=192.0.2.5;     B_R=192.0.2.6      # router <-> edgeB (/30)
AS_ROUTER=65000
AS_EDGE=65010

die() { echo "bench: error: $*" >&2; exit 2; }
note() { echo "[bench] $*"; }

is_uint() { case $1 in ''|*[!0-9]*) return 1;; esac; return 0; }
for v in "$REPEAT" "$DRAIN_GRACE" "$POLL_MS" "$REQ_TIMEOUT_MS"; do
	is_uint "$v" || die "not a whole number: '$v'"
done
[ "$REPEAT" -ge 1 ] && [ "$REPEAT" -le 50 ] || die "BENCH_REPEAT must be 1..50"
[ "$DRAIN_GRACE" -le 60 ] || die "BENCH_DRAIN_GRACE must be 0..60"
[ "$POLL_MS" -ge 1 ] && [ "$POLL_MS" -le 1000 ] || die "BENCH_POLL_MS must be 1..1000"
[ "$REQ_TIMEOUT_MS" -ge 10 ] && [ "$REQ_TIMEOUT_MS" -le 5000 ] || die "BENCH_REQ_TIMEOUT_MS must be 10..5000"
case $ONLY in
both) SPEAKERS="announce exabgp";;
announce) SPEAKERS="announce";;
exabgp) SPEAKERS="exabgp";;
*) die "BENCH_ONLY must be both, announce or exabgp";;
esac
for f in $FIGURES; do
	case $f in drain|health|hold) ;; *) die "BENCH_FIGURES: unknown figure '$f' (drain health hold)";; esac
done
POLL_S=$(awk -v m="$POLL_MS" 'BEGIN { printf "%.3f", m / 1000 }')
REQ_TIMEOUT_S=$(awk -v m="$REQ_TIMEOUT_MS" 'BEGIN { printf "%.3f", m / 1000 }')

# --- process tracking: everything we start is stopped by PID ----------------
declare -A TRACKED=()
WORK=""
NS_MADE=""

track() { TRACKED[$1]=$2; }
untrack() { unset "TRACKED[$1]"; }
alive() { kill -0 "$1" 2>/dev/null; }

# wait_gone PID TENTHS: bounded wait for a process to disappear.
wait_gone() {
	local pid=$1 i
	for ((i = 0; i < $2; i++)); do
		alive "$pid" || return 0
		sleep 0.1
	done
	! alive "$pid"
}

# children PID: the direct children of PID (from /proc).
children() { cat /proc/"$1"/task/*/children 2>/dev/null; }

# descendants PID: every process below PID.
descendants() {
	local p c
	for c in $(children "$1"); do
		echo "$c"
		for p in $(descendants "$c"); do echo "$p"; done
	done
}

# stop_pid PID: CONT (it may be frozen), TERM, bounded wait, then KILL; reaps.
stop_pid() {
	local pid=$1
	kill -CONT "$pid" 2>/dev/null
	alive "$pid" && kill -TERM "$pid" 2>/dev/null
	if ! wait_gone "$pid" 100; then
		kill -KILL "$pid" 2>/dev/null
		wait_gone "$pid" 30
	fi
	wait "$pid" 2>/dev/null
	untrack "$pid"
}

cleanup() {
	local pid ns
	trap - EXIT INT TERM
	# Whatever runs in the namespaces this script made was started by it
	# (the names hold our PID and are checked unused before creation).
	for ns in $NS_MADE; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do track "$pid" "left in $ns"; done
	done
	for pid in "${!TRACKED[@]}"; do
		kill -CONT "$pid" 2>/dev/null
		alive "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${!TRACKED[@]}"; do
		wait_gone "$pid" 50 || kill -KILL "$pid" 2>/dev/null
	done
	for pid in "${!TRACKED[@]}"; do wait_gone "$pid" 20; wait "$pid" 2>/dev/null; done
	for ns in $NS_MADE; do ip netns del "$ns" 2>/dev/null; done
	if [ -n "$WORK" ] && [ -d "$WORK" ]; then
		if [ "$KEEP" = 1 ]; then
			echo "[bench] kept work dir $WORK"
		else
			rm -rf -- "$WORK"
		fi
	fi
}
trap cleanup EXIT
trap 'echo "[bench] interrupted"; exit 130' INT TERM

# --- small helpers ------------------------------------------------------------
now() { echo "$EPOCHREALTIME"; }
calc() { awk "BEGIN { $1 }" </dev/null; }
is_true() { [ "$(awk "BEGIN { if ($1) print 1; else print 0 }" </dev/null)" = 1 ]; }
elapsed() { awk -v a="$1" -v b="${2:-$EPOCHREALTIME}" 'BEGIN { printf "%.3f", b - a }'; }

# until_ok TENTHS CMD...: run CMD every 0.1 s until it succeeds (bounded).
until_ok() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# machine_cpu: "total idle" jiffies from /proc/stat (idle includes iowait).
machine_cpu() {
	awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6; exit }' /proc/stat
}

# --- dependencies -------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "needs root (ip netns, veth, BGP port 179)"
for c in ip curl awk python3; do
	command -v "$c" >/dev/null || die "missing command: $c"
done
[ "${BASH_VERSINFO[0]}" -ge 5 ] || die "needs bash 5 (EPOCHREALTIME)"
need_apt=""
{ [ -x "$BIRD_BIN" ] && [ -x "$BIRDC_BIN" ]; } || need_apt="$need_apt bird2"
case $SPEAKERS in *exabgp*)
	{ [ -x "$EXABGP_BIN" ] && "$EXA_PYTHON" -c 'import exabgp.application.healthcheck' 2>/dev/null; } ||
		need_apt="$need_apt exabgp"
esac
if [ -n "$need_apt" ]; then
	note "installing:$need_apt"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y $need_apt >/dev/null 2>&1 ||
		{ apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y $need_apt >/dev/null; } ||
		die "apt-get install$need_apt failed"
fi
[ -x "$BIRD_BIN" ] && [ -x "$BIRDC_BIN" ] || die "bird2 missing ($BIRD_BIN, $BIRDC_BIN)"
case $SPEAKERS in *exabgp*)
	[ -x "$EXABGP_BIN" ] || die "$EXABGP_BIN missing"
	"$EXA_PYTHON" -c 'import exabgp.application.healthcheck' 2>/dev/null ||
		die "$EXA_PYTHON cannot import exabgp's healthcheck"
esac
case $SPEAKERS in *announce*)
	[ -x "$ANNOUNCE_BIN" ] || die "$ANNOUNCE_BIN missing: run scripts/setup (or BENCH_ONLY=exabgp)"
	[ -x "$CDNCTL_BIN" ] || die "$CDNCTL_BIN missing: run scripts/setup"
esac
[ -r "$PROBE" ] || die "$PROBE missing"
# The interpreter itself, not a wrapper (a pyenv shim forks python as its
# child, and a PID we stop must be the process itself).
PY=$(python3 -c 'import sys; print(sys.executable)') && [ -x "$PY" ] || die "cannot locate python3's executable"

WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/cdn-bench-bgp.XXXXXX") || die "mktemp failed"
case $WORK in *[[:space:]\"\;]*) die "the temp dir path must not hold blanks, quotes or ';' (ExaBGP's config): $WORK";; esac
NCPU=$(nproc)

# --- the network ----------------------------------------------------------------
ID=$$
NS_V=cdnab$ID-viewer
NS_R=cdnab$ID-router
NS_A=cdnab$ID-edgeA
NS_B=cdnab$ID-edgeB
for ns in $NS_V $NS_R $NS_A $NS_B; do
	[ -e "/run/netns/$ns" ] && die "namespace $ns exists already (not ours)"
done

# nsx NS CMD...: run CMD in NS (foreground only: a backgrounded function would
# leave $! naming a subshell, so background jobs call ip netns exec, which
# execs CMD and keeps the PID)
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
SETUP_OK=1
step() { "$@" || { echo "[bench] setup step failed: $*" >&2; SETUP_OK=0; }; }
for ns in $NS_V $NS_R $NS_A $NS_B; do
	if ip netns add "$ns"; then NS_MADE="$NS_MADE $ns"; else die "ip netns add $ns failed"; fi
	step ip -n "$ns" link set lo up
done
# veth NS1 IF1 NS2 IF2: the pair is created inside NS1 and its peer moved
# straight into NS2; the host namespace never holds either end.
veth() {
	step ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
	step ip -n "$1" link set "$2" up
	step ip -n "$3" link set "$4" up
}
veth "$NS_R" to-viewer "$NS_V" to-router
veth "$NS_R" to-edgeA "$NS_A" to-router
veth "$NS_R" to-edgeB "$NS_B" to-router
step ip -n "$NS_R" addr add $R_V/24 dev to-viewer
step ip -n "$NS_V" addr add $V_R/24 dev to-router
step ip -n "$NS_R" addr add $R_A/30 dev to-edgeA
step ip -n "$NS_A" addr add $A_R/30 dev to-router
step ip -n "$NS_R" addr add $R_B/30 dev to-edgeB
step ip -n "$NS_B" addr add $B_R/30 dev to-router
step ip -n "$NS_A" addr add $V4/32 dev lo
step ip -n "$NS_B" addr add $V4/32 dev lo
step ip -n "$NS_V" route add default via $R_V
step ip -n "$NS_A" route add default via $R_A
step ip -n "$NS_B" route add default via $R_B
step nsx "$NS_R" sysctl -qw net.ipv4.ip_forward=1
[ "$SETUP_OK" = 1 ] || die "network setup failed"
note "namespaces:$NS_MADE (veth only, never joined to the host)"

# --- the router: BIRD 2 ------------------------------------------------------------
# Passive sessions (the edges connect). GRACEFUL_SHUTDOWN acted on as RFC 8326
# suggests. Routes go to the router's kernel table, so forwarding follows BGP.
# A short error wait, so that a session broken on purpose (hold timer) comes
# back quickly, and likewise for both speakers.
BIRD_SOCK=$WORK/bird.ctl
BIRD_LOG=$WORK/bird.log
cat >"$WORK/bird.conf" <<EOF
# generated by bench/announce_vs_exabgp.sh: the router, in its own namespace
log "$BIRD_LOG" all;
router id $R_V;
timeformat base iso long ms;
timeformat log iso long ms;
timeformat protocol iso long ms;
timeformat route iso long ms;
protocol device { scan time 10; }
protocol kernel kernel4 { ipv4 { import none; export all; }; }
filter from_edge {
	if (65535, 0) ~ bgp_community then bgp_local_pref = 0;
	accept;
}
protocol bgp edgeA {
	local as $AS_ROUTER;
	neighbor $A_R as $AS_EDGE;
	passive on;
	hold time $HOLD;
	error wait time 1, 3;
	debug { states, events, routes };
	ipv4 { import filter from_edge; export none; };
}
protocol bgp edgeB {
	local as $AS_ROUTER;
	neighbor $B_R as $AS_EDGE;
	passive on;
	hold time 9;
	error wait time 1, 3;
	debug { states, events };
	ipv4 { import filter from_edge; export none; };
}
EOF
# edge B's BIRD: the backup path, announced all along (AS_PATH 65010 65010 65010).
BIRDB_SOCK=$WORK/birdB.ctl
cat >"$WORK/birdB.conf" <<EOF
# generated by bench/announce_vs_exabgp.sh: edge B's permanent backup path
log "$WORK/birdB.log" all;
router id $B_R;
protocol device { scan time 10; }
protocol static anycast { ipv4; route $V4/32 blackhole; }
filter to_router {
	bgp_path.prepend($AS_EDGE);
	bgp_path.prepend($AS_EDGE);
	accept;
}
protocol bgp uplink {
	local $B_R as $AS_EDGE;
	neighbor $R_B as $AS_ROUTER;
	hold time 9;
	connect retry time 1;
	error wait time 1, 3;
	ipv4 { import none; export filter to_router; next hop self; };
}
EOF
for c in bird birdB; do
	"$BIRD_BIN" -p -c "$WORK/$c.conf" >"$WORK/$c.parse" 2>&1 || die "BIRD rejects $c.conf: $(cat "$WORK/$c.parse")"
done

bcli() { timeout 5 "$BIRDC_BIN" -s "$BIRD_SOCK" "$@"; }
established() { bcli show protocols "$1" 2>/dev/null | grep -q Established; }
# has_route PROTO: the router has a route for the anycast prefix from PROTO
has_route() { bcli show route $V4/32 protocol "$1" 2>/dev/null | grep -q "\[$1 "; }
no_route() { ! has_route "$1"; }
# best_is PROTO: the router's best route for the anycast prefix is PROTO's
best_is() { bcli show route $V4/32 2>/dev/null | grep "\[$1 " | grep -q ' \* '; }
# vget: the edge the viewer reaches now ("A", "B" or empty)
vget() { nsx "$NS_V" curl -s --noproxy '*' --connect-timeout 1 --max-time 1 "$URL" 2>/dev/null; }
reaches() { [ "$(vget)" = "$1" ]; }

ip netns exec "$NS_R" "$BIRD_BIN" -f -c "$WORK/bird.conf" -s "$BIRD_SOCK" -P "$WORK/bird.pid" >"$WORK/bird.out" 2>&1 &
BIRD_PID=$!
track "$BIRD_PID" "bird (router)"
ip netns exec "$NS_B" "$BIRD_BIN" -f -c "$WORK/birdB.conf" -s "$BIRDB_SOCK" -P "$WORK/birdB.pid" >"$WORK/birdB.out" 2>&1 &
BIRDB_PID=$!
track "$BIRDB_PID" "bird (edge B)"
until_ok 100 bcli show status || die "the router's BIRD did not start: $(tail -n 5 "$WORK/bird.out")"

# --- the HTTP responders ------------------------------------------------------------
declare -A HTTP_PID=()
start_http() {   # start_http NAME NS
	local log=$WORK/http$1.log
	: >"$log"
	ip netns exec "$2" "$PY" -u "$PROBE" serve "$1" $V4 80 >>"$log" 2>&1 &
	HTTP_PID[$1]=$!
	track $! "http $1"
	until_ok 100 grep -q '^ready' "$log"
}
start_http B "$NS_B" || die "edge B's responder did not start: $(tail -n 3 "$WORK/httpB.log")"
start_http A "$NS_A" || die "edge A's responder did not start: $(tail -n 3 "$WORK/httpA.log")"
until_ok 300 established edgeB || die "edge B's BGP session did not come up: $(tail -n 5 "$WORK/birdB.log")"
until_ok 100 reaches B || die "the viewer does not reach edge B over the backup path"
note "router up; edge B's backup path in place (viewer reaches B)"

# --- the speakers under test ----------------------------------------------------------
A_SOCK=$WORK/announce.sock
cat >"$WORK/announce.conf" <<EOF
# generated by bench/announce_vs_exabgp.sh
router_id $A_R
local_as $AS_EDGE
peer $R_A as $AS_ROUTER
prefix $V4/32
hold_time ${HOLD}s
connect_retry 1s
health_url http://$V4/healthz
health_interval ${HEALTH_INTERVAL}s
health_timeout 1s
rise $RISE
fall $FALL
drain_file $WORK/announce.drain
drain_grace ${DRAIN_GRACE}s
control_socket $A_SOCK
http_listen 127.0.0.1:9180
log_level info
EOF
"$ANNOUNCE_BIN" -t -c "$WORK/announce.conf" >"$WORK/announce.check" 2>&1 ||
	[ "$ONLY" = exabgp ] || die "cdn-announce rejects its config: $(head -n 5 "$WORK/announce.check")"

EXA_DISABLE=$WORK/exabgp.disable
cat >"$WORK/exabgp-check.sh" <<EOF
#!/bin/sh
exec curl -sf -o /dev/null --noproxy '*' --max-time 1 http://$V4/healthz
EOF
chmod 755 "$WORK/exabgp-check.sh"
# The healthcheck as FIELD-NOTES measured it: interval 1, fall 2, rise 2, a
# disable file; --withdraw-on-down so that a failed check withdraws (without
# it, a down service is re-announced with a worse MED, which moves nothing).
# With it, a disabled service is withdrawn too: ExaBGP's healthcheck has no
# graceful-shutdown phase.
cat >"$WORK/exabgp.conf" <<EOF
# generated by bench/announce_vs_exabgp.sh
process healthcheck {
	run $EXA_PYTHON -m exabgp healthcheck --no-syslog --name edgeA --interval $HEALTH_INTERVAL --fast-interval $HEALTH_INTERVAL --timeout 1 --rise $RISE --fall $FALL --disable $EXA_DISABLE --withdraw-on-down --no-ip-setup --ip $V4/32 --cmd $WORK/exabgp-check.sh;
	encoder text;
}
neighbor $R_A {
	router-id $A_R;
	local-address $A_R;
	local-as $AS_EDGE;
	peer-as $AS_ROUTER;
	hold-time $HOLD;
	family { ipv4 unicast; }
	api { processes [ healthcheck ]; }
}
EOF

SPK=""; SPK_PID=""
start_speaker() {   # start_speaker announce|exabgp: sets SPK, SPK_PID
	SPK=$1
	rm -f "$WORK/announce.drain" "$EXA_DISABLE" "$A_SOCK"
	case $1 in
	announce)
		echo "=== start $(date '+%F %T.%3N')" >>"$WORK/announce.log"
		ip netns exec "$NS_A" "$ANNOUNCE_BIN" -c "$WORK/announce.conf" </dev/null >>"$WORK/announce.log" 2>&1 &
		SPK_PID=$!
		track "$SPK_PID" cdn-announce
		until_ok 50 test -S "$A_SOCK"
		;;
	exabgp)
		echo "=== start $(date '+%F %T.%3N')" >>"$WORK/exabgp.log"
		# Keeps root (daemon.drop=false) so that the healthcheck can see the
		# disable file in our private temp dir; no CLI pipes.
		ip netns exec "$NS_A" env exabgp_daemon_drop=false exabgp_daemon_daemonize=false \
			exabgp_api_cli=false exabgp_log_destination=stdout exabgp_log_level=INFO \
			"$EXABGP_BIN" "$WORK/exabgp.conf" </dev/null >>"$WORK/exabgp.log" 2>&1 &
		SPK_PID=$!
		track "$SPK_PID" exabgp
		sleep 0.5
		;;
	esac
	alive "$SPK_PID"
}

# stop_speaker: SIGTERM (after SIGCONT), bounded; sets SPK_EXIT; also stops
# the speaker's children (ExaBGP's healthcheck) if they outlive it.
SPK_EXIT=""
stop_speaker() {
	local kids st p
	kids=$(descendants "$SPK_PID")
	for p in $kids; do track "$p" "$SPK child"; done
	kill -CONT "$SPK_PID" 2>/dev/null
	if alive "$SPK_PID"; then
		kill -TERM "$SPK_PID" 2>/dev/null
		if wait_gone "$SPK_PID" 100; then
			wait "$SPK_PID" 2>/dev/null; st=$?
			SPK_EXIT=$st
		else
			kill -KILL "$SPK_PID" 2>/dev/null
			wait_gone "$SPK_PID" 30
			wait "$SPK_PID" 2>/dev/null
			SPK_EXIT="killed (no exit within 10 s of SIGTERM)"
		fi
	else
		wait "$SPK_PID" 2>/dev/null; st=$?
		SPK_EXIT="already dead (status $st)"
	fi
	untrack "$SPK_PID"
	for p in $kids; do
		alive "$p" && { kill -TERM "$p" 2>/dev/null; wait_gone "$p" 30 || kill -KILL "$p" 2>/dev/null; }
		untrack "$p"
	done
}

spk_log() { case $SPK in announce) echo "$WORK/announce.log";; exabgp) echo "$WORK/exabgp.log";; esac; }
spk_name() { case $1 in announce) echo cdn-announce;; exabgp) echo ExaBGP;; esac; }

# diag WHY: what the router and the speaker showed, for the record.
FAILS=0
diag() {
	FAILS=$((FAILS + 1))
	echo "[bench] FAILED ($(spk_name "$SPK"), rep $REP): $1"
	echo "[bench]   speaker PID $SPK_PID: $(alive "$SPK_PID" && echo alive || echo gone)"
	echo "[bench]   BIRD, show protocols all edgeA:"
	bcli show protocols all edgeA 2>&1 | sed -n '2,14p' | sed 's/^/[bench]     /'
	echo "[bench]   BIRD, show route $V4/32 all:"
	bcli show route $V4/32 all 2>&1 | sed -n '2,30p' | sed 's/^/[bench]     /'
	echo "[bench]   BIRD log, last edgeA lines:"
	grep 'edgeA' "$BIRD_LOG" 2>/dev/null | tail -n 10 | sed 's/^/[bench]     /'
	echo "[bench]   $(spk_name "$SPK") log, last lines ($(spk_log)):"
	tail -n 15 "$(spk_log)" 2>/dev/null | sed 's/^/[bench]     /'
}

# at_a TENTHS: wait until the speaker's session is up, the router's best route
# is edge A's and the viewer reaches A.
at_a() {
	local i
	for ((i = 0; i < $1; i++)); do
		alive "$SPK_PID" || return 1
		if best_is edgeA && reaches A; then return 0; fi
		sleep 0.1
	done
	return 1
}

# --- one measurement -------------------------------------------------------------------
# measure FROM WANT TIMEOUT ACTION...: start a viewer poller, check that it
# sees edge FROM, pause a random 0..1 s (so that the action falls at a random
# phase of the speakers' 1 s timers), take T0, run ACTION, and wait for the
# poller to see edge WANT. Sets M_S (seconds, empty on failure), M_INFO and
# M_ERR (why it failed).
POLLN=0
M_S=""; M_INFO=""; M_ERR=""; M_T0=""
measure() {
	local from=$1 want=$2 to=$3 f pp line t0 arc t
	shift 3
	M_S=""; M_INFO=""; M_ERR=""; M_T0=""
	POLLN=$((POLLN + 1))
	f=$WORK/poll.$POLLN
	: >"$f"
	ip netns exec "$NS_V" "$PY" -u "$PROBE" poll "$URL" "$want" "$to" "$POLL_S" "$REQ_TIMEOUT_S" >"$f" 2>&1 &
	pp=$!
	track "$pp" poller
	if ! until_ok 50 grep -q '^start ' "$f"; then
		M_ERR="the viewer's poller did not start"
	else
		line=$(grep -m1 '^start ' "$f")
		[ "${line#start }" = "$from" ] || M_ERR="before the action the viewer reached '${line#start }', not $from"
	fi
	if [ -n "$M_ERR" ]; then
		stop_pid "$pp"
		return 1
	fi
	sleep "0.$(printf '%03d' $((RANDOM % 1000)))"
	t0=$EPOCHREALTIME
	M_T0=$t0
	"$@"
	arc=$?
	wait_gone "$pp" $(( (to + 5) * 10 )) || M_ERR="the poller did not finish"
	stop_pid "$pp"
	if [ "$arc" != 0 ]; then
		M_ERR="the action ($*) failed with status $arc"
		return 1
	fi
	line=$(grep -m1 -E '^(switched|timeout) ' "$f")
	case $line in
	switched*)
		set -- $line
		t=$2
		M_S=$(elapsed "$t0" "$t")
		M_INFO="${3:-} ${4:-}"
		return 0;;
	*)
		M_ERR="the viewer did not reach $want within $to s (${line:-no poller result})"
		return 1;;
	esac
}

# --- results -----------------------------------------------------------------------------
declare -A VAL=()
record() {   # record SPEAKER KEY SECONDS
	VAL[$1,$2]="${VAL[$1,$2]:-} $3"
}
declare -A NFAIL=()
record_fail() { NFAIL[$1,$2]=$(( ${NFAIL[$1,$2]:-0} + 1 )); }

# stats "v1 v2 ...": "median max n" (or "- - 0")
stats() {
	echo "$1" | tr ' ' '\n' | awk 'NF { v[++n] = $1 } END {
		if (!n) { print "- - 0"; exit }
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		printf "%.3f %.3f %d\n", m, v[n], n }'
}

act_drain() {
	case $SPK in
	announce) "$CDNCTL_BIN" --announce-socket "$A_SOCK" drain >>"$WORK/cdnctl.log" 2>&1;;
	exabgp) : >"$EXA_DISABLE";;
	esac
}
act_undrain() {
	case $SPK in
	announce) "$CDNCTL_BIN" --announce-socket "$A_SOCK" undrain >>"$WORK/cdnctl.log" 2>&1;;
	exabgp) rm -f "$EXA_DISABLE";;
	esac
}
act_stop_http_a() { kill -TERM "${HTTP_PID[A]}"; }
act_freeze() { kill -STOP "$SPK_PID"; }
act_thaw() { kill -CONT "$SPK_PID"; }

say() {   # say TEXT: one result line, prefixed with the speaker and repetition
	printf '[bench] %-12s rep %d  %s\n' "$(spk_name "$SPK")" "$REP" "$*"
}

fig_drain() {
	local w
	measure A B 10 act_drain || { record_fail "$SPK" drain; diag "drain: $M_ERR"; return 1; }
	record "$SPK" drain "$M_S"
	say "drain -> viewer on B: $M_S s ($M_INFO)"
	# the withdrawal that follows (cdn-announce: after drain_grace); seen by
	# polling BIRD every 0.1 s, so within about 0.1 s
	if until_ok $(( (DRAIN_GRACE + 10) * 10 )) no_route edgeA; then
		w=$(elapsed "$M_T0")
		record "$SPK" withdrawn "$w"
		say "  drain -> the router has no route from A: ~$w s"
	else
		record_fail "$SPK" withdrawn
		diag "the drained route was not withdrawn within $((DRAIN_GRACE + 10)) s"
	fi
	measure B A 20 act_undrain || { record_fail "$SPK" undrain; diag "undrain: $M_ERR"; return 1; }
	record "$SPK" undrain "$M_S"
	say "undrain -> viewer on A: $M_S s ($M_INFO)"
	at_a 100 || { diag "after the undrain the router/viewer did not settle on A"; return 1; }
}

fig_health() {
	measure A B 15 act_stop_http_a || { record_fail "$SPK" health; diag "health failure: $M_ERR"; start_http_again; return 1; }
	record "$SPK" health "$M_S"
	say "health failure -> viewer on B: $M_S s ($M_INFO)"
	wait_gone "${HTTP_PID[A]}" 50
	wait "${HTTP_PID[A]}" 2>/dev/null
	untrack "${HTTP_PID[A]}"
	measure B A 20 start_http A "$NS_A" || { record_fail "$SPK" healthback; diag "health restored: $M_ERR"; return 1; }
	record "$SPK" healthback "$M_S"
	say "  health restored -> viewer on A: $M_S s"
	at_a 100 || { diag "after the health recovery the router/viewer did not settle on A"; return 1; }
}

start_http_again() {
	alive "${HTTP_PID[A]}" && return 0
	wait "${HTTP_PID[A]}" 2>/dev/null
	untrack "${HTTP_PID[A]}"
	start_http A "$NS_A"
}

fig_hold() {
	local n0 n1 he hes
	n0=$(grep -c 'edgeA: Error: Hold timer expired' "$BIRD_LOG")
	measure A B 15 act_freeze || { record_fail "$SPK" hold; diag "frozen speaker: $M_ERR"; kill -CONT "$SPK_PID"; return 1; }
	record "$SPK" hold "$M_S"
	n1=$(grep -c 'edgeA: Error: Hold timer expired' "$BIRD_LOG")
	if [ "$((n1 - n0))" -ge 1 ]; then
		# BIRD's log time (local time, ms) of the expiry
		he=$(grep 'edgeA: Error: Hold timer expired' "$BIRD_LOG" | tail -n 1 | awk '{ print $1 " " $2 }')
		if hes=$(date -d "$he" +%s.%N 2>/dev/null); then
			record "$SPK" holdexp "$(elapsed "$M_T0" "$hes")"
			record "$SPK" holdflush "$(calc "printf \"%.3f\", $M_T0 + $M_S - $hes")"
		fi
		say "frozen speaker -> viewer on B: $M_S s ($M_INFO; BIRD: 'Hold timer expired'" \
			"$(elapsed "$M_T0" "$hes") s after the SIGSTOP)"
	else
		say "frozen speaker -> viewer on B: $M_S s ($M_INFO)"
		note "WARNING: BIRD did not log 'Hold timer expired' for edgeA"
	fi
	measure B A 60 act_thaw || { record_fail "$SPK" holdback; diag "recovery after SIGCONT: $M_ERR"; return 1; }
	record "$SPK" holdback "$M_S"
	say "  SIGCONT -> viewer on A: $M_S s"
	at_a 100 || { diag "after SIGCONT the router/viewer did not settle on A"; return 1; }
}

# --- the run ----------------------------------------------------------------------------------
note "speakers: $SPEAKERS; figures: $FIGURES; $REPEAT repetitions; viewer polls every ${POLL_MS} ms" \
	"(request timeout ${REQ_TIMEOUT_MS} ms); health interval ${HEALTH_INTERVAL}s rise $RISE fall $FALL; hold ${HOLD}s;" \
	"cdn-announce drain_grace ${DRAIN_GRACE}s; $NCPU CPUs"
T_BEGIN=$EPOCHREALTIME
M0=$(machine_cpu)
for ((REP = 1; REP <= REPEAT; REP++)); do
	# alternate the order, so slow drift of the machine hits both alike
	order=$SPEAKERS
	if [ $((REP % 2)) = 0 ]; then order=$(echo "$SPEAKERS" | awk '{ for (i = NF; i >= 1; i--) printf "%s%s", $i, (i > 1 ? " " : "") }'); fi
	for s in $order; do
		t0=$EPOCHREALTIME
		if ! start_speaker "$s"; then
			diag "the speaker did not start"
			stop_speaker
			continue
		fi
		if ! at_a 600; then
			diag "no session / no route from edge A / the viewer does not reach A within 60 s of the start"
			stop_speaker
			continue
		fi
		w=$(elapsed "$t0")
		record "$s" startup "$w"
		say "started; viewer on A $w s after the start"
		for fig in $FIGURES; do
			alive "$SPK_PID" || { diag "the speaker died"; break; }
			"fig_$fig" || alive "$SPK_PID" || break
			# make sure A's responder is there for the next figure
			start_http_again || die "cannot restart edge A's responder"
		done
		alive "$SPK_PID" || diag "the speaker died (before its stop)"
		stop_speaker
		case $s in announce)
			[ "$SPK_EXIT" = 0 ] || diag "cdn-announce did not exit cleanly on SIGTERM: $SPK_EXIT";;
		esac
		# start the next speaker from a clean state: A's route gone, viewer on B
		until_ok 100 no_route edgeA || diag "the router kept A's route after the speaker stopped"
		until_ok 50 reaches B || diag "the viewer does not reach B after the speaker stopped"
	done
done
M1=$(machine_cpu)
BUSY=$(echo "$M0 $M1" | awk '{ dt = $3 - $1; di = $4 - $2; printf "%.0f", (dt > 0 ? 100 * (dt - di) / dt : 0) }')

# --- summary ------------------------------------------------------------------------------------
echo
echo "=== Summary: $REPEAT repetitions; viewer polls every ${POLL_MS} ms; interval ${HEALTH_INTERVAL} s," \
	"fall $FALL, rise $RISE, hold ${HOLD} s; run $(calc "printf \"%.0f\", $EPOCHREALTIME - $T_BEGIN") s," \
	"machine busy ${BUSY} % of $NCPU CPUs (shared) ==="
row() { printf '%-44s %9s %9s %9s %9s %9s\n' "$@"; }
row "figure (seconds)" "cdn med" "cdn max" "exa med" "exa max" "cdn/exa"
cell() {   # cell SPEAKER KEY: "median max n" with failures noted
	stats "${VAL[$1,$2]:-}"
}
line() {   # line LABEL KEY
	local am ax an em ex ratio fa fe
	read -r am ax an <<<"$(cell announce "$2")"
	read -r em ex _ <<<"$(cell exabgp "$2")"
	ratio=-
	if [ "$am" != - ] && [ "$em" != - ] && is_true "$em > 0"; then
		ratio=$(calc "printf \"%.2f\", $am / $em")
	fi
	fa=${NFAIL[announce,$2]:-0}; fe=${NFAIL[exabgp,$2]:-0}
	[ "$fa" -gt 0 ] && am="$am!$fa"
	[ "$fe" -gt 0 ] && em="$em!$fe"
	row "$1" "$am" "$ax" "$em" "$ex" "$ratio"
}
line "1. drain -> switch to B" drain
line "2. undrain -> switch back to A" undrain
line "3. health failure -> traffic moves" health
line "4. frozen -> hold-timer expiry, moves" hold
line "   (drain -> router has no A route)" withdrawn
line "   (4a. freeze -> BIRD: hold timer expired)" holdexp
line "   (4b. expired -> viewer on B)" holdflush
line "   (health restored -> back on A)" healthback
line "   (SIGCONT -> back on A)" holdback
line "   (start -> viewer on A)" startup
echo "(median and max over the repetitions; \"!K\" after a median: K repetitions failed and are not in it;"
echo " every figure includes up to one poll period, ${POLL_MS} ms; ExaBGP's healthcheck withdraws on drain,"
echo " cdn-announce re-announces with GRACEFUL_SHUTDOWN and withdraws after drain_grace ${DRAIN_GRACE} s;"
echo " figure 4 = 4a + 4b: the expiry, from BIRD's log, then BIRD closing the session and flushing the route)"
echo

VERDICT_FAIL=0
verdict() {   # verdict LABEL KEY TARGET
	local am ax an em ex k ok
	read -r am ax an <<<"$(cell announce "$2")"
	read -r em ex _ <<<"$(cell exabgp "$2")"
	if [ "$an" = 0 ]; then
		case $SPEAKERS in *announce*)
			printf 'verdict: %-42s no cdn-announce figure: FAIL\n' "$1 within $3 s"; VERDICT_FAIL=1;;
		*) printf 'verdict: %-42s (cdn-announce not measured; ExaBGP median %s, max %s)\n' "$1 within $3 s" "$em" "$ex";;
		esac
		return
	fi
	k=$(echo "${VAL[announce,$2]}" | tr ' ' '\n' | awk -v t="$3" 'NF && $1 <= t { k++ } END { print k + 0 }')
	if [ "$k" = "$an" ] && [ "${NFAIL[announce,$2]:-0}" = 0 ]; then ok=PASS; else ok=FAIL; VERDICT_FAIL=1; fi
	printf 'verdict: %-42s cdn-announce median %s, max %s, %d/%d within: %s  (ExaBGP median %s, max %s)\n' \
		"$1 within $3 s" "$am" "$ax" "$k" "$((an + ${NFAIL[announce,$2]:-0}))" "$ok" "$em" "$ex"
}
case " $FIGURES " in *" drain "*)
	verdict "drain -> switch" drain "$T_DRAIN"
	verdict "undrain -> switch back" undrain "$T_UNDRAIN";;
esac
case " $FIGURES " in *" health "*)
	verdict "health failure -> withdrawal" health "$T_HEALTH";;
esac
case " $FIGURES " in *" hold "*)
	echo "info:    frozen speaker: BIRD restarts its hold timer (${HOLD} s) at every message received, less a random"
	echo "         jitter of up to 25 % (RFC 4271 section 10), and both speakers send one at least every" \
		"$((HOLD / 3)) s: expect 4a within $(calc "printf \"%.2f\", $HOLD * 0.75 - $HOLD / 3")..$HOLD s for both";;
esac
[ "$BUSY" -gt 90 ] && echo "WARNING: the machine was ${BUSY} % busy: the figures are suspect"

if [ "$FAILS" -gt 0 ]; then
	echo "[bench] $FAILS failure(s): see the FAILED lines above"
	exit 1
fi
[ "$STRICT" = 1 ] && [ "$VERDICT_FAIL" = 1 ] && exit 3
exit 0
