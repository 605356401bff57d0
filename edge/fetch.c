/*
 * fetch: the edge's upstream client; see fetch.h.
 *
 * Design. Other threads hand objects over through a small locked queue and
 * curl_multi_wakeup(); only this thread touches curl. A job is one object's
 * fetch across upstream attempts: each attempt gets a fresh easy handle
 * (the multi handle keeps the connections alive between them). Response
 * headers of the current attempt are collected in the job, and published
 * into the object only when the header block ends with a usable status, so
 * a 5xx, a connect error or a timeout before that point can still fail over
 * to the next upstream without a viewer seeing anything of it.
 *
 * RFC 9111 4.2.1 (freshness lifetime: s-maxage, then max-age), 4.3
 * (validation: If-None-Match, If-Modified-Since, 304 updates the stored
 * response), 3 (no-store, private are not stored by a shared cache).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "acct.h"
#include "cache_control.h"
#include "cache_key.h"
#include "edge_metrics.h"
#include "fetch.h"
#include "log.h"
#include "m3u8_scan.h"
#include "resp_head.h"
#include "xalloc.h"

#define JOB_MAGIC 0xfe7c4001u
#define MAINTAIN_EVERY_MS 100
#define STALE_LIMIT_MAX_S 60    /* cap on a playlist's stale limit (its target duration) */

struct job {
	unsigned magic;
	struct fetcher *f;
	struct cobj *o;              /* referenced; NULL for a health check */
	CURL *easy;
	struct curl_slist *req_hdrs;
	size_t up_idx;               /* upstream of this attempt */
	size_t tries;                /* attempts made */
	size_t health_idx;           /* health check: which upstream */
	bool is_health;
	bool published;              /* headers went into the object */
	bool failover;               /* this attempt's answer was a 5xx */
	bool too_large;
	bool not_modified;
	char errbuf[CURL_ERROR_SIZE];

	struct resp_head rh;         /* the current attempt's response head */
	struct job *next;            /* submit queue */
	struct job *anext, *aprev;   /* active list (started, not done) */
};

struct fetcher {
	const struct edge_cfg *cfg;
	struct upstream_set *ups;
	struct cache *cache;
	struct edge_access *access;
	CURLM *multi;
	pthread_t thread;
	bool started;
	pthread_mutex_t qlock;
	struct job *queue;           /* submitted, not started */
	bool stop;                   /* under qlock */
	struct job *active;          /* fetch thread only */
	bool health_busy[UPSTREAM_MAX];
	int64_t next_health_ms, next_maintain_ms;
};

static void start_attempt(struct fetcher *f, struct job *j);

static int64_t
freshness_ms(const struct edge_cfg *cfg, const struct cobj *o, const struct cache_control *cc,
    int64_t now)
{
	int64_t life_s = cc->s_maxage_s >= 0 ? cc->s_maxage_s : cc->max_age_s;

	if (cc->no_cache)
		return now;  /* stored, but revalidated on every use */
	if (cc->immutable && life_s < 0)
		return INT64_MAX;
	if (life_s >= 0) {
		life_s -= o->upstream_age_s;  /* RFC 9111 4.2.3: current age */
		if (life_s <= 0)
			return now;
		return now + life_s * 1000;
	}
	return o->is_playlist ? now + cfg->playlist_default_ttl_ms : INT64_MAX;
}

/* Publish the current attempt's headers into the object. Lock held. */
static void
publish_headers(struct fetcher *f, struct job *j)
{
	struct cobj *o = j->o;
	struct cache_control cc;
	int64_t now = cache_now_ms();

	o->status = j->rh.status;
	snprintf(o->content_type, sizeof(o->content_type), "%s", j->rh.ctype);
	snprintf(o->etag, sizeof(o->etag), "%s", j->rh.etag);
	snprintf(o->last_modified, sizeof(o->last_modified), "%s", j->rh.lastmod);
	snprintf(o->cache_control, sizeof(o->cache_control), "%s", j->rh.cc);
	memcpy(o->extra_hdrs, j->rh.extra, j->rh.extra_len + 1);
	memcpy(o->internal_hdrs, j->rh.internal, j->rh.internal_len + 1);
	o->acct = j->rh.customer[0] ? acct_stream(j->rh.customer, j->rh.stream) : NULL;
	snprintf(o->owner, sizeof(o->owner), "%s", j->rh.customer);
	snprintf(o->owner_stream, sizeof(o->owner_stream), "%s", j->rh.stream);
	o->access = j->rh.access;
	/* A playlist is refetched every TTL: the freshest word on the stream's
	 * access mode, for its segments too (docs/access.md). */
	if (o->is_playlist && o->status == 200 && j->rh.access >= 0)
		edge_access_learn(f->access, j->rh.stream, j->rh.customer,
		    (enum play_access)j->rh.access);
	o->content_length = j->rh.clen;
	o->upstream_age_s = j->rh.age_s;
	o->fetched_ms = now;
	cache_control_parse(j->rh.cc, strlen(j->rh.cc), &cc);
	o->immutable = cc.immutable;
	o->no_store = cc.no_store || cc.private_ || o->status != 200;
	o->fresh_until_ms = freshness_ms(f->cfg, o, &cc, now);
	if (o->prev && o->prev->stale_limit_ms)
		o->stale_limit_ms = o->prev->stale_limit_ms;
	if (j->rh.clen > 0 && (uint64_t)j->rh.clen <= f->cfg->object_max_bytes && o->cap == 0) {
		o->data = malloc((size_t)j->rh.clen);
		if (o->data)
			o->cap = (size_t)j->rh.clen;
	}
	if (o->no_store)
		cache_unlink(f->cache, o);
	j->published = true;
	cobj_set_state(f->cache, o, COBJ_FILLING);
}

static size_t
on_header(char *line, size_t size, size_t nitems, void *ud)
{
	struct job *j = ud;
	size_t n = size * nitems;

	if (resp_head_line(&j->rh, line, n) != RESP_END)
		return n;
	/* End of a header block. Interim 1xx blocks are followed by more. */
	if (j->is_health || j->rh.status < 200)
		return n;
	if (j->rh.status >= 500) {
		j->failover = true;
		return 0;  /* abort this attempt; done() fails over */
	}
	if (j->rh.status == 304) {
		j->not_modified = true;
		return n;
	}
	if (j->rh.clen > 0 && (uint64_t)j->rh.clen > j->f->cfg->object_max_bytes) {
		j->too_large = true;
		return 0;
	}
	cache_lock(j->f->cache);
	publish_headers(j->f, j);
	cache_unlock(j->f->cache);
	return n;
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct job *j = ud;
	size_t n = size * nmemb;
	int rc;

	if (j->is_health)
		return n;
	if (!j->published)
		return n;  /* a 304 or interim body: nothing to keep */
	cache_lock(j->f->cache);
	rc = cobj_append(j->f->cache, j->o, p, n, (size_t)j->f->cfg->object_max_bytes);
	if (rc == 0)
		cobj_wake_all(j->o);
	cache_unlock(j->f->cache);
	if (rc == -EFBIG)
		j->too_large = true;
	if (rc != 0)
		return 0;
	EMETRIC_ADD(bytes_in, n);
	return n;
}

/* ---- jobs ------------------------------------------------------------------ */

static struct job *
job_new(struct fetcher *f, struct cobj *o)
{
	struct job *j = xcalloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->magic = JOB_MAGIC;
	j->f = f;
	j->o = o;
	return j;
}

static void
job_release_easy(struct fetcher *f, struct job *j)
{
	if (j->easy) {
		curl_multi_remove_handle(f->multi, j->easy);
		curl_easy_cleanup(j->easy);
		j->easy = NULL;
	}
	curl_slist_free_all(j->req_hdrs);
	j->req_hdrs = NULL;
}

static void
active_add(struct fetcher *f, struct job *j)
{
	j->aprev = NULL;
	j->anext = f->active;
	if (f->active)
		f->active->aprev = j;
	f->active = j;
}

static void
job_free(struct fetcher *f, struct job *j)
{
	if (j->aprev)
		j->aprev->anext = j->anext;
	else if (f->active == j)
		f->active = j->anext;
	if (j->anext)
		j->anext->aprev = j->aprev;
	job_release_easy(f, j);
	if (j->o)
		cobj_unref(f->cache, j->o);
	j->magic = 0;
	free(j);
}

static CURL *
easy_new(struct fetcher *f, struct job *j, const char *url, long timeout_ms)
{
	CURL *e = curl_easy_init();

	if (e == NULL)
		return NULL;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)f->cfg->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "cdn-edge/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 65536L);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->cfg->object_max_bytes);
	return e;
}

static void
start_attempt(struct fetcher *f, struct job *j)
{
	char url[UPSTREAM_URL_MAX + CACHE_KEY_MAX + 8], h[256];
	struct cobj *prev = j->o->prev;

	job_release_easy(f, j);
	resp_head_reset(&j->rh);
	j->failover = j->too_large = j->not_modified = false;
	j->errbuf[0] = '\0';
	snprintf(url, sizeof(url), "%s%s", f->ups->u[j->up_idx].base, j->o->upath);
	j->easy = easy_new(f, j, url, (long)f->cfg->fetch_timeout_ms);
	/* Via (RFC 9110 7.6.3) lets a parent edge or the origin see the path. */
	j->req_hdrs = curl_slist_append(NULL, "Via: 1.1 cdn-edge");
	if (f->cfg->edge_token) {
		/* Proof that this is an edge, not a viewer: the origin does not
		 * bill what an edge fetches (the edge bills its viewers). */
		snprintf(h, sizeof(h), "X-CDN-Edge: %s", f->cfg->edge_token);
		j->req_hdrs = curl_slist_append(j->req_hdrs, h);
	}
	if (prev && (prev->etag[0] || prev->last_modified[0])) {
		if (prev->etag[0]) {
			snprintf(h, sizeof(h), "If-None-Match: %s", prev->etag);
			j->req_hdrs = curl_slist_append(j->req_hdrs, h);
		}
		if (prev->last_modified[0]) {
			snprintf(h, sizeof(h), "If-Modified-Since: %s", prev->last_modified);
			j->req_hdrs = curl_slist_append(j->req_hdrs, h);
		}
		EMETRIC_ADD(revalidations, 1);
	}
	if (j->easy == NULL) {
		log_errx("fetch: out of memory for a transfer");
		return;
	}
	curl_easy_setopt(j->easy, CURLOPT_HTTPHEADER, j->req_hdrs);
	j->tries++;
	EMETRIC_ADD(upstream_fetches, 1);
	if (curl_multi_add_handle(f->multi, j->easy) != CURLM_OK)
		log_errx("fetch: cannot add a transfer");
}

/* The job's object failed for good. */
static void
job_fail(struct fetcher *f, struct job *j, enum cobj_fail kind)
{
	struct cobj *o = j->o;
	int64_t now = cache_now_ms();

	cache_lock(f->cache);
	o->fail_kind = kind;
	if (o->prev && o->prev->state == COBJ_COMPLETE) {
		/* Keep the old copy reachable: it may be served stale (http_edge). */
		o->prev->last_fail_ms = now;
		if (o->linked)
			cache_relink(f->cache, o->prev);
	}
	cache_unlink(f->cache, o);
	cobj_set_state(f->cache, o, COBJ_FAILED);
	cache_unlock(f->cache);
}

static void
prefetch_from(struct fetcher *f, struct cobj *pl)
{
	struct m3u8_info info = { 0 };
	char path[CACHE_KEY_MAX], abs[CACHE_KEY_MAX], key[CACHE_KEY_MAX];
	size_t n_seg = 0, first_seg = 0, kept = 0, i;
	int rc;

	/* pl is COMPLETE: its body no longer changes, reading it unlocked is safe. */
	if (m3u8_scan(pl->data, pl->len, &info) != 0)
		goto out;
	cache_lock(f->cache);
	/* The stale limit is one target duration; a peer-written absurd value
	 * must not keep a dead stream's playlist alive: cap it. */
	if (info.target_duration_s > 0)
		pl->stale_limit_ms = (info.target_duration_s < STALE_LIMIT_MAX_S ?
		    info.target_duration_s : STALE_LIMIT_MAX_S) * 1000;
	cache_unlock(f->cache);
	if (!f->cfg->prefetch || info.is_master || info.has_endlist)
		goto out;
	for (i = 0; i < info.n_uris; i++)
		n_seg += info.uris[i].kind == M3U8_SEGMENT;
	if (n_seg > (size_t)f->cfg->prefetch_max)
		first_seg = n_seg - (size_t)f->cfg->prefetch_max;
	snprintf(path, sizeof(path), "%.*s", (int)strcspn(pl->upath, "?"), pl->upath);
	for (i = 0, n_seg = 0; i < info.n_uris; i++) {
		const struct m3u8_uri *u = &info.uris[i];
		struct cobj *o;
		const char *q;

		if (u->kind == M3U8_SEGMENT && n_seg++ < first_seg)
			continue;
		if (u->kind != M3U8_SEGMENT && u->kind != M3U8_MAP)
			continue;
		if (m3u8_resolve(path, u->uri, abs, sizeof(abs)) != 0)
			continue;
		q = strchr(abs, '?');
		if (q)
			abs[q - abs] = '\0';
		rc = cache_key_make(abs, q ? q + 1 : NULL, &f->cfg->cache_key_ignore, key,
		    sizeof(key));
		if (rc != 0)
			continue;
		cache_lock(f->cache);
		o = cache_find(f->cache, key);
		if (o == NULL && (o = cache_insert(f->cache, key, key, NULL)) != NULL) {
			o->is_prefetch = true;
			cache_unlock(f->cache);
			EMETRIC_ADD(prefetches, 1);
			fetch_submit(f, o);   /* hands over cache_insert's reference */
			kept++;
			continue;
		}
		cache_unlock(f->cache);
	}
	if (kept)
		log_debug("prefetch: %zu object(s) for %s", kept, path);
out:
	m3u8_info_fini(&info);
}

static enum cobj_fail
classify(CURLcode rc, const struct job *j, enum up_err *kind)
{
	if (j->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		*kind = UPERR_TOO_LARGE;
		return COBJ_FAIL_TOO_LARGE;
	}
	if (j->failover) {
		*kind = UPERR_5XX;
		return COBJ_FAIL_5XX;
	}
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_SSL_CONNECT_ERROR:
		*kind = UPERR_CONNECT;
		return COBJ_FAIL_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		*kind = UPERR_TIMEOUT;
		return COBJ_FAIL_TIMEOUT;
	default:
		*kind = UPERR_OTHER;
		return COBJ_FAIL_OTHER;
	}
}

static void
health_done(struct fetcher *f, struct job *j, CURLcode rc)
{
	long code = 0;

	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK && code >= 200 && code < 300)
		upstream_mark(f->ups, j->health_idx, true, NULL);
	else {
		char why[CURL_ERROR_SIZE + 32];
		if (rc == CURLE_OK)
			snprintf(why, sizeof(why), "health check answered %ld", code);
		else
			snprintf(why, sizeof(why), "health check: %s",
			    j->errbuf[0] ? j->errbuf : curl_easy_strerror(rc));
		upstream_mark(f->ups, j->health_idx, false, why);
	}
	f->health_busy[j->health_idx] = false;
	job_free(f, j);
}

static void
job_done(struct fetcher *f, struct job *j, CURLcode rc)
{
	struct cobj *o = j->o;
	enum up_err kind;
	enum cobj_fail fk;

	if (j->is_health) {
		health_done(f, j, rc);
		return;
	}
	if (rc == CURLE_OK && j->not_modified && o->prev) {
		struct cobj *prev = o->prev;
		struct cache_control cc;
		int64_t now = cache_now_ms();

		/* RFC 9111 4.3.4: the 304 freshens the stored response. */
		cache_lock(f->cache);
		if (j->rh.cc[0])
			snprintf(prev->cache_control, sizeof(prev->cache_control), "%s", j->rh.cc);
		if (j->rh.etag[0])
			snprintf(prev->etag, sizeof(prev->etag), "%s", j->rh.etag);
		prev->upstream_age_s = j->rh.age_s;
		cache_control_parse(prev->cache_control, strlen(prev->cache_control), &cc);
		prev->fetched_ms = now;
		prev->fresh_until_ms = freshness_ms(f->cfg, prev, &cc, now);
		prev->last_fail_ms = 0;
		if (prev->is_playlist && j->rh.access >= 0) {
			/* A playlist unchanged still tells the current mode. */
			prev->access = j->rh.access;
			edge_access_learn(f->access, j->rh.stream, j->rh.customer,
			    (enum play_access)j->rh.access);
		}
		if (o->linked)
			cache_relink(f->cache, prev);
		cache_unlink(f->cache, o);
		cobj_set_state(f->cache, o, COBJ_SUPERSEDED);
		cache_unlock(f->cache);
		EMETRIC_ADD(revalidated, 1);
		job_free(f, j);
		return;
	}
	if (rc == CURLE_OK && j->published) {
		if (o->status >= 400)
			EMETRIC_ADD(upstream_errors[UPERR_4XX], 1);
		cache_lock(f->cache);
		cobj_set_state(f->cache, o, COBJ_COMPLETE);
		cache_unlock(f->cache);
		if (o->is_playlist && o->status == 200)
			prefetch_from(f, o);
		job_free(f, j);   /* drops the job's reference: o may be evictable now */
		cache_lock(f->cache);
		cache_enforce_budget(f->cache);
		cache_unlock(f->cache);
		return;
	}
	fk = classify(rc, j, &kind);
	if (rc == CURLE_OK)  /* no usable header block (e.g. 304 unasked) */
		fk = COBJ_FAIL_OTHER, kind = UPERR_OTHER;
	EMETRIC_ADD(upstream_errors[kind], 1);
	if (!j->published && (fk == COBJ_FAIL_CONNECT || fk == COBJ_FAIL_TIMEOUT ||
	    fk == COBJ_FAIL_5XX)) {
		char why[CURL_ERROR_SIZE + 32];
		if (fk == COBJ_FAIL_5XX)
			snprintf(why, sizeof(why), "answered %d", j->rh.status);
		else
			snprintf(why, sizeof(why), "%s", j->errbuf[0] ? j->errbuf :
			    curl_easy_strerror(rc));
		upstream_mark(f->ups, j->up_idx, false, why);
		if (j->tries < f->ups->n) {
			j->up_idx = (j->up_idx + 1) % f->ups->n;
			EMETRIC_ADD(failovers, 1);
			log_info("fetch %s: failing over to %s", o->upath, f->ups->u[j->up_idx].base);
			start_attempt(f, j);
			return;
		}
	}
	log_warnx("fetch %s failed: %s", o->upath,
	    fk == COBJ_FAIL_5XX ? "every upstream answered 5xx" :
	    fk == COBJ_FAIL_TOO_LARGE ? "larger than object_max_bytes" :
	    j->errbuf[0] ? j->errbuf : curl_easy_strerror(rc));
	job_fail(f, j, fk);
	job_free(f, j);
}

static void
start_health_checks(struct fetcher *f)
{
	char url[UPSTREAM_URL_MAX + 256];

	for (size_t i = 0; i < f->ups->n; i++) {
		struct job *j;
		long to = (long)f->cfg->health_interval_ms;

		if (f->health_busy[i] || (j = job_new(f, NULL)) == NULL)
			continue;
		j->is_health = true;
		j->health_idx = i;
		snprintf(url, sizeof(url), "%s%s", f->ups->u[i].base, f->cfg->health_path);
		if (to < f->cfg->connect_timeout_ms)
			to = (long)f->cfg->connect_timeout_ms;
		j->easy = easy_new(f, j, url, to);
		if (j->easy == NULL || curl_multi_add_handle(f->multi, j->easy) != CURLM_OK) {
			job_free(f, j);
			continue;
		}
		f->health_busy[i] = true;
		active_add(f, j);
	}
}

/* ---- the thread ------------------------------------------------------------ */

static void
start_job(struct fetcher *f, struct job *j)
{
	j->up_idx = upstream_first(f->ups);
	active_add(f, j);
	start_attempt(f, j);
	if (j->easy == NULL) {
		job_fail(f, j, COBJ_FAIL_OTHER);
		job_free(f, j);
	}
}

static void *
fetch_main(void *arg)
{
	struct fetcher *f = arg;
	struct job *q;
	CURLMsg *msg;
	int running, left;

	log_ctx_set("fetch");
	for (;;) {
		int64_t now;

		pthread_mutex_lock(&f->qlock);
		q = f->queue;
		f->queue = NULL;
		bool stop = f->stop;
		pthread_mutex_unlock(&f->qlock);
		/* Newest first in the queue: start in submission order. */
		struct job *rev = NULL;
		while (q) {
			struct job *next = q->next;
			q->next = rev;
			rev = q;
			q = next;
		}
		for (q = rev; q;) {
			struct job *next = q->next;
			if (stop) {
				job_fail(f, q, COBJ_FAIL_OTHER);
				job_free(f, q);
			} else {
				start_job(f, q);
			}
			q = next;
		}
		if (stop)
			break;
		curl_multi_perform(f->multi, &running);
		while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
			struct job *j = NULL;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
			if (j == NULL || j->magic != JOB_MAGIC)
				continue;
			job_done(f, j, msg->data.result);
		}
		now = cache_now_ms();
		if (now >= f->next_maintain_ms) {
			cache_lock(f->cache);
			cache_maintain(f->cache, now);
			cache_unlock(f->cache);
			f->next_maintain_ms = now + MAINTAIN_EVERY_MS;
		}
		if (now >= f->next_health_ms) {
			start_health_checks(f);
			f->next_health_ms = now + f->cfg->health_interval_ms;
		}
		curl_multi_poll(f->multi, NULL, 0, MAINTAIN_EVERY_MS, NULL);
	}
	/* Stopping: fail what is in flight so every waiter wakes. */
	while (f->active) {
		struct job *j = f->active;
		if (!j->is_health)
			job_fail(f, j, COBJ_FAIL_OTHER);
		job_free(f, j);
	}
	return NULL;
}

struct fetcher *
fetch_start(const struct edge_cfg *cfg, struct upstream_set *ups, struct cache *cache,
    struct edge_access *access)
{
	struct fetcher *f = xcalloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->access = access;
	f->cfg = cfg;
	f->ups = ups;
	f->cache = cache;
	pthread_mutex_init(&f->qlock, NULL);
	f->multi = curl_multi_init();
	if (f->multi == NULL) {
		log_errx("fetch: curl_multi_init failed");
		free(f);
		return NULL;
	}
	curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)cfg->upstream_max_connections);
	if (pthread_create(&f->thread, NULL, fetch_main, f) != 0) {
		log_errx("fetch: cannot start the fetch thread");
		curl_multi_cleanup(f->multi);
		free(f);
		return NULL;
	}
	f->started = true;
	return f;
}

void
fetch_submit(struct fetcher *f, struct cobj *o)
{
	struct job *j = job_new(f, o);
	bool stopped;

	if (j == NULL) {
		/* The object stays PENDING; its waiters time out (504). */
		cobj_unref(f->cache, o);
		return;
	}
	pthread_mutex_lock(&f->qlock);
	stopped = f->stop;
	if (!stopped) {
		j->next = f->queue;
		f->queue = j;
	}
	pthread_mutex_unlock(&f->qlock);
	if (stopped) {
		free(j);
		cobj_unref(f->cache, o);
		return;
	}
	curl_multi_wakeup(f->multi);
}

void
fetch_stop(struct fetcher *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->qlock);
	f->stop = true;
	pthread_mutex_unlock(&f->qlock);
	curl_multi_wakeup(f->multi);
	if (f->started)
		pthread_join(f->thread, NULL);
	f->started = false;
}

void
fetch_free(struct fetcher *f)
{
	if (f == NULL)
		return;
	fetch_stop(f);
	/* Jobs submitted after the stop were refused in fetch_submit. */
	curl_multi_cleanup(f->multi);
	pthread_mutex_destroy(&f->qlock);
	free(f);
}
