/*
 * prom_text: reads one sample from a Prometheus text exposition (format
 * 0.0.4), as another node's /metrics answers it: the origin's edge watcher
 * reads its edges' counters this way.
 *
 * The text is peer input: it is walked in place within [text, text+len)
 * (no NUL needed), lines are at most PROM_LINE_MAX bytes (longer ones are
 * skipped), and only a line that starts with exactly the series asked for
 * ("name" or "name{labels}" as the exporter prints it), followed by a space
 * and a finite number, is taken. Comments (#) are skipped; a timestamp after
 * the value is allowed and ignored.
 */
#ifndef CDN_PROM_TEXT_H
#define CDN_PROM_TEXT_H

#include <stddef.h>

#define PROM_LINE_MAX 4096

/* 0 and *value; -ENOENT when no such sample (or it is not a finite number). */
int prom_text_find(const char *text, size_t len, const char *series, double *value);

#endif
