#!/bin/sh
# Audio-only and video-only publishers (ffmpeg -vn / -an), packaged as
# MPEG-TS and as fMP4: the master playlist's CODECS lists only the track
# that is there (and RESOLUTION only for video), ffprobe finds exactly that
# track in the segments, and ffmpeg plays the playlists. Then a publisher
# whose keyframes are 20 s apart: with keyframe_timeout=3s the origin logs it
# and cuts segments of about 3 s anyway.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl

make_media "$T_DIR/in.flv" 20
# pub KEY FFMPEG-OUTPUT-OPTS...: publish in.flv with -c copy and the options
pub() {
	k=$1; shift
	"$FFMPEG" -nostdin -loglevel warning -re -i "$T_DIR/in.flv" -c copy "$@" -f flv \
		"rtmp://127.0.0.1:$RTMP_PORT/live/$k" >"$T_DIR/pub.$k.log" 2>&1 &
	track $!
}

for fmt in ts fmp4; do
	start_origin "o-$fmt" -o segment_format=$fmt -o segment_target=2s -o republish_grace=0
	pub "$(new_key acme aud)" -vn
	pub "$(new_key acme vid)" -an
	for s in aud vid; do
		PL="$ORIGIN_URL/hls/$s/index.m3u8"
		check "$fmt $s: playlist published" wait_until 10 has_segments "$PL"
	done
	sleep 5
	for s in aud vid; do
		PL="$ORIGIN_URL/hls/$s/index.m3u8"
		curl -sf "$ORIGIN_URL/hls/$s/master.m3u8" >"$T_DIR/$fmt.$s.master"
		curl -sf "$PL" >"$T_DIR/$fmt.$s.m3u8"
		SEG=$(grep -v '^#' "$T_DIR/$fmt.$s.m3u8" | sed -n 2p)
		curl -sf "$ORIGIN_URL/hls/$s/$SEG" -o "$T_DIR/$fmt.$s.seg"
		probe="$T_DIR/$fmt.$s.seg"
		if [ "$fmt" = fmp4 ]; then
			MAP=$(sed -n 's/^#EXT-X-MAP:URI="\(.*\)"/\1/p' "$T_DIR/$fmt.$s.m3u8" | head -1)
			curl -sf "$ORIGIN_URL/hls/$s/$MAP" | cat - "$probe" >"$T_DIR/$fmt.$s.mp4"
			probe="$T_DIR/$fmt.$s.mp4"
		fi
		"$FFPROBE" -v error -show_entries stream=codec_type,codec_name -of csv=p=0 "$probe" \
			>"$T_DIR/$fmt.$s.probe" 2>&1
		# (ffprobe lists a TS stream twice: under its program and alone)
		types=$(grep . "$T_DIR/$fmt.$s.probe" | sort -u | cut -d, -f2 | tr '\n' ' ')
		nst=$("$FFPROBE" -v error -show_entries format=nb_streams -of csv=p=0 "$probe")
		durs=$(awk -F'[:,]' '/^#EXTINF/ { printf "%s ", $2 }' "$T_DIR/$fmt.$s.m3u8")
		if [ $s = aud ]; then
			check "$fmt aud: master CODECS is AAC only" grep -q 'CODECS="mp4a\.40\.2"$' "$T_DIR/$fmt.$s.master"
			check "$fmt aud: master has no RESOLUTION" sh -c "! grep -q RESOLUTION '$T_DIR/$fmt.$s.master'"
			check "$fmt aud: ffprobe finds only audio ($types, $nst stream)" test "$types" = "audio " -a "$nst" = 1
			check "$fmt aud: ffprobe finds AAC" grep -q '^aac,audio' "$T_DIR/$fmt.$s.probe"
		else
			check "$fmt vid: master CODECS is H.264 only" grep -q 'CODECS="avc1\.[0-9a-f]\{6\}",RESOLUTION=320x240' "$T_DIR/$fmt.$s.master"
			check "$fmt vid: ffprobe finds only video ($types, $nst stream)" test "$types" = "video " -a "$nst" = 1
			check "$fmt vid: ffprobe finds H.264" grep -q '^h264,video' "$T_DIR/$fmt.$s.probe"
		fi
		check "$fmt $s: segments of about 2 s ($durs)" \
			sh -c "echo '$durs' | awk '{ for (i = 1; i < NF; i++) if (\$i < 1.5 || \$i > 2.5) exit 1 }'"
		"$FFMPEG" -nostdin -loglevel error -i "$PL" -t 4 -c copy -f null - >"$T_DIR/play.$fmt.$s" 2>&1
		check "$fmt $s: ffmpeg plays the live playlist" test $? -eq 0
	done
	stop_pid "$ORIGIN_PID"
done

# Keyframes 20 s apart, keyframe_timeout 3 s.
"$FFMPEG" -nostdin -loglevel error -y -f lavfi -i "testsrc2=size=320x240:rate=25" -t 16 \
	-c:v libx264 -preset veryfast -g 500 -keyint_min 500 -sc_threshold 0 -pix_fmt yuv420p \
	-f flv "$T_DIR/longgop.flv"
start_origin kf -o segment_target=2s -o keyframe_timeout=3s -o republish_grace=0
publish_file "$T_DIR/longgop.flv" "$(new_key acme gop)"
PL="$ORIGIN_URL/hls/gop/index.m3u8"
two() { test "$(curl -sf "$PL" | grep -c '^#EXTINF')" -ge 2; }
check "long GOP: segments are cut without keyframes" wait_until 14 two
check "long GOP: the origin says why" grep -q 'gop\] seg_mux: no video keyframe for 3[0-9]\{3\} ms: cutting' "$ORIGIN_LOG"
curl -sf "$PL" >"$T_DIR/gop.m3u8"
d1=$(awk -F'[:,]' '/^#EXTINF/ { print $2; exit }' "$T_DIR/gop.m3u8")
check "long GOP: the first segment is about 3 s ($d1)" sh -c "echo $d1 | awk '{ exit !(\$1 >= 2.9 && \$1 <= 3.2) }'"
check "long GOP: no INDEPENDENT-SEGMENTS claim" sh -c "! grep -q INDEPENDENT-SEGMENTS '$T_DIR/gop.m3u8'"
t_done
