/*
 * acct: per-customer counters; see acct.h.
 */
#include "config.h"

#include <pthread.h>
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

	clock_gettime(CLOCK_REALTIME, &ts);
	return acct_bucket_of((int64_t)ts.tv_sec);
}

static bool
name_ok(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-' || c == '.'))
			return false;
	}
	return n > 0 && n <= ACCT_CUSTOMER_MAX;
}

struct acct_customer *
acct_customer(const char *name)
{
	struct acct_customer *c = NULL;
	size_t n;

	if (name == NULL || !name_ok(name))
		return NULL;
	pthread_mutex_lock(&acct_lock);
	n = atomic_load(&n_customers);
	for (size_t i = 0; i < n; i++)
		if (strcmp(customers[i]->name, name) == 0) {
			c = customers[i];
			goto out;
		}
	if (n == ACCT_MAX_CUSTOMERS || (c = xcalloc(1, sizeof(*c))) == NULL)
		goto out;
	memcpy(c->name, name, strlen(name) + 1);
	customers[n] = c;
	/* Publish after the slot is filled: acct_drain reads without the lock. */
	atomic_store(&n_customers, n + 1);
out:
	pthread_mutex_unlock(&acct_lock);
	return c;
}

static inline struct acct_slot *
cur_slot(struct acct_customer *c)
{
	return &c->slot[(acct_bucket_now() / ACCT_BUCKET_S) & 1];
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
	struct acct_slot *s;
	uint_fast64_t v, peak;

	if (c == NULL)
		return;
	if (delta < 0) {
		atomic_fetch_sub_explicit(&c->viewers, 1, memory_order_relaxed);
		return;
	}
	v = atomic_fetch_add_explicit(&c->viewers, 1, memory_order_relaxed) + 1;
	s = cur_slot(c);
	peak = atomic_load_explicit(&s->peak_viewers, memory_order_relaxed);
	while (v > peak && !atomic_compare_exchange_weak(&s->peak_viewers, &peak, v))
		;
}

size_t
acct_drain(int64_t now_bucket, struct acct_delta *out, size_t max)
{
	size_t n = atomic_load(&n_customers), k = 0;

	for (size_t i = 0; i < n && k < max; i++) {
		struct acct_customer *c = customers[i];
		for (int p = 0; p < 2 && k < max; p++) {
			struct acct_slot *s = &c->slot[p];
			int64_t b = ((now_bucket / ACCT_BUCKET_S) & 1) == p ? now_bucket :
			    now_bucket - ACCT_BUCKET_S;
			struct acct_delta *d = &out[k];
			d->bytes_out = atomic_exchange(&s->bytes_out, 0);
			d->bytes_in = atomic_exchange(&s->bytes_in, 0);
			d->requests = atomic_exchange(&s->requests, 0);
			/* The peak restarts from the viewers watching now. */
			d->peak_viewers = atomic_exchange(&s->peak_viewers,
			    b == now_bucket ? atomic_load(&c->viewers) : 0);
			if (b == now_bucket && d->peak_viewers < atomic_load(&c->viewers))
				d->peak_viewers = atomic_load(&c->viewers);
			if (!d->bytes_out && !d->bytes_in && !d->requests && !d->peak_viewers)
				continue;
			memcpy(d->customer, c->name, sizeof(d->customer));
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
		struct acct_customer *c = acct_customer(d[i].customer);
		int64_t p;
		struct acct_slot *s;

		if (c == NULL)
			continue;
		/* A bucket older than the previous one has no slot left: the
		 * current one keeps the bytes (counted, if one bucket late). */
		p = d[i].bucket >= now_bucket - ACCT_BUCKET_S ? (d[i].bucket / ACCT_BUCKET_S) & 1 :
		    (now_bucket / ACCT_BUCKET_S) & 1;
		s = &c->slot[p];
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
