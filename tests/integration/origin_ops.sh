#!/bin/sh
# Operator-facing behaviour of cdn-origin: config check (-t) against the golden
# printout and its round trip, clear config errors, a start with no config
# file, keys and customers through cdnctl, refusals (bad key, busy stream,
# revoked key), graceful SIGTERM ending every playlist, and persist_dir.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl

# -t prints the normalized config; it matches the golden file, and feeding
# the printout back gives the same printout.
"$ORIGIN_BIN" -t >"$T_DIR/t1.conf" 2>"$T_DIR/t1.err"
check "-t with no config exits 0" test $? -eq 0
check "-t output matches tests/golden/origin-defaults.conf.ok" diff -u "$top_srcdir/tests/golden/origin-defaults.conf.ok" "$T_DIR/t1.conf"
"$ORIGIN_BIN" -t -c "$T_DIR/t1.conf" >"$T_DIR/t2.conf" 2>/dev/null
check "-t printout round-trips" cmp -s "$T_DIR/t1.conf" "$T_DIR/t2.conf"
printf 'segment_target 3x\n' >"$T_DIR/bad.conf"
"$ORIGIN_BIN" -t -c "$T_DIR/bad.conf" >/dev/null 2>"$T_DIR/bad.err"
check "a bad value is refused" test $? -ne 0
check "the error names file, line and key" grep -q 'bad.conf:1: segment_target' "$T_DIR/bad.err"
printf 'no_such_key 1\n' >"$T_DIR/bad2.conf"
"$ORIGIN_BIN" -t -c "$T_DIR/bad2.conf" >/dev/null 2>"$T_DIR/bad2.err"
check "an unknown key is refused" test $? -ne 0
check "an unknown key is named" grep -q 'no_such_key' "$T_DIR/bad2.err"
"$ORIGIN_BIN" -t -o playlist_window=1 >/dev/null 2>&1
check "an out-of-range -o value is refused" test $? -ne 0

# Start with nothing but addresses and a data directory.
start_origin o -o persist_dir="$T_DIR/persist"
check "admin token created with mode 0600" test "$(stat -c %a "$TOKEN_FILE")" = 600
check "database created with mode 0600" test "$(stat -c %a "$ORIGIN_DATA/origin.db")" = 600
check "the API refuses a missing token" test "$(http_code "$ORIGIN_URL/api/v1/customers")" = 401
check "the API refuses a wrong token" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong-token-0123456789' "$ORIGIN_URL/api/v1/customers")" = 401

check "cdnctl adds a customer" cdnctl customer add acme
check "cdnctl refuses a duplicate customer" sh -c "! \"$CDNCTL_BIN\" -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' customer add acme 2>/dev/null"
check "cdnctl lists it" sh -c "\"$CDNCTL_BIN\" -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' customer list | grep -q acme"
K1=$(new_key acme cam1)
K2=$(new_key acme cam2)
check "keys are generated" test -n "$K1" -a -n "$K2" -a "$K1" != "$K2"
check "the database does not hold the secret" sh -c "! grep -qa '$K1' '$ORIGIN_DATA/origin.db'"
check "key list never shows secrets" sh -c "\"$CDNCTL_BIN\" -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' --json key list | grep -q cam1 && ! \"$CDNCTL_BIN\" -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' --json key list | grep -q '$K1'"

make_media "$T_DIR/in.flv" 60

# A bad key is refused with BadName.
"$FFMPEG" -nostdin -loglevel info -re -i "$T_DIR/in.flv" -t 3 -c copy -f flv "rtmp://127.0.0.1:$RTMP_PORT/live/sk_not_a_real_key" >"$T_DIR/badkey.log" 2>&1
check "ffmpeg fails to publish with a bad key" test $? -ne 0
check "the origin logs the refusal" grep -q 'publish refused: unknown stream key' "$ORIGIN_LOG"

publish_file "$T_DIR/in.flv" "$K1"
P1=$PUB_PID
check "cam1 is live" wait_until 8 has_segments "$ORIGIN_URL/hls/cam1/index.m3u8"
# A second publisher on a live key is refused; the first keeps going.
"$FFMPEG" -nostdin -loglevel info -re -i "$T_DIR/in.flv" -t 3 -c copy -f flv "rtmp://127.0.0.1:$RTMP_PORT/live/$K1" >"$T_DIR/busy.log" 2>&1
check "a second publisher on a live key is refused" test $? -ne 0
check "the first publisher is still connected" kill -0 "$P1"
check "cdnctl streams lists the live stream" sh -c "\"$CDNCTL_BIN\" -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' streams | grep cam1 | grep -q acme"
check "cdnctl streams shows its codecs" sh -c "\"$CDNCTL_BIN\" -u '$ORIGIN_URL' --token-file '$TOKEN_FILE' --json streams | grep -q 'avc1'"

# Revoking the key drops the publisher and refuses it afterwards.
ID1=$(cdnctl --json key list --customer acme | tr '{' '\n' | grep '"stream":"cam1"' | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
check "cdnctl revokes the key" cdnctl key revoke "$ID1"
check "the revoked key's publisher is dropped" wait_until 5 sh -c "! kill -0 $P1"
check "the revoked stream's playlist ends" wait_until 5 sh -c "curl -sf '$ORIGIN_URL/hls/cam1/index.m3u8' | grep -q EXT-X-ENDLIST"

# persist_dir holds complete files only, and the playlist names existing files.
publish_file "$T_DIR/in.flv" "$K2"
P2=$PUB_PID
check "cam2 is live" wait_until 8 has_segments "$ORIGIN_URL/hls/cam2/index.m3u8"
sleep 3
check "persisted playlist exists" test -f "$T_DIR/persist/cam2/index.m3u8"
missing=0
for s in $(grep -v '^#' "$T_DIR/persist/cam2/index.m3u8"); do
	[ -f "$T_DIR/persist/cam2/$s" ] || missing=$((missing + 1))
done
check "every persisted playlist entry exists on disk" test "$missing" -eq 0

# SIGTERM: every live playlist ends with ENDLIST, the process exits 0.
kill -TERM "$ORIGIN_PID"
i=0; while kill -0 "$ORIGIN_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
wait "$ORIGIN_PID"; rc=$?
check "SIGTERM stops the origin with status 0 (got $rc)" test "$rc" -eq 0
check "the persisted playlist of the live stream ended with ENDLIST" grep -q EXT-X-ENDLIST "$T_DIR/persist/cam2/index.m3u8"
check "the origin logged the graceful stop" grep -q 'ending every stream' "$ORIGIN_LOG"
t_done
