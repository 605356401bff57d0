/*
 * test_conf: the table-driven config parser (common/conf.c).
 *
 * A sample table holds every type, with and without defaults and ranges.
 * Cases: defaults, each type's accepted and refused spellings, every error
 * message (exact text, with file and line), CRLF, comments, quotes and
 * escapes, lists, -o overrides, required keys, addresses, the size limits
 * (line, file, NUL) and the dump round trip (dump -> load -> equal values,
 * and a second dump identical to the first) for every type.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"

struct tcfg {
	char *name;
	char *title;
	char *listen;
	char *peer;
	long long workers;
	long long offset;
	uint64_t seg_max;
	uint64_t cache;
	long long target;
	long long idle;
	int tls;
	int mode;
	struct conf_list tags;
	struct conf_list peers;
};

#define O(f) offsetof(struct tcfg, f)
static const struct conf_desc tdesc[] = {
	{ "name", CONF_STR, O(name), .def = "cdn", .help = "instance name" },
	{ "title", CONF_STR, O(title), .help = "unset by default" },
	{ "listen", CONF_ADDR, O(listen), .def = "0.0.0.0:8080" },
	{ "peer", CONF_ADDR, O(peer), .required = 1, .help = "upstream" },
	{ "workers", CONF_INT, O(workers), .def = "4", .min = 1, .max = 64 },
	{ "offset", CONF_INT, O(offset), .def = "-5" },
	{ "seg_max", CONF_SIZE, O(seg_max), .def = "16M", .min = 65536,
	    .max = 1LL << 30 },
	{ "cache", CONF_SIZE, O(cache), .def = NULL },
	{ "target", CONF_MSEC, O(target), .def = "2s", .min = 100,
	    .max = 60000 },
	{ "idle", CONF_MSEC, O(idle), .def = "1.5s" },
	{ "tls", CONF_BOOL, O(tls), .def = "no" },
	{ "mode", CONF_ENUM, O(mode), .def = "fmp4",
	    .choices = "ts|fmp4|cmaf" },
	{ "tags", CONF_STRLIST, O(tags), .def = NULL },
	{ "peers", CONF_STRLIST, O(peers), .def = "a", .help = "list" },
};
#define NT (sizeof(tdesc) / sizeof(tdesc[0]))

static char err[CONF_ERRLEN];

static int
fresh(struct tcfg *c)
{
	memset(c, 0, sizeof(*c));
	err[0] = '\0';
	return conf_defaults(tdesc, NT, c, err);
}

static int
load(struct tcfg *c, const char *text)
{
	return conf_load_text(tdesc, NT, c, "t.conf", text, strlen(text), err);
}

/* Field-by-field comparison driven by the table; prints the first diff. */
static int
cfg_equal(const struct tcfg *a, const struct tcfg *b)
{
	size_t i, j;

	for (i = 0; i < NT; i++) {
		const char *pa = (const char *)a + tdesc[i].offset;
		const char *pb = (const char *)b + tdesc[i].offset;
		const char *sa, *sb;
		const struct conf_list *la, *lb;
		int same = 1;

		switch (tdesc[i].type) {
		case CONF_STR:
		case CONF_ADDR:
			sa = *(char *const *)pa;
			sb = *(char *const *)pb;
			same = (sa == NULL) == (sb == NULL) &&
			    (sa == NULL || strcmp(sa, sb) == 0);
			break;
		case CONF_INT:
		case CONF_MSEC:
			same = *(const long long *)pa == *(const long long *)pb;
			break;
		case CONF_SIZE:
			same = *(const uint64_t *)pa == *(const uint64_t *)pb;
			break;
		case CONF_BOOL:
		case CONF_ENUM:
			same = *(const int *)pa == *(const int *)pb;
			break;
		case CONF_STRLIST:
			la = (const struct conf_list *)pa;
			lb = (const struct conf_list *)pb;
			same = la->n == lb->n;
			for (j = 0; same && j < la->n; j++)
				same = strcmp(la->v[j], lb->v[j]) == 0;
			break;
		}
		if (!same) {
			fprintf(stderr, "  field %s differs\n", tdesc[i].name);
			return 0;
		}
	}
	return 1;
}

static char *
dump(const struct tcfg *c, int verbose)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return NULL;
	conf_dump(tdesc, NT, c, f, verbose);
	fclose(f);
	return text;
}

static int
t_defaults(void)
{
	struct tcfg c;

	CHECK_INT(fresh(&c), 0);
	CHECK_STR(c.name, "cdn");
	CHECK(c.title == NULL);
	CHECK_STR(c.listen, "0.0.0.0:8080");
	CHECK(c.peer == NULL);
	CHECK_INT(c.workers, 4);
	CHECK_INT(c.offset, -5);
	CHECK_INT(c.seg_max, 16 << 20);
	CHECK_INT(c.cache, 0);
	CHECK_INT(c.target, 2000);
	CHECK_INT(c.idle, 1500);
	CHECK_INT(c.tls, 0);
	CHECK_INT(c.mode, 1);
	CHECK_INT(c.tags.n, 0);
	CHECK_INT(c.peers.n, 1);
	CHECK_STR(c.peers.v[0], "a");
	conf_free(tdesc, NT, &c);
	CHECK(c.name == NULL && c.listen == NULL && c.peers.v == NULL);
	CHECK_INT(c.peers.n, 0);
	return 0;
}

static int
t_bad_default(void)
{
	static const struct conf_desc bad[] = {
		{ "n", CONF_INT, 0, .def = "4x" },
	};
	long long v = 0;

	CHECK_INT(conf_defaults(bad, 1, &v, err), -EINVAL);
	CHECK_STR(err, "default: n: '4x' is not an integer");
	return 0;
}

/* Each value is set with conf_set on key and read back from its field. */
static const struct num_case {
	const char *key, *value;
	int ok;
	long long want;  /* for SIZE compared as uint64_t */
} num_cases[] = {
	{ "workers", "1", 1, 1 },
	{ "workers", "64", 1, 64 },
	{ "workers", "+7", 1, 7 },
	{ "workers", "0", 0, 0 },
	{ "workers", "65", 0, 0 },
	{ "workers", "", 0, 0 },
	{ "workers", "4 ", 0, 0 },
	{ "workers", "0x10", 0, 0 },
	{ "offset", "-9223372036854775808", 1, LLONG_MIN },
	{ "offset", "9223372036854775807", 1, LLONG_MAX },
	{ "offset", "9223372036854775808", 0, 0 },
	{ "offset", "-9223372036854775809", 0, 0 },
	{ "offset", "-", 0, 0 },
	{ "seg_max", "65536", 1, 65536 },
	{ "seg_max", "64K", 1, 65536 },
	{ "seg_max", "64k", 1, 65536 },
	{ "seg_max", "64KiB", 1, 65536 },
	{ "seg_max", "2M", 1, 2 << 20 },
	{ "seg_max", "2MiB", 1, 2 << 20 },
	{ "seg_max", "1G", 1, 1 << 30 },
	{ "seg_max", "1gib", 1, 1 << 30 },
	{ "seg_max", "65535", 0, 0 },
	{ "seg_max", "1025M", 0, 0 },
	{ "seg_max", "16 M", 0, 0 },
	{ "seg_max", "16MB", 0, 0 },
	{ "seg_max", "1.5M", 0, 0 },
	{ "seg_max", "-1", 0, 0 },
	{ "cache", "0", 1, 0 },
	{ "cache", "17179869183G", 1, (long long)(17179869183ULL << 30) },
	{ "cache", "17179869184G", 0, 0 },
	{ "cache", "18446744073709551615", 1, -1 },  /* UINT64_MAX */
	{ "cache", "18446744073709551616", 0, 0 },
	{ "cache", "99999999999999999999G", 0, 0 },
	{ "target", "100ms", 1, 100 },
	{ "target", "1", 1, 1000 },
	{ "target", "1.5s", 1, 1500 },
	{ "target", "1.50", 1, 1500 },
	{ "target", "0.25s", 1, 250 },
	{ "target", "1m", 1, 60000 },
	{ "target", "0.5m", 1, 30000 },
	{ "target", "0.001h", 1, 3600 },
	{ "target", "99ms", 0, 0 },
	{ "target", "61s", 0, 0 },
	{ "target", "1.0005s", 0, 0 },
	{ "target", "1.5ms", 0, 0 },
	{ "target", ".5s", 0, 0 },
	{ "target", "1.s", 0, 0 },
	{ "target", "3x", 0, 0 },
	{ "target", "1S", 0, 0 },
	{ "target", "1 s", 0, 0 },
	{ "target", "-1s", 0, 0 },
	{ "idle", "0", 1, 0 },
	{ "idle", "2h", 1, 7200000 },
	{ "idle", "7d", 1, 7LL * 86400000 },
	{ "idle", "1.5d", 1, 129600000 },
	{ "idle", "106751991167d", 1, 106751991167LL * 86400000 },
	{ "idle", "106751991168d", 0, 0 },
	{ "idle", "1D", 0, 0 },
	{ "idle", "1.5000000000000s", 1, 1500 },
	{ "idle", "0.0000000001h", 0, 0 },
	{ "idle", "9223372036854775807ms", 1, LLONG_MAX },
	{ "idle", "9223372036854775808ms", 0, 0 },
	{ "idle", "9223372036854775s", 1, 9223372036854775000LL },
	{ "idle", "9223372036854776s", 0, 0 },
	{ "idle", "2562047788015h", 1, 2562047788015LL * 3600000 },
	{ "idle", "2562047788016h", 0, 0 },
	{ "idle", "99999999999999999999h", 0, 0 },
	{ "tls", "yes", 1, 1 },
	{ "tls", "on", 1, 1 },
	{ "tls", "TRUE", 1, 1 },
	{ "tls", "1", 1, 1 },
	{ "tls", "no", 1, 0 },
	{ "tls", "Off", 1, 0 },
	{ "tls", "false", 1, 0 },
	{ "tls", "0", 1, 0 },
	{ "tls", "2", 0, 0 },
	{ "tls", "y", 0, 0 },
	{ "tls", "", 0, 0 },
	{ "mode", "ts", 1, 0 },  /* differs from the poison */
	{ "mode", "fmp4", 1, 1 },
	{ "mode", "cmaf", 1, 2 },
	{ "mode", "TS", 0, 0 },
	{ "mode", "fmp", 0, 0 },
	{ "mode", "", 0, 0 },
	{ "mode", "ts|fmp4", 0, 0 },
};

/* Read or write the numeric field of table entry k as a long long. */
static long long
num_get(const struct tcfg *c, size_t k)
{
	const char *p = (const char *)c + tdesc[k].offset;

	if (tdesc[k].type == CONF_SIZE)
		return (long long)*(const uint64_t *)p;
	if (tdesc[k].type == CONF_INT || tdesc[k].type == CONF_MSEC)
		return *(const long long *)p;
	return *(const int *)p;
}

static void
num_put(struct tcfg *c, size_t k, int v)
{
	char *p = (char *)c + tdesc[k].offset;

	if (tdesc[k].type == CONF_SIZE)
		*(uint64_t *)p = (uint64_t)v;
	else if (tdesc[k].type == CONF_INT || tdesc[k].type == CONF_MSEC)
		*(long long *)p = v;
	else
		*(int *)p = v;
}

static int
t_values(void)
{
	size_t i, k;
	int failed = 0;

	for (i = 0; i < sizeof(num_cases) / sizeof(num_cases[0]); i++) {
		const struct num_case *t = &num_cases[i];
		struct tcfg c, before;
		long long got;
		int rc;

		if (fresh(&c) != 0)
			return 1;
		k = 0;
		while (strcmp(tdesc[k].name, t->key) != 0)
			k++;
		/* Poison the field so a "success" that writes nothing shows. */
		num_put(&c, k, 12345);
		before = c;
		rc = conf_set(tdesc, NT, &c, t->key, t->value, "-o", err);
		got = num_get(&c, k);
		if (t->ok && (rc != 0 || got != t->want)) {
			fprintf(stderr, "  %s '%s': got rc %d value %lld, "
			    "want %lld (%s)\n", t->key, t->value, rc, got,
			    t->want, err);
			failed = 1;
		}
		if (!t->ok && (rc != -EINVAL || err[0] == '\0' ||
		    memcmp(&c, &before, sizeof(c)) != 0)) {
			fprintf(stderr, "  %s '%s': got rc %d (value %lld), "
			    "want -EINVAL, cfg untouched\n", t->key, t->value,
			    rc, got);
			failed = 1;
		}
		conf_free(tdesc, NT, &c);
	}
	return failed;
}

/* Exact messages: file, line, key and what to do. */
static const struct err_case {
	const char *text;
	const char *want;
} err_cases[] = {
	{ "target 3x\n",
	    "t.conf:1: target: '3x' is not a duration (use ms, s, m or h)" },
	{ "\n# c\nworkers 3x\n", "t.conf:3: workers: '3x' is not an integer" },
	{ "workers 0\n", "t.conf:1: workers: '0' is out of range (1..64)" },
	{ "offset 99999999999999999999\n",
	    "t.conf:1: offset: '99999999999999999999' is out of range "
	    "(-9223372036854775808..9223372036854775807)" },
	{ "seg_max 12X\n",
	    "t.conf:1: seg_max: '12X' is not a size (use K, M or G)" },
	{ "cache 99999999999999999999G\n",
	    "t.conf:1: cache: '99999999999999999999G' is too large" },
	{ "seg_max 1K\n", "t.conf:1: seg_max: '1K' is out of range (64K..1G)" },
	{ "target 50ms\n", "t.conf:1: target: '50ms' is out of range "
	    "(100ms..1m)" },
	{ "target 1.0005s\n", "t.conf:1: target: '1.0005s' is not a whole "
	    "number of milliseconds" },
	{ "idle 9999999999999999999h\n",
	    "t.conf:1: idle: '9999999999999999999h' is too large" },
	{ "tls maybe\n", "t.conf:1: tls: 'maybe' is not a boolean (use yes/no, "
	    "on/off, true/false or 1/0)" },
	{ "mode mp4\n", "t.conf:1: mode: 'mp4' is not one of ts|fmp4|cmaf" },
	{ "listen h:65536\n",
	    "t.conf:1: listen: 'h:65536' has a port outside 0..65535" },
	{ "listen ::1:80\n", "t.conf:1: listen: '::1:80' is not an address "
	    "(use host:port, [v6]:port or :port)" },
	{ "bogus 1\n", "t.conf:1: unknown key 'bogus'" },
	{ "workers 2\n\nworkers 3\n",
	    "t.conf:3: workers: already set at line 1" },
	{ "name a\nname a\n", "t.conf:2: name: already set at line 1" },
	{ "workers\n",
	    "t.conf:1: missing value (write \"\" for an empty one)" },
	{ "workers   # none\n",
	    "t.conf:1: missing value (write \"\" for an empty one)" },
	{ "name \"abc\n", "t.conf:1: missing closing quote" },
	{ "name \"abc\\\"\n", "t.conf:1: missing closing quote" },
	{ "name \"a\\qb\"\n", "t.conf:1: bad escape (use \\\" or \\\\)" },
	{ "name \"a\" b\n", "t.conf:1: text after the closing quote" },
	{ "name \"a\"#b\n", "t.conf:1: text after the closing quote" },
	{ "name a\x01z\n", "t.conf:1: name: control character in value" },
	{ "name a\rb\n", "t.conf:1: name: control character in value" },
	{ "tls yes\r\nname \"x\x7f\"\r\n",
	    "t.conf:2: name: control character in value" },
	{ "title 0123456789012345678901234567890123456789012345678901234567\n"
	  "title x\n", "t.conf:2: title: already set at line 1" },
	{ "mode 01234567890123456789012345678901234567890123456789\n",
	    "t.conf:1: mode: '01234567890123456789"
	    "0123456789012345678901234567...' is not one of ts|fmp4|cmaf" },
	{ "k0123456789012345678901234567890123456789012345678901234567890123 "
	  "1\n", "t.conf:1: key too long" },
};

static int
t_errors(void)
{
	size_t i;
	int failed = 0;

	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		struct tcfg c;
		int rc;

		if (fresh(&c) != 0)
			return 1;
		rc = load(&c, err_cases[i].text);
		if (rc != -1 || strcmp(err, err_cases[i].want) != 0) {
			fprintf(stderr, "  case %zu: got %d \"%s\",\n"
			    "           want -1 \"%s\"\n", i, rc, err,
			    err_cases[i].want);
			failed = 1;
		}
		conf_free(tdesc, NT, &c);
	}
	return failed;
}

static int
t_limits(void)
{
	static const char nul[] = "tls yes\nname a\0b\n";
	struct tcfg c;
	char *big;
	size_t len;

	CHECK_INT(fresh(&c), 0);
	CHECK_INT(conf_load_text(tdesc, NT, &c, "t.conf", nul, sizeof(nul) - 1,
	    err), -1);
	CHECK_STR(err, "t.conf:2: NUL byte");
	CHECK_INT(c.tls, 1);  /* line 1 applied before the error */

	/* A 4096-byte line (plus CR LF) is fine; 4097 is not. */
	big = malloc(2 * 1024 * 1024);
	CHECK(big != NULL);
	len = (size_t)snprintf(big, 64, "# x\ntitle ");
	memset(big + len, 'v', 4096 - 6);
	len += 4096 - 6;
	memcpy(big + len, "\r\n", 2);
	len += 2;
	CHECK_INT(conf_load_text(tdesc, NT, &c, "t.conf", big, len, err), 0);
	CHECK_INT(strlen(c.title), 4090);
	conf_free(tdesc, NT, &c);
	CHECK_INT(fresh(&c), 0);
	big[len - 2] = 'v';  /* the line is now 4097 bytes, then LF */
	CHECK_INT(conf_load_text(tdesc, NT, &c, "t.conf", big, len, err), -1);
	CHECK_STR(err, "t.conf:2: line longer than 4096 bytes");

	/* 1 MiB of comment lines is fine; one more byte is not. */
	memset(big, '\n', 1024 * 1024 + 1);
	CHECK_INT(conf_load_text(tdesc, NT, &c, "t.conf", big, 1024 * 1024,
	    err), 0);
	CHECK_INT(conf_load_text(tdesc, NT, &c, "t.conf", big, 1024 * 1024 + 1,
	    err), -1);
	CHECK_STR(err, "t.conf: larger than 1048576 bytes");
	free(big);
	conf_free(tdesc, NT, &c);
	return 0;
}

static int
t_syntax(void)
{
	static const char text[] =
	    "\xef\xbb\xbf# comment\r\n"
	    "   # indented comment\r\n"
	    "\r\n"
	    "  name \t \"  a # b \\\"q\\\" \\\\ \"  # trailing\r\n"
	    "workers 8 # eight\r\n"
	    "title x#y  \r\n"
	    "\ttags one\r\n"
	    "tags two  words\t# c\r\n"
	    "tags \"#three\"\r\n"
	    "listen [::1]:443\r\n"
	    "peer :80";  /* no final newline */
	struct tcfg c;

	CHECK_INT(fresh(&c), 0);
	CHECK_INT(load(&c, text), 0);
	CHECK_STR(c.name, "  a # b \"q\" \\ ");
	CHECK_INT(c.workers, 8);
	CHECK_STR(c.title, "x#y");
	CHECK_INT(c.tags.n, 3);
	CHECK_STR(c.tags.v[0], "one");
	CHECK_STR(c.tags.v[1], "two  words");
	CHECK_STR(c.tags.v[2], "#three");
	CHECK_STR(c.listen, "[::1]:443");
	CHECK_STR(c.peer, ":80");
	CHECK_INT(c.target, 2000);  /* untouched default */
	conf_free(tdesc, NT, &c);
	return 0;
}

static int
t_lists(void)
{
	struct tcfg c;

	CHECK_INT(fresh(&c), 0);
	/* the file's first "peers" replaces the default "a" */
	CHECK_INT(load(&c, "peers b\npeers c\n"), 0);
	CHECK_INT(c.peers.n, 2);
	CHECK_STR(c.peers.v[0], "b");
	CHECK_STR(c.peers.v[1], "c");
	/* -o appends to what the file gave */
	CHECK_INT(conf_set(tdesc, NT, &c, "peers", "d", "-o", err), 0);
	CHECK_INT(c.peers.n, 3);
	CHECK_STR(c.peers.v[2], "d");
	/* "" clears */
	CHECK_INT(conf_set(tdesc, NT, &c, "peers", "", "-o", err), 0);
	CHECK_INT(c.peers.n, 0);
	CHECK(c.peers.v == NULL);
	conf_free(tdesc, NT, &c);

	CHECK_INT(fresh(&c), 0);
	CHECK_INT(load(&c, "peers \"\"\n"), 0);
	CHECK_INT(c.peers.n, 0);
	/* each load replaces a list it names, keeping the rest */
	CHECK_INT(load(&c, "tags x\n"), 0);
	CHECK_INT(load(&c, "tags y\n"), 0);
	CHECK_INT(c.tags.n, 1);
	CHECK_STR(c.tags.v[0], "y");
	conf_free(tdesc, NT, &c);
	return 0;
}

static int
t_override(void)
{
	struct tcfg c;

	CHECK_INT(fresh(&c), 0);
	CHECK_INT(load(&c, "workers 8\nname file\n"), 0);
	CHECK_INT(conf_set(tdesc, NT, &c, "workers", "9", "-o", err), 0);
	CHECK_INT(conf_set(tdesc, NT, &c, "name", "cli", "-o", err), 0);
	CHECK_INT(c.workers, 9);
	CHECK_STR(c.name, "cli");
	CHECK_INT(conf_set(tdesc, NT, &c, "workers", "x", "-o", err), -EINVAL);
	CHECK_STR(err, "-o: workers: 'x' is not an integer");
	CHECK_INT(c.workers, 9);
	CHECK_INT(conf_set(tdesc, NT, &c, "nope", "x", "-o", err), -EINVAL);
	CHECK_STR(err, "-o: unknown key 'nope'");
	CHECK_INT(conf_set(tdesc, NT, &c, "name", "a\nb", "-o", err), -EINVAL);
	CHECK_STR(c.name, "cli");
	conf_free(tdesc, NT, &c);
	return 0;
}

static int
t_required(void)
{
	struct tcfg c;

	CHECK_INT(fresh(&c), 0);
	CHECK_INT(conf_check_required(tdesc, NT, &c, err), -EINVAL);
	CHECK_STR(err, "peer: required, but not set");
	CHECK_INT(load(&c, "peer origin.example:1935\n"), 0);
	CHECK_INT(conf_check_required(tdesc, NT, &c, err), 0);
	conf_free(tdesc, NT, &c);
	return 0;
}

static int
t_file(void)
{
	char path[] = "/tmp/test_conf.XXXXXX", want[CONF_ERRLEN + 64];
	static const char text[] = "workers 2\nworkers 3\n";
	struct tcfg c;
	int fd;

	fd = mkstemp(path);
	CHECK(fd != -1);
	CHECK_INT(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
	close(fd);
	CHECK_INT(fresh(&c), 0);
	CHECK_INT(conf_load_file(tdesc, NT, &c, path, err), -1);
	snprintf(want, sizeof(want), "%s:2: workers: already set at line 1",
	    path);
	CHECK_STR(err, want);
	CHECK_INT(c.workers, 2);
	unlink(path);
	CHECK_INT(conf_load_file(tdesc, NT, &c, path, err), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	CHECK_STR(err, want);
	conf_free(tdesc, NT, &c);
	return 0;
}

static const struct addr_case {
	const char *addr;
	int rc;
	const char *host;
	int port;
} addr_cases[] = {
	{ "0.0.0.0:8080", 0, "0.0.0.0", 8080 },
	{ "origin-1.example.com:1", 0, "origin-1.example.com", 1 },
	{ ":65535", 0, "", 65535 },
	{ "[::1]:443", 0, "::1", 443 },
	{ "[fe80::1%eth0]:80", 0, "fe80::1%eth0", 80 },
	{ "[::ffff:10.0.0.1]:80", 0, "::ffff:10.0.0.1", 80 },
	{ "h:0", 0, "h", 0 },  /* any free port */
	{ ":0", 0, "", 0 },
	{ "h:000080", -EINVAL, NULL, 0 },
	{ "h:65536", -EINVAL, NULL, 0 },
	{ "h:99999999999999999999", -EINVAL, NULL, 0 },
	{ "h:", -EINVAL, NULL, 0 },
	{ "h", -EINVAL, NULL, 0 },
	{ "h:80x", -EINVAL, NULL, 0 },
	{ "h:+80", -EINVAL, NULL, 0 },
	{ "::1:80", -EINVAL, NULL, 0 },
	{ "[::1]80", -EINVAL, NULL, 0 },
	{ "[::1:80", -EINVAL, NULL, 0 },
	{ "[]:80", -EINVAL, NULL, 0 },
	{ "[1:2]:80", -EINVAL, NULL, 0 },
	{ "[::g]:80", -EINVAL, NULL, 0 },
	{ "[fe80::1%]:80", -EINVAL, NULL, 0 },
	{ "ho st:80", -EINVAL, NULL, 0 },
	{ "h/x:80", -EINVAL, NULL, 0 },
	{ "", -EINVAL, NULL, 0 },
};

static int
t_split_addr(void)
{
	size_t i;
	char host[64], tiny[4];
	int port, failed = 0;

	for (i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
		const struct addr_case *t = &addr_cases[i];
		int rc;

		strcpy(host, "junk");
		port = -1;
		rc = conf_split_addr(t->addr, host, sizeof(host), &port);
		if (rc != t->rc || (rc == 0 && (strcmp(host, t->host) != 0 ||
		    port != t->port))) {
			fprintf(stderr, "  '%s': got %d '%s' %d, "
			    "want %d '%s' %d\n",
			    t->addr, rc, host, port, t->rc,
			    t->host ? t->host : "", t->port);
			failed = 1;
		}
	}
	/* a host that does not fit is refused, not cut */
	CHECK_INT(conf_split_addr("abcd:80", tiny, sizeof(tiny), &port),
	    -EINVAL);
	CHECK_INT(conf_split_addr("abc:80", tiny, sizeof(tiny), &port), 0);
	CHECK_STR(tiny, "abc");
	return failed;
}

static int
t_dump_format(void)
{
	static const char want[] =
	    "name cdn\n"
	    "# title (unset)\n"
	    "listen 0.0.0.0:8080\n"
	    "# peer (unset)\n"
	    "workers 4\n"
	    "offset -5\n"
	    "seg_max 16M\n"
	    "cache 0\n"
	    "target 2s\n"
	    "idle 1500ms\n"
	    "tls no\n"
	    "mode fmp4\n"
	    "# tags (empty)\n"
	    "peers a\n";
	static const char want_v_head[] =
	    "# instance name\n"
	    "name cdn\n"
	    "\n"
	    "# unset by default\n"
	    "# title (unset)\n"
	    "\n"
	    "listen 0.0.0.0:8080\n";
	struct tcfg c;
	char *text;

	CHECK_INT(fresh(&c), 0);
	text = dump(&c, 0);
	CHECK_STR(text, want);
	free(text);
	text = dump(&c, 1);
	CHECK(text != NULL);
	CHECK(strncmp(text, want_v_head, strlen(want_v_head)) == 0);
	CHECK(strstr(text, "# one of ts|fmp4|cmaf\nmode fmp4\n") != NULL);
	free(text);

	CHECK_INT(load(&c, "seg_max 1536K\ncache 1537\ntarget 45s\n"
	    "idle 2h\ntls on\nname \"\"\npeers \"\"\ntags \" x\"\n"), 0);
	text = dump(&c, 0);
	CHECK(strstr(text, "\nseg_max 1536K\n") != NULL);
	CHECK(strstr(text, "\ncache 1537\n") != NULL);
	CHECK(strstr(text, "\ntarget 45s\n") != NULL);
	CHECK(strstr(text, "\nidle 2h\n") != NULL);
	CHECK(strstr(text, "\ntls yes\n") != NULL);
	CHECK(strncmp(text, "name \"\"\n", 8) == 0);
	CHECK(strstr(text, "\npeers \"\"\n") != NULL);
	CHECK(strstr(text, "\ntags \" x\"\n") != NULL);
	free(text);
	/* the largest exact unit: 1.5m is 90s, not a fraction */
	CHECK_INT(conf_set(tdesc, NT, &c, "idle", "1.5m", "-o", err), 0);
	text = dump(&c, 0);
	CHECK(strstr(text, "\nidle 90s\n") != NULL);
	free(text);
	conf_free(tdesc, NT, &c);
	return 0;
}

/* Each text is loaded, dumped, reloaded: same values, same dump. */
static const char *const rt_texts[] = {
	"",
	("name \"  a # b \\\"q\\\" \\\\ \"\ntitle \"\"\nlisten [fe80::1%lo]:1\n"
	"peer h:65535\nworkers 64\noffset -9223372036854775808\n"
	"seg_max 1G\ncache 18446744073709551615\ntarget 100ms\nidle 0\n"
	"tls 1\nmode ts\ntags a\ntags \"b c\"\ntags \\x\ntags \"#\"\n"
	"peers \"\"\n"),
	("name \"\\\\\"\ntitle \"\t \"\ncache 1073741824\nidle 1.5m\n"
	"target 1.001s\noffset 9223372036854775807\nmode cmaf\n"
	"seg_max 65537\npeers x\npeers \"\"\n"),
	("name x\"y\ntitle a\tb\nidle 9223372036854775807ms\ncache 3K\n"
	"tags \" \"\ntags \"x \"\npeers a\npeers a\n"),
	"cache 17179869183G\nidle 2562047788015h\nname \xc3\xa9t\xc3\xa9\n",
};

static int
t_roundtrip(void)
{
	size_t i;
	int verbose;

	for (i = 0; i < sizeof(rt_texts) / sizeof(rt_texts[0]); i++) {
		for (verbose = 0; verbose < 2; verbose++) {
			struct tcfg a, b;
			char *d1, *d2;

			CHECK_INT(fresh(&a), 0);
			if (load(&a, rt_texts[i]) != 0) {
				fprintf(stderr, "  text %zu: %s\n", i, err);
				return 1;
			}
			d1 = dump(&a, verbose);
			CHECK(d1 != NULL);
			CHECK_INT(fresh(&b), 0);
			if (load(&b, d1) != 0) {
				fprintf(stderr, "  text %zu dump: %s\n%s", i,
				    err, d1);
				return 1;
			}
			if (!cfg_equal(&a, &b)) {
				fprintf(stderr, "  text %zu: dump reads back "
				    "differently:\n%s", i, d1);
				return 1;
			}
			d2 = dump(&b, verbose);
			CHECK_STR(d2, d1);
			free(d1);
			free(d2);
			conf_free(tdesc, NT, &a);
			conf_free(tdesc, NT, &b);
		}
	}
	return 0;
}

int
main(void)
{
	RUN(t_defaults);
	RUN(t_bad_default);
	RUN(t_values);
	RUN(t_errors);
	RUN(t_limits);
	RUN(t_syntax);
	RUN(t_lists);
	RUN(t_override);
	RUN(t_required);
	RUN(t_file);
	RUN(t_split_addr);
	RUN(t_dump_format);
	RUN(t_roundtrip);
	return check_done();
}
