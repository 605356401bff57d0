/*
 * http_internal: what the origin's HTTP files share (http_origin.c runs the
 * server and serves HLS and the APIs; http_www.c serves the player and the
 * dashboard). Not for use outside origin/http_*.c.
 */
#ifndef CDN_HTTP_INTERNAL_H
#define CDN_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "admin_api.h"
#include "buf.h"
#include "origin_conf.h"

#define REQ_MAGIC 0x4e9e57u

struct acct_api;
struct acct_customer;
struct dash_sessions;

struct http_origin {
	struct MHD_Daemon *d;
	struct MHD_Daemon *d_tls;     /* HTTPS, or NULL */
	int port_tls;
	const struct origin_cfg *cfg;
	struct admin_ctx *admin;
	struct acct_api *acct;
	struct dash_sessions *sessions;
	struct http_guard *guard;     /* connections, limits, request deadlines */
	char www_dir[1024];
	int port;
	int64_t started_ms;
};

struct req {
	unsigned magic;
	struct buf body;          /* POST body */
	uint64_t resp_len;        /* body bytes of the response queued */
	bool too_large;
	struct acct_customer *acct; /* the owner of what is sent (viewer requests only) */
	bool is_head;
	bool no_cors;             /* dashboard: no Access-Control-Allow-Origin */
	bool in_body;             /* a body is arriving: the request deadline runs */
};

/* Queue r (destroyed here) with the common headers; records body_len. */
enum MHD_Result ho_queue(struct MHD_Connection *conn, struct req *rq, unsigned status,
    struct MHD_Response *r, uint64_t body_len);
/* A body copied from b; cache NULL means no-store. */
enum MHD_Result ho_send_buf(struct MHD_Connection *conn, struct req *rq, unsigned status,
    const char *ctype, const struct buf *b, const char *cache);
/* A one-line text body. */
enum MHD_Result ho_send_text(struct MHD_Connection *conn, struct req *rq, unsigned status,
    const char *text);
enum MHD_Result ho_send_405(struct MHD_Connection *conn, struct req *rq, const char *allow);

/*
 * The admin and accounting APIs for path (starting /api/v1/), authorized by
 * auth (an Authorization header value, or NULL).
 */
enum MHD_Result ho_serve_admin(struct http_origin *h, struct MHD_Connection *conn,
    struct req *rq, const char *path, const char *method, const char *auth);
enum MHD_Result ho_serve_acct(struct http_origin *h, struct MHD_Connection *conn,
    struct req *rq, const char *path, const char *method, const char *auth);

/*
 * The value of form field name in rq's x-www-form-urlencoded body, decoded
 * into out. 0, -ENOENT, or -EINVAL (bad encoding, a NUL, or too long).
 */
int ho_form_value(const struct req *rq, const char *name, char *out, size_t outlen);

/* The player and the dashboard (http_www.c): true when path is theirs. */
bool http_www_owns(const char *url);
enum MHD_Result http_www_serve(struct http_origin *h, struct MHD_Connection *conn,
    struct req *rq, const char *url, const char *method);

#endif
