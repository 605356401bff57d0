/*
 * m3u8_token: carry a viewer's playback token into a playlist, so that a
 * player that was given "index.m3u8?token=T" fetches every segment, init
 * segment, key and variant with the same token, with nothing special on
 * its side (docs/access.md).
 *
 * Every URI of the playlist (RFC 8216 4.1: a line that is not blank and
 * does not start with '#'; and the quoted URI attribute of any #EXT tag,
 * section 4.2: EXT-X-MAP, EXT-X-KEY, EXT-X-MEDIA, EXT-X-I-FRAME-STREAM-INF,
 * EXT-X-PART, EXT-X-PRELOAD-HINT, ...) gets "?token=T", or "&token=T" when
 * it already has a query. Only relative references are changed: a URI with
 * a scheme ("https:", "skd:", "data:") or a network path ("//host/...")
 * points elsewhere and never receives the token. Everything else is copied
 * byte for byte, line endings included.
 *
 * The playlist is peer input (an upstream's answer on an edge): lines and
 * attribute lists are scanned within their bounds, quotes are matched
 * within one line, and the output has a ceiling.
 */
#ifndef CDN_M3U8_TOKEN_H
#define CDN_M3U8_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define M3U8_TOKEN_OUT_MAX (16u << 20)

/*
 * Append the rewritten playlist (n bytes at in) to out. token must be a
 * token's text: 1-PLAY_TOKEN_MAX bytes of [A-Za-z0-9._:/~-]. Returns 0,
 * -EINVAL (a bad token), -E2BIG (the output would pass M3U8_TOKEN_OUT_MAX
 * or out's ceiling), -ENOMEM. Reentrant.
 */
int m3u8_token_rewrite(const uint8_t *in, size_t n, const char *token, struct buf *out);

#endif
