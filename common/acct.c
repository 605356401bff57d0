/*
 * acct: per-customer counters; see acct.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/random.h>
#include <assert.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "acct.h"
#include "xalloc.h"

static pthread_mutex_t acct_lock = PTHREAD_MUTEX_INITIALIZER;
static struct acct_customer *customers[ACCT_MAX_CUSTOMERS];
static atomic_size_t n_customers;

int64_t
acct_bucket_now(void)
{
	struct timespec ts;

	/* Coarse: a few ms of resolution, a fraction of the vDSO call's cost. */
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return acct_bucket_of((int64_t)ts.tv_sec);
}

static atomic_uint next_shard;
static _Thread_local unsigned my_shard = ~0u;

static inline struct acct_shard *
shard_of(struct acct_customer *c)
{
	if (my_shard == ~0u)
		my_shard = atomic_fetch_add(&next_shard, 1) % ACCT_SHARDS;
	return &c->shard[my_shard];
}

bool
acct_name_ok(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return false;
	for (; s[n] && n <= ACCT_CUSTOMER_MAX; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-' || c == '.'))
			return false;
	}
	return n > 0 && n <= ACCT_CUSTOMER_MAX;
}

struct acct_customer *
acct_stream(const char *name, const char *stream)
{
	struct acct_customer *c = NULL;
	size_t n;

	if (stream == NULL)
		stream = "";
	if (name == NULL || !acct_name_ok(name) || (stream[0] && !acct_name_ok(stream)))
		return NULL;
	pthread_mutex_lock(&acct_lock);
	n = atomic_load(&n_customers);
	for (size_t i = 0; i < n; i++)
		if (strcmp(customers[i]->name, name) == 0 && strcmp(customers[i]->stream, stream) == 0) {
			c = customers[i];
			goto out;
		}
	/* Shards are cache-line aligned: allocate the customer so. */
	if (n == ACCT_MAX_CUSTOMERS || (c = aligned_alloc(64, sizeof(*c))) == NULL)
		goto out;
	memset(c, 0, sizeof(*c));
	memcpy(c->name, name, strlen(name) + 1);
	memcpy(c->stream, stream, strlen(stream) + 1);
	pthread_mutex_init(&c->sid_lock, NULL);
	c->sids[0].bucket = c->sids[1].bucket = -1;
	customers[n] = c;
	/* Publish after the slot is filled: acct_drain reads without the lock. */
	atomic_store(&n_customers, n + 1);
out:
	pthread_mutex_unlock(&acct_lock);
	return c;
}

struct acct_customer *
acct_customer(const char *name)
{
	return acct_stream(name, "");
}

static inline struct acct_slot *
cur_slot(struct acct_customer *c)
{
	return &shard_of(c)->slot[(acct_bucket_now() / ACCT_BUCKET_S) & 1];
}

void
acct_add_out(struct acct_customer *c, uint64_t bytes)
{
	if (c && bytes)
		atomic_fetch_add_explicit(&cur_slot(c)->bytes_out, bytes, memory_order_relaxed);
}

void
acct_add_in(struct acct_customer *c, uint64_t bytes)
{
	if (c && bytes)
		atomic_fetch_add_explicit(&cur_slot(c)->bytes_in, bytes, memory_order_relaxed);
}

void
acct_add_request(struct acct_customer *c)
{
	if (c)
		atomic_fetch_add_explicit(&cur_slot(c)->requests, 1, memory_order_relaxed);
}

void
acct_viewer(struct acct_customer *c, int delta)
{
	struct acct_shard *sh;
	struct acct_slot *s;
	int_fast64_t v;
	uint_fast64_t peak;

	if (c == NULL)
		return;
	sh = shard_of(c);
	v = atomic_fetch_add_explicit(&sh->viewers, delta < 0 ? -1 : 1, memory_order_relaxed) +
	    (delta < 0 ? -1 : 1);
	if (delta < 0 || v <= 0)
		return;
	/* Only this thread writes this shard's peak: a load and a store. */
	s = &sh->slot[(acct_bucket_now() / ACCT_BUCKET_S) & 1];
	peak = atomic_load_explicit(&s->peak_viewers, memory_order_relaxed);
	if ((uint_fast64_t)v > peak)
		atomic_store_explicit(&s->peak_viewers, (uint_fast64_t)v, memory_order_relaxed);
}

/* ---- sessions: sets of SIDs ------------------------------------------------- */

/* Table slots at most: the smallest power of 2 keeping the load <= 1/2. */
#define SIDS_SLOTS_MAX 262144
static_assert(SIDS_SLOTS_MAX >= 2 * ACCT_SIDS_MAX, "sid table too small for the cap");

static pthread_once_t sid_key_once = PTHREAD_ONCE_INIT;
static uint64_t sid_key;

static void
sid_key_init(void)
{
	/* Keyed so a SID cannot be chosen to collide with another across nodes
	 * or restarts; a fallback key only weakens that, not the count. */
	if (getrandom(&sid_key, sizeof(sid_key), 0) != (ssize_t)sizeof(sid_key))
		sid_key = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
}

static uint64_t
sid_hash(const char *sid)
{
	uint64_t h = 0xcbf29ce484222325ull ^ sid_key;

	for (const unsigned char *p = (const unsigned char *)sid; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	/* splitmix64 finalizer: FNV's low bits alone probe badly */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h ? h : 1;   /* 0 marks an empty slot */
}

static void
sids_reset(struct acct_sids *s, int64_t bucket)
{
	free(s->h);
	s->h = NULL;
	s->cap = 0;
	s->n = s->drained = 0;
	s->is_capped = s->capped_drained = false;
	s->bucket = bucket;
}

static void
sids_insert(uint64_t *h, size_t cap, uint64_t v)
{
	size_t i = (size_t)v & (cap - 1);

	while (h[i] != 0)
		i = (i + 1) & (cap - 1);
	h[i] = v;
}

/* sid_lock held. -ENOMEM, or 0. */
static int
sids_grow(struct acct_sids *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 64;
	uint64_t *nh;

	if (ncap > SIDS_SLOTS_MAX || (nh = xcalloc(ncap, sizeof(*nh))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++)
		if (s->h[i])
			sids_insert(nh, ncap, s->h[i]);
	free(s->h);
	s->h = nh;
	s->cap = ncap;
	return 0;
}

int
acct_add_session_at(struct acct_customer *c, const char *sid, int64_t bucket)
{
	struct acct_sids *s;
	uint64_t v;
	int added = 0;

	if (c == NULL || sid == NULL || sid[0] == '\0')
		return 0;
	pthread_once(&sid_key_once, sid_key_init);
	v = sid_hash(sid);
	pthread_mutex_lock(&c->sid_lock);
	s = &c->sids[(bucket / ACCT_BUCKET_S) & 1];
	if (s->bucket > bucket)
		goto out;   /* a straggler from a bucket already gone */
	if (s->bucket < bucket)
		sids_reset(s, bucket);
	if (s->h) {
		for (size_t i = (size_t)v & (s->cap - 1); s->h[i]; i = (i + 1) & (s->cap - 1))
			if (s->h[i] == v)
				goto out;
	}
	if (s->n >= ACCT_SIDS_MAX || ((s->n + 1) * 2 > s->cap && sids_grow(s) != 0)) {
		s->is_capped = true;   /* counted no further: the figure is "at least" */
		goto out;
	}
	sids_insert(s->h, s->cap, v);
	s->n++;
	added = 1;
out:
	pthread_mutex_unlock(&c->sid_lock);
	return added;
}

void
acct_add_session(struct acct_customer *c, const char *sid)
{
	if (c && sid && sid[0])
		acct_add_session_at(c, sid, acct_bucket_now());
}

/*
 * The flusher's part: report the set of bucket b (parity p) into d when it
 * changed. A set of a finished bucket (the previous one, already reported
 * unchanged, or older) is freed: its final count is in the spool.
 */
static void
sids_drain(struct acct_customer *c, int p, int64_t b, int64_t now_bucket, struct acct_delta *d)
{
	struct acct_sids *s = &c->sids[p];

	pthread_mutex_lock(&c->sid_lock);
	if (s->bucket == b && (s->n != s->drained || s->is_capped != s->capped_drained)) {
		d->sessions = s->n;
		d->sessions_capped = s->is_capped;
		s->drained = s->n;
		s->capped_drained = s->is_capped;
	} else if (s->bucket >= 0 && (s->bucket < b || b < now_bucket)) {
		sids_reset(s, -1);
	}
	pthread_mutex_unlock(&c->sid_lock);
}

size_t
acct_drain(int64_t now_bucket, struct acct_delta *out, size_t max)
{
	size_t n = atomic_load(&n_customers), k = 0;

	for (size_t i = 0; i < n && k < max; i++) {
		struct acct_customer *c = customers[i];
		int64_t viewers_now = 0;
		for (int h = 0; h < ACCT_SHARDS; h++)
			viewers_now += atomic_load(&c->shard[h].viewers);
		for (int p = 0; p < 2 && k < max; p++) {
			int64_t b = ((now_bucket / ACCT_BUCKET_S) & 1) == p ? now_bucket :
			    now_bucket - ACCT_BUCKET_S;
			struct acct_delta *d = &out[k];
			memset(d, 0, sizeof(*d));
			for (int h = 0; h < ACCT_SHARDS; h++) {
				struct acct_slot *s = &c->shard[h].slot[p];
				d->bytes_out += atomic_exchange(&s->bytes_out, 0);
				d->bytes_in += atomic_exchange(&s->bytes_in, 0);
				d->requests += atomic_exchange(&s->requests, 0);
				d->peak_viewers += atomic_exchange(&s->peak_viewers, 0);
			}
			/* Viewers still watching count in the current bucket, and carry
			 * into the next interval's peak (they were there at its start). */
			if (b == now_bucket && viewers_now > 0) {
				if (d->peak_viewers < (uint64_t)viewers_now)
					d->peak_viewers = (uint64_t)viewers_now;
				atomic_store(&c->shard[0].slot[p].peak_viewers,
				    (uint64_t)viewers_now);
			}
			sids_drain(c, p, b, now_bucket, d);
			if (!d->bytes_out && !d->bytes_in && !d->requests && !d->peak_viewers &&
			    !d->sessions)
				continue;
			memcpy(d->customer, c->name, sizeof(d->customer));
			memcpy(d->stream, c->stream, sizeof(d->stream));
			d->bucket = b;
			k++;
		}
	}
	return k;
}

void
acct_restore(const struct acct_delta *d, size_t n, int64_t now_bucket)
{
	for (size_t i = 0; i < n; i++) {
		struct acct_customer *c = acct_stream(d[i].customer, d[i].stream);
		int64_t p;
		struct acct_slot *s;

		if (c == NULL)
			continue;
		/* A bucket older than the previous one has no slot left: the
		 * current one keeps the bytes (counted, if one bucket late). */
		p = d[i].bucket >= now_bucket - ACCT_BUCKET_S ? (d[i].bucket / ACCT_BUCKET_S) & 1 :
		    (now_bucket / ACCT_BUCKET_S) & 1;
		s = &c->shard[0].slot[p];
		if (d[i].sessions) {
			/* Report the set again next time (the spool keeps the max). */
			struct acct_sids *ss = &c->sids[(d[i].bucket / ACCT_BUCKET_S) & 1];
			pthread_mutex_lock(&c->sid_lock);
			if (ss->bucket == d[i].bucket)
				ss->drained = UINT64_MAX;
			pthread_mutex_unlock(&c->sid_lock);
		}
		atomic_fetch_add(&s->bytes_out, d[i].bytes_out);
		atomic_fetch_add(&s->bytes_in, d[i].bytes_in);
		atomic_fetch_add(&s->requests, d[i].requests);
		{
			uint_fast64_t peak = atomic_load(&s->peak_viewers);
			while (d[i].peak_viewers > peak &&
			    !atomic_compare_exchange_weak(&s->peak_viewers, &peak, d[i].peak_viewers))
				;
		}
	}
}
