/*
 * db: SQLite helpers shared by the daemons and tools.
 *
 * Every database is opened in WAL mode with a busy timeout, foreign keys on,
 * and the file created with mode 0600 (it holds hashed secrets and billing
 * data). Schemas are versioned with PRAGMA user_version: db_migrate applies
 * the steps the file has not seen yet, each in its own transaction. One
 * connection per thread (SQLite's rule for us); statements are prepared
 * once, reset and reused.
 */
#ifndef CDN_DB_H
#define CDN_DB_H

#include <sqlite3.h>

/* Open (creating if needed) path; NULL on failure, logged. ":memory:" works. */
sqlite3 *db_open(const char *path);
void db_close(sqlite3 *db);  /* finalizes nothing: finalize statements first; NULL-safe */
/* Run SQL with no results; 0 or -EIO (logged with sqlite's message). */
int db_exec(sqlite3 *db, const char *sql);
/* steps[i] brings the schema from version i to i+1. 0 or -EIO. */
int db_migrate(sqlite3 *db, const char *const *steps, int n_steps);
/* Prepare or log; NULL on failure. */
sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql);

#endif
