/*
 * test_play_token: signed playback tokens (common/play_token.c) and the
 * playlist rewriter that carries them (common/m3u8_token.c).
 *
 * The signatures are pinned against `openssl dgst -sha256 -hmac` (the
 * values in KNOWN_* were computed with the command docs/access.md shows),
 * so the C code, the docs and a customer's shell agree. Tokens are copied
 * into heap blocks of exactly their length with no NUL, so an ASan build
 * catches a read past n.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "m3u8_token.h"
#include "play_token.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
/* printf '1~cam1~2000000000~~' | openssl dgst -sha256 -hmac ps_test */
#define KNOWN_SIG "f68b31e38ddb4afa2bdd106a7117a9466aa3e0b47b638e77e1889909dbd2b11b"
#define KNOWN_TOKEN "1~2000000000~~~" KNOWN_SIG
/* printf '1~cam1~2000000000~10.0.0.0/8~abc' | openssl dgst -sha256 -hmac ps_test */
#define KNOWN_SIG2 "5f5e69b4185cf5885f367dfd4a2462f9e23aa0b447870be19fc41c531cecb2c3"
#define KNOWN_TOKEN2 "1~2000000000~10.0.0.0/8~abc~" KNOWN_SIG2
#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int
parse_exact(const char *s, struct play_token *t)
{
	size_t n = strlen(s);
	char *p = malloc(n ? n : 1);
	int rc;

	if (p == NULL)
		return -ENOMEM;
	memcpy(p, s, n);
	rc = play_token_parse(p, n, t);
	free(p);
	return rc;
}

static int
t_parse_table(void)
{
	static const struct {
		const char *tok;
		int rc;
	} cases[] = {
		{ KNOWN_TOKEN, 0 },
		{ KNOWN_TOKEN2, 0 },
		{ "1~1~::1~s~" HEX64, 0 },
		{ "1~1~2001:db8::/32~~" HEX64, 0 },
		{ "1~1~~a-b_C9~" HEX64, 0 },
		{ "1~123456789012~~~" HEX64, 0 },
		{ "", -EPROTO },
		{ "1", -EPROTO },
		{ "2~1~~~" HEX64, -EPROTO },             /* version */
		{ "1~~~~" HEX64, -EPROTO },              /* empty EXP */
		{ "1~-1~~~" HEX64, -EPROTO },
		{ "1~1234567890123~~~" HEX64, -EPROTO }, /* 13 digits */
		{ "1~1~~~" HEX64 "0", -EPROTO },         /* 65 hex */
		{ "1~1~~~" HEX64 "~", -EPROTO },         /* fifth separator */
		{ "1~1~~~0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg", -EPROTO },
		{ "1~1~~a b~" HEX64, -EPROTO },          /* SID alphabet */
		{ "1~1~~a~b~" HEX64, -EPROTO },
		{ "1~1~10.0.0.0/33~~" HEX64, -EPROTO },
		{ "1~1~10.0.0.0/08~~" HEX64, -EPROTO },
		{ "1~1~10.0.0~~" HEX64, -EPROTO },
		{ "1~1~10.0.0.0/~~" HEX64, -EPROTO },
		{ "1~1~::1/129~~" HEX64, -EPROTO },
		{ "1~1~host~~" HEX64, -EPROTO },
		{ "1~1~~0123456789012345678901234567890123456789012345678901234567890123456789~" HEX64,
		  -EPROTO },                             /* SID of 70 */
	};
	struct play_token t;

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		int rc = parse_exact(cases[i].tok, &t);
		if (rc != cases[i].rc) {
			fprintf(stderr, "  case %zu (%s): got %d, want %d\n", i, cases[i].tok, rc,
			    cases[i].rc);
			return 1;
		}
	}
	CHECK_INT(parse_exact(KNOWN_TOKEN2, &t), 0);
	CHECK_INT(t.exp_s, 2000000000);
	CHECK_STR(t.cidr, "10.0.0.0/8");
	CHECK_STR(t.sid, "abc");
	CHECK_INT(t.net.family, 4);
	CHECK_INT(t.net.prefix, 8);
	CHECK(!t.is_preview);
	CHECK_INT(parse_exact("1~1~~preview-1~" HEX64, &t), 0);
	CHECK(t.is_preview);
	return 0;
}

static int
t_known_signature(void)
{
	const char *secrets[] = { "other", "ps_test" };
	char tok[PLAY_TOKEN_MAX + 1];
	struct play_token t;

	CHECK_INT(play_token_mint("ps_test", "cam1", 2000000000, NULL, NULL, tok, sizeof(tok)), 0);
	CHECK_STR(tok, KNOWN_TOKEN);
	CHECK_INT(play_token_mint("ps_test", "cam1", 2000000000, "10.0.0.0/8", "abc", tok,
	    sizeof(tok)), 0);
	CHECK_STR(tok, KNOWN_TOKEN2);
	CHECK_INT(parse_exact(KNOWN_TOKEN, &t), 0);
	CHECK(play_token_sig_ok(&t, "cam1", secrets, 2));   /* the second secret */
	CHECK(play_token_sig_ok(&t, "cam1", secrets + 1, 1));
	CHECK(!play_token_sig_ok(&t, "cam1", secrets, 1));
	CHECK(!play_token_sig_ok(&t, "cam2", secrets, 2));   /* another stream */
	CHECK(!play_token_sig_ok(&t, "cam1", secrets, 0));
	/* Upper-case hex is the same signature. */
	{
		char up[] = "1~2000000000~~~" KNOWN_SIG;
		for (char *p = up + 15; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 'a' + 'A');
		CHECK_INT(parse_exact(up, &t), 0);
		CHECK(play_token_sig_ok(&t, "cam1", secrets, 2));
	}
	/* One flipped bit of the signature fails. */
	{
		char bad[] = KNOWN_TOKEN;
		bad[sizeof(bad) - 2] = bad[sizeof(bad) - 2] == '0' ? '1' : '0';
		CHECK_INT(parse_exact(bad, &t), 0);
		CHECK(!play_token_sig_ok(&t, "cam1", secrets, 2));
	}
	/* Minting refuses what would not parse. */
	CHECK_INT(play_token_mint("s", "cam1", 10, "nope", NULL, tok, sizeof(tok)), -EINVAL);
	CHECK_INT(play_token_mint("s", "cam1", 10, NULL, "a~b", tok, sizeof(tok)), -EINVAL);
	CHECK_INT(play_token_mint("s", "ca~m", 10, NULL, NULL, tok, sizeof(tok)), -EINVAL);
	CHECK_INT(play_token_mint("", "cam1", 10, NULL, NULL, tok, sizeof(tok)), -EINVAL);
	CHECK_INT(play_token_mint("s", "cam1", 0, NULL, NULL, tok, sizeof(tok)), -EINVAL);
	CHECK_INT(play_token_mint("s", "cam1", 10, NULL, NULL, tok, 20), -EINVAL);
	return 0;
}

static int
t_cidr(void)
{
	static const struct {
		const char *net, *peer;
		bool in;
	} cases[] = {
		{ "203.0.113.0/24", "203.0.113.9", true },
		{ "203.0.113.0/24", "203.0.114.9", false },
		{ "203.0.113.9", "203.0.113.9", true },
		{ "203.0.113.9", "203.0.113.8", false },
		{ "203.0.113.9/31", "203.0.113.8", true },
		{ "0.0.0.0/0", "192.0.2.1", true },
		{ "10.0.0.0/8", "::ffff:10.1.2.3", true },        /* mapped peer */
		{ "::ffff:10.0.0.0/104", "10.1.2.3", true },      /* mapped network */
		{ "10.0.0.0/8", "::1", false },
		{ "2001:db8::/32", "2001:db8:1::5", true },
		{ "2001:db8::/32", "2001:db9::5", false },
		{ "2001:db8::1", "2001:db8::1", true },
		{ "2001:db8::/33", "2001:db8:8000::1", false },
		{ "2001:db8::/33", "2001:db8:7fff::1", true },
		{ "::/0", "::1", true },
		{ "::/0", "127.0.0.1", false },
	};
	struct play_net n, p;

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		CHECK_INT(play_net_parse(cases[i].net, strlen(cases[i].net), &n), 0);
		CHECK_INT(play_net_parse(cases[i].peer, strlen(cases[i].peer), &p), 0);
		if (play_net_contains(&n, &p) != cases[i].in) {
			fprintf(stderr, "  %s contains %s: got %d\n", cases[i].net, cases[i].peer,
			    !cases[i].in);
			return 1;
		}
	}
	CHECK_INT(play_net_parse("-", 1, &p), -EINVAL);
	CHECK_INT(play_net_parse("", 0, &p), -EINVAL);
	return 0;
}

static int
t_query(void)
{
	char out[PLAY_TOKEN_MAX + 1];
	const char *q;

	q = "a=1&token=1~2~~~ab&b=2";
	CHECK_INT(play_token_from_query(q, strlen(q), out, sizeof(out)), 0);
	CHECK_STR(out, "1~2~~~ab");
	q = "token=1~2~10.0.0.0%2F8~~ab";
	CHECK_INT(play_token_from_query(q, strlen(q), out, sizeof(out)), 0);
	CHECK_STR(out, "1~2~10.0.0.0/8~~ab");
	q = "xtoken=1&tokens=2";
	CHECK_INT(play_token_from_query(q, strlen(q), out, sizeof(out)), -ENOENT);
	q = "token=%4";
	CHECK_INT(play_token_from_query(q, strlen(q), out, sizeof(out)), -EINVAL);
	q = "token=%00";
	CHECK_INT(play_token_from_query(q, strlen(q), out, sizeof(out)), -EINVAL);
	q = "token=abcdef";
	CHECK_INT(play_token_from_query(q, strlen(q), out, 4), -EINVAL);
	q = "token=";
	CHECK_INT(play_token_from_query(q, strlen(q), out, sizeof(out)), 0);
	CHECK_STR(out, "");
	/* Only the first n bytes count. */
	q = "token=abc";
	CHECK_INT(play_token_from_query(q, 5, out, sizeof(out)), -ENOENT);
	return 0;
}

static int
t_check(void)
{
	const char *secrets[] = { "ps_new", "ps_old" };
	char good[PLAY_TOKEN_MAX + 1], old[PLAY_TOKEN_MAX + 1], bound[PLAY_TOKEN_MAX + 1],
	    prev[PLAY_TOKEN_MAX + 1], expired[PLAY_TOKEN_MAX + 1];
	struct play_token t;
	bool ok;
	int64_t now = 1700000000;

	CHECK_INT(play_token_mint("ps_new", "cam1", now + 60, NULL, "s1", good, sizeof(good)), 0);
	CHECK_INT(play_token_mint("ps_old", "cam1", now + 60, NULL, NULL, old, sizeof(old)), 0);
	CHECK_INT(play_token_mint("ps_new", "cam1", now + 60, "192.0.2.0/24", NULL, bound,
	    sizeof(bound)), 0);
	CHECK_INT(play_token_mint("ps_new", "cam1", now + 60, NULL, "preview-op", prev,
	    sizeof(prev)), 0);
	CHECK_INT(play_token_mint("ps_new", "cam1", now, NULL, NULL, expired, sizeof(expired)), 0);

	/* public: always OK; the token is still judged. */
	CHECK_INT(play_check(PLAY_PUBLIC, NULL, "cam1", secrets, 2, now, "::1", &t, &ok), PLAY_OK);
	CHECK(!ok);
	CHECK_INT(play_check(PLAY_PUBLIC, "junk", "cam1", secrets, 2, now, "::1", &t, &ok), PLAY_OK);
	CHECK(!ok);
	CHECK_INT(play_check(PLAY_PUBLIC, good, "cam1", secrets, 2, now, "::1", &t, &ok), PLAY_OK);
	CHECK(ok);
	CHECK_STR(t.text, good);
	/* token */
	CHECK_INT(play_check(PLAY_TOKEN, NULL, "cam1", secrets, 2, now, "::1", &t, &ok),
	    PLAY_MISSING);
	CHECK_INT(play_check(PLAY_TOKEN, "", "cam1", secrets, 2, now, "::1", &t, &ok),
	    PLAY_MISSING);
	CHECK_INT(play_check(PLAY_TOKEN, "junk", "cam1", secrets, 2, now, "::1", &t, &ok),
	    PLAY_INVALID);
	CHECK_INT(play_check(PLAY_TOKEN, good, "cam1", secrets, 2, now, "::1", &t, &ok), PLAY_OK);
	CHECK(ok);
	CHECK_INT(play_check(PLAY_TOKEN, old, "cam1", secrets, 2, now, "::1", &t, &ok), PLAY_OK);
	CHECK_INT(play_check(PLAY_TOKEN, old, "cam1", secrets, 1, now, "::1", &t, &ok),
	    PLAY_INVALID);   /* the old secret retired */
	CHECK_INT(play_check(PLAY_TOKEN, good, "cam2", secrets, 2, now, "::1", &t, &ok),
	    PLAY_INVALID);   /* another stream */
	CHECK_INT(play_check(PLAY_TOKEN, expired, "cam1", secrets, 2, now, "::1", &t, &ok),
	    PLAY_EXPIRED);
	CHECK(!ok);
	CHECK_INT(play_check(PLAY_TOKEN, bound, "cam1", secrets, 2, now, "192.0.2.77", &t, &ok),
	    PLAY_OK);
	CHECK_INT(play_check(PLAY_TOKEN, bound, "cam1", secrets, 2, now, "198.51.100.1", &t, &ok),
	    PLAY_WRONG_ADDR);
	CHECK_INT(play_check(PLAY_TOKEN, bound, "cam1", secrets, 2, now, "-", &t, &ok),
	    PLAY_WRONG_ADDR);
	CHECK_INT(play_check(PLAY_TOKEN, good, "cam1", NULL, 0, now, "::1", &t, &ok), PLAY_INVALID);
	/* unpublished */
	CHECK_INT(play_check(PLAY_UNPUBLISHED, NULL, "cam1", secrets, 2, now, "::1", &t, &ok),
	    PLAY_NOT_PUBLISHED);
	CHECK_INT(play_check(PLAY_UNPUBLISHED, good, "cam1", secrets, 2, now, "::1", &t, &ok),
	    PLAY_NOT_PUBLISHED);
	CHECK_INT(play_check(PLAY_UNPUBLISHED, prev, "cam1", secrets, 2, now, "::1", &t, &ok),
	    PLAY_OK);
	CHECK_INT(play_check(PLAY_UNPUBLISHED, "junk", "cam1", secrets, 2, now, "::1", &t, &ok),
	    PLAY_INVALID);
	CHECK_STR(play_verdict_reason(PLAY_WRONG_ADDR), "token bound to another address");
	return 0;
}

static int
t_access_names(void)
{
	enum play_access a;

	CHECK_INT(play_access_parse("token", 5, &a), 0);
	CHECK_INT(a, PLAY_TOKEN);
	CHECK_INT(play_access_parse("unpublished", 11, &a), 0);
	CHECK_INT(a, PLAY_UNPUBLISHED);
	CHECK_INT(play_access_parse("public", 6, &a), 0);
	CHECK_INT(a, PLAY_PUBLIC);
	CHECK_INT(play_access_parse("tok", 3, &a), -EINVAL);
	CHECK_INT(play_access_parse("tokens", 6, &a), -EINVAL);
	CHECK_STR(play_access_name(PLAY_UNPUBLISHED), "unpublished");
	return 0;
}

/* --- m3u8_token ----------------------------------------------------------- */

static int
rewrite(const char *in, const char *tok, char *out, size_t outlen)
{
	struct buf b;
	int rc;

	buf_init(&b, 1 << 20);
	rc = m3u8_token_rewrite((const uint8_t *)in, strlen(in), tok, &b);
	if (rc == 0)
		snprintf(out, outlen, "%.*s", (int)b.len, (const char *)b.data);
	buf_fini(&b);
	return rc;
}

static int
t_rewrite(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "#EXTM3U\n#EXTINF:2.0,\nseg-1.ts\n", "#EXTM3U\n#EXTINF:2.0,\nseg-1.ts?token=T\n" },
		{ "seg-1.ts?x=1\r\n", "seg-1.ts?x=1&token=T\r\n" },
		{ "seg-1.ts#frag", "seg-1.ts?token=T#frag" },
		{ "/hls/cam1/seg.ts", "/hls/cam1/seg.ts?token=T" },
		{ "https://cdn.example/seg.ts\n", "https://cdn.example/seg.ts\n" },
		{ "//cdn.example/seg.ts\n", "//cdn.example/seg.ts\n" },
		{ "#EXT-X-MAP:URI=\"init.mp4\"\n", "#EXT-X-MAP:URI=\"init.mp4?token=T\"\n" },
		{ "#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin?k=1\",IV=0x1\n",
		  "#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin?k=1&token=T\",IV=0x1\n" },
		{ "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://k\"\n",
		  "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://k\"\n" },
		{ "#EXT-X-MEDIA:TYPE=AUDIO,NAME=\"x,URI=y\",URI=\"a.m3u8\"\n",
		  "#EXT-X-MEDIA:TYPE=AUDIO,NAME=\"x,URI=y\",URI=\"a.m3u8?token=T\"\n" },
		{ "#EXT-X-MEDIA:NAME=\"URI=\"\"x\"\n", "#EXT-X-MEDIA:NAME=\"URI=\"\"x\"\n" },
		{ "#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"a,b\"\nlow/index.m3u8\n",
		  "#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"a,b\"\nlow/index.m3u8?token=T\n" },
		{ "#EXT-X-MAP:URI=\"init.mp4", "#EXT-X-MAP:URI=\"init.mp4" },   /* unterminated */
		{ "#EXT-X-MAP:URI=\"\"\n", "#EXT-X-MAP:URI=\"\"\n" },
		{ "# a comment URI=\"x\"\n\n\n", "# a comment URI=\"x\"\n\n\n" },
		{ "seg.ts  \n", "seg.ts?token=T  \n" },
		{ "", "" },
	};
	char out[1024];

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		int rc = rewrite(cases[i].in, "T", out, sizeof(out));
		if (rc != 0 || strcmp(out, cases[i].want) != 0) {
			fprintf(stderr, "  case %zu: rc %d\n  got  [%s]\n  want [%s]\n", i, rc, out,
			    cases[i].want);
			return 1;
		}
	}
	CHECK_INT(rewrite("a.ts\n", "bad token", out, sizeof(out)), -EINVAL);
	CHECK_INT(rewrite("a.ts\n", "", out, sizeof(out)), -EINVAL);
	CHECK_INT(rewrite("a.ts\n", KNOWN_TOKEN2, out, sizeof(out)), 0);
	CHECK_STR(out, "a.ts?token=" KNOWN_TOKEN2 "\n");
	/* The ceiling: a buffer too small fails as a whole. */
	{
		struct buf b;
		buf_init(&b, 8);
		CHECK_INT(m3u8_token_rewrite((const uint8_t *)"a.ts\nb.ts\n", 10, "T", &b), -E2BIG);
		buf_fini(&b);
	}
	return 0;
}

int
main(void)
{
	RUN(t_parse_table);
	RUN(t_known_signature);
	RUN(t_cidr);
	RUN(t_query);
	RUN(t_check);
	RUN(t_access_names);
	RUN(t_rewrite);
	return check_done();
}
