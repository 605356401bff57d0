/*
 * rtmp_server: the RTMP and RTMPS listeners and their event loop (epoll,
 * one thread, non-blocking sockets). Owns sockets, buffers and limits; the
 * protocol is in rtmp_session.c, the byte transport (TCP, or TLS for RTMPS)
 * in rtmp_xport.c. Both kinds of connection share the loop, the limits and
 * the deadlines: the TLS handshake counts toward handshake_timeout and
 * rtmp_max_connections.
 *
 * Fairness: each readable connection gets one read of at most 64 KiB per
 * loop pass, so a flooding publisher cannot starve the others; a publisher
 * that stops reading our replies fills only its own bounded send buffer and
 * is dropped when that overflows. Every connection has a deadline (handshake
 * and publish within handshake_timeout, then publisher_idle_timeout), so
 * half-open connections cannot accumulate; beyond rtmp_max_connections new
 * connections are closed at once.
 *
 * The loop also runs the registry sweep once a second, and returns when a
 * signal arrives on sigfd (SIGTERM/SIGINT): every publisher is then ended
 * cleanly, so every live playlist gets EXT-X-ENDLIST. SIGHUP rereads the
 * RTMPS certificate and key; nothing else is reloaded.
 */
#ifndef CDN_RTMP_SERVER_H
#define CDN_RTMP_SERVER_H

#include "keys.h"
#include "origin_conf.h"

struct rtmp_server;

/*
 * Bind and listen on cfg->rtmp_listen, and on cfg->rtmps_listen when
 * rtmps_cert and rtmps_key are set (loaded and checked here). cfg and keys
 * are borrowed for the server's life. NULL on failure (logged).
 */
struct rtmp_server *rtmp_server_new(const struct origin_cfg *cfg, struct keys *keys);
/* The bound port (useful when listening on port 0). */
int rtmp_server_port(const struct rtmp_server *srv);
/* The bound RTMPS port, or -1 when RTMPS is off. */
int rtmp_server_tls_port(const struct rtmp_server *srv);
/*
 * Run until a signal is read from sigfd (a signalfd). Returns the signal
 * number, or a negative errno on a fatal loop error.
 */
int rtmp_server_run(struct rtmp_server *srv, int sigfd);
/* Call fn (in the loop's thread) on SIGHUP, instead of ignoring it. */
void rtmp_server_on_sighup(struct rtmp_server *srv, void (*fn)(void *arg), void *arg);
/* Close every connection (ending their streams) and free. NULL-safe. */
void rtmp_server_free(struct rtmp_server *srv);

#endif
