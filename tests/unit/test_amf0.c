/*
 * test_amf0: the AMF0 codec against the bytes real publishers send.
 *
 * The command arrays below are what FFmpeg 5.1 (libavformat/rtmpproto.c
 * gen_connect, gen_release_stream, gen_fcpublish_stream, gen_create_stream,
 * gen_publish; flvenc.c onMetaData) and OBS/librtmp (SendConnectPacket)
 * put in an RTMP command or data message body, written out byte by byte so
 * that the decoder is checked against the wire, not against our encoder.
 * Around them: truncation at every offset, depth and node-budget bombs,
 * lying lengths and counts, the accessors' refusals, and encode/decode round
 * trips including the encoder's ceiling and sticky errors.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amf0.h"
#include "buf.h"
#include "check.h"

/* FFmpeg 5.1 publishing (rtmpproto.c gen_connect, is_input == 0) */
static const uint8_t ffmpeg_connect[] = {
	/* string "connect" */
	0x02, 0x00, 0x07, 0x63, 0x6f, 0x6e, 0x6e, 0x65, 0x63, 0x74,
	/* number 1.0 */
	0x00, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* object */
	0x03,
	/* key "app": string "live" */
	0x00, 0x03, 0x61, 0x70, 0x70, 0x02, 0x00, 0x04, 0x6c, 0x69, 0x76, 0x65,
	/* key "type": string "nonprivate" */
	0x00, 0x04, 0x74, 0x79, 0x70, 0x65, 0x02, 0x00, 0x0a, 0x6e, 0x6f, 0x6e,
	0x70, 0x72, 0x69, 0x76, 0x61, 0x74, 0x65,
	/* key "flashVer": string "FMLE/3.0 (compatible; Lavf59.27.100)" */
	0x00, 0x08, 0x66, 0x6c, 0x61, 0x73, 0x68, 0x56, 0x65, 0x72, 0x02, 0x00,
	0x24, 0x46, 0x4d, 0x4c, 0x45, 0x2f, 0x33, 0x2e, 0x30, 0x20, 0x28, 0x63,
	0x6f, 0x6d, 0x70, 0x61, 0x74, 0x69, 0x62, 0x6c, 0x65, 0x3b, 0x20, 0x4c,
	0x61, 0x76, 0x66, 0x35, 0x39, 0x2e, 0x32, 0x37, 0x2e, 0x31, 0x30, 0x30,
	0x29,
	/* key "tcUrl": string "rtmp://127.0.0.1:1935/live" */
	0x00, 0x05, 0x74, 0x63, 0x55, 0x72, 0x6c, 0x02, 0x00, 0x1a, 0x72, 0x74,
	0x6d, 0x70, 0x3a, 0x2f, 0x2f, 0x31, 0x32, 0x37, 0x2e, 0x30, 0x2e, 0x30,
	0x2e, 0x31, 0x3a, 0x31, 0x39, 0x33, 0x35, 0x2f, 0x6c, 0x69, 0x76, 0x65,
	/* object end */
	0x00, 0x00, 0x09,
};

/* OBS/librtmp SendConnectPacket, with the player-style fields it adds */
static const uint8_t obs_connect[] = {
	/* string "connect" */
	0x02, 0x00, 0x07, 0x63, 0x6f, 0x6e, 0x6e, 0x65, 0x63, 0x74,
	/* number 1.0 */
	0x00, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* object */
	0x03,
	/* key "app": string "live" */
	0x00, 0x03, 0x61, 0x70, 0x70, 0x02, 0x00, 0x04, 0x6c, 0x69, 0x76, 0x65,
	/* key "type": string "nonprivate" */
	0x00, 0x04, 0x74, 0x79, 0x70, 0x65, 0x02, 0x00, 0x0a, 0x6e, 0x6f, 0x6e,
	0x70, 0x72, 0x69, 0x76, 0x61, 0x74, 0x65,
	/* key "flashVer": string "FMLE/3.0 (compatible; FMSc/1.0)" */
	0x00, 0x08, 0x66, 0x6c, 0x61, 0x73, 0x68, 0x56, 0x65, 0x72, 0x02, 0x00,
	0x1f, 0x46, 0x4d, 0x4c, 0x45, 0x2f, 0x33, 0x2e, 0x30, 0x20, 0x28, 0x63,
	0x6f, 0x6d, 0x70, 0x61, 0x74, 0x69, 0x62, 0x6c, 0x65, 0x3b, 0x20, 0x46,
	0x4d, 0x53, 0x63, 0x2f, 0x31, 0x2e, 0x30, 0x29,
	/* key "swfUrl": string "rtmp://127.0.0.1:1935/live" */
	0x00, 0x06, 0x73, 0x77, 0x66, 0x55, 0x72, 0x6c, 0x02, 0x00, 0x1a, 0x72,
	0x74, 0x6d, 0x70, 0x3a, 0x2f, 0x2f, 0x31, 0x32, 0x37, 0x2e, 0x30, 0x2e,
	0x30, 0x2e, 0x31, 0x3a, 0x31, 0x39, 0x33, 0x35, 0x2f, 0x6c, 0x69, 0x76,
	0x65,
	/* key "tcUrl": string "rtmp://127.0.0.1:1935/live" */
	0x00, 0x05, 0x74, 0x63, 0x55, 0x72, 0x6c, 0x02, 0x00, 0x1a, 0x72, 0x74,
	0x6d, 0x70, 0x3a, 0x2f, 0x2f, 0x31, 0x32, 0x37, 0x2e, 0x30, 0x2e, 0x30,
	0x2e, 0x31, 0x3a, 0x31, 0x39, 0x33, 0x35, 0x2f, 0x6c, 0x69, 0x76, 0x65,
	/* key "fpad": boolean false */
	0x00, 0x04, 0x66, 0x70, 0x61, 0x64, 0x01, 0x00,
	/* key "capabilities": number 15.0 */
	0x00, 0x0c, 0x63, 0x61, 0x70, 0x61, 0x62, 0x69, 0x6c, 0x69, 0x74, 0x69,
	0x65, 0x73, 0x00, 0x40, 0x2e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* key "audioCodecs": number 4071.0 */
	0x00, 0x0b, 0x61, 0x75, 0x64, 0x69, 0x6f, 0x43, 0x6f, 0x64, 0x65, 0x63,
	0x73, 0x00, 0x40, 0xaf, 0xce, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* key "videoCodecs": number 252.0 */
	0x00, 0x0b, 0x76, 0x69, 0x64, 0x65, 0x6f, 0x43, 0x6f, 0x64, 0x65, 0x63,
	0x73, 0x00, 0x40, 0x6f, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* key "videoFunction": number 1.0 */
	0x00, 0x0d, 0x76, 0x69, 0x64, 0x65, 0x6f, 0x46, 0x75, 0x6e, 0x63, 0x74,
	0x69, 0x6f, 0x6e, 0x00, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* object end */
	0x00, 0x00, 0x09,
};

/* FFmpeg/OBS publish sequence: releaseStream, FCPublish, createStream, publish */
static const uint8_t release_stream[] = {
	/* string "releaseStream" */
	0x02, 0x00, 0x0d, 0x72, 0x65, 0x6c, 0x65, 0x61, 0x73, 0x65, 0x53, 0x74,
	0x72, 0x65, 0x61, 0x6d,
	/* number 2.0 */
	0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* null */
	0x05,
	/* string "streamkey" */
	0x02, 0x00, 0x09, 0x73, 0x74, 0x72, 0x65, 0x61, 0x6d, 0x6b, 0x65, 0x79,
};

static const uint8_t fc_publish[] = {
	/* string "FCPublish" */
	0x02, 0x00, 0x09, 0x46, 0x43, 0x50, 0x75, 0x62, 0x6c, 0x69, 0x73, 0x68,
	/* number 3.0 */
	0x00, 0x40, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* null */
	0x05,
	/* string "streamkey" */
	0x02, 0x00, 0x09, 0x73, 0x74, 0x72, 0x65, 0x61, 0x6d, 0x6b, 0x65, 0x79,
};

static const uint8_t create_stream[] = {
	/* string "createStream" */
	0x02, 0x00, 0x0c, 0x63, 0x72, 0x65, 0x61, 0x74, 0x65, 0x53, 0x74, 0x72,
	0x65, 0x61, 0x6d,
	/* number 4.0 */
	0x00, 0x40, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* null */
	0x05,
};

static const uint8_t publish[] = {
	/* string "publish" */
	0x02, 0x00, 0x07, 0x70, 0x75, 0x62, 0x6c, 0x69, 0x73, 0x68,
	/* number 5.0 */
	0x00, 0x40, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* null */
	0x05,
	/* string "streamkey" */
	0x02, 0x00, 0x09, 0x73, 0x74, 0x72, 0x65, 0x61, 0x6d, 0x6b, 0x65, 0x79,
	/* string "live" */
	0x02, 0x00, 0x04, 0x6c, 0x69, 0x76, 0x65,
};

/* FFmpeg flvenc onMetaData in an RTMP data message, behind @setDataFrame */
static const uint8_t set_data_frame[] = {
	/* string "@setDataFrame" */
	0x02, 0x00, 0x0d, 0x40, 0x73, 0x65, 0x74, 0x44, 0x61, 0x74, 0x61, 0x46,
	0x72, 0x61, 0x6d, 0x65,
	/* string "onMetaData" */
	0x02, 0x00, 0x0a, 0x6f, 0x6e, 0x4d, 0x65, 0x74, 0x61, 0x44, 0x61, 0x74,
	0x61,
	/* ECMA array, count 13 */
	0x08, 0x00, 0x00, 0x00, 0x0d,
	/* key "duration": number 0.0 */
	0x00, 0x08, 0x64, 0x75, 0x72, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* key "width": number 1280.0 */
	0x00, 0x05, 0x77, 0x69, 0x64, 0x74, 0x68, 0x00, 0x40, 0x94, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	/* key "height": number 720.0 */
	0x00, 0x06, 0x68, 0x65, 0x69, 0x67, 0x68, 0x74, 0x00, 0x40, 0x86, 0x80,
	0x00, 0x00, 0x00, 0x00, 0x00,
	/* key "videodatarate": number 2500.0 */
	0x00, 0x0d, 0x76, 0x69, 0x64, 0x65, 0x6f, 0x64, 0x61, 0x74, 0x61, 0x72,
	0x61, 0x74, 0x65, 0x00, 0x40, 0xa3, 0x88, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* key "framerate": number 29.97 */
	0x00, 0x09, 0x66, 0x72, 0x61, 0x6d, 0x65, 0x72, 0x61, 0x74, 0x65, 0x00,
	0x40, 0x3d, 0xf8, 0x51, 0xeb, 0x85, 0x1e, 0xb8,
	/* key "videocodecid": number 7.0 */
	0x00, 0x0c, 0x76, 0x69, 0x64, 0x65, 0x6f, 0x63, 0x6f, 0x64, 0x65, 0x63,
	0x69, 0x64, 0x00, 0x40, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* key "audiodatarate": number 160.0 */
	0x00, 0x0d, 0x61, 0x75, 0x64, 0x69, 0x6f, 0x64, 0x61, 0x74, 0x61, 0x72,
	0x61, 0x74, 0x65, 0x00, 0x40, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* key "audiosamplerate": number 48000.0 */
	0x00, 0x0f, 0x61, 0x75, 0x64, 0x69, 0x6f, 0x73, 0x61, 0x6d, 0x70, 0x6c,
	0x65, 0x72, 0x61, 0x74, 0x65, 0x00, 0x40, 0xe7, 0x70, 0x00, 0x00, 0x00,
	0x00, 0x00,
	/* key "audiosamplesize": number 16.0 */
	0x00, 0x0f, 0x61, 0x75, 0x64, 0x69, 0x6f, 0x73, 0x61, 0x6d, 0x70, 0x6c,
	0x65, 0x73, 0x69, 0x7a, 0x65, 0x00, 0x40, 0x30, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00,
	/* key "stereo": boolean true */
	0x00, 0x06, 0x73, 0x74, 0x65, 0x72, 0x65, 0x6f, 0x01, 0x01,
	/* key "audiocodecid": number 10.0 */
	0x00, 0x0c, 0x61, 0x75, 0x64, 0x69, 0x6f, 0x63, 0x6f, 0x64, 0x65, 0x63,
	0x69, 0x64, 0x00, 0x40, 0x24, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* key "encoder": string "Lavf59.27.100" */
	0x00, 0x07, 0x65, 0x6e, 0x63, 0x6f, 0x64, 0x65, 0x72, 0x02, 0x00, 0x0d,
	0x4c, 0x61, 0x76, 0x66, 0x35, 0x39, 0x2e, 0x32, 0x37, 0x2e, 0x31, 0x30,
	0x30,
	/* key "filesize": number 0.0 */
	0x00, 0x08, 0x66, 0x69, 0x6c, 0x65, 0x73, 0x69, 0x7a, 0x65, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* object end */
	0x00, 0x00, 0x09,
};

/* Interior top-level value boundaries of each command, from the layout above. */
struct cmd_case {
	const char *name;
	const uint8_t *p;
	size_t len;
	size_t bounds[6];  /* ends of top-level values except the last; 0 ends */
	size_t n_top;
};

static const struct cmd_case cmds[] = {
	{ "ffmpeg_connect", ffmpeg_connect, sizeof(ffmpeg_connect), { 10, 19 }, 3 },
	{ "obs_connect", obs_connect, sizeof(obs_connect), { 10, 19 }, 3 },
	{ "release_stream", release_stream, sizeof(release_stream), { 16, 25, 26 }, 4 },
	{ "fc_publish", fc_publish, sizeof(fc_publish), { 12, 21, 22 }, 4 },
	{ "create_stream", create_stream, sizeof(create_stream), { 15, 24 }, 3 },
	{ "publish", publish, sizeof(publish), { 10, 19, 20, 32 }, 5 },
	{ "set_data_frame", set_data_frame, sizeof(set_data_frame), { 16, 29 }, 3 },
};

#define N_NODES 256
static struct amf0_val nodes[N_NODES];

static int
decode(struct amf0_doc *doc, const uint8_t *p, size_t len)
{
	amf0_doc_init(doc, nodes, N_NODES, AMF0_DEFAULT_DEPTH);
	return amf0_decode(doc, p, len);
}

/* A property's string value as a C string, or "(none)". */
static const char *
prop_str(const struct amf0_val *obj, const char *key)
{
	static char out[256];

	if (amf0_str_copy(amf0_prop(obj, key), out, sizeof(out)) != 0)
		return "(none)";
	return out;
}

static int
t_ffmpeg_connect(void)
{
	struct amf0_doc doc;
	const struct amf0_val *obj;

	CHECK_INT(decode(&doc, ffmpeg_connect, sizeof(ffmpeg_connect)), 0);
	CHECK_INT(doc.n_top, 3);
	CHECK_INT(doc.n_nodes, 7);
	CHECK(amf0_str_eq(amf0_top(&doc, 0), "connect"));
	CHECK_INT(amf0_top(&doc, 0)->type, AMF0_STRING);
	CHECK(amf0_num(amf0_top(&doc, 1), -1) == 1.0);
	obj = amf0_top(&doc, 2);
	CHECK(obj != NULL);
	CHECK_INT(obj->type, AMF0_OBJECT);
	CHECK_INT(obj->n_children, 4);
	CHECK(amf0_top(&doc, 3) == NULL);
	CHECK_STR(prop_str(obj, "app"), "live");
	CHECK_STR(prop_str(obj, "type"), "nonprivate");
	CHECK_STR(prop_str(obj, "flashVer"), "FMLE/3.0 (compatible; Lavf59.27.100)");
	CHECK_STR(prop_str(obj, "tcUrl"), "rtmp://127.0.0.1:1935/live");
	/* members keep wire order */
	CHECK(obj->child->key_len == 3 && memcmp(obj->child->key, "app", 3) == 0);
	CHECK(obj->child->next->next->next->next == NULL);
	CHECK(amf0_prop(obj, "swfUrl") == NULL);
	return 0;
}

static int
t_obs_connect(void)
{
	struct amf0_doc doc;
	const struct amf0_val *obj, *fpad;

	CHECK_INT(decode(&doc, obs_connect, sizeof(obs_connect)), 0);
	CHECK_INT(doc.n_top, 3);
	CHECK(amf0_str_eq(amf0_top(&doc, 0), "connect"));
	CHECK(amf0_num(amf0_top(&doc, 1), -1) == 1.0);
	obj = amf0_top(&doc, 2);
	CHECK_INT(obj->n_children, 10);
	CHECK_STR(prop_str(obj, "app"), "live");
	CHECK_STR(prop_str(obj, "flashVer"), "FMLE/3.0 (compatible; FMSc/1.0)");
	CHECK_STR(prop_str(obj, "swfUrl"), "rtmp://127.0.0.1:1935/live");
	CHECK_STR(prop_str(obj, "tcUrl"), "rtmp://127.0.0.1:1935/live");
	fpad = amf0_prop(obj, "fpad");
	CHECK(fpad != NULL);
	CHECK_INT(fpad->type, AMF0_BOOLEAN);
	CHECK_INT(fpad->boolean, 0);
	CHECK(amf0_num(amf0_prop(obj, "capabilities"), -1) == 15.0);
	CHECK(amf0_num(amf0_prop(obj, "audioCodecs"), -1) == 4071.0);
	CHECK(amf0_num(amf0_prop(obj, "videoCodecs"), -1) == 252.0);
	CHECK(amf0_num(amf0_prop(obj, "videoFunction"), -1) == 1.0);
	/* a boolean is not a number */
	CHECK(amf0_num(fpad, -7) == -7);
	return 0;
}

/*
 * OBS 30's E-RTMP connect (veovera enhanced-rtmp v1, "Enhancing NetConnection
 * connect command"): the command object carries fourCcList, a strict array
 * of FourCC strings, after the usual members. Built with the encoder here,
 * as tests/tools/ertmp_publish sends it; the strict array is raw bytes.
 */
static int
t_ertmp_connect(void)
{
	static const char *const fcc[] = { "hvc1", "av01", "avc1", "vp09" };
	struct amf0_doc doc;
	const struct amf0_val *obj, *list, *v;
	struct buf b;
	size_t i;
	int rc = 1;

	buf_init(&b, 4096);
	amf0_put_string(&b, "connect");
	amf0_put_number(&b, 1);
	amf0_put_object_begin(&b);
	amf0_put_key(&b, "app");
	amf0_put_string(&b, "live");
	amf0_put_key(&b, "fourCcList");
	buf_put_u8(&b, AMF0_STRICT_ARRAY);
	buf_put_be32(&b, 4);
	for (i = 0; i < 4; i++)
		amf0_put_string(&b, fcc[i]);
	amf0_put_key(&b, "tcUrl");
	amf0_put_string(&b, "rtmp://127.0.0.1:1935/live");
	amf0_put_object_end(&b);
	if (b.err != 0 || decode(&doc, b.data, b.len) != 0)
		goto out;
	obj = amf0_top(&doc, 2);
	if (obj == NULL || obj->type != AMF0_OBJECT || obj->n_children != 3)
		goto out;
	if (strcmp(prop_str(obj, "app"), "live") != 0 ||
	    strcmp(prop_str(obj, "tcUrl"), "rtmp://127.0.0.1:1935/live") != 0)
		goto out;
	list = amf0_prop(obj, "fourCcList");
	if (list == NULL || list->type != AMF0_STRICT_ARRAY || list->n_children != 4)
		goto out;
	for (i = 0, v = list->child; i < 4; i++, v = v->next)
		if (v == NULL || !amf0_str_eq(v, fcc[i]))
			goto out;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "  the E-RTMP connect did not decode as built\n");
	buf_fini(&b);
	return rc;
}

static int
t_publish_sequence(void)
{
	static const struct {
		const uint8_t *p;
		size_t len;
		const char *name;
		double txn;
		size_t n_top;
		const char *arg1, *arg2;
	} t[] = {
		{ release_stream, sizeof(release_stream), "releaseStream", 2, 4, "streamkey", NULL },
		{ fc_publish, sizeof(fc_publish), "FCPublish", 3, 4, "streamkey", NULL },
		{ create_stream, sizeof(create_stream), "createStream", 4, 3, NULL, NULL },
		{ publish, sizeof(publish), "publish", 5, 5, "streamkey", "live" },
	};
	struct amf0_doc doc;
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK_INT(decode(&doc, t[i].p, t[i].len), 0);
		CHECK_INT(doc.n_top, t[i].n_top);
		CHECK(amf0_str_eq(amf0_top(&doc, 0), t[i].name));
		CHECK(amf0_num(amf0_top(&doc, 1), -1) == t[i].txn);
		CHECK_INT(amf0_top(&doc, 2)->type, AMF0_NULL);
		if (t[i].arg1) {
			CHECK_INT(amf0_str_copy(amf0_top(&doc, 3), out, sizeof(out)), 0);
			CHECK_STR(out, t[i].arg1);
		}
		if (t[i].arg2)
			CHECK(amf0_str_eq(amf0_top(&doc, 4), t[i].arg2));
	}
	return 0;
}

/* onMetaData whose ECMA count is true, zero, or absurd: same result. */
static int
t_set_data_frame(void)
{
	static const uint32_t counts[] = { 13, 0, 1, 0xffffffffu };
	uint8_t msg[sizeof(set_data_frame)];
	struct amf0_doc doc;
	const struct amf0_val *meta, *stereo;
	size_t i;

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		memcpy(msg, set_data_frame, sizeof(msg));
		/* the count follows the 0x08 marker at offset 29 */
		CHECK_INT(msg[29], AMF0_ECMA_ARRAY);
		msg[30] = (uint8_t)(counts[i] >> 24);
		msg[31] = (uint8_t)(counts[i] >> 16);
		msg[32] = (uint8_t)(counts[i] >> 8);
		msg[33] = (uint8_t)counts[i];
		CHECK_INT(decode(&doc, msg, sizeof(msg)), 0);
		CHECK_INT(doc.n_top, 3);
		CHECK(amf0_str_eq(amf0_top(&doc, 0), "@setDataFrame"));
		CHECK(amf0_str_eq(amf0_top(&doc, 1), "onMetaData"));
		meta = amf0_top(&doc, 2);
		CHECK_INT(meta->type, AMF0_ECMA_ARRAY);
		CHECK_INT(meta->n_children, 13);
		CHECK(amf0_num(amf0_prop(meta, "width"), -1) == 1280);
		CHECK(amf0_num(amf0_prop(meta, "height"), -1) == 720);
		CHECK(amf0_num(amf0_prop(meta, "videocodecid"), -1) == 7);
		CHECK(amf0_num(amf0_prop(meta, "audiocodecid"), -1) == 10);
		CHECK(amf0_num(amf0_prop(meta, "framerate"), -1) == 29.97);
		CHECK(amf0_num(amf0_prop(meta, "audiosamplerate"), -1) == 48000);
		CHECK(amf0_num(amf0_prop(meta, "filesize"), -1) == 0);
		CHECK_STR(prop_str(meta, "encoder"), "Lavf59.27.100");
		stereo = amf0_prop(meta, "stereo");
		CHECK(stereo != NULL && stereo->type == AMF0_BOOLEAN && stereo->boolean);
	}
	return 0;
}

/*
 * Every prefix of a valid command: a prefix that ends on a top-level value
 * boundary is itself a valid (shorter) sequence; every other one is
 * -EPROTO and leaves the doc empty. Each prefix lives in its own exact-size
 * allocation, so an over-read is caught under ASan.
 */
static int
t_truncated_every_offset(void)
{
	struct amf0_doc doc;
	size_t c, k, j, want_top;
	int at_bound, rc;
	uint8_t *p;

	for (c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		CHECK_INT(decode(&doc, cmds[c].p, cmds[c].len), 0);
		CHECK_INT(doc.n_top, cmds[c].n_top);
		for (k = 0; k < cmds[c].len; k++) {
			at_bound = k == 0;
			want_top = 0;
			for (j = 0; j < 6 && cmds[c].bounds[j]; j++) {
				if (cmds[c].bounds[j] <= k)
					want_top++;
				if (cmds[c].bounds[j] == k)
					at_bound = 1;
			}
			p = malloc(k ? k : 1);
			CHECK(p != NULL);
			memcpy(p, cmds[c].p, k);
			rc = decode(&doc, p, k);
			free(p);
			if (rc != (at_bound ? 0 : -EPROTO)) {
				fprintf(stderr, "  %s cut at %zu: ", cmds[c].name, k);
				CHECK_INT(rc, at_bound ? 0 : -EPROTO);
			}
			CHECK_INT(doc.n_top, at_bound ? want_top : 0);
			if (!at_bound)
				CHECK(doc.first == NULL);
		}
	}
	return 0;
}

/* n nested objects {a:{a:{...null}}}, each opened by 03 00 01 'a'. */
static size_t
make_nest(uint8_t *p, size_t n, uint8_t marker)
{
	size_t i, o = 0;

	p[o++] = marker;
	if (marker == AMF0_STRICT_ARRAY) {
		for (i = 1; i < n; i++) {
			memcpy(p + o, "\x00\x00\x00\x01\x0a", 5);
			o += 5;
		}
		memcpy(p + o, "\x00\x00\x00\x01\x05", 5);
		return o + 5;
	}
	for (i = 1; i < n; i++) {
		memcpy(p + o, "\x00\x01\x61\x03", 4);
		o += 4;
	}
	memcpy(p + o, "\x00\x01\x61\x05", 4);
	o += 4;
	for (i = 0; i < n; i++) {
		memcpy(p + o, "\x00\x00\x09", 3);
		o += 3;
	}
	return o;
}

static int
t_depth(void)
{
	static const uint8_t markers[] = { AMF0_OBJECT, AMF0_STRICT_ARRAY };
	static struct amf0_val big[40000];
	struct amf0_doc doc;
	size_t len, m;
	uint8_t *p;
	int rc;

	p = malloc(10 * 10000 + 16);
	CHECK(p != NULL);
	for (m = 0; m < sizeof(markers); m++) {
		/* exactly max_depth containers deep is fine, one more is not */
		len = make_nest(p, 4, markers[m]);
		amf0_doc_init(&doc, nodes, N_NODES, 4);
		CHECK_INT(amf0_decode(&doc, p, len), 0);
		CHECK_INT(doc.n_nodes, 5);
		CHECK_INT(doc.first->child->child->child->child->type, AMF0_NULL);
		amf0_doc_init(&doc, nodes, N_NODES, 3);
		CHECK_INT(amf0_decode(&doc, p, len), -E2BIG);
		CHECK(doc.first == NULL);
		/* max_depth 0 allows scalars only */
		amf0_doc_init(&doc, nodes, N_NODES, 0);
		CHECK_INT(amf0_decode(&doc, publish, sizeof(publish)), 0);
		CHECK_INT(amf0_decode(&doc, ffmpeg_connect, sizeof(ffmpeg_connect)), -E2BIG);

		/* a 10000-deep bomb with room for every node: the depth stops it */
		len = make_nest(p, 10000, markers[m]);
		amf0_doc_init(&doc, big, 40000, AMF0_DEFAULT_DEPTH);
		CHECK_INT(amf0_decode(&doc, p, len), -E2BIG);
		/* a caller asking for no limit still gets the stack ceiling */
		amf0_doc_init(&doc, big, 40000, UINT_MAX);
		rc = amf0_decode(&doc, p, len);
		CHECK_INT(rc, -E2BIG);
	}
	free(p);
	return 0;
}

static int
t_node_budget(void)
{
	static const uint8_t huge_count[] = { 0x0a, 0xff, 0xff, 0xff, 0xff, 0x05, 0x05 };
	struct amf0_val small[8];
	struct amf0_doc doc;
	uint8_t p[2048];
	size_t o = 0, i;

	/* an object of 7 nulls needs 8 nodes */
	p[o++] = AMF0_OBJECT;
	for (i = 0; i < 7; i++) {
		memcpy(p + o, "\x00\x01", 2);
		p[o + 2] = (uint8_t)('a' + i);
		p[o + 3] = AMF0_NULL;
		o += 4;
	}
	memcpy(p + o, "\x00\x00\x09", 3);
	o += 3;
	amf0_doc_init(&doc, small, 8, AMF0_DEFAULT_DEPTH);
	CHECK_INT(amf0_decode(&doc, p, o), 0);
	CHECK_INT(doc.n_nodes, 8);
	CHECK_INT(doc.first->n_children, 7);
	amf0_doc_init(&doc, small, 7, AMF0_DEFAULT_DEPTH);
	CHECK_INT(amf0_decode(&doc, p, o), -E2BIG);
	CHECK_INT(doc.n_top, 0);

	/* top-level values count too: 9 nulls in 8 nodes */
	memset(p, AMF0_NULL, 9);
	amf0_doc_init(&doc, small, 8, AMF0_DEFAULT_DEPTH);
	CHECK_INT(amf0_decode(&doc, p, 8), 0);
	CHECK_INT(doc.n_top, 8);
	CHECK_INT(amf0_decode(&doc, p, 9), -E2BIG);

	/* a strict array whose count fits the input but not the budget */
	p[0] = AMF0_STRICT_ARRAY;
	p[1] = 0x00;
	p[2] = 0x00;
	p[3] = 0x03;
	p[4] = 0xe8;  /* 1000 */
	memset(p + 5, AMF0_NULL, 1000);
	amf0_doc_init(&doc, nodes, 64, AMF0_DEFAULT_DEPTH);
	CHECK_INT(amf0_decode(&doc, p, 1005), -E2BIG);
	amf0_doc_init(&doc, nodes, N_NODES, AMF0_DEFAULT_DEPTH);
	p[3] = 0x00;
	p[4] = 0xff;  /* 255 values + the array = 256 nodes */
	CHECK_INT(amf0_decode(&doc, p, 5 + 255), 0);
	CHECK_INT(doc.first->n_children, 255);
	p[4] = 0xfe;  /* count 254 but 255 values: the extra one is top-level */
	CHECK_INT(amf0_decode(&doc, p, 5 + 255), 0);
	CHECK_INT(doc.n_top, 2);

	/* a count the input cannot hold is garbage, whatever the budget */
	amf0_doc_init(&doc, nodes, N_NODES, AMF0_DEFAULT_DEPTH);
	CHECK_INT(amf0_decode(&doc, huge_count, sizeof(huge_count)), -EPROTO);
	return 0;
}

static int
t_long_string(void)
{
	static const uint8_t ok[] = { 0x0c, 0x00, 0x00, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o' };
	static const uint8_t over_by_one[] = { 0x0c, 0x00, 0x00, 0x00, 0x06, 'h', 'e', 'l', 'l', 'o' };
	static const uint8_t huge[] = { 0x0c, 0xff, 0xff, 0xff, 0xff, 'h' };
	static const uint8_t short_over[] = { 0x02, 0x00, 0x06, 'h', 'e', 'l', 'l', 'o' };
	static const uint8_t xml[] = { 0x0f, 0x00, 0x00, 0x00, 0x03, '<', 'a', '>' };
	struct amf0_doc doc;

	CHECK_INT(decode(&doc, ok, sizeof(ok)), 0);
	CHECK_INT(doc.first->type, AMF0_LONG_STRING);
	CHECK(amf0_str_eq(doc.first, "hello"));
	CHECK_INT(decode(&doc, over_by_one, sizeof(over_by_one)), -EPROTO);
	CHECK_INT(decode(&doc, huge, sizeof(huge)), -EPROTO);
	CHECK_INT(decode(&doc, short_over, sizeof(short_over)), -EPROTO);
	CHECK_INT(decode(&doc, xml, sizeof(xml)), 0);
	CHECK_INT(doc.first->type, AMF0_XML_DOC);
	CHECK_INT(doc.first->str_len, 3);
	CHECK(memcmp(doc.first->str, "<a>", 3) == 0);
	/* an XML document is not a string to the accessors */
	CHECK(!amf0_str_eq(doc.first, "<a>"));
	return 0;
}

static int
t_object_end(void)
{
	static const struct {
		const char *what;
		uint8_t p[16];
		size_t len;
	} bad[] = {
		{ "object, no end", { 0x03, 0x00, 0x01, 'a', 0x05 }, 5 },
		{ "object, half an end", { 0x03, 0x00, 0x01, 'a', 0x05, 0x00, 0x00 }, 7 },
		{ "empty object, no end", { 0x03 }, 1 },
		{ "ECMA, no end", { 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'a', 0x05 }, 9 },
		{ "ECMA, short count", { 0x08, 0x00, 0x00 }, 3 },
		{ "typed, no end", { 0x10, 0x00, 0x01, 'C', 0x00, 0x01, 'a', 0x05 }, 8 },
		{ "end marker at top level", { 0x00, 0x00, 0x09 }, 3 },
		{ "bare 0x09", { 0x09 }, 1 },
		{ "named end marker", { 0x03, 0x00, 0x01, 'a', 0x09, 0x00, 0x00, 0x09 }, 8 },
		{ "end marker in strict array", { 0x0a, 0x00, 0x00, 0x00, 0x01, 0x09 }, 6 },
		{ "strict array short", { 0x0a, 0x00, 0x00, 0x00, 0x02, 0x05 }, 6 },
		{ "date without zone", { 0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0x00 }, 10 },
		{ "boolean without byte", { 0x01 }, 1 },
	};
	static const uint8_t empty_obj[] = { 0x03, 0x00, 0x00, 0x09, 0x05 };
	struct amf0_doc doc;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = decode(&doc, bad[i].p, bad[i].len);
		if (rc != -EPROTO) {
			fprintf(stderr, "  %s: ", bad[i].what);
			CHECK_INT(rc, -EPROTO);
		}
	}
	CHECK_INT(decode(&doc, empty_obj, sizeof(empty_obj)), 0);
	CHECK_INT(doc.n_top, 2);
	CHECK_INT(doc.first->type, AMF0_OBJECT);
	CHECK_INT(doc.first->n_children, 0);
	CHECK(doc.first->child == NULL);
	CHECK_INT(doc.first->next->type, AMF0_NULL);
	return 0;
}

static int
t_other_types(void)
{
	static const uint8_t msg[] = {
		/* date 1000 ms, zone 0 */
		0x0b, 0x40, 0x8f, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* strict array [1, "a", true] */
		0x0a, 0x00, 0x00, 0x00, 0x03,
		0x00, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x01, 'a',
		0x01, 0x02,
		/* typed object "Foo" { x: undefined, "": unsupported } */
		0x10, 0x00, 0x03, 'F', 'o', 'o',
		0x00, 0x01, 'x', 0x06,
		0x00, 0x00, 0x0d,
		0x00, 0x00, 0x09,
		/* undefined */
		0x06,
	};
	struct amf0_doc doc;
	const struct amf0_val *v;

	CHECK_INT(decode(&doc, msg, sizeof(msg)), 0);
	CHECK_INT(doc.n_top, 4);
	v = amf0_top(&doc, 0);
	CHECK_INT(v->type, AMF0_DATE);
	CHECK(v->num == 1000.0);
	CHECK(amf0_num(v, -1) == -1);  /* a date is not a NUMBER */
	v = amf0_top(&doc, 1);
	CHECK_INT(v->type, AMF0_STRICT_ARRAY);
	CHECK_INT(v->n_children, 3);
	CHECK(amf0_num(v->child, -1) == 1.0);
	CHECK(v->child->key == NULL);
	CHECK(amf0_str_eq(v->child->next, "a"));
	CHECK_INT(v->child->next->next->type, AMF0_BOOLEAN);
	CHECK_INT(v->child->next->next->boolean, 1);  /* 0x02 is true */
	CHECK(amf0_prop(v, "a") == NULL);  /* not an object */
	v = amf0_top(&doc, 2);
	CHECK_INT(v->type, AMF0_TYPED_OBJECT);
	CHECK(v->str_len == 3 && memcmp(v->str, "Foo", 3) == 0);
	CHECK_INT(v->n_children, 2);
	CHECK_INT(amf0_prop(v, "x")->type, AMF0_UNDEFINED);
	CHECK_INT(amf0_prop(v, "")->type, AMF0_UNSUPPORTED);
	CHECK_INT(amf0_top(&doc, 3)->type, AMF0_UNDEFINED);
	return 0;
}

static int
t_refused_markers(void)
{
	/* movieclip, reference, recordset, AVM+ switch, unassigned */
	static const uint8_t markers[] = { 0x04, 0x07, 0x0e, 0x11, 0x12, 0x7f, 0xff };
	struct amf0_doc doc;
	uint8_t top[4] = { 0, 0x00, 0x01, 0x05 };
	uint8_t in_obj[10] = { 0x03, 0x00, 0x01, 'a', 0, 0x00, 0x01, 0x00, 0x00, 0x09 };
	size_t i;

	for (i = 0; i < sizeof(markers); i++) {
		top[0] = markers[i];
		CHECK_INT(decode(&doc, top, sizeof(top)), -EPROTO);
		in_obj[4] = markers[i];
		CHECK_INT(decode(&doc, in_obj, sizeof(in_obj)), -EPROTO);
	}
	/* the same frames with a null in place are fine */
	top[0] = AMF0_NULL;
	CHECK_INT(decode(&doc, top, 1), 0);
	in_obj[4] = AMF0_NULL;
	CHECK_INT(decode(&doc, in_obj, 5), -EPROTO);  /* sanity: cut */
	memcpy(in_obj + 5, "\x00\x00\x09", 3);
	CHECK_INT(decode(&doc, in_obj, 8), 0);
	return 0;
}

static int
t_str_copy(void)
{
	static const uint8_t nul[] = { 0x02, 0x00, 0x05, 'k', 'e', 0x00, 'y', 'x' };
	static const uint8_t key[] = { 0x02, 0x00, 0x05, 'a', 'b', 'c', 'd', 'e', 0x02, 0x00, 0x00 };
	struct amf0_doc doc;
	char out[8];

	CHECK_INT(decode(&doc, nul, sizeof(nul)), 0);
	CHECK(!amf0_str_eq(doc.first, "ke"));
	memcpy(out, "junk", 5);
	CHECK_INT(amf0_str_copy(doc.first, out, sizeof(out)), -EPROTO);
	CHECK_STR(out, "");

	CHECK_INT(decode(&doc, key, sizeof(key)), 0);
	memcpy(out, "junk", 5);
	CHECK_INT(amf0_str_copy(doc.first, out, 5), -ENOSPC);  /* needs 6 */
	CHECK_STR(out, "");
	CHECK_INT(amf0_str_copy(doc.first, out, 6), 0);
	CHECK_STR(out, "abcde");
	CHECK_INT(amf0_str_copy(doc.first, out, 0), -ENOSPC);
	/* the empty string copies to "" */
	memcpy(out, "junk", 5);
	CHECK_INT(amf0_str_copy(amf0_top(&doc, 1), out, 1), 0);
	CHECK_STR(out, "");
	CHECK(amf0_str_eq(amf0_top(&doc, 1), ""));
	CHECK(!amf0_str_eq(doc.first, "abcd"));
	CHECK(!amf0_str_eq(doc.first, "abcdef"));
	CHECK(!amf0_str_eq(NULL, "abcde"));
	CHECK(!amf0_str_eq(doc.first, NULL));

	CHECK_INT(decode(&doc, publish, sizeof(publish)), 0);
	memcpy(out, "junk", 5);
	CHECK_INT(amf0_str_copy(amf0_top(&doc, 1), out, sizeof(out)), -EINVAL);
	CHECK_STR(out, "");
	CHECK_INT(amf0_str_copy(amf0_top(&doc, 2), out, sizeof(out)), -EINVAL);
	CHECK_INT(amf0_str_copy(NULL, out, sizeof(out)), -EINVAL);
	return 0;
}

static int
t_prop_non_object(void)
{
	static const uint8_t dup[] = {
		0x03, 0x00, 0x01, 'k', 0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0,
		0x00, 0x01, 'k', 0x00, 0x40, 0x00, 0, 0, 0, 0, 0, 0,
		0x00, 0x00, 0x09,
	};
	struct amf0_doc doc;

	CHECK_INT(decode(&doc, ffmpeg_connect, sizeof(ffmpeg_connect)), 0);
	CHECK(amf0_prop(amf0_top(&doc, 0), "app") == NULL);  /* string */
	CHECK(amf0_prop(amf0_top(&doc, 1), "app") == NULL);  /* number */
	CHECK(amf0_prop(NULL, "app") == NULL);
	CHECK(amf0_prop(amf0_top(&doc, 2), NULL) == NULL);
	CHECK(amf0_prop(amf0_top(&doc, 2), "ap") == NULL);
	CHECK(amf0_prop(amf0_top(&doc, 2), "appx") == NULL);
	CHECK(amf0_prop(amf0_top(&doc, 2), "app") != NULL);
	/* a value inside an object is not itself searched */
	CHECK(amf0_prop(amf0_prop(amf0_top(&doc, 2), "app"), "app") == NULL);
	CHECK(amf0_top(NULL, 0) == NULL);
	CHECK(amf0_num(NULL, 3.5) == 3.5);
	/* repeated name: the first one wins */
	CHECK_INT(decode(&doc, dup, sizeof(dup)), 0);
	CHECK(amf0_num(amf0_prop(doc.first, "k"), -1) == 1.0);
	return 0;
}

static int
t_empty_and_reuse(void)
{
	static const uint8_t bad[] = { 0x02, 0x00, 0x09, 'x' };
	struct amf0_doc doc;

	CHECK_INT(decode(&doc, NULL, 0), 0);
	CHECK_INT(doc.n_top, 0);
	CHECK(amf0_top(&doc, 0) == NULL);
	CHECK_INT(decode(&doc, publish, sizeof(publish)), 0);
	CHECK_INT(doc.n_top, 5);
	/* a failed decode of the same doc leaves nothing to walk */
	CHECK_INT(amf0_decode(&doc, bad, sizeof(bad)), -EPROTO);
	CHECK_INT(doc.n_top, 0);
	CHECK(doc.first == NULL);
	CHECK(amf0_top(&doc, 0) == NULL);
	/* and it decodes again afterwards */
	CHECK_INT(amf0_decode(&doc, create_stream, sizeof(create_stream)), 0);
	CHECK_INT(doc.n_top, 3);
	/* no nodes at all: nothing fits */
	amf0_doc_init(&doc, NULL, 0, AMF0_DEFAULT_DEPTH);
	CHECK_INT(amf0_decode(&doc, publish, sizeof(publish)), -E2BIG);
	return 0;
}

/* The encoder writes FFmpeg's connect byte for byte. */
static int
t_encode_ffmpeg_connect(void)
{
	struct buf b;

	buf_init(&b, 4096);
	amf0_put_string(&b, "connect");
	amf0_put_number(&b, 1);
	amf0_put_object_begin(&b);
	amf0_put_key(&b, "app");
	amf0_put_string(&b, "live");
	amf0_put_key(&b, "type");
	amf0_put_string(&b, "nonprivate");
	amf0_put_key(&b, "flashVer");
	amf0_put_string(&b, "FMLE/3.0 (compatible; Lavf59.27.100)");
	amf0_put_key(&b, "tcUrl");
	amf0_put_string(&b, "rtmp://127.0.0.1:1935/live");
	CHECK_INT(amf0_put_object_end(&b), 0);
	CHECK_INT(b.len, sizeof(ffmpeg_connect));
	CHECK_MEM(b.data, ffmpeg_connect, sizeof(ffmpeg_connect));

	/* publish: name, txn, null, key, type */
	buf_reset(&b);
	amf0_put_string(&b, "publish");
	amf0_put_number(&b, 5);
	amf0_put_null(&b);
	amf0_put_string(&b, "streamkey");
	CHECK_INT(amf0_put_string(&b, "live"), 0);
	CHECK_INT(b.len, sizeof(publish));
	CHECK_MEM(b.data, publish, sizeof(publish));
	buf_fini(&b);
	return 0;
}

static int
t_encode_numbers(void)
{
	static const struct {
		double v;
		uint8_t wire[9];
	} t[] = {
		{ 1.0, { 0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0 } },
		{ -2.5, { 0x00, 0xc0, 0x04, 0, 0, 0, 0, 0, 0 } },
		{ 0.0, { 0x00, 0, 0, 0, 0, 0, 0, 0, 0 } },
		{ -0.0, { 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0 } },
		{ 48000.0, { 0x00, 0x40, 0xe7, 0x70, 0, 0, 0, 0, 0 } },
		{ 29.97, { 0x00, 0x40, 0x3d, 0xf8, 0x51, 0xeb, 0x85, 0x1e, 0xb8 } },
		{ 4.9406564584124654e-324, { 0x00, 0, 0, 0, 0, 0, 0, 0, 0x01 } },
	};
	struct amf0_doc doc;
	struct buf b;
	uint64_t got, want;
	size_t i;

	buf_init(&b, 64);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&b);
		CHECK_INT(amf0_put_number(&b, t[i].v), 0);
		CHECK_INT(b.len, 9);
		CHECK_MEM(b.data, t[i].wire, 9);
		CHECK_INT(decode(&doc, b.data, b.len), 0);
		memcpy(&got, &doc.first->num, 8);
		memcpy(&want, &t[i].v, 8);
		CHECK_INT(got, want);
	}
	buf_reset(&b);
	amf0_put_bool(&b, true);
	amf0_put_bool(&b, false);
	CHECK_INT(b.len, 4);
	CHECK_MEM(b.data, "\x01\x01\x01\x00", 4);
	buf_fini(&b);
	return 0;
}

/* Encode a publisher's whole session worth of values, decode, compare. */
static int
t_roundtrip(void)
{
	struct amf0_doc doc;
	const struct amf0_val *v, *o, *inner;
	struct buf b;
	char *big;
	size_t i;

	big = malloc(70001);
	CHECK(big != NULL);
	for (i = 0; i < 70000; i++)
		big[i] = (char)('a' + i % 26);
	big[70000] = '\0';

	buf_init(&b, 1 << 20);
	amf0_put_string(&b, "connect");
	amf0_put_number(&b, 1);
	amf0_put_object_begin(&b);
	amf0_put_key(&b, "app");
	amf0_put_string(&b, "live");
	amf0_put_key(&b, "fpad");
	amf0_put_bool(&b, false);
	amf0_put_key(&b, "capabilities");
	amf0_put_number(&b, 15);
	amf0_put_key(&b, "nested");
	amf0_put_object_begin(&b);
	amf0_put_key(&b, "");
	amf0_put_null(&b);
	amf0_put_object_end(&b);
	amf0_put_object_end(&b);
	amf0_put_ecma_begin(&b, 99);  /* a lying count on purpose */
	amf0_put_key(&b, "width");
	amf0_put_number(&b, 1920);
	amf0_put_key(&b, "encoder");
	amf0_put_string(&b, "obs-output module (libobs version 29.1.3)");
	amf0_put_object_end(&b);
	amf0_put_string(&b, big);
	amf0_put_string(&b, "");
	CHECK_INT(b.err, 0);
	/* the long string took the 0x0c form with a 32-bit length */
	CHECK_INT(b.data[b.len - 3 - 70000 - 5], AMF0_LONG_STRING);

	CHECK_INT(decode(&doc, b.data, b.len), 0);
	CHECK_INT(doc.n_top, 6);
	CHECK(amf0_str_eq(amf0_top(&doc, 0), "connect"));
	CHECK(amf0_num(amf0_top(&doc, 1), 0) == 1);
	o = amf0_top(&doc, 2);
	CHECK_INT(o->n_children, 4);
	CHECK_STR(prop_str(o, "app"), "live");
	CHECK_INT(amf0_prop(o, "fpad")->type, AMF0_BOOLEAN);
	CHECK_INT(amf0_prop(o, "fpad")->boolean, 0);
	CHECK(amf0_num(amf0_prop(o, "capabilities"), 0) == 15);
	inner = amf0_prop(o, "nested");
	CHECK_INT(inner->type, AMF0_OBJECT);
	CHECK_INT(inner->n_children, 1);
	CHECK_INT(amf0_prop(inner, "")->type, AMF0_NULL);
	v = amf0_top(&doc, 3);
	CHECK_INT(v->type, AMF0_ECMA_ARRAY);
	CHECK_INT(v->n_children, 2);
	CHECK(amf0_num(amf0_prop(v, "width"), 0) == 1920);
	CHECK_STR(prop_str(v, "encoder"), "obs-output module (libobs version 29.1.3)");
	v = amf0_top(&doc, 4);
	CHECK_INT(v->type, AMF0_LONG_STRING);
	CHECK(amf0_str_eq(v, big));
	CHECK_INT(amf0_top(&doc, 5)->type, AMF0_STRING);
	CHECK(amf0_str_eq(amf0_top(&doc, 5), ""));
	buf_fini(&b);

	/* 65535 bytes is still a short string, 65536 is not */
	buf_init(&b, 1 << 20);
	big[65535] = '\0';
	amf0_put_string(&b, big);
	CHECK_INT(b.len, 3 + 65535);
	CHECK_INT(b.data[0], AMF0_STRING);
	CHECK_INT(b.data[1], 0xff);
	CHECK_INT(b.data[2], 0xff);
	buf_reset(&b);
	big[65535] = 'x';
	big[65536] = '\0';
	amf0_put_string(&b, big);
	CHECK_INT(b.len, 5 + 65536);
	CHECK_MEM(b.data, "\x0c\x00\x01\x00\x00", 5);
	buf_fini(&b);
	free(big);
	return 0;
}

/* The buffer ceiling: a value that does not fit is not half written. */
static int
t_encode_limits(void)
{
	char key[65537];
	struct buf b;

	buf_init(&b, 12);
	CHECK_INT(amf0_put_number(&b, 1), 0);
	CHECK_INT(amf0_put_string(&b, "abc"), -ENOBUFS);  /* 6 > 3 left */
	CHECK_INT(b.len, 9);
	/* sticky: even what would fit is refused now */
	CHECK_INT(amf0_put_null(&b), -ENOBUFS);
	CHECK_INT(amf0_put_bool(&b, true), -ENOBUFS);
	CHECK_INT(b.len, 9);
	buf_reset(&b);
	CHECK_INT(amf0_put_ecma_begin(&b, 1), 0);
	CHECK_INT(amf0_put_key(&b, "abcdefg"), -ENOBUFS);  /* 9 > 7 left */
	CHECK_INT(b.len, 5);
	buf_reset(&b);
	CHECK_INT(amf0_put_number(&b, 2), 0);
	CHECK_INT(amf0_put_number(&b, 3), -ENOBUFS);
	CHECK_INT(b.len, 9);
	buf_fini(&b);

	buf_init(&b, 1 << 20);
	memset(key, 'k', 65536);
	key[65536] = '\0';
	CHECK_INT(amf0_put_key(&b, key), -EINVAL);  /* a name has 16 bits */
	CHECK_INT(b.len, 0);
	CHECK_INT(amf0_put_null(&b), -EINVAL);
	buf_reset(&b);
	key[65535] = '\0';
	CHECK_INT(amf0_put_key(&b, key), 0);
	CHECK_INT(b.len, 2 + 65535);
	buf_reset(&b);
	CHECK_INT(amf0_put_string(&b, NULL), -EINVAL);
	buf_reset(&b);
	CHECK_INT(amf0_put_key(&b, NULL), -EINVAL);
	buf_fini(&b);
	return 0;
}

int
main(void)
{
	RUN(t_ffmpeg_connect);
	RUN(t_obs_connect);
	RUN(t_ertmp_connect);
	RUN(t_publish_sequence);
	RUN(t_set_data_frame);
	RUN(t_truncated_every_offset);
	RUN(t_depth);
	RUN(t_node_budget);
	RUN(t_long_string);
	RUN(t_object_end);
	RUN(t_other_types);
	RUN(t_refused_markers);
	RUN(t_str_copy);
	RUN(t_prop_non_object);
	RUN(t_empty_and_reuse);
	RUN(t_encode_ffmpeg_connect);
	RUN(t_encode_numbers);
	RUN(t_roundtrip);
	RUN(t_encode_limits);
	return check_done();
}
