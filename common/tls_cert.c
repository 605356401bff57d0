/*
 * tls_cert: see tls_cert.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/x509.h>

#include "tls_cert.h"
#include "xalloc.h"

#define CHAIN_MAX 8

struct gen {
	gnutls_pcert_st pcert[CHAIN_MAX];
	unsigned n;
	gnutls_privkey_t key;
	char desc[256];
	struct gen *older;        /* replaced generations, kept until fini */
};

static _Atomic(struct gen *) current;
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static void
gen_free(struct gen *g)
{
	if (g == NULL)
		return;
	for (unsigned i = 0; i < g->n; i++)
		gnutls_pcert_deinit(&g->pcert[i]);
	if (g->key)
		gnutls_privkey_deinit(g->key);
	free(g);
}

static int
key_id_of_pub(gnutls_pubkey_t pub, unsigned char *out, size_t *len)
{
	return gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA256, out, len);
}

/* Load both files into a new generation. NULL with err on failure. */
static struct gen *
gen_load(const char *cert_path, const char *key_path, char *err, size_t errlen)
{
	gnutls_datum_t c = { 0 }, k = { 0 };
	gnutls_pubkey_t kpub = NULL;
	gnutls_x509_crt_t leaf = NULL;
	struct gen *g = NULL;
	unsigned char id1[64], id2[64];
	size_t l1 = sizeof(id1), l2 = sizeof(id2);
	int rc;

	if (cert_path == NULL || !cert_path[0] || key_path == NULL || !key_path[0]) {
		snprintf(err, errlen, "tls: both a certificate and a key file are needed");
		return NULL;
	}
	if ((rc = gnutls_load_file(cert_path, &c)) < 0) {
		snprintf(err, errlen, "tls_cert %s: cannot read it (%s)", cert_path, gnutls_strerror(rc));
		goto fail;
	}
	if ((rc = gnutls_load_file(key_path, &k)) < 0) {
		snprintf(err, errlen, "tls_key %s: cannot read it (%s)", key_path, gnutls_strerror(rc));
		goto fail;
	}
	if ((g = xcalloc(1, sizeof(*g))) == NULL) {
		snprintf(err, errlen, "tls: out of memory");
		goto fail;
	}
	g->n = CHAIN_MAX;
	if ((rc = gnutls_pcert_list_import_x509_raw(g->pcert, &g->n, &c, GNUTLS_X509_FMT_PEM,
	    GNUTLS_X509_CRT_LIST_FAIL_IF_UNSORTED)) < 0) {
		g->n = 0;
		snprintf(err, errlen, "tls_cert %s: not a PEM certificate chain, leaf first (%s)",
		    cert_path, gnutls_strerror(rc));
		goto fail;
	}
	if (g->n == 0) {
		snprintf(err, errlen, "tls_cert %s: no certificate in it", cert_path);
		goto fail;
	}
	if ((rc = gnutls_privkey_init(&g->key)) < 0 ||
	    (rc = gnutls_privkey_import_x509_raw(g->key, &k, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		snprintf(err, errlen, "tls_key %s: not a PEM private key (%s)", key_path,
		    gnutls_strerror(rc));
		goto fail;
	}
	/* The key must be the leaf certificate's. */
	if ((rc = gnutls_pubkey_init(&kpub)) < 0 ||
	    (rc = gnutls_pubkey_import_privkey(kpub, g->key, 0, 0)) < 0 ||
	    (rc = key_id_of_pub(kpub, id1, &l1)) < 0 ||
	    (rc = key_id_of_pub(g->pcert[0].pubkey, id2, &l2)) < 0) {
		snprintf(err, errlen, "tls_key %s: cannot compare it with the certificate (%s)",
		    key_path, gnutls_strerror(rc));
		goto fail;
	}
	if (l1 != l2 || memcmp(id1, id2, l1) != 0) {
		snprintf(err, errlen, "tls_key %s does not belong to the certificate in %s", key_path,
		    cert_path);
		goto fail;
	}
	if (gnutls_x509_crt_init(&leaf) == 0 &&
	    gnutls_x509_crt_import(leaf, &g->pcert[0].cert, GNUTLS_X509_FMT_DER) == 0) {
		char dn[160] = "";
		size_t dl = sizeof(dn);
		time_t exp = gnutls_x509_crt_get_expiration_time(leaf);
		struct tm tm;
		char when[32] = "?";
		if (gnutls_x509_crt_get_dn(leaf, dn, &dl) < 0)
			snprintf(dn, sizeof(dn), "?");
		if (exp != (time_t)-1 && gmtime_r(&exp, &tm))
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(g->desc, sizeof(g->desc), "%s, expires %s%s", dn, when,
		    exp != (time_t)-1 && exp < time(NULL) ? " (EXPIRED)" : "");
	}
	if (leaf)
		gnutls_x509_crt_deinit(leaf);
	gnutls_pubkey_deinit(kpub);
	gnutls_free(c.data);
	gnutls_memset(k.data, 0, k.size);
	gnutls_free(k.data);
	return g;
fail:
	if (kpub)
		gnutls_pubkey_deinit(kpub);
	gen_free(g);
	gnutls_free(c.data);
	if (k.data)
		gnutls_memset(k.data, 0, k.size);
	gnutls_free(k.data);
	return NULL;
}

int
tls_cert_check(const char *cert_path, const char *key_path, char *err, size_t errlen)
{
	struct gen *g = gen_load(cert_path, key_path, err, errlen);

	gen_free(g);
	return g ? 0 : -1;
}

int
tls_cert_load(const char *cert_path, const char *key_path, char *err, size_t errlen)
{
	struct gen *g = gen_load(cert_path, key_path, err, errlen);

	if (g == NULL)
		return -1;
	pthread_mutex_lock(&load_lock);
	g->older = atomic_load(&current);
	atomic_store(&current, g);
	pthread_mutex_unlock(&load_lock);
	return 0;
}

int
tls_cert_retrieve(gnutls_session_t s, const gnutls_datum_t *req_ca_dn, int nreqs,
    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_len, gnutls_pcert_st **pcert,
    unsigned int *pcert_len, gnutls_privkey_t *pkey)
{
	struct gen *g = atomic_load(&current);

	(void)s;
	(void)req_ca_dn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_len;
	if (g == NULL)
		return -1;
	*pcert = g->pcert;
	*pcert_len = g->n;
	*pkey = g->key;
	return 0;
}

void
tls_cert_describe(char *out, size_t outlen)
{
	struct gen *g = atomic_load(&current);

	snprintf(out, outlen, "%s", g ? g->desc : "none");
}

void
tls_cert_fini(void)
{
	struct gen *g;

	pthread_mutex_lock(&load_lock);
	g = atomic_exchange(&current, NULL);
	while (g) {
		struct gen *o = g->older;
		gen_free(g);
		g = o;
	}
	pthread_mutex_unlock(&load_lock);
}
