#!/bin/sh
# Enhanced RTMP (veovera E-RTMP v1): HEVC and AV1 publishers (our own
# tests/tools/ertmp_publish: Debian's ffmpeg 5.1 cannot put either into FLV)
# on an fMP4 origin and on a TS origin.
#   fMP4: HEVC (from Matroska, B-frames: CodedFrames with composition times)
#         and AV1 (from MP4) give hvc1 / av01 fMP4 segments; E-RTMP 'avc1'
#         H.264 too; a 'vp09' FourCC is refused with a warning.
#   TS:   HEVC goes into MPEG-TS; AV1, which has no TS mapping, is
#         packaged as fMP4 for that stream (logged).
# For each: the playlist appears; the master playlist's CODECS starts with
# hvc1./av01. and agrees with what ffprobe reports for the init segment
# (profile, level) and RESOLUTION with the segments; ffprobe reads every
# segment (codec, size); ffmpeg decodes one without an error. A legacy
# ffmpeg H.264 publisher runs alongside and still gets avc1 HLS.
# HEVC with x265's defaults (open GOP, B-pyramid: the first IDR's
# composition offset is smaller than the later CRAs'), from MP4 so the IDR
# has a DTS: the first segment is cut at the 2 s target, not 4 s, on both
# origins, and every EXTINF is the presentation span of its frames.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl
PUB_BIN="$top_builddir/tests/tools/ertmp_publish"
SECS=12

for enc in libx265 libsvtav1; do
	"$FFMPEG" -hide_banner -encoders 2>/dev/null | grep -q " $enc " ||
		{ bad "ffmpeg has the $enc encoder (Debian's ffmpeg does)"; t_done; }
done
# 2 s GOPs, closed, 2 B-frames without pyramid: every keyframe has the same
# composition offset, so segments cut at 2.0 s.
SRC="-f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 -t $SECS"
# shellcheck disable=SC2086
"$FFMPEG" -nostdin -loglevel error -y $SRC -c:v libx265 -preset ultrafast \
	-x265-params keyint=50:min-keyint=50:scenecut=0:bframes=2:b-pyramid=0:open-gop=0:log-level=error \
	-pix_fmt yuv420p -c:a aac -b:a 64k "$T_DIR/hevc.mkv"
# x265's defaults but the GOP length: open GOP, 4 B-frames, B-pyramid.
# shellcheck disable=SC2086
"$FFMPEG" -nostdin -loglevel error -y $SRC -c:v libx265 -preset ultrafast \
	-x265-params keyint=50:min-keyint=50:scenecut=0:log-level=error \
	-pix_fmt yuv420p -c:a aac -b:a 64k "$T_DIR/hevc_open.mp4"
# shellcheck disable=SC2086
"$FFMPEG" -nostdin -loglevel error -y $SRC -c:v libsvtav1 -preset 12 -g 50 \
	-pix_fmt yuv420p -c:a aac -b:a 64k "$T_DIR/av1.mp4" 2>/dev/null
# shellcheck disable=SC2086
"$FFMPEG" -nostdin -loglevel error -y $SRC -c:v libx264 -preset veryfast -g 50 \
	-keyint_min 50 -sc_threshold 0 -pix_fmt yuv420p -c:a aac -b:a 64k "$T_DIR/avc.mp4"
check "test media made" test -s "$T_DIR/hevc.mkv" -a -s "$T_DIR/av1.mp4" -a -s "$T_DIR/avc.mp4" -a -s "$T_DIR/hevc_open.mp4"
# The precondition: the second keyframe's composition offset (a CRA with
# leading pictures) is larger than the first's (the IDR).
"$FFPROBE" -v error -select_streams v -show_entries packet=pts,dts,flags -of csv=p=0 \
	"$T_DIR/hevc_open.mp4" | grep K | head -2 | awk -F, '{ print $1 - $2 }' >"$T_DIR/open.cts"
check "hevc_open.mp4: the CRA's composition offset exceeds the IDR's ($(tr '\n' ' ' <"$T_DIR/open.cts"))" \
	awk 'NR == 1 { a = $1 } NR == 2 { b = $1 } END { exit !(b > a) }' "$T_DIR/open.cts"

# epub NAME FILE [options]: E-RTMP publish FILE to stream NAME in the background
epub() {
	n=$1; f=$2; shift 2
	k=$(new_key acme "$n")
	"$PUB_BIN" "$@" 127.0.0.1 "$RTMP_PORT" "$k" "$f" >"$T_DIR/epub.$n.log" 2>&1 &
	eval "PID_$n=$!"
	track $!
}
# wait_pub NAME: the publisher of NAME finished, and exited 0
wait_pub() {
	eval "p=\$PID_$1"
	wait "$p"
	rc=$?
	check "$1: ertmp_publish sent the whole file (rc $rc)" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || cat "$T_DIR/epub.$1.log"
}
# fetch NAME: save the final playlist, its init segment (fMP4) and segments
# under $T_DIR/NAME/ (VD); sets SEGS (the segment files) and INIT ("" for TS).
# (Not "d": check() uses it.)
fetch() {
	VD="$T_DIR/$1"; mkdir -p "$VD"
	curl -sf "$ORIGIN_URL/hls/$1/index.m3u8" -o "$VD/index.m3u8"
	curl -sf "$ORIGIN_URL/hls/$1/master.m3u8" -o "$VD/master.m3u8"
	INIT=$(sed -n 's/^#EXT-X-MAP:URI="\(.*\)".*/\1/p' "$VD/index.m3u8" | head -1)
	[ -n "$INIT" ] && curl -sf "$ORIGIN_URL/hls/$1/$INIT" -o "$VD/$INIT"
	SEGS=""
	for s in $(grep -v '^#' "$VD/index.m3u8"); do
		curl -sf "$ORIGIN_URL/hls/$1/$s" -o "$VD/$s" && SEGS="$SEGS $s"
	done
}
# probe FILE ENTRY [STREAM]: one ffprobe value of the video (or STREAM) stream
# (TS lists its streams twice, under the program too: the first line only)
probe() {
	"$FFPROBE" -v error -select_streams "${3:-v:0}" -show_entries "stream=$2" -of csv=p=0 "$1" |
		grep -v '^$' | head -1
}

# open_gop NAME: NAME (hevc_open.mp4, fetched) has its first segment at the
# 2 s target, and every EXTINF but the last is its segment's presentation
# span: 40 ms per video frame (25 fps).
open_gop() {
	n=$1; VD="$T_DIR/$n"; : >"$VD/spans"
	for s in $SEGS; do
		f="$VD/$s"
		if [ -n "$INIT" ]; then cat "$VD/$INIT" "$VD/$s" >"$VD/p.mp4"; f="$VD/p.mp4"; fi
		"$FFPROBE" -v error -select_streams v -show_entries packet=pts -of csv=p=0 "$f" |
			grep -c '[0-9]' >>"$VD/spans"
	done
	grep '^#EXTINF' "$VD/index.m3u8" | sed 's/#EXTINF:\([0-9.]*\),.*/\1/' >"$VD/durs"
	first=$(head -1 "$VD/durs")
	echo "# $n: EXTINF $(tr '\n' ' ' <"$VD/durs"); video frames $(tr '\n' ' ' <"$VD/spans")"
	check "$n: open GOP: the first segment is 2 s +- 0.5 ($first), not two GOPs" \
		awk -v d="$first" 'BEGIN { exit !(d >= 1.5 && d <= 2.5) }'
	check "$n: every EXTINF but the last is its video frames x 40 ms" sh -c \
		"paste '$VD/durs' '$VD/spans' | awk -v n=\$(wc -l <'$VD/durs') 'NR < n { e = \$1 - \$2 * 0.04; if (e < -0.001 || e > 0.001) bad = 1 } END { exit bad }'"
}

# verify NAME CODEC(hevc|av1) CONTAINER(fmp4|ts)
verify() {
	n=$1; codec=$2; cont=$3
	fetch "$n"
	VD="$T_DIR/$n"
	nseg=$(echo $SEGS | wc -w)
	check "$n: final playlist has segments and ENDLIST ($nseg)" sh -c "test $nseg -ge 4 && grep -q EXT-X-ENDLIST '$VD/index.m3u8'"
	codecs=$(sed -n 's/.*CODECS="\([^"]*\)".*/\1/p' "$VD/master.m3u8")
	res=$(sed -n 's/.*RESOLUTION=\([0-9x]*\).*/\1/p' "$VD/master.m3u8")
	check "$n: master RESOLUTION is 320x240 ($res)" test "$res" = 320x240
	if [ "$cont" = fmp4 ]; then
		check "$n: fMP4 playlist (EXT-X-MAP, .m4s)" sh -c "test -n '$INIT' && grep -q '\.m4s$' '$VD/index.m3u8'"
		first="$VD/first.mp4"
		cat "$VD/$INIT" "$VD/$(echo $SEGS | cut -d' ' -f1)" >"$first"
	else
		check "$n: TS playlist (.ts, no EXT-X-MAP)" sh -c "test -z '$INIT' && grep -q '\.ts$' '$VD/index.m3u8'"
		first="$VD/$(echo $SEGS | cut -d' ' -f1)"
	fi
	prof=$(probe "$first" profile); lvl=$(probe "$first" level)
	if [ "$codec" = hevc ]; then
		case $prof in Main) pidc=1 ;; "Main 10") pidc=2 ;; *) pidc="?$prof" ;; esac
		want="hvc1.$pidc.*.L$lvl"
		check "$n: CODECS $codecs is hvc1 + AAC" sh -c "echo '$codecs' | grep -q '^hvc1\..*,mp4a\.40\.2$'"
		if [ "$cont" = fmp4 ]; then
			check "$n: the init segment's sample entry is hvc1" test "$(probe "$first" codec_tag_string)" = hvc1
		fi
	else
		case $prof in Main) pidc=0 ;; High) pidc=1 ;; Professional) pidc=2 ;; *) pidc="?$prof" ;; esac
		want="av01.$pidc.$(printf %02d "$lvl")M.08"
		check "$n: CODECS $codecs is av01 + AAC" sh -c "echo '$codecs' | grep -q '^av01\..*,mp4a\.40\.2$'"
	fi
	v=${codecs%%,*}
	# shellcheck disable=SC2254
	case $v in $want*) ok "$n: CODECS $v agrees with ffprobe ($prof, level $lvl)" ;;
	*) bad "$n: CODECS $v, ffprobe says $prof level $lvl (want $want)" ;; esac
	badp=0
	for s in $SEGS; do
		f="$VD/$s"
		if [ "$cont" = fmp4 ]; then cat "$VD/$INIT" "$VD/$s" >"$VD/p.mp4"; f="$VD/p.mp4"; fi
		c=$(probe "$f" codec_name); wh=$(probe "$f" width,height)
		a=$(probe "$f" codec_name a:0)
		if [ "$c" != "$codec" ] || [ "$wh" != "320,240" ] || [ "$a" != aac ]; then
			badp=$((badp + 1)); echo "  $s: codec '$c' size '$wh' audio '$a'"
		fi
	done
	check "$n: ffprobe reads all $nseg segments as $codec 320x240 + AAC" test "$badp" -eq 0
	"$FFMPEG" -nostdin -v error -i "$first" -f null - >"$VD/decode.log" 2>&1
	rc=$?
	check "$n: ffmpeg decodes a segment without errors (rc $rc)" sh -c "test $rc -eq 0 && ! test -s '$VD/decode.log'"
}

# ---- an fMP4 origin -------------------------------------------------------
# segment_grace=120s: ended streams stay while a loaded machine checks them.
start_origin fm -o segment_format=fmp4 -o segment_target=2s -o republish_grace=0 -o segment_grace=120s
epub hv "$T_DIR/hevc.mkv"
epub ho "$T_DIR/hevc_open.mp4"
epub av "$T_DIR/av1.mp4"
epub ea "$T_DIR/avc.mp4" -t 6
epub vp "$T_DIR/hevc.mkv" -f vp09 -t 3
make_media "$T_DIR/legacy.flv" 8
publish_file "$T_DIR/legacy.flv" "$(new_key acme h4)"
LEGACY_PID=$PUB_PID
check "hv: playlist published within 8 s" wait_until 8 has_segments "$ORIGIN_URL/hls/hv/index.m3u8"
check "av: playlist published within 8 s" wait_until 8 has_segments "$ORIGIN_URL/hls/av/index.m3u8"
check "h4 (legacy H.264 FLV): playlist published" wait_until 8 has_segments "$ORIGIN_URL/hls/h4/index.m3u8"
# Live: a player reads the HEVC stream while it runs.
"$FFMPEG" -nostdin -loglevel error -i "$ORIGIN_URL/hls/hv/index.m3u8" -t 4 -c copy -f null - >"$T_DIR/play.hv.log" 2>&1
check "hv: ffmpeg reads 4 s of the live playlist" sh -c "test $? -eq 0 && ! grep -qi error '$T_DIR/play.hv.log'"
# The short streams end first: look at them before they expire.
wait_pub vp
wait_pub ea
fetch ea
check "ea (E-RTMP avc1): CODECS avc1" grep -q 'CODECS="avc1\.[0-9a-f]\{6\},mp4a\.40\.2"' "$T_DIR/ea/master.m3u8"
cat "$T_DIR/ea/$INIT" "$T_DIR/ea/$(echo $SEGS | cut -d' ' -f1)" >"$T_DIR/ea/first.mp4"
check "ea: ffprobe reads H.264 in its segment" test "$(probe "$T_DIR/ea/first.mp4" codec_name)" = h264
i=0; while kill -0 "$LEGACY_PID" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
fetch h4
check "h4: legacy H.264 publisher still gets avc1 HLS" grep -q 'CODECS="avc1\.[0-9a-f]\{6\},mp4a\.40\.2",RESOLUTION=320x240' "$T_DIR/h4/master.m3u8"
wait_pub hv
wait_pub av
wait_pub ho
verify hv hevc fmp4
verify ho hevc fmp4
open_gop ho
verify av av1 fmp4
# B-frames: CodedFrames with SI24 composition offsets, CodedFramesX for the rest.
check "hv: both CodedFrames and CodedFramesX were sent" grep -q 'sent [0-9]* video frames ([1-9][0-9]* CodedFramesX)' "$T_DIR/epub.hv.log"
nre=$("$FFPROBE" -v error -select_streams v -show_entries packet=pts,dts -of csv=p=0 "$T_DIR/hv/first.mp4" | awk -F, '$1 != $2' | wc -l)
check "hv: composition offsets survive into the segment ($nre frames with pts != dts)" test "$nre" -gt 10
check "hv: no negative composition offsets" sh -c "! grep -q 'negative composition' '$ORIGIN_LOG'"
check "vp: 'vp09' refused with a warning" grep -q "vp\] Enhanced RTMP video 'vp09' is not supported" "$ORIGIN_LOG"
check "vp: no video packaged for it" sh -c "! grep -q 'vp\] packaging \(H.264\|HEVC\|AV1\)' '$ORIGIN_LOG'"
check "log: HEVC packaged as fMP4" grep -q 'hv\] packaging HEVC + AAC as fMP4' "$ORIGIN_LOG"
check "log: AV1 packaged as fMP4" grep -q 'av\] packaging AV1 + AAC as fMP4' "$ORIGIN_LOG"
check "no malformed media logged" sh -c "! grep -q 'malformed\|without a (valid)' '$ORIGIN_LOG'"
stop_pid "$ORIGIN_PID"

# ---- a TS origin ----------------------------------------------------------
start_origin ts -o segment_format=ts -o segment_target=2s -o republish_grace=0 -o segment_grace=120s
epub hvts "$T_DIR/hevc.mkv" -t 9
epub hots "$T_DIR/hevc_open.mp4" -t 9
epub avts "$T_DIR/av1.mp4" -t 9
check "hvts: playlist published within 8 s" wait_until 8 has_segments "$ORIGIN_URL/hls/hvts/index.m3u8"
check "avts: playlist published within 8 s" wait_until 8 has_segments "$ORIGIN_URL/hls/avts/index.m3u8"
wait_pub hvts
wait_pub avts
wait_pub hots
verify hvts hevc ts
verify hots hevc ts
open_gop hots
verify avts av1 fmp4
check "avts: the switch to fMP4 is logged" grep -q 'avts\] AV1 cannot be carried in MPEG-TS: this stream is packaged as fMP4' "$ORIGIN_LOG"
check "no sanitizer report in the origin logs" sh -c "! grep -q 'runtime error\|AddressSanitizer\|LeakSanitizer' '$T_DIR'/*.log"
stop_pid "$ORIGIN_PID"
t_done
