#!/usr/bin/env python3
"""Segment watcher used by ingest_capacity.sh (stdlib only, loopback only).

Modes:

  watch --list FILE --interval S --deadline EPOCH --stop FILE [--ready FILE]
      FILE holds "NAME URL" lines (media playlists) and may grow while the
      watcher runs: it is re-read every second and a thread is started for
      each new name.  Each thread polls its playlist every S seconds over a
      kept-alive HTTP/1.1 connection and prints, on stdout, one line per
      event:
        SEG NAME SEQ EPOCH EXTINF DISC INITIAL ABSENT
            segment SEQ was first seen at EPOCH (after the response); DISC 1
            when an EXT-X-DISCONTINUITY precedes it; INITIAL 1 when it was
            already listed in the first playlist that listed any segment
            (it was there before we looked: used as an anchor, not judged);
            ABSENT: when the request of the last earlier answer (200) that
            did not list it was sent (-1: none), i.e. it was provably not
            there yet at that time
        GAP NAME FROM TO EPOCH
            segments FROM..TO left the playlist before any poll saw them
        END NAME EPOCH      the playlist carries EXT-X-ENDLIST
        ERR NAME STATUS EPOCH
            a playlist that was live answered STATUS (-1: no answer);
            printed once per change of status
      The watcher stops when the stop file exists or at the deadline.

  analyze --events FILE --from EPOCH --to EPOCH --late S --long S
          [--names N1,N2,...]
      Judges the segments first seen in [from, to] (see "late" below) and
      prints one "STREAM ..." line per stream and a "TOTAL ..." line of
      key=value pairs.  A segment whose EXTINF exceeds --long is counted
      as long: with a fixed-GOP input that means a keyframe was lost
      (media lost on the way in), which "late" cannot see because the
      schedule follows the EXTINFs.

  pubstat
      stdin: "NAME PROGRESS_FILE" lines (ffmpeg -progress files).  Prints
      "NAME MTIME OUT_TIME_US SPEED END" from each file's last complete block
      (the file's mtime is when that block was written), "NAME -1 -1 -1 0"
      when there is none yet.

Late, as judged here.  With -re publishers, media time is wall time, so
segment k of a stream should appear EXTINF(k) seconds after segment k-1.
For each segment, offset(k) = first_seen(k) - sum(EXTINF(0..k)); the best
offset so far (the minimum over earlier segments of the same run) is the
stream's schedule.  lateness(k) = offset(k) - best offset before k.  A
segment is late when lateness > the late threshold (one target duration).
A discontinuity or a gap restarts the schedule.  Segments that left the
playlist unseen are counted as missed (and as late: we cannot tell).  A
stream whose next segment is overdue by more than the threshold at the end
of the window counts one late segment too, so a stalled stream cannot pass
by producing nothing.  The poll interval bounds the error (a segment is seen
up to one interval after it appears).

Proven late.  A watcher starved of CPU polls late and sees segments late.
So each segment also carries ABSENT, the last time a playlist provably did
not list it; "proven late" uses ABSENT instead of the first sighting:
lateness >= (ABSENT - sum of EXTINFs) - schedule.  A segment late by this
measure was late at the server whatever the watcher's own delays.

Every loop is bounded by count and by a deadline.
"""
import argparse
import http.client
import os
import random
import sys
import threading
import time
import urllib.parse

HTTP_TIMEOUT_S = 3.0
MAX_STREAMS = 1000


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


def parse_media_playlist(text):
    """Returns (media_sequence, [(extinf, disc)], has_endlist)."""
    seq = 0
    segs = []
    disc = False
    extinf = None
    endlist = False
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
                try:
                    seq = int(line.split(":", 1)[1])
                except ValueError:
                    seq = 0
            elif line.startswith("#EXTINF:"):
                try:
                    extinf = float(line[8:].split(",", 1)[0])
                except ValueError:
                    extinf = 0.0
            elif line.startswith("#EXT-X-DISCONTINUITY") and \
                    not line.startswith("#EXT-X-DISCONTINUITY-SEQUENCE"):
                disc = True
            elif line.startswith("#EXT-X-ENDLIST"):
                endlist = True
            continue
        segs.append((extinf if extinf is not None else 0.0, disc))
        extinf = None
        disc = False
    return seq, segs, endlist


class Out:
    def __init__(self):
        self.lock = threading.Lock()

    def emit(self, line):
        with self.lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()


def watch_stream(name, url, args, out, stop):
    client = Client(urllib.parse.urlsplit(url).netloc)
    parts = urllib.parse.urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    max_seen = None          # highest sequence number reported
    had_segments = False
    last_status = 200
    ended = False
    last_ok_sent = -1.0      # request time of the last 200 answer
    max_polls = int((args.deadline - time.time()) / args.interval) + 10
    # Spread the threads over one interval so the polls do not come in bursts.
    next_t = time.time() + random.random() * args.interval
    for _poll in range(max(0, max_polls)):
        if stop.is_set() or time.time() >= args.deadline:
            break
        delay = next_t - time.time()
        if delay > 0:
            if stop.wait(delay):
                break
        next_t += args.interval
        if next_t < time.time():
            next_t = time.time() + args.interval  # fell behind: no burst
        sent = time.time()
        status, body = client.get(target)
        now = time.time()
        if status != 200:
            if had_segments and status != last_status:
                out.emit("ERR %s %d %.3f" % (name, status, now))
            last_status = status
            continue
        last_status = 200
        seq0, segs, endlist = parse_media_playlist(
            body.decode("utf-8", "replace"))
        absent = last_ok_sent
        last_ok_sent = sent
        if not segs:
            continue
        initial = 0 if had_segments else 1
        had_segments = True
        if max_seen is not None and seq0 > max_seen + 1:
            out.emit("GAP %s %d %d %.3f" % (name, max_seen + 1, seq0 - 1, now))
        for i, (extinf, disc) in enumerate(segs):
            s = seq0 + i
            if max_seen is not None and s <= max_seen:
                continue
            out.emit("SEG %s %d %.3f %.3f %d %d %.3f" %
                     (name, s, now, extinf, 1 if disc else 0, initial,
                      absent))
            max_seen = s
        if endlist and not ended:
            ended = True
            out.emit("END %s %.3f" % (name, now))
    client.close()


def watch(args):
    out = Out()
    stop = threading.Event()
    threads = {}
    ready_done = False
    # Bounded: one iteration a second until the deadline.
    for _tick in range(int(max(0, args.deadline - time.time())) + 2):
        if os.path.exists(args.stop) or time.time() >= args.deadline:
            break
        try:
            with open(args.list) as f:
                for line in f:
                    p = line.split()
                    if len(p) == 2 and p[0] not in threads and \
                            len(threads) < MAX_STREAMS:
                        t = threading.Thread(target=watch_stream,
                                             args=(p[0], p[1], args, out, stop),
                                             daemon=True)
                        threads[p[0]] = t
                        t.start()
        except OSError:
            pass
        if args.ready and not ready_done:
            with open(args.ready, "w") as f:
                f.write("%.6f\n" % time.time())
            ready_done = True
        time.sleep(1.0)
    stop.set()
    for t in threads.values():
        t.join(HTTP_TIMEOUT_S * 2 + 1)
    return 0


def pct(vals, p):
    if not vals:
        return float("nan")
    v = sorted(vals)
    i = min(len(v) - 1, max(0, int(round(p / 100.0 * (len(v) - 1)))))
    return v[i]


def analyze(args):
    names = set(args.names.split(",")) if args.names else None
    segs = {}     # name -> {seq: (seen, extinf, disc, initial, absent)}
    ends = {}     # name -> epoch
    errs = {}     # name -> [(status, epoch)]
    with open(args.events) as f:
        for line in f:
            p = line.split()
            if len(p) < 3 or (names is not None and p[1] not in names):
                continue
            n = p[1]
            try:
                if p[0] == "SEG" and len(p) in (7, 8):
                    s = int(p[2])
                    d = segs.setdefault(n, {})
                    if s not in d:
                        d[s] = (float(p[3]), float(p[4]), p[5] == "1",
                                p[6] == "1",
                                float(p[7]) if len(p) == 8 else -1.0)
                elif p[0] == "END" and len(p) == 3:
                    ends.setdefault(n, float(p[2]))
                elif p[0] == "ERR" and len(p) == 4:
                    errs.setdefault(n, []).append((int(p[2]), float(p[3])))
            except ValueError:
                continue
    t0, t1, late_s = args.t_from, args.t_to, args.late
    all_names = sorted(names) if names is not None else sorted(segs)
    tot = dict(streams=len(all_names), live=0, segs=0, late=0, missed=0,
               disc=0, ended=0, errors=0, overdue=0, late_proven=0, long=0)
    lateness_all = []
    for n in all_names:
        d = segs.get(n, {})
        st = dict(segs=0, late=0, missed=0, disc=0, overdue=0, max=0.0,
                  proven=0, long=0)
        best = None
        cum = 0.0
        prev = None
        last_expected_next = None
        for s in sorted(d):
            seen, extinf, disc, initial, absent = d[s]
            in_win = t0 <= seen <= t1
            restart = prev is None or s != prev + 1 or disc
            if prev is not None and (s != prev + 1 or disc) and in_win:
                st["disc" if disc else "missed"] += \
                    1 if disc else (s - prev - 1)
            if restart:
                best = None
                cum = 0.0
            cum += extinf
            off = seen - cum
            if best is not None and in_win and not initial:
                late = off - best
                st["segs"] += 1
                lateness_all.append(max(0.0, late))
                st["max"] = max(st["max"], late)
                if late > late_s:
                    st["late"] += 1
                if extinf > args.long:
                    st["long"] += 1
                if absent >= 0 and absent - cum - best > late_s:
                    st["proven"] += 1
            best = off if best is None else min(best, off)
            last_expected_next = best + cum + (extinf if extinf > 0 else late_s)
            prev = s
        # GAP events say the same as the jumps in SEG sequence numbers
        # counted above; they stay in the event log for reading.
        if last_expected_next is not None and n not in ends and \
                t1 - last_expected_next > late_s:
            st["overdue"] = 1
        ended = 1 if (n in ends and ends[n] <= t1) else 0
        nerr = sum(1 for (_s, e) in errs.get(n, []) if t0 <= e <= t1)
        live = 1 if (st["segs"] > 0 and not ended and not st["overdue"]) else 0
        print("STREAM %s segs=%d late=%d late_proven=%d long=%d missed=%d "
              "disc=%d overdue=%d ended=%d errors=%d max_late=%.2f live=%d" %
              (n, st["segs"], st["late"], st["proven"], st["long"],
               st["missed"], st["disc"], st["overdue"], ended, nerr,
               st["max"], live))
        tot["live"] += live
        tot["segs"] += st["segs"]
        tot["late"] += st["late"] + st["missed"] + st["overdue"]
        tot["late_proven"] += st["proven"] + st["overdue"]
        tot["long"] += st["long"]
        tot["missed"] += st["missed"]
        tot["overdue"] += st["overdue"]
        tot["disc"] += st["disc"]
        tot["ended"] += ended
        tot["errors"] += nerr
    print("WINDOW %.3f %.3f" % (t0, t1))
    print("TOTAL " + " ".join("%s=%d" % kv for kv in tot.items()) +
          " max_late=%.2f p50_late=%.2f p99_late=%.2f" %
          (max(lateness_all) if lateness_all else float("nan"),
           pct(lateness_all, 50), pct(lateness_all, 99)))
    return 0


def pubstat(_args):
    for line in sys.stdin:
        p = line.split()
        if len(p) != 2:
            continue
        name, path = p
        res = (-1.0, -1, -1.0, 0)
        try:
            mtime = os.stat(path).st_mtime
            with open(path, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - 4096))
                tail = f.read().decode("ascii", "replace").splitlines()
            # The last complete block ends with "progress=continue|end".
            idx = [i for i, l in enumerate(tail) if l.startswith("progress=")]
            if idx:
                last = idx[-1]
                start = idx[-2] + 1 if len(idx) > 1 else 0
                kv = {}
                for l in tail[start:last + 1]:
                    k, _, v = l.partition("=")
                    kv[k.strip()] = v.strip()
                ot = int(kv.get("out_time_us", "-1") or -1)
                sp = kv.get("speed", "N/A").rstrip("x").strip()
                try:
                    spf = float(sp)
                except ValueError:
                    spf = -1.0
                res = (mtime, ot, spf, 1 if kv.get("progress") == "end" else 0)
        except (OSError, ValueError):
            pass
        print("%s %.6f %d %.3f %d" % ((name,) + res))
    sys.stdout.flush()
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    w = sub.add_parser("watch")
    w.add_argument("--list", required=True)
    w.add_argument("--interval", type=float, default=0.5)
    w.add_argument("--deadline", type=float, required=True)
    w.add_argument("--stop", required=True)
    w.add_argument("--ready")
    a = sub.add_parser("analyze")
    a.add_argument("--events", required=True)
    a.add_argument("--from", dest="t_from", type=float, required=True)
    a.add_argument("--to", dest="t_to", type=float, required=True)
    a.add_argument("--late", type=float, default=2.0)
    a.add_argument("--long", type=float, default=3.0)
    a.add_argument("--names")
    sub.add_parser("pubstat")
    args = ap.parse_args()
    if args.mode == "watch":
        if args.interval < 0.05 or args.interval > 10:
            ap.error("--interval must be 0.05..10")
        return watch(args)
    if args.mode == "analyze":
        return analyze(args)
    return pubstat(args)


if __name__ == "__main__":
    sys.exit(main())
