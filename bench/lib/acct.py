#!/usr/bin/env python3
"""Read Caravan's accounting CSV files (PowerMTA acct format) for one jobId.

    acct.py count DIR JOB              -> number of 'd' records (delivered) for JOB
    acct.py wait DIR JOB N PID [TIMEOUT_S [STALL_S]]
                                       -> waits until DIR holds N 'd' records for JOB, reading
                                          only what was appended since the last look (cheap
                                          enough to poll 10 times a second); prints the count.
                                          Exit 0 done, 1 timeout, 2 PID died, 3 stalled
                                          (no new record for STALL_S seconds). Once deliveries
                                          have started, STALL_DUMP_S (env, default 10) seconds
                                          without a new record take a thread dump of PID
                                          (jcmd Thread.print) into stall-JOB-COUNT.txt beside DIR,
                                          once per pause.
    acct.py stats DIR JOB [START_MS]   -> key=value lines: record counts by type, duplicates,
                                          first queued / last logged (epoch ms), submit-to-250
                                          latency percentiles, and, with START_MS (the producer's
                                          first send), the end-to-end rate.

DIR is searched recursively for files named acct-* (.csv, also gzip-compressed rolls).
Latency of a record = timeLogged - timeQueued; both are 'yyyy-MM-dd HH:mm:ss.SSSZ' in UTC
(ISO 'T' separators, 'Z' and missing milliseconds are accepted too).
"""
import csv
import gzip
import io
import math
import os
import re
import sys
from datetime import datetime, timezone

TS = re.compile(r"(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?\s*(Z|[+-]\d\d:?\d\d)?$")


def parse_ms(text):
    """Epoch milliseconds of an accounting timestamp, or None."""
    m = TS.match(text.strip())
    if not m:
        return None
    y, mo, d, h, mi, s, frac, tz = m.groups()
    dt = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), tzinfo=timezone.utc)
    ms = int(dt.timestamp()) * 1000
    if frac:
        ms += int((frac + "00")[:3])
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        hh, mm = int(tz[1:3]), int(tz[-2:])
        ms -= sign * (hh * 60 + mm) * 60_000
    return ms


def acct_files(root):
    out = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.startswith("acct-"):
                out.append(os.path.join(dirpath, f))
    return sorted(out)


def records(root, job):
    """Yield dict rows whose jobId is JOB, from every accounting file under ROOT."""
    for path in acct_files(root):
        opener = gzip.open if path.endswith(".gz") else open
        try:
            with opener(path, "rt", newline="", encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        except (OSError, EOFError):
            continue  # a roll in progress, a truncated gzip: skip
        if job not in text:
            continue
        for row in csv.DictReader(io.StringIO(text)):
            if row.get("jobId") == job:
                yield row


def percentile(sorted_vals, p):
    """Nearest-rank percentile (p in 0..100) of an ascending list."""
    if not sorted_vals:
        return float("nan")
    k = max(1, math.ceil(p / 100.0 * len(sorted_vals)))
    return sorted_vals[k - 1]


def stats(root, job, start_ms=None):
    types = {}
    delivered_keys = set()
    dup = 0
    lat = []
    bad_ts = 0
    first_q = last_l = None
    for row in records(root, job):
        t = (row.get("type") or "?").strip()
        types[t] = types.get(t, 0) + 1
        if t != "d":
            continue
        key = (row.get("messageId"), row.get("rcpt"))
        if key in delivered_keys:
            dup += 1
        delivered_keys.add(key)
        q = parse_ms(row.get("timeQueued") or "")
        lg = parse_ms(row.get("timeLogged") or "")
        if q is None or lg is None:
            bad_ts += 1
            continue
        lat.append(lg - q)
        first_q = q if first_q is None else min(first_q, q)
        last_l = lg if last_l is None else max(last_l, lg)
    lat.sort()
    out = {
        "acct_d": types.get("d", 0),
        "acct_b": types.get("b", 0),
        "acct_t": types.get("t", 0),
        "acct_r": types.get("r", 0),
        "acct_other": sum(v for k, v in types.items() if k not in ("d", "b", "t", "r")),
        "distinct_d": len(delivered_keys),
        "duplicates_d": dup,
        "bad_timestamps": bad_ts,
        "first_queued_ms": first_q if first_q is not None else "",
        "last_logged_ms": last_l if last_l is not None else "",
    }
    if lat:
        out.update({
            "lat_min_ms": lat[0],
            "lat_p50_ms": percentile(lat, 50),
            "lat_p90_ms": percentile(lat, 90),
            "lat_p99_ms": percentile(lat, 99),
            "lat_max_ms": lat[-1],
            "lat_mean_ms": "%.1f" % (sum(lat) / len(lat)),
        })
    if start_ms is not None and last_l is not None and last_l > start_ms:
        # every 'd' record: a submission shape may repeat one Message-ID on purpose (the Artemis
        # CLI sends one file N times); unplanned duplicates are reported as duplicates_d
        out["rate"] = "%.1f" % (types.get("d", 0) * 1000.0 / (last_l - start_ms))
        out["window_ms"] = last_l - start_ms
    return out


class Tail:
    """Counts 'd' records of one job in a directory of growing CSV files, incrementally."""

    def __init__(self, root, job):
        self.root, self.job = root, job.encode()
        self.offsets, self.partial, self.count = {}, {}, 0

    def poll(self):
        for path in acct_files(self.root):
            if path.endswith(".gz"):
                if path not in self.offsets:  # a rolled file appears once, whole
                    self.offsets[path] = -1
                    try:
                        with gzip.open(path, "rb") as fh:
                            self._scan(fh.read().split(b"\n"))
                    except (OSError, EOFError):
                        del self.offsets[path]
                continue
            off = self.offsets.get(path, 0)
            try:
                with open(path, "rb") as fh:
                    fh.seek(off)
                    data = fh.read()
            except OSError:
                continue
            if not data:
                continue
            self.offsets[path] = off + len(data)
            lines = (self.partial.pop(path, b"") + data).split(b"\n")
            self.partial[path] = lines.pop()  # an incomplete last line waits for the next poll
            self._scan(lines)
        return self.count

    def _scan(self, lines):
        job = self.job
        for ln in lines:
            if (ln.startswith(b"d,") or ln.startswith(b'"d",')) and job in ln:
                self.count += 1


def thread_dump(pid, path):
    """The engine's threads as jcmd prints them, taken while deliveries have stopped."""
    import subprocess
    import time
    try:
        with open(path, "w") as f:
            f.write(f"# {time.strftime('%Y-%m-%d %H:%M:%S')} jcmd {pid} Thread.print\n")
            f.flush()
            subprocess.run(["jcmd", str(pid), "Thread.print", "-l"], stdout=f, stderr=subprocess.STDOUT, timeout=30)
        sys.stderr.write(f"[{time.strftime('%H:%M:%S')}]   no delivery for a while: thread dump in {path}\n")
    except (OSError, subprocess.SubprocessError) as e:
        sys.stderr.write(f"thread dump failed: {e}\n")


def wait(root, job, n, pid, timeout, stall):
    import time
    t = Tail(root, job)
    start = last_change = next_log = time.time()
    next_log += 10
    last = -1
    dumped = False
    dump_after = float(os.environ.get("STALL_DUMP_S", "10"))
    while True:
        c = t.poll()
        now = time.time()
        if c >= n:
            print(c)
            return 0
        if c != last:
            last, last_change, dumped = c, now, False
        if not dumped and 0 < c and now - last_change > dump_after:
            dumped = True
            thread_dump(pid, os.path.join(os.path.dirname(os.path.abspath(root)), f"stall-{job}-{c}.txt"))
        if not os.path.exists(f"/proc/{pid}"):
            print(c)
            return 2
        if now - last_change > stall:
            print(c)
            return 3
        if now - start > timeout:
            print(c)
            return 1
        if now >= next_log:
            sys.stderr.write(f"[{time.strftime('%H:%M:%S')}]   {job}: {c} / {n} delivered\n")
            next_log = now + 10
        time.sleep(0.1)


def main(argv):
    if len(argv) >= 5 and argv[0] == "wait":
        timeout = float(argv[5]) if len(argv) > 5 else 600
        stall = float(argv[6]) if len(argv) > 6 else 120
        return wait(argv[1], argv[2], int(argv[3]), int(argv[4]), timeout, stall)
    if len(argv) < 3 or argv[0] not in ("count", "stats"):
        sys.stderr.write(__doc__)
        return 2
    cmd, root, job = argv[0], argv[1], argv[2]
    if cmd == "count":
        print(sum(1 for r in records(root, job) if (r.get("type") or "").strip() == "d"))
        return 0
    start = int(argv[3]) if len(argv) > 3 and argv[3] else None
    for k, v in stats(root, job, start).items():
        print(f"{k}={v}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
