/*
 * cdnctl_report: prints a billing report the origin computed
 * (GET /api/v1/report, docs/accounting.md) as a table, CSV, JSON or an SVG
 * chart.
 */
#ifndef CDN_CDNCTL_REPORT_H
#define CDN_CDNCTL_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "json_read.h"

/*
 * doc: the API's answer (one customer's "report", or "customers" with
 * all). format: "table", "csv", "json" or "svg" (svg: one customer only).
 * raw/raw_len: the answer's bytes, printed as is for json. Returns the exit
 * status (0, 1 on an unexpected answer, 2 on a usage error).
 */
int cdnctl_report_print(const struct jv *doc, const char *format, bool all, const void *raw,
    size_t raw_len, FILE *out);

#endif
