/*
 * cache: the edge's in-memory object store.
 *
 * One table maps a cache key (path plus content-changing query) to the
 * object currently answering for it. An object goes through
 *
 *   PENDING  --(upstream headers)-->  FILLING  --(last byte)-->  COMPLETE
 *      |                                 |
 *      +---------> FAILED <--------------+     (no answer, 5xx on every
 *      +---------> SUPERSEDED                   upstream, or cut mid-body)
 *
 * SUPERSEDED is a revalidation that got 304: the object it was revalidating
 * (prev) is fresh again and back in the table; its waiters look up again.
 *
 * Requests that find an object PENDING wait on it (they are parked as
 * waiters and woken by the fetcher); requests that find it FILLING stream
 * the bytes already there and wait for more. So however many viewers ask,
 * one upstream fetch fills the object and everyone reads from it.
 *
 * Memory: objects are reference-counted. The table holds one reference;
 * every response in flight and every fetch job holds one. An object is
 * freed when its last reference goes, so eviction never frees bytes under
 * a reader: it only unlinks. cache_max_bytes bounds the bodies of linked
 * objects; only objects still filling may push past it (they cannot be
 * evicted before they are complete). LRU order is by last request; an
 * object not requested for idle_ms is dropped even under budget.
 *
 * Locking: one mutex guards the table, the LRU list, every object's state,
 * body and waiter list. Critical sections are short (a lookup, an append
 * of one curl buffer, a copy of at most one MHD buffer). Complete objects
 * are sent without copy or lock: their body never changes again.
 *
 * Threads: MHD's pool threads call lookup/ref/unref/read; the fetch thread
 * calls the fill functions. Waiter callbacks run with the lock held and
 * must only wake (MHD_resume_connection), never call back into the cache.
 */
#ifndef CDN_EDGE_CACHE_H
#define CDN_EDGE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct acct_customer;

#define COBJ_MAGIC 0xcac4e0b1u
#define COBJ_HDRS_MAX 4096      /* passed-through response header bytes kept */

enum cobj_state {
	COBJ_PENDING = 0,   /* fetch started, no response headers yet */
	COBJ_FILLING,       /* headers known, body arriving */
	COBJ_COMPLETE,      /* body complete */
	COBJ_FAILED,        /* no usable answer; see fail_kind */
	COBJ_SUPERSEDED,    /* revalidated with 304: look up again */
};

enum cobj_fail {
	COBJ_FAIL_NONE = 0,
	COBJ_FAIL_CONNECT,   /* no upstream reachable */
	COBJ_FAIL_TIMEOUT,   /* no answer in time */
	COBJ_FAIL_5XX,       /* every upstream answered 5xx */
	COBJ_FAIL_TOO_LARGE, /* body over object_max_bytes */
	COBJ_FAIL_OTHER,     /* cut mid-body, protocol error, out of memory */
};

struct waiter;

/* Called (cache lock held) when an object a waiter waits on changes. */
typedef void (*waiter_wake_fn)(struct waiter *w);

/* Embedded in a request; linked on one object at a time. */
struct waiter {
	struct waiter *next, *prev;
	struct cobj *on;          /* the object waited on, NULL when not linked */
	waiter_wake_fn wake;
	int64_t deadline_ms;      /* the sweeper wakes it by then (0: none) */
	bool woken;               /* set when woken; cleared by the waiter */
};

struct cobj {
	unsigned magic;
	unsigned refs;                /* under the cache lock */
	enum cobj_state state;
	enum cobj_fail fail_kind;
	char *key;                    /* cache key */
	char *upath;                  /* path and query sent upstream */
	bool is_playlist;             /* path ends in .m3u8 */
	bool is_prefetch;             /* started by the prefetcher, no viewer yet */
	bool linked;                  /* in the table */

	/* Response, set when headers arrive (state >= FILLING). */
	int status;
	char content_type[128];
	char etag[160];
	char last_modified[64];
	char cache_control[256];      /* as sent upstream, passed through */
	char extra_hdrs[COBJ_HDRS_MAX]; /* "Name: value\n" for Access-Control-* */
	char internal_hdrs[512];      /* "Name: value\n" for X-CDN-* (never sent) */
	struct acct_customer *acct;   /* the owner, from X-CDN-Customer (never freed) */
	char owner[65];               /* X-CDN-Customer, X-CDN-Stream ("" when absent) */
	char owner_stream[65];
	int access;                   /* X-CDN-Access (enum play_access), -1 when absent */
	int64_t content_length;       /* -1 when unknown */
	int64_t upstream_age_s;
	int64_t fetched_ms;           /* when the headers arrived (monotonic) */
	int64_t fresh_until_ms;       /* INT64_MAX: fresh until evicted */
	bool no_store;                /* pass to waiters, never keep */
	bool immutable;
	int64_t stale_limit_ms;       /* playlists: one target duration */
	int64_t last_fail_ms;         /* last revalidation failure (0: none) */

	/* Body: grows while FILLING, never changes once COMPLETE. */
	uint8_t *data;
	size_t len, cap;

	/* Revalidation: the object this fetch would replace (referenced). */
	struct cobj *prev;

	/* Table and LRU links (under the lock). */
	struct cobj *hnext;
	struct cobj *lru_prev, *lru_next;
	int64_t last_access_ms;
	struct waiter *waiters;
};

struct cache_stats {
	uint64_t bytes;          /* body bytes of linked objects */
	uint64_t objects;        /* linked objects */
	uint64_t max_bytes;
	uint64_t evict_lru, evict_idle;
};

struct cache;

/* Monotonic milliseconds, the clock every deadline and TTL uses. */
int64_t cache_now_ms(void);

/* max_bytes: body budget; idle_ms: drop objects unrequested this long. */
struct cache *cache_new(uint64_t max_bytes, int64_t idle_ms);
/* Frees every object; no request or fetch may still hold one. */
void cache_free(struct cache *c);

void cache_lock(struct cache *c);
void cache_unlock(struct cache *c);

/*
 * The object linked under key, or NULL. Lock held. Borrowed: take a
 * reference (cobj_ref) before dropping the lock. Does not touch LRU order.
 */
struct cobj *cache_find(struct cache *c, const char *key);

/*
 * Create a PENDING object for key (fetched from upath) and link it,
 * replacing any object linked under key (which is unlinked; if it is
 * passed as prev, the new object takes a reference to it for
 * revalidation). Lock held. Returns the object with one reference for the
 * caller (besides the table's), or NULL on ENOMEM.
 */
struct cobj *cache_insert(struct cache *c, const char *key, const char *upath,
    struct cobj *prev);

/* Put obj back under its key (a 304 made it fresh again). Lock held. */
void cache_relink(struct cache *c, struct cobj *obj);

/* Unlink obj (no_store, failed). Lock held. No-op when not linked. */
void cache_unlink(struct cache *c, struct cobj *obj);

/* A request used obj: move it to the LRU head, stamp last access. Lock held. */
void cache_touch(struct cache *c, struct cobj *obj, int64_t now_ms);

/* Reference counting. ref: lock held. unref: takes the lock itself;
 * unref_locked: lock held. Freeing happens at the last reference. */
void cobj_ref(struct cobj *o);
void cobj_unref(struct cache *c, struct cobj *o);
void cobj_unref_locked(struct cache *c, struct cobj *o);

/*
 * Append body bytes (fetch thread, lock held). Grows the body up to
 * max_len; past it returns -EFBIG and appends nothing. -ENOMEM possible.
 * Accounts the bytes against the budget when linked.
 */
int cobj_append(struct cache *c, struct cobj *o, const void *p, size_t n, size_t max_len);

/* Change state and wake every waiter. Lock held. */
void cobj_set_state(struct cache *c, struct cobj *o, enum cobj_state s);
/* Wake every waiter (new bytes arrived). Lock held. */
void cobj_wake_all(struct cobj *o);

/* Park w on o until cobj_wake_all or the deadline. Lock held. */
void waiter_add(struct cobj *o, struct waiter *w, int64_t deadline_ms);
/* Unpark w if parked. Lock held. */
void waiter_remove(struct waiter *w);

/*
 * Housekeeping, lock held: evict least recently requested complete
 * objects that nobody reads until the body bytes fit the budget, drop
 * objects idle for idle_ms, and wake waiters whose deadline passed.
 */
void cache_maintain(struct cache *c, int64_t now_ms);

/*
 * Only the budget part of cache_maintain, lock held: the fetcher calls it
 * each time an object completes, so complete objects never sit over the
 * budget until the next tick.
 */
void cache_enforce_budget(struct cache *c);

void cache_get_stats(struct cache *c, struct cache_stats *st);

/*
 * Copy up to max bytes of o's body from pos into out (lock taken
 * inside). Returns the bytes copied (0 when none yet).
 */
size_t cobj_read(struct cache *c, struct cobj *o, uint64_t pos, void *out, size_t max);

#endif
