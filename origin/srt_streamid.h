/*
 * srt_streamid: the stream ID an SRT caller sends in its handshake
 * (SRTO_STREAMID, at most 512 bytes), read as the publisher's stream key.
 *
 * Two forms are accepted:
 *  - the SRT Access Control form (SRT "AccessControl.md", "Standard Keys"):
 *    "#!::" then comma-separated key=value pairs, e.g.
 *    "#!::r=sk_xxx,m=publish". Keys: r (resource: our stream key),
 *    m (mode: request, publish or bidirectional; request when absent),
 *    u (user), s (session), t (type: stream, file or auth; stream when
 *    absent), h (host). Other keys are ignored, as the spec allows; a key
 *    given twice, a pair without '=', or an empty key is refused.
 *  - a bare key: the whole stream ID, when it does not start with "#!".
 *    Its mode is publish (the origin takes nothing else).
 *
 * The parser reads only within the given length (the handshake field is not
 * NUL-terminated on the wire), refuses control bytes, and copies values into
 * fixed-size fields: a value too long for its field is refused, never cut.
 */
#ifndef CDN_SRT_STREAMID_H
#define CDN_SRT_STREAMID_H

#include <stddef.h>

#include "keys.h"

#define SRT_STREAMID_MAX 512      /* SRT: SRTO_STREAMID is at most 512 bytes */
#define SRT_STREAMID_FIELD_MAX 64

enum srt_sid_mode { SRT_SID_REQUEST = 0, SRT_SID_PUBLISH, SRT_SID_BIDIRECTIONAL };
enum srt_sid_type { SRT_SID_STREAM = 0, SRT_SID_FILE, SRT_SID_AUTH };

struct srt_streamid {
	char key[KEYS_SECRET_MAX + 1];            /* r, or the bare key */
	enum srt_sid_mode mode;
	enum srt_sid_type type;
	char user[SRT_STREAMID_FIELD_MAX + 1];    /* u, "" when absent */
	char host[SRT_STREAMID_FIELD_MAX + 1];    /* h */
	char session[SRT_STREAMID_FIELD_MAX + 1]; /* s */
	int is_keyed;                             /* the "#!::" form */
};

/*
 * Parse sid[0..len) into *out. Returns 0; -EPROTO for a malformed ID
 * (control bytes, empty, a bad pair, a duplicate key, the "#!:{...}"
 * nested form, a too long value); -EINVAL for an unknown m or t value;
 * -ENOENT when the keyed form has no r. *out is zeroed first, and on error
 * holds nothing of the input (it may be a secret).
 */
int srt_streamid_parse(const char *sid, size_t len, struct srt_streamid *out);
/* "request", "publish", "bidirectional". */
const char *srt_streamid_mode_name(enum srt_sid_mode m);

#endif
