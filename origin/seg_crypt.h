/*
 * seg_crypt: whole-segment encryption for HLS, RFC 8216 4.3.2.4
 * METHOD=AES-128: AES-128-CBC with PKCS#7 padding over the entire segment,
 * through OpenSSL EVP. Pure functions, no state: the stream layer owns the
 * keys and their rotation (stream.c), this file only transforms bytes.
 *
 * The IV is the segment's media sequence number as a 128-bit big-endian
 * integer, which is also what RFC 8216 5.2 prescribes when IV is absent, so
 * a player that ignored our explicit IV attribute would still decrypt.
 *
 * SAMPLE-AES is not done (docs/access.md): it encrypts samples inside the
 * packager (TS per NAL unit, fMP4 'cbcs'), which libavformat 5.1's muxers
 * do not do.
 */
#ifndef CDN_SEG_CRYPT_H
#define CDN_SEG_CRYPT_H

#include <stddef.h>
#include <stdint.h>

#define SEG_CRYPT_KEY_LEN 16
#define SEG_CRYPT_IV_LEN 16

/* The IV of media sequence number msn (big-endian, 128 bits). */
void seg_crypt_iv_from_msn(uint64_t msn, uint8_t iv[SEG_CRYPT_IV_LEN]);

/*
 * Encrypt in[0..len) into a new malloc'd buffer (*out, *out_len = len
 * rounded up to the next multiple of 16, plus 16 when len already is one).
 * Borrows key, iv and in. 0, -ENOMEM, -EIO (OpenSSL failed; its error
 * queue is logged and drained).
 */
int seg_crypt_encrypt(const uint8_t key[SEG_CRYPT_KEY_LEN], const uint8_t iv[SEG_CRYPT_IV_LEN],
    const uint8_t *in, size_t len, uint8_t **out, size_t *out_len);

/* The inverse, for the unit test and tools. 0, -ENOMEM, -EPROTO (bad padding). */
int seg_crypt_decrypt(const uint8_t key[SEG_CRYPT_KEY_LEN], const uint8_t iv[SEG_CRYPT_IV_LEN],
    const uint8_t *in, size_t len, uint8_t **out, size_t *out_len);

#endif
