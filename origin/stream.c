/*
 * stream: the registry of live streams; see stream.h.
 *
 * Design. One mutex guards the registry and every stream in it. The RTMP
 * thread takes it when a segment completes (a few times per second per
 * stream at most); HTTP threads take it only to find a blob and take a
 * reference, and send after releasing it. Playlists are rebuilt once per
 * segment into immutable blobs, so a playlist request costs a lookup and a
 * reference, never formatting.
 *
 * Names. Segment names are "<session id>-<media sequence>.ts" where the
 * session id is made of the publish time in milliseconds and 32 random
 * bits: unique across republishes and origin restarts, so no cache anywhere
 * can serve an old segment under a reused name (RFC 8216 6.2.1 asks that a
 * URI not be reused for different content).
 *
 * fMP4 init segments are named "<session id>-init<n>.mp4", n counting the
 * packagers of the stream (a republish or a codec change starts a new one).
 * Each segment holds a reference to its init segment, so an old init stays
 * fetchable exactly as long as a segment that needs it.
 *
 * Encryption (docs/access.md "Encryption"). A stream with encrypt set gets
 * each segment encrypted here, after packaging, with AES-128-CBC over the
 * whole segment (seg_crypt.c), the IV being its media sequence number. A
 * new random key (RAND_bytes) starts every key_rotation segments; it is
 * named "<session id>-k<n>.key" (unique like segment names, so an edge's
 * cached key object never serves another key), stored through the key
 * store (the database) before first use, held by reference by each
 * segment it encrypted, and deleted with the last of them, that is
 * grace_ms after its last segment left the window. fMP4 init segments
 * stay in the clear (playlist.c keeps them out of any key's scope).
 *
 * Expiry. A segment that leaves the playlist window stays fetchable for
 * grace_ms (players and edges that loaded the previous playlist still ask
 * for it); an ended stream keeps its final playlist for grace_ms too. A
 * stream waiting for its publisher (republish_grace_ms) is not ended yet:
 * its window stays as it was, and grace_ms starts when the wait is over.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "clock.h"
#include "acct.h"
#include "blob.h"
#include "log.h"
#include "metrics.h"
#include "playlist.h"
#include "recording.h"
#include "seg_archive.h"
#include "seg_crypt.h"
#include "stream.h"
#include "xalloc.h"

#define STREAM_MAGIC 0x57a3e11u
#define N_BUCKETS 256
#define SEG_NAME_MAX 48

static const char CT_M3U8[] = "application/vnd.apple.mpegurl";
static const char CT_TS[] = "video/mp2t";
static const char CT_MP4[] = "video/mp4";
static const char CT_KEY[] = "application/octet-stream";

struct seg_entry {
	struct blob *blob;
	char name[SEG_NAME_MAX];
	uint64_t msn;
	int64_t dur_ms;
	int64_t pdt_ms;
	bool disc;
	int64_t expire_ms;        /* 0 while in the window */
	struct blob *init;        /* fMP4: its init segment (a reference), or NULL */
	char init_name[SEG_NAME_MAX];
	struct blob *key;         /* its AES-128 key (a reference), or NULL: in the clear */
	char key_name[SEG_NAME_MAX];
	uint8_t iv[SEG_CRYPT_IV_LEN];
	bool on_disk;             /* also in the session directory (DVR, recording) */
	int64_t mem_expire_ms;    /* DVR: when blob leaves memory (0: not yet) */
};

struct stream {
	unsigned magic;
	struct stream_params p;
	struct stream *next;      /* hash chain */
	bool live;
	bool waiting;             /* publisher gone; live playlist kept for republish_grace_ms */
	bool some_not_key;        /* a segment did not start with a keyframe */
	bool kicked;
	bool next_disc;           /* next segment follows a discontinuity */
	int64_t started_ms, ended_ms;
	char sid[24];             /* session id, part of every segment name */
	struct seg_entry *segs;   /* oldest first: grace, then window */
	size_t n_segs, cap_segs;
	uint64_t next_msn;
	uint64_t disc_seq;        /* discontinuities that left the window */
	int target_s;             /* constant once the first segment is out */
	int64_t wall_base_ms;     /* wall clock of media time 0 */
	int64_t media_base_ms;
	bool has_base;
	struct blob *media_pl, *master_pl, *init;
	char init_name[SEG_NAME_MAX];
	unsigned n_inits;         /* init segments made: names the next one */
	char codecs[64];
	int width, height;
	atomic_uint_fast64_t bytes_in;
	struct acct_customer *acct;   /* the owner's counters (never freed) */
	uint64_t prev_bytes_in;
	int64_t prev_rate_ms;
	uint64_t bitrate_bps;
	uint64_t peak_bps, total_bits, total_ms;
	uint64_t segments;
	struct blob *key;         /* current content key, or NULL (RTMP thread writes) */
	char key_name[SEG_NAME_MAX];
	unsigned key_segs;        /* segments encrypted with it */
	unsigned n_keys;          /* keys made, for their names */
	char arch[SEG_ARCHIVE_PATH_MAX];  /* session directory, or "": none */
	struct rec_writer *rec;   /* recording in progress, or NULL */
	bool keep_files;          /* recorded: the session directory outlives the stream */
	bool rec_gap;             /* a segment missed the recording: the next follows a discontinuity */
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct stream_key_store *key_store;
static struct stream *buckets[N_BUCKETS];

static unsigned
bucket_of(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h % N_BUCKETS;
}

static struct stream *
find_locked(const char *name)
{
	struct stream *s;

	for (s = buckets[bucket_of(name)]; s; s = s->next)
		if (strcmp(s->p.name, name) == 0)
			return s;
	return NULL;
}

static void
unlink_locked(struct stream *s)
{
	struct stream **pp = &buckets[bucket_of(s->p.name)];

	for (; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			return;
		}
}

/* ---- persistence: optional copy on disk (seg_archive's writer: a temp
 * file renamed, so readers see the old file or the new one) */

static void
persist_write(const struct stream *s, const char *file, const struct blob *b)
{
	char dir[SEG_ARCHIVE_PATH_MAX];

	if (s->p.persist_dir == NULL)
		return;
	snprintf(dir, sizeof(dir), "%s/%s", s->p.persist_dir, s->p.name);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		log_warn("persist: mkdir %s", dir);
		return;
	}
	seg_archive_put(dir, file, b->data, b->len, false);   /* logged */
}

static void
persist_remove(const struct stream *s, const char *file)
{
	char dir[SEG_ARCHIVE_PATH_MAX];

	if (s->p.persist_dir == NULL)
		return;
	snprintf(dir, sizeof(dir), "%s/%s", s->p.persist_dir, s->p.name);
	seg_archive_del(dir, file);
}

/* ---- segment memory and the archive ---------------------------------- */

static void
entry_drop_blob(struct seg_entry *e)
{
	if (e->blob) {
		METRIC_SUB(segment_mem_bytes, e->blob->len);
		blob_unref(e->blob);
		e->blob = NULL;
	}
}

/* An entry leaves the stream for good: its blob, and its file unless recorded. */
static void
entry_forget_files(struct stream *s, struct seg_entry *e)
{
	if (e->on_disk) {
		METRIC_SUB(archive_segments, 1);
		if (!s->keep_files)
			seg_archive_del(s->arch, e->name);
	}
}

/* ---- playlists ------------------------------------------------------- */

static size_t
window_start(const struct stream *s)
{
	size_t i = 0;

	while (i < s->n_segs && s->segs[i].expire_ms != 0)
		i++;
	return i;
}

static void
set_blob(struct blob **slot, struct blob *b)
{
	blob_unref(*slot);
	*slot = b;
}

/* Rebuild the media and master playlists from the window. Locked. */
static int
rebuild_playlists_locked(struct stream *s)
{
	struct pl_seg *pls;
	struct pl_media pl = { 0 };
	struct pl_variant var = { 0 };
	struct buf b;
	struct blob *nb;
	size_t first = window_start(s), n = 0;
	uint8_t *data;
	size_t len;
	int rc;

	if (first == s->n_segs)
		return 0;  /* nothing to publish yet: never an empty live playlist */
	if ((pls = xcalloc(s->n_segs - first, sizeof(*pls))) == NULL)
		return -ENOMEM;
	for (size_t i = first; i < s->n_segs; i++, n++) {
		pls[n].uri = s->segs[i].name;
		pls[n].dur_ms = s->segs[i].dur_ms;
		pls[n].pdt_ms = s->segs[i].pdt_ms;
		pls[n].discontinuity = s->segs[i].disc;
		pls[n].map_uri = s->segs[i].init ? s->segs[i].init_name : NULL;
		pls[n].key_uri = s->segs[i].key ? s->segs[i].key_name : NULL;
		pls[n].key_iv = s->segs[i].iv;
	}
	pl.target_s = s->target_s;
	pl.media_seq = s->segs[first].msn;
	pl.disc_seq = s->disc_seq;
	pl.map_uri = s->p.format == SEG_FMT_FMP4 && s->init ? s->init_name : NULL;
	pl.independent = !s->some_not_key;
	pl.ended = !s->live && !s->waiting;
	pl.segs = pls;
	pl.n_segs = n;
	/* about 100 bytes a segment; a 6 h DVR window at 2 s is ~1 MB */
	buf_init(&b, (1 << 20) + n * 512);
	rc = playlist_write_media(&b, &pl);
	free(pls);
	if (rc != 0) {
		buf_fini(&b);
		return rc;
	}
	data = buf_steal(&b, &len);
	if ((nb = blob_new(data, len, CT_M3U8)) == NULL)
		return -ENOMEM;
	/*
	 * At most half a target duration, so a player or edge never holds a
	 * playlist long enough to miss a segment (FIELD-NOTES: max-age=60 stalls
	 * players). An ended playlist no longer changes.
	 */
	nb->max_age_s = !pl.ended ? (s->target_s / 2 > 0 ? s->target_s / 2 : 1) : 30;
	set_blob(&s->media_pl, nb);
	persist_write(s, "index.m3u8", nb);

	var.uri = "index.m3u8";
	var.bandwidth = s->peak_bps ? s->peak_bps : 1;
	var.avg_bandwidth = s->total_ms ? s->total_bits * 1000 / s->total_ms : 0;
	var.codecs = s->codecs[0] ? s->codecs : NULL;
	var.width = s->width;
	var.height = s->height;
	buf_init(&b, 64 * 1024);
	rc = playlist_write_master(&b, &var, 1, !s->some_not_key);
	if (rc != 0) {
		buf_fini(&b);
		return rc;
	}
	data = buf_steal(&b, &len);
	if ((nb = blob_new(data, len, CT_M3U8)) == NULL)
		return -ENOMEM;
	nb->max_age_s = s->target_s;
	set_blob(&s->master_pl, nb);
	persist_write(s, "master.m3u8", nb);
	return 0;
}

/* ---- lifecycle ------------------------------------------------------- */

/* A content key left with its last segment: delete it from the store. */
static void
key_forget(struct stream *s, const char *key_name)
{
	if (key_store && key_store->del)
		key_store->del(key_store->arg, s->p.name, key_name);
}

void
stream_set_key_store(const struct stream_key_store *ks)
{
	pthread_mutex_lock(&reg_lock);
	key_store = ks;
	pthread_mutex_unlock(&reg_lock);
}

/* remove_files: also delete its persisted files (not at shutdown, so the
 * ended playlists stay on disk for whatever serves persist_dir). */
static void
stream_free_locked(struct stream *s, bool remove_files)
{
	for (size_t i = 0; i < s->n_segs; i++) {
		if (remove_files) {
			persist_remove(s, s->segs[i].name);
			if (s->segs[i].init && s->segs[i].init != s->init &&
			    (i + 1 == s->n_segs || s->segs[i + 1].init != s->segs[i].init))
				persist_remove(s, s->segs[i].init_name);
		}
		if (remove_files && s->segs[i].key && (i + 1 == s->n_segs ||
		    s->segs[i + 1].key != s->segs[i].key))
			key_forget(s, s->segs[i].key_name);
		if (s->segs[i].on_disk)
			METRIC_SUB(archive_segments, 1);
		entry_drop_blob(&s->segs[i]);
		blob_unref(s->segs[i].init);
		blob_unref(s->segs[i].key);
	}
	if (s->p.persist_dir && remove_files) {
		persist_remove(s, "index.m3u8");
		persist_remove(s, "master.m3u8");
		if (s->init)
			persist_remove(s, s->init_name);
	}
	/*
	 * The session directory: a recording keeps it (finished by then, or,
	 * at shutdown, finished at the next start); a DVR window's goes with
	 * the stream, or at the next start when the origin is stopping.
	 */
	if (s->arch[0] && remove_files && !s->keep_files)
		seg_archive_remove(s->arch);
	rec_writer_close(s->rec);
	free(s->segs);
	blob_unref(s->media_pl);
	blob_unref(s->master_pl);
	blob_unref(s->init);
	blob_unref(s->key);
	free((char *)s->p.persist_dir);
	s->magic = 0;
	free(s);
}

int
stream_registry_init(void)
{
	return 0;
}

void
stream_registry_fini(void)
{
	pthread_mutex_lock(&reg_lock);
	for (int i = 0; i < N_BUCKETS; i++) {
		while (buckets[i]) {
			struct stream *s = buckets[i];
			buckets[i] = s->next;
			stream_free_locked(s, false);
		}
	}
	pthread_mutex_unlock(&reg_lock);
}

/* A waiting stream gets its publisher back. Locked. */
static void
resume_locked(struct stream *s, const struct stream_params *p)
{
	memcpy(s->p.peer, p->peer, sizeof(s->p.peer));
	s->p.key_id = p->key_id;
	s->p.customer_id = p->customer_id;
	s->live = true;
	s->waiting = false;
	s->kicked = false;
	s->ended_ms = 0;
	/* the setting as it is now: the next segment follows it (METHOD=NONE
	 * in the playlist when encryption was turned off) */
	s->p.encrypt = p->encrypt;
	s->p.key_rotation = p->key_rotation;
	if (!s->p.encrypt) {
		blob_unref(s->key);
		s->key = NULL;
	}
	/* RFC 8216 6.2.2: the new publisher's media is a new timeline */
	s->next_disc = true;
	log_info("publisher back within the republish grace: the playlist "
	    "continues after media sequence %llu, with a discontinuity",
	    (unsigned long long)(s->next_msn ? s->next_msn - 1 : 0));
}

/* A new stream's session directory and recording (docs/dvr.md). Locked. */
static void
archive_start_locked(struct stream *s)
{
	const struct stream_params *p = &s->p;

	s->arch[0] = '\0';
	if (p->archive_dir == NULL || (p->dvr_window_ms <= 0 && !p->record))
		return;
	if (seg_archive_open(p->archive_dir, p->name, s->sid, s->arch, sizeof(s->arch)) != 0) {
		s->arch[0] = '\0';
		log_warnx("no session directory below %s: no DVR window and no recording "
		    "for this stream", p->archive_dir);
		return;
	}
	if (p->record) {
		s->rec = rec_writer_open(s->arch, p->customer, p->name, s->sid, s->started_ms,
		    p->format == SEG_FMT_FMP4);
		s->keep_files = s->rec != NULL;
		if (s->rec == NULL)
			log_warnx("the recording of this stream could not start");
	}
	if (p->dvr_window_ms > 0)
		log_info("DVR window of %lld s in %s", (long long)(p->dvr_window_ms / 1000), s->arch);
}

struct stream *
stream_publish(const struct stream_params *p)
{
	struct stream *s, *old;
	uint32_t rnd = 0;

	pthread_mutex_lock(&reg_lock);
	old = find_locked(p->name);
	if (old && old->waiting && strcmp(old->p.customer, p->customer) == 0) {
		resume_locked(old, p);
		pthread_mutex_unlock(&reg_lock);
		return old;
	}
	pthread_mutex_unlock(&reg_lock);

	s = xcalloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->magic = STREAM_MAGIC;
	s->p = *p;
	s->p.persist_dir = NULL;
	if (p->persist_dir && (s->p.persist_dir = xstrdup(p->persist_dir)) == NULL) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->live = true;
	s->acct = acct_stream(p->customer, p->name);
	s->started_ms = clock_wall_ms();
	if (RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
		rnd = (uint32_t)s->started_ms ^ (uint32_t)getpid();
	snprintf(s->sid, sizeof(s->sid), "%llx%08x", (unsigned long long)s->started_ms, rnd);
	s->target_s = playlist_target_duration(p->target_ms);
	s->prev_rate_ms = s->started_ms;

	pthread_mutex_lock(&reg_lock);
	old = find_locked(p->name);
	if (old && old->waiting && strcmp(old->p.customer, p->customer) == 0) {
		/* it started waiting while we allocated */
		resume_locked(old, p);
		pthread_mutex_unlock(&reg_lock);
		free((char *)s->p.persist_dir);
		free(s);
		return old;
	}
	if (old && old->live) {
		pthread_mutex_unlock(&reg_lock);
		free((char *)s->p.persist_dir);
		free(s);
		errno = EBUSY;
		return NULL;
	}
	if (old) {
		unlink_locked(old);
		stream_free_locked(old, true);
	}
	archive_start_locked(s);
	s->next = buckets[bucket_of(p->name)];
	buckets[bucket_of(p->name)] = s;
	pthread_mutex_unlock(&reg_lock);
	return s;
}

const char *
stream_name(const struct stream *s)
{
	return s->p.name;
}

void
stream_set_codecs(struct stream *s, const char *codecs, int width, int height)
{
	pthread_mutex_lock(&reg_lock);
	snprintf(s->codecs, sizeof(s->codecs), "%s", codecs);
	s->width = width;
	s->height = height;
	pthread_mutex_unlock(&reg_lock);
}

void
stream_add_bytes_in(struct stream *s, uint64_t n)
{
	atomic_fetch_add_explicit(&s->bytes_in, n, memory_order_relaxed);
	acct_add_in(s->acct, n);
}

int
stream_set_format(struct stream *s, enum seg_format format)
{
	int rc = 0;

	pthread_mutex_lock(&reg_lock);
	if (s->p.format != format) {
		if (s->n_segs > 0 || s->next_msn > 0)
			rc = -EBUSY;
		else
			s->p.format = format;
	}
	pthread_mutex_unlock(&reg_lock);
	return rc;
}

void
stream_mark_discontinuity(struct stream *s)
{
	pthread_mutex_lock(&reg_lock);
	s->next_disc = true;
	pthread_mutex_unlock(&reg_lock);
}

int
stream_set_init(struct stream *s, const uint8_t *data, size_t len)
{
	struct blob *b = blob_copy(data, len, CT_MP4);

	if (b == NULL)
		return -ENOMEM;
	b->max_age_s = 86400;
	b->immutable = 1;
	pthread_mutex_lock(&reg_lock);
	/* A new name for every init: caches must never mix two under one URI. */
	snprintf(s->init_name, sizeof(s->init_name), "%s-init%u.mp4", s->sid,
	    s->n_inits++);
	set_blob(&s->init, b);
	persist_write(s, s->init_name, b);
	if (s->arch[0] && seg_archive_put(s->arch, s->init_name, data, len, false) != 0)
		METRIC_ADD(archive_write_errors, 1);
	pthread_mutex_unlock(&reg_lock);
	return 0;
}

/*
 * Make the stream's current key usable for one more segment: a new random
 * key every key_rotation segments, stored before its first use. RTMP
 * thread; takes the lock only to publish the new key.
 */
static int
key_next(struct stream *s)
{
	uint8_t raw[SEG_CRYPT_KEY_LEN];
	char name[SEG_NAME_MAX];
	struct blob *kb;
	unsigned every = s->p.key_rotation ? s->p.key_rotation : 1;
	int rc;

	if (s->key && s->key_segs < every)
		return 0;
	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		log_errx("encryption: RAND_bytes failed: segment dropped");
		return -EIO;
	}
	snprintf(name, sizeof(name), "%s-k%u.key", s->sid, s->n_keys);
	if (key_store && key_store->put &&
	    (rc = key_store->put(key_store->arg, s->p.name, name, raw)) != 0) {
		OPENSSL_cleanse(raw, sizeof(raw));
		log_warnx("encryption: cannot store key %s: segment dropped", name);
		return rc;
	}
	/* a recording needs its keys after the window (and a restart) */
	if (s->rec && seg_archive_put(s->arch, name, raw, sizeof(raw), true) != 0) {
		OPENSSL_cleanse(raw, sizeof(raw));
		key_forget(s, name);
		log_warnx("encryption: cannot keep key %s with the recording: segment dropped",
		    name);
		return -EIO;
	}
	kb = blob_copy(raw, sizeof(raw), CT_KEY);
	OPENSSL_cleanse(raw, sizeof(raw));
	if (kb == NULL) {
		key_forget(s, name);
		return -ENOMEM;
	}
	kb->is_secret = 1;
	kb->max_age_s = 0;
	pthread_mutex_lock(&reg_lock);
	set_blob(&s->key, kb);
	memcpy(s->key_name, name, sizeof(s->key_name));
	s->key_segs = 0;
	s->n_keys++;
	pthread_mutex_unlock(&reg_lock);
	log_info("encryption: new key %s from media sequence %llu", name,
	    (unsigned long long)s->next_msn);
	return 0;
}

/* Add the newest segment e to the recording (docs/dvr.md). Locked. */
static void
record_locked(struct stream *s, const struct seg_entry *e, bool starts_with_key)
{
	struct pl_seg ps = { 0 };

	if (!e->on_disk) {
		/* not on disk, so not in the recording: a gap it shows as a discontinuity */
		s->rec_gap = true;
		return;
	}
	ps.uri = e->name;
	ps.dur_ms = e->dur_ms;
	ps.pdt_ms = e->pdt_ms;
	ps.discontinuity = e->disc || s->rec_gap;
	ps.map_uri = e->init ? e->init_name : NULL;
	ps.key_uri = e->key ? e->key_name : NULL;
	ps.key_iv = e->iv;
	if (rec_writer_add(s->rec, &ps, NULL, e->msn, starts_with_key, e->blob->len,
	    s->target_s) == 0)
		s->rec_gap = false;
}

/*
 * Slide the window after a segment was added. Locked. RFC 8216 4.3.3.3:
 * EXT-X-DISCONTINUITY-SEQUENCE counts the discontinuity tags of the
 * segments that have left the playlist.
 *
 * Without DVR, the playlist keeps the newest `window` segments; older ones
 * enter their grace period (expire_ms) and are then dropped. With a DVR
 * window, the playlist keeps dvr_window_ms of media: segments older than
 * the newest `window` leave memory after the grace (mem_expire_ms) and are
 * served from disk; one not on disk cannot stay, and takes every older
 * one out of the playlist with it.
 */
static void
slide_locked(struct stream *s, int64_t now)
{
	size_t first = window_start(s), cut = first, live_first, i;
	int64_t total = 0;

	if (s->p.dvr_window_ms <= 0 || !s->arch[0]) {
		size_t in_window = s->n_segs - first;
		if (in_window > s->p.window)
			cut = first + (in_window - s->p.window);
	} else {
		live_first = s->n_segs > s->p.window ? s->n_segs - s->p.window : 0;
		for (i = first; i < live_first; i++) {
			if (!s->segs[i].on_disk)
				cut = i + 1;
			else if (s->segs[i].mem_expire_ms == 0 && s->segs[i].blob)
				s->segs[i].mem_expire_ms = now + s->p.grace_ms;
		}
		for (i = cut; i < s->n_segs; i++)
			total += s->segs[i].dur_ms;
		/* keep at least dvr_window_ms of media, and never the live window */
		while (cut < live_first && total - s->segs[cut].dur_ms >= s->p.dvr_window_ms)
			total -= s->segs[cut++].dur_ms;
	}
	for (i = first; i < cut; i++) {
		s->segs[i].expire_ms = now + s->p.grace_ms;
		if (s->segs[i].disc)
			s->disc_seq++;
	}
}

int
stream_add_segment(void *arg, struct seg_out *so)
{
	struct stream *s = arg;
	struct seg_entry *e;
	struct blob *b, *key = NULL;
	uint8_t iv[SEG_CRYPT_IV_LEN];
	char name[SEG_NAME_MAX];
	bool on_disk = false;
	int64_t now = clock_wall_ms();
	int rc;

	/*
	 * Encryption happens before the lock: only this (the RTMP) thread
	 * writes next_msn and the key fields, so reading them here is safe,
	 * and HTTP threads never wait for AES or the database.
	 */
	if (s->p.encrypt) {
		uint8_t *enc;
		size_t enc_len;

		if ((rc = key_next(s)) != 0) {
			free(so->data);
			so->data = NULL;
			return rc;
		}
		key = s->key;
		seg_crypt_iv_from_msn(s->next_msn, iv);
		rc = seg_crypt_encrypt(key->data, iv, so->data, so->len, &enc, &enc_len);
		free(so->data);
		so->data = NULL;
		if (rc != 0)
			return rc;
		so->data = enc;
		so->len = enc_len;
	}
	b = blob_new(so->data, so->len, s->p.format == SEG_FMT_FMP4 ? CT_MP4 : CT_TS);
	so->data = NULL;
	if (b == NULL)
		return -ENOMEM;
	b->max_age_s = 86400;
	b->immutable = 1;
	/*
	 * The disk copy (DVR, recording) is written before the lock too: only
	 * this thread makes names, and a slow disk must not stall HTTP.
	 */
	snprintf(name, sizeof(name), "%s-%llu.%s", s->sid, (unsigned long long)s->next_msn,
	    s->p.format == SEG_FMT_FMP4 ? "m4s" : "ts");
	if (s->arch[0]) {
		on_disk = seg_archive_put(s->arch, name, b->data, b->len, false) == 0;
		if (on_disk)
			METRIC_ADD(archive_segments, 1);
		else
			METRIC_ADD(archive_write_errors, 1);
	}

	pthread_mutex_lock(&reg_lock);
	if (s->n_segs == s->cap_segs) {
		size_t ncap = s->cap_segs ? s->cap_segs * 2 : 16;
		e = xreallocarray(s->segs, ncap, sizeof(*e));
		if (e == NULL) {
			pthread_mutex_unlock(&reg_lock);
			blob_unref(b);
			return -ENOMEM;
		}
		s->segs = e;
		s->cap_segs = ncap;
	}
	e = &s->segs[s->n_segs++];
	memset(e, 0, sizeof(*e));
	e->blob = b;
	METRIC_ADD(segment_mem_bytes, b->len);
	e->msn = s->next_msn++;
	e->on_disk = on_disk;
	memcpy(e->name, name, sizeof(e->name));
	e->dur_ms = so->dur_ms > 0 ? so->dur_ms : 1;
	/* RFC 8216 4.3.5.1: INDEPENDENT-SEGMENTS only while it is true */
	if (!so->starts_with_key)
		s->some_not_key = true;
	e->disc = so->discontinuity || s->next_disc;
	s->next_disc = false;
	if (s->p.format == SEG_FMT_FMP4 && s->init) {
		e->init = blob_ref(s->init);
		memcpy(e->init_name, s->init_name, sizeof(e->init_name));
	}
	if (key) {
		e->key = blob_ref(key);
		memcpy(e->key_name, s->key_name, sizeof(e->key_name));
		memcpy(e->iv, iv, sizeof(e->iv));
		s->key_segs++;
	}
	/*
	 * Program date-time: wall clock at the segment's media time. The first
	 * segment anchors media time to the wall clock at its arrival minus its
	 * duration; a discontinuity re-anchors, since media time jumped.
	 */
	if (!s->has_base || e->disc) {
		s->wall_base_ms = now - e->dur_ms;
		s->media_base_ms = so->start_ms;
		s->has_base = true;
	}
	e->pdt_ms = s->wall_base_ms + (so->start_ms - s->media_base_ms);
	/* RFC 8216 4.3.3.1: the target duration never changes; grow it only if a
	 * segment overran it (an encoder with a longer keyframe interval). */
	if (playlist_target_duration(e->dur_ms) > s->target_s) {
		if (s->segments > 0)
			log_warnx("segment of %lld ms exceeds the target duration of %d s: "
			    "raising it (the encoder's keyframe interval is too long)",
			    (long long)e->dur_ms, s->target_s);
		s->target_s = playlist_target_duration(e->dur_ms);
	}
	{
		uint64_t bps = (uint64_t)so->len * 8 * 1000 / (uint64_t)e->dur_ms;
		if (bps > s->peak_bps)
			s->peak_bps = bps;
		s->total_bits += (uint64_t)so->len * 8;
		s->total_ms += (uint64_t)e->dur_ms;
	}
	s->segments++;
	persist_write(s, e->name, b);
	if (s->rec)
		record_locked(s, e, so->starts_with_key);
	slide_locked(s, now);
	rc = rebuild_playlists_locked(s);
	pthread_mutex_unlock(&reg_lock);
	METRIC_ADD(segments_total, 1);
	return rc;
}

/* The wait is over (or was never wanted): EXT-X-ENDLIST. Locked. */
static void
end_locked(struct stream *s, int64_t now, const char *why)
{
	s->live = false;
	s->waiting = false;
	s->ended_ms = now;
	if (rebuild_playlists_locked(s) != 0)
		log_warnx("%s: could not write the final playlist", s->p.name);
	/* the event is over: its recording becomes a VOD playlist */
	if (s->rec) {
		rec_writer_finish(s->rec, now);
		s->rec = NULL;
	}
	if (why)
		log_info("%s: stream ended (%s)", s->p.name, why);
}

void
stream_unpublish(struct stream *s, bool final)
{
	int64_t now = clock_wall_ms();

	pthread_mutex_lock(&reg_lock);
	if (final || s->p.republish_grace_ms <= 0 || s->kicked) {
		end_locked(s, now, NULL);
	} else {
		s->live = false;
		s->waiting = true;
		s->ended_ms = now;
		/* the last segment may have come in since: the playlist stays live */
		if (rebuild_playlists_locked(s) != 0)
			log_warnx("could not write the playlist");
		log_info("publisher gone: the playlist stays live for %lld ms "
		    "in case it returns", (long long)s->p.republish_grace_ms);
	}
	pthread_mutex_unlock(&reg_lock);
}

void
stream_registry_end_all(void)
{
	int64_t now = clock_wall_ms();

	pthread_mutex_lock(&reg_lock);
	for (int i = 0; i < N_BUCKETS; i++)
		for (struct stream *s = buckets[i]; s; s = s->next)
			if (s->waiting)
				end_locked(s, now, "the origin is stopping");
	pthread_mutex_unlock(&reg_lock);
}

/*
 * The entry of segment name object, found by its media sequence number
 * (entries are consecutive): a DVR window holds thousands. -1: not one.
 * Locked.
 */
static ssize_t
find_segment_locked(const struct stream *s, const char *object)
{
	size_t sl = strlen(s->sid);
	unsigned long long msn;
	char *end;

	if (s->n_segs == 0 || strncmp(object, s->sid, sl) != 0 || object[sl] != '-' ||
	    object[sl + 1] < '0' || object[sl + 1] > '9')
		return -1;
	errno = 0;
	msn = strtoull(object + sl + 1, &end, 10);
	if (errno != 0 || msn < s->segs[0].msn || msn - s->segs[0].msn >= s->n_segs)
		return -1;
	msn -= s->segs[0].msn;
	return strcmp(s->segs[msn].name, object) == 0 ? (ssize_t)msn : -1;
}

struct blob *
stream_get_object(const char *name, const char *object, struct acct_customer **acct)
{
	struct stream *s;
	struct blob *b = NULL;
	struct acct_customer *owner = NULL;
	char dir[SEG_ARCHIVE_PATH_MAX], file[SEG_NAME_MAX], customer[KEYS_NAME_MAX + 1];
	const char *ctype = NULL;
	size_t first_try;
	ssize_t hit;

	dir[0] = '\0';
	pthread_mutex_lock(&reg_lock);
	s = find_locked(name);
	if (s == NULL)
		goto out;
	owner = s->acct;
	hit = find_segment_locked(s, object);
	first_try = hit >= 0 ? (size_t)hit : 0;   /* else a scan: inits, keys */
	if (strcmp(object, "index.m3u8") == 0)
		b = s->media_pl;
	else if (strcmp(object, "master.m3u8") == 0)
		b = s->master_pl;
	else if (s->init && strcmp(object, s->init_name) == 0)
		b = s->init;
	else
		for (size_t i = first_try; i < s->n_segs; i++) {
			if (strcmp(s->segs[i].name, object) == 0) {
				b = s->segs[i].blob;
				/* DVR: no longer in memory: read it after the lock */
				if (b == NULL && s->segs[i].on_disk) {
					memcpy(dir, s->arch, sizeof(dir));
					memcpy(file, s->segs[i].name, sizeof(file));
					ctype = s->p.format == SEG_FMT_FMP4 ? CT_MP4 : CT_TS;
				}
				break;
			}
			/* an earlier packager's init, still needed by this segment */
			if (s->segs[i].init && strcmp(s->segs[i].init_name, object) == 0) {
				b = s->segs[i].init;
				break;
			}
			if (s->segs[i].key && strcmp(s->segs[i].key_name, object) == 0) {
				b = s->segs[i].key;
				break;
			}
		}
	if (b)
		blob_ref(b);
out:
	pthread_mutex_unlock(&reg_lock);
	if (b == NULL && dir[0]) {
		if ((b = seg_archive_get(dir, file, ctype, SIZE_MAX)) != NULL) {
			b->max_age_s = 86400;
			b->immutable = 1;
			METRIC_ADD(archive_reads_total, 1);
		} else if (errno != ENOENT) {
			log_warn("DVR: cannot read %s/%s", dir, file);
		}
	}
	/* a finished recording of this stream (recording.h) */
	if (b == NULL &&
	    (b = recordings_get(name, object, customer, sizeof(customer))) != NULL) {
		owner = acct_stream(customer, name);
		METRIC_ADD(archive_reads_total, 1);
	}
	if (b && acct)
		*acct = owner;
	if (b == NULL)
		errno = ENOENT;
	return b;
}

size_t
stream_list(struct stream_info *out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&reg_lock);
	for (int i = 0; i < N_BUCKETS && n < max; i++)
		for (struct stream *s = buckets[i]; s && n < max; s = s->next, n++) {
			struct stream_info *si = &out[n];
			memset(si, 0, sizeof(*si));
			memcpy(si->name, s->p.name, sizeof(si->name));
			memcpy(si->customer, s->p.customer, sizeof(si->customer));
			memcpy(si->peer, s->p.peer, sizeof(si->peer));
			si->key_id = s->p.key_id;
			si->live = s->live;
			si->waiting = s->waiting;
			si->started_ms = s->started_ms;
			si->bytes_in = atomic_load(&s->bytes_in);
			si->bitrate_bps = s->bitrate_bps;
			memcpy(si->codecs, s->codecs, sizeof(si->codecs));
			si->width = s->width;
			si->height = s->height;
			si->media_seq = s->next_msn ? s->next_msn - 1 : 0;
			si->segments = s->segments;
			si->dvr_window_ms = s->arch[0] ? s->p.dvr_window_ms : 0;
			si->recording = s->rec != NULL;
		}
	pthread_mutex_unlock(&reg_lock);
	return n;
}

size_t
stream_count_live(void)
{
	size_t n = 0;

	pthread_mutex_lock(&reg_lock);
	for (int i = 0; i < N_BUCKETS; i++)
		for (struct stream *s = buckets[i]; s; s = s->next)
			n += s->live;
	pthread_mutex_unlock(&reg_lock);
	return n;
}

void
stream_kick_key(int64_t key_id)
{
	pthread_mutex_lock(&reg_lock);
	for (int i = 0; i < N_BUCKETS; i++)
		for (struct stream *s = buckets[i]; s; s = s->next) {
			if (s->live && s->p.key_id == key_id)
				s->kicked = true;
			/* a revoked key cannot come back: end the wait now */
			if (s->waiting && s->p.key_id == key_id)
				end_locked(s, clock_wall_ms(), "its key was revoked");
		}
	pthread_mutex_unlock(&reg_lock);
}

bool
stream_is_kicked(const struct stream *s)
{
	bool k;

	pthread_mutex_lock(&reg_lock);
	k = s->kicked;
	pthread_mutex_unlock(&reg_lock);
	return k;
}

void
stream_registry_sweep(int64_t now)
{
	log_ctx_clear();   /* not any one session's: the lines name their stream */
	pthread_mutex_lock(&reg_lock);
	for (int i = 0; i < N_BUCKETS; i++) {
		struct stream **pp = &buckets[i];
		while (*pp) {
			struct stream *s = *pp;
			size_t drop = 0;

			/* Ingest bitrate, smoothed over a few seconds. */
			if (now - s->prev_rate_ms >= 1000) {
				uint64_t b = atomic_load(&s->bytes_in);
				uint64_t inst = (b - s->prev_bytes_in) * 8 * 1000 /
				    (uint64_t)(now - s->prev_rate_ms);
				s->bitrate_bps = s->bitrate_bps ? (s->bitrate_bps * 3 + inst) / 4 : inst;
				s->prev_bytes_in = b;
				s->prev_rate_ms = now;
			}
			/* DVR: segments past the live window and its grace leave memory */
			for (size_t k = 0; k < s->n_segs; k++) {
				struct seg_entry *e = &s->segs[k];
				if (e->mem_expire_ms == 0)
					continue;
				if (e->mem_expire_ms > now)
					break;
				entry_drop_blob(e);
				e->mem_expire_ms = 0;
			}
			while (drop < s->n_segs && s->segs[drop].expire_ms != 0 &&
			    s->segs[drop].expire_ms <= now) {
				struct seg_entry *e = &s->segs[drop];

				persist_remove(s, e->name);
				entry_forget_files(s, e);
				/* the last segment using an earlier packager's init */
				if (e->init && e->init != s->init &&
				    (drop + 1 == s->n_segs || s->segs[drop + 1].init != e->init))
					persist_remove(s, e->init_name);
				/* the last segment of its key: the key goes (not the current one,
				 * which segments still to come will use) */
				if (e->key && e->key != s->key &&
				    (drop + 1 == s->n_segs || s->segs[drop + 1].key != e->key))
					key_forget(s, e->key_name);
				entry_drop_blob(e);
				blob_unref(e->init);
				blob_unref(e->key);
				drop++;
			}
			if (drop) {
				memmove(s->segs, s->segs + drop, (s->n_segs - drop) * sizeof(*s->segs));
				s->n_segs -= drop;
			}
			if (s->waiting && now - s->ended_ms >= s->p.republish_grace_ms)
				end_locked(s, now, "its publisher did not return "
				    "within the republish grace");
			if (!s->live && !s->waiting && now - s->ended_ms >= s->p.grace_ms) {
				*pp = s->next;
				stream_free_locked(s, true);
				continue;
			}
			pp = &s->next;
		}
	}
	pthread_mutex_unlock(&reg_lock);
}
