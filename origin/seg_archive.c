/*
 * seg_archive: a stream's segments on disk; see seg_archive.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mkdir_p.h"
#include "seg_archive.h"
#include "xalloc.h"

bool
seg_archive_name_ok(const char *name)
{
	size_t n;

	if (name == NULL || name[0] == '\0' || name[0] == '.')
		return false;
	n = strlen(name);
	if (n > 255 || strchr(name, '/') != NULL)
		return false;
	return true;
}

static int
join(char *out, size_t outlen, const char *dir, const char *file)
{
	int n;

	if (!seg_archive_name_ok(file))
		return -EINVAL;
	n = snprintf(out, outlen, "%s/%s", dir, file);
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

int
seg_archive_open(const char *root, const char *stream, const char *sid, char *out,
    size_t outlen)
{
	int n, rc;

	if (root == NULL || !seg_archive_name_ok(stream) || !seg_archive_name_ok(sid))
		return -EINVAL;
	n = snprintf(out, outlen, "%s/%s/%s", root, stream, sid);
	if (n < 0 || (size_t)n >= outlen)
		return -ENAMETOOLONG;
	if ((rc = mkdir_p(out, 0750)) != 0) {
		errno = -rc;
		log_warn("archive: cannot create %s", out);
		return rc;
	}
	return 0;
}

int
seg_archive_put(const char *dir, const char *file, const void *data, size_t len, bool secret)
{
	char path[SEG_ARCHIVE_PATH_MAX], tmp[SEG_ARCHIVE_PATH_MAX + 8];
	const uint8_t *p = data;
	size_t off = 0;
	ssize_t n;
	int fd, rc;

	if ((rc = join(path, sizeof(path), dir, file)) != 0)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, secret ? 0600 : 0644);
	if (fd == -1) {
		rc = -errno;
		log_warn("archive: open %s", tmp);
		return rc;
	}
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n == -1 ? -errno : -ENOSPC;
			log_warn("archive: write %s", tmp);
			goto fail;
		}
		off += (size_t)n;
	}
	if (close(fd) == -1) {
		fd = -1;
		rc = -errno;
		log_warn("archive: close %s", tmp);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		rc = -errno;
		log_warn("archive: rename %s", path);
		goto fail;
	}
	return 0;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return rc;
}

struct blob *
seg_archive_get(const char *dir, const char *file, const char *ctype, size_t max_bytes)
{
	char path[SEG_ARCHIVE_PATH_MAX];
	struct blob *b = NULL;
	struct stat st;
	uint8_t *data = NULL;
	size_t off = 0, len;
	ssize_t n;
	int fd = -1, err = 0, rc;

	if ((rc = join(path, sizeof(path), dir, file)) != 0) {
		errno = -rc;
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		err = errno;
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		err = errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = ENOENT;
		goto out;
	}
	if ((uint64_t)st.st_size > max_bytes) {
		err = EFBIG;
		goto out;
	}
	len = (size_t)st.st_size;
	if ((data = xmalloc(len ? len : 1)) == NULL) {
		err = ENOMEM;
		goto out;
	}
	while (off < len) {
		n = pread(fd, data + off, len - off, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {   /* shrank under us: not a file we wrote */
			err = n == -1 ? errno : EIO;
			goto out;
		}
		off += (size_t)n;
	}
	if ((b = blob_new(data, len, ctype)) == NULL)
		err = ENOMEM;
	data = NULL;   /* the blob's now, or freed by blob_new */
out:
	if (fd != -1)
		close(fd);
	free(data);
	if (b == NULL)
		errno = err ? err : EIO;
	return b;
}

void
seg_archive_del(const char *dir, const char *file)
{
	char path[SEG_ARCHIVE_PATH_MAX];

	if (join(path, sizeof(path), dir, file) != 0)
		return;
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("archive: unlink %s", path);
}

int
seg_archive_remove(const char *dir)
{
	char path[SEG_ARCHIVE_PATH_MAX], parent[SEG_ARCHIVE_PATH_MAX];
	struct dirent *de;
	DIR *d;
	char *slash;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		rc = -errno;
		log_warn("archive: opendir %s", dir);
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (unlink(path) == -1 && errno != ENOENT) {
			rc = -errno;
			log_warn("archive: unlink %s", path);
		}
	}
	closedir(d);
	if (rmdir(dir) == -1 && errno != ENOENT) {
		rc = -errno;
		log_warn("archive: rmdir %s", dir);
		return rc;
	}
	/* the stream's directory, once its last session is gone */
	snprintf(parent, sizeof(parent), "%s", dir);
	if ((slash = strrchr(parent, '/')) != NULL && slash != parent) {
		*slash = '\0';
		if (rmdir(parent) == -1 && errno != ENOTEMPTY && errno != EEXIST &&
		    errno != ENOENT)
			log_warn("archive: rmdir %s", parent);
	}
	return rc;
}
