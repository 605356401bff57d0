/*
 * tls_cert: the certificate and key an HTTPS listener (libmicrohttpd with
 * GnuTLS) presents, loaded from PEM files and reloadable while running.
 *
 * libmicrohttpd asks for the certificate at every handshake through a
 * GnuTLS retrieve callback (MHD_OPTION_HTTPS_CERT_CALLBACK), so a reload
 * (SIGHUP) takes effect for the next handshake without restarting the
 * listener or dropping a connection. A reload that fails (a missing file,
 * a key that does not match the certificate) keeps the certificate in use
 * and says why. Replaced certificates stay allocated until tls_cert_fini,
 * since a handshake in flight may still hold them; reloads are rare.
 *
 * One certificate per process (the callback has no user argument): every
 * HTTPS listener of the daemon presents it.
 */
#ifndef CDN_TLS_CERT_H
#define CDN_TLS_CERT_H

#include <stddef.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

/*
 * Check that cert_path (a PEM chain, leaf first) and key_path (PEM) load and
 * belong together, without installing them. 0, or -1 with err ("tls_cert
 * /x.pem: ...") — for `-t`.
 */
int tls_cert_check(const char *cert_path, const char *key_path, char *err, size_t errlen);

/*
 * Load and install them as the process's certificate (first call) or in
 * place of the current one (later calls: a reload). 0, or -1 with err; on
 * failure the current certificate, if any, stays.
 */
int tls_cert_load(const char *cert_path, const char *key_path, char *err, size_t errlen);

/* The GnuTLS callback for MHD_OPTION_HTTPS_CERT_CALLBACK. */
int tls_cert_retrieve(gnutls_session_t s, const gnutls_datum_t *req_ca_dn, int nreqs,
    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_len, gnutls_pcert_st **pcert,
    unsigned int *pcert_len, gnutls_privkey_t *pkey);

/* A one-line description of the current certificate (subject, expiry). */
void tls_cert_describe(char *out, size_t outlen);

/* Free every generation (at exit, after the listeners stopped). */
void tls_cert_fini(void);

#endif
