/*
 * mkdir_p: create a directory and its missing parents, as `mkdir -p`.
 * Parents get 0755, the last component `mode`; existing ones are fine.
 */
#ifndef CDN_MKDIR_P_H
#define CDN_MKDIR_P_H

#include <sys/types.h>

/* 0, or -errno (-ENAMETOOLONG past 1023 bytes). */
int mkdir_p(const char *path, mode_t mode);

/* The directory a file path is in (a fresh host has no /var/lib/cdn). */
int mkdir_parent(const char *file_path);

#endif
