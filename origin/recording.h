/*
 * recording: a stream's event kept as a VOD playlist (docs/dvr.md).
 *
 * Writing. A stream with recording on keeps every segment in its archive
 * session directory (seg_archive.h), and appends each segment's playlist
 * lines to "index.m3u8.part" there as the segment comes: the writer's
 * memory does not grow with the event's length. Its facts go to
 * "recording.conf" (the conf.h format, so one parser reads config and
 * recordings) after every segment. When the stream ends, the writer
 * writes "index.m3u8": the VOD head (EXT-X-PLAYLIST-TYPE:VOD, RFC 8216
 * 4.3.3.5, with the largest target duration the event had), the lines,
 * then EXT-X-ENDLIST; and the recording joins the index. A recording whose
 * origin stopped or died before the end is finished at the next start,
 * from the same files (up to the last whole segment).
 *
 * Serving. A finished recording is in the URL space of its stream:
 * /hls/<stream>/vod-<id>.m3u8 is its playlist, and its segments keep their
 * live names (unique: they begin with the session id, which is the
 * recording's id). Edges cache it, check tokens and account for it exactly
 * as for live content, with no code of their own.
 *
 * Retention. A recording is deleted retention_ms after its end
 * (recordings_sweep), or by the admin API.
 *
 * Threads. Writers belong to their stream (under the stream registry's
 * lock); the index has its own lock, taken after the registry's, never
 * before.
 */
#ifndef CDN_RECORDING_H
#define CDN_RECORDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blob.h"
#include "keys.h"
#include "playlist.h"

#define REC_ID_MAX 31

struct rec_writer;

/* Start a recording in dir (the session directory). NULL on failure (logged). */
struct rec_writer *rec_writer_open(const char *dir, const char *customer, const char *stream,
    const char *id, int64_t started_ms, bool fmp4);
/*
 * Add one segment: its lines (seg; default_map: the stream's map), whether
 * it starts with a keyframe, its size, and the target duration it needs.
 * 0 or -errno (logged): a recording that cannot be written stops growing,
 * the live stream goes on.
 */
int rec_writer_add(struct rec_writer *w, const struct pl_seg *seg, const char *default_map,
    uint64_t msn, bool starts_with_key, size_t bytes, int target_s);
/* The event ended: write the VOD playlist, add it to the index, free w. */
int rec_writer_finish(struct rec_writer *w, int64_t ended_ms);
/* Free w, leaving its files for the next start to finish (shutdown). NULL-safe. */
void rec_writer_close(struct rec_writer *w);

struct rec_info {
	char id[REC_ID_MAX + 1];
	char stream[KEYS_NAME_MAX + 1];
	char customer[KEYS_NAME_MAX + 1];
	int64_t started_ms, ended_ms, expires_ms;
	int64_t duration_ms;
	uint64_t segments, bytes;
};

/*
 * Read the recordings below root (every <stream>/<id>/recording.conf),
 * finishing those whose end was never written; remove session
 * directories without one (DVR windows of a previous run). retention_ms
 * applies to all. max_object bounds a file read for HTTP. 0 or -errno.
 */
int recordings_init(const char *root, int64_t retention_ms, size_t max_object);
void recordings_fini(void);
/* Copy up to max recordings (of customer, or all when NULL), newest first. */
size_t recordings_list(struct rec_info *out, size_t max, const char *customer);
/*
 * An object of a finished recording of stream: "vod-<id>.m3u8" or a file
 * whose name begins with "<id>-". Returns a new blob (content keys with
 * is_secret) and the owner in customer, or NULL with errno ENOENT.
 */
struct blob *recordings_get(const char *stream, const char *object, char *customer,
    size_t customer_len);
/*
 * Which recording an object name is of (the HTTP path's last part): the
 * playlist "vod-<id>.m3u8" (*file "index.m3u8"), or a file of it whose
 * name begins with "<id>-" (*file the object itself), with a known
 * extension. 0, or -ENOENT: not an object of any recording.
 */
int rec_object_split(const char *object, char id[REC_ID_MAX + 1], const char **file);
/*
 * Parse the text of a recording.conf (what recordings_init reads), for
 * tests and fuzzing: 0 when it would be accepted, with its id, stream and
 * customer fit for names; -1 otherwise.
 */
int rec_meta_check_text(const char *text, size_t len);
/* Delete one now. 0 or -ENOENT. */
int recordings_delete(const char *stream, const char *id);
/* Delete those past their retention; called about once a second. */
void recordings_sweep(int64_t now_ms);

#endif
