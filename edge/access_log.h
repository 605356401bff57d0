/*
 * access_log: one line per viewer request (docs/edge.md, "Access log").
 *
 *   2026-11-30T09:00:00.123Z 203.0.113.9 "GET /hls/cam1/index.m3u8" 200 1234 HIT 0.4ms
 *
 * The query string is never logged (it may carry a signed-URL token). The
 * path is already validated (no spaces, quotes or control bytes). Lines
 * are written whole under a lock, so threads never interleave inside one.
 */
#ifndef CDN_EDGE_ACCESS_LOG_H
#define CDN_EDGE_ACCESS_LOG_H

#include <stdint.h>

/* where: "-" (stdout), a file path (appended), or "off". 0 or -errno. */
int access_log_open(const char *where);
/* Reopen the file (SIGHUP, after logrotate moved it). 0 or -errno. */
int access_log_reopen(void);
void access_log_close(void);

void access_log_write(const char *client, const char *method, const char *path,
    unsigned status, uint64_t bytes, const char *cache, int64_t dur_us);

#endif
