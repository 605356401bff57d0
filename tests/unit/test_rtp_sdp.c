/*
 * test_rtp_sdp: the operator's SDP for an RTP ingest is checked before
 * libavformat opens the ports it names (origin/rtp_sdp.c), and the SDP the
 * origin writes for MPEG-TS over RTP passes its own check. Inputs are heap
 * copies of exactly their length (no NUL), so ASan sees any over-read.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rtp_sdp.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* What `ffmpeg -f rtp ... -sdp_file` writes for H.264 + AAC. */
#define FFMPEG_SDP                                                              \
	"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\nt=0 0\r\n"             \
	"a=tool:libavformat LIBAVFORMAT_VERSION\r\n"                            \
	"m=video 55794 RTP/AVP 96\r\nc=IN IP4 127.0.0.1\r\nb=AS:414\r\n"         \
	"a=rtpmap:96 H264/90000\r\n"                                            \
	"a=fmtp:96 packetization-mode=1; sprop-parameter-sets="                  \
	"Z2QADay0Cg/YCIAAAAMAgAAAGUeKFVA=,aO8Pyw==; profile-level-id=64000D\r\n" \
	"m=audio 48660 RTP/AVP 97\r\nc=IN IP4 127.0.0.1\r\nb=AS:64\r\n"          \
	"a=rtpmap:97 MPEG4-GENERIC/48000/1\r\n"                                 \
	"a=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;" \
	"indexdeltalength=3; config=118856E500\r\n"

struct sdp_case {
	const char *in;
	int want;
	unsigned n_media;
	int port0;
	const char *why;     /* a substring of the error */
};

static const struct sdp_case cases[] = {
	{ FFMPEG_SDP, 0, 2, 55794, NULL },
	{ "v=0\nc=IN IP4 0.0.0.0\nm=video 5004 RTP/AVP 33\n", 0, 1, 5004, NULL },
	{ "v=0\r\nm=video 5004 RTP/AVP 33", 0, 1, 5004, NULL },          /* no final CRLF */
	{ "v=0\nc=IN IP6 ::1\nm=audio 6000 RTP/AVP 97\n", 0, 1, 6000, NULL },
	{ "v=0\nc=IN IP4 239.1.1.1/16\nm=video 5004 RTP/AVP 33\n", 0, 1, 5004, NULL },
	{ "", -EPROTO, 0, 0, "empty" },
	{ "m=video 5004 RTP/AVP 33\n", -EPROTO, 0, 0, "v=0" },
	{ "v=1\nm=video 5004 RTP/AVP 33\n", -EPROTO, 0, 0, "v=0" },
	{ "v=0\n", -EPROTO, 0, 0, "no m=" },
	{ "v=0\nm=video 80 RTP/AVP 33\n", -EPROTO, 0, 0, "1024" },
	{ "v=0\nm=video 65535 RTP/AVP 33\n", -EPROTO, 0, 0, "1024" },
	{ "v=0\nm=video 5004x RTP/AVP 33\n", -EPROTO, 0, 0, "port" },
	{ "v=0\nm=video 5004 RTP/SAVP 33\n", -EPROTO, 0, 0, "RTP/AVP" },
	{ "v=0\nm=application 5004 RTP/AVP 33\n", -EPROTO, 0, 0, "audio and video" },
	{ "v=0\nm=video 5004 RTP/AVP\n", -EPROTO, 0, 0, "m=" },
	{ "v=0\nm=video 5004 RTP/AVP 96\nm=audio 5005 RTP/AVP 97\n", -EPROTO, 0, 0, "overlaps" },
	{ "v=0\nm=video 5004 RTP/AVP 96\nm=audio 5004 RTP/AVP 97\n", -EPROTO, 0, 0, "overlaps" },
	{ "v=0\nc=IN IP4 example.com\nm=video 5004 RTP/AVP 33\n", -EPROTO, 0, 0, "numeric" },
	{ "v=0\nc=XX IP4 1.2.3.4\nm=video 5004 RTP/AVP 33\n", -EPROTO, 0, 0, "c=" },
	{ "v=0\nhello\nm=video 5004 RTP/AVP 33\n", -EPROTO, 0, 0, "<letter>" },
	{ "v=0\nM=video 5004 RTP/AVP 33\n", -EPROTO, 0, 0, "<letter>" },
	{ "v=0\ns=caf\xc3\xa9\nm=video 5004 RTP/AVP 33\n", -EPROTO, 0, 0, "ASCII" },
	{ "v=0\nm=video 5004 RTP/AVP 33\nm=video 5006 RTP/AVP 33\nm=video 5008 RTP/AVP 33\n"
	  "m=video 5010 RTP/AVP 33\nm=video 5012 RTP/AVP 33\n", -EPROTO, 0, 0, "more than" },
};

static int
t_table(void)
{
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		const struct sdp_case *c = &cases[i];
		size_t n = strlen(c->in);
		char *in = malloc(n ? n : 1), err[160];
		struct rtp_sdp_info info;
		int rc;

		CHECK(in != NULL);
		memcpy(in, c->in, n);
		rc = rtp_sdp_check(in, n, &info, err, sizeof(err));
		free(in);
		if (rc != c->want)
			fprintf(stderr, "  case %zu: %s\n", i, err);
		CHECK_INT(rc, c->want);
		if (rc == 0) {
			CHECK_INT(info.n_media, c->n_media);
			CHECK_INT(info.ports[0], c->port0);
		} else if (strstr(err, c->why) == NULL) {
			fprintf(stderr, "  case %zu: error \"%s\" lacks \"%s\"\n", i, err, c->why);
			return 1;
		}
	}
	return 0;
}

static int
t_limits(void)
{
	char *big = malloc(RTP_SDP_MAX + 1), err[8];
	struct rtp_sdp_info info;

	CHECK(big != NULL);
	memset(big, 'a', RTP_SDP_MAX + 1);
	memcpy(big, "v=0\nm=video 5004 RTP/AVP 33\na=", 30);
	big[RTP_SDP_MAX - 1] = '\n';
	CHECK_INT(rtp_sdp_check(big, RTP_SDP_MAX, &info, err, sizeof(err)), 0);
	CHECK_INT(rtp_sdp_check(big, RTP_SDP_MAX + 1, &info, err, sizeof(err)), -EPROTO);
	CHECK_INT(strlen(err), sizeof(err) - 1);  /* a small err is cut, terminated */
	CHECK_INT(rtp_sdp_check(NULL, 0, &info, NULL, 0), -EPROTO);
	free(big);
	return 0;
}

static int
t_mpegts(void)
{
	char out[512], err[160];
	struct rtp_sdp_info info;

	CHECK_INT(rtp_sdp_mpegts(out, sizeof(out), "127.0.0.1", 20000, "cam1"), 0);
	CHECK(strstr(out, "m=video 20000 RTP/AVP 33\r\n") != NULL);
	CHECK(strstr(out, "c=IN IP4 127.0.0.1\r\n") != NULL);
	CHECK(strstr(out, "a=rtpmap:33 MP2T/90000\r\n") != NULL);
	CHECK_INT(rtp_sdp_check(out, strlen(out), &info, err, sizeof(err)), 0);
	CHECK_INT(info.ports[0], 20000);
	CHECK_INT(rtp_sdp_mpegts(out, sizeof(out), "::1", 20000, "cam1"), 0);
	CHECK(strstr(out, "c=IN IP6 ::1\r\n") != NULL);
	CHECK_INT(rtp_sdp_mpegts(out, sizeof(out), "host", 20000, "cam1"), -EINVAL);
	CHECK_INT(rtp_sdp_mpegts(out, sizeof(out), "127.0.0.1", 80, "cam1"), -EINVAL);
	CHECK_INT(rtp_sdp_mpegts(out, 40, "127.0.0.1", 20000, "cam1"), -ENOSPC);
	return 0;
}

int
main(void)
{
	RUN(t_table);
	RUN(t_limits);
	RUN(t_mpegts);
	return check_done();
}
