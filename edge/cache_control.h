/*
 * cache_control: the Cache-Control header (RFC 9111 5.2), both directions.
 *
 * The edge reads upstream responses' directives to decide whether and how
 * long to store an object, and viewers' request directives to decide whether
 * it may fetch (only-if-cached) or must revalidate (no-cache, max-age=0).
 * The header is peer input: it is read through a bounded cursor, is at most
 * CC_MAX_LEN bytes, and a malformed directive is skipped, never fatal (RFC
 * 9111 4.2.1: "a cache ... SHOULD treat" an invalid value as stale, i.e.
 * we choose the most conservative reading: an invalid max-age is 0).
 * Directive names are case-insensitive; values may be tokens or quoted
 * strings ("max-age=\"5\"" is accepted, as RFC 9111 5.2 asks senders not to
 * send it but recipients to accept it). Delta-seconds past 2^31 are clamped
 * to 2^31 (RFC 9111 1.2.2). Unknown directives are ignored. Several
 * Cache-Control headers are joined with ',' by the caller.
 */
#ifndef CDN_CACHE_CONTROL_H
#define CDN_CACHE_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CC_MAX_LEN 4096          /* longer headers: only the first CC_MAX_LEN bytes count */
#define CC_DELTA_MAX 2147483648LL /* RFC 9111 1.2.2 */

struct cache_control {
	int64_t max_age_s;       /* -1 when absent */
	int64_t s_maxage_s;      /* -1 when absent (response only) */
	int64_t max_stale_s;     /* request only; -1 absent; CC_DELTA_MAX for a bare max-stale */
	int64_t min_fresh_s;     /* request only; -1 when absent */
	bool no_store;
	bool no_cache;           /* a bare no-cache (a field-list form counts too) */
	bool private_;           /* response only */
	bool public_;
	bool immutable;          /* RFC 8246 */
	bool must_revalidate;
	bool proxy_revalidate;
	bool only_if_cached;     /* request only */
	bool no_transform;
};

/*
 * Parse value (hdr_len bytes, not NUL-terminated; NULL or 0 is "no header")
 * into *cc, which is always fully set (absent values as -1/false).
 * Returns the number of directives recognised, never fails.
 */
int cache_control_parse(const char *value, size_t hdr_len, struct cache_control *cc);

#endif
