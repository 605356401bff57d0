/*
 * tls_server: the server side of TLS for RTMPS ingest (OpenSSL 3.0).
 *
 * A tls_server holds the SSL_CTX built from one certificate chain and key
 * (PEM files): TLS 1.2 at least (RFC 8996 retires 1.0 and 1.1), ECDHE/DHE
 * AEAD suites for TLS 1.2 and OpenSSL's TLS 1.3 defaults, no compression
 * (CRIME), no renegotiation (a cheap way for a peer to make us spend CPU),
 * session tickets left on. Loading checks that the files are readable, that
 * the key is not passphrase-protected (we never prompt) and that it matches
 * the certificate, and says which of these failed in one line.
 *
 * A tls_conn is one non-blocking connection on an accepted socket. Its recv
 * and send never block: when OpenSSL needs the socket readable or writable
 * they return -EAGAIN and record which (tls_conn_wants_write), so the
 * caller's event loop waits for the right event and calls again. The TLS
 * handshake runs inside the first recv calls; its failure is logged once,
 * at info, with the peer address and OpenSSL's reason (log context
 * "rtmps <peer>"), and reported as -EPROTO. Nothing secret is ever logged.
 *
 * Single-threaded use: the RTMP event loop owns every tls_conn; the
 * OpenSSL error queue is per thread and cleared before each call.
 */
#ifndef CDN_TLS_SERVER_H
#define CDN_TLS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct tls_server;
struct tls_conn;

/*
 * Load cert_path (PEM chain, leaf first) and key_path (PEM key) into a new
 * server context. Paths are copied. NULL on failure, with a one-line reason
 * in err (errlen bytes).
 */
struct tls_server *tls_server_new(const char *cert_path, const char *key_path, char *err,
    size_t errlen);
/*
 * Re-read the same files (after a certificate renewal). On success new
 * connections use the new context; connections already open keep theirs.
 * On failure the old context stays, and err says why. 0 or a negative errno.
 */
int tls_server_reload(struct tls_server *ts, char *err, size_t errlen);
/* NULL-safe. Open tls_conns keep their own reference to the context. */
void tls_server_free(struct tls_server *ts);

/*
 * Start the server side of TLS on the non-blocking socket fd (borrowed: the
 * caller closes it after tls_conn_free). peer is copied, for log lines.
 * NULL on ENOMEM.
 */
struct tls_conn *tls_conn_new(struct tls_server *ts, int fd, const char *peer);
/*
 * Read up to len plaintext bytes. Returns the count (> 0), 0 at the end of
 * the stream, -EAGAIN when not ready (see tls_conn_wants_write), -EPROTO
 * when the handshake failed or the peer sent a bad record (logged), or
 * another negative errno from the socket.
 */
ssize_t tls_conn_recv(struct tls_conn *tc, void *buf, size_t len);
/* Write up to len bytes (partial writes allowed); -EAGAIN, -EPIPE, -EPROTO. */
ssize_t tls_conn_send(struct tls_conn *tc, const void *buf, size_t len);
/* The last recv or send returned -EAGAIN because the socket must be writable. */
bool tls_conn_wants_write(const struct tls_conn *tc);
/* Decrypted bytes are buffered: recv again without waiting for the socket. */
bool tls_conn_has_pending(const struct tls_conn *tc);
/* The handshake completed. */
bool tls_conn_is_established(const struct tls_conn *tc);
/* Send close_notify if the handshake completed (best effort, no wait); free. */
void tls_conn_free(struct tls_conn *tc);

#endif
