/*
 * librtmp_publish: publishes an FLV file through librtmp, the RTMP library
 * that OBS and many hardware encoders are built on, in real time. librtmp
 * built with crypto (as Debian's is) performs the Flash Player 9 digest
 * handshake, so this is how the tests check that encoders of that family
 * can publish to cdn-origin.
 *
 *   librtmp_publish [--fp9] FILE.flv rtmp://HOST:PORT/live/KEY [SECONDS]
 *
 * librtmp uses the simple handshake for plain rtmp:// unless SWF
 * verification data is set; --fp9 sets it (as an encoder configured with a
 * player SWF does), which makes librtmp send the digest handshake and check
 * the server's digests.
 *
 * Exits 0 when the whole file (or SECONDS of it) was published.
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

int
main(int argc, char **argv)
{
	FILE *f = NULL;
	RTMP *r = NULL;
	uint8_t hdr[13], th[11];
	char *tag = NULL;
	double start, limit;
	int rc = 1, fp9 = 0;

	if (argc > 1 && strcmp(argv[1], "--fp9") == 0) {
		fp9 = 1;
		argc--;
		argv++;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: librtmp_publish FILE.flv URL [SECONDS]\n");
		return 2;
	}
	limit = argc > 3 ? atof(argv[3]) : 1e9;
	RTMP_LogSetLevel(RTMP_LOGWARNING);
	if ((f = fopen(argv[1], "rb")) == NULL || fread(hdr, 1, 13, f) != 13 ||
	    memcmp(hdr, "FLV", 3) != 0) {
		fprintf(stderr, "librtmp_publish: %s: not an FLV file\n", argv[1]);
		goto out;
	}
	r = RTMP_Alloc();
	RTMP_Init(r);
	if (!RTMP_SetupURL(r, argv[2])) {
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
	/* RTMP_Write takes FLV tags: header (11) + body + previous tag size (4). */
	while (fread(th, 1, 11, f) == 11) {
		uint32_t size = (uint32_t)th[1] << 16 | th[2] << 8 | th[3];
		uint32_t ts = (uint32_t)th[7] << 24 | (uint32_t)th[4] << 16 | th[5] << 8 | th[6];
		double due = ts / 1000.0;

		if (size > (16u << 20) || due > limit)
			break;
		free(tag);
		if ((tag = malloc(11 + size + 4)) == NULL)
			goto out;
		memcpy(tag, th, 11);
		if (fread(tag + 11, 1, size + 4, f) != size + 4)
			break;
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
	if (r) {
		RTMP_Close(r);
		RTMP_Free(r);
	}
	free(tag);
	if (f)
		fclose(f);
	return rc;
}
