/*
 * stream: the registry of live streams on this origin, shared by the RTMP
 * thread (which publishes into it) and the HTTP threads (which serve from
 * it), keyed by public stream name.
 *
 * A stream holds its sliding window of segments (struct blob, reference
 * counted), the current media and master playlists as immutable blobs
 * rebuilt whenever a segment completes, and the stream's facts for the
 * admin API. HTTP handlers take a reference to a blob under the registry
 * lock and send it after releasing the lock, so a segment that leaves the
 * window is freed only when its last response is done.
 *
 * Continuity. When the publisher goes away the stream first waits for it
 * (republish_grace_ms): the playlist stays live, without EXT-X-ENDLIST, so
 * players keep polling. A publisher of the same customer that comes back
 * with the same stream name within that time continues the same playlist:
 * the media sequence runs on, the first new segment carries
 * EXT-X-DISCONTINUITY, segment names stay unique (the session id is kept and
 * sequence numbers never repeat) and fMP4 gets a new init segment under a
 * new name. When the wait passes, the stream ends: its playlist gets
 * EXT-X-ENDLIST and stays for grace_ms, then the stream is removed. A
 * revoked key, a zero republish_grace_ms and the origin's shutdown end the
 * stream at once.
 *
 * DVR and recording (docs/dvr.md). With a DVR window, the live playlist
 * spans dvr_window_ms of media instead of `window` segments, so players can
 * seek back. Memory stays bounded: each segment is also written to the
 * stream's session directory (seg_archive.h) and, once it leaves the last
 * `window` segments and their grace, only its facts stay in memory; it is
 * then served from disk. A segment that could not be written stays in
 * memory only, and the DVR window restarts after it. With recording on,
 * every segment stays on disk until the event ends, when it becomes a VOD
 * playlist (recording.h); a republish within the grace continues the same
 * recording.
 */
#ifndef CDN_STREAM_H
#define CDN_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blob.h"
#include "keys.h"
#include "seg_mux.h"

struct stream;

struct stream_params {
	char name[KEYS_NAME_MAX + 1];       /* public stream name */
	char customer[KEYS_NAME_MAX + 1];
	int64_t customer_id;
	int64_t key_id;
	char peer[64];                      /* publisher's address, for the stream list */
	enum seg_format format;
	int64_t target_ms;                  /* segment target duration */
	unsigned window;                    /* segments in the live playlist */
	int64_t grace_ms;                   /* how long segments and ended playlists outlive the window */
	int64_t republish_grace_ms;         /* how long a stream waits for its publisher to return */
	const char *persist_dir;            /* also write segments here, or NULL */
	bool encrypt;                       /* HLS AES-128 (docs/access.md "Encryption") */
	unsigned key_rotation;              /* segments per content key (>= 1) */
	/* DVR and recording (docs/dvr.md): both keep segments below archive_dir */
	const char *archive_dir;            /* root of the session directories */
	int64_t dvr_window_ms;              /* 0: no DVR; else the playlist spans this much */
	bool record;                        /* keep the event as a VOD playlist */
};

struct stream_info {
	char name[KEYS_NAME_MAX + 1];
	char customer[KEYS_NAME_MAX + 1];
	int64_t key_id;
	char peer[64];
	bool live;                          /* a publisher is sending */
	bool waiting;                       /* publisher gone, waiting for it to return */
	int64_t started_ms;                 /* Unix ms */
	uint64_t bytes_in;                  /* media bytes received */
	uint64_t bitrate_bps;               /* ingest, over the last segments */
	char codecs[64];                    /* "avc1.64001f,mp4a.40.2" */
	int width, height;
	uint64_t media_seq;                 /* sequence number of the newest segment */
	uint64_t segments;                  /* made since publish */
	int64_t dvr_window_ms;              /* 0: no DVR window */
	bool recording;                     /* the event is being recorded */
};

/*
 * Where content keys of encrypted streams are kept besides memory (the
 * origin's database): put when a key is made, del some time after its last
 * segment left the window. Both are called on the RTMP thread (the one
 * that adds segments and sweeps), so they may use that thread's database
 * connection. When put fails the segment is dropped: a key the database
 * does not hold is never used.
 */
struct stream_key_store {
	int (*put)(void *arg, const char *stream, const char *key_id, const uint8_t key[16]);
	void (*del)(void *arg, const char *stream, const char *key_id);
	void *arg;
};
/* Borrows ks until stream_registry_fini. NULL: keys live in memory only. */
void stream_set_key_store(const struct stream_key_store *ks);

int stream_registry_init(void);
void stream_registry_fini(void);

/*
 * Claim name for a new publisher. Returns the stream, or NULL with errno
 * EBUSY when a live publisher holds the name. A stream of that name waiting
 * for its publisher (same customer) is continued: p's peer and key replace
 * the old ones, and the next segment follows a discontinuity. An ended
 * stream of that name is replaced (its blobs stay valid for responses in
 * flight).
 */
struct stream *stream_publish(const struct stream_params *p);
/* Set codec facts once the sequence headers are known (for the master playlist). */
void stream_set_codecs(struct stream *s, const char *codecs, int width, int height);
/* Account ingest bytes (media payload). */
void stream_add_bytes_in(struct stream *s, uint64_t n);
/* A seg_mux_emit_cb: add the segment to the window, rebuild the playlists. arg is the stream. */
int stream_add_segment(void *arg, struct seg_out *seg);
/*
 * fMP4: set the init segment of a new packager (copied). Each call makes a
 * new init segment with a new name; segments added after it refer to it.
 */
int stream_set_init(struct stream *s, const uint8_t *data, size_t len);
/*
 * Change the container of the stream's segments (an AV1 publisher on a TS
 * origin gets fMP4). 0, or -EBUSY once the stream has segments: one
 * playlist never mixes TS and fMP4.
 */
int stream_set_format(struct stream *s, enum seg_format format);
/* The next segment follows a discontinuity (the packager was restarted). */
void stream_mark_discontinuity(struct stream *s);
/* The stream's own name, for log context. */
const char *stream_name(const struct stream *s);
/*
 * The publisher is gone. final: end the stream now (EXT-X-ENDLIST), as for a
 * revoked key; otherwise wait republish_grace_ms for it to return first.
 * The caller must not use s after.
 */
void stream_unpublish(struct stream *s, bool final);
/* End every stream waiting for its publisher (the origin is stopping). */
void stream_registry_end_all(void);

/*
 * Look up an object of a stream for HTTP: "index.m3u8", "master.m3u8",
 * "init.mp4", a segment name or a content key name ("<id>.key"; its blob
 * has is_secret set), from memory or from its DVR window on disk; then of
 * the stream's finished recordings (recording.h). Returns a new reference,
 * or NULL (ENOENT).
 */
struct acct_customer;
/* acct: when not NULL, set to the stream owner's accounting counters. */
struct blob *stream_get_object(const char *name, const char *object, struct acct_customer **acct);

/* Copy up to max streams' facts. Returns the number copied. */
size_t stream_list(struct stream_info *out, size_t max);
/* Count live streams. */
size_t stream_count_live(void);
/* Ask the RTMP side to drop the publisher using key_id (revoked). */
void stream_kick_key(int64_t key_id);
/* Whether key_id has been asked to stop (the RTMP session polls this). */
bool stream_is_kicked(const struct stream *s);
/* Expire old segments and ended streams; called about once a second. */
void stream_registry_sweep(int64_t now_ms);

#endif
