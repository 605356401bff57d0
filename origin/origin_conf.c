/*
 * origin_conf: the table of cdn-origin's settings; see origin_conf.h.
 */
#include "config.h"

#include <stddef.h>

#include "origin_conf.h"

#define F(x) offsetof(struct origin_cfg, x)

const struct conf_desc origin_conf_desc[] = {
	{ "rtmp_listen", CONF_ADDR, F(rtmp_listen), ":1935", 0, 0, NULL, 0,
	  "RTMP ingest address (host:port; empty host: all)" },
	{ "http_listen", CONF_ADDR, F(http_listen), ":8080", 0, 0, NULL, 0,
	  "HTTP address for HLS, /healthz, /metrics and /api/v1" },
	{ "data_dir", CONF_STR, F(data_dir), "/var/lib/cdn", 0, 0, NULL, 0,
	  "directory for the database and the generated admin token" },
	{ "db_path", CONF_STR, F(db_path), NULL, 0, 0, NULL, 0,
	  "SQLite database of customers and keys (default: data_dir/origin.db)" },
	{ "admin_token", CONF_STR, F(admin_token), NULL, 0, 0, NULL, 0,
	  "bearer token of the admin API (default: data_dir/admin.token, created at first start)" },
	{ "public_rtmp_url", CONF_STR, F(public_rtmp_url), NULL, 0, 0, NULL, 0,
	  "RTMP URL shown to broadcasters (default: rtmp://<this host>:<port>/live)" },
	{ "segment_format", CONF_ENUM, F(segment_format), "ts", 0, 0, "ts|fmp4", 0,
	  "HLS segment container: MPEG-TS or fragmented MP4 (CMAF)" },
	{ "segment_target", CONF_MSEC, F(segment_target_ms), "2s", 500, 30000, NULL, 0,
	  "target segment duration; segments are cut on keyframes" },
	{ "playlist_window", CONF_INT, F(playlist_window), "6", 2, 100, NULL, 0,
	  "segments in the live playlist" },
	{ "segment_grace", CONF_MSEC, F(segment_grace_ms), "14s", 0, 3600000, NULL, 0,
	  "how long segments stay after leaving the window, and ended playlists after the end (RFC 8216 6.2.2: at least target x (window + 1))" },
	{ "persist_dir", CONF_STR, F(persist_dir), NULL, 0, 0, NULL, 0,
	  "also write segments and playlists below this directory (unset: memory only)" },
	{ "segment_max_bytes", CONF_SIZE, F(segment_max_bytes), "32M", 65536, 1LL << 31, NULL, 0,
	  "a segment is cut early when it grows past this" },
	{ "publisher_idle_timeout", CONF_MSEC, F(publisher_idle_ms), "10s", 1000, 600000, NULL, 0,
	  "drop a publisher that sends nothing for this long" },
	{ "handshake_timeout", CONF_MSEC, F(handshake_timeout_ms), "5s", 500, 60000, NULL, 0,
	  "drop an RTMP connection that has not published within this time" },
	{ "rtmp_max_connections", CONF_INT, F(rtmp_max_connections), "1000", 1, 100000, NULL, 0,
	  "RTMP connections at once, handshakes included" },
	{ "rtmp_max_message", CONF_SIZE, F(rtmp_max_message), "8M", 4096, 1LL << 30, NULL, 0,
	  "largest RTMP message accepted" },
	{ "rtmp_max_chunk_size", CONF_SIZE, F(rtmp_max_chunk_size), "1M", 128, 0x7fffffff, NULL, 0,
	  "largest Set Chunk Size accepted from a publisher" },
	{ "rtmp_out_buffer", CONF_SIZE, F(rtmp_out_buffer), "256K", 4096, 1LL << 30, NULL, 0,
	  "per-connection send buffer ceiling" },
	{ "http_threads", CONF_INT, F(http_threads), "4", 1, 256, NULL, 0,
	  "HTTP worker threads" },
	{ "http_max_connections", CONF_INT, F(http_max_connections), "4096", 1, 1000000, NULL, 0,
	  "HTTP connections at once" },
	{ "http_max_per_ip", CONF_INT, F(http_max_per_ip), "0", 0, 1000000, NULL, 0,
	  "HTTP connections per client address (0: no limit)" },
	{ "http_timeout", CONF_MSEC, F(http_timeout_ms), "30s", 1000, 3600000, NULL, 0,
	  "idle HTTP connections are closed after this" },
	{ "accounting_token", CONF_STR, F(accounting_token), NULL, 0, 0, NULL, 0,
	  "token edges ship accounting with (default: data_dir/accounting.token, created at first start)" },
	{ "node_name", CONF_STR, F(node_name), NULL, 0, 0, NULL, 0,
	  "this node's name in accounting (default: origin-<hostname>)" },
	{ "accounting_flush", CONF_MSEC, F(accounting_flush_ms), "10s", 1000, 300000, NULL, 0,
	  "how often counters are written to disk and shipped; a crash loses at most this" },
	{ "www_dir", CONF_STR, F(www_dir), NULL, 0, 0, NULL, 0,
	  "the player and dashboard files, with vendor/hls.min.js (default: the www/ of this build)" },
	{ "player_edge", CONF_STR, F(player_edge), NULL, 0, 0, NULL, 0,
	  "edge base URL that /watch/<stream> here redirects viewers to, e.g. http://edge1:8081 (unset: play from this origin)" },
	{ "edge", CONF_STRLIST, F(edges), NULL, 0, 0, NULL, 0,
	  "an edge the dashboard shows, repeatable: NAME URL [ANNOUNCE_CONTROL_SOCKET] (the socket enables drain and undrain)" },
	{ "edge_poll", CONF_MSEC, F(edge_poll_ms), "2s", 500, 600000, NULL, 0,
	  "how often each edge's /healthz, /metrics and announcer are read" },
	{ "dashboard_session_ttl", CONF_MSEC, F(dashboard_session_ttl_ms), "12h", 60000, 604800000, NULL, 0,
	  "a dashboard login lasts this long" },
	{ "log_level", CONF_ENUM, F(log_level), "info", 0, 0, "err|warn|info|debug", 0,
	  "least severe level logged" },
	{ "token_max_ttl", CONF_MSEC, F(token_max_ttl_ms), "720h", 60000, 8784LL * 3600000, NULL, 0,
	  "longest lifetime of a playback token minted by the admin API (docs/access.md)" },
};

const size_t origin_conf_n = sizeof(origin_conf_desc) / sizeof(origin_conf_desc[0]);
