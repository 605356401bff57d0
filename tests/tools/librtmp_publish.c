/*
 * librtmp_publish: publishes an FLV file through librtmp, the RTMP library
 * that OBS and many hardware encoders are built on, in real time. librtmp
 * built with crypto (as Debian's is) performs the Flash Player 9 digest
 * handshake, so this is how the tests check that encoders of that family
 * can publish to cdn-origin.
 *
 *   librtmp_publish [--fp9] FILE.flv [FILE.flv ...] rtmp://HOST:PORT/live/KEY [SECONDS]
 *
 * Several files are sent back to back over the one connection, as one
 * stream: each file's timestamps continue where the previous file's ended,
 * and its sequence headers (and onMetaData) go out again, as an encoder's do
 * when it changes resolution or codec settings mid-stream.
 *
 * librtmp uses the simple handshake for plain rtmp:// unless SWF
 * verification data is set; --fp9 sets it (as an encoder configured with a
 * player SWF does), which makes librtmp send the digest handshake and check
 * the server's digests.
 *
 * Exits 0 when every file (or SECONDS in all) was published.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librtmp/log.h>
#include <librtmp/rtmp.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static FILE *
open_flv(const char *path)
{
	uint8_t hdr[13];
	FILE *f = fopen(path, "rb");

	if (f == NULL || fread(hdr, 1, 13, f) != 13 || memcmp(hdr, "FLV", 3) != 0) {
		fprintf(stderr, "librtmp_publish: %s: not an FLV file\n", path);
		if (f)
			fclose(f);
		return NULL;
	}
	return f;
}

/*
 * Send the tags of one file in real time, its timestamps moved by base ms;
 * *end is raised to the last timestamp sent. Returns 0 at the file's end or
 * at limit seconds (*done set), 1 on a failure.
 */
static int
send_file(RTMP *r, FILE *f, uint32_t base, uint32_t *end, double start,
    double limit, int *done)
{
	uint8_t th[11];
	char *tag = NULL;
	int rc = 1;

	/* RTMP_Write takes FLV tags: header (11) + body + previous tag size (4). */
	while (fread(th, 1, 11, f) == 11) {
		uint32_t size = (uint32_t)th[1] << 16 | th[2] << 8 | th[3];
		uint32_t ts = base + ((uint32_t)th[7] << 24 | (uint32_t)th[4] << 16 |
		    th[5] << 8 | th[6]);
		double due = ts / 1000.0;

		if (size > (16u << 20))
			break;
		if (due > limit) {
			*done = 1;
			break;
		}
		free(tag);
		if ((tag = malloc(11 + size + 4)) == NULL)
			goto out;
		memcpy(tag, th, 4);
		tag[4] = (char)(ts >> 16);   /* FLV: 24-bit timestamp, then bits 24-31 */
		tag[5] = (char)(ts >> 8);
		tag[6] = (char)ts;
		tag[7] = (char)(ts >> 24);
		memcpy(tag + 8, th + 8, 3);
		if (fread(tag + 11, 1, size + 4, f) != size + 4)
			break;
		if (ts > *end)
			*end = ts;
		while (now_s() - start < due - 0.5)   /* real time, half a second ahead */
			nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
		if (RTMP_Write(r, tag, (int)(11 + size + 4)) <= 0) {
			fprintf(stderr, "librtmp_publish: write failed at %.1f s\n", due);
			goto out;
		}
		if (!RTMP_IsConnected(r)) {
			fprintf(stderr, "librtmp_publish: disconnected at %.1f s\n", due);
			goto out;
		}
	}
	rc = 0;
out:
	free(tag);
	return rc;
}

int
main(int argc, char **argv)
{
	FILE *f = NULL;
	RTMP *r = NULL;
	char *url;
	double start, limit;
	uint32_t base = 0, end = 0;   /* timestamp offset of this file; end of the last */
	int rc = 1, fp9 = 0, n_files, fi, done = 0;

	if (argc > 1 && strcmp(argv[1], "--fp9") == 0) {
		fp9 = 1;
		argc--;
		argv++;
	}
	for (n_files = 0; 1 + n_files < argc &&
	    strncmp(argv[1 + n_files], "rtmp://", 7) != 0; n_files++)
		;
	if (n_files == 0 || 1 + n_files >= argc) {
		fprintf(stderr, "usage: librtmp_publish FILE.flv [FILE.flv ...] URL [SECONDS]\n");
		return 2;
	}
	url = argv[1 + n_files];
	limit = argc > 2 + n_files ? atof(argv[2 + n_files]) : 1e9;
	RTMP_LogSetLevel(RTMP_LOGWARNING);
	if ((f = open_flv(argv[1])) == NULL)
		goto out;
	r = RTMP_Alloc();
	RTMP_Init(r);
	if (!RTMP_SetupURL(r, url)) {
		fprintf(stderr, "librtmp_publish: bad URL\n");
		goto out;
	}
	if (fp9) {
		r->Link.SWFSize = 1024;
		memset(r->Link.SWFHash, 0x5a, sizeof(r->Link.SWFHash));
	}
	RTMP_EnableWrite(r);
	if (!RTMP_Connect(r, NULL) || !RTMP_ConnectStream(r, 0)) {
		fprintf(stderr, "librtmp_publish: connect or publish failed\n");
		goto out;
	}
	start = now_s();
	for (fi = 0; fi < n_files && !done; fi++) {
		if (fi > 0) {
			fclose(f);
			if ((f = open_flv(argv[1 + fi])) == NULL)
				goto out;
			base = end + 40;   /* one frame after the previous file's last tag */
		}
		if (send_file(r, f, base, &end, start, limit, &done) != 0)
			goto out;
	}
	rc = 0;
out:
	if (r) {
		RTMP_Close(r);
		RTMP_Free(r);
	}
	if (f)
		fclose(f);
	return rc;
}
