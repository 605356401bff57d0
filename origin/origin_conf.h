/*
 * origin_conf: the settings of cdn-origin, as one conf table (common/conf.h).
 *
 * Every setting has a default, so the origin runs with no config file:
 * RTMP on :1935, HTTP on :8080, data in /var/lib/cdn. RTMPS (on :1936) is
 * on only when rtmps_cert and rtmps_key are set. `cdn-origin -t` prints
 * the effective config; docs/origin.conf.example lists every key.
 */
#ifndef CDN_ORIGIN_CONF_H
#define CDN_ORIGIN_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

struct origin_cfg {
	char *rtmp_listen;            /* ADDR */
	char *rtmps_listen;           /* ADDR; only with rtmps_cert */
	char *rtmps_cert;             /* PEM chain; unset: no RTMPS listener */
	char *rtmps_key;              /* PEM key of rtmps_cert */
	char *http_listen;            /* ADDR */
	char *https_listen;           /* ADDR, unset: no HTTPS */
	char *tls_cert;               /* PEM chain for HTTPS */
	char *tls_key;                /* PEM key for HTTPS */
	char *data_dir;               /* database, admin token */
	char *db_path;                /* default: data_dir/origin.db */
	char *admin_token;            /* default: read or created at data_dir/admin.token */
	char *public_rtmp_url;        /* shown to broadcasters; default rtmp://<host>:<port>/live */
	int segment_format;           /* 0 ts, 1 fmp4 */
	long long segment_target_ms;
	long long playlist_window;
	long long segment_grace_ms;   /* segments and ended playlists outlive the window */
	long long republish_grace_ms; /* a stream waits this long for its publisher to return */
	long long keyframe_timeout_ms;/* video without a keyframe this long: logged, forced cut */
	long long max_gap_ms;         /* a timestamp jump above this: cut + discontinuity */
	char *persist_dir;            /* also write segments here (unset: memory only) */
	uint64_t segment_max_bytes;
	long long publisher_idle_ms;  /* drop a publisher that sends nothing for this long */
	long long handshake_timeout_ms;
	long long rtmp_max_connections;
	uint64_t rtmp_max_message;
	uint64_t rtmp_max_chunk_size;
	uint64_t rtmp_out_buffer;     /* per connection send buffer ceiling */
	long long http_threads;
	long long http_max_connections;
	long long http_max_per_ip;
	long long http_timeout_ms;
	char *accounting_token;       /* edges' token for POST /api/v1/accounting; default: data_dir/accounting.token */
	char *node_name;              /* this node in accounting (default: origin-<hostname>) */
	long long accounting_flush_ms;
	char *www_dir;                /* the player and dashboard files (default: this build's www/) */
	char *player_edge;            /* /watch/<stream> redirects here (unset: play from this origin) */
	struct conf_list edges;       /* "NAME URL [ANNOUNCE_SOCKET]" (edge_watch.h) */
	long long edge_poll_ms;
	long long dashboard_session_ttl_ms;
	char *srt_listen;             /* ADDR: SRT ingest (UDP) */
	char *srt_passphrase;         /* SRTO_PASSPHRASE, 10-79 characters; unset: no encryption */
	int srt_pbkeylen;             /* 0 auto, 1 aes128, 2 aes192, 3 aes256 (SRTO_PBKEYLEN) */
	long long srt_latency_ms;     /* SRTO_RCVLATENCY / SRTO_PEERLATENCY */
	long long srt_max_publishers; /* 0: SRT ingest off */
	char *rtp_address;            /* RTP ingests bind here and name it in SDPs (unset: all, 0.0.0.0) */
	int log_level;                /* enum log_level */
	/* Limits */
	uint64_t http_max_header_bytes;   /* MHD connection memory: 431 past it */
	uint64_t http_max_url_bytes;      /* 414 past it */
	uint64_t http_max_body_bytes;     /* 413 past it */
	long long rtmp_max_per_ip;        /* 0: no limit */
	long long max_publishers;
	long long token_max_ttl_ms;   /* tokens minted by POST /api/v1/tokens */
	long long encryption_key_rotation;   /* segments per AES-128 key */
	/* DVR and recording (docs/dvr.md) */
	char *archive_dir;            /* session directories (default: data_dir/archive) */
	long long dvr_window_ms;      /* streams without their own setting; 0: off */
	long long dvr_max_window_ms;  /* the longest a stream may be given */
	int record;                   /* streams without their own setting */
	long long recording_retention_ms;
};

extern const struct conf_desc origin_conf_desc[];
extern const size_t origin_conf_n;

#endif
