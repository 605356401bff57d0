#!/usr/bin/env bash
# ingest_capacity.sh - how many 3 Mbit/s publishers cdn-origin ingests on this
# machine without late segments, per protocol (RTMP, SRT, RTP), and the CPU
# per stream of each protocol against nginx + RTMP module, in one run.
#
# For each protocol a fresh cdn-origin gets a growing number of looped
# publishers (ffmpeg -re -stream_loop -1 -c copy: cheap, no encoding), added
# step by step (4, 8, 16, ...). After each step's new streams are live and a
# warm-up, a measured window judges every segment that appears in it (see
# ingest_watch.py: late = first seen more than one target duration after the
# stream's own schedule; missed, overdue, discontinuous or ended streams count
# too) and checks every publisher's speed over the window (>= 0.97x) and that
# none died. The ramp stops at the first failing step: capacity is the last
# step that passed. The step at BENCH_CPU_N streams has a longer window and
# gives the server CPU per stream per media-minute; nginx-rtmp (hls on) is
# measured at the same count for the RTMP ratio ours / nginx.
#
# The publishers, the watcher and the server share this machine's CPUs, so
# the capacity is a lower bound for the origin; the publishers' and the
# watcher's CPU and the machine's busy share are printed for every step.
#
# Everything listens on 127.0.0.1. All processes started here are tracked by
# PID and stopped in a trap; nothing is stopped by name. Every loop is bounded
# in count and time. See bench/README.md for the knobs and the definitions.

set -u -o pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$SCRIPT_DIR/.." && pwd)
WATCH="$SCRIPT_DIR/ingest_watch.py"

# --- settings ---------------------------------------------------------------
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
	DEF_COUNTS="4 8"; DEF_WINDOW=10; DEF_CPU_WINDOW=15; DEF_WARMUP=2; DEF_BUDGET=90
else
	DEF_COUNTS="8 16 32 48 64 96 128 160 200"; DEF_WINDOW=20; DEF_CPU_WINDOW=60; DEF_WARMUP=4; DEF_BUDGET=420
fi
COUNTS=${BENCH_COUNTS:-$DEF_COUNTS}
WINDOW_S=${BENCH_SECONDS:-$DEF_WINDOW}
CPU_N=${BENCH_CPU_N:-8}
CPU_WINDOW_S=${BENCH_CPU_SECONDS:-$DEF_CPU_WINDOW}
WARMUP_S=${BENCH_WARMUP:-$DEF_WARMUP}
BUDGET_S=${BENCH_BUDGET:-$DEF_BUDGET}
STAGGER_MS=${BENCH_STAGGER_MS:-100}
POLL_MS=${BENCH_POLL_MS:-500}
LIVE_TIMEOUT_S=${BENCH_LIVE_TIMEOUT:-20}
PROTOCOLS=${BENCH_PROTOCOLS:-rtmp srt rtp}
NGINX=${BENCH_NGINX:-1}
NGINX_RAMP=${BENCH_NGINX_RAMP:-0}
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-1}
NICE=${BENCH_NICE:-0}
KEEP=${BENCH_KEEP:-0}
ORIGIN_OPTS=${BENCH_ORIGIN_OPTS:-}
INPUT=${BENCH_INPUT:-}
SPEED_MIN=0.97          # a publisher slower than this over a window fails the step
BUSY_WARN_PCT=95        # machine busy share called saturated
SEG_TARGET_S=2          # segment_target=2s / hls_fragment 2s
LATE_S=$SEG_TARGET_S    # late: more than one target duration behind schedule
LONG_S=3                # a segment longer than 1.5 x the input's 2 s GOP lost a keyframe
WINDOW_SEGS=6           # playlist_window 6 / hls_playlist_length 12s
STATS_PERIOD_S=1        # ffmpeg -progress period

BUILD=${BUILD_DIR:-_build}
if [ -x "$TOP/$BUILD/origin/cdn-origin" ]; then BIN_DIR=$TOP/$BUILD; else BIN_DIR=$TOP; fi
ORIGIN_BIN=${ORIGIN_BIN:-$BIN_DIR/origin/cdn-origin}
CDNCTL_BIN=${CDNCTL_BIN:-$BIN_DIR/tools/cdnctl}
NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
NGINX_RTMP_MODULE=${NGINX_RTMP_MODULE:-/usr/lib/nginx/modules/ngx_rtmp_module.so}

die() { echo "bench: error: $*" >&2; exit 2; }
note() { echo "[bench] $*"; }
is_uint() { case $1 in ''|*[!0-9]*) return 1;; esac; return 0; }

for v in "$WINDOW_S" "$CPU_N" "$CPU_WINDOW_S" "$WARMUP_S" "$BUDGET_S" "$STAGGER_MS" "$POLL_MS" \
	"$LIVE_TIMEOUT_S" "$NGINX_WORKERS"; do
	is_uint "$v" || die "not a whole number: '$v'"
done
[ "$WINDOW_S" -ge 5 ] && [ "$WINDOW_S" -le 600 ] || die "BENCH_SECONDS must be 5..600"
[ "$CPU_WINDOW_S" -ge 5 ] && [ "$CPU_WINDOW_S" -le 600 ] || die "BENCH_CPU_SECONDS must be 5..600"
[ "$WARMUP_S" -le 60 ] || die "BENCH_WARMUP must be 0..60"
[ "$BUDGET_S" -ge 10 ] && [ "$BUDGET_S" -le 7200 ] || die "BENCH_BUDGET must be 10..7200"
[ "$STAGGER_MS" -le 2000 ] || die "BENCH_STAGGER_MS must be 0..2000"
[ "$POLL_MS" -ge 100 ] && [ "$POLL_MS" -le 1000 ] || die "BENCH_POLL_MS must be 100..1000"
[ "$LIVE_TIMEOUT_S" -ge 5 ] && [ "$LIVE_TIMEOUT_S" -le 120 ] || die "BENCH_LIVE_TIMEOUT must be 5..120"
[ "$NGINX_WORKERS" -ge 1 ] && [ "$NGINX_WORKERS" -le 16 ] || die "BENCH_NGINX_WORKERS must be 1..16"
[ "$CPU_N" -ge 1 ] && [ "$CPU_N" -le 200 ] || die "BENCH_CPU_N must be 1..200"
case $NICE in -[0-9]|-1[0-9]|-20|[0-9]|1[0-9]) ;; *) die "BENCH_NICE must be -20..19";; esac
RUN=(nice -n "$NICE")
for p in $PROTOCOLS; do
	case $p in rtmp|srt|rtp) ;; *) die "BENCH_PROTOCOLS: rtmp, srt, rtp";; esac
done
# The counts, ascending and unique, with BENCH_CPU_N among them.
prev=0
for n in $COUNTS; do
	is_uint "$n" && [ "$n" -ge 1 ] && [ "$n" -le 200 ] || die "BENCH_COUNTS entries must be 1..200"
	[ "$n" -gt "$prev" ] || die "BENCH_COUNTS must be ascending"
	prev=$n
done
COUNTS=$(printf '%s\n' $COUNTS "$CPU_N" | sort -n -u | tr '\n' ' ')
MAX_N=$prev
[ "$CPU_N" -gt "$MAX_N" ] && MAX_N=$CPU_N

# --- process tracking: everything we start is stopped by PID ----------------
declare -A TRACKED=()
WORK=""
track() { TRACKED[$1]=$2; }
untrack() { unset "TRACKED[$1]"; }

# alive PID: running and not a zombie.
alive() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	[ "${s%% *}" != Z ]
}

wait_gone() {
	local pid=$1 i
	for ((i = 0; i < $2; i++)); do
		alive "$pid" || return 0
		sleep 0.1
	done
	! alive "$pid"
}

# stop_pids PID...: TERM to all, bounded wait, then KILL; reaps them.
stop_pids() {
	local pid
	for pid in "$@"; do alive "$pid" && kill -TERM "$pid" 2>/dev/null; done
	for pid in "$@"; do
		if ! wait_gone "$pid" 100; then
			kill -KILL "$pid" 2>/dev/null
			wait_gone "$pid" 30
		fi
		wait "$pid" 2>/dev/null
		untrack "$pid"
	done
}

cleanup() {
	local pid
	trap - EXIT INT TERM
	for pid in "${!TRACKED[@]}"; do alive "$pid" && kill -TERM "$pid" 2>/dev/null; done
	for pid in "${!TRACKED[@]}"; do wait_gone "$pid" 50 || kill -KILL "$pid" 2>/dev/null; done
	if [ -n "$WORK" ] && [ -d "$WORK" ]; then
		if [ "$KEEP" = 1 ]; then echo "[bench] kept work dir $WORK"; else rm -rf -- "$WORK"; fi
	fi
}
trap cleanup EXIT
trap 'echo "[bench] interrupted"; exit 130' INT TERM

# --- small helpers ------------------------------------------------------------
now() { echo "$EPOCHREALTIME"; }
calc() { awk "BEGIN { $1 }" </dev/null; }
is_true() { [ "$(awk "BEGIN { if ($1) print 1; else print 0 }" </dev/null)" = 1 ]; }

# proc_ticks PID: utime+stime in clock ticks, all threads (0 when gone).
proc_ticks() {
	local s rest
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	rest=${s##*) }
	# shellcheck disable=SC2086
	set -- $rest
	echo $(( ${12} + ${13} ))
}
sum_ticks() {
	local t=0 p
	for p in "$@"; do t=$((t + $(proc_ticks "$p"))); done
	echo "$t"
}
# machine_cpu: "total idle" jiffies from /proc/stat (idle includes iowait).
machine_cpu() {
	awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6; exit }' /proc/stat
}

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

wait_http() {
	local i
	for ((i = 0; i < $2; i++)); do
		curl -s -o /dev/null -m 1 "$1" && return 0
		sleep 0.1
	done
	return 1
}

# --- dependencies ---------------------------------------------------------------
for c in ffmpeg ffprobe curl ss awk python3 pgrep; do
	command -v "$c" >/dev/null || die "missing command: $c"
done
ffmpeg -hide_banner -protocols 2>/dev/null | grep -qx '  *srt' ||
	{ case " $PROTOCOLS " in *" srt "*) die "this ffmpeg has no SRT protocol (BENCH_PROTOCOLS without srt)";; esac; }
[ -x "$ORIGIN_BIN" ] || die "$ORIGIN_BIN missing: build first (scripts/setup, or configure + make in _build)"
[ -x "$CDNCTL_BIN" ] || die "$CDNCTL_BIN missing: build first"
if [ "$NGINX" = 1 ]; then
	if [ ! -x "$NGINX_BIN" ] || [ ! -f "$NGINX_RTMP_MODULE" ]; then
		[ "$(id -u)" = 0 ] || die "nginx or libnginx-mod-rtmp missing (install them, or BENCH_NGINX=0)"
		note "installing nginx libnginx-mod-rtmp"
		DEBIAN_FRONTEND=noninteractive apt-get install -y nginx libnginx-mod-rtmp >/dev/null 2>&1 ||
			die "apt-get install nginx libnginx-mod-rtmp failed"
	fi
fi

WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/cdn-ingest.XXXXXX") || die "mktemp failed"
chmod 755 "$WORK"   # nginx workers (nobody) must reach their hls_path
TCK=$(getconf CLK_TCK)
NCPU=$(nproc)

# --- input file (as origin_vs_nginx_rtmp.sh makes it) ---------------------------
# 20 s of 1280x720 25 fps, IDR every 2 s (fixed GOP, the loop point is a
# keyframe), x264 2900k capped at 3000k + 96k AAC: ~3 Mbit/s.
if [ -z "$INPUT" ]; then
	INPUT=$WORK/input_3mbit.mp4
	note "generating $INPUT (20 s, 1280x720 25 fps, GOP 50, ~3 Mbit/s)"
	ffmpeg -hide_banner -nostdin -loglevel error -y \
		-f lavfi -i "testsrc2=size=1280x720:rate=25,noise=alls=10:allf=t" \
		-f lavfi -i "sine=frequency=440:sample_rate=48000:beep_factor=4" \
		-t 20 -map 0:v -map 1:a \
		-c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p \
		-g 50 -keyint_min 50 -sc_threshold 0 \
		-b:v 2900k -maxrate 3000k -bufsize 3000k \
		-c:a aac -b:a 96k -ac 2 -ar 48000 \
		-movflags +faststart "$INPUT" || die "input generation failed"
fi
[ -r "$INPUT" ] || die "cannot read $INPUT"
IN_BPS=$(ffprobe -v error -show_entries format=bit_rate -of default=nw=1:nk=1 "$INPUT")
is_uint "$IN_BPS" || die "cannot read the input's bit rate"
IN_MBPS=$(calc "printf \"%.2f\", $IN_BPS / 1e6")
note "input: $IN_MBPS Mbit/s; protocols: $PROTOCOLS; counts: $COUNTS; CPU step at $CPU_N;" \
	"windows ${WINDOW_S} s (${CPU_WINDOW_S} s at $CPU_N) after ${WARMUP_S} s warm-up; ramp budget ${BUDGET_S} s each; $NCPU CPUs"
[ "$NICE" != 0 ] && note "servers, publishers and watcher run at nice $NICE"

# --- servers ----------------------------------------------------------------------
# start_<srv> DIR: sets SRV_PID, RTMP_PORT, HTTP_PORT, SRT_PORT; non-zero with
# SRV_ERR on failure.
SRV_PID=""; SRV_DIR=""; RTMP_PORT=""; HTTP_PORT=""; SRT_PORT=""; SRV_ERR=""

start_nginx() {
	local d=$1 user_line=""
	mkdir -p "$d/hls" "$d/logs" "$d/tmp" || { SRV_ERR="mkdir"; return 1; }
	chmod 755 "$d"
	if [ "$(id -u)" = 0 ]; then
		user_line="user nobody $(id -gn nobody 2>/dev/null || echo nogroup);"
		chown "nobody:$(id -gn nobody 2>/dev/null || echo nogroup)" "$d/hls" "$d/tmp"
	fi
	RTMP_PORT=$(pick_port); HTTP_PORT=$(pick_port)
	cat >"$d/nginx.conf" <<EOF
# generated by bench/ingest_capacity.sh: private instance, loopback only
load_module $NGINX_RTMP_MODULE;
daemon off;
master_process on;
$user_line
worker_processes $NGINX_WORKERS;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 1024; }
rtmp {
	server {
		listen 127.0.0.1:$RTMP_PORT;
		chunk_size 4096;
		application live {
			live on;
			record off;
			hls on;
			hls_path $d/hls;
			hls_fragment ${SEG_TARGET_S}s;
			hls_playlist_length $((WINDOW_SEGS * SEG_TARGET_S))s;
		}
	}
}
http {
	access_log off;
	sendfile on;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	types {
		application/vnd.apple.mpegurl m3u8;
		video/mp2t ts;
	}
	server {
		listen 127.0.0.1:$HTTP_PORT;
		location /hls/ {
			alias $d/hls/;
			add_header Cache-Control no-cache;
		}
	}
}
EOF
	"$NGINX_BIN" -t -q -p "$d/" -e "$d/logs/error.log" -c "$d/nginx.conf" >"$d/logs/test.log" 2>&1 ||
		{ SRV_ERR="nginx -t failed: $(tail -n 3 "$d/logs/test.log" | tr '\n' ' ')"; return 1; }
	"${RUN[@]}" "$NGINX_BIN" -p "$d/" -e "$d/logs/error.log" -c "$d/nginx.conf" >"$d/logs/stdout.log" 2>&1 &
	SRV_PID=$!
	track "$SRV_PID" nginx
	if ! wait_http "http://127.0.0.1:$HTTP_PORT/" 100 || ! alive "$SRV_PID"; then
		SRV_ERR="nginx did not start: $(tail -n 3 "$d/logs/error.log" 2>/dev/null | tr '\n' ' ')"
		return 1
	fi
}

start_origin() {
	local d=$1 i srt_max=100 rtmp_per_ip=200
	mkdir -p "$d/data" || { SRV_ERR="mkdir"; return 1; }
	# Every publisher comes from 127.0.0.1: raise the per-address limits
	# above the largest count (the defaults are 100 SRT, 200 RTMP per IP).
	[ "$MAX_N" -gt 90 ] && srt_max=$((MAX_N + 10))
	[ "$MAX_N" -gt 190 ] && rtmp_per_ip=$((MAX_N + 10))
	# Ports 0: the origin picks free ones and logs them.
	# shellcheck disable=SC2086
	"${RUN[@]}" "$ORIGIN_BIN" -o rtmp_listen=127.0.0.1:0 -o http_listen=127.0.0.1:0 \
		-o srt_listen=127.0.0.1:0 -o rtp_address=127.0.0.1 -o "srt_max_publishers=$srt_max" \
		-o "rtmp_max_per_ip=$rtmp_per_ip" \
		-o "data_dir=$d/data" -o "segment_target=${SEG_TARGET_S}s" $ORIGIN_OPTS \
		</dev/null >"$d/origin.log" 2>&1 &
	SRV_PID=$!
	track "$SRV_PID" cdn-origin
	for ((i = 0; i < 100; i++)); do
		grep -q 'HTTP on port [0-9]' "$d/origin.log" && break
		alive "$SRV_PID" || break
		sleep 0.1
	done
	RTMP_PORT=$(sed -n 's/.*RTMP on port \([0-9]*\).*/\1/p' "$d/origin.log" | head -n 1)
	HTTP_PORT=$(sed -n 's/.*HTTP on port \([0-9]*\).*/\1/p' "$d/origin.log" | head -n 1)
	SRT_PORT=$(sed -n 's/.*SRT on port \([0-9]*\).*/\1/p' "$d/origin.log" | head -n 1)
	if ! alive "$SRV_PID" || [ -z "$HTTP_PORT" ] || [ ! -s "$d/data/admin.token" ]; then
		SRV_ERR="cdn-origin did not start: $(tail -n 3 "$d/origin.log" | tr '\n' ' ')"
		return 1
	fi
	ctl customer add bench >>"$d/cdnctl.log" 2>&1 ||
		{ SRV_ERR="cdnctl customer add failed: $(tail -n 2 "$d/cdnctl.log" | tr '\n' ' ')"; return 1; }
}

ctl() {
	timeout 20 "$CDNCTL_BIN" -u "http://127.0.0.1:$HTTP_PORT" --token-file "$SRV_DIR/data/admin.token" "$@"
}

server_pids() {
	local kids
	alive "$SRV_PID" || return 0
	echo "$SRV_PID"
	kids=$(pgrep -P "$SRV_PID" 2>/dev/null) && echo "$kids"
}

# stop_server: SIGTERM, bounded wait; sets SRV_EXIT.
stop_server() {
	local kids p st
	kids=$(pgrep -P "$SRV_PID" 2>/dev/null)
	if alive "$SRV_PID"; then
		kill -TERM "$SRV_PID" 2>/dev/null
		if wait_gone "$SRV_PID" 150; then
			wait "$SRV_PID" 2>/dev/null; st=$?
			SRV_EXIT=$st
		else
			kill -KILL "$SRV_PID" 2>/dev/null
			wait_gone "$SRV_PID" 30
			wait "$SRV_PID" 2>/dev/null
			SRV_EXIT="killed (no exit within 15 s of SIGTERM)"
		fi
	else
		wait "$SRV_PID" 2>/dev/null; st=$?
		SRV_EXIT="already dead (status $st)"
	fi
	untrack "$SRV_PID"
	for p in $kids; do   # nginx workers: gone with the master, or orphaned
		alive "$p" && { kill -TERM "$p" 2>/dev/null; wait_gone "$p" 30 || kill -KILL "$p" 2>/dev/null; }
	done
}

# add_stream SRV PROTO I: sets up stream sI on the running server and prints
# the publisher's output arguments (one per line); non-zero on failure.
add_stream() {
	local srv=$1 proto=$2 i=$3 json id key sdp port
	if [ "$srv" = nginx ]; then
		printf '%s\n' -f flv "rtmp://127.0.0.1:$RTMP_PORT/live/s$i"
		return 0
	fi
	json=$(ctl --json key add --customer bench --stream "s$i" 2>>"$SRV_DIR/cdnctl.log") || return 1
	id=$(sed -n 's/^{"id":\([0-9]*\),.*/\1/p' <<<"$json")
	key=$(sed -n 's/.*"key":"\([^"]*\)".*/\1/p' <<<"$json")
	[ -n "$id" ] && [ -n "$key" ] || return 1
	case $proto in
	rtmp) printf '%s\n' -f flv "rtmp://127.0.0.1:$RTMP_PORT/live/$key";;
	srt) printf '%s\n' -f mpegts "srt://127.0.0.1:$SRT_PORT?streamid=#!::r=$key,m=publish";;
	rtp)
		# The origin allocates the port and answers an MPEG-TS over RTP SDP.
		sdp=$(ctl key rtp "$id" 2>>"$SRV_DIR/cdnctl.log") || return 1
		port=$(sed -n 's/^m=video \([0-9]*\) .*/\1/p' <<<"$sdp" | tr -d '\r')
		is_uint "$port" || return 1
		printf '%s\n' -f rtp_mpegts "rtp://127.0.0.1:$port"
		;;
	esac
}

playlist_url() {
	if [ "$1" = nginx ]; then
		echo "http://127.0.0.1:$HTTP_PORT/hls/s$2.m3u8"
	else
		echo "http://127.0.0.1:$HTTP_PORT/hls/s$2/index.m3u8"
	fi
}

# --- results -------------------------------------------------------------------------
declare -A R=()
TARGETS=()
RUN_FAILED=0

# pub_media FILE0 FILE1 T0 T1: from two pubstat outputs, prints
# "media_seconds slow dead min_speed" (speed per publisher over the window).
pub_media() {
	awk -v t0="$3" -v t1="$4" -v smin="$SPEED_MIN" -v sp="$STATS_PERIOD_S" '
		NR == FNR { m0[$1] = $2; o0[$1] = $3; next }
		{
			n++
			if (!($1 in m0) || $3 < 0 || o0[$1] < 0) { dead++; next }
			d = ($3 - o0[$1]) / 1e6
			if (d < 0) d = 0
			media += d
			# A publisher that stopped writing progress is stalled: count
			# the time up to the end of the window.
			span = (t1 - $2 > 2 * sp + 1) ? t1 - m0[$1] : $2 - m0[$1]
			s = (span > 0) ? d / span : 0
			if (min == "" || s < min) min = s
			if (s < smin) slow++
		}
		END { printf "%.1f %d %d %.3f\n", media, slow + 0, dead + 0, (min == "" ? 0 : min) }' "$1" "$2"
}

# run_target SRV PROTO COUNTS...: a fresh server, ramped through COUNTS.
run_target() {
	local srv=$1 proto=$2; shift 2
	local T="$srv-$proto" label d n i cur=0 t_ramp win
	local -a PUB=() args=()
	if [ "$srv" = nginx ]; then label="nginx-rtmp RTMP"; else label="cdn-origin ${proto^^}"; fi
	TARGETS+=("$T")
	R[$T,label]=$label
	R[$T,steps]=""
	echo
	note "=== $label ==="
	d=$WORK/$T
	mkdir -p "$d"
	SRV_DIR=$d; SRV_PID=""
	if ! "start_$srv" "$d"; then
		note "FAILED: $SRV_ERR"
		R[$T,error]="server did not start: $SRV_ERR"
		RUN_FAILED=1
		[ -n "$SRV_PID" ] && stop_server
		return
	fi
	note "$label: pid $SRV_PID, rtmp :$RTMP_PORT, http :$HTTP_PORT${SRT_PORT:+, srt :$SRT_PORT}"

	# The watcher runs for the whole ramp; streams are added to its list.
	local list=$d/streams.txt events=$d/events.txt stopf=$d/watch.stop watch_pid deadline
	: >"$list"; : >"$events"
	deadline=$(calc "printf \"%d\", $(now) + $BUDGET_S + $CPU_WINDOW_S + $LIVE_TIMEOUT_S + 300")
	"${RUN[@]}" python3 "$WATCH" watch --list "$list" --interval "$(calc "print $POLL_MS / 1000")" \
		--deadline "$deadline" --stop "$stopf" --ready "$d/watch.ready" >"$events" 2>"$d/watch.err" &
	watch_pid=$!
	track "$watch_pid" watcher
	for ((i = 0; i < 100; i++)); do [ -s "$d/watch.ready" ] && break; sleep 0.05; done

	t_ramp=$(now)
	for n in "$@"; do
		if is_true "$(now) - $t_ramp > $BUDGET_S"; then
			note "ramp budget of ${BUDGET_S} s used up before $n streams"
			R[$T,budget]=$n
			break
		fi
		echo
		note "--- $label: $n streams (adding $((n - cur))) ---"
		local t_add fail=""
		t_add=$(now)
		for ((i = cur + 1; i <= n; i++)); do
			mapfile -t args < <(add_stream "$srv" "$proto" "$i") 
			if [ "${#args[@]}" -ne 3 ]; then fail="could not set up stream s$i (see $d/cdnctl.log)"; break; fi
			echo "s$i $(playlist_url "$srv" "$i")" >>"$list"
			[ "$i" -gt 1 ] && [ "$STAGGER_MS" -gt 0 ] && sleep "$(calc "printf \"%.3f\", $STAGGER_MS / 1000")"
			"${RUN[@]}" ffmpeg -hide_banner -nostdin -nostats -loglevel warning \
				-progress "$d/pub$i.progress" -stats_period "$STATS_PERIOD_S" \
				-re -stream_loop -1 -i "$INPUT" -c copy "${args[@]}" </dev/null >"$d/pub$i.log" 2>&1 &
			PUB[i]=$!
			track "${PUB[i]}" "ffmpeg s$i"
		done
		if [ -n "$fail" ]; then
			note "FAILED: $fail"
			R[$T,error]=$fail; RUN_FAILED=1
			break
		fi
		cur=$n
		# Every stream must be live (a segment seen) within the timeout.
		local live=0 k
		for ((k = 0; k < LIVE_TIMEOUT_S * 4; k++)); do
			live=$(awk '$1 == "SEG" { s[$2] = 1 } END { print length(s) }' "$events")
			[ "$live" -ge "$n" ] && break
			alive "$SRV_PID" || break
			sleep 0.25
		done
		note "$live/$n streams live $(calc "printf \"%.1f\", $(now) - $t_add") s after the first new publisher"
		sleep "$WARMUP_S"

		# --- measured window ---
		win=$WINDOW_S
		[ "$n" -eq "$CPU_N" ] && win=$CPU_WINDOW_S
		local spids tk0 tk1 pk0 pk1 wk0 wk1 m0 m1 t0 t1 left step
		spids=$(server_pids)
		for ((i = 1; i <= n; i++)); do echo "s$i $d/pub$i.progress"; done >"$d/pubs.txt"
		python3 "$WATCH" pubstat <"$d/pubs.txt" >"$d/pub0.txt"
		# shellcheck disable=SC2086
		tk0=$(sum_ticks $spids); pk0=$(sum_ticks "${PUB[@]}"); wk0=$(proc_ticks "$watch_pid")
		m0=$(machine_cpu); t0=$(now)
		left=$win
		for ((k = 0; k < win && left > 0; k++)); do
			step=$(( left < 5 ? left : 5 ))
			sleep "$step"; left=$((left - step))
			alive "$SRV_PID" || break
		done
		# shellcheck disable=SC2086
		tk1=$(sum_ticks $spids); pk1=$(sum_ticks "${PUB[@]}"); wk1=$(proc_ticks "$watch_pid")
		m1=$(machine_cpu); t1=$(now)
		python3 "$WATCH" pubstat <"$d/pubs.txt" >"$d/pub1.txt"
		# Segments appear up to one poll after they exist: judge the window
		# once the watcher has had a poll past its end.
		sleep "$(calc "print $POLL_MS / 1000 + 0.2")"
		local names tot el media slow dead smin dead_now=0
		names=$(for ((i = 1; i <= n; i++)); do printf 's%d,' "$i"; done)
		python3 "$WATCH" analyze --events "$events" --from "$t0" --to "$t1" --late "$LATE_S" --long "$LONG_S" \
			--names "${names%,}" >"$d/analyze.$n.txt"
		tot=$(grep '^TOTAL' "$d/analyze.$n.txt")
		read -r media slow dead smin <<<"$(pub_media "$d/pub0.txt" "$d/pub1.txt" "$t0" "$t1")"
		for ((i = 1; i <= n; i++)); do alive "${PUB[i]}" || dead_now=$((dead_now + 1)); done
		[ "$dead_now" -gt "$dead" ] && dead=$dead_now
		el=$(calc "printf \"%.3f\", $t1 - $t0")
		is_true "$media > 0" || media=$(calc "printf \"%.1f\", $el * $n")
		local kv
		for kv in $tot; do
			case $kv in *=*) R[$T,$n,${kv%%=*}]=${kv#*=};; esac
		done
		R[$T,$n,window]=$el
		R[$T,$n,media_min]=$(calc "printf \"%.2f\", $media / 60")
		R[$T,$n,cpu]=$(calc "printf \"%.4f\", ($tk1 - $tk0) / $TCK / ($media / 60)")
		R[$T,$n,srv_pct]=$(calc "printf \"%.1f\", 100 * ($tk1 - $tk0) / $TCK / $el")
		R[$T,$n,pubcpu]=$(calc "printf \"%.4f\", ($pk1 - $pk0) / $TCK / ($media / 60)")
		R[$T,$n,pub_pct]=$(calc "printf \"%.1f\", 100 * ($pk1 - $pk0) / $TCK / $el")
		R[$T,$n,watch_pct]=$(calc "printf \"%.1f\", 100 * ($wk1 - $wk0) / $TCK / $el")
		R[$T,$n,busy]=$(echo "$m0 $m1" | awk -v c="$NCPU" '{ dt = $3 - $1; di = $4 - $2; printf "%.1f", (dt > 0 ? 100 * (dt - di) / dt : 0) }')
		R[$T,$n,other]=$(echo "$m0 $m1 $((tk1 - tk0 + pk1 - pk0 + wk1 - wk0)) $TCK" | awk '{
			dt = $3 - $1; di = $4 - $2; b = $5 * 100 / $6
			printf "%.1f", (dt > 0 ? 100 * (dt - di - b) / dt : 0) }')
		R[$T,$n,slow]=$slow; R[$T,$n,dead]=$dead; R[$T,$n,speed_min]=$smin
		R[$T,$n,steps_done]=1
		R[$T,steps]="${R[$T,steps]} $n"

		# --- verdict for this step ---
		local why=""
		[ "${R[$T,$n,late]:-1}" -gt 0 ] && why="$why; ${R[$T,$n,late]} late segments (max ${R[$T,$n,max_late]} s behind schedule; missed ${R[$T,$n,missed]}, overdue streams ${R[$T,$n,overdue]})"
		[ "${R[$T,$n,long]:-0}" -gt 0 ] && why="$why; ${R[$T,$n,long]} segments longer than ${LONG_S} s (keyframes lost on the way in)"
		[ "${R[$T,$n,live]:-0}" -lt "$n" ] && why="$why; ${R[$T,$n,live]:-0}/$n streams live at the end"
		[ "${R[$T,$n,disc]:-0}" -gt 0 ] && why="$why; ${R[$T,$n,disc]} discontinuities"
		[ "${R[$T,$n,ended]:-0}" -gt 0 ] && why="$why; ${R[$T,$n,ended]} playlists ended"
		[ "$slow" -gt 0 ] && why="$why; $slow publishers below ${SPEED_MIN}x (slowest ${smin}x)"
		[ "$dead" -gt 0 ] && why="$why; $dead publishers died"
		alive "$SRV_PID" || why="$why; the server died"
		if is_true "${R[$T,$n,busy]} >= $BUSY_WARN_PCT"; then
			R[$T,$n,saturated]=1
		fi
		note "window ${el} s: ${R[$T,$n,segs]:-0} segments judged, late ${R[$T,$n,late]:-?}" \
			"(proven late ${R[$T,$n,late_proven]:-?}), longer than ${LONG_S} s ${R[$T,$n,long]:-?}," \
			"lateness p50 ${R[$T,$n,p50_late]:-?} / p99 ${R[$T,$n,p99_late]:-?} / max ${R[$T,$n,max_late]:-?} s;" \
			"publishers slowest ${smin}x, slow $slow, dead $dead"
		note "CPU: server ${R[$T,$n,cpu]} s per stream per media-minute (${R[$T,$n,srv_pct]}% of one CPU);" \
			"publishers ${R[$T,$n,pubcpu]} s (${R[$T,$n,pub_pct]}%); watcher ${R[$T,$n,watch_pct]}%;" \
			"machine ${R[$T,$n,busy]}% busy of $NCPU CPUs, other load ${R[$T,$n,other]}%"
		if [ -n "$why" ]; then
			R[$T,$n,verdict]="FAIL"
			R[$T,broke]=$n
			R[$T,why]=${why#; }
			note "step FAILED: ${why#; }"
			break
		fi
		R[$T,$n,verdict]="ok"
		R[$T,ok]=$n
	done

	# Stop: publishers first (all at once), then the watcher, then the server.
	stop_pids "${PUB[@]}"
	: >"$stopf"
	wait_gone "$watch_pid" 100 || true
	stop_pids "$watch_pid"
	stop_server
	note "$label stopped, exit: $SRV_EXIT"
	if [ "$srv" = origin ]; then
		[ "$SRV_EXIT" = 0 ] || { note "WARNING: cdn-origin did not exit cleanly: $(tail -n 3 "$d/origin.log" | tr '\n' ' ')"; RUN_FAILED=1; }
		local errs
		errs=$(grep -cE ' (ERR|CRIT) |sanitizer|assert' "$d/origin.log")
		[ "$errs" -gt 0 ] && note "cdn-origin log has $errs ERR/CRIT lines, e.g.: $(grep -E ' (ERR|CRIT) |sanitizer|assert' "$d/origin.log" | head -n 2 | tr '\n' ' ')"
		R[$T,warns]=$(grep -c ' WARN ' "$d/origin.log")
	fi
}

T_BEGIN=$(now)
if [ "$NGINX" = 1 ]; then
	if [ "$NGINX_RAMP" = 1 ]; then
		# shellcheck disable=SC2086
		run_target nginx rtmp $COUNTS
	else
		run_target nginx rtmp "$CPU_N"
	fi
fi
for p in $PROTOCOLS; do
	# shellcheck disable=SC2086
	run_target origin "$p" $COUNTS
done

# --- summary ---------------------------------------------------------------------------
get() { echo "${R[$1]:-n/a}"; }
ratio() {
	case "$1$2" in *n/a*|*nan*) echo "n/a"; return;; esac
	calc "if ($2 == 0) print \"n/a\"; else printf \"%.2f\", $1 / $2"
}

echo
echo "=== Steps: input $IN_MBPS Mbit/s 1280x720 25 fps GOP 2 s, $NCPU CPUs; late = > ${LATE_S} s behind schedule ==="
printf '%-16s %4s %5s %4s %5s %4s %6s %6s %5s %6s %4s %4s %8s %6s %8s %6s %6s %6s %6s %s\n' \
	target N judged late prove long p99_s max_s live spdmin slow dead srv_s/mm srv_% pub_s/m pub_% watch% busy% other% step
for T in "${TARGETS[@]}"; do
	for n in ${R[$T,steps]}; do
		printf '%-16s %4s %5s %4s %5s %4s %6s %6s %5s %6s %4s %4s %8s %6s %8s %6s %6s %6s %6s %s\n' \
			"$(get "$T,label")" "$n" "$(get "$T,$n,segs")" "$(get "$T,$n,late")" "$(get "$T,$n,late_proven")" \
			"$(get "$T,$n,long")" "$(get "$T,$n,p99_late")" \
			"$(get "$T,$n,max_late")" "$(get "$T,$n,live")/$n" "$(get "$T,$n,speed_min")" "$(get "$T,$n,slow")" \
			"$(get "$T,$n,dead")" "$(get "$T,$n,cpu")" "$(get "$T,$n,srv_pct")" "$(get "$T,$n,pubcpu")" \
			"$(get "$T,$n,pub_pct")" "$(get "$T,$n,watch_pct")" "$(get "$T,$n,busy")" "$(get "$T,$n,other")" \
			"$(get "$T,$n,verdict")"
	done
done
echo "(late: first seen > ${LATE_S} s behind schedule, or missed, or overdue; prove: late even counting from the last poll" \
	"that did not list it; long: segments > ${LONG_S} s)"
echo "(srv_s/mm: server CPU s per stream per media-minute; pub_s/m: the same for the publishers;" \
	"_%: percent of one CPU; busy%: of all $NCPU CPUs)"

echo
echo "=== Ingest capacity: concurrent ${IN_MBPS} Mbit/s publishers with zero late segments ($NCPU CPUs) ==="
for T in "${TARGETS[@]}"; do
	[ "${T%%-*}" = origin ] || [ "$NGINX_RAMP" = 1 ] || continue
	label=$(get "$T,label")
	if [ -n "${R[$T,error]:-}" ]; then echo "$label: run failed: ${R[$T,error]}"; continue; fi
	ok=${R[$T,ok]:-0}
	if [ -n "${R[$T,broke]:-}" ]; then
		b=${R[$T,broke]}
		extra=""
		[ -n "${R[$T,$b,saturated]:-}" ] && extra="; machine saturated"
		echo "$label: $ok (failed at $b: ${R[$T,why]}; machine ${R[$T,$b,busy]}% busy," \
			"server ${R[$T,$b,srv_pct]}% + publishers ${R[$T,$b,pub_pct]}% + watcher ${R[$T,$b,watch_pct]}% of one CPU$extra)"
	elif [ -n "${R[$T,budget]:-}" ]; then
		echo "$label: >= $ok (not broken; the ramp budget ran out before ${R[$T,budget]})"
	else
		echo "$label: >= $ok (not broken at the largest count; raise BENCH_COUNTS)"
	fi
done
echo "The publishers and the watcher share the CPUs with the server: these are lower bounds for the origin."

echo
echo "=== CPU per stream at $CPU_N streams (server utime+stime / stream / media-minute; window ${CPU_WINDOW_S} s) ==="
printf '%-18s %14s %14s %9s %10s %10s\n' target "server s/mm" "publisher s/m" "busy %" "vs nginx" "vs our RTMP"
ng=$(get "nginx-rtmp,$CPU_N,cpu")
ours=$(get "origin-rtmp,$CPU_N,cpu")
for T in "${TARGETS[@]}"; do
	v=$(get "$T,$CPU_N,cpu")
	case $T in nginx-*) vn="" ;; *) vn=$(ratio "$v" "$ng");; esac
	case $T in origin-*) vo=$(ratio "$v" "$ours");; *) vo="";; esac
	printf '%-18s %14s %14s %9s %10s %10s\n' "$(get "$T,label")" "$v" "$(get "$T,$CPU_N,pubcpu")" \
		"$(get "$T,$CPU_N,busy")" "$vn" "$vo"
done
if [ "$ng" != n/a ] && [ "$ours" != n/a ]; then
	echo "RTMP, cdn-origin / nginx-rtmp: $(ratio "$ours" "$ng") (below 1: cdn-origin is cheaper)"
fi
for T in "${TARGETS[@]}"; do
	[ -n "$(get "$T,$CPU_N,saturated" | grep -v n/a)" ] &&
		echo "WARNING: $(get "$T,label") at $CPU_N streams ran on a saturated machine: its CPU figure is suspect"
done
echo "total run $(calc "printf \"%.0f\", $(now) - $T_BEGIN") s"

[ "$RUN_FAILED" = 1 ] && { echo "bench: a server failed to start, died or did not exit cleanly (see above)"; exit 1; }
exit 0
