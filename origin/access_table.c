/*
 * access_table: the origin's in-memory view of playback access; see
 * access_table.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "access_table.h"
#include "log.h"
#include "xalloc.h"

struct sec_ent {
	char customer[KEYS_NAME_MAX + 1];
	char secret[PLAY_SECRETS_MAX][KEYS_PLAY_SECRET_LEN + 1];
	size_t n;
};

struct mode_ent {
	char customer[KEYS_NAME_MAX + 1];
	char stream[KEYS_NAME_MAX + 1];
	enum play_access mode;
};

struct snap {
	struct sec_ent *sec;
	size_t n_sec, cap_sec;
	struct mode_ent *mode;
	size_t n_mode, cap_mode;
	int err;
};

struct access_table {
	pthread_rwlock_t lock;
	struct snap cur;
};

static void
snap_fini(struct snap *s)
{
	if (s->sec)
		OPENSSL_cleanse(s->sec, s->cap_sec * sizeof(*s->sec));
	free(s->sec);
	free(s->mode);
	memset(s, 0, sizeof(*s));
}

struct access_table *
access_table_new(void)
{
	struct access_table *t = xcalloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	pthread_rwlock_init(&t->lock, NULL);
	return t;
}

void
access_table_free(struct access_table *t)
{
	if (t == NULL)
		return;
	snap_fini(&t->cur);
	pthread_rwlock_destroy(&t->lock);
	free(t);
}

static int
add_secret(void *arg, const struct play_secret *ps)
{
	struct snap *s = arg;
	struct sec_ent *e = s->n_sec ? &s->sec[s->n_sec - 1] : NULL;

	/* Rows come by customer, current first: append to the last entry. */
	if (e == NULL || strcmp(e->customer, ps->customer) != 0) {
		if (s->n_sec == s->cap_sec) {
			size_t ncap = s->cap_sec ? s->cap_sec * 2 : 16;
			struct sec_ent *p = xcalloc(ncap, sizeof(*p));
			if (p == NULL)
				return s->err = -ENOMEM;
			if (s->sec) {
				memcpy(p, s->sec, s->n_sec * sizeof(*p));
				OPENSSL_cleanse(s->sec, s->cap_sec * sizeof(*s->sec));
			}
			free(s->sec);
			s->sec = p;
			s->cap_sec = ncap;
		}
		e = &s->sec[s->n_sec++];
		snprintf(e->customer, sizeof(e->customer), "%s", ps->customer);
	}
	if (e->n < PLAY_SECRETS_MAX)
		snprintf(e->secret[e->n++], sizeof(e->secret[0]), "%s", ps->secret);
	return 0;
}

static int
add_mode(void *arg, const struct stream_access *sa)
{
	struct snap *s = arg;

	if (sa->mode == PLAY_PUBLIC)
		return 0;   /* the default: nothing to look up */
	if (s->n_mode == s->cap_mode) {
		size_t ncap = s->cap_mode ? s->cap_mode * 2 : 16;
		struct mode_ent *p = xreallocarray(s->mode, ncap, sizeof(*p));
		if (p == NULL)
			return s->err = -ENOMEM;
		s->mode = p;
		s->cap_mode = ncap;
	}
	snprintf(s->mode[s->n_mode].customer, sizeof(s->mode[0].customer), "%s", sa->customer);
	snprintf(s->mode[s->n_mode].stream, sizeof(s->mode[0].stream), "%s", sa->stream);
	s->mode[s->n_mode++].mode = sa->mode;
	return 0;
}

static int
cmp_sec(const void *a, const void *b)
{
	return strcmp(((const struct sec_ent *)a)->customer, ((const struct sec_ent *)b)->customer);
}

static int
cmp_mode(const void *a, const void *b)
{
	const struct mode_ent *x = a, *y = b;
	int c = strcmp(x->customer, y->customer);

	return c ? c : strcmp(x->stream, y->stream);
}

int
access_table_load(struct access_table *t, struct keys *k)
{
	struct snap s = { 0 }, old;
	int rc;

	if ((rc = keys_secret_list(k, NULL, add_secret, &s)) == 0)
		rc = s.err;
	if (rc == 0 && (rc = keys_access_list(k, NULL, add_mode, &s)) == 0)
		rc = s.err;
	if (rc != 0) {
		log_errx("access: cannot load playback secrets and access modes: %s",
		    strerror(-rc));
		snap_fini(&s);
		return rc;
	}
	/* SQLite's collation is memcmp too, but do not depend on it. */
	if (s.n_sec)
		qsort(s.sec, s.n_sec, sizeof(*s.sec), cmp_sec);
	if (s.n_mode)
		qsort(s.mode, s.n_mode, sizeof(*s.mode), cmp_mode);
	pthread_rwlock_wrlock(&t->lock);
	old = t->cur;
	t->cur = s;
	pthread_rwlock_unlock(&t->lock);
	snap_fini(&old);
	log_debug("access: %zu customer(s) with playback secrets, %zu stream(s) not public",
	    s.n_sec, s.n_mode);
	return 0;
}

enum play_access
access_table_mode(struct access_table *t, const char *customer, const char *stream)
{
	struct mode_ent key;
	const struct mode_ent *e;
	enum play_access m = PLAY_PUBLIC;

	if (t == NULL || customer == NULL || stream == NULL)
		return PLAY_PUBLIC;
	snprintf(key.customer, sizeof(key.customer), "%s", customer);
	snprintf(key.stream, sizeof(key.stream), "%s", stream);
	pthread_rwlock_rdlock(&t->lock);
	e = t->cur.n_mode ? bsearch(&key, t->cur.mode, t->cur.n_mode, sizeof(key), cmp_mode) : NULL;
	if (e)
		m = e->mode;
	pthread_rwlock_unlock(&t->lock);
	return m;
}

size_t
access_table_secrets(struct access_table *t, const char *customer,
    char out[PLAY_SECRETS_MAX][KEYS_PLAY_SECRET_LEN + 1])
{
	struct sec_ent key;
	const struct sec_ent *e;
	size_t n = 0;

	if (t == NULL || customer == NULL)
		return 0;
	snprintf(key.customer, sizeof(key.customer), "%s", customer);
	pthread_rwlock_rdlock(&t->lock);
	e = t->cur.n_sec ? bsearch(&key, t->cur.sec, t->cur.n_sec, sizeof(key), cmp_sec) : NULL;
	if (e) {
		n = e->n;
		memcpy(out, e->secret, sizeof(e->secret));
	}
	pthread_rwlock_unlock(&t->lock);
	return n;
}

void
access_table_render(struct access_table *t, struct json *j)
{
	pthread_rwlock_rdlock(&t->lock);
	json_obj_begin(j);
	json_key(j, "customers");
	json_arr_begin(j);
	for (size_t i = 0; i < t->cur.n_sec; i++) {
		json_obj_begin(j);
		json_key(j, "name");
		json_str(j, t->cur.sec[i].customer);
		json_key(j, "secrets");
		json_arr_begin(j);
		for (size_t k = 0; k < t->cur.sec[i].n; k++)
			json_str(j, t->cur.sec[i].secret[k]);
		json_arr_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "streams");
	json_arr_begin(j);
	for (size_t i = 0; i < t->cur.n_mode; i++) {
		json_obj_begin(j);
		json_key(j, "customer");
		json_str(j, t->cur.mode[i].customer);
		json_key(j, "stream");
		json_str(j, t->cur.mode[i].stream);
		json_key(j, "access");
		json_str(j, play_access_name(t->cur.mode[i].mode));
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
	pthread_rwlock_unlock(&t->lock);
}
