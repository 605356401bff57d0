/*
 * ip_count: per-address connection counts; see ip_count.h.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ip_count.h"
#include "xalloc.h"

struct ip_entry {
	struct ip_entry *next;
	struct ip_key k;
	unsigned n;
};

struct ip_count {
	struct ip_entry **b;
	size_t n_buckets;
	size_t n_addrs;
};

int
ip_key_from_sa(const struct sockaddr *sa, struct ip_key *k)
{
	memset(k, 0, sizeof(*k));
	if (sa == NULL)
		return -EAFNOSUPPORT;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		memcpy(k->a, &s4->sin_addr, 4);
		k->len = 4;
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			memcpy(k->a, &s6->sin6_addr.s6_addr[12], 4);
			k->len = 4;
		} else {
			memcpy(k->a, &s6->sin6_addr, 16);
			k->len = 16;
		}
		return 0;
	}
	return -EAFNOSUPPORT;
}

/* FNV-1a over the address bytes. */
static size_t
bucket_of(const struct ip_count *t, const struct ip_key *k)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < k->len; i++)
		h = (h ^ k->a[i]) * 16777619u;
	return h % t->n_buckets;
}

static bool
key_eq(const struct ip_key *x, const struct ip_key *y)
{
	return x->len == y->len && memcmp(x->a, y->a, x->len) == 0;
}

struct ip_count *
ip_count_new(size_t n_buckets)
{
	struct ip_count *t = xcalloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->n_buckets = n_buckets ? n_buckets : 1;
	if ((t->b = xcalloc(t->n_buckets, sizeof(*t->b))) == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

void
ip_count_free(struct ip_count *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct ip_entry *e = t->b[i], *next;
		for (; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(t->b);
	free(t);
}

unsigned
ip_count_get(const struct ip_count *t, const struct ip_key *k)
{
	for (const struct ip_entry *e = t->b[bucket_of(t, k)]; e; e = e->next)
		if (key_eq(&e->k, k))
			return e->n;
	return 0;
}

unsigned
ip_count_add(struct ip_count *t, const struct ip_key *k)
{
	size_t i = bucket_of(t, k);
	struct ip_entry *e;

	for (e = t->b[i]; e; e = e->next)
		if (key_eq(&e->k, k))
			return ++e->n;
	if ((e = xcalloc(1, sizeof(*e))) == NULL)
		return 0;
	e->k = *k;
	e->n = 1;
	e->next = t->b[i];
	t->b[i] = e;
	t->n_addrs++;
	return 1;
}

void
ip_count_del(struct ip_count *t, const struct ip_key *k)
{
	struct ip_entry **pp = &t->b[bucket_of(t, k)];

	for (; *pp; pp = &(*pp)->next) {
		struct ip_entry *e = *pp;
		if (!key_eq(&e->k, k))
			continue;
		if (e->n > 1) {
			e->n--;
			return;
		}
		*pp = e->next;
		free(e);
		t->n_addrs--;
		return;
	}
}

size_t
ip_count_addresses(const struct ip_count *t)
{
	return t->n_addrs;
}
