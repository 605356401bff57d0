/*
 * admin_api: the origin's admin HTTP API; see admin_api.h.
 *
 * Design: the HTTP layer hands over method, path, Authorization header and a
 * parameter getter; this file authenticates, routes on method + path and
 * writes a JSON body, returning the status. Nothing here touches sockets, so
 * the whole API is unit-tested without a server.
 *
 * Authentication comes first, before routing, so an unauthenticated client
 * learns nothing, not even which paths exist. The bearer token (RFC 6750
 * section 2.1; scheme name case-insensitive per RFC 9110 section 11.1) is
 * compared with CRYPTO_memcmp over equal lengths only; a length mismatch
 * still runs one comparison, so the time taken depends on no byte of the
 * token. Status codes follow RFC 9110 section 15: 201 on creation, 400 bad
 * parameter, 401 no/wrong token, 404 no such route or object, 405 wrong
 * method (the body's "allow" names the right ones, for the Allow header),
 * 409 conflict. The new key's secret appears only in the 201 response of
 * POST /api/v1/keys; every other response carries the hint at most.
 * Dependencies on the stream registry are exactly stream_list() and
 * stream_kick_key(), and on recordings recordings_list() and
 * recordings_delete(); RTP ingests are reached through admin_ctx's pointers.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "play_token.h"

#include "clock.h"
#include "admin_api.h"
#include "json.h"
#include "log.h"
#include "conf.h"
#include "recording.h"
#include "stream.h"
#include "xalloc.h"

#define API_PREFIX "/api/v1/"
#define API_MAX_PARTS 4
#define API_PART_MAX 128
#define API_STREAMS_MAX 1024

#define NAME_RULES                                                             \
	"1-64 characters of a-z, 0-9, '_' and '-', "                           \
	"starting with a letter or digit"

static void access_reload(struct admin_ctx *ctx);

struct api_path {
	size_t n;
	char part[API_MAX_PARTS][API_PART_MAX + 1];
};

static int
reply_error(struct buf *b, int status, const char *msg)
{
	struct json j;

	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "error");
	json_str(&j, msg);
	json_obj_end(&j);
	return status;
}

static int
reply_method(struct buf *b, const char *allow)
{
	struct json j;

	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "error");
	json_str(&j, "method not allowed");
	json_key(&j, "allow");
	json_str(&j, allow);
	json_obj_end(&j);
	return 405;
}

/* 500 for everything the client cannot fix; details went to the log. */
static int
reply_errno(struct buf *b, int rc, const char *conflict, const char *missing)
{
	switch (rc) {
	case -EEXIST:
		return reply_error(b, 409, conflict);
	case -ENOENT:
		return reply_error(b, 404, missing);
	case -EINVAL:
		return reply_error(b, 400, "invalid parameter");
	default:
		return reply_error(
		    b, 500, "internal error (see the origin's log)");
	}
}

bool
admin_token_ok(const char *want, const char *auth)
{
	const char *got;
	size_t got_len, want_len;

	if (want == NULL || want[0] == '\0' || auth == NULL)
		return false; /* no token configured: the API stays closed */
	if (strncasecmp(auth, "Bearer ", 7) != 0)
		return false;
	got = auth + 7;
	while (*got == ' ')
		got++;
	got_len = strlen(got);
	while (got_len > 0 &&
	    (got[got_len - 1] == ' ' || got[got_len - 1] == '\t'))
		got_len--;
	want_len = strlen(want);
	if (got_len != want_len) {
		/* same work as a real comparison; the result is ignored */
		(void)CRYPTO_memcmp(want, want, want_len);
		return false;
	}
	return CRYPTO_memcmp(got, want, want_len) == 0;
}

/*
 * Split the part after /api/v1/ into components. A query string, if the
 * HTTP layer left one, is not part of the path; one trailing '/' is
 * ignored. Returns false for an empty component or too many or too long
 * ones: such a path matches no route.
 */
static bool
path_split(const char *path, struct api_path *p)
{
	const char *s, *end, *slash;
	size_t len;

	memset(p, 0, sizeof(*p));
	if (path == NULL || strncmp(path, API_PREFIX, strlen(API_PREFIX)) != 0)
		return false;
	s = path + strlen(API_PREFIX);
	end = s + strcspn(s, "?#");
	if (end > s && end[-1] == '/')
		end--;
	while (s < end) {
		slash = memchr(s, '/', (size_t)(end - s));
		len = slash ? (size_t)(slash - s) : (size_t)(end - s);
		if (len == 0 || len > API_PART_MAX || p->n == API_MAX_PARTS)
			return false;
		memcpy(p->part[p->n], s, len);
		p->part[p->n][len] = '\0';
		p->n++;
		s += len + (slash ? 1 : 0);
		if (slash && s == end)
			return false; /* "a//" after trimming one slash */
	}
	return p->n > 0;
}

static const char *
param(const struct admin_req *req, const char *name)
{
	return req->param ? req->param(req->cls, name) : NULL;
}

static bool
is_truthy(const char *v)
{
	return v &&
	    (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 ||
		strcasecmp(v, "yes") == 0);
}

/* Key ids in paths: 1 to 18 decimal digits, so no overflow, no sign. */
static bool
parse_id(const char *s, int64_t *id)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 18)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*id = v;
	return i > 0 && v > 0;
}

static void
json_time_or_null(struct json *j, const char *key, int64_t s)
{
	json_key(j, key);
	if (s)
		json_int(j, s);
	else
		json_null(j);
}

static int
customer_to_json(void *arg, const struct customer *c)
{
	struct json *j = arg;

	json_obj_begin(j);
	json_key(j, "id");
	json_int(j, c->id);
	json_key(j, "name");
	json_str(j, c->name);
	json_key(j, "created_at");
	json_int(j, c->created_s);
	json_time_or_null(j, "revoked_at", c->revoked_s);
	json_key(j, "active_keys");
	json_int(j, c->n_keys);
	json_obj_end(j);
	return j->b->err; /* stop early once the body is full */
}

static void
key_fields(struct json *j, const struct stream_key *sk)
{
	json_key(j, "id");
	json_int(j, sk->id);
	json_key(j, "customer");
	json_str(j, sk->customer);
	json_key(j, "stream");
	json_str(j, sk->stream);
	json_key(j, "hint");
	json_str(j, sk->hint);
}

#define DVR_WINDOW_CAP (12 * 3600000LL)   /* dvr_max_window's own ceiling */

/* The key list's writer, with what a stream without settings of its own gets. */
struct key_list {
	struct json j;
	int64_t dvr_default_ms, dvr_max_ms;
	bool record_default;
};

static int
key_to_json(void *arg, const struct stream_key *sk)
{
	struct key_list *kl = arg;
	struct json *j = &kl->j;

	json_obj_begin(j);
	key_fields(j, sk);
	json_key(j, "created_at");
	json_int(j, sk->created_s);
	json_time_or_null(j, "revoked_at", sk->revoked_s);
	/* the stream's settings in force at its next publish (docs/dvr.md) */
	json_key(j, "encrypt");
	json_bool(j, sk->encrypt);
	json_key(j, "dvr_window_s");
	json_int(j, (sk->dvr_window_ms >= 0 ? (sk->dvr_window_ms < kl->dvr_max_ms ?
	    sk->dvr_window_ms : kl->dvr_max_ms) : kl->dvr_default_ms) / 1000);
	json_key(j, "record");
	json_bool(j, sk->record >= 0 ? sk->record == 1 : kl->record_default);
	json_obj_end(j);
	return j->b->err;
}

struct id_list {
	int64_t *ids;
	size_t n, cap;
	int err;
};

static int
collect_id(void *arg, const struct stream_key *sk)
{
	struct id_list *l = arg;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		int64_t *p = xreallocarray(l->ids, ncap, sizeof(*p));

		if (p == NULL)
			return l->err = -ENOMEM;
		l->ids = p;
		l->cap = ncap;
	}
	l->ids[l->n++] = sk->id;
	return 0;
}

static int
customers_list(struct admin_ctx *ctx, struct buf *b)
{
	struct json j;
	int rc;

	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "customers");
	json_arr_begin(&j);
	pthread_mutex_lock(&ctx->lock);
	rc = keys_customer_list(ctx->keys, customer_to_json, &j);
	pthread_mutex_unlock(&ctx->lock);
	json_arr_end(&j);
	json_obj_end(&j);
	if (rc != 0) {
		buf_reset(b);
		return reply_errno(b, rc, "", "");
	}
	return 200;
}

static int
customer_add(struct admin_ctx *ctx, const struct admin_req *req, struct buf *b)
{
	const char *name = param(req, "name");
	struct json j;
	int64_t id = 0;
	int rc;

	if (name == NULL || name[0] == '\0')
		return reply_error(b, 400, "missing parameter: name");
	if (!keys_name_ok(name))
		return reply_error(
		    b, 400, "invalid customer name: use " NAME_RULES);
	pthread_mutex_lock(&ctx->lock);
	rc = keys_customer_add(ctx->keys, name, &id);
	/* Every customer starts with a playback secret (docs/access.md). */
	if (rc == 0 && keys_secret_rotate(ctx->keys, name, NULL) != 0)
		log_warnx("admin: customer %s has no playback secret yet", name);
	if (rc == 0)
		access_reload(ctx);
	pthread_mutex_unlock(&ctx->lock);
	if (rc != 0)
		return reply_errno(b, rc,
		    "a customer with that name already exists "
		    "(names of revoked customers are not reused)",
		    "");
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "id");
	json_int(&j, id);
	json_key(&j, "name");
	json_str(&j, name);
	json_obj_end(&j);
	return 201;
}

static int
customer_revoke(struct admin_ctx *ctx, const char *name, struct buf *b)
{
	struct id_list live = { 0 };
	struct json j;
	int rc;

	if (!keys_name_ok(name))
		return reply_error(
		    b, 400, "invalid customer name: use " NAME_RULES);
	pthread_mutex_lock(&ctx->lock);
	/* remember the active keys first: their publishers must be dropped */
	rc = keys_key_list(ctx->keys, name, false, collect_id, &live);
	if (rc == 0 && live.err)
		rc = live.err;
	if (rc == 0)
		rc = keys_customer_revoke(ctx->keys, name);
	if (rc == 0)
		access_reload(ctx);   /* its secrets are no longer valid anywhere */
	pthread_mutex_unlock(&ctx->lock);
	if (rc != 0) {
		free(live.ids);
		return reply_errno(b, rc, "", "no such active customer");
	}
	/* outside our lock: the registry takes its own */
	for (size_t i = 0; i < live.n; i++)
		stream_kick_key(live.ids[i]);
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "name");
	json_str(&j, name);
	json_key(&j, "revoked");
	json_bool(&j, true);
	json_key(&j, "keys_revoked");
	json_uint(&j, live.n);
	json_obj_end(&j);
	free(live.ids);
	return 200;
}

static int
keys_list(struct admin_ctx *ctx, const struct admin_req *req, struct buf *b)
{
	const char *customer = param(req, "customer");
	struct key_list kl = { .dvr_default_ms = ctx->dvr_default_ms,
		.dvr_max_ms = ctx->dvr_max_window_ms > 0 ? ctx->dvr_max_window_ms : DVR_WINDOW_CAP,
		.record_default = ctx->record_default };
	int rc;

	if (customer && customer[0] == '\0')
		customer = NULL;
	if (customer && !keys_name_ok(customer))
		return reply_error(
		    b, 400, "invalid customer name: use " NAME_RULES);
	json_init(&kl.j, b);
	json_obj_begin(&kl.j);
	json_key(&kl.j, "keys");
	json_arr_begin(&kl.j);
	pthread_mutex_lock(&ctx->lock);
	rc = keys_key_list(
	    ctx->keys, customer, is_truthy(param(req, "all")), key_to_json, &kl);
	pthread_mutex_unlock(&ctx->lock);
	json_arr_end(&kl.j);
	json_obj_end(&kl.j);
	if (rc != 0) {
		buf_reset(b);
		return reply_errno(b, rc, "", "");
	}
	return 200;
}

static int
key_add(struct admin_ctx *ctx, const struct admin_req *req, struct buf *b)
{
	const char *customer = param(req, "customer");
	const char *stream = param(req, "stream");
	const char *secret = param(req, "key");
	const char *rtmp = ctx->rtmp_url ? ctx->rtmp_url : "";
	char sec[KEYS_SECRET_MAX + 1];
	char playback[KEYS_NAME_MAX + 32];
	struct stream_key sk;
	struct json j;
	int rc;

	if (customer == NULL || customer[0] == '\0')
		return reply_error(b, 400, "missing parameter: customer");
	if (stream == NULL || stream[0] == '\0')
		return reply_error(b, 400, "missing parameter: stream");
	if (!keys_name_ok(customer))
		return reply_error(
		    b, 400, "invalid customer name: use " NAME_RULES);
	if (!keys_name_ok(stream))
		return reply_error(
		    b, 400, "invalid stream name: use " NAME_RULES);
	pthread_mutex_lock(&ctx->lock);
	rc = keys_key_add(ctx->keys, customer, stream, secret, sec, &sk);
	pthread_mutex_unlock(&ctx->lock);
	if (rc == -EINVAL) /* names were checked above: it is the key */
		return reply_error(b, 400,
		    "invalid key: use 16-128 printable "
		    "ASCII characters without spaces, '/', '?' or '#'");
	if (rc != 0)
		return reply_errno(b, rc,
		    "the stream name is held by another "
		    "active key, or that key already exists",
		    "no such active customer");
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "id");
	json_int(&j, sk.id);
	json_key(&j, "customer");
	json_str(&j, sk.customer);
	json_key(&j, "stream");
	json_str(&j, sk.stream);
	json_key(&j, "key");
	json_str(&j, sec);
	json_key(&j, "hint");
	json_str(&j, sk.hint);
	json_key(&j, "rtmp_url");
	json_str(&j, rtmp);
	json_key(&j, "obs");
	json_obj_begin(&j);
	json_key(&j, "server");
	json_str(&j, rtmp);
	json_key(&j, "stream_key");
	json_str(&j, sec);
	json_obj_end(&j);
	snprintf(playback, sizeof(playback), "/hls/%s/index.m3u8", sk.stream);
	json_key(&j, "playback");
	json_str(&j, playback);
	json_obj_end(&j);
	OPENSSL_cleanse(sec, sizeof(sec));
	return 201;
}

static int
key_revoke(struct admin_ctx *ctx, const char *id_str, struct buf *b)
{
	struct stream_key sk;
	struct json j;
	int64_t id;
	int rc;

	if (!parse_id(id_str, &id))
		return reply_error(b, 400,
		    "invalid key id: use the number "
		    "shown by key list");
	pthread_mutex_lock(&ctx->lock);
	rc = keys_key_revoke(ctx->keys, id, &sk);
	pthread_mutex_unlock(&ctx->lock);
	if (rc != 0)
		return reply_errno(b, rc, "", "no such active key");
	stream_kick_key(id);
	json_init(&j, b);
	json_obj_begin(&j);
	key_fields(&j, &sk);
	json_key(&j, "revoked_at");
	json_int(&j, sk.revoked_s);
	json_obj_end(&j);
	return 200;
}

static int
streams_list(struct buf *b)
{
	struct stream_info *si;
	struct json j;
	size_t n;
	int64_t now = clock_wall_ms();

	if ((si = xcalloc(API_STREAMS_MAX, sizeof(*si))) == NULL)
		return reply_error(b, 500, "out of memory");
	n = stream_list(si, API_STREAMS_MAX);
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "streams");
	json_arr_begin(&j);
	for (size_t i = 0; i < n && i < API_STREAMS_MAX; i++) {
		const struct stream_info *s = &si[i];
		int64_t up = s->started_ms > 0 ? now - s->started_ms : 0;

		json_obj_begin(&j);
		json_key(&j, "name");
		json_str(&j, s->name);
		json_key(&j, "customer");
		json_str(&j, s->customer);
		json_key(&j, "key_id");
		json_int(&j, s->key_id);
		json_key(&j, "state");
		json_str(&j, s->live ? "live" : s->waiting ? "waiting" : "ended");
		json_key(&j, "peer");
		json_str(&j, s->peer);
		json_key(&j, "started_ms");
		json_int(&j, s->started_ms);
		json_key(&j, "uptime_s");
		json_int(&j, up > 0 ? up / 1000 : 0);
		json_key(&j, "bytes_in");
		json_uint(&j, s->bytes_in);
		json_key(&j, "bitrate_bps");
		json_uint(&j, s->bitrate_bps);
		json_key(&j, "codecs");
		json_str(&j, s->codecs);
		json_key(&j, "width");
		json_int(&j, s->width);
		json_key(&j, "height");
		json_int(&j, s->height);
		json_key(&j, "media_seq");
		json_uint(&j, s->media_seq);
		json_key(&j, "segments");
		json_uint(&j, s->segments);
		json_key(&j, "dvr_window_s");
		json_int(&j, s->dvr_window_ms / 1000);
		json_key(&j, "recording");
		json_bool(&j, s->recording);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	free(si);
	return 200;
}

static int
edges_list(struct admin_ctx *ctx, struct buf *b)
{
	struct json j;

	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "edges");
	if (ctx->edges)
		edge_watch_render(ctx->edges, &j);
	else {
		json_arr_begin(&j);
		json_arr_end(&j);
	}
	json_obj_end(&j);
	return 200;
}

static int
edge_drain(struct admin_ctx *ctx, const char *name, bool drain, struct buf *b)
{
	char err[256];
	int rc;

	if (ctx->edges == NULL)
		return reply_error(b, 404, "no edges configured (setting: edge)");
	rc = edge_watch_drain(ctx->edges, name, drain, err, sizeof(err));
	if (rc == -ENOENT)
		return reply_error(b, 404, err);
	if (rc == -ENOTSUP)
		return reply_error(b, 409, err);
	if (rc != 0)
		return reply_error(b, 502, err);
	{
		struct json j;
		json_init(&j, b);
		json_obj_begin(&j);
		json_key(&j, "edge");
		json_str(&j, name);
		json_key(&j, "draining");
		json_bool(&j, drain);
		json_obj_end(&j);
	}
	return 200;
}

/* ---- playback access ------------------------------------------------------- */

/* After a change: the HTTP threads and the edges see it. Lock held. */
static void
access_reload(struct admin_ctx *ctx)
{
	if (ctx->access)
		access_table_load(ctx->access, ctx->keys);
}

struct secret_list {
	struct json *j;
	bool reveal;
	size_t n;
};

static int
secret_to_json(void *arg, const struct play_secret *ps)
{
	struct secret_list *l = arg;

	json_obj_begin(l->j);
	json_key(l->j, "id");
	json_int(l->j, ps->id);
	json_key(l->j, "state");
	json_str(l->j, ps->is_current ? "current" : "previous");
	json_key(l->j, "hint");
	json_str(l->j, ps->hint);
	json_key(l->j, "created_at");
	json_int(l->j, ps->created_s);
	if (l->reveal) {
		json_key(l->j, "secret");
		json_str(l->j, ps->secret);
	}
	json_obj_end(l->j);
	l->n++;
	return l->j->b->err;
}

static int
secrets_list(struct admin_ctx *ctx, const struct admin_req *req, const char *name,
    struct buf *b)
{
	struct secret_list l = { 0 };
	struct json j;
	int rc;

	if (!keys_name_ok(name))
		return reply_error(b, 400, "invalid customer name: use " NAME_RULES);
	l.j = &j;
	l.reveal = is_truthy(param(req, "reveal"));
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "customer");
	json_str(&j, name);
	json_key(&j, "secrets");
	json_arr_begin(&j);
	pthread_mutex_lock(&ctx->lock);
	/* an unknown customer is a 404, not an empty list */
	if ((rc = keys_customer_active(ctx->keys, name)) == 0)
		rc = keys_secret_list(ctx->keys, name, secret_to_json, &l);
	pthread_mutex_unlock(&ctx->lock);
	json_arr_end(&j);
	json_obj_end(&j);
	if (rc != 0) {
		buf_reset(b);
		return reply_errno(b, rc, "", "no such active customer");
	}
	if (l.reveal)
		log_info("admin: playback secrets of %s revealed", name);
	return 200;
}

static int
secret_rotate(struct admin_ctx *ctx, const char *name, struct buf *b)
{
	struct play_secret ps;
	struct json j;
	int rc;

	if (!keys_name_ok(name))
		return reply_error(b, 400, "invalid customer name: use " NAME_RULES);
	pthread_mutex_lock(&ctx->lock);
	rc = keys_secret_rotate(ctx->keys, name, &ps);
	if (rc == 0)
		access_reload(ctx);
	pthread_mutex_unlock(&ctx->lock);
	if (rc != 0)
		return reply_errno(b, rc, "", "no such active customer");
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "customer");
	json_str(&j, name);
	json_key(&j, "id");
	json_int(&j, ps.id);
	json_key(&j, "secret");
	json_str(&j, ps.secret);
	json_key(&j, "hint");
	json_str(&j, ps.hint);
	json_obj_end(&j);
	OPENSSL_cleanse(ps.secret, sizeof(ps.secret));
	return 201;
}

static int
secret_retire(struct admin_ctx *ctx, const char *name, struct buf *b)
{
	struct json j;
	int n = 0, rc;

	if (!keys_name_ok(name))
		return reply_error(b, 400, "invalid customer name: use " NAME_RULES);
	pthread_mutex_lock(&ctx->lock);
	rc = keys_secret_retire(ctx->keys, name, &n);
	if (rc == 0)
		access_reload(ctx);
	pthread_mutex_unlock(&ctx->lock);
	if (rc != 0)
		return reply_errno(b, rc, "", "no such active customer");
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "customer");
	json_str(&j, name);
	json_key(&j, "retired");
	json_int(&j, n);
	json_obj_end(&j);
	return 200;
}

/* "90", "90s", "15m", "1h", "7d": seconds, 1 to max_s; -1 when not that. */
static int64_t
parse_ttl(const char *s, int64_t max_s)
{
	int64_t v = 0, mul = 1;
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i >= 9)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0)
		return -1;
	if (s[i] == 's')
		mul = 1, i++;
	else if (s[i] == 'm')
		mul = 60, i++;
	else if (s[i] == 'h')
		mul = 3600, i++;
	else if (s[i] == 'd')
		mul = 86400, i++;
	if (s[i] != '\0' || v <= 0 || v * mul > max_s)
		return -1;
	return v * mul;
}

static int
token_mint(struct admin_ctx *ctx, const struct admin_req *req, struct buf *b)
{
	const char *customer = param(req, "customer"), *stream = param(req, "stream");
	const char *ip = param(req, "ip"), *sid = param(req, "sid");
	int64_t max_s = ctx->token_max_ttl_s > 0 ? ctx->token_max_ttl_s : 366 * 86400;
	int64_t ttl = parse_ttl(param(req, "ttl"), max_s), exp;
	char sec[PLAY_SECRETS_MAX][KEYS_PLAY_SECRET_LEN + 1];
	char tok[PLAY_TOKEN_MAX + 1], url[PLAY_TOKEN_MAX + KEYS_NAME_MAX + 40];
	struct play_net net;
	struct json j;
	size_t n = 0;
	int rc;

	if (customer == NULL || customer[0] == '\0')
		return reply_error(b, 400, "missing parameter: customer");
	if (stream == NULL || stream[0] == '\0')
		return reply_error(b, 400, "missing parameter: stream");
	if (!keys_name_ok(customer) || !keys_name_ok(stream))
		return reply_error(b, 400, "invalid customer or stream name: use " NAME_RULES);
	if (ttl < 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "invalid ttl: a number of seconds, or with a unit s, m, "
		    "h or d, at most %lld s (setting token_max_ttl)", (long long)max_s);
		return reply_error(b, 400, msg);
	}
	if (ip && ip[0] && play_net_parse(ip, strlen(ip), &net) != 0)
		return reply_error(b, 400, "invalid ip: an IPv4 or IPv6 address, or a CIDR");
	if (sid && strlen(sid) > PLAY_TOKEN_SID_MAX)
		return reply_error(b, 400, "invalid sid: 0-64 characters of A-Z, a-z, 0-9, _ and -");
	pthread_mutex_lock(&ctx->lock);
	rc = keys_stream_owned(ctx->keys, customer, stream);
	if (rc == 0 && ctx->access &&
	    (n = access_table_secrets(ctx->access, customer, sec)) == 0) {
		/* The customer's first token: make its first secret. */
		if ((rc = keys_secret_rotate(ctx->keys, customer, NULL)) == 0) {
			access_reload(ctx);
			n = access_table_secrets(ctx->access, customer, sec);
		}
	}
	pthread_mutex_unlock(&ctx->lock);
	if (rc == -ENOENT)
		return reply_error(b, 404, "no active key of that customer for that stream");
	if (rc != 0 || n == 0) {
		OPENSSL_cleanse(sec, sizeof(sec));
		return reply_errno(b, rc ? rc : -EIO, "", "");
	}
	exp = (int64_t)time(NULL) + ttl;
	rc = play_token_mint(sec[0], stream, exp, ip, sid, tok, sizeof(tok));
	OPENSSL_cleanse(sec, sizeof(sec));
	if (rc == -EINVAL)
		return reply_error(b, 400, "invalid sid: 0-64 characters of A-Z, a-z, 0-9, _ and -");
	if (rc != 0)
		return reply_errno(b, rc, "", "");
	snprintf(url, sizeof(url), "/hls/%s/index.m3u8?token=%s", stream, tok);
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "customer");
	json_str(&j, customer);
	json_key(&j, "stream");
	json_str(&j, stream);
	json_key(&j, "token");
	json_str(&j, tok);
	json_key(&j, "expires_at");
	json_int(&j, exp);
	json_key(&j, "playback");
	json_str(&j, url);
	json_obj_end(&j);
	return 201;
}

static int
access_to_json(void *arg, const struct stream_access *sa)
{
	struct json *j = arg;

	json_obj_begin(j);
	json_key(j, "customer");
	json_str(j, sa->customer);
	json_key(j, "stream");
	json_str(j, sa->stream);
	json_key(j, "access");
	json_str(j, play_access_name(sa->mode));
	json_key(j, "updated_at");
	json_int(j, sa->updated_s);
	json_obj_end(j);
	return j->b->err;
}

static int
access_list(struct admin_ctx *ctx, const struct admin_req *req, struct buf *b)
{
	const char *customer = param(req, "customer");
	struct json j;
	int rc;

	if (customer && customer[0] == '\0')
		customer = NULL;
	if (customer && !keys_name_ok(customer))
		return reply_error(b, 400, "invalid customer name: use " NAME_RULES);
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "streams");
	json_arr_begin(&j);
	pthread_mutex_lock(&ctx->lock);
	rc = keys_access_list(ctx->keys, customer, access_to_json, &j);
	pthread_mutex_unlock(&ctx->lock);
	json_arr_end(&j);
	json_obj_end(&j);
	if (rc != 0) {
		buf_reset(b);
		return reply_errno(b, rc, "", "");
	}
	return 200;
}

static int
access_set(struct admin_ctx *ctx, const struct admin_req *req, struct buf *b)
{
	const char *customer = param(req, "customer"), *stream = param(req, "stream");
	const char *mode = param(req, "access");
	enum play_access m;
	struct json j;
	int rc;

	if (customer == NULL || stream == NULL || mode == NULL)
		return reply_error(b, 400, "missing parameter: customer, stream and access are needed");
	if (!keys_name_ok(customer) || !keys_name_ok(stream))
		return reply_error(b, 400, "invalid customer or stream name: use " NAME_RULES);
	if (play_access_parse(mode, strlen(mode), &m) != 0)
		return reply_error(b, 400, "invalid access: public, token or unpublished");
	pthread_mutex_lock(&ctx->lock);
	rc = keys_access_set(ctx->keys, customer, stream, m);
	if (rc == 0)
		access_reload(ctx);
	pthread_mutex_unlock(&ctx->lock);
	if (rc != 0)
		return reply_errno(b, rc, "", "no active key of that customer for that stream");
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "customer");
	json_str(&j, customer);
	json_key(&j, "stream");
	json_str(&j, stream);
	json_key(&j, "access");
	json_str(&j, play_access_name(m));
	json_obj_end(&j);
	return 200;
}

/*
 * POST /api/v1/encryption: customer, stream, encrypt=on|off. HLS AES-128
 * for the stream (docs/access.md, Encryption); in force from its next
 * publish (a live stream keeps what it started with).
 */
static int
encryption_set(struct admin_ctx *ctx, const struct admin_req *req, struct buf *b)
{
	const char *customer = param(req, "customer"), *stream = param(req, "stream");
	const char *v = param(req, "encrypt");
	struct json j;
	bool on;
	int rc;

	if (customer == NULL || stream == NULL || v == NULL)
		return reply_error(b, 400, "missing parameter: customer, stream and encrypt are needed");
	if (!keys_name_ok(customer) || !keys_name_ok(stream))
		return reply_error(b, 400, "invalid customer or stream name: use " NAME_RULES);
	if (strcmp(v, "on") == 0)
		on = true;
	else if (strcmp(v, "off") == 0)
		on = false;
	else
		return reply_error(b, 400, "invalid encrypt: on or off");
	pthread_mutex_lock(&ctx->lock);
	rc = keys_encrypt_set(ctx->keys, customer, stream, on);
	pthread_mutex_unlock(&ctx->lock);
	if (rc != 0)
		return reply_errno(b, rc, "", "no active key of that customer for that stream");
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "customer");
	json_str(&j, customer);
	json_key(&j, "stream");
	json_str(&j, stream);
	json_key(&j, "encrypt");
	json_bool(&j, on);
	json_obj_end(&j);
	return 200;
}

/*
 * POST /api/v1/dvr: customer, stream, and window (a duration: "90m", "2h";
 * "0" turns the DVR off) and/or record=on|off (docs/dvr.md). In force from
 * the stream's next publish, like encryption.
 */
struct dvr_form {
	long long window_ms;
};

static int
dvr_set(struct admin_ctx *ctx, const struct admin_req *req, struct buf *b)
{
	const char *customer = param(req, "customer"), *stream = param(req, "stream");
	const char *w = param(req, "window"), *r = param(req, "record");
	int64_t max = ctx->dvr_max_window_ms > 0 ? ctx->dvr_max_window_ms : DVR_WINDOW_CAP;
	const struct conf_desc desc[] = {
		{ "window", CONF_MSEC, offsetof(struct dvr_form, window_ms), "0s", 0,
		  DVR_WINDOW_CAP, NULL, 0, "DVR window" },
	};
	struct dvr_form f = { -1 };
	char err[CONF_ERRLEN], msg[CONF_ERRLEN + 64];
	struct json j;
	int record = -1, rc;

	if (customer == NULL || stream == NULL || (w == NULL && r == NULL))
		return reply_error(b, 400, "missing parameter: customer, stream and window or record are needed");
	if (!keys_name_ok(customer) || !keys_name_ok(stream))
		return reply_error(b, 400, "invalid customer or stream name: use " NAME_RULES);
	if (w != NULL && conf_set(desc, 1, &f, "window", w, "window", err) != 0) {
		snprintf(msg, sizeof(msg), "invalid window (a duration such as 90m or 2h, 0 for off): %s", err);
		return reply_error(b, 400, msg);
	}
	if (f.window_ms > max) {
		snprintf(msg, sizeof(msg), "window too long: at most %lld s (dvr_max_window)",
		    (long long)(max / 1000));
		return reply_error(b, 400, msg);
	}
	if (r != NULL && strcmp(r, "on") == 0)
		record = 1;
	else if (r != NULL && strcmp(r, "off") == 0)
		record = 0;
	else if (r != NULL)
		return reply_error(b, 400, "invalid record: on or off");
	pthread_mutex_lock(&ctx->lock);
	rc = keys_dvr_set(ctx->keys, customer, stream, f.window_ms, record);
	pthread_mutex_unlock(&ctx->lock);
	if (rc != 0)
		return reply_errno(b, rc, "", "no active key of that customer for that stream");
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "customer");
	json_str(&j, customer);
	json_key(&j, "stream");
	json_str(&j, stream);
	if (f.window_ms >= 0) {
		json_key(&j, "dvr_window_s");
		json_int(&j, f.window_ms / 1000);
	}
	if (record >= 0) {
		json_key(&j, "record");
		json_bool(&j, record == 1);
	}
	json_obj_end(&j);
	return 200;
}

#define API_RECORDINGS_MAX 10000

/* GET /api/v1/recordings[?customer=NAME]: finished recordings, newest first. */
static int
recordings_reply(const struct admin_req *req, struct buf *b)
{
	const char *customer = param(req, "customer");
	struct rec_info *ri;
	struct json j;
	size_t n;

	if (customer && !keys_name_ok(customer))
		return reply_error(b, 400, "invalid customer name: use " NAME_RULES);
	if ((ri = xcalloc(API_RECORDINGS_MAX, sizeof(*ri))) == NULL)
		return reply_error(b, 500, "out of memory");
	n = recordings_list(ri, API_RECORDINGS_MAX, customer);
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "recordings");
	json_arr_begin(&j);
	for (size_t i = 0; i < n; i++) {
		char url[KEYS_NAME_MAX + REC_ID_MAX + 32];

		snprintf(url, sizeof(url), "/hls/%s/vod-%s.m3u8", ri[i].stream, ri[i].id);
		json_obj_begin(&j);
		json_key(&j, "id");
		json_str(&j, ri[i].id);
		json_key(&j, "stream");
		json_str(&j, ri[i].stream);
		json_key(&j, "customer");
		json_str(&j, ri[i].customer);
		json_key(&j, "url");
		json_str(&j, url);
		json_key(&j, "started_ms");
		json_int(&j, ri[i].started_ms);
		json_key(&j, "ended_ms");
		json_int(&j, ri[i].ended_ms);
		json_key(&j, "expires_ms");
		json_int(&j, ri[i].expires_ms);
		json_key(&j, "duration_ms");
		json_int(&j, ri[i].duration_ms);
		json_key(&j, "segments");
		json_uint(&j, ri[i].segments);
		json_key(&j, "bytes");
		json_uint(&j, ri[i].bytes);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	free(ri);
	return 200;
}

/* POST /api/v1/recordings/<stream>/<id>/delete */
static int
recording_delete(const char *stream, const char *id, struct buf *b)
{
	struct json j;

	if (!keys_name_ok(stream) || recordings_delete(stream, id) != 0)
		return reply_error(b, 404, "no such recording");
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "stream");
	json_str(&j, stream);
	json_key(&j, "id");
	json_str(&j, id);
	json_key(&j, "deleted");
	json_bool(&j, true);
	json_obj_end(&j);
	return 200;
}

static int
rtp_reply(struct buf *b, int status, int64_t id, const char *stream, const char *sdp)
{
	struct json j;

	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "key_id");
	json_int(&j, id);
	if (stream) {
		json_key(&j, "stream");
		json_str(&j, stream);
	}
	json_key(&j, "sdp");
	json_str(&j, sdp);
	json_obj_end(&j);
	return status;
}

/* GET, POST (register) or remove a key's RTP ingest; ctx->lock held. */
static int
key_rtp_locked(struct admin_ctx *ctx, const struct admin_req *req, int64_t id,
    const char *action, struct buf *b)
{
	char stream[KEYS_NAME_MAX + 1] = "", err[160] = "", *sdp = NULL;
	int rc, status;

	if (ctx->rtp == NULL || ctx->rtp_set == NULL || ctx->rtp_get == NULL ||
	    ctx->rtp_remove == NULL)
		return reply_error(b, 404, "RTP ingest is not available on this origin");
	if (strcmp(action, "get") == 0) {
		if ((rc = ctx->rtp_get(ctx->rtp, id, &sdp)) != 0)
			return reply_errno(b, rc, "", "no RTP ingest for this key");
		status = rtp_reply(b, 200, id, NULL, sdp);
		free(sdp);
		return status;
	}
	if (strcmp(action, "remove") == 0) {
		if ((rc = ctx->rtp_remove(ctx->rtp, id)) != 0)
			return reply_errno(b, rc, "", "no RTP ingest for this key");
		return rtp_reply(b, 200, id, NULL, NULL);
	}
	rc = ctx->rtp_set(ctx->rtp, id, param(req, "sdp"), &sdp, stream, err, sizeof(err));
	if (rc == -EPROTO)
		return reply_error(b, 400, err[0] ? err : "invalid SDP");
	if (rc == -EADDRINUSE)
		return reply_error(b, 409, err[0] ? err : "port in use");
	if (rc != 0)
		return reply_errno(b, rc, "", "no such active key");
	status = rtp_reply(b, 201, id, stream, sdp);
	free(sdp);
	return status;
}

static int
key_rtp(struct admin_ctx *ctx, const struct admin_req *req, const char *id_str,
    const char *action, struct buf *b)
{
	int64_t id;
	int status;

	if (!parse_id(id_str, &id))
		return reply_error(b, 400, "invalid key id: use the number shown by key list");
	/* ctx->lock keeps ctx->rtp alive: main clears it under the lock before freeing. */
	pthread_mutex_lock(&ctx->lock);
	status = key_rtp_locked(ctx, req, id, action, b);
	pthread_mutex_unlock(&ctx->lock);
	return status;
}

static int
route(struct admin_ctx *ctx, const struct admin_req *req, struct buf *b)
{
	const char *m = req->method ? req->method : "";
	bool get = strcmp(m, "GET") == 0, post = strcmp(m, "POST") == 0;
	struct api_path p;

	if (!path_split(req->path, &p))
		return reply_error(b, 404, "no such API path");
	if (p.n == 1 && strcmp(p.part[0], "customers") == 0) {
		if (get)
			return customers_list(ctx, b);
		if (post)
			return customer_add(ctx, req, b);
		return reply_method(b, "GET, POST");
	}
	if (p.n == 3 && strcmp(p.part[0], "customers") == 0 &&
	    strcmp(p.part[2], "revoke") == 0) {
		if (post)
			return customer_revoke(ctx, p.part[1], b);
		return reply_method(b, "POST");
	}
	if (p.n == 1 && strcmp(p.part[0], "keys") == 0) {
		if (get)
			return keys_list(ctx, req, b);
		if (post)
			return key_add(ctx, req, b);
		return reply_method(b, "GET, POST");
	}
	if (p.n == 3 && strcmp(p.part[0], "keys") == 0 &&
	    strcmp(p.part[2], "revoke") == 0) {
		if (post)
			return key_revoke(ctx, p.part[1], b);
		return reply_method(b, "POST");
	}
	if (p.n == 3 && strcmp(p.part[0], "keys") == 0 && strcmp(p.part[2], "rtp") == 0) {
		if (get)
			return key_rtp(ctx, req, p.part[1], "get", b);
		if (post)
			return key_rtp(ctx, req, p.part[1], "set", b);
		return reply_method(b, "GET, POST");
	}
	if (p.n == 4 && strcmp(p.part[0], "keys") == 0 && strcmp(p.part[2], "rtp") == 0 &&
	    strcmp(p.part[3], "remove") == 0) {
		if (post)
			return key_rtp(ctx, req, p.part[1], "remove", b);
		return reply_method(b, "POST");
	}
	if (p.n == 1 && strcmp(p.part[0], "streams") == 0) {
		if (get)
			return streams_list(b);
		return reply_method(b, "GET");
	}
	if (p.n == 1 && strcmp(p.part[0], "edges") == 0) {
		if (get)
			return edges_list(ctx, b);
		return reply_method(b, "GET");
	}
	if (p.n == 3 && strcmp(p.part[0], "edges") == 0 &&
	    (strcmp(p.part[2], "drain") == 0 || strcmp(p.part[2], "undrain") == 0)) {
		if (post)
			return edge_drain(ctx, p.part[1], p.part[2][0] == 'd', b);
		return reply_method(b, "POST");
	}
	if (p.n == 3 && strcmp(p.part[0], "customers") == 0 &&
	    strcmp(p.part[2], "secrets") == 0) {
		if (get)
			return secrets_list(ctx, req, p.part[1], b);
		return reply_method(b, "GET");
	}
	if (p.n == 4 && strcmp(p.part[0], "customers") == 0 &&
	    strcmp(p.part[2], "secrets") == 0 &&
	    (strcmp(p.part[3], "rotate") == 0 || strcmp(p.part[3], "retire") == 0)) {
		if (!post)
			return reply_method(b, "POST");
		return p.part[3][1] == 'o' ? secret_rotate(ctx, p.part[1], b) :
		    secret_retire(ctx, p.part[1], b);
	}
	if (p.n == 1 && strcmp(p.part[0], "tokens") == 0) {
		if (post)
			return token_mint(ctx, req, b);
		return reply_method(b, "POST");
	}
	if (p.n == 1 && strcmp(p.part[0], "access") == 0) {
		if (get)
			return access_list(ctx, req, b);
		if (post)
			return access_set(ctx, req, b);
		return reply_method(b, "GET, POST");
	}
	if (p.n == 1 && strcmp(p.part[0], "dvr") == 0) {
		if (post)
			return dvr_set(ctx, req, b);
		return reply_method(b, "POST");
	}
	if (p.n == 1 && strcmp(p.part[0], "recordings") == 0) {
		if (get)
			return recordings_reply(req, b);
		return reply_method(b, "GET");
	}
	if (p.n == 4 && strcmp(p.part[0], "recordings") == 0 && strcmp(p.part[3], "delete") == 0) {
		if (post)
			return recording_delete(p.part[1], p.part[2], b);
		return reply_method(b, "POST");
	}
	if (p.n == 1 && strcmp(p.part[0], "encryption") == 0) {
		if (post)
			return encryption_set(ctx, req, b);
		return reply_method(b, "POST");
	}
	return reply_error(b, 404, "no such API path");
}

int
admin_api_handle(
    struct admin_ctx *ctx, const struct admin_req *req, struct buf *body)
{
	int status;

	buf_reset(body);
	if (!admin_token_ok(ctx->token, req->authorization))
		return reply_error(body, 401, "missing or wrong admin token");
	status = route(ctx, req, body);
	if (body->err) {
		/* the body hit its ceiling or memory ran out: say so briefly */
		log_warnx("admin: a response did not fit in the body buffer");
		buf_reset(body);
		status = reply_error(body, 500, "response too large");
	}
	return status;
}
