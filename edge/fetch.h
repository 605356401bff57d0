/*
 * fetch: the edge's upstream client, one thread driving a libcurl multi
 * handle (CONVENTIONS 11: curl is owned by one thread; others enqueue).
 *
 * A fetch fills one cache object: it sends the object's upstream path to
 * the first upstream that is up (with If-None-Match / If-Modified-Since
 * when it revalidates obj->prev), publishes the response headers into the
 * object (PENDING -> FILLING), appends body bytes as curl delivers them
 * and wakes the waiters each time, and ends it COMPLETE or FAILED. A
 * connect error, timeout or 5xx before any body byte was published moves
 * the fetch to the next upstream. A 304 makes prev fresh again
 * (SUPERSEDED). When a playlist completes, it is scanned (m3u8_scan) for
 * its target duration (the stale limit) and, with prefetch on, the newest
 * segments the cache lacks are fetched at once.
 *
 * The same thread checks every upstream's health URL each interval and
 * runs cache_maintain (eviction, idle expiry, waiter deadlines) every
 * 100 ms.
 */
#ifndef CDN_EDGE_FETCH_H
#define CDN_EDGE_FETCH_H

#include "cache.h"
#include "edge_access.h"
#include "edge_conf.h"
#include "upstream.h"

struct fetcher;

/*
 * Start the fetch thread. Borrows cfg, ups, cache and access (which learns
 * each playlist's access mode; may be NULL) for its lifetime.
 * Returns NULL on failure (logged).
 */
struct fetcher *fetch_start(const struct edge_cfg *cfg, struct upstream_set *ups,
    struct cache *cache, struct edge_access *access);

/*
 * Queue a fetch for o (PENDING, linked). Takes over one reference the
 * caller holds (the one cache_insert returned). Callable from any thread,
 * but not with the cache lock held (it may drop the reference).
 */
void fetch_submit(struct fetcher *f, struct cobj *o);

/*
 * Stop the thread: transfers in flight fail, their waiters are woken.
 * Later submissions are refused (their objects stay PENDING). NULL-safe.
 */
void fetch_stop(struct fetcher *f);
/* Stop if needed, and free. No other thread may use f any more. NULL-safe. */
void fetch_free(struct fetcher *f);

#endif
