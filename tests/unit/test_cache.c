/*
 * test_cache: the edge's object store (edge/cache.c) and cache keys
 * (edge/cache_key.c).
 *
 * LRU order, the byte budget (and that only objects in flight may push past
 * it), idle expiry, reference counts while an object is being sent or
 * filled, waiters woken on state changes and at their deadline, and the
 * revalidation hand-over (a 304 relinks the old object; the new one is
 * SUPERSEDED). Objects are driven through the same calls the fetcher and
 * the HTTP side make.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "cache.h"
#include "cache_key.h"
#include "check.h"

#define KB 1024

/* Insert key, give it a body of n bytes and complete it; returns it with
 * the caller's reference dropped (the table's stays). */
static struct cobj *
put_complete(struct cache *c, const char *key, size_t n)
{
	static uint8_t body[256 * KB];
	struct cobj *o;

	cache_lock(c);
	o = cache_insert(c, key, key, NULL);
	if (o == NULL) {
		cache_unlock(c);
		return NULL;
	}
	o->status = 200;
	o->fresh_until_ms = INT64_MAX;
	cobj_set_state(c, o, COBJ_FILLING);
	if (n && cobj_append(c, o, body, n, sizeof(body)) != 0)
		o = NULL;
	if (o) {
		cobj_set_state(c, o, COBJ_COMPLETE);
		cobj_unref_locked(c, o);
	}
	cache_unlock(c);
	return o;
}

static bool
present(struct cache *c, const char *key)
{
	bool yes;

	cache_lock(c);
	yes = cache_find(c, key) != NULL;
	cache_unlock(c);
	return yes;
}

static int
t_lru_order(void)
{
	struct cache *c = cache_new(300 * KB, 0);
	struct cache_stats st;
	struct cobj *a;
	int64_t now = cache_now_ms();

	CHECK(c != NULL);
	CHECK((a = put_complete(c, "/a", 100 * KB)) != NULL);
	CHECK(put_complete(c, "/b", 100 * KB) != NULL);
	CHECK(put_complete(c, "/c", 100 * KB) != NULL);
	/* /a requested again: /b is now the least recently requested. */
	cache_lock(c);
	cache_touch(c, a, now + 1);
	cache_unlock(c);
	CHECK(put_complete(c, "/d", 100 * KB) != NULL);
	cache_lock(c);
	cache_maintain(c, now + 2);
	cache_unlock(c);
	CHECK(present(c, "/a"));
	CHECK(!present(c, "/b"));
	CHECK(present(c, "/c"));
	CHECK(present(c, "/d"));
	cache_get_stats(c, &st);
	CHECK_INT(st.bytes, 300 * KB);
	CHECK_INT(st.objects, 3);
	CHECK_INT(st.evict_lru, 1);
	cache_free(c);
	return 0;
}

static int
t_budget_never_exceeded_by_complete_objects(void)
{
	struct cache *c = cache_new(256 * KB, 0);
	struct cache_stats st;
	char key[32];

	CHECK(c != NULL);
	for (int i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "/obj-%d", i);
		CHECK(put_complete(c, key, 30 * KB) != NULL);
		cache_lock(c);
		cache_maintain(c, cache_now_ms());
		cache_unlock(c);
		cache_get_stats(c, &st);
		if (st.bytes > 256 * KB) {
			fprintf(stderr, "  after %d inserts: %llu bytes > budget\n", i + 1,
			    (unsigned long long)st.bytes);
			return 1;
		}
	}
	cache_get_stats(c, &st);
	CHECK_INT(st.objects, 8);   /* 8 x 30 KiB fit 256 KiB; the 9th does not */
	CHECK(present(c, "/obj-49"));
	CHECK(!present(c, "/obj-41"));
	cache_free(c);
	return 0;
}

static int
t_in_flight_not_evicted_but_counted(void)
{
	struct cache *c = cache_new(100 * KB, 0);
	struct cache_stats st;
	static uint8_t body[200 * KB];
	struct cobj *f;

	CHECK(c != NULL);
	CHECK(put_complete(c, "/old", 50 * KB) != NULL);
	cache_lock(c);
	f = cache_insert(c, "/filling", "/filling", NULL);   /* the fetch job's reference */
	CHECK(f != NULL);
	cobj_set_state(c, f, COBJ_FILLING);
	CHECK_INT(cobj_append(c, f, body, 150 * KB, sizeof(body)), 0);
	cache_maintain(c, cache_now_ms());
	cache_unlock(c);
	/* Over budget: /old (complete, unread) goes; /filling stays. */
	CHECK(!present(c, "/old"));
	CHECK(present(c, "/filling"));
	cache_get_stats(c, &st);
	CHECK_INT(st.bytes, 150 * KB);
	/* Complete and unreferenced: now it may go too. */
	cache_lock(c);
	cobj_set_state(c, f, COBJ_COMPLETE);
	cobj_unref_locked(c, f);
	cache_maintain(c, cache_now_ms());
	cache_unlock(c);
	CHECK(!present(c, "/filling"));
	cache_get_stats(c, &st);
	CHECK_INT(st.bytes, 0);
	cache_free(c);
	return 0;
}

static int
t_object_being_sent_survives_eviction(void)
{
	struct cache *c = cache_new(64 * KB, 0);
	struct cobj *o;
	uint8_t out[16];

	CHECK(c != NULL);
	CHECK(put_complete(c, "/seg", 60 * KB) != NULL);
	cache_lock(c);
	o = cache_find(c, "/seg");
	cobj_ref(o);            /* a response in flight */
	cache_unlock(c);
	CHECK(put_complete(c, "/other", 60 * KB) != NULL);
	cache_lock(c);
	cache_maintain(c, cache_now_ms());
	cache_unlock(c);
	/* The budget wants one to go; /seg is being sent, so /other goes. */
	CHECK(present(c, "/seg"));
	CHECK(!present(c, "/other"));
	/* Unlink /seg anyway (as no_store does): the reader still reads it. */
	cache_lock(c);
	cache_unlink(c, o);
	cache_unlock(c);
	CHECK(!present(c, "/seg"));
	CHECK_INT(o->magic, COBJ_MAGIC);
	CHECK_INT(cobj_read(c, o, 60 * KB - 16, out, sizeof(out)), 16);
	CHECK_INT(cobj_read(c, o, 60 * KB, out, sizeof(out)), 0);
	cobj_unref(c, o);       /* the last reference: freed now (ASan checks) */
	cache_free(c);
	return 0;
}

static int
t_budget_enforced_when_the_last_reader_leaves(void)
{
	struct cache *c = cache_new(64 * KB, 0);
	static uint8_t body[60 * KB];
	struct cache_stats st;
	struct cobj *a, *b;

	CHECK(c != NULL);
	CHECK(put_complete(c, "/a", 60 * KB) != NULL);
	cache_lock(c);
	a = cache_find(c, "/a");
	cobj_ref(a);                 /* a viewer is being sent /a */
	b = cache_insert(c, "/b", "/b", NULL);   /* the caller's ref: another viewer */
	cobj_set_state(c, b, COBJ_FILLING);
	CHECK_INT(cobj_append(c, b, body, sizeof(body), sizeof(body)), 0);
	cobj_set_state(c, b, COBJ_COMPLETE);
	cache_enforce_budget(c);     /* both in use: nothing can go */
	cache_unlock(c);
	cache_get_stats(c, &st);
	CHECK_INT(st.bytes, 120 * KB);
	/* /a's viewer finishes: /a is the least recent and now free: it goes at
	 * once, without waiting for the maintenance tick. */
	cobj_unref(c, a);
	cache_get_stats(c, &st);
	CHECK_INT(st.bytes, 60 * KB);
	CHECK(!present(c, "/a"));
	CHECK(present(c, "/b"));
	cobj_unref(c, b);
	cache_free(c);
	return 0;
}

static int
t_idle_expiry(void)
{
	struct cache *c = cache_new(10 << 20, 5000);
	struct cache_stats st;
	struct cobj *a;
	int64_t now = cache_now_ms();

	CHECK(c != NULL);
	CHECK((a = put_complete(c, "/a", KB)) != NULL);
	CHECK(put_complete(c, "/b", KB) != NULL);
	cache_lock(c);
	cache_touch(c, a, now + 4000);
	cache_maintain(c, now + 4999);   /* nothing idle for 5 s yet */
	cache_unlock(c);
	CHECK(present(c, "/a"));
	CHECK(present(c, "/b"));
	cache_lock(c);
	cache_maintain(c, now + 6000);   /* /b idle 6 s, /a 2 s */
	cache_unlock(c);
	CHECK(present(c, "/a"));
	CHECK(!present(c, "/b"));
	cache_get_stats(c, &st);
	CHECK_INT(st.evict_idle, 1);
	CHECK_INT(st.evict_lru, 0);
	cache_free(c);
	return 0;
}

static int n_woken;
static void count_wake(struct waiter *w) { (void)w; n_woken++; }

static int
t_waiters_woken_on_state_and_deadline(void)
{
	struct cache *c = cache_new(1 << 20, 0);
	struct waiter w[3];
	struct cobj *o;
	int64_t now = cache_now_ms();

	CHECK(c != NULL);
	memset(w, 0, sizeof(w));
	cache_lock(c);
	o = cache_insert(c, "/p", "/p", NULL);
	for (int i = 0; i < 3; i++) {
		w[i].wake = count_wake;
		waiter_add(o, &w[i], i == 0 ? now + 100 : now + 100000);
	}
	/* Deadline: only w[0] is woken. */
	n_woken = 0;
	cache_maintain(c, now + 200);
	CHECK_INT(n_woken, 1);
	CHECK(w[0].woken && w[0].on == NULL);
	CHECK(!w[1].woken && w[1].on == o);
	/* One leaves (client gone): the other is woken by the state change. */
	waiter_remove(&w[2]);
	CHECK(w[2].on == NULL);
	cobj_set_state(c, o, COBJ_FILLING);
	CHECK_INT(n_woken, 2);
	CHECK(w[1].woken && o->waiters == NULL);
	cobj_set_state(c, o, COBJ_COMPLETE);
	cobj_unref_locked(c, o);
	cache_unlock(c);
	cache_free(c);
	return 0;
}

static int
t_revalidation_relinks_prev(void)
{
	struct cache *c = cache_new(1 << 20, 0);
	struct cobj *old, *n;

	CHECK(c != NULL);
	CHECK((old = put_complete(c, "/pl.m3u8", 500)) != NULL);
	cache_lock(c);
	n = cache_insert(c, "/pl.m3u8", "/pl.m3u8", old);
	CHECK(n->prev == old);
	CHECK(cache_find(c, "/pl.m3u8") == n);
	CHECK(!old->linked);
	CHECK(n->is_playlist);
	/* 304: the old object is fresh again and answers for the key. */
	cache_relink(c, old);
	CHECK(cache_find(c, "/pl.m3u8") == old);
	CHECK(!n->linked);
	cobj_set_state(c, n, COBJ_SUPERSEDED);
	cobj_unref_locked(c, n);     /* frees n, which drops its ref on old */
	CHECK_INT(old->refs, 1);     /* the table's */
	cache_unlock(c);
	cache_free(c);
	return 0;
}

static int
t_append_ceiling(void)
{
	struct cache *c = cache_new(1 << 20, 0);
	static uint8_t body[10 * KB];
	struct cobj *o;

	CHECK(c != NULL);
	cache_lock(c);
	o = cache_insert(c, "/big", "/big", NULL);
	CHECK_INT(cobj_append(c, o, body, 6 * KB, 10 * KB), 0);
	CHECK_INT(cobj_append(c, o, body, 5 * KB, 10 * KB), -EFBIG);
	CHECK_INT(o->len, 6 * KB);
	CHECK_INT(cobj_append(c, o, body, 4 * KB, 10 * KB), 0);
	CHECK_INT(o->len, 10 * KB);
	cobj_set_state(c, o, COBJ_COMPLETE);
	cobj_unref_locked(c, o);
	cache_unlock(c);
	cache_free(c);
	return 0;
}

static int
t_many_keys_grow_table(void)
{
	struct cache *c = cache_new(1ull << 30, 0);
	char key[32];

	CHECK(c != NULL);
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "/k%d", i);
		CHECK(put_complete(c, key, 1) != NULL);
	}
	for (int i = 0; i < 5000; i += 499) {
		snprintf(key, sizeof(key), "/k%d", i);
		CHECK(present(c, key));
	}
	CHECK(!present(c, "/k5000"));
	cache_free(c);
	return 0;
}

static const struct key_case {
	const char *path, *query, *want;
	int rc;
} key_cases[] = {
	{ "/hls/a/index.m3u8", NULL, "/hls/a/index.m3u8", 0 },
	{ "/hls/a/index.m3u8", "", "/hls/a/index.m3u8", 0 },
	{ "/hls/a/index.m3u8", "token=abc", "/hls/a/index.m3u8", 0 },
	{ "/hls/a/s.ts", "token=abc&x=1", "/hls/a/s.ts?x=1", 0 },
	{ "/hls/a/s.ts", "x=1&token=abc&y", "/hls/a/s.ts?x=1&y", 0 },
	{ "/hls/a/s.ts", "_HLS_msn=5&_HLS_part=2", "/hls/a/s.ts?_HLS_msn=5&_HLS_part=2", 0 },
	{ "/hls/a/s.ts", "tokenx=1", "/hls/a/s.ts?tokenx=1", 0 },
	{ "/hls/a/s.ts", "token", "/hls/a/s.ts", 0 },
	{ "/hls/a/s.ts", "a=%41", "/hls/a/s.ts?a=%41", 0 },
	{ "/hls/a/s.ts", "a=%4", NULL, -EINVAL },
	{ "/hls/a/s.ts", "a=%zz", NULL, -EINVAL },
	{ "/hls/a/s.ts", "a=b c", NULL, -EINVAL },
	{ "/hls/a/s.ts", "a=\r\nX: y", NULL, -EINVAL },
	{ "/hls/a/s.ts", "a=\"", NULL, -EINVAL },
};

static int
t_cache_keys(void)
{
	char *ig[] = { (char *)"token" };
	struct conf_list ignore = { ig, 1 };
	char out[CACHE_KEY_MAX], small[12];
	char longq[CACHE_KEY_QUERY_MAX + 10];

	for (size_t i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
		const struct key_case *k = &key_cases[i];
		int rc = cache_key_make(k->path, k->query, &ignore, out, sizeof(out));
		if (rc != k->rc) {
			fprintf(stderr, "  case %zu (%s): got %d, want %d\n", i,
			    k->query ? k->query : "(null)", rc, k->rc);
			return 1;
		}
		if (rc == 0)
			CHECK_STR(out, k->want);
	}
	CHECK_INT(cache_key_make("/hls/a/s.ts", "x=1", &ignore, small, sizeof(small)),
	    -ENAMETOOLONG);
	memset(longq, 'a', sizeof(longq) - 1);
	longq[sizeof(longq) - 1] = '\0';
	CHECK_INT(cache_key_make("/x", longq, &ignore, out, sizeof(out)), -EINVAL);
	return 0;
}

int
main(void)
{
	RUN(t_lru_order);
	RUN(t_budget_never_exceeded_by_complete_objects);
	RUN(t_in_flight_not_evicted_but_counted);
	RUN(t_object_being_sent_survives_eviction);
	RUN(t_budget_enforced_when_the_last_reader_leaves);
	RUN(t_idle_expiry);
	RUN(t_waiters_woken_on_state_and_deadline);
	RUN(t_revalidation_relinks_prev);
	RUN(t_append_ceiling);
	RUN(t_many_keys_grow_table);
	RUN(t_cache_keys);
	return check_done();
}
