#!/usr/bin/env bash
# dvr_playlist.sh - the cost of rebuilding a DVR window's live playlist, per
# segment, for windows of 10 min, 1 h, 6 h and 12 h at 2 s segments. There is
# no anchor to run beside it: nginx-rtmp's long hls_playlist_length also
# rewrites its whole playlist per fragment, but to a file, so its figure
# would measure the disk. Needs the build tree (scripts/setup makes _build/).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$TOP/${BUILD_DIR:-_build}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
gcc -O2 -I"$B" -I"$TOP/common" -I"$TOP/origin" "$TOP/bench/dvr_playlist.c" \
	"$B/origin/liborigin.a" "$B/common/libcommon.a" -o "$TMP/dvr_playlist"
for n in 300 1800 10800 21600; do "$TMP/dvr_playlist" "$n"; done
