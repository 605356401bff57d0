/*
 * www_static: the files of www/ that the origin serves (the player, the
 * dashboard, and hls.js from www/vendor/), found on disk under www_dir.
 *
 * Only what a browser needs is reachable: a request names a fixed area
 * ("player", "dashboard" or "vendor") and path components already checked
 * by http_path (no "..", no leading dot, [A-Za-z0-9._~-] only); the file
 * must be a regular file with one of the extensions below, opened without
 * following a symlink at its last component. node_modules, package files
 * and anything else in www/ are never served.
 *
 * The Content-Type comes from our own table, not the system's MIME map
 * (FIELD-NOTES: Debian's is wrong for media types). The ETag is the size
 * and mtime, so a deploy of new files is picked up at once.
 */
#ifndef CDN_WWW_STATIC_H
#define CDN_WWW_STATIC_H

#include <stddef.h>
#include <stdint.h>

#define WWW_FILE_MAX (8u << 20)   /* larger files are refused (-EFBIG) */

struct www_file {
	int fd;                   /* open, owned by the caller (or given to MHD) */
	uint64_t size;
	const char *content_type;
	char etag[48];            /* "\"<size>-<mtime>\"" */
};

/* The Content-Type for a file name, or NULL when the extension is not served. */
const char *www_content_type(const char *name);

/*
 * Open area/parts[0]/.../parts[n-1] under root. Returns 0 and fills f;
 * -ENOENT (no such file, or not one we serve), -EFBIG, or another -errno.
 */
int www_open(const char *root, const char *area, const char *const *parts, size_t n,
    struct www_file *f);

#endif
