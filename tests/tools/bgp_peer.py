#!/usr/bin/env python3
"""bgp_peer: a scripted BGP listener that sends malformed messages.

The speaker under test (cdn-announce) connects to it as one of its peers.
For each scenario the peer completes OPEN/KEEPALIVE (Established), lets the
speaker send its initial UPDATEs, then sends one malformed message and
checks what comes back:

  bad_marker            header marker not all ones      -> NOTIFICATION 1/1
  bad_length            header length 17 (< 19)         -> NOTIFICATION 1/2, data = the length
  bad_keepalive_length  KEEPALIVE whose length is 20    -> NOTIFICATION 1/2, data = the length
  bad_origin_flags      UPDATE, ORIGIN flagged optional -> treat-as-withdraw (RFC 7606 3, 7.1):
                        no NOTIFICATION, the session stays up (keepalives keep
                        coming and a ROUTE-REFRESH is still answered)
  truncated_mp_reach    MP_REACH_NLRI whose next hop is cut short
                        -> session reset (RFC 7606 7.11): NOTIFICATION 3/x

A scenario that leaves the session up goes on to the next scenario on the
same session; one that resets it waits for the speaker to reconnect.

Prints "RESULT <scenario> PASS|FAIL <detail>" per scenario on stdout, and a
trace of every message on stderr. Exit status 0 when every scenario passed.
Python 3 standard library only.
"""

import argparse
import select
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16
OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE_REFRESH = 1, 2, 3, 4, 5
TYPE_NAMES = {1: "OPEN", 2: "UPDATE", 3: "NOTIFICATION", 4: "KEEPALIVE", 5: "ROUTE-REFRESH"}
AS_TRANS = 23456

T0 = time.monotonic()


def log(msg):
    sys.stderr.write("[%7.3f] %s\n" % (time.monotonic() - T0, msg))
    sys.stderr.flush()


class Closed(Exception):
    pass


class Timeout(Exception):
    pass


def msg(mtype, body=b""):
    return MARKER + struct.pack("!HB", 19 + len(body), mtype) + body


def build_open(my_as, hold, bgp_id, mp_v4=True, mp_v6=True):
    caps = b""
    if mp_v4:
        caps += bytes([1, 4]) + struct.pack("!HBB", 1, 0, 1)
    if mp_v6:
        caps += bytes([1, 4]) + struct.pack("!HBB", 2, 0, 1)
    caps += bytes([2, 0])                                   # route refresh (RFC 2918)
    caps += bytes([65, 4]) + struct.pack("!I", my_as)        # 4-octet AS (RFC 6793)
    params = bytes([2, len(caps)]) + caps
    as2 = my_as if my_as <= 65535 else AS_TRANS
    body = struct.pack("!BHH4sB", 4, as2, hold, socket.inet_aton(bgp_id), len(params)) + params
    return msg(OPEN, body)


def parse_open(body):
    version, as2, hold, bid, plen = struct.unpack("!BHH4sB", body[:10])
    info = {"version": version, "as": as2, "hold": hold, "id": socket.inet_ntoa(bid),
            "mp": [], "as4": False, "rr": False, "gr": False, "caps": False}
    params = body[10:10 + plen]
    i = 0
    while i + 2 <= len(params):
        ptype, pl = params[i], params[i + 1]
        pv = params[i + 2:i + 2 + pl]
        i += 2 + pl
        if ptype != 2:
            continue
        info["caps"] = True
        j = 0
        while j + 2 <= len(pv):
            code, cl = pv[j], pv[j + 1]
            cv = pv[j + 2:j + 2 + cl]
            j += 2 + cl
            if code == 1 and cl == 4:
                afi, _, safi = struct.unpack("!HBB", cv)
                info["mp"].append((afi, safi))
            elif code == 2:
                info["rr"] = True
            elif code == 64:
                info["gr"] = True
            elif code == 65 and cl == 4:
                info["as4"] = True
                info["as"] = struct.unpack("!I", cv)[0]
    return info


def attr(flags, atype, value):
    if len(value) > 255:
        return struct.pack("!BBH", flags | 0x10, atype, len(value)) + value
    return struct.pack("!BBB", flags, atype, len(value)) + value


def as_path(asn, as4):
    if as4:
        return attr(0x40, 2, struct.pack("!BBI", 2, 1, asn))
    return attr(0x40, 2, struct.pack("!BBH", 2, 1, asn if asn <= 65535 else AS_TRANS))


def update(attrs, nlri=b"", withdrawn=b""):
    body = struct.pack("!H", len(withdrawn)) + withdrawn + struct.pack("!H", len(attrs)) + attrs + nlri
    return msg(UPDATE, body)


def describe_update(body):
    """A short text of an UPDATE: prefixes announced / withdrawn, communities."""
    out = []
    try:
        wl = struct.unpack("!H", body[:2])[0]
        w = body[2:2 + wl]
        al = struct.unpack("!H", body[2 + wl:4 + wl])[0]
        attrs = body[4 + wl:4 + wl + al]
        nlri = body[4 + wl + al:]

        def prefixes(b, afi):
            res, i = [], 0
            while i < len(b):
                plen = b[i]
                n = (plen + 7) // 8
                raw = b[i + 1:i + 1 + n]
                i += 1 + n
                if afi == 1:
                    res.append("%s/%d" % (socket.inet_ntop(socket.AF_INET, raw.ljust(4, b"\0")), plen))
                else:
                    res.append("%s/%d" % (socket.inet_ntop(socket.AF_INET6, raw.ljust(16, b"\0")), plen))
            return res
        if w:
            out.append("withdraw " + " ".join(prefixes(w, 1)))
        if nlri:
            out.append("announce " + " ".join(prefixes(nlri, 1)))
        i = 0
        while i + 3 <= len(attrs):
            flags, atype = attrs[i], attrs[i + 1]
            if flags & 0x10:
                alen = struct.unpack("!H", attrs[i + 2:i + 4])[0]
                v = attrs[i + 4:i + 4 + alen]
                i += 4 + alen
            else:
                alen = attrs[i + 2]
                v = attrs[i + 3:i + 3 + alen]
                i += 3 + alen
            if atype == 4:
                out.append("med %d" % struct.unpack("!I", v)[0])
            elif atype == 8:
                out.append("communities " + ",".join(
                    "%d:%d" % struct.unpack("!HH", v[k:k + 4]) for k in range(0, len(v), 4)))
            elif atype == 32:
                out.append("large " + ",".join(
                    "%d:%d:%d" % struct.unpack("!III", v[k:k + 12]) for k in range(0, len(v), 12)))
            elif atype == 14:
                afi, safi, nhl = struct.unpack("!HBB", v[:4])
                out.append("mp_reach afi %d nh %s %s" % (
                    afi, v[4:4 + nhl].hex(), " ".join(prefixes(v[5 + nhl:], afi))))
            elif atype == 15:
                afi, safi = struct.unpack("!HB", v[:3])
                out.append("mp_unreach afi %d %s" % (afi, " ".join(prefixes(v[3:], afi)) or "(End-of-RIB)"))
        if not out:
            out.append("End-of-RIB (IPv4)")
    except Exception as e:  # noqa: BLE001 - only a trace
        out.append("unparsed (%s)" % e)
    return "; ".join(out)


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.hold = 0
        self.next_ka = None
        self.got = []          # (type, body) of everything read

    def send(self, data, what):
        log("send %s (%d bytes): %s" % (what, len(data), data[:64].hex()))
        self.sock.sendall(data)

    def keepalive_due(self):
        if self.next_ka is not None and time.monotonic() >= self.next_ka:
            self.send(msg(KEEPALIVE), "KEEPALIVE")
            self.next_ka = time.monotonic() + max(self.hold / 3.0, 0.5)

    def read(self, deadline):
        """One whole message (type, body); Timeout or Closed."""
        while True:
            if len(self.buf) >= 19:
                length, mtype = struct.unpack("!HB", self.buf[16:19])
                if self.buf[:16] != MARKER or length < 19 or length > 4096:
                    raise Closed("the speaker sent a bad header: %s" % self.buf[:19].hex())
                if len(self.buf) >= length:
                    body = self.buf[19:length]
                    self.buf = self.buf[length:]
                    self.got.append((mtype, body))
                    if mtype == UPDATE:
                        log("recv UPDATE: %s" % describe_update(body))
                    elif mtype == NOTIFICATION:
                        log("recv NOTIFICATION %d/%d data %s" % (body[0], body[1], body[2:].hex()))
                    else:
                        log("recv %s (%d bytes)" % (TYPE_NAMES.get(mtype, str(mtype)), length))
                    return mtype, body
            self.keepalive_due()
            now = time.monotonic()
            if now >= deadline:
                raise Timeout()
            wait = deadline - now
            if self.next_ka is not None:
                wait = min(wait, max(self.next_ka - now, 0.01))
            r, _, _ = select.select([self.sock], [], [], wait)
            if r:
                try:
                    data = self.sock.recv(65536)
                except ConnectionResetError:
                    data = b""
                if not data:
                    raise Closed("connection closed")
                self.buf += data


def establish(lsock, args, accept_timeout):
    """Accept, exchange OPENs and KEEPALIVEs. Returns (Conn, peer open info)."""
    lsock.settimeout(accept_timeout)
    s, addr = lsock.accept()
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    log("accepted %s" % (addr,))
    c = Conn(s)
    deadline = time.monotonic() + 5
    mtype, body = c.read(deadline)
    if mtype != OPEN:
        raise Closed("expected OPEN, got type %d" % mtype)
    info = parse_open(body)
    log("their OPEN: %s" % info)
    c.send(build_open(args.local_as, args.hold, args.router_id), "OPEN")
    c.send(msg(KEEPALIVE), "KEEPALIVE")
    hold = min(args.hold, info["hold"])
    c.hold = hold
    c.next_ka = time.monotonic() + max(hold / 3.0, 0.5) if hold else None
    while True:
        mtype, body = c.read(deadline)
        if mtype == KEEPALIVE:
            break
        if mtype == NOTIFICATION:
            raise Closed("NOTIFICATION %d/%d during OPEN" % (body[0], body[1]))
    log("Established (hold %d)" % hold)
    # Let the speaker send its initial UPDATEs (and End-of-RIB).
    settle = time.monotonic() + args.settle
    try:
        while True:
            c.read(settle)
    except Timeout:
        pass
    return c, info


def expect_notification(c, code, subcode, data=None, timeout=5.0):
    """(ok, detail): the next NOTIFICATION, within timeout, is code/subcode
    (subcode None: any), with data when given; then the connection closes."""
    deadline = time.monotonic() + timeout
    try:
        while True:
            mtype, body = c.read(deadline)
            if mtype == NOTIFICATION:
                break
    except Timeout:
        return False, "no NOTIFICATION within %.0f s" % timeout
    except Closed as e:
        return False, "closed without a NOTIFICATION (%s)" % e
    got_code, got_sub, got_data = body[0], body[1], body[2:]
    detail = "NOTIFICATION %d/%d data %s" % (got_code, got_sub, got_data.hex() or "(none)")
    closed = False
    try:
        c.read(time.monotonic() + 2)
    except Closed:
        closed = True
    except Timeout:
        pass
    detail += "; connection %s" % ("closed" if closed else "NOT closed within 2 s")
    if got_code != code or (subcode is not None and got_sub != subcode):
        want = "%d/%s" % (code, "x" if subcode is None else subcode)
        return False, "expected %s, got %s" % (want, detail)
    if data is not None and got_data != data:
        return False, "data should be %s: %s" % (data.hex(), detail)
    return closed, detail


def expect_stays_up(c, info, seconds):
    """No NOTIFICATION or close for `seconds` (longer than the hold time),
    keepalives keep coming, and a ROUTE-REFRESH is answered with UPDATEs."""
    start = len(c.got)
    deadline = time.monotonic() + seconds
    try:
        while True:
            c.read(deadline)
    except Timeout:
        pass
    except Closed as e:
        return False, "session dropped: %s" % e
    seen = c.got[start:]
    if any(t == NOTIFICATION for t, _ in seen):
        n = [b for t, b in seen if t == NOTIFICATION][0]
        return False, "got NOTIFICATION %d/%d" % (n[0], n[1])
    kas = sum(1 for t, _ in seen if t == KEEPALIVE)
    if kas == 0:
        return False, "no KEEPALIVE in %.1f s" % seconds
    detail = "no NOTIFICATION, session up %.1f s, %d KEEPALIVEs" % (seconds, kas)
    if info["rr"]:
        c.send(msg(ROUTE_REFRESH, struct.pack("!HBB", 1, 0, 1)), "ROUTE-REFRESH ipv4")
        start = len(c.got)
        deadline = time.monotonic() + 3
        try:
            while not any(t == UPDATE for t, _ in c.got[start:]):
                c.read(deadline)
        except (Timeout, Closed) as e:
            return False, detail + "; ROUTE-REFRESH not answered (%s)" % type(e).__name__
        detail += "; ROUTE-REFRESH answered"
    return True, detail


def scenario(name, c, info, args):
    as4 = info["as4"]
    if name == "bad_marker":
        c.send(b"\x00" * 16 + struct.pack("!HB", 19, KEEPALIVE), "bad marker")
        return expect_notification(c, 1, 1), False
    if name == "bad_length":
        c.send(MARKER + struct.pack("!HB", 17, KEEPALIVE), "length 17")
        return expect_notification(c, 1, 2, struct.pack("!H", 17)), False
    if name == "bad_keepalive_length":
        c.send(MARKER + struct.pack("!HB", 20, KEEPALIVE) + b"\0", "KEEPALIVE length 20")
        return expect_notification(c, 1, 2, struct.pack("!H", 20)), False
    if name == "bad_origin_flags":
        attrs = (attr(0xC0, 1, b"\x00")               # ORIGIN flagged optional+transitive
                 + as_path(args.local_as, as4)
                 + attr(0x40, 3, socket.inet_aton(args.next_hop)))
        nlri = bytes([25]) + socket.inet_aton("198.51.100.128")[:4]
        c.send(update(attrs, nlri), "UPDATE with ORIGIN flags 0xC0")
        r = expect_stays_up(c, info, args.stay)
        return r, r[0]
    if name == "truncated_mp_reach":
        # AFI 2 / SAFI 1, next hop length 16, but only 3 bytes of it follow.
        mp = struct.pack("!HBB", 2, 1, 16) + b"\x20\x01\x0d"
        attrs = (attr(0x40, 1, b"\x00") + as_path(args.local_as, as4) + attr(0x80, 14, mp))
        c.send(update(attrs), "UPDATE with truncated MP_REACH_NLRI")
        return expect_notification(c, 3, None), False
    raise SystemExit("unknown scenario %s" % name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", required=True, help="address to listen on")
    ap.add_argument("--port", type=int, default=179)
    ap.add_argument("--local-as", type=int, default=65099)
    ap.add_argument("--router-id", default="192.0.2.250")
    ap.add_argument("--next-hop", default="192.0.2.250", help="NEXT_HOP of our UPDATEs")
    ap.add_argument("--hold", type=int, default=9)
    ap.add_argument("--settle", type=float, default=0.7, help="seconds to read the initial UPDATEs")
    ap.add_argument("--stay", type=float, default=4.0, help="seconds a session must stay up")
    ap.add_argument("--accept-timeout", type=float, default=20.0)
    ap.add_argument("--expect-as", type=int, default=0, help="the speaker's AS (0: any)")
    ap.add_argument("scenarios", nargs="+")
    args = ap.parse_args()

    family = socket.AF_INET6 if ":" in args.listen else socket.AF_INET
    lsock = socket.socket(family, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((args.listen, args.port))
    lsock.listen(4)
    log("listening on %s port %d" % (args.listen, args.port))
    print("LISTENING", flush=True)

    failed = 0
    c = info = None
    gave_up = None
    for name in args.scenarios:
        if gave_up:
            print("RESULT %s FAIL not run: %s" % (name, gave_up), flush=True)
            failed += 1
            continue
        try:
            if c is None:
                c, info = establish(lsock, args, args.accept_timeout)
                if args.expect_as and info["as"] != args.expect_as:
                    print("RESULT open FAIL the speaker's AS is %d, expected %d" % (info["as"], args.expect_as),
                          flush=True)
                    failed += 1
                if info["version"] != 4 or not info["mp"] or not info["as4"]:
                    print("RESULT open FAIL OPEN lacks version 4 / multiprotocol / 4-octet AS: %s" % info,
                          flush=True)
                    failed += 1
            (ok, detail), keep = scenario(name, c, info, args)
        except socket.timeout:
            ok, detail, keep = False, "the speaker did not connect within %.0f s" % args.accept_timeout, False
            gave_up = detail
        except (Closed, Timeout, OSError) as e:
            ok, detail, keep = False, "session failed before the test: %s %s" % (type(e).__name__, e), False
        print("RESULT %s %s %s" % (name, "PASS" if ok else "FAIL", detail), flush=True)
        if not ok:
            failed += 1
        if not keep and c is not None:
            c.sock.close()
            c = None
    if c is not None:
        c.send(msg(NOTIFICATION, bytes([6, 2])), "NOTIFICATION Cease/Administrative Shutdown")
        c.sock.close()
    lsock.close()
    print("DONE %d failed" % failed, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
