/*
 * bgp_session: one BGP session with one peer (RFC 4271 8: the FSM).
 *
 * States Idle -> Connect -> OpenSent -> OpenConfirm -> Established, with
 * the ConnectRetry, Hold and Keepalive timers. We connect actively only
 * (an edge announcer never needs to accept); a failed or lost session goes
 * back to Idle and retries after connect_retry, doubling up to 30 s, and
 * back to connect_retry once a session reached Established.
 *
 * The session owns its socket and its Adj-RIB-Out: the set of prefixes it
 * has announced, each with a hash of the attributes sent. bgp_session_sync
 * takes the routes that should be announced now and sends exactly the
 * difference (announce what is new or changed, withdraw what went). A
 * route-refresh request (RFC 2918) clears the Adj-RIB-Out, so everything is
 * announced again, followed by End-of-RIB.
 *
 * Single-threaded: the announcer's event loop calls every function here.
 */
#ifndef CDN_BGP_SESSION_H
#define CDN_BGP_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "announce_conf.h"
#include "bgp_wire.h"
#include "buf.h"

enum bgp_state {
	BGP_IDLE = 0,
	BGP_CONNECT = 1,
	BGP_ACTIVE = 2,          /* unused: we never listen */
	BGP_OPENSENT = 3,
	BGP_OPENCONFIRM = 4,
	BGP_ESTABLISHED = 5,
};

const char *bgp_state_name(enum bgp_state s);

/* A route to announce, before per-session attributes (next hop, AS4). */
struct route {
	struct bgp_prefix prefix;
	bool has_med;
	uint32_t med;
	uint32_t communities[BGP_MAX_COMMUNITIES];
	size_t n_communities;
	struct bgp_large_community large[BGP_MAX_LARGE];
	size_t n_large;
};

/* What the session shares with the announcer. */
struct bgp_globals {
	uint32_t local_as;
	uint32_t router_id;       /* host order */
	uint16_t hold_s;
	int64_t connect_retry_ms;
	bool graceful_restart;
	unsigned prepend;
	bool has_nh4, has_nh6;
	struct in_addr nh4;
	struct in6_addr nh6;
};

#define BGP_ADJ_MAX 256

struct bgp_adj {
	struct bgp_prefix prefix;
	uint64_t attr_hash;
};

struct bgp_session {
	struct peer_cfg cfg;
	const struct bgp_globals *g;
	char name[80];            /* "192.0.2.1 AS65000" for logs and metrics */
	enum bgp_state state;
	int fd;
	struct buf in, out;
	int64_t t_retry;          /* connect retry deadline (Idle) */
	int64_t t_hold;           /* hold timer deadline, 0: off */
	int64_t t_keepalive;      /* next keepalive, 0: off */
	int64_t retry_ms;         /* current backoff */
	int64_t hold_ms;          /* negotiated */
	int64_t up_since_ms;      /* wall clock ms when Established, 0 otherwise */
	struct bgp_open_info peer;
	bool as4, v4, v6;         /* negotiated */
	bool ibgp;
	struct in_addr local4;    /* the socket's local addresses: next hop self */
	struct in6_addr local6;
	bool has_local4, has_local6;
	struct bgp_adj adj[BGP_ADJ_MAX];
	size_t n_adj;
	bool need_eor;            /* send End-of-RIB after the next sync */
	bool warned_nh;           /* logged a route skipped for want of a next hop */
	char last_error[128];

	/* Counters for /metrics and status. */
	uint64_t established_total, updates_sent, notif_sent, notif_recv;
	uint64_t updates_recv, treat_as_withdraw;
};

/* Set up a session in Idle (connecting at the first bgp_session_tick). */
void bgp_session_init(struct bgp_session *s, const struct peer_cfg *cfg,
    const struct bgp_globals *g);

/* The fd to poll (-1 when none) and the events wanted. */
int bgp_session_fd(const struct bgp_session *s, short *events);

/* The socket is ready. now_ms: monotonic. */
void bgp_session_on_io(struct bgp_session *s, short revents, int64_t now_ms,
    const struct route *routes, size_t n_routes);

/* Run timers; returns the next deadline (monotonic ms) or INT64_MAX. */
int64_t bgp_session_tick(struct bgp_session *s, int64_t now_ms);

/* Announce/withdraw the difference to routes (Established only). */
void bgp_session_sync(struct bgp_session *s, const struct route *routes, size_t n_routes);

/*
 * Stop: NOTIFICATION Cease with subcode (2: administrative shutdown), try to
 * flush it (bounded), close. The session stays Idle (no retry).
 */
void bgp_session_shutdown(struct bgp_session *s, uint8_t subcode);

void bgp_session_fini(struct bgp_session *s);

#endif
