/*
 * acct_api: the origin's accounting API (docs/accounting.md).
 *
 *   POST /api/v1/accounting      every node's buckets (JSON, below); bearer:
 *                                the accounting token (or the admin token)
 *   GET  /api/v1/report          customer= from= to= [direction=] [series=1]
 *   GET  /api/v1/report          all=1 from= to= [direction=]: customers ranked
 *                                by billable figure; bearer: the admin token
 *
 * A shipment is {"node":"edge-1","buckets":[{"customer":"acme",
 * "stream":"cam1" (optional: "" is the customer's own),"bucket":1764460800,"bytes_out":N,"bytes_in":N,"requests":N,
 * "peak_viewers":N, "sessions":N (optional), "sessions_capped":0|1 (optional)},...]}. Each row holds the node's ABSOLUTE totals for
 * that bucket and replaces what the origin had for (node, customer,
 * bucket): shipping twice changes nothing. Rows are validated (names,
 * 5-minute alignment, non-negative integers, not more than an hour in the
 * future by the origin's clock); one bad row refuses the whole shipment
 * with 400, so a node never believes a partial write succeeded.
 *
 * sessions is the node's count of distinct SIDs in that bucket; reports
 * give unique_viewers: per stream (and per customer) the bucket of the
 * period with the largest sum over nodes (and streams) of those counts.
 *
 * Reports sum every node's bytes per bucket, then take the 95th
 * percentile over all the buckets of the period (p95.h); empty buckets
 * are samples of 0. from/to are dates (YYYY-MM-DD, UTC; to inclusive) or
 * Unix seconds (to exclusive); the part of the period after the current
 * bucket is not sampled. direction: out (default), in, max (the larger of
 * the two per sample) or sum.
 */
#ifndef CDN_ACCT_API_H
#define CDN_ACCT_API_H

#include <stddef.h>

#include "admin_api.h"
#include "buf.h"

struct acct_api;

/* Open (and migrate) the accounting tables in db_path. NULL on failure. */
struct acct_api *acct_api_open(const char *db_path, const char *acct_token,
    const char *admin_token);
void acct_api_close(struct acct_api *a);

/* True when presented (an X-CDN-Edge header) is the accounting token:
 * the request is an edge's, whose viewers the edge bills. Constant time. */
bool acct_api_is_edge(const struct acct_api *a, const char *presented);

/* True when req->path is ours. */
bool acct_api_owns(const char *path);

/*
 * Handle one request (body: the POST body, may be NULL). Fills out with
 * JSON and returns the HTTP status. Any thread (a lock inside).
 */
int acct_api_handle(struct acct_api *a, const struct admin_req *req, const void *body,
    size_t body_len, struct buf *out);

#endif
