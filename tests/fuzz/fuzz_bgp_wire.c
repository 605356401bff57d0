/*
 * fuzz_bgp_wire: the BGP-4 codec (announce/bgp_wire.c) on arbitrary bytes.
 *
 * The input is read as a TCP stream of messages: bgp_hdr_check frames each
 * one, and a message that passes is copied into an exactly sized buffer (so
 * ASan sees any over-read) and handed to its type's parser (UPDATE with
 * as4 both ways). The input is also a prefix string for bgp_prefix_parse,
 * and its first bytes choose a prefix and attributes to build.
 *
 * Oracle: -EPROTO always carries a NOTIFICATION code 1..7 of the right
 * class, data within bounds and a reason; an accepted OPEN obeys RFC 4271
 * 6.2; UPDATE counts never exceed what the bytes can hold (a prefix takes a
 * byte at least); End-of-RIB excludes everything else; the same input
 * gives the same verdict twice; a parsed prefix prints and parses back to
 * itself; a built announce, withdraw or End-of-RIB frames and parses back
 * cleanly with exactly the counts it was built with; a built OPEN or
 * NOTIFICATION parses back to its parameters, and the builders refuse
 * exactly what they document.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX_MSGS 64

static void
check_notify(int rc, const struct bgp_notify *err, uint8_t want_code)
{
	if (rc != -EPROTO)
		abort();
	if (err->code < 1 || err->code > 7 ||
	    err->data_len > sizeof(err->data) || err->why[0] == '\0' ||
	    memchr(err->why, '\0', sizeof(err->why)) == NULL)
		abort();
	/* a parser reports its own class, or a header length error */
	if (err->code != want_code &&
	    !(err->code == BGP_ERR_HEADER && err->subcode == 2))
		abort();
}

static void
fz_update(const uint8_t *m, size_t n, bool as4)
{
	struct bgp_update_info u, u2;
	struct bgp_notify err, err2;
	size_t room = n - BGP_HDR_LEN - 4, total;
	int rc = bgp_update_parse(m, n, as4, &u, &err);

	if (rc != bgp_update_parse(m, n, as4, &u2, &err2))
		abort();
	if (rc != 0) {
		check_notify(rc, &err, BGP_ERR_UPDATE);
		if (err.code != err2.code || err.subcode != err2.subcode)
			abort();
		return;
	}
	total = u.n_withdrawn + u.n_nlri + u.n_mp_reach + u.n_mp_unreach;
	if (total > room || u.n_discarded > room / 3)
		abort();
	if (u.n_withdrawn != u2.n_withdrawn || u.n_nlri != u2.n_nlri ||
	    u.n_mp_reach != u2.n_mp_reach ||
	    u.n_mp_unreach != u2.n_mp_unreach ||
	    u.is_eor_v4 != u2.is_eor_v4 || u.is_eor_v6 != u2.is_eor_v6 ||
	    u.treat_as_withdraw != u2.treat_as_withdraw ||
	    u.n_discarded != u2.n_discarded || strcmp(u.why, u2.why) != 0)
		abort();
	if (u.is_eor_v4 &&
	    (n != 23 || total || u.is_eor_v6 || u.treat_as_withdraw))
		abort();
	if (u.is_eor_v6 && (total || u.treat_as_withdraw || u.n_discarded))
		abort();
	if ((u.treat_as_withdraw || u.n_discarded) && u.why[0] == '\0')
		abort();
}

static void
fz_message(const uint8_t *m, size_t n, uint8_t type)
{
	struct bgp_open_info o;
	struct bgp_notify err;
	uint8_t code, sub, safi;
	uint16_t afi;
	int rc;

	switch (type) {
	case BGP_OPEN:
		rc = bgp_open_parse(m, n, &o, &err);
		if (rc == 0) {
			if (o.version != 4 || o.hold_s == 1 || o.hold_s == 2 ||
			    o.bgp_id == 0 || o.as == 0 || o.my_as2 == 0 ||
			    (!o.cap_as4 && o.as != o.my_as2) ||
			    (!o.has_caps && (o.cap_mp_v4 || o.cap_mp_v6 ||
			    o.cap_as4 || o.cap_route_refresh ||
			    o.cap_graceful_restart)))
				abort();
		} else {
			check_notify(rc, &err, BGP_ERR_OPEN);
			if (err.code == BGP_ERR_OPEN && err.subcode > 7)
				abort();
		}
		break;
	case BGP_UPDATE:
		fz_update(m, n, false);
		fz_update(m, n, true);
		break;
	case BGP_NOTIFICATION:
		if (bgp_notification_parse(m, n, &code, &sub) != 0)
			abort();   /* framed: at least 21 bytes */
		break;
	case BGP_KEEPALIVE:
		if (n != BGP_HDR_LEN)
			abort();
		break;
	case BGP_ROUTE_REFRESH:
		rc = bgp_route_refresh_parse(m, n, &afi, &safi, &err);
		if (rc == -EPROTO) {
			check_notify(rc, &err, BGP_ERR_ROUTE_REFRESH);
			if (n == 23)
				abort();
		} else if (rc != 0 || n != 23) {
			abort();
		}
		break;
	default:
		abort();
	}
}

static void
fz_stream(const uint8_t *d, size_t size)
{
	static const size_t hdr_data_len[4] = { 0, 0, 2, 1 };
	struct bgp_notify err;
	uint16_t mlen;
	uint8_t type, *m;
	size_t off = 0;
	int rc;

	for (unsigned i = 0; i < FZ_MAX_MSGS; i++) {
		if (size - off < BGP_HDR_LEN)
			return;
		rc = bgp_hdr_check(d + off, size - off, &type, &mlen, &err);
		if (rc != 0) {
			check_notify(rc, &err, BGP_ERR_HEADER);
			/* RFC 4271 6.1: data none, the length, the type */
			if (err.subcode < 1 || err.subcode > 3 ||
			    err.data_len != hdr_data_len[err.subcode])
				abort();
			return;
		}
		if (mlen < BGP_HDR_LEN || mlen > BGP_MAX_LEN || type < 1 ||
		    type > 5)
			abort();
		if (mlen > size - off)
			return;   /* a partial message: wait for more */
		if ((m = malloc(mlen)) == NULL)
			return;
		memcpy(m, d + off, mlen);
		fz_message(m, mlen, type);
		free(m);
		off += mlen;
	}
}

static void
fz_prefix_string(const uint8_t *d, size_t size)
{
	struct bgp_prefix p, q;
	char *s = malloc(size + 1), out[64];

	if (s == NULL)
		return;
	memcpy(s, d, size);
	s[size] = '\0';
	if (bgp_prefix_parse(s, &p) == 0) {
		bgp_prefix_str(&p, out, sizeof(out));
		if (bgp_prefix_parse(out, &q) != 0 || q.family != p.family ||
		    q.len != p.len ||
		    memcmp(q.addr, p.addr, sizeof(p.addr)) != 0)
			abort();
	}
	free(s);
}

/* Parse what was built: it must frame and come back with exactly want. */
static void
fz_reparse(const struct buf *b, size_t start, bool as4, size_t nlri,
    size_t reach, size_t withdrawn, size_t unreach, int eor)
{
	struct bgp_update_info u;
	struct bgp_notify err;
	const uint8_t *m = b->data + start;
	size_t n = b->len - start;
	uint16_t mlen;
	uint8_t type;

	if (bgp_hdr_check(m, n, &type, &mlen, &err) != 0 ||
	    type != BGP_UPDATE || mlen != n)
		abort();
	if (bgp_update_parse(m, mlen, as4, &u, &err) != 0 ||
	    u.treat_as_withdraw || u.n_discarded || u.n_nlri != nlri ||
	    u.n_mp_reach != reach || u.n_withdrawn != withdrawn ||
	    u.n_mp_unreach != unreach || u.is_eor_v4 != (eor == AF_INET) ||
	    u.is_eor_v6 != (eor == AF_INET6))
		abort();
}

/* An OPEN and a NOTIFICATION built from the input parse back the same. */
static void
fz_build_open_notification(const uint8_t *data, size_t size)
{
	const uint8_t *d = data + size - 24;
	struct bgp_open_params op;
	struct bgp_open_info o;
	struct bgp_notify err;
	struct buf b;
	uint16_t mlen;
	uint8_t type, code, sub;
	size_t n;
	bool refused;
	int rc;

	memset(&op, 0, sizeof(op));
	op.my_as = (uint32_t)d[18] << 24 | (uint32_t)d[19] << 16 |
	    (uint32_t)d[20] << 8 | d[21];
	op.hold_s = (uint16_t)(d[1] << 8 | d[2]);
	op.bgp_id = (uint32_t)d[3] << 24 | (uint32_t)d[4] << 16 |
	    (uint32_t)d[5] << 8 | d[6];
	op.mp_v4 = d[0] & 0x10;
	op.mp_v6 = d[0] & 0x20;
	op.graceful_restart = d[0] & 0x40;
	op.restart_time_s = (uint16_t)(d[22] << 8 | d[23]) & 0x1fff;
	buf_init(&b, 3 * BGP_MAX_LEN);
	rc = bgp_build_open(&b, &op);
	refused = op.hold_s == 1 || op.hold_s == 2 || op.bgp_id == 0 ||
	    op.my_as == 0 || (!op.mp_v4 && !op.mp_v6) ||
	    (op.graceful_restart && op.restart_time_s > 4095);
	if (refused != (rc == -EINVAL))
		abort();
	if (rc == 0) {
		if (bgp_hdr_check(b.data, b.len, &type, &mlen, &err) != 0 ||
		    type != BGP_OPEN || mlen != b.len ||
		    bgp_open_parse(b.data, b.len, &o, &err) != 0 ||
		    o.as != op.my_as || o.hold_s != op.hold_s ||
		    o.bgp_id != op.bgp_id || !o.has_caps || !o.cap_as4 ||
		    !o.cap_route_refresh || o.cap_mp_v4 != op.mp_v4 ||
		    o.cap_mp_v6 != op.mp_v6 ||
		    o.cap_graceful_restart != op.graceful_restart ||
		    o.my_as2 != (op.my_as > 0xffff ? BGP_AS_TRANS : op.my_as))
			abort();
	} else if (rc != -EINVAL || b.len != 0) {
		abort();
	}
	buf_reset(&b);
	n = size;
	rc = bgp_build_notification(&b, d[2], d[3], data, n);
	if (n > BGP_MAX_LEN - 21) {
		if (rc != -EMSGSIZE || b.len != 0)
			abort();
	} else if (rc != 0 ||
	    bgp_hdr_check(b.data, b.len, &type, &mlen, &err) != 0 ||
	    type != BGP_NOTIFICATION || mlen != 21 + n ||
	    bgp_notification_parse(b.data, b.len, &code, &sub) != 0 ||
	    code != d[2] || sub != d[3] || memcmp(b.data + 21, data, n) != 0) {
		abort();
	}
	buf_fini(&b);
}

/*
 * The last 24 input bytes choose what to build: message tails (prefixes,
 * capabilities, attribute values) vary far more than their first bytes,
 * which are the marker in every corpus file.
 */
static void
fz_build(const uint8_t *data, size_t size)
{
	const uint8_t *d = data + size - 24;
	struct bgp_prefix p;
	struct bgp_attrs a;
	struct buf b;
	size_t i, start;
	bool v6;
	int rc;

	memset(&p, 0, sizeof(p));
	memset(&a, 0, sizeof(a));
	v6 = d[0] & 1;
	p.family = v6 ? AF_INET6 : AF_INET;
	p.len = (uint8_t)(d[1] % (v6 ? 129 : 33));
	/* host bits are left in: the builder must clear them */
	memcpy(p.addr, d + 2, v6 ? 16 : 4);
	a.as4 = d[0] & 2;
	a.ibgp = d[0] & 4;
	a.has_med = d[0] & 8;
	a.local_as = (uint32_t)d[18] << 24 | (uint32_t)d[19] << 16 |
	    (uint32_t)d[20] << 8 | d[21];
	if (a.local_as == 0)
		a.local_as = 65010;
	a.prepend = d[22] % 200;
	a.n_communities = d[23] % (BGP_MAX_COMMUNITIES + 1);
	a.n_large = (d[23] >> 2) % (BGP_MAX_LARGE + 1);
	for (i = 0; i < a.n_communities; i++)
		a.communities[i] = (uint32_t)i * 0x10001u + d[1];
	for (i = 0; i < a.n_large; i++)
		a.large[i] = (struct bgp_large_community){ a.local_as,
			(uint32_t)i, d[0] };
	a.med = d[1];
	a.next_hop_v4.s_addr = htonl(0xc0000202);
	memset(&a.next_hop_v6, 0, sizeof(a.next_hop_v6));
	a.next_hop_v6.s6_addr[0] = 0x20;
	a.next_hop_v6.s6_addr[15] = 2;

	buf_init(&b, 3 * BGP_MAX_LEN);
	/* A message already in the buffer must be left alone. */
	if (bgp_build_keepalive(&b) != 0)
		abort();
	start = b.len;
	/* 200 copies of a 4-byte ASN and every community fit in 4096 bytes. */
	if ((rc = bgp_build_announce(&b, &p, &a)) != 0)
		abort();
	fz_reparse(&b, start, a.as4, !v6, v6, 0, 0, 0);
	b.len = start;
	if (bgp_build_withdraw(&b, &p) != 0)
		abort();
	fz_reparse(&b, start, a.as4, 0, 0, !v6, v6, 0);
	b.len = start;
	if (bgp_build_eor(&b, p.family) != 0)
		abort();
	fz_reparse(&b, start, a.as4, 0, 0, 0, 0, p.family);
	if (b.data[0] != 0xff || b.data[18] != BGP_KEEPALIVE)
		abort();
	buf_fini(&b);
	fz_build_open_notification(data, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_stream(data, size);
	fz_prefix_string(data, size);
	if (size >= 24)
		fz_build(data, size);
	return 0;
}
