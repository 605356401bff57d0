/*
 * acct_api: the origin's accounting API; see acct_api.h.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "acct.h"
#include "acct_api.h"
#include "db.h"
#include "json.h"
#include "json_read.h"
#include "log.h"
#include "p95.h"
#include "xalloc.h"

#define FUTURE_SLACK_S 3600          /* a node's clock may be this far ahead */
#define MAX_PERIOD_S (400LL * 86400) /* a report covers at most ~13 months */
#define SHIP_MAX_ROWS 5000

static const char *const acct_schema[] = {
	"CREATE TABLE acct("
	"  node TEXT NOT NULL,"
	"  customer TEXT NOT NULL,"
	"  bucket INTEGER NOT NULL,"
	"  bytes_out INTEGER NOT NULL,"
	"  bytes_in INTEGER NOT NULL,"
	"  requests INTEGER NOT NULL,"
	"  peak_viewers INTEGER NOT NULL,"
	"  received_at INTEGER NOT NULL,"
	"  PRIMARY KEY (customer, bucket, node));",
	/* 2: per stream (peak viewers per stream); old rows are the customer's own. */
	"CREATE TABLE acct2("
	"  node TEXT NOT NULL,"
	"  customer TEXT NOT NULL,"
	"  stream TEXT NOT NULL DEFAULT '',"
	"  bucket INTEGER NOT NULL,"
	"  bytes_out INTEGER NOT NULL,"
	"  bytes_in INTEGER NOT NULL,"
	"  requests INTEGER NOT NULL,"
	"  peak_viewers INTEGER NOT NULL,"
	"  received_at INTEGER NOT NULL,"
	"  PRIMARY KEY (customer, bucket, node, stream));"
	"INSERT INTO acct2 SELECT node, customer, '', bucket, bytes_out, bytes_in, requests, "
	"  peak_viewers, received_at FROM acct;"
	"DROP TABLE acct;"
	"ALTER TABLE acct2 RENAME TO acct;",
	/* 3: unique viewers: distinct SIDs per node (docs/accounting.md). */
	"ALTER TABLE acct ADD COLUMN sessions INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE acct ADD COLUMN sessions_capped INTEGER NOT NULL DEFAULT 0;",
};

struct acct_api {
	pthread_mutex_t lock;
	sqlite3 *db;
	sqlite3_stmt *st_put, *st_series, *st_customers, *st_streams;
	char *acct_token, *admin_token;
};

bool
acct_api_is_edge(const struct acct_api *a, const char *presented)
{
	size_t n = strlen(a->acct_token);

	return n > 0 && presented && strlen(presented) == n &&
	    CRYPTO_memcmp(presented, a->acct_token, n) == 0;
}

bool
acct_api_owns(const char *path)
{
	return strcmp(path, "/api/v1/accounting") == 0 || strcmp(path, "/api/v1/report") == 0;
}

struct acct_api *
acct_api_open(const char *db_path, const char *acct_token, const char *admin_token)
{
	struct acct_api *a = xcalloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	pthread_mutex_init(&a->lock, NULL);
	a->acct_token = xstrdup(acct_token ? acct_token : "");
	a->admin_token = xstrdup(admin_token ? admin_token : "");
	/* The accounting tables have their own schema version: their own file. */
	if ((a->db = db_open(db_path)) == NULL || db_migrate(a->db, acct_schema, 3) != 0 ||
	    (a->st_put = db_prepare(a->db,
	    "INSERT INTO acct(node, customer, bucket, bytes_out, bytes_in, requests, peak_viewers, "
	    "received_at, stream, sessions, sessions_capped) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
	    "ON CONFLICT(customer, bucket, node, stream) DO UPDATE SET bytes_out = excluded.bytes_out, bytes_in = excluded.bytes_in, "
	    "requests = excluded.requests, peak_viewers = excluded.peak_viewers, "
	    "received_at = excluded.received_at, sessions = excluded.sessions, "
	    "sessions_capped = excluded.sessions_capped")) == NULL ||
	    (a->st_series = db_prepare(a->db,
	    "SELECT bucket, sum(bytes_out), sum(bytes_in), sum(requests), sum(peak_viewers), "
	    "sum(sessions), max(sessions_capped) "
	    "FROM acct WHERE customer = ?1 AND bucket >= ?2 AND bucket < ?3 "
	    "GROUP BY bucket ORDER BY bucket")) == NULL ||
	    (a->st_customers = db_prepare(a->db,
	    "SELECT DISTINCT customer FROM acct WHERE bucket >= ?1 AND bucket < ?2 "
	    "ORDER BY customer")) == NULL ||
	    /* A stream's peak: the busiest bucket of its viewers summed over nodes;
	     * likewise its unique viewers (per-node distinct SIDs, summed: a
	     * viewer served by two nodes in a bucket counts twice). */
	    (a->st_streams = db_prepare(a->db,
	    "SELECT stream, max(pv), sum(b), max(uv), max(uc) FROM (SELECT stream, bucket, "
	    "sum(peak_viewers) AS pv, sum(bytes_out) AS b, sum(sessions) AS uv, "
	    "max(sessions_capped) AS uc FROM acct WHERE customer = ?1 AND bucket >= ?2 AND "
	    "bucket < ?3 AND stream <> '' GROUP BY stream, bucket) GROUP BY stream ORDER BY stream"))
	    == NULL) {
		acct_api_close(a);
		return NULL;
	}
	return a;
}

void
acct_api_close(struct acct_api *a)
{
	if (a == NULL)
		return;
	sqlite3_finalize(a->st_put);
	sqlite3_finalize(a->st_series);
	sqlite3_finalize(a->st_customers);
	sqlite3_finalize(a->st_streams);
	db_close(a->db);
	pthread_mutex_destroy(&a->lock);
	free(a->acct_token);
	free(a->admin_token);
	free(a);
}

static int
reply_error(struct buf *b, int status, const char *msg)
{
	struct json j;

	buf_reset(b);
	json_init(&j, b);
	json_obj_begin(&j);
	json_key(&j, "error");
	json_str(&j, msg);
	json_obj_end(&j);
	buf_put_u8(b, '\n');
	return status;
}

static bool
count_of(const struct jv *row, const char *key, int64_t *out)
{
	return jv_int(row, key, out) && *out >= 0;
}

static int
ingest(struct acct_api *a, const void *body, size_t len, struct buf *out)
{
	struct json_read_limits lim = { .max_bytes = 4u << 20, .max_nodes = 10 * SHIP_MAX_ROWS + 16,
		.max_depth = 4 };
	struct jv doc = { .t = JV_NULL };
	const struct jv *rows;
	const char *node;
	char why[160];
	int64_t now = time(NULL);
	int status = 400;
	struct json j;

	if (body == NULL || len == 0)
		return reply_error(out, 400, "empty body: expected a JSON shipment");
	if (json_read_parse(&doc, body, len, &lim) != 0 || doc.t != JV_OBJ)
		return reply_error(out, 400, "the body is not a JSON object");
	node = jv_str(&doc, "node");
	rows = jv_get(&doc, "buckets");
	if (!acct_name_ok(node) || rows == NULL || rows->t != JV_ARR || rows->n > SHIP_MAX_ROWS) {
		status = reply_error(out, 400, "expected {\"node\": NAME, \"buckets\": [...]} "
		    "(at most 5000 rows)");
		goto out;
	}
	/* Validate everything first: all or nothing. */
	for (size_t i = 0; i < rows->n; i++) {
		const struct jv *r = &rows->kid[i];
		int64_t b, x;
		const char *st = jv_str(r, "stream");
		if (r->t != JV_OBJ || !acct_name_ok(jv_str(r, "customer")) || !jv_int(r, "bucket", &b) ||
		    (jv_get(r, "stream") && (st == NULL || (st[0] && !acct_name_ok(st)))) ||
		    b < 0 || b % ACCT_BUCKET_S != 0 || !count_of(r, "bytes_out", &x) ||
		    !count_of(r, "bytes_in", &x) || !count_of(r, "requests", &x) ||
		    !count_of(r, "peak_viewers", &x) ||
		    /* optional: shippers older than unique viewers send neither */
		    (jv_get(r, "sessions") && !count_of(r, "sessions", &x)) ||
		    (jv_get(r, "sessions_capped") && (!jv_int(r, "sessions_capped", &x) ||
		    (x != 0 && x != 1)))) {
			snprintf(why, sizeof(why), "row %zu: expected customer, [stream,] bucket (a "
			    "multiple of 300), bytes_out, bytes_in, requests, peak_viewers (integers >= 0)",
			    i);
			status = reply_error(out, 400, why);
			goto out;
		}
		if (b > now + FUTURE_SLACK_S) {
			snprintf(why, sizeof(why), "row %zu: bucket %lld is in the future: is the "
			    "clock of node %s right?", i, (long long)b, node);
			log_warnx("accounting: %s", why);
			status = reply_error(out, 400, why);
			goto out;
		}
	}
	pthread_mutex_lock(&a->lock);
	if (db_exec(a->db, "BEGIN IMMEDIATE") != 0) {
		pthread_mutex_unlock(&a->lock);
		status = reply_error(out, 503, "database busy, retry");
		goto out;
	}
	for (size_t i = 0; i < rows->n; i++) {
		const struct jv *r = &rows->kid[i];
		int64_t v;
		sqlite3_reset(a->st_put);
		sqlite3_bind_text(a->st_put, 1, node, -1, SQLITE_STATIC);
		sqlite3_bind_text(a->st_put, 2, jv_str(r, "customer"), -1, SQLITE_STATIC);
		jv_int(r, "bucket", &v);
		sqlite3_bind_int64(a->st_put, 3, v);
		jv_int(r, "bytes_out", &v);
		sqlite3_bind_int64(a->st_put, 4, v);
		jv_int(r, "bytes_in", &v);
		sqlite3_bind_int64(a->st_put, 5, v);
		jv_int(r, "requests", &v);
		sqlite3_bind_int64(a->st_put, 6, v);
		jv_int(r, "peak_viewers", &v);
		sqlite3_bind_int64(a->st_put, 7, v);
		sqlite3_bind_int64(a->st_put, 8, now);
		sqlite3_bind_text(a->st_put, 9, jv_str(r, "stream") ? jv_str(r, "stream") : "", -1,
		    SQLITE_STATIC);
		if (!jv_int(r, "sessions", &v))
			v = 0;
		sqlite3_bind_int64(a->st_put, 10, v);
		if (!jv_int(r, "sessions_capped", &v))
			v = 0;
		sqlite3_bind_int64(a->st_put, 11, v);
		if (sqlite3_step(a->st_put) != SQLITE_DONE) {
			log_warnx("accounting: cannot store a bucket: %s", sqlite3_errmsg(a->db));
			db_exec(a->db, "ROLLBACK");
			pthread_mutex_unlock(&a->lock);
			status = reply_error(out, 503, "cannot store, retry");
			goto out;
		}
	}
	if (db_exec(a->db, "COMMIT") != 0) {
		db_exec(a->db, "ROLLBACK");
		pthread_mutex_unlock(&a->lock);
		status = reply_error(out, 503, "cannot store, retry");
		goto out;
	}
	pthread_mutex_unlock(&a->lock);
	buf_reset(out);
	json_init(&j, out);
	json_obj_begin(&j);
	json_key(&j, "stored");
	json_uint(&j, rows->n);
	json_obj_end(&j);
	buf_put_u8(out, '\n');
	status = 200;
out:
	jv_fini(&doc);
	return status;
}

/* "YYYY-MM-DD" (UTC midnight) or Unix seconds. -1 when bad. */
static int64_t
parse_when(const char *s, bool is_to)
{
	int y, m, d;
	char extra;
	struct tm tm;

	if (s == NULL || *s == '\0')
		return -1;
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) == 3 && y >= 1970 && y < 10000 &&
	    m >= 1 && m <= 12 && d >= 1 && d <= 31) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = m - 1;
		tm.tm_mday = d;
		return (int64_t)timegm(&tm) + (is_to ? 86400 : 0);   /* to: inclusive date */
	}
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	if (strlen(s) > 12)
		return -1;
	return strtoll(s, NULL, 10);
}

enum dir { DIR_OUT, DIR_IN, DIR_MAX, DIR_SUM };
static const char *const dir_names[] = { "out", "in", "max", "sum" };

struct report {
	char customer[ACCT_CUSTOMER_MAX + 1];
	size_t n;                 /* samples */
	uint64_t *billed;         /* bytes per bucket in the billed direction */
	uint64_t *out_b, *in_b;
	uint64_t bytes_out, bytes_in, requests, peak_viewers;
	uint64_t unique_viewers;  /* the bucket with the most, summed over nodes and streams */
	bool unique_capped;       /* some node hit its cap: "at least" */
	struct p95_result p;
};

static void
report_fini(struct report *r)
{
	free(r->billed);
	free(r->out_b);
	free(r->in_b);
}

/* Lock held. */
static int
compute(struct acct_api *a, const char *customer, int64_t from, int64_t to, enum dir dir,
    struct report *r)
{
	size_t n = (size_t)((to - from) / ACCT_BUCKET_S);

	memset(r, 0, sizeof(*r));
	snprintf(r->customer, sizeof(r->customer), "%s", customer);
	r->n = n;
	r->billed = xcalloc(n ? n : 1, sizeof(uint64_t));
	r->out_b = xcalloc(n ? n : 1, sizeof(uint64_t));
	r->in_b = xcalloc(n ? n : 1, sizeof(uint64_t));
	if (r->billed == NULL || r->out_b == NULL || r->in_b == NULL)
		return -ENOMEM;
	sqlite3_reset(a->st_series);
	sqlite3_bind_text(a->st_series, 1, customer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(a->st_series, 2, from);
	sqlite3_bind_int64(a->st_series, 3, to);
	while (sqlite3_step(a->st_series) == SQLITE_ROW) {
		int64_t b = sqlite3_column_int64(a->st_series, 0);
		size_t i = (size_t)((b - from) / ACCT_BUCKET_S);
		uint64_t o = (uint64_t)sqlite3_column_int64(a->st_series, 1);
		uint64_t in = (uint64_t)sqlite3_column_int64(a->st_series, 2);
		uint64_t pv = (uint64_t)sqlite3_column_int64(a->st_series, 4);
		if (i >= n)
			continue;
		r->out_b[i] = o;
		r->in_b[i] = in;
		r->bytes_out += o;
		r->bytes_in += in;
		r->requests += (uint64_t)sqlite3_column_int64(a->st_series, 3);
		if (pv > r->peak_viewers)
			r->peak_viewers = pv;
		if ((uint64_t)sqlite3_column_int64(a->st_series, 5) > r->unique_viewers)
			r->unique_viewers = (uint64_t)sqlite3_column_int64(a->st_series, 5);
		if (sqlite3_column_int(a->st_series, 6))
			r->unique_capped = true;
	}
	for (size_t i = 0; i < n; i++)
		r->billed[i] = dir == DIR_OUT ? r->out_b[i] : dir == DIR_IN ? r->in_b[i] :
		    dir == DIR_MAX ? (r->out_b[i] > r->in_b[i] ? r->out_b[i] : r->in_b[i]) :
		    r->out_b[i] + r->in_b[i];
	return p95_compute(r->billed, n, &r->p);
}

static double
mbps(uint64_t bytes)
{
	return (double)bytes * 8.0 / ACCT_BUCKET_S / 1e6;
}

static void
report_json(struct json *j, const struct report *r, bool series, int64_t from)
{
	json_obj_begin(j);
	json_key(j, "customer");
	json_str(j, r->customer);
	json_key(j, "samples");
	json_uint(j, r->p.n_samples);
	json_key(j, "discarded");
	json_uint(j, r->p.n_discarded);
	json_key(j, "bytes_out");
	json_uint(j, r->bytes_out);
	json_key(j, "bytes_in");
	json_uint(j, r->bytes_in);
	json_key(j, "requests");
	json_uint(j, r->requests);
	json_key(j, "peak_viewers");
	json_uint(j, r->peak_viewers);
	json_key(j, "unique_viewers");
	json_uint(j, r->unique_viewers);
	json_key(j, "unique_viewers_at_least");
	json_bool(j, r->unique_capped);
	json_key(j, "avg_mbps");
	json_double(j, r->n ? mbps(r->p.sum) / (double)r->n : 0);
	json_key(j, "peak_mbps");
	json_double(j, mbps(r->p.peak));
	json_key(j, "p95_mbps");
	json_double(j, mbps(r->p.billable));
	json_key(j, "billable_mbps");
	json_double(j, mbps(r->p.billable));
	if (series) {
		json_key(j, "series");
		json_arr_begin(j);
		for (size_t i = 0; i < r->n; i++) {
			json_arr_begin(j);
			json_int(j, from + (int64_t)i * ACCT_BUCKET_S);
			json_uint(j, r->out_b[i]);
			json_uint(j, r->in_b[i]);
			json_arr_end(j);
		}
		json_arr_end(j);
	}
	json_obj_end(j);
}

static int
cmp_billable(const void *x, const void *y)
{
	const struct report *a = x, *b = y;

	if (a->p.billable != b->p.billable)
		return a->p.billable > b->p.billable ? -1 : 1;
	return strcmp(a->customer, b->customer);
}

static int
report(struct acct_api *a, const struct admin_req *req, struct buf *out)
{
	const char *cust = req->param(req->cls, "customer");
	const char *all = req->param(req->cls, "all");
	const char *ds = req->param(req->cls, "direction");
	const char *ser = req->param(req->cls, "series");
	int64_t from = parse_when(req->param(req->cls, "from"), false);
	int64_t to = parse_when(req->param(req->cls, "to"), true);
	int64_t now_end = acct_bucket_now() + ACCT_BUCKET_S;
	enum dir dir = DIR_OUT;
	struct report one, *many = NULL;
	size_t n_many = 0, cap = 0;
	struct json j;
	int status = 200;
	bool is_all = all && strcmp(all, "1") == 0;

	if (ds) {
		for (dir = DIR_OUT; dir <= DIR_SUM && strcmp(ds, dir_names[dir]) != 0; dir++)
			;
		if (dir > DIR_SUM)
			return reply_error(out, 400, "direction: out, in, max or sum");
	}
	if (from < 0 || to < 0 || to <= from || to - from > MAX_PERIOD_S)
		return reply_error(out, 400, "from and to: YYYY-MM-DD (UTC; to inclusive) or Unix "
		    "seconds, to after from, at most 400 days");
	if (!is_all && !acct_name_ok(cust))
		return reply_error(out, 400, "customer=NAME, or all=1");
	from = acct_bucket_of(from);
	to = acct_bucket_of(to + ACCT_BUCKET_S - 1);
	/* The future is not sampled: a partial month is billed on what has passed. */
	if (to > now_end)
		to = now_end > from ? now_end : from;
	buf_reset(out);
	json_init(&j, out);
	pthread_mutex_lock(&a->lock);
	json_obj_begin(&j);
	json_key(&j, "from");
	json_int(&j, from);
	json_key(&j, "to");
	json_int(&j, to);
	json_key(&j, "bucket_s");
	json_int(&j, ACCT_BUCKET_S);
	json_key(&j, "direction");
	json_str(&j, dir_names[dir]);
	if (!is_all) {
		if (compute(a, cust, from, to, dir, &one) != 0) {
			report_fini(&one);
			pthread_mutex_unlock(&a->lock);
			return reply_error(out, 500, "out of memory");
		}
		json_key(&j, "report");
		report_json(&j, &one, ser && strcmp(ser, "1") == 0, from);
		report_fini(&one);
		json_key(&j, "streams");
		json_arr_begin(&j);
		sqlite3_reset(a->st_streams);
		sqlite3_bind_text(a->st_streams, 1, cust, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(a->st_streams, 2, from);
		sqlite3_bind_int64(a->st_streams, 3, to);
		while (sqlite3_step(a->st_streams) == SQLITE_ROW) {
			const char *sn = (const char *)sqlite3_column_text(a->st_streams, 0);
			json_obj_begin(&j);
			json_key(&j, "stream");
			json_str(&j, sn ? sn : "");
			json_key(&j, "peak_viewers");
			json_int(&j, sqlite3_column_int64(a->st_streams, 1));
			json_key(&j, "bytes_out");
			json_int(&j, sqlite3_column_int64(a->st_streams, 2));
			json_key(&j, "unique_viewers");
			json_int(&j, sqlite3_column_int64(a->st_streams, 3));
			json_key(&j, "unique_viewers_at_least");
			json_bool(&j, sqlite3_column_int(a->st_streams, 4) != 0);
			json_obj_end(&j);
		}
		json_arr_end(&j);
	} else {
		sqlite3_reset(a->st_customers);
		sqlite3_bind_int64(a->st_customers, 1, from);
		sqlite3_bind_int64(a->st_customers, 2, to);
		while (sqlite3_step(a->st_customers) == SQLITE_ROW) {
			const char *c = (const char *)sqlite3_column_text(a->st_customers, 0);
			struct report *nm;
			if (n_many == cap) {
				cap = cap ? cap * 2 : 16;
				if ((nm = xreallocarray(many, cap, sizeof(*many))) == NULL)
					break;
				many = nm;
			}
			if (compute(a, c ? c : "", from, to, dir, &many[n_many]) != 0) {
				report_fini(&many[n_many]);
				break;
			}
			n_many++;
		}
		qsort(many, n_many, sizeof(*many), cmp_billable);
		json_key(&j, "customers");
		json_arr_begin(&j);
		for (size_t i = 0; i < n_many; i++) {
			report_json(&j, &many[i], false, from);
			report_fini(&many[i]);
		}
		json_arr_end(&j);
		free(many);
	}
	pthread_mutex_unlock(&a->lock);
	json_obj_end(&j);
	buf_put_u8(out, '\n');
	return status;
}

int
acct_api_handle(struct acct_api *a, const struct admin_req *req, const void *body,
    size_t body_len, struct buf *out)
{
	if (strcmp(req->path, "/api/v1/accounting") == 0) {
		if (strcmp(req->method, "POST") != 0)
			return reply_error(out, 405, "POST a shipment");
		if (!admin_token_ok(a->acct_token, req->authorization) &&
		    !admin_token_ok(a->admin_token, req->authorization))
			return reply_error(out, 401, "missing or wrong accounting token");
		return ingest(a, body, body_len, out);
	}
	if (!admin_token_ok(a->admin_token, req->authorization))
		return reply_error(out, 401, "missing or wrong admin token");
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
		return reply_error(out, 405, "GET a report");
	return report(a, req, out);
}
