/*
 * rtmp_hs: the RTMP handshake, server and client side (Adobe RTMP spec 1.0
 * section 5.2, plus the unpublished HMAC-SHA256 "digest" handshake that
 * Flash Player, librtmp and ffmpeg's native client speak).
 *
 * Design: pure functions over a struct rd (input) and a struct buf (output);
 * no I/O, no clock. A block is consumed only once it is complete, through a
 * copy of the cursor that is committed at the end, so a short read leaves
 * the caller's input untouched. Digests are computed with OpenSSL 3's
 * one-shot HMAC(), so nothing here keeps library state between calls.
 *
 * Digest scheme (as librtmp handshake.h and ffmpeg rtmpproto.c compute it):
 * the 32-byte digest sits at (sum of 4 offset bytes) % 728 + base, with the
 * offset bytes at 8..11 (base 12, scheme 0) or 772..775 (base 776, scheme
 * 1), and is an HMAC of the other 1504 bytes of the block. S2/C2 in digest
 * mode are 1504 random bytes followed by an HMAC of them keyed with
 * HMAC(full key, peer's digest).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "log.h"
#include "rtmp_hs.h"

#define HS_DIGEST_LEN 32
#define HS_SIG_LEN (RTMP_HS_SIZE - HS_DIGEST_LEN)  /* 1504 */

/* "Genuine Adobe Flash Player 001" + 32 constant bytes. */
static const uint8_t hs_fp_key[62] = {
	'G', 'e', 'n', 'u', 'i', 'n', 'e', ' ', 'A', 'd', 'o', 'b', 'e', ' ',
	'F', 'l', 'a', 's', 'h', ' ', 'P', 'l', 'a', 'y', 'e', 'r', ' ',
	'0', '0', '1',
	0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1,
	0x02, 0x9e, 0x7e, 0x57, 0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab,
	0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
};
#define HS_FP_KEY_OPEN 30

/* "Genuine Adobe Flash Media Server 001" + the same 32 bytes. */
static const uint8_t hs_fms_key[68] = {
	'G', 'e', 'n', 'u', 'i', 'n', 'e', ' ', 'A', 'd', 'o', 'b', 'e', ' ',
	'F', 'l', 'a', 's', 'h', ' ', 'M', 'e', 'd', 'i', 'a', ' ',
	'S', 'e', 'r', 'v', 'e', 'r', ' ', '0', '0', '1',
	0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1,
	0x02, 0x9e, 0x7e, 0x57, 0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab,
	0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
};
#define HS_FMS_KEY_OPEN 36

/*
 * Version fields at bytes 4..7 of C1/S1. A non-zero client version asks for
 * the digest handshake; ffmpeg's player only checks S1's digest when byte 4
 * is 3 or more, so the server announces 13.14.10.13 as nginx-rtmp does.
 */
static const uint8_t hs_client_version[4] = { 0x80, 0x00, 0x07, 0x02 };
static const uint8_t hs_server_version[4] = { 0x0d, 0x0e, 0x0a, 0x0d };

static void
hs_log_ssl(const char *what)
{
	unsigned long e;
	char msg[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, msg, sizeof(msg));
		log_errx("rtmp_hs: %s: %s", what, msg);
	}
}

static int
hs_hmac(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
    uint8_t md[HS_DIGEST_LEN])
{
	unsigned int md_len = 0;

	if (HMAC(EVP_sha256(), key, (int)key_len, data, len, md, &md_len) ==
	    NULL || md_len != HS_DIGEST_LEN) {
		hs_log_ssl("HMAC-SHA256");
		return -EIO;
	}
	return 0;
}

static int
hs_random(uint8_t *p, size_t n)
{
	if (RAND_bytes(p, (int)n) != 1) {
		hs_log_ssl("RAND_bytes");
		return -EIO;
	}
	return 0;
}

/*
 * Offset of the digest: 4 offset bytes summed modulo 728 plus the base, so
 * at most 776 + 727 = 1503 and the 32 digest bytes always fit the block.
 */
size_t
rtmp_hs_digest_offset(const uint8_t *block, int scheme)
{
	size_t at = scheme == 0 ? 8 : 772;
	size_t sum = (size_t)block[at] + block[at + 1] + block[at + 2] +
	    block[at + 3];

	return sum % 728 + at + 4;
}

/* HMAC of the block with the digest's 32 bytes left out. */
static int
hs_block_digest(const uint8_t *block, size_t off, const uint8_t *key,
    size_t key_len, uint8_t md[HS_DIGEST_LEN])
{
	uint8_t msg[HS_SIG_LEN];

	memcpy(msg, block, off);
	memcpy(msg + off, block + off + HS_DIGEST_LEN,
	    RTMP_HS_SIZE - off - HS_DIGEST_LEN);
	return hs_hmac(key, key_len, msg, sizeof(msg), md);
}

/* 1 when the block carries a valid digest in this scheme, 0 if not. */
static int
hs_digest_ok(const uint8_t *block, int scheme, const uint8_t *key,
    size_t key_len)
{
	uint8_t md[HS_DIGEST_LEN];
	size_t off = rtmp_hs_digest_offset(block, scheme);
	int rc;

	if ((rc = hs_block_digest(block, off, key, key_len, md)) != 0)
		return rc;
	return memcmp(md, block + off, HS_DIGEST_LEN) == 0;
}

/* Write the digest into the block in place. */
static int
hs_imprint(uint8_t *block, int scheme, const uint8_t *key, size_t key_len)
{
	size_t off = rtmp_hs_digest_offset(block, scheme);

	return hs_block_digest(block, off, key, key_len, block + off);
}

/*
 * S2/C2 in digest mode: random bytes, then HMAC(HMAC(full key, peer digest),
 * the random bytes). The block answers the peer's digest, proving we know
 * the full key.
 */
static int
hs_make_answer(uint8_t *block, const uint8_t *peer_digest, const uint8_t *key,
    size_t key_len)
{
	uint8_t tmp[HS_DIGEST_LEN];
	int rc;

	if ((rc = hs_random(block, HS_SIG_LEN)) != 0)
		return rc;
	if ((rc = hs_hmac(key, key_len, peer_digest, HS_DIGEST_LEN, tmp)) != 0)
		return rc;
	return hs_hmac(tmp, sizeof(tmp), block, HS_SIG_LEN, block + HS_SIG_LEN);
}

static int
hs_answer_ok(const uint8_t *block, const uint8_t *our_digest,
    const uint8_t *key, size_t key_len)
{
	uint8_t tmp[HS_DIGEST_LEN], md[HS_DIGEST_LEN];
	int rc;

	if ((rc = hs_hmac(key, key_len, our_digest, HS_DIGEST_LEN, tmp)) != 0)
		return rc;
	if ((rc = hs_hmac(tmp, sizeof(tmp), block, HS_SIG_LEN, md)) != 0)
		return rc;
	return memcmp(md, block + HS_SIG_LEN, HS_DIGEST_LEN) == 0;
}

/* Fill time, version and random bytes of an S1 or C1. */
static int
hs_fill_block(uint8_t *block, uint32_t epoch_ms, const uint8_t version[4])
{
	block[0] = (uint8_t)(epoch_ms >> 24);
	block[1] = (uint8_t)(epoch_ms >> 16);
	block[2] = (uint8_t)(epoch_ms >> 8);
	block[3] = (uint8_t)epoch_ms;
	memcpy(block + 4, version, 4);
	return hs_random(block + 8, RTMP_HS_SIZE - 8);
}

void
rtmp_hs_server_init(struct rtmp_hs *hs, uint32_t epoch_ms)
{
	memset(hs, 0, sizeof(*hs));
	hs->state = RTMP_HS_SERVER_WAIT_C0C1;
	hs->scheme = -1;
	hs->epoch_ms = epoch_ms;
}

/*
 * C0+C1 in c1 (C0 already checked): build S0+S1+S2 into out. The digest
 * answer is used only when C1 asks for it (non-zero version) and its digest
 * verifies, trying scheme 0 first as librtmp and ffmpeg send it; anything
 * else gets the plain echo.
 */
static int
hs_server_answer(struct rtmp_hs *hs, const uint8_t *c1, struct buf *out)
{
	static const uint8_t zero_version[4] = { 0, 0, 0, 0 };
	uint8_t s2[RTMP_HS_SIZE];
	int rc, ok, scheme = -1;

	if (c1[4] | c1[5] | c1[6] | c1[7]) {
		for (int s = 0; s <= 1 && scheme < 0; s++) {
			ok = hs_digest_ok(c1, s, hs_fp_key, HS_FP_KEY_OPEN);
			if (ok < 0)
				return ok;
			if (ok)
				scheme = s;
		}
		if (scheme < 0)
			log_debug("rtmp_hs: C1 digest does not verify, "
			    "simple handshake");
	}
	hs->scheme = scheme;
	rc = hs_fill_block(hs->ours, hs->epoch_ms,
	    scheme >= 0 ? hs_server_version : zero_version);
	if (rc == 0 && scheme >= 0)
		rc = hs_imprint(hs->ours, scheme, hs_fms_key, HS_FMS_KEY_OPEN);
	if (rc == 0 && scheme >= 0)
		rc = hs_make_answer(s2, c1 + rtmp_hs_digest_offset(c1, scheme),
		    hs_fms_key, sizeof(hs_fms_key));
	else if (rc == 0)
		memcpy(s2, c1, RTMP_HS_SIZE);  /* spec 5.2.4: S2 echoes C1 */
	if (rc != 0)
		return rc;
	buf_put_u8(out, RTMP_HS_VERSION);
	buf_append(out, hs->ours, RTMP_HS_SIZE);
	return buf_append(out, s2, RTMP_HS_SIZE);
}

int
rtmp_hs_server_feed(struct rtmp_hs *hs, struct rd *in, struct buf *out)
{
	struct rd r = *in;
	const uint8_t *c1;
	uint8_t c0;
	int rc = 0;

	if (hs->state == RTMP_HS_DONE)
		return 1;
	if (hs->state == RTMP_HS_SERVER_WAIT_C0C1) {
		/* Refuse a wrong version as soon as its byte is in. */
		if (rd_peek_u8(&r, &c0) == 0 && c0 != RTMP_HS_VERSION)
			return -EPROTO;
		if (r.left < 1 + RTMP_HS_SIZE)
			return 0;
		rd_u8(&r, &c0);
		rd_ptr(&r, RTMP_HS_SIZE, &c1);
		if ((rc = hs_server_answer(hs, c1, out)) != 0)
			return rc;
		hs->state = RTMP_HS_SERVER_WAIT_C2;
		*in = r;
	}
	if (hs->state != RTMP_HS_SERVER_WAIT_C2)
		return -EINVAL;
	/*
	 * C2 is not checked: publishers echo S1 (ffmpeg) or answer with a
	 * digest (librtmp), and neither proves anything we rely on.
	 */
	if (rd_skip(&r, RTMP_HS_SIZE) != 0)
		return 0;
	*in = r;
	hs->state = RTMP_HS_DONE;
	return 1;
}

int
rtmp_hs_client_start(struct rtmp_hs *hs, bool digest, uint32_t epoch_ms,
    struct buf *out)
{
	static const uint8_t zero_version[4] = { 0, 0, 0, 0 };
	int rc;

	memset(hs, 0, sizeof(*hs));
	hs->state = RTMP_HS_CLIENT_WAIT_S0S1S2;
	hs->scheme = digest ? 0 : -1;
	hs->epoch_ms = epoch_ms;
	rc = hs_fill_block(hs->ours, epoch_ms,
	    digest ? hs_client_version : zero_version);
	if (rc == 0 && digest)
		rc = hs_imprint(hs->ours, 0, hs_fp_key, HS_FP_KEY_OPEN);
	if (rc != 0)
		return rc;
	buf_put_u8(out, RTMP_HS_VERSION);
	return buf_append(out, hs->ours, RTMP_HS_SIZE);
}

/*
 * In digest mode S1 must carry an FMS digest (either scheme, as ffmpeg
 * accepts) and S2 must answer our C1 digest, as ffmpeg's player checks;
 * C2 then answers S1's digest. In simple mode C2 echoes S1.
 */
int
rtmp_hs_client_feed(struct rtmp_hs *hs, struct rd *in, struct buf *out)
{
	struct rd r = *in;
	const uint8_t *s1, *s2;
	uint8_t s0, c2[RTMP_HS_SIZE];
	int rc, ok, s_scheme = -1;

	if (hs->state == RTMP_HS_DONE)
		return 1;
	if (hs->state != RTMP_HS_CLIENT_WAIT_S0S1S2)
		return -EINVAL;
	if (rd_peek_u8(&r, &s0) == 0 && s0 != RTMP_HS_VERSION)
		return -EPROTO;
	if (r.left < 1 + 2 * RTMP_HS_SIZE)
		return 0;
	rd_u8(&r, &s0);
	rd_ptr(&r, RTMP_HS_SIZE, &s1);
	rd_ptr(&r, RTMP_HS_SIZE, &s2);
	if (hs->scheme >= 0) {
		for (int s = 0; s <= 1 && s_scheme < 0; s++) {
			ok = hs_digest_ok(s1, s, hs_fms_key, HS_FMS_KEY_OPEN);
			if (ok < 0)
				return ok;
			if (ok)
				s_scheme = s;
		}
		if (s_scheme < 0)
			return -EPROTO;
		ok = hs_answer_ok(s2,
		    hs->ours + rtmp_hs_digest_offset(hs->ours, hs->scheme),
		    hs_fms_key, sizeof(hs_fms_key));
		if (ok <= 0)
			return ok < 0 ? ok : -EPROTO;
		rc = hs_make_answer(c2, s1 + rtmp_hs_digest_offset(s1, s_scheme),
		    hs_fp_key, sizeof(hs_fp_key));
		if (rc != 0)
			return rc;
	} else {
		memcpy(c2, s1, RTMP_HS_SIZE);
	}
	if ((rc = buf_append(out, c2, RTMP_HS_SIZE)) != 0)
		return rc;
	*in = r;
	hs->state = RTMP_HS_DONE;
	return 1;
}
