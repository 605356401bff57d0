/*
 * bgp_wire: the BGP-4 message codec; bgp_wire.h is the contract.
 *
 * Design: parsers read a whole, already framed message through a bounded
 * cursor (rd.h); every length-prefixed part (withdrawn routes, the
 * attribute list, each attribute, each optional parameter and capability,
 * MP_REACH's next hop) is parsed inside its own rd_sub. Each check names its
 * error class: session reset (-EPROTO and *err), treat-as-withdraw or
 * attribute discard (RFC 7606 2; reported in bgp_update_info). Builders
 * append with the sticky buf writers, patch the length last, and roll the
 * buffer back on any failure.
 *
 * Specs: RFC 4271 4.1-4.5, 5, 6.1-6.3; RFC 4760 3, 4, 7; RFC 5492 4;
 * RFC 6793 3, 4.2, 6; RFC 2918 3 with RFC 7313 5; RFC 4724 2, 3; RFC 1997;
 * RFC 8092 6; RFC 9072 2, 3 (extended optional parameters, parsed);
 * RFC 7606 3-5, 7; RFC 7607 (AS 0); RFC 6286 2.1 (BGP Identifier).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "bgp_wire.h"
#include "rd.h"

#define BGP_MARKER_LEN 16
#define BGP_OPEN_MIN_LEN 29
#define BGP_UPDATE_MIN_LEN 23
#define BGP_NOTIFICATION_MIN_LEN 21
#define BGP_ROUTE_REFRESH_LEN 23

/* Optional parameters (RFC 5492 4, RFC 9072 2) and capability codes. */
#define OPT_CAPABILITIES 2
#define OPT_EXTENDED 255
#define CAP_MP 1
#define CAP_ROUTE_REFRESH 2
#define CAP_GRACEFUL_RESTART 64
#define CAP_AS4 65
#define GR_DEFAULT_RESTART_S 120
#define GR_MAX_RESTART_S 4095 /* RFC 4724 3: 12 bits */

/* Attribute flags (RFC 4271 4.3). */
#define AF_OPTIONAL 0x80
#define AF_TRANSITIVE 0x40
#define AF_EXTLEN 0x10
#define AF_WELL_KNOWN AF_TRANSITIVE
#define AF_OPT_TRANS (AF_OPTIONAL | AF_TRANSITIVE)
#define AF_OPT_NONTRANS AF_OPTIONAL

enum attr_type {
	A_ORIGIN = 1,
	A_AS_PATH = 2,
	A_NEXT_HOP = 3,
	A_MED = 4,
	A_LOCAL_PREF = 5,
	A_ATOMIC_AGGREGATE = 6,
	A_AGGREGATOR = 7,
	A_COMMUNITIES = 8,
	A_ORIGINATOR_ID = 9,
	A_CLUSTER_LIST = 10,
	A_MP_REACH = 14,
	A_MP_UNREACH = 15,
	A_EXT_COMMUNITIES = 16,
	A_AS4_PATH = 17,
	A_AS4_AGGREGATOR = 18,
	A_IPV6_EXT_COMMUNITIES = 25,
	A_LARGE_COMMUNITY = 32,
};

/* AS_PATH segment types (RFC 4271 4.3, RFC 5065 3). */
#define AS_SET 1
#define AS_SEQUENCE 2
#define AS_CONFED_SEQUENCE 3
#define AS_CONFED_SET 4
#define AS_SEG_MAX 255

/* UPDATE error subcodes (RFC 4271 6.3). */
#define UPD_MALFORMED_LIST 1
#define UPD_UNRECOGNIZED_WK 2
#define UPD_MISSING_WK 3
#define UPD_FLAGS 4
#define UPD_LENGTH 5
#define UPD_ORIGIN 6
#define UPD_OPTIONAL 9
#define UPD_NETWORK 10
#define UPD_AS_PATH 11

/* RFC 4271 4.1: all ones. */
static const uint8_t bgp_marker[BGP_MARKER_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

static int notify(struct bgp_notify *err, uint8_t code, uint8_t subcode,
    const void *data, size_t data_len, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Fill *err for a session reset; data is copied, truncated to err->data. */
static int
notify(struct bgp_notify *err, uint8_t code, uint8_t subcode, const void *data,
    size_t data_len, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	err->subcode = subcode;
	if (data_len > sizeof(err->data))
		data_len = sizeof(err->data);
	if (data_len)
		memcpy(err->data, data, data_len);
	err->data_len = data_len;
	va_start(ap, fmt);
	vsnprintf(err->why, sizeof(err->why), fmt, ap);
	va_end(ap);
	return -EPROTO;
}

/* ---- prefixes -------------------------------------------------------- */

static unsigned
family_bits(int family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
}

int
bgp_prefix_parse(const char *s, struct bgp_prefix *p)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash, *d;
	unsigned len = 0, bits, i;
	struct bgp_prefix t;

	memset(&t, 0, sizeof(t));
	if (s == NULL || (slash = strchr(s, '/')) == NULL ||
	    (size_t)(slash - s) >= sizeof(addr) || slash == s)
		return -EINVAL;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (inet_pton(AF_INET, addr, t.addr) == 1)
		t.family = AF_INET;
	else if (inet_pton(AF_INET6, addr, t.addr) == 1)
		t.family = AF_INET6;
	else
		return -EINVAL;
	bits = family_bits(t.family);
	/* Plain decimal, no sign, no leading zero, at most 3 digits. */
	d = slash + 1;
	if (d[0] == '\0' || (d[0] == '0' && d[1] != '\0'))
		return -EINVAL;
	for (i = 0; d[i] != '\0'; i++) {
		if (d[i] < '0' || d[i] > '9' || i >= 3)
			return -EINVAL;
		len = len * 10 + (unsigned)(d[i] - '0');
	}
	if (len > bits)
		return -EINVAL;
	/* Host bits set means a typo in the configuration, not a prefix. */
	for (i = len; i < bits; i++)
		if (t.addr[i / 8] & (0x80 >> (i % 8)))
			return -EINVAL;
	t.len = (uint8_t)len;
	*p = t;
	return 0;
}

void
bgp_prefix_str(const struct bgp_prefix *p, char *out, size_t outlen)
{
	char addr[INET6_ADDRSTRLEN];

	if (outlen == 0)
		return;
	if (family_bits(p->family) == 0 || p->len > family_bits(p->family) ||
	    inet_ntop(p->family, p->addr, addr, sizeof(addr)) == NULL) {
		snprintf(out, outlen, "?");
		return;
	}
	snprintf(out, outlen, "%s/%u", addr, p->len);
}

/*
 * Walk a run of <length, prefix> (RFC 4271 4.3, RFC 4760 5) counting
 * prefixes. Trailing bits past the length are not checked: RFC 4271 4.3
 * says their value is irrelevant.
 */
static int
nlri_walk(struct rd *r, unsigned max_bits, size_t *n, char *why, size_t why_len)
{
	uint8_t plen;

	while (r->left) {
		rd_u8(r, &plen);
		if (plen > max_bits) {
			snprintf(why, why_len, "prefix length %u > %u", plen,
			    max_bits);
			return -EPROTO;
		}
		if (rd_skip(r, (plen + 7u) / 8) != 0) {
			snprintf(why, why_len, "/%u prefix truncated", plen);
			return -EPROTO;
		}
		(*n)++;
	}
	return 0;
}

/* ---- header, OPEN, NOTIFICATION, ROUTE-REFRESH ------------------------ */

int
bgp_hdr_check(const uint8_t *buf, size_t len, uint8_t *type, uint16_t *msg_len,
    struct bgp_notify *err)
{
	uint8_t marker[BGP_MARKER_LEN], t;
	uint16_t mlen;
	size_t min = BGP_HDR_LEN;
	struct rd r;

	memset(err, 0, sizeof(*err));
	if (len < BGP_HDR_LEN)
		return -EAGAIN;
	rd_init(&r, buf, len);
	rd_bytes(&r, marker, sizeof(marker));
	rd_be16(&r, &mlen);
	rd_u8(&r, &t);
	/* RFC 4271 6.1: marker all ones, else Connection Not Synchronized. */
	if (memcmp(marker, bgp_marker, sizeof(marker)) != 0)
		return notify(err, BGP_ERR_HEADER, 1, NULL, 0,
		    "marker not all ones");
	/* RFC 4271 6.1: 19 <= length <= 4096; data is the length field. */
	if (mlen < BGP_HDR_LEN || mlen > BGP_MAX_LEN)
		return notify(err, BGP_ERR_HEADER, 2, buf + BGP_MARKER_LEN, 2,
		    "message length %u outside 19..4096", mlen);
	switch (t) {
	case BGP_OPEN:
		min = BGP_OPEN_MIN_LEN;
		break;
	case BGP_UPDATE:
		min = BGP_UPDATE_MIN_LEN;
		break;
	case BGP_NOTIFICATION:
		min = BGP_NOTIFICATION_MIN_LEN;
		break;
	case BGP_KEEPALIVE:
		/* RFC 4271 6.1: a KEEPALIVE is exactly 19 bytes. */
		if (mlen != BGP_HDR_LEN)
			return notify(err, BGP_ERR_HEADER, 2,
			    buf + BGP_MARKER_LEN, 2,
			    "KEEPALIVE length %u, not 19", mlen);
		break;
	case BGP_ROUTE_REFRESH:
		/*
		 * RFC 7313 5: a ROUTE-REFRESH of the wrong length is a 7/1
		 * error carrying the whole message, not a header error, so
		 * bgp_route_refresh_parse judges its length.
		 */
		break;
	default:
		/* RFC 4271 6.1: Bad Message Type; data is the type field. */
		return notify(err, BGP_ERR_HEADER, 3, &t, 1,
		    "unknown message type %u", t);
	}
	/* RFC 4271 6.1: under the type's minimum is Bad Message Length. */
	if (mlen < min)
		return notify(err, BGP_ERR_HEADER, 2, buf + BGP_MARKER_LEN, 2,
		    "type %u message length %u < %zu", t, mlen, min);
	*type = t;
	*msg_len = mlen;
	return 0;
}

/* RFC 5492 4: one Capabilities optional parameter, parsed inside its body. */
static int
open_caps(struct rd *r, struct bgp_open_info *o, struct bgp_notify *err)
{
	uint8_t code, clen, res, safi;
	uint16_t afi;
	uint32_t as4;
	struct rd c;

	o->has_caps = true;
	while (r->left) {
		/* RFC 4271 6.2: a recognized but malformed parameter is 2/0. */
		if (rd_u8(r, &code) != 0 || rd_u8(r, &clen) != 0)
			return notify(err, BGP_ERR_OPEN, 0, NULL, 0,
			    "capability header truncated");
		if (rd_sub(r, clen, &c) != 0)
			return notify(err, BGP_ERR_OPEN, 0, NULL, 0,
			    "capability %u length %u overruns its parameter",
			    code, clen);
		switch (code) {
		case CAP_MP:
			/* RFC 4760 8: AFI, reserved, SAFI: 4 bytes. */
			if (clen != 4)
				return notify(err, BGP_ERR_OPEN, 0, NULL, 0,
				    "multiprotocol capability length %u, not 4",
				    clen);
			rd_be16(&c, &afi);
			rd_u8(&c, &res);
			rd_u8(&c, &safi);
			if (afi == BGP_AFI_IPV4 && safi == BGP_SAFI_UNICAST)
				o->cap_mp_v4 = true;
			else if (afi == BGP_AFI_IPV6 &&
			    safi == BGP_SAFI_UNICAST)
				o->cap_mp_v6 = true;
			break;
		case CAP_ROUTE_REFRESH:
			/* RFC 2918 2: length 0. */
			if (clen != 0)
				return notify(err, BGP_ERR_OPEN, 0, NULL, 0,
				    "route refresh capability length %u, not 0",
				    clen);
			o->cap_route_refresh = true;
			break;
		case CAP_GRACEFUL_RESTART:
			/* RFC 4724 3: flags, time, 4 bytes per AFI/SAFI. */
			if (clen < 2 || (clen - 2) % 4 != 0)
				return notify(err, BGP_ERR_OPEN, 0, NULL, 0,
				    "graceful restart capability length %u",
				    clen);
			o->cap_graceful_restart = true;
			break;
		case CAP_AS4:
			/* RFC 6793 3: the 4-octet AS, 4 bytes. */
			if (clen != 4)
				return notify(err, BGP_ERR_OPEN, 0, NULL, 0,
				    "4-octet AS capability length %u, not 4",
				    clen);
			rd_be32(&c, &as4);
			/* RFC 7607 3: AS 0 in OPEN is Bad Peer AS. */
			if (as4 == 0)
				return notify(err, BGP_ERR_OPEN, 2, NULL, 0,
				    "4-octet AS capability carries AS 0");
			if (!o->cap_as4)
				o->as = as4;
			o->cap_as4 = true;
			break;
		default:
			/* RFC 5492 4: unknown capabilities are ignored. */
			break;
		}
	}
	return 0;
}

int
bgp_open_parse(const uint8_t *msg, size_t len, struct bgp_open_info *o,
    struct bgp_notify *err)
{
	static const uint8_t version_data[2] = { 0, 4 };
	uint8_t opt_len, ptype, plen8, first;
	uint16_t plen, ext_len;
	bool is_ext = false;
	struct rd r, params, p;
	int rc;

	memset(o, 0, sizeof(*o));
	memset(err, 0, sizeof(*err));
	rd_init(&r, msg, len);
	if (len < BGP_OPEN_MIN_LEN || rd_skip(&r, BGP_HDR_LEN) != 0) {
		uint8_t l[2] = { (uint8_t)(len >> 8), (uint8_t)len };
		return notify(err, BGP_ERR_HEADER, 2, l, 2,
		    "OPEN shorter than 29 bytes");
	}
	rd_u8(&r, &o->version);
	rd_be16(&r, &o->my_as2);
	rd_be16(&r, &o->hold_s);
	rd_be32(&r, &o->bgp_id);
	rd_u8(&r, &opt_len);
	o->as = o->my_as2;
	/* RFC 4271 6.2: data is the version we speak, as 2 bytes. */
	if (o->version != 4)
		return notify(err, BGP_ERR_OPEN, 1, version_data, 2,
		    "version %u, we speak 4", o->version);
	/* RFC 7607 3: AS 0 is Bad Peer AS. */
	if (o->my_as2 == 0)
		return notify(err, BGP_ERR_OPEN, 2, NULL, 0, "peer AS 0");
	/* RFC 4271 6.2: hold time 1 or 2 MUST be refused. */
	if (o->hold_s == 1 || o->hold_s == 2)
		return notify(err, BGP_ERR_OPEN, 6, NULL, 0, "hold time %u s",
		    o->hold_s);
	/* RFC 6286 2.1: the identifier is a nonzero 32-bit number. */
	if (o->bgp_id == 0)
		return notify(err, BGP_ERR_OPEN, 3, NULL, 0,
		    "BGP identifier 0");

	/*
	 * RFC 9072 2: a nonzero Non-Ext OP Len followed by type 255 marks the
	 * extended encoding: the Non-Ext OP Len is then ignored, a 2-byte
	 * length follows, and every parameter has a 2-byte length.
	 */
	if (opt_len != 0 && rd_peek_u8(&r, &first) == 0 &&
	    first == OPT_EXTENDED) {
		rd_skip(&r, 1);
		if (rd_be16(&r, &ext_len) != 0)
			return notify(err, BGP_ERR_OPEN, 0, NULL, 0,
			    "extended optional parameters length truncated");
		is_ext = true;
		plen = ext_len;
	} else {
		plen = opt_len;
	}
	/* RFC 4271 4.2: the parameters fill the rest of the message exactly. */
	if (rd_sub(&r, plen, &params) != 0)
		return notify(err, BGP_ERR_OPEN, 0, NULL, 0,
		    "optional parameters length %u overruns the message by %zu",
		    plen, plen - r.left);
	if (r.left != 0)
		return notify(err, BGP_ERR_OPEN, 0, NULL, 0,
		    "%zu bytes after the optional parameters", r.left);
	while (params.left) {
		/* RFC 4271 6.2: a malformed parameter is 2/0 (Unspecific). */
		if (rd_u8(&params, &ptype) != 0)
			return notify(err, BGP_ERR_OPEN, 0, NULL, 0,
			    "optional parameter truncated");
		if (is_ext) {
			if (rd_be16(&params, &plen) != 0)
				return notify(err, BGP_ERR_OPEN, 0, NULL, 0,
				    "optional parameter header truncated");
		} else {
			if (rd_u8(&params, &plen8) != 0)
				return notify(err, BGP_ERR_OPEN, 0, NULL, 0,
				    "optional parameter header truncated");
			plen = plen8;
		}
		if (rd_sub(&params, plen, &p) != 0)
			return notify(err, BGP_ERR_OPEN, 0, NULL, 0,
			    "optional parameter %u length %u overruns the list",
			    ptype, plen);
		/*
		 * RFC 4271 6.2: an unrecognized parameter is 2/4. That covers
		 * type 1 (authentication, deprecated by RFC 5492) and 255 used
		 * anywhere but as the RFC 9072 marker (RFC 9072 3).
		 */
		if (ptype != OPT_CAPABILITIES)
			return notify(err, BGP_ERR_OPEN, 4, NULL, 0,
			    "unsupported optional parameter %u", ptype);
		if ((rc = open_caps(&p, o, err)) != 0)
			return rc;
	}
	return 0;
}

int
bgp_notification_parse(const uint8_t *msg, size_t len, uint8_t *code,
    uint8_t *subcode)
{
	struct rd r;

	/* RFC 4271 4.5: header, code, subcode, then data to the end. */
	rd_init(&r, msg, len);
	if (len < BGP_NOTIFICATION_MIN_LEN || rd_skip(&r, BGP_HDR_LEN) != 0)
		return -EPROTO;
	rd_u8(&r, code);
	rd_u8(&r, subcode);
	return 0;
}

int
bgp_route_refresh_parse(const uint8_t *msg, size_t len, uint16_t *afi,
    uint8_t *safi, struct bgp_notify *err)
{
	struct rd r;

	memset(err, 0, sizeof(*err));
	/* RFC 7313 5: a body that is not 4 bytes is 7/1 with the message. */
	if (len != BGP_ROUTE_REFRESH_LEN)
		return notify(err, BGP_ERR_ROUTE_REFRESH, 1, msg, len,
		    "ROUTE-REFRESH length %zu, not 23", len);
	rd_init(&r, msg, len);
	rd_skip(&r, BGP_HDR_LEN);
	rd_be16(&r, afi);
	/*
	 * RFC 7313 3: BoRR and EoRR (subtypes 1 and 2) are sent only to a
	 * peer that advertised enhanced route refresh, which we never do, so
	 * the subtype byte is skipped: every ROUTE-REFRESH is a request.
	 */
	rd_skip(&r, 1);
	rd_u8(&r, safi);
	return 0;
}

/* ---- UPDATE ---------------------------------------------------------- */

/*
 * UPDATE (RFC 4271 4.3, 6.3 as RFC 7606 revises it). Choices beyond the
 * per-attribute rules of RFC 7606 7, each also noted where it is made:
 *  - Framing errors inside the attribute list (section 4) are
 *    treat-as-withdraw; the NLRI field is found through Total Path Attribute
 *    Length. With no reachable NLRI seen (no NLRI field, no MP_REACH_NLRI
 *    parsed before the error) section 5.2 turns this, and every other
 *    non-discard error, into a session reset (BIRD does the same).
 *  - A malformed MP_REACH_NLRI / MP_UNREACH_NLRI (too short, next hop length
 *    that does not fit the AFI, a bad prefix inside) resets with 3/9
 *    Optional Attribute Error, as RFC 4760 7 names it and BIRD sends;
 *    section 7.11 rules out treat-as-withdraw because the NLRI cannot be
 *    located.
 *  - An unrecognized attribute marked well-known is treat-as-withdraw
 *    (3/2 pending), as BIRD does, rather than RFC 4271's reset.
 *  - A reset forced by section 5.2 carries the RFC 4271 6.3 subcode and
 *    data of the first error (BIRD sends 3/1 for all of them).
 *  - Only the Optional and Transitive flag bits are judged (RFC 7606 3(c)).
 */

struct attr {
	uint8_t flags, type;
	struct rd body;
	/* flags, type, length and value: the NOTIFICATION data */
	const uint8_t *raw;
	size_t raw_len;
};

struct upd {
	bool as4;
	struct bgp_update_info *u;
	struct bgp_notify *err;
	uint32_t seen[256 / 32];
	/* a treat-as-withdraw error, and its RFC 4271 NOTIFICATION in case
	 * RFC 7606 5.2 turns it into a session reset */
	bool withdraw;
	struct bgp_notify pending;
	size_t n_attrs;           /* attributes parsed, duplicates included */
	bool has_other;           /* anything but MP_UNREACH_NLRI, or junk */
	size_t mp_reach_nlri_len; /* bytes in MP_REACH_NLRI's NLRI field */
	bool has_mp_unreach;
	uint16_t unreach_afi;
	uint8_t unreach_safi;
};

static void upd_withdraw(struct upd *s, uint8_t subcode, const void *data,
    size_t data_len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void upd_discard(struct upd *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
upd_withdraw(struct upd *s, uint8_t subcode, const void *data, size_t data_len,
    const char *fmt, ...)
{
	va_list ap;

	if (s->withdraw)
		return;
	s->withdraw = true;
	s->u->treat_as_withdraw = true;
	s->pending.code = BGP_ERR_UPDATE;
	s->pending.subcode = subcode;
	if (data_len > sizeof(s->pending.data))
		data_len = sizeof(s->pending.data);
	if (data_len)
		memcpy(s->pending.data, data, data_len);
	s->pending.data_len = data_len;
	va_start(ap, fmt);
	vsnprintf(s->pending.why, sizeof(s->pending.why), fmt, ap);
	va_end(ap);
	if (s->u->why[0] == '\0')
		snprintf(s->u->why, sizeof(s->u->why), "%s", s->pending.why);
}

static void
upd_discard(struct upd *s, const char *fmt, ...)
{
	va_list ap;

	s->u->n_discarded++;
	if (s->u->why[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(s->u->why, sizeof(s->u->why), fmt, ap);
	va_end(ap);
}

/*
 * Validate an AS_PATH or AS4_PATH body (RFC 4271 4.3, RFC 7606 7.2): every
 * segment of a known type, a nonzero count, and the body consumed exactly.
 * Confederation segments are refused when !confed_ok (RFC 6793 6 for
 * AS4_PATH). Returns false when malformed.
 */
static bool
as_path_ok(struct rd body, size_t as_len, bool confed_ok)
{
	uint8_t type, count;

	while (body.left) {
		/* RFC 7606 7.2: one byte left cannot hold a segment header. */
		if (rd_u8(&body, &type) != 0 || rd_u8(&body, &count) != 0)
			return false;
		/* RFC 7606 7.2: unknown segment type or zero count. */
		if (type < AS_SET || type > AS_CONFED_SET || count == 0)
			return false;
		if (!confed_ok &&
		    (type == AS_CONFED_SEQUENCE || type == AS_CONFED_SET))
			return false;
		/* RFC 7606 7.2: the segment overruns the attribute. */
		if (rd_skip(&body, (size_t)count * as_len) != 0)
			return false;
	}
	return true;
}

/* Optional and Transitive bits as the type requires (RFC 7606 3(c)). */
static bool
flags_ok(const struct attr *a, uint8_t want)
{
	return (a->flags & AF_OPT_TRANS) == want;
}

/* MP_REACH_NLRI (RFC 4760 3); every error here resets (RFC 7606 7.11). */
static int
attr_mp_reach(struct upd *s, struct attr *a)
{
	uint16_t afi;
	uint8_t safi, nh_len, reserved;
	struct rd nh;
	size_t n = 0, value_len = a->body.left;
	char why[64];

	if (rd_be16(&a->body, &afi) != 0 || rd_u8(&a->body, &safi) != 0 ||
	    rd_u8(&a->body, &nh_len) != 0 ||
	    rd_sub(&a->body, nh_len, &nh) != 0 ||
	    rd_u8(&a->body, &reserved) != 0)
		return notify(s->err, BGP_ERR_UPDATE, UPD_OPTIONAL, a->raw,
		    a->raw_len, "MP_REACH_NLRI truncated (length %zu)",
		    value_len);
	s->mp_reach_nlri_len = a->body.left;
	if (safi != BGP_SAFI_UNICAST ||
	    (afi != BGP_AFI_IPV4 && afi != BGP_AFI_IPV6))
		return 0; /* a family we never negotiate: not counted */
	/*
	 * RFC 7606 7.11: a next hop length that does not fit the AFI leaves
	 * the NLRI unlocatable. IPv6: 16 or 32 (RFC 2545 3); IPv4: 4, or 16
	 * or 32 for an IPv6 next hop (RFC 8950 3).
	 */
	if (!(nh_len == 16 || nh_len == 32 ||
	        (afi == BGP_AFI_IPV4 && nh_len == 4)))
		return notify(s->err, BGP_ERR_UPDATE, UPD_OPTIONAL, a->raw,
		    a->raw_len, "MP_REACH_NLRI next hop length %u for AFI %u",
		    nh_len, afi);
	if (nlri_walk(&a->body, afi == BGP_AFI_IPV4 ? 32 : 128, &n, why,
	        sizeof(why)) != 0)
		return notify(s->err, BGP_ERR_UPDATE, UPD_OPTIONAL, a->raw,
		    a->raw_len, "MP_REACH_NLRI: %s", why);
	s->u->n_mp_reach += n;
	return 0;
}

/*
 * MP_UNREACH_NLRI (RFC 4760 4). Errors reset as for MP_REACH_NLRI: a field
 * of withdrawals that cannot be parsed cannot be withdrawn (RFC 7606 5.3).
 */
static int
attr_mp_unreach(struct upd *s, struct attr *a)
{
	uint16_t afi;
	uint8_t safi;
	size_t n = 0;
	char why[64];

	if (rd_be16(&a->body, &afi) != 0 || rd_u8(&a->body, &safi) != 0)
		return notify(s->err, BGP_ERR_UPDATE, UPD_OPTIONAL, a->raw,
		    a->raw_len, "MP_UNREACH_NLRI truncated (length %zu)",
		    a->raw_len - (a->flags & AF_EXTLEN ? 4 : 3));
	s->has_mp_unreach = true;
	s->unreach_afi = afi;
	s->unreach_safi = safi;
	if (safi != BGP_SAFI_UNICAST ||
	    (afi != BGP_AFI_IPV4 && afi != BGP_AFI_IPV6))
		return 0;
	if (nlri_walk(&a->body, afi == BGP_AFI_IPV4 ? 32 : 128, &n, why,
	        sizeof(why)) != 0)
		return notify(s->err, BGP_ERR_UPDATE, UPD_OPTIONAL, a->raw,
		    a->raw_len, "MP_UNREACH_NLRI: %s", why);
	s->u->n_mp_unreach += n;
	return 0;
}

/*
 * A fixed-size or list attribute: length exactly fixed (per == 0) or a
 * nonzero multiple of per. On a mismatch: attribute discard when discard,
 * else treat-as-withdraw with 3/5 (RFC 4271 6.3 Attribute Length Error).
 */
static void
attr_len(struct upd *s, const struct attr *a, size_t fixed, size_t per,
    bool discard, const char *name, const char *rfc)
{
	size_t n = a->body.left;
	bool ok = per ? n != 0 && n % per == 0 : n == fixed;

	if (ok)
		return;
	if (discard)
		upd_discard(s, "%s length %zu discarded (%s)", name, n, rfc);
	else
		upd_withdraw(s, UPD_LENGTH, a->raw, a->raw_len,
		    "%s length %zu: treat-as-withdraw (%s)", name, n, rfc);
}

static const char *
attr_name(uint8_t type)
{
	switch (type) {
	case A_ORIGIN:
		return "ORIGIN";
	case A_AS_PATH:
		return "AS_PATH";
	case A_NEXT_HOP:
		return "NEXT_HOP";
	case A_MED:
		return "MULTI_EXIT_DISC";
	case A_LOCAL_PREF:
		return "LOCAL_PREF";
	case A_ATOMIC_AGGREGATE:
		return "ATOMIC_AGGREGATE";
	case A_AGGREGATOR:
		return "AGGREGATOR";
	case A_COMMUNITIES:
		return "COMMUNITIES";
	case A_ORIGINATOR_ID:
		return "ORIGINATOR_ID";
	case A_CLUSTER_LIST:
		return "CLUSTER_LIST";
	case A_MP_REACH:
		return "MP_REACH_NLRI";
	case A_MP_UNREACH:
		return "MP_UNREACH_NLRI";
	case A_EXT_COMMUNITIES:
		return "EXTENDED_COMMUNITIES";
	case A_AS4_PATH:
		return "AS4_PATH";
	case A_AS4_AGGREGATOR:
		return "AS4_AGGREGATOR";
	case A_IPV6_EXT_COMMUNITIES:
		return "IPV6_EXT_COMMUNITIES";
	case A_LARGE_COMMUNITY:
		return "LARGE_COMMUNITY";
	default:
		return NULL;
	}
}

/* The Optional and Transitive bits each known attribute must carry. */
static int
attr_want_flags(uint8_t type)
{
	switch (type) {
	case A_ORIGIN:
	case A_AS_PATH:
	case A_NEXT_HOP:
	case A_LOCAL_PREF:
	case A_ATOMIC_AGGREGATE:
		return AF_WELL_KNOWN;
	case A_MED:
	case A_ORIGINATOR_ID:
	case A_CLUSTER_LIST:
	case A_MP_REACH:
	case A_MP_UNREACH:
		return AF_OPT_NONTRANS;
	case A_AGGREGATOR:
	case A_COMMUNITIES:
	case A_EXT_COMMUNITIES:
	case A_AS4_PATH:
	case A_AS4_AGGREGATOR:
	case A_IPV6_EXT_COMMUNITIES:
	case A_LARGE_COMMUNITY:
		return AF_OPT_TRANS;
	default:
		return -1;
	}
}

/* Attributes whose malformation RFC 7606 7 / RFC 6793 6 answer by discard. */
static bool
attr_discardable(uint8_t type)
{
	return type == A_ATOMIC_AGGREGATE || type == A_AGGREGATOR ||
	    type == A_AS4_PATH || type == A_AS4_AGGREGATOR;
}

static bool
seen(const struct upd *s, uint8_t type)
{
	return (s->seen[type / 32] & (1u << (type % 32))) != 0;
}

/* One attribute, inside its own cursor. 0, or -EPROTO to reset. */
static int
upd_attr(struct upd *s, struct attr *a)
{
	const char *name = attr_name(a->type);
	int want = attr_want_flags(a->type);
	uint8_t origin;

	/*
	 * RFC 7606 3(g): a second MP_REACH_NLRI or MP_UNREACH_NLRI is 3/1;
	 * any other repeated attribute is discarded, the first one kept.
	 */
	if (seen(s, a->type)) {
		if (a->type == A_MP_REACH || a->type == A_MP_UNREACH)
			return notify(s->err, BGP_ERR_UPDATE,
			    UPD_MALFORMED_LIST, NULL, 0, "%s appears twice",
			    name);
		upd_discard(s,
		    "duplicate attribute %u discarded (RFC 7606 3(g))",
		    a->type);
		return 0;
	}
	s->seen[a->type / 32] |= 1u << (a->type % 32);

	if (name == NULL) {
		/*
		 * RFC 4271 6.3 would reset on an unrecognized well-known
		 * attribute (3/2); like BIRD we treat the UPDATE as a
		 * withdraw, RFC 7606's gentlest class that still drops the
		 * route. Unknown optional attributes are ignored (RFC 4271 5).
		 */
		if (!(a->flags & AF_OPTIONAL))
			upd_withdraw(s, UPD_UNRECOGNIZED_WK, a->raw, a->raw_len,
			    "unrecognized well-known attribute %u", a->type);
		return 0;
	}
	/*
	 * RFC 7606 3(c): Optional/Transitive bits in conflict make the
	 * attribute malformed, handled as that attribute's malformation is.
	 * MP_* bodies are still parsed: the NLRI must be located.
	 */
	if (!flags_ok(a, (uint8_t)want)) {
		if (attr_discardable(a->type)) {
			upd_discard(s,
			    "%s flags 0x%02x discarded (RFC 7606 3(c))", name,
			    a->flags);
			return 0;
		}
		upd_withdraw(s, UPD_FLAGS, a->raw, a->raw_len,
		    "%s flags 0x%02x, want 0x%02x (RFC 7606 3(c))", name,
		    a->flags, want);
		if (a->type != A_MP_REACH && a->type != A_MP_UNREACH)
			return 0;
	}

	switch (a->type) {
	case A_ORIGIN:
		/* RFC 7606 7.1: length 1 and a value 0..2, else withdraw. */
		if (a->body.left != 1) {
			attr_len(s, a, 1, 0, false, name, "RFC 7606 7.1");
			break;
		}
		rd_u8(&a->body, &origin);
		if (origin > 2)
			upd_withdraw(s, UPD_ORIGIN, a->raw, a->raw_len,
			    "ORIGIN value %u: treat-as-withdraw (RFC 7606 7.1)",
			    origin);
		break;
	case A_AS_PATH:
		/* RFC 7606 7.2: malformed segments are treat-as-withdraw. */
		if (!as_path_ok(a->body, s->as4 ? 4 : 2, true))
			upd_withdraw(s, UPD_AS_PATH, a->raw, a->raw_len,
			    "malformed AS_PATH (%zu bytes, %s ASNs): "
			    "treat-as-withdraw (RFC 7606 7.2)",
			    a->body.left, s->as4 ? "4-byte" : "2-byte");
		break;
	case A_NEXT_HOP:
		/* RFC 7606 7.3: length 4; semantics are the caller's. */
		attr_len(s, a, 4, 0, false, name, "RFC 7606 7.3");
		break;
	case A_MED:
		attr_len(s, a, 4, 0, false, name, "RFC 7606 7.4");
		break;
	case A_LOCAL_PREF:
		/*
		 * RFC 7606 7.5: from iBGP a bad length is treat-as-withdraw;
		 * from eBGP the attribute is discarded anyway. We do not know
		 * which, and withdraw (the route is only counted).
		 */
		attr_len(s, a, 4, 0, false, name, "RFC 7606 7.5");
		break;
	case A_ATOMIC_AGGREGATE:
		attr_len(s, a, 0, 0, true, name, "RFC 7606 7.6");
		break;
	case A_AGGREGATOR:
		/* RFC 7606 7.7: 6 bytes, or 8 once 4-octet AS is negotiated. */
		attr_len(s, a, s->as4 ? 8 : 6, 0, true, name, "RFC 7606 7.7");
		break;
	case A_COMMUNITIES:
		attr_len(s, a, 0, 4, false, name, "RFC 7606 7.8");
		break;
	case A_ORIGINATOR_ID:
		attr_len(s, a, 4, 0, false, name, "RFC 7606 7.9");
		break;
	case A_CLUSTER_LIST:
		attr_len(s, a, 0, 4, false, name, "RFC 7606 7.10");
		break;
	case A_MP_REACH:
		return attr_mp_reach(s, a);
	case A_MP_UNREACH:
		return attr_mp_unreach(s, a);
	case A_EXT_COMMUNITIES:
		attr_len(s, a, 0, 8, false, name, "RFC 7606 7.14");
		break;
	case A_IPV6_EXT_COMMUNITIES:
		attr_len(s, a, 0, 20, false, name, "RFC 7606 7.15");
		break;
	case A_LARGE_COMMUNITY:
		attr_len(s, a, 0, 12, false, name, "RFC 8092 6");
		break;
	case A_AS4_PATH:
		/*
		 * RFC 6793 6: between NEW speakers AS4_PATH is discarded; from
		 * an OLD one a malformed AS4_PATH is discarded as well.
		 */
		if (s->as4)
			upd_discard(s,
			    "AS4_PATH on a 4-octet AS session discarded "
			    "(RFC 6793 6)");
		else if (!as_path_ok(a->body, 4, false))
			upd_discard(s, "malformed AS4_PATH discarded "
			    "(RFC 6793 6)");
		break;
	case A_AS4_AGGREGATOR:
		if (s->as4)
			upd_discard(s,
			    "AS4_AGGREGATOR on a 4-octet AS session "
			    "discarded (RFC 6793 6)");
		else
			attr_len(s, a, 8, 0, true, name, "RFC 6793 6");
		break;
	}
	return 0;
}

/*
 * Walk the attribute list. A framing error (RFC 7606 4) stops the walk and
 * is treat-as-withdraw: what follows cannot be read, but Total Path
 * Attribute Length still locates the NLRI field.
 */
static int
upd_attrs(struct upd *s, struct rd *list)
{
	struct rd hdr, whole;
	uint8_t len8;
	uint16_t alen;
	size_t hdr_len;
	struct attr a;
	int rc;

	while (list->left) {
		/* Read the header through a copy; carve once it is sized. */
		hdr = *list;
		rd_u8(&hdr, &a.flags);
		hdr_len = a.flags & AF_EXTLEN ? 4 : 3;
		/* RFC 7606 4: under 3 (4 with extended length) bytes left. */
		if (list->left < hdr_len) {
			s->has_other = true;
			upd_withdraw(s, UPD_MALFORMED_LIST, NULL, 0,
			    "attribute list framing: %zu trailing bytes "
			    "(RFC 7606 4)", list->left);
			return 0;
		}
		rd_u8(&hdr, &a.type);
		if (a.flags & AF_EXTLEN) {
			rd_be16(&hdr, &alen);
		} else {
			rd_u8(&hdr, &len8);
			alen = len8;
		}
		/* RFC 7606 4: it overruns Total Path Attribute Length. */
		if (rd_sub(list, hdr_len + alen, &whole) != 0) {
			s->has_other = true;
			upd_withdraw(s, UPD_MALFORMED_LIST, NULL, 0,
			    "attribute %u length %u overruns the list by %zu "
			    "(RFC 7606 4)", a.type, alen,
			    hdr_len + alen - list->left);
			return 0;
		}
		a.raw = whole.p;
		a.raw_len = whole.left;
		rd_skip(&whole, hdr_len);
		a.body = whole;
		s->n_attrs++;
		if (a.type != A_MP_UNREACH)
			s->has_other = true;
		if ((rc = upd_attr(s, &a)) != 0)
			return rc;
	}
	return 0;
}

int
bgp_update_parse(const uint8_t *msg, size_t len, bool as4,
    struct bgp_update_info *u, struct bgp_notify *err)
{
	struct upd s;
	struct rd r, withdrawn, attrs;
	uint16_t wlen, alen;
	uint8_t type;
	bool has_reach;
	char why[64];
	int rc;

	memset(u, 0, sizeof(*u));
	memset(err, 0, sizeof(*err));
	memset(&s, 0, sizeof(s));
	s.as4 = as4;
	s.u = u;
	s.err = err;
	rd_init(&r, msg, len);
	if (len < BGP_UPDATE_MIN_LEN || rd_skip(&r, BGP_HDR_LEN) != 0) {
		uint8_t l[2] = { (uint8_t)(len >> 8), (uint8_t)len };
		return notify(err, BGP_ERR_HEADER, 2, l, 2,
		    "UPDATE shorter than 23 bytes");
	}
	/*
	 * RFC 4271 6.3 (kept by RFC 7606 4): lengths that do not fit the
	 * message are Malformed Attribute List, a session reset.
	 */
	rd_be16(&r, &wlen);
	if (rd_sub(&r, wlen, &withdrawn) != 0 || rd_be16(&r, &alen) != 0)
		return notify(err, BGP_ERR_UPDATE, UPD_MALFORMED_LIST, NULL, 0,
		    "withdrawn routes length %u overruns the message", wlen);
	if (rd_sub(&r, alen, &attrs) != 0)
		return notify(err, BGP_ERR_UPDATE, UPD_MALFORMED_LIST, NULL, 0,
		    "total path attribute length %u overruns the message "
		    "by %zu", alen, alen - r.left);

	/* RFC 4271 6.3, RFC 7606 5.3: a bad prefix is Invalid Network Field. */
	if (nlri_walk(&withdrawn, 32, &u->n_withdrawn, why, sizeof(why)) != 0)
		return notify(err, BGP_ERR_UPDATE, UPD_NETWORK, NULL, 0,
		    "withdrawn routes: %s", why);
	if ((rc = upd_attrs(&s, &attrs)) != 0)
		return rc;
	if (nlri_walk(&r, 32, &u->n_nlri, why, sizeof(why)) != 0)
		return notify(err, BGP_ERR_UPDATE, UPD_NETWORK, NULL, 0,
		    "NLRI: %s", why);

	has_reach = u->n_nlri > 0 || s.mp_reach_nlri_len > 0;
	/*
	 * RFC 7606 3(d): a missing well-known mandatory attribute is
	 * treat-as-withdraw; they are mandatory only with reachable NLRI,
	 * NEXT_HOP only for the NLRI field (RFC 4760 3). Data: the type code
	 * (RFC 4271 6.3).
	 */
	if (has_reach && !s.withdraw) {
		static const uint8_t mandatory[] = { A_ORIGIN, A_AS_PATH,
			A_NEXT_HOP };

		for (size_t i = 0; i < sizeof(mandatory); i++) {
			type = mandatory[i];
			if (type == A_NEXT_HOP && u->n_nlri == 0)
				continue;
			if (!seen(&s, type)) {
				upd_withdraw(&s, UPD_MISSING_WK, &type, 1,
				    "missing %s: treat-as-withdraw "
				    "(RFC 7606 3(d))", attr_name(type));
				break;
			}
		}
	}
	/*
	 * RFC 7606 5.2: with attributes other than MP_UNREACH_NLRI but no
	 * reachable NLRI we cannot be sure the NLRI was parsed correctly, so
	 * any error beyond attribute discard resets.
	 */
	if (s.withdraw && !has_reach && s.has_other) {
		*err = s.pending;
		return -EPROTO;
	}

	/* RFC 4724 2: End-of-RIB is an empty UPDATE for IPv4 unicast... */
	u->is_eor_v4 = len == BGP_UPDATE_MIN_LEN;
	/* ...and an UPDATE with only an empty MP_UNREACH_NLRI otherwise. */
	u->is_eor_v6 = wlen == 0 && u->n_nlri == 0 && s.n_attrs == 1 &&
	    s.has_mp_unreach &&
	    s.unreach_afi == BGP_AFI_IPV6 &&
	    s.unreach_safi == BGP_SAFI_UNICAST && u->n_mp_unreach == 0 &&
	    !s.withdraw;
	return 0;
}

/* ---- builders -------------------------------------------------------- */

/* Start a message: returns the offset of its first byte. */
static size_t
msg_begin(struct buf *b, uint8_t type)
{
	size_t start = b->len;

	buf_append(b, bgp_marker, sizeof(bgp_marker));
	buf_put_be16(b, 0); /* patched by msg_end */
	buf_put_u8(b, type);
	return start;
}

/*
 * Finish a message: patch its length, or roll the buffer back to start
 * when a put failed or the message would exceed BGP_MAX_LEN (RFC 4271 4.1).
 */
static int
msg_end(struct buf *b, size_t start)
{
	size_t n;
	int rc = b->err;

	if (rc == 0) {
		n = b->len - start;
		if (n > BGP_MAX_LEN) {
			rc = -EMSGSIZE;
		} else {
			b->data[start + BGP_MARKER_LEN] = (uint8_t)(n >> 8);
			b->data[start + BGP_MARKER_LEN + 1] = (uint8_t)n;
			return 0;
		}
	}
	b->len = start;
	b->err = 0;
	return rc;
}

/*
 * Attributes are written with a 2-byte length first; attr_end shrinks the
 * header to the 1-byte form when the value fits (RFC 4271 4.3: the
 * extended-length bit only when needed).
 */
static size_t
attr_begin(struct buf *b, uint8_t flags, uint8_t type)
{
	buf_put_u8(b, flags | AF_EXTLEN);
	buf_put_u8(b, type);
	buf_put_be16(b, 0);
	return b->len;
}

static void
attr_end(struct buf *b, size_t body)
{
	size_t n;

	if (b->err)
		return;
	n = b->len - body;
	if (n > 0xffff) {
		b->err = -EMSGSIZE;
		return;
	}
	if (n <= 0xff) {
		b->data[body - 4] &= (uint8_t)~AF_EXTLEN;
		b->data[body - 2] = (uint8_t)n;
		memmove(b->data + body - 1, b->data + body, n);
		b->len--;
	} else {
		b->data[body - 2] = (uint8_t)(n >> 8);
		b->data[body - 1] = (uint8_t)n;
	}
}

/* <length, prefix> with the bits past length cleared (RFC 4271 4.3). */
static void
put_prefix(struct buf *b, const struct bgp_prefix *p)
{
	uint8_t bytes[16];
	size_t n = (p->len + 7u) / 8;

	memcpy(bytes, p->addr, n);
	if (p->len % 8)
		bytes[n - 1] &= (uint8_t)(0xff << (8 - p->len % 8));
	buf_put_u8(b, p->len);
	buf_append(b, bytes, n);
}

static bool
prefix_ok(const struct bgp_prefix *p)
{
	unsigned bits = family_bits(p->family);

	return bits != 0 && p->len <= bits;
}

int
bgp_build_open(struct buf *b, const struct bgp_open_params *p)
{
	size_t start, param, caps;
	uint16_t restart_s;

	if (b->err)
		return b->err;
	/* RFC 4271 4.2 / 6.2 and what BIRD refuses (2/6, 2/7, RFC 7607). */
	if (p->hold_s == 1 || p->hold_s == 2 || p->bgp_id == 0 ||
	    p->my_as == 0 || (!p->mp_v4 && !p->mp_v6) ||
	    (p->graceful_restart && p->restart_time_s > GR_MAX_RESTART_S))
		return -EINVAL;
	start = msg_begin(b, BGP_OPEN);
	buf_put_u8(b, 4);
	/* RFC 6793 4.1: AS_TRANS in the 2-octet field for a 4-octet AS. */
	buf_put_be16(b, p->my_as > 0xffff ? BGP_AS_TRANS : (uint16_t)p->my_as);
	buf_put_be16(b, p->hold_s);
	buf_put_be32(b, p->bgp_id);
	param = b->len;
	buf_put_u8(b, 0); /* Opt Parm Len, patched below */
	buf_put_u8(b, OPT_CAPABILITIES);
	buf_put_u8(b, 0); /* parameter length, patched below */
	caps = b->len;
	if (p->mp_v4) {
		buf_put_u8(b, CAP_MP);
		buf_put_u8(b, 4);
		buf_put_be16(b, BGP_AFI_IPV4);
		buf_put_u8(b, 0);
		buf_put_u8(b, BGP_SAFI_UNICAST);
	}
	if (p->mp_v6) {
		buf_put_u8(b, CAP_MP);
		buf_put_u8(b, 4);
		buf_put_be16(b, BGP_AFI_IPV6);
		buf_put_u8(b, 0);
		buf_put_u8(b, BGP_SAFI_UNICAST);
	}
	buf_put_u8(b, CAP_ROUTE_REFRESH);
	buf_put_u8(b, 0);
	buf_put_u8(b, CAP_AS4);
	buf_put_u8(b, 4);
	buf_put_be32(b, p->my_as);
	if (p->graceful_restart) {
		/* RFC 4724 3: flags 0 (not restarting), no AFI/SAFI state. */
		restart_s = p->restart_time_s ? p->restart_time_s
		                              : GR_DEFAULT_RESTART_S;
		buf_put_u8(b, CAP_GRACEFUL_RESTART);
		buf_put_u8(b, 2);
		buf_put_be16(b, restart_s);
	}
	/* At most 28 bytes of capabilities: both lengths fit one byte. */
	if (b->err == 0) {
		b->data[param] = (uint8_t)(b->len - param - 1);
		b->data[caps - 1] = (uint8_t)(b->len - caps);
	}
	return msg_end(b, start);
}

int
bgp_build_keepalive(struct buf *b)
{
	size_t start;

	if (b->err)
		return b->err;
	start = msg_begin(b, BGP_KEEPALIVE);
	return msg_end(b, start);
}

int
bgp_build_notification(struct buf *b, uint8_t code, uint8_t subcode,
    const void *data, size_t data_len)
{
	size_t start;

	if (b->err)
		return b->err;
	if (data_len > BGP_MAX_LEN - BGP_NOTIFICATION_MIN_LEN)
		return -EMSGSIZE;
	start = msg_begin(b, BGP_NOTIFICATION);
	buf_put_u8(b, code);
	buf_put_u8(b, subcode);
	buf_append(b, data, data_len);
	return msg_end(b, start);
}

int
bgp_build_eor(struct buf *b, int family)
{
	size_t start, attrs, body;

	if (b->err)
		return b->err;
	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	start = msg_begin(b, BGP_UPDATE);
	buf_put_be16(b, 0); /* no withdrawn routes */
	if (family == AF_INET) {
		buf_put_be16(b, 0); /* RFC 4724 2: an empty UPDATE */
		return msg_end(b, start);
	}
	buf_put_be16(b, 0); /* attribute length, patched below */
	attrs = b->len;
	/* RFC 4724 2: MP_UNREACH_NLRI with the AFI/SAFI and nothing else. */
	body = attr_begin(b, AF_OPT_NONTRANS, A_MP_UNREACH);
	buf_put_be16(b, BGP_AFI_IPV6);
	buf_put_u8(b, BGP_SAFI_UNICAST);
	attr_end(b, body);
	if (b->err == 0) {
		b->data[attrs - 2] = (uint8_t)((b->len - attrs) >> 8);
		b->data[attrs - 1] = (uint8_t)(b->len - attrs);
	}
	return msg_end(b, start);
}

int
bgp_build_withdraw(struct buf *b, const struct bgp_prefix *p)
{
	size_t start, attrs, body;

	if (b->err)
		return b->err;
	if (!prefix_ok(p))
		return -EINVAL;
	start = msg_begin(b, BGP_UPDATE);
	if (p->family == AF_INET) {
		/* RFC 4271 4.3: the prefix in Withdrawn Routes, no attrs. */
		buf_put_be16(b, (uint16_t)(1 + (p->len + 7u) / 8));
		put_prefix(b, p);
		buf_put_be16(b, 0);
		return msg_end(b, start);
	}
	buf_put_be16(b, 0);
	buf_put_be16(b, 0); /* attribute length, patched below */
	attrs = b->len;
	/* RFC 4760 4: MP_UNREACH_NLRI, AFI 2 / SAFI 1, the prefix. */
	body = attr_begin(b, AF_OPT_NONTRANS, A_MP_UNREACH);
	buf_put_be16(b, BGP_AFI_IPV6);
	buf_put_u8(b, BGP_SAFI_UNICAST);
	put_prefix(b, p);
	attr_end(b, body);
	if (b->err == 0) {
		b->data[attrs - 2] = (uint8_t)((b->len - attrs) >> 8);
		b->data[attrs - 1] = (uint8_t)(b->len - attrs);
	}
	return msg_end(b, start);
}

/* count copies of asn in AS_SEQUENCE segments of 255 (RFC 4271 4.3). */
static void
put_as_seq(struct buf *b, uint32_t asn, size_t count, bool four)
{
	size_t n, i;

	while (count && b->err == 0) {
		n = count > AS_SEG_MAX ? AS_SEG_MAX : count;
		buf_put_u8(b, AS_SEQUENCE);
		buf_put_u8(b, (uint8_t)n);
		for (i = 0; i < n; i++) {
			if (four)
				buf_put_be32(b, asn);
			else
				buf_put_be16(b, (uint16_t)asn);
		}
		count -= n;
	}
}

int
bgp_build_announce(struct buf *b, const struct bgp_prefix *p,
    const struct bgp_attrs *a)
{
	static const uint8_t zero16[16];
	size_t start, attrs, body, count, i;
	bool is_v6, need_as4_path;
	uint32_t path_as;

	if (b->err)
		return b->err;
	if (!prefix_ok(p) || a->local_as == 0 ||
	    a->n_communities > BGP_MAX_COMMUNITIES ||
	    a->n_large > BGP_MAX_LARGE)
		return -EINVAL;
	is_v6 = p->family == AF_INET6;
	/* A zero next hop is a configuration bug: the route would blackhole. */
	if (is_v6 ? memcmp(&a->next_hop_v6, zero16, 16) == 0
	          : a->next_hop_v4.s_addr == 0)
		return -EINVAL;
	/* Each copy takes at least 2 bytes: past this it cannot fit 4096. */
	if (a->prepend >= BGP_MAX_LEN / 2)
		return -EMSGSIZE;
	count = 1 + (size_t)a->prepend;
	need_as4_path = !a->ibgp && !a->as4 && a->local_as > 0xffff;
	/* RFC 6793 4.2.2: an OLD speaker sees AS_TRANS for a 4-octet AS. */
	path_as = !a->as4 && a->local_as > 0xffff ? BGP_AS_TRANS : a->local_as;

	start = msg_begin(b, BGP_UPDATE);
	buf_put_be16(b, 0); /* no withdrawn routes */
	buf_put_be16(b, 0); /* attribute length, patched below */
	attrs = b->len;
	/*
	 * RFC 7606 5.1: MP_REACH_NLRI SHALL be the first attribute, so a
	 * receiver meeting a malformed attribute later can still find the
	 * NLRI and treat-as-withdraw. The others follow in type order (RFC
	 * 4271 5 SHOULD).
	 */
	if (is_v6) {
		body = attr_begin(b, AF_OPT_NONTRANS, A_MP_REACH);
		buf_put_be16(b, BGP_AFI_IPV6);
		buf_put_u8(b, BGP_SAFI_UNICAST);
		buf_put_u8(b, 16); /* global next hop only (RFC 2545 3) */
		buf_append(b, &a->next_hop_v6, 16);
		buf_put_u8(b, 0); /* reserved (RFC 4760 3) */
		put_prefix(b, p);
		attr_end(b, body);
	}
	body = attr_begin(b, AF_WELL_KNOWN, A_ORIGIN);
	buf_put_u8(b, 0); /* IGP */
	attr_end(b, body);
	body = attr_begin(b, AF_WELL_KNOWN, A_AS_PATH);
	if (!a->ibgp) /* RFC 4271 5.1.2: empty on iBGP */
		put_as_seq(b, path_as, count, a->as4);
	attr_end(b, body);
	if (!is_v6) {
		body = attr_begin(b, AF_WELL_KNOWN, A_NEXT_HOP);
		buf_append(b, &a->next_hop_v4, 4); /* already network order */
		attr_end(b, body);
	}
	if (a->has_med) {
		body = attr_begin(b, AF_OPT_NONTRANS, A_MED);
		buf_put_be32(b, a->med);
		attr_end(b, body);
	}
	if (a->ibgp) {
		/* RFC 4271 5.1.5: LOCAL_PREF on every iBGP UPDATE. */
		body = attr_begin(b, AF_WELL_KNOWN, A_LOCAL_PREF);
		buf_put_be32(b, 100);
		attr_end(b, body);
	}
	if (a->n_communities) {
		body = attr_begin(b, AF_OPT_TRANS, A_COMMUNITIES);
		for (i = 0; i < a->n_communities; i++)
			buf_put_be32(b, a->communities[i]);
		attr_end(b, body);
	}
	if (need_as4_path) {
		/* RFC 6793 4.2.2: the real path, 4-byte ASNs. */
		body = attr_begin(b, AF_OPT_TRANS, A_AS4_PATH);
		put_as_seq(b, a->local_as, count, true);
		attr_end(b, body);
	}
	if (a->n_large) {
		body = attr_begin(b, AF_OPT_TRANS, A_LARGE_COMMUNITY);
		for (i = 0; i < a->n_large; i++) {
			buf_put_be32(b, a->large[i].global);
			buf_put_be32(b, a->large[i].local1);
			buf_put_be32(b, a->large[i].local2);
		}
		attr_end(b, body);
	}
	if (b->err == 0) {
		if (b->len - attrs > 0xffff) {
			b->err = -EMSGSIZE;
		} else {
			b->data[attrs - 2] = (uint8_t)((b->len - attrs) >> 8);
			b->data[attrs - 1] = (uint8_t)(b->len - attrs);
		}
	}
	if (!is_v6)
		put_prefix(b, p);
	return msg_end(b, start);
}
