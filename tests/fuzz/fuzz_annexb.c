/*
 * fuzz_annexb: the Annex B scanner, the AVCC conversion and the avcC record
 * built from what the input's parameter sets are, on an exactly sized copy
 * of the input (ASan sees any read past its end), with a small output
 * ceiling half the time so the -ENOBUFS path is exercised.
 *
 * Oracle: every NAL unit lies inside the input, is non-empty and does not
 * begin with a start code; the conversion returns 0, -ENODATA or -ENOBUFS;
 * on 0 the output is a well-formed sequence of 4-byte lengths whose units
 * are exactly the non-parameter-set, non-AUD, non-filler units the scanner
 * returned; a record built from an SPS and PPS reads back through
 * h264_config_parse with the same profile and level.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "annexb.h"
#include "h264_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	uint8_t *in = malloc(n ? n : 1);
	struct annexb_rd a;
	struct annexb_nal nal;
	struct annexb_au au;
	struct buf out, rec;
	size_t kept = 0, kept_bytes = 0, off;
	int rc;

	if (in == NULL)
		return 0;
	memcpy(in, d, n);
	annexb_rd_init(&a, in, n);
	while (annexb_next(&a, &nal) == 0) {
		if (nal.p < in || nal.len == 0 || nal.p + nal.len > in + n)
			abort();
		if (annexb_is_annexb(nal.p, nal.len))
			abort();
		if (nal.type != H264_NAL_SPS && nal.type != H264_NAL_PPS &&
		    nal.type != H264_NAL_AUD && nal.type != H264_NAL_FILLER) {
			kept++;
			kept_bytes += nal.len;
		}
	}
	buf_init(&out, n > 0 && (d[0] & 1) ? 64 : 1u << 20);
	rc = annexb_to_avcc(in, n, &out, &au);
	if (rc != 0 && rc != -ENODATA && rc != -ENOBUFS)
		abort();
	if (rc == 0) {
		if (au.n_nals != kept || out.len != kept_bytes + 4 * kept)
			abort();
		for (off = 0; off < out.len;) {
			size_t l;
			if (out.len - off < 4)
				abort();
			l = (size_t)out.data[off] << 24 | (size_t)out.data[off + 1] << 16 |
			    (size_t)out.data[off + 2] << 8 | out.data[off + 3];
			if (l == 0 || l > out.len - off - 4)
				abort();
			off += 4 + l;
		}
	}
	if (rc == -ENODATA && kept != 0)
		abort();
	if (annexb_find_params(in, n, &au) == 0) {
		buf_init(&rec, 4096);
		if (annexb_avcc_record(au.sps, au.sps_len, au.pps, au.pps_len, &rec) == 0) {
			struct h264_config c;
			if (h264_config_parse(rec.data, rec.len, &c) != 0 ||
			    c.profile_idc != au.sps[1] || c.level_idc != au.sps[3] ||
			    c.nal_length_size != 4)
				abort();
		}
		buf_fini(&rec);
	}
	buf_fini(&out);
	free(in);
	return 0;
}
