/*
 * keys: customers and stream keys in SQLite; see keys.h.
 *
 * Design: one struct keys is one connection plus every statement it runs,
 * prepared at open and reset after each use (SQLite "prepare once"), all
 * finalized before the connection closes. Secrets never reach the database:
 * only their SHA-256 digest (FIPS 180-4) and a 4-character hint are stored,
 * so a copy of the file does not let anyone publish. Stream-name ownership
 * is enforced by the schema itself (a partial unique index over active keys),
 * not by a check-then-insert that another process could race. Key creation
 * is one INSERT ... SELECT that only inserts when the customer is active.
 * Generated keys are "sk_" + RFC 4648 section 6 base32 (lowercase, unpadded)
 * of 160 bits from RAND_bytes.
 *
 * Playback secrets (schema version 2) are the exception to "digests only":
 * they key an HMAC that the origin and the edges must compute, so they are
 * stored as they are, in a file that db_open keeps at mode 0600. Rotation
 * is a state change inside one transaction: previous -> retired,
 * current -> previous, a new current; partial unique indexes make "one
 * current, one previous" a property of the schema.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "db.h"
#include "keys.h"
#include "log.h"
#include "xalloc.h"

#define KEYS_HASH_LEN 32   /* SHA-256 */
#define KEYS_RAND_BYTES 20 /* 160 bits -> 32 base32 characters */
#define KEYS_PREFIX "sk_"
#define KEYS_IMPORT_MIN 16

static const char *const keys_schema[] = {
	/* version 1 */
	"CREATE TABLE customers("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT UNIQUE NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  revoked_at INTEGER);"
	"CREATE TABLE stream_keys("
	"  id INTEGER PRIMARY KEY,"
	"  customer_id INTEGER NOT NULL REFERENCES customers(id),"
	"  stream TEXT NOT NULL,"
	"  key_hash BLOB UNIQUE NOT NULL CHECK(length(key_hash) = 32),"
	"  hint TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  revoked_at INTEGER);"
	/* a stream name belongs to at most one active key */
	"CREATE UNIQUE INDEX stream_keys_active_stream ON stream_keys(stream)"
	"  WHERE revoked_at IS NULL;"
	"CREATE INDEX stream_keys_customer ON stream_keys(customer_id);",
	/* version 2: playback secrets and stream access modes (issue 8) */
	"CREATE TABLE playback_secrets("
	"  id INTEGER PRIMARY KEY,"
	"  customer_id INTEGER NOT NULL REFERENCES customers(id),"
	"  secret TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK(state IN ('current', 'previous', 'retired')),"
	"  created_at INTEGER NOT NULL,"
	"  retired_at INTEGER);"
	/* at most one current and one previous secret per customer */
	"CREATE UNIQUE INDEX playback_secrets_current ON playback_secrets(customer_id)"
	"  WHERE state = 'current';"
	"CREATE UNIQUE INDEX playback_secrets_previous ON playback_secrets(customer_id)"
	"  WHERE state = 'previous';"
	"CREATE TABLE stream_access("
	"  customer_id INTEGER NOT NULL REFERENCES customers(id),"
	"  stream TEXT NOT NULL,"
	"  mode TEXT NOT NULL CHECK(mode IN ('public', 'token', 'unpublished')),"
	"  updated_at INTEGER NOT NULL,"
	"  PRIMARY KEY(customer_id, stream));",
	/* version 3: HLS AES-128 encryption per stream and its content keys */
	"ALTER TABLE stream_access ADD COLUMN encrypt INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE segment_keys("
	"  stream TEXT NOT NULL,"
	"  key_id TEXT NOT NULL,"
	"  key BLOB NOT NULL CHECK(length(key) = 16),"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY(stream, key_id));",
	/* version 4: DVR window and recording per stream (NULL: the origin's
	 * dvr_window / record settings) */
	"ALTER TABLE stream_access ADD COLUMN dvr_window_ms INTEGER"
	"  CHECK(dvr_window_ms IS NULL OR dvr_window_ms >= 0);"
	"ALTER TABLE stream_access ADD COLUMN record INTEGER"
	"  CHECK(record IS NULL OR record IN (0, 1));",
};

/* The columns row_to_key reads, in order. */
#define KEY_COLS                                                               \
	"k.id, k.customer_id, c.name, k.stream, k.hint, k.created_at,"         \
	" k.revoked_at, c.revoked_at, a.encrypt, a.dvr_window_ms, a.record"    \
	" FROM stream_keys k JOIN customers c ON c.id = k.customer_id"         \
	" LEFT JOIN stream_access a"                                           \
	"  ON a.customer_id = k.customer_id AND a.stream = k.stream"

enum {
	ST_CUST_ADD,
	ST_CUST_REVOKE,
	ST_CUST_REVOKE_KEYS,
	ST_CUST_LIST,
	ST_KEY_ADD,
	ST_KEY_REVOKE,
	ST_KEY_GET,
	ST_KEY_LIST,
	ST_KEY_LOOKUP,
	ST_CUST_ACTIVE,
	ST_SEC_RETIRE,
	ST_SEC_DEMOTE,
	ST_SEC_ADD,
	ST_SEC_LIST,
	ST_ACC_SET,
	ST_ACC_LIST,
	ST_STREAM_OWNED,
	ST_ENC_SET,
	ST_ENC_GET,
	ST_SEGKEY_PUT,
	ST_SEGKEY_DEL,
	ST_SEGKEY_PURGE,
	ST_DVR_SET,
	ST_COUNT
};

static const char *const keys_sql[ST_COUNT] = {
	[ST_CUST_ADD] =
	    "INSERT INTO customers(name, created_at) VALUES(?1, ?2)",
	[ST_CUST_REVOKE] = "UPDATE customers SET revoked_at = ?2"
			   " WHERE name = ?1 AND revoked_at IS NULL",
	[ST_CUST_REVOKE_KEYS] =
	    "UPDATE stream_keys SET revoked_at = ?2"
	    " WHERE revoked_at IS NULL"
	    " AND customer_id = (SELECT id FROM customers WHERE name = ?1)",
	[ST_CUST_LIST] =
	    "SELECT c.id, c.name, c.created_at, c.revoked_at,"
	    " (SELECT count(*) FROM stream_keys k"
	    "  WHERE k.customer_id = c.id AND k.revoked_at IS NULL)"
	    " FROM customers c ORDER BY c.name",
	[ST_KEY_ADD] = "INSERT INTO stream_keys"
		       "(customer_id, stream, key_hash, hint, created_at)"
		       " SELECT id, ?2, ?3, ?4, ?5 FROM customers"
		       " WHERE name = ?1 AND revoked_at IS NULL",
	[ST_KEY_REVOKE] = "UPDATE stream_keys SET revoked_at = ?2"
			  " WHERE id = ?1 AND revoked_at IS NULL",
	[ST_KEY_GET] = "SELECT " KEY_COLS " WHERE k.id = ?1",
	[ST_KEY_LIST] =
	    "SELECT " KEY_COLS " WHERE (?1 IS NULL OR c.name = ?1)"
	    " AND (?2 OR (k.revoked_at IS NULL AND c.revoked_at IS NULL))"
	    " ORDER BY (k.revoked_at IS NOT NULL OR c.revoked_at IS NOT NULL),"
	    " c.name, k.stream, k.id",
	[ST_KEY_LOOKUP] = "SELECT " KEY_COLS " WHERE k.key_hash = ?1",
	[ST_CUST_ACTIVE] = "SELECT id FROM customers WHERE name = ?1 AND revoked_at IS NULL",
	[ST_SEC_RETIRE] = "UPDATE playback_secrets SET state = 'retired', retired_at = ?2"
			  " WHERE customer_id = ?1 AND state = 'previous'",
	[ST_SEC_DEMOTE] = "UPDATE playback_secrets SET state = 'previous'"
			  " WHERE customer_id = ?1 AND state = 'current'",
	[ST_SEC_ADD] = "INSERT INTO playback_secrets(customer_id, secret, state, created_at)"
		       " VALUES(?1, ?2, 'current', ?3)",
	[ST_SEC_LIST] =
	    "SELECT s.id, c.name, s.secret, s.state = 'current', s.created_at"
	    " FROM playback_secrets s JOIN customers c ON c.id = s.customer_id"
	    " WHERE s.state IN ('current', 'previous') AND c.revoked_at IS NULL"
	    " AND (?1 IS NULL OR c.name = ?1)"
	    " ORDER BY c.name, s.state = 'previous'",
	[ST_ACC_SET] =
	    "INSERT INTO stream_access(customer_id, stream, mode, updated_at)"
	    " SELECT c.id, ?2, ?3, ?4 FROM customers c"
	    " WHERE c.name = ?1 AND c.revoked_at IS NULL AND EXISTS(SELECT 1 FROM stream_keys k"
	    "  WHERE k.customer_id = c.id AND k.stream = ?2 AND k.revoked_at IS NULL)"
	    " ON CONFLICT(customer_id, stream) DO UPDATE"
	    " SET mode = excluded.mode, updated_at = excluded.updated_at",
	[ST_ACC_LIST] =
	    "SELECT c.name, a.stream, a.mode, a.updated_at"
	    " FROM stream_access a JOIN customers c ON c.id = a.customer_id"
	    " WHERE c.revoked_at IS NULL AND (?1 IS NULL OR c.name = ?1)"
	    " ORDER BY c.name, a.stream",
	[ST_STREAM_OWNED] =
	    "SELECT 1 FROM stream_keys k JOIN customers c ON c.id = k.customer_id"
	    " WHERE c.name = ?1 AND c.revoked_at IS NULL AND k.stream = ?2"
	    " AND k.revoked_at IS NULL",
	/* A stream whose mode was never set is public: keep that, add encrypt. */
	[ST_ENC_SET] =
	    "INSERT INTO stream_access(customer_id, stream, mode, updated_at, encrypt)"
	    " SELECT c.id, ?2, 'public', ?4, ?3 FROM customers c"
	    " WHERE c.name = ?1 AND c.revoked_at IS NULL AND EXISTS(SELECT 1 FROM stream_keys k"
	    "  WHERE k.customer_id = c.id AND k.stream = ?2 AND k.revoked_at IS NULL)"
	    " ON CONFLICT(customer_id, stream) DO UPDATE"
	    " SET encrypt = excluded.encrypt, updated_at = excluded.updated_at",
	[ST_ENC_GET] =
	    "SELECT a.encrypt FROM stream_access a JOIN customers c ON c.id = a.customer_id"
	    " WHERE c.name = ?1 AND a.stream = ?2",
	[ST_SEGKEY_PUT] =
	    "INSERT OR REPLACE INTO segment_keys(stream, key_id, key, created_at)"
	    " VALUES(?1, ?2, ?3, ?4)",
	[ST_SEGKEY_DEL] = "DELETE FROM segment_keys WHERE stream = ?1 AND key_id = ?2",
	[ST_SEGKEY_PURGE] = "DELETE FROM segment_keys",
	/* ?3 NULL keeps the window, ?5 NULL keeps the recording flag; a new
	 * row is public, like ST_ENC_SET's */
	[ST_DVR_SET] =
	    "INSERT INTO stream_access(customer_id, stream, mode, updated_at, dvr_window_ms, record)"
	    " SELECT c.id, ?2, 'public', ?4, ?3, ?5 FROM customers c"
	    " WHERE c.name = ?1 AND c.revoked_at IS NULL AND EXISTS(SELECT 1 FROM stream_keys k"
	    "  WHERE k.customer_id = c.id AND k.stream = ?2 AND k.revoked_at IS NULL)"
	    " ON CONFLICT(customer_id, stream) DO UPDATE"
	    " SET dvr_window_ms = coalesce(?3, dvr_window_ms), record = coalesce(?5, record),"
	    " updated_at = excluded.updated_at",
};

struct keys {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
};

/* Reset a statement for its next use; bindings go too (they may be digests). */
static void
st_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int
step_fail(struct keys *k, const char *what)
{
	log_errx("keys: %s: %s", what, sqlite3_errmsg(k->db));
	return -EIO;
}

/* Copy a text column into a fixed field, truncating rather than overflowing. */
static void
col_text(sqlite3_stmt *st, int col, char *out, size_t out_len)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(out, out_len, "%s", t ? (const char *)t : "");
}

static void
row_to_key(sqlite3_stmt *st, struct stream_key *sk)
{
	memset(sk, 0, sizeof(*sk));
	sk->id = sqlite3_column_int64(st, 0);
	sk->customer_id = sqlite3_column_int64(st, 1);
	col_text(st, 2, sk->customer, sizeof(sk->customer));
	col_text(st, 3, sk->stream, sizeof(sk->stream));
	col_text(st, 4, sk->hint, sizeof(sk->hint));
	sk->created_s = sqlite3_column_int64(st, 5);
	/* a key is as revoked as its customer */
	if (sqlite3_column_type(st, 6) != SQLITE_NULL)
		sk->revoked_s = sqlite3_column_int64(st, 6);
	else if (sqlite3_column_type(st, 7) != SQLITE_NULL)
		sk->revoked_s = sqlite3_column_int64(st, 7);
	/* the stream's settings (stream_access; no row: the defaults) */
	sk->encrypt = sqlite3_column_int(st, 8) != 0;
	sk->dvr_window_ms = sqlite3_column_type(st, 9) != SQLITE_NULL ?
	    sqlite3_column_int64(st, 9) : -1;
	sk->record = sqlite3_column_type(st, 10) != SQLITE_NULL ?
	    sqlite3_column_int(st, 10) : -1;
}

static int
is_unique_violation(struct keys *k)
{
	int ext = sqlite3_extended_errcode(k->db);

	return ext == SQLITE_CONSTRAINT_UNIQUE ||
	    ext == SQLITE_CONSTRAINT_PRIMARYKEY;
}

struct keys *
keys_open(const char *path)
{
	struct keys *k;

	if ((k = xcalloc(1, sizeof(*k))) == NULL)
		return NULL;
	if ((k->db = db_open(path)) == NULL)
		goto fail;
	if (db_migrate(k->db, keys_schema,
		(int)(sizeof(keys_schema) / sizeof(keys_schema[0]))) != 0)
		goto fail;
	for (int i = 0; i < ST_COUNT; i++)
		if ((k->st[i] = db_prepare(k->db, keys_sql[i])) == NULL)
			goto fail;
	return k;
fail:
	log_errx("keys: cannot open the key database %s", path);
	keys_close(k);
	return NULL;
}

void
keys_close(struct keys *k)
{
	if (k == NULL)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(k->st[i]); /* NULL is a no-op */
	db_close(k->db);
	free(k);
}

bool
keys_name_ok(const char *name)
{
	size_t i;

	if (name == NULL)
		return false;
	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i >= KEYS_NAME_MAX)
			return false;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		/* '-' and '_' may not lead: names must not look like options */
		if ((c == '-' || c == '_') && i > 0)
			continue;
		return false;
	}
	return i > 0;
}

int
keys_customer_add(struct keys *k, const char *name, int64_t *id)
{
	sqlite3_stmt *st = k->st[ST_CUST_ADD];
	int rc = 0;

	if (!keys_name_ok(name))
		return -EINVAL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = is_unique_violation(k) ? -EEXIST
					    : step_fail(k, "add customer");
	else if (id)
		*id = sqlite3_last_insert_rowid(k->db);
	st_done(st);
	if (rc == 0)
		log_info("keys: customer %s added", name);
	return rc;
}

int
keys_customer_revoke(struct keys *k, const char *name)
{
	sqlite3_stmt *st;
	int64_t now = (int64_t)time(NULL);
	int rc = 0;

	if (!keys_name_ok(name))
		return -ENOENT;
	/* the customer row and its keys change together or not at all */
	if (db_exec(k->db, "BEGIN IMMEDIATE") != 0)
		return -EIO;
	st = k->st[ST_CUST_REVOKE];
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = step_fail(k, "revoke customer");
	else if (sqlite3_changes(k->db) == 0)
		rc = -ENOENT;
	st_done(st);
	if (rc != 0)
		goto out;
	st = k->st[ST_CUST_REVOKE_KEYS];
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = step_fail(k, "revoke customer keys");
	st_done(st);
	if (rc == 0 && db_exec(k->db, "COMMIT") != 0)
		rc = -EIO;
out:
	if (rc != 0 && !sqlite3_get_autocommit(k->db))
		db_exec(k->db, "ROLLBACK");
	if (rc == 0)
		log_info("keys: customer %s revoked with all its keys", name);
	return rc;
}

int
keys_customer_list(
    struct keys *k, int (*cb)(void *arg, const struct customer *c), void *arg)
{
	sqlite3_stmt *st = k->st[ST_CUST_LIST];
	struct customer c;
	int rc = 0, s;

	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&c, 0, sizeof(c));
		c.id = sqlite3_column_int64(st, 0);
		col_text(st, 1, c.name, sizeof(c.name));
		c.created_s = sqlite3_column_int64(st, 2);
		c.revoked_s = sqlite3_column_int64(st, 3); /* NULL reads as 0 */
		c.n_keys = sqlite3_column_int64(st, 4);
		if (cb(arg, &c) != 0)
			break;
	}
	if (s != SQLITE_ROW && s != SQLITE_DONE)
		rc = step_fail(k, "list customers");
	st_done(st);
	return rc;
}

static void
sha256(const void *p, size_t len, uint8_t out[KEYS_HASH_LEN])
{
	unsigned int n = KEYS_HASH_LEN;

	/* one-shot digest: no context to leak or share between threads */
	if (EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) != 1)
		memset(
		    out, 0, KEYS_HASH_LEN); /* never matches a stored digest */
}

/*
 * Importable secrets: 16-128 printable ASCII characters. Space and the URL
 * delimiters '/', '?' and '#' are refused as well: the key travels as the
 * last segment of rtmp://HOST/live/<key>, where they would split it.
 */
static bool
secret_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= KEYS_SECRET_MAX || s[i] < 0x21 || s[i] > 0x7e ||
		    s[i] == '/' || s[i] == '?' || s[i] == '#')
			return false;
	return i >= KEYS_IMPORT_MIN;
}

static int
secret_generate(char *out)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	uint8_t raw[KEYS_RAND_BYTES];
	char *p = out;
	uint32_t acc = 0;
	int bits = 0;

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		log_errx("keys: RAND_bytes failed");
		return -EIO;
	}
	memcpy(p, KEYS_PREFIX, strlen(KEYS_PREFIX));
	p += strlen(KEYS_PREFIX);
	/* RFC 4648 section 6: 5 bits per character, most significant first;
	 * 160 bits are exactly 32 characters, so no padding */
	for (size_t i = 0; i < sizeof(raw); i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 5) {
			*p++ = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	*p = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

static int
key_get(struct keys *k, int64_t id, struct stream_key *out)
{
	sqlite3_stmt *st = k->st[ST_KEY_GET];
	int rc = 0, s;

	sqlite3_bind_int64(st, 1, id);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		row_to_key(st, out);
	else if (s == SQLITE_DONE)
		rc = -ENOENT;
	else
		rc = step_fail(k, "get key");
	st_done(st);
	return rc;
}

int
keys_key_add(struct keys *k, const char *customer, const char *stream,
    const char *secret, char *secret_out, struct stream_key *out)
{
	sqlite3_stmt *st = k->st[ST_KEY_ADD];
	char sec[KEYS_SECRET_MAX + 1];
	char hint[KEYS_HINT_LEN + 1];
	uint8_t hash[KEYS_HASH_LEN];
	struct stream_key sk;
	size_t len;
	int rc = 0;

	if (!keys_name_ok(customer) || !keys_name_ok(stream))
		return -EINVAL;
	if (secret) {
		if (!secret_ok(secret))
			return -EINVAL;
		snprintf(sec, sizeof(sec), "%s", secret);
	} else if ((rc = secret_generate(sec)) != 0) {
		return rc;
	}
	len = strlen(sec);
	memcpy(hint, sec + len - KEYS_HINT_LEN, KEYS_HINT_LEN + 1);
	sha256(sec, len, hash);

	sqlite3_bind_text(st, 1, customer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, stream, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_text(st, 4, hint, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (int64_t)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = is_unique_violation(k) ? -EEXIST : step_fail(k, "add key");
	else if (sqlite3_changes(k->db) == 0)
		rc = -ENOENT; /* no such active customer */
	st_done(st);
	if (rc == 0)
		rc = key_get(k, sqlite3_last_insert_rowid(k->db), &sk);
	if (rc == 0) {
		memcpy(secret_out, sec, len + 1);
		if (out)
			*out = sk;
		log_info("keys: key %" PRId64
			 " (hint %s) created for %s, stream %s",
		    sk.id, sk.hint, sk.customer, sk.stream);
	}
	OPENSSL_cleanse(sec, sizeof(sec));
	return rc;
}

int
keys_key_revoke(struct keys *k, int64_t id, struct stream_key *out)
{
	sqlite3_stmt *st = k->st[ST_KEY_REVOKE];
	struct stream_key sk;
	int rc = 0;

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (int64_t)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = step_fail(k, "revoke key");
	else if (sqlite3_changes(k->db) == 0)
		rc = -ENOENT;
	st_done(st);
	if (rc == 0 && (rc = key_get(k, id, &sk)) == 0) {
		if (out)
			*out = sk;
		log_info("keys: key %" PRId64 " (hint %s, stream %s) revoked",
		    sk.id, sk.hint, sk.stream);
	}
	return rc;
}

int
keys_key_list(struct keys *k, const char *customer, bool include_revoked,
    int (*cb)(void *arg, const struct stream_key *sk), void *arg)
{
	sqlite3_stmt *st = k->st[ST_KEY_LIST];
	struct stream_key sk;
	int rc = 0, s;

	if (customer)
		sqlite3_bind_text(st, 1, customer, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_int(st, 2, include_revoked ? 1 : 0);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_key(st, &sk);
		if (cb(arg, &sk) != 0)
			break;
	}
	if (s != SQLITE_ROW && s != SQLITE_DONE)
		rc = step_fail(k, "list keys");
	st_done(st);
	return rc;
}

int
keys_lookup(struct keys *k, const char *secret, struct stream_key *out)
{
	sqlite3_stmt *st = k->st[ST_KEY_LOOKUP];
	uint8_t hash[KEYS_HASH_LEN];
	struct stream_key sk;
	size_t len;
	int rc, s;

	if (secret == NULL)
		return -ENOENT;
	len = strnlen(secret, KEYS_SECRET_MAX + 1);
	if (len == 0 || len > KEYS_SECRET_MAX)
		return -ENOENT;
	sha256(secret, len, hash);
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		row_to_key(st, &sk);
		/* filled when revoked too: the caller logs id, hint */
		if (out)
			*out = sk;
		rc = sk.revoked_s ? -EACCES : 0;
	} else if (s == SQLITE_DONE) {
		rc = -ENOENT;
	} else {
		rc = step_fail(k, "look up key");
	}
	st_done(st);
	return rc;
}

/* ---- playback secrets and stream access (schema version 2) ---------------- */

static int
customer_active_id(struct keys *k, const char *customer, int64_t *id)
{
	sqlite3_stmt *st = k->st[ST_CUST_ACTIVE];
	int rc = 0, s;

	if (!keys_name_ok(customer))
		return -ENOENT;
	sqlite3_bind_text(st, 1, customer, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (s == SQLITE_DONE)
		rc = -ENOENT;
	else
		rc = step_fail(k, "find customer");
	st_done(st);
	return rc;
}

/* One statement bound to (customer id, [int64]) and run to completion. */
static int
run_id(struct keys *k, int idx, int64_t id, int64_t v2, bool has_v2, const char *what)
{
	sqlite3_stmt *st = k->st[idx];
	int rc = 0;

	sqlite3_bind_int64(st, 1, id);
	if (has_v2)
		sqlite3_bind_int64(st, 2, v2);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = step_fail(k, what);
	st_done(st);
	return rc;
}

int
keys_secret_rotate(struct keys *k, const char *customer, struct play_secret *out)
{
	uint8_t raw[KEYS_PLAY_SECRET_BYTES];
	char sec[KEYS_PLAY_SECRET_LEN + 1];
	int64_t cid = 0, now = (int64_t)time(NULL);
	sqlite3_stmt *st;
	int rc;

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		log_errx("keys: RAND_bytes failed");
		return -EIO;
	}
	memcpy(sec, KEYS_PLAY_SECRET_PREFIX, strlen(KEYS_PLAY_SECRET_PREFIX));
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(sec + strlen(KEYS_PLAY_SECRET_PREFIX) + 2 * i, 3, "%02x", raw[i]);
	OPENSSL_cleanse(raw, sizeof(raw));
	if (db_exec(k->db, "BEGIN IMMEDIATE") != 0) {
		rc = -EIO;
		goto out;
	}
	if ((rc = customer_active_id(k, customer, &cid)) != 0 ||
	    (rc = run_id(k, ST_SEC_RETIRE, cid, now, true, "retire secret")) != 0 ||
	    (rc = run_id(k, ST_SEC_DEMOTE, cid, 0, false, "demote secret")) != 0)
		goto out;
	st = k->st[ST_SEC_ADD];
	sqlite3_bind_int64(st, 1, cid);
	sqlite3_bind_text(st, 2, sec, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = step_fail(k, "add secret");
	st_done(st);
	if (rc == 0 && db_exec(k->db, "COMMIT") != 0)
		rc = -EIO;
	if (rc == 0 && out) {
		memset(out, 0, sizeof(*out));
		out->id = sqlite3_last_insert_rowid(k->db);
		snprintf(out->customer, sizeof(out->customer), "%s", customer);
		memcpy(out->secret, sec, sizeof(sec));
		memcpy(out->hint, sec + KEYS_PLAY_SECRET_LEN - KEYS_HINT_LEN, KEYS_HINT_LEN + 1);
		out->is_current = true;
		out->created_s = now;
	}
out:
	if (rc != 0 && !sqlite3_get_autocommit(k->db))
		db_exec(k->db, "ROLLBACK");
	if (rc == 0)
		log_info("keys: playback secret of %s rotated (new hint %s)", customer,
		    sec + KEYS_PLAY_SECRET_LEN - KEYS_HINT_LEN);
	OPENSSL_cleanse(sec, sizeof(sec));
	return rc;
}

int
keys_secret_retire(struct keys *k, const char *customer, int *n_retired)
{
	int64_t cid = 0;
	int rc;

	*n_retired = 0;
	if ((rc = customer_active_id(k, customer, &cid)) != 0)
		return rc;
	if ((rc = run_id(k, ST_SEC_RETIRE, cid, (int64_t)time(NULL), true, "retire secret")) != 0)
		return rc;
	*n_retired = sqlite3_changes(k->db);
	if (*n_retired)
		log_info("keys: previous playback secret of %s retired", customer);
	return 0;
}

int
keys_secret_list(struct keys *k, const char *customer,
    int (*cb)(void *arg, const struct play_secret *ps), void *arg)
{
	sqlite3_stmt *st = k->st[ST_SEC_LIST];
	struct play_secret ps;
	int rc = 0, s;

	if (customer)
		sqlite3_bind_text(st, 1, customer, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 1);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		size_t len;
		memset(&ps, 0, sizeof(ps));
		ps.id = sqlite3_column_int64(st, 0);
		col_text(st, 1, ps.customer, sizeof(ps.customer));
		col_text(st, 2, ps.secret, sizeof(ps.secret));
		len = strlen(ps.secret);
		if (len >= KEYS_HINT_LEN)
			memcpy(ps.hint, ps.secret + len - KEYS_HINT_LEN, KEYS_HINT_LEN + 1);
		ps.is_current = sqlite3_column_int(st, 3) != 0;
		ps.created_s = sqlite3_column_int64(st, 4);
		rc = cb(arg, &ps);
		OPENSSL_cleanse(ps.secret, sizeof(ps.secret));
		if (rc != 0) {
			rc = 0;
			break;
		}
	}
	if (s != SQLITE_ROW && s != SQLITE_DONE)
		rc = step_fail(k, "list secrets");
	st_done(st);
	return rc;
}

int
keys_access_set(struct keys *k, const char *customer, const char *stream, enum play_access mode)
{
	sqlite3_stmt *st = k->st[ST_ACC_SET];
	const char *name = play_access_name(mode);
	int rc = 0;

	if (!keys_name_ok(customer) || !keys_name_ok(stream) || name == NULL)
		return -EINVAL;
	sqlite3_bind_text(st, 1, customer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, stream, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = step_fail(k, "set stream access");
	else if (sqlite3_changes(k->db) == 0)
		rc = -ENOENT;   /* no active customer with an active key for the stream */
	st_done(st);
	if (rc == 0)
		log_info("keys: stream %s of %s is now %s", stream, customer, name);
	return rc;
}

int
keys_access_list(struct keys *k, const char *customer,
    int (*cb)(void *arg, const struct stream_access *sa), void *arg)
{
	sqlite3_stmt *st = k->st[ST_ACC_LIST];
	struct stream_access sa;
	char mode[16];
	int rc = 0, s;

	if (customer)
		sqlite3_bind_text(st, 1, customer, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 1);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&sa, 0, sizeof(sa));
		col_text(st, 0, sa.customer, sizeof(sa.customer));
		col_text(st, 1, sa.stream, sizeof(sa.stream));
		col_text(st, 2, mode, sizeof(mode));
		if (play_access_parse(mode, strlen(mode), &sa.mode) != 0)
			sa.mode = PLAY_TOKEN;   /* the schema's CHECK allows no other; fail closed */
		sa.updated_s = sqlite3_column_int64(st, 3);
		if (cb(arg, &sa) != 0)
			break;
	}
	if (s != SQLITE_ROW && s != SQLITE_DONE)
		rc = step_fail(k, "list stream access");
	st_done(st);
	return rc;
}

int
keys_stream_owned(struct keys *k, const char *customer, const char *stream)
{
	sqlite3_stmt *st = k->st[ST_STREAM_OWNED];
	int rc, s;

	if (!keys_name_ok(customer) || !keys_name_ok(stream))
		return -ENOENT;
	sqlite3_bind_text(st, 1, customer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, stream, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	rc = s == SQLITE_ROW ? 0 : s == SQLITE_DONE ? -ENOENT : step_fail(k, "find stream");
	st_done(st);
	return rc;
}

int
keys_customer_active(struct keys *k, const char *customer)
{
	int64_t id;

	return customer_active_id(k, customer, &id);
}

int
keys_encrypt_set(struct keys *k, const char *customer, const char *stream, bool on)
{
	sqlite3_stmt *st = k->st[ST_ENC_SET];
	int rc = 0;

	if (!keys_name_ok(customer) || !keys_name_ok(stream))
		return -EINVAL;
	sqlite3_bind_text(st, 1, customer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, stream, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, on ? 1 : 0);
	sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = step_fail(k, "set stream encryption");
	else if (sqlite3_changes(k->db) == 0)
		rc = -ENOENT;
	st_done(st);
	if (rc == 0)
		log_info("keys: stream %s of %s: encryption %s", stream, customer, on ? "on" : "off");
	return rc;
}

int
keys_encrypt_get(struct keys *k, const char *customer, const char *stream, bool *on)
{
	sqlite3_stmt *st = k->st[ST_ENC_GET];
	int rc = 0, s;

	*on = false;
	if (!keys_name_ok(customer) || !keys_name_ok(stream))
		return -EINVAL;
	sqlite3_bind_text(st, 1, customer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, stream, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*on = sqlite3_column_int(st, 0) != 0;
	else if (s != SQLITE_DONE)
		rc = step_fail(k, "get stream encryption");
	st_done(st);
	return rc;
}

int
keys_segkey_put(struct keys *k, const char *stream, const char *key_id,
    const uint8_t key[KEYS_SEGKEY_LEN])
{
	sqlite3_stmt *st = k->st[ST_SEGKEY_PUT];
	int rc = 0;

	sqlite3_bind_text(st, 1, stream, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, key, KEYS_SEGKEY_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = step_fail(k, "store a segment key");
	st_done(st);   /* clears the key's binding too */
	return rc;
}

int
keys_segkey_delete(struct keys *k, const char *stream, const char *key_id)
{
	sqlite3_stmt *st = k->st[ST_SEGKEY_DEL];
	int rc = 0;

	if (key_id)
		sqlite3_bind_text(st, 2, key_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 1, stream, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = step_fail(k, "delete a segment key");
	st_done(st);
	return rc;
}

int
keys_segkey_purge(struct keys *k)
{
	sqlite3_stmt *st = k->st[ST_SEGKEY_PURGE];
	int rc = 0;

	if (sqlite3_step(st) != SQLITE_DONE)
		rc = step_fail(k, "purge segment keys");
	st_done(st);
	return rc;
}

int
keys_dvr_set(struct keys *k, const char *customer, const char *stream,
    int64_t window_ms, int record)
{
	sqlite3_stmt *st = k->st[ST_DVR_SET];
	int rc = 0;

	if (!keys_name_ok(customer) || !keys_name_ok(stream) || window_ms < -1 ||
	    record < -1 || record > 1)
		return -EINVAL;
	sqlite3_bind_text(st, 1, customer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, stream, -1, SQLITE_STATIC);
	if (window_ms >= 0)
		sqlite3_bind_int64(st, 3, window_ms);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
	if (record >= 0)
		sqlite3_bind_int(st, 5, record);
	else
		sqlite3_bind_null(st, 5);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = step_fail(k, "set stream DVR");
	else if (sqlite3_changes(k->db) == 0)
		rc = -ENOENT;
	st_done(st);
	if (rc == 0)
		log_info("keys: stream %s of %s: DVR window %lld ms%s, recording %s", stream,
		    customer, (long long)window_ms, window_ms < 0 ? " (unchanged)" : "",
		    record < 0 ? "unchanged" : record ? "on" : "off");
	return rc;
}
