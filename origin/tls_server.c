/*
 * tls_server: OpenSSL server context and non-blocking connections; see
 * tls_server.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "log.h"
#include "tls_server.h"
#include "xalloc.h"

/* TLS 1.2 suites: forward secret AEAD only (Mozilla "intermediate"). */
#define TLS_CIPHERS_12 "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL"

struct tls_server {
	SSL_CTX *ctx;
	char *cert_path, *key_path;
};

struct tls_conn {
	SSL *ssl;
	bool wants_write;
	bool is_established;
	bool has_failed;      /* logged once; later calls just fail */
	char peer[64];
};

/* Never prompt for a passphrase: an encrypted key is a config error. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* The first queued OpenSSL error as "reason", then clear the queue. */
static void
ssl_reason(char *out, size_t outlen, const char *fallback)
{
	unsigned long e = ERR_get_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	if (e && r)
		snprintf(out, outlen, "%s", r);
	else if (e)
		snprintf(out, outlen, "error %08lx", e);
	else
		snprintf(out, outlen, "%s", fallback);
	ERR_clear_error();
}

/* A readable regular file, or err says why not. */
static int
check_readable(const char *key, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		snprintf(err, errlen, "%s %s: %s", key, path, strerror(errno));
		return -errno;
	}
	fclose(f);
	return 0;
}

static SSL_CTX *
ctx_load(const char *cert_path, const char *key_path, char *err, size_t errlen)
{
	SSL_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	FILE *f = NULL;
	X509 *leaf;
	char why[200];

	ERR_clear_error();
	if (cert_path == NULL || !cert_path[0] || key_path == NULL || !key_path[0]) {
		snprintf(err, errlen, "rtmps_cert and rtmps_key go together: %s is not set",
		    cert_path && cert_path[0] ? "rtmps_key" : "rtmps_cert");
		goto fail;
	}
	if (check_readable("rtmps_cert", cert_path, err, errlen) != 0 ||
	    check_readable("rtmps_key", key_path, err, errlen) != 0)
		goto fail;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		ssl_reason(why, sizeof(why), "out of memory");
		snprintf(err, errlen, "cannot create a TLS context: %s", why);
		goto fail;
	}
	SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS_12) != 1) {
		ssl_reason(why, sizeof(why), "unknown");
		snprintf(err, errlen, "cannot set TLS versions or ciphers: %s", why);
		goto fail;
	}
	/*
	 * No compression (CRIME), no renegotiation; the server picks the
	 * suite; an EOF without close_notify is a plain end of stream (encoders
	 * often just close: the RTMP layer has its own end of stream).
	 */
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_IGNORE_UNEXPECTED_EOF);
	/*
	 * Partial writes, because our send buffer is drained in pieces; moving
	 * buffer, because buf_consume() moves what is left to the front; and
	 * idle connections give their record buffers back.
	 */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1) {
		ssl_reason(why, sizeof(why), "unknown");
		snprintf(err, errlen, "rtmps_cert %s: not a PEM certificate chain (%s)", cert_path,
		    why);
		goto fail;
	}
	if ((f = fopen(key_path, "r")) == NULL) {
		snprintf(err, errlen, "rtmps_key %s: %s", key_path, strerror(errno));
		goto fail;
	}
	if ((pkey = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL)) == NULL) {
		ssl_reason(why, sizeof(why), "unknown");
		snprintf(err, errlen, "rtmps_key %s: not an unencrypted PEM private key (%s)",
		    key_path, why);
		goto fail;
	}
	leaf = SSL_CTX_get0_certificate(ctx);
	if (leaf == NULL || X509_check_private_key(leaf, pkey) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "rtmps_key %s does not match the certificate in rtmps_cert %s",
		    key_path, cert_path);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey(ctx, pkey) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		ssl_reason(why, sizeof(why), "unknown");
		snprintf(err, errlen, "rtmps_key %s: %s", key_path, why);
		goto fail;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0)
		log_warnx("rtmps_cert %s has expired: encoders that verify it will refuse it",
		    cert_path);
	EVP_PKEY_free(pkey);
	fclose(f);
	return ctx;
fail:
	ERR_clear_error();
	EVP_PKEY_free(pkey);
	if (f)
		fclose(f);
	SSL_CTX_free(ctx);
	return NULL;
}

struct tls_server *
tls_server_new(const char *cert_path, const char *key_path, char *err, size_t errlen)
{
	struct tls_server *ts;
	SSL_CTX *ctx = ctx_load(cert_path, key_path, err, errlen);

	if (ctx == NULL)
		return NULL;
	if ((ts = xcalloc(1, sizeof(*ts))) == NULL ||
	    (ts->cert_path = xstrdup(cert_path)) == NULL ||
	    (ts->key_path = xstrdup(key_path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		SSL_CTX_free(ctx);
		tls_server_free(ts);
		return NULL;
	}
	ts->ctx = ctx;
	return ts;
}

int
tls_server_reload(struct tls_server *ts, char *err, size_t errlen)
{
	SSL_CTX *ctx = ctx_load(ts->cert_path, ts->key_path, err, errlen);

	if (ctx == NULL)
		return -EINVAL;
	/* Each SSL holds a reference to its context: open connections go on. */
	SSL_CTX_free(ts->ctx);
	ts->ctx = ctx;
	return 0;
}

void
tls_server_free(struct tls_server *ts)
{
	if (ts == NULL)
		return;
	SSL_CTX_free(ts->ctx);
	free(ts->cert_path);
	free(ts->key_path);
	free(ts);
}

struct tls_conn *
tls_conn_new(struct tls_server *ts, int fd, const char *peer)
{
	struct tls_conn *tc = xcalloc(1, sizeof(*tc));

	if (tc == NULL)
		return NULL;
	snprintf(tc->peer, sizeof(tc->peer), "%s", peer);
	if ((tc->ssl = SSL_new(ts->ctx)) == NULL || SSL_set_fd(tc->ssl, fd) != 1) {
		ERR_clear_error();
		SSL_free(tc->ssl);
		free(tc);
		return NULL;
	}
	SSL_set_accept_state(tc->ssl);
	return tc;
}

/*
 * Map the result of an SSL call. while_what names the step for the log
 * ("handshake", "read", "write"). Returns -EAGAIN, 0 (clean end), -EPROTO
 * (logged once) or -errno.
 */
static ssize_t
ssl_fail(struct tls_conn *tc, int ret, const char *while_what)
{
	int e = SSL_get_error(tc->ssl, ret);
	int saved = errno;
	char why[200];

	tc->wants_write = false;
	switch (e) {
	case SSL_ERROR_WANT_READ:
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		tc->wants_write = true;
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		if (tc->is_established)
			return 0;
		snprintf(why, sizeof(why), "connection closed by the peer");
		break;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		if (saved == EAGAIN || saved == EINTR)
			return -EAGAIN;
		if (tc->is_established)
			return saved ? -saved : 0;
		snprintf(why, sizeof(why), "%s", saved ? strerror(saved) :
		    "connection closed by the peer");
		break;
	default:
		ssl_reason(why, sizeof(why), "unknown error");
		break;
	}
	if (!tc->has_failed) {
		tc->has_failed = true;
		log_ctx_set("rtmps %s", tc->peer);
		log_info("TLS %s failed: %s", while_what, why);
	}
	return -EPROTO;
}

ssize_t
tls_conn_recv(struct tls_conn *tc, void *buf, size_t len)
{
	size_t n = 0;
	int ret;

	if (tc->has_failed)
		return -EPROTO;
	ERR_clear_error();
	if (!tc->is_established) {
		ret = SSL_do_handshake(tc->ssl);
		if (ret != 1)
			return ssl_fail(tc, ret, "handshake");
		tc->is_established = true;
		if (log_level_current >= LOG_LVL_DEBUG) {
			log_ctx_set("rtmps %s", tc->peer);
			log_debug("TLS handshake done: %s, %s", SSL_get_version(tc->ssl),
			    SSL_get_cipher_name(tc->ssl));
		}
	}
	ret = SSL_read_ex(tc->ssl, buf, len, &n);
	if (ret != 1)
		return ssl_fail(tc, ret, "read");
	tc->wants_write = false;
	return (ssize_t)n;
}

ssize_t
tls_conn_send(struct tls_conn *tc, const void *buf, size_t len)
{
	size_t n = 0;
	int ret;

	if (tc->has_failed)
		return -EPROTO;
	if (!tc->is_established)
		return -EAGAIN;   /* the session writes only after it read: cannot happen */
	ERR_clear_error();
	ret = SSL_write_ex(tc->ssl, buf, len, &n);
	if (ret != 1) {
		ssize_t rc = ssl_fail(tc, ret, "write");
		return rc == 0 ? -EPIPE : rc;
	}
	tc->wants_write = false;
	return (ssize_t)n;
}

bool
tls_conn_wants_write(const struct tls_conn *tc)
{
	return tc->wants_write;
}

bool
tls_conn_has_pending(const struct tls_conn *tc)
{
	return !tc->has_failed && SSL_pending(tc->ssl) > 0;
}

bool
tls_conn_is_established(const struct tls_conn *tc)
{
	return tc->is_established;
}

void
tls_conn_free(struct tls_conn *tc)
{
	if (tc == NULL)
		return;
	if (tc->is_established && !tc->has_failed) {
		/* One attempt at close_notify; the socket closes right after. */
		ERR_clear_error();
		SSL_shutdown(tc->ssl);
	}
	ERR_clear_error();
	SSL_free(tc->ssl);
	free(tc);
}
