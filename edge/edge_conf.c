/*
 * edge_conf: the table of cdn-edge's settings; see edge_conf.h.
 */
#include "config.h"

#include <stddef.h>

#include "edge_conf.h"

#define F(x) offsetof(struct edge_cfg, x)

const struct conf_desc edge_conf_desc[] = {
	{ "http_listen", CONF_ADDR, F(http_listen), ":8081", 0, 0, NULL, 0,
	  "HTTP address for viewers, /healthz and /metrics (host:port; empty host: all)" },
	{ "https_listen", CONF_ADDR, F(https_listen), NULL, 0, 0, NULL, 0,
	  "HTTPS address for viewers, e.g. :8443 (unset: no HTTPS; needs tls_cert and tls_key)" },
	{ "tls_cert", CONF_STR, F(tls_cert), NULL, 0, 0, NULL, 0,
	  "HTTPS certificate chain, PEM, leaf first (reread on SIGHUP)" },
	{ "tls_key", CONF_STR, F(tls_key), NULL, 0, 0, NULL, 0,
	  "HTTPS private key, PEM (reread on SIGHUP)" },
	{ "upstream", CONF_STRLIST, F(upstream), NULL, 0, 0, NULL, 1,
	  "upstream base URL (origin or parent edge); repeat for an ordered failover list" },
	{ "cache_max_bytes", CONF_SIZE, F(cache_max_bytes), "512M", 1 << 20, 1LL << 40, NULL, 0,
	  "memory budget for cached bodies (objects still being fetched may exceed it)" },
	{ "cache_idle_timeout", CONF_MSEC, F(cache_idle_ms), "60s", 1000, 86400000, NULL, 0,
	  "drop an object nobody requested for this long, even under budget" },
	{ "object_max_bytes", CONF_SIZE, F(object_max_bytes), "64M", 65536, 1LL << 32, NULL, 0,
	  "largest upstream body cached; a larger one fails with 502" },
	{ "cache_key_ignore", CONF_STRLIST, F(cache_key_ignore), "token", 0, 0, NULL, 0,
	  "query parameter left out of the cache key and the upstream URL (repeatable)" },
	{ "playlist_default_ttl", CONF_MSEC, F(playlist_default_ttl_ms), "1s", 0, 3600000, NULL, 0,
	  "freshness of a playlist whose response has no max-age" },
	{ "prefetch", CONF_BOOL, F(prefetch), "yes", 0, 0, NULL, 0,
	  "fetch the segments a refreshed playlist lists before viewers ask" },
	{ "prefetch_max", CONF_INT, F(prefetch_max), "3", 1, 64, NULL, 0,
	  "newest segments of a playlist prefetched" },
	{ "connect_timeout", CONF_MSEC, F(connect_timeout_ms), "2s", 100, 60000, NULL, 0,
	  "upstream TCP connect timeout; then the next upstream is tried" },
	{ "fetch_timeout", CONF_MSEC, F(fetch_timeout_ms), "10s", 500, 600000, NULL, 0,
	  "upstream transfer timeout, and the longest a viewer waits for response headers" },
	{ "health_interval", CONF_MSEC, F(health_interval_ms), "1s", 100, 600000, NULL, 0,
	  "how often each upstream's health URL is checked" },
	{ "health_path", CONF_STR, F(health_path), "/healthz", 0, 0, NULL, 0,
	  "path of the upstream health URL (2xx: up)" },
	{ "upstream_max_connections", CONF_INT, F(upstream_max_connections), "64", 1, 10000, NULL, 0,
	  "connections to one upstream host at once" },
	{ "http_threads", CONF_INT, F(http_threads), "2", 1, 256, NULL, 0,
	  "HTTP worker threads (one per core is right)" },
	{ "http_max_connections", CONF_INT, F(http_max_connections), "10000", 1, 1000000, NULL, 0,
	  "viewer connections at once" },
	{ "http_max_per_ip", CONF_INT, F(http_max_per_ip), "0", 0, 1000000, NULL, 0,
	  "viewer connections per client address (0: no limit)" },
	{ "http_timeout", CONF_MSEC, F(http_timeout_ms), "30s", 1000, 3600000, NULL, 0,
	  "idle or too slow viewer connections are closed after this" },
	{ "http_max_header_bytes", CONF_SIZE, F(http_max_header_bytes), "32K", 4096, 1 << 20, NULL, 0,
	  "request head limit per connection; larger heads get 431" },
	{ "drain_file", CONF_STR, F(drain_file), "/var/lib/cdn/edge.drain", 0, 0, NULL, 0,
	  "while this file exists, /healthz answers 503 \"draining\"" },
	{ "access_log", CONF_STR, F(access_log), "-", 0, 0, NULL, 0,
	  "access log: \"-\" for stdout, a file (reopened on SIGHUP), or \"off\"" },
	{ "accounting", CONF_BOOL, F(accounting), "yes", 0, 0, NULL, 0,
	  "count bytes sent per customer (docs/accounting.md)" },
	{ "accounting_db", CONF_STR, F(accounting_db), "/var/lib/cdn/edge-accounting.db", 0, 0, NULL, 0,
	  "this edge's accounting spool (SQLite, WAL)" },
	{ "accounting_url", CONF_STR, F(accounting_url), NULL, 0, 0, NULL, 0,
	  "where buckets are shipped (default: the first upstream + /api/v1/accounting)" },
	{ "accounting_token_file", CONF_STR, F(accounting_token_file), NULL, 0, 0, NULL, 0,
	  "file holding the origin's accounting token (its data_dir/accounting.token)" },
	{ "node_name", CONF_STR, F(node_name), NULL, 0, 0, NULL, 0,
	  "this edge's name in accounting (default: edge-<hostname>)" },
	{ "accounting_flush", CONF_MSEC, F(accounting_flush_ms), "10s", 1000, 300000, NULL, 0,
	  "how often counters are written to disk and shipped; a crash loses at most this" },
	{ "log_level", CONF_ENUM, F(log_level), "info", 0, 0, "err|warn|info|debug", 0,
	  "least severe level logged" },
};

const size_t edge_conf_n = sizeof(edge_conf_desc) / sizeof(edge_conf_desc[0]);
