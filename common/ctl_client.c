/*
 * ctl_client: see ctl_client.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "ctl_client.h"

/* Wait for events on fd until deadline. 1 ready, 0 timed out, -1 error. */
static int
wait_for(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd pf = { .fd = fd, .events = events };
		int64_t left = deadline - clock_mono_ms();
		int n;

		if (left <= 0)
			return 0;
		n = poll(&pf, 1, (int)left);
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

int
ctl_exchange(const char *path, const char *line, struct buf *reply, int timeout_ms,
    char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int64_t deadline = clock_mono_ms() + timeout_ms;
	size_t off = 0, len = strlen(line);
	int fd = -1, rc = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket path empty or too long");
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* A UNIX connect completes at once or fails (EAGAIN: backlog full). */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errlen, "cannot reach cdn-announce at %s: %s", path,
		    errno == EAGAIN ? "busy (backlog full)" : strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR) && wait_for(fd, POLLOUT, deadline) == 1)
			continue;
		snprintf(err, errlen, "send to %s: %s", path, n < 0 ? strerror(errno) : "closed");
		goto out;
	}
	for (;;) {
		ssize_t n;
		int w = wait_for(fd, POLLIN, deadline);

		if (w != 1) {
			snprintf(err, errlen, "no answer from cdn-announce at %s within %d ms", path,
			    timeout_ms);
			goto out;
		}
		if (buf_reserve(reply, 4096) != 0) {
			snprintf(err, errlen, "reply from %s too large", path);
			goto out;
		}
		n = recv(fd, reply->data + reply->len, reply->cap - reply->len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			snprintf(err, errlen, "recv from %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		reply->len += (size_t)n;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}
