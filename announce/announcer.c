/*
 * announcer: the announce / withdraw decision; see announcer.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "announcer.h"
#include "json.h"
#include "log.h"
#include "xalloc.h"

int
announcer_init(struct announcer *a, const struct announce_cfg *cfg)
{
	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	for (size_t i = 0; i < cfg->prefix.n && i < 64; i++)
		if (bgp_prefix_parse(cfg->prefix.v[i], &a->prefixes[a->n_prefixes++]) != 0)
			return -EINVAL;
	for (size_t i = 0; i < cfg->community.n; i++)
		if (community_parse(cfg->community.v[i], &a->communities[a->n_communities++]) != 0)
			return -EINVAL;
	for (size_t i = 0; i < cfg->large_community.n; i++)
		if (large_community_parse(cfg->large_community.v[i], &a->large[a->n_large++]) != 0)
			return -EINVAL;
	a->blackholes = xcalloc((size_t)cfg->blackhole_max + 1, sizeof(*a->blackholes));
	a->routes = xcalloc(a->n_prefixes + (size_t)cfg->blackhole_max + 1, sizeof(*a->routes));
	a->scratch = xcalloc(a->n_prefixes + (size_t)cfg->blackhole_max + 1, sizeof(*a->routes));
	if (a->blackholes == NULL || a->routes == NULL || a->scratch == NULL)
		return -ENOMEM;
	return 0;
}

void
announcer_fini(struct announcer *a)
{
	free(a->blackholes);
	a->blackholes = NULL;
	free(a->routes);
	a->routes = NULL;
	free(a->scratch);
	a->scratch = NULL;
}

bool
announcer_health(struct announcer *a, const struct health_result *r)
{
	bool was = a->healthy;

	a->history[a->n_history % HEALTH_HISTORY] = *r;
	a->n_history++;
	if (r->ok) {
		a->checks_ok++;
		a->ok_run++;
		a->fail_run = 0;
		if (!a->healthy && a->ok_run >= (unsigned)a->cfg->rise)
			a->healthy = true;
	} else {
		a->checks_fail++;
		a->fail_run++;
		a->ok_run = 0;
		if (a->healthy && a->fail_run >= (unsigned)a->cfg->fall)
			a->healthy = false;
	}
	if (was != a->healthy)
		log_info("health: %s after %u %s (last: %s)", a->healthy ? "healthy" : "UNHEALTHY",
		    a->healthy ? a->ok_run : a->fail_run, a->healthy ? "successes" : "failures",
		    r->detail);
	return was != a->healthy;
}

bool
announcer_draining(const struct announcer *a)
{
	return a->drain_file_present || a->drain_ctl;
}

void
announcer_set_drain(struct announcer *a, bool file_present, bool ctl, int64_t now)
{
	bool was = announcer_draining(a);

	a->drain_file_present = file_present;
	a->drain_ctl = ctl;
	if (was == announcer_draining(a))
		return;
	if (announcer_draining(a)) {
		a->phase = a->cfg->drain_grace_ms > 0 ? DRAIN_GRACEFUL : DRAIN_WITHDRAWN;
		a->grace_until_ms = now + a->cfg->drain_grace_ms;
		log_info("drain: started (%s): %s", file_present ? "drain file" : "control socket",
		    a->phase == DRAIN_GRACEFUL ? "announcing with GRACEFUL_SHUTDOWN, then withdrawing" :
		    "withdrawing");
	} else {
		a->phase = DRAIN_NONE;
		log_info("drain: ended: announcing again%s", a->healthy ? "" :
		    " once healthy");
	}
}

static bool
prefix_eq(const struct bgp_prefix *x, const struct bgp_prefix *y)
{
	return x->family == y->family && x->len == y->len && memcmp(x->addr, y->addr, 16) == 0;
}

int
announcer_blackhole_add(struct announcer *a, const struct bgp_prefix *p, int64_t ttl_ms,
    int64_t now)
{
	char s[64];

	if (ttl_ms <= 0)
		return -EINVAL;
	bgp_prefix_str(p, s, sizeof(s));
	for (size_t i = 0; i < a->n_blackholes; i++)
		if (prefix_eq(&a->blackholes[i].prefix, p)) {
			a->blackholes[i].expires_ms = now + ttl_ms;
			log_info("blackhole %s: extended for %lld s", s, (long long)(ttl_ms / 1000));
			return 0;
		}
	if (a->n_blackholes >= (size_t)a->cfg->blackhole_max)
		return -E2BIG;
	a->blackholes[a->n_blackholes].prefix = *p;
	a->blackholes[a->n_blackholes].expires_ms = now + ttl_ms;
	a->n_blackholes++;
	log_info("blackhole %s: announced with 65535:666 for %lld s", s, (long long)(ttl_ms / 1000));
	return 0;
}

int
announcer_blackhole_del(struct announcer *a, const struct bgp_prefix *p)
{
	char s[64];

	for (size_t i = 0; i < a->n_blackholes; i++)
		if (prefix_eq(&a->blackholes[i].prefix, p)) {
			bgp_prefix_str(p, s, sizeof(s));
			a->blackholes[i] = a->blackholes[--a->n_blackholes];
			log_info("blackhole %s: withdrawn on request", s);
			return 0;
		}
	return -ENOENT;
}

bool
announcer_compute(struct announcer *a, int64_t now)
{
	struct route *r = a->routes;
	size_t n = 0, i;
	bool anycast = a->healthy && a->phase != DRAIN_WITHDRAWN;
	bool changed;
	struct route *prev = a->scratch;
	size_t n_prev = a->n_routes;

	(void)now;
	memcpy(prev, a->routes, n_prev * sizeof(*prev));
	for (i = 0; anycast && i < a->n_prefixes; i++, n++) {
		memset(&r[n], 0, sizeof(r[n]));
		r[n].prefix = a->prefixes[i];
		r[n].has_med = true;
		memcpy(r[n].communities, a->communities, a->n_communities * sizeof(uint32_t));
		r[n].n_communities = a->n_communities;
		memcpy(r[n].large, a->large, a->n_large * sizeof(a->large[0]));
		r[n].n_large = a->n_large;
		if (a->phase == DRAIN_GRACEFUL) {
			r[n].med = (uint32_t)a->cfg->drain_med;
			r[n].communities[r[n].n_communities++] = BGP_COMMUNITY_GRACEFUL_SHUTDOWN;
		} else {
			r[n].med = (uint32_t)a->cfg->med;
		}
	}
	for (i = 0; i < a->n_blackholes; i++, n++) {
		memset(&r[n], 0, sizeof(r[n]));
		r[n].prefix = a->blackholes[i].prefix;
		r[n].communities[0] = BGP_COMMUNITY_BLACKHOLE;
		r[n].communities[1] = BGP_COMMUNITY_NO_EXPORT;
		r[n].n_communities = 2;
	}
	changed = n != n_prev || memcmp(prev, r, n * sizeof(*r)) != 0;
	a->n_routes = n;
	if (a->announced != anycast)
		log_info("anycast prefixes %s", anycast ? "announced" : "WITHDRAWN");
	a->announced = anycast;
	return changed;
}

int64_t
announcer_tick(struct announcer *a, int64_t now)
{
	int64_t next = INT64_MAX;
	char s[64];

	for (size_t i = 0; i < a->n_blackholes;) {
		if (a->blackholes[i].expires_ms <= now) {
			bgp_prefix_str(&a->blackholes[i].prefix, s, sizeof(s));
			log_info("blackhole %s: expired, withdrawn", s);
			a->blackholes[i] = a->blackholes[--a->n_blackholes];
			continue;
		}
		if (a->blackholes[i].expires_ms < next)
			next = a->blackholes[i].expires_ms;
		i++;
	}
	if (a->phase == DRAIN_GRACEFUL) {
		if (now >= a->grace_until_ms) {
			a->phase = DRAIN_WITHDRAWN;
			log_info("drain: grace over, withdrawing");
		} else if (a->grace_until_ms < next) {
			next = a->grace_until_ms;
		}
	}
	return next;
}

static const char *
phase_name(enum drain_phase p)
{
	return p == DRAIN_GRACEFUL ? "graceful" : p == DRAIN_WITHDRAWN ? "withdrawn" : "none";
}

int
announcer_render_status(const struct announcer *a, const struct bgp_session *ss, size_t n_ss,
    int64_t now, struct buf *out)
{
	struct json j;
	char s[64];
	int64_t wall = clock_wall_ms();

	json_init(&j, out);
	json_obj_begin(&j);
	json_key(&j, "status");
	json_str(&j, "ok");
	json_key(&j, "role");
	json_str(&j, "announce");
	json_key(&j, "healthy");
	json_bool(&j, a->healthy);
	json_key(&j, "draining");
	json_bool(&j, announcer_draining(a));
	json_key(&j, "drain_phase");
	json_str(&j, phase_name(a->phase));
	json_key(&j, "announced");
	json_bool(&j, a->announced);
	json_key(&j, "peers");
	json_arr_begin(&j);
	for (size_t i = 0; i < n_ss; i++) {
		const struct bgp_session *b = &ss[i];
		json_obj_begin(&j);
		json_key(&j, "peer");
		json_str(&j, b->cfg.addr);
		json_key(&j, "remote_as");
		json_uint(&j, b->cfg.remote_as);
		json_key(&j, "state");
		json_str(&j, bgp_state_name(b->state));
		json_key(&j, "uptime_s");
		json_int(&j, b->up_since_ms ? (wall - b->up_since_ms) / 1000 : 0);
		json_key(&j, "hold_s");
		json_int(&j, b->state == BGP_ESTABLISHED ? b->hold_ms / 1000 : 0);
		json_key(&j, "prefixes_announced");
		json_uint(&j, b->n_adj);
		json_key(&j, "updates_sent");
		json_uint(&j, b->updates_sent);
		json_key(&j, "last_error");
		json_str(&j, b->last_error[0] ? b->last_error : NULL);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "prefixes");
	json_arr_begin(&j);
	for (size_t i = 0; i < a->n_prefixes; i++) {
		bgp_prefix_str(&a->prefixes[i], s, sizeof(s));
		json_str(&j, s);
	}
	json_arr_end(&j);
	json_key(&j, "blackholes");
	json_arr_begin(&j);
	for (size_t i = 0; i < a->n_blackholes; i++) {
		bgp_prefix_str(&a->blackholes[i].prefix, s, sizeof(s));
		json_obj_begin(&j);
		json_key(&j, "prefix");
		json_str(&j, s);
		json_key(&j, "expires_in_s");
		json_int(&j, (a->blackholes[i].expires_ms - now + 999) / 1000);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "health");
	json_arr_begin(&j);
	for (size_t k = 0; k < HEALTH_HISTORY && k < a->n_history; k++) {
		const struct health_result *h = &a->history[(a->n_history - 1 - k) % HEALTH_HISTORY];
		json_obj_begin(&j);
		json_key(&j, "ok");
		json_bool(&j, h->ok);
		json_key(&j, "age_ms");
		json_int(&j, wall - h->at_ms);
		json_key(&j, "took_ms");
		json_int(&j, h->took_ms);
		json_key(&j, "detail");
		json_str(&j, h->detail);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	buf_put_u8(out, '\n');
	return out->err;
}

int
announcer_render_metrics(const struct announcer *a, const struct bgp_session *ss, size_t n_ss,
    struct buf *o)
{
	uint64_t upd = 0, ns = 0, nr = 0;

	buf_printf(o, "# HELP cdn_announce_peer_up 1 while the session is Established.\n"
	    "# TYPE cdn_announce_peer_up gauge\n");
	for (size_t i = 0; i < n_ss; i++)
		buf_printf(o, "cdn_announce_peer_up{peer=\"%s\"} %d\n", ss[i].cfg.addr,
		    ss[i].state == BGP_ESTABLISHED);
	buf_printf(o, "# HELP cdn_announce_peer_state FSM state (0 Idle .. 5 Established).\n"
	    "# TYPE cdn_announce_peer_state gauge\n");
	for (size_t i = 0; i < n_ss; i++)
		buf_printf(o, "cdn_announce_peer_state{peer=\"%s\"} %d\n", ss[i].cfg.addr,
		    (int)ss[i].state);
	buf_printf(o, "# HELP cdn_announce_peer_established_total Sessions established.\n"
	    "# TYPE cdn_announce_peer_established_total counter\n");
	for (size_t i = 0; i < n_ss; i++) {
		buf_printf(o, "cdn_announce_peer_established_total{peer=\"%s\"} %llu\n",
		    ss[i].cfg.addr, (unsigned long long)ss[i].established_total);
		upd += ss[i].updates_sent;
		ns += ss[i].notif_sent;
		nr += ss[i].notif_recv;
	}
	buf_printf(o, "# HELP cdn_announce_announced 1 while the anycast prefixes are announced.\n"
	    "# TYPE cdn_announce_announced gauge\ncdn_announce_announced %d\n", a->announced);
	buf_printf(o, "# HELP cdn_announce_draining 1 while drained.\n"
	    "# TYPE cdn_announce_draining gauge\ncdn_announce_draining %d\n",
	    announcer_draining(a));
	buf_printf(o, "# HELP cdn_announce_healthy The health verdict after rise/fall.\n"
	    "# TYPE cdn_announce_healthy gauge\ncdn_announce_healthy %d\n", a->healthy);
	buf_printf(o, "# HELP cdn_announce_health_checks_total Health checks by result.\n"
	    "# TYPE cdn_announce_health_checks_total counter\n"
	    "cdn_announce_health_checks_total{result=\"ok\"} %llu\n"
	    "cdn_announce_health_checks_total{result=\"fail\"} %llu\n",
	    (unsigned long long)a->checks_ok, (unsigned long long)a->checks_fail);
	buf_printf(o, "# HELP cdn_announce_updates_sent_total UPDATE messages sent.\n"
	    "# TYPE cdn_announce_updates_sent_total counter\ncdn_announce_updates_sent_total %llu\n",
	    (unsigned long long)upd);
	buf_printf(o, "# HELP cdn_announce_notifications_total NOTIFICATION messages.\n"
	    "# TYPE cdn_announce_notifications_total counter\n"
	    "cdn_announce_notifications_total{dir=\"sent\"} %llu\n"
	    "cdn_announce_notifications_total{dir=\"received\"} %llu\n",
	    (unsigned long long)ns, (unsigned long long)nr);
	buf_printf(o, "# HELP cdn_announce_blackholes Blackhole routes announced.\n"
	    "# TYPE cdn_announce_blackholes gauge\ncdn_announce_blackholes %zu\n", a->n_blackholes);
	return o->err;
}
