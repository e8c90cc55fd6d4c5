#!/usr/bin/env python3
"""The scale run's helpers (bench/scale.sh): Jolokia calls, a sampler, and the report.

    scale.py jolokia URL USER PASSWORD JSON      -> POSTs JSON to Jolokia, prints the reply
    scale.py routes URL USER PASSWORD stop|start|state PREFIX
                                                 -> stops/starts every Camel route whose id starts
                                                    with PREFIX (found with a Jolokia search, not
                                                    guessed); prints "route state" lines
    scale.py queues URL USER PASSWORD            -> "queue messageCount" lines
    scale.py wait-queued URL USER PASSWORD QUEUE N PID TIMEOUT_S STALL_S
                                                 -> waits until QUEUE holds N messages and
                                                    mail.submit is empty; prints epoch ms
    scale.py sample URL USER PASSWORD PID SINKLOG DATADIR PHASEFILE OUTCSV STOPFILE [INTERVAL_S]
                                                 -> one CSV row every INTERVAL_S (5) until STOPFILE:
                                                    heap (used, committed, max, after the last GC),
                                                    old gen, GC counts/time, RSS, CPU, queue depths,
                                                    paging, sink count, journal/paging disk use
    scale.py report WORKDIR                      -> the text report from WORKDIR/scale.kv and
                                                    samples.csv

Everything is read from the engine's own Jolokia (http://127.0.0.1:<port>/actuator/jolokia, basic
auth): the JVM's MemoryMXBean and memory pools (the same figures as jstat / jcmd GC.heap_info,
without starting a JVM tool every 5 s on a 2-core machine; scale.sh also keeps jcmd GC.heap_info
at each phase boundary), the Artemis queue and address MBeans, the Camel route MBeans.
"""
import base64
import csv
import json
import os
import re
import statistics
import sys
import time
import urllib.request

SUBMIT = "mail.submit"


class Jolokia:
    def __init__(self, url, user, password):
        if not url.startswith("http://127.0.0.1:"):
            raise SystemExit("refusing a non-loopback Jolokia url: " + url)
        self.url = url
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        # never through a proxy: loopback only
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def post(self, body, timeout=20):
        req = urllib.request.Request(self.url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": self.auth})
        with self.opener.open(req, timeout=timeout) as r:
            return json.loads(r.read())

    def search(self, pattern):
        r = self.post({"type": "search", "mbean": pattern})
        return r.get("value") or []

    def queues(self):
        r = self.post({"type": "read", "mbean": "org.apache.activemq.artemis:component=addresses,subcomponent=queues,*",
                       "attribute": ["MessageCount"]})
        out = {}
        for mbean, v in (r.get("value") or {}).items():
            m = re.search(r'queue="([^"]+)"', mbean)
            if m and isinstance(v, dict):
                out[m.group(1)] = v.get("MessageCount")
        return out


def routes(j, action, prefix):
    names = [n for n in j.search("org.apache.camel:type=routes,*")
             if re.search(r'name="?' + re.escape(prefix), n)]
    if not names:
        print(f"no Camel route whose id starts with {prefix}", file=sys.stderr)
        return 1
    rc = 0
    for n in names:
        if action in ("stop", "start"):
            r = j.post({"type": "exec", "mbean": n, "operation": action + "()"}, timeout=120)
            if r.get("status") != 200:
                print(f"{n}: {action} failed: {r.get('error')}", file=sys.stderr)
                rc = 1
        st = j.post({"type": "read", "mbean": n, "attribute": "State"}).get("value")
        print(re.search(r'name="?([^",]+)', n).group(1), st)
    return rc


def wait_queued(j, queue, n, pid, timeout, stall):
    start = last_change = time.time()
    last = None
    next_log = start + 15
    while True:
        q = j.queues()
        have, submit = q.get(queue) or 0, q.get(SUBMIT) or 0
        now = time.time()
        if have >= n and submit == 0:
            print(int(now * 1000))
            return 0
        if (have, submit) != last:
            last, last_change = (have, submit), now
        if not os.path.exists(f"/proc/{pid}"):
            print(int(now * 1000))
            return 2
        if now - last_change > stall:
            print(int(now * 1000))
            return 3
        if now - start > timeout:
            print(int(now * 1000))
            return 1
        if now >= next_log:
            sys.stderr.write(f"[{time.strftime('%H:%M:%S')}]   queued {have} / {n} in {queue}, {submit} still in {SUBMIT}\n")
            next_log = now + 15
        time.sleep(0.5)


HEAP_POOLS = ("G1 Eden Space", "G1 Survivor Space", "G1 Old Gen")
FIELDS = ["t_ms", "phase", "heap_used_mb", "heap_committed_mb", "heap_max_mb", "heap_after_gc_mb",
          "old_used_mb", "young_gcs", "old_gcs", "gc_ms", "rss_mb", "cpu_s", "submit_q", "deliver_q",
          "deliver_paging", "deliver_pages", "submit_pages", "address_mem_mb", "sink_msgs", "journal_mb",
          "paging_mb"]


def dir_mb(path):
    total = 0
    for dp, _, files in os.walk(path):
        for f in files:
            try:
                total += os.stat(os.path.join(dp, f)).st_blocks * 512
            except OSError:
                pass
    return total / 1048576


def proc(pid):
    rss = cpu = None
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024
        with open(f"/proc/{pid}/stat") as fh:
            f = fh.read().rsplit(")", 1)[1].split()
            cpu = (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        pass
    return rss, cpu


def sink_count(log):
    try:
        with open(log, "rb") as fh:
            fh.seek(max(0, os.path.getsize(log) - 400))
            m = re.findall(rb"mesg=(\d+)", fh.read())
            return int(m[-1]) if m else 0
    except OSError:
        return ""


def one_sample(j, pid, sinklog, datadir, phase, deliver_queue):
    reqs = [
        {"type": "read", "mbean": "java.lang:type=Memory", "attribute": "HeapMemoryUsage"},
        {"type": "read", "mbean": "java.lang:type=MemoryPool,*", "attribute": ["Usage"]},
        {"type": "read", "mbean": "java.lang:type=GarbageCollector,*", "attribute": ["CollectionCount", "CollectionTime", "LastGcInfo"]},
        {"type": "read", "mbean": "org.apache.activemq.artemis:component=addresses,subcomponent=queues,*", "attribute": ["MessageCount"]},
        {"type": "read", "mbean": "org.apache.activemq.artemis:component=addresses,*", "attribute": ["Paging", "NumberOfPages"]},
        {"type": "read", "mbean": "org.apache.activemq.artemis:broker=*", "attribute": ["AddressMemoryUsage"]},
    ]
    row = {k: "" for k in FIELDS}
    row["t_ms"], row["phase"] = int(time.time() * 1000), phase
    try:
        r = j.post(reqs)
    except Exception as e:  # the engine busy or gone: keep the /proc part
        sys.stderr.write(f"sampler: jolokia: {e}\n")
        r = [{}] * len(reqs)
    mb = 1048576
    heap = r[0].get("value") or {}
    if heap:
        row["heap_used_mb"] = "%.0f" % (heap["used"] / mb)
        row["heap_committed_mb"] = "%.0f" % (heap["committed"] / mb)
        row["heap_max_mb"] = "%.0f" % (heap["max"] / mb)
    for name, v in (r[1].get("value") or {}).items():
        if "G1 Old Gen" in name and v.get("Usage"):
            row["old_used_mb"] = "%.0f" % (v["Usage"]["used"] / mb)
    young = old = gcms = 0
    after, after_t = None, -1
    for name, v in (r[2].get("value") or {}).items():
        if not isinstance(v, dict):
            continue
        if "Young" in name:
            young += v.get("CollectionCount") or 0
        else:
            old += v.get("CollectionCount") or 0
        gcms += v.get("CollectionTime") or 0
        info = v.get("LastGcInfo")
        if info and (info.get("endTime") or 0) > after_t:  # the most recent collection of any kind
            au = info.get("memoryUsageAfterGc") or {}
            s = sum((au.get(p) or {}).get("used", 0) for p in HEAP_POOLS)
            after, after_t = s, info.get("endTime") or 0
    row["young_gcs"], row["old_gcs"], row["gc_ms"] = young, old, gcms
    if after is not None:
        row["heap_after_gc_mb"] = "%.0f" % (after / mb)
    for name, v in (r[3].get("value") or {}).items():
        m = re.search(r'queue="([^"]+)"', name)
        if m and isinstance(v, dict):
            if m.group(1) == SUBMIT:
                row["submit_q"] = v.get("MessageCount")
            elif m.group(1) == deliver_queue:
                row["deliver_q"] = v.get("MessageCount")
    for name, v in (r[4].get("value") or {}).items():
        if "subcomponent" in name or not isinstance(v, dict):
            continue
        m = re.search(r'address="([^"]+)"', name)
        if m and m.group(1) == deliver_queue:
            row["deliver_paging"] = int(bool(v.get("Paging")))
            row["deliver_pages"] = v.get("NumberOfPages")
        elif m and m.group(1) == SUBMIT:
            row["submit_pages"] = v.get("NumberOfPages")
    for name, v in (r[5].get("value") or {}).items():
        if isinstance(v, dict) and v.get("AddressMemoryUsage") is not None:
            row["address_mem_mb"] = "%.0f" % (v["AddressMemoryUsage"] / mb)
    rss, cpu = proc(pid)
    row["rss_mb"] = "%.0f" % rss if rss is not None else ""
    row["cpu_s"] = "%.1f" % cpu if cpu is not None else ""
    row["sink_msgs"] = sink_count(sinklog)
    row["journal_mb"] = "%.0f" % dir_mb(os.path.join(datadir, "journal", "journal")) if os.path.isdir(os.path.join(datadir, "journal", "journal")) else "%.0f" % dir_mb(os.path.join(datadir, "journal"))
    row["paging_mb"] = "%.0f" % dir_mb(os.path.join(datadir, "journal", "paging"))
    return row


def sample(j, pid, sinklog, datadir, phasefile, out, stopfile, interval, deliver_queue):
    new = not os.path.exists(out)
    with open(out, "a", newline="") as fh:
        w = csv.DictWriter(fh, FIELDS)
        if new:
            w.writeheader()
        while not os.path.exists(stopfile) and os.path.exists(f"/proc/{pid}"):
            t0 = time.time()
            try:
                with open(phasefile) as pf:
                    phase = pf.read().strip()
            except OSError:
                phase = "?"
            w.writerow(one_sample(j, pid, sinklog, datadir, phase, deliver_queue))
            fh.flush()
            time.sleep(max(0.0, interval - (time.time() - t0)))


def read_kv(path):
    d = {}
    if os.path.exists(path):
        with open(path) as fh:
            for line in fh:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    d[k] = v
    return d


def fnum(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def report(workdir):
    kv = read_kv(os.path.join(workdir, "scale.kv"))
    rows = []
    path = os.path.join(workdir, "samples.csv")
    if os.path.exists(path):
        with open(path) as fh:
            rows = list(csv.DictReader(fh))
    n = int(kv.get("messages", "0") or 0)
    L = []
    L.append(f"Caravan scale run  {kv.get('date', '')}")
    L.append(f"machine: {kv.get('machine', '')}")
    L.append(f"engine: {kv.get('engine', '')}; JVM options: {kv.get('java_opts', '')}")
    L.append(f"load: {n:,} messages x {kv.get('size')} B, producer {kv.get('producer', '')}; "
             f"delivery routes stopped over Jolokia during intake, started for the drain")
    L.append(f"background: {kv.get('background', '')}")
    L.append("")

    def rate(a, b):
        a, b = fnum(kv.get(a)), fnum(kv.get(b))
        return n * 1000.0 / (b - a) if a and b and b > a else None

    def fmt(v, f="%.0f"):
        return f % v if v is not None else "-"

    def secs(a, b):
        a, b = fnum(kv.get(a)), fnum(kv.get(b))
        return f"({(b - a) / 1000:.0f} s)" if a and b else ""

    def row(label, value, extra=""):
        L.append(f"  {label:<66}{value:>10}   {extra}".rstrip())

    L.append("phase 1: intake (delivery paused)")
    pms = fnum(kv.get("producer_ms"))
    row(f"producer -> mail.submit msgs/s (persistent, tx/{kv.get('batch', '?')})", fmt(fnum(kv.get("producer_rate"))),
        f"({pms / 1000:.0f} s)" if pms else "")
    row(f"intake msgs/s: first submit -> all {n:,} in the delivery queue", fmt(rate("intake_start_ms", "queued_ms")),
        secs("intake_start_ms", "queued_ms"))
    row("engine CPU ms/msg during intake", kv.get("intake_cpu_ms_per_msg", "-"))
    L.append("phase 2: drain (delivery routes started)")
    row("drain msgs/s: routes started -> last 250 (last 'd' record)", fmt(rate("resume_ms", "drained_ms")),
        secs("resume_ms", "drained_ms"))
    row("engine CPU ms/msg during drain", kv.get("drain_cpu_ms_per_msg", "-"))
    row("delivered (distinct 'd' records) / duplicates / received by sink",
        f"{kv.get('distinct_d', '-')} / {kv.get('duplicates_d', '-')} / {kv.get('sink_msgs', '-')}")
    L.append("")

    # memory per phase
    L.append("memory, per phase (samples every %ss; MB)" % kv.get("interval", "?"))
    L.append("  %-10s%10s%12s%14s%12s%10s%10s%12s%12s" % ("phase", "samples", "heap max", "heap used pk", "after-GC pk",
                                                          "old pk", "RSS pk", "journal pk", "paging pk"))
    for ph in ("intake", "settle", "drain"):
        rs = [r for r in rows if r["phase"] == ph]
        if not rs:
            continue

        def pk(k):
            v = [fnum(r[k]) for r in rs if fnum(r[k]) is not None]
            return max(v) if v else None
        L.append("  %-10s%10d%12s%14s%12s%10s%10s%12s%12s" % (
            ph, len(rs), fmt(pk("heap_max_mb")), fmt(pk("heap_used_mb")), fmt(pk("heap_after_gc_mb")),
            fmt(pk("old_used_mb")), fmt(pk("rss_mb")), fmt(pk("journal_mb")), fmt(pk("paging_mb"))))
    for k, label in (("live_after_intake_mb", "heap live after a full GC with everything queued (jcmd GC.run)"),
                     ("peak_rss_mb", "engine peak RSS (VmHWM), whole run"),
                     ("deliver_pages_max", "delivery queue: most page files at once"),
                     ("gc_young", "GCs young / old (whole run)")):
        if kv.get(k):
            L.append(f"  {label}: {kv[k]}")
    # heap trend across the intake: does it grow with the queue? compare the after-GC floor of the
    # first and last quarter of the samples
    rs = [r for r in rows if r["phase"] == "intake" and fnum(r["heap_after_gc_mb"]) is not None]
    if len(rs) >= 8:
        q = len(rs) // 4
        a = statistics.median(fnum(r["heap_after_gc_mb"]) for r in rs[:q])
        b = statistics.median(fnum(r["heap_after_gc_mb"]) for r in rs[-q:])
        qa = statistics.median(fnum(r["deliver_q"]) or 0 for r in rs[:q])
        qb = statistics.median(fnum(r["deliver_q"]) or 0 for r in rs[-q:])
        L.append(f"  heap after GC, first vs last quarter of the intake: {a:.0f} MB at ~{qa:,.0f} queued -> "
                 f"{b:.0f} MB at ~{qb:,.0f} queued")
    hist = os.path.join(workdir, "class-histogram-after-intake.txt")
    if os.path.exists(hist):
        with open(hist) as fh:
            top = [ln.rstrip() for ln in fh if re.match(r"\s*\d+:\s+\d+", ln)][:8]
        if top:
            L.append("  what holds the heap with everything queued (jcmd GC.class_histogram after the full GC, top 8):")
            L += ["    " + ln.strip() for ln in top]
    L.append("")

    # a timeline: at most ~24 rows
    if rows:
        step = max(1, len(rows) // 24)
        L.append("timeline (every %d-th sample)" % step)
        cols = [("t_s", 7), ("phase", 8), ("submit_q", 10), ("deliver_q", 10), ("deliver_pages", 7), ("sink_msgs", 10),
                ("heap_used_mb", 8), ("heap_after_gc_mb", 8), ("rss_mb", 7), ("journal_mb", 8), ("paging_mb", 8)]
        head = {"t_s": "t s", "phase": "phase", "submit_q": "submit q", "deliver_q": "deliver q", "deliver_pages": "pages",
                "sink_msgs": "at sink", "heap_used_mb": "heap MB", "heap_after_gc_mb": "afterGC", "rss_mb": "RSS MB",
                "journal_mb": "journal", "paging_mb": "paging"}
        L.append("  " + "".join(f"{head[c]:>{w}}" for c, w in cols))
        t0 = fnum(rows[0]["t_ms"])
        picked = rows[::step]
        if rows[-1] is not picked[-1]:
            picked.append(rows[-1])
        for r in picked:
            vals = dict(r)
            vals["t_s"] = "%.0f" % ((fnum(r["t_ms"]) - t0) / 1000)
            L.append("  " + "".join(f"{str(vals.get(c, '')):>{w}}" for c, w in cols))
    notes = [v for k, v in sorted(kv.items()) if k.startswith("note")]
    if notes:
        L.append("")
        L.append("notes")
        L += ["  " + x for x in notes]
    print("\n".join(L))


def main(a):
    if len(a) >= 5 and a[0] == "jolokia":
        print(json.dumps(Jolokia(a[1], a[2], a[3]).post(json.loads(a[4]))))
        return 0
    if len(a) == 6 and a[0] == "routes":
        return routes(Jolokia(a[1], a[2], a[3]), a[4], a[5])
    if len(a) == 4 and a[0] == "queues":
        for k, v in sorted(Jolokia(a[1], a[2], a[3]).queues().items()):
            print(k, v)
        return 0
    if len(a) == 9 and a[0] == "wait-queued":
        return wait_queued(Jolokia(a[1], a[2], a[3]), a[4], int(a[5]), int(a[6]), float(a[7]), float(a[8]))
    if len(a) >= 10 and a[0] == "sample":
        interval = float(a[10]) if len(a) > 10 else 5.0
        dq = a[11] if len(a) > 11 else "mail.deliver.default.bench"
        sample(Jolokia(a[1], a[2], a[3]), int(a[4]), a[5], a[6], a[7], a[8], a[9], interval, dq)
        return 0
    if len(a) == 2 and a[0] == "report":
        report(a[1])
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
