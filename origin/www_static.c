/*
 * www_static: see www_static.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_path.h"
#include "www_static.h"

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".webmanifest", "application/manifest+json" },
	{ ".LICENSE", "text/plain; charset=utf-8" },
};

const char *
www_content_type(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);
		if (n > e && strcmp(name + n - e, types[i].ext) == 0)
			return types[i].type;
	}
	return NULL;
}

static int
area_ok(const char *area)
{
	return strcmp(area, "player") == 0 || strcmp(area, "dashboard") == 0 ||
	    strcmp(area, "vendor") == 0;
}

int
www_open(const char *root, const char *area, const char *const *parts, size_t n,
    struct www_file *f)
{
	char path[PATH_MAX];
	size_t o;
	struct stat st;
	int fd = -1, rc;

	f->fd = -1;
	if (root == NULL || !area_ok(area) || n == 0)
		return -ENOENT;
	o = (size_t)snprintf(path, sizeof(path), "%s/%s", root, area);
	for (size_t i = 0; i < n; i++) {
		if (!http_path_component_ok(parts[i], strlen(parts[i])))
			return -ENOENT;
		if (o >= sizeof(path))
			return -ENAMETOOLONG;
		o += (size_t)snprintf(path + o, sizeof(path) - o, "/%s", parts[i]);
	}
	if (o >= sizeof(path))
		return -ENAMETOOLONG;
	if ((f->content_type = www_content_type(parts[n - 1])) == NULL)
		return -ENOENT;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) == -1)
		/* A symlink, or a file name used as a directory: simply not there. */
		return errno == ELOOP || errno == ENOTDIR ? -ENOENT : -errno;
	if (fstat(fd, &st) == -1) {
		rc = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -ENOENT;
		goto fail;
	}
	if ((uint64_t)st.st_size > WWW_FILE_MAX) {
		rc = -EFBIG;
		goto fail;
	}
	f->fd = fd;
	f->size = (uint64_t)st.st_size;
	snprintf(f->etag, sizeof(f->etag), "\"%llx-%llx\"", (unsigned long long)st.st_size,
	    (unsigned long long)st.st_mtim.tv_sec * 1000ull + (unsigned long long)st.st_mtim.tv_nsec / 1000000ull);
	return 0;
fail:
	close(fd);
	return rc;
}
