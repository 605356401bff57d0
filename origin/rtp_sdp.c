/*
 * rtp_sdp: SDP check and generation; see rtp_sdp.h. RFC 8866 5 (line
 * syntax), 5.7 (c=), 5.14 (m=); RFC 3551 (RTP/AVP, RTCP on port + 1).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtp_sdp.h"

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EPROTO;
}

/* Copy the next space-separated word of [*p, end) into w (cap bytes). */
static bool
word(const char **p, const char *end, char *w, size_t cap)
{
	size_t n = 0;

	while (*p < end && **p == ' ')
		(*p)++;
	while (*p < end && **p != ' ') {
		if (n + 1 >= cap)
			return false;
		w[n++] = **p;
		(*p)++;
	}
	w[n] = '\0';
	return n > 0;
}

static int
check_c(const char *v, const char *end, char *err, size_t errlen)
{
	char nettype[8], addrtype[8], addr[64];
	unsigned char bin[16];
	char *slash;

	/* RFC 8866 5.7: c=<nettype> <addrtype> <connection-address> */
	if (!word(&v, end, nettype, sizeof(nettype)) || !word(&v, end, addrtype, sizeof(addrtype)) ||
	    !word(&v, end, addr, sizeof(addr)) || strcmp(nettype, "IN") != 0)
		return fail(err, errlen, "c= is not \"IN IP4|IP6 <address>\"");
	if ((slash = strchr(addr, '/')) != NULL)
		*slash = '\0';  /* multicast TTL / count */
	if (strcmp(addrtype, "IP4") == 0 ? inet_pton(AF_INET, addr, bin) != 1 :
	    strcmp(addrtype, "IP6") == 0 ? inet_pton(AF_INET6, addr, bin) != 1 : true)
		return fail(err, errlen, "c= address must be a numeric IPv4 or IPv6 address");
	return 0;
}

static int
check_m(const char *v, const char *end, struct rtp_sdp_info *info, char *err, size_t errlen)
{
	char media[16], port[16], proto[16], fmt[16];
	long n;
	char *e;

	/* RFC 8866 5.14: m=<media> <port>[/<number of ports>] <proto> <fmt> ... */
	if (!word(&v, end, media, sizeof(media)) || !word(&v, end, port, sizeof(port)) ||
	    !word(&v, end, proto, sizeof(proto)) || !word(&v, end, fmt, sizeof(fmt)))
		return fail(err, errlen, "m= is not \"<media> <port> RTP/AVP <payload type>\"");
	if (strcmp(media, "audio") != 0 && strcmp(media, "video") != 0)
		return fail(err, errlen, "m=%s: only audio and video media are ingested", media);
	if (strcmp(proto, "RTP/AVP") != 0)
		return fail(err, errlen, "m= protocol %s: only RTP/AVP", proto);
	errno = 0;
	n = strtol(port, &e, 10);
	if (errno != 0 || e == port || *e != '\0' || n < 1024 || n > 65534)
		return fail(err, errlen, "m= port %s: 1024 to 65534 (RTCP uses port + 1)", port);
	for (unsigned i = 0; i < info->n_media; i++)
		if (info->ports[i] == (int)n || info->ports[i] == (int)n + 1 ||
		    info->ports[i] + 1 == (int)n)
			return fail(err, errlen, "m= port %ld overlaps another stream's RTP/RTCP ports", n);
	if (info->n_media >= RTP_SDP_MAX_MEDIA)
		return fail(err, errlen, "more than %d m= lines", RTP_SDP_MAX_MEDIA);
	info->ports[info->n_media++] = (int)n;
	return 0;
}

int
rtp_sdp_check(const char *sdp, size_t len, struct rtp_sdp_info *info, char *err, size_t errlen)
{
	const char *p = sdp, *end = sdp + len;
	bool first = true;
	int rc;

	memset(info, 0, sizeof(*info));
	if (errlen)
		err[0] = '\0';
	if (sdp == NULL || len == 0)
		return fail(err, errlen, "empty SDP");
	if (len > RTP_SDP_MAX)
		return fail(err, errlen, "SDP longer than %d bytes", RTP_SDP_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)sdp[i];
		if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c > 0x7e)
			return fail(err, errlen, "SDP byte %zu is not printable ASCII", i);
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *v;

		if (le > p && le[-1] == '\r')
			le--;
		if (le == p) {
			p = nl ? nl + 1 : end;
			continue;  /* empty line (a trailing CRLF) */
		}
		/* RFC 8866 5: <type>=<value>, type one lower-case letter */
		if (le - p < 2 || p[0] < 'a' || p[0] > 'z' || p[1] != '=')
			return fail(err, errlen, "a line is not <letter>=<value>");
		v = p + 2;
		if (first && (p[0] != 'v' || le - v != 1 || *v != '0'))
			return fail(err, errlen, "SDP must start with v=0");
		first = false;
		if (p[0] == 'c' && (rc = check_c(v, le, err, errlen)) != 0)
			return rc;
		if (p[0] == 'm' && (rc = check_m(v, le, info, err, errlen)) != 0)
			return rc;
		p = nl ? nl + 1 : end;
	}
	if (info->n_media == 0)
		return fail(err, errlen, "no m= line");
	return 0;
}

int
rtp_sdp_mpegts(char *out, size_t outlen, const char *addr, int port, const char *name)
{
	unsigned char bin[16];
	bool v6 = strchr(addr, ':') != NULL;
	int n;

	if (port < 1024 || port > 65534 ||
	    inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1)
		return -EINVAL;
	n = snprintf(out, outlen,
	    "v=0\r\n"
	    "o=- 0 0 IN %s %s\r\n"
	    "s=%s\r\n"
	    "c=IN %s %s\r\n"
	    "t=0 0\r\n"
	    "m=video %d RTP/AVP 33\r\n"
	    "a=rtpmap:33 MP2T/90000\r\n",
	    v6 ? "IP6" : "IP4", addr, name, v6 ? "IP6" : "IP4", addr, port);
	return n < 0 || (size_t)n >= outlen ? -ENOSPC : 0;
}
