/*
 * keys: customers and their stream keys, in the origin's SQLite database.
 *
 * A broadcaster publishes to rtmp://HOST/live/<stream key>. Each key belongs
 * to one customer and maps to one public stream name, which is what viewers'
 * URLs carry: the secret never appears in a playback URL, a playlist or a
 * log line (logs show the key's id and hint, its last 4 characters).
 *
 * Keys are stored as SHA-256 digests only: the origin can check a key but
 * never show it again, so the key is returned once, when it is created.
 * Generated keys are "sk_" plus 32 characters from 160 random bits
 * (OpenSSL RAND_bytes); an operator may also import a key of their own
 * (16 to 128 printable characters) when migrating encoders.
 *
 * Names: customers and streams are 1-64 characters of [a-z0-9_-], starting
 * with a letter or digit, so they are safe in URLs, paths and logs.
 * A stream name belongs to at most one active key. Revoking a customer
 * revokes all its keys. Rows are never deleted: billing refers to them.
 *
 * Playback secrets (docs/access.md) key the HMAC of signed playback URLs.
 * Each customer has at most two valid ones, current and previous: rotation
 * makes a new current and keeps the old one valid as previous until it is
 * retired, so tokens minted before a rotation keep working meanwhile.
 * Unlike stream keys they are stored as they are (the origin and the edges
 * must compute with them); the database file is mode 0600. Each stream of
 * a customer has an access mode (public, token, unpublished), public when
 * never set; it belongs to the (customer, stream name) pair, so replacing
 * a stream's key keeps it.
 *
 * A struct keys is one SQLite connection with its prepared statements: use
 * it from one thread at a time.
 */
#ifndef CDN_KEYS_H
#define CDN_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "play_token.h"

#define KEYS_NAME_MAX 64
#define KEYS_SECRET_MAX 128
#define KEYS_HINT_LEN 4

struct keys;

struct customer {
	int64_t id;
	char name[KEYS_NAME_MAX + 1];
	int64_t created_s;        /* Unix seconds */
	int64_t revoked_s;        /* 0 while active */
	int64_t n_keys;           /* active keys */
};

struct stream_key {
	int64_t id;
	int64_t customer_id;
	char customer[KEYS_NAME_MAX + 1];
	char stream[KEYS_NAME_MAX + 1];
	char hint[KEYS_HINT_LEN + 1];  /* last characters of the secret */
	int64_t created_s;
	int64_t revoked_s;        /* 0 while active */
	/* The stream's settings, read with the key (stream_access): */
	bool encrypt;             /* HLS AES-128 */
	int64_t dvr_window_ms;    /* -1: the origin's dvr_window */
	int record;               /* -1: the origin's record; 0 off, 1 on */
};

/* Open or create the database at path (mode 0600). NULL on failure, logged. */
struct keys *keys_open(const char *path);
void keys_close(struct keys *k);  /* NULL-safe */

bool keys_name_ok(const char *name);

/* 0, -EINVAL (name), -EEXIST, -EIO. *id may be NULL. */
int keys_customer_add(struct keys *k, const char *name, int64_t *id);
/* Revoke the customer and all its keys. 0, -ENOENT, -EIO. */
int keys_customer_revoke(struct keys *k, const char *name);
/* Calls cb for each customer, by name; cb returning non-zero stops. 0 or -EIO. */
int keys_customer_list(struct keys *k, int (*cb)(void *arg, const struct customer *c),
    void *arg);

/*
 * Create a key for customer's stream. secret is NULL to generate one, or a
 * key to import. The secret is written to secret_out (KEYS_SECRET_MAX + 1
 * bytes): this is the only time it can be read. 0, -EINVAL (names or
 * secret), -ENOENT (no such active customer), -EEXIST (stream name held by
 * another active key, or the secret already exists), -EIO.
 */
int keys_key_add(struct keys *k, const char *customer, const char *stream,
    const char *secret, char *secret_out, struct stream_key *out);
/* 0, -ENOENT (no such active key), -EIO. out may be NULL. */
int keys_key_revoke(struct keys *k, int64_t id, struct stream_key *out);
/* Keys of one customer (or all when customer is NULL), active first. */
int keys_key_list(struct keys *k, const char *customer, bool include_revoked,
    int (*cb)(void *arg, const struct stream_key *sk), void *arg);
/*
 * Check a publisher's secret. 0 with *out filled for an active key,
 * -ENOENT for an unknown one, -EACCES for a revoked one (or its customer's),
 * -EIO. Compares digests, so timing does not reveal the secret.
 */
int keys_lookup(struct keys *k, const char *secret, struct stream_key *out);

/* "ps_" + 64 hex digits of 256 random bits */
#define KEYS_PLAY_SECRET_PREFIX "ps_"
#define KEYS_PLAY_SECRET_BYTES 32
#define KEYS_PLAY_SECRET_LEN (3 + 2 * KEYS_PLAY_SECRET_BYTES)

struct play_secret {
	int64_t id;
	char customer[KEYS_NAME_MAX + 1];
	char secret[KEYS_PLAY_SECRET_LEN + 1];
	char hint[KEYS_HINT_LEN + 1];  /* its last characters */
	bool is_current;               /* else previous */
	int64_t created_s;
};

struct stream_access {
	char customer[KEYS_NAME_MAX + 1];
	char stream[KEYS_NAME_MAX + 1];
	enum play_access mode;
	int64_t updated_s;
};

/*
 * Make a new current playback secret for an active customer: the previous
 * one is retired, the current one becomes previous (one transaction). out
 * (may be NULL) receives the new secret. 0, -ENOENT (no such active
 * customer), -EIO.
 */
int keys_secret_rotate(struct keys *k, const char *customer, struct play_secret *out);
/* Retire the previous secret; *n_retired is 0 or 1. 0, -ENOENT, -EIO. */
int keys_secret_retire(struct keys *k, const char *customer, int *n_retired);
/*
 * The valid secrets of one active customer (or of all when customer is
 * NULL), by customer, current first. The secret text passed to cb is wiped
 * after cb returns; cb returning non-zero stops. 0 or -EIO.
 */
int keys_secret_list(struct keys *k, const char *customer,
    int (*cb)(void *arg, const struct play_secret *ps), void *arg);
/*
 * Set the access mode of customer's stream, which must have an active key
 * of that customer. 0, -EINVAL, -ENOENT, -EIO.
 */
int keys_access_set(struct keys *k, const char *customer, const char *stream,
    enum play_access mode);
/* Streams whose mode was ever set, of active customers (or one). 0 or -EIO. */
int keys_access_list(struct keys *k, const char *customer,
    int (*cb)(void *arg, const struct stream_access *sa), void *arg);
/* 0 when customer exists and is not revoked; -ENOENT, -EIO. */
int keys_customer_active(struct keys *k, const char *customer);
/* 0 when customer (active) holds an active key for stream; -ENOENT, -EIO. */
int keys_stream_owned(struct keys *k, const char *customer, const char *stream);

/*
 * HLS AES-128 encryption (docs/access.md "Encryption"). The flag lives in
 * stream_access with the access mode (a stream never given a mode is
 * public). Set: 0, -EINVAL, -ENOENT (no active key of customer for the
 * stream), -EIO. Get: *on false when never set; 0, -EINVAL, -EIO.
 */
int keys_encrypt_set(struct keys *k, const char *customer, const char *stream, bool on);
int keys_encrypt_get(struct keys *k, const char *customer, const char *stream, bool *on);

/*
 * DVR window and recording of a stream (docs/dvr.md), kept with its access
 * mode. window_ms -1 and record -1 leave that setting as it is (a stream
 * never set uses the origin's dvr_window and record). 0, -EINVAL, -ENOENT
 * (no active key of customer for the stream), -EIO. The values are read
 * back with the key (struct stream_key) at each publish.
 */
int keys_dvr_set(struct keys *k, const char *customer, const char *stream,
    int64_t window_ms, int record);

/*
 * Content keys of encrypted segments (16 bytes, AES-128), one row per key
 * (stream, key id, key, created). Borrows its arguments. 0 or -EIO.
 * Purge deletes them all: at start, when no segment they encrypted is
 * served any more.
 */
#define KEYS_SEGKEY_LEN 16
int keys_segkey_put(struct keys *k, const char *stream, const char *key_id,
    const uint8_t key[KEYS_SEGKEY_LEN]);
int keys_segkey_delete(struct keys *k, const char *stream, const char *key_id);
int keys_segkey_purge(struct keys *k);

#endif
