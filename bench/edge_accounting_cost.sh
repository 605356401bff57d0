#!/usr/bin/env bash
# edge_accounting_cost.sh - what per-customer accounting costs cdn-edge on hot
# hits, in one run: the same binary with -o accounting=yes and =no, in
# alternating rounds (so drift of the machine hits both alike), wrk -t2 -c64
# on a cached 1 MiB object and on a cached playlist. The synthetic origin
# (bench_origin.py --customer) names the owner in X-CDN-Customer, so with
# accounting on every response is really counted.
#
# Prints requests/s per round, the medians and the ratio on/off; the target
# is a cost of at most 3 %. Everything on 127.0.0.1; every process started
# here is tracked by PID and stopped in a trap; every loop is bounded.
#
#   BENCH_ROUNDS (5)  BENCH_SECONDS (10)  BENCH_QUICK=1 (2 rounds of 3 s)
#   EDGE_BIN (_build/edge/cdn-edge)  BENCH_STRICT=1: exit 3 when over 3 %
set -u -o pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$SCRIPT_DIR/.." && pwd)
if [ "${BENCH_QUICK:-0}" = 1 ]; then DEF_ROUNDS=2; DEF_S=3; else DEF_ROUNDS=5; DEF_S=10; fi
ROUNDS=${BENCH_ROUNDS:-$DEF_ROUNDS}
SECS=${BENCH_SECONDS:-$DEF_S}
EDGE_BIN=${EDGE_BIN:-$TOP/${BUILD_DIR:-_build}/edge/cdn-edge}
TARGET_PCT=3

die() { echo "edge_accounting_cost: $*" >&2; exit 2; }
[ -x "$EDGE_BIN" ] || die "$EDGE_BIN missing: run scripts/setup"
command -v wrk >/dev/null || {
	[ "$(id -u)" -eq 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
	command -v wrk >/dev/null || die "wrk missing: apt-get install wrk"
}
case "$ROUNDS$SECS" in *[!0-9]*) die "BENCH_ROUNDS and BENCH_SECONDS are numbers";; esac
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 50 ] && [ "$SECS" -ge 1 ] && [ "$SECS" -le 300 ] ||
	die "BENCH_ROUNDS 1..50, BENCH_SECONDS 1..300"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cdn-acct-bench.XXXXXX")
PIDS=""
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $PIDS; do
		i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

OPORT=$(free_port)
python3 "$SCRIPT_DIR/bench_origin.py" --port "$OPORT" --customer acme \
	--max-seconds $((ROUNDS * SECS * 6 + 300)) --ready "$TMP/origin.ready" 2>"$TMP/origin.log" &
PIDS="$PIDS $!"
i=0; while [ ! -s "$TMP/origin.ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$TMP/origin.ready" ] || die "the synthetic origin did not start"

# start_edge NAME on|off: sets EPORT and EPID
start_edge() {
	EPORT=$(free_port)
	"$EDGE_BIN" -o http_listen=127.0.0.1:"$EPORT" -o upstream=http://127.0.0.1:"$OPORT" \
		-o accounting="$2" -o accounting_db="$TMP/$1.db" -o node_name="$1" \
		-o access_log=off -o log_level=warn -o drain_file="$TMP/$1.drain" \
		-o http_threads=2 2>"$TMP/$1.log" &
	EPID=$!
	PIDS="$PIDS $EPID"
	i=0
	until curl -sf -o /dev/null "http://127.0.0.1:$EPORT/healthz" || [ $i -ge 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	# warm both objects
	curl -sf -o /dev/null "http://127.0.0.1:$EPORT/static/hot.bin" &&
		curl -sf -o /dev/null "http://127.0.0.1:$EPORT/static/hot.m3u8" ||
		die "edge $1 does not serve (see $TMP/$1.log)"
}

start_edge acct-on yes; ON_PORT=$EPORT; ON_PID=$EPID
start_edge acct-off no; OFF_PORT=$EPORT

rps() { # rps PORT PATH
	wrk -t2 -c64 -d"${SECS}s" --latency "http://127.0.0.1:$1$2" 2>/dev/null |
		awk '/^Requests\/sec:/ { print $2 }'
}

echo "[bench] cdn-edge hot hits, accounting on vs off: $ROUNDS rounds x ${SECS}s, wrk -t2 -c64"
echo "[bench] (wrk and the edge share this machine's $(nproc) cores)"
: >"$TMP/obj.on"; : >"$TMP/obj.off"; : >"$TMP/pl.on"; : >"$TMP/pl.off"
r=1
while [ $r -le "$ROUNDS" ]; do
	# Alternate which goes first, so neither always runs on a warmer machine.
	if [ $((r % 2)) -eq 1 ]; then order="on off"; else order="off on"; fi
	for w in $order; do
		if [ "$w" = on ]; then p=$ON_PORT; else p=$OFF_PORT; fi
		o=$(rps "$p" /static/hot.bin); l=$(rps "$p" /static/hot.m3u8)
		echo "$o" >>"$TMP/obj.$w"; echo "$l" >>"$TMP/pl.$w"
		echo "[bench] round $r accounting $w: 1 MiB object $o req/s, playlist $l req/s"
	done
	r=$((r + 1))
done

median() { sort -n "$1" | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mo_on=$(median "$TMP/obj.on"); mo_off=$(median "$TMP/obj.off")
ml_on=$(median "$TMP/pl.on"); ml_off=$(median "$TMP/pl.off")

# Proof that accounting counted during the "on" runs: its spool has bytes.
kill -TERM "$ON_PID" 2>/dev/null
i=0; while kill -0 "$ON_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
counted=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select coalesce(sum(bytes_out),0) from spool").fetchone()[0])' "$TMP/acct-on.db" 2>/dev/null || echo 0)

echo
printf '%-34s %14s %14s %8s\n' "metric (median of $ROUNDS)" "accounting on" "accounting off" "on/off"
printf '%-34s %14s %14s %8.3f\n' "hot 1 MiB object: req/s" "$mo_on" "$mo_off" "$(echo "$mo_on $mo_off" | awk '{ print $1 / $2 }')"
printf '%-34s %14s %14s %8.3f\n' "hot playlist: req/s" "$ml_on" "$ml_off" "$(echo "$ml_on $ml_off" | awk '{ print $1 / $2 }')"
echo "bytes the accounting-on edge counted for customer acme: $counted"
echo
worst=$(echo "$mo_on $mo_off $ml_on $ml_off" | awk '{ a = 100 * (1 - $1 / $2); b = 100 * (1 - $3 / $4); print (a > b ? a : b) }')
verdict=$(echo "$worst $TARGET_PCT" | awk '{ print ($1 <= $2 ? "PASS" : "FAIL") }')
echo "=== Verdict ==="
echo "accounting cost on hot hits <= ${TARGET_PCT} %: $verdict (worst of the two: $(printf '%.1f' "$worst") %)"
[ "$counted" -gt 0 ] || { echo "accounting counted nothing: the comparison is void"; exit 1; }
[ "$verdict" = PASS ] || [ "${BENCH_STRICT:-0}" != 1 ] || exit 3
exit 0
