/*
 * rtmp_hs: the RTMP handshake (Adobe RTMP spec 1.0, section 5.2), server and
 * client side, including the HMAC-SHA256 "digest" handshake that Flash Player
 * clients and librtmp-based encoders (OBS) send and verify.
 *
 * C0/S0 is one version byte (3). C1/S1/C2/S2 are 1536 bytes each. A client
 * whose C1 carries a version at bytes 4..7 other than zero expects the digest
 * scheme: C1 holds a 32-byte HMAC-SHA256 digest keyed with the Genuine Flash
 * Player key (first 30 bytes) at an offset given by scheme 0 (offset bytes at
 * 8..11) or scheme 1 (offset bytes at 772..775). The server then answers with
 * an S1 that carries its own digest (Genuine FMS key, first 36 bytes) in the
 * same scheme and an S2 whose last 32 bytes are an HMAC of its first 1504
 * keyed with HMAC(full FMS key, client's digest). When C1's digest does not
 * verify under either scheme, the server falls back to the simple handshake
 * (S2 echoes C1), which is what ffmpeg's native client and nginx-rtmp accept.
 *
 * The feed functions consume complete handshake blocks only: a partial block
 * stays in the caller's input until more arrives.
 */
#ifndef CDN_RTMP_HS_H
#define CDN_RTMP_HS_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "rd.h"

#define RTMP_HS_VERSION 3
#define RTMP_HS_SIZE 1536

enum rtmp_hs_state {
	RTMP_HS_SERVER_WAIT_C0C1 = 0,
	RTMP_HS_SERVER_WAIT_C2,
	RTMP_HS_CLIENT_WAIT_S0S1S2,
	RTMP_HS_DONE,
};

struct rtmp_hs {
	enum rtmp_hs_state state;
	int scheme;                /* -1 simple, 0 or 1: digest scheme in use */
	uint32_t epoch_ms;         /* our time field in S1/C1 */
	uint8_t ours[RTMP_HS_SIZE]; /* S1 (server) or C1 (client) as sent */
};

/* Server: start waiting for C0+C1. epoch_ms goes in S1's time field. */
void rtmp_hs_server_init(struct rtmp_hs *hs, uint32_t epoch_ms);
/*
 * Server: consume C0+C1 (then append S0+S1+S2 to out) or C2. Returns 1 when
 * the handshake is complete (bytes after C2 are chunk stream data and are
 * left in in), 0 when more input is needed, -EPROTO when C0 is not version
 * 3, or out's error (-ENOBUFS, -ENOMEM).
 */
int rtmp_hs_server_feed(struct rtmp_hs *hs, struct rd *in, struct buf *out);

/*
 * Client: append C0+C1 to out; with digest, C1 carries a digest in scheme 0
 * (as librtmp sends). Then feed S0+S1+S2: returns 1 when done (C2 appended
 * to out), 0 when more is needed, -EPROTO on a bad version, or when digest
 * was asked for and S1's digest does not verify.
 */
int rtmp_hs_client_start(struct rtmp_hs *hs, bool digest, uint32_t epoch_ms,
    struct buf *out);
int rtmp_hs_client_feed(struct rtmp_hs *hs, struct rd *in, struct buf *out);

/* Exposed for tests: the offset of the digest in a 1536-byte block. */
size_t rtmp_hs_digest_offset(const uint8_t *block, int scheme);

#endif
