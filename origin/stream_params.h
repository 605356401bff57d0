/*
 * stream_params: what a new publisher's stream is made with, from the
 * origin's settings and the stream's own (read with its key): one place
 * for every ingest protocol, so RTMP, SRT and RTP streams get the same
 * packaging, encryption, DVR window and recording.
 */
#ifndef CDN_STREAM_PARAMS_H
#define CDN_STREAM_PARAMS_H

#include "keys.h"
#include "origin_conf.h"
#include "stream.h"

/*
 * Fill p for key's stream, published from peer. The stream's DVR window
 * is its own setting when it has one (capped at dvr_max_window), else
 * dvr_window; likewise record.
 */
void stream_params_init(struct stream_params *p, const struct origin_cfg *cfg,
    const struct stream_key *key, const char *peer);

#endif
