/*
 * rtmp_poke: a misbehaving RTMP client for the origin's robustness test
 * (tests/integration/origin_abuse.sh).
 *
 *   rtmp_poke HOST PORT SCENARIO [ARG]
 *
 * Connects once (or a few times, one after the other), plays one kind of
 * misbehaviour and judges the server's reaction: exit 0 when the server did
 * what it should (closed at once, closed within its timeout, kept the
 * connection, or sent the expected reply), 1 with a "FAIL" line saying what
 * happened otherwise, 2 on a usage or connect error, 3 when the run limit
 * expired. Every read waits at most READ_TIMEOUT_MS and the whole run is
 * bounded by alarm(), so a hung server cannot hang the test.
 *
 * Design: the client side reuses the origin's own handshake, chunk and AMF0
 * code (rtmp_hs_client_*, rtmp_chunk_*, amf0_*) for the well-formed parts,
 * so a scenario breaks exactly one rule and the server's replies are read
 * with a real chunk reader. The malformed parts are raw bytes written here
 * (Adobe RTMP 1.0 sections 5.2 handshake, 5.3 chunks, 5.4.1 Set Chunk Size,
 * 7.2 commands; AMF0 spec 2.x markers). Random bytes come from a seeded
 * generator: POKE_SEED reproduces a run, and failures print the seed.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "amf0.h"
#include "buf.h"
#include "rd.h"
#include "rtmp_chunk.h"
#include "rtmp_hs.h"

#define READ_TIMEOUT_MS 5000
/*
 * A protocol error must close the connection at once. The test runs the
 * origin with handshake_timeout=2s, so a close within 1.5 s cannot be the
 * handshake timer doing the work instead.
 */
#define PROMPT_MS 1500
#define RUN_LIMIT_S 30
#define IN_MAX (2u << 20)
#define PUBLISH_MSID 1

struct poke {
	int fd;
	struct buf in;               /* received, not parsed yet */
	struct buf out;              /* to send */
	struct rtmp_hs hs;
	struct rtmp_chunk_rd rd;
	struct rtmp_chunk_wr wr;
	bool is_hs_done;
	size_t n_rx;                 /* bytes received in all */
	char seen[1024];             /* commands received, for the messages */
	const char *want_name;       /* poke_expect: command name ... */
	const char *want_code;       /* ... and info object code, or NULL ... */
	double want_txn;             /* ... and transaction id, or -1 */
	bool has_want;
	bool has_bad_reply;          /* the server sent AMF0 we cannot decode */
};

static const char *g_host, *g_port, *g_scen;
static bool g_small_rcvbuf;      /* "deaf": a tiny receive window */
static uint64_t g_seed, g_rng;

/* ---- small helpers ---------------------------------------------------------- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
pass(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int
pass(const char *fmt, ...)
{
	va_list ap;

	printf("ok   %s: ", g_scen);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return 0;
}

static int
fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int
fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: ", g_scen);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (POKE_SEED=%llu)\n", (unsigned long long)g_seed);
	fflush(stdout);
	return 1;
}

/* xorshift64*: reproducible from POKE_SEED, good enough for garbage. */
static uint8_t
rnd8(void)
{
	g_rng ^= g_rng >> 12;
	g_rng ^= g_rng << 25;
	g_rng ^= g_rng >> 27;
	return (uint8_t)((g_rng * 0x2545F4914F6CDD1DULL) >> 56);
}

static void
rnd_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = rnd8();
}

/* A recv result that means the peer is gone: end of stream or a reset. */
static bool
is_closed_rc(int rc)
{
	return rc == 0 || rc == -ECONNRESET || rc == -EPIPE;
}

/* A send result that means the peer is gone. */
static bool
is_send_closed(int rc)
{
	return rc == -ECONNRESET || rc == -EPIPE;
}

static void
on_alarm(int sig)
{
	static const char msg[] = "FAIL rtmp_poke: run limit reached\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) == -1) {
		/* nothing left to do */
	}
	_exit(3);
}

/* ---- connection ------------------------------------------------------------- */

static int
poke_open(struct poke *p)
{
	static const struct rtmp_chunk_limits lim = { 16u << 20, 1u << 20, 64 };
	struct addrinfo hints = { 0 }, *ai = NULL;
	struct timeval tv = { READ_TIMEOUT_MS / 1000, 0 };
	int one = 1, rc;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	buf_init(&p->in, IN_MAX);
	buf_init(&p->out, IN_MAX);
	rtmp_chunk_wr_init(&p->wr);
	if (rtmp_chunk_rd_init(&p->rd, &lim) != 0)
		return -ENOMEM;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(g_host, g_port, &hints, &ai)) != 0) {
		fprintf(stderr, "rtmp_poke: %s:%s: %s\n", g_host, g_port, gai_strerror(rc));
		return -EINVAL;
	}
	p->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* Before connect, so that the window we announce stays small. */
	if (p->fd != -1 && g_small_rcvbuf) {
		int small = 4096;
		setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	}
	if (p->fd == -1 || connect(p->fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		rc = -errno;
		fprintf(stderr, "rtmp_poke: connect %s:%s: %s\n", g_host, g_port, strerror(errno));
		freeaddrinfo(ai);
		return rc;
	}
	freeaddrinfo(ai);
	setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* A server that stops reading must not block us past the timeout. */
	setsockopt(p->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return 0;
}

static void
poke_close(struct poke *p)
{
	if (p->fd != -1)
		close(p->fd);
	p->fd = -1;
	rtmp_chunk_rd_fini(&p->rd);
	buf_fini(&p->in);
	buf_fini(&p->out);
}

/* Send n bytes. 0, or -EPIPE / -ECONNRESET when the server closed. */
static int
send_raw(struct poke *p, const uint8_t *d, size_t n)
{
	while (n > 0) {
		ssize_t k = send(p->fd, d, n, MSG_NOSIGNAL);
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1)
			return -errno;
		d += k;
		n -= (size_t)k;
	}
	return 0;
}

static int
send_out(struct poke *p)
{
	int rc = p->out.err ? p->out.err : send_raw(p, p->out.data, p->out.len);

	buf_reset(&p->out);
	return rc;
}

/*
 * Wait up to timeout_ms for bytes and append them to p->in. Returns the
 * count, 0 on end of stream, -ETIMEDOUT, or -errno (-ECONNRESET).
 */
static int
poke_recv(struct poke *p, int timeout_ms)
{
	struct pollfd pfd = { p->fd, POLLIN, 0 };
	ssize_t n;
	int rc;

	if (timeout_ms < 0)
		timeout_ms = 0;
	rc = poll(&pfd, 1, timeout_ms);
	if (rc == -1)
		return errno == EINTR ? -ETIMEDOUT : -errno;
	if (rc == 0)
		return -ETIMEDOUT;
	if (buf_reserve(&p->in, 65536) != 0)
		return -ENOBUFS;
	n = recv(p->fd, p->in.data + p->in.len, 65536, 0);
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? -ETIMEDOUT : -errno;
	p->in.len += (size_t)n;
	p->n_rx += (size_t)n;
	return (int)n;
}

static void
seen_add(struct poke *p, const char *s, size_t n)
{
	size_t len = strlen(p->seen);

	if (len + n + 2 >= sizeof(p->seen))
		return;
	if (len)
		p->seen[len++] = ' ';
	memcpy(p->seen + len, s, n);
	p->seen[len + n] = '\0';
}

/* Chunk reader callback: note every command, and whether it is the awaited one. */
static int
on_msg(void *arg, const struct rtmp_msg *m)
{
	struct poke *p = arg;
	struct amf0_val nodes[128];
	struct amf0_doc doc;
	const struct amf0_val *name, *info, *code;
	size_t skip = m->type == RTMP_MSG_CMD_AMF3 ? 1 : 0;
	char item[160];
	int n;

	if (m->type != RTMP_MSG_CMD_AMF0 && m->type != RTMP_MSG_CMD_AMF3)
		return 0;
	amf0_doc_init(&doc, nodes, 128, AMF0_DEFAULT_DEPTH);
	if (m->len < skip || amf0_decode(&doc, m->data + skip, m->len - skip) != 0) {
		p->has_bad_reply = true;
		seen_add(p, "<bad AMF0>", 10);
		return 0;
	}
	name = amf0_top(&doc, 0);
	info = amf0_top(&doc, 3);
	code = info && info->type == AMF0_OBJECT ? amf0_prop(info, "code") : NULL;
	if (name == NULL || name->type != AMF0_STRING)
		return 0;
	n = snprintf(item, sizeof(item), "%.*s%s%.*s%s", (int)(name->str_len > 40 ? 40 : name->str_len),
	    name->str, code ? "(" : "", code && code->type == AMF0_STRING ? (int)code->str_len : 0,
	    code && code->type == AMF0_STRING ? code->str : "", code ? ")" : "");
	seen_add(p, item, n > 0 && (size_t)n < sizeof(item) ? (size_t)n : 0);
	if (p->want_name && amf0_str_eq(name, p->want_name) &&
	    (p->want_code == NULL || amf0_str_eq(code, p->want_code)) &&
	    (p->want_txn < 0 || amf0_num(amf0_top(&doc, 1), -1) == p->want_txn))
		p->has_want = true;
	return 0;
}

/* Parse what was received. 0, or the reader's error (the server sent bad chunks). */
static int
poke_parse(struct poke *p)
{
	size_t used = 0;
	int rc;

	if (!p->is_hs_done)
		return 0;
	rc = rtmp_chunk_rd_feed(&p->rd, p->in.data, p->in.len, &used, on_msg, p);
	buf_consume(&p->in, used);
	return rc;
}

/*
 * The client handshake (spec 5.2.2-5.2.4). With is_c2_garbage, C2 is random
 * bytes instead of the echo of S1. Returns 0, or a negative errno with the
 * reason printed.
 */
static int
poke_handshake(struct poke *p, bool is_c2_garbage)
{
	int64_t until = now_ms() + READ_TIMEOUT_MS;
	struct rd r;
	int rc;

	rc = rtmp_hs_client_start(&p->hs, false, 0, &p->out);
	if (rc == 0)
		rc = send_out(p);
	if (rc != 0)
	{
		fail("sending C0+C1: %s", strerror(-rc));
		return rc;
	}
	for (;;) {
		size_t before = p->out.len;

		rd_init(&r, p->in.data, p->in.len);
		rc = rtmp_hs_client_feed(&p->hs, &r, &p->out);
		buf_consume(&p->in, p->in.len - r.left);
		if (rc < 0) {
			fail("server's S0/S1/S2 refused: %s", strerror(-rc));
			return rc;
		}
		if (rc == 1) {
			if (is_c2_garbage)
				rnd_fill(p->out.data + before, p->out.len - before);
			break;
		}
		rc = poke_recv(p, (int)(until - now_ms()));
		if (rc <= 0) {
			fail("handshake: %s after %zu bytes of S0+S1+S2",
			    rc == 0 ? "server closed" : strerror(-rc), p->n_rx);
			return rc == 0 ? -EPIPE : rc;
		}
	}
	p->is_hs_done = true;
	if ((rc = send_out(p)) != 0)
		fail("sending C2: %s", strerror(-rc));
	return rc;
}

/*
 * Wait for a command reply named name (with info.code == code unless NULL).
 * 0 when it came; -EPIPE when the server closed first; -ETIMEDOUT;
 * -EPROTO when the server's chunks do not parse.
 */
static int
poke_expect_txn(struct poke *p, const char *name, const char *code, double txn,
    int timeout_ms)
{
	int64_t until = now_ms() + timeout_ms;
	int rc;

	p->want_name = name;
	p->want_code = code;
	p->want_txn = txn;
	p->has_want = false;
	for (;;) {
		if ((rc = poke_parse(p)) != 0)
			return -EPROTO;
		if (p->has_want)
			return 0;
		rc = poke_recv(p, (int)(until - now_ms()));
		if (is_closed_rc(rc))
			return -EPIPE;
		if (rc < 0)
			return rc;
	}
}

static int
poke_expect(struct poke *p, const char *name, const char *code, int timeout_ms)
{
	return poke_expect_txn(p, name, code, -1, timeout_ms);
}

/*
 * Read (and note replies) until the server closes. Returns 0 and the time it
 * took in *ms, or -ETIMEDOUT.
 */
static int
poke_expect_close(struct poke *p, int timeout_ms, int64_t *ms)
{
	int64_t t0 = now_ms(), until = t0 + timeout_ms;
	int rc;

	for (;;) {
		if (p->is_hs_done) {
			if (poke_parse(p) != 0)
				buf_reset(&p->in);  /* past a reader error: just drain */
		} else {
			buf_reset(&p->in);
		}
		rc = poke_recv(p, (int)(until - now_ms()));
		if (is_closed_rc(rc)) {
			*ms = now_ms() - t0;
			return 0;
		}
		if (rc == -ETIMEDOUT || (rc < 0 && now_ms() >= until))
			return -ETIMEDOUT;
		if (rc < 0) {
			*ms = now_ms() - t0;
			return 0;  /* any other socket error also means the peer is gone */
		}
	}
}

/*
 * The common verdict for "the server must close at once". sent_rc is the
 * result of sending the offending bytes: a send that already failed because
 * the server closed counts as closed.
 */
static int
judge_prompt_close(struct poke *p, int sent_rc, const char *what)
{
	int64_t ms = 0;

	if (is_send_closed(sent_rc))
		return pass("closed while we were still sending %s", what);
	if (sent_rc != 0)
		return fail("sending %s: %s", what, strerror(-sent_rc));
	if (poke_expect_close(p, READ_TIMEOUT_MS, &ms) != 0)
		return fail("connection still open %d ms after %s (replies: %s)", READ_TIMEOUT_MS,
		    what, p->seen[0] ? p->seen : "none");
	if (ms > PROMPT_MS)
		return fail("closed only after %lld ms after %s: by a timer, not at the error",
		    (long long)ms, what);
	return pass("closed %lld ms after %s%s%s", (long long)ms, what,
	    p->seen[0] ? "; replies: " : "", p->seen);
}

/* ---- commands we send (spec 7.2.1.1, 7.2.2.1, 7.2.2.6) ---------------------- */

static int
send_amf(struct poke *p, uint32_t msid, struct buf *b)
{
	int rc = b->err;

	if (rc == 0)
		rc = rtmp_chunk_write(&p->wr, &p->out, RTMP_CSID_COMMAND, 0, RTMP_MSG_CMD_AMF0,
		    msid, b->data, b->len);
	buf_fini(b);
	return rc ? rc : send_out(p);
}

static int
send_connect(struct poke *p, const char *app)
{
	char url[300];
	struct buf b;

	snprintf(url, sizeof(url), "rtmp://%s:%s/%s", g_host, g_port, app);
	buf_init(&b, 4096);
	amf0_put_string(&b, "connect");
	amf0_put_number(&b, 1);
	amf0_put_object_begin(&b);
	amf0_put_key(&b, "app");
	amf0_put_string(&b, app);
	amf0_put_key(&b, "type");
	amf0_put_string(&b, "nonprivate");
	amf0_put_key(&b, "flashVer");
	amf0_put_string(&b, "FMLE/3.0 (compatible; rtmp_poke)");
	amf0_put_key(&b, "tcUrl");
	amf0_put_string(&b, url);
	amf0_put_object_end(&b);
	return send_amf(p, 0, &b);
}

/* name(txn, null[, str]) on message stream msid. */
static int
send_call(struct poke *p, uint32_t msid, const char *name, double txn, const char *str,
    const char *str2)
{
	struct buf b;

	buf_init(&b, 1 << 16);
	amf0_put_string(&b, name);
	amf0_put_number(&b, txn);
	amf0_put_null(&b);
	if (str)
		amf0_put_string(&b, str);
	if (str2)
		amf0_put_string(&b, str2);
	return send_amf(p, msid, &b);
}

/* Open, handshake, connect to "live" and wait for the _result. */
static int
poke_connected(struct poke *p)
{
	int rc;

	if ((rc = poke_open(p)) != 0)
		return rc;
	if ((rc = poke_handshake(p, false)) != 0)
		return rc;
	if ((rc = send_connect(p, "live")) != 0) {
		fail("sending connect: %s", strerror(-rc));
		return rc;
	}
	rc = poke_expect(p, "_result", "NetConnection.Connect.Success", READ_TIMEOUT_MS);
	if (rc != 0)
		fail("connect to app \"live\": %s (replies: %s)",
		    rc == -EPIPE ? "server closed" : strerror(-rc), p->seen[0] ? p->seen : "none");
	return rc;
}

/* ---- scenarios -------------------------------------------------------------- */

static long
arg_long(const char *arg, long def)
{
	return arg && *arg ? strtol(arg, NULL, 10) : def;
}

/* Random bytes instead of a handshake. The first byte is never 3, so this is
 * the "some other protocol hit the RTMP port" case (TLS, HTTP, scanners). */
static int
sc_garbage(const char *arg)
{
	struct poke p;
	size_t n = (size_t)arg_long(arg, 4096);
	uint8_t *d;
	int rc;

	if (n < 1 || n > (1u << 20))
		n = 4096;
	if ((rc = poke_open(&p)) != 0)
		return 2;
	d = malloc(n);
	if (d == NULL)
		return 2;
	rnd_fill(d, n);
	while (d[0] == RTMP_HS_VERSION)
		d[0] = rnd8();
	rc = send_raw(&p, d, n);
	free(d);
	rc = judge_prompt_close(&p, rc, "random bytes");
	poke_close(&p);
	return rc;
}

/* A valid handshake, then random bytes as the chunk stream. Either the
 * reader refuses them or the server times the connection out: it must not
 * stay open past the handshake timeout (ARG seconds, default 5). */
static int
sc_chunk_garbage(const char *arg)
{
	struct poke p;
	uint8_t d[2048];
	int64_t ms = 0;
	long secs = arg_long(arg, 5);
	int rc;

	if (poke_open(&p) != 0)
		return 2;
	if (poke_handshake(&p, false) != 0) {
		poke_close(&p);
		return 1;
	}
	rnd_fill(d, sizeof(d));
	rc = send_raw(&p, d, sizeof(d));
	if (is_send_closed(rc))
		rc = pass("closed while we were sending garbage chunks");
	else if (poke_expect_close(&p, (int)(secs * 1000), &ms) != 0)
		rc = fail("connection still open %ld s after garbage chunks", secs);
	else
		rc = pass("closed %lld ms after garbage chunks", (long long)ms);
	poke_close(&p);
	return rc;
}

/* C0 = 6 (an RTMPE request): the server does not speak it (spec 5.2.2) and
 * must refuse at once rather than wait for C1. */
static int
sc_bad_version(const char *arg)
{
	struct poke p;
	uint8_t d[1 + RTMP_HS_SIZE];
	int rc;

	(void)arg;
	if (poke_open(&p) != 0)
		return 2;
	rnd_fill(d, sizeof(d));
	d[0] = 6;
	rc = judge_prompt_close(&p, send_raw(&p, d, sizeof(d)), "C0 = 6");
	poke_close(&p);
	return rc;
}

/* C0 and half of C1, then silence: the handshake timer must close it within
 * ARG seconds (default 5). */
static int
sc_truncated_handshake(const char *arg)
{
	struct poke p;
	uint8_t d[1 + RTMP_HS_SIZE / 2];
	long secs = arg_long(arg, 5);
	int64_t ms = 0;
	int rc;

	if (poke_open(&p) != 0)
		return 2;
	rnd_fill(d, sizeof(d));
	d[0] = RTMP_HS_VERSION;
	rc = send_raw(&p, d, sizeof(d));
	if (rc != 0)
		rc = fail("server closed before the half C1 was sent: %s", strerror(-rc));
	else if (poke_expect_close(&p, (int)(secs * 1000), &ms) != 0)
		rc = fail("connection still open %ld s after a truncated handshake", secs);
	else
		rc = pass("closed by the handshake timer after %lld ms", (long long)ms);
	poke_close(&p);
	return rc;
}

/* No byte at all: same timer. */
static int
sc_silent(const char *arg)
{
	struct poke p;
	long secs = arg_long(arg, 5);
	int64_t ms = 0;
	int rc;

	if (poke_open(&p) != 0)
		return 2;
	if (poke_expect_close(&p, (int)(secs * 1000), &ms) != 0)
		rc = fail("a silent connection is still open after %ld s", secs);
	else
		rc = pass("silent connection closed after %lld ms", (long long)ms);
	poke_close(&p);
	return rc;
}

/* C2 of random bytes. The origin documents that it does not check C2
 * (ffmpeg echoes S1, librtmp answers a digest; neither proves anything), so
 * the connection must go on working: connect gets its _result. */
static int
sc_c2_garbage(const char *arg)
{
	struct poke p;
	int rc;

	(void)arg;
	if (poke_open(&p) != 0)
		return 2;
	if (poke_handshake(&p, true) != 0) {
		poke_close(&p);
		return 1;
	}
	if ((rc = send_connect(&p, "live")) != 0)
		rc = fail("sending connect after a garbage C2: %s", strerror(-rc));
	else if ((rc = poke_expect(&p, "_result", "NetConnection.Connect.Success",
	    READ_TIMEOUT_MS)) != 0)
		rc = fail("after a garbage C2, connect got: %s (replies: %s)",
		    rc == -EPIPE ? "connection closed" : strerror(-rc),
		    p.seen[0] ? p.seen : "none");
	else
		rc = pass("garbage C2 ignored, connect answered");
	poke_close(&p);
	return rc;
}

/* Set Chunk Size (spec 5.4.1) written by hand, as our writer refuses bad sizes. */
static void
put_set_chunk_size_raw(struct buf *b, uint32_t v)
{
	buf_put_u8(b, RTMP_CSID_CONTROL);        /* fmt 0, csid 2 */
	buf_put_be24(b, 0);
	buf_put_be24(b, 4);
	buf_put_u8(b, RTMP_MSG_SET_CHUNK_SIZE);
	buf_put_le32(b, 0);
	buf_put_be32(b, v);
}

/* Set Chunk Size 0x7fffffff (beyond rtmp_max_chunk_size), 0 and one with
 * bit 31 set, each on its own connection: each must be refused at once. */
static int
sc_absurd_chunk_size(const char *arg)
{
	static const uint32_t sizes[] = { 0x7fffffffu, 0, 0x80000080u };
	char what[64];
	int fails = 0;

	(void)arg;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct poke p;
		int rc;

		if (poke_open(&p) != 0)
			return 2;
		if (poke_handshake(&p, false) != 0) {
			poke_close(&p);
			return 1;
		}
		put_set_chunk_size_raw(&p.out, sizes[i]);
		rc = send_out(&p);
		snprintf(what, sizeof(what), "Set Chunk Size 0x%x", sizes[i]);
		fails += judge_prompt_close(&p, rc, what);
		poke_close(&p);
	}
	return fails ? 1 : 0;
}

/* A type 0 header announcing a video message of 16 MiB - 1 (the 24-bit
 * maximum), far beyond rtmp_max_message: refused at the header, before the
 * server buffers anything. */
static int
sc_huge_message(const char *arg)
{
	struct poke p;
	uint8_t pad[RTMP_DEFAULT_CHUNK_SIZE];
	int rc;

	(void)arg;
	if (poke_connected(&p) != 0) {
		poke_close(&p);
		return 1;
	}
	buf_put_u8(&p.out, 6);                   /* fmt 0, csid 6 */
	buf_put_be24(&p.out, 0);
	buf_put_be24(&p.out, 0xffffff);
	buf_put_u8(&p.out, RTMP_MSG_VIDEO);
	buf_put_le32(&p.out, PUBLISH_MSID);
	rnd_fill(pad, sizeof(pad));
	buf_append(&p.out, pad, sizeof(pad));
	rc = judge_prompt_close(&p, send_out(&p), "a 16 MiB message header");
	poke_close(&p);
	return rc;
}

/* One small audio message on each of ARG (default 100) chunk streams: the
 * server keeps state per chunk stream and must cap them. */
static int
sc_too_many_csids(const char *arg)
{
	struct poke p;
	long n = arg_long(arg, 100);
	uint8_t one = 0xaf;
	char what[64];
	int rc;

	if (n < 1 || n > 60000)
		n = 100;
	if (poke_open(&p) != 0)
		return 2;
	if (poke_handshake(&p, false) != 0) {
		poke_close(&p);
		return 1;
	}
	for (long i = 0; i < n; i++)
		rtmp_chunk_write(&p.wr, &p.out, (uint32_t)(4 + i), 0, RTMP_MSG_AUDIO, PUBLISH_MSID,
		    &one, 1);
	snprintf(what, sizeof(what), "%ld chunk streams", n);
	rc = judge_prompt_close(&p, send_out(&p), what);
	poke_close(&p);
	return rc;
}

/* A type 3 chunk on a chunk stream never seen: there is no header to
 * continue (spec 5.3.1.2.4), so the stream is out of sync. */
static int
sc_type3_first(const char *arg)
{
	struct poke p;
	uint8_t d[1 + 64];
	int rc;

	(void)arg;
	if (poke_open(&p) != 0)
		return 2;
	if (poke_handshake(&p, false) != 0) {
		poke_close(&p);
		return 1;
	}
	rnd_fill(d, sizeof(d));
	d[0] = 3 << 6 | 5;                       /* fmt 3, csid 5 */
	rc = judge_prompt_close(&p, send_raw(&p, d, sizeof(d)), "a type 3 chunk on a new csid");
	poke_close(&p);
	return rc;
}

/* Malformed connect bodies, one connection each. */
static int
sc_bad_amf(const char *arg)
{
	static const uint8_t cmd[] = { 0x02, 0x00, 0x07, 'c', 'o', 'n', 'n', 'e', 'c', 't',
		0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0 };
	struct {
		const char *what;
		uint8_t tail[48];
		size_t len;
	} cases[] = {
		/* { app: <marker 0x42> } */
		{ "an unknown AMF0 marker", { 0x03, 0x00, 0x03, 'a', 'p', 'p', 0x42, 0, 0, 9 }, 10 },
		/* { app: "li" with a string length of 300 } */
		{ "a string longer than the message", { 0x03, 0x00, 0x03, 'a', 'p', 'p', 0x02, 0x01,
		    0x2c, 'l', 'i' }, 11 },
		/* { app: "live" and no object end */
		{ "an object without its end", { 0x03, 0x00, 0x03, 'a', 'p', 'p', 0x02, 0x00, 0x04,
		    'l', 'i', 'v', 'e' }, 13 },
		/* a reference (0x07), which no encoder sends in commands */
		{ "an AMF0 reference", { 0x07, 0x00, 0x00 }, 3 },
		/* { app: 5 }: app must be a string */
		{ "a numeric app", { 0x03, 0x00, 0x03, 'a', 'p', 'p', 0x00, 0x40, 0x14, 0, 0, 0, 0,
		    0, 0, 0x00, 0x00, 0x09 }, 18 },
	};
	uint8_t body[4096];
	int fails = 0;

	(void)arg;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]) + 1; i++) {
		struct poke p;
		size_t len;
		char what[80];
		int rc;

		memcpy(body, cmd, sizeof(cmd));
		len = sizeof(cmd);
		if (i < sizeof(cases) / sizeof(cases[0])) {
			memcpy(body + len, cases[i].tail, cases[i].len);
			len += cases[i].len;
			snprintf(what, sizeof(what), "connect with %s", cases[i].what);
		} else {
			/* objects nested 1000 deep: bounded by the decoder's depth limit */
			for (int d = 0; d < 1000; d++) {
				memcpy(body + len, "\x03\x00\x01x", 4);
				len += 4;
			}
			body[len++] = 0x03;
			snprintf(what, sizeof(what), "connect with objects nested 1000 deep");
		}
		if (poke_open(&p) != 0)
			return 2;
		if (poke_handshake(&p, false) != 0) {
			poke_close(&p);
			return 1;
		}
		rtmp_chunk_write(&p.wr, &p.out, RTMP_CSID_COMMAND, 0, RTMP_MSG_CMD_AMF0, 0, body, len);
		rc = judge_prompt_close(&p, send_out(&p), what);
		if (rc == 0 && strstr(p.seen, "Connect.Success"))
			rc = fail("%s was accepted: %s", what, p.seen);
		fails += rc;
		poke_close(&p);
	}
	return fails ? 1 : 0;
}

/* createStream and publish without connect (spec 7.2.1.1: connect first). */
static int
sc_command_before_connect(const char *arg)
{
	struct poke p;
	int rc;

	(void)arg;
	if (poke_open(&p) != 0)
		return 2;
	if (poke_handshake(&p, false) != 0) {
		poke_close(&p);
		return 1;
	}
	rc = send_call(&p, 0, "createStream", 2, NULL, NULL);
	if (rc == 0)
		rc = send_call(&p, PUBLISH_MSID, "publish", 3, "somekey", "live");
	rc = judge_prompt_close(&p, rc, "createStream before connect");
	if (rc == 0 && strstr(p.seen, "_result"))
		rc = fail("server answered a command before connect: %s", p.seen);
	poke_close(&p);
	return rc;
}

/* connect to an application other than "live". */
static int
sc_bad_app(const char *arg)
{
	struct poke p;
	int64_t ms = 0;
	int rc;

	if (poke_open(&p) != 0)
		return 2;
	if (poke_handshake(&p, false) != 0) {
		poke_close(&p);
		return 1;
	}
	rc = send_connect(&p, arg && *arg ? arg : "other");
	if (rc != 0)
		rc = fail("sending connect: %s", strerror(-rc));
	else if ((rc = poke_expect(&p, "_error", "NetConnection.Connect.Rejected",
	    READ_TIMEOUT_MS)) != 0)
		rc = fail("connect to app \"%s\": no _error NetConnection.Connect.Rejected (%s; "
		    "replies: %s)", arg && *arg ? arg : "other",
		    rc == -EPIPE ? "closed" : strerror(-rc), p.seen[0] ? p.seen : "none");
	else if (poke_expect_close(&p, PROMPT_MS, &ms) != 0)
		rc = fail("connection still open %d ms after the rejection", PROMPT_MS);
	else if (strstr(p.seen, "Connect.Success"))
		rc = fail("both rejected and accepted: %s", p.seen);
	else
		rc = pass("rejected (%s), closed %lld ms later", p.seen, (long long)ms);
	poke_close(&p);
	return rc;
}

/* The whole FMLE publish sequence with a key that the server must refuse:
 * unknown (default), too long, or one that is live already (ARG). */
static int
sc_bad_key(const char *arg)
{
	struct poke p;
	char key[64];
	const char *k = arg;
	int64_t ms = 0;
	int rc;

	if (k == NULL || *k == '\0') {
		snprintf(key, sizeof(key), "poke-wrong-%08x%08x", (unsigned)g_rng,
		    (unsigned)(g_rng >> 32));
		k = key;
	}
	if (poke_connected(&p) != 0) {
		poke_close(&p);
		return 1;
	}
	rc = send_call(&p, 0, "releaseStream", 2, k, NULL);
	if (rc == 0)
		rc = send_call(&p, 0, "FCPublish", 3, k, NULL);
	if (rc == 0)
		rc = send_call(&p, 0, "createStream", 4, NULL, NULL);
	if (rc != 0) {
		rc = fail("sending the publish sequence: %s", strerror(-rc));
		goto out;
	}
	/* As encoders do, publish only once createStream (txn 4) is answered. */
	if ((rc = poke_expect_txn(&p, "_result", NULL, 4, READ_TIMEOUT_MS)) != 0) {
		rc = fail("createStream: %s (replies: %s)", rc == -EPIPE ? "closed" : strerror(-rc),
		    p.seen);
		goto out;
	}
	if ((rc = send_call(&p, PUBLISH_MSID, "publish", 5, k, "live")) != 0) {
		rc = fail("sending publish: %s", strerror(-rc));
		goto out;
	}
	if ((rc = poke_expect(&p, "onStatus", "NetStream.Publish.BadName", READ_TIMEOUT_MS)) != 0)
		rc = fail("publish with a bad key: no onStatus NetStream.Publish.BadName (%s; "
		    "replies: %s)", rc == -EPIPE ? "closed" : strerror(-rc), p.seen);
	else if (poke_expect_close(&p, PROMPT_MS, &ms) != 0)
		rc = fail("connection still open %d ms after BadName", PROMPT_MS);
	else if (strstr(p.seen, "onStatus(NetStream.Publish.Start)"))
		rc = fail("the bad key also got Publish.Start: %s", p.seen);
	else
		rc = pass("BadName, closed %lld ms later (replies: %s)", (long long)ms, p.seen);
out:
	poke_close(&p);
	return rc;
}

/* C0+C1 one byte every 200 ms: a connection that keeps trickling must still
 * be closed by the handshake deadline, within ARG seconds (default 6). */
static int
sc_slow_loris(const char *arg)
{
	struct poke p;
	uint8_t d[1 + RTMP_HS_SIZE];
	long secs = arg_long(arg, 6);
	int64_t t0, until;
	size_t i;
	int rc = -ETIMEDOUT;

	if (poke_open(&p) != 0)
		return 2;
	rnd_fill(d, sizeof(d));
	d[0] = RTMP_HS_VERSION;
	memset(d + 1, 0, 8);                     /* time 0, zero version: simple handshake */
	t0 = now_ms();
	until = t0 + secs * 1000;
	for (i = 0; i < sizeof(d) && now_ms() < until; i++) {
		struct pollfd pfd = { p.fd, POLLIN | POLLRDHUP, 0 };

		if ((rc = send_raw(&p, d + i, 1)) != 0)
			break;
		if (poll(&pfd, 1, 200) == 1 && is_closed_rc(rc = poke_recv(&p, 0)))
			break;
		rc = -ETIMEDOUT;
	}
	if (is_send_closed(rc) || rc == 0 || rc == -ECONNRESET)
		rc = pass("closed after %lld ms and %zu bytes", (long long)(now_ms() - t0), i);
	else if (rc != -ETIMEDOUT)
		rc = fail("socket error %s", strerror(-rc));
	else
		rc = fail("still open after %lld ms of trickling (%zu bytes sent)",
		    (long long)(now_ms() - t0), i);
	poke_close(&p);
	return rc;
}

/* Handshake and connect, then neither read nor send. The server must not
 * keep the connection forever: it closes it when the publish deadline
 * passes, within ARG seconds (default 6). POLLRDHUP sees the close without
 * reading. */
static int
sc_half_open(const char *arg)
{
	struct poke p;
	struct pollfd pfd;
	long secs = arg_long(arg, 6);
	int64_t t0;
	int rc;

	if (poke_connected(&p) != 0) {
		poke_close(&p);
		return 1;
	}
	printf("half-open: connected, now idle\n");
	fflush(stdout);
	t0 = now_ms();
	pfd.fd = p.fd;
	pfd.events = POLLRDHUP;
	do {
		pfd.revents = 0;
		rc = poll(&pfd, 1, (int)(t0 + secs * 1000 - now_ms()));
	} while (rc == -1 && errno == EINTR);
	if (rc == 1 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)))
		rc = pass("closed by the server after %lld ms idle", (long long)(now_ms() - t0));
	else
		rc = fail("idle connection still open after %ld s", secs);
	poke_close(&p);
	return rc;
}

/* Over rtmp_max_connections: the server must close at once without
 * answering the handshake. */
static int
sc_refused(const char *arg)
{
	struct poke p;
	uint8_t d[1 + RTMP_HS_SIZE];
	int64_t ms = 0;
	int rc;

	(void)arg;
	if (poke_open(&p) != 0)
		return 2;
	memset(d, 0, sizeof(d));
	d[0] = RTMP_HS_VERSION;
	rc = send_raw(&p, d, sizeof(d));
	if (rc != 0 && !is_send_closed(rc))
		rc = fail("send: %s", strerror(-rc));
	else if (rc == 0 && poke_expect_close(&p, PROMPT_MS, &ms) != 0)
		rc = fail("connection over the limit still open after %d ms (%zu bytes received)",
		    PROMPT_MS, p.n_rx);
	else if (p.n_rx > 0)
		rc = fail("the server answered the handshake (%zu bytes) before closing", p.n_rx);
	else
		rc = pass("refused: closed after %lld ms with no answer", (long long)ms);
	poke_close(&p);
	return rc;
}

/*
 * The FMLE publish sequence up to publish(key) on message stream 1. Returns
 * 0 when the onStatus with the given code came, else fails with a message.
 */
static int
poke_publish(struct poke *p, const char *key, double txn, const char *code)
{
	int rc;

	rc = send_call(p, 0, "createStream", txn, NULL, NULL);
	if (rc == 0 && (rc = poke_expect_txn(p, "_result", NULL, txn, READ_TIMEOUT_MS)) != 0) {
		fail("createStream: %s (replies: %s)", rc == -EPIPE ? "closed" : strerror(-rc),
		    p->seen);
		return rc;
	}
	if (rc == 0)
		rc = send_call(p, PUBLISH_MSID, "publish", txn + 1, key, "live");
	if (rc == 0)
		rc = poke_expect(p, "onStatus", code, READ_TIMEOUT_MS);
	if (rc != 0)
		fail("publish: no onStatus %s (%s; replies: %s)", code,
		    rc == -EPIPE ? "closed" : strerror(-rc), p->seen);
	return rc;
}

/* A correct publish with KEY (no media), then deleteStream: the key must
 * be free, so Publish.Start. Used after the scenarios that could leak it. */
static int
sc_publish_ok(const char *arg)
{
	struct poke p;
	int rc = 1;

	if (arg == NULL || *arg == '\0')
		return fail("publish-ok needs a KEY") + 1;
	if (poke_connected(&p) != 0)
		goto out;
	if (poke_publish(&p, arg, 2, "NetStream.Publish.Start") != 0)
		goto out;
	rc = send_call(&p, PUBLISH_MSID, "deleteStream", 4, NULL, NULL);
	rc = rc ? fail("deleteStream: %s", strerror(-rc)) : pass("Publish.Start");
out:
	poke_close(&p);
	return rc;
}

/*
 * Bad media after a good publish(KEY): FLV tags too short to parse, H.264
 * and AAC frames before any sequence header, and malformed sequence headers
 * (a truncated avcC, a one-byte AudioSpecificConfig), each ROUNDS times
 * (Adobe FLV 10.1 E.4.2.1 VIDEODATA / AVCVIDEOPACKET, E.4.2.2 AUDIODATA /
 * AACAUDIODATA). The origin skips them and keeps the publisher: a call
 * afterwards is still answered. Then deleteStream.
 */
static int
sc_bad_media(const char *arg)
{
	static const struct {
		uint8_t type;
		uint8_t body[12];
		size_t len;
	} bad[] = {
		{ RTMP_MSG_VIDEO, { 0x17 }, 1 },                       /* no AVC packet type */
		{ RTMP_MSG_VIDEO, { 0x17, 0x01, 0, 0 }, 4 },           /* cts cut short */
		{ RTMP_MSG_VIDEO, { 0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65 }, 10 },  /* NALU, no header */
		{ RTMP_MSG_VIDEO, { 0x17, 0x00, 0, 0, 0, 0x01, 0x42 }, 7 },        /* avcC cut short */
		{ RTMP_MSG_AUDIO, { 0xaf }, 1 },                       /* no AAC packet type */
		{ RTMP_MSG_AUDIO, { 0xaf, 0x01, 0x21, 0x10, 0x04 }, 5 },  /* raw AAC, no ASC */
		{ RTMP_MSG_AUDIO, { 0xaf, 0x00, 0x12 }, 3 },           /* ASC of one byte */
	};
	struct poke p;
	uint32_t ts = 0;
	int rc = 1;

	if (arg == NULL || *arg == '\0')
		return fail("bad-media needs a KEY") + 1;
	if (poke_connected(&p) != 0)
		goto out;
	if (poke_publish(&p, arg, 2, "NetStream.Publish.Start") != 0)
		goto out;
	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			rc = rtmp_chunk_write(&p.wr, &p.out, 6, ts, bad[i].type, PUBLISH_MSID,
			    bad[i].body, bad[i].len);
			if (rc == 0)
				rc = send_out(&p);
			if (rc != 0) {
				rc = fail("sending bad media: %s", strerror(-rc));
				goto out;
			}
		}
		ts += 40;
	}
	/* Still connected and served: a call gets its answer. */
	if ((rc = send_call(&p, 0, "_checkbw", 9, NULL, NULL)) == 0)
		rc = poke_expect_txn(&p, "_result", NULL, 9, READ_TIMEOUT_MS);
	if (rc != 0) {
		rc = fail("after bad media: no answer (%s; replies: %s)",
		    rc == -EPIPE ? "closed" : strerror(-rc), p.seen);
		goto out;
	}
	rc = send_call(&p, PUBLISH_MSID, "deleteStream", 10, NULL, NULL);
	rc = rc ? fail("deleteStream: %s", strerror(-rc)) : pass("bad media skipped, still publishing");
out:
	poke_close(&p);
	return rc;
}

/* publish(KEY) twice on one connection: the second is refused with an
 * error status and the connection closes; the stream published by the first
 * must end with it (publish-ok KEY afterwards shows the key is free). */
static int
sc_publish_twice(const char *arg)
{
	struct poke p;
	int64_t ms = 0;
	int rc = 1;

	if (arg == NULL || *arg == '\0')
		return fail("publish-twice needs a KEY") + 1;
	if (poke_connected(&p) != 0)
		goto out;
	if (poke_publish(&p, arg, 2, "NetStream.Publish.Start") != 0)
		goto out;
	rc = send_call(&p, PUBLISH_MSID, "publish", 4, arg, "live");
	if (rc == 0)
		rc = poke_expect(&p, "onStatus", "NetStream.Publish.BadName", READ_TIMEOUT_MS);
	if (rc != 0)
		rc = fail("second publish: no onStatus NetStream.Publish.BadName (%s; replies: %s)",
		    rc == -EPIPE ? "closed" : strerror(-rc), p.seen);
	else if (poke_expect_close(&p, PROMPT_MS, &ms) != 0)
		rc = fail("connection still open %d ms after the second publish was refused",
		    PROMPT_MS);
	else
		rc = pass("second publish refused, closed %lld ms later", (long long)ms);
out:
	poke_close(&p);
	return rc;
}

/*
 * Connect with a tiny receive window, announce a 1-byte acknowledgement
 * window, then for up to 3 s send Ping Requests (each answered by a Ping
 * Response and an Acknowledgement) without reading. The replies pile up on
 * the server; its send buffer is bounded (rtmp_out_buffer), so it must drop
 * us instead of growing. Its close sits behind the replies it had queued, so
 * we then read: the end of the stream must come within ARG seconds
 * (default 10). A server that kept everything would never end the stream.
 */
static int
sc_deaf(const char *arg)
{
	struct poke p;
	long secs = arg_long(arg, 10);
	int64_t t0, flood_until, ms = 0;
	size_t n_sent = 0;
	int rc;

	g_small_rcvbuf = true;
	if (poke_connected(&p) != 0) {
		poke_close(&p);
		return 1;
	}
	t0 = now_ms();
	flood_until = t0 + 3000;
	rc = rtmp_put_win_ack_size(&p.wr, &p.out, 1);
	if (rc == 0)
		rc = send_out(&p);
	while (rc == 0 && now_ms() < flood_until && n_sent < (32u << 20)) {
		for (unsigned i = 0; i < 1000; i++)
			rtmp_put_user_control(&p.wr, &p.out, RTMP_UC_PING_REQUEST, i);
		n_sent += p.out.len;
		rc = send_out(&p);
	}
	if (rc != 0 && rc != -EAGAIN && !is_send_closed(rc)) {
		rc = fail("sending pings: %s", strerror(-rc));
	} else if (is_send_closed(rc)) {
		rc = pass("dropped after %lld ms and %zu bytes of pings never read",
		    (long long)(now_ms() - t0), n_sent);
	} else if (poke_expect_close(&p, (int)(secs * 1000), &ms) != 0) {
		rc = fail("after %zu bytes of pings never read, the server still holds the "
		    "connection: %zu bytes received, no end of stream after %ld s", n_sent, p.n_rx,
		    secs);
	} else {
		rc = pass("dropped: %zu bytes of pings sent, %zu bytes of replies drained, then "
		    "the end of the stream", n_sent, p.n_rx);
	}
	poke_close(&p);
	return rc;
}

/* The well-behaved control: handshake, connect and createStream work. */
static int
sc_connect_ok(const char *arg)
{
	struct poke p;
	int rc;

	(void)arg;
	if (poke_connected(&p) != 0) {
		poke_close(&p);
		return 1;
	}
	rc = send_call(&p, 0, "createStream", 2, NULL, NULL);
	if (rc == 0)
		rc = poke_expect(&p, "_result", NULL, READ_TIMEOUT_MS);
	if (rc != 0)
		rc = fail("createStream: %s (replies: %s)", rc == -EPIPE ? "closed" : strerror(-rc),
		    p.seen);
	else if (p.has_bad_reply)
		rc = fail("the server sent undecodable AMF0: %s", p.seen);
	else
		rc = pass("%s", p.seen);
	poke_close(&p);
	return rc;
}

static const struct {
	const char *name;
	int (*fn)(const char *arg);
	const char *help;
} scenarios[] = {
	{ "garbage", sc_garbage, "[N] N random bytes instead of C0: closed at once" },
	{ "chunk-garbage", sc_chunk_garbage, "[SECS] handshake, then random chunks: closed" },
	{ "bad-version", sc_bad_version, "C0 = 6: closed at once" },
	{ "truncated-handshake", sc_truncated_handshake, "[SECS] C0 + half C1: closed by the timer" },
	{ "silent", sc_silent, "[SECS] connect and send nothing: closed by the timer" },
	{ "c2-garbage", sc_c2_garbage, "random C2: ignored, connect still works" },
	{ "absurd-chunk-size", sc_absurd_chunk_size, "Set Chunk Size 2^31-1, 0, 2^31+128: closed" },
	{ "huge-message", sc_huge_message, "16 MiB message header: closed at once" },
	{ "too-many-csids", sc_too_many_csids, "[N] N chunk streams (100): closed at once" },
	{ "type3-first", sc_type3_first, "type 3 chunk on a new csid: closed at once" },
	{ "bad-amf", sc_bad_amf, "malformed connect commands: closed at once" },
	{ "command-before-connect", sc_command_before_connect, "createStream first: closed" },
	{ "bad-app", sc_bad_app, "[APP] connect to \"other\": _error Rejected, closed" },
	{ "bad-key", sc_bad_key, "[KEY] publish a wrong or busy key: BadName, closed" },
	{ "slow-loris", sc_slow_loris, "[SECS] 1 byte / 200 ms: closed by the deadline" },
	{ "half-open", sc_half_open, "[SECS] connect, then idle: closed by the deadline" },
	{ "deaf", sc_deaf, "[SECS] flood pings, never read: dropped (bounded send buffer)" },
	{ "publish-ok", sc_publish_ok, "KEY publish (no media), Publish.Start" },
	{ "bad-media", sc_bad_media, "KEY publish, then malformed and headerless FLV media: skipped, kept" },
	{ "publish-twice", sc_publish_twice, "KEY publish twice on one connection: refused, closed" },
	{ "refused", sc_refused, "over the connection limit: closed, no answer" },
	{ "connect-ok", sc_connect_ok, "control: connect and createStream answered" },
};

int
main(int argc, char **argv)
{
	const char *seed = getenv("POKE_SEED");

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: rtmp_poke HOST PORT SCENARIO [ARG]\n");
		for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
			fprintf(stderr, "  %-24s %s\n", scenarios[i].name, scenarios[i].help);
		return 2;
	}
	g_host = argv[1];
	g_port = argv[2];
	g_scen = argv[3];
	g_seed = seed && *seed ? strtoull(seed, NULL, 10) :
	    (uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid() << 20 ^ (uint64_t)now_ms();
	g_rng = g_seed ? g_seed : 1;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)(RUN_LIMIT_S + (argc == 5 && atoi(argv[4]) > 0 &&
	    atoi(argv[4]) < 600 ? atoi(argv[4]) : 0)));
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(scenarios[i].name, g_scen) == 0)
			return scenarios[i].fn(argc == 5 ? argv[4] : NULL);
	fprintf(stderr, "rtmp_poke: unknown scenario %s\n", g_scen);
	return 2;
}
