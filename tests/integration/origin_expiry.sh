#!/bin/sh
# Segments leave memory and disk once they leave the playlist window plus the
# grace period; an ended stream's playlist goes the same way.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" curl

# republish_grace=0: this test checks that the playlist ends as soon as the
# publisher goes (the wait for a returning publisher is origin_republish.sh's).
start_origin o -o playlist_window=2 -o segment_grace=3s -o persist_dir="$T_DIR/p" \
	-o republish_grace=0
KEY=$(new_key acme x)
make_media "$T_DIR/in.flv" 14
publish_file "$T_DIR/in.flv" "$KEY"
PL="$ORIGIN_URL/hls/x/index.m3u8"
check "playlist published" wait_until 8 has_segments "$PL"
S0=$(curl -sf "$PL" | grep -v '^#' | head -1)
check "first segment persisted" test -f "$T_DIR/p/x/$S0"
left() { ! curl -sf "$PL" | grep -qx "$S0"; }
check "the first segment leaves the window" wait_until 10 left
check "within the grace period it is still served" test "$(http_code "$ORIGIN_URL/hls/x/$S0")" = 200
gone() { test "$(http_code "$ORIGIN_URL/hls/x/$S0")" = 404; }
check "after the grace period it is gone from memory" wait_until 6 gone
check "and from disk" test ! -f "$T_DIR/p/x/$S0"
check "the window still holds 2 segments" test "$(curl -sf "$PL" | grep -c '^#EXTINF')" -eq 2
# Watch for ENDLIST from now on, not after ffmpeg exits: the origin ends the
# stream at ffmpeg's deleteStream, and a loaded machine may let ffmpeg linger
# past the 3 s the ended playlist is kept.
check "the ended playlist is served with ENDLIST" wait_until 24 sh -c "curl -sf '$PL' | grep -q EXT-X-ENDLIST"
pl_gone() { test "$(http_code "$PL")" = 404; }
check "the ended stream is removed after the grace period" wait_until 8 pl_gone
check "its files are removed from disk" wait_until 3 sh -c "! ls '$T_DIR/p/x/' 2>/dev/null | grep -q ."
check "healthz counts no live stream" sh -c "curl -sf '$ORIGIN_URL/healthz' | grep -q '\"streams\":0'"
t_done
