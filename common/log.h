/*
 * log: leveled, one line per event, to stderr (or a file).
 *
 * A line reads:
 *   2026-11-25T18:00:00.123Z cdn-origin INFO [rtmp c=3 127.0.0.1:5555 cam1] publish started
 * The bracketed context is per thread (log_ctx_set), so a connection's code
 * sets it once and every line it logs carries it (nginx log->action). The
 * level is checked before anything is formatted. log_err and log_warn append
 * strerror(errno); the x variants do not. Never log a secret: stream keys and
 * tokens are logged only as their hint (see keys.h).
 */
#ifndef CDN_LOG_H
#define CDN_LOG_H

#include <stdio.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

extern int log_level_current;

void log_init(const char *ident, int level);
/* "err", "warn", "info" or "debug"; returns the level or -1. */
int log_level_parse(const char *s);
const char *log_level_name(int level);
void log_set_file(FILE *f);  /* borrows f; NULL restores stderr */

/* Per-thread context shown in brackets; NULL or "" clears it. Copied. */
void log_ctx_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_ctx_clear(void);

void log_emit(int level, int with_errno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOG_AT(lvl, e, ...)                                         \
	do {                                                        \
		if ((lvl) <= log_level_current)                     \
			log_emit((lvl), (e), __VA_ARGS__);          \
	} while (0)

#define log_err(...)   LOG_AT(LOG_LVL_ERR, 1, __VA_ARGS__)
#define log_errx(...)  LOG_AT(LOG_LVL_ERR, 0, __VA_ARGS__)
#define log_warn(...)  LOG_AT(LOG_LVL_WARN, 1, __VA_ARGS__)
#define log_warnx(...) LOG_AT(LOG_LVL_WARN, 0, __VA_ARGS__)
#define log_info(...)  LOG_AT(LOG_LVL_INFO, 0, __VA_ARGS__)
#define log_debug(...) LOG_AT(LOG_LVL_DEBUG, 0, __VA_ARGS__)

#endif
