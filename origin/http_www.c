/*
 * http_www: the viewer's player and the operators' dashboard on the
 * origin's HTTP server (docs/www.md).
 *
 *   GET  /watch/<stream>            the player page (www/player/watch.html);
 *                                   with player_edge set, viewers who are not
 *                                   an edge are redirected to that edge's copy
 *   GET  /www/player/<file>         the player's script and style
 *   GET  /www/vendor/<file>         hls.js, installed by the set-up from npm
 *   GET  /dashboard                 the dashboard (a session), else 303 to login
 *   GET  /dashboard/login           the login form (anonymous)
 *   POST /dashboard/login           token=<admin token>: a session cookie
 *   POST /dashboard/logout          ends the session (CSRF)
 *   GET  /dashboard/<file>          the dashboard's files (a session; the
 *                                   login page's style and script: anonymous)
 *   GET  /dashboard/api/session     {"csrf":..., "expires":...} (a session)
 *   *    /dashboard/api/v1/...      the admin and accounting APIs, with the
 *                                   session's authority; every method but
 *                                   GET needs X-CSRF-Token
 *
 * Security: the session cookie is HttpOnly, SameSite=Strict and scoped to
 * /dashboard; actions need the session's CSRF token in a header (a form on
 * another site cannot set one) and, when the browser sends Origin, an
 * Origin naming this host. Dashboard answers carry no CORS header, forbid
 * framing, and a Content-Security-Policy that allows our own files only.
 * Anonymous requests get 401 (API) or a redirect to the login (pages).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "acct_api.h"
#include "clock.h"
#include "dash_session.h"
#include "http_cookie.h"
#include "http_etag.h"
#include "http_internal.h"
#include "http_path.h"
#include "json.h"
#include "log.h"
#include "net.h"
#include "www_static.h"

#define COOKIE_NAME "cdn_session"

static const char dash_csp[] =
	"default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
	"worker-src 'self' blob:; connect-src 'self'; style-src 'self'; "
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/* The player may be framed anywhere (that is what the embed snippet is). */
static const char player_csp[] =
	"default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
	"worker-src 'self' blob:; connect-src 'self'; style-src 'self'; base-uri 'none'";

bool
http_www_owns(const char *url)
{
	return strncmp(url, "/watch/", 7) == 0 || strncmp(url, "/www/", 5) == 0 ||
	    strcmp(url, "/dashboard") == 0 || strncmp(url, "/dashboard/", 11) == 0;
}

static void
dash_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy", dash_csp);
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "same-origin");
}

static enum MHD_Result
redirect(struct MHD_Connection *conn, struct req *rq, unsigned status, const char *location,
    const char *cookie)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Location", location);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (cookie)
		MHD_add_response_header(r, "Set-Cookie", cookie);
	dash_headers(r);
	return ho_queue(conn, rq, status, r, 0);
}

/* A file of www/ (area/parts...), or 404. cache: Cache-Control. */
static enum MHD_Result
send_file(struct http_origin *h, struct MHD_Connection *conn, struct req *rq, const char *area,
    const char *const *parts, size_t n, const char *cache, bool dashboard)
{
	struct www_file f;
	struct MHD_Response *r;
	int rc = www_open(h->www_dir, area, parts, n, &f);

	if (rc != 0) {
		if (rc != -ENOENT)
			log_warnx("www: %s/%s: %s", area, parts[n - 1], strerror(-rc));
		return ho_send_text(conn, rq, MHD_HTTP_NOT_FOUND, "not found");
	}
	if (http_etag_match(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match"),
	    f.etag)) {
		close(f.fd);
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (r == NULL)
			return MHD_NO;
		MHD_add_response_header(r, "ETag", f.etag);
		MHD_add_response_header(r, "Cache-Control", cache);
		return ho_queue(conn, rq, MHD_HTTP_NOT_MODIFIED, r, 0);
	}
	/* MHD owns the fd from here, and closes it. */
	r = MHD_create_response_from_fd((size_t)f.size, f.fd);
	if (r == NULL) {
		close(f.fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", f.content_type);
	MHD_add_response_header(r, "Cache-Control", cache);
	MHD_add_response_header(r, "ETag", f.etag);
	if (dashboard)
		dash_headers(r);
	else if (strstr(f.content_type, "text/html")) {
		MHD_add_response_header(r, "Content-Security-Policy", player_csp);
		MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	} else
		MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	return ho_queue(conn, rq, MHD_HTTP_OK, r, f.size);
}

/* ---- the player -------------------------------------------------------------- */

static enum MHD_Result
serve_watch(struct http_origin *h, struct MHD_Connection *conn, struct req *rq,
    const struct http_path *p)
{
	static const char *const page[] = { "watch.html" };
	const char *edge_hdr = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CDN-Edge");
	const char *pe = h->cfg->player_edge;

	/* A viewer at the origin goes to the edge; an edge fetching the page
	 * (it proves itself with the accounting token) gets the page. */
	if (pe && pe[0] && !(edge_hdr && h->acct && acct_api_is_edge(h->acct, edge_hdr))) {
		char loc[1400];
		const char *embed = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "embed");
		const char *engine = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
		    "engine");
		size_t pl = strlen(pe);
		while (pl > 0 && pe[pl - 1] == '/')
			pl--;
		snprintf(loc, sizeof(loc), "%.*s/watch/%s%s%s%s", (int)pl, pe, p->part[1],
		    embed && strcmp(embed, "1") == 0 ? "?embed=1" : "",
		    engine && (strcmp(engine, "native") == 0 || strcmp(engine, "hlsjs") == 0) ?
		    (embed && strcmp(embed, "1") == 0 ? "&engine=" : "?engine=") : "",
		    engine && (strcmp(engine, "native") == 0 || strcmp(engine, "hlsjs") == 0) ?
		    engine : "");
		return redirect(conn, rq, MHD_HTTP_FOUND, loc, NULL);
	}
	/* One page for every stream: the script reads the name from the URL. */
	return send_file(h, conn, rq, "player", page, 1, "public, max-age=30", false);
}

/* ---- the dashboard ------------------------------------------------------------- */

/* The session id from the request's cookie into id, if it is live. */
static bool
session_of(struct http_origin *h, struct MHD_Connection *conn, char *id, char *csrf)
{
	const char *c = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Cookie");

	if (http_cookie_get(c, COOKIE_NAME, id, DASH_TOKEN_HEX + 1) != 0)
		return false;
	return dash_session_check(h->sessions, id, clock_mono_ms(), csrf, NULL);
}

/* When the browser says where a POST comes from, it must be this host. */
static bool
origin_ok(struct MHD_Connection *conn)
{
	const char *o = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
	const char *rest;

	if (o == NULL)
		return true;   /* not a browser, or a same-origin GET-style request */
	if (host == NULL)
		return false;
	if (strncmp(o, "http://", 7) == 0)
		rest = o + 7;
	else if (strncmp(o, "https://", 8) == 0)
		rest = o + 8;
	else
		return false;
	return strcmp(rest, host) == 0;
}

static enum MHD_Result
json_error(struct MHD_Connection *conn, struct req *rq, unsigned status, const char *msg)
{
	struct buf b;
	struct json j;
	struct MHD_Response *r;

	buf_init(&b, 4096);
	json_init(&j, &b);
	json_obj_begin(&j);
	json_key(&j, "error");
	json_str(&j, msg);
	json_obj_end(&j);
	buf_put_u8(&b, '\n');
	r = MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_COPY);
	buf_fini(&b);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	dash_headers(r);
	return ho_queue(conn, rq, status, r, 0);
}

static enum MHD_Result
login(struct http_origin *h, struct MHD_Connection *conn, struct req *rq)
{
	char tok[256], id[DASH_TOKEN_HEX + 1], csrf[DASH_TOKEN_HEX + 1], cookie[256];
	int64_t now = clock_mono_ms();
	enum MHD_Result ret;
	bool good;

	if (!origin_ok(conn))
		return redirect(conn, rq, MHD_HTTP_SEE_OTHER, "/dashboard/login?failed=origin", NULL);
	if (!dash_login_allowed(h->sessions, now)) {
		log_warnx("dashboard: login refused: too many failed logins in the last minute");
		return redirect(conn, rq, MHD_HTTP_SEE_OTHER, "/dashboard/login?failed=throttled",
		    NULL);
	}
	good = ho_form_value(rq, "token", tok, sizeof(tok)) == 0;
	if (good) {
		char auth[300];
		snprintf(auth, sizeof(auth), "Bearer %s", tok);
		good = admin_token_ok(h->admin->token, auth);
		OPENSSL_cleanse(auth, sizeof(auth));
	}
	OPENSSL_cleanse(tok, sizeof(tok));
	if (!good) {
		char peer[64] = "?";
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci && ci->client_addr)
			net_addr_str(ci->client_addr, peer, sizeof(peer));
		dash_login_failed(h->sessions, now);
		log_warnx("dashboard: failed login from %s", peer);
		return redirect(conn, rq, MHD_HTTP_SEE_OTHER, "/dashboard/login?failed=1", NULL);
	}
	if (dash_session_create(h->sessions, now, id, csrf) != 0)
		return ho_send_text(conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, "no randomness");
	/* Over HTTPS the cookie is Secure: it never travels in the clear. */
	snprintf(cookie, sizeof(cookie), COOKIE_NAME "=%s; Path=/dashboard; HttpOnly; "
	    "SameSite=Strict; Max-Age=%lld%s", id, h->cfg->dashboard_session_ttl_ms / 1000,
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION) ? "; Secure" : "");
	log_info("dashboard: login");
	ret = redirect(conn, rq, MHD_HTTP_SEE_OTHER, "/dashboard", cookie);
	OPENSSL_cleanse(id, sizeof(id));
	OPENSSL_cleanse(cookie, sizeof(cookie));
	return ret;
}

static enum MHD_Result
session_doc(struct MHD_Connection *conn, struct req *rq, const char *csrf)
{
	struct buf b;
	struct json j;
	struct MHD_Response *r;

	buf_init(&b, 4096);
	json_init(&j, &b);
	json_obj_begin(&j);
	json_key(&j, "csrf");
	json_str(&j, csrf);
	json_obj_end(&j);
	buf_put_u8(&b, '\n');
	r = MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_COPY);
	OPENSSL_cleanse(b.data, b.len);
	buf_fini(&b);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	dash_headers(r);
	return ho_queue(conn, rq, MHD_HTTP_OK, r, 0);
}

/* /dashboard/api/...: the session's authority over the admin APIs. */
static enum MHD_Result
dash_api(struct http_origin *h, struct MHD_Connection *conn, struct req *rq, const char *url,
    const char *method)
{
	char id[DASH_TOKEN_HEX + 1], csrf[DASH_TOKEN_HEX + 1], auth[300], path[HTTP_PATH_MAX + 8];
	bool is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	enum MHD_Result ret;

	if (!session_of(h, conn, id, csrf))
		return json_error(conn, rq, MHD_HTTP_UNAUTHORIZED, "log in first: /dashboard/login");
	if (strcmp(url, "/dashboard/api/session") == 0)
		return is_get ? session_doc(conn, rq, csrf) : ho_send_405(conn, rq, "GET");
	if (!is_get) {
		const char *sent = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CSRF-Token");
		if (!origin_ok(conn) || !dash_session_csrf_ok(h->sessions, id, sent, clock_mono_ms()))
			return json_error(conn, rq, MHD_HTTP_FORBIDDEN,
			    "missing or wrong X-CSRF-Token (reload the dashboard)");
	}
	if (strncmp(url, "/dashboard/api/v1/", 18) != 0 || strlen(url) > HTTP_PATH_MAX)
		return json_error(conn, rq, MHD_HTTP_NOT_FOUND, "no such API path");
	snprintf(path, sizeof(path), "/api/v1/%s", url + 18);
	snprintf(auth, sizeof(auth), "Bearer %s", h->admin->token);
	if (h->acct && acct_api_owns(path) && strcmp(path, "/api/v1/accounting") != 0)
		ret = ho_serve_acct(h, conn, rq, path, method, auth);
	else if (strcmp(path, "/api/v1/accounting") == 0)
		ret = json_error(conn, rq, MHD_HTTP_NOT_FOUND, "no such API path");
	else
		ret = ho_serve_admin(h, conn, rq, path, method, auth);
	OPENSSL_cleanse(auth, sizeof(auth));
	return ret;
}

static enum MHD_Result
serve_dashboard(struct http_origin *h, struct MHD_Connection *conn, struct req *rq,
    const char *url, const char *method, const struct http_path *p)
{
	static const char *const index_page[] = { "index.html" };
	static const char *const login_page[] = { "login.html" };
	char id[DASH_TOKEN_HEX + 1], csrf[DASH_TOKEN_HEX + 1];
	bool is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	bool is_post = strcmp(method, "POST") == 0;
	const char *f = p->n >= 2 ? p->part[1] : NULL;

	rq->no_cors = true;
	if (rq->too_large)
		return ho_send_text(conn, rq, 413, "request body too large");
	if (p->n >= 2 && strcmp(f, "api") == 0)
		return dash_api(h, conn, rq, url, method);
	if (p->n == 2 && strcmp(f, "login") == 0) {
		if (is_post)
			return login(h, conn, rq);
		if (is_get)
			return send_file(h, conn, rq, "dashboard", login_page, 1, "no-store", true);
		return ho_send_405(conn, rq, "GET, HEAD, POST");
	}
	/* The login page's own style and script are not secret. */
	if (p->n == 2 && is_get && (strcmp(f, "login.js") == 0 || strcmp(f, "style.css") == 0)) {
		const char *const one[] = { f };
		return send_file(h, conn, rq, "dashboard", one, 1, "no-cache", true);
	}
	if (!session_of(h, conn, id, csrf)) {
		if (p->n == 1 && is_get)
			return redirect(conn, rq, MHD_HTTP_SEE_OTHER, "/dashboard/login", NULL);
		return json_error(conn, rq, MHD_HTTP_UNAUTHORIZED, "log in first: /dashboard/login");
	}
	if (p->n == 2 && strcmp(f, "logout") == 0) {
		const char *sent = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CSRF-Token");
		char sent_form[DASH_TOKEN_HEX + 1] = "";
		if (!is_post)
			return ho_send_405(conn, rq, "POST");
		if (sent == NULL && ho_form_value(rq, "csrf", sent_form, sizeof(sent_form)) == 0)
			sent = sent_form;
		if (!origin_ok(conn) || !dash_session_csrf_ok(h->sessions, id, sent, clock_mono_ms()))
			return json_error(conn, rq, MHD_HTTP_FORBIDDEN, "missing or wrong CSRF token");
		dash_session_end(h->sessions, id);
		return redirect(conn, rq, MHD_HTTP_SEE_OTHER, "/dashboard/login",
		    COOKIE_NAME "=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0");
	}
	if (!is_get)
		return ho_send_405(conn, rq, "GET, HEAD");
	if (p->n == 1)
		return send_file(h, conn, rq, "dashboard", index_page, 1, "no-store", true);
	{
		const char *parts[8];
		for (size_t i = 1; i < p->n; i++)
			parts[i - 1] = p->part[i];
		return send_file(h, conn, rq, "dashboard", parts, p->n - 1, "no-cache", true);
	}
}

enum MHD_Result
http_www_serve(struct http_origin *h, struct MHD_Connection *conn, struct req *rq,
    const char *url, const char *method)
{
	struct http_path p;
	bool is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;

	if (http_path_split(url, &p) != 0 || p.n == 0)
		return ho_send_text(conn, rq, MHD_HTTP_NOT_FOUND, "not found");
	if (strcmp(p.part[0], "dashboard") == 0)
		return serve_dashboard(h, conn, rq, url, method, &p);
	if (!is_get)
		return ho_send_405(conn, rq, "GET, HEAD");
	if (strcmp(p.part[0], "watch") == 0 && p.n == 2)
		return serve_watch(h, conn, rq, &p);
	if (strcmp(p.part[0], "www") == 0 && p.n >= 3 &&
	    (strcmp(p.part[1], "player") == 0 || strcmp(p.part[1], "vendor") == 0)) {
		const char *parts[8];
		for (size_t i = 2; i < p.n; i++)
			parts[i - 2] = p.part[i];
		return send_file(h, conn, rq, p.part[1], parts, p.n - 2,
		    strcmp(p.part[1], "vendor") == 0 ? "public, max-age=86400" :
		    "public, max-age=60", false);
	}
	return ho_send_text(conn, rq, MHD_HTTP_NOT_FOUND, "not found");
}
