/*
 * health: the health-check thread; see health.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "clock.h"
#include "health.h"
#include "log.h"
#include "xalloc.h"

#define BODY_MAX 4096

struct health {
	char *url;
	int64_t interval_ms, timeout_ms;
	int pipe_rd, pipe_wr;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
};

struct body {
	char data[BODY_MAX + 1];
	size_t len;
};

static size_t
on_body(char *p, size_t size, size_t n, void *ud)
{
	struct body *b = ud;
	size_t len = size * n, room = BODY_MAX - b->len;

	memcpy(b->data + b->len, p, len < room ? len : room);
	b->len += len < room ? len : room;
	b->data[b->len] = '\0';
	return len;   /* keep reading; only the first BODY_MAX bytes count */
}

static void
check_once(struct health *h, CURL *e, struct health_result *r)
{
	struct body b = { .len = 0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	long code = 0;
	CURLcode rc;
	int64_t t0 = clock_mono_ms();

	b.data[0] = '\0';
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, h->url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)h->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)h->timeout_ms);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "cdn-announce/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);   /* a dead service must fail at connect */
	rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	memset(r, 0, sizeof(*r));
	r->at_ms = clock_wall_ms();
	r->took_ms = clock_mono_ms() - t0;
	if (rc != CURLE_OK) {
		r->ok = false;
		snprintf(r->detail, sizeof(r->detail), "%s",
		    rc == CURLE_OPERATION_TIMEDOUT ? "timeout" : errbuf[0] ? errbuf :
		    curl_easy_strerror(rc));
	} else if (code >= 200 && code < 300) {
		r->ok = true;
		snprintf(r->detail, sizeof(r->detail), "%ld", code);
	} else if (code == 503 && strstr(b.data, "\"status\":\"draining\"") != NULL) {
		r->ok = true;
		snprintf(r->detail, sizeof(r->detail), "503 draining");
	} else {
		r->ok = false;
		snprintf(r->detail, sizeof(r->detail), "HTTP %ld", code);
	}
}

static void *
health_main(void *arg)
{
	struct health *h = arg;
	CURL *e = curl_easy_init();
	struct health_result r;

	log_ctx_set("health");
	for (;;) {
		struct timespec until;
		int64_t next;

		pthread_mutex_lock(&h->lock);
		if (h->stop) {
			pthread_mutex_unlock(&h->lock);
			break;
		}
		pthread_mutex_unlock(&h->lock);
		next = clock_mono_ms() + h->interval_ms;
		if (e)
			check_once(h, e, &r);
		else
			memset(&r, 0, sizeof(r)), snprintf(r.detail, sizeof(r.detail), "no curl");
		if (write(h->pipe_wr, &r, sizeof(r)) != (ssize_t)sizeof(r))
			log_warn("health: cannot hand a result over");
		/* Sleep until the next check, or until stopped. */
		pthread_mutex_lock(&h->lock);
		clock_gettime(CLOCK_MONOTONIC, &until);
		{
			int64_t wait = next - clock_mono_ms();
			if (wait < 0)
				wait = 0;
			until.tv_sec += wait / 1000;
			until.tv_nsec += (wait % 1000) * 1000000;
			if (until.tv_nsec >= 1000000000) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000;
			}
		}
		while (!h->stop && pthread_cond_timedwait(&h->cond, &h->lock, &until) == 0)
			;
		pthread_mutex_unlock(&h->lock);
	}
	if (e)
		curl_easy_cleanup(e);
	return NULL;
}

struct health *
health_start(const char *url, int64_t interval_ms, int64_t timeout_ms)
{
	struct health *h = xcalloc(1, sizeof(*h));
	pthread_condattr_t ca;
	int p[2];

	if (h == NULL)
		return NULL;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_err("health: pipe");
		free(h);
		return NULL;
	}
	h->pipe_rd = p[0];
	h->pipe_wr = p[1];
	h->url = xstrdup(url);
	h->interval_ms = interval_ms;
	h->timeout_ms = timeout_ms;
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&h->thread, NULL, health_main, h) != 0) {
		log_errx("health: cannot start the thread");
		health_stop(h);
		return NULL;
	}
	h->started = true;
	return h;
}

int
health_fd(const struct health *h)
{
	return h->pipe_rd;
}

int
health_read(struct health *h, struct health_result *r)
{
	ssize_t n = read(h->pipe_rd, r, sizeof(*r));

	if (n == (ssize_t)sizeof(*r)) {
		r->detail[sizeof(r->detail) - 1] = '\0';
		return 0;
	}
	return -EAGAIN;
}

void
health_stop(struct health *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	h->stop = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	if (h->started)
		pthread_join(h->thread, NULL);
	close(h->pipe_rd);
	close(h->pipe_wr);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cond);
	free(h->url);
	free(h);
}
