/*
 * log: see log.h. One fputs per line under a lock-free stdio call, so lines
 * from several threads never interleave mid-line.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "log.h"

int log_level_current = LOG_LVL_INFO;
static const char *log_ident = "cdn";
static FILE *log_out;
static _Thread_local char log_ctx[160];

static const char *const level_names[] = { "err", "warn", "info", "debug" };

void
log_init(const char *ident, int level)
{
	log_ident = ident;
	log_level_current = level;
}

int
log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

const char *
log_level_name(int level)
{
	return level >= 0 && level < 4 ? level_names[level] : "?";
}

void
log_set_file(FILE *f)
{
	log_out = f;
}

void
log_ctx_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(log_ctx, sizeof(log_ctx), fmt, ap);
	va_end(ap);
}

void
log_ctx_clear(void)
{
	log_ctx[0] = '\0';
}

void
log_emit(int level, int with_errno, const char *fmt, ...)
{
	static const char *const upper[] = { "ERR", "WARN", "INFO", "DEBUG" };
	char line[2048], ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;
	int saved = errno, n;
	size_t off;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ %s %s %s%s%s", ts,
	    now.tv_nsec / 1000000, log_ident, upper[level < 0 ? 0 : level > 3 ? 3 : level],
	    log_ctx[0] ? "[" : "", log_ctx, log_ctx[0] ? "] " : "");
	off = n > 0 && (size_t)n < sizeof(line) ? (size_t)n : 0;
	va_start(ap, fmt);
	n = vsnprintf(line + off, sizeof(line) - off, fmt, ap);
	va_end(ap);
	if (n > 0)
		off += (size_t)n < sizeof(line) - off ? (size_t)n : sizeof(line) - off - 1;
	if (with_errno && off < sizeof(line) - 1)
		off += (size_t)snprintf(line + off, sizeof(line) - off, ": %s", strerror(saved));
	if (off > sizeof(line) - 2)
		off = sizeof(line) - 2;
	/* One line per event: no peer-supplied newline can forge a second one. */
	for (size_t i = 0; i < off; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[off++] = '\n';
	line[off] = '\0';
	fputs(line, log_out ? log_out : stderr);
	errno = saved;
}
