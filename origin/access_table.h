/*
 * access_table: what the origin's HTTP threads need to enforce playback
 * access (docs/access.md) without a database query per request: each
 * active customer's valid playback secrets (current, previous) and the
 * streams whose access mode was set.
 *
 * It is a snapshot of the database (keys.h), rebuilt at start and after
 * every admin change that touches secrets, modes or customers, and swapped
 * whole under a rwlock; readers copy the few bytes they need under the
 * read lock. Lookups are binary searches over sorted arrays. The old
 * snapshot's secrets are wiped before it is freed.
 *
 * The same snapshot is what edges fetch (GET /api/v1/edge/secrets), so an
 * edge knows exactly the secrets the origin accepts.
 */
#ifndef CDN_ACCESS_TABLE_H
#define CDN_ACCESS_TABLE_H

#include <stddef.h>

#include "json.h"
#include "keys.h"
#include "play_token.h"

struct access_table;

struct access_table *access_table_new(void);
void access_table_free(struct access_table *t);   /* NULL-safe */

/*
 * Rebuild from k, which the caller uses from this thread only (the admin
 * lock). On failure the old snapshot stays. 0, -EIO, -ENOMEM.
 */
int access_table_load(struct access_table *t, struct keys *k);

/* The mode of customer's stream (public when never set). Any thread. */
enum play_access access_table_mode(struct access_table *t, const char *customer,
    const char *stream);

/*
 * Copy customer's valid secrets into out (current first). Returns how many
 * (0 when the customer has none or is unknown). Any thread. The caller
 * wipes out when done (OPENSSL_cleanse).
 */
size_t access_table_secrets(struct access_table *t, const char *customer,
    char out[PLAY_SECRETS_MAX][KEYS_PLAY_SECRET_LEN + 1]);

/*
 * Write {"customers":[{"name":"acme","secrets":["ps_...", ...]}, ...],
 * "streams":[{"customer":..,"stream":..,"access":..}, ...]} into j.
 * Any thread.
 */
void access_table_render(struct access_table *t, struct json *j);

#endif
