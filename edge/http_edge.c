/*
 * http_edge: cdn-edge's HTTP server for viewers; see http_edge.h.
 *
 * A request's life (struct ereq, allocated on the first handler call,
 * freed in the completed notification):
 *   1. validate the method, path and query; build the cache key; read the
 *      request's Cache-Control (RFC 9111 5.2.1);
 *   2. decide under the cache lock: serve what is there (HIT / COLLAPSED /
 *      STALE), or create the object and start its fetch (MISS), or join a
 *      fetch in flight (COLLAPSED);
 *   3. when there are no response headers yet, park: the waiter is linked
 *      to the object and the connection suspended, both under the cache
 *      lock, so a wake-up can never be lost between the check and the park;
 *   4. answer: a complete object from its memory, with a reference that MHD
 *      drops when done; a filling object through a content reader that
 *      copies what is there and parks again when it has caught up.
 * Lock order: cache lock, then MHD's internal locks (suspend/resume).
 */
#include "config.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "clock.h"
#include "access_log.h"
#include "acct.h"
#include "cache_control.h"
#include "cache_key.h"
#include "edge_metrics.h"
#include "http_edge.h"
#include "http_etag.h"
#include "http_guard.h"
#include "http_path.h"
#include "http_range.h"
#include "json.h"
#include "log.h"
#include "net.h"
#include "tls_cert.h"
#include "xalloc.h"

#define EREQ_MAGIC 0xed9e4e01u
#define STREAM_MAGIC 0xed9e5701u
#define RECENT_FAIL_MS 1000   /* after a failed revalidation, serve stale this long */

/*
 * Per TCP connection, the raw request target, before MHD's percent-decoding
 * (our bytes in common/http_guard's connection tracking, which also gives
 * each request head its deadline against slowloris clients and enforces
 * http_max_connections and http_max_per_ip).
 */
struct conn_track {
	bool raw_path_bad;
	bool raw_query_bad;
	char raw_query[CACHE_KEY_QUERY_MAX + 1];
};

struct http_edge {
	struct MHD_Daemon *d;
	struct MHD_Daemon *d_tls;    /* HTTPS, or NULL */
	int port_tls;
	const struct edge_cfg *cfg;
	struct cache *cache;
	struct fetcher *fetcher;
	struct upstream_set *ups;
	int port;
	int64_t started_ms;
	atomic_int active;           /* requests not yet completed */
	struct http_guard *guard;    /* connections, limits, head deadlines */
};

struct ereq {
	unsigned magic;
	struct http_edge *h;
	struct MHD_Connection *conn;
	bool started;
	bool is_head;
	bool only_if_cached, req_no_cache;
	int steps;                   /* cache_step calls: a bound on loops */
	bool suspended;              /* under the cache lock */
	bool parked;                 /* ever linked as a waiter (this request's own flag) */
	struct waiter w;
	struct cobj *obj;            /* referenced: waited on */
	enum edge_result result;
	unsigned status;
	uint64_t body_len;           /* of a buffer response */
	uint64_t streamed;           /* bytes handed out by the content reader */
	bool is_stream;
	bool from_edge;              /* Via: cdn-edge: a child edge, not a viewer */
	struct acct_customer *acct;  /* who pays for this response */
	int64_t t0_us;
	char client[48];
	char method[8];
	char path[HTTP_PATH_MAX + 1];
	char key[CACHE_KEY_MAX];
};

/* The reader of a filling object; owned by its MHD response. */
struct stream_ctx {
	unsigned magic;
	struct cache *cache;
	struct cobj *o;              /* referenced */
	struct ereq *rq;             /* valid while MHD may call the reader */
	uint64_t first, end;         /* byte range of o sent; end UINT64_MAX: to the end */
	int64_t fetch_timeout_ms;
};

static struct cache *g_cache;    /* one cache per process; for MHD's free callbacks */

/* ---- small responses ---------------------------------------------------------- */

static enum MHD_Result
queue(struct ereq *rq, unsigned status, struct MHD_Response *r, uint64_t body_len)
{
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Server", "cdn-edge/" PACKAGE_VERSION);
	ret = MHD_queue_response(rq->conn, status, r);
	MHD_destroy_response(r);
	rq->status = status;
	rq->body_len = body_len;
	if (status < 600)
		EMETRIC_ADD(http_status[status], 1);
	return ret;
}

static enum MHD_Result
send_text(struct ereq *rq, unsigned status, const char *text, const char *extra_name,
    const char *extra_value)
{
	struct MHD_Response *r;
	size_t n = strlen(text);

	r = MHD_create_response_from_buffer(n, (void *)text, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
	if (extra_name)
		MHD_add_response_header(r, extra_name, extra_value);
	if (rq->result == RES_ERROR || status >= 400)
		MHD_add_response_header(r, "X-Cache", "ERROR");
	return queue(rq, status, r, n);
}

static enum MHD_Result
send_buf(struct ereq *rq, unsigned status, const char *ctype, const struct buf *b)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(b->len, b->data, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	return queue(rq, status, r, b->len);
}

/* ---- own routes --------------------------------------------------------------- */

static bool
draining(const struct edge_cfg *cfg)
{
	struct stat st;

	return cfg->drain_file && cfg->drain_file[0] && stat(cfg->drain_file, &st) == 0;
}

static enum MHD_Result
serve_healthz(struct ereq *rq)
{
	struct http_edge *h = rq->h;
	bool drain = draining(h->cfg);
	size_t up = upstream_count_up(h->ups);
	struct cache_stats cs;
	struct buf b;
	struct json j;
	enum MHD_Result ret;
	const char *status = drain ? "draining" : up == 0 ? "no_upstream" : "ok";

	cache_get_stats(h->cache, &cs);
	buf_init(&b, 64 * 1024);
	json_init(&j, &b);
	json_obj_begin(&j);
	json_key(&j, "status");
	json_str(&j, status);
	json_key(&j, "role");
	json_str(&j, "edge");
	json_key(&j, "version");
	json_str(&j, PACKAGE_VERSION);
	json_key(&j, "draining");
	json_bool(&j, drain);
	json_key(&j, "uptime_s");
	json_int(&j, (cache_now_ms() - h->started_ms) / 1000);
	json_key(&j, "upstreams");
	json_arr_begin(&j);
	for (size_t i = 0; i < h->ups->n; i++) {
		json_obj_begin(&j);
		json_key(&j, "url");
		json_str(&j, h->ups->u[i].base);
		json_key(&j, "up");
		json_bool(&j, atomic_load(&h->ups->u[i].up));
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "cache_bytes");
	json_uint(&j, cs.bytes);
	json_key(&j, "cache_objects");
	json_uint(&j, cs.objects);
	json_obj_end(&j);
	buf_put_u8(&b, '\n');
	ret = send_buf(rq, drain || up == 0 ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK,
	    "application/json", &b);
	buf_fini(&b);
	return ret;
}

static enum MHD_Result
serve_metrics(struct ereq *rq)
{
	struct cache_stats cs;
	struct buf b;
	enum MHD_Result ret;

	cache_get_stats(rq->h->cache, &cs);
	buf_init(&b, 1 << 20);
	edge_metrics_render(&b, &cs, rq->h->ups, draining(rq->h->cfg));
	http_guard_render(rq->h->guard, &b, "cdn_edge");
	ret = send_buf(rq, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", &b);
	buf_fini(&b);
	return ret;
}

/* ---- sending an object -------------------------------------------------------- */

static void
obj_release(void *cls)
{
	struct cobj *o = cls;

	cobj_unref(g_cache, o);
}

static void
waiter_wake(struct waiter *w)
{
	struct ereq *rq = (struct ereq *)((char *)w - offsetof(struct ereq, w));

	/* Cache lock held (see cache.h): only wake. */
	if (rq->suspended) {
		rq->suspended = false;
		MHD_resume_connection(rq->conn);
	}
}

/* Park rq on o until woken or the deadline. Cache lock held. */
static void
park(struct ereq *rq, struct cobj *o, int64_t deadline_ms)
{
	waiter_add(o, &rq->w, deadline_ms);
	rq->parked = true;
	rq->suspended = true;
	MHD_suspend_connection(rq->conn);
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream_ctx *sc = cls;
	struct cobj *o = sc->o;
	struct ereq *rq = sc->rq;
	uint64_t at = sc->first + pos;
	size_t n = 0;
	ssize_t ret;

	if (at >= sc->end)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (sc->end != UINT64_MAX && max > sc->end - at)
		max = (size_t)(sc->end - at);
	cache_lock(sc->cache);
	if (at < o->len) {
		n = o->len - (size_t)at;
		if (n > max)
			n = max;
		memcpy(out, o->data + at, n);
		ret = (ssize_t)n;
	} else if (o->state == COBJ_COMPLETE) {
		ret = MHD_CONTENT_READER_END_OF_STREAM;
	} else if (o->state != COBJ_FILLING) {
		ret = MHD_CONTENT_READER_END_WITH_ERROR;  /* cut mid-body upstream */
	} else if (rq->w.woken && rq->w.deadline_ms && cache_now_ms() >= rq->w.deadline_ms) {
		ret = MHD_CONTENT_READER_END_WITH_ERROR;  /* upstream stalled */
	} else {
		park(rq, o, cache_now_ms() + sc->fetch_timeout_ms);
		ret = 0;
	}
	cache_unlock(sc->cache);
	if (ret > 0)
		rq->streamed += (uint64_t)ret;
	return ret;
}

static void
stream_free(void *cls)
{
	struct stream_ctx *sc = cls;

	cobj_unref(sc->cache, sc->o);
	sc->magic = 0;
	free(sc);
}


/* "Name: value\n" lines as response headers. */
static void
add_header_lines(struct MHD_Response *r, const char *lines, bool *has_acao)
{
	for (const char *p = lines; *p;) {
		const char *nl = strchr(p, '\n'), *colon = strchr(p, ':');
		char name[64], value[COBJ_HDRS_MAX];
		size_t ln = nl ? (size_t)(nl - p) : strlen(p);
		if (colon && colon < p + ln && (size_t)(colon - p) < sizeof(name)) {
			const char *v = colon + 1;
			memcpy(name, p, (size_t)(colon - p));
			name[colon - p] = '\0';
			while (*v == ' ')
				v++;
			snprintf(value, sizeof(value), "%.*s", (int)(p + ln - v), v);
			MHD_add_response_header(r, name, value);
			if (has_acao && strcasecmp(name, "Access-Control-Allow-Origin") == 0)
				*has_acao = true;
		}
		p += ln + (nl ? 1 : 0);
	}
}

/*
 * to_edge: the request came from a child edge (Via: cdn-edge), which needs
 * the internal X-CDN-* headers (the owner, for its accounting); viewers
 * never see them.
 */
static void
add_object_headers(struct MHD_Response *r, const struct cobj *o, enum edge_result res,
    bool to_edge)
{
	char age[32];
	int64_t a = (cache_now_ms() - o->fetched_ms) / 1000 + o->upstream_age_s;
	bool has_acao = false;

	if (o->content_type[0])
		MHD_add_response_header(r, "Content-Type", o->content_type);
	if (o->cache_control[0])
		MHD_add_response_header(r, "Cache-Control", o->cache_control);
	if (o->etag[0])
		MHD_add_response_header(r, "ETag", o->etag);
	if (o->last_modified[0])
		MHD_add_response_header(r, "Last-Modified", o->last_modified);
	/* Access-Control-* lines, "Name: value\n" each, checked when stored. */
	add_header_lines(r, o->extra_hdrs, &has_acao);
	if (to_edge)
		add_header_lines(r, o->internal_hdrs, NULL);
	if (!has_acao)
		MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
	snprintf(age, sizeof(age), "%lld", (long long)(a > 0 ? a : 0));
	MHD_add_response_header(r, "Age", age);
	MHD_add_response_header(r, "X-Cache", edge_result_header(res));
	if (!o->is_playlist && o->status == 200)
		MHD_add_response_header(r, "Accept-Ranges", "bytes");
}

/*
 * Answer rq from o (FILLING or COMPLETE, headers known). Takes over the
 * caller's reference to o. Called without the cache lock.
 */
static enum MHD_Result
send_object(struct ereq *rq, struct cobj *o, enum edge_result res)
{
	struct MHD_Response *r;
	struct http_range range;
	uint64_t total = UINT64_MAX, first = 0, end = UINT64_MAX;
	unsigned status = (unsigned)o->status;
	bool complete;
	int rr = HTTP_RANGE_NONE;
	char cr[96];

	rq->result = res;
	EMETRIC_ADD(requests[res], 1);
	/* A child edge counts what it sends to its viewers: never bill twice. */
	if (rq->h->cfg->accounting && !rq->from_edge) {
		rq->acct = o->acct;
		acct_viewer(rq->acct, +1);   /* in flight until completed() */
	}
	cache_lock(rq->h->cache);
	complete = o->state == COBJ_COMPLETE;
	if (complete)
		total = o->len;
	else if (o->content_length >= 0)
		total = (uint64_t)o->content_length;
	cache_unlock(rq->h->cache);

	if (status == 200 && http_etag_match(MHD_lookup_connection_value(rq->conn,
	    MHD_HEADER_KIND, "If-None-Match"), o->etag)) {
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (r)
			add_object_headers(r, o, res, rq->from_edge);
		cobj_unref(rq->h->cache, o);
		return queue(rq, MHD_HTTP_NOT_MODIFIED, r, 0);
	}
	if (status == 200 && !o->is_playlist && total != UINT64_MAX) {
		rr = http_range_parse(MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Range"),
		    total, &range);
		if (rr == HTTP_RANGE_UNSATISFIABLE) {
			snprintf(cr, sizeof(cr), "bytes */%llu", (unsigned long long)total);
			cobj_unref(rq->h->cache, o);
			return send_text(rq, MHD_HTTP_RANGE_NOT_SATISFIABLE, "range not satisfiable\n",
			    "Content-Range", cr);
		}
		if (rr == HTTP_RANGE_OK) {
			first = range.first;
			end = range.last + 1;
			status = MHD_HTTP_PARTIAL_CONTENT;
			snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu",
			    (unsigned long long)range.first, (unsigned long long)range.last,
			    (unsigned long long)total);
		}
	}
	if (complete) {
		uint64_t len = (end == UINT64_MAX ? total : end) - first;
		/* The body never changes again: send it in place; MHD drops our ref. */
		r = MHD_create_response_from_buffer_with_free_callback_cls((size_t)len,
		    o->data ? o->data + first : NULL, obj_release, o);
		if (r == NULL) {
			cobj_unref(rq->h->cache, o);
			return MHD_NO;
		}
		rq->body_len = len;
	} else {
		struct stream_ctx *sc = xcalloc(1, sizeof(*sc));
		uint64_t size = MHD_SIZE_UNKNOWN;
		if (sc == NULL) {
			cobj_unref(rq->h->cache, o);
			return MHD_NO;
		}
		sc->magic = STREAM_MAGIC;
		sc->cache = rq->h->cache;
		sc->o = o;
		sc->rq = rq;
		sc->first = first;
		sc->end = end != UINT64_MAX ? end : total;
		sc->fetch_timeout_ms = rq->h->cfg->fetch_timeout_ms;
		if (sc->end != UINT64_MAX)
			size = sc->end - first;
		r = MHD_create_response_from_callback(size, 64 * 1024, stream_read, sc, stream_free);
		if (r == NULL) {
			stream_free(sc);
			return MHD_NO;
		}
		rq->is_stream = true;
	}
	add_object_headers(r, o, res, rq->from_edge);
	if (status == MHD_HTTP_PARTIAL_CONTENT)
		MHD_add_response_header(r, "Content-Range", cr);
	return queue(rq, status, r, rq->body_len);
}

/* ---- the cache decision ---------------------------------------------------------- */

static bool
stale_ok(const struct cobj *o, int64_t now)
{
	return o->state == COBJ_COMPLETE && o->status == 200 && o->is_playlist &&
	    o->stale_limit_ms > 0 && now <= o->fresh_until_ms + o->stale_limit_ms;
}

static enum MHD_Result
fail_response(struct ereq *rq, enum cobj_fail kind)
{
	rq->result = RES_ERROR;
	EMETRIC_ADD(requests[RES_ERROR], 1);
	if (kind == COBJ_FAIL_TIMEOUT)
		return send_text(rq, MHD_HTTP_GATEWAY_TIMEOUT, "upstream timed out\n", NULL, NULL);
	if (kind == COBJ_FAIL_TOO_LARGE)
		return send_text(rq, MHD_HTTP_BAD_GATEWAY, "upstream object too large\n", NULL, NULL);
	if (kind == COBJ_FAIL_5XX)
		return send_text(rq, MHD_HTTP_BAD_GATEWAY, "upstream error\n", NULL, NULL);
	return send_text(rq, MHD_HTTP_BAD_GATEWAY, "upstream unreachable\n", NULL, NULL);
}

/*
 * One step of a GET through the cache. Called on the first handler call
 * and again each time the parked connection is resumed.
 */
static enum MHD_Result
cache_step(struct ereq *rq)
{
	struct http_edge *h = rq->h;
	struct cache *c = h->cache;
	struct cobj *o, *submit = NULL, *serve = NULL;
	enum edge_result res = RES_HIT;
	int64_t now;

again:
	if (++rq->steps > 16) {  /* superseded again and again: answer anyway */
		rq->result = RES_ERROR;
		EMETRIC_ADD(requests[RES_ERROR], 1);
		return send_text(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "busy, retry\n", NULL, NULL);
	}
	now = cache_now_ms();
	cache_lock(c);
	if (rq->obj == NULL) {
		o = cache_find(c, rq->key);
		if (o == NULL) {
			if (rq->only_if_cached) {
				cache_unlock(c);
				rq->result = RES_ERROR;
				EMETRIC_ADD(requests[RES_ERROR], 1);
				return send_text(rq, MHD_HTTP_GATEWAY_TIMEOUT, "not cached\n", NULL,
				    NULL);
			}
			if ((o = cache_insert(c, rq->key, rq->key, NULL)) == NULL) {
				cache_unlock(c);
				return send_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n",
				    NULL, NULL);
			}
			submit = o;           /* cache_insert's reference goes to the job */
			cobj_ref(o);
			rq->obj = o;
			rq->result = RES_MISS;
		} else if (o->state == COBJ_PENDING) {
			if (rq->only_if_cached && o->prev && o->prev->state == COBJ_COMPLETE) {
				serve = o->prev;
				res = RES_HIT;
			} else if (rq->only_if_cached) {
				cache_unlock(c);
				rq->result = RES_ERROR;
				EMETRIC_ADD(requests[RES_ERROR], 1);
				return send_text(rq, MHD_HTTP_GATEWAY_TIMEOUT, "not cached\n", NULL,
				    NULL);
			} else {
				cobj_ref(o);
				rq->obj = o;
				rq->result = RES_COLLAPSED;
			}
		} else if (o->state == COBJ_FILLING) {
			serve = o;
			res = RES_COLLAPSED;   /* joins a fill in flight */
		} else if ((now < o->fresh_until_ms && !rq->req_no_cache) || rq->only_if_cached) {
			serve = o;
			res = RES_HIT;
		} else if (o->last_fail_ms && now - o->last_fail_ms < RECENT_FAIL_MS && stale_ok(o, now)) {
			serve = o;
			res = RES_STALE;
		} else {
			/* Expired (or the viewer asked us to revalidate): one conditional GET. */
			bool validate = o->etag[0] || o->last_modified[0];
			struct cobj *n = cache_insert(c, rq->key, rq->key, validate ? o : NULL);
			if (n == NULL) {
				serve = o;
				res = RES_STALE;
			} else {
				if (!validate && o->state == COBJ_COMPLETE) {
					/* Still a stale candidate if the refetch fails. */
					cobj_ref(o);
					n->prev = o;
				}
				submit = n;
				cobj_ref(n);
				rq->obj = n;
				rq->result = RES_MISS;
			}
		}
		if (serve) {
			cobj_ref(serve);
			cache_touch(c, serve, now);
			cache_unlock(c);
			return send_object(rq, serve, res);
		}
	}
	o = rq->obj;
	cache_touch(c, o, now);
	switch (o->state) {
	case COBJ_PENDING:
		if (rq->w.woken && rq->w.deadline_ms && now >= rq->w.deadline_ms) {
			/* The fetch is still in flight; this viewer has waited enough. */
			cache_unlock(c);
			return fail_response(rq, COBJ_FAIL_TIMEOUT);
		}
		park(rq, o, now + h->cfg->fetch_timeout_ms + 1000);
		cache_unlock(c);
		if (submit)
			fetch_submit(h->fetcher, submit);
		return MHD_YES;
	case COBJ_FILLING:
	case COBJ_COMPLETE:
		rq->obj = NULL;   /* the reference moves to the response */
		cache_unlock(c);
		if (submit)
			fetch_submit(h->fetcher, submit);
		return send_object(rq, o, rq->result);
	case COBJ_SUPERSEDED:
		/* Revalidated (304): the stored copy is fresh again. A viewer's
		 * no-cache is now satisfied: never revalidate twice for it. */
		rq->obj = NULL;
		cobj_unref_locked(c, o);
		cache_unlock(c);
		rq->result = RES_HIT;
		rq->req_no_cache = false;
		goto again;
	case COBJ_FAILED:
	default: {
		struct cobj *prev = o->prev;
		enum cobj_fail kind = o->fail_kind;
		rq->obj = NULL;
		if (prev && stale_ok(prev, now)) {
			cobj_ref(prev);
			cache_touch(c, prev, now);
			cobj_unref_locked(c, o);
			cache_unlock(c);
			return send_object(rq, prev, RES_STALE);
		}
		cobj_unref_locked(c, o);
		cache_unlock(c);
		return fail_response(rq, kind);
	}
	}
}

/* ---- request setup ------------------------------------------------------------------ */

static void
client_addr(struct MHD_Connection *conn, char *out, size_t outlen)
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

/* Constant-time comparison of a presented token with ours. */
static bool
token_eq(const char *got, const char *want)
{
	size_t n = strlen(want), m = strlen(got);
	unsigned char d = (unsigned char)(n != m);

	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(want[i] ^ (i < m ? got[i] : 0));
	return d == 0;
}

static struct conn_track *
track_of(struct MHD_Connection *conn)
{
	return http_guard_ext(conn);
}

static enum MHD_Result
start_request(struct ereq *rq, const char *url, const char *method)
{
	struct conn_track *t = track_of(rq->conn);
	struct http_path p;
	struct cache_control cc;
	const char *v;
	char path[HTTP_PATH_MAX + 1];
	size_t o = 0;
	int rc;

	snprintf(rq->method, sizeof(rq->method), "%s", strlen(method) < 8 ? method : "OTHER");
	rq->is_head = strcmp(method, "HEAD") == 0;
	if (strcmp(method, "OPTIONS") == 0) {
		struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT);
		snprintf(rq->path, sizeof(rq->path), "*");
		if (r == NULL)
			return MHD_NO;
		MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
		MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
		MHD_add_response_header(r, "Access-Control-Allow-Headers", "Range, If-None-Match");
		MHD_add_response_header(r, "Access-Control-Max-Age", "86400");
		return queue(rq, MHD_HTTP_NO_CONTENT, r, 0);
	}
	/* The raw target is checked, before MHD's percent-decoding: "%00" or
	 * "%69ndex" must not become another path (http_path.h). */
	if ((t && t->raw_path_bad) || http_path_split(url, &p) != 0) {
		snprintf(rq->path, sizeof(rq->path), "-");   /* never log what we refused */
		rq->result = RES_ERROR;
		return send_text(rq, MHD_HTTP_BAD_REQUEST, "bad path\n", NULL, NULL);
	}
	for (size_t i = 0; i < p.n; i++)
		o += (size_t)snprintf(path + o, sizeof(path) - o, "/%s", p.part[i]);
	if (p.n == 0)
		snprintf(path, sizeof(path), "/");
	snprintf(rq->path, sizeof(rq->path), "%s", path);
	if (!rq->is_head && strcmp(method, "GET") != 0) {
		rq->result = RES_ERROR;
		return send_text(rq, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", "Allow",
		    "GET, HEAD, OPTIONS");
	}
	if (strcmp(path, "/healthz") == 0)
		return serve_healthz(rq);
	if (strcmp(path, "/metrics") == 0)
		return serve_metrics(rq);
	if (p.n == 0) {
		rq->result = RES_ERROR;
		return send_text(rq, MHD_HTTP_NOT_FOUND, "not found\n", NULL, NULL);
	}
	/* The admin side lives on the origin only: never proxied, never cached. */
	if (strcmp(p.part[0], "api") == 0 || strcmp(p.part[0], "dashboard") == 0) {
		rq->result = RES_ERROR;
		return send_text(rq, MHD_HTTP_NOT_FOUND,
		    "not found: the dashboard and the APIs are on the origin\n", NULL, NULL);
	}
	if (t == NULL) {
		/* conn_notify could not allocate: no raw target to judge. */
		rq->result = RES_ERROR;
		return send_text(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n", NULL, NULL);
	}
	/* The raw query, as sent: cache_key_make refuses control bytes. */
	if (t->raw_query_bad ||
	    (rc = cache_key_make(path, t->raw_query, &rq->h->cfg->cache_key_ignore, rq->key,
	    sizeof(rq->key))) != 0) {
		rq->result = RES_ERROR;
		return send_text(rq, MHD_HTTP_BAD_REQUEST, "bad query\n", NULL, NULL);
	}
	v = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Cache-Control");
	cache_control_parse(v, v ? strlen(v) : 0, &cc);
	rq->only_if_cached = cc.only_if_cached;
	/* A child edge proves itself with the accounting token; a Via header
	 * alone would let any viewer opt out of billing. */
	v = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "X-CDN-Edge");
	rq->from_edge = v && rq->h->cfg->edge_token && token_eq(v, rq->h->cfg->edge_token);
	rq->req_no_cache = cc.no_cache || cc.max_age_s == 0;
	v = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Pragma");
	if (v && cc.max_age_s < 0 && !cc.no_cache && strcasecmp(v, "no-cache") == 0)
		rq->req_no_cache = true;  /* RFC 9111 5.4 (HTTP/1.0 clients) */
	return cache_step(rq);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct http_edge *h = cls;
	struct ereq *rq = *con_cls;

	(void)version;
	(void)upload_data;
	if (rq == NULL) {
		if ((rq = xcalloc(1, sizeof(*rq))) == NULL)
			return MHD_NO;
		rq->magic = EREQ_MAGIC;
		rq->h = h;
		rq->conn = conn;
		rq->w.wake = waiter_wake;
		rq->t0_us = clock_mono_us();
		client_addr(conn, rq->client, sizeof(rq->client));
		atomic_fetch_add(&h->active, 1);
		http_guard_head_in(conn);   /* the head is in: no deadline while answered */
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;   /* a body on GET: ignored (405 for other methods) */
		return MHD_YES;
	}
	if (!rq->started) {
		rq->started = true;
		return start_request(rq, url, method);
	}
	/* Resumed after parking. */
	return cache_step(rq);
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_edge *h = cls;
	struct ereq *rq = *con_cls;
	uint64_t sent;

	(void)conn;
	if (rq == NULL || rq->magic != EREQ_MAGIC)
		return;
	/* Only a request that ever parked or still holds an object needs the
	 * cache lock here; a plain hit does not take it a second time. Both
	 * flags are written only in this request's own callbacks. */
	if (rq->parked || rq->obj) {
		cache_lock(h->cache);
		waiter_remove(&rq->w);
		rq->suspended = false;
		if (rq->obj) {
			cobj_unref_locked(h->cache, rq->obj);
			rq->obj = NULL;
		}
		cache_unlock(h->cache);
	}
	sent = rq->is_head ? 0 : rq->is_stream ? rq->streamed :
	    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? rq->body_len : 0;
	EMETRIC_ADD(bytes_out, sent);
	if (rq->acct) {
		acct_add_out(rq->acct, sent);
		/* A request answered with a body (not HEAD, 304 or an error), and
		 * really answered: an aborted in-memory response sent nothing. */
		if (!rq->is_head && (rq->status == 200 || rq->status == 206) &&
		    (sent > 0 || toe == MHD_REQUEST_TERMINATED_COMPLETED_OK))
			acct_add_request(rq->acct);
		acct_viewer(rq->acct, -1);
	}
	if (rq->started)
		access_log_write(rq->client, rq->method, rq->path[0] ? rq->path : "-",
		    rq->status ? rq->status : 499, sent,
		    rq->status && rq->path[1] && strcmp(rq->path, "/healthz") &&
		    strcmp(rq->path, "/metrics") ? edge_result_header(rq->result) : "-",
		    clock_mono_us() - rq->t0_us);
	atomic_fetch_sub(&h->active, 1);
	/* Keep-alive: the next request head gets a fresh deadline. */
	http_guard_request_done(h->guard, conn);
	rq->magic = 0;
	free(rq);
	*con_cls = NULL;
}

/* MHD_OPTION_URI_LOG_CALLBACK: the raw request target, before decoding. */
static void *
uri_seen(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct conn_track *t = track_of(conn);
	const char *q = strchr(uri, '?');
	size_t plen = q ? (size_t)(q - uri) : strlen(uri);
	char path[HTTP_PATH_MAX + 1];
	struct http_path p;

	(void)cls;
	if (t == NULL)
		return NULL;
	t->raw_path_bad = plen > HTTP_PATH_MAX;
	if (!t->raw_path_bad) {
		memcpy(path, uri, plen);
		path[plen] = '\0';
		/* OPTIONS * and the like are judged by the handler. */
		t->raw_path_bad = strcmp(path, "*") != 0 && http_path_split(path, &p) != 0;
	}
	t->raw_query_bad = q && strlen(q + 1) > CACHE_KEY_QUERY_MAX;
	snprintf(t->raw_query, sizeof(t->raw_query), "%s", q && !t->raw_query_bad ? q + 1 : "");
	return NULL;
}

static void
mhd_logger(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_info("http: %s", line);
}

/* One libmicrohttpd daemon on fd (plain or TLS), with the same handlers. */
static struct MHD_Daemon *
start_daemon(struct http_edge *h, int fd, bool tls)
{
	const struct edge_cfg *cfg = h->cfg;

	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO | (tls ? MHD_USE_TLS : 0),
	    0, http_guard_accept, h->guard,
	    handler, h,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->http_threads,
	    /* The guard counts the total and per address, over both daemons;
	     * MHD splits its own limit between the pool's workers. */
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->http_max_connections + 64,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)((cfg->http_timeout_ms + 999) / 1000),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->http_max_header_bytes,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, h,
	    MHD_OPTION_NOTIFY_CONNECTION, http_guard_notify, h->guard,
	    MHD_OPTION_URI_LOG_CALLBACK, uri_seen, h,
	    tls ? MHD_OPTION_HTTPS_CERT_CALLBACK : MHD_OPTION_END, tls_cert_retrieve,
	    MHD_OPTION_END);
}

struct http_edge *
http_edge_start(const struct edge_cfg *cfg, struct cache *cache, struct fetcher *fetcher,
    struct upstream_set *ups)
{
	struct http_edge *h = xcalloc(1, sizeof(*h));
	int fd;

	if (h == NULL)
		return NULL;
	h->cfg = cfg;
	h->cache = cache;
	h->fetcher = fetcher;
	h->ups = ups;
	h->started_ms = cache_now_ms();
	g_cache = cache;
	h->guard = http_guard_new(&(struct http_guard_cfg){ .name = "http",
	    .max_connections = cfg->http_max_connections, .max_per_ip = cfg->http_max_per_ip,
	    .head_timeout_ms = cfg->http_timeout_ms, .ext_size = sizeof(struct conn_track) });
	if (h->guard == NULL) {
		free(h);
		return NULL;
	}
	fd = net_listen_tcp(cfg->http_listen, 4096, &h->port);
	if (fd == -1) {
		http_guard_free(h->guard);
		free(h);
		return NULL;
	}
	h->d = start_daemon(h, fd, false);
	if (h->d == NULL) {
		log_errx("http: cannot start the HTTP server on %s", cfg->http_listen);
		close(fd);
		http_guard_free(h->guard);
		free(h);
		return NULL;
	}
	if (cfg->https_listen && cfg->https_listen[0]) {
		char err[512];
		if (tls_cert_load(cfg->tls_cert, cfg->tls_key, err, sizeof(err)) != 0) {
			log_errx("https: %s", err);
			http_edge_stop(h);
			return NULL;
		}
		if ((fd = net_listen_tcp(cfg->https_listen, 4096, &h->port_tls)) == -1) {
			http_edge_stop(h);
			return NULL;
		}
		if ((h->d_tls = start_daemon(h, fd, true)) == NULL) {
			log_errx("https: cannot start the HTTPS server on %s", cfg->https_listen);
			close(fd);
			http_edge_stop(h);
			return NULL;
		}
		tls_cert_describe(err, sizeof(err));
		log_info("HTTPS on port %d, certificate: %s", h->port_tls, err);
	}
	http_guard_start(h->guard);
	return h;
}

int
http_edge_port_tls(const struct http_edge *h)
{
	return h->d_tls ? h->port_tls : 0;
}

void
http_edge_reload_tls(struct http_edge *h)
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
http_edge_port(const struct http_edge *h)
{
	return h->port;
}

void
http_edge_quiesce(struct http_edge *h, int64_t grace_ms)
{
	MHD_socket ls;
	int64_t until;

	if (h == NULL || h->d == NULL)
		return;
	ls = MHD_quiesce_daemon(h->d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	if (h->d_tls && (ls = MHD_quiesce_daemon(h->d_tls)) != MHD_INVALID_SOCKET)
		close(ls);
	until = cache_now_ms() + grace_ms;
	while (atomic_load(&h->active) > 0 && cache_now_ms() < until) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

void
http_edge_stop(struct http_edge *h)
{
	if (h == NULL)
		return;
	if (h->d_tls)
		MHD_stop_daemon(h->d_tls);
	if (h->d)
		MHD_stop_daemon(h->d);
	http_guard_free(h->guard);
	free(h);
}
