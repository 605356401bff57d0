/*
 * test_bgp_wire: the BGP-4 codec (announce/bgp_wire.c).
 *
 * Parser cases are tables of raw wire bytes written out in hex (the 19-byte
 * header is prepended by msg() with the right length, except in the header
 * table, which spells every byte). Builder cases compare against bytes
 * computed by hand from RFC 4271 4, RFC 4760 3-4, RFC 6793 and RFC 4724 2,
 * then parse what was built. Error cases name the RFC section that decides
 * between session reset, treat-as-withdraw and attribute discard.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bgp_wire.h"
#include "buf.h"
#include "check.h"

#define M "ffffffffffffffffffffffffffffffff"

/* Hex to bytes; spaces ignored. Returns the length, or SIZE_MAX on bad hex. */
static size_t
hex(const char *h, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *h; h++) {
		if (*h == ' ')
			continue;
		if (*h >= '0' && *h <= '9')
			v = *h - '0';
		else if (*h >= 'a' && *h <= 'f')
			v = *h - 'a' + 10;
		else if (*h >= 'A' && *h <= 'F')
			v = *h - 'A' + 10;
		else
			return SIZE_MAX;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= max)
			return SIZE_MAX;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? n : SIZE_MAX;
}

/* A whole message: marker, the computed length, type, then body_hex. */
static size_t
msg(uint8_t type, const char *body_hex, uint8_t *out, size_t max)
{
	size_t n;

	if (max < BGP_HDR_LEN)
		return SIZE_MAX;
	n = hex(body_hex, out + BGP_HDR_LEN, max - BGP_HDR_LEN);
	if (n == SIZE_MAX)
		return SIZE_MAX;
	memset(out, 0xff, 16);
	n += BGP_HDR_LEN;
	out[16] = (uint8_t)(n >> 8);
	out[17] = (uint8_t)n;
	out[18] = type;
	return n;
}

static void
dump(const char *label, const uint8_t *p, size_t n)
{
	fprintf(stderr, "    %s (%zu):", label, n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n      ", p[i]);
	fprintf(stderr, "\n");
}

/* Compare n bytes at got with want_hex; print both on a mismatch. */
static int
same_bytes(const char *what, const uint8_t *got, size_t got_len,
    const char *want_hex)
{
	uint8_t want[BGP_MAX_LEN];
	size_t n = hex(want_hex, want, sizeof(want));

	if (n == SIZE_MAX) {
		fprintf(stderr, "  %s: bad hex in the test\n", what);
		return 0;
	}
	if (n == got_len && memcmp(got, want, n) == 0)
		return 1;
	fprintf(stderr, "  %s: bytes differ\n", what);
	dump("got ", got, got_len);
	dump("want", want, n);
	return 0;
}

#define CHECK_BYTES(got, got_len, want_hex)                                    \
	do {                                                                   \
		if (!same_bytes(#got, (got), (got_len), (want_hex))) {         \
			fprintf(stderr, "  at %s:%d\n", __FILE__, __LINE__);   \
			return 1;                                              \
		}                                                              \
	} while (0)

/* ---- header ------------------------------------------------------------- */

/* clang-format off */
static const struct hdr_case {
	const char *name;
	const char *hex;
	int rc;
	uint8_t type;
	uint16_t len;
	uint8_t code, sub;
	const char *data;
} hdr_cases[] = {
	{ "keepalive", M "0013 04", 0, 4, 19, 0, 0, "" },
	{ "open minimum", M "001d 01", 0, 1, 29, 0, 0, "" },
	{ "update minimum", M "0017 02", 0, 2, 23, 0, 0, "" },
	{ "notification minimum", M "0015 03", 0, 3, 21, 0, 0, "" },
	{ "route refresh", M "0017 05", 0, 5, 23, 0, 0, "" },
	/* RFC 7313 5: its length is judged by bgp_route_refresh_parse */
	{ "route refresh 19", M "0013 05", 0, 5, 19, 0, 0, "" },
	{ "4096", M "1000 02", 0, 2, 4096, 0, 0, "" },
	{ "short buffer", M "0013", -EAGAIN, 0, 0, 0, 0, "" },
	/* RFC 4271 6.1: marker -> 1/1, no data */
	{ "marker last bit", "fffffffffffffffffffffffffffffffe 0013 04",
	    -EPROTO, 0, 0, 1, 1, "" },
	{ "marker zero", "00000000000000000000000000000000 0013 04",
	    -EPROTO, 0, 0, 1, 1, "" },
	/* RFC 4271 6.1: length < 19 or > 4096 -> 1/2, data the length field */
	{ "length 18", M "0012 04", -EPROTO, 0, 0, 1, 2, "0012" },
	{ "length 0", M "0000 02", -EPROTO, 0, 0, 1, 2, "0000" },
	{ "length 4097", M "1001 02", -EPROTO, 0, 0, 1, 2, "1001" },
	{ "length 65535", M "ffff 02", -EPROTO, 0, 0, 1, 2, "ffff" },
	/* RFC 4271 6.1: unknown type -> 1/3, data the type */
	{ "type 0", M "0013 00", -EPROTO, 0, 0, 1, 3, "00" },
	{ "type 6", M "0013 06", -EPROTO, 0, 0, 1, 3, "06" },
	{ "type 255", M "0020 ff", -EPROTO, 0, 0, 1, 3, "ff" },
	/* RFC 4271 6.1: per-type lengths -> 1/2 */
	{ "keepalive 20", M "0014 04 00", -EPROTO, 0, 0, 1, 2, "0014" },
	{ "keepalive 4096", M "1000 04", -EPROTO, 0, 0, 1, 2, "1000" },
	{ "open 28", M "001c 01", -EPROTO, 0, 0, 1, 2, "001c" },
	{ "open 19", M "0013 01", -EPROTO, 0, 0, 1, 2, "0013" },
	{ "update 22", M "0016 02", -EPROTO, 0, 0, 1, 2, "0016" },
	{ "notification 20", M "0014 03", -EPROTO, 0, 0, 1, 2, "0014" },
};
/* clang-format on */

static int
t_hdr(void)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(hdr_cases) / sizeof(hdr_cases[0]); i++) {
		const struct hdr_case *t = &hdr_cases[i];
		uint8_t in[64], data[8];
		size_t n = hex(t->hex, in, sizeof(in)),
		       dn = hex(t->data, data, sizeof(data));
		struct bgp_notify err;
		uint8_t type = 0;
		uint16_t len = 0;
		int rc;

		rc = bgp_hdr_check(in, n, &type, &len, &err);
		if (rc != t->rc ||
		    (rc == 0 && (type != t->type || len != t->len)) ||
		    (rc == -EPROTO &&
		        (err.code != t->code || err.subcode != t->sub ||
		            err.data_len != dn ||
		            memcmp(err.data, data, dn) != 0 ||
		            err.why[0] == '\0'))) {
			fprintf(stderr,
			    "  %s: got rc %d type %u len %u err %u/%u "
			    "data_len %zu; want rc %d type %u len %u err %u/%u "
			    "data %s\n",
			    t->name, rc, type, len, err.code, err.subcode,
			    err.data_len, t->rc, t->type, t->len, t->code,
			    t->sub, t->data);
			failed = 1;
		}
	}
	return failed;
}

/* ---- OPEN --------------------------------------------------------------- */

/* version 4, AS 65000, hold 240, 192.0.2.1 */
#define OPEN_FIX "04 fde8 00f0 c0000201"

/* What an accepted OPEN advertised, as a bit mask. */
#define C_CAPS 0x01 /* a Capabilities parameter */
#define C_MP4 0x02
#define C_MP6 0x04
#define C_AS4 0x08
#define C_RR 0x10
#define C_GR 0x20
#define OPEN_OK(as, as2, hold, caps) 0, 0, 0, NULL, as, as2, hold, caps
#define OPEN_ERR(c, s, d) -EPROTO, c, s, d

/* clang-format off */
static const struct open_case {
	const char *name;
	const char *body;
	int rc;
	uint8_t code, sub;
	const char *data;
	uint32_t as;
	uint16_t my_as2, hold;
	unsigned caps;
} open_cases[] = {
	/* BIRD 2 with ipv4 and ipv6 channels: MP v4, MP v6, RR, extended
	 * next hop, GR (aware, 120 s), AS4, enhanced RR, LLGR, one param */
	{ "bird", OPEN_FIX " 26 0224 010400010001 010400020001 0200"
	    " 0506000100010002 40020078 41040000fde8 4600 4700",
	    OPEN_OK(65000, 65000, 240, C_CAPS | C_MP4 | C_MP6 | C_AS4 | C_RR |
	    C_GR) },
	{ "no parameters", OPEN_FIX " 00", OPEN_OK(65000, 65000, 240, 0) },
	/* one capability per parameter, 4-octet AS 65536 behind AS_TRANS */
	{ "cisco style", "04 5ba0 00b4 0a000001 14 0206010400010001 02020200"
	    " 0206410400010000",
	    OPEN_OK(65536, 23456, 180, C_CAPS | C_MP4 | C_AS4 | C_RR) },
	/* unknown capability and an unknown MP family are ignored */
	{ "unknown caps",
	    OPEN_FIX " 13 0211 8003aabbcc 010400010080 010400020001",
	    OPEN_OK(65000, 65000, 240, C_CAPS | C_MP6) },
	{ "empty capabilities", OPEN_FIX " 02 0200",
	    OPEN_OK(65000, 65000, 240, C_CAPS) },
	{ "hold 0", "04 fde8 0000 c0000201 00", OPEN_OK(65000, 65000, 0, 0) },
	{ "hold 3", "04 fde8 0003 c0000201 00", OPEN_OK(65000, 65000, 3, 0) },
	/* RFC 9072 2: Non-Ext OP Len nonzero, type 255, 2-byte lengths */
	{ "extended params",
	    OPEN_FIX " ff ff 000b 02 0008 010400010001 0200",
	    OPEN_OK(65000, 65000, 240, C_CAPS | C_MP4 | C_RR) },
	{ "extended, len 1",
	    OPEN_FIX " 01 ff 000b 02 0008 010400010001 0200",
	    OPEN_OK(65000, 65000, 240, C_CAPS | C_MP4 | C_RR) },
	/* RFC 4271 6.2: version -> 2/1 with data 4 as 2 bytes */
	{ "version 3", "03 fde8 00f0 c0000201 00", OPEN_ERR(2, 1, "0004") },
	{ "version 5", "05 fde8 00f0 c0000201 00", OPEN_ERR(2, 1, "0004") },
	/* RFC 7607 3: AS 0 -> 2/2 */
	{ "AS 0", "04 0000 00f0 c0000201 00", OPEN_ERR(2, 2, "") },
	{ "AS4 cap 0", OPEN_FIX " 08 0206 4104 00000000", OPEN_ERR(2, 2, "") },
	/* RFC 4271 6.2: hold 1 or 2 -> 2/6 */
	{ "hold 1", "04 fde8 0001 c0000201 00", OPEN_ERR(2, 6, "") },
	{ "hold 2", "04 fde8 0002 c0000201 00", OPEN_ERR(2, 6, "") },
	/* RFC 6286 2.1: identifier 0 -> 2/3 */
	{ "id 0", "04 fde8 00f0 00000000 00", OPEN_ERR(2, 3, "") },
	/* RFC 4271 6.2: malformed parameters -> 2/0 */
	{ "opt len past end", OPEN_FIX " 08 0206 0104", OPEN_ERR(2, 0, "") },
	{ "bytes after params", OPEN_FIX " 00 0200", OPEN_ERR(2, 0, "") },
	{ "param overruns", OPEN_FIX " 04 0206 0104", OPEN_ERR(2, 0, "") },
	{ "param header cut", OPEN_FIX " 01 02", OPEN_ERR(2, 0, "") },
	{ "cap header cut", OPEN_FIX " 03 0201 01", OPEN_ERR(2, 0, "") },
	{ "cap overruns", OPEN_FIX " 04 0202 0104", OPEN_ERR(2, 0, "") },
	{ "MP cap length 3", OPEN_FIX " 07 0205 0103000100",
	    OPEN_ERR(2, 0, "") },
	{ "AS4 cap length 1", OPEN_FIX " 05 0203 410100", OPEN_ERR(2, 0, "") },
	{ "RR cap length 1", OPEN_FIX " 05 0203 020100", OPEN_ERR(2, 0, "") },
	{ "GR cap length 3", OPEN_FIX " 07 0205 4003007800",
	    OPEN_ERR(2, 0, "") },
	{ "GR cap length 0", OPEN_FIX " 04 0202 4000", OPEN_ERR(2, 0, "") },
	{ "ext length cut", OPEN_FIX " ff ff 00", OPEN_ERR(2, 0, "") },
	{ "ext length past end", OPEN_FIX " ff ff 0020 02 0002 0200",
	    OPEN_ERR(2, 0, "") },
	{ "ext param cut", OPEN_FIX " ff ff 0002 02 00", OPEN_ERR(2, 0, "") },
	/* RFC 4271 6.2: unknown parameter -> 2/4 (1 is RFC 5492's
	 * deprecated authentication, 255 past the first is RFC 9072 3) */
	{ "auth param", OPEN_FIX " 04 0102 abcd", OPEN_ERR(2, 4, "") },
	{ "255 not first", OPEN_FIX " 06 0200 ff02abcd", OPEN_ERR(2, 4, "") },
};
/* clang-format on */

static unsigned
open_caps(const struct bgp_open_info *o)
{
	return (o->has_caps ? C_CAPS : 0) | (o->cap_mp_v4 ? C_MP4 : 0) |
	    (o->cap_mp_v6 ? C_MP6 : 0) | (o->cap_as4 ? C_AS4 : 0) |
	    (o->cap_route_refresh ? C_RR : 0) |
	    (o->cap_graceful_restart ? C_GR : 0);
}

static int
t_open_parse(void)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(open_cases) / sizeof(open_cases[0]);
	     i++) {
		const struct open_case *t = &open_cases[i];
		uint8_t m[512], data[8];
		size_t n = msg(BGP_OPEN, t->body, m, sizeof(m));
		size_t dn = t->data ? hex(t->data, data, sizeof(data)) : 0;
		struct bgp_open_info o;
		struct bgp_notify err;
		int rc, bad;

		if (n == SIZE_MAX) {
			fprintf(stderr, "  %s: bad hex\n", t->name);
			failed = 1;
			continue;
		}
		rc = bgp_open_parse(m, n, &o, &err);
		if (rc == 0)
			bad = t->rc != 0 || o.version != 4 || o.as != t->as ||
			    o.my_as2 != t->my_as2 || o.hold_s != t->hold ||
			    o.bgp_id == 0 || open_caps(&o) != t->caps;
		else
			bad = rc != t->rc || err.code != t->code ||
			    err.subcode != t->sub || err.data_len != dn ||
			    memcmp(err.data, data, dn) != 0 ||
			    err.why[0] == '\0';
		if (bad) {
			fprintf(stderr,
			    "  %s: got rc %d err %u/%u data_len %zu (%s) "
			    "as %u as2 %u hold %u caps 0x%02x\n"
			    "    want rc %d err %u/%u as %u as2 %u hold %u "
			    "caps 0x%02x\n",
			    t->name, rc, err.code, err.subcode, err.data_len,
			    err.why, o.as, o.my_as2, o.hold_s, open_caps(&o),
			    t->rc, t->code, t->sub, t->as, t->my_as2, t->hold,
			    t->caps);
			failed = 1;
		}
	}
	return failed;
}

/* An OPEN shorter than 29 bytes handed to the parser anyway: 1/2. */
static int
t_open_short(void)
{
	uint8_t m[64];
	size_t n = hex(M "001c 01 04fde800f0c0000201", m, sizeof(m));
	struct bgp_open_info o;
	struct bgp_notify err;

	CHECK_INT(n, 28);
	CHECK_INT(bgp_open_parse(m, n, &o, &err), -EPROTO);
	CHECK_INT(err.code, 1);
	CHECK_INT(err.subcode, 2);
	CHECK_INT(err.data_len, 2);
	CHECK_INT(err.data[1], 28);
	return 0;
}

/* ---- UPDATE ------------------------------------------------------------- */

/* clang-format off */
#define ORIGIN "40010100"
#define ASP2 "4002040201fde8"           /* AS_SEQUENCE 65000, 2-byte */
#define ASP4 "400206020100 00fde8"      /* AS_SEQUENCE 65000, 4-byte */
#define NH "400304c0000201"             /* NEXT_HOP 192.0.2.1 */
#define PFX4 "20cb00710a"               /* 203.0.113.10/32 */
#define PFX4B "18c63364"                /* 198.51.100.0/24 */
#define NH6 "20010db8000000000000000000000002"
#define PFX6 "80 20010db800c000000000000000000010"   /* 2001:db8:c0::10/128 */
/* MP_REACH_NLRI IPv6 unicast, next hop 2001:db8::2, one /128: 41 bytes */
#define MPR "800e26 0002 01 10" NH6 "00" PFX6
/* MP_UNREACH_NLRI IPv6 unicast, the same /128: 23 bytes */
#define MPU "800f14 0002 01" PFX6
/* The attributes of a plain IPv4 announce on a 4-octet session: 20 bytes */
#define A4 ORIGIN ASP4 NH
/* clang-format on */

/* S4: a 4-octet AS session, S2: a 2-octet one */
#define S4 true
#define S2 false
/* session reset with this NOTIFICATION (data NULL: not checked) */
#define RESET(c, s, d) .rc = -EPROTO, .code = (c), .sub = (s), .data = (d)
#define TAW .taw = true

struct upd_case {
	const char *name;
	bool as4;
	const char *body;
	int rc;
	uint8_t code, sub;
	const char *data; /* NOTIFICATION data; NULL: not checked */
	bool taw;
	size_t disc, nw, nn, nr, nu;
	bool eor4, eor6;
};

/* clang-format off */
static const struct upd_case upd_cases[] = {
	/* well-formed */
	{ "ipv4 announce", S4, "0000 0014" A4 PFX4, .nn = 1 },
	{ "ipv4 announce, 2-byte AS", S2, "0000 0012" ORIGIN ASP2 NH PFX4,
	    .nn = 1 },
	{ "two prefixes", S4, "0000 0014" A4 PFX4 PFX4B, .nn = 2 },
	{ "ipv4 withdraw", S4, "0005" PFX4 "0000", .nw = 1 },
	{ "withdraw and announce", S4, "0004" PFX4B "0014" A4 PFX4, .nw = 1,
	    .nn = 1 },
	{ "eor ipv4", S4, "0000 0000", .eor4 = true },
	{ "eor ipv6", S4, "0000 0006 800f03000201", .eor6 = true },
	{ "MP_UNREACH ipv4 empty", S4, "0000 0006 800f03000101" },
	{ "ipv6 announce", S4, "0000 0036" MPR ORIGIN ASP4, .nr = 1 },
	{ "ipv6 announce, link-local next hop", S4,
	    "0000 0046 800e36 0002 01 20" NH6
	    "fe800000000000000000000000000001" "00" PFX6 ORIGIN ASP4, .nr = 1 },
	{ "ipv6 withdraw", S4, "0000 0017" MPU, .nu = 1 },
	{ "MP_REACH unknown family", S4,
	    "0000 0025 800e15 0001 80 04 c0000201 00 58 000001 0000000000cb0071"
	    ORIGIN ASP4 },
	{ "extended length bit", S4, "0000 0015 50010001 00" ASP4 NH PFX4,
	    .nn = 1 },
	{ "COMMUNITIES 8 bytes", S4, "0000 001f" A4 "c00808 fde80064 ffff0000"
	    PFX4, .nn = 1 },
	{ "LARGE_COMMUNITY 24 bytes", S4, "0000 002f" A4
	    "c02018 0000fde8 00000001 00000002 0000fde8 00000003" " 00000004"
	    PFX4, .nn = 1 },
	{ "AS4_PATH from an OLD speaker", S2, "0000 001b" ORIGIN
	    "4002040201 5ba0" NH "c01106 0201 fa56ea00" PFX4, .nn = 1 },
	{ "unknown optional attribute", S4, "0000 0019" A4 "c06302abcd" PFX4,
	    .nn = 1 },
	{ "AGGREGATOR 6 bytes, 2-byte AS", S2, "0000 001b" ORIGIN ASP2 NH
	    "c00706 fde8c0000201" PFX4, .nn = 1 },

	/* RFC 4271 6.3: lengths that do not fit the message -> 3/1 reset */
	{ "withdrawn length past end", S4, "0010" PFX4 "0000",
	    RESET(3, 1, "") },
	{ "withdrawn eats attr length", S4, "0005" PFX4, RESET(3, 1, "") },
	{ "attr length past end", S4, "0000 0020" A4 PFX4, RESET(3, 1, "") },
	/* RFC 7606 4 + 5.2: a framing error with no reachable NLRI resets */
	{ "attr overrun, no NLRI", S4, "0000 0004 40010500", RESET(3, 1, "") },
	{ "attr overrun hides MP_REACH", S4, "0000 002d 40013200" MPR,
	    RESET(3, 1, "") },
	/* RFC 7606 4: with NLRI it is treat-as-withdraw */
	{ "attr overrun, NLRI", S4, "0000 0014" ORIGIN ASP4 "400308c0000201"
	    PFX4, TAW, .nn = 1 },
	{ "2 trailing attr bytes", S4, "0000 0016" A4 "4001" PFX4, TAW,
	    .nn = 1 },
	{ "3 trailing bytes, ext len", S4, "0000 0017" A4 "500100" PFX4,
	    TAW, .nn = 1 },
	{ "overrun after MP_REACH", S4, "0000 002d" MPR "40010500", TAW,
	    .nr = 1 },
	/* RFC 7606 7.1 */
	{ "ORIGIN length 2", S4, "0000 0015 4001020000" ASP4 NH PFX4,
	    TAW, .nn = 1 },
	{ "ORIGIN length 0", S4, "0000 0013 400100" ASP4 NH PFX4, TAW,
	    .nn = 1 },
	{ "ORIGIN value 3", S4, "0000 0014 40010103" ASP4 NH PFX4, TAW,
	    .nn = 1 },
	/* RFC 7606 3(c): flags on well-known attributes */
	{ "ORIGIN flags 0xc0", S4, "0000 0014 c0010100" ASP4 NH PFX4,
	    TAW, .nn = 1 },
	{ "NEXT_HOP flags 0x00", S4, "0000 0014" ORIGIN ASP4 "000304c0000201"
	    PFX4, TAW, .nn = 1 },
	{ "AS_PATH flags 0x80", S4, "0000 0014" ORIGIN "800206020100 00fde8" NH
	    PFX4, TAW, .nn = 1 },
	{ "MED flags 0x40", S4, "0000 001b" A4 "40040400000032" PFX4,
	    TAW, .nn = 1 },
	{ "partial bit ignored", S4, "0000 0014 60010100" ASP4 NH PFX4, .nn = 1
	    },
	/* RFC 7606 7.3-7.5 */
	{ "NEXT_HOP length 5", S4, "0000 0015" ORIGIN ASP4 "400305c000020100"
	    PFX4, TAW, .nn = 1 },
	{ "MED length 3", S4, "0000 001a" A4 "800403000032" PFX4, TAW,
	    .nn = 1 },
	{ "LOCAL_PREF length 5", S4, "0000 001c" A4 "4005050000006400" PFX4,
	    TAW, .nn = 1 },
	/* RFC 7606 7.2 */
	{ "AS_PATH segment count 0", S4, "0000 0010" ORIGIN "40020 20200" NH
	    PFX4, TAW, .nn = 1 },
	{ "AS_PATH 2-byte on 4-octet session", S4, "0000 0012" ORIGIN ASP2 NH
	    PFX4, TAW, .nn = 1 },
	{ "AS_PATH segment type 5", S4, "0000 0014" ORIGIN
	    "400206050100 00fde8" NH PFX4, TAW, .nn = 1 },
	{ "AS_PATH one trailing byte", S4, "0000 0015" ORIGIN
	    "400207020100 00fde8 02" NH PFX4, TAW, .nn = 1 },
	/* RFC 7606 7.8, RFC 8092 6 */
	{ "COMMUNITIES length 5", S4, "0000 001c" A4 "c00805 fde8006401" PFX4,
	    TAW, .nn = 1 },
	{ "COMMUNITIES length 0", S4, "0000 0017" A4 "c00800" PFX4, TAW,
	    .nn = 1 },
	{ "LARGE_COMMUNITY length 13", S4, "0000 0024" A4
	    "c0200d 0000fde8 00000001 00000002 00" PFX4, TAW, .nn = 1 },
	{ "LARGE_COMMUNITY flags 0x80", S4, "0000 0023" A4
	    "80200c 0000fde8 00000001 00000002" PFX4, TAW, .nn = 1 },
	/* RFC 7606 3(d) */
	{ "missing ORIGIN", S4, "0000 0010" ASP4 NH PFX4, TAW, .nn = 1
	    },
	{ "missing AS_PATH", S4, "0000 000b" ORIGIN NH PFX4, TAW,
	    .nn = 1 },
	{ "missing NEXT_HOP", S4, "0000 000d" ORIGIN ASP4 PFX4, TAW,
	    .nn = 1 },
	{ "ipv6 needs no NEXT_HOP", S4, "0000 0036" MPR ORIGIN ASP4, .nr = 1 },
	{ "ipv6 missing AS_PATH", S4, "0000 002d" MPR ORIGIN, TAW,
	    .nr = 1 },
	{ "MP_REACH flags 0xc0", S4, "0000 0036 c00e26 0002 01 10" NH6 "00"
	    PFX6 ORIGIN ASP4, TAW, .nr = 1 },
	/* RFC 7606 3(g): duplicates */
	{ "duplicate MP_REACH", S4, "0000 005f" MPR MPR ORIGIN ASP4,
	    RESET(3, 1, "") },
	{ "duplicate MP_UNREACH", S4, "0000 002e" MPU MPU, RESET(3, 1, "") },
	{ "duplicate ORIGIN", S4, "0000 0018" ORIGIN "40010102" ASP4 NH PFX4,
	    .disc = 1, .nn = 1 },
	{ "duplicate COMMUNITIES, second bad", S4, "0000 001f" A4
	    "c00804fde80064 c00801aa" PFX4, .disc = 1, .nn = 1 },
	/* RFC 7606 7.11 / RFC 4760 7: malformed MP_* -> 3/9 reset */
	{ "MP_REACH length 3", S4, "0000 0013 800e03000201" ORIGIN ASP4,
	    RESET(3, 9, "800e03000201") },
	{ "MP_REACH next hop cut", S4,
	    "0000 001c 800e0c 0002 01 10 20010db800000000" ORIGIN ASP4,
	    RESET(3, 9, NULL) },
	{ "MP_REACH no reserved byte", S4, "0000 0017 800e14 0002 01 10" NH6,
	    RESET(3, 9, NULL) },
	{ "MP_REACH next hop length 9", S4,
	    "0000 002f 800e1f 0002 01 09 20010db80000000000 00" PFX6 ORIGIN
	    ASP4, RESET(3, 9, NULL) },
	{ "MP_REACH /129", S4, "0000 0036 800e26 0002 01 10" NH6
	    "00 81 20010db800c000000000000000000010" ORIGIN ASP4,
	    RESET(3, 9, NULL) },
	{ "MP_UNREACH prefix cut", S4, "0000 000b 800f08 000201 40 20010db8",
	    RESET(3, 9, "800f0800020140 20010db8") },
	{ "MP_UNREACH length 2", S4, "0000 0005 800f020002",
	    RESET(3, 9, "800f020002") },
	/* RFC 4271 6.3, RFC 7606 5.3: bad NLRI -> 3/10 reset */
	{ "NLRI /33", S4, "0000 0014" A4 "21cb00710a00", RESET(3, 10, "") },
	{ "NLRI cut", S4, "0000 0014" A4 "20cb0071", RESET(3, 10, "") },
	{ "NLRI /33 with a bad ORIGIN", S4, "0000 0014 40010109" ASP4 NH
	    "21cb00710a00", RESET(3, 10, "") },
	{ "withdrawn /40", S4, "0006 28cb00710a00 0000", RESET(3, 10, "") },
	/* RFC 7606 5.2: errors in an UPDATE without reachable NLRI reset */
	{ "bad ORIGIN, withdrawals only", S4, "0005" PFX4 "0004 40010103",
	    RESET(3, 6, "40010103") },
	{ "bad COMMUNITIES with MP_UNREACH", S4, "0000 001b" MPU "c00801aa",
	    RESET(3, 5, "c00801aa") },
	/* ...but an UPDATE of MP_UNREACH_NLRI alone withdraws anyway */
	{ "MP_UNREACH flags 0xc0, alone", S4, "0000 0017 c00f14 0002 01" PFX6,
	    TAW, .nu = 1 },
	{ "discard is fine without NLRI", S4, "0005" PFX4 "0004 40060100",
	    .disc = 1, .nw = 1 },
	/* RFC 7606 7.6-7.7, RFC 6793 6: attribute discard */
	{ "ATOMIC_AGGREGATE length 1", S4, "0000 0018" A4 "40060100" PFX4,
	    .disc = 1, .nn = 1 },
	{ "AGGREGATOR 6 bytes on 4-octet session", S4, "0000 001d" A4
	    "c00706fde8c0000201" PFX4, .disc = 1, .nn = 1 },
	{ "AGGREGATOR flags 0x40", S4, "0000 001f" A4 "4007080000fde8c0000201"
	    PFX4, .disc = 1, .nn = 1 },
	{ "AGGREGATOR 8 bytes, 2-byte AS", S2, "0000 001d" ORIGIN ASP2 NH
	    "c007080000fde8c0000201" PFX4, .disc = 1, .nn = 1 },
	{ "AS4_PATH between NEW speakers", S4, "0000 001d" A4
	    "c0110602010000fde8" PFX4, .disc = 1, .nn = 1 },
	{ "AS4_PATH malformed", S2, "0000 001b" ORIGIN ASP2 NH
	    "c01106 0202 0000fde8" PFX4, .disc = 1, .nn = 1 },
	{ "AS4_AGGREGATOR length 6", S2, "0000 001b" ORIGIN ASP2 NH
	    "c01206fde8c0000201" PFX4, .disc = 1, .nn = 1 },
	/* unrecognized well-known: treat-as-withdraw (see bgp_wire.c) */
	{ "unknown well-known attribute", S4, "0000 0019" A4 "406302abcd" PFX4,
	    TAW, .nn = 1 },
};
/* clang-format on */

static int
t_update_parse(void)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(upd_cases) / sizeof(upd_cases[0]); i++) {
		const struct upd_case *t = &upd_cases[i];
		uint8_t m[BGP_MAX_LEN], data[80];
		size_t n = msg(BGP_UPDATE, t->body, m, sizeof(m)), dn = 0;
		struct bgp_update_info u;
		struct bgp_notify err;
		int rc, bad;

		if (n == SIZE_MAX ||
		    (t->data &&
		        (dn = hex(t->data, data, sizeof(data))) == SIZE_MAX)) {
			fprintf(stderr, "  %s: bad hex\n", t->name);
			failed = 1;
			continue;
		}
		rc = bgp_update_parse(m, n, t->as4, &u, &err);
		if (rc == 0)
			bad = t->rc != 0 || u.treat_as_withdraw != t->taw ||
			    u.n_discarded != t->disc ||
			    u.n_withdrawn != t->nw || u.n_nlri != t->nn ||
			    u.n_mp_reach != t->nr || u.n_mp_unreach != t->nu ||
			    u.is_eor_v4 != t->eor4 || u.is_eor_v6 != t->eor6 ||
			    ((t->taw || t->disc) != (u.why[0] != '\0'));
		else
			bad = rc != t->rc || err.code != t->code ||
			    err.subcode != t->sub || err.why[0] == '\0' ||
			    (t->data &&
			        (err.data_len != dn ||
			            memcmp(err.data, data, dn) != 0));
		if (bad) {
			fprintf(stderr,
			    "  %s: got rc %d err %u/%u (%s) taw %d disc %zu "
			    "w %zu n %zu r %zu u %zu eor %d/%d (%s)\n"
			    "    want rc %d err %u/%u taw %d disc %zu w %zu "
			    "n %zu r %zu u %zu eor %d/%d\n",
			    t->name, rc, err.code, err.subcode, err.why,
			    u.treat_as_withdraw, u.n_discarded, u.n_withdrawn,
			    u.n_nlri, u.n_mp_reach, u.n_mp_unreach, u.is_eor_v4,
			    u.is_eor_v6, u.why, t->rc, t->code, t->sub, t->taw,
			    t->disc, t->nw, t->nn, t->nr, t->nu, t->eor4,
			    t->eor6);
			if (rc == -EPROTO && t->data)
				dump("data", err.data, err.data_len);
			failed = 1;
		}
	}
	return failed;
}

/* An UPDATE shorter than 23 bytes handed to the parser anyway: 1/2. */
static int
t_update_short(void)
{
	uint8_t m[32];
	size_t n = hex(M "0016 02 0000", m, sizeof(m));
	struct bgp_update_info u;
	struct bgp_notify err;

	CHECK_INT(bgp_update_parse(m, n, true, &u, &err), -EPROTO);
	CHECK_INT(err.code, 1);
	CHECK_INT(err.subcode, 2);
	return 0;
}

/* ---- NOTIFICATION, ROUTE-REFRESH ----------------------------------------- */

static int
t_notification_parse(void)
{
	uint8_t m[64], code = 0, sub = 0;
	size_t n;

	n = msg(BGP_NOTIFICATION, "0602", m, sizeof(m));
	CHECK_INT(bgp_notification_parse(m, n, &code, &sub), 0);
	CHECK_INT(code, 6);
	CHECK_INT(sub, 2);
	/* RFC 9003 shutdown communication as data */
	n = msg(BGP_NOTIFICATION, "0602 05 6d61696e74", m, sizeof(m));
	CHECK_INT(bgp_notification_parse(m, n, &code, &sub), 0);
	CHECK_INT(code, 6);
	CHECK_INT(sub, 2);
	n = msg(BGP_NOTIFICATION, "0201 0004", m, sizeof(m));
	CHECK_INT(bgp_notification_parse(m, n, &code, &sub), 0);
	CHECK_INT(code, 2);
	CHECK_INT(sub, 1);
	n = msg(BGP_NOTIFICATION, "06", m, sizeof(m));
	CHECK_INT(n, 20);
	CHECK_INT(bgp_notification_parse(m, n, &code, &sub), -EPROTO);
	CHECK_INT(bgp_notification_parse(m, 0, &code, &sub), -EPROTO);
	return 0;
}

static int
t_route_refresh_parse(void)
{
	uint8_t m[64], safi = 0;
	uint16_t afi = 0;
	struct bgp_notify err;
	size_t n;

	n = msg(BGP_ROUTE_REFRESH, "0001 00 01", m, sizeof(m));
	CHECK_INT(bgp_route_refresh_parse(m, n, &afi, &safi, &err), 0);
	CHECK_INT(afi, 1);
	CHECK_INT(safi, 1);
	n = msg(BGP_ROUTE_REFRESH, "0002 00 01", m, sizeof(m));
	CHECK_INT(bgp_route_refresh_parse(m, n, &afi, &safi, &err), 0);
	CHECK_INT(afi, 2);
	CHECK_INT(safi, 1);
	/* RFC 7313 5: wrong length -> 7/1, data the whole message */
	n = msg(BGP_ROUTE_REFRESH, "0001 00 01 00", m, sizeof(m));
	CHECK_INT(bgp_route_refresh_parse(m, n, &afi, &safi, &err), -EPROTO);
	CHECK_INT(err.code, 7);
	CHECK_INT(err.subcode, 1);
	CHECK_BYTES(err.data, err.data_len, M "0018 05 0001 00 01 00");
	n = msg(BGP_ROUTE_REFRESH, "0001 00", m, sizeof(m));
	CHECK_INT(bgp_route_refresh_parse(m, n, &afi, &safi, &err), -EPROTO);
	CHECK_INT(err.code, 7);
	CHECK_INT(err.subcode, 1);
	CHECK_INT(err.data_len, 22);
	n = msg(BGP_ROUTE_REFRESH, "", m, sizeof(m));
	CHECK_INT(bgp_route_refresh_parse(m, n, &afi, &safi, &err), -EPROTO);
	CHECK_INT(err.code, 7);
	/* RFC 7313 3: the subtype byte is not interpreted */
	n = msg(BGP_ROUTE_REFRESH, "0002 01 01", m, sizeof(m));
	CHECK_INT(bgp_route_refresh_parse(m, n, &afi, &safi, &err), 0);
	CHECK_INT(afi, 2);
	CHECK_INT(safi, 1);
	return 0;
}

/* ---- prefixes ----------------------------------------------------------- */

/* clang-format off */
static const struct pfx_case {
	const char *s;
	int rc;
	int family;
	uint8_t len;
	const char *addr;     /* hex of the significant bytes */
	const char *str;      /* bgp_prefix_str output */
} pfx_cases[] = {
	{ "203.0.113.10/32", 0, AF_INET, 32, "cb00710a", "203.0.113.10/32" },
	{ "10.0.0.0/8", 0, AF_INET, 8, "0a000000", "10.0.0.0/8" },
	{ "0.0.0.0/0", 0, AF_INET, 0, "00000000", "0.0.0.0/0" },
	{ "198.51.100.0/23", 0, AF_INET, 23, "c6336400", "198.51.100.0/23" },
	{ "2001:db8::/32", 0, AF_INET6, 32, "20010db8000000000000000000000000",
	    "2001:db8::/32" },
	{ "2001:db8:c0::10/128", 0, AF_INET6, 128,
	    "20010db800c000000000000000000010", "2001:db8:c0::10/128" },
	{ "2001:DB8:00C0:0:0:0:0:10/128", 0, AF_INET6, 128,
	    "20010db800c000000000000000000010", "2001:db8:c0::10/128" },
	{ "::/0", 0, AF_INET6, 0, "00000000000000000000000000000000", "::/0" },
	{ "10.0.0.1/8", -EINVAL },            /* host bits */
	{ "198.51.101.0/23", -EINVAL },
	{ "2001:db8::1/64", -EINVAL },
	{ "10.0.0.0/33", -EINVAL },
	{ "2001:db8::/129", -EINVAL },
	{ "10.0.0.0/1000", -EINVAL },
	{ "10.0.0.0", -EINVAL },
	{ "10.0.0.0/", -EINVAL },
	{ "/8", -EINVAL },
	{ "10.0.0.0/08", -EINVAL },
	{ "10.0.0.0/+8", -EINVAL },
	{ "10.0.0.0/-8", -EINVAL },
	{ "10.0.0.0/8 ", -EINVAL },
	{ " 10.0.0.0/8", -EINVAL },
	{ "10.0.0/8", -EINVAL },
	{ "10.0.0.0/8/8", -EINVAL },
	{ "hello/8", -EINVAL },
	{ "", -EINVAL },
	{ "1234:5678:9abc:def0:1234:5678:9abc:def0:1234/128", -EINVAL },
};
/* clang-format on */

static int
t_prefix(void)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(pfx_cases) / sizeof(pfx_cases[0]); i++) {
		const struct pfx_case *t = &pfx_cases[i];
		struct bgp_prefix p, q;
		uint8_t want[16];
		char str[64] = "";
		int rc;

		memset(&p, 0xaa, sizeof(p));
		rc = bgp_prefix_parse(t->s, &p);
		if (rc == 0)
			bgp_prefix_str(&p, str, sizeof(str));
		if (rc != t->rc ||
		    (rc == 0 &&
		        (p.family != t->family || p.len != t->len ||
		            memcmp(p.addr, want,
		                hex(t->addr, want, sizeof(want))) != 0 ||
		            strcmp(str, t->str) != 0 ||
		            bgp_prefix_parse(str, &q) != 0 ||
		            q.family != p.family || q.len != p.len ||
		            memcmp(q.addr, p.addr, sizeof(p.addr)) != 0))) {
			fprintf(stderr,
			    "  \"%s\": got %d \"%s\" len %u, want %d \"%s\"\n",
			    t->s, rc, str, rc == 0 ? p.len : 0, t->rc,
			    t->str ? t->str : "");
			failed = 1;
		}
	}
	CHECK_INT(bgp_prefix_parse(NULL, &(struct bgp_prefix){ 0 }), -EINVAL);
	return failed;
}

/* ---- builders: exact bytes ---------------------------------------------- */

static int
t_build_keepalive_notification(void)
{
	struct buf b;

	buf_init(&b, 65536);
	CHECK_INT(bgp_build_keepalive(&b), 0);
	CHECK_BYTES(b.data, b.len, M "0013 04");
	buf_reset(&b);
	/* RFC 4486 Cease / Administrative Shutdown, no data */
	CHECK_INT(bgp_build_notification(&b, 6, 2, NULL, 0), 0);
	CHECK_BYTES(b.data, b.len, M "0015 03 06 02");
	buf_reset(&b);
	CHECK_INT(bgp_build_notification(&b, 2, 1, "\x00\x04", 2), 0);
	CHECK_BYTES(b.data, b.len, M "0017 03 02 01 0004");
	/* appended after what is there */
	CHECK_INT(bgp_build_keepalive(&b), 0);
	CHECK_BYTES(b.data, b.len, M "0017 03 02 01 0004" M "0013 04");
	/* the data cannot take the message past 4096 */
	buf_reset(&b);
	{
		static uint8_t big[BGP_MAX_LEN];

		CHECK_INT(
		    bgp_build_notification(&b, 6, 0, big, BGP_MAX_LEN - 21), 0);
		CHECK_INT(b.len, BGP_MAX_LEN);
		buf_reset(&b);
		CHECK_INT(
		    bgp_build_notification(&b, 6, 0, big, BGP_MAX_LEN - 20),
		    -EMSGSIZE);
		CHECK_INT(b.len, 0);
	}
	buf_fini(&b);
	return 0;
}

static int
t_build_open(void)
{
	struct bgp_open_params p = {
		.my_as = 65010,
		.hold_s = 9,
		.bgp_id = 0xc0000202,
		.mp_v4 = true,
		.mp_v6 = true,
	};
	struct bgp_open_info o;
	struct bgp_notify err;
	struct buf b;

	buf_init(&b, 65536);
	CHECK_INT(bgp_build_open(&b, &p), 0);
	/* 51 bytes: 10 fixed, opt len 22: param 2 len 20: MP v4, MP v6,
	 * route refresh, 4-octet AS 65010 */
	CHECK_BYTES(b.data, b.len,
	    M "0033 01 04 fdf2 0009 c0000202 16 0214"
	      " 010400010001 010400020001 0200 41040000fdf2");
	CHECK_INT(bgp_open_parse(b.data, b.len, &o, &err), 0);
	CHECK_INT(o.as, 65010);
	CHECK_INT(o.hold_s, 9);
	CHECK_INT(o.bgp_id, 0xc0000202);
	CHECK(o.cap_mp_v4 && o.cap_mp_v6 && o.cap_as4 && o.cap_route_refresh &&
	    !o.cap_graceful_restart);

	/* 4-octet AS behind AS_TRANS, IPv4 only, graceful restart 120 s */
	buf_reset(&b);
	p = (struct bgp_open_params){ .my_as = 4200000000u,
		.hold_s = 90,
		.bgp_id = 0x0a000001,
		.mp_v4 = true,
		.graceful_restart = true };
	CHECK_INT(bgp_build_open(&b, &p), 0);
	CHECK_BYTES(b.data, b.len,
	    M "0031 01 04 5ba0 005a 0a000001 14 0212"
	      " 010400010001 0200 4104fa56ea00 40020078");
	CHECK_INT(bgp_open_parse(b.data, b.len, &o, &err), 0);
	CHECK_INT(o.my_as2, BGP_AS_TRANS);
	CHECK_INT(o.as, 4200000000u);
	CHECK(o.cap_graceful_restart && o.cap_mp_v4 && !o.cap_mp_v6);

	/* explicit restart time, IPv6 only, hold 0 */
	buf_reset(&b);
	p = (struct bgp_open_params){ .my_as = 65535,
		.hold_s = 0,
		.bgp_id = 1,
		.mp_v6 = true,
		.graceful_restart = true,
		.restart_time_s = 4095 };
	CHECK_INT(bgp_build_open(&b, &p), 0);
	CHECK_BYTES(b.data, b.len,
	    M "0031 01 04 ffff 0000 00000001 14 0212"
	      " 010400020001 0200 41040000ffff 40020fff");

	/* refused: what BIRD would refuse, and bad parameters */
	buf_reset(&b);
	p = (struct bgp_open_params){
		.my_as = 65010, .hold_s = 1, .bgp_id = 1, .mp_v4 = true
	};
	CHECK_INT(bgp_build_open(&b, &p), -EINVAL);
	p.hold_s = 2;
	CHECK_INT(bgp_build_open(&b, &p), -EINVAL);
	p.hold_s = 3;
	p.bgp_id = 0;
	CHECK_INT(bgp_build_open(&b, &p), -EINVAL);
	p.bgp_id = 1;
	p.mp_v4 = false;
	CHECK_INT(bgp_build_open(&b, &p), -EINVAL);
	p.mp_v4 = true;
	p.my_as = 0;
	CHECK_INT(bgp_build_open(&b, &p), -EINVAL);
	p.my_as = 65010;
	p.graceful_restart = true;
	p.restart_time_s = 4096;
	CHECK_INT(bgp_build_open(&b, &p), -EINVAL);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.err, 0);
	p.graceful_restart = false; /* ignored when GR is off */
	CHECK_INT(bgp_build_open(&b, &p), 0);
	buf_fini(&b);
	return 0;
}

/* A buffer whose ceiling is too small: the error, and nothing left behind. */
static int
t_build_small_buffer(void)
{
	struct bgp_open_params p = {
		.my_as = 65010, .hold_s = 9, .bgp_id = 1, .mp_v4 = true
	};
	struct buf b;

	buf_init(&b, 30);
	CHECK_INT(bgp_build_keepalive(&b), 0);
	CHECK_INT(bgp_build_open(&b, &p), -ENOBUFS);
	CHECK_INT(b.len, 19);
	CHECK_INT(b.err, 0);
	CHECK_BYTES(b.data, b.len, M "0013 04");
	/* a sticky error from before is returned and nothing is written */
	b.err = -ENOMEM;
	CHECK_INT(bgp_build_keepalive(&b), -ENOMEM);
	CHECK_INT(b.len, 19);
	buf_fini(&b);
	return 0;
}

static void
attrs_init(struct bgp_attrs *a)
{
	memset(a, 0, sizeof(*a));
	a->local_as = 65010;
	a->as4 = true;
	inet_pton(AF_INET, "192.0.2.2", &a->next_hop_v4);
	inet_pton(AF_INET6, "2001:db8::2", &a->next_hop_v6);
}

static int
t_build_announce_v4(void)
{
	struct bgp_prefix p;
	struct bgp_attrs a;
	struct bgp_update_info u;
	struct bgp_notify err;
	struct buf b;

	buf_init(&b, 65536);
	CHECK_INT(bgp_prefix_parse("203.0.113.10/32", &p), 0);
	attrs_init(&a);
	a.has_med = true;
	a.med = 50;
	a.communities[0] = 65010u << 16 | 100;
	a.n_communities = 1;
	a.large[0] = (struct bgp_large_community){ 65010, 1, 2 };
	a.n_large = 1;
	CHECK_INT(bgp_build_announce(&b, &p, &a), 0);
	/* 77 bytes: ORIGIN IGP, AS_PATH 65010, NEXT_HOP, MED 50,
	 * COMMUNITIES 65010:100, LARGE 65010:1:2, then the NLRI */
	CHECK_BYTES(b.data, b.len,
	    M "004d 02 0000 0031"
	      " 40010100"
	      " 400206 0201 0000fdf2"
	      " 400304 c0000202"
	      " 800404 00000032"
	      " c00804 fdf20064"
	      " c0200c 0000fdf2 00000001 00000002"
	      " 20 cb00710a");
	CHECK_INT(bgp_update_parse(b.data, b.len, true, &u, &err), 0);
	CHECK_INT(u.n_nlri, 1);
	CHECK(!u.treat_as_withdraw);
	CHECK_INT(u.n_discarded, 0);

	/* iBGP: empty AS_PATH, LOCAL_PREF 100; a 2-byte session */
	buf_reset(&b);
	attrs_init(&a);
	a.ibgp = true;
	a.as4 = false;
	CHECK_INT(bgp_build_announce(&b, &p, &a), 0);
	CHECK_BYTES(b.data, b.len,
	    M "0031 02 0000 0015"
	      " 40010100 400200 400304c0000202 40050400000064 20cb00710a");
	CHECK_INT(bgp_update_parse(b.data, b.len, false, &u, &err), 0);
	CHECK_INT(u.n_nlri, 1);
	CHECK(!u.treat_as_withdraw);

	/* RFC 6793 4.2.2: 4-octet AS to an OLD speaker, prepended twice */
	buf_reset(&b);
	attrs_init(&a);
	a.as4 = false;
	a.local_as = 4200000000u;
	a.prepend = 2;
	CHECK_INT(bgp_build_announce(&b, &p, &a), 0);
	CHECK_BYTES(b.data, b.len,
	    M "0043 02 0000 0027"
	      " 40010100"
	      " 400208 0203 5ba0 5ba0 5ba0"
	      " 400304 c0000202"
	      " c0110e 0203 fa56ea00 fa56ea00 fa56ea00"
	      " 20cb00710a");
	CHECK_INT(bgp_update_parse(b.data, b.len, false, &u, &err), 0);
	CHECK_INT(u.n_nlri, 1);
	CHECK(!u.treat_as_withdraw);
	CHECK_INT(u.n_discarded, 0);

	/* a /23: 3 prefix bytes */
	buf_reset(&b);
	attrs_init(&a);
	CHECK_INT(bgp_prefix_parse("198.51.100.0/23", &p), 0);
	CHECK_INT(bgp_build_announce(&b, &p, &a), 0);
	CHECK_BYTES(b.data, b.len,
	    M "002f 02 0000 0014 40010100 4002060201 0000fdf2"
	      " 400304c0000202 17c63364");
	buf_fini(&b);
	return 0;
}

static int
t_build_announce_v6(void)
{
	struct bgp_prefix p;
	struct bgp_attrs a;
	struct bgp_update_info u;
	struct bgp_notify err;
	struct buf b;

	buf_init(&b, 65536);
	CHECK_INT(bgp_prefix_parse("2001:db8:c0::10/128", &p), 0);
	attrs_init(&a);
	CHECK_INT(bgp_build_announce(&b, &p, &a), 0);
	/* RFC 7606 5.1: MP_REACH_NLRI first; no NEXT_HOP attribute */
	CHECK_BYTES(b.data, b.len,
	    M "004d 02 0000 0036"
	      " 800e26 0002 01 10 20010db8000000000000000000000002 00"
	      " 80 20010db800c000000000000000000010"
	      " 40010100"
	      " 400206 0201 0000fdf2");
	CHECK_INT(bgp_update_parse(b.data, b.len, true, &u, &err), 0);
	CHECK_INT(u.n_mp_reach, 1);
	CHECK_INT(u.n_nlri, 0);
	CHECK(!u.treat_as_withdraw);

	/* drain: GRACEFUL_SHUTDOWN and MED 1000, a /48 */
	buf_reset(&b);
	CHECK_INT(bgp_prefix_parse("2001:db8:c0::/48", &p), 0);
	a.has_med = true;
	a.med = 1000;
	a.communities[0] = BGP_COMMUNITY_GRACEFUL_SHUTDOWN;
	a.n_communities = 1;
	CHECK_INT(bgp_build_announce(&b, &p, &a), 0);
	CHECK_BYTES(b.data, b.len,
	    M "0051 02 0000 003a"
	      " 800e1c 0002 01 10 20010db8000000000000000000000002 00 30 "
	      "20010db800c0"
	      " 40010100"
	      " 400206 0201 0000fdf2"
	      " 800404 000003e8"
	      " c00804 ffff0000");
	CHECK_INT(bgp_update_parse(b.data, b.len, true, &u, &err), 0);
	CHECK_INT(u.n_mp_reach, 1);
	CHECK(!u.treat_as_withdraw);
	buf_fini(&b);
	return 0;
}

static int
t_build_withdraw_eor(void)
{
	struct bgp_prefix p;
	struct bgp_update_info u;
	struct bgp_notify err;
	struct buf b;

	buf_init(&b, 65536);
	CHECK_INT(bgp_prefix_parse("203.0.113.10/32", &p), 0);
	CHECK_INT(bgp_build_withdraw(&b, &p), 0);
	CHECK_BYTES(b.data, b.len, M "001c 02 0005 20cb00710a 0000");
	CHECK_INT(bgp_update_parse(b.data, b.len, true, &u, &err), 0);
	CHECK_INT(u.n_withdrawn, 1);
	CHECK(!u.is_eor_v4 && !u.is_eor_v6);

	buf_reset(&b);
	CHECK_INT(bgp_prefix_parse("2001:db8:c0::10/128", &p), 0);
	CHECK_INT(bgp_build_withdraw(&b, &p), 0);
	CHECK_BYTES(b.data, b.len,
	    M "002e 02 0000 0017"
	      " 800f14 0002 01 80 20010db800c000000000000000000010");
	CHECK_INT(bgp_update_parse(b.data, b.len, true, &u, &err), 0);
	CHECK_INT(u.n_mp_unreach, 1);
	CHECK(!u.is_eor_v4 && !u.is_eor_v6);

	buf_reset(&b);
	CHECK_INT(bgp_prefix_parse("0.0.0.0/0", &p), 0);
	CHECK_INT(bgp_build_withdraw(&b, &p), 0);
	CHECK_BYTES(b.data, b.len, M "0018 02 0001 00 0000");

	/* RFC 4724 2: End-of-RIB */
	buf_reset(&b);
	CHECK_INT(bgp_build_eor(&b, AF_INET), 0);
	CHECK_BYTES(b.data, b.len, M "0017 02 0000 0000");
	CHECK_INT(bgp_update_parse(b.data, b.len, true, &u, &err), 0);
	CHECK(u.is_eor_v4 && !u.is_eor_v6);
	buf_reset(&b);
	CHECK_INT(bgp_build_eor(&b, AF_INET6), 0);
	CHECK_BYTES(b.data, b.len, M "001d 02 0000 0006 800f03 0002 01");
	CHECK_INT(bgp_update_parse(b.data, b.len, true, &u, &err), 0);
	CHECK(!u.is_eor_v4 && u.is_eor_v6);
	CHECK_INT(bgp_build_eor(&b, AF_UNIX), -EINVAL);
	CHECK_INT(b.len, 29);
	buf_fini(&b);
	return 0;
}

/* Extended length past 255 bytes, segments of 255, and the 4096 ceiling. */
static int
t_build_big_as_path(void)
{
	struct bgp_prefix p;
	struct bgp_attrs a;
	struct bgp_update_info u;
	struct bgp_notify err;
	struct buf b;
	uint8_t want_hdr[4] = { 0x50, 0x02, 0x01, 0x92 };

	buf_init(&b, 65536);
	CHECK_INT(bgp_prefix_parse("203.0.113.10/32", &p), 0);
	attrs_init(&a);
	a.prepend = 99; /* 100 ASNs: 2 + 400 = 402 bytes */
	CHECK_INT(bgp_build_announce(&b, &p, &a), 0);
	/* header 19, lengths 4, ORIGIN 4, then the AS_PATH header */
	CHECK_MEM(b.data + 27, want_hdr, 4);
	CHECK_INT(b.data[31], 2);
	CHECK_INT(b.data[32], 100);
	CHECK_INT(b.len, 19 + 4 + 4 + 4 + 402 + 7 + 5);
	CHECK_INT(bgp_update_parse(b.data, b.len, true, &u, &err), 0);
	CHECK_INT(u.n_nlri, 1);
	CHECK(!u.treat_as_withdraw);

	/* 301 ASNs: segments of 255 and 46 */
	buf_reset(&b);
	a.prepend = 300;
	CHECK_INT(bgp_build_announce(&b, &p, &a), 0);
	CHECK_INT(b.data[31], 2);
	CHECK_INT(b.data[32], 255);
	CHECK_INT(b.data[33 + 255 * 4], 2);
	CHECK_INT(b.data[34 + 255 * 4], 46);
	CHECK_INT(bgp_update_parse(b.data, b.len, true, &u, &err), 0);
	CHECK(!u.treat_as_withdraw);

	/* past 4096 bytes: -EMSGSIZE and the buffer as it was */
	buf_reset(&b);
	CHECK_INT(bgp_build_keepalive(&b), 0);
	a.prepend = 1100;
	CHECK_INT(bgp_build_announce(&b, &p, &a), -EMSGSIZE);
	CHECK_INT(b.len, 19);
	CHECK_INT(b.err, 0);
	a.prepend = 4000000000u;
	CHECK_INT(bgp_build_announce(&b, &p, &a), -EMSGSIZE);
	CHECK_INT(b.len, 19);
	/* near the ceiling: 2000 2-byte ASNs are 8 segments, 4016 bytes of
	 * AS_PATH, a 4059-byte UPDATE */
	a.as4 = false;
	a.prepend = 1999;
	CHECK_INT(bgp_build_announce(&b, &p, &a), 0);
	CHECK_INT(b.len, 19 + 19 + 4 + 4 + 4 + 4016 + 7 + 5);
	CHECK_INT(
	    bgp_update_parse(b.data + 19, b.len - 19, false, &u, &err), 0);
	CHECK(!u.treat_as_withdraw);
	buf_fini(&b);
	return 0;
}

static int
t_build_refused(void)
{
	struct bgp_prefix p;
	struct bgp_attrs a;
	struct buf b;

	buf_init(&b, 65536);
	CHECK_INT(bgp_prefix_parse("203.0.113.10/32", &p), 0);
	attrs_init(&a);
	a.local_as = 0;
	CHECK_INT(bgp_build_announce(&b, &p, &a), -EINVAL);
	attrs_init(&a);
	a.n_communities = BGP_MAX_COMMUNITIES + 1;
	CHECK_INT(bgp_build_announce(&b, &p, &a), -EINVAL);
	attrs_init(&a);
	a.n_large = BGP_MAX_LARGE + 1;
	CHECK_INT(bgp_build_announce(&b, &p, &a), -EINVAL);
	attrs_init(&a);
	a.next_hop_v4.s_addr = 0;
	CHECK_INT(bgp_build_announce(&b, &p, &a), -EINVAL);
	CHECK_INT(bgp_prefix_parse("2001:db8::/32", &p), 0);
	attrs_init(&a);
	memset(&a.next_hop_v6, 0, sizeof(a.next_hop_v6));
	CHECK_INT(bgp_build_announce(&b, &p, &a), -EINVAL);
	p.len = 129;
	CHECK_INT(bgp_build_withdraw(&b, &p), -EINVAL);
	p.family = AF_UNIX;
	p.len = 8;
	CHECK_INT(bgp_build_withdraw(&b, &p), -EINVAL);
	CHECK_INT(b.len, 0);
	/* all the communities there can be fit */
	CHECK_INT(bgp_prefix_parse("203.0.113.10/32", &p), 0);
	attrs_init(&a);
	a.n_communities = BGP_MAX_COMMUNITIES;
	a.n_large = BGP_MAX_LARGE;
	CHECK_INT(bgp_build_announce(&b, &p, &a), 0);
	buf_fini(&b);
	return 0;
}

/* Trailing bits past the prefix length are cleared on the wire. */
static int
t_build_masks_host_bits(void)
{
	struct bgp_prefix p = {
		.family = AF_INET, .len = 23, .addr = { 198, 51, 101, 77 }
	};
	struct buf b;

	buf_init(&b, 65536);
	CHECK_INT(bgp_build_withdraw(&b, &p), 0);
	CHECK_BYTES(b.data, b.len, M "001b 02 0004 17c63364 0000");
	buf_fini(&b);
	return 0;
}

/* Round trips over many combinations; every message frames and parses. */
static int
t_round_trip(void)
{
	static const char *const pfx[] = {
		"203.0.113.10/32",
		"10.0.0.0/8",
		"0.0.0.0/0",
		"198.51.100.128/25",
		"2001:db8:c0::10/128",
		"2001:db8::/32",
		"::/0",
		"2001:db8:1:2::/63",
	};
	struct bgp_update_info u;
	struct bgp_notify err;
	struct bgp_prefix p;
	struct bgp_attrs a;
	struct buf b;
	uint16_t len;
	uint8_t type;
	unsigned n = 0;

	buf_init(&b, 65536);
	for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
		CHECK_INT(bgp_prefix_parse(pfx[i], &p), 0);
		for (unsigned v = 0; v < 64; v++) {
			bool v6 = p.family == AF_INET6;

			attrs_init(&a);
			a.as4 = v & 1;
			a.ibgp = v & 2;
			a.local_as = v & 4 ? 4200000000u : 65010;
			a.prepend = v & 8 ? 3 : 0;
			a.has_med = v & 16;
			a.n_communities = v & 32 ? 3 : 0;
			a.n_large = v & 32 ? 2 : 0;
			buf_reset(&b);
			CHECK_INT(bgp_build_announce(&b, &p, &a), 0);
			CHECK_INT(
			    bgp_hdr_check(b.data, b.len, &type, &len, &err), 0);
			CHECK_INT(type, BGP_UPDATE);
			CHECK_INT(len, b.len);
			CHECK_INT(
			    bgp_update_parse(b.data, b.len, a.as4, &u, &err),
			    0);
			if (u.treat_as_withdraw || u.n_discarded ||
			    u.n_nlri != (v6 ? 0u : 1u) ||
			    u.n_mp_reach != (v6 ? 1u : 0u) || u.n_withdrawn ||
			    u.n_mp_unreach) {
				fprintf(stderr,
				    "  %s variant %u: taw %d (%s) "
				    "disc %zu nlri %zu mp %zu\n",
				    pfx[i], v, u.treat_as_withdraw, u.why,
				    u.n_discarded, u.n_nlri, u.n_mp_reach);
				return 1;
			}
			n++;
		}
		buf_reset(&b);
		CHECK_INT(bgp_build_withdraw(&b, &p), 0);
		CHECK_INT(bgp_hdr_check(b.data, b.len, &type, &len, &err), 0);
		CHECK_INT(bgp_update_parse(b.data, b.len, true, &u, &err), 0);
		CHECK_INT(u.n_withdrawn + u.n_mp_unreach, 1);
		CHECK(!u.is_eor_v4 && !u.is_eor_v6);
	}
	CHECK_INT(n, 8 * 64);
	buf_fini(&b);
	return 0;
}

#ifdef CDN_DEBUG
/*
 * XALLOC_FAIL_AT=N for each allocation the buffer makes while growing: the
 * build fails with -ENOMEM and leaves the message before it intact.
 */
static int
t_enomem(void)
{
	int n, got_enomem = 0;

	for (n = 1; n < 100; n++) {
		pid_t pid;
		int status;

		fflush(NULL);
		if ((pid = fork()) == 0) {
			struct bgp_prefix p;
			struct bgp_attrs a;
			struct buf b;
			int rc;
			char num[16];

			snprintf(num, sizeof(num), "%d", n);
			setenv("XALLOC_FAIL_AT", num, 1);
			buf_init(&b, 65536);
			if (bgp_build_keepalive(&b) != 0)
				_exit(n == 1 ? 1 : 2);
			bgp_prefix_parse("203.0.113.10/32", &p);
			attrs_init(&a);
			/* about 3.6 KB: the buffer grows 4 times */
			a.prepend = 900;
			rc = bgp_build_announce(&b, &p, &a);
			if (rc == -ENOMEM && (b.len != 19 || b.err != 0 ||
			    !same_bytes("after ENOMEM", b.data, b.len,
			    M "0013 04")))
				_exit(3);
			buf_fini(&b);
			_exit(rc == 0 ? 0 : rc == -ENOMEM ? 1 : 2);
		}
		CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
		CHECK(WIFEXITED(status));
		if (WEXITSTATUS(status) == 0)
			break;
		CHECK_INT(WEXITSTATUS(status), 1);
		got_enomem++;
	}
	CHECK(got_enomem >= 4);
	CHECK(n < 100);
	return 0;
}
#endif

int
main(void)
{
	RUN(t_hdr);
	RUN(t_open_parse);
	RUN(t_open_short);
	RUN(t_update_parse);
	RUN(t_update_short);
	RUN(t_notification_parse);
	RUN(t_route_refresh_parse);
	RUN(t_prefix);
	RUN(t_build_keepalive_notification);
	RUN(t_build_open);
	RUN(t_build_small_buffer);
	RUN(t_build_announce_v4);
	RUN(t_build_announce_v6);
	RUN(t_build_withdraw_eor);
	RUN(t_build_big_as_path);
	RUN(t_build_refused);
	RUN(t_build_masks_host_bits);
	RUN(t_round_trip);
#ifdef CDN_DEBUG
	RUN(t_enomem);
#endif
	return check_done();
}
