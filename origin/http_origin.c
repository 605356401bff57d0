/*
 * http_origin: the origin's HTTP server on libmicrohttpd; see http_origin.h.
 *
 * Each request gets a small state object in *con_cls (the first call
 * allocates it, as MHD asks); it collects a POST body up to a ceiling and
 * records the body size of the response, so bytes out are counted once the
 * response has been sent in full (MHD_OPTION_NOTIFY_COMPLETED).
 *
 * Blobs (segments, playlists) are sent without a copy: the response points
 * into the blob and holds a reference that MHD drops when it is done.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "access_table.h"
#include "clock.h"
#include "dash_session.h"
#include "acct.h"
#include "acct_api.h"
#include "blob.h"
#include "http_internal.h"
#include "http_origin.h"
#include "http_etag.h"
#include "http_form.h"
#include "http_guard.h"
#include "http_path.h"
#include "http_range.h"
#include "json.h"
#include "log.h"
#include "m3u8_token.h"
#include "metrics.h"
#include "net.h"
#include "play_token.h"
#include "stream.h"
#include "tls_cert.h"
#include "xalloc.h"

static void
add_common_headers(struct MHD_Response *r, bool cors)
{
	/* Dashboard answers are for our own pages only: no CORS there. */
	if (cors) {
		MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
		MHD_add_response_header(r, "Access-Control-Expose-Headers",
		    "Content-Length, Content-Range, ETag, Age");
	}
	MHD_add_response_header(r, "Server", "cdn-origin/" PACKAGE_VERSION);
}

enum MHD_Result
ho_queue(struct MHD_Connection *conn, struct req *rq, unsigned status, struct MHD_Response *r,
    uint64_t body_len)
{
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	add_common_headers(r, rq == NULL || !rq->no_cors);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	metrics_http_status(status);
	if (rq)
		rq->resp_len = body_len;
	return ret;
}

/* A short text or JSON body from a buf (copied by MHD). */
enum MHD_Result
ho_send_buf(struct MHD_Connection *conn, struct req *rq, unsigned status, const char *ctype,
    const struct buf *b, const char *cache)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(b->len, b->data, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Cache-Control", cache ? cache : "no-store");
	return ho_queue(conn, rq, status, r, b->len);
}

enum MHD_Result
ho_send_text(struct MHD_Connection *conn, struct req *rq, unsigned status, const char *text)
{
	struct buf b;
	enum MHD_Result ret;

	buf_init(&b, 4096);
	buf_printf(&b, "%s\n", text);
	ret = ho_send_buf(conn, rq, status, "text/plain; charset=utf-8", &b, NULL);
	buf_fini(&b);
	return ret;
}

enum MHD_Result
ho_send_405(struct MHD_Connection *conn, struct req *rq, const char *allow)
{
	struct MHD_Response *r;
	static const char msg[] = "method not allowed\n";

	r = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Allow", allow);
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	return ho_queue(conn, rq, MHD_HTTP_METHOD_NOT_ALLOWED, r, sizeof(msg) - 1);
}


static enum MHD_Result
serve_blob(struct MHD_Connection *conn, struct req *rq, struct blob *b, bool is_segment,
    const struct acct_customer *owner, const char *access)
{
	struct MHD_Response *r;
	struct http_range range;
	char cc[64], cr[96], age[24];
	unsigned status = MHD_HTTP_OK;
	uint64_t off = 0, len = b->len;
	int64_t age_s;
	int rr = HTTP_RANGE_NONE;

	if (b->is_secret)   /* a content key: no shared cache may answer for us */
		snprintf(cc, sizeof(cc), "private, no-store");
	else
		snprintf(cc, sizeof(cc), "public, max-age=%d%s", b->max_age_s,
		    b->immutable ? ", immutable" : "");
	age_s = (clock_wall_ms() - b->created_ms) / 1000;
	snprintf(age, sizeof(age), "%lld", (long long)(age_s > 0 ? age_s : 0));
	if (http_etag_match(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match"),
	    b->etag)) {
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (r == NULL) {
			blob_unref(b);
			return MHD_NO;
		}
		MHD_add_response_header(r, "ETag", b->etag);
		MHD_add_response_header(r, "Cache-Control", cc);
		if (access && owner) {
			/* An edge revalidating a playlist learns the mode all the same. */
			MHD_add_response_header(r, "X-CDN-Customer", owner->name);
			if (owner->stream[0])
				MHD_add_response_header(r, "X-CDN-Stream", owner->stream);
			MHD_add_response_header(r, "X-CDN-Access", access);
		}
		blob_unref(b);
		return ho_queue(conn, rq, MHD_HTTP_NOT_MODIFIED, r, 0);
	}
	if (is_segment) {
		rr = http_range_parse(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Range"),
		    b->len, &range);
		if (rr == HTTP_RANGE_UNSATISFIABLE) {
			static const char msg[] = "range not satisfiable\n";
			snprintf(cr, sizeof(cr), "bytes */%zu", b->len);
			blob_unref(b);
			r = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
			    MHD_RESPMEM_PERSISTENT);
			if (r == NULL)
				return MHD_NO;
			MHD_add_response_header(r, "Content-Range", cr);
			MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
			return ho_queue(conn, rq, MHD_HTTP_RANGE_NOT_SATISFIABLE, r, sizeof(msg) - 1);
		}
		if (rr == HTTP_RANGE_OK) {
			off = range.first;
			len = range.last - range.first + 1;
			status = MHD_HTTP_PARTIAL_CONTENT;
			snprintf(cr, sizeof(cr), "bytes %llu-%llu/%zu", (unsigned long long)range.first,
			    (unsigned long long)range.last, b->len);
		}
	}
	r = MHD_create_response_from_buffer_with_free_callback_cls((size_t)len, b->data + off,
	    blob_mhd_release, b);
	if (r == NULL) {
		blob_unref(b);
		return MHD_NO;
	}
	/* b stays referenced by the response until MHD calls blob_mhd_release. */
	if (owner) {
		/* The owner, for the edges' accounting (they never forward it). */
		MHD_add_response_header(r, "X-CDN-Customer", owner->name);
		if (owner->stream[0])
			MHD_add_response_header(r, "X-CDN-Stream", owner->stream);
	}
	if (access)   /* to edges only: they enforce it (docs/access.md) */
		MHD_add_response_header(r, "X-CDN-Access", access);
	MHD_add_response_header(r, "Content-Type", b->content_type);
	MHD_add_response_header(r, "Cache-Control", cc);
	MHD_add_response_header(r, "ETag", b->etag);
	MHD_add_response_header(r, "Age", age);
	if (is_segment)
		MHD_add_response_header(r, "Accept-Ranges", "bytes");
	if (status == MHD_HTTP_PARTIAL_CONTENT)
		MHD_add_response_header(r, "Content-Range", cr);
	return ho_queue(conn, rq, status, r, len);
}

/* The TCP peer's address, for a token's CIDR ("-" when unknown). */
static void
peer_ip(struct MHD_Connection *conn, char *out, size_t outlen)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, outlen, "-");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
		    (socklen_t)outlen);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    out, (socklen_t)outlen);
}

/*
 * A playlist for a viewer with a valid token: every URI carries the token
 * (m3u8_token.h), so the player needs nothing special. The body is the
 * viewer's own: private, and no ETag (the stored one names other bytes).
 * Takes over the reference to b.
 */
static enum MHD_Result
serve_signed_playlist(struct MHD_Connection *conn, struct req *rq, struct blob *b,
    const char *token)
{
	struct MHD_Response *r;
	struct buf out;
	char cc[64];
	size_t len;
	int rc;

	buf_init(&out, M3U8_TOKEN_OUT_MAX);
	rc = m3u8_token_rewrite(b->data, b->len, token, &out);
	snprintf(cc, sizeof(cc), "private, max-age=%d", b->max_age_s);
	if (rc != 0) {
		log_warnx("http: cannot carry a token into a playlist: %s", strerror(-rc));
		buf_fini(&out);
		blob_unref(b);
		return ho_send_text(conn, rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "playlist too large");
	}
	r = MHD_create_response_from_buffer(out.len, out.data, MHD_RESPMEM_MUST_COPY);
	if (r) {
		MHD_add_response_header(r, "Content-Type", b->content_type);
		MHD_add_response_header(r, "Cache-Control", cc);
	}
	len = out.len;
	blob_unref(b);
	buf_fini(&out);
	return ho_queue(conn, rq, MHD_HTTP_OK, r, len);
}

static enum MHD_Result
serve_hls(struct http_origin *h, struct MHD_Connection *conn, struct req *rq,
    const struct http_path *p)
{
	struct blob *b;
	const char *obj = p->part[2];
	size_t n = strlen(obj);
	bool is_playlist = n > 5 && strcmp(obj + n - 5, ".m3u8") == 0;

	struct acct_customer *ac = NULL;
	const char *edge = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CDN-Edge");
	bool is_edge = edge && h->acct && acct_api_is_edge(h->acct, edge);
	enum play_access mode = PLAY_PUBLIC;
	struct play_token tok;
	bool tok_ok = false;

	b = stream_get_object(p->part[1], obj, &ac);
	if (b == NULL)
		return ho_send_text(conn, rq, MHD_HTTP_NOT_FOUND, "not found");
	if (ac && h->admin)
		mode = access_table_mode(h->admin->access, ac->name, p->part[1]);
	/*
	 * A content key (docs/access.md, Encryption) goes to token holders
	 * only, whatever the stream's mode: an encrypted stream is token-only
	 * for its keys. Edges are told so in X-CDN-Access and check too.
	 */
	if (b->is_secret && mode == PLAY_PUBLIC)
		mode = PLAY_TOKEN;
	/*
	 * Playback access (docs/access.md): edges, proven by the accounting
	 * token, get everything with the mode in X-CDN-Access and check
	 * viewers themselves; a viewer here needs a valid token unless the
	 * stream is public. The address is the TCP peer's: X-Forwarded-For is
	 * anybody's to write.
	 */
	if (!is_edge) {
		const char *token = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "token");
		char sec[PLAY_SECRETS_MAX][KEYS_PLAY_SECRET_LEN + 1];
		const char *sv[PLAY_SECRETS_MAX];
		char peer[INET6_ADDRSTRLEN + 1];
		size_t ns = 0;
		enum play_verdict v;

		if (token && ac && h->admin)
			ns = access_table_secrets(h->admin->access, ac->name, sec);
		for (size_t i = 0; i < ns; i++)
			sv[i] = sec[i];
		peer_ip(conn, peer, sizeof(peer));
		v = play_check(mode, token, p->part[1], sv, ns, clock_wall_ms() / 1000, peer, &tok,
		    &tok_ok);
		OPENSSL_cleanse(sec, sizeof(sec));
		if (v != PLAY_OK) {
			log_debug("http: %s/%s for %s: 403 %s", p->part[1], obj, peer,
			    play_verdict_reason(v));
			blob_unref(b);
			return ho_send_text(conn, rq, MHD_HTTP_FORBIDDEN, play_verdict_reason(v));
		}
	}
	/*
	 * Accounting: an edge counts what it sends to viewers itself; only
	 * what goes straight to a viewer is counted here, so no byte is billed
	 * twice. An edge proves it is one with the accounting token
	 * (X-CDN-Edge); a Via header alone would let any viewer opt out.
	 * Edges learn the owner from X-CDN-Customer, which they keep with the
	 * object and never forward to viewers.
	 */
	if (!is_edge) {
		rq->acct = ac;
		acct_viewer(ac, +1);   /* in flight until completed() */
		/* Unique viewers: a token verified here with a SID (edges count
		 * their own viewers' SIDs). */
		if (tok_ok && tok.sid[0])
			acct_add_session(ac, tok.sid);
	}
	if (!is_edge && is_playlist && tok_ok)
		return serve_signed_playlist(conn, rq, b, tok.text);
	return serve_blob(conn, rq, b, !is_playlist, ac,
	    is_edge && ac ? play_access_name(mode) : NULL);
}

/* GET /api/v1/edge/secrets: what edges need to check tokens themselves. */
static enum MHD_Result
serve_edge_secrets(struct http_origin *h, struct MHD_Connection *conn, struct req *rq,
    const char *method)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	struct buf b;
	struct json j;
	enum MHD_Result ret;

	if (strcmp(method, "GET") != 0)
		return ho_send_405(conn, rq, "GET");
	/* The accounting token, which every edge holds: Bearer, as for shipping. */
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0 || h->acct == NULL ||
	    !acct_api_is_edge(h->acct, auth + 7) || h->admin == NULL || h->admin->access == NULL) {
		struct MHD_Response *r;
		static const char msg[] = "{\"error\":\"missing or wrong accounting token\"}\n";
		r = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
		    MHD_RESPMEM_PERSISTENT);
		if (r == NULL)
			return MHD_NO;
		MHD_add_response_header(r, "Content-Type", "application/json");
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"cdn-origin\"");
		MHD_add_response_header(r, "Cache-Control", "no-store");
		return ho_queue(conn, rq, MHD_HTTP_UNAUTHORIZED, r, sizeof(msg) - 1);
	}
	buf_init(&b, 16u << 20);
	json_init(&j, &b);
	access_table_render(h->admin->access, &j);
	buf_put_u8(&b, '\n');
	ret = ho_send_buf(conn, rq, b.err ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_OK,
	    "application/json", &b, NULL);
	OPENSSL_cleanse(b.data, b.cap);
	buf_fini(&b);
	return ret;
}

static enum MHD_Result
serve_healthz(struct http_origin *h, struct MHD_Connection *conn, struct req *rq)
{
	struct buf b;
	struct json j;
	enum MHD_Result ret;

	buf_init(&b, 4096);
	json_init(&j, &b);
	json_obj_begin(&j);
	json_key(&j, "status");
	json_str(&j, "ok");
	json_key(&j, "role");
	json_str(&j, "origin");
	json_key(&j, "version");
	json_str(&j, PACKAGE_VERSION);
	json_key(&j, "uptime_s");
	json_int(&j, (clock_wall_ms() - h->started_ms) / 1000);
	json_key(&j, "streams");
	json_uint(&j, stream_count_live());
	json_key(&j, "publishers");
	json_uint(&j, atomic_load(&metrics.publishers));
	json_obj_end(&j);
	buf_put_u8(&b, '\n');
	ret = ho_send_buf(conn, rq, MHD_HTTP_OK, "application/json", &b, NULL);
	buf_fini(&b);
	return ret;
}

static enum MHD_Result
serve_metrics(struct http_origin *h, struct MHD_Connection *conn, struct req *rq)
{
	struct buf b;
	enum MHD_Result ret;

	buf_init(&b, 1 << 20);
	metrics_render(&b, stream_count_live());
	http_guard_render(h->guard, &b, "cdn_origin");
	ret = ho_send_buf(conn, rq, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", &b, NULL);
	buf_fini(&b);
	return ret;
}

/* ---- admin API glue -------------------------------------------------------- */

struct param_ctx {
	struct MHD_Connection *conn;
	struct req *rq;
	char scratch[8][8192];    /* decoded form values handed out (an RTP SDP is up to 4000) */
	int n_scratch;
};

int
ho_form_value(const struct req *rq, const char *name, char *out, size_t outlen)
{
	return http_form_get((const char *)rq->body.data, rq->body.len, name, out, outlen);
}

static const char *
get_param(void *cls, const char *name)
{
	struct param_ctx *pc = cls;
	const char *v = MHD_lookup_connection_value(pc->conn, MHD_GET_ARGUMENT_KIND, name);
	char *out;

	if (v)
		return v;
	if (pc->rq->body.len == 0 || pc->n_scratch >= 8)
		return NULL;
	out = pc->scratch[pc->n_scratch];
	if (ho_form_value(pc->rq, name, out, sizeof(pc->scratch[0])) != 0)
		return NULL;
	pc->n_scratch++;
	return out;
}

enum MHD_Result
ho_serve_admin(struct http_origin *h, struct MHD_Connection *conn, struct req *rq, const char *url,
    const char *method, const char *auth)
{
	struct param_ctx pc = { .conn = conn, .rq = rq };
	struct admin_req ar = { 0 };
	struct buf b;
	struct MHD_Response *r;
	int status;

	if (rq->too_large)
		return ho_send_text(conn, rq, 413, "request body too large");
	ar.method = method;
	ar.path = url;
	ar.authorization = auth;
	ar.param = get_param;
	ar.cls = &pc;
	buf_init(&b, 4 << 20);
	status = admin_api_handle(h->admin, &ar, &b);
	r = MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_COPY);
	if (r == NULL) {
		buf_fini(&b);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (status == 401)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"cdn-origin\"");
	if (status == 405) {
		/* admin_api puts the allowed methods in the body as "allow". */
		char allow[64] = "";
		const char *a = b.len ? memmem(b.data, b.len, "\"allow\":\"", 9) : NULL;
		if (a) {
			const char *end = (const char *)b.data + b.len;
			const char *q;
			a += 9;
			q = memchr(a, '"', (size_t)(end - a));
			size_t n = q ? (size_t)(q - a) : sizeof(allow);
			if (n < sizeof(allow)) {
				memcpy(allow, a, n);
				allow[n] = '\0';
				MHD_add_response_header(r, "Allow", allow);
			}
		}
	}
	buf_fini(&b);
	return ho_queue(conn, rq, (unsigned)status, r, 0);
}

enum MHD_Result
ho_serve_acct(struct http_origin *h, struct MHD_Connection *conn, struct req *rq, const char *url,
    const char *method, const char *auth)
{
	struct param_ctx pc = { .conn = conn, .rq = rq };
	struct admin_req ar = { 0 };
	struct buf b;
	struct MHD_Response *r;
	int status;

	if (rq->too_large)
		return ho_send_text(conn, rq, 413, "request body too large");
	ar.method = method;
	ar.path = url;
	ar.authorization = auth;
	ar.param = get_param;
	ar.cls = &pc;
	buf_init(&b, 64u << 20);
	/* A POST body is the JSON shipment itself: no form parameters in it. */
	if (strcmp(method, "POST") == 0)
		pc.rq = &(struct req){ .magic = REQ_MAGIC };
	status = acct_api_handle(h->acct, &ar, rq->body.data, rq->body.len, &b);
	r = MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_COPY);
	buf_fini(&b);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (status == 401)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"cdn-origin\"");
	return ho_queue(conn, rq, (unsigned)status, r, 0);
}

/* The player page, the dashboard page and hls.js are all there. */
static bool
www_ready(const char *dir)
{
	static const char *const need[] = { "player/watch.html", "dashboard/index.html",
		"vendor/hls.min.js" };
	char p[1200];

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, need[i]);
		if (access(p, R_OK) != 0)
			return false;
	}
	return true;
}

/* ---- limits ------------------------------------------------------------------ */

/* MHD_OPTION_URI_LOG_CALLBACK: the raw request target's length, query
 * included (the handler sees the decoded path only). */
static void *
uri_seen(void *cls, const char *uri, struct MHD_Connection *conn)
{
	size_t *len = http_guard_ext(conn);

	(void)cls;
	if (len)
		*len = strlen(uri);
	return NULL;
}

/*
 * The head is in. Refuse a target over http_max_url_bytes (414) and a body
 * announced over http_max_body_bytes (413) before reading it; a chunked
 * body is cut at the ceiling as it comes (413 once it ended). While a body
 * arrives, the request deadline (http_timeout from the start of the
 * request) keeps running, so a body trickled a byte at a time is cut too.
 */
static enum MHD_Result
first_call(struct http_origin *h, struct MHD_Connection *conn, struct req *rq)
{
	const size_t *url_len = http_guard_ext(conn);
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING);

	if (url_len && *url_len > h->cfg->http_max_url_bytes) {
		http_guard_count(h->guard, HTTP_REFUSE_URL_TOO_LONG);
		http_guard_head_in(conn);
		return ho_send_text(conn, rq, MHD_HTTP_URI_TOO_LONG, "request target too long");
	}
	if (cl && strtoull(cl, NULL, 10) > h->cfg->http_max_body_bytes) {
		http_guard_count(h->guard, HTTP_REFUSE_BODY_TOO_LARGE);
		http_guard_head_in(conn);
		return ho_send_text(conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large");
	}
	rq->in_body = (cl && strtoull(cl, NULL, 10) > 0) || te != NULL;
	if (!rq->in_body)
		http_guard_head_in(conn);
	return MHD_YES;
}

/* ---- dispatch ---------------------------------------------------------------- */

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct http_origin *h = cls;
	struct req *rq = *con_cls;
	struct http_path p;
	bool is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;

	(void)version;
	if (rq == NULL) {
		rq = xcalloc(1, sizeof(*rq));
		if (rq == NULL)
			return MHD_NO;
		rq->magic = REQ_MAGIC;
		buf_init(&rq->body, (size_t)h->cfg->http_max_body_bytes);
		*con_cls = rq;
		return first_call(h, conn, rq);
	}
	rq->is_head = strcmp(method, "HEAD") == 0;
	if (*upload_data_size == 0 && rq->in_body) {
		rq->in_body = false;
		http_guard_head_in(conn);   /* the body is in too */
	}
	if (*upload_data_size) {
		if (buf_append(&rq->body, upload_data, *upload_data_size) != 0)
			rq->too_large = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (h->acct && acct_api_owns(url))
		return ho_serve_acct(h, conn, rq, url, method,
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"));
	if (strcmp(url, "/api/v1/edge/secrets") == 0)
		return serve_edge_secrets(h, conn, rq, method);
	if (strncmp(url, "/api/", 5) == 0)
		return ho_serve_admin(h, conn, rq, url, method,
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"));
	if (http_www_owns(url))
		return http_www_serve(h, conn, rq, url, method);
	if (strcmp(method, "OPTIONS") == 0) {
		struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT);
		if (r == NULL)
			return MHD_NO;
		MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
		MHD_add_response_header(r, "Access-Control-Allow-Headers", "Range, If-None-Match");
		MHD_add_response_header(r, "Access-Control-Max-Age", "86400");
		return ho_queue(conn, rq, MHD_HTTP_NO_CONTENT, r, 0);
	}
	if (http_path_split(url, &p) != 0)
		return ho_send_text(conn, rq, MHD_HTTP_NOT_FOUND, "not found");
	if (p.n == 3 && strcmp(p.part[0], "hls") == 0) {
		if (!is_get)
			return ho_send_405(conn, rq, "GET, HEAD, OPTIONS");
		return serve_hls(h, conn, rq, &p);
	}
	if (p.n == 1 && strcmp(p.part[0], "healthz") == 0)
		return is_get ? serve_healthz(h, conn, rq) : ho_send_405(conn, rq, "GET, HEAD");
	if (p.n == 1 && strcmp(p.part[0], "metrics") == 0)
		return is_get ? serve_metrics(h, conn, rq) : ho_send_405(conn, rq, "GET, HEAD");
	return ho_send_text(conn, rq, MHD_HTTP_NOT_FOUND, "not found");
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_origin *h = cls;
	struct req *rq = *con_cls;

	if (rq == NULL)
		return;
	if (rq->magic != REQ_MAGIC)
		return;  /* not ours: never free what we did not allocate */
	/* Keep-alive: the next request head gets a fresh deadline. */
	http_guard_request_done(h->guard, conn);
	if (rq->too_large)
		http_guard_count(h->guard, HTTP_REFUSE_BODY_TOO_LARGE);
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		uint64_t sent = rq->is_head ? 0 : rq->resp_len;   /* bodies only */
		METRIC_ADD(bytes_out, sent);
		acct_add_out(rq->acct, sent);
		if (sent > 0)
			acct_add_request(rq->acct);   /* answered with a body (not HEAD, not 304) */
	}
	acct_viewer(rq->acct, -1);
	buf_fini(&rq->body);
	rq->magic = 0;
	free(rq);
	*con_cls = NULL;
}

static void
mhd_logger(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_warnx("http: %s", line);
}

/* One libmicrohttpd daemon on fd (plain or TLS), with the same handlers. */
static struct MHD_Daemon *
start_daemon(struct http_origin *h, int fd, bool tls)
{
	const struct origin_cfg *cfg = h->cfg;

	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME | (tls ? MHD_USE_TLS : 0), 0,
	    http_guard_accept, h->guard,
	    handler, h,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->http_threads,
	    /* The guard counts the total and per address, over both daemons;
	     * MHD splits its own limit between the pool's workers. */
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->http_max_connections + 64,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)((cfg->http_timeout_ms + 999) / 1000),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->http_max_header_bytes,
	    MHD_OPTION_NOTIFY_CONNECTION, http_guard_notify, h->guard,
	    MHD_OPTION_URI_LOG_CALLBACK, uri_seen, h,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, h,
	    tls ? MHD_OPTION_HTTPS_CERT_CALLBACK : MHD_OPTION_END, tls_cert_retrieve,
	    MHD_OPTION_END);
}

struct http_origin *
http_origin_start(const struct origin_cfg *cfg, struct admin_ctx *admin, struct acct_api *acct)
{
	struct http_origin *h = xcalloc(1, sizeof(*h));
	int fd;

	if (h == NULL)
		return NULL;
	h->cfg = cfg;
	h->admin = admin;
	h->acct = acct;
	h->started_ms = clock_wall_ms();
	snprintf(h->www_dir, sizeof(h->www_dir), "%s",
	    cfg->www_dir && cfg->www_dir[0] ? cfg->www_dir : CDN_WWW_DIR);
	if (access(h->www_dir, R_OK | X_OK) != 0 || !www_ready(h->www_dir))
		log_warnx("www_dir %s: no player or dashboard there (or no vendor/hls.min.js: "
		    "run scripts/setup, which installs it with npm)", h->www_dir);
	if ((h->sessions = dash_sessions_new(64, cfg->dashboard_session_ttl_ms)) == NULL) {
		free(h);
		return NULL;
	}
	h->guard = http_guard_new(&(struct http_guard_cfg){ .name = "http",
	    .max_connections = cfg->http_max_connections, .max_per_ip = cfg->http_max_per_ip,
	    .head_timeout_ms = cfg->http_timeout_ms, .ext_size = sizeof(size_t) });
	fd = h->guard ? net_listen_tcp(cfg->http_listen, 1024, &h->port) : -1;
	if (fd == -1) {
		http_guard_free(h->guard);
		dash_sessions_free(h->sessions);
		free(h);
		return NULL;
	}
	h->d = start_daemon(h, fd, false);
	if (h->d == NULL) {
		log_errx("http: cannot start the HTTP server on %s", cfg->http_listen);
		close(fd);
		http_guard_free(h->guard);
		dash_sessions_free(h->sessions);
		free(h);
		return NULL;
	}
	if (cfg->https_listen && cfg->https_listen[0]) {
		char err[512];
		if (tls_cert_load(cfg->tls_cert, cfg->tls_key, err, sizeof(err)) != 0) {
			log_errx("https: %s", err);
			http_origin_stop(h);
			return NULL;
		}
		if ((fd = net_listen_tcp(cfg->https_listen, 1024, &h->port_tls)) == -1) {
			http_origin_stop(h);
			return NULL;
		}
		if ((h->d_tls = start_daemon(h, fd, true)) == NULL) {
			log_errx("https: cannot start the HTTPS server on %s", cfg->https_listen);
			close(fd);
			http_origin_stop(h);
			return NULL;
		}
		tls_cert_describe(err, sizeof(err));
		log_info("HTTPS on port %d, certificate: %s", h->port_tls, err);
	}
	http_guard_start(h->guard);
	return h;
}

int
http_origin_port_tls(const struct http_origin *h)
{
	return h->d_tls ? h->port_tls : 0;
}

void
http_origin_reload_tls(struct http_origin *h)
{
	char err[512];

	if (h == NULL || h->d_tls == NULL)
		return;
	if (tls_cert_load(h->cfg->tls_cert, h->cfg->tls_key, err, sizeof(err)) != 0) {
		log_warnx("SIGHUP: HTTPS keeps its certificate: %s", err);
		return;
	}
	tls_cert_describe(err, sizeof(err));
	log_info("SIGHUP: HTTPS certificate reloaded: %s", err);
}

int
http_origin_port(const struct http_origin *h)
{
	return h->port;
}

void
http_origin_stop(struct http_origin *h)
{
	if (h == NULL)
		return;
	if (h->d_tls)
		MHD_stop_daemon(h->d_tls);
	if (h->d)
		MHD_stop_daemon(h->d);
	http_guard_free(h->guard);
	dash_sessions_free(h->sessions);
	free(h);
}
