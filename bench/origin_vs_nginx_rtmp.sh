#!/usr/bin/env bash
# origin_vs_nginx_rtmp.sh - cdn-origin against nginx + RTMP module, one run.
#
# Pushes 1, 8 and 32 looped H.264/AAC publishers (ffmpeg -re -c copy -f flv)
# into each server in turn (a fresh server process per stream count, the two
# servers interleaved per count) and prints, per server and count:
#   - server CPU seconds per stream per minute of media (utime+stime from
#     /proc of the server PID, nginx master + workers, over a measured window);
#   - time from publish start (ffmpeg launch; the input's first frame is a
#     keyframe) to the first playable playlist (polled every 20 ms: lists a
#     segment and that segment downloads with 200), raw and minus the 2 s
#     segment target, against "target + 0.5 s";
#   - VmRSS growth per live stream ((RSS with N - RSS with 0) / N) against the
#     bytes a 6 x 2 s window holds at the input's bitrate (~3 Mbit/s; target <3);
#   - the publishers' CPU and the machine's busy share, with a warning when
#     the machine was saturated.
# Then a summary table (ours / nginx) and one verdict line per target.
#
# nginx runs with its own prefix, config and temp dir (never the system
# service). Everything listens on 127.0.0.1, ports probed below the ephemeral
# range. All processes started here are tracked by PID and stopped in a trap.
# Every loop is bounded in count and time. See bench/README.md for the knobs.

set -u -o pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$SCRIPT_DIR/.." && pwd)
PROBE="$SCRIPT_DIR/hls_probe.py"

# --- settings ---------------------------------------------------------------
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
	DEF_COUNTS="1 4"; DEF_SECONDS=15
else
	DEF_COUNTS="1 8 32"; DEF_SECONDS=60
fi
COUNTS=${BENCH_COUNTS:-$DEF_COUNTS}
WINDOW_S=${BENCH_SECONDS:-$DEF_SECONDS}
WARMUP_S=${BENCH_WARMUP:-2}
STAGGER_MS=${BENCH_STAGGER_MS:-100}
NICE=${BENCH_NICE:-0}
PLAYABLE_TIMEOUT_S=${BENCH_PLAYABLE_TIMEOUT:-30}
ONLY=${BENCH_ONLY:-both}
KEEP=${BENCH_KEEP:-0}
STRICT=${BENCH_STRICT:-0}
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-1}
ORIGIN_OPTS=${BENCH_ORIGIN_OPTS:-}
# Binaries: scripts/setup builds into _build/ (BUILD_DIR); an in-tree build
# is used when there is no _build/.
BUILD=${BUILD_DIR:-_build}
if [ -x "$TOP/$BUILD/origin/cdn-origin" ]; then BIN_DIR=$TOP/$BUILD; else BIN_DIR=$TOP; fi
ORIGIN_BIN=${ORIGIN_BIN:-$BIN_DIR/origin/cdn-origin}
CDNCTL_BIN=${CDNCTL_BIN:-$BIN_DIR/tools/cdnctl}
NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
NGINX_RTMP_MODULE=${NGINX_RTMP_MODULE:-/usr/lib/nginx/modules/ngx_rtmp_module.so}
INPUT=${BENCH_INPUT:-}

SEG_TARGET_S=2          # both servers: segment_target=2s / hls_fragment 2s
WINDOW_SEGS=6           # origin default playlist_window; nginx 12 s / 2 s
LATENCY_SLACK_S=0.5     # target: playable within one target + 0.5 s
RSS_RATIO_TARGET=3      # target: RSS per stream < 3 x window bytes
BUSY_WARN_PCT=90        # machine busy share that makes figures suspect
SAMPLE_STEP_S=5         # RSS / liveness sampling inside the window

die() { echo "bench: error: $*" >&2; exit 2; }
note() { echo "[bench] $*"; }

is_uint() { case $1 in ''|*[!0-9]*) return 1;; esac; return 0; }
for v in "$WINDOW_S" "$WARMUP_S" "$STAGGER_MS" "$PLAYABLE_TIMEOUT_S" "$NGINX_WORKERS"; do
	is_uint "$v" || die "not a whole number: '$v'"
done
[ "$WINDOW_S" -ge 5 ] && [ "$WINDOW_S" -le 3600 ] || die "BENCH_SECONDS must be 5..3600"
[ "$PLAYABLE_TIMEOUT_S" -ge 5 ] && [ "$PLAYABLE_TIMEOUT_S" -le 300 ] || die "BENCH_PLAYABLE_TIMEOUT must be 5..300"
[ "$STAGGER_MS" -le 2000 ] || die "BENCH_STAGGER_MS must be 0..2000"
case $NICE in -[0-9]|-1[0-9]|-20|[0-9]|1[0-9]) ;; *) die "BENCH_NICE must be -20..19";; esac
# RUN: how servers, publishers and the poller are started (nice execs, so $!
# is still the process itself).
RUN=(nice -n "$NICE")
[ "$NGINX_WORKERS" -ge 1 ] && [ "$NGINX_WORKERS" -le 16 ] || die "BENCH_NGINX_WORKERS must be 1..16"
for n in $COUNTS; do
	is_uint "$n" && [ "$n" -ge 1 ] && [ "$n" -le 200 ] || die "BENCH_COUNTS entries must be 1..200"
done
case $ONLY in
both) SERVERS="nginx origin";;
nginx) SERVERS="nginx";;
origin) SERVERS="origin";;
*) die "BENCH_ONLY must be both, nginx or origin";;
esac

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

# stop_pid PID: TERM, bounded wait, then KILL; reaps our children.
stop_pid() {
	local pid=$1
	alive "$pid" && kill -TERM "$pid" 2>/dev/null
	if ! wait_gone "$pid" 100; then
		kill -KILL "$pid" 2>/dev/null
		wait_gone "$pid" 30
	fi
	wait "$pid" 2>/dev/null
	untrack "$pid"
}

cleanup() {
	local pid
	trap - EXIT INT TERM
	for pid in "${!TRACKED[@]}"; do
		alive "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${!TRACKED[@]}"; do
		wait_gone "$pid" 50 || kill -KILL "$pid" 2>/dev/null
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

# proc_ticks PID: utime+stime in clock ticks (0 when gone).
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

# proc_rss_kb PID: VmRSS in kB (0 when gone).
proc_rss_kb() {
	awk '/^VmRSS:/ { print $2; f = 1 } END { if (!f) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0
}

sum_rss_kb() {
	local t=0 p
	for p in "$@"; do t=$((t + $(proc_rss_kb "$p"))); done
	echo "$t"
}

# machine_cpu: "total idle" jiffies from /proc/stat (idle includes iowait).
machine_cpu() {
	awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6; exit }' /proc/stat
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

# wait_http URL TENTHS: bounded wait until something answers HTTP at URL.
wait_http() {
	local i
	for ((i = 0; i < $2; i++)); do
		curl -s -o /dev/null -m 1 "$1" && return 0
		sleep 0.1
	done
	return 1
}

# --- dependencies -------------------------------------------------------------
need_apt=""
for c in ffmpeg ffprobe curl ss awk; do
	command -v "$c" >/dev/null || die "missing command: $c"
done
command -v python3 >/dev/null || need_apt="$need_apt python3-minimal"
case $SERVERS in *nginx*)
	[ -x "$NGINX_BIN" ] || need_apt="$need_apt nginx"
	[ -f "$NGINX_RTMP_MODULE" ] || need_apt="$need_apt libnginx-mod-rtmp"
esac
if [ -n "$need_apt" ]; then
	[ "$(id -u)" = 0 ] || die "missing packages:$need_apt (run as root, or install them)"
	note "installing:$need_apt"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y $need_apt >/dev/null 2>&1 ||
		{ apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y $need_apt >/dev/null; } ||
		die "apt-get install$need_apt failed"
fi
case $SERVERS in *origin*)
	[ -x "$ORIGIN_BIN" ] || die "$ORIGIN_BIN missing: run scripts/setup (or BENCH_ONLY=nginx)"
	[ -x "$CDNCTL_BIN" ] || die "$CDNCTL_BIN missing: run scripts/setup"
esac

WORK=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/cdn-bench.XXXXXX") || die "mktemp failed"
chmod 755 "$WORK"   # nginx workers (nobody) must reach their hls_path
TCK=$(getconf CLK_TCK)
NCPU=$(nproc)

# --- input file ---------------------------------------------------------------
# 1280x720 25 fps, IDR every 50 frames (2 s, no scene cuts so the GOP is fixed
# and the 20 s loop point is a keyframe), ~3 Mbit/s: x264 at 2900k capped at
# 3000k over a 1 s buffer + 96k AAC. Temporal noise on testsrc2 keeps the
# encoder at its cap, so the stream really carries ~3 Mbit/s.
if [ -z "$INPUT" ]; then
	INPUT=$WORK/input_3mbit.mp4
	note "generating $INPUT (20 s, 1280x720 25 fps, GOP 50, ~3 Mbit/s)"
	t0=$(now)
	ffmpeg -hide_banner -nostdin -loglevel error -y \
		-f lavfi -i "testsrc2=size=1280x720:rate=25,noise=alls=10:allf=t" \
		-f lavfi -i "sine=frequency=440:sample_rate=48000:beep_factor=4" \
		-t 20 -map 0:v -map 1:a \
		-c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p \
		-g 50 -keyint_min 50 -sc_threshold 0 \
		-b:v 2900k -maxrate 3000k -bufsize 3000k \
		-c:a aac -b:a 96k -ac 2 -ar 48000 \
		-movflags +faststart "$INPUT" || die "input generation failed"
	note "generated in $(calc "printf \"%.1f\", $(now) - $t0") s"
fi
[ -r "$INPUT" ] || die "cannot read $INPUT"
IN_BPS=$(ffprobe -v error -show_entries format=bit_rate -of default=nw=1:nk=1 "$INPUT")
IN_DUR=$(ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 "$INPUT")
IN_KEY=$(ffprobe -v error -select_streams v:0 -read_intervals "%+#1" \
	-show_entries frame=key_frame -of default=nw=1:nk=1 "$INPUT" | head -n 1)
IN_VIDEO=$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height,r_frame_rate \
	-of csv=p=0 "$INPUT")
is_uint "$IN_BPS" || die "cannot read the input's bit rate"
[ "$IN_KEY" = 1 ] || note "WARNING: the input's first video frame is not a keyframe; latency reference is off"
WINDOW_BYTES=$(calc "printf \"%d\", $WINDOW_SEGS * $SEG_TARGET_S * $IN_BPS / 8")
note "input: $IN_VIDEO, $(calc "printf \"%.2f\", $IN_BPS / 1e6") Mbit/s, $(calc "printf \"%.1f\", $IN_DUR") s"
note "window bytes: $WINDOW_SEGS x ${SEG_TARGET_S} s x $(calc "printf \"%.2f\", $IN_BPS / 1e6") Mbit/s = $(calc "printf \"%.2f\", $WINDOW_BYTES / 1048576") MiB"
[ "$NICE" != 0 ] && note "servers, publishers and poller run at nice $NICE"
note "counts: $COUNTS; measured window ${WINDOW_S} s after all streams are playable + ${WARMUP_S} s; servers: $SERVERS; $NCPU CPUs"

# --- servers --------------------------------------------------------------------
# Each start_* sets SRV_PID, SRV_DIR, RTMP_PORT, HTTP_PORT; returns non-zero on
# failure with the reason in SRV_ERR.
SRV_PID=""; SRV_DIR=""; RTMP_PORT=""; HTTP_PORT=""; SRV_ERR=""

start_nginx() {
	local d=$WORK/nginx-$1 user_line=""
	SRV_DIR=$d
	mkdir -p "$d/hls" "$d/logs" "$d/tmp" || { SRV_ERR="mkdir"; return 1; }
	chmod 755 "$d"
	if [ "$(id -u)" = 0 ]; then
		user_line="user nobody $(id -gn nobody 2>/dev/null || echo nogroup);"
		chown "nobody:$(id -gn nobody 2>/dev/null || echo nogroup)" "$d/hls" "$d/tmp"
	fi
	RTMP_PORT=$(pick_port); HTTP_PORT=$(pick_port)
	cat >"$d/nginx.conf" <<EOF
# generated by bench/origin_vs_nginx_rtmp.sh: private instance, loopback only
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
		{ SRV_ERR="nginx -t failed: $(tail -n 3 "$d/logs/test.log" "$d/logs/error.log" 2>/dev/null | tr '\n' ' ')"; return 1; }
	"${RUN[@]}" "$NGINX_BIN" -p "$d/" -e "$d/logs/error.log" -c "$d/nginx.conf" >"$d/logs/stdout.log" 2>&1 &
	SRV_PID=$!
	track "$SRV_PID" nginx
	if ! wait_http "http://127.0.0.1:$HTTP_PORT/" 100 || ! alive "$SRV_PID"; then
		SRV_ERR="nginx did not start: $(tail -n 3 "$d/logs/error.log" 2>/dev/null | tr '\n' ' ')"
		return 1
	fi
}

nginx_url() { echo "http://127.0.0.1:$HTTP_PORT/hls/s$1.m3u8"; }
nginx_rtmp() { echo "rtmp://127.0.0.1:$RTMP_PORT/live/s$1"; }

start_origin() {
	local d=$WORK/origin-$1 i
	SRV_DIR=$d
	mkdir -p "$d/data" || { SRV_ERR="mkdir"; return 1; }
	RTMP_PORT=$(pick_port); HTTP_PORT=$(pick_port)
	# shellcheck disable=SC2086
	"${RUN[@]}" "$ORIGIN_BIN" -o "rtmp_listen=127.0.0.1:$RTMP_PORT" -o "http_listen=127.0.0.1:$HTTP_PORT" -o srt_listen=127.0.0.1:0 \
		-o "data_dir=$d/data" -o "segment_target=${SEG_TARGET_S}s" $ORIGIN_OPTS \
		</dev/null >"$d/origin.log" 2>&1 &
	SRV_PID=$!
	track "$SRV_PID" cdn-origin
	for ((i = 0; i < 150; i++)); do
		[ -s "$d/data/admin.token" ] && break
		alive "$SRV_PID" || break
		sleep 0.1
	done
	if ! alive "$SRV_PID" || [ ! -s "$d/data/admin.token" ] ||
		! wait_http "http://127.0.0.1:$HTTP_PORT/healthz" 100; then
		SRV_ERR="cdn-origin did not start: $(tail -n 3 "$d/origin.log" 2>/dev/null | tr '\n' ' ')"
		return 1
	fi
	ctl customer add bench >>"$d/cdnctl.log" 2>&1 ||
		{ SRV_ERR="cdnctl customer add failed: $(tail -n 2 "$d/cdnctl.log" | tr '\n' ' ')"; return 1; }
	ORIGIN_KEYS=()
	for ((i = 1; i <= $1; i++)); do
		ORIGIN_KEYS[i]=$(printf 'benchkey-%d-%04x%04x%04x' "$i" $RANDOM $RANDOM $RANDOM)
		ctl key add --customer bench --stream "s$i" --key "${ORIGIN_KEYS[i]}" >>"$d/cdnctl.log" 2>&1 ||
			{ SRV_ERR="cdnctl key add s$i failed: $(tail -n 2 "$d/cdnctl.log" | tr '\n' ' ')"; return 1; }
	done
}

ctl() {
	timeout 20 "$CDNCTL_BIN" -u "http://127.0.0.1:$HTTP_PORT" --token-file "$SRV_DIR/data/admin.token" "$@"
}

origin_url() { echo "http://127.0.0.1:$HTTP_PORT/hls/s$1/index.m3u8"; }
origin_rtmp() { echo "rtmp://127.0.0.1:$RTMP_PORT/live/${ORIGIN_KEYS[$1]}"; }

# server_pids: the server's processes (nginx: master and its workers).
server_pids() {
	local kids
	alive "$SRV_PID" || return 0
	echo "$SRV_PID"
	kids=$(pgrep -P "$SRV_PID" 2>/dev/null) && echo "$kids"
}

# stop_server NAME: SIGTERM, bounded wait; sets SRV_EXIT (exit status or
# "killed") and SRV_STOP_S.
stop_server() {
	local kids t0 st p
	kids=$(pgrep -P "$SRV_PID" 2>/dev/null)
	t0=$(now)
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
	SRV_STOP_S=$(calc "printf \"%.2f\", $(now) - $t0")
	untrack "$SRV_PID"
	for p in $kids; do   # nginx workers: gone with the master, or orphaned
		alive "$p" && { kill -TERM "$p" 2>/dev/null; wait_gone "$p" 30 || kill -KILL "$p" 2>/dev/null; }
	done
}

# --- results --------------------------------------------------------------------
declare -A R=()
RUN_FAILED=0

# stats_of FILE: "min median max" of the numbers in FILE (one per line).
stats_of() {
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan nan nan"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f %.3f %.3f\n", v[1], m, v[NR] }'
}

# run_one SERVER N
run_one() {
	local srv=$1 n=$2 d i lat_file res_file list_file
	local base_rss ready_file poll_pid
	local -a PUB=() T_START=()
	local label
	[ "$srv" = nginx ] && label="nginx-rtmp" || label="cdn-origin"
	echo
	note "=== $label, $n stream(s) ==="
	R[$srv,$n,status]="ok"
	if ! "start_$srv" "$n"; then
		note "FAILED: $SRV_ERR"
		R[$srv,$n,status]="FAILED: $SRV_ERR"
		RUN_FAILED=1
		[ -n "$SRV_PID" ] && stop_server
		return
	fi
	d=$SRV_DIR
	note "$label pid $SRV_PID, rtmp :$RTMP_PORT, http :$HTTP_PORT"
	sleep 1
	# shellcheck disable=SC2046
	base_rss=$(sum_rss_kb $(server_pids))

	list_file=$d/streams.txt
	: >"$list_file"
	for ((i = 1; i <= n; i++)); do
		echo "s$i $("${srv}_url" "$i")" >>"$list_file"
	done

	# Poll from before the first publisher starts; our own start-up is excluded.
	ready_file=$d/poll.ready
	res_file=$d/poll.out
	local poll_timeout=$((PLAYABLE_TIMEOUT_S + (n * STAGGER_MS + 999) / 1000))
	"${RUN[@]}" python3 "$PROBE" first-playable --interval 0.02 --timeout "$poll_timeout" \
		--ready "$ready_file" <"$list_file" >"$res_file" 2>"$d/poll.err" &
	poll_pid=$!
	track "$poll_pid" poller
	for ((i = 0; i < 100; i++)); do
		[ -s "$ready_file" ] && break
		sleep 0.05
	done
	[ -s "$ready_file" ] || note "WARNING: poller not ready after 5 s"

	# Publishers start BENCH_STAGGER_MS apart: 32 ffmpeg start-ups at once
	# (~0.1 s CPU each) would otherwise measure our 2 CPUs, not the server.
	for ((i = 1; i <= n; i++)); do
		[ "$i" -gt 1 ] && [ "$STAGGER_MS" -gt 0 ] && sleep "$(calc "printf \"%.3f\", $STAGGER_MS / 1000")"
		T_START[i]=$(now)
		"${RUN[@]}" ffmpeg -hide_banner -nostdin -loglevel warning -re -stream_loop -1 -i "$INPUT" \
			-c copy -f flv "$("${srv}_rtmp" "$i")" </dev/null >"$d/pub$i.log" 2>&1 &
		PUB[i]=$!
		track "${PUB[i]}" "ffmpeg s$i"
	done
	local t_first=${T_START[1]}

	if ! wait_gone "$poll_pid" $(( (poll_timeout + 15) * 10 )); then
		note "WARNING: poller overran its deadline; stopping it"
	fi
	stop_pid "$poll_pid"

	lat_file=$d/latency.txt
	: >"$lat_file"
	local ok=0 name when polls idx
	while read -r name when polls; do
		idx=${name#s}
		if [ "$when" = TIMEOUT ]; then
			note "  $name: not playable within ${PLAYABLE_TIMEOUT_S} s ($polls polls)"
			continue
		fi
		ok=$((ok + 1))
		calc "printf \"%.3f\n\", $when - ${T_START[idx]}" >>"$lat_file"
	done <"$res_file"
	R[$srv,$n,playable]=$ok
	read -r R[$srv,$n,lat_min] R[$srv,$n,lat_med] R[$srv,$n,lat_max] <<<"$(stats_of "$lat_file")"
	note "first playable (publish start -> playlist with a 200 segment): $ok/$n streams;" \
		"min ${R[$srv,$n,lat_min]} s, median ${R[$srv,$n,lat_med]} s, max ${R[$srv,$n,lat_max]} s"
	note "  minus the ${SEG_TARGET_S} s target: median $(calc "printf \"%.3f\", ${R[$srv,$n,lat_med]} - $SEG_TARGET_S") s," \
		"max $(calc "printf \"%.3f\", ${R[$srv,$n,lat_max]} - $SEG_TARGET_S") s (target <= $LATENCY_SLACK_S s)"
	if [ "$ok" -eq 0 ]; then
		R[$srv,$n,status]="FAILED: no stream became playable"
		RUN_FAILED=1
		note "publisher log s1: $(tail -n 3 "$d/pub1.log" | tr '\n' ' ')"
		[ "$srv" = origin ] && note "origin log: $(tail -n 5 "$d/origin.log" | tr '\n' ' ')"
		[ "$srv" = nginx ] && note "nginx log: $(tail -n 5 "$d/logs/error.log" | tr '\n' ' ')"
		for ((i = 1; i <= n; i++)); do stop_pid "${PUB[i]}"; done
		stop_server
		return
	fi
	[ "$ok" -lt "$n" ] && { R[$srv,$n,status]="partial: $ok/$n playable"; RUN_FAILED=1; }

	sleep "$WARMUP_S"

	# --- measured window ---
	local spids tk0 tk1 ptk0 ptk1 m0 m1 t0 t1 rss peak=0 r k alive_pubs
	spids=$(server_pids)
	python3 "$PROBE" snapshot <"$list_file" >"$d/snap0.txt" 2>/dev/null
	# shellcheck disable=SC2086
	tk0=$(sum_ticks $spids)
	ptk0=$(sum_ticks "${PUB[@]}")
	m0=$(machine_cpu)
	t0=$(now)
	local steps=$(( (WINDOW_S + SAMPLE_STEP_S - 1) / SAMPLE_STEP_S )) left=$WINDOW_S
	for ((k = 0; k < steps; k++)); do
		sleep $(( left < SAMPLE_STEP_S ? left : SAMPLE_STEP_S ))
		left=$((left - SAMPLE_STEP_S))
		# shellcheck disable=SC2086
		r=$(sum_rss_kb $spids)
		[ "$r" -gt "$peak" ] && peak=$r
		alive "$SRV_PID" || break
	done
	# shellcheck disable=SC2086
	tk1=$(sum_ticks $spids)
	ptk1=$(sum_ticks "${PUB[@]}")
	m1=$(machine_cpu)
	t1=$(now)
	# shellcheck disable=SC2086
	rss=$(sum_rss_kb $spids)
	python3 "$PROBE" snapshot <"$list_file" >"$d/snap1.txt" 2>/dev/null
	alive_pubs=0
	for ((i = 1; i <= n; i++)); do alive "${PUB[i]}" && alive_pubs=$((alive_pubs + 1)); done

	local el media
	el=$(calc "printf \"%.3f\", $t1 - $t0")
	media=$(calc "printf \"%.1f\", $t1 - $t_first")
	R[$srv,$n,cpu]=$(calc "printf \"%.4f\", ($tk1 - $tk0) / $TCK / $n / ($el / 60)")
	R[$srv,$n,pubcpu]=$(calc "printf \"%.4f\", ($ptk1 - $ptk0) / $TCK / $n / ($el / 60)")
	R[$srv,$n,busy]=$(echo "$m0 $m1" | awk '{ dt = $3 - $1; di = $4 - $2; printf "%.1f", (dt > 0 ? 100 * (dt - di) / dt : 0) }')
	# Busy share not spent by the server or the publishers (/proc/stat counts
	# in USER_HZ, like /proc/PID/stat): other load on the machine.
	R[$srv,$n,other]=$(echo "$m0 $m1 $((tk1 - tk0 + ptk1 - ptk0)) $TCK" | awk '{
		dt = $3 - $1; di = $4 - $2; b = $5 * 100 / $6
		printf "%.1f", (dt > 0 ? 100 * (dt - di - b) / dt : 0) }')
	R[$srv,$n,rss_ps]=$(calc "printf \"%.0f\", ($rss - $base_rss) / $n")
	R[$srv,$n,rss_peak_ps]=$(calc "printf \"%.0f\", ($peak - $base_rss) / $n")
	R[$srv,$n,rss_ratio]=$(calc "printf \"%.2f\", ($rss - $base_rss) * 1024 / $n / $WINDOW_BYTES")
	R[$srv,$n,media]=$media
	# Segments produced per stream during the window, from media sequence
	# numbers: ~ window / target when publishers and server keep real time.
	R[$srv,$n,segs]=$(awk '
		NR == FNR { if ($2 == 200 && $3 >= 0) a[$1] = $3 + $4; next }
		($1 in a) && $2 == 200 && $3 >= 0 { s += $3 + $4 - a[$1]; c++ }
		END { if (c) printf "%.1f", s / c; else print "nan" }' "$d/snap0.txt" "$d/snap1.txt")
	local live_pl
	live_pl=$(awk '$2 == 200 && $4 > 0 { c++ } END { print c + 0 }' "$d/snap1.txt")

	note "window ${el} s (media since first publish: ${media} s); server pids: ${spids//$'\n'/ }"
	note "server CPU: $(calc "printf \"%.2f\", ($tk1 - $tk0) / $TCK") s total," \
		"${R[$srv,$n,cpu]} s per stream per media-minute"
	note "publishers' CPU: ${R[$srv,$n,pubcpu]} s per stream per minute; machine busy ${R[$srv,$n,busy]}% of $NCPU CPUs," \
		"of which ${R[$srv,$n,other]}% not this benchmark's server or publishers"
	note "RSS: 0 streams $((base_rss / 1024)) MiB, $n streams $((rss / 1024)) MiB (peak $((peak / 1024)) MiB)" \
		"-> $(calc "printf \"%.2f\", ${R[$srv,$n,rss_ps]} / 1024") MiB per stream," \
		"${R[$srv,$n,rss_ratio]} x window bytes"
	note "segments per stream in window: ${R[$srv,$n,segs]} (expect ~$(calc "printf \"%.1f\", $el / $SEG_TARGET_S"));" \
		"playlists live at end: $live_pl/$n; publishers alive: $alive_pubs/$n"
	if [ "$srv" = nginx ]; then
		note "nginx hls_path holds $(du -sk "$d/hls" 2>/dev/null | awk '{ printf "%.1f", $1 / 1024 }') MiB on disk (not in RSS)"
	fi
	if is_true "${R[$srv,$n,busy]} > $BUSY_WARN_PCT"; then
		note "WARNING: machine was ${R[$srv,$n,busy]}% busy: this run's figures are suspect"
		R[$srv,$n,saturated]=1
	fi
	if ! alive "$SRV_PID"; then
		R[$srv,$n,status]="FAILED: server died during the window"
		RUN_FAILED=1
		note "server died: $(tail -n 5 "$d/origin.log" "$d/logs/error.log" 2>/dev/null | tr '\n' ' ')"
	elif [ "$alive_pubs" -lt "$n" ] || [ "$live_pl" -lt "$n" ]; then
		R[$srv,$n,status]="degraded: $alive_pubs/$n publishers, $live_pl/$n playlists at end"
		RUN_FAILED=1
	fi

	for ((i = 1; i <= n; i++)); do stop_pid "${PUB[i]}"; done
	stop_server
	note "$label stopped in ${SRV_STOP_S} s, exit: $SRV_EXIT"
	if [ "$srv" = origin ] && [ "$SRV_EXIT" != 0 ]; then
		note "WARNING: cdn-origin did not exit cleanly on SIGTERM: $(tail -n 3 "$d/origin.log" | tr '\n' ' ')"
		R[$srv,$n,status]="${R[$srv,$n,status]}; unclean exit"
		RUN_FAILED=1
	fi
	if [ "$srv" = origin ]; then
		local errs
		errs=$(grep -ciE 'error|assert|abort|sanitizer' "$d/origin.log")
		[ "$errs" -gt 0 ] && note "cdn-origin log has $errs error-looking lines, e.g.: $(grep -iE 'error|assert|abort|sanitizer' "$d/origin.log" | head -n 3 | tr '\n' ' ')"
	fi
}

T_BEGIN=$(now)
for n in $COUNTS; do
	for srv in $SERVERS; do
		SRV_PID=""
		run_one "$srv" "$n"
	done
done

# --- summary ----------------------------------------------------------------------
get() { echo "${R[$1]:-n/a}"; }
ratio() { # ratio A B: A / B, or n/a
	case "$1$2" in *n/a*|*nan*) echo "n/a"; return;; esac
	calc "if ($2 == 0) print \"n/a\"; else printf \"%.2f\", $1 / $2"
}
row() { printf '%-44s %7s %12s %12s %10s\n' "$@"; }

echo
echo "=== Summary: input $(calc "printf \"%.2f\", $IN_BPS / 1e6") Mbit/s 1280x720 25 fps GOP 2 s;" \
	"window ${WINDOW_S} s; total run $(calc "printf \"%.0f\", $(now) - $T_BEGIN") s ==="
row "metric" "streams" "cdn-origin" "nginx-rtmp" "ours/nginx"
for n in $COUNTS; do
	row "server CPU s / stream / media-minute" "$n" "$(get origin,$n,cpu)" "$(get nginx,$n,cpu)" \
		"$(ratio "$(get origin,$n,cpu)" "$(get nginx,$n,cpu)")"
done
for n in $COUNTS; do
	row "first playable, median (s)" "$n" "$(get origin,$n,lat_med)" "$(get nginx,$n,lat_med)" \
		"$(ratio "$(get origin,$n,lat_med)" "$(get nginx,$n,lat_med)")"
	row "first playable, max (s)" "$n" "$(get origin,$n,lat_max)" "$(get nginx,$n,lat_max)" \
		"$(ratio "$(get origin,$n,lat_max)" "$(get nginx,$n,lat_max)")"
done
minus_target() { case $1 in n/a|nan) echo n/a;; *) calc "printf \"%.3f\", $1 - $SEG_TARGET_S";; esac; }
for n in $COUNTS; do
	row "first playable - ${SEG_TARGET_S} s target, median (s)" "$n" \
		"$(minus_target "$(get origin,$n,lat_med)")" "$(minus_target "$(get nginx,$n,lat_med)")" ""
done
kib_to_mib() { case $1 in n/a) echo n/a;; *) calc "printf \"%.2f\", $1 / 1024";; esac; }
for n in $COUNTS; do
	row "RSS growth per stream (MiB)" "$n" "$(kib_to_mib "$(get origin,$n,rss_ps)")" \
		"$(kib_to_mib "$(get nginx,$n,rss_ps)")" \
		"$(ratio "$(get origin,$n,rss_ps)" "$(get nginx,$n,rss_ps)")"
done
for n in $COUNTS; do
	row "RSS per stream / window bytes" "$n" "$(get origin,$n,rss_ratio)" "$(get nginx,$n,rss_ratio)" ""
done
for n in $COUNTS; do
	row "publishers' CPU s / stream / minute" "$n" "$(get origin,$n,pubcpu)" "$(get nginx,$n,pubcpu)" ""
	row "machine busy % during window" "$n" "$(get origin,$n,busy)" "$(get nginx,$n,busy)" ""
	row "  of which other load %" "$n" "$(get origin,$n,other)" "$(get nginx,$n,other)" ""
done
for n in $COUNTS; do
	for srv in origin nginx; do
		case $SERVERS in *$srv*) ;; *) continue;; esac
		st=$(get "$srv,$n,status")
		[ "$st" = ok ] || echo "run $srv/$n: $st"
	done
done
echo "(nginx keeps its segments in files under hls_path, so its RSS excludes them; the RSS target applies to cdn-origin.)"

echo
echo "=== Verdicts ==="
# Latency: worst median over the counts, minus the target, against the slack.
verdict_latency() {
	local srv=$1 label=$2 worst="" n v
	for n in $COUNTS; do
		v=$(get "$srv,$n,lat_med")
		case $v in n/a|nan) continue;; esac
		if [ -z "$worst" ] || is_true "$v > $worst"; then worst=$v; fi
	done
	if [ -z "$worst" ]; then echo "$label: first segment playable within ${SEG_TARGET_S} s + $LATENCY_SLACK_S s of the first keyframe: NO DATA"; return 1; fi
	v=$(calc "printf \"%.3f\", $worst - $SEG_TARGET_S")
	if is_true "$v <= $LATENCY_SLACK_S"; then
		echo "$label: first segment playable within ${SEG_TARGET_S} s + $LATENCY_SLACK_S s of the first keyframe: PASS (worst median $worst s = target + $v s)"
	else
		echo "$label: first segment playable within ${SEG_TARGET_S} s + $LATENCY_SLACK_S s of the first keyframe: FAIL (worst median $worst s = target + $v s)"
		return 1
	fi
}
VERDICT_FAIL=0
last_n=""
for n in $COUNTS; do last_n=$n; done
case $SERVERS in *origin*)
	verdict_latency origin "cdn-origin" || VERDICT_FAIL=1
	v=$(get "origin,$last_n,rss_ratio")
	steady=""
	is_true "$WINDOW_S + $WARMUP_S < 45" &&
		steady=" (short window: segment_grace may not be filled yet, not steady state)"
	if [ "$v" = n/a ]; then
		echo "cdn-origin: RSS per live stream < $RSS_RATIO_TARGET x window bytes: NO DATA"; VERDICT_FAIL=1
	elif is_true "$v < $RSS_RATIO_TARGET"; then
		echo "cdn-origin: RSS per live stream < $RSS_RATIO_TARGET x window bytes: PASS ($v x at $last_n streams)$steady"
	else
		echo "cdn-origin: RSS per live stream < $RSS_RATIO_TARGET x window bytes: FAIL ($v x at $last_n streams)$steady"
		VERDICT_FAIL=1
	fi
esac
case $SERVERS in *nginx*) verdict_latency nginx "nginx-rtmp (reference)";; esac
case $SERVERS in *origin*nginx*|*nginx*origin*)
	v=$(ratio "$(get origin,$last_n,cpu)" "$(get nginx,$last_n,cpu)")
	echo "CPU per stream at $last_n streams, cdn-origin / nginx-rtmp: $v (below 1: cdn-origin is cheaper)"
esac
sat=0
for k in "${!R[@]}"; do case $k in *,saturated) sat=1;; esac; done
[ "$sat" = 1 ] && echo "WARNING: the machine was saturated (>${BUSY_WARN_PCT}% busy) in at least one run: those figures are suspect"

[ "$RUN_FAILED" = 1 ] && { echo "bench: at least one run failed or degraded (see above)"; exit 1; }
[ "$STRICT" = 1 ] && [ "$VERDICT_FAIL" = 1 ] && exit 3
exit 0
