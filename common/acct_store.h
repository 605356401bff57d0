/*
 * acct_store: a node's accounting spool and shipper (docs/accounting.md).
 *
 * A thread wakes every flush interval (10 s by default) and
 *   1. drains the counters (acct_drain) and adds the deltas to this node's
 *      rows in its own SQLite file (WAL), in one transaction: a crash,
 *      kill -9 included, loses at most one interval;
 *   2. ships every row that changed since it was last shipped to the
 *      origin's accounting API (POST JSON, bearer token, libcurl) in
 *      batches, as ABSOLUTE totals per (node, customer, bucket): the
 *      origin replaces what it had, so a retry can never double-count;
 *      a row is marked shipped only when the origin said 2xx, and only
 *      if it did not change meanwhile. While the origin is unreachable
 *      rows simply stay unshipped in the file and go out when it returns.
 * On stop it flushes and tries one last shipment.
 */
#ifndef CDN_ACCT_STORE_H
#define CDN_ACCT_STORE_H

#include <stdint.h>

struct acct_store_cfg {
	const char *db_path;         /* the node's spool file */
	const char *node;            /* this node's name (hostname by default) */
	const char *ship_url;        /* POST target, e.g. http://origin:8080/api/v1/accounting; NULL: keep local */
	const char *ship_token;      /* bearer token for ship_url, or NULL */
	int64_t flush_ms;            /* flush (and ship) interval */
	int batch;                   /* rows per POST (default 500) */
};

struct acct_store;

/* Open the spool and start the thread. NULL on failure (logged). */
struct acct_store *acct_store_start(const struct acct_store_cfg *cfg);

/* Flush and ship now (tests, SIGTERM); waits for it. 0 or -EIO. */
int acct_store_flush(struct acct_store *s);

/* Final flush and shipment, stop the thread, close. NULL-safe. */
void acct_store_stop(struct acct_store *s);

/* Rows not yet shipped (for /metrics). */
uint64_t acct_store_unshipped(struct acct_store *s);

#endif
