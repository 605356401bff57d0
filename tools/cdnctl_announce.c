/*
 * cdnctl_announce: the commands that talk to cdn-announce over its local
 * control socket (docs/announce.md): drain, undrain, announce status,
 * blackhole add / del. One command line goes out, one JSON line comes
 * back (bounded: 1 MiB, 5 s); the reply is parsed with the shared bounded
 * reader and printed for people, or as is with --json.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "buf.h"
#include "cdnctl_announce.h"
#include "ctl_client.h"
#include "json_read.h"

#define REPLY_MAX (1u << 20)
#define REPLY_TIMEOUT_MS 5000

/* Send line, read the reply into b. 0, or 1 with a message printed. */
static int
exchange(const char *sock, const char *line, struct buf *b)
{
	char err[256];

	if (ctl_exchange(sock, line, b, REPLY_TIMEOUT_MS, err, sizeof(err)) != 0) {
		fprintf(stderr, "cdnctl: %s%s\n", err,
		    strncmp(err, "cannot reach", 12) == 0 ?
		    " (is it running? --announce-socket PATH)" : "");
		return 1;
	}
	return 0;
}

/* Seconds from "90", "90s", "10m", "2h", "1d". -1 when bad. */
static long long
duration_s(const char *s)
{
	char *end;
	long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtoll(s, &end, 10);
	if (v <= 0 || v > 86400LL * 30)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return v;
	if (strcmp(end, "m") == 0)
		return v * 60 <= 86400LL * 30 ? v * 60 : -1;
	if (strcmp(end, "h") == 0)
		return v * 3600 <= 86400LL * 30 ? v * 3600 : -1;
	if (strcmp(end, "d") == 0)
		return v <= 30 ? v * 86400 : -1;
	return -1;
}

/* Strip control bytes from peer text before it reaches a terminal. */
static void
put_clean(const char *s)
{
	for (; s && *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void
print_status(const struct jv *d)
{
	const struct jv *peers = jv_get(d, "peers"), *pf = jv_get(d, "prefixes");
	const struct jv *bh = jv_get(d, "blackholes"), *hl = jv_get(d, "health");
	const struct jv *v;
	int64_t x;

	const struct jv *an = jv_get(d, "announced"), *he = jv_get(d, "healthy");

	v = jv_get(d, "draining");
	printf("announced: %s   healthy: %s   draining: %s (%s)\n",
	    an && an->b ? "yes" : "no", he && he->b ? "yes" : "no", v && v->b ? "yes" : "no",
	    jv_str(d, "drain_phase") ? jv_str(d, "drain_phase") : "?");
	printf("prefixes:");
	for (size_t i = 0; pf && pf->t == JV_ARR && i < pf->n; i++) {
		putchar(' ');
		put_clean(pf->kid[i].s);
	}
	printf("\n\n%-40s %-8s %-12s %8s %9s  %s\n", "PEER", "AS", "STATE", "UPTIME",
	    "PREFIXES", "LAST ERROR");
	for (size_t i = 0; peers && peers->t == JV_ARR && i < peers->n; i++) {
		const struct jv *p = &peers->kid[i];
		int64_t as = 0, up = 0, np = 0;
		jv_int(p, "remote_as", &as);
		jv_int(p, "uptime_s", &up);
		jv_int(p, "prefixes_announced", &np);
		printf("%-40.40s %-8lld %-12.12s %7llds %9lld  ", jv_str(p, "peer") ?
		    jv_str(p, "peer") : "?", (long long)as, jv_str(p, "state") ?
		    jv_str(p, "state") : "?", (long long)up, (long long)np);
		put_clean(jv_str(p, "last_error") ? jv_str(p, "last_error") : "-");
		putchar('\n');
	}
	if (bh && bh->t == JV_ARR && bh->n) {
		printf("\nblackholes:\n");
		for (size_t i = 0; i < bh->n; i++) {
			x = 0;
			jv_int(&bh->kid[i], "expires_in_s", &x);
			printf("  ");
			put_clean(jv_str(&bh->kid[i], "prefix"));
			printf("  expires in %llds\n", (long long)x);
		}
	}
	if (hl && hl->t == JV_ARR && hl->n) {
		printf("\nrecent health checks (newest first):");
		for (size_t i = 0; i < hl->n; i++) {
			const struct jv *ok = jv_get(&hl->kid[i], "ok");
			printf(" %s", ok && ok->b ? "ok" : "FAIL");
		}
		printf("  (last: ");
		put_clean(jv_str(&hl->kid[0], "detail"));
		printf(")\n");
	}
}

int
cdnctl_announce_run(const char *const *pos, int n_pos, const char *sock, const char *for_dur,
    bool json)
{
	char line[600];
	struct buf b;
	struct jv doc = { .t = JV_NULL };
	const struct jv *ok;
	const char *w0 = pos[0], *w1 = n_pos > 1 ? pos[1] : "";
	int rc = 1;
	bool is_status = false;

	if ((strcmp(w0, "drain") == 0 || strcmp(w0, "undrain") == 0) && n_pos == 1) {
		snprintf(line, sizeof(line), "%s\n", w0);
	} else if (strcmp(w0, "announce") == 0 && strcmp(w1, "status") == 0 && n_pos == 2) {
		snprintf(line, sizeof(line), "status\n");
		is_status = true;
	} else if (strcmp(w0, "blackhole") == 0 && strcmp(w1, "add") == 0 && n_pos == 3) {
		long long secs = duration_s(for_dur);
		if (secs < 0) {
			fprintf(stderr, "cdnctl: blackhole add PREFIX --for DURATION "
			    "(e.g. 10m; 1s..30d)\n");
			return CDNCTL_EXIT_USAGE;
		}
		if (strlen(pos[2]) > 64 || strpbrk(pos[2], " \t\r\n")) {
			fprintf(stderr, "cdnctl: bad prefix\n");
			return CDNCTL_EXIT_USAGE;
		}
		snprintf(line, sizeof(line), "blackhole add %s %lld\n", pos[2], secs);
	} else if (strcmp(w0, "blackhole") == 0 && strcmp(w1, "del") == 0 && n_pos == 3) {
		if (strlen(pos[2]) > 64 || strpbrk(pos[2], " \t\r\n")) {
			fprintf(stderr, "cdnctl: bad prefix\n");
			return CDNCTL_EXIT_USAGE;
		}
		snprintf(line, sizeof(line), "blackhole del %s\n", pos[2]);
	} else {
		fprintf(stderr, "cdnctl: usage: drain | undrain | announce status | "
		    "blackhole add PREFIX --for DURATION | blackhole del PREFIX\n");
		return CDNCTL_EXIT_USAGE;
	}
	buf_init(&b, REPLY_MAX);
	if (exchange(sock, line, &b) != 0)
		goto out;
	if (json_read_parse(&doc, b.data, b.len, NULL) != 0 || doc.t != JV_OBJ) {
		fprintf(stderr, "cdnctl: cdn-announce sent a reply that is not JSON\n");
		goto out;
	}
	ok = jv_get(&doc, "ok");
	if (ok && ok->t == JV_BOOL && !ok->b) {
		fprintf(stderr, "cdnctl: cdn-announce: ");
		put_clean(jv_str(&doc, "error") ? jv_str(&doc, "error") : "refused");
		fputc('\n', stderr);
		goto out;
	}
	if (json)
		fwrite(b.data, 1, b.len, stdout);
	else if (is_status)
		print_status(&doc);
	else
		printf("%s\n", jv_str(&doc, "result") ? jv_str(&doc, "result") : "ok");
	rc = 0;
out:
	jv_fini(&doc);
	buf_fini(&b);
	return rc;
}
