/*
 * test_acct: per-customer counters (common/acct.c) and the node's spool
 * (common/acct_store.c, local file only: ship_url NULL, no network; the
 * shipping to the origin is covered by tests/integration/accounting_e2e.sh).
 *
 * Each case runs in its own forked child (check.h), so every case starts
 * with an empty customer table. Expected numbers are literals or simple
 * products worked out in the comments, never outputs of the code under test.
 *
 * The counters pick their slot from the real clock (the bucket's parity);
 * a case that needs a known parity reads the clock before and after its
 * adds and starts over in the rare event that a 5-minute boundary passed.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "acct.h"
#include "acct_store.h"
#include "check.h"

#define CHECK_U64(got, want)                                               \
	do {                                                               \
		uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);      \
		if (g_ != w_) {                                            \
			fprintf(stderr, "  %s:%d: %s: got %" PRIu64        \
			    ", want %" PRIu64 "\n", __FILE__, __LINE__,    \
			    #got, g_, w_);                                 \
			return 1;                                          \
		}                                                          \
	} while (0)

#define B 300

static int
parity(int64_t bucket)
{
	return (int)((bucket / B) & 1);
}

/* Drain everything the table holds (any bucket), into the sums given. */
static void
drain_all(int64_t now_b, uint64_t *out, uint64_t *in, uint64_t *req)
{
	struct acct_delta d[64];
	size_t n;

	do {
		n = acct_drain(now_b, d, 64);
		for (size_t i = 0; i < n; i++) {
			if (out)
				*out += d[i].bytes_out;
			if (in)
				*in += d[i].bytes_in;
			if (req)
				*req += d[i].requests;
		}
	} while (n == 64);
}

/* ---- buckets ------------------------------------------------------------------ */

static int
t_bucket_of(void)
{
	CHECK_INT(acct_bucket_of(0), 0);
	CHECK_INT(acct_bucket_of(299), 0);
	CHECK_INT(acct_bucket_of(300), 300);
	CHECK_INT(acct_bucket_of(301), 300);
	/* 2026-11-30 12:34:56 UTC = 1796042096; 1796042096 mod 300 = 296. */
	CHECK_INT(acct_bucket_of(1796042096), 1796041800);
	/* Before 1970 still rounds down, not toward zero. */
	CHECK_INT(acct_bucket_of(-1), -300);
	CHECK_INT(acct_bucket_of(-300), -300);
	CHECK_INT(acct_bucket_of(-301), -600);
	CHECK_INT(acct_bucket_now() % B, 0);
	CHECK(acct_bucket_now() <= (int64_t)time(NULL) && (int64_t)time(NULL) - acct_bucket_now() < B);
	return 0;
}

/* ---- customers ------------------------------------------------------------------ */

static int
t_customer_validation(void)
{
	char name[ACCT_CUSTOMER_MAX + 2];

	CHECK(acct_customer(NULL) == NULL);
	CHECK(acct_customer("") == NULL);
	CHECK(acct_customer("a b") == NULL);
	CHECK(acct_customer("a/b") == NULL);
	CHECK(acct_customer("a:b") == NULL);
	CHECK(acct_customer("acme\n") == NULL);
	CHECK(acct_customer("caf\xc3\xa9") == NULL);   /* UTF-8 e-acute */
	CHECK(acct_customer("a\"b") == NULL);
	CHECK(acct_customer("A-z_0.9") != NULL);
	/* 64 bytes is the limit, 65 is refused. */
	memset(name, 'x', ACCT_CUSTOMER_MAX);
	name[ACCT_CUSTOMER_MAX] = '\0';
	CHECK(acct_customer(name) != NULL);
	CHECK_INT(strlen(acct_customer(name)->name), 64);
	name[ACCT_CUSTOMER_MAX] = 'x';
	name[ACCT_CUSTOMER_MAX + 1] = '\0';
	CHECK(acct_customer(name) == NULL);
	/* Counting on NULL (an unattributed response) is ignored, not a crash. */
	acct_add_out(NULL, 5);
	acct_add_in(NULL, 5);
	acct_add_request(NULL);
	acct_viewer(NULL, 1);
	acct_viewer(NULL, -1);
	return 0;
}

static int
t_customer_identity(void)
{
	struct acct_customer *a = acct_customer("acme");
	struct acct_customer *b = acct_customer("globex");
	char buf[16];

	CHECK(a != NULL && b != NULL);
	CHECK(a != b);
	CHECK(acct_customer("acme") == a);
	CHECK_STR(a->name, "acme");
	CHECK_STR(b->name, "globex");
	/* Names are case-sensitive, and a prefix is another customer. */
	CHECK(acct_customer("ACME") != a);
	CHECK(acct_customer("acm") != a);
	CHECK(acct_customer("acme2") != a);
	/* Found by value, not by pointer. */
	snprintf(buf, sizeof(buf), "%s", "globex");
	CHECK(acct_customer(buf) == b);
	return 0;
}

static int
t_customer_capacity(void)
{
	char name[32];
	struct acct_customer *first = NULL;

	for (int i = 0; i < ACCT_MAX_CUSTOMERS; i++) {
		struct acct_customer *c;
		snprintf(name, sizeof(name), "c%d", i);
		c = acct_customer(name);
		CHECK(c != NULL);
		if (i == 0)
			first = c;
	}
	/* The 4097th new name is refused; existing ones are still found. */
	CHECK(acct_customer("one-too-many") == NULL);
	CHECK(acct_customer("c0") == first);
	CHECK(acct_customer("c4095") != NULL);
	return 0;
}

/* ---- lock-free adds -------------------------------------------------------------- */

#define THREADS 4
#define ADDS 100000

struct adder {
	struct acct_customer *c;
	uint64_t step;
};

static void *
adder_main(void *arg)
{
	const struct adder *a = arg;

	for (int i = 0; i < ADDS; i++) {
		acct_add_out(a->c, a->step);
		acct_add_in(a->c, 1);
		acct_add_request(a->c);
	}
	return NULL;
}

static atomic_bool stop_drainer;

static void *
drainer_main(void *arg)
{
	uint64_t *sums = arg;

	/* Drain while the adders run: an exchange must never lose an add. */
	while (!atomic_load(&stop_drainer))
		drain_all(acct_bucket_now(), &sums[0], &sums[1], &sums[2]);
	return NULL;
}

static int
t_threads_sum_exactly(void)
{
	struct acct_customer *c = acct_customer("acme");
	struct adder a[THREADS];
	pthread_t t[THREADS], dt;
	uint64_t sums[3] = { 0, 0, 0 };

	CHECK(c != NULL);
	atomic_store(&stop_drainer, false);
	CHECK_INT(pthread_create(&dt, NULL, drainer_main, sums), 0);
	for (int i = 0; i < THREADS; i++) {
		a[i].c = c;
		a[i].step = (uint64_t)i + 1;      /* thread i adds i+1 bytes each time */
		CHECK_INT(pthread_create(&t[i], NULL, adder_main, &a[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	atomic_store(&stop_drainer, true);
	pthread_join(dt, NULL);
	drain_all(acct_bucket_now(), &sums[0], &sums[1], &sums[2]);
	/* bytes_out: (1 + 2 + 3 + 4) * 100000 = 1000000; in and requests 400000. */
	CHECK_U64(sums[0], 1000000);
	CHECK_U64(sums[1], 400000);
	CHECK_U64(sums[2], 400000);
	return 0;
}

static int
t_threads_many_customers(void)
{
	/* Threads on different customers do not mix their counts. */
	struct adder a[THREADS];
	pthread_t t[THREADS];
	struct acct_delta d[16];
	uint64_t out[THREADS] = { 0 };
	int64_t now_b = acct_bucket_now();
	size_t n;

	for (int i = 0; i < THREADS; i++) {
		char name[16];
		snprintf(name, sizeof(name), "cust%d", i);
		a[i].c = acct_customer(name);
		a[i].step = 10;
		CHECK(a[i].c != NULL);
		CHECK_INT(pthread_create(&t[i], NULL, adder_main, &a[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	n = acct_drain(now_b, d, 16);
	CHECK(n >= THREADS && n <= 2 * THREADS);   /* 2 per customer if a boundary passed */
	for (size_t i = 0; i < n; i++) {
		CHECK(strncmp(d[i].customer, "cust", 4) == 0);
		out[d[i].customer[4] - '0'] += d[i].bytes_out;
	}
	for (int i = 0; i < THREADS; i++)
		CHECK_U64(out[i], 10 * ADDS);
	return 0;
}

/* ---- drain: buckets by parity, empty entries skipped ------------------------------- */

static int
t_drain_parity(void)
{
	struct acct_customer *c = acct_customer("acme");
	struct acct_delta d[8];
	int64_t b0, b1;
	size_t n;
	int tries = 0;

	CHECK(c != NULL);
	/* Count into the slot of now's parity; retry if a boundary passed meanwhile. */
	do {
		drain_all(acct_bucket_now(), NULL, NULL, NULL);
		b0 = acct_bucket_now();
		acct_add_out(c, 1000);
		acct_add_in(c, 70);
		acct_add_request(c);
		acct_add_request(c);
		b1 = acct_bucket_now();
	} while (b0 != b1 && ++tries < 5);
	CHECK(b0 == b1);

	/* Drained "now" in the same bucket: the current bucket gets it. */
	n = acct_drain(b0, d, 8);
	CHECK_INT(n, 1);
	CHECK_STR(d[0].customer, "acme");
	CHECK_INT(d[0].bucket, b0);
	CHECK_U64(d[0].bytes_out, 1000);
	CHECK_U64(d[0].bytes_in, 70);
	CHECK_U64(d[0].requests, 2);
	CHECK_U64(d[0].peak_viewers, 0);
	/* Drained: nothing left, and an empty customer is not an entry. */
	CHECK_INT(acct_drain(b0, d, 8), 0);

	/* Drained one bucket later (the flusher ran after the boundary): the
	 * slot has the parity of the previous bucket, so it goes there. */
	tries = 0;
	do {
		drain_all(acct_bucket_now(), NULL, NULL, NULL);
		b0 = acct_bucket_now();
		acct_add_out(c, 555);
		b1 = acct_bucket_now();
	} while (b0 != b1 && ++tries < 5);
	n = acct_drain(b0 + B, d, 8);
	CHECK_INT(n, 1);
	CHECK_INT(d[0].bucket, b0);
	CHECK_U64(d[0].bytes_out, 555);

	/* Two buckets later the parity is the current one's again: the bytes
	 * land in the drain's current bucket (late, but counted once). */
	tries = 0;
	do {
		drain_all(acct_bucket_now(), NULL, NULL, NULL);
		b0 = acct_bucket_now();
		acct_add_out(c, 7);
		b1 = acct_bucket_now();
	} while (b0 != b1 && ++tries < 5);
	n = acct_drain(b0 + 2 * B, d, 8);
	CHECK_INT(n, 1);
	CHECK_INT(d[0].bucket, b0 + 2 * B);
	CHECK_INT(parity(d[0].bucket), parity(b0));
	CHECK_U64(d[0].bytes_out, 7);
	return 0;
}

static int
t_drain_two_slots(void)
{
	/* Bytes in both slots (the flusher last ran before the boundary): each
	 * slot goes to the bucket of its parity. Fill the slots by hand, as
	 * the adders would on either side of a boundary. */
	struct acct_customer *c = acct_customer("acme");
	struct acct_delta d[8];
	int64_t now_b = 1796041800;   /* parity: 1796041800 / 300 = 5986806, even */
	size_t n;
	uint64_t cur = 0, prev = 0;

	CHECK(c != NULL);
	drain_all(acct_bucket_now(), NULL, NULL, NULL);
	atomic_store(&c->shard[0].slot[0].bytes_out, 111);    /* even: now_b */
	atomic_store(&c->shard[0].slot[1].bytes_out, 222);    /* odd: now_b - 300 */
	atomic_store(&c->shard[0].slot[1].requests, 3);
	n = acct_drain(now_b, d, 8);
	CHECK_INT(n, 2);
	for (size_t i = 0; i < n; i++) {
		CHECK_STR(d[i].customer, "acme");
		if (d[i].bucket == now_b)
			cur += d[i].bytes_out;
		else if (d[i].bucket == now_b - B) {
			prev += d[i].bytes_out;
			CHECK_U64(d[i].requests, 3);
		} else
			CHECK(!"a third bucket");
	}
	CHECK_U64(cur, 111);
	CHECK_U64(prev, 222);
	/* With an odd current bucket the roles swap. */
	atomic_store(&c->shard[0].slot[0].bytes_out, 1);   /* drain sums every shard */
	atomic_store(&c->shard[0].slot[1].bytes_out, 2);
	n = acct_drain(now_b + B, d, 8);
	CHECK_INT(n, 2);
	for (size_t i = 0; i < n; i++) {
		if (d[i].bucket == now_b + B)
			CHECK_U64(d[i].bytes_out, 2);
		else if (d[i].bucket == now_b)
			CHECK_U64(d[i].bytes_out, 1);
		else
			CHECK(!"a third bucket");
	}
	return 0;
}

static int
t_drain_skips_empty_and_pages(void)
{
	struct acct_delta d[8];
	int64_t now_b = acct_bucket_now();
	uint64_t out = 0;
	size_t n, total = 0;

	/* Customers that exist but counted nothing are not entries. */
	for (int i = 0; i < 10; i++) {
		char name[16];
		snprintf(name, sizeof(name), "idle%d", i);
		CHECK(acct_customer(name) != NULL);
	}
	CHECK_INT(acct_drain(now_b, d, 8), 0);
	/* Only requests (a 304, a HEAD): still an entry. */
	acct_add_request(acct_customer("idle3"));
	n = acct_drain(now_b, d, 8);
	CHECK(n >= 1);
	CHECK_STR(d[0].customer, "idle3");
	CHECK_U64(d[0].bytes_out, 0);
	/* A zero-byte add is nothing. */
	acct_add_out(acct_customer("idle4"), 0);
	CHECK_INT(acct_drain(now_b, d, 8), 0);

	/* Five customers with bytes, drained 2 at a time: nothing lost or doubled. */
	for (int i = 0; i < 5; i++) {
		char name[16];
		snprintf(name, sizeof(name), "busy%d", i);
		acct_add_out(acct_customer(name), 100 + (uint64_t)i);
	}
	do {
		n = acct_drain(acct_bucket_now(), d, 2);
		CHECK(n <= 2);
		for (size_t i = 0; i < n; i++)
			out += d[i].bytes_out;
		total += n;
	} while (n == 2);
	/* 100 + 101 + 102 + 103 + 104 = 510, in 5 entries (more if a boundary passed). */
	CHECK_U64(out, 510);
	CHECK(total >= 5 && total <= 10);
	return 0;
}

static int
t_viewers_peak(void)
{
	struct acct_customer *c = acct_customer("acme");
	struct acct_delta d[4];
	int64_t b0, b1;
	size_t n;
	int tries = 0;

	CHECK(c != NULL);
	do {
		drain_all(acct_bucket_now(), NULL, NULL, NULL);
		for (int h = 0; h < ACCT_SHARDS; h++) {
			atomic_store(&c->shard[h].viewers, 0);
			atomic_store(&c->shard[h].slot[0].peak_viewers, 0);
			atomic_store(&c->shard[h].slot[1].peak_viewers, 0);
		}
		b0 = acct_bucket_now();
		acct_viewer(c, +1);
		acct_viewer(c, +1);
		acct_viewer(c, +1);     /* 3 at once */
		acct_viewer(c, -1);     /* 2 left */
		b1 = acct_bucket_now();
	} while (b0 != b1 && ++tries < 5);
	n = acct_drain(b0, d, 4);
	CHECK_INT(n, 1);
	CHECK_U64(d[0].peak_viewers, 3);
	/* The next bucket's peak starts from the viewers still watching. */
	n = acct_drain(b0, d, 4);
	CHECK_INT(n, 1);
	CHECK_U64(d[0].peak_viewers, 2);
	CHECK_U64(d[0].bytes_out, 0);
	acct_viewer(c, -1);
	acct_viewer(c, -1);
	/* The slot was reset to the 2 watching at the last drain: it is still 2. */
	n = acct_drain(b0, d, 4);
	CHECK_INT(n, 1);
	CHECK_U64(d[0].peak_viewers, 2);
	/* Nobody watching, nothing counted: no entry. */
	CHECK_INT(acct_drain(b0, d, 4), 0);
	return 0;
}

/* ---- restore ------------------------------------------------------------------------ */

static int
t_restore(void)
{
	struct acct_customer *c = acct_customer("acme");
	struct acct_delta d[4], d2[4], old;
	int64_t b0, b1;
	size_t n;
	int tries = 0;

	CHECK(c != NULL);
	do {
		drain_all(acct_bucket_now(), NULL, NULL, NULL);
		b0 = acct_bucket_now();
		acct_add_out(c, 4096);
		acct_add_in(c, 512);
		acct_add_request(c);
		b1 = acct_bucket_now();
	} while (b0 != b1 && ++tries < 5);
	n = acct_drain(b0, d, 4);
	CHECK_INT(n, 1);
	/* The write failed: put it back, more is counted meanwhile, drain again. */
	acct_restore(d, n, b0);
	acct_add_out(c, 4);
	n = acct_drain(b0, d2, 4);
	CHECK_INT(n, 1);
	CHECK_INT(d2[0].bucket, b0);
	CHECK_U64(d2[0].bytes_out, 4100);
	CHECK_U64(d2[0].bytes_in, 512);
	CHECK_U64(d2[0].requests, 1);

	/* A previous-bucket entry goes back to the previous bucket's slot. */
	memset(&old, 0, sizeof(old));
	snprintf(old.customer, sizeof(old.customer), "acme");
	old.bucket = b0 - B;
	old.bytes_out = 9;
	acct_restore(&old, 1, b0);
	n = acct_drain(b0, d2, 4);
	CHECK_INT(n, 1);
	CHECK_INT(d2[0].bucket, b0 - B);
	CHECK_U64(d2[0].bytes_out, 9);

	/* Older than that: no slot left, the current bucket keeps the bytes. */
	old.bucket = b0 - 3 * B;
	old.bytes_out = 11;
	acct_restore(&old, 1, b0);
	n = acct_drain(b0, d2, 4);
	CHECK_INT(n, 1);
	CHECK_INT(d2[0].bucket, b0);
	CHECK_U64(d2[0].bytes_out, 11);

	/* An entry for a customer never seen creates it; a bad name is dropped. */
	snprintf(old.customer, sizeof(old.customer), "newco");
	old.bucket = b0;
	old.bytes_out = 5;
	acct_restore(&old, 1, b0);
	snprintf(old.customer, sizeof(old.customer), "bad name");
	acct_restore(&old, 1, b0);
	n = acct_drain(b0, d2, 4);
	CHECK_INT(n, 1);
	CHECK_STR(d2[0].customer, "newco");
	CHECK_U64(d2[0].bytes_out, 5);
	return 0;
}

/* ---- acct_store: the local spool (no shipping) ----------------------------------------- */

static char tmpdir[64];

static const char *
mk_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_acct.XXXXXX");
	return mkdtemp(tmpdir);
}

static void
rm_tmpdir(const char *db)
{
	char p[256];

	unlink(db);
	snprintf(p, sizeof(p), "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db);
	unlink(p);
	rmdir(tmpdir);
}

struct row {
	int64_t bucket, bytes_out, bytes_in, requests, rev, shipped_rev;
	int n;                 /* rows summed */
};

/* The sums of node's rows for customer, read from the file by a second connection. */
static int
spool_sum(const char *db, const char *node, const char *customer, struct row *r)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_prepare_v2(h, "SELECT count(*), coalesce(sum(bytes_out), 0), "
	    "coalesce(sum(bytes_in), 0), coalesce(sum(requests), 0), coalesce(max(rev), 0), "
	    "coalesce(max(shipped_rev), 0), coalesce(min(bucket), 0) FROM spool "
	    "WHERE node = ?1 AND customer = ?2", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, customer, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	r->n = sqlite3_column_int(st, 0);
	r->bytes_out = sqlite3_column_int64(st, 1);
	r->bytes_in = sqlite3_column_int64(st, 2);
	r->requests = sqlite3_column_int64(st, 3);
	r->rev = sqlite3_column_int64(st, 4);
	r->shipped_rev = sqlite3_column_int64(st, 5);
	r->bucket = sqlite3_column_int64(st, 6);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "  spool_sum: %s\n", h ? sqlite3_errmsg(h) : "open");
	sqlite3_finalize(st);
	sqlite3_close(h);
	return rc;
}

static int
t_store_flush_accumulates(void)
{
	char db[128];
	struct acct_store_cfg cfg = { 0 };
	struct acct_store *s;
	struct acct_customer *a = acct_customer("acme"), *g = acct_customer("globex");
	struct row r;
	int64_t b0;

	CHECK(mk_tmpdir() != NULL);
	/* A directory that does not exist yet is created. */
	snprintf(db, sizeof(db), "%s/sub/spool.db", tmpdir);
	cfg.db_path = db;
	cfg.node = "edge-t1";
	cfg.ship_url = NULL;
	cfg.flush_ms = 3600 * 1000;   /* only explicit flushes in this test */
	s = acct_store_start(&cfg);
	CHECK(s != NULL);
	CHECK_U64(acct_store_unshipped(s), 0);

	b0 = acct_bucket_now();
	acct_add_out(a, 1000);
	acct_add_in(a, 300);
	acct_add_request(a);
	acct_add_out(g, 5);
	CHECK_INT(acct_store_flush(s), 0);
	CHECK_INT(spool_sum(db, "edge-t1", "acme", &r), 0);
	CHECK(r.n >= 1);
	CHECK_U64(r.bytes_out, 1000);
	CHECK_U64(r.bytes_in, 300);
	CHECK_U64(r.requests, 1);
	CHECK_INT(r.shipped_rev, 0);          /* nowhere to ship */
	CHECK(r.bucket == b0 || r.bucket == b0 + B);
	CHECK_INT(r.bucket % B, 0);
	CHECK_INT(spool_sum(db, "edge-t1", "globex", &r), 0);
	CHECK_U64(r.bytes_out, 5);
	/* Nothing under another node's name. */
	CHECK_INT(spool_sum(db, "edge-other", "acme", &r), 0);
	CHECK_INT(r.n, 0);

	/* A flush with nothing new changes nothing (rev stays). */
	CHECK_INT(spool_sum(db, "edge-t1", "acme", &r), 0);
	{
		int64_t rev = r.rev;
		CHECK_INT(acct_store_flush(s), 0);
		CHECK_INT(spool_sum(db, "edge-t1", "acme", &r), 0);
		CHECK_INT(r.rev, rev);
		CHECK_U64(r.bytes_out, 1000);
	}

	/* A second flush adds to the same row(s), and bumps rev. */
	acct_add_out(a, 24);
	acct_add_request(a);
	CHECK_INT(acct_store_flush(s), 0);
	CHECK_INT(spool_sum(db, "edge-t1", "acme", &r), 0);
	CHECK_U64(r.bytes_out, 1024);
	CHECK_U64(r.bytes_in, 300);
	CHECK_U64(r.requests, 2);
	CHECK(r.rev >= 2 || r.n == 2);
	CHECK(r.n <= 2);
	/* Every row is unshipped: acme's and globex's (one each, two if a boundary passed). */
	CHECK(acct_store_unshipped(s) >= 2 && acct_store_unshipped(s) <= 4);

	/* Stop flushes what is still counted. */
	acct_add_out(a, 76);
	acct_store_stop(s);
	CHECK_INT(spool_sum(db, "edge-t1", "acme", &r), 0);
	CHECK_U64(r.bytes_out, 1100);

	/* Restarted on the same file: the rows are still there and still unshipped. */
	s = acct_store_start(&cfg);
	CHECK(s != NULL);
	CHECK(acct_store_unshipped(s) >= 2 && acct_store_unshipped(s) <= 4);
	acct_add_out(a, 900);
	CHECK_INT(acct_store_flush(s), 0);
	CHECK_INT(spool_sum(db, "edge-t1", "acme", &r), 0);
	CHECK_U64(r.bytes_out, 2000);
	acct_store_stop(s);
	rm_tmpdir(db);
	{
		char sub[96];
		snprintf(sub, sizeof(sub), "%s/sub", tmpdir);
		rmdir(sub);
		rmdir(tmpdir);
	}
	return 0;
}

static int
t_store_two_nodes_one_file(void)
{
	/* Several nodes may share a file (the schema says so): each sees its own rows. */
	char db[128];
	struct acct_store_cfg cfg = { 0 };
	struct acct_store *s;
	struct acct_customer *a = acct_customer("acme");
	struct row r;

	CHECK(mk_tmpdir() != NULL);
	snprintf(db, sizeof(db), "%s/spool.db", tmpdir);
	cfg.db_path = db;
	cfg.flush_ms = 3600 * 1000;
	cfg.node = "n1";
	s = acct_store_start(&cfg);
	CHECK(s != NULL);
	acct_add_out(a, 10);
	acct_store_stop(s);
	cfg.node = "n2";
	s = acct_store_start(&cfg);
	CHECK(s != NULL);
	CHECK_U64(acct_store_unshipped(s), 0);    /* n1's row is not n2's */
	acct_add_out(a, 20);
	CHECK_INT(acct_store_flush(s), 0);
	CHECK_U64(acct_store_unshipped(s), 1);
	acct_store_stop(s);
	CHECK_INT(spool_sum(db, "n1", "acme", &r), 0);
	CHECK_U64(r.bytes_out, 10);
	CHECK_INT(spool_sum(db, "n2", "acme", &r), 0);
	CHECK_U64(r.bytes_out, 20);
	rm_tmpdir(db);
	return 0;
}

static int
t_store_bad_path(void)
{
	struct acct_store_cfg cfg = { 0 };

	cfg.db_path = "/proc/self/no/such/dir/spool.db";
	cfg.node = "n";
	cfg.flush_ms = 1000;
	CHECK(acct_store_start(&cfg) == NULL);
	/* NULL-safe. */
	acct_store_stop(NULL);
	CHECK_INT(acct_store_flush(NULL), 0);
	CHECK_U64(acct_store_unshipped(NULL), 0);
	return 0;
}

static int
t_store_timer_flushes(void)
{
	/* Without an explicit flush the thread writes within the interval. */
	char db[128];
	struct acct_store_cfg cfg = { 0 };
	struct acct_store *s;
	struct row r;
	int i;

	CHECK(mk_tmpdir() != NULL);
	snprintf(db, sizeof(db), "%s/spool.db", tmpdir);
	cfg.db_path = db;
	cfg.node = "n";
	cfg.flush_ms = 1000;
	s = acct_store_start(&cfg);
	CHECK(s != NULL);
	acct_add_out(acct_customer("acme"), 77);
	for (i = 0; i < 40; i++) {           /* at most 4 s: the interval is 1 s */
		usleep(100 * 1000);
		CHECK_INT(spool_sum(db, "n", "acme", &r), 0);
		if (r.bytes_out == 77)
			break;
	}
	CHECK_U64(r.bytes_out, 77);
	CHECK(i <= 25);
	acct_store_stop(s);
	rm_tmpdir(db);
	return 0;
}

static int
t_streams(void)
{
	struct acct_customer *a = acct_stream("acme", "cam1");
	struct acct_customer *b = acct_stream("acme", "cam2");
	struct acct_customer *c = acct_customer("acme");

	CHECK(a != NULL && b != NULL && c != NULL);
	CHECK(a != b && a != c && b != c);
	CHECK(acct_stream("acme", "cam1") == a);
	CHECK(acct_stream("acme", "") == c);
	CHECK(acct_stream("acme", NULL) == c);
	CHECK_STR(a->stream, "cam1");
	CHECK_STR(c->stream, "");
	CHECK(acct_stream("acme", "a/b") == NULL);
	CHECK(acct_stream("acme", "x y") == NULL);
	return 0;
}

/* A fixed bucket: the session sets are tested without the clock. */
#define SB0 1764460800

/* The entry of bucket b in d[0..n), or NULL. */
static const struct acct_delta *
entry_of(const struct acct_delta *d, size_t n, int64_t b)
{
	for (size_t i = 0; i < n; i++)
		if (d[i].bucket == b)
			return &d[i];
	return NULL;
}

static int
t_sessions_distinct(void)
{
	struct acct_customer *c = acct_stream("acme", "cam1");
	struct acct_delta d[8];
	const struct acct_delta *e;
	size_t n;

	CHECK(c != NULL);
	/* Viewers a, b, a: two distinct. */
	CHECK_INT(acct_add_session_at(c, "a", SB0), 1);
	CHECK_INT(acct_add_session_at(c, "b", SB0), 1);
	CHECK_INT(acct_add_session_at(c, "a", SB0), 0);
	/* No SID adds nothing. */
	CHECK_INT(acct_add_session_at(c, "", SB0), 0);
	CHECK_INT(acct_add_session_at(c, NULL, SB0), 0);
	CHECK_INT(acct_add_session_at(NULL, "x", SB0), 0);
	n = acct_drain(SB0, d, 8);
	CHECK_INT(n, 1);
	CHECK_STR(d[0].stream, "cam1");
	CHECK_INT(d[0].bucket, SB0);
	CHECK_U64(d[0].sessions, 2);
	CHECK(!d[0].sessions_capped);
	CHECK_U64(d[0].bytes_out, 0);
	/* Unchanged: no entry. Changed: the absolute count, not a delta. */
	CHECK_INT(acct_drain(SB0, d, 8), 0);
	CHECK_INT(acct_add_session_at(c, "c", SB0), 1);
	CHECK_INT(acct_add_session_at(c, "b", SB0), 0);
	n = acct_drain(SB0, d, 8);
	CHECK_INT(n, 1);
	CHECK_U64(d[0].sessions, 3);
	/* A restored drain is reported again (the spool keeps the max). */
	acct_restore(d, n, SB0);
	n = acct_drain(SB0, d, 8);
	CHECK_INT(n, 1);
	CHECK_U64(d[0].sessions, 3);

	/* The next bucket has its own set: "a" counts again there. */
	CHECK_INT(acct_add_session_at(c, "a", SB0 + B), 1);
	n = acct_drain(SB0 + B, d, 8);
	e = entry_of(d, n, SB0 + B);
	CHECK(e != NULL);
	CHECK_U64(e->sessions, 1);
	/* The previous bucket was reported unchanged: its set is freed. */
	CHECK(entry_of(d, n, SB0) == NULL);
	CHECK(c->sids[parity(SB0)].h == NULL);
	CHECK_INT(c->sids[parity(SB0)].bucket, -1);
	CHECK(c->sids[parity(SB0 + B)].h != NULL);
	/* A straggler for a bucket older than its slot's set is not counted. */
	CHECK_INT(acct_add_session_at(c, "old", SB0 - B), 0);
	/* Two buckets on, the current set is finished too and freed. */
	CHECK_INT(acct_drain(SB0 + 3 * B, d, 8), 0);
	CHECK(c->sids[0].h == NULL && c->sids[1].h == NULL);
	return 0;
}

static int
t_sessions_cap(void)
{
	struct acct_customer *c = acct_stream("acme", "big");
	struct acct_delta d[8];
	char sid[32];
	uint64_t added = 0;
	size_t n;

	CHECK(c != NULL);
	for (int i = 0; i < ACCT_SIDS_MAX; i++) {
		snprintf(sid, sizeof(sid), "viewer-%d", i);
		added += (uint64_t)acct_add_session_at(c, sid, SB0);
	}
	/* 100000 distinct SIDs: every one counted (no hash collision). */
	CHECK_U64(added, ACCT_SIDS_MAX);
	CHECK(!c->sids[parity(SB0)].is_capped);
	/* One already there is no news; a new one past the cap is refused and
	 * flags the count "at least". */
	CHECK_INT(acct_add_session_at(c, "viewer-7", SB0), 0);
	CHECK(!c->sids[parity(SB0)].is_capped);
	CHECK_INT(acct_add_session_at(c, "viewer-new", SB0), 0);
	CHECK(c->sids[parity(SB0)].is_capped);
	/* The table stayed within its bound. */
	CHECK(c->sids[parity(SB0)].cap <= 262144);
	n = acct_drain(SB0, d, 8);
	CHECK_INT(n, 1);
	CHECK_U64(d[0].sessions, ACCT_SIDS_MAX);
	CHECK(d[0].sessions_capped);
	/* A fresh bucket starts from zero, uncapped. */
	CHECK_INT(acct_add_session_at(c, "viewer-new", SB0 + 2 * B), 1);
	CHECK(!c->sids[parity(SB0)].is_capped);
	CHECK_U64(c->sids[parity(SB0)].n, 1);
	return 0;
}

static void *
sid_worker(void *arg)
{
	struct acct_customer *c = arg;
	char sid[32];

	/* Each thread adds the same 1000 SIDs: 1000 distinct in all. */
	for (int i = 0; i < 1000; i++) {
		snprintf(sid, sizeof(sid), "s%d", i);
		acct_add_session_at(c, sid, SB0);
	}
	return NULL;
}

static int
t_sessions_threads(void)
{
	struct acct_customer *c = acct_stream("acme", "thr");
	pthread_t t[4];
	struct acct_delta d[8];

	CHECK(c != NULL);
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, sid_worker, c) == 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CHECK_INT(acct_drain(SB0, d, 8), 1);
	CHECK_U64(d[0].sessions, 1000);
	return 0;
}

int
main(void)
{
	RUN(t_bucket_of);
	RUN(t_customer_validation);
	RUN(t_customer_identity);
	RUN(t_customer_capacity);
	RUN_TIMEOUT(t_threads_sum_exactly, 60);
	RUN_TIMEOUT(t_threads_many_customers, 60);
	RUN(t_drain_parity);
	RUN(t_drain_two_slots);
	RUN(t_drain_skips_empty_and_pages);
	RUN(t_viewers_peak);
	RUN(t_restore);
	RUN(t_store_flush_accumulates);
	RUN(t_store_two_nodes_one_file);
	RUN(t_store_bad_path);
	RUN(t_store_timer_flushes);
	RUN(t_streams);
	RUN(t_sessions_distinct);
	RUN(t_sessions_cap);
	RUN_TIMEOUT(t_sessions_threads, 60);
	return check_done();
}
