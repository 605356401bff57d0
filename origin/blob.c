/*
 * blob: immutable, reference-counted bytes; see blob.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "blob.h"
#include "xalloc.h"

/* FNV-1a 64: a cheap content hash, enough to tell versions apart in an ETag. */
static uint64_t
fnv1a64(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct blob *
blob_new(uint8_t *data, size_t len, const char *content_type)
{
	struct blob *b;
	struct timespec ts;

	b = xcalloc(1, sizeof(*b));
	if (b == NULL) {
		free(data);
		return NULL;
	}
	b->magic = BLOB_MAGIC;
	atomic_init(&b->refs, 1);
	b->data = data;
	b->len = len;
	b->content_type = content_type;
	clock_gettime(CLOCK_REALTIME, &ts);
	b->created_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	snprintf(b->etag, sizeof(b->etag), "\"%016llx\"",
	    (unsigned long long)(fnv1a64(data, len) ^ len));
	return b;
}

struct blob *
blob_copy(const void *data, size_t len, const char *content_type)
{
	uint8_t *p = xmalloc(len);

	if (p == NULL)
		return NULL;
	if (len)
		memcpy(p, data, len);
	return blob_new(p, len, content_type);
}

struct blob *
blob_ref(struct blob *b)
{
	atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
	return b;
}

void
blob_unref(struct blob *b)
{
	if (b == NULL)
		return;
	if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1)
		return;
	b->magic = 0;
	if (b->is_secret && b->data)
		OPENSSL_cleanse(b->data, b->len);   /* a content key: no copy left behind */
	free(b->data);
	free(b);
}

void
blob_mhd_release(void *cls)
{
	blob_unref(cls);
}
