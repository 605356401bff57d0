#!/bin/sh
# A live libx264 encode (not a file copy) published by ffmpeg, packaged as
# MPEG-TS and, on a second origin, as fMP4 (CMAF) with an init segment;
# ffprobe checks the segments and ffmpeg plays the playlists.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl

for fmt in ts fmp4; do
	start_origin "o-$fmt" -o segment_format=$fmt
	KEY=$(new_key acme live)
	publish_live "$KEY" 30
	PL="$ORIGIN_URL/hls/live/index.m3u8"
	check "$fmt: playlist published" wait_until 10 has_segments "$PL"
	sleep 6
	curl -sf "$PL" >"$T_DIR/$fmt.m3u8"
	SEG=$(grep -v '^#' "$T_DIR/$fmt.m3u8" | tail -1)
	curl -sf "$ORIGIN_URL/hls/live/$SEG" -o "$T_DIR/seg.$fmt"
	if [ "$fmt" = fmp4 ]; then
		check "fmp4: version 6 playlist" grep -qx '#EXT-X-VERSION:6' "$T_DIR/$fmt.m3u8"
		MAP=$(sed -n 's/^#EXT-X-MAP:URI="\(.*\)"/\1/p' "$T_DIR/$fmt.m3u8")
		check "fmp4: EXT-X-MAP names the init segment" test -n "$MAP"
		check "fmp4: segments are .m4s" sh -c "echo '$SEG' | grep -q '\.m4s$'"
		curl -sf "$ORIGIN_URL/hls/live/$MAP" -o "$T_DIR/init.mp4"
		check "fmp4: init segment is video/mp4" sh -c "curl -sI '$ORIGIN_URL/hls/live/$MAP' | tr -d '\r' | grep -qix 'content-type: video/mp4'"
		cat "$T_DIR/init.mp4" "$T_DIR/seg.$fmt" >"$T_DIR/joined.mp4"
		probe="$T_DIR/joined.mp4"
	else
		probe="$T_DIR/seg.$fmt"
	fi
	"$FFPROBE" -v error -show_entries stream=codec_name,width,height -of csv=p=0 "$probe" >"$T_DIR/probe.$fmt" 2>&1
	check "$fmt: ffprobe finds H.264 320x240" grep -q 'h264,320,240' "$T_DIR/probe.$fmt"
	check "$fmt: ffprobe finds AAC" grep -q '^aac' "$T_DIR/probe.$fmt"
	"$FFMPEG" -nostdin -loglevel error -i "$probe" -f null - >"$T_DIR/decode.$fmt" 2>&1
	check "$fmt: the segment decodes without errors" test $? -eq 0 -a ! -s "$T_DIR/decode.$fmt"
	"$FFMPEG" -nostdin -loglevel error -i "$PL" -t 8 -c copy -f null - >"$T_DIR/play.$fmt" 2>&1
	check "$fmt: ffmpeg plays the live playlist" test $? -eq 0
	stop_pid "$PUB_PID"
	stop_pid "$ORIGIN_PID"
done
t_done
