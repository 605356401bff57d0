/*
 * http_origin: the origin's HTTP server (libmicrohttpd, internal thread
 * pool with epoll).
 *
 *   GET|HEAD /hls/<stream>/master.m3u8     master playlist
 *   GET|HEAD /hls/<stream>/index.m3u8      live media playlist
 *   GET|HEAD /hls/<stream>/<segment>       media or init segment (Range supported)
 *   GET      /healthz                       JSON health
 *   GET      /metrics                       Prometheus text
 *   *        /api/v1/...                    admin API (bearer token), see admin_api.h
 *   OPTIONS  any                            CORS preflight
 *
 * Headers: exact Content-Types (FIELD-NOTES: Debian's MIME table is wrong
 * for .ts and has no .m4s), Cache-Control (playlists: max-age of at most
 * half the target duration; segments: long and immutable), ETag with
 * If-None-Match, CORS for browser players, Accept-Ranges on segments.
 * Anything else is 404; other methods on known paths are 405 with Allow.
 *
 * With https_listen, a second daemon serves the same over TLS (GnuTLS in
 * libmicrohttpd; the certificate from tls_cert.h, reloaded on SIGHUP).
 */
#ifndef CDN_HTTP_ORIGIN_H
#define CDN_HTTP_ORIGIN_H

#include "admin_api.h"
#include "origin_conf.h"

struct http_origin;

/* Start serving on cfg->http_listen. NULL on failure (logged). */
struct acct_api;
/* acct may be NULL (no accounting API). */
struct http_origin *http_origin_start(const struct origin_cfg *cfg, struct admin_ctx *admin,
    struct acct_api *acct);
int http_origin_port(const struct http_origin *h);
/* The HTTPS port, or 0 without https_listen. */
int http_origin_port_tls(const struct http_origin *h);
/* Reread tls_cert and tls_key (SIGHUP); on failure the old ones stay. */
void http_origin_reload_tls(struct http_origin *h);
/* Stop accepting, finish requests in flight, free. NULL-safe. */
void http_origin_stop(struct http_origin *h);

#endif
