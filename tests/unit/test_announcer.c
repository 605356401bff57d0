/*
 * test_announcer: cdn-announce's decisions (announce/announcer.c) and its
 * structured settings (announce/announce_conf.c).
 *
 * Rise and fall counts, the drain phases (graceful-shutdown community and
 * drain MED, then withdrawal after the grace; undrain re-announces at once
 * while healthy), blackholes (communities, expiry, limit, delete), and the
 * peer / community parsers with their refusals.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "announce_conf.h"
#include "announcer.h"
#include "check.h"

static char *prefixes[] = { (char *)"203.0.113.10/32", (char *)"2001:db8:c0::10/128" };
static char *comms[] = { (char *)"65010:100" };
static char *larges[] = { (char *)"65010:1:2" };

static void
test_cfg(struct announce_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->local_as = 65010;
	c->prefix.v = prefixes;
	c->prefix.n = 2;
	c->community.v = comms;
	c->community.n = 1;
	c->large_community.v = larges;
	c->large_community.n = 1;
	c->med = 10;
	c->rise = 2;
	c->fall = 3;
	c->drain_med = 1000;
	c->drain_grace_ms = 5000;
	c->blackhole_max = 2;
}

static struct health_result
res(bool ok)
{
	struct health_result r = { .ok = ok };

	snprintf(r.detail, sizeof(r.detail), "%s", ok ? "200" : "refused");
	return r;
}

static bool
has_comm(const struct route *r, uint32_t c)
{
	for (size_t i = 0; i < r->n_communities; i++)
		if (r->communities[i] == c)
			return true;
	return false;
}

static int
t_rise_and_fall(void)
{
	struct announce_cfg cfg;
	struct announcer a;
	struct health_result ok = res(true), bad = res(false);

	test_cfg(&cfg);
	CHECK_INT(announcer_init(&a, &cfg), 0);
	announcer_compute(&a, 0);
	CHECK_INT(a.n_routes, 0);                 /* unhealthy until rise successes */
	CHECK(!announcer_health(&a, &ok));        /* 1 of 2 */
	CHECK(announcer_health(&a, &ok));         /* 2 of 2: healthy */
	CHECK(announcer_compute(&a, 0));
	CHECK_INT(a.n_routes, 2);
	CHECK(a.announced);
	CHECK_INT(a.routes[0].med, 10);
	CHECK(has_comm(&a.routes[0], 65010u << 16 | 100));
	CHECK_INT(a.routes[0].n_large, 1);
	CHECK(!has_comm(&a.routes[0], BGP_COMMUNITY_GRACEFUL_SHUTDOWN));
	/* Two failures, a success, two failures: never 3 in a row. */
	CHECK(!announcer_health(&a, &bad));
	CHECK(!announcer_health(&a, &bad));
	CHECK(!announcer_health(&a, &ok));
	CHECK(!announcer_health(&a, &bad));
	CHECK(!announcer_health(&a, &bad));
	CHECK(a.healthy);
	CHECK(announcer_health(&a, &bad));        /* the third in a row */
	CHECK(!a.healthy);
	CHECK(announcer_compute(&a, 0));
	CHECK_INT(a.n_routes, 0);
	CHECK(!a.announced);
	CHECK(!announcer_compute(&a, 0));         /* nothing changed */
	announcer_fini(&a);
	return 0;
}

static int
t_drain_graceful_then_withdrawn(void)
{
	struct announce_cfg cfg;
	struct announcer a;
	struct health_result ok = res(true);
	int64_t next;

	test_cfg(&cfg);
	CHECK_INT(announcer_init(&a, &cfg), 0);
	announcer_health(&a, &ok);
	announcer_health(&a, &ok);
	announcer_compute(&a, 0);
	announcer_set_drain(&a, false, true, 1000);
	CHECK(announcer_draining(&a));
	CHECK_INT(a.phase, DRAIN_GRACEFUL);
	CHECK(announcer_compute(&a, 1000));
	CHECK_INT(a.n_routes, 2);
	CHECK_INT(a.routes[0].med, 1000);
	CHECK(has_comm(&a.routes[0], BGP_COMMUNITY_GRACEFUL_SHUTDOWN));
	CHECK(has_comm(&a.routes[0], 65010u << 16 | 100));
	next = announcer_tick(&a, 3000);
	CHECK_INT(next, 6000);                    /* the grace ends 5 s after the drain */
	CHECK_INT(a.phase, DRAIN_GRACEFUL);
	announcer_tick(&a, 6000);
	CHECK_INT(a.phase, DRAIN_WITHDRAWN);
	CHECK(announcer_compute(&a, 6000));
	CHECK_INT(a.n_routes, 0);
	/* Undrain while healthy: announced again at once, normal attributes. */
	announcer_set_drain(&a, false, false, 7000);
	CHECK(!announcer_draining(&a));
	CHECK(announcer_compute(&a, 7000));
	CHECK_INT(a.n_routes, 2);
	CHECK_INT(a.routes[0].med, 10);
	CHECK(!has_comm(&a.routes[0], BGP_COMMUNITY_GRACEFUL_SHUTDOWN));
	announcer_fini(&a);
	return 0;
}

static int
t_drain_without_grace_and_file(void)
{
	struct announce_cfg cfg;
	struct announcer a;
	struct health_result ok = res(true);

	test_cfg(&cfg);
	cfg.drain_grace_ms = 0;
	CHECK_INT(announcer_init(&a, &cfg), 0);
	announcer_health(&a, &ok);
	announcer_health(&a, &ok);
	announcer_set_drain(&a, true, false, 0);  /* the maintenance file */
	CHECK_INT(a.phase, DRAIN_WITHDRAWN);
	announcer_compute(&a, 0);
	CHECK_INT(a.n_routes, 0);
	/* The control flag keeps it drained after the file goes. */
	announcer_set_drain(&a, true, true, 0);
	announcer_set_drain(&a, false, true, 0);
	CHECK(announcer_draining(&a));
	announcer_set_drain(&a, false, false, 0);
	CHECK(!announcer_draining(&a));
	announcer_compute(&a, 0);
	CHECK_INT(a.n_routes, 2);
	announcer_fini(&a);
	return 0;
}

static int
t_blackholes(void)
{
	struct announce_cfg cfg;
	struct announcer a;
	struct bgp_prefix p1, p2, p3;

	test_cfg(&cfg);
	CHECK_INT(announcer_init(&a, &cfg), 0);
	CHECK_INT(bgp_prefix_parse("203.0.113.77/32", &p1), 0);
	CHECK_INT(bgp_prefix_parse("203.0.113.78/32", &p2), 0);
	CHECK_INT(bgp_prefix_parse("2001:db8::77/128", &p3), 0);
	/* Announced even while unhealthy: it protects the edge. */
	CHECK_INT(announcer_blackhole_add(&a, &p1, 60000, 0), 0);
	CHECK_INT(announcer_blackhole_add(&a, &p2, 120000, 0), 0);
	CHECK_INT(announcer_blackhole_add(&a, &p3, 1000, 0), -E2BIG);   /* blackhole_max 2 */
	CHECK_INT(announcer_blackhole_add(&a, &p1, 0, 0), -EINVAL);
	CHECK(announcer_compute(&a, 0));
	CHECK_INT(a.n_routes, 2);
	CHECK(has_comm(&a.routes[0], BGP_COMMUNITY_BLACKHOLE));
	CHECK(has_comm(&a.routes[0], BGP_COMMUNITY_NO_EXPORT));
	CHECK(!a.routes[0].has_med);
	CHECK_INT(announcer_tick(&a, 1000), 60000);
	announcer_tick(&a, 60000);                /* p1 expires */
	CHECK_INT(a.n_blackholes, 1);
	CHECK_INT(announcer_blackhole_del(&a, &p1), -ENOENT);
	CHECK_INT(announcer_blackhole_del(&a, &p2), 0);
	CHECK_INT(a.n_blackholes, 0);
	CHECK(announcer_compute(&a, 60000));
	CHECK_INT(a.n_routes, 0);
	announcer_fini(&a);
	return 0;
}

static int
t_peer_lines(void)
{
	struct peer_cfg p;
	char err[256];

	CHECK_INT(peer_cfg_parse("192.0.2.1 as 65000", &p, err, sizeof(err)), 0);
	CHECK_STR(p.addr, "192.0.2.1");
	CHECK_INT(p.remote_as, 65000);
	CHECK_INT(p.port, 179);
	CHECK(!p.has_hold);
	CHECK_INT(peer_cfg_parse("2001:db8::1 as 4200000000 hold 3 password s3cret local_as 64512 "
	    "port 1179 source 2001:db8::2", &p, err, sizeof(err)), 0);
	CHECK_INT(p.remote_as, 4200000000u);
	CHECK_INT(p.hold_s, 3);
	CHECK(p.has_hold);
	CHECK_STR(p.password, "s3cret");
	CHECK_INT(p.local_as, 64512);
	CHECK_INT(p.port, 1179);
	CHECK_STR(p.source, "2001:db8::2");
	CHECK_INT(peer_cfg_parse("192.0.2.1 as 65000 hold 0", &p, err, sizeof(err)), 0);
	CHECK_INT(peer_cfg_parse("192.0.2.1", &p, err, sizeof(err)), -EINVAL);     /* no as */
	CHECK(strstr(err, "as ASN") != NULL);
	CHECK_INT(peer_cfg_parse("router.example as 1", &p, err, sizeof(err)), -EINVAL);
	CHECK_INT(peer_cfg_parse("192.0.2.1 as 65000 hold 2", &p, err, sizeof(err)), -EINVAL);
	CHECK_INT(peer_cfg_parse("192.0.2.1 as 0", &p, err, sizeof(err)), -EINVAL);
	CHECK_INT(peer_cfg_parse("192.0.2.1 as 4294967296", &p, err, sizeof(err)), -EINVAL);
	CHECK_INT(peer_cfg_parse("192.0.2.1 as 1 port 0", &p, err, sizeof(err)), -EINVAL);
	CHECK_INT(peer_cfg_parse("192.0.2.1 as 1 hold", &p, err, sizeof(err)), -EINVAL);
	CHECK_INT(peer_cfg_parse("192.0.2.1 as 1 colour blue", &p, err, sizeof(err)), -EINVAL);
	CHECK_INT(peer_cfg_parse("192.0.2.1 as 1 password "
	    "123456789012345678901234567890123456789012345678901234567890123456789012345678901",
	    &p, err, sizeof(err)), -EINVAL);           /* 81 > TCP_MD5SIG_MAXKEYLEN */
	return 0;
}

static int
t_communities(void)
{
	uint32_t c;
	struct bgp_large_community l;

	CHECK_INT(community_parse("65535:666", &c), 0);
	CHECK_INT(c, BGP_COMMUNITY_BLACKHOLE);
	CHECK_INT(community_parse("0:0", &c), 0);
	CHECK_INT(c, 0);
	CHECK_INT(community_parse("65536:1", &c), -EINVAL);
	CHECK_INT(community_parse("1:65536", &c), -EINVAL);
	CHECK_INT(community_parse("1", &c), -EINVAL);
	CHECK_INT(community_parse("a:b", &c), -EINVAL);
	CHECK_INT(community_parse("-1:2", &c), -EINVAL);
	CHECK_INT(large_community_parse("4200000000:1:2", &l), 0);
	CHECK_INT(l.global, 4200000000u);
	CHECK_INT(l.local1, 1);
	CHECK_INT(l.local2, 2);
	CHECK_INT(large_community_parse("1:2", &l), -EINVAL);
	CHECK_INT(large_community_parse("1:2:4294967296", &l), -EINVAL);
	return 0;
}

int
main(void)
{
	RUN(t_rise_and_fall);
	RUN(t_drain_graceful_then_withdrawn);
	RUN(t_drain_without_grace_and_file);
	RUN(t_blackholes);
	RUN(t_peer_lines);
	RUN(t_communities);
	return check_done();
}
