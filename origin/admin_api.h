/*
 * admin_api: the origin's admin HTTP API under /api/v1/, which cdnctl and
 * the dashboard use. Independent of libmicrohttpd: the HTTP layer fills a
 * struct admin_req and sends what this returns, so it is testable alone.
 *
 * Every request needs "Authorization: Bearer <admin token>", compared in
 * constant time; otherwise 401 with WWW-Authenticate. Request parameters
 * come from the query string or an application/x-www-form-urlencoded body.
 * Responses are JSON: {"error": "..."} with a 4xx status on bad input.
 *
 *   GET  /api/v1/customers                       list customers
 *   POST /api/v1/customers            name=      add a customer (201)
 *   POST /api/v1/customers/<name>/revoke         revoke it and its keys
 *   GET  /api/v1/keys      [customer=] [all=1]   list keys (never secrets)
 *   POST /api/v1/keys      customer= stream= [key=]
 *                                                create a key; the only response that holds the secret (201)
 *   POST /api/v1/keys/<id>/revoke                revoke a key; a live publisher on it is dropped
 *   GET  /api/v1/keys/<id>/rtp                   the key's RTP ingest SDP (404 when none)
 *   POST /api/v1/keys/<id>/rtp   [sdp=]          register an RTP ingest for the key (201): with
 *                                                the sender's SDP, or none to get an SDP with a
 *                                                port the origin allocated (MPEG-TS over RTP)
 *   POST /api/v1/keys/<id>/rtp/remove            stop and forget the key's RTP ingest
 *   GET  /api/v1/streams                         live and recently ended streams
 *   GET  /api/v1/edges                           the watched edges (edge_watch.h)
 *   POST /api/v1/edges/<name>/drain              drain it through its announcer
 *   POST /api/v1/edges/<name>/undrain            undrain it
 *
 * Playback access (docs/access.md):
 *   GET  /api/v1/customers/<name>/secrets [reveal=1]
 *                                                its valid playback secrets (hints;
 *                                                the secrets themselves with reveal=1)
 *   POST /api/v1/customers/<name>/secrets/rotate a new current secret, the old one
 *                                                stays valid as previous (201, holds it)
 *   POST /api/v1/customers/<name>/secrets/retire the previous secret stops working
 *   POST /api/v1/tokens    customer= stream= ttl= [ip=] [sid=]
 *                                                mint a token (201); ttl: seconds, or
 *                                                with a unit s, m, h, d
 *   GET  /api/v1/access    [customer=]           streams whose access mode was set
 *   POST /api/v1/access    customer= stream= access=public|token|unpublished
 */
#ifndef CDN_ADMIN_API_H
#define CDN_ADMIN_API_H

#include <pthread.h>
#include <stdbool.h>

#include "buf.h"
#include "access_table.h"
#include "edge_watch.h"
#include "keys.h"

struct rtp_ingest;

struct admin_ctx {
	struct keys *keys;        /* used under lock */
	pthread_mutex_t lock;
	const char *token;        /* admin bearer token */
	const char *rtmp_url;     /* "rtmp://host:port/live", shown with a new key */
	struct edge_watch *edges; /* may be NULL */
	/* Reloaded after each change to secrets, modes or customers (may be NULL). */
	struct access_table *access;
	int64_t token_max_ttl_s;  /* longest token minted (0: a year) */
	int64_t dvr_max_window_ms;   /* the longest DVR window POST /api/v1/dvr gives (0: 12 h) */
	int64_t dvr_default_ms;      /* dvr_window: a stream without its own */
	bool record_default;         /* record: likewise */
	/*
	 * RTP ingests (rtp_ingest.h), reached through these pointers (main sets
	 * them to rtp_ingest_set/_get/_remove) so that the API, and its tests,
	 * link without the ingest threads and the stream registry. rtp may be
	 * NULL; it is read and used under lock.
	 */
	struct rtp_ingest *rtp;
	int (*rtp_set)(struct rtp_ingest *ri, int64_t key_id, const char *sdp, char **sdp_out,
	    char *stream, char *err, size_t errlen);
	int (*rtp_get)(struct rtp_ingest *ri, int64_t key_id, char **sdp_out);
	int (*rtp_remove)(struct rtp_ingest *ri, int64_t key_id);
};

struct admin_req {
	const char *method;       /* "GET", "POST", ... */
	const char *path;         /* full path, starting with /api/v1/ */
	const char *authorization; /* the Authorization header, or NULL */
	/* a query or form parameter by name, or NULL */
	const char *(*param)(void *cls, const char *name);
	void *cls;
};

/* True when auth is "Bearer <want>" (constant-time compare; false if want is empty). */
bool admin_token_ok(const char *want, const char *auth);

/* Handle one request: fills body (JSON) and returns the HTTP status. */
int admin_api_handle(struct admin_ctx *ctx, const struct admin_req *req, struct buf *body);

#endif
