/*
 * seg_crypt: AES-128-CBC + PKCS#7 over a whole segment (RFC 8216 4.3.2.4);
 * see seg_crypt.h. One EVP context per call: no static state, so any
 * thread may call it.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "log.h"
#include "seg_crypt.h"
#include "xalloc.h"

void
seg_crypt_iv_from_msn(uint64_t msn, uint8_t iv[SEG_CRYPT_IV_LEN])
{
	for (int i = 0; i < 8; i++)
		iv[i] = 0;
	for (int i = 0; i < 8; i++)
		iv[15 - i] = (uint8_t)(msn >> (8 * i));
}

static void
drain_ssl_errors(const char *what)
{
	unsigned long e;
	char msg[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, msg, sizeof(msg));
		log_warnx("seg_crypt: %s: %s", what, msg);
	}
}

static int
run(int enc, const uint8_t *key, const uint8_t *iv, const uint8_t *in, size_t len,
    uint8_t **out, size_t *out_len)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *o = NULL;
	size_t done = 0;
	int n = 0, rc = -EIO;

	*out = NULL;
	*out_len = 0;
	if (len > (size_t)INT_MAX - 32)
		return -EINVAL;   /* EVP counts in int; segments are far smaller */
	if ((o = xmalloc(len + 16)) == NULL)
		return -ENOMEM;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	/* PKCS#7 padding is EVP's default. */
	if (EVP_CipherInit_ex(ctx, EVP_aes_128_cbc(), NULL, key, iv, enc) != 1)
		goto out;
	if (len > 0 && EVP_CipherUpdate(ctx, o, &n, in, (int)len) != 1)
		goto out;
	done = (size_t)n;
	if (EVP_CipherFinal_ex(ctx, o + done, &n) != 1) {
		rc = enc ? -EIO : -EPROTO;
		goto out;
	}
	done += (size_t)n;
	*out = o;
	*out_len = done;
	o = NULL;
	rc = 0;
out:
	if (rc == -EIO)
		drain_ssl_errors(enc ? "encrypt" : "decrypt");
	else
		ERR_clear_error();
	EVP_CIPHER_CTX_free(ctx);
	free(o);
	return rc;
}

int
seg_crypt_encrypt(const uint8_t key[SEG_CRYPT_KEY_LEN], const uint8_t iv[SEG_CRYPT_IV_LEN],
    const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
	return run(1, key, iv, in, len, out, out_len);
}

int
seg_crypt_decrypt(const uint8_t key[SEG_CRYPT_KEY_LEN], const uint8_t iv[SEG_CRYPT_IV_LEN],
    const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
	return run(0, key, iv, in, len, out, out_len);
}
