/*
 * test_keys: customers and stream keys (keys.c), the SQLite helpers (db.c),
 * the JSON writer (json.c) and the admin API (admin_api.c).
 *
 * Databases are real files in a fresh temporary directory per case, so file
 * modes and the absence of secrets on disk are checked on the bytes SQLite
 * actually wrote. The stream registry is faked here: stream_list returns a
 * fixed table and stream_kick_key records its argument, so the admin API is
 * tested without stream.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "admin_api.h"
#include "buf.h"
#include "check.h"
#include "db.h"
#include "json.h"
#include "keys.h"
#include "log.h"
#include "stream.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NAME32 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define NAME64 NAME32 NAME32
#define ODD_KEY "!\"$%&'()*+,-.:;<=>@[]^_`{|}~"
#define ALLOW_GP "\"allow\":\"GET, POST\""
#define ALLOW_P "\"allow\":\"POST\""
#define CUST_REVOKE "/api/v1/customers/acme/revoke"

/* --- fake stream registry ------------------------------------------------ */

static int64_t kicked[16];
static size_t n_kicked;

size_t
stream_list(struct stream_info *out, size_t max)
{
	struct stream_info a = { .name = "cam1", .customer = "acme",
		.key_id = 7, .peer = "192.0.2.1:5000", .live = true,
		.bytes_in = 1000, .bitrate_bps = 2500000,
		.codecs = "avc1.64001f,mp4a.40.2", .width = 1280, .height = 720,
		.media_seq = 42, .segments = 43 };
	struct stream_info c = { .name = "old", .customer = "q\"t<\x01>",
		.live = false };

	if (max < 2)
		return 0;
	a.started_ms = (int64_t)time(NULL) * 1000 - 3723000;  /* 1h02m03s ago */
	out[0] = a;
	out[1] = c;
	return 2;
}

void
stream_kick_key(int64_t key_id)
{
	if (n_kicked < sizeof(kicked) / sizeof(kicked[0]))
		kicked[n_kicked++] = key_id;
}

/* --- helpers -------------------------------------------------------------- */

/*
 * Cases run in forked children that leave through _exit, so atexit cannot
 * clean up: main makes one base directory, each case makes its own inside
 * it, and main removes the whole tree at the end.
 */
static char basedir[64];
static char tmpdir[128];
static char dbpath[192];

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh database path in a fresh directory. */
static const char *
tmp_db(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/case.XXXXXX", basedir);
	if (mkdtemp(tmpdir) == NULL)
		return NULL;
	snprintf(dbpath, sizeof(dbpath), "%s/keys.db", tmpdir);
	return dbpath;
}

static struct keys *
open_keys(void)
{
	const char *p = tmp_db();

	return p ? keys_open(p) : NULL;
}

static int
file_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return -1;
	return (int)(st.st_mode & 07777);
}

/* Whether needle occurs in the file's bytes; -1 when unreadable. */
static int
file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	static char data[4 << 20];
	size_t n, nl = strlen(needle);
	int found = 0;

	if (f == NULL)
		return -1;
	n = fread(data, 1, sizeof(data), f);
	fclose(f);
	for (size_t i = 0; i + nl <= n && !found; i++)
		found = memcmp(data + i, needle, nl) == 0;
	return found;
}

/* --- db ------------------------------------------------------------------- */

static int
t_db_open_mode(void)
{
	const char *p = tmp_db();
	char wal[256], shm[256];
	sqlite3 *db;
	sqlite3_stmt *st;

	CHECK(p != NULL);
	umask(022);
	db = db_open(p);
	CHECK(db != NULL);
	CHECK_INT(umask(022), 022);         /* restored after the open */
	CHECK_INT(db_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1)"), 0);
	snprintf(wal, sizeof(wal), "%s-wal", p);
	snprintf(shm, sizeof(shm), "%s-shm", p);
	CHECK_INT(file_mode(p), 0600);
	CHECK_INT(file_mode(wal), 0600);
	CHECK_INT(file_mode(shm), 0600);
	st = db_prepare(db, "PRAGMA journal_mode");
	CHECK(st != NULL);
	CHECK_INT(sqlite3_step(st), SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	st = db_prepare(db, "PRAGMA foreign_keys");
	CHECK_INT(sqlite3_step(st), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	CHECK_INT(db_exec(db, "SELECT nonsense FROM nowhere"), -EIO);
	CHECK(db_prepare(db, "NOT SQL") == NULL);
	db_close(db);
	return 0;
}

static int
t_db_open_existing_wide_mode(void)
{
	const char *p = tmp_db();
	sqlite3 *db;
	int fd;

	CHECK(p != NULL);
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	CHECK(fd != -1);
	close(fd);
	chmod(p, 0644);
	CHECK_INT(file_mode(p), 0644);
	db = db_open(p);
	CHECK(db != NULL);
	CHECK_INT(file_mode(p), 0600);
	db_close(db);
	return 0;
}

static int
count_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	int n = -1;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int
t_db_migrate(void)
{
	static const char *const steps[] = {
		"CREATE TABLE a(x)",
		"INSERT INTO a VALUES(1)",
		"INSERT INTO a VALUES(2)",
	};
	static const char *const bad[] = {
		"CREATE TABLE a(x)",
		"INSERT INTO a VALUES(1)",
		"INSERT INTO a VALUES(2)",
		"INSERT INTO a VALUES(3); SELECT broken FROM nowhere",
	};
	sqlite3 *db = db_open(":memory:");

	CHECK(db != NULL);
	CHECK_INT(db_migrate(db, steps, 2), 0);
	CHECK_INT(count_rows(db, "PRAGMA user_version"), 2);
	CHECK_INT(count_rows(db, "SELECT count(*) FROM a"), 1);
	/* rerun: nothing applied twice; one new step applied once */
	CHECK_INT(db_migrate(db, steps, 2), 0);
	CHECK_INT(db_migrate(db, steps, 3), 0);
	CHECK_INT(db_migrate(db, steps, 3), 0);
	CHECK_INT(count_rows(db, "PRAGMA user_version"), 3);
	CHECK_INT(count_rows(db, "SELECT count(*) FROM a"), 2);
	/* a failing step rolls back its partial work and the version */
	CHECK_INT(db_migrate(db, bad, 4), -EIO);
	CHECK_INT(count_rows(db, "PRAGMA user_version"), 3);
	CHECK_INT(count_rows(db, "SELECT count(*) FROM a"), 2);
	CHECK(sqlite3_get_autocommit(db) != 0);
	/* a file newer than the program is refused */
	CHECK_INT(db_migrate(db, steps, 2), -EIO);
	db_close(db);
	return 0;
}

/* --- json ----------------------------------------------------------------- */

static const struct {
	const char *in, *want;
} escape_cases[] = {
	{ "plain", "plain" },
	{ "", "" },
	{ "a\"b", "a\\\"b" },
	{ "back\\slash", "back\\\\slash" },
	{ "nl\ntab\tcr\r", "nl\\u000atab\\u0009cr\\u000d" },
	{ "\x01\x1f", "\\u0001\\u001f" },
	{ "\x7f", "\x7f" },
	{ "caf\xc3\xa9", "caf\xc3\xa9" },                          /* é */
	{ "\xe2\x82\xac", "\xe2\x82\xac" },                        /* € */
	{ "\xf0\x9d\x84\x9e", "\xf0\x9d\x84\x9e" },                /* U+1D11E */
	{ "\xff", "\xef\xbf\xbd" },
	{ "a\xc3", "a\xef\xbf\xbd" },                    /* truncated */
	{ "\xc3(", "\xef\xbf\xbd(" },
	{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },      /* overlong */
	/* overlong */
	{ "\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	/* UTF-16 surrogate */
	{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	/* above U+10FFFF */
	{ "\xf4\x90\x80\x80",
	  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf" },      /* U+10FFFF */
	{ "\x80x", "\xef\xbf\xbdx" },                    /* continuation */
	{ "\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd" },      /* cut at NUL */
};

static int
t_json_escape(void)
{
	struct buf b;

	buf_init(&b, 1024);
	for (size_t i = 0; i < NELEM(escape_cases); i++) {
		buf_reset(&b);
		json_escape(&b, escape_cases[i].in);
		buf_append(&b, "", 1);
		CHECK_INT(b.err, 0);
		if (strcmp((char *)b.data, escape_cases[i].want) != 0)
			fprintf(stderr, "  case %zu\n", i);
		CHECK_STR((char *)b.data, escape_cases[i].want);
	}
	buf_fini(&b);
	return 0;
}

static int
t_json_nesting(void)
{
	struct buf b;
	struct json j;

	buf_init(&b, 1024);
	json_init(&j, &b);
	json_obj_begin(&j);
	json_key(&j, "a");
	json_int(&j, INT64_MIN);
	json_key(&j, "b");
	json_arr_begin(&j);
	json_uint(&j, UINT64_MAX);
	json_str(&j, "x\"y");
	json_str(&j, NULL);
	json_obj_begin(&j);
	json_obj_end(&j);
	json_arr_begin(&j);
	json_arr_end(&j);
	json_bool(&j, true);
	json_bool(&j, false);
	json_arr_end(&j);
	json_key(&j, "c\n");
	json_obj_begin(&j);
	json_key(&j, "d");
	json_double(&j, 0.1);
	json_key(&j, "e");
	json_double(&j, 0.0 / 0.0);
	json_key(&j, "f");
	json_double(&j, 1.0 / 3.0);
	json_obj_end(&j);
	json_key(&j, "g");
	json_null(&j);
	json_obj_end(&j);
	buf_append(&b, "", 1);
	CHECK_INT(b.err, 0);
	CHECK_INT(j.depth, 0);
	CHECK_STR((char *)b.data,
	    "{\"a\":-9223372036854775808,\"b\":[18446744073709551615,"
	    "\"x\\\"y\",null,{},[],true,false],\"c\\u000a\":{\"d\":0.1,"
	    "\"e\":null,\"f\":0.33333333333333331},\"g\":null}");

	/* nesting past the limit and unbalanced ends set the sticky error */
	buf_reset(&b);
	json_init(&j, &b);
	for (int i = 0; i < JSON_MAX_DEPTH + 2; i++)
		json_arr_begin(&j);
	CHECK_INT(b.err, -EINVAL);
	buf_reset(&b);
	json_init(&j, &b);
	json_obj_end(&j);
	CHECK_INT(b.err, -EINVAL);
	/* the buffer's ceiling surfaces as its error */
	buf_fini(&b);
	buf_init(&b, 8);
	json_init(&j, &b);
	json_str(&j, "longer than eight");
	CHECK_INT(b.err, -ENOBUFS);
	buf_fini(&b);
	return 0;
}

/* --- keys ----------------------------------------------------------------- */

static const struct {
	const char *name;
	bool ok;
} name_cases[] = {
	{ "a", true }, { "acme", true }, { "cam-1_b", true }, { "0abc", true },
	{ "", false }, { "-a", false }, { "_a", false }, { "Acme", false },
	{ "a b", false }, { "a/b", false }, { "a.b", false }, { "..", false },
	{ "a\xc3\xa9", false }, { "a\n", false },
	{ NAME64, true },
	{ NAME64 "a", false },
};

static int
t_keys_name_ok(void)
{
	for (size_t i = 0; i < NELEM(name_cases); i++) {
		if (keys_name_ok(name_cases[i].name) != name_cases[i].ok)
			fprintf(stderr, "  name \"%s\"\n", name_cases[i].name);
		CHECK_INT(keys_name_ok(name_cases[i].name), name_cases[i].ok);
	}
	CHECK_INT(keys_name_ok(NULL), 0);
	return 0;
}

struct clist {
	int n;
	struct customer c[8];
};

static int
collect_customer(void *arg, const struct customer *c)
{
	struct clist *l = arg;

	if (l->n < 8)
		l->c[l->n] = *c;
	l->n++;
	return 0;
}

struct klist {
	int n;
	struct stream_key k[16];
};

static int
collect_key(void *arg, const struct stream_key *sk)
{
	struct klist *l = arg;

	if (l->n < 16)
		l->k[l->n] = *sk;
	l->n++;
	return 0;
}

static int
t_keys_customers(void)
{
	struct keys *k = open_keys();
	struct clist l = { 0 };
	char sec[KEYS_SECRET_MAX + 1];
	int64_t id1 = 0, id2 = 0;

	CHECK(k != NULL);
	CHECK_INT(keys_customer_add(k, "zeta", &id1), 0);
	CHECK_INT(keys_customer_add(k, "acme", &id2), 0);
	CHECK(id1 > 0 && id2 > 0 && id1 != id2);
	CHECK_INT(keys_customer_add(k, "acme", NULL), -EEXIST);
	CHECK_INT(keys_customer_add(k, "Bad Name", NULL), -EINVAL);
	CHECK_INT(keys_customer_add(k, "", NULL), -EINVAL);
	CHECK_INT(keys_key_add(k, "acme", "s1", NULL, sec, NULL), 0);
	CHECK_INT(keys_key_add(k, "acme", "s2", NULL, sec, NULL), 0);
	CHECK_INT(keys_customer_list(k, collect_customer, &l), 0);
	CHECK_INT(l.n, 2);
	CHECK_STR(l.c[0].name, "acme");        /* by name */
	CHECK_INT(l.c[0].id, id2);
	CHECK_INT(l.c[0].n_keys, 2);
	CHECK_INT(l.c[0].revoked_s, 0);
	CHECK(l.c[0].created_s > 1600000000);
	CHECK_STR(l.c[1].name, "zeta");
	CHECK_INT(l.c[1].n_keys, 0);

	CHECK_INT(keys_customer_revoke(k, "nobody"), -ENOENT);
	CHECK_INT(keys_customer_revoke(k, "acme"), 0);
	CHECK_INT(keys_customer_revoke(k, "acme"), -ENOENT);
	/* a revoked customer's name stays taken: billing refers to it */
	CHECK_INT(keys_customer_add(k, "acme", NULL), -EEXIST);
	l.n = 0;
	CHECK_INT(keys_customer_list(k, collect_customer, &l), 0);
	CHECK_INT(l.n, 2);
	CHECK(l.c[0].revoked_s > 0);
	CHECK_INT(l.c[0].n_keys, 0);
	keys_close(k);
	return 0;
}

static int
t_keys_generate_lookup(void)
{
	struct keys *k = open_keys();
	char s1[KEYS_SECRET_MAX + 1], s2[KEYS_SECRET_MAX + 1];
	struct stream_key a, b, got;

	CHECK(k != NULL);
	CHECK_INT(keys_customer_add(k, "acme", NULL), 0);
	memset(&a, 0, sizeof(a));
	CHECK_INT(keys_key_add(k, "acme", "cam1", NULL, s1, &a), 0);
	CHECK_INT(keys_key_add(k, "acme", "cam2", NULL, s2, &b), 0);
	CHECK_INT(strlen(s1), 35);
	CHECK(strncmp(s1, "sk_", 3) == 0);
	CHECK_INT(strspn(s1 + 3, "abcdefghijklmnopqrstuvwxyz234567"), 32);
	CHECK(strcmp(s1, s2) != 0);
	CHECK_STR(a.hint, s1 + 31);
	CHECK_STR(a.customer, "acme");
	CHECK_STR(a.stream, "cam1");
	CHECK(a.id > 0 && b.id != a.id);
	CHECK_INT(a.revoked_s, 0);

	memset(&got, 0, sizeof(got));
	CHECK_INT(keys_lookup(k, s1, &got), 0);
	CHECK_INT(got.id, a.id);
	CHECK_STR(got.stream, "cam1");
	CHECK_STR(got.customer, "acme");
	CHECK_STR(got.hint, a.hint);
	CHECK_INT(keys_lookup(k, s2, &got), 0);
	CHECK_STR(got.stream, "cam2");
	/* one character off, a prefix, empty, too long: unknown */
	s1[34] = s1[34] == 'a' ? 'b' : 'a';
	CHECK_INT(keys_lookup(k, s1, &got), -ENOENT);
	s1[20] = '\0';
	CHECK_INT(keys_lookup(k, s1, &got), -ENOENT);
	CHECK_INT(keys_lookup(k, "", &got), -ENOENT);
	CHECK_INT(keys_lookup(k, NULL, &got), -ENOENT);
	keys_close(k);
	return 0;
}

static int
t_keys_import(void)
{
	struct keys *k = open_keys();
	char sec[KEYS_SECRET_MAX + 1], big[KEYS_SECRET_MAX + 2];
	struct stream_key sk;

	CHECK(k != NULL);
	CHECK_INT(keys_customer_add(k, "acme", NULL), 0);
	CHECK_INT(keys_key_add(k, "acme", "cam1", "my-own-key-0123", sec, NULL),
	    -EINVAL);                           /* 15 characters */
	CHECK_INT(keys_key_add(k, "acme", "cam1", "my own key 01234", sec,
	    NULL), -EINVAL);                    /* space */
	CHECK_INT(keys_key_add(k, "acme", "cam1", "my-own-key-0123\x01", sec,
	    NULL), -EINVAL);
	/* these would split the RTMP URL */
	CHECK_INT(keys_key_add(k, "acme", "cam1", "my-own-key/01234", sec,
	    NULL), -EINVAL);
	CHECK_INT(keys_key_add(k, "acme", "cam1", "my-own-key?01234", sec,
	    NULL), -EINVAL);
	CHECK_INT(keys_key_add(k, "acme", "cam1", "my-own-key#01234", sec,
	    NULL), -EINVAL);
	CHECK_INT(keys_key_add(k, "acme", "cam1", "my-own-key\x80" "0123", sec,
	    NULL), -EINVAL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';            /* 129 characters */
	CHECK_INT(keys_key_add(k, "acme", "cam1", big, sec, NULL), -EINVAL);
	big[KEYS_SECRET_MAX] = '\0';            /* 128 characters */
	CHECK_INT(keys_key_add(k, "acme", "big", big, sec, &sk), 0);
	CHECK_STR(sec, big);
	CHECK_INT(keys_lookup(k, big, &sk), 0);
	CHECK_STR(sk.stream, "big");

	CHECK_INT(keys_key_add(k, "acme", "cam1", "my-own-key-01234", sec,
	    &sk), 0);
	CHECK_STR(sec, "my-own-key-01234");
	CHECK_STR(sk.hint, "1234");
	CHECK_INT(keys_lookup(k, "my-own-key-01234", &sk), 0);
	CHECK_STR(sk.stream, "cam1");
	CHECK_INT(keys_key_add(k, "acme", "odd", ODD_KEY, sec, NULL), 0);
	CHECK_INT(keys_lookup(k, ODD_KEY, &sk), 0);
	CHECK_STR(sk.stream, "odd");
	/* the same secret for another stream: refused */
	CHECK_INT(keys_key_add(k, "acme", "cam2", "my-own-key-01234", sec,
	    NULL), -EEXIST);
	CHECK_INT(keys_key_add(k, "Acme", "cam2", NULL, sec, NULL), -EINVAL);
	CHECK_INT(keys_key_add(k, "acme", "cam 2", NULL, sec, NULL), -EINVAL);
	CHECK_INT(keys_key_add(k, "nobody", "cam2", NULL, sec, NULL), -ENOENT);
	keys_close(k);
	return 0;
}

static int
t_keys_revoke(void)
{
	struct keys *k = open_keys();
	char s1[KEYS_SECRET_MAX + 1], s2[KEYS_SECRET_MAX + 1];
	char s3[KEYS_SECRET_MAX + 1], s4[KEYS_SECRET_MAX + 1];
	struct stream_key a, b, c, got;
	struct klist l = { 0 };

	CHECK(k != NULL);
	CHECK_INT(keys_customer_add(k, "acme", NULL), 0);
	CHECK_INT(keys_customer_add(k, "beta", NULL), 0);
	CHECK_INT(keys_key_add(k, "acme", "cam1", NULL, s1, &a), 0);
	/* a stream name held by an active key, even another customer's */
	CHECK_INT(keys_key_add(k, "acme", "cam1", NULL, s2, NULL), -EEXIST);
	CHECK_INT(keys_key_add(k, "beta", "cam1", NULL, s2, NULL), -EEXIST);

	memset(&got, 0, sizeof(got));
	CHECK_INT(keys_key_revoke(k, a.id, &got), 0);
	CHECK_INT(got.id, a.id);
	CHECK(got.revoked_s > 0);
	CHECK_INT(keys_key_revoke(k, a.id, NULL), -ENOENT);
	CHECK_INT(keys_key_revoke(k, 9999, NULL), -ENOENT);
	CHECK_INT(keys_lookup(k, s1, &got), -EACCES);
	CHECK_INT(got.id, a.id);                /* filled, for the log */

	/* the name is free again once its key is revoked */
	CHECK_INT(keys_key_add(k, "beta", "cam1", NULL, s2, &b), 0);
	CHECK_INT(keys_lookup(k, s2, &got), 0);
	CHECK_STR(got.customer, "beta");
	CHECK_INT(keys_lookup(k, s1, &got), -EACCES);

	CHECK_INT(keys_key_add(k, "acme", "cam2", NULL, s3, &c), 0);
	CHECK_INT(keys_key_add(k, "acme", "cam3", NULL, s4, NULL), 0);

	/* listing: active only, then everything with active first */
	CHECK_INT(keys_key_list(k, "acme", false, collect_key, &l), 0);
	CHECK_INT(l.n, 2);
	CHECK_STR(l.k[0].stream, "cam2");
	CHECK_STR(l.k[1].stream, "cam3");
	l.n = 0;
	CHECK_INT(keys_key_list(k, "acme", true, collect_key, &l), 0);
	CHECK_INT(l.n, 3);
	CHECK_INT(l.k[0].revoked_s, 0);
	CHECK_INT(l.k[1].revoked_s, 0);
	CHECK_STR(l.k[2].stream, "cam1");
	CHECK(l.k[2].revoked_s > 0);
	l.n = 0;
	CHECK_INT(keys_key_list(k, NULL, true, collect_key, &l), 0);
	CHECK_INT(l.n, 4);
	l.n = 0;
	CHECK_INT(keys_key_list(k, "nobody", true, collect_key, &l), 0);
	CHECK_INT(l.n, 0);

	/* revoking the customer revokes every key it holds */
	CHECK_INT(keys_customer_revoke(k, "acme"), 0);
	CHECK_INT(keys_lookup(k, s3, &got), -EACCES);
	CHECK_INT(keys_lookup(k, s4, &got), -EACCES);
	CHECK_INT(keys_lookup(k, s2, &got), 0);  /* beta is untouched */
	CHECK_INT(keys_key_add(k, "acme", "cam9", NULL, s1, NULL), -ENOENT);
	l.n = 0;
	CHECK_INT(keys_key_list(k, "acme", false, collect_key, &l), 0);
	CHECK_INT(l.n, 0);
	keys_close(k);
	return 0;
}

static int
t_keys_secret_not_stored(void)
{
	struct keys *k = open_keys();
	char gen[KEYS_SECRET_MAX + 1], imp[KEYS_SECRET_MAX + 1];
	char wal[256];
	const char *imported = "imported-secret-XYZ-0042";

	CHECK(k != NULL);
	CHECK_INT(keys_customer_add(k, "acme", NULL), 0);
	CHECK_INT(keys_key_add(k, "acme", "visible-stream", NULL, gen, NULL),
	    0);
	CHECK_INT(keys_key_add(k, "acme", "other", imported, imp, NULL), 0);
	CHECK_INT(file_mode(dbpath), 0600);
	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	CHECK_INT(file_mode(wal), 0600);
	/* the scan finds what is stored: the stream name is in the WAL */
	CHECK_INT(file_contains(wal, "visible-stream"), 1);
	CHECK_INT(file_contains(wal, gen), 0);
	CHECK_INT(file_contains(wal, imported), 0);
	CHECK_INT(file_contains(wal, gen + 3), 0);
	keys_close(k);
	/* closing checkpoints the WAL into the main file */
	CHECK_INT(file_mode(dbpath), 0600);
	CHECK_INT(file_contains(dbpath, "visible-stream"), 1);
	CHECK_INT(file_contains(dbpath, gen), 0);
	CHECK_INT(file_contains(dbpath, gen + 3), 0);
	CHECK_INT(file_contains(dbpath, imported), 0);

	/* and a reopened database still knows both keys */
	k = keys_open(dbpath);
	CHECK(k != NULL);
	CHECK_INT(keys_lookup(k, gen, NULL), 0);
	CHECK_INT(keys_lookup(k, imported, NULL), 0);
	keys_close(k);
	return 0;
}


/* --- playback secrets and access modes (schema version 2) ------------------ */

struct sec_seen {
	struct play_secret s[4];
	size_t n;
};

static int
collect_secret(void *arg, const struct play_secret *ps)
{
	struct sec_seen *l = arg;

	if (l->n < 4)
		l->s[l->n++] = *ps;
	return 0;
}

static int
collect_access(void *arg, const struct stream_access *sa)
{
	struct stream_access *out = arg;

	*out = *sa;
	return 0;
}

/* Encryption flag (kept with the access mode) and content keys. */
static int
t_keys_encryption(void)
{
	struct keys *k = open_keys();
	struct stream_access sa = { 0 };
	char sk[KEYS_SECRET_MAX + 1];
	static const uint8_t ck[KEYS_SEGKEY_LEN] = { 1, 2, 3 };
	bool on = true;

	CHECK(k != NULL);
	CHECK_INT(keys_customer_add(k, "acme", NULL), 0);
	CHECK_INT(keys_encrypt_set(k, "acme", "cam1", true), -ENOENT);   /* no key yet */
	CHECK_INT(keys_key_add(k, "acme", "cam1", NULL, sk, NULL), 0);
	CHECK_INT(keys_encrypt_get(k, "acme", "cam1", &on), 0);
	CHECK(!on);                                                       /* never set */
	CHECK_INT(keys_encrypt_set(k, "acme", "cam1", true), 0);
	CHECK_INT(keys_encrypt_get(k, "acme", "cam1", &on), 0);
	CHECK(on);
	/* the mode stays public, and setting the mode keeps the flag */
	CHECK_INT(keys_access_list(k, "acme", collect_access, &sa), 0);
	CHECK_INT(sa.mode, PLAY_PUBLIC);
	CHECK_INT(keys_access_set(k, "acme", "cam1", PLAY_TOKEN), 0);
	CHECK_INT(keys_encrypt_get(k, "acme", "cam1", &on), 0);
	CHECK(on);
	CHECK_INT(keys_encrypt_set(k, "acme", "cam1", false), 0);
	CHECK_INT(keys_encrypt_get(k, "acme", "cam1", &on), 0);
	CHECK(!on);
	CHECK_INT(keys_encrypt_set(k, "beta", "cam1", true), -ENOENT);
	CHECK_INT(keys_encrypt_set(k, "acme", "BAD NAME", true), -EINVAL);
	CHECK_INT(keys_segkey_put(k, "cam1", "s-k0.key", ck), 0);
	CHECK_INT(keys_segkey_put(k, "cam1", "s-k1.key", ck), 0);
	CHECK_INT(keys_segkey_delete(k, "cam1", "s-k0.key"), 0);
	CHECK_INT(keys_segkey_purge(k), 0);
	keys_close(k);
	return 0;
}

static int
t_keys_playback_secrets(void)
{
	struct keys *k = open_keys();
	struct play_secret a, b, c;
	struct sec_seen l = { 0 };
	struct stream_access sa = { 0 };
	char sk[KEYS_SECRET_MAX + 1];
	int n;

	CHECK(k != NULL);
	CHECK_INT(keys_secret_rotate(k, "acme", &a), -ENOENT);
	CHECK_INT(keys_customer_add(k, "acme", NULL), 0);
	CHECK_INT(keys_customer_add(k, "beta", NULL), 0);
	CHECK_INT(keys_secret_rotate(k, "acme", &a), 0);
	CHECK_INT(strlen(a.secret), KEYS_PLAY_SECRET_LEN);
	CHECK(strncmp(a.secret, "ps_", 3) == 0);
	CHECK(a.is_current);
	CHECK_INT(keys_secret_list(k, "acme", collect_secret, &l), 0);
	CHECK_INT(l.n, 1);
	CHECK_STR(l.s[0].secret, a.secret);
	/* rotate: the old one stays valid as previous */
	CHECK_INT(keys_secret_rotate(k, "acme", &b), 0);
	CHECK(strcmp(a.secret, b.secret) != 0);
	l.n = 0;
	CHECK_INT(keys_secret_list(k, "acme", collect_secret, &l), 0);
	CHECK_INT(l.n, 2);
	CHECK_STR(l.s[0].secret, b.secret);
	CHECK(l.s[0].is_current);
	CHECK_STR(l.s[1].secret, a.secret);
	CHECK(!l.s[1].is_current);
	/* a third rotation retires the first */
	CHECK_INT(keys_secret_rotate(k, "acme", &c), 0);
	l.n = 0;
	CHECK_INT(keys_secret_list(k, "acme", collect_secret, &l), 0);
	CHECK_INT(l.n, 2);
	CHECK_STR(l.s[0].secret, c.secret);
	CHECK_STR(l.s[1].secret, b.secret);
	/* retire: only the current is left; again: nothing to retire */
	CHECK_INT(keys_secret_retire(k, "acme", &n), 0);
	CHECK_INT(n, 1);
	CHECK_INT(keys_secret_retire(k, "acme", &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(keys_secret_retire(k, "nobody", &n), -ENOENT);
	l.n = 0;
	CHECK_INT(keys_secret_list(k, NULL, collect_secret, &l), 0);
	CHECK_INT(l.n, 1);   /* beta has none */
	/* secrets are read back: they are in the file, which is 0600 */
	CHECK_INT(file_mode(dbpath), 0600);

	/* access modes need an active key of that customer for the stream */
	CHECK_INT(keys_access_set(k, "acme", "cam1", PLAY_TOKEN), -ENOENT);
	CHECK_INT(keys_key_add(k, "acme", "cam1", NULL, sk, NULL), 0);
	CHECK_INT(keys_access_set(k, "beta", "cam1", PLAY_TOKEN), -ENOENT);
	CHECK_INT(keys_access_set(k, "acme", "cam1", PLAY_TOKEN), 0);
	CHECK_INT(keys_access_list(k, "acme", collect_access, &sa), 0);
	CHECK_STR(sa.stream, "cam1");
	CHECK_INT(sa.mode, PLAY_TOKEN);
	CHECK_INT(keys_access_set(k, "acme", "cam1", PLAY_UNPUBLISHED), 0);
	CHECK_INT(keys_access_list(k, NULL, collect_access, &sa), 0);
	CHECK_INT(sa.mode, PLAY_UNPUBLISHED);
	CHECK_INT(keys_stream_owned(k, "acme", "cam1"), 0);
	CHECK_INT(keys_stream_owned(k, "beta", "cam1"), -ENOENT);
	/* a revoked customer's secrets are no longer listed */
	CHECK_INT(keys_customer_revoke(k, "acme"), 0);
	l.n = 0;
	CHECK_INT(keys_secret_list(k, NULL, collect_secret, &l), 0);
	CHECK_INT(l.n, 0);
	keys_close(k);
	return 0;
}

/* --- admin API ------------------------------------------------------------ */

struct fake_params {
	const char *names[4];
	const char *values[4];
};

static const char *
fake_param(void *cls, const char *name)
{
	struct fake_params *p = cls;

	for (int i = 0; i < 4 && p->names[i]; i++)
		if (strcmp(p->names[i], name) == 0)
			return p->values[i];
	return NULL;
}

static struct admin_ctx actx;
static struct buf abody;

static int
api_setup(void)
{
	actx.keys = open_keys();
	if (actx.keys == NULL)
		return -1;
	pthread_mutex_init(&actx.lock, NULL);
	actx.token = "s3cret-admin-token";
	actx.rtmp_url = "rtmp://origin.example:1935/live";
	buf_init(&abody, 1 << 20);
	return 0;
}

/* One request; the body is left NUL-terminated in abody. */
static int
api(const char *method, const char *path, const char *auth,
    struct fake_params *p)
{
	struct admin_req req = {
		.method = method, .path = path, .authorization = auth,
		.param = fake_param, .cls = p,
	};
	struct fake_params none = { { NULL }, { NULL } };
	int status;

	if (p == NULL)
		req.cls = &none;
	status = admin_api_handle(&actx, &req, &abody);
	buf_append(&abody, "", 1);
	abody.len--;
	return status;
}

#define AUTH "Bearer s3cret-admin-token"
#define BODY ((const char *)abody.data)
#define CHECK_BODY_HAS(s)                                                  \
	do {                                                               \
		if (strstr(BODY, (s)) == NULL) {                           \
			fprintf(stderr, "  body %s lacks %s\n", BODY, (s)); \
			return 1;                                          \
		}                                                          \
	} while (0)

static int
t_admin_auth(void)
{
	static const char *const bad[] = {
		NULL, "", "Bearer", "Bearer ", "Basic czNjcmV0LWFkbWluLXRva2Vu",
		"Bearer s3cret-admin-toke", "Bearer s3cret-admin-tokenX",
		"Bearer s3cret-admin-tokeN", "Bearer S3CRET-ADMIN-TOKEN",
		"s3cret-admin-token",
	};

	CHECK_INT(api_setup(), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (api("GET", "/api/v1/customers", bad[i], NULL) != 401)
			fprintf(stderr, "  auth \"%s\"\n",
			    bad[i] ? bad[i] : "(null)");
		CHECK_INT(api("GET", "/api/v1/customers", bad[i], NULL), 401);
		CHECK_BODY_HAS("\"error\":");
	}
	/* unknown paths are not revealed before authentication */
	CHECK_INT(api("GET", "/api/v1/nothing", NULL, NULL), 401);
	CHECK_INT(api("GET", "/api/v1/customers", AUTH, NULL), 200);
	CHECK_INT(api("GET", "/api/v1/customers", "bearer  s3cret-admin-token ",
	    NULL), 200);
	/* no configured token: closed to everyone */
	actx.token = "";
	CHECK_INT(api("GET", "/api/v1/customers", "Bearer ", NULL), 401);
	actx.token = NULL;
	CHECK_INT(api("GET", "/api/v1/customers", "Bearer ", NULL), 401);
	return 0;
}

static int
t_admin_routing(void)
{
	static const struct {
		const char *method, *path;
		int status;
		const char *has;
	} cases[] = {
		{ "GET", "/api/v1/nothing", 404, "\"error\":" },
		{ "GET", "/api/v1/", 404, "\"error\":" },
		{ "GET", "/api/v2/customers", 404, "\"error\":" },
		{ "GET", "/api/v1/customers/acme", 404, "\"error\":" },
		{ "GET", "/api/v1/customers//revoke", 404, "\"error\":" },
		{ "GET", "/api/v1/keys/1/revoke/x", 404, "\"error\":" },
		{ "DELETE", "/api/v1/customers", 405, ALLOW_GP },
		{ "GET", "/api/v1/customers/acme/revoke", 405, ALLOW_P },
		{ "GET", "/api/v1/keys/1/revoke", 405, ALLOW_P },
		{ "PUT", "/api/v1/keys", 405, ALLOW_GP },
		{ "POST", "/api/v1/streams", 405, "\"allow\":\"GET\"" },
		{ "GET", "/api/v1/customers/", 200, "{\"customers\":[]}" },
		{ "GET", "/api/v1/customers?x=1", 200, "{\"customers\":[]}" },
		{ "GET", "/api/v1/keys", 200, "{\"keys\":[]}" },
		{ "POST", "/api/v1/customers", 400, "missing parameter: name" },
		{ "POST", "/api/v1/keys", 400, "missing parameter: customer" },
		{ "POST", "/api/v1/keys/abc/revoke", 400, "invalid key id" },
		{ "POST", "/api/v1/keys/-1/revoke", 400, "invalid key id" },
		{ "POST", "/api/v1/keys/0/revoke", 400, "invalid key id" },
		{ "POST", "/api/v1/keys/12345678901234567890/revoke", 400,
		  "invalid key id" },
		{ "POST", "/api/v1/keys/5/revoke", 404, "no such active key" },
		{ "POST", "/api/v1/customers/Acme/revoke", 400,
		  "invalid customer name" },
		{ "POST", "/api/v1/customers/nobody/revoke", 404,
		  "no such active customer" },
	};

	CHECK_INT(api_setup(), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st = api(cases[i].method, cases[i].path, AUTH, NULL);

		if (st != cases[i].status)
			fprintf(stderr, "  %s %s: %s\n", cases[i].method,
			    cases[i].path, BODY);
		CHECK_INT(st, cases[i].status);
		CHECK_BODY_HAS(cases[i].has);
	}
	return 0;
}

/* Copy the string value of "field":"..." out of the body (no escapes). */
static int
body_field(const char *field, char *out, size_t out_len)
{
	char pat[64];
	const char *s, *e;

	snprintf(pat, sizeof(pat), "\"%s\":\"", field);
	if ((s = strstr(BODY, pat)) == NULL)
		return -1;
	s += strlen(pat);
	if ((e = strchr(s, '"')) == NULL || (size_t)(e - s) >= out_len)
		return -1;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	return 0;
}

static int
t_admin_keys(void)
{
	struct fake_params cust = { { "name" }, { "acme" } };
	struct fake_params bad = { { "name" }, { "no way" } };
	struct fake_params key = { { "customer", "stream" },
		{ "acme", "cam1" } };
	struct fake_params key2 = { { "customer", "stream" },
		{ "acme", "cam1" } };
	struct fake_params badstream = { { "customer", "stream" },
		{ "acme", "cam/1" } };
	struct fake_params nocust = { { "customer", "stream" },
		{ "zz", "cam5" } };
	struct fake_params imp = { { "customer", "stream", "key" },
		{ "acme", "cam2", "short" } };
	struct fake_params imp2 = { { "customer", "stream", "key" },
		{ "acme", "cam2", "imported-key-00001" } };
	struct fake_params all = { { "all" }, { "1" } };
	struct fake_params bycust = { { "customer" }, { "acme" } };
	char secret[160], obs_key[160], id_str[32], path[64];
	struct stream_key sk;

	CHECK_INT(api_setup(), 0);
	CHECK_INT(api("POST", "/api/v1/customers", AUTH, &bad), 400);
	CHECK_BODY_HAS("invalid customer name");
	CHECK_INT(api("POST", "/api/v1/customers", AUTH, &cust), 201);
	CHECK_BODY_HAS("\"name\":\"acme\"");
	CHECK_INT(api("POST", "/api/v1/customers", AUTH, &cust), 409);
	CHECK_BODY_HAS("\"error\":");

	CHECK_INT(api("POST", "/api/v1/keys", AUTH, &badstream), 400);
	CHECK_BODY_HAS("invalid stream name");
	CHECK_INT(api("POST", "/api/v1/keys", AUTH, &nocust), 404);
	CHECK_BODY_HAS("no such active customer");
	CHECK_INT(api("POST", "/api/v1/keys", AUTH, &imp), 400);
	CHECK_BODY_HAS("invalid key");

	CHECK_INT(api("POST", "/api/v1/keys", AUTH, &key), 201);
	CHECK_BODY_HAS("\"customer\":\"acme\"");
	CHECK_BODY_HAS("\"stream\":\"cam1\"");
	CHECK_BODY_HAS("\"rtmp_url\":\"rtmp://origin.example:1935/live\"");
	CHECK_BODY_HAS("\"obs\":{\"server\":"
	    "\"rtmp://origin.example:1935/live\",\"stream_key\":\"sk_");
	CHECK_BODY_HAS("\"playback\":\"/hls/cam1/index.m3u8\"");
	CHECK_INT(body_field("key", secret, sizeof(secret)), 0);
	CHECK_INT(body_field("stream_key", obs_key, sizeof(obs_key)), 0);
	CHECK_STR(obs_key, secret);
	CHECK_INT(strlen(secret), 35);
	CHECK_INT(keys_lookup(actx.keys, secret, &sk), 0);
	CHECK_STR(sk.stream, "cam1");
	snprintf(id_str, sizeof(id_str), "{\"id\":%lld,", (long long)sk.id);
	CHECK(strncmp(BODY, id_str, strlen(id_str)) == 0);

	CHECK_INT(api("POST", "/api/v1/keys", AUTH, &key2), 409);
	CHECK_INT(api("POST", "/api/v1/keys", AUTH, &imp2), 201);
	CHECK_BODY_HAS("\"key\":\"imported-key-00001\"");
	CHECK_BODY_HAS("\"hint\":\"0001\"");

	/* listings show hints, never secrets */
	CHECK_INT(api("GET", "/api/v1/keys", AUTH, NULL), 200);
	CHECK_BODY_HAS("\"stream\":\"cam1\"");
	CHECK_BODY_HAS("\"stream\":\"cam2\"");
	CHECK(strstr(BODY, secret) == NULL);
	CHECK(strstr(BODY, "imported-key-00001") == NULL);
	CHECK(strstr(BODY, "\"key\":") == NULL);
	CHECK_INT(api("GET", "/api/v1/customers", AUTH, NULL), 200);
	CHECK_BODY_HAS("\"active_keys\":2");

	/* revoking a key drops its publisher */
	n_kicked = 0;
	snprintf(path, sizeof(path), "/api/v1/keys/%lld/revoke",
	    (long long)sk.id);
	CHECK_INT(api("POST", path, AUTH, NULL), 200);
	CHECK_BODY_HAS("\"revoked_at\":");
	CHECK(strstr(BODY, secret) == NULL);
	CHECK_INT(n_kicked, 1);
	CHECK_INT(kicked[0], sk.id);
	CHECK_INT(api("POST", path, AUTH, NULL), 404);
	CHECK_INT(n_kicked, 1);
	CHECK_INT(keys_lookup(actx.keys, secret, NULL), -EACCES);

	CHECK_INT(api("GET", "/api/v1/keys", AUTH, NULL), 200);
	CHECK(strstr(BODY, "\"stream\":\"cam1\"") == NULL);
	CHECK_INT(api("GET", "/api/v1/keys", AUTH, &all), 200);
	CHECK_BODY_HAS("\"stream\":\"cam1\"");
	CHECK_INT(api("GET", "/api/v1/keys", AUTH, &bycust), 200);
	CHECK_BODY_HAS("\"stream\":\"cam2\"");
	/* no "customer" parameter: every active key */
	CHECK_INT(api("GET", "/api/v1/keys", AUTH, &bad), 200);

	/* revoking the customer drops the publishers of its active keys */
	n_kicked = 0;
	CHECK_INT(api("POST", CUST_REVOKE, AUTH, NULL), 200);
	CHECK_BODY_HAS("\"keys_revoked\":1");
	CHECK_INT(n_kicked, 1);
	CHECK(kicked[0] != sk.id);
	CHECK_INT(keys_lookup(actx.keys, "imported-key-00001", NULL), -EACCES);
	CHECK_INT(api("POST", CUST_REVOKE, AUTH, NULL), 404);
	CHECK_INT(api("POST", "/api/v1/keys", AUTH, &imp2), 404);
	return 0;
}

static int
t_admin_streams(void)
{
	CHECK_INT(api_setup(), 0);
	CHECK_INT(api("GET", "/api/v1/streams", AUTH, NULL), 200);
	CHECK(strncmp(BODY, "{\"streams\":[{\"name\":\"cam1\",", 27) == 0);
	CHECK_BODY_HAS("\"customer\":\"acme\"");
	CHECK_BODY_HAS("\"state\":\"live\"");
	CHECK_BODY_HAS("\"bitrate_bps\":2500000");
	CHECK_BODY_HAS("\"codecs\":\"avc1.64001f,mp4a.40.2\"");
	CHECK_BODY_HAS("\"width\":1280,\"height\":720");
	CHECK_BODY_HAS("\"peer\":\"192.0.2.1:5000\"");
	CHECK_BODY_HAS("\"key_id\":7");
	/* 3723 s, give or take a second of test time */
	CHECK(strstr(BODY, "\"uptime_s\":3723") ||
	    strstr(BODY, "\"uptime_s\":3724"));
	CHECK_BODY_HAS("\"started_ms\":0,\"uptime_s\":0,");
	CHECK_BODY_HAS("\"state\":\"ended\"");
	CHECK_BODY_HAS("\"customer\":\"q\\\"t<\\u0001>\"");
	CHECK(BODY[strlen(BODY) - 1] == '}');
	return 0;
}

/* A body that cannot fit becomes a short 500, not a truncated document. */
static int
t_admin_body_limit(void)
{
	CHECK_INT(api_setup(), 0);
	buf_fini(&abody);
	buf_init(&abody, 64);
	CHECK_INT(api("GET", "/api/v1/streams", AUTH, NULL), 500);
	CHECK_INT(abody.err, 0);
	CHECK_BODY_HAS("\"error\":");
	return 0;
}


static int
t_admin_access(void)
{
	struct fake_params cust = { { "name" }, { "acme" } };
	struct fake_params key = { { "customer", "stream" }, { "acme", "cam1" } };
	struct fake_params setm = { { "customer", "stream", "access" },
		{ "acme", "cam1", "token" } };
	struct fake_params badm = { { "customer", "stream", "access" },
		{ "acme", "cam1", "secret" } };
	struct fake_params other = { { "customer", "stream", "access" },
		{ "acme", "cam9", "token" } };
	struct fake_params mint = { { "customer", "stream", "ttl", "sid" },
		{ "acme", "cam1", "1h", "s-1" } };
	struct fake_params mintbad = { { "customer", "stream", "ttl" },
		{ "acme", "cam1", "1y" } };
	struct fake_params mintip = { { "customer", "stream", "ttl", "ip" },
		{ "acme", "cam1", "60", "10.0.0.0/40" } };
	struct fake_params reveal = { { "reveal" }, { "1" } };
	char sec[PLAY_SECRETS_MAX][KEYS_PLAY_SECRET_LEN + 1];
	const char *sv[PLAY_SECRETS_MAX];
	char tok[PLAY_TOKEN_MAX + 1];
	struct play_token t;
	const char *p;
	size_t n;

	CHECK_INT(api_setup(), 0);
	actx.access = access_table_new();
	CHECK(actx.access != NULL);
	CHECK_INT(api("POST", "/api/v1/customers", AUTH, &cust), 201);
	/* a new customer has a secret already, and the table knows it */
	CHECK_INT(access_table_secrets(actx.access, "acme", sec), 1);
	CHECK_INT(api("GET", "/api/v1/customers/acme/secrets", AUTH, NULL), 200);
	CHECK_BODY_HAS("\"state\":\"current\"");
	CHECK(strstr((char *)abody.data, sec[0]) == NULL);   /* hints only */
	CHECK_INT(api("GET", "/api/v1/customers/acme/secrets", AUTH, &reveal), 200);
	CHECK(strstr((char *)abody.data, sec[0]) != NULL);
	CHECK_INT(api("GET", "/api/v1/customers/zz/secrets", AUTH, NULL), 404);
	CHECK_INT(api("POST", "/api/v1/customers/acme/secrets", AUTH, NULL), 405);

	CHECK_INT(api("POST", "/api/v1/access", AUTH, &setm), 404);   /* no key yet */
	CHECK_INT(api("POST", "/api/v1/keys", AUTH, &key), 201);
	CHECK_INT(api("POST", "/api/v1/access", AUTH, &badm), 400);
	CHECK_INT(api("POST", "/api/v1/access", AUTH, &other), 404);
	CHECK_INT(access_table_mode(actx.access, "acme", "cam1"), PLAY_PUBLIC);
	CHECK_INT(api("POST", "/api/v1/access", AUTH, &setm), 200);
	CHECK_INT(access_table_mode(actx.access, "acme", "cam1"), PLAY_TOKEN);
	CHECK_INT(access_table_mode(actx.access, "acme", "cam2"), PLAY_PUBLIC);
	CHECK_INT(api("GET", "/api/v1/access", AUTH, NULL), 200);
	CHECK_BODY_HAS("\"access\":\"token\"");

	/* mint: the token verifies with the table's secrets */
	CHECK_INT(api("POST", "/api/v1/tokens", AUTH, &mintbad), 400);
	CHECK_INT(api("POST", "/api/v1/tokens", AUTH, &mintip), 400);
	CHECK_INT(api("POST", "/api/v1/tokens", AUTH, &mint), 201);
	CHECK_BODY_HAS("\"playback\":\"/hls/cam1/index.m3u8?token=1~");
	p = strstr((char *)abody.data, "\"token\":\"");
	CHECK(p != NULL);
	p += 9;
	n = strcspn(p, "\"");
	CHECK(n < sizeof(tok));
	memcpy(tok, p, n);
	tok[n] = '\0';
	CHECK_INT(play_token_parse(tok, n, &t), 0);
	CHECK_STR(t.sid, "s-1");
	n = access_table_secrets(actx.access, "acme", sec);
	for (size_t i = 0; i < n; i++)
		sv[i] = sec[i];
	CHECK(play_token_sig_ok(&t, "cam1", sv, n));
	/* rotate: old token still good; retire: not any more */
	CHECK_INT(api("POST", "/api/v1/customers/acme/secrets/rotate", AUTH, NULL), 201);
	CHECK_BODY_HAS("\"secret\":\"ps_");
	n = access_table_secrets(actx.access, "acme", sec);
	CHECK_INT(n, 2);
	for (size_t i = 0; i < n; i++)
		sv[i] = sec[i];
	CHECK(play_token_sig_ok(&t, "cam1", sv, n));
	CHECK_INT(api("POST", "/api/v1/customers/acme/secrets/retire", AUTH, NULL), 200);
	CHECK_BODY_HAS("\"retired\":1");
	n = access_table_secrets(actx.access, "acme", sec);
	CHECK_INT(n, 1);
	sv[0] = sec[0];
	CHECK(!play_token_sig_ok(&t, "cam1", sv, n));
	/* revoking the customer drops its secrets and modes everywhere */
	CHECK_INT(api("POST", CUST_REVOKE, AUTH, NULL), 200);
	CHECK_INT(access_table_secrets(actx.access, "acme", sec), 0);
	CHECK_INT(access_table_mode(actx.access, "acme", "cam1"), PLAY_PUBLIC);
	access_table_free(actx.access);
	actx.access = NULL;
	return 0;
}

int
main(void)
{
	log_init("test_keys", LOG_LVL_ERR);
	snprintf(basedir, sizeof(basedir), "/tmp/test_keys.XXXXXX");
	if (mkdtemp(basedir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	RUN(t_db_open_mode);
	RUN(t_db_open_existing_wide_mode);
	RUN(t_db_migrate);
	RUN(t_json_escape);
	RUN(t_json_nesting);
	RUN(t_keys_name_ok);
	RUN(t_keys_customers);
	RUN(t_keys_generate_lookup);
	RUN(t_keys_import);
	RUN(t_keys_revoke);
	RUN(t_keys_secret_not_stored);
	RUN(t_keys_playback_secrets);
	RUN(t_keys_encryption);
	RUN(t_admin_auth);
	RUN(t_admin_routing);
	RUN(t_admin_keys);
	RUN(t_admin_streams);
	RUN(t_admin_body_limit);
	RUN(t_admin_access);
	nftw(basedir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return check_done();
}
