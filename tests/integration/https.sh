#!/bin/sh
# https: HTTPS on the origin and the edge (libmicrohttpd + GnuTLS) with a
# test CA the test makes: curl verifies against it (and fails without it),
# ffprobe plays HLS over it, Chromium with the CA in its NSS store plays the
# player page over it (tests/browser/https.mjs); SIGHUP reloads a new
# certificate without a restart, and a bad one is refused while the old one
# keeps serving; -t checks the files; the dashboard cookie is Secure.
. "$top_srcdir/tests/lib/itest.sh"
need "$FFMPEG" "$FFPROBE" curl openssl certutil node

# ---- a test CA and two server certificates for 127.0.0.1 ------------------------------
P="$T_DIR/pki"
mkdir -p "$P"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$P/ca.key" -out "$P/ca.pem" -days 2 \
	-subj "/CN=cdn test CA" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$P/ext"
for n in 1 2; do
	openssl req -newkey rsa:2048 -nodes -keyout "$P/srv$n.key" -out "$P/srv$n.csr" \
		-subj "/CN=cdn test server $n" >/dev/null 2>&1
	openssl x509 -req -in "$P/srv$n.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -set_serial "$((1000 + n))" \
		-out "$P/srv$n.pem" -days 2 -extfile "$P/ext" >/dev/null 2>&1
done
check "the test CA made two server certificates" test -s "$P/srv1.pem" -a -s "$P/srv2.pem"
cp "$P/srv1.pem" "$P/cert.pem"; cp "$P/srv1.key" "$P/key.pem"

# ---- -t checks the files ---------------------------------------------------------------
"$ORIGIN_BIN" -t -o https_listen=127.0.0.1:0 -o tls_cert="$P/srv1.pem" -o tls_key="$P/srv2.key" \
	>/dev/null 2>"$T_DIR/t1.err"
check "-t refuses a key that is not the certificate's" test $? -ne 0
check "and says so" grep -q 'does not belong to the certificate' "$T_DIR/t1.err"
"$ORIGIN_BIN" -t -o https_listen=127.0.0.1:0 -o tls_cert="$P/nope.pem" -o tls_key="$P/srv1.key" \
	>/dev/null 2>"$T_DIR/t2.err"
check "-t refuses a missing certificate file, naming it" grep -q "tls_cert $P/nope.pem" "$T_DIR/t2.err"
"$ORIGIN_BIN" -t -o https_listen=127.0.0.1:0 >/dev/null 2>"$T_DIR/t3.err"
check "-t refuses https_listen without files" grep -q 'certificate and a key' "$T_DIR/t3.err"

# ---- origin and edge with HTTPS ---------------------------------------------------------------
start_origin o1 -o https_listen=127.0.0.1:0 -o tls_cert="$P/cert.pem" -o tls_key="$P/key.pem"
OS_PORT=$(sed -n 's/.*HTTPS on port \([0-9]*\).*/\1/p' "$ORIGIN_LOG" | head -1)
check "the origin serves HTTPS (its log names the port and certificate)" test -n "$OS_PORT"
KEY=$(new_key acme cam1)
publish_live "$KEY" 240
start_edge e1 "$ORIGIN_URL" -o https_listen=127.0.0.1:0 -o tls_cert="$P/cert.pem" -o tls_key="$P/key.pem" \
	-o accounting_token_file="$ORIGIN_DATA/accounting.token"
ES_PORT=$(sed -n 's/.*HTTPS on port \([0-9]*\).*/\1/p' "$EDGE_LOG" | head -1)
check "the edge serves HTTPS" test -n "$ES_PORT"
OS="https://127.0.0.1:$OS_PORT"
ES="https://127.0.0.1:$ES_PORT"

check "curl verifies the origin's certificate against the test CA" \
	sh -c "curl -sf --cacert '$P/ca.pem' '$OS/healthz' | grep -q '\"status\":\"ok\"'"
check "curl without the CA refuses it (exit 60)" sh -c "curl -s -o /dev/null '$OS/healthz'; test \$? -eq 60"
check "the stream is live over HTTPS at the edge" wait_until 20 sh -c \
	"curl -sf --cacert '$P/ca.pem' '$ES/hls/cam1/index.m3u8' | grep -q '^#EXTINF'"
check "ffprobe plays it over HTTPS, verifying the certificate" sh -c \
	"'$FFPROBE' -v error -tls_verify 1 -ca_file '$P/ca.pem' -show_entries stream=codec_name -of csv=p=0 '$ES/hls/cam1/master.m3u8' | grep -q h264"
check "plain HTTP still works beside it" has_segments "$EDGE_URL/hls/cam1/index.m3u8"
check "plain HTTP to the HTTPS port gets no answer" sh -c "! curl -s --max-time 3 'http://127.0.0.1:$ES_PORT/healthz' | grep -q status"
check "the dashboard's cookie is Secure over HTTPS" sh -c \
	"curl -s -o /dev/null -D - --cacert '$P/ca.pem' --data-urlencode \"token=\$(cat '$TOKEN_FILE')\" '$OS/dashboard/login' | grep -i '^Set-Cookie: cdn_session=' | grep -q '; Secure'"
check "and not Secure over plain HTTP" sh -c \
	"! curl -s -o /dev/null -D - --data-urlencode \"token=\$(cat '$TOKEN_FILE')\" '$ORIGIN_URL/dashboard/login' | grep -i '^Set-Cookie: cdn_session=' | grep -q 'Secure'"

# ---- Chromium, with the test CA in its certificate store ----------------------------------------
TH="$T_DIR/home"
mkdir -p "$TH/.pki/nssdb"
certutil -d "sql:$TH/.pki/nssdb" -N --empty-password >/dev/null 2>&1
certutil -d "sql:$TH/.pki/nssdb" -A -t "C,," -n "cdn test CA" -i "$P/ca.pem" >/dev/null 2>&1
check "the test CA is in the browser's NSS store" sh -c "certutil -d 'sql:$TH/.pki/nssdb' -L | grep -q 'cdn test CA'"
browser_run https https.mjs HTTPS_WATCH_URL="$ES/watch/cam1" TRUST_HOME="$TH"

# ---- SIGHUP: a new certificate without a restart --------------------------------------------------
check "the edge presents certificate 1 (serial 3E9)" sh -c "test \"\$(openssl s_client -connect 127.0.0.1:$ES_PORT -CAfile '$P/ca.pem' </dev/null 2>/dev/null | openssl x509 -noout -serial)\" = serial=03E9"
cp "$P/srv2.pem" "$P/cert.pem.new"; cp "$P/srv2.key" "$P/key.pem.new"
mv "$P/cert.pem.new" "$P/cert.pem"; mv "$P/key.pem.new" "$P/key.pem"
kill -HUP "$EDGE_PID"; kill -HUP "$ORIGIN_PID"
check "after SIGHUP the edge presents certificate 2 (serial 3EA)" wait_until 5 sh -c \
	"test \"\$(openssl s_client -connect 127.0.0.1:$ES_PORT -CAfile '$P/ca.pem' </dev/null 2>/dev/null | openssl x509 -noout -serial)\" = serial=03EA"
check "and so does the origin" wait_until 5 sh -c \
	"test \"\$(openssl s_client -connect 127.0.0.1:$OS_PORT -CAfile '$P/ca.pem' </dev/null 2>/dev/null | openssl x509 -noout -serial)\" = serial=03EA"
check "the reload is logged" grep -q 'HTTPS certificate reloaded: CN=cdn test server 2' "$EDGE_LOG"
cp "$P/srv1.key" "$P/key.pem"      # now the key does not match
kill -HUP "$EDGE_PID"
check "a bad reload is refused with a reason" wait_until 5 grep -q 'keeps its certificate: tls_key .* does not belong' "$EDGE_LOG"
check "and the edge keeps serving certificate 2" sh -c \
	"test \"\$(openssl s_client -connect 127.0.0.1:$ES_PORT -CAfile '$P/ca.pem' </dev/null 2>/dev/null | openssl x509 -noout -serial)\" = serial=03EA"
check "HTTPS still answers after it" sh -c "curl -sf --cacert '$P/ca.pem' '$ES/healthz' >/dev/null"
check "the edge is still running" kill -0 "$EDGE_PID"
t_done
