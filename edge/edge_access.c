/*
 * edge_access: playback secrets and stream access modes at the edge; see
 * edge_access.h.
 *
 * Design: the refresh thread sleeps on a condition variable (monotonic
 * clock) until the next periodic refresh or a kick, whichever is first; a
 * kick is honoured no sooner than token_secrets_retry after the last
 * attempt. A failed refresh keeps the secrets already known (an origin
 * restart must not lock viewers out) and is retried after
 * token_secrets_retry. The mode table is a chained hash (FNV-1a) of at
 * most EDGE_ACCESS_STREAMS_MAX streams; past that, new streams fall back to
 * the mode their own objects carry.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "clock.h"
#include "edge_access.h"
#include "json_read.h"
#include "log.h"
#include "xalloc.h"

#define SECRETS_BODY_MAX (16u << 20)
#define MODE_BUCKETS 4096

struct sec_ent {
	char customer[ACCT_CUSTOMER_MAX + 1];
	char secret[PLAY_SECRETS_MAX][PLAY_SECRET_MAX + 1];
	size_t n;
};

struct mode_ent {
	struct mode_ent *next;
	char stream[ACCT_CUSTOMER_MAX + 1];
	char customer[ACCT_CUSTOMER_MAX + 1];
	enum play_access mode;
};

struct edge_access {
	const struct edge_cfg *cfg;
	const struct upstream_set *ups;

	pthread_rwlock_t sec_lock;
	struct sec_ent *sec;          /* sorted by customer */
	size_t n_sec;

	pthread_mutex_t mode_lock;
	struct mode_ent *bucket[MODE_BUCKETS];
	size_t n_modes;
	bool warned_full;

	pthread_mutex_t lock;         /* the refresh schedule */
	pthread_cond_t cond;
	bool stop, kicked;
	int64_t last_ms, next_ms;
	pthread_t thread;
	bool started;
	atomic_ulong refreshes;
	bool last_ok;
};

static int
cmp_sec(const void *a, const void *b)
{
	return strcmp(((const struct sec_ent *)a)->customer, ((const struct sec_ent *)b)->customer);
}

static uint32_t
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

void
edge_access_learn(struct edge_access *a, const char *stream, const char *customer,
    enum play_access mode)
{
	struct mode_ent *e;
	uint32_t b;

	if (a == NULL || !acct_name_ok(stream) || !acct_name_ok(customer))
		return;
	b = fnv1a(stream) % MODE_BUCKETS;
	pthread_mutex_lock(&a->mode_lock);
	for (e = a->bucket[b]; e; e = e->next)
		if (strcmp(e->stream, stream) == 0)
			break;
	if (e == NULL && a->n_modes < EDGE_ACCESS_STREAMS_MAX && (e = xcalloc(1, sizeof(*e)))) {
		snprintf(e->stream, sizeof(e->stream), "%s", stream);
		e->next = a->bucket[b];
		a->bucket[b] = e;
		a->n_modes++;
	} else if (e == NULL && !a->warned_full) {
		a->warned_full = true;
		log_warnx("access: more than %d streams seen: new ones use their objects' own mode",
		    EDGE_ACCESS_STREAMS_MAX);
	}
	if (e) {
		if (e->mode != mode && e->customer[0])
			log_info("access: stream %s is now %s", stream, play_access_name(mode));
		snprintf(e->customer, sizeof(e->customer), "%s", customer);
		e->mode = mode;
	}
	pthread_mutex_unlock(&a->mode_lock);
}

bool
edge_access_lookup(struct edge_access *a, const char *stream, enum play_access *mode,
    char *customer)
{
	struct mode_ent *e;
	bool found = false;

	if (a == NULL || stream == NULL)
		return false;
	pthread_mutex_lock(&a->mode_lock);
	for (e = a->bucket[fnv1a(stream) % MODE_BUCKETS]; e; e = e->next)
		if (strcmp(e->stream, stream) == 0) {
			*mode = e->mode;
			memcpy(customer, e->customer, sizeof(e->customer));
			found = true;
			break;
		}
	pthread_mutex_unlock(&a->mode_lock);
	return found;
}

size_t
edge_access_secrets(struct edge_access *a, const char *customer,
    char out[PLAY_SECRETS_MAX][PLAY_SECRET_MAX + 1])
{
	struct sec_ent key;
	const struct sec_ent *e;
	size_t n = 0;

	if (a == NULL || customer == NULL)
		return 0;
	snprintf(key.customer, sizeof(key.customer), "%s", customer);
	pthread_rwlock_rdlock(&a->sec_lock);
	e = a->n_sec ? bsearch(&key, a->sec, a->n_sec, sizeof(key), cmp_sec) : NULL;
	if (e) {
		n = e->n;
		memcpy(out, e->secret, sizeof(e->secret));
	}
	pthread_rwlock_unlock(&a->sec_lock);
	return n;
}

void
edge_access_kick(struct edge_access *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	if (!a->kicked) {
		a->kicked = true;
		pthread_cond_signal(&a->cond);
	}
	pthread_mutex_unlock(&a->lock);
}

unsigned long
edge_access_refreshes(struct edge_access *a)
{
	return a ? atomic_load(&a->refreshes) : 0;
}

/* ---- the refresh ------------------------------------------------------------ */

static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	return buf_append(arg, p, size * n) == 0 ? size * n : 0;
}

static bool
secret_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= PLAY_SECRET_MAX || (unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return i > 0;
}

/* Parse the origin's answer into a sorted array. 0 or -EPROTO / -ENOMEM. */
static int
parse_secrets(const struct buf *body, struct sec_ent **out, size_t *n_out)
{
	static const struct json_read_limits lim = { .max_bytes = SECRETS_BODY_MAX,
		.max_nodes = 1u << 20, .max_depth = 8 };
	const struct jv *cs;
	struct sec_ent *v = NULL;
	struct jv doc;
	size_t n = 0;
	int rc;

	if ((rc = json_read_parse(&doc, body->data, body->len, &lim)) != 0)
		return rc == -ENOMEM ? -ENOMEM : -EPROTO;
	cs = jv_get(&doc, "customers");
	rc = -EPROTO;
	if (cs == NULL || cs->t != JV_ARR)
		goto out;
	if (cs->n && (v = xcalloc(cs->n, sizeof(*v))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < cs->n; i++) {
		const struct jv *c = &cs->kid[i], *ss = jv_get(c, "secrets");
		const char *name = jv_str(c, "name");
		struct sec_ent *e = &v[n];

		if (name == NULL || !acct_name_ok(name) || ss == NULL || ss->t != JV_ARR)
			continue;   /* one odd entry does not cost the others */
		snprintf(e->customer, sizeof(e->customer), "%s", name);
		for (size_t k = 0; k < ss->n && e->n < PLAY_SECRETS_MAX; k++)
			if (ss->kid[k].t == JV_STR && secret_ok(ss->kid[k].s))
				snprintf(e->secret[e->n++], sizeof(e->secret[0]), "%s", ss->kid[k].s);
		if (e->n)
			n++;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_sec);
	*out = v;
	*n_out = n;
	v = NULL;
	rc = 0;
out:
	free(v);
	jv_fini(&doc);
	return rc;
}

/* GET url; 0 with the body, or a negative errno with why in err. */
static int
fetch(struct edge_access *a, const char *url, struct buf *body, char *err, size_t errlen)
{
	char errbuf[CURL_ERROR_SIZE] = "", auth[300];
	struct curl_slist *hdrs = NULL;
	CURL *e = curl_easy_init();
	long code = 0;
	CURLcode res;
	int rc = -EIO;

	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", a->cfg->edge_token);
	hdrs = curl_slist_append(NULL, auth);
	OPENSSL_cleanse(auth, sizeof(auth));
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)a->cfg->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)a->cfg->fetch_timeout_ms);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SECRETS_BODY_MAX);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "cdn-edge/" PACKAGE_VERSION);
	res = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	if (res != CURLE_OK)
		snprintf(err, errlen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(res));
	else if (code != 200)
		snprintf(err, errlen, "answered %ld%s", code,
		    code == 401 ? " (is accounting_token_file the origin's accounting token?)" : "");
	else
		rc = 0;
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(e);
	return rc;
}

static bool
refresh(struct edge_access *a)
{
	char url[UPSTREAM_URL_MAX + 64], err[UPSTREAM_URL_MAX + CURL_ERROR_SIZE + 160] = "no upstream";
	struct sec_ent *v = NULL, *old;
	size_t n = 0, n_old, tries;
	struct buf body;
	int rc = -EIO;

	buf_init(&body, SECRETS_BODY_MAX);
	tries = a->cfg->token_secrets_url && a->cfg->token_secrets_url[0] ? 1 : a->ups->n;
	for (size_t i = 0; i < tries && rc != 0; i++) {
		if (tries == 1 && a->cfg->token_secrets_url && a->cfg->token_secrets_url[0])
			snprintf(url, sizeof(url), "%s", a->cfg->token_secrets_url);
		else
			snprintf(url, sizeof(url), "%s/api/v1/edge/secrets", a->ups->u[i].base);
		buf_reset(&body);
		if ((rc = fetch(a, url, &body, err, sizeof(err))) != 0)
			continue;
		if ((rc = parse_secrets(&body, &v, &n)) != 0)
			snprintf(err, sizeof(err), "%s: not the expected JSON", url);
	}
	if (body.data)
		OPENSSL_cleanse(body.data, body.cap);
	buf_fini(&body);
	if (rc != 0) {
		if (a->last_ok || atomic_load(&a->refreshes) == 0)
			log_warnx("access: cannot refresh playback secrets (%s): keeping the %zu "
			    "customer(s) known", err, a->n_sec);
		a->last_ok = false;
		return false;
	}
	pthread_rwlock_wrlock(&a->sec_lock);
	old = a->sec;
	n_old = a->n_sec;
	a->sec = v;
	a->n_sec = n;
	pthread_rwlock_unlock(&a->sec_lock);
	if (old)
		OPENSSL_cleanse(old, n_old * sizeof(*old));
	free(old);
	if (!a->last_ok || n != n_old)
		log_info("access: playback secrets of %zu customer(s) loaded", n);
	a->last_ok = true;
	atomic_fetch_add(&a->refreshes, 1);
	return true;
}

static void *
refresh_main(void *arg)
{
	struct edge_access *a = arg;
	int64_t retry = a->cfg->token_secrets_retry_ms, every = a->cfg->token_secrets_refresh_ms;

	log_ctx_set("access");
	pthread_mutex_lock(&a->lock);
	while (!a->stop) {
		int64_t now = clock_mono_ms(), due = a->next_ms;
		struct timespec ts;

		if (a->kicked && a->last_ms + retry < due)
			due = a->last_ms + retry;
		if (now >= due) {
			bool ok;
			a->kicked = false;
			a->last_ms = now;
			pthread_mutex_unlock(&a->lock);
			ok = refresh(a);
			pthread_mutex_lock(&a->lock);
			a->next_ms = clock_mono_ms() + (ok ? every : retry);
			continue;
		}
		ts.tv_sec = (time_t)(due / 1000);
		ts.tv_nsec = (long)(due % 1000) * 1000000;
		pthread_cond_timedwait(&a->cond, &a->lock, &ts);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

struct edge_access *
edge_access_start(const struct edge_cfg *cfg, const struct upstream_set *ups)
{
	struct edge_access *a = xcalloc(1, sizeof(*a));
	pthread_condattr_t ca;

	if (a == NULL)
		return NULL;
	a->cfg = cfg;
	a->ups = ups;
	pthread_rwlock_init(&a->sec_lock, NULL);
	pthread_mutex_init(&a->mode_lock, NULL);
	pthread_mutex_init(&a->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (cfg->edge_token == NULL || cfg->edge_token[0] == '\0') {
		log_warnx("access: no accounting_token_file: playback secrets cannot be fetched, "
		    "so token-only streams answer 403 here");
		return a;
	}
	if (pthread_create(&a->thread, NULL, refresh_main, a) != 0) {
		log_errx("access: cannot start the secrets refresh thread");
		edge_access_stop(a);
		return NULL;
	}
	a->started = true;
	return a;
}

void
edge_access_stop(struct edge_access *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->lock);
	if (a->started)
		pthread_join(a->thread, NULL);
	for (size_t b = 0; b < MODE_BUCKETS; b++)
		while (a->bucket[b]) {
			struct mode_ent *e = a->bucket[b];
			a->bucket[b] = e->next;
			free(e);
		}
	if (a->sec)
		OPENSSL_cleanse(a->sec, a->n_sec * sizeof(*a->sec));
	free(a->sec);
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	pthread_mutex_destroy(&a->mode_lock);
	pthread_rwlock_destroy(&a->sec_lock);
	free(a);
}
