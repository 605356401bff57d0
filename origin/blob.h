/*
 * blob: an immutable, reference-counted byte object served over HTTP: a
 * media segment, an init segment or a playlist snapshot.
 *
 * The registry, responses in flight and (later) the disk writer each hold a
 * reference; the bytes are freed with the last one. libmicrohttpd sends the
 * bytes without a copy and drops its reference in the free callback
 * (blob_mhd_release). The ETag is derived from the content at creation.
 */
#ifndef CDN_BLOB_H
#define CDN_BLOB_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define BLOB_MAGIC 0xb10bb10bu

struct blob {
	unsigned magic;
	atomic_uint refs;
	uint8_t *data;
	size_t len;
	const char *content_type;  /* static string */
	int64_t created_ms;        /* Unix ms */
	int max_age_s;             /* Cache-Control max-age */
	int immutable;             /* add "immutable" */
	int is_secret;             /* a content key: "private, no-store", wiped when freed */
	char etag[20];             /* "\"<16 hex>\"" */
};

/* Takes ownership of data (malloc'd). Returns a blob with one reference, or NULL. */
struct blob *blob_new(uint8_t *data, size_t len, const char *content_type);
/* Copies data. */
struct blob *blob_copy(const void *data, size_t len, const char *content_type);
struct blob *blob_ref(struct blob *b);
void blob_unref(struct blob *b);          /* NULL-safe */
void blob_mhd_release(void *cls);         /* MHD free callback: unrefs */

#endif
