/*
 * control: the local control socket; see control.h.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "xalloc.h"

struct client {
	int fd;
	int64_t deadline_ms;
	char line[CONTROL_LINE_MAX + 1];
	size_t len;
};

struct control {
	int lfd;
	char *path;
	control_cmd_fn fn;
	void *ctx;
	struct client cl[CONTROL_CLIENTS_MAX];
	size_t n_cl;
	int64_t now_ms;
};

struct control *
control_open(const char *path, control_cmd_fn fn, void *ctx)
{
	struct control *c = xcalloc(1, sizeof(*c));
	struct sockaddr_un sun;
	mode_t old;

	if (c == NULL)
		return NULL;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_errx("control_socket %s: path too long", path);
		free(c);
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path));
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd == -1) {
		log_err("control: socket");
		free(c);
		return NULL;
	}
	unlink(path);   /* a stale socket from an earlier run */
	old = umask(0077);
	if (bind(c->lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 || listen(c->lfd, 16) == -1) {
		umask(old);
		log_err("control: cannot listen on %s", path);
		close(c->lfd);
		free(c);
		return NULL;
	}
	umask(old);
	c->path = xstrdup(path);
	c->fn = fn;
	c->ctx = ctx;
	return c;
}

size_t
control_pollfds(const struct control *c, struct pollfd *pfd)
{
	size_t n = 0;

	pfd[n].fd = c->lfd;
	pfd[n].events = c->n_cl < CONTROL_CLIENTS_MAX ? POLLIN : 0;
	pfd[n++].revents = 0;
	for (size_t i = 0; i < c->n_cl; i++) {
		pfd[n].fd = c->cl[i].fd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	return n;
}

static void
drop(struct control *c, size_t i)
{
	close(c->cl[i].fd);
	c->cl[i] = c->cl[--c->n_cl];
}

static void
reply(struct control *c, size_t i)
{
	struct buf out;
	struct client *cl = &c->cl[i];
	const uint8_t *p;
	size_t left;

	buf_init(&out, 1 << 20);
	c->fn(c->ctx, cl->line, &out);
	/* Replies are small; a client slower than 200 ms to take one is dropped. */
	p = out.data;
	left = out.len;
	while (left > 0) {
		ssize_t n = send(cl->fd, p, left, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			struct pollfd pf = { .fd = cl->fd, .events = POLLOUT };
			if (poll(&pf, 1, 200) <= 0)
				break;
			continue;
		}
		if (n <= 0)
			break;
		p += n;
		left -= (size_t)n;
	}
	buf_fini(&out);
	drop(c, i);
}

void
control_on_io(struct control *c, const struct pollfd *pfd, size_t n, int64_t now)
{
	if (n > 0 && (pfd[0].revents & POLLIN)) {
		while (c->n_cl < CONTROL_CLIENTS_MAX) {
			int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd == -1)
				break;
			memset(&c->cl[c->n_cl], 0, sizeof(c->cl[0]));
			c->cl[c->n_cl].fd = fd;
			c->cl[c->n_cl].deadline_ms = now + CONTROL_TIMEOUT_MS;
			c->n_cl++;
		}
	}
	/* Clients: match by fd (the array may have been reordered by drops). */
	for (size_t k = 1; k < n; k++) {
		size_t i;
		if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		for (i = 0; i < c->n_cl && c->cl[i].fd != pfd[k].fd; i++)
			;
		if (i == c->n_cl)
			continue;
		for (;;) {
			struct client *cl = &c->cl[i];
			ssize_t r = recv(cl->fd, cl->line + cl->len, CONTROL_LINE_MAX - cl->len, 0);
			char *nl;
			if (r == -1 && errno == EINTR)
				continue;
			if (r == -1 && errno == EAGAIN)
				break;
			if (r <= 0) {
				drop(c, i);
				break;
			}
			cl->len += (size_t)r;
			cl->line[cl->len] = '\0';
			if ((nl = memchr(cl->line, '\n', cl->len)) != NULL) {
				*nl = '\0';
				if (nl > cl->line && nl[-1] == '\r')
					nl[-1] = '\0';
				reply(c, i);
				break;
			}
			if (cl->len >= CONTROL_LINE_MAX) {
				log_warnx("control: command line too long, closing");
				drop(c, i);
				break;
			}
		}
	}
}

int64_t
control_tick(struct control *c, int64_t now)
{
	int64_t next = INT64_MAX;

	for (size_t i = 0; i < c->n_cl;) {
		if (c->cl[i].deadline_ms <= now) {
			drop(c, i);
			continue;
		}
		if (c->cl[i].deadline_ms < next)
			next = c->cl[i].deadline_ms;
		i++;
	}
	return next;
}

void
control_close(struct control *c)
{
	if (c == NULL)
		return;
	while (c->n_cl)
		drop(c, 0);
	close(c->lfd);
	unlink(c->path);
	free(c->path);
	free(c);
}
