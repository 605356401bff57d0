/*
 * dash_session: the dashboard's login sessions (docs/www.md).
 *
 * An operator logs in with the admin token; the origin answers with a
 * session id in an HttpOnly, SameSite=Strict cookie, and a CSRF token that
 * the page reads from /dashboard/api/session and sends back in X-CSRF-Token
 * on every action (POST). Both are 256-bit random values from OpenSSL's
 * RAND_bytes, in hex, kept only in this process's memory: a restart logs
 * everyone out, and nothing secret is written to disk.
 *
 * Sessions expire ttl_ms after their creation (not sliding: an admin
 * token's grant is renewed by logging in again). The table holds at most
 * max sessions; a new login past that evicts the oldest. Lookups compare
 * every slot in constant time (CRYPTO_memcmp), so timing tells nothing of
 * a guessed id.
 *
 * Logins are throttled: after DASH_LOGIN_BURST failures within
 * DASH_LOGIN_WINDOW_MS, every login (even a right one) is refused until the
 * window has passed, so the admin token cannot be guessed online.
 *
 * Thread-safe: a mutex inside; MHD's threads call it concurrently.
 */
#ifndef CDN_DASH_SESSION_H
#define CDN_DASH_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DASH_TOKEN_HEX 64          /* hex digits of an id or CSRF token */
#define DASH_LOGIN_BURST 10        /* failed logins allowed per window */
#define DASH_LOGIN_WINDOW_MS 60000

struct dash_sessions;

/* NULL on allocation failure. max >= 1, ttl_ms > 0. */
struct dash_sessions *dash_sessions_new(size_t max, int64_t ttl_ms);
void dash_sessions_free(struct dash_sessions *ds);   /* NULL-safe */

/*
 * Start a session. Fills id and csrf (DASH_TOKEN_HEX + 1 bytes each).
 * Returns 0, or -EIO when the random generator fails (no session made).
 */
int dash_session_create(struct dash_sessions *ds, int64_t now_ms, char *id, char *csrf);

/*
 * True when id names a live session; then csrf (if not NULL, DASH_TOKEN_HEX + 1
 * bytes) receives its CSRF token and *expires_ms (if not NULL) its end.
 */
bool dash_session_check(struct dash_sessions *ds, const char *id, int64_t now_ms, char *csrf,
    int64_t *expires_ms);

/* True when id is live and csrf is its CSRF token (constant time). */
bool dash_session_csrf_ok(struct dash_sessions *ds, const char *id, const char *csrf,
    int64_t now_ms);

/* Log out: forget id (nothing if unknown). */
void dash_session_end(struct dash_sessions *ds, const char *id);

/* Live sessions (for /metrics and tests). */
size_t dash_session_count(struct dash_sessions *ds, int64_t now_ms);

/* Whether a login may be tried now; record a failed one. */
bool dash_login_allowed(struct dash_sessions *ds, int64_t now_ms);
void dash_login_failed(struct dash_sessions *ds, int64_t now_ms);

#endif
