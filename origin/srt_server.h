/*
 * srt_server: the SRT ingest listener (libsrt, live mode). Broadcasters
 * call srt://HOST:9000?streamid=#!::r=<stream key>,m=publish (or a bare key
 * as the stream ID) and send MPEG-TS with H.264 and AAC.
 *
 * Design: the key is checked in libsrt's listen callback (during the
 * handshake, on libsrt's thread), so a wrong key, a mode other than
 * publish, or a full server is refused before any media flows, with an SRT
 * access-control reject code (SRT_REJX_UNAUTHORIZED, _BAD_MODE, _OVERLOAD,
 * _BAD_REQUEST). One accept thread takes accepted sockets; each publisher
 * then gets its own thread: an AVIOContext whose read callback calls
 * srt_recv with a short timeout feeds libavformat's mpegts demuxer, and
 * av_ingest.c packages the result as RTMP's is. At most srt_max_publishers
 * run at once. With srt_passphrase set, libsrt refuses callers without it
 * or with another one (SRT_REJ_UNSECURE, SRT_REJ_BADSECRET).
 *
 * Stopping (srt_server_free) ends every publisher cleanly: each playlist
 * gets EXT-X-ENDLIST.
 */
#ifndef CDN_SRT_SERVER_H
#define CDN_SRT_SERVER_H

#include <stddef.h>

#include "origin_conf.h"

struct srt_server;

/*
 * Check the SRT settings (passphrase length). 0, or -EINVAL with a message
 * in err. Used by -t as well as at start.
 */
int srt_server_check_cfg(const struct origin_cfg *cfg, char *err, size_t errlen);
/*
 * Bind cfg->srt_listen and start accepting. db_path is the keys database
 * (the server opens its own connection). cfg is borrowed for the server's
 * life. NULL on failure (logged).
 */
struct srt_server *srt_server_new(const struct origin_cfg *cfg, const char *db_path);
/* The bound UDP port (useful with port 0). */
int srt_server_port(const struct srt_server *srv);
/* Stop accepting, end every publisher (EXT-X-ENDLIST), free. NULL-safe. */
void srt_server_free(struct srt_server *srv);

#endif
