/*
 * test_srt_streamid: the SRT stream ID read as a stream key
 * (origin/srt_streamid.c): the access-control form "#!::k=v,...", the bare
 * key, and what is refused. Inputs are copied into a heap block of exactly
 * their length, with no NUL after them, so an ASan build catches a read
 * past len.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "srt_streamid.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct sid_case {
	const char *in;
	int want;
	const char *key;
	enum srt_sid_mode mode;
	const char *user;
};

#define K "sk_0123456789abcdefghijklmnopqrstuv"

static const struct sid_case cases[] = {
	/* the access-control form */
	{ "#!::r=" K ",m=publish", 0, K, SRT_SID_PUBLISH, "" },
	{ "#!::m=publish,r=" K, 0, K, SRT_SID_PUBLISH, "" },
	{ "#!::u=alice,r=" K ",m=publish,t=stream,h=example.com,s=abc", 0, K,
	  SRT_SID_PUBLISH, "alice" },
	{ "#!::r=" K, 0, K, SRT_SID_REQUEST, "" },                 /* m defaults to request */
	{ "#!::r=" K ",m=request", 0, K, SRT_SID_REQUEST, "" },
	{ "#!::r=" K ",m=bidirectional", 0, K, SRT_SID_BIDIRECTIONAL, "" },
	{ "#!::r=a=b==,m=publish", 0, "a=b==", SRT_SID_PUBLISH, "" },  /* '=' in a value */
	{ "#!::r=" K ",m=publish,x=1,yy=", 0, K, SRT_SID_PUBLISH, "" }, /* unknown keys ignored */
	{ "#!::r=" K ",u=,m=publish", 0, K, SRT_SID_PUBLISH, "" },
	/* a bare key */
	{ K, 0, K, SRT_SID_PUBLISH, "" },
	{ "live/" K, 0, "live/" K, SRT_SID_PUBLISH, "" },
	{ "#" K, 0, "#" K, SRT_SID_PUBLISH, "" },
	/* refused */
	{ "", -EPROTO, NULL, 0, NULL },
	{ "#!::", -EPROTO, NULL, 0, NULL },
	{ "#!::m=publish", -ENOENT, NULL, 0, NULL },
	{ "#!::r=,m=publish", -EPROTO, NULL, 0, NULL },
	{ "#!::r=" K ",m=publish,", -EPROTO, NULL, 0, NULL },     /* trailing comma */
	{ "#!::r=" K ",,m=publish", -EPROTO, NULL, 0, NULL },
	{ "#!::r=" K ",m", -EPROTO, NULL, 0, NULL },
	{ "#!::=x,r=" K, -EPROTO, NULL, 0, NULL },
	{ "#!::r=" K ",r=other", -EPROTO, NULL, 0, NULL },        /* duplicate */
	{ "#!::r=" K ",m=publish,m=request", -EPROTO, NULL, 0, NULL },
	{ "#!::r=" K ",m=play", -EINVAL, NULL, 0, NULL },
	{ "#!::r=" K ",m=PUBLISH", -EINVAL, NULL, 0, NULL },
	{ "#!::r=" K ",t=video", -EINVAL, NULL, 0, NULL },
	{ "#!:{r=" K "}", -EPROTO, NULL, 0, NULL },               /* nested form */
	{ "#!" K, -EPROTO, NULL, 0, NULL },
	{ "#!::r=" K "\n,m=publish", -EPROTO, NULL, 0, NULL },
	{ K "\x7f", -EPROTO, NULL, 0, NULL },
	{ "#!::u=" "0123456789012345678901234567890123456789012345678901234567890123456789"
	  ",r=" K, -EPROTO, NULL, 0, NULL },                       /* too long for u */
};

static int
t_table(void)
{
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		const struct sid_case *c = &cases[i];
		size_t n = strlen(c->in);
		char *in = malloc(n ? n : 1);
		struct srt_streamid sid;
		int rc;

		CHECK(in != NULL);
		memcpy(in, c->in, n);
		rc = srt_streamid_parse(in, n, &sid);
		free(in);
		if (rc != c->want)
			fprintf(stderr, "  case %zu \"%s\"\n", i, c->in);
		CHECK_INT(rc, c->want);
		if (rc == 0) {
			CHECK_STR(sid.key, c->key);
			CHECK_INT(sid.mode, c->mode);
			CHECK_STR(sid.user, c->user);
		} else {
			CHECK_STR(sid.key, "");
		}
	}
	return 0;
}

static int
t_fields(void)
{
	static const char in[] = "#!::h=example.com,s=sess1,t=file,r=k,m=publish";
	struct srt_streamid sid;

	CHECK_INT(srt_streamid_parse(in, strlen(in), &sid), 0);
	CHECK_STR(sid.host, "example.com");
	CHECK_STR(sid.session, "sess1");
	CHECK_INT(sid.type, SRT_SID_FILE);
	CHECK_INT(sid.is_keyed, 1);
	CHECK_STR(srt_streamid_mode_name(sid.mode), "publish");
	return 0;
}

/* The length bounds the parse: a longer buffer's tail is never read. */
static int
t_length_bounds(void)
{
	static const char in[] = "#!::r=abc,m=publishXYZ";
	char big[SRT_STREAMID_MAX + 2];
	struct srt_streamid sid;

	CHECK_INT(srt_streamid_parse(in, strlen(in) - 3, &sid), 0);
	CHECK_STR(sid.key, "abc");
	CHECK_INT(sid.mode, SRT_SID_PUBLISH);
	CHECK_INT(srt_streamid_parse(in, 8, &sid), 0);   /* "#!::r=ab" */
	CHECK_STR(sid.key, "ab");
	/* a bare key of 128 characters fits, 129 does not; 513 bytes are refused */
	memset(big, 'k', sizeof(big));
	CHECK_INT(srt_streamid_parse(big, KEYS_SECRET_MAX, &sid), 0);
	CHECK_INT(strlen(sid.key), KEYS_SECRET_MAX);
	CHECK_INT(srt_streamid_parse(big, KEYS_SECRET_MAX + 1, &sid), -EPROTO);
	CHECK_INT(srt_streamid_parse(big, SRT_STREAMID_MAX + 1, &sid), -EPROTO);
	CHECK_INT(srt_streamid_parse(NULL, 0, &sid), -EPROTO);
	/* a NUL inside would cut a key short: refused */
	CHECK_INT(srt_streamid_parse("ab\0cd", 5, &sid), -EPROTO);
	return 0;
}

int
main(void)
{
	RUN(t_table);
	RUN(t_fields);
	RUN(t_length_bounds);
	return check_done();
}
