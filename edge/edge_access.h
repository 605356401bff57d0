/*
 * edge_access: what an edge knows to enforce playback access itself
 * (docs/access.md), so one cached copy serves every viewer with a valid
 * token and the origin sees one fetch:
 *
 *   - each customer's valid playback secrets, fetched from the origin's
 *     GET /api/v1/edge/secrets with the accounting token, every
 *     token_secrets_refresh, and sooner when a token fails to verify
 *     (at most once per token_secrets_retry: a stream of bad tokens cannot
 *     make the edge hammer the origin);
 *   - each stream's access mode and owner, learned from the X-CDN-Access,
 *     X-CDN-Customer and X-CDN-Stream headers of every playlist the fetcher
 *     receives, so a change at the origin is in force here within one
 *     playlist TTL. Segments are immutable and cached long: their own
 *     header may be old, so the stream's mode comes from here first.
 *
 * Threads: one refresh thread (libcurl easy, blocking, its own handle);
 * the fetch thread learns modes; MHD threads read. A rwlock guards the
 * secrets (swapped whole; the old copy is wiped), a mutex the mode table.
 * The secrets response is peer input: it is read with the bounded JSON
 * reader, and names and secrets are checked before they are kept.
 */
#ifndef CDN_EDGE_ACCESS_H
#define CDN_EDGE_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "acct.h"
#include "edge_conf.h"
#include "play_token.h"
#include "upstream.h"

#define EDGE_ACCESS_STREAMS_MAX 65536

struct edge_access;

/*
 * Start the refresh thread. Borrows cfg and ups for its lifetime. Without
 * an accounting token (cfg->edge_token) nothing is fetched and every token
 * fails to verify (warned once). NULL on failure (logged).
 */
struct edge_access *edge_access_start(const struct edge_cfg *cfg, const struct upstream_set *ups);
void edge_access_stop(struct edge_access *a);   /* NULL-safe */

/* A playlist said stream belongs to customer and has mode. Any thread. */
void edge_access_learn(struct edge_access *a, const char *stream, const char *customer,
    enum play_access mode);

/*
 * The mode and owner learned for stream: true with *mode and customer
 * (ACCT_CUSTOMER_MAX + 1 bytes) filled, false when never learned.
 */
bool edge_access_lookup(struct edge_access *a, const char *stream, enum play_access *mode,
    char *customer);

/* Copy customer's valid secrets (current first); returns how many. */
size_t edge_access_secrets(struct edge_access *a, const char *customer,
    char out[PLAY_SECRETS_MAX][PLAY_SECRET_MAX + 1]);

/* A token did not verify: refresh the secrets soon (rate-limited). */
void edge_access_kick(struct edge_access *a);

/* How many successful refreshes so far (tests and /metrics). */
unsigned long edge_access_refreshes(struct edge_access *a);

#endif
