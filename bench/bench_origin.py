#!/usr/bin/env python3
"""Synthetic upstream origin for edge_vs_nginx_varnish.sh (stdlib only).

One asyncio HTTP/1.1 server (keep-alive, GET and HEAD, If-None-Match) on a
loopback address.  Every cache under test fetches from the same instance, and
the origin counts what it receives, so upstream fetches are counted the same
way for all of them.

Routes (every body is deterministic; its ETag is "<crc32>-<size>", so a client
can check what a cache delivered):

  /static/NAME.bin      --static-size bytes (1 MiB), Cache-Control: public,
                        max-age=86400, immutable
  /static/NAME.m3u8     a small VOD playlist (about 400 bytes), same headers
  /slow/NAME.bin        1 MiB trickled over --slow-ms (100 ms): headers and
                        the first chunk at once, then --slow-chunks - 1 more
                        chunks evenly spaced; max-age=86400, immutable
  /live/STREAM/index.m3u8
                        a simulated live stream: a segment every --seg-dur
                        (2 s), a window of --window (6) segments, with
                        EXT-X-PROGRAM-DATE-TIME; Cache-Control: max-age=1.
                        A stream starts on its first request, with its window
                        already full (as if it had been running for a while).
  /live/STREAM/seg-EPOCH-K.ts
                        segment K of the stream started at EPOCH, --seg-size
                        bytes (256 KiB), max-age=86400, immutable; 404 until
                        it is complete
  /zipf/K.bin           K in 0..--zipf-objects-1 (100), --zipf-size (1 MiB),
                        max-age=86400, immutable
  /healthz, /health*    200 "ok" (counted as "health", not as a fetch)
  /_stats               JSON counters (not counted)

Errors are sent with Cache-Control: no-store, so no cache keeps them.

/_stats answers {"classes": {class: n}, "paths": {path: n}, "bytes": n,
"started": epoch, "now": epoch, "connections": n}; classes are static, slow,
live_playlist, live_segment, zipf, health, other.  "paths" counts every path
except the health checks (bounded: at most --max-paths distinct paths, then
"(other)").
"""
import argparse
import asyncio
import datetime
import hashlib
import json
import os
import re
import signal
import sys
import time
import zlib

MIB = 1 << 20
HDR_LIMIT = 16384

ARGS = None
COUNTS = {"static": 0, "slow": 0, "live_playlist": 0, "live_segment": 0,
          "zipf": 0, "health": 0, "other": 0}
PATHS = {}
STATE = {"bytes": 0, "connections": 0, "started": time.time()}
STREAMS = {}          # stream name -> start epoch (float)
BASE = b""            # deterministic pseudo-random block, body source
BODY_CACHE = {}       # (kind, name, size) -> (body, etag); bounded

NAME_RE = re.compile(r"^[A-Za-z0-9._~-]{1,128}$")


def make_base(size):
    """Deterministic bytes: SHA-256 in counter mode (fast enough for MiBs)."""
    out = bytearray()
    i = 0
    while len(out) < size:
        out += hashlib.sha256(b"bench-origin-%d" % i).digest() * 64
        i += 1
    return bytes(out[:size])


def body_for(kind, name, size):
    """Body and ETag of an object: a name-dependent header then BASE bytes."""
    key = (kind, name, size)
    hit = BODY_CACHE.get(key)
    if hit is not None:
        return hit
    head = hashlib.sha256(("%s/%s/%d" % (kind, name, size)).encode()).digest()
    if size <= len(head):
        body = head[:size]
    else:
        # A rotation of BASE, offset by the name, so objects differ throughout.
        off = int.from_bytes(head[:4], "big") % (len(BASE) - 1)
        need = size - len(head)
        chunk = BASE[off:] + BASE[:off]
        reps = need // len(chunk) + 1
        body = head + (chunk * reps)[:need]
    etag = '"%08x-%d"' % (zlib.crc32(body) & 0xFFFFFFFF, size)
    if len(BODY_CACHE) >= 160:          # bounded: about 160 MiB at 1 MiB
        BODY_CACHE.pop(next(iter(BODY_CACHE)))
    BODY_CACHE[key] = (body, etag)
    return body, etag


def count(cls, path):
    COUNTS[cls] = COUNTS.get(cls, 0) + 1
    if cls == "health":
        return
    if path in PATHS or len(PATHS) < ARGS.max_paths:
        PATHS[path] = PATHS.get(path, 0) + 1
    else:
        PATHS["(other)"] = PATHS.get("(other)", 0) + 1


def http_date(t):
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(t))


def iso_ms(t):
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


IMMUTABLE = "public, max-age=86400, immutable"


def live_playlist(stream, now):
    start = STREAMS.get(stream)
    if start is None:
        # Started "window" segments ago, so the window is full at once.
        start = now - ARGS.window * ARGS.seg_dur
        STREAMS[stream] = start
        if len(STREAMS) > 10000:
            STREAMS.pop(next(iter(STREAMS)))
    done = int((now - start) // ARGS.seg_dur)     # complete segments
    first = max(0, done - ARGS.window)
    ep = int(start)
    lines = ["#EXTM3U", "#EXT-X-VERSION:3",
             "#EXT-X-TARGETDURATION:%d" % int(round(ARGS.seg_dur)),
             "#EXT-X-MEDIA-SEQUENCE:%d" % first]
    for k in range(first, done):
        t = start + k * ARGS.seg_dur
        lines.append("#EXT-X-PROGRAM-DATE-TIME:%s" % iso_ms(t))
        lines.append("#EXTINF:%.3f," % ARGS.seg_dur)
        lines.append("seg-%d-%d.ts" % (ep, k))
    return ("\n".join(lines) + "\n").encode()


def vod_playlist(name):
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:2",
             "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-MEDIA-SEQUENCE:0"]
    for k in range(10):
        lines.append("#EXTINF:2.000,")
        lines.append("%s-%d.ts" % (name, k))
    lines.append("#EXT-X-ENDLIST")
    return ("\n".join(lines) + "\n").encode()


def route(path):
    """Returns (class, status, headers, body, etag, slow)."""
    now = time.time()
    parts = path.split("/")
    # parts[0] == "" since path starts with "/"
    if path == "/healthz" or path.startswith("/health"):
        return "health", 200, {"Content-Type": "text/plain",
                               "Cache-Control": "no-store"}, b"ok\n", None, False
    if len(parts) == 3 and parts[1] in ("static", "slow", "zipf") and NAME_RE.match(parts[2]):
        kind, name = parts[1], parts[2]
        if kind == "static" and name.endswith(".m3u8"):
            body = vod_playlist(name[:-5])
            etag = '"%08x-%d"' % (zlib.crc32(body) & 0xFFFFFFFF, len(body))
            return "static", 200, {"Content-Type": "application/vnd.apple.mpegurl",
                                   "Cache-Control": IMMUTABLE}, body, etag, False
        if name.endswith(".bin"):
            if kind == "zipf":
                try:
                    k = int(name[:-4])
                except ValueError:
                    k = -1
                if not 0 <= k < ARGS.zipf_objects:
                    return "zipf", 404, None, None, None, False
                size = ARGS.zipf_size
            elif kind == "slow":
                size = ARGS.slow_size
            else:
                size = ARGS.static_size
            body, etag = body_for(kind, name, size)
            return kind, 200, {"Content-Type": "application/octet-stream",
                               "Cache-Control": IMMUTABLE}, body, etag, kind == "slow"
    if len(parts) == 4 and parts[1] == "live" and NAME_RE.match(parts[2]):
        stream, leaf = parts[2], parts[3]
        if leaf == "index.m3u8":
            body = live_playlist(stream, now)
            etag = '"%08x-%d"' % (zlib.crc32(body) & 0xFFFFFFFF, len(body))
            return "live_playlist", 200, {"Content-Type": "application/vnd.apple.mpegurl",
                                          "Cache-Control": "public, max-age=1"}, body, etag, False
        m = re.match(r"^seg-(\d+)-(\d+)\.ts$", leaf)
        if m:
            start = STREAMS.get(stream)
            ep, k = int(m.group(1)), int(m.group(2))
            if start is None or int(start) != ep or now < start + (k + 1) * ARGS.seg_dur:
                return "live_segment", 404, None, None, None, False
            body, etag = body_for("live", "%s-%s" % (stream, leaf), ARGS.seg_size)
            return "live_segment", 200, {"Content-Type": "video/mp2t",
                                         "Cache-Control": IMMUTABLE}, body, etag, False
        return "other", 404, None, None, None, False
    return "other", 404, None, None, None, False


def stats_body():
    return json.dumps({"classes": COUNTS, "paths": PATHS, "bytes": STATE["bytes"],
                       "connections": STATE["connections"], "started": STATE["started"],
                       "now": time.time(), "streams": len(STREAMS)}).encode()


def head_bytes(status, reason, headers, length, keep):
    h = ["HTTP/1.1 %d %s" % (status, reason), "Date: " + http_date(time.time()),
         "Server: bench-origin", "Content-Length: %d" % length]
    for k, v in headers.items():
        h.append("%s: %s" % (k, v))
    if not keep:
        h.append("Connection: close")
    return ("\r\n".join(h) + "\r\n\r\n").encode("latin-1")


REASONS = {200: "OK", 304: "Not Modified", 400: "Bad Request", 404: "Not Found",
           405: "Method Not Allowed", 431: "Request Header Fields Too Large"}


async def send_slow(writer, body):
    """First chunk at once, then the rest evenly over --slow-ms."""
    n = max(1, ARGS.slow_chunks)
    step = (len(body) + n - 1) // n
    gap = ARGS.slow_ms / 1000.0 / max(1, n - 1)
    t0 = time.monotonic()
    for i in range(n):
        if i:
            # Sleep to the i-th tick, not i sleeps: no drift under load.
            delay = t0 + i * gap - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        writer.write(body[i * step:(i + 1) * step])
        await writer.drain()


async def handle(reader, writer):
    STATE["connections"] += 1
    try:
        for _ in range(1000000):        # requests per connection, bounded
            try:
                raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), ARGS.idle_timeout)
            except asyncio.LimitOverrunError:
                writer.write(head_bytes(431, REASONS[431], {"Cache-Control": "no-store"}, 0, False))
                await writer.drain()
                return
            except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError):
                return
            lines = raw.decode("latin-1").split("\r\n")
            try:
                method, target, version = lines[0].split(" ", 2)
            except ValueError:
                writer.write(head_bytes(400, REASONS[400], {"Cache-Control": "no-store"}, 0, False))
                await writer.drain()
                return
            hdrs = {}
            for ln in lines[1:]:
                if ":" in ln:
                    k, v = ln.split(":", 1)
                    hdrs[k.strip().lower()] = v.strip()
            conn_hdr = hdrs.get("connection", "").lower()
            keep = (version == "HTTP/1.1" and "close" not in conn_hdr) or \
                   (version == "HTTP/1.0" and "keep-alive" in conn_hdr)
            if "content-length" in hdrs:        # discard a request body
                try:
                    n = int(hdrs["content-length"])
                    if 0 < n <= 1 << 20:
                        await reader.readexactly(n)
                except (ValueError, asyncio.IncompleteReadError):
                    return
            path = target.split("?", 1)[0]
            if path == "/_stats":
                body = stats_body()
                writer.write(head_bytes(200, "OK", {"Content-Type": "application/json",
                                                    "Cache-Control": "no-store"}, len(body), keep) + body)
                await writer.drain()
                if not keep:
                    return
                continue
            if method not in ("GET", "HEAD"):
                count("other", path)
                writer.write(head_bytes(405, REASONS[405], {"Allow": "GET, HEAD",
                                                            "Cache-Control": "no-store"}, 0, keep))
                await writer.drain()
                if not keep:
                    return
                continue
            cls, status, headers, body, etag, slow = route(path)
            count(cls, path)
            if status != 200:
                msg = b"not found\n"
                writer.write(head_bytes(status, REASONS.get(status, "Error"),
                                        {"Content-Type": "text/plain", "Cache-Control": "no-store"},
                                        len(msg), keep) + (msg if method == "GET" else b""))
                await writer.drain()
                if not keep:
                    return
                continue
            if etag:
                headers = dict(headers)
                headers["ETag"] = etag
                headers["Last-Modified"] = http_date(STATE["started"])
            if ARGS.customer and status == 200:
                # The owner, as cdn-origin names it (docs/accounting.md).
                headers = dict(headers)
                headers["X-CDN-Customer"] = ARGS.customer
            inm = hdrs.get("if-none-match")
            if etag and inm and (inm == "*" or etag in [x.strip() for x in inm.split(",")]):
                writer.write(head_bytes(304, REASONS[304], {"ETag": etag,
                                                            "Cache-Control": headers["Cache-Control"]},
                                        0, keep).replace(b"Content-Length: 0\r\n", b""))
                await writer.drain()
            elif method == "HEAD":
                writer.write(head_bytes(200, "OK", headers, len(body), keep))
                await writer.drain()
            elif slow:
                writer.write(head_bytes(200, "OK", headers, len(body), keep))
                await send_slow(writer, body)
                STATE["bytes"] += len(body)
            else:
                writer.write(head_bytes(200, "OK", headers, len(body), keep))
                writer.write(body)
                await writer.drain()
                STATE["bytes"] += len(body)
            if not keep:
                return
    except (ConnectionError, OSError):
        return
    finally:
        STATE["connections"] -= 1
        try:
            writer.close()
        except OSError:
            pass


async def main():
    global BASE
    BASE = make_base(max(ARGS.static_size, ARGS.zipf_size, ARGS.slow_size, ARGS.seg_size, 4096) + 4096)
    server = await asyncio.start_server(handle, ARGS.host, ARGS.port, backlog=4096, limit=HDR_LIMIT)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    if ARGS.ready:
        with open(ARGS.ready, "w") as f:
            f.write("%d\n" % os.getpid())
    try:
        # Bounded life: --max-seconds, then exit by itself.
        await asyncio.wait_for(stop.wait(), ARGS.max_seconds)
    except asyncio.TimeoutError:
        print("bench_origin: --max-seconds reached, exiting", file=sys.stderr)
    server.close()


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--static-size", type=int, default=MIB)
    p.add_argument("--slow-size", type=int, default=MIB)
    p.add_argument("--slow-ms", type=float, default=100.0)
    p.add_argument("--slow-chunks", type=int, default=11)
    p.add_argument("--seg-dur", type=float, default=2.0)
    p.add_argument("--seg-size", type=int, default=256 * 1024)
    p.add_argument("--window", type=int, default=6)
    p.add_argument("--zipf-objects", type=int, default=100)
    p.add_argument("--zipf-size", type=int, default=MIB)
    p.add_argument("--max-paths", type=int, default=20000)
    p.add_argument("--idle-timeout", type=float, default=120.0)
    p.add_argument("--max-seconds", type=float, default=7200.0)
    p.add_argument("--ready", help="file written once listening")
    p.add_argument("--customer", help="send X-CDN-Customer: NAME (for accounting benches)")
    a = p.parse_args()
    if a.host not in ("127.0.0.1", "::1", "localhost"):
        p.error("loopback only")
    return a


if __name__ == "__main__":
    ARGS = parse_args()
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
