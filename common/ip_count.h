/*
 * ip_count: connections open per client address, for per-IP limits.
 *
 * A fixed array of buckets with chained entries, allocated on the first
 * connection from an address and freed with its last, so memory follows the
 * number of distinct addresses connected now, never the history. IPv4 and
 * IPv4-mapped IPv6 addresses are the same key. Not thread-safe: the caller
 * locks (http_guard) or owns the only thread (the RTMP loop).
 */
#ifndef CDN_IP_COUNT_H
#define CDN_IP_COUNT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct ip_key {
	uint8_t a[16];
	uint8_t len;     /* 4 or 16 */
};

struct ip_count;

/* The key of sa's address (the port is left out). 0, or -EAFNOSUPPORT. */
int ip_key_from_sa(const struct sockaddr *sa, struct ip_key *k);
/* A new table with n_buckets buckets (a power of two is not needed). NULL on ENOMEM. */
struct ip_count *ip_count_new(size_t n_buckets);
/* NULL-safe. */
void ip_count_free(struct ip_count *t);
/* Connections counted for k now. */
unsigned ip_count_get(const struct ip_count *t, const struct ip_key *k);
/* Count one more for k; returns the new count, or 0 when out of memory. */
unsigned ip_count_add(struct ip_count *t, const struct ip_key *k);
/* Count one less for k (never below zero); the entry goes at zero. */
void ip_count_del(struct ip_count *t, const struct ip_key *k);
/* Distinct addresses counted now. */
size_t ip_count_addresses(const struct ip_count *t);

#endif
