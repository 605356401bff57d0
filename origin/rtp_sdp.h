/*
 * rtp_sdp: the SDP (RFC 8866) an operator gives for an RTP ingest, checked
 * before libavformat's sdp demuxer opens the UDP ports it names, and the
 * SDP the origin writes when it allocates a port itself (MPEG-TS over RTP,
 * RFC 2250 payload type 33, what `ffmpeg -f rtp_mpegts` sends).
 *
 * The check is deliberately narrow: at most RTP_SDP_MAX bytes of printable
 * ASCII in "<letter>=<value>" lines, v=0 first, 1 to RTP_SDP_MAX_MEDIA
 * m= lines of audio or video over RTP/AVP with a port 1024-65534 (the
 * RTP port; RTCP takes the next one), no two streams on the same ports,
 * and c= addresses that are numeric IPv4 or IPv6 (the demuxer cannot use
 * names). Everything else is libavformat's to read.
 */
#ifndef CDN_RTP_SDP_H
#define CDN_RTP_SDP_H

#include <stddef.h>

#define RTP_SDP_MAX 4000
#define RTP_SDP_MAX_MEDIA 4

struct rtp_sdp_info {
	unsigned n_media;
	int ports[RTP_SDP_MAX_MEDIA];   /* RTP ports, in m= order */
};

/*
 * Check sdp[0..len) (need not be NUL-terminated). 0 with *info filled, or
 * -EPROTO with the reason in err (errlen bytes, always terminated).
 */
int rtp_sdp_check(const char *sdp, size_t len, struct rtp_sdp_info *info, char *err,
    size_t errlen);
/*
 * Write an SDP for MPEG-TS over RTP to addr (numeric) and port into out.
 * name (the stream) goes into s=. 0, or -ENOSPC / -EINVAL.
 */
int rtp_sdp_mpegts(char *out, size_t outlen, const char *addr, int port, const char *name);

#endif
