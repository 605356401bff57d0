/*
 * upstream: the ordered upstream list and its health; see upstream.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "upstream.h"

/* http(s)://host[:port][/prefix], host and prefix of URL-safe bytes only. */
static int
url_ok(const char *u)
{
	const char *p;

	if (strncmp(u, "http://", 7) == 0)
		p = u + 7;
	else if (strncmp(u, "https://", 8) == 0)
		p = u + 8;
	else
		return 0;
	if (*p == '\0' || *p == '/' || *p == ':')
		return 0;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~:/[]%", *p)))
			return 0;
	return 1;
}

int
upstream_set_init(struct upstream_set *set, char *const *urls, size_t n, char *err,
    size_t errlen)
{
	memset(set, 0, sizeof(*set));
	if (n == 0) {
		snprintf(err, errlen, "upstream: at least one upstream URL is required");
		return -EINVAL;
	}
	if (n > UPSTREAM_MAX) {
		snprintf(err, errlen, "upstream: at most %d upstreams", UPSTREAM_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(urls[i]);
		if (len >= UPSTREAM_URL_MAX || !url_ok(urls[i])) {
			snprintf(err, errlen,
			    "upstream %.200s: expected http://host[:port][/prefix] (or https)",
			    urls[i]);
			return -EINVAL;
		}
		while (len > 0 && urls[i][len - 1] == '/')
			len--;
		memcpy(set->u[i].base, urls[i], len);
		set->u[i].base[len] = '\0';
		atomic_init(&set->u[i].up, true);
		atomic_init(&set->u[i].fails, 0);
	}
	set->n = n;
	return 0;
}

size_t
upstream_first(const struct upstream_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		if (atomic_load(&set->u[i].up))
			return i;
	return 0;
}

size_t
upstream_count_up(const struct upstream_set *set)
{
	size_t n = 0;

	for (size_t i = 0; i < set->n; i++)
		n += atomic_load(&set->u[i].up) ? 1 : 0;
	return n;
}

void
upstream_mark(struct upstream_set *set, size_t i, bool up, const char *why)
{
	bool was;

	if (i >= set->n)
		return;
	if (!up)
		atomic_fetch_add(&set->u[i].fails, 1);
	was = atomic_exchange(&set->u[i].up, up);
	if (was != up) {
		if (up)
			log_info("upstream %s is up", set->u[i].base);
		else
			log_warnx("upstream %s is down: %s", set->u[i].base, why ? why : "");
	}
}
