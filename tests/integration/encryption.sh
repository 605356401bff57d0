#!/bin/sh
# encryption: HLS AES-128 per stream (docs/access.md, Encryption), end to end
# with a real origin, a real edge, ffmpeg publishing and playing.
#   - cdnctl stream encrypt turns it on; the playlist has METHOD=AES-128
#     with a URI and an explicit IV before every segment;
#   - a segment from the origin or the edge is not playable as it is
#     (ffprobe fails); decrypted by hand with openssl enc and the fetched
#     key and the playlist's IV, it is;
#   - the key changes after encryption_key_rotation segments;
#   - the key URI is 403 without a token at the origin and at the edge (on a
#     public stream), 200 with one, Cache-Control: private, no-store; the
#     edge checks the token on every request for it;
#   - ffmpeg plays and decodes the stream through the edge with a token;
#   - no key bytes in any log.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl openssl od node

start_origin origin -o encryption_key_rotation=3
KEY=$(new_key acme enc)
KEYP=$(new_key acme plain)
check "stream keys were made" test -n "$KEY" -a -n "$KEYP"
check "cdnctl stream encrypt on" cdnctl stream encrypt --customer acme --stream enc on
check "cdnctl stream encrypt refuses a bad value" \
	sh -c "! '$CDNCTL_BIN' -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' stream encrypt --customer acme --stream enc maybe 2>/dev/null"
check "beta cannot encrypt acme's stream" \
	sh -c "! '$CDNCTL_BIN' -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' stream encrypt --customer beta --stream enc on 2>/dev/null"
make_media "$T_DIR/in.flv" 90
publish_file "$T_DIR/in.flv" "$KEY"
publish_file "$T_DIR/in.flv" "$KEYP"
OPL="$ORIGIN_URL/hls/enc/index.m3u8"
check "the encrypted stream is live within 8 s" wait_until 8 has_segments "$OPL"
check "the plain stream is live within 8 s" wait_until 8 has_segments "$ORIGIN_URL/hls/plain/index.m3u8"

curl -s "$OPL" >"$T_DIR/o.m3u8"
check "the playlist has METHOD=AES-128 with URI and IV" \
	grep -Eq '^#EXT-X-KEY:METHOD=AES-128,URI="[^"]+\.key",IV=0x[0-9a-f]{32}$' "$T_DIR/o.m3u8"
check "every segment is preceded by its EXT-X-KEY" sh -c \
	"test \$(grep -c '^#EXT-X-KEY:METHOD=AES-128' '$T_DIR/o.m3u8') -eq \$(grep -c '^#EXTINF' '$T_DIR/o.m3u8')"
check "the plain stream has no EXT-X-KEY" sh -c "! curl -s '$ORIGIN_URL/hls/plain/index.m3u8' | grep -q EXT-X-KEY"

# The last segment, its key URI and its IV.
SEG=$(grep -v '^#' "$T_DIR/o.m3u8" | tail -1)
KLINE=$(grep '^#EXT-X-KEY' "$T_DIR/o.m3u8" | tail -1)
KURI=$(echo "$KLINE" | sed 's/.*URI="\([^"]*\)".*/\1/')
IV=$(echo "$KLINE" | sed 's/.*IV=0x\([0-9a-f]*\).*/\1/')
curl -s -o "$T_DIR/seg.enc" "$ORIGIN_URL/hls/enc/$SEG"
check "a segment from the origin is not playable as it is" \
	sh -c "! '$FFPROBE' -v error -show_streams '$T_DIR/seg.enc' 2>/dev/null | grep -q codec_name=h264"
check "its size is a multiple of 16 (PKCS#7)" sh -c "test \$(( \$(stat -c %s '$T_DIR/seg.enc') % 16 )) -eq 0"

code_body() { curl -s --max-time 5 -o "$T_DIR/cb.out" -w '%{http_code}' "$1"; printf ' %s' "$(head -1 "$T_DIR/cb.out" | tr -d '\000')"; }
expect() { got=$(code_body "$1"); check "$3 ($got)" test "$got" = "$2"; }

expect "$ORIGIN_URL/hls/enc/$KURI" "403 token missing" "origin: the key without a token"
expect "$ORIGIN_URL/hls/enc/$KURI?token=junk" "403 token invalid" "origin: the key with a bad token"
mint() { cdnctl --json token --customer acme "$@" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p'; }
TOK=$(mint --stream enc --ttl 1h)
OTHER=$(mint --stream plain --ttl 1h)
check "tokens were minted" test -n "$TOK" -a -n "$OTHER"
expect "$ORIGIN_URL/hls/enc/$KURI?token=$OTHER" "403 token invalid" "origin: the key with another stream's token"
curl -s -D "$T_DIR/k.h" -o "$T_DIR/k.bin" "$ORIGIN_URL/hls/enc/$KURI?token=$TOK"
check "origin: the key with a token, 200" grep -q '^HTTP/1.1 200' "$T_DIR/k.h"
check "the key is 16 bytes" test "$(stat -c %s "$T_DIR/k.bin")" -eq 16
check "origin: the key is Cache-Control: private, no-store" grep -qi '^Cache-Control: private, no-store' "$T_DIR/k.h"
KHEX=$(od -An -tx1 -v "$T_DIR/k.bin" | tr -d ' \n')
check "the key reads as 32 hex digits" sh -c "echo '$KHEX' | grep -Eq '^[0-9a-f]{32}$'"
openssl enc -d -aes-128-cbc -K "$KHEX" -iv "$IV" -in "$T_DIR/seg.enc" -out "$T_DIR/seg.ts" 2>"$T_DIR/dec.err"
check "openssl enc -d with the key and the playlist IV decrypts the segment" test $? -eq 0
check "the decrypted segment is what ffprobe reads" \
	sh -c "'$FFPROBE' -v error -show_streams '$T_DIR/seg.ts' | grep -q codec_name=h264"
expect "$ORIGIN_URL/hls/enc/$SEG" "200 $(head -1 "$T_DIR/seg.enc" | tr -d '\000')" "segments themselves need no token on a public stream"

# ---- rotation: every 3 segments a new key -------------------------------------------------
nkeys() { curl -s "$OPL" | sed -n 's/^#EXT-X-KEY:METHOD=AES-128,URI="\([^"]*\)".*/\1/p' | sort -u | wc -l; }
check "the key changes after 3 segments (two distinct key URIs)" wait_until 20 sh -c "test \$(curl -s '$OPL' | sed -n 's/^#EXT-X-KEY:METHOD=AES-128,URI=\"\([^\"]*\)\".*/\1/p' | sort -u | wc -l) -ge 2"
curl -s "$OPL" >"$T_DIR/o2.m3u8"
check "the first segment of the playlist is preceded by its EXT-X-KEY" \
	sh -c "grep -v '^#EXT-X-\(VERSION\|TARGETDURATION\|MEDIA-SEQUENCE\|INDEPENDENT\|DISCONTINUITY-SEQUENCE\)' '$T_DIR/o2.m3u8' | sed -n 2p | grep -q '^#EXT-X-KEY:METHOD=AES-128'"
check "at most 3 segments per key" sh -c "test \$(grep '^#EXT-X-KEY' '$T_DIR/o2.m3u8' | sed 's/,IV=.*//' | uniq -c | awk '\$1 > 3' | wc -l) -eq 0"

# ---- the edge ------------------------------------------------------------------------------
start_edge edge "$ORIGIN_URL" -o accounting_token_file="$ORIGIN_DATA/accounting.token" \
	-o token_secrets_refresh=2s -o token_secrets_retry=1s
EPL="$EDGE_URL/hls/enc/index.m3u8"
check "the edge loaded the playback secrets" \
	wait_until 5 grep -q "playback secrets of 1 customer(s) loaded" "$EDGE_LOG"
curl -s "$EPL?token=$TOK" >"$T_DIR/e.m3u8"
check "edge: the signed playlist's key URIs carry the token" \
	grep -q "^#EXT-X-KEY:METHOD=AES-128,URI=\"[^\"]*\.key?token=$TOK\",IV=0x" "$T_DIR/e.m3u8"
EKURI=$(grep '^#EXT-X-KEY' "$T_DIR/e.m3u8" | tail -1 | sed 's/.*URI="\([^"?]*\).*/\1/')
ESEG=$(grep -v '^#' "$T_DIR/e.m3u8" | tail -1 | sed 's/?.*//')
expect "$EDGE_URL/hls/enc/$EKURI" "403 token missing" "edge: the key without a token"
curl -s -D "$T_DIR/ek.h" -o "$T_DIR/ek.bin" "$EDGE_URL/hls/enc/$EKURI?token=$TOK"
check "edge: the key with a token, 200, 16 bytes" \
	sh -c "grep -q '^HTTP/1.1 200' '$T_DIR/ek.h' && test \$(stat -c %s '$T_DIR/ek.bin') -eq 16"
check "edge: the key is Cache-Control: private, no-store" grep -qi '^Cache-Control: private, no-store' "$T_DIR/ek.h"
check "edge: no X-CDN-* header reaches a viewer" sh -c "! grep -qi '^X-CDN-' '$T_DIR/ek.h'"
expect "$EDGE_URL/hls/enc/$EKURI" "403 token missing" "edge: after a viewer got it, the key still needs a token"
expect "$EDGE_URL/hls/enc/$EKURI?token=$OTHER" "403 token invalid" "edge: the key with another stream's token"
curl -s -o "$T_DIR/eseg.enc" "$EDGE_URL/hls/enc/$ESEG?token=$TOK"
check "a segment from the edge is not playable as it is" \
	sh -c "test -s '$T_DIR/eseg.enc' && ! '$FFPROBE' -v error -show_streams '$T_DIR/eseg.enc' 2>/dev/null | grep -q codec_name=h264"

timeout 60 "$FFMPEG" -nostdin -loglevel info -i "$EPL?token=$TOK" -t 6 -f null - \
	>"$T_DIR/play.log" 2>&1
rc=$?
check "ffmpeg plays the encrypted stream through the edge with a token (rc $rc)" test $rc -eq 0
check "and decodes frames" grep -Eq 'frame= *[1-9]' "$T_DIR/play.log"
[ $rc -ne 0 ] && tail -5 "$T_DIR/play.log"
timeout 30 "$FFMPEG" -nostdin -loglevel error -i "$EPL" -t 2 -f null - >"$T_DIR/play2.log" 2>&1
check "ffmpeg without a token cannot decode" test $? -ne 0

# hls.js in Chromium, on the edge's player page (it passes its ?token= on).
browser_run encrypted encrypted.mjs WATCH_URL="$EDGE_URL/watch/enc" TOKEN="$TOK"

# ---- SRT: the stream's setting is read with its key by every ingest ------------------------
KEYS=$(new_key acme srtenc)
cdnctl stream encrypt --customer acme --stream srtenc on >/dev/null
"$FFMPEG" -nostdin -loglevel warning -re -i "$T_DIR/in.flv" -t 20 -c copy -f mpegts \
	"srt://127.0.0.1:$SRT_PORT?streamid=$KEYS" >"$T_DIR/srtpub.log" 2>&1 &
SRT_PUB=$!
track $SRT_PUB
SPL="$ORIGIN_URL/hls/srtenc/index.m3u8"
check "an SRT publisher's stream is live" wait_until 15 has_segments "$SPL"
check "and encrypted, as its setting says" sh -c "curl -s '$SPL' | grep -q '^#EXT-X-KEY:METHOD=AES-128'"
stop_pid $SRT_PUB

# ---- logs ---------------------------------------------------------------------------------
check "no key bytes in the origin's or the edge's logs" \
	sh -c "! grep -qi '$KHEX' '$ORIGIN_LOG' '$EDGE_LOG' '$EDGE_ACCESS'"
check "the origin logged its key rotations by name" grep -q "encryption: new key .*\.key" "$ORIGIN_LOG"
stop_pid "$EDGE_PID"
check "no sanitizer report or crash in the logs" \
	sh -c "! grep -Eqi 'sanitizer|runtime error|assert' '$EDGE_LOG' '$ORIGIN_LOG'"
t_done
