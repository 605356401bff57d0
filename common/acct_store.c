/*
 * acct_store: the accounting spool and shipper; see acct_store.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "acct.h"
#include "acct_store.h"
#include "buf.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "mkdir_p.h"
#include "xalloc.h"

#define DRAIN_MAX 1024
#define SHIP_TIMEOUT_MS 5000

static const char *const spool_schema[] = {
	"CREATE TABLE spool("
	"  node TEXT NOT NULL,"               /* several nodes may share a file (tests) */
	"  customer TEXT NOT NULL,"
	"  bucket INTEGER NOT NULL,"          /* start of the 5-minute bucket, Unix s, UTC */
	"  bytes_out INTEGER NOT NULL DEFAULT 0,"
	"  bytes_in INTEGER NOT NULL DEFAULT 0,"
	"  requests INTEGER NOT NULL DEFAULT 0,"
	"  peak_viewers INTEGER NOT NULL DEFAULT 0,"
	"  rev INTEGER NOT NULL DEFAULT 1,"   /* bumped at every change */
	"  shipped_rev INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (node, customer, bucket));"
	"CREATE INDEX spool_unshipped ON spool(bucket) WHERE rev > shipped_rev;",
	/* 2: per stream (peak viewers per stream); old rows are the customer's own. */
	"CREATE TABLE spool2("
	"  node TEXT NOT NULL,"
	"  customer TEXT NOT NULL,"
	"  stream TEXT NOT NULL DEFAULT '',"
	"  bucket INTEGER NOT NULL,"
	"  bytes_out INTEGER NOT NULL DEFAULT 0,"
	"  bytes_in INTEGER NOT NULL DEFAULT 0,"
	"  requests INTEGER NOT NULL DEFAULT 0,"
	"  peak_viewers INTEGER NOT NULL DEFAULT 0,"
	"  rev INTEGER NOT NULL DEFAULT 1,"
	"  shipped_rev INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (node, customer, stream, bucket));"
	"INSERT INTO spool2(node, customer, stream, bucket, bytes_out, bytes_in, requests, "
	"  peak_viewers, rev, shipped_rev) SELECT node, customer, '', bucket, bytes_out, bytes_in, "
	"  requests, peak_viewers, rev, shipped_rev FROM spool;"
	"DROP TABLE spool;"
	"ALTER TABLE spool2 RENAME TO spool;"
	"CREATE INDEX spool_unshipped ON spool(bucket) WHERE rev > shipped_rev;",
	/* 3: unique viewers: distinct SIDs at this node (absolute, not a sum). */
	"ALTER TABLE spool ADD COLUMN sessions INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE spool ADD COLUMN sessions_capped INTEGER NOT NULL DEFAULT 0;",
};

struct acct_store {
	struct acct_store_cfg cfg;
	char *node, *url, *token;
	sqlite3 *db;
	sqlite3_stmt *st_add, *st_pending, *st_mark, *st_count;
	CURL *curl;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond, done_cond;
	bool stop, flush_req;
	uint64_t flush_gen, flush_done;
	int last_rc;
	uint64_t unshipped;
	bool failing;                /* the last shipment failed (logged once) */
	struct acct_delta drain[DRAIN_MAX];   /* the flusher's scratch */
};

static int
flush_counters(struct acct_store *s)
{
	struct acct_delta *d = s->drain;   /* per store: two stores never share it */
	int64_t now_b = acct_bucket_now();
	size_t n;
	int rc = 0;

	do {
		n = acct_drain(now_b, d, DRAIN_MAX);
		if (n == 0)
			break;
		if (db_exec(s->db, "BEGIN IMMEDIATE") != 0) {
			acct_restore(d, n, now_b);
			return -EIO;
		}
		for (size_t i = 0; i < n && rc == 0; i++) {
			sqlite3_reset(s->st_add);
			sqlite3_bind_text(s->st_add, 1, d[i].customer, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s->st_add, 2, d[i].bucket);
			sqlite3_bind_int64(s->st_add, 3, (sqlite3_int64)d[i].bytes_out);
			sqlite3_bind_int64(s->st_add, 4, (sqlite3_int64)d[i].bytes_in);
			sqlite3_bind_int64(s->st_add, 5, (sqlite3_int64)d[i].requests);
			sqlite3_bind_int64(s->st_add, 6, (sqlite3_int64)d[i].peak_viewers);
			sqlite3_bind_text(s->st_add, 7, s->node, -1, SQLITE_STATIC);
			sqlite3_bind_text(s->st_add, 8, d[i].stream, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s->st_add, 9, (sqlite3_int64)d[i].sessions);
			sqlite3_bind_int(s->st_add, 10, d[i].sessions_capped);
			if (sqlite3_step(s->st_add) != SQLITE_DONE) {
				log_warnx("accounting: cannot write the spool: %s", sqlite3_errmsg(s->db));
				rc = -EIO;
			}
		}
		if (rc != 0 || db_exec(s->db, "COMMIT") != 0) {
			db_exec(s->db, "ROLLBACK");
			acct_restore(d, n, now_b);   /* nothing lost: next flush tries again */
			return -EIO;
		}
	} while (n == DRAIN_MAX);
	return rc;
}

static size_t
on_reply(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;   /* the body is not needed: the status says it all */
}

/* Ship one batch. Returns rows shipped, 0 when nothing was pending, -1 on failure. */
static int
ship_batch(struct acct_store *s)
{
	struct buf body;
	struct json j;
	struct curl_slist *h = NULL;
	char auth[600];
	long code = 0;
	int n = 0, rc = -1;
	struct row {
		char customer[ACCT_CUSTOMER_MAX + 1];
		char stream[ACCT_CUSTOMER_MAX + 1];
		int64_t bucket, rev;
	} *rows = NULL;

	rows = xcalloc((size_t)s->cfg.batch, sizeof(*rows));
	if (rows == NULL)
		return -1;
	buf_init(&body, 16u << 20);
	json_init(&j, &body);
	json_obj_begin(&j);
	json_key(&j, "node");
	json_str(&j, s->node);
	json_key(&j, "buckets");
	json_arr_begin(&j);
	sqlite3_reset(s->st_pending);
	sqlite3_bind_int(s->st_pending, 1, s->cfg.batch);
	sqlite3_bind_text(s->st_pending, 2, s->node, -1, SQLITE_STATIC);
	while (sqlite3_step(s->st_pending) == SQLITE_ROW && n < s->cfg.batch) {
		const char *cust = (const char *)sqlite3_column_text(s->st_pending, 0);
		snprintf(rows[n].customer, sizeof(rows[n].customer), "%s", cust ? cust : "");
		rows[n].bucket = sqlite3_column_int64(s->st_pending, 1);
		rows[n].rev = sqlite3_column_int64(s->st_pending, 6);
		{
			const char *st = (const char *)sqlite3_column_text(s->st_pending, 7);
			snprintf(rows[n].stream, sizeof(rows[n].stream), "%s", st ? st : "");
		}
		json_obj_begin(&j);
		json_key(&j, "customer");
		json_str(&j, rows[n].customer);
		json_key(&j, "stream");
		json_str(&j, rows[n].stream);
		json_key(&j, "bucket");
		json_int(&j, rows[n].bucket);
		json_key(&j, "bytes_out");
		json_int(&j, sqlite3_column_int64(s->st_pending, 2));
		json_key(&j, "bytes_in");
		json_int(&j, sqlite3_column_int64(s->st_pending, 3));
		json_key(&j, "requests");
		json_int(&j, sqlite3_column_int64(s->st_pending, 4));
		json_key(&j, "peak_viewers");
		json_int(&j, sqlite3_column_int64(s->st_pending, 5));
		json_key(&j, "sessions");
		json_int(&j, sqlite3_column_int64(s->st_pending, 8));
		if (sqlite3_column_int(s->st_pending, 9)) {
			json_key(&j, "sessions_capped");
			json_int(&j, 1);
		}
		json_obj_end(&j);
		n++;
	}
	json_arr_end(&j);
	json_obj_end(&j);
	if (n == 0) {
		rc = 0;
		goto out;
	}
	if (body.err)
		goto out;
	curl_easy_reset(s->curl);
	curl_easy_setopt(s->curl, CURLOPT_URL, s->url);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, (long)SHIP_TIMEOUT_MS);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, (const char *)body.data);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE, (long)body.len);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_reply);
	h = curl_slist_append(h, "Content-Type: application/json");
	if (s->token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", s->token);
		h = curl_slist_append(h, auth);
	}
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, h);
	{
		CURLcode cr = curl_easy_perform(s->curl);
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
		if (cr != CURLE_OK || code < 200 || code > 299) {
			/* Once per outage, not once per interval. */
			if (!s->failing)
				log_warnx("accounting: cannot ship %d bucket(s) to %s: %s (kept in the "
				    "spool, retried every interval)", n, s->url, cr != CURLE_OK ?
				    curl_easy_strerror(cr) : code == 401 ? "HTTP 401: wrong accounting "
				    "token?" : "the origin refused them");
			s->failing = true;
			goto out;
		}
		if (s->failing)
			log_info("accounting: shipping to %s again", s->url);
		s->failing = false;
	}
	db_exec(s->db, "BEGIN");
	for (int i = 0; i < n; i++) {
		/* Only if unchanged since it was read: newer bytes go next time. */
		sqlite3_reset(s->st_mark);
		sqlite3_bind_text(s->st_mark, 1, rows[i].customer, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s->st_mark, 2, rows[i].bucket);
		sqlite3_bind_int64(s->st_mark, 3, rows[i].rev);
		sqlite3_bind_text(s->st_mark, 4, s->node, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->st_mark, 5, rows[i].stream, -1, SQLITE_STATIC);
		sqlite3_step(s->st_mark);
	}
	db_exec(s->db, "COMMIT");
	rc = n;
out:
	curl_slist_free_all(h);
	buf_fini(&body);
	free(rows);
	return rc;
}

static int
ship_all(struct acct_store *s)
{
	int n, rounds = 0;

	if (s->url == NULL)
		return 0;
	/* Bounded: at most 100 batches per interval; the rest goes next time. */
	while (rounds++ < 100 && (n = ship_batch(s)) == s->cfg.batch)
		;
	return 0;
}

static void
count_unshipped(struct acct_store *s)
{
	sqlite3_reset(s->st_count);
	sqlite3_bind_text(s->st_count, 1, s->node, -1, SQLITE_STATIC);
	if (sqlite3_step(s->st_count) == SQLITE_ROW)
		s->unshipped = (uint64_t)sqlite3_column_int64(s->st_count, 0);
}

static void
one_round(struct acct_store *s)
{
	s->last_rc = flush_counters(s);
	ship_all(s);
	count_unshipped(s);
}

static void *
store_main(void *arg)
{
	struct acct_store *s = arg;

	log_ctx_set("accounting");
	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct timespec until;
		uint64_t gen;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += s->cfg.flush_ms / 1000;
		until.tv_nsec += (s->cfg.flush_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		while (!s->stop && !s->flush_req &&
		    pthread_cond_timedwait(&s->cond, &s->lock, &until) == 0)
			;
		gen = s->flush_gen;
		s->flush_req = false;
		pthread_mutex_unlock(&s->lock);
		one_round(s);
		pthread_mutex_lock(&s->lock);
		s->flush_done = gen;
		pthread_cond_broadcast(&s->done_cond);
		if (s->stop)
			break;
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

struct acct_store *
acct_store_start(const struct acct_store_cfg *cfg)
{
	struct acct_store *s = xcalloc(1, sizeof(*s));
	pthread_condattr_t ca;

	if (s == NULL)
		return NULL;
	s->cfg = *cfg;
	if (s->cfg.batch <= 0)
		s->cfg.batch = 500;
	if (s->cfg.flush_ms <= 0)
		s->cfg.flush_ms = 10000;
	s->node = xstrdup(cfg->node);
	s->url = cfg->ship_url && cfg->ship_url[0] ? xstrdup(cfg->ship_url) : NULL;
	s->token = cfg->ship_token && cfg->ship_token[0] ? xstrdup(cfg->ship_token) : NULL;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&s->done_cond, NULL);
	mkdir_parent(cfg->db_path);   /* a fresh host has no /var/lib/cdn */
	if ((s->db = db_open(cfg->db_path)) == NULL ||
	    db_migrate(s->db, spool_schema, 3) != 0 ||
	    (s->st_add = db_prepare(s->db,
	    "INSERT INTO spool(customer, bucket, bytes_out, bytes_in, requests, peak_viewers, node, "
	    "stream, sessions, sessions_capped) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
	    "ON CONFLICT(node, customer, stream, bucket) DO UPDATE SET "
	    "bytes_out = bytes_out + excluded.bytes_out, bytes_in = bytes_in + excluded.bytes_in, "
	    "requests = requests + excluded.requests, "
	    "peak_viewers = max(peak_viewers, excluded.peak_viewers), "
	    /* a set's size so far, not a delta: the larger is the newer */
	    "sessions = max(sessions, excluded.sessions), "
	    "sessions_capped = max(sessions_capped, excluded.sessions_capped), rev = rev + 1")) == NULL ||
	    (s->st_pending = db_prepare(s->db,
	    "SELECT customer, bucket, bytes_out, bytes_in, requests, peak_viewers, rev, stream, "
	    "sessions, sessions_capped "
	    "FROM spool WHERE node = ?2 AND rev > shipped_rev ORDER BY bucket LIMIT ?1")) == NULL ||
	    (s->st_mark = db_prepare(s->db,
	    "UPDATE spool SET shipped_rev = rev WHERE customer = ?1 AND bucket = ?2 AND rev = ?3 "
	    "AND node = ?4 AND stream = ?5")) ==
	    NULL ||
	    (s->st_count = db_prepare(s->db, "SELECT count(*) FROM spool WHERE node = ?1 AND rev > shipped_rev")) ==
	    NULL ||
	    (s->curl = curl_easy_init()) == NULL) {
		log_errx("accounting: cannot open the spool %s", cfg->db_path);
		acct_store_stop(s);
		return NULL;
	}
	count_unshipped(s);
	if (s->unshipped)
		log_info("accounting: %llu spooled bucket(s) not yet shipped: shipping",
		    (unsigned long long)s->unshipped);
	if (pthread_create(&s->thread, NULL, store_main, s) != 0) {
		log_errx("accounting: cannot start the flusher");
		acct_store_stop(s);
		return NULL;
	}
	s->started = true;
	return s;
}

int
acct_store_flush(struct acct_store *s)
{
	uint64_t gen;

	if (s == NULL)
		return 0;
	pthread_mutex_lock(&s->lock);
	gen = ++s->flush_gen;
	s->flush_req = true;
	pthread_cond_signal(&s->cond);
	while (s->started && s->flush_done < gen && !s->stop)
		pthread_cond_wait(&s->done_cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	return s->last_rc;
}

uint64_t
acct_store_unshipped(struct acct_store *s)
{
	return s ? s->unshipped : 0;
}

void
acct_store_stop(struct acct_store *s)
{
	if (s == NULL)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->lock);
		s->stop = true;
		pthread_cond_signal(&s->cond);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->thread, NULL);   /* its last round flushes and ships */
	}
	sqlite3_finalize(s->st_add);
	sqlite3_finalize(s->st_pending);
	sqlite3_finalize(s->st_mark);
	sqlite3_finalize(s->st_count);
	db_close(s->db);
	if (s->curl)
		curl_easy_cleanup(s->curl);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	pthread_cond_destroy(&s->done_cond);
	free(s->node);
	free(s->url);
	free(s->token);
	free(s);
}
