#!/usr/bin/env python3
"""HLS probe used by origin_vs_nginx_rtmp.sh (stdlib only, loopback only).

Modes (stream list on stdin, one "NAME URL" per line):

  first-playable --interval S --timeout S [--ready FILE]
      One thread per stream polls its playlist every S seconds (default 0.02)
      over a kept-alive HTTP/1.1 connection.  A stream is "playable" once its
      playlist (a media playlist, or the first variant of a master playlist)
      lists at least one segment and that segment (and its EXT-X-MAP init
      section, if any) downloads with HTTP 200 and a non-empty body.
      Prints "NAME EPOCH_SECONDS POLLS" when playable, "NAME TIMEOUT POLLS"
      otherwise.  Polling may start before the publisher: 404s are expected.
      The ready file is created once every thread runs, so the caller can
      start the publishers after it and not count our own start-up.

  snapshot
      Fetches each playlist once and prints
      "NAME HTTP_STATUS MEDIA_SEQUENCE N_SEGMENTS" (-1 for unknown values),
      used to count the segments produced during the measured window.

Every loop is bounded by count and by a deadline.
"""
import argparse
import http.client
import os
import sys
import threading
import time
import urllib.parse

HTTP_TIMEOUT_S = 3.0


class Client:
    """One kept-alive connection to one host:port, reopened after errors."""

    def __init__(self, netloc):
        self.netloc = netloc
        self.conn = None

    def get(self, path):
        for _attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(
                        self.netloc, timeout=HTTP_TIMEOUT_S)
                self.conn.request("GET", path,
                                  headers={"Cache-Control": "no-cache"})
                resp = self.conn.getresponse()
                body = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, body
            except (OSError, http.client.HTTPException):
                self.close()
        return -1, b""

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
            self.conn = None


def parse_playlist(text):
    """Returns (is_master, uris, map_uri, media_sequence)."""
    uris = []
    map_uri = None
    seq = -1
    is_master = False
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith("#EXT-X-STREAM-INF"):
                is_master = True
            elif line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
                try:
                    seq = int(line.split(":", 1)[1])
                except ValueError:
                    seq = -1
            elif line.startswith("#EXT-X-MAP:") and map_uri is None:
                for attr in line[len("#EXT-X-MAP:"):].split(","):
                    k, _, v = attr.partition("=")
                    if k.strip() == "URI":
                        map_uri = v.strip().strip('"')
            continue
        uris.append(line)
    return is_master, uris, map_uri, seq


def fetch_media_playlist(client, url):
    """GETs url, following one level of master playlist.

    Returns (status, final_url, uris, map_uri, media_sequence)."""
    for _level in range(2):
        path = urllib.parse.urlsplit(url)
        target = path.path + ("?" + path.query if path.query else "")
        status, body = client.get(target)
        if status != 200:
            return status, url, [], None, -1
        is_master, uris, map_uri, seq = parse_playlist(
            body.decode("utf-8", "replace"))
        if is_master and uris:
            url = urllib.parse.urljoin(url, uris[0])
            continue
        return status, url, uris, map_uri, seq
    return -1, url, [], None, -1


def is_playable(client, url):
    status, final, uris, map_uri, _seq = fetch_media_playlist(client, url)
    if status != 200 or not uris:
        return False
    for rel in ([map_uri] if map_uri else []) + [uris[0]]:
        seg = urllib.parse.urlsplit(urllib.parse.urljoin(final, rel))
        if seg.netloc != urllib.parse.urlsplit(url).netloc:
            return False  # never leave the server under test
        st, body = client.get(seg.path + ("?" + seg.query if seg.query else ""))
        if st != 200 or not body:
            return False
    return True


def read_streams():
    streams = []
    for line in sys.stdin:
        parts = line.split()
        if len(parts) == 2:
            streams.append((parts[0], parts[1]))
    return streams


def first_playable(args):
    streams = read_streams()
    results = {}
    lock = threading.Lock()
    started = threading.Barrier(len(streams) + 1) if streams else None
    deadline = time.time() + args.timeout
    max_polls = int(args.timeout / args.interval) + 10

    def worker(name, url):
        client = Client(urllib.parse.urlsplit(url).netloc)
        started.wait()
        polls = 0
        when = None
        next_t = time.time()
        while polls < max_polls and time.time() < deadline:
            polls += 1
            if is_playable(client, url):
                when = time.time()
                break
            next_t += args.interval
            delay = next_t - time.time()
            if delay > 0:
                time.sleep(delay)
            else:
                next_t = time.time()  # fell behind: do not burst
        client.close()
        with lock:
            results[name] = (when, polls)

    threads = [threading.Thread(target=worker, args=s, daemon=True)
               for s in streams]
    for t in threads:
        t.start()
    if started:
        started.wait()
    if args.ready:
        with open(args.ready, "w") as f:
            f.write("%.6f\n" % time.time())
    for t in threads:
        t.join(max(0.1, deadline - time.time() + HTTP_TIMEOUT_S * 3))
    for name, _url in streams:
        when, polls = results.get(name, (None, -1))
        if when is None:
            print("%s TIMEOUT %d" % (name, polls))
        else:
            print("%s %.6f %d" % (name, when, polls))
    sys.stdout.flush()
    return 0


def snapshot(_args):
    for name, url in read_streams():
        client = Client(urllib.parse.urlsplit(url).netloc)
        status, _final, uris, _map, seq = fetch_media_playlist(client, url)
        client.close()
        print("%s %d %d %d" % (name, status, seq, len(uris) if status == 200 else -1))
    sys.stdout.flush()
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    fp = sub.add_parser("first-playable")
    fp.add_argument("--interval", type=float, default=0.02)
    fp.add_argument("--timeout", type=float, default=30.0)
    fp.add_argument("--ready")
    sub.add_parser("snapshot")
    args = ap.parse_args()
    if args.mode == "first-playable":
        return first_playable(args)
    return snapshot(args)


if __name__ == "__main__":
    sys.exit(main())
