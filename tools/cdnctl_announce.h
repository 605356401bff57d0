/*
 * cdnctl_announce: cdnctl's commands for cdn-announce (control socket).
 */
#ifndef CDN_CDNCTL_ANNOUNCE_H
#define CDN_CDNCTL_ANNOUNCE_H

#include <stdbool.h>

#define CDNCTL_EXIT_USAGE 2
#define CDNCTL_ANNOUNCE_SOCKET "/run/cdn-announce.sock"

/*
 * pos[0..n_pos): "drain" | "undrain" | "announce status" |
 * "blackhole add PREFIX" (with for_dur) | "blackhole del PREFIX".
 * Returns the exit status: 0 ok, 1 error, 2 usage.
 */
int cdnctl_announce_run(const char *const *pos, int n_pos, const char *sock,
    const char *for_dur, bool json);

#endif
