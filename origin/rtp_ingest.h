/*
 * rtp_ingest: RTP ingests registered by the operator, one per stream key.
 * An RTP sender has no handshake to carry a key, so the operator binds a
 * key to the UDP ports in an SDP (POST /api/v1/keys/<id>/rtp, cdnctl key
 * rtp): either their own SDP (H.264 RFC 6184 + AAC RFC 3640, as
 * `ffmpeg -f rtp ... -sdp_file` writes it), or none, and the origin
 * allocates an even port pair and returns an SDP for MPEG-TS over RTP
 * (`ffmpeg -f rtp_mpegts rtp://HOST:PORT`).
 *
 * Each registration is a thread that opens the SDP with libavformat's sdp
 * demuxer (protocol whitelist file,udp,rtp; bound to rtp_address when set;
 * a reorder queue for RTP reordering; loss is concealed by the demuxer and
 * the packager as a gap) and, once packets arrive, publishes through
 * av_ingest.c like any publisher: media stopping for
 * publisher_idle_timeout ends the stream (EXT-X-ENDLIST) and the ports are
 * listened on again for the next session. A revoked key ends the
 * registration. Registrations are files data_dir/rtp/<key id>.sdp, so
 * they survive a restart.
 */
#ifndef CDN_RTP_INGEST_H
#define CDN_RTP_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "origin_conf.h"

struct rtp_ingest;

/* rtp_address, when set, must be a numeric address. 0 or -EINVAL (why in err). */
int rtp_ingest_check_cfg(const struct origin_cfg *cfg, char *err, size_t errlen);
/* Start the registered ingests. cfg is borrowed. NULL on failure (logged). */
struct rtp_ingest *rtp_ingest_new(const struct origin_cfg *cfg, const char *db_path);
/*
 * Register (or replace) key_id's RTP ingest. sdp NULL: allocate a port and
 * make an MPEG-TS SDP. On 0, *sdp_out (malloc'd, caller frees) is the SDP
 * in use and *stream the key's stream name (KEYS_NAME_MAX + 1 bytes).
 * -ENOENT (no such active key), -EPROTO (bad SDP: why in err),
 * -EADDRINUSE (a port is taken by another registration or no port free),
 * -EIO. Any thread.
 */
int rtp_ingest_set(struct rtp_ingest *ri, int64_t key_id, const char *sdp, char **sdp_out,
    char *stream, char *err, size_t errlen);
/* The SDP registered for key_id (malloc'd into *sdp_out), or -ENOENT. */
int rtp_ingest_get(struct rtp_ingest *ri, int64_t key_id, char **sdp_out);
/* Stop and forget key_id's ingest (its stream ends). 0 or -ENOENT. */
int rtp_ingest_remove(struct rtp_ingest *ri, int64_t key_id);
/* Stop every ingest (EXT-X-ENDLIST) and free. NULL-safe. */
void rtp_ingest_free(struct rtp_ingest *ri);

#endif
