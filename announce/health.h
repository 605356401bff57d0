/*
 * health: the HTTP health checker of cdn-announce (like ExaBGP's
 * healthcheck): GET health_url every health_interval with health_timeout.
 * 2xx is healthy; so is 503 whose body says "status":"draining" (a drained
 * edge is handled by the drain logic, not by withdrawing as unhealthy).
 *
 * It runs in its own thread (a blocking libcurl transfer must never stall
 * the BGP event loop and its keepalives) and hands each result to the loop
 * through a pipe: the loop polls health_fd() and calls health_read().
 */
#ifndef CDN_HEALTH_H
#define CDN_HEALTH_H

#include "announcer.h"

struct health;

/* Start checking url. NULL on failure (logged). */
struct health *health_start(const char *url, int64_t interval_ms, int64_t timeout_ms);
int health_fd(const struct health *h);
/* Read one result; 0, or -EAGAIN when none is waiting. */
int health_read(struct health *h, struct health_result *r);
void health_stop(struct health *h);

#endif
