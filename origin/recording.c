/*
 * recording: a stream's event kept as a VOD playlist; see recording.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "conf.h"
#include "log.h"
#include "recording.h"
#include "seg_archive.h"
#include "xalloc.h"

#define REC_META "recording.conf"
#define REC_PART "index.m3u8.part"
#define REC_PLAYLIST "index.m3u8"
#define REC_PLAYLIST_MAX (64u << 20)
#define REC_LINES_MAX (64u << 10)   /* one segment's lines */

/* ---- recording.conf ---------------------------------------------------- */

struct rec_meta {
	char *id;
	char *customer;
	char *stream;
	int format;                /* 0 ts, 1 fmp4 */
	long long started_ms;
	long long ended_ms;        /* 0: still recording (or its origin died) */
	long long duration_ms;
	long long segments;
	long long bytes;
	long long first_msn;
	long long target_s;        /* the largest target duration of the event */
	long long part_bytes;      /* index.m3u8.part up to the last whole segment */
	int independent;           /* every segment starts with a keyframe */
};

#define M(x) offsetof(struct rec_meta, x)
static const struct conf_desc rec_meta_desc[] = {
	{ "id", CONF_STR, M(id), NULL, 0, 0, NULL, 1, "recording id (the publish session's)" },
	{ "customer", CONF_STR, M(customer), NULL, 0, 0, NULL, 1, "owner" },
	{ "stream", CONF_STR, M(stream), NULL, 0, 0, NULL, 1, "stream name" },
	{ "format", CONF_ENUM, M(format), "ts", 0, 0, "ts|fmp4", 0, "segment container" },
	{ "started_ms", CONF_INT, M(started_ms), "0", 0, LLONG_MAX, NULL, 0, "Unix ms" },
	{ "ended_ms", CONF_INT, M(ended_ms), "0", 0, LLONG_MAX, NULL, 0, "Unix ms; 0: not ended" },
	{ "duration_ms", CONF_INT, M(duration_ms), "0", 0, LLONG_MAX, NULL, 0, "media time" },
	{ "segments", CONF_INT, M(segments), "0", 0, LLONG_MAX, NULL, 0, "segments" },
	{ "bytes", CONF_INT, M(bytes), "0", 0, LLONG_MAX, NULL, 0, "segment bytes" },
	{ "first_msn", CONF_INT, M(first_msn), "0", 0, LLONG_MAX, NULL, 0, "first media sequence" },
	{ "target_s", CONF_INT, M(target_s), "1", 1, INT_MAX, NULL, 0, "EXT-X-TARGETDURATION" },
	{ "part_bytes", CONF_INT, M(part_bytes), "0", 0, REC_PLAYLIST_MAX, NULL, 0,
	  "bytes of index.m3u8.part that hold whole segments" },
	{ "independent", CONF_BOOL, M(independent), "yes", 0, 0, NULL, 0,
	  "EXT-X-INDEPENDENT-SEGMENTS" },
};
#define REC_META_N (sizeof(rec_meta_desc) / sizeof(rec_meta_desc[0]))

static int
meta_write(const char *dir, const struct rec_meta *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	if (f == NULL)
		return -ENOMEM;
	conf_dump(rec_meta_desc, REC_META_N, m, f, 0);
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	rc = seg_archive_put(dir, REC_META, text, len, false);
	free(text);
	return rc;
}

static int meta_names_ok(const struct rec_meta *m);

/* 0, or -1 (logged): a file we did not write, or one damaged. */
static int
meta_read(const char *dir, struct rec_meta *m)
{
	char path[SEG_ARCHIVE_PATH_MAX + 32], err[CONF_ERRLEN];

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "%s/%s", dir, REC_META);
	if (conf_defaults(rec_meta_desc, REC_META_N, m, err) != 0 ||
	    conf_load_file(rec_meta_desc, REC_META_N, m, path, err) != 0 ||
	    conf_check_required(rec_meta_desc, REC_META_N, m, err) != 0) {
		log_warnx("recording: %s", err);
		conf_free(rec_meta_desc, REC_META_N, m);
		return -1;
	}
	if (meta_names_ok(m) != 0) {
		log_warnx("recording: %s: bad id, stream or customer", path);
		conf_free(rec_meta_desc, REC_META_N, m);
		return -1;
	}
	return 0;
}

/* Names fit, after a parse. 0 or -1. */
static int
meta_names_ok(const struct rec_meta *m)
{
	if (!keys_name_ok(m->stream) || !keys_name_ok(m->customer) ||
	    !seg_archive_name_ok(m->id) || strlen(m->id) > REC_ID_MAX)
		return -1;
	return 0;
}

int
rec_meta_check_text(const char *text, size_t len)
{
	struct rec_meta m;
	char err[CONF_ERRLEN];
	int rc = -1;

	memset(&m, 0, sizeof(m));
	if (conf_defaults(rec_meta_desc, REC_META_N, &m, err) == 0 &&
	    conf_load_text(rec_meta_desc, REC_META_N, &m, "recording.conf", text, len, err) == 0 &&
	    conf_check_required(rec_meta_desc, REC_META_N, &m, err) == 0 &&
	    meta_names_ok(&m) == 0)
		rc = 0;
	conf_free(rec_meta_desc, REC_META_N, &m);
	return rc;
}

/* ---- the index of finished recordings ---------------------------------- */

struct rec_entry {
	struct rec_info info;
	char dir[SEG_ARCHIVE_PATH_MAX];
};

static pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rec_entry *recs;
static size_t n_recs, cap_recs;
static int64_t retention_ms = 7LL * 86400 * 1000;
static size_t max_object = 1u << 30;

static void
info_from_meta(struct rec_info *ri, const struct rec_meta *m)
{
	memset(ri, 0, sizeof(*ri));
	snprintf(ri->id, sizeof(ri->id), "%s", m->id);
	snprintf(ri->stream, sizeof(ri->stream), "%s", m->stream);
	snprintf(ri->customer, sizeof(ri->customer), "%s", m->customer);
	ri->started_ms = m->started_ms;
	ri->ended_ms = m->ended_ms;
	ri->expires_ms = m->ended_ms + retention_ms;
	ri->duration_ms = m->duration_ms;
	ri->segments = (uint64_t)m->segments;
	ri->bytes = (uint64_t)m->bytes;
}

static int
index_add(const struct rec_meta *m, const char *dir)
{
	struct rec_entry *e;

	pthread_mutex_lock(&rec_lock);
	if (n_recs == cap_recs) {
		size_t ncap = cap_recs ? cap_recs * 2 : 16;
		if ((e = xreallocarray(recs, ncap, sizeof(*recs))) == NULL) {
			pthread_mutex_unlock(&rec_lock);
			return -ENOMEM;
		}
		recs = e;
		cap_recs = ncap;
	}
	e = &recs[n_recs++];
	info_from_meta(&e->info, m);
	snprintf(e->dir, sizeof(e->dir), "%s", dir);
	pthread_mutex_unlock(&rec_lock);
	return 0;
}

/* ---- the writer --------------------------------------------------------- */

struct rec_writer {
	char dir[SEG_ARCHIVE_PATH_MAX];
	struct rec_meta m;
	int part_fd;
	bool failed;               /* stopped growing after a write error */
	struct pl_seg_ctx ctx;
	char prev_map[128];        /* ctx.prev_map points here */
};

struct rec_writer *
rec_writer_open(const char *dir, const char *customer, const char *stream, const char *id,
    int64_t started_ms, bool fmp4)
{
	struct rec_writer *w;
	char path[SEG_ARCHIVE_PATH_MAX + 32];

	if (strlen(id) > REC_ID_MAX || !seg_archive_name_ok(id))
		return NULL;
	if ((w = xcalloc(1, sizeof(*w))) == NULL)
		return NULL;
	snprintf(w->dir, sizeof(w->dir), "%s", dir);
	w->m.id = xstrdup(id);
	w->m.customer = xstrdup(customer);
	w->m.stream = xstrdup(stream);
	w->m.format = fmp4 ? 1 : 0;
	w->m.started_ms = started_ms;
	w->m.target_s = 1;
	w->m.independent = 1;
	w->part_fd = -1;
	if (w->m.id == NULL || w->m.customer == NULL || w->m.stream == NULL)
		goto fail;
	snprintf(path, sizeof(path), "%s/%s", dir, REC_PART);
	w->part_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (w->part_fd == -1) {
		log_warn("recording: open %s", path);
		goto fail;
	}
	if (meta_write(dir, &w->m) != 0)
		goto fail;
	log_info("recording %s started in %s", id, dir);
	return w;
fail:
	if (w->part_fd != -1)
		close(w->part_fd);
	conf_free(rec_meta_desc, REC_META_N, &w->m);
	free(w);
	return NULL;
}

int
rec_writer_add(struct rec_writer *w, const struct pl_seg *seg, const char *default_map,
    uint64_t msn, bool starts_with_key, size_t bytes, int target_s)
{
	struct buf b;
	size_t off = 0;
	ssize_t n;
	int rc;

	if (w->failed)
		return -EIO;
	buf_init(&b, REC_LINES_MAX);
	if ((rc = playlist_write_segment(&b, &w->ctx, seg, default_map)) != 0) {
		log_warnx("recording %s: cannot write the lines of %s", w->m.id, seg->uri);
		goto out;
	}
	/* ctx points into seg's strings: keep the map in force ourselves */
	if (w->ctx.prev_map && w->ctx.prev_map != w->prev_map) {
		snprintf(w->prev_map, sizeof(w->prev_map), "%s", w->ctx.prev_map);
		w->ctx.prev_map = w->prev_map;
	}
	if ((long long)(w->m.part_bytes + b.len) > REC_PLAYLIST_MAX) {
		log_warnx("recording %s: the playlist would pass %u bytes: "
		    "the recording stops here", w->m.id, REC_PLAYLIST_MAX);
		rc = -EFBIG;
		goto out;
	}
	while (off < b.len) {   /* O_APPEND: the lines land whole or fail */
		n = write(w->part_fd, b.data + off, b.len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n == -1 ? -errno : -ENOSPC;
			log_warn("recording %s: write", w->m.id);
			goto out;
		}
		off += (size_t)n;
	}
	if (w->m.segments == 0)
		w->m.first_msn = (long long)msn;
	w->m.segments++;
	w->m.duration_ms += seg->dur_ms;
	w->m.bytes += (long long)bytes;
	w->m.part_bytes += (long long)b.len;
	if (target_s > w->m.target_s)
		w->m.target_s = target_s;
	if (!starts_with_key)
		w->m.independent = 0;
	rc = meta_write(w->dir, &w->m);
out:
	buf_fini(&b);
	if (rc != 0)
		w->failed = true;
	return rc;
}

/*
 * index.m3u8 from recording.conf and index.m3u8.part: the head, the whole
 * segments' lines, EXT-X-ENDLIST. The part file is removed after.
 */
static int
write_vod(const char *dir, const struct rec_meta *m)
{
	char path[SEG_ARCHIVE_PATH_MAX + 32];
	struct buf b;
	size_t want = (size_t)m->part_bytes, off;
	ssize_t n;
	int fd = -1, rc;

	buf_init(&b, REC_PLAYLIST_MAX + 4096);
	rc = playlist_write_vod_head(&b, (int)m->target_s, (uint64_t)m->first_msn,
	    m->format == 1, m->independent != 0);
	if (rc != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/%s", dir, REC_PART);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		rc = -errno;
		log_warn("recording: open %s", path);
		goto out;
	}
	if ((rc = buf_reserve(&b, want)) != 0)
		goto out;
	off = 0;
	while (off < want) {
		n = pread(fd, b.data + b.len + off, want - off, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n == -1 ? -errno : -EIO;
			log_warnx("recording: %s is shorter than its %zu bytes", path, want);
			goto out;
		}
		off += (size_t)n;
	}
	b.len += want;
	buf_printf(&b, "#EXT-X-ENDLIST\n");
	if ((rc = b.err) != 0)
		goto out;
	if ((rc = seg_archive_put(dir, REC_PLAYLIST, b.data, b.len, false)) != 0)
		goto out;
	seg_archive_del(dir, REC_PART);
out:
	if (fd != -1)
		close(fd);
	buf_fini(&b);
	return rc;
}

int
rec_writer_finish(struct rec_writer *w, int64_t ended_ms)
{
	int rc;

	close(w->part_fd);
	w->part_fd = -1;
	w->m.ended_ms = ended_ms > w->m.started_ms ? ended_ms : w->m.started_ms + 1;
	if (w->m.segments == 0) {
		log_info("recording %s: no segment: nothing kept", w->m.id);
		rc = 0;
		goto out;
	}
	if ((rc = write_vod(w->dir, &w->m)) != 0 || (rc = meta_write(w->dir, &w->m)) != 0) {
		log_warnx("recording %s: cannot be finished (%s); its files stay in %s",
		    w->m.id, strerror(-rc), w->dir);
		goto out;
	}
	rc = index_add(&w->m, w->dir);
	log_info("recording %s finished: %lld segments, %lld.%03lld s, %lld bytes; "
	    "served as vod-%s.m3u8 for %lld s", w->m.id, w->m.segments,
	    w->m.duration_ms / 1000, w->m.duration_ms % 1000, w->m.bytes, w->m.id,
	    (long long)(retention_ms / 1000));
out:
	conf_free(rec_meta_desc, REC_META_N, &w->m);
	free(w);
	return rc;
}

void
rec_writer_close(struct rec_writer *w)
{
	if (w == NULL)
		return;
	if (w->part_fd != -1)
		close(w->part_fd);
	conf_free(rec_meta_desc, REC_META_N, &w->m);
	free(w);
}

/* ---- the index: start, list, serve, delete, expire ---------------------- */

/* A session directory found at start: a recording to index (finished now
 * if need be), or what a DVR window of the previous run left. */
static void
scan_session(const char *dir)
{
	struct rec_meta m;
	struct stat st;
	char path[SEG_ARCHIVE_PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, REC_META);
	if (stat(path, &st) == -1) {
		if (errno == ENOENT) {
			log_info("archive: removing %s (a DVR window of an earlier run)", dir);
			seg_archive_remove(dir);
		}
		return;
	}
	if (meta_read(dir, &m) != 0)
		return;   /* left alone for a person to look at (logged) */
	if (m.ended_ms == 0) {
		/* its origin stopped first: the last write of recording.conf is its end */
		m.ended_ms = (long long)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
		if (m.ended_ms <= m.started_ms)
			m.ended_ms = m.started_ms + 1;
		if (m.segments == 0) {
			log_info("recording %s had no segment: removed", m.id);
			seg_archive_remove(dir);
			goto out;
		}
		if (write_vod(dir, &m) != 0 || meta_write(dir, &m) != 0) {
			log_warnx("recording %s: cannot be finished; its files stay in %s", m.id, dir);
			goto out;
		}
		log_info("recording %s finished at start (its origin stopped during the event)",
		    m.id);
	}
	index_add(&m, dir);
out:
	conf_free(rec_meta_desc, REC_META_N, &m);
}

int
recordings_init(const char *root, int64_t retention, size_t max_obj)
{
	char sdir[SEG_ARCHIVE_PATH_MAX], dir[SEG_ARCHIVE_PATH_MAX];
	struct dirent *de, *de2;
	DIR *d, *d2;

	retention_ms = retention;
	max_object = max_obj;
	if ((d = opendir(root)) == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) != NULL) {
		if (!seg_archive_name_ok(de->d_name))
			continue;
		if (snprintf(sdir, sizeof(sdir), "%s/%s", root, de->d_name) >= (int)sizeof(sdir))
			continue;
		if ((d2 = opendir(sdir)) == NULL)
			continue;
		while ((de2 = readdir(d2)) != NULL) {
			if (!seg_archive_name_ok(de2->d_name))
				continue;
			if (snprintf(dir, sizeof(dir), "%s/%s", sdir, de2->d_name) >= (int)sizeof(dir))
				continue;
			scan_session(dir);
		}
		closedir(d2);
		rmdir(sdir);   /* only if nothing is left in it */
	}
	closedir(d);
	if (n_recs)
		log_info("recordings: %zu in %s", n_recs, root);
	return 0;
}

void
recordings_fini(void)
{
	pthread_mutex_lock(&rec_lock);
	free(recs);
	recs = NULL;
	n_recs = cap_recs = 0;
	pthread_mutex_unlock(&rec_lock);
}

static int
newer_first(const void *a, const void *b)
{
	const struct rec_info *x = a, *y = b;

	if (x->ended_ms != y->ended_ms)
		return x->ended_ms > y->ended_ms ? -1 : 1;
	return strcmp(x->id, y->id);
}

size_t
recordings_list(struct rec_info *out, size_t max, const char *customer)
{
	size_t n = 0;

	pthread_mutex_lock(&rec_lock);
	for (size_t i = 0; i < n_recs && n < max; i++)
		if (customer == NULL || strcmp(recs[i].info.customer, customer) == 0)
			out[n++] = recs[i].info;
	pthread_mutex_unlock(&rec_lock);
	qsort(out, n, sizeof(*out), newer_first);
	return n;
}

static const char *
content_type(const char *name)
{
	size_t n = strlen(name);

#define ENDS(s) (n >= sizeof(s) - 1 && strcmp(name + n - (sizeof(s) - 1), s) == 0)
	if (ENDS(".m3u8"))
		return "application/vnd.apple.mpegurl";
	if (ENDS(".ts"))
		return "video/mp2t";
	if (ENDS(".m4s") || ENDS(".mp4"))
		return "video/mp4";
	if (ENDS(".key"))
		return "application/octet-stream";
#undef ENDS
	return NULL;
}

int
rec_object_split(const char *object, char id[REC_ID_MAX + 1], const char **file)
{
	const char *dash, *ctype = content_type(object);
	size_t n = strlen(object), idlen;

	if (ctype == NULL || !seg_archive_name_ok(object))
		return -ENOENT;
	if (n > 9 && strncmp(object, "vod-", 4) == 0 && strcmp(object + n - 5, ".m3u8") == 0) {
		idlen = n - 9;
		if (idlen > REC_ID_MAX)
			return -ENOENT;
		memcpy(id, object + 4, idlen);
		*file = REC_PLAYLIST;
	} else {
		/* a file of the recording: never its playlist or its facts */
		if ((dash = strchr(object, '-')) == NULL || strcmp(ctype, content_type(".m3u8")) == 0)
			return -ENOENT;
		idlen = (size_t)(dash - object);
		if (idlen > REC_ID_MAX)
			return -ENOENT;
		memcpy(id, object, idlen);
		*file = object;
	}
	id[idlen] = '\0';
	return seg_archive_name_ok(id) ? 0 : -ENOENT;
}

struct blob *
recordings_get(const char *stream, const char *object, char *customer, size_t customer_len)
{
	char id[REC_ID_MAX + 1], dir[SEG_ARCHIVE_PATH_MAX];
	const char *file, *ctype = content_type(object);
	struct blob *b;
	bool found = false;

	if (rec_object_split(object, id, &file) != 0)
		goto none;
	pthread_mutex_lock(&rec_lock);
	for (size_t i = 0; i < n_recs; i++)
		if (strcmp(recs[i].info.id, id) == 0 && strcmp(recs[i].info.stream, stream) == 0) {
			snprintf(dir, sizeof(dir), "%s", recs[i].dir);
			snprintf(customer, customer_len, "%s", recs[i].info.customer);
			found = true;
			break;
		}
	pthread_mutex_unlock(&rec_lock);
	if (!found)
		goto none;
	if ((b = seg_archive_get(dir, file, ctype, file == object ? max_object :
	    REC_PLAYLIST_MAX + 4096)) == NULL) {
		if (errno != ENOENT)
			log_warn("recording %s: cannot read %s", id, file);
		goto none;
	}
	if (file == object && strcmp(ctype, "application/octet-stream") == 0) {
		b->is_secret = 1;   /* a content key: token holders only, never cached */
		b->max_age_s = 0;
	} else if (file == object) {
		b->max_age_s = 86400;
		b->immutable = 1;
	} else {
		/* the playlist no longer changes, but it is deleted some day */
		b->max_age_s = 300;
	}
	return b;
none:
	errno = ENOENT;
	return NULL;
}

/* Remove entry i (locked); its directory goes after the lock (out). */
static void
index_remove_locked(size_t i, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", recs[i].dir);
	recs[i] = recs[n_recs - 1];
	n_recs--;
}

int
recordings_delete(const char *stream, const char *id)
{
	char dir[SEG_ARCHIVE_PATH_MAX];
	bool found = false;

	pthread_mutex_lock(&rec_lock);
	for (size_t i = 0; i < n_recs; i++)
		if (strcmp(recs[i].info.id, id) == 0 && strcmp(recs[i].info.stream, stream) == 0) {
			index_remove_locked(i, dir, sizeof(dir));
			found = true;
			break;
		}
	pthread_mutex_unlock(&rec_lock);
	if (!found)
		return -ENOENT;
	log_info("recording %s of %s deleted", id, stream);
	seg_archive_remove(dir);
	return 0;
}

void
recordings_sweep(int64_t now_ms)
{
	char dir[SEG_ARCHIVE_PATH_MAX], id[REC_ID_MAX + 1];

	for (;;) {
		bool found = false;

		pthread_mutex_lock(&rec_lock);
		for (size_t i = 0; i < n_recs; i++)
			if (recs[i].info.expires_ms <= now_ms) {
				snprintf(id, sizeof(id), "%s", recs[i].info.id);
				index_remove_locked(i, dir, sizeof(dir));
				found = true;
				break;
			}
		pthread_mutex_unlock(&rec_lock);
		if (!found)
			return;
		log_info("recording %s: retention over: deleted", id);
		seg_archive_remove(dir);
	}
}
