#!/usr/bin/env python3
"""udp_relay.py: a lossy, reordering UDP relay on loopback for the RTP tests.

    udp_relay.py LOSS REORDER IN_PORT:OUT_PORT [...]

Each datagram received on 127.0.0.1:IN_PORT goes to 127.0.0.1:OUT_PORT,
except that a fraction LOSS is dropped and a fraction REORDER is held back
and sent after the next one (adjacent packets swapped). The choice is a
fixed-seed pseudo-random sequence, so a run is repeatable. Prints
"relay ready" once bound, and counts on exit (SIGTERM).
"""
import random
import selectors
import signal
import socket
import sys

loss, reorder = float(sys.argv[1]), float(sys.argv[2])
rng = random.Random(7)
sel = selectors.DefaultSelector()
out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
held = {}
stats = {"in": 0, "dropped": 0, "swapped": 0}
for pair in sys.argv[3:]:
    i, o = (int(x) for x in pair.split(":"))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", i))
    sel.register(s, selectors.EVENT_READ, o)
    held[o] = None
    # RTCP: relayed as is, no loss (the port above)
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.bind(("127.0.0.1", i + 1))
    sel.register(r, selectors.EVENT_READ, -(o + 1))


def done(*_):
    print("relay: %(in)d in, %(dropped)d dropped, %(swapped)d swapped" % stats, flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, done)
print("relay ready", flush=True)
while True:
    for key, _ in sel.select(timeout=1):
        data = key.fileobj.recv(65536)
        dst = key.data
        if dst < 0:
            out.sendto(data, ("127.0.0.1", -dst))
            continue
        stats["in"] += 1
        x = rng.random()
        if x < loss:
            stats["dropped"] += 1
            continue
        if held[dst] is None and x < loss + reorder:
            held[dst] = data
            stats["swapped"] += 1
            continue
        out.sendto(data, ("127.0.0.1", dst))
        if held[dst] is not None:
            out.sendto(held[dst], ("127.0.0.1", dst))
            held[dst] = None
