/*
 * bgp_wire: the BGP-4 message codec (RFC 4271 4, with RFC 4760
 * multiprotocol, RFC 6793 4-octet AS, RFC 2918 route refresh, RFC 1997 and
 * RFC 8092 communities, RFC 7606 revised error handling).
 *
 * Parsers take one whole message (header included) that the caller framed
 * with bgp_hdr_check, read it only through a bounded cursor (rd.h), and
 * never trust a length: every TLV is parsed inside its own sub-cursor. On a
 * session-resetting error they return -EPROTO and fill *err with the
 * NOTIFICATION to send (code, subcode, data as RFC 4271 6 asks). RFC 7606
 * "treat-as-withdraw" and "attribute discard" outcomes are not errors: they
 * are reported in struct bgp_update_info, and the session stays up.
 *
 * Builders append one whole message to a struct buf (sticky errors, so a
 * builder writes everything and checks once); the length field is filled
 * in at the end. A message never exceeds BGP_MAX_LEN: a builder that would
 * cross it fails with -EMSGSIZE and leaves the buffer as it was.
 *
 * We are an announcer: we parse what a peer sends to validate it and to
 * learn its capabilities, End-of-RIB markers and refresh requests; routes
 * the peer sends us are counted, not stored.
 */
#ifndef CDN_BGP_WIRE_H
#define CDN_BGP_WIRE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define BGP_HDR_LEN 19
#define BGP_MAX_LEN 4096
#define BGP_AS_TRANS 23456

enum bgp_type {
	BGP_OPEN = 1,
	BGP_UPDATE = 2,
	BGP_NOTIFICATION = 3,
	BGP_KEEPALIVE = 4,
	BGP_ROUTE_REFRESH = 5,
};

/* NOTIFICATION error codes (RFC 4271 4.5) and the subcodes we send. */
enum bgp_err_code {
	BGP_ERR_HEADER = 1,       /* 1 connection not synchronized, 2 bad length, 3 bad type */
	BGP_ERR_OPEN = 2,         /* 1 version, 2 peer AS, 3 BGP id, 4 opt param, 6 hold time, 7 capability */
	BGP_ERR_UPDATE = 3,       /* 1 attribute list, 2 well-known unrecognized, 3 missing well-known,
	                           * 4 attribute flags, 5 attribute length, 6 ORIGIN, 8 NEXT_HOP,
	                           * 9 optional attribute, 10 network field, 11 AS_PATH */
	BGP_ERR_HOLD = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,        /* 2 administrative shutdown, 4 administrative reset, ... */
	BGP_ERR_ROUTE_REFRESH = 7, /* RFC 7313: 1 invalid message length */
};

/* The NOTIFICATION to send for a parse error. */
struct bgp_notify {
	uint8_t code, subcode;
	uint8_t data[64];         /* the offending bytes, truncated */
	size_t data_len;
	char why[96];             /* for the log */
};

/* AFI/SAFI pairs we speak (RFC 4760). */
#define BGP_AFI_IPV4 1
#define BGP_AFI_IPV6 2
#define BGP_SAFI_UNICAST 1

struct bgp_prefix {
	int family;               /* AF_INET or AF_INET6 */
	uint8_t len;              /* prefix length in bits */
	uint8_t addr[16];         /* network byte order; bits past len are zero */
};

/* Parse "203.0.113.10/32" or "2001:db8::/48" (host bits must be zero). */
int bgp_prefix_parse(const char *s, struct bgp_prefix *p);
/* Format as "a.b.c.d/len" or "v6/len" into out (at least 64 bytes). */
void bgp_prefix_str(const struct bgp_prefix *p, char *out, size_t outlen);

struct bgp_open_info {
	uint8_t version;
	uint16_t my_as2;          /* the 2-octet field */
	uint32_t as;              /* 4-octet AS from the capability, else my_as2 */
	uint16_t hold_s;
	uint32_t bgp_id;          /* host order */
	bool has_caps;            /* carried a Capabilities optional parameter */
	bool cap_mp_v4, cap_mp_v6;  /* as advertised; without caps IPv4 is implied */
	bool cap_as4;
	bool cap_route_refresh;
	bool cap_graceful_restart;
};

/*
 * Frame check of the 19-byte header at buf (len >= BGP_HDR_LEN): marker all
 * ones, 19 <= length <= 4096, a known type and a length that type allows.
 * Sets *type and *msg_len. -EPROTO with err filled (RFC 4271 6.1);
 * -EAGAIN when len < BGP_HDR_LEN. A ROUTE-REFRESH's length is judged by
 * bgp_route_refresh_parse (RFC 7313 5 makes it a 7/1 error).
 */
int bgp_hdr_check(const uint8_t *buf, size_t len, uint8_t *type, uint16_t *msg_len,
    struct bgp_notify *err);

/*
 * OPEN (RFC 4271 4.2, 6.2): version 4, hold time 0 or >= 3, a nonzero BGP
 * identifier, well-formed optional parameters and capabilities. The peer
 * AS is checked by the caller against configuration (the 4-octet one when
 * the capability is there). msg/len: the whole message.
 */
int bgp_open_parse(const uint8_t *msg, size_t len, struct bgp_open_info *o,
    struct bgp_notify *err);

struct bgp_update_info {
	size_t n_withdrawn;       /* IPv4 withdrawn prefixes */
	size_t n_nlri;            /* IPv4 NLRI prefixes */
	size_t n_mp_reach, n_mp_unreach;
	bool is_eor_v4;           /* an empty UPDATE (RFC 4724 2) */
	bool is_eor_v6;           /* MP_UNREACH_NLRI with AFI 2 / SAFI 1 and nothing else */
	bool treat_as_withdraw;   /* RFC 7606: the NLRI must be treated as withdrawn */
	size_t n_discarded;       /* RFC 7606 attribute discard */
	char why[96];             /* first RFC 7606 problem, for the log */
};

/*
 * UPDATE (RFC 4271 4.3, 6.3 as revised by RFC 7606). as4: the session
 * negotiated 4-octet AS (AS_PATH segments hold 4-byte ASNs). Returns 0
 * (look at u for treat-as-withdraw / discard) or -EPROTO with err filled
 * when the session must be reset (a malformed length that leaves the
 * attributes unparseable, RFC 7606 4).
 */
int bgp_update_parse(const uint8_t *msg, size_t len, bool as4, struct bgp_update_info *u,
    struct bgp_notify *err);

/* NOTIFICATION: code and subcode; -EPROTO when shorter than 21 bytes. */
int bgp_notification_parse(const uint8_t *msg, size_t len, uint8_t *code, uint8_t *subcode);

/*
 * ROUTE-REFRESH (RFC 2918 3): AFI and SAFI; -EPROTO when not 23 bytes (7/1
 * with the message as data, RFC 7313 5). The RFC 7313 subtype byte is not
 * interpreted: we never advertise enhanced route refresh.
 */
int bgp_route_refresh_parse(const uint8_t *msg, size_t len, uint16_t *afi, uint8_t *safi,
    struct bgp_notify *err);

/* ---- builders ---------------------------------------------------------------- */

struct bgp_open_params {
	uint32_t my_as;
	uint16_t hold_s;
	uint32_t bgp_id;          /* host order */
	bool mp_v4, mp_v6;        /* multiprotocol capabilities to send */
	bool graceful_restart;    /* RFC 4724 capability (restart time 120 s, no AFI state) */
	uint16_t restart_time_s;  /* 0: 120 s; at most 4095 */
};

/*
 * Builders return 0, -EINVAL for parameters a peer would refuse (hold time
 * 1 or 2, BGP id or AS 0, an OPEN without any multiprotocol capability,
 * which BIRD refuses with 2/7; a bad prefix, a zero next hop, too many
 * communities), -EMSGSIZE past BGP_MAX_LEN, or the buffer's error.
 */
int bgp_build_open(struct buf *b, const struct bgp_open_params *p);
int bgp_build_keepalive(struct buf *b);
int bgp_build_notification(struct buf *b, uint8_t code, uint8_t subcode, const void *data,
    size_t data_len);
/* An End-of-RIB marker for family (RFC 4724 2). */
int bgp_build_eor(struct buf *b, int family);

#define BGP_MAX_COMMUNITIES 32
#define BGP_MAX_LARGE 16

struct bgp_large_community {
	uint32_t global, local1, local2;
};

/* The path attributes of one announcement. */
struct bgp_attrs {
	uint32_t local_as;
	unsigned prepend;             /* extra copies of local_as */
	bool ibgp;                    /* empty AS_PATH, LOCAL_PREF 100 */
	bool as4;                     /* the session negotiated 4-octet AS */
	bool has_med;
	uint32_t med;
	uint32_t communities[BGP_MAX_COMMUNITIES];   /* ASN << 16 | value */
	size_t n_communities;
	struct bgp_large_community large[BGP_MAX_LARGE];
	size_t n_large;
	struct in_addr next_hop_v4;
	struct in6_addr next_hop_v6;
};

#define BGP_COMMUNITY_GRACEFUL_SHUTDOWN 0xFFFF0000u  /* RFC 8326 */
#define BGP_COMMUNITY_BLACKHOLE 0xFFFF029Au         /* RFC 7999: 65535:666 */
#define BGP_COMMUNITY_NO_EXPORT 0xFFFFFF01u         /* RFC 1997 */

/*
 * Announce one prefix with attrs: IPv4 in the NLRI field (with NEXT_HOP),
 * IPv6 in MP_REACH_NLRI (RFC 4760 3, next hop 16 bytes). Without as4 and
 * with local_as > 65535, AS_PATH carries AS_TRANS and AS4_PATH the real
 * path (RFC 6793 4.2.2).
 */
int bgp_build_announce(struct buf *b, const struct bgp_prefix *p, const struct bgp_attrs *a);
/* Withdraw one prefix: WITHDRAWN_ROUTES (IPv4) or MP_UNREACH_NLRI (IPv6). */
int bgp_build_withdraw(struct buf *b, const struct bgp_prefix *p);

#endif
