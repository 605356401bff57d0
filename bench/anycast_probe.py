#!/usr/bin/env python3
"""anycast_probe: both ends of the anycast switch-over benchmark
(bench/announce_vs_exabgp.sh). Python 3 standard library only; no proxy is
ever used (http.client connects directly).

  anycast_probe.py serve NAME ADDR PORT
      An HTTP/1.0 responder on ADDR:PORT: every GET or HEAD answers 200 with
      the body "NAME\\n" (so the viewer sees which edge it reached);
      /healthz answers 200 "ok\\n". Prints "ready" once the socket is bound.
      SIGTERM stops it at once (the port then refuses connections, which is
      how the benchmark makes an edge fail its health check).

  anycast_probe.py poll URL WANT TIMEOUT [INTERVAL [REQ_TIMEOUT]]
      The viewer. Starts a GET of URL every INTERVAL seconds (default 0.01),
      each on a fresh TCP connection with a REQ_TIMEOUT (default 0.1 s)
      connect/read timeout, until the body is WANT or TIMEOUT seconds pass.
      Prints "start BODY" after the first answer (or "start error:..." if
      the first request failed), then, on success,
          switched EPOCH polls=N errors=E
      (EPOCH: wall-clock time, time.time(), when the first answer equal to
      WANT arrived; N requests made; E of them failed) and exits 0; or
          timeout last=BODY polls=N errors=E
      and exits 1.
"""

import http.client
import http.server
import signal
import socket
import sys
import time
import urllib.parse


def serve(name, addr, port):
    body = (name + "\n").encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self):  # noqa: N802 - the http.server API
            out = b"ok\n" if self.path.startswith("/healthz") else body
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(out)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(out)

        do_HEAD = do_GET

        def log_message(self, fmt, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        daemon_threads = True
        request_queue_size = 128

    srv = Server((addr, port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    srv.serve_forever(poll_interval=0.5)


def fetch(host, port, path, timeout):
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.read().decode(errors="replace").strip()
    finally:
        c.close()


def poll(url, want, timeout, interval, req_timeout):
    u = urllib.parse.urlsplit(url)
    host, port, path = u.hostname, u.port or 80, u.path or "/"
    deadline = time.monotonic() + timeout
    nxt = time.monotonic()
    last = None
    polls = errors = 0
    started = False
    while time.monotonic() < deadline:
        try:
            last = fetch(host, port, path, req_timeout)
        except (OSError, http.client.HTTPException) as e:
            last = "error:%s" % type(e).__name__
            errors += 1
        t = time.time()
        polls += 1
        if not started:
            print("start %s" % last, flush=True)
            started = True
        if last == want:
            print("switched %.6f polls=%d errors=%d" % (t, polls, errors),
                  flush=True)
            return 0
        nxt += interval
        d = nxt - time.monotonic()
        if d > 0:
            time.sleep(d)
        else:
            nxt = time.monotonic()   # fell behind: do not burst
    print("timeout last=%s polls=%d errors=%d" % (last, polls, errors),
          flush=True)
    return 1


def main(argv):
    if len(argv) == 5 and argv[1] == "serve":
        serve(argv[2], argv[3], int(argv[4]))
        return 0
    if 5 <= len(argv) <= 7 and argv[1] == "poll":
        interval = float(argv[5]) if len(argv) > 5 else 0.01
        req_timeout = float(argv[6]) if len(argv) > 6 else 0.1
        return poll(argv[2], argv[3], float(argv[4]), interval, req_timeout)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
