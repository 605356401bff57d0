/*
 * announcer: what cdn-announce wants announced, and why.
 *
 * Inputs: the health verdict (rise/fall over the checker's results), the
 * drain state (the maintenance file or the control socket), blackhole
 * requests with their expiry. Output: the list of routes every session
 * should carry now (bgp_session_sync makes it so).
 *
 *   healthy, not drained   anycast prefixes, normal attributes
 *   drained, grace running anycast prefixes, GRACEFUL_SHUTDOWN 65535:0 (RFC
 *                          8326) and drain_med, until drain_grace passes
 *   drained, grace over    nothing (withdrawn)
 *   unhealthy              nothing (withdrawn)
 *   blackholes             always, with BLACKHOLE 65535:666 (RFC 7999) and
 *                          NO_EXPORT, until they expire
 *
 * Single-threaded (the event loop); the HTTP thread reads a rendered copy
 * (announcer_render_*) under the loop's state lock.
 */
#ifndef CDN_ANNOUNCER_H
#define CDN_ANNOUNCER_H

#include <stdbool.h>
#include <stdint.h>

#include "announce_conf.h"
#include "bgp_session.h"
#include "buf.h"

#define HEALTH_HISTORY 10
#define ROUTES_MAX (64 + 10000)

enum drain_phase { DRAIN_NONE = 0, DRAIN_GRACEFUL, DRAIN_WITHDRAWN };

struct blackhole {
	struct bgp_prefix prefix;
	int64_t expires_ms;      /* monotonic */
};

struct health_result {
	bool ok;
	int64_t at_ms;           /* wall clock */
	int64_t took_ms;
	char detail[64];         /* "200", "503 no_upstream", "timeout" */
};

struct announcer {
	const struct announce_cfg *cfg;
	struct bgp_prefix prefixes[64];
	size_t n_prefixes;
	uint32_t communities[BGP_MAX_COMMUNITIES];
	size_t n_communities;
	struct bgp_large_community large[BGP_MAX_LARGE];
	size_t n_large;

	bool healthy;
	unsigned ok_run, fail_run;
	struct health_result history[HEALTH_HISTORY];
	size_t n_history;        /* total results seen */
	uint64_t checks_ok, checks_fail;

	bool drain_file_present, drain_ctl;
	enum drain_phase phase;
	int64_t grace_until_ms;

	struct blackhole *blackholes;
	size_t n_blackholes;

	struct route *routes;    /* the current desired set */
	size_t n_routes;
	struct route *scratch;   /* the previous set, while computing */
	bool announced;          /* the anycast prefixes are in the set */
};

/* Parse the configured prefixes and communities (validated before). */
int announcer_init(struct announcer *a, const struct announce_cfg *cfg);
void announcer_fini(struct announcer *a);

/* A health check result; returns true when the verdict changed. */
bool announcer_health(struct announcer *a, const struct health_result *r);

/* The drain inputs changed (file present / control flag). Now: monotonic. */
void announcer_set_drain(struct announcer *a, bool file_present, bool ctl, int64_t now_ms);

/* Add (or extend) a blackhole for ttl_ms. 0, -E2BIG (blackhole_max), -EINVAL. */
int announcer_blackhole_add(struct announcer *a, const struct bgp_prefix *p, int64_t ttl_ms,
    int64_t now_ms);
/* 0 or -ENOENT. */
int announcer_blackhole_del(struct announcer *a, const struct bgp_prefix *p);

/*
 * Expire blackholes and end the drain grace; recompute the route set.
 * Returns the next deadline (monotonic ms) or INT64_MAX.
 */
int64_t announcer_tick(struct announcer *a, int64_t now_ms);

/* Recompute a->routes from the state. Returns true when it changed. */
bool announcer_compute(struct announcer *a, int64_t now_ms);

bool announcer_draining(const struct announcer *a);

/* JSON status for `cdnctl announce status` and /healthz. */
int announcer_render_status(const struct announcer *a, const struct bgp_session *sessions,
    size_t n_sessions, int64_t now_ms, struct buf *out);
/* Prometheus text for /metrics. */
int announcer_render_metrics(const struct announcer *a, const struct bgp_session *sessions,
    size_t n_sessions, struct buf *out);

#endif
