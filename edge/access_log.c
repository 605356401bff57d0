/*
 * access_log: the per-request log; see access_log.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "access_log.h"
#include "xalloc.h"

static pthread_mutex_t al_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *al_file;
static char *al_path;           /* NULL for stdout */
static bool al_on;

int
access_log_open(const char *where)
{
	int rc = 0;

	pthread_mutex_lock(&al_lock);
	al_on = false;
	if (where == NULL || strcmp(where, "off") == 0 || where[0] == '\0')
		goto out;
	if (strcmp(where, "-") == 0) {
		al_file = stdout;
		al_on = true;
		goto out;
	}
	if ((al_file = fopen(where, "ae")) == NULL) {
		rc = -errno;
		goto out;
	}
	setvbuf(al_file, NULL, _IOLBF, 0);
	al_path = xstrdup(where);
	al_on = true;
out:
	pthread_mutex_unlock(&al_lock);
	return rc;
}

int
access_log_reopen(void)
{
	FILE *nf;
	int rc = 0;

	pthread_mutex_lock(&al_lock);
	if (al_on && al_path) {
		if ((nf = fopen(al_path, "ae")) == NULL) {
			rc = -errno;  /* keep writing to the old file */
		} else {
			setvbuf(nf, NULL, _IOLBF, 0);
			fclose(al_file);
			al_file = nf;
		}
	}
	pthread_mutex_unlock(&al_lock);
	return rc;
}

void
access_log_close(void)
{
	pthread_mutex_lock(&al_lock);
	if (al_on && al_path)
		fclose(al_file);
	else if (al_on)
		fflush(al_file);
	al_file = NULL;
	free(al_path);
	al_path = NULL;
	al_on = false;
	pthread_mutex_unlock(&al_lock);
}

void
access_log_write(const char *client, const char *method, const char *path, unsigned status,
    uint64_t bytes, const char *cache, int64_t dur_us)
{
	char line[1400], ts[32];
	struct timeval tv;
	struct tm tm;
	int n;

	if (!al_on)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ %s \"%s %.1100s\" %u %llu %s %lld.%01lldms\n",
	    ts, (long)(tv.tv_usec / 1000), client, method, path, status,
	    (unsigned long long)bytes, cache, (long long)(dur_us / 1000),
	    (long long)(dur_us % 1000 / 100));
	if (n <= 0)
		return;
	pthread_mutex_lock(&al_lock);
	if (al_on)
		fputs(line, al_file);
	pthread_mutex_unlock(&al_lock);
}
