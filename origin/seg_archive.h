/*
 * seg_archive: a stream's segments on disk, for its DVR window and its
 * recording (docs/dvr.md).
 *
 * One directory per publish session, below archive_dir:
 *   <archive_dir>/<stream>/<session id>/
 * holding segment and init files (and, for a recording of an encrypted
 * stream, its content keys, mode 0600) under the names the playlists use,
 * so a name is a file and nothing needs an index to be served. A file is
 * written under a temporary name and renamed: readers see all of it or
 * nothing. Names come from the stream registry, never from a request
 * unchecked: a name with '/' or a leading '.' is refused (-EINVAL).
 *
 * Reads are bounded (max_bytes) and return a blob like the in-memory ones,
 * so HTTP serves both alike; the same bytes give the same ETag.
 */
#ifndef CDN_SEG_ARCHIVE_H
#define CDN_SEG_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blob.h"

#define SEG_ARCHIVE_PATH_MAX 1024

/* A name fit for a file of a session directory. */
bool seg_archive_name_ok(const char *name);
/*
 * Create (if need be) the session directory and write its path to out.
 * 0, -EINVAL (a name), -ENAMETOOLONG, or -errno of mkdir (logged).
 */
int seg_archive_open(const char *root, const char *stream, const char *sid, char *out,
    size_t outlen);
/* Write a file of dir (0644, or 0600 when secret). 0 or -errno (logged). */
int seg_archive_put(const char *dir, const char *file, const void *data, size_t len,
    bool secret);
/*
 * Read a file of dir into a new blob (one reference) of content type
 * ctype. NULL with errno: ENOENT, EFBIG (past max_bytes), EINVAL, ENOMEM,
 * or that of the read.
 */
struct blob *seg_archive_get(const char *dir, const char *file, const char *ctype,
    size_t max_bytes);
/* Delete a file of dir; a missing one is not an error. */
void seg_archive_del(const char *dir, const char *file);
/*
 * Delete the session directory with every file in it, then its stream's
 * directory if that is left empty. Subdirectories are not followed. 0 or
 * -errno (logged).
 */
int seg_archive_remove(const char *dir);

#endif
