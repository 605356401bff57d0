/*
 * srt_call: connect to an SRT listener as a caller with a stream ID and
 * say how the handshake ended, with the listener's rejection code, which
 * ffmpeg 5.1 does not print (it says only "Application-defined rejection
 * reason"). Sends nothing.
 *
 *   srt_call HOST PORT STREAMID
 *
 * Prints "connected" (exit 0) or "rejected CODE TEXT" (exit 2); exit 1 on
 * a local error. CODE is srt_getrejectreason(): 1000 and up are the
 * listener's own (srt/access_control.h), below 1000 libsrt's SRT_REJ_*.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <srt/srt.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { 0 };
	SRTSOCKET s;
	int yes = 1, to_ms = 3000, rc = 1, why;

	if (argc != 4) {
		fprintf(stderr, "usage: srt_call HOST PORT STREAMID\n");
		return 1;
	}
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "srt_call: %s: not an IPv4 address\n", argv[1]);
		return 1;
	}
	if (srt_startup() < 0)
		return 1;
	srt_setloglevel(2);  /* LOG_CRIT: the outcome is printed below */
	s = srt_create_socket();
	if (s == SRT_INVALID_SOCK ||
	    srt_setsockflag(s, SRTO_SENDER, &yes, sizeof(yes)) == SRT_ERROR ||
	    srt_setsockflag(s, SRTO_CONNTIMEO, &to_ms, sizeof(to_ms)) == SRT_ERROR ||
	    srt_setsockflag(s, SRTO_STREAMID, argv[3], (int)strlen(argv[3])) == SRT_ERROR) {
		fprintf(stderr, "srt_call: %s\n", srt_getlasterror_str());
		goto out;
	}
	if (srt_connect(s, (struct sockaddr *)&sa, sizeof(sa)) != SRT_ERROR) {
		printf("connected\n");
		rc = 0;
		goto out;
	}
	why = srt_getrejectreason(s);
	printf("rejected %d %s\n", why, srt_rejectreason_str(why));
	rc = 2;
out:
	if (s != SRT_INVALID_SOCK)
		srt_close(s);
	srt_cleanup();
	return rc;
}
