/*
 * db: SQLite helpers; see db.h.
 *
 * Design: the file is created under umask(077) and chmod'ed to 0600 in case
 * it existed with a wider mode. SQLite's unix VFS creates the -wal and -shm
 * files with the mode of the database file, so they end up 0600 as well.
 * WAL with synchronous=NORMAL is durable across process crashes and keeps
 * readers from blocking the writer (sqlite.org/wal.html); a busy timeout
 * absorbs short lock waits from a second process (cdnctl, backups).
 * Migrations follow PRAGMA user_version (sqlite.org/pragma.html): each step
 * and its version bump commit together, so a failed step leaves the file at
 * the previous version.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "db.h"
#include "log.h"

#define DB_BUSY_TIMEOUT_MS 5000

sqlite3 *
db_open(const char *path)
{
	sqlite3 *db = NULL;
	mode_t old_mask;
	int rc, is_file;

	is_file = strcmp(path, ":memory:") != 0 && path[0] != '\0';
	/* umask is process-wide; db_open runs at startup, before threads */
	old_mask = umask(077);
	rc = sqlite3_open_v2(path, &db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (rc != SQLITE_OK) {
		log_errx("db: cannot open %s: %s", path,
		    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		goto fail;
	}
	if (is_file && chmod(path, 0600) == -1) {
		log_err("db: chmod %s", path);
		goto fail;
	}
	sqlite3_extended_result_codes(db, 1);
	if (sqlite3_busy_timeout(db, DB_BUSY_TIMEOUT_MS) != SQLITE_OK)
		goto fail;
	/* journal_mode returns a row; sqlite3_exec discards it */
	if (db_exec(db, "PRAGMA journal_mode=WAL") != 0 ||
	    db_exec(db, "PRAGMA synchronous=NORMAL") != 0 ||
	    db_exec(db, "PRAGMA foreign_keys=ON") != 0)
		goto fail;
	umask(old_mask);
	return db;
fail:
	sqlite3_close(db);
	umask(old_mask);
	return NULL;
}

void
db_close(sqlite3 *db)
{
	if (db == NULL)
		return;
	if (sqlite3_close(db) != SQLITE_OK)
		log_errx("db: close: %s (a statement was not finalized)",
		    sqlite3_errmsg(db));
}

int
db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_errx("db: %s: %s", sql, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int
db_user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st;
	int rc = -EIO;

	if ((st = db_prepare(db, "PRAGMA user_version")) == NULL)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int
db_migrate(sqlite3 *db, const char *const *steps, int n_steps)
{
	char sql[64];
	int version;

	for (;;) {
		/* IMMEDIATE takes the write lock before the version is read, so
		 * two processes migrating at once apply each step only once */
		if (db_exec(db, "BEGIN IMMEDIATE") != 0)
			return -EIO;
		if (db_user_version(db, &version) != 0)
			goto fail;
		if (version > n_steps) {
			/* a newer program wrote this file: keep out */
			log_errx("db: schema version %d is newer than this "
			    "program's %d", version, n_steps);
			goto fail;
		}
		if (version == n_steps)
			return db_exec(db, "COMMIT");
		snprintf(
		    sql, sizeof(sql), "PRAGMA user_version=%d", version + 1);
		if (db_exec(db, steps[version]) != 0 || db_exec(db, sql) != 0 ||
		    db_exec(db, "COMMIT") != 0) {
			log_errx(
			    "db: migration to version %d failed", version + 1);
			goto fail;
		}
		log_info("db: schema migrated to version %d", version + 1);
	}
fail:
	if (!sqlite3_get_autocommit(db)) /* a transaction is still open */
		db_exec(db, "ROLLBACK");
	return -EIO;
}

sqlite3_stmt *
db_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_errx("db: prepare %s: %s", sql, sqlite3_errmsg(db));
		return NULL;
	}
	return st;
}
