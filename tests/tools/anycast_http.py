#!/usr/bin/env python3
"""anycast_http: the two ends of an anycast reachability test.

  anycast_http.py serve NAME PORT ADDR...
      An HTTP responder on every ADDR (IPv4 or IPv6) at PORT, in one process:
      every GET answers 200 with the body "NAME\\n" (so a client sees which
      edge it reached); /healthz answers 200 "ok". Prints "ready" once every
      socket is bound.

  anycast_http.py poll URL WANT TIMEOUT [INTERVAL]
      Fetch URL every INTERVAL seconds (default 0.02), each request with a
      fresh connection and a short timeout, until the body is WANT. Prints
      "start BODY" after the first answer, then "switched EPOCH" (the wall
      clock time when the first answer equal to WANT arrived) and exits 0; or
      "timeout last=BODY" and exits 1.

Python 3 standard library only; no proxy is ever used.
"""

import http.client
import http.server
import socket
import socketserver
import sys
import threading
import time
import urllib.parse


def serve(name, port, addrs):
    body = (name + "\n").encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self):  # noqa: N802 - the http.server API
            out = b"ok\n" if self.path.startswith("/healthz") else body
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_HEAD = do_GET

        def log_message(self, fmt, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True

        def server_bind(self):
            # Not HTTPServer's: its getfqdn() is a reverse DNS lookup, which
            # hangs in a namespace with no resolver.
            socketserver.TCPServer.server_bind(self)
            self.server_name, self.server_port = self.server_address[:2]

    servers = []
    for a in addrs:
        cls = type("S", (Server,), {"address_family": socket.AF_INET6 if ":" in a else socket.AF_INET})
        servers.append(cls((a, port), Handler))
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("ready", flush=True)
    servers[0].serve_forever()


def fetch(url, timeout):
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    try:
        c.request("GET", u.path or "/")
        r = c.getresponse()
        return r.read().decode(errors="replace").strip()
    finally:
        c.close()


def poll(url, want, timeout, interval):
    deadline = time.monotonic() + timeout
    last = None
    started = False
    while time.monotonic() < deadline:
        try:
            last = fetch(url, 0.3)
        except (OSError, http.client.HTTPException) as e:
            last = "error:%s" % type(e).__name__
        t = time.time()
        if not started and not last.startswith("error:"):
            print("start %s" % last, flush=True)
            started = True
        if last == want:
            print("switched %.3f" % t, flush=True)
            return 0
        time.sleep(interval)
    print("timeout last=%s" % last, flush=True)
    return 1


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
        return 0
    if len(sys.argv) in (5, 6) and sys.argv[1] == "poll":
        return poll(sys.argv[2], sys.argv[3], float(sys.argv[4]),
                    float(sys.argv[5]) if len(sys.argv) == 6 else 0.02)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
