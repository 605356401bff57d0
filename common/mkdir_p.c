/*
 * mkdir_p: `mkdir -p`; see mkdir_p.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mkdir_p.h"

int
mkdir_p(const char *path, mode_t mode)
{
	char tmp[1024];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) == -1 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) == -1 && errno != EEXIST)
		return -errno;
	return 0;
}

int
mkdir_parent(const char *file_path)
{
	char dir[1024];
	const char *slash = strrchr(file_path, '/');

	if (slash == NULL || slash == file_path)
		return 0;
	if ((size_t)(slash - file_path) >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, file_path, (size_t)(slash - file_path));
	dir[slash - file_path] = '\0';
	return mkdir_p(dir, 0755);
}
