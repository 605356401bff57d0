/*
 * test_ip_count: per-address connection counts (common/ip_count.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>

#include "check.h"
#include "ip_count.h"

static struct ip_key
v4(const char *s)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(1234) };
	struct ip_key k;

	inet_pton(AF_INET, s, &sa.sin_addr);
	ip_key_from_sa((struct sockaddr *)&sa, &k);
	return k;
}

static struct ip_key
v6(const char *s, int port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	struct ip_key k;

	inet_pton(AF_INET6, s, &sa.sin6_addr);
	ip_key_from_sa((struct sockaddr *)&sa, &k);
	return k;
}

static int
t_keys(void)
{
	struct ip_key a = v4("192.0.2.1"), m = v6("::ffff:192.0.2.1", 9), b = v6("2001:db8::1", 1);
	struct sockaddr un = { .sa_family = AF_UNIX };
	struct ip_key k;

	CHECK_INT(a.len, 4);
	CHECK_INT(m.len, 4);                  /* v4-mapped is the v4 address */
	CHECK_MEM(a.a, m.a, 4);
	CHECK_INT(b.len, 16);
	CHECK_INT(ip_key_from_sa(&un, &k), -EAFNOSUPPORT);
	CHECK_INT(ip_key_from_sa(NULL, &k), -EAFNOSUPPORT);
	return 0;
}

static int
t_count(void)
{
	struct ip_count *t = ip_count_new(3);   /* few buckets: chains are exercised */
	struct ip_key a = v4("192.0.2.1"), m = v6("::ffff:192.0.2.1", 7);
	char s[64];

	CHECK(t != NULL);
	CHECK_INT(ip_count_get(t, &a), 0);
	CHECK_INT(ip_count_add(t, &a), 1);
	CHECK_INT(ip_count_add(t, &m), 2);    /* same address, other family and port */
	for (int i = 0; i < 50; i++) {
		struct ip_key k;
		snprintf(s, sizeof(s), "198.51.100.%d", i);
		k = v4(s);
		CHECK_INT(ip_count_add(t, &k), 1);
	}
	CHECK_INT(ip_count_addresses(t), 51);
	CHECK_INT(ip_count_get(t, &a), 2);
	ip_count_del(t, &a);
	CHECK_INT(ip_count_get(t, &a), 1);
	ip_count_del(t, &a);
	CHECK_INT(ip_count_get(t, &a), 0);
	CHECK_INT(ip_count_addresses(t), 50);  /* the entry went with its last connection */
	ip_count_del(t, &a);                   /* never below zero */
	CHECK_INT(ip_count_get(t, &a), 0);
	for (int i = 0; i < 50; i++) {
		struct ip_key k;
		snprintf(s, sizeof(s), "198.51.100.%d", i);
		k = v4(s);
		ip_count_del(t, &k);
	}
	CHECK_INT(ip_count_addresses(t), 0);
	ip_count_free(t);
	ip_count_free(NULL);
	return 0;
}

int
main(void)
{
	RUN(t_keys);
	RUN(t_count);
	return check_done();
}
