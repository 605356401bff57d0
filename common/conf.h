/*
 * conf: one table-driven config format for every daemon.
 *
 * The file is a list of lines "key value"; '#' starts a comment at the start
 * of a line or after white space; a value may be written in double quotes
 * (with \" and \\ escapes) to keep '#' or outer spaces. Each daemon describes
 * its settings in one table of struct conf_desc (nginx ngx_command_t, Redis
 * standardConfig): parsing, defaults, range checks and printing are generic.
 * Unknown keys, duplicates (except for lists), bad units and out-of-range
 * values are errors that name the file and line. conf_dump prints the
 * normalized config, which conf_load_file reads back to the same values
 * (`-t` prints it; tests feed it back).
 *
 * Units: CONF_SIZE takes bytes with an optional K, M or G suffix (powers of
 * 1024); CONF_MSEC takes a number with ms, s, m, h or d (a bare number is
 * seconds; printed in the largest unit up to h).
 */
#ifndef CDN_CONF_H
#define CDN_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum conf_type {
	CONF_STR,     /* char *, owned */
	CONF_INT,     /* long long, within [min, max] */
	CONF_SIZE,    /* uint64_t bytes, within [min, max] */
	CONF_MSEC,    /* long long milliseconds, within [min, max] */
	CONF_BOOL,    /* int 0 or 1: yes/no, on/off, true/false, 1/0 */
	CONF_ADDR,    /* char *, "host:port", "[v6]:port" or ":port" */
	CONF_ENUM,    /* int index into choices, "a|b|c" */
	CONF_STRLIST, /* struct conf_list: the key may repeat; each adds one */
};

struct conf_list {
	char **v;
	size_t n;
};

struct conf_desc {
	const char *name;
	enum conf_type type;
	size_t offset;        /* offsetof(struct cfg, field) */
	const char *def;      /* default as text; NULL: unset (empty) */
	long long min, max;   /* for INT, SIZE, MSEC when max > min */
	const char *choices;  /* for ENUM */
	int required;
	const char *help;     /* one line, printed by conf_dump as a comment */
};

#define CONF_ERRLEN 256

/* Set every field to its default. cfg must be zeroed first. */
int conf_defaults(const struct conf_desc *d, size_t n, void *cfg, char *err);
/* Apply one "key value"; what is the origin for messages ("file:12", "-o"). */
int conf_set(const struct conf_desc *d, size_t n, void *cfg, const char *key,
    const char *value, const char *what, char *err);
/* Read a file over the defaults. Returns 0 or -1 with err filled. */
int conf_load_file(const struct conf_desc *d, size_t n, void *cfg,
    const char *path, char *err);
/* Parse from memory (for tests and fuzzing); name is used in messages. */
int conf_load_text(const struct conf_desc *d, size_t n, void *cfg,
    const char *name, const char *text, size_t len, char *err);
/* After loading: every required key must be set. */
int conf_check_required(const struct conf_desc *d, size_t n, const void *cfg,
    char *err);
/* Print normalized "key value" lines, with help as comments when verbose. */
void conf_dump(const struct conf_desc *d, size_t n, const void *cfg, FILE *f,
    int verbose);
void conf_free(const struct conf_desc *d, size_t n, void *cfg);

/* Parse "host:port" into parts; host may be empty (any). 0 or -EINVAL. */
int conf_split_addr(const char *addr, char *host, size_t hostlen, int *port);

#endif
