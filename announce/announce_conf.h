/*
 * announce_conf: the settings of cdn-announce (common/conf.h table), and
 * the parsers of its structured values: peer lines, communities.
 * docs/announce.md lists every setting.
 */
#ifndef CDN_ANNOUNCE_CONF_H
#define CDN_ANNOUNCE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp_wire.h"
#include "conf.h"

struct announce_cfg {
	long long local_as;
	char *router_id;
	struct conf_list peer;
	struct conf_list prefix;
	char *next_hop_v4, *next_hop_v6;
	long long med, prepend;
	struct conf_list community, large_community;
	long long hold_time_ms;
	long long connect_retry_ms;
	int graceful_restart;
	char *health_url;
	long long health_interval_ms, health_timeout_ms, rise, fall;
	char *drain_file;
	long long drain_med;
	long long drain_grace_ms;
	char *control_socket;
	char *http_listen;
	long long blackhole_max;
	int log_level;
	long long http_max_connections;
	long long http_max_per_ip;        /* 0: no limit */
	long long http_timeout_ms;
	uint64_t http_max_header_bytes;
};

extern const struct conf_desc announce_conf_desc[];
extern const size_t announce_conf_n;

#define PEER_PASSWORD_MAX 80   /* TCP_MD5SIG_MAXKEYLEN */

struct peer_cfg {
	char addr[64];            /* numeric IPv4 or IPv6 */
	uint16_t port;            /* 179 */
	uint32_t remote_as;
	uint32_t local_as;        /* 0: the global local_as */
	uint16_t hold_s;          /* 0: the global hold_time */
	bool has_hold;
	char password[PEER_PASSWORD_MAX + 1];
	char source[64];          /* local address to bind, "" for any */
};

/*
 * "ADDR as ASN [hold S] [password P] [local_as ASN] [port N] [source ADDR]".
 * Returns 0, or -EINVAL with err (errlen bytes) saying what is wrong.
 */
int peer_cfg_parse(const char *line, struct peer_cfg *p, char *err, size_t errlen);

/* "ASN:VALUE" (each 0..65535) -> ASN << 16 | VALUE. 0 or -EINVAL. */
int community_parse(const char *s, uint32_t *out);
/* "GA:L1:L2" (each 0..2^32-1). 0 or -EINVAL. */
int large_community_parse(const char *s, struct bgp_large_community *out);

/*
 * Check every structured setting (router_id, peers, prefixes, next hops,
 * communities, hold time 0 or >= 3 s). Returns 0 or -EINVAL with err.
 */
int announce_cfg_validate(const struct announce_cfg *cfg, char *err, size_t errlen);

#endif
