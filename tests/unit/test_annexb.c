/*
 * test_annexb: H.264 Annex B to AVCC and the avcC record built from in-band
 * parameter sets (origin/annexb.c), and ADTS headers to raw AAC frames and
 * an AudioSpecificConfig (origin/adts.c). The SPS and PPS are x264's for a
 * 320x240 High profile stream; the ADTS header is ffmpeg's AAC-LC encoder's
 * at 48 kHz mono. Inputs live in heap blocks of exactly their length, so an
 * ASan build catches a read past the end.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aac_config.h"
#include "adts.h"
#include "annexb.h"
#include "check.h"
#include "h264_config.h"

#define SC4 0x00, 0x00, 0x00, 0x01
#define SC3 0x00, 0x00, 0x01
#define SPS 0x67, 0x64, 0x00, 0x0d, 0xac, 0xb4, 0x0a, 0x0f, 0xd8, 0x08, 0x80, 0x00, \
	0x00, 0x03, 0x00, 0x80, 0x00, 0x00, 0x19, 0x47, 0x8a, 0x15, 0x50
#define PPS 0x68, 0xef, 0x0f, 0xcb

static const uint8_t sps[] = { SPS };
static const uint8_t pps[] = { PPS };

/* A heap copy of exactly n bytes. */
static uint8_t *
mem_dup(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	if (d)
		memcpy(d, p, n);
	return d;
}

static int
t_split(void)
{
	/* junk before the first start code, an empty NAL unit, trailing zeros */
	static const uint8_t in[] = { 0xaa, 0xbb, SC4, 0x09, 0xf0, SC3, SC3, 0x65, 0x11, 0x00,
		0x00, SC4, 0x41, 0x22, 0x00 };
	uint8_t *d = mem_dup(in, sizeof(in));
	struct annexb_rd a;
	struct annexb_nal n;

	CHECK(d != NULL);
	annexb_rd_init(&a, d, sizeof(in));
	CHECK_INT(annexb_next(&a, &n), 0);
	CHECK_INT(n.type, H264_NAL_AUD);
	CHECK_INT(n.len, 2);
	CHECK_INT(annexb_next(&a, &n), 0);
	CHECK_INT(n.type, H264_NAL_IDR);
	CHECK_INT(n.len, 2);            /* 65 11: the zeros before the next start code go */
	CHECK_INT(n.p[1], 0x11);
	CHECK_INT(annexb_next(&a, &n), 0);
	CHECK_INT(n.type, H264_NAL_SLICE);
	CHECK_INT(n.len, 2);            /* trailing zero at the end dropped too */
	CHECK_INT(annexb_next(&a, &n), -ENOENT);
	CHECK_INT(annexb_next(&a, &n), -ENOENT);
	free(d);
	return 0;
}

static int
t_no_start_code(void)
{
	static const uint8_t in[][6] = {
		{ 0x65, 0x88, 0x84, 0x00, 0x00, 0x02 },
		{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
		{ 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 },  /* a start code and nothing after */
	};
	for (size_t i = 0; i < 3; i++) {
		uint8_t *d = mem_dup(in[i], 6);
		struct annexb_rd a;
		struct annexb_nal n;
		annexb_rd_init(&a, d, 6);
		CHECK_INT(annexb_next(&a, &n), -ENOENT);
		free(d);
	}
	{
		struct annexb_rd a;
		struct annexb_nal n;
		annexb_rd_init(&a, NULL, 10);
		CHECK_INT(annexb_next(&a, &n), -ENOENT);
	}
	return 0;
}

static int
t_to_avcc(void)
{
	static const uint8_t in[] = { SC4, 0x09, 0x10, SC4, SPS, SC4, PPS, SC3, 0x06, 0x05, 0x01,
		SC3, 0x65, 0x88, 0x84, 0x23 };
	static const uint8_t want[] = { 0, 0, 0, 3, 0x06, 0x05, 0x01, 0, 0, 0, 4, 0x65, 0x88,
		0x84, 0x23 };
	uint8_t *d = mem_dup(in, sizeof(in));
	struct annexb_au au;
	struct buf out;

	buf_init(&out, 1024);
	CHECK_INT(annexb_to_avcc(d, sizeof(in), &out, &au), 0);
	CHECK_INT(out.len, sizeof(want));
	CHECK_MEM(out.data, want, sizeof(want));
	CHECK(au.has_idr);
	CHECK_INT(au.n_nals, 2);
	CHECK_INT(au.sps_len, sizeof(sps));
	CHECK_MEM(au.sps, sps, sizeof(sps));
	CHECK_INT(au.pps_len, sizeof(pps));
	CHECK_MEM(au.pps, pps, sizeof(pps));
	/* the buffer's ceiling holds */
	buf_fini(&out);
	buf_init(&out, 8);
	CHECK_INT(annexb_to_avcc(d, sizeof(in), &out, &au), -ENOBUFS);
	buf_fini(&out);
	/* only parameter sets: nothing to write */
	buf_init(&out, 1024);
	CHECK_INT(annexb_to_avcc(d, 4 + 2 + 4 + sizeof(sps) + 4 + sizeof(pps), &out, &au),
	    -ENODATA);
	CHECK(au.sps != NULL && au.pps != NULL && !au.has_idr);
	buf_fini(&out);
	free(d);
	return 0;
}

static int
t_record(void)
{
	struct h264_config c;
	struct annexb_au au;
	struct buf rec;
	static const uint8_t extradata[] = { SC4, SPS, SC4, PPS };
	uint8_t *d = mem_dup(extradata, sizeof(extradata));

	buf_init(&rec, 4096);
	CHECK_INT(annexb_find_params(d, sizeof(extradata), &au), 0);
	CHECK_INT(annexb_avcc_record(au.sps, au.sps_len, au.pps, au.pps_len, &rec), 0);
	CHECK_INT(rec.len, 6 + 2 + sizeof(sps) + 1 + 2 + sizeof(pps));
	/* the record reads back through the same parser RTMP's go through */
	CHECK_INT(h264_config_parse(rec.data, rec.len, &c), 0);
	CHECK_INT(c.profile_idc, 100);
	CHECK_INT(c.level_idc, 13);
	CHECK_INT(c.nal_length_size, 4);
	CHECK_INT(c.width, 320);
	CHECK_INT(c.height, 240);
	/* refused: swapped, short, no PPS */
	CHECK_INT(annexb_avcc_record(pps, sizeof(pps), sps, sizeof(sps), &rec), -EPROTO);
	CHECK_INT(annexb_avcc_record(sps, 3, pps, sizeof(pps), &rec), -EPROTO);
	CHECK_INT(annexb_avcc_record(sps, sizeof(sps), NULL, 0, &rec), -EPROTO);
	CHECK_INT(annexb_find_params(d, 4 + sizeof(sps), &au), -ENOENT);
	buf_fini(&rec);
	free(d);
	return 0;
}

static int
t_is_annexb(void)
{
	static const uint8_t a[] = { 0, 0, 1, 0x65 }, b[] = { 0, 0, 0, 1 }, c[] = { 1, 0x64, 0, 0xd };
	CHECK(annexb_is_annexb(a, 4));
	CHECK(annexb_is_annexb(b, 4));
	CHECK(!annexb_is_annexb(c, 4));   /* an avcC record */
	CHECK(!annexb_is_annexb(a, 2));
	return 0;
}

/* --- ADTS ---------------------------------------------------------------- */

static int
t_adts(void)
{
	/* ffmpeg's AAC-LC, 48 kHz, mono, frame_length 12 (header 7 + 5 bytes) */
	static const uint8_t in[] = { 0xff, 0xf1, 0x4c, 0x40, 0x01, 0x9f, 0xfc, 1, 2, 3, 4, 5 };
	uint8_t *d = mem_dup(in, sizeof(in)), asc[2];
	struct adts_hdr h;
	struct aac_config c;

	CHECK_INT(adts_parse(d, sizeof(in), &h), 0);
	CHECK_INT(h.object_type, 2);
	CHECK_INT(h.sample_rate, 48000);
	CHECK_INT(h.channel_config, 1);
	CHECK_INT(h.header_len, 7);
	CHECK_INT(h.frame_len, 12);
	adts_asc(&h, asc);
	CHECK_INT(asc[0], 0x11);
	CHECK_INT(asc[1], 0x88);
	CHECK_INT(aac_config_parse(asc, 2, &c), 0);
	CHECK_INT(c.object_type, 2);
	CHECK_INT(c.sample_rate, 48000);
	CHECK_INT(c.channels, 1);
	/* the frame is longer than the input */
	CHECK_INT(adts_parse(d, sizeof(in) - 1, &h), -EPROTO);
	/* short, and not ADTS */
	CHECK_INT(adts_parse(d, 6, &h), -EPROTO);
	d[1] = 0xf3;                      /* layer 1 */
	CHECK_INT(adts_parse(d, sizeof(in), &h), -EPROTO);
	d[1] = 0xf0;                      /* protection_absent 0: a 9-byte header */
	CHECK_INT(adts_parse(d, sizeof(in), &h), 0);
	CHECK_INT(h.header_len, 9);
	d[1] = 0xf1;
	d[2] = 0x4c | 0x34;               /* frequency index 13: reserved */
	CHECK_INT(adts_parse(d, sizeof(in), &h), -EPROTO);
	d[2] = 0x4c;
	d[6] = 0xfd;                      /* two raw data blocks */
	CHECK_INT(adts_parse(d, sizeof(in), &h), -ENOTSUP);
	d[6] = 0xfc;
	d[3] = 0x00;                      /* channel configuration 0 (PCE) */
	CHECK_INT(adts_parse(d, sizeof(in), &h), -ENOTSUP);
	d[3] = 0x40;
	d[4] = 0x00;
	d[5] = 0x1f;                      /* frame_length 0 */
	CHECK_INT(adts_parse(d, sizeof(in), &h), -EPROTO);
	free(d);
	return 0;
}

int
main(void)
{
	RUN(t_split);
	RUN(t_no_start_code);
	RUN(t_to_avcc);
	RUN(t_record);
	RUN(t_is_annexb);
	RUN(t_adts);
	return check_done();
}
