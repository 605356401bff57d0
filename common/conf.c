/*
 * conf: table-driven "key value" config files; see conf.h.
 *
 * Design: one generic parser and printer driven by struct conf_desc (nginx
 * ngx_command_t, Redis standardConfig). conf_set parses one value by type and
 * is shared by defaults, files and command-line overrides (-o), so every
 * source gets the same checks and messages. Numbers are parsed digit by digit
 * with explicit overflow checks: no strtod, no float rounding (1.5s is 1500
 * exactly; 1.0005s is refused rather than rounded). conf_load_text keeps a
 * per-call table of the line where each key was set, to refuse duplicates
 * while letting a later conf_set (-o) replace any value.
 *
 * Lists (CONF_STRLIST): each occurrence appends; the first occurrence in a
 * file replaces the default, and an empty value ("") clears the list, so
 * conf_dump can print any list, even an empty one, in a form that reads back
 * the same. Unset STR/ADDR values are printed as "# key (unset)" comments,
 * which read back as "not set". Limits: a line is at most CONF_LINE_MAX
 * bytes, a file at most CONF_FILE_MAX bytes, and no byte may be NUL; values
 * may not hold control characters other than tab.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "xalloc.h"

#define CONF_LINE_MAX 4096          /* bytes in one line, without CR LF */
#define CONF_FILE_MAX (1024 * 1024) /* bytes in one file */
#define CONF_KEY_MAX 64             /* longer keys are never in a table */
#define CONF_ECHO_MAX 48            /* bytes of a bad value quoted in errors */
#define CONF_HOST_MAX 255           /* DNS name limit, also fits v6 + zone */

#define KIB ((uint64_t)1024)
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)
#define MS_S 1000LL
#define MS_M (60 * MS_S)
#define MS_H (60 * MS_M)
#define MS_D (24 * MS_H)

static void errf(char *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
errf(char *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err, CONF_ERRLEN, fmt, ap);
	va_end(ap);
}

/* For "%.*s%s": a bad value is quoted in full only when it is short. */
static int
echo_len(const char *s)
{
	size_t len = strlen(s);

	return (int)(len > CONF_ECHO_MAX ? CONF_ECHO_MAX : len);
}

static const char *
echo_more(const char *s)
{
	return strlen(s) > CONF_ECHO_MAX ? "..." : "";
}

#define ECHO(s) echo_len(s), (s), echo_more(s)

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_ws(int c)
{
	return c == ' ' || c == '\t';
}

static void *
field(void *cfg, const struct conf_desc *e)
{
	return (char *)cfg + e->offset;
}

static const void *
cfield(const void *cfg, const struct conf_desc *e)
{
	return (const char *)cfg + e->offset;
}

static size_t
find_idx(const struct conf_desc *d, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(d[i].name, key) == 0)
			break;
	return i;
}

/*
 * Consume a run of decimal digits (at least one). On overflow the digits are
 * still consumed, so the caller can finish the syntax check and then report
 * "too large" rather than "not a number".
 */
static int
parse_digits(const char **sp, uint64_t *v)
{
	const char *s = *sp;
	uint64_t x = 0;
	int big = 0;

	if (!is_digit(*s))
		return -EINVAL;
	for (; is_digit(*s); s++) {
		unsigned dg = (unsigned)(*s - '0');

		if (x > (UINT64_MAX - dg) / 10)
			big = 1;
		else
			x = x * 10 + dg;
	}
	*sp = s;
	*v = big ? UINT64_MAX : x;
	return big ? -ERANGE : 0;
}

static int
parse_int(const char *s, long long *out)
{
	uint64_t v;
	int neg = 0, rc;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	rc = parse_digits(&s, &v);
	if (rc == -EINVAL || *s != '\0')
		return -EINVAL;
	if (rc != 0 || v > (uint64_t)LLONG_MAX + neg)
		return -ERANGE;
	if (neg)
		*out = v == (uint64_t)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
	else
		*out = (long long)v;
	return 0;
}

static int
parse_size(const char *s, uint64_t *out)
{
	static const struct {
		const char *name;
		uint64_t mult;
	} units[] = {
		{ "", 1 }, { "k", KIB }, { "kib", KIB }, { "m", MIB },
		{ "mib", MIB }, { "g", GIB }, { "gib", GIB },
	};
	uint64_t v, mult = 0;
	size_t i;
	int rc;

	rc = parse_digits(&s, &v);
	if (rc == -EINVAL)
		return rc;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcasecmp(s, units[i].name) == 0)
			mult = units[i].mult;
	if (mult == 0)
		return -EINVAL;
	if (rc != 0 || v > UINT64_MAX / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

/*
 * A duration is digits, an optional fraction and a unit. The fraction is
 * kept as an integer numerator over 10^k so the result is exact; a value
 * that is not a whole number of milliseconds gives -EDOM.
 */
static int
parse_msec(const char *s, long long *out)
{
	uint64_t ip, fp = 0, num, den = 1;
	const char *fs = NULL;
	size_t k = 0, i;
	long long unit;
	int rc;

	rc = parse_digits(&s, &ip);
	if (rc == -EINVAL)
		return rc;
	if (*s == '.') {
		fs = ++s;
		if (!is_digit(*s))
			return -EINVAL;
		while (is_digit(*s))
			s++;
		k = (size_t)(s - fs);
		while (k > 0 && fs[k - 1] == '0')  /* 1.50s == 1.5s */
			k--;
	}
	if (*s == '\0' || strcmp(s, "s") == 0)
		unit = MS_S;
	else if (strcmp(s, "ms") == 0)
		unit = 1;
	else if (strcmp(s, "m") == 0)
		unit = MS_M;
	else if (strcmp(s, "h") == 0)
		unit = MS_H;
	else if (strcmp(s, "d") == 0)
		unit = MS_D;   /* read only: printed in hours */
	else
		return -EINVAL;
	if (rc != 0 || ip > (uint64_t)(LLONG_MAX / unit))
		return -ERANGE;
	/* Past 9 significant fraction digits no unit here gives whole ms. */
	if (k > 9)
		return -EDOM;
	for (i = 0; i < k; i++) {
		fp = fp * 10 + (uint64_t)(fs[i] - '0');
		den *= 10;
	}
	num = fp * (uint64_t)unit;  /* < 10^9 * 3.6e6: no overflow */
	if (num % den != 0)
		return -EDOM;
	if (num / den > (uint64_t)LLONG_MAX - ip * (uint64_t)unit)
		return -ERANGE;
	*out = (long long)(ip * (uint64_t)unit + num / den);
	return 0;
}

static int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

/* Index of s in "a|b|c", or -1. */
static int
enum_index(const char *choices, const char *s)
{
	size_t len = strlen(s);
	const char *p = choices, *bar;
	int i = 0;

	for (;;) {
		bar = strchr(p, '|');
		if (bar == NULL)
			bar = p + strlen(p);
		if ((size_t)(bar - p) == len && memcmp(p, s, len) == 0 && len)
			return i;
		if (*bar == '\0')
			return -1;
		p = bar + 1;
		i++;
	}
}

/* Find name number idx of "a|b|c" (into name, len); -1 if there is none. */
static int
enum_name(const char *choices, int idx, const char **name, size_t *len)
{
	const char *p = choices, *bar;
	int i;

	if (idx < 0)
		return -1;
	for (i = 0;; i++) {
		bar = strchr(p, '|');
		if (bar == NULL)
			bar = p + strlen(p);
		if (i == idx) {
			*name = p;
			*len = (size_t)(bar - p);
			return 0;
		}
		if (*bar == '\0')
			return -1;
		p = bar + 1;
	}
}

static int
host_name_ok(const char *h, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = h[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    is_digit(c) || c == '.' || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* Inside brackets: hex, ':' and dots (v4-mapped), then an optional %zone. */
static int
host_v6_ok(const char *h, size_t len)
{
	size_t i;
	int colons = 0;

	for (i = 0; i < len && h[i] != '%'; i++) {
		char c = h[i];

		if (c == ':')
			colons++;
		else if (!(is_digit(c) || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F') || c == '.'))
			return 0;
	}
	if (colons < 2)
		return 0;
	if (i < len && (i + 1 == len || !host_name_ok(h + i + 1, len - i - 1)))
		return 0;
	return 1;
}

/* Like conf_split_addr, but -ERANGE for a well-formed port out of range. */
static int
split_addr(const char *addr, char *host, size_t hostlen, int *port)
{
	const char *h, *colon, *s;
	size_t hlen;
	uint64_t pv;

	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (close == NULL || close[1] != ':')
			return -EINVAL;
		h = addr + 1;
		hlen = (size_t)(close - h);
		if (!host_v6_ok(h, hlen))
			return -EINVAL;
		colon = close + 1;
	} else {
		colon = strchr(addr, ':');
		if (colon == NULL)
			return -EINVAL;
		h = addr;
		hlen = (size_t)(colon - addr);
		if (!host_name_ok(h, hlen))
			return -EINVAL;
	}
	if (hlen > CONF_HOST_MAX)
		return -EINVAL;
	s = colon + 1;
	if (parse_digits(&s, &pv) == -EINVAL || *s != '\0')
		return -EINVAL;
	/* Port 0 asks the kernel for a free port (tests, net_listen_tcp). */
	if (s - (colon + 1) > 5 || pv > 65535)
		return -ERANGE;
	if (host != NULL) {
		if (hlen >= hostlen)
			return -EINVAL;
		memcpy(host, h, hlen);
		host[hlen] = '\0';
	}
	if (port != NULL)
		*port = (int)pv;
	return 0;
}

/*
 * Split "host:port", "[v6]:port" or ":port". Borrows addr; writes the host
 * (without brackets, "" for any) into host[hostlen] and the port
 * (0..65535; 0 lets the system pick a free port).
 * Returns 0 or -EINVAL (also when host does not fit).
 */
int
conf_split_addr(const char *addr, char *host, size_t hostlen, int *port)
{
	if (addr == NULL)
		return -EINVAL;
	return split_addr(addr, host, hostlen, port) == 0 ? 0 : -EINVAL;
}

/* Control characters would break the line format conf_dump writes. */
static int
text_ok(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 0;
	return 1;
}

static void
list_clear(struct conf_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i]);
		l->v[i] = NULL;
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
fmt_size(uint64_t v, char *out, size_t cap)
{
	if (v != 0 && v % GIB == 0)
		snprintf(out, cap, "%" PRIu64 "G", v / GIB);
	else if (v != 0 && v % MIB == 0)
		snprintf(out, cap, "%" PRIu64 "M", v / MIB);
	else if (v != 0 && v % KIB == 0)
		snprintf(out, cap, "%" PRIu64 "K", v / KIB);
	else
		snprintf(out, cap, "%" PRIu64, v);
}

static void
fmt_msec(long long v, char *out, size_t cap)
{
	if (v == 0)
		snprintf(out, cap, "0s");
	else if (v % MS_H == 0)
		snprintf(out, cap, "%lldh", v / MS_H);
	else if (v % MS_M == 0)
		snprintf(out, cap, "%lldm", v / MS_M);
	else if (v % MS_S == 0)
		snprintf(out, cap, "%llds", v / MS_S);
	else
		snprintf(out, cap, "%lldms", v);
}

static int
range_ok_ll(const struct conf_desc *e, long long v)
{
	return e->max <= e->min || (v >= e->min && v <= e->max);
}

static int
range_ok_u64(const struct conf_desc *e, uint64_t v)
{
	if (e->max <= e->min)
		return 1;
	if (e->min > 0 && v < (uint64_t)e->min)
		return 0;
	return e->max >= 0 && v <= (uint64_t)e->max;
}

static int
set_str(char **dst, const char *value, const struct conf_desc *e,
    const char *what, char *err)
{
	char *s = xstrdup(value);

	if (s == NULL) {
		errf(err, "%s: %s: out of memory", what, e->name);
		return -ENOMEM;
	}
	free(*dst);
	*dst = s;
	return 0;
}

static int
set_list(struct conf_list *l, const char *value, const struct conf_desc *e,
    const char *what, char *err)
{
	char **v, *s;

	if (value[0] == '\0') {  /* "" clears: see the top of this file */
		list_clear(l);
		return 0;
	}
	s = xstrdup(value);
	v = s ? xreallocarray(l->v, l->n + 1, sizeof(*l->v)) : NULL;
	if (v == NULL) {
		free(s);
		errf(err, "%s: %s: out of memory", what, e->name);
		return -ENOMEM;
	}
	l->v = v;
	l->v[l->n++] = s;
	return 0;
}

/* "what: key: 'value' why", value cut to CONF_ECHO_MAX bytes. */
static int
bad_value(char *err, const char *what, const struct conf_desc *e,
    const char *value, const char *why)
{
	errf(err, "%s: %s: '%.*s%s' %s", what, e->name, ECHO(value), why);
	return -EINVAL;
}

static int
set_addr(const struct conf_desc *e, void *cfg, const char *value,
    const char *what, char *err)
{
	int rc = split_addr(value, NULL, 0, NULL);

	if (rc == -ERANGE)
		return bad_value(err, what, e, value, "has a port outside "
		    "0..65535");
	if (rc != 0)
		return bad_value(err, what, e, value, "is not an address (use "
		    "host:port, [v6]:port or :port)");
	return set_str(field(cfg, e), value, e, what, err);
}

static int
set_int(const struct conf_desc *e, void *cfg, const char *value,
    const char *what, char *err)
{
	char why[96];
	long long v;
	int rc = parse_int(value, &v);

	if (rc == -EINVAL)
		return bad_value(err, what, e, value, "is not an integer");
	if (rc != 0 || !range_ok_ll(e, v)) {
		snprintf(why, sizeof(why), "is out of range (%lld..%lld)",
		    e->max > e->min ? e->min : LLONG_MIN,
		    e->max > e->min ? e->max : LLONG_MAX);
		return bad_value(err, what, e, value, why);
	}
	*(long long *)field(cfg, e) = v;
	return 0;
}

static int
set_size(const struct conf_desc *e, void *cfg, const char *value,
    const char *what, char *err)
{
	char lo[32], hi[32], why[96];
	uint64_t v;
	int rc = parse_size(value, &v);

	if (rc == -EINVAL)
		return bad_value(err, what, e, value, "is not a size (use K, M "
		    "or G)");
	if (rc != 0)
		return bad_value(err, what, e, value, "is too large");
	if (!range_ok_u64(e, v)) {
		fmt_size(e->min > 0 ? (uint64_t)e->min : 0, lo, sizeof(lo));
		fmt_size(e->max > 0 ? (uint64_t)e->max : 0, hi, sizeof(hi));
		snprintf(why, sizeof(why), "is out of range (%s..%s)", lo, hi);
		return bad_value(err, what, e, value, why);
	}
	*(uint64_t *)field(cfg, e) = v;
	return 0;
}

static int
set_msec(const struct conf_desc *e, void *cfg, const char *value,
    const char *what, char *err)
{
	char lo[32], hi[32], why[96];
	long long v;
	int rc = parse_msec(value, &v);

	if (rc == -EINVAL)
		return bad_value(err, what, e, value, "is not a duration (use "
		    "ms, s, m or h)");
	if (rc == -EDOM)
		return bad_value(err, what, e, value, "is not a whole number "
		    "of milliseconds");
	if (rc != 0)
		return bad_value(err, what, e, value, "is too large");
	if (!range_ok_ll(e, v)) {
		fmt_msec(e->min, lo, sizeof(lo));
		fmt_msec(e->max, hi, sizeof(hi));
		snprintf(why, sizeof(why), "is out of range (%s..%s)", lo, hi);
		return bad_value(err, what, e, value, why);
	}
	*(long long *)field(cfg, e) = v;
	return 0;
}

static int needs_quotes(const char *s);

/* The length of the line conf_dump writes for name and value (quotes and
 * escapes included), without its newline. */
static size_t
dumped_len(const char *name, const char *s)
{
	size_t n = strlen(name) + 1 + strlen(s);

	if (needs_quotes(s)) {
		n += 2;
		for (; *s; s++)
			n += *s == '"' || *s == '\\';
	}
	return n;
}

/* Parse value by e's type into cfg; on error fill err and leave cfg as is. */
static int
set_one(const struct conf_desc *e, void *cfg, const char *value,
    const char *what, char *err)
{
	char why[96];
	int v;

	if (!text_ok(value)) {
		errf(err, "%s: %s: control character in value", what, e->name);
		return -EINVAL;
	}
	/* Whatever is accepted must print back as one line that reads back
	 * (found by fuzz_conf: escapes can make the printed line too long). */
	if (dumped_len(e->name, value) > CONF_LINE_MAX) {
		errf(err, "%s: %s: value too long (%zu bytes)", what, e->name, strlen(value));
		return -EINVAL;
	}
	switch (e->type) {
	case CONF_STR:
		return set_str(field(cfg, e), value, e, what, err);
	case CONF_ADDR:
		return set_addr(e, cfg, value, what, err);
	case CONF_INT:
		return set_int(e, cfg, value, what, err);
	case CONF_SIZE:
		return set_size(e, cfg, value, what, err);
	case CONF_MSEC:
		return set_msec(e, cfg, value, what, err);
	case CONF_BOOL:
		if (parse_bool(value, &v) != 0)
			return bad_value(err, what, e, value, "is not a "
			    "boolean (use yes/no, on/off, true/false or 1/0)");
		*(int *)field(cfg, e) = v;
		return 0;
	case CONF_ENUM:
		v = e->choices ? enum_index(e->choices, value) : -1;
		if (v < 0) {
			snprintf(why, sizeof(why), "is not one of %s",
			    e->choices ? e->choices : "(none)");
			return bad_value(err, what, e, value, why);
		}
		*(int *)field(cfg, e) = v;
		return 0;
	case CONF_STRLIST:
		return set_list(field(cfg, e), value, e, what, err);
	}
	errf(err, "%s: %s: bad type %d in the table", what, e->name,
	    (int)e->type);
	return -EINVAL;
}

/*
 * Apply every default. cfg must be zeroed. A default that does not parse
 * is a bug in the table: -EINVAL with err naming it. -ENOMEM possible.
 */
int
conf_defaults(const struct conf_desc *d, size_t n, void *cfg, char *err)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (d[i].def == NULL)
			continue;
		if ((rc = set_one(&d[i], cfg, d[i].def, "default", err)) != 0)
			return rc;
	}
	return 0;
}

/*
 * Apply one setting over whatever cfg holds: scalars are replaced, a list
 * gets one more element ("" clears it). Borrows key and value (copied); what
 * prefixes messages. Returns 0, -EINVAL (unknown key, bad value) or -ENOMEM,
 * with err filled; cfg is unchanged on error.
 */
int
conf_set(const struct conf_desc *d, size_t n, void *cfg, const char *key,
    const char *value, const char *what, char *err)
{
	size_t i;

	if (what == NULL)
		what = "-o";
	if (key == NULL || value == NULL) {
		errf(err, "%s: missing key or value", what);
		return -EINVAL;
	}
	i = find_idx(d, n, key);
	if (i == n) {
		errf(err, "%s: unknown key '%.*s%s'", what, ECHO(key));
		return -EINVAL;
	}
	return set_one(&d[i], cfg, value, what, err);
}

/*
 * Split one line (no CR LF, no NUL) into key and value. Returns 1 with
 * key/val filled, 0 for a blank or comment line, or -1 with *why set.
 * val must hold CONF_LINE_MAX + 1 bytes, key CONF_KEY_MAX + 1.
 */
static int
split_line(const char *s, size_t len, char *key, char *val, const char **why)
{
	size_t i = 0, k0, klen, o = 0;

	while (i < len && is_ws(s[i]))
		i++;
	if (i == len || s[i] == '#')
		return 0;
	k0 = i;
	while (i < len && !is_ws(s[i]))
		i++;
	klen = i - k0;
	if (klen > CONF_KEY_MAX) {
		*why = "key too long";  /* no table has such a key */
		return -1;
	}
	memcpy(key, s + k0, klen);
	key[klen] = '\0';
	while (i < len && is_ws(s[i]))
		i++;
	if (i == len || s[i] == '#') {
		*why = "missing value (write \"\" for an empty one)";
		return -1;
	}
	if (s[i] == '"') {
		for (i++;; i++) {
			if (i == len) {
				*why = "missing closing quote";
				return -1;
			}
			if (s[i] == '"')
				break;
			if (s[i] == '\\') {
				if (i + 1 == len ||
				    (s[i + 1] != '"' && s[i + 1] != '\\')) {
					*why = "bad escape (use \\\" or \\\\)";
					return -1;
				}
				i++;
			}
			val[o++] = s[i];
		}
		k0 = ++i;
		while (i < len && is_ws(s[i]))
			i++;
		if (i < len && (s[i] != '#' || i == k0)) {  /* "a"#b */
			*why = "text after the closing quote";
			return -1;
		}
	} else {
		/* '#' starts a comment only after white space. */
		for (; i < len && !(s[i] == '#' && is_ws(s[i - 1])); i++)
			val[o++] = s[i];
		while (o > 0 && is_ws(val[o - 1]))
			o--;
	}
	val[o] = '\0';
	return 1;
}

/*
 * Read "key value" lines from text[len] over cfg (defaults applied first by
 * the caller). Borrows text; name is used in messages. Refuses unknown keys,
 * a repeated scalar key, lines over 4096 bytes, files over 1 MiB and NUL
 * bytes. Returns 0, or -1 with err "name:line: ..." filled; on error cfg may
 * hold part of the file and must still be freed with conf_free.
 */
int
conf_load_text(const struct conf_desc *d, size_t n, void *cfg,
    const char *name, const char *text, size_t len, char *err)
{
	char key[CONF_KEY_MAX + 1], what[CONF_ERRLEN];
	char *val = NULL;
	size_t *seen = NULL;  /* line where key i was set; 0: not yet */
	size_t pos = 0, lineno = 0, i;
	const char *why;
	int rc = -1, k;

	if (name == NULL)
		name = "(text)";
	if (len > CONF_FILE_MAX) {
		errf(err, "%s: larger than %d bytes", name, CONF_FILE_MAX);
		goto out;
	}
	seen = xcalloc(n, sizeof(*seen));
	val = xmalloc(CONF_LINE_MAX + 1);
	if (seen == NULL || val == NULL) {
		errf(err, "%s: out of memory", name);
		goto out;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;  /* UTF-8 byte order mark from some editors */
	while (pos < len) {
		const char *line = text + pos, *nl;
		size_t ll;

		lineno++;
		nl = memchr(line, '\n', len - pos);
		ll = nl ? (size_t)(nl - line) : len - pos;
		pos += ll + (nl != NULL);
		if (memchr(line, '\0', ll) != NULL) {
			errf(err, "%s:%zu: NUL byte", name, lineno);
			goto out;
		}
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll > CONF_LINE_MAX) {
			errf(err, "%s:%zu: line longer than %d bytes", name,
			    lineno, CONF_LINE_MAX);
			goto out;
		}
		k = split_line(line, ll, key, val, &why);
		if (k == 0)
			continue;
		if (k < 0) {
			errf(err, "%s:%zu: %s", name, lineno, why);
			goto out;
		}
		i = find_idx(d, n, key);
		if (i == n) {
			errf(err, "%s:%zu: unknown key '%.*s%s'", name, lineno,
			    ECHO(key));
			goto out;
		}
		if (d[i].type != CONF_STRLIST && seen[i] != 0) {
			errf(err, "%s:%zu: %s: already set at line %zu", name,
			    lineno, d[i].name, seen[i]);
			goto out;
		}
		if (d[i].type == CONF_STRLIST && seen[i] == 0)
			list_clear(field(cfg, &d[i]));  /* replaces defaults */
		seen[i] = lineno;
		snprintf(what, sizeof(what), "%s:%zu", name, lineno);
		if (set_one(&d[i], cfg, val, what, err) != 0)
			goto out;
	}
	rc = 0;
out:
	free(val);
	free(seen);
	return rc;
}

/*
 * Read the file at path (at most 1 MiB) with conf_load_text. Returns 0, or
 * -1 with err filled ("path: No such file or directory", or a parse error).
 */
int
conf_load_file(const struct conf_desc *d, size_t n, void *cfg,
    const char *path, char *err)
{
	FILE *f = NULL;
	char *text = NULL;
	size_t len;
	int rc = -1;

	f = fopen(path, "rb");
	if (f == NULL) {
		errf(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	text = xmalloc(CONF_FILE_MAX + 1);
	if (text == NULL) {
		errf(err, "%s: out of memory", path);
		goto out;
	}
	len = fread(text, 1, CONF_FILE_MAX + 1, f);
	if (ferror(f)) {
		errf(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	/* conf_load_text refuses len > CONF_FILE_MAX with the message. */
	rc = conf_load_text(d, n, cfg, path, text, len, err);
out:
	free(text);
	if (f != NULL)
		fclose(f);
	return rc;
}

/*
 * Every required STR or ADDR must be set and non-empty, every required list
 * non-empty. (Numbers and flags always hold a value; required means nothing
 * for them.) Returns 0 or -EINVAL with err naming the first missing key.
 */
int
conf_check_required(const struct conf_desc *d, size_t n, const void *cfg,
    char *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct conf_desc *e = &d[i];
		int missing = 0;

		if (!e->required)
			continue;
		if (e->type == CONF_STR || e->type == CONF_ADDR) {
			const char *s = *(char *const *)cfield(cfg, e);

			missing = s == NULL || s[0] == '\0';
		} else if (e->type == CONF_STRLIST) {
			const struct conf_list *l = cfield(cfg, e);

			missing = l->n == 0;
		}
		if (missing) {
			errf(err, "%s: required, but not set", e->name);
			return -EINVAL;
		}
	}
	return 0;
}

static int
needs_quotes(const char *s)
{
	size_t len = strlen(s);

	return len == 0 || is_ws(s[0]) || is_ws(s[len - 1]) ||
	    strpbrk(s, "#\"\\") != NULL;
}

static void
put_value(FILE *f, const char *name, const char *s)
{
	if (!needs_quotes(s)) {
		fprintf(f, "%s %s\n", name, s);
		return;
	}
	fprintf(f, "%s \"", name);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputs("\"\n", f);
}

/*
 * Print every setting in table order as lines conf_load_text reads back to
 * the same values. verbose adds each help text as a comment. Borrows all.
 */
void
conf_dump(const struct conf_desc *d, size_t n, const void *cfg, FILE *f,
    int verbose)
{
	char num[32];
	size_t i, j, len;
	const char *s;

	for (i = 0; i < n; i++) {
		const struct conf_desc *e = &d[i];
		const void *p = cfield(cfg, e);

		if (verbose) {
			if (i > 0)
				fputc('\n', f);
			if (e->help != NULL)
				fprintf(f, "# %s\n", e->help);
			if (e->type == CONF_ENUM && e->choices != NULL)
				fprintf(f, "# one of %s\n", e->choices);
		}
		switch (e->type) {
		case CONF_STR:
		case CONF_ADDR:
			s = *(char *const *)p;
			if (s == NULL)
				fprintf(f, "# %s (unset)\n", e->name);
			else
				put_value(f, e->name, s);
			break;
		case CONF_INT:
			fprintf(f, "%s %lld\n", e->name, *(const long long *)p);
			break;
		case CONF_SIZE:
			fmt_size(*(const uint64_t *)p, num, sizeof(num));
			fprintf(f, "%s %s\n", e->name, num);
			break;
		case CONF_MSEC:
			fmt_msec(*(const long long *)p, num, sizeof(num));
			fprintf(f, "%s %s\n", e->name, num);
			break;
		case CONF_BOOL:
			fprintf(f, "%s %s\n", e->name,
			    *(const int *)p ? "yes" : "no");
			break;
		case CONF_ENUM:
			if (e->choices == NULL || enum_name(e->choices,
			    *(const int *)p, &s, &len) != 0)
				fprintf(f, "# %s (invalid %d)\n", e->name,
				    *(const int *)p);
			else
				fprintf(f, "%s %.*s\n", e->name, (int)len, s);
			break;
		case CONF_STRLIST: {
			const struct conf_list *l = p;

			if (l->n == 0 && e->def == NULL)
				fprintf(f, "# %s (empty)\n", e->name);
			else if (l->n == 0)
				fprintf(f, "%s \"\"\n", e->name);  /* clears */
			for (j = 0; j < l->n; j++)
				put_value(f, e->name, l->v[j]);
			break;
		}
		}
	}
}

/* Free the strings and lists cfg owns and reset them; NULL-safe fields. */
void
conf_free(const struct conf_desc *d, size_t n, void *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < n; i++) {
		void *p = field(cfg, &d[i]);

		if (d[i].type == CONF_STR || d[i].type == CONF_ADDR) {
			free(*(char **)p);
			*(char **)p = NULL;
		} else if (d[i].type == CONF_STRLIST) {
			list_clear(p);
		}
	}
}
