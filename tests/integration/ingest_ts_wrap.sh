#!/bin/sh
# MPEG-TS's 33-bit, 90 kHz clock wraps every 2^33 / 90000 = 95443.717 s
# (26.5 hours). An encoder that has been up that long sends a PTS/DTS that
# falls from near 2^33 to near 0 in the middle of a stream. Here ffmpeg
# sends MPEG-TS (H.264 with B-frames + AAC) whose timestamps start about
# WRAP_AT seconds before the wrap (-output_ts_offset), over SRT and over RTP
# (rtp_mpegts), and the stream runs on past the wrap. Checked, per protocol:
# the sent TS really wraps (read back from a copy without libavformat's
# correction); the playlist keeps growing past the wrap; every EXTINF but the
# last is the 2 s target; the durations add up to the input's; there is no
# EXT-X-DISCONTINUITY and no timestamp jump, reset or dropped packet in the
# log; every video frame sent is in the segments, with DTS rising by one
# frame interval across all segments (no gap, no step back at the wrap); and
# ffmpeg decodes the whole playlist without an error.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl python3
"$FFMPEG" -hide_banner -protocols 2>/dev/null | grep -qx '  *srt' || {
	echo "FAIL: this ffmpeg has no SRT protocol (Debian's ffmpeg has it, via libsrt)"
	echo "0 passed, 1 failed"; exit 1
}

SECS=20
WRAP_AT=8                       # seconds into the stream
# 2^33 / 90000 - WRAP_AT, minus the mpegts muxer's 1.4 s (2 x max_delay)
OFFSET=$(awk -v w=$WRAP_AT 'BEGIN { printf "%.3f", 8589934592 / 90000 - w - 1.4 }')
FRAMES=$((SECS * 25))

start_origin o -o publisher_idle_timeout=3s -o segment_grace=60s -o republish_grace=0 \
	-o rtp_address=127.0.0.1 -o segment_target=2s -o playlist_window=20
KS=$(new_key acme wsrt)
KR=$(new_key acme wrtp)
check "keys were created" test -n "$KS" -a -n "$KR"
# B-frames (no -tune zerolatency): composition offsets cross the wrap too.
"$FFMPEG" -nostdin -loglevel error -y -f lavfi -i "testsrc2=size=320x240:rate=25" \
	-f lavfi -i "sine=frequency=440:sample_rate=48000" -t $SECS \
	-c:v libx264 -preset veryfast -bf 2 -g 50 -keyint_min 50 -sc_threshold 0 \
	-pix_fmt yuv420p -c:a aac -b:a 64k -f flv "$T_DIR/in.flv"
check "test media made" test -s "$T_DIR/in.flv"

# What is sent: the same command into a file, read back raw (no unwrapping).
"$FFMPEG" -nostdin -loglevel error -y -i "$T_DIR/in.flv" -c copy -output_ts_offset "$OFFSET" \
	-f mpegts "$T_DIR/sent.ts"
"$FFPROBE" -v error -correct_ts_overflow 0 -select_streams v -show_entries packet=dts \
	-of csv=p=0 "$T_DIR/sent.ts" | tr -d , | grep -v '^$' >"$T_DIR/sent.dts"
wrap_s=$(awk 'NR == 1 { f = $1 } p != "" && $1 < p { printf "%.1f", (p - f) / 90000; exit } { p = $1 }' "$T_DIR/sent.dts")
first=$(head -1 "$T_DIR/sent.dts")
check "the sent TS starts near 2^33 ($first) and wraps ${wrap_s:-never} s in" \
	awk -v f="$first" -v w="${wrap_s:-0}" 'BEGIN { exit !(f > 8589934592 - 15 * 90000 && w > 5 && w < 11) }'

pl() { echo "$ORIGIN_URL/hls/$1/index.m3u8"; }
n_seg() { curl -sf --max-time 5 "$(pl "$1")" | grep -c '^#EXTINF'; }
ended() { curl -sf --max-time 5 "$(pl "$1")" | grep -q EXT-X-ENDLIST; }

# verify NAME PID: the stream NAME, published by PID, went through the wrap
verify() {
	n=$1; p=$2
	check "$n: live within 8 s" wait_until 8 has_segments "$(pl "$n")"
	# Past the wrap (WRAP_AT s) the playlist must keep growing.
	check "$n: 6 segments (12 s, past the wrap at ${WRAP_AT} s) within 20 s" \
		wait_until 20 sh -c "test \$(curl -sf --max-time 5 '$(pl "$n")' | grep -c '^#EXTINF') -ge 6"
	i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	check "$n: ENDLIST after the sender stops" wait_until 8 ended "$n"
	VD="$T_DIR/$n"; mkdir -p "$VD"
	curl -sf "$(pl "$n")" -o "$VD/index.m3u8"
	grep '^#EXTINF' "$VD/index.m3u8" | sed 's/#EXTINF:\([0-9.]*\),.*/\1/' >"$VD/durs"
	nd=$(wc -l <"$VD/durs"); total=$(awk '{ t += $1 } END { printf "%.2f", t }' "$VD/durs")
	echo "# $n: EXTINF $(tr '\n' ' ' <"$VD/durs")"
	check "$n: every EXTINF but the last is 2.0 +- 0.1 s" \
		awk -v n="$nd" 'NR < n && ($1 < 1.9 || $1 > 2.1) { bad = 1 } NR == n && ($1 <= 0 || $1 > 2.1) { bad = 1 } END { exit bad }' "$VD/durs"
	check "$n: the EXTINFs add up to the ${SECS} s sent ($total)" \
		awk -v t="$total" -v s=$SECS 'BEGIN { exit !(t > s - 1 && t < s + 1) }'
	check "$n: no discontinuity in the playlist" sh -c "! grep -q EXT-X-DISCONTINUITY '$VD/index.m3u8'"
	check "$n: no timestamp jump, reset or dropped packet logged" \
		sh -c "! grep '\\[.* $n\\]' '$ORIGIN_LOG' | grep -qi 'jump\\|non-monotonic\\|backwards\\|discontinu'"
	: >"$VD/all.dts"
	for s in $(grep -v '^#' "$VD/index.m3u8"); do
		curl -sf "$ORIGIN_URL/hls/$n/$s" -o "$VD/$s"
		"$FFPROBE" -v error -select_streams v -show_entries packet=dts -of csv=p=0 "$VD/$s" |
			tr -d , | grep -v '^$' >>"$VD/all.dts"
	done
	nf=$(wc -l <"$VD/all.dts")
	steps=$(awk 'NR > 1 { d = $1 - p; if (d < mn || NR == 2) mn = d; if (d > mx) mx = d } { p = $1 } END { print mn "," mx }' "$VD/all.dts")
	# The last frame or two may be lost at the very end, when the sender
	# closes (with or without a wrap); in between, the step check below
	# finds any frame missing.
	check "$n: the $FRAMES video frames sent are in the segments ($nf)" \
		test "$nf" -ge $((FRAMES - 3)) -a "$nf" -le $FRAMES
	check "$n: video DTS rises by 40 ms (3600) across all segments (min,max step $steps)" \
		test "$steps" = "3600,3600"
	"$FFMPEG" -nostdin -v error -i "$VD/index.m3u8" -f null - >"$VD/decode.log" 2>&1
	rc=$?
	check "$n: ffmpeg decodes the whole playlist without an error (rc $rc)" \
		sh -c "test $rc -eq 0 && ! test -s '$VD/decode.log'"
}

# SRT
"$FFMPEG" -nostdin -loglevel info -re -i "$T_DIR/in.flv" -c copy -output_ts_offset "$OFFSET" \
	-f mpegts "srt://127.0.0.1:$SRT_PORT?streamid=$KS" >"$T_DIR/srt.log" 2>&1 &
PS=$!; track $PS
# RTP (MPEG-TS over RTP, RFC 2250), at the same time
IDR=$(cdnctl --json key list --customer acme | tr '{' '\n' | grep '"stream":"wrtp"' | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
cdnctl key rtp "$IDR" >"$T_DIR/wrtp.sdp"
PR_PORT=$(sed -n 's/^m=video \([0-9]*\) .*/\1/p' "$T_DIR/wrtp.sdp" | tr -d '\r')
check "an RTP port was allocated ($PR_PORT)" test -n "$PR_PORT"
"$FFMPEG" -nostdin -loglevel warning -re -i "$T_DIR/in.flv" -c copy -output_ts_offset "$OFFSET" \
	-f rtp_mpegts "rtp://127.0.0.1:$PR_PORT" >"$T_DIR/rtp.log" 2>&1 &
PR=$!; track $PR

verify wsrt "$PS"
verify wrtp "$PR"
check "no sanitizer report or runtime error in the origin log" sh -c \
	"! grep -Eqi 'sanitizer|runtime error|heap-use|leak of' '$ORIGIN_LOG'"
stop_pid "$ORIGIN_PID"
t_done
