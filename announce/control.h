/*
 * control: cdn-announce's local control socket (UNIX stream, mode 0600).
 *
 * A client sends one command line and gets one JSON line back, then the
 * server closes:
 *   drain | undrain | status | blackhole add PREFIX SECONDS | blackhole del PREFIX
 * Replies: {"ok":true,...} or {"ok":false,"error":"..."}; status returns
 * the announcer's status document. Clients are non-blocking and bounded: a
 * command line is at most CONTROL_LINE_MAX bytes and must arrive within
 * CONTROL_TIMEOUT_MS, at most CONTROL_CLIENTS_MAX clients at once, so a
 * stuck client can never stall the BGP event loop.
 */
#ifndef CDN_CONTROL_H
#define CDN_CONTROL_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CONTROL_LINE_MAX 512
#define CONTROL_TIMEOUT_MS 2000
#define CONTROL_CLIENTS_MAX 16

struct control;

/* Executes one command line; writes the JSON reply (one line) into out. */
typedef void (*control_cmd_fn)(void *ctx, const char *line, struct buf *out);

/* Listen on path (an old socket there is replaced). NULL on failure (logged). */
struct control *control_open(const char *path, control_cmd_fn fn, void *ctx);

/* Append pollfds (listener + clients) at pfd; returns how many (<= 1 + clients max). */
size_t control_pollfds(const struct control *c, struct pollfd *pfd);
/* Handle readiness of the fds control_pollfds returned. */
void control_on_io(struct control *c, const struct pollfd *pfd, size_t n, int64_t now_ms);
/* Drop clients past their deadline; returns the next deadline or INT64_MAX. */
int64_t control_tick(struct control *c, int64_t now_ms);
void control_close(struct control *c);

#endif
