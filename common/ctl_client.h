/*
 * ctl_client: one exchange with cdn-announce's control socket (a local
 * UNIX stream socket, see announce/control.h): connect, send one command
 * line, read the one-line JSON reply until the server closes.
 *
 * Bounded in time and size, so a stuck or hostile peer cannot hang the
 * caller (cdnctl, or the origin's edge watcher): the socket is
 * non-blocking, the whole exchange has one deadline, and the reply is at
 * most the caller's buf ceiling.
 */
#ifndef CDN_CTL_CLIENT_H
#define CDN_CTL_CLIENT_H

#include <stddef.h>

#include "buf.h"

/*
 * Send line (with its newline) to the socket at path, append the reply to
 * reply. Returns 0; or -1 with a one-line reason in err ("cannot reach
 * cdn-announce at PATH: ...", "no answer within N s", "reply too large").
 */
int ctl_exchange(const char *path, const char *line, struct buf *reply, int timeout_ms,
    char *err, size_t errlen);

#endif
