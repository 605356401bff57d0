/*
 * acct: per-customer traffic counters of one node, in 5-minute buckets
 * aligned to UTC (docs/accounting.md).
 *
 * Hot path: a caller resolves the customer once (acct_customer: a lookup
 * under a lock, the slot is never freed) and keeps the pointer with the
 * object or stream; counting a response is then one relaxed atomic add per
 * counter on the slot of the current bucket, in the calling thread's own
 * shard (a cache line no other thread writes, so server threads never
 * bounce one line between cores). No lock per request; the bucket comes
 * from the coarse real-time clock (milliseconds are plenty for 5 minutes).
 *
 * Each customer has two slots, for the current bucket and the one before,
 * chosen by the bucket number's parity. The flusher (acct_store, at least
 * every 10 s) drains both slots with atomic exchanges and attributes each
 * slot's bytes to the bucket whose parity it has: the current one or the
 * previous one. Bytes counted by a thread that read the clock just before
 * a bucket boundary and added just after land in the bucket it read: a
 * boundary blurs by at most the time between those two instructions.
 *
 * Counted: bytes_out (response bodies sent to viewers, headers excluded),
 * bytes_in (media bytes received from broadcasters), requests, and the
 * peak of concurrent viewers (a gauge the caller sets: requests in flight
 * for the customer's streams). The peak is kept per shard and summed: an
 * upper bound of the true peak (two shards may peak at different moments),
 * documented as an estimate.
 *
 * Sessions (unique viewers, docs/accounting.md "Unique viewers"): the
 * distinct session ids (a playback token's SID) served per stream and
 * bucket. This is a set, not a counter, so it cannot be lock-free at the
 * same price: each stream has a small mutex taken ONLY by requests with a
 * valid token that carries a SID (never by the lock-free counters above).
 * A set holds 64-bit keyed hashes of the SIDs (a random key per process;
 * two SIDs collide with probability ~n^2/2^65, negligible at the cap), at
 * most ACCT_SIDS_MAX per stream per bucket: past that, new SIDs are not
 * counted and the bucket is flagged "at least". Two sets per stream (by
 * bucket parity, as the slots); the flusher frees the previous bucket's
 * set once it has drained its final count.
 */
#ifndef CDN_ACCT_H
#define CDN_ACCT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACCT_BUCKET_S 300
#define ACCT_CUSTOMER_MAX 64     /* name length, as keys.h allows */
#define ACCT_MAX_CUSTOMERS 16384   /* (customer, stream) pairs counted at once */

struct acct_slot {
	atomic_uint_fast64_t bytes_out, bytes_in, requests;
	atomic_uint_fast64_t peak_viewers;
};

#define ACCT_SIDS_MAX 100000       /* distinct SIDs per stream, bucket and node */

/* One bucket's set of SIDs (hashes; open addressing, 0 = empty). */
struct acct_sids {
	int64_t bucket;                    /* -1: none */
	uint64_t *h;                       /* NULL until the first SID */
	size_t cap;                        /* slots, a power of 2 */
	uint64_t n;                        /* distinct SIDs (<= ACCT_SIDS_MAX) */
	uint64_t drained;                  /* n at the last drain */
	bool is_capped;                    /* a SID was refused: n is "at least" */
	bool capped_drained;
};

#define ACCT_SHARDS 16               /* threads map onto shards round-robin */

struct acct_shard {
	struct acct_slot slot[2];          /* by bucket parity */
	atomic_int_fast64_t viewers;       /* this shard's part of the gauge */
} __attribute__((aligned(64)));

struct acct_customer {
	char name[ACCT_CUSTOMER_MAX + 1];
	char stream[ACCT_CUSTOMER_MAX + 1];   /* "" when not per stream */
	struct acct_shard shard[ACCT_SHARDS];
	pthread_mutex_t sid_lock;          /* the sets only; see above */
	struct acct_sids sids[2];          /* by bucket parity */
};

/* The bucket (its start, Unix seconds) a Unix time falls in. */
static inline int64_t
acct_bucket_of(int64_t unix_s)
{
	return unix_s - (unix_s % ACCT_BUCKET_S + ACCT_BUCKET_S) % ACCT_BUCKET_S;
}

/*
 * A customer or stream name as accounting takes it: 1..ACCT_CUSTOMER_MAX
 * bytes of [A-Za-z0-9_.-] (wider than the origin's keys_name_ok, which
 * every name it hands out passes; shipments are checked with this).
 * NULL is refused.
 */
bool acct_name_ok(const char *s);

/* Now's bucket, from CLOCK_REALTIME. */
int64_t acct_bucket_now(void);

/*
 * The counters of customer name (created at first use). Names that are
 * empty, too long or hold bytes outside [A-Za-z0-9_.-] are refused (NULL),
 * as is a customer past ACCT_MAX_CUSTOMERS. The pointer stays valid for
 * the life of the process. Any thread.
 */
struct acct_customer *acct_customer(const char *name);

/*
 * The counters of one stream of a customer (the same rules for both
 * names; stream NULL or "" is the customer's own, as acct_customer).
 * Counting per stream gives the peak of concurrent viewers per stream;
 * reports sum the streams for the customer's bytes.
 */
struct acct_customer *acct_stream(const char *customer, const char *stream);

/* Count; any thread, lock-free. c may be NULL (not attributed: ignored). */
void acct_add_out(struct acct_customer *c, uint64_t bytes);
void acct_add_in(struct acct_customer *c, uint64_t bytes);
void acct_add_request(struct acct_customer *c);
/* Viewers gauge: +1 when a viewer starts, -1 when it ends. */
void acct_viewer(struct acct_customer *c, int delta);

/*
 * A viewer with session id sid (a verified token's SID) was served: add
 * it to the current bucket's set. c or sid NULL, or sid "", is ignored.
 * Any thread; takes c's sid_lock (only this and the flusher do). Borrows
 * sid.
 */
void acct_add_session(struct acct_customer *c, const char *sid);

/*
 * The same into the set of bucket (tests; acct_add_session uses now).
 * Returns 1 when sid is new, 0 when already there or not counted (a
 * bucket older than the set's, or the set is full: then it is capped).
 */
int acct_add_session_at(struct acct_customer *c, const char *sid, int64_t bucket);

/* One drained delta, for the flusher. */
struct acct_delta {
	char customer[ACCT_CUSTOMER_MAX + 1];
	char stream[ACCT_CUSTOMER_MAX + 1];
	int64_t bucket;                    /* start, Unix seconds */
	uint64_t bytes_out, bytes_in, requests, peak_viewers;
	uint64_t sessions;                 /* ABSOLUTE distinct SIDs in the bucket so far */
	bool sessions_capped;              /* sessions is a lower bound */
};

/*
 * Drain every customer's slots into out (up to max entries; call again if
 * it returns max). now_bucket: the current bucket. Entries with nothing
 * counted are skipped. Returns the number of entries written.
 */
size_t acct_drain(int64_t now_bucket, struct acct_delta *out, size_t max);

/* Undo a drain that could not be stored (the flusher's write failed). */
void acct_restore(const struct acct_delta *d, size_t n, int64_t now_bucket);

#endif
