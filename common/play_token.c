/*
 * play_token: signed playback tokens; see play_token.h and docs/access.md.
 *
 * Design: the token is scanned once, field by field, through a cursor that
 * knows how many bytes are left; each field has its own alphabet and length
 * bound, so nothing past PLAY_TOKEN_MAX bytes is ever looked at and no
 * field can smuggle the separator '~' into another. The signed message is
 * rebuilt from the parsed fields (not sliced from the input), so what is
 * verified is exactly what was parsed. HMAC-SHA256 is OpenSSL's one-shot
 * HMAC() (no context to share between threads); digests are compared with
 * CRYPTO_memcmp, and every secret is tried even after a match, so the time
 * taken depends on the number of secrets only.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "play_token.h"

#define SIG_LEN 32
#define MSG_MAX (2 + 64 + 1 + PLAY_TOKEN_EXP_DIGITS + 1 + PLAY_TOKEN_CIDR_MAX + 1 + \
	PLAY_TOKEN_SID_MAX + 1)

struct cur {
	const char *p;
	size_t left;
};

const char *
play_access_name(enum play_access a)
{
	switch (a) {
	case PLAY_PUBLIC:
		return "public";
	case PLAY_TOKEN:
		return "token";
	case PLAY_UNPUBLISHED:
		return "unpublished";
	}
	return NULL;
}

int
play_access_parse(const char *s, size_t n, enum play_access *out)
{
	static const enum play_access all[] = { PLAY_PUBLIC, PLAY_TOKEN, PLAY_UNPUBLISHED };

	for (size_t i = 0; s && i < sizeof(all) / sizeof(all[0]); i++) {
		const char *name = play_access_name(all[i]);
		if (strlen(name) == n && memcmp(name, s, n) == 0) {
			*out = all[i];
			return 0;
		}
	}
	return -EINVAL;
}

const char *
play_verdict_reason(enum play_verdict v)
{
	switch (v) {
	case PLAY_OK:
		return "";
	case PLAY_MISSING:
		return "token missing";
	case PLAY_EXPIRED:
		return "token expired";
	case PLAY_INVALID:
		return "token invalid";
	case PLAY_WRONG_ADDR:
		return "token bound to another address";
	case PLAY_NOT_PUBLISHED:
		return "stream not published";
	}
	return "token invalid";
}

/* The bytes up to the next '~' (or the end): the field, and the cursor past it. */
static int
next_field(struct cur *c, const char **f, size_t *n, bool last)
{
	const char *sep = memchr(c->p, '~', c->left);

	if (last) {
		if (sep)
			return -EPROTO;   /* a fifth separator */
		*f = c->p;
		*n = c->left;
		c->p += c->left;
		c->left = 0;
		return 0;
	}
	if (sep == NULL)
		return -EPROTO;
	*f = c->p;
	*n = (size_t)(sep - c->p);
	c->left -= *n + 1;
	c->p = sep + 1;
	return 0;
}

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static bool
sid_byte_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '_' || c == '-';
}

/* A stream name as the signed message carries it: [A-Za-z0-9_.-]{1,64}. */
static bool
stream_ok(const char *s)
{
	size_t i;

	if (s == NULL)
		return false;
	for (i = 0; s[i]; i++)
		if (i >= 64 || !(sid_byte_ok((unsigned char)s[i]) || s[i] == '.'))
			return false;
	return i > 0;
}

int
play_net_parse(const char *s, size_t n, struct play_net *out)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = s ? memchr(s, '/', n) : NULL;
	size_t alen = slash ? (size_t)(slash - s) : n;
	unsigned prefix = 0, max;

	memset(out, 0, sizeof(*out));
	if (s == NULL || alen == 0 || alen >= sizeof(addr))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (hexval((unsigned char)s[i]) < 0 && s[i] != '.' && s[i] != ':' && s[i] != '/')
			return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (memchr(addr, ':', alen)) {
		if (inet_pton(AF_INET6, addr, out->addr) != 1)
			return -EINVAL;
		out->family = 6;
		max = 128;
	} else {
		if (inet_pton(AF_INET, addr, out->addr) != 1)
			return -EINVAL;
		out->family = 4;
		max = 32;
	}
	if (slash) {
		size_t plen = n - alen - 1;
		if (plen == 0 || plen > 3 || (plen > 1 && slash[1] == '0'))
			return -EINVAL;
		for (size_t i = 0; i < plen; i++) {
			if (slash[1 + i] < '0' || slash[1 + i] > '9')
				return -EINVAL;
			prefix = prefix * 10 + (unsigned)(slash[1 + i] - '0');
		}
		if (prefix > max)
			return -EINVAL;
	} else {
		prefix = max;
	}
	out->prefix = prefix;
	/* An IPv4-mapped IPv6 network (::ffff:0:0/96 and longer) is IPv4. */
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (out->family == 6 && out->prefix >= 96 && memcmp(out->addr, mapped, 12) == 0) {
		memmove(out->addr, out->addr + 12, 4);
		memset(out->addr + 4, 0, 12);
		out->family = 4;
		out->prefix -= 96;
	}
	return 0;
}

bool
play_net_contains(const struct play_net *net, const struct play_net *peer)
{
	unsigned bits = net->prefix, i;

	if (net->family == 0 || net->family != peer->family)
		return false;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (net->addr[i] != peer->addr[i])
			return false;
	if (bits) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits));
		if ((net->addr[i] & mask) != (peer->addr[i] & mask))
			return false;
	}
	return true;
}

int
play_token_parse(const char *s, size_t n, struct play_token *t)
{
	struct cur c = { s, n };
	const char *f;
	size_t fn;
	int64_t exp = 0;

	memset(t, 0, sizeof(*t));
	if (s == NULL || n == 0 || n > PLAY_TOKEN_MAX)
		return -EPROTO;
	/* version */
	if (next_field(&c, &f, &fn, false) != 0 || fn != 1 || f[0] != '1')
		return -EPROTO;
	/* EXP: 1-12 digits */
	if (next_field(&c, &f, &fn, false) != 0 || fn == 0 || fn > PLAY_TOKEN_EXP_DIGITS)
		return -EPROTO;
	for (size_t i = 0; i < fn; i++) {
		if (f[i] < '0' || f[i] > '9')
			return -EPROTO;
		exp = exp * 10 + (f[i] - '0');
	}
	t->exp_s = exp;
	/* CIDR: empty, or an address with an optional prefix */
	if (next_field(&c, &f, &fn, false) != 0 || fn > PLAY_TOKEN_CIDR_MAX)
		return -EPROTO;
	if (fn > 0 && play_net_parse(f, fn, &t->net) != 0)
		return -EPROTO;
	memcpy(t->cidr, f, fn);
	t->cidr[fn] = '\0';
	/* SID */
	if (next_field(&c, &f, &fn, false) != 0 || fn > PLAY_TOKEN_SID_MAX)
		return -EPROTO;
	for (size_t i = 0; i < fn; i++)
		if (!sid_byte_ok((unsigned char)f[i]))
			return -EPROTO;
	memcpy(t->sid, f, fn);
	t->sid[fn] = '\0';
	t->is_preview = strncmp(t->sid, PLAY_PREVIEW_PREFIX, strlen(PLAY_PREVIEW_PREFIX)) == 0;
	/* HEXSIG: exactly 64 hex digits, the last field */
	if (next_field(&c, &f, &fn, true) != 0 || fn != 2 * SIG_LEN)
		return -EPROTO;
	for (size_t i = 0; i < SIG_LEN; i++) {
		int hi = hexval((unsigned char)f[2 * i]), lo = hexval((unsigned char)f[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EPROTO;
		t->sig[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(t->text, s, n);
	t->text[n] = '\0';
	return 0;
}

/* The signed message "1~STREAM~EXP~CIDR~SID"; its length, or -EINVAL. */
static int
message(char *out, size_t outlen, const char *stream, int64_t exp, const char *cidr,
    const char *sid)
{
	int n = snprintf(out, outlen, "1~%s~%lld~%s~%s", stream, (long long)exp, cidr, sid);

	return n < 0 || (size_t)n >= outlen ? -EINVAL : n;
}

static int
hmac256(const char *secret, const char *msg, size_t msg_len, uint8_t out[SIG_LEN])
{
	unsigned int len = SIG_LEN;

	if (HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, msg_len,
	    out, &len) == NULL || len != SIG_LEN)
		return -EIO;
	return 0;
}

bool
play_token_sig_ok(const struct play_token *t, const char *stream, const char *const *secrets,
    size_t n)
{
	char msg[MSG_MAX + 1];
	uint8_t want[SIG_LEN];
	int len;
	bool ok = false;

	if (!stream_ok(stream))
		return false;
	/* The EXP text is signed as given: rebuild it from the digits parsed,
	 * but a token with leading zeros must still verify, so use the text. */
	{
		const char *e = t->text + 2;
		size_t en = strcspn(e, "~");
		len = snprintf(msg, sizeof(msg), "1~%s~%.*s~%s~%s", stream, (int)en, e, t->cidr,
		    t->sid);
		if (len < 0 || (size_t)len >= sizeof(msg))
			return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (secrets[i] == NULL || secrets[i][0] == '\0')
			continue;
		if (hmac256(secrets[i], msg, (size_t)len, want) != 0)
			continue;
		/* |= : no early exit, each secret costs the same */
		ok |= CRYPTO_memcmp(want, t->sig, SIG_LEN) == 0;
	}
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

int
play_token_mint(const char *secret, const char *stream, int64_t exp_s, const char *cidr,
    const char *sid, char *out, size_t outlen)
{
	char msg[MSG_MAX + 1];
	uint8_t sig[SIG_LEN];
	struct play_token chk;
	int len, n;

	cidr = cidr ? cidr : "";
	sid = sid ? sid : "";
	if (secret == NULL || secret[0] == '\0' || !stream_ok(stream) || exp_s <= 0 ||
	    exp_s > 999999999999LL)
		return -EINVAL;
	if ((len = message(msg, sizeof(msg), stream, exp_s, cidr, sid)) < 0)
		return -EINVAL;
	if (hmac256(secret, msg, (size_t)len, sig) != 0)
		return -EIO;
	n = snprintf(out, outlen, "1~%lld~%s~%s~", (long long)exp_s, cidr, sid);
	if (n < 0 || (size_t)n + 2 * SIG_LEN >= outlen)
		return -EINVAL;
	for (size_t i = 0; i < SIG_LEN; i++)
		snprintf(out + n + 2 * i, 3, "%02x", sig[i]);
	/* What we hand out must parse: this refuses a bad cidr or sid. */
	if (play_token_parse(out, strlen(out), &chk) != 0) {
		out[0] = '\0';
		return -EINVAL;
	}
	return 0;
}

int
play_token_from_query(const char *q, size_t n, char *out, size_t outlen)
{
	const char *end = q ? q + n : NULL, *p = q;

	if (q == NULL || outlen == 0)
		return -ENOENT;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pe = amp ? amp : end;
		size_t o = 0;

		if ((size_t)(pe - p) >= 6 && memcmp(p, "token=", 6) == 0) {
			for (const char *v = p + 6; v < pe; v++) {
				int c = (unsigned char)*v;
				if (c == '%') {
					int hi, lo;
					if (pe - v < 3 || (hi = hexval((unsigned char)v[1])) < 0 ||
					    (lo = hexval((unsigned char)v[2])) < 0)
						return -EINVAL;
					c = hi << 4 | lo;
					v += 2;
				}
				if (c == 0 || o + 1 >= outlen)
					return -EINVAL;
				out[o++] = (char)c;
			}
			out[o] = '\0';
			return 0;
		}
		p = pe + 1;
	}
	return -ENOENT;
}

enum play_verdict
play_check(enum play_access mode, const char *token, const char *stream,
    const char *const *secrets, size_t n, int64_t now_s, const char *peer,
    struct play_token *tok, bool *token_ok)
{
	struct play_token t;
	struct play_net pn;
	enum play_verdict v;

	*token_ok = false;
	if (token == NULL || token[0] == '\0')
		v = PLAY_MISSING;
	else if (play_token_parse(token, strnlen(token, PLAY_TOKEN_MAX + 1), &t) != 0 ||
	    !play_token_sig_ok(&t, stream, secrets, n))
		v = PLAY_INVALID;
	else if (now_s >= t.exp_s)
		v = PLAY_EXPIRED;
	else if (t.net.family && (peer == NULL || play_net_parse(peer, strlen(peer), &pn) != 0 ||
	    !play_net_contains(&t.net, &pn)))
		v = PLAY_WRONG_ADDR;
	else if (mode == PLAY_UNPUBLISHED && !t.is_preview)
		v = PLAY_NOT_PUBLISHED;
	else
		v = PLAY_OK;
	if (v == PLAY_OK || (v == PLAY_NOT_PUBLISHED && mode == PLAY_UNPUBLISHED)) {
		/* Signed, fresh and for this address: good for carrying on. */
		*token_ok = true;
		if (tok)
			*tok = t;
	}
	if (mode == PLAY_PUBLIC)
		return PLAY_OK;
	/* Unpublished: a viewer without a token learns why, not "missing". */
	if (mode == PLAY_UNPUBLISHED && v == PLAY_MISSING)
		return PLAY_NOT_PUBLISHED;
	return v;
}
