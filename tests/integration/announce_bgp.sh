#!/bin/sh
# announce_bgp: cdn-announce against a real router (BIRD 2), in network
# namespaces joined to each other by veth pairs and never to the host:
#
#   viewer -- router (BIRD: BGP with both edges, routes into its kernel table)
#               |-- edgeA (anycast 203.0.113.10/32, 2001:db8:c0::10/128; HTTP "A";
#               |          cdn-announce; preferred) -- peer (tests/tools/bgp_peer.py)
#               `-- edgeB (the same anycast addresses; HTTP "B"; cdn-announce, prepend 2)
#
# What is checked, with real TCP, real BGP and real forwarding:
#   - sessions come up (IPv4 and IPv6 transport), BIRD has both paths, the
#     viewer reaches edge A over IPv4 and IPv6; /metrics agrees;
#   - communities and large communities arrive as configured;
#   - a scripted peer sends malformed messages: the right NOTIFICATION comes
#     back (or, for a bad ORIGIN flag, treat-as-withdraw and no reset), while
#     the sessions with the router stay up;
#   - cdnctl drain: GRACEFUL_SHUTDOWN (65535:0) and drain_med, traffic moves
#     to B (timed), the withdrawal follows after drain_grace; undrain moves
#     it back at once (timed); the maintenance file does the same;
#   - cdnctl blackhole add/del: a /32 with BLACKHOLE and NO_EXPORT;
#   - health failure withdraws after `fall`, recovery re-announces after `rise`;
#   - SIGKILL: the route goes at once; SIGSTOP: at hold-timer expiry;
#     SIGTERM: Cease (administrative shutdown) and the route goes.
# Needs root (ip netns). Every process it starts is stopped by PID and every
# namespace it made is deleted when it exits.
. "$top_srcdir/tests/lib/itest.sh"

ANNOUNCE_BIN="$top_builddir/announce/cdn-announce"
TOOLS="$top_srcdir/tests/tools"
V4=203.0.113.10
V6=2001:db8:c0::10
URL4="http://$V4/"
URL6="http://[$V6]/"
DRAIN_GRACE=3
DRAIN_MED=500
HEALTH_INTERVAL=1
RISE=2
FALL=2

# ---- prerequisites: a missing one is a failure that names its package ---------
prereq() {
	# prereq COMMAND DEBIAN-PACKAGE
	command -v "$1" >/dev/null 2>&1 && return 0
	bad "'$1' is not installed (apt-get install $2); scripts/setup installs it"
	t_done
}
prereq ip iproute2
prereq bird bird2
prereq birdc bird2
prereq python3 python3
prereq curl curl
prereq sysctl procps
if [ "$(id -u)" -ne 0 ]; then
	bad "this test needs root (ip netns, veth, BGP port 179): run make check as root"
	t_done
fi
if [ ! -x "$ANNOUNCE_BIN" ] || [ ! -x "$CDNCTL_BIN" ]; then
	bad "cdn-announce or cdnctl is not built ($ANNOUNCE_BIN, $CDNCTL_BIN)"
	t_done
fi

# ---- helpers ----------------------------------------------------------------------
ID=$$
NS_V=cdnbgp$ID-viewer
NS_R=cdnbgp$ID-router
NS_A=cdnbgp$ID-edgeA
NS_B=cdnbgp$ID-edgeB
NS_P=cdnbgp$ID-peer
NSS="$NS_V $NS_R $NS_A $NS_B $NS_P"
NS_MADE=""
BIRD_SOCK="$T_DIR/bird.ctl"
BIRD_LOG="$T_DIR/bird.log"

ab_cleanup() {
	set +e
	# Every process left in our namespaces is one we started (their names
	# hold our PID); a stopped one is woken so that it can take SIGTERM.
	for ns in $NS_MADE; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do T_PIDS="$T_PIDS $p"; done
	done
	for p in $T_PIDS; do kill -s CONT "$p" 2>/dev/null; done
	t_cleanup
	for ns in $NS_MADE; do ip netns del "$ns" 2>/dev/null; done
}
trap ab_cleanup EXIT

nsx() { _ns=$1; shift; ip netns exec "$_ns" "$@"; }
now() { date +%s.%N; }
# elapsed T0 [T1]: seconds from T0 to T1 (default: now), 3 decimals
elapsed() { awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN { printf "%.3f", b - a }'; }
# between X LO HI: LO <= X <= HI (decimal numbers)
between() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x != "" && x + 0 >= lo && x + 0 <= hi) }'; }
# wait_fine SECONDS command...: poll every 0.05 s
wait_fine() {
	limit=$(( $1 * 20 )); shift
	i=0
	while [ $i -lt $limit ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.05; i=$((i + 1))
	done
	return 1
}

bcli() { birdc -s "$BIRD_SOCK" "$@"; }
# established PROTO: BIRD's session PROTO is Established
established() { bcli show protocols "$1" 2>/dev/null | grep -q 'Established'; }
# route PREFIX PROTO: BIRD's route for PREFIX learned from PROTO, all attributes
route() { bcli show route "$1" protocol "$2" all 2>/dev/null; }
has_route() { route "$1" "$2" | grep -q "\[$2 "; }
no_route() { ! has_route "$1" "$2"; }
# best_from PREFIX PROTO: the best (*) route for PREFIX comes from PROTO
best_from() { bcli show route "$1" 2>/dev/null | grep "\[$2 " | grep -q ' \* '; }

# vget URL: the body the viewer gets (empty on error)
vget() { nsx "$NS_V" curl -s --noproxy '*' --connect-timeout 1 --max-time 2 "$1"; }
# reaches URL NAME: the viewer's request to URL is answered by edge NAME
reaches() { [ "$(vget "$1")" = "$2" ]; }
reaches_both() { reaches "$URL4" "$1" && reaches "$URL6" "$1"; }

# metric NS NAME [PEER]: the value of sample NAME from the announcer's /metrics
# inside namespace NS (empty when absent); with PEER, the sample whose peer
# label starts with that address (and not a longer one: 192.0.2.1 is not
# 192.0.2.10)
metric() {
	nsx "$1" curl -s --noproxy '*' --max-time 3 http://127.0.0.1:9180/metrics |
		awk -v n="$2" -v peer="${3:-}" '
		/^#/ { next }
		{ v = $NF; name = substr($0, 1, length($0) - length($NF)); sub(/[ \t]+$/, "", name)
		  labels = ""; b = index(name, "{") }
		b > 0 { labels = substr(name, b); name = substr(name, 1, b - 1) }
		name != n { next }
		peer == "" && labels == "" { print v; exit }
		peer != "" {
			i = index(labels, "peer=\"" peer)
			if (i == 0) next
			c = substr(labels, i + 6 + length(peer), 1)
			if (c ~ /[0-9a-fA-F:.]/) next
			print v; exit
		}'
}

actl() { ctl_sock=$1; shift; "$CDNCTL_BIN" --announce-socket "$ctl_sock" "$@"; }

# start_poll NAME URL WANT: a poller in the viewer namespace fetches URL every
# 20 ms until edge WANT answers; waits for its first answer
start_poll() {
	ip netns exec "$NS_V" python3 -u "$TOOLS/anycast_http.py" poll "$2" "$3" 15 0.02 \
		>"$T_DIR/poll.$1" 2>&1 &
	track $!
	wait_until 5 grep -q '^start' "$T_DIR/poll.$1"
}
# poll_result NAME T0: seconds from T0 until the poller saw its edge (empty: never).
# Used in $(...), a subshell, which cannot `wait` for the poller: it watches
# the poller's output instead (the poller gives up after 15 s).
poll_result() {
	wait_until 16 grep -q '^switched\|^timeout' "$T_DIR/poll.$1"
	t=$(sed -n 's/^switched //p' "$T_DIR/poll.$1")
	[ -n "$t" ] && elapsed "$2" "$t"
}

# ---- the network ------------------------------------------------------------------
setup_ok=true
step() { "$@" || { echo "setup step failed: $*"; setup_ok=false; }; }
for ns in $NSS; do
	if ip netns add "$ns"; then NS_MADE="$NS_MADE $ns"; else setup_ok=false; fi
	step ip -n "$ns" link set lo up
done
# veth NS1 IF1 NS2 IF2: a veth pair made inside the namespaces themselves
veth() {
	step ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
	step ip -n "$1" link set "$2" up
	step ip -n "$3" link set "$4" up
}
a4() { step ip -n "$1" addr add "$3" dev "$2"; }
a6() { step ip -n "$1" -6 addr add "$3" dev "$2" nodad; }
veth "$NS_R" to-viewer "$NS_V" to-router
veth "$NS_R" to-edgeA "$NS_A" to-router
veth "$NS_R" to-edgeB "$NS_B" to-router
veth "$NS_A" to-peer "$NS_P" to-edgeA
a4 "$NS_R" to-viewer 198.51.100.1/24;  a6 "$NS_R" to-viewer 2001:db8:1::1/64
a4 "$NS_V" to-router 198.51.100.2/24;  a6 "$NS_V" to-router 2001:db8:1::2/64
a4 "$NS_R" to-edgeA 192.0.2.1/30;     a6 "$NS_R" to-edgeA 2001:db8:a::1/64
a4 "$NS_A" to-router 192.0.2.2/30;    a6 "$NS_A" to-router 2001:db8:a::2/64
a4 "$NS_R" to-edgeB 192.0.2.5/30;     a6 "$NS_R" to-edgeB 2001:db8:b::1/64
a4 "$NS_B" to-router 192.0.2.6/30;    a6 "$NS_B" to-router 2001:db8:b::2/64
a4 "$NS_A" to-peer 192.0.2.9/30
a4 "$NS_P" to-edgeA 192.0.2.10/30
for e in "$NS_A" "$NS_B"; do
	a4 "$e" lo $V4/32
	a6 "$e" lo $V6/128
done
step ip -n "$NS_V" route add default via 198.51.100.1
step ip -n "$NS_V" -6 route add default via 2001:db8:1::1
step ip -n "$NS_A" route add default via 192.0.2.1
step ip -n "$NS_A" -6 route add default via 2001:db8:a::1
step ip -n "$NS_B" route add default via 192.0.2.5
step ip -n "$NS_B" -6 route add default via 2001:db8:b::1
step nsx "$NS_R" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
check "network namespaces and veth links set up ($NSS)" $setup_ok
$setup_ok || t_done

# ---- the router: BIRD 2 ---------------------------------------------------------------
# GRACEFUL_SHUTDOWN acted on as RFC 8326 suggests (LOCAL_PREF 0). Sessions are
# passive (cdn-announce connects), hold time 9; error wait short so that a
# session the test breaks on purpose (hold timer expiry) comes back quickly.
cat >"$T_DIR/bird.conf" <<EOF
log "$BIRD_LOG" all;
router id 198.51.100.1;
timeformat protocol iso long;
timeformat route iso long;
protocol device { scan time 10; }
protocol kernel kernel4 { ipv4 { import none; export all; }; }
protocol kernel kernel6 { ipv6 { import none; export all; }; }
filter from_edge {
	if (65535, 0) ~ bgp_community then bgp_local_pref = 0;
	accept;
}
template bgp edge {
	local as 65000;
	passive on;
	hold time 9;
	error wait time 1, 3;
	debug { states, events };
}
protocol bgp edgeA4 from edge {
	neighbor 192.0.2.2 as 65010;
	ipv4 { import filter from_edge; export none; };
}
protocol bgp edgeA6 from edge {
	neighbor 2001:db8:a::2 as 65010;
	ipv6 { import filter from_edge; export none; };
}
protocol bgp edgeB4 from edge {
	neighbor 192.0.2.6 as 65010;
	ipv4 { import filter from_edge; export none; };
}
protocol bgp edgeB6 from edge {
	neighbor 2001:db8:b::2 as 65010;
	ipv6 { import filter from_edge; export none; };
}
EOF
ip netns exec "$NS_R" bird -f -c "$T_DIR/bird.conf" -s "$BIRD_SOCK" -P "$T_DIR/bird.pid" \
	>"$T_DIR/bird.out" 2>&1 &
BIRD_PID=$!
track $BIRD_PID
bird_up() { bcli show status >/dev/null; }
if wait_until 10 bird_up; then
	ok "BIRD starts (its control socket answers)"
else
	bad "BIRD starts (its control socket answers)"; cat "$T_DIR/bird.out"; t_done
fi

# ---- the edges: HTTP service and announcer ------------------------------------------
start_http() {
	# start_http NAME NS: "NAME" on port 80 of both anycast addresses
	ip netns exec "$2" python3 -u "$TOOLS/anycast_http.py" serve "$1" 80 $V4 $V6 \
		>"$T_DIR/http$1.log" 2>&1 &
	eval "HTTP_$1=$!"
	track $!
	wait_until 5 grep -q '^ready' "$T_DIR/http$1.log"
}
check "edge A's HTTP service starts" start_http A "$NS_A"
check "edge B's HTTP service starts" start_http B "$NS_B"

cat >"$T_DIR/announceA.conf" <<EOF
router_id 192.0.2.2
local_as 65010
peer 192.0.2.1 as 65000
peer 2001:db8:a::1 as 65000
# the scripted peer (malformed messages)
peer 192.0.2.10 as 65099
prefix $V4/32
prefix $V6/128
community 65010:100
large_community 65010:1:2
hold_time 3s
connect_retry 1s
health_url http://$V4/healthz
health_interval ${HEALTH_INTERVAL}s
rise $RISE
fall $FALL
drain_file $T_DIR/A.drain
drain_med $DRAIN_MED
drain_grace ${DRAIN_GRACE}s
control_socket $T_DIR/A.sock
http_listen 127.0.0.1:9180
log_level debug
EOF
cat >"$T_DIR/announceB.conf" <<EOF
router_id 192.0.2.6
local_as 65010
peer 192.0.2.5 as 65000
peer 2001:db8:b::1 as 65000
prefix $V4/32
prefix $V6/128
prepend 2
health_url http://$V4/healthz
health_interval ${HEALTH_INTERVAL}s
drain_file $T_DIR/B.drain
control_socket $T_DIR/B.sock
http_listen 127.0.0.1:9180
log_level debug
EOF
start_announce() {
	# start_announce NAME NS: sets ANN_NAME to its PID
	ip netns exec "$2" "$ANNOUNCE_BIN" -c "$T_DIR/announce$1.conf" >>"$T_DIR/announce$1.log" 2>&1 &
	eval "ANN_$1=$!"
	track $!
	wait_until 5 test -S "$T_DIR/$1.sock"
}

# The scripted peer listens before edge A's announcer starts, and runs its
# scenarios while the checks below go on.
PEER_SCENARIOS="bad_origin_flags truncated_mp_reach bad_marker bad_length bad_keepalive_length"
ip netns exec "$NS_P" python3 -u "$TOOLS/bgp_peer.py" --listen 192.0.2.10 --router-id 192.0.2.10 \
	--next-hop 192.0.2.10 --local-as 65099 --expect-as 65010 --accept-timeout 25 \
	$PEER_SCENARIOS >"$T_DIR/peer.out" 2>"$T_DIR/peer.log" &
PEER_PID=$!
track $PEER_PID
check "the scripted BGP peer listens" wait_until 5 grep -q LISTENING "$T_DIR/peer.out"

check "cdn-announce A starts (control socket)" start_announce A "$NS_A"
check "cdn-announce B starts (control socket)" start_announce B "$NS_B"

# ---- 1. sessions, paths, reachability ---------------------------------------------------
T_START=$(now)
all_established() { established edgeA4 && established edgeA6 && established edgeB4 && established edgeB6; }
check "BIRD: all four sessions Established (edgeA4 edgeA6 edgeB4 edgeB6)" wait_until 15 all_established
bcli show protocols >"$T_DIR/protocols.start" 2>&1
both_paths() { has_route "$1" edgeA"$2" && has_route "$1" edgeB"$2"; }
check "BIRD has both paths for $V4/32 (A and B)" wait_until 10 both_paths $V4/32 4
check "BIRD has both paths for $V6/128 (A and B)" wait_until 10 both_paths $V6/128 6
if ! has_route $V4/32 edgeA4 && ! has_route $V6/128 edgeA6; then
	# Nothing below can work without edge A's announcement: stop here.
	echo "edge A never announced; BIRD says:"
	{ bcli show protocols; bcli show protocols all edgeA4; } 2>&1 | sed 's/^/  /'
	echo "edge A's announcer log (last lines):"; tail -20 "$T_DIR/announceA.log" | sed 's/^/  /'
	t_done
fi
echo "  first announcement $(elapsed "$T_START") s after the announcers started"
check "the best IPv4 path is edge A's" best_from $V4/32 edgeA4
check "the best IPv6 path is edge A's" best_from $V6/128 edgeA6
check "B's path carries AS_PATH 65010 65010 65010 (prepend 2)" \
	sh -c "birdc -s '$BIRD_SOCK' show route $V4/32 protocol edgeB4 all | grep -q 'BGP.as_path: 65010 65010 65010\$'"
check "the viewer reaches edge A at $URL4" wait_until 5 reaches "$URL4" A
check "the viewer reaches edge A at $URL6" wait_until 5 reaches "$URL6" A

# ---- 6a. communities ----------------------------------------------------------------------
route $V4/32 edgeA4 >"$T_DIR/routeA4.start"
route $V6/128 edgeA6 >"$T_DIR/routeA6.start"
check "A's IPv4 route carries community (65010,100)" grep -q 'BGP.community:.*(65010,100)' "$T_DIR/routeA4.start"
check "A's IPv4 route carries large community (65010, 1, 2)" \
	grep -q 'BGP.large_community:.*(65010, 1, 2)' "$T_DIR/routeA4.start"
check "A's IPv6 route carries both communities" sh -c \
	"grep -q 'BGP.community:.*(65010,100)' '$T_DIR/routeA6.start' && grep -q 'BGP.large_community:.*(65010, 1, 2)' '$T_DIR/routeA6.start'"
check "A's IPv4 next hop is itself (192.0.2.2)" grep -q 'BGP.next_hop: 192.0.2.2' "$T_DIR/routeA4.start"
check "A's IPv6 next hop is itself (2001:db8:a::2)" grep -q 'BGP.next_hop: 2001:db8:a::2' "$T_DIR/routeA6.start"

# ---- 8. metrics ---------------------------------------------------------------------------
M_UP4=$(metric "$NS_A" cdn_announce_peer_up 192.0.2.1)
M_UP6=$(metric "$NS_A" cdn_announce_peer_up 2001:db8:a::1)
M_ANN=$(metric "$NS_A" cdn_announce_announced)
check "A's /metrics: cdn_announce_peer_up 1 for the router over IPv4 ($M_UP4)" test "$M_UP4" = 1
check "A's /metrics: cdn_announce_peer_up 1 for the router over IPv6 ($M_UP6)" test "$M_UP6" = 1
check "A's /metrics: cdn_announce_announced 1 ($M_ANN)" test "$M_ANN" = 1
check "B's /metrics: cdn_announce_announced 1" test "$(metric "$NS_B" cdn_announce_announced)" = 1
check "A's /metrics: cdn_announce_healthy 1" test "$(metric "$NS_A" cdn_announce_healthy)" = 1
actl "$T_DIR/A.sock" announce status >"$T_DIR/status.start" 2>&1
check "cdnctl announce status lists the router's sessions as Established" sh -c \
	"grep -q '192.0.2.1[^0-9]' '$T_DIR/status.start' && grep -q '2001:db8:a::1' '$T_DIR/status.start' && grep -q Established '$T_DIR/status.start'"

# ---- 7. malformed messages from the scripted peer -------------------------------------------
check "the scripted peer finished its scenarios within 60 s" wait_until 60 grep -q '^DONE' "$T_DIR/peer.out"
# passed LINE SCENARIO: the peer's result line says the scenario passed
passed() { case $1 in "RESULT $2 PASS"*) return 0 ;; esac; return 1; }
for sc in $PEER_SCENARIOS; do
	line=$(grep "^RESULT $sc " "$T_DIR/peer.out" | head -1)
	check "scripted peer, $sc: ${line#RESULT "$sc" }" passed "$line" "$sc"
done
if grep -q '^RESULT open ' "$T_DIR/peer.out"; then
	bad "scripted peer, A's OPEN: $(grep '^RESULT open ' "$T_DIR/peer.out" | head -1)"
fi
E4=$(metric "$NS_A" cdn_announce_peer_established_total 192.0.2.1)
E6=$(metric "$NS_A" cdn_announce_peer_established_total 2001:db8:a::1)
check "A's sessions with the router stayed up meanwhile: established once each ($E4, $E6)" \
	test "$E4" = 1 -a "$E6" = 1
nup=$(grep -c 'edgeA4: State changed to up' "$BIRD_LOG")
check "BIRD saw edgeA4 come up exactly once ($nup)" test "$nup" -eq 1
a_established() { established edgeA4 && established edgeA6; }
check "BIRD's edgeA4 and edgeA6 are Established after the malformed messages" a_established
check "cdn-announce A is alive after the malformed messages" kill -0 "$ANN_A"
check "A logged treat-as-withdraw for the bad ORIGIN flags" \
	grep -qiE 'treat(ed)?.as.withdraw' "$T_DIR/announceA.log"

# ---- 2 + 6b. drain: GRACEFUL_SHUTDOWN, then withdraw; undrain ----------------------------------
start_poll d4 "$URL4" B; start_poll d6 "$URL6" B
check "before the drain the viewer's pollers saw A (IPv4, IPv6)" sh -c \
	"grep -q '^start A' '$T_DIR/poll.d4' && grep -q '^start A' '$T_DIR/poll.d6'"
T0=$(now)
actl "$T_DIR/A.sock" drain >"$T_DIR/drain.out" 2>&1
rc=$?
check "cdnctl drain succeeds (rc $rc: $(head -c 200 "$T_DIR/drain.out" | tr '\n' ' '))" test $rc -eq 0
gs() { _r=$(route "$1" "$2") && echo "$_r" | grep -q 'BGP.community:.*(65535,0)' &&
	echo "$_r" | grep -q "BGP.med: $DRAIN_MED\$"; }
check "during the drain BIRD has A's IPv4 route with GRACEFUL_SHUTDOWN (65535,0) and MED $DRAIN_MED" \
	wait_fine 2 gs $V4/32 edgeA4
check "during the drain BIRD has A's IPv6 route with GRACEFUL_SHUTDOWN (65535,0) and MED $DRAIN_MED" \
	wait_fine 2 gs $V6/128 edgeA6
check "A's metrics: cdn_announce_draining 1" test "$(metric "$NS_A" cdn_announce_draining)" = 1
check "cdnctl drain created drain_file (the edge's /healthz reads it)" test -e "$T_DIR/A.drain"
d4=$(poll_result d4 "$T0"); d6=$(poll_result d6 "$T0")
echo "  drain: the viewer moved to B in ${d4:-never} s (IPv4), ${d6:-never} s (IPv6)"
check "drain moves IPv4 traffic to B before the withdrawal (GRACEFUL_SHUTDOWN; ${d4:-never} s)" \
	between "$d4" 0 1.5
check "drain moves IPv6 traffic to B before the withdrawal (GRACEFUL_SHUTDOWN; ${d6:-never} s)" \
	between "$d6" 0 1.5
gone_both() { no_route $V4/32 edgeA4 && no_route $V6/128 edgeA6; }
wait_fine $((DRAIN_GRACE + 5)) gone_both
w=$(elapsed "$T0")
check "A's routes are withdrawn after drain_grace ${DRAIN_GRACE}s (after $w s)" \
	between "$w" $((DRAIN_GRACE - 1)).5 $((DRAIN_GRACE + 2))
check "during the drain the viewer reaches B (IPv4, IPv6)" reaches_both B

start_poll u4 "$URL4" A; start_poll u6 "$URL6" A
T0=$(now)
actl "$T_DIR/A.sock" undrain >"$T_DIR/undrain.out" 2>&1
rc=$?
check "cdnctl undrain succeeds (rc $rc)" test $rc -eq 0
check "cdnctl undrain removed drain_file" test ! -e "$T_DIR/A.drain"
u4=$(poll_result u4 "$T0"); u6=$(poll_result u6 "$T0")
echo "  undrain: the viewer moved back to A in ${u4:-never} s (IPv4), ${u6:-never} s (IPv6)"
check "undrain moves IPv4 traffic back to A at once, no rise cycle (${u4:-never} s)" between "$u4" 0 1
check "undrain moves IPv6 traffic back to A at once, no rise cycle (${u6:-never} s)" between "$u6" 0 1
check "after undrain A's route has no GRACEFUL_SHUTDOWN" sh -c \
	"birdc -s '$BIRD_SOCK' show route $V4/32 protocol edgeA4 all | grep -q 'BGP.med: 0\$' &&
	 ! birdc -s '$BIRD_SOCK' show route $V4/32 protocol edgeA4 all | grep -q '(65535,0)'"

# the maintenance file, undone before drain_grace runs out
start_poll f4 "$URL4" B
T0=$(now)
touch "$T_DIR/A.drain"
f=$(poll_result f4 "$T0")
echo "  drain file: the viewer moved to B in ${f:-never} s"
check "touching drain_file drains A (${f:-never} s)" between "$f" 0 1.5
check "the file drain also announces GRACEFUL_SHUTDOWN first" wait_fine 1 gs $V4/32 edgeA4
start_poll g4 "$URL4" A
T0=$(now)
rm -f "$T_DIR/A.drain"
g=$(poll_result g4 "$T0")
echo "  drain file removed: the viewer moved back to A in ${g:-never} s"
check "removing drain_file undrains A (${g:-never} s)" between "$g" 0 1.5
check "A's metrics: cdn_announce_draining 0" test "$(metric "$NS_A" cdn_announce_draining)" = 0

# ---- 6b. blackhole ---------------------------------------------------------------------------
BH=203.0.113.77/32
actl "$T_DIR/A.sock" blackhole add $BH --for 10m >"$T_DIR/bh.out" 2>&1
rc=$?
check "cdnctl blackhole add $BH --for 10m succeeds (rc $rc: $(head -c 200 "$T_DIR/bh.out" | tr '\n' ' '))" test $rc -eq 0
bh() { _r=$(route $BH edgeA4) && echo "$_r" | grep -q 'BGP.community:.*(65535,666)' &&
	echo "$_r" | grep -q 'BGP.community:.*(65535,65281)'; }
check "BIRD receives $BH with BLACKHOLE (65535,666) and NO_EXPORT (65535,65281)" wait_fine 3 bh
route $BH edgeA4 >"$T_DIR/bh.route"
check "A's metrics: cdn_announce_blackholes 1" test "$(metric "$NS_A" cdn_announce_blackholes)" = 1
actl "$T_DIR/A.sock" announce status >"$T_DIR/status.bh" 2>&1
check "cdnctl announce status lists the blackhole" grep -q '203.0.113.77' "$T_DIR/status.bh"
check "the anycast route is still announced beside the blackhole" has_route $V4/32 edgeA4
actl "$T_DIR/A.sock" blackhole del $BH >"$T_DIR/bhdel.out" 2>&1
rc=$?
check "cdnctl blackhole del $BH succeeds (rc $rc)" test $rc -eq 0
check "blackhole del withdraws $BH" wait_fine 3 no_route $BH edgeA4
BH2=203.0.113.78/32
actl "$T_DIR/A.sock" blackhole add $BH2 --for 2s >"$T_DIR/bh2.out" 2>&1
rc=$?
check "cdnctl blackhole add $BH2 --for 2s succeeds (rc $rc)" test $rc -eq 0
T0=$(now)
check "BIRD receives $BH2" wait_fine 2 has_route $BH2 edgeA4
wait_fine 6 no_route $BH2 edgeA4
x=$(elapsed "$T0")
check "$BH2 is withdrawn when it expires after 2 s ($x s)" between "$x" 1.5 3.5

# ---- 3. health checks: fall, rise ---------------------------------------------------------------
start_poll h4 "$URL4" B
T0=$(now)
stop_pid "$HTTP_A"
h=$(poll_result h4 "$T0")
echo "  health: A's HTTP service stopped; the viewer moved to B in ${h:-never} s (fall $FALL, interval ${HEALTH_INTERVAL}s)"
check "A withdraws after $FALL failed health checks, not at the first (${h:-never} s)" \
	between "$h" 0.8 $((FALL * HEALTH_INTERVAL + 3))
check "A's withdrawal reached BIRD (IPv4 and IPv6)" wait_fine 2 gone_both
check "A's metrics: cdn_announce_healthy 0, cdn_announce_announced 0" sh -c \
	"test '$(metric "$NS_A" cdn_announce_healthy)' = 0 && test '$(metric "$NS_A" cdn_announce_announced)' = 0"
check "the viewer reaches B over IPv6 too" reaches "$URL6" B
start_poll r4 "$URL4" A
T0=$(now)
check "A's HTTP service restarts" start_http A "$NS_A"
r=$(poll_result r4 "$T0")
echo "  health: A's HTTP service back; the viewer moved back to A in ${r:-never} s (rise $RISE)"
check "A re-announces after $RISE good health checks (${r:-never} s)" \
	between "$r" 0.8 $((RISE * HEALTH_INTERVAL + 3))
check "the viewer reaches A over IPv6 again" wait_until 3 reaches "$URL6" A

# ---- 4. the announcer dies, freezes, stops ----------------------------------------------------
# SIGKILL: the kernel closes the TCP sessions, the router drops the routes at once.
T0=$(now)
kill -s KILL "$ANN_A"
wait "$ANN_A" 2>/dev/null
wait_fine 5 gone_both
k=$(elapsed "$T0")
echo "  SIGKILL: A's routes left BIRD after $k s"
check "SIGKILL: A's routes disappear at once ($k s)" between "$k" 0 1
check "after SIGKILL the viewer reaches B" wait_until 3 reaches "$URL4" B
check "cdn-announce A restarts" start_announce A "$NS_A"
T0=$(now)
check "after the restart the viewer reaches A again (IPv4)" wait_until 15 reaches "$URL4" A
echo "  restart: back on A after $(elapsed "$T0") s"
check "after the restart the viewer reaches A again (IPv6)" wait_until 5 reaches "$URL6" A

# SIGSTOP: nothing closes; the router notices at hold-timer expiry (3 s), not before.
wait_until 5 established edgeA4
sleep 1
T0=$(now)
kill -s STOP "$ANN_A"
wait_fine 10 gone_both
s=$(elapsed "$T0")
echo "  SIGSTOP: A's routes left BIRD after $s s (hold time 3 s)"
check "SIGSTOP: A's routes disappear at hold-timer expiry, 3 s ($s s)" between "$s" 1.8 4.5
check "BIRD logged the hold timer expiry" grep -q 'edgeA4: Error: Hold timer expired' "$BIRD_LOG"
check "while A is frozen the viewer reaches B" wait_until 3 reaches "$URL4" B
kill -s CONT "$ANN_A"
T0=$(now)
check "after SIGCONT A's sessions recover and the viewer reaches A (IPv4)" wait_until 15 reaches "$URL4" A
echo "  SIGCONT: back on A after $(elapsed "$T0") s"
check "after SIGCONT the viewer reaches A (IPv6)" wait_until 5 reaches "$URL6" A

# SIGTERM: Cease / Administrative Shutdown on every session, then exit.
wait_until 5 established edgeA6
T0=$(now)
kill -s TERM "$ANN_A"
exited() { ! kill -0 "$1"; }
check "SIGTERM: cdn-announce A exits within 3 s" wait_until 3 exited "$ANN_A"
wait "$ANN_A"
rc=$?
check "SIGTERM: cdn-announce A exits with status 0 ($rc)" test $rc -eq 0
check "SIGTERM: A's routes are withdrawn" wait_fine 2 gone_both
echo "  SIGTERM: A's routes left BIRD after $(elapsed "$T0") s"
bcli show protocols all edgeA4 >"$T_DIR/edgeA4.after-term" 2>&1
bcli show protocols all edgeA6 >"$T_DIR/edgeA6.after-term" 2>&1
check "BIRD shows edgeA4 closed by a Cease: Received: Administrative shutdown" \
	grep -q 'Received: Administrative shutdown' "$T_DIR/edgeA4.after-term"
check "BIRD shows edgeA6 closed by a Cease: Received: Administrative shutdown" \
	grep -q 'Received: Administrative shutdown' "$T_DIR/edgeA6.after-term"
check "after SIGTERM the viewer reaches B (IPv4, IPv6)" reaches_both B

# ---- the end ------------------------------------------------------------------------------------
check "B's sessions were never disturbed (BIRD saw edgeB4 up once)" \
	test "$(grep -c 'edgeB4: State changed to up' "$BIRD_LOG")" -eq 1
check "no sanitizer report or crash in the announcer logs" \
	sh -c "! grep -Eqi 'sanitizer|runtime error|assert' '$T_DIR/announceA.log' '$T_DIR/announceB.log'"
echo "  total $(elapsed "$T_START") s"
t_done
