/*
 * fuzz_conf: conf_load_text on arbitrary text, conf_set of arbitrary values
 * for every type, and conf_split_addr.
 *
 * Oracle beyond "no crash": whenever a config is accepted, its dump must
 * load back without error to equal values, and dump again to the same
 * text (the round trip conf.h promises). A difference aborts.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

struct fcfg {
	char *s1, *s2, *a1, *a2;
	long long i1, i2;
	uint64_t z1, z2;
	long long m1, m2;
	int b, e;
	struct conf_list l1, l2;
};

#define O(f) offsetof(struct fcfg, f)
static const struct conf_desc fdesc[] = {
	{ "name", CONF_STR, O(s1), .def = "cdn", .help = "h" },
	{ "title", CONF_STR, O(s2), .def = NULL },
	{ "listen", CONF_ADDR, O(a1), .def = "0.0.0.0:8080" },
	{ "peer", CONF_ADDR, O(a2), .def = NULL, .required = 1 },
	{ "workers", CONF_INT, O(i1), .def = "4", .min = 1, .max = 64 },
	{ "offset", CONF_INT, O(i2), .def = "-5" },
	{ "seg_max", CONF_SIZE, O(z1), .def = "16M", .min = 65536,
	    .max = 1LL << 30 },
	{ "cache", CONF_SIZE, O(z2), .def = NULL },
	{ "target", CONF_MSEC, O(m1), .def = "2s", .min = 100, .max = 60000 },
	{ "idle", CONF_MSEC, O(m2), .def = "1.5s" },
	{ "tls", CONF_BOOL, O(b), .def = "no" },
	{ "mode", CONF_ENUM, O(e), .def = "fmp4", .choices = "ts|fmp4|cmaf" },
	{ "tags", CONF_STRLIST, O(l1), .def = NULL },
	{ "peers", CONF_STRLIST, O(l2), .def = "a" },
};
#define NF (sizeof(fdesc) / sizeof(fdesc[0]))

static char *
dump(const struct fcfg *c, int verbose, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (f == NULL)
		abort();
	conf_dump(fdesc, NF, c, f, verbose);
	fclose(f);
	return text;
}

static void
check_roundtrip(const struct fcfg *a, int verbose)
{
	char err[CONF_ERRLEN];
	struct fcfg b;
	char *t1, *t2;
	size_t l1, l2;

	t1 = dump(a, verbose, &l1);
	memset(&b, 0, sizeof(b));
	if (conf_defaults(fdesc, NF, &b, err) != 0)
		abort();
	if (conf_load_text(fdesc, NF, &b, "dump", t1, l1, err) != 0) {
		fprintf(stderr, "dump does not load: %s\n%s", err, t1);
		abort();
	}
	t2 = dump(&b, verbose, &l2);
	if (l1 != l2 || memcmp(t1, t2, l1) != 0) {
		fprintf(stderr, "dump differs on reload:\n%s---\n%s", t1, t2);
		abort();
	}
	free(t1);
	free(t2);
	conf_free(fdesc, NF, &b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char err[CONF_ERRLEN], host[64];
	struct fcfg c;
	char *s;
	size_t i;
	int port, rc;

	/* 1: the whole input as a file */
	memset(&c, 0, sizeof(c));
	if (conf_defaults(fdesc, NF, &c, err) != 0)
		abort();
	rc = conf_load_text(fdesc, NF, &c, "fuzz", (const char *)d, n, err);
	if (rc == 0) {
		(void)conf_check_required(fdesc, NF, &c, err);
		check_roundtrip(&c, 0);
		check_roundtrip(&c, 1);
	} else if (strlen(err) >= CONF_ERRLEN) {
		abort();
	}
	conf_free(fdesc, NF, &c);

	/* 2: the input (to its first NUL) as a -o value for every key */
	if (n > 4096)
		return 0;
	s = malloc(n + 1);
	if (s == NULL)
		return 0;
	memcpy(s, d, n);
	s[n] = '\0';
	memset(&c, 0, sizeof(c));
	if (conf_defaults(fdesc, NF, &c, err) != 0)
		abort();
	for (i = 0; i < NF; i++)
		(void)conf_set(fdesc, NF, &c, fdesc[i].name, s, "-o", err);
	check_roundtrip(&c, 0);
	conf_free(fdesc, NF, &c);

	/* 3: the same string as an address */
	if (conf_split_addr(s, host, sizeof(host), &port) == 0 &&
	    (port < 0 || port > 65535 || strlen(host) >= sizeof(host)))
		abort();
	free(s);
	return 0;
}
