#!/bin/sh
# 20 concurrent publishers (real ffmpeg, -c copy). One is killed mid-stream
# (SIGKILL: the kernel closes its TCP connection), one freezes (SIGSTOP: its
# connection stays open and silent). The others must be unaffected; the
# frozen one is dropped after the idle timeout so its broadcaster can
# reconnect at once with the same key.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl

N=20
# republish_grace=0: this test checks that the playlist ends as soon as the
# publisher goes (the wait for a returning publisher is origin_republish.sh's).
start_origin o -o publisher_idle_timeout=3s -o republish_grace=0
make_media "$T_DIR/in.flv" 60
i=1
while [ $i -le $N ]; do
	k=$(new_key acme "s$i")
	echo "$k" >"$T_DIR/key.$i"
	publish_file "$T_DIR/in.flv" "$k"
	echo "$PUB_PID" >"$T_DIR/pid.$i"
	i=$((i + 1))
done

all_live() {
	j=1
	while [ $j -le $N ]; do
		has_segments "$ORIGIN_URL/hls/s$j/index.m3u8" || return 1
		j=$((j + 1))
	done
}
check "all $N streams publish a playlist within 20 s" wait_until 20 all_live
check "the origin counts $N publishers" sh -c "curl -sf '$ORIGIN_URL/metrics' | grep -qx 'cdn_origin_publishers $N'"

seqs() {
	j=1
	while [ $j -le $N ]; do
		# the newest segment's sequence number: media sequence + segments - 1
		printf '%s ' "$(curl -sf "$ORIGIN_URL/hls/s$j/index.m3u8" |
			awk -F: '/^#EXT-X-MEDIA-SEQUENCE:/ { m = $2 } /^#EXTINF/ { n++ } END { print m + n - 1 }')"
		j=$((j + 1))
	done
}

# Kill one publisher outright, freeze another.
kill -KILL "$(cat "$T_DIR/pid.5")"
kill -STOP "$(cat "$T_DIR/pid.6")"
before=$(seqs)
check "the killed publisher's playlist ends" wait_until 5 sh -c "curl -sf '$ORIGIN_URL/hls/s5/index.m3u8' | grep -q EXT-X-ENDLIST"
check "the frozen publisher is dropped after the idle timeout" wait_until 8 sh -c "curl -sf '$ORIGIN_URL/hls/s6/index.m3u8' | grep -q EXT-X-ENDLIST"
check "the origin logged the idle drop" grep -q 's6\] publisher sent nothing' "$ORIGIN_LOG"

# The frozen broadcaster reconnects with the same key: accepted at once.
publish_file "$T_DIR/in.flv" "$(cat "$T_DIR/key.6")"
check "a reconnect with the same key is accepted" wait_until 8 sh -c "curl -sf '$ORIGIN_URL/hls/s6/index.m3u8' | grep -q '^#EXTINF' && ! curl -sf '$ORIGIN_URL/hls/s6/index.m3u8' | grep -q EXT-X-ENDLIST"
kill -CONT "$(cat "$T_DIR/pid.6")" 2>/dev/null

after=$(seqs)
stalled=0
j=1
for b in $before; do
	a=$(echo "$after" | cut -d' ' -f$j)
	if [ "$j" -ne 5 ] && [ "$j" -ne 6 ] && [ "${a:-0}" -le "${b:-0}" ]; then
		echo "  s$j did not advance: $b -> $a"
		stalled=$((stalled + 1))
	fi
	j=$((j + 1))
done
check "the other $((N - 2)) streams kept advancing" test "$stalled" -eq 0
for j in 1 10 20; do
	"$FFMPEG" -nostdin -loglevel error -i "$ORIGIN_URL/hls/s$j/index.m3u8" -t 4 -c copy -f null - >"$T_DIR/play$j.log" 2>&1
	check "stream s$j plays" test $? -eq 0
done
check "the origin is still running" kill -0 "$ORIGIN_PID"
t_done
