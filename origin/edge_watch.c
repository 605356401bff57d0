/*
 * edge_watch: see edge_watch.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "clock.h"
#include "ctl_client.h"
#include "edge_watch.h"
#include "json_read.h"
#include "log.h"
#include "prom_text.h"
#include "xalloc.h"

#define HTTP_TIMEOUT_MS 2000
#define CTL_TIMEOUT_MS 2000
#define BODY_MAX (1u << 20)

/* What one poll saw. */
struct edge_snap {
	bool polled;              /* at least one poll done */
	int64_t polled_ms;        /* wall clock of the last poll */
	bool reachable;           /* /healthz answered */
	long health_code;         /* its HTTP status */
	char health[24];          /* "ok", "draining", "no_upstream", "unreachable", ... */
	char error[160];          /* why unreachable */
	bool draining;            /* the edge's own view (drain file) */
	bool have_metrics;
	double req[5];            /* hit, miss, collapsed, stale, error */
	double bytes_out, cache_bytes;
	bool ann_configured, ann_reachable, ann_healthy, ann_draining, ann_announced;
	char ann_phase[24];
	unsigned ann_peers, ann_peers_up;
	char ann_error[160];
};

struct edge {
	struct edge_def def;
	struct edge_snap snap;    /* under w->lock */
};

struct edge_watch {
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop, poll_now;
	int64_t interval_ms;
	struct edge *e;
	size_t n;
};

static const char *const req_labels[5] = { "hit", "miss", "collapsed", "stale", "error" };

int
edge_def_parse(const char *value, struct edge_def *out, char *err, size_t errlen)
{
	char name[128] = "", url[512] = "", sock[256] = "", extra[8] = "";
	int n;
	size_t ul;

	memset(out, 0, sizeof(*out));
	n = sscanf(value, "%127s %511s %255s %7s", name, url, sock, extra);
	if (n < 2 || n > 3) {
		snprintf(err, errlen, "edge: want \"NAME URL [ANNOUNCE_SOCKET]\", got \"%.80s\"",
		    value);
		return -EINVAL;
	}
	if (strlen(name) > EDGE_NAME_MAX || name[strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._-")] != '\0') {
		snprintf(err, errlen, "edge %.80s: a name is 1-%d of [A-Za-z0-9._-]", name,
		    EDGE_NAME_MAX);
		return -EINVAL;
	}
	ul = strlen(url);
	while (ul > 0 && url[ul - 1] == '/')
		url[--ul] = '\0';
	if ((strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
	    ul >= sizeof(out->url) || strlen(url) <= (url[4] == 's' ? 8u : 7u) ||
	    strpbrk(url, "?#\"'<> \\") != NULL || url[strcspn(url, "\x01\x02\x03\x04\x05\x06"
	    "\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19"
	    "\x1a\x1b\x1c\x1d\x1e\x1f\x7f")] != '\0') {
		snprintf(err, errlen, "edge %s: URL must be http(s)://host[:port], got \"%.80s\"",
		    name, url);
		return -EINVAL;
	}
	if (n == 3 && (sock[0] != '/' || strlen(sock) >= sizeof(out->socket))) {
		snprintf(err, errlen, "edge %s: the announce socket is an absolute path of at "
		    "most %zu bytes", name, sizeof(out->socket) - 1);
		return -EINVAL;
	}
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(out->url, sizeof(out->url), "%s", url);
	if (n == 3)
		snprintf(out->socket, sizeof(out->socket), "%s", sock);
	return 0;
}

/* ---- polling ----------------------------------------------------------------- */

static size_t
body_sink(char *p, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;

	if (buf_append(b, p, size * nmemb) != 0)
		return 0;   /* too large: the transfer fails */
	return size * nmemb;
}

/* GET url into b. Returns the HTTP status, or -1 with err filled. */
static long
http_get(CURL *c, const char *url, struct buf *b, char *err, size_t errlen)
{
	char ebuf[CURL_ERROR_SIZE] = "";
	long code = -1;
	CURLcode cc;

	buf_reset(b);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)HTTP_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)HTTP_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "cdn-origin/" PACKAGE_VERSION " edge-watch");
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		snprintf(err, errlen, "%s", ebuf[0] ? ebuf : curl_easy_strerror(cc));
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

static void
poll_health(CURL *c, const struct edge_def *d, struct buf *b, struct edge_snap *s)
{
	char url[300];
	struct jv doc = { 0 };
	const char *st;

	snprintf(url, sizeof(url), "%s/healthz", d->url);
	s->health_code = http_get(c, url, b, s->error, sizeof(s->error));
	if (s->health_code < 0) {
		snprintf(s->health, sizeof(s->health), "unreachable");
		return;
	}
	s->reachable = true;
	if (json_read_parse(&doc, b->data, b->len, NULL) == 0 &&
	    (st = jv_str(&doc, "status")) != NULL && strlen(st) < sizeof(s->health)) {
		const struct jv *dr = jv_get(&doc, "draining");
		snprintf(s->health, sizeof(s->health), "%s", st);
		s->draining = dr && dr->t == JV_BOOL && dr->b;
	} else {
		snprintf(s->health, sizeof(s->health), "bad_reply");
		snprintf(s->error, sizeof(s->error), "/healthz answered %ld without its JSON",
		    s->health_code);
	}
	jv_fini(&doc);
}

static void
poll_metrics(CURL *c, const struct edge_def *d, struct buf *b, struct edge_snap *s)
{
	char url[300], series[96], e[160];
	const char *t;
	bool ok = true;

	snprintf(url, sizeof(url), "%s/metrics", d->url);
	if (http_get(c, url, b, e, sizeof(e)) != 200)
		return;
	t = (const char *)b->data;
	for (int i = 0; i < 5; i++) {
		snprintf(series, sizeof(series), "cdn_edge_requests_total{cache=\"%s\"}",
		    req_labels[i]);
		ok &= prom_text_find(t, b->len, series, &s->req[i]) == 0;
	}
	ok &= prom_text_find(t, b->len, "cdn_edge_bytes_out_total", &s->bytes_out) == 0;
	ok &= prom_text_find(t, b->len, "cdn_edge_cache_bytes", &s->cache_bytes) == 0;
	s->have_metrics = ok;
}

static void
poll_announce(const struct edge_def *d, struct buf *b, struct edge_snap *s)
{
	struct jv doc = { 0 };
	const struct jv *v, *peers;
	const char *ph;

	if (!d->socket[0])
		return;
	s->ann_configured = true;
	buf_reset(b);
	if (ctl_exchange(d->socket, "status\n", b, CTL_TIMEOUT_MS, s->ann_error,
	    sizeof(s->ann_error)) != 0)
		return;
	if (json_read_parse(&doc, b->data, b->len, NULL) != 0 || doc.t != JV_OBJ) {
		snprintf(s->ann_error, sizeof(s->ann_error), "the announcer's status is not JSON");
		goto out;
	}
	s->ann_reachable = true;
	s->ann_healthy = (v = jv_get(&doc, "healthy")) && v->t == JV_BOOL && v->b;
	s->ann_draining = (v = jv_get(&doc, "draining")) && v->t == JV_BOOL && v->b;
	s->ann_announced = (v = jv_get(&doc, "announced")) && v->t == JV_BOOL && v->b;
	if ((ph = jv_str(&doc, "drain_phase")) && strlen(ph) < sizeof(s->ann_phase))
		snprintf(s->ann_phase, sizeof(s->ann_phase), "%s", ph);
	if ((peers = jv_get(&doc, "peers")) && peers->t == JV_ARR) {
		for (size_t i = 0; i < peers->n; i++) {
			const char *st = jv_str(&peers->kid[i], "state");
			s->ann_peers++;
			s->ann_peers_up += st && strcmp(st, "Established") == 0;
		}
	}
out:
	jv_fini(&doc);
}

static void *
poll_thread(void *arg)
{
	struct edge_watch *w = arg;
	struct buf b;
	CURL *c = curl_easy_init();

	buf_init(&b, BODY_MAX);
	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		pthread_mutex_unlock(&w->lock);
		for (size_t i = 0; i < w->n && c; i++) {
			struct edge_snap s = { 0 };
			poll_health(c, &w->e[i].def, &b, &s);
			if (s.reachable)
				poll_metrics(c, &w->e[i].def, &b, &s);
			poll_announce(&w->e[i].def, &b, &s);
			s.polled = true;
			s.polled_ms = clock_wall_ms();
			pthread_mutex_lock(&w->lock);
			w->e[i].snap = s;
			pthread_mutex_unlock(&w->lock);
		}
		pthread_mutex_lock(&w->lock);
		if (!w->stop && !w->poll_now) {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += w->interval_ms / 1000;
			ts.tv_nsec += (w->interval_ms % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&w->wake, &w->lock, &ts);
		}
		w->poll_now = false;
	}
	pthread_mutex_unlock(&w->lock);
	buf_fini(&b);
	if (c)
		curl_easy_cleanup(c);
	return NULL;
}

struct edge_watch *
edge_watch_start(const struct conf_list *edges, int64_t interval_ms, char *err, size_t errlen)
{
	struct edge_watch *w = xcalloc(1, sizeof(*w));
	pthread_condattr_t ca;

	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->interval_ms = interval_ms > 0 ? interval_ms : 2000;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (edges && edges->n) {
		if ((w->e = xcalloc(edges->n, sizeof(*w->e))) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		for (size_t i = 0; i < edges->n; i++) {
			if (edge_def_parse(edges->v[i], &w->e[i].def, err, errlen) != 0)
				goto fail;
			for (size_t k = 0; k < i; k++)
				if (strcmp(w->e[k].def.name, w->e[i].def.name) == 0) {
					snprintf(err, errlen, "edge %s: named twice", w->e[i].def.name);
					goto fail;
				}
			w->n++;
		}
		if (pthread_create(&w->thread, NULL, poll_thread, w) != 0) {
			snprintf(err, errlen, "cannot start the edge watcher thread");
			goto fail;
		}
		w->running = true;
	}
	return w;
fail:
	free(w->e);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return NULL;
}

void
edge_watch_stop(struct edge_watch *w)
{
	if (w == NULL)
		return;
	if (w->running) {
		pthread_mutex_lock(&w->lock);
		w->stop = true;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	free(w->e);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

void
edge_watch_render(struct edge_watch *w, struct json *j)
{
	json_arr_begin(j);
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->n; i++) {
		const struct edge_def *d = &w->e[i].def;
		const struct edge_snap *s = &w->e[i].snap;
		double served = s->req[0] + s->req[1] + s->req[2] + s->req[3];

		json_obj_begin(j);
		json_key(j, "name");
		json_str(j, d->name);
		json_key(j, "url");
		json_str(j, d->url);
		json_key(j, "polled_at");
		if (s->polled)
			json_int(j, s->polled_ms / 1000);
		else
			json_null(j);
		json_key(j, "health");
		json_str(j, s->polled ? s->health : "unknown");
		json_key(j, "health_code");
		json_int(j, s->reachable ? s->health_code : 0);
		json_key(j, "error");
		json_str(j, s->error[0] ? s->error : NULL);
		json_key(j, "draining");
		json_bool(j, s->draining);
		json_key(j, "requests");
		json_uint(j, s->have_metrics ? (uint64_t)(served + s->req[4]) : 0);
		/* Served without an upstream fetch of their own: hits, collapsed
		 * waiters and stale answers. */
		json_key(j, "hit_ratio");
		if (s->have_metrics && served > 0)
			json_double(j, (s->req[0] + s->req[2] + s->req[3]) / served);
		else
			json_null(j);
		json_key(j, "bytes_out");
		json_uint(j, s->have_metrics ? (uint64_t)s->bytes_out : 0);
		json_key(j, "cache_bytes");
		json_uint(j, s->have_metrics ? (uint64_t)s->cache_bytes : 0);
		json_key(j, "announce");
		if (!s->ann_configured) {
			json_null(j);
		} else {
			json_obj_begin(j);
			json_key(j, "reachable");
			json_bool(j, s->ann_reachable);
			json_key(j, "error");
			json_str(j, s->ann_error[0] ? s->ann_error : NULL);
			json_key(j, "healthy");
			json_bool(j, s->ann_healthy);
			json_key(j, "draining");
			json_bool(j, s->ann_draining);
			json_key(j, "drain_phase");
			json_str(j, s->ann_phase[0] ? s->ann_phase : NULL);
			json_key(j, "announced");
			json_bool(j, s->ann_announced);
			json_key(j, "peers");
			json_uint(j, s->ann_peers);
			json_key(j, "peers_established");
			json_uint(j, s->ann_peers_up);
			json_obj_end(j);
		}
		json_obj_end(j);
	}
	pthread_mutex_unlock(&w->lock);
	json_arr_end(j);
}

int
edge_watch_drain(struct edge_watch *w, const char *name, bool drain, char *err, size_t errlen)
{
	const struct edge_def *d = NULL;
	struct buf b;
	struct jv doc = { 0 };
	const struct jv *ok;
	int rc = -EIO;

	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->e[i].def.name, name) == 0)
			d = &w->e[i].def;
	if (d == NULL) {
		snprintf(err, errlen, "no edge named %s", name);
		return -ENOENT;
	}
	if (!d->socket[0]) {
		snprintf(err, errlen, "edge %s has no announce socket configured", name);
		return -ENOTSUP;
	}
	buf_init(&b, 64 * 1024);
	if (ctl_exchange(d->socket, drain ? "drain\n" : "undrain\n", &b, CTL_TIMEOUT_MS, err,
	    errlen) != 0)
		goto out;
	if (json_read_parse(&doc, b.data, b.len, NULL) != 0 || !(ok = jv_get(&doc, "ok")) ||
	    ok->t != JV_BOOL) {
		snprintf(err, errlen, "the announcer's reply is not JSON");
		goto out;
	}
	if (!ok->b) {
		const char *e = jv_str(&doc, "error");
		snprintf(err, errlen, "the announcer refused: %.120s", e ? e : "no reason given");
		goto out;
	}
	log_info("edge %s: %s through %s", name, drain ? "drained" : "undrained", d->socket);
	rc = 0;
out:
	jv_fini(&doc);
	buf_fini(&b);
	pthread_mutex_lock(&w->lock);
	w->poll_now = true;   /* show the new state at once */
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return rc;
}
