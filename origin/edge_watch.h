/*
 * edge_watch: the edges the dashboard shows, watched from the origin.
 *
 * Each `edge` setting is "NAME URL [ANNOUNCE_SOCKET]": the edge's base URL
 * (its /healthz and /metrics are read) and, optionally, the path of the
 * cdn-announce control socket that announces it (announce/control.h). A
 * control socket is local: for an edge on another host, forward it (e.g.
 * `ssh -L /run/cdn/edge1.sock:/run/cdn-announce.sock edge1`), see docs/www.md.
 *
 * One thread polls every edge every interval_ms (or at once after a drain
 * or undrain, so the dashboard shows the change without waiting): GET
 * /healthz and /metrics (libcurl, 2 s deadline each, bodies at most
 * 1 MiB) and the announcer's "status". The latest snapshot of each edge
 * is kept; readers render it as JSON for GET /api/v1/edges. Edges are
 * polled one after another, so a dead edge delays the others by at most
 * its deadlines.
 *
 * Drain and undrain go to the announcer's control socket, which also
 * creates or removes the drain file the edge's /healthz reads.
 */
#ifndef CDN_EDGE_WATCH_H
#define CDN_EDGE_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "json.h"

#define EDGE_NAME_MAX 63

struct edge_def {
	char name[EDGE_NAME_MAX + 1];   /* [A-Za-z0-9._-] */
	char url[256];                  /* http(s)://host[:port], no trailing '/' */
	char socket[108];               /* announcer control socket, or "" */
};

/* Parse one `edge` value. 0, or -EINVAL with a one-line reason in err. */
int edge_def_parse(const char *value, struct edge_def *out, char *err, size_t errlen);

struct edge_watch;

/*
 * Parse every entry (a bad one fails the start with err), then start the
 * poll thread (none when the list is empty). NULL on failure.
 */
struct edge_watch *edge_watch_start(const struct conf_list *edges, int64_t interval_ms,
    char *err, size_t errlen);
void edge_watch_stop(struct edge_watch *w);   /* NULL-safe; joins the thread */

/* Append the edges' snapshot as a JSON array to j. Any thread. */
void edge_watch_render(struct edge_watch *w, struct json *j);

/*
 * Drain (drain true) or undrain edge name through its announcer. Returns 0;
 * -ENOENT (no such edge), -ENOTSUP (no control socket configured) or -EIO
 * (the announcer did not do it); err says why in one line.
 */
int edge_watch_drain(struct edge_watch *w, const char *name, bool drain, char *err,
    size_t errlen);

#endif
