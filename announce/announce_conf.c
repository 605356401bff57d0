/*
 * announce_conf: cdn-announce's settings table and value parsers; see
 * announce_conf.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announce_conf.h"

#define F(x) offsetof(struct announce_cfg, x)

const struct conf_desc announce_conf_desc[] = {
	{ "local_as", CONF_INT, F(local_as), "65000", 1, 4294967295LL, NULL, 0,
	  "our AS number (4-octet welcome)" },
	{ "router_id", CONF_STR, F(router_id), NULL, 0, 0, NULL, 1,
	  "BGP identifier, an IPv4 address" },
	{ "peer", CONF_STRLIST, F(peer), NULL, 0, 0, NULL, 1,
	  "ADDR as ASN [hold S] [password P] [local_as ASN] [port N] [source ADDR] (repeatable)" },
	{ "prefix", CONF_STRLIST, F(prefix), NULL, 0, 0, NULL, 1,
	  "anycast prefix announced while healthy and not drained (repeatable)" },
	{ "next_hop_v4", CONF_STR, F(next_hop_v4), NULL, 0, 0, NULL, 0,
	  "IPv4 next hop announced (default: the session's local address)" },
	{ "next_hop_v6", CONF_STR, F(next_hop_v6), NULL, 0, 0, NULL, 0,
	  "IPv6 next hop announced (default: the session's local address)" },
	{ "med", CONF_INT, F(med), "0", 0, 4294967295LL, NULL, 0,
	  "MULTI_EXIT_DISC of normal announcements" },
	{ "prepend", CONF_INT, F(prepend), "0", 0, 10, NULL, 0,
	  "extra copies of local_as in AS_PATH" },
	{ "community", CONF_STRLIST, F(community), NULL, 0, 0, NULL, 0,
	  "standard community ASN:VALUE added to announcements (RFC 1997; repeatable)" },
	{ "large_community", CONF_STRLIST, F(large_community), NULL, 0, 0, NULL, 0,
	  "large community GA:L1:L2 (RFC 8092; repeatable)" },
	{ "hold_time", CONF_MSEC, F(hold_time_ms), "9s", 0, 65535000, NULL, 0,
	  "proposed hold time (0, or 3s..65535s); keepalives every third of it" },
	{ "connect_retry", CONF_MSEC, F(connect_retry_ms), "1s", 100, 300000, NULL, 0,
	  "first retry after a failed or lost session; doubles up to 30s" },
	{ "graceful_restart", CONF_BOOL, F(graceful_restart), "no", 0, 0, NULL, 0,
	  "advertise graceful restart (routers then keep a dead edge's route: off for anycast)" },
	{ "health_url", CONF_STR, F(health_url), "http://127.0.0.1:8081/healthz", 0, 0, NULL, 0,
	  "HTTP health check (2xx healthy; 503 \"draining\" counts as healthy)" },
	{ "health_interval", CONF_MSEC, F(health_interval_ms), "1s", 100, 3600000, NULL, 0,
	  "time between health checks" },
	{ "health_timeout", CONF_MSEC, F(health_timeout_ms), "1s", 50, 60000, NULL, 0,
	  "a slower health check fails" },
	{ "rise", CONF_INT, F(rise), "2", 1, 100, NULL, 0,
	  "consecutive successes before announcing" },
	{ "fall", CONF_INT, F(fall), "2", 1, 100, NULL, 0,
	  "consecutive failures before withdrawing" },
	{ "drain_file", CONF_STR, F(drain_file), "/var/lib/cdn/edge.drain", 0, 0, NULL, 0,
	  "while this file exists the edge is drained (watched with inotify)" },
	{ "drain_med", CONF_INT, F(drain_med), "1000", 0, 4294967295LL, NULL, 0,
	  "MED of the graceful-shutdown announcement during a drain" },
	{ "drain_grace", CONF_MSEC, F(drain_grace_ms), "5s", 0, 3600000, NULL, 0,
	  "how long the graceful-shutdown announcement stays before the withdrawal" },
	{ "control_socket", CONF_STR, F(control_socket), "/run/cdn-announce.sock", 0, 0, NULL, 0,
	  "UNIX socket for cdnctl drain / undrain / announce status / blackhole" },
	{ "http_listen", CONF_ADDR, F(http_listen), "127.0.0.1:9180", 0, 0, NULL, 0,
	  "address of /healthz and /metrics" },
	{ "blackhole_max", CONF_INT, F(blackhole_max), "64", 0, 10000, NULL, 0,
	  "blackhole routes at once" },
	{ "log_level", CONF_ENUM, F(log_level), "info", 0, 0, "err|warn|info|debug", 0,
	  "least severe level logged" },
	/* Limits of the HTTP server (docs/operations.md, "Limits"). */
	{ "http_max_connections", CONF_INT, F(http_max_connections), "64", 1, 10000, NULL, 0,
	  "HTTP connections at once; more are closed at accept" },
	{ "http_max_per_ip", CONF_INT, F(http_max_per_ip), "16", 0, 10000, NULL, 0,
	  "HTTP connections per client address (0: no limit); more are closed at accept" },
	{ "http_timeout", CONF_MSEC, F(http_timeout_ms), "10s", 1000, 3600000, NULL, 0,
	  "idle HTTP connections are closed after this, and a request head must be in within it" },
	{ "http_max_header_bytes", CONF_SIZE, F(http_max_header_bytes), "16K", 4096, 1 << 20, NULL, 0,
	  "memory per HTTP connection for the request head; a larger head gets 431" },
};

const size_t announce_conf_n = sizeof(announce_conf_desc) / sizeof(announce_conf_desc[0]);

static int
parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > 0xffffffffULL)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static bool
is_addr(const char *s)
{
	struct in6_addr a6;
	struct in_addr a4;

	return inet_pton(AF_INET, s, &a4) == 1 || inet_pton(AF_INET6, s, &a6) == 1;
}

int
peer_cfg_parse(const char *line, struct peer_cfg *p, char *err, size_t errlen)
{
	char tmp[512], *save = NULL, *tok, *val;
	uint32_t v;
	bool has_as = false;

	memset(p, 0, sizeof(*p));
	p->port = 179;
	if (snprintf(tmp, sizeof(tmp), "%s", line) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "peer: line too long");
		return -EINVAL;
	}
	tok = strtok_r(tmp, " \t", &save);
	if (tok == NULL || !is_addr(tok) || strlen(tok) >= sizeof(p->addr)) {
		snprintf(err, errlen, "peer \"%.100s\": expected an IPv4 or IPv6 address first", line);
		return -EINVAL;
	}
	snprintf(p->addr, sizeof(p->addr), "%s", tok);
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		if ((val = strtok_r(NULL, " \t", &save)) == NULL) {
			snprintf(err, errlen, "peer %s: \"%s\" needs a value", p->addr, tok);
			return -EINVAL;
		}
		if (strcmp(tok, "as") == 0 && parse_u32(val, &v) == 0 && v != 0) {
			p->remote_as = v;
			has_as = true;
		} else if (strcmp(tok, "local_as") == 0 && parse_u32(val, &v) == 0 && v != 0) {
			p->local_as = v;
		} else if (strcmp(tok, "hold") == 0 && parse_u32(val, &v) == 0 &&
		    (v == 0 || (v >= 3 && v <= 65535))) {
			p->hold_s = (uint16_t)v;   /* RFC 4271 4.2: 0 or at least 3 */
			p->has_hold = true;
		} else if (strcmp(tok, "port") == 0 && parse_u32(val, &v) == 0 && v > 0 &&
		    v <= 65535) {
			p->port = (uint16_t)v;
		} else if (strcmp(tok, "password") == 0 && strlen(val) <= PEER_PASSWORD_MAX) {
			snprintf(p->password, sizeof(p->password), "%s", val);
		} else if (strcmp(tok, "source") == 0 && is_addr(val) &&
		    strlen(val) < sizeof(p->source)) {
			snprintf(p->source, sizeof(p->source), "%s", val);
		} else {
			snprintf(err, errlen, "peer %s: bad \"%s %.60s\" (as ASN, hold 0|3..65535, "
			    "password (<= 80 chars), local_as ASN, port N, source ADDR)", p->addr,
			    tok, val);
			return -EINVAL;
		}
	}
	if (!has_as) {
		snprintf(err, errlen, "peer %s: \"as ASN\" is required", p->addr);
		return -EINVAL;
	}
	return 0;
}

int
community_parse(const char *s, uint32_t *out)
{
	char tmp[32], *colon;
	uint32_t a, b;

	if (snprintf(tmp, sizeof(tmp), "%s", s) >= (int)sizeof(tmp) ||
	    (colon = strchr(tmp, ':')) == NULL)
		return -EINVAL;
	*colon = '\0';
	if (parse_u32(tmp, &a) != 0 || parse_u32(colon + 1, &b) != 0 || a > 65535 || b > 65535)
		return -EINVAL;
	*out = a << 16 | b;
	return 0;
}

int
large_community_parse(const char *s, struct bgp_large_community *out)
{
	char tmp[48], *c1, *c2;

	if (snprintf(tmp, sizeof(tmp), "%s", s) >= (int)sizeof(tmp) ||
	    (c1 = strchr(tmp, ':')) == NULL || (c2 = strchr(c1 + 1, ':')) == NULL)
		return -EINVAL;
	*c1 = *c2 = '\0';
	if (parse_u32(tmp, &out->global) != 0 || parse_u32(c1 + 1, &out->local1) != 0 ||
	    parse_u32(c2 + 1, &out->local2) != 0)
		return -EINVAL;
	return 0;
}

int
announce_cfg_validate(const struct announce_cfg *cfg, char *err, size_t errlen)
{
	struct in_addr a4;
	struct in6_addr a6;
	struct bgp_prefix p;
	struct peer_cfg pc;
	struct bgp_large_community lc;
	uint32_t c;

	if (inet_pton(AF_INET, cfg->router_id, &a4) != 1 || a4.s_addr == 0) {
		snprintf(err, errlen, "router_id %s: expected a nonzero IPv4 address", cfg->router_id);
		return -EINVAL;
	}
	if (cfg->hold_time_ms != 0 && cfg->hold_time_ms < 3000) {
		snprintf(err, errlen, "hold_time: 0 or at least 3s (RFC 4271 4.2)");
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->peer.n; i++)
		if (peer_cfg_parse(cfg->peer.v[i], &pc, err, errlen) != 0)
			return -EINVAL;
	if (cfg->peer.n > 64) {
		snprintf(err, errlen, "peer: at most 64");
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->prefix.n; i++)
		if (bgp_prefix_parse(cfg->prefix.v[i], &p) != 0) {
			snprintf(err, errlen, "prefix %.80s: expected ADDR/LEN with no host bits set",
			    cfg->prefix.v[i]);
			return -EINVAL;
		}
	if (cfg->prefix.n > 64) {
		snprintf(err, errlen, "prefix: at most 64");
		return -EINVAL;
	}
	if (cfg->next_hop_v4 && cfg->next_hop_v4[0] && inet_pton(AF_INET, cfg->next_hop_v4, &a4) != 1) {
		snprintf(err, errlen, "next_hop_v4 %.80s: not an IPv4 address", cfg->next_hop_v4);
		return -EINVAL;
	}
	if (cfg->next_hop_v6 && cfg->next_hop_v6[0] && inet_pton(AF_INET6, cfg->next_hop_v6, &a6) != 1) {
		snprintf(err, errlen, "next_hop_v6 %.80s: not an IPv6 address", cfg->next_hop_v6);
		return -EINVAL;
	}
	if (cfg->community.n > BGP_MAX_COMMUNITIES - 2 || cfg->large_community.n > BGP_MAX_LARGE) {
		snprintf(err, errlen, "too many communities (%d standard, %d large at most)",
		    BGP_MAX_COMMUNITIES - 2, BGP_MAX_LARGE);
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->community.n; i++)
		if (community_parse(cfg->community.v[i], &c) != 0) {
			snprintf(err, errlen, "community %.80s: expected ASN:VALUE (0..65535 each)",
			    cfg->community.v[i]);
			return -EINVAL;
		}
	for (size_t i = 0; i < cfg->large_community.n; i++)
		if (large_community_parse(cfg->large_community.v[i], &lc) != 0) {
			snprintf(err, errlen, "large_community %.80s: expected GA:L1:L2",
			    cfg->large_community.v[i]);
			return -EINVAL;
		}
	return 0;
}
