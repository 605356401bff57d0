/*
 * http_guard: connection limits and the slow-client deadline for a
 * libmicrohttpd server, shared by cdn-origin, cdn-edge and cdn-announce.
 *
 * Why our own: libmicrohttpd 0.9.75 restarts its connection timeout at
 * every byte received, so a client trickling its request head a byte at a
 * time (slowloris) is never closed by it; and with a thread pool it splits
 * MHD_OPTION_CONNECTION_LIMIT between the workers, so its total is not
 * exact. The guard therefore:
 *   - tracks every TCP connection (MHD_OPTION_NOTIFY_CONNECTION), with a
 *     dup() of its socket that the guard owns;
 *   - gives each request head (and, when the owner asks, its body) a
 *     deadline; a sweeper thread shuts the dup down past it, which can
 *     never hit a descriptor MHD closed and the kernel reused;
 *   - refuses, in the accept policy, a connection past the total or the
 *     per-address limit (counted here, so both are exact across workers and
 *     across the HTTP and HTTPS daemons that share one guard);
 *   - counts every refusal by reason and logs them at most once a second.
 * The owner may keep bytes of its own per connection (cfg.ext_size).
 *
 * Use: g = http_guard_new(&cfg); pass http_guard_accept/g as the accept
 * policy and MHD_OPTION_NOTIFY_CONNECTION http_guard_notify/g to every
 * daemon; call http_guard_head_in() on a request's first handler call and
 * http_guard_request_done() in MHD_OPTION_NOTIFY_COMPLETED; start the
 * sweeper once the daemons run; http_guard_free() after they stopped.
 */
#ifndef CDN_HTTP_GUARD_H
#define CDN_HTTP_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "buf.h"

enum http_refuse {
	HTTP_REFUSE_MAX_CONNECTIONS = 0,   /* the total limit */
	HTTP_REFUSE_PER_IP,                /* the per-address limit */
	HTTP_REFUSE_SLOW_HEAD,             /* request not in before its deadline */
	HTTP_REFUSE_URL_TOO_LONG,          /* counted by the owner (414) */
	HTTP_REFUSE_BODY_TOO_LARGE,        /* counted by the owner (413) */
	HTTP_REFUSE_N
};

struct http_guard_cfg {
	const char *name;            /* log prefix, e.g. "http" */
	long long max_connections;   /* total, over all daemons of this guard */
	long long max_per_ip;        /* 0: no per-address limit */
	int64_t head_timeout_ms;     /* a request head must be in within this */
	size_t ext_size;             /* owner's bytes per connection, zeroed */
	const char *max_conn_key;    /* config key names, for the log lines */
	const char *per_ip_key;
	const char *timeout_key;
};

struct http_guard;

/* A new guard; copies cfg (the strings are borrowed). NULL on ENOMEM. */
struct http_guard *http_guard_new(const struct http_guard_cfg *cfg);
/* Start the sweeper thread. 0, or a negative errno (logged: no deadline). */
int http_guard_start(struct http_guard *g);
/* Stop the sweeper and free. Call after every daemon of g stopped. NULL-safe. */
void http_guard_free(struct http_guard *g);

/* MHD hooks; cls is the guard. Called on MHD's threads. */
enum MHD_Result http_guard_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);
void http_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe);

/* The request head is in: no deadline while the request is handled. */
void http_guard_head_in(struct MHD_Connection *conn);
/* Keep (or set again) a deadline of timeout from now while a body arrives. */
void http_guard_arm(struct http_guard *g, struct MHD_Connection *conn);
/* A request completed: the next head on this keep-alive connection gets a
 * fresh deadline. */
void http_guard_request_done(struct http_guard *g, struct MHD_Connection *conn);
/* The owner's ext_size bytes for conn, or NULL (untracked: out of memory). */
void *http_guard_ext(struct MHD_Connection *conn);

/* Count a refusal the owner made (URL too long, body too large). */
void http_guard_count(struct http_guard *g, enum http_refuse why);
/* TCP connections open now. */
long long http_guard_connections(const struct http_guard *g);
uint64_t http_guard_refused(const struct http_guard *g, enum http_refuse why);
/* Append <prefix>_http_connections and <prefix>_http_refused_total{reason}. */
void http_guard_render(const struct http_guard *g, struct buf *out, const char *prefix);

#endif
