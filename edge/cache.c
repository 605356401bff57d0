/*
 * cache: the edge's in-memory object store; see cache.h.
 *
 * The table is a chained hash (FNV-1a) that doubles when the load passes
 * 1; the LRU list is doubly linked, head = most recently requested. Both
 * hold only linked objects. Body bytes are accounted when appended to a
 * linked object and released when it is unlinked, so the budget check
 * sees exactly the bodies a lookup can reach.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "clock.h"
#include "log.h"
#include "xalloc.h"

struct cache {
	pthread_mutex_t lock;
	struct cobj **buckets;
	size_t n_buckets;           /* power of two */
	size_t n_objects;
	uint64_t bytes, max_bytes;
	int64_t idle_ms;
	struct cobj *lru_head, *lru_tail;
	uint64_t evict_lru, evict_idle;
	bool enforcing;             /* cache_enforce_budget is running */
};

int64_t
cache_now_ms(void)
{
	return clock_mono_ms();
}

static uint64_t
hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

struct cache *
cache_new(uint64_t max_bytes, int64_t idle_ms)
{
	struct cache *c = xcalloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->n_buckets = 1024;
	c->buckets = xcalloc(c->n_buckets, sizeof(*c->buckets));
	if (c->buckets == NULL) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->max_bytes = max_bytes;
	c->idle_ms = idle_ms;
	return c;
}

static void
cobj_destroy(struct cache *c, struct cobj *o)
{
	if (o->prev)
		cobj_unref_locked(c, o->prev);
	o->magic = 0;
	free(o->data);
	free(o->key);
	free(o->upath);
	free(o);
}

void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	while (c->lru_head) {
		struct cobj *o = c->lru_head;
		cache_unlink(c, o);
	}
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_destroy(&c->lock);
	free(c->buckets);
	free(c);
}

void
cache_lock(struct cache *c)
{
	pthread_mutex_lock(&c->lock);
}

void
cache_unlock(struct cache *c)
{
	pthread_mutex_unlock(&c->lock);
}

struct cobj *
cache_find(struct cache *c, const char *key)
{
	struct cobj *o = c->buckets[hash_key(key) & (c->n_buckets - 1)];

	for (; o; o = o->hnext)
		if (strcmp(o->key, key) == 0)
			return o;
	return NULL;
}

static void
lru_unlink(struct cache *c, struct cobj *o)
{
	if (o->lru_prev)
		o->lru_prev->lru_next = o->lru_next;
	else
		c->lru_head = o->lru_next;
	if (o->lru_next)
		o->lru_next->lru_prev = o->lru_prev;
	else
		c->lru_tail = o->lru_prev;
	o->lru_prev = o->lru_next = NULL;
}

static void
lru_push_head(struct cache *c, struct cobj *o)
{
	o->lru_prev = NULL;
	o->lru_next = c->lru_head;
	if (c->lru_head)
		c->lru_head->lru_prev = o;
	c->lru_head = o;
	if (c->lru_tail == NULL)
		c->lru_tail = o;
}

static void
grow_table(struct cache *c)
{
	size_t n = c->n_buckets * 2;
	struct cobj **nb = xcalloc(n, sizeof(*nb));

	if (nb == NULL)
		return;  /* keep the old table: only slower */
	for (size_t i = 0; i < c->n_buckets; i++) {
		struct cobj *o = c->buckets[i], *next;
		for (; o; o = next) {
			size_t b = hash_key(o->key) & (n - 1);
			next = o->hnext;
			o->hnext = nb[b];
			nb[b] = o;
		}
	}
	free(c->buckets);
	c->buckets = nb;
	c->n_buckets = n;
}

static void
link_obj(struct cache *c, struct cobj *o)
{
	size_t b;

	if (c->n_objects >= c->n_buckets)
		grow_table(c);
	b = hash_key(o->key) & (c->n_buckets - 1);
	o->hnext = c->buckets[b];
	c->buckets[b] = o;
	lru_push_head(c, o);
	o->linked = true;
	o->refs++;
	c->n_objects++;
	c->bytes += o->len;
}

void
cache_unlink(struct cache *c, struct cobj *o)
{
	struct cobj **pp;

	if (!o->linked)
		return;
	pp = &c->buckets[hash_key(o->key) & (c->n_buckets - 1)];
	while (*pp && *pp != o)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = o->hnext;
	o->hnext = NULL;
	lru_unlink(c, o);
	o->linked = false;
	c->n_objects--;
	c->bytes -= o->len;
	cobj_unref_locked(c, o);
}

struct cobj *
cache_insert(struct cache *c, const char *key, const char *upath, struct cobj *prev)
{
	struct cobj *o = xcalloc(1, sizeof(*o)), *old;
	size_t n;

	if (o == NULL)
		return NULL;
	o->magic = COBJ_MAGIC;
	o->key = xstrdup(key);
	o->upath = xstrdup(upath);
	if (o->key == NULL || o->upath == NULL) {
		free(o->key);
		free(o->upath);
		free(o);
		return NULL;
	}
	n = strcspn(upath, "?");
	o->is_playlist = n >= 5 && memcmp(upath + n - 5, ".m3u8", 5) == 0;
	o->content_length = -1;
	o->access = -1;
	o->fresh_until_ms = 0;
	o->last_access_ms = cache_now_ms();
	o->refs = 1;  /* the caller's */
	if (prev) {
		cobj_ref(prev);
		o->prev = prev;
	}
	if ((old = cache_find(c, key)) != NULL)
		cache_unlink(c, old);
	link_obj(c, o);
	return o;
}

void
cache_relink(struct cache *c, struct cobj *o)
{
	struct cobj *old;

	if (o->linked)
		return;
	if ((old = cache_find(c, o->key)) != NULL)
		cache_unlink(c, old);
	link_obj(c, o);
}

void
cache_touch(struct cache *c, struct cobj *o, int64_t now_ms)
{
	o->last_access_ms = now_ms;
	if (o->linked && c->lru_head != o) {
		lru_unlink(c, o);
		lru_push_head(c, o);
	}
}

void
cobj_ref(struct cobj *o)
{
	o->refs++;
}

void
cobj_unref_locked(struct cache *c, struct cobj *o)
{
	if (o == NULL)
		return;
	if (o->magic != COBJ_MAGIC) {
		log_errx("cache: unref of a freed or foreign object");
		abort();
	}
	if (--o->refs == 0) {
		cobj_destroy(c, o);
		return;
	}
	/* The last reader let go: the object may be evicted now, not at the tick. */
	if (o->refs == 1 && o->linked && c->bytes > c->max_bytes)
		cache_enforce_budget(c);
}

void
cobj_unref(struct cache *c, struct cobj *o)
{
	if (o == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	cobj_unref_locked(c, o);
	pthread_mutex_unlock(&c->lock);
}

int
cobj_append(struct cache *c, struct cobj *o, const void *p, size_t n, size_t max_len)
{
	if (n > max_len || o->len > max_len - n)
		return -EFBIG;
	if (o->len + n > o->cap) {
		size_t ncap = o->cap ? o->cap : 16384;
		uint8_t *nd;
		while (ncap < o->len + n)
			ncap = ncap > max_len / 2 ? max_len : ncap * 2;
		if ((nd = realloc(o->data, ncap)) == NULL)
			return -ENOMEM;
		o->data = nd;
		o->cap = ncap;
	}
	memcpy(o->data + o->len, p, n);
	o->len += n;
	if (o->linked)
		c->bytes += n;
	return 0;
}

void
cobj_wake_all(struct cobj *o)
{
	struct waiter *w = o->waiters, *next;

	o->waiters = NULL;
	for (; w; w = next) {
		next = w->next;
		w->next = w->prev = NULL;
		w->on = NULL;
		w->woken = true;
		w->wake(w);
	}
}

void
cobj_set_state(struct cache *c, struct cobj *o, enum cobj_state s)
{
	(void)c;
	o->state = s;
	if (s == COBJ_COMPLETE && o->cap > o->len && o->len > 0) {
		/* Give back the growth slack: the budget counts len, RSS counts cap. */
		uint8_t *nd = realloc(o->data, o->len);
		if (nd) {
			o->data = nd;
			o->cap = o->len;
		}
	}
	cobj_wake_all(o);
}

void
waiter_add(struct cobj *o, struct waiter *w, int64_t deadline_ms)
{
	w->on = o;
	w->deadline_ms = deadline_ms;
	w->woken = false;
	w->prev = NULL;
	w->next = o->waiters;
	if (o->waiters)
		o->waiters->prev = w;
	o->waiters = w;
}

void
waiter_remove(struct waiter *w)
{
	if (w->on == NULL)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		w->on->waiters = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->next = w->prev = NULL;
	w->on = NULL;
}

/* Wake the waiters of o whose deadline passed. */
static void
wake_expired(struct cobj *o, int64_t now_ms)
{
	struct waiter *w = o->waiters, *next;

	for (; w; w = next) {
		next = w->next;
		if (w->deadline_ms && w->deadline_ms <= now_ms) {
			waiter_remove(w);
			w->woken = true;
			w->wake(w);
		}
	}
}

static bool
evictable(const struct cobj *o)
{
	/* Only the table's reference: nobody reads or fills it. */
	return o->refs == 1 && o->state != COBJ_PENDING && o->state != COBJ_FILLING;
}

void
cache_maintain(struct cache *c, int64_t now_ms)
{
	struct cobj *o, *prev;

	/* Idle objects and expired waiters: one pass over the LRU list. */
	for (o = c->lru_tail; o; o = prev) {
		prev = o->lru_prev;
		if (o->waiters)
			wake_expired(o, now_ms);
		if (c->idle_ms > 0 && now_ms - o->last_access_ms >= c->idle_ms && evictable(o)) {
			c->evict_idle++;
			cache_unlink(c, o);
		}
	}
	cache_enforce_budget(c);
}

void
cache_enforce_budget(struct cache *c)
{
	struct cobj *o, *prev;

	if (c->enforcing)
		return;   /* an unref inside the loop below: the loop goes on anyway */
	c->enforcing = true;
	/* Over budget: least recently requested first. */
	for (o = c->lru_tail; o && c->bytes > c->max_bytes; o = prev) {
		prev = o->lru_prev;
		if (evictable(o)) {
			c->evict_lru++;
			cache_unlink(c, o);
		}
	}
	c->enforcing = false;
}

void
cache_get_stats(struct cache *c, struct cache_stats *st)
{
	pthread_mutex_lock(&c->lock);
	st->bytes = c->bytes;
	st->objects = c->n_objects;
	st->max_bytes = c->max_bytes;
	st->evict_lru = c->evict_lru;
	st->evict_idle = c->evict_idle;
	pthread_mutex_unlock(&c->lock);
}

size_t
cobj_read(struct cache *c, struct cobj *o, uint64_t pos, void *out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&c->lock);
	if (pos < o->len) {
		n = o->len - (size_t)pos;
		if (n > max)
			n = max;
		memcpy(out, o->data + pos, n);
	}
	pthread_mutex_unlock(&c->lock);
	return n;
}
