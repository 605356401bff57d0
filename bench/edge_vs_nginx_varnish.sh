#!/usr/bin/env bash
# edge_vs_nginx_varnish.sh - cdn-edge against nginx proxy_cache and Varnish.
#
# One run starts one synthetic origin (bench_origin.py) and benchmarks three
# caches side by side in front of it, each a fresh private instance on
# 127.0.0.1 with its own config for every figure (the caches interleaved per
# figure, so slow drift of the machine hits all alike):
#   1. hot hits: wrk on a cached 1 MiB object and on a cached small playlist,
#      in rounds over the three caches (all started for the figure);
#   2. miss storm: 200 clients ask for one fresh /slow object (1 MiB filled
#      over 100 ms) at the same moment, 3 times: upstream fetches, TTFB;
#   3. live audience: 100, 500, 1000 simulated players of one live stream:
#      origin requests/s, stalls, the cache's CPU and peak RSS;
#   4. eviction: a 20 MB cache, 2000 Zipf(1.0) requests over 100 objects of
#      1 MiB: hit ratio and peak memory against the budget.
# Then a summary table with cdn-edge / nginx and cdn-edge / varnish ratios,
# and one verdict line per target.
#
# nginx runs with its own prefix, config, pid and cache in a temp dir; varnishd
# with -n in the temp dir, in the foreground. System services are never
# touched. Everything listens on 127.0.0.1, ports probed below the ephemeral
# range. All processes started here are tracked by PID and stopped in a trap.
# Every loop is bounded in count and time. See bench/README.md for the knobs.

set -u -o pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$SCRIPT_DIR/.." && pwd)
ORIGIN_PY="$SCRIPT_DIR/bench_origin.py"
LOAD_PY="$SCRIPT_DIR/edge_load.py"

# --- settings ---------------------------------------------------------------
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
	DEF_SECONDS=2; DEF_ROUNDS=2; DEF_LIVE_SECONDS=6; DEF_VIEWERS="50 200"; DEF_ZIPF=400; DEF_RAMP=1
else
	DEF_SECONDS=10; DEF_ROUNDS=3; DEF_LIVE_SECONDS=30; DEF_VIEWERS="100 500 1000"; DEF_ZIPF=2000; DEF_RAMP=2
fi
HOT_S=${BENCH_SECONDS:-$DEF_SECONDS}
HOT_ROUNDS=${BENCH_HOT_ROUNDS:-$DEF_ROUNDS}
LIVE_S=${BENCH_LIVE_SECONDS:-$DEF_LIVE_SECONDS}
LIVE_RAMP_S=${BENCH_LIVE_RAMP:-$DEF_RAMP}
VIEWERS=${BENCH_VIEWERS:-$DEF_VIEWERS}
LIVE_PROCS=${BENCH_LIVE_PROCS:-2}
STORM_CLIENTS=${BENCH_STORM_CLIENTS:-200}
STORM_REPS=${BENCH_STORM_REPS:-3}
ZIPF_REQUESTS=${BENCH_ZIPF_REQUESTS:-$DEF_ZIPF}
ZIPF_CONC=${BENCH_ZIPF_CONC:-4}
ZIPF_SEED=${BENCH_ZIPF_SEED:-1}
EVICT_MB=${BENCH_EVICT_MB:-20}
CACHE_MB=${BENCH_CACHE_MB:-1024}
OBJ_KB=${BENCH_OBJECT_KB:-1024}
SEG_KB=${BENCH_SEG_KB:-256}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
WRK_CONNS=${BENCH_WRK_CONNS:-64}
FIGURES=${BENCH_FIGURES:-hot storm live evict}
NICE=${BENCH_NICE:-0}
ONLY=${BENCH_ONLY:-all}
KEEP=${BENCH_KEEP:-0}
STRICT=${BENCH_STRICT:-0}
NCPU=$(nproc)
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-$NCPU}
EDGE_OPTS=${BENCH_EDGE_OPTS:-}
# Binaries: scripts/setup builds into _build/ (BUILD_DIR); an in-tree build
# is used when there is no _build/.
BUILD=${BUILD_DIR:-_build}
if [ -x "$TOP/$BUILD/edge/cdn-edge" ]; then DEF_EDGE=$TOP/$BUILD/edge/cdn-edge; else DEF_EDGE=$TOP/edge/cdn-edge; fi
EDGE_BIN=${EDGE_BIN:-$DEF_EDGE}
NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
VARNISHD_BIN=${VARNISHD_BIN:-/usr/sbin/varnishd}
WRK_BIN=${WRK_BIN:-wrk}

SEG_DUR_S=2             # origin: a segment every 2 s, 6-segment window
HOLDBACK_S=6            # a player 3 target durations behind live
EDGE_RSS_SLACK_MB=64    # target: edge peak RSS <= budget + 64 MB
OBJ_MIB_ZIPF=1           # the origin's /zipf objects are 1 MiB
FLAT_RATIO=1.5          # target: origin req/s at most viewers <= 1.5 x at fewest
BUSY_WARN_PCT=90
OTHER_WARN_PCT=25       # other load on the machine that makes a run suspect

die() { echo "bench: error: $*" >&2; exit 2; }
note() { echo "[bench] $*"; }

is_uint() { case $1 in ''|*[!0-9]*) return 1;; esac; return 0; }
for v in "$HOT_S" "$HOT_ROUNDS" "$LIVE_S" "$LIVE_RAMP_S" "$LIVE_PROCS" "$STORM_CLIENTS" "$STORM_REPS" "$ZIPF_REQUESTS" \
	"$ZIPF_CONC" "$ZIPF_SEED" "$EVICT_MB" "$CACHE_MB" "$OBJ_KB" "$SEG_KB" "$WRK_THREADS" "$WRK_CONNS" \
	"$NGINX_WORKERS"; do
	is_uint "$v" || die "not a whole number: '$v'"
done
[ "$HOT_S" -ge 1 ] && [ "$HOT_S" -le 600 ] || die "BENCH_SECONDS must be 1..600"
[ "$HOT_ROUNDS" -ge 1 ] && [ "$HOT_ROUNDS" -le 10 ] || die "BENCH_HOT_ROUNDS must be 1..10"
[ "$LIVE_S" -ge 4 ] && [ "$LIVE_S" -le 3600 ] || die "BENCH_LIVE_SECONDS must be 4..3600"
[ "$LIVE_RAMP_S" -le 60 ] || die "BENCH_LIVE_RAMP must be 0..60"
[ "$LIVE_PROCS" -ge 1 ] && [ "$LIVE_PROCS" -le 8 ] || die "BENCH_LIVE_PROCS must be 1..8"
[ "$STORM_CLIENTS" -ge 1 ] && [ "$STORM_CLIENTS" -le 2000 ] || die "BENCH_STORM_CLIENTS must be 1..2000"
[ "$STORM_REPS" -ge 1 ] && [ "$STORM_REPS" -le 20 ] || die "BENCH_STORM_REPS must be 1..20"
[ "$ZIPF_REQUESTS" -ge 10 ] && [ "$ZIPF_REQUESTS" -le 100000 ] || die "BENCH_ZIPF_REQUESTS must be 10..100000"
[ "$ZIPF_CONC" -ge 1 ] && [ "$ZIPF_CONC" -le 64 ] || die "BENCH_ZIPF_CONC must be 1..64"
[ "$EVICT_MB" -ge 2 ] && [ "$EVICT_MB" -le 4096 ] || die "BENCH_EVICT_MB must be 2..4096"
[ "$CACHE_MB" -ge 64 ] && [ "$CACHE_MB" -le 16384 ] || die "BENCH_CACHE_MB must be 64..16384"
[ "$OBJ_KB" -ge 1 ] && [ "$OBJ_KB" -le 65536 ] || die "BENCH_OBJECT_KB must be 1..65536"
[ "$SEG_KB" -ge 1 ] && [ "$SEG_KB" -le 16384 ] || die "BENCH_SEG_KB must be 1..16384"
[ "$WRK_THREADS" -ge 1 ] && [ "$WRK_THREADS" -le 16 ] || die "BENCH_WRK_THREADS must be 1..16"
[ "$WRK_CONNS" -ge "$WRK_THREADS" ] && [ "$WRK_CONNS" -le 4096 ] || die "BENCH_WRK_CONNS must be threads..4096"
[ "$NGINX_WORKERS" -ge 1 ] && [ "$NGINX_WORKERS" -le 64 ] || die "BENCH_NGINX_WORKERS must be 1..64"
for n in $VIEWERS; do
	is_uint "$n" && [ "$n" -ge 1 ] && [ "$n" -le 5000 ] || die "BENCH_VIEWERS entries must be 1..5000"
done
for f in $FIGURES; do
	case $f in hot|storm|live|evict) ;; *) die "BENCH_FIGURES entries: hot storm live evict";; esac
done
case $NICE in -[0-9]|-1[0-9]|-20|[0-9]|1[0-9]) ;; *) die "BENCH_NICE must be -20..19";; esac
RUN=(nice -n "$NICE")
case $ONLY in
all|both) CACHES="edge nginx varnish";;
edge|nginx|varnish) CACHES=$ONLY;;
*) die "BENCH_ONLY must be edge, nginx or varnish (unset: all three)";;
esac
has() { case " $1 " in *" $2 "*) return 0;; esac; return 1; }

# --- process tracking: everything we start is stopped by PID ----------------
declare -A TRACKED=()
WORK=""

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

# child_pids PID: the process's descendants, three levels deep (nginx and
# varnishd workers; timeout -> python client -> its player processes).
child_pids() {
	local k kk kkk
	for k in $(pgrep -P "$1" 2>/dev/null); do
		echo "$k"
		for kk in $(pgrep -P "$k" 2>/dev/null); do
			echo "$kk"
			for kkk in $(pgrep -P "$kk" 2>/dev/null); do echo "$kkk"; done
		done
	done
}

cleanup() {
	local pid p
	local -A kids=()
	trap - EXIT INT TERM
	for pid in "${!TRACKED[@]}"; do
		for p in $(child_pids "$pid"); do kids[$p]=1; done
		alive "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${!TRACKED[@]}"; do
		wait_gone "$pid" 50 || kill -KILL "$pid" 2>/dev/null
	done
	for p in "${!kids[@]}"; do   # workers orphaned by a killed master
		alive "$p" && { kill -TERM "$p" 2>/dev/null; wait_gone "$p" 20 || kill -KILL "$p" 2>/dev/null; }
	done
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
# is_true EXPR: awk comparison (never a bare ">" in print: that redirects).
is_true() { [ "$(awk "BEGIN { if ($1) print 1; else print 0 }" </dev/null)" = 1 ]; }
num() { case $1 in ''|n/a|nan|None|null) return 1;; esac; return 0; }

# proc_ticks PID: utime+stime in clock ticks (0 when gone).
proc_ticks() {
	local s rest
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	rest=${s##*) }
	# shellcheck disable=SC2086
	set -- $rest
	echo $(( ${12} + ${13} ))
}
# tree_ticks PID: the process and its descendants.
tree_ticks() {
	local t p
	t=$(proc_ticks "$1")
	for p in $(child_pids "$1"); do t=$((t + $(proc_ticks "$p"))); done
	echo "$t"
}

# machine_cpu: "total idle" jiffies from /proc/stat (idle includes iowait).
machine_cpu() {
	awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6; exit }' /proc/stat
}
busy_pct() { # busy_pct "T0 I0" "T1 I1"
	echo "$1 $2" | awk '{ dt = $3 - $1; di = $4 - $2; printf "%.1f", (dt > 0 ? 100 * (dt - di) / dt : 0) }'
}

# child_ticks: sets CHILD_TICKS to the CPU (user+sys, in ticks) of this
# shell's reaped children, from bash's "times" (run in this shell, not in a
# $(...) subshell, which would report its own children): the delta around a
# run is wrk's or the client's, with their own children.
CHILD_TICKS=0
child_ticks() {
	times >"$WORK/times.txt"
	CHILD_TICKS=$(awk -v tck="$TCK" 'NR == 2 { s = 0
		for (i = 1; i <= 2; i++) { v = $i; m = v; sub(/m.*/, "", m); sec = v; sub(/^[0-9]+m/, "", sec); sub(/s$/, "", sec); s += m * 60 + sec }
		printf "%.0f\n", s * tck }' "$WORK/times.txt")
}
# other_pct "T0 I0" "T1 I1" OURS_TICKS: the machine's busy share not spent by
# this benchmark's processes (cache, origin, load generator): other load.
other_pct() {
	echo "$1 $2 $3" | awk '{ dt = $3 - $1; di = $4 - $2; v = (dt > 0 ? 100 * (dt - di - $5) / dt : 0)
		if (v < 0) v = 0; printf "%.1f", v }'
}

# pick_port: a loopback TCP port outside the ephemeral range that no socket
# (any state) uses and that we have not handed out yet.
USED_PORTS=" "
pick_port() {
	local lo hi base p i
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
	if [ "$lo" -gt 21000 ]; then base=20000; hi=$((lo - 1)); else base=$((hi + 1)); hi=65000; fi
	[ "$hi" -gt 65000 ] && hi=65000
	for ((i = 0; i < 200; i++)); do
		p=$((base + (RANDOM * 32768 + RANDOM) % (hi - base)))
		case $USED_PORTS in *" $p "*) continue;; esac
		if [ -z "$(ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null)" ]; then
			USED_PORTS="$USED_PORTS$p "
			echo "$p"
			return 0
		fi
	done
	die "no free port found"
}

# wait_http URL TENTHS [PID]: bounded wait until URL answers 200 (and PID lives).
wait_http() {
	local i code
	for ((i = 0; i < $2; i++)); do
		[ -n "${3:-}" ] && ! alive "$3" && return 1
		code=$(curl -s -o /dev/null -w '%{http_code}' -m 1 "$1")
		[ "$code" = 200 ] && return 0
		sleep 0.1
	done
	return 1
}

# jload KEYPREFIX FILE NAME=EXPR...: evaluates each EXPR (Python, on the JSON
# object d in FILE) into R[KEYPREFIX,NAME]; "n/a" when missing.
declare -A R=()
jload() {
	local pre=$1 file=$2 k v
	shift 2
	while IFS=$'\t' read -r k v; do
		[ -n "$k" ] && R[$pre,$k]=$v
	done < <(python3 - "$file" "$@" <<'PYEOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    d = None
for arg in sys.argv[2:]:
    name, expr = arg.split("=", 1)
    try:
        v = eval(expr, {"d": d, "max": max, "min": min, "sum": sum, "len": len})
    except Exception:
        v = None
    if v is None:
        s = "n/a"
    elif isinstance(v, float):
        s = "%.4g" % v if abs(v) < 1e6 else "%.0f" % v
    else:
        s = str(v)
    print("%s\t%s" % (name, s.replace("\t", " ").replace("\n", " ")))
PYEOF
)
}
get() { echo "${R[$1]:-n/a}"; }

# run_tracked SECONDS OUT ERR CMD...: runs CMD under timeout in the
# background, tracked by PID (so the trap stops it), and waits for it.
run_tracked() {
	local secs=$1 out=$2 err=$3 pid rc
	shift 3
	timeout "$secs" "${RUN[@]}" "$@" </dev/null >"$out" 2>"$err" &
	pid=$!
	track "$pid" "$1"
	wait "$pid"; rc=$?
	untrack "$pid"
	return "$rc"
}

# --- dependencies -------------------------------------------------------------
for c in curl ss awk pgrep nice; do
	command -v "$c" >/dev/null || die "missing command: $c"
done
need_apt=""
command -v python3 >/dev/null || need_apt="$need_apt python3-minimal"
pkg_ok() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
has "$CACHES" nginx && { [ -x "$NGINX_BIN" ] || pkg_ok nginx || need_apt="$need_apt nginx"; }
has "$CACHES" varnish && { [ -x "$VARNISHD_BIN" ] || pkg_ok varnish || need_apt="$need_apt varnish"; }
has "$FIGURES" hot && { command -v "$WRK_BIN" >/dev/null || pkg_ok wrk || need_apt="$need_apt wrk"; }
if [ -n "$need_apt" ]; then
	[ "$(id -u)" = 0 ] || die "missing packages:$need_apt (run as root, or install them)"
	note "installing:$need_apt"
	# shellcheck disable=SC2086
	env DEBIAN_FRONTEND=noninteractive apt-get install -y $need_apt >/dev/null 2>&1 ||
		{ apt-get update >/dev/null 2>&1 &&
			env DEBIAN_FRONTEND=noninteractive apt-get install -y $need_apt >/dev/null; } ||
		die "apt-get install$need_apt failed"
fi
has "$CACHES" edge && [ ! -x "$EDGE_BIN" ] &&
	die "$EDGE_BIN missing: run scripts/setup (or BENCH_ONLY=nginx / varnish)"
has "$CACHES" nginx && [ ! -x "$NGINX_BIN" ] && die "$NGINX_BIN missing"
has "$CACHES" varnish && [ ! -x "$VARNISHD_BIN" ] && die "$VARNISHD_BIN missing"

# 1000 players, wrk and the caches' upstream connections need descriptors.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
[ "$(ulimit -n)" -ge 4096 ] 2>/dev/null || note "WARNING: ulimit -n is $(ulimit -n): 1000 players may not fit"

WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/cdn-edge-bench.XXXXXX") || die "mktemp failed"
chmod 755 "$WORK"
TCK=$(getconf CLK_TCK)
if has "$CACHES" edge; then
	# A private copy: a rebuild of the tree during the run must not mix versions.
	note "cdn-edge: $EDGE_BIN, built $(date -r "$EDGE_BIN" '+%F %T'), sha256 $(sha256sum "$EDGE_BIN" | cut -c1-12)"
	cp "$EDGE_BIN" "$WORK/cdn-edge" || die "cannot copy $EDGE_BIN"
	EDGE_BIN=$WORK/cdn-edge
fi
NOBODY_GROUP=$(id -gn nobody 2>/dev/null || echo nogroup)

# --- the origin -------------------------------------------------------------------
ORIGIN_PORT=$(pick_port)
ORIGIN_URL=http://127.0.0.1:$ORIGIN_PORT
STATS_URL=$ORIGIN_URL/_stats
"${RUN[@]}" python3 "$ORIGIN_PY" --port "$ORIGIN_PORT" --static-size $((OBJ_KB * 1024)) \
	--seg-size $((SEG_KB * 1024)) --seg-dur "$SEG_DUR_S" --max-seconds 14400 --ready "$WORK/origin.ready" \
	</dev/null >"$WORK/origin.log" 2>&1 &
ORIGIN_PID=$!
track "$ORIGIN_PID" origin
wait_http "$ORIGIN_URL/healthz" 100 "$ORIGIN_PID" || die "origin did not start: $(tail -n 3 "$WORK/origin.log")"
note "origin pid $ORIGIN_PID on :$ORIGIN_PORT; caches: $CACHES; figures: $FIGURES; $NCPU CPUs"
note "the load generators (wrk, python clients) share the $NCPU CPUs with the cache under test"

# origin_count CLASS: requests of that class the origin has received so far.
origin_count() {
	curl -s -m 5 "$STATS_URL" | python3 -c \
		'import json,sys; print(json.load(sys.stdin)["classes"].get(sys.argv[1], 0))' "$1" 2>/dev/null || echo n/a
}

# --- caches -----------------------------------------------------------------------
# Each start_* CACHE_MB TAG sets SRV_PID, SRV_DIR, SRV_PORT, SRV_LOG; returns
# non-zero with the reason in SRV_ERR.
SRV_PID=""; SRV_DIR=""; SRV_PORT=""; SRV_LOG=""; SRV_ERR=""; SRV_KIND=""; SRV_EXIT=""
UNCLEAN_EXITS=0

start_edge() {
	local mb=$1 d=$WORK/edge-$2 extra=()
	SRV_DIR=$d; mkdir -p "$d" || { SRV_ERR="mkdir failed"; return 1; }
	SRV_PORT=$(pick_port); SRV_LOG=$d/edge.log
	# Every viewer comes from 127.0.0.1: lift per-IP and total connection
	# limits to what the largest audience needs, if the build has them
	# (nginx and Varnish have no such limits by default).
	if [ -z "${EDGE_SETTINGS+x}" ]; then
		EDGE_SETTINGS=$(timeout 10 "$EDGE_BIN" -t -o "upstream=$ORIGIN_URL" 2>&1)
	fi
	local need=$((MAX_VIEWERS + STORM_CLIENTS + WRK_CONNS + 256)) key cur
	for key in http_max_connections http_max_per_ip; do
		cur=$(echo "$EDGE_SETTINGS" | awk -v k="$key" '$1 == k { print $2; exit }')
		if is_uint "${cur:-x}" && [ "$cur" -gt 0 ] && [ "$cur" -lt "$need" ]; then
			extra+=(-o "$key=$need")
		fi
	done
	# The drain file goes into the temp dir: a system-wide one must not drain
	# the benchmark's instance.
	extra+=(-o "drain_file=$d/edge.drain")
	# shellcheck disable=SC2086
	"${RUN[@]}" "$EDGE_BIN" -o "http_listen=127.0.0.1:$SRV_PORT" -o "upstream=$ORIGIN_URL" \
		-o "cache_max_bytes=${mb}M" -o access_log=off -o log_level=warn "${extra[@]}" $EDGE_OPTS \
		</dev/null >"$SRV_LOG" 2>&1 &
	SRV_PID=$!
	track "$SRV_PID" cdn-edge
	echo "$EDGE_BIN -o http_listen=127.0.0.1:$SRV_PORT -o upstream=$ORIGIN_URL -o cache_max_bytes=${mb}M" \
		"-o access_log=off -o log_level=warn ${extra[*]} $EDGE_OPTS" >"$d/cmdline"
	[ "$2" = hot ] && note "  $(cat "$d/cmdline")"
	if ! wait_http "http://127.0.0.1:$SRV_PORT/healthz" 100 "$SRV_PID"; then
		SRV_ERR="cdn-edge did not start: $(tail -n 3 "$SRV_LOG" 2>/dev/null | tr '\n' ' ')"
		return 1
	fi
}

start_nginx() {
	local mb=$1 d=$WORK/nginx-$2 user_line=""
	SRV_DIR=$d; mkdir -p "$d/logs" "$d/tmp" "$d/cache" || { SRV_ERR="mkdir failed"; return 1; }
	chmod 755 "$d"
	if [ "$(id -u)" = 0 ]; then
		user_line="user nobody $NOBODY_GROUP;"
		chown "nobody:$NOBODY_GROUP" "$d/tmp" "$d/cache"
	fi
	SRV_PORT=$(pick_port); SRV_LOG=$d/logs/error.log
	cat >"$d/nginx.conf" <<EOF
# generated by bench/edge_vs_nginx_varnish.sh: private instance, loopback only
daemon off;
master_process on;
$user_line
# One worker per core ("auto" would pick the same $NCPU here; stated for
# reproducibility). cdn-edge and Varnish may use every core as well.
worker_processes $NGINX_WORKERS;
worker_rlimit_nofile 65536;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 16384; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	# nginx closes a kept-alive connection after 1000 requests by default;
	# neither cdn-edge nor Varnish does, so lift it.
	keepalive_requests 1000000;
	keepalive_timeout 120s;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	# The cache: files under the temp dir (the page cache holds the hot ones),
	# max_size = the budget under test; keys zone large enough for every key.
	proxy_cache_path $d/cache levels=1:2 keys_zone=edge:64m max_size=${mb}m inactive=1d use_temp_path=off;
	upstream origin {
		server 127.0.0.1:$ORIGIN_PORT;
		keepalive 64;          # kept-alive upstream connections, like the others
	}
	server {
		listen 127.0.0.1:$SRV_PORT backlog=4096;
		location / {
			proxy_pass http://origin;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_cache edge;
			proxy_cache_key \$uri;             # the path only: query strings ignored
			# One upstream fetch per object: the others wait for it (nginx
			# wakes its waiters on a 500 ms grid). High timeouts, so a waiter
			# never gives up and goes upstream itself, as in cdn-edge.
			proxy_cache_lock on;
			proxy_cache_lock_timeout 60s;
			proxy_cache_lock_age 60s;
			# Freshness follows upstream: Cache-Control / Expires take
			# precedence over proxy_cache_valid (proxy_ignore_headers unset);
			# this only applies to a 200 without freshness information.
			proxy_cache_valid 200 10s;
			proxy_cache_revalidate on;          # conditional GET when expired
			proxy_cache_use_stale off;          # no stale answers, as the others
			proxy_cache_background_update off;
			proxy_buffering on;
			proxy_buffers 32 32k;
			proxy_busy_buffers_size 128k;
			proxy_connect_timeout 5s;
			proxy_read_timeout 30s;
			add_header X-Cache \$upstream_cache_status always;
		}
	}
}
EOF
	"$NGINX_BIN" -t -q -p "$d/" -e "$d/logs/error.log" -c "$d/nginx.conf" >"$d/logs/test.log" 2>&1 ||
		{ SRV_ERR="nginx -t failed: $(tail -n 3 "$d/logs/test.log" "$d/logs/error.log" 2>/dev/null | tr '\n' ' ')"; return 1; }
	"${RUN[@]}" "$NGINX_BIN" -p "$d/" -e "$d/logs/error.log" -c "$d/nginx.conf" </dev/null >"$d/logs/stdout.log" 2>&1 &
	SRV_PID=$!
	track "$SRV_PID" nginx
	if ! wait_http "http://127.0.0.1:$SRV_PORT/healthz" 100 "$SRV_PID"; then
		SRV_ERR="nginx did not start: $(tail -n 3 "$d/logs/error.log" 2>/dev/null | tr '\n' ' ')"
		return 1
	fi
}

start_varnish() {
	local mb=$1 d=$WORK/varnish-$2
	SRV_DIR=$d; mkdir -p "$d/work" || { SRV_ERR="mkdir failed"; return 1; }
	SRV_PORT=$(pick_port); SRV_LOG=$d/varnishd.log
	cat >"$d/bench.vcl" <<EOF
# generated by bench/edge_vs_nginx_varnish.sh: private instance, loopback only
vcl 4.1;

backend origin {
	.host = "127.0.0.1";
	.port = "$ORIGIN_PORT";
	.connect_timeout = 5s;
	.first_byte_timeout = 30s;
	.between_bytes_timeout = 30s;
}

sub vcl_recv {
	# No cookies here; dropped anyway so the built-in VCL never passes.
	unset req.http.Cookie;
	# Otherwise the built-in vcl_recv: GET/HEAD are looked up.
}

sub vcl_hash {
	# The path only: query strings are stripped from the hash (not from the
	# upstream request), as nginx's \$uri key and cdn-edge's key.
	hash_data(regsub(req.url, "\?.*$", ""));
	return (lookup);
}

sub vcl_backend_response {
	# TTLs follow upstream: the built-in VCL derives beresp.ttl from
	# Cache-Control (s-maxage / max-age) and Expires; errors come with
	# no-store and become hit-for-miss. No grace: an expired object is not
	# served while refreshing (nginx: use_stale off; cdn-edge: stale only on
	# upstream failure), so a "max-age=1" playlist is at most ~1 s old.
	set beresp.grace = 0s;
	# Streaming to the requester and to the waiters (the default, stated).
	set beresp.do_stream = true;
}

sub vcl_deliver {
	# Hit or miss, for the benchmark's hit ratio (like X-Cache elsewhere).
	if (obj.hits > 0) {
		set resp.http.X-Cache = "HIT";
	} else {
		set resp.http.X-Cache = "MISS";
	}
}
EOF
	# -F: foreground, so $! is the manager; -j none: no jail (the workdir is
	# ours); -T none: no management port; -s malloc,SIZE: the budget (the
	# Transient store for short-lived objects such as playlists is Varnish's
	# default, unbounded).
	"${RUN[@]}" "$VARNISHD_BIN" -F -j none -n "$d/work" -a "127.0.0.1:$SRV_PORT" -T none \
		-f "$d/bench.vcl" -s "malloc,${mb}m" </dev/null >"$SRV_LOG" 2>&1 &
	SRV_PID=$!
	track "$SRV_PID" varnishd
	if ! wait_http "http://127.0.0.1:$SRV_PORT/healthz" 300 "$SRV_PID"; then
		SRV_ERR="varnishd did not start: $(tail -n 5 "$SRV_LOG" 2>/dev/null | tr '\n' ' ')"
		return 1
	fi
}

# start_cache CACHE MB TAG: fresh instance; on failure marks the figure.
start_cache() {
	SRV_PID=""; SRV_ERR=""; SRV_KIND=$1
	if ! "start_$1" "$2" "$3"; then
		note "FAILED: $1 $3: $SRV_ERR"
		[ -n "$SRV_PID" ] && stop_server
		return 1
	fi
	note "${1} ($3): pid $SRV_PID on :$SRV_PORT, budget ${2} MB"
}

# stop_server: SIGTERM, bounded wait, workers too; sets SRV_EXIT.
stop_server() {
	local kids p st
	[ -n "$SRV_PID" ] || return 0
	kids=$(child_pids "$SRV_PID")
	if alive "$SRV_PID"; then
		kill -TERM "$SRV_PID" 2>/dev/null
		if wait_gone "$SRV_PID" 100; then
			wait "$SRV_PID" 2>/dev/null; st=$?
			SRV_EXIT=$st
		else
			kill -KILL "$SRV_PID" 2>/dev/null
			wait_gone "$SRV_PID" 30
			wait "$SRV_PID" 2>/dev/null
			SRV_EXIT="killed (no exit within 10 s of SIGTERM)"
		fi
	else
		wait "$SRV_PID" 2>/dev/null; st=$?
		SRV_EXIT="already dead (status $st)"
	fi
	untrack "$SRV_PID"
	for p in $kids; do
		alive "$p" && { kill -TERM "$p" 2>/dev/null; wait_gone "$p" 30 || kill -KILL "$p" 2>/dev/null; }
	done
	if [ "$SRV_KIND" = edge ] && [ "$SRV_EXIT" != 0 ]; then
		note "WARNING: cdn-edge did not exit cleanly on SIGTERM: $SRV_EXIT; $(tail -n 3 "$SRV_LOG" 2>/dev/null | tr '\n' ' ')"
		UNCLEAN_EXITS=$((UNCLEAN_EXITS + 1))
	fi
	SRV_PID=""
}

RUN_FAILED=0
# fail CACHE FIGURE WHY
fail() {
	R[$1,$2,status]="FAILED: $3"
	RUN_FAILED=1
	note "FAILED: $1 $2: $3"
}
# check_alive CACHE FIGURE: the cache survived the figure.
check_alive() {
	if ! alive "$SRV_PID"; then
		fail "$1" "$2" "the cache died: $(tail -n 3 "$SRV_LOG" 2>/dev/null | tr '\n' ' ')"
		return 1
	fi
}
edge_metrics() { # edge_metrics FILE: scrape cdn-edge /metrics
	curl -s -m 5 "http://127.0.0.1:$SRV_PORT/metrics" >"$1" 2>/dev/null
}
metric() { # metric FILE NAME [LABELMATCH]: sum of the samples
	awk -v n="$2" -v l="${3:-}" '$1 ~ "^"n"([{]|$)" && (l == "" || index($1, l)) { s += $NF; f = 1 }
		END { if (f) printf "%.0f\n", s; else print "n/a" }' "$1" 2>/dev/null
}

MAX_VIEWERS=0
for n in $VIEWERS; do [ "$n" -gt "$MAX_VIEWERS" ] && MAX_VIEWERS=$n; done

# --- figure 1: hot hits -------------------------------------------------------------
# wrk_run NAME URL: fills R[c,hot_NAME_*]
to_ms() { # wrk latency "1.23ms" / "456.00us" / "1.20s" -> ms
	awk -v v="$1" 'BEGIN { u = v; sub(/^[0-9.]+/, "", u); x = v + 0
		if (u == "us") x /= 1000; else if (u == "s") x *= 1000; else if (u == "m") x *= 60000
		printf "%.3f", x }'
}
# select_srv CACHE: makes CACHE's running hot-figure instance the current one.
declare -A H_PID=() H_PORT=() H_DIR=() H_LOG=()
select_srv() {
	SRV_PID=${H_PID[$1]}; SRV_PORT=${H_PORT[$1]}; SRV_DIR=${H_DIR[$1]}; SRV_LOG=${H_LOG[$1]}; SRV_KIND=$1
}

# wrk_run CACHE NAME URL ROUND: one wrk run; fills R[CACHE,hot_NAME_*_ROUND].
wrk_run() {
	local c=$1 name=$2 url=$3 rd=$4 out t0 t1 o0 o1 k0 k1 m0 m1 st0 st1 rps lat50 lat99 non2xx errs k
	out=$SRV_DIR/wrk-$name-$rd.txt
	st0=$(origin_count static)
	t0=$(tree_ticks "$SRV_PID"); o0=$(proc_ticks "$ORIGIN_PID"); child_ticks; k0=$CHILD_TICKS; m0=$(machine_cpu)
	run_tracked $((HOT_S + 30)) "$out" "$out.err" "$WRK_BIN" -t"$WRK_THREADS" -c"$WRK_CONNS" -d"${HOT_S}s" \
		--latency "$url"
	local rc=$?
	t1=$(tree_ticks "$SRV_PID"); o1=$(proc_ticks "$ORIGIN_PID"); child_ticks; k1=$CHILD_TICKS; m1=$(machine_cpu)
	cat "$out.err" >>"$out"
	st1=$(origin_count static)
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
	lat50=$(awk '$1 == "50%" { print $2 }' "$out")
	lat99=$(awk '$1 == "99%" { print $2 }' "$out")
	non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
	errs=$(awk '/Socket errors:/ { print }' "$out")
	if [ "$rc" != 0 ] || ! num "$rps"; then
		fail "$c" hot "wrk $name failed (rc $rc): $(tail -n 3 "$out" | tr '\n' ' ')"
		return
	fi
	k=hot_${name}
	R[$c,${k}_rps_$rd]=$rps
	R[$c,${k}_lat50_$rd]=$(to_ms "$lat50")
	R[$c,${k}_lat99_$rd]=$(to_ms "$lat99")
	R[$c,${k}_cpu_$rd]=$(calc "printf \"%.2f\", ($t1 - $t0) / $TCK")
	R[$c,${k}_busy_$rd]=$(busy_pct "$m0" "$m1")
	R[$c,${k}_other_$rd]=$(other_pct "$m0" "$m1" $((t1 - t0 + o1 - o0 + k1 - k0)))
	R[$c,${k}_origin_$rd]=$(calc "print $st1 - $st0")
	note "  round $rd, $name, $c: $rps req/s, latency p50 ${R[$c,${k}_lat50_$rd]} ms p99 ${R[$c,${k}_lat99_$rd]} ms;" \
		"cache CPU ${R[$c,${k}_cpu_$rd]} s, wrk CPU $(calc "printf \"%.2f\", ($k1 - $k0) / $TCK") s in ${HOT_S} s;" \
		"machine busy ${R[$c,${k}_busy_$rd]}%, other load ${R[$c,${k}_other_$rd]}%; origin fetches ${R[$c,${k}_origin_$rd]}"
	[ -n "$non2xx" ] && fail "$c" hot "$name: $non2xx non-2xx responses"
	[ "${R[$c,${k}_origin_$rd]}" != 0 ] &&
		note "  note: ${R[$c,${k}_origin_$rd]} origin fetch(es) during a hot-hit run$([ "$c" = edge ] &&
			echo " (cdn-edge drops objects idle for cache_idle_timeout, 60 s by default: the object sat idle between rounds)")"
	[ -n "$errs" ] && note "  wrk: $errs"
	is_true "${R[$c,${k}_other_$rd]} > $OTHER_WARN_PCT" &&
		note "  WARNING: ${R[$c,${k}_other_$rd]}% of the machine went to other work: this run is suspect"
}

# median_of VALUES...: the median of the numeric arguments, or n/a.
median_of() {
	printf '%s\n' "$@" | grep -E '^[0-9.eE+-]+$' | sort -g |
		awk '{ v[NR] = $1 } END { if (!NR) { print "n/a"; exit }
			x = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			if (x >= 1000) printf "%.0f\n", x; else printf "%.4g\n", x }'
}

# fig_hot: every cache up at once (idle ones cost nothing), then HOT_ROUNDS
# rounds of wrk runs, the caches' order rotated per round, so drift and other
# load on the machine spread over all of them; medians over the rounds.
fig_hot() {
	local c base xc2 u rd name i k vals order=() running=()
	for c in $CACHES; do
		note "-- ${c}"
		if ! start_cache "$c" "$CACHE_MB" hot; then fail "$c" hot "$SRV_ERR"; continue; fi
		H_PID[$c]=$SRV_PID; H_PORT[$c]=$SRV_PORT; H_DIR[$c]=$SRV_DIR; H_LOG[$c]=$SRV_LOG
		running+=("$c")
		base=http://127.0.0.1:$SRV_PORT
		# Warm: two requests each; the second must be a hit.
		for u in /static/hot.bin /static/hot.m3u8; do
			curl -s -o /dev/null -m 10 "$base$u"
			xc2=$(curl -s -o /dev/null -m 10 -D - "$base$u" |
				awk -F': *' 'tolower($1) == "x-cache" { gsub(/\r/, "", $2); print $2 }')
			note "  warm $u: second request X-Cache ${xc2:-none}"
			case $xc2 in HIT*) ;; *) note "  WARNING: $u not a hit after warming";; esac
		done
	done
	for ((rd = 1; rd <= HOT_ROUNDS; rd++)); do
		order=()
		for ((i = 0; i < ${#running[@]}; i++)); do
			order+=("${running[(i + rd - 1) % ${#running[@]}]}")
		done
		for name in obj pl; do
			for c in "${order[@]}"; do
				select_srv "$c"
				alive "$SRV_PID" || continue
				[ $name = obj ] && u=/static/hot.bin || u=/static/hot.m3u8
				wrk_run "$c" "$name" "http://127.0.0.1:$SRV_PORT$u" "$rd"
			done
		done
	done
	for c in "${running[@]}"; do
		for name in obj pl; do
			for k in rps lat50 lat99 cpu; do
				vals=()
				for ((rd = 1; rd <= HOT_ROUNDS; rd++)); do vals+=("$(get "$c,hot_${name}_${k}_$rd")"); done
				R[$c,hot_${name}_$k]=$(median_of "${vals[@]}")
			done
			vals=()
			for ((rd = 1; rd <= HOT_ROUNDS; rd++)); do vals+=("$(get "$c,hot_${name}_other_$rd")"); done
			R[$c,hot_${name}_other]=$(printf '%s\n' "${vals[@]}" | grep -v n/a | sort -g | tail -n 1)
		done
		num "$(get "$c,hot_obj_rps")" &&
			R[$c,hot_obj_mibs]=$(calc "printf \"%.1f\", ${R[$c,hot_obj_rps]} * $OBJ_KB / 1024")
		select_srv "$c"
		check_alive "$c" hot
		stop_server
	done
}

# --- figure 2: miss storm --------------------------------------------------------------
fig_storm() {
	local c=$1 base rep name out fetches="" ok=1 f all_ttfb=""
	start_cache "$c" "$CACHE_MB" storm || { fail "$c" storm "$SRV_ERR"; return; }
	base=http://127.0.0.1:$SRV_PORT
	[ "$c" = edge ] && edge_metrics "$SRV_DIR/metrics0.txt"
	for ((rep = 1; rep <= STORM_REPS; rep++)); do
		name=storm-$c-$rep-$RANDOM$RANDOM
		out=$SRV_DIR/storm$rep.json
		run_tracked 120 "$out" "$SRV_DIR/storm$rep.err" python3 "$LOAD_PY" storm --url "$base/slow/$name.bin" \
			--clients "$STORM_CLIENTS" --stats "$STATS_URL" --pid "$SRV_PID" ||
			{ fail "$c" storm "client failed: $(tail -n 2 "$SRV_DIR/storm$rep.err" | tr '\n' ' ')"; ok=0; break; }
		jload "$c,storm$rep" "$out" fetches='d["origin_fetches"]' ok='d["ok"]' errors='d["errors"]' \
			bad='d["bad_bodies"]' spread='d["send_spread_ms"]' ttfb50='d["ttfb_ms"]["p50"]' \
			ttfb99='d["ttfb_ms"]["p99"]' ttfbmin='d["ttfb_ms"]["min"]' head50='d["head_ms"]["p50"]' \
			total50='d["total_ms"]["p50"]' total99='d["total_ms"]["p99"]' \
			xc='" ".join("%s:%d" % kv for kv in sorted(d["x_cache"].items()))' \
			errs='"; ".join(d["error_samples"])'
		local p=$c,storm$rep
		note "  storm $rep: $(get "$p,ok")/$STORM_CLIENTS ok (sent within $(get "$p,spread") ms);" \
			"upstream fetches $(get "$p,fetches"); TTFB p50 $(get "$p,ttfb50") ms p99 $(get "$p,ttfb99") ms" \
			"(headers p50 $(get "$p,head50") ms); total p50 $(get "$p,total50") ms p99 $(get "$p,total99") ms;" \
			"X-Cache $(get "$p,xc")"
		[ "$(get "$p,errors")" != 0 ] && { note "  errors: $(get "$p,errs")"; fail "$c" storm "$(get "$p,errors") failed requests"; }
		[ "$(get "$p,bad")" != 0 ] && fail "$c" storm "$(get "$p,bad") bodies differ from the origin's"
		fetches="$fetches${fetches:+/}$(get "$p,fetches")"
		all_ttfb="$all_ttfb $out"
		sleep 0.5
	done
	R[$c,storm_fetches]=${fetches:-n/a}
	if [ "$ok" = 1 ] && [ -n "$all_ttfb" ]; then
		# Medians of the per-repetition figures.
		local k
		for k in ttfb50 ttfb99 total50; do
			R[$c,storm_$k]=$(for ((rep = 1; rep <= STORM_REPS; rep++)); do get "$c,storm$rep,$k"; done |
				grep -v n/a | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; else print "n/a" }')
		done
	fi
	if [ "$c" = edge ]; then
		edge_metrics "$SRV_DIR/metrics1.txt"
		note "  cdn-edge /metrics: upstream fetches $(metric "$SRV_DIR/metrics1.txt" cdn_edge_upstream_fetches_total)," \
			"collapsed $(metric "$SRV_DIR/metrics1.txt" cdn_edge_requests_total 'cache="collapsed"')," \
			"miss $(metric "$SRV_DIR/metrics1.txt" cdn_edge_requests_total 'cache="miss"')"
	fi
	check_alive "$c" storm
	stop_server
}

# --- figure 3: live audience -------------------------------------------------------------
fig_live() {
	local c=$1 n=$2 base out m0 m1 p t0 t1 o0 o1 k0 k1
	start_cache "$c" "$CACHE_MB" "live$n" || { fail "$c" "live$n" "$SRV_ERR"; return; }
	base=http://127.0.0.1:$SRV_PORT
	out=$SRV_DIR/live.json
	t0=$(tree_ticks "$SRV_PID"); o0=$(proc_ticks "$ORIGIN_PID"); child_ticks; k0=$CHILD_TICKS; m0=$(machine_cpu)
	run_tracked $((LIVE_S + LIVE_RAMP_S + 120)) "$out" "$SRV_DIR/live.err" python3 "$LOAD_PY" live \
		--base "$base" --stream "live-$c-$n-$RANDOM" --players "$n" --seconds "$LIVE_S" \
		--ramp "$LIVE_RAMP_S" --seg-dur "$SEG_DUR_S" --holdback "$HOLDBACK_S" --procs "$LIVE_PROCS" \
		--stats "$STATS_URL" --pid "$SRV_PID" ||
		{ fail "$c" "live$n" "client failed: $(tail -n 2 "$SRV_DIR/live.err" | tr '\n' ' ')"; stop_server; return; }
	t1=$(tree_ticks "$SRV_PID"); o1=$(proc_ticks "$ORIGIN_PID"); child_ticks; k1=$CHILD_TICKS; m1=$(machine_cpu)
	p=$c,live$n
	R[$p,other]=$(other_pct "$m0" "$m1" $((t1 - t0 + o1 - o0 + k1 - k0)))
	jload "$p" "$out" joined='d["joined"]' segs='d["segments"]' pls='d["playlists"]' \
		stalls='d["stalls"]' stalled='d["stalled_players"]' slow='d["slow"]' late='d["late"]' \
		skipped='d["skipped"]' seg_err='d["segment_errors"]' pl_err='d["playlist_errors"]' \
		fetch50='d["fetch_s"]["p50"]' fetch99='d["fetch_s"]["p99"]' fetchmax='d["fetch_s"]["max"]' \
		lat50='d["latency_s"]["p50"]' lat99='d["latency_s"]["p99"]' latmax='d["latency_s"]["max"]' \
		plage50='d["pl_age_s"]["p50"]' plagemax='d["pl_age_s"]["max"]' \
		gap99='d["gap_s"]["p99"]' gapmax='d["gap_s"]["max"]' \
		origin_rps='d["origin"]["req_per_s"]' origin_pl='d["origin"]["playlist_per_s"]' \
		origin_seg='d["origin"]["segment_per_s"]' cpu='d["proc"]["cpu_s"]' win='d["proc"]["window_s"]' \
		rss='d["proc"]["rss_peak_kb"] / 1024.0' lagmax='d["client_lag_s"]["max"]' \
		ccpu='d["client_cpu_s"]' fatal='"; ".join(d["fatal"])' errs='"; ".join(d["error_samples"])' \
		xc='" ".join("%s:%d" % kv for kv in sorted(d["x_cache"].items()))'
	R[$p,busy]=$(busy_pct "$m0" "$m1")
	note "  $n players: joined $(get "$p,joined"), playlists $(get "$p,pls"), segments $(get "$p,segs");" \
		"stalls $(get "$p,stalls") (slow $(get "$p,slow"), late $(get "$p,late"), skipped $(get "$p,skipped")," \
		"errors $(get "$p,seg_err")+$(get "$p,pl_err")) in $(get "$p,stalled") players"
	note "    segment fetch p50 $(get "$p,fetch50") s p99 $(get "$p,fetch99") s max $(get "$p,fetchmax") s;" \
		"publication->delivered p50 $(get "$p,lat50") s p99 $(get "$p,lat99") s max $(get "$p,latmax") s;" \
		"newest segment in playlist p50 $(get "$p,plage50") s old (max $(get "$p,plagemax") s);" \
		"gap between a player's segments p99 $(get "$p,gap99") s max $(get "$p,gapmax") s"
	note "    origin $(get "$p,origin_rps") req/s (playlists $(get "$p,origin_pl")/s, segments $(get "$p,origin_seg")/s);" \
		"cache CPU $(get "$p,cpu") s in $(get "$p,win") s, peak RSS $(get "$p,rss") MiB;" \
		"X-Cache $(get "$p,xc"); client CPU $(get "$p,ccpu") s, loop lag max $(get "$p,lagmax") s;" \
		"machine busy ${R[$p,busy]}%, other load ${R[$p,other]}%"
	[ "$(get "$p,fatal")" != "" ] && [ "$(get "$p,fatal")" != n/a ] && fail "$c" "live$n" "client: $(get "$p,fatal")"
	num "$(get "$p,lagmax")" && is_true "$(get "$p,lagmax") > 0.5" &&
		note "    WARNING: the client's event loop lagged $(get "$p,lagmax") s: the client, not the cache, may limit this run"
	is_true "${R[$p,busy]} > $BUSY_WARN_PCT" && { note "    WARNING: machine ${R[$p,busy]}% busy: latency figures suspect"; R[$p,saturated]=1; }
	is_true "${R[$p,other]} > $OTHER_WARN_PCT" && { note "    WARNING: ${R[$p,other]}% of the machine went to other work: figures suspect"; R[$p,suspect]=1; }
	[ "$(get "$p,joined")" != "$n" ] && fail "$c" "live$n" "only $(get "$p,joined")/$n players joined: $(get "$p,errs")"
	[ "$(get "$p,errs")" != "" ] && [ "$(get "$p,errs")" != n/a ] && note "    errors: $(get "$p,errs")"
	if [ "$c" = edge ]; then
		edge_metrics "$SRV_DIR/metrics.txt"
		note "    cdn-edge /metrics: upstream fetches $(metric "$SRV_DIR/metrics.txt" cdn_edge_upstream_fetches_total)," \
			"prefetches $(metric "$SRV_DIR/metrics.txt" cdn_edge_prefetches_total)," \
			"revalidations $(metric "$SRV_DIR/metrics.txt" cdn_edge_revalidations_total)"
	fi
	check_alive "$c" "live$n"
	stop_server
}

# --- figure 4: eviction -------------------------------------------------------------------
fig_evict() {
	local c=$1 base out p=$1,evict disk gauges=()
	start_cache "$c" "$EVICT_MB" evict || { fail "$c" evict "$SRV_ERR"; return; }
	base=http://127.0.0.1:$SRV_PORT
	out=$SRV_DIR/zipf.json
	# cdn-edge: also sample its own cache_bytes gauge against the budget.
	[ "$c" = edge ] && gauges=(--metrics "$base/metrics" --gauge cdn_edge_cache_bytes --gauge cdn_edge_cache_objects)
	run_tracked 600 "$out" "$SRV_DIR/zipf.err" python3 "$LOAD_PY" zipf --base "$base" \
		--requests "$ZIPF_REQUESTS" --objects 100 --s 1.0 --seed "$ZIPF_SEED" --conc "$ZIPF_CONC" \
		--lru-objects "$EVICT_MB" --sample 0.1 --stats "$STATS_URL" --pid "$SRV_PID" "${gauges[@]}" ||
		{ fail "$c" evict "client failed: $(tail -n 2 "$SRV_DIR/zipf.err" | tr '\n' ' ')"; stop_server; return; }
	jload "$p" "$out" ok='d["ok"]' errors='d["errors"]' bad='d["bad_bodies"]' hr='d["header_hit_ratio"]' \
		ohr='d["origin_hit_ratio"]' fetches='d["origin_fetches"]' lru='d["lru_hit_ratio"]' \
		distinct='d["distinct"]' el='d["elapsed_s"]' rss='d["proc"]["rss_peak_kb"] / 1024.0' \
		hwm='d["proc"]["hwm_kb"] / 1024.0' hwm_all='d["proc"]["hwm_all_kb"] / 1024.0' cpu='d["proc"]["cpu_s"]' \
		xc='" ".join("%s:%d" % kv for kv in sorted(d["x_cache"].items()))' errs='"; ".join(d["error_samples"])' \
		peak_bytes='d["gauge_peaks"]["cdn_edge_cache_bytes"] / 1048576.0' \
		peak_objects='int(d["gauge_peaks"]["cdn_edge_cache_objects"])'
	note "  $(get "$p,ok")/$ZIPF_REQUESTS ok in $(get "$p,el") s over $(get "$p,distinct") distinct objects;" \
		"hit ratio $(get "$p,hr") (X-Cache $(get "$p,xc")), by origin fetches $(get "$p,ohr") ($(get "$p,fetches") fetches);" \
		"an exact LRU of $EVICT_MB objects: $(get "$p,lru")"
	note "  peak RSS (sampled every 0.1 s, all processes) $(get "$p,rss") MiB; VmHWM of the main process $(get "$p,hwm") MiB, summed over its processes $(get "$p,hwm_all") MiB;" \
		"budget $EVICT_MB MB"
	if [ "$c" = nginx ]; then
		disk=$(du -sk "$SRV_DIR/cache" 2>/dev/null | awk '{ printf "%.1f", $1 / 1024 }')
		R[$p,disk]=$disk
		note "  nginx cache directory at the end: $disk MiB on disk (max_size ${EVICT_MB}m; its cache manager enforces it lazily)"
	fi
	if [ "$c" = edge ]; then
		edge_metrics "$SRV_DIR/metrics.txt"
		R[$p,cache_bytes]=$(metric "$SRV_DIR/metrics.txt" cdn_edge_cache_bytes)
		note "  cdn-edge /metrics: cache_bytes $(get "$p,cache_bytes"), objects $(metric "$SRV_DIR/metrics.txt" cdn_edge_cache_objects)," \
			"lru evictions $(metric "$SRV_DIR/metrics.txt" cdn_edge_evictions_total 'reason="lru"') at the end;" \
			"peak during the run (sampled every 0.1 s): cache_bytes $(get "$p,peak_bytes") MiB, $(get "$p,peak_objects") objects"
	fi
	[ "$(get "$p,errors")" != 0 ] && fail "$c" evict "$(get "$p,errors") failed requests: $(get "$p,errs")"
	[ "$(get "$p,bad")" != 0 ] && fail "$c" evict "$(get "$p,bad") bodies differ from the origin's"
	check_alive "$c" evict
	stop_server
}

# --- the run ----------------------------------------------------------------------------
T_BEGIN=$(now)
for fig in $FIGURES; do
	case $fig in
	hot)
		echo; note "=== 1. hot hits: wrk -t$WRK_THREADS -c$WRK_CONNS -d${HOT_S}s, a cached $OBJ_KB KiB object and a cached playlist, $HOT_ROUNDS round(s) ==="
		fig_hot;;
	storm)
		echo; note "=== 2. miss storm: $STORM_CLIENTS clients at once on a fresh /slow object (1 MiB over 100 ms), $STORM_REPS times ==="
		for c in $CACHES; do note "-- ${c}"; fig_storm "$c"; done;;
	live)
		echo; note "=== 3. live audience: players polling every ~1 s for ${LIVE_S} s (after a ${LIVE_RAMP_S} s ramp), ${SEG_KB} KiB segments every ${SEG_DUR_S} s ==="
		for n in $VIEWERS; do
			for c in $CACHES; do note "-- ${c}, $n players"; fig_live "$c" "$n"; done
		done;;
	evict)
		echo; note "=== 4. eviction: ${EVICT_MB} MB budget, $ZIPF_REQUESTS Zipf(1.0) requests over 100 x 1 MiB objects (seed $ZIPF_SEED, $ZIPF_CONC connections) ==="
		for c in $CACHES; do note "-- ${c}"; fig_evict "$c"; done;;
	esac
done
if [ "$UNCLEAN_EXITS" -gt 0 ]; then
	note "FAILED: cdn-edge did not exit cleanly on SIGTERM $UNCLEAN_EXITS time(s)"
	RUN_FAILED=1
fi
if ! alive "$ORIGIN_PID"; then
	note "FAILED: the origin died: $(tail -n 3 "$WORK/origin.log" | tr '\n' ' ')"
	RUN_FAILED=1
fi

# --- summary ----------------------------------------------------------------------------
ratio() { # ratio A B: A / B, or n/a
	num "$1" && num "$2" || { echo "n/a"; return; }
	case $1$2 in *[!0-9.e+-]*) echo "n/a"; return;; esac
	calc "if ($2 == 0) print \"n/a\"; else printf \"%.2f\", $1 / $2"
}
row() { printf '%-46s %12s %12s %12s %11s %11s\n' "$@"; }
line() { # line LABEL KEY: one metric for the three caches with both ratios
	local e n v
	e=$(get "edge,$2"); n=$(get "nginx,$2"); v=$(get "varnish,$2")
	row "$1" "$e" "$n" "$v" "$(ratio "$e" "$n")" "$(ratio "$e" "$v")"
}

echo
echo "=== Summary: $NCPU CPUs shared by the cache, its load generator and the origin;" \
	"total run $(calc "printf \"%.0f\", $(now) - $T_BEGIN") s ==="
row "metric" "cdn-edge" "nginx" "varnish" "edge/nginx" "edge/varnish"
if has "$FIGURES" hot; then
	line "hot ${OBJ_KB} KiB object: req/s" hot_obj_rps
	line "hot ${OBJ_KB} KiB object: MiB/s (bodies)" hot_obj_mibs
	line "hot ${OBJ_KB} KiB object: latency p99 (ms)" hot_obj_lat99
	line "hot playlist: req/s" hot_pl_rps
	line "hot playlist: latency p99 (ms)" hot_pl_lat99
	line "hot: other load on the machine, max % (obj)" hot_obj_other
	line "hot: other load on the machine, max % (pl)" hot_pl_other
fi
if has "$FIGURES" storm; then
	line "storm: upstream fetches per repetition" storm_fetches
	line "storm: TTFB p50 (ms, median of reps)" storm_ttfb50
	line "storm: TTFB p99 (ms, median of reps)" storm_ttfb99
	line "storm: total time p50 (ms, median of reps)" storm_total50
fi
if has "$FIGURES" live; then
	for n in $VIEWERS; do line "live $n: origin req/s" "live$n,origin_rps"; done
	for n in $VIEWERS; do line "live $n: stalls (segments)" "live$n,stalls"; done
	for n in $VIEWERS; do line "live $n: segment fetch p99 (s)" "live$n,fetch99"; done
	for n in $VIEWERS; do line "live $n: publication->delivered p50 (s)" "live$n,lat50"; done
	for n in $VIEWERS; do line "live $n: publication->delivered max (s)" "live$n,latmax"; done
	for n in $VIEWERS; do line "live $n: max gap between segments (s)" "live$n,gapmax"; done
	for n in $VIEWERS; do line "live $n: cache CPU s over ${LIVE_S} s" "live$n,cpu"; done
	for n in $VIEWERS; do line "live $n: cache peak RSS (MiB)" "live$n,rss"; done
	for n in $VIEWERS; do line "live $n: machine busy %" "live$n,busy"; done
	for n in $VIEWERS; do line "live $n: other load on the machine %" "live$n,other"; done
fi
if has "$FIGURES" evict; then
	line "evict ${EVICT_MB} MB: hit ratio (X-Cache)" evict,hr
	line "evict ${EVICT_MB} MB: hit ratio (origin fetches)" evict,ohr
	line "evict ${EVICT_MB} MB: peak RSS (MiB, sampled)" evict,rss
	line "evict ${EVICT_MB} MB: VmHWM, all processes (MiB)" evict,hwm_all
	has "$CACHES" edge && row "evict: cdn-edge peak cache_bytes (MiB, /metrics)" "$(get edge,evict,peak_bytes)" "" "" "" ""
	row "evict: exact LRU of $EVICT_MB objects, hit ratio" "$(get edge,evict,lru)" "$(get nginx,evict,lru)" "$(get varnish,evict,lru)" "" ""
	has "$CACHES" nginx && row "evict: nginx cache dir on disk at end (MiB)" "" "$(get nginx,evict,disk)" "" "" ""
fi
for c in $CACHES; do
	for k in "${!R[@]}"; do
		case $k in "$c",*,status) echo "run $k: ${R[$k]}";; esac
	done
done
echo "(wrk and the Python clients run on the same $NCPU CPUs as the cache: hot-hit figures are a floor, not the cache's ceiling;"
echo " nginx's RSS excludes its cache files, which live in the page cache; Varnish's Transient store is unbounded by default.)"

echo
echo "=== Verdicts ==="
VERDICT_FAIL=0
verdict() { # verdict PASS|FAIL|"NO DATA" TEXT
	echo "$2: $1"
	[ "$1" = PASS ] || VERDICT_FAIL=1
}
if has "$CACHES" edge; then
	if has "$FIGURES" hot; then
		if has "$CACHES" nginx; then
			for k in obj pl; do
				e=$(get "edge,hot_${k}_rps"); n=$(get "nginx,hot_${k}_rps")
				[ $k = obj ] && what="${OBJ_KB} KiB object" || what="playlist"
				if num "$e" && num "$n"; then
					if is_true "$e >= $n"; then r=PASS; else r=FAIL; fi
					verdict "$r ($e vs $n req/s, ratio $(ratio "$e" "$n"))" "cdn-edge hot-hit throughput >= nginx's ($what)"
				else
					verdict "NO DATA" "cdn-edge hot-hit throughput >= nginx's ($what)"
				fi
			done
		else
			echo "cdn-edge hot-hit throughput >= nginx's: not measured (nginx not in this run)"
		fi
	fi
	if has "$FIGURES" storm; then
		f=$(get edge,storm_fetches)
		if [ "$f" = n/a ]; then verdict "NO DATA" "cdn-edge miss storm: exactly one upstream fetch per object"
		elif ! echo "$f" | tr '/' '\n' | grep -qvx 1; then
			verdict "PASS (fetches per repetition: $f)" "cdn-edge miss storm: exactly one upstream fetch per object"
		else
			verdict "FAIL (fetches per repetition: $f)" "cdn-edge miss storm: exactly one upstream fetch per object"
		fi
	fi
	if has "$FIGURES" live; then
		lo=""; hi=""; lo_n=""; hi_n=""
		for n in $VIEWERS; do
			v=$(get "edge,live$n,origin_rps")
			num "$v" || continue
			[ -z "$lo" ] && { lo=$v; lo_n=$n; }
			hi=$v; hi_n=$n
		done
		if [ -z "$lo" ] || [ "$lo_n" = "$hi_n" ]; then
			verdict "NO DATA" "cdn-edge flat origin load as viewers grow"
		else
			all=$(for n in $VIEWERS; do printf '%s ' "$(get "edge,live$n,origin_rps")"; done)
			mx=$(for n in $VIEWERS; do get "edge,live$n,origin_rps"; done | grep -v n/a | sort -g | tail -n 1)
			if is_true "$mx <= $lo * $FLAT_RATIO + 0.5"; then r=PASS; else r=FAIL; fi
			verdict "$r (origin req/s at $VIEWERS players: ${all% }; limit ${FLAT_RATIO} x the first + 0.5)" \
				"cdn-edge flat origin load as viewers grow"
		fi
		s=$(get "edge,live$MAX_VIEWERS,stalls")
		if ! num "$s"; then verdict "NO DATA" "cdn-edge no stalls at $MAX_VIEWERS viewers"
		elif [ "$s" = 0 ]; then verdict "PASS (fetch p99 $(get "edge,live$MAX_VIEWERS,fetch99") s, delivered p99 $(get "edge,live$MAX_VIEWERS,lat99") s after publication)" "cdn-edge no stalls at $MAX_VIEWERS viewers"
		else verdict "FAIL ($s stalled segments: slow $(get "edge,live$MAX_VIEWERS,slow"), late $(get "edge,live$MAX_VIEWERS,late"), skipped $(get "edge,live$MAX_VIEWERS,skipped"), errors $(get "edge,live$MAX_VIEWERS,seg_err"))" "cdn-edge no stalls at $MAX_VIEWERS viewers"
		fi
	fi
	if has "$FIGURES" evict; then
		h=$(get edge,evict,hwm); lim=$((EVICT_MB + EDGE_RSS_SLACK_MB))
		if ! num "$h"; then verdict "NO DATA" "cdn-edge peak RSS <= budget + $EDGE_RSS_SLACK_MB MB"
		elif is_true "$h <= $lim"; then verdict "PASS (VmHWM $h MiB, limit $lim MiB)" "cdn-edge peak RSS <= ${EVICT_MB} MB budget + $EDGE_RSS_SLACK_MB MB"
		else verdict "FAIL (VmHWM $h MiB, limit $lim MiB)" "cdn-edge peak RSS <= ${EVICT_MB} MB budget + $EDGE_RSS_SLACK_MB MB"
		fi
		# docs/edge.md: the budget "is exceeded only by objects still being
		# fetched": at most one per client connection here.
		h=$(get edge,evict,peak_bytes); lim=$((EVICT_MB + ZIPF_CONC * OBJ_MIB_ZIPF))
		what="cdn-edge cache_bytes <= budget + objects in flight ($EVICT_MB + $ZIPF_CONC x 1 MiB, docs/edge.md)"
		if ! num "$h"; then verdict "NO DATA" "$what"
		elif is_true "$h <= $lim"; then verdict "PASS (peak $h MiB, $(get edge,evict,peak_objects) objects)" "$what"
		else verdict "FAIL (peak $h MiB, $(get edge,evict,peak_objects) objects)" "$what"
		fi
	fi
else
	echo "(cdn-edge not in this run: its targets were not checked)"
fi
# References: the same checks for the anchors, for information.
for c in nginx varnish; do
	has "$CACHES" $c || continue
	has "$FIGURES" storm && echo "$c (reference): storm upstream fetches per repetition $(get "$c,storm_fetches"), TTFB p50 $(get "$c,storm_ttfb50") ms"
	has "$FIGURES" live && echo "$c (reference): origin req/s $(for n in $VIEWERS; do printf '%s ' "$(get "$c,live$n,origin_rps")"; done)at $VIEWERS players; stalls at $MAX_VIEWERS: $(get "$c,live$MAX_VIEWERS,stalls")"
done
sat=0
for k in "${!R[@]}"; do case $k in *,saturated) sat=1;; esac; done
[ "$sat" = 1 ] && echo "WARNING: the machine was saturated (>${BUSY_WARN_PCT}% busy) in at least one live run: its latency figures are suspect"
sus=0
for k in "${!R[@]}"; do case $k in *,suspect) sus=1;; *hot_*_other) is_true "${R[$k]} > $OTHER_WARN_PCT" && sus=1;; esac; done
[ "$sus" = 1 ] && echo "WARNING: other work took more than ${OTHER_WARN_PCT}% of the machine in at least one run (see 'other load'): compare those figures with care"

[ "$RUN_FAILED" = 1 ] && { echo "bench: at least one run failed (see above)"; exit 1; }
[ "$STRICT" = 1 ] && [ "$VERDICT_FAIL" = 1 ] && exit 3
exit 0
