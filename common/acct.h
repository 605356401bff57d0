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
 */
#ifndef CDN_ACCT_H
#define CDN_ACCT_H

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

#define ACCT_SHARDS 16               /* threads map onto shards round-robin */

struct acct_shard {
	struct acct_slot slot[2];          /* by bucket parity */
	atomic_int_fast64_t viewers;       /* this shard's part of the gauge */
} __attribute__((aligned(64)));

struct acct_customer {
	char name[ACCT_CUSTOMER_MAX + 1];
	char stream[ACCT_CUSTOMER_MAX + 1];   /* "" when not per stream */
	struct acct_shard shard[ACCT_SHARDS];
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

/* One drained delta, for the flusher. */
struct acct_delta {
	char customer[ACCT_CUSTOMER_MAX + 1];
	char stream[ACCT_CUSTOMER_MAX + 1];
	int64_t bucket;                    /* start, Unix seconds */
	uint64_t bytes_out, bytes_in, requests, peak_viewers;
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
