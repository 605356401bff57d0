/*
 * dash_session: see dash_session.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "dash_session.h"
#include "xalloc.h"

struct slot {
	bool used;
	int64_t created_ms;
	int64_t expires_ms;
	char id[DASH_TOKEN_HEX + 1];
	char csrf[DASH_TOKEN_HEX + 1];
};

struct dash_sessions {
	pthread_mutex_t lock;
	size_t max;
	int64_t ttl_ms;
	struct slot *s;
	int64_t fail_window_start_ms;
	unsigned fails;
};

struct dash_sessions *
dash_sessions_new(size_t max, int64_t ttl_ms)
{
	struct dash_sessions *ds;

	if (max == 0 || ttl_ms <= 0)
		return NULL;
	if ((ds = xcalloc(1, sizeof(*ds))) == NULL)
		return NULL;
	if ((ds->s = xcalloc(max, sizeof(*ds->s))) == NULL) {
		free(ds);
		return NULL;
	}
	pthread_mutex_init(&ds->lock, NULL);
	ds->max = max;
	ds->ttl_ms = ttl_ms;
	return ds;
}

void
dash_sessions_free(struct dash_sessions *ds)
{
	if (ds == NULL)
		return;
	OPENSSL_cleanse(ds->s, ds->max * sizeof(*ds->s));
	free(ds->s);
	pthread_mutex_destroy(&ds->lock);
	free(ds);
}

static int
random_hex(char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[DASH_TOKEN_HEX / 2];

	if (RAND_bytes(r, (int)sizeof(r)) != 1)
		return -EIO;
	for (size_t i = 0; i < sizeof(r); i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[DASH_TOKEN_HEX] = '\0';
	OPENSSL_cleanse(r, sizeof(r));
	return 0;
}

/* A well-formed token: exactly DASH_TOKEN_HEX lowercase hex digits. */
static bool
token_shape_ok(const char *t)
{
	size_t i;

	if (t == NULL)
		return false;
	for (i = 0; i < DASH_TOKEN_HEX; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
			return false;
	return t[i] == '\0';
}

/* The live slot whose id is id, or NULL; every slot is compared. Locked. */
static struct slot *
find(struct dash_sessions *ds, const char *id, int64_t now_ms)
{
	struct slot *hit = NULL;

	if (!token_shape_ok(id))
		return NULL;
	for (size_t i = 0; i < ds->max; i++) {
		struct slot *s = &ds->s[i];
		int same = CRYPTO_memcmp(s->id, id, DASH_TOKEN_HEX) == 0;
		if (same && s->used && s->expires_ms > now_ms)
			hit = s;
	}
	return hit;
}

int
dash_session_create(struct dash_sessions *ds, int64_t now_ms, char *id, char *csrf)
{
	struct slot *pick = NULL;
	int rc;

	pthread_mutex_lock(&ds->lock);
	for (size_t i = 0; i < ds->max; i++) {
		struct slot *s = &ds->s[i];
		if (!s->used || s->expires_ms <= now_ms) {
			pick = s;
			break;
		}
		if (pick == NULL || s->created_ms < pick->created_ms)
			pick = s;   /* the oldest, if the table is full */
	}
	memset(pick, 0, sizeof(*pick));
	if ((rc = random_hex(pick->id)) == 0 && (rc = random_hex(pick->csrf)) == 0) {
		pick->used = true;
		pick->created_ms = now_ms;
		pick->expires_ms = now_ms + ds->ttl_ms;
		memcpy(id, pick->id, DASH_TOKEN_HEX + 1);
		memcpy(csrf, pick->csrf, DASH_TOKEN_HEX + 1);
	} else
		memset(pick, 0, sizeof(*pick));
	pthread_mutex_unlock(&ds->lock);
	return rc;
}

bool
dash_session_check(struct dash_sessions *ds, const char *id, int64_t now_ms, char *csrf,
    int64_t *expires_ms)
{
	struct slot *s;

	pthread_mutex_lock(&ds->lock);
	s = find(ds, id, now_ms);
	if (s && csrf)
		memcpy(csrf, s->csrf, DASH_TOKEN_HEX + 1);
	if (s && expires_ms)
		*expires_ms = s->expires_ms;
	pthread_mutex_unlock(&ds->lock);
	return s != NULL;
}

bool
dash_session_csrf_ok(struct dash_sessions *ds, const char *id, const char *csrf, int64_t now_ms)
{
	struct slot *s;
	bool ok;

	if (!token_shape_ok(csrf))
		return false;
	pthread_mutex_lock(&ds->lock);
	s = find(ds, id, now_ms);
	ok = s && CRYPTO_memcmp(s->csrf, csrf, DASH_TOKEN_HEX) == 0;
	pthread_mutex_unlock(&ds->lock);
	return ok;
}

void
dash_session_end(struct dash_sessions *ds, const char *id)
{
	struct slot *s;

	pthread_mutex_lock(&ds->lock);
	/* now = INT64_MIN: an expired slot with this id is wiped too. */
	if ((s = find(ds, id, INT64_MIN)) != NULL)
		OPENSSL_cleanse(s, sizeof(*s));
	pthread_mutex_unlock(&ds->lock);
}

size_t
dash_session_count(struct dash_sessions *ds, int64_t now_ms)
{
	size_t n = 0;

	pthread_mutex_lock(&ds->lock);
	for (size_t i = 0; i < ds->max; i++)
		n += ds->s[i].used && ds->s[i].expires_ms > now_ms;
	pthread_mutex_unlock(&ds->lock);
	return n;
}

bool
dash_login_allowed(struct dash_sessions *ds, int64_t now_ms)
{
	bool ok;

	pthread_mutex_lock(&ds->lock);
	if (now_ms - ds->fail_window_start_ms >= DASH_LOGIN_WINDOW_MS) {
		ds->fail_window_start_ms = now_ms;
		ds->fails = 0;
	}
	ok = ds->fails < DASH_LOGIN_BURST;
	pthread_mutex_unlock(&ds->lock);
	return ok;
}

void
dash_login_failed(struct dash_sessions *ds, int64_t now_ms)
{
	pthread_mutex_lock(&ds->lock);
	if (now_ms - ds->fail_window_start_ms >= DASH_LOGIN_WINDOW_MS) {
		ds->fail_window_start_ms = now_ms;
		ds->fails = 0;
	}
	ds->fails++;
	pthread_mutex_unlock(&ds->lock);
}
