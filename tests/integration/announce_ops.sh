#!/bin/sh
# announce_ops: cdn-announce as an operator meets it, on loopback only (the
# BGP behaviour against BIRD is announce_bgp.sh, in network namespaces):
#   - -t refuses what is missing or malformed, naming the setting; prints
#     the effective config, which -t reads back unchanged;
#   - it runs with a peer that is down: retries with backoff, logs each
#     state change, /healthz and /metrics answer;
#   - cdnctl: announce status, drain / undrain (the drain file appears and
#     goes, /metrics follows), blackhole add / del, errors for bad input and
#     for an announcer that is not there;
#   - health: a dead health URL keeps the prefixes withdrawn; a live one
#     announces them after `rise` checks;
#   - SIGTERM: clean exit, the control socket removed.
. "$top_srcdir/tests/lib/itest.sh"
need curl python3
ANN="$top_builddir/announce/cdn-announce"
CTL="$top_builddir/tools/cdnctl"
[ -x "$ANN" ] || { echo "FAIL: $ANN was not built"; echo "0 passed, 1 failed"; exit 1; }

# ---- -t ------------------------------------------------------------------------
"$ANN" -t >"$T_DIR/t0.out" 2>&1
check "-t without router_id, peer or prefix fails" test $? -ne 0
check "and names what is missing" grep -qE 'router_id|peer|prefix' "$T_DIR/t0.out"
BASE="-o router_id=192.0.2.2 -o local_as=65010 -o prefix=203.0.113.10/32"
# shellcheck disable=SC2086
"$ANN" -t $BASE -o 'peer=192.0.2.1 as 65000 hold 2' >"$T_DIR/t1.out" 2>&1
check "a hold time of 2 is refused (RFC 4271 4.2)" test $? -ne 0
check "naming the peer" grep -q 'peer 192.0.2.1' "$T_DIR/t1.out"
# shellcheck disable=SC2086
"$ANN" -t $BASE -o 'peer=192.0.2.1 as 65000' -o prefix=203.0.113.11/24 >"$T_DIR/t2.out" 2>&1
check "a prefix with host bits is refused" sh -c "test $? -ne 0 && grep -q 'prefix 203.0.113.11/24' '$T_DIR/t2.out'"
# shellcheck disable=SC2086
"$ANN" -t $BASE -o 'peer=192.0.2.1 as 65000' -o community=65536:1 >"$T_DIR/t3.out" 2>&1
check "a bad community is refused" sh -c "test $? -ne 0 && grep -q 'community 65536:1' '$T_DIR/t3.out'"
# shellcheck disable=SC2086
"$ANN" -t $BASE -o 'peer=192.0.2.1 as 65000' -o community=65010:100 >"$T_DIR/ok.conf" 2>"$T_DIR/ok.err"
check "-t accepts a good config" grep -q 'configuration ok' "$T_DIR/ok.err"
"$ANN" -t -c "$T_DIR/ok.conf" >"$T_DIR/ok2.conf" 2>/dev/null
check "the printed config reads back to the same config" cmp -s "$T_DIR/ok.conf" "$T_DIR/ok2.conf"
check "graceful_restart is off by default" grep -q '^graceful_restart no' "$T_DIR/ok.conf"

# ---- running with a peer that is down ------------------------------------------------
HP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SOCK="$T_DIR/ctl.sock"
DRAIN="$T_DIR/edge.drain"
mkdir -p "$T_DIR/www"
echo ok >"$T_DIR/www/healthz"
# shellcheck disable=SC2086
"$ANN" $BASE -o "peer=127.0.0.1 as 65000 port $DEAD" -o "health_url=http://127.0.0.1:$HP/healthz" \
	-o health_interval=200ms -o rise=2 -o fall=2 -o "drain_file=$DRAIN" -o "control_socket=$SOCK" \
	-o http_listen=127.0.0.1:0 -o connect_retry=200ms >"$T_DIR/ann.log" 2>&1 &
APID=$!
track $APID
check "cdn-announce starts" wait_until 5 grep -q 'HTTP on port' "$T_DIR/ann.log"
MP=$(sed -n 's/.*HTTP on port \([0-9]*\).*/\1/p' "$T_DIR/ann.log" | head -1)
AURL="http://127.0.0.1:$MP"
check "it retries the down peer, with backoff" wait_until 5 sh -c "test \$(grep -c 'Idle -> Connect' '$T_DIR/ann.log') -ge 3"
check "each failure is logged with its reason" grep -q 'connect: Connection refused' "$T_DIR/ann.log"
check "/healthz answers JSON" sh -c "curl -sf '$AURL/healthz' | grep -q '\"role\":\"announce\"'"
check "/metrics: the peer is down" sh -c "curl -sf '$AURL/metrics' | grep -q '^cdn_announce_peer_up{peer=\"127.0.0.1\"} 0'"
check "a POST to /metrics is 405" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$AURL/metrics")" = 405

# ---- health ---------------------------------------------------------------------------
sleep 0.6
check "with the health URL dead: not healthy, not announced" \
	sh -c "curl -sf '$AURL/metrics' | grep -q '^cdn_announce_healthy 0' && curl -sf '$AURL/metrics' | grep -q '^cdn_announce_announced 0'"
( cd "$T_DIR/www" && exec python3 -m http.server "$HP" --bind 127.0.0.1 ) >/dev/null 2>&1 &
WPID=$!
track $WPID
healthy() { curl -sf "$AURL/metrics" | grep -q '^cdn_announce_announced 1'; }
check "with the health URL up: announced after rise checks" wait_until 8 healthy
check "the verdict change is logged" grep -q 'health: healthy after 2 successes' "$T_DIR/ann.log"

# ---- cdnctl ------------------------------------------------------------------------------
"$CTL" --announce-socket "$SOCK" announce status >"$T_DIR/status.out" 2>&1
check "cdnctl announce status works" test $? -eq 0
check "it lists the peer and its state" grep -qE '^127\.0\.0\.1 +65000 +(Idle|Connect)' "$T_DIR/status.out"
check "it lists the prefix" grep -q '203.0.113.10/32' "$T_DIR/status.out"
check "--json gives the document" sh -c "'$CTL' --announce-socket '$SOCK' --json announce status | grep -q '\"peers\":\\['"
check "cdnctl drain" sh -c "'$CTL' --announce-socket '$SOCK' drain | grep -q draining"
check "the drain file appears (the edge's /healthz reads it)" test -f "$DRAIN"
check "/metrics shows the drain" sh -c "curl -sf '$AURL/metrics' | grep -q '^cdn_announce_draining 1'"
check "cdnctl undrain" sh -c "'$CTL' --announce-socket '$SOCK' undrain | grep -q undrained"
check "the drain file is gone" test ! -e "$DRAIN"
touch "$DRAIN"
drained() { curl -sf "$AURL/metrics" | grep -q '^cdn_announce_draining 1'; }
check "creating the drain file drains (inotify)" wait_until 2 drained
rm -f "$DRAIN"
undrained() { curl -sf "$AURL/metrics" | grep -q '^cdn_announce_draining 0'; }
check "removing it undrains" wait_until 2 undrained
check "the drain is logged" grep -q 'drain: started (drain file)' "$T_DIR/ann.log"
check "blackhole add" sh -c "'$CTL' --announce-socket '$SOCK' blackhole add 203.0.113.77/32 --for 10m | grep -q blackholed"
check "/metrics counts it" sh -c "curl -sf '$AURL/metrics' | grep -q '^cdn_announce_blackholes 1'"
check "status shows it with its expiry" sh -c "'$CTL' --announce-socket '$SOCK' announce status | grep -q '203.0.113.77/32  expires in 600s'"
check "blackhole del" sh -c "'$CTL' --announce-socket '$SOCK' blackhole del 203.0.113.77/32 | grep -q withdrawn"
"$CTL" --announce-socket "$SOCK" blackhole del 203.0.113.77/32 >"$T_DIR/e1" 2>&1
check "deleting it again: an error, exit 1" sh -c "test $? -eq 1 && grep -q 'no such blackhole' '$T_DIR/e1'"
"$CTL" --announce-socket "$SOCK" blackhole add 203.0.113.77/32 >"$T_DIR/e2" 2>&1
check "blackhole add without --for: usage error, exit 2" sh -c "test $? -eq 2 && grep -q -- '--for' '$T_DIR/e2'"
"$CTL" --announce-socket "$SOCK" blackhole add 203.0.113.77/24 --for 1m >"$T_DIR/e3" 2>&1
check "a bad prefix: refused by the announcer" sh -c "test $? -eq 1 && grep -q 'bad prefix' '$T_DIR/e3'"
"$CTL" --announce-socket "$T_DIR/nope.sock" announce status >"$T_DIR/e4" 2>&1
check "no announcer at the socket: a clear error" sh -c "test $? -eq 1 && grep -q 'cannot reach cdn-announce' '$T_DIR/e4'"
printf 'frobnicate\n' | python3 -c "
import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read())
print(s.recv(4096).decode())" "$SOCK" >"$T_DIR/raw.out" 2>&1
check "an unknown control command gets ok:false" grep -q '"ok":false' "$T_DIR/raw.out"
python3 -c "
import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b'x'*5000)
try:
    d=s.recv(100)
except Exception:
    d=b''
print('closed' if d==b'' else 'answered')" "$SOCK" >"$T_DIR/long.out" 2>&1
check "an over-long control line is cut off" grep -q closed "$T_DIR/long.out"
check "the announcer is still running" kill -0 "$APID"

# ---- SIGTERM --------------------------------------------------------------------------------
kill -TERM "$APID"
stopped() { ! kill -0 "$APID" 2>/dev/null; }
check "SIGTERM stops it within 3 s" wait_until 3 stopped
check "it logged a clean stop" grep -q 'stopped' "$T_DIR/ann.log"
check "the control socket is removed" test ! -e "$SOCK"
check "no sanitizer report" sh -c "! grep -Eqi 'sanitizer|runtime error' '$T_DIR/ann.log'"
t_done
