/*
 * play_token: signed playback tokens and the access decision that uses
 * them (docs/access.md), shared by the origin, the edges and cdnctl.
 *
 * A token is one query parameter, token=, whose value is
 *
 *   1~EXP~CIDR~SID~HEXSIG
 *
 *   1       the format version
 *   EXP     expiry, Unix seconds, 1-12 decimal digits
 *   CIDR    empty, or the viewer's address: IPv4 or IPv6, optionally with
 *           a /prefix (a bare address is /32 or /128)
 *   SID     [A-Za-z0-9_-]{0,64}, a session id of the customer's choosing;
 *           one starting with "preview" makes a preview token, the only
 *           kind that plays an unpublished stream
 *   HEXSIG  64 hex digits: HMAC-SHA256 (RFC 2104, FIPS 180-4) keyed with
 *           the stream owner's playback secret (its ASCII text) over
 *           "1~STREAM~EXP~CIDR~SID", STREAM being the public stream name
 *
 * The token is peer input: it is parsed by a bounded scanner that refuses
 * anything outside that grammar, the signature is compared in constant
 * time (CRYPTO_memcmp over the 32 digest bytes) against every secret the
 * owner has (current and previous, for rotation), and the address check
 * compares the TCP peer (never X-Forwarded-For) with the CIDR, IPv4-mapped
 * IPv6 peers (::ffff:a.b.c.d) counting as IPv4.
 */
#ifndef CDN_PLAY_TOKEN_H
#define CDN_PLAY_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLAY_TOKEN_MAX 256         /* longest token text accepted */
#define PLAY_TOKEN_CIDR_MAX 49     /* "ffff:...:ffff/128" and some slack */
#define PLAY_TOKEN_SID_MAX 64
#define PLAY_TOKEN_EXP_DIGITS 12
#define PLAY_SECRET_MAX 128        /* playback secrets are shorter; see keys.h */
#define PLAY_SECRETS_MAX 2         /* current and previous */
#define PLAY_PREVIEW_PREFIX "preview"

/* A stream's access mode, as stored by the origin and told to edges. */
enum play_access {
	PLAY_PUBLIC = 0,      /* anyone (the default) */
	PLAY_TOKEN,           /* a valid token */
	PLAY_UNPUBLISHED,     /* a valid preview token */
};

/* The outcome of a check; each but OK has the short reason a 403 gives. */
enum play_verdict {
	PLAY_OK = 0,
	PLAY_MISSING,         /* "token missing" */
	PLAY_EXPIRED,         /* "token expired" */
	PLAY_INVALID,         /* "token invalid" (malformed, or no secret signs it) */
	PLAY_WRONG_ADDR,      /* "token bound to another address" */
	PLAY_NOT_PUBLISHED,   /* "stream not published" */
};

struct play_net {
	int family;           /* 0 (none), 4 or 6 */
	uint8_t addr[16];     /* network byte order; 4 bytes used for IPv4 */
	unsigned prefix;      /* bits */
};

struct play_token {
	int64_t exp_s;
	char cidr[PLAY_TOKEN_CIDR_MAX + 1];
	char sid[PLAY_TOKEN_SID_MAX + 1];
	struct play_net net;          /* parsed cidr (family 0 when empty) */
	uint8_t sig[32];
	bool is_preview;
	char text[PLAY_TOKEN_MAX + 1]; /* the token as given (validated bytes only) */
};

/* "public", "token", "unpublished"; NULL for anything else. */
const char *play_access_name(enum play_access a);
/* Parse a mode name (n bytes). 0 or -EINVAL. */
int play_access_parse(const char *s, size_t n, enum play_access *out);
/* The short reason of a verdict ("" for PLAY_OK). */
const char *play_verdict_reason(enum play_verdict v);

/*
 * Parse a token (n bytes, need not be NUL-terminated). 0, or -EPROTO for
 * anything outside the grammar above. Checks no signature and no time.
 */
int play_token_parse(const char *s, size_t n, struct play_token *t);

/*
 * Parse an address with an optional /prefix ("203.0.113.0/24",
 * "2001:db8::1"). 0 or -EINVAL. Used for CIDRs and for peer addresses.
 */
int play_net_parse(const char *s, size_t n, struct play_net *out);
/* Whether peer (an address, prefix ignored) is inside net. */
bool play_net_contains(const struct play_net *net, const struct play_net *peer);

/*
 * Whether one of secrets[0..n) signs t for stream. Every secret is tried,
 * each compared in constant time. Secrets are NUL-terminated text.
 */
bool play_token_sig_ok(const struct play_token *t, const char *stream,
    const char *const *secrets, size_t n);

/*
 * Mint a token into out (PLAY_TOKEN_MAX + 1 bytes). cidr and sid may be
 * NULL or "". 0, or -EINVAL (a bad stream, cidr or sid, exp out of range),
 * -EIO (OpenSSL failed).
 */
int play_token_mint(const char *secret, const char *stream, int64_t exp_s, const char *cidr,
    const char *sid, char *out, size_t outlen);

/*
 * The first token= parameter of a raw URL query (n bytes, without '?'),
 * percent-decoded into out. 0, -ENOENT (none), -EINVAL (bad escape, or
 * longer than outlen - 1).
 */
int play_token_from_query(const char *q, size_t n, char *out, size_t outlen);

/*
 * The access decision for one viewer request.
 *   mode      the stream's access mode
 *   token     the token text (decoded), or NULL when the request has none
 *   stream    the public stream name
 *   secrets   the owner's valid secrets (n of them; n may be 0)
 *   now_s     Unix seconds
 *   peer      the TCP peer's address text ("-" or NULL: unknown)
 *   tok       filled with the parsed token when the token is valid, so the
 *             caller can carry it into a playlist (NULL: not wanted)
 *   token_ok  set to whether the token is valid (whatever the mode)
 * A public stream is always PLAY_OK; its token is still checked, so a
 * valid one is carried into playlists (the stream may turn token-only).
 */
enum play_verdict play_check(enum play_access mode, const char *token, const char *stream,
    const char *const *secrets, size_t n, int64_t now_s, const char *peer,
    struct play_token *tok, bool *token_ok);

#endif
