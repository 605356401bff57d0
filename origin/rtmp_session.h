/*
 * rtmp_session: one RTMP connection's protocol logic, from the handshake to
 * publishing into the packager. It knows nothing of sockets: the server
 * feeds it received bytes and sends what it appends to the output buffer,
 * which keeps it testable from raw bytes and keeps I/O policy (fairness,
 * limits, timeouts) in rtmp_server.c.
 *
 * Implements (Adobe RTMP 1.0 and the FMS command conventions that encoders
 * expect): connect, releaseStream, FCPublish, createStream, publish,
 * FCUnpublish, deleteStream, closeStream, with _result/_error and onStatus
 * replies; @setDataFrame/onMetaData; acknowledgements per the peer's window;
 * ping responses. The publish name is the stream key (anything after '?' is
 * ignored, as OBS and ffmpeg may add parameters): an unknown, revoked or
 * busy key gets NetStream.Publish.BadName and the connection is closed once
 * the reply is sent.
 *
 * Media: H.264 and AAC in FLV tag bodies. The packager starts once the
 * sequence headers are known; packets that arrive before are held (bounded).
 * A changed sequence header restarts the packager with a discontinuity.
 */
#ifndef CDN_RTMP_SESSION_H
#define CDN_RTMP_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "keys.h"
#include "origin_conf.h"

struct rtmp_session;

/*
 * cfg and keys are borrowed for the session's life; proto ("rtmp" or
 * "rtmps", for log lines) must be static; peer is copied. NULL on ENOMEM.
 */
struct rtmp_session *rtmp_session_new(const struct origin_cfg *cfg, struct keys *keys,
    const char *proto, const char *peer, int64_t now_ms);
/*
 * Process received bytes p[0..len): *consumed is how many were used (the
 * rest is an incomplete chunk: feed it again with more). Replies are appended
 * to out. Returns 0, or a negative errno when the connection must close
 * (after out is flushed).
 */
int rtmp_session_input(struct rtmp_session *s, const uint8_t *p, size_t len,
    size_t *consumed, struct buf *out, int64_t now_ms);
/* Periodic check: returns a negative errno (-ETIMEDOUT, -ECONNRESET) to close. */
int rtmp_session_tick(struct rtmp_session *s, int64_t now_ms);
/* Whether the session is publishing (for the server's bookkeeping). */
int rtmp_session_is_publishing(const struct rtmp_session *s);
/* End the stream cleanly (last segment, EXT-X-ENDLIST) and free. NULL-safe. */
void rtmp_session_free(struct rtmp_session *s);

#endif
