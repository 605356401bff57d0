#!/bin/sh
# announce_md5: the TCP MD5 signature option (RFC 2385) of a cdn-announce
# peer, against BIRD 2 on loopback (its own config, control socket and pid
# file in the test dir; passive, on a port of its own).
#   - the right password: Established, the prefix arrives;
#   - a wrong password: the kernel drops the unsigned segments, the session
#     never comes up, and the announcer keeps retrying (logged);
#   - no password on our side while BIRD wants one: same.
. "$top_srcdir/tests/lib/itest.sh"
need bird birdc python3
ANN="$top_builddir/announce/cdn-announce"
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (TCP MD5 keys and BIRD)"; echo "0 passed, 1 failed"; exit 1; }

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
BP=$(port)
cat >"$T_DIR/bird.conf" <<EOF
router id 192.0.2.1;
log "$T_DIR/bird.log" all;
protocol device {}
ipv4 table t4;
protocol bgp peer1 {
  local 127.0.0.1 port $BP as 65000;
  neighbor 127.0.0.3 as 65010;
  multihop 2;
  passive on;
  password "s3cret-md5";
  hold time 9;
  ipv4 { table t4; import all; export none; gateway recursive; igp table master4; };
}
EOF
bird -f -c "$T_DIR/bird.conf" -s "$T_DIR/bird.ctl" -P "$T_DIR/bird.pid" >"$T_DIR/bird.out" 2>&1 &
track $!
bird_up() { birdc -s "$T_DIR/bird.ctl" show status 2>/dev/null | grep -q 'Daemon is up'; }
check "BIRD starts" wait_until 5 bird_up
bird_up || { cat "$T_DIR/bird.out"; t_done; }

route_in_bird() { birdc -s "$T_DIR/bird.ctl" show route table t4 2>/dev/null | grep -q '203.0.113.10/32'; }
established() { birdc -s "$T_DIR/bird.ctl" show protocols peer1 2>/dev/null | grep -q Established; }

# A health URL that is always healthy: announce as soon as the session is up.
HP=$(port)
mkdir -p "$T_DIR/www"; echo ok >"$T_DIR/www/index.html"
( cd "$T_DIR/www" && exec python3 -m http.server "$HP" --bind 127.0.0.1 ) >/dev/null 2>&1 &
track $!
# start_ann_ok NAME PEER_EXTRA: one announcer against that BIRD
start_ann_ok() {
	"$ANN" -o router_id=192.0.2.3 -o local_as=65010 -o prefix=203.0.113.10/32 \
		-o "peer=127.0.0.1 as 65000 port $BP source 127.0.0.3 $2" \
		-o health_url="http://127.0.0.1:$HP/" -o rise=1 -o fall=1 -o health_interval=200ms \
		-o drain_file="$T_DIR/$1.drain" -o control_socket="$T_DIR/$1.sock" \
		-o http_listen=127.0.0.1:0 -o connect_retry=300ms >"$T_DIR/$1.log" 2>&1 &
	ANN_PID=$!
	track $ANN_PID
}

# ---- a wrong password ------------------------------------------------------------
start_ann_ok wrong "password not-the-one"
sleep 3
check "a wrong password: the session never comes up" sh -c "! birdc -s '$T_DIR/bird.ctl' show protocols peer1 | grep -q Established"
check "the announcer keeps retrying, and logs why" grep -q 'Idle -> Connect' "$T_DIR/wrong.log"
stop_pid "$ANN_PID"

# ---- no password on our side ----------------------------------------------------------
start_ann_ok none ""
sleep 3
check "no password while BIRD wants one: never up" sh -c "! birdc -s '$T_DIR/bird.ctl' show protocols peer1 | grep -q Established"
stop_pid "$ANN_PID"

# ---- the right password ------------------------------------------------------------------
start_ann_ok right "password s3cret-md5"
check "the right password: Established" wait_until 15 established
check "and the prefix arrives" wait_until 5 route_in_bird
check "the announcer logged Established" grep -q 'OpenConfirm -> Established' "$T_DIR/right.log"
stop_pid "$ANN_PID"
check "no sanitizer report" sh -c "! grep -Eqi 'sanitizer|runtime error' '$T_DIR'/*.log"
t_done
