# itest.sh: helpers for the integration tests (sourced by tests/integration/*.sh).
#
# Real parts only: the built cdn-origin and cdnctl, ffmpeg as the broadcaster,
# ffprobe and ffmpeg as the player, curl as the HTTP client, all on loopback.
# Daemons listen on port 0 and the test reads the ports from their log, so
# tests never race for ports. Every process a test starts is recorded and
# stopped by PID when the test exits. Every wait is bounded.
#
# A check that fails records the failure and the test goes on where it can;
# the test ends with "N passed, N failed" and exits non-zero on any failure.

set -u
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
FFMPEG=${FFMPEG:-ffmpeg}
FFPROBE=${FFPROBE:-ffprobe}
ORIGIN_BIN="$top_builddir/origin/cdn-origin"
CDNCTL_BIN="$top_builddir/tools/cdnctl"

T_PASSED=0
T_FAILED=0
T_PIDS=""
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cdn-itest.XXXXXX")

need() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || {
			echo "FAIL: '$c' is not installed (apt-get install $(case $c in ffprobe) echo ffmpeg;; *) echo "$c";; esac)); scripts/setup installs it" >&2
			echo "0 passed, 1 failed"
			exit 1
		}
	done
}

ok() { T_PASSED=$((T_PASSED + 1)); echo "ok   $*"; }
bad() { T_FAILED=$((T_FAILED + 1)); echo "FAIL $*"; }
# check "description" command...: passes when the command succeeds
check() {
	d=$1; shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}

track() { T_PIDS="$T_PIDS $1"; }

stop_pid() {
	# stop_pid PID [signal]: stop one process we started, wait for it (bounded)
	p=$1; sig=${2:-TERM}
	kill -s "$sig" "$p" 2>/dev/null || return 0
	i=0
	while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -s KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}

t_cleanup() {
	for p in $T_PIDS; do kill -s TERM "$p" 2>/dev/null || true; done
	sleep 0.3
	for p in $T_PIDS; do kill -s KILL "$p" 2>/dev/null || true; done
	if [ "$T_FAILED" -eq 0 ] && [ -z "${KEEP_TMP:-}" ]; then rm -rf "$T_DIR"; else echo "artifacts kept in $T_DIR"; fi
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

t_done() {
	echo "$T_PASSED passed, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ]
	exit $?
}

# wait_until SECONDS command...: poll every 0.1 s
wait_until() {
	limit=$(( $1 * 10 )); shift
	i=0
	while [ $i -lt $limit ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

# start_origin NAME [-o k=v ...]: sets ORIGIN_PID, RTMP_PORT, HTTP_PORT, SRT_PORT,
# ORIGIN_URL, ORIGIN_LOG, ORIGIN_DATA, TOKEN_FILE
start_origin() {
	name=$1; shift
	ORIGIN_DATA="$T_DIR/$name"
	ORIGIN_LOG="$T_DIR/$name.log"
	mkdir -p "$ORIGIN_DATA"
	# Empty the log first: a restart under the same name must not find the
	# previous run's "HTTP on port" line before the child truncates the file.
	: >"$ORIGIN_LOG"
	"$ORIGIN_BIN" -o rtmp_listen=127.0.0.1:0 -o http_listen=127.0.0.1:0 \
		-o srt_listen=127.0.0.1:0 -o data_dir="$ORIGIN_DATA" "$@" >"$ORIGIN_LOG" 2>&1 &
	ORIGIN_PID=$!
	track $ORIGIN_PID
	if ! wait_until 10 grep -q "HTTP on port [0-9]" "$ORIGIN_LOG"; then
		echo "origin did not start:"; cat "$ORIGIN_LOG"
		bad "origin starts"; t_done
	fi
	RTMP_PORT=$(sed -n 's/.*RTMP on port \([0-9]*\).*/\1/p' "$ORIGIN_LOG" | head -1)
	HTTP_PORT=$(sed -n 's/.*HTTP on port \([0-9]*\).*/\1/p' "$ORIGIN_LOG" | head -1)
	SRT_PORT=$(sed -n 's/.*SRT on port \([0-9]*\).*/\1/p' "$ORIGIN_LOG" | head -1)
	ORIGIN_URL="http://127.0.0.1:$HTTP_PORT"
	TOKEN_FILE="$ORIGIN_DATA/admin.token"
}

cdnctl() { "$CDNCTL_BIN" -u "$ORIGIN_URL" --token-file "$TOKEN_FILE" "$@"; }

# new_key CUSTOMER STREAM: prints the new secret key (creates the customer if needed)
new_key() {
	cdnctl customer add "$1" >/dev/null 2>&1 || true
	cdnctl --json key add --customer "$1" --stream "$2" |
		sed -n 's/.*"key" *: *"\([^"]*\)".*/\1/p'
}

# make_media FILE SECONDS [extra ffmpeg output args]: H.264 (keyframe every 2 s) + AAC in FLV
make_media() {
	out=$1; secs=$2; shift 2
	"$FFMPEG" -nostdin -loglevel error -y -f lavfi -i "testsrc2=size=320x240:rate=25" \
		-f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$secs" \
		-c:v libx264 -preset veryfast -tune zerolatency -g 50 -keyint_min 50 -sc_threshold 0 \
		-pix_fmt yuv420p -c:a aac -b:a 64k "$@" -f flv "$out"
}

# publish_file FILE KEY [ffmpeg input opts]: ffmpeg -re -c copy to the origin; sets PUB_PID
publish_file() {
	f=$1; key=$2; shift 2
	"$FFMPEG" -nostdin -loglevel warning -re "$@" -i "$f" -c copy -f flv \
		"rtmp://127.0.0.1:$RTMP_PORT/live/$key" >"$T_DIR/pub.$$.$(date +%s%N).log" 2>&1 &
	PUB_PID=$!
	track $PUB_PID
}

# publish_live KEY SECONDS: a live libx264 encode; sets PUB_PID
publish_live() {
	key=$1; secs=$2
	"$FFMPEG" -nostdin -loglevel warning -re -f lavfi -i "testsrc2=size=320x240:rate=25" \
		-f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$secs" \
		-c:v libx264 -preset veryfast -tune zerolatency -g 50 -keyint_min 50 -sc_threshold 0 \
		-pix_fmt yuv420p -c:a aac -b:a 64k -f flv \
		"rtmp://127.0.0.1:$RTMP_PORT/live/$key" >"$T_DIR/live.$$.$(date +%s%N).log" 2>&1 &
	PUB_PID=$!
	track $PUB_PID
}

# http_code URL: prints the status code
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1"; }
# has_segments URL: the playlist lists at least one segment
has_segments() { curl -sf --max-time 5 "$1" | grep -q '^#EXTINF'; }

# start_edge NAME UPSTREAM_URL [-o k=v ...]: sets EDGE_PID, EDGE_PORT, EDGE_URL,
# EDGE_LOG (stderr: events) and EDGE_ACCESS (stdout: the access log). The
# drain file is in the test's own directory.
EDGE_BIN="$top_builddir/edge/cdn-edge"
start_edge() {
	name=$1; up=$2; shift 2
	EDGE_LOG="$T_DIR/$name.log"
	EDGE_ACCESS="$T_DIR/$name.access"
	: >"$EDGE_LOG"
	"$EDGE_BIN" -o http_listen=127.0.0.1:0 -o upstream="$up" \
		-o drain_file="$T_DIR/$name.drain" -o accounting_db="$T_DIR/$name.acct.db" \
		-o node_name="$name" "$@" >"$EDGE_ACCESS" 2>"$EDGE_LOG" &
	EDGE_PID=$!
	track $EDGE_PID
	if ! wait_until 10 grep -q "HTTP on port [0-9]" "$EDGE_LOG"; then
		echo "edge did not start:"; cat "$EDGE_LOG"
		bad "edge $name starts"; t_done
	fi
	EDGE_PORT=$(sed -n 's/.*HTTP on port \([0-9]*\).*/\1/p' "$EDGE_LOG" | head -1)
	EDGE_URL="http://127.0.0.1:$EDGE_PORT"
}

# metric_at URL NAME: the value of one Prometheus sample (0 when absent)
metric_at() {
	v=$(curl -s --max-time 5 "$1/metrics" | awk -v n="$2" '$1 == n { print $2; exit }')
	echo "${v:-0}"
}

# browser_run NAME SCRIPT [ENV=VALUE ...]: run a tests/browser/ script (node,
# playwright-core, Debian chromium), bounded to BROWSER_TIMEOUT seconds, and
# count its "ok"/"FAIL" lines as checks. Its output is in $T_DIR/NAME.out;
# screenshots go to tests/artifacts/ in the build tree.
BROWSER_TIMEOUT=${BROWSER_TIMEOUT:-300}
browser_run() {
	bname=$1; script=$2; shift 2
	ART_DIR="$top_builddir/tests/artifacts"
	mkdir -p "$ART_DIR"
	env "$@" ARTIFACTS="$ART_DIR" FFMPEG="$FFMPEG" timeout -k 5 "$BROWSER_TIMEOUT" \
		node "$top_srcdir/tests/browser/$script" >"$T_DIR/$bname.out" 2>&1 &
	bpid=$!
	track $bpid
	wait $bpid
	brc=$?
	while IFS= read -r line; do
		case $line in
		"ok   "*) ok "${line#ok   }" ;;
		"FAIL "*) bad "${line#FAIL }" ;;
		"# "*) echo "$line" ;;
		esac
	done <"$T_DIR/$bname.out"
	if [ "$brc" -ne 0 ] && ! grep -q '^FAIL ' "$T_DIR/$bname.out"; then
		bad "$script exited $brc without a failed check:"; tail -30 "$T_DIR/$bname.out"
	fi
	if grep -q '^FAIL ' "$T_DIR/$bname.out"; then
		echo "---- $bname output"; tail -40 "$T_DIR/$bname.out"
	fi
}
