/*
 * edge_conf: the settings of cdn-edge, as one conf table (common/conf.h).
 *
 * One setting is required: upstream (the origin's URL; repeat it for a
 * failover list). Everything else has a default. `cdn-edge -t` prints the
 * effective config; docs/edge.md explains each group.
 */
#ifndef CDN_EDGE_CONF_H
#define CDN_EDGE_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

struct edge_cfg {
	char *http_listen;              /* ADDR */
	char *https_listen;             /* ADDR, unset: no HTTPS */
	char *tls_cert;                 /* PEM chain */
	char *tls_key;                  /* PEM key */
	struct conf_list upstream;      /* ordered base URLs */
	uint64_t cache_max_bytes;       /* body budget */
	long long cache_idle_ms;        /* drop objects unrequested this long */
	uint64_t object_max_bytes;      /* larger upstream bodies fail (502) */
	struct conf_list cache_key_ignore; /* query parameters left out of the key */
	long long playlist_default_ttl_ms; /* playlists without max-age */
	int prefetch;                   /* bool */
	long long prefetch_max;         /* newest segments fetched ahead */
	long long connect_timeout_ms;
	long long fetch_timeout_ms;     /* whole upstream transfer, and a viewer's wait */
	long long health_interval_ms;
	char *health_path;
	long long upstream_max_connections; /* per upstream host */
	long long http_threads;
	long long http_max_connections;
	long long http_max_per_ip;
	long long http_timeout_ms;
	uint64_t http_max_header_bytes; /* per-connection memory for the request head */
	char *drain_file;
	char *access_log;               /* "-", a path, or "off" */
	int accounting;                 /* bool */
	char *accounting_db;
	char *accounting_url;           /* default: the first upstream + /api/v1/accounting */
	char *accounting_token_file;
	char *node_name;                /* default: edge-<hostname> */
	long long accounting_flush_ms;
	/* Not a setting: the token read from accounting_token_file, or NULL.
	 * Upstream fetches carry it (X-CDN-Edge), so the origin or a parent
	 * edge knows the request is an edge's, not a viewer's, for billing. */
	char *edge_token;
	int log_level;                  /* enum log_level */
};

extern const struct conf_desc edge_conf_desc[];
extern const size_t edge_conf_n;

#endif
