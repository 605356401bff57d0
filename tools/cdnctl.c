/*
 * cdnctl: the operator's command line for the origin's admin API
 * (origin/admin_api.h): customers, stream keys and live streams.
 *
 * Design: one HTTP request per command through libcurl, with the admin
 * token as a bearer token (RFC 6750 section 2.1). --json prints the API's
 * response unchanged, for scripts; otherwise the JSON (RFC 8259) is read by
 * the shared bounded reader (common/json_read.h) and printed as an aligned
 * table. The response is untrusted input: the reader limits the document
 * size, the nesting depth and the number of values, and rejects anything
 * RFC 8259 does not allow; strings from the origin are stripped of control
 * characters before they reach the terminal.
 * Exit status: 0 success, 1 the origin refused or could not be reached,
 * 2 usage error.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "cdnctl_announce.h"
#include "cdnctl_report.h"
#include "json_read.h"
#include "xalloc.h"

#define CDNCTL_DEFAULT_URL "http://127.0.0.1:8080"
#define CDNCTL_TOKEN_FILE "/var/lib/cdn/admin.token"
#define CDNCTL_BODY_MAX (4u << 20) /* largest response we accept */
#define CDNCTL_TOKEN_MAX 4096
#define CDNCTL_TIMEOUT_MS 30000
#define CDNCTL_CONNECT_TIMEOUT_MS 5000

#define EXIT_API 1
#define EXIT_USAGE 2

/*
 * The limits of the reader cdnctl embedded before json_read existed, kept
 * so the tool accepts exactly what it did. JSON_READ_LAX too: odd strings
 * become U+FFFD or pass as they are, and term_safe() cleans them for the
 * terminal, rather than the whole listing failing on one bad name.
 */
static const struct json_read_limits cdnctl_json_limits = {
	.max_bytes = CDNCTL_BODY_MAX,
	.max_nodes = 200000,
	.max_depth = 32,
	.flags = JSON_READ_LAX,
};

/* --- options ------------------------------------------------------- */

enum {
	OPT_CUSTOMER = 1 << 0,
	OPT_STREAM = 1 << 1,
	OPT_KEY = 1 << 2,
	OPT_ALL = 1 << 3,
	OPT_TTL = 1 << 4,
	OPT_IP = 1 << 5,
	OPT_SID = 1 << 6,
	OPT_SDP = 1 << 7,
};

struct opts {
	const char *url;
	const char *token;
	const char *token_file;
	bool json;
	const char *customer, *stream, *key;
	const char *announce_socket, *for_dur;
	const char *from, *to, *format, *direction;
	const char *ttl, *ip, *sid;
	const char *sdp_file;
	bool all;
	unsigned given; /* OPT_* seen on the command line */
	const char *pos[8];
	int n_pos;
	char *token_buf; /* token read from a file */
};

static void
usage(FILE *f)
{
	/* clang-format off: the text is laid out as it prints */
	fputs(
"usage: cdnctl [-u URL] [--token TOKEN | --token-file FILE] [--json] COMMAND\n"
"\n"
"commands:\n"
"  customer add NAME            add a customer\n"
"  customer list                list customers\n"
"  customer revoke NAME         revoke a customer and all its keys\n"
"  key add --customer C --stream S [--key K]\n"
"                               create a stream key (shown only once)\n"
"  key list [--customer C] [--all]\n"
"                               list keys (--all: revoked ones too)\n"
"  key revoke ID                revoke a key, dropping its publisher\n"
"  key rtp ID [--sdp FILE]      ingest the key's stream over RTP: from the\n"
"                               sender's SDP FILE (H.264 + AAC), or without one\n"
"                               on a port the origin picks (MPEG-TS over RTP);\n"
"                               prints the SDP in use\n"
"  key rtp-show ID | key rtp-remove ID\n"
"                               print or remove the key's RTP ingest\n"
"  streams                      live and recently ended streams\n"
"  edges                        the edges the origin watches: health, announce,\n"
"                               hit ratio, bytes served\n"
"  edge drain NAME | edge undrain NAME\n"
"                               drain or undrain an edge through its announcer\n"
"                               (the origin's edge setting names its socket)\n"
"  secret rotate --customer C    a new playback secret (printed); the      \n"
"                               previous one stays valid until retired\n"
"  secret retire --customer C    tokens signed with the previous secret stop working\n"
"  secret list --customer C      the valid secrets' hints and states\n"
"  secret show --customer C      the valid secrets themselves (for the customer)\n"
"  token --customer C --stream S --ttl DURATION [--ip CIDR] [--sid ID]\n"
"                               a signed playback URL, minted by the origin\n"
"                               (DURATION: 90, 90s, 15m, 1h, 7d; --sid preview...\n"
"                               makes a preview token)\n"
"  stream access --customer C --stream S public|token|unpublished\n"
"                               who may watch the stream (docs/access.md)\n"
"  stream encrypt --customer C --stream S on|off\n"
"                               HLS AES-128 for the stream, from its next\n"
"                               publish (docs/access.md, Encryption)\n"
"  stream dvr --customer C --stream S WINDOW\n"
"                               how far back viewers can seek (90m, 2h; 0: off),\n"
"                               from its next publish (docs/dvr.md)\n"
"  stream record --customer C --stream S on|off\n"
"                               keep each event as a VOD playlist\n"
"  recordings [--customer C]    finished recordings: id, length, URL, expiry\n"
"  recording delete STREAM ID   delete one now\n"
"  report --customer C | --all  --from DATE --to DATE\n"
"         [--format table|csv|json|svg] [--direction out|in|max|sum]\n"
"                               bandwidth and 95th-percentile billing (DATE:\n"
"                               YYYY-MM-DD, UTC, --to inclusive)\n"
"\n"
"announcer commands (cdn-announce on this host, over its control socket):\n"
"  drain                        graceful drain: GRACEFUL_SHUTDOWN, then withdraw\n"
"  undrain                      announce again\n"
"  announce status              peers, prefixes, health and drain state\n"
"  blackhole add PREFIX --for DURATION\n"
"                               announce PREFIX with BLACKHOLE (65535:666)\n"
"  blackhole del PREFIX         withdraw it\n"
"  --announce-socket PATH       (default " CDNCTL_ANNOUNCE_SOCKET ")\n"
"\n"
"options:\n"
"  -u, --url URL       the origin (default: $CDN_ORIGIN_URL, else\n"
"                      " CDNCTL_DEFAULT_URL ")\n"
"  --token TOKEN       the admin token (default: --token-file, else\n"
"                      $CDN_ADMIN_TOKEN, else " CDNCTL_TOKEN_FILE ")\n"
"  --token-file FILE   read the admin token from FILE\n"
"  --json              print the API's JSON response as is\n"
"  -h, --help          this text\n"
"  -V, --version       print the version\n"
"\n"
"Names are 1-64 characters of a-z, 0-9, '_' and '-', starting with a letter\n"
"or digit. Exit status: 0 ok, 1 API or connection error, 2 usage error.\n",
	    f);
	/* clang-format on */
}

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("cdnctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'cdnctl --help'.\n", stderr);
	return EXIT_USAGE;
}

/*
 * Options may come before or after the command words, so "cdnctl streams
 * --json" works. Returns -1 to go on, or an exit status.
 */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **val = NULL;
		unsigned flag = 0;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf(
			    "cdnctl (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return 0;
		}
		if (strcmp(a, "--json") == 0) {
			o->json = true;
			continue;
		}
		if (strcmp(a, "--all") == 0) {
			o->all = true;
			o->given |= OPT_ALL;
			continue;
		}
		if (strcmp(a, "-u") == 0 || strcmp(a, "--url") == 0)
			val = &o->url;
		else if (strcmp(a, "--token") == 0)
			val = &o->token;
		else if (strcmp(a, "--token-file") == 0)
			val = &o->token_file;
		else if (strcmp(a, "--customer") == 0)
			val = &o->customer, flag = OPT_CUSTOMER;
		else if (strcmp(a, "--stream") == 0)
			val = &o->stream, flag = OPT_STREAM;
		else if (strcmp(a, "--key") == 0)
			val = &o->key, flag = OPT_KEY;
		else if (strcmp(a, "--announce-socket") == 0)
			val = &o->announce_socket;
		else if (strcmp(a, "--for") == 0)
			val = &o->for_dur;
		else if (strcmp(a, "--from") == 0)
			val = &o->from;
		else if (strcmp(a, "--to") == 0)
			val = &o->to;
		else if (strcmp(a, "--format") == 0)
			val = &o->format;
		else if (strcmp(a, "--direction") == 0)
			val = &o->direction;
		else if (strcmp(a, "--ttl") == 0)
			val = &o->ttl, flag = OPT_TTL;
		else if (strcmp(a, "--ip") == 0)
			val = &o->ip, flag = OPT_IP;
		else if (strcmp(a, "--sid") == 0)
			val = &o->sid, flag = OPT_SID;
		else if (strcmp(a, "--sdp") == 0)
			val = &o->sdp_file, flag = OPT_SDP;
		if (val) {
			if (i + 1 >= argc)
				return usage_error(
				    "option %s needs a value", a);
			*val = argv[++i];
			o->given |= flag;
			continue;
		}
		if (a[0] == '-' && a[1] != '\0')
			return usage_error("unknown option %s", a);
		if (o->n_pos == (int)(sizeof(o->pos) / sizeof(o->pos[0])))
			return usage_error("too many arguments");
		o->pos[o->n_pos++] = a;
	}
	return -1;
}

/* Strip trailing whitespace; refuse control characters (header injection). */
static int
token_clean(char *t, const char *from)
{
	size_t n = strlen(t);

	while (n > 0 &&
	    (t[n - 1] == '\n' || t[n - 1] == '\r' || t[n - 1] == ' ' ||
		t[n - 1] == '\t'))
		t[--n] = '\0';
	if (n == 0) {
		fprintf(
		    stderr, "cdnctl: the admin token from %s is empty\n", from);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f) {
			fprintf(stderr,
			    "cdnctl: the admin token from %s contains "
			    "control characters\n",
			    from);
			return EXIT_USAGE;
		}
	return 0;
}

static int
token_read_file(struct opts *o, const char *path, bool is_default)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL) {
		if (is_default)
			fprintf(stderr,
			    "cdnctl: no admin token: use --token, --token-file "
			    "or $CDN_ADMIN_TOKEN (cannot read %s: %s)\n",
			    path, strerror(errno));
		else
			fprintf(stderr,
			    "cdnctl: cannot read the token file %s: %s\n", path,
			    strerror(errno));
		return EXIT_USAGE;
	}
	if ((o->token_buf = xmalloc(CDNCTL_TOKEN_MAX + 1)) == NULL) {
		fclose(f);
		fputs("cdnctl: out of memory\n", stderr);
		return EXIT_API;
	}
	n = fread(o->token_buf, 1, CDNCTL_TOKEN_MAX, f);
	fclose(f);
	o->token_buf[n] = '\0';
	if (strlen(o->token_buf) != n) {
		fprintf(
		    stderr, "cdnctl: the token file %s is not text\n", path);
		return EXIT_USAGE;
	}
	o->token = o->token_buf;
	return token_clean(o->token_buf, path);
}

/* Explicit options first, then the environment, then the default file. */
static int
token_resolve(struct opts *o)
{
	const char *env = getenv("CDN_ADMIN_TOKEN");

	if (o->token) {
		if ((o->token_buf = xstrdup(o->token)) == NULL)
			return EXIT_API;
		o->token = o->token_buf;
		return token_clean(o->token_buf, "--token");
	}
	if (o->token_file)
		return token_read_file(o, o->token_file, false);
	if (env && env[0]) {
		if ((o->token_buf = xstrdup(env)) == NULL)
			return EXIT_API;
		o->token = o->token_buf;
		return token_clean(o->token_buf, "$CDN_ADMIN_TOKEN");
	}
	return token_read_file(o, CDNCTL_TOKEN_FILE, true);
}

/* --- output -------------------------------------------------------- */

/* A copy safe for a terminal: control characters become '?'. */
static char *
term_safe(const char *s)
{
	char *c = xstrdup(s ? s : "");

	if (c == NULL)
		return NULL;
	for (char *p = c; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return c;
}

#define TABLE_MAX_COLS 8

struct table {
	size_t n_cols, n_rows, cap;
	char **cells; /* n_rows * n_cols, row-major */
	bool oom;
};

static void
table_row(struct table *t, const char *const *cols)
{
	if (t->oom)
		return;
	if (t->n_rows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		char **c =
		    xreallocarray(t->cells, ncap * t->n_cols, sizeof(*c));

		if (c == NULL) {
			t->oom = true;
			return;
		}
		t->cells = c;
		t->cap = ncap;
	}
	for (size_t i = 0; i < t->n_cols; i++) {
		char *s = term_safe(cols[i]);

		if (s == NULL)
			t->oom = true;
		t->cells[t->n_rows * t->n_cols + i] = s;
	}
	t->n_rows++;
}

/* Columns as seen on a terminal: UTF-8 continuation bytes take no space. */
static size_t
display_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void
table_print(struct table *t)
{
	size_t width[TABLE_MAX_COLS] = { 0 };

	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t c = 0; c < t->n_cols; c++) {
			const char *s = t->cells[r * t->n_cols + c];
			size_t w = s ? display_width(s) : 0;

			if (w > width[c])
				width[c] = w;
		}
	for (size_t r = 0; r < t->n_rows; r++) {
		for (size_t c = 0; c < t->n_cols; c++) {
			const char *s = t->cells[r * t->n_cols + c];

			s = s ? s : "";
			if (c + 1 == t->n_cols) {
				printf("%s\n", s);
				break;
			}
			printf("%s%*s", s,
			    (int)(width[c] - display_width(s) + 2), "");
		}
	}
}

static void
table_free(struct table *t)
{
	for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

static void
fmt_time(char *out, size_t len, int64_t s)
{
	struct tm tm;
	time_t t = (time_t)s;

	if (s <= 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%dT%H:%MZ", &tm) == 0)
		snprintf(out, len, "-");
}

static void
fmt_uptime(char *out, size_t len, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s >= 3600)
		snprintf(out, len, "%" PRId64 "h%02dm%02ds", s / 3600,
		    (int)(s / 60 % 60), (int)(s % 60));
	else if (s >= 60)
		snprintf(out, len, "%dm%02ds", (int)(s / 60), (int)(s % 60));
	else
		snprintf(out, len, "%ds", (int)s);
}

/* --- HTTP ---------------------------------------------------------- */

struct call {
	const struct opts *o;
	struct buf body;
	long status;
	struct jv doc; /* parsed body (not in --json mode on success) */
};

static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	/* size is 1 for curl write callbacks; returning less aborts */
	if (buf_append(b, p, size * n) != 0)
		return 0;
	return size * n;
}

static void
form_add(struct buf *b, CURL *c, const char *name, const char *value)
{
	char *esc;

	if (value == NULL)
		return;
	if ((esc = curl_easy_escape(c, value, 0)) == NULL) {
		b->err = -ENOMEM;
		return;
	}
	buf_printf(b, "%s%s=%s", b->len ? "&" : "", name, esc);
	curl_free(esc);
}

/*
 * One request. path starts with /api/v1/; form, when not NULL, is sent as
 * an x-www-form-urlencoded POST body. Prints errors; returns an exit status.
 * On success the body is in c->body and, unless --json, parsed into c->doc.
 */
static int
http_call(
    struct call *c, const char *method, const char *path, const char *form)
{
	const struct opts *o = c->o;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL, *h;
	struct buf url, auth;
	const struct jv *msg;
	struct jv err;
	CURL *curl = NULL;
	CURLcode res;
	size_t base_len = strlen(o->url);
	int rc = EXIT_API;

	buf_init(&c->body, CDNCTL_BODY_MAX);
	buf_init(&url, 8192);
	buf_init(&auth, CDNCTL_TOKEN_MAX + 64);
	while (base_len > 0 && o->url[base_len - 1] == '/')
		base_len--;
	buf_append(&url, o->url, base_len);
	buf_printf(&url, "%s", path);
	buf_append(&url, "", 1);
	buf_printf(&auth, "Authorization: Bearer %s", o->token);
	buf_append(&auth, "", 1);
	if (url.err || auth.err || (curl = curl_easy_init()) == NULL) {
		fputs("cdnctl: out of memory\n", stderr);
		goto out;
	}
	if ((h = curl_slist_append(hdrs, (char *)auth.data)) == NULL)
		goto oom;
	hdrs = h;
	if ((h = curl_slist_append(hdrs, "Accept: application/json")) == NULL)
		goto oom;
	hdrs = h;
	curl_easy_setopt(curl, CURLOPT_URL, (char *)url.data);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(
	    curl, CURLOPT_CONNECTTIMEOUT_MS, (long)CDNCTL_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)CDNCTL_TIMEOUT_MS);
	curl_easy_setopt(
	    curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)CDNCTL_BODY_MAX);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &c->body);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "cdnctl/" PACKAGE_VERSION);
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form ? form : "");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(form ? form : ""));
	}
	res = curl_easy_perform(curl);
	if (res == CURLE_WRITE_ERROR || res == CURLE_FILESIZE_EXCEEDED) {
		fprintf(stderr,
		    "cdnctl: the origin's response is larger than "
		    "%u bytes\n",
		    CDNCTL_BODY_MAX);
		goto out;
	}
	if (res != CURLE_OK) {
		fprintf(stderr, "cdnctl: cannot reach the origin at %.*s: %s\n",
		    (int)base_len, o->url,
		    errbuf[0] ? errbuf : curl_easy_strerror(res));
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &c->status);
	if (c->status == 401) {
		fputs("cdnctl: the admin token was refused (see --token)\n",
		    stderr);
		goto out;
	}
	if (c->status < 200 || c->status > 299) {
		/* the API explains itself in {"error": "..."} */
		if (o->json)
			fwrite(c->body.data, 1, c->body.len, stdout);
		if (json_read_parse(&err, c->body.data, c->body.len,
			&cdnctl_json_limits) == 0 &&
		    (msg = jv_get(&err, "error")) != NULL && msg->t == JV_STR) {
			char *safe = term_safe(msg->s);

			fprintf(
			    stderr, "cdnctl: %s\n", safe ? safe : "(error)");
			free(safe);
		} else {
			fprintf(stderr,
			    "cdnctl: the origin answered HTTP %ld\n",
			    c->status);
		}
		jv_fini(&err);
		goto out;
	}
	if (o->json) {
		fwrite(c->body.data, 1, c->body.len, stdout);
		if (c->body.len == 0 || c->body.data[c->body.len - 1] != '\n')
			putchar('\n');
	} else if (json_read_parse(&c->doc, c->body.data, c->body.len,
			&cdnctl_json_limits) != 0) {
		fputs("cdnctl: the origin's response is not valid JSON\n",
		    stderr);
		goto out;
	}
	rc = 0;
	goto out;
oom:
	fputs("cdnctl: out of memory\n", stderr);
out:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(curl);
	/* the header held the token */
	if (auth.data)
		memset(auth.data, 0, auth.cap);
	buf_fini(&auth);
	buf_fini(&url);
	return rc;
}

static void
call_fini(struct call *c)
{
	buf_fini(&c->body);
	jv_fini(&c->doc);
}

/* The array doc[key], or NULL with a message when the shape is wrong. */
static const struct jv *
doc_array(const struct call *c, const char *key)
{
	const struct jv *a = jv_get(&c->doc, key);

	if (a == NULL || a->t != JV_ARR) {
		fprintf(stderr, "cdnctl: unexpected response: no \"%s\" list\n",
		    key);
		return NULL;
	}
	return a;
}

/* --- commands ------------------------------------------------------ */

/* Percent-encode a query value (dates and names need nothing, but be safe). */
static void
put_q(struct buf *b, const char *k, const char *v)
{
	buf_printf(b, "%s%s=", b->len && memchr(b->data, '?', b->len) ? "&" : "?", k);
	for (; *v; v++) {
		unsigned char ch = (unsigned char)*v;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.')
			buf_put_u8(b, ch);
		else
			buf_printf(b, "%%%02X", ch);
	}
}

static int
cmd_report(struct call *c)
{
	const struct opts *o = c->o;
	const char *fmt = o->format ? o->format : o->json ? "json" : "table";
	struct buf path;
	int rc;

	if (strcmp(fmt, "table") && strcmp(fmt, "csv") && strcmp(fmt, "json") && strcmp(fmt, "svg"))
		return usage_error("--format table, csv, json or svg");
	if (strcmp(fmt, "svg") == 0 && o->all)
		return usage_error("--format svg charts one customer (--customer C)");
	buf_init(&path, 4096);
	buf_printf(&path, "/api/v1/report");
	if (o->all)
		put_q(&path, "all", "1");
	else
		put_q(&path, "customer", o->customer);
	put_q(&path, "from", o->from);
	put_q(&path, "to", o->to);
	if (o->direction)
		put_q(&path, "direction", o->direction);
	if (strcmp(fmt, "svg") == 0)
		put_q(&path, "series", "1");
	buf_put_u8(&path, 0);
	rc = http_call(c, "GET", (const char *)path.data, NULL);
	buf_fini(&path);
	if (rc != 0 || o->json)
		return rc;   /* --json: http_call printed the answer as is */
	return cdnctl_report_print(&c->doc, fmt, o->all, c->body.data, c->body.len, stdout);
}

static int
cmd_customer_add(struct call *c, const char *name)
{
	struct buf form;
	int64_t id = 0;
	int rc;
	CURL *tmp = curl_easy_init();

	buf_init(&form, 4096);
	form_add(&form, tmp, "name", name);
	buf_append(&form, "", 1);
	curl_easy_cleanup(tmp);
	if (form.err || tmp == NULL) {
		buf_fini(&form);
		fputs("cdnctl: out of memory\n", stderr);
		return EXIT_API;
	}
	rc = http_call(c, "POST", "/api/v1/customers", (char *)form.data);
	buf_fini(&form);
	if (rc == 0 && !c->o->json) {
		jv_int(&c->doc, "id", &id);
		printf("customer %s added (id %" PRId64 ")\n", name, id);
	}
	return rc;
}

static int
cmd_customer_list(struct call *c)
{
	const struct jv *a;
	struct table t = { .n_cols = 5 };
	int rc;

	if ((rc = http_call(c, "GET", "/api/v1/customers", NULL)) != 0 ||
	    c->o->json)
		return rc;
	if ((a = doc_array(c, "customers")) == NULL)
		return EXIT_API;
	if (a->n == 0) {
		puts("no customers");
		return 0;
	}
	table_row(&t,
	    (const char *const[]){ "ID", "NAME", "KEYS", "CREATED", "STATE" });
	for (size_t i = 0; i < a->n; i++) {
		const struct jv *e = &a->kid[i];
		char id[24] = "?", keys[24] = "?", created[32], state[48];
		int64_t v;

		if (jv_int(e, "id", &v))
			snprintf(id, sizeof(id), "%" PRId64, v);
		if (jv_int(e, "active_keys", &v))
			snprintf(keys, sizeof(keys), "%" PRId64, v);
		fmt_time(created, sizeof(created),
		    jv_int(e, "created_at", &v) ? v : 0);
		if (jv_int(e, "revoked_at", &v)) {
			char when[32];

			fmt_time(when, sizeof(when), v);
			snprintf(state, sizeof(state), "revoked %s", when);
		} else {
			snprintf(state, sizeof(state), "active");
		}
		table_row(&t,
		    (const char *const[]){
			id, jv_str(e, "name"), keys, created, state });
	}
	table_print(&t);
	rc = t.oom ? EXIT_API : 0;
	table_free(&t);
	return rc;
}

static int
cmd_customer_revoke(struct call *c, const char *name)
{
	struct buf path;
	CURL *tmp = curl_easy_init();
	char *esc = tmp ? curl_easy_escape(tmp, name, 0) : NULL;
	int64_t n = 0;
	int rc = EXIT_API;

	buf_init(&path, 4096);
	if (esc) {
		buf_printf(&path, "/api/v1/customers/%s/revoke", esc);
		buf_append(&path, "", 1);
	}
	curl_free(esc);
	curl_easy_cleanup(tmp);
	if (esc == NULL || path.err) {
		fputs("cdnctl: out of memory\n", stderr);
		goto out;
	}
	rc = http_call(c, "POST", (char *)path.data, "");
	if (rc == 0 && !c->o->json) {
		jv_int(&c->doc, "keys_revoked", &n);
		printf("customer %s revoked, with %" PRId64 " active key%s\n",
		    name, n, n == 1 ? "" : "s");
	}
out:
	buf_fini(&path);
	return rc;
}

static int
cmd_key_add(struct call *c)
{
	const struct opts *o = c->o;
	struct buf form;
	CURL *tmp = curl_easy_init();
	int64_t id = 0;
	int rc;

	buf_init(&form, 4096);
	form_add(&form, tmp, "customer", o->customer);
	form_add(&form, tmp, "stream", o->stream);
	form_add(&form, tmp, "key", o->key);
	buf_append(&form, "", 1);
	curl_easy_cleanup(tmp);
	if (form.err || tmp == NULL) {
		buf_fini(&form);
		fputs("cdnctl: out of memory\n", stderr);
		return EXIT_API;
	}
	rc = http_call(c, "POST", "/api/v1/keys", (char *)form.data);
	memset(form.data, 0, form.len); /* may hold an imported key */
	buf_fini(&form);
	if (rc == 0 && !o->json) {
		const struct jv *obs = jv_get(&c->doc, "obs");
		char *key = term_safe(jv_str(&c->doc, "key"));
		char *rtmp = term_safe(jv_str(&c->doc, "rtmp_url"));
		char *server = term_safe(jv_str(obs, "server"));
		char *play = term_safe(jv_str(&c->doc, "playback"));
		char *cust = term_safe(jv_str(&c->doc, "customer"));
		char *stream = term_safe(jv_str(&c->doc, "stream"));

		jv_int(&c->doc, "id", &id);
		if (key && rtmp && server && play && cust && stream) {
			printf("key %" PRId64
			       " created for customer %s, stream %s\n\n",
			    id, cust, stream);
			printf("  stream key:      %s\n", key);
			printf("  RTMP URL:        %s/%s\n", rtmp, key);
			printf("  OBS server:      %s\n", server);
			printf("  OBS stream key:  %s\n", key);
			printf("  playback:        %s\n\n", play);
			printf(
			    "The key is shown only this once: store it now.\n");
		} else {
			rc = EXIT_API;
		}
		if (key)
			memset(key, 0, strlen(key));
		free(key);
		free(rtmp);
		free(server);
		free(play);
		free(cust);
		free(stream);
	}
	return rc;
}

static int
cmd_key_list(struct call *c)
{
	const struct opts *o = c->o;
	struct table t = { .n_cols = 6 };
	struct buf path;
	const struct jv *a;
	CURL *tmp = curl_easy_init();
	char *esc = NULL;
	int rc = EXIT_API;

	buf_init(&path, 4096);
	buf_printf(&path, "/api/v1/keys");
	if (o->customer && tmp && (esc = curl_easy_escape(tmp, o->customer, 0)))
		buf_printf(&path, "?customer=%s", esc);
	if (o->all)
		buf_printf(&path, "%sall=1", esc ? "&" : "?");
	buf_append(&path, "", 1);
	curl_free(esc);
	curl_easy_cleanup(tmp);
	if (path.err || tmp == NULL || (o->customer && esc == NULL)) {
		fputs("cdnctl: out of memory\n", stderr);
		goto out;
	}
	if ((rc = http_call(c, "GET", (char *)path.data, NULL)) != 0 || o->json)
		goto out;
	rc = EXIT_API;
	if ((a = doc_array(c, "keys")) == NULL)
		goto out;
	rc = 0;
	if (a->n == 0) {
		puts("no keys");
		goto out;
	}
	table_row(&t,
	    (const char *const[]){
		"ID", "CUSTOMER", "STREAM", "HINT", "CREATED", "STATE" });
	for (size_t i = 0; i < a->n; i++) {
		const struct jv *e = &a->kid[i];
		char id[24] = "?", hint[16], created[32], state[48];
		const char *h = jv_str(e, "hint");
		int64_t v;

		if (jv_int(e, "id", &v))
			snprintf(id, sizeof(id), "%" PRId64, v);
		snprintf(hint, sizeof(hint), "...%s", h ? h : "");
		fmt_time(created, sizeof(created),
		    jv_int(e, "created_at", &v) ? v : 0);
		if (jv_int(e, "revoked_at", &v)) {
			char when[32];

			fmt_time(when, sizeof(when), v);
			snprintf(state, sizeof(state), "revoked %s", when);
		} else {
			snprintf(state, sizeof(state), "active");
		}
		table_row(&t,
		    (const char *const[]){ id, jv_str(e, "customer"),
			jv_str(e, "stream"), hint, created, state });
	}
	table_print(&t);
	rc = t.oom ? EXIT_API : 0;
out:
	table_free(&t);
	buf_fini(&path);
	return rc;
}

/* Key ids: 1 to 18 digits, as the API accepts. */
static bool
id_ok(const char *id)
{
	size_t n = strspn(id, "0123456789");

	return n > 0 && n <= 18 && id[n] == '\0';
}

static int
cmd_key_revoke(struct call *c, const char *id)
{
	char path[64];
	int rc;

	snprintf(path, sizeof(path), "/api/v1/keys/%s/revoke", id);
	rc = http_call(c, "POST", path, "");
	if (rc == 0 && !c->o->json) {
		char *stream = term_safe(jv_str(&c->doc, "stream"));
		char *hint = term_safe(jv_str(&c->doc, "hint"));

		printf(
		    "key %s (stream %s, hint ...%s) revoked; a publisher using "
		    "it is disconnected\n",
		    id, stream ? stream : "?", hint ? hint : "?");
		free(stream);
		free(hint);
	}
	return rc;
}

/* Read an SDP file for --sdp: at most 4000 bytes (the origin's limit). */
static char *
read_sdp(const char *path)
{
	char *d = calloc(1, 4002);
	FILE *f;
	size_t n;

	if (d == NULL)
		return NULL;
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "cdnctl: %s: %s\n", path, strerror(errno));
		free(d);
		return NULL;
	}
	n = fread(d, 1, 4001, f);
	fclose(f);
	if (n == 0 || n > 4000) {
		fprintf(stderr, "cdnctl: %s: %s\n", path, n ? "longer than 4000 bytes" : "empty");
		free(d);
		return NULL;
	}
	return d;
}

/* key rtp ID [--sdp FILE], key rtp-show ID, key rtp-remove ID */
static int
cmd_key_rtp(struct call *c, const char *verb, const char *id)
{
	char path[96];
	struct buf form;
	char *sdp = NULL;
	CURL *tmp = NULL;
	int rc;

	if (strcmp(verb, "rtp-show") == 0) {
		snprintf(path, sizeof(path), "/api/v1/keys/%s/rtp", id);
		rc = http_call(c, "GET", path, NULL);
	} else if (strcmp(verb, "rtp-remove") == 0) {
		snprintf(path, sizeof(path), "/api/v1/keys/%s/rtp/remove", id);
		rc = http_call(c, "POST", path, "");
		if (rc == 0 && !c->o->json)
			printf("key %s: RTP ingest removed\n", id);
		return rc;
	} else {
		if (c->o->sdp_file && (sdp = read_sdp(c->o->sdp_file)) == NULL)
			return EXIT_USAGE;
		buf_init(&form, 64 * 1024);
		tmp = curl_easy_init();
		form_add(&form, tmp, "sdp", sdp);
		buf_append(&form, "", 1);
		curl_easy_cleanup(tmp);
		free(sdp);
		if (form.err || tmp == NULL) {
			buf_fini(&form);
			fputs("cdnctl: out of memory\n", stderr);
			return EXIT_API;
		}
		snprintf(path, sizeof(path), "/api/v1/keys/%s/rtp", id);
		rc = http_call(c, "POST", path, (char *)form.data);
		buf_fini(&form);
	}
	if (rc == 0 && !c->o->json) {
		const char *s = jv_str(&c->doc, "sdp");
		/* The SDP as is: the sender's tools read it (ffmpeg -i, VLC). */
		if (s)
			fputs(s, stdout);
	}
	return rc;
}

static int
cmd_streams(struct call *c)
{
	struct table t = { .n_cols = 8 };
	const struct jv *a;
	int rc;

	if ((rc = http_call(c, "GET", "/api/v1/streams", NULL)) != 0 ||
	    c->o->json)
		return rc;
	if ((a = doc_array(c, "streams")) == NULL)
		return EXIT_API;
	if (a->n == 0) {
		puts("no streams");
		return 0;
	}
	table_row(&t,
	    (const char *const[]){ "NAME", "CUSTOMER", "STATE", "BITRATE",
		"UPTIME", "CODECS", "RESOLUTION", "PEER" });
	for (size_t i = 0; i < a->n; i++) {
		const struct jv *e = &a->kid[i];
		const char *state = jv_str(e, "state");
		const char *codecs = jv_str(e, "codecs");
		char rate[32] = "-", up[32] = "-", res[48] = "-";
		int64_t v, w, h;

		if (jv_int(e, "bitrate_bps", &v) && v > 0)
			snprintf(rate, sizeof(rate), "%" PRId64 " kbit/s",
			    (v + 500) / 1000);
		if (state && strcmp(state, "live") == 0 &&
		    jv_int(e, "uptime_s", &v))
			fmt_uptime(up, sizeof(up), v);
		if (jv_int(e, "width", &w) && jv_int(e, "height", &h) &&
		    w > 0 && h > 0)
			snprintf(
			    res, sizeof(res), "%" PRId64 "x%" PRId64, w, h);
		table_row(&t,
		    (const char *const[]){ jv_str(e, "name"),
			jv_str(e, "customer"), state ? state : "?", rate, up,
			codecs && codecs[0] ? codecs : "-", res,
			jv_str(e, "peer") });
	}
	table_print(&t);
	rc = t.oom ? EXIT_API : 0;
	table_free(&t);
	return rc;
}

static int
cmd_edges(struct call *c)
{
	struct table t = { .n_cols = 6 };
	const struct jv *a;
	int rc;

	if ((rc = http_call(c, "GET", "/api/v1/edges", NULL)) != 0 || c->o->json)
		return rc;
	if ((a = doc_array(c, "edges")) == NULL)
		return EXIT_API;
	if (a->n == 0) {
		puts("no edges (origin setting: edge NAME URL [ANNOUNCE_SOCKET])");
		return 0;
	}
	table_row(&t, (const char *const[]){ "NAME", "HEALTH", "ANNOUNCE", "HIT", "SERVED", "URL" });
	for (size_t i = 0; i < a->n; i++) {
		const struct jv *e = &a->kid[i];
		const struct jv *an = jv_get(e, "announce");
		const struct jv *hr = jv_get(e, "hit_ratio");
		char hit[16] = "-", served[32] = "-", ann[64] = "-";
		int64_t v;

		if (hr && hr->t == JV_NUM)
			snprintf(hit, sizeof(hit), "%.1f%%", hr->num * 100);
		if (jv_int(e, "bytes_out", &v))
			snprintf(served, sizeof(served), "%.1f MiB", (double)v / 1048576.0);
		if (an && an->t == JV_OBJ) {
			const struct jv *r = jv_get(an, "reachable"), *d = jv_get(an, "draining"),
			    *au = jv_get(an, "announced");
			int64_t up = 0, peers = 0;
			jv_int(an, "peers_established", &up);
			jv_int(an, "peers", &peers);
			if (!(r && r->t == JV_BOOL && r->b))
				snprintf(ann, sizeof(ann), "unreachable");
			else
				snprintf(ann, sizeof(ann), "%s%s, %" PRId64 "/%" PRId64 " peers",
				    au && au->t == JV_BOOL && au->b ? "announced" : "withdrawn",
				    d && d->t == JV_BOOL && d->b ? " (draining)" : "", up, peers);
		}
		table_row(&t, (const char *const[]){ jv_str(e, "name"), jv_str(e, "health"), ann,
			hit, served, jv_str(e, "url") });
	}
	table_print(&t);
	rc = t.oom ? EXIT_API : 0;
	table_free(&t);
	return rc;
}

static int
cmd_edge_drain(struct call *c, const char *name, bool drain)
{
	char path[160];
	int rc;

	snprintf(path, sizeof(path), "/api/v1/edges/%s/%s", name, drain ? "drain" : "undrain");
	rc = http_call(c, "POST", path, "");
	if (rc == 0 && !c->o->json)
		printf("edge %s %s\n", name, drain ? "draining (graceful shutdown, then withdrawn)" :
		    "undrained");
	return rc;
}

/* --- playback access (docs/access.md) ------------------------------ */

/* "/api/v1/customers/<C>/secrets<suffix>" into path; 0 or an exit status. */
static int
secrets_path(struct buf *path, const char *customer, const char *suffix)
{
	CURL *tmp = curl_easy_init();
	char *esc = tmp ? curl_easy_escape(tmp, customer, 0) : NULL;

	if (esc)
		buf_printf(path, "/api/v1/customers/%s/secrets%s", esc, suffix);
	buf_append(path, "", 1);
	curl_free(esc);
	curl_easy_cleanup(tmp);
	if (esc == NULL || path->err) {
		fputs("cdnctl: out of memory\n", stderr);
		return EXIT_API;
	}
	return 0;
}

static int
cmd_secret(struct call *c, const char *verb)
{
	const struct opts *o = c->o;
	bool show = strcmp(verb, "show") == 0, list = strcmp(verb, "list") == 0;
	struct buf path;
	int rc;

	buf_init(&path, 4096);
	if ((rc = secrets_path(&path, o->customer, list || show ? (show ? "?reveal=1" : "") :
	    strcmp(verb, "rotate") == 0 ? "/rotate" : "/retire")) != 0)
		goto out;
	rc = http_call(c, list || show ? "GET" : "POST", (char *)path.data, list || show ? NULL : "");
	if (rc != 0 || o->json)
		goto out;
	if (strcmp(verb, "rotate") == 0) {
		char *sec = term_safe(jv_str(&c->doc, "secret"));
		printf("new playback secret of %s (the previous one stays valid until "
		    "'cdnctl secret retire --customer %s'):\n\n  %s\n\n"
		    "Give it to the customer's back end, which signs tokens with it "
		    "(docs/access.md).\n", o->customer, o->customer, sec ? sec : "?");
		if (sec)
			memset(sec, 0, strlen(sec));
		free(sec);
	} else if (strcmp(verb, "retire") == 0) {
		int64_t n = 0;
		jv_int(&c->doc, "retired", &n);
		printf(n ? "the previous playback secret of %s is retired: tokens signed with it "
		    "are refused\n" : "%s has no previous playback secret\n", o->customer);
	} else {
		const struct jv *a = doc_array(c, "secrets");
		struct table t = { .n_cols = show ? 4 : 4 };
		if (a == NULL) {
			rc = EXIT_API;
			goto out;
		}
		table_row(&t, (const char *const[]){ "ID", "STATE", "CREATED",
			show ? "SECRET" : "HINT" });
		for (size_t i = 0; i < a->n; i++) {
			const struct jv *e = &a->kid[i];
			char id[24] = "?", created[32], hint[16];
			const char *h = jv_str(e, "hint");
			int64_t v;
			if (jv_int(e, "id", &v))
				snprintf(id, sizeof(id), "%" PRId64, v);
			fmt_time(created, sizeof(created), jv_int(e, "created_at", &v) ? v : 0);
			snprintf(hint, sizeof(hint), "...%s", h ? h : "");
			table_row(&t, (const char *const[]){ id, jv_str(e, "state"), created,
				show ? jv_str(e, "secret") : hint });
		}
		if (a->n == 0)
			printf("%s has no playback secret (cdnctl secret rotate makes one)\n",
			    o->customer);
		else
			table_print(&t);
		rc = t.oom ? EXIT_API : 0;
		table_free(&t);
	}
out:
	buf_fini(&path);
	return rc;
}

static int
cmd_token(struct call *c)
{
	const struct opts *o = c->o;
	struct buf form;
	CURL *tmp = curl_easy_init();
	int rc;

	buf_init(&form, 4096);
	form_add(&form, tmp, "customer", o->customer);
	form_add(&form, tmp, "stream", o->stream);
	form_add(&form, tmp, "ttl", o->ttl);
	form_add(&form, tmp, "ip", o->ip);
	form_add(&form, tmp, "sid", o->sid);
	buf_append(&form, "", 1);
	curl_easy_cleanup(tmp);
	if (form.err || tmp == NULL) {
		buf_fini(&form);
		fputs("cdnctl: out of memory\n", stderr);
		return EXIT_API;
	}
	rc = http_call(c, "POST", "/api/v1/tokens", (char *)form.data);
	buf_fini(&form);
	if (rc == 0 && !o->json) {
		char *tok = term_safe(jv_str(&c->doc, "token"));
		char *play = term_safe(jv_str(&c->doc, "playback"));
		char when[32];
		int64_t exp = 0;

		jv_int(&c->doc, "expires_at", &exp);
		fmt_time(when, sizeof(when), exp);
		printf("token:     %s\nplayback:  %s\nexpires:   %s\n", tok ? tok : "?",
		    play ? play : "?", when);
		free(tok);
		free(play);
	}
	return rc;
}

/* POST customer=, stream= and field=value (one stream's setting) to path. */
static int
post_stream_setting(struct call *c, const char *path, const char *field, const char *value)
{
	const struct opts *o = c->o;
	struct buf form;
	CURL *tmp = curl_easy_init();
	int rc;

	buf_init(&form, 4096);
	form_add(&form, tmp, "customer", o->customer);
	form_add(&form, tmp, "stream", o->stream);
	form_add(&form, tmp, field, value);
	buf_append(&form, "", 1);
	curl_easy_cleanup(tmp);
	if (form.err || tmp == NULL) {
		buf_fini(&form);
		fputs("cdnctl: out of memory\n", stderr);
		return EXIT_API;
	}
	rc = http_call(c, "POST", path, (char *)form.data);
	buf_fini(&form);
	return rc;
}

static int
cmd_stream_access(struct call *c, const char *mode)
{
	int rc = post_stream_setting(c, "/api/v1/access", "access", mode);

	if (rc == 0 && !c->o->json)
		printf("stream %s of %s is now %s%s\n", c->o->stream, c->o->customer, mode,
		    strcmp(mode, "public") == 0 ? "" : " (edges follow within one playlist TTL)");
	return rc;
}

static int
cmd_stream_encrypt(struct call *c, const char *onoff)
{
	int rc = post_stream_setting(c, "/api/v1/encryption", "encrypt", onoff);

	if (rc == 0 && !c->o->json)
		printf("stream %s of %s: encryption %s (from its next publish)\n", c->o->stream,
		    c->o->customer, onoff);
	return rc;
}

static int
cmd_stream_dvr(struct call *c, const char *window)
{
	int rc = post_stream_setting(c, "/api/v1/dvr", "window", window);

	if (rc == 0 && !c->o->json)
		printf("stream %s of %s: DVR window %s (from its next publish)\n", c->o->stream,
		    c->o->customer, strcmp(window, "0") == 0 ? "off" : window);
	return rc;
}

static int
cmd_stream_record(struct call *c, const char *onoff)
{
	int rc = post_stream_setting(c, "/api/v1/dvr", "record", onoff);

	if (rc == 0 && !c->o->json)
		printf("stream %s of %s: recording %s (from its next publish)\n", c->o->stream,
		    c->o->customer, onoff);
	return rc;
}

static int
cmd_recordings(struct call *c)
{
	struct table t = { .n_cols = 7 };
	const struct jv *a;
	char path[128];
	int rc;

	if (c->o->customer)
		snprintf(path, sizeof(path), "/api/v1/recordings?customer=%s", c->o->customer);
	else
		snprintf(path, sizeof(path), "/api/v1/recordings");
	if ((rc = http_call(c, "GET", path, NULL)) != 0 || c->o->json)
		return rc;
	if ((a = doc_array(c, "recordings")) == NULL)
		return EXIT_API;
	if (a->n == 0) {
		puts("no recordings (cdnctl stream record --customer C --stream S on)");
		return 0;
	}
	table_row(&t, (const char *const[]){ "ID", "STREAM", "CUSTOMER", "LENGTH", "ENDED",
		"EXPIRES", "URL" });
	for (size_t i = 0; i < a->n; i++) {
		const struct jv *e = &a->kid[i];
		char len[32] = "-", ended[40] = "-", expires[40] = "-";
		int64_t v;

		if (jv_int(e, "duration_ms", &v))
			snprintf(len, sizeof(len), "%" PRId64 "m%02" PRId64 "s", v / 60000,
			    (v / 1000) % 60);
		if (jv_int(e, "ended_ms", &v))
			fmt_time(ended, sizeof(ended), v / 1000);
		if (jv_int(e, "expires_ms", &v))
			fmt_time(expires, sizeof(expires), v / 1000);
		table_row(&t, (const char *const[]){ jv_str(e, "id"), jv_str(e, "stream"),
			jv_str(e, "customer"), len, ended, expires, jv_str(e, "url") });
	}
	table_print(&t);
	rc = t.oom ? EXIT_API : 0;
	table_free(&t);
	return rc;
}

static int
cmd_recording_delete(struct call *c, const char *stream, const char *id)
{
	char path[256];
	int rc;

	snprintf(path, sizeof(path), "/api/v1/recordings/%s/%s/delete", stream, id);
	rc = http_call(c, "POST", path, "");
	if (rc == 0 && !c->o->json)
		printf("recording %s of %s deleted\n", id, stream);
	return rc;
}

/* A stream name or recording id: [a-z0-9_-], 1-64, not starting with '-' or '_'. */
static bool
word_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 64 && s[0] != '-' && s[0] != '_' &&
	    s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-")] == '\0';
}

/* An edge name as the origin takes it: [A-Za-z0-9._-], 1-63. */
static bool
edge_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 63 && s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-")] == '\0';
}

/* Which sub-options each command takes, and how many words it has. */
static int
check_shape(
    const struct opts *o, const char *cmd, int n_words, unsigned allowed)
{
	static const struct {
		unsigned flag;
		const char *name;
	} names[] = {
		{ OPT_CUSTOMER, "--customer" },
		{ OPT_STREAM, "--stream" },
		{ OPT_KEY, "--key" },
		{ OPT_ALL, "--all" },
		{ OPT_TTL, "--ttl" },
		{ OPT_IP, "--ip" },
		{ OPT_SID, "--sid" },
		{ OPT_SDP, "--sdp" },
	};

	if (o->n_pos != n_words)
		return usage_error("wrong number of arguments for '%s'", cmd);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((o->given & names[i].flag) && !(allowed & names[i].flag))
			return usage_error(
			    "'%s' does not take %s", cmd, names[i].name);
	return 0;
}

static int
run(struct opts *o)
{
	struct call c = { .o = o };
	const char *w0 = o->pos[0], *w1 = o->n_pos > 1 ? o->pos[1] : "";
	int rc;

	/* Announcer commands go to the local control socket: no token. */
	if (strcmp(w0, "drain") == 0 || strcmp(w0, "undrain") == 0 ||
	    strcmp(w0, "announce") == 0 || strcmp(w0, "blackhole") == 0)
		return cdnctl_announce_run(o->pos, o->n_pos,
		    o->announce_socket ? o->announce_socket : CDNCTL_ANNOUNCE_SOCKET,
		    o->for_dur, o->json);
	/* the shape is checked before the token is read: usage errors first */
	if (strcmp(w0, "customer") == 0 && strcmp(w1, "add") == 0)
		rc = check_shape(o, "customer add NAME", 3, 0);
	else if (strcmp(w0, "customer") == 0 && strcmp(w1, "list") == 0)
		rc = check_shape(o, "customer list", 2, 0);
	else if (strcmp(w0, "customer") == 0 && strcmp(w1, "revoke") == 0)
		rc = check_shape(o, "customer revoke NAME", 3, 0);
	else if (strcmp(w0, "key") == 0 && strcmp(w1, "add") == 0) {
		rc = check_shape(
		    o, "key add", 2, OPT_CUSTOMER | OPT_STREAM | OPT_KEY);
		if (rc == 0 && (o->customer == NULL || o->stream == NULL))
			rc = usage_error(
			    "key add needs --customer and --stream");
	} else if (strcmp(w0, "key") == 0 && strcmp(w1, "list") == 0)
		rc = check_shape(o, "key list", 2, OPT_CUSTOMER | OPT_ALL);
	else if (strcmp(w0, "key") == 0 && strcmp(w1, "revoke") == 0) {
		rc = check_shape(o, "key revoke ID", 3, 0);
		if (rc == 0 && !id_ok(o->pos[2]))
			rc =
			    usage_error("key revoke: '%s' is not a key id (see "
					"key list)",
				o->pos[2]);
	} else if (strcmp(w0, "key") == 0 && (strcmp(w1, "rtp") == 0 ||
	    strcmp(w1, "rtp-show") == 0 || strcmp(w1, "rtp-remove") == 0)) {
		rc = check_shape(o, "key rtp ID", 3, strcmp(w1, "rtp") == 0 ? OPT_SDP : 0);
		if (rc == 0 && !id_ok(o->pos[2]))
			rc = usage_error("key %s: '%s' is not a key id (see key list)", w1,
			    o->pos[2]);
	} else if (strcmp(w0, "streams") == 0)
		rc = check_shape(o, "streams", 1, 0);
	else if (strcmp(w0, "edges") == 0)
		rc = check_shape(o, "edges", 1, 0);
	else if (strcmp(w0, "edge") == 0 && (strcmp(w1, "drain") == 0 || strcmp(w1, "undrain") == 0)) {
		rc = check_shape(o, "edge drain|undrain NAME", 3, 0);
		if (rc == 0 && !edge_name_ok(o->pos[2]))
			rc = usage_error("edge %s: '%s' is not an edge name", w1, o->pos[2]);
	} else if (strcmp(w0, "secret") == 0 && (strcmp(w1, "rotate") == 0 ||
	    strcmp(w1, "retire") == 0 || strcmp(w1, "list") == 0 || strcmp(w1, "show") == 0)) {
		rc = check_shape(o, "secret rotate|retire|list|show", 2, OPT_CUSTOMER);
		if (rc == 0 && o->customer == NULL)
			rc = usage_error("secret %s needs --customer", w1);
	} else if (strcmp(w0, "token") == 0) {
		rc = check_shape(o, "token", 1, OPT_CUSTOMER | OPT_STREAM | OPT_TTL | OPT_IP | OPT_SID);
		if (rc == 0 && (o->customer == NULL || o->stream == NULL || o->ttl == NULL))
			rc = usage_error("token needs --customer, --stream and --ttl");
	} else if (strcmp(w0, "stream") == 0 && strcmp(w1, "access") == 0) {
		rc = check_shape(o, "stream access MODE", 3, OPT_CUSTOMER | OPT_STREAM);
		if (rc == 0 && (o->customer == NULL || o->stream == NULL))
			rc = usage_error("stream access needs --customer and --stream");
		else if (rc == 0 && strcmp(o->pos[2], "public") && strcmp(o->pos[2], "token") &&
		    strcmp(o->pos[2], "unpublished"))
			rc = usage_error("stream access: public, token or unpublished (got '%s')",
			    o->pos[2]);
	} else if (strcmp(w0, "stream") == 0 && strcmp(w1, "encrypt") == 0) {
		rc = check_shape(o, "stream encrypt on|off", 3, OPT_CUSTOMER | OPT_STREAM);
		if (rc == 0 && (o->customer == NULL || o->stream == NULL))
			rc = usage_error("stream encrypt needs --customer and --stream");
		else if (rc == 0 && strcmp(o->pos[2], "on") && strcmp(o->pos[2], "off"))
			rc = usage_error("stream encrypt: on or off (got '%s')", o->pos[2]);
	} else if (strcmp(w0, "stream") == 0 && strcmp(w1, "dvr") == 0) {
		rc = check_shape(o, "stream dvr WINDOW", 3, OPT_CUSTOMER | OPT_STREAM);
		if (rc == 0 && (o->customer == NULL || o->stream == NULL))
			rc = usage_error("stream dvr needs --customer and --stream");
	} else if (strcmp(w0, "stream") == 0 && strcmp(w1, "record") == 0) {
		rc = check_shape(o, "stream record on|off", 3, OPT_CUSTOMER | OPT_STREAM);
		if (rc == 0 && (o->customer == NULL || o->stream == NULL))
			rc = usage_error("stream record needs --customer and --stream");
		else if (rc == 0 && strcmp(o->pos[2], "on") && strcmp(o->pos[2], "off"))
			rc = usage_error("stream record: on or off (got '%s')", o->pos[2]);
	} else if (strcmp(w0, "recordings") == 0) {
		rc = check_shape(o, "recordings", 1, OPT_CUSTOMER);
	} else if (strcmp(w0, "recording") == 0 && strcmp(w1, "delete") == 0) {
		rc = check_shape(o, "recording delete STREAM ID", 4, 0);
		if (rc == 0 && (!word_ok(o->pos[2]) || !word_ok(o->pos[3])))
			rc = usage_error("recording delete: '%s' '%s' is not a stream and a "
			    "recording id (see recordings)", o->pos[2], o->pos[3]);
	} else if (strcmp(w0, "report") == 0) {
		rc = check_shape(o, "report", 1, OPT_CUSTOMER | OPT_ALL);
		if (rc == 0 && (o->from == NULL || o->to == NULL))
			rc = usage_error("report needs --from DATE and --to DATE");
		else if (rc == 0 && (o->customer == NULL) == !o->all)
			rc = usage_error("report needs --customer C or --all");
	}
	else
		return usage_error("unknown command '%s'",
		    o->n_pos > 1 &&
			    (strcmp(w0, "customer") == 0 ||
				strcmp(w0, "key") == 0 || strcmp(w0, "edge") == 0 ||
				strcmp(w0, "secret") == 0 || strcmp(w0, "stream") == 0 ||
				strcmp(w0, "recording") == 0)
			? w1
			: w0);
	if (rc != 0)
		return rc;
	if ((rc = token_resolve(o)) != 0)
		return rc;

	if (strcmp(w0, "streams") == 0)
		rc = cmd_streams(&c);
	else if (strcmp(w0, "edges") == 0)
		rc = cmd_edges(&c);
	else if (strcmp(w0, "edge") == 0)
		rc = cmd_edge_drain(&c, o->pos[2], strcmp(w1, "drain") == 0);
	else if (strcmp(w0, "report") == 0)
		rc = cmd_report(&c);
	else if (strcmp(w0, "secret") == 0)
		rc = cmd_secret(&c, w1);
	else if (strcmp(w0, "token") == 0)
		rc = cmd_token(&c);
	else if (strcmp(w0, "stream") == 0 && strcmp(w1, "encrypt") == 0)
		rc = cmd_stream_encrypt(&c, o->pos[2]);
	else if (strcmp(w0, "stream") == 0 && strcmp(w1, "dvr") == 0)
		rc = cmd_stream_dvr(&c, o->pos[2]);
	else if (strcmp(w0, "stream") == 0 && strcmp(w1, "record") == 0)
		rc = cmd_stream_record(&c, o->pos[2]);
	else if (strcmp(w0, "recordings") == 0)
		rc = cmd_recordings(&c);
	else if (strcmp(w0, "recording") == 0)
		rc = cmd_recording_delete(&c, o->pos[2], o->pos[3]);
	else if (strcmp(w0, "stream") == 0)
		rc = cmd_stream_access(&c, o->pos[2]);
	else if (strcmp(w0, "customer") == 0 && strcmp(w1, "add") == 0)
		rc = cmd_customer_add(&c, o->pos[2]);
	else if (strcmp(w0, "customer") == 0 && strcmp(w1, "list") == 0)
		rc = cmd_customer_list(&c);
	else if (strcmp(w0, "customer") == 0)
		rc = cmd_customer_revoke(&c, o->pos[2]);
	else if (strcmp(w1, "add") == 0)
		rc = cmd_key_add(&c);
	else if (strcmp(w1, "list") == 0)
		rc = cmd_key_list(&c);
	else if (strncmp(w1, "rtp", 3) == 0)
		rc = cmd_key_rtp(&c, w1, o->pos[2]);
	else
		rc = cmd_key_revoke(&c, o->pos[2]);
	call_fini(&c);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	const char *env_url = getenv("CDN_ORIGIN_URL");
	int rc;

	if ((rc = parse_args(argc, argv, &o)) >= 0)
		return rc;
	if (o.n_pos == 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (o.url == NULL)
		o.url = env_url && env_url[0] ? env_url : CDNCTL_DEFAULT_URL;
	if (strncmp(o.url, "http://", 7) != 0 &&
	    strncmp(o.url, "https://", 8) != 0)
		return usage_error("the origin URL must start with http:// or "
				   "https:// (got '%s')",
		    o.url);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fputs("cdnctl: cannot initialize libcurl\n", stderr);
		return EXIT_API;
	}
	rc = run(&o);
	if (o.token_buf) {
		memset(o.token_buf, 0, strlen(o.token_buf));
		free(o.token_buf);
	}
	curl_global_cleanup();
	return rc;
}
