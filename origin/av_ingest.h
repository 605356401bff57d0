/*
 * av_ingest: the ingest path shared by every non-RTMP protocol (SRT, and
 * RTP with SDP): a publisher already authorized by its stream key, whose
 * media libavformat demuxes (MPEG-TS over SRT, RTP via the sdp demuxer), is
 * packaged exactly as an RTMP publisher is: the same seg_mux, the same
 * stream registry (stream_publish ... stream_unpublish), the same playlists,
 * the same ingest accounting (stream_add_bytes_in and the bytes_in metric
 * count media payload bytes, as rtmp_session counts message bodies).
 *
 * Conversions to seg_mux's input: H.264 Annex B to AVCC with an avcC record
 * built from the SPS/PPS in-band or in extradata (annexb.c); AAC in ADTS to
 * raw frames with the AudioSpecificConfig of the ADTS header (adts.c), or
 * raw AAC with extradata's config (RTP, RFC 3640). Other codecs (HEVC,
 * Opus, MP2...) are dropped with one log line; a publisher with nothing
 * packageable is refused.
 *
 * Timestamps: stream time_base to milliseconds, rebased so the first packet
 * is near 0 (libavformat has already unwrapped MPEG-TS's 33-bit clock). A
 * DTS at or before the track's last one is dropped (one log line per 5 s),
 * unless it steps back more than 10 s: that is an encoder restart, which
 * seg_mux turns into a discontinuity. A changed SPS/PPS or audio config
 * restarts the packager, as RTMP's new sequence headers do.
 *
 * Ending: end of input, a protocol error, no media for
 * publisher_idle_timeout (the interrupt callback), a revoked key
 * (stream_kick_key) or av_ingest_ctl.stop all end the stream with
 * EXT-X-ENDLIST.
 *
 * Threading: one publisher is one thread; av_ingest_* run in it. The ctl
 * may be written from another thread (stop) and is read by libavformat's
 * interrupt callback and by transport read callbacks.
 */
#ifndef CDN_AV_INGEST_H
#define CDN_AV_INGEST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <libavformat/avformat.h>

#include "keys.h"
#include "origin_conf.h"

struct av_ingest;

/* Why the interrupt callback ended the input (it stays ended). */
enum { AV_INGEST_RUNNING = 0, AV_INGEST_WHY_STOP, AV_INGEST_WHY_IDLE, AV_INGEST_WHY_KICKED };

/* Shared with the transport and the thread that may stop the publisher. */
struct av_ingest_ctl {
	atomic_bool stop;              /* set from any thread: end the publisher */
	atomic_int_fast64_t last_rx_ms; /* monotonic ms of the last media packet */
	int64_t idle_ms;               /* no media for this long: end (publisher_idle_timeout) */
	int why;                       /* the publisher's thread only: AV_INGEST_WHY_*, sticky */
	struct av_ingest *ing;         /* set by av_ingest_claim: kicked key checks */
};

struct av_ingest_params {
	const struct origin_cfg *cfg;  /* borrowed for the publisher's life */
	const struct stream_key *key;  /* the authorized key (copied) */
	const char *proto;             /* "srt", "rtp": log lines and the stream list */
	const char *peer;              /* the publisher's address (copied) */
	struct av_ingest_ctl *ctl;     /* borrowed; must outlive the ingest */
	bool claim_on_media;           /* claim the stream at the first media packet
	                                  (RTP: a listener is not yet a publisher) */
};

/* Initialize ctl: not stopped, last media now. */
void av_ingest_ctl_init(struct av_ingest_ctl *ctl, int64_t idle_ms);
/* For a new session on the same ctl: last media now, no reason; a stop stays. */
void av_ingest_ctl_rearm(struct av_ingest_ctl *ctl, int64_t idle_ms);
/*
 * An AVIOInterruptCB callback (opaque: the ctl): non-zero once the
 * publisher must stop (stop set, idle too long, or its key revoked).
 * Transports call it between their own timed waits too.
 */
int av_ingest_interrupt_cb(void *opaque);

/*
 * Claim the key's stream for a new publisher (with claim_on_media: at the
 * first media packet, in av_ingest_run). Returns the ingest, or NULL with
 * *err set: -EBUSY (a live publisher holds the stream), -ENOMEM. Logged.
 */
struct av_ingest *av_ingest_claim(const struct av_ingest_params *p, int *err);

/*
 * Open an input for the ingest: fmt with pb (custom I/O, borrowed; NULL to
 * let libavformat open url), the ctl as interrupt callback, bounded probing.
 * opts is borrowed (may be NULL). Returns 0 with *icp set, or a libavformat
 * error (logged).
 */
int av_ingest_open(AVFormatContext **icp, const char *url, const AVInputFormat *fmt,
    AVIOContext *pb, AVDictionary **opts, struct av_ingest_ctl *ctl);

/*
 * Read and package until the input ends or the publisher must stop.
 * Borrows ic. Returns 0 (ended: end of input, stopped, idle, revoked),
 * -ENODATA when no media came at all (claim_on_media: nothing was
 * published), -EBUSY, or a negative errno / libavformat error (logged).
 */
int av_ingest_run(struct av_ingest *ing, AVFormatContext *ic);

/* Last segment, EXT-X-ENDLIST, free. NULL-safe. */
void av_ingest_end(struct av_ingest *ing);

#endif
