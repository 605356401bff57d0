/*
 * test_rtmp_hs: the RTMP handshake, our client against our server in digest
 * and simple mode, a hand-made scheme-1 C1, and the checks ffmpeg's native
 * player applies to S1 and S2 (rtmpproto.c rtmp_handshake), recomputed here
 * independently with OpenSSL and the keys typed in again from the spec
 * notes, so a wrong key or offset in rtmp_hs.c fails.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "check.h"
#include "rd.h"
#include "rtmp_hs.h"

#define HS RTMP_HS_SIZE

static const uint8_t tail32[32] = {
	0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0,
	0xD1, 0x02, 0x9E, 0x7E, 0x57, 0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80,
	0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE,
};
static uint8_t fp_key[62], fms_key[68];

static void
keys_init(void)
{
	memcpy(fp_key, "Genuine Adobe Flash Player 001", 30);
	memcpy(fp_key + 30, tail32, 32);
	memcpy(fms_key, "Genuine Adobe Flash Media Server 001", 36);
	memcpy(fms_key + 36, tail32, 32);
}

static void
hmac(const uint8_t *key, size_t klen, const uint8_t *d, size_t n, uint8_t *md)
{
	unsigned int len = 32;

	HMAC(EVP_sha256(), key, (int)klen, d, n, md, &len);
}

/* Independent offset: (sum of 4 bytes) % 728 + base. */
static size_t
off_of(const uint8_t *b, size_t at)
{
	return ((size_t)b[at] + b[at + 1] + b[at + 2] + b[at + 3]) % 728 + at + 4;
}

static void
block_digest(const uint8_t *b, size_t off, const uint8_t *key, size_t klen,
    uint8_t *md)
{
	uint8_t tmp[HS - 32];

	memcpy(tmp, b, off);
	memcpy(tmp + off, b + off + 32, HS - off - 32);
	hmac(key, klen, tmp, sizeof(tmp), md);
}

/* ffmpeg's rtmp_validate_digest: the digest position, or 0. */
static size_t
validate(const uint8_t *b, size_t at, const uint8_t *key, size_t klen)
{
	uint8_t md[32];
	size_t off = off_of(b, at);

	block_digest(b, off, key, klen, md);
	return memcmp(md, b + off, 32) == 0 ? off : 0;
}

/* ffmpeg's S2 check: HMAC(HMAC(full key, our digest), S2[0..1504]). */
static int
answer_ok(const uint8_t *blk, const uint8_t *digest, const uint8_t *key,
    size_t klen)
{
	uint8_t k2[32], md[32];

	hmac(key, klen, digest, 32, k2);
	hmac(k2, 32, blk, HS - 32, md);
	return memcmp(md, blk + HS - 32, 32) == 0;
}

/* A C1 with version 80 00 07 02 and a digest at the given scheme. */
static void
make_digest_c1(uint8_t *c1, size_t at, uint8_t seed)
{
	size_t off;

	for (size_t i = 0; i < HS; i++)
		c1[i] = (uint8_t)(i * 7 + seed);
	memset(c1, 0, 4);
	c1[4] = 0x80, c1[5] = 0x00, c1[6] = 0x07, c1[7] = 0x02;
	off = off_of(c1, at);
	block_digest(c1, off, fp_key, 30, c1 + off);
}

/* Server answers C0+c1; fills S0S1S2 (3073 bytes) into resp. */
static int
server_answer(struct rtmp_hs *srv, const uint8_t *c1, uint8_t *resp)
{
	uint8_t in[1 + HS];
	struct buf out;
	struct rd r;
	int rc;

	in[0] = 3;
	memcpy(in + 1, c1, HS);
	buf_init(&out, 1 << 16);
	rtmp_hs_server_init(srv, 12345);
	rd_init(&r, in, sizeof(in));
	rc = rtmp_hs_server_feed(srv, &r, &out);
	if (rc == 0 && (r.left != 0 || out.len != 1 + 2 * HS))
		rc = -1000;
	if (rc == 0)
		memcpy(resp, out.data, out.len);
	buf_fini(&out);
	return rc;
}

static int
t_digest_offset(void)
{
	uint8_t b[HS];

	memset(b, 0, sizeof(b));
	CHECK_INT(rtmp_hs_digest_offset(b, 0), 12);
	CHECK_INT(rtmp_hs_digest_offset(b, 1), 776);
	b[8] = b[9] = b[10] = b[11] = 0xff;       /* 1020 % 728 = 292 */
	b[772] = 1, b[773] = 2, b[774] = 3, b[775] = 4;
	CHECK_INT(rtmp_hs_digest_offset(b, 0), 304);
	CHECK_INT(rtmp_hs_digest_offset(b, 1), 786);
	memset(b + 772, 0xff, 4);
	b[775] = 0xfb;                            /* 1016 % 728 = 288 */
	CHECK_INT(rtmp_hs_digest_offset(b, 1), 1064);
	return 0;
}

/* Our digest client, our server: every step, plus ffmpeg's checks. */
static int
t_digest_pair(void)
{
	struct rtmp_hs cli, srv;
	struct buf c, s;
	struct rd r;
	size_t s1pos, c1pos;
	const uint8_t *s1;

	keys_init();
	buf_init(&c, 1 << 16);
	buf_init(&s, 1 << 16);
	rtmp_hs_server_init(&srv, 777);
	CHECK_INT(rtmp_hs_client_start(&cli, true, 1000, &c), 0);
	CHECK_INT(c.len, 1 + HS);
	CHECK_INT(c.data[0], 3);
	CHECK_INT(c.data[1 + 3], 1000 & 0xff);
	CHECK(c.data[5] != 0);                    /* asks for the digest */
	c1pos = validate(c.data + 1, 8, fp_key, 30);
	CHECK(c1pos != 0);                        /* scheme 0, as librtmp */

	rd_init(&r, c.data, c.len);
	CHECK_INT(rtmp_hs_server_feed(&srv, &r, &s), 0);
	CHECK_INT(r.left, 0);
	CHECK_INT(srv.scheme, 0);
	CHECK_INT(s.len, 1 + 2 * HS);
	CHECK_INT(s.data[0], 3);
	s1 = s.data + 1;
	CHECK_INT(s1[3], 777 & 0xff);
	/* ffmpeg: serverdata[5] >= 3, then validate at 772, else at 8 */
	CHECK(s1[4] >= 3);
	s1pos = validate(s1, 772, fms_key, 36);
	if (s1pos == 0)
		s1pos = validate(s1, 8, fms_key, 36);
	CHECK(s1pos != 0);
	CHECK_INT(s1pos, off_of(s1, 8));          /* same scheme as C1 */
	CHECK(answer_ok(s1 + HS, c.data + 1 + c1pos, fms_key, 68));

	c.len = 0;
	rd_init(&r, s.data, s.len);
	CHECK_INT(rtmp_hs_client_feed(&cli, &r, &c), 1);
	CHECK_INT(r.left, 0);
	CHECK_INT(c.len, HS);
	CHECK(answer_ok(c.data, s1 + s1pos, fp_key, 62));  /* C2 */
	CHECK_INT(cli.state, RTMP_HS_DONE);

	rd_init(&r, c.data, c.len);
	CHECK_INT(rtmp_hs_server_feed(&srv, &r, &s), 1);
	CHECK_INT(r.left, 0);
	CHECK_INT(srv.state, RTMP_HS_DONE);
	/* Done stays done and consumes nothing. */
	CHECK_INT(rtmp_hs_server_feed(&srv, &r, &s), 1);
	buf_fini(&c);
	buf_fini(&s);
	return 0;
}

/* Simple handshake: zero version, S2 echoes C1, C2 echoes S1. */
static int
t_simple_pair(void)
{
	struct rtmp_hs cli, srv;
	struct buf c, s;
	struct rd r;
	uint8_t c1[HS];

	buf_init(&c, 1 << 16);
	buf_init(&s, 1 << 16);
	rtmp_hs_server_init(&srv, 5);
	CHECK_INT(rtmp_hs_client_start(&cli, false, 9, &c), 0);
	CHECK_INT(c.len, 1 + HS);
	CHECK_INT(c.data[5] | c.data[6] | c.data[7] | c.data[8], 0);
	memcpy(c1, c.data + 1, HS);
	rd_init(&r, c.data, c.len);
	CHECK_INT(rtmp_hs_server_feed(&srv, &r, &s), 0);
	CHECK_INT(srv.scheme, -1);
	CHECK_INT(s.len, 1 + 2 * HS);
	CHECK_INT(s.data[5] | s.data[6] | s.data[7] | s.data[8], 0);
	CHECK_MEM(s.data + 1 + HS, c1, HS);       /* S2 == C1 */
	c.len = 0;
	rd_init(&r, s.data, s.len);
	CHECK_INT(rtmp_hs_client_feed(&cli, &r, &c), 1);
	CHECK_INT(c.len, HS);
	CHECK_MEM(c.data, s.data + 1, HS);        /* C2 == S1 */
	rd_init(&r, c.data, c.len);
	CHECK_INT(rtmp_hs_server_feed(&srv, &r, &s), 1);
	buf_fini(&c);
	buf_fini(&s);
	return 0;
}

/* A C1 with its digest in scheme 1, made by hand. */
static int
t_scheme1(void)
{
	struct rtmp_hs srv;
	uint8_t c1[HS], resp[1 + 2 * HS];
	size_t c1pos, s1pos;

	keys_init();
	make_digest_c1(c1, 772, 3);
	CHECK_INT(validate(c1, 8, fp_key, 30), 0);  /* not scheme 0 */
	c1pos = off_of(c1, 772);
	CHECK_INT(server_answer(&srv, c1, resp), 0);
	CHECK_INT(srv.scheme, 1);
	s1pos = validate(resp + 1, 772, fms_key, 36);
	CHECK(s1pos != 0);
	CHECK(answer_ok(resp + 1 + HS, c1 + c1pos, fms_key, 68));
	return 0;
}

/* A scheme-0 C1 made by hand, as ffmpeg builds it. */
static int
t_scheme0_hand(void)
{
	struct rtmp_hs srv;
	uint8_t c1[HS], resp[1 + 2 * HS];

	keys_init();
	make_digest_c1(c1, 8, 11);
	CHECK_INT(server_answer(&srv, c1, resp), 0);
	CHECK_INT(srv.scheme, 0);
	CHECK(validate(resp + 1, 8, fms_key, 36) != 0);
	CHECK(answer_ok(resp + 1 + HS, c1 + off_of(c1, 8), fms_key, 68));
	return 0;
}

/* Version set but the digest is wrong: fall back to the echo. */
static int
t_bad_digest_falls_back(void)
{
	struct rtmp_hs srv;
	uint8_t c1[HS], resp[1 + 2 * HS];

	keys_init();
	make_digest_c1(c1, 8, 1);
	c1[off_of(c1, 8)] ^= 1;
	CHECK_INT(server_answer(&srv, c1, resp), 0);
	CHECK_INT(srv.scheme, -1);
	CHECK_MEM(resp + 1 + HS, c1, HS);
	CHECK_INT(resp[5] | resp[6] | resp[7] | resp[8], 0);
	return 0;
}

static const struct {
	const char *name;
	uint8_t c0;
	int want;
} version_cases[] = {
	{ "v3", 3, 0 },
	{ "v0", 0, -EPROTO },
	{ "v6 rtmpe", 6, -EPROTO },
	{ "v255", 255, -EPROTO },
};

static int
t_c0_version(void)
{
	uint8_t in[1 + HS];

	for (size_t i = 0; i < sizeof(version_cases) / sizeof(version_cases[0]); i++) {
		struct rtmp_hs srv;
		struct buf out;
		struct rd r;

		memset(in, 0, sizeof(in));
		in[0] = version_cases[i].c0;
		buf_init(&out, 1 << 16);
		rtmp_hs_server_init(&srv, 0);
		rd_init(&r, in, sizeof(in));
		fprintf(stderr, "  case %s\n", version_cases[i].name);
		CHECK_INT(rtmp_hs_server_feed(&srv, &r, &out), version_cases[i].want);
		if (version_cases[i].want != 0)
			CHECK_INT(out.len, 0);
		/* Refused on the first byte already. */
		rd_init(&r, in, 1);
		rtmp_hs_server_init(&srv, 0);
		CHECK_INT(rtmp_hs_server_feed(&srv, &r, &out),
		    version_cases[i].want);
		buf_fini(&out);
	}
	return 0;
}

static int
t_client_bad_s0(void)
{
	struct rtmp_hs cli;
	struct buf c;
	struct rd r;
	uint8_t s[1 + 2 * HS];

	buf_init(&c, 1 << 16);
	CHECK_INT(rtmp_hs_client_start(&cli, false, 0, &c), 0);
	memset(s, 0, sizeof(s));
	s[0] = 4;
	rd_init(&r, s, sizeof(s));
	CHECK_INT(rtmp_hs_client_feed(&cli, &r, &c), -EPROTO);
	buf_fini(&c);
	return 0;
}

/* A digest client refuses an S1 or S2 whose digest is off by one bit. */
static int
t_client_bad_digest(void)
{
	for (int which = 0; which < 3; which++) {
		struct rtmp_hs cli, srv;
		struct buf c, s;
		struct rd r;
		size_t pos;

		buf_init(&c, 1 << 16);
		buf_init(&s, 1 << 16);
		CHECK_INT(rtmp_hs_client_start(&cli, true, 0, &c), 0);
		rtmp_hs_server_init(&srv, 0);
		rd_init(&r, c.data, c.len);
		CHECK_INT(rtmp_hs_server_feed(&srv, &r, &s), 0);
		pos = rtmp_hs_digest_offset(s.data + 1, 0);
		if (which == 0)
			s.data[1 + pos] ^= 0x80;          /* S1 digest */
		else if (which == 1)
			s.data[1 + HS + 100] ^= 0x01;     /* S2 body */
		else
			memcpy(s.data + 1 + HS, c.data + 1, HS);  /* S2 echo */
		c.len = 0;
		rd_init(&r, s.data, s.len);
		CHECK_INT(rtmp_hs_client_feed(&cli, &r, &c), -EPROTO);
		CHECK_INT(c.len, 0);
		buf_fini(&c);
		buf_fini(&s);
	}
	return 0;
}

/*
 * Byte by byte: 0 and nothing consumed until a block is whole, for both
 * sides; the final byte completes it.
 */
static int
t_partial(void)
{
	struct rtmp_hs cli, srv;
	struct buf c, s, c2;
	struct rd r;

	buf_init(&c, 1 << 16);
	buf_init(&s, 1 << 16);
	buf_init(&c2, 1 << 16);
	CHECK_INT(rtmp_hs_client_start(&cli, true, 0, &c), 0);
	rtmp_hs_server_init(&srv, 0);
	for (size_t k = 0; k < c.len; k++) {
		rd_init(&r, c.data, k);
		CHECK_INT(rtmp_hs_server_feed(&srv, &r, &s), 0);
		CHECK_INT(r.left, k);
		CHECK_INT(s.len, 0);
	}
	rd_init(&r, c.data, c.len);
	CHECK_INT(rtmp_hs_server_feed(&srv, &r, &s), 0);
	CHECK_INT(r.left, 0);
	CHECK_INT(s.len, 1 + 2 * HS);
	for (size_t k = 0; k < s.len; k++) {
		rd_init(&r, s.data, k);
		CHECK_INT(rtmp_hs_client_feed(&cli, &r, &c2), 0);
		CHECK_INT(r.left, k);
		CHECK_INT(c2.len, 0);
	}
	rd_init(&r, s.data, s.len);
	CHECK_INT(rtmp_hs_client_feed(&cli, &r, &c2), 1);
	CHECK_INT(c2.len, HS);
	for (size_t k = 0; k < HS; k++) {
		rd_init(&r, c2.data, k);
		CHECK_INT(rtmp_hs_server_feed(&srv, &r, &s), 0);
		CHECK_INT(r.left, k);
	}
	rd_init(&r, c2.data, HS);
	CHECK_INT(rtmp_hs_server_feed(&srv, &r, &s), 1);
	CHECK_INT(r.left, 0);
	CHECK_INT(s.len, 1 + 2 * HS);             /* nothing more sent */
	buf_fini(&c);
	buf_fini(&s);
	buf_fini(&c2);
	return 0;
}

/*
 * Bytes after C2 (the publisher's first chunks) stay in the cursor, also
 * when C0, C1 and C2 come in one read; likewise after S2 for the client.
 */
static int
t_trailing(void)
{
	static const uint8_t extra[] = { 0x02, 0x00, 0x00, 0x00, 0x00 };
	struct rtmp_hs cli, srv;
	struct buf c, s, all;
	struct rd r;

	buf_init(&c, 1 << 16);
	buf_init(&s, 1 << 16);
	buf_init(&all, 1 << 16);
	CHECK_INT(rtmp_hs_client_start(&cli, false, 0, &c), 0);
	/* Client: S0+S1+S2+extra in one read. */
	rtmp_hs_server_init(&srv, 0);
	rd_init(&r, c.data, c.len);
	CHECK_INT(rtmp_hs_server_feed(&srv, &r, &s), 0);
	buf_append(&all, s.data, s.len);
	buf_append(&all, extra, sizeof(extra));
	c.len = 0;
	rd_init(&r, all.data, all.len);
	CHECK_INT(rtmp_hs_client_feed(&cli, &r, &c), 1);
	CHECK_INT(r.left, sizeof(extra));
	CHECK_MEM(r.p, extra, sizeof(extra));

	/* Server: C0+C1+C2+extra in one buffer. */
	all.len = 0;
	buf_put_u8(&all, 3);
	buf_append(&all, cli.ours, HS);
	buf_append(&all, c.data, HS);
	buf_append(&all, extra, sizeof(extra));
	rtmp_hs_server_init(&srv, 0);
	s.len = 0;
	rd_init(&r, all.data, all.len);
	CHECK_INT(rtmp_hs_server_feed(&srv, &r, &s), 1);
	CHECK_INT(s.len, 1 + 2 * HS);
	CHECK_INT(r.left, sizeof(extra));
	CHECK_MEM(r.p, extra, sizeof(extra));
	buf_fini(&c);
	buf_fini(&s);
	buf_fini(&all);
	return 0;
}

/* Output errors pass through, and nothing is consumed. */
static int
t_out_full(void)
{
	struct rtmp_hs cli, srv;
	struct buf c, s;
	struct rd r;

	buf_init(&c, 1 << 16);
	buf_init(&s, 100);
	CHECK_INT(rtmp_hs_client_start(&cli, true, 0, &c), 0);
	rtmp_hs_server_init(&srv, 0);
	rd_init(&r, c.data, c.len);
	CHECK_INT(rtmp_hs_server_feed(&srv, &r, &s), -ENOBUFS);
	CHECK_INT(r.left, c.len);
	buf_fini(&s);
	buf_init(&s, 100);
	CHECK_INT(rtmp_hs_client_start(&cli, true, 0, &s), -ENOBUFS);
	buf_fini(&c);
	buf_fini(&s);
	return 0;
}

/* Two starts give different random fill. */
static int
t_random(void)
{
	struct rtmp_hs a, b;
	struct buf c;

	buf_init(&c, 1 << 16);
	CHECK_INT(rtmp_hs_client_start(&a, false, 0, &c), 0);
	CHECK_INT(rtmp_hs_client_start(&b, false, 0, &c), 0);
	CHECK(memcmp(a.ours + 8, b.ours + 8, HS - 8) != 0);
	buf_fini(&c);
	return 0;
}

int
main(void)
{
	RUN(t_digest_offset);
	RUN(t_digest_pair);
	RUN(t_simple_pair);
	RUN(t_scheme1);
	RUN(t_scheme0_hand);
	RUN(t_bad_digest_falls_back);
	RUN(t_c0_version);
	RUN(t_client_bad_s0);
	RUN(t_client_bad_digest);
	RUN(t_partial);
	RUN(t_trailing);
	RUN(t_out_full);
	RUN(t_random);
	return check_done();
}
