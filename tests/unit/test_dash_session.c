/*
 * test_dash_session: the dashboard's login sessions and login throttle
 * (origin/dash_session.c).
 *
 * Every call takes an explicit now_ms, so expiry and the throttle window
 * are checked at their exact edges: a session made at T with ttl L is live
 * at T + L - 1 and gone at T + L; DASH_LOGIN_BURST failures inside one
 * window refuse every login until DASH_LOGIN_WINDOW_MS after the window
 * began. Ids and CSRF tokens come from RAND_bytes, so the tests check their
 * shape (DASH_TOKEN_HEX lowercase hex digits) and that they differ, never
 * their value.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dash_session.h"

#define T0 INT64_C(1700000000000)   /* a realistic wall clock, in ms */
#define TTL INT64_C(3600000)

static int
is_token(const char *t)
{
	size_t i;

	for (i = 0; i < DASH_TOKEN_HEX; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
			return 0;
	return t[i] == '\0';
}

static struct dash_sessions *
new_or_die(size_t max, int64_t ttl)
{
	struct dash_sessions *ds = dash_sessions_new(max, ttl);

	if (ds == NULL)
		abort();
	return ds;
}

static int
t_new_args(void)
{
	CHECK(dash_sessions_new(0, TTL) == NULL);
	CHECK(dash_sessions_new(4, 0) == NULL);
	CHECK(dash_sessions_new(4, -1) == NULL);
	dash_sessions_free(NULL);
	return 0;
}

static int
t_create_shape(void)
{
	struct dash_sessions *ds = new_or_die(16, TTL);
	char id[8][DASH_TOKEN_HEX + 1], csrf[8][DASH_TOKEN_HEX + 1];

	for (int i = 0; i < 8; i++) {
		/* guard the terminator: create must write it */
		memset(id[i], 'X', sizeof(id[i]));
		memset(csrf[i], 'X', sizeof(csrf[i]));
		CHECK_INT(dash_session_create(ds, T0 + i, id[i], csrf[i]), 0);
		if (!is_token(id[i]) || !is_token(csrf[i])) {
			fprintf(stderr, "  create %d: id \"%.*s\" csrf \"%.*s\" are not %d hex\n", i,
			    DASH_TOKEN_HEX + 1, id[i], DASH_TOKEN_HEX + 1, csrf[i], DASH_TOKEN_HEX);
			return 1;
		}
		CHECK(strcmp(id[i], csrf[i]) != 0);
		for (int k = 0; k < i; k++) {
			CHECK(strcmp(id[i], id[k]) != 0);
			CHECK(strcmp(csrf[i], csrf[k]) != 0);
			CHECK(strcmp(id[i], csrf[k]) != 0);
		}
	}
	CHECK_INT(dash_session_count(ds, T0 + 8), 8);
	dash_sessions_free(ds);
	return 0;
}

static int
t_check(void)
{
	struct dash_sessions *ds = new_or_die(4, TTL);
	char id[DASH_TOKEN_HEX + 1], csrf[DASH_TOKEN_HEX + 1], got[DASH_TOKEN_HEX + 1];
	char other[DASH_TOKEN_HEX + 1], bad[DASH_TOKEN_HEX + 2];
	int64_t exp = 0;

	CHECK_INT(dash_session_create(ds, T0, id, csrf), 0);

	/* live, with its csrf and end */
	memset(got, 0, sizeof(got));
	CHECK(dash_session_check(ds, id, T0, got, &exp));
	CHECK_STR(got, csrf);
	CHECK_INT(exp, T0 + TTL);
	CHECK(dash_session_check(ds, id, T0 + TTL - 1, NULL, NULL));
	/* not sliding: checking did not extend it */
	CHECK(!dash_session_check(ds, id, T0 + TTL, NULL, NULL));
	CHECK(!dash_session_check(ds, id, T0 + TTL + 1, NULL, NULL));
	CHECK(dash_session_check(ds, id, T0 + 1, NULL, &exp));
	CHECK_INT(exp, T0 + TTL);

	/* a wrong id of the right shape: one digit changed */
	memcpy(other, id, sizeof(other));
	other[10] = other[10] == '0' ? '1' : '0';
	CHECK(!dash_session_check(ds, other, T0, NULL, NULL));
	/* the csrf token is not an id */
	CHECK(!dash_session_check(ds, csrf, T0, NULL, NULL));

	/* short: a prefix of the right id */
	memcpy(bad, id, DASH_TOKEN_HEX);
	bad[DASH_TOKEN_HEX - 1] = '\0';
	CHECK(!dash_session_check(ds, bad, T0, NULL, NULL));
	/* long: the right id and one more digit */
	memcpy(bad, id, DASH_TOKEN_HEX);
	bad[DASH_TOKEN_HEX] = 'a';
	bad[DASH_TOKEN_HEX + 1] = '\0';
	CHECK(!dash_session_check(ds, bad, T0, NULL, NULL));
	/* uppercase: the same digits, shouted */
	memcpy(bad, id, DASH_TOKEN_HEX + 1);
	for (size_t i = 0; i < DASH_TOKEN_HEX; i++)
		bad[i] = (char)toupper((unsigned char)bad[i]);
	/* (an id of digits only, (10/16)^64, has no uppercase form) */
	if (strcmp(bad, id) != 0)
		CHECK(!dash_session_check(ds, bad, T0, NULL, NULL));
	/* and one letter is enough */
	memcpy(bad, id, DASH_TOKEN_HEX + 1);
	bad[5] = 'A';
	CHECK(!dash_session_check(ds, bad, T0, NULL, NULL));

	CHECK(!dash_session_check(ds, "", T0, NULL, NULL));
	CHECK(!dash_session_check(ds, NULL, T0, NULL, NULL));
	/* an all-zero id must not match an empty (zeroed) slot */
	memset(bad, '0', DASH_TOKEN_HEX);
	bad[DASH_TOKEN_HEX] = '\0';
	CHECK(!dash_session_check(ds, bad, T0, NULL, NULL));

	dash_sessions_free(ds);
	return 0;
}

static int
t_csrf_ok(void)
{
	struct dash_sessions *ds = new_or_die(4, TTL);
	char id1[DASH_TOKEN_HEX + 1], csrf1[DASH_TOKEN_HEX + 1];
	char id2[DASH_TOKEN_HEX + 1], csrf2[DASH_TOKEN_HEX + 1];
	char bad[DASH_TOKEN_HEX + 1];

	CHECK_INT(dash_session_create(ds, T0, id1, csrf1), 0);
	CHECK_INT(dash_session_create(ds, T0, id2, csrf2), 0);

	CHECK(dash_session_csrf_ok(ds, id1, csrf1, T0));
	CHECK(dash_session_csrf_ok(ds, id2, csrf2, T0 + TTL - 1));
	/* crossed pairs, swapped roles */
	CHECK(!dash_session_csrf_ok(ds, id1, csrf2, T0));
	CHECK(!dash_session_csrf_ok(ds, id2, csrf1, T0));
	CHECK(!dash_session_csrf_ok(ds, csrf1, id1, T0));
	/* one digit off, short, missing */
	memcpy(bad, csrf1, sizeof(bad));
	bad[DASH_TOKEN_HEX - 1] = bad[DASH_TOKEN_HEX - 1] == 'f' ? 'e' : 'f';
	CHECK(!dash_session_csrf_ok(ds, id1, bad, T0));
	memcpy(bad, csrf1, sizeof(bad));
	bad[DASH_TOKEN_HEX / 2] = '\0';
	CHECK(!dash_session_csrf_ok(ds, id1, bad, T0));
	CHECK(!dash_session_csrf_ok(ds, id1, "", T0));
	CHECK(!dash_session_csrf_ok(ds, id1, NULL, T0));
	CHECK(!dash_session_csrf_ok(ds, NULL, csrf1, T0));
	/* the right pair once the session has expired */
	CHECK(!dash_session_csrf_ok(ds, id1, csrf1, T0 + TTL));
	dash_sessions_free(ds);
	return 0;
}

static int
t_end(void)
{
	struct dash_sessions *ds = new_or_die(4, TTL);
	char id1[DASH_TOKEN_HEX + 1], csrf1[DASH_TOKEN_HEX + 1];
	char id2[DASH_TOKEN_HEX + 1], csrf2[DASH_TOKEN_HEX + 1];

	CHECK_INT(dash_session_create(ds, T0, id1, csrf1), 0);
	CHECK_INT(dash_session_create(ds, T0 + 1, id2, csrf2), 0);
	CHECK_INT(dash_session_count(ds, T0 + 1), 2);

	dash_session_end(ds, id1);
	CHECK(!dash_session_check(ds, id1, T0 + 2, NULL, NULL));
	CHECK(!dash_session_csrf_ok(ds, id1, csrf1, T0 + 2));
	CHECK(dash_session_check(ds, id2, T0 + 2, NULL, NULL));
	CHECK_INT(dash_session_count(ds, T0 + 2), 1);

	/* unknown, malformed, twice: nothing happens */
	dash_session_end(ds, id1);
	dash_session_end(ds, csrf2);
	dash_session_end(ds, "nope");
	dash_session_end(ds, NULL);
	CHECK(dash_session_check(ds, id2, T0 + 2, NULL, NULL));
	CHECK_INT(dash_session_count(ds, T0 + 2), 1);

	dash_session_end(ds, id2);
	CHECK_INT(dash_session_count(ds, T0 + 2), 0);
	dash_sessions_free(ds);
	return 0;
}

/* max = 2: a third login evicts the oldest, the other two stay. */
static int
t_evict_oldest(void)
{
	struct dash_sessions *ds = new_or_die(2, TTL);
	char id[3][DASH_TOKEN_HEX + 1], csrf[3][DASH_TOKEN_HEX + 1];

	CHECK_INT(dash_session_create(ds, T0 + 100, id[0], csrf[0]), 0);
	CHECK_INT(dash_session_create(ds, T0 + 200, id[1], csrf[1]), 0);
	CHECK_INT(dash_session_count(ds, T0 + 200), 2);
	CHECK_INT(dash_session_create(ds, T0 + 300, id[2], csrf[2]), 0);
	CHECK_INT(dash_session_count(ds, T0 + 300), 2);
	CHECK(!dash_session_check(ds, id[0], T0 + 300, NULL, NULL));
	CHECK(dash_session_check(ds, id[1], T0 + 300, NULL, NULL));
	CHECK(dash_session_check(ds, id[2], T0 + 300, NULL, NULL));
	CHECK(dash_session_csrf_ok(ds, id[2], csrf[2], T0 + 300));
	dash_sessions_free(ds);
	return 0;
}

/* Oldest by creation, not by slot: evict the second-made after it moved. */
static int
t_evict_oldest_not_first_slot(void)
{
	struct dash_sessions *ds = new_or_die(2, TTL);
	char a[DASH_TOKEN_HEX + 1], b[DASH_TOKEN_HEX + 1], c[DASH_TOKEN_HEX + 1];
	char d[DASH_TOKEN_HEX + 1], x[DASH_TOKEN_HEX + 1];

	CHECK_INT(dash_session_create(ds, T0, a, x), 0);       /* slot 0 */
	CHECK_INT(dash_session_create(ds, T0 + 1, b, x), 0);   /* slot 1 */
	CHECK_INT(dash_session_create(ds, T0 + 2, c, x), 0);   /* evicts a: slot 0 */
	CHECK_INT(dash_session_create(ds, T0 + 3, d, x), 0);   /* evicts b: slot 1 */
	CHECK(!dash_session_check(ds, a, T0 + 3, NULL, NULL));
	CHECK(!dash_session_check(ds, b, T0 + 3, NULL, NULL));
	CHECK(dash_session_check(ds, c, T0 + 3, NULL, NULL));
	CHECK(dash_session_check(ds, d, T0 + 3, NULL, NULL));
	dash_sessions_free(ds);
	return 0;
}

/* An expired slot is reused before any live one is evicted. */
static int
t_expired_slot_reused(void)
{
	struct dash_sessions *ds = new_or_die(2, 1000);
	char a[DASH_TOKEN_HEX + 1], b[DASH_TOKEN_HEX + 1], c[DASH_TOKEN_HEX + 1];
	char x[DASH_TOKEN_HEX + 1];

	CHECK_INT(dash_session_create(ds, T0, a, x), 0);          /* ends T0 + 1000 */
	CHECK_INT(dash_session_create(ds, T0 + 900, b, x), 0);    /* ends T0 + 1900 */
	CHECK_INT(dash_session_count(ds, T0 + 999), 2);
	CHECK_INT(dash_session_count(ds, T0 + 1000), 1);
	CHECK_INT(dash_session_create(ds, T0 + 1000, c, x), 0);
	CHECK(dash_session_check(ds, b, T0 + 1000, NULL, NULL));
	CHECK(dash_session_check(ds, c, T0 + 1000, NULL, NULL));
	CHECK_INT(dash_session_count(ds, T0 + 1000), 2);
	CHECK_INT(dash_session_count(ds, T0 + 1900), 1);
	CHECK_INT(dash_session_count(ds, T0 + 2000), 0);
	dash_sessions_free(ds);
	return 0;
}

static int
t_count(void)
{
	struct dash_sessions *ds = new_or_die(8, TTL);
	char id[DASH_TOKEN_HEX + 1], x[DASH_TOKEN_HEX + 1];

	CHECK_INT(dash_session_count(ds, T0), 0);
	for (int i = 0; i < 5; i++)
		CHECK_INT(dash_session_create(ds, T0 + i * 1000, id, x), 0);
	CHECK_INT(dash_session_count(ds, T0 + 4000), 5);
	CHECK_INT(dash_session_count(ds, T0 + TTL), 4);
	CHECK_INT(dash_session_count(ds, T0 + TTL + 2000), 2);
	CHECK_INT(dash_session_count(ds, T0 + TTL + 4000), 0);
	dash_sessions_free(ds);
	return 0;
}

static int
t_login_throttle(void)
{
	struct dash_sessions *ds = new_or_die(4, TTL);
	int64_t t = T0;

	CHECK(dash_login_allowed(ds, t));
	/* DASH_LOGIN_BURST - 1 failures: still allowed */
	for (int i = 0; i < DASH_LOGIN_BURST - 1; i++) {
		CHECK(dash_login_allowed(ds, t + i));
		dash_login_failed(ds, t + i);
	}
	CHECK(dash_login_allowed(ds, t + DASH_LOGIN_BURST));
	dash_login_failed(ds, t + DASH_LOGIN_BURST);
	/* the tenth: refused for the rest of the window, right or wrong */
	CHECK(!dash_login_allowed(ds, t + DASH_LOGIN_BURST));
	CHECK(!dash_login_allowed(ds, t + 1000));
	CHECK(!dash_login_allowed(ds, t + DASH_LOGIN_WINDOW_MS - 1));
	/* the window began at the first failure, t */
	CHECK(dash_login_allowed(ds, t + DASH_LOGIN_WINDOW_MS));

	/* a fresh window: one failure does not refuse */
	dash_login_failed(ds, t + DASH_LOGIN_WINDOW_MS + 1);
	CHECK(dash_login_allowed(ds, t + DASH_LOGIN_WINDOW_MS + 2));
	dash_sessions_free(ds);
	return 0;
}

/* Failures spread wider than a window never add up to a refusal. */
static int
t_login_slow_failures(void)
{
	struct dash_sessions *ds = new_or_die(4, TTL);

	for (int i = 0; i < 3 * DASH_LOGIN_BURST; i++) {
		int64_t t = T0 + (int64_t)i * (DASH_LOGIN_WINDOW_MS / 4);
		CHECK(dash_login_allowed(ds, t));
		dash_login_failed(ds, t);
	}
	dash_sessions_free(ds);
	return 0;
}

/* The throttle and the sessions are separate: a refused login keeps sessions. */
static int
t_login_throttle_keeps_sessions(void)
{
	struct dash_sessions *ds = new_or_die(4, TTL);
	char id[DASH_TOKEN_HEX + 1], csrf[DASH_TOKEN_HEX + 1];

	CHECK_INT(dash_session_create(ds, T0, id, csrf), 0);
	for (int i = 0; i < DASH_LOGIN_BURST; i++)
		dash_login_failed(ds, T0 + 1);
	CHECK(!dash_login_allowed(ds, T0 + 2));
	CHECK(dash_session_check(ds, id, T0 + 2, NULL, NULL));
	CHECK(dash_session_csrf_ok(ds, id, csrf, T0 + 2));
	dash_sessions_free(ds);
	return 0;
}

int
main(void)
{
	RUN(t_new_args);
	RUN(t_create_shape);
	RUN(t_check);
	RUN(t_csrf_ok);
	RUN(t_end);
	RUN(t_evict_oldest);
	RUN(t_evict_oldest_not_first_slot);
	RUN(t_expired_slot_reused);
	RUN(t_count);
	RUN(t_login_throttle);
	RUN(t_login_slow_failures);
	RUN(t_login_throttle_keeps_sessions);
	return check_done();
}
