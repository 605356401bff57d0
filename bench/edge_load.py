#!/usr/bin/env python3
"""Load clients for edge_vs_nginx_varnish.sh (stdlib only, loopback only).

Raw HTTP/1.1 over asyncio, kept-alive connections.  Every mode prints one
JSON object on stdout.  Every loop is bounded by a count and a deadline.

  storm  --url URL --clients N
      Opens N connections, waits until all are up, then writes the N requests
      in one tight loop (no await between them: they leave within a few ms)
      and reads the N responses.  Per waiter: time to the first response
      byte, to the first body byte ("TTFB") and to the last byte, from that
      connection's own send time; X-Cache; body CRC against the ETag.

  live   --base URL --stream NAME --players N --seconds S
      N players join over --ramp seconds; each polls the playlist every
      --poll seconds (uniformly jittered by +-20 %, from the start of the
      previous poll), joins at the newest segment and fetches every segment
      that appears after it, over one kept-alive connection.  Per segment:
      fetch time (request to last byte) and delivery latency (publication, i.e.
      EXT-X-PROGRAM-DATE-TIME + EXTINF, to last byte).  A segment "stalls"
      when its fetch takes longer than the segment duration, when it arrives
      more than --holdback seconds after publication (a player holding the
      usual 3 target durations behind live would have run dry), when it
      fails, or when it left the window before the player saw it.  Origin
      requests (from --stats) and the cache's CPU and RSS (--pid) are
      measured over the window after the ramp.  --procs splits the players
      over several processes.

  zipf   --base URL --requests N --objects K --s 1.0 --seed S --conc C
      N requests for /zipf/<k>.bin, k drawn with Zipf(s) popularity over K
      objects (seeded), over C kept-alive connections; counts X-Cache values
      (X-Cache, X-Cache-Status) and checks bodies against their ETags.
      Also prints the hit ratio an exact LRU of --lru-objects objects would
      get on the same sequence, for reference, and with --metrics URL
      --gauge NAME the peak of the cache's own gauges, sampled with --sample.

  --pid PID (storm, live, zipf; repeatable): the cache's root process(es).
  All their descendants are included: CPU (utime+stime) over the measured
  window, RSS sampled every --sample seconds (peak of the sum), and the root
  processes' VmHWM at the end.
"""
import argparse
import asyncio
import json
import multiprocessing
import os
import random
import re
import sys
import time
import urllib.parse
import urllib.request
import zlib

CLK_TCK = os.sysconf("SC_CLK_TCK")
REQ_TIMEOUT_S = 15.0


# --- /proc -------------------------------------------------------------------

def _stat_fields(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    return s[s.rfind(")") + 2:].split()


def descendants(roots):
    """Roots plus every descendant (one /proc scan)."""
    parent = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        f = _stat_fields(int(d))
        if f:
            parent[int(d)] = int(f[1])
    out = set(p for p in roots if p in parent)
    for _ in range(8):      # tree depth, bounded
        added = False
        for p, pp in parent.items():
            if pp in out and p not in out:
                out.add(p)
                added = True
        if not added:
            break
    return sorted(out)


def ticks(pids):
    t = 0
    for p in pids:
        f = _stat_fields(p)
        if f:
            t += int(f[11]) + int(f[12])
    return t


def status_kb(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class ProcWatch:
    """CPU over a window and peak summed RSS of a process tree."""

    def __init__(self, roots, interval):
        self.roots = list(roots)
        self.interval = interval
        self.peak_kb = 0
        self.samples = 0
        self.t0 = self.t1 = None
        self.tk0 = self.tk1 = 0
        self.pids = []

    def sample(self):
        if not self.roots:
            return
        self.pids = descendants(self.roots)
        kb = sum(status_kb(p, "VmRSS") for p in self.pids)
        self.peak_kb = max(self.peak_kb, kb)
        self.samples += 1

    def start(self):
        self.sample()
        self.t0 = time.monotonic()
        self.tk0 = ticks(self.pids)

    def stop(self):
        self.sample()
        self.t1 = time.monotonic()
        self.tk1 = ticks(self.pids)

    async def run(self, deadline):
        for _ in range(1000000):
            if time.monotonic() >= deadline:
                return
            self.sample()
            await asyncio.sleep(self.interval)

    def result(self):
        if not self.roots:
            return {}
        return {
            "cpu_s": (self.tk1 - self.tk0) / CLK_TCK if self.t1 else None,
            "window_s": (self.t1 - self.t0) if self.t1 else None,
            "rss_peak_kb": self.peak_kb,
            "rss_samples": self.samples,
            "hwm_kb": sum(status_kb(p, "VmHWM") for p in self.roots),
            "hwm_all_kb": sum(status_kb(p, "VmHWM") for p in descendants(self.roots)),
            "pids": self.pids,
        }


# --- HTTP/1.1 client ---------------------------------------------------------

class Resp:
    __slots__ = ("status", "headers", "nbytes", "t_head", "t_body", "t_end", "crc", "body")


class HttpConn:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.r = self.w = None
        self.hosthdr = "%s:%d" % (host, port)
        self.reconnects = -1

    async def connect(self):
        self.close()
        self.r, self.w = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
        self.reconnects += 1

    def close(self):
        if self.w is not None:
            try:
                self.w.close()
            except Exception:
                pass
        self.r = self.w = None

    def send(self, path):
        self.w.write(("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: edge-bench\r\n\r\n"
                      % (path, self.hosthdr)).encode())
        return time.monotonic()

    async def read_response(self, keep_body=False, crc=False):
        r = self.r
        resp = Resp()
        head = await r.readuntil(b"\r\n\r\n")
        resp.t_head = time.monotonic()
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        resp.status = int(parts[1])
        h = {}
        for ln in lines[1:]:
            if ":" in ln:
                k, v = ln.split(":", 1)
                h[k.strip().lower()] = v.strip()
        resp.headers = h
        resp.nbytes = 0
        resp.crc = 0
        resp.t_body = None
        chunks = [] if keep_body else None
        c = 0

        def take(data):
            nonlocal c
            if resp.t_body is None and data:
                resp.t_body = time.monotonic()
            resp.nbytes += len(data)
            if crc:
                c = zlib.crc32(data, c)
            if chunks is not None:
                chunks.append(data)

        te = h.get("transfer-encoding", "").lower()
        if resp.status in (204, 304) or 100 <= resp.status < 200:
            pass
        elif "chunked" in te:
            for _ in range(10000000):
                line = await r.readuntil(b"\r\n")
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    for _ in range(100):        # trailers
                        t = await r.readuntil(b"\r\n")
                        if t == b"\r\n":
                            break
                    break
                left = size
                while left > 0:
                    data = await r.read(min(left, 1 << 18))
                    if not data:
                        raise asyncio.IncompleteReadError(b"", left)
                    take(data)
                    left -= len(data)
                await r.readexactly(2)
        elif "content-length" in h:
            left = int(h["content-length"])
            while left > 0:
                data = await r.read(min(left, 1 << 18))
                if not data:
                    raise asyncio.IncompleteReadError(b"", left)
                take(data)
                left -= len(data)
        else:
            for _ in range(10000000):           # until EOF
                data = await r.read(1 << 18)
                if not data:
                    break
                take(data)
            self.close()
        resp.t_end = time.monotonic()
        resp.crc = c & 0xFFFFFFFF
        resp.body = b"".join(chunks) if chunks is not None else None
        if "close" in h.get("connection", "").lower():
            self.close()
        return resp

    async def get(self, path, keep_body=False, crc=False, timeout=REQ_TIMEOUT_S):
        """One request; reconnects once if a kept-alive connection was closed."""
        for attempt in range(2):
            try:
                if self.w is None:
                    await asyncio.wait_for(self.connect(), timeout)
                t0 = self.send(path)
                resp = await asyncio.wait_for(self.read_response(keep_body, crc), timeout)
                return t0, resp
            except (asyncio.IncompleteReadError, ConnectionError, OSError) as e:
                self.close()
                if attempt == 1:
                    raise e
            except asyncio.TimeoutError:
                self.close()
                raise
        raise ConnectionError("unreachable")


def cache_status(h):
    """HIT / MISS / ... from whichever header the cache sets."""
    v = h.get("x-cache") or h.get("x-cache-status")
    if v:
        return v.split(",")[0].strip().upper() or "NONE"
    return "NONE"


def is_hit(v):
    return v in ("HIT", "REVALIDATED")


def etag_ok(resp):
    m = re.match(r'^(?:W/)?"([0-9a-f]{8})-(\d+)"$', resp.headers.get("etag", ""))
    if not m:
        return None             # no verifiable ETag
    return int(m.group(1), 16) == resp.crc and int(m.group(2)) == resp.nbytes


def pct(vals, p):
    if not vals:
        return None
    s = sorted(vals)
    k = (len(s) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def fetch_stats(url):
    if not url:
        return None
    try:
        with urllib.request.urlopen(url, timeout=5) as f:
            return json.loads(f.read().decode())
    except (OSError, ValueError):
        return None


def split_url(url):
    u = urllib.parse.urlsplit(url)
    if u.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("edge_load: loopback only: %s" % url)
    return u.hostname, u.port or 80, (u.path or "/") + ("?" + u.query if u.query else "")


class LagMeter:
    """Event-loop lag: how late a 50 ms sleep wakes up (client saturation)."""

    def __init__(self):
        self.lags = []

    async def run(self, deadline):
        for _ in range(10000000):
            t = time.monotonic()
            if t >= deadline:
                return
            await asyncio.sleep(0.05)
            self.lags.append(max(0.0, time.monotonic() - t - 0.05))


# --- storm -------------------------------------------------------------------

async def storm(a):
    host, port, path = split_url(a.url)
    watch = ProcWatch(a.pid, a.sample)
    conns = [HttpConn(host, port) for _ in range(a.clients)]
    res = await asyncio.gather(*[asyncio.wait_for(c.connect(), 10) for c in conns],
                               return_exceptions=True)
    connected = [c for c, r in zip(conns, res) if not isinstance(r, Exception)]
    await asyncio.sleep(a.settle)
    watch.start()
    sends = []
    for c in connected:              # the barrier: no await in this loop
        sends.append(c.send(path))
    spread = (sends[-1] - sends[0]) if sends else None

    async def one(c, t0):
        try:
            resp = await asyncio.wait_for(c.read_response(crc=True), REQ_TIMEOUT_S * 2)
            return t0, resp, None
        except Exception as e:      # noqa: BLE001 - reported, not raised
            return t0, None, repr(e)

    results = await asyncio.gather(*[one(c, t) for c, t in zip(connected, sends)])
    watch.stop()
    for c in conns:
        c.close()
    s1 = fetch_stats(a.stats)
    fetches = s1["paths"].get(path.split("?", 1)[0], 0) if s1 else None
    ttfb, thead, total, xc, errors, bad = [], [], [], {}, [], 0
    for t0, resp, err in results:
        if resp is None or resp.status != 200:
            errors.append(err or "status %d" % resp.status)
            continue
        thead.append(resp.t_head - t0)
        ttfb.append((resp.t_body or resp.t_end) - t0)
        total.append(resp.t_end - t0)
        v = cache_status(resp.headers)
        xc[v] = xc.get(v, 0) + 1
        if etag_ok(resp) is False:
            bad += 1
    return {
        "mode": "storm", "clients": a.clients, "connected": len(connected),
        "origin_fetches": fetches,
        "send_spread_ms": spread * 1000 if spread is not None else None,
        "ok": len(ttfb), "errors": len(errors), "error_samples": errors[:3],
        "bad_bodies": bad, "x_cache": xc,
        "ttfb_ms": {"p50": ms(pct(ttfb, 50)), "p99": ms(pct(ttfb, 99)),
                    "min": ms(min(ttfb) if ttfb else None), "max": ms(max(ttfb) if ttfb else None)},
        "head_ms": {"p50": ms(pct(thead, 50)), "p99": ms(pct(thead, 99))},
        "total_ms": {"p50": ms(pct(total, 50)), "p99": ms(pct(total, 99)),
                     "max": ms(max(total) if total else None)},
        "proc": watch.result(),
    }


def ms(v):
    return None if v is None else round(v * 1000, 2)


# --- live --------------------------------------------------------------------

def parse_pdt(s):
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    try:
        import datetime
        return datetime.datetime.fromisoformat(s).timestamp()
    except ValueError:
        return None


def parse_media_playlist(text):
    """[(seq, uri, publication_epoch or None)], duration of the last EXTINF."""
    seq = 0
    out = []
    pdt = None
    dur = None
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            try:
                seq = int(line.split(":", 1)[1])
            except ValueError:
                pass
        elif line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            pdt = parse_pdt(line.split(":", 1)[1])
        elif line.startswith("#EXTINF:"):
            try:
                dur = float(line.split(":", 1)[1].split(",")[0])
            except ValueError:
                dur = None
        elif not line.startswith("#"):
            pub = pdt + dur if (pdt is not None and dur is not None) else None
            out.append((seq, line, pub))
            seq += 1
            pdt = None
    return out


async def live_worker(a, first, count, t_start_epoch):
    """Players first..first+count-1; returns raw figures (mergeable)."""
    host, port, _ = split_url(a.base)
    base_path = urllib.parse.urlsplit(a.base).path.rstrip("/")
    pl_path = "%s/live/%s/index.m3u8" % (base_path, a.stream)
    seg_dir = "%s/live/%s/" % (base_path, a.stream)
    mono0 = time.monotonic() + (t_start_epoch - time.time())
    end = mono0 + a.ramp + a.seconds
    rnd = random.Random(a.seed * 1000003 + first)
    lag = LagMeter()
    R = {"players": count, "joined": 0, "playlists": 0, "playlist_errors": 0,
         "segments": 0, "segment_errors": 0, "slow": 0, "late": 0, "skipped": 0,
         "stalls": 0, "stalled_players": 0, "reconnects": 0, "no_pdt": 0,
         "fetch_s": [], "latency_s": [], "pl_age_s": [], "pl_fetch_s": [], "gap_s": [],
         "error_samples": [], "x_cache": {}}

    async def player(i):
        await asyncio.sleep(max(0.0, mono0 + a.ramp * (i - first) / max(1, count)
                                + rnd.uniform(0, 0.01) - time.monotonic()))
        conn = HttpConn(host, port)
        last = None
        t_last_seg = None
        stalls = 0
        joined = False
        for _ in range(100000):
            t_poll = time.monotonic()
            if t_poll >= end:
                break
            try:
                t0, resp = await conn.get(pl_path, keep_body=True)
                R["pl_fetch_s"].append(resp.t_end - t0)
                if resp.status != 200:
                    raise ValueError("playlist status %d" % resp.status)
                R["playlists"] += 1
                segs = parse_media_playlist(resp.body.decode("latin-1"))
            except Exception as e:      # noqa: BLE001
                R["playlist_errors"] += 1
                if len(R["error_samples"]) < 5:
                    R["error_samples"].append("playlist: " + repr(e))
                segs = None
            if segs:
                if segs[-1][2] is not None:
                    R["pl_age_s"].append(time.time() - segs[-1][2])
                if last is None:
                    todo = segs[-1:]            # join at the newest segment
                    if not joined:
                        joined = True
                        R["joined"] += 1
                else:
                    todo = [s for s in segs if s[0] > last]
                    if todo and todo[0][0] > last + 1:
                        n = todo[0][0] - last - 1     # left the window unseen
                        R["skipped"] += n
                        stalls += n
                for seq, uri, pub in todo:
                    if time.monotonic() >= end + a.seg_dur:
                        break
                    bad = False
                    try:
                        t0, resp = await conn.get(seg_dir + uri)
                        v = cache_status(resp.headers)
                        R["x_cache"][v] = R["x_cache"].get(v, 0) + 1
                        if resp.status != 200 or resp.nbytes == 0:
                            raise ValueError("segment status %d" % resp.status)
                        R["segments"] += 1
                        if t_last_seg is not None:
                            R["gap_s"].append(resp.t_end - t_last_seg)
                        t_last_seg = resp.t_end
                        ft = resp.t_end - t0
                        R["fetch_s"].append(ft)
                        if ft > a.seg_dur:
                            R["slow"] += 1
                            bad = True
                        if pub is not None:
                            lat = time.time() - pub
                            R["latency_s"].append(lat)
                            if lat > a.holdback:
                                R["late"] += 1
                                bad = True
                        else:
                            R["no_pdt"] += 1
                    except Exception as e:      # noqa: BLE001
                        R["segment_errors"] += 1
                        bad = True
                        if len(R["error_samples"]) < 5:
                            R["error_samples"].append("segment: " + repr(e))
                    if bad:
                        stalls += 1
                    last = seq
            nxt = t_poll + a.poll * rnd.uniform(0.8, 1.2)
            await asyncio.sleep(max(0.0, min(nxt, end) - time.monotonic()))
        R["reconnects"] += max(0, conn.reconnects)
        conn.close()
        R["stalls"] += stalls
        if stalls:
            R["stalled_players"] += 1

    lag_task = asyncio.ensure_future(lag.run(end + 1))
    await asyncio.gather(*[player(i) for i in range(first, first + count)])
    lag_task.cancel()
    R["lag_s"] = lag.lags
    R["client_cpu_s"] = sum(os.times()[:2])
    return R


def _live_child(a, first, count, t0, q):
    try:
        q.put(asyncio.run(live_worker(a, first, count, t0)))
    except Exception as e:      # noqa: BLE001
        q.put({"fatal": repr(e)})


def live(a):
    """Forks the children before any event loop exists, then runs its own share."""
    procs = max(1, min(a.procs, 16))
    t0 = time.time() + 0.5 + 0.1 * procs        # common start, after the forks
    per = [a.players // procs + (1 if i < a.players % procs else 0) for i in range(procs)]
    ctx = multiprocessing.get_context("fork")
    q = ctx.SimpleQueue()
    kids = []
    for i in range(1, procs):                   # children take the later shares
        p = ctx.Process(target=_live_child, args=(a, sum(per[:i]), per[i], t0, q), daemon=True)
        p.start()
        kids.append(p)
    try:
        return asyncio.run(live_parent(a, per[0], t0, q, kids))
    finally:
        for p in kids:
            if p.is_alive():
                p.terminate()
                p.join(timeout=5)


async def live_parent(a, count0, t0, q, kids):
    procs = len(kids) + 1
    watch = ProcWatch(a.pid, a.sample)
    mono0 = time.monotonic() + (t0 - time.time())
    w_start = mono0 + a.ramp
    w_end = w_start + a.seconds
    own = asyncio.ensure_future(live_worker(a, 0, count0, t0))

    async def window():
        await asyncio.sleep(max(0.0, w_start - time.monotonic()))
        s0 = fetch_stats(a.stats)
        watch.start()
        ws = time.monotonic()
        await watch.run(w_end)
        s1 = fetch_stats(a.stats)
        watch.stop()
        return s0, s1, time.monotonic() - ws

    s0, s1, wlen = await window()
    parts = [await own]
    deadline = time.monotonic() + a.seconds + 60
    for _ in kids:                      # bounded wait for every child
        got = None
        for _ in range(10000):
            if time.monotonic() > deadline:
                break
            if not q.empty():
                got = q.get()
                break
            await asyncio.sleep(0.05)
        parts.append(got if got is not None else {"fatal": "child timed out"})
    for p in kids:
        p.join(timeout=5)
        if p.is_alive():
            p.terminate()
            p.join(timeout=5)
    out = {"mode": "live", "players": a.players, "procs": procs, "seconds": a.seconds,
           "ramp": a.ramp, "window_s": round(wlen, 3), "fatal": [p["fatal"] for p in parts if "fatal" in p]}
    parts = [p for p in parts if "fatal" not in p]
    M = {}
    for p in parts:
        for k, v in p.items():
            if isinstance(v, list):
                M.setdefault(k, []).extend(v)
            elif isinstance(v, dict):
                d = M.setdefault(k, {})
                for kk, vv in v.items():
                    d[kk] = d.get(kk, 0) + vv
            else:
                M[k] = M.get(k, 0) + v
    for k in ("players", "joined", "playlists", "playlist_errors", "segments", "segment_errors",
              "slow", "late", "skipped", "stalls", "stalled_players", "reconnects", "no_pdt",
              "x_cache", "client_cpu_s"):
        out[k] = M.get(k, 0)
    out["error_samples"] = M.get("error_samples", [])[:5]
    for k in ("fetch_s", "latency_s", "pl_age_s", "pl_fetch_s", "gap_s"):
        v = M.get(k, [])
        out[k] = {"n": len(v), "p50": r3(pct(v, 50)), "p99": r3(pct(v, 99)),
                  "max": r3(max(v) if v else None)}
    lags = M.get("lag_s", [])
    out["client_lag_s"] = {"p99": r3(pct(lags, 99)), "max": r3(max(lags) if lags else None)}
    if s0 and s1:
        c0, c1 = s0["classes"], s1["classes"]
        pl = c1["live_playlist"] - c0["live_playlist"]
        sg = c1["live_segment"] - c0["live_segment"]
        dt = s1["now"] - s0["now"]
        out["origin"] = {"playlist": pl, "segment": sg, "window_s": round(dt, 3),
                         "req_per_s": round((pl + sg) / dt, 3) if dt > 0 else None,
                         "playlist_per_s": round(pl / dt, 3) if dt > 0 else None,
                         "segment_per_s": round(sg / dt, 3) if dt > 0 else None,
                         "other": sum(c1.values()) - sum(c0.values()) - pl - sg
                         - (c1.get("health", 0) - c0.get("health", 0))}
    else:
        out["origin"] = None
    out["proc"] = watch.result()
    return out


def r3(v):
    return None if v is None else round(v, 3)


# --- zipf --------------------------------------------------------------------

def zipf_sequence(n, objects, s, seed):
    rnd = random.Random(seed)
    weights = [1.0 / (k ** s) for k in range(1, objects + 1)]
    return rnd.choices(range(objects), weights=weights, k=n)


def lru_hits(seq, capacity):
    from collections import OrderedDict
    c = OrderedDict()
    hits = 0
    for k in seq:
        if k in c:
            hits += 1
            c.move_to_end(k)
        else:
            c[k] = True
            if len(c) > capacity:
                c.popitem(last=False)
    return hits


async def zipf(a):
    host, port, _ = split_url(a.base)
    base_path = urllib.parse.urlsplit(a.base).path.rstrip("/")
    seq = zipf_sequence(a.requests, a.objects, a.s, a.seed)
    watch = ProcWatch(a.pid, a.sample)
    s0 = fetch_stats(a.stats)
    watch.start()
    t_start = time.monotonic()
    deadline = t_start + a.max_seconds
    idx = {"i": 0}
    R = {"ok": 0, "errors": 0, "bad_bodies": 0, "x_cache": {}, "hits": 0, "error_samples": [],
         "bytes": 0}

    async def worker():
        c = HttpConn(host, port)
        for _ in range(a.requests):
            i = idx["i"]
            if i >= len(seq) or time.monotonic() > deadline:
                break
            idx["i"] = i + 1
            try:
                _, resp = await c.get("%s/zipf/%d.bin" % (base_path, seq[i]), crc=True)
                if resp.status != 200:
                    raise ValueError("status %d" % resp.status)
                R["ok"] += 1
                R["bytes"] += resp.nbytes
                v = cache_status(resp.headers)
                R["x_cache"][v] = R["x_cache"].get(v, 0) + 1
                if is_hit(v):
                    R["hits"] += 1
                if etag_ok(resp) is False:
                    R["bad_bodies"] += 1
            except Exception as e:      # noqa: BLE001
                R["errors"] += 1
                if len(R["error_samples"]) < 3:
                    R["error_samples"].append(repr(e))
        c.close()

    gauges = {}

    def scrape():
        """Peak values of the cache's own gauges (--metrics, Prometheus text)."""
        try:
            with urllib.request.urlopen(a.metrics, timeout=2) as f:
                text = f.read().decode("latin-1")
        except (OSError, ValueError):
            return
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] in a.gauge:
                try:
                    v = float(parts[1])
                except ValueError:
                    continue
                gauges[parts[0]] = max(gauges.get(parts[0], v), v)

    async def sampler():
        if not a.metrics:
            await watch.run(deadline)
            return
        for _ in range(10000000):
            if time.monotonic() >= deadline:
                return
            watch.sample()
            scrape()
            await asyncio.sleep(a.sample)

    st = asyncio.ensure_future(sampler())
    await asyncio.gather(*[worker() for _ in range(max(1, a.conc))])
    st.cancel()
    watch.stop()
    if a.metrics:
        scrape()
    el = time.monotonic() - t_start
    s1 = fetch_stats(a.stats)
    out = {"mode": "zipf", "requests": a.requests, "done": idx["i"], "elapsed_s": round(el, 3),
           "distinct": len(set(seq)), "lru_objects": a.lru_objects,
           "lru_hit_ratio": round(lru_hits(seq, a.lru_objects) / len(seq), 4) if seq else None}
    out.update(R)
    out["header_hit_ratio"] = round(R["hits"] / R["ok"], 4) if R["ok"] else None
    if s0 and s1:
        f = s1["classes"]["zipf"] - s0["classes"]["zipf"]
        out["origin_fetches"] = f
        out["origin_hit_ratio"] = round(1 - f / R["ok"], 4) if R["ok"] else None
    out["proc"] = watch.result()
    out["gauge_peaks"] = gauges
    return out


# --- main --------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="mode", required=True)
    for name in ("storm", "live", "zipf"):
        s = sub.add_parser(name)
        s.add_argument("--pid", type=int, action="append", default=[])
        s.add_argument("--sample", type=float, default=0.25)
        s.add_argument("--stats", help="origin /_stats URL")
    s = sub.choices["storm"]
    s.add_argument("--url", required=True)
    s.add_argument("--clients", type=int, default=200)
    s.add_argument("--settle", type=float, default=0.3)
    s = sub.choices["live"]
    s.add_argument("--base", required=True)
    s.add_argument("--stream", required=True)
    s.add_argument("--players", type=int, default=100)
    s.add_argument("--seconds", type=float, default=30)
    s.add_argument("--ramp", type=float, default=2.0)
    s.add_argument("--poll", type=float, default=1.0)
    s.add_argument("--seg-dur", type=float, default=2.0)
    s.add_argument("--holdback", type=float, default=6.0)
    s.add_argument("--procs", type=int, default=1)
    s.add_argument("--seed", type=int, default=1)
    s = sub.choices["zipf"]
    s.add_argument("--base", required=True)
    s.add_argument("--requests", type=int, default=2000)
    s.add_argument("--objects", type=int, default=100)
    s.add_argument("--s", type=float, default=1.0)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--conc", type=int, default=4)
    s.add_argument("--lru-objects", type=int, default=20)
    s.add_argument("--max-seconds", type=float, default=300)
    s.add_argument("--metrics", help="the cache's Prometheus /metrics URL, sampled with --sample")
    s.add_argument("--gauge", action="append", default=[],
                   help="metric name (no labels) whose peak is reported; repeatable")
    a = p.parse_args()
    if a.mode == "storm" and not 1 <= a.clients <= 5000:
        p.error("--clients must be 1..5000")
    if a.mode == "live" and not (1 <= a.players <= 20000 and 1 <= a.seconds <= 3600):
        p.error("--players 1..20000, --seconds 1..3600")
    if a.mode == "zipf" and not (1 <= a.requests <= 1000000 and 1 <= a.objects <= 100000):
        p.error("--requests 1..1000000, --objects 1..100000")
    if a.mode == "live":
        out = live(a)
    else:
        out = asyncio.run({"storm": storm, "zipf": zipf}[a.mode](a))
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
