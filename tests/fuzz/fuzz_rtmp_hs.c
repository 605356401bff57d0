/*
 * fuzz_rtmp_hs: the RTMP handshake (origin/rtmp_hs.c). The input goes to a
 * server as C0+C1+C2 and, separately, to a client (digest mode when the
 * input's length is even) as S0+S1+S2, each first whole and then one byte
 * at a time. Checks: a block is consumed only whole, the server answers
 * exactly S0+S1+S2, and both ways of feeding agree.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rd.h"
#include "rtmp_hs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
server_run(const uint8_t *data, size_t size, bool bytewise, size_t *left,
    int *scheme)
{
	struct rtmp_hs hs;
	struct buf out;
	struct rd r;
	size_t pos = 0, end = bytewise ? 0 : size;
	int rc = 0;

	buf_init(&out, 1 << 16);
	rtmp_hs_server_init(&hs, 1);
	for (;;) {
		if (bytewise && end < size)
			end++;
		rd_init(&r, data + pos, end - pos);
		rc = rtmp_hs_server_feed(&hs, &r, &out);
		pos = end - r.left;
		if (rc != 0 || end == size)
			break;
	}
	if (out.len != 0 && out.len != 1 + 2 * RTMP_HS_SIZE)
		abort();
	if (rc == 1 && pos != 1 + 2 * RTMP_HS_SIZE)
		abort();
	*left = size - pos;
	*scheme = hs.scheme;
	buf_fini(&out);
	return rc;
}

static int
client_run(const uint8_t *data, size_t size, bool digest, bool bytewise,
    size_t *left)
{
	struct rtmp_hs hs;
	struct buf out;
	struct rd r;
	size_t pos = 0, end = bytewise ? 0 : size;
	int rc;

	buf_init(&out, 1 << 16);
	if (rtmp_hs_client_start(&hs, digest, 2, &out) != 0)
		abort();
	if (out.len != 1 + RTMP_HS_SIZE)
		abort();
	for (;;) {
		if (bytewise && end < size)
			end++;
		rd_init(&r, data + pos, end - pos);
		rc = rtmp_hs_client_feed(&hs, &r, &out);
		pos = end - r.left;
		if (rc != 0 || end == size)
			break;
	}
	if (rc == 1 && (out.len != 1 + 2 * RTMP_HS_SIZE ||
	    pos != 1 + 2 * RTMP_HS_SIZE))
		abort();
	if (rc != 1 && out.len != 1 + RTMP_HS_SIZE)
		abort();
	*left = size - pos;
	buf_fini(&out);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t left_a, left_b;
	int rc_a, rc_b, sch_a, sch_b;
	bool digest = size % 2 == 0;

	rc_a = server_run(data, size, false, &left_a, &sch_a);
	rc_b = server_run(data, size, true, &left_b, &sch_b);
	if (rc_a != rc_b || left_a != left_b || sch_a != sch_b)
		abort();
	if (size >= 2 * RTMP_HS_SIZE + 1) {
		/* the client's C1 is random, so only the outcome class is
		 * stable for a digest client: compare the simple one */
		rc_a = client_run(data, size, false, false, &left_a);
		rc_b = client_run(data, size, false, true, &left_b);
		if (rc_a != rc_b || left_a != left_b)
			abort();
		if (data[0] == RTMP_HS_VERSION && rc_a != 1)
			abort();  /* a simple client takes any S1/S2 */
	}
	client_run(data, size, digest, false, &left_a);
	return 0;
}
