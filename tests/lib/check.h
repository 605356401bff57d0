/*
 * check.h: the unit-test harness every tests/unit/test_*.c uses.
 *
 * Each case runs in a forked child under alarm(), so a crash or a hang fails
 * that case only (BIRD birdtest). Checks print both sides ("got 3, want 4",
 * libuv task.h). The program ends with the line "N passed, N failed" and
 * exits non-zero when anything failed.
 *
 *   static int t_parse(void) { CHECK_INT(parse("x"), 0); return 0; }
 *   int main(void) { RUN(t_parse); return check_done(); }
 *
 * A case returns 0 on success; the CHECK macros return 1 from it on failure.
 */
#ifndef CDN_CHECK_H
#define CDN_CHECK_H

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "  %s:%d: check failed: %s\n",     \
			    __FILE__, __LINE__, #cond);                    \
			return 1;                                          \
		}                                                          \
	} while (0)

#define CHECK_INT(got, want)                                               \
	do {                                                               \
		long long g_ = (long long)(got), w_ = (long long)(want);   \
		if (g_ != w_) {                                            \
			fprintf(stderr, "  %s:%d: %s: got %lld, want %lld\n", \
			    __FILE__, __LINE__, #got, g_, w_);             \
			return 1;                                          \
		}                                                          \
	} while (0)

#define CHECK_STR(got, want)                                               \
	do {                                                               \
		const char *g_ = (got), *w_ = (want);                      \
		if (g_ == NULL || w_ == NULL || strcmp(g_, w_) != 0) {     \
			fprintf(stderr, "  %s:%d: %s: got \"%s\", want \"%s\"\n", \
			    __FILE__, __LINE__, #got, g_ ? g_ : "(null)",  \
			    w_ ? w_ : "(null)");                           \
			return 1;                                          \
		}                                                          \
	} while (0)

#define CHECK_MEM(got, want, n)                                            \
	do {                                                               \
		if (memcmp((got), (want), (n)) != 0) {                     \
			fprintf(stderr, "  %s:%d: %s differs from %s over %zu bytes\n", \
			    __FILE__, __LINE__, #got, #want, (size_t)(n)); \
			return 1;                                          \
		}                                                          \
	} while (0)

static inline void
check_run(const char *name, int (*fn)(void), unsigned timeout_s)
{
	pid_t pid;
	int status = 0, ok;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		alarm(timeout_s);
		_exit(fn() == 0 ? 0 : 1);
	}
	ok = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0;
	if (ok) {
		check_passed++;
		printf("ok   %s\n", name);
	} else {
		check_failed++;
		if (pid > 0 && WIFSIGNALED(status))
			printf("FAIL %s (signal %d%s)\n", name, WTERMSIG(status),
			    WTERMSIG(status) == SIGALRM ? ": timed out" : "");
		else
			printf("FAIL %s\n", name);
	}
	fflush(stdout);
}

#define RUN(fn) check_run(#fn, fn, 20)
#define RUN_TIMEOUT(fn, s) check_run(#fn, fn, (s))

static inline int
check_done(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
